/* bench/lapse.c - lapse quality: the rhythm rule against two naive rules on simulated customers who really stopped */
#include "rhythm.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "banned.h"

/*
 * Each simulated customer has their own mean gap (log-uniform, 7..120 days) and regularity:
 * clockwork (log-normal gaps, sigma 0.03..0.12), regular (gamma, shape 3..10) or irregular
 * (gamma, shape 0.6..1.5, so many are alive but in a long gap); any gap is a holiday, two to
 * four times as long, with probability 3%. Established customers start at a random phase at
 * the window's start, new ones join at a random day of the first 640. A fraction stops buying
 * at a time uniform between their first purchase and today. The history is the distinct
 * purchase days of the two years (730 days) up to today.
 *
 * Truth at today: stopped, and observably so (at least one mean gap has passed since the
 * stop); customers who stopped less than a gap ago are left out of the scores. "Recent" scores
 * are on the alive customers plus those who stopped in the last RECENT days, so a flag on a
 * long-gone customer neither helps nor hurts there.
 */

#define DAYS 730
#define RECENT 120
#define NAIVE_DAYS 90

enum { ALIVE, STOPPED, UNSEEN }; /* UNSEEN: stopped less than a mean gap ago, not scored */

struct cust {
	size_t off, n;    /* purchase days in the shared array */
	double mean_gap;  /* the true mean gap (holidays aside) */
	double stop;      /* day of the stop, or DAYS + 1 */
	int truth;
};

struct world {
	struct cust *c;
	size_t nc;
	int64_t *days;
	size_t *offsets;
	size_t ndays, cap;
};

enum { RULE_RHYTHM, RULE_90, RULE_TWICE, NRULES };

static const char *rule_name[NRULES] = {
	"rhythm: p_wait < threshold",
	"no purchase in 90 days",
	"waited > 2 x own mean gap",
};

static int push_day(struct world *w, int64_t d)
{
	if (w->ndays == w->cap) {
		size_t ncap = w->cap ? 2 * w->cap : 1 << 16;
		int64_t *nd = realloc(w->days, ncap * sizeof(*nd));

		if (!nd)
			return -1;
		w->days = nd;
		w->cap = ncap;
	}
	w->days[w->ndays++] = d;
	return 0;
}

static double draw_gap(gsl_rng *r, int kind, double mean, double shape)
{
	double g;

	if (kind == 0) /* clockwork: log-normal with this mean, sigma = shape */
		g = gsl_ran_lognormal(r, log(mean) - shape * shape / 2, shape);
	else
		g = gsl_ran_gamma(r, shape, mean / shape);
	if (gsl_rng_uniform(r) < 0.03)
		g *= 2 + 2 * gsl_rng_uniform(r);
	return g;
}

/* Simulates n customers from seed with a fraction stop of them stopping; -1 on out of memory. */
static int simulate(struct world *w, size_t n, unsigned long seed, double stop_frac)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	size_t i;

	if (!r)
		return -1;
	gsl_rng_set(r, seed);
	memset(w, 0, sizeof(*w));
	w->c = calloc(n, sizeof(*w->c));
	w->offsets = calloc(n + 1, sizeof(*w->offsets));
	if (!w->c || !w->offsets)
		goto fail;
	w->nc = n;
	for (i = 0; i < n; i++) {
		struct cust *c = &w->c[i];
		double u = gsl_rng_uniform(r), shape, t, end;
		int kind;

		c->mean_gap = exp(log(7) + (log(120) - log(7)) * gsl_rng_uniform(r));
		if (u < 0.3) {
			kind = 0;
			shape = 0.03 + 0.09 * gsl_rng_uniform(r);
		} else if (u < 0.7) {
			kind = 1;
			shape = 3 + 7 * gsl_rng_uniform(r);
		} else {
			kind = 2;
			shape = 0.6 + 0.9 * gsl_rng_uniform(r);
		}
		if (gsl_rng_uniform(r) < 0.6)
			t = c->mean_gap * gsl_rng_uniform(r);
		else
			t = 640 * gsl_rng_uniform(r);
		c->stop = DAYS + 1;
		if (gsl_rng_uniform(r) < stop_frac)
			c->stop = t + (DAYS - t) * gsl_rng_uniform(r);
		end = c->stop < DAYS ? c->stop : DAYS;
		c->off = w->ndays;
		while (t <= end) {
			int64_t d = (int64_t)floor(t);

			if ((w->ndays == c->off || w->days[w->ndays - 1] != d) && push_day(w, d))
				goto fail;
			t += draw_gap(r, kind, c->mean_gap, shape);
		}
		c->n = w->ndays - c->off;
		if (c->stop > DAYS)
			c->truth = ALIVE;
		else if (DAYS - c->stop >= c->mean_gap)
			c->truth = STOPPED;
		else
			c->truth = UNSEEN;
	}
	for (i = 0; i < n; i++)
		w->offsets[i] = w->c[i].off;
	w->offsets[n] = w->ndays;
	gsl_rng_free(r);
	return 0;
