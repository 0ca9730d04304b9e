/* srv.h - the running server's shared parts: database connections, the writer, throttles, metrics */
#ifndef FU_SRV_H
#define FU_SRV_H

#include <pthread.h>
#include <stdint.h>

#include "http.h"
#include "ingest.h"
#include "server.h"

#define SRV_POOL_MAX 16
#define SRV_THROTTLE_SLOTS 512
#define SRV_JOBS_MAX 8

struct srv;
struct job_run;

/*
 * One row of the job table (jobs.c): a piece of background work the server does on its
 * own thread, never two runs of it at once. next gives the first moment after `after` it is
 * due (it may read the store, e.g. the business's zone); off (may be NULL) says why it
 * cannot run on this server (NULL: it can); fn does one run, says what it did in
 * jr->result and fails with a message on jr->ctx. With `writer`, the run holds the
 * server's writer lock (srv->write_mu), as a writing request does.
 */
struct job {
	const char *name;
	const char *when;  /* the schedule in words, for /health and the README */
	int (*next)(struct job_run *jr, int64_t after, int64_t *at);
	const char *(*off)(const struct srv *srv);
	int (*fn)(struct job_run *jr);
	int writer;
};

extern const struct job job_table[];
extern const size_t job_table_count;

/* A job run's context: the jobs' own database connection, the clock, the outcome. */
struct job_run {
	struct srv *srv;
	struct store *db;
	struct fu_ctx ctx;
	int64_t now;
	char result[512];  /* what the run did, in words */
};

/* What the server knows of one job (under srv->jobs_mu). */
struct job_state {
	int64_t next_due;     /* INT64_MAX: only when asked (a fixed clock) or off */
	int running, requested;
	uint64_t seq;         /* runs finished */
	uint64_t ok, failed;  /* runs by outcome */
	double seconds;       /* total time */
	int64_t last_start;   /* 0 when it never ran */
	double last_seconds;
	int last_ok;
	char last_result[512];
	int64_t last_error_at;
	char last_error[FU_MSG_MAX];
};
#define SRV_STREAMS_MAX 64  /* live pages (GET /api/v1/events/stream) open at once */

/* Failures (logins, form posts) counted per key (an address or a name) in a time window. */
struct throttle_slot {
	char key[80];
	int64_t window_start;
	int count;
};

struct route_stats {
	uint64_t requests;
	uint64_t errors;          /* 5xx */
	double seconds;           /* total time */
	uint64_t buckets[8];      /* <= 5ms, 10, 25, 50, 100, 250, 1000, +Inf */
};

struct srv {
	const struct server_opts *opts;
	struct MHD_Daemon *daemon;
	/* database connections: each used by one request at a time */
	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	struct store *pool[SRV_POOL_MAX];
	int npool_free;
	struct store *free_list[SRV_POOL_MAX];
	/* writes go through one writer at a time */
	pthread_mutex_t write_mu;
	/* events go through the writer's queue (taking write_mu for each group) */
	struct ingest_writer *ingest;
	/* the playbook in effect, parsed once, and the zones loaded once: shared by the
	 * requests and the event writer (each guarded by its own mutex) */
	struct agenda_playbooks *playbooks;
	struct tz_cache *zones;
	/* failures per key */
	pthread_mutex_t thr_mu;
	struct throttle_slot logins[SRV_THROTTLE_SLOTS];
	struct throttle_slot forms[SRV_THROTTLE_SLOTS];
	/* metrics, one row per route plus one for unmatched requests */
	pthread_mutex_t met_mu;
	struct route_stats *stats;
	uint64_t form_leads, form_refused;
	int64_t started_at;
	/* background jobs (jobs.c): one thread runs them one at a time */
	pthread_mutex_t jobs_mu;
	pthread_cond_t jobs_cv;
	pthread_t jobs_thread;
	int jobs_started;     /* the thread was started (set before the first request) */
	int jobs_stopping;    /* SIGTERM: start no more runs */
	int jobs_done;        /* the thread has ended */
	struct store *jobs_db;
	struct job_state job[SRV_JOBS_MAX];
	/* the live pages' streams (events.c) */
	pthread_mutex_t hub_mu;
	struct stream *streams;
	int nstreams;
	int hub_closing;
};

/* The server's clock: the fixed one (--now) or the system's. */
int64_t srv_now(const struct srv *srv);

