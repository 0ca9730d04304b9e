/* engine.c - derives open triggers from a contact's timeline and turns them into one follow-up */
#include "engine.h"
#include "outcome.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bizhours.h"
#include "datetime.h"
#include "expr.h"
#include "template.h"

#include "banned.h"

#define DAY 86400
#define MAX_TAGS 16
#define MAX_REASONS 32
#define LAPSE_STACK 256 /* purchases a timeline keeps on the stack for its lapse */

/* A block of the strings of an event_list's events. */
struct event_list_text {
	struct event_list_text *next;
	size_t used, size;
	char data[];
};

#define EVENT_TEXT_BLOCK 16384

void event_list_init(struct event_list *l)
{
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
	l->text = NULL;
}

void event_list_release(struct event_list *l)
{
	event_list_clear(l);
	free(l->text);
	free(l->v);
	event_list_init(l);
}

void event_list_clear(struct event_list *l)
{
	/* keep the newest block for the next contact */
	while (l->text && l->text->next) {
		struct event_list_text *t = l->text->next;

		l->text->next = t->next;
		free(t);
	}
	if (l->text)
		l->text->used = 0;
	l->n = 0;
}

/* A copy of s (or NULL) among the list's strings; -1 when out of memory. */
static int list_dup(struct event_list *l, const char *s, char **out)
{
	size_t n;

	*out = NULL;
	if (!s)
		return 0;
	n = strlen(s) + 1;
	if (!l->text || l->text->size - l->text->used < n) {
		size_t size = n > EVENT_TEXT_BLOCK ? n : EVENT_TEXT_BLOCK;
		struct event_list_text *t = malloc(sizeof(*t) + size);

		if (!t)
			return -1;
		t->next = l->text;
		t->used = 0;
		t->size = size;
		l->text = t;
	}
	*out = l->text->data + l->text->used;
	memcpy(*out, s, n);
	l->text->used += n;
	return 0;
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -1;
}

int event_list_add(struct fu_ctx *ctx, struct event_list *l, const struct event *e)
{
	struct event *d;

	if (fu_grow(ctx, &l->v, &l->cap, (size_t)l->n + 1, sizeof(*l->v), 16, "reading a timeline"))
		return ctx->rc;
	d = &l->v[l->n];
	*d = *e;
	d->contact_key = NULL;
	if (list_dup(l, e->ext_id, &d->ext_id) || list_dup(l, e->ref, &d->ref) ||
	    list_dup(l, e->channel, &d->channel) || list_dup(l, e->outcome, &d->outcome) ||
	    list_dup(l, e->note, &d->note))
		return fu_err(ctx, FU_ENOMEM, "out of memory reading a timeline");
	l->n++;
	return FU_OK;
}

void followup_init(struct followup *f)
{
	memset(f, 0, sizeof(*f));
}

void followup_release(struct followup *f)
{
	for (int i = 0; i < f->nreasons; i++) {
		free(f->reasons[i].say);
		free(f->reasons[i].why);
	}
	free(f->reasons);
	free(f->key);
	free(f->name);
	free(f->email);
	free(f->phone);
	free(f->owner);
	free(f->tz);
	followup_init(f);
}

int followup_id_parse(const char *id, int64_t *contact_id)
{
	char *end;
	long long v;

	if (id[0] != 'F')
		return -1;
	v = strtoll(id + 1, &end, 10);
	if (end == id + 1 || *end != '-' || v <= 0)
		return -1;
	strtoll(end + 1, &end, 10);
	if (*end)
		return -1;
	*contact_id = v;
	return 0;
}

/* ---- the walk over a timeline: one open occurrence per trigger ---- */

struct occ {
	int open;
	int64_t since;
	int64_t retry;          /* last unanswered attempt after since, or FU_TIME_NONE */
	int64_t due_at;         /* an agreed time (check_in), or FU_TIME_NONE */
	int nth;
	int has_amount;
	int64_t amount;
	const char *ref;
	int64_t event_due;
	int nevents;
	int64_t events[REASON_MAX_EVENTS];
};

struct walk {
	struct occ occ[TRIG__COUNT];
	const struct playbook *pb;
	const struct lapse_model *lm;
	const struct tz *zone;
	int64_t now;
	int clicks;
	int purchase_days;
	int64_t last_purchase_day;     /* day number */
	int64_t last_purchase;
	struct lapse lapse;            /* the rhythm and the money at stake (purchase_days >= 1) */
	int64_t value;                 /* spend over the last 365 days, cents */
	int late;                      /* late payments so far */
	int64_t last_reached;          /* last touch that reached them */
	int64_t snooze_until;
	int lead_said_no;
	int64_t week_touches[32];      /* person touches in the last 7 days (up to 32) */
	int nweek;
	struct buf questions;          /* notes of info requests */
	int64_t newest_event;
	int64_t wake;                  /* the earliest clock threshold after now seen so far */
	int64_t future;                /* the first event after now, or INT64_MAX */
	/* open invoices: ref -> (due, id) */
	struct { const char *ref; int64_t due, id, amount; } inv[64];
	int ninv;
};

/* Notes that the follow-up may change at t (only instants after now count). */
static void wake_at(struct walk *w, int64_t t)
{
	if (t > w->now && t < w->wake)
		w->wake = t;
}

static void occ_add_event(struct occ *o, int64_t id)
{
	if (o->nevents == REASON_MAX_EVENTS) {
		memmove(o->events, o->events + 1, sizeof(o->events[0]) * (REASON_MAX_EVENTS - 1));
		o->nevents--;
	}
	o->events[o->nevents++] = id;
}

/* Opens (or, when keep is set and it is open, extends) the occurrence of trigger t. */
static struct occ *occ_open(struct walk *w, int t, const struct event *e, int keep)
{
	struct occ *o = &w->occ[t];

