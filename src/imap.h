/* imap.h - reading one IMAP mailbox with libcurl: its UIDs, and each message, left as it was */
#ifndef FU_IMAP_H
#define FU_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fu.h"
#include "sendconf.h"

struct imap;

/*
 * A reader for conf's imap_url (imap://host:port/MAILBOX or imaps://...; the mailbox is
 * INBOX when the URL names none), imap_user, imap_password and imap_tls. Connects lazily
 * and keeps one connection. *out is freed with imap_close() (which accepts NULL).
 * FU_EINPUT when imap_url is missing or malformed; FU_ENOMEM.
 */
int imap_open(struct fu_ctx *ctx, const struct sendconf *conf, struct imap **out);
void imap_close(struct imap *im);

/* The mailbox's name as the URL gives it (decoded), for reports and the store's key. */
const char *imap_mailbox(const struct imap *im);

/*
 * The mailbox's UIDVALIDITY and UIDNEXT (STATUS). FU_EIO when the server cannot be reached
 * or refuses ("imap: ..."), FU_EINPUT when it refuses the login.
 */
int imap_status(struct fu_ctx *ctx, struct imap *im, uint32_t *validity, uint32_t *next);

/* One message in the mailbox. */
struct imap_msg {
	uint32_t uid;
	int seen; /* it carried \Seen before we read it */
};

/*
 * The messages with a UID above `after`, ascending, at most max of them, into *v (malloced,
 * the caller frees) and *n; next is the mailbox's UIDNEXT (0: unknown). Errors as
 * imap_status.
 */
int imap_list(struct fu_ctx *ctx, struct imap *im, uint32_t after, uint32_t next, int max,
	      struct imap_msg **v, int *n);

/*
 * Appends the first MAIL_RAW_MAX bytes of message uid to out; *cut = 1 when it is longer.
 * The server marks a message it hands over \Seen: one that was not (msg->seen == 0) is
 * marked unseen again, so people reading the mailbox still see it as new. An empty out
 * means the message is gone. Errors as imap_status.
 */
int imap_fetch(struct fu_ctx *ctx, struct imap *im, const struct imap_msg *msg,
	       struct buf *out, int *cut);

#endif
