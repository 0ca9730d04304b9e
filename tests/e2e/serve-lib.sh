# serve-lib.sh - followup serve for a test (sourced after lib.sh): serve_start [ARGS...] starts
# it on a free port of 127.0.0.1 with the test's database (its pid in $SERVER, its address in
# $BASE, its log in server.log); the caller stops it (kill, or kill -9 in the crash tests).
serve_start() {
	: >server.log
	"$FOLLOWUP_BIN" serve --listen 127.0.0.1:0 "$@" 2>>server.log &
	SERVER=$!
	for i in $(seq 1 100); do
		PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' server.log)
		[ -n "$PORT" ] && break
		sleep 0.1
	done
	[ -n "$PORT" ] || { echo "the server did not start:"; cat server.log; return 1; }
	BASE="http://127.0.0.1:$PORT"
}
