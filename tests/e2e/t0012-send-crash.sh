# Crash safety: the sender killed (-9) at random moments, 50 times in a row over the same
# queue, then left to finish. Each of the 50 must kill a sender that was still running, and
# the queue must still hold messages after the last one (else later kills tested nothing).
# The server must have each Message-ID at most once, and every message must end sent or
# uncertain (never silently lost, never sent twice).
. "$TESTS_DIR/e2e/lib.sh"
. "$TESTS_DIR/e2e/smtp-lib.sh"
start_smtpd smtp
# every DATA waits up to 1.5 s (smtpd.py), so each sender gets through about one message
# (and leaves one uncertain): fifty kills take about 80 of the 150. The longer version (a
# benchmark, not in make test): SEND_CRASH_KILLS=500 tests/e2e/run.sh t0012
echo 1.5 >smtp/delay
KILLS=${SEND_CRASH_KILLS:-50}
N=$((KILLS * 3))

q() { sqlite3 :memory: "SELECT $1 FROM json_each(readfile('ob.json')) $2"; }

test_expect_success "setup: $N new leads, an auto-reply each" - <<\EOT
{
	echo "key,name,email,tz"
	i=1
	while [ $i -le $N ]; do echo "K$i,Kim $i,kim$i@example.com,Europe/London"; i=$((i + 1)); done
} >contacts.csv
{
	echo "id,type,contact,time"
	i=1
	while [ $i -le $N ]; do echo "L$i,lead,K$i,2026-11-25T08:50:00Z"; i=$((i + 1)); done
} >events.csv
fu_load
EOT

test_expect_success "$KILLS kills -9 in a row at random moments, each of a running sender" - <<\EOT
kills=0 runs=0
seed=7
while [ $kills -lt $KILLS ] && [ $runs -lt $((KILLS * 3)) ]; do
	"$FOLLOWUP_BIN" send >/dev/null 2>&1 &
	pid=$!
	seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
	# somewhere in 0.3-1.0 s: the (sanitised) program starts in about 0.3 s, then talks
	ms=$(( 300 + seed / 65536 % 700 ))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	kill -9 $pid 2>/dev/null || true
	st=0
	wait $pid 2>/dev/null || st=$?
	# 137: the kill ended it; a sender that had already finished does not count
	[ $st -ne 137 ] || kills=$((kills + 1))
	runs=$((runs + 1))
done
echo "$kills kills in $runs runs"
expect_eq "$kills" $KILLS "senders killed while running"
fu outbox --json >ob.json
left=$(q "count(*)" "WHERE json_extract(value, '\$.state') = 'queued'")
echo "$left messages still queued after the last kill"
[ "$left" -gt 0 ] || { echo "FAIL: the queue was empty before the last kill"; exit 1; }
EOT

test_expect_success 'a pass left to finish' - <<\EOT
echo 0 >smtp/delay
fu send >out
EOT

test_expect_success 'every message ends sent or uncertain; none received twice' - <<\EOT
fu outbox --all --json >ob.json
echo "states: $(q "group_concat(json_extract(value, '\$.state'), ' ')" "")"
expect_eq "$(q "count(*)" "")" $N "messages in the outbox"
expect_eq "$(q "count(*)" "WHERE json_extract(value, '\$.state') IN ('sent', 'uncertain')")" $N "sent or uncertain"
touch smtp/received.log
expect_eq "$(cut -f1 smtp/received.log | sort | uniq -d | wc -l)" 0 "ids received twice"
for id in $(q "json_extract(value, '\$.id')" "WHERE json_extract(value, '\$.state') = 'sent'"); do
	grep -q "<fu.$id@" smtp/received.log || { echo "sent $id was not received"; exit 1; }
done
EOT

test_expect_success 'an uncertain message is never sent on its own; a person resends it once' - <<\EOT
fu send >out
expect_grep "^0 sent" out
u=$(q "json_extract(value, '\$.id')" "WHERE json_extract(value, '\$.state') = 'uncertain' LIMIT 1")
if [ -n "$u" ]; then
	before=$(grep -c "<fu.$u@" smtp/received.log || true)
	fu outbox resend "$u" >/dev/null
	fu send >out
	expect_grep "^1 sent" out
	expect_eq "$(grep -c "<fu.$u@" smtp/received.log)" $((before + 1)) "received after resend"
	expect_fail 1 fu outbox resend "$u"
	expect_grep "is sent" err
fi
EOT

test_done
