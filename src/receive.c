/* receive.c - received mail into the timelines: replies, automatic answers and bounces, each once */
#include "receive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "buf.h"
#include "datetime.h"
#include "imap.h"
#include "import.h"
#include "mailparse.h"
#include "message.h"
#include "record.h"

#include "banned.h"

#define DAY 86400

static const char *const verdict_names[RV__COUNT] = {
	[RV_REPLY] = "reply", [RV_AUTOMATIC] = "automatic", [RV_BOUNCE] = "bounce",
	[RV_NOTICE] = "notice", [RV_UNKNOWN] = "unknown", [RV_OURS] = "ours",
	[RV_ALREADY] = "already", [RV_GONE] = "gone",
};

const char *receive_verdict_name(int v)
{
	return v >= 0 && v < RV__COUNT ? verdict_names[v] : NULL;
}

/* The first 16 hex digits of SHA-256 over the n bytes at p. */
static void hash16(const void *p, size_t n, char out[17])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, p, n);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* Copies s into out (n bytes), cut on a UTF-8 character boundary. */
static void copy_cut(char *out, size_t n, const char *s)
{
	size_t k = s ? strlen(s) : 0;

	if (k >= n) {
		k = n - 1;
		while (k && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
	}
	if (k)
		memcpy(out, s, k);
	out[k] = 0;
}

/* ---- who it is about ---- */

static int count_event(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	(void)ctx;
	(void)e;
	(*(int *)arg)++;
	return FU_OK;
}

/*
 * The message identity (message.h) in one of our Message-IDs, "fu.IDENTITY@domain", when
 * the outbox has a record of it: into id, with its contact; 0 when id is none of ours.
 */
static int ours_of(struct fu_ctx *ctx, struct store *s, const char *msgid, char id[MESSAGE_ID_MAX],
		   int64_t *contact_id, int *found)
{
	const char *at = strchr(msgid, '@');
	size_t n;
	int events = 0, rc;

	*found = 0;
	if (strncmp(msgid, "fu.", 3) || !at || (n = (size_t)(at - msgid - 3)) >= MESSAGE_ID_MAX)
		return FU_OK;
	memcpy(id, msgid + 3, n);
	id[n] = 0;
	if (message_identity_parse(id, contact_id) != 0)
		return FU_OK;
	rc = store_messages_of(ctx, s, id, count_event, &events);
	*found = !rc && events > 0;
	return rc;
}

/* The contact the first of ids that is one of our messages names, into *c and id. */
static int contact_by_ids(struct fu_ctx *ctx, struct store *s, char *const *ids, int n,
			  struct contact *c, char id[MESSAGE_ID_MAX], int *found)
{
	int rc = FU_OK;

	*found = 0;
	for (int i = 0; i < n && !rc && !*found; i++) {
		int64_t cid;

		rc = ours_of(ctx, s, ids[i], id, &cid, found);
		if (!rc && *found) {
			rc = store_contact_get_id(ctx, s, cid, c);
			if (rc == FU_ENOTFOUND) {
				*found = 0;
				rc = FU_OK;
			}
		}
	}
	if (!*found)
		id[0] = 0;
	return rc;
}

static int contact_by_email(struct fu_ctx *ctx, struct store *s, const char *addr,
			    struct contact *c, int *found)
{
	int rc;

	*found = 0;
	if (!addr)
		return FU_OK;
	rc = store_contact_get_email(ctx, s, addr, c);
	if (rc == FU_ENOTFOUND)
		return FU_OK;
	*found = !rc;
	return rc;
}

/* Whether addr is ours: the business's sender or an owner's own address. */
static int is_ours(const struct sendconf *conf, const char *addr)
{
	if (!addr)
		return 0;
	if (conf->from && !strcasecmp(conf->from, addr))
		return 1;
	for (int i = 0; i < conf->nowners; i++) {
		if (!strcasecmp(conf->owners[i].address, addr))
			return 1;
	}
	return 0;
}

/* ---- what it records ---- */

struct rec {
	struct event_text t;
	char ext[FU_TEXT_MAX];
	char time[40];
};

static void rec_init(struct rec *r, const char *base, const char *what, const char *type,
		     const char *key, int64_t at)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->ext, sizeof(r->ext), "%s/%s", base, what);
	dt_format_iso(at, r->time, sizeof(r->time));
	r->t.id = r->ext;
	r->t.type = type;
	r->t.contact = key;
	r->t.time = r->time;
	r->t.channel = "email";
}

