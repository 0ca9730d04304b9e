#!/bin/sh
# run.sh - runs every tests/e2e/t*.sh (with bash) against $FOLLOWUP_BIN, each in its own temporary
# directory; a failing script's "not ok" cases are printed with their reasons
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
# run.sh [NAME...]: only the scripts whose names begin with NAME (t0007, say)
scripts=""
for t in "$here"/t*.sh; do
	name=$(basename "$t" .sh)
	if [ $# -gt 0 ]; then
		keep=0
		for a in "$@"; do
			case $name in "$a"*) keep=1 ;; esac
		done
		[ "$keep" -eq 1 ] || continue
	fi
	scripts="$scripts $t"
done
for t in $scripts; do
	name=$(basename "$t" .sh)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/fu-$name.XXXXXX")
	if (cd "$dir" && bash "$t") >"$dir/log" 2>&1; then
		pass=$((pass + 1))
		echo "e2e: ok   $name ($(grep -c '^ok ' "$dir/log") cases$(grep -o ' # SKIP.*' "$dir/log" | head -1))"
		rm -rf "$dir"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "e2e: FAIL $name (log: $dir/log)"
		# the failed cases with their reasons (everything but the cases that passed)
		grep -v '^ok ' "$dir/log" | sed 's/^/    /' | tail -150
	fi
done
echo "e2e: $pass passed, $fail failed${failed:+:$failed}"
[ "$fail" -eq 0 ]
