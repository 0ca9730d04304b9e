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
	/* failures per key */
	pthread_mutex_t thr_mu;
	struct throttle_slot logins[SRV_THROTTLE_SLOTS];
	struct throttle_slot forms[SRV_THROTTLE_SLOTS];
	/* metrics, one row per route plus one for unmatched requests */
	pthread_mutex_t met_mu;
	struct route_stats *stats;
	uint64_t form_leads, form_refused;
	int64_t started_at;
};

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

/* Adds a finished request to the metrics. */
void srv_metrics_add(struct srv *srv, const struct route *route, int status, double seconds);
/* The metrics in Prometheus' text format (malloced; NULL on out-of-memory). */
char *srv_metrics_text(struct srv *srv);

/* Authentication (auth.c): who the request is, from a Bearer token or a session cookie. */
/* Answers 401/403 itself and returns 0 when the request may not go on; 1 when it may. */
int auth_check(struct req *r);
int route_login(struct req *r);
int route_logout(struct req *r);
int route_me(struct req *r);

/* The public endpoints (public.c). */
int route_form_post(struct req *r);
int route_form_preflight(struct req *r);
int route_calendar(struct req *r);

#endif
