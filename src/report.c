/* report.c - the business's figures: speed to lead, silence, touches, open follow-ups, lapses; stages; lapsing customers */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "outcome.h"

#include "banned.h"

#define DAY 86400
#define RECENT_DAYS 30 /* "the last 30 days", and "a month ago" for the lapse totals */

/* ---- report ---- */

struct tally {
	struct report *r;
	int64_t now;
	int64_t contact;          /* contact of the events being read */
	int64_t pending_lead;     /* a lead not answered yet, or FU_TIME_NONE */
	int64_t *answer;          /* seconds from lead to first touch */
	size_t nanswer, cap;
};

/* A lead counts in speed to lead when it came in the RECENT_DAYS before the moment. */
static int lead_recent(int64_t lead, int64_t now)
{
	return lead <= now && lead > now - RECENT_DAYS * DAY;
}

static void lead_flush(struct tally *t)
{
	if (t->pending_lead != FU_TIME_NONE && lead_recent(t->pending_lead, t->now))
		t->r->unanswered++;
	t->pending_lead = FU_TIME_NONE;
}

static int tally_event(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	struct tally *t = arg;
	int o = outcome_of(e->outcome), felt;

	if (e->contact_id != t->contact) {
		lead_flush(t);
		t->contact = e->contact_id;
	}
	if (e->time > t->now)
		return FU_OK;
	if (e->type == EV_LEAD && t->pending_lead == FU_TIME_NONE)
		t->pending_lead = e->time;
	if (e->type != EV_TOUCH)
		return FU_OK;
	/* a snooze is a note to ourselves; an unknown outcome still counts as a touch */
	felt = o < 0 || outcome_info(o)->felt;
	if (e->time > t->now - RECENT_DAYS * DAY) {
		t->r->touches += felt;
		t->r->snoozed += !felt;
		t->r->conversations += o > 0 && outcome_info(o)->conversation;
	}
	if (felt && t->pending_lead != FU_TIME_NONE && lead_recent(t->pending_lead, t->now)) {
		if (fu_grow(ctx, &t->answer, &t->cap, t->nanswer + 1, sizeof(*t->answer), 256,
			    "reporting"))
			return ctx->rc;
		t->answer[t->nanswer++] = e->time - t->pending_lead;
	}
	if (felt)
		t->pending_lead = FU_TIME_NONE;
	return FU_OK;
}

/*
 * Whether the contact is active at now (events, neither do-not-contact nor dormant), and
 * then whether it was touched (either way) within silence_days: 0, 1 (active) or 2 (both).
 */
static int active_in_time(const struct contact_state *st, int64_t now, int silence_days)
{
	int64_t last = st->last_two_way;

	if (st->events == 0 || st->do_not_contact || contact_stage(st, now) == STAGE_DORMANT)
		return 0;
	if (st->last_touch_out != FU_TIME_NONE && st->last_touch_out > last)
		last = st->last_touch_out;
	return last != FU_TIME_NONE && now - last <= (int64_t)silence_days * DAY ? 2 : 1;
}

