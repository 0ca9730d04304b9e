/* bench/lapse.c - lapse quality: `lapsed`, two naive rules and an oracle on simulated customers who really stopped */
#include "lapse.h"

#include "datetime.h"
#include "synth.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "banned.h"

/*
 * The simulator. A business keeps its purchase log from day 0 to day HORIZON (four years).
 * Each customer:
 * - joins at a day: 40% before the log began (up to three years before: their history is cut
 *   at day 0), the others uniformly over the four years; the first purchase is on that day;
 * - has a rhythm: a mean gap log-uniform from MIN_GAP to MAX_GAP days; gaps gamma with a
 *   shape uniform on 1..10 (1 is a buyer at random, 10 a regular one), or clockwork for 15%
 *   (log-normal, spread 3-12%); 10% are seasonal (they buy at their rhythm, 5 to 40 days, in
 *   a season of 45 to 120 days a year, and are silent the rest of it); 30% drift (their mean
 *   gap grows or shrinks by a factor of up to e^0.5 a year); 20% buy in bursts (after a
 *   purchase, with a chance of 10-30%, one more within three days); any gap is a holiday
 *   two to four times as long with probability 3%;
 * - stops buying for good at an exponential lifetime from joining, its rate drawn from a
 *   gamma across customers (shape DEATH_SHAPE, mean DEATH_MEAN a day): the true dropout law.
 *   A "one-and-done" share (ONE_DONE) stops right after the first purchase.
 * - spends, per purchase day, a gamma amount around their own mean (itself log-normal).
 *
 * The data at an age A (days since the log began) are the purchases of [0, A], and the
 * truth is whether the customer's lifetime ended by A. Stopped less than one of their mean
 * gaps before A: nobody could know yet, not scored (UNSEEN). Scores are on the customers
 * with two or more purchase days in the data (the only ones `lapsed` judges); "recent" on
 * the alive ones plus those who stopped in the last RECENT days (so a flag on a long-gone
 * customer neither helps nor hurts there).
 *
 * The oracle knows each customer's true parameters and the dropout law: given the last
 * purchase L and the wait w = A - L, with S(u) = P(no purchase in (L, L + u] | alive) (drawn,
 * ORACLE_DRAWS next purchases from L with the true rhythm, season and drift) and the true
 * dropout rate mu, P(stopped) = D / (D + e^(-mu w) S(w)) with D = integral over (0, w] of
 * mu e^(-mu u) S(u) du. No detector that sees the same data can do better, up to the draws.
 */

#define HORIZON 1460
#define RECENT 120
#define NAIVE_DAYS 90
#define MIN_GAP 2.0
#define MAX_GAP 365.0
#define GAP_MEDIAN 100.0
#define GAP_SPREAD 1.1
#define DEATH_SHAPE 0.8
#define DEATH_MEAN (1.0 / 250)
#define ONE_DONE 0.3
#define ORACLE_DRAWS 400
#define DAY0 19000 /* day 0 of the log: 2022-01-08 */
#define NAGES 4

static const int ages[NAGES] = { 182, 365, 730, 1460 };

enum { K_GAMMA, K_CLOCK, K_SEASON };

struct cust {
	int kind;
	double mean_gap, shape, drift, burst, season_start, season_len;
	double join, death, mu, spend;
	size_t off, n; /* purchase days in [0, HORIZON] in the shared arrays */
};

struct world {
	struct cust *c;
	size_t nc;
	int64_t *days;
	double *amount;
	size_t ndays, cap;
};

static double uniform(gsl_rng *r, double a, double b)
{
	return a + (b - a) * gsl_rng_uniform(r);
}

static int in_season(const struct cust *c, double t)
{
	return fmod(t - c->season_start + 3650 * 365, 365) < c->season_len;
}

/* The next purchase after one at t, ignoring the lifetime. */
static double next_purchase(gsl_rng *r, const struct cust *c, double t)
{
	double m = c->mean_gap * exp(c->drift * (t - c->join) / 365), g, u;

	if (m < 1)
		m = 1;
	if (m > 1000)
		m = 1000;
	if (c->burst > 0 && gsl_rng_uniform(r) < c->burst)
		return t + uniform(r, 0.5, 3);
	if (c->kind == K_CLOCK)
		g = gsl_ran_lognormal(r, log(m) - c->shape * c->shape / 2, c->shape);
	else
		g = gsl_ran_gamma(r, c->shape, m / c->shape);
	if (gsl_rng_uniform(r) < 0.03)
		g *= uniform(r, 2, 4);
	if (c->kind != K_SEASON || in_season(c, t + g))
		return t + g;
	/* out of season: the first purchase of the next season */
	u = c->season_start + 365 * ceil((t + g - c->season_start) / 365);
	return u + uniform(r, 0, m < c->season_len ? m : c->season_len);
}

static int push_day(struct world *w, int64_t d, double amount)
{
	if (w->ndays == w->cap) {
		size_t ncap = w->cap ? 2 * w->cap : 1 << 16;
		int64_t *nd = realloc(w->days, ncap * sizeof(*nd));
		double *na;

		if (!nd)
			return -1;
		w->days = nd;
		na = realloc(w->amount, ncap * sizeof(*na));
		if (!na)
			return -1;
		w->amount = na;
		w->cap = ncap;
	}
	w->days[w->ndays] = d;
	w->amount[w->ndays] = amount;
	w->ndays++;
	return 0;
}