	if (!(keep && o->open)) {
		memset(o, 0, sizeof(*o));
		o->open = 1;
		o->since = e->time;
		o->retry = FU_TIME_NONE;
		o->due_at = FU_TIME_NONE;
		o->event_due = FU_TIME_NONE;
	}
	occ_add_event(o, e->id);
	if (e->has_amount) {
		o->has_amount = 1;
		o->amount = e->amount;
	}
	if (e->ref)
		o->ref = e->ref;
	return o;
}

static int is_reached(const char *o)
{
	return outcome_is_conversation(o);
}

/* Triggers a conversation with the contact answers. */
static const int answered_by_talk[] = {
	TRIG_NEW_LEAD, TRIG_INFO_REQUEST, TRIG_EMAIL_CLICK, TRIG_POST_PURCHASE,
	TRIG_REPEAT_PURCHASE, TRIG_SERVICE, TRIG_PAID_LATE, TRIG_CHECK_IN,
	TRIG_MISSED_APPOINTMENT, TRIG_REFERRAL, -1
};

static void close_talked(struct walk *w, int64_t t)
{
	for (int i = 0; answered_by_talk[i] >= 0; i++) {
		struct occ *o = &w->occ[answered_by_talk[i]];

		if (o->open && o->since <= t)
			o->open = 0;
	}
	w->clicks = 0;
}

static int64_t day_of(int64_t t)
{
	return t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
}

static int walk_touch(struct fu_ctx *ctx, struct walk *w, const struct event *e)
{
	const char *o = e->outcome;

	if (o && !strcmp(o, "snoozed")) {
		if (e->due != FU_TIME_NONE)
			w->snooze_until = e->due;
		return FU_OK;
	}
	if (e->time > w->now - 7 * DAY && w->nweek < 32) {
		w->week_touches[w->nweek++] = e->time;
		wake_at(w, e->time + 7 * DAY); /* it leaves the pressure budget's week */
	}
	w->occ[TRIG_EMAIL_CLICK].open = 0; /* they were followed up */
	w->clicks = 0;
	if (is_reached(o)) {
		w->last_reached = e->time;
		close_talked(w, e->time);
		if (!strcmp(o, "not-yet") && e->due != FU_TIME_NONE) {
			struct occ *c = occ_open(w, TRIG_CHECK_IN, e, 0);
			struct civil cv;

			/* the agreed calendar day, at the opening of business that day in their zone */
			dt_to_civil(e->due, &cv);
			cv.hour = cv.min = cv.sec = 0;
			c->due_at = bizhours_next_open(&w->pb->hours, w->zone,
						       tz_from_local(w->zone, &cv, NULL));
		}
		if (!strcmp(o, "won"))
			occ_open(w, TRIG_REFERRAL, e, 0);
		if (!strcmp(o, "no"))
			w->lead_said_no = 1;
		return FU_OK;
	}
	/* an attempt that did not reach them: try again the next business day */
	for (int i = 0; answered_by_talk[i] >= 0; i++) {
		struct occ *oc = &w->occ[answered_by_talk[i]];

		if (oc->open && oc->since <= e->time)
			oc->retry = e->time;
	}
	(void)ctx;
	return FU_OK;
}

static void walk_purchase(struct walk *w, const struct event *e)
{
	int64_t d = day_of(e->time);
	struct occ *o;

	if (w->purchase_days == 0 || d != w->last_purchase_day) {
		w->purchase_days++;
		w->last_purchase_day = d;
		o = occ_open(w, TRIG_POST_PURCHASE, e, 0);
		o->nth = w->purchase_days;
		o = occ_open(w, TRIG_FEEDBACK, e, 0);
		o->nth = w->purchase_days;
		if (w->purchase_days >= 2) {
			o = occ_open(w, TRIG_REPEAT_PURCHASE, e, 0);
			o->nth = w->purchase_days;
		}
	} else {
		occ_add_event(&w->occ[TRIG_POST_PURCHASE], e->id);
	}
	w->last_purchase = e->time;
	if (e->has_amount && e->time > w->now - 365 * DAY) {
		w->value += e->amount;
		wake_at(w, e->time + 365 * DAY); /* the value changes when it leaves the year */
	}
	/* buying answers a lead's question and ends a lapse */
	w->occ[TRIG_NEW_LEAD].open = 0;
	w->occ[TRIG_INFO_REQUEST].open = 0;
	w->occ[TRIG_LAPSED].open = 0;
}

static void walk_payment(struct walk *w, const struct event *e)
{
	for (int i = 0; e->ref && i < w->ninv; i++) {
		struct occ *o;

		if (strcmp(w->inv[i].ref, e->ref) != 0)
			continue;
		if (w->inv[i].due != FU_TIME_NONE && day_of(e->time) > day_of(w->inv[i].due)) {
			w->late++;
			o = occ_open(w, TRIG_PAID_LATE, e, 0);
			o->nth = w->late;
			o->event_due = w->inv[i].due;
			o->events[0] = w->inv[i].id;
			o->events[1] = e->id;
			o->nevents = 2;
		}
		w->inv[i] = w->inv[--w->ninv];
		return;
	}
}

/* A reply or a purchase before an agreed check-in brings the conversation forward. */
static void bring_forward(struct walk *w, const struct event *e)
{
	struct occ *o = &w->occ[TRIG_CHECK_IN];
	int64_t t;

	if (!o->open || o->due_at == FU_TIME_NONE)
		return;
	t = bizhours_next_open(&w->pb->hours, w->zone, e->time);
	if (t < o->due_at) {
		o->due_at = t;
		occ_add_event(o, e->id);
	}
}

