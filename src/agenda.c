/* agenda.c - runs the engine over the contacts that may need it and orders the follow-ups */
#include "agenda.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tz.h"

#include "banned.h"

void agenda_init(struct agenda *a)
{
	memset(a, 0, sizeof(*a));
}

void agenda_release(struct agenda *a)
{
	for (int i = 0; i < a->n; i++)
		followup_release(&a->v[i]);
	for (int i = 0; i < a->nerrors; i++) {
		free(a->errors[i].key);
		free(a->errors[i].msg);
	}
	free(a->errors);
	free(a->v);
	for (int i = 0; i < a->nskipped; i++)
		free(a->skipped[i]);
	free(a->skipped);
	agenda_init(a);
}

/* Notes that contact c could not be evaluated, with the message on ctx (then cleared). */
static int note_error(struct fu_ctx *ctx, struct agenda *a, const struct contact *c)
{
	struct agenda_error *e;

	if (fu_grow(ctx, &a->errors, &a->cap_errors, (size_t)a->nerrors + 1, sizeof(*a->errors),
		    8, "building the agenda"))
		return ctx->rc;
	e = &a->errors[a->nerrors];
	e->contact_id = c->id;
	e->key = strdup(c->key ? c->key : "");
	e->msg = strdup(ctx->msg);
	if (!e->key || !e->msg) {
		free(e->key);
		free(e->msg);
		return fu_err(ctx, FU_ENOMEM, "out of memory building the agenda");
	}
	a->nerrors++;
	fu_ctx_init(ctx);
	return FU_OK;
}

int agenda_playbook(struct fu_ctx *ctx, struct store *s, struct playbook *pb)
{
	char *yaml = NULL;
	int rc = store_playbook_get(ctx, s, &yaml);

	if (rc)
		return rc;
	if (!yaml)
		return playbook_load_default(ctx, pb);
	rc = playbook_load_stored(ctx, "stored playbook", yaml, pb);
	free(yaml);
	return rc;
}

int agenda_build_current(struct fu_ctx *ctx, struct store *s, const struct agenda_opts *opts,
			 struct agenda *a)
{
	struct playbook pb;
	int rc;

	playbook_init(&pb);
	rc = agenda_playbook(ctx, s, &pb);
	if (!rc)
		rc = agenda_build(ctx, s, &pb, opts, a);
	if (!rc) {
		/* the rules left out go with the agenda, to be said beside it */
		a->skipped = pb.skipped;
		a->nskipped = pb.nskipped;
		pb.skipped = NULL;
		pb.nskipped = 0;
	}
	playbook_release(&pb);
	return rc;
}

static int collect(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	return event_list_add(ctx, arg, e);
}

int agenda_zone(struct fu_ctx *ctx, struct tz_cache *zones, const struct playbook *pb,
		const struct contact *c, const struct tz **out)
{
	const char *names[] = { c->tz, pb->default_tz, "UTC" };
	struct fu_ctx tmp;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fu_ctx_init(&tmp);
		if (names[i] && tz_cache_get(&tmp, zones, names[i], out) == FU_OK)
			return FU_OK;
		if (tmp.rc == FU_ENOMEM)
			return fu_err(ctx, FU_ENOMEM, "%s", tmp.msg);
	}
	return fu_err(ctx, FU_EINTERNAL, "no time zone available (is tzdata installed?)");
}

struct build {
	struct store *s;
	const struct playbook *pb;
	const struct lapse_model *lapse;
	const struct agenda_opts *o;
	struct agenda *a;
	struct tz_cache *zones;
	struct store_events_cursor *cur;
	struct event_list ev;           /* reused from contact to contact */
	struct store_wake *wakes;       /* one per contact evaluated */
	size_t nwakes, cap_wakes;
	int worker;                     /* reads the log on a connection of its own */
	int drift;                      /* (a worker) a contact's events disagreed with its state */
	struct pool *pool;              /* the main build's workers, or NULL: evaluate inline */
};

