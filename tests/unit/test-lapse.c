/* test-lapse.c - unit tests for the money a lapse puts at risk (src/lapse.c) */
#include "lapse.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "banned.h"

#define DAY 86400
#define TODAY 20000 /* a day number: 2024-10-04 */

/*
 * A model like a real shop's: the default rhythm prior (a monthly buyer), and a Gamma-Gamma
 * with a heavy tail (q near 1: a few customers spend hundreds), so its population mean
 * p gamma / (q - 1) is $500 a purchase while a typical one is a few tens of dollars.
 */
static void shop_model(struct lapse_model *m)
{
	lapse_model_default(m, (int64_t)TODAY * DAY);
	m->has_gg = 1;
	m->gg.p = 2.5;
	m->gg.q = 1.3;
	m->gg.gamma = 60;
}

static struct lapse eval_ok(const struct lapse_model *m, const int64_t *days,
			    const double *amounts, size_t n)
{
	struct fu_ctx ctx;
	struct lapse l;

	fu_ctx_init(&ctx);
	assert_int_equal(lapse_eval(&ctx, m, days, amounts, n, (int64_t)TODAY * DAY + 3600, &l), FU_OK);
	return l;
}

/* The issue's own-pace rate: total x 365 / (first to last + one usual gap, at least 30 days). */
static double own_pace(const int64_t *days, const double *amounts, size_t n, double usual_gap)
{
	double total = 0, span = (double)(days[n - 1] - days[0]) + usual_gap;

	for (size_t i = 0; i < n; i++)
		total += amounts[i];
	return total * 365 / (span > 30 ? span : 30);
}

/*
 * Issue 14's customer: two purchases, $5.81 and $11.78, 87 days apart, silent since. The
 * heavy-tailed Gamma-Gamma puts their spend per purchase near $64 and the short history's
 * rhythm is pulled towards the monthly prior, so 365 / gap x spend is several hundred dollars
 * a year: ten times what they ever spent at their own pace. The money must stay within a
 * small multiple of that pace.
 */
static void test_two_small_purchases(void **state)
{
	struct lapse_model m;
	int64_t days[] = { TODAY - 300, TODAY - 213 };
	double amounts[] = { 5.81, 11.78 };
	struct lapse l;
	double pace, model_rate;

	(void)state;
	shop_model(&m);
	l = eval_ok(&m, days, amounts, 2);
	assert_true(l.lapsed);
	pace = own_pace(days, amounts, 2, l.r.usual_gap);
	model_rate = 365 / l.r.usual_gap * l.spend;
	if (!(model_rate > 5 * pace))
		fail_msg("the case is not the hard one: the model's rate %.2f is within 5 x the pace %.2f",
			 model_rate, pace);
	if (!(fabs(l.observed - pace) < 1e-9))
		fail_msg("observed pace %.4f, expected %.4f", l.observed, pace);
	if (!(l.at_risk <= LAPSE_PACE_CAP * pace + 1e-9 && l.at_risk <= 3 * pace))
		fail_msg("$%.2f a year at risk for $%.2f a year spent at their own pace (cap %g x)",
			 l.at_risk, pace, LAPSE_PACE_CAP);
	if (!(l.at_risk > 0.5 * pace))
		fail_msg("$%.2f a year at risk: a lapsing customer with P(alive) unknown is worth their pace ($%.2f)",
			 l.at_risk, pace);
}

/*
 * A burst of six $10 purchases two days apart, then 200 days of silence: 365 / 2 days times
 * the population-shrunk spend (about $21 a purchase) is over $3,000 a year, five times what
 * they spent at their own pace.
 */
static void test_burst(void **state)
{
	struct lapse_model m;
	int64_t days[6];
	double amounts[6];
	struct lapse l;
	double pace;

	(void)state;
	shop_model(&m);
	for (int i = 0; i < 6; i++) {
		days[i] = TODAY - 210 + 2 * i;
		amounts[i] = 10;
	}
	l = eval_ok(&m, days, amounts, 6);
	assert_true(l.lapsed);
	pace = own_pace(days, amounts, 6, l.r.usual_gap);
	if (!(l.at_risk <= LAPSE_PACE_CAP * pace + 1e-9 && l.at_risk <= 3 * pace))
		fail_msg("burst priced at $%.0f a year (their pace $%.0f, cap %g x)", l.at_risk, pace,
			 LAPSE_PACE_CAP);
}