static int tally_contact(struct fu_ctx *ctx, void *arg, const struct contact *c,
			 const struct contact_state *st)
{
	struct tally *t = arg;
	int a = active_in_time(st, t->now, t->r->silence_days);

	t->r->active += a > 0;
	t->r->touched_in_time += a == 2;
	return FU_OK;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Lapsing customers and the yearly spend at risk now (with the agenda's model, into *m)
 * and RECENT_DAYS ago, each from the purchases up to that moment.
 */
static int lapse_report(struct fu_ctx *ctx, struct store *s, int64_t now, struct lapse_model *m,
			struct report *r)
{
	struct purchase_log p;
	struct lapse_models *ms = malloc(sizeof(*ms));
	struct lapse_entry *v = NULL;
	int64_t ago = now - RECENT_DAYS * DAY;
	size_t n = 0;
	int rc;

	if (!ms)
		return fu_err(ctx, FU_ENOMEM, "out of memory reporting");
	purchase_log_init(&p);
	/* the agenda's model, and the kept one of a month ago's month */
	rc = lapse_models_load(ctx, s, now, &ago, 1, ms);
	if (!rc) {
		*m = ms->m[0];
		rc = purchase_log_load(ctx, s, now, &p);
	}
	if (!rc)
		rc = lapse_list(ctx, m, &p, now, &v, &n);
	for (size_t i = 0; !rc && i < n; i++)
		r->lapsing.at_risk += v[i].l.at_risk;
	r->lapsing.customers = n;
	if (!rc)
		rc = lapse_totals_at(ctx, lapse_models_get(ms, ago), &p, ago,
				     &r->lapsing_month_ago);
	free(v);
	free(ms);
	purchase_log_release(&p);
	return rc;
}

int report_build(struct fu_ctx *ctx, struct store *s, int64_t now, struct report *r)
{
	struct tally t;
	struct playbook pb;
	struct agenda_opts ao = { .now = now, .all = 1 };
	struct agenda a;
	struct lapse_model lm;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&t, 0, sizeof(t));
	t.r = r;
	t.now = now;
	t.contact = -1;
	t.pending_lead = FU_TIME_NONE;
	playbook_init(&pb);
	agenda_init(&a);
	rc = agenda_playbook(ctx, s, &pb);
	r->silence_days = pb.silence_days;
	if (!rc)
		rc = store_events_scan(ctx, s, tally_event, &t);
	lead_flush(&t);
	if (!rc)
		rc = store_contacts_list(ctx, s, NULL, tally_contact, &t);
	if (!rc)
		rc = lapse_report(ctx, s, now, &lm, r);
	ao.lapse = &lm;
	if (!rc)
		rc = agenda_build(ctx, s, &pb, &ao, &a);
	for (int i = 0; !rc && i < a.n; i++)
		r->overdue += a.v[i].overdue;
	r->open = rc ? 0 : a.n;
	if (!rc && t.nanswer) {
		qsort(t.answer, t.nanswer, sizeof(t.answer[0]), cmp_i64);
		r->median_seconds = t.answer[t.nanswer / 2];
		r->worst_seconds = t.answer[t.nanswer - 1];
	}
	r->answered = (int64_t)t.nanswer;
	free(t.answer);
	agenda_release(&a);
	playbook_release(&pb);
	if (rc)
		memset(r, 0, sizeof(*r));
	return rc;
}

/* ---- week by week, per owner ---- */

/* A lead and the felt touch that answered it (at: INT64_MAX while unanswered). */
struct answer {
	int64_t lead, at;
	int owner;
};

struct weekly {
	struct report_weeks *w;
	int64_t now;
	int *owner_of;            /* contact id -> owner index (-1: none known) */
	size_t nids;
	int64_t contact;          /* of the events being read */
	int owner;
	int64_t pending;          /* a lead not answered yet, or FU_TIME_NONE */
	struct answer *a;
	size_t na, cap;
	const char *owner_hint;
	int hint;
};

void report_weeks_release(struct report_weeks *w)
{
	for (size_t i = 0; i < w->nowners; i++)
		free(w->owners[i].owner);
	free(w->owners);
	memset(w, 0, sizeof(*w));
}

/* The index of owner's row (made when new), or -1 with the message on ctx. */
static int owner_index(struct fu_ctx *ctx, struct report_weeks *w, const char *owner, int make)
{
	struct report_owner *o;

	if (!owner)
		owner = "";
	for (size_t i = 0; i < w->nowners; i++)
		if (!strcmp(w->owners[i].owner, owner))
			return (int)i;
	if (!make)
		return -1;
	if (fu_grow(ctx, &w->owners, &w->cap_owners, w->nowners + 1, sizeof(*w->owners), 8,
		    "reporting"))
		return -1;
	o = &w->owners[w->nowners];
	memset(o, 0, sizeof(*o));
	o->owner = strdup(owner);
	if (!o->owner) {
		fu_err(ctx, FU_ENOMEM, "out of memory reporting");
		return -1;
	}
	return (int)w->nowners++;
}

/* Every contact: its owner's row, and who is active and touched in time today. */
static int weekly_contact(struct fu_ctx *ctx, void *arg, const struct contact *c,
			  const struct contact_state *st)
{
	struct weekly *t = arg;
	int k, a;

	if (t->owner_hint && !strcmp(t->owner_hint, c->owner ? c->owner : ""))
		k = t->hint;
	else if ((k = owner_index(ctx, t->w, c->owner, 1)) < 0)
		return ctx->rc;
	t->hint = k;
	t->owner_hint = t->w->owners[k].owner;
	if (c->id >= 0 && (size_t)c->id < t->nids)
		t->owner_of[c->id] = k;
	a = active_in_time(st, t->now, t->w->silence_days);
	t->w->active += a > 0;
	t->w->touched_in_time += a == 2;
	t->w->owners[k].active += a > 0;
	t->w->owners[k].touched_in_time += a == 2;
	return FU_OK;
}

static int add_answer(struct fu_ctx *ctx, struct weekly *t, int64_t at)
{
	if (fu_grow(ctx, &t->a, &t->cap, t->na + 1, sizeof(*t->a), 256, "reporting"))
		return ctx->rc;
	t->a[t->na].lead = t->pending;
	t->a[t->na].at = at;
	t->a[t->na].owner = t->owner;
	t->na++;
	t->pending = FU_TIME_NONE;
	return FU_OK;
}

static int weekly_event(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	struct weekly *t = arg;
	struct report_weeks *w = t->w;
	int o = outcome_of(e->outcome), felt, talk;

	if (e->contact_id != t->contact) {
		if (t->pending != FU_TIME_NONE && add_answer(ctx, t, INT64_MAX))
			return ctx->rc;
		t->contact = e->contact_id;
		t->owner = e->contact_id >= 0 && (size_t)e->contact_id < t->nids ?
				   t->owner_of[e->contact_id] : -1;
	}
	if (e->time > t->now)
		return FU_OK;
	if (e->type == EV_LEAD && t->pending == FU_TIME_NONE)
		t->pending = e->time;
	if (e->type != EV_TOUCH)
		return FU_OK;
	/* as report_build counts them: a snooze is a note to ourselves */
	felt = o < 0 || outcome_info(o)->felt;
	talk = o > 0 && outcome_info(o)->conversation;
	for (int k = 0; k < w->weeks; k++) {
		if (e->time > w->at[k] || e->time <= w->at[k] - RECENT_DAYS * DAY)
			continue;
		w->week[k].touches += felt;
		w->week[k].snoozed += !felt;
		w->week[k].conversations += talk;
		if (t->owner >= 0) {
			w->owners[t->owner].week[k].touches += felt;
			w->owners[t->owner].week[k].snoozed += !felt;
			w->owners[t->owner].week[k].conversations += talk;
		}
	}
	if (felt && t->pending != FU_TIME_NONE)
		return add_answer(ctx, t, e->time);
	return FU_OK;
}

static int cmp_answer(const void *x, const void *y)
{
	const struct answer *a = x, *b = y;
	int64_t da = a->at == INT64_MAX ? INT64_MAX : a->at - a->lead;
	int64_t db = b->at == INT64_MAX ? INT64_MAX : b->at - b->lead;

	return (da > db) - (da < db);
}

/* Speed to lead at moment at for owner g (-1: everyone) from the answers sorted by time taken. */
static void speed_at(const struct answer *a, size_t n, int64_t at, int g, struct report_tally *t)
{
	int64_t seen = 0;

	t->answered = t->unanswered = 0;
	for (size_t i = 0; i < n; i++) {
		if ((g >= 0 && a[i].owner != g) || !lead_recent(a[i].lead, at))
			continue;
		if (a[i].at <= at)
			t->answered++;
		else if (a[i].lead <= at)
			t->unanswered++;
	}
	t->median_seconds = t->worst_seconds = 0;
	for (size_t i = 0; i < n && t->answered; i++) {
		if ((g >= 0 && a[i].owner != g) || a[i].at > at || !lead_recent(a[i].lead, at))
			continue;
		if (seen == t->answered / 2)
			t->median_seconds = a[i].at - a[i].lead;
		t->worst_seconds = a[i].at - a[i].lead;
		seen++;
	}
}

/* Lapses at each moment, with the model of its month; at now, per owner too. */
static int weekly_lapses(struct fu_ctx *ctx, struct store *s, struct weekly *t,
			 struct lapse_models *ms)
{
	struct report_weeks *w = t->w;
	struct purchase_log p;
	int rc;

	purchase_log_init(&p);
	rc = lapse_models_load(ctx, s, t->now, w->at, (size_t)w->weeks, ms);
	if (!rc)
		rc = purchase_log_load(ctx, s, t->now, &p);
	for (int k = 0; !rc && k < w->weeks; k++) {
		struct purchase_log cut;
		struct lapse_entry *v = NULL;
		size_t n = 0;

		rc = purchase_log_cut(ctx, &p, w->at[k], &cut);
		if (!rc)
			rc = lapse_list(ctx, lapse_models_get(ms, w->at[k]), &cut, w->at[k], &v, &n);
		for (size_t i = 0; !rc && i < n; i++) {
			int64_t id = v[i].contact_id;
			int g = id >= 0 && (size_t)id < t->nids ? t->owner_of[id] : -1;

			w->lapsing[k].at_risk += v[i].l.at_risk;
			if (k == w->weeks - 1 && g >= 0) {
				w->owners[g].lapsing.customers++;
				w->owners[g].lapsing.at_risk += v[i].l.at_risk;
			}
		}
		w->lapsing[k].customers = rc ? 0 : n;
		free(v);
		purchase_log_release(&cut);
	}
	purchase_log_release(&p);
	return rc;
}

/* The follow-ups open now (one agenda with the playbook in effect), per owner too. */
static int weekly_open(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		       struct weekly *t, const struct lapse_model *lm)
{
	struct agenda_opts ao = { .now = t->now, .all = 1, .lapse = lm };
	struct agenda a;
	int rc = agenda_build(ctx, s, pb, &ao, &a);

	for (int i = 0; !rc && i < a.n; i++) {
		int g = owner_index(ctx, t->w, a.v[i].owner, 0);

		t->w->open++;
		t->w->overdue += a.v[i].overdue;
		if (g >= 0) {
			t->w->owners[g].open++;
			t->w->owners[g].overdue += a.v[i].overdue;
		}
	}
	agenda_release(&a);
	return rc;
}

static int cmp_owner(const void *x, const void *y)
{
	return strcmp(((const struct report_owner *)x)->owner,
		      ((const struct report_owner *)y)->owner);
}

int report_weeks_build(struct fu_ctx *ctx, struct store *s, int64_t now, int weeks,
		       struct report_weeks *out)
{
	struct weekly t;
	struct playbook pb;
	struct lapse_models *ms = NULL;
	int64_t maxid = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (weeks < 1 || weeks > REPORT_WEEKS_MAX)
		return fu_err(ctx, FU_EINPUT, "weeks: give a count from 1 to %d", REPORT_WEEKS_MAX);
	out->weeks = weeks;
	for (int k = 0; k < weeks; k++)
		out->at[k] = now - (int64_t)(weeks - 1 - k) * 7 * DAY;
	memset(&t, 0, sizeof(t));
	t.w = out;
	t.now = now;
	t.contact = -1;
	t.pending = FU_TIME_NONE;
	playbook_init(&pb);
	rc = agenda_playbook(ctx, s, &pb);
	out->silence_days = pb.silence_days;
	if (!rc)
		rc = store_max_contact_id(ctx, s, &maxid);
	if (!rc) {
		t.nids = (size_t)maxid + 1;
		t.owner_of = malloc(t.nids * sizeof(*t.owner_of));
		ms = malloc(sizeof(*ms));
		if (!t.owner_of || !ms)
			rc = fu_err(ctx, FU_ENOMEM, "out of memory reporting");
		for (size_t i = 0; !rc && i < t.nids; i++)
			t.owner_of[i] = -1;
	}
	if (!rc)
		rc = store_contacts_list(ctx, s, NULL, weekly_contact, &t);
	if (!rc)
		rc = store_events_scan(ctx, s, weekly_event, &t);
	if (!rc && t.pending != FU_TIME_NONE)
		rc = add_answer(ctx, &t, INT64_MAX);
	if (!rc && t.na > 1)
		qsort(t.a, t.na, sizeof(*t.a), cmp_answer);
	for (int k = 0; !rc && k < weeks; k++) {
		speed_at(t.a, t.na, out->at[k], -1, &out->week[k]);
		for (size_t g = 0; g < out->nowners; g++)
			speed_at(t.a, t.na, out->at[k], (int)g, &out->owners[g].week[k]);
	}
	if (!rc)
		rc = weekly_lapses(ctx, s, &t, ms);
	if (!rc)
		rc = weekly_open(ctx, s, &pb, &t, lapse_models_get(ms, now));
	free(t.a);
	free(t.owner_of);
	free(ms);
	playbook_release(&pb);
	if (!rc && out->nowners > 1) {
		/* the owner indices are done with: sorted by name for the reader */
		qsort(out->owners, out->nowners, sizeof(*out->owners), cmp_owner);
	}
	return rc;
}

/* ---- status ---- */

struct status_tally {
	struct report_status *st;
	int64_t now;
};

static int count_contact(struct fu_ctx *ctx, void *arg, const struct contact *c,
			 const struct contact_state *cs)
{
	struct status_tally *t = arg;

	t->st->contacts++;
	t->st->stage[contact_stage(cs, t->now)]++;
	t->st->opted_out_email += cs->opted_out_email;
	t->st->do_not_contact += cs->do_not_contact;
	t->st->invoices_open += cs->invoices_open;
	t->st->paid_late += cs->paid_late;
	return FU_OK;
}

int report_status_build(struct fu_ctx *ctx, struct store *s, int64_t now,
			struct report_status *st)
{
	struct status_tally t = { st, now };
	int rc;

	memset(st, 0, sizeof(*st));
	rc = store_contacts_list(ctx, s, NULL, count_contact, &t);
	if (!rc)
		rc = store_count_events(ctx, s, st->event_types);
	for (int i = 0; !rc && i < EV__COUNT; i++)
		st->events += st->event_types[i];
	return rc;
}

/* ---- lapsing customers ---- */

struct lapsing {
	struct report_lapsing *v;
	size_t n;
};

void report_lapsing_free(struct report_lapsing *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].key);
		free(v[i].name);
		free(v[i].owner);
	}
	free(v);
}

