/* lapse.c - lapses judged on each customer's own rhythm, priced with the population models */
#include "lapse.h"

#include <math.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"

#include "banned.h"

#define DAY 86400
#define WORDS_MAX 384

/* ---- the purchase log ---- */

void purchase_log_init(struct purchase_log *p)
{
	memset(p, 0, sizeof(*p));
}

void purchase_log_release(struct purchase_log *p)
{
	free(p->contact);
	free(p->off);
	free(p->day);
	free(p->time);
	free(p->amount);
	purchase_log_init(p);
}

struct purchase_scan {
	struct purchase_log *p;
	int64_t until;
	size_t ccap; /* contacts room (off has ccap + 1) */
	size_t cap;  /* purchases room */
};

static int grow_contacts(struct fu_ctx *ctx, struct purchase_scan *ps)
{
	struct purchase_log *p = ps->p;
	size_t n = ps->ccap ? ps->ccap * 2 : 1024;
	int64_t *c = realloc(p->contact, n * sizeof(*c));
	size_t *o;

	if (!c)
		return fu_err(ctx, FU_ENOMEM, "out of memory reading purchases");
	p->contact = c;
	o = realloc(p->off, (n + 1) * sizeof(*o));
	if (!o)
		return fu_err(ctx, FU_ENOMEM, "out of memory reading purchases");
	p->off = o;
	ps->ccap = n;
	return FU_OK;
}

static int grow_purchases(struct fu_ctx *ctx, struct purchase_scan *ps)
{
	struct purchase_log *p = ps->p;
	size_t n = ps->cap ? ps->cap * 2 : 4096;
	int64_t *d = realloc(p->day, n * sizeof(*d)), *t;
	double *a;

	if (!d)
		return fu_err(ctx, FU_ENOMEM, "out of memory reading purchases");
	p->day = d;
	t = realloc(p->time, n * sizeof(*t));
	if (!t)
		return fu_err(ctx, FU_ENOMEM, "out of memory reading purchases");
	p->time = t;
	a = realloc(p->amount, n * sizeof(*a));
	if (!a)
		return fu_err(ctx, FU_ENOMEM, "out of memory reading purchases");
	p->amount = a;
	ps->cap = n;
	return FU_OK;
}

/* Appends one purchase; contacts come in ascending id order, each in time order. */
static int push(struct fu_ctx *ctx, struct purchase_scan *ps, int64_t contact, int64_t time,
		double amount)
{
	struct purchase_log *p = ps->p;
	int rc;

	if (p->n == 0 || p->contact[p->n - 1] != contact) {
		if (p->n == ps->ccap && (rc = grow_contacts(ctx, ps)))
			return rc;
		p->contact[p->n] = contact;
		p->off[p->n] = p->len;
		p->n++;
	}
	if (p->len == ps->cap && (rc = grow_purchases(ctx, ps)))
		return rc;
	p->day[p->len] = purchase_day(time);
	p->time[p->len] = time;
	p->amount[p->len] = amount;
	p->len++;
	p->off[p->n] = p->len;
	return FU_OK;
}

static int purchase_event(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	struct purchase_scan *ps = arg;

	if (e->type != EV_PURCHASE || e->time > ps->until)
		return FU_OK;
	return push(ctx, ps, e->contact_id, e->time,
		    e->has_amount ? (double)e->amount / 100.0 : 0.0);
}

/* A loaded log always has its off[0]. */
static int finish(struct fu_ctx *ctx, struct purchase_log *p)
{
	if (p->off)
		return FU_OK;
	p->off = calloc(1, sizeof(*p->off));
	return p->off ? FU_OK : fu_err(ctx, FU_ENOMEM, "out of memory reading purchases");
}

int purchase_log_load(struct fu_ctx *ctx, struct store *s, int64_t until, struct purchase_log *p)
{
	struct purchase_scan ps = { p, until, 0, 0 };
	int rc;

	purchase_log_init(p);
	rc = store_purchases_scan(ctx, s, until, purchase_event, &ps);
	if (!rc)
		rc = finish(ctx, p);
	if (rc)
		purchase_log_release(p);
	return rc;
}