static void draw_customer(gsl_rng *r, struct cust *c)
{
	double u = gsl_rng_uniform(r);

	memset(c, 0, sizeof(*c));
	do
		c->mean_gap = gsl_ran_lognormal(r, log(GAP_MEDIAN), GAP_SPREAD);
	while (c->mean_gap < MIN_GAP || c->mean_gap > MAX_GAP);
	c->kind = u < 0.15 ? K_CLOCK : u < 0.25 ? K_SEASON : K_GAMMA;
	c->shape = c->kind == K_CLOCK ? uniform(r, 0.03, 0.12) : exp(uniform(r, 0, log(10)));
	if (c->kind == K_SEASON) {
		c->mean_gap = exp(uniform(r, log(5), log(40)));
		c->season_start = uniform(r, 0, 365);
		c->season_len = uniform(r, 45, 120);
	}
	if (gsl_rng_uniform(r) < 0.3)
		c->drift = uniform(r, -0.5, 0.5);
	if (gsl_rng_uniform(r) < 0.2)
		c->burst = uniform(r, 0.1, 0.3);
	c->join = gsl_rng_uniform(r) < 0.4 ? -uniform(r, 0, 1095) : uniform(r, 0, HORIZON);
	if (c->kind == K_SEASON && !in_season(c, c->join))
		c->join = next_purchase(r, c, c->join);
	c->mu = gsl_ran_gamma(r, DEATH_SHAPE, DEATH_MEAN / DEATH_SHAPE);
	c->death = gsl_rng_uniform(r) < ONE_DONE ? c->join + 0.01 : c->join + gsl_ran_exponential(r, 1 / c->mu);
	c->spend = gsl_ran_lognormal(r, log(40), 0.8);
}

/* Simulates n customers from seed; -1 on out of memory. */
static int simulate(struct world *w, size_t n, unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	size_t i;

	if (!r)
		return -1;
	gsl_rng_set(r, seed);
	memset(w, 0, sizeof(*w));
	w->c = calloc(n, sizeof(*w->c));
	if (!w->c)
		goto fail;
	w->nc = n;
	for (i = 0; i < n; i++) {
		struct cust *c = &w->c[i];
		double t;

		draw_customer(r, c);
		c->off = w->ndays;
		for (t = c->join; t <= HORIZON && t < c->death; t = next_purchase(r, c, t)) {
			int64_t d = (int64_t)floor(t);
			double a = gsl_ran_gamma(r, 4, c->spend / 4);

			if (d < 0)
				continue;
			if (w->ndays > c->off && w->days[w->ndays - 1] == d) {
				w->amount[w->ndays - 1] += a;
				continue;
			}
			if (push_day(w, d, a))
				goto fail;
		}
		c->n = w->ndays - c->off;
	}
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
	free(w->amount);
}

/* Purchase days of c up to day a: their count. */
static size_t upto(const struct world *w, const struct cust *c, int a)
{
	size_t k = 0;

	while (k < c->n && w->days[c->off + k] <= a)
		k++;
	return k;
}

/* ---- the oracle ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * P(stopped by day a | no purchase in (last, a], the true parameters), from ORACLE_DRAWS
 * draws of the next purchase after last; g has ORACLE_DRAWS slots.
 */
/*
 * P(still alive u days after the last purchase | alive at it): with the customer's own
 * dropout rate (law 0), or with the population's law only (law 1): mu ~ Gamma(DEATH_SHAPE,
 * rate DEATH_SHAPE / DEATH_MEAN) given survival from joining to the last purchase.
 */
static double surv(const struct cust *c, double last, double u, int law)
{
	double b = DEATH_SHAPE / DEATH_MEAN + (last - c->join);

	return law ? pow(b / (b + u), DEATH_SHAPE) : exp(-c->mu * u);
}

/* P(stopped) from the sorted draws g[0..k) of the next gap, the wait w, under law. */
static double oracle_law(const struct cust *c, double last, double w, const double *g, size_t k,
			 int law)
{
	double dead = 0, prev = 0, s, alive;
	size_t j;

	/* S(u) is a step function: (k - j + 1/2) / (k + 1) between the j-th and (j+1)-th draw */
	for (j = 0; j <= k; j++) {
		double end = j < k && g[j] < w ? g[j] : w;

		s = ((double)(k - j) + 0.5) / (double)(k + 1);
		if (end > prev)
			dead += s * (surv(c, last, prev, law) - surv(c, last, end, law));
		prev = end;
		if (end >= w)
			break;
	}
	for (j = 0; j < k && g[j] < w; j++)
		;
	s = ((double)(k - j) + 0.5) / (double)(k + 1);
	alive = surv(c, last, w, law) * s;
	return dead / (dead + alive);
}

/*
 * P(stopped by day a | no purchase in (last, a], the true parameters), from ORACLE_DRAWS
 * draws of the next purchase after last (g has ORACLE_DRAWS slots): with the customer's own
 * dropout rate, and into *pop with the population's dropout law instead.
 */
static double oracle(gsl_rng *r, const struct cust *c, double last, int a, double *g, double *pop)
{
	double w = a + 1 - last;
	size_t j, k = ORACLE_DRAWS;

	*pop = 0;
	if (c->death <= c->join + 0.02 && last <= c->join + 1)
		return 0; /* unused: one purchase day is not scored */
	for (j = 0; j < k; j++)
		g[j] = next_purchase(r, c, last + 0.5) - (last + 0.5);
	qsort(g, k, sizeof(*g), cmp_double);
	*pop = oracle_law(c, last, w, g, k, 1);
	/* the one-and-done share: those stop after the first purchase only, never seen here */
	return oracle_law(c, last, w, g, k, 0);
}

/* ---- detectors ----
 *
 * Besides the oracle, `lapsed` and the naive rules: the oracle with the population's
 * dropout law instead of each customer's own rate (what the data could at best tell);
 * variants tried on the way (BG/NBD's dropout per purchase, a lifetime law conditioned on
 * age, a threshold per number of gaps, the base's returns after a season held against a
 * flag); and two diagnosis rows that give the seasonal (and
 * then drifting and bursting) customers the oracle's answer and everyone else `lapsed`'s,
 * to show where the distance to the oracle comes from. They read the truth (obs.c).
 */

enum { R_ORACLE, R_ORACLE2, R_90, R_TWICE, R_LAPSED, R_TUNED, R_ALIVE, R_BAYES, R_CHEAT_SEASON, R_CHEAT_CLOCK, R_BUCKET, R_SEASONPOP, R_TABLE, NRULES };

static const char *rule_name[NRULES] = {
	"oracle: P(stopped) > t",
	"oracle, the population's dropout law: P(stopped) > t",
	"no purchase in 90 days",
	"waited > 2 x own mean gap",
	"`lapsed` (p_wait < 0.05)",
	"p_wait < t",
	"P(stopped) > t, rhythm x BG/NBD dropout",
	"P(stopped) > t, rhythm x lifetime",
	"(diagnosis) lapsed, oracle for seasonal",
	"(diagnosis) lapsed, oracle for seasonal, drift, burst",
	"p_wait < t by number of gaps (1, 2-3, 4-7, 8+)",
	"lapsed, the base's returns after a season",
	"(diagnosis) P(stopped) > t, learnt from seed 2's truth by p_wait, gaps and tenure",
};

