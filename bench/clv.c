/* bench/clv.c - BG/NBD at scale: fit and predictions for a million simulated customers, time and peak memory */
#include "clv.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "banned.h"

/*
 * Customers are drawn from BG/NBD itself with the estimates Fader, Hardie & Lee (2005) give
 * for CDNOW (in weeks): each has a purchase rate lambda ~ Gamma(r, alpha) and a drop-out
 * probability p ~ Beta(a, b); after their first purchase they buy at rate lambda while
 * alive, and after each repeat purchase they leave with probability p. As in CDNOW, the
 * first purchase falls in the first 12 weeks and the calibration period is 39 weeks, so T
 * is 27 to 39 weeks. Purchases are recorded on whole days, as the store keeps them: several
 * on one day count once, t_x is the day of the last one (in weeks), T a whole number of days.
 * The summaries are what the fit and the predictions get; the simulation is not timed.
 */

#define CAL_DAYS 273  /* 39 weeks */
#define JOIN_DAYS 84  /* first purchases in the first 12 weeks */
#define HORIZON 39.0  /* predictions for the next 39 weeks */

static const struct bgnbd cdnow = { 0.243, 4.414, 0.793, 2.426, 0, 0 };

static double seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* One customer's calibration summary, drawn from the model. */
static void draw(gsl_rng *g, const struct bgnbd *m, struct rfm *c)
{
	double lambda = gsl_ran_gamma(g, m->r, 1 / m->alpha), p = gsl_ran_beta(g, m->a, m->b);
	int64_t T = CAL_DAYS - (int64_t)gsl_rng_uniform_int(g, JOIN_DAYS), last = 0;
	double t = 0, day;

	c->x = 0;
	c->m = 0;
	for (;;) {
		t += gsl_ran_exponential(g, 1 / lambda); /* infinite for a rate of 0 */
		day = ceil(t * 7);
		if (!(day <= (double)T))
			break;
		if ((int64_t)day > last) {
			c->x++;
			last = (int64_t)day;
		}
		if (gsl_rng_uniform(g) < p)
			break;
	}
	c->t_x = (double)last / 7;
	c->T = (double)T / 7;
}

static int parse_count(const char *flag, const char *v, double lo, double hi, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || end == v || d < lo || d > hi || d != floor(d)) {
		fprintf(stderr, "bench-clv: %s: '%s' is not a whole number from %.0f to %.0f\n", flag,
			v, lo, hi);
		return 1;
	}
	*out = d;
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: bench-clv [--customers N] [--seed S]\n"
	      "Simulates N customers (default 1000000) from BG/NBD with CDNOW's estimates, then\n"
	      "times bgnbd_fit() and bgnbd_predict() (P(alive) and expected purchases in the next\n"
	      "39 weeks for all) and prints the peak resident memory.\n", f);
}

int main(int argc, char **argv)
{
	double ncust = 1000000, seed = 1, t0, t_fit, t_pred, sum = 0, alive = 0;
	struct rfm *c = NULL;
	double *p_alive = NULL, *expected = NULL;
	struct bgnbd fit;
	struct fu_ctx ctx;
	struct rusage ru;
	gsl_rng *g = NULL;
	size_t n, i;
	int rc = 1;

	for (int k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "-h") || !strcmp(argv[k], "--help")) {
			usage(stdout);
			return 0;
		}
		if (k + 1 >= argc) {
			fprintf(stderr, "bench-clv: '%s': unknown flag or missing value\n", argv[k]);
			usage(stderr);
			return 1;
		}
		if (!strcmp(argv[k], "--customers")) {
			if (parse_count(argv[k], argv[k + 1], 100, 1e8, &ncust))
				return 1;
		} else if (!strcmp(argv[k], "--seed")) {
			if (parse_count(argv[k], argv[k + 1], 0, 4e9, &seed))
				return 1;
		} else {
			fprintf(stderr, "bench-clv: '%s': unknown flag\n", argv[k]);
			usage(stderr);
			return 1;
		}
		k++;
	}
	n = (size_t)ncust;
	c = malloc(n * sizeof(*c));
	p_alive = malloc(n * sizeof(*p_alive));
	expected = malloc(n * sizeof(*expected));
	g = gsl_rng_alloc(gsl_rng_mt19937);
	if (!c || !p_alive || !expected || !g) {
		fputs("bench-clv: out of memory\n", stderr);
		goto out;
	}
	gsl_rng_set(g, (unsigned long)seed);
	for (i = 0; i < n; i++)
		draw(g, &cdnow, &c[i]);

	fu_ctx_init(&ctx);
	t0 = seconds();
	if (bgnbd_fit(&ctx, c, n, &fit)) {
		fprintf(stderr, "bench-clv: %s\n", ctx.msg);
		goto out;
	}
	t_fit = seconds() - t0;
	t0 = seconds();
	if (bgnbd_predict(&ctx, &fit, c, n, HORIZON, p_alive, expected)) {
		fprintf(stderr, "bench-clv: %s\n", ctx.msg);
		goto out;
	}
	t_pred = seconds() - t0;
	for (i = 0; i < n; i++) {
		sum += expected[i];
		alive += p_alive[i];
	}
	getrusage(RUSAGE_SELF, &ru);

	printf("BG/NBD on %zu simulated customers (seed %.0f; CDNOW's parameters, weeks, day grid)\n",
	       n, seed);
	printf("  %-10s %8s %8s %8s %8s\n", "", "r", "alpha", "a", "b");
	printf("  %-10s %8.4f %8.4f %8.4f %8.4f\n", "true", cdnow.r, cdnow.alpha, cdnow.a, cdnow.b);
	printf("  %-10s %8.4f %8.4f %8.4f %8.4f  (ll %.1f, %d iterations)\n", "estimated", fit.r,
	       fit.alpha, fit.a, fit.b, fit.ll, fit.iterations);
	printf("fit:         %.3f s\n", t_fit);
	printf("predictions: %.1f ms (P(alive) and expected purchases in the next %.0f weeks for all:"
	       " mean P(alive) %.3f, %.0f purchases expected)\n", t_pred * 1e3, HORIZON,
	       alive / (double)n, sum);
	printf("peak memory: %.0f MB (ru_maxrss)\n", (double)ru.ru_maxrss / 1024.0);
	rc = fflush(stdout) || ferror(stdout);
out:
	gsl_rng_free(g);
	free(expected);
	free(p_alive);
	free(c);
	return rc;
}
