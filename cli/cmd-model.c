/* cmd-model.c - followup model fit|show|predict: BG/NBD and Pareto/NBD on the purchase log */
#include "commands.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "fit.h"
#include "model.h"

#include "banned.h"

#define DAY 86400
#define HORIZON_MAX 100000

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

/* What the command line gave: the flags' values as typed (NULL when absent). */
struct model_args {
	const char *verb, *model, *unit, *until, *horizon;
	int json;
};

/*
 * The fit options from a's flags (predict: --until and --horizon are needed; otherwise
 * --horizon is refused and --until defaults to the clock's day).
 */
static int fit_opts_of(struct cli *cli, const struct model_args *a, int predict,
		       struct fit_opts *o)
{
	int64_t t;

	memset(o, 0, sizeof(*o));
	o->unit_days = 1;
	if (!predict && a->horizon)
		return cli_usage_error(cli, &cmd_model, "%s: unexpected argument '--horizon'",
				       a->verb);
	if (predict && (!a->until || !a->horizon))
		return cli_usage_error(cli, &cmd_model, "predict needs --until DATE and --horizon N");
	if (a->model && strcmp(a->model, "bgnbd") && strcmp(a->model, "pnbd"))
		return cli_usage_error(cli, &cmd_model, "--model: '%s' is not bgnbd or pnbd",
				       a->model);
	o->pareto = a->model && !strcmp(a->model, "pnbd");
	if (a->unit && strcmp(a->unit, "day") && strcmp(a->unit, "week"))
		return cli_usage_error(cli, &cmd_model, "--unit: '%s' is not day or week", a->unit);
	o->unit_days = a->unit && !strcmp(a->unit, "week") ? 7 : 1;
	if (a->horizon && cli_count(cli, &cmd_model, "--horizon", a->horizon, 1, HORIZON_MAX,
				    "a count of units", &o->horizon))
		return cli->ctx.rc;
	o->until_day = purchase_day(cli->now);
	if (a->until) {
		if (dt_parse_iso(&cli->ctx, a->until, 1, &t))
			return fu_err_prefix(&cli->ctx, "--until");
		o->until_day = purchase_day(t);
	}
	return FU_OK;
}

static int model_fit(struct cli *cli, const struct model_args *a)
{
	struct fit_opts o;
	struct store *s;
	json_t *j;
	int rc;

	rc = fit_opts_of(cli, a, 0, &o);
	if (rc)
		return rc;
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = fit_keep(&cli->ctx, s, &o, &j);
	store_close(s);
	if (rc)
		return rc;
	if (a->json)
		return cli_put_json(cli, j);
	print_model(cli, j);
	json_decref(j);
	return FU_OK;
}

static int model_show(struct cli *cli, const struct model_args *a)
{
	struct store *s;
	json_t *j;
	int rc;

	if (a->model || a->unit || a->until || a->horizon)
		return cli_usage_error(cli, &cmd_model, "show takes only --json");
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = fit_kept(&cli->ctx, s, &j);
	store_close(s);
	if (rc)
		return rc;
	if (a->json)
		return cli_put_json(cli, j);
	print_model(cli, j);
	json_decref(j);
	return FU_OK;
}

/* ---- the conditional-expectation table ---- */

static json_t *bucket_json(const char *x, const struct fit_bucket *b)
{
	return json_pack("{s:s, s:I, s:f, s:f, s:f, s:f}", "x", x, "customers",
			 (json_int_t)b->customers, "expected", b->expected, "actual", b->actual,
			 "expected_mean", b->customers ? b->expected / (double)b->customers : 0.0,
			 "actual_mean", b->customers ? b->actual / (double)b->customers : 0.0);
}

static void print_bucket(FILE *out, const char *x, const struct fit_bucket *b)
{
	fprintf(out, "%-4s %9ld %10.1f %8.0f %10.3f %8.3f\n", x, b->customers, b->expected,
		b->actual, b->customers ? b->expected / (double)b->customers : 0.0,
		b->customers ? b->actual / (double)b->customers : 0.0);
}

static int print_table(struct cli *cli, const struct fit *f, const struct fit_holdout_table *t,
		       int json)
{
	const char *unit = fit_unit_name(f->o.unit_days);
	json_t *m = fit_json(f);
	char from[16], to[16];

	if (!m)
		return fu_err(&cli->ctx, FU_ENOMEM, "out of memory predicting");
	dt_format_date(t->from_day * DAY, from, sizeof(from));
	dt_format_date(t->to_day * DAY, to, sizeof(to));
	if (json) {
		json_t *j = json_object(), *arr = json_array();

		if (!j || !arr) {
			json_decref(j);
			json_decref(arr);
			json_decref(m);
			return cli_put_json(cli, NULL);
		}
		for (int k = 0; k < FIT_BUCKETS; k++)
			json_array_append_new(arr, bucket_json(fit_bucket_label(k), &t->b[k]));
		json_object_set_new(j, "model", m);
		json_object_set_new(j, "horizon", json_integer(f->o.horizon));
		json_object_set_new(j, "unit", json_string(unit));
		json_object_set_new(j, "from", json_string(from));
		json_object_set_new(j, "to", json_string(to));
		json_object_set_new(j, "buckets", arr);
		json_object_set_new(j, "total", bucket_json("all", &t->all));
		return cli_put_json(cli, j);
	}
	print_model(cli, m);
	json_decref(m);
	fprintf(cli->out, "\nrepeat purchase days in the next %ld %ss (%s to %s), by repeat purchase "
		"days\nin the calibration period (x): expected by the model, and actual\n\n",
		f->o.horizon, unit, from, to);
	fprintf(cli->out, "%-4s %9s %10s %8s %10s %8s\n", "x", "customers", "expected", "actual",
		"exp/cust", "act/cust");
	for (int k = 0; k < FIT_BUCKETS; k++)
		print_bucket(cli->out, fit_bucket_label(k), &t->b[k]);
	print_bucket(cli->out, "all", &t->all);
	return FU_OK;
}

static int model_predict(struct cli *cli, const struct model_args *a)
{
	struct fit_opts o;
	struct fit_holdout_table t;
	struct store *s;
	struct fit f;
	int rc;

	rc = fit_opts_of(cli, a, 1, &o);
	if (rc)
		return rc;
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = fit_holdout(&cli->ctx, s, &o, &f, &t);
	store_close(s);
	if (rc)
		return rc;
	rc = print_table(cli, &f, &t, a->json);
	fit_release(&f);
	return rc;
}

static int run_model(struct cli *cli, int argc, char **argv)
{
	struct model_args m = { 0 };
	const struct cli_flag flags[] = {
		CLI_VALUE("--model", &m.model), CLI_VALUE("--unit", &m.unit),
		CLI_VALUE("--until", &m.until), CLI_VALUE("--horizon", &m.horizon),
		CLI_BOOL("--json", &m.json), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, &m.verb, 1, 0, 0 };
	int rc = cli_parse(cli, &cmd_model, argc, argv, &a);

	if (rc || a.help)
		return rc;
	if (!m.verb)
		return cli_usage_error(cli, &cmd_model, "fit, show or predict");
	if (!strcmp(m.verb, "fit"))
		return model_fit(cli, &m);
	if (!strcmp(m.verb, "show"))
		return model_show(cli, &m);
	if (!strcmp(m.verb, "predict"))
		return model_predict(cli, &m);
	return cli_usage_error(cli, &cmd_model, "'%s': use fit, show or predict", m.verb);
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
