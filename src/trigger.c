/* trigger.c - the trigger table: each trigger's row and its own small functions */
#include "trigger.h"
#include "walk.h"

#include <stdio.h>
#include <string.h>

#include "bizhours.h"
#include "datetime.h"
#include "outcome.h"

#include "banned.h"

/* ---- new_lead: someone new got in touch ---- */

static void new_lead_event(struct walk *w, int t, const struct event *e)
{
	struct occ *o = &w->occ[t];

	if (!o->open && w->last_reached == FU_TIME_NONE)
		walk_occ_open(w, t, e, 1);
	else if (o->open)
		walk_occ_add_event(o, e->id);
}

static int64_t new_lead_within(const struct playbook *pb)
{
	return pb->speed_to_lead;
}

static void new_lead_why(struct lookup *l, char *out, size_t n)
{
	snprintf(out, n, "new lead on %s, not answered yet", lookup_date(l, l->o->since));
}

/* ---- info_request: they asked for information ---- */

static void info_request_event(struct walk *w, int t, const struct event *e)
{
	walk_occ_open(w, t, e, 1);
	if (e->note) {
		struct fu_ctx tmp;

		fu_ctx_init(&tmp);
		buf_addf(&tmp, &w->questions, "%s%s", w->questions.len ? "; " : "", e->note);
	}
}

static void info_request_why(struct lookup *l, char *out, size_t n)
{
	snprintf(out, n, "asked for information on %s", lookup_date(l, l->o->since));
}

/* ---- email_click: they followed links in our e-mails (within limits.click_window_days) ---- */

static void email_click_event(struct walk *w, int t, const struct event *e)
{
	int64_t window = (int64_t)w->pb->clicks_window_days * DAY;

	if (!clock_reached(&w->clock, e->time + window + 1)) {
		walk_occ_open(w, t, e, 1);
		w->clicks++;
	}
}

static void email_click_why(struct lookup *l, char *out, size_t n)
{
	snprintf(out, n, "clicked %d link%s in our e-mails since %s", l->w->clicks,
		 l->w->clicks == 1 ? "" : "s", lookup_date(l, l->o->since));
}

/* ---- the purchase triggers: opened by the first purchase of a day ---- */

static void post_purchase_event(struct walk *w, int t, const struct event *e)
{
	if (w->new_purchase_day)
		walk_occ_open(w, t, e, 0)->nth = w->purchase_days;
	else
		walk_occ_add_event(&w->occ[t], e->id);
}

static void post_purchase_why(struct lookup *l, char *out, size_t n)
{
	snprintf(out, n, "purchase #%d on %s: time to check it is working", l->o->nth,
		 lookup_date(l, l->o->since));
}

static void feedback_event(struct walk *w, int t, const struct event *e)
{
	if (w->new_purchase_day)
		walk_occ_open(w, t, e, 0)->nth = w->purchase_days;
}

/* asked some weeks after the latest purchase, unless we have talked since */
static void feedback_clock(struct walk *w, int t)
{
	struct occ *o = &w->occ[t];

	if (o->open && w->last_reached != FU_TIME_NONE && w->last_reached > o->since + 14 * DAY)
		o->open = 0;
}

static void feedback_why(struct lookup *l, char *out, size_t n)
{
	snprintf(out, n, "bought on %s; no word from them since", lookup_date(l, l->o->since));
}

static void repeat_purchase_event(struct walk *w, int t, const struct event *e)
{
	if (w->new_purchase_day && w->purchase_days >= 2)
		walk_occ_open(w, t, e, 0)->nth = w->purchase_days;
}

static void repeat_purchase_why(struct lookup *l, char *out, size_t n)
{
	snprintf(out, n, "purchase #%d on %s", l->o->nth, lookup_date(l, l->o->since));
}

/* ---- referral: after a conversation that won them ---- */

static void referral_event(struct walk *w, int t, const struct event *e)
{
	if (outcome_of(e->outcome) == OUTCOME_WON)
		walk_occ_open(w, t, e, 0);
}

static void referral_why(struct lookup *l, char *out, size_t n)
{
	snprintf(out, n, "a good conversation on %s", lookup_date(l, l->o->since));
}

/* ---- service: a service call ---- */

static void service_event(struct walk *w, int t, const struct event *e)
{
	walk_occ_open(w, t, e, 0);
}

