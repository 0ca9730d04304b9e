/* demo.c - the demo business: generated, imported through the normal import, its last weeks' agendas worked */
#include "demo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agenda.h"
#include "datetime.h"
#include "import.h"
#include "record.h"

#include "banned.h"

/* The most recently active contact of three stages, for the overview. */
struct recent {
	int64_t now;
	struct demo_result *r;
	int64_t last[3];
};

static int pick_recent(struct fu_ctx *ctx, void *arg, const struct contact *c,
		       const struct contact_state *st)
{
	struct recent *r = arg;
	char (*keys)[FU_KEY_MAX + 1] = r->r->keys;
	int stage = contact_stage(st, r->now), slot = -1;

	/* one contact per stage among lead, repeat, dormant: the most recently active */
	if (stage == STAGE_LEAD)
		slot = 0;
	else if (stage == STAGE_REPEAT)
		slot = 1;
	else if (stage == STAGE_DORMANT)
		slot = 2;
	if (slot < 0 || st->last_event == FU_TIME_NONE || st->last_event > r->now)
		return FU_OK;
	if (!keys[slot][0] || st->last_event > r->last[slot]) {
		snprintf(keys[slot], sizeof(keys[slot]), "%s", c->key);
		r->last[slot] = st->last_event;
	}
	return FU_OK;
}

static int import_tmp(struct fu_ctx *ctx, struct store *s, FILE *f, const char *name, int kind,
		      int64_t now)
{
	struct import_opts o;
	struct import_result r;
	int rc;

	import_opts_init(&o);
	o.kind = kind;
	o.now = now;
	rewind(f);
	import_result_init(&r);
	rc = import_stream(ctx, s, f, name, &o, &r);
	import_result_release(&r);
	return rc;
}

#define DAY 86400

/* A fixed die for the demo's history: 0..99 from a contact and a day. */
static unsigned roll(int64_t contact_id, int64_t day)
{
	uint64_t h = (uint64_t)contact_id * 0x9E3779B97F4A7C15u ^ (uint64_t)day * 0xC2B2AE3D27D4EB4Fu;

	h ^= h >> 31;
	h *= 0xBF58476D1CE4E5B9u;
	h ^= h >> 29;
	return (unsigned)(h % 100);
}

/*
 * The business has kept up with its agenda for the last WORKED_DAYS days: each evening the
 * personal follow-ups of that day were done (a touch, as `followup done` records it; most
 * reached, some voicemail or no answer, one in five left undone). Automated messages are left
 * as they are. Returns the touches recorded in *n.
 */
static int work_history(struct fu_ctx *ctx, struct store *s, int64_t now, int64_t *n)
{
	struct playbook pb;
	int rc;

	*n = 0;
	playbook_init(&pb);
	rc = agenda_playbook(ctx, s, &pb);
	for (int d = WORKED_DAYS; !rc && d >= 1; d--) {
		int64_t day = now / DAY - d, evening = day * DAY + 23 * 3600;
		struct agenda_opts o = { .now = evening, .day = day, .jobs = 1 };
		struct agenda a;

		rc = agenda_build(ctx, s, &pb, &o, &a);
		if (rc)
			break;
		rc = store_begin(ctx, s);
		for (int i = 0; !rc && i < a.n; i++) {
			const struct followup *f = &a.v[i];
			unsigned r = roll(f->contact_id, day);
			struct event_text t = { 0 };
			struct record_result rr;
			char at[40];
			int64_t when = f->due > day * DAY + 15 * 3600 ? f->due : day * DAY + 15 * 3600;

			if (f->automated || r >= 80)
				continue;
			dt_format_iso(when, at, sizeof(at));
			t.type = "touch";
			t.contact = f->key;
			t.time = at;
			t.channel = f->channel == CH_AUTO_EMAIL ? "email" : channel_name(f->channel);
			t.outcome = r < 55 ? "reached" : r < 70 ? "voicemail" : "no-answer";
			rc = record_event_in(ctx, s, &t, when, &rr);
			*n += rr.stored;
		}
		if (!rc)
			rc = store_commit(ctx, s);
		else
			store_rollback(s);
		agenda_release(&a);
	}
	playbook_release(&pb);
	return rc;
}

int demo_create(struct fu_ctx *ctx, struct store *s, const char *name,
		const struct synth_opts *so, struct demo_result *r)
{
	int64_t events[EV__COUNT], total = 0, now = so->end;
	struct recent rec;
	FILE *cf = NULL, *ef = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	r->days_worked = WORKED_DAYS;
	rc = store_count_events(ctx, s, events);
	for (int i = 0; !rc && i < EV__COUNT; i++)
		total += events[i];
	if (!rc && total)
		return fu_err(ctx, FU_EINPUT,
			      "%s already holds %lld events; the demo needs an empty database", name,
			      (long long)total);
	if (rc)
		return rc;
	cf = tmpfile();
	ef = tmpfile();
	if (!cf || !ef) {
		rc = fu_err(ctx, FU_EIO, "creating temporary files: %s", strerror(errno));
		goto out;
	}
	rc = synth_write(ctx, so, cf, ef, &r->synth);
	if (!rc)
		rc = import_tmp(ctx, s, cf, "demo-contacts.csv", IMPORT_CONTACTS, now);
	if (!rc)
		rc = import_tmp(ctx, s, ef, "demo-events.csv", IMPORT_EVENTS, now);
	if (!rc)
		rc = work_history(ctx, s, now, &r->worked);
	if (rc)
		goto out;
	memset(&rec, 0, sizeof(rec));
	rec.now = now;
	rec.r = r;
	rc = store_contacts_list(ctx, s, NULL, pick_recent, &rec);
out:
	if (cf)
		fclose(cf);
	if (ef)
		fclose(ef);
	return rc;
}
