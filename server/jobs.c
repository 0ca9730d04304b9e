/* jobs.c - followup serve's background jobs: THE job table, the thread that runs them, their record */
#include "srv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agenda.h"
#include "datetime.h"
#include "digest.h"
#include "fit.h"
#include "lapse.h"
#include "model.h"
#include "outbox.h"
#include "receive.h"
#include "schedule.h"
#include "tz.h"

#include "banned.h"

#define NIGHT_HOUR 2     /* the agenda refresh: 02:00 in the business's zone */
#define WAIT_MAX 30      /* the thread looks at the clock at least this often (seconds) */

static int next_minute(struct job_run *jr, int64_t after, int64_t *at);
static int next_night(struct job_run *jr, int64_t after, int64_t *at);
static int next_month(struct job_run *jr, int64_t after, int64_t *at);
static const char *send_off(const struct srv *srv);
static const char *receive_off(const struct srv *srv);
static const char *digest_off(const struct srv *srv);
static int job_send(struct job_run *jr);
static int job_receive(struct job_run *jr);
static int job_digest(struct job_run *jr);
static int job_refresh(struct job_run *jr);
static int job_refit(struct job_run *jr);

/*
 * Every background job, in one table: one run at a time of each (one thread runs them in
 * turn, in this order when several are due). A job is a row and its function; the work
 * itself is a src/ call, the same the CLI's command makes.
 */
const struct job job_table[] = {
	{ "refit", "at the start of each month (00:00 UTC on the 1st)", next_month, NULL, job_refit, 1 },
	{ "send", "every minute", next_minute, send_off, job_send, 0 },
	{ "receive", "every minute", next_minute, receive_off, job_receive, 0 },
	{ "digest", "every minute (each owner's at the playbook's digest.at in their zone)", next_minute, digest_off, job_digest, 0 },
	{ "refresh", "every night at 02:00 in the business's zone", next_night, NULL, job_refresh, 1 },
};
const size_t job_table_count = sizeof(job_table) / sizeof(job_table[0]);

/* ---- when ---- */

static int next_minute(struct job_run *jr, int64_t after, int64_t *at)
{
	(void)jr;
	*at = sched_next_every(after, 60);
	return FU_OK;
}

static int next_month(struct job_run *jr, int64_t after, int64_t *at)
{
	(void)jr;
	*at = sched_next_month(after);
	return FU_OK;
}

/* The business's zone: the playbook's business.timezone (UTC by default). *z is tz_free()d. */
static int business_zone(struct job_run *jr, struct tz **z)
{
	struct playbook pb;
	int rc;

	playbook_init(&pb);
	rc = agenda_playbook(&jr->ctx, jr->db, &pb);
	if (!rc)
		rc = tz_load(&jr->ctx, pb.default_tz ? pb.default_tz : "UTC", z);
	playbook_release(&pb);
	return rc;
}

static int next_night(struct job_run *jr, int64_t after, int64_t *at)
{
	struct tz *z = NULL;
	int rc = business_zone(jr, &z);

	if (!rc)
		*at = sched_next_local(z, NIGHT_HOUR, 0, after);
	tz_free(z);
	return rc;
}

/* ---- the sender: 'followup send' ---- */

static const char *send_off(const struct srv *srv)
{
	const struct sendconf *c = srv->opts->send;

	if (!c || ((!c->smtp_url || !*c->smtp_url) && (!c->webhook_url || !*c->webhook_url)))
		return "no send settings (smtp_url or webhook_url; see 'followup send')";
	return NULL;
}

/*
 * One pass of 'followup send', under the senders' lock file, so that a 'followup send' from
 * cron and this job never overlap. It does not hold the server's writer lock: a pass talks
 * to the mail server between its transactions, and each transaction (taking a message,
 * recording its outcome) is short and waits for other writers as the CLI's do.
 */
