/* clv.c - BG/NBD, Pareto/NBD and Gamma-Gamma: likelihoods, maximum-likelihood fits, predictions */
#include "clv.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_hyperg.h>
#include <gsl/gsl_sf_psi.h>

#include "banned.h"

/*
 * References (formulas only; the code is written from them):
 *  Fader, Hardie & Lee (2005), "Counting your customers the easy way", Marketing Science 24(2),
 *  and Fader & Hardie's note "Implementing the BG/NBD model ..." (ln A terms, the #NUM! problem);
 *  Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and related expressions" and
 *  "Implementing the Pareto/NBD model" (the 2F1 form of A0 and its two branches);
 *  Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves" (Gamma-Gamma).
 * All fits maximise over log-parameters, so every parameter stays positive.
 */

#define SERIES_MAX 1000000 /* terms before a hypergeometric series gives up */

/*
 * The objectives are +inf beyond |ln parameter| > TH_WALL, which keeps every search in a box;
 * an optimum beyond TH_EDGE (a parameter below 2e-9 or above 5e8) means the likelihood has no
 * finite maximum: the data (say, no repeat purchases at all) do not identify the model.
 */
#define TH_WALL 30
#define TH_EDGE 20

static int off_the_edge(const double *th, size_t dim)
{
	size_t i;

	for (i = 0; i < dim; i++)
		if (!(fabs(th[i]) <= TH_EDGE))
			return 1;
	return 0;
}

static int beyond_wall(const gsl_vector *v)
{
	size_t i;

	for (i = 0; i < v->size; i++)
		if (!(fabs(gsl_vector_get(v, i)) <= TH_WALL))
			return 1;
	return 0;
}

/*
 * GSL's default error handler aborts the process. GSL offers no per-call alternative: the
 * handler is a process-wide setting, so the functions that call GSL routines which can fail
 * (the fits, the hypergeometric function) switch it off and read return codes instead.
 */
static void gsl_quiet(void)
{
	gsl_set_error_handler_off();
}

/* ln(e^a + e^b), exact for -inf arguments. */
static double lse(double a, double b)
{
	double t;

	if (a < b) {
		t = a;
		a = b;
		b = t;
	}
	if (b == -INFINITY)
		return a;
	return a + log1p(exp(b - a));
}

/* ln(1 - e^d) for d <= 0 (-inf at d = 0). */
static double log1mexp(double d)
{
	return d > -M_LN2 ? log(-expm1(d)) : log1p(-exp(d));
}

/*
 * Compensated (Neumaier) summation. The Pareto/NBD likelihood is so flat along its ridge that
 * beta's fourth decimal moves the log-likelihood by about 1e-9; plain summation of a few
 * thousand terms near 1e4 is noisy at 1e-11 and stalls the optimiser short of the optimum.
 */
struct ksum {
	double s, c;
};

static void ksum_add(struct ksum *k, double v)
{
	double t = k->s + v;

	if (fabs(k->s) >= fabs(v))
		k->c += (k->s - t) + v;
	else
		k->c += (v - t) + k->s;
	k->s = t;
}

/* 1 when c is a valid summary (see clv.h). */
static int rfm_ok(const struct rfm *c)
{
	return isfinite(c->x) && c->x >= 0 && c->x == floor(c->x) && isfinite(c->T) && c->T >= 0 &&
	       isfinite(c->t_x) && c->t_x >= 0 && c->t_x <= c->T && (c->x > 0 || c->t_x == 0);
}

static int rfm_check(struct fu_ctx *ctx, const struct rfm *c, size_t i)
{
	if (!(isfinite(c->x) && c->x >= 0 && c->x == floor(c->x)))
		return fu_err(ctx, FU_EINPUT, "customer %zu: repeat purchases x = %g is not a whole number",
			      i, c->x);
	if (!(isfinite(c->T) && c->T >= 0))
		return fu_err(ctx, FU_EINPUT, "customer %zu: age T = %g is negative or not finite", i, c->T);
	if (!(isfinite(c->t_x) && c->t_x >= 0 && c->t_x <= c->T))
		return fu_err(ctx, FU_EINPUT, "customer %zu: last purchase t_x = %g is outside [0, T = %g]",
			      i, c->t_x, c->T);
	if (c->x == 0 && c->t_x != 0)
		return fu_err(ctx, FU_EINPUT, "customer %zu: t_x = %g without repeat purchases", i, c->t_x);
	return FU_OK;
}

/* ---- grouping identical summaries ---- */

static uint64_t mix64(uint64_t z)
{
	z ^= z >> 30;
	z *= 0xbf58476d1ce4e5b9ULL;
	z ^= z >> 27;
	z *= 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z;
}

static uint64_t dbits(double v)
{
	uint64_t u;

	v += 0.0; /* -0 and +0 hash alike */
	memcpy(&u, &v, sizeof(u));
	return u;
}

/*
 * Distinct (x, t_x, T) summaries with their counts. The distinct x values and the distinct
 * times (t_x and T together) are indexed too, so that a likelihood evaluation computes each
 * log-gamma once per x and each ln(alpha + t) once per time: on data from a day grid these
 * sets are small whatever the number of customers.
 */
struct group {
	double x, t_x, T;
	double w;       /* customers with this summary */
	size_t xi;      /* index into xv */
	size_t ti, txi; /* indices of T and t_x into tv */
};

struct groups {
	struct group *g;
	size_t ng;
	double *xv; /* distinct x */
	double *xw; /* customers with that x */
	size_t nx;
	double *tv; /* distinct times */
	size_t nt;
	double n;      /* customers */
	double sum_x;  /* total repeat purchases */
	double sum_T;  /* total age */
};

static void groups_release(struct groups *G)
{
	free(G->g);
	free(G->xv);
	free(G->xw);
	free(G->tv);
	memset(G, 0, sizeof(*G));
}

static size_t pow2_at_least(size_t n)
{
	size_t p = 16;

	while (p < n)
		p <<= 1;
	return p;
}

/*
 * Index of v among vals[0..*nv), appending it when new. slot[cap] (cap a power of two, more
 * than twice the number of values it will hold) holds 1 + an index, 0 when free.
 */
