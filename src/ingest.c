/* ingest.c - the server's event writer: requests queued, stored in groups, each in its own savepoint */
#include "ingest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "datetime.h"
#include "derive.h"
#include "strmap.h"

#include "banned.h"

/* A group takes queued requests until it holds this many events (and at least one request). */
#define GROUP_EVENTS_MAX 20000

void ingest_body_hash(const void *body, size_t len, char out[INGEST_BODY_HASH_SIZE])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), body, (unsigned long long)len, NULL, 0);
	sodium_bin2hex(out, INGEST_BODY_HASH_SIZE, h, sizeof(h));
}

void ingest_batch_init(struct ingest_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void ingest_batch_release(struct ingest_batch *b)
{
	free(b->ev);
	free(b->clock_time);
	ingest_batch_init(b);
}

int ingest_batch_check(struct fu_ctx *ctx, const struct event_text *t, size_t n, int64_t now,
		       struct ingest_batch *b, size_t *bad)
{
	*bad = SIZE_MAX;
	ingest_batch_init(b);
	if (n == 0 || n > INGEST_BATCH_MAX)
		return fu_err(ctx, FU_EINPUT, "give 1 to %d events", INGEST_BATCH_MAX);
	b->ev = calloc(n, sizeof(*b->ev));
	b->clock_time = calloc(n, 1);
	if (!b->ev || !b->clock_time) {
		ingest_batch_release(b);
		return fu_err(ctx, FU_ENOMEM, "out of memory reading %zu events", n);
	}
	dt_format_iso(now, b->at, sizeof(b->at));
	for (size_t i = 0; i < n; i++) {
		struct event_text tt = t[i];
		int rc;

		if (!tt.time || !*tt.time) {
			tt.time = b->at;
			b->clock_time[i] = 1;
		}
		/* the one validation of every way in: the same as an imported row's */
		rc = import_event_from_text(ctx, &tt, NULL, &b->ev[i]);
		if (rc) {
			*bad = i;
			ingest_batch_release(b);
			return rc;
		}
	}
	b->n = n;
	return FU_OK;
}

int ingest_event_from_json(struct fu_ctx *ctx, json_t *o, struct event_text *t)
{
	static const char *const names[10] = { "id", "type", "contact", "time", "amount",
					       "ref", "due", "channel", "outcome", "note" };
	const char **dst[10] = { &t->id, &t->type, &t->contact, &t->time, &t->amount,
				 &t->ref, &t->due, &t->channel, &t->outcome, &t->note };

	memset(t, 0, sizeof(*t));
	if (!json_is_object(o))
		return fu_err(ctx, FU_EINPUT, "each event is a JSON object");
	for (int i = 0; i < 10; i++) {
		json_t *v = json_object_get(o, names[i]);
		char num[40];
		const char *text;
		int rc;

		if (!v)
			continue;
		rc = import_json_text(ctx, names[i], v, num, sizeof(num), &text);
		if (rc)
			return rc;
		if (text == num) {
			/* a number: its text is kept in the object, which outlives t */
			json_t *s = json_string(num);

			if (!s || json_object_set_new(o, names[i], s))
				return fu_err(ctx, FU_ENOMEM, "out of memory reading an event");
			text = json_string_value(json_object_get(o, names[i]));
		}
		*dst[i] = text;
	}
	return FU_OK;
}

/* The id of contact key for req: made when unknown; a rep's check that they may see it. */
static int contact_for(struct fu_ctx *ctx, struct store *s, struct ingest_req *req,
		       struct strmap *seen, const char *key, int64_t *id)
{
	int created = 0, rc;

	if (strmap_get(seen, key, id))
		return FU_OK;
	if (req->who && req->who->role != ROLE_ADMIN) {
		struct fu_ctx scratch;
		struct contact c;
		int sees;

		fu_ctx_init(&scratch);
		contact_init(&c);
		rc = store_contact_get(&scratch, s, key, &c);
		if (rc && rc != FU_ENOTFOUND)
			return fu_err(ctx, rc, "%s", scratch.msg);
		if (rc == FU_OK) {
			sees = account_sees_owner(req->who, c.owner);
			*id = c.id;
			contact_release(&c);
			if (!sees)
				return fu_err(ctx, FU_ENOTFOUND, "contact: no contact '%.100s'", key);
			return strmap_put(ctx, seen, key, *id);
		}
		/* a new contact: unowned, which a rep may write to */
	}
	rc = store_contact_ensure(ctx, s, key, id, &created);
	if (rc)
		return rc;
	req->contacts_new += created;
	return strmap_put(ctx, seen, key, *id);
}

/* Stores the batch of req in the open savepoint; the touched contacts' state folded again. */
static int store_batch(struct fu_ctx *ctx, struct store *s, struct ingest_req *req)
{
	const struct ingest_batch *b = req->batch;
	struct strmap seen;
	int64_t *touched = malloc((b->n ? b->n : 1) * sizeof(*touched));
	size_t ntouched = 0;
	int rc = FU_OK;

	strmap_init(&seen);
	if (!touched)
		rc = fu_err(ctx, FU_ENOMEM, "out of memory storing %zu events", b->n);
	for (size_t i = 0; i < b->n && !rc; i++) {
		struct event e = b->ev[i];
		int inserted = 0, same = 1;

		fu_ctx_init(ctx);
		rc = contact_for(ctx, s, req, &seen, e.contact_key, &e.contact_id);
		if (!rc)
			rc = store_event_append(ctx, s, &e, req->now, &inserted);
		/* a repeated id: a duplicate with the same content, else a conflict (a time
		   left to the clock is not compared: a retry is the same event) */
		if (!rc && !inserted && !b->clock_time[i])
			rc = store_event_same(ctx, s, &e, &same);
		if (!rc && !same)
			rc = fu_err(ctx, FU_EINPUT, "id: '%.64s' is already stored with other "
				    "content (an event is never changed; give the new one another "
				    "id)", e.ext_id);
		if (rc) {
			if (rc == FU_EINPUT || rc == FU_ENOTFOUND)
				req->bad = i;
			break;
		}
		if (inserted) {
			req->stored++;
			touched[ntouched++] = e.contact_id;
		} else {
			req->duplicates++;
		}
	}
	if (!rc)
		rc = derive_contacts(ctx, s, touched, ntouched);
	free(touched);
	strmap_release(&seen);
	return rc;
}

void ingest_one(struct store *s, struct ingest_req *req)
{
	struct fu_ctx *ctx = &req->ctx;
	char reply[160];
	int found = 0, rc;

	fu_ctx_init(ctx);
	req->bad = SIZE_MAX;
	req->replayed = 0;
	req->reply = NULL;
	req->stored = req->duplicates = req->contacts_new = 0;
	rc = store_savepoint(ctx, s);
	if (rc) {
		req->rc = rc;
		return;
	}
	store_set_author(s, req->author); /* the writer's connection: each request its own */
	/* the key is looked up again here: two requests with it may have raced to the queue */
	if (req->idem_key)
		rc = store_idem_get(ctx, s, req->idem_key, req->who ? req->who->user_id : 0,
				    req->idem_hash, &found, &req->status, &req->reply);
	if (!rc && found == STORE_IDEM_OTHER_BODY)
		rc = fu_err(ctx, FU_EINPUT, INGEST_KEY_REUSED);
	if (!rc && found) {
		req->replayed = 1;
	} else if (!rc) {
		rc = store_batch(ctx, s, req);
		snprintf(reply, sizeof(reply), "{\"stored\":%lld,\"duplicates\":%lld,"
			 "\"contacts_new\":%lld}", (long long)req->stored,
			 (long long)req->duplicates, (long long)req->contacts_new);
		req->status = 201;
		if (!rc) {
			req->reply = strdup(reply);
			if (!req->reply)
				rc = fu_err(ctx, FU_ENOMEM, "out of memory answering");
		}
		/* the answer is kept with the events, in the same transaction */
		if (!rc && req->idem_key)
			rc = store_idem_put(ctx, s, req->idem_key, req->who ? req->who->user_id : 0,
					    req->idem_hash, 201, reply, req->now);
	}
	if (!rc)
		rc = store_savepoint_release(ctx, s);
	if (rc) {
		store_savepoint_rollback(s);
		free(req->reply);
		req->reply = NULL;
		req->replayed = 0;
		req->stored = req->duplicates = req->contacts_new = 0;
	}
	req->rc = rc;
}

/* ---- the writer thread ---- */

struct ingest_writer {
	struct store *s;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;      /* a request was queued, or stop was asked */
	pthread_cond_t answered;  /* a group was answered */
	struct ingest_req *head, *tail;
	int stop;
	pthread_mutex_t *lock;
	int64_t fixed_now;
	struct timespec next_clean; /* monotonic */
	struct ingest_stats stats;
};

static int64_t writer_now(const struct ingest_writer *w)
{
	return w->fixed_now ? w->fixed_now : (int64_t)time(NULL);
}

/* Removes expired sessions and old idempotency answers when their time has come. */
static void housekeeping(struct ingest_writer *w)
{
	struct timespec now;
	struct fu_ctx ctx;
	int64_t t = writer_now(w), sessions = 0, idem = 0;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < w->next_clean.tv_sec)
		return;
	w->next_clean.tv_sec = now.tv_sec + INGEST_HOUSEKEEPING_EVERY;
	fu_ctx_init(&ctx);
	if (w->lock)
		pthread_mutex_lock(w->lock);
	rc = store_begin(&ctx, w->s);
	if (!rc)
		rc = store_expire(&ctx, w->s, t, t - INGEST_KEY_KEEP, &sessions, &idem);
	if (!rc)
		rc = store_commit(&ctx, w->s);
	if (rc)
		store_rollback(w->s); /* tried again at the next turn */
	if (w->lock)
		pthread_mutex_unlock(w->lock);
	if (!rc) {
		pthread_mutex_lock(&w->mu);
		w->stats.expired += (uint64_t)(sessions + idem);
		pthread_mutex_unlock(&w->mu);
	}
}