static void walk_event(struct fu_ctx *ctx, struct walk *w, const struct event *e)
{
	struct occ *o;

	w->newest_event = e->id > w->newest_event ? e->id : w->newest_event;
	switch (e->type) {
	case EV_LEAD:
		if (!w->occ[TRIG_NEW_LEAD].open && w->last_reached == FU_TIME_NONE)
			occ_open(w, TRIG_NEW_LEAD, e, 1);
		else if (w->occ[TRIG_NEW_LEAD].open)
			occ_add_event(&w->occ[TRIG_NEW_LEAD], e->id);
		w->lead_said_no = 0;
		break;
	case EV_INFO_REQUEST:
		occ_open(w, TRIG_INFO_REQUEST, e, 1);
		if (e->note) {
			struct fu_ctx tmp;

			fu_ctx_init(&tmp);
			buf_addf(&tmp, &w->questions, "%s%s", w->questions.len ? "; " : "", e->note);
		}
		break;
	case EV_EMAIL_CLICK:
		if (e->time >= w->now - (int64_t)w->pb->clicks_window_days * DAY) {
			occ_open(w, TRIG_EMAIL_CLICK, e, 1);
			w->clicks++;
			wake_at(w, e->time + (int64_t)w->pb->clicks_window_days * DAY);
		}
		break;
	case EV_PURCHASE:
		walk_purchase(w, e);
		break;
	case EV_INVOICE:
		if (e->ref && w->ninv < 64) {
			w->inv[w->ninv].ref = e->ref;
			w->inv[w->ninv].due = e->due;
			w->inv[w->ninv].id = e->id;
			w->inv[w->ninv].amount = e->has_amount ? e->amount : 0;
			w->ninv++;
		}
		break;
	case EV_PAYMENT:
		walk_payment(w, e);
		break;
	case EV_SERVICE:
		occ_open(w, TRIG_SERVICE, e, 0);
		break;
	case EV_APPOINTMENT:
		o = occ_open(w, TRIG_MISSED_APPOINTMENT, e, 0);
		o->due_at = e->time;
		break;
	case EV_TOUCH:
		walk_touch(ctx, w, e);
		break;
	case EV_REPLY:
		/* a reply answers a question and brings an agreed check-in forward */
		w->occ[TRIG_NEW_LEAD].open = 0;
		w->occ[TRIG_INFO_REQUEST].open = 0;
		w->occ[TRIG_EMAIL_CLICK].open = 0;
		w->clicks = 0;
		bring_forward(w, e);
		break;
	default:
		break;
	}
	/* an appointment is kept when anything two-way happens at or after it */
	o = &w->occ[TRIG_MISSED_APPOINTMENT];
	if (o->open && e->type != EV_APPOINTMENT && e->time >= o->due_at &&
	    (e->type == EV_SERVICE || e->type == EV_PURCHASE || e->type == EV_REPLY ||
	     (e->type == EV_TOUCH && is_reached(e->outcome))))
		o->open = 0;
	/* a purchase before an agreed check-in brings it forward too */
	if (e->type == EV_PURCHASE)
		bring_forward(w, e);
}

/*
 * The contact's rhythm and what a lapse would cost (lapse.h), from their purchases up to now,
 * into w->lapse; nothing for a contact who never bought.
 */
static int walk_lapse(struct fu_ctx *ctx, struct walk *w, const struct event_list *ev)
{
	int64_t sday[LAPSE_STACK], *day = sday;
	double samt[LAPSE_STACK], *amt = samt;
	size_t n = 0, k = 0;
	int rc;

	for (int i = 0; i < ev->n; i++)
		n += ev->v[i].type == EV_PURCHASE && ev->v[i].time <= w->now;
	if (n == 0)
		return FU_OK;
	if (n > LAPSE_STACK) {
		day = malloc(n * sizeof(*day));
		amt = malloc(n * sizeof(*amt));
		if (!day || !amt) {
			rc = fu_err(ctx, FU_ENOMEM, "out of memory evaluating a contact");
			goto out;
		}
	}
	for (int i = 0; i < ev->n; i++) {
		const struct event *e = &ev->v[i];

		if (e->type != EV_PURCHASE || e->time > w->now)
			continue;
		day[k] = lapse_day(e->time);
		amt[k++] = e->has_amount ? (double)e->amount / 100.0 : 0.0;
	}
	rc = lapse_eval(ctx, w->lm, day, amt, n, w->now, &w->lapse);
out:
	if (day != sday)
		free(day);
	if (amt != samt)
		free(amt);
	return rc;
}