static size_t distinct(double v, double *vals, size_t *nv, size_t *slot, size_t cap)
{
	size_t h = mix64(dbits(v)) & (cap - 1), k;

	while ((k = slot[h]) && vals[k - 1] != v)
		h = (h + 1) & (cap - 1);
	if (k)
		return k - 1;
	vals[*nv] = v;
	slot[h] = ++*nv;
	return *nv - 1;
}

/*
 * Validates c[0..n) and groups it into *G (released by groups_release()); when cg is not
 * NULL, cg[i] gets customer i's group.
 */
static int groups_build(struct fu_ctx *ctx, const struct rfm *c, size_t n, struct groups *G,
			size_t *cg)
{
	size_t *slot = NULL, *xslot = NULL, *tslot = NULL, cap, i, h, k;
	int rc;

	memset(G, 0, sizeof(*G));
	if (n == 0)
		return fu_err(ctx, FU_EINPUT, "no customers to fit");
	if (n > SIZE_MAX / 8 / sizeof(struct group))
		return fu_err(ctx, FU_ENOMEM, "%zu customers: too many to fit", n);
	cap = pow2_at_least(2 * n);
	G->g = malloc(n * sizeof(*G->g));
	G->xv = malloc(n * sizeof(*G->xv));
	G->xw = calloc(n, sizeof(*G->xw));
	G->tv = malloc(2 * n * sizeof(*G->tv));
	slot = calloc(cap, sizeof(*slot));
	xslot = calloc(cap, sizeof(*xslot));
	tslot = calloc(2 * cap, sizeof(*tslot));
	if (!G->g || !G->xv || !G->xw || !G->tv || !slot || !xslot || !tslot) {
		rc = fu_err(ctx, FU_ENOMEM, "grouping %zu customers: out of memory", n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct rfm *ci = &c[i];
		struct group *g;

		rc = rfm_check(ctx, ci, i);
		if (rc)
			goto out;
		G->n += 1;
		G->sum_x += ci->x;
		G->sum_T += ci->T;
		h = mix64(dbits(ci->x) ^ mix64(dbits(ci->t_x) ^ mix64(dbits(ci->T)))) & (cap - 1);
		while ((k = slot[h])) {
			g = &G->g[k - 1];
			if (g->x == ci->x && g->t_x == ci->t_x && g->T == ci->T)
				break;
			h = (h + 1) & (cap - 1);
		}
		if (!k) {
			g = &G->g[G->ng];
			slot[h] = k = ++G->ng;
			g->x = ci->x;
			g->t_x = ci->t_x;
			g->T = ci->T;
			g->w = 0;
			g->xi = distinct(ci->x, G->xv, &G->nx, xslot, cap);
			g->ti = distinct(ci->T, G->tv, &G->nt, tslot, 2 * cap);
			g->txi = distinct(ci->t_x, G->tv, &G->nt, tslot, 2 * cap);
		}
		if (cg)
			cg[i] = k - 1;
		G->g[k - 1].w += 1;
		G->xw[G->g[k - 1].xi] += 1;
	}
	rc = FU_OK;
out:
	free(slot);
	free(xslot);
	free(tslot);
	if (rc)
		groups_release(G);
	return rc;
}

/* ---- optimisers ---- */

/*
 * Nelder-Mead (GSL nmsimplex2) on th[0..dim) from th, restarted from its own optimum with a
 * fresh simplex until a restart gains nothing; th gets the minimiser, *fval its value.
 * A run ends when the simplex is smaller than 1e-10, or smaller than 1e-6 and 500 iterations
 * have not lowered f (rounding noise in f stalls it there). FU_EINTERNAL when the budget of
 * 20 runs of 5,000 iterations runs out first.
 */
static int simplex_min(struct fu_ctx *ctx, const char *what,
		       double (*f)(const gsl_vector *, void *), void *par, size_t dim, double *th,
		       int *iters, double *fval)
{
	gsl_multimin_function fn = { f, dim, par };
	gsl_multimin_fminimizer *s;
	gsl_vector *x, *step;
	double fprev, fcur = HUGE_VAL, fbest, size;
	int restart, it, last, conv = 0, done = 0, rc = FU_OK, status;
	size_t i;

	x = gsl_vector_alloc(dim);
	step = gsl_vector_alloc(dim);
	s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dim);
	if (!x || !step || !s) {
		rc = fu_err(ctx, FU_ENOMEM, "%s: out of memory for the optimiser", what);
		goto out;
	}
	for (i = 0; i < dim; i++)
		gsl_vector_set(x, i, th[i]);
	fprev = f(x, par);
	for (restart = 0; restart < 20 && !done; restart++) {
		for (i = 0; i < dim; i++) {
			gsl_vector_set(x, i, th[i]);
			gsl_vector_set(step, i, restart ? 0.05 : 0.5);
		}
		if (gsl_multimin_fminimizer_set(s, &fn, x, step)) {
			rc = fu_err(ctx, FU_EINTERNAL, "%s: the optimiser could not start", what);
			goto out;
		}
		conv = 0;
		fbest = HUGE_VAL;
		for (it = 0, last = 0; it < 5000; it++) {
			status = gsl_multimin_fminimizer_iterate(s);
			(*iters)++;
			if (status)
				break;
			if (s->fval < fbest) {
				fbest = s->fval;
				last = it;
			}
			size = gsl_multimin_fminimizer_size(s);
			if (size < 1e-10 || (size < 1e-6 && it - last > 500)) {
				conv = 1;
				break;
			}
		}
		for (i = 0; i < dim; i++)
			th[i] = gsl_vector_get(s->x, i);
		fcur = s->fval;
		if (conv && isfinite(fcur) && fprev - fcur <= 1e-13 * (1 + fabs(fcur)))
			done = 1;
		fprev = fcur;
	}
	if (!done)
		rc = fu_err(ctx, FU_EINTERNAL, "%s: the optimiser did not converge after %d iterations",
			    what, *iters);
	*fval = fcur;
out:
	gsl_multimin_fminimizer_free(s);
	gsl_vector_free(x);
	gsl_vector_free(step);
	return rc;
}

/* Picks the start with the smallest f from a grid: dim values per start, nstart starts. */
static void best_start(double (*f)(const gsl_vector *, void *), void *par, size_t dim,
		       const double *starts, size_t nstart, double *th)
{
	double best = HUGE_VAL, v;
	size_t k;

	memcpy(th, starts, dim * sizeof(*th));
	for (k = 0; k < nstart; k++) {
		gsl_vector_const_view sv = gsl_vector_const_view_array(starts + k * dim, dim);

		v = f(&sv.vector, par);
		if (isfinite(v) && v < best) {
			best = v;
			memcpy(th, starts + k * dim, dim * sizeof(*th));
		}
	}
}

