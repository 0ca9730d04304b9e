/* test-fit.c - unit tests for the customer-base models of `model` (src/fit.c): fit, keep, and the holdout table */
#include "fit.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_fixture.h"

#include "banned.h"

#define DAY ((int64_t)86400)
#define D0 ((int64_t)20454) /* 2026-01-01 as a day number */
#define CUSTOMERS 300
#define SPAN 360            /* days of purchases */
#define UNTIL (D0 + 179)    /* the calibration period's last day */


/* A fixed pseudo-random sequence (the test's own, so the data never change). */
static uint32_t next(uint32_t *x)
{
	*x = *x * 1664525u + 1013904223u;
	return *x >> 8;
}

/*
 * Customer i's purchase days into day[] (ascending, a day may repeat), their count returned:
 * a first purchase in the first half of the span, then each day a chance to buy again that
 * differs by customer, and after each purchase day a chance to be gone (as BG/NBD has it).
 */
static int days_of(int i, int64_t *day)
{
	uint32_t x = (uint32_t)i * 2654435761u + 7;
	int n = 0;
	int64_t d = D0 + next(&x) % 170;
	unsigned rate = 5 + next(&x) % 60; /* per mille per day */
	unsigned drop = 5 + next(&x) % 40; /* per cent after each purchase day */

	day[n++] = d;
	if (next(&x) % 3 == 0)
		day[n++] = d; /* a second purchase the same day */
	for (d++; d < D0 + SPAN; d++) {
		if (next(&x) % 1000 >= rate)
			continue;
		day[n++] = d;
		if (next(&x) % 100 < drop)
			break; /* gone after this one */
	}
	return n;
}

static void fill(struct fixture *fx)
{
	int64_t day[SPAN + 2];
	char key[16];

	OK(fx, store_begin(&fx->ctx, fx->s));
	for (int i = 0; i < CUSTOMERS; i++) {
		int n = days_of(i, day);
		int64_t id;

		snprintf(key, sizeof(key), "C%03d", i);
		OK(fx, store_contact_ensure(&fx->ctx, fx->s, key, &id, NULL));
		for (int k = 0; k < n; k++) {
			struct event e;
			int ins;

			event_init(&e);
			e.type = EV_PURCHASE;
			e.contact_id = id;
			e.time = day[k] * DAY + 3600 * (k % 20);
			e.has_amount = 1;
			e.amount = 1000 + 100 * (i % 17);
			OK(fx, store_event_append(&fx->ctx, fx->s, &e, e.time, &ins));
		}
	}
	OK(fx, store_commit(&fx->ctx, fx->s));
}

static void test_holdout_table(void **state)
{
	struct fixture *fx = *state;
	struct fit_opts o = { .pareto = 0, .unit_days = 1, .until_day = UNTIL, .horizon = 140 };
	struct fit_holdout_table t;
	struct fit f;
	long want_customers[FIT_BUCKETS] = { 0 }, want_actual[FIT_BUCKETS] = { 0 }, all = 0;
	int64_t day[SPAN + 2], end = UNTIL + 140;
	double sum = 0;

	fill(fx);
	/* the table worked out here from the data, independently */
	for (int i = 0; i < CUSTOMERS; i++) {
		int n = days_of(i, day), x = 0, k;
		long actual = 0;

		if (day[0] > UNTIL)
			continue;
		for (int j = 1; j < n; j++) {
			if (day[j] == day[j - 1])
				continue; /* one purchase day */
			if (day[j] <= UNTIL)
				x++;
			else if (day[j] <= end)
				actual++;
		}
		k = x >= FIT_BUCKETS - 1 ? FIT_BUCKETS - 1 : x;
		want_customers[k]++;
		want_actual[k] += actual;
		all++;
	}
	OK(fx, fit_holdout(&fx->ctx, fx->s, &o, &f, &t));
	assert_int_equal(f.n, all);
	assert_int_equal(t.from_day, UNTIL + 1);
	assert_int_equal(t.to_day, end);
	for (int k = 0; k < FIT_BUCKETS; k++) {
		if (t.b[k].customers != want_customers[k] || t.b[k].actual != (double)want_actual[k])
			fail_msg("bucket %s: %ld customers, %.0f actual; want %ld, %ld",
				 fit_bucket_label(k), t.b[k].customers, t.b[k].actual,
				 want_customers[k], want_actual[k]);
		assert_true(isfinite(t.b[k].expected) && t.b[k].expected >= 0);
		sum += t.b[k].expected;
	}
	assert_int_equal(t.all.customers, all);
	assert_true(fabs(t.all.expected - sum) < 1e-9 * (1 + sum));
	/* a sane model: the expectation is within a factor of two of what happened */
	assert_true(t.all.expected > t.all.actual / 2 && t.all.expected < t.all.actual * 2);
	fit_release(&f);
	/* these buyers drop out after a purchase, as BG/NBD has it: Pareto/NBD's likelihood runs
	 * off to infinity; the failure says so and leaves nothing to free */
	o.pareto = 1;
	assert_int_not_equal(fit_holdout(&fx->ctx, fx->s, &o, &f, &t), FU_OK);
	assert_non_null(strstr(fx->ctx.msg, "pareto/nbd to 2026-06-29"));
	assert_int_equal(f.n, 0);
	assert_null(f.c);
	assert_null(f.who);
}

static void test_keep_and_show(void **state)
{
	struct fixture *fx = *state;
	struct fit_opts o = { .pareto = 0, .unit_days = 1, .until_day = UNTIL };
	json_t *kept = NULL, *shown = NULL;

	assert_int_equal(fit_kept(&fx->ctx, fx->s, &shown), FU_ENOTFOUND);
	/* nothing to fit on */
	assert_int_equal(fit_keep(&fx->ctx, fx->s, &o, &kept), FU_EINPUT);
	assert_null(kept);
	fill(fx);
	OK(fx, fit_keep(&fx->ctx, fx->s, &o, &kept));
	OK(fx, fit_kept(&fx->ctx, fx->s, &shown));
	assert_true(json_equal(kept, shown));
	assert_string_equal(json_string_value(json_object_get(shown, "until")), "2026-06-29");
	assert_string_equal(json_string_value(json_object_get(shown, "unit")), "day");
	assert_non_null(json_object_get(shown, "a"));
	json_decref(kept);
	json_decref(shown);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_holdout_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_and_show, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