/* Stores one group of requests (a list) in one transaction; each gets its answer. */
static void run_group(struct ingest_writer *w, struct ingest_req *group)
{
	struct fu_ctx ctx;
	uint64_t nreq = 0, nev = 0;
	int rc;

	fu_ctx_init(&ctx);
	if (w->lock)
		pthread_mutex_lock(w->lock);
	rc = store_begin(&ctx, w->s);
	for (struct ingest_req *r = group; r && !rc; r = r->next)
		ingest_one(w->s, r);
	if (!rc)
		rc = store_commit(&ctx, w->s);
	if (rc) {
		/* nothing of the group is stored: each request says why */
		store_rollback(w->s);
		for (struct ingest_req *r = group; r; r = r->next) {
			free(r->reply);
			r->reply = NULL;
			r->replayed = 0;
			r->stored = r->duplicates = r->contacts_new = 0;
			r->bad = SIZE_MAX;
			r->rc = rc;
			r->ctx = ctx;
		}
	}
	if (w->lock)
		pthread_mutex_unlock(w->lock);
	for (struct ingest_req *r = group; r; r = r->next) {
		nreq++;
		nev += r->rc ? 0 : (uint64_t)r->stored;
	}
	pthread_mutex_lock(&w->mu);
	if (!rc)
		w->stats.groups++;
	w->stats.requests += nreq;
	w->stats.events += nev;
	for (struct ingest_req *r = group; r; r = r->next)
		r->done = 1;
	pthread_cond_broadcast(&w->answered);
	pthread_mutex_unlock(&w->mu);
}

