/* digest.c - the owners' morning e-mails: their day's agenda as text, once per local day */
#include "digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "agenda.h"
#include "datetime.h"
#include "mime.h"
#include "smtp.h"
#include "tz.h"

#include "banned.h"

static const char *const state_names[DG__COUNT] = {
	[DG_SENT] = "sent", [DG_READY] = "ready", [DG_WAITING] = "waiting", [DG_DONE] = "done",
	[DG_DEFERRED] = "deferred", [DG_FAILED] = "failed", [DG_UNCERTAIN] = "uncertain",
};

const char *digest_state_name(int state)
{
	return state >= 0 && state < DG__COUNT ? state_names[state] : NULL;
}

static const char *const weekdays[] = { "Monday", "Tuesday", "Wednesday", "Thursday",
					"Friday", "Saturday", "Sunday" };
static const char *const months[] = { "January", "February", "March", "April", "May", "June",
				      "July", "August", "September", "October", "November",
				      "December" };

/* ---- the text ---- */

/* Appends s with line breaks made spaces (a reason can quote a whole message). */
static int add_line(struct fu_ctx *ctx, struct buf *out, const char *s)
{
	int rc = FU_OK;

	for (const char *p = s; *p && !rc; p++)
		rc = buf_addc(ctx, out, *p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p);
	return rc;
}

/* Appends a link to the web app: base + path + the key, percent-encoded. */
static int add_link(struct fu_ctx *ctx, struct buf *out, const char *base, const char *path,
		    const char *key)
{
	size_t n = strlen(base);
	int rc = buf_addf(ctx, out, "%s%s%s", base, n && base[n - 1] == '/' ? "" : "/", path);

	for (const unsigned char *p = (const unsigned char *)(key ? key : ""); *p && !rc; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~')
			rc = buf_addc(ctx, out, (char)*p);
		else
			rc = buf_addf(ctx, out, "%%%02X", *p);
	}
	return rc;
}

/* "14:00", or "Mon 23 Nov 10:00" when t is on another local day than day. */
static void when(const struct tz *z, int64_t t, int64_t day, char *out, size_t n)
{
	struct civil c;
	int64_t d;

	if (z)
		tz_to_local(z, t, &c);
	else
		dt_to_civil(t, &c);
	d = dt_days_from_civil(c.year, c.month, c.day);
	if (d == day)
		snprintf(out, n, "%02d:%02d", c.hour, c.min);
	else
		snprintf(out, n, "%.3s %d %.3s %02d:%02d", weekdays[dt_weekday(d)], c.day,
			 months[c.month - 1], c.hour, c.min);
}

static int one_followup(struct fu_ctx *ctx, struct buf *out, const struct followup *f, int i,
			const struct tz *z, int64_t day, const char *app_url)
{
	char due[40];
	int rc;

	when(z, f->due, day, due, sizeof(due));
	rc = buf_addf(ctx, out, "%d. ", i);
	if (!rc)
		rc = add_line(ctx, out, f->name && *f->name ? f->name : f->key);
	if (!rc && f->name && *f->name)
		rc = buf_addf(ctx, out, " (%s)", f->key);
	if (!rc)
		rc = buf_addf(ctx, out, ", %s, due %s%s%s\n", channel_name(f->channel), due,
			      f->overdue ? ", overdue" : "", f->escalated ? ", escalated" : "");
	for (int k = 0; !rc && k < f->nreasons; k++) {
		/* the person's reasons: an automated one beside them goes on its own */
		if (!channel_is_personal(f->reasons[k].channel))
			continue;
		rc = buf_addf(ctx, out, "   %s: ", trigger_name(f->reasons[k].trigger));
		if (!rc)
			rc = add_line(ctx, out, f->reasons[k].why ? f->reasons[k].why : "");
		if (!rc)
			rc = buf_addc(ctx, out, '\n');
	}
	if (!rc && (f->phone || f->email))
		rc = buf_addf(ctx, out, "   %s%s%s\n", f->phone ? f->phone : "",
			      f->phone && f->email ? "  " : "", f->email ? f->email : "");
	if (!rc && app_url) {
		rc = buf_adds(ctx, out, "   ");
		if (!rc)
			rc = add_link(ctx, out, app_url, "#/contact/", f->key);
		if (!rc)
			rc = buf_addc(ctx, out, '\n');
	}
	return rc ? rc : buf_addc(ctx, out, '\n');
}

