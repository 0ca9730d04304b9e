/* cmd-lapsed.c - followup lapsed: regular buyers missing their usual order, and what it costs */
#include "commands.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "buf.h"
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

/* lapsed --explain KEY: every number behind one contact's lapse (src/lapse.c), printed. */
static int explain(struct cli *cli, const char *key)
{
	struct contact c;
	struct store *s;
	struct buf b;
	int rc;

	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	contact_init(&c);
	buf_init(&b, 0);
	rc = lapse_explain_contact(&cli->ctx, s, key, cli->now, &c, &b);
	store_close(s);
	if (!rc) {
		cli_put_safe(cli->out, c.key);
		if (c.name) {
			fputs("  ", cli->out);
			cli_put_safe(cli->out, c.name);
		}
		fputc('\n', cli->out);
		fputs(buf_cstr(&b), cli->out);
	}
	buf_release(&b);
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
		return explain(cli, why);
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
	"                     probabilities, P(alive), spend, their own pace, the money",
	run_lapsed
};