fail:
	gsl_rng_free(r);
	return -1;
}

static void world_release(struct world *w)
{
	free(w->c);
	free(w->days);
	free(w->offsets);
}

struct score {
	long tp, fp, fn;
};

static double prec(const struct score *s)
{
	return s->tp + s->fp ? (double)s->tp / (double)(s->tp + s->fp) : 0;
}

static double recall(const struct score *s)
{
	return s->tp + s->fn ? (double)s->tp / (double)(s->tp + s->fn) : 0;
}

static void tally(struct score *s, int flagged, int positive)
{
	if (flagged && positive)
		s->tp++;
	else if (flagged)
		s->fp++;
	else if (positive)
		s->fn++;
}

/* Per customer: p_wait, waited and the own mean gap (0 with one purchase day). */
struct view {
	double p_wait, waited, own_mean;
};

static int observe(struct fu_ctx *ctx, const struct world *w, struct rhythm_prior *prior,
		   struct view *v)
{
	size_t i;
	int rc;

	rc = rhythm_prior_fit(ctx, w->days, w->offsets, w->nc, prior);
	if (rc)
		return rc;
	for (i = 0; i < w->nc; i++) {
		const struct cust *c = &w->c[i];
		const int64_t *d = w->days + c->off;
		struct rhythm r;

		rc = rhythm_eval(ctx, prior, d, c->n, DAYS, &r);
		if (rc)
			return rc;
		v[i].p_wait = r.p_wait;
		v[i].waited = r.waited;
		v[i].own_mean = c->n > 1 ? (double)(d[c->n - 1] - d[0]) / (double)(c->n - 1) : 0;
	}
	return FU_OK;
}

static int flag(int rule, const struct view *v, double threshold)
{
	switch (rule) {
	case RULE_RHYTHM:
		return v->p_wait < threshold;
	case RULE_90:
		return v->waited > NAIVE_DAYS;
	default: /* with one purchase day there is no mean gap: fall back on 90 days */
		return v->own_mean > 0 ? v->waited > 2 * v->own_mean : v->waited > NAIVE_DAYS;
	}
}

/* Scores one rule overall (all[]) and on the alive plus the recently stopped (recent[]). */
static void score_rule(const struct world *w, const struct view *v, int rule, double threshold,
		       struct score *all, struct score *recent)
{
	size_t i;

	memset(all, 0, sizeof(*all));
	memset(recent, 0, sizeof(*recent));
	for (i = 0; i < w->nc; i++) {
		const struct cust *c = &w->c[i];
		int f;

		if (c->truth == UNSEEN)
			continue;
		f = flag(rule, &v[i], threshold);
		tally(all, f, c->truth == STOPPED);
		if (c->truth == ALIVE || DAYS - c->stop <= RECENT)
			tally(recent, f, c->truth == STOPPED);
	}
}

static void usage(FILE *f)
{
	fputs("usage: bench-lapse [--customers N] [--seed S] [--tune-seed T] [--stop-frac F]"
	      " [--threshold P]\n", f);
}