static int put(struct fu_ctx *ctx, struct store *s, struct rec *r, int64_t now)
{
	struct record_result res;

	return record_event_in(ctx, s, &r->t, now, &res);
}

/* When it happened: its Date when that is in the last 30 days and not ahead of the clock, else now. */
static int64_t when_of(const struct mail_parsed *m, int64_t now)
{
	if (m->date != FU_TIME_NONE && m->date <= now && m->date > now - 30 * DAY)
		return m->date;
	return now;
}

/* The note of a reply: their words; an automatic one's subject first; no words: the subject. */
static int reply_note(struct fu_ctx *ctx, const struct mail_parsed *m, int automatic,
		      struct buf *out)
{
	char subject[200];

	copy_cut(subject, sizeof(subject), m->subject ? m->subject : "");
	if (automatic)
		return buf_addf(ctx, out, "%s%s%s", subject, m->text[0] ? "\n\n" : "", m->text);
	if (m->text[0])
		return buf_adds(ctx, out, m->text);
	return buf_addf(ctx, out, "(no text; subject: %s)", subject);
}

static int handle_dsn(struct fu_ctx *ctx, struct store *s, const struct mail_parsed *m,
		      int64_t now, const char *base, int dry_run, struct receive_item *it)
{
	const struct mail_dsn *d = &m->dsn;
	char id[MESSAGE_ID_MAX], note[600], diag[480], status[40];
	struct contact c;
	struct rec r[2];
	int rc, found = 0, failed;
	const char *addr;

	failed = (d->action && !strcmp(d->action, "failed")) ||
		 (!d->action && d->status && d->status[0] == '5');
	if (!failed) {
		it->verdict = RV_NOTICE;
		snprintf(it->why, sizeof(it->why), "a delivery notice (%s)",
			 d->action ? d->action : "no action");
		return FU_OK;
	}
	contact_init(&c);
	rc = FU_OK;
	if (d->original_id)
		rc = contact_by_ids(ctx, s, &d->original_id, 1, &c, id, &found);
	if (!rc && !found)
		rc = contact_by_ids(ctx, s, m->refs, m->nrefs, &c, id, &found);
	if (!rc && found)
		snprintf(it->why, sizeof(it->why), "delivery of our message %s failed", id);
	if (!rc && !found) {
		rc = contact_by_email(ctx, s, d->recipient, &c, &found);
		if (found)
			snprintf(it->why, sizeof(it->why), "delivery to %.200s failed", d->recipient);
	}
	if (rc || !found) {
		if (!rc) {
			it->verdict = RV_UNKNOWN;
			snprintf(it->why, sizeof(it->why), "a bounce of no message or contact of ours");
		}
		contact_release(&c);
		return rc;
	}
	addr = d->recipient ? d->recipient : c.email;
	it->verdict = RV_BOUNCE;
	snprintf(it->contact, sizeof(it->contact), "%s", c.key);
	copy_cut(diag, sizeof(diag), d->diagnostic ? d->diagnostic : "delivery failed");
	copy_cut(status, sizeof(status), d->status ? d->status : "");
	snprintf(note, sizeof(note), "bounced%s%s%s%s", status[0] ? " (" : "", status,
		 status[0] ? "): " : ": ", diag);
	if (!dry_run && addr) {
		rec_init(&r[0], base, "bounce", event_type_name(EV_BOUNCE), c.key, now);
		r[0].t.ref = addr;
		r[0].t.note = note;
		rc = put(ctx, s, &r[0], now);
		if (!rc && id[0]) {
			rec_init(&r[1], base, "message", event_type_name(EV_MESSAGE), c.key, now);
			r[1].t.ref = id;
			r[1].t.outcome = message_outcome_info(MSG_BOUNCED)->name;
			r[1].t.note = note;
			rc = put(ctx, s, &r[1], now);
		}
	}
	contact_release(&c);
	return rc;
}

