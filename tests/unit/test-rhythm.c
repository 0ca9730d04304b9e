/* test-rhythm.c - unit tests for the per-customer purchase rhythm (src/rhythm.c) */
#include "rhythm.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "banned.h"

/* Purchase days from a first day and gaps: days[0] = first, days[i] = days[i-1] + gaps[i-1]. */
static size_t days_from_gaps(int64_t first, const int *gaps, size_t ngaps, int64_t *days)
{
	size_t i;

	days[0] = first;
	for (i = 0; i < ngaps; i++)
		days[i + 1] = days[i] + gaps[i];
	return ngaps + 1;
}

static struct rhythm eval_ok(const struct rhythm_prior *p, const int64_t *days, size_t n,
			     int64_t today)
{
	struct fu_ctx ctx;
	struct rhythm r;

	fu_ctx_init(&ctx);
	assert_int_equal(rhythm_eval(&ctx, p, days, n, today, &r), FU_OK);
	return r;
}

/* Customers with rhythms drawn from a known prior: recovered within stated tolerances. */
static void test_prior_recovery(void **state)
{
	const double mu = log(30), sigma = 0.3, tau = 0.6;
	const size_t nc = 4000;
	gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
	int64_t *days = malloc(nc * 21 * sizeof(*days));
	size_t *off = malloc((nc + 1) * sizeof(*off)), i, j, n = 0;
	struct rhythm_prior p;
	struct fu_ctx ctx;

	(void)state;
	assert_non_null(g);
	assert_non_null(days);
	assert_non_null(off);
	gsl_rng_set(g, 7);
	for (i = 0; i < nc; i++) {
		double loc = mu + gsl_ran_gaussian(g, tau);
		size_t ng = 4 + gsl_rng_uniform_int(g, 17); /* 4..20 gaps */
		int64_t d = 20000;

		off[i] = n;
		days[n++] = d;
		for (j = 0; j < ng; j++) {
			double gap = exp(loc + gsl_ran_gaussian(g, sigma));

			d += gap < 1.5 ? 1 : (int64_t)lround(gap);
			days[n++] = d;
		}
	}
	off[nc] = n;
	fu_ctx_init(&ctx);
	assert_int_equal(rhythm_prior_fit(&ctx, days, off, nc, &p), FU_OK);
	assert_int_equal(p.customers, (long)nc);
	/* Tolerances: mu within 0.05, sigma and tau within 5%. */
	assert_true(fabs(p.mu - mu) < 0.05);
	assert_true(fabs(p.sigma / sigma - 1) < 0.05);
	assert_true(fabs(p.tau / tau - 1) < 0.05);
	assert_true(fabs(p.weight - p.sigma * p.sigma / (p.tau * p.tau)) < 1e-12);
	free(off);
	free(days);
	gsl_rng_free(g);
}

static void test_prior_too_few(void **state)
{
	/* 9 customers with two purchase days, 3 with one: too few, the default is left. */
	int64_t days[21];
	size_t off[13], i, n = 0;
	struct rhythm_prior p, d;
	struct fu_ctx ctx;

	(void)state;
	for (i = 0; i < 12; i++) {
		off[i] = n;
		days[n++] = 100;
		if (i < 9)
			days[n++] = 130 + (int64_t)i;
	}
	off[12] = n;
	fu_ctx_init(&ctx);
	assert_int_equal(rhythm_prior_fit(&ctx, days, off, 12, &p), FU_EINPUT);
	assert_string_equal(ctx.msg,
			    "rhythm prior: 9 customers with two or more purchase days; need 10");
	rhythm_prior_default(&d);
	assert_true(p.mu == d.mu && p.sigma == d.sigma && p.tau == d.tau && p.weight == d.weight);
	assert_true(fabs(d.mu - log(30)) < 1e-12);
	assert_int_equal(p.customers, 9);
}

static void test_prior_errors(void **state)
{
	int64_t days[] = { 10, 20, 30, 40, 25 };
	size_t off_back[] = { 0, 3, 2 }, off_bad[] = { 0, 3, 5 };
	struct rhythm_prior p;
	struct fu_ctx ctx;

	(void)state;
	fu_ctx_init(&ctx);
	assert_int_equal(rhythm_prior_fit(&ctx, days, off_back, 2, &p), FU_EINPUT);
	assert_string_equal(ctx.msg, "rhythm prior: customer 1: offsets go backwards");
	assert_int_equal(rhythm_prior_fit(&ctx, days, off_bad, 2, &p), FU_EINPUT);
	assert_string_equal(ctx.msg,
			    "rhythm prior: customer 1: purchase day 1 is before the one before it");
	assert_int_equal(rhythm_prior_fit(&ctx, days, NULL, 2, &p), FU_EINPUT);
}