/* Triggers that depend on the clock rather than on one event. */
static void walk_finish(struct walk *w, const struct playbook *pb, const struct contact_state *st,
			const struct event_list *ev)
{
	int64_t now = w->now, clock;
	struct occ *o;
	int stage = contact_stage(st, now);

	/* invoices still open past their due date */
	for (int i = 0; i < w->ninv; i++) {
		if (w->inv[i].due != FU_TIME_NONE && w->inv[i].due >= now)
			wake_at(w, w->inv[i].due + 1);
		if (w->inv[i].due == FU_TIME_NONE || w->inv[i].due >= now)
			continue;
		o = &w->occ[TRIG_INVOICE_OVERDUE];
		if (!o->open) {
			memset(o, 0, sizeof(*o));
			o->open = 1;
			o->since = w->inv[i].due;
			o->retry = FU_TIME_NONE;
			o->due_at = FU_TIME_NONE;
			o->event_due = w->inv[i].due;
			o->ref = w->inv[i].ref;
			o->has_amount = 1;
		}
		if (o->nth == 0 || w->inv[i].due < o->since) {
			o->since = w->inv[i].due;
			o->event_due = w->inv[i].due;
			o->ref = w->inv[i].ref;
		}
		o->amount = o->nth ? o->amount + w->inv[i].amount : w->inv[i].amount;
		o->nth++;
		occ_add_event(o, w->inv[i].id);
	}
	/*
	 * A regular buyer (two or more purchase days) whose wait has become rarer than LAPSE_P
	 * for their own rhythm, the rule of `followup lapsed`. It begins on the threshold day
	 * (UTC), found on the rhythm's tail: the wake until then. A conversation since it began
	 * answers it until they buy again.
	 */
	if (w->lapse.since_day != INT64_MAX &&
	    (w->last_reached == FU_TIME_NONE || w->last_reached < w->lapse.since_day * DAY)) {
		int64_t since = w->lapse.since_day * DAY;

		wake_at(w, since);
		if (w->lapse.lapsed) {
			o = &w->occ[TRIG_LAPSED];
			memset(o, 0, sizeof(*o));
			o->open = 1;
			o->since = since < now ? since : now;
			o->retry = FU_TIME_NONE;
			o->due_at = FU_TIME_NONE;
			o->event_due = FU_TIME_NONE;
			for (int i = ev->n - 1; i >= 0; i--) {
				if (ev->v[i].type == EV_PURCHASE && ev->v[i].time <= now) {
					occ_add_event(o, ev->v[i].id);
					break;
				}
			}
		}
	}
	/* an open lead or an active customer nobody has spoken to for too long */
	clock = st->last_two_way;
	if (st->last_touch_out != FU_TIME_NONE && st->last_touch_out > clock)
		clock = st->last_touch_out;
	if (st->lead_at != FU_TIME_NONE && st->lead_at > clock)
		clock = st->lead_at;
	if (clock != FU_TIME_NONE)
		wake_at(w, clock + (int64_t)pb->silence_days * DAY + 1);
	wake_at(w, contact_stage_change(st, now));
	if (clock != FU_TIME_NONE && now - clock > (int64_t)pb->silence_days * DAY &&
	    ((stage == STAGE_LEAD && st->lead_at != FU_TIME_NONE && !w->lead_said_no) ||
	     stage == STAGE_CUSTOMER || stage == STAGE_REPEAT)) {
		o = &w->occ[TRIG_SILENCE];
		memset(o, 0, sizeof(*o));
		o->open = 1;
		/* silence re-arms: however long it has lasted, the light touch is due now, not overdue */
		o->since = clock + (int64_t)pb->silence_days * DAY;
		if (o->since < now)
			o->since = now;
		o->retry = FU_TIME_NONE;
		o->due_at = FU_TIME_NONE;
		o->event_due = FU_TIME_NONE;
		for (int i = ev->n - 1; i >= 0; i--) {
			if (ev->v[i].time <= now) {
				occ_add_event(o, ev->v[i].id);
				break;
			}
		}
	}
	/* appointments: a reminder before one to come, a call after one missed */
	o = &w->occ[TRIG_MISSED_APPOINTMENT];
	if (o->open && o->due_at > now) {
		struct occ *r = &w->occ[TRIG_APPOINTMENT];

		wake_at(w, o->due_at - 3 * DAY); /* the reminder opens */
		wake_at(w, o->due_at);           /* the appointment passes */
		*r = *o;
		r->since = o->due_at - DAY;
		o->open = 0;
		if (r->since > now + 2 * DAY)
			r->open = 0;
	} else if (o->open && o->due_at < now - 14 * DAY) {
		o->open = 0;
	}
	/* feedback: asked some weeks after the latest purchase, unless we have talked since */
	o = &w->occ[TRIG_FEEDBACK];
	if (o->open && w->last_reached != FU_TIME_NONE && w->last_reached > o->since + 14 * DAY)
		o->open = 0;
	/* a snooze holds every due back until it ends */
	if (w->snooze_until != FU_TIME_NONE)
		wake_at(w, w->snooze_until);
	/* an agreed check-in date is a promise: no nurture before it */
	o = &w->occ[TRIG_CHECK_IN];
	if (o->open && o->due_at != FU_TIME_NONE && o->due_at > now) {
		wake_at(w, o->due_at);
		w->occ[TRIG_SILENCE].open = 0;
		w->occ[TRIG_EMAIL_CLICK].open = 0;
		w->occ[TRIG_FEEDBACK].open = 0;
		w->occ[TRIG_REFERRAL].open = 0;
	}
}

/* ---- rules: conditions, timing, what to say ---- */

struct lookup {
	const struct walk *w;
	const struct occ *o;
	const struct contact *c;
	const struct contact_state *st;
	const struct playbook *pb;
	const struct tz *zone;
	int channel;
	const char *tags[MAX_TAGS];
	int ntags;
	int tags_loaded;               /* the contact's tags are read on first use */
	char *tags_copy;
	char scratch[8][64];
	int nscratch;
	int read_days, read_overdue;   /* the condition looked at the clock through these */
	int64_t wake;                  /* a day on which a false condition could turn true */
	int64_t wake_lead;             /* the same for the new_lead rules alone */
};

static void load_tags(struct lookup *l);

static const char *scratch(struct lookup *l, const char *fmt, long long v)
{
	char *s = l->scratch[l->nscratch++ % 8];

	snprintf(s, 64, fmt, v);
	return s;
}

static const char *money_text(struct lookup *l, int64_t cents)
{
	char *s = l->scratch[l->nscratch++ % 8];

	amount_format(cents, s, 64);
	return s;
}

static const char *date_text(struct lookup *l, int64_t t)
{
	char *s = l->scratch[l->nscratch++ % 8];
	struct civil cv;

	tz_to_local(l->zone, t, &cv);
	snprintf(s, 64, "%04d-%02d-%02d", cv.year, cv.month, cv.day);
	return s;
}

static int64_t days_between(int64_t a, int64_t b)
{
	return (b - a) / DAY;
}

static int64_t min_i64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* The first instant after now at which days_between(a, now) can change (or just before). */
static int64_t next_day_tick(int64_t a, int64_t now)
{
	int64_t d = (a - now) % DAY;

	if (d <= 0)
		d += DAY;
	return now + d;
}

