/* cmd-model.c - followup model fit|show|predict: BG/NBD and Pareto/NBD on the purchase log */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clv.h"
#include "datetime.h"
#include "lapse.h"
#include "model.h"

#include "banned.h"

#define DAY 86400
#define HORIZON_MAX 100000
#define BUCKETS 8 /* calibration repeat purchases 0, 1, ..., 6, 7+ */

/* ---- fitting ---- */

struct model_opts {
	int pareto;       /* 0 BG/NBD, 1 Pareto/NBD */
	double unit_days; /* 1 or 7 */
	int64_t until_day;
	int has_until;
	long horizon;     /* predict: units after until */
	int json;
};

/* A model fitted on the customers who bought on or before until_day. */
struct fit {
	struct bgnbd bg;
	struct pnbd pn;
	struct gammagamma gg;
	int has_gg;
	size_t n;       /* customers */
	struct rfm *c;  /* [n] calibration summaries */
	size_t *who;    /* [n] the customer's index in the purchases */
};

static void fit_release(struct fit *f)
{
	free(f->c);
	free(f->who);
	memset(f, 0, sizeof(*f));
}

static const char *unit_name(double unit_days)
{
	return unit_days == 7 ? "week" : "day";
}

static int fit_run(struct cli *cli, const struct purchase_log *p, const struct model_opts *o,
		   struct fit *f)
{
	char d[16];
	int rc;

	memset(f, 0, sizeof(*f));
	f->c = malloc((p->n ? p->n : 1) * sizeof(*f->c));
	f->who = malloc((p->n ? p->n : 1) * sizeof(*f->who));
	if (!f->c || !f->who) {
		fit_release(f);
		return fu_err(&cli->ctx, FU_ENOMEM, "out of memory fitting the model");
	}
	for (size_t i = 0; i < p->n; i++) {
		size_t a = p->off[i], k = p->off[i + 1] - a;

		if (p->day[a] > o->until_day)
			continue;
		rc = rfm_from_days(&cli->ctx, p->day + a, p->amount + a, k, o->until_day,
				   o->unit_days, &f->c[f->n]);
		if (rc) {
			fit_release(f);
			return fu_err_prefix(&cli->ctx, "contact %lld", (long long)p->contact[i]);
		}
		f->who[f->n++] = i;
	}
	dt_format_date(o->until_day * DAY, d, sizeof(d));
	if (f->n == 0) {
		fit_release(f);
		return fu_err(&cli->ctx, FU_EINPUT, "no purchases on or before %s to fit a model on",
			      d);
	}
	rc = o->pareto ? pnbd_fit(&cli->ctx, f->c, f->n, &f->pn) :
			 bgnbd_fit(&cli->ctx, f->c, f->n, &f->bg);
	if (rc) {
		fit_release(f);
		return fu_err_prefix(&cli->ctx, "%s to %s", o->pareto ? "pareto/nbd" : "bg/nbd", d);
	}
	rc = gammagamma_fit(&cli->ctx, f->c, f->n, &f->gg);
	if (rc == FU_ENOMEM) {
		fit_release(f);
		return rc;
	}
	/* no repeat spend to fit on (or no finite maximum): the model stands without it */
	f->has_gg = rc == FU_OK;
	fu_ctx_init(&cli->ctx);
	return FU_OK;
}

