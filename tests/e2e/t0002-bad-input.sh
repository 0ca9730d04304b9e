# A bad row imports nothing and names file, line, column; --skip-bad imports the good rows.
# Every import error has one form: file:line:column: field 'x': what (tests/bad/ has more).
. "$TESTS_DIR/e2e/lib.sh"

test_expect_success 'setup: a database with the sample events' - <<\EOT
	fu init >/dev/null
	fu import events "$DATA/events.csv" >/dev/null
	db_dump >before
	sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events" >count_before
EOT

test_expect_success 'a bad row imports nothing and names file, line and column' - <<\EOT
	expect_fail 1 fu import events "$DATA/bad-time.csv"
	cat >expect <<-EXPECT
	followup: nothing imported: $DATA/bad-time.csv:3:18: field 'time': "2026-13-01": month 13 out of range
	EXPECT
	test_cmp expect err
EOT

test_expect_success '... and changes nothing stored' - <<\EOT
	db_dump >after
	test_cmp before after
	sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events" >count_after
	test_cmp count_before count_after
EOT

test_expect_success '--skip-bad imports the good rows and lists the bad ones' - <<\EOT
	fu import events "$DATA/bad-time.csv" --skip-bad >out
	cat >expect <<-EXPECT
	$DATA/bad-time.csv: 4 rows, 2 events stored, 0 already stored (same id), 0 new contacts
	skipped 2 bad rows:
	$DATA/bad-time.csv:3:18: field 'time': "2026-13-01": month 13 out of range
	$DATA/bad-time.csv:4:4: field 'type': unknown type 'buy'
	EXPECT
	test_cmp expect out
EOT

test_expect_success 'a missing file' '
	expect_fail 1 fu import events nosuch.csv
	expect_grep "nosuch.csv: No such file or directory" err
'

test_expect_success 'an unknown column in --map' - <<\EOT
	expect_fail 1 fu import events "$DATA/events.csv" --map contact=customer
	expect_grep "no column 'customer' in the header" err
EOT

test_expect_success 'a bad time zone' - <<\EOT
	printf 'key,tz\nZ1,Mars/Base\n' >badtz.csv
	expect_fail 1 fu import contacts badtz.csv
	expect_grep "badtz.csv:2:4: field 'tz'" err
EOT

test_expect_success 'a bad separator' '
	expect_fail 1 fu import events "$DATA/events.csv" --sep ab
	expect_grep "usage: followup import" err
'

test_expect_success 'an unterminated quote is reported at the line it starts' - <<\EOT
	printf 'id,type,contact,time\nQ1,lead,C9,2026-01-01\nQ2,lead,"C9,2026-01-01\n' >quote.csv
	expect_fail 1 fu import events quote.csv
	expect_grep "quote.csv:3:9: unterminated quoted field" err
EOT

test_expect_success 'invalid JSON in a JSON Lines file' - <<\EOT
	printf '{"type":"lead","contact":"J","time":"2026-01-01"}\n{"type":\n' >bad.jsonl
	expect_fail 1 fu import events bad.jsonl
	expect_grep "bad.jsonl:2:8: invalid JSON" err
EOT

test_expect_success 'only the two good rows of --skip-bad were added in all' - <<\EOT
	sqlite3 "$FOLLOWUP_DB" "SELECT count(*) - 2 FROM events" >count_after2
	test_cmp count_before count_after2
EOT

test_expect_success 'event refuses what import refuses: invalid UTF-8 (issue 9 item 7), and stores nothing' - <<\EOT
	sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events; SELECT count(*) FROM contacts" >before
	expect_fail 1 fu event lead "$(printf 'K\377')"
	expect_grep "contact: invalid UTF-8" err
	expect_fail 1 fu event lead U1 --note "$(printf 'caf\351')"
	expect_grep "note: invalid UTF-8" err
	expect_fail 1 fu event lead U1 --ref "$(printf 'a\001b')"
	expect_grep "ref: control character" err
	sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events; SELECT count(*) FROM contacts" >after
	test_cmp before after
EOT

test_expect_success 'playbook use is all or nothing: a failure forgetting the wakes leaves the old playbook (issue 9 item 6)' - <<\EOT
	fu agenda --all >/dev/null
	test "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM contact_wake WHERE wake IS NOT NULL")" -gt 0
	fu playbook show >before
	sed 1d before >pb.yaml
	printf '# changed\n' >>pb.yaml
	sqlite3 "$FOLLOWUP_DB" "CREATE TRIGGER no_forget BEFORE UPDATE ON contact_wake BEGIN SELECT RAISE(ABORT, 'injected'); END;"
	expect_fail 2 fu playbook use pb.yaml
	expect_grep "injected" err
	sqlite3 "$FOLLOWUP_DB" "DROP TRIGGER no_forget"
	fu playbook show >after
	test_cmp before after
EOT

test_expect_success 'issue 9: a NUL byte in JSON Lines is reported, never a silently lost row' - <<\EOT
	printf '{"id":"N1","type":"lead","contact":"K1","time":"2026-01-05"}\n\000{"id":"N2","type":"purchase","contact":"K2","time":"2026-01-06","amount":500}\n' >n.jsonl
	expect_fail 1 fu import events n.jsonl
	expect_grep "n.jsonl:2:1: NUL byte in input" err
	fu import events n.jsonl --skip-bad >out
	expect_grep "2 rows, 1 events stored" out
	expect_grep "n.jsonl:2:1: NUL byte in input" out
EOT

test_expect_success 'issue 9: purchases whose sum would overflow are refused with their place' - <<\EOT
	printf 'type,contact,time,amount\npurchase,BIG,2026-01-05,90000000000000000\npurchase,BIG,2026-01-06,90000000000000000\n' >big.csv
	expect_fail 1 fu import events big.csv
	expect_grep "big.csv:2:25: field 'amount': \"90000000000000000\": more than 100000000000.00" err
EOT

test_done
