/* engine.h - from a contact's events, state and the clock to one follow-up with every reason */
#ifndef FU_ENGINE_H
#define FU_ENGINE_H

#include <stdint.h>

#include "fu.h"
#include "lapse.h"
#include "model.h"
#include "playbook.h"
#include "tz.h"

/*
 * A contact's events in (time, id) order, copied so they outlive a store scan. The list
 * owns the copies and their strings (kept together in blocks: never event_release() one).
 */
struct event_list {
	struct event *v;
	int n;
	size_t cap;
	struct event_list_text *text; /* the strings' blocks, newest first */
};

void event_list_init(struct event_list *l);
void event_list_release(struct event_list *l);
/* Empties the list but keeps its array for the next contact (the strings are freed). */
void event_list_clear(struct event_list *l);
/* Appends a deep copy of e; FU_ENOMEM on failure. */
int event_list_add(struct fu_ctx *ctx, struct event_list *l, const struct event *e);

#define REASON_MAX_EVENTS 16

/* Why a contact needs a follow-up: one trigger, the rule that answers it, the events behind it. */
struct reason {
	int trigger;                 /* enum trigger */
	int rule;                    /* index of the playbook rule */
	int64_t since;               /* when the trigger arose */
	int64_t due;
	int channel;                 /* enum channel chosen for this contact */
	int priority;
	int transactional;
	int nevents;                 /* ids behind it (the latest REASON_MAX_EVENTS) */
	int64_t events[REASON_MAX_EVENTS];
	char *say;                   /* rendered template (malloced) */
	char *subject;               /* the rule's `subject:` rendered (malloced), or NULL */
	char *why;                   /* plain words (malloced) */
};

/* One follow-up for one contact: the agenda entry. Strings are malloced and owned here. */
struct followup {
	char id[48];                 /* "F<contact id>-<newest event id behind it>" */
	int64_t contact_id;
	char *key, *name, *email, *phone, *owner, *tz;
	int64_t due;
	int overdue;
	int escalated;               /* an unanswered new lead past its window */
	int automated;               /* every reason goes out as an automated message */
	int do_not_contact;          /* they want no contact, yet wrote to us: a person decides */
	int channel;
	int priority;
	double at_risk;              /* a lapse's yearly spend at risk, dollars (0 without one) */
	int nreasons;
	struct reason *reasons;
};

void followup_init(struct followup *f);
void followup_release(struct followup *f);

/*
 * Evaluates every trigger for one contact at `now` with the playbook and fills *out when a
 * follow-up is open (*open = 1); *open = 0 when nothing is due or the contact must not be
 * contacted (a do-not-contact contact's follow-up holds only what they wrote to us, flagged
 * do_not_contact, never automated). zone is the contact's zone (or the playbook's default). lapse is the customer
 * base's model of moment now (lapse.h; only read), or NULL for the default prior without
 * P(alive) or Gamma-Gamma. Fails on out-of-memory or a rule whose condition or template
 * cannot be evaluated (FU_EINPUT naming the rule).
 */
int engine_followup(struct fu_ctx *ctx, const struct playbook *pb,
		    const struct lapse_model *lapse, const struct contact *c,
		    const struct contact_state *st, const struct event_list *events,
		    const struct tz *zone, int64_t now, struct followup *out, int *open);

/*
 * What the clock can do to a contact's follow-up without new events (a derived hint that
 * lets the agenda skip quiet contacts). Until `wake` passes, the follow-up is due no
 * earlier than `due` (if it is there at all) and, until `escalate` passes, it is not
 * escalated. Instants; INT64_MAX for never. Early is always safe; late is a bug.
 */
/* Bump when the engine changes what it reads from the clock: stored wakes are then forgotten. */
#define ENGINE_WAKE_RULES 4

struct engine_wake {
	int64_t due;       /* the follow-up's due now (INT64_MAX when there is none) */
	int64_t wake;      /* the first clock threshold after now that can open or move a reason */
	int64_t escalate;  /* the earliest instant it could be escalated (a late new lead) */
};

/*
 * engine_followup, and when wake is non-NULL it also says when to look at the contact
 * again: wake->wake is the first of the clock thresholds that open or reshape a trigger
 * (silence, the day a lapse begins under lapse's prior, an invoice's due, an appointment, an
 * agreed check-in, a snooze, the pressure budget's week, a click's or a purchase's window, a
 * stage change, an event still to come, the expiry of the last personal reason when an
 * earlier automated one would be left) and the next day on which a rule's condition over
 * `days` could turn true. The wake depends on lapse's prior but not on its BG/NBD or
 * Gamma-Gamma fits (they only set the priority and the words). Fails as engine_followup does.
 */
int engine_evaluate(struct fu_ctx *ctx, const struct playbook *pb,
		    const struct lapse_model *lapse, const struct contact *c,
		    const struct contact_state *st, const struct event_list *events,
		    const struct tz *zone, int64_t now, struct followup *out, int *open,
		    struct engine_wake *wake);

/* Parses a follow-up id "F12-345" into the contact id; -1 if malformed. */
int followup_id_parse(const char *id, int64_t *contact_id);

#endif