/* Every 30 days give or take one: flagged at 45 days; gaps of 10 to 120: not. */
static void test_clockwork_vs_irregular(void **state)
{
	static const int clock[] = { 30, 29, 31, 30, 30, 31, 29, 30, 30, 31, 29, 30 };
	static const int loose[] = { 10, 60, 25, 120, 40, 90, 15, 75, 30, 110, 50, 20 };
	struct rhythm_prior p;
	int64_t days[13];
	size_t n;
	struct rhythm r;

	(void)state;
	rhythm_prior_default(&p);
	n = days_from_gaps(1000, clock, 12, days);
	r = eval_ok(&p, days, n, days[n - 1] + 45);
	assert_int_equal(r.ngaps, 12);
	assert_true(fabs(r.usual_gap - 30) < 0.5);
	assert_true(r.waited == 45);
	assert_true(r.p_wait < 0.01);
	/* on time is not late */
	r = eval_ok(&p, days, n, days[n - 1] + 30);
	assert_true(r.p_wait > 0.3);

	n = days_from_gaps(1000, loose, 12, days);
	r = eval_ok(&p, days, n, days[n - 1] + 45);
	assert_true(r.p_wait > 0.2);
	/* but a wait far beyond anything they have done is flagged */
	r = eval_ok(&p, days, n, days[n - 1] + 400);
	assert_true(r.p_wait < 0.05);
}

/*
 * Seventeen gaps of 30 and one of 300 (more than a year ago): the usual gap stays near 30,
 * and they are still clockwork.
 */
static void test_one_odd_gap(void **state)
{
	static const int gaps[] = { 30, 30, 30, 30, 300, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30 };
	struct rhythm_prior p;
	int64_t days[19];
	size_t n;
	struct rhythm r;

	(void)state;
	rhythm_prior_default(&p);
	n = days_from_gaps(500, gaps, 18, days);
	r = eval_ok(&p, days, n, days[n - 1] + 45);
	assert_true(fabs(r.usual_gap / 30 - 1) < 0.10);
	if (!(r.p_wait < 0.05))
		fail_msg("one odd gap: p_wait %.3f at 45 days", r.p_wait);
}

/*
 * A seasonal buyer: every 10 days from day-of-year 100 to 190 for two years, then silent.
 * Out of season (the same days of the year they were silent over before) their wait is
 * ordinary; a clockwork buyer with the same gaps but no such year behind is lapsing; and so
 * is the seasonal one once the wait runs past last year's silence.
 */
static void test_seasonal(void **state)
{
	struct rhythm_prior p;
	int64_t days[40], last;
	size_t n = 0;
	struct rhythm r;

	(void)state;
	rhythm_prior_default(&p);
	for (int y = 0; y < 3; y++)
		for (int d = 100; d <= 190 && n < 40; d += 10)
			days[n++] = 365 * y + d;
	last = days[n - 1];
	r = eval_ok(&p, days, n, last + 120);
	if (!(r.p_wait > 0.2))
		fail_msg("seasonal buyer out of season: p_wait %.3f after 120 days", r.p_wait);
	r = eval_ok(&p, days, n, last + 330);
	if (!(r.p_wait < 0.05))
		fail_msg("seasonal buyer past their usual silence: p_wait %.3f after 330 days", r.p_wait);
	/* the last season alone: no year behind to say so */
	r = eval_ok(&p, days + 20, n - 20, last + 120);
	if (!(r.p_wait < 0.05))
		fail_msg("one season only: p_wait %.3f after 120 days", r.p_wait);
}

/* One purchase day (repeated): the prior alone. */
static void test_single_purchase(void **state)
{
	struct rhythm_prior p = { .mu = log(40), .sigma = 0.4, .tau = 0.8, .weight = 0.25 };
	int64_t once[] = { 300, 300, 300 };
	struct rhythm r, r2;

	(void)state;
	r = eval_ok(&p, once, 3, 340);
	assert_int_equal(r.ngaps, 0);
	assert_true(fabs(r.usual_gap - 40) < 1e-9);
	assert_true(r.waited == 40);
	assert_true(r.p_wait > 0.4 && r.p_wait < 0.6);
	/* wide: even three times the population's gap is not yet a lapse */
	r2 = eval_ok(&p, once, 1, 420);
	assert_true(r2.p_wait > 0.05 && r2.p_wait < r.p_wait);
	/* bought today */
	r = eval_ok(&p, once, 1, 300);
	assert_true(r.p_wait == 1 && r.waited == 0);
}

