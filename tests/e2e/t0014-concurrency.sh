# Issue 9: commands started during an import never fail with "database is locked" (exit 2).
# A first bulk import of $EVENTS events (default 150,000; bench/concurrency.sh runs 2 million)
# runs while $COMMANDS other commands (reads, event appends, a second import) start at
# random moments. Readers read the last committed state; writers wait their turn. None may
# exit 2, every append must be stored, and the final state must equal a rebuild.
. "$TESTS_DIR/e2e/lib.sh"
export EVENTS=${EVENTS:-150000}
export COMMANDS=${COMMANDS:-20}
export SEED=${SEED:-$(date +%s)}
echo "# seed $SEED (SEED=$SEED reproduces the moments), $EVENTS events, $COMMANDS commands"

test_expect_success 'setup: an empty database, a big file, the moments' - <<\EOT
	fu init >/dev/null
	# a contact for `show` to find before the import commits (the event log stays empty:
	# the import is still a first bulk load)
	printf 'key,name\nK1,Kay One\n' >k1.csv
	fu import contacts k1.csv >/dev/null
	awk -v n="$EVENTS" 'BEGIN {
		print "id,type,contact,time,amount"
		for (i = 1; i <= n; i++) {
			c = (i * 7919) % (n / 20 + 1)
			t = sprintf("2025-%02d-%02dT%02d:00:00Z", 1 + i % 12, 1 + i % 28, i % 24)
			if (i % 3) printf "B%d,purchase,K%d,%s,%d.%02d\n", i, c, t, 1 + i % 500, i % 100
			else printf "B%d,lead,K%d,%s,\n", i, c, t
		}
	}' >big.csv
	printf 'id,type,contact,time\nS1,lead,SECOND,2026-01-02\nS2,touch,SECOND,2026-01-03\n' >second.csv
	# a pause of 0 to 0.3 s (from the seed) before each command
	awk -v n="$COMMANDS" -v s="$SEED" 'BEGIN { srand(s); for (i = 0; i < n; i++) printf "%d\n", int(rand() * 4) }' >delays
EOT

test_expect_success 'commands started during a first import: none fails' - <<\EOT
	fu import events big.csv >import.out 2>import.err &
	import_pid=$!
	i=0
	while read -r d; do
		i=$((i + 1))
		sleep "$(awk -v d="$d" 'BEGIN { printf "%.1f", d / 10 }')"
		case $((i % 6)) in
		0) set -- status ;;
		1) set -- event lead "A$i" --id "APPEND-$i" --time 2026-02-01T10:00:00Z ;;
		2) set -- agenda --limit 3 ;;
		3) set -- show K1 ;;
		4) set -- contacts --limit 2 ;;
		5) if [ "$i" -eq 5 ]; then set -- import events second.csv; else set -- status --json; fi ;;
		esac
		if kill -0 "$import_pid" 2>/dev/null; then echo "$i" >>during; fi
		(
			rc=0
			"$FOLLOWUP_BIN" "$@" >"cmd$i.out" 2>"cmd$i.err" || rc=$?
			echo "$rc $*" >"cmd$i.rc"
		) &
	done <delays
	wait
	cat import.out import.err
	expect_grep "events stored" import.out
	ok=1
	i=0
	while [ "$i" -lt "$COMMANDS" ]; do
		i=$((i + 1))
		[ -f "cmd$i.rc" ] || { echo "FAIL: command $i left no status"; ok=0; continue; }
		read -r rc what <"cmd$i.rc"
		if [ "$rc" -ne 0 ]; then
			echo "FAIL: '$what' ($i) exited $rc during the import:"
			cat "cmd$i.err"
			ok=0
		fi
	done
	[ "$ok" -eq 1 ]
	# the case must have tested something: most commands started while the import ran
	during=$(cat during 2>/dev/null | wc -l)
	echo "$during of $COMMANDS commands started during the import"
	[ "$during" -ge $((COMMANDS / 2)) ]
EOT

test_expect_success 'every append and the second import are stored' - <<\EOT
	appends=$(grep -l '^0 event lead' cmd*.rc | wc -l)
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events WHERE ext_id LIKE 'APPEND-%'")" "$appends" appends
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events")" $((EVENTS + appends + 2)) events
EOT

test_expect_success 'the state after it all equals a rebuild' '
	db_dump >before
	fu rebuild >/dev/null
	db_dump >after
	test_cmp before after
'

test_done