static int expr_lookup(void *arg, const char *name, struct expr_value *v)
{
	struct lookup *l = arg;
	const struct occ *o = l->o;
	const struct contact_state *st = l->st;

	memset(v, 0, sizeof(*v));
	v->kind = EXPR_NUM;
	if (!strcmp(name, "nth"))
		v->num = o->nth;
	else if (!strcmp(name, "amount"))
		v->num = o->has_amount ? (double)o->amount / 100.0 : 0;
	else if (!strcmp(name, "days")) {
		l->read_days = 1;
		v->num = (double)days_between(o->since, l->w->now);
	} else if (!strcmp(name, "value"))
		v->num = (double)l->w->value / 100.0;
	else if (!strcmp(name, "spend"))
		v->num = (double)st->spend / 100.0;
	else if (!strcmp(name, "purchases"))
		v->num = (double)st->purchases;
	else if (!strcmp(name, "late_payments"))
		/* for a late payment: the late payments up to and including this one */
		v->num = l->o == &l->w->occ[TRIG_PAID_LATE] ? o->nth : (double)st->paid_late;
	else if (!strcmp(name, "on_time_payments"))
		v->num = (double)st->paid_on_time;
	else if (!strcmp(name, "invoices_open"))
		v->num = (double)st->invoices_open;
	else if (!strcmp(name, "clicks"))
		v->num = l->w->clicks;
	else if (!strcmp(name, "overdue_days")) {
		l->read_overdue = 1;
		v->num = o->event_due != FU_TIME_NONE ? (double)days_between(o->event_due, l->w->now) : 0;
	} else if (!strcmp(name, "has_email") || !strcmp(name, "has_phone")) {
		v->kind = EXPR_BOOL;
		v->b = name[4] == 'e' ? l->c->email != NULL : l->c->phone != NULL;
	} else if (!strcmp(name, "stage") || !strcmp(name, "owner") || !strcmp(name, "channel")) {
		v->kind = EXPR_STR;
		if (name[0] == 's')
			v->str = stage_name(contact_stage(st, l->w->now));
		else if (name[0] == 'o')
			v->str = l->c->owner ? l->c->owner : "";
		else
			v->str = channel_name(l->channel);
	} else if (!strcmp(name, "tags")) {
		v->kind = EXPR_LIST;
		if (!l->tags_loaded)
			load_tags(l);
		v->list = l->tags;
		v->nlist = l->ntags;
	} else {
		return -1;
	}
	return 0;
}

static const char *first_name(struct lookup *l)
{
	char *s = l->scratch[l->nscratch++ % 8];
	size_t n;

	if (!l->c->name)
		return NULL;
	n = strcspn(l->c->name, " ");
	snprintf(s, 64, "%.*s", (int)(n < 63 ? n : 63), l->c->name);
	return s;
}

static const char *template_lookup(void *arg, const char *name)
{
	struct lookup *l = arg;
	const struct occ *o = l->o;
	const struct walk *w = l->w;

	if (!strcmp(name, "first_name"))
		return first_name(l);
	if (!strcmp(name, "name"))
		return l->c->name;
	if (!strcmp(name, "company"))
		return l->c->company;
	if (!strcmp(name, "owner"))
		return l->c->owner;
	if (!strcmp(name, "amount"))
		return o->has_amount ? money_text(l, o->amount) : NULL;
	if (!strcmp(name, "ref"))
		return o->ref;
	if (!strcmp(name, "due_date"))
		return o->event_due != FU_TIME_NONE ? date_text(l, o->event_due) : NULL;
	if (!strcmp(name, "event_date"))
		return date_text(l, o->since);
	if (!strcmp(name, "days"))
		return scratch(l, "%lld", (long long)days_between(o->since, w->now));
	if (!strcmp(name, "nth"))
		return scratch(l, "%lld", o->nth);
	/* the rhythm's: the usual gap (two or more purchase days), whole days since the last */
	if (!strcmp(name, "usual_gap_days"))
		return w->lapse.purchase_days >= 2 ? scratch(l, "%lld", llround(w->lapse.r.usual_gap)) :
						     NULL;
	if (!strcmp(name, "days_since_last"))
		return w->lapse.purchase_days ? scratch(l, "%lld", llround(w->lapse.r.waited)) : NULL;
	if (!strcmp(name, "clicks"))
		return scratch(l, "%lld", w->clicks);
	if (!strcmp(name, "check_in_date"))
		return o->due_at != FU_TIME_NONE ? date_text(l, o->due_at) : NULL;
	if (!strcmp(name, "questions"))
		return w->questions.len ? buf_cstr(&w->questions) : NULL;
	if (!strcmp(name, "appointment_time"))
		return o->due_at != FU_TIME_NONE ? date_text(l, o->due_at) : NULL;
	if (!strcmp(name, "business_name"))
		return l->pb->business_name;
	if (!strcmp(name, "value"))
		return money_text(l, w->value);
	return NULL;
}

static void load_tags(struct lookup *l)
{
	json_t *attrs, *t;
	char *p;

	l->tags_loaded = 1;
	l->ntags = 0;
	l->tags_copy = NULL;
	if (!l->c->attrs)
		return;
	attrs = json_loads(l->c->attrs, 0, NULL);
	t = attrs ? json_object_get(attrs, "tags") : NULL;
	if (json_is_string(t))
		l->tags_copy = strdup(json_string_value(t));
	json_decref(attrs);
	for (p = l->tags_copy; p && *p && l->ntags < MAX_TAGS;) {
		char *end = p + strcspn(p, ",;");
		int last = *end == '\0';

		*end = '\0';
		while (*p == ' ')
			p++;
		if (*p)
			l->tags[l->ntags++] = p;
		if (last)
			break;
		p = end + 1;
	}
}