static int handle_reply(struct fu_ctx *ctx, struct store *s, const struct mail_parsed *m,
			int64_t now, const char *base, int dry_run, struct receive_item *it)
{
	char id[MESSAGE_ID_MAX];
	struct contact c;
	struct buf note;
	struct rec r;
	int rc, found = 0, automatic = m->kind == MAIL_AUTOMATIC;

	contact_init(&c);
	rc = contact_by_ids(ctx, s, m->refs, m->nrefs, &c, id, &found);
	if (!rc && found)
		snprintf(it->why, sizeof(it->why), "answers our message %s", id);
	if (!rc && !found) {
		rc = contact_by_email(ctx, s, m->from, &c, &found);
		if (found)
			snprintf(it->why, sizeof(it->why), "from the contact's address");
	}
	if (rc || !found) {
		if (!rc) {
			it->verdict = RV_UNKNOWN;
			snprintf(it->why, sizeof(it->why), "from nobody we know, about none of our "
				 "messages");
		}
		contact_release(&c);
		return rc;
	}
	it->verdict = automatic ? RV_AUTOMATIC : RV_REPLY;
	snprintf(it->contact, sizeof(it->contact), "%s", c.key);
	if (automatic) {
		size_t k = strlen(it->why);

		snprintf(it->why + k, sizeof(it->why) - k, "; automatic (%s)", m->auto_why);
	}
	buf_init(&note, FU_NOTE_MAX);
	rc = reply_note(ctx, m, automatic, &note);
	if (!rc && !dry_run) {
		rec_init(&r, base, "reply", event_type_name(EV_REPLY), c.key, when_of(m, now));
		r.t.ref = id[0] ? id : NULL;
		r.t.outcome = automatic ? REPLY_AUTOMATIC : NULL;
		r.t.note = buf_cstr(&note);
		rc = put(ctx, s, &r, now);
	}
	buf_release(&note);
	contact_release(&c);
	return rc;
}

int receive_message(struct fu_ctx *ctx, struct store *s, const struct sendconf *conf,
		    int64_t now, const char *mbkey, uint32_t validity, uint32_t uid,
		    const char *raw, size_t len, int cut, int dry_run, struct receive_item *it)
{
	struct mail_parsed m;
	char base[FU_TEXT_MAX / 2], h[17], ext[FU_TEXT_MAX];
	int rc, found = 0;

	memset(it, 0, sizeof(*it));
	it->uid = uid;
	rc = mail_parse(ctx, raw, len, cut, &m);
	if (rc)
		return rc;
	it->cut = m.truncated;
	copy_cut(it->from, sizeof(it->from), m.from);
	copy_cut(it->subject, sizeof(it->subject), m.subject);
	/* the ids of what it records come from the message itself, never from the clock */
	if (m.message_id) {
		hash16(m.message_id, strlen(m.message_id), h);
		snprintf(base, sizeof(base), "mail/%s", h);
	} else {
		snprintf(base, sizeof(base), "imap/%.40s/%lu/%lu", mbkey, (unsigned long)validity,
			 (unsigned long)uid);
	}
	snprintf(ext, sizeof(ext), "%s/%s", base, m.kind == MAIL_DSN ? "bounce" : "reply");
	rc = store_event_ext_exists(ctx, s, ext, &found);
	if (!rc && found) {
		it->verdict = RV_ALREADY;
		snprintf(it->why, sizeof(it->why), "recorded before (%.200s)", ext);
	} else if (!rc && m.kind == MAIL_DSN) {
		rc = handle_dsn(ctx, s, &m, now, base, dry_run, it);
	} else if (!rc && is_ours(conf, m.from)) {
		it->verdict = RV_OURS;
		snprintf(it->why, sizeof(it->why), "sent by us");
	} else if (!rc) {
		rc = handle_reply(ctx, s, &m, now, base, dry_run, it);
	}
	mail_parsed_release(&m);
	return rc;
}

/* ---- the pass ---- */

/* Where the mailbox was left: "UIDVALIDITY LASTUID" under key in the store's metadata. */
static int mark_get(struct fu_ctx *ctx, struct store *s, const char *key, uint32_t *validity,
		    uint32_t *last)
{
	char *v = NULL;
	unsigned long a = 0, b = 0;
	int rc = store_meta_get(ctx, s, key, &v);

	*validity = *last = 0;
	if (!rc && v && sscanf(v, "%lu %lu", &a, &b) == 2 && a <= UINT32_MAX && b <= UINT32_MAX) {
		*validity = (uint32_t)a;
		*last = (uint32_t)b;
	}
	free(v);
	return rc;
}

static int mark_set(struct fu_ctx *ctx, struct store *s, const char *key, uint32_t validity,
		    uint32_t last)
{
	char v[48];

	snprintf(v, sizeof(v), "%lu %lu", (unsigned long)validity, (unsigned long)last);
	return store_meta_set(ctx, s, key, v);
}

