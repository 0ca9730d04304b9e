/* cmd-lapsed.c - followup lapsed: regular buyers missing their usual order, and what it costs */
#include "commands.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "datetime.h"
#include "lapse.h"
#include "model.h"
#include "report.h"

#include "banned.h"

#define WHY_MAX 512

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *lapse_json(const struct report_lapsing *n)
{
	const struct lapse_entry *e = &n->e;
	char w[WHY_MAX];

	lapse_describe(&e->l, w, sizeof(w));
	return json_pack("{s:s?, s:s?, s:s?, s:o, s:f, s:f, s:o, s:o, s:f, s:s}",
			 "contact", n->key, "name", n->name, "owner", n->owner,
			 "last_purchase", cli_json_time(e->last_purchase),
			 "usual_gap_days", e->l.r.usual_gap, "waited_days", e->l.r.waited,
			 "p_wait", num_or_null(e->l.r.p_wait), "p_alive", num_or_null(e->l.p_alive),
			 "at_risk_per_year", round(e->l.at_risk * 100.0) / 100.0, "why", w);
}

static void print_lapses(struct cli *cli, const struct report_lapsing *v, size_t n, size_t shown)
{
	double total = 0;
	char money[48], last[32], w[WHY_MAX];

	for (size_t i = 0; i < n; i++)
		total += v[i].e.l.at_risk;
	lapse_format_dollars(total, money, sizeof(money));
	fprintf(cli->out, "%zu customer%s lapsing, about %s a year at risk\n", n,
		n == 1 ? "" : "s", money);
	for (size_t i = 0; i < shown; i++) {
		const struct report_lapsing *nm = &v[i];
		const struct lapse_entry *e = &nm->e;

		lapse_format_dollars(e->l.at_risk, money, sizeof(money));
		cli_fmt_time(e->last_purchase, last, sizeof(last));
		fprintf(cli->out, "\n%2zu. ", i + 1);
		cli_put_safe(cli->out, nm->key);
		if (nm->name) {
			fputs("  ", cli->out);
			cli_put_safe(cli->out, nm->name);
		}
		if (nm->owner) {
			fputs("  (", cli->out);
			cli_put_safe(cli->out, nm->owner);
			fputc(')', cli->out);
		}
		fprintf(cli->out, "  %s a year at risk\n", money);
		fprintf(cli->out, "    last purchase %.10s, usual gap %.0f days, waited %.0f days, "
			"p %.3f, ", last, e->l.r.usual_gap, e->l.r.waited, e->l.r.p_wait);
		if (isfinite(e->l.p_alive))
			fprintf(cli->out, "P(alive) %.2f\n", e->l.p_alive);
		else
			fputs("P(alive) unknown\n", cli->out);
		lapse_describe(&e->l, w, sizeof(w));
		fputs("    ", cli->out);
		cli_put_safe(cli->out, w);
		fputc('\n', cli->out);
	}
	if (shown < n)
		fprintf(cli->out, "\n... and %zu more (--limit 0 shows all)\n", n - shown);
}

/* ---- lapsed --explain KEY: every number behind one contact's lapse (lapse_explain), printed ---- */

#define DAY 86400

/* "2026-09-16" for a UTC day number. */
static void day_text(int64_t day, char *out, size_t n)
{
	dt_format_date(day * DAY, out, n);
}

static json_t *day_json(int64_t day)
{
	char d[16];

	day_text(day, d, sizeof(d));
	return json_string(d);
}

