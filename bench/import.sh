#!/bin/sh
# import.sh - the import benchmark of issue 13: every shape of file a user brings, each imported
# by followup (stored, indexed, state derived) and, in the same run, loaded by sqlite3's own
# .import into an unindexed table. Prints one table: medians of RUNS runs, their ratio, peak RSS.
#   bench/import.sh                     (from the top of the checkout; 20,000 contacts, a few minutes)
#   FULL=1 bench/import.sh              (the issue's sizes: 100,000 contacts / 2.2 M events, and
#                                        1,000,000 customers with few purchases each)
#   CONTACTS=N FEW=N RUNS=n STEPS="contacts events" bench/import.sh
# Steps: contacts events empty time shuffled jsonl mapped reimport daily few fit (default: all).
set -eu
cd "$(dirname "$0")/.."
if [ "${FULL:-0}" = 1 ]; then
	CONTACTS=${CONTACTS:-100000}
	FEW=${FEW:-1000000}
fi
CONTACTS=${CONTACTS:-20000}
FEW=${FEW:-100000}
RUNS=${RUNS:-3}
STEPS=${STEPS:-contacts events empty time shuffled jsonl mapped reimport daily few fit}
FU=${FOLLOWUP_BIN:-$PWD/followup}
END=2026-11-25
out=bench/out/$CONTACTS
fewdir=bench/out/few-$FEW
mkdir -p "$out" "$fewdir"
[ -x build/bench-synth ] && [ -x build/bench-purchases ] ||
	make build/bench-synth build/bench-purchases >/dev/null
[ -x "$FU" ] || make followup >/dev/null
[ -f "$out/events-shuffled.csv" ] || build/bench-synth --contacts "$CONTACTS" --days 730 --seed 1 \
	--end "$END" --out "$out" --shapes >/dev/null
[ -f "$fewdir/few.csv" ] || build/bench-synth --few "$FEW" --seed 1 --end "$END" --out "$fewdir" >/dev/null
rows() { echo $(($(wc -l <"$1") - 1)); }
events=$(rows "$out/events.csv")
echo "synthetic business: $CONTACTS contacts, $events events ($(du -h "$out/events.csv" | cut -f1) CSV);" \
	"$FEW customers with $(rows "$fewdir/few.csv") purchases; $RUNS runs; $(nproc) cores," \
	"load $(cut -d' ' -f1-3 /proc/loadavg)"

t=$out/times
rm -rf "$t"
mkdir -p "$t"
db=$out/bench.db
raw=$out/raw.db
fresh() { # the database $db removed (with its log)
	rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
}
timed() { # name cmd...: runs cmd, appending "seconds peak-KB" to $t/name
	name=$1
	shift
	/usr/bin/time -f "%e %M" -a -o "$t/$name" "$@" >/dev/null
}
sq() { # name file [separator]: sqlite3's .import of file into a new, unindexed table
	rm -f "$raw"
	if [ $# -ge 3 ]; then
		# JSON Lines: each line is one value (a separator that never occurs)
		timed "$1" sqlite3 "$raw" "CREATE TABLE lines(line TEXT)" ".mode ascii" \
			".separator $3 \"\\n\"" ".import $2 lines"
	else
		timed "$1" sqlite3 "$raw" ".mode csv" ".import $2 t"
	fi
}
fu() { "$FU" --db "$db" "$@"; }
template() { # name: a database to copy, made once (untimed)
	[ -f "$out/$1.db" ] && return 0
	fresh
	fu init
	case $1 in
	contacts) fu import contacts "$out/contacts.csv" ;;
	full) fu import contacts "$out/contacts.csv" && fu import events "$out/events.csv" ;;
	base) fu import contacts "$out/contacts.csv" && fu import events "$out/events-base.csv" ;;
	esac
	cp "$db" "$out/$1.db"
}
from() { # name: $db as a copy of template name
	template "$1" >/dev/null
	fresh
	cp "$out/$1.db" "$db"
}
has() { case " $STEPS " in *" $1 "*) return 0 ;; esac; return 1; }