static int job_send(struct job_run *jr)
{
	struct outbox_send_opts o;
	struct outbox_totals t;
	struct playbook pb;
	char lock[4096];
	int rc, fd = -1;

	memset(&o, 0, sizeof(o));
	o.now = jr->now;
	outbox_lock_path(jr->srv->opts->db_path, lock, sizeof(lock));
	rc = outbox_lock(&jr->ctx, lock, &fd);
	if (rc == FU_EINPUT) {
		snprintf(jr->result, sizeof(jr->result), "skipped: %.400s", jr->ctx.msg);
		fu_ctx_init(&jr->ctx);
		return FU_OK;
	}
	if (rc)
		return rc;
	playbook_init(&pb);
	rc = agenda_playbook(&jr->ctx, jr->db, &pb);
	if (!rc)
		rc = outbox_send(&jr->ctx, jr->db, &pb, jr->srv->opts->send, &o, NULL, NULL, &t);
	playbook_release(&pb);
	outbox_unlock(fd);
	if (!rc)
		snprintf(jr->result, sizeof(jr->result),
			 "%d sent, %d deferred, %d bounced, %d failed, %d uncertain, %d dropped, "
			 "%d waiting", t.sent, t.deferred, t.bounced, t.failed, t.uncertain,
			 t.dropped, t.waiting);
	return rc;
}

/* ---- the mailbox: 'followup receive'; the owners' digests: 'followup digest' ---- */

static const char *receive_off(const struct srv *srv)
{
	const struct sendconf *c = srv->opts->send;

	if (!c || !c->imap_url || !*c->imap_url)
		return "no mailbox (imap_url; see 'followup receive')";
	return NULL;
}

static const char *digest_off(const struct srv *srv)
{
	const struct sendconf *c = srv->opts->send;

	if (!c || !c->smtp_url || !*c->smtp_url)
		return "no mail server (smtp_url; see 'followup digest')";
	return NULL;
}

/* "N name, ..." of the non-zero counts[0..n) named by name(), or "nothing" into out. */
static void counts_text(char *out, size_t size, const int *counts, int n,
			const char *(*name)(int))
{
	size_t used = 0;

	out[0] = '\0';
	for (int k = 0; k < n && used < size; k++)
		if (counts[k])
			used += (size_t)snprintf(out + used, size - used, "%s%d %s", used ? ", " : "",
						 counts[k], name(k));
	if (!out[0])
		snprintf(out, size, "nothing");
}

/* One pass over the mailbox, as 'followup receive' makes it (the same call). */
static int job_receive(struct job_run *jr)
{
	struct receive_opts o;
	struct receive_totals t;
	char what[300];
	int rc;

	memset(&o, 0, sizeof(o));
	o.now = jr->now;
	rc = receive_pass(&jr->ctx, jr->db, jr->srv->opts->send, &o, NULL, NULL, &t);
	if (!rc) {
		counts_text(what, sizeof(what), t.count, RV__COUNT, receive_verdict_name);
		snprintf(jr->result, sizeof(jr->result), "%d read: %s%s", t.messages, what,
			 t.more ? "; more next time" : "");
	}
	return rc;
}

/* The owners' digests whose moment has come, as 'followup digest' sends them (the same call). */
static int job_digest(struct job_run *jr)
{
	struct digest_opts o;
	struct digest_totals t;
	char what[300];
	int rc;

	memset(&o, 0, sizeof(o));
	o.now = jr->now;
	rc = digest_pass(&jr->ctx, jr->db, jr->srv->opts->send, &o, NULL, NULL, &t);
	if (!rc) {
		counts_text(what, sizeof(what), t.count, DG__COUNT, digest_state_name);
		snprintf(jr->result, sizeof(jr->result), "%s%s", t.configured ? "" : "no digest in the "
			 "playbook: ", what);
	}
	return rc;
}

/* ---- the night's agenda ---- */

/*
 * Tomorrow's agenda (in the business's zone), built at night as 'followup agenda' builds it.
 * What it leaves behind is the agenda's wake cache (store.h): every contact evaluated has
 * its wake stored at this clock, and the lapse model of the month is kept, so the
 * morning's first request evaluates only the follow-ups due that day (always evaluated
 * afresh) and the contacts whose wake has come since the night.
 */
