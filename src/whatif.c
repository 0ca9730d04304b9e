/* whatif.c - the last 30 days replayed under two playbooks: the follow-ups each would have asked for */
#include "whatif.h"

#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "datetime.h"
#include "engine.h"
#include "lapse.h"
#include "trigger.h"

#include "banned.h"

#define DAY 86400
#define WEEK_DAYS 7

void whatif_init(struct whatif *w)
{
	memset(w, 0, sizeof(*w));
}

void whatif_release(struct whatif *w)
{
	for (size_t i = 0; i < w->nowners; i++)
		free(w->owners[i].owner);
	for (size_t i = 0; i < w->nover; i++) {
		free(w->over[i].key);
		free(w->over[i].name);
		free(w->over[i].owner);
	}
	free(w->owners);
	free(w->over);
	whatif_init(w);
}

/* One contact under one playbook, from one replayed day to the next. */
struct side {
	const struct lapse_model *lm; /* the model the result was found with */
	int valid;                    /* a result that stands until the clock reaches wake */
	int64_t wake;
	int open;
	int64_t due_day;              /* the follow-up's due as a local day */
	int automated;
	int budgeted;                 /* it counts against the weekly touch budget */
	char id[48];
	char shown[48];               /* the follow-up on the day before's agenda ("" none) */
	char last_budgeted[48];       /* the last follow-up counted against the budget */
	unsigned char came[WHATIF_DAYS]; /* a new budgeted follow-up came due that day */
};

struct run {
	struct whatif *w;
	const struct playbook *pb[2];
	struct lapse_models models;
	struct tz_cache *zones;
	struct store_events_cursor *cur;
	struct event_list ev;
	size_t owner_hint;
};

static int64_t clock_of(const struct whatif *w, int d)
{
	return w->now - (int64_t)(WHATIF_DAYS - 1 - d) * DAY;
}

/* The lapse model of every replayed clock (lapse.h, lapse_models_load). */
static int load_models(struct fu_ctx *ctx, struct store *s, struct run *r)
{
	int64_t at[WHATIF_DAYS + 1];

	for (int d = -1; d < WHATIF_DAYS; d++)
		at[d + 1] = clock_of(r->w, d);
	return lapse_models_load(ctx, s, r->w->now, at, WHATIF_DAYS + 1, &r->models);
}

static int collect(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	return event_list_add(ctx, arg, e);
}

/* Whether the follow-up holds a reason the weekly budget limits (outreach, not an answer). */
static int budgeted(const struct followup *f)
{
	for (int i = 0; i < f->nreasons; i++)
		if (!f->reasons[i].transactional && !trigger_info(f->reasons[i].trigger)->asked)
			return 1;
	return 0;
}

/*
 * The contact's follow-up at clock t under playbook k. As the agenda's wake cache does, it
 * is evaluated again unless nothing could have brought it onto day's agenda: no new events,
 * the same lapse model, the clock before the wake the engine gave, and no follow-up due by
 * the day (engine.h: until the wake, it is due no earlier than it was and not escalated).
 */
static int side_eval(struct fu_ctx *ctx, struct run *r, int k, const struct contact *c,
		     const struct contact_state *st, const struct event_list *ev,
		     const struct tz *zone, int64_t t, int64_t day, int changed, int counted,
		     struct side *sd)
{
	const struct lapse_model *lm = lapse_models_get(&r->models, t);
	struct engine_wake w = { INT64_MAX, INT64_MAX, INT64_MAX };
	struct followup f;
	struct civil cv;
	int open = 0, rc;

	if (sd->valid && !changed && sd->lm == lm && t < sd->wake &&
	    !(sd->open && sd->due_day <= day))
		return FU_OK;
	rc = engine_evaluate(ctx, r->pb[k], lm, c, st, ev, zone, t, &f, &open, &w);
	sd->valid = 0;
	sd->open = 0;
	if (rc == FU_EINPUT) {
		/* a rule failed on this contact's data that day: counted, then left out */
		r->w->errors[k] += counted;
		fu_ctx_init(ctx);
		return FU_OK;
	}
	if (rc)
		return rc;
	sd->valid = 1;
	sd->lm = lm;
	sd->wake = w.wake < w.escalate ? w.wake : w.escalate;
	sd->open = open;
	if (!open)
		return FU_OK;
	tz_to_local(zone, f.due, &cv);
	sd->due_day = dt_days_from_civil(cv.year, cv.month, cv.day);
	sd->automated = f.automated;
	sd->budgeted = budgeted(&f);
	memcpy(sd->id, f.id, sizeof(sd->id));
	sd->id[sizeof(sd->id) - 1] = '\0';
	followup_release(&f);
	return FU_OK;
}