/* Fills a 2^dim grid of log-parameter starts: parameter i takes lo[i] or hi[i]. */
static void start_grid(size_t dim, const double *lo, const double *hi, double *starts)
{
	size_t k, i;

	for (k = 0; k < ((size_t)1 << dim); k++)
		for (i = 0; i < dim; i++)
			starts[k * dim + i] = log((k >> i) & 1 ? hi[i] : lo[i]);
}

/* ---- BG/NBD ---- */

/* Terms of the BG/NBD likelihood shared by all customers with the same x. */
struct bg_xterm {
	double g0;       /* lnG(r+x) - lnG(r) + r ln alpha - lnB(a, b) */
	double k1, k2;   /* lnB(a, b+x); lnB(a+1, b+x-1) (-inf when x = 0) */
	double dr;       /* psi(r+x) - psi(r) */
	double k1a, k1b; /* d k1 / da, d k1 / db */
	double k2a, k2b;
};

struct bg_work {
	const struct groups *G;
	struct bg_xterm *xt;
	double *lt, *it; /* per distinct time t: ln(alpha + t), 1/(alpha + t) */
	double off; /* -LL at the start: the objective is -(LL + off)/n, near 0 and finely resolved */
	int cached; /* cth holds the last point, cf and cg its objective and gradient */
	double cth[4], cf, cg[4];
};

/*
 * Minus the mean log-likelihood at log-parameters th = ln(r, alpha, a, b), and its gradient in
 * th when grad is not NULL. Per customer (Fader, Hardie & Lee 2005, eq. 6):
 *   ln L = lnG(r+x) - lnG(r) + r ln alpha - lnB(a,b) + ln(e^A1 + [x > 0] e^A2),
 *   A1 = lnB(a, b+x) - (r+x) ln(alpha+T),  A2 = lnB(a+1, b+x-1) - (r+x) ln(alpha+t_x),
 * the last term by log-sum-exp, so it never over- or underflows (the "#NUM!" problem).
 */
static double bg_eval(const double *th, const struct bg_work *W, double *grad)
{
	const struct groups *G = W->G;
	double r, al, a, b, lnal, lbab, lgr;
	double psa = 0, psb = 0, psab = 0, psr = 0, psa1 = 0, v;
	double gr = 0, gal = 0, ga = 0, gb = 0;
	struct ksum ll = { W->off, 0 };
	size_t i;

	for (i = 0; i < 4; i++)
		if (!(fabs(th[i]) <= TH_WALL))
			return HUGE_VAL;
	r = exp(th[0]);
	al = exp(th[1]);
	a = exp(th[2]);
	b = exp(th[3]);
	lnal = log(al);
	lbab = gsl_sf_lnbeta(a, b);
	lgr = gsl_sf_lngamma(r);
	if (grad) {
		psa = gsl_sf_psi(a);
		psb = gsl_sf_psi(b);
		psab = gsl_sf_psi(a + b);
		psr = gsl_sf_psi(r);
		psa1 = gsl_sf_psi(a + 1);
	}
	for (i = 0; i < G->nx; i++) {
		struct bg_xterm *t = &W->xt[i];
		double x = G->xv[i], w = G->xw[i], psabx;

		t->g0 = gsl_sf_lngamma(r + x) - lgr + r * lnal - lbab;
		t->k1 = gsl_sf_lnbeta(a, b + x);
		t->k2 = x > 0 ? gsl_sf_lnbeta(a + 1, b + x - 1) : -INFINITY;
		ksum_add(&ll, w * t->g0);
		if (!grad)
			continue;
		psabx = gsl_sf_psi(a + b + x);
		t->dr = gsl_sf_psi(r + x) - psr;
		t->k1a = psa - psabx;
		t->k1b = gsl_sf_psi(b + x) - psabx;
		t->k2a = x > 0 ? psa1 - psabx : 0;
		t->k2b = x > 0 ? gsl_sf_psi(b + x - 1) - psabx : 0;
		gr += w * (t->dr + lnal);
		gal += w * r / al;
		ga -= w * (psa - psab);
		gb -= w * (psb - psab);
	}
	for (i = 0; i < G->nt; i++) {
		W->lt[i] = log(al + G->tv[i]);
		W->it[i] = 1 / (al + G->tv[i]);
	}
	for (i = 0; i < G->ng; i++) {
		const struct group *g = &G->g[i];
		const struct bg_xterm *t = &W->xt[g->xi];
		double rx = r + g->x, la1 = W->lt[g->ti], a1 = t->k1 - rx * la1;
		double la2, a2, e, w1, w2, l;

		if (g->x == 0) {
			ksum_add(&ll, g->w * a1);
			if (grad) {
				gr -= g->w * la1;
				gal -= g->w * rx * W->it[g->ti];
				ga += g->w * t->k1a;
				gb += g->w * t->k1b;
			}
			continue;
		}
		la2 = W->lt[g->txi];
		a2 = t->k2 - rx * la2;
		/* log-sum-exp; log(1 + e) for e in [0, 1] is as exact in absolute terms as log1p */
		e = exp(-fabs(a1 - a2));
		w1 = 1 / (1 + e);
		l = fmax(a1, a2) - log(w1);
		if (a1 >= a2) {
			w2 = e * w1;
		} else {
			w2 = w1;
			w1 = e * w2;
		}
		ksum_add(&ll, g->w * l);
		if (grad) {
			gr -= g->w * (w1 * la1 + w2 * la2);
			gal -= g->w * rx * (w1 * W->it[g->ti] + w2 * W->it[g->txi]);
			ga += g->w * (w1 * t->k1a + w2 * t->k2a);
			gb += g->w * (w1 * t->k1b + w2 * t->k2b);
		}
	}
	if (grad) {
		grad[0] = -r * gr / G->n;
		grad[1] = -al * gal / G->n;
		grad[2] = -a * ga / G->n;
		grad[3] = -b * gb / G->n;
	}
	v = ll.s + ll.c;
	return isfinite(v) ? -v / G->n : HUGE_VAL;
}