/* The owner's local day at now, as a day number and its civil date. */
static int64_t local_day(const struct tz *z, int64_t now, struct civil *c)
{
	if (z)
		tz_to_local(z, now, c);
	else
		dt_to_civil(now, c);
	return dt_days_from_civil(c->year, c->month, c->day);
}

int digest_text(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		const char *owner, const char *zone, const char *app_url, int64_t now,
		struct buf *out, int *followups, int *automated)
{
	struct agenda_opts o;
	struct agenda a;
	struct tz *z = NULL;
	struct civil c;
	int rc = FU_OK, n = 0;

	*followups = *automated = 0;
	if (zone && strcmp(zone, "UTC") != 0)
		rc = tz_load(ctx, zone, &z);
	if (rc)
		return rc;
	memset(&o, 0, sizeof(o));
	o.owner = owner;
	o.now = now;
	o.day = local_day(z, now, &c);
	o.jobs = 1;
	rc = agenda_build(ctx, s, pb, &o, &a);
	if (rc) {
		tz_free(z);
		return rc;
	}
	for (int i = 0; i < a.n; i++) {
		if (a.v[i].automated)
			(*automated)++;
		else
			(*followups)++;
	}
	rc = buf_adds(ctx, out, "Good morning, ");
	if (!rc)
		rc = add_line(ctx, out, owner);
	if (!rc)
		rc = buf_addf(ctx, out, ".\n\n%s for %s %d %s %d:\n\n",
			      *followups ? "Your follow-ups" : "Nothing is due for you",
			      weekdays[dt_weekday(o.day)], c.day, months[c.month - 1], c.year);
	for (int i = 0; !rc && i < a.n; i++) {
		if (!a.v[i].automated)
			rc = one_followup(ctx, out, &a.v[i], ++n, z, o.day, app_url);
	}
	if (!rc && *automated)
		rc = buf_addf(ctx, out, "%d automated message%s for your contacts go%s out on %s own "
			      "today.\n\n", *automated, *automated == 1 ? "" : "s",
			      *automated == 1 ? "es" : "", *automated == 1 ? "its" : "their");
	if (!rc && app_url) {
		rc = buf_adds(ctx, out, "Your day in followup: ");
		if (!rc)
			rc = add_link(ctx, out, app_url, "#/today", NULL);
		if (!rc)
			rc = buf_addc(ctx, out, '\n');
	}
	agenda_release(&a);
	tz_free(z);
	return rc;
}

/* ---- the pass ---- */

/* The record of owner's digest of day: "STATE TIME TRIES" under "digest/OWNER/DAY". */
struct record {
	char key[FU_TEXT_MAX + 32];
	char state[16];
	int tries;
};

static int record_get(struct fu_ctx *ctx, struct store *s, struct record *r)
{
	char *v = NULL;
	long long t;
	int rc = store_meta_get(ctx, s, r->key, &v);

	r->state[0] = 0;
	r->tries = 0;
	if (!rc && v && sscanf(v, "%15s %lld %d", r->state, &t, &r->tries) < 1)
		r->state[0] = 0;
	free(v);
	return rc;
}

static int record_set(struct fu_ctx *ctx, struct store *s, struct record *r, const char *state,
		      int64_t now)
{
	char v[64];

	snprintf(r->state, sizeof(r->state), "%s", state);
	snprintf(v, sizeof(v), "%s %lld %d", state, (long long)now, r->tries);
	return store_meta_set(ctx, s, r->key, v);
}

/* In its own transaction. */
static int record_put(struct fu_ctx *ctx, struct store *s, struct record *r, const char *state,
		      int64_t now)
{
	int rc = store_begin(ctx, s);

	if (!rc)
		rc = record_set(ctx, s, r, state, now);
	if (!rc)
		rc = store_commit(ctx, s);
	if (rc)
		store_rollback(s);
	return rc;
}

