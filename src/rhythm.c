/* rhythm.c - each customer's purchase rhythm, shrunk towards the population, and how unusual their wait is */
#include "rhythm.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

#include "banned.h"

/*
 * The model.
 *
 * A customer's data are the gaps in days between their distinct purchase days, taken on the
 * log scale: y = ln(gap). On that scale "every 7 days" and "every 90 days" differ by a shift,
 * and a buyer's spread is relative (a 30-day buyer who varies by 3 days is as regular as a
 * 300-day one who varies by 30), which is what "regular" means to a seller.
 *
 * Within a customer the log gaps scatter around a location m_i with a scale s_i; across
 * customers m_i ~ N(mu, tau^2) and ln s_i scatters around ln sigma (the prior).
 *
 * Scale. The customer's own robust scale is Huber's proposal 2 (joint M-estimate of location
 * and scale, psi clipped at 1.5, consistent at the normal, twice as efficient as the MAD),
 * corrected for its small-sample bias on the log scale (scale_log_bias(), simulated). An
 * exactly regular buyer's scale is 0, but whole days cannot show spread below about a day, so
 * the scale is floored at the rounding error of a gap (variance 1/6 day^2, two rounded ends) and at MIN_SCALE. It is pooled with the
 * prior's sigma on the log scale, each side weighted by its precision: the own log scale has
 * variance scale_log_var(n) (about 0.7 / (n - 1)); the prior's is 1 / SCALE_PRIOR_PREC (customers'
 * scales differ by a factor of about e either way: clockwork buyers at a few per cent, erratic
 * ones near 1). Pooling the logs, not the variances, matters: an arithmetic pooled variance is
 * dominated by the prior's sigma^2 when the customer is a hundred times more regular, and a
 * clockwork buyer would never look clockwork.
 *
 * Location. With the scale, by the same Huber proposal 2 (below); one odd gap (a holiday, a
 * stock-up) moves it by at most k s / n. It is shrunk towards mu, precision-weighted: the
 * customer's n gaps are worth n_eff = n / 1.03 (n when n <= 2) against weight (s_i / sigma)^2
 * pseudo-gaps of the prior, i.e. 1 / tau^2 against n_eff / s_i^2. A clockwork buyer (tiny s_i)
 * is barely shrunk; a buyer with one gap follows the population as far as sigma^2 / tau^2 says.
 *
 * The wait. p_wait = P(gap >= waited) for the next gap, with the location's own uncertainty
 * added to the scale: s_i sqrt(1 + 1 / (n_eff + k_i)). The distribution is the gamma whose log
 * has that robust centre and scale (loggamma_huber[], the log-normal beyond shape 1000). Why
 * not a symmetric law on the log scale (log-normal, Student-t): gaps are gamma-like (a buyer
 * who buys at random is exponential, the BG/NBD and Pareto/NBD assumption; regular buyers are
 * Erlang-like), and the log of a gamma is skewed to the left, more so the more irregular the
 * buyer: a symmetric law overstates how long an irregular buyer may wait, and those who really
 * stopped are flagged months late. For regular buyers the two agree. On bench/lapse.c (seeds
 * not used for the report) the gamma gave 2 to 3 points more precision at equal recall than a
 * Student-t with 2 x (precision of ln s) degrees of freedom, capped at 8; averaging the tail
 * over the uncertainty of ln s as well lost another 2 to 3 points (every short history then
 * looks irregular), so the scale enters at its shrunk value. A whole-day wait w is compared with
 * the continuous gap at w - 1/2 (G >= w for a whole number of days is G* >= w - 1/2), so a
 * buyer due today is not yet late.
 *
 * The customer's own history has two more says (wait_tail): when two or more of their gaps
 * were as long as the wait, the share of such gaps; when in an earlier year they were silent
 * over the same days of the year as long and came back (seasonal buyers), the share of such
 * years. p_wait is the largest of the three. Measured on bench/lapse.c (issue 14; seasonal,
 * drifting and bursting customers, several ages of the data): F1 0.883 -> 0.895 overall and
 * 0.415 -> 0.449 on stops of the last 120 days, precision 0.839 -> 0.864 and 0.290 -> 0.328;
 * most of it is the calendar's (seasonal buyers out of season were half of all false alarms).
 *
 * The prior (rhythm_prior_fit) from customers with two or more purchase days: sigma is the
 * geometric mean of the customers' own bias-corrected scales (customers with two or more gaps),
 * each weighted by its reliability prec / (prec + SCALE_PRIOR_PREC); mu and tau by maximum
 * likelihood of the customers' robust centres c_i ~ N(mu, tau^2 + v_i), v_i = s_i^2 / n_eff
 * (fixed-point iteration; tau^2 floored at MIN_TAU^2); weight = sigma^2 / tau^2.
 */