static const int tuned[NRULES] = { 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1 };
#define NBUCKET 4
static double bucket_t[NBUCKET] = { 0.05, 0.05, 0.05, 0.05 };
static int bucket(int ngaps)
{
	/* 1, 2-3, 4-7, 8+ gaps */
	return ngaps <= 1 ? 0 : ngaps <= 3 ? 1 : ngaps <= 7 ? 2 : 3;
}

enum { ALIVE, STOPPED, UNSEEN };

/* One scored customer at one age. */
struct obs {
	int truth, recent;
	double p_oracle, p_oracle2, waited, own_mean, p_wait, p_stop, p_bayes;
	int lapsed;
	const struct cust *c; /* the truth, for the diagnosis rows only */
	int ngaps;
	double p_pop; /* the base's share of returns after such a silence (return_curve) */
	double tenure; /* days from the first purchase to now, in usual gaps */
};

struct age_data {
	struct obs *o;
	size_t n;
	struct lapse_model m;
	size_t stopped, recent, unseen;
};

/*
 * A diagnosis, not a detector: the share of stopped customers among those of the tuning
 * seed with the same p_wait (half-decades), number of gaps (bucket) and tenure (under 10,
 * 10-30, 30+ usual gaps), learnt from the simulator's truth. What a rule on these features
 * alone could reach if it knew the population's answer.
 */
#define TAB_P 12
#define TAB_T 3
static double tab_n[TAB_P][4][TAB_T], tab_s[TAB_P][4][TAB_T];
static int bucket(int ngaps);

static void table_cell(const struct obs *o, int *i, int *j, int *k)
{
	double lp = -log10(o->p_wait + 1e-12) * 2;

	*i = lp < 0 ? 0 : lp >= TAB_P - 1 ? TAB_P - 1 : (int)lp;
	*j = bucket(o->ngaps);
	*k = o->tenure < 10 ? 0 : o->tenure < 30 ? 1 : 2;
}

static double table_p(const struct obs *o)
{
	int i, j, k;

	table_cell(o, &i, &j, &k);
	return (tab_s[i][j][k] + 1) / (tab_n[i][j][k] + 2);
}

static int flag(int rule, const struct obs *o, double t)
{
	switch (rule) {
	case R_ORACLE:
		return o->p_oracle > t;
	case R_ORACLE2:
		return o->p_oracle2 > t;
	case R_90:
		return o->waited > NAIVE_DAYS;
	case R_TWICE:
		return o->waited > 2 * o->own_mean;
	case R_LAPSED:
		return o->lapsed;
	case R_TUNED:
		return o->p_wait < t;
	case R_BAYES:
		return o->p_bayes > t;
	case R_BUCKET:
		return o->p_wait < bucket_t[bucket(o->ngaps)];
	case R_TABLE:
		return table_p(o) > t;
	case R_SEASONPOP:
		return o->lapsed && !(o->p_pop >= t);
	case R_CHEAT_SEASON:
		return o->c->kind == K_SEASON ? o->p_oracle > t : o->lapsed;
	case R_CHEAT_CLOCK:
		return o->c->kind == K_SEASON || o->c->drift != 0 || o->c->burst > 0 ? o->p_oracle > t : o->lapsed;
	default:
		return o->p_stop > t;
	}
}

/*
 * The rhythm with the dropout: P(stopped) = d / (d + (1 - d) p_wait), d the chance that a
 * customer with x repeat purchase days has dropped out since their last one, from BG/NBD's
 * Beta(a, b) updated on having survived x purchases: a / (a + b + x).
 */
static double rhythm_dropout(const struct lapse_model *m, const struct lapse *l)
{
	double x = l->purchase_days - 1, d;

	if (!m->has_bg || !isfinite(m->bg.a) || !isfinite(m->bg.b))
		return 1 - l->r.p_wait;
	d = m->bg.a / (m->bg.a + m->bg.b + x);
	return d / (d + (1 - d) * l->r.p_wait);
}

/*
 * P(stopped) from the rhythm's tail S(u) (rhythm_eval's p_wait at a wait of u) and a
 * lifetime law: dropout rate mu ~ Gamma(s, beta) across customers, updated on having
 * survived from the first purchase to the last (t_x days): Gamma(s, beta + t_x).
 * A = E[e^(-mu w)] S(w); D = int_0^w E[mu e^(-mu u)] S(u) du (stopped at u, no purchase before).
 */
static double rhythm_lifetime(struct fu_ctx *ctx, const struct lapse_model *m, const int64_t *days,
			      size_t n, int64_t today, double s, double beta)
{
	double tx = (double)(days[n - 1] - days[0]), b = beta + tx, w = (double)(today - days[n - 1]);
	double dsum = 0, prev_u = 0, prev_f = 0, A, S;
	struct rhythm r;
	int K = 48;

	if (w < 1)
		return 0;
	for (int k = 1; k <= K; k++) {
		double u = w * pow((double)k / K, 2), f;

		if (rhythm_eval(ctx, &m->prior, days, n, days[n - 1] + (int64_t)floor(u), &r))
			return 0;
		S = r.p_wait;
		f = s / b * pow(b / (b + u), s + 1) * S;
		if (k == 1)
			prev_f = s / b; /* S(0) = 1 */
		dsum += (u - prev_u) * (f + prev_f) / 2;
		prev_u = u;
		prev_f = f;
	}
	A = pow(b / (b + w), s) * S;
	return dsum / (dsum + A);
}

/*
 * The base's returns after a season: for customers whose first cluster of purchases (all
 * within SEASON_MAX days of the first) was followed by a silence at least SIL_RATIO times
 * the cluster's mean gap, and ended at least RET_SEEN days before today (a return a year
 * later would be seen), q[j] = the share of those silent at least j * QSTEP days who came back.
 */