/* Shrinkage: precision-weighted. */
static void test_shrinkage(void **state)
{
	static const int tight[] = { 60, 60, 61, 59, 60, 60, 60, 61, 59, 60 };
	struct rhythm_prior p = { .mu = log(20), .sigma = 0.5, .tau = 0.5, .weight = 1 };
	int64_t days[11], one[] = { 0, 60 };
	size_t n;
	struct rhythm r;

	(void)state;
	n = days_from_gaps(0, tight, 10, days);
	r = eval_ok(&p, days, n, days[n - 1]);
	assert_true(fabs(r.usual_gap / 60 - 1) < 0.02); /* barely shrunk */
	r = eval_ok(&p, one, 2, 60);
	assert_int_equal(r.ngaps, 1);
	/* one gap of 60 against a prior of 20 worth one gap: the geometric middle */
	assert_true(fabs(r.usual_gap - sqrt(60.0 * 20.0)) < 1e-6);
}

/* The example: buys about every 30 days, 70 days since the last: lapsing. */
static void test_spec_example(void **state)
{
	static const int gaps[] = { 28, 31, 30, 29, 32, 30, 27, 31, 30, 33 };
	struct rhythm_prior p;
	int64_t days[11];
	size_t n;
	struct rhythm r;
	char s[200];

	(void)state;
	rhythm_prior_default(&p);
	n = days_from_gaps(20000, gaps, 10, days);
	r = eval_ok(&p, days, n, days[n - 1] + 70);
	assert_true(fabs(r.usual_gap - 30) < 1);
	assert_true(r.p_wait < 0.05);
	rhythm_describe(&r, s, sizeof(s));
	assert_string_equal(s, "buys about every 30 days; 70 days since the last order; "
			       "a wait this long happens fewer than 1 time in 100 for them");
}

/* p_wait falls as the wait grows; repeats on a day count once. */
static void test_monotone_and_repeats(void **state)
{
	static const int gaps[] = { 12, 20, 9, 15, 30, 14 };
	int64_t days[7], rep[14];
	struct rhythm_prior p;
	struct rhythm r, r2;
	double last = 2;
	size_t n, i;
	int w;

	(void)state;
	rhythm_prior_default(&p);
	n = days_from_gaps(0, gaps, 6, days);
	for (w = 0; w < 400; w++) {
		r = eval_ok(&p, days, n, days[n - 1] + w);
		assert_true(r.p_wait <= last && r.p_wait >= 0);
		last = r.p_wait;
	}
	for (i = 0; i < n; i++)
		rep[2 * i] = rep[2 * i + 1] = days[i];
	r = eval_ok(&p, days, n, days[n - 1] + 33);
	r2 = eval_ok(&p, rep, 2 * n, days[n - 1] + 33);
	assert_int_equal(r2.ngaps, 6);
	assert_true(r.p_wait == r2.p_wait && r.usual_gap == r2.usual_gap);
}

static void test_describe(void **state)
{
	struct rhythm r = { .ngaps = 5, .usual_gap = 28.4, .waited = 71, .p_wait = 0.031 };
	char s[200], small[12];

	(void)state;
	rhythm_describe(&r, s, sizeof(s));
	assert_string_equal(s, "buys about every 28 days; 71 days since the last order; "
			       "a wait this long happens 3 times in 100 for them");
	r.p_wait = 0.0099;
	rhythm_describe(&r, s, sizeof(s));
	assert_string_equal(s, "buys about every 28 days; 71 days since the last order; "
			       "a wait this long happens fewer than 1 time in 100 for them");
	r.p_wait = 0.012;
	r.usual_gap = 6.6;
	r.waited = 1;
	rhythm_describe(&r, s, sizeof(s));
	assert_string_equal(s, "buys about every 7 days; 1 day since the last order; "
			       "a wait this long happens 1 time in 100 for them");
	r.p_wait = 0.456;
	r.usual_gap = 1.2;
	r.waited = 0;
	rhythm_describe(&r, s, sizeof(s));
	assert_string_equal(s, "buys about every day; 0 days since the last order; "
			       "a wait this long happens 46 times in 100 for them");
	rhythm_describe(&r, small, sizeof(small));
	assert_string_equal(small, "buys about ");
}