/* Keeps the contact's wake, with its follow-up's due as a local day in zone (any when none). */
static int remember_wake(struct fu_ctx *ctx, struct build *b, int64_t contact_id,
			 const struct engine_wake *w, const struct tz *zone)
{
	int64_t day = STORE_WAKE_NEVER;

	if (w->due != STORE_WAKE_NEVER && zone) {
		struct civil cv;

		tz_to_local(zone, w->due, &cv);
		day = dt_days_from_civil(cv.year, cv.month, cv.day);
	}
	if (fu_grow(ctx, &b->wakes, &b->cap_wakes, b->nwakes + 1, sizeof(*b->wakes), 1024,
		    "building the agenda"))
		return ctx->rc;
	b->wakes[b->nwakes].contact_id = contact_id;
	b->wakes[b->nwakes].due_day = day;
	b->wakes[b->nwakes].wake = w->wake;
	b->wakes[b->nwakes].escalate = w->escalate;
	b->nwakes++;
	return FU_OK;
}

static int build_one(struct fu_ctx *ctx, void *arg, const struct contact *c,
		     const struct contact_state *st)
{
	struct build *b = arg;
	struct engine_wake w = { STORE_WAKE_NEVER, STORE_WAKE_NEVER, STORE_WAKE_NEVER };
	struct followup f;
	const struct tz *zone;
	struct civil cv;
	int open = 0, rc;

	b->a->contacts++;
	if (st->events == 0)
		return remember_wake(ctx, b, c->id, &w, NULL); /* nothing until new events */
	rc = agenda_zone(ctx, b->zones, b->pb, c, &zone);
	if (rc)
		return rc;
	event_list_clear(&b->ev);
	rc = store_events_cursor_contact(ctx, b->cur, c->id, collect, &b->ev);
	if (!rc && b->worker && b->ev.n != st->events) {
		/*
		 * a worker reads the log on its own connection, which may have begun after a
		 * writer added events the main connection's state does not count yet
		 */
		b->drift = 1;
		return FU_OK;
	}
	if (!rc)
		rc = engine_evaluate(ctx, b->pb, b->lapse, c, st, &b->ev, zone, b->o->now, &f, &open,
				     &w);
	if (rc == FU_EINPUT) {
		/* a rule failed on this contact's data: reported, and looked at again next time */
		w.due = STORE_WAKE_NEVER;
		w.wake = w.escalate = b->o->now;
		rc = note_error(ctx, b->a, c);
		return rc ? rc : remember_wake(ctx, b, c->id, &w, NULL);
	}
	if (!rc)
		rc = remember_wake(ctx, b, c->id, &w, zone);
	if (rc || !open) {
		if (open)
			followup_release(&f);
		return rc;
	}
	tz_to_local(zone, f.due, &cv);
	if (!b->o->all && dt_days_from_civil(cv.year, cv.month, cv.day) > b->o->day)
		goto skip;
	/* an owner sees their own follow-ups, and escalated new leads nobody owns */
	if (b->o->owner && strcmp(b->o->owner, f.owner ? f.owner : "") != 0 &&
	    !(f.escalated && !f.owner))
		goto skip;
	if (fu_grow(ctx, &b->a->v, &b->a->cap, (size_t)b->a->n + 1, sizeof(*b->a->v), 64,
		    "building the agenda")) {
		followup_release(&f);
		return ctx->rc;
	}
	b->a->v[b->a->n++] = f;
	return FU_OK;
skip:
	followup_release(&f);
	return FU_OK;
}

/*
 * ---- evaluation on several threads ----
 *
 * The candidates (contact and state, read by the main connection) are gathered in batches;
 * a batch large enough is split into contiguous id ranges, each evaluated by a worker with
 * its own read-only connection, cursor, zones and results, which are then appended in id
 * order (so the outcome is the one of an evaluation inline). A worker's connection may see
 * a later snapshot than the main one when a writer committed in between: a contact whose
 * events then disagree with its state is drift, and the batch is evaluated again inline,
 * as is everything after it. Wakes are stored by the main connection only, which refuses
 * to write after any commit it has not seen, so drift never reaches the cache.
 */
#define BATCH 8192           /* candidates gathered before they are evaluated */
#define PARALLEL_MIN 2048    /* a batch smaller than this is evaluated inline */
#define JOBS_MAX 8

struct candidate {
	struct contact c;
	struct contact_state st;
};

