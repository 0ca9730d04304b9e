# The real CDNOW files through --map: counts equal those the data's README states.
. "$TESTS_DIR/e2e/lib.sh"

if [ ! -f "${SHARED_DATA:-}/cdnow/CDNOW_master.txt" ]; then
	skip_all "the CDNOW data are not here (set SHARED_DATA)"
fi
master="$SHARED_DATA/cdnow/CDNOW_master.txt"
sample="$SHARED_DATA/cdnow/CDNOW_sample.txt"

test_expect_success 'the master file imports through --map' - <<\EOT
	fu import events "$master" --sep whitespace --type purchase --date-format %Y%m%d \
		--map contact=customer_id,time=date,amount=dollar_value >out
	cat >expect <<-EXPECT
	$master: 69659 rows, 69659 events stored, 0 already stored (same id), 23570 new contacts
	ignored columns: number_of_cds
	EXPECT
	test_cmp expect out
EOT

test_expect_success 'status counts the contacts and purchases' - <<\EOT
	fu --now 1998-07-01 status --json >status.json
	expect_eq "$(json_get status.json '$.contacts')" 23570 contacts
	expect_eq "$(json_get status.json '$.event_types.purchase')" 69659 purchases
	expect_eq "$(json_get status.json '$.events')" 69659 events
EOT

test_expect_success 'README: 67,591 distinct customer-days, $2,500,315.63 in total' - <<\EOT
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT sum(purchase_days) FROM contact_state")" 67591 "purchase days"
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT printf('%.2f', sum(spend) / 100.0) FROM contact_state")" \
		2500315.63 spend
EOT

test_expect_success 'README: first purchases 7,846 in Jan 1997, 8,476 in Feb, 7,248 in Mar' - <<\EOT
	sqlite3 "$FOLLOWUP_DB" "SELECT strftime('%m', first_purchase, 'unixepoch'), count(*)
		FROM contact_state GROUP BY 1" >months
	printf '01|7846\n02|8476\n03|7248\n' >expect
	test_cmp expect months
EOT

test_expect_success 'README: 49,086 rows on or before 1997-09-30' - <<\EOT
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events WHERE time < strftime('%s','1997-10-01')")" \
		49086 rows
EOT

test_expect_success 'the sample has no header: columns by position' - <<\EOT
	export FOLLOWUP_DB="$PWD/sample.db"
	# master id, sample id, date, cds, value
	fu import events "$sample" --no-header --sep whitespace --type purchase --date-format %Y%m%d \
		--map contact=1,time=3,amount=5 >out
	expect_grep "6919 rows, 6919 events stored, 0 already stored (same id), 2357 new contacts" out
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT sum(purchase_days) FROM contact_state")" 6696 "purchase days"
EOT

test_done
