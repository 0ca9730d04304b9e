#!/bin/sh
# run.sh - runs every tests/e2e/t*.sh against $FOLLOWUP_BIN, each in its own temporary directory
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${FOLLOWUP_BIN:?set FOLLOWUP_BIN to the followup binary}"
export FOLLOWUP_BIN
export TESTS_DIR="$here/.."
# the shared real data sets: $SHARED_DATA, else ../shared/data beside the checkout, else /work/shared/data
if [ -z "${SHARED_DATA:-}" ]; then
	for d in "$here/../../../shared/data" /work/shared/data; do
		if [ -d "$d/cdnow" ]; then SHARED_DATA=$(cd "$d" && pwd); break; fi
	done
fi
export SHARED_DATA="${SHARED_DATA:-}"
pass=0 fail=0 failed=""
for t in "$here"/t*.sh; do
	name=$(basename "$t" .sh)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/fu-$name.XXXXXX")
	if (cd "$dir" && sh "$t") >"$dir/log" 2>&1; then
		pass=$((pass + 1))
		echo "e2e: ok   $name"
		rm -rf "$dir"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "e2e: FAIL $name (log: $dir/log)"
		sed 's/^/    /' "$dir/log" | tail -40
	fi
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