static int64_t rule_due(const struct playbook *pb, const struct rule *r, const struct occ *o,
			const struct tz *zone)
{
	int64_t base = o->since + r->after, due;

	if (o->due_at != FU_TIME_NONE && r->trigger == TRIG_CHECK_IN) {
		/* the agreed day (already at its business opening); after a missed try, the next */
		if (o->retry != FU_TIME_NONE && o->retry >= o->due_at)
			return bizhours_add_days(&pb->hours, zone, o->retry, 1);
		return o->due_at;
	}
	if (o->retry != FU_TIME_NONE && o->retry >= base)
		return bizhours_add_days(&pb->hours, zone, o->retry, 1);
	/* a person answers a new lead within limits.speed_to_lead unless the rule says otherwise */
	if (r->trigger == TRIG_NEW_LEAD && r->within_kind == WITHIN_NONE && r->action != CH_AUTO_EMAIL)
		return bizhours_add(&pb->hours, zone, base, pb->speed_to_lead);
	switch (r->within_kind) {
	case WITHIN_BUSINESS_SECS:
		due = bizhours_add(&pb->hours, zone, base, r->within);
		break;
	case WITHIN_BUSINESS_DAYS:
		due = bizhours_add_days(&pb->hours, zone, base, (int)r->within);
		break;
	case WITHIN_END_OF_DAY:
		due = bizhours_end_of_day(&pb->hours, zone, base);
		break;
	default:
		due = bizhours_next_open(&pb->hours, zone, base);
		break;
	}
	return due;
}

static const char *trigger_why(struct lookup *l, int t, char *out, size_t n)
{
	const struct occ *o = l->o;
	const struct walk *w = l->w;
	char d[16];

	snprintf(d, sizeof(d), "%s", date_text(l, o->since));
	switch (t) {
	case TRIG_NEW_LEAD:
		snprintf(out, n, "new lead on %s, not answered yet", d);
		break;
	case TRIG_INFO_REQUEST:
		snprintf(out, n, "asked for information on %s", d);
		break;
	case TRIG_EMAIL_CLICK:
		snprintf(out, n, "clicked %d link%s in our e-mails since %s", w->clicks,
			 w->clicks == 1 ? "" : "s", d);
		break;
	case TRIG_POST_PURCHASE:
		snprintf(out, n, "purchase #%d on %s: time to check it is working", o->nth, d);
		break;
	case TRIG_FEEDBACK:
		snprintf(out, n, "bought on %s; no word from them since", d);
		break;
	case TRIG_REFERRAL:
		snprintf(out, n, "a good conversation on %s", d);
		break;
	case TRIG_REPEAT_PURCHASE:
		snprintf(out, n, "purchase #%d on %s", o->nth, d);
		break;
	case TRIG_SERVICE:
		snprintf(out, n, "service call on %s", d);
		break;
	case TRIG_PAID_LATE:
		snprintf(out, n, "paid %s late on %s (late payment #%d)", o->ref ? o->ref : "an invoice",
			 d, o->nth);
		break;
	case TRIG_INVOICE_OVERDUE:
		snprintf(out, n, "%d invoice%s unpaid past due since %s", o->nth, o->nth == 1 ? "" : "s",
			 d);
		break;
	case TRIG_LAPSED:
		lapse_describe(&w->lapse, out, n);
		break;
	case TRIG_SILENCE:
		snprintf(out, n, "no touch for %lld days",
			 (long long)days_between(o->since, w->now) + l->pb->silence_days);
		break;
	case TRIG_CHECK_IN:
		snprintf(out, n, "they asked us to check back on %s",
			 date_text(l, o->due_at != FU_TIME_NONE ? o->due_at : o->since));
		break;
	case TRIG_APPOINTMENT:
		snprintf(out, n, "appointment on %s", date_text(l, o->due_at));
		break;
	case TRIG_MISSED_APPOINTMENT:
		snprintf(out, n, "missed the appointment on %s", d);
		break;
	default:
		snprintf(out, n, "%s", trigger_name(t));
	}
	return out;
}

/*
 * How the agenda ranks lapsed follow-ups by the money at risk. A lapse's reason gets a
 * priority bonus of 3 for each factor of ten its yearly spend at risk is above $100 (none
 * below $200, +3 at $1,000, +6 at $10,000, at most +9): on a log scale, because the
 * money spans orders of magnitude and one large account must not drown everything else,
 * and capped so that the default lapse (75) stays below an agreed check-in (85) and a new
 * lead (90, 95) even at its most valuable. The bonus is coarse; within one priority the
 * agenda also sorts by the money itself (followup.at_risk, agenda.c), so two lapses of
 * $1,500 and $1,200 a year still come in that order.
 */
static int lapse_bonus(double at_risk)
{
	double b = isfinite(at_risk) && at_risk > 100 ? floor(3 * log10(at_risk / 100)) : 0;

	return b > 9 ? 9 : (int)b;
}

static int marketing(int t)
{
	return t == TRIG_SILENCE || t == TRIG_EMAIL_CLICK || t == TRIG_REFERRAL ||
	       t == TRIG_FEEDBACK;
}

/*
 * How long after it is due a follow-up stays useful: the rule's `expires`, else 30 days for
 * the moment-bound triggers (a thank-you or a check-in months late helps nobody), 14 days
 * for a new lead or request (then silence takes over); the others (an unpaid invoice, a
 * lapse, silence, an agreed check-in) stay until they are answered.
 */
static int64_t expiry(const struct rule *ru)
{
	switch (ru->trigger) {
	case TRIG_NEW_LEAD:
	case TRIG_INFO_REQUEST:
		/* after two weeks a lead is no longer new: the silence rules take over */
		return ru->expires ? ru->expires : 14 * (int64_t)DAY;
	case TRIG_INVOICE_OVERDUE:
	case TRIG_LAPSED:
	case TRIG_SILENCE:
	case TRIG_CHECK_IN:
	case TRIG_MISSED_APPOINTMENT:
		return ru->expires ? ru->expires : INT64_MAX / 4;
	default:
		return ru->expires ? ru->expires : 30 * (int64_t)DAY;
	}
}

/*
 * Builds the reason rule `i` gives for one open occurrence; *made = 0 when its condition
 * does not hold, the moment has passed, or consent forbids it. Every matching rule of a
 * trigger makes its own reason (a personal call and an automated auto-reply, say).
 */