#define SEASON_MAX 120
#define SIL_RATIO 4
#define RET_SEEN 400
#define QSTEP 5
#define NQ 200
static void first_cluster(const int64_t *d, size_t n, int64_t today, size_t *e, double *gc,
			  double *sil, int *back)
{
	size_t i = 0, distinct = 1;

	while (i + 1 < n && d[i + 1] - d[0] <= SEASON_MAX) {
		distinct += d[i + 1] != d[i];
		i++;
	}
	*e = i;
	*gc = distinct > 1 ? (double)(d[i] - d[0]) / (double)(distinct - 1) : 0;
	*back = i + 1 < n;
	*sil = (double)(*back ? d[i + 1] - d[i] : today - d[i]);
}

static void return_curve(const struct purchase_log *p, int64_t today, double *q)
{
	long risk[NQ] = { 0 }, ev[NQ] = { 0 };

	for (size_t c = 0; c < p->n; c++) {
		const int64_t *d = p->day + p->off[c];
		size_t n = p->off[c + 1] - p->off[c], e;
		double gc, sil;
		int back;

		first_cluster(d, n, today, &e, &gc, &sil, &back);
		if (gc <= 0 || today - d[e] < RET_SEEN || sil < SIL_RATIO * gc)
			continue;
		for (int j = 0; j < NQ && j * QSTEP <= sil; j++) {
			risk[j]++;
			ev[j] += back;
		}
	}
	for (int j = 0; j < NQ; j++)
		q[j] = risk[j] >= 20 ? (double)ev[j] / (double)risk[j] : 0;
}

/* The data at age a: the purchase log, the product's model, every scored customer's view. */
static int observe(struct fu_ctx *ctx, const struct world *w, int a, gsl_rng *r,
		   struct age_data *ad)
{
	struct purchase_log p;
	double g[ORACLE_DRAWS], qcurve[NQ];
	int64_t now = (int64_t)(DAY0 + a) * 86400 + 23 * 3600;
	size_t i, k, len = 0, np = 0;
	int rc;

