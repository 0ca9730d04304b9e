/* outbox.c - sending the agenda's automated messages: taken once, checked again, outcome recorded */
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include <jansson.h>

#include "agenda.h"
#include "bizhours.h"
#include "datetime.h"
#include "engine.h"
#include "mime.h"
#include "outcome.h"
#include "record.h"
#include "smtp.h"
#include "tz.h"
#include "unsubscribe.h"
#include "click.h"
#include "webhook.h"

#include "banned.h"

#define DAY 86400

static const char *const state_names[OB__COUNT] = {
	[OB_QUEUED] = "queued", [OB_SENDING] = "sending", [OB_SENT] = "sent",
	[OB_DEFERRED] = "deferred", [OB_BOUNCED] = "bounced", [OB_FAILED] = "failed",
	[OB_UNCERTAIN] = "uncertain", [OB_DROPPED] = "dropped",
};

const char *outbox_state_name(int state)
{
	return state >= 0 && state < OB__COUNT ? state_names[state] : NULL;
}

/* Subjects by trigger, in our own words; the body is the playbook rule's `say`. */
const char *outbox_subject(int trigger)
{
	switch (trigger) {
	case TRIG_NEW_LEAD: return "Thank you for getting in touch";
	case TRIG_INFO_REQUEST: return "About your question";
	case TRIG_EMAIL_CLICK: return "Something you looked at";
	case TRIG_POST_PURCHASE: return "How is your purchase working out?";
	case TRIG_FEEDBACK: return "How did we do?";
	case TRIG_REFERRAL: return "A small favour";
	case TRIG_REPEAT_PURCHASE: return "Thank you for coming back";
	case TRIG_SERVICE: return "Did our visit solve the problem?";
	case TRIG_PAID_LATE: return "About your last payment";
	case TRIG_INVOICE_OVERDUE: return "A reminder about your invoice";
	case TRIG_LAPSED: return "It has been a while";
	case TRIG_SILENCE: return "Something useful for you";
	case TRIG_CHECK_IN: return "Checking in, as agreed";
	case TRIG_APPOINTMENT: return "A reminder about your appointment";
	case TRIG_MISSED_APPOINTMENT: return "Let us find another time";
	default: return "A note from us";
	}
}

/* The subject of reason r: its rule's `subject:` rendered, else the trigger's. */
static const char *reason_subject(const struct reason *r)
{
	return r->subject && *r->subject ? r->subject : outbox_subject(r->trigger);
}

/* How a message goes, as its events say: "email" or "webhook". */
static const char *message_channel(int channel)
{
	return channel == CH_AUTO_WEBHOOK ? "webhook" : "email";
}

static int is_email(const struct outbox_item *it)
{
	return !it->channel || strcmp(it->channel, "webhook") != 0;
}

void outbox_init(struct outbox *o)
{
	memset(o, 0, sizeof(*o));
}

static void item_release(struct outbox_item *it)
{
	free(it->key);
	free(it->channel);
	free(it->why);
	free(it->payload);
	free(it->to);
	free(it->subject);
	memset(it, 0, sizeof(*it));
}

void outbox_release(struct outbox *o)
{
	for (int i = 0; i < o->n; i++)
		item_release(&o->v[i]);
	free(o->v);
	outbox_init(o);
}

static void item_init(struct outbox_item *it)
{
	memset(it, 0, sizeof(*it));
	it->due = it->first_try = it->last_at = it->next_try = FU_TIME_NONE;
}

static int set_str(struct fu_ctx *ctx, char **dst, const char *v)
{
	char *d = v ? strdup(v) : NULL;

	if (v && !d)
		return fu_err(ctx, FU_ENOMEM, "out of memory reading the outbox");
	free(*dst);
	*dst = d;
	return FU_OK;
}

/* Fills to, subject and transactional from the payload JSON (ignored when unreadable). */
static int read_payload(struct fu_ctx *ctx, struct outbox_item *it)
{
	json_t *j = it->payload ? json_loads(it->payload, 0, NULL) : NULL;
	int rc = FU_OK;

	if (!j)
		return FU_OK;
	rc = set_str(ctx, &it->to, json_string_value(json_object_get(j, "to")));
	if (!rc)
		rc = set_str(ctx, &it->subject, json_string_value(json_object_get(j, "subject")));
	it->transactional = json_is_true(json_object_get(j, "transactional"));
	json_decref(j);
	return rc;
}

/* Folds one message event into it (events come in id order). */
static int item_apply(struct fu_ctx *ctx, struct outbox_item *it, const struct event *e,
		      int sender_running)
{
	int o = message_outcome_of(e->outcome);
	int rc = FU_OK;

	it->events++;
	it->last_at = e->time;
	if (!it->channel)
		rc = set_str(ctx, &it->channel, e->channel);
	switch (o) {
	case MSG_ATTEMPT:
		it->tries++;
		if (it->first_try == FU_TIME_NONE)
			it->first_try = e->time;
		it->state = sender_running ? OB_SENDING : OB_UNCERTAIN;
		it->next_try = FU_TIME_NONE;
		if (!rc && e->note)
			rc = set_str(ctx, &it->payload, e->note);
		break;
	case MSG_SENT: it->state = OB_SENT; break;
	case MSG_DEFERRED:
		it->state = OB_DEFERRED;
		it->next_try = e->due;
		break;
	case MSG_FAILED: it->state = OB_FAILED; break;
	case MSG_BOUNCED: it->state = OB_BOUNCED; break;
	case MSG_DROPPED: it->state = OB_DROPPED; break;
	case MSG_RESEND:
		it->state = OB_QUEUED;
		it->next_try = e->time;
		break;
	default:
		break; /* an outcome from a later version: keep the state */
	}
	if (!rc && o != MSG_ATTEMPT && o != MSG_RESEND)
		rc = set_str(ctx, &it->why, e->note);
	return rc;
}

struct fold {
	struct outbox *out;
	int sender_running;
};

static int fold_message(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	struct fold *f = arg;
	struct outbox *o = f->out;
	struct outbox_item *it = o->n ? &o->v[o->n - 1] : NULL;

	if (!e->ref || strlen(e->ref) >= MESSAGE_ID_MAX)
		return FU_OK;
	if (!it || strcmp(it->id, e->ref) != 0) {
		if (fu_grow(ctx, &o->v, &o->cap, (size_t)o->n + 1, sizeof(*o->v), 16,
			    "reading the outbox"))
			return ctx->rc;
		it = &o->v[o->n++];
		item_init(it);
		snprintf(it->id, sizeof(it->id), "%s", e->ref);
		it->contact_id = e->contact_id;
	}
	return item_apply(ctx, it, e, f->sender_running);
}

/* Whether a sender holds the lock at path now (0 when it cannot be told). */
static int sender_running(const char *lock_path)
{
	int fd;

	if (!lock_path)
		return 0;
	fd = open(lock_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		close(fd);
		return 0;
	}
	close(fd);
	return errno == EWOULDBLOCK;
}

/* Takes the senders' lock at path without waiting, exclusive or shared; *busy when held. */
static int lock_take(struct fu_ctx *ctx, const char *path, int how, int *fd, int *busy)
{
	*busy = 0;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return fu_err(ctx, FU_EIO, "%s: %s", path, strerror(errno));
	if (flock(*fd, how | LOCK_NB) != 0) {
		int e = errno;

		close(*fd);
		*fd = -1;
		if (e == EWOULDBLOCK) {
			*busy = 1;
			return FU_OK;
		}
		return fu_err(ctx, FU_EIO, "%s: %s", path, strerror(e));
	}
	return FU_OK;
}