static int cmp_contact(const void *a, const void *b)
{
	int64_t x = ((const struct report_lapsing *)a)->e.contact_id;
	int64_t y = ((const struct report_lapsing *)b)->e.contact_id;

	return (x > y) - (x < y);
}

static int cmp_risk(const void *a, const void *b)
{
	const struct report_lapsing *x = a, *y = b;

	if (x->e.l.at_risk != y->e.l.at_risk)
		return x->e.l.at_risk < y->e.l.at_risk ? 1 : -1;
	return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

static int dup(struct fu_ctx *ctx, const char *s, char **out)
{
	if (!s)
		return FU_OK;
	*out = strdup(s);
	return *out ? FU_OK : fu_err(ctx, FU_ENOMEM, "out of memory listing lapses");
}

/* Copies key, name and owner of the lapsing contacts (l sorted by contact id). */
static int name_contact(struct fu_ctx *ctx, void *arg, const struct contact *c,
			const struct contact_state *st)
{
	struct lapsing *l = arg;
	struct report_lapsing want = { .e.contact_id = c->id }, *e;
	int rc;

	e = bsearch(&want, l->v, l->n, sizeof(*l->v), cmp_contact);
	if (!e)
		return FU_OK;
	rc = dup(ctx, c->key, &e->key);
	if (!rc)
		rc = dup(ctx, c->name, &e->name);
	if (!rc)
		rc = dup(ctx, c->owner, &e->owner);
	return rc;
}

int report_lapsing_list(struct fu_ctx *ctx, struct store *s, int64_t now,
			struct report_lapsing **out, size_t *n)
{
	struct purchase_log p;
	struct lapse_model m;
	struct lapse_entry *v = NULL;
	struct lapsing l = { NULL, 0 };
	size_t nv = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = purchase_log_load(ctx, s, now, &p);
	if (rc)
		return rc;
	rc = lapse_model_load(ctx, s, now, &m); /* the agenda's model */
	if (!rc)
		rc = lapse_list(ctx, &m, &p, now, &v, &nv);
	purchase_log_release(&p);
	if (!rc && nv) {
		l.v = calloc(nv, sizeof(*l.v));
		if (!l.v)
			rc = fu_err(ctx, FU_ENOMEM, "out of memory finding lapses");
	}
	for (size_t i = 0; !rc && i < nv; i++)
		l.v[l.n++].e = v[i];
	free(v);
	if (!rc && l.n)
		rc = store_contacts_list(ctx, s, NULL, name_contact, &l);
	if (rc) {
		report_lapsing_free(l.v, l.n);
		return rc;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_risk);
	*out = l.v;
	*n = l.n;
	return FU_OK;
}
