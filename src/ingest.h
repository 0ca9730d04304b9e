/* ingest.h - events sent to the server: one writer thread, group commit, each request all or nothing */
#ifndef FU_INGEST_H
#define FU_INGEST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "fu.h"
#include "import.h"
#include "store.h"

#define INGEST_BATCH_MAX 10000
#define INGEST_KEY_MAX 200
/* An Idempotency-Key's answer is kept this long, then removed by the writer's housekeeping. */
#define INGEST_KEY_KEEP (24 * 3600)
/* How often the writer removes expired sessions and old idempotency answers (seconds). */
#define INGEST_HOUSEKEEPING_EVERY 3600
/* The hash of a request's body kept with its Idempotency-Key: hex digits, with the '\0'. */
#define INGEST_BODY_HASH_SIZE 65

/*
 * The hash (BLAKE2b-256, in hex) of a request's body of len bytes, kept with its
 * Idempotency-Key: the same key with another body is refused, not replayed.
 */
void ingest_body_hash(const void *body, size_t len, char out[INGEST_BODY_HASH_SIZE]);
#define INGEST_KEY_REUSED "Idempotency-Key: this key was used with another body; use a new key " \
			  "for new events"

/*
 * One request's events, checked before they reach the writer (on the caller's thread), so
 * the writer only stores. Made by ingest_batch_check from text fields; the events point
 * into those strings and into the batch (the caller keeps both until the batch is
 * released). ingest_batch_release frees what the batch holds.
 */
struct ingest_batch {
	struct event *ev;
	unsigned char *clock_time; /* per event: its time was left to the clock */
	size_t n;
	char at[40];               /* the clock's time as text, for events without one */
};

void ingest_batch_init(struct ingest_batch *b);
void ingest_batch_release(struct ingest_batch *b);

/*
 * Checks the n events t[0..n) (1 to INGEST_BATCH_MAX) exactly as an imported row is checked
 * (import_event_from_text); an event without a time happened at now. On a bad one: FU_EINPUT
 * with "field: what" on ctx and its index in *bad (the batch then holds nothing).
 */
int ingest_batch_check(struct fu_ctx *ctx, const struct event_text *t, size_t n, int64_t now,
		       struct ingest_batch *b, size_t *bad);

/*
 * The text fields of one event given as a JSON object (keys as in an import: id, type,
 * contact, time, amount, ref, due, channel, outcome, note; other keys are left alone).
 * A number is replaced in o by its text; the strings in t are borrowed from o.
 */
struct json_t;
int ingest_event_from_json(struct fu_ctx *ctx, struct json_t *o, struct event_text *t);

/*
 * One request to the writer. The caller fills the first part, hands it to ingest_submit and
 * reads the rest when it returns; `reply` is malloced (the caller frees it).
 */
struct ingest_req {
	const struct ingest_batch *batch;
	const char *idem_key;        /* an Idempotency-Key (at most INGEST_KEY_MAX), or NULL */
	const char *idem_hash;       /* its body's ingest_body_hash, or NULL (any body) */
	const struct account *who;   /* the caller: a rep may only write to contacts they see */
	const char *author;          /* who the events are by (store_set_author), or NULL */
	int64_t now;                 /* the recording time */
	/* what came of it */
	int rc;                      /* FU_OK, or why nothing was stored (message in ctx); the
					key with another body: FU_EINPUT, bad = SIZE_MAX */
	struct fu_ctx ctx;
	size_t bad;                  /* FU_EINPUT about one event: its index, else SIZE_MAX */
	int replayed;                /* the key was known: reply is the first answer, nothing new */
	int status;                  /* the HTTP status of reply (201) */
	char *reply;                 /* {"stored", "duplicates", "contacts_new"} as JSON text */
	int64_t stored, duplicates, contacts_new;
	/* the writer's */
	int done;
	struct ingest_req *next;
};

/* What the writer has done since it started (for /metrics). */
struct ingest_stats {
	uint64_t groups;      /* transactions committed */
	uint64_t requests;    /* requests answered through them */
	uint64_t events;      /* events stored */
	uint64_t expired;     /* sessions and idempotency answers removed */
};

/*
 * The writer: a thread with its own connection to the database at path, which takes the
 * requests queued while it was busy as one group, in one transaction: each request in a
 * savepoint of its own, so that one failing request leaves the others of its group stored,
 * and then one commit (one sync of the log) for them all. Everything a request stores
 * (events, new contacts, the state of the contacts it touched, its Idempotency-Key and the
 * answer kept for it) is committed together or not at all. Every INGEST_HOUSEKEEPING_EVERY
 * seconds (and once at start) it removes expired sessions and idempotency answers older than
 * INGEST_KEY_KEEP. `lock` (may be NULL) is held around each transaction: the caller's other
 * writers take it too. fixed_now (0: the system clock) is the housekeeping's clock.
 * Freed with ingest_writer_stop, which answers what is queued first.
 */
struct ingest_writer;

int ingest_writer_start(struct fu_ctx *ctx, const char *path, pthread_mutex_t *lock,
			int64_t fixed_now, struct ingest_writer **out);
void ingest_writer_stop(struct ingest_writer *w);

/* Queues req and waits until the writer has answered it (see struct ingest_req). */
void ingest_submit(struct ingest_writer *w, struct ingest_req *req);

void ingest_writer_stats(struct ingest_writer *w, struct ingest_stats *out);

/*
 * One request stored in the caller's open transaction (what the writer does for each in a
 * group; also for tests): a savepoint around it, undone on failure. Fills req's results.
 */
void ingest_one(struct store *s, struct ingest_req *req);

#endif