int outbox_lock(struct fu_ctx *ctx, const char *path, int *fd)
{
	int busy, rc = lock_take(ctx, path, LOCK_EX, fd, &busy);

	if (!rc && busy)
		return fu_err(ctx, FU_EINPUT, "%s: another sender is running ('followup send', or "
			      "a person's 'done --send'): try again in a moment", path);
	return rc;
}

void outbox_lock_path(const char *db_path, char *out, size_t n)
{
	snprintf(out, n, "%s.send.lock", db_path);
}

void outbox_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* The messages taken so far, with payloads read; the caller releases *out. */
static int taken(struct fu_ctx *ctx, struct store *s, int running, struct outbox *out)
{
	struct fold f = { out, running };
	int rc = store_messages_scan(ctx, s, fold_message, &f);

	for (int i = 0; !rc && i < out->n; i++)
		rc = read_payload(ctx, &out->v[i]);
	return rc;
}

/* One automated reason of the agenda, due by now, not taken. */
struct pending {
	char id[MESSAGE_ID_MAX];
	int64_t contact_id;
	int64_t due;
	int trigger;
	int channel;  /* enum channel: automated */
	char *key;
	char *subject;
};

struct pendings {
	struct pending *v;
	int n;
	size_t cap;
};

static void pendings_release(struct pendings *p)
{
	for (int i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].subject);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static void reason_identity(const struct playbook *pb, int64_t contact_id, const struct reason *r,
			    char id[MESSAGE_ID_MAX])
{
	message_identity(contact_id, trigger_name(r->trigger), pb->rules[r->rule].name, r->since,
			 id);
}

/* The automated messages of the agenda at now whose moment has come, by contact id. */
static int due_now(struct fu_ctx *ctx, struct store *s, const struct playbook *pb, int64_t now,
		   struct pendings *out)
{
	struct agenda_opts opts;
	struct agenda a;
	int rc;

	memset(&opts, 0, sizeof(opts));
	memset(out, 0, sizeof(*out));
	opts.now = now;
	opts.all = 1;
	opts.jobs = 1;
	rc = agenda_build(ctx, s, pb, &opts, &a);
	if (rc)
		return rc;
	for (int i = 0; !rc && i < a.n; i++) {
		const struct followup *f = &a.v[i];

		for (int k = 0; !rc && k < f->nreasons; k++) {
			const struct reason *r = &f->reasons[k];
			struct pending *p;

			if (channel_is_personal(r->channel) || r->due > now)
				continue;
			if (fu_grow(ctx, &out->v, &out->cap, (size_t)out->n + 1, sizeof(*out->v), 16,
				    "listing the outbox")) {
				rc = ctx->rc;
				break;
			}
			p = &out->v[out->n];
			reason_identity(pb, f->contact_id, r, p->id);
			p->contact_id = f->contact_id;
			p->due = r->due;
			p->trigger = r->trigger;
			p->channel = r->channel;
			p->key = strdup(f->key ? f->key : "");
			p->subject = strdup(reason_subject(r));
			if (!p->key || !p->subject) {
				free(p->key);
				free(p->subject);
				rc = fu_err(ctx, FU_ENOMEM, "out of memory listing the outbox");
			} else {
				out->n++;
			}
		}
	}
	agenda_release(&a);
	if (rc)
		pendings_release(out);
	return rc;
}

static int cmp_pending(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->contact_id != y->contact_id)
		return x->contact_id < y->contact_id ? -1 : 1;
	return (x->due > y->due) - (x->due < y->due);
}

/* Fills the contact keys of the taken messages. */
static int fill_keys(struct fu_ctx *ctx, struct store *s, struct outbox *o)
{
	int rc = FU_OK;

	for (int i = 0; !rc && i < o->n; i++) {
		struct contact c;

		if (o->v[i].key)
			continue;
		contact_init(&c);
		rc = store_contact_get_id(ctx, s, o->v[i].contact_id, &c);
		if (rc == FU_ENOTFOUND)
			rc = FU_OK;
		if (!rc)
			rc = set_str(ctx, &o->v[i].key, c.key);
		contact_release(&c);
	}
	return rc;
}

int outbox_list(struct fu_ctx *ctx, struct store *s, const struct playbook *pb, int64_t now,
		const char *lock_path, int queued, struct outbox *out)
{
	struct pendings p = { 0 };
	int rc;

	outbox_init(out);
	rc = taken(ctx, s, sender_running(lock_path), out);
	if (!rc)
		rc = fill_keys(ctx, s, out);
	if (!rc && queued)
		rc = due_now(ctx, s, pb, now, &p);
	if (!rc && p.n)
		qsort(p.v, (size_t)p.n, sizeof(*p.v), cmp_pending);
	for (int i = 0; !rc && i < p.n; i++) {
		struct outbox_item *it;

		if (fu_grow(ctx, &out->v, &out->cap, (size_t)out->n + 1, sizeof(*out->v), 16,
			    "listing the outbox")) {
			rc = ctx->rc;
			break;
		}
		it = &out->v[out->n++];
		item_init(it);
		snprintf(it->id, sizeof(it->id), "%s", p.v[i].id);
		it->contact_id = p.v[i].contact_id;
		it->state = OB_QUEUED;
		it->due = p.v[i].due;
		rc = set_str(ctx, &it->key, p.v[i].key);
		if (!rc)
			rc = set_str(ctx, &it->channel, message_channel(p.v[i].channel));
		if (!rc)
			rc = set_str(ctx, &it->subject, p.v[i].subject);
	}
	pendings_release(&p);
	if (rc)
		outbox_release(out);
	return rc;
}

/* ---- recording ---- */

/* One event the outbox records, as text (record.h validates it as an imported row). */
struct msg_event {
	struct event_text t;
	char ext[MESSAGE_ID_MAX + 32];
	char time[40], due[40];
};

/*
 * Records the n events (record_event_in: validated, appended, the contact folded again), in
 * one transaction of its own when `own` (else in the caller's).
 */
static int record(struct fu_ctx *ctx, struct store *s, struct msg_event *ev, int n, int64_t now,
		  int own)
{
	struct record_result r;
	int rc = own ? store_begin(ctx, s) : FU_OK;

	for (int i = 0; !rc && i < n; i++)
		rc = record_event_in(ctx, s, &ev[i].t, now, &r);
	if (!rc && own)
		rc = store_commit(ctx, s);
	if (rc && own)
		store_rollback(s);
	return rc;
}

/*
 * A message event of contact `key` about identity id at now: ext_id "<id>/<outcome>/<seq>".
 * The strings are borrowed until it is recorded.
 */
static void message_event(struct msg_event *e, const char *key, const char *id, int outcome,
			  int seq, int64_t now, const char *channel, const char *note)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->ext, sizeof(e->ext), "%s/%s/%d", id, message_outcome_info(outcome)->name, seq);
	dt_format_iso(now, e->time, sizeof(e->time));
	e->t.id = e->ext;
	e->t.type = event_type_name(EV_MESSAGE);
	e->t.contact = key;
	e->t.time = e->time;
	e->t.ref = id;
	e->t.channel = channel;
	e->t.outcome = message_outcome_info(outcome)->name;
	e->t.note = note;
}

