/* cmd-lapsed.c - followup lapsed: regular buyers missing their usual order, and what it costs */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lapse.h"
#include "model.h"

#include "banned.h"

#define WHY_MAX 512

/* A lapsing customer, named. */
struct named {
	struct lapse_entry e;
	char *key, *name, *owner;
};

struct lapses {
	struct named *v;
	size_t n;
};

static void lapses_release(struct lapses *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].name);
		free(l->v[i].owner);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_contact(const void *a, const void *b)
{
	int64_t x = ((const struct named *)a)->e.contact_id, y = ((const struct named *)b)->e.contact_id;

	return (x > y) - (x < y);
}

static int cmp_risk(const void *a, const void *b)
{
	const struct named *x = a, *y = b;

	if (x->e.l.at_risk != y->e.l.at_risk)
		return x->e.l.at_risk < y->e.l.at_risk ? 1 : -1;
	return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

static int dup(struct fu_ctx *ctx, const char *s, char **out)
{
	if (!s)
		return FU_OK;
	*out = strdup(s);
	return *out ? FU_OK : fu_err(ctx, FU_ENOMEM, "out of memory listing lapses");
}

/* Copies key, name and owner of the lapsing contacts (l sorted by contact id). */
static int name_contact(struct fu_ctx *ctx, void *arg, const struct contact *c,
			const struct contact_state *st)
{
	struct lapses *l = arg;
	struct named want = { .e.contact_id = c->id }, *e;
	int rc;

	e = bsearch(&want, l->v, l->n, sizeof(*l->v), cmp_contact);
	if (!e)
		return FU_OK;
	rc = dup(ctx, c->key, &e->key);
	if (!rc)
		rc = dup(ctx, c->name, &e->name);
	if (!rc)
		rc = dup(ctx, c->owner, &e->owner);
	return rc;
}

/* The customers lapsing at the clock's time (lapse.h), into l sorted by contact id, unnamed. */
static int find_lapses(struct cli *cli, struct store *s, const struct purchase_log *p,
		       struct lapses *l)
{
	struct lapse_model m;
	struct lapse_entry *v = NULL;
	size_t n = 0;
	int rc;

	rc = lapse_model_load(&cli->ctx, s, cli->now, &m); /* the agenda's model */
	if (!rc)
		rc = lapse_list(&cli->ctx, &m, p, cli->now, &v, &n);
	if (!rc && n) {
		l->v = calloc(n, sizeof(*l->v));
		if (!l->v)
			rc = fu_err(&cli->ctx, FU_ENOMEM, "out of memory finding lapses");
	}
	for (size_t i = 0; !rc && i < n; i++)
		l->v[l->n++].e = v[i];
	free(v);
	return rc;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *lapse_json(const struct named *n)
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

static void print_lapses(struct cli *cli, const struct lapses *l, size_t shown)
{
	double total = 0;
	char money[48], last[32], w[WHY_MAX];

	for (size_t i = 0; i < l->n; i++)
		total += l->v[i].e.l.at_risk;
	lapse_format_dollars(total, money, sizeof(money));
	fprintf(cli->out, "%zu customer%s lapsing, about %s a year at risk\n", l->n,
		l->n == 1 ? "" : "s", money);
	for (size_t i = 0; i < shown; i++) {
		const struct named *nm = &l->v[i];
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
	if (shown < l->n)
		fprintf(cli->out, "\n... and %zu more (--limit 0 shows all)\n", l->n - shown);
}

static int run_lapsed(struct cli *cli, int argc, char **argv)
{
	struct purchase_log p;
	struct lapses l = { NULL, 0 };
	struct store *s;
	const char *v;
	char *end;
	long limit = 0;
	int json = 0, rc;
	size_t shown;

	for (int i = 1; i < argc; i++) {
		if (cli_help_flag(cli, &cmd_lapsed, argv[i]))
			return FU_OK;
		if (cli_flag(argv, i, "--json")) {
			json = 1;
		} else if ((rc = cli_flag_value(cli, argc, argv, &i, "--limit", &v))) {
			if (rc < 0)
				return cli->ctx.rc;
			limit = strtol(v, &end, 10);
			if (*end || end == v || limit < 0)
				return cli_usage_error(cli, &cmd_lapsed, "--limit: '%s' is not a count", v);
		} else {
			return cli_usage_error(cli, &cmd_lapsed, "unexpected argument '%s'", argv[i]);
		}
	}
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = purchase_log_load(&cli->ctx, s, cli->now, &p);
	if (rc)
		goto out_close;
	rc = find_lapses(cli, s, &p, &l);
	if (rc)
		goto out;
	if (l.n) {
		rc = store_contacts_list(&cli->ctx, s, NULL, name_contact, &l);
		if (rc)
			goto out;
		qsort(l.v, l.n, sizeof(*l.v), cmp_risk);
	}
	shown = limit && (size_t)limit < l.n ? (size_t)limit : l.n;
	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; arr && i < shown; i++) {
			json_t *o = lapse_json(&l.v[i]);

			if (!o || json_array_append_new(arr, o)) {
				json_decref(arr);
				arr = NULL;
			}
		}
		rc = cli_put_json(cli, arr);
	} else {
		print_lapses(cli, &l, shown);
	}
out:
	lapses_release(&l);
	purchase_log_release(&p);
out_close:
	store_close(s);
	return rc;
}

const struct cmd cmd_lapsed = {
	"lapsed", "regular buyers who missed their usual order, most money at risk first",
	"lapsed [--limit N] [--json]",
	"At the clock's time, each customer who bought on two or more days is measured against\n"
	"their own rhythm (their usual gap between purchase days, robust to one odd gap, and the\n"
	"whole customer base's while they have few gaps of their own): they are lapsing when a\n"
	"wait as long as theirs happens less than 5 times in 100 for someone with that rhythm.\n"
	"For each: the last purchase, the usual gap, the days waited, that probability, P(alive)\n"
	"from a BG/NBD model in days fitted on all purchases so far, and the yearly spend at risk\n"
	"(365 / usual gap times their expected spend per purchase day, from the Gamma-Gamma model\n"
	"when it can be fitted, else their own average, times P(alive): a customer long gone is\n"
	"lost already, one who just slipped can still be won back). Most money at risk first.\n\n"
	"  --limit N  print only the first N (0, the default, prints all)\n"
	"  --json     an array of {contact, name, owner, last_purchase, usual_gap_days,\n"
	"             waited_days, p_wait, p_alive, at_risk_per_year, why}",
	run_lapsed
};