struct worker {
	struct build b;
	struct agenda a;
	const struct candidate *v;
	size_t n;
	struct fu_ctx ctx;
	int rc;
};

struct pool {
	int jobs;
	int inline_only;             /* drift was seen, or a worker could not start */
	struct worker w[JOBS_MAX];
	int open;                    /* workers whose connections are open */
	struct candidate *v;         /* the batch */
	size_t n;
};

static int copy_candidate(struct fu_ctx *ctx, struct candidate *d, const struct contact *c,
			  const struct contact_state *st)
{
	d->st = *st;
	d->st.open = NULL; /* the fold's working set is not read by the engine */
	d->st.n_open = 0;
	d->st.cap_open = 0;
	return contact_copy(ctx, &d->c, c);
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;

	for (size_t i = 0; i < w->n && !w->rc && !w->b.drift; i++)
		w->rc = build_one(&w->ctx, &w->b, &w->v[i].c, &w->v[i].st);
	return NULL;
}

/* Opens worker k: its own connection in a read transaction, cursor and zones. */
static int worker_open(struct fu_ctx *ctx, const struct build *main, struct worker *w)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->b = (struct build){ .pb = main->pb, .lapse = main->lapse, .o = main->o, .a = &w->a,
			       .worker = 1 };
	agenda_init(&w->a);
	event_list_init(&w->b.ev);
	fu_ctx_init(&w->ctx);
	w->b.zones = tz_cache_new();
	if (!w->b.zones)
		return fu_err(ctx, FU_ENOMEM, "out of memory building the agenda");
	rc = store_open_reader(ctx, main->s, &w->b.s);
	if (!rc)
		rc = store_begin_read(ctx, w->b.s);
	if (!rc)
		rc = store_events_cursor_open(ctx, w->b.s, &w->b.cur);
	return rc;
}

static void worker_close(struct worker *w)
{
	store_events_cursor_close(w->b.cur);
	if (w->b.s)
		store_rollback(w->b.s);
	store_close(w->b.s);
	tz_cache_free(w->b.zones);
	event_list_release(&w->b.ev);
	free(w->b.wakes);
	agenda_release(&w->a);
}

/* Forgets a worker's results of one batch. */
static void worker_reset(struct worker *w)
{
	agenda_release(&w->a);
	w->b.nwakes = 0;
	w->b.drift = 0;
	w->rc = FU_OK;
	fu_ctx_init(&w->ctx);
}

static void pool_clear_batch(struct pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		contact_release(&p->v[i].c);
	p->n = 0;
}

/* Moves worker results into the main build, in order. */
static int pool_merge(struct fu_ctx *ctx, struct build *b, struct pool *p, int k)
{
	for (int i = 0; i < k; i++) {
		struct worker *w = &p->w[i];

		b->a->contacts += w->a.contacts;
		if (fu_grow(ctx, &b->wakes, &b->cap_wakes, b->nwakes + w->b.nwakes,
			    sizeof(*b->wakes), 1024, "building the agenda") ||
		    fu_grow(ctx, &b->a->v, &b->a->cap, (size_t)b->a->n + (size_t)w->a.n,
			    sizeof(*b->a->v), 64, "building the agenda") ||
		    (w->a.nerrors &&
		     fu_grow(ctx, &b->a->errors, &b->a->cap_errors,
			     (size_t)b->a->nerrors + (size_t)w->a.nerrors, sizeof(*b->a->errors), 8,
			     "building the agenda")))
			return ctx->rc;
		/* a worker given no candidates has no arrays: memcpy must not see NULL */
		if (w->b.nwakes)
			memcpy(b->wakes + b->nwakes, w->b.wakes, w->b.nwakes * sizeof(*b->wakes));
		b->nwakes += w->b.nwakes;
		if (w->a.n)
			memcpy(b->a->v + b->a->n, w->a.v, (size_t)w->a.n * sizeof(*w->a.v));
		b->a->n += w->a.n;
		if (w->a.nerrors) {
			memcpy(b->a->errors + b->a->nerrors, w->a.errors,
			       (size_t)w->a.nerrors * sizeof(*w->a.errors));
			b->a->nerrors += w->a.nerrors;
		}
		free(w->a.errors); /* the errors and follow-ups now belong to the main agenda */
		free(w->a.v);
		agenda_init(&w->a);
		worker_reset(w);
	}
	return FU_OK;
}