/* Sets the next try of a deferred message event. */
static void message_event_due(struct msg_event *e, int64_t due)
{
	dt_format_iso(due, e->due, sizeof(e->due));
	e->t.due = e->due;
}

/* The one message `id` as it stands, in *it (item_release frees it); FU_ENOTFOUND if never taken. */
static int load_item(struct fu_ctx *ctx, struct store *s, const char *id, int running,
		     struct outbox_item *it)
{
	struct outbox o;
	struct fold f;
	int rc;

	outbox_init(&o);
	f.out = &o;
	f.sender_running = running;
	rc = store_messages_of(ctx, s, id, fold_message, &f);
	if (!rc && o.n == 0)
		rc = fu_err(ctx, FU_ENOTFOUND, "message '%.64s': no such message in the outbox", id);
	if (!rc)
		rc = read_payload(ctx, &o.v[0]);
	if (!rc) {
		*it = o.v[0];
		o.n = 0;
	}
	outbox_release(&o);
	return rc;
}

static int decide(struct fu_ctx *ctx, struct store *s, const char *id, int64_t now,
		  const char *lock_path, int outcome)
{
	struct outbox_item it;
	struct msg_event e;
	struct contact c;
	int rc = store_begin(ctx, s), ok;

	if (rc)
		return rc;
	item_init(&it);
	rc = load_item(ctx, s, id, sender_running(lock_path), &it);
	if (!rc) {
		if (outcome == MSG_RESEND)
			ok = it.state == OB_UNCERTAIN || it.state == OB_FAILED ||
			     it.state == OB_DROPPED || it.state == OB_DEFERRED;
		else
			ok = it.state != OB_SENT && it.state != OB_DROPPED && it.state != OB_SENDING;
		if (!ok)
			rc = fu_err(ctx, FU_EINPUT, "message '%s' is %s: it cannot be %s", id,
				    outbox_state_name(it.state),
				    outcome == MSG_RESEND ? "sent again" : "dropped");
	}
	if (!rc) {
		contact_init(&c);
		rc = store_contact_get_id(ctx, s, it.contact_id, &c);
		message_event(&e, c.key, it.id, outcome, it.events + 1, now, it.channel,
			      outcome == MSG_DROPPED ? "dropped by a person" : NULL);
		if (!rc)
			rc = record(ctx, s, &e, 1, now, 0);
		contact_release(&c);
	}
	if (!rc)
		rc = store_commit(ctx, s);
	if (rc)
		store_rollback(s);
	item_release(&it);
	return rc;
}

int outbox_resend(struct fu_ctx *ctx, struct store *s, const char *id, int64_t now,
		  const char *lock_path)
{
	return decide(ctx, s, id, now, lock_path, MSG_RESEND);
}

int outbox_drop(struct fu_ctx *ctx, struct store *s, const char *id, int64_t now,
		const char *lock_path)
{
	return decide(ctx, s, id, now, lock_path, MSG_DROPPED);
}

/* ---- sending ---- */

struct pass {
	struct store *s;
	const struct playbook *pb;
	const struct sendconf *conf;
	const struct outbox_send_opts *o;
	struct smtp *smtp;
	struct webhook *webhook;
	struct tz_cache *zones;
	outbox_report_fn report;
	void *arg;
	struct outbox_totals *t;
	int handled;
};

enum verdict { GO, WAIT, DROP, REFUSE /* it cannot go as it is: failed, with why */ };

static const struct tz *zone_of(struct pass *p, const char *name)
{
	const struct tz *z = NULL;
	struct fu_ctx tmp;

	fu_ctx_init(&tmp);
	if (name && tz_cache_get(&tmp, p->zones, name, &z) == FU_OK)
		return z;
	if (p->pb->default_tz && tz_cache_get(&tmp, p->zones, p->pb->default_tz, &z) == FU_OK)
		return z;
	if (tz_cache_get(&tmp, p->zones, "UTC", &z) == FU_OK)
		return z;
	return NULL;
}

/* 1 when the local day of t in z is a business day (or the week has none at all). */
static int business_day(const struct bizhours *h, const struct tz *z, int64_t t)
{
	struct civil cv;
	int wd, any = 0;

	for (int d = 0; d < 7; d++)
		any |= h->open[d] >= 0 && h->open[d] < h->close[d];
	if (!any)
		return 1;
	tz_to_local(z, t, &cv);
	wd = (int)(((dt_days_from_civil(cv.year, cv.month, cv.day) + 3) % 7 + 7) % 7);
	return h->open[wd] >= 0 && h->open[wd] < h->close[wd];
}

static int collect(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	return event_list_add(ctx, arg, e);
}

/*
 * Everything checked again at the moment of sending, from the contact's timeline as it is
 * now: consent, the address, quiet hours and business days in their zone, and the weekly
 * pressure budget over every channel (messages that may have gone count).
 */
static void check(struct pass *p, const struct contact *c, const struct contact_state *st,
		  const struct event_list *ev, int email, const char *to, int transactional,
		  int personal, int *verdict, int64_t *until, char *why, size_t whyn)
{
	const struct playbook *pb = p->pb;
	int64_t now = p->o->now, oldest = INT64_MAX;
	const struct tz *z = zone_of(p, c->tz);
	int n = 0;

	*verdict = DROP;
	*until = FU_TIME_NONE;
	if (st->do_not_contact) {
		snprintf(why, whyn, "they asked for no contact");
		return;
	}
	if (email && st->opted_out_email) {
		snprintf(why, whyn, "they opted out of e-mail");
		return;
	}
	if (email && (!to || !mime_addr_ok(to))) {
		snprintf(why, whyn, "no usable e-mail address");
		return;
	}
	for (int i = 0; i < ev->n; i++) {
		const struct event *e = &ev->v[i];

		if (email && e->type == EV_BOUNCE && e->ref && !strcasecmp(e->ref, to)) {
			snprintf(why, whyn, "the address %.200s bounced", to);
			return;
		}
	}
	*verdict = WAIT;
	if (personal) {
		/* a person's own message: their choice of moment, not the budget's */
		*verdict = GO;
		why[0] = 0;
		return;
	}
	if (!z) {
		snprintf(why, whyn, "no time zone available");
		return;
	}
	if (quiet_hours_is_quiet(&pb->quiet, z, now)) {
		*until = quiet_hours_next_allowed(&pb->quiet, z, now);
		snprintf(why, whyn, "quiet hours in their zone");
		return;
	}
	if (!business_day(&pb->hours, z, now)) {
		*until = bizhours_next_open(&pb->hours, z, now);
		snprintf(why, whyn, "not a business day in their zone");
		return;
	}
	if (!transactional && pb->touches_per_week > 0) {
		for (int i = 0; i < ev->n; i++) {
			const struct event *e = &ev->v[i];
			int counts = 0;

			if (e->time <= now - 7 * DAY || e->time > now)
				continue;
			if (e->type == EV_TOUCH)
				counts = outcome_is_felt(e->outcome);
			if (e->type == EV_MESSAGE && e->ref) {
				/* a message counts once, by its last word: sent, or an attempt unanswered */
				int last = 1;

				for (int k = i + 1; k < ev->n && last; k++)
					last = !(ev->v[k].type == EV_MESSAGE && ev->v[k].ref &&
						 !strcmp(ev->v[k].ref, e->ref));
				counts = last && (message_outcome_felt(e->ref, e->outcome) ||
						  message_outcome_of(e->outcome) == MSG_ATTEMPT);
			}
			if (counts) {
				n++;
				oldest = e->time < oldest ? e->time : oldest;
			}
		}
		if (n >= pb->touches_per_week) {
			*until = oldest + 7 * DAY;
			snprintf(why, whyn, "%d touches this week already (the budget is %d)", n,
				 pb->touches_per_week);
			return;
		}
	}
	*verdict = GO;
	why[0] = 0;
}

