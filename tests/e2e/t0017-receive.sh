# followup receive: replies, automatic answers and bounces come back from a real IMAP server
# (Debian's dovecot, a private instance, over TLS), each handled once, even across a kill -9;
# the password never goes in clear text and the server's certificate is always checked.
. "$TESTS_DIR/e2e/lib.sh"
. "$TESTS_DIR/e2e/smtp-lib.sh"
. "$TESTS_DIR/e2e/imap-lib.sh"
start_smtpd smtp
start_imapd imap

# events KEY TYPE: the number of events of that type on KEY's timeline (from show --json)
events() {
	fu show "$1" --json >ev.json
	sqlite3 :memory: "SELECT count(*) FROM json_each(json_extract(readfile('ev.json'), '\$.events')) WHERE json_extract(value, '\$.type') = '$2'"
}
# ev_field KEY TYPE FIELD: FIELD of KEY's last event of that type
ev_field() {
	fu show "$1" --json >ev.json
	sqlite3 :memory: "SELECT json_extract(value, '\$.$3') FROM json_each(json_extract(readfile('ev.json'), '\$.events')) WHERE json_extract(value, '\$.type') = '$2' ORDER BY key DESC LIMIT 1"
}
# msgid KEY: the Message-ID (without <>) of the message the SMTP server took for KEY's address
msgid() {
	m=$(grep -l "^To: .*<$1@example.com>" smtp/msg-*.eml | head -1)
	sed -n 's/^Message-ID: <\(.*\)>\r\{0,1\}$/\1/p' "$m"
}
# reasons KEY: the triggers of KEY's follow-up in the agenda, space-separated
reasons() {
	fu agenda --all --json >ag.json
	sqlite3 :memory: "SELECT group_concat(json_extract(r.value, '\$.trigger'), ' ') FROM json_each(readfile('ag.json')) f, json_each(json_extract(f.value, '\$.reasons')) r WHERE json_extract(f.value, '\$.contact') = '$1'"
}

test_expect_success 'setup: four contacts get an automatic message by SMTP (three leads, a purchase)' - <<\EOT
cat >contacts.csv <<'CSV'
key,name,email,owner,tz
S1,Sam Smith,sam@example.com,ana,Europe/London
A1,Al Away,al@example.com,ana,Europe/London
B1,Bo Bounce,bo@example.com,ben,Europe/London
C1,Cy Direct,cy@example.com,ben,Europe/London
CSV
cat >events.csv <<'CSV'
id,type,contact,time
L1,lead,S1,2026-11-25T08:50:00Z
L2,lead,A1,2026-11-25T08:50:00Z
L3,lead,B1,2026-11-25T08:50:00Z
P1,purchase,C1,2026-10-01T10:00:00Z
CSV
fu_load
fu send >out
expect_grep "^4 sent" out
expect_eq "$(msgid sam | grep -c '^fu\.c[0-9]*-[0-9a-f]\{16\}@northwind\.example$')" 1 "Sam's Message-ID"
EOT

export FOLLOWUP_NOW=2026-11-25T11:00:00Z

test_expect_success 'an empty mailbox: nothing read, nothing recorded' - <<\EOT
fu receive >out
expect_grep "^0 read" out
EOT

test_expect_success 'a reply to a sent message, from another address, is a reply of the right contact' - <<\EOT
cat >m1.eml <<MAIL
From: Sam Smith <sam.private@mail.example>
To: ana@northwind.example
Subject: Re: Thank you for getting in touch
Message-ID: <reply-1@mail.example>
In-Reply-To: <$(msgid sam)>
References: <$(msgid sam)>
Date: Wed, 25 Nov 2026 10:30:00 +0000
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

Yes, please send the price list =E2=80=93 we need 40 units by Friday.

Sam

On Wed, 25 Nov 2026 at 09:00, ana at Northwind Supplies <hello@northwind.example> wrote:
> Hi Sam,
> thank you for getting in touch.
MAIL
deliver m1.eml
fu receive >out
expect_grep "^reply .*S1 <sam.private@mail.example>.*answers our message" out
expect_grep "^1 read: 1 replies" out
expect_eq "$(events S1 reply)" 1 "Sam's replies"
expect_eq "$(ev_field S1 reply note)" "$(printf 'Yes, please send the price list \342\200\223 we need 40 units by Friday.\n\nSam')" "the words, quoted history trimmed"
expect_eq "$(ev_field S1 reply time)" "2026-11-25T10:30:00Z" "the reply's time"
EOT