/* Evaluates the gathered batch: on the workers when it is large enough, else inline. */
static int pool_run(struct fu_ctx *ctx, struct build *b)
{
	struct pool *p = b->pool;
	size_t per;
	int k, rc = FU_OK, drift = 0;

	if (p->n < (b->o->parallel_min ? b->o->parallel_min : PARALLEL_MIN) || p->inline_only)
		goto run_inline;
	if (p->open == 0 && b->o->before_workers)
		b->o->before_workers(b->o->before_workers_arg);
	for (; p->open < p->jobs; p->open++) {
		if (worker_open(ctx, b, &p->w[p->open])) {
			worker_close(&p->w[p->open]);
			fu_ctx_init(ctx); /* a worker that cannot start costs speed, not the agenda */
			if (p->open < 2) {
				p->inline_only = 1;
				goto run_inline;
			}
			break;
		}
	}
	k = p->open;
	per = (p->n + (size_t)k - 1) / (size_t)k;
	for (int i = 0; i < k; i++) {
		size_t lo = (size_t)i * per < p->n ? (size_t)i * per : p->n;
		size_t hi = lo + per < p->n ? lo + per : p->n;

		p->w[i].v = p->v + lo;
		p->w[i].n = hi - lo;
	}
	/* the main thread takes the first range; a thread that cannot start runs here too */
	{
		pthread_t th[JOBS_MAX];
		int started[JOBS_MAX] = { 0 };

		for (int i = 1; i < k; i++)
			started[i] = pthread_create(&th[i], NULL, worker_run, &p->w[i]) == 0;
		worker_run(&p->w[0]);
		for (int i = 1; i < k; i++) {
			if (started[i])
				pthread_join(th[i], NULL);
			else
				worker_run(&p->w[i]);
		}
	}
	for (int i = 0; i < k; i++) {
		if (p->w[i].rc && !rc) {
			rc = fu_err(ctx, p->w[i].rc, "%s", p->w[i].ctx.msg);
		}
		drift |= p->w[i].b.drift;
	}
	if (!rc && !drift) {
		rc = pool_merge(ctx, b, p, k);
		pool_clear_batch(p);
		return rc;
	}
	for (int i = 0; i < k; i++)
		worker_reset(&p->w[i]);
	if (rc) {
		pool_clear_batch(p);
		return rc;
	}
	p->inline_only = 1; /* another snapshot: the main connection does the rest */
run_inline:
	for (size_t i = 0; i < p->n && !rc; i++)
		rc = build_one(ctx, b, &p->v[i].c, &p->v[i].st);
	pool_clear_batch(p);
	return rc;
}

/* store_wake_candidates' callback with a pool: gathers, and evaluates full batches. */
static int gather(struct fu_ctx *ctx, void *arg, const struct contact *c,
		  const struct contact_state *st)
{
	struct build *b = arg;
	int rc = copy_candidate(ctx, &b->pool->v[b->pool->n], c, st);

	if (rc)
		return rc;
	if (++b->pool->n == BATCH)
		return pool_run(ctx, b);
	return FU_OK;
}

static int jobs_wanted(int jobs)
{
	long n;

	if (jobs > 0)
		return jobs < JOBS_MAX ? jobs : JOBS_MAX;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > JOBS_MAX ? JOBS_MAX : (int)n;
}

static int cmp_followup(const void *x, const void *y)
{
	const struct followup *a = x, *b = y;

	if (a->priority != b->priority)
		return b->priority - a->priority;
	if (a->at_risk != b->at_risk)
		return a->at_risk < b->at_risk ? 1 : -1;
	if (a->due != b->due)
		return (a->due > b->due) - (a->due < b->due);
	return strcmp(a->key, b->key);
}

#define META_WAKE_BASIS "agenda_wake_basis"
#define META_WAKE_AT "agenda_wake_at"

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