/* The domain of an address ("shop.example" of "news@shop.example"). */
static const char *domain_of(const char *addr)
{
	const char *at = addr ? strchr(addr, '@') : NULL;

	return at ? at + 1 : "followup.invalid";
}

/* The payload of a new message: what it says and to whom, as JSON (malloced; NULL on OOM). */
static char *new_payload(const struct pass *p, const struct followup *f, const struct reason *r,
			 const char *unsubscribe)
{
	const struct playbook *pb = p->pb;
	const char *owner_addr = sendconf_owner_address(p->conf, f->owner);
	char from_name[512];
	json_t *j;
	char *out;

	if (f->owner && pb->business_name)
		snprintf(from_name, sizeof(from_name), "%s at %s", f->owner, pb->business_name);
	else
		snprintf(from_name, sizeof(from_name), "%s",
			 pb->business_name ? pb->business_name : (f->owner ? f->owner : ""));
	j = json_pack("{s:s?, s:s?, s:s, s:s, s:s, s:o, s:b, s:s, s:s, s:s, s:s?, s:s?, s:s?}",
		      "to", f->email, "to_name", f->name, "from_name", from_name, "subject",
		      reason_subject(r), "text", r->say ? r->say : "", "reply_to",
		      owner_addr ? json_string(owner_addr) : json_null(), "transactional",
		      r->transactional, "trigger", trigger_name(r->trigger), "rule",
		      pb->rules[r->rule].name, "contact", f->key, "phone", f->phone, "owner",
		      f->owner, "unsubscribe_token", unsubscribe);
	if (!j)
		return NULL;
	if (unsubscribe && p->conf->unsubscribe_url) {
		char url[1024];

		snprintf(url, sizeof(url), "%s%stoken=%s", p->conf->unsubscribe_url,
			 strchr(p->conf->unsubscribe_url, '?') ? "&" : "?", unsubscribe);
		json_object_set_new(j, "unsubscribe_url", json_string(url));
	}
	out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return out;
}

/* The message text of a payload at now (appended to out). */
static int build_mail(struct fu_ctx *ctx, const struct pass *p, const char *id,
		      const char *payload, struct buf *out, char *to, size_t ton)
{
	json_t *j = json_loads(payload, 0, NULL);
	struct mail m;
	struct buf text, tracked;
	char msgid[MESSAGE_ID_MAX + 300];
	int rc;

	buf_init(&text, 1 << 20);
	buf_init(&tracked, 1 << 20);
	if (!j)
		return fu_err(ctx, FU_EINTERNAL, "message '%s': its stored text is not JSON", id);
	memset(&m, 0, sizeof(m));
	m.from_addr = json_string_value(json_object_get(j, "from_addr"));
	if (!m.from_addr)
		m.from_addr = p->conf->from;
	if (p->o->dry_run && !m.from_addr)
		m.from_addr = "dry-run@followup.invalid"; /* a dry run needs no settings */
	m.from_name = json_string_value(json_object_get(j, "from_name"));
	m.reply_to = json_string_value(json_object_get(j, "reply_to"));
	m.to_addr = json_string_value(json_object_get(j, "to"));
	m.to_name = json_string_value(json_object_get(j, "to_name"));
	m.subject = json_string_value(json_object_get(j, "subject"));
	m.text = json_string_value(json_object_get(j, "text"));
	m.unsubscribe_url = json_string_value(json_object_get(j, "unsubscribe_url"));
	/* with the server's address set, each link goes through /c/TOKEN (click.h) */
	if (m.text && p->conf->app_url) {
		rc = click_rewrite(ctx, p->s, p->conf->app_url, id, m.text, &tracked);
		if (rc) {
			json_decref(j);
			buf_release(&tracked);
			return rc;
		}
		m.text = buf_cstr(&tracked);
	}
	if (m.unsubscribe_url) {
		/* the link in the text too, for readers that show no header */
		rc = buf_addf(ctx, &text, "%s\n\n--\nTo get no more of these messages: %s\n",
			      m.text ? m.text : "", m.unsubscribe_url);
		if (rc) {
			json_decref(j);
			buf_release(&text);
			buf_release(&tracked);
			return rc;
		}
		m.text = buf_cstr(&text);
	}
	m.date = p->o->now;
	m.automated = !json_is_true(json_object_get(j, "personal"));
	snprintf(msgid, sizeof(msgid), "fu.%s@%s", id, domain_of(m.from_addr));
	m.message_id = msgid;
	rc = mime_build(ctx, &m, out);
	snprintf(to, ton, "%s", m.to_addr ? m.to_addr : "");
	json_decref(j);
	buf_release(&text);
	buf_release(&tracked);
	return rc;
}

/* The JSON body of a webhook message: its identity and what it says. */
static int build_webhook(struct fu_ctx *ctx, const char *id, const char *payload,
			 struct buf *out)
{
	json_t *j = json_loads(payload, 0, NULL), *b;
	char *text;
	int rc;

	if (!j)
		return fu_err(ctx, FU_EINTERNAL, "message '%s': its stored text is not JSON", id);
	b = json_pack("{s:s, s:s, s:o}", "id", id, "type", "followup.message", "message", j);
	text = b ? json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(b);
	if (!text)
		return fu_err(ctx, FU_ENOMEM, "out of memory building a webhook");
	rc = buf_adds(ctx, out, text);
	free(text);
	return rc;
}

/* What goes out for it: a MIME message, or a webhook's body; `to` says where (for reports). */
static int build_out(struct fu_ctx *ctx, const struct pass *p, const struct outbox_item *it,
		     struct buf *out, char *to, size_t ton)
{
	if (is_email(it))
		return build_mail(ctx, p, it->id, it->payload, out, to, ton);
	snprintf(to, ton, "%s", p->conf->webhook_url ? p->conf->webhook_url : "webhook");
	return build_webhook(ctx, it->id, it->payload, out);
}

/* Opens the connection it needs (before its attempt is committed: a bad setting stops here). */
static int transport_ready(struct fu_ctx *ctx, struct pass *p, const struct outbox_item *it)
{
	if (p->o->deliver)
		return FU_OK;
	if (!is_email(it))
		return p->webhook ? FU_OK : webhook_open(ctx, p->conf, &p->webhook);
	if (!p->conf->from || !*p->conf->from)
		return fu_err(ctx, FU_EINPUT,
			      "send settings: no from address (set 'from' in the send settings file "
			      "or $FOLLOWUP_MAIL_FROM)");
	return p->smtp ? FU_OK : smtp_open(ctx, p->conf, &p->smtp);
}

static int deliver(struct fu_ctx *ctx, struct pass *p, const struct outbox_item *it,
		   const struct buf *msg, const char *to, int *result, char *why, size_t whyn)
{
	if (p->o->deliver) {
		p->o->deliver(p->o->deliver_arg, it, to, buf_cstr(msg), msg->len, result, why, whyn);
		return FU_OK;
	}
	if (!is_email(it))
		return webhook_post(ctx, p->webhook, it->id, buf_cstr(msg), msg->len, p->o->now,
				    result, why, whyn);
	return smtp_send(ctx, p->smtp, p->conf->from, to, buf_cstr(msg), msg->len, result, why,
			 whyn);
}

