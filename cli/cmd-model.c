/* cmd-model.c - followup model fit|show|predict: BG/NBD and Pareto/NBD on the purchase log */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datetime.h"
#include "fit.h"
#include "model.h"

#include "banned.h"

#define DAY 86400
#define HORIZON_MAX 100000

struct model_opts {
	struct fit_opts f;
	int has_until;
	int json;
};

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
		o->f.pareto = !strcmp(v, "pnbd");
		return FU_OK;
	case OPT_UNIT:
		if (strcmp(v, "day") && strcmp(v, "week"))
			return cli_usage_error(cli, &cmd_model, "--unit: '%s' is not day or week", v);
		o->f.unit_days = !strcmp(v, "week") ? 7 : 1;
		return FU_OK;
	case OPT_UNTIL:
		if (dt_parse_iso(&cli->ctx, v, 1, &t))
			return fu_err_prefix(&cli->ctx, "--until");
		o->f.until_day = purchase_day(t);
		o->has_until = 1;
		return FU_OK;
	default:
		o->f.horizon = strtol(v, &end, 10);
		if (*end || end == v || o->f.horizon <= 0 || o->f.horizon > HORIZON_MAX)
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
	o->f.unit_days = 1;
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
	if (predict && (!o->has_until || !o->f.horizon))
		return cli_usage_error(cli, &cmd_model, "predict needs --until DATE and --horizon N");
	if (!o->has_until)
		o->f.until_day = purchase_day(cli->now);
	return FU_OK;
}

static int model_fit(struct cli *cli, int argc, char **argv)
{
	struct model_opts o;
	struct store *s;
	json_t *j;
	int help, rc;

	rc = parse_opts(cli, argc, argv, 0, &o, &help);
	if (rc || help)
		return rc;
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = fit_keep(&cli->ctx, s, &o.f, &j);
	store_close(s);
	if (rc)
		return rc;
	if (o.json)
		return cli_put_json(cli, j);
	print_model(cli, j);
	json_decref(j);
	return FU_OK;
}

static int model_show(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	json_t *j;
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
	rc = fit_kept(&cli->ctx, s, &j);
	store_close(s);
	if (rc)
		return rc;
	if (json)
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

static int model_predict(struct cli *cli, int argc, char **argv)
{
	struct model_opts o;
	struct fit_holdout_table t;
	struct store *s;
	struct fit f;
	int help, rc;

	rc = parse_opts(cli, argc, argv, 1, &o, &help);
	if (rc || help)
		return rc;
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = fit_holdout(&cli->ctx, s, &o.f, &f, &t);
	store_close(s);
	if (rc)
		return rc;
	rc = print_table(cli, &f, &t, o.json);
	fit_release(&f);
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