#define MAD_NORMAL 1.482602218505602 /* 1 / Phi^-1(3/4) */
#define HUBER_K 1.5
#define HUBER_BETA 0.7785177 /* E[psi(Z)^2] for a standard normal Z: consistency at the normal */
#define HUBER_LOC_VAR 1.03   /* n Var(location) / s^2, simulated */
#define TINY_SCALE 1e-6
#define SCALE_PRIOR_PREC 1.0 /* 1 / Var(ln s_i) across customers */
#define MIN_SCALE 0.03       /* no buyer is more regular than about 3% of their gap */
#define MIN_TAU 0.05
#define SCRATCH_STACK 128

/* The documented default: a monthly buyer who varies by about half, customers' rhythms
 * spread by a factor of e. Used when there are too few customers to fit. */
static const struct rhythm_prior prior_default = {
	.mu = 3.4011973816621555, /* ln 30 */
	.sigma = 0.5,
	.tau = 1.0,
	.weight = 0.25,
	.customers = 0,
};

void rhythm_prior_default(struct rhythm_prior *out)
{
	*out = prior_default;
}

/*
 * The own scale's small-sample bias on the log scale, -E[ln(s_n / s)], and Var[ln s_n], for
 * n normal values, from 200,000 simulated samples per n (n = 2..4; 0 and 1 unused), then
 * 0.2 / n and 0.70 / (n - 1) (simulated up to n = 40). Half the variance of the MAD's.
 */
static const double scale_bias_tab[5] = { 0, 0, 0.5066, 0.1645, 0.0602 };
static const double scale_var_tab[5] = { 0, 0, 1.2287, 0.4127, 0.2347 };

static double scale_log_bias(size_t n)
{
	return n < 5 ? scale_bias_tab[n] : 0.2 / (double)n;
}