/* A steady monthly buyer: the model and their own pace agree and the cap does not bind. */
static void test_steady_buyer_unchanged(void **state)
{
	struct lapse_model m;
	int64_t days[20];
	double amounts[20];
	struct lapse l;

	(void)state;
	lapse_model_default(&m, (int64_t)TODAY * DAY);
	for (int i = 0; i < 20; i++) {
		days[i] = TODAY - 90 - 30 * (19 - i);
		amounts[i] = 50;
	}
	l = eval_ok(&m, days, amounts, 20);
	assert_true(l.lapsed);
	if (!(fabs(l.yearly - 365.0 / l.r.usual_gap * 50) < 1e-6))
		fail_msg("steady buyer: yearly $%.2f, expected 365 / %.2f x $50", l.yearly, l.r.usual_gap);
	if (!(fabs(l.at_risk - 365.0 / 30 * 50) < 5))
		fail_msg("steady buyer: $%.2f at risk, expected about $608", l.at_risk);
}

/*
 * The same shop with BG/NBD fitted too: CDNOW's (Fader, Hardie & Lee 2005) in days, a rate
 * prior Gamma(0.243, 30.9 days) (a typical customer buys every four months; alpha is worth
 * about a month of exposure).
 */
static void shop_model_bg(struct lapse_model *m)
{
	shop_model(m);
	m->has_bg = 1;
	m->bg.r = 0.243;
	m->bg.alpha = 4.414 * 7;
	m->bg.a = 0.793;
	m->bg.b = 2.426;
}

/*
 * A burst of big purchases two days apart (three of $1,500), then six weeks of silence. The
 * rhythm reads a buyer every two or three days: 365 / gap x $1,500 is over $200,000 a year,
 * and twice their pace with its 30-day floor still about $110,000. Three purchases in four
 * days are not that habit: BG/NBD's rate for two repeat purchases over four days, shrunk
 * towards the population's, is about 23 purchase days a year.
 */
static void test_burst_big(void **state)
{
	struct lapse_model m;
	int64_t days[] = { TODAY - 44, TODAY - 42, TODAY - 40 };
	double amounts[] = { 1500, 1500, 1500 }, bg;
	struct lapse l;

	(void)state;
	shop_model_bg(&m);
	l = eval_ok(&m, days, amounts, 3);
	assert_true(l.lapsed);
	bg = 365 * (m.bg.r + 2) / (m.bg.alpha + 4);
	if (!(365 / l.r.usual_gap > 100))
		fail_msg("the case is not the hard one: the rhythm says every %.1f days", l.r.usual_gap);
	if (!(fabs(l.bg_per_year - bg) < 1e-9 && fabs(l.per_year - bg) < 1e-9))
		fail_msg("priced at %.1f purchase days a year (BG/NBD %.1f), expected %.1f", l.per_year,
			 l.bg_per_year, bg);
	if (!(l.yearly <= bg * l.spend + 1e-6 && l.at_risk < 50000))
		fail_msg("a $4,500 burst priced at $%.0f a year ($%.0f at risk)", l.yearly, l.at_risk);
}

/* A steady monthly buyer of 20 purchases: BG/NBD's rate and their rhythm agree within 5%. */
static void test_steady_buyer_bg(void **state)
{
	struct lapse_model m;
	int64_t days[20];
	double amounts[20];
	struct lapse l;

	(void)state;
	shop_model_bg(&m);
	for (int i = 0; i < 20; i++) {
		days[i] = TODAY - 90 - 30 * (19 - i);
		amounts[i] = 50;
	}
	l = eval_ok(&m, days, amounts, 20);
	assert_true(l.lapsed);
	if (!(l.per_year > 0.95 * 365 / l.r.usual_gap && l.per_year <= 365 / l.r.usual_gap))
		fail_msg("steady buyer priced at %.2f purchase days a year, their rhythm says %.2f",
			 l.per_year, 365 / l.r.usual_gap);
}

/*
 * The demo's business fits Gamma-Gamma with q = 0.85: the base's mean spend is unbounded and
 * the model's weight on a customer's own mean is above 1, so a customer who spent $30 and
 * $40 would be priced at $60 a purchase. Shrinking toward an unbounded mean is no
 * shrinking: their own mean, $35, stands.
 */
static void test_heavy_tail_spend(void **state)
{
	struct lapse_model m;
	int64_t days[] = { TODAY - 200, TODAY - 170 };
	double amounts[] = { 30, 40 };
	struct lapse l;

	(void)state;
	shop_model(&m);
	m.gg.p = 4.265;
	m.gg.q = 0.846;
	m.gg.gamma = 18.06;
	l = eval_ok(&m, days, amounts, 2);
	if (!(fabs(l.spend - 35) < 1e-9))
		fail_msg("spend per purchase day $%.2f for a customer who spent $30 and $40 (q %.3f)", l.spend,
			 m.gg.q);
	m.gg.q = 1.3; /* a proper shrinkage: between their $40 repeat purchase and the base's mean */
	l = eval_ok(&m, days, amounts, 2);
	if (!(l.spend > 40 && l.spend < m.gg.p * m.gg.gamma / (m.gg.q - 1)))
		fail_msg("q 1.3: spend per purchase day $%.2f", l.spend);
}

