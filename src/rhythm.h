/* rhythm.h - each customer's own purchase rhythm, and how unusual their current wait is */
#ifndef FU_RHYTHM_H
#define FU_RHYTHM_H

#include <stddef.h>
#include <stdint.h>

#include "fu.h"

/*
 * What the whole customer base says about gaps between purchase days; used in place of a
 * customer's own history while it is short. Fitted from every customer with two or more
 * purchase days.
 */
struct rhythm_prior {
	double mu;      /* typical log gap (days) across customers */
	double sigma;   /* typical within-customer spread of log gaps */
	double tau;     /* spread of customers' own typical log gaps around mu */
	double weight;  /* pseudo-gaps the prior is worth when shrinking a customer's own estimate */
	long customers; /* customers it was fitted from */
};

/*
 * Fits the prior from many customers' purchase days: days is all customers' ascending
 * purchase-day numbers (days since the epoch) concatenated; customer i owns
 * days[offsets[i] .. offsets[i + 1]) (offsets has ncustomers + 1 entries). Several purchases
 * on one day count once. FU_EINPUT when fewer than 10 customers have two or more purchase
 * days (*out then holds a documented default); FU_ENOMEM.
 */
int rhythm_prior_fit(struct fu_ctx *ctx, const int64_t *days, const size_t *offsets,
		     size_t ncustomers, struct rhythm_prior *out);

/* Fills *out with the documented default prior: mu = ln 30 (a monthly buyer), sigma = 0.5,
 * tau = 1, weight = 0.25, customers = 0. What rhythm_prior_fit() leaves on FU_EINPUT. */
void rhythm_prior_default(struct rhythm_prior *out);

/* One customer's rhythm at day `today`. */
struct rhythm {
	int ngaps;          /* gaps of their own (distinct purchase days - 1) */
	double usual_gap;   /* their typical gap in days (shrunk towards the prior when few gaps) */
	double waited;      /* days since their last purchase day */
	double p_wait;      /* probability that someone with this rhythm waits at least this long:
			     * the largest of the three below */
	double own_gap;     /* their own robust typical gap, before shrinking (the prior's with no gaps) */
	double p_rhythm;    /* the rhythm's tail at this wait */
	double p_own;       /* share of their gaps this long (0 unless two or more were) */
	double p_season;    /* share of earlier years silent over the same days as long (0 if none) */
};

/*
 * Evaluates one customer's ascending purchase days (n >= 1; repeats allowed) at `today`.
 * Robust to one odd gap (median/MAD-style, not mean/sd); a wait they have made twice before,
 * or over the same days of the year in an earlier year (a seasonal buyer), is not rare. With no gaps of their own the prior
 * alone gives the rhythm. Returns FU_EINPUT for n == 0 or days out of order.
 */
int rhythm_eval(struct fu_ctx *ctx, const struct rhythm_prior *prior, const int64_t *days,
		size_t n, int64_t today, struct rhythm *out);

/* Waits longer than this (days, about 100 years) are never looked at. */
#define RHYTHM_WAIT_MAX 36525

/*
 * The first day on which this customer's wait becomes rarer than p: the smallest `today`
 * for which rhythm_eval() of the same days gives p_wait < p (the wait's tail falls as the
 * wait grows, so from that day on every later one does too). *day = INT64_MAX when no wait
 * up to RHYTHM_WAIT_MAX days is that rare. Fails as rhythm_eval() does, and with FU_EINPUT
 * for p outside (0, 1].
 */
int rhythm_lapse_day(struct fu_ctx *ctx, const struct rhythm_prior *prior, const int64_t *days,
		     size_t n, double p, int64_t *day);

/* The plain words of a lapse: "buys about every 28 days; 71 days since the last order; a
 * wait this long happens 3 times in 100 for them". Writes at most n bytes to out. */
void rhythm_describe(const struct rhythm *r, char *out, size_t n);

#endif