static void explain_text(FILE *f, const struct lapse_explanation *x)
{
	const struct lapse *l = &x->l;
	const struct rhythm_prior *pr = &x->prior;
	char first[16], last[16], cut[16], since[16], money[64], pace[64], cap[64], risk[64];

	if (!x->has_purchases) {
		fputs("no purchases: nothing to judge a rhythm by\n", f);
		return;
	}
	day_text(x->first_day, first, sizeof(first));
	day_text(x->last_day, last, sizeof(last));
	day_text(purchase_day(x->cutoff), cut, sizeof(cut));
	lapse_format_dollars(x->total, money, sizeof(money));
	fprintf(f, "purchases: %zu on %d day%s, %s to %s, %s in all (the event log)\n", x->purchases,
		l->purchase_days, l->purchase_days == 1 ? "" : "s", first, last, money);
	if (x->ngaps > 0) {
		fprintf(f, "gaps, days%s:", l->r.ngaps > x->ngaps ? " (the last 24)" : "");
		for (int i = 0; i < x->ngaps; i++)
			fprintf(f, " %lld", (long long)x->gap[i]);
		fputc('\n', f);
	}
	if (l->r.ngaps > 0)
		fprintf(f, "rhythm: usual gap %.1f days: their own typical gap %.1f days (robust centre of %d gap%s), "
			"shrunk towards the customer base's %.1f days", l->r.usual_gap, l->r.own_gap, l->r.ngaps,
			l->r.ngaps == 1 ? "" : "s", exp(pr->mu));
	else
		fprintf(f, "rhythm: usual gap %.1f days: no gaps of their own, the customer base's", l->r.usual_gap);
	fprintf(f, " (the rhythm prior: mu %.3f, sigma %.3f, tau %.3f, weight %.3f, %s %s)\n", pr->mu, pr->sigma,
		pr->tau, pr->weight, x->prior_fitted ? "fitted on the purchases before" :
		"the documented default: too few regular buyers before", cut);
	fprintf(f, "wait: %.0f days since the last purchase; p_wait %.3f, the largest of: the rhythm's tail %.3f, "
		"their own gaps this long %.3f (counted once two or more were), the same days of earlier years %.3f\n",
		l->r.waited, l->r.p_wait, l->r.p_rhythm, l->r.p_own, l->r.p_season);
	if (l->purchase_days < 2) {
		fputs("one purchase day: not judged for a lapse, no money at risk\n", f);
		return;
	}
	if (l->since_day != INT64_MAX)
		day_text(l->since_day, since, sizeof(since));
	fprintf(f, "%s (a lapse is p_wait below %.2f%s%s)\n", l->lapsed ? "lapsing" : "not lapsing", LAPSE_P,
		l->since_day != INT64_MAX ? l->lapsed ? "; since " : "; from " : "; no wait is that rare",
		l->since_day != INT64_MAX ? since : "");
	if (isfinite(l->p_alive))
		fprintf(f, "P(alive) %.3f: BG/NBD in days (r %.4g, alpha %.4g, a %.4g, b %.4g, fitted on the purchases "
			"before %s) with x %.0f repeat purchase days, t_x %.0f, T %.0f\n", l->p_alive, x->bg.r,
			x->bg.alpha, x->bg.a, x->bg.b, cut, x->rfm.x, x->rfm.t_x, x->rfm.T);
	else
		fputs("P(alive) unknown: the purchases before this month did not allow a BG/NBD fit\n", f);
	lapse_format_dollars(l->spend, money, sizeof(money));
	if (x->spend_from_gg)
		fprintf(f, "spend per purchase day %s: Gamma-Gamma (p %.4g, q %.4g, gamma %.4g) from their mean "
			"$%.2f over %.0f repeat purchase days\n", money, x->gg.p, x->gg.q, x->gg.gamma, x->rfm.m,
			x->rfm.x);
	else
		fprintf(f, "spend per purchase day %s: their own mean (%s)\n", money,
			x->has_gg ? "Gamma-Gamma's q <= 1: no finite mean of the customer base to shrink towards"
				  : "no Gamma-Gamma fit");
	if (isfinite(l->bg_per_year))
		fprintf(f, "purchase days a year %.1f: the fewer of their rhythm's 365 / %.1f days = %.1f and "
			"BG/NBD's rate 365 x (r + x) / (alpha + t_x) = %.1f (their own shrunk towards the customer base's)\n",
			l->per_year, l->r.usual_gap, 365.0 / l->r.usual_gap, l->bg_per_year);
	else
		fprintf(f, "purchase days a year %.1f: their rhythm's 365 / %.1f days (no BG/NBD fit)\n",
			l->per_year, l->r.usual_gap);
	lapse_format_dollars(l->yearly, money, sizeof(money));
	lapse_format_dollars(l->observed, pace, sizeof(pace));
	lapse_format_dollars(x->cap, cap, sizeof(cap));
	lapse_format_dollars(l->at_risk, risk, sizeof(risk));
	fprintf(f, "yearly spend %s: purchase days a year x the spend, at most %g x their own pace %s a year "
		"(their total x 365 / (%lld days first to last + the usual gap, at least %.0f)) = %s%s\n", money,
		LAPSE_PACE_CAP, pace, (long long)(x->last_day - x->first_day), LAPSE_PACE_MIN_DAYS, cap,
		x->capped ? " (the cap applies)" : "");
	fprintf(f, "at risk: %s a year (the yearly spend%s)\n", risk,
		isfinite(l->p_alive) ? " x P(alive)" : "; P(alive) unknown");
}