static void service_why(struct lookup *l, char *out, size_t n)
{
	snprintf(out, n, "service call on %s", lookup_date(l, l->o->since));
}

/* ---- paid_late: an invoice paid after its due day (the walk matched payment and invoice) ---- */

static void paid_late_event(struct walk *w, int t, const struct event *e)
{
	struct occ *o;

	if (w->paid_id == 0)
		return;
	o = walk_occ_open(w, t, e, 0);
	o->nth = w->late;
	o->event_due = w->paid_due;
	o->events[0] = w->paid_id;
	o->events[1] = e->id;
	o->nevents = 2;
}

static void paid_late_why(struct lookup *l, char *out, size_t n)
{
	const struct occ *o = l->o;

	snprintf(out, n, "paid %s late on %s (late payment #%d)", o->ref ? o->ref : "an invoice",
		 lookup_date(l, o->since), o->nth);
}

/* ---- invoice_overdue: invoices still open past their due date ---- */

static void invoice_overdue_clock(struct walk *w, int t)
{
	struct occ *o = &w->occ[t];

	for (int i = 0; i < w->ninv; i++) {
		int64_t late;

		if (w->inv[i].due == FU_TIME_NONE)
			continue;
		/* past due from the day after its due day, as a payment is late (payment_late) */
		late = payment_late_from(w->inv[i].due);
		if (!clock_reached(&w->clock, late))
			continue;
		if (!o->open) {
			walk_occ_start(o, late);
			o->event_due = w->inv[i].due;
			o->ref = w->inv[i].ref;
			o->has_amount = 1;
		}
		if (o->nth == 0 || late < o->since) {
			o->since = late;
			o->event_due = w->inv[i].due;
			o->ref = w->inv[i].ref;
		}
		o->amount = o->nth ? o->amount + w->inv[i].amount : w->inv[i].amount;
		o->nth++;
		walk_occ_add_event(o, w->inv[i].id);
	}
}

static void invoice_overdue_why(struct lookup *l, char *out, size_t n)
{
	const struct occ *o = l->o;

	snprintf(out, n, "%d invoice%s unpaid past due since %s", o->nth, o->nth == 1 ? "" : "s",
		 lookup_day(l, o->event_due));
}

/*
 * ---- lapsed ----
 * A regular buyer (two or more purchase days) whose wait has become rarer than LAPSE_P for
 * their own rhythm, the rule of `followup lapsed`. It begins on the threshold day (UTC),
 * found on the rhythm's tail: the wake until then. A conversation since it began answers
 * it until they buy again.
 */
static void lapsed_clock(struct walk *w, int t)
{
	const struct event_list *ev = w->events;
	struct occ *o = &w->occ[t];
	int64_t since;

	if (w->lapse.since_day == INT64_MAX ||
	    (w->last_reached != FU_TIME_NONE && w->last_reached >= w->lapse.since_day * DAY))
		return;
	since = w->lapse.since_day * DAY;
	/* whether it has begun is lapse.c's reckoning at now; the day it begins is the wake */
	(void)clock_reached(&w->clock, since);
	if (!w->lapse.lapsed)
		return;
	walk_occ_start(o, since < w->now ? since : w->now);
	for (int i = ev->n - 1; i >= 0; i--) {
		if (ev->v[i].type == EV_PURCHASE && ev->v[i].time <= w->now) {
			walk_occ_add_event(o, ev->v[i].id);
			break;
		}
	}
}

static void lapsed_why(struct lookup *l, char *out, size_t n)
{
	lapse_describe(&l->w->lapse, out, n);
}

/* ---- silence: an open lead or an active customer nobody has spoken to for too long ---- */

/* The last word either way (or the lead's arrival): where the silence is counted from. */
static int64_t silence_from(const struct contact_state *st)
{
	int64_t clock = st->last_two_way;

	if (st->last_touch_out != FU_TIME_NONE && st->last_touch_out > clock)
		clock = st->last_touch_out;
	if (st->lead_at != FU_TIME_NONE && st->lead_at > clock)
		clock = st->lead_at;
	return clock;
}