static int make_reason(struct fu_ctx *ctx, struct lookup *l, int t, int i, struct reason *r,
		       int *made)
{
	const struct playbook *pb = l->pb;
	const struct rule *ru = &pb->rules[i];
	char why[512];
	struct buf say;
	int rc, ok = 1, ch;
	int64_t tick = INT64_MAX;

	*made = 0;
	ch = ru->action;
	if (ru->action_low >= 0 && l->w->value < pb->high_value)
		ch = ru->action_low;
	l->channel = ch;
	if (ru->when) {
		l->read_days = l->read_overdue = 0;
		rc = expr_eval(ctx, ru->when, expr_lookup, l, &ok);
		if (rc)
			return fu_err_prefix(ctx, "%s: rule '%s' (line %d)", pb->name, ru->name,
					     ru->line);
		/* a condition over the days that pass may hold tomorrow */
		if (!ok && l->read_days)
			tick = next_day_tick(l->o->since, l->w->now);
		if (!ok && l->read_overdue && l->o->event_due != FU_TIME_NONE)
			tick = min_i64(tick, next_day_tick(l->o->event_due, l->w->now));
		l->wake = min_i64(l->wake, tick);
		if (t == TRIG_NEW_LEAD)
			l->wake_lead = min_i64(l->wake_lead, tick);
	}
	if (!ok)
		return FU_OK;
	if (l->w->now > l->o->since + ru->after + expiry(ru))
		return FU_OK; /* too late to be useful: dropped, not nagged about */
	/* consent: e-mail opt-outs stop automated and marketing e-mail */
	if (l->st->opted_out_email && (ch == CH_AUTO_EMAIL || ch == CH_EMAIL)) {
		if (ch == CH_AUTO_EMAIL || marketing(t))
			return FU_OK;
		ch = CH_CALL;
	}
	/* no address, no e-mail: a person calls instead */
	if (!l->c->email && (ch == CH_AUTO_EMAIL || ch == CH_EMAIL)) {
		if (ch == CH_AUTO_EMAIL || !l->c->phone)
			return FU_OK;
		ch = CH_CALL;
	}
	memset(r, 0, sizeof(*r));
	r->trigger = t;
	r->rule = i;
	r->since = l->o->since;
	r->channel = ch;
	r->priority = ru->priority;
	if (t == TRIG_LAPSED)
		r->priority += lapse_bonus(l->w->lapse.at_risk);
	if (r->priority > 100)
		r->priority = 100;
	r->transactional = ru->transactional;
	r->nevents = l->o->nevents;
	memcpy(r->events, l->o->events, sizeof(r->events));
	r->due = rule_due(pb, ru, l->o, l->zone);
	buf_init(&say, 16384);
	rc = template_render(ctx, ru->say, template_lookup, l, &say);
	if (rc) {
		buf_release(&say);
		return fu_err_prefix(ctx, "%s: rule '%s' (line %d)", pb->name, ru->name, ru->line);
	}
	r->say = buf_detach(&say);
	if (!r->say)
		r->say = strdup("");
	r->why = strdup(trigger_why(l, t, why, sizeof(why)));
	if (!r->say || !r->why) {
		free(r->say);
		free(r->why);
		return fu_err(ctx, FU_ENOMEM, "out of memory building a follow-up");
	}
	*made = 1;
	return FU_OK;
}

static int cmp_reason(const void *a, const void *b)
{
	const struct reason *x = a, *y = b;

	if (x->priority != y->priority)
		return y->priority - x->priority;
	return (x->due > y->due) - (x->due < y->due);
}

static int copy_profile(const struct contact *c, struct followup *f)
{
	return dup_opt(c->key, &f->key) || dup_opt(c->name, &f->name) ||
	       dup_opt(c->email, &f->email) || dup_opt(c->phone, &f->phone) ||
	       dup_opt(c->owner, &f->owner) || dup_opt(c->tz, &f->tz);
}

/* Pressure and timing rules that apply to the whole contact. */
static void pace(const struct playbook *pb, const struct walk *w, const struct tz *zone,
		 struct reason *r)
{
	if (!r->transactional && pb->touches_per_week > 0 && w->nweek >= pb->touches_per_week) {
		int64_t oldest = w->week_touches[0];

		for (int i = 1; i < w->nweek; i++)
			oldest = w->week_touches[i] < oldest ? w->week_touches[i] : oldest;
		if (r->due < oldest + 7 * DAY)
			r->due = bizhours_next_open(&pb->hours, zone, oldest + 7 * DAY);
	}
	if (w->snooze_until != FU_TIME_NONE && w->snooze_until > w->now && r->due < w->snooze_until)
		r->due = bizhours_next_open(&pb->hours, zone, w->snooze_until);
	if (r->channel == CH_AUTO_EMAIL)
		r->due = quiet_hours_next_allowed(&pb->quiet, zone, r->due);
	/* a reminder that would come after the appointment goes at an earlier opening */
	if (r->trigger == TRIG_APPOINTMENT && r->due >= r->since + DAY) {
		int64_t appt = r->since + DAY;

		for (int d = 2; d <= 8 && r->due >= appt; d++)
			r->due = bizhours_next_open(&pb->hours, zone, appt - d * DAY);
		if (r->due >= appt)
			r->due = r->since; /* no open hours at all before it */
	}
}

/*
 * When to look at the contact again. The follow-up's due is its first personal reason's
 * (or, with none, its first reason's); it can only move earlier when a clock threshold
 * passes (w->wake, l->wake) or when the last personal reason expires and an earlier
 * automated one is left alone; dropping any other reason only makes it later. Escalation needs a new lead's reason: one open now (whose
 * due, pace or rules may change with the clock), or one that an event still to come opens.
 */