static int parse_num(const char *flag, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "bench-lapse: %s '%s': expected a number from %g to %g\n", flag, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* Thresholds tried: 0.002 to about 0.3, 10% apart. */
#define GRID_FIRST 0.002
#define GRID_STEP 1.1
#define NGRID 53

/* The smallest of ours minus the better naive rule in precision and recall, overall and recent. */
static double worst_margin(const struct world *w, const struct view *v, double threshold)
{
	struct score a[NRULES], r[NRULES];
	double m[4] = { 0, 0, 0, 0 }, worst;
	int rule, j;

	for (rule = 0; rule < NRULES; rule++)
		score_rule(w, v, rule, threshold, &a[rule], &r[rule]);
	for (rule = RULE_90; rule < NRULES; rule++) {
		double x[4] = { prec(&a[rule]), recall(&a[rule]), prec(&r[rule]), recall(&r[rule]) };

		for (j = 0; j < 4; j++)
			if (x[j] > m[j])
				m[j] = x[j];
	}
	worst = prec(&a[0]) - m[0];
	if (recall(&a[0]) - m[1] < worst)
		worst = recall(&a[0]) - m[1];
	if (prec(&r[0]) - m[2] < worst)
		worst = prec(&r[0]) - m[2];
	if (recall(&r[0]) - m[3] < worst)
		worst = recall(&r[0]) - m[3];
	return worst;
}

int main(int argc, char **argv)
{
	double ncust = 20000, seed = 1, tune_seed = 2, stop_frac = 0.3, threshold = -1, best = -2;
	struct rhythm_prior prior;
	struct world w;
	struct view *v;
	struct fu_ctx ctx;
	size_t g, nstop = 0, nrecent = 0, nunseen = 0, i;
	int bad = 0, rule;

	for (i = 1; i < (size_t)argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= (size_t)argc) {
			fprintf(stderr, "bench-lapse: '%s': unknown flag or missing value\n", a);
			usage(stderr);
			return 1;
		}
		if (!strcmp(a, "--customers"))
			bad |= parse_num(a, argv[++i], 100, 1e7, &ncust);
		else if (!strcmp(a, "--seed"))
			bad |= parse_num(a, argv[++i], 0, 4e9, &seed);
		else if (!strcmp(a, "--tune-seed"))
			bad |= parse_num(a, argv[++i], 0, 4e9, &tune_seed);
		else if (!strcmp(a, "--stop-frac"))
			bad |= parse_num(a, argv[++i], 0, 1, &stop_frac);
		else if (!strcmp(a, "--threshold"))
			bad |= parse_num(a, argv[++i], 0, 1, &threshold);
		else {
			fprintf(stderr, "bench-lapse: '%s': unknown flag\n", a);
			usage(stderr);
			return 1;
		}
	}
	if (bad)
		return 1;
	if (tune_seed == seed) {
		fputs("bench-lapse: --tune-seed must differ from --seed\n", stderr);
		return 1;
	}
	fu_ctx_init(&ctx);
	v = malloc((size_t)ncust * sizeof(*v));
	if (!v) {
		fputs("bench-lapse: out of memory\n", stderr);
		return 2;
	}

	/*
	 * The threshold, on a separate seed: the one whose worst margin over the better naive
	 * rule, across the four columns of the table, is largest (the goal is to beat both on
	 * precision and recall at once, overall and for recent stops).
	 */
	if (threshold < 0) {
		if (simulate(&w, (size_t)ncust, (unsigned long)tune_seed, stop_frac)) {
			fputs("bench-lapse: out of memory\n", stderr);
			return 2;
		}
		if (observe(&ctx, &w, &prior, v)) {
			fprintf(stderr, "bench-lapse: %s\n", ctx.msg);
			return 2;
		}
		for (g = 0; g < NGRID; g++) {
			double t = GRID_FIRST * pow(GRID_STEP, (double)g), q;

			q = worst_margin(&w, v, t);
			if (q > best) {
				best = q;
				threshold = t;
			}
		}
		world_release(&w);
	}

	if (simulate(&w, (size_t)ncust, (unsigned long)seed, stop_frac)) {
		fputs("bench-lapse: out of memory\n", stderr);
		return 2;
	}
	if (observe(&ctx, &w, &prior, v)) {
		fprintf(stderr, "bench-lapse: %s\n", ctx.msg);
		return 2;
	}
	for (i = 0; i < w.nc; i++) {
		nstop += w.c[i].truth == STOPPED;
		nunseen += w.c[i].truth == UNSEEN;
		nrecent += w.c[i].truth == STOPPED && DAYS - w.c[i].stop <= RECENT;
	}
	printf("customers %zu (seed %.0f), %zu purchase days over %d days; stopped and observable %zu "
	       "(%zu in the last %d days), stopped less than a gap ago (not scored) %zu\n",
	       w.nc, seed, w.ndays, DAYS, nstop, nrecent, RECENT, nunseen);
	printf("prior fitted: mu %.3f (%.1f days), sigma %.3f, tau %.3f, weight %.3f, from %ld customers\n",
	       prior.mu, exp(prior.mu), prior.sigma, prior.tau, prior.weight, prior.customers);
	if (best > -2)
		printf("threshold %.4f (tuned on seed %.0f: largest worst margin over the naive rules, %+.3f there)\n\n",
		       threshold, tune_seed, best);
	else
		printf("threshold %g (given)\n\n", threshold);
	printf("| rule | precision | recall | precision, stopped <= %d d | recall, stopped <= %d d |\n",
	       RECENT, RECENT);
	printf("|---|---|---|---|---|\n");
	for (rule = 0; rule < NRULES; rule++) {
		struct score all, recent;

		score_rule(&w, v, rule, threshold, &all, &recent);
		printf("| %s | %.3f | %.3f | %.3f | %.3f |\n", rule_name[rule], prec(&all), recall(&all),
		       prec(&recent), recall(&recent));
	}
	world_release(&w);
	free(v);
	if (fflush(stdout) || ferror(stdout)) {
		fputs("bench-lapse: writing stdout failed\n", stderr);
		return 2;
	}
	return 0;
}
