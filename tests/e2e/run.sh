#!/bin/bash
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
# E2E_JOBS scripts at a time (default: the number of cores); each script's result is printed
# in order once it is known, with its time, so the output reads the same as one at a time
jobs=${E2E_JOBS:-$(nproc 2>/dev/null || echo 1)}
out=$(mktemp -d "${TMPDIR:-/tmp}/fu-e2e.XXXXXX")
run_one() {
	t=$1 out=$2
	name=$(basename "$t" .sh)
	dir=$(mktemp -d "${TMPDIR:-/tmp}/fu-$name.XXXXXX")
	start=$(date +%s)
	if (cd "$dir" && bash "$t") >"$dir/log" 2>&1; then rc=0; else rc=1; fi
	echo "$rc $dir $(($(date +%s) - start))" >"$out/$name.result"
}
i=0
for t in $scripts; do
	run_one "$t" "$out" &
	i=$((i + 1))
	# at most $jobs at once: wait for one to end before starting another
	if [ "$i" -ge "$jobs" ]; then
		wait -n || true
	fi
done
wait
for t in $scripts; do
	name=$(basename "$t" .sh)
	read -r rc dir secs <"$out/$name.result"
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		echo "e2e: ok   $name ($(grep -c '^ok ' "$dir/log") cases$(grep -o ' # SKIP.*' "$dir/log" | head -1), ${secs} s)"
		rm -rf "$dir"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "e2e: FAIL $name (log: $dir/log, ${secs} s)"
		# the failed cases with their reasons (everything but the cases that passed)
		grep -v '^ok ' "$dir/log" | sed 's/^/    /' | tail -150
	fi
done
rm -rf "$out"
echo "e2e: $pass passed, $fail failed${failed:+:$failed}"
[ "$fail" -eq 0 ]
