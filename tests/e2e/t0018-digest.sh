# followup digest: each owner's morning e-mail of their day, at 08:00 in their own zone, once
# a local day, to a real SMTP server (aiosmtpd).
. "$TESTS_DIR/e2e/lib.sh"
. "$TESTS_DIR/e2e/smtp-lib.sh"
start_smtpd smtp
cat >send.conf <<'CONF'
owner.ana = ana@northwind.example
owner.ben = ben@northwind.example
app_url   = https://crm.northwind.example/
CONF
chmod 600 send.conf
export FOLLOWUP_SEND_CONFIG="$PWD/send.conf"

# digest_to WHO: the received digest files for WHO's address, oldest first
digest_to() { grep -l "^To: $1 <$1@northwind.example>" smtp/msg-*.eml 2>/dev/null | sort -t- -k3 -n; }
# body FILE: the text of a received message, quoted-printable decoded
body() { /usr/bin/python3 -c 'import email,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb")); print(m.get_payload(decode=True).decode())' "$1"; }

test_expect_success 'setup: follow-ups for ana and ben; the digest at 08:00, ben in New York' - <<\EOT
cat >contacts.csv <<'CSV'
key,name,email,phone,owner,tz
S1,Sam Smith,sam@example.com,+44 20 5550 0001,ana,Europe/London
S2,Sue Stone,sue@example.com,,ana,Europe/London
B1,Bo Brown,bo@example.com,,ben,America/New_York
CSV
cat >events.csv <<'CSV'
id,type,contact,time,note
E1,lead,S1,2026-11-24T16:00:00Z,
E2,reply,S2,2026-11-24T15:00:00Z,can you deliver on Friday?
E3,lead,B1,2026-11-24T16:00:00Z,
CSV
fu_load
fu playbook show >pb.yaml
cat >>pb.yaml <<'YAML'

digest:
  at: "08:00"
  timezone: Europe/London
  owners:
    ben: America/New_York
YAML
fu playbook use pb.yaml >/dev/null
EOT

test_expect_success 'no digest before 08:00 in their zone' - <<\EOT
FOLLOWUP_NOW=2026-11-25T07:59:00Z fu digest >out
expect_grep "^2 owners: 0 sent, 0 ready, 2 waiting" out
expect_grep "^waiting   ana <ana@northwind.example> 2026-11-25: at 2026-11-25 08:00 UTC" out
expect_grep "^waiting   ben <ben@northwind.example> 2026-11-25: at 2026-11-25 13:00 UTC" out
expect_eq "$(received)" 0 "received"
EOT

test_expect_success 'a dry run at 08:00 shows the text and sends nothing' - <<\EOT
FOLLOWUP_NOW=2026-11-25T08:00:00Z fu digest --dry-run >out
expect_grep "^ready     ana" out
expect_grep "Good morning, ana" out
expect_eq "$(received)" 0 "received"
FOLLOWUP_NOW=2026-11-25T08:00:00Z fu digest --dry-run --json >dry.json
expect_eq "$(json_get dry.json '$.digests[0].state')" "ready" "state"
EOT

test_expect_success "at 08:00 London ana gets her day: her follow-ups in the agenda's order, none of ben's" - <<\EOT
FOLLOWUP_NOW=2026-11-25T08:00:00Z fu digest >out
expect_grep "^sent      ana <ana@northwind.example> 2026-11-25: 2 follow-ups" out
expect_grep "^waiting   ben" out
expect_eq "$(digest_to ana | wc -l)" 1 "digests to ana"
m=$(digest_to ana)
expect_grep '^Subject: Your day: 2 follow-ups (2026-11-25)' "$m"
expect_grep '^Auto-Submitted: auto-generated' "$m"
body "$m" >ana.txt
cat ana.txt
expect_grep "^Good morning, ana." ana.txt
expect_grep "Wednesday 25 November 2026" ana.txt
expect_grep "can you deliver on Friday?" ana.txt
expect_grep "https://crm.northwind.example/#/contact/S1" ana.txt
expect_grep "https://crm.northwind.example/#/today" ana.txt
expect_eq "$(grep -c 'Bo Brown\|B1' ana.txt || true)" 0 "ben's contacts in ana's digest"
# the order of ana's agenda
FOLLOWUP_NOW=2026-11-25T08:00:00Z fu agenda --owner ana --json >ag.json
want=$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.contact'), ' ') FROM json_each(readfile('ag.json')) WHERE json_extract(value, '\$.automated') = 0")
got=$(sed -n 's/^[0-9]*\. .* (\([A-Z0-9]*\)), .*/\1/p' ana.txt | tr '\n' ' ' | sed 's/ $//')
expect_eq "$got" "$want" "the follow-ups' order"
EOT

test_expect_success 'run again the same day: nothing more for ana' - <<\EOT
FOLLOWUP_NOW=2026-11-25T09:30:00Z fu digest >out
expect_grep "^done      ana" out
FOLLOWUP_NOW=2026-11-25T23:59:00Z fu digest --owner ana >out
expect_grep "^done      ana" out
expect_eq "$(digest_to ana | wc -l)" 1 "digests to ana"
EOT

test_expect_success "at 08:00 in New York ben gets his, with his contact only" - <<\EOT
FOLLOWUP_NOW=2026-11-25T13:00:00Z fu digest >out
expect_grep "^sent      ben" out
body "$(digest_to ben)" >ben.txt
expect_grep "Bo Brown (B1)" ben.txt
expect_eq "$(grep -c 'Sam Smith\|Sue Stone' ben.txt || true)" 0 "ana's contacts in ben's digest"
expect_eq "$(digest_to ben | wc -l)" 1 "digests to ben"
EOT

test_expect_success 'the next day brings the next digest' - <<\EOT
FOLLOWUP_NOW=2026-11-26T08:05:00Z fu digest >out
expect_grep "^sent      ana <ana@northwind.example> 2026-11-26" out
expect_eq "$(digest_to ana | wc -l)" 2 "digests to ana"
expect_grep "Thursday 26 November 2026" "$(digest_to ana | tail -1)"
EOT

test_expect_success 'an attempt without an outcome (a crash) is uncertain and never sent again' - <<\EOT
sqlite3 test.db "INSERT INTO meta(key, value) VALUES ('digest/ana/2026-11-27', 'attempt 1795766400 1')"
FOLLOWUP_NOW=2026-11-27T08:01:00Z fu digest --owner ana >out
expect_grep "^uncertain ana" out
expect_eq "$(digest_to ana | wc -l)" 2 "digests to ana"
EOT

test_expect_success 'no digest in the playbook: nothing, and said so' - <<\EOT
sed '/^digest:/,$d' pb.yaml >plain.yaml
fu playbook use plain.yaml >/dev/null
FOLLOWUP_NOW=2026-11-28T08:01:00Z fu digest >out
expect_grep "no digest: the playbook in effect has none" out
expect_eq "$(digest_to ana | wc -l)" 2 "digests to ana"
EOT

test_done
