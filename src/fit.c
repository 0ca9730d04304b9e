/* fit.c - BG/NBD or Pareto/NBD and Gamma-Gamma fitted on the purchase log, kept in the store, checked on a holdout */
#include "fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "model.h"

#include "banned.h"

#define DAY 86400
#define META_MODEL "model" /* the model kept by `model fit` */

void fit_release(struct fit *f)
{
	free(f->c);
	free(f->who);
	memset(f, 0, sizeof(*f));
}

const char *fit_unit_name(double unit_days)
{
	return unit_days == 7 ? "week" : "day";
}

int fit_run(struct fu_ctx *ctx, const struct purchase_log *p, const struct fit_opts *o,
	    struct fit *f)
{
	char d[16];
	int rc;

	memset(f, 0, sizeof(*f));
	f->o = *o;
	f->c = malloc((p->n ? p->n : 1) * sizeof(*f->c));
	f->who = malloc((p->n ? p->n : 1) * sizeof(*f->who));
	if (!f->c || !f->who) {
		fit_release(f);
		return fu_err(ctx, FU_ENOMEM, "out of memory fitting the model");
	}
	for (size_t i = 0; i < p->n; i++) {
		size_t a = p->off[i], k = p->off[i + 1] - a;

		if (p->day[a] > o->until_day)
			continue;
		rc = rfm_from_days(ctx, p->day + a, p->amount + a, k, o->until_day, o->unit_days,
				   &f->c[f->n]);
		if (rc) {
			fit_release(f);
			return fu_err_prefix(ctx, "contact %lld", (long long)p->contact[i]);
		}
		f->who[f->n++] = i;
	}
	dt_format_date(o->until_day * DAY, d, sizeof(d));
	if (f->n == 0) {
		fit_release(f);
		return fu_err(ctx, FU_EINPUT, "no purchases on or before %s to fit a model on", d);
	}
	rc = o->pareto ? pnbd_fit(ctx, f->c, f->n, &f->pn) : bgnbd_fit(ctx, f->c, f->n, &f->bg);
	if (rc) {
		fit_release(f);
		return fu_err_prefix(ctx, "%s to %s", o->pareto ? "pareto/nbd" : "bg/nbd", d);
	}
	rc = gammagamma_fit(ctx, f->c, f->n, &f->gg);
	if (rc == FU_ENOMEM) {
		fit_release(f);
		return rc;
	}
	/* no repeat spend to fit on (or no finite maximum): the model stands without it */
	f->has_gg = rc == FU_OK;
	fu_ctx_init(ctx);
	return FU_OK;
}

json_t *fit_json(const struct fit *f)
{
	json_t *j = json_object(), *g = NULL;
	char d[16];

	if (!j)
		return NULL;
	if (f->o.pareto) {
		json_object_set_new(j, "r", json_real(f->pn.r));
		json_object_set_new(j, "alpha", json_real(f->pn.alpha));
		json_object_set_new(j, "s", json_real(f->pn.s));
		json_object_set_new(j, "beta", json_real(f->pn.beta));
		json_object_set_new(j, "ll", json_real(f->pn.ll));
	} else {
		json_object_set_new(j, "r", json_real(f->bg.r));
		json_object_set_new(j, "alpha", json_real(f->bg.alpha));
		json_object_set_new(j, "a", json_real(f->bg.a));
		json_object_set_new(j, "b", json_real(f->bg.b));
		json_object_set_new(j, "ll", json_real(f->bg.ll));
	}
	json_object_set_new(j, "customers", json_integer((json_int_t)f->n));
	json_object_set_new(j, "unit", json_string(fit_unit_name(f->o.unit_days)));
	dt_format_date(f->o.until_day * DAY, d, sizeof(d));
	json_object_set_new(j, "until", json_string(d));
	json_object_set_new(j, "iterations",
			    json_integer(f->o.pareto ? f->pn.iterations : f->bg.iterations));
	if (f->has_gg)
		g = json_pack("{s:f, s:f, s:f}", "p", f->gg.p, "q", f->gg.q, "gamma", f->gg.gamma);
	json_object_set_new(j, "gammagamma", g ? g : json_null());
	return j;
}

