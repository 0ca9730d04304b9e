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

static void lead_flush(struct tally *t)
{
	if (t->pending_lead != FU_TIME_NONE)
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
	if (felt && t->pending_lead != FU_TIME_NONE) {
		if (fu_grow(ctx, &t->answer, &t->cap, t->nanswer + 1, sizeof(*t->answer), 256,
			    "reporting"))
			return ctx->rc;
		t->answer[t->nanswer++] = e->time - t->pending_lead;
		t->pending_lead = FU_TIME_NONE;
	}
	return FU_OK;
}

static int tally_contact(struct fu_ctx *ctx, void *arg, const struct contact *c,
			 const struct contact_state *st)
{
	struct tally *t = arg;
	int64_t last = st->last_two_way;

	if (st->events == 0 || st->do_not_contact || contact_stage(st, t->now) == STAGE_DORMANT)
		return FU_OK;
	if (st->last_touch_out != FU_TIME_NONE && st->last_touch_out > last)
		last = st->last_touch_out;
	t->r->active++;
	if (last != FU_TIME_NONE && t->now - last <= (int64_t)t->r->silence_days * DAY)
		t->r->touched_in_time++;
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
	struct lapse_entry *v = NULL;
	size_t n = 0;
	int rc;

	rc = purchase_log_load(ctx, s, now, &p);
	if (rc)
		return rc;
	rc = lapse_model_load(ctx, s, now, m); /* the agenda's model */
	if (!rc)
		rc = lapse_list(ctx, m, &p, now, &v, &n);
	for (size_t i = 0; !rc && i < n; i++)
		r->lapsing.at_risk += v[i].l.at_risk;
	r->lapsing.customers = n;
	if (!rc)
		rc = lapse_totals_at(ctx, &p, now - RECENT_DAYS * DAY, &r->lapsing_month_ago);
	free(v);
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
