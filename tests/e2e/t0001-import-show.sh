# Import contacts and events (CSV and JSON Lines), then status, contacts and show.
. "$TESTS_DIR/e2e/lib.sh"

fu init >out
echo "database $FOLLOWUP_DB ready (schema version 3)" >expect
test_cmp expect out

fu import contacts "$DATA/contacts.csv" >out
cat >expect <<EOT
$DATA/contacts.csv: 3 rows, 3 contacts stored, 3 new contacts
EOT
test_cmp expect out

fu import events "$DATA/events.csv" >out
cat >expect <<EOT
$DATA/events.csv: 14 rows, 14 events stored, 0 already stored (same id), 1 new contacts
EOT
test_cmp expect out

fu import events "$DATA/events.jsonl" >out
expect_grep "3 rows, 3 events stored" out

fu status >out
cat >expect <<'EOT'
4 contacts
  lead              1
  customer          2
  repeat            0
  lapsed            1
17 events
  lead                2
  info_request        1
  email_click         1
  purchase            4
  invoice             3
  payment             2
  service             1
  appointment         0
  touch               1
  reply               1
  opt_out             1
1 invoices open, 1 late payments so far; 1 opted out of e-mail, 0 do not contact
EOT
test_cmp expect out

fu show C001 >out
cat >expect <<'EOT'
contact C001
  name      Ada Brook
  email     ada@example.com
  phone     +1 555 0100
  company   Brook, Sons & Co
  owner     ana
  tz        America/New_York
  attrs     {"segment":"wholesale","source":"trade show"}
state (at the clock's time)
  stage     lapsed
  purchases 2 on 2 days, first 2026-01-20 15:00, last 2026-03-10 16:00, spend 2000.50
  invoices  2, 0 open (0.00); payments 2: 1 on time, 1 late
  touches   last in 2026-04-15 17:00, last out 2026-01-05 14:10, last two-way 2026-04-15 17:00
  services  1
timeline (9 events, UTC)
  2026-01-05 14:00  lead         via web_form  "asked about bulk pricing"  [#1]
  2026-01-05 14:10  touch        via call -> reached  [#2]
  2026-01-20 15:00  purchase     1200.00 O-1  [#3]
  2026-01-20 15:05  invoice      1200.00 INV-1 due 2026-02-19  [#4]
  2026-03-02 10:00  payment      1200.00 INV-1  "paid late, "sorry" said the note"  [#5]
  2026-03-10 16:00  purchase     800.50 O-2  [#6]
  2026-03-10 16:05  invoice      800.50 INV-2 due 2026-04-09  [#7]
  2026-04-01 09:00  payment      800.50 INV-2  [#8]
  2026-04-15 17:00  service      via call  "printer jam"  [#14]
EOT
test_cmp expect out

# time zones on input: 09:30+01:00 is 08:30 UTC
fu show C002 >out
expect_grep "2026-02-01 08:30  info_request via email" out
expect_grep "opted out of e-mail" out

# the contact created by an event has no profile but a timeline
fu show C004 --json >out.json
test "$(sqlite3 :memory: "SELECT json_extract(readfile('out.json'), '\$.state.invoices_open')")" = 1
test "$(sqlite3 :memory: "SELECT json_extract(readfile('out.json'), '\$.state.open_amount')")" = 49.99
test "$(sqlite3 :memory: "SELECT json_extract(readfile('out.json'), '\$.events[0].time')")" = 2026-05-01T00:00:00Z

# contacts: filters and JSON
fu contacts --owner ana >out
expect_grep "^C001" out
test "$(wc -l <out)" -eq 1
fu contacts --stage lead --json >out.json
test "$(sqlite3 :memory: "SELECT json_array_length(readfile('out.json'))")" = 1
test "$(sqlite3 :memory: "SELECT json_extract(readfile('out.json'), '\$[0].key')")" = C002
fu contacts --search BROOK >out
expect_grep "^C001" out

# JSON Lines: the number amount and the later events
fu show C003 >out
expect_grep "99.50 O-9" out
expect_grep "stage     customer" out