test_expect_success 'the agenda shows the reply follow-up with their words' - <<\EOT
expect_eq "$(reasons S1)" "reply" "Sam's reasons"
fu agenda --all >ag.txt
expect_grep 'reply: they got in touch on 2026-11-25: "Yes, please send the price list' ag.txt
EOT

test_expect_success "a message from a contact's address, naming none of ours, is their reply" - <<\EOT
cat >m2.eml <<'MAIL'
From: "Cy Direct" <CY@example.com>
To: ben@northwind.example
Subject: =?UTF-8?B?UmVvcmRlciDinJM=?=
Message-ID: <cy-1@example.com>
Date: Wed, 25 Nov 2026 10:40:00 +0000
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: base64

Q2FuIEkgcmVvcmRlciB0aGUgc2FtZSBhcyBsYXN0IHRpbWU/Cg==
--b1
Content-Type: text/html; charset=UTF-8

<p>Can I reorder the same as last time?</p>
--b1--
MAIL
deliver m2.eml
fu receive >out
expect_grep "^reply .*C1 <CY@example.com>.*from the contact's address" out
expect_eq "$(ev_field C1 reply note)" "Can I reorder the same as last time?" "decoded base64 text part"
expect_eq "$(reasons C1)" "reply" "Cy's reasons"
EOT

test_expect_success 'an automatic answer is kept as such and fires no reply trigger' - <<\EOT
cat >m3.eml <<MAIL
From: Al Away <al@example.com>
To: ana@northwind.example
Subject: Automatic reply: Thank you for getting in touch
Message-ID: <ooo-1@example.com>
In-Reply-To: <$(msgid al)>
Auto-Submitted: auto-replied
X-Autoreply: yes
Date: Wed, 25 Nov 2026 09:01:00 +0000

I am out of the office until 1 December.
MAIL
before=$(reasons A1)
deliver m3.eml
fu receive >out
expect_grep "^automatic .*A1.*Auto-Submitted: auto-replied" out
expect_eq "$(ev_field A1 reply outcome)" "automatic" "the reply's outcome"
expect_eq "$(reasons A1)" "$before" "Al's reasons, unchanged"
case " $(reasons A1) " in *" reply "*) echo "an autoreply fired the reply trigger"; exit 1 ;; esac
expect_eq "$(json_get ev.json '$.state.last_touch_in')" "2026-11-25T08:50:00Z" "last_touch_in (not the autoreply)"
EOT

test_expect_success 'a delivery status notification is a bounce of the message it names' - <<\EOT
cat >m4.eml <<MAIL
From: Mail Delivery System <MAILER-DAEMON@mx.example>
To: hello@northwind.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@mx.example>
Date: Wed, 25 Nov 2026 09:02:00 +0000
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"

--dsn
Content-Type: text/plain

I could not deliver your message to bo@example.com.

--dsn
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; bo@example.com
Original-Recipient: rfc822;bo@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <bo@example.com>: Recipient address rejected

--dsn
Content-Type: text/rfc822-headers

From: ben at Northwind Supplies <hello@northwind.example>
To: Bo Bounce <bo@example.com>
Subject: Thank you for getting in touch
Message-ID: <$(msgid bo)>

--dsn--
MAIL
deliver m4.eml
fu receive >out
expect_grep "^bounce .*B1.*delivery of our message" out
expect_eq "$(events B1 bounce)" 1 "Bo's bounces"
expect_eq "$(ev_field B1 bounce ref)" "bo@example.com" "the bounced address"
fu outbox --all --json >ob.json
expect_eq "$(sqlite3 :memory: "SELECT json_extract(value, '\$.state') FROM json_each(readfile('ob.json')) WHERE json_extract(value, '\$.contact') = 'B1'")" "bounced" "Bo's message"
EOT

