/* events.c - live news for open pages: GET /api/v1/events/stream (server-sent events) and the notices the write paths publish */
#include "srv.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "banned.h"

/*
 * Each open stream is one response made from a content-reader callback. The reader copies
 * what waits in the stream's queue; with nothing queued it suspends the connection (so no
 * thread waits for it and MHD does not poll it) and a notice or the keep-alive resumes it.
 * A stream holds no database connection and never the writer's lock: a notice is queued by
 * the writer after its commit, in memory only. A client that went away is found at the next
 * keep-alive, whose write fails.
 */

#define STREAM_QUEUE 8192       /* bytes of notices waiting for a slow client */
#define STREAM_KEEPALIVE 15     /* seconds between comments on a quiet stream */
#define STREAM_RETRY_MS 3000    /* how soon the browser reconnects after a drop */

struct stream {
	struct srv *srv;
	struct MHD_Connection *conn;
	pthread_mutex_t mu;
	struct account who;     /* name and role only: whose news it may carry */
	char q[STREAM_QUEUE];
	size_t n;               /* bytes queued */
	int suspended;          /* the reader suspended the connection; resume before writing */
	int closing;            /* the server stops: end the stream once the queue is sent */
	int overflow;           /* notices were dropped: tell the page to look again */
	int64_t last;           /* monotonic second of the last bytes queued */
	atomic_int dead;        /* MHD let go of it: freed by the next sweep (stream_free takes
				 * no lock, so MHD's own locks never wait for ours) */
	struct stream *prev, *next;
};

static int64_t mono_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* Queues text and wakes the connection; under st->mu. A full queue keeps one catch-all notice. */
static void stream_put(struct stream *st, const char *text, size_t len)
{
	static const char many[] = "event: change\ndata: {\"kind\":\"many\"}\n\n";

	if (st->n + len > sizeof(st->q)) {
		if (!st->overflow) {
			st->overflow = 1;
			st->n = 0; /* what was queued is said again by "look again" */
			memcpy(st->q, many, sizeof(many) - 1);
			st->n = sizeof(many) - 1;
		}
	} else if (!st->overflow) {
		memcpy(st->q + st->n, text, len);
		st->n += len;
	}
	st->last = mono_sec();
	if (st->suspended) {
		st->suspended = 0;
		MHD_resume_connection(st->conn);
	}
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	ssize_t n;

	(void)pos;
	pthread_mutex_lock(&st->mu);
	if (st->n == 0) {
		if (st->closing) {
			pthread_mutex_unlock(&st->mu);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		/* nothing to say: out of MHD's loop until stream_put resumes it */
		st->suspended = 1;
		MHD_suspend_connection(st->conn);
		pthread_mutex_unlock(&st->mu);
		return 0;
	}
	n = (ssize_t)(st->n < max ? st->n : max);
	memcpy(buf, st->q, (size_t)n);
	memmove(st->q, st->q + n, st->n - (size_t)n);
	st->n -= (size_t)n;
	if (st->n == 0)
		st->overflow = 0;
	pthread_mutex_unlock(&st->mu);
	return n;
}

/* The response is gone (the client left, or the stream ended): the next sweep frees it. */
static void stream_free(void *cls)
{
	struct stream *st = cls;

	atomic_store(&st->dead, 1);
}

/* Unlinks and frees the streams MHD let go of; under hub_mu. */
static void sweep(struct srv *srv)
{
	struct stream *st = srv->streams, *next;

	for (; st; st = next) {
		next = st->next;
		if (!atomic_load(&st->dead))
			continue;
		if (st->prev)
			st->prev->next = st->next;
		else
			srv->streams = st->next;
		if (st->next)
			st->next->prev = st->prev;
		srv->nstreams--;
		pthread_mutex_destroy(&st->mu);
		free(st);
	}
}

int route_events_stream(struct req *r)
{
	struct srv *srv = r->srv;
	struct stream *st;
	char hello[64];
	int full;

	pthread_mutex_lock(&srv->hub_mu);
	sweep(srv);
	full = srv->nstreams >= SRV_STREAMS_MAX || srv->hub_closing;
	if (!full)
		srv->nstreams++; /* taken now; given back by stream_free or below */
	pthread_mutex_unlock(&srv->hub_mu);
	if (full) {
		http_problem(r, 503, "too many live pages are open; the page asks again by itself", NULL);
		http_header(r, "Retry-After", "30");
		return MHD_YES;
	}
	st = calloc(1, sizeof(*st));
	if (st)
		atomic_init(&st->dead, 0);
	if (st)
		r->resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, stream_read, st,
							    stream_free);
	if (!st || !r->resp) {
		free(st);
		pthread_mutex_lock(&srv->hub_mu);
		srv->nstreams--;
		pthread_mutex_unlock(&srv->hub_mu);
		return http_problem(r, 503, "out of memory", NULL);
	}
	st->srv = srv;
	st->conn = r->conn;
	pthread_mutex_init(&st->mu, NULL);
	snprintf(st->who.name, sizeof(st->who.name), "%s", r->who.name);
	st->who.role = r->who.role;
	st->n = (size_t)snprintf(hello, sizeof(hello), "retry: %d\n: live\n\n", STREAM_RETRY_MS);
	memcpy(st->q, hello, st->n);
	st->last = mono_sec();
	r->status = 200;
	http_header(r, "Content-Type", "text/event-stream");
	http_header(r, "Cache-Control", "no-store");
	http_header(r, "X-Accel-Buffering", "no");
	pthread_mutex_lock(&srv->hub_mu);
	st->next = srv->streams;
	if (st->next)
		st->next->prev = st;
	srv->streams = st;
	pthread_mutex_unlock(&srv->hub_mu);
	return MHD_YES;
}

