/* agenda.c - runs the engine over every contact and orders the follow-ups */
#include "agenda.h"

#include <stdlib.h>
#include <string.h>

#include "tz.h"

#include "banned.h"

void agenda_init(struct agenda *a)
{
	memset(a, 0, sizeof(*a));
}

void agenda_release(struct agenda *a)
{
	for (int i = 0; i < a->n; i++)
		followup_release(&a->v[i]);
	free(a->v);
	agenda_init(a);
}

int agenda_playbook(struct fu_ctx *ctx, struct store *s, struct playbook *pb)
{
	char *yaml = NULL;
	int rc = store_meta_get(ctx, s, "playbook", &yaml);

	if (rc)
		return rc;
	if (!yaml)
		return playbook_load_default(ctx, pb);
	rc = playbook_load_string(ctx, "stored playbook", yaml, pb);
	free(yaml);
	return rc;
}

static int collect(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	return event_list_add(ctx, arg, e);
}

/* The contact's zone, else the playbook's, else UTC (a stored zone that fails to load is skipped). */
static const struct tz *zone_for(struct tz_cache *zones, const struct playbook *pb,
				 const struct contact *c)
{
	const struct tz *z = NULL;
	struct fu_ctx tmp;

	fu_ctx_init(&tmp);
	if (c->tz && tz_cache_get(&tmp, zones, c->tz, &z) == FU_OK)
		return z;
	if (pb->default_tz && tz_cache_get(&tmp, zones, pb->default_tz, &z) == FU_OK)
		return z;
	if (tz_cache_get(&tmp, zones, "UTC", &z) == FU_OK)
		return z;
	return NULL;
}

static int evaluate(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		    struct tz_cache *zones, const struct contact *c, const struct contact_state *st,
		    int64_t now, struct followup *out, int *open, const struct tz **zone)
{
	struct event_list ev;
	int rc;

	*open = 0;
	*zone = zone_for(zones, pb, c);
	if (!*zone)
		return fu_err(ctx, FU_EINTERNAL, "no time zone available (is tzdata installed?)");
	event_list_init(&ev);
	rc = store_events_of_contact(ctx, s, c->id, collect, &ev);
	if (!rc)
		rc = engine_followup(ctx, pb, c, st, &ev, *zone, now, out, open);
	event_list_release(&ev);
	return rc;
}

struct build {
	struct store *s;
	const struct playbook *pb;
	const struct agenda_opts *o;
	struct agenda *a;
	struct tz_cache *zones;
};

static int build_one(struct fu_ctx *ctx, void *arg, const struct contact *c,
		     const struct contact_state *st)
{
	struct build *b = arg;
	struct followup f;
	const struct tz *zone;
	struct civil cv;
	int open, rc;

	b->a->contacts++;
	if (st->events == 0 || st->do_not_contact)
		return FU_OK;
	rc = evaluate(ctx, b->s, b->pb, b->zones, c, st, b->o->now, &f, &open, &zone);
	if (rc || !open)
		return rc;
	tz_to_local(zone, f.due, &cv);
	if (!b->o->all && dt_days_from_civil(cv.year, cv.month, cv.day) > b->o->day)
		goto skip;
	if (b->o->owner && !f.escalated &&
	    strcmp(b->o->owner, f.owner ? f.owner : "") != 0)
		goto skip;
	if (b->a->n == b->a->cap) {
		int n = b->a->cap ? b->a->cap * 2 : 64;
		struct followup *p = realloc(b->a->v, (size_t)n * sizeof(*p));

		if (!p) {
			followup_release(&f);
			return fu_err(ctx, FU_ENOMEM, "out of memory building the agenda");
		}
		b->a->v = p;
		b->a->cap = n;
	}
	b->a->v[b->a->n++] = f;
	return FU_OK;
skip:
	followup_release(&f);
	return FU_OK;
}

static int cmp_followup(const void *x, const void *y)
{
	const struct followup *a = x, *b = y;

	if (a->priority != b->priority)
		return b->priority - a->priority;
	if (a->due != b->due)
		return (a->due > b->due) - (a->due < b->due);
	return strcmp(a->key, b->key);
}

int agenda_build(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		 const struct agenda_opts *opts, struct agenda *out)
{
	struct build b = { s, pb, opts, out, NULL };
	int rc;

	agenda_init(out);
	b.zones = tz_cache_new();
	if (!b.zones)
		return fu_err(ctx, FU_ENOMEM, "out of memory building the agenda");
	rc = store_contacts_list(ctx, s, NULL, build_one, &b);
	tz_cache_free(b.zones);
	if (rc) {
		agenda_release(out);
		return rc;
	}
	qsort(out->v, (size_t)out->n, sizeof(out->v[0]), cmp_followup);
	return FU_OK;
}

int agenda_contact(struct fu_ctx *ctx, struct store *s, const struct playbook *pb,
		   int64_t contact_id, int64_t now, struct followup *out, int *open)
{
	struct contact c;
	struct contact_state st;
	struct tz_cache *zones;
	const struct tz *zone;
	int rc;

	*open = 0;
	followup_init(out);
	contact_init(&c);
	rc = store_contact_get_id(ctx, s, contact_id, &c);
	if (rc)
		return rc;
	rc = store_state_get(ctx, s, contact_id, &st);
	if (rc == FU_ENOTFOUND) {
		contact_state_init(&st, contact_id);
		rc = FU_OK;
	}
	zones = tz_cache_new();
	if (!rc && !zones)
		rc = fu_err(ctx, FU_ENOMEM, "out of memory");
	if (!rc && !st.do_not_contact)
		rc = evaluate(ctx, s, pb, zones, &c, &st, now, out, open, &zone);
	tz_cache_free(zones);
	contact_release(&c);
	return rc;
}
