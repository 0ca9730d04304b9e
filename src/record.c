/* record.c - one event recorded by hand: validated as import validates, appended, state folded again */
#include "record.h"

#include <stdio.h>
#include <string.h>

#include "agenda.h"
#include "datetime.h"
#include "derive.h"
#include "outcome.h"

#include "banned.h"

int record_event_in(struct fu_ctx *ctx, struct store *s, const struct event_text *t,
		    int64_t now, struct record_result *r)
{
	struct event_text tt = *t;
	struct event e;
	char at[40];
	int rc;

	memset(r, 0, sizeof(*r));
	if (!tt.time || !*tt.time) {
		dt_format_iso(now, at, sizeof(at));
		tt.time = at;
	}
	/* the one validation of every way in: the same as an imported row's */
	rc = import_event_from_text(ctx, &tt, NULL, &e);
	if (rc)
		return rc;
	rc = store_contact_ensure(ctx, s, e.contact_key, &e.contact_id, &r->new_contact);
	if (!rc)
		rc = store_event_append(ctx, s, &e, now, &r->stored);
	if (!rc && !r->stored && tt.time != at) {
		/*
		 * an id already stored: a duplicate when the content is the same, else a conflict
		 * (a time left to the clock is not compared: a retry is the same event)
		 */
		int same;

		rc = store_event_same(ctx, s, &e, &same);
		if (!rc && !same)
			return fu_err(ctx, FU_EINPUT, "id: '%.64s' is already stored with other "
				      "content (an event is never changed; give the new one another "
				      "id)", e.ext_id);
	}
	if (!rc)
		rc = derive_contact(ctx, s, e.contact_id);
	if (rc)
		return rc;
	r->event_id = r->stored ? e.id : 0;
	r->contact_id = e.contact_id;
	snprintf(r->key, sizeof(r->key), "%s", e.contact_key);
	return FU_OK;
}

int record_event(struct fu_ctx *ctx, struct store *s, const struct event_text *t, int64_t now,
		 struct record_result *r)
{
	int rc = store_begin(ctx, s);

	if (rc)
		return rc;
	rc = record_event_in(ctx, s, t, now, r);
	if (!rc)
		rc = store_commit(ctx, s);
	if (rc) {
		store_rollback(s);
		memset(r, 0, sizeof(*r));
	}
	return rc;
}

/* The touch channel for a follow-up's channel (automated e-mail is recorded as e-mail). */
static const char *touch_channel(int ch)
{
	return ch == CH_AUTO_EMAIL ? "email" : channel_name(ch);
}

int record_check_outcome(struct fu_ctx *ctx, const char *outcome, const char *next)
{
	int o, rc = outcome_parse(ctx, outcome, &o);

	if (rc)
		return rc;
	if (o == OUTCOME_NONE)
		return fu_err(ctx, FU_EINPUT, "outcome: missing");
	if (outcome_info(o)->next_date && !(next && *next))
		return fu_err(ctx, FU_EINPUT, "outcome '%s' needs the agreed date", outcome);
	if (!outcome_info(o)->next_date && next && *next)
		return fu_err(ctx, FU_EINPUT, "outcome '%s' carries no date", outcome);
	return FU_OK;
}

int record_outcome(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		   const char *followup_id, const char *outcome, const char *next,
		   const char *note, int64_t now, struct record_result *r)
{
	struct event_text t = { 0 };
	struct playbook own;
	struct followup f;
	int64_t contact_id;
	int rc, open = 0;

	memset(r, 0, sizeof(*r));
	if (followup_id_parse(followup_id, &contact_id))
		return fu_err(ctx, FU_EINPUT, "follow-up '%s': not an id like F12-345",
			      followup_id);
	rc = record_check_outcome(ctx, outcome, next);
	if (rc)
		return rc;
	playbook_init(&own);
	if (!pb) {
		rc = agenda_playbook(ctx, s, &own);
		pb = &own;
	}
	if (!rc) {
		rc = agenda_followup(ctx, s, pb, followup_id, now, &f);
		open = !rc;
	}
	if (!rc) {
		t.type = "touch";
		t.contact = f.key;
		t.channel = touch_channel(f.channel);
		t.outcome = outcome;
		t.due = next;
		t.note = note;
		rc = record_event(ctx, s, &t, now, r);
		r->channel = rc ? NULL : t.channel;
	}
	if (open)
		followup_release(&f);
	playbook_release(&own);
	return rc;
}