	memset(ad, 0, sizeof(*ad));
	purchase_log_init(&p);
	p.contact = malloc(w->nc * sizeof(*p.contact));
	p.off = malloc((w->nc + 1) * sizeof(*p.off));
	p.day = malloc(w->ndays * sizeof(*p.day));
	p.time = malloc(w->ndays * sizeof(*p.time));
	p.amount = malloc(w->ndays * sizeof(*p.amount));
	ad->o = malloc(w->nc * sizeof(*ad->o));
	if (!p.contact || !p.off || !p.day || !p.time || !p.amount || !ad->o) {
		purchase_log_release(&p);
		return fu_err(ctx, FU_ENOMEM, "out of memory");
	}
	for (i = 0; i < w->nc; i++) {
		const struct cust *c = &w->c[i];

		k = upto(w, c, a);
		if (!k)
			continue;
		p.contact[np] = (int64_t)i;
		p.off[np++] = len;
		for (size_t j = 0; j < k; j++) {
			p.day[len] = DAY0 + w->days[c->off + j];
			p.time[len] = p.day[len] * 86400 + 12 * 3600;
			p.amount[len] = w->amount[c->off + j];
			len++;
		}
	}
	p.off[np] = len;
	p.n = np;
	p.len = len;
	rc = lapse_model_fit(ctx, &p, now, &ad->m);
	return_curve(&p, now / 86400, qcurve);
	for (i = 0; !rc && i < np; i++) {
		const struct cust *c = &w->c[p.contact[i]];
		size_t o = p.off[i];
		struct obs *ob = &ad->o[ad->n];
		struct lapse l;

		k = p.off[i + 1] - o;
		if (k < 2)
			continue;
		rc = lapse_eval(ctx, &ad->m, p.day + o, p.amount + o, k, now, &l);
		if (rc)
			break;
		ob->truth = c->death > a ? ALIVE : a - c->death >= c->mean_gap ? STOPPED : UNSEEN;
		ob->recent = ob->truth == ALIVE || (ob->truth == STOPPED && a - c->death <= RECENT);
		ob->waited = l.r.waited;
		ob->own_mean = (double)(p.day[o + k - 1] - p.day[o]) / (double)(k - 1);
		ob->p_wait = l.r.p_wait;
		ob->lapsed = l.lapsed;
		ob->c = c;
		ob->ngaps = l.r.ngaps;
		ob->tenure = (double)(now / 86400 - p.day[o]) / l.r.usual_gap;
		{
			size_t e;
			double gc, sil;
			int back;

			first_cluster(p.day + o, k, now / 86400, &e, &gc, &sil, &back);
			ob->p_pop = !back && gc > 0 && sil >= SIL_RATIO * gc && sil / QSTEP < NQ
				    ? qcurve[(int)(sil / QSTEP)] : 0;
		}
		ob->p_stop = rhythm_dropout(&ad->m, &l);
		ob->p_bayes = rhythm_lifetime(ctx, &ad->m, p.day + o, k, now / 86400, DEATH_SHAPE,
					      DEATH_SHAPE / DEATH_MEAN);
		ob->p_oracle = oracle(r, c, (double)(p.day[o + k - 1] - DAY0), a, g, &ob->p_oracle2);
		ad->stopped += ob->truth == STOPPED;
		ad->recent += ob->truth == STOPPED && ob->recent;
		ad->unseen += ob->truth == UNSEEN;
		ad->n++;
	}
	purchase_log_release(&p);
	return rc;
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

static double f1(const struct score *s)
{
	double p = prec(s), q = recall(s);

	return p + q > 0 ? 2 * p * q / (p + q) : 0;
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

/* Adds one rule's scores at one age, overall (all) and recent, to the running totals. */
static void score_rule(const struct age_data *ad, int rule, double t, struct score *all,
		       struct score *recent)
{
	for (size_t i = 0; i < ad->n; i++) {
		const struct obs *o = &ad->o[i];
		int f;

		if (o->truth == UNSEEN)
			continue;
		f = flag(rule, o, t);
		tally(all, f, o->truth == STOPPED);
		if (o->recent)
			tally(recent, f, o->truth == STOPPED);
	}
}

/* Thresholds tried: 10^-4 to 0.99 on a log-odds grid. */
#define NGRID 120

static double grid(int rule, int gi)
{
	double lo = -9.2, hi = 4.6, z = lo + (hi - lo) * gi / (NGRID - 1), p = 1 / (1 + exp(-z));

	return rule == R_TUNED || rule == R_SEASONPOP ? p : 1 - p; /* p_wait small, P(stopped) large */
}

/* The threshold of a rule with the best mean of overall and recent F1 over every age. */
static double tune(const struct age_data *ad, int rule)
{
	double best = -1, bt = 0;

	for (int gi = 0; gi < NGRID; gi++) {
		struct score all = { 0, 0, 0 }, rec = { 0, 0, 0 };
		double t = grid(rule, gi), q;

		for (int a = 0; a < NAGES; a++)
			score_rule(&ad[a], rule, t, &all, &rec);
		q = (f1(&all) + f1(&rec)) / 2;
		if (q > best) {
			best = q;
			bt = t;
		}
	}
	return bt;
}

static void table_learn(const struct age_data *ad)
{
	for (int a = 0; a < NAGES; a++)
		for (size_t n = 0; n < ad[a].n; n++) {
			const struct obs *o = &ad[a].o[n];
			int i, j, k;

			if (o->truth == UNSEEN)
				continue;
			table_cell(o, &i, &j, &k);
			tab_n[i][j][k]++;
			tab_s[i][j][k] += o->truth == STOPPED;
		}
}

/* The per-bucket thresholds of R_BUCKET: coordinate ascent from 0.05, two passes. */
static void tune_buckets(const struct age_data *ad)
{
	for (int pass = 0; pass < 2; pass++)
		for (int b = 0; b < NBUCKET; b++) {
			double best = -1, bt = bucket_t[b];

			for (int gi = 0; gi < NGRID; gi++) {
				struct score all = { 0, 0, 0 }, rec = { 0, 0, 0 };
				double q;

				bucket_t[b] = grid(R_TUNED, gi);
				for (int a = 0; a < NAGES; a++)
					score_rule(&ad[a], R_BUCKET, 0, &all, &rec);
				q = (f1(&all) + f1(&rec)) / 2;
				if (q > best) {
					best = q;
					bt = bucket_t[b];
				}
			}
			bucket_t[b] = bt;
		}
}

/* `lapsed` on the recent columns, all ages together, by the kind of customer (the truth). */
static void print_breakdown(const struct age_data *ad)
{
	static const char *const name[] = { "gamma gaps", "clockwork", "seasonal", "drifting",
					    "bursting", "1 gap", "2-3 gaps", "4-7 gaps", "8+ gaps" };

	printf("\n`lapsed` on the recent columns (alive customers and stops of the last %d days), all ages:\n\n"
	       "| customers | alive | false alarms | share of alive | stopped, found | stopped, missed |\n"
	       "|---|---|---|---|---|---|\n", RECENT);
	for (int v = 0; v < 9; v++) {
		long al = 0, fp = 0, tp = 0, fn = 0;

		for (int b = 0; b < NAGES; b++)
			for (size_t i = 0; i < ad[b].n; i++) {
				const struct obs *o = &ad[b].o[i];
				const struct cust *c = o->c;
				int in = v < 3 ? c->kind == v : v == 3 ? c->drift != 0 : v == 4 ? c->burst > 0
					: bucket(o->ngaps) == v - 5;

				if (!in || !o->recent || o->truth == UNSEEN)
					continue;
				al += o->truth == ALIVE;
				fp += o->lapsed && o->truth == ALIVE;
				tp += o->lapsed && o->truth == STOPPED;
				fn += !o->lapsed && o->truth == STOPPED;
			}
		printf("| %s | %ld | %ld | %.3f | %ld | %ld |\n", name[v], al, fp,
		       al ? (double)fp / (double)al : 0, tp, fn);
	}
}

static int observe_all(struct fu_ctx *ctx, const struct world *w, unsigned long seed,
		       struct age_data *ad)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	int rc = FU_OK;

	if (!r)
		return fu_err(ctx, FU_ENOMEM, "out of memory");
	gsl_rng_set(r, seed + 7919);
	for (int a = 0; a < NAGES && !rc; a++)
		rc = observe(ctx, w, ages[a], r, &ad[a]);
	gsl_rng_free(r);
	return rc;
}

static void release_all(struct age_data *ad)
{
	for (int a = 0; a < NAGES; a++)
		free(ad[a].o);
}

/* ---- the CDNOW comparison ---- */

#define NCOUNT 7
#define NGAP 7
static const char *count_label[NCOUNT] = { "1", "2", "3", "4", "5-7", "8-15", "16+" };
static const int gap_edge[NGAP] = { 7, 14, 30, 60, 120, 240, INT32_MAX };
static const char *gap_label[NGAP] = { "1-7", "8-14", "15-30", "31-60", "61-120", "121-240", "241+" };

static int count_bin(size_t n)
{
	return n <= 4 ? (int)n - 1 : n <= 7 ? 4 : n <= 15 ? 5 : 6;
}

static int gap_bin(int64_t g)
{
	int b = 0;

	while (g > gap_edge[b])
		b++;
	return b;
}

/* Tallies one customer's distinct ascending days. */
static void histo(const int64_t *d, size_t n, double *count, double *gap)
{
	count[count_bin(n)]++;
	for (size_t j = 1; j < n; j++)
		gap[gap_bin(d[j] - d[j - 1])]++;
}

/* CDNOW_master.txt: its customers' purchase days (a cohort followed 546 days). */
static int cdnow_histo(const char *path, double *count, double *gap, long *ncust)
{
	FILE *f = fopen(path, "r");
	char line[256], cur[32] = "";
	int64_t d[1024];
	size_t n = 0;

	if (!f)
		return -1;
	*ncust = 0;
	while (fgets(line, sizeof(line), f)) {
		char id[32];
		int y, m, dd;
		int64_t day;

		if (sscanf(line, " %31s %4d%2d%2d", id, &y, &m, &dd) != 4)
			continue;
		day = dt_days_from_civil(y, m, dd);
		if (strcmp(id, cur)) {
			if (n)
				histo(d, n, count, gap), (*ncust)++;
			snprintf(cur, sizeof(cur), "%s", id);
			n = 0;
		}
		if ((n == 0 || d[n - 1] != day) && n < 1024)
			d[n++] = day;
	}
	if (n)
		histo(d, n, count, gap), (*ncust)++;
	fclose(f);
	return 0;
}

/* The simulated customers who joined in a 12-week window, followed 546 days like CDNOW's. */
static void sim_histo(const struct world *w, double *count, double *gap, long *ncust)
{
	const int from = 365, to = from + 84, end = from + 546;

	*ncust = 0;
	for (size_t i = 0; i < w->nc; i++) {
		const struct cust *c = &w->c[i];
		size_t k = 0;

		if (!(c->join >= from && c->join < to))
			continue;
		while (k < c->n && w->days[c->off + k] <= end)
			k++;
		if (!k)
			continue;
		histo(w->days + c->off, k, count, gap);
		(*ncust)++;
	}
}

static void print_cdnow(const struct world *w, const char *path)
{
	double cc[NCOUNT] = { 0 }, cg[NGAP] = { 0 }, sc[NCOUNT] = { 0 }, sg[NGAP] = { 0 }, tc = 0, tg = 0,
	       uc = 0, ug = 0;
	long nc = 0, ns = 0;
	int i;

	if (cdnow_histo(path, cc, cg, &nc)) {
		fprintf(stderr, "bench-lapse: %s: %s\n", path, strerror(errno));
		return;
	}
	sim_histo(w, sc, sg, &ns);
	for (i = 0; i < NCOUNT; i++)
		tc += cc[i], uc += sc[i];
	for (i = 0; i < NGAP; i++)
		tg += cg[i], ug += sg[i];
	printf("\nCDNOW (%ld customers) against the simulator's customers who joined in a 12-week window "
	       "(%ld), both followed 546 days\n\n", nc, ns);
	printf("| purchase days | CDNOW | simulated |\n|---|---|---|\n");
	for (i = 0; i < NCOUNT; i++)
		printf("| %s | %.3f | %.3f |\n", count_label[i], cc[i] / tc, sc[i] / uc);
	printf("\n| gap, days | CDNOW | simulated |\n|---|---|---|\n");
	for (i = 0; i < NGAP; i++)
		printf("| %s | %.3f | %.3f |\n", gap_label[i], cg[i] / tg, sg[i] / ug);
	printf("(%.0f and %.0f gaps)\n", tg, ug);
}


/* ---- the money on the synthetic business (--money N) ---- */

struct buy {
	double t, amount;
};

static int cmp_buy(const void *a, const void *b)
{
	double x = ((const struct buy *)a)->t, y = ((const struct buy *)b)->t;

	return (x > y) - (x < y);
}

struct money_row {
	int64_t contact;
	struct lapse l;
	double total, span;
	int days;
};

/* Appends one contact's purchases (sorted here) to p; -1 on out of memory. */
static int flush_contact(struct purchase_log *p, size_t *cap, int64_t id, struct buy *b, size_t n)
{
	if (!n)
		return 0;
	qsort(b, n, sizeof(*b), cmp_buy);
	if (p->len + n > *cap) {
		size_t nc = (*cap ? *cap : 1 << 16);

		while (nc < p->len + n)
			nc *= 2;
		if (!(p->day = realloc(p->day, nc * sizeof(*p->day))) ||
		    !(p->time = realloc(p->time, nc * sizeof(*p->time))) ||
		    !(p->amount = realloc(p->amount, nc * sizeof(*p->amount))))
			return -1;
		*cap = nc;
	}
	if (p->n % 1024 == 0) { /* room for 1,024 more contacts */
		size_t nn = p->n + 1024;

		if (!(p->contact = realloc(p->contact, nn * sizeof(*p->contact))) ||
		    !(p->off = realloc(p->off, (nn + 1) * sizeof(*p->off))))
			return -1;
	}
	p->contact[p->n] = id;
	p->off[p->n] = p->len;
	for (size_t i = 0; i < n; i++) {
		p->time[p->len] = (int64_t)b[i].t;
		p->day[p->len] = purchase_day((int64_t)b[i].t);
		p->amount[p->len] = b[i].amount;
		p->len++;
	}
	p->n++;
	p->off[p->n] = p->len;
	return 0;
}

/* The purchases of synth_write()'s events CSV read from f, at or before until. */
static int read_purchases(FILE *f, int64_t until, struct purchase_log *p)
{
	char line[1024];
	struct buy *b = NULL;
	size_t nb = 0, bcap = 0, cap = 0;
	int64_t cur = -1;
	struct fu_ctx ctx;

	fu_ctx_init(&ctx);
	purchase_log_init(p);
	while (fgets(line, sizeof(line), f)) {
		char *fld[6], *q = line;
		int64_t t, id;
		int k;

		for (k = 0; k < 6 && q; k++) {
			fld[k] = q;
			q = strchr(q, ',');
			if (q)
				*q++ = '\0';
		}
		if (k < 6 || strcmp(fld[1], "purchase") || fld[2][0] != 'C')
			continue;
		if (dt_parse_iso(&ctx, fld[3], 0, &t) || t > until)
			continue;
		id = strtoll(fld[2] + 1, NULL, 10);
		if (id != cur) {
			if (flush_contact(p, &cap, cur, b, nb))
				return -1;
			cur = id;
			nb = 0;
		}
		if (nb == bcap) {
			bcap = bcap ? 2 * bcap : 64;
			if (!(b = realloc(b, bcap * sizeof(*b))))
				return -1;
		}
		b[nb].t = (double)t;
		b[nb].amount = fld[4][0] ? strtod(fld[4], NULL) : 0;
		nb++;
	}
	if (flush_contact(p, &cap, cur, b, nb))
		return -1;
	free(b);
	if (!p->off && !(p->off = calloc(1, sizeof(*p->off))))
		return -1;
	return 0;
}

static int cmp_risk_desc(const void *a, const void *b)
{
	double x = ((const struct money_row *)a)->l.at_risk, y = ((const struct money_row *)b)->l.at_risk;

	return (x < y) - (x > y);
}

static double ratio(const struct money_row *r)
{
	return r->l.observed > 0 ? r->l.at_risk / r->l.observed : 0;
}

static int cmp_ratio_desc(const void *a, const void *b)
{
	double x = ratio(a), y = ratio(b);

	return (x < y) - (x > y);
}

static void print_rows(const struct money_row *v, size_t n)
{
	printf("| contact | purchase days | spent | first to last, days | usual gap | days a year (rhythm, BG/NBD) | spend / day | P(alive) | own pace a year | at risk a year | ratio | uncapped |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n && i < 10; i++) {
		const struct money_row *r = &v[i];
		double unc = r->l.per_year * r->l.spend * (isfinite(r->l.p_alive) ? r->l.p_alive : 1);

		printf("| C%07lld | %d | %.0f | %.0f | %.1f | %.1f (%.1f, %.1f) | %.0f | %.2f | %.0f | %.0f | %.2f | %.0f |\n",
		       (long long)r->contact, r->days, r->total, r->span, r->l.r.usual_gap, r->l.per_year,
		       365 / r->l.r.usual_gap, r->l.bg_per_year, r->l.spend,
		       r->l.p_alive, r->l.observed, r->l.at_risk, ratio(r), unc);
	}
}

static int money_report(struct purchase_log *p, int64_t now);

/*
 * --money-cdnow PATH: the same on CDNOW's whole cohort (CDNOW_master.txt: id, YYYYMMDD,
 * CDs, dollars), at the end of its data (1998-07-01) and at the end of the paper's
 * calibration period (1997-10-01).
 */
static int money_cdnow(const char *path)
{
	static const int when[2][3] = { { 1997, 10, 1 }, { 1998, 7, 1 } };
	int rc = 0;

	for (int k = 0; k < 2 && !rc; k++) {
		int64_t now = dt_days_from_civil(when[k][0], when[k][1], when[k][2]) * 86400 + 9 * 3600;
		FILE *f = fopen(path, "r");
		char line[256], out[1024];
		struct purchase_log p;

		if (!f) {
			fprintf(stderr, "bench-lapse: %s: %s\n", path, strerror(errno));
			return 2;
		}
		/* rewritten as synth_write's events (type, contact C<id>, time, amount) */
		FILE *t = tmpfile();

		if (!t) {
			fclose(f);
			return 2;
		}
		while (fgets(line, sizeof(line), f)) {
			long id;
			int y, mo, d, cds;
			double usd;

			if (sscanf(line, " %ld %4d%2d%2d %d %lf", &id, &y, &mo, &d, &cds, &usd) != 6)
				continue;
			snprintf(out, sizeof(out), "x,purchase,C%07ld,%04d-%02d-%02dT12:00:00Z,%.2f,x\n", id, y,
				 mo, d, usd);
			fputs(out, t);
		}
		fclose(f);
		rewind(t);
		rc = read_purchases(t, now, &p) ? 2 : 0;
		fclose(t);
		if (!rc) {
			printf("%sCDNOW, the whole cohort (23,570 customers): ", k ? "\n" : "");
			rc = money_report(&p, now);
		}
	}
	return rc;
}

/* --money N: lapses and their money on the synthetic business of followup demo's generator. */
static int money(double ncontacts)
{
	struct synth_opts o = { .contacts = (int64_t)ncontacts, .days = 730, .seed = 1, .owners = 200 };
	struct purchase_log p;
	struct fu_ctx ctx;
	int fd[2], status;
	int64_t now;
	pid_t pid;
	FILE *f;

	o.end = dt_days_from_civil(2026, 11, 25) * 86400;
	now = o.end + 9 * 3600;
	if (pipe(fd))
		return 2;
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		FILE *w = fdopen(fd[1], "w"), *nul = fopen("/dev/null", "w");

		close(fd[0]);
		fu_ctx_init(&ctx);
		_exit(w && nul && synth_write(&ctx, &o, nul, w, NULL) == FU_OK && fclose(w) == 0 ? 0 : 1);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	if (!f || read_purchases(f, now, &p)) {
		fputs("bench-lapse: reading the synthetic purchases failed\n", stderr);
		return 2;
	}
	fclose(f);
	waitpid(pid, &status, 0);
	printf("synthetic business: %.0f contacts (seed 1, 730 days to 2026-11-25), ", ncontacts);
	return money_report(&p, now);
}

/*
 * The lapsing customers of p at now priced: how many above 3 x their own pace (with and
 * without the cap), the models, the ten largest amounts and ratios. Frees p.
 */
static int money_report(struct purchase_log *p_in, int64_t now)
{
	struct purchase_log p = *p_in;
	struct lapse_model m;
	struct lapse_entry *v = NULL;
	struct money_row *rows;
	struct fu_ctx ctx;
	size_t n = 0, over3 = 0, capped = 0, unc3 = 0;
	char at[32];

	fu_ctx_init(&ctx);
	if (lapse_model_fit(&ctx, &p, now, &m) || lapse_list(&ctx, &m, &p, now, &v, &n)) {
		fprintf(stderr, "bench-lapse: %s\n", ctx.msg);
		return 2;
	}
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows)
		return 2;
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = p.n, a, k;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (p.contact[mid] < v[i].contact_id)
				lo = mid + 1;
			else
				hi = mid;
		}
		a = p.off[lo];
		k = p.off[lo + 1] - a;
		rows[i].contact = v[i].contact_id;
		rows[i].l = v[i].l;
		rows[i].days = v[i].l.purchase_days;
		rows[i].span = (double)(p.day[a + k - 1] - p.day[a]);
		for (size_t j = 0; j < k; j++)
			rows[i].total += p.amount[a + j];
		over3 += ratio(&rows[i]) > 3 + 1e-9;
		capped += v[i].l.yearly < v[i].l.per_year * v[i].l.spend - 1e-9;
		unc3 += v[i].l.per_year * v[i].l.spend *
				(isfinite(v[i].l.p_alive) ? v[i].l.p_alive : 1) > 3 * v[i].l.observed + 1e-9;
	}
	dt_format_iso(now, at, sizeof(at));
	printf("%zu with purchases, %zu purchases; %zu lapsing at %s\n", p.n, p.len, n, at);
	printf("priced above 3 x their own pace: %zu (without the cap: %zu); the cap binds for %zu\n",
	       over3, unc3, capped);
	printf("BG/NBD in days: r %.4g, alpha %.4g, a %.4g, b %.4g; Gamma-Gamma: p %.4g, q %.4g, gamma %.4g\n\n",
	       m.bg.r, m.bg.alpha, m.bg.a, m.bg.b, m.gg.p, m.gg.q, m.gg.gamma);
	qsort(rows, n, sizeof(*rows), cmp_risk_desc);
	printf("The ten largest amounts at risk:\n\n");
	print_rows(rows, n);
	qsort(rows, n, sizeof(*rows), cmp_ratio_desc);
	printf("\nThe ten largest ratios to their own pace:\n\n");
	print_rows(rows, n);
	free(rows);
	free(v);
	purchase_log_release(&p);
	return 0;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fputs("usage: bench-lapse [--customers N] [--seed S] [--tune-seed T] [--cdnow CDNOW_master.txt]\n"
	      "       bench-lapse --money N   (lapses priced on a synthetic business of N contacts)\n"
	      "       bench-lapse --money-cdnow CDNOW_master.txt   (the same on CDNOW's whole cohort)\n", f);
}

