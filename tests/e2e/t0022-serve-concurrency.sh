# Issue 11: 32 clients POST 20,000 events at once to followup serve (batches and single
# events, some posted twice, some twice under the same Idempotency-Key). Afterwards exactly
# 20,000 events are stored, and the derived state, the status and a day's agenda equal
# those after a rebuild. The clients are tests/e2e/post-events.py (python3's standard library).
. "$TESTS_DIR/e2e/lib.sh"
. "$TESTS_DIR/e2e/serve-lib.sh"
export EVENTS=${EVENTS:-20000}
export CLIENTS=${CLIENTS:-32}

test_expect_success 'setup: contacts and events of the agenda data, a token' - <<\EOT
	fu import contacts "$DATA/agenda-contacts.csv" >/dev/null
	fu import events "$DATA/agenda-events.csv" >/dev/null
	echo 'root password 1' | fu user add root --role admin >/dev/null
	fu token add --user root 2>/dev/null >token
	sqlite3 "$FOLLOWUP_DB" 'SELECT count(*) FROM events' >before
	# left over from earlier days: an expired session, an answer kept for two days
	sqlite3 "$FOLLOWUP_DB" "INSERT INTO tokens(user_id, kind, hash, created_at, expires_at)
		SELECT id, 'session', 'old-session', 0, 1000 FROM users WHERE name = 'root';
		INSERT INTO idempotency(key, user_id, status, body, created_at)
		VALUES ('old-key', 1, 201, '{}', strftime('%s', '2026-11-23T09:00:00Z'))"
EOT

test_expect_success "$CLIENTS clients post $EVENTS events at once: every answer is 201" - <<\EOT
	serve_start
	python3 "$TESTS_DIR/e2e/post-events.py" "$BASE" "$(cat token)" --clients "$CLIENTS" \
		--events "$EVENTS" --seed 7 >posted
	cat posted
	curl -s -H "Authorization: Bearer $(cat token)" "$BASE/metrics" >metrics
	kill "$SERVER"
	wait "$SERVER"
	# every event was stored by exactly one answer; the others said duplicate or replayed
	expect_grep " stored $EVENTS " posted
EOT

test_expect_success "exactly $EVENTS more events are stored" - <<\EOT
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" 'SELECT count(*) FROM events')" \
		"$(($(cat before) + EVENTS))" "events in the log"
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(DISTINCT ext_id) FROM events WHERE ext_id LIKE 'ev-%'")" \
		"$EVENTS" "distinct posted ids"
EOT

test_expect_success 'the writer removed the expired session and the old answer' - <<\EOT
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM tokens WHERE hash = 'old-session'")" 0 "expired sessions"
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM idempotency WHERE key = 'old-key'")" 0 "answers kept over 24 h"
	# the answers of this run's keys are kept
	test "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM idempotency WHERE key LIKE 'c%'")" -gt 0
EOT

test_expect_success 'requests that came together shared a transaction' - <<\EOT
	# the writer's counters: fewer transactions than requests means groups were made
	tx=$(sed -n 's/^followup_ingest_transactions_total //p' metrics)
	req=$(sed -n 's/^followup_ingest_requests_total //p' metrics)
	echo "transactions $tx requests $req"
	test "$tx" -gt 0
	test "$tx" -le "$req"
EOT

test_expect_success 'the state, the status and a day agenda equal those after a rebuild' - <<\EOT
	db_dump >state.served
	fu status --json >status.served
	fu agenda --date 2026-11-20 --json >agenda.served
	fu rebuild >/dev/null
	db_dump >state.rebuilt
	fu status --json >status.rebuilt
	fu agenda --date 2026-11-20 --json >agenda.rebuilt
	test_cmp state.rebuilt state.served
	test_cmp status.rebuilt status.served
	test_cmp agenda.rebuilt agenda.served
	# not empty: the day's agenda holds follow-ups of the posted contacts
	expect_grep '"P[0-9][0-9][0-9]"' agenda.served
EOT

test_done
