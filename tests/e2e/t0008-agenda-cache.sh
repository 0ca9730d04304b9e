# The agenda's wake cache only skips work: day after day, with events in between, every
# agenda equals a full evaluation (agenda --full) of a copy of the same database.
. "$TESTS_DIR/e2e/lib.sh"

day0=$(date -u -d 2026-11-25 +%s)
entries=0
at() { date -u -d "@$(($day0 + $1))" +%Y-%m-%dT%H:%M:%SZ; } # at SECONDS-AFTER-DAY0
j() { sqlite3 :memory: "SELECT $1 FROM json_each(readfile('cached.json')) AS e $2"; }

# same NOW ARGS...: the cached agenda (which updates the cache) equals a full one
same() {
	now=$1
	shift
	fu --now "$now" agenda "$@" --json >cached.json
	rm -f full.db full.db-wal full.db-shm
	cp "$FOLLOWUP_DB" full.db
	if [ -f "$FOLLOWUP_DB-wal" ]; then cp "$FOLLOWUP_DB-wal" full.db-wal; fi
	FOLLOWUP_DB=$PWD/full.db fu --now "$now" agenda "$@" --full --json >full.json
	if ! cmp -s full.json cached.json; then
		echo "FAIL: agenda $* at $now differs from a full evaluation" >&2
		test_cmp full.json cached.json
		return 1
	fi
	entries=$((entries + $(grep -c '^  {' cached.json || true)))
}

# walk DAYS OWNERS...: the clock moves on day by day (mornings and afternoons), a few
# events arrive in between, and each day some agendas are compared
walk() {
	days=$1
	shift
	d=0
	while [ "$d" -lt "$days" ]; do
		t=$((d * 86400 + (d % 2 ? 59400 : 32400))) # 09:00 or 16:30 UTC
		now=$(at $t)
		export FOLLOWUP_NOW="$now"
		case $((d % 10)) in
		1) fu event lead "N$d" --channel web_form >/dev/null ;;  # unowned: escalated to all
		2) fu event purchase "$1" --amount 50 >/dev/null ;;
		3) fu event invoice "$1" --amount 80 --ref "INV-$d" --due "$(at $((t + 5 * 86400)))" >/dev/null ;;
		4) fu event touch "$2" --outcome not-yet --due "$(at $((t + 9 * 86400)))" >/dev/null ;;
		5) fu event appointment "$2" --time "$(at $((t + 5 * 86400)))" >/dev/null ;;
		6) fu event email_click "$1" >/dev/null ;;
		7) fu event payment "$1" --amount 80 --ref "INV-$((d - 4))" >/dev/null ;;
		8) fu event lead "$2" --channel call >/dev/null ;;
		0) fu event lead "F$d" --time "$(at $((t + 7200)))" >/dev/null ;; # known ahead
		esac
		case $((d % 3)) in
		0) same "$now" --all ;;
		1) same "$now" ;;
		2) same "$now" --owner "$3" --date "$(at $((t + 86400)))" ;;
		esac
		same "$now" --owner ana
		# a new lead's window (minutes) passes: it is escalated to everyone
		if [ $((d % 10)) -le 1 ]; then
			same "$(at $((t + 3600)))" --owner "$3"
			same "$(at $((t + 4 * 3600)))" --owner "$3"
		fi
		# once in a while a person works the agenda (at the clock of its last look): done with
		# a follow-up, or snoozed
		if [ $((d % 7)) -eq 3 ] && [ "$(j "count(*)" "")" -gt 0 ]; then
			id=$(j "json_extract(e.value, '\$.id')" "LIMIT 1")
			fu --now "$now" done "$id" --outcome not-yet --next "$(at $((t + 4 * 86400)))" >/dev/null
		fi
		if [ $((d % 7)) -eq 5 ] && [ "$(j "count(*)" "")" -gt 1 ]; then
			id=$(j "json_extract(e.value, '\$.id')" "LIMIT 1 OFFSET 1")
			fu --now "$now" snooze "$id" --until "$(at $((t + 3 * 86400)))" >/dev/null
		fi
		d=$((d + 1))
	done
}

test_expect_success 'the demo business, two months: every agenda equals a full one' '
	entries=0
	fu --db "$FOLLOWUP_DB" demo >/dev/null
	walk 60 C000010 C000011 ben
	test "$entries" -gt 1000 # the comparisons were not of empty agendas
'

test_expect_success 'the cache was filled and prunes: some contacts have nothing to look at for days' - <<\EOT
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) < 50 FROM contact_wake WHERE wake IS NULL")" 1 \
		"fewer than 50 contacts without a wake"
	test "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM contact_wake WHERE wake > unixepoch('$(at $((62 * 86400)))')")" -gt 10
EOT

test_expect_success 'the scenario data set (every trigger), six weeks' - <<\EOT
	rm -f "$FOLLOWUP_DB" "$FOLLOWUP_DB-wal" "$FOLLOWUP_DB-shm"
	export FOLLOWUP_NOW="2026-11-20T09:00:00Z"
	fu import contacts "$DATA/agenda-contacts.csv" >/dev/null
	fu import events "$DATA/agenda-events.csv" >/dev/null
	day0=$(date -u -d 2026-11-18 +%s)
	entries=0
	walk 42 L1 P1 ana
	test "$entries" -gt 50
EOT

# the clock where the six weeks left it (day 41 of the walk, an afternoon)
export FOLLOWUP_NOW="2026-12-29T16:30:00Z"

test_expect_success 'another playbook forgets every wake; so does a rebuild' - <<\EOT
	fu agenda --all >/dev/null
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM contact_wake WHERE wake IS NULL")" 0 \
		"contacts without a wake after an agenda"
	fu playbook use --default >/dev/null
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM contact_wake WHERE wake IS NOT NULL")" 0 \
		"wakes kept after playbook use"
	fu agenda --all >/dev/null
	fu rebuild >/dev/null
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM contact_wake WHERE wake IS NOT NULL")" 0 \
		"wakes kept after a rebuild"
EOT

test_expect_success 'an agenda asked for an earlier clock than the cache'"'"'s is still right' '
	fu agenda --all --json >/dev/null
	same "2026-11-01T09:00:00Z" --all
	same "2026-11-01T09:00:00Z" --owner ana
'

test_done