static void silence_clock(struct walk *w, int t)
{
	const struct contact_state *st = w->st;
	const struct event_list *ev = w->events;
	int64_t clock, limit = (int64_t)w->pb->silence_days * DAY;
	struct occ *o = &w->occ[t];
	int stage = contact_stage(st, w->now), quiet = 0;

	(void)clock_reached(&w->clock, contact_stage_change(st, w->now)); /* the stage moves */
	clock = silence_from(st);
	if (clock != FU_TIME_NONE)
		quiet = clock_reached(&w->clock, clock + limit + 1);
	if (!quiet || !((stage == STAGE_LEAD && st->lead_at != FU_TIME_NONE && !w->lead_said_no) ||
			stage == STAGE_CUSTOMER || stage == STAGE_REPEAT))
		return;
	/* silence re-arms: however long it has lasted, the light touch is due now, not overdue */
	walk_occ_start(o, clock + limit < w->now ? w->now : clock + limit);
	for (int i = ev->n - 1; i >= 0; i--) {
		if (ev->v[i].time <= w->now) {
			walk_occ_add_event(o, ev->v[i].id);
			break;
		}
	}
}

static void silence_why(struct lookup *l, char *out, size_t n)
{
	/* the whole wait, not the time since the occurrence opened (it re-arms at "now") */
	int64_t from = silence_from(l->st);

	snprintf(out, n, "no touch for %lld days",
		 (long long)(from == FU_TIME_NONE ? l->pb->silence_days : days_between(from, l->w->now)));
}

/* ---- check_in: the date they agreed to ("not-yet" with a date) ---- */

/* A reply or a purchase before an agreed check-in brings the conversation forward. */
static void bring_forward(struct walk *w, struct occ *o, const struct event *e)
{
	int64_t t;

	if (!o->open || o->due_at == FU_TIME_NONE)
		return;
	t = bizhours_next_open(&w->pb->hours, w->zone, e->time);
	if (t < o->due_at) {
		o->due_at = t;
		walk_occ_add_event(o, e->id);
	}
}

static void check_in_event(struct walk *w, int t, const struct event *e)
{
	struct occ *o;
	struct civil cv;
	int oc = outcome_of(e->outcome);

	if (e->type == EV_PURCHASE) {
		bring_forward(w, &w->occ[t], e);
		return;
	}
	if (oc <= 0 || !outcome_info(oc)->conversation || !outcome_info(oc)->next_date ||
	    e->due == FU_TIME_NONE)
		return;
	o = walk_occ_open(w, t, e, 0);
	/* the agreed calendar day, at the opening of business that day in their zone */
	dt_to_civil(e->due, &cv);
	cv.hour = cv.min = cv.sec = 0;
	o->due_at = bizhours_next_open(&w->pb->hours, w->zone, tz_from_local(w->zone, &cv, NULL));
}

/*
 * A reply before the agreed date is answered on its own (the reply trigger); the touch that
 * answers it leaves the check-in where it was agreed, unless it settled things (won, no).
 */
static int check_in_keeps(const struct walk *w, int t, const struct event *e)
{
	const struct occ *r = &w->occ[TRIG_REPLY];
	int oc = outcome_of(e->outcome);

	(void)t;
	return e->type == EV_TOUCH && r->open && r->since <= e->time && oc >= 0 &&
	       !outcome_info(oc)->closes_lead;
}

/* an agreed check-in date is a promise: no outreach before it */
static void check_in_clock(struct walk *w, int t)
{
	const struct occ *o = &w->occ[t];

	if (!o->open || o->due_at == FU_TIME_NONE || clock_reached(&w->clock, o->due_at))
		return;
	for (int k = 0; k < TRIG__COUNT; k++) {
		if (trigger_info(k)->marketing)
			w->occ[k].open = 0;
	}
}

static void check_in_why(struct lookup *l, char *out, size_t n)
{
	const struct occ *o = l->o;

	snprintf(out, n, "they asked us to check back on %s",
		 lookup_date(l, o->due_at != FU_TIME_NONE ? o->due_at : o->since));
}

/* ---- appointments: a reminder before one to come, a call after one missed ---- */

static void appointment_clock(struct walk *w, int t)
{
	struct occ *m = &w->occ[TRIG_MISSED_APPOINTMENT], *r = &w->occ[t];

	if (!m->open || clock_reached(&w->clock, m->due_at))
		return;
	*r = *m;
	r->since = m->due_at - DAY;
	m->open = 0;
	if (!clock_reached(&w->clock, m->due_at - 3 * DAY))
		r->open = 0; /* the reminder opens three days before */
}