/*
 * What the stored wakes were computed with: the engine's wake rules, the playbook text and
 * the rhythm prior, which sets the day each regular buyer's lapse begins (so new purchases
 * that move the prior make everyone's wake stale). The BG/NBD and Gamma-Gamma fits are left
 * out on purpose: they change every day (the calibration period ends today) but set only a
 * lapse's priority, money and words, never whether or when a follow-up is open or due, and
 * every follow-up shown is evaluated afresh; with them in, no cache would survive a day.
 */
static void wake_basis(const struct playbook *pb, const struct rhythm_prior *prior, char *out,
		       size_t n)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	char p[160];

	snprintf(p, sizeof(p), "%a %a %a %a %ld", prior->mu, prior->sigma, prior->tau,
		 prior->weight, prior->customers);
	h = fnv1a(fnv1a(h, pb->source ? pb->source : ""), p);
	snprintf(out, n, "%d-%016" PRIx64, ENGINE_WAKE_RULES, h);
}

/* *at: the latest clock wakes were stored at (INT64_MIN when none). */
static int wake_meta(struct fu_ctx *ctx, struct store *s, const char *basis, int *same_basis,
		     int64_t *at)
{
	char *v = NULL;
	int rc = store_meta_get(ctx, s, META_WAKE_BASIS, &v);

	*same_basis = 0;
	*at = INT64_MIN;
	if (rc)
		return rc;
	*same_basis = v && !strcmp(v, basis);
	free(v);
	rc = store_meta_get(ctx, s, META_WAKE_AT, &v);
	if (!rc && v)
		*at = strtoll(v, NULL, 10);
	free(v);
	return rc;
}

/*
 * Stores the wakes found at `at` (they are valid from then on) and commits; any failure
 * (a read-only file, another writer in between or at work) leaves the cache as it was,
 * silently.
 */
static void save_wakes(struct fu_ctx *ctx, struct store *s, const struct build *b,
		       const char *basis, int64_t at)
{
	char v[32];
	int rc;

	snprintf(v, sizeof(v), "%lld", (long long)at);
	/*
	 * a cache is not worth waiting for: while another writer works (the server's event
	 * writer, an import) this run's wakes are left unsaved at once, not after its commit
	 */
	store_busy_wait(s, 0);
	rc = store_wake_set(ctx, s, b->wakes, b->nwakes);
	if (!rc)
		rc = store_meta_set(ctx, s, META_WAKE_BASIS, basis);
	if (!rc)
		rc = store_meta_set(ctx, s, META_WAKE_AT, v);
	if (!rc)
		rc = store_commit(ctx, s);
	if (rc) {
		store_rollback(s);
		fu_ctx_init(ctx);
	}
	store_busy_wait(s, STORE_BUSY_TIMEOUT_MS);
}

