# SMTP with TLS and a login, against real servers (tests/e2e/smtpd.py) with a certificate made
# here: STARTTLS + AUTH, a wrong password, implicit TLS, a certificate not trusted, STARTTLS
# required from a server without it.
. "$TESTS_DIR/e2e/lib.sh"
. "$TESTS_DIR/e2e/smtp-lib.sh"

# a self-signed certificate for 127.0.0.1, made for this run only
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout key.pem -out cert.pem >openssl.log 2>&1 || { echo "not ok - openssl req failed"; cat openssl.log; exit 1; }
export SMTPD_CERT="$PWD/cert.pem" SMTPD_KEY="$PWD/key.pem" SMTPD_AUTH=shop:s3cret-pw
SMTPD_TLS=starttls start_smtpd starttls
SMTPD_TLS=implicit start_smtpd implicit
SMTPD_AUTH= start_smtpd plain
unset FOLLOWUP_SMTP_URL FOLLOWUP_SMTP_TLS
export FOLLOWUP_MAIL_FROM=hello@northwind.example

# conf FILE URL TLS [CA]: a send settings file for the server at URL
conf() {
	{
		echo "smtp_url = $2"
		echo "smtp_tls = $3"
		echo "smtp_user = shop"
		echo "smtp_password = s3cret-pw"
		[ -z "${4:-}" ] || echo "smtp_ca_file = $4"
	} >"$1"
	chmod 600 "$1"
}
# state ID: the message's state in the outbox
state() { fu outbox --all --json >ob.json; sqlite3 :memory: "SELECT json_extract(value, '\$.state') FROM json_each(readfile('ob.json')) WHERE json_extract(value, '\$.contact') = '$1'"; }
# got DIR KEY: how many messages to KEY the server in DIR took
got() { cat "$1/received.log" 2>/dev/null | grep -c "$2@" || true; }

test_expect_success 'setup: four new leads whose auto-reply is due' - <<\EOT
{
	echo "key,name,email,tz"
	for k in A1 A2 A3 A4 A5; do echo "$k,Amy $k,$(echo $k | tr A a)@example.com,Europe/London"; done
} >contacts.csv
printf 'id,type,contact,time\nL1,lead,A1,2026-11-25T08:50:00Z\nL5,lead,A5,2026-11-25T08:50:00Z\n' >events.csv
fu_load
conf st.conf "smtp://127.0.0.1:$(cat starttls/port)" starttls "$PWD/cert.pem"
conf im.conf "smtps://127.0.0.1:$(cat implicit/port)" starttls "$PWD/cert.pem"
EOT

test_expect_success 'STARTTLS and a login: sent, over TLS, logged in as shop, one connection for both' - <<\EOT
fu send --config st.conf >out
expect_grep "^2 sent" out
expect_eq "$(got starttls a1)$(got starttls a5)" 11 "received"
expect_eq "$(cut -f2,3 starttls/sessions.log | sort -u)" "$(printf 'tls\tshop')" "the sessions"
expect_eq "$(cut -f4 starttls/sessions.log | sort -u | wc -l)" 1 "connections"
EOT

test_expect_success 'a wrong password: a clear error, the message deferred (goes once the password is right)' - <<\EOT
fu event lead A2 --time 2026-11-25T08:50:00Z >/dev/null
FOLLOWUP_SMTP_PASSWORD=wrong-pw expect_fail 1 fu send --config st.conf
expect_grep "send settings: the server refused the login of smtp_user 'shop' (535 5.7.8 .*): check smtp_user and smtp_password" err
expect_eq "$(state A2)" deferred "state"
expect_eq "$(got starttls a2)" 0 "received"
expect_eq "$(grep -c wrong-pw err out || true)" "$(printf 'err:0\nout:0')" "the password in a message"
FOLLOWUP_NOW=2026-11-25T09:06:00Z fu send --config st.conf >out
expect_grep "^1 sent" out
expect_eq "$(got starttls a2)" 1 "received"
EOT

test_expect_success 'implicit TLS (smtps://) and a login: sent' - <<\EOT
fu event lead A3 --time 2026-11-25T08:50:00Z >/dev/null
fu send --config im.conf >out
expect_grep "^1 sent" out
expect_eq "$(got implicit a3)" 1 "received"
expect_eq "$(cut -f2,3 implicit/sessions.log)" "$(printf 'tls\tshop')" "the session"
EOT

test_expect_success 'a certificate not trusted: nothing sent, a clear error, the message waits' - <<\EOT
fu event lead A4 --time 2026-11-25T08:50:00Z >/dev/null
conf nca.conf "smtp://127.0.0.1:$(cat starttls/port)" starttls
expect_fail 1 fu send --config nca.conf
expect_grep "the server's certificate is not trusted (.*): if it is right, give its CA's certificate as smtp_ca_file" err
conf nca2.conf "smtps://127.0.0.1:$(cat implicit/port)" starttls
FOLLOWUP_NOW=2026-11-25T09:06:00Z expect_fail 1 fu send --config nca2.conf
expect_grep "the server's certificate is not trusted" err
expect_eq "$(got starttls a4)$(got implicit a4)" 00 "received"
expect_eq "$(state A4)" deferred "state"
EOT

test_expect_success 'STARTTLS required and not offered: a clear error, nothing sent' - <<\EOT
conf pl.conf "smtp://127.0.0.1:$(cat plain/port)" starttls "$PWD/cert.pem"
FOLLOWUP_NOW=2026-11-25T09:20:00Z expect_fail 1 fu send --config pl.conf
expect_grep "the server offers no STARTTLS, which smtp_tls starttls or a password requires" err
expect_eq "$(got plain a4)" 0 "received"
EOT

test_expect_success 'smtp_tls none with a password is refused (it would go in clear text)' - <<\EOT
conf plain.conf "smtp://127.0.0.1:$(cat starttls/port)" none
expect_fail 1 fu send --config plain.conf
expect_grep "smtp_tls none with a password would send it in clear text" err
EOT

test_done
