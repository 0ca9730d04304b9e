# followup serve's background jobs: the sender, the night's agenda and the monthly refit run
# on the server's own thread, when asked (the clock is fixed here), one at a time, logged,
# counted in /metrics and shown in /health; a job running at SIGTERM finishes first.
. "$TESTS_DIR/e2e/lib.sh"
. "$TESTS_DIR/e2e/smtp-lib.sh"
# every message takes up to 1.5 s, so that the send job is still running when it is stopped
export SMTPD_DELAY=1.5
start_smtpd smtp

. "$TESTS_DIR/e2e/serve-lib.sh"
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; kill $SERVER_PIDS 2>/dev/null; test_at_exit' EXIT

# health PATH: a value of /health's JSON (jobs in $.jobs.list, by name in job())
health() { curl -s "$BASE/health" >health.json; json_get health.json "$1"; }
job() { sqlite3 :memory: "SELECT json_extract(value, '\$.$2') FROM json_each(readfile('health.json'), '\$.jobs.list') WHERE json_extract(value, '\$.name') = '$1'"; }
# run_job NAME [TOKEN]: POST /api/v1/jobs/NAME/run; the status is printed, the body in ./body
run_job() {
	curl -s -o body -w '%{http_code}' -X POST -H "Authorization: Bearer ${2:-$T_ROOT}" "$BASE/api/v1/jobs/$1/run"
}

cat >contacts.csv <<'CSV'
key,name,email,owner,tz
S1,Sam Smith,sam@example.com,ana,Europe/London
S2,Sue Stone,sue@example.com,ana,Europe/London
S3,Sid Swan,sid@example.com,ana,Europe/London
S4,Sal Sage,sal@example.com,ana,Europe/London
S5,Stu Snow,stu@example.com,ana,Europe/London
S6,Sky Sand,sky@example.com,ana,Europe/London
CSV
cat >events.csv <<'CSV'
id,type,contact,time
L1,lead,S1,2026-11-25T08:50:00Z
L2,lead,S2,2026-11-25T08:50:00Z
L3,lead,S3,2026-11-25T08:50:00Z
L4,lead,S4,2026-11-25T08:50:00Z
L5,lead,S5,2026-11-25T08:50:00Z
L6,lead,S6,2026-11-25T08:50:00Z
CSV
fu_load
echo 'root password 1' | fu user add root --role admin >/dev/null
echo 'ana password 12' | fu user add ana --role rep >/dev/null
T_ROOT=$(fu token add --user root 2>/dev/null)
T_ANA=$(fu token add --user ana 2>/dev/null)
T_ROOT_RO=$(fu token add --user root --read-only 2>/dev/null)
export T_ROOT T_ANA T_ROOT_RO

start_serve server.log

test_expect_success 'health lists the jobs; with a fixed clock they run only when asked' - <<\EOT
expect_eq "$(health '$.jobs.mode')" "on request only: the clock is fixed (--now); POST /api/v1/jobs/NAME/run" "mode"
expect_eq "$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.name'), ' ') FROM json_each(readfile('health.json'), '\$.jobs.list')")" \
	"refit send receive digest refresh" "the jobs"
expect_eq "$(job send off)" "" "the sender is on (the SMTP settings are in the environment)"
expect_eq "$(job refresh last_start)" "" "nothing ran yet"
expect_grep 'background jobs run only when asked' server.log
EOT

test_expect_success 'only an admin may run a job, not with a read-only token; unknown jobs are 404' - <<\EOT
expect_eq "$(run_job refresh "$T_ANA")" 403 "a rep"
expect_eq "$(run_job refresh "$T_ROOT_RO")" 403 "a read-only token"
expect_eq "$(run_job refresh nonsense)" 401 "a bad token"
expect_eq "$(run_job nothing)" 404 "an unknown job"
expect_grep '"status":404' body
EOT

test_expect_success 'the night refresh builds tomorrow'"'"'s agenda and keeps the wakes' - <<\EOT
sqlite3 "$FOLLOWUP_DB" "DELETE FROM meta WHERE key LIKE 'agenda_wake%'"
expect_eq "$(run_job refresh)" 200 "refresh"
expect_eq "$(json_get body '$.result')" ok "result"
expect_grep 'agenda for 2026-11-26: 6 follow-ups' body
expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT value FROM meta WHERE key = 'agenda_wake_at'")" 1795597200 "the wakes are kept at the clock"
health '$.status' >/dev/null
expect_eq "$(job refresh last_result)" "agenda for 2026-11-26: 6 follow-ups, 6 contacts evaluated" "health's last result"
expect_eq "$(job refresh runs)" 1 "runs"
grep -q '^job refresh 2026-11-25T09:00:00Z [0-9.]*ms ok: agenda for 2026-11-26' server.log
EOT