/* Appends s to out as a JSON string's contents (quotes, backslashes, controls escaped). */
static size_t json_text(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; s && *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

void srv_notify(struct srv *srv, const char *kind, const char *contact, const char *name,
		const char *owner)
{
	char msg[1024], k[FU_KEY_MAX * 2], nm[400], ow[160];
	int len;

	json_text(k, sizeof(k), contact);
	json_text(nm, sizeof(nm), name);
	json_text(ow, sizeof(ow), owner);
	len = snprintf(msg, sizeof(msg),
		       "event: change\ndata: {\"kind\":\"%s\",\"contact\":%s%s%s,\"name\":%s%s%s,"
		       "\"owner\":%s%s%s}\n\n", kind, contact ? "\"" : "", contact ? k : "null",
		       contact ? "\"" : "", name ? "\"" : "", name ? nm : "null", name ? "\"" : "",
		       owner ? "\"" : "", owner ? ow : "null", owner ? "\"" : "");
	if (len < 0 || (size_t)len >= sizeof(msg))
		len = snprintf(msg, sizeof(msg), "event: change\ndata: {\"kind\":\"many\"}\n\n");
	pthread_mutex_lock(&srv->hub_mu);
	sweep(srv);
	for (struct stream *st = srv->streams; st; st = st->next) {
		/* a rep hears of their own and the unowned contacts only */
		if (contact && !account_sees_owner(&st->who, owner))
			continue;
		pthread_mutex_lock(&st->mu);
		stream_put(st, msg, (size_t)len);
		pthread_mutex_unlock(&st->mu);
	}
	pthread_mutex_unlock(&srv->hub_mu);
}

void srv_notify_contact(struct req *r, const char *kind, const char *key)
{
	struct contact c;

	contact_init(&c);
	if (store_contact_get(&r->ctx, r->db, key, &c) == FU_OK)
		srv_notify(r->srv, kind, c.key, c.name, c.owner);
	fu_ctx_init(&r->ctx); /* a notice is best effort: the write succeeded */
	contact_release(&c);
}

void srv_streams_tick(struct srv *srv)
{
	int64_t now = mono_sec();

	pthread_mutex_lock(&srv->hub_mu);
	sweep(srv);
	for (struct stream *st = srv->streams; st; st = st->next) {
		pthread_mutex_lock(&st->mu);
		if (now - st->last >= STREAM_KEEPALIVE)
			stream_put(st, ": keep-alive\n\n", 14);
		pthread_mutex_unlock(&st->mu);
	}
	pthread_mutex_unlock(&srv->hub_mu);
}

void srv_streams_close(struct srv *srv)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };

	pthread_mutex_lock(&srv->hub_mu);
	srv->hub_closing = 1;
	for (struct stream *st = srv->streams; st; st = st->next) {
		pthread_mutex_lock(&st->mu);
		st->closing = 1;
		if (st->suspended) {
			st->suspended = 0;
			MHD_resume_connection(st->conn);
		}
		pthread_mutex_unlock(&st->mu);
	}
	/* MHD must not stop with a connection suspended: wait (at most 5 s) for them to end */
	for (int waited = 0; waited < 100; waited++) {
		sweep(srv);
		if (srv->nstreams == 0)
			break;
		pthread_mutex_unlock(&srv->hub_mu);
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&srv->hub_mu);
	}
	pthread_mutex_unlock(&srv->hub_mu);
}

void srv_streams_free(struct srv *srv)
{
	pthread_mutex_lock(&srv->hub_mu);
	sweep(srv);
	pthread_mutex_unlock(&srv->hub_mu);
}
