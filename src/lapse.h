/* lapse.h - regular buyers who missed their usual order, and the money a lapse puts at risk */
#ifndef FU_LAPSE_H
#define FU_LAPSE_H

#include <stddef.h>
#include <stdint.h>

#include "clv.h"
#include "fu.h"
#include "rhythm.h"
#include "store.h"

/* A wait rarer than this for the customer's own rhythm is a lapse (`followup lapsed`, the engine). */
#define LAPSE_P 0.05

/*
 * Every contact's purchases up to a moment, as clv.h and rhythm.h take them: contact[i] (ids
 * ascending, n of them) owns entries off[i] .. off[i + 1] - 1 of day (UTC days since the epoch,
 * ascending; a day repeats for several purchases on it), time and amount (dollars, 0 when the
 * event has none). off has n + 1 entries once loaded. The arrays are malloced and owned here:
 * purchase_log_release() frees them.
 */
struct purchase_log {
	size_t n, len;
	int64_t *contact;
	size_t *off;
	int64_t *day;
	int64_t *time;
	double *amount;
};

void purchase_log_init(struct purchase_log *p);
void purchase_log_release(struct purchase_log *p);
/* Loads every purchase at or before until (INT64_MAX for all). On failure *p is left empty. */
int purchase_log_load(struct fu_ctx *ctx, struct store *s, int64_t until, struct purchase_log *p);
/* Copies the purchases of p at or before until into *out; on failure (FU_ENOMEM) *out is empty. */
int purchase_log_cut(struct fu_ctx *ctx, const struct purchase_log *p, int64_t until,
		     struct purchase_log *out);

/*
 * What the whole customer base says: the rhythm prior, and BG/NBD and Gamma-Gamma in days.
 * The model of a moment is fitted on the purchases made before the start of that moment's
 * UTC month (its cutoff), so it changes once a month, not with every purchase: each
 * customer is still judged on all of their own purchases up to the moment (lapse_eval),
 * only the population's parameters lag by at most a month. That keeps the agenda's wakes,
 * which depend on the prior, valid through the month. Plain values, nothing to free.
 */
struct lapse_model {
	int64_t cutoff;            /* the instant the fitted purchases end (excluded) */
	int64_t today;             /* the UTC day before the cutoff: the calibration period's end */
	struct rhythm_prior prior; /* fitted, or the documented default with fewer than 10 regular buyers */
	int has_bg, has_gg;        /* whether the data allowed these fits */
	struct bgnbd bg;
	struct gammagamma gg;
	size_t customers;          /* customers with a purchase */
};

/* The cutoff of the model of moment now: 00:00 UTC on the first day of now's month. */
int64_t lapse_model_cutoff(int64_t now);

/* The default prior without BG/NBD or Gamma-Gamma, for the moment now. */
void lapse_model_default(struct lapse_model *m, int64_t now);

/*
 * Fits the model of moment now from the purchases of p before its cutoff (later ones are
 * left out). Too few customers for a model is not an error: the default prior stands, has_bg
 * / has_gg say which fits the data allowed. FU_ENOMEM.
 */
int lapse_model_fit(struct fu_ctx *ctx, const struct purchase_log *p, int64_t now,
		    struct lapse_model *out);
/*
 * The model of moment now, as lapse_model_fit() gives it from the store's purchases; fails as
 * purchase_log_load() and lapse_model_fit() do. The fitted model is kept in the store's
 * metadata with its cutoff and the largest event id it is known to be right for, and reused
 * (bit for bit: reals are kept with 17 digits) until the month changes or a purchase before
 * the cutoff is recorded late (only the events appended since are looked at); writing it is
 * best effort (a read-only database fits every time).
 */
int lapse_model_load(struct fu_ctx *ctx, struct store *s, int64_t now, struct lapse_model *out);

/*
 * The models of several moments at once (a replay, a report week by week): the store's for
 * now's month (lapse_model_load, kept as the agenda keeps it) and those of earlier months,
 * kept apart from it in the store's metadata under the same rule (fitted from the store's
 * purchases when none is kept or one was recorded late; writing them is best effort).
 * Each moment of at[0..n) must be at or before now.
 */
#define LAPSE_MODELS_MAX 8 /* distinct months */
struct lapse_models {
	struct lapse_model m[LAPSE_MODELS_MAX];
	int n;
};
/* Fails as lapse_model_load() and lapse_model_fit() do; FU_EINPUT past LAPSE_MODELS_MAX months. */
int lapse_models_load(struct fu_ctx *ctx, struct store *s, int64_t now, const int64_t *at,
		      size_t n, struct lapse_models *out);
/* The model of moment t (one lapse_models_load was given; else the first). */
const struct lapse_model *lapse_models_get(const struct lapse_models *ms, int64_t t);

/* One customer at one moment. */
struct lapse {
	struct rhythm r;     /* usual gap, days waited, p_wait (the prior alone with one purchase day) */
	int purchase_days;   /* distinct purchase days */
	int lapsed;          /* two or more purchase days and p_wait < LAPSE_P */
	int64_t since_day;   /* the first day with p_wait < LAPSE_P; INT64_MAX with one purchase
			      * day or when no wait is that rare */
	double p_alive;      /* BG/NBD's P(alive), NaN without the model */
	double spend;        /* expected spend per purchase day, dollars (Gamma-Gamma when it
			      * shrinks, lapse_gg_shrinks(), else their own mean) */
	double observed;     /* what they spent a year at their own pace, dollars: total spend x 365
			      * / (days from first to last purchase + usual gap, at least
			      * LAPSE_PACE_MIN_DAYS); 0 with one purchase day */
	double bg_per_year;  /* BG/NBD's expected purchase days a year while alive, 365 (r + x)
			      * / (alpha + t_x); NaN without the model or with one purchase day */
	double per_year;     /* purchase days a year they are priced at: 365 / usual gap, at
			      * most bg_per_year; 0 with one purchase day */
	double yearly;       /* their yearly spend: per_year x spend, at most LAPSE_PACE_CAP x
			      * observed; 0 with one purchase day */
	double at_risk;      /* yearly spend at stake, dollars: yearly x P(alive) (yearly alone
			      * when P(alive) is unknown); 0 with one purchase day */
};