struct pass {
	struct store *s;
	const struct playbook *pb;
	const struct sendconf *conf;
	const struct digest_opts *o;
	struct smtp *smtp;
	digest_report_fn report;
	void *arg;
	struct digest_totals *t;
};

static void tell(struct pass *p, struct digest_item *it)
{
	p->t->count[it->state]++;
	if (p->report)
		p->report(p->arg, it);
}

/* The MIME message of a digest: from the business, to the owner, automated. */
static int build(struct fu_ctx *ctx, struct pass *p, const struct digest_item *it,
		 const char *text, struct buf *out)
{
	const char *from = p->conf->from ? p->conf->from : "dry-run@followup.invalid";
	const char *at = strchr(from, '@');
	char subject[200], msgid[300], h[crypto_hash_sha256_BYTES], hex[17], who[FU_TEXT_MAX + 32];
	struct mail m;

	snprintf(who, sizeof(who), "%s%c%s", it->owner, 0, it->day);
	crypto_hash_sha256((unsigned char *)h, (const unsigned char *)who,
			   strlen(it->owner) + 1 + strlen(it->day));
	for (int i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)h[i]);
	snprintf(msgid, sizeof(msgid), "fu.digest-%s@%s", hex, at ? at + 1 : "followup.invalid");
	if (it->followups)
		snprintf(subject, sizeof(subject), "Your day: %d follow-up%s (%s)", it->followups,
			 it->followups == 1 ? "" : "s", it->day);
	else
		snprintf(subject, sizeof(subject), "Your day: nothing due (%s)", it->day);
	memset(&m, 0, sizeof(m));
	m.from_name = p->pb->business_name ? p->pb->business_name : "followup";
	m.from_addr = from;
	m.to_name = it->owner;
	m.to_addr = it->to;
	m.subject = subject;
	m.text = text;
	m.message_id = msgid;
	m.date = p->o->now;
	m.automated = 1;
	return mime_build(ctx, &m, out);
}

/* Sends it, the attempt on the record first; records the outcome. */
static int send_one(struct fu_ctx *ctx, struct pass *p, struct digest_item *it,
		    struct record *r, const struct buf *msg)
{
	int rc, result;

	if (!p->conf->from || !*p->conf->from)
		return fu_err(ctx, FU_EINPUT, "send settings: no from address (set 'from' in the "
			      "send settings file or $FOLLOWUP_MAIL_FROM)");
	if (!p->smtp) {
		rc = smtp_open(ctx, p->conf, &p->smtp);
		if (rc)
			return rc;
	}
	/* taken before the server hears a word: a crash from here on never sends it again */
	rc = store_begin(ctx, p->s);
	if (!rc)
		rc = record_get(ctx, p->s, r);
	if (!rc && r->state[0] && strcmp(r->state, "deferred") != 0) {
		store_rollback(p->s);
		it->state = DG_DONE; /* another pass took it meanwhile */
		snprintf(it->why, sizeof(it->why), "%s already", r->state);
		return FU_OK;
	}
	if (!rc) {
		r->tries++;
		rc = record_set(ctx, p->s, r, "attempt", p->o->now);
	}
	if (!rc)
		rc = store_commit(ctx, p->s);
	if (rc) {
		store_rollback(p->s);
		return rc;
	}
	rc = smtp_send(ctx, p->smtp, p->conf->from, it->to, buf_cstr(msg), msg->len, &result,
		       it->why, sizeof(it->why));
	if (rc)
		return rc; /* left as an attempt: uncertain */
	switch (result) {
	case SMTP_SENT:
		it->state = DG_SENT;
		return record_put(ctx, p->s, r, "sent", p->o->now);
	case SMTP_TEMPORARY:
		it->state = r->tries >= DIGEST_TRIES ? DG_FAILED : DG_DEFERRED;
		return record_put(ctx, p->s, r, it->state == DG_FAILED ? "failed" : "deferred",
				  p->o->now);
	case SMTP_UNKNOWN:
		it->state = DG_UNCERTAIN;
		return FU_OK;
	default:
		it->state = DG_FAILED;
		return record_put(ctx, p->s, r, "failed", p->o->now);
	}
}

