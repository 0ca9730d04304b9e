# followup done ID --send [--edit]: the personal e-mail the agenda wrote goes to a real SMTP
# server through the outbox, once, and is recorded as the person's touch; consent refuses it.
. "$TESTS_DIR/e2e/lib.sh"
. "$TESTS_DIR/e2e/smtp-lib.sh"
start_smtpd smtp

# fid KEY: the id of KEY's follow-up in the agenda now
fid() { fu agenda --all --json >fid.json; sqlite3 :memory: "SELECT json_extract(value, '\$.id') FROM json_each(readfile('fid.json')) WHERE json_extract(value, '\$.contact') = '$1'"; }
# touches KEY: the number of touch events in KEY's timeline
touches() { fu show "$1" --json >t.json; sqlite3 :memory: "SELECT count(*) FROM json_each(json_extract(readfile('t.json'), '\$.events')) WHERE json_extract(value, '\$.type') = 'touch'"; }

test_expect_success 'setup: four contacts asked for information (a personal e-mail each)' - <<\EOT
cat >contacts.csv <<'CSV'
key,name,email,phone,owner,tz
R1,Rita Reed,rita@example.com,,ana,Europe/London
R2,Otto Out,otto@example.com,,ana,Europe/London
R3,Eddie Edit,eddie@example.com,,ben,Europe/London
R4,Emma Empty,emma@example.com,,ben,Europe/London
CSV
cat >events.csv <<'CSV'
id,type,contact,time,note
I1,info_request,R1,2026-11-25T08:30:00Z,INTERNAL-NOTE-r1 budget is tight
I2,info_request,R2,2026-11-25T08:30:00Z,
I3,info_request,R3,2026-11-25T08:30:00Z,
I4,info_request,R4,2026-11-25T08:30:00Z,
CSV
fu_load
printf 'owner.ana = ana@northwind.example\n' >send.conf
chmod 600 send.conf
expect_eq "$(fid R1 | cut -c1-3)" "F1-" "R1 has a follow-up"
EOT

test_expect_success 'done --send: the agenda text goes to the contact, from the owner, Reply-To the owner' - <<\EOT
id=$(fid R1)
echo "$id" >r1.id
fu done "$id" --send --config send.conf >out
expect_grep "^sent p1-[0-9a-f]\{16\} to rita@example.com; recorded touch for R1: email" out
expect_eq "$(received)" 1 "received"
m=$(ls smtp/msg-*.eml)
expect_grep '^To: Rita Reed <rita@example.com>' "$m"
expect_grep '^From: ana at Northwind Supplies <ana@northwind.example>' "$m"
expect_grep '^Reply-To: ana@northwind.example' "$m"
expect_grep '^Subject: About your question' "$m"
expect_grep '^Message-ID: <fu\.p1-[0-9a-f]\{16\}@northwind\.example>' "$m"
expect_grep 'Hi Rita,' "$m"
expect_grep 'Thank you for asking about what we do' "$m"
expect_eq "$(grep -c '^Auto-Submitted' "$m" || true)" 0 "Auto-Submitted on a person's e-mail"
expect_eq "$(grep -c INTERNAL-NOTE "$m" || true)" 0 "internal note in the message"
expect_eq "$(grep -c '^List-Unsubscribe' "$m" || true)" 0 "one-click header on a personal e-mail"
EOT

test_expect_success 'the touch is in the timeline: personal, e-mail, the Message-ID; one touch' - <<\EOT
fu show R1 --json >s.json
expect_eq "$(sqlite3 :memory: "SELECT json_extract(value, '\$.channel') || ' ' || json_extract(value, '\$.ref') FROM json_each(json_extract(readfile('s.json'), '\$.events')) WHERE json_extract(value, '\$.type') = 'touch'" | sed 's/-[0-9a-f]*$//')" "email p1" "the touch"
expect_eq "$(sqlite3 :memory: "SELECT count(*) FROM json_each(json_extract(readfile('s.json'), '\$.events')) WHERE json_extract(value, '\$.type') = 'message' AND json_extract(value, '\$.outcome') = 'sent'")" 1 "sent events"
expect_eq "$(json_get s.json '$.state.last_touch_out')" "2026-11-25T09:00:00Z" "last_touch_out"
fu outbox --all >out
expect_grep "sent.*p1-.*R1" out
EOT