static int refresh(struct job_run *jr)
{
	struct agenda_opts o;
	struct agenda a;
	struct tz *z = NULL;
	char day[16];
	int y, m, d, rc;

	memset(&o, 0, sizeof(o));
	o.now = jr->now;
	rc = business_zone(jr, &z);
	if (rc)
		return rc;
	o.day = sched_local_tomorrow(z, jr->now);
	tz_free(z);
	rc = agenda_build_current(&jr->ctx, jr->db, &o, &a);
	if (rc)
		return rc;
	dt_civil_from_days(o.day, &y, &m, &d);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", y, m, d);
	snprintf(jr->result, sizeof(jr->result),
		 "agenda for %s: %d follow-ups, %" PRId64 " contacts evaluated%s", day, a.n,
		 a.contacts, a.nerrors ? " (some could not be worked out: see 'followup agenda')" : "");
	agenda_release(&a);
	return FU_OK;
}

static int job_refresh(struct job_run *jr)
{
	return refresh(jr);
}

/* ---- the monthly refit: 'followup model fit', then the agenda's lapse model ---- */

/*
 * Fits the model of 'followup model fit' again up to today, of the kind and unit kept (the
 * defaults, BG/NBD in days, when none is), then the agenda's lapse model of the new month
 * (lapse.h), which changes every regular buyer's wake: the agenda is refreshed after it.
 * Nobody having bought yet is no failure: the run says so.
 */
static int job_refit(struct job_run *jr)
{
	struct fit_opts o;
	struct lapse_model lm;
	json_t *kept = NULL, *fitted = NULL;
	char what[256];
	int rc;

	memset(&o, 0, sizeof(o));
	o.unit_days = 1;
	rc = fit_kept(&jr->ctx, jr->db, &kept);
	if (rc && rc != FU_ENOTFOUND)
		return rc;
	if (!rc) {
		const char *unit = json_string_value(json_object_get(kept, "unit"));

		o.pareto = json_object_get(kept, "s") != NULL;
		o.unit_days = unit && !strcmp(unit, "week") ? 7 : 1;
		json_decref(kept);
	}
	fu_ctx_init(&jr->ctx);
	o.until_day = purchase_day(jr->now);
	rc = fit_keep(&jr->ctx, jr->db, &o, &fitted);
	if (rc == FU_EINPUT) {
		snprintf(what, sizeof(what), "no model: %.200s", jr->ctx.msg);
		fu_ctx_init(&jr->ctx);
	} else if (rc) {
		return rc;
	} else {
		snprintf(what, sizeof(what), "%s on %" JSON_INTEGER_FORMAT " customers",
			 o.pareto ? "Pareto/NBD" : "BG/NBD",
			 json_integer_value(json_object_get(fitted, "customers")));
		json_decref(fitted);
	}
	rc = lapse_model_load(&jr->ctx, jr->db, jr->now, &lm);
	if (!rc)
		rc = refresh(jr);
	if (!rc) {
		char rest[sizeof(jr->result)];

		snprintf(rest, sizeof(rest), "%s", jr->result);
		snprintf(jr->result, sizeof(jr->result), "%.200s; %.250s", what, rest);
	}
	return rc;
}

/* ---- the thread ---- */