int fit_keep(struct fu_ctx *ctx, struct store *s, const struct fit_opts *o, json_t **model)
{
	struct purchase_log p;
	struct fit f;
	json_t *j = NULL;
	char *text = NULL;
	int rc;

	*model = NULL;
	rc = purchase_log_load(ctx, s, INT64_MAX, &p);
	if (rc)
		return rc;
	rc = fit_run(ctx, &p, o, &f);
	purchase_log_release(&p);
	if (rc)
		return rc;
	j = fit_json(&f);
	fit_release(&f);
	text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
	if (!text)
		rc = fu_err(ctx, FU_ENOMEM, "out of memory storing the model");
	if (!rc)
		rc = store_meta_set(ctx, s, META_MODEL, text);
	free(text);
	if (rc) {
		json_decref(j);
		return rc;
	}
	*model = j;
	return FU_OK;
}

int fit_kept(struct fu_ctx *ctx, struct store *s, json_t **model)
{
	json_error_t err;
	char *text = NULL;
	json_t *j;
	int rc;

	*model = NULL;
	rc = store_meta_get(ctx, s, META_MODEL, &text);
	if (rc)
		return rc;
	if (!text)
		return fu_err(ctx, FU_ENOTFOUND, "no model fitted yet: run 'followup model fit'");
	j = json_loads(text, 0, &err);
	free(text);
	if (!json_is_object(j)) {
		json_decref(j);
		return fu_err(ctx, FU_EINTERNAL, "stored model: %s", err.text);
	}
	*model = j;
	return FU_OK;
}

const char *fit_bucket_label(int k)
{
	static const char *const labels[FIT_BUCKETS] = { "0", "1", "2", "3", "4", "5", "6", "7+" };

	return k >= 0 && k < FIT_BUCKETS ? labels[k] : "?";
}

/* The table of *t for the model f fitted on p's calibration period. */
static int holdout_table(struct fu_ctx *ctx, const struct purchase_log *p, const struct fit *f,
			 struct fit_holdout_table *t)
{
	const struct fit_opts *o = &f->o;
	int64_t end_day = o->until_day + (int64_t)llround((double)o->horizon * o->unit_days);
	double *expected = malloc((f->n ? f->n : 1) * sizeof(*expected));
	int rc = FU_OK;

	memset(t, 0, sizeof(*t));
	if (!expected)
		return fu_err(ctx, FU_ENOMEM, "out of memory predicting");
	if (o->pareto) {
		for (size_t i = 0; i < f->n; i++)
			expected[i] = pnbd_expected(&f->pn, &f->c[i], (double)o->horizon);
	} else {
		rc = bgnbd_predict(ctx, &f->bg, f->c, f->n, (double)o->horizon, NULL, expected);
		if (rc)
			goto out;
	}
	for (size_t i = 0; i < f->n; i++) {
		size_t w = f->who[i];
		int64_t last = o->until_day;
		long actual = 0;
		int k = f->c[i].x >= FIT_BUCKETS - 1 ? FIT_BUCKETS - 1 : (int)f->c[i].x;

		/* repeat purchase days: a day counts once */
		for (size_t e = p->off[w]; e < p->off[w + 1]; e++) {
			if (p->day[e] > last && p->day[e] <= end_day) {
				actual++;
				last = p->day[e];
			}
		}
		t->b[k].customers++;
		t->b[k].expected += expected[i];
		t->b[k].actual += (double)actual;
	}
	for (int k = 0; k < FIT_BUCKETS; k++) {
		t->all.customers += t->b[k].customers;
		t->all.expected += t->b[k].expected;
		t->all.actual += t->b[k].actual;
	}
	if (!isfinite(t->all.expected)) {
		rc = fu_err(ctx, FU_EINTERNAL, "the model's expectations are not finite");
		goto out;
	}
	t->from_day = o->until_day + 1;
	t->to_day = end_day;
out:
	free(expected);
	return rc;
}

int fit_holdout(struct fu_ctx *ctx, struct store *s, const struct fit_opts *o, struct fit *f,
		struct fit_holdout_table *t)
{
	struct purchase_log p;
	int rc;

	memset(f, 0, sizeof(*f));
	memset(t, 0, sizeof(*t));
	if (o->horizon <= 0)
		return fu_err(ctx, FU_EINPUT, "horizon: %ld is not a count of units", o->horizon);
	rc = purchase_log_load(ctx, s, INT64_MAX, &p);
	if (rc)
		return rc;
	rc = fit_run(ctx, &p, o, f);
	if (!rc) {
		rc = holdout_table(ctx, &p, f, t);
		if (rc)
			fit_release(f);
	}
	purchase_log_release(&p);
	return rc;
}
