/* receive.h - replies and bounces come back: one IMAP mailbox read into the contacts' timelines */
#ifndef FU_RECEIVE_H
#define FU_RECEIVE_H

#include <stddef.h>
#include <stdint.h>

#include "fu.h"
#include "model.h"
#include "sendconf.h"
#include "store.h"

/*
 * What one received message is, and what it records (receive_message):
 *
 *   reply      a person's answer: a `reply` event of the contact, with their own words (the
 *              `reply` trigger: someone answers it). The contact is the one the message
 *              answers (In-Reply-To or References names one of our Message-IDs,
 *              <fu.IDENTITY@domain>), else the one whose e-mail is the sender's.
 *   automatic  an automatic answer (Auto-Submitted other than "no", X-Autoreply,
 *              Precedence: auto_reply/bulk/junk, an out-of-office subject): a `reply` with
 *              outcome "automatic", which opens nothing and is no conversation (model.h)
 *   bounce     a delivery status notification saying delivery failed: a `bounce` event of
 *              the address (no more e-mail to it) and, when it names one of our messages,
 *              a `message` event "bounced" of that message
 *   notice     a delivery status notification of a delay or a success: nothing recorded
 *   unknown    from nobody we know, naming none of our messages: left alone
 *   ours       sent by us (the `from` address or an owner's): left alone
 *   already    recorded before (its event ids are derived from the message, see below)
 *   gone       deleted from the mailbox before it could be read
 *
 * Event ids are "mail/<16 hex of SHA-256 of the Message-ID>/reply" (or /bounce,
 * /message), or "imap/<mailbox>/<UIDVALIDITY>/<UID>/..." for a message without one, so
 * reading a message again (a crash, a second reader, a new UIDVALIDITY) adds nothing.
 */
enum receive_verdict {
	RV_REPLY, RV_AUTOMATIC, RV_BOUNCE, RV_NOTICE, RV_UNKNOWN, RV_OURS, RV_ALREADY, RV_GONE,
	RV__COUNT
};
const char *receive_verdict_name(int v);

/* One message handled: plain values, nothing to free. */
struct receive_item {
	uint32_t uid;
	int verdict;                  /* enum receive_verdict */
	char contact[FU_KEY_MAX + 1]; /* the contact's key, or "" */
	char from[256];               /* the sender's address, or "" */
	char subject[160];            /* cut on a character */
	char why[256];                /* how it was matched or classified */
	int cut;                      /* the message or its words were cut to the limits */
};

/*
 * Reads the message raw[0..len) (cut: only its first part) with UID uid of the mailbox
 * whose key is mbkey (with UIDVALIDITY validity) and, unless dry_run, records what it says
 * (see above) inside the caller's transaction. conf tells which senders are ours. *it says
 * what it was. Fails on store errors and out-of-memory; a message's own faults are verdicts.
 */
int receive_message(struct fu_ctx *ctx, struct store *s, const struct sendconf *conf,
		    int64_t now, const char *mbkey, uint32_t validity, uint32_t uid,
		    const char *raw, size_t len, int cut, int dry_run, struct receive_item *it);

/* At most this many messages in one pass unless told otherwise. */
#define RECEIVE_BATCH 500

struct receive_opts {
	int64_t now;
	int dry_run; /* read and classify; record nothing, remember nothing */
	int limit;   /* at most this many messages (0: RECEIVE_BATCH) */
};

struct receive_totals {
	int count[RV__COUNT]; /* messages by verdict */
	int messages;         /* read in this pass */
	int more;             /* messages left for the next pass (over the limit) */
	uint32_t validity, last_uid; /* where the mailbox stands now */
	int reset;            /* its UIDVALIDITY changed: read again from the start */
};

typedef void (*receive_report_fn)(void *arg, const struct receive_item *it);

/*
 * One pass over the IMAP mailbox of conf (imap_url, imap_user, imap_password, imap_tls;
 * imap.h): every message with a UID above the last one handled (kept in the store per
 * mailbox, with its UIDVALIDITY) is read (at most MAIL_RAW_MAX bytes, left unread and in
 * place) and handled by receive_message; the event and the new last UID are committed
 * together, one message at a time. report (may be NULL) hears of each. Fails when the
 * mailbox cannot be read (FU_EIO, FU_EINPUT for settings), on store errors and
 * out-of-memory; what was committed before stays. Made to be called every minute.
 */
int receive_pass(struct fu_ctx *ctx, struct store *s, const struct sendconf *conf,
		 const struct receive_opts *opts, receive_report_fn report, void *arg,
		 struct receive_totals *totals);

#endif
