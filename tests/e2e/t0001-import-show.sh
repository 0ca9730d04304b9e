# Import contacts and events (CSV and JSON Lines), then status, contacts and show.
. "$TESTS_DIR/e2e/lib.sh"

test_expect_success 'init creates the database' '
	fu init >out
	echo "database $FOLLOWUP_DB ready (schema version 7)" >expect
	test_cmp expect out
'

test_expect_success 'import contacts counts rows and new contacts' '
	fu import contacts "$DATA/contacts.csv" >out
	echo "$DATA/contacts.csv: 3 rows, 3 contacts stored, 3 new contacts" >expect
	test_cmp expect out
'

test_expect_success 'import events (CSV) counts events and the contacts they create' '
	fu import events "$DATA/events.csv" >out
	echo "$DATA/events.csv: 14 rows, 14 events stored, 0 already stored (same id), 1 new contacts" >expect
	test_cmp expect out
'

test_expect_success 'import events (JSON Lines)' '
	fu import events "$DATA/events.jsonl" >out
	expect_grep "3 rows, 3 events stored" out
'

test_expect_success 'status: contacts by stage, events by type, invoices and consent' '
	fu status >out
	cat >expect <<-\EOT
	4 contacts
	  lead              1
	  customer          2
	  repeat            0
	  dormant           1
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
	  message             0
	  bounce              0
	1 invoices open, 1 late payments so far; 1 opted out of e-mail, 0 do not contact
	EOT
	test_cmp expect out
'

test_expect_success 'show: profile, state at the clock and the whole timeline, who wrote each event' - <<\EOT
	# every event was imported by this OS user with the CLI ("cli:NAME"), called ME here
	fu show C001 | sed "s/ by cli:$(id -un)]\$/ by cli:ME]/" >out
	cat >expect <<-\EXPECT
	contact C001
	  name      Ada Brook
	  email     ada@example.com
	  phone     +1 555 0100
	  company   Brook, Sons & Co
	  owner     ana
	  tz        America/New_York
	  attrs     {"segment":"wholesale","source":"trade show"}
	state (at the clock's time)
	  stage     dormant
	  purchases 2 on 2 days, first 2026-01-20 15:00, last 2026-03-10 16:00, spend 2000.50
	  invoices  2, 0 open (0.00); payments 2: 1 on time, 1 late
	  touches   last in 2026-04-15 17:00, last out 2026-01-05 14:10, last two-way 2026-04-15 17:00
	  services  1
	timeline (9 events, UTC)
	  2026-01-05 14:00  lead         via web_form  "asked about bulk pricing"  [#1 by cli:ME]
	  2026-01-05 14:10  touch        via call -> reached  [#2 by cli:ME]
	  2026-01-20 15:00  purchase     1200.00 O-1  [#3 by cli:ME]
	  2026-01-20 15:05  invoice      1200.00 INV-1 due 2026-02-19  [#4 by cli:ME]
	  2026-03-02 10:00  payment      1200.00 INV-1  "paid late, "sorry" said the note"  [#5 by cli:ME]
	  2026-03-10 16:00  purchase     800.50 O-2  [#6 by cli:ME]
	  2026-03-10 16:05  invoice      800.50 INV-2 due 2026-04-09  [#7 by cli:ME]
	  2026-04-01 09:00  payment      800.50 INV-2  [#8 by cli:ME]
	  2026-04-15 17:00  service      via call  "printer jam"  [#14 by cli:ME]
	EXPECT
	test_cmp expect out
EOT

test_expect_success 'time zones on input: 09:30+01:00 is 08:30 UTC' '
	fu show C002 >out
	expect_grep "2026-02-01 08:30  info_request via email" out
	expect_grep "opted out of e-mail" out
'

test_expect_success 'a contact created by an event has no profile but a timeline' - <<\EOT
	fu show C004 --json >out.json
	expect_eq "$(json_get out.json '$.state.invoices_open')" 1 invoices_open
	expect_eq "$(json_get out.json '$.state.open_amount')" 49.99 open_amount
	expect_eq "$(json_get out.json '$.events[0].time')" 2026-05-01T00:00:00Z "the first event's time"
EOT

test_expect_success 'contacts: filter by owner' '
	fu contacts --owner ana >out
	expect_grep "^C001" out
	expect_eq "$(wc -l <out)" 1 "lines"
'

test_expect_success 'contacts: filter by stage, as JSON' - <<\EOT
	fu contacts --stage lead --json >out.json
	expect_eq "$(sqlite3 :memory: "SELECT json_array_length(readfile('out.json'))")" 1 "contacts"
	expect_eq "$(json_get out.json '$[0].key')" C002 key
EOT

test_expect_success 'contacts: search ignores case' '
	fu contacts --search BROOK >out
	expect_grep "^C001" out
'

test_expect_success 'JSON Lines: a number amount and the later events' '
	fu show C003 >out
	expect_grep "99.50 O-9" out
	expect_grep "stage     customer" out
'

test_done
