# Issue 11: kill -9 the server in the middle of a large batch POST, many times. Each batch
# is stored whole or not at all (with its Idempotency-Key, or neither), the server starts
# again cleanly, and the batch retried under the same key is stored once.
# ROUNDS (default 10) kills; SEED picks the moments; BATCH events per batch (default 2,000).
. "$TESTS_DIR/e2e/lib.sh"
. "$TESTS_DIR/e2e/serve-lib.sh"
export ROUNDS=${ROUNDS:-10}
export BATCH=${BATCH:-2000}
export SEED=${SEED:-$(date +%s)}
echo "# seed $SEED (SEED=$SEED reproduces the moments), $ROUNDS rounds of $BATCH events"

# post FILE KEY: the batch in FILE under the Idempotency-Key KEY; prints the status, then the body
post() {
	curl -s -o "$1.answer" -w '%{http_code}\n' -H "Authorization: Bearer $(cat token)" \
		-H 'Content-Type: application/json' -H "Idempotency-Key: $2" \
		--data-binary @"$1" "$BASE/api/v1/events" || true
	cat "$1.answer" 2>/dev/null
}
count() { sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events WHERE ext_id LIKE '$1-%'"; }
keys() { sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM idempotency WHERE key = '$1'"; }

test_expect_success 'setup: a database, a token, the moments' - <<\EOT
	fu import contacts "$DATA/agenda-contacts.csv" >/dev/null
	echo 'root password 1' | fu user add root --role admin >/dev/null
	fu token add --user root 2>/dev/null >token
	# a wait of 0.05 to 0.6 s before each kill (a batch takes about that long under ASan)
	awk -v n="$ROUNDS" -v s="$SEED" 'BEGIN { srand(s); for (i = 0; i < n; i++) printf "%.2f\n", 0.05 + rand() * 0.55 }' >moments
	for r in $(seq 1 "$ROUNDS"); do
		python3 "$TESTS_DIR/e2e/post-events.py" --write-batch "$BATCH" --ids "crash$r" >batch.$r
	done
EOT

test_expect_success "$ROUNDS kills during a batch: each batch whole or absent, then stored once" - <<\EOT
	r=0 whole=0 none=0
	serve_start
	while read -r wait; do
		r=$((r + 1))
		post batch.$r "crash-$r" >answer.$r 2>&1 &
		client=$!
		sleep "$wait"
		kill -9 "$SERVER"
		wait "$SERVER" 2>/dev/null || true
		wait "$client" || true
		n=$(count "crash$r")
		k=$(keys "crash-$r")
		case "$n $k" in
		"0 0") none=$((none + 1)) ;;
		"$BATCH 1") whole=$((whole + 1)) ;;
		*) echo "round $r (after $wait s): $n of $BATCH events stored, $k keys kept"; exit 1 ;;
		esac
		# the server starts again on the same file (and serves the next round), and the
		# retry stores the batch once
		serve_start
		post batch.$r "crash-$r" >retry.$r
		expect_grep '^201$' retry.$r
		expect_grep "\"stored\":$BATCH" retry.$r
		expect_eq "$(count "crash$r")" "$BATCH" "round $r: events after the retry"
	done <moments
	kill "$SERVER"
	wait "$SERVER"
	echo "# $whole batches were stored before the kill, $none were not" >rounds
EOT
cat rounds 2>/dev/null

test_expect_success 'the database is sound and its state equals a rebuild' - <<\EOT
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" 'PRAGMA integrity_check')" ok "integrity"
	db_dump >state.served
	fu rebuild >/dev/null
	db_dump >state.rebuilt
	test_cmp state.rebuilt state.served
EOT

test_done