int purchase_log_cut(struct fu_ctx *ctx, const struct purchase_log *p, int64_t until,
		     struct purchase_log *out)
{
	struct purchase_scan ps = { out, until, 0, 0 };
	int rc = FU_OK;

	purchase_log_init(out);
	for (size_t i = 0; i < p->n && !rc; i++) {
		for (size_t j = p->off[i]; j < p->off[i + 1] && !rc; j++) {
			if (p->time[j] <= until)
				rc = push(ctx, &ps, p->contact[i], p->time[j], p->amount[j]);
		}
	}
	if (!rc)
		rc = finish(ctx, out);
	if (rc)
		purchase_log_release(out);
	return rc;
}

/* ---- the population ---- */

int64_t lapse_model_cutoff(int64_t now)
{
	struct civil cv;

	dt_to_civil(now, &cv);
	return dt_days_from_civil(cv.year, cv.month, 1) * DAY;
}

void lapse_model_default(struct lapse_model *m, int64_t now)
{
	memset(m, 0, sizeof(*m));
	m->cutoff = lapse_model_cutoff(now);
	m->today = purchase_day(m->cutoff) - 1;
	rhythm_prior_default(&m->prior);
}

static int fit(struct fu_ctx *ctx, const struct purchase_log *p, struct lapse_model *out);

int lapse_model_fit(struct fu_ctx *ctx, const struct purchase_log *p, int64_t now,
		    struct lapse_model *out)
{
	struct purchase_log cut;
	int rc;

	lapse_model_default(out, now);
	for (size_t j = 0; j < p->len; j++) {
		if (p->time[j] >= out->cutoff)
			goto cut; /* this month's purchases wait for the next month's fit */
	}
	return fit(ctx, p, out);
cut:
	rc = purchase_log_cut(ctx, p, out->cutoff - 1, &cut);
	if (!rc)
		rc = fit(ctx, &cut, out);
	purchase_log_release(&cut);
	return rc;
}

/* Fits *out (defaulted, its day set) from p, which holds no purchase after out->today. */
static int fit(struct fu_ctx *ctx, const struct purchase_log *p, struct lapse_model *out)
{
	struct rfm *c = NULL;
	int rc;

	out->customers = p->n;
	if (p->n == 0)
		return FU_OK;
	rc = rhythm_prior_fit(ctx, p->day, p->off, p->n, &out->prior);
	if (rc && rc != FU_EINPUT)
		return rc;
	/* too few regular buyers for a prior of their own: the documented default stands */
	c = malloc(p->n * sizeof(*c));
	if (!c)
		return fu_err(ctx, FU_ENOMEM, "out of memory fitting the lapse model");
	for (size_t i = 0; i < p->n; i++) {
		size_t a = p->off[i];

		rc = rfm_from_days(ctx, p->day + a, p->amount + a, p->off[i + 1] - a, out->today, 1,
				   &c[i]);
		if (rc)
			goto out;
	}
	/* P(alive) and spend in days, when the data allow the models */
	rc = bgnbd_fit(ctx, c, p->n, &out->bg);
	if (rc == FU_ENOMEM)
		goto out;
	/* the same dropout chance for everyone is a model too: P(alive) stands */
	out->has_bg = rc == FU_OK || (rc == FU_EINPUT && bgnbd_common_dropout(&out->bg));
	rc = gammagamma_fit(ctx, c, p->n, &out->gg);
	if (rc == FU_ENOMEM)
		goto out;
	out->has_gg = rc == FU_OK;
	rc = FU_OK;
out:
	free(c);
	if (!rc)
		fu_ctx_init(ctx); /* the fits the data did not allow are not errors */
	return rc;
}

/* ---- the fitted model, kept between runs ---- */

#define META_LAPSE_MODEL "lapse_model"

/*
 * The model depends on the purchases before its cutoff only, and the log only grows: the
 * one kept is still right when its cutoff is now's and no event appended since the log was
 * last checked (by id) is a purchase before the cutoff (one recorded late). *checked: the
 * largest event id the kept model is known to be right for.
 */
