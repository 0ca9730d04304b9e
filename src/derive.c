/* derive.c - folds the event log into contact state (the same fold for appends, imports and rebuild) */
#include "derive.h"

#include <stdlib.h>

#include "banned.h"

static int fold_one(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	return contact_state_apply(ctx, arg, e);
}

int derive_contact(struct fu_ctx *ctx, struct store *s, int64_t contact_id)
{
	struct contact_state st;
	int rc;

	contact_state_init(&st, contact_id);
	rc = store_events_of_contact(ctx, s, contact_id, fold_one, &st);
	if (!rc)
		rc = store_state_put(ctx, s, &st);
	contact_state_release(&st);
	return rc;
}

/* A pass over the whole log, writing the state of each contact. */
struct scan {
	struct contact_state st;
	int have;
	int64_t contacts, events;
};

static int scan_flush(struct fu_ctx *ctx, struct store *s, struct scan *sc)
{
	int rc = FU_OK;

	if (sc->have) {
		rc = store_state_put(ctx, s, &sc->st);
		sc->contacts++;
	}
	contact_state_release(&sc->st);
	sc->have = 0;
	return rc;
}

struct scan_arg {
	struct store *s;
	struct scan *sc;
};

static int scan_event(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	struct scan_arg *a = arg;
	struct scan *sc = a->sc;
	int rc;

	if (!sc->have || sc->st.contact_id != e->contact_id) {
		rc = scan_flush(ctx, a->s, sc);
		if (rc)
			return rc;
		contact_state_init(&sc->st, e->contact_id);
		sc->have = 1;
	}
	sc->events++;
	return contact_state_apply(ctx, &sc->st, e);
}

static int scan_all(struct fu_ctx *ctx, struct store *s, struct scan *sc)
{
	struct scan_arg a = { s, sc };
	int rc;

	sc->have = 0;
	rc = store_events_scan(ctx, s, scan_event, &a);
	if (!rc)
		rc = scan_flush(ctx, s, sc);
	contact_state_release(&sc->st);
	return rc;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int derive_contacts(struct fu_ctx *ctx, struct store *s, int64_t *ids, size_t n)
{
	struct store_events_cursor *cur = NULL;
	struct contact_state st;
	size_t u = 0;
	int rc;

	if (n == 0)
		return FU_OK;
	qsort(ids, n, sizeof(*ids), cmp_id);
	for (size_t i = 0; i < n; i++) {
		if (u == 0 || ids[u - 1] != ids[i])
			ids[u++] = ids[i];
	}
	/*
	 * one forward cursor: neighbouring contacts are read in one pass, a gap costs one
	 * seek, so the work follows these contacts' events, not the size of the log
	 */
	rc = store_events_cursor_open(ctx, s, &cur);
	for (size_t i = 0; i < u && !rc; i++) {
		contact_state_init(&st, ids[i]);
		rc = store_events_cursor_contact(ctx, cur, ids[i], fold_one, &st);
		if (!rc)
			rc = store_state_put(ctx, s, &st);
		contact_state_release(&st);
	}
	store_events_cursor_close(cur);
	return rc;
}

int derive_all(struct fu_ctx *ctx, struct store *s, int64_t *contacts, int64_t *events)
{
	struct scan sc = { 0 };
	int rc;

	rc = store_state_clear(ctx, s);
	if (!rc)
		rc = store_wake_forget_all(ctx, s);
	if (!rc)
		rc = scan_all(ctx, s, &sc);
	if (!rc)
		rc = store_state_fill_missing(ctx, s);
	if (contacts)
		*contacts = sc.contacts;
	if (events)
		*events = sc.events;
	return rc;
}

int derive_rebuild(struct fu_ctx *ctx, struct store *s, int64_t *contacts, int64_t *events)
{
	int rc;

	store_bulk_mode(s, 1);
	rc = store_begin(ctx, s);
	if (!rc) {
		rc = derive_all(ctx, s, contacts, events);
		if (!rc)
			rc = store_commit(ctx, s);
		if (rc)
			store_rollback(s);
	}
	store_bulk_mode(s, 0);
	return rc;
}
