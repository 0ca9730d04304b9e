# serve-lib.sh - followup serve for a test (sourced after lib.sh), on a free port of 127.0.0.1
# with the test's database; $SERVER is its pid, $PORT its port and $BASE its address
# (http:// or https://, as it says when it listens). The caller stops it (kill, kill -9 in
# the crash tests, or stop_serve).
#   serve_start [ARGS...]      in a case: its log in server.log; returns 1 if it does not start
#   start_serve LOG [ARGS...]  outside the cases: its log in LOG; ends the script if it does
#                              not start, and exports SERVER, PORT and BASE for the cases
#   stop_serve                 SIGTERM, then waits: its exit status in ./server.status
serve_listen() {
	log=$1
	shift
	"$FOLLOWUP_BIN" serve --listen 127.0.0.1:0 "$@" 2>>"$log" &
	SERVER=$!
	BASE=""
	for i in $(seq 1 100); do
		BASE=$(sed -n 's|.*listening on \(https*://127.0.0.1:[0-9]*\) .*|\1|p' "$log" | tail -n 1)
		[ -n "$BASE" ] && break
		kill -0 $SERVER 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$BASE" ] || { echo "the server did not start:"; cat "$log"; return 1; }
	PORT=${BASE##*:}
}

serve_start() {
	: >server.log
	serve_listen server.log "$@"
}

start_serve() {
	: >"$1"
	serve_listen "$@" || { echo "not ok - the server did not start"; exit 1; }
	export SERVER PORT BASE
}

stop_serve() {
	kill -TERM $SERVER
	wait $SERVER
	echo $? >server.status
	SERVER=""
}