/*
 * Evaluates the objective and its gradient at v into W's cache unless v is the cached point:
 * GSL's BFGS asks for f and then the gradient at the same point, and the gradient costs
 * little more than f.
 */
static void bg_point(const gsl_vector *v, struct bg_work *W)
{
	double th[4];
	int i;

	for (i = 0; i < 4; i++)
		th[i] = gsl_vector_get(v, i);
	if (W->cached && !memcmp(th, W->cth, sizeof(th)))
		return;
	W->cf = bg_eval(th, W, W->cg);
	for (i = 0; i < 4; i++)
		if (!isfinite(W->cf) || !isfinite(W->cg[i]))
			W->cg[i] = 0;
	memcpy(W->cth, th, sizeof(th));
	W->cached = 1;
}

static double bg_f(const gsl_vector *v, void *par)
{
	bg_point(v, par);
	return ((struct bg_work *)par)->cf;
}

static void bg_fdf(const gsl_vector *v, void *par, double *f, gsl_vector *g)
{
	struct bg_work *W = par;
	int i;

	bg_point(v, W);
	*f = W->cf;
	for (i = 0; i < 4; i++)
		gsl_vector_set(g, i, W->cg[i]);
}

static void bg_df(const gsl_vector *v, void *par, gsl_vector *g)
{
	double f;

	bg_fdf(v, par, &f, g);
}

/*
 * One BFGS run (GSL vector_bfgs2, analytic gradient) from th; th gets the end point, *fval
 * and *gnorm its value and gradient norm. FU_ENOMEM only.
 */
static int bg_bfgs(struct fu_ctx *ctx, struct bg_work *W, double *th, int *iters, double *fval,
		   double *gnorm)
{
	gsl_multimin_function_fdf fn = { bg_f, bg_df, bg_fdf, 4, W };
	gsl_multimin_fdfminimizer *s;
	gsl_vector *x;
	int it, i, rc = FU_OK;

	x = gsl_vector_alloc(4);
	s = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, 4);
	if (!x || !s) {
		rc = fu_err(ctx, FU_ENOMEM, "bg/nbd fit: out of memory for the optimiser");
		goto out;
	}
	for (i = 0; i < 4; i++)
		gsl_vector_set(x, i, th[i]);
	*fval = HUGE_VAL;
	*gnorm = HUGE_VAL;
	if (gsl_multimin_fdfminimizer_set(s, &fn, x, 0.1, 0.1))
		goto out;
	for (it = 0; it < 500; it++) {
		(*iters)++;
		if (gsl_multimin_fdfminimizer_iterate(s))
			break; /* no progress: the caller restarts or falls back */
		if (gsl_multimin_test_gradient(s->gradient, 1e-11) == GSL_SUCCESS)
			break;
	}
	for (i = 0; i < 4; i++)
		th[i] = gsl_vector_get(s->x, i);
	*fval = s->f;
	*gnorm = gsl_blas_dnrm2(s->gradient);
out:
	gsl_multimin_fdfminimizer_free(s);
	gsl_vector_free(x);
	return rc;
}

/* Log-parameter starts around the data's scale: mean purchase rate lambda, mean age. */
static void scale_of(const struct groups *G, double *rate, double *age)
{
	*age = G->sum_T > 0 ? G->sum_T / G->n : 1;
	*rate = (G->sum_x > 0 ? G->sum_x : 1) / (G->sum_T > 0 ? G->sum_T : G->n);
}

int bgnbd_fit(struct fu_ctx *ctx, const struct rfm *c, size_t n, struct bgnbd *out)
{
	struct groups G;
	struct bg_work W = { .G = &G };
	double starts[16 * 4], lo[4], hi[4], th[4], f = HUGE_VAL, fprev, gnorm = HUGE_VAL, rate, age;
	int rc, k, done = 0, iters = 0;

	memset(out, 0, sizeof(*out));
	gsl_quiet();
	rc = groups_build(ctx, c, n, &G, NULL);
	if (rc)
		return fu_err_prefix(ctx, "bg/nbd fit");
	W.xt = malloc(G.nx * sizeof(*W.xt));
	W.lt = malloc(G.nt * sizeof(*W.lt));
	W.it = malloc(G.nt * sizeof(*W.it));
	if (!W.xt || !W.lt || !W.it) {
		rc = fu_err(ctx, FU_ENOMEM, "bg/nbd fit: out of memory");
		goto out;
	}
	scale_of(&G, &rate, &age);
	lo[0] = 0.3, hi[0] = 1.0;
	lo[1] = 0.5 / rate, hi[1] = 2 / rate;
	lo[2] = 0.5, hi[2] = 1.5;
	lo[3] = 1.0, hi[3] = 4.0;
	start_grid(4, lo, hi, starts);
	best_start(bg_f, &W, 4, starts, 16, th);
	W.off = bg_eval(th, &W, NULL) * G.n;
	W.cached = 0; /* the objective changed with off */
	/* BFGS, restarted from its own end point until a restart gains nothing */
	fprev = HUGE_VAL;
	for (k = 0; k < 10 && !done; k++) {
		rc = bg_bfgs(ctx, &W, th, &iters, &f, &gnorm);
		if (rc)
			goto out;
		/* |gradient| 1e-7 of the mean log-likelihood: log-parameters within ~1e-5 */
		if (isfinite(f) && gnorm < 1e-7 && fprev - f <= 1e-13 * (1 + fabs(f)))
			done = 1;
		fprev = f;
	}
	if (!done) {
		/* BFGS stalled (a flat or rough surface): Nelder-Mead from where it got to */
		rc = simplex_min(ctx, "bg/nbd fit", bg_f, &W, 4, th, &iters, &f);
		if (rc && !(rc == FU_EINTERNAL && off_the_edge(th, 4)))
			goto out;
	}
	out->r = exp(th[0]);
	out->alpha = exp(th[1]);
	out->a = exp(th[2]);
	out->b = exp(th[3]);
	out->ll = -f * G.n - W.off;
	out->iterations = iters;
	if (bgnbd_common_dropout(out)) {
		rc = fu_err(ctx, FU_EINPUT, "bg/nbd fit: the likelihood has no finite maximum "
			    "(r %g, alpha %g, a %g, b %g): every customer seems to drop out with the "
			    "same chance, %.4g after each purchase (a + b grows without bound)",
			    out->r, out->alpha, out->a, out->b, out->a / (out->a + out->b));
		goto out;
	}
	if (off_the_edge(th, 4)) {
		rc = fu_err(ctx, FU_EINPUT, "bg/nbd fit: the likelihood has no finite maximum "
			    "(r %g, alpha %g, a %g, b %g): too little repeat buying to fit the model",
			    exp(th[0]), exp(th[1]), exp(th[2]), exp(th[3]));
		goto out;
	}
out:
	free(W.xt);
	free(W.lt);
	free(W.it);
	groups_release(&G);
	return rc;
}