test_expect_success 'a stranger naming none of our messages is left alone and counted' - <<\EOT
cat >m5.eml <<'MAIL'
From: Offers <deals@spam.example>
To: hello@northwind.example
Subject: Cheap watches
Message-ID: <spam-1@spam.example>
Date: Wed, 25 Nov 2026 09:03:00 +0000

Buy now.
MAIL
n=$(sqlite3 test.db 'SELECT count(*) FROM events')
deliver m5.eml
fu receive >out
expect_grep "^1 read: 0 replies, 0 automatic, 0 bounces, 0 notices, 1 unknown" out
expect_eq "$(sqlite3 test.db 'SELECT count(*) FROM events')" "$n" "events"
EOT

test_expect_success 'the messages stay in the mailbox, unread as they came' - <<\EOT
imap_flags >flags
cat flags
expect_eq "$(grep -c FETCH flags)" 5 "messages in the mailbox"
expect_eq "$(grep -c 'Seen' flags || true)" 0 "messages marked read"
EOT

test_expect_success 'receiving again adds nothing; forgetting the UIDs seen adds nothing either' - <<\EOT
n=$(sqlite3 test.db 'SELECT count(*) FROM events')
fu receive >out
expect_grep "^0 read" out
# as after a crash between recording a message and remembering its UID
sqlite3 test.db "DELETE FROM meta WHERE key LIKE 'receive/%'"
fu receive >out
expect_grep "^5 read: 0 replies, 0 automatic, 0 bounces, 0 notices, 1 unknown (left alone), 0 ours, 4 already recorded" out
expect_eq "$(sqlite3 test.db 'SELECT count(*) FROM events')" "$n" "events"
EOT

test_expect_success '--dry-run says what each message is and records nothing; --json' - <<\EOT
cat >m6.eml <<'MAIL'
From: sam@example.com
Subject: one more thing
Message-ID: <reply-2@mail.example>
Date: Wed, 25 Nov 2026 10:50:00 +0000

Also 10 boxes of the blue ones, please.
MAIL
deliver m6.eml
n=$(sqlite3 test.db 'SELECT count(*) FROM events')
fu receive --dry-run --json >dry.json
expect_eq "$(json_get dry.json '$.dry_run')" 1 "dry_run"
expect_eq "$(json_get dry.json '$.messages[0].verdict')" "reply" "verdict"
expect_eq "$(json_get dry.json '$.messages[0].contact')" "S1" "contact"
expect_eq "$(sqlite3 test.db 'SELECT count(*) FROM events')" "$n" "events after a dry run"
fu receive --json >real.json
expect_eq "$(json_get real.json '$.totals.reply')" 1 "replies"
expect_eq "$(events S1 reply)" 2 "Sam's replies"
EOT

test_expect_success 'a message over 1 MiB is read cut, its words kept to the cap' - <<\EOT
{
	printf 'From: cy@example.com\nSubject: a long one\nMessage-ID: <long-1@example.com>\n'
	printf 'Date: Wed, 25 Nov 2026 10:55:00 +0000\n\n'
	i=0
	while [ $i -lt 20000 ]; do echo "line $i of a very long message that goes on and on and on"; i=$((i + 1)); done
} >m7.eml
deliver m7.eml
fu receive >out
expect_grep "^reply .*C1.*(cut to the size limits)" out
len=$(ev_field C1 reply note | wc -c)
[ "$len" -le 2001 ] || { echo "the note is $len bytes"; exit 1; }
expect_grep '\[\.\.\.\]' ev.json
EOT

test_expect_success 'kill -9 in the middle of passes, then a full pass: each message once' - <<\EOT
i=0
while [ $i -lt 30 ]; do
	printf 'From: cy@example.com\nSubject: note %d\nMessage-ID: <many-%d@example.com>\nDate: Wed, 25 Nov 2026 10:%02d:00 +0000\n\nnumber %d\n' $i $i $((i % 60)) $i >many.eml
	deliver many.eml
	i=$((i + 1))
done
before=$(events C1 reply)
seed=11
kills=0
while [ $kills -lt 12 ]; do
	"$FOLLOWUP_BIN" receive >/dev/null 2>&1 &
	pid=$!
	seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
	ms=$(( 250 + seed / 65536 % 500 ))
	sleep "0.$(printf '%03d' $ms)"
	kill -9 $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	kills=$((kills + 1))
