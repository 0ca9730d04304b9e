/* outcome.h - what a touch's outcome means: the one definition the model, engine, report and front ends use */
#ifndef FU_OUTCOME_H
#define FU_OUTCOME_H

#include "fu.h"

/*
 * A touch's outcome. Stored in the event as its name (`reached`, `not-yet`, ...); a touch
 * with no outcome is OUTCOME_NONE (a call log without a result: one-way, we reached out).
 */
enum outcome {
	OUTCOME_NONE = 0,
	OUTCOME_REACHED,
	OUTCOME_VOICEMAIL,
	OUTCOME_NO_ANSWER,
	OUTCOME_NOT_YET,
	OUTCOME_WON,
	OUTCOME_NO,
	OUTCOME_OPTED_OUT,
	OUTCOME_SNOOZED,
	OUTCOME__COUNT
};

/* What an outcome means. One row per outcome in outcome.c. */
struct outcome_info {
	const char *name;     /* as stored and typed: "no-answer" */
	int conversation;     /* the two sides talked (reached, not-yet, won, no) */
	int attempt;          /* a person reached out but did not talk to them (voicemail, no-answer) */
	int closes_lead;      /* a decision: the lead is no longer open (won, no, opted-out) */
	int opts_out;         /* they want no contact at all */
	int next_date;        /* carries an agreed date in `due` (not-yet: check back; snoozed: until) */
	int felt;             /* the customer felt it: counts as a touch (a snooze is a note to ourselves) */
	int answers_lead;     /* a response to a new lead: a conversation, a decision, or a touch with
			       * no recorded result (one-way); an attempt (voicemail) is tried again */
	const char *help;     /* a few words for --help and the web app */
};

/* The row of o (OUTCOME_NONE included); never NULL for 0 <= o < OUTCOME__COUNT. */
const struct outcome_info *outcome_info(int o);

/* The enum of a stored name: NULL is OUTCOME_NONE; -1 for an unknown name. */
int outcome_of(const char *name);

/*
 * Parses a name a user typed into *o; FU_EINPUT with "outcome: 'x' is not one of reached,
 * voicemail, ..." when it is none. NULL or "" is OUTCOME_NONE.
 */
int outcome_parse(struct fu_ctx *ctx, const char *name, int *o);

/* Every outcome name, ", "-separated, for messages and help (a static string). */
const char *outcome_list(int with_snoozed);

/* Shorthands on a stored name (NULL is no outcome); unknown names are neither. */
int outcome_is_conversation(const char *name);
int outcome_is_felt(const char *name);
/* Whether a touch with this outcome answers a new lead (the agenda's new_lead, the report's speed to lead). */
int outcome_answers_lead(const char *name);

#endif
