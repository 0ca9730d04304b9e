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
 * "another 'followup send' is running" when it is held. *fd is closed (releasing it) with
 * outbox_unlock.
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

#endif
