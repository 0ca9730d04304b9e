# The demo is deterministic and believable; a shop export imports through a map file.
. "$TESTS_DIR/e2e/lib.sh"

test_expect_success 'the demo creates a business' '
	fu --db a.db demo >demo.out
	expect_grep "created a demo business in a.db: 300 contacts" demo.out
	expect_grep "^timeline" demo.out
'

# its people kept up with their agendas lately: a believable day for each owner (a few
# personal follow-ups each, most of them not overdue), not the backlog of a business that
# never followed anyone up
test_expect_success 'its people kept up with their agendas lately' - <<\EOT
	test "$(sed -n 's/.*kept up with their agendas: \([0-9]*\) touches.*/\1/p' demo.out)" -gt 50
EOT

test_expect_success 'each owner has a believable day: a few follow-ups, most not overdue' - <<\EOT
	fu --db a.db agenda --json >agenda.json
	for o in ana ben chloe dev; do
		n=$(sqlite3 :memory: "SELECT count(*) || ' ' || ifnull(sum(json_extract(e.value, '\$.overdue')), 0)
			FROM json_each(readfile('agenda.json')) AS e WHERE json_extract(e.value, '\$.owner') = '$o'
			AND json_extract(e.value, '\$.automated') = 0")
		set -- $n
		test "$1" -ge 1 -a "$1" -le 30 -a "$2" -le $(($1 / 2)) ||
			{ echo "FAIL: owner $o: $1 personal follow-ups, $2 overdue" >&2; exit 1; }
	done
EOT

test_expect_success 'the demo is deterministic' '
	fu --db b.db demo >/dev/null
	sqlite3 a.db "SELECT * FROM contact_state ORDER BY contact_id" >a.state
	sqlite3 b.db "SELECT * FROM contact_state ORDER BY contact_id" >b.state
	test_cmp a.state b.state
'

test_expect_success 'every stage and every event type is present' - <<\EOT
	fu --db a.db status --json >s.json
	for k in lead customer repeat dormant; do
		n=$(json_get s.json "\$.stages.$k")
		test "$n" -gt 0 || { echo "FAIL: no $k in the demo" >&2; exit 1; }
	done
	for k in lead info_request email_click purchase invoice payment service appointment touch reply opt_out; do
		n=$(json_get s.json "\$.event_types.$k")
		test "$n" -gt 0 || { echo "FAIL: no $k events in the demo" >&2; exit 1; }
	done
	test "$(json_get s.json '$.late_payments')" -gt 0
EOT

test_expect_success 'rebuild gives the same state' '
	fu --db a.db rebuild >/dev/null
	sqlite3 a.db "SELECT * FROM contact_state ORDER BY contact_id" >a.rebuilt
	test_cmp a.state a.rebuilt
'

test_expect_success 'a second demo into a full database is refused' '
	expect_fail 1 fu --db a.db demo
	expect_grep "already holds" err
'

test_expect_success 'a shop export with its own columns, semicolons, German dates and decimal commas' '
	fu import events "$DATA/shop-export.txt" --map-file "$DATA/shop.map" >out
	expect_grep "2 rows, 2 events stored" out
	fu show K-1 >out
	expect_grep "2026-02-03 00:00  purchase     19.90 A100" out
'

test_done