double bgnbd_ll_one(const struct bgnbd *m, const struct rfm *c)
{
	double r = m->r, al = m->alpha, a = m->a, b = m->b, x = c->x, a1, a2;

	if (!rfm_ok(c) || !(r > 0 && al > 0 && a > 0 && b > 0))
		return NAN;
	a1 = gsl_sf_lnbeta(a, b + x) - (r + x) * log(al + c->T);
	a2 = x > 0 ? gsl_sf_lnbeta(a + 1, b + x - 1) - (r + x) * log(al + c->t_x) : -INFINITY;
	return gsl_sf_lngamma(r + x) - gsl_sf_lngamma(r) + r * log(al) - gsl_sf_lnbeta(a, b) +
	       lse(a1, a2);
}

int bgnbd_common_dropout(const struct bgnbd *m)
{
	double lim = exp(TH_EDGE), p = m->a / (m->a + m->b);

	/* the Beta's variance is about p (1 - p) / (a + b): gone when a + b is off the edge */
	return m->r > 0 && m->r <= lim && m->alpha > 0 && m->alpha <= lim && m->a + m->b > lim &&
	       isfinite(m->a) && isfinite(m->b) && p > 0 && p < 1;
}

double bgnbd_p_alive(const struct bgnbd *m, const struct rfm *c)
{
	double x = c->x, lr;

	if (!rfm_ok(c) || !(m->r > 0 && m->alpha > 0 && m->a > 0 && m->b > 0))
		return NAN;
	if (x == 0)
		return 1;
	/* 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), the ratio kept in logs */
	lr = log(m->a) - log(m->b + x - 1) +
	     (m->r + x) * (log(m->alpha + c->T) - log(m->alpha + c->t_x));
	return lr > 0 ? exp(-lr) / (1 + exp(-lr)) : 1 / (1 + exp(lr));
}

double bgnbd_rate(const struct bgnbd *m, const struct rfm *c)
{
	if (!rfm_ok(c) || !(m->r > 0 && m->alpha > 0))
		return NAN;
	return (m->r + c->x) / (m->alpha + c->t_x);
}

/*
 * Expected purchases in (T, T+t] of a BG/NBD customer known to be alive at T, i.e. the
 * population expectation with the posterior parameters r+x, alpha+T, a, b+x:
 *   (a+b+x-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)],  z = t/(alpha+T+t).
 * Euler's transformation turns the bracket into 1 - (1-z)^e F with e = a-1 and
 * F = 2F1(a+b-1-r, e; a+b+x-1; z) = 1 + e H, so the value is
 *   (a+b+x-1) [(1 - (1-z)^e)/e - (1-z)^e H],
 * which has no singularity at a = 1 and cannot overflow for large x.
 */
static double bg_alive_expected(double r, double al, double a, double b, double x, double T,
				double t)
{
	double e = a - 1, p = a + b - 1 - r, c = a + b + x - 1;
	double L = -log1p(t / (al + T)), z = t / (al + T + t), q = e * L;
	double term, sum, rho, bound, first;
	gsl_sf_result res;
	long n;

	if (t == 0)
		return 0;
	first = fabs(q) < 1e-8 ? -L * (1 + q / 2) : -expm1(q) / e;
	/* H = sum_{n>=1} (p)_n (a)_(n-1) / ((c)_n n!) z^n */
	term = p * z / c;
	sum = term;
	for (n = 1; n < SERIES_MAX; n++) {
		rho = (p + n) * (a + n - 1) * z / ((c + n) * (n + 1));
		term *= rho;
		sum += term;
		if (n > -p && fabs(rho) < 1) {
			/* the ratios tend to z; bound the tail geometrically */
			bound = fmax(fabs(rho), z);
			if (fabs(term) * bound / (1 - bound) <= 1e-16 * fabs(sum))
				return c * (first - exp(q) * sum);
		}
	}
	/* not converged (z extremely close to 1): GSL's 2F1 on the transformed form */
	if (fabs(e) > 1e-6) {
		gsl_quiet();
		if (gsl_sf_hyperg_2F1_e(p, e, c, z, &res) == GSL_SUCCESS && isfinite(res.val))
			return c * (1 - exp(q) * res.val) / e;
	}
	return c * (first - exp(q) * sum);
}

double bgnbd_expected(const struct bgnbd *m, const struct rfm *c, double t)
{
	double pa = bgnbd_p_alive(m, c);

	if (isnan(pa) || !(t >= 0) || !isfinite(t))
		return NAN;
	return pa * bg_alive_expected(m->r, m->alpha, m->a, m->b, c->x, c->T, t);
}

/* A direct-mapped cache of bg_alive_expected() by (x, T) for bgnbd_predict(). */
#define PREDICT_CACHE 65536

struct predict_slot {
	double x, T, v;
	int used;
};

int bgnbd_predict(struct fu_ctx *ctx, const struct bgnbd *m, const struct rfm *c, size_t n,
		  double t, double *p_alive, double *expected)
{
	struct predict_slot *cache = NULL;
	size_t i, h;
	double pa, v;

	if (!(m->r > 0 && m->alpha > 0 && m->a > 0 && m->b > 0))
		return fu_err(ctx, FU_EINPUT, "bg/nbd predict: model parameters must be positive");
	if (!(t >= 0) || !isfinite(t))
		return fu_err(ctx, FU_EINPUT, "bg/nbd predict: horizon %g is not >= 0", t);
	if (expected) {
		cache = calloc(PREDICT_CACHE, sizeof(*cache));
		if (!cache)
			return fu_err(ctx, FU_ENOMEM, "bg/nbd predict: out of memory");
	}
	for (i = 0; i < n; i++) {
		if (!rfm_ok(&c[i])) {
			free(cache);
			return fu_err(ctx, FU_EINPUT, "bg/nbd predict: customer %zu: invalid summary", i);
		}
		pa = bgnbd_p_alive(m, &c[i]);
		if (p_alive)
			p_alive[i] = pa;
		if (!expected)
			continue;
		h = mix64(dbits(c[i].x) ^ mix64(dbits(c[i].T))) & (PREDICT_CACHE - 1);
		if (cache[h].used && cache[h].x == c[i].x && cache[h].T == c[i].T) {
			v = cache[h].v;
		} else {
			v = bg_alive_expected(m->r, m->alpha, m->a, m->b, c[i].x, c[i].T, t);
			cache[h].x = c[i].x;
			cache[h].T = c[i].T;
			cache[h].v = v;
			cache[h].used = 1;
		}
		expected[i] = pa * v;
	}
	free(cache);
	return FU_OK;
}

