/* serve.c - followup serve: the daemon, each request's way through the route table, logs, SIGTERM */
#include "srv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "banned.h"

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct store *srv_db_get(struct srv *srv)
{
	struct store *s;

	pthread_mutex_lock(&srv->pool_mu);
	while (srv->npool_free == 0)
		pthread_cond_wait(&srv->pool_cv, &srv->pool_mu);
	s = srv->free_list[--srv->npool_free];
	pthread_mutex_unlock(&srv->pool_mu);
	return s;
}

void srv_db_put(struct srv *srv, struct store *s)
{
	store_set_author(s, NULL); /* the next request is someone else's */
	pthread_mutex_lock(&srv->pool_mu);
	srv->free_list[srv->npool_free++] = s;
	pthread_cond_signal(&srv->pool_cv);
	pthread_mutex_unlock(&srv->pool_mu);
}

/* The slot for key: its own, else the free or oldest one (reset for key). Under thr_mu. */
static struct throttle_slot *slot_for(struct throttle_slot *table, const char *key, int create)
{
	struct throttle_slot *oldest = &table[0];

	for (int i = 0; i < SRV_THROTTLE_SLOTS; i++) {
		if (strncmp(table[i].key, key, sizeof(table[i].key) - 1) == 0 && table[i].key[0])
			return &table[i];
		if (table[i].window_start < oldest->window_start)
			oldest = &table[i];
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->key, sizeof(oldest->key), "%s", key);
	return oldest;
}

int srv_throttled(struct srv *srv, struct throttle_slot *table, const char *key, int limit,
		  int64_t window, int64_t now, int64_t *retry_after)
{
	struct throttle_slot *t;
	int over = 0;

	pthread_mutex_lock(&srv->thr_mu);
	t = slot_for(table, key, 0);
	if (t && now - t->window_start < window && t->count >= limit) {
		over = 1;
		*retry_after = t->window_start + window - now;
	}
	pthread_mutex_unlock(&srv->thr_mu);
	return over;
}

void srv_throttle_fail(struct srv *srv, struct throttle_slot *table, const char *key,
		       int64_t window, int64_t now)
{
	struct throttle_slot *t;

	pthread_mutex_lock(&srv->thr_mu);
	t = slot_for(table, key, 1);
	if (now - t->window_start >= window) {
		t->window_start = now;
		t->count = 0;
	}
	t->count++;
	pthread_mutex_unlock(&srv->thr_mu);
}

void srv_throttle_clear(struct srv *srv, struct throttle_slot *table, const char *key)
{
	struct throttle_slot *t;

	pthread_mutex_lock(&srv->thr_mu);
	t = slot_for(table, key, 0);
	if (t)
		memset(t, 0, sizeof(*t));
	pthread_mutex_unlock(&srv->thr_mu);
}

static const double bucket_le[7] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0 };

void srv_metrics_add(struct srv *srv, const struct route *route, int status, double seconds)
{
	struct route_stats *st;
	int b = 0;

	pthread_mutex_lock(&srv->met_mu);
	st = &srv->stats[route ? (size_t)(route - routes) : routes_count];
	st->requests++;
	st->errors += status >= 500;
	st->seconds += seconds;
	while (b < 7 && seconds > bucket_le[b])
		b++;
	st->buckets[b]++;
	pthread_mutex_unlock(&srv->met_mu);
}

/* The event writer's counters (group commit: requests per transaction). */
static int ingest_metrics(struct fu_ctx *ctx, struct ingest_writer *w, struct buf *b)
{
	struct ingest_stats st;

	if (!w)
		return FU_OK;
	ingest_writer_stats(w, &st);
	return buf_addf(ctx, b,
			"# HELP followup_ingest_transactions_total Transactions of the event writer "
			"(each holds the requests queued together).\n"
			"# TYPE followup_ingest_transactions_total counter\n"
			"followup_ingest_transactions_total %llu\n"
			"# HELP followup_ingest_requests_total Event posts answered by the writer.\n"
			"# TYPE followup_ingest_requests_total counter\nfollowup_ingest_requests_total %llu\n"
			"# HELP followup_ingest_events_total Events stored by the writer.\n"
			"# TYPE followup_ingest_events_total counter\nfollowup_ingest_events_total %llu\n"
			"# HELP followup_expired_rows_total Expired sessions and idempotency answers removed.\n"
			"# TYPE followup_expired_rows_total counter\nfollowup_expired_rows_total %llu\n",
			(unsigned long long)st.groups, (unsigned long long)st.requests,
			(unsigned long long)st.events, (unsigned long long)st.expired);
}