static void find_wake(const struct playbook *pb, const struct walk *w, const struct lookup *l,
		      const struct reason *rs, int n, struct engine_wake *wake)
{
	int64_t personal = INT64_MAX, automated = INT64_MAX, expires = INT64_MAX;

	for (int i = 0; i < n; i++) {
		const struct rule *ru = &pb->rules[rs[i].rule];

		if (rs[i].channel == CH_AUTO_EMAIL) {
			automated = min_i64(automated, rs[i].due);
		} else {
			personal = min_i64(personal, rs[i].due);
			expires = min_i64(expires, rs[i].since + ru->after + expiry(ru) + 1);
		}
	}
	wake->wake = min_i64(w->wake, l->wake);
	wake->due = personal != INT64_MAX ? personal : automated;
	if (personal != INT64_MAX && automated < personal)
		wake->wake = min_i64(wake->wake, expires);
	wake->escalate = w->future;
	if (w->occ[TRIG_NEW_LEAD].open)
		wake->escalate = min_i64(wake->escalate, min_i64(w->wake, l->wake_lead));
	for (int i = 0; i < n; i++) {
		if (rs[i].trigger == TRIG_NEW_LEAD)
			wake->escalate = min_i64(wake->escalate, rs[i].due);
	}
}

int engine_followup(struct fu_ctx *ctx, const struct playbook *pb,
		    const struct lapse_model *lapse, const struct contact *c,
		    const struct contact_state *st, const struct event_list *events,
		    const struct tz *zone, int64_t now, struct followup *out, int *open)
{
	return engine_evaluate(ctx, pb, lapse, c, st, events, zone, now, out, open, NULL);
}

int engine_evaluate(struct fu_ctx *ctx, const struct playbook *pb,
		    const struct lapse_model *lapse, const struct contact *c,
		    const struct contact_state *st, const struct event_list *events,
		    const struct tz *zone, int64_t now, struct followup *out, int *open,
		    struct engine_wake *wake)
{
	struct walk *w;
	struct lookup l;
	struct lapse_model def;
	struct reason rs[MAX_REASONS];
	int n = 0, rc = FU_OK, auto_only = 1;
	int64_t newest = 0;

	*open = 0;
	followup_init(out);
	if (wake)
		wake->due = wake->wake = wake->escalate = INT64_MAX;
	if (st->do_not_contact)
		return FU_OK;
	w = calloc(1, sizeof(*w));
	if (!w)
		return fu_err(ctx, FU_ENOMEM, "out of memory evaluating a contact");
	if (!lapse) {
		lapse_model_default(&def, now);
		lapse = &def;
	}
	w->now = now;
	w->pb = pb;
	w->lm = lapse;
	w->zone = zone;
	w->last_reached = FU_TIME_NONE;
	w->snooze_until = FU_TIME_NONE;
	w->last_purchase = FU_TIME_NONE;
	w->wake = INT64_MAX;
	w->future = INT64_MAX;
	buf_init(&w->questions, 4096);
	for (int i = 0; i < events->n; i++) {
		const struct event *e = &events->v[i];

		if (e->time > now) {
			wake_at(w, e->time);
			w->future = min_i64(w->future, e->time);
			/* only a booked appointment matters before it happens */
			if (e->type == EV_APPOINTMENT)
				walk_event(ctx, w, e);
			continue;
		}
		walk_event(ctx, w, e);
	}
	rc = walk_lapse(ctx, w, events);
	if (rc)
		goto out;
	walk_finish(w, pb, st, events);

	memset(&l, 0, sizeof(l));
	l.w = w;
	l.c = c;
	l.st = st;
	l.pb = pb;
	l.zone = zone;
	l.wake = INT64_MAX;
	l.wake_lead = INT64_MAX;
	for (int t = 0; t < TRIG__COUNT && !rc; t++) {
		if (!w->occ[t].open)
			continue;
		l.o = &w->occ[t];
		for (int i = playbook_next_rule(pb, t, 0); i >= 0 && !rc && n < MAX_REASONS;
		     i = playbook_next_rule(pb, t, i + 1)) {
			int made;

			rc = make_reason(ctx, &l, t, i, &rs[n], &made);
			if (!rc && made)
				pace(pb, w, zone, &rs[n++]);
		}
	}
	free(l.tags_copy);
	if (wake && !rc)
		find_wake(pb, w, &l, rs, n, wake);
	if (rc || n == 0)
		goto out;
	qsort(rs, (size_t)n, sizeof(rs[0]), cmp_reason);
	out->reasons = malloc((size_t)n * sizeof(*out->reasons));
	if (!out->reasons || copy_profile(c, out)) {
		for (int i = 0; i < n; i++) {
			free(rs[i].say);
			free(rs[i].why);
		}
		followup_release(out);
		rc = fu_err(ctx, FU_ENOMEM, "out of memory building a follow-up");
		goto out;
	}
	memcpy(out->reasons, rs, (size_t)n * sizeof(*rs));
	out->nreasons = n;
	out->contact_id = c->id;
	out->channel = rs[0].channel;
	for (int i = n - 1; i >= 0; i--) {
		if (rs[i].channel != CH_AUTO_EMAIL)
			out->channel = rs[i].channel; /* how the person reaches them */
	}
	out->priority = rs[0].priority + 2 * (n - 1);
	for (int i = 0; i < n; i++)
		auto_only &= rs[i].channel == CH_AUTO_EMAIL;
	/* a person's follow-up is due when its first personal reason is; automated ones go alone */
	out->due = INT64_MAX;
	for (int i = 0; i < n; i++) {
		if ((auto_only || rs[i].channel != CH_AUTO_EMAIL) && rs[i].due < out->due)
			out->due = rs[i].due;
		for (int k = 0; k < rs[i].nevents; k++)
			newest = rs[i].events[k] > newest ? rs[i].events[k] : newest;
		if (rs[i].trigger == TRIG_NEW_LEAD && rs[i].channel != CH_AUTO_EMAIL &&
		    rs[i].due < now)
			out->escalated = 1;
		if (rs[i].trigger == TRIG_LAPSED)
			out->at_risk = w->lapse.at_risk;
	}
	out->overdue = out->due < now;
	if (out->overdue)
		out->priority += 5;
	if (out->priority > 100)
		out->priority = 100;
	out->automated = auto_only;
	snprintf(out->id, sizeof(out->id), "F%lld-%lld", (long long)c->id, (long long)newest);
	*open = 1;
out:
	buf_release(&w->questions);
	free(w);
	return rc;
}
