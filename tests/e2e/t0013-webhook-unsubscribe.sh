# A playbook rule sends by webhook (signed, with an idempotency key, retried after a 503);
# e-mail that is not transactional carries a signed unsubscribe link and the RFC 8058
# headers, and 'followup unsubscribe TOKEN' records the opt-out.
. "$TESTS_DIR/e2e/lib.sh"
. "$TESTS_DIR/e2e/smtp-lib.sh"
start_smtpd smtp
start_webhookd hooks "a-test-secret-of-some-length"
export FOLLOWUP_UNSUBSCRIBE_URL="https://northwind.example/unsubscribe"

test_expect_success 'setup: a playbook with a webhook rule; leads, an open invoice, a silence' - <<\EOT
cat >pb.yaml <<'YAML'
business:
  name: Northwind Supplies
  hours: mon-fri 09:00-17:00
  quiet_hours: "20:00-08:00"
rules:
  - name: text a new lead
    trigger: new_lead
    action: auto_webhook
    priority: 90
    say: "Hi {{first_name|there}}, thanks for getting in touch. We will call you soon."
  - name: remind about an open invoice
    trigger: invoice_overdue
    action: auto_email
    transactional: true
    priority: 45
    say: "Hi {{first_name|there}}, {{ref|your invoice}} is still open."
  - name: bring something useful after a long silence
    trigger: silence
    action: auto_email
    priority: 20
    say: "Hi {{first_name|there}}, here is something useful."
YAML
cat >contacts.csv <<'CSV'
key,name,email,phone,owner,tz
W1,Wes Web,wes@example.com,+44 20 5550 0001,ana,Europe/London
W2,Wil Web,wil@example.com,+44 20 5550 0002,ana,Europe/London
I1,Ina Invoice,ina@example.com,,ana,Europe/London
U1,Una Unsub,una@example.com,,ana,Europe/London
CSV
cat >events.csv <<'CSV'
id,type,contact,time,amount,ref,due
L1,lead,W1,2026-11-25T08:50:00Z,,,
L2,lead,W2,2026-11-25T08:50:00Z,,,
V1,invoice,I1,2026-10-01T10:00:00Z,120.00,INV-7,2026-10-31T00:00:00Z
P1,purchase,U1,2026-09-01T10:00:00Z,30.00,O-1,
CSV
fu init >/dev/null
fu playbook use pb.yaml >/dev/null
fu import contacts contacts.csv >/dev/null
fu import events events.csv >/dev/null
echo 1 >hooks/fail
fu send >out
cat out
expect_grep "^3 sent, 1 deferred" out
EOT

test_expect_success 'a webhook arrives signed, its identity as the idempotency key' - <<\EOT
expect_eq "$(grep -c '^ok ' hooks/received.log)" 1 "webhooks received"
expect_eq "$(grep -c badsig hooks/received.log || true)" 0 "bad signatures"
key=$(cut -d' ' -f2 hooks/received.log)
echo "$key" | grep -q '^c[0-9]*-[0-9a-f]\{16\}$'
expect_grep '"type":"followup.message"' hooks/body-1.json
expect_grep '"text":"Hi W' hooks/body-1.json
EOT

test_expect_success 'the webhook that got a 503 is deferred, then goes once' - <<\EOT
fu outbox >out
expect_grep "deferred.*W[12]" out
expect_grep "HTTP 503" out
FOLLOWUP_NOW=2026-11-25T09:06:00Z fu send >out
expect_grep "^1 sent" out
expect_eq "$(grep -c '^ok ' hooks/received.log)" 2 "webhooks received"
expect_eq "$(sort hooks/received.log | uniq -d | wc -l)" 0 "keys received twice"
EOT

test_expect_success 'transactional e-mail has no unsubscribe; marketing has link and headers' - <<\EOT
expect_eq "$(received)" 2 "e-mails received"
inv=$(grep -l 'To: Ina Invoice' smtp/msg-*.eml)
expect_eq "$(grep -c List-Unsubscribe "$inv" || true)" 0 "unsubscribe headers on the invoice"
un=$(grep -l 'To: Una Unsub' smtp/msg-*.eml)
expect_grep '^List-Unsubscribe: <https://northwind.example/unsubscribe?token=[0-9]*-e-[0-9a-f]\{32\}>' "$un"
expect_grep '^List-Unsubscribe-Post: List-Unsubscribe=One-Click' "$un"
expect_grep 'To get no more of these messages' "$un"
sed -n 's/^List-Unsubscribe: <.*token=\([^>]*\)>.*/\1/p' "$un" >token
EOT

test_expect_success 'a forged token is refused; the real one records an opt-out, once' - <<\EOT
token=$(cat token)
# the same token with its last digit changed
case $token in *0) bad="${token%?}1" ;; *) bad="${token%?}0" ;; esac
expect_fail 1 fu unsubscribe "$bad"
expect_grep "the token is not valid" err
expect_fail 1 fu unsubscribe "1-e-0123456789abcdef0123456789abcdef"
fu unsubscribe "$token" >out
expect_grep "U1: opted out (recorded)" out
fu unsubscribe "$token" >out
expect_grep "already opted out" out
fu show U1 --json >u.json
expect_eq "$(sqlite3 :memory: "SELECT count(*) FROM json_each(json_extract(readfile('u.json'), '\$.events')) WHERE json_extract(value, '\$.type') = 'opt_out'")" 1 "opt_out events"
expect_eq "$(json_get u.json '$.state.opted_out_email')" 1 "opted_out_email"
EOT

test_done