/* The explanation as JSON: each part with the numbers and a "source" in words. */
static json_t *explain_json(const struct contact *c, int64_t now, const struct lapse_explanation *x)
{
	const struct lapse *l = &x->l;
	const struct rhythm_prior *pr = &x->prior;
	json_t *o, *gaps;

	o = json_pack("{s:s, s:s?, s:o, s:b}", "contact", c->key, "name", c->name, "at",
		      cli_json_time(now), "has_purchases", x->has_purchases);
	if (!o || !x->has_purchases)
		return o;
	gaps = json_array();
	for (int i = 0; gaps && i < x->ngaps; i++) {
		if (json_array_append_new(gaps, json_integer(x->gap[i]))) {
			json_decref(gaps);
			gaps = NULL;
		}
	}
	if (json_object_set_new(o, "purchases", json_pack("{s:I, s:i, s:o, s:o, s:f, s:s}",
			"count", (json_int_t)x->purchases, "days", l->purchase_days,
			"first", day_json(x->first_day), "last", day_json(x->last_day),
			"total", x->total, "source", "the event log")) ||
	    !gaps || json_object_set_new(o, "gaps_days", gaps) ||
	    json_object_set_new(o, "prior", json_pack("{s:f, s:f, s:f, s:f, s:I, s:f, s:b, s:o, s:s}",
			"mu", pr->mu, "sigma", pr->sigma, "tau", pr->tau, "weight", pr->weight,
			"customers", (json_int_t)pr->customers, "typical_gap_days", exp(pr->mu),
			"fitted", x->prior_fitted, "fitted_before", day_json(purchase_day(x->cutoff)),
			"source", x->prior_fitted ? "the customer base's gaps before the model's cutoff"
						  : "the documented default (fewer than 10 regular buyers)")) ||
	    json_object_set_new(o, "rhythm", json_pack("{s:f, s:f, s:i, s:s}",
			"usual_gap_days", l->r.usual_gap, "own_gap_days", l->r.own_gap, "gaps", l->r.ngaps,
			"source", "their own robust typical gap, shrunk towards the prior")) ||
	    json_object_set_new(o, "wait", json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:b, s:o, s:s}",
			"waited_days", l->r.waited, "p_wait", l->r.p_wait, "p_rhythm", l->r.p_rhythm,
			"p_own", l->r.p_own, "p_season", l->r.p_season, "threshold", LAPSE_P,
			"lapsing", l->lapsed,
			"rare_from", l->since_day != INT64_MAX ? day_json(l->since_day) : json_null(),
			"source", "the largest of the rhythm's tail, the share of their own gaps this long "
				  "(two or more), and the same days of earlier years")))
		goto fail;
	if (l->purchase_days < 2)
		return o;
	if (json_object_set_new(o, "p_alive", json_pack("{s:o, s:o, s:f, s:f, s:f, s:s}",
			"value", num_or_null(l->p_alive),
			"bgnbd", x->has_bg ? json_pack("{s:f, s:f, s:f, s:f}", "r", x->bg.r, "alpha",
						       x->bg.alpha, "a", x->bg.a, "b", x->bg.b)
					   : json_null(),
			"x", x->rfm.x, "t_x", x->rfm.t_x, "T", x->rfm.T,
			"source", x->has_bg ? "BG/NBD in days, fitted on the purchases before the model's cutoff"
					    : "unknown: no BG/NBD fit")) ||
	    json_object_set_new(o, "spend", json_pack("{s:f, s:f, s:f, s:o, s:s}",
			"per_purchase_day", l->spend, "repeat_mean", x->rfm.m, "repeat_days", x->rfm.x,
			"gammagamma", x->has_gg ? json_pack("{s:f, s:f, s:f}", "p", x->gg.p, "q", x->gg.q,
							    "gamma", x->gg.gamma) : json_null(),
			"source", x->spend_from_gg ? "Gamma-Gamma: their repeat mean shrunk towards the customer base's"
				  : x->has_gg ? "their own mean (Gamma-Gamma's q <= 1: nothing finite to shrink towards)"
					      : "their own mean (no Gamma-Gamma fit)")) ||
	    json_object_set_new(o, "purchase_days_a_year", json_pack("{s:f, s:f, s:o, s:s}",
			"value", l->per_year, "rhythm", 365.0 / l->r.usual_gap,
			"bgnbd", num_or_null(l->bg_per_year),
			"source", "the fewer of 365 / usual gap and BG/NBD's 365 (r + x) / (alpha + t_x)")) ||
	    json_object_set_new(o, "money", json_pack("{s:f, s:f, s:f, s:b, s:f, s:s}",
			"yearly", l->yearly, "own_pace", l->observed, "cap", x->cap, "capped", x->capped,
			"at_risk_per_year", round(l->at_risk * 100.0) / 100.0,
			"source", "purchase days a year x spend, at most 2 x their own pace "
				  "(total x 365 / (first to last + usual gap, at least 30 days)), x P(alive)")))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int explain(struct cli *cli, const char *key, int json)
{
	struct lapse_explanation x;
	struct contact c;
	struct store *s;
	int rc;

	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	contact_init(&c);
	rc = lapse_explain_contact(&cli->ctx, s, key, cli->now, &c, &x);
	store_close(s);
	if (!rc && json) {
		rc = cli_put_json(cli, explain_json(&c, cli->now, &x));
	} else if (!rc) {
		cli_put_safe(cli->out, c.key);
		if (c.name) {
			fputs("  ", cli->out);
			cli_put_safe(cli->out, c.name);
		}
		fputc('\n', cli->out);
		explain_text(cli->out, &x);
	}
	contact_release(&c);
	return rc;
}