/* The owner's row (made when new); NULL on out-of-memory, with the message on ctx. */
static struct whatif_owner *owner_row(struct fu_ctx *ctx, struct run *r, const char *owner)
{
	struct whatif *w = r->w;
	struct whatif_owner *o;

	if (!owner)
		owner = "";
	if (r->owner_hint < w->nowners && !strcmp(w->owners[r->owner_hint].owner, owner))
		return &w->owners[r->owner_hint];
	for (size_t i = 0; i < w->nowners; i++) {
		if (!strcmp(w->owners[i].owner, owner)) {
			r->owner_hint = i;
			return &w->owners[i];
		}
	}
	if (fu_grow(ctx, &w->owners, &w->cap_owners, w->nowners + 1, sizeof(*w->owners), 8,
		    "replaying the playbook"))
		return NULL;
	o = &w->owners[w->nowners];
	memset(o, 0, sizeof(*o));
	o->owner = strdup(owner);
	if (!o->owner) {
		fu_err(ctx, FU_ENOMEM, "out of memory replaying the playbook");
		return NULL;
	}
	r->owner_hint = w->nowners++;
	return o;
}

static void count(struct whatif_count *n, const struct side *sd)
{
	n->personal += !sd->automated;
	n->automated += sd->automated;
	n->fresh += strcmp(sd->id, sd->shown) != 0;
}

/* The most budgeted follow-ups that came due in seven days running; *start its first day. */
static int busiest_week(const struct side *sd, int *start)
{
	int most = 0, in = 0;

	*start = 0;
	for (int d = 0; d < WHATIF_DAYS; d++) {
		in += sd->came[d];
		if (d >= WEEK_DAYS)
			in -= sd->came[d - WEEK_DAYS];
		if (in > most) {
			most = in;
			*start = d >= WEEK_DAYS - 1 ? d - (WEEK_DAYS - 1) : 0;
		}
	}
	return most;
}

static int dup_opt(const char *s, char **out)
{
	*out = s ? strdup(s) : NULL;
	return s && !*out;
}

/* Lists the contact when either playbook would touch it more often than its budget allows. */
static int note_over(struct fu_ctx *ctx, struct whatif *w, const struct contact *c,
		     const struct side sd[2])
{
	struct whatif_over *o;
	int most[2], start[2], over[2];

	for (int k = 0; k < 2; k++) {
		most[k] = busiest_week(&sd[k], &start[k]);
		over[k] = w->budget[k] > 0 && most[k] > w->budget[k];
	}
	if (!over[WHATIF_OLD] && !over[WHATIF_NEW])
		return FU_OK;
	if (fu_grow(ctx, &w->over, &w->cap_over, w->nover + 1, sizeof(*w->over), 16,
		    "replaying the playbook"))
		return ctx->rc;
	o = &w->over[w->nover];
	memset(o, 0, sizeof(*o));
	o->most[0] = most[0];
	o->most[1] = most[1];
	o->week_start = w->first_day + start[over[WHATIF_NEW] ? WHATIF_NEW : WHATIF_OLD];
	if (dup_opt(c->key, &o->key) || dup_opt(c->name, &o->name) ||
	    dup_opt(c->owner, &o->owner)) {
		free(o->key);
		free(o->name);
		free(o->owner);
		return fu_err(ctx, FU_ENOMEM, "out of memory replaying the playbook");
	}
	w->nover++;
	return FU_OK;
}