test_expect_success 'the same follow-up again: refused, nothing sent twice' - <<\EOT
expect_fail 1 fu done "$(cat r1.id)" --send --config send.conf
expect_grep "nothing is open\|already in the outbox\|has changed" err
expect_eq "$(received)" 1 "received"
expect_eq "$(touches R1)" 1 "touches"
EOT

test_expect_success 'an opted-out contact: refused with a reason, nothing sent or recorded' - <<\EOT
id=$(fid R2)
fu event opt_out R2 --channel email >/dev/null
n=$(sqlite3 test.db 'SELECT count(*) FROM events')
expect_fail 1 fu done "$id" --send --config send.conf
expect_grep "no e-mail to R2: they opted out of e-mail" err
expect_eq "$(received)" 1 "received"
expect_eq "$(sqlite3 test.db 'SELECT count(*) FROM events')" "$n" "events"
EOT

test_expect_success '--edit: what the editor wrote is what goes, subject and text' - <<\EOT
cat >editor.sh <<'SH'
#!/bin/sh
grep -q 'Thank you for asking' "$1" || exit 3
printf 'Your question, answered\n\nHi Eddie,\n\nHere is the price list you asked for.\n\nBen\n' >"$1"
SH
chmod +x editor.sh
id=$(fid R3)
EDITOR="$PWD/editor.sh" fu done "$id" --send --edit --config send.conf --json >out.json
expect_eq "$(json_get out.json '$.state')" sent "state"
expect_eq "$(json_get out.json '$.contact')" R3 "contact"
m=$(grep -l 'eddie@example.com' smtp/msg-*.eml)
expect_grep '^Subject: Your question, answered' "$m"
expect_grep 'Here is the price list you asked for.' "$m"
expect_eq "$(grep -c 'Thank you for asking' "$m" || true)" 0 "the agenda's text"
expect_eq "$(touches R3)" 1 "touches"
EOT

test_expect_success '--edit: an empty file sends and records nothing' - <<\EOT
printf '#!/bin/sh\n: >"$1"\n' >empty.sh
chmod +x empty.sh
id=$(fid R4)
n=$(sqlite3 test.db 'SELECT count(*) FROM events')
EDITOR="$PWD/empty.sh" expect_fail 1 fu done "$id" --send --edit --config send.conf
expect_grep "the message is empty: nothing sent or recorded" err
expect_eq "$(received)" 2 "received"
expect_eq "$(sqlite3 test.db 'SELECT count(*) FROM events')" "$n" "events"
expect_eq "$(fid R4)" "$id" "R4's follow-up"
EOT

test_expect_success 'a text longer than 4 KiB is refused, never cut' - <<\EOT
head -c 5000 /dev/zero | tr '\0' 'x' >long.txt
printf '#!/bin/sh\n{ echo Subject; echo; cat "%s/long.txt"; } >"$1"\n' "$PWD" >long.sh
chmod +x long.sh
id=$(fid R4)
EDITOR="$PWD/long.sh" expect_fail 1 fu done "$id" --send --edit --config send.conf
expect_grep "text: 5000 bytes, more than the 4096" err
expect_eq "$(received)" 2 "received"
EOT

test_expect_success 'a 451: deferred, not sent twice by hand; the send pass sends it in quiet hours (a person chose it) and records the touch' - <<\EOT
printf 'emma@example.com 451\n' >smtp/rules
id=$(fid R4)
expect_fail 1 fu done "$id" --send --config send.conf --json
expect_eq "$(json_get out '$.state')" deferred "state"
expect_grep "was not sent (deferred: 451 4.3.0 mailbox busy.*next try 2026-11-25 09:05 UTC" err
expect_eq "$(touches R4)" 0 "touches before"
expect_fail 1 fu done "$id" --send --config send.conf
expect_grep "its e-mail is already in the outbox (message 'p4-[0-9a-f]*', deferred)" err
: >smtp/rules
FOLLOWUP_NOW=2026-11-25T21:30:00Z fu send --config send.conf >out
expect_grep "^1 sent" out
expect_eq "$(grep -c emma@example.com smtp/received.log)" 1 "received by emma"
expect_eq "$(touches R4)" 1 "touches after"
EOT

test_expect_success 'a rule'"'"'s subject: merge fields, for a person'"'"'s e-mail and an automated one; a too long automated text is not queued' - <<\EOT
long=$(head -c 3000 /dev/zero | tr '\0' 'y')
cat >pb.yaml <<YAML
business:
  name: Northwind Supplies
