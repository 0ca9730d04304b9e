#!/bin/sh
# send.sh - followup send against a local SMTP server (tests/e2e/smtpd.py, aiosmtpd), next to
# a plain client (curl, one process per message) taking the same messages from the same server
# in the same run. N messages (default 10000): one due auto-reply per new lead.
#   N=10000 bench/send.sh          (after `make`; figures go in bench/README.md)
#   TLS=1 N=10000 bench/send.sh    the same over STARTTLS with a login (AUTH PLAIN), for both
#                                  clients; a self-signed certificate made for the run
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${FOLLOWUP_BIN:-$here/followup}
N=${N:-10000}
CURL_N=${CURL_N:-1000}
TLS=${TLS:-}
py=/usr/bin/python3
calc() { awk "BEGIN { printf \"%.1f\", $1 }"; }
work=$(mktemp -d)
trap 'kill $spid 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
mkdir smtp
curl_tls=""
if [ -n "$TLS" ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout key.pem -out cert.pem >/dev/null 2>&1
	export SMTPD_TLS=starttls SMTPD_CERT="$work/cert.pem" SMTPD_KEY="$work/key.pem"
	export SMTPD_AUTH=shop:bench-pw
	curl_tls="--ssl-reqd --cacert $work/cert.pem --user shop:bench-pw"
fi
SMTPD_NOSTORE=1 $py "$here/tests/e2e/smtpd.py" smtp >smtpd.log 2>&1 &
spid=$!
while [ ! -s smtp/port ]; do sleep 0.1; done
port=$(cat smtp/port)
export FOLLOWUP_DB="$work/b.db" FOLLOWUP_NOW=2026-11-25T09:00:00Z
export FOLLOWUP_SMTP_URL="smtp://127.0.0.1:$port" FOLLOWUP_MAIL_FROM=hello@northwind.example
export FOLLOWUP_SMTP_TLS=none FOLLOWUP_SEND_CONFIG= HOME="$work"
if [ -n "$TLS" ]; then
	export FOLLOWUP_SMTP_TLS=starttls FOLLOWUP_SMTP_CA_FILE="$work/cert.pem"
	export FOLLOWUP_SMTP_USER=shop FOLLOWUP_SMTP_PASSWORD=bench-pw
fi
$py - "$N" <<'PY'
import sys
n = int(sys.argv[1])
with open("contacts.csv", "w") as f:
    f.write("key,name,email,tz\n")
    for i in range(n):
        f.write("K%d,Kim %d,kim%d@example.com,Europe/London\n" % (i, i, i))
with open("events.csv", "w") as f:
    f.write("id,type,contact,time\n")
    for i in range(n):
        f.write("L%d,lead,K%d,2026-11-25T08:50:00Z\n" % (i, i))
PY
"$bin" init >/dev/null
"$bin" import contacts contacts.csv >/dev/null
"$bin" import events events.csv >/dev/null

s0=$(date +%s.%N)
/usr/bin/time -f "%M" -o rss "$bin" send >out
s1=$(date +%s.%N)
sent=$(sed -n 's/^\([0-9]*\) sent.*/\1/p' out)
echo "followup send: $sent of $N messages in $(calc "$s1 - $s0") s:" \
	"$(calc "$sent / ($s1 - $s0)") messages/s, peak RSS $(cat rss) KiB"

# the plain client: the same kind of message, one curl process and connection per message
"$bin" outbox --all --json >/dev/null
head -c 2000 /dev/zero | tr '\0' 'x' | fold -w 70 >body.txt
{ printf 'From: hello@northwind.example\r\nTo: kim@example.com\r\nSubject: Thank you\r\n'
  printf 'Message-ID: <plain@northwind.example>\r\n\r\n'; sed 's/$/\r/' body.txt; } >msg.eml
c0=$(date +%s.%N)
i=0
while [ $i -lt "$CURL_N" ]; do
	# shellcheck disable=SC2086
	curl -sS $curl_tls --url "smtp://127.0.0.1:$port" --mail-from hello@northwind.example \
		--mail-rcpt "kim$i@example.com" -T msg.eml
	i=$((i + 1))
done
c1=$(date +%s.%N)
echo "curl in a loop: $CURL_N messages in $(calc "$c1 - $c0") s:" \
	"$(calc "$CURL_N / ($c1 - $c0)") messages/s"
echo "the server took $(wc -l <smtp/received.log) messages in all"