done
fu receive >out
expect_eq "$(events C1 reply)" $((before + 30)) "Cy's replies after the kills"
expect_eq "$(sqlite3 test.db "SELECT count(*) - count(DISTINCT ext_id) FROM events WHERE ext_id LIKE 'mail/%'")" 0 "repeated event ids"
fu receive >out
expect_grep "^0 read" out
EOT

test_expect_success 'a backlog of 300 messages is read in one pass (within the limits of libcurl)' - <<\EOT
i=0
while [ $i -lt 300 ]; do
	printf 'From: cy@example.com\nSubject: backlog %d\nMessage-ID: <backlog-%d@example.com>\n\nnumber %d\n' $i $i $i >b.eml
	deliver b.eml
	i=$((i + 1))
done
before=$(events C1 reply)
fu receive >out
expect_grep "^300 read: 300 replies" out
expect_eq "$(events C1 reply)" $((before + 300)) "Cy's replies"
EOT

test_expect_success 'no mailbox set: a clear message, exit 1' - <<\EOT
expect_fail 1 env FOLLOWUP_IMAP_URL= "$FOLLOWUP_BIN" receive
expect_grep "no imap_url" err
EOT

test_expect_success 'a wrong password: the login refused, exit 1, nothing remembered' - <<\EOT
expect_fail 1 env FOLLOWUP_IMAP_PASSWORD=wrong "$FOLLOWUP_BIN" receive
expect_grep "login was refused" err
EOT

test_expect_success 'implicit TLS (imaps://) reads the mailbox too' - <<\EOT
FOLLOWUP_IMAP_URL="imaps://127.0.0.1:$IMAPD_TLS_PORT/INBOX" FOLLOWUP_IMAP_TLS= fu receive >out
expect_grep "read: " out
EOT

test_expect_success 'a certificate not trusted: refused with the setting to fix, nothing recorded' - <<\EOT
before=$(events C1 reply)
expect_fail 1 env FOLLOWUP_IMAP_CA_FILE= "$FOLLOWUP_BIN" receive
expect_grep "the server's certificate is not trusted (.*): if it is right, give its CA's certificate as imap_ca_file" err
expect_eq "$(events C1 reply)" "$before" "Cy's replies"
EOT

test_expect_success 'imap_tls none with a password is refused before connecting (clear text)' - <<\EOT
n=$(grep -c "Login: user=<shop>" "$IMAPD_DIR/dovecot.log" || true)
expect_fail 1 env FOLLOWUP_IMAP_TLS=none "$FOLLOWUP_BIN" receive
expect_grep "imap_tls none with a password would send it in clear text" err
expect_eq "$(grep -c "Login: user=<shop>" "$IMAPD_DIR/dovecot.log" || true)" "$n" "logins"
EOT

test_expect_success 'imap_tls try with a password still requires TLS (a plain-text server is refused)' - <<\EOT
# a listener that never offers STARTTLS: a python one-liner speaking just the greeting and CAPABILITY
cat >plain-imap.py <<'PY'
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
c, _ = s.accept(); f = c.makefile("rwb")
f.write(b"* OK plain server\r\n"); f.flush()
for line in f:
    tag = line.split(b" ")[0]
    if b"CAPABILITY" in line.upper():
        f.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
    elif b"LOGIN" in line.upper() or b"AUTHENTICATE" in line.upper():
        open(sys.argv[1] + ".login", "w").write("got a login in clear text")
        f.write(tag + b" OK logged in\r\n")
    else:
        f.write(tag + b" BAD no\r\n")
    f.flush()
PY
rm -f plain.port plain.port.login
/usr/bin/python3 plain-imap.py plain.port &
i=0; while [ ! -s plain.port ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
expect_fail 1 env FOLLOWUP_IMAP_URL="imap://127.0.0.1:$(cat plain.port)/INBOX" FOLLOWUP_IMAP_TLS=try "$FOLLOWUP_BIN" receive
expect_grep "the server offers no STARTTLS, which imap_tls starttls or a password requires" err
kill %1 2>/dev/null || true
expect_eq "$(cat plain.port.login 2>/dev/null)" "" "what the plain server got"
EOT

test_done