/*
 * The background jobs (jobs.c). jobs_start opens their connection and starts their thread
 * (nothing with --no-jobs; jobs_mu and jobs_cv are initialised by the caller); jobs_stop lets the running job finish, starts no other, and
 * ends the thread (called on SIGTERM before the database closes); jobs_release closes the
 * connection. jobs_health is /health's "jobs" member (a new reference, NULL on
 * out-of-memory); jobs_metrics adds the jobs' lines to the Prometheus text.
 */
int jobs_start(struct fu_ctx *ctx, struct srv *srv);
void jobs_stop(struct srv *srv);
void jobs_release(struct srv *srv);
json_t *jobs_health(struct srv *srv);
int jobs_metrics(struct fu_ctx *ctx, struct srv *srv, struct buf *b);
/* POST /api/v1/jobs/{name}/run (admin): one run now, answered when it has finished. */
int route_job_run(struct req *r);

/* GET /api/v1/openapi.json (openapi.c): the route table in OpenAPI 3.1, with bodies. */
int route_openapi(struct req *r);

/* The operations (routes-ops.c): the outbox, the kept models, import bodies. */
int route_outbox(struct req *r);
int route_outbox_resend(struct req *r);
int route_outbox_drop(struct req *r);
int route_models(struct req *r);
int route_import(struct req *r);
/* /metrics' lines about the outbox: the messages taken, by state (added to b). */
int ops_outbox_metrics(struct req *r, struct buf *b);

/* A connection for the request (waits while all are busy); give it back with srv_db_put. */
struct store *srv_db_get(struct srv *srv);
void srv_db_put(struct srv *srv, struct store *s);

/*
 * Counts a failure for key in table (logins or forms) and says whether key is over limit
 * failures in window seconds: srv_throttled is 1 (and *retry_after the seconds left) when
 * it is. srv_throttle_clear forgets key (after a good login).
 */
int srv_throttled(struct srv *srv, struct throttle_slot *table, const char *key, int limit,
		  int64_t window, int64_t now, int64_t *retry_after);
void srv_throttle_fail(struct srv *srv, struct throttle_slot *table, const char *key,
		       int64_t window, int64_t now);
void srv_throttle_clear(struct srv *srv, struct throttle_slot *table, const char *key);

/*
 * Marks what s writes next as written by the caller of r (store_set_author): the user's
 * name for a web session, "NAME (token ID)" for an API token (its id, never its secret).
 */
void srv_author(struct req *r, struct store *s);
/* The same text into out (n bytes, STORE_AUTHOR_MAX + 1 is enough), e.g. for the event writer. */
void srv_author_text(const struct req *r, char *out, size_t n);

/* Adds a finished request to the metrics. */
void srv_metrics_add(struct srv *srv, const struct route *route, int status, double seconds);
/* The metrics in Prometheus' text format (malloced; NULL on out-of-memory). */
char *srv_metrics_text(struct srv *srv);

/*
 * The API's views, shared by its handlers (JSON answers) and the pages (pages.c), so that
 * a page shows what the API gives from the same src/ calls and the same rights: each
 * returns an fu_rc with the message on r->ctx (FU_ENOTFOUND for what the caller may not
 * see, FU_EACCESS for what a rep may not do) and, on success, a new JSON value in *out
 * (the API's body).
 */
struct agenda_opts;
struct record_result;
/* The contact with key when the caller may see it (contact_release it); else FU_ENOTFOUND. */
/*
 * The playbook in effect, from the server's shared copy (parsed once, agenda_playbooks_get):
 * only read; hand it back with req_playbook_put (NULL is fine) on every path.
 */
struct playbook;
int req_playbook(struct req *r, const struct playbook **pb);
void req_playbook_put(struct req *r, const struct playbook *pb);

int view_contact_get(struct req *r, const char *key, struct contact *c);
/* GET /api/v1/contacts/{key}: profile, state, timeline (the last `last`, 0: all), follow-up. */
int view_contact(struct req *r, const char *key, long last, json_t **out);
/*
 * POST /api/v1/contacts: the profile object body (borrowed) imported as one row; *out the
 * contact as stored (contact_release it). FU_EUSAGE without a key, FU_EINPUT on a bad
 * value ("body:1: ..."), FU_EACCESS when a rep gives it to someone else.
 */