static void appointment_why(struct lookup *l, char *out, size_t n)
{
	snprintf(out, n, "appointment on %s", lookup_date(l, l->o->due_at));
}

/* an appointment is kept when anything two-way happens at or after it */
static void missed_appointment_event(struct walk *w, int t, const struct event *e)
{
	struct occ *o = &w->occ[t];

	if (e->type == EV_APPOINTMENT) {
		walk_occ_open(w, t, e, 0)->due_at = e->time;
		return;
	}
	if (o->open && e->time >= o->due_at &&
	    (e->type != EV_TOUCH || outcome_is_conversation(e->outcome)))
		o->open = 0;
}

static void missed_appointment_clock(struct walk *w, int t)
{
	struct occ *o = &w->occ[t];

	/* two weeks after it, a missed appointment is history */
	if (o->open && clock_reached(&w->clock, o->due_at + 14 * DAY + 1))
		o->open = 0;
}

static void missed_appointment_why(struct lookup *l, char *out, size_t n)
{
	snprintf(out, n, "missed the appointment on %s", lookup_date(l, l->o->since));
}

/*
 * ---- reply: the customer wrote or called us (a `reply` event, whatever its channel) ----
 * A person answers within limits.reply_within business time and sees their own words; the
 * next touch we make closes it.
 */
static void reply_event(struct walk *w, int t, const struct event *e)
{
	struct fu_ctx tmp;

	if (!w->occ[t].open)
		buf_reset(&w->words); /* the words since the last answer */
	walk_occ_open(w, t, e, 1);
	fu_ctx_init(&tmp);
	if (e->note)
		buf_addf(&tmp, &w->words, "%s%s", w->words.len ? " / " : "", e->note);
}

static int64_t reply_within(const struct playbook *pb)
{
	return pb->reply_within;
}

static void reply_why(struct lookup *l, char *out, size_t n)
{
	const struct walk *w = l->w;
	const char *d = lookup_date(l, l->o->since);

	if (w->words.len)
		snprintf(out, n, "they got in touch on %s: \"%.300s%s\"", d, buf_cstr(&w->words),
			 w->words.len > 300 ? "..." : "");
	else
		snprintf(out, n, "they got in touch on %s", d);
}

/* ---- the table ---- */

#define EV(x) (1u << (x))
#define D30 (30 * (int64_t)DAY)
#define D14 (14 * (int64_t)DAY)

/*
 * Default expiry: 14 days for a new lead or request (then silence takes over), 30 days for
 * the moment-bound triggers (a thank-you or a check-in months late helps nobody); an unpaid
 * invoice, a lapse, silence, an agreed check-in and a missed appointment stay until answered.
 */