char *srv_metrics_text(struct srv *srv)
{
	struct fu_ctx ctx;
	struct buf b;
	int rc = 0;

	fu_ctx_init(&ctx);
	buf_init(&b, 0);
	rc |= buf_adds(&ctx, &b,
		       "# HELP followup_http_requests_total Requests answered, by route.\n"
		       "# TYPE followup_http_requests_total counter\n");
	pthread_mutex_lock(&srv->met_mu);
	for (size_t i = 0; i <= routes_count; i++) {
		const char *m = i < routes_count ? routes[i].method : "",
			   *p = i < routes_count ? routes[i].path : "unmatched";

		rc |= buf_addf(&ctx, &b, "followup_http_requests_total{method=\"%s\",route=\"%s\"} %llu\n",
			       m, p, (unsigned long long)srv->stats[i].requests);
	}
	rc |= buf_adds(&ctx, &b, "# HELP followup_http_errors_total Requests answered with a 5xx status.\n"
				 "# TYPE followup_http_errors_total counter\n");
	for (size_t i = 0; i <= routes_count; i++) {
		const char *m = i < routes_count ? routes[i].method : "",
			   *p = i < routes_count ? routes[i].path : "unmatched";

		rc |= buf_addf(&ctx, &b, "followup_http_errors_total{method=\"%s\",route=\"%s\"} %llu\n",
			       m, p, (unsigned long long)srv->stats[i].errors);
	}
	rc |= buf_adds(&ctx, &b, "# HELP followup_http_request_seconds Time to answer, by route.\n"
				 "# TYPE followup_http_request_seconds histogram\n");
	for (size_t i = 0; i < routes_count; i++) {
		const struct route_stats *st = &srv->stats[i];
		uint64_t cum = 0;

		if (!st->requests)
			continue;
		for (int k = 0; k < 8; k++) {
			char le[16];

			cum += st->buckets[k];
			if (k < 7)
				snprintf(le, sizeof(le), "%g", bucket_le[k]);
			else
				snprintf(le, sizeof(le), "+Inf");
			rc |= buf_addf(&ctx, &b,
				       "followup_http_request_seconds_bucket{method=\"%s\",route=\"%s\","
				       "le=\"%s\"} %llu\n", routes[i].method, routes[i].path, le,
				       (unsigned long long)cum);
		}
		rc |= buf_addf(&ctx, &b,
			       "followup_http_request_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n"
			       "followup_http_request_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
			       routes[i].method, routes[i].path, st->seconds, routes[i].method,
			       routes[i].path, (unsigned long long)st->requests);
	}
	rc |= buf_addf(&ctx, &b,
		       "# HELP followup_form_leads_total Leads recorded from web forms.\n"
		       "# TYPE followup_form_leads_total counter\nfollowup_form_leads_total %llu\n"
		       "# HELP followup_form_refused_total Web form posts refused (bots, floods, bad input).\n"
		       "# TYPE followup_form_refused_total counter\nfollowup_form_refused_total %llu\n"
		       "# HELP followup_start_time_seconds When the server started.\n"
		       "# TYPE followup_start_time_seconds gauge\nfollowup_start_time_seconds %lld\n",
		       (unsigned long long)srv->form_leads, (unsigned long long)srv->form_refused,
		       (long long)srv->started_at);
	pthread_mutex_unlock(&srv->met_mu);
	rc |= ingest_metrics(&ctx, srv->ingest, &b);
	rc |= jobs_metrics(&ctx, srv, &b);
	if (rc) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/*
 * Matches url against a pattern: literal segments, {name} segments (one whole segment, or a
 * segment's start before a literal suffix such as "{token}.ics"), and a final "*".
 * Parameters are copied into r->pbuf (r->param[i] NULL past the pattern's); returns 1 on a
 * match.
 */
static int path_match(struct req *r, const char *pat, const char *url)
{
	size_t used = 0;
	int np = 0;

	memset(r->param, 0, sizeof(r->param));

	while (*pat && *url) {
		if (*pat == '*' && pat[1] == '\0')
			return 1;
		if (*pat == '{') {
			const char *close = strchr(pat, '}'), *suffix = close + 1;
			size_t slen = strcspn(suffix, "/"), seg = strcspn(url, "/"), vlen;

			if (seg <= slen || strncmp(url + seg - slen, suffix, slen) != 0)
				return 0;
			vlen = seg - slen;
			if (np == REQ_PARAMS || used + vlen + 1 > sizeof(r->pbuf))
				return 0;
			memcpy(r->pbuf + used, url, vlen);
			r->pbuf[used + vlen] = '\0';
			r->param[np++] = r->pbuf + used;
			used += vlen + 1;
			pat = suffix + slen;
			url += seg;
			continue;
		}
		if (*pat != *url)
			return 0;
		pat++;
		url++;
	}
	return *pat == '\0' && *url == '\0';
}

/* The route for the request; *path_known is 1 when the path matched with another method. */
static const struct route *route_find(struct req *r, int *path_known)
{
	*path_known = 0;
	for (size_t i = 0; i < routes_count; i++) {
		if (!path_match(r, routes[i].path, r->url))
			continue;
		if (strcmp(routes[i].method, r->method) == 0 ||
		    (strcmp(r->method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
			return &routes[i];
		*path_known = 1;
	}
	return NULL;
}

static void client_ip(struct req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	snprintf(r->ip, sizeof(r->ip), "?");
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, r->ip,
			  sizeof(r->ip));
	else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
			  r->ip, sizeof(r->ip));
}

void srv_author_text(const struct req *r, char *out, size_t n)
{
	if (r->who.session)
		snprintf(out, n, "%s", r->who.name);
	else
		snprintf(out, n, "%s (token %lld)", r->who.name, (long long)r->who.token_id);
}

void srv_author(struct req *r, struct store *s)
{
	char author[STORE_AUTHOR_MAX + 1];

	srv_author_text(r, author, sizeof(author));
	store_set_author(s, author);
}

/* Runs the matched route: a connection, the login check, the writer's lock, the handler. */
static void dispatch(struct req *r)
{
	const struct route *rt = r->route;

	/* a login is checked in the database, whatever the handler needs */
	if (!(rt->flags & R_NODB) || !(rt->flags & R_PUBLIC))
		r->db = srv_db_get(r->srv);
	if (!(rt->flags & R_PUBLIC) && !auth_check(r))
		goto out;
	if (r->authed)
		srv_author(r, r->db);
	if ((rt->flags & R_WRITE) && !(rt->flags & R_QUEUED)) {
		pthread_mutex_lock(&r->srv->write_mu);
		rt->fn(r);
		pthread_mutex_unlock(&r->srv->write_mu);
	} else {
		rt->fn(r);
	}
out:
	if (r->db) {
		store_rollback(r->db); /* a handler never leaves a transaction open */
		srv_db_put(r->srv, r->db);
		r->db = NULL;
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct srv *srv = cls;
	struct req *r = *con_cls;
	int known, ok;

	if (!r) {
		const char *cl;

		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		*con_cls = r;
		r->srv = srv;
		r->conn = conn;
		r->method = method;
		r->url = url;
		r->started = mono_now();
		r->now = srv->opts->now ? srv->opts->now : (int64_t)time(NULL);
		fu_ctx_init(&r->ctx);
		form_init(&r->form);
		client_ip(r);
		r->route = route_find(r, &known);
		buf_init(&r->body, r->route && r->route->max_body ? r->route->max_body : 1);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (!r->route) {
			if (known)
				http_problem(r, 405, "this path does not take that method", NULL);
			else
				http_problem(r, 404, "no route for this path", NULL);
		} else if (cl && strtoull(cl, NULL, 10) > r->route->max_body) {
			http_problem(r, 413, "the body is larger than this route takes", NULL);
		}
		if (r->resp)
			return MHD_queue_response(conn, (unsigned)r->status, r->resp);
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!r->body_too_big &&
		    buf_add(&r->ctx, &r->body, upload_data, *upload_data_size) != FU_OK)
			r->body_too_big = 1;
		*upload_data_size = 0;
		if (r->body_too_big && !r->resp) {
			http_problem(r, 413, "the body is larger than this route takes", NULL);
			return MHD_queue_response(conn, (unsigned)r->status, r->resp);
		}
		return MHD_YES;
	}
	if (r->resp) /* answered already (a body too large) */
		return MHD_YES;
	dispatch(r);
	if (!r->resp && http_problem(r, 500, "the handler gave no answer", NULL) != MHD_YES)
		return MHD_NO;
	ok = MHD_queue_response(conn, (unsigned)r->status, r->resp);
	return ok;
}

/* The log line: method, path (a secret in it masked), status, time, user. Never a query. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct srv *srv = cls;
	struct req *r = *con_cls;
	double secs;
	const char *path;

	if (!r)
		return;
	secs = mono_now() - r->started;
	path = r->route && strncmp(r->route->path, "/cal/", 5) == 0 ? r->route->path : r->url;
	fprintf(srv->opts->log ? srv->opts->log : stderr, "%s %s %d %.1fms %s%s\n", r->method,
		path, r->status ? r->status : 500, secs * 1000.0, r->authed ? r->who.name : "-",
		toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection closed early)");
	srv_metrics_add(srv, r->route, r->status, secs);
	if (r->resp)
		MHD_destroy_response(r->resp);
	buf_release(&r->body);
	form_release(&r->form);
	sodium_memzero(&r->who, sizeof(r->who));
	free(r);
	*con_cls = NULL;
}

static int parse_listen(struct fu_ctx *ctx, const char *listen, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	char *end;
	long port;

	memset(sa, 0, sizeof(*sa));
	if (!colon || (size_t)(colon - listen) >= sizeof(host))
		return fu_err(ctx, FU_EUSAGE, "--listen '%s': give ADDRESS:PORT, e.g. 127.0.0.1:8080",
			      listen);
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 0 || port > 65535)
		return fu_err(ctx, FU_EUSAGE, "--listen '%s': the port is not a number 0-65535",
			      listen);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa->sin_addr) != 1)
		return fu_err(ctx, FU_EUSAGE, "--listen '%s': '%s' is not an IPv4 address", listen,
			      host);
	return FU_OK;
}

static void srv_release(struct srv *srv)
{
	jobs_release(srv);
	ingest_writer_stop(srv->ingest);
	for (int i = 0; i < SRV_POOL_MAX; i++)
		store_close(srv->pool[i]);
	free(srv->stats);
	pthread_mutex_destroy(&srv->pool_mu);
	pthread_cond_destroy(&srv->pool_cv);
	pthread_mutex_destroy(&srv->write_mu);
	pthread_mutex_destroy(&srv->thr_mu);
	pthread_mutex_destroy(&srv->met_mu);
	pthread_mutex_destroy(&srv->hub_mu);
}

int server_run(struct fu_ctx *ctx, const struct server_opts *opts)
{
	struct srv srv;
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	sigset_t sigs;
	int threads = opts->threads > 0 ? opts->threads : 4, sig = 0, rc;
	/* suspend and resume: the live pages' streams (events.c) */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
			 MHD_ALLOW_SUSPEND_RESUME;
	struct MHD_OptionItem tls[3];

	if (threads > SRV_POOL_MAX)
		threads = SRV_POOL_MAX;
	rc = parse_listen(ctx, opts->listen ? opts->listen : "127.0.0.1:8080", &sa);
	if (rc)
		return rc;
	if (sodium_init() < 0)
		return fu_err(ctx, FU_EINTERNAL, "libsodium cannot start");
	if ((opts->tls_cert != NULL) != (opts->tls_key != NULL))
		return fu_err(ctx, FU_EUSAGE, "give both --tls-cert and --tls-key, or neither");
	if (opts->tls_cert && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return fu_err(ctx, FU_EUSAGE, "--tls-cert: this build of libmicrohttpd has no TLS "
				      "(GnuTLS); serve plain HTTP behind a TLS proxy instead");
	if (opts->tls_cert)
		flags |= MHD_USE_TLS;
	/*
	 * each request frees what it allocated; without this, the request threads' heaps were
	 * given back to the system and asked for again at every request (a tenth of the time)
	 */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	memset(&srv, 0, sizeof(srv));
	srv.opts = opts;
	srv.started_at = (int64_t)time(NULL);
	pthread_mutex_init(&srv.pool_mu, NULL);
	pthread_cond_init(&srv.pool_cv, NULL);
	pthread_mutex_init(&srv.write_mu, NULL);
	pthread_mutex_init(&srv.thr_mu, NULL);
	pthread_mutex_init(&srv.met_mu, NULL);
	pthread_mutex_init(&srv.jobs_mu, NULL);
	pthread_cond_init(&srv.jobs_cv, NULL);
	pthread_mutex_init(&srv.hub_mu, NULL);
	srv.stats = calloc(routes_count + 1, sizeof(*srv.stats));
	if (!srv.stats) {
		srv_release(&srv);
		return fu_err(ctx, FU_ENOMEM, "out of memory starting the server");
	}
	for (int i = 0; i < threads; i++) {
		rc = store_open(ctx, opts->db_path, STORE_OPEN_EXISTING, &srv.pool[i]);
		if (rc) {
			srv_release(&srv);
			return rc;
		}
		store_serving_mode(srv.pool[i]);
		srv.free_list[srv.npool_free++] = srv.pool[i];
	}
	rc = ingest_writer_start(ctx, opts->db_path, &srv.write_mu, opts->now, &srv.ingest);
	if (rc) {
		srv_release(&srv);
		return rc;
	}
	/* the request threads inherit this mask: only this thread takes SIGTERM and SIGINT */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* the jobs' thread inherits the mask too; it runs before the first request */
	rc = jobs_start(ctx, &srv);
	if (rc) {
		srv_release(&srv);
		return rc;
	}
	/* with TLS, its key and certificate; without, the list ends at once */
	tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)opts->tls_key };
	tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)opts->tls_cert };
	tls[opts->tls_cert ? 2 : 0] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	srv.daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, &srv, MHD_OPTION_ARRAY, tls,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_NOTIFY_COMPLETED,
		on_completed, &srv, MHD_OPTION_CONNECTION_TIMEOUT, 60u,
		MHD_OPTION_CONNECTION_LIMIT, 512u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 64u,
		MHD_OPTION_END);
	if (!srv.daemon) {
		jobs_stop(&srv);
		srv_release(&srv);
		if (opts->tls_cert)
			return fu_err(ctx, FU_EINPUT, "--listen %s: cannot listen there with TLS (in use, "
					      "not this machine's address, or a certificate and key "
					      "that do not load or do not match)",
				      opts->listen ? opts->listen : "127.0.0.1:8080");
		return fu_err(ctx, FU_EIO, "--listen %s: cannot listen there (in use, or not this "
				      "machine's address)", opts->listen ? opts->listen : "127.0.0.1:8080");
	}
	info = MHD_get_daemon_info(srv.daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (opts->ready)
		opts->ready(opts->ready_arg, info ? info->port : ntohs(sa.sin_port));
	/* wait for the signal, sending the live pages' keep-alives meanwhile */
	for (;;) {
		struct timespec second = { 1, 0 };

		sig = sigtimedwait(&sigs, NULL, &second);
		if (sig > 0)
			break;
		srv_streams_tick(&srv);
	}
	/*
	 * end the live streams, stop taking connections, let the ones accepted finish (at most
	 * 30 s) and the running job too (no other starts), then close
	 */
	srv_streams_close(&srv);
	MHD_quiesce_daemon(srv.daemon);
	jobs_stop(&srv);
	for (int waited = 0; waited < 300; waited++) {
		info = MHD_get_daemon_info(srv.daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (!info || info->num_connections == 0)
			break;
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(srv.daemon);
	srv_streams_free(&srv);
	fprintf(opts->log ? opts->log : stderr, "followup serve: stopped on signal %d\n", sig);
	srv_release(&srv);
	pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	return FU_OK;
}