int64_t srv_now(const struct srv *srv)
{
	return srv->opts->now ? srv->opts->now : (int64_t)time(NULL);
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Schedules job k's next run after `after` (a failure to work it out: a minute from now). */
static void schedule(struct srv *srv, size_t k, int64_t after)
{
	struct job_run jr;
	int64_t at = INT64_MAX;

	memset(&jr, 0, sizeof(jr));
	jr.srv = srv;
	jr.db = srv->jobs_db;
	fu_ctx_init(&jr.ctx);
	if (srv->opts->now || (job_table[k].off && job_table[k].off(srv)))
		at = INT64_MAX; /* a fixed clock never comes round: only when asked */
	else if (job_table[k].next(&jr, after, &at))
		at = after + 60;
	store_rollback(jr.db);
	pthread_mutex_lock(&srv->jobs_mu);
	srv->job[k].next_due = at;
	pthread_mutex_unlock(&srv->jobs_mu);
}

/* One run of job k at now: the job's call, then its log line and its record. */
static void run_one(struct srv *srv, size_t k, int64_t now)
{
	const struct job *j = &job_table[k];
	struct job_state *st = &srv->job[k];
	struct job_run jr;
	const char *off = j->off ? j->off(srv) : NULL;
	char start[40];
	double t0 = mono(), secs;
	FILE *log = srv->opts->log ? srv->opts->log : stderr;
	int rc = FU_OK;

	memset(&jr, 0, sizeof(jr));
	jr.srv = srv;
	jr.db = srv->jobs_db;
	jr.now = now;
	fu_ctx_init(&jr.ctx);
	snprintf(start, sizeof(start), "job:%s", j->name);
	store_set_author(jr.db, start); /* what the run writes (the sender's message events) */
	if (off) {
		rc = fu_err(&jr.ctx, FU_EINPUT, "off: %s", off);
	} else {
		if (j->writer)
			pthread_mutex_lock(&srv->write_mu);
		rc = j->fn(&jr);
		store_rollback(jr.db); /* a job never leaves a transaction open */
		if (j->writer)
			pthread_mutex_unlock(&srv->write_mu);
	}
	secs = mono() - t0;
	dt_format_iso(now, start, sizeof(start));
	fprintf(log, "job %s %s %.1fms %s%s%s\n", j->name, start, secs * 1000.0,
		rc ? "error" : "ok", rc || jr.result[0] ? ": " : "", rc ? jr.ctx.msg : jr.result);
	pthread_mutex_lock(&srv->jobs_mu);
	st->running = 0;
	st->seq++;
	st->seconds += secs;
	st->last_start = now;
	st->last_seconds = secs;
	st->last_ok = !rc;
	if (rc) {
		st->failed++;
		st->last_error_at = now;
		snprintf(st->last_error, sizeof(st->last_error), "%s", jr.ctx.msg);
		snprintf(st->last_result, sizeof(st->last_result), "error");
	} else {
		st->ok++;
		snprintf(st->last_result, sizeof(st->last_result), "%s", jr.result[0] ? jr.result : "ok");
	}
	pthread_cond_broadcast(&srv->jobs_cv);
	pthread_mutex_unlock(&srv->jobs_mu);
}

/* The first job asked for, else the first whose time has come; -1 when none. Under jobs_mu. */
static long due_job(struct srv *srv, int64_t now, int64_t *soonest)
{
	*soonest = INT64_MAX;
	for (size_t k = 0; k < job_table_count; k++)
		if (srv->job[k].requested)
			return (long)k;
	for (size_t k = 0; k < job_table_count; k++) {
		if (srv->job[k].next_due <= now)
			return (long)k;
		if (srv->job[k].next_due < *soonest)
			*soonest = srv->job[k].next_due;
	}
	return -1;
}

static void *jobs_main(void *arg)
{
	struct srv *srv = arg;
	int64_t start = srv_now(srv);

	for (size_t k = 0; k < job_table_count; k++)
		schedule(srv, k, start);
	pthread_mutex_lock(&srv->jobs_mu);
	while (!srv->jobs_stopping) {
		int64_t now = srv_now(srv), soonest, wait;
		long k = due_job(srv, now, &soonest);
		struct timespec until;

		if (k >= 0) {
			srv->job[k].requested = 0;
			srv->job[k].running = 1;
			pthread_mutex_unlock(&srv->jobs_mu);
			run_one(srv, (size_t)k, now);
			schedule(srv, (size_t)k, srv_now(srv));
			pthread_mutex_lock(&srv->jobs_mu);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		wait = soonest == INT64_MAX || srv->opts->now ? WAIT_MAX : soonest - now;
		until.tv_sec += wait < 1 ? 1 : wait > WAIT_MAX ? WAIT_MAX : (time_t)wait;
		pthread_cond_timedwait(&srv->jobs_cv, &srv->jobs_mu, &until);
	}
	/* stopping: a run asked for and not started will not start */
	for (size_t k = 0; k < job_table_count; k++)
		srv->job[k].requested = 0;
	srv->jobs_done = 1;
	pthread_cond_broadcast(&srv->jobs_cv);
	pthread_mutex_unlock(&srv->jobs_mu);
	return NULL;
}

int jobs_start(struct fu_ctx *ctx, struct srv *srv)
{
	int rc;

	for (size_t k = 0; k < job_table_count; k++)
		srv->job[k].next_due = INT64_MAX;
	if (srv->opts->no_jobs)
		return FU_OK;
	rc = store_open(ctx, srv->opts->db_path, STORE_OPEN_EXISTING, &srv->jobs_db);
	if (rc)
		return rc;
	if (pthread_create(&srv->jobs_thread, NULL, jobs_main, srv) != 0)
		return fu_err(ctx, FU_EINTERNAL, "cannot start the background jobs' thread");
	srv->jobs_started = 1;
	return FU_OK;
}

void jobs_stop(struct srv *srv)
{
	int join;

	if (!srv->jobs_started)
		return;
	pthread_mutex_lock(&srv->jobs_mu);
	join = !srv->jobs_stopping; /* once: the thread is joined by the first call */
	srv->jobs_stopping = 1;
	pthread_cond_broadcast(&srv->jobs_cv);
	pthread_mutex_unlock(&srv->jobs_mu);
	if (join)
		pthread_join(srv->jobs_thread, NULL);
}

void jobs_release(struct srv *srv)
{
	store_close(srv->jobs_db);
	srv->jobs_db = NULL;
	pthread_mutex_destroy(&srv->jobs_mu);
	pthread_cond_destroy(&srv->jobs_cv);
}

/* ---- what the server tells of them ---- */

static json_t *time_or_null(int64_t t)
{
	char s[40];

	if (t == 0 || t == INT64_MAX)
		return json_null();
	dt_format_iso(t, s, sizeof(s));
	return json_string(s);
}

/* How the jobs run on this server, in words. */
static const char *jobs_mode(const struct srv *srv)
{
	if (srv->opts->no_jobs)
		return "off (--no-jobs)";
	if (srv->opts->now)
		return "on request only: the clock is fixed (--now); POST /api/v1/jobs/NAME/run";
	return "on";
}

json_t *jobs_health(struct srv *srv)
{
	json_t *list = json_array(), *o;

	pthread_mutex_lock(&srv->jobs_mu);
	for (size_t k = 0; list && k < job_table_count; k++) {
		const struct job_state *st = &srv->job[k];
		const char *off = job_table[k].off ? job_table[k].off(srv) : NULL;

		o = json_pack("{s:s, s:s, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:I, s:I}", "name",
			      job_table[k].name, "when", job_table[k].when, "off",
			      off ? json_string(off) : json_null(), "running", st->running, "next",
			      time_or_null(st->next_due), "last_start", time_or_null(st->last_start),
			      "last_duration_ms",
			      st->last_start ? json_real(st->last_seconds * 1000.0) : json_null(),
			      "last_result", st->last_start ? json_string(st->last_result) : json_null(),
			      "last_error", st->last_error_at ?
			      json_pack("{s:o, s:s}", "at", time_or_null(st->last_error_at), "error",
					st->last_error) : json_null(),
			      "runs", (json_int_t)(st->ok + st->failed), "failures",
			      (json_int_t)st->failed);
		if (!o || json_array_append_new(list, o)) {
			json_decref(list);
			list = NULL;
		}
	}
	pthread_mutex_unlock(&srv->jobs_mu);
	if (!list)
		return NULL;
	return json_pack("{s:s, s:o}", "mode", jobs_mode(srv), "list", list);
}

int jobs_metrics(struct fu_ctx *ctx, struct srv *srv, struct buf *b)
{
	int rc = buf_addf(ctx, b,
			  "# HELP followup_jobs_enabled Whether background jobs run on their own "
			  "(0: --no-jobs, or a fixed clock: only when asked).\n"
			  "# TYPE followup_jobs_enabled gauge\nfollowup_jobs_enabled %d\n"
			  "# HELP followup_job_runs_total Background job runs, by job and outcome.\n"
			  "# TYPE followup_job_runs_total counter\n",
			  !srv->opts->no_jobs && !srv->opts->now);

	pthread_mutex_lock(&srv->jobs_mu);
	for (size_t k = 0; k < job_table_count; k++)
		rc |= buf_addf(ctx, b,
			       "followup_job_runs_total{job=\"%s\",result=\"ok\"} %llu\n"
			       "followup_job_runs_total{job=\"%s\",result=\"error\"} %llu\n",
			       job_table[k].name, (unsigned long long)srv->job[k].ok,
			       job_table[k].name, (unsigned long long)srv->job[k].failed);
	rc |= buf_adds(ctx, b, "# HELP followup_job_seconds_total Time spent in background job runs.\n"
			       "# TYPE followup_job_seconds_total counter\n");
	for (size_t k = 0; k < job_table_count; k++)
		rc |= buf_addf(ctx, b, "followup_job_seconds_total{job=\"%s\"} %.6f\n",
			       job_table[k].name, srv->job[k].seconds);
	rc |= buf_adds(ctx, b, "# HELP followup_job_running Whether the job is running now.\n"
			       "# TYPE followup_job_running gauge\n");
	for (size_t k = 0; k < job_table_count; k++)
		rc |= buf_addf(ctx, b, "followup_job_running{job=\"%s\"} %d\n", job_table[k].name,
			       srv->job[k].running);
	rc |= buf_adds(ctx, b, "# HELP followup_job_last_run_timestamp_seconds When the job last started.\n"
			       "# TYPE followup_job_last_run_timestamp_seconds gauge\n");
	for (size_t k = 0; k < job_table_count; k++)
		rc |= buf_addf(ctx, b, "followup_job_last_run_timestamp_seconds{job=\"%s\"} %lld\n",
			       job_table[k].name, (long long)srv->job[k].last_start);
	pthread_mutex_unlock(&srv->jobs_mu);
	return rc ? FU_ENOMEM : FU_OK;
}

/* ---- POST /api/v1/jobs/{name}/run ---- */

int route_job_run(struct req *r)
{
	struct srv *srv = r->srv;
	struct job_state *st;
	uint64_t seq;
	long k = -1;
	json_t *o;

	if (r->who.read_only)
		return http_problem(r, 403, "this token is read-only", NULL);
	for (size_t i = 0; i < job_table_count; i++)
		if (!strcmp(job_table[i].name, r->param[0]))
			k = (long)i;
	if (k < 0)
		return http_problem(r, 404, "no such job", NULL);
	if (!srv->jobs_started)
		return http_problem(r, 409, "background jobs are off on this server (--no-jobs)", NULL);
	if (job_table[k].off && job_table[k].off(srv)) {
		char detail[300];

		snprintf(detail, sizeof(detail), "the job is off: %s", job_table[k].off(srv));
		return http_problem(r, 409, detail, NULL);
	}
	st = &srv->job[k];
	pthread_mutex_lock(&srv->jobs_mu);
	if (st->running || st->requested) {
		pthread_mutex_unlock(&srv->jobs_mu);
		return http_problem(r, 409, "the job is running; one run at a time", NULL);
	}
	if (srv->jobs_stopping) {
		pthread_mutex_unlock(&srv->jobs_mu);
		return http_problem(r, 503, "the server is stopping: the job was not started", NULL);
	}
	seq = st->seq;
	st->requested = 1;
	pthread_cond_broadcast(&srv->jobs_cv);
	while (st->seq == seq && !srv->jobs_done)
		pthread_cond_wait(&srv->jobs_cv, &srv->jobs_mu);
	if (st->seq == seq) {
		pthread_mutex_unlock(&srv->jobs_mu);
		return http_problem(r, 503, "the server is stopping: the job was not started", NULL);
	}
	o = json_pack("{s:s, s:o, s:f, s:s, s:o}", "job", job_table[k].name, "start",
		      time_or_null(st->last_start), "duration_ms", st->last_seconds * 1000.0,
		      "result", st->last_ok ? "ok" : "error", "detail",
		      json_string(st->last_ok ? st->last_result : st->last_error));
	pthread_mutex_unlock(&srv->jobs_mu);
	return http_json(r, 200, o);
}
