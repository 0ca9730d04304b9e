#!/bin/sh
# run.sh SECONDS TARGET... - runs each libFuzzer target for SECONDS from its committed seeds
# (tests/fuzz/seeds/NAME, NAME = the target without "fuzz-"), new inputs going to
# build/fuzz/corpus-NAME; stops at the first target that finds a crash, a leak or UB, and
# says where the input that did it is.
set -u
secs=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
fail=0
for f in "$@"; do
	name=$(basename "$f")
	seeds="$here/seeds/${name#fuzz-}"
	corpus="build/fuzz/corpus-${name#fuzz-}"
	mkdir -p "$corpus" "build/fuzz/crashes"
	if "$f" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="build/fuzz/crashes/$name-" "$corpus" "$seeds" >"build/fuzz/$name.log" 2>&1; then
		echo "fuzz: ok   $name ($secs s, $(grep -o 'Done [0-9]* runs' "build/fuzz/$name.log" |
			cut -d' ' -f2) runs)"
	else
		fail=1
		echo "fuzz: FAIL $name (log: build/fuzz/$name.log; the input: build/fuzz/crashes/$name-*)"
		grep -E 'ERROR|runtime error|SUMMARY|Test unit written|check accepted' "build/fuzz/$name.log" | head -8
	fi
done
exit "$fail"
