/* model.h - the domain: event types, events, contacts and the state derived from a contact's events */
#ifndef FU_MODEL_H
#define FU_MODEL_H

#include <stdint.h>

#include "fu.h"

/* Input size limits (bytes, without the NUL) checked by every reader. */
#define FU_KEY_MAX 256
#define FU_TEXT_MAX 512      /* name, email, phone, company, owner, tz, ref, channel, outcome, ext id */
#define FU_NOTE_MAX 4096
/* a `message` event's note: the message's payload (outbox.h), a text of MESSAGE_TEXT_MAX and more */
#define FU_MESSAGE_NOTE_MAX 16384
#define FU_TIME_NONE INT64_MIN /* "no time" in optional time fields */

enum event_type {
	EV_LEAD = 0,
	EV_INFO_REQUEST,
	EV_EMAIL_CLICK,
	EV_PURCHASE,
	EV_INVOICE,
	EV_PAYMENT,
	EV_SERVICE,
	EV_APPOINTMENT,
	EV_TOUCH,
	EV_REPLY,
	EV_OPT_OUT,
	EV_MESSAGE,  /* a message the outbox handled: outcome attempt, sent, deferred, ... (outbox.h) */
	EV_BOUNCE,   /* the address in ref refused mail for good: no more e-mail to it */
	EV__COUNT
};

/* "purchase" for EV_PURCHASE; NULL for an out-of-range value. */
const char *event_type_name(int type);
/* Parses a type name; FU_EINPUT with message "unknown type 'x'" when it is none. */
int event_type_parse(struct fu_ctx *ctx, const char *s, int *type);

/*
 * One event. Strings are malloced and owned by the event; event_release() frees them
 * (and leaves the struct zeroed). Optional numbers use has_* flags; optional times
 * use FU_TIME_NONE. Times are seconds since the epoch, UTC. Amounts are in cents.
 */
struct event {
	int64_t id;          /* store rowid; 0 before it is stored */
	char *ext_id;        /* the source's own id, or NULL */
	int type;            /* enum event_type */
	int64_t contact_id;  /* store id; 0 when only the key is known */
	char *contact_key;   /* the contact's key */
	int64_t time;
	int has_amount;
	int64_t amount;      /* cents */
	char *ref;           /* order or invoice number, or NULL */
	int64_t due;         /* invoice due time, or FU_TIME_NONE */
	char *channel;       /* call, email, web_form, visit, ... or NULL */
	char *outcome;       /* for touch: reached, voicemail, no-answer, not-yet, won, no, opted-out */
	char *note;
	char *author;        /* who wrote it (store_set_author), or NULL: read with a timeline
			      * (store_events_of_contact) only */
};

void event_init(struct event *e);

/*
 * A `reply` whose outcome is REPLY_AUTOMATIC is an automatic answer (an out-of-office, an
 * autoresponder: `followup receive`): kept on the timeline, but it is not a word from the
 * customer: it changes no state, opens and closes nothing.
 */
#define REPLY_AUTOMATIC "automatic"
int event_reply_automatic(const struct event *e);
void event_release(struct event *e);

/* Contact profile. Strings owned as for struct event; attrs is a JSON object text or NULL. */
struct contact {
	int64_t id;
	char *key;
	char *name;
	char *email;
	char *phone;
	char *company;
	char *owner;
	char *tz;
	char *attrs;
};

void contact_init(struct contact *c);
void contact_release(struct contact *c);
/* Deep copy of src into *dst (contact_init()ed here; contact_release() frees it); FU_ENOMEM. */
int contact_copy(struct fu_ctx *ctx, struct contact *dst, const struct contact *src);

/* An invoice still open while folding (kept only in memory). */
struct open_invoice {
	char *ref;
	int64_t due;
	int64_t amount;
	int64_t time;
};

/*
 * The columns of the state derived from a contact's events, described once: the struct
 * below, the store's columns, binds and reads (store_sqlite.c) and the JSON of a state (cli)
 * all follow this list, in this order. X(field, KIND) with KIND one of
 *   COUNT  a count (int64_t)          MONEY  cents (int64_t)
 *   TIME   an instant or FU_TIME_NONE (int64_t; stored as NULL when none)
 *   FLAG   0 or 1 (int)
 * A new column is one line here plus a schema migration in store_sqlite.c (test-store
 * checks that the table's columns follow this list).
 */