rules:
  - trigger: info_request
    action: email
    subject: 'Your question, {{first_name|friend}}'
    say: Hi {{first_name|there}}, here is what you asked for.
  - trigger: new_lead
    action: auto_email
    subject: 'Welcome to {{business_name|us}}, {{first_name|friend}}'
    say: Hi {{first_name|there}}, thank you for getting in touch.
  - trigger: reply
    action: auto_email
    say: '$long {{their_words|}}'
YAML
fu playbook check pb.yaml >/dev/null
fu playbook use pb.yaml >/dev/null
cat >more.csv <<'CSV'
key,name,email,phone,owner,tz
N1,Nia North,nia@example.com,,ana,Europe/London
N2,Lou Lead,lou@example.com,,ana,Europe/London
N3,Len Long,len@example.com,,ana,Europe/London
CSV
fu import contacts more.csv >/dev/null
fu event info_request N1 --time 2026-11-26T10:00:00Z >/dev/null
fu event lead N2 --time 2026-11-26T10:00:00Z >/dev/null
fu event reply N3 --time 2026-11-26T10:01:00Z --note "$(head -c 1199 /dev/zero | tr '\0' 'z')" >/dev/null
export FOLLOWUP_NOW=2026-11-26T10:30:00Z
fu done "$(fid N1)" --send --config send.conf >/dev/null
expect_grep '^Subject: Your question, Nia' "$(grep -l 'nia@example.com' smtp/msg-*.eml)"
fu send --config send.conf >out
expect_grep "^1 sent, 0 deferred, 0 bounced, 1 failed" out
expect_grep "failed.*N3: its text is 4200 bytes, more than the 4096 a message may have: shorten the rule's say" out
m=$(grep -l 'lou@example.com' smtp/msg-*.eml)
expect_grep '^Subject: Welcome to Northwind Supplies, Lou' "$m"
expect_eq "$(grep -c yyyy "$m" || true)" 0 "the long text sent"
fu outbox >out
expect_grep "^failed .*N3" out
expect_grep "^ *its text is 4200 bytes" out
expect_eq "$(grep -c len@example.com smtp/received.log || true)" 0 "received by len"
EOT

test_expect_success 'playbook check: a subject with an unknown field is an error' - <<\EOT
printf 'rules:\n  - trigger: new_lead\n    action: call\n    say: Hi\n    subject: Hi {{nickname}}\n' >bad.yaml
expect_fail 1 fu playbook check bad.yaml
expect_grep "bad.yaml:5:14: rules\[0\].subject: template: unknown field 'nickname'" err
EOT

test_expect_success 'in flight, a person'"'"'s e-mail is sending, not uncertain: it cannot be resent, no pass runs meanwhile' - <<\EOT
export FOLLOWUP_NOW=2026-11-26T10:40:00Z
printf 'key,name,email,phone,owner,tz\nR5,Fay Flight,fay@example.com,,ana,Europe/London\n' >r5.csv
fu import contacts r5.csv >/dev/null
fu event info_request R5 --time 2026-11-26T10:35:00Z >/dev/null
id=$(fid R5)
touch smtp/hold
fu done "$id" --send --config send.conf >bg.out 2>bg.err &
pid=$!
i=0
while [ ! -e smtp/holding ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
ok=0
fu outbox >out || ok=1
m=$(sed -n 's/^[a-z]* *\(p[0-9]*-[0-9a-f]*\) *R5.*/\1/p' out)
expect_grep "^sending *p[0-9]*-[0-9a-f]* *R5" out || ok=1
expect_fail 1 fu outbox resend "$m" || ok=1
expect_grep "is sending: it cannot be sent again" err || ok=1
expect_fail 1 fu send --config send.conf || ok=1
expect_grep "another sender is running" err || ok=1
rm -f smtp/hold
wait $pid
expect_grep "^sent $m to fay@example.com" bg.out
expect_eq "$ok" 0 "the checks while it was in flight"
expect_eq "$(grep -c fay@example.com smtp/received.log)" 1 "received by fay"
EOT

test_expect_success 'rebuild gives the same outbox and timelines' - <<\EOT
fu outbox --all --json >before
fu show R1 --json >>before
fu rebuild >/dev/null
fu outbox --all --json >after
fu show R1 --json >>after
test_cmp before after
EOT

test_done