static void *writer_main(void *arg)
{
	struct ingest_writer *w = arg;

	for (;;) {
		struct ingest_req *group, *last;
		size_t events;

		housekeeping(w);
		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->stop) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 60; /* wake now and then for the housekeeping */
			if (pthread_cond_timedwait(&w->work, &w->mu, &until) == ETIMEDOUT)
				break;
		}
		if (!w->head && w->stop) {
			pthread_mutex_unlock(&w->mu);
			return NULL;
		}
		if (!w->head) {
			pthread_mutex_unlock(&w->mu);
			continue;
		}
		/* what is queued now goes as one group, up to GROUP_EVENTS_MAX events */
		group = last = w->head;
		events = group->batch->n;
		while (last->next && events + last->next->batch->n <= GROUP_EVENTS_MAX) {
			last = last->next;
			events += last->batch->n;
		}
		w->head = last->next;
		if (!w->head)
			w->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w->mu);
		run_group(w, group);
	}
}

int ingest_writer_start(struct fu_ctx *ctx, const char *path, pthread_mutex_t *lock,
			int64_t fixed_now, struct ingest_writer **out)
{
	struct ingest_writer *w = calloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	if (!w)
		return fu_err(ctx, FU_ENOMEM, "out of memory starting the writer");
	rc = store_open(ctx, path, STORE_OPEN_EXISTING, &w->s);
	if (rc) {
		free(w);
		return rc;
	}
	store_serving_mode(w->s);
	w->lock = lock;
	w->fixed_now = fixed_now;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->answered, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->work);
		pthread_cond_destroy(&w->answered);
		store_close(w->s);
		free(w);
		return fu_err(ctx, FU_EINTERNAL, "cannot start the writer thread");
	}
	*out = w;
	return FU_OK;
}

void ingest_writer_stop(struct ingest_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->answered);
	store_close(w->s);
	free(w);
}

void ingest_submit(struct ingest_writer *w, struct ingest_req *req)
{
	req->done = 0;
	req->next = NULL;
	req->reply = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->tail)
		w->tail->next = req;
	else
		w->head = req;
	w->tail = req;
	pthread_cond_signal(&w->work);
	while (!req->done)
		pthread_cond_wait(&w->answered, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void ingest_writer_stats(struct ingest_writer *w, struct ingest_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->stats;
	pthread_mutex_unlock(&w->mu);
}
