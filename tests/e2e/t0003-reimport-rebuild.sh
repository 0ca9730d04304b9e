# Re-importing an export is a no-op; rebuild reproduces the derived state exactly.
. "$TESTS_DIR/e2e/lib.sh"

test_expect_success 'setup: contacts and events' '
	fu import contacts "$DATA/contacts.csv" >/dev/null
	fu import events "$DATA/events.csv" >/dev/null
	db_dump >first
'

test_expect_success 're-importing the same export stores nothing and changes nothing' '
	fu import events "$DATA/events.csv" >out
	expect_grep "14 rows, 0 events stored, 14 already stored (same id)" out
	db_dump >second
	test_cmp first second
'

test_expect_success 'rebuild reproduces the derived state exactly' '
	fu rebuild >out
	expect_grep "rebuilt the state of 3 contacts from 14 events" out
	db_dump >rebuilt
	test_cmp first rebuilt
'

test_expect_success 'an event appended by hand out of time order is folded in time order' - <<\EOT
	fu event payment C004 --time 2026-06-15T10:00:00Z --amount 49.99 --ref INV-3 >out
	expect_grep "stored event #15 (payment) for C004" out
	fu show C004 --json >out.json
	expect_eq "$(json_get out.json '$.state.paid_late')" 1 paid_late
EOT

test_expect_success 'the state kept up by hand equals a rebuild' '
	fu event purchase C004 --time 2026-04-01 --amount 10 >/dev/null
	db_dump >incremental
	fu rebuild >/dev/null
	db_dump >full
	test_cmp incremental full
'

test_expect_success 'events are append-only in the database itself' '
	if sqlite3 "$FOLLOWUP_DB" "DELETE FROM events" 2>err; then
		echo "FAIL: events could be deleted" >&2
		exit 1
	fi
	expect_grep "append-only" err
'

# a first bulk load (empty log, indexes built at the end) with an id repeated in the file
# (the same event twice): the first one is kept, the state is folded without the repeat
export FOLLOWUP_DB="$PWD/bulk.db"
cat >rep.csv <<'EOT'
id,type,contact,time,amount
R1,purchase,P1,2026-01-01,10.00
R2,purchase,P1,2026-02-01,20.00
R1,purchase,P1,2026-01-01,10.00
EOT

test_expect_success 'a first bulk load keeps the first event of a repeated id' - <<\EOT
	fu import events rep.csv >out
	expect_grep "3 rows, 2 events stored, 1 already stored (same id)" out
	fu show P1 --json >p.json
	expect_eq "$(json_get p.json '$.state.spend')" 30.0 spend
	expect_eq "$(sqlite3 :memory: "SELECT json_array_length(readfile('p.json'), '\$.events')")" 2 events
EOT

test_expect_success '... and its state equals a rebuild' '
	db_dump >bulk1
	fu rebuild >/dev/null
	db_dump >bulk2
	test_cmp bulk1 bulk2
'

test_expect_success '... and the indexes and the guard are back after it' '
	sqlite3 "$FOLLOWUP_DB" .schema >schema
	expect_grep "events_ext_id" schema
	expect_grep "events_contact_time" schema
	expect_grep "events_no_delete" schema
	fu import events rep.csv >out
	expect_grep "3 rows, 0 events stored, 3 already stored (same id)" out
'

test_expect_success 'an id again with other content is a conflict, in a later import' - <<\EOT
	printf 'id,type,contact,time,amount\nR1,purchase,P1,2026-03-01,99.00\n' >conflict.csv
	expect_fail 1 fu import events conflict.csv
	expect_grep "conflict.csv:2:1: field 'id': 'R1' is already stored with other content" err
EOT

test_expect_success '... and in a first bulk load, naming both lines' - <<\EOT
	printf 'id,type,contact,time,amount\nR1,purchase,P1,2026-01-01,10.00\nR1,purchase,P1,2026-03-01,99.00\n' >conflict2.csv
	fu --db fresh.db init >/dev/null
	expect_fail 1 fu --db fresh.db import events conflict2.csv
	expect_grep "conflict2.csv:3:1: field 'id': the id of line 2 again, with other content" err
EOT

test_done
