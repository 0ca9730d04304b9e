/* outbox.h - the automated messages that go out on their own: each exactly once, nothing lost */
#ifndef FU_OUTBOX_H
#define FU_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "fu.h"
#include "message.h"
#include "playbook.h"
#include "sendconf.h"
#include "store.h"

/*
 * The outbox's history is the log's `message` events (message.h): a message is taken when
 * its first `attempt` is committed, before the server hears of it, and its state is the
 * outcome of its last event. So `rebuild` changes nothing here, and a crash leaves at worst
 * an attempt with nothing after it: `uncertain`, never sent again without a person.
 *
 *   queued     due now in the agenda (not taken yet), or a person asked for it again
 *   sending    an attempt while a sender is running
 *   sent       the server took it
 *   deferred   a temporary failure; next_try says when it goes again
 *   bounced    the address refused it for good (a `bounce` event goes with it)
 *   failed     temporary failures for 3 days, or refused for something else than the address
 *   uncertain  an attempt with nothing after it and no sender running: it may have gone
 *   dropped    a person decided it will not go, or consent was withdrawn before it went
 */
enum outbox_state {
	OB_QUEUED, OB_SENDING, OB_SENT, OB_DEFERRED, OB_BOUNCED, OB_FAILED, OB_UNCERTAIN,
	OB_DROPPED, OB__COUNT
};
const char *outbox_state_name(int state);

/* Temporary failures are tried again after 5 minutes, doubling, for at most this long. */
#define OUTBOX_RETRY_FIRST (5 * 60)
#define OUTBOX_GIVE_UP (3 * 86400)

/* One message. Strings are malloced and freed by outbox_release (or outbox_item_release). */
struct outbox_item {
	char id[MESSAGE_ID_MAX];
	int64_t contact_id;
	char *key;              /* the contact's key */
	char *channel;          /* "email" */
	int state;              /* enum outbox_state */
	int tries;              /* attempts so far */
	int events;             /* message events so far */
	int64_t due;            /* when it was due (queued ones), else FU_TIME_NONE */
	int64_t first_try, last_at, next_try; /* FU_TIME_NONE when none */
	char *why;              /* the last failure or the server's last words, or NULL */
	char *payload;          /* what it says, as JSON (to, subject, text, ...), or NULL */
	char *to, *subject;     /* from the payload */
	int transactional;
};

struct outbox {
	struct outbox_item *v;
	int n;
	size_t cap;
};

void outbox_init(struct outbox *o);
void outbox_release(struct outbox *o);

/*
 * Every message the outbox has taken, by identity, and then (with `queued`) the automated
 * messages of the agenda due by now and not taken yet. lock_path is the senders' lock file
 * (outbox_lock): while it is held, an unanswered attempt is `sending`, else `uncertain`.
 * *out is outbox_init()ed here. Fails on store or rule errors.
 */
int outbox_list(struct fu_ctx *ctx, struct store *s, const struct playbook *pb, int64_t now,
		const char *lock_path, int queued, struct outbox *out);

/*
 * Takes the senders' lock at path (a file beside the database) without waiting: FU_EINPUT
 * "another sender is running" when it is held (by a pass, or shared by a person's
 * outbox_send_personal). *fd is closed (releasing it) with outbox_unlock.
 */
int outbox_lock(struct fu_ctx *ctx, const char *path, int *fd);
/* The senders' lock file of the database at db_path: "<db_path>.send.lock" into out (n bytes). */
void outbox_lock_path(const char *db_path, char *out, size_t n);
void outbox_unlock(int fd);

struct outbox_item;
/*
 * A stand-in for the network (tests): hands over data (len bytes: a MIME message or a
 * webhook's JSON body) for it to `to`, and says what became of it in *result, an enum
 * smtp_result (smtp.h), with words in why.
 */
typedef void (*outbox_deliver_fn)(void *arg, const struct outbox_item *it, const char *to,
				  const char *data, size_t len, int *result, char *why,
				  size_t whylen);

struct outbox_send_opts {
	int64_t now;
	int dry_run;            /* check and report, write and send nothing */
	int limit;              /* at most this many messages (0: no limit) */
	outbox_deliver_fn deliver; /* NULL: SMTP and webhooks as the settings say */
	void *deliver_arg;
};

/* Called for each message handled by outbox_send, with its new state and why. */
typedef void (*outbox_report_fn)(void *arg, const struct outbox_item *it);

struct outbox_totals {
	int sent, deferred, bounced, failed, uncertain, dropped, waiting;
	int ready; /* with dry_run: would go now */
};

/*
 * One pass, under the senders' lock (the caller holds it): every automated message whose
 * moment has come, and every deferred one whose next try has come, is checked again at this
 * moment (consent, a bounced address, quiet hours and business days in the contact's zone,
 * the weekly pressure budget across channels), taken (an attempt committed), handed to the
 * server, and its outcome recorded. A message that must wait is left as it is (`waiting`);
 * one whose consent is gone is dropped. report (may be NULL) hears of each. Fails on store
 * errors, missing send settings, or out-of-memory; what was recorded before stays.
 */
