/* cmd-lapsed.c - followup lapsed: regular buyers missing their usual order, and what it costs */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clv.h"
#include "model.h"
#include "rhythm.h"

#include "banned.h"

#define P_LAPSED 0.05 /* a wait this long happens less often than this for them */
#define WHY_MAX 512

struct lapse {
	int64_t contact_id;
	char *key, *name, *owner;
	int64_t last_purchase;
	struct rhythm r;
	double p_alive;  /* NaN when BG/NBD could not be fitted */
	double at_risk;  /* dollars a year */
};

struct lapses {
	struct lapse *v;
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

/* "$1,240": whole dollars with thousands separators. */
static void fmt_dollars(double d, char *out, size_t n)
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

static void why(const struct lapse *e, char *out, size_t n)
{
	char words[WHY_MAX - 128], money[64];

	rhythm_describe(&e->r, words, sizeof(words));
	fmt_dollars(e->at_risk, money, sizeof(money));
	snprintf(out, n, "%s; about %s a year at risk", words, money);
}

static int cmp_contact(const void *a, const void *b)
{
	int64_t x = ((const struct lapse *)a)->contact_id, y = ((const struct lapse *)b)->contact_id;

	return (x > y) - (x < y);
}

static int cmp_risk(const void *a, const void *b)
{
	const struct lapse *x = a, *y = b;

	if (x->at_risk != y->at_risk)
		return x->at_risk < y->at_risk ? 1 : -1;
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
	struct lapse want = { .contact_id = c->id }, *e;
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

/*
 * The customers lapsing at the clock's time, into l (unsorted, without names): every
 * customer with two or more purchase days whose current wait is rarer than P_LAPSED for
 * their rhythm.
 */
static int find_lapses(struct cli *cli, const struct cli_purchases *p, struct lapses *l)
{
	int64_t today = cli_day(cli->now);
	struct rhythm_prior prior;
	struct rfm *c = NULL;
	struct bgnbd bg;
	struct gammagamma gg;
	double *p_alive = NULL;
	int has_bg = 0, has_gg = 0, rc;

	rc = rhythm_prior_fit(&cli->ctx, p->day, p->off, p->n, &prior);
	if (rc && rc != FU_EINPUT)
		return rc;
	/* too few regular buyers for a prior of their own: the documented default stands */
	fu_ctx_init(&cli->ctx);
	if (p->n == 0)
		return FU_OK;
	c = malloc(p->n * sizeof(*c));
	p_alive = malloc(p->n * sizeof(*p_alive));
	l->v = calloc(p->n, sizeof(*l->v));
	if (!c || !p_alive || !l->v) {
		rc = fu_err(&cli->ctx, FU_ENOMEM, "out of memory finding lapses");
		goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		size_t a = p->off[i];

		rc = rfm_from_days(&cli->ctx, p->day + a, p->amount + a, p->off[i + 1] - a, today, 1,
				   &c[i]);
		if (rc)
			goto out;
	}
	/* P(alive) and spend from the population models in days, when the data allow them */
	rc = bgnbd_fit(&cli->ctx, c, p->n, &bg);
	if (!rc)
		rc = bgnbd_predict(&cli->ctx, &bg, c, p->n, 0, p_alive, NULL);
	if (rc == FU_ENOMEM)
		goto out;
	has_bg = rc == FU_OK;
	rc = gammagamma_fit(&cli->ctx, c, p->n, &gg);
	if (rc == FU_ENOMEM)
		goto out;
	has_gg = rc == FU_OK;
	fu_ctx_init(&cli->ctx);
	rc = FU_OK;
	for (size_t i = 0; i < p->n; i++) {
		size_t a = p->off[i], k = p->off[i + 1] - a;
		struct lapse *e = &l->v[l->n];
		double spend = NAN, total = 0;
		int ndays = 0;

		for (size_t j = a; j < a + k; j++) {
			total += p->amount[j];
			ndays += j == a || p->day[j] != p->day[j - 1];
		}
		if (ndays < 2)
			continue;
		rc = rhythm_eval(&cli->ctx, &prior, p->day + a, k, today, &e->r);
		if (rc)
			goto out;
		if (!(e->r.p_wait < P_LAPSED))
			continue;
		if (has_gg)
			spend = gammagamma_expected_spend(&gg, &c[i]);
		if (!isfinite(spend) || spend < 0)
			spend = total / ndays;
		e->contact_id = p->contact[i];
		e->last_purchase = p->time[a + k - 1];
		e->p_alive = has_bg ? p_alive[i] : NAN;
		/*
		 * What a call could still save: their yearly spend, weighed by the chance they
		 * are still a customer (long-gone customers are lost already, not at risk).
		 */
		e->at_risk = e->r.usual_gap > 0 ? 365.0 / e->r.usual_gap * spend : 0;
		if (isfinite(e->p_alive))
			e->at_risk *= e->p_alive;
		l->n++;
	}
out:
	free(c);
	free(p_alive);
	return rc;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *lapse_json(const struct lapse *e)
{
	char w[WHY_MAX];

	why(e, w, sizeof(w));
	return json_pack("{s:s?, s:s?, s:s?, s:o, s:f, s:f, s:o, s:o, s:f, s:s}",
			 "contact", e->key, "name", e->name, "owner", e->owner,
			 "last_purchase", cli_json_time(e->last_purchase),
			 "usual_gap_days", e->r.usual_gap, "waited_days", e->r.waited,
			 "p_wait", num_or_null(e->r.p_wait), "p_alive", num_or_null(e->p_alive),
			 "at_risk_per_year", round(e->at_risk * 100.0) / 100.0, "why", w);
}

static void print_lapses(struct cli *cli, const struct lapses *l, size_t shown)
{
	double total = 0;
	char money[48], last[32], w[WHY_MAX];

	for (size_t i = 0; i < l->n; i++)
		total += l->v[i].at_risk;
	fmt_dollars(total, money, sizeof(money));
	fprintf(cli->out, "%zu customer%s lapsing, about %s a year at risk\n", l->n,
		l->n == 1 ? "" : "s", money);
	for (size_t i = 0; i < shown; i++) {
		const struct lapse *e = &l->v[i];

		fmt_dollars(e->at_risk, money, sizeof(money));
		cli_fmt_time(e->last_purchase, last, sizeof(last));
		fprintf(cli->out, "\n%2zu. ", i + 1);
		cli_put_safe(cli->out, e->key);
		if (e->name) {
			fputs("  ", cli->out);
			cli_put_safe(cli->out, e->name);
		}
		if (e->owner) {
			fputs("  (", cli->out);
			cli_put_safe(cli->out, e->owner);
			fputc(')', cli->out);
		}
		fprintf(cli->out, "  %s a year at risk\n", money);
		fprintf(cli->out, "    last purchase %.10s, usual gap %.0f days, waited %.0f days, "
			"p %.3f, ", last, e->r.usual_gap, e->r.waited, e->r.p_wait);
		if (isfinite(e->p_alive))
			fprintf(cli->out, "P(alive) %.2f\n", e->p_alive);
		else
			fputs("P(alive) unknown\n", cli->out);
		why(e, w, sizeof(w));
		fputs("    ", cli->out);
		cli_put_safe(cli->out, w);
		fputc('\n', cli->out);
	}
	if (shown < l->n)
		fprintf(cli->out, "\n... and %zu more (--limit 0 shows all)\n", l->n - shown);
}

static int run_lapsed(struct cli *cli, int argc, char **argv)
{
	struct cli_purchases p;
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
	rc = cli_purchases_load(cli, s, cli->now, &p);
	if (rc)
		goto out_close;
	rc = find_lapses(cli, &p, &l);
	if (rc)
		goto out;
	if (l.n) {
		qsort(l.v, l.n, sizeof(*l.v), cmp_contact);
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
	cli_purchases_release(&p);
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
