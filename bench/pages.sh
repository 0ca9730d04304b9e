#!/bin/sh
# bench/pages.sh - the server time of each server-rendered page (server/pages.c) on the
# synthetic business of bench/agenda.sh (CONTACTS, default 100,000, OWNERS 200), as the
# server's own request log measures it: each page asked RUNS times (default 5) by an admin
# and by a rep, one at a time, after one warm-up; the median and the largest per page, and
# the same for the API answer the page renders (the difference is the HTML).
# SRC=path/to/followup.db measures another copy of such a database.
set -eu
cd "$(dirname "$0")/.."
CONTACTS=${CONTACTS:-100000}
OWNERS=${OWNERS:-200}
RUNS=${RUNS:-5}
NOW=2026-11-27T09:00:00Z # bench/agenda.sh's third morning
src=${SRC:-bench/out/$CONTACTS-o$OWNERS/followup.db}
out=bench/out/pages
db=$out/followup.db
mkdir -p "$out"
[ -x followup ] || make followup >/dev/null
if [ ! -f "$src" ]; then
	echo "making the synthetic business (bench/agenda.sh, once)"
	OWNERS=$OWNERS CONTACTS=$CONTACTS RUNS=1 bench/agenda.sh >"$out/agenda.log"
fi
cp "$src" "$db"
rm -f "$db-wal" "$db-shm"
printf 'a bench password\n' | ./followup --db "$db" user add bench --role admin >/dev/null
rep=$(sqlite3 "$db" "SELECT owner FROM contacts WHERE owner IS NOT NULL GROUP BY owner ORDER BY count(*) DESC LIMIT 1")
printf 'a bench password\n' | ./followup --db "$db" user add "$rep" --role rep >/dev/null
key=$(sqlite3 "$db" "SELECT key FROM contacts WHERE owner = '$rep' LIMIT 1")
./followup --db "$db" --now "$NOW" serve --listen 127.0.0.1:0 --no-jobs 2>"$out/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
port=
while [ -z "$port" ]; do
	sleep 0.2
	kill -0 $pid || { cat "$out/server.log"; exit 1; }
	port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' "$out/server.log")
done
base=http://127.0.0.1:$port
for who in bench "$rep"; do
	curl -s -o /dev/null -c "$out/$who.jar" -d "name=$who&password=a+bench+password" "$base/login"
	# beside each page, the API answer it renders (the same view_* call): the difference is
	# the HTML
	for page in /today /api/v1/agenda?automated=false /contacts?q=a "/contacts/$key" \
		"/api/v1/contacts/$key" /lapsed /api/v1/lapsed /outbox /api/v1/outbox /report \
		/playbook /import /team; do
		for i in $(seq 0 "$RUNS"); do # the first is the warm-up
			curl -s -o /dev/null -b "$out/$who.jar" "$base$page"
		done
	done
done
kill $pid
wait $pid 2>/dev/null || true
trap - EXIT
echo "server time of each page at $CONTACTS contacts, $RUNS runs each after a warm-up (ms):"
awk -v runs="$RUNS" '$1 == "GET" && $3 == 200 && $5 != "-" && $2 != "/login" {
	k = $5 (($5 == "bench") ? " (admin) " : " (rep) ") $2; n[k]++
	if (n[k] == 1) next # the warm-up
	t = $4; sub(/ms$/, "", t); v[k, n[k] - 1] = t + 0; keys[k] = 1
} END {
	for (k in keys) {
		m = n[k] - 1; for (i = 1; i <= m; i++) a[i] = v[k, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
		printf "  %-40s median %8.1f  max %8.1f\n", k, a[int((m + 1) / 2)], a[m]
	}
}' "$out/server.log" | sort
