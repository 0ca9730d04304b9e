/* synth.c - deterministic generator of a believable small business: its contacts and their event histories */
#include "synth.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "banned.h"

#define DAY 86400
#define LINE_CAP 2048
#define CAMPAIGN_EVERY 14
#define MAX_CONTACTS 100000000
#define MAX_DAYS 36600

/* ---- random numbers: a splitmix64 stream per contact, so contacts do not depend on each other ---- */

struct rng {
	uint64_t s;
};

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* Uniform in [0, n). */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]; lo when hi < lo. */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static int rng_chance(struct rng *r, double p)
{
	return rng_unit(r) < p;
}

/* Roughly standard normal (sum of four uniforms), without libm. */
static double rng_normal(struct rng *r)
{
	double s = rng_unit(r) + rng_unit(r) + rng_unit(r) + rng_unit(r);

	return (s - 2.0) * 1.7320508;
}

/* Index into a table of weights. */
static int rng_pick(struct rng *r, const unsigned *w, int n)
{
	unsigned total = 0, x;
	int i;

	for (i = 0; i < n; i++)
		total += w[i];
	x = rng_below(r, total);
	for (i = 0; i < n - 1; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

#define PICK(r, w) rng_pick((r), (w), (int)(sizeof(w) / sizeof((w)[0])))
#define ONE_OF(r, t) ((t)[rng_below((r), (uint32_t)(sizeof(t) / sizeof((t)[0])))])

/* ---- built-in tables ---- */

static const char *const first_names[] = {
	"Maria", "James", "Aisha", "Wei", "Olivia", "Noah", "Sofia", "Liam", "Priya", "Lucas",
	"Emma", "Mateo", "Hannah", "Omar", "Grace", "Ethan", "Chloe", "Daniel", "Yuki", "Samuel",
	"Fatima", "Jack", "Isabel", "Ravi", "Nora", "Leo", "Elena", "Hugo", "Amara", "Tom",
	"Lena", "Diego", "Zoe", "Kofi", "Ines", "Max", "Mei", "Oscar", "Julia", "Arjun",
};

static const char *const last_names[] = {
	"Garcia", "Smith", "Khan", "Chen", "Johnson", "Muller", "Rossi", "Nguyen", "Patel", "Brown",
	"O'Brien", "Silva", "Kowalski", "Tanaka", "Williams", "Dubois", "Jones", "Martin", "Okafor", "Lopez",
	"Schmidt", "Taylor", "Andersson", "Cohen", "Murphy", "Sato", "Fischer", "Walker", "Haddad", "Moreau",
	"Clarke", "Romero", "Novak", "Evans", "Singh", "Baker", "Costa", "Wright", "Ivanova", "Hughes",
};

static const char *const company_adj[] = {
	"Harbor", "Summit", "Northside", "Bluebird", "Maple", "Redwood", "Pioneer", "Lakeside",
	"Granite", "Sunrise", "Cedar", "Riverside", "Keystone", "Evergreen", "Union", "Beacon",
};

static const char *const company_noun[] = {
	"Office", "Print", "Paper", "Dental", "Cafe", "Bakery", "Auto", "Salon",
	"Law", "Clinic", "Studio", "Hardware", "Florist", "Fitness", "Realty", "Books",
};

static const char *const company_suffix[] = {
	"Supply", "Co", "LLC", "Inc", "Group", "Partners", "Works", "Shop",
};

static const char *const free_mail[] = {
	"example.com", "example.net", "example.org", "mail.example", "inbox.example",
};

static const char *const owners[] = { "ana", "ben", "chloe", "dev" };
static const unsigned owner_w[] = { 30, 25, 25, 20 };

enum dst_rule { DST_NONE, DST_US, DST_EU, DST_AU };

struct zone {
	const char *name;
	int std_min;   /* standard offset, minutes east of UTC */
	int rule;
};

static const struct zone zones[] = {
	{ "America/New_York", -300, DST_US },
	{ "America/Chicago", -360, DST_US },
	{ "America/Denver", -420, DST_US },
	{ "America/Phoenix", -420, DST_NONE },
	{ "America/Los_Angeles", -480, DST_US },
	{ "America/Toronto", -300, DST_US },
	{ "Europe/London", 0, DST_EU },
	{ "Europe/Berlin", 60, DST_EU },
	{ "Europe/Paris", 60, DST_EU },
	{ "Australia/Sydney", 600, DST_AU },
	{ "Asia/Kolkata", 330, DST_NONE },
	{ "Asia/Tokyo", 540, DST_NONE },
};
static const unsigned zone_w[] = { 26, 16, 6, 3, 14, 5, 8, 6, 4, 5, 5, 2 };

enum segment { SEG_RETAIL, SEG_WHOLESALE, SEG_SERVICE };
static const char *const segments[] = { "retail", "wholesale", "service" };
static const unsigned segment_w[] = { 50, 25, 25 };

static const char *const type_names[EV__COUNT] = {
	"lead", "info_request", "email_click", "purchase", "invoice", "payment",
	"service", "appointment", "touch", "reply", "opt_out", "message", "bounce",
};

static const char *const lead_notes[] = {
	"found us on the web", "referred by a customer", "asked about bulk pricing, wants a quote",
	"met at the trade show", "\"urgent\" - needs supplies this week", "came in from the spring promo",
};

static const char *const info_notes[] = {
	"wants the catalogue", "asked for prices on toner, paper and ink", "asked about delivery times",
	"wants a quote for 200 units", "asked whether we do \"same day\" delivery", "asked about service contracts",
};

static const char *const reached_notes[] = {
	"talked about the next order", "will order next month", "happy with the service, asked about invoices",
	"wants a call back after the budget meeting", "asked for a \"better price\" on paper",
};

static const char *const notyet_notes[] = {
	"not ready yet, call back in a month", "says \"maybe after the holidays\"", "still comparing offers",
};

static const char *const no_notes[] = {
	"went with a competitor", "not interested, too expensive", "closed the shop",
};

static const char *const won_notes[] = { "closed the deal", "agreed on the order", "signed, wants delivery Monday" };

static const char *const service_notes[] = {
	"printer repair", "annual maintenance", "replaced parts, under warranty", "on-site visit, 2 hours",
	"installed the new \"pro\" model",
};

static const char *const appt_notes[] = { "site visit", "demo of the new range", "maintenance visit", "quarterly review" };

static const char *const reply_notes[] = {
	"thanks, will get back to you", "can you send the invoice again?", "yes, \"Tuesday\" works",
	"please call me after 3pm",
};

static const char *const purchase_notes[] = { "rush order", "pickup, not delivery", "reorder of the usual" };
static const char *const payment_notes[] = { "paid by card", "bank transfer", "cheque, \"posted Friday\"" };

static const char *const lead_channels[] = { "call", "email", "web_form" };
static const unsigned lead_channel_w[] = { 35, 30, 35 };

/* ---- generation state ---- */

struct sev {
	int64_t t;
	int64_t amount;      /* cents, or -1 */
	int64_t ref;         /* order or invoice number, 0 for none */
	int64_t due_day;     /* day number of the due date, or INT64_MIN */
	const char *channel;
	const char *outcome;
	const char *note;
	uint32_t seq;        /* creation order, to keep sorting stable */
	uint8_t type;
};

struct person {
	int zone;
	int segment;
	int owned;
	int late_payer;      /* pays habitually after the due date */
	double click_p;      /* chance to click a given campaign */
	int64_t basket;      /* typical order, cents */
};

struct gen {
	struct rng r;
	int64_t start, end;  /* the window, UTC seconds */
	int64_t day0;        /* UTC day number of start */
	int64_t ndays;       /* days from day0 up to end's day, inclusive */
	int campaign_phase;
	struct sev *ev;
	size_t n, cap;
	uint32_t seq;
	int oom;
	int64_t next_order, next_invoice, next_id;
	int keyw, idw;
	int owners;          /* synth_opts.owners */
	struct person p;
};

/* ---- calendar (own small civil-date code, so this file needs nothing else) ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

/* 0 = Monday ... 6 = Sunday. */
static int weekday(int64_t day)
{
	return (int)(((day + 3) % 7 + 7) % 7);
}

/* Offset in minutes of a zone on a UTC day; DST start and end dates are approximate. */
static int zone_offset(const struct zone *z, int64_t day)
{
	int y, m, d, dst = 0;

	if (z->rule == DST_NONE)
		return z->std_min;
	civil_from_days(day, &y, &m, &d);
	switch (z->rule) {
	case DST_US:
		dst = (m > 3 && m < 11) || (m == 3 && d >= 10) || (m == 11 && d < 3);
		break;
	case DST_EU:
		dst = (m > 3 && m < 10) || (m == 3 && d >= 28) || (m == 10 && d < 27);
		break;
	case DST_AU:
		dst = m > 10 || m < 4 || (m == 10 && d >= 4) || (m == 4 && d < 5);
		break;
	}
	return z->std_min + (dst ? 60 : 0);
}

/* A minute of the day when people do business: mostly 8-18, now and then early or evening. */
static int office_minute(struct rng *r)
{
	int x = (int)rng_below(r, 100);

	if (x < 45)
		return 8 * 60 + 30 + (int)rng_below(r, 9 * 60);
	if (x < 90)
		return 8 * 60 + (int)(rng_below(r, 300) + rng_below(r, 301));
	if (x < 96)
		return 18 * 60 + (int)rng_below(r, 240);
	return 7 * 60 + (int)rng_below(r, 60);
}

/* Any waking minute (e-mail is read at night too). */
static int waking_minute(struct rng *r)
{
	return 7 * 60 + (int)rng_below(r, 17 * 60);
}

/* Moves a window day off the weekend most of the time. */
static int64_t workday(struct gen *g, int64_t d)
{
	int wd = weekday(g->day0 + d);

	if (wd >= 5 && !(g->p.segment == SEG_RETAIL && wd == 5 && rng_chance(&g->r, 0.4)) &&
	    rng_chance(&g->r, 0.9))
		d += 7 - wd + (int64_t)rng_below(&g->r, 5);
	return d;
}

/* The UTC instant of a local minute on window day d, in the contact's zone. */
static int64_t at_local(struct gen *g, int64_t d, int minute)
{
	int64_t day = g->day0 + d;

	return day * DAY + (int64_t)minute * 60 - (int64_t)zone_offset(&zones[g->p.zone], day) * 60;
}

static int64_t office_time(struct gen *g, int64_t d)
{
	d = workday(g, d);
	return at_local(g, d, office_minute(&g->r));
}

/*
 * Adds an event at t and returns it, or NULL when t falls outside the window (only
 * appointments may lie after end) or memory runs out. The pointer is valid until the
 * next add().
 */
static struct sev *add(struct gen *g, int type, int64_t t)
{
	struct sev *e;

	if (t < g->start || (t > g->end && type != EV_APPOINTMENT))
		return NULL;
	if (g->n == g->cap) {
		size_t ncap = g->cap ? g->cap * 2 : 64;
		struct sev *p = realloc(g->ev, ncap * sizeof(*p));

		if (!p) {
			g->oom = 1;
			return NULL;
		}
		g->ev = p;
		g->cap = ncap;
	}
	e = &g->ev[g->n++];
	e->t = t;
	e->type = (uint8_t)type;
	e->amount = -1;
	e->ref = 0;
	e->due_day = INT64_MIN;
	e->channel = NULL;
	e->outcome = NULL;
	e->note = NULL;
	e->seq = g->seq++;
	return e;
}

/* ---- life-story pieces ---- */

static int64_t order_amount(struct gen *g)
{
	double f = 0.45 + rng_unit(&g->r) * 0.8 + (rng_chance(&g->r, 0.08) ? rng_unit(&g->r) * 2.0 : 0.0);
	int64_t c = (int64_t)((double)g->p.basket * f);

	if (c < 500)
		c = 500 + (int64_t)rng_below(&g->r, 1000);
	/* round to whole dollars now and then, as catalogue prices are */
	if (rng_chance(&g->r, 0.3))
		c -= c % 100;
	return c;
}

/*
 * A purchase on day d, usually followed by an invoice and its payment. Returns 1 when
 * the purchase fell inside the window.
 */
static int purchase_chain(struct gen *g, int64_t d)
{
	struct rng *r = &g->r;
	struct sev *e;
	int64_t amount, t, ti, tp, pd, terms, ref;

	t = office_time(g, d);
	e = add(g, EV_PURCHASE, t);
	if (!e)
		return 0;
	amount = order_amount(g);
	e->amount = amount;
	e->ref = g->next_order++;
	if (rng_chance(r, 0.05))
		e->note = ONE_OF(r, purchase_notes);
	if (g->p.segment == SEG_RETAIL && !rng_chance(r, 0.3))
		return 1; /* paid at the counter */

	ti = t + rng_range(r, 5, 90) * 60;
	e = add(g, EV_INVOICE, ti);
	if (!e)
		return 1;
	terms = 30;
	if (g->p.segment == SEG_RETAIL && rng_chance(r, 0.2))
		terms = 14;
	else if (g->p.segment == SEG_WHOLESALE && rng_chance(r, 0.15))
		terms = 60;
	d = floor_div(ti, DAY) - g->day0;
	ref = g->next_invoice++;
	e->amount = amount;
	e->ref = ref;
	e->due_day = g->day0 + d + terms;

	if (rng_chance(r, 0.015))
		return 1; /* disputed or forgotten: stays open */
	if (g->p.late_payer)
		pd = d + terms + rng_range(r, -4, 45);
	else if (rng_chance(r, 0.08))
		pd = d + terms + rng_range(r, 1, 25);
	else
		pd = d + rng_range(r, 1, terms - 2);
	pd = workday(g, pd);
	if (pd <= d)
		pd = d + 1;
	tp = at_local(g, pd, office_minute(r));
	if (tp <= ti)
		tp = ti + 3600;
	e = add(g, EV_PAYMENT, tp);
	if (!e)
		return 1; /* paid after end: still open */
	e->ref = ref;
	e->amount = rng_chance(r, 0.03) ? amount - amount % 1000 : amount;
	if (e->amount <= 0)
		e->amount = amount;
	if (rng_chance(r, 0.06))
		e->note = ONE_OF(r, payment_notes);
	return 1;
}

static void reply(struct gen *g, int64_t after)
{
	struct sev *e = add(g, EV_REPLY, after + rng_range(&g->r, 20, 2 * 24 * 60) * 60);

	if (e && rng_chance(&g->r, 0.5))
		e->note = ONE_OF(&g->r, reply_notes);
}

/* One touch by the owner; outcome NULL picks a middling one. Returns the touch's time, or -1. */
static int64_t touch(struct gen *g, int64_t d, const char *outcome)
{
	static const char *const channels[] = { "call", "email", "meeting", "letter" };
	static const unsigned channel_w[] = { 58, 32, 5, 5 };
	static const char *const mid[] = { "no-answer", "voicemail", "reached", "not-yet" };
	static const unsigned mid_w[] = { 30, 30, 25, 15 };
	struct rng *r = &g->r;
	const char *ch = channels[PICK(r, channel_w)];
	struct sev *e;
	int64_t t = office_time(g, d);

	if (!outcome) {
		outcome = mid[PICK(r, mid_w)];
		if (!strcmp(ch, "email"))
			outcome = rng_chance(r, 0.35) ? "reached" : "no-answer";
		else if (!strcmp(ch, "meeting") || !strcmp(ch, "letter"))
			outcome = !strcmp(ch, "meeting") ? "reached" : "no-answer";
	} else if (!strcmp(outcome, "voicemail")) {
		ch = "call";
	} else if (!strcmp(ch, "letter")) {
		ch = "call";
	}
	if (!strcmp(outcome, "voicemail") && rng_chance(r, 0.3))
		ch = "voicemail";
	e = add(g, EV_TOUCH, t);
	if (!e)
		return -1;
	e->channel = ch;
	e->outcome = outcome;
	if (rng_chance(r, 0.35)) {
		if (!strcmp(outcome, "reached"))
			e->note = ONE_OF(r, reached_notes);
		else if (!strcmp(outcome, "not-yet"))
			e->note = ONE_OF(r, notyet_notes);
		else if (!strcmp(outcome, "no"))
			e->note = ONE_OF(r, no_notes);
		else if (!strcmp(outcome, "won"))
			e->note = ONE_OF(r, won_notes);
		else if (!strcmp(outcome, "voicemail"))
			e->note = "left a message";
	}
	if (!strcmp(ch, "email") && !strcmp(outcome, "reached") && rng_chance(r, 0.7))
		reply(g, t);
	return t;
}

/* A few follow-up touches after a lead; the last ends won, no or open. Returns the last touch's day. */
static int64_t lead_touches(struct gen *g, int64_t d, int won)
{
	static const char *const last[] = { "no-answer", "voicemail", "reached", "not-yet", "no" };
	static const unsigned last_w[] = { 20, 20, 20, 25, 15 };
	int i, n = 1 + (int)rng_below(&g->r, 4);

	for (i = 0; i < n; i++) {
		const char *outcome = NULL;

		if (i == n - 1)
			outcome = won ? "won" : last[PICK(&g->r, last_w)];
		touch(g, d, outcome);
		if (i < n - 1)
			d += rng_range(&g->r, 2, 14);
	}
	return d;
}

/* A lead on day d; returns its channel, or NULL when it fell outside the window. *t is its time. */
static const char *lead(struct gen *g, int64_t d, int64_t *t)
{
	struct rng *r = &g->r;
	struct sev *e;

	*t = at_local(g, d, rng_chance(r, 0.3) ? waking_minute(r) : office_minute(r));
	e = add(g, EV_LEAD, *t);
	if (!e)
		return NULL;
	e->channel = g->p.owned ? lead_channels[PICK(r, lead_channel_w)] : (rng_chance(r, 0.8) ? "web_form" : "email");
	if (rng_chance(r, 0.3))
		e->note = ONE_OF(r, lead_notes);
	return e->channel;
}

/* An information request on day d, after the lead at lead_t. */
static void info_request(struct gen *g, int64_t d, int64_t lead_t, const char *channel)
{
	int64_t t = office_time(g, d);
	struct sev *e;

	if (t <= lead_t)
		t = lead_t + rng_range(&g->r, 5, 120) * 60;
	e = add(g, EV_INFO_REQUEST, t);

	if (!e)
		return;
	e->channel = channel ? channel : lead_channels[PICK(&g->r, lead_channel_w)];
	if (rng_chance(&g->r, 0.5))
		e->note = ONE_OF(&g->r, info_notes);
}

/* A service call on day d, booked as an appointment first about half the time. */
static void service(struct gen *g, int64_t d)
{
	struct rng *r = &g->r;
	int64_t t = office_time(g, d);
	struct sev *e;

	if (rng_chance(r, 0.5)) {
		e = add(g, EV_APPOINTMENT, t);
		if (e && rng_chance(r, 0.5))
			e->note = "maintenance visit";
		t += rng_range(r, 30, 150) * 60;
	}
	e = add(g, EV_SERVICE, t);
	if (e && rng_chance(r, 0.5))
		e->note = ONE_OF(r, service_notes);
}

/* An appointment booked for a day after end. */
static void future_appointment(struct gen *g)
{
	int64_t d = g->ndays + rng_range(&g->r, 1, 21);
	struct sev *e = add(g, EV_APPOINTMENT, office_time(g, d));

	if (e && rng_chance(&g->r, 0.6))
		e->note = ONE_OF(&g->r, appt_notes);
}

/* Marketing e-mails go out every two weeks; engaged contacts click some of them. */
static void clicks(struct gen *g, int64_t from)
{
	int64_t d;

	if (g->p.click_p <= 0.0)
		return;
	for (d = g->campaign_phase; d < g->ndays; d += CAMPAIGN_EVERY) {
		if (d < from || !rng_chance(&g->r, g->p.click_p))
			continue;
		add(g, EV_EMAIL_CLICK, at_local(g, d + (int64_t)rng_below(&g->r, 3), waking_minute(&g->r)));
	}
}

/*
 * Buys on a personal rhythm from day first to day stop (inclusive). Returns the day of
 * the last purchase, or -1 when none was made.
 */
static int64_t rhythm(struct gen *g, int64_t first, int64_t stop, double gap, double cv)
{
	struct rng *r = &g->r;
	int64_t d = first, last = -1;
	double svc = g->p.segment == SEG_SERVICE ? 0.25 : 0.04, step;

	while (d <= stop && d < g->ndays) {
		if (g->p.owned && rng_chance(r, 0.04))
			touch(g, d > 0 ? d - 1 : d, "won");
		if (purchase_chain(g, d))
			last = d;
		if (rng_chance(r, svc))
			service(g, d + rng_range(r, 3, 20));
		if (g->p.owned && rng_chance(r, 0.08))
			touch(g, d + rng_range(r, 3, 15), rng_chance(r, 0.7) ? "reached" : NULL);
		if (rng_chance(r, 0.03))
			reply(g, at_local(g, d, 9 * 60));
		step = gap * (1.0 + cv * rng_normal(r));
		if (step < 2.0)
			step = 2.0;
		d += (int64_t)(step + 0.5);
	}
	return last;
}

static void rhythm_params(struct gen *g, double *gap, double *cv)
{
	static const double cvs[] = { 0.08, 0.3, 0.65 };
	static const unsigned cv_w[] = { 35, 50, 15 };
	double u = rng_unit(&g->r);

	*gap = 14.0 + u * u * 76.0;
	*cv = cvs[PICK(&g->r, cv_w)];
}

/* A lead who never buys: some get chased, some are forgotten. */
static int64_t story_cold_lead(struct gen *g)
{
	struct rng *r = &g->r;
	int64_t d = rng_range(r, 0, g->ndays - 2), last, t;
	const char *channel = lead(g, d, &t);

	if (rng_chance(r, 0.4))
		info_request(g, d + rng_range(r, 0, 3), t, channel);
	if (g->p.owned && !rng_chance(r, 0.35)) {
		last = lead_touches(g, d + rng_range(r, 1, 3), 0);
		if (rng_chance(r, 0.08)) {
			struct sev *e = add(g, EV_APPOINTMENT, office_time(g, last + rng_range(r, 3, 20)));

			if (e)
				e->note = "demo of the new range";
		}
	}
	return d;
}

/* A lead who asks for information, gets chased and buys; then buys once or keeps buying. */
static int64_t story_converted(struct gen *g)
{
	struct rng *r = &g->r;
	int64_t d = rng_range(r, 0, g->ndays > 40 ? g->ndays - 30 : g->ndays - 2), buy, t;
	const char *channel = lead(g, d, &t);
	double gap, cv;

	if (rng_chance(r, 0.8))
		info_request(g, d + rng_range(r, 0, 3), t, channel);
	buy = d + rng_range(r, 1, 5);
	if (g->p.owned)
		buy = lead_touches(g, buy, 1) + rng_range(r, 0, 10);
	if (rng_chance(r, 0.5)) {
		purchase_chain(g, buy);
		if (rng_chance(r, g->p.segment == SEG_SERVICE ? 0.4 : 0.1))
			service(g, buy + rng_range(r, 5, 60));
	} else {
		rhythm_params(g, &gap, &cv);
		rhythm(g, buy, g->ndays, gap, cv);
	}
	return d;
}

/* Buys once and never again. */
static int64_t story_one_time(struct gen *g)
{
	struct rng *r = &g->r;
	int64_t d = rng_range(r, 0, g->ndays - 2), first = d, t;

	if (rng_chance(r, 0.3)) {
		lead(g, d, &t);
		d += rng_range(r, 1, 20);
	}
	purchase_chain(g, d);
	if (g->p.owned && rng_chance(r, 0.4))
		touch(g, d + rng_range(r, 7, 30), NULL);
	if (rng_chance(r, g->p.segment == SEG_SERVICE ? 0.4 : 0.1))
		service(g, d + rng_range(r, 10, 120));
	return first;
}

/* A repeat customer; lapsed ones stopped buying months before end. */
static int64_t story_regular(struct gen *g, int lapsed)
{
	struct rng *r = &g->r;
	int64_t first, stop = g->ndays, last, t;
	double gap, cv;

	rhythm_params(g, &gap, &cv);
	first = rng_range(r, -g->ndays / 2, g->ndays * 7 / 10);
	if (first < 0)
		first = rng_range(r, 0, (int64_t)gap); /* a customer from before the window */
	if (lapsed) {
		stop = g->ndays - rng_range(r, 75, 400);
		if (stop < 0)
			stop = g->ndays / 2;
		if (first > stop - (int64_t)(3 * gap))
			first = stop - (int64_t)(3 * gap);
		if (first < 0)
			first = 0;
	} else if (first < g->ndays / 3 && rng_chance(r, 0.3)) {
		lead(g, first, &t);
		first += rng_range(r, 2, 10);
	}
	last = rhythm(g, first, stop, gap, cv);
	if (lapsed && last >= 0 && g->p.owned && rng_chance(r, 0.6)) {
		int64_t d = last + (int64_t)(gap * 2.0) + rng_range(r, 0, 30);
		int i, n = 1 + (int)rng_below(r, 3);

		for (i = 0; i < n; i++) {
			touch(g, d, NULL);
			d += rng_range(r, 5, 30);
		}
	}
	if (!lapsed && g->p.segment == SEG_SERVICE && rng_chance(r, 0.3))
		future_appointment(g);
	return first;
}

/* Stops e-mail or all contact at some point; later clicks and touches it forbids are dropped. */
static void opt_out(struct gen *g, int64_t from)
{
	struct rng *r = &g->r;
	int all = rng_chance(r, 0.3);
	struct sev *e;
	int64_t t;
	size_t i, j;

	if (from >= g->ndays - 1)
		return;
	t = at_local(g, rng_range(r, from, g->ndays - 1), waking_minute(r));
	e = add(g, EV_OPT_OUT, t);
	if (!e)
		return;
	e->channel = all ? "all" : "email";
	if (rng_chance(r, 0.4))
		e->note = all ? "asked not to be called again" : "unsubscribed";
	for (i = j = 0; i < g->n; i++) {
		const struct sev *x = &g->ev[i];
		int drop = x->t > t && (x->type == EV_EMAIL_CLICK ||
			(x->type == EV_TOUCH && (all || !strcmp(x->channel, "email"))) ||
			(all && x->type == EV_APPOINTMENT));

		if (!drop)
			g->ev[j++] = *x;
	}
	g->n = j;
}

static void make_person(struct gen *g)
{
	static const double clicks_p[] = { 0.0, 0.03, 0.15, 0.4 };
	static const unsigned clicks_w[] = { 40, 40, 15, 5 };
	static const int64_t baskets[] = { 6000, 90000, 40000 };
	struct rng *r = &g->r;
	struct person *p = &g->p;

	p->zone = PICK(r, zone_w);
	p->segment = PICK(r, segment_w);
	p->owned = !rng_chance(r, 0.15);
	p->late_payer = rng_chance(r, 0.15);
	p->click_p = clicks_p[PICK(r, clicks_w)];
	p->basket = (int64_t)((double)baskets[p->segment] * (0.3 + rng_unit(r) * 1.7));
}

static int sev_cmp(const void *a, const void *b)
{
	const struct sev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Generates the current person's events, sorted by time. Returns FU_ENOMEM or FU_OK. */
static int make_events(struct gen *g)
{
	static const unsigned story_w[] = { 32, 10, 24, 20, 14 };
	struct rng *r = &g->r;
	int64_t from;

	g->n = 0;
	g->seq = 0;
	switch (PICK(r, story_w)) {
	case 0:
		from = story_cold_lead(g);
		break;
	case 1:
		from = story_converted(g);
		break;
	case 2:
		from = story_one_time(g);
		break;
	case 3:
		from = story_regular(g, 0);
		break;
	default:
		from = story_regular(g, 1);
		break;
	}
	clicks(g, from);
	if (rng_chance(r, 0.03))
		opt_out(g, from);
	if (!g->n && !g->oom) {
		/* the story fell outside a very short window: still leave a trace */
		struct sev *e = add(g, EV_LEAD, g->start + (int64_t)(rng_next(r) % (uint64_t)(g->end - g->start + 1)));

		if (e)
			e->channel = "web_form";
	}
	if (g->oom)
		return FU_ENOMEM;
	qsort(g->ev, g->n, sizeof(*g->ev), sev_cmp);
	return FU_OK;
}

/* ---- CSV output ---- */

struct line {
	char b[LINE_CAP];
	size_t n;
};

static void put_c(struct line *l, char c)
{
	if (l->n < LINE_CAP - 1)
		l->b[l->n++] = c;
}

static void put_s(struct line *l, const char *s)
{
	while (*s && l->n < LINE_CAP - 1)
		l->b[l->n++] = *s++;
}

/* Non-negative v in decimal, zero-padded to width digits. */
static void put_u(struct line *l, uint64_t v, int width)
{
	char tmp[24];
	int k = 0;

	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k < width && k < (int)sizeof(tmp))
		tmp[k++] = '0';
	while (k)
		put_c(l, tmp[--k]);
}

/* A field quoted per RFC 4180 when it holds a comma, quote or line break. */
static void put_field(struct line *l, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		put_s(l, s);
		return;
	}
	put_c(l, '"');
	for (; *s; s++) {
		if (*s == '"')
			put_c(l, '"');
		put_c(l, *s);
	}
	put_c(l, '"');
}

static void put_date(struct line *l, int64_t day)
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	put_u(l, (uint64_t)y, 4);
	put_c(l, '-');
	put_u(l, (uint64_t)m, 2);
	put_c(l, '-');
	put_u(l, (uint64_t)d, 2);
}

