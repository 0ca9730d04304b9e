/* record.h - recording an event by hand (event, done, snooze, the server): validated, appended, folded */
#ifndef FU_RECORD_H
#define FU_RECORD_H

#include <stdint.h>

#include "fu.h"
#include "import.h"
#include "model.h"
#include "playbook.h"
#include "store.h"

/* What a recording did. Plain values, nothing to free. */
struct record_result {
	int64_t event_id;           /* the new event's id; 0 when not stored */
	int64_t contact_id;
	int stored;                 /* 0: an event with the same id was already stored; nothing changed */
	int new_contact;            /* the contact's key was unknown and a contact was made */
	char key[FU_KEY_MAX + 1];   /* the contact's key */
	const char *channel;        /* record_outcome: the touch's channel (a static string) */
};

/*
 * Records one event given as text: validated exactly as an imported row is
 * (import_event_from_text: types, times, amounts, lengths, control characters, UTF-8),
 * the contact made when its key is unknown, the event appended and the contact's state
 * folded again, in one transaction of its own. `now` is the recording time, and the event's
 * time when t->time is absent. On failure (FU_EINPUT for a bad value, with "field: what")
 * nothing is stored.
 */
int record_event(struct fu_ctx *ctx, struct store *s, const struct event_text *t, int64_t now,
		 struct record_result *r);

/* As record_event, inside the caller's transaction (for many recordings in one batch). */
int record_event_in(struct fu_ctx *ctx, struct store *s, const struct event_text *t,
		    int64_t now, struct record_result *r);

/*
 * Records how the open follow-up `followup_id` (as the agenda names it, "F12-345") went: a
 * touch on the follow-up's channel (an automated e-mail is recorded as e-mail) at now, with
 * `outcome` (outcome.h; "snoozed" to put it off), the agreed date `next` (an outcome that
 * carries one needs it, others refuse it) and an internal `note` (NULL for none), through
 * record_event. pb is the playbook in effect. FU_EINPUT when the id is malformed, nothing is
 * open for the contact, or the contact's follow-up has changed since (its id differs);
 * FU_ENOTFOUND when there is no such contact.
 */
/*
 * Checks a touch's outcome name and its agreed date: an outcome that carries one (not-yet,
 * snoozed) needs it, no other takes one. FU_EINPUT with the reason.
 */
int record_check_outcome(struct fu_ctx *ctx, const char *outcome, const char *next);

int record_outcome(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		   const char *followup_id, const char *outcome, const char *next,
		   const char *note, int64_t now, struct record_result *r);

#endif
