/* walk.h - the engine's inside: one walk over a contact's timeline, shared by engine.c, trigger.c and field.c only */
#ifndef FU_WALK_H
#define FU_WALK_H

#include <stdint.h>

#include "buf.h"
#include "engine.h"
#include "expr.h"
#include "lapse.h"
#include "model.h"
#include "playbook.h"
#include "trigger.h"
#include "tz.h"

#define DAY 86400
#define MAX_TAGS 16

/*
 * The clock as one evaluation sees it. Every comparison of an instant with now goes
 * through clock_reached(), which also keeps the earliest instant still ahead: the wake
 * the agenda's cache stores (engine.h). A threshold read any other way would leave the
 * cache stale.
 */
struct clock {
	int64_t now;
	int64_t wake;   /* the earliest threshold after now read so far, or INT64_MAX */
};

/* Whether t has come (now >= t); a t still ahead becomes the wake if it is the earliest. */
static inline int clock_reached(struct clock *c, int64_t t)
{
	if (t > c->now) {
		if (t < c->wake)
			c->wake = t;
		return 0;
	}
	return 1;
}

/* One open occurrence of a trigger. */
struct occ {
	int open;
	int64_t since;
	int64_t retry;          /* last unanswered attempt after since, or FU_TIME_NONE */
	int64_t due_at;         /* an agreed time (check_in, an appointment), or FU_TIME_NONE */
	int nth;
	int has_amount;
	int64_t amount;
	const char *ref;
	int64_t event_due;
	int nevents;
	int64_t events[REASON_MAX_EVENTS];
};

/* What the walk knows of the timeline so far, besides the occurrences. */
struct walk {
	struct occ occ[TRIG__COUNT];
	const struct playbook *pb;
	const struct lapse_model *lm;
	const struct tz *zone;
	const struct contact_state *st;
	const struct event_list *events;
	struct clock clock;
	int64_t now;                   /* clock.now */
	int clicks;
	int purchase_days;
	int new_purchase_day;          /* the purchase being walked is the first of its day */
	int64_t last_purchase_day;     /* day number */
	int64_t last_purchase;
	struct lapse lapse;            /* the rhythm and the money at stake (purchase_days >= 1) */
	int64_t value;                 /* spend over the last 365 days, cents */
	int late;                      /* late payments so far */
	int64_t paid_due, paid_id;     /* the payment being walked settled a late invoice (due, id) */
	int64_t last_reached;          /* last touch that reached them */
	int64_t snooze_until;
	int lead_said_no;
	int64_t week_touches[32];      /* person touches in the last 7 days (up to 32) */
	int nweek;
	struct buf questions;          /* notes of info requests */
	struct buf words;              /* the customer's own words since their unanswered reply */
	int64_t newest_event;
	int64_t future;                /* the first event after now, or INT64_MAX */
	const char *bounced;           /* the last address that bounced (a bounce event), or NULL */
	/* open invoices: ref -> (due, id) */
	struct { const char *ref; int64_t due, id, amount; } inv[64];
	int ninv;
};

/* What a rule's condition and template read: the walk, one occurrence and the contact. */
struct lookup {
	struct walk *w;
	const struct occ *o;
	const struct contact *c;
	const struct contact_state *st;
	const struct playbook *pb;
	const struct tz *zone;
	int trigger;
	int channel;
	const char *tags[MAX_TAGS];
	int ntags;
	int tags_loaded;               /* the contact's tags are read on first use */
	char *tags_copy;
	char scratch[8][64];
	int nscratch;
	int read_days, read_overdue;   /* the condition looked at the clock through these */
	int64_t wake;                  /* a day on which a false condition could turn true */
	int64_t wake_lead;             /* the same for the escalating triggers' rules alone */
};

/* Opens (or, when keep is set and it is open, extends) the occurrence of trigger t. */
struct occ *walk_occ_open(struct walk *w, int t, const struct event *e, int keep);
/* Adds an event id behind o (the latest REASON_MAX_EVENTS are kept). */
void walk_occ_add_event(struct occ *o, int64_t id);
/* Resets o to a fresh open occurrence since `since` (no events yet). */
void walk_occ_start(struct occ *o, int64_t since);

/* Texts kept in l's scratch space (valid for a few calls). */
const char *lookup_date(struct lookup *l, int64_t t);
/* A calendar date given without a zone (an invoice's due date): its UTC day, the day that
 * payment_late() counts with, so that it reads the same in every zone. */
const char *lookup_day(struct lookup *l, int64_t t);
const char *lookup_money(struct lookup *l, int64_t cents);
/* The contact's tags (attrs "tags", split at ',' or ';'), read once. */
void lookup_tags(struct lookup *l);

/* The field table (field.c) as a rule's condition and template read it; arg is a struct lookup. */
int lookup_expr(void *arg, const char *name, struct expr_value *out);
const char *lookup_template(void *arg, const char *name);

/* Whole days from a to b. */
static inline int64_t days_between(int64_t a, int64_t b)
{
	return (b - a) / DAY;
}

static inline int64_t min_i64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

#endif
