#!/bin/sh
# agenda.sh - agenda benchmark: a synthetic business of $CONTACTS contacts (default 1,000,000,
# about 21 events each; generated and imported as bench/import.sh does when missing), then
# warm timings of one owner's agenda (the first run fills the wake cache) and of everyone's.
# Then the business works that day's agenda (a `touch reached` for every entry, imported),
# a day's new events arrive, and the timings are taken the next morning; once more for a
# third day: the steady state of a business that keeps up. The database is changed by the second part; delete it to start again.
#   CONTACTS=100000 bench/agenda.sh      (from the top of the checkout; RUNS=3 by default)
#   OWNERS=200 CONTACTS=1000000 bench/agenda.sh   (200 owners "o0001".. instead of the demo's 4)
set -eu
cd "$(dirname "$0")/.."
CONTACTS=${CONTACTS:-1000000}
RUNS=${RUNS:-3}
NOW=${NOW:-2026-11-25T09:00:00Z}
BIN=${FOLLOWUP_BIN:-./followup}
OWNERS=${OWNERS:-0}
if [ "$OWNERS" -gt 0 ]; then
	out=bench/out/$CONTACTS-o$OWNERS
	OWNER=${OWNER:-o0001}
else
	out=bench/out/$CONTACTS
	OWNER=${OWNER:-ana}
fi
db=$out/followup.db
mkdir -p "$out"
[ -x build/bench-synth ] || make build/bench-synth >/dev/null
[ -x followup ] || make followup >/dev/null
if [ ! -f "$db" ]; then
	[ -f "$out/events.csv" ] || build/bench-synth --contacts "$CONTACTS" --days 730 --seed 1 \
		--end 2026-11-25 --out "$out" --owners "$OWNERS" >/dev/null
	./followup --db "$db" init >/dev/null
	./followup --db "$db" import contacts "$out/contacts.csv" >/dev/null
	./followup --db "$db" import events "$out/events.csv" >/dev/null
fi
fu() { "$BIN" --db "$db" --now "$NOW" "$@"; }
events=$(sqlite3 "$db" "SELECT count(*) FROM events")
echo "synthetic business: $CONTACTS contacts, $events events, clock $NOW"
cat "$db" >/dev/null # warm the page cache

# timed LABEL CMD...: seconds and peak memory of one run; its entries are counted on a pipe
timed() {
	label=$1
	shift
	n=$(/usr/bin/time -f "%e %M" -o "$out/t.agenda" "$@" | grep -c '^  {' || true)
	read -r secs kb <"$out/t.agenda"
	printf '%-44s %7.2f s %8.1f MB peak %8s entries\n' "$label" "$secs" "$((kb / 1024))" "$n"
}

# census CLOCK: what the first run of that morning has to look at, by cause
census() {
	sqlite3 "$db" "SELECT '  contacts to evaluate: ' || ifnull(sum(wake IS NULL), 0) || ' changed (wake unknown), ' ||
		ifnull(sum(wake <= unixepoch('$1')), 0) || ' whose wake has passed, ' ||
		ifnull(sum(due_day <= unixepoch('$1') / 86400 AND wake > unixepoch('$1')), 0) ||
		' due by today (rendered again); ' || count(*) || ' contacts' FROM contact_wake"
}

# day CLOCK: the first agenda of the day for every owner (it evaluates every contact whose
# wake has passed or is unknown, and every follow-up due, and fills the cache), then the
# same without JSON (the evaluation alone: text, one entry), then RUNS of each kind
day() {
	census "$1"
	timed "agenda (every owner; first run, fills the cache)" "$BIN" --db "$db" --now "$1" agenda --json
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f "%e %M" -o "$out/t.agenda" "$BIN" --db "$db" --now "$1" agenda --limit 1 >/dev/null
		read -r secs kb <"$out/t.agenda"
		printf '%-44s %7.2f s %8.1f MB peak\n' "evaluation only (cached, run $i)" "$secs" "$((kb / 1024))"
	done
	for kind in "--owner $OWNER" "" "--all"; do
		for i in $(seq "$RUNS"); do
			# shellcheck disable=SC2086 # $kind is two words or none
			timed "agenda ${kind:-(every owner)} (cached, run $i)" "$BIN" --db "$db" --now "$1" \
				agenda $kind --json
		done
	done
}

# work CLOCK N: the day's work (every follow-up due that day is done: the contact was
# reached) and the business going on: purchases, clicks, replies, info requests and service
# calls during the day (about 30 events per 1,000 contacts, as many as the synthetic history
# has a day; another sample of contacts each day N)
work() {
	"$BIN" --db "$db" --now "$1" agenda --json | sed -n 's/^    "contact": "\(.*\)",$/\1/p' |
		awk -v now="$1" -v n="$2" 'BEGIN { print "id,type,contact,time,outcome" }
			{ printf "bench-done%s-%s,touch,%s,%s,reached\n", n, $1, $1, now }' >"$out/done.csv"
	width=$(($(sed -n '2s/,.*//p' "$out/contacts.csv" | wc -c) - 2))
	awk -v n="$CONTACTS" -v w="$width" -v d="$(date -u -d "$1" +%Y-%m-%d)" -v seed="$2" 'BEGIN {
		srand(seed)
		print "id,type,contact,time,amount"
		split("purchase email_click reply info_request service", type, " ")
		split("50 200 400 500 1000", every, " ")
		for (t = 1; t <= 5; t++)
			for (i = 1; i <= n; i++)
				if (rand() * every[t] < 1) {
					hh = 10 + int(rand() * 10)
					printf "bench-day%d-%s-%d,%s,C%0*d,%sT%02d:%02d:00Z,%s\n", seed, type[t], i,
					       type[t], w, i, d, hh, int(rand() * 60),
					       t == 1 ? sprintf("%.2f", 20 + rand() * 200) : ""
				}
	}' >"$out/day.csv"
	/usr/bin/time -f "%e" -o "$out/t.agenda" "$BIN" --db "$db" --now "$1" import events "$out/done.csv" >/dev/null
	echo "the day's work: $(($(wc -l <"$out/done.csv") - 1)) touches imported in $(cat "$out/t.agenda") s"
	/usr/bin/time -f "%e" -o "$out/t.agenda" "$BIN" --db "$db" --now "$1" import events "$out/day.csv" >/dev/null
	echo "the day's business: $(($(wc -l <"$out/day.csv") - 1)) events imported in $(cat "$out/t.agenda") s"
}

# day 1: every wake unknown, as after an import or `playbook use`; the synthetic business
# has never followed anyone up, so two thirds of its contacts are due
fu playbook use --default >/dev/null
census "$NOW"
timed "agenda (every owner; first run, fills the cache)" "$BIN" --db "$db" --now "$NOW" agenda --json
timed "agenda --all --full (no cache)" "$BIN" --db "$db" --now "$NOW" agenda --all --full --json
work "$NOW" 1
# day 2: the morning after the catch-up; day 3: a day like any other
DAY2=$(date -u -d "$NOW + 1 day" +%Y-%m-%dT%H:%M:%SZ)
echo "day 2, $DAY2:"
day "$DAY2"
work "$DAY2" 2
DAY3=$(date -u -d "$NOW + 2 days" +%Y-%m-%dT%H:%M:%SZ)
echo "day 3, $DAY3:"
day "$DAY3"
