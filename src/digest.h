/* digest.h - each owner's morning e-mail of their day, at most once per local day */
#ifndef FU_DIGEST_H
#define FU_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fu.h"
#include "model.h"
#include "playbook.h"
#include "sendconf.h"
#include "store.h"

/*
 * Who gets one, when, and where it goes:
 *   - the playbook's `digest: {at: "08:00"}` turns digests on (none without it);
 *   - each owner with an address in the send settings (`owner.NAME = address`, the same
 *     address their contacts' Reply-To uses) gets one;
 *   - at `at` in the owner's zone: digest.owners.NAME, else digest.timezone, else
 *     business.timezone (playbook_owner_zone), any time later that local day;
 *   - what it says: the owner's agenda of that local day as text, in the agenda's order
 *     (their follow-ups and the escalated unowned leads), every reason and how to reach
 *     them, with a link to each contact in the web app when the send settings give
 *     `app_url`; the automated messages counted, not listed.
 *
 * At most once per owner and local day: a record "digest/OWNER/YYYY-MM-DD" in the store's
 * metadata is committed as an attempt before the SMTP server hears of it (the outbox's
 * discipline, outbox.h), then its outcome. An attempt without an outcome (a crash) is
 * uncertain and never sent again; a temporary failure is tried again on a later pass that
 * day (at most DIGEST_TRIES attempts).
 */
#define DIGEST_TRIES 5

enum digest_state {
	DG_SENT,      /* the server took it */
	DG_READY,     /* a dry run: it would go now */
	DG_WAITING,   /* its moment has not come today (`at` says when) */
	DG_DONE,      /* sent (or given up, or uncertain) already this local day */
	DG_DEFERRED,  /* a temporary failure: a later pass tries again */
	DG_FAILED,    /* refused for good, or too many temporary failures */
	DG_UNCERTAIN, /* the connection broke after the message went: it may have arrived */
	DG__COUNT
};
const char *digest_state_name(int state);

/* One owner's digest, as a pass handled it: plain values; text is borrowed for the report. */
struct digest_item {
	char owner[FU_TEXT_MAX + 1];
	char to[320];
	char day[16];        /* the owner's local day, "2026-11-25" */
	char zone[64];
	int state;           /* enum digest_state */
	int followups;       /* for a person, in the digest */
	int automated;       /* automated messages of the day, counted */
	int64_t at;          /* DG_WAITING: when it goes (UTC) */
	char why[256];       /* the server's words, or what went wrong */
	const char *text;    /* DG_SENT and DG_READY: the message's text (only during the report) */
};

/*
 * The text of owner's digest at now for their local day (in zone, NULL for UTC) into out,
 * with links under app_url (NULL: none); *followups and *automated count them. pb is the
 * playbook in effect. Fails on store errors, a rule that cannot be evaluated, out-of-memory.
 */
int digest_text(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		const char *owner, const char *zone, const char *app_url, int64_t now,
		struct buf *out, int *followups, int *automated);

struct digest_opts {
	int64_t now;
	int dry_run;        /* say what would go (with its text); send and record nothing */
	const char *owner;  /* only this owner (NULL: every owner) */
};

struct digest_totals {
	int count[DG__COUNT];
	int owners;     /* owners with an address */
	int configured; /* the playbook in effect has a digest */
};

typedef void (*digest_report_fn)(void *arg, const struct digest_item *it);

/*
 * One pass: every owner's digest whose moment has come and that has not gone this local
 * day is written (with the playbook in effect) and sent over SMTP (conf's smtp_url, from),
 * as described above. report (may be NULL) hears of every owner. FU_EINPUT when the send
 * settings lack from or smtp_url while a digest is due (nothing is recorded then); fails
 * on store errors and out-of-memory, keeping what was recorded. Made to be called every
 * minute: a pass with nothing due reads the settings and the store's records only.
 */
int digest_pass(struct fu_ctx *ctx, struct store *s, const struct sendconf *conf,
		const struct digest_opts *opts, digest_report_fn report, void *arg,
		struct digest_totals *totals);

#endif
