/* engine.c - derives open triggers from a contact's timeline and turns them into one follow-up */
#include "engine.h"
#include "message.h"
#include "outcome.h"
#include "walk.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "bizhours.h"
#include "datetime.h"
#include "expr.h"
#include "template.h"

#include "banned.h"

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
	d->author = NULL; /* the engine never asks who wrote an event */
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
		free(f->reasons[i].subject);
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

void walk_occ_add_event(struct occ *o, int64_t id)
{
	if (o->nevents == REASON_MAX_EVENTS) {
		memmove(o->events, o->events + 1, sizeof(o->events[0]) * (REASON_MAX_EVENTS - 1));
		o->nevents--;
	}
	o->events[o->nevents++] = id;
}

void walk_occ_start(struct occ *o, int64_t since)
{
	memset(o, 0, sizeof(*o));
	o->open = 1;
	o->since = since;
	o->retry = FU_TIME_NONE;
	o->due_at = FU_TIME_NONE;
	o->event_due = FU_TIME_NONE;
}

struct occ *walk_occ_open(struct walk *w, int t, const struct event *e, int keep)
{
	struct occ *o = &w->occ[t];

	if (!(keep && o->open))
		walk_occ_start(o, e->time);
	walk_occ_add_event(o, e->id);
	if (e->has_amount) {
		o->has_amount = 1;
		o->amount = e->amount;
	}
	if (e->ref)
		o->ref = e->ref;
	return o;
}

/* A touch: the pressure budget, and whether it answered (CLOSED_BY_*) or only tried. */
static unsigned walk_touch(struct walk *w, const struct event *e)
{
	unsigned closes = CLOSED_BY_TOUCH;

	if (outcome_answers_lead(e->outcome))
		closes |= CLOSED_BY_ANSWER; /* a call log without a result answered the lead too */

	if (w->nweek < 32 && !clock_reached(&w->clock, e->time + 7 * DAY))
		w->week_touches[w->nweek++] = e->time; /* until it leaves the budget's week */
	w->clicks = 0;
	if (outcome_is_conversation(e->outcome)) {
		w->last_reached = e->time;
		if (outcome_of(e->outcome) == OUTCOME_NO)
			w->lead_said_no = 1;
		return closes | CLOSED_BY_TALK;
	}
	/* an attempt that did not reach them: what a talk would answer is tried again next business day */
	for (int t = 0; t < TRIG__COUNT; t++) {
		struct occ *oc = &w->occ[t];

		if ((trigger_info(t)->closed_by & CLOSED_BY_TALK) && oc->open && oc->since <= e->time)
			oc->retry = e->time;
	}
	return closes;
}

static void walk_purchase(struct walk *w, const struct event *e)
{
	int64_t d = purchase_day(e->time);

	w->new_purchase_day = w->purchase_days == 0 || d != w->last_purchase_day;
	if (w->new_purchase_day) {
		w->purchase_days++;
		w->last_purchase_day = d;
	}
	w->last_purchase = e->time;
	/* the value changes when the purchase leaves the year */
	if (e->has_amount && !clock_reached(&w->clock, e->time + 365 * DAY))
		w->value += e->amount;
}

/* A payment settles the open invoice of its ref; a late one is noted for paid_late. */
static void walk_payment(struct walk *w, const struct event *e)
{
	w->paid_id = 0;
	for (int i = 0; e->ref && i < w->ninv; i++) {
		if (strcmp(w->inv[i].ref, e->ref) != 0)
			continue;
		if (payment_late(e->time, w->inv[i].due)) {
			w->late++;
			w->paid_due = w->inv[i].due;
			w->paid_id = w->inv[i].id;
		}
		w->inv[i] = w->inv[--w->ninv];
		return;
	}
}

/*
 * 1 when e is a message's attempt with no later word about that message up to the clock: it
 * may have gone (outbox.h, uncertain). Counted once, as the outbox's own check counts it.
 */
static int attempt_unanswered(struct walk *w, const struct event *e)
{
	const struct event_list *ev = w->events;

	if (message_outcome_of(e->outcome) != MSG_ATTEMPT || !e->ref || e < ev->v ||
	    e >= ev->v + ev->n)
		return 0;
	for (const struct event *x = e + 1; x < ev->v + ev->n; x++) {
		if (x->type == EV_MESSAGE && x->ref && !strcmp(x->ref, e->ref) &&
		    clock_reached(&w->clock, x->time))
			return 0;
	}
	return 1;
}