/* No amounts recorded: no money at risk, not the population's. */
static void test_no_amounts(void **state)
{
	struct lapse_model m;
	int64_t days[] = { TODAY - 200, TODAY - 170, TODAY - 140 };
	struct lapse l;

	(void)state;
	shop_model(&m);
	l = eval_ok(&m, days, NULL, 3);
	assert_true(l.lapsed);
	if (l.at_risk != 0)
		fail_msg("no amounts, yet $%.2f at risk", l.at_risk);
}

/*
 * lapse_explain: every number of the two-purchase customer, as lapse_eval gives it, with
 * what it comes from (the gaps, the model's parts, the summary, the cap); nothing for a
 * contact without purchases.
 */
static void test_explain(void **state)
{
	struct lapse_model m;
	int64_t contact[] = { 7 }, day[] = { TODAY - 300, TODAY - 213 }, tm[2];
	size_t off[] = { 0, 2 };
	double amount[] = { 5.81, 11.78 };
	struct purchase_log p = { 1, 2, contact, off, day, tm, amount };
	struct lapse_explanation x;
	struct lapse l;
	struct fu_ctx ctx;

	(void)state;
	tm[0] = day[0] * DAY;
	tm[1] = day[1] * DAY;
	shop_model_bg(&m);
	fu_ctx_init(&ctx);
	assert_int_equal(lapse_explain(&ctx, &m, &p, 7, (int64_t)TODAY * DAY + 3600, &x), FU_OK);
	l = eval_ok(&m, day, amount, 2);
	assert_true(x.has_purchases);
	assert_int_equal(x.purchases, 2);
	assert_int_equal(x.first_day, TODAY - 300);
	assert_int_equal(x.last_day, TODAY - 213);
	assert_true(fabs(x.total - 17.59) < 1e-9);
	assert_int_equal(x.ngaps, 1);
	assert_int_equal(x.gap[0], 87);
	assert_memory_equal(&x.l, &l, sizeof(l)); /* the same evaluation as lapse_eval */
	assert_true(x.l.lapsed);
	assert_int_equal(x.cutoff, m.cutoff);
	assert_false(x.prior_fitted); /* the documented default */
	assert_true(x.has_bg && x.has_gg && x.spend_from_gg);
	assert_true(x.rfm.x == 1 && x.rfm.t_x == 87 && x.rfm.T == 300 && fabs(x.rfm.m - 11.78) < 1e-9);
	assert_true(fabs(x.cap - LAPSE_PACE_CAP * l.observed) < 1e-9);
	if (x.capped != (l.per_year * l.spend > x.cap))
		fail_msg("capped %d, yet %.2f purchase days x $%.2f against a cap of $%.2f", x.capped,
			 l.per_year, l.spend, x.cap);
	assert_int_equal(lapse_explain(&ctx, &m, &p, 8, (int64_t)TODAY * DAY, &x), FU_OK);
	assert_false(x.has_purchases);
}

/* Thirty gaps: the explanation keeps the last LAPSE_EXPLAIN_GAPS, oldest first; same-day repeats are no gap. */
static void test_explain_gaps(void **state)
{
	struct lapse_model m;
	int64_t contact[] = { 3 }, day[32], tm[32];
	size_t off[] = { 0, 32 };
	double amount[32];
	struct purchase_log p = { 1, 32, contact, off, day, tm, amount };
	struct lapse_explanation x;
	struct fu_ctx ctx;
	int64_t d = TODAY - 2000;

	(void)state;
	for (int i = 0; i < 32; i++) {
		if (i != 20) /* a second purchase on day 19's day */
			d += 10 + i;
		day[i] = d;
		tm[i] = d * DAY;
		amount[i] = 10;
	}
	shop_model(&m);
	fu_ctx_init(&ctx);
	assert_int_equal(lapse_explain(&ctx, &m, &p, 3, (int64_t)TODAY * DAY, &x), FU_OK);
	assert_int_equal(x.l.r.ngaps, 30);
	assert_int_equal(x.ngaps, LAPSE_EXPLAIN_GAPS);
	/* the gaps of purchases 7..31 but 20: 17, ..., 29, 31, ..., 41 */
	for (int i = 0, k = 7; i < LAPSE_EXPLAIN_GAPS; i++, k++) {
		k += k == 20;
		if (x.gap[i] != 10 + k)
			fail_msg("gap %d is %lld days, expected %d", i, (long long)x.gap[i], 10 + k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_small_purchases),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_steady_buyer_unchanged),
		cmocka_unit_test(test_burst_big),
		cmocka_unit_test(test_steady_buyer_bg),
		cmocka_unit_test(test_heavy_tail_spend),
		cmocka_unit_test(test_no_amounts),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_explain_gaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