static void tell(struct pass *p, const struct outbox_item *it)
{
	switch (it->state) {
	case OB_SENT: p->t->sent++; break;
	case OB_DEFERRED: p->t->deferred++; break;
	case OB_BOUNCED: p->t->bounced++; break;
	case OB_FAILED: p->t->failed++; break;
	case OB_UNCERTAIN: p->t->uncertain++; break;
	case OB_DROPPED: p->t->dropped++; break;
	default: p->t->waiting++; break;
	}
	if (p->report)
		p->report(p->arg, it);
}

/*
 * The touch event of a personal message that went (message_is_personal): the person's touch
 * on e-mail, its outcome, agreed date and internal note as the payload says, ref its identity.
 * *keep holds the payload the event's strings point into (json_decref it after recording);
 * NULL for an automated message.
 */
static int personal_touch(struct fu_ctx *ctx, const struct outbox_item *it, int64_t now,
			  struct msg_event *e, json_t **keep)
{
	json_t *j;

	*keep = NULL;
	if (!message_is_personal(it->id))
		return FU_OK;
	j = it->payload ? json_loads(it->payload, 0, NULL) : NULL;
	if (!j)
		return fu_err(ctx, FU_EINTERNAL, "message '%s': its stored text is not JSON", it->id);
	memset(e, 0, sizeof(*e));
	snprintf(e->ext, sizeof(e->ext), "%s/touch", it->id);
	dt_format_iso(now, e->time, sizeof(e->time));
	e->t.id = e->ext;
	e->t.type = event_type_name(EV_TOUCH);
	e->t.contact = it->key;
	e->t.time = e->time;
	e->t.ref = it->id;
	e->t.channel = "email";
	e->t.outcome = json_string_value(json_object_get(j, "outcome"));
	e->t.due = json_string_value(json_object_get(j, "next"));
	e->t.note = json_string_value(json_object_get(j, "touch_note"));
	*keep = j;
	return FU_OK;
}

/*
 * Takes message it (its payload set, it->events and tries as stored) inside the caller's
 * transaction: commits an attempt, hands it to the server, and records the outcome. The
 * transaction is always finished here.
 */
static int attempt(struct fu_ctx *ctx, struct pass *p, struct outbox_item *it)
{
	struct msg_event ev[2];
	char why[FU_MSG_MAX], to[320];
	struct buf msg;
	int64_t now = p->o->now;
	int rc, result, n = 1, settings = 0;
	json_t *touch = NULL; /* a personal message's payload, while its touch is recorded */

	buf_init(&msg, 1 << 20);
	rc = build_out(ctx, p, it, &msg, to, sizeof(to));
	if (rc == FU_EINPUT) {
		/* a message that cannot be written (a bad address) fails for good, on the record */
		snprintf(why, sizeof(why), "%s", ctx->msg);
		fu_ctx_init(ctx);
		message_event(&ev[0], it->key, it->id, MSG_FAILED, it->events + 1, now, it->channel,
			      why);
		it->state = OB_FAILED;
		rc = p->o->dry_run ? FU_OK : record(ctx, p->s, ev, 1, now, 0);
		goto finish;
	}
	if (rc)
		goto finish;
	if (p->o->dry_run) {
		it->state = OB_QUEUED;
		store_rollback(p->s);
		buf_release(&msg);
		p->t->ready++;
		if (p->report)
			p->report(p->arg, it);
		return FU_OK;
	}
	rc = transport_ready(ctx, p, it);
	if (rc) {
		store_rollback(p->s);
		buf_release(&msg);
		return rc;
	}
	/* the attempt is on the record before the server hears a word */
	message_event(&ev[0], it->key, it->id, MSG_ATTEMPT, it->events + 1, now, it->channel,
		      it->payload);
	rc = record(ctx, p->s, ev, 1, now, 0);
	if (!rc)
		rc = store_commit(ctx, p->s);
	if (rc == FU_EINPUT) {
		/* a message the log cannot keep (its text is too long for a note) cannot go */
		store_rollback(p->s);
		buf_release(&msg);
		snprintf(why, sizeof(why), "%s", ctx->msg);
		fu_ctx_init(ctx);
		message_event(&ev[0], it->key, it->id, MSG_FAILED, it->events + 1, now, it->channel,
			      why);
		it->state = OB_FAILED;
		rc = record(ctx, p->s, ev, 1, now, 1);
		if (!rc) {
			free(it->why);
			it->why = strdup(why);
			tell(p, it);
		}
		return rc;
	}
	if (rc) {
		store_rollback(p->s);
		buf_release(&msg);
		return rc;
	}
	it->events++;
	it->tries++;
	if (it->first_try == FU_TIME_NONE)
		it->first_try = now;
	rc = deliver(ctx, p, it, &msg, to, &result, why, sizeof(why));
	buf_release(&msg);
	if (rc)
		return rc; /* left as an attempt: uncertain, as after a crash */
	switch (result) {
	case SMTP_SENT:
		message_event(&ev[0], it->key, it->id, MSG_SENT, it->events + 1, now, it->channel,
			      why[0] ? why : NULL);
		it->state = OB_SENT;
		/* a person's message is their touch, recorded with it in one transaction */
		rc = personal_touch(ctx, it, now, &ev[1], &touch);
		if (rc)
			return rc; /* left as an attempt: uncertain, as after a crash */
		n = touch ? 2 : 1;
		break;
	case SMTP_SETTINGS: /* it goes again once the settings are put right */
	case SMTP_TEMPORARY:
		settings = result == SMTP_SETTINGS;
		if (now - it->first_try >= OUTBOX_GIVE_UP) {
			message_event(&ev[0], it->key, it->id, MSG_FAILED, it->events + 1, now,
				      it->channel, why);
			it->state = OB_FAILED;
		} else {
			int64_t delay = OUTBOX_RETRY_FIRST;

			for (int i = 1; i < it->tries && delay < OUTBOX_GIVE_UP; i++)
				delay *= 2;
			it->next_try = now + delay;
			if (it->next_try > it->first_try + OUTBOX_GIVE_UP)
				it->next_try = it->first_try + OUTBOX_GIVE_UP;
			message_event(&ev[0], it->key, it->id, MSG_DEFERRED, it->events + 1, now,
				      it->channel, why);
			message_event_due(&ev[0], it->next_try);
			it->state = OB_DEFERRED;
		}
		break;
	case SMTP_BOUNCE:
		if (!is_email(it)) {
			message_event(&ev[0], it->key, it->id, MSG_FAILED, it->events + 1, now,
				      it->channel, why);
			it->state = OB_FAILED;
			break;
		}
		message_event(&ev[0], it->key, it->id, MSG_BOUNCED, it->events + 1, now, "email",
			      why);
		/* the address itself is marked: no more e-mail goes to it */
		message_event(&ev[1], it->key, it->id, MSG_BOUNCED, it->events + 2, now, "email",
			      why);
		ev[1].t.type = event_type_name(EV_BOUNCE);
		ev[1].t.ref = to;
		ev[1].t.outcome = NULL;
		n = 2;
		it->state = OB_BOUNCED;
		break;
	case SMTP_REJECTED:
		message_event(&ev[0], it->key, it->id, MSG_FAILED, it->events + 1, now, it->channel,
			      why);
		it->state = OB_FAILED;
		break;
	default:
		/* it may have gone: left as an attempt, for a person to decide */
		it->state = OB_UNCERTAIN;
		free(it->why);
		it->why = strdup(why);
		tell(p, it);
		return FU_OK;
	}
	free(it->why);
	it->why = strdup(why);
	rc = record(ctx, p->s, ev, n, now, 1);
	json_decref(touch);
	if (!rc)
		tell(p, it);
	if (!rc && settings)
		rc = fu_err(ctx, FU_EINPUT, "send settings: %s (message '%s' waits, deferred)", why,
			    it->id);
	return rc;
finish:
	buf_release(&msg);
	if (!rc && !p->o->dry_run)
		rc = store_commit(ctx, p->s);
	if (rc || p->o->dry_run)
		store_rollback(p->s);
	if (!rc) {
		free(it->why);
		it->why = strdup(why);
		tell(p, it);
	}
	return rc;
}