static double scale_log_var(size_t n)
{
	return n < 5 ? scale_var_tab[n] : 0.70 / (double)(n - 1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of v[0..n), n >= 1; sorts v. */
static double median_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Log gaps between the distinct days of days[0..n) into y (at most n - 1 of them); their count
 * in *ngaps. Returns the index of the first day out of order, or n when all are ascending.
 */
static size_t log_gaps(const int64_t *days, size_t n, double *y, size_t *ngaps)
{
	size_t i, k = 0;

	for (i = 1; i < n; i++) {
		if (days[i] < days[i - 1])
			return i;
		if (days[i] > days[i - 1])
			y[k++] = log((double)(days[i] - days[i - 1]));
	}
	*ngaps = k;
	return n;
}

/* One customer's estimate on the log scale. */
struct est {
	double raw;   /* own robust centre (Huber), before shrinking; the prior's mu with no gaps */
	double s;     /* pooled within-customer scale */
	double neff;  /* what the own gaps are worth */
	double k;     /* pseudo-gaps of the prior for this customer */
	double loc;   /* shrunk location */
	double pred;  /* predictive scale of the next log gap */
	double own_log_scale; /* bias-corrected ln of the own scale (ngaps >= 2) */
	double own_prec;      /* its precision; 0 with fewer than two gaps */
};

/*
 * Huber's proposal 2: the location m and scale s with sum psi(r_i) = 0 and
 * sum psi(r_i)^2 = (n - 1) HUBER_BETA, r_i = (y_i - m) / s, psi clipping at HUBER_K; started
 * from the median and the MAD. n >= 2; tmp has n slots.
 */
static void huber2(const double *y, size_t n, double *tmp, double *m_out, double *s_out)
{
	double m, s;
	size_t i;
	int it;

	for (i = 0; i < n; i++)
		tmp[i] = y[i];
	m = median_sort(tmp, n);
	for (i = 0; i < n; i++)
		tmp[i] = fabs(y[i] - m);
	s = MAD_NORMAL * median_sort(tmp, n);
	for (it = 0; it < 200; it++) {
		double sum = 0, sq = 0, nm, ns;

		if (s < TINY_SCALE)
			s = TINY_SCALE;
		for (i = 0; i < n; i++) {
			double r = (y[i] - m) / s;

			r = r > HUBER_K ? HUBER_K : r < -HUBER_K ? -HUBER_K : r;
			sum += r;
			sq += r * r;
		}
		nm = m + s * sum / (double)n;
		ns = s * sqrt(sq / ((double)(n - 1) * HUBER_BETA));
		if (fabs(nm - m) < 1e-10 * s && fabs(ns - s) < 1e-10 * s) {
			m = nm;
			s = ns;
			break;
		}
		m = nm;
		s = ns;
	}
	*m_out = m;
	*s_out = s < TINY_SCALE ? TINY_SCALE : s;
}

/*
 * Estimates one customer from their log gaps y[0..n) (n may be 0) under prior p; tmp has n
 * slots. y is left as it was.
 */
static void estimate(const struct rhythm_prior *p, const double *y, size_t n, double *tmp,
		     struct est *e)
{
	double lprec, own, q, floor2;

	e->own_prec = 0;
	e->own_log_scale = 0;
	e->raw = n ? y[0] : p->mu;
	if (n >= 2) {
		huber2(y, n, tmp, &e->raw, &own);
		own *= exp(scale_log_bias(n));
		q = exp(-e->raw); /* one day relative to the typical gap */
		floor2 = q * q / 6;
		if (floor2 < MIN_SCALE * MIN_SCALE)
			floor2 = MIN_SCALE * MIN_SCALE;
		e->own_log_scale = 0.5 * log(own * own + floor2);
		e->own_prec = 1 / scale_log_var(n);
	}
	lprec = SCALE_PRIOR_PREC + e->own_prec;
	e->s = exp((SCALE_PRIOR_PREC * log(p->sigma) + e->own_prec * e->own_log_scale) / lprec);
	e->neff = n <= 2 ? (double)n : (double)n / HUBER_LOC_VAR;
	e->k = p->weight * (e->s / p->sigma) * (e->s / p->sigma);
	e->loc = (e->neff * e->raw + e->k * p->mu) / (e->neff + e->k);
	e->pred = e->s * sqrt(1 + 1 / (e->neff + e->k));
}

/*
 * Huber proposal-2 location and scale (as huber2(), in the limit of many values) of ln X for
 * X ~ Gamma(k, 1), at ln k = LNK_FIRST + LNK_STEP i, k from 0.1 to 1000: computed once by
 * numerical integration of the two Huber equations over the log-gamma density (GSL's
 * log-gamma), 400,001 points each. They turn a robust centre and scale of log gaps into the
 * gamma distribution with that centre and scale.
 */
#define LNK_FIRST (-2.302585092994046) /* ln 0.1 */
#define LNK_STEP 0.1
#define LNK_N 93
static const double loggamma_huber[LNK_N][2] = {
	{ -9.073062, 7.630223 }, { -8.239080, 6.931069 }, { -7.481928, 6.300364 },
	{ -6.794060, 5.731617 }, { -6.168631, 5.218922 }, { -5.599432, 4.756897 },
	{ -5.080829, 4.340635 }, { -4.607707, 3.965664 }, { -4.175422, 3.627910 },
	{ -3.779759, 3.323663 }, { -3.416890, 3.049552 }, { -3.083344, 2.802511 },
	{ -2.775978, 2.579760 }, { -2.491946, 2.378774 }, { -2.228681, 2.197269 },
	{ -1.983872, 2.033180 }, { -1.755442, 1.884646 }, { -1.541531, 1.749993 },
	{ -1.340476, 1.627720 }, { -1.150798, 1.516488 }, { -0.971179, 1.415099 },
	{ -0.800453, 1.322491 }, { -0.637586, 1.237722 }, { -0.481666, 1.159958 },
	{ -0.331888, 1.088462 }, { -0.187541, 1.022584 }, { -0.048000, 0.961751 },
	{ 0.087287, 0.905456 }, { 0.218802, 0.853256 }, { 0.346973, 0.804758 },
	{ 0.472176, 0.759614 }, { 0.594742, 0.717520 }, { 0.714962, 0.678203 },
	{ 0.833093, 0.641424 }, { 0.949362, 0.606970 }, { 1.063972, 0.574650 },
	{ 1.177098, 0.544295 }, { 1.288899, 0.515753 }, { 1.399514, 0.488887 },
	{ 1.509067, 0.463575 }, { 1.617668, 0.439707 }, { 1.725416, 0.417181 },
	{ 1.832398, 0.395907 }, { 1.938693, 0.375802 }, { 2.044368, 0.356790 },
	{ 2.149488, 0.338802 }, { 2.254108, 0.321774 }, { 2.358277, 0.305648 },
	{ 2.462041, 0.290369 }, { 2.565440, 0.275887 }, { 2.668509, 0.262157 },
	{ 2.771282, 0.249135 }, { 2.873786, 0.236781 }, { 2.976050, 0.225059 },
	{ 3.078095, 0.213932 }, { 3.179943, 0.203369 }, { 3.281614, 0.193340 },
	{ 3.383124, 0.183815 }, { 3.484489, 0.174768 }, { 3.585724, 0.166174 },
	{ 3.686840, 0.158009 }, { 3.787849, 0.150250 }, { 3.888762, 0.142877 },
	{ 3.989587, 0.135870 }, { 4.090334, 0.129211 }, { 4.191009, 0.122880 },
	{ 4.291620, 0.116863 }, { 4.392172, 0.111142 }, { 4.492672, 0.105703 },
	{ 4.593124, 0.100532 }, { 4.693533, 0.095616 }, { 4.793902, 0.090941 },
	{ 4.894237, 0.086496 }, { 4.994540, 0.082269 }, { 5.094813, 0.078249 },
	{ 5.195061, 0.074426 }, { 5.295285, 0.070791 }, { 5.395488, 0.067334 },
	{ 5.495672, 0.064046 }, { 5.595838, 0.060919 }, { 5.695988, 0.057945 },
	{ 5.796124, 0.055116 }, { 5.896247, 0.052426 }, { 5.996358, 0.049867 },
	{ 6.096458, 0.047433 }, { 6.196549, 0.045119 }, { 6.296632, 0.042917 },
	{ 6.396706, 0.040823 }, { 6.496774, 0.038831 }, { 6.596835, 0.036936 },
	{ 6.696890, 0.035134 }, { 6.796940, 0.033420 }, { 6.896985, 0.031790 },
};

/*
 * P(G >= x) for a gap G whose log has robust centre loc and scale s: the gamma with those,
 * or, more regular than k = 1000, the log-normal (the two no longer differ).
 */
static double gap_tail(double loc, double s, double x)
{
	const double (*t)[2] = loggamma_huber;
	double k, mh, f, q;
	size_t lo = 0, hi = LNK_N - 1;

	if (s <= t[LNK_N - 1][1])
		return gsl_cdf_gaussian_Q((log(x) - loc) / s, 1);
	if (s >= t[0][1]) {
		k = exp(LNK_FIRST);
		mh = t[0][0];
	} else {
		while (hi - lo > 1) { /* t[.][1] falls as k grows */
			size_t mid = (lo + hi) / 2;

			if (t[mid][1] >= s)
				lo = mid;
			else
				hi = mid;
		}
		f = (t[lo][1] - s) / (t[lo][1] - t[hi][1]);
		k = exp(LNK_FIRST + LNK_STEP * ((double)lo + f));
		mh = t[lo][0] + f * (t[hi][0] - t[lo][0]);
	}
	q = gsl_cdf_gamma_Q(x, k, exp(loc - mh));
	return isfinite(q) ? q : gsl_cdf_gaussian_Q((log(x) - loc) / s, 1);
}

static int prior_ok(const struct rhythm_prior *p)
{
	return p && isfinite(p->mu) && isfinite(p->sigma) && p->sigma > 0 &&
	       isfinite(p->weight) && p->weight > 0;
}

/*
 * Checks one customer's days and estimates their rhythm into *e (ngaps in *ngaps). FU_EINPUT
 * for no days, an invalid prior or days out of order; FU_ENOMEM.
 */
static int estimate_days(struct fu_ctx *ctx, const struct rhythm_prior *prior,
			 const int64_t *days, size_t n, struct est *e, size_t *ngaps)
{
	double stack[2 * SCRATCH_STACK], *y = stack, *tmp;
	size_t bad;

	*ngaps = 0;
	if (n == 0)
		return fu_err(ctx, FU_EINPUT, "rhythm: no purchase days");
	if (!prior_ok(prior))
		return fu_err(ctx, FU_EINPUT, "rhythm: invalid prior (sigma and weight must be positive)");
	if (n > SCRATCH_STACK) {
		if (n > SIZE_MAX / (2 * sizeof(*y)))
			return fu_err(ctx, FU_ENOMEM, "rhythm: %zu purchase days: too many", n);
		y = malloc(2 * n * sizeof(*y));
		if (!y)
			return fu_err(ctx, FU_ENOMEM, "rhythm: %zu purchase days: out of memory", n);
	}
	tmp = y + n;
	bad = log_gaps(days, n, y, ngaps);
	if (bad < n) {
		if (y != stack)
			free(y);
		return fu_err(ctx, FU_EINPUT, "rhythm: purchase day %zu (day %lld) is before the one before it",
			      bad, (long long)days[bad]);
	}
	estimate(prior, y, *ngaps, tmp, e);
	if (y != stack)
		free(y);
	return FU_OK;
}

/*
 * P(next gap >= w) for a whole-day wait w: a whole-day gap G >= w is the continuous gap at
 * G* >= w - 1/2, so a buyer due today is not yet late; nothing is rare before a day.
 */
static double model_tail(const struct est *e, double w)
{
	return w < 1 ? 1 : gap_tail(e->loc, e->pred, w - 0.5);
}

/*
 * The customer's own say: the share of their gaps as long as w or longer, k / (ngaps + 1)
 * (their next gap counted as one more that was not that long), once k >= OWN_MIN. A buyer
 * who has waited this long twice before and came back each time is not rare at it; the
 * rhythm's robust centre calls such gaps odd, their history does not.
 */

#define OWN_MIN 2 /* one long gap is odd; two are a habit */
static double own_tail(const int64_t *days, size_t n, double w)
{
	size_t k = 0, ng = 0;

	for (size_t i = 1; i < n; i++) {
		if (days[i] == days[i - 1])
			continue;
		ng++;
		k += (double)(days[i] - days[i - 1]) >= w;
	}
	return k < OWN_MIN ? 0 : (double)k / ((double)ng + 1);
}

/*
 * The calendar's say: in each of the last three years their history covers, was one of their
 * gaps at least w long, over the same days of the year (from their last purchase's date a
 * year earlier to w days after, within SEASON_SLACK x w either end), and did they come back?
 * The share of those years, plus one, that say yes: a seasonal buyer out of season is waiting
 * as usual.
 */
#define SEASON_SLACK 0.15
static double season_tail(const int64_t *days, size_t n, double w)
{
	int64_t last = days[n - 1];
	double yes = 0, years = 0;
	size_t j = n;

	for (int y = 1; y <= 3; y++) {
		double start = (double)last - 365.25 * y, slack = SEASON_SLACK * w;

		if ((double)days[0] > start + slack)
			break;
		years++;
		/* the last purchase on or before start + slack, and the next one */
		while (j > 0 && (double)days[j - 1] > start + slack)
			j--;
		if (j > 0 && j < n && (double)days[j] >= start + w - slack &&
		    (double)(days[j] - days[j - 1]) >= w)
			yes++;
	}
	return yes / (years + 1);
}

/*
 * How often someone with this rhythm and this history waits w days or more: the largest of
 * the three; each falls as w grows, so their largest does too (rhythm_lapse_day() relies
 * on it).
 */
static double wait_tail(const struct est *e, const int64_t *days, size_t n, double w)
{
	double m = model_tail(e, w), o = own_tail(days, n, w), c = season_tail(days, n, w);

	if (o > m)
		m = o;
	return c > m ? c : m;
}

int rhythm_eval(struct fu_ctx *ctx, const struct rhythm_prior *prior, const int64_t *days,
		size_t n, int64_t today, struct rhythm *out)
{
	struct est e;
	size_t ngaps = 0;
	double w;
	int rc;

	if (n > 0 && today < days[n - 1])
		return fu_err(ctx, FU_EINPUT, "rhythm: today (day %lld) is before the last purchase (day %lld)",
			      (long long)today, (long long)days[n - 1]);
	rc = estimate_days(ctx, prior, days, n, &e, &ngaps);
	if (rc)
		return rc;
	w = (double)(today - days[n - 1]);
	out->ngaps = ngaps > INT32_MAX ? INT32_MAX : (int)ngaps;
	out->usual_gap = exp(e.loc);
	out->waited = w;
	out->p_wait = wait_tail(&e, days, n, w);
	out->own_gap = exp(e.raw);
	out->p_rhythm = model_tail(&e, w);
	out->p_own = own_tail(days, n, w);
	out->p_season = season_tail(days, n, w);
	return FU_OK;
}

int rhythm_lapse_day(struct fu_ctx *ctx, const struct rhythm_prior *prior, const int64_t *days,
		     size_t n, double p, int64_t *day)
{
	struct est e;
	size_t ngaps = 0;
	int64_t lo = 0, hi = 1; /* wait_tail(lo) >= p (or lo = 0); the answer is in (lo, hi] */
	int rc;

	*day = INT64_MAX;
	if (!(p > 0 && p <= 1))
		return fu_err(ctx, FU_EINPUT, "rhythm: lapse probability %g is not in (0, 1]", p);
	rc = estimate_days(ctx, prior, days, n, &e, &ngaps);
	if (rc)
		return rc;
	/* the tail falls as the wait grows: double the wait until it is rare, then bisect */
	while (!(wait_tail(&e, days, n, (double)hi) < p)) {
		if (hi >= RHYTHM_WAIT_MAX)
			return FU_OK;
		lo = hi;
		hi = hi * 2 < RHYTHM_WAIT_MAX ? hi * 2 : RHYTHM_WAIT_MAX;
	}
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (wait_tail(&e, days, n, (double)mid) < p)
			hi = mid;
		else
			lo = mid;
	}
	*day = days[n - 1] + hi;
	return FU_OK;
}

/* Reliability-weighted geometric mean of the own scales (ln, precision pairs), into p->sigma. */
static void fit_sigma(const double *own, size_t m, struct rhythm_prior *p)
{
	double sw = 0, swl = 0;
	size_t i;

	for (i = 0; i < m; i++) {
		double w = own[2 * i + 1] / (own[2 * i + 1] + SCALE_PRIOR_PREC);

		sw += w;
		swl += w * own[2 * i];
	}
	if (sw > 0)
		p->sigma = exp(swl / sw);
}

/* mu and tau by maximum likelihood of c_i ~ N(mu, tau^2 + v_i) (fixed point), then weight. */
static void fit_mu_tau(const double *c, const double *v, size_t m, struct rhythm_prior *p)
{
	double mu = 0, t2, mean = 0, var = 0, vbar = 0;
	size_t i;
	int it;

	for (i = 0; i < m; i++) {
		mean += c[i];
		vbar += v[i];
	}
	mean /= (double)m;
	vbar /= (double)m;
	for (i = 0; i < m; i++)
		var += (c[i] - mean) * (c[i] - mean);
	var /= (double)(m - 1);
	t2 = var - vbar;
	if (t2 < MIN_TAU * MIN_TAU)
		t2 = MIN_TAU * MIN_TAU;
	mu = mean;
	for (it = 0; it < 200; it++) {
		double sw = 0, swc = 0, num = 0, den = 0, nt2;

		for (i = 0; i < m; i++) {
			double w = 1 / (t2 + v[i]);

			sw += w;
			swc += w * c[i];
		}
		mu = swc / sw;
		for (i = 0; i < m; i++) {
			double w = 1 / (t2 + v[i]), r = c[i] - mu;

			num += w * w * (r * r - v[i]);
			den += w * w;
		}
		nt2 = num / den;
		if (nt2 < MIN_TAU * MIN_TAU)
			nt2 = MIN_TAU * MIN_TAU;
		if (fabs(nt2 - t2) < 1e-12 * (1 + t2)) {
			t2 = nt2;
			break;
		}
		t2 = nt2;
	}
	p->mu = mu;
	p->tau = sqrt(t2);
	p->weight = p->sigma * p->sigma / t2;
}

int rhythm_prior_fit(struct fu_ctx *ctx, const int64_t *days, const size_t *offsets,
		     size_t ncustomers, struct rhythm_prior *out)
{
	struct rhythm_prior p = prior_default;
	double *own = NULL, *y = NULL, *c = NULL, *v = NULL;
	size_t i, maxlen = 1, m = 0, j;
	int rc = FU_OK;

	*out = prior_default;
	if (!offsets)
		return fu_err(ctx, FU_EINPUT, "rhythm prior: no offsets");
	for (i = 0; i < ncustomers; i++) {
		if (offsets[i + 1] < offsets[i])
			return fu_err(ctx, FU_EINPUT, "rhythm prior: customer %zu: offsets go backwards", i);
		if (offsets[i + 1] - offsets[i] > maxlen)
			maxlen = offsets[i + 1] - offsets[i];
	}
	if (ncustomers > SIZE_MAX / (2 * sizeof(*own)) || maxlen > SIZE_MAX / (2 * sizeof(*y)))
		return fu_err(ctx, FU_ENOMEM, "rhythm prior: %zu customers: too many", ncustomers);
	own = malloc((ncustomers ? ncustomers : 1) * 2 * sizeof(*own));
	y = malloc(2 * maxlen * sizeof(*y));
	if (!own || !y) {
		rc = fu_err(ctx, FU_ENOMEM, "rhythm prior: %zu customers: out of memory", ncustomers);
		goto out_free;
	}

	/* Pass 1: the customers' own scales, then sigma. Gaps are kept only as counts. */
	for (i = 0; i < ncustomers; i++) {
		size_t n = offsets[i + 1] - offsets[i], ng = 0, bad;
		struct est e;

		if (n < 2)
			continue;
		bad = log_gaps(days + offsets[i], n, y, &ng);
		if (bad < n) {
			rc = fu_err(ctx, FU_EINPUT, "rhythm prior: customer %zu: purchase day %zu is before the one before it",
				    i, bad);
			goto out_free;
		}
		if (ng == 0)
			continue;
		estimate(&p, y, ng, y + maxlen, &e);
		own[2 * m] = e.own_log_scale;
		own[2 * m + 1] = e.own_prec;
		m++;
	}
	p.customers = (long)m;
	if (m < 10) {
		out->customers = (long)m;
		rc = fu_err(ctx, FU_EINPUT, "rhythm prior: %zu customers with two or more purchase days; need 10", m);
		goto out_free;
	}
	fit_sigma(own, m, &p);

	/* Pass 2: robust centres and their sampling variances under that sigma, then mu, tau. */
	c = malloc(m * sizeof(*c));
	v = malloc(m * sizeof(*v));
	if (!c || !v) {
		rc = fu_err(ctx, FU_ENOMEM, "rhythm prior: %zu customers: out of memory", m);
		goto out_free;
	}
	for (i = 0, j = 0; i < ncustomers; i++) {
		size_t n = offsets[i + 1] - offsets[i], ng = 0;
		struct est e;

		if (n < 2)
			continue;
		log_gaps(days + offsets[i], n, y, &ng);
		if (ng == 0)
			continue;
		estimate(&p, y, ng, y + maxlen, &e);
		c[j] = e.raw;
		v[j] = e.s * e.s / e.neff;
		j++;
	}
	fit_mu_tau(c, v, m, &p);
	*out = p;

out_free:
	free(v);
	free(c);
	free(y);
	free(own);
	return rc;
}

/* "about 28" as a whole number, "1 day" singular. */
static long whole(double x)
{
	if (!isfinite(x) || x < 0)
		return 0;
	if (x > 1e9)
		return 1000000000L;
	return lround(x);
}

void rhythm_describe(const struct rhythm *r, char *out, size_t n)
{
	long gap = whole(r->usual_gap), waited = whole(r->waited), pct;
	char every[48], wait[48], often[64];

	if (!n)
		return;
	if (gap <= 1)
		snprintf(every, sizeof(every), "buys about every day");
	else
		snprintf(every, sizeof(every), "buys about every %ld days", gap);
	snprintf(wait, sizeof(wait), "%ld day%s since the last order", waited, waited == 1 ? "" : "s");
	if (!(r->p_wait >= 0.01)) {
		snprintf(often, sizeof(often), "fewer than 1 time in 100");
	} else {
		pct = lround(r->p_wait * 100);
		if (pct > 100)
			pct = 100;
		snprintf(often, sizeof(often), "%ld time%s in 100", pct, pct == 1 ? "" : "s");
	}
	snprintf(out, n, "%s; %s; a wait this long happens %s for them", every, wait, often);
}