/* ---- Pareto/NBD ---- */

/*
 * 2F1(1, b; c; z) by its series, for 0 < b < c and 0 <= z < 1: the ratio of successive terms,
 * z (b+n)/(c+n), stays below z, so the tail after a term is at most term z/(1-z). Stops when
 * that bound is negligible; if the budget runs out, adds the bound (the value stays finite).
 */
static double h2f1_series(double b, double c, double z)
{
	double sum = 1, term = 1, tail = z / (1 - z);
	long n;

	for (n = 0; n < SERIES_MAX; n++) {
		term *= z * (b + n) / (c + n);
		sum += term;
		if (term * tail <= 1e-16 * sum)
			return sum;
	}
	return sum + term * tail;
}

/*
 * 2F1(1, b; c; z) for 0 < b < c and 0 <= z < 1 by Gauss's continued fraction for
 * 2F1(a+1, b; c'+1; z) / 2F1(a, b; c'; z) at a = 0, c' = c - 1 (modified Lentz). Near z = 1,
 * where the series needs of the order of 1/(1-z) terms, this needs about their square root:
 * at z = 1 - 3e-4 and c = 938, 412 steps instead of 133,500. Stops when a step changes the
 * value by less than 1e-15 relative (*ok = 1), or after SERIES_MAX steps (*ok = 0; the value
 * stays finite).
 */
static double h2f1_cf(double b, double c, double z, int *ok)
{
	const double tiny = 1e-300;
	double cp = c - 1, f = tiny, C = tiny, D = 0, k, del;
	long j, i;

	*ok = 0;
	for (j = 0; j < SERIES_MAX; j++) {
		if (j == 0) {
			k = 1;
		} else {
			i = (j - 1) / 2;
			if (j % 2)
				k = -(cp + i) * (b + i) / ((cp + 2 * i) * (cp + 2 * i + 1)) * z;
			else
				k = (b - cp - i - 1) * (i + 1) / ((cp + 2 * i + 1) * (cp + 2 * i + 2)) * z;
		}
		D = 1 + k * D;
		if (fabs(D) < tiny)
			D = tiny;
		C = 1 + k / C;
		if (fabs(C) < tiny)
			C = tiny;
		D = 1 / D;
		del = C * D;
		f *= del;
		if (j > 0 && fabs(del - 1) < 1e-15) {
			*ok = 1;
			break;
		}
	}
	return f;
}

/*
 * ln 2F1(a, b; a+1; z) for a, b > 0 and 0 <= z < 1, given l1mz = ln(1-z) computed by the
 * caller without cancellation. Euler's transformation gives
 *   2F1(a, b; a+1; z) = (1-z)^(1-b) 2F1(1, a+1-b; a+1; z),
 * whose series has positive terms falling at least as fast as z^n: no overflow for large x.
 * For z <= 0.9 GSL evaluates it, and our series if GSL fails. Beyond, GSL sums tens of
 * thousands of terms per call or fails for running out of them (measured: a fit straying
 * there spent minutes inside GSL), so the continued fraction goes first and GSL backs it up.
 */
static double ln_2f1_ap1(double a, double b, double z, double l1mz)
{
	gsl_sf_result res;
	double s, cf;
	int ok;

	if (z <= 0)
		return 0;
	if (z <= 0.9) {
		if (gsl_sf_hyperg_2F1_e(1.0, a + 1 - b, a + 1, z, &res) == GSL_SUCCESS &&
		    isfinite(res.val) && res.val >= 1)
			s = res.val;
		else
			s = h2f1_series(a + 1 - b, a + 1, z);
	} else {
		s = cf = h2f1_cf(a + 1 - b, a + 1, z, &ok);
		if (!ok && !(gsl_sf_hyperg_2F1_e(1.0, a + 1 - b, a + 1, z, &res) == GSL_SUCCESS &&
			     isfinite(res.val) && (s = res.val) >= 1))
			s = cf;
	}
	return (1 - b) * l1mz + log(s);
}

/* ln[2F1(m, b; m+1; (hi-lo)/(hi+t)) / (hi+t)^m] for hi >= lo > 0, t >= 0. */
static double pn_piece(double m, double b, double hi, double lo, double t)
{
	double lh = log(hi + t);

	return ln_2f1_ap1(m, b, (hi - lo) / (hi + t), log(lo + t) - lh) - m * lh;
}

/*
 * The two terms of the Pareto/NBD likelihood after the common factor
 * G(r+x) alpha^r beta^s / G(r) (Fader & Hardie, "Implementing the Pareto/NBD model"):
 *   *l1 = ln[1 / ((alpha+T)^(r+x) (beta+T)^s)],  *la = ln[s/(r+s+x) A0],
 * with A0 = P(t_x) - P(T) where, for alpha >= beta,
 *   P(t) = 2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+t)) / (alpha+t)^(r+s+x)
 * and for alpha < beta (so the argument stays in [0, 1))
 *   P(t) = 2F1(r+s+x, r+x; r+s+x+1; (beta-alpha)/(beta+t)) / (beta+t)^(r+s+x).
 * The difference is taken in logs: ln P(t_x) + ln(1 - P(T)/P(t_x)).
 */
static void pn_terms(double r, double al, double s, double be, double x, double t_x, double T,
		     double *l1, double *la)
{
	double m = r + s + x, p1, p2;

	*l1 = -(r + x) * log(al + T) - s * log(be + T);
	*la = -INFINITY;
	if (t_x >= T)
		return;
	if (al >= be) {
		p1 = pn_piece(m, s + 1, al, be, t_x);
		p2 = pn_piece(m, s + 1, al, be, T);
	} else {
		p1 = pn_piece(m, r + x, be, al, t_x);
		p2 = pn_piece(m, r + x, be, al, T);
	}
	if (p2 < p1)
		*la = log(s) - log(m) + p1 + log1mexp(p2 - p1);
}

