# A bad row imports nothing and names file, line, column; --skip-bad imports the good rows.
. "$TESTS_DIR/e2e/lib.sh"

fu init >/dev/null
fu import events "$DATA/events.csv" >/dev/null
db_dump >before
sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events" >count_before

expect_fail 1 fu import events "$DATA/bad-time.csv"
cat >expect <<EOT
followup: nothing imported: $DATA/bad-time.csv:3: column 'time': time "2026-13-01": month 13 out of range
EOT
test_cmp expect err
db_dump >after
test_cmp before after
sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events" >count_after
test_cmp count_before count_after

fu import events "$DATA/bad-time.csv" --skip-bad >out
cat >expect <<EOT
$DATA/bad-time.csv: 4 rows, 2 events stored, 0 already stored (same id), 0 new contacts
skipped 2 bad rows:
$DATA/bad-time.csv:3: column 'time': time "2026-13-01": month 13 out of range
$DATA/bad-time.csv:4: column 'type': unknown type 'buy'
EOT
test_cmp expect out

# a missing file, an unknown column in --map, a bad time zone, a bad separator
expect_fail 1 fu import events nosuch.csv
expect_grep "nosuch.csv: No such file or directory" err
expect_fail 1 fu import events "$DATA/events.csv" --map contact=customer
expect_grep "no column 'customer' in the header" err
printf 'key,tz\nZ1,Mars/Base\n' >badtz.csv
expect_fail 1 fu import contacts badtz.csv
expect_grep "badtz.csv:2: column 'tz'" err
expect_fail 1 fu import events "$DATA/events.csv" --sep ab
expect_grep "usage: followup import" err

# an unterminated quote is reported at the line it starts
printf 'id,type,contact,time\nQ1,lead,C9,2026-01-01\nQ2,lead,"C9,2026-01-01\n' >quote.csv
expect_fail 1 fu import events quote.csv
expect_grep "quote.csv:3: unterminated quoted field" err

# invalid JSON in a JSON Lines file
printf '{"type":"lead","contact":"J","time":"2026-01-01"}\n{"type":\n' >bad.jsonl
expect_fail 1 fu import events bad.jsonl
expect_grep "bad.jsonl:2: invalid JSON" err
db_dump >after2
sqlite3 "$FOLLOWUP_DB" "SELECT count(*) - 2 FROM events" >count_after2
test_cmp count_before count_after2