static void put_time(struct line *l, int64_t t)
{
	int64_t day = floor_div(t, DAY);
	int64_t s = t - day * DAY;

	put_date(l, day);
	put_c(l, 'T');
	put_u(l, (uint64_t)(s / 3600), 2);
	put_c(l, ':');
	put_u(l, (uint64_t)(s / 60 % 60), 2);
	put_c(l, ':');
	put_u(l, (uint64_t)(s % 60), 2);
	put_c(l, 'Z');
}

static void put_amount(struct line *l, int64_t cents)
{
	if (cents < 0) {
		put_c(l, '-');
		cents = -cents;
	}
	put_u(l, (uint64_t)(cents / 100), 1);
	put_c(l, '.');
	put_u(l, (uint64_t)(cents % 100), 2);
}

static void put_key(struct line *l, const struct gen *g, int64_t index)
{
	put_c(l, 'C');
	put_u(l, (uint64_t)index + 1, g->keyw);
}

/* Lowercase letters of s only ("O'Brien" -> "obrien"). */
static void put_lower_alpha(struct line *l, const char *s)
{
	for (; *s; s++) {
		if (*s >= 'A' && *s <= 'Z')
			put_c(l, (char)(*s - 'A' + 'a'));
		else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
			put_c(l, *s);
	}
}

