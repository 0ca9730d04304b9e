/* clv.h - customer-base models: BG/NBD, Pareto/NBD and Gamma-Gamma, fitted by maximum likelihood */
#ifndef FU_CLV_H
#define FU_CLV_H

#include <stddef.h>
#include <stdint.h>

#include "fu.h"

/*
 * One customer's calibration summary. x: repeat purchases (days with purchases after the
 * first one); t_x: time of the last purchase after the first (0 when x = 0); T: time from the
 * first purchase to the end of calibration; m: mean spend per repeat purchase day (0 when
 * x = 0). The time unit (days, weeks) is the caller's choice; all models fitted on the data
 * use the same unit, so their alpha and beta are in that unit.
 * A valid summary has x a whole number >= 0, 0 <= t_x <= T, and t_x = 0 when x = 0.
 */
struct rfm {
	double x;
	double t_x;
	double T;
	double m;
};

/* Fitted models. ll is the maximised log-likelihood of the fitting data; iterations counts
 * the optimiser's iterations over all starts and restarts. */
struct bgnbd {
	double r, alpha, a, b, ll;
	int iterations;
};

struct pnbd {
	double r, alpha, s, beta, ll;
	int iterations;
};

struct gammagamma {
	double p, q, gamma, ll;
};

/*
 * Maximum-likelihood fits on n customers. Identical (x, t_x, T) summaries are grouped, so
 * data on a day grid fit in time that grows with the number of distinct summaries. Return
 * FU_OK and fill *out; FU_EINPUT for no customers, an invalid summary (the message names its
 * index), or data whose likelihood has no finite maximum (say, no repeat purchases at all);
 * FU_ENOMEM; FU_EINTERNAL when the optimiser does not converge. Several starting points are
 * tried and the search is restarted from its optimum until that gains nothing. Nothing is
 * kept: the caller owns c and out.
 * These switch GSL's error handler off (gsl_set_error_handler_off()), a process-wide
 * setting, so that GSL reports failures by return value instead of aborting.
 */
int bgnbd_fit(struct fu_ctx *ctx, const struct rfm *c, size_t n, struct bgnbd *out);
/*
 * After bgnbd_fit() failed with FU_EINPUT, *out holds where the search ended. When a + b
 * grew without bound (a / (a + b) in (0, 1)) while r and alpha stayed finite, the data point
 * to BG/NBD's limit
 * in which every customer drops out with the same chance a / (a + b) after a purchase: a
 * proper model (no finite maximum only because the Beta collapses to that point), under
 * which bgnbd_p_alive() still holds. This says whether *m is that limit.
 */
int bgnbd_common_dropout(const struct bgnbd *m);
int pnbd_fit(struct fu_ctx *ctx, const struct rfm *c, size_t n, struct pnbd *out);
/* Uses the customers with x > 0 and m > 0; FU_EINPUT when there are none. */
int gammagamma_fit(struct fu_ctx *ctx, const struct rfm *c, size_t n, struct gammagamma *out);

/*
 * Per-customer quantities under a fitted model. Each returns NaN for an invalid summary
 * or model; none allocates. The Pareto/NBD ones evaluate the Gauss hypergeometric function
 * and switch GSL's error handler off as the fits do.
 */
double bgnbd_ll_one(const struct bgnbd *m, const struct rfm *c); /* log-likelihood */
double pnbd_ll_one(const struct pnbd *m, const struct rfm *c);
double bgnbd_p_alive(const struct bgnbd *m, const struct rfm *c); /* P(alive at T) */
/*
 * The purchase rate (per unit of time) that x repeat purchases up to t_x show under the
 * model's Gamma(r, alpha) prior on it: the posterior mean (r + x) / (alpha + t_x), the
 * customer's own rate shrunk towards the population's r / alpha as Gamma-Gamma shrinks the
 * spend. What they buy while they are still a customer, whatever the silence since.
 */
double bgnbd_rate(const struct bgnbd *m, const struct rfm *c);
double pnbd_p_alive(const struct pnbd *m, const struct rfm *c);
/* Expected repeat purchases in (T, T + t], t >= 0 in the model's unit. */
double bgnbd_expected(const struct bgnbd *m, const struct rfm *c, double t);
double pnbd_expected(const struct pnbd *m, const struct rfm *c, double t);
/* Expected mean spend per purchase day: E[zeta | x, m]; the population mean
 * p gamma / (q - 1) when x = 0, which is infinite when q <= 1. */
double gammagamma_expected_spend(const struct gammagamma *g, const struct rfm *c);

/*
 * P(alive) and expected purchases in (T, T + t] for n customers at once, into p_alive[n]
 * and expected[n] (either may be NULL). Customers sharing (x, T) share the costly part,
 * so this is much faster than calling bgnbd_expected() n times on day-grid data.
 * FU_EINPUT (message names the customer) for an invalid summary, FU_ENOMEM.
 */
int bgnbd_predict(struct fu_ctx *ctx, const struct bgnbd *m, const struct rfm *c, size_t n,
		  double t, double *p_alive, double *expected);

/*
 * Builds one customer's summary from their purchase days: days[0..ndays) are days since the
 * epoch, ascending; the same day may repeat (it counts once, its amounts summed). amounts
 * may be NULL (m = 0). Only days <= cal_end_day count. unit_days (1 for days, 7 for weeks)
 * converts day counts to the time unit. FU_EINPUT when there is no purchase on or before
 * cal_end_day, the days are not ascending, or unit_days <= 0.
 */
int rfm_from_days(struct fu_ctx *ctx, const int64_t *days, const double *amounts, size_t ndays,
		  int64_t cal_end_day, double unit_days, struct rfm *out);

#endif