static int cache_usable(json_t *o, int64_t cutoff, int64_t *checked)
{
	json_t *k = json_object_get(o, "basis");

	*checked = json_integer_value(json_object_get(k, "checked_event_id"));
	return json_is_object(k) && json_integer_value(json_object_get(k, "cutoff")) == cutoff;
}

static double num(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void model_from_json(json_t *o, int64_t now, struct lapse_model *m)
{
	json_t *pr = json_object_get(o, "prior"), *bg = json_object_get(o, "bgnbd"),
	       *gg = json_object_get(o, "gammagamma");

	lapse_model_default(m, now);
	m->prior.mu = num(pr, "mu");
	m->prior.sigma = num(pr, "sigma");
	m->prior.tau = num(pr, "tau");
	m->prior.weight = num(pr, "weight");
	m->prior.customers = (long)json_integer_value(json_object_get(pr, "customers"));
	m->customers = (size_t)json_integer_value(json_object_get(o, "customers"));
	m->has_bg = json_is_object(bg);
	if (m->has_bg) {
		m->bg.r = num(bg, "r");
		m->bg.alpha = num(bg, "alpha");
		m->bg.a = num(bg, "a");
		m->bg.b = num(bg, "b");
		m->bg.ll = num(bg, "ll");
		m->bg.iterations = (int)json_integer_value(json_object_get(bg, "iterations"));
	}
	m->has_gg = json_is_object(gg);
	if (m->has_gg) {
		m->gg.p = num(gg, "p");
		m->gg.q = num(gg, "q");
		m->gg.gamma = num(gg, "gamma");
		m->gg.ll = num(gg, "ll");
	}
}

static json_t *model_to_json(const struct lapse_model *m, int64_t checked)
{
	return json_pack("{s:{s:I, s:I}, s:{s:f, s:f, s:f, s:f, s:I}, s:I, s:o, s:o}",
			 "basis", "cutoff", (json_int_t)m->cutoff, "checked_event_id",
			 (json_int_t)checked, "prior", "mu", m->prior.mu, "sigma",
			 m->prior.sigma, "tau", m->prior.tau, "weight", m->prior.weight, "customers",
			 (json_int_t)m->prior.customers, "customers", (json_int_t)m->customers,
			 "bgnbd", m->has_bg ? json_pack("{s:f, s:f, s:f, s:f, s:f, s:i}", "r", m->bg.r,
							 "alpha", m->bg.alpha, "a", m->bg.a, "b",
							 m->bg.b, "ll", m->bg.ll, "iterations",
							 m->bg.iterations) : json_null(),
			 "gammagamma", m->has_gg ? json_pack("{s:f, s:f, s:f, s:f}", "p", m->gg.p,
							      "q", m->gg.q, "gamma", m->gg.gamma,
							      "ll", m->gg.ll) : json_null());
}

/* Keeps m in the metadata (best effort: a read-only database just fits again next time). */
static void keep_model(struct store *s, const struct lapse_model *m, int64_t checked)
{
	struct fu_ctx tmp;
	json_t *o = model_to_json(m, checked);
	char *dump = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;

	fu_ctx_init(&tmp);
	if (dump)
		store_meta_set(&tmp, s, META_LAPSE_MODEL, dump);
	free(dump);
	json_decref(o);
}

int lapse_model_load(struct fu_ctx *ctx, struct store *s, int64_t now, struct lapse_model *out)
{
	struct purchase_log p;
	int64_t max_id, checked = 0;
	char *text = NULL;
	json_t *o;
	int rc, usable, late = 1;

	lapse_model_default(out, now);
	rc = store_max_event_id(ctx, s, &max_id);
	if (!rc)
		rc = store_meta_get(ctx, s, META_LAPSE_MODEL, &text);
	if (rc)
		return rc;
	o = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	usable = o && cache_usable(o, out->cutoff, &checked) && checked <= max_id;
	if (usable && checked < max_id)
		rc = store_purchase_since(ctx, s, checked, out->cutoff, &late);
	else
		late = !usable;
	if (!rc && !late) {
		model_from_json(o, now, out);
		if (checked < max_id)
			keep_model(s, out, max_id); /* the next run checks from here */
	}
	json_decref(o);
	if (rc || !late)
		return rc;
	rc = purchase_log_load(ctx, s, out->cutoff - 1, &p);
	if (!rc)
		rc = lapse_model_fit(ctx, &p, now, out);
	if (!rc)
		keep_model(s, out, max_id);
	purchase_log_release(&p);
	return rc;
}

/*
 * The models of earlier months, kept apart from now's (META_LAPSE_MODEL, which the agenda's
 * wakes depend on) in one array under this key, most recently used first, at most
 * LAPSE_MODELS_MAX of them: each is right under the same rule as now's (its cutoff, and no
 * purchase before it appended since its checked event id), so a report or a replay asked
 * again does not fit them again.
 */
#define META_LAPSE_MODELS_EARLIER "lapse_models_earlier"

/*
 * The kept model of moment `at` from the array `kept` into *out: *found 1 when one is there
 * and still right at max_id (2 when its checked event id must be moved on to max_id), 0
 * when it must be fitted; fails as store_purchase_since() does.
 */
static int earlier_kept(struct fu_ctx *ctx, struct store *s, json_t *kept, int64_t at,
			int64_t max_id, struct lapse_model *out, int *found)
{
	int64_t cut = lapse_model_cutoff(at), checked;
	size_t i;
	json_t *o;

	*found = 0;
	json_array_foreach(kept, i, o) {
		int late = 0;

		if (!json_is_object(o) || !cache_usable(o, cut, &checked) || checked > max_id)
			continue;
		if (checked < max_id) {
			int rc = store_purchase_since(ctx, s, checked, cut, &late);

			if (rc)
				return rc;
		}
		if (!late) {
			model_from_json(o, at, out);
			*found = checked < max_id ? 2 : 1;
		}
		return FU_OK;
	}
	return FU_OK;
}

/* Keeps the earlier models of ms (m[1..n)) and those of `kept` for other months (best effort). */
static void keep_earlier(struct store *s, const struct lapse_models *ms, json_t *kept,
			 int64_t max_id)
{
	struct fu_ctx tmp;
	json_t *all = json_array(), *o;
	char *dump;
	size_t i;

	for (int k = 1; all && k < ms->n; k++)
		json_array_append_new(all, model_to_json(&ms->m[k], max_id));
	json_array_foreach(kept, i, o) {
		json_t *b = json_object_get(o, "basis");
		int64_t cut = json_integer_value(json_object_get(b, "cutoff"));
		int dup = !json_is_object(b);

		for (int k = 0; k < ms->n; k++)
			dup |= ms->m[k].cutoff == cut;
		if (all && !dup && json_array_size(all) < LAPSE_MODELS_MAX)
			json_array_append(all, o);
	}
	dump = all ? json_dumps(all, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
	fu_ctx_init(&tmp);
	if (dump)
		store_meta_set(&tmp, s, META_LAPSE_MODELS_EARLIER, dump);
	free(dump);
	json_decref(all);
}

/*
 * A model not kept is fitted from the store's purchases read after max_id was (as
 * lapse_model_load does): then one recorded late meanwhile is either in the fit or has an
 * id above max_id, and the next run finds it. *q is loaded once (up
 * to now's cutoff, which every earlier cutoff precedes) and released by the caller.
 */
int lapse_models_load(struct fu_ctx *ctx, struct store *s, int64_t now, const int64_t *at,
		      size_t n, struct lapse_models *out)
{
	struct purchase_log q;
	int64_t max_id = 0;
	char *text = NULL;
	json_t *kept = NULL;
	int rc = lapse_model_load(ctx, s, now, &out->m[0]), changed = 0, loaded = 0;

	purchase_log_init(&q);
	out->n = rc ? 0 : 1;
	if (!rc)
		rc = store_max_event_id(ctx, s, &max_id);
	if (!rc)
		rc = store_meta_get(ctx, s, META_LAPSE_MODELS_EARLIER, &text);
	if (!rc && text)
		kept = json_loads(text, 0, NULL);
	free(text);
	if (kept && !json_is_array(kept)) {
		json_decref(kept);
		kept = NULL;
	}
	for (size_t i = 0; !rc && i < n; i++) {
		int64_t cut = lapse_model_cutoff(at[i]);
		int known = 0;

		for (int k = 0; k < out->n; k++)
			known |= out->m[k].cutoff == cut;
		if (known)
			continue;
		if (out->n == LAPSE_MODELS_MAX) {
			rc = fu_err(ctx, FU_EINPUT, "more than %d months of lapse models at once",
				    LAPSE_MODELS_MAX);
			break;
		}
		rc = earlier_kept(ctx, s, kept, at[i], max_id, &out->m[out->n], &known);
		if (!rc && !known && !loaded) {
			rc = purchase_log_load(ctx, s, out->m[0].cutoff - 1, &q);
			loaded = 1;
		}
		if (!rc && !known)
			rc = lapse_model_fit(ctx, &q, at[i], &out->m[out->n]);
		changed |= known != 1;
		if (!rc)
			out->n++;
	}
	if (!rc && changed)
		keep_earlier(s, out, kept, max_id);
	purchase_log_release(&q);
	json_decref(kept);
	return rc;
}

const struct lapse_model *lapse_models_get(const struct lapse_models *ms, int64_t t)
{
	int64_t cut = lapse_model_cutoff(t);

	for (int k = 0; k < ms->n; k++)
		if (ms->m[k].cutoff == cut)
			return &ms->m[k];
	return &ms->m[0];
}

/* ---- one customer ---- */

/*
 * Gamma-Gamma's spend is a weighted mean of the customer's own mean and the population's,
 * p gamma / (q - 1), with weight p x / (p x + q - 1) on their own: a shrinkage only when
 * q > 1. With q <= 1 the model's population mean is unbounded and the weight on their own
 * mean above 1, so every customer with few purchases would be priced above their own
 * average (by a quarter, plus gamma, with one repeat purchase on the demo's business); then
 * their own mean stands.
 */
int lapse_gg_shrinks(const struct lapse_model *m)
{
	return m->has_gg && m->gg.q > 1;
}

/*
 * lapse_eval(); with lapsed_only, a customer found not lapsing is left with out->lapsed 0 and
 * the rest unfinished (lapse_list keeps only those lapsing: the day the wait became rare and
 * the money are the costly part, and most customers are not lapsing).
 */
static int eval(struct fu_ctx *ctx, const struct lapse_model *m, const int64_t *days,
		const double *amounts, size_t n, int64_t now, int lapsed_only, struct lapse *out)
{
	int64_t today = purchase_day(now);
	struct rfm c;
	double total = 0, span;
	int rc;

	memset(out, 0, sizeof(*out));
	out->since_day = INT64_MAX;
	out->p_alive = NAN;
	out->spend = NAN;
	out->bg_per_year = NAN;
	rc = rhythm_eval(ctx, &m->prior, days, n, today, &out->r);
	if (rc)
		return rc;
	for (size_t j = 0; j < n; j++) {
		total += amounts ? amounts[j] : 0;
		out->purchase_days += j == 0 || days[j] != days[j - 1];
	}
	if (out->purchase_days < 2 || (lapsed_only && !(out->r.p_wait < LAPSE_P)))
		return FU_OK;
	rc = rhythm_lapse_day(ctx, &m->prior, days, n, LAPSE_P, &out->since_day);
	if (rc)
		return rc;
	out->lapsed = out->r.p_wait < LAPSE_P;
	rc = rfm_from_days(ctx, days, amounts, n, today, 1, &c);
	if (rc)
		return rc;
	if (m->has_bg)
		out->p_alive = bgnbd_p_alive(&m->bg, &c);
	if (lapse_gg_shrinks(m))
		out->spend = gammagamma_expected_spend(&m->gg, &c);
	if (!isfinite(out->spend) || out->spend < 0)
		out->spend = total / out->purchase_days;
	/*
	 * What a call could still save: their yearly spend, weighed by the chance they are
	 * still a customer (long-gone customers are lost already, not at risk). The spend per
	 * purchase day is Gamma-Gamma's, their own mean shrunk towards the population's. The
	 * purchase days a year are their rhythm's, but never more than BG/NBD's expected rate
	 * while alive, (r + x) / (alpha + t_x): their own count of repeat purchase days shrunk
	 * towards the population's rate by its Gamma prior, as Gamma-Gamma does the spend. A
	 * burst of purchases a day or two apart reads as a rhythm of a day or two, but it is a
	 * handful of purchases over a few days, which BG/NBD's prior (worth alpha days, about a
	 * month in real shops) keeps from becoming a daily habit; for a customer with a long
	 * history the two agree. Nothing may make a customer worth more than LAPSE_PACE_CAP
	 * times what they actually spent at their own pace (two small purchases are not a big
	 * account).
	 */
	span = (double)(days[n - 1] - days[0]) + out->r.usual_gap;
	out->observed = (total > 0 ? total : 0) * 365.0 / (span > LAPSE_PACE_MIN_DAYS ? span : LAPSE_PACE_MIN_DAYS);
	out->per_year = out->r.usual_gap > 0 ? 365.0 / out->r.usual_gap : 0;
	out->bg_per_year = m->has_bg ? 365.0 * bgnbd_rate(&m->bg, &c) : NAN;
	if (out->bg_per_year < out->per_year)
		out->per_year = out->bg_per_year;
	out->yearly = out->per_year * out->spend;
	if (!(out->yearly <= LAPSE_PACE_CAP * out->observed))
		out->yearly = LAPSE_PACE_CAP * out->observed;
	out->at_risk = out->yearly;
	if (isfinite(out->p_alive))
		out->at_risk *= out->p_alive;
	return FU_OK;
}

int lapse_eval(struct fu_ctx *ctx, const struct lapse_model *m, const int64_t *days,
	       const double *amounts, size_t n, int64_t now, struct lapse *out)
{
	return eval(ctx, m, days, amounts, n, now, 0, out);
}

int lapse_list(struct fu_ctx *ctx, const struct lapse_model *m, const struct purchase_log *p,
	       int64_t now, struct lapse_entry **out, size_t *n)
{
	struct lapse_entry *v = NULL;
	int rc = FU_OK;

	*out = NULL;
	*n = 0;
	if (p->n == 0)
		return FU_OK;
	v = malloc(p->n * sizeof(*v));
	if (!v)
		return fu_err(ctx, FU_ENOMEM, "out of memory listing lapses");
	for (size_t i = 0; i < p->n; i++) {
		size_t a = p->off[i], k = p->off[i + 1] - a;
		struct lapse_entry *e = &v[*n];

		rc = eval(ctx, m, p->day + a, p->amount + a, k, now, 1, &e->l);
		if (rc) {
			fu_err_prefix(ctx, "contact %lld", (long long)p->contact[i]);
			free(v);
			*n = 0;
			return rc;
		}
		if (!e->l.lapsed)
			continue;
		e->contact_id = p->contact[i];
		e->last_purchase = p->time[a + k - 1];
		(*n)++;
	}
	if (*n == 0)
		free(v);
	else
		*out = v;
	return FU_OK;
}

int lapse_totals_at(struct fu_ctx *ctx, const struct lapse_model *m, const struct purchase_log *p,
		    int64_t at, struct lapse_totals *out)
{
	struct purchase_log cut;
	struct lapse_entry *v = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = purchase_log_cut(ctx, p, at, &cut);
	if (rc)
		return rc;
	rc = lapse_list(ctx, m, &cut, at, &v, &n);
	for (size_t i = 0; !rc && i < n; i++)
		out->at_risk += v[i].l.at_risk;
	out->customers = rc ? 0 : n;
	free(v);
	purchase_log_release(&cut);
	return rc;
}

/* ---- words ---- */

void lapse_format_dollars(double d, char *out, size_t n)
{
	char digits[32], grouped[48];
	size_t len, j = 0;

	if (!isfinite(d) || d < 0)
		d = 0;
	snprintf(digits, sizeof(digits), "%.0f", d);
	len = strlen(digits);
	for (size_t i = 0; i < len && j + 2 < sizeof(grouped); i++) {
		if (i > 0 && (len - i) % 3 == 0)
			grouped[j++] = ',';
		grouped[j++] = digits[i];
	}
	grouped[j] = '\0';
	snprintf(out, n, "$%s", grouped);
}

void lapse_describe(const struct lapse *l, char *out, size_t n)
{
	char words[WORDS_MAX], money[64];

	rhythm_describe(&l->r, words, sizeof(words));
	lapse_format_dollars(l->at_risk, money, sizeof(money));
	snprintf(out, n, "%s; about %s a year at risk", words, money);
}

/* ---- the explanation ---- */

int lapse_explain(struct fu_ctx *ctx, const struct lapse_model *m, const struct purchase_log *p,
		  int64_t contact_id, int64_t now, struct lapse_explanation *out)
{
	size_t lo = 0, hi = p->n, a, n, i, k = 0;
	const int64_t *d;
	int rc;

	memset(out, 0, sizeof(*out));
	while (lo < hi) { /* contacts ascending */
		size_t mid = lo + (hi - lo) / 2;

		if (p->contact[mid] < contact_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == p->n || p->contact[lo] != contact_id)
		return FU_OK;
	a = p->off[lo];
	n = p->off[lo + 1] - a;
	d = p->day + a;
	rc = lapse_eval(ctx, m, d, p->amount + a, n, now, &out->l);
	if (!rc)
		rc = rfm_from_days(ctx, d, p->amount + a, n, purchase_day(now), 1, &out->rfm);
	if (rc)
		return rc;
	out->has_purchases = 1;
	out->purchases = n;
	out->first_day = d[0];
	out->last_day = d[n - 1];
	for (i = 0; i < n; i++)
		out->total += p->amount[a + i];
	/* the last LAPSE_EXPLAIN_GAPS gaps between distinct days, oldest first */
	for (i = n - 1; i > 0 && k < LAPSE_EXPLAIN_GAPS; i--)
		k += d[i] != d[i - 1];
	for (; i + 1 < n; i++)
		if (d[i + 1] != d[i])
			out->gap[out->ngaps++] = d[i + 1] - d[i];
	out->cutoff = m->cutoff;
	out->prior = m->prior;
	out->prior_fitted = m->prior.customers >= 10;
	out->has_bg = m->has_bg;
	out->bg = m->bg;
	out->has_gg = m->has_gg;
	out->gg = m->gg;
	out->spend_from_gg = out->l.purchase_days >= 2 && lapse_gg_shrinks(m) &&
			     isfinite(gammagamma_expected_spend(&m->gg, &out->rfm));
	out->cap = LAPSE_PACE_CAP * out->l.observed;
	out->capped = out->l.purchase_days >= 2 && out->l.per_year * out->l.spend > out->cap;
	return FU_OK;
}

int lapse_explain_contact(struct fu_ctx *ctx, struct store *s, const char *key, int64_t now,
			  struct contact *c, struct lapse_explanation *out)
{
	struct purchase_log p;
	struct purchase_scan ps = { &p, now, 0, 0 };
	struct lapse_model m;
	int rc;

	rc = store_contact_get(ctx, s, key, c);
	if (rc == FU_ENOTFOUND)
		return fu_err(ctx, FU_ENOTFOUND, "lapsed --explain: no contact with key '%s'", key);
	if (rc)
		return rc;
	rc = lapse_model_load(ctx, s, now, &m);
	if (rc)
		return rc;
	purchase_log_init(&p);
	rc = store_events_of_contact(ctx, s, c->id, purchase_event, &ps);
	if (!rc)
		rc = finish(ctx, &p);
	if (!rc)
		rc = lapse_explain(ctx, &m, &p, c->id, now, out);
	purchase_log_release(&p);
	return rc;
}
