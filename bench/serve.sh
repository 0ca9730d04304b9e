#!/bin/sh
# serve.sh - followup serve under load, with Debian's wrk: a synthetic business of $CONTACTS
# contacts (default 100,000, $OWNERS owners "o0001".., the steady state of bench/agenda.sh's
# third day), then, against a fresh copy each run:
#   1. GET /api/v1/agenda?owner=... held to about $RATE requests a second ($CONNS
#      connections, each pausing 1000 * CONNS / RATE ms between requests: wrk has no fixed
#      rate and wrk2 is not in Debian), and the same as fast as it goes;
#   2. GET /api/v1/contacts/{key}, random keys, as fast as it goes;
#   3. POST /api/v1/events, one event a request, as fast as it goes;
#   4. POST /api/v1/events, $BATCH events a request, while the agenda reads of 1. go on;
#   5. the same number of events as 4. stored by `followup import events` of a CSV file;
#   6. the web app's page data (issue 12: each page's server time under 100 ms): GET
#      /api/v1/lapsed, /api/v1/report and /api/v1/outbox (the contact page's is 2.), $PAGES
#      requests of each one after the other (some take seconds at this size, too long for
#      wrk's fixed duration), before the events of 3. and 4. arrive: the median time of an
#      answer and the server's CPU time per request.
# Events a second are counted in the database (the log's largest id before and after).
# Prints each run's figures, then the medians over $RUNS runs; the server's peak memory is
# its VmHWM (/proc/PID/status) at the end of a run.
#   bench/serve.sh                      (from the top of the checkout; RUNS=3, DUR=20 s a step)
#   FOLLOWUP_BIN=/tmp/old/followup bench/serve.sh   (another build, e.g. the one before a change)
set -eu
cd "$(dirname "$0")/.."
CONTACTS=${CONTACTS:-100000}
OWNERS=${OWNERS:-200}
RUNS=${RUNS:-3}
DUR=${DUR:-20}
RATE=${RATE:-500}
CONNS=${CONNS:-10}
BATCH=${BATCH:-1000}
THREADS=${THREADS:-4}
PAGES=${PAGES:-3}
NOW=2026-11-27T09:00:00Z # bench/agenda.sh's third morning
DAY=2026-11-27
src=bench/out/$CONTACTS-o$OWNERS/followup.db
out=bench/out/serve
db=$out/followup.db
mkdir -p "$out"
command -v wrk >/dev/null || { echo "serve.sh: wrk is missing (make deps)"; exit 1; }
BIN=${FOLLOWUP_BIN:-./followup}
[ -n "${FOLLOWUP_BIN:-}" ] || [ -x followup ] || make followup >/dev/null
if [ ! -f "$src" ]; then
	echo "making the synthetic business (bench/agenda.sh, once)"
	OWNERS=$OWNERS CONTACTS=$CONTACTS RUNS=1 bench/agenda.sh >"$out/agenda.log"
fi
width=$(($(sed -n '2s/,.*//p' "bench/out/$CONTACTS-o$OWNERS/contacts.csv" | wc -c) - 2))
pause=$((1000 * CONNS / RATE))
export CONTACTS OWNERS WIDTH="$width" DAY

