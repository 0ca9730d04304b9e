/* click.h - tracked links: the links of a sent e-mail go through /c/TOKEN, a click is an email_click */
#ifndef FU_CLICK_H
#define FU_CLICK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fu.h"
#include "record.h"
#include "store.h"

/*
 * A token names one message (its identity, message.h) and the place of one link in its text
 * (0 for the first), and is signed with HMAC-SHA256 under a random key kept in the database
 * ("click_key", made on first use), so nobody can make one for another message or another
 * link, nor point one elsewhere: "<identity>-<n>-<32 hex digits>". The link itself is not in
 * the token: a click finds it again in the message's stored text.
 */
#define CLICK_TOKEN_MAX 96
#define CLICK_LINKS_MAX 100 /* links after this many in one text are left as they are */

/*
 * The links of a text: each "http://" or "https://" up to white space or one of < > " ' and
 * without the punctuation that ends a sentence after it (. , ; : ! ? and a ')' that opens
 * nowhere in it). fn gets each one in order (start, length); returns how many there are.
 */
typedef void (*click_link_fn)(void *arg, size_t n, const char *start, size_t len);
size_t click_links(const char *text, click_link_fn fn, void *arg);

/* The token for link n of message id; may make the key (call inside a transaction). */
int click_token(struct fu_ctx *ctx, struct store *s, const char *id, size_t n,
		char out[CLICK_TOKEN_MAX]);

/*
 * Appends text to out with each of its links (the first CLICK_LINKS_MAX) replaced by
 * base_url/c/TOKEN for message id. May make the key (call inside a transaction).
 */
int click_rewrite(struct fu_ctx *ctx, struct store *s, const char *base_url, const char *id,
		  const char *text, struct buf *out);

/*
 * A click on token at now: checks it, finds the link in the message's text (the payload of
 * its attempt, outbox.h) and records an `email_click` for the message's contact (ref: the
 * message, note: the link) through record_event; clicks on one link of one message within
 * the same minute are one event (r->stored = 0 for the others). *url (malloced, the caller
 * frees) is the link to send the reader on to. FU_EINPUT "click: the link is not valid" for
 * a token this database did not sign or whose message or link it does not know; nothing is
 * stored then.
 */
int click_follow(struct fu_ctx *ctx, struct store *s, const char *token, int64_t now,
		 char **url, struct record_result *r);

/*
 * What click_follow would check and send the reader on to, with nothing recorded: for a
 * HEAD (link scanners and prefetchers look before anyone clicks). *url as there.
 */
int click_peek(struct fu_ctx *ctx, struct store *s, const char *token, char **url);

#endif
