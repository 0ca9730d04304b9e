# imap-lib.sh - a real IMAP server for a test (sourced after lib.sh, outside the cases):
# start_imapd DIR runs Debian's dovecot as a private instance on two free ports of
# 127.0.0.1 (IMAPD_PORT: STARTTLS required; IMAPD_TLS_PORT: implicit TLS), with its own
# configuration, password file, Maildir, log and a certificate made for this run
# (DIR/cert.pem, for 127.0.0.1) in DIR and nothing of the system's; stopped when the script
# ends. A login is never taken without TLS. The send settings point at its INBOX over
# STARTTLS (user shop, password secret, imap_ca_file DIR/cert.pem). deliver FILE puts a message into the mailbox as a mail server would
# (into the Maildir's new/, unread).
DOVECOT=/usr/sbin/dovecot
IMAPD_DIR=""
trap 'kill ${SERVER_PIDS:-} 2>/dev/null; [ -n "$IMAPD_DIR" ] && [ -s "$IMAPD_DIR/run/master.pid" ] && kill "$(cat "$IMAPD_DIR/run/master.pid")" 2>/dev/null; test_at_exit' EXIT

# a port nobody listens on now
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_imapd() {
	[ -x "$DOVECOT" ] || skip_all "dovecot is not installed (Debian's dovecot-imapd; 'make deps' installs it)"
	d=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	IMAPD_DIR=$d
	mkdir -p "$d/run" "$d/mail/shop/cur" "$d/mail/shop/new" "$d/mail/shop/tmp"
	port=$(free_port)
	tls_port=$(free_port)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$d/key.pem" -out "$d/cert.pem" >"$d/openssl.log" 2>&1 || {
		echo "not ok - openssl req failed:"
		sed 's/^/#	/' "$d/openssl.log"
		exit 1
	}
	if [ "$(id -u)" -eq 0 ]; then
		# dovecot will not run its login or mail processes as root: its own users do
		login=dovenull internal=dovecot
		uid=$(id -u dovecot) gid=$(id -g dovecot)
		chown -R dovecot:dovecot "$d/mail"
		chmod 755 "$PWD" "$d"
	else
		login=$(id -un) internal=$(id -un)
		uid=$(id -u) gid=$(id -g)
	fi
	echo "shop:{PLAIN}secret::::::" >"$d/passwd"
	cat >"$d/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $d/run
state_dir = $d/state
instance_name = followup-test-$port
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
ssl = required
ssl_cert = <$d/cert.pem
ssl_key = <$d/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = $internal
default_internal_group = $internal
default_login_user = $login
first_valid_uid = 1
mail_location = maildir:$d/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $d/passwd
  default_fields = uid=$uid gid=$gid home=$d/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $tls_port
    ssl = yes
  }
}
service anvil {
  chroot =
}
CONF
	if [ "$(id -u)" -ne 0 ]; then
		sed -i '/^default_internal_group/d' "$d/dovecot.conf"
	fi
	"$DOVECOT" -c "$d/dovecot.conf" >"$d/start.log" 2>&1 || {
		echo "not ok - dovecot did not start:"
		sed 's/^/#	/' "$d/start.log" "$d/dovecot.log" 2>/dev/null
		exit 1
	}
	i=0
	until curl -s -o /dev/null --ssl-reqd --cacert "$d/cert.pem" "imap://127.0.0.1:$port/" -u shop:secret -X NOOP; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "not ok - dovecot does not answer on port $port:"
			sed 's/^/#	/' "$d/dovecot.log"
			exit 1
		fi
		sleep 0.1
	done
	export FOLLOWUP_IMAP_URL="imap://127.0.0.1:$port/INBOX"
	export FOLLOWUP_IMAP_USER=shop
	export FOLLOWUP_IMAP_PASSWORD=secret
	export FOLLOWUP_IMAP_TLS=starttls
	export FOLLOWUP_IMAP_CA_FILE="$d/cert.pem"
	export FOLLOWUP_SEND_CONFIG=
	export HOME="$PWD"
	IMAPD_PORT=$port
	IMAPD_TLS_PORT=$tls_port
}

# deliver FILE: the message (LF lines are fine) into the Maildir, new and unread, under a
# name of its own (counted in a file: each case runs in a subshell of its own)
deliver() {
	deliver_n=$(($(cat "$IMAPD_DIR/delivered" 2>/dev/null || echo 0) + 1))
	echo "$deliver_n" >"$IMAPD_DIR/delivered"
	name="$(date +%s).M${deliver_n}P$$.test"
	sed 's/$/\r/' "$1" >"$IMAPD_DIR/mail/shop/tmp/$name"
	[ "$(id -u)" -ne 0 ] || chown dovecot:dovecot "$IMAPD_DIR/mail/shop/tmp/$name"
	mv "$IMAPD_DIR/mail/shop/tmp/$name" "$IMAPD_DIR/mail/shop/new/$name"
}

# imap_flags: "UID FLAGS" lines of every message in the mailbox
imap_flags() {
	curl -s --ssl-reqd --cacert "$IMAPD_DIR/cert.pem" -u shop:secret "imap://127.0.0.1:$IMAPD_PORT/INBOX" -X 'UID FETCH 1:* (FLAGS)'
}