static int parse_num(const char *flag_name, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi)) {
		fprintf(stderr, "bench-lapse: %s '%s': expected a number from %g to %g\n", flag_name, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	double ncust = 20000, seed = 1, tune_seed = 2, thr[NRULES] = { 0 };
	const char *cdnow = NULL, *money_path = NULL;
	double money_n = 0;
	struct age_data ad[NAGES];
	struct world w;
	struct fu_ctx ctx;
	int bad = 0, rule, a;

	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "bench-lapse: '%s': unknown flag or missing value\n", s);
			usage(stderr);
			return 1;
		}
		if (!strcmp(s, "--customers"))
			bad |= parse_num(s, argv[++i], 100, 1e7, &ncust);
		else if (!strcmp(s, "--seed"))
			bad |= parse_num(s, argv[++i], 0, 4e9, &seed);
		else if (!strcmp(s, "--tune-seed"))
			bad |= parse_num(s, argv[++i], 0, 4e9, &tune_seed);
		else if (!strcmp(s, "--money"))
			bad |= parse_num(s, argv[++i], 100, 1e7, &money_n);
		else if (!strcmp(s, "--cdnow"))
			cdnow = argv[++i];
		else if (!strcmp(s, "--money-cdnow"))
			money_path = argv[++i];
		else {
			fprintf(stderr, "bench-lapse: '%s': unknown flag\n", s);
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
	if (money_n > 0)
		return money(money_n);
	if (money_path)
		return money_cdnow(money_path);

	/* thresholds on the tuning seed: the best mean of overall and recent F1 over the ages */
	if (simulate(&w, (size_t)ncust, (unsigned long)tune_seed)) {
		fputs("bench-lapse: out of memory\n", stderr);
		return 2;
	}
	if (observe_all(&ctx, &w, (unsigned long)tune_seed, ad)) {
		fprintf(stderr, "bench-lapse: %s\n", ctx.msg);
		return 2;
	}
	table_learn(ad);
	for (rule = 0; rule < NRULES; rule++)
		if (tuned[rule])
			thr[rule] = tune(ad, rule);
	tune_buckets(ad);
	thr[R_CHEAT_SEASON] = thr[R_CHEAT_CLOCK] = thr[R_ORACLE]; /* the oracle's part of them */
	release_all(ad);
	world_release(&w);

	if (simulate(&w, (size_t)ncust, (unsigned long)seed)) {
		fputs("bench-lapse: out of memory\n", stderr);
		return 2;
	}
	if (observe_all(&ctx, &w, (unsigned long)seed, ad)) {
		fprintf(stderr, "bench-lapse: %s\n", ctx.msg);
		return 2;
	}
	printf("customers %zu (seed %.0f; thresholds tuned on seed %.0f), %zu purchase days over %d days\n",
	       w.nc, seed, tune_seed, w.ndays, HORIZON);
	for (a = 0; a < NAGES; a++)
		printf("age %4d days: %zu customers with two or more purchase days, %zu stopped (%zu in the "
		       "last %d days), %zu stopped less than a gap ago (not scored); prior %.1f days, "
		       "sigma %.2f, tau %.2f%s\n", ages[a], ad[a].n, ad[a].stopped, ad[a].recent, RECENT,
		       ad[a].unseen, exp(ad[a].m.prior.mu), ad[a].m.prior.sigma, ad[a].m.prior.tau,
		       ad[a].m.has_bg ? "" : "; no BG/NBD");
	printf("thresholds:");
	for (rule = 0; rule < NRULES; rule++)
		if (tuned[rule])
			printf(" %s: t = %.4g;", rule_name[rule], thr[rule]);
	printf(" by number of gaps: %.4g %.4g %.4g %.4g", bucket_t[0], bucket_t[1], bucket_t[2], bucket_t[3]);
	printf("\n\n| rule | age, days | precision | recall | F1 | precision, stopped <= %d d | recall | F1 |\n",
	       RECENT);
	printf("|---|---|---|---|---|---|---|---|\n");
	for (rule = 0; rule < NRULES; rule++) {
		for (a = 0; a <= NAGES; a++) {
			struct score all = { 0, 0, 0 }, rec = { 0, 0, 0 };

			if (a < NAGES)
				score_rule(&ad[a], rule, thr[rule], &all, &rec);
			else
				for (int b = 0; b < NAGES; b++)
					score_rule(&ad[b], rule, thr[rule], &all, &rec);
			printf("| %s | %s%.0d | %.3f | %.3f | **%.3f** | %.3f | %.3f | **%.3f** |\n",
			       a ? "" : rule_name[rule], a < NAGES ? "" : "all", a < NAGES ? ages[a] : 0,
			       prec(&all), recall(&all), f1(&all), prec(&rec), recall(&rec), f1(&rec));
		}
	}
	print_breakdown(ad);
	if (cdnow)
		print_cdnow(&w, cdnow);
	release_all(ad);
	world_release(&w);
	if (fflush(stdout) || ferror(stdout)) {
		fputs("bench-lapse: writing stdout failed\n", stderr);
		return 2;
	}
	return 0;
}