static const struct trigger_info triggers[TRIG__COUNT] = {
	[TRIG_NEW_LEAD] = {
		.name = "new_lead", .help = "someone new got in touch",
		.events = EV(EV_LEAD),
		.closed_by = CLOSED_BY_TALK | CLOSED_BY_ANSWER | CLOSED_BY_REPLY | CLOSED_BY_PURCHASE,
		.escalates = 1, .asked = 1, .expiry = D14, .within = new_lead_within,
		.event = new_lead_event, .why = new_lead_why },
	[TRIG_INFO_REQUEST] = {
		.name = "info_request", .help = "they asked for information",
		.events = EV(EV_INFO_REQUEST),
		.closed_by = CLOSED_BY_TALK | CLOSED_BY_REPLY | CLOSED_BY_PURCHASE,
		.asked = 1, .expiry = D14,
		.event = info_request_event, .why = info_request_why },
	[TRIG_EMAIL_CLICK] = {
		.name = "email_click", .help = "they clicked links in our e-mails",
		.events = EV(EV_EMAIL_CLICK),
		.closed_by = CLOSED_BY_TALK | CLOSED_BY_TOUCH | CLOSED_BY_REPLY,
		.marketing = 1, .expiry = D30,
		.event = email_click_event, .why = email_click_why },
	[TRIG_POST_PURCHASE] = {
		.name = "post_purchase", .help = "a purchase: is it working?",
		.events = EV(EV_PURCHASE), .closed_by = CLOSED_BY_TALK, .expiry = D30,
		.event = post_purchase_event, .why = post_purchase_why },
	[TRIG_FEEDBACK] = {
		.name = "feedback", .help = "weeks after a purchase, no word since",
		.events = EV(EV_PURCHASE), .marketing = 1, .expiry = D30,
		.event = feedback_event, .clock = feedback_clock, .why = feedback_why },
	[TRIG_REFERRAL] = {
		.name = "referral", .help = "a conversation that won them",
		.events = EV(EV_TOUCH), .closed_by = CLOSED_BY_TALK, .marketing = 1, .expiry = D30,
		.event = referral_event, .why = referral_why },
	[TRIG_REPEAT_PURCHASE] = {
		.name = "repeat_purchase", .help = "a returning customer's purchase",
		.events = EV(EV_PURCHASE), .closed_by = CLOSED_BY_TALK, .expiry = D30,
		.event = repeat_purchase_event, .why = repeat_purchase_why },
	[TRIG_SERVICE] = {
		.name = "service", .help = "a service call",
		.events = EV(EV_SERVICE), .closed_by = CLOSED_BY_TALK, .expiry = D30,
		.event = service_event, .why = service_why },
	[TRIG_PAID_LATE] = {
		.name = "paid_late", .help = "an invoice paid after its due day",
		.events = EV(EV_PAYMENT), .closed_by = CLOSED_BY_TALK, .expiry = D30,
		.event = paid_late_event, .why = paid_late_why },
	[TRIG_INVOICE_OVERDUE] = {
		.name = "invoice_overdue", .help = "invoices unpaid past their due day",
		.expiry = TRIGGER_KEEP,
		.clock = invoice_overdue_clock, .why = invoice_overdue_why },
	[TRIG_LAPSED] = {
		.name = "lapsed", .help = "a regular buyer's wait has become rare",
		.closed_by = CLOSED_BY_PURCHASE, .expiry = TRIGGER_KEEP,
		.clock = lapsed_clock, .why = lapsed_why },
	[TRIG_SILENCE] = {
		.name = "silence", .help = "no word for limits.silence_days",
		.marketing = 1, .expiry = TRIGGER_KEEP,
		.clock = silence_clock, .why = silence_why },
	[TRIG_CHECK_IN] = {
		.name = "check_in", .help = "the date they asked us to check back",
		.events = EV(EV_TOUCH) | EV(EV_PURCHASE), .closed_by = CLOSED_BY_TALK,
		.expiry = TRIGGER_KEEP,
		.event = check_in_event, .keeps = check_in_keeps, .clock = check_in_clock,
		.why = check_in_why },
	[TRIG_APPOINTMENT] = {
		.name = "appointment", .help = "an appointment in the next days",
		.expiry = D30,
		.clock = appointment_clock, .why = appointment_why },
	[TRIG_MISSED_APPOINTMENT] = {
		.name = "missed_appointment", .help = "an appointment that did not happen",
		.events = EV(EV_APPOINTMENT) | EV(EV_SERVICE) | EV(EV_PURCHASE) | EV(EV_REPLY) |
			  EV(EV_TOUCH),
		.closed_by = CLOSED_BY_TALK, .expiry = TRIGGER_KEEP,
		.event = missed_appointment_event, .clock = missed_appointment_clock,
		.why = missed_appointment_why },
	[TRIG_REPLY] = {
		.name = "reply", .help = "they wrote or called us",
		.events = EV(EV_REPLY), .closed_by = CLOSED_BY_TOUCH,
		.asked = 1, .reaches_dnc = 1, .expiry = D14, .within = reply_within,
		.event = reply_event, .why = reply_why },
};

const struct trigger_info *trigger_info(int t)
{
	if (t < 0 || t >= TRIG__COUNT)
		return NULL;
	return &triggers[t];
}

const char *trigger_name(int t)
{
	return t < 0 || t >= TRIG__COUNT ? NULL : triggers[t].name;
}

int trigger_parse(const char *s, int *trigger)
{
	for (int i = 0; i < TRIG__COUNT; i++) {
		if (!strcmp(triggers[i].name, s)) {
			*trigger = i;
			return 0;
		}
	}
	return -1;
}

void trigger_list(char *out, size_t n)
{
	size_t used = 0;

	if (n)
		out[0] = '\0';
	for (int i = 0; i < TRIG__COUNT && used < n; i++) {
		int k = snprintf(out + used, n - used, "%s%s", i ? ", " : "", triggers[i].name);

		if (k < 0)
			break;
		used += (size_t)k;
	}
}