/*
 * One event: first what it tells about the contact (purchases, invoices, touches), then the
 * triggers it answers (their rows' closed_by), then the triggers that read it (their rows'
 * events, in table order).
 */
static void walk_event(struct walk *w, const struct event *e)
{
	unsigned closes = 0, closing = 0;

	w->newest_event = e->id > w->newest_event ? e->id : w->newest_event;
	switch (e->type) {
	case EV_LEAD:
		w->lead_said_no = 0;
		break;
	case EV_PURCHASE:
		walk_purchase(w, e);
		closes = CLOSED_BY_PURCHASE;
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
	case EV_TOUCH:
		if (outcome_of(e->outcome) == OUTCOME_SNOOZED) {
			/* a note to ourselves, not a touch: it holds every due back */
			if (e->due != FU_TIME_NONE)
				w->snooze_until = e->due;
			return;
		}
		closes = walk_touch(w, e);
		break;
	case EV_REPLY:
		if (event_reply_automatic(e))
			return; /* an out-of-office is nobody's answer */
		w->clicks = 0;
		closes = CLOSED_BY_REPLY;
		break;
	case EV_MESSAGE:
		/*
		 * a message that reached them, or may have (an attempt with nothing after it:
		 * uncertain), counts against the pressure budget like a touch
		 */
		if ((message_outcome_felt(e->ref, e->outcome) || attempt_unanswered(w, e)) &&
		    w->nweek < 32 && !clock_reached(&w->clock, e->time + 7 * DAY))
			w->week_touches[w->nweek++] = e->time;
		break;
	case EV_BOUNCE:
		w->bounced = e->ref;
		break;
	default:
		break;
	}
	/* decided before anything closes, so that a row's keeps sees the others as they were */
	for (int t = 0; closes && t < TRIG__COUNT; t++) {
		const struct trigger_info *ti = trigger_info(t);
		const struct occ *o = &w->occ[t];

		if ((ti->closed_by & closes) && o->open && o->since <= e->time &&
		    !(ti->keeps && ti->keeps(w, t, e)))
			closing |= 1u << t;
	}
	for (int t = 0; closing && t < TRIG__COUNT; t++) {
		if (closing & (1u << t))
			w->occ[t].open = 0;
	}
	for (int t = 0; t < TRIG__COUNT; t++) {
		const struct trigger_info *ti = trigger_info(t);

		if ((ti->events & (1u << e->type)) && ti->event)
			ti->event(w, t, e);
	}
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
		day[k] = purchase_day(e->time);
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

/* After the walk: the triggers the clock opens or closes (their rows' clock, in table order). */
static void walk_finish(struct walk *w)
{
	for (int t = 0; t < TRIG__COUNT; t++) {
		if (trigger_info(t)->clock)
			trigger_info(t)->clock(w, t);
	}
	/* a snooze holds every due back until it ends (pace) */
	if (w->snooze_until != FU_TIME_NONE)
		(void)clock_reached(&w->clock, w->snooze_until);
}

/* ---- rules: conditions, timing, what to say ---- */

const char *lookup_money(struct lookup *l, int64_t cents)
{
	char *s = l->scratch[l->nscratch++ % 8];

	amount_format(cents, s, 64);
	return s;
}

const char *lookup_date(struct lookup *l, int64_t t)
{
	char *s = l->scratch[l->nscratch++ % 8];
	struct civil cv;

	tz_to_local(l->zone, t, &cv);
	snprintf(s, 64, "%04d-%02d-%02d", cv.year, cv.month, cv.day);
	return s;
}

const char *lookup_day(struct lookup *l, int64_t t)
{
	char *s = l->scratch[l->nscratch++ % 8];
	struct civil cv;

	dt_to_civil(t, &cv);
	snprintf(s, 64, "%04d-%02d-%02d", cv.year, cv.month, cv.day);
	return s;
}

/* The first instant after now at which days_between(a, now) can change (or just before). */
static int64_t next_day_tick(int64_t a, int64_t now)
{
	int64_t d = (a - now) % DAY;

	if (d <= 0)
		d += DAY;
	return now + d;
}

void lookup_tags(struct lookup *l)
{
	json_t *attrs, *t;
	char *p;

	if (l->tags_loaded)
		return;
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
	const struct trigger_info *ti = trigger_info(r->trigger);
	int64_t base = o->since + r->after, due;

	if (o->due_at != FU_TIME_NONE && r->trigger == TRIG_CHECK_IN) {
		/* the agreed day (already at its business opening); after a missed try, the next */
		if (o->retry != FU_TIME_NONE && o->retry >= o->due_at)
			return bizhours_add_days(&pb->hours, zone, o->retry, 1);
		return o->due_at;
	}
	if (o->retry != FU_TIME_NONE && o->retry >= base)
		return bizhours_add_days(&pb->hours, zone, o->retry, 1);
	/* a person answers within the trigger's limit (limits.speed_to_lead, ...) unless the rule says otherwise */
	if (ti->within && r->within_kind == WITHIN_NONE && channel_is_personal(r->action))
		return bizhours_add(&pb->hours, zone, base, ti->within(pb));
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

/* How long after it is due an unanswered follow-up stays useful: the rule's, else its trigger's. */
static int64_t expiry(const struct rule *ru)
{
	return ru->expires ? ru->expires : trigger_info(ru->trigger)->expiry;
}

/*
 * Builds the reason rule `i` gives for one open occurrence; *made = 0 when its condition
 * does not hold, the moment has passed, or consent forbids it. Every matching rule of a
 * trigger makes its own reason (a personal call and an automated auto-reply, say).
 * *drop is the instant the reason expires (it is then dropped).
 */
/* 1 when the timeline holds a `message` event for the message rule ru makes of occurrence l->o. */
static int outbox_has(const struct lookup *l, int t, const struct rule *ru)
{
	const struct event_list *ev = l->w->events;
	char id[MESSAGE_ID_MAX];
	int any = 0;

	for (int i = 0; i < ev->n && !any; i++)
		any = ev->v[i].type == EV_MESSAGE;
	if (!any)
		return 0;
	message_identity(l->c->id, trigger_name(t), ru->name, l->o->since, id);
	for (int i = 0; i < ev->n; i++) {
		if (ev->v[i].type == EV_MESSAGE && ev->v[i].ref && !strcmp(ev->v[i].ref, id))
			return 1;
	}
	return 0;
}

static int make_reason(struct fu_ctx *ctx, struct lookup *l, int t, int i, struct reason *r,
		       int *made, int64_t *drop)
{
	const struct playbook *pb = l->pb;
	const struct rule *ru = &pb->rules[i];
	struct clock expires = { l->w->now, INT64_MAX };
	char why[512];
	struct buf say;
	int rc, ok = 1, ch;

	*made = 0;
	ch = ru->action;
	if (ru->action_low >= 0 && l->w->value < pb->high_value)
		ch = ru->action_low;
	l->channel = ch;
	l->trigger = t;
	if (ru->when) {
		struct clock cond = { l->w->now, INT64_MAX };

		l->read_days = l->read_overdue = 0;
		rc = expr_eval(ctx, ru->when, lookup_expr, l, &ok);
		if (rc)
			return fu_err_prefix(ctx, "%s: rule '%s' (line %d)", pb->name, ru->name,
					     ru->line);
		/* a condition over the days that pass may hold tomorrow */
		if (!ok && l->read_days)
			(void)clock_reached(&cond, next_day_tick(l->o->since, l->w->now));
		if (!ok && l->read_overdue && l->o->event_due != FU_TIME_NONE)
			(void)clock_reached(&cond, next_day_tick(l->o->event_due, l->w->now));
		l->wake = min_i64(l->wake, cond.wake);
		if (trigger_info(t)->escalates)
			l->wake_lead = min_i64(l->wake_lead, cond.wake);
	}
	if (!ok)
		return FU_OK;
	/* too late to be useful: dropped, not nagged about */
	if (clock_reached(&expires, l->o->since + ru->after + expiry(ru) + 1))
		return FU_OK;
	*drop = expires.wake;
	if (l->st->do_not_contact && !channel_is_personal(ch))
		return FU_OK; /* never an automated message to someone who wants no contact */
	/* consent: e-mail opt-outs stop automated and marketing e-mail */
	if (l->st->opted_out_email && (ch == CH_AUTO_EMAIL || ch == CH_EMAIL)) {
		if (ch == CH_AUTO_EMAIL || trigger_info(t)->marketing)
			return FU_OK;
		ch = CH_CALL;
	}
	/* an address that bounced gets no more e-mail: a person reaches them another way */
	if (l->w->bounced && l->c->email && !strcasecmp(l->w->bounced, l->c->email) &&
	    (ch == CH_AUTO_EMAIL || ch == CH_EMAIL))
		ch = l->c->phone ? CH_CALL : CH_LETTER;
	/* once the outbox has taken a message for this occurrence, it is the outbox's */
	if (!channel_is_personal(ch) && outbox_has(l, t, ru))
		return FU_OK;
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
	rc = template_render(ctx, ru->say, lookup_template, l, &say);
	if (rc) {
		buf_release(&say);
		return fu_err_prefix(ctx, "%s: rule '%s' (line %d)", pb->name, ru->name, ru->line);
	}
	r->say = buf_detach(&say);
	if (!r->say)
		r->say = strdup("");
	r->subject = NULL;
	if (ru->subject) {
		buf_init(&say, 1024);
		rc = template_render(ctx, ru->subject, lookup_template, l, &say);
		if (rc) {
			buf_release(&say);
			free(r->say);
			return fu_err_prefix(ctx, "%s: rule '%s' (line %d)", pb->name, ru->name,
					     ru->line);
		}
		r->subject = buf_detach(&say);
		if (!r->subject)
			r->subject = strdup("");
	}
	trigger_info(t)->why(l, why, sizeof(why));
	r->why = strdup(why);
	if (!r->say || !r->why || (ru->subject && !r->subject)) {
		free(r->say);
		free(r->subject);
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
static void pace(const struct playbook *pb, struct walk *w, const struct tz *zone,
		 struct reason *r)
{
	/* the budget limits our outreach, never our answers to what they asked */
	if (!r->transactional && !trigger_info(r->trigger)->asked && pb->touches_per_week > 0 &&
	    w->nweek >= pb->touches_per_week) {
		int64_t oldest = w->week_touches[0];

		for (int i = 1; i < w->nweek; i++)
			oldest = w->week_touches[i] < oldest ? w->week_touches[i] : oldest;
		if (r->due < oldest + 7 * DAY)
			r->due = bizhours_next_open(&pb->hours, zone, oldest + 7 * DAY);
	}
	if (w->snooze_until != FU_TIME_NONE && !clock_reached(&w->clock, w->snooze_until) &&
	    r->due < w->snooze_until)
		r->due = bizhours_next_open(&pb->hours, zone, w->snooze_until);
	if (!channel_is_personal(r->channel))
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
 * passes (w->clock.wake, l->wake) or when the last personal reason expires (drop) and an
 * earlier automated one is left alone; dropping any other reason only makes it later.
 * Escalation needs an escalating trigger's reason: one open now (whose due, pace or rules
 * may change with the clock), or one that an event still to come opens.
 */
static void find_wake(const struct walk *w, const struct lookup *l, const struct reason *rs,
		      const int64_t *drop, int n, struct engine_wake *wake)
{
	int64_t personal = INT64_MAX, automated = INT64_MAX, expires = INT64_MAX;

	for (int i = 0; i < n; i++) {
		if (!channel_is_personal(rs[i].channel)) {
			automated = min_i64(automated, rs[i].due);
		} else {
			personal = min_i64(personal, rs[i].due);
			expires = min_i64(expires, drop[i]);
		}
	}
	wake->wake = min_i64(w->clock.wake, l->wake);
	wake->due = personal != INT64_MAX ? personal : automated;
	if (personal != INT64_MAX && automated < personal)
		wake->wake = min_i64(wake->wake, expires);
	wake->escalate = w->future;
	for (int t = 0; t < TRIG__COUNT; t++) {
		if (trigger_info(t)->escalates && w->occ[t].open)
			wake->escalate = min_i64(wake->escalate, min_i64(w->clock.wake, l->wake_lead));
	}
	for (int i = 0; i < n; i++) {
		if (trigger_info(rs[i].trigger)->escalates)
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
	int64_t drop[MAX_REASONS];
	/* overdue and escalation are shown, not cached: every follow-up shown is evaluated afresh */
	struct clock shown = { now, INT64_MAX };
	int n = 0, rc = FU_OK, auto_only = 1;
	int64_t newest = 0;

	*open = 0;
	followup_init(out);
	if (wake)
		wake->due = wake->wake = wake->escalate = INT64_MAX;
	w = calloc(1, sizeof(*w));
	if (!w)
		return fu_err(ctx, FU_ENOMEM, "out of memory evaluating a contact");
	if (!lapse) {
		lapse_model_default(&def, now);
		lapse = &def;
	}
	w->now = now;
	w->clock.now = now;
	w->clock.wake = INT64_MAX;
	w->pb = pb;
	w->lm = lapse;
	w->zone = zone;
	w->st = st;
	w->events = events;
	w->last_reached = FU_TIME_NONE;
	w->snooze_until = FU_TIME_NONE;
	w->last_purchase = FU_TIME_NONE;
	w->future = INT64_MAX;
	buf_init(&w->questions, 4096);
	buf_init(&w->words, 4096);
	for (int i = 0; i < events->n; i++) {
		const struct event *e = &events->v[i];

		if (!clock_reached(&w->clock, e->time)) {
			w->future = min_i64(w->future, e->time);
			/* only a booked appointment matters before it happens */
			if (e->type == EV_APPOINTMENT)
				walk_event(w, e);
			continue;
		}
		walk_event(w, e);
	}
	rc = walk_lapse(ctx, w, events);
	if (rc)
		goto out;
	walk_finish(w);

	memset(&l, 0, sizeof(l));
	l.w = w;
	l.c = c;
	l.st = st;
	l.pb = pb;
	l.zone = zone;
	l.wake = INT64_MAX;
	l.wake_lead = INT64_MAX;
	for (int t = 0; t < TRIG__COUNT && !rc; t++) {
		/* do-not-contact: only what they wrote to us reaches a person, flagged */
		if (!w->occ[t].open || (st->do_not_contact && !trigger_info(t)->reaches_dnc))
			continue;
		l.o = &w->occ[t];
		for (int i = playbook_next_rule(pb, t, 0); i >= 0 && !rc && n < MAX_REASONS;
		     i = playbook_next_rule(pb, t, i + 1)) {
			int made;

			rc = make_reason(ctx, &l, t, i, &rs[n], &made, &drop[n]);
			if (!rc && made)
				pace(pb, w, zone, &rs[n++]);
		}
	}
	free(l.tags_copy);
	if (wake && !rc)
		find_wake(w, &l, rs, drop, n, wake);
	if (rc || n <= 0) {
		for (int i = 0; i < n; i++) { /* the reasons made before a rule failed */
			free(rs[i].say);
			free(rs[i].subject);
			free(rs[i].why);
		}
		goto out;
	}
	qsort(rs, (size_t)n, sizeof(rs[0]), cmp_reason);
	out->reasons = malloc((size_t)n * sizeof(*out->reasons));
	if (!out->reasons || copy_profile(c, out)) {
		for (int i = 0; i < n; i++) {
			free(rs[i].say);
			free(rs[i].subject);
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
		if (channel_is_personal(rs[i].channel))
			out->channel = rs[i].channel; /* how the person reaches them */
	}
	out->priority = rs[0].priority + 2 * (n - 1);
	for (int i = 0; i < n; i++)
		auto_only &= !channel_is_personal(rs[i].channel);
	/* a person's follow-up is due when its first personal reason is; automated ones go alone */
	out->due = INT64_MAX;
	for (int i = 0; i < n; i++) {
		if ((auto_only || channel_is_personal(rs[i].channel)) && rs[i].due < out->due)
			out->due = rs[i].due;
		for (int k = 0; k < rs[i].nevents; k++)
			newest = rs[i].events[k] > newest ? rs[i].events[k] : newest;
		if (trigger_info(rs[i].trigger)->escalates && channel_is_personal(rs[i].channel) &&
		    clock_reached(&shown, rs[i].due + 1))
			out->escalated = 1;
		if (rs[i].trigger == TRIG_LAPSED)
			out->at_risk = w->lapse.at_risk;
	}
	out->overdue = clock_reached(&shown, out->due + 1);
	if (out->overdue)
		out->priority += 5;
	if (out->priority > 100)
		out->priority = 100;
	out->automated = auto_only;
	out->do_not_contact = st->do_not_contact;
	snprintf(out->id, sizeof(out->id), "F%lld-%lld", (long long)c->id, (long long)newest);
	*open = 1;
out:
	buf_release(&w->questions);
	buf_release(&w->words);
	free(w);
	return rc;
}