static int one_owner(struct fu_ctx *ctx, struct pass *p, const char *owner, const char *to)
{
	struct digest_item it;
	struct record r;
	struct tz *z = NULL;
	struct civil c;
	struct buf text, msg;
	const char *zone = playbook_owner_zone(p->pb, owner);
	int64_t day, mins;
	int rc = FU_OK;

	memset(&it, 0, sizeof(it));
	snprintf(it.owner, sizeof(it.owner), "%s", owner);
	snprintf(it.to, sizeof(it.to), "%s", to);
	snprintf(it.zone, sizeof(it.zone), "%s", zone ? zone : "UTC");
	if (zone && strcmp(zone, "UTC") != 0)
		rc = tz_load(ctx, zone, &z);
	if (rc)
		return rc;
	day = local_day(z, p->o->now, &c);
	dt_format_date(day * 86400, it.day, sizeof(it.day));
	mins = c.hour * 60 + c.min;
	if (mins < p->pb->digest_at) {
		struct civil at = c;
		int kind;

		at.hour = p->pb->digest_at / 60;
		at.min = p->pb->digest_at % 60;
		at.sec = 0;
		it.at = z ? tz_from_local(z, &at, &kind) : dt_from_civil(&at);
		it.state = DG_WAITING;
		tz_free(z);
		tell(p, &it);
		return FU_OK;
	}
	tz_free(z);
	snprintf(r.key, sizeof(r.key), "digest/%s/%s", owner, it.day);
	rc = record_get(ctx, p->s, &r);
	if (rc)
		return rc;
	if (r.state[0] && strcmp(r.state, "deferred") != 0) {
		it.state = !strcmp(r.state, "attempt") ? DG_UNCERTAIN : DG_DONE;
		snprintf(it.why, sizeof(it.why), "%s already today", r.state);
		if (it.state == DG_UNCERTAIN)
			snprintf(it.why, sizeof(it.why), "an attempt with no outcome today: it may "
				 "have gone, it is not sent again");
		tell(p, &it);
		return FU_OK;
	}
	buf_init(&text, 1 << 20);
	buf_init(&msg, 2 << 20);
	rc = digest_text(ctx, p->s, p->pb, owner, zone, p->conf->app_url, p->o->now, &text,
			 &it.followups, &it.automated);
	if (!rc)
		rc = build(ctx, p, &it, buf_cstr(&text), &msg);
	if (!rc && p->o->dry_run)
		it.state = DG_READY;
	else if (!rc)
		rc = send_one(ctx, p, &it, &r, &msg);
	if (!rc) {
		it.text = buf_cstr(&text);
		tell(p, &it);
	}
	buf_release(&text);
	buf_release(&msg);
	return rc;
}

/* Whether owner came before index i in the send settings' owners (a name given twice). */
static int seen_before(const struct sendconf *conf, int i)
{
	for (int k = 0; k < i; k++) {
		if (!strcmp(conf->owners[k].name, conf->owners[i].name))
			return 1;
	}
	return 0;
}

int digest_pass(struct fu_ctx *ctx, struct store *s, const struct sendconf *conf,
		const struct digest_opts *opts, digest_report_fn report, void *arg,
		struct digest_totals *totals)
{
	struct playbook pb;
	struct pass p;
	int rc;

	memset(totals, 0, sizeof(*totals));
	playbook_init(&pb);
	rc = agenda_playbook(ctx, s, &pb);
	if (rc)
		return rc;
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.pb = &pb;
	p.conf = conf;
	p.o = opts;
	p.report = report;
	p.arg = arg;
	p.t = totals;
	totals->configured = pb.digest_at >= 0;
	for (int i = 0; !rc && pb.digest_at >= 0 && i < conf->nowners; i++) {
		const struct sendconf_owner *o = &conf->owners[i];

		if (seen_before(conf, i) || (opts->owner && strcmp(opts->owner, o->name) != 0))
			continue;
		totals->owners++;
		rc = one_owner(ctx, &p, o->name, sendconf_owner_address(conf, o->name));
	}
	smtp_close(p.smtp);
	playbook_release(&pb);
	return rc;
}
