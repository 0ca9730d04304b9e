# followup send / outbox: the automated messages really go out by SMTP to a real server,
# once each, checked again at the moment of sending; failures retried or bounced.
. "$TESTS_DIR/e2e/lib.sh"
. "$TESTS_DIR/e2e/smtp-lib.sh"
start_smtpd smtp

# q FILE WHERE: the number of entries of the JSON array in FILE that match WHERE (SQL on value)
q() { sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('$1')) WHERE $2"; }

test_expect_success 'setup: five new leads whose auto-reply is due; rules for two addresses' - <<\EOT
cat >contacts.csv <<'CSV'
key,name,email,phone,owner,tz
S1,Sam Smith,sam@example.com,+44 20 5550 0001,ana,Europe/London
S2,Zoë Ünal,zoe@example.com,,ana,Europe/London
B1,Bo Bounce,bo@example.com,+44 20 5550 0003,ana,Europe/London
T1,Tia Temp,tia@example.com,,ben,Europe/London
O1,Olly Optout,olly@example.com,,ben,Europe/London
Q1,Quinn Quiet,quinn@example.com,,ben,Europe/London
CSV
cat >events.csv <<'CSV'
id,type,contact,time,note
L1,lead,S1,2026-11-25T08:50:00Z,INTERNAL-NOTE-s1 wants a discount
L2,lead,S2,2026-11-25T08:50:00Z,
L3,lead,B1,2026-11-25T08:50:00Z,
L4,lead,T1,2026-11-25T08:50:00Z,
L5,lead,O1,2026-11-25T08:50:00Z,
CSV
fu_load
printf 'bo@example.com 550\ntia@example.com 451\n' >smtp/rules
EOT

test_expect_success 'a dry run lists the five, sends and records nothing' - <<\EOT
fu send --dry-run >out
expect_eq "$(grep -c '^ready' out)" 5 "ready"
expect_eq "$(received)" 0 "received"
expect_eq "$(sqlite3 test.db 'SELECT count(*) FROM events WHERE type = 11')" 0 "message events"
fu outbox --json >ob.json
expect_eq "$(q ob.json "json_extract(value, '\$.state') = 'queued'")" 5 "queued"
EOT

test_expect_success 'an opt-out recorded after the agenda stops the message; the rest go' - <<\EOT
fu event opt_out O1 --channel email >/dev/null
fu send >out
expect_grep "2 sent, 1 deferred, 1 bounced" out
expect_eq "$(received)" 2 "received"
expect_eq "$(grep -c olly smtp/received.log || true)" 0 "to the opted-out"
EOT

test_expect_success 'the message: MIME, headers, identity, no internal note' - <<\EOT
m=$(grep -l 'To: Sam Smith' smtp/msg-*.eml)
expect_grep '^From: ana at Northwind Supplies <hello@northwind.example>' "$m"
expect_grep '^Subject: Thank you for getting in touch' "$m"
expect_grep '^Message-ID: <fu\.c[0-9]*-[0-9a-f]\{16\}@northwind\.example>' "$m"
expect_grep '^Date: Wed, 25 Nov 2026 09:00:00 +0000' "$m"
expect_grep '^MIME-Version: 1.0' "$m"
expect_grep '^Content-Type: text/plain; charset=UTF-8' "$m"
expect_grep '^Content-Transfer-Encoding: quoted-printable' "$m"
expect_grep '^Auto-Submitted: auto-generated' "$m"
expect_grep 'Hi Sam,' "$m"
expect_eq "$(grep -c INTERNAL-NOTE "$m" || true)" 0 "internal note in the message"
EOT

test_expect_success 'a UTF-8 name is an encoded word, the body quoted-printable' - <<\EOT
m=$(grep -l '^To: =?UTF-8?B?' smtp/msg-*.eml)
expect_grep 'Hi Zo=C3=AB,' "$m"
name=$($SERVER_PY -c 'import email,sys; from email.header import decode_header, make_header; m=email.message_from_binary_file(open(sys.argv[1],"rb")); print(str(make_header(decode_header(m["To"]))))' "$m")
expect_eq "$name" "Zoë Ünal <zoe@example.com>" "decoded To"
EOT

test_expect_success 'a sent message is an event of the timeline and an outgoing touch' - <<\EOT
fu show S1 --json >s1.json
expect_eq "$(sqlite3 :memory: "SELECT count(*) FROM json_each(json_extract(readfile('s1.json'), '\$.events')) WHERE json_extract(value, '\$.type') = 'message' AND json_extract(value, '\$.outcome') = 'sent'")" 1 "sent events"
expect_eq "$(json_get s1.json '$.state.last_touch_out')" "2026-11-25T09:00:00Z" "last_touch_out"
EOT