static int run_lapsed(struct cli *cli, int argc, char **argv)
{
	struct report_lapsing *lv = NULL;
	struct store *s;
	long limit = 0;
	int json = 0, rc;
	size_t n = 0, shown;

	const char *lim = NULL, *why = NULL;
	const struct cli_flag flags[] = {
		CLI_BOOL("--json", &json), CLI_VALUE("--limit", &lim), CLI_VALUE("--explain", &why),
		{ NULL, 0, NULL }
	};
	struct cli_args a = { flags, NULL, 0, 0, 0 };

	rc = cli_parse(cli, &cmd_lapsed, argc, argv, &a);
	if (rc || a.help)
		return rc;
	if (lim && cli_count(cli, &cmd_lapsed, "--limit", lim, 0, LONG_MAX, "a count", &limit))
		return cli->ctx.rc;
	if (why)
		return explain(cli, why, json);
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = report_lapsing_list(&cli->ctx, s, cli->now, &lv, &n);
	store_close(s);
	if (rc)
		return rc;
	shown = limit && (size_t)limit < n ? (size_t)limit : n;
	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; arr && i < shown; i++) {
			json_t *o = lapse_json(&lv[i]);

			if (!o || json_array_append_new(arr, o)) {
				json_decref(arr);
				arr = NULL;
			}
		}
		rc = cli_put_json(cli, arr);
	} else {
		print_lapses(cli, lv, n, shown);
	}
	report_lapsing_free(lv, n);
	return rc;
}

const struct cmd cmd_lapsed = {
	"lapsed", "regular buyers who missed their usual order, most money at risk first",
	"lapsed [--limit N] [--json] [--explain CONTACT]",
	"At the clock's time, each customer who bought on two or more days is measured against\n"
	"their own rhythm (their usual gap between purchase days, robust to one odd gap, and the\n"
	"whole customer base's while they have few gaps of their own): they are lapsing when a\n"
	"wait as long as theirs happens less than 5 times in 100 for someone with that rhythm and\n"
	"history (a wait they made twice before, or over the same days of the year as an earlier\n"
	"year's silence, is not rare for them).\n"
	"For each: the last purchase, the usual gap, the days waited, that probability, P(alive)\n"
	"from a BG/NBD model in days fitted on the purchases before this month, and the yearly\n"
	"spend at risk (their purchase days a year, 365 / usual gap but no more than BG/NBD's\n"
	"rate for their repeat purchases, times their expected spend per purchase day, from the\n"
	"Gamma-Gamma model when it can be fitted, else their own average, never more than twice\n"
	"what they spent a year at their own pace, times P(alive): a customer long gone is lost\n"
	"already, one who just slipped can still be won back). Most money at risk first.\n\n"
	"  --limit N          print only the first N (0, the default, prints all)\n"
	"  --json             an array of {contact, name, owner, last_purchase, usual_gap_days,\n"
	"                     waited_days, p_wait, p_alive, at_risk_per_year, why}\n"
	"  --explain CONTACT  every number behind one contact's lapse (lapsing or not) and where\n"
	"                     it comes from: purchases, gaps, rhythm and prior, the wait's\n"
	"                     probabilities, P(alive), spend, purchase days a year, their own\n"
	"                     pace, the money (with --json: an object, each part with a source)",
	run_lapsed
};