/* The contact, its state and timeline as they are now (inside the caller's transaction). */
static int load_contact(struct fu_ctx *ctx, struct store *s, int64_t id, struct contact *c,
			struct contact_state *st, struct event_list *ev)
{
	int rc = store_contact_get_id(ctx, s, id, c);

	if (!rc) {
		rc = store_state_get(ctx, s, id, st);
		if (rc == FU_ENOTFOUND) {
			contact_state_init(st, id);
			rc = FU_OK;
		}
	}
	if (!rc)
		rc = store_events_of_contact(ctx, s, id, collect, ev);
	return rc;
}

/* Decides on a checked message: drop it on the record, leave it waiting, or attempt it. */
static int act(struct fu_ctx *ctx, struct pass *p, struct outbox_item *it, int verdict,
	       int64_t until, const char *why)
{
	struct msg_event e;
	int rc = FU_OK;

	if (verdict == GO)
		return attempt(ctx, p, it);
	free(it->why);
	it->why = strdup(why);
	if (verdict == WAIT) {
		store_rollback(p->s);
		it->next_try = until;
		tell(p, it);
		return FU_OK;
	}
	it->state = verdict == DROP ? OB_DROPPED : OB_FAILED;
	if (!p->o->dry_run) {
		message_event(&e, it->key, it->id, verdict == DROP ? MSG_DROPPED : MSG_FAILED,
			      it->events + 1, p->o->now, it->channel, why);
		rc = record(ctx, p->s, &e, 1, p->o->now, 0);
		if (!rc)
			rc = store_commit(ctx, p->s);
	}
	if (rc || p->o->dry_run)
		store_rollback(p->s);
	if (!rc)
		tell(p, it);
	return rc;
}

/*
 * An automated message longer than a message may be (message.h) is never cut: it is not
 * queued, and why says so (the rule's say or subject needs shortening).
 */
static void too_long(const char *text, const char *subject, int *verdict, char *why,
		     size_t whyn)
{
	size_t n = text ? strlen(text) : 0, ns = subject ? strlen(subject) : 0;

	if (n > MESSAGE_TEXT_MAX) {
		*verdict = REFUSE;
		snprintf(why, whyn, "its text is %zu bytes, more than the %d a message may have: "
			 "shorten the rule's say", n, MESSAGE_TEXT_MAX);
	} else if (ns > MESSAGE_SUBJECT_MAX) {
		*verdict = REFUSE;
		snprintf(why, whyn, "its subject is %zu bytes, more than the %d a subject may have: "
			 "shorten the rule's subject", ns, MESSAGE_SUBJECT_MAX);
	}
}

/* A new message: the agenda must still hold it, due, at this moment. */
static int send_new(struct fu_ctx *ctx, struct pass *p, const struct pending *pd)
{
	struct outbox_item it;
	struct followup f;
	struct contact c;
	struct contact_state st;
	struct event_list ev;
	const struct reason *r = NULL;
	char why[256], token[UNSUBSCRIBE_TOKEN_MAX] = "";
	int64_t until;
	int rc, open = 0, verdict;

	item_init(&it);
	contact_init(&c);
	contact_state_init(&st, pd->contact_id);
	event_list_init(&ev);
	rc = store_begin(ctx, p->s);
	if (rc)
		goto out;
	rc = agenda_contact(ctx, p->s, p->pb, pd->contact_id, p->o->now, &f, &open);
	for (int k = 0; !rc && open && k < f.nreasons && !r; k++) {
		char id[MESSAGE_ID_MAX];

		reason_identity(p->pb, pd->contact_id, &f.reasons[k], id);
		if (!channel_is_personal(f.reasons[k].channel) && f.reasons[k].due <= p->o->now &&
		    !strcmp(id, pd->id))
			r = &f.reasons[k];
	}
	if (!rc && !r) {
		store_rollback(p->s); /* no longer due: something happened since the agenda */
		goto out;
	}
	if (!rc)
		rc = load_contact(ctx, p->s, pd->contact_id, &c, &st, &ev);
	if (rc) {
		store_rollback(p->s);
		goto out;
	}
	snprintf(it.id, sizeof(it.id), "%s", pd->id);
	it.contact_id = pd->contact_id;
	it.state = OB_QUEUED;
	it.due = r->due;
	it.transactional = r->transactional;
	it.key = strdup(f.key ? f.key : "");
	it.channel = strdup(message_channel(r->channel));
	it.subject = strdup(reason_subject(r));
	it.to = f.email ? strdup(f.email) : NULL;
	/* a message that is not transactional carries a way out (e-mail: a signed link) */
	if (r->channel == CH_AUTO_EMAIL && !r->transactional && !p->o->dry_run)
		rc = unsubscribe_token(ctx, p->s, pd->contact_id, 'e', token);
	if (rc) {
		store_rollback(p->s);
		goto out;
	}
	it.payload = new_payload(p, &f, r, token[0] ? token : NULL);
	if (!it.key || !it.channel || !it.subject || (f.email && !it.to) || !it.payload) {
		store_rollback(p->s);
		rc = fu_err(ctx, FU_ENOMEM, "out of memory sending");
		goto out;
	}
	check(p, &c, &st, &ev, r->channel == CH_AUTO_EMAIL, f.email, r->transactional, 0,
	      &verdict, &until, why, sizeof(why));
	if (verdict != DROP)
		too_long(r->say, reason_subject(r), &verdict, why, sizeof(why));
	rc = act(ctx, p, &it, verdict, until, why);
out:
	if (open)
		followup_release(&f);
	item_release(&it);
	contact_release(&c);
	contact_state_release(&st);
	event_list_release(&ev);
	return rc;
}