test_expect_success 'never twice: a second pass sends nothing' - <<\EOT
fu send >out
expect_grep "^0 sent" out
expect_eq "$(received)" 2 "received"
EOT

test_expect_success 'a 451 is deferred 5 minutes, not tried before, then sent' - <<\EOT
fu outbox >out
expect_grep "deferred.*T1.*tries 1.*next try 2026-11-25 09:05 UTC" out
expect_grep "451 4.3.0 mailbox busy" out
FOLLOWUP_NOW=2026-11-25T09:03:00Z fu send >out
expect_grep "^0 sent, 0 deferred" out
printf 'bo@example.com 550\n' >smtp/rules
FOLLOWUP_NOW=2026-11-25T09:06:00Z fu send >out
expect_grep "^1 sent" out
expect_eq "$(grep -c tia@example.com smtp/received.log)" 1 "received by tia"
FOLLOWUP_NOW=2026-11-25T09:06:00Z fu outbox --all >out
expect_grep "sent.*T1.*tries 2" out
EOT

test_expect_success 'a 550 is a bounce: the address gets no more e-mail, a person calls' - <<\EOT
fu show B1 >out
expect_grep "bounce " out
FOLLOWUP_NOW=2026-11-25T09:06:00Z fu outbox >out
expect_grep "bounced.*B1" out
fu event lead B1 --time 2026-11-25T09:10:00Z >/dev/null
FOLLOWUP_NOW=2026-11-25T09:30:00Z fu agenda --all --json >a.json
expect_eq "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('a.json')) AS e, json_each(json_extract(e.value, '\$.reasons')) AS r WHERE json_extract(e.value, '\$.contact') = 'B1' AND json_extract(r.value, '\$.channel') = 'auto_email'")" 0 "automated e-mail to B1"
expect_eq "$(sqlite3 :memory: "SELECT json_extract(e.value, '\$.channel') FROM json_each(readfile('a.json')) AS e WHERE json_extract(e.value, '\$.contact') = 'B1'")" call "B1 channel"
EOT

test_expect_success 'quiet hours are checked when sending: an overdue message waits' - <<\EOT
fu event lead Q1 --time 2026-11-25T10:00:00Z >/dev/null
FOLLOWUP_NOW=2026-11-25T21:30:00Z fu send >out
expect_grep "waiting.*Q1: quiet hours in their zone (next try 2026-11-26 08:00 UTC)" out
expect_eq "$(grep -c quinn smtp/received.log || true)" 0 "sent in quiet hours"
EOT

test_expect_success 'a 4xx that lasts: tried again after 5, then 10 minutes, ..., failed after 3 days' - <<\EOT
printf 'key,name,email,tz\nF1,Flo Full,flo@example.com,Europe/London\n' >f1.csv
fu import contacts f1.csv >/dev/null
fu event lead F1 --time 2026-11-25T08:50:00Z >/dev/null
printf 'flo@example.com 451\n' >>smtp/rules
fu send >/dev/null
FOLLOWUP_NOW=2026-11-25T09:06:00Z fu send >/dev/null
FOLLOWUP_NOW=2026-11-25T09:06:00Z fu outbox >out
expect_grep "deferred.*F1.*tries 2.*next try 2026-11-25 09:16 UTC" out
FOLLOWUP_NOW=2026-11-30T09:01:00Z fu send >out
expect_grep "^failed .*F1: 451 4.3.0 mailbox busy" out
FOLLOWUP_NOW=2026-11-30T09:01:00Z fu outbox >out
expect_grep "^failed .*F1" out
expect_eq "$(grep -c flo@example.com smtp/received.log || true)" 0 "received by flo"
EOT

test_expect_success 'rebuild gives the same outbox and agenda' - <<\EOT
export FOLLOWUP_NOW=2026-11-25T09:30:00Z
fu outbox --all --json >before
fu agenda --all >>before
fu rebuild >/dev/null
fu outbox --all --json >after
fu agenda --all >>after
test_cmp before after
EOT

test_expect_success 'each Message-ID was received once' '
	expect_eq "$(cut -f1 smtp/received.log | sort | uniq -d | wc -l)" 0 "repeated ids"
'

test_expect_success 'a settings file others can read is refused' - <<\EOT
printf 'smtp_url = smtp://127.0.0.1:1\n' >send.conf
chmod 644 send.conf
expect_fail 1 fu send --config send.conf
expect_grep "readable by others" err
EOT

test_done