/* The fitted model under the paper's names, as printed and stored. NULL on out-of-memory. */
static json_t *fit_json(const struct fit *f, const struct model_opts *o)
{
	json_t *j = json_object(), *g = NULL;
	char d[16];

	if (!j)
		return NULL;
	if (o->pareto) {
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
	json_object_set_new(j, "unit", json_string(unit_name(o->unit_days)));
	dt_format_date(o->until_day * DAY, d, sizeof(d));
	json_object_set_new(j, "until", json_string(d));
	json_object_set_new(j, "iterations",
			    json_integer(o->pareto ? f->pn.iterations : f->bg.iterations));
	if (f->has_gg)
		g = json_pack("{s:f, s:f, s:f}", "p", f->gg.p, "q", f->gg.q, "gamma", f->gg.gamma);
	json_object_set_new(j, "gammagamma", g ? g : json_null());
	return j;
}

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Prints a model as fit_json() describes it. */
static void print_model(struct cli *cli, const json_t *m)
{
	int pareto = json_object_get(m, "s") != NULL;
	const char *unit = json_string_value(json_object_get(m, "unit"));
	const char *until = json_string_value(json_object_get(m, "until"));
	const json_t *g = json_object_get(m, "gammagamma");
	FILE *out = cli->out;

	fprintf(out, "%s fitted on %.0f customers, in %ss, calibration period ending %s\n",
		pareto ? "Pareto/NBD" : "BG/NBD", num(m, "customers"), unit ? unit : "?",
		until ? until : "?");
	fprintf(out, "  r      %10.4f\n  alpha  %10.4f\n", num(m, "r"), num(m, "alpha"));
	if (pareto)
		fprintf(out, "  s      %10.4f\n  beta   %10.4f\n", num(m, "s"), num(m, "beta"));
	else
		fprintf(out, "  a      %10.4f\n  b      %10.4f\n", num(m, "a"), num(m, "b"));
	fprintf(out, "  ll     %10.2f   (%.0f optimiser iterations)\n", num(m, "ll"),
		num(m, "iterations"));
	if (json_is_object(g))
		fprintf(out, "Gamma-Gamma spend per purchase day: p %.4f, q %.4f, gamma %.4f\n",
			num(g, "p"), num(g, "q"), num(g, "gamma"));
	else
		fputs("Gamma-Gamma spend: not fitted (no repeat purchases with amounts)\n", out);
}

enum { OPT_MODEL, OPT_UNIT, OPT_UNTIL, OPT_HORIZON, OPT__COUNT };

static const char *const opt_names[OPT__COUNT] = { "--model", "--unit", "--until", "--horizon" };

/* Takes the value v of the flag opt into o. */
static int set_opt(struct cli *cli, struct model_opts *o, int opt, const char *v)
{
	char *end;
	int64_t t;

	switch (opt) {
	case OPT_MODEL:
		if (strcmp(v, "bgnbd") && strcmp(v, "pnbd"))
			return cli_usage_error(cli, &cmd_model, "--model: '%s' is not bgnbd or pnbd",
					       v);
		o->pareto = !strcmp(v, "pnbd");
		return FU_OK;
	case OPT_UNIT:
		if (strcmp(v, "day") && strcmp(v, "week"))
			return cli_usage_error(cli, &cmd_model, "--unit: '%s' is not day or week", v);
		o->unit_days = !strcmp(v, "week") ? 7 : 1;
		return FU_OK;
	case OPT_UNTIL:
		if (dt_parse_iso(&cli->ctx, v, 1, &t))
			return fu_err_prefix(&cli->ctx, "--until");
		o->until_day = lapse_day(t);
		o->has_until = 1;
		return FU_OK;
	default:
		o->horizon = strtol(v, &end, 10);
		if (*end || end == v || o->horizon <= 0 || o->horizon > HORIZON_MAX)
			return cli_usage_error(cli, &cmd_model,
					       "--horizon: '%s' is not a count of units", v);
		return FU_OK;
	}
}

/* The flags of fit (predict = 0) or predict; *help when -h/--help was printed. */
static int parse_opts(struct cli *cli, int argc, char **argv, int predict, struct model_opts *o,
		      int *help)
{
	const char *v;
	int rc = 0, opt;

	memset(o, 0, sizeof(*o));
	o->unit_days = 1;
	*help = 0;
	for (int i = 2; i < argc; i++) {
		if (cli_help_flag(cli, &cmd_model, argv[i])) {
			*help = 1;
			return FU_OK;
		}
		if (cli_flag(argv, i, "--json")) {
			o->json = 1;
			continue;
		}
		for (opt = 0; opt < (predict ? OPT__COUNT : OPT_HORIZON); opt++) {
			rc = cli_flag_value(cli, argc, argv, &i, opt_names[opt], &v);
			if (rc)
				break;
		}
		if (rc < 0)
			return cli->ctx.rc;
		if (rc == 0)
			return cli_usage_error(cli, &cmd_model, "%s: unexpected argument '%s'",
					       argv[1], argv[i]);
		rc = set_opt(cli, o, opt, v);
		if (rc)
			return rc;
	}
	if (predict && (!o->has_until || !o->horizon))
		return cli_usage_error(cli, &cmd_model, "predict needs --until DATE and --horizon N");
	if (!o->has_until)
		o->until_day = lapse_day(cli->now);
	return FU_OK;
}

static int model_fit(struct cli *cli, int argc, char **argv)
{
	struct model_opts o;
	struct purchase_log p;
	struct store *s;
	struct fit f;
	json_t *j = NULL;
	char *text = NULL;
	int help, rc;

	rc = parse_opts(cli, argc, argv, 0, &o, &help);
	if (rc || help)
		return rc;
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = purchase_log_load(&cli->ctx, s, INT64_MAX, &p);
	if (rc)
		goto out_close;
	rc = fit_run(cli, &p, &o, &f);
	if (rc)
		goto out_purchases;
	j = fit_json(&f, &o);
	text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
	if (!text) {
		rc = fu_err(&cli->ctx, FU_ENOMEM, "out of memory storing the model");
		goto out_fit;
	}
	rc = store_meta_set(&cli->ctx, s, "model", text);
	if (rc)
		goto out_fit;
	if (o.json) {
		rc = cli_put_json(cli, j);
		j = NULL;
	} else {
		print_model(cli, j);
	}
out_fit:
	free(text);
	json_decref(j);
	fit_release(&f);
out_purchases:
	purchase_log_release(&p);
out_close:
	store_close(s);
	return rc;
}

static int model_show(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	json_error_t err;
	json_t *j;
	char *text = NULL;
	int json = 0, rc;

	for (int i = 2; i < argc; i++) {
		if (cli_help_flag(cli, &cmd_model, argv[i]))
			return FU_OK;
		if (cli_flag(argv, i, "--json"))
			json = 1;
		else
			return cli_usage_error(cli, &cmd_model, "show: unexpected argument '%s'",
					       argv[i]);
	}
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = store_meta_get(&cli->ctx, s, "model", &text);
	store_close(s);
	if (rc)
		return rc;
	if (!text)
		return fu_err(&cli->ctx, FU_ENOTFOUND, "no model fitted yet: run 'followup model fit'");
	j = json_loads(text, 0, &err);
	free(text);
	if (!json_is_object(j)) {
		json_decref(j);
		return fu_err(&cli->ctx, FU_EINTERNAL, "stored model: %s", err.text);
	}
	if (json)
		return cli_put_json(cli, j);
	print_model(cli, j);
	json_decref(j);
	return FU_OK;
}

/* ---- the conditional-expectation table ---- */

struct bucket {
	long customers;
	double expected, actual;
};

static const char *bucket_label(int b)
{
	static const char *const labels[BUCKETS] = { "0", "1", "2", "3", "4", "5", "6", "7+" };

	return labels[b];
}

static json_t *bucket_json(const char *x, const struct bucket *b)
{
	return json_pack("{s:s, s:I, s:f, s:f, s:f, s:f}", "x", x, "customers",
			 (json_int_t)b->customers, "expected", b->expected, "actual", b->actual,
			 "expected_mean", b->customers ? b->expected / (double)b->customers : 0.0,
			 "actual_mean", b->customers ? b->actual / (double)b->customers : 0.0);
}

static void print_bucket(FILE *out, const char *x, const struct bucket *b)
{
	fprintf(out, "%-4s %9ld %10.1f %8.0f %10.3f %8.3f\n", x, b->customers, b->expected,
		b->actual, b->customers ? b->expected / (double)b->customers : 0.0,
		b->customers ? b->actual / (double)b->customers : 0.0);
}

static int predict_table(struct cli *cli, const struct purchase_log *p, const struct fit *f,
			 const struct model_opts *o)
{
	struct bucket b[BUCKETS], all;
	int64_t end_day = o->until_day + (int64_t)llround((double)o->horizon * o->unit_days);
	double *expected = malloc(f->n * sizeof(*expected));
	const char *unit = unit_name(o->unit_days);
	char from[16], to[16];
	int rc = FU_OK;

	if (!expected)
		return fu_err(&cli->ctx, FU_ENOMEM, "out of memory predicting");
	if (o->pareto) {
		for (size_t i = 0; i < f->n; i++)
			expected[i] = pnbd_expected(&f->pn, &f->c[i], (double)o->horizon);
	} else {
		rc = bgnbd_predict(&cli->ctx, &f->bg, f->c, f->n, (double)o->horizon, NULL, expected);
		if (rc)
			goto out;
	}
	memset(b, 0, sizeof(b));
	memset(&all, 0, sizeof(all));
	for (size_t i = 0; i < f->n; i++) {
		size_t w = f->who[i];
		int64_t last = o->until_day;
		long actual = 0;
		int k = f->c[i].x >= BUCKETS - 1 ? BUCKETS - 1 : (int)f->c[i].x;

		for (size_t e = p->off[w]; e < p->off[w + 1]; e++) {
			if (p->day[e] > last && p->day[e] <= end_day) {
				actual++;
				last = p->day[e];
			}
		}
		b[k].customers++;
		b[k].expected += expected[i];
		b[k].actual += (double)actual;
	}
	for (int k = 0; k < BUCKETS; k++) {
		all.customers += b[k].customers;
		all.expected += b[k].expected;
		all.actual += b[k].actual;
	}
	if (!isfinite(all.expected)) {
		rc = fu_err(&cli->ctx, FU_EINTERNAL, "the model's expectations are not finite");
		goto out;
	}
	dt_format_date((o->until_day + 1) * DAY, from, sizeof(from));
	dt_format_date(end_day * DAY, to, sizeof(to));
	if (o->json) {
		json_t *j = json_object(), *arr = json_array();

		if (!j || !arr) {
			json_decref(j);
			json_decref(arr);
			rc = cli_put_json(cli, NULL);
			goto out;
		}
		for (int k = 0; k < BUCKETS; k++)
			json_array_append_new(arr, bucket_json(bucket_label(k), &b[k]));
		json_object_set_new(j, "model", fit_json(f, o));
		json_object_set_new(j, "horizon", json_integer(o->horizon));
		json_object_set_new(j, "unit", json_string(unit));
		json_object_set_new(j, "from", json_string(from));
		json_object_set_new(j, "to", json_string(to));
		json_object_set_new(j, "buckets", arr);
		json_object_set_new(j, "total", bucket_json("all", &all));
		rc = cli_put_json(cli, j);
		goto out;
	}
	{
		json_t *m = fit_json(f, o);

		if (!m) {
			rc = fu_err(&cli->ctx, FU_ENOMEM, "out of memory predicting");
			goto out;
		}
		print_model(cli, m);
		json_decref(m);
	}
	fprintf(cli->out, "\nrepeat purchase days in the next %ld %ss (%s to %s), by repeat purchase "
		"days\nin the calibration period (x): expected by the model, and actual\n\n",
		o->horizon, unit, from, to);
	fprintf(cli->out, "%-4s %9s %10s %8s %10s %8s\n", "x", "customers", "expected", "actual",
		"exp/cust", "act/cust");
	for (int k = 0; k < BUCKETS; k++)
		print_bucket(cli->out, bucket_label(k), &b[k]);
	print_bucket(cli->out, "all", &all);
out:
	free(expected);
	return rc;
}

static int model_predict(struct cli *cli, int argc, char **argv)
{
	struct model_opts o;
	struct purchase_log p;
	struct store *s;
	struct fit f;
	int help, rc;

	rc = parse_opts(cli, argc, argv, 1, &o, &help);
	if (rc || help)
		return rc;
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = purchase_log_load(&cli->ctx, s, INT64_MAX, &p);
	store_close(s);
	if (rc)
		return rc;
	rc = fit_run(cli, &p, &o, &f);
	if (!rc) {
		rc = predict_table(cli, &p, &f, &o);
		fit_release(&f);
	}
	purchase_log_release(&p);
	return rc;
}

static int run_model(struct cli *cli, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : NULL;

	if (verb && cli_help_flag(cli, &cmd_model, verb))
		return FU_OK;
	if (!verb)
		return cli_usage_error(cli, &cmd_model, "fit, show or predict");
	if (!strcmp(verb, "fit"))
		return model_fit(cli, argc, argv);
	if (!strcmp(verb, "show"))
		return model_show(cli, argc, argv);
	if (!strcmp(verb, "predict"))
		return model_predict(cli, argc, argv);
	return cli_usage_error(cli, &cmd_model, "'%s': use fit, show or predict", verb);
}

const struct cmd cmd_model = {
	"model", "fit BG/NBD or Pareto/NBD to the purchases; predict repeat purchases",
	"model fit [--model bgnbd|pnbd] [--unit day|week] [--until DATE] [--json]\n"
	"       followup model show [--json]\n"
	"       followup model predict --until DATE --horizon N [--model bgnbd|pnbd] "
	"[--unit day|week] [--json]",
	"Customer-base models fitted by maximum likelihood on every customer's purchase days\n"
	"(several purchases on one day count as one): BG/NBD (Fader, Hardie & Lee 2005) or\n"
	"Pareto/NBD (Schmittlein, Morrison & Colombo 1987), and the Gamma-Gamma model of spend\n"
	"per purchase day on the same customers.\n\n"
	"  fit       fits on the purchases on or before --until (default: the clock's day) and\n"
	"            keeps the model in the database; prints the estimates under the papers'\n"
	"            names (r, alpha, a, b for BG/NBD; r, alpha, s, beta for Pareto/NBD), the\n"
	"            log-likelihood ll, the customers, the unit and the calibration end\n"
	"  show      prints the model kept by the last fit\n"
	"  predict   fits on the calibration period ending --until and sets, beside each other,\n"
	"            the repeat purchase days the model expects in the next --horizon units and\n"
	"            those that happened, for customers grouped by their repeat purchase days\n"
	"            in the calibration period (0 to 6, and 7 or more)\n\n"
	"  --model bgnbd|pnbd  the model (default bgnbd)\n"
	"  --unit day|week     the time unit of alpha, beta and --horizon (default day)\n"
	"  --until DATE        the last day of the calibration period, included\n"
	"  --horizon N         predict: the length of the holdout period in units\n"
	"  --json              print JSON",
	run_model
};