/* A message taken before whose next try has come (deferred, or asked for again). */
static int send_again(struct fu_ctx *ctx, struct pass *p, const char *id)
{
	struct outbox_item it;
	struct contact c;
	struct contact_state st;
	struct event_list ev;
	char why[256];
	int64_t until;
	int rc, verdict;

	item_init(&it);
	contact_init(&c);
	event_list_init(&ev);
	contact_state_init(&st, 0);
	rc = store_begin(ctx, p->s);
	if (rc)
		goto out;
	rc = load_item(ctx, p->s, id, 1, &it);
	if (!rc && !((it.state == OB_DEFERRED && it.next_try <= p->o->now) ||
		     it.state == OB_QUEUED)) {
		store_rollback(p->s);
		goto out;
	}
	if (!rc && !it.payload)
		rc = fu_err(ctx, FU_EINTERNAL, "message '%s': no stored text to send again", id);
	if (!rc)
		rc = load_contact(ctx, p->s, it.contact_id, &c, &st, &ev);
	if (!rc)
		rc = set_str(ctx, &it.key, c.key);
	if (rc) {
		store_rollback(p->s);
		goto out;
	}
	check(p, &c, &st, &ev, is_email(&it), it.to, it.transactional, message_is_personal(it.id),
	      &verdict, &until, why, sizeof(why));
	rc = act(ctx, p, &it, verdict, until, why);
out:
	item_release(&it);
	contact_release(&c);
	contact_state_release(&st);
	event_list_release(&ev);
	return rc;
}

int outbox_send(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		const struct sendconf *conf, const struct outbox_send_opts *opts,
		outbox_report_fn report, void *arg, struct outbox_totals *totals)
{
	struct pass p;
	struct outbox taken_now;
	struct pendings pend = { 0 };
	int rc, done = 0;

	memset(totals, 0, sizeof(*totals));
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.pb = pb;
	p.conf = conf;
	p.o = opts;
	p.report = report;
	p.arg = arg;
	p.t = totals;
	p.zones = tz_cache_new();
	if (!p.zones)
		return fu_err(ctx, FU_ENOMEM, "out of memory sending");
	outbox_init(&taken_now);
	/* first the messages taken before whose time has come again, then the new ones */
	rc = taken(ctx, s, 1, &taken_now);
	for (int i = 0; !rc && i < taken_now.n; i++) {
		const struct outbox_item *it = &taken_now.v[i];

		if (opts->limit && done >= opts->limit)
			break;
		if ((it->state == OB_DEFERRED && it->next_try <= opts->now) ||
		    it->state == OB_QUEUED) {
			rc = send_again(ctx, &p, it->id);
			done++;
		}
	}
	if (!rc)
		rc = due_now(ctx, s, pb, opts->now, &pend);
	if (!rc && pend.n)
		qsort(pend.v, (size_t)pend.n, sizeof(*pend.v), cmp_pending);
	for (int i = 0; !rc && i < pend.n; i++) {
		if (opts->limit && done >= opts->limit)
			break;
		rc = send_new(ctx, &p, &pend.v[i]);
		done++;
	}
	pendings_release(&pend);
	outbox_release(&taken_now);
	smtp_close(p.smtp);
	webhook_close(p.webhook);
	tz_cache_free(p.zones);
	return rc;
}

/* ---- a person's own e-mail ---- */

void outbox_draft_init(struct outbox_draft *d)
{
	memset(d, 0, sizeof(*d));
}

void outbox_draft_release(struct outbox_draft *d)
{
	free(d->key);
	free(d->name);
	free(d->to);
	free(d->owner);
	free(d->from_addr);
	free(d->from_name);
	free(d->reply_to);
	free(d->subject);
	free(d->text);
	outbox_draft_init(d);
}

/* The name a message is from: "OWNER at BUSINESS", or either alone. */
static void from_name_of(const struct playbook *pb, const char *owner, char *out, size_t n)
{
	if (owner && pb->business_name)
		snprintf(out, n, "%s at %s", owner, pb->business_name);
	else
		snprintf(out, n, "%s", pb->business_name ? pb->business_name : (owner ? owner : ""));
}

/* Copies the follow-up's profile and its personal text into d; FU_EINPUT when it has none. */
static int draft_fill(struct fu_ctx *ctx, const struct playbook *pb, const struct sendconf *conf,
		      const struct followup *f, struct outbox_draft *d)
{
	const struct reason *first = NULL;
	const char *owner_addr = sendconf_owner_address(conf, f->owner);
	char from[512];
	struct buf text;
	int rc = FU_OK;

	buf_init(&text, 1 << 20);
	for (int k = 0; !rc && k < f->nreasons; k++) {
		const struct reason *r = &f->reasons[k];

		if (!channel_is_personal(r->channel))
			continue;
		rc = buf_addf(ctx, &text, "%s%s", first ? "\n" : "", r->say ? r->say : "");
		first = first ? first : r;
	}
	if (!rc && !first)
		rc = fu_err(ctx, FU_EINPUT,
			    "follow-up '%s' is automated: 'followup send' sends it on its own", f->id);
	if (rc) {
		buf_release(&text);
		return rc;
	}
	from_name_of(pb, f->owner, from, sizeof(from));
	snprintf(d->followup, sizeof(d->followup), "%s", f->id);
	message_identity_personal(f->contact_id, f->id, d->id);
	d->contact_id = f->contact_id;
	d->text = buf_detach(&text);
	if (!d->text)
		d->text = strdup("");
	if (set_str(ctx, &d->key, f->key) || set_str(ctx, &d->name, f->name) ||
	    set_str(ctx, &d->to, f->email) || set_str(ctx, &d->owner, f->owner) ||
	    set_str(ctx, &d->from_addr, owner_addr) || set_str(ctx, &d->from_name, from) ||
	    set_str(ctx, &d->reply_to, owner_addr) ||
	    set_str(ctx, &d->subject, reason_subject(first)) || !d->text)
		return fu_err(ctx, FU_ENOMEM, "out of memory writing an e-mail");
	return FU_OK;
}

/*
 * The draft of followup_id at now with everything that forbids it checked, as the store is
 * (inside the caller's transaction when it has one). p: a pass for its clock and zones.
 */
static int draft_checked(struct fu_ctx *ctx, struct pass *p, const char *followup_id,
			 struct outbox_draft *d)
{
	struct followup f;
	struct contact c;
	struct contact_state st;
	struct event_list ev;
	struct outbox_item it;
	int64_t until;
	char why[256];
	int rc, open = 0, verdict;

	outbox_draft_init(d);
	contact_init(&c);
	contact_state_init(&st, 0);
	event_list_init(&ev);
	item_init(&it);
	rc = agenda_followup(ctx, p->s, p->pb, followup_id, p->o->now, &f);
	open = !rc;
	if (!rc)
		rc = draft_fill(ctx, p->pb, p->conf, &f, d);
	/* one follow-up, one e-mail: whatever became of it, a person looks in the outbox */
	if (!rc) {
		rc = load_item(ctx, p->s, d->id, 0, &it);
		if (rc == FU_ENOTFOUND) {
			fu_ctx_init(ctx);
			rc = FU_OK;
		} else if (!rc) {
			rc = fu_err(ctx, FU_EINPUT,
				    "follow-up '%s': its e-mail is already in the outbox (message "
				    "'%s', %s%s): see 'followup outbox'",
				    followup_id, it.id, outbox_state_name(it.state),
				    it.state == OB_UNCERTAIN ? ": it may have gone" : "");
		}
	}
	if (!rc)
		rc = load_contact(ctx, p->s, f.contact_id, &c, &st, &ev);
	if (!rc) {
		check(p, &c, &st, &ev, 1, d->to, 1, 1, &verdict, &until, why, sizeof(why));
		if (verdict != GO)
			rc = fu_err(ctx, FU_EINPUT, "follow-up '%s': no e-mail to %.64s: %s",
				    followup_id, d->key, why);
	}
	if (open)
		followup_release(&f);
	item_release(&it);
	contact_release(&c);
	contact_state_release(&st);
	event_list_release(&ev);
	return rc;
}