int agenda_build(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		 const struct agenda_opts *opts, struct agenda *out)
{
	struct build b;
	struct wake_filter f;
	struct lapse_model lm;
	char basis[64];
	int64_t at;
	int same, rc;

	agenda_init(out);
	memset(&b, 0, sizeof(b));
	b.s = s;
	b.pb = pb;
	b.o = opts;
	b.a = out;
	event_list_init(&b.ev);
	b.zones = tz_cache_new();
	if (!b.zones)
		return fu_err(ctx, FU_ENOMEM, "out of memory building the agenda");
	/*
	 * the customer base's rhythm and models, once for every contact of this run (outside
	 * the read transaction, so that the model kept for the next run is not rolled back)
	 */
	b.lapse = opts->lapse;
	if (!b.lapse) {
		rc = lapse_model_load(ctx, s, opts->now, &lm);
		if (rc)
			goto out;
		b.lapse = &lm;
	}
	rc = store_begin_read(ctx, s);
	if (rc)
		goto out;
	wake_basis(pb, &b.lapse->prior, basis, sizeof(basis));
	rc = wake_meta(ctx, s, basis, &same, &at);
	if (rc)
		goto out_rollback;
	memset(&f, 0, sizeof(f));
	f.every = opts->full || !same || at > opts->now;
	f.owner = opts->owner;
	/*
	 * the follow-ups due by the end of local day opts->day; any contact whose wake has
	 * passed may have changed, whatever the day asked for
	 */
	f.due_day_by = opts->all ? STORE_WAKE_NEVER - 1 : opts->day;
	f.wake_by = opts->now;
	f.escalate_by = opts->now;
	rc = store_events_cursor_open(ctx, s, &b.cur);
	if (!rc && jobs_wanted(opts->jobs) > 1) {
		b.pool = calloc(1, sizeof(*b.pool));
		if (b.pool)
			b.pool->v = malloc(BATCH * sizeof(*b.pool->v));
		if (!b.pool || !b.pool->v)
			rc = fu_err(ctx, FU_ENOMEM, "out of memory building the agenda");
		else
			b.pool->jobs = jobs_wanted(opts->jobs);
	}
	if (!rc)
		rc = store_wake_candidates(ctx, s, &f, b.pool ? gather : build_one, &b);
	if (!rc && b.pool)
		rc = pool_run(ctx, &b); /* the last batch */
	if (b.pool) {
		pool_clear_batch(b.pool);
		for (int i = 0; i < b.pool->open; i++)
			worker_close(&b.pool->w[i]);
		free(b.pool->v);
		free(b.pool);
		b.pool = NULL;
	}
	store_events_cursor_close(b.cur);
	if (rc)
		goto out_rollback;
	if (b.nwakes)
		save_wakes(ctx, s, &b, basis, f.every || at < opts->now ? opts->now : at);
	else
		store_rollback(s);
	if (out->n > 1) /* an empty agenda has no array to sort (qsort(NULL, 0) is undefined) */
		qsort(out->v, (size_t)out->n, sizeof(out->v[0]), cmp_followup);
	goto out;
out_rollback:
	store_rollback(s);
out:
	event_list_release(&b.ev);
	free(b.wakes);
	tz_cache_free(b.zones);
	if (rc)
		agenda_release(out);
	return rc;
}

int agenda_contact(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		   int64_t contact_id, int64_t now, struct followup *out, int *open)
{
	struct contact c;
	struct contact_state st;
	struct tz_cache *zones;
	const struct tz *zone;
	struct lapse_model lm;
	int rc;

	*open = 0;
	followup_init(out);
	contact_init(&c);
	rc = store_contact_get_id(ctx, s, contact_id, &c);
	if (rc)
		return rc;
	rc = store_state_get(ctx, s, contact_id, &st);
	if (rc == FU_ENOTFOUND) {
		contact_state_init(&st, contact_id);
		rc = FU_OK;
	}
	zones = tz_cache_new();
	if (!rc && !zones)
		rc = fu_err(ctx, FU_ENOMEM, "out of memory");
	if (!rc) {
		struct event_list ev;

		rc = agenda_zone(ctx, zones, pb, &c, &zone);
		event_list_init(&ev);
		if (!rc)
			rc = store_events_of_contact(ctx, s, contact_id, collect, &ev);
		if (!rc)
			rc = lapse_model_load(ctx, s, now, &lm);
		if (!rc)
			rc = engine_followup(ctx, pb, &lm, &c, &st, &ev, zone, now, out, open);
		event_list_release(&ev);
	}
	tz_cache_free(zones);
	contact_release(&c);
	return rc;
}

int agenda_followup(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		    const char *followup_id, int64_t now, struct followup *out)
{
	int64_t contact_id;
	int rc, open = 0;

	followup_init(out);
	if (followup_id_parse(followup_id, &contact_id))
		return fu_err(ctx, FU_EINPUT, "follow-up '%.64s': not an id like F12-345",
			      followup_id);
	rc = agenda_contact(ctx, s, pb, contact_id, now, out, &open);
	if (rc == FU_ENOTFOUND)
		rc = fu_err(ctx, FU_ENOTFOUND, "follow-up '%s': no such contact", followup_id);
	if (!rc && !open)
		rc = fu_err(ctx, FU_EINPUT, "follow-up '%s': nothing is open for this contact",
			    followup_id);
	if (!rc && strcmp(out->id, followup_id) != 0)
		rc = fu_err(ctx, FU_EINPUT,
			    "follow-up '%s' has changed: it is now %s (run 'followup agenda')",
			    followup_id, out->id);
	if (rc && open)
		followup_release(out);
	return rc;
}
