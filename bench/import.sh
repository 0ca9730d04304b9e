#!/bin/sh
# import.sh - import benchmark: a synthetic business of $CONTACTS contacts (about 21 events each)
# imported by followup (stored, indexed, state derived) next to sqlite3's own .import of the
# same events CSV into an unindexed table, in the same run. Prints events/s and peak memory;
# with RUNS=n (default 1) it measures everything n times and prints the medians.
#   CONTACTS=100000 RUNS=3 bench/import.sh      (from the top of the checkout, after make)
set -eu
cd "$(dirname "$0")/.."
CONTACTS=${CONTACTS:-100000}
RUNS=${RUNS:-1}
out=bench/out/$CONTACTS
mkdir -p "$out"
[ -x build/bench-synth ] || make build/bench-synth >/dev/null
[ -x followup ] || make followup >/dev/null
[ -f "$out/events.csv" ] || build/bench-synth --contacts "$CONTACTS" --days 730 --seed 1 \
	--end 2026-11-25 --out "$out" >/dev/null
events=$(($(wc -l <"$out/events.csv") - 1))
echo "synthetic business: $CONTACTS contacts, $events events ($(du -h "$out/events.csv" | cut -f1) CSV)"

db=$out/followup.db
raw=$out/raw.db
rm -f "$out/t.contacts" "$out/t.events" "$out/t.raw"
run=1
while [ "$run" -le "$RUNS" ]; do
	rm -f "$db" "$db-wal" "$db-shm" "$db-journal" "$raw"
	./followup --db "$db" init >/dev/null
	/usr/bin/time -f "%e %M" -a -o "$out/t.contacts" ./followup --db "$db" import contacts \
		"$out/contacts.csv" >/dev/null
	/usr/bin/time -f "%e %M" -a -o "$out/t.events" ./followup --db "$db" import events \
		"$out/events.csv" >/dev/null
	/usr/bin/time -f "%e %M" -a -o "$out/t.raw" sqlite3 "$raw" ".mode csv" \
		".import $out/events.csv events"
	run=$((run + 1))
done

median() { # timefile column: the median of that column over the runs
	sort -n -k "$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}
report() { # label timefile
	secs=$(median "$2" 1)
	kb=$(median "$2" 2)
	awk -v l="$1" -v s="$secs" -v kb="$kb" -v n="$events" \
		'BEGIN { printf "%-34s %7.2f s %10.0f events/s %7.1f MB peak\n", l, s, (s > 0 ? n / s : 0), kb / 1024 }'
}
[ "$RUNS" -gt 1 ] && echo "medians of $RUNS runs (seconds each run: events $(cut -d' ' -f1 "$out/t.events" |
	tr '\n' ' ')/ sqlite3 $(cut -d' ' -f1 "$out/t.raw" | tr '\n' ' '| sed 's/ $//'))"
report "followup import contacts" "$out/t.contacts"
report "followup import events" "$out/t.events"
report "sqlite3 .import (no index)" "$out/t.raw"
awk -v f="$(median "$out/t.events" 1)" -v r="$(median "$out/t.raw" 1)" \
	'BEGIN { printf "followup / sqlite3 .import time: %.2f\n", f / r }'
