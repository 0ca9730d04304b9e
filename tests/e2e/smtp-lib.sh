# smtp-lib.sh - real servers for a test (sourced after lib.sh, outside the cases):
# start_smtpd DIR (tests/e2e/smtpd.py) and start_webhookd DIR SECRET (webhookd.py), each on
# a free port of 127.0.0.1, stopped when the script ends; the send settings point at them.
SERVER_PY=/usr/bin/python3
[ -x "$SERVER_PY" ] || SERVER_PY=python3
SERVER_PIDS=""
trap 'kill $SERVER_PIDS 2>/dev/null; test_at_exit' EXIT

# start_server DIR SCRIPT ARGS...: runs SCRIPT DIR ARGS in the background until DIR/port appears
start_server() {
	dir=$1
	script=$2
	shift 2
	mkdir -p "$dir"
	"$SERVER_PY" "$TESTS_DIR/e2e/$script" "$dir" "$@" >"$dir.log" 2>&1 &
	pid=$!
	SERVER_PIDS="$SERVER_PIDS $pid"
	i=0
	while [ ! -s "$dir/port" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
			echo "not ok - the test server $script did not start:"
			sed 's/^/#	/' "$dir.log"
			exit 1
		fi
		sleep 0.1
	done
}

start_smtpd() {
	start_server "$1" smtpd.py
	export FOLLOWUP_SMTP_URL="smtp://127.0.0.1:$(cat "$1/port")"
	export FOLLOWUP_MAIL_FROM="hello@northwind.example"
	export FOLLOWUP_SMTP_TLS=none
	export FOLLOWUP_SEND_CONFIG=
	export HOME="$PWD"
}

start_webhookd() {
	start_server "$1" webhookd.py "$2"
	export FOLLOWUP_WEBHOOK_URL="http://127.0.0.1:$(cat "$1/port")/hooks/followup"
	export FOLLOWUP_WEBHOOK_SECRET="$2"
}

# received N: the number of messages the SMTP server in ./smtp took
received() { if [ -e smtp/received.log ]; then wc -l <smtp/received.log; else echo 0; fi; }
