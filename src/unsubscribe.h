/* unsubscribe.h - signed unsubscribe tokens: one click stops a contact's messages, nobody can forge one */
#ifndef FU_UNSUBSCRIBE_H
#define FU_UNSUBSCRIBE_H

#include <stdint.h>

#include "fu.h"
#include "record.h"
#include "store.h"

/*
 * A token names a contact and what to stop ('e' e-mail, 'a' every automated message) and is
 * signed with HMAC-SHA256 under a random key kept in the database (made on first use), so it
 * cannot be guessed for someone else: "<contact id>-<e|a>-<32 hex digits>".
 */
#define UNSUBSCRIBE_TOKEN_MAX 64

/* The token for contact_id (what: 'e' or 'a'); may write the key (call inside a transaction). */
int unsubscribe_token(struct fu_ctx *ctx, struct store *s, int64_t contact_id, char what,
		      char out[UNSUBSCRIBE_TOKEN_MAX]);

/*
 * Checks token and records the opt-out it stands for (an `opt_out` event, channel email or
 * all, through record_event) at now; a second use changes nothing (r->stored = 0).
 * FU_EINPUT "unsubscribe: the token is not valid" for anything not signed by this database.
 */
int unsubscribe_apply(struct fu_ctx *ctx, struct store *s, const char *token, int64_t now,
		      struct record_result *r);

#endif