run=1
while [ "$run" -le "$RUNS" ]; do
	if has contacts; then
		fresh; fu init >/dev/null
		timed contacts "$FU" --db "$db" import contacts "$out/contacts.csv"
		sq contacts.sq "$out/contacts.csv"
	fi
	if has events; then
		from contacts
		timed events "$FU" --db "$db" import events "$out/events.csv"
		sq events.sq "$out/events.csv"
	fi
	for shape in empty:events.csv time:events-time.csv shuffled:events-shuffled.csv \
		jsonl:events.jsonl mapped:events-mapped.csv; do
		name=${shape%%:*}
		file=$out/${shape#*:}
		has "$name" || continue
		fresh; fu init >/dev/null
		timed "$name" "$FU" --db "$db" import events "$file"
		if [ "$name" = jsonl ]; then sq "$name.sq" "$file" '\037'; else sq "$name.sq" "$file"; fi
	done
	if has reimport; then
		from full
		timed reimport "$FU" --db "$db" import events "$out/events.csv"
		sq reimport.sq "$out/events.csv"
	fi
	if has daily; then
		from base
		timed daily "$FU" --db "$db" import events "$out/events-day.csv"
		sq daily.sq "$out/events-day.csv"
	fi
	if has few || has fit; then
		fresh; fu init >/dev/null
		timed few "$FU" --db "$db" import events "$fewdir/few.csv"
		sq few.sq "$fewdir/few.csv"
		if has fit; then
			timed read build/bench-purchases "$db"
			timed read.sq sqlite3 "$db" "SELECT contact_id, time, amount FROM events \
				WHERE type = 3 ORDER BY contact_id, time, id"
			timed fit "$FU" --db "$db" --now "${END}T00:00:00Z" model fit
		fi
	fi
	run=$((run + 1))
done
fresh
rm -f "$raw"

median() { # file column
	sort -n -k "$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}
each() { # file: the runs' seconds
	cut -d' ' -f1 "$1" | tr '\n' ' ' | sed 's/ $//'
}
line() { # label name
	[ -f "$t/$2" ] || return 0
	if [ ! -f "$t/$2.sq" ]; then
		awk -v l="$1" -v f="$(median "$t/$2" 1)" -v fm="$(median "$t/$2" 2)" -v fe="$(each "$t/$2")" \
			'BEGIN { printf "| %s | %.2f s (%s) | | | %.0f MB | |\n", l, f, fe, fm / 1024 }'
		return 0
	fi
	awk -v l="$1" -v f="$(median "$t/$2" 1)" -v fm="$(median "$t/$2" 2)" -v r="$(median "$t/$2.sq" 1)" \
		-v rm="$(median "$t/$2.sq" 2)" -v fe="$(each "$t/$2")" -v re="$(each "$t/$2.sq")" \
		'BEGIN { printf "| %s | %.2f s (%s) | %.2f s (%s) | %s | %.0f MB | %.0f MB |\n", l, f, fe, r, re,
			 (r > 0 ? sprintf("%.2f", f / r) : "-"), fm / 1024, rm / 1024 }'
}
echo
echo "| step | followup | sqlite3 .import, same file | ratio | followup peak | sqlite3 peak |"
echo "|---|---|---|---|---|---|"
line "import contacts ($CONTACTS)" contacts
line "import events after the contacts (by contact)" events
if [ -f "$t/contacts" ] && [ -f "$t/events" ]; then
	awk -v c="$(median "$t/contacts" 1)" -v e="$(median "$t/events" 1)" -v r="$(median "$t/events.sq" 1)" \
		'BEGIN { printf "| the whole set: contacts, then events | %.2f s | %.2f s (events file) | %.2f | | |\n",
			 c + e, r, (c + e) / r }'
fi
line "events into an empty database, by contact" empty
line "... ordered by time" time
line "... shuffled" shuffled
line "... JSON Lines (sqlite3: one line a row)" jsonl
line "... header in another order, 2 ignored columns" mapped
line "re-import of the same file (all skipped)" reimport
line "one day ($(rows "$out/events-day.csv") events) into $(rows "$out/events-base.csv") events" daily
line "$FEW customers, few purchases each (empty database)" few
line "reading their purchases for model fit (sqlite3: the same query, sorted)" read
line "model fit on them (the fit included)" fit
