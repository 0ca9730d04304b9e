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

/*
 * A signing key (SIGN_KEY_BYTES random bytes) kept in the store's metadata under name, for
 * tokens only this database can make (unsubscribe links, tracked links: click.h). Made when
 * missing if create (call inside a transaction), else FU_ENOTFOUND.
 */
#define SIGN_KEY_BYTES 32
int sign_key_get(struct fu_ctx *ctx, struct store *s, const char *name, int create,
		 unsigned char key[SIGN_KEY_BYTES]);

/* The token for contact_id (what: 'e' or 'a'); may write the key (call inside a transaction). */
int unsubscribe_token(struct fu_ctx *ctx, struct store *s, int64_t contact_id, char what,
		      char out[UNSUBSCRIBE_TOKEN_MAX]);

/*
 * Checks token only: *contact_id and *what ('e' or 'a') are what it stands for. FU_EINPUT
 * "unsubscribe: the token is not valid" for anything not signed by this database.
 */
int unsubscribe_check(struct fu_ctx *ctx, struct store *s, const char *token,
		      int64_t *contact_id, char *what);

/*
 * Checks token and records the opt-out it stands for (an `opt_out` event, channel email or
 * all, through record_event) at now; a second use changes nothing (r->stored = 0).
 * FU_EINPUT "unsubscribe: the token is not valid" for anything not signed by this database.
 */
int unsubscribe_apply(struct fu_ctx *ctx, struct store *s, const char *token, int64_t now,
		      struct record_result *r);

#endif