static void test_eval_errors(void **state)
{
	struct rhythm_prior p, bad;
	int64_t days[] = { 10, 30, 20 };
	struct fu_ctx ctx;
	struct rhythm r;

	(void)state;
	rhythm_prior_default(&p);
	fu_ctx_init(&ctx);
	assert_int_equal(rhythm_eval(&ctx, &p, days, 0, 40, &r), FU_EINPUT);
	assert_string_equal(ctx.msg, "rhythm: no purchase days");
	assert_int_equal(rhythm_eval(&ctx, &p, days, 3, 40, &r), FU_EINPUT);
	assert_string_equal(ctx.msg, "rhythm: purchase day 2 (day 20) is before the one before it");
	assert_int_equal(rhythm_eval(&ctx, &p, days, 2, 25, &r), FU_EINPUT);
	assert_string_equal(ctx.msg, "rhythm: today (day 25) is before the last purchase (day 30)");
	bad = p;
	bad.sigma = 0;
	assert_int_equal(rhythm_eval(&ctx, &bad, days, 2, 40, &r), FU_EINPUT);
	assert_int_equal(rhythm_eval(&ctx, NULL, days, 2, 40, &r), FU_EINPUT);
}

/* A long history (beyond the on-stack scratch) works the same way. */
static void test_long_history(void **state)
{
	struct rhythm_prior p;
	int64_t *days = malloc(1000 * sizeof(*days));
	struct rhythm r;
	size_t i;

	(void)state;
	assert_non_null(days);
	rhythm_prior_default(&p);
	for (i = 0; i < 1000; i++)
		days[i] = 7 * (int64_t)i;
	r = eval_ok(&p, days, 1000, days[999] + 7);
	assert_int_equal(r.ngaps, 999);
	assert_true(fabs(r.usual_gap - 7) < 0.01);
	assert_true(r.p_wait > 0.3);
	r = eval_ok(&p, days, 1000, days[999] + 10);
	assert_true(r.p_wait < 0.01);
	free(days);
}

/*
 * rhythm_lapse_day() is where p_wait first falls below p, for clockwork, regular, irregular
 * and one-gap histories (with repeats), and never for a p no wait reaches.
 */
static void test_lapse_day(void **state)
{
	static const int clock[] = { 30, 30, 30, 30 }, reg[] = { 20, 35, 28, 41, 25, 30 },
			 irr[] = { 5, 60, 12, 95, 20, 45, 8, 80 }, one[] = { 14 };
	static const struct { const int *g; size_t n; } h[] = {
		{ clock, 4 }, { reg, 6 }, { irr, 8 }, { one, 1 },
	};
	static const double ps[] = { 0.05, 0.01, 0.3 };
	struct rhythm_prior p;
	struct fu_ctx ctx;
	int64_t days[16], day;
	size_t n;

	(void)state;
	rhythm_prior_default(&p);
	fu_ctx_init(&ctx);
	for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
		for (size_t k = 0; k < sizeof(ps) / sizeof(ps[0]); k++) {
			n = days_from_gaps(20000, h[i].g, h[i].n, days);
			days[n] = days[n - 1]; /* two purchases on the last day */
			assert_int_equal(rhythm_lapse_day(&ctx, &p, days, n + 1, ps[k], &day), FU_OK);
			assert_true(day > days[n] && day < INT64_MAX);
			assert_true(eval_ok(&p, days, n + 1, day).p_wait < ps[k]);
			assert_false(eval_ok(&p, days, n + 1, day - 1).p_wait < ps[k]);
			assert_true(eval_ok(&p, days, n + 1, day + 400).p_wait < ps[k]);
		}
	}
	/* the clockwork buyer is flagged within days of the missed order, the irregular one late */
	n = days_from_gaps(20000, clock, 4, days);
	assert_int_equal(rhythm_lapse_day(&ctx, &p, days, n, 0.05, &day), FU_OK);
	assert_true(day - days[n - 1] > 30 && day - days[n - 1] < 40);
	n = days_from_gaps(20000, irr, 8, days);
	assert_int_equal(rhythm_lapse_day(&ctx, &p, days, n, 0.05, &day), FU_OK);
	assert_true(day - days[n - 1] > 90);
	/* with p = 1 any wait of a day or more will do (a buyer due today is not late); bad p
	 * and bad days are refused */
	assert_int_equal(rhythm_lapse_day(&ctx, &p, days, n, 1, &day), FU_OK);
	assert_true(day == days[n - 1] + 1);
	assert_int_equal(rhythm_lapse_day(&ctx, &p, days, n, 0, &day), FU_EINPUT);
	assert_int_equal(rhythm_lapse_day(&ctx, &p, days, 0, 0.05, &day), FU_EINPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prior_recovery),
		cmocka_unit_test(test_prior_too_few),
		cmocka_unit_test(test_prior_errors),
		cmocka_unit_test(test_clockwork_vs_irregular),
		cmocka_unit_test(test_one_odd_gap),
		cmocka_unit_test(test_seasonal),
		cmocka_unit_test(test_single_purchase),
		cmocka_unit_test(test_shrinkage),
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_monotone_and_repeats),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_eval_errors),
		cmocka_unit_test(test_long_history),
		cmocka_unit_test(test_lapse_day),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