#define CONTACT_STATE_COLUMNS(X)                                                            \
	X(events, COUNT)                                                                    \
	X(first_event, TIME)                                                                \
	X(last_event, TIME)                                                                 \
	X(lead_at, TIME)         /* first lead event */                                     \
	X(purchases, COUNT)      /* purchase events */                                      \
	X(purchase_days, COUNT)  /* distinct purchase days (purchase_day()) */              \
	X(first_purchase, TIME)                                                             \
	X(last_purchase, TIME)                                                              \
	X(spend, MONEY)                                                                     \
	X(invoices, COUNT)       /* invoice events */                                       \
	X(invoices_open, COUNT)                                                             \
	X(open_amount, MONEY)                                                               \
	X(payments, COUNT)                                                                  \
	X(paid_on_time, COUNT)                                                              \
	X(paid_late, COUNT)      /* payment_late() */                                       \
	X(services, COUNT)                                                                  \
	X(last_touch_in, TIME)   /* last event from the contact (lead, request, click,      \
				  * purchase, payment, reply, ...) */                       \
	X(last_touch_out, TIME)  /* last touch a person made */                             \
	X(last_two_way, TIME)    /* last contact both ways: a reached touch, a reply, a     \
				  * purchase, a payment */                                  \
	X(opted_out_email, FLAG)                                                            \
	X(do_not_contact, FLAG)

#define CONTACT_STATE_CTYPE_COUNT int64_t
#define CONTACT_STATE_CTYPE_MONEY int64_t
#define CONTACT_STATE_CTYPE_TIME int64_t
#define CONTACT_STATE_CTYPE_FLAG int
#define CONTACT_STATE_FIELD(name, kind) CONTACT_STATE_CTYPE_##kind name;

/*
 * State derived from one contact's events, folded in (time, id) order. It depends on
 * the events alone, never on the clock, so a rebuild reproduces it exactly; anything
 * that needs "now" (the stage dormant, overdue invoices) is computed when shown.
 */
struct contact_state {
	int64_t contact_id;
	CONTACT_STATE_COLUMNS(CONTACT_STATE_FIELD)
	/* working set while folding; not stored */
	int n_open;
	size_t cap_open;
	struct open_invoice *open;
};

void contact_state_init(struct contact_state *st, int64_t contact_id);
void contact_state_release(struct contact_state *st);
/*
 * Folds one event into st. Events must come in (time, id) order. Fails with FU_ENOMEM, or
 * FU_EINPUT ("amount: ...") when the contact's spend or open invoices would overflow
 * (sums are checked, src/checked.h); st is then unchanged but for its counters.
 */
int contact_state_apply(struct fu_ctx *ctx, struct contact_state *st, const struct event *e);

/*
 * The rules a user can name, each defined once here (and "reached" in outcome.h: a touch
 * whose outcome is a conversation).
 *
 * A purchase day: the UTC day of a purchase (days since the epoch). Several purchases on one
 * day are one purchase day, for the state, the rhythm and lapse rules and the customer-base
 * models.
 */
int64_t purchase_day(int64_t t);
/* Late: a payment made on a later UTC day than its invoice's due date; on the day is on time, and nothing is late without a due date. */
int payment_late(int64_t paid, int64_t due);
/* The first instant at which an invoice due at `due` is late: 00:00 UTC the day after its due day. */
int64_t payment_late_from(int64_t due);

/*
 * The stage at time now: lead (never bought), customer (one purchase day), repeat (two or
 * more), dormant (a buyer silent for more than three of their average gaps and over 90
 * days, or a one-time buyer after a year). Dormant is a coarse rule on the state alone; a
 * regular buyer whose wait is rare for their own rhythm is "lapsed" (lapse.h), a different
 * and finer rule.
 */
enum stage { STAGE_LEAD, STAGE_CUSTOMER, STAGE_REPEAT, STAGE_DORMANT, STAGE__COUNT };
int contact_stage(const struct contact_state *st, int64_t now);
/* The first instant after now at which contact_stage() could answer differently; INT64_MAX if never. */
int64_t contact_stage_change(const struct contact_state *st, int64_t now);
const char *stage_name(int stage);
int stage_parse(const char *s, int *stage);

/* Parses a money amount like "12", "12.5", "-3.20", "1,240.00" into cents. */
int amount_parse(struct fu_ctx *ctx, const char *s, int64_t *cents);
/* Formats cents as "1240.00" into out (at least 32 bytes). */
void amount_format(int64_t cents, char *out, size_t n);

#endif