int outbox_send(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		const struct sendconf *conf, const struct outbox_send_opts *opts,
		outbox_report_fn report, void *arg, struct outbox_totals *totals);

/*
 * A person's decision about message id: resend (an uncertain, failed, dropped or deferred one
 * goes again on the next pass) or drop (it will not go). FU_ENOTFOUND for an unknown id,
 * FU_EINPUT when its state does not allow it ("message 'x' was sent").
 */
int outbox_resend(struct fu_ctx *ctx, struct store *s, const char *id, int64_t now,
		  const char *lock_path);
int outbox_drop(struct fu_ctx *ctx, struct store *s, const char *id, int64_t now,
		const char *lock_path);

/* The subject of an automated message for trigger t (our own words). */
const char *outbox_subject(int trigger);

/*
 * ---- A person's own e-mail: `followup done ID --send`, the web app's "edit and send" ----
 *
 * The personal e-mail the agenda wrote for a follow-up (its personal reasons' say, the first
 * one's subject) goes to the contact, From the owner's address when the settings know it
 * (owner.NAME; else the business's `from`, named "OWNER at BUSINESS"), Reply-To the owner,
 * through the outbox: its identity comes from the follow-up (message_identity_personal), so it
 * goes at most once; an attempt is committed before the server hears of it; and when the
 * server takes it, the `sent` message event and the person's touch (channel email, ref the
 * identity, the outcome given) are recorded in one transaction. Consent is checked at that
 * moment: do-not-contact, an e-mail opt-out, no usable address or a bounced one refuse it.
 * Quiet hours, business days and the pressure budget do not: a person chose the moment.
 */
struct outbox_draft {
	char followup[48];         /* the follow-up's id */
	char id[MESSAGE_ID_MAX];   /* the message's identity (Message-ID <fu.ID@domain>) */
	int64_t contact_id;
	char *key, *name, *to;     /* the contact's key, name (or NULL) and address */
	char *owner;               /* the contact's owner, or NULL */
	char *from_addr;           /* the owner's address, or NULL: the settings' `from` */
	char *from_name, *reply_to; /* reply_to: the owner's address, or NULL */
	char *subject, *text;      /* what the agenda wrote */
};
void outbox_draft_init(struct outbox_draft *d);
void outbox_draft_release(struct outbox_draft *d);

/*
 * The personal e-mail of open follow-up followup_id ("F12-345") at now, before any editing,
 * in *d (outbox_draft_init()ed here; release it even on failure). pb: the playbook in effect
 * (NULL: loaded here). conf gives the owner's address. FU_EINPUT, with a sentence a person can
 * act on, when the id is malformed, nothing is open, the follow-up has changed, it has no
 * personal reason, its e-mail was already sent (or is in the outbox), or consent or the
 * address forbids an e-mail; FU_ENOTFOUND when there is no such contact.
 */
int outbox_personal_draft(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
			  const struct sendconf *conf, const char *followup_id, int64_t now,
			  struct outbox_draft *d);

/* What a person sends. Strings are only read. */
struct outbox_personal {
	const char *followup_id;
	const char *subject, *text; /* NULL: the draft's; text at most MESSAGE_TEXT_MAX bytes */
	const char *outcome;        /* the touch's outcome (outcome.h), or NULL for none */
	const char *next;           /* its agreed date (with not-yet), or NULL */
	const char *note;           /* an internal note on the touch (never sent), or NULL */
	int64_t now;
	outbox_deliver_fn deliver;  /* NULL: SMTP as the settings say */
	void *deliver_arg;
	const char *lock_path;      /* the senders' lock (outbox_lock_path), held shared while
				       the message is in flight; NULL: none */
};

/* What became of it: plain values. */
struct outbox_personal_result {
	char id[MESSAGE_ID_MAX];
	char key[FU_KEY_MAX + 1];
	char to[320];
	int state;          /* OB_SENT (and the touch recorded); else OB_DEFERRED (it goes with
			       the next `followup send` from next_try), OB_BOUNCED, OB_FAILED or
			       OB_UNCERTAIN: not sent, no touch */
	int64_t next_try;   /* FU_TIME_NONE unless deferred */
	char why[FU_MSG_MAX]; /* the server's words or the trouble */
};

/*
 * Sends req's message for follow-up req->followup_id as described above and fills *res.
 * Everything outbox_personal_draft refuses is refused here too, checked again at this moment,
 * and then nothing is sent or recorded; so is an empty text ("nothing to send"), a text longer
 * than MESSAGE_TEXT_MAX (never cut), a subject of more than one line or MESSAGE_SUBJECT_MAX
 * bytes, or a bad outcome. FU_EINPUT also when the send settings are wrong (no from, login
 * refused, a certificate not trusted): the message is then deferred, on the record. A message
 * the server did not take is not an error: res->state says what became of it.
 */
int outbox_send_personal(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
			 const struct sendconf *conf, const struct outbox_personal *req,
			 struct outbox_personal_result *res);

#endif