/* A pass for one personal message (pass_end releases it). */
static int pass_personal(struct fu_ctx *ctx, struct pass *p, struct outbox_send_opts *o,
			 struct outbox_totals *t, struct store *s, const struct playbook *pb,
			 const struct sendconf *conf, int64_t now)
{
	memset(p, 0, sizeof(*p));
	memset(o, 0, sizeof(*o));
	memset(t, 0, sizeof(*t));
	o->now = now;
	p->s = s;
	p->pb = pb;
	p->conf = conf;
	p->o = o;
	p->t = t;
	p->zones = tz_cache_new();
	if (!p->zones)
		return fu_err(ctx, FU_ENOMEM, "out of memory sending");
	return FU_OK;
}

static void pass_end(struct pass *p)
{
	smtp_close(p->smtp);
	webhook_close(p->webhook);
	tz_cache_free(p->zones);
}

int outbox_personal_draft(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
			  const struct sendconf *conf, const char *followup_id, int64_t now,
			  struct outbox_draft *d)
{
	struct outbox_send_opts o;
	struct outbox_totals t;
	struct playbook own;
	struct pass p;
	int rc = FU_OK;

	outbox_draft_init(d);
	playbook_init(&own);
	if (!pb) {
		rc = agenda_playbook(ctx, s, &own);
		pb = &own;
	}
	if (!rc)
		rc = pass_personal(ctx, &p, &o, &t, s, pb, conf, now);
	if (!rc) {
		rc = draft_checked(ctx, &p, followup_id, d);
		pass_end(&p);
	}
	playbook_release(&own);
	return rc;
}

/* 1 when s holds something besides white space. */
static int has_words(const char *s)
{
	for (; s && *s; s++)
		if (!strchr(" \t\r\n", *s))
			return 1;
	return 0;
}

/* What a person wrote, checked: never cut, one subject line, an outcome the touch can take. */
static int personal_checks(struct fu_ctx *ctx, const struct outbox_personal *req,
			   const char *subject, const char *text)
{
	size_t n = strlen(text), ns = strlen(subject);

	if (!has_words(text))
		return fu_err(ctx, FU_EINPUT, "text: empty, nothing to send");
	if (n > MESSAGE_TEXT_MAX)
		return fu_err(ctx, FU_EINPUT,
			      "text: %zu bytes, more than the %d a message may have (shorten it; "
			      "nothing was sent)", n, MESSAGE_TEXT_MAX);
	if (!has_words(subject))
		return fu_err(ctx, FU_EINPUT, "subject: empty");
	if (strpbrk(subject, "\r\n"))
		return fu_err(ctx, FU_EINPUT, "subject: more than one line");
	if (ns > MESSAGE_SUBJECT_MAX)
		return fu_err(ctx, FU_EINPUT, "subject: %zu bytes, more than the %d a subject may "
			      "have", ns, MESSAGE_SUBJECT_MAX);
	if (req->outcome || req->next)
		return record_check_outcome(ctx, req->outcome, req->next);
	return FU_OK;
}

/* The payload of a personal message (malloced; NULL on out-of-memory). */
static char *personal_payload(const struct outbox_draft *d, const struct outbox_personal *req,
			      const char *subject, const char *text)
{
	json_t *j;
	char *out;

	j = json_pack("{s:s, s:s?, s:s, s:s?, s:s, s:s, s:s?, s:b, s:b, s:s, s:s, s:s?, s:s?, "
		      "s:s?, s:s?}",
		      "to", d->to, "to_name", d->name, "from_name", d->from_name, "from_addr",
		      d->from_addr, "subject", subject, "text", text, "reply_to", d->reply_to,
		      "transactional", 1, "personal", 1, "followup", d->followup, "contact",
		      d->key, "owner", d->owner, "outcome", req->outcome, "next", req->next,
		      "touch_note", req->note);
	if (!j)
		return NULL;
	out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return out;
}

static void personal_report(void *arg, const struct outbox_item *it)
{
	struct outbox_personal_result *res = arg;

	res->state = it->state;
	res->next_try = it->state == OB_DEFERRED ? it->next_try : FU_TIME_NONE;
	snprintf(res->why, sizeof(res->why), "%s", it->why ? it->why : "");
}

int outbox_send_personal(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
			 const struct sendconf *conf, const struct outbox_personal *req,
			 struct outbox_personal_result *res)
{
	struct outbox_send_opts o;
	struct outbox_totals t;
	struct outbox_draft d;
	struct outbox_item it;
	struct playbook own;
	struct pass p;
	struct buf msg;
	char to[320];
	const char *subject, *text;
	int rc = FU_OK, began = 0, lock = -1;

	memset(res, 0, sizeof(*res));
	res->state = OB_QUEUED;
	res->next_try = FU_TIME_NONE;
	outbox_draft_init(&d);
	item_init(&it);
	buf_init(&msg, 1 << 20);
	playbook_init(&own);
	if (!pb) {
		rc = agenda_playbook(ctx, s, &own);
		pb = &own;
	}
	if (!rc)
		rc = pass_personal(ctx, &p, &o, &t, s, pb, conf, req->now);
	if (rc)
		goto out_pb;
	o.deliver = req->deliver;
	o.deliver_arg = req->deliver_arg;
	p.report = personal_report;
	p.arg = res;
	/*
	 * the senders' lock, shared: while this message is in flight `outbox` shows it
	 * `sending`, not `uncertain`, so nobody resends it (when a pass holds the lock, its
	 * lock says the same)
	 */
	if (req->lock_path) {
		int busy;

		rc = lock_take(ctx, req->lock_path, LOCK_SH, &lock, &busy);
		if (rc) {
			pass_end(&p);
			goto out_pb;
		}
	}
	/* checked and taken in one write transaction: two senders cannot both take it */
	rc = store_begin(ctx, s);
	began = !rc;
	if (!rc)
		rc = draft_checked(ctx, &p, req->followup_id, &d);
	subject = req->subject ? req->subject : d.subject;
	text = req->text ? req->text : d.text;
	if (!rc)
		rc = personal_checks(ctx, req, subject ? subject : "", text ? text : "");
	if (!rc) {
		snprintf(res->id, sizeof(res->id), "%s", d.id);
		snprintf(res->key, sizeof(res->key), "%s", d.key);
		snprintf(res->to, sizeof(res->to), "%s", d.to);
		snprintf(it.id, sizeof(it.id), "%s", d.id);
		it.contact_id = d.contact_id;
		it.state = OB_QUEUED;
		it.transactional = 1;
		it.payload = personal_payload(&d, req, subject, text);
		if (!it.payload || set_str(ctx, &it.key, d.key) || set_str(ctx, &it.channel, "email") ||
		    set_str(ctx, &it.to, d.to) || set_str(ctx, &it.subject, subject))
			rc = fu_err(ctx, FU_ENOMEM, "out of memory writing an e-mail");
	}
	/* a message that cannot be written is refused before anything is recorded */
	if (!rc)
		rc = build_out(ctx, &p, &it, &msg, to, sizeof(to));
	if (!rc) {
		rc = attempt(ctx, &p, &it); /* finishes the transaction */
		began = 0;
	}
	if (began)
		store_rollback(s);
	pass_end(&p);
out_pb:
	outbox_unlock(lock);
	buf_release(&msg);
	item_release(&it);
	outbox_draft_release(&d);
	playbook_release(&own);
	return rc;
}