/* One contact: its state folded day by day, its follow-up under both playbooks each day. */
static int replay_contact(struct fu_ctx *ctx, void *arg, const struct contact *c,
			  const struct contact_state *stored)
{
	struct run *r = arg;
	struct whatif *w = r->w;
	struct contact_state st;
	struct whatif_owner *row = NULL;
	struct side sd[2];
	const struct tz *zone;
	int idx = 0, rc;

	(void)stored; /* today's state; the replay folds its own, day by day */
	event_list_clear(&r->ev);
	rc = store_events_cursor_contact(ctx, r->cur, c->id, collect, &r->ev);
	if (rc || r->ev.n == 0 || r->ev.v[0].time > w->now)
		return rc;
	w->contacts++;
	rc = agenda_zone(ctx, r->zones, r->pb[WHATIF_NEW], c, &zone);
	if (rc)
		return rc;
	memset(sd, 0, sizeof(sd));
	contact_state_init(&st, c->id);
	for (int d = -1; !rc && d < WHATIF_DAYS; d++) {
		int64_t t = clock_of(w, d), day = w->first_day + d;
		struct event_list view;
		int changed = 0;

		while (!rc && idx < r->ev.n && r->ev.v[idx].time <= t) {
			rc = contact_state_apply(ctx, &st, &r->ev.v[idx++]);
			changed = 1;
		}
		if (rc || idx == 0)
			continue;
		view = r->ev;
		view.n = idx;
		for (int k = 0; !rc && k < 2; k++) {
			struct side *s = &sd[k];
			int due;

			rc = side_eval(ctx, r, k, c, &st, &view, zone, t, day, changed, d >= 0, s);
			due = !rc && s->valid && s->open && s->due_day <= day;
			if (due && d >= 0) {
				if (!row)
					row = owner_row(ctx, r, c->owner);
				if (!row) {
					rc = ctx->rc;
					break;
				}
				count(&w->day[d][k], s);
				count(&row->day[d][k], s);
			}
			if (due && s->budgeted && strcmp(s->id, s->last_budgeted) != 0) {
				if (d >= 0)
					s->came[d] = 1;
				memcpy(s->last_budgeted, s->id, sizeof(s->id));
			}
			if (due)
				memcpy(s->shown, s->id, sizeof(s->id));
			else
				s->shown[0] = '\0';
		}
	}
	contact_state_release(&st);
	return rc ? rc : note_over(ctx, w, c, sd);
}

static int cmp_owner(const void *x, const void *y)
{
	return strcmp(((const struct whatif_owner *)x)->owner,
		      ((const struct whatif_owner *)y)->owner);
}

static int cmp_over(const void *x, const void *y)
{
	const struct whatif_over *a = x, *b = y;

	if (a->most[WHATIF_NEW] != b->most[WHATIF_NEW])
		return b->most[WHATIF_NEW] - a->most[WHATIF_NEW];
	return strcmp(a->key ? a->key : "", b->key ? b->key : "");
}

int whatif_run(struct fu_ctx *ctx, struct store *s, const struct playbook *pb_old,
	       const struct playbook *pb_new, int64_t now, struct whatif *out)
{
	struct run r;
	struct wake_filter f;
	struct civil cv;
	int rc;

	whatif_init(out);
	out->now = now;
	dt_to_civil(clock_of(out, 0), &cv);
	out->first_day = dt_days_from_civil(cv.year, cv.month, cv.day);
	out->budget[WHATIF_OLD] = pb_old->touches_per_week;
	out->budget[WHATIF_NEW] = pb_new->touches_per_week;
	memset(&r, 0, sizeof(r));
	r.w = out;
	r.pb[WHATIF_OLD] = pb_old;
	r.pb[WHATIF_NEW] = pb_new;
	event_list_init(&r.ev);
	r.zones = tz_cache_new();
	if (!r.zones)
		return fu_err(ctx, FU_ENOMEM, "out of memory replaying the playbook");
	/* the models first: the one kept for now's month is written outside the read */
	rc = load_models(ctx, s, &r);
	if (!rc)
		rc = store_begin_read(ctx, s);
	if (!rc) {
		memset(&f, 0, sizeof(f));
		f.every = 1;
		rc = store_events_cursor_open(ctx, s, &r.cur);
		if (!rc)
			rc = store_wake_candidates(ctx, s, &f, replay_contact, &r);
		store_events_cursor_close(r.cur);
		store_rollback(s);
	}
	event_list_release(&r.ev);
	tz_cache_free(r.zones);
	if (rc) {
		whatif_release(out);
		return rc;
	}
	if (out->nowners > 1)
		qsort(out->owners, out->nowners, sizeof(*out->owners), cmp_owner);
	if (out->nover > 1)
		qsort(out->over, out->nover, sizeof(*out->over), cmp_over);
	return FU_OK;
}