# wrk_run FILE SCRIPT CONNS [VAR=VALUE...]: wrk for DUR seconds with that script and these
# connections on two threads; its report in FILE, the server's CPU seconds meanwhile in FILE.cpu
wrk_run() {
	file=$1 script=$2 conns=$3
	shift 3
	c0=$(cpu_ticks)
	env "$@" wrk -t2 -c"$conns" -d"${DUR}s" --timeout 30s --latency -s "bench/serve/$script" "$BASE" >"$file"
	echo "($(cpu_ticks) - $c0) / $(getconf CLK_TCK)" | bc -l >"$file.cpu"
}
# the server's CPU time so far (user and system), in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
# figures FILE: "requests/s p50 p99 cpu" from a wrk report (milliseconds; cpu: the server's
# CPU time per request, which the machine's other load changes less than the rate)
figures() {
	awk -v cpu="$(cat "$1.cpu")" '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
			if (v ~ /m$/) return v * 60000; return v * 1000 }
		/^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec:/ { rate = $2 }
		/requests in/ { n = $1 } /Non-2xx/ { bad = $NF }
		END { printf "%.0f %.1f %.1f %.2f%s\n", rate, p50, p99, n ? cpu * 1000 / n : 0,
			bad ? " (" bad " not 2xx)" : "" }' "$1"
}
# page_run FILE PATH: PAGES GETs of PATH one after the other; FILE gets "n p50 max cpu" in the
# form of figures (requests a second, median ms, slowest ms, server CPU ms a request)
page_run() {
	c0=$(cpu_ticks)
	for i in $(seq "$PAGES"); do
		curl -s -o /dev/null -w '%{time_total} %{http_code}\n' \
			-H "Authorization: Bearer $TOKEN" "$BASE$2"
	done >"$1.times"
	cpu=$(echo "($(cpu_ticks) - $c0) / $(getconf CLK_TCK)" | bc -l)
	sort -n "$1.times" | awk -v cpu="$cpu" '{ t[NR] = $1 * 1000; s += $1; if ($2 != 200) bad++ }
		END { printf "%.1f %.1f %.1f %.2f%s\n", NR / s, t[int((NR + 1) / 2)], t[NR],
			cpu * 1000 / NR, bad ? " (" bad " not 200)" : "" }' >"$1.fig"
}
last_id() { sqlite3 "$db" "SELECT coalesce(max(id), 0) FROM events"; }
secs() { date +%s.%N; }

