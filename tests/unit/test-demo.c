/* test-demo.c - unit tests for the demo business (src/demo.c) and the rebuild (derive_rebuild) */
#include "demo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "derive.h"
#include "outcome.h"
#include "store_fixture.h"

#include "banned.h"

#define NOW ((int64_t)1795597200) /* 2026-11-25T09:00:00Z */

struct touches {
	int64_t recent, worked_outcomes;
};

/* Touches in the worked days, and whether each has an outcome the agenda's `done` allows. */
static int count_touch(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	struct touches *t = arg;

	if (e->type == EV_TOUCH && e->time > NOW - WORKED_DAYS * 86400 && e->time <= NOW) {
		int o = outcome_of(e->outcome);

		t->recent++;
		t->worked_outcomes += o == OUTCOME_REACHED || o == OUTCOME_VOICEMAIL ||
				      o == OUTCOME_NO_ANSWER;
	}
	return FU_OK;
}

static void test_demo_create(void **state)
{
	struct fixture *fx = *state;
	struct synth_opts so = { 60, NOW, 365, 7, 0 };
	struct demo_result r;
	struct touches t = { 0, 0 };
	struct contact c;
	int64_t counts[EV__COUNT], total = 0, contacts = 0, events = 0, stored;

	OK(fx, demo_create(&fx->ctx, fx->s, "t.db", &so, &r));
	assert_int_equal(r.synth.contacts, 60);
	assert_int_equal(r.days_worked, WORKED_DAYS);
	OK(fx, store_count_events(&fx->ctx, fx->s, counts));
	for (int i = 0; i < EV__COUNT; i++)
		total += counts[i];
	/* every generated event was imported, and every worked touch recorded on top */
	stored = r.synth.events + r.worked;
	assert_int_equal(total, stored);
	assert_true(r.worked > 0);
	OK(fx, store_events_scan(&fx->ctx, fx->s, count_touch, &t));
	assert_true(t.worked_outcomes >= r.worked);
	/* the overview's contacts exist */
	for (int i = 0; i < 3; i++) {
		if (!r.keys[i][0])
			continue;
		contact_init(&c);
		OK(fx, store_contact_get(&fx->ctx, fx->s, r.keys[i], &c));
		contact_release(&c);
	}
	/* a second demo into the same database is refused, and changes nothing */
	assert_int_equal(demo_create(&fx->ctx, fx->s, "t.db", &so, &r), FU_EINPUT);
	assert_non_null(strstr(fx->ctx.msg, "t.db already holds"));
	OK(fx, store_count_events(&fx->ctx, fx->s, counts));
	for (int i = 0; i < EV__COUNT; i++)
		total -= counts[i];
	assert_int_equal(total, 0);
	/* the rebuild folds every event again */
	OK(fx, derive_rebuild(&fx->ctx, fx->s, &contacts, &events));
	assert_true(contacts > 0 && contacts <= 60);
	assert_int_equal(events, stored);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_demo_create, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