/* One fetched message: handled and its UID remembered in one transaction. */
static int one(struct fu_ctx *ctx, struct store *s, const struct sendconf *conf,
	       const struct receive_opts *o, const char *mbkey, const char *markkey,
	       uint32_t validity, uint32_t uid, const struct buf *raw, int cut,
	       struct receive_item *it)
{
	uint32_t v, last;
	int rc = o->dry_run ? store_begin_read(ctx, s) : store_begin(ctx, s);

	if (rc)
		return rc;
	rc = mark_get(ctx, s, markkey, &v, &last);
	if (!rc && v == validity && last >= uid) {
		/* another reader took it meanwhile */
		memset(it, 0, sizeof(*it));
		it->uid = uid;
		it->verdict = RV_ALREADY;
		snprintf(it->why, sizeof(it->why), "handled by another reader meanwhile");
		store_rollback(s);
		return FU_OK;
	}
	if (!rc && raw->len == 0) {
		memset(it, 0, sizeof(*it));
		it->uid = uid;
		it->verdict = RV_GONE;
		snprintf(it->why, sizeof(it->why), "no longer in the mailbox");
	} else if (!rc) {
		rc = receive_message(ctx, s, conf, o->now, mbkey, validity, uid, buf_cstr(raw),
				     raw->len, cut, o->dry_run, it);
	}
	if (rc == FU_EINPUT) {
		/* a message the log refuses must not hold up the mailbox: said, and passed */
		snprintf(it->why, sizeof(it->why), "not recorded: %.200s", ctx->msg);
		it->verdict = RV_UNKNOWN;
		fu_ctx_init(ctx);
		store_rollback(s);
		rc = o->dry_run ? FU_OK : store_begin(ctx, s);
	}
	if (!rc && !o->dry_run)
		rc = mark_set(ctx, s, markkey, validity, uid);
	if (!rc && !o->dry_run)
		rc = store_commit(ctx, s);
	if (rc || o->dry_run)
		store_rollback(s);
	return rc;
}

int receive_pass(struct fu_ctx *ctx, struct store *s, const struct sendconf *conf,
		 const struct receive_opts *opts, receive_report_fn report, void *arg,
		 struct receive_totals *totals)
{
	struct imap *im = NULL;
	struct imap_msg *v = NULL;
	char mbkey[17], markkey[64], who[2048];
	uint32_t validity = 0, next = 0, mv = 0, last = 0;
	int rc, n = 0, limit = opts->limit > 0 ? opts->limit : RECEIVE_BATCH;

	memset(totals, 0, sizeof(*totals));
	rc = imap_open(ctx, conf, &im);
	if (rc)
		return rc;
	/* the mailbox is known by its address, its user and its name */
	snprintf(who, sizeof(who), "%s\n%s", conf->imap_url, conf->imap_user ? conf->imap_user : "");
	hash16(who, strlen(who), mbkey);
	snprintf(markkey, sizeof(markkey), "receive/%s", mbkey);
	rc = imap_status(ctx, im, &validity, &next);
	if (!rc)
		rc = mark_get(ctx, s, markkey, &mv, &last);
	if (!rc && mv != validity) {
		totals->reset = mv != 0;
		last = 0;
	}
	totals->validity = validity;
	totals->last_uid = last;
	/* nothing new: one STATUS is the whole pass */
	if (!rc && !(next && next - 1 <= last))
		rc = imap_list(ctx, im, last, next, limit + 1, &v, &n);
	if (!rc && n > limit) {
		totals->more = 1;
		n = limit;
	}
	for (int i = 0; !rc && i < n; i++) {
		struct receive_item it;
		struct buf raw;
		int cut = 0;

		buf_init(&raw, (size_t)MAIL_RAW_MAX + 2);
		rc = imap_fetch(ctx, im, &v[i], &raw, &cut);
		if (!rc)
			rc = one(ctx, s, conf, opts, mbkey, markkey, validity, v[i].uid, &raw, cut,
				 &it);
		buf_release(&raw);
		if (rc)
			break;
		totals->messages++;
		totals->count[it.verdict]++;
		totals->last_uid = v[i].uid;
		if (report)
			report(arg, &it);
	}
	free(v);
	imap_close(im);
	return rc;
}