/* Writes the contact row; uses the contact's random stream for the profile. */
static void write_contact(struct gen *g, int64_t index, FILE *out)
{
	struct rng *r = &g->r;
	struct line l;
	const char *first = ONE_OF(r, first_names), *last = ONE_OF(r, last_names);
	const char *c1 = NULL, *c2 = NULL, *c3 = NULL;
	char company[160];
	static const double with_company[] = { 0.2, 0.75, 0.55 };
	uint64_t phone;
	int kind = 0;

	company[0] = '\0';
	if (rng_chance(r, with_company[g->p.segment])) {
		kind = (int)rng_below(r, 100);
		if (kind < 75) {
			c1 = ONE_OF(r, company_adj);
			c2 = ONE_OF(r, company_noun);
			c3 = ONE_OF(r, company_suffix);
			snprintf(company, sizeof(company), "%s %s %s", c1, c2, c3);
		} else if (kind < 93) {
			c1 = ONE_OF(r, last_names);
			c2 = ONE_OF(r, last_names);
			snprintf(company, sizeof(company), "%s & %s", c1, c2);
		} else if (kind < 99) {
			c1 = ONE_OF(r, last_names);
			c2 = ONE_OF(r, last_names);
			snprintf(company, sizeof(company), "%s, %s and Sons", c1, c2);
		} else {
			c1 = ONE_OF(r, first_names);
			snprintf(company, sizeof(company), "%s's \"Fast\" Print", c1);
		}
	}

	l.n = 0;
	put_key(&l, g, index);
	put_c(&l, ',');
	put_s(&l, first);
	put_c(&l, ' ');
	put_s(&l, last);
	put_c(&l, ',');
	put_lower_alpha(&l, first);
	put_c(&l, '.');
	put_lower_alpha(&l, last);
	put_u(&l, (uint64_t)index + 1, 1);
	put_c(&l, '@');
	if (company[0]) {
		put_lower_alpha(&l, company);
		put_s(&l, ".example");
	} else {
		put_s(&l, ONE_OF(r, free_mail));
	}
	put_c(&l, ',');
	if (!rng_chance(r, 0.05)) {
		phone = ((uint64_t)index * 7919 + 4211) % 1000000;
		put_s(&l, "+1 555 0");
		put_u(&l, phone / 10000, 2);
		put_c(&l, ' ');
		put_u(&l, phone % 10000, 4);
	}
	put_c(&l, ',');
	put_field(&l, company);
	put_c(&l, ',');
	if (g->p.owned && g->owners > 0) {
		/* many owners, evenly: "o0001".. (a large business's sales team) */
		put_c(&l, 'o');
		put_u(&l, 1 + rng_below(r, (uint32_t)g->owners), 4);
	} else if (g->p.owned) {
		put_s(&l, owners[PICK(r, owner_w)]);
	}
	put_c(&l, ',');
	put_s(&l, zones[g->p.zone].name);
	put_c(&l, ',');
	put_s(&l, segments[g->p.segment]);
	put_c(&l, '\n');
	fwrite(l.b, 1, l.n, out);
}