struct pn_work {
	const struct groups *G;
	double *c0; /* per distinct x: lnG(r+x) - lnG(r) + r ln alpha + s ln beta */
	double off; /* as in struct bg_work */
};

/* Minus the mean Pareto/NBD log-likelihood at th = ln(r, alpha, s, beta). */
static double pn_f(const gsl_vector *v, void *par)
{
	const struct pn_work *W = par;
	const struct groups *G = W->G;
	double r = exp(gsl_vector_get(v, 0)), al = exp(gsl_vector_get(v, 1));
	double s = exp(gsl_vector_get(v, 2)), be = exp(gsl_vector_get(v, 3));
	double lgr = gsl_sf_lngamma(r), l1, la, ll;
	struct ksum sum = { W->off, 0 };
	size_t i;

	if (beyond_wall(v))
		return HUGE_VAL;
	for (i = 0; i < G->nx; i++) {
		W->c0[i] = gsl_sf_lngamma(r + G->xv[i]) - lgr + r * log(al) + s * log(be);
		ksum_add(&sum, G->xw[i] * W->c0[i]);
	}
	for (i = 0; i < G->ng; i++) {
		const struct group *g = &G->g[i];

		pn_terms(r, al, s, be, g->x, g->t_x, g->T, &l1, &la);
		ksum_add(&sum, g->w * lse(l1, la));
	}
	ll = sum.s + sum.c;
	return isfinite(ll) ? -ll / G->n : HUGE_VAL;
}

int pnbd_fit(struct fu_ctx *ctx, const struct rfm *c, size_t n, struct pnbd *out)
{
	struct groups G;
	struct pn_work W = { &G, NULL, 0 };
	double starts[16 * 4], lo[4], hi[4], th[4], f, rate, age;
	int rc, iters = 0;

	gsl_quiet();
	rc = groups_build(ctx, c, n, &G, NULL);
	if (rc)
		return fu_err_prefix(ctx, "pareto/nbd fit");
	W.c0 = malloc(G.nx * sizeof(*W.c0));
	if (!W.c0) {
		rc = fu_err(ctx, FU_ENOMEM, "pareto/nbd fit: out of memory");
		goto out;
	}
	scale_of(&G, &rate, &age);
	lo[0] = 0.3, hi[0] = 1.0;
	lo[1] = 0.5 / rate, hi[1] = 2 / rate;
	lo[2] = 0.3, hi[2] = 1.0;
	lo[3] = 0.3 * age, hi[3] = age;
	start_grid(4, lo, hi, starts);
	best_start(pn_f, &W, 4, starts, 16, th);
	{
		gsl_vector_view tv = gsl_vector_view_array(th, 4);

		W.off = pn_f(&tv.vector, &W) * G.n;
	}
	rc = simplex_min(ctx, "pareto/nbd fit", pn_f, &W, 4, th, &iters, &f);
	if (rc && !(rc == FU_EINTERNAL && off_the_edge(th, 4)))
		goto out;
	if (off_the_edge(th, 4)) {
		rc = fu_err(ctx, FU_EINPUT, "pareto/nbd fit: the likelihood has no finite maximum "
			    "(r %g, alpha %g, s %g, beta %g): too little repeat buying to fit the model",
			    exp(th[0]), exp(th[1]), exp(th[2]), exp(th[3]));
		goto out;
	}
	out->r = exp(th[0]);
	out->alpha = exp(th[1]);
	out->s = exp(th[2]);
	out->beta = exp(th[3]);
	out->ll = -f * G.n - W.off;
	out->iterations = iters;
out:
	free(W.c0);
	groups_release(&G);
	return rc;
}

static int pn_ok(const struct pnbd *m)
{
	return m->r > 0 && m->alpha > 0 && m->s > 0 && m->beta > 0 && isfinite(m->r) &&
	       isfinite(m->alpha) && isfinite(m->s) && isfinite(m->beta);
}

double pnbd_ll_one(const struct pnbd *m, const struct rfm *c)
{
	double l1, la;

	if (!rfm_ok(c) || !pn_ok(m))
		return NAN;
	gsl_quiet();
	pn_terms(m->r, m->alpha, m->s, m->beta, c->x, c->t_x, c->T, &l1, &la);
	return gsl_sf_lngamma(m->r + c->x) - gsl_sf_lngamma(m->r) + m->r * log(m->alpha) +
	       m->s * log(m->beta) + lse(l1, la);
}

double pnbd_p_alive(const struct pnbd *m, const struct rfm *c)
{
	double l1, la;

	if (!rfm_ok(c) || !pn_ok(m))
		return NAN;
	gsl_quiet();
	pn_terms(m->r, m->alpha, m->s, m->beta, c->x, c->t_x, c->T, &l1, &la);
	return exp(l1 - lse(l1, la));
}

/*
 * P(alive) (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)], with the
 * bracket over (s-1) computed by expm1 so that s = 1 is no singularity.
 */
double pnbd_expected(const struct pnbd *m, const struct rfm *c, double t)
{
	double pa = pnbd_p_alive(m, c), e = m->s - 1, L, q, k;

	if (isnan(pa) || !(t >= 0) || !isfinite(t))
		return NAN;
	L = log1p(t / (m->beta + c->T));
	q = -e * L;
	k = fabs(q) < 1e-8 ? L * (1 + q / 2) : -expm1(q) / e;
	return pa * (m->r + c->x) * (m->beta + c->T) / (m->alpha + c->T) * k;
}

/* ---- Gamma-Gamma ---- */

/* A customer's terms that do not depend on the parameters. */
struct gg_obs {
	double x, lx, m, lm;
	size_t xi;
};

struct gg_work {
	struct gg_obs *o;
	size_t n;
	const double *xv; /* distinct x */
	double *xw;
	size_t nx;
	double off; /* as in struct bg_work */
};

/*
 * Minus the mean log-likelihood at th = ln(p, q, gamma). The mean spend m of x purchases
 * has density (Fader, Hardie & Lee 2005, RFM and CLV)
 *   G(px+q) / (G(px) G(q)) gamma^q x^(px) m^(px-1) / (gamma + x m)^(px+q).
 */
