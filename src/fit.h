/* fit.h - the customer-base models of `followup model`: fitted on the purchase log, kept, and checked on a holdout period */
#ifndef FU_FIT_H
#define FU_FIT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "clv.h"
#include "fu.h"
#include "lapse.h"
#include "store.h"

/* What to fit: the model, its time unit and the calibration period. */
struct fit_opts {
	int pareto;        /* 0 BG/NBD, 1 Pareto/NBD */
	double unit_days;  /* 1 (days) or 7 (weeks): the unit of alpha, beta and the horizon */
	int64_t until_day; /* the calibration period's last day (purchase_day()), included */
	long horizon;      /* fit_holdout: the holdout period's length in units (> 0) */
};

/*
 * A model fitted on the customers who bought on or before o.until_day. c and who are
 * malloced and owned here: fit_release() frees them.
 */
struct fit {
	struct fit_opts o;
	struct bgnbd bg;      /* when !o.pareto */
	struct pnbd pn;       /* when o.pareto */
	struct gammagamma gg; /* spend per purchase day, when has_gg */
	int has_gg;
	size_t n;             /* customers */
	struct rfm *c;        /* [n] their calibration summaries */
	size_t *who;          /* [n] each one's index in the purchase log */
};

void fit_release(struct fit *f);

/* "day" or "week" for a unit of 1 or 7 days. */
const char *fit_unit_name(double unit_days);

/*
 * Fits o's model (and Gamma-Gamma, when the repeat spend allows) on the purchases of p made
 * on or before o->until_day into *f (released by the caller on success; left empty on
 * failure). FU_EINPUT when nobody bought by then, the optimiser's error prefixed with the
 * model and the period otherwise; FU_ENOMEM.
 */
int fit_run(struct fu_ctx *ctx, const struct purchase_log *p, const struct fit_opts *o,
	    struct fit *f);

/*
 * The fitted model under the papers' names, as kept in the store and printed: {r, alpha, a,
 * b, ll} for BG/NBD or {r, alpha, s, beta, ll} for Pareto/NBD, with customers, unit, until
 * (YYYY-MM-DD), iterations and gammagamma ({p, q, gamma} or null). A new reference; NULL on
 * out-of-memory.
 */
json_t *fit_json(const struct fit *f);

/*
 * `model fit`: fits on every purchase in s on or before o->until_day and keeps the model
 * (fit_json) in s, replacing the one kept before. *model is a new reference to what was kept
 * (the caller json_decref()s it). Fails as fit_run() does, or on a store error.
 */
int fit_keep(struct fu_ctx *ctx, struct store *s, const struct fit_opts *o, json_t **model);

/* `model show`: the model kept by the last fit_keep (a new reference); FU_ENOTFOUND when none. */
int fit_kept(struct fu_ctx *ctx, struct store *s, json_t **model);

/* The conditional-expectation table: customers grouped by their calibration repeat purchase days. */
#define FIT_BUCKETS 8 /* repeat purchase days 0, 1, ..., 6, and 7 or more */

struct fit_bucket {
	long customers;
	double expected; /* repeat purchase days in the holdout period, by the model */
	double actual;   /* and as they happened */
};

struct fit_holdout_table {
	int64_t from_day, to_day;   /* the holdout period, both included (purchase days) */
	struct fit_bucket b[FIT_BUCKETS];
	struct fit_bucket all;
};

/* "0" .. "6", "7+" for bucket k. */
const char *fit_bucket_label(int k);

/*
 * `model predict`: fits on the calibration period of o (ending o->until_day) from s's
 * purchases into *f (released by the caller on success), and sets beside each other the
 * repeat purchase days the model expects in the next o->horizon units and those that
 * happened, by calibration repeat purchase days, into *t. Fails as fit_run() does;
 * FU_EINTERNAL when the expectations are not finite.
 */
int fit_holdout(struct fu_ctx *ctx, struct store *s, const struct fit_opts *o, struct fit *f,
		struct fit_holdout_table *t);

#endif