static void write_events(struct gen *g, int64_t index, FILE *out)
{
	struct line l;
	size_t i;

	for (i = 0; i < g->n; i++) {
		const struct sev *e = &g->ev[i];

		l.n = 0;
		put_c(&l, 'E');
		put_u(&l, (uint64_t)g->next_id++, g->idw);
		put_c(&l, ',');
		put_s(&l, type_names[e->type]);
		put_c(&l, ',');
		put_key(&l, g, index);
		put_c(&l, ',');
		put_time(&l, e->t);
		put_c(&l, ',');
		if (e->amount >= 0)
			put_amount(&l, e->amount);
		put_c(&l, ',');
		if (e->ref) {
			put_s(&l, e->type == EV_PURCHASE ? "O-" : "INV-");
			put_u(&l, (uint64_t)e->ref, 5);
		}
		put_c(&l, ',');
		if (e->due_day != INT64_MIN)
			put_date(&l, e->due_day);
		put_c(&l, ',');
		put_field(&l, e->channel);
		put_c(&l, ',');
		put_field(&l, e->outcome);
		put_c(&l, ',');
		put_field(&l, e->note);
		put_c(&l, '\n');
		fwrite(l.b, 1, l.n, out);
	}
}

static int digits(int64_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static int check_opts(struct fu_ctx *ctx, const struct synth_opts *o)
{
	if (o->contacts < 1 || o->contacts > MAX_CONTACTS)
		return fu_err(ctx, FU_EINPUT, "contacts must be between 1 and %d, not %lld",
			      MAX_CONTACTS, (long long)o->contacts);
	if (o->days < 1 || o->days > MAX_DAYS)
		return fu_err(ctx, FU_EINPUT, "days must be between 1 and %d, not %d", MAX_DAYS, o->days);
	/* keep every date, including booked appointments, within years 1..9999 */
	if (o->end - (int64_t)o->days * DAY < -62135596800LL || o->end > 253402300799LL - 60LL * DAY)
		return fu_err(ctx, FU_EINPUT, "end time %lld out of range", (long long)o->end);
	return FU_OK;
}

static int check_write(struct fu_ctx *ctx, FILE *f, const char *what)
{
	if (!ferror(f))
		return FU_OK;
	return fu_err(ctx, FU_EIO, "writing %s: %s", what, errno ? strerror(errno) : "write failed");
}

int synth_write(struct fu_ctx *ctx, const struct synth_opts *o, FILE *contacts, FILE *events,
		struct synth_stats *stats)
{
	struct gen g;
	int64_t i, nevents = 0;
	int rc;

	if (stats) {
		stats->contacts = 0;
		stats->events = 0;
	}
	rc = check_opts(ctx, o);
	if (rc)
		return rc;

	memset(&g, 0, sizeof(g));
	g.end = o->end;
	g.start = o->end - (int64_t)o->days * DAY;
	g.owners = o->owners;
	g.day0 = floor_div(g.start, DAY);
	g.ndays = floor_div(g.end, DAY) - g.day0 + 1;
	g.campaign_phase = (int)(mix64(o->seed ^ 0x5eedca11ULL) % CAMPAIGN_EVERY);
	g.next_order = 10001;
	g.next_invoice = 10001;
	g.next_id = 1;
	g.keyw = digits(o->contacts) < 6 ? 6 : digits(o->contacts);
	g.idw = digits(o->contacts * 30) < 7 ? 7 : digits(o->contacts * 30);

	errno = 0;
	fputs("key,name,email,phone,company,owner,tz,segment\n", contacts);
	fputs("id,type,contact,time,amount,ref,due,channel,outcome,note\n", events);
	for (i = 0; i < o->contacts; i++) {
		g.r.s = mix64(o->seed ^ mix64((uint64_t)i + 0x1234567ULL));
		make_person(&g);
		write_contact(&g, i, contacts);
		rc = make_events(&g);
		if (rc) {
			rc = fu_err(ctx, FU_ENOMEM, "out of memory generating events");
			goto out;
		}
		write_events(&g, i, events);
		nevents += (int64_t)g.n;
		if ((i & 1023) == 1023) {
			rc = check_write(ctx, contacts, "contacts");
			if (!rc)
				rc = check_write(ctx, events, "events");
			if (rc)
				goto out;
		}
	}
	fflush(contacts);
	fflush(events);
	rc = check_write(ctx, contacts, "contacts");
	if (!rc)
		rc = check_write(ctx, events, "events");
	if (!rc && stats) {
		stats->contacts = o->contacts;
		stats->events = nevents;
	}
out:
	free(g.ev);
	return rc;
}