: >"$out/results"
for run in $(seq "$RUNS"); do
	rm -f "$db" "$db-wal" "$db-shm"
	cp "$src" "$db"
	printf 'a bench password\n' | "$BIN" --db "$db" user add bench --role admin >/dev/null
	TOKEN=$("$BIN" --db "$db" token add --user bench 2>/dev/null)
	export TOKEN
	cat "$db" >/dev/null # warm the page cache
	"$BIN" --db "$db" --now "$NOW" serve --listen 127.0.0.1:0 --threads "$THREADS" \
		2>"$out/server.log" &
	pid=$!
	port=""
	while [ -z "$port" ]; do
		sleep 0.2
		port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' "$out/server.log")
	done
	BASE="http://127.0.0.1:$port"
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	# every owner's agenda once: the first look of the morning fills the wake cache
	for o in $(seq "$OWNERS"); do
		curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" \
			"$BASE/api/v1/agenda?owner=$(printf 'o%04d' "$o")"
	done
	wrk_run "$out/agenda-rate.$run" agenda.lua "$CONNS" PAUSE_MS="$pause"
	wrk_run "$out/agenda-max.$run" agenda.lua "$CONNS"
	wrk_run "$out/contact.$run" contact.lua "$CONNS"
	for page in lapsed report outbox; do
		page_run "$out/page-$page.$run" "/api/v1/$page"
	done
	a=$(last_id) t0=$(secs)
	wrk_run "$out/single.$run" events.lua "$CONNS" BATCH=1 RUN="s$run"
	b=$(last_id) t1=$(secs)
	single_eps=$(echo "($b - $a) / ($t1 - $t0)" | bc -l)
	# batches while the agenda is read at the rate of 1.
	wrk_run "$out/agenda-during.$run" agenda.lua "$CONNS" PAUSE_MS="$pause" &
	reads=$!
	a=$(last_id) t0=$(secs)
	wrk_run "$out/batch.$run" events.lua 4 BATCH="$BATCH" RUN="b$run"
	b=$(last_id) t1=$(secs)
	wait "$reads"
	batch_events=$((b - a))
	batch_eps=$(echo "$batch_events / ($t1 - $t0)" | bc -l)
	hwm=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$pid/status")
	kill "$pid"
	wait "$pid" || true
	# the same number of events, as a user would otherwise bring them: a file imported
	sqlite3 -csv "$db" "SELECT 'imp-' || id, CASE type WHEN 3 THEN 'purchase' WHEN 2 THEN
		'email_click' ELSE 'reply' END, (SELECT key FROM contacts WHERE id = contact_id),
		strftime('%Y-%m-%dT%H:%M:%SZ', time, 'unixepoch'), CASE WHEN amount IS NULL THEN ''
		ELSE printf('%d.%02d', amount / 100, amount % 100) END FROM events
		WHERE id > $a AND id <= $b" | sed '1i id,type,contact,time,amount' >"$out/import.csv"
	t0=$(secs)
	"$BIN" --db "$db" --now "$NOW" import events "$out/import.csv" >/dev/null
	t1=$(secs)
	import_eps=$(echo "$batch_events / ($t1 - $t0)" | bc -l)
	printf '%s|%s|%s|%s|%s|%.0f|%s|%.0f|%s|%.0f|%s|%s|%s|%s|%s\n' "$run" "$load" \
		"$(figures "$out/agenda-rate.$run")" "$(figures "$out/agenda-max.$run")" \
		"$(figures "$out/contact.$run")" "$single_eps" "$(figures "$out/single.$run")" \
		"$batch_eps" "$(figures "$out/agenda-during.$run")" "$import_eps" "$hwm" \
		"$(figures "$out/batch.$run")" "$(cat "$out/page-lapsed.$run.fig")" \
		"$(cat "$out/page-report.$run.fig")" "$(cat "$out/page-outbox.$run.fig")" >>"$out/results"
	echo "run $run (load $load):"
	echo "  agenda at ~$RATE/s:        $(figures "$out/agenda-rate.$run") (req/s, p50 ms, p99 ms, server CPU ms/request)"
	echo "  agenda, fastest:           $(figures "$out/agenda-max.$run")"
	echo "  contact page, fastest:     $(figures "$out/contact.$run")"
	for page in lapsed report outbox; do
		printf '  page data %-15s %s (req/s one at a time, median ms, slowest ms, server CPU ms/request)\n' \
			"$page:" "$(cat "$out/page-$page.$run.fig")"
	done
	printf '  single event POSTs:        %.0f events/s; %s\n' "$single_eps" "$(figures "$out/single.$run")"
	printf '  batches of %s:         %.0f events/s; %s; agenda meanwhile: %s\n' "$BATCH" \
		"$batch_eps" "$(figures "$out/batch.$run")" "$(figures "$out/agenda-during.$run")"
	printf '  followup import (%s events): %.0f events/s\n' "$batch_events" "$import_eps"
	echo "  server peak memory (VmHWM): $hwm MB"
done

# medians of each figure over the runs
echo "medians of $RUNS runs:"
median_of() { # column (1-based, |-separated) word (1-based)
	cut -d'|' -f"$1" "$out/results" | awk -v w="$2" '{ print $w }' | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
for spec in "agenda at ~$RATE/s:3" "agenda, fastest:4" "contact page:5" "single POSTs:7" \
	"agenda during batches:9" "page data lapsed:13" "page data report:14" \
	"page data outbox:15"; do
	label=${spec%:*} col=${spec##*:}
	echo "  $label $(median_of "$col" 1) req/s, p50 $(median_of "$col" 2) ms, p99 (pages: slowest) $(median_of "$col" 3) ms, server CPU $(median_of "$col" 4) ms/request"
done
echo "  batch POSTs: $(median_of 12 1) req/s, p99 $(median_of 12 3) ms"
echo "  events/s: single $(median_of 6 1), batches of $BATCH $(median_of 8 1), followup import $(median_of 10 1)"
echo "  server peak memory: $(median_of 11 1) MB"