test_expect_success 'the refit fits what model fit fits, then the agenda; nobody bought: said, no failure' - <<\EOT
expect_eq "$(run_job refit)" 200 "refit"
expect_eq "$(json_get body '$.result')" ok "result"
expect_grep '"detail":"no model: ' body
expect_grep 'agenda for 2026-11-26' body
expect_fail 1 fu model show
EOT

test_expect_success 'six auto-replies are due (a dry run of followup send)' - <<\EOT
fu send --dry-run >dry
expect_grep 'dry run: 6 would go now' dry
EOT

test_expect_success 'the mailbox job is off without a mailbox; the digests run as followup digest' - <<\EOT
expect_eq "$(run_job receive)" 409 "receive without imap_url"
expect_grep 'no mailbox (imap_url' body
expect_eq "$(job receive off)" "no mailbox (imap_url; see 'followup receive')" "health says why"
expect_eq "$(run_job digest)" 200 "digest"
expect_eq "$(json_get body '$.result')" ok "result"
grep -q '^job digest 2026-11-25T09:00:00Z [0-9.]*ms ok: ' server.log
EOT

test_expect_success 'metrics count the runs by job and outcome' - <<\EOT
curl -s -H "Authorization: Bearer $T_ROOT" "$BASE/metrics" >metrics
expect_grep '^followup_job_runs_total{job="refresh",result="ok"} 1$' metrics
expect_grep '^followup_job_runs_total{job="refit",result="ok"} 1$' metrics
expect_grep '^followup_job_runs_total{job="send",result="ok"} 0$' metrics
expect_grep '^followup_jobs_enabled 0$' metrics
expect_grep '^followup_job_running{job="send"} 0$' metrics
EOT

# The sender runs (six messages, each slowed down by the SMTP server); meanwhile a second run
# is refused, the CLI writes, and SIGTERM comes: the run finishes, then the server stops.
run_job send >send.status 2>&1 &
ASKED=$!
seen=no
for i in $(seq 1 200); do
	health '$.status' >/dev/null
	[ "$(job send running)" = 1 ] && { seen=yes; break; }
	sleep 0.05
done
echo $seen >seen
run_job send >second.status
cp body second.body
# a write that changes nothing the sender looks at: a token
fu token add --user ana >cli.out 2>cli.err
echo $? >cli.status
stop_serve
wait $ASKED

test_expect_success 'the send job was running when the server was told to stop' - <<\EOT
expect_eq "$(cat seen)" yes "seen running in /health"
EOT

test_expect_success 'a second run while one runs is refused (409)' - <<\EOT
expect_eq "$(cat second.status)" 409 "second run"
expect_grep 'one run at a time' second.body
EOT

test_expect_success 'the CLI writes while the job runs (never "database is locked")' - <<\EOT
expect_eq "$(cat cli.status)" 0 "the CLI's exit status"
! grep -q locked cli.err
EOT

test_expect_success 'SIGTERM: the running job finishes, its request is answered, exit 0' - <<\EOT
expect_eq "$(cat server.status)" 0 "the server's exit status"
expect_eq "$(cat send.status)" 200 "the run's answer"
grep -q '^job send 2026-11-25T09:00:00Z [0-9.]*ms ok: 6 sent, 0 deferred' server.log
expect_eq "$(received)" 6 "messages the SMTP server took"
fu outbox --all --json >ob.json
expect_eq "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('ob.json')) WHERE json_extract(value, '\$.state') = 'sent'")" 6 "sent in the outbox"
expect_eq "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('ob.json')) WHERE json_extract(value, '\$.state') IN ('uncertain', 'sending')")" 0 "uncertain"
expect_grep 'stopped on signal 15' server.log
expect_eq "$(sqlite3 "$FOLLOWUP_DB" 'SELECT DISTINCT author FROM events WHERE type = 11')" job:send "the message events are by the job"
EOT

# --no-jobs: no thread, nothing runs, asking is refused
start_serve nojobs.log --no-jobs
test_expect_success '--no-jobs: health says so, asking for a run is refused' - <<\EOT
expect_eq "$(health '$.jobs.mode')" "off (--no-jobs)" "mode"
expect_eq "$(run_job refresh)" 409 "a run"
expect_grep 'no-jobs' body
expect_grep 'background jobs are off (--no-jobs)' nojobs.log
EOT
stop_serve

# the system's clock: the jobs have their next runs (sending off without settings)
unset FOLLOWUP_SMTP_URL
FOLLOWUP_NOW= start_serve realclock.log
test_expect_success 'with the system clock the jobs are scheduled: 02:00 in the business zone, minutes' - <<\EOT
expect_eq "$(health '$.jobs.mode')" on "mode"
case $(job refresh next) in *T02:00:00Z) ;; *) echo "refresh next: $(job refresh next)"; exit 1 ;; esac
case $(job refit next) in *-01T00:00:00Z) ;; *) echo "refit next: $(job refit next)"; exit 1 ;; esac
expect_eq "$(job send next)" "" "the sender has no next run: it is off"
expect_grep 'no send settings' health.json
expect_grep 'sending is off' realclock.log
EOT
stop_serve

test_done
