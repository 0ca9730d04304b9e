/* test-whatif.c - unit tests for the playbook what-if (src/whatif.c): the last 30 days under two playbooks */
#include "whatif.h"

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
#include "record.h"

#include "store_fixture.h"

#include "banned.h"

#define NOW ((int64_t)1795597200) /* 2026-11-25T07:00:00Z, a Wednesday */
#define HOUR ((int64_t)3600)
#define DAY ((int64_t)86400)

/* Only new leads are answered, at most one touch a week. */
static const char yaml_leads[] = "limits:\n"
				 "  touches_per_week: 1\n"
				 "rules:\n"
				 "  - name: answer a lead\n"
				 "    trigger: new_lead\n"
				 "    action: call\n"
				 "    say: \"Hello\"\n";

/* The same, and a thank-you call after every purchase. */
static const char yaml_buyers[] = "limits:\n"
				  "  touches_per_week: 1\n"
				  "rules:\n"
				  "  - name: answer a lead\n"
				  "    trigger: new_lead\n"
				  "    action: call\n"
				  "    say: \"Hello\"\n"
				  "  - name: thank a buyer\n"
				  "    trigger: post_purchase\n"
				  "    action: call\n"
				  "    say: \"Thank you\"\n";

static void ev(struct fixture *fx, const char *type, const char *key, int64_t t,
	       const char *amount)
{
	struct event_text e = { .type = type, .contact = key, .amount = amount };
	struct record_result r;
	char at[40];

	dt_format_iso(t, at, sizeof(at));
	e.time = at;
	OK(fx, record_event(&fx->ctx, fx->s, &e, NOW, &r));
	assert_int_equal(r.stored, 1);
}

/*
 * Three leads in the 30 days; B1 buys on three working days running. (A purchase on a
 * Saturday would be superseded before its follow-up came due on the Monday.)
 */
static void business(struct fixture *fx)
{
	ev(fx, "lead", "L1", NOW - 20 * DAY, NULL);
	ev(fx, "lead", "L2", NOW - 12 * DAY + 2 * HOUR, NULL);
	ev(fx, "lead", "L3", NOW - 2 * DAY + 3 * HOUR, NULL);
	ev(fx, "purchase", "B1", NOW - 9 * DAY + 4 * HOUR, "120"); /* Monday to Wednesday */
	ev(fx, "purchase", "B1", NOW - 8 * DAY + 4 * HOUR, "80");
	ev(fx, "purchase", "B1", NOW - 7 * DAY + 4 * HOUR, "95");
	ev(fx, "purchase", "OLD", NOW - 200 * DAY, "10"); /* before the 30 days */
}

static void load(struct fixture *fx, const char *yaml, struct playbook *pb)
{
	playbook_init(pb);
	OK(fx, playbook_load_string(&fx->ctx, "test", yaml, pb));
}

static int64_t total(const struct whatif *w, int k, int automated)
{
	int64_t n = 0;

	for (int d = 0; d < WHATIF_DAYS; d++)
		n += automated ? w->day[d][k].automated : w->day[d][k].personal;
	return n;
}

/* The same playbook twice: every day's count is the same on both sides, and not zero. */
static void test_identical(void **state)
{
	struct fixture *fx = *state;
	struct playbook a, b;
	struct whatif w;

	business(fx);
	load(fx, yaml_buyers, &a);
	load(fx, yaml_buyers, &b);
	OK(fx, whatif_run(&fx->ctx, fx->s, &a, &b, NOW, &w));
	assert_true(total(&w, WHATIF_OLD, 0) > 0);
	for (int d = 0; d < WHATIF_DAYS; d++) {
		assert_int_equal(w.day[d][0].personal, w.day[d][1].personal);
		assert_int_equal(w.day[d][0].automated, w.day[d][1].automated);
		assert_int_equal(w.day[d][0].fresh, w.day[d][1].fresh);
	}
	for (size_t i = 0; i < w.nover; i++)
		assert_int_equal(w.over[i].most[0], w.over[i].most[1]);
	/* OLD bought before the 30 days: it has events, so it is counted as a contact */
	assert_int_equal(w.contacts, 5);
	assert_int_equal(w.errors[0] + w.errors[1], 0);
	whatif_release(&w);
	playbook_release(&a);
	playbook_release(&b);
}

/*
 * A rule added for purchases: more personal follow-ups, the same as before on the days
 * before the first purchase, and B1, whose three purchases in three days each bring a thank-you, is over a
 * budget of one touch a week under the new playbook only.
 */
static void test_rule_added(void **state)
{
	struct fixture *fx = *state;
	struct playbook a, b;
	struct whatif w;
	/* the first day whose clock (07:00) is after B1's first purchase (11:00, 9 days ago) */
	int first_buy = WHATIF_DAYS - 9;

	business(fx);
	load(fx, yaml_leads, &a);
	load(fx, yaml_buyers, &b);
	OK(fx, whatif_run(&fx->ctx, fx->s, &a, &b, NOW, &w));
	assert_true(total(&w, WHATIF_NEW, 0) > total(&w, WHATIF_OLD, 0));
	for (int d = 0; d < first_buy; d++)
		assert_int_equal(w.day[d][WHATIF_NEW].personal, w.day[d][WHATIF_OLD].personal);
	assert_true(w.day[first_buy][WHATIF_NEW].personal > w.day[first_buy][WHATIF_OLD].personal);
	assert_int_equal(w.nover, 1);
	assert_string_equal(w.over[0].key, "B1");
	assert_int_equal(w.over[0].most[WHATIF_OLD], 0);
	assert_int_equal(w.over[0].most[WHATIF_NEW], 3);
	assert_int_equal(w.budget[WHATIF_NEW], 1);
	/* every contact here is unowned: one owner row, "" */
	assert_int_equal(w.nowners, 1);
	assert_string_equal(w.owners[0].owner, "");
	assert_int_equal(w.owners[0].day[first_buy][WHATIF_NEW].personal,
			 w.day[first_buy][WHATIF_NEW].personal);
	whatif_release(&w);
	playbook_release(&a);
	playbook_release(&b);
}

/* The days are the 30 ending today, in order; an empty business counts nothing. */
static void test_days_and_empty(void **state)
{
	struct fixture *fx = *state;
	struct playbook a;
	struct whatif w;
	struct civil cv;

	load(fx, yaml_leads, &a);
	OK(fx, whatif_run(&fx->ctx, fx->s, &a, &a, NOW, &w));
	dt_to_civil((w.first_day + WHATIF_DAYS - 1) * DAY, &cv);
	assert_int_equal(cv.year * 10000 + cv.month * 100 + cv.day, 20261125);
	assert_int_equal(w.contacts, 0);
	assert_int_equal(total(&w, 0, 0) + total(&w, 0, 1), 0);
	assert_int_equal(w.nowners, 0);
	whatif_release(&w);
	playbook_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_added, setup, teardown),
		cmocka_unit_test_setup_teardown(test_days_and_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