/*
 * The money follows the customer's own evidence: a yearly spend is never put above this many
 * times what they spent a year at their own pace (struct lapse, observed), whatever the
 * population's models say about a customer with two purchases or a burst of them.
 */
#define LAPSE_PACE_CAP 2.0
#define LAPSE_PACE_MIN_DAYS 30.0

/* Whether m's Gamma-Gamma shrinks a customer's mean spend towards the base's (q > 1). */
int lapse_gg_shrinks(const struct lapse_model *m);

/*
 * Evaluates one customer at now under m (the model of moment now): days[0..n) their ascending purchase
 * days (UTC day numbers; repeats allowed), amounts[0..n) in dollars (NULL for none). FU_EINPUT
 * for n == 0, days out of order or after now; FU_ENOMEM.
 */
int lapse_eval(struct fu_ctx *ctx, const struct lapse_model *m, const int64_t *days,
	       const double *amounts, size_t n, int64_t now, struct lapse *out);

/* One lapsing customer of a purchase log. */
struct lapse_entry {
	int64_t contact_id;
	int64_t last_purchase; /* instant */
	struct lapse l;
};

/*
 * The customers of p lapsing at now under m (the model of moment now), in p's order (contact id
 * ascending): *out is malloced (NULL when none) and freed by the caller, *n its length.
 * Fails as lapse_eval() does; nothing is kept on failure.
 */
int lapse_list(struct fu_ctx *ctx, const struct lapse_model *m, const struct purchase_log *p,
	       int64_t now, struct lapse_entry **out, size_t *n);

/* Lapsing customers and the yearly spend at risk over them, at one moment. */
struct lapse_totals {
	size_t customers;
	double at_risk; /* dollars over the next 12 months */
};

/*
 * The totals at `at` from purchases p (which may hold later ones: they are left out) under m,
 * the model of moment `at` (lapse_models_load). Fails as lapse_list() does.
 */
int lapse_totals_at(struct fu_ctx *ctx, const struct lapse_model *m, const struct purchase_log *p,
		    int64_t at, struct lapse_totals *out);

/*
 * `lapsed --explain`: why one contact is (or is not) lapsing at one moment, every number
 * with what it is computed from, for cli/ to print as text or JSON. Plain values, nothing to
 * free. Where each comes from:
 *   purchases, gaps: the event log (the contact's purchase events up to the moment);
 *   l.r (usual gap, own gap, the wait and its three tails): rhythm.h on those days, with prior;
 *   prior: the model's rhythm prior, fitted on the purchases before the model's cutoff unless
 *     prior_fitted is 0 (the documented default: too few regular buyers);
 *   l.p_alive: BG/NBD (bg, when has_bg) at rfm; l.bg_per_year its rate at rfm;
 *   l.spend: Gamma-Gamma (gg) from rfm.m over rfm.x repeat purchase days when spend_from_gg,
 *     else their own mean over every purchase day (total / purchase_days);
 *   l.per_year, l.yearly, l.observed, l.at_risk: lapse_eval()'s rules (struct lapse).
 */
#define LAPSE_EXPLAIN_GAPS 24 /* the last gaps kept */
struct lapse_explanation {
	int has_purchases;      /* 0: no purchase up to the moment; nothing below is set */
	size_t purchases;       /* purchase events */
	int64_t first_day, last_day; /* UTC day numbers */
	double total;           /* dollars, every purchase */
	int ngaps;              /* gaps in gap[], the last ones, oldest first (l.r.ngaps in all) */
	int64_t gap[LAPSE_EXPLAIN_GAPS];
	struct lapse l;
	int64_t cutoff;         /* the model's: its fits use the purchases before this instant */
	struct rhythm_prior prior;
	int prior_fitted;
	struct rfm rfm;         /* the BG/NBD and Gamma-Gamma summary, in days, at the moment */
	int has_bg, has_gg, spend_from_gg;
	struct bgnbd bg;
	struct gammagamma gg;
	double cap;             /* LAPSE_PACE_CAP x l.observed: the most l.yearly may be */
	int capped;             /* whether the cap lowered l.yearly */
};

/*
 * Explains contact_id of p at now under m (the model of moment now) into *out. A contact
 * without purchases in p is not an error (has_purchases 0). Fails as lapse_eval() does.
 */
int lapse_explain(struct fu_ctx *ctx, const struct lapse_model *m, const struct purchase_log *p,
		  int64_t contact_id, int64_t now, struct lapse_explanation *out);

/*
 * lapse_explain() for the contact with key, from the store: their purchases up to now and
 * the model of moment now (lapse_model_load). *c (contact_init()ed by the caller, who
 * releases it) receives the contact. FU_ENOTFOUND naming the key when there is none; fails
 * as lapse_model_load() and lapse_explain() do.
 */
int lapse_explain_contact(struct fu_ctx *ctx, struct store *s, const char *key, int64_t now,
			  struct contact *c, struct lapse_explanation *out);

/* "$1,240": whole dollars with thousands separators ($0 for negative or not finite). */
void lapse_format_dollars(double d, char *out, size_t n);

/* The plain words: "buys about every 28 days; 71 days since the last order; a wait this
 * long happens 3 times in 100 for them; about $1,240 a year at risk". At most n bytes. */
void lapse_describe(const struct lapse *l, char *out, size_t n);

#endif
