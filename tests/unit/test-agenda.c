/* test-agenda.c - unit tests of the agenda's wake: a synthetic business, evaluated as the clock moves on */
#include "agenda.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "datetime.h"
#include "import.h"
#include "synth.h"

#include "banned.h"

#define DAY 86400
#define CONTACTS 120
#define STEP (7 * 3600)    /* the clock moves on in steps of seven hours ... */
#define HORIZON (30 * DAY) /* ... for a month */

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	struct fu_ctx ctx;
	struct playbook pb;
	struct tz_cache *zones;
	int64_t end;
};

#define OK(fx, call)                                                                      \
	do {                                                                              \
		int ok_rc_ = (call);                                                      \
		if (ok_rc_)                                                               \
			print_error("%s: %s\n", #call, (fx)->ctx.msg);                    \
		assert_int_equal(ok_rc_, FU_OK);                                          \
	} while (0)

static void import_tmp(struct fixture *fx, FILE *f, int kind)
{
	struct import_opts o;
	struct import_result r;

	rewind(f);
	import_opts_init(&o);
	o.kind = kind;
	o.now = fx->end;
	import_result_init(&r);
	OK(fx, import_stream(&fx->ctx, fx->s, f, kind == IMPORT_EVENTS ? "events" : "contacts",
			     &o, &r));
	import_result_release(&r);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct synth_opts so = { CONTACTS, 0, 400, 7, 0 };
	FILE *cf, *ef;

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fu-test-agenda-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/t.db", fx->dir);
	fu_ctx_init(&fx->ctx);
	*state = fx;
	fx->end = 1795651200; /* 2026-11-26T00:00:00Z */
	so.end = fx->end;
	cf = tmpfile();
	ef = tmpfile();
	assert_non_null(cf);
	assert_non_null(ef);
	OK(fx, synth_write(&fx->ctx, &so, cf, ef, NULL));
	OK(fx, store_open(&fx->ctx, fx->path, STORE_OPEN_CREATE, &fx->s));
	import_tmp(fx, cf, IMPORT_CONTACTS);
	import_tmp(fx, ef, IMPORT_EVENTS);
	fclose(cf);
	fclose(ef);
	playbook_init(&fx->pb);
	OK(fx, playbook_load_default(&fx->ctx, &fx->pb));
	fx->zones = tz_cache_new();
	assert_non_null(fx->zones);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[160];

	store_close(fx->s);
	playbook_release(&fx->pb);
	tz_cache_free(fx->zones);
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
		unlink(p);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static int collect(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	return event_list_add(ctx, arg, e);
}

struct check {
	struct fixture *fx;
	struct event_list ev;
	int64_t evaluations, quiet;
};

/* The follow-up at now: *open, and its due and escalation when open. */
static void eval_at(struct check *k, const struct contact *c, const struct contact_state *st,
		    const struct tz *zone, int64_t now, int *open, int64_t *due, int *escalated,
		    struct engine_wake *w)
{
	struct followup f;

	OK(k->fx, engine_evaluate(&k->fx->ctx, &k->fx->pb, NULL, c, st, &k->ev, zone, now, &f, open,
				  w));
	*due = *open ? f.due : INT64_MAX;
	*escalated = *open && f.escalated;
	if (*open)
		followup_release(&f);
	k->evaluations++;
}

/*
 * For one contact, from several starting clocks: until the wake found at the start passes,
 * the follow-up (when there is one) is due no earlier than the due found then, and it is
 * not escalated before the escalation wake.
 */
static int check_contact(struct fu_ctx *ctx, void *arg, const struct contact *c,
			 const struct contact_state *st)
{
	struct check *k = arg;
	struct fixture *fx = k->fx;
	const struct tz *zone = NULL;
	struct engine_wake w0, w;
	int64_t due;
	int open, esc;

	(void)ctx;
	if (st->events == 0)
		return FU_OK;
	assert_int_equal(tz_cache_get(&fx->ctx, fx->zones, c->tz ? c->tz : "UTC", &zone), FU_OK);
	event_list_clear(&k->ev);
	OK(fx, store_events_of_contact(&fx->ctx, fx->s, c->id, collect, &k->ev));
	for (int64_t start = fx->end - 20 * DAY; start < fx->end + 40 * DAY; start += 10 * DAY + 7) {
		eval_at(k, c, st, zone, start, &open, &due, &esc, &w0);
		assert_true(w0.due == due);
		assert_true(w0.wake > start);
		if (w0.wake > start + HORIZON && w0.due > start + HORIZON)
			k->quiet++;
		for (int64_t t = start + STEP; t < start + HORIZON; t += STEP) {
			int64_t at = t;

			/* the last second before a wake is the sharpest test */
			if (at >= w0.wake)
				at = w0.wake - 1;
			eval_at(k, c, st, zone, at, &open, &due, &esc, &w);
			if (open && due < w0.due)
				fail_msg("contact %s: due %lld before %lld found at %lld (clock %lld, "
					 "wake %lld)", c->key, (long long)due, (long long)w0.due,
					 (long long)start, (long long)at, (long long)w0.wake);
			if (at < w0.escalate && esc)
				fail_msg("contact %s: escalated at %lld before its wake %lld found "
					 "at %lld", c->key, (long long)at, (long long)w0.escalate,
					 (long long)start);
			if (at == w0.wake - 1)
				break;
		}
	}
	return FU_OK;
}

static void test_wake_is_never_late(void **state)
{
	struct fixture *fx = *state;
	struct check k = { fx, { 0 }, 0, 0 };

	event_list_init(&k.ev);
	OK(fx, store_contacts_list(&fx->ctx, fx->s, NULL, check_contact, &k));
	event_list_release(&k.ev);
	/* the test looked at many moments, and some contacts are quiet for weeks */
	assert_true(k.evaluations > 20 * CONTACTS);
	assert_true(k.quiet > 0);
}

/* An agenda built with the wakes stored equals one built from every contact, day by day. */
static void test_agenda_cached_equals_full(void **state)
{
	struct fixture *fx = *state;
	const char *owners[] = { NULL, "ana", "ben", "" };

	for (int d = 0; d < 20; d++) {
		int64_t now = fx->end + d * DAY + 9 * 3600;
		struct civil cv;

		dt_to_civil(now, &cv);
		for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
			struct agenda_opts o = { owners[i], now, 0, d % 2, 0, NULL };
			struct agenda a, b;

			o.day = dt_days_from_civil(cv.year, cv.month, cv.day);
			OK(fx, agenda_build(&fx->ctx, fx->s, &fx->pb, &o, &a));
			o.full = 1;
			/* a full evaluation rewrites the cache too: take it second */
			OK(fx, agenda_build(&fx->ctx, fx->s, &fx->pb, &o, &b));
			assert_int_equal(a.n, b.n);
			assert_true(a.contacts <= b.contacts);
			for (int k = 0; k < a.n; k++) {
				assert_string_equal(a.v[k].id, b.v[k].id);
				assert_true(a.v[k].due == b.v[k].due);
				assert_int_equal(a.v[k].nreasons, b.v[k].nreasons);
			}
			agenda_release(&a);
			agenda_release(&b);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wake_is_never_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agenda_cached_equals_full, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
