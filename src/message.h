/* message.h - what the outbox records about a message: its stable identity and its outcomes */
#ifndef FU_MESSAGE_H
#define FU_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every automated message has an identity derived from the follow-up's contact, the trigger
 * occurrence it answers (the trigger and the moment it arose) and the playbook rule, so the
 * same reason can never make two messages. It is the local part of the Message-ID, the
 * webhook's idempotency key, and the `ref` of every `message` event about it.
 * "c<contact id>-<16 hex digits>": at most MESSAGE_ID_MAX bytes with the NUL.
 */
#define MESSAGE_ID_MAX 48

void message_identity(int64_t contact_id, const char *trigger, const char *rule, int64_t since,
		      char out[MESSAGE_ID_MAX]);
/*
 * The identity of the personal e-mail a person sends for follow-up `followup_id` ("F12-345",
 * `followup done --send`): "p<contact id>-<16 hex digits>", so one follow-up never makes two.
 * A personal message is the person's touch: its `touch` event counts (silence, pressure, the
 * report), not its `message` events.
 */
void message_identity_personal(int64_t contact_id, const char *followup_id,
			       char out[MESSAGE_ID_MAX]);
/* 1 when identity s is a personal message's (message_identity_personal). */
int message_is_personal(const char *s);
/* The contact id in an identity (automated or personal); -1 when s is not one. */
int message_identity_parse(const char *s, int64_t *contact_id);

/*
 * The most a message may say: its rendered text and its subject, in bytes. A longer personal
 * text is refused (never cut); a longer automated one is not queued (`failed`, with why).
 */
#define MESSAGE_TEXT_MAX 4096
#define MESSAGE_SUBJECT_MAX 200

/*
 * The outcome of a `message` event: one step of a message's life in the outbox. Stored by
 * name. A message's state is its last event's outcome (outbox.h).
 */
enum message_outcome {
	MSG_ATTEMPT,  /* about to be handed to the server (committed first): uncertain if nothing follows */
	MSG_SENT,     /* the server took it */
	MSG_DEFERRED, /* a temporary failure; `due` is the next try */
	MSG_FAILED,   /* temporary failures for too long: given up */
	MSG_BOUNCED,  /* refused for good (a `bounce` event goes with it) */
	MSG_DROPPED,  /* a person decided it will not go */
	MSG_RESEND,   /* a person asked for it to go (again) */
	MSG__COUNT
};

struct message_outcome_info {
	const char *name;
	int felt;  /* it reached the customer: an outgoing touch (silence, pressure, report) */
	int final; /* nothing more happens to it without a person */
};

/* The row of o; NULL when out of range. */
const struct message_outcome_info *message_outcome_info(int o);
/* The enum of a stored name, or -1. */
int message_outcome_of(const char *name);
/*
 * 1 when the message event (its identity ref and outcome name) is an outgoing touch the
 * customer felt: an automated message sent. A personal message's touch is its `touch` event.
 */
int message_outcome_felt(const char *ref, const char *name);

#endif