static double gg_f(const gsl_vector *v, void *par)
{
	const struct gg_work *W = par;
	double p = exp(gsl_vector_get(v, 0)), q = exp(gsl_vector_get(v, 1));
	double g = exp(gsl_vector_get(v, 2)), lgq = gsl_sf_lngamma(q), lg = log(g), ll;
	struct ksum sum = { W->off, 0 };
	size_t i;

	if (beyond_wall(v))
		return HUGE_VAL;
	for (i = 0; i < W->nx; i++) {
		double px = p * W->xv[i];

		ksum_add(&sum, W->xw[i] * (gsl_sf_lngamma(px + q) - gsl_sf_lngamma(px) - lgq + q * lg));
	}
	for (i = 0; i < W->n; i++) {
		const struct gg_obs *o = &W->o[i];
		double px = p * o->x;

		ksum_add(&sum, px * o->lx + (px - 1) * o->lm - (px + q) * log(g + o->x * o->m));
	}
	ll = sum.s + sum.c;
	return isfinite(ll) ? -ll / W->n : HUGE_VAL;
}

int gammagamma_fit(struct fu_ctx *ctx, const struct rfm *c, size_t n, struct gammagamma *out)
{
	struct gg_work W = { NULL, 0, NULL, NULL, 0, 0 };
	struct rfm *pos = NULL;
	size_t *cg = NULL;
	struct groups G;
	double starts[8 * 3], lo[3], hi[3], th[3], f, mean = 0;
	size_t i, k;
	int rc, iters = 0;

	gsl_quiet();
	memset(&G, 0, sizeof(G));
	pos = malloc((n ? n : 1) * sizeof(*pos));
	cg = malloc((n ? n : 1) * sizeof(*cg));
	W.o = malloc((n ? n : 1) * sizeof(*W.o));
	if (!pos || !cg || !W.o) {
		rc = fu_err(ctx, FU_ENOMEM, "gamma-gamma fit: out of memory");
		goto out;
	}
	for (i = 0, k = 0; i < n; i++) {
		rc = rfm_check(ctx, &c[i], i);
		if (rc) {
			fu_err_prefix(ctx, "gamma-gamma fit");
			goto out;
		}
		if (!(c[i].x > 0 && c[i].m > 0 && isfinite(c[i].m)))
			continue;
		pos[k] = c[i];
		W.o[k].x = c[i].x;
		W.o[k].lx = log(c[i].x);
		W.o[k].m = c[i].m;
		W.o[k].lm = log(c[i].m);
		mean += c[i].m;
		k++;
	}
	W.n = k;
	if (k == 0) {
		rc = fu_err(ctx, FU_EINPUT, "gamma-gamma fit: no customers with repeat purchases and spend");
		goto out;
	}
	/* group by x only to share the log-gamma terms */
	rc = groups_build(ctx, pos, k, &G, cg);
	if (rc)
		goto out;
	for (i = 0; i < k; i++)
		W.o[i].xi = G.g[cg[i]].xi;
	W.xv = G.xv;
	W.xw = G.xw;
	W.nx = G.nx;
	mean /= k;
	lo[0] = 1, hi[0] = 5;
	lo[1] = 2, hi[1] = 5;
	lo[2] = mean, hi[2] = 4 * mean;
	start_grid(3, lo, hi, starts);
	best_start(gg_f, &W, 3, starts, 8, th);
	{
		gsl_vector_view tv = gsl_vector_view_array(th, 3);

		W.off = gg_f(&tv.vector, &W) * k;
	}
	rc = simplex_min(ctx, "gamma-gamma fit", gg_f, &W, 3, th, &iters, &f);
	if (rc && !(rc == FU_EINTERNAL && off_the_edge(th, 3)))
		goto out;
	if (off_the_edge(th, 3)) {
		rc = fu_err(ctx, FU_EINPUT, "gamma-gamma fit: the likelihood has no finite maximum "
			    "(p %g, q %g, gamma %g): spend too uniform or too few customers",
			    exp(th[0]), exp(th[1]), exp(th[2]));
		goto out;
	}
	out->p = exp(th[0]);
	out->q = exp(th[1]);
	out->gamma = exp(th[2]);
	out->ll = -f * k - W.off;
out:
	groups_release(&G);
	free(pos);
	free(cg);
	free(W.o);
	return rc;
}

double gammagamma_expected_spend(const struct gammagamma *g, const struct rfm *c)
{
	double px;

	if (!(g->p > 0 && g->q > 0 && g->gamma > 0) || !rfm_ok(c) || !(c->m >= 0))
		return NAN;
	px = g->p * c->x;
	if (px + g->q <= 1)
		return INFINITY;
	/* weighted mean of the population mean p gamma/(q-1) and the customer's own m */
	return g->p * (g->gamma + c->x * c->m) / (px + g->q - 1);
}

/* ---- summaries ---- */

int rfm_from_days(struct fu_ctx *ctx, const int64_t *days, const double *amounts, size_t ndays,
		  int64_t cal_end_day, double unit_days, struct rfm *out)
{
	int64_t first, last;
	double spend = 0, x = 0;
	size_t i;

	if (!(unit_days > 0) || !isfinite(unit_days))
		return fu_err(ctx, FU_EINPUT, "time unit of %g days is not positive", unit_days);
	for (i = 1; i < ndays; i++)
		if (days[i] < days[i - 1])
			return fu_err(ctx, FU_EINPUT, "purchase %zu: day %lld comes before day %lld", i,
				      (long long)days[i], (long long)days[i - 1]);
	if (ndays == 0 || days[0] > cal_end_day)
		return fu_err(ctx, FU_EINPUT, "no purchase on or before day %lld", (long long)cal_end_day);
	first = last = days[0];
	for (i = 1; i < ndays && days[i] <= cal_end_day; i++) {
		if (days[i] == first)
			continue; /* the first purchase day is not a repeat purchase */
		if (days[i] != last) {
			x += 1;
			last = days[i];
		}
		if (amounts)
			spend += amounts[i];
	}
	out->x = x;
	out->t_x = (double)(last - first) / unit_days;
	out->T = (double)(cal_end_day - first) / unit_days;
	out->m = x > 0 ? spend / x : 0;
	return FU_OK;
}