int view_contact_put(struct req *r, json_t *body, int *created, struct contact *out);
/* GET /api/v1/agenda's items (o: owner, day, all; a rep's owner is themselves). */
int view_agenda(struct req *r, struct agenda_opts *o, int want, long limit, json_t **out);
/* FU_ENOTFOUND "no such follow-up" unless id names a follow-up of a contact the caller sees. */
int view_followup_check(struct req *r, const char *id);
/* POST /api/v1/followups/{id}/done and /snooze (outcome "snoozed", date the until). */
int view_followup_record(struct req *r, const char *id, const char *outcome, const char *date,
			 const char *note, struct record_result *res);
/* POST /api/v1/playbook/check: {ok, rules, errors, warnings}. */
int view_playbook_check(struct req *r, const char *yaml, json_t **out);
/* POST /api/v1/playbook/whatif; *refused = 1 when yaml did not load (FU_EINPUT). */
int view_whatif(struct req *r, const char *yaml, int *refused, json_t **out);
/* GET /api/v1/lapsed, GET /api/v1/report?weeks=, GET /api/v1/outbox?state= (-1: all). */
int view_lapsed(struct req *r, json_t **out);
int view_report(struct req *r, int weeks, json_t **out);
int view_outbox(struct req *r, int state, json_t **out);
/*
 * GET and POST /api/v1/followups/{id}/email: the personal e-mail's draft
 * (outbox_personal_draft), and the edited one sent (outbox_send_personal: req's followup_id,
 * subject, text, outcome, next, note; its clock and lock are the server's): {sent, state, why,
 * next_try, ...}. FU_EINPUT when it may not go (the sentence says why), or the server has no
 * send settings.
 */
struct outbox_personal;
int view_email_draft(struct req *r, const char *id, json_t **out);
int view_email_send(struct req *r, const struct outbox_personal *req, json_t **out);
int route_email_draft(struct req *r);
int route_email_send(struct req *r);
/* POST /api/v1/outbox/{id}/resend (resend = 1) or /drop: FU_EINPUT when it may not. */
int view_outbox_decide(struct req *r, const char *id, int resend);

/*
 * The server-rendered pages (pages.c). page_error answers an HTML page with status and
 * detail; page_login_redirect sends a browser without a session to /login (303).
 */
int page_error(struct req *r, int status, const char *detail);
int page_login_redirect(struct req *r);

/* Authentication (auth.c): who the request is, from a Bearer token or a session cookie. */
/* Answers 401/403 itself and returns 0 when the request may not go on; 1 when it may. */
int auth_check(struct req *r);
int route_login(struct req *r);
/*
 * A login by name and password (the API's and the login page's): throttled per address
 * and per name, then a session: 0 with r->who, csrf (ACCOUNT_TOKEN_LEN + 1 bytes) and the
 * cookie to set in r->cookie; else the HTTP status (401 wrong, 429 throttled with
 * *retry_after, 500/503) with the message on r->ctx.
 */
int auth_login(struct req *r, const char *name, const char *password, char *csrf,
	       int64_t *retry_after);
/* Adds the header that ends a web session's cookie (nothing for a token). */
void auth_cookie_clear(struct req *r);
int route_logout(struct req *r);
int route_me(struct req *r);

/*
 * Live news (events.c). srv_notify queues a notice ("event: change", data {kind, contact,
 * name, owner}) for every open stream that may see owner (NULL: unowned; contact NULL: a
 * notice for everyone that names nobody, such as kind "many"); it never blocks on a client.
 * Call it after the write committed. srv_notify_contact looks the contact up by key first
 * (nothing when it cannot). srv_streams_tick sends the keep-alives due (call it about once a
 * second); srv_streams_close ends every stream before the daemon stops (waits at most 5 s);
 * srv_streams_free frees what is left once the daemon has stopped.
 */
int route_events_stream(struct req *r);
void srv_notify(struct srv *srv, const char *kind, const char *contact, const char *name,
		const char *owner);
void srv_notify_contact(struct req *r, const char *kind, const char *key);
void srv_streams_tick(struct srv *srv);
void srv_streams_close(struct srv *srv);
void srv_streams_free(struct srv *srv);

/* The public endpoints (public.c). */
int route_form_post(struct req *r);
int route_form_preflight(struct req *r);
int route_calendar(struct req *r);

/* The links in sent e-mails (links.c): tracked clicks and the unsubscribe pages. */
int route_click(struct req *r);
int route_unsubscribe_page(struct req *r);
int route_unsubscribe_post(struct req *r);

#endif
