/* trigger.h - the triggers a follow-up answers: one table row each (src/trigger.c) */
#ifndef FU_TRIGGER_H
#define FU_TRIGGER_H

#include <stddef.h>
#include <stdint.h>

/* The triggers the engine derives from events and the clock (names as in the playbook). */
enum trigger {
	TRIG_NEW_LEAD,
	TRIG_INFO_REQUEST,
	TRIG_EMAIL_CLICK,
	TRIG_POST_PURCHASE,
	TRIG_FEEDBACK,
	TRIG_REFERRAL,
	TRIG_REPEAT_PURCHASE,
	TRIG_SERVICE,
	TRIG_PAID_LATE,
	TRIG_INVOICE_OVERDUE,
	TRIG_LAPSED,
	TRIG_SILENCE,
	TRIG_CHECK_IN,
	TRIG_APPOINTMENT,
	TRIG_MISSED_APPOINTMENT,
	TRIG_REPLY,
	TRIG__COUNT
};

/* What answers an open trigger (trigger_info.closed_by): the engine closes it on such an event. */
enum {
	CLOSED_BY_TALK = 1,     /* a touch that was a conversation (outcome.h); an attempt only retries it */
	CLOSED_BY_TOUCH = 2,    /* any touch the customer felt (not a snooze) */
	CLOSED_BY_REPLY = 4,    /* the customer writes back */
	CLOSED_BY_PURCHASE = 8, /* they buy */
	CLOSED_BY_ANSWER = 16   /* a touch that answers a lead (outcome.h: answers_lead), even one-way */
};

/* A default expiry meaning "until it is answered" (small enough to add to an instant). */
#define TRIGGER_KEEP (INT64_MAX / 4)

struct walk;
struct lookup;
struct event;
struct playbook;

/*
 * One trigger. Adding one is a row in trigger.c plus its own small functions there
 * (DEVELOPERS.md, "How to add a trigger").
 */
struct trigger_info {
	const char *name;      /* as in the playbook: "new_lead" */
	unsigned events;       /* event types (1u << EV_...) handed to `event`: they open, extend or move it */
	unsigned closed_by;    /* CLOSED_BY_* */
	int marketing;         /* outreach, not a transactional or requested message: an e-mail
				* opt-out stops it, an agreed check-in holds it back */
	int escalates;         /* unanswered past its due, the follow-up is escalated to everyone */
	int asked;             /* answers what the customer asked for (a lead, a request, a reply):
				* the weekly touch budget limits our outreach, never these */
	int reaches_dnc;       /* shown to the owner, flagged, even for a do-not-contact contact
				* (never as an automated message): they wrote to us */
	int64_t expiry;        /* default seconds after it is due that an unanswered one is dropped,
				* or TRIGGER_KEEP; a rule's `expires` overrides it */
	/* business seconds a person has to answer when the rule gives no `within`, or NULL */
	int64_t (*within)(const struct playbook *pb);
	const char *help;      /* what it is, in a few words */
	/* the engine's part (walk.h) */
	void (*event)(struct walk *w, int t, const struct event *e); /* one of `events`, or NULL */
	/* whether it stays open through an event its closed_by would close it on, or NULL (never) */
	int (*keeps)(const struct walk *w, int t, const struct event *e);
	void (*clock)(struct walk *w, int t);  /* after the walk: what the clock opens or closes, or NULL */
	void (*why)(struct lookup *l, char *out, size_t n);          /* the reason in plain words */
};

/* The row of trigger t; NULL when out of range. */
const struct trigger_info *trigger_info(int t);
const char *trigger_name(int trigger);          /* NULL when out of range */
int trigger_parse(const char *s, int *trigger); /* 0, or -1 when unknown */
/* Every trigger's name, ", "-separated, into out (cut short to fit n). */
void trigger_list(char *out, size_t n);

#endif
