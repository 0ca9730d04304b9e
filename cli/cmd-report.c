/* cmd-report.c - followup report: how well the business follows up */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "lapse.h"
#include "outcome.h"

#include "banned.h"

#define DAY 86400

struct tally {
	int64_t now;
	int silence_days;
	/* speed to lead */
	int64_t contact;          /* contact of the events being read */
	int64_t pending_lead;     /* a lead not answered yet, or FU_TIME_NONE */
	int64_t *answer;          /* seconds from lead to first touch */
	size_t nanswer, cap;
	int64_t unanswered;
	/* the last 30 days */
	int64_t done, reached, snoozed;
	/* contacts */
	int64_t active, touched_in_time;
	int oom;
};

static void lead_flush(struct tally *t)
{
	if (t->pending_lead != FU_TIME_NONE)
		t->unanswered++;
	t->pending_lead = FU_TIME_NONE;
}

static int tally_event(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	struct tally *t = arg;
	int snooze = e->outcome && !strcmp(e->outcome, "snoozed");

	if (e->contact_id != t->contact) {
		lead_flush(t);
		t->contact = e->contact_id;
	}
	if (e->time > t->now)
		return FU_OK;
	if (e->type == EV_LEAD && t->pending_lead == FU_TIME_NONE)
		t->pending_lead = e->time;
	if (e->type != EV_TOUCH)
		return FU_OK;
	if (e->time > t->now - 30 * DAY) {
		t->done += !snooze;
		t->snoozed += snooze;
		t->reached += outcome_is_conversation(e->outcome);
	}
	if (!snooze && t->pending_lead != FU_TIME_NONE) {
		if (fu_grow(ctx, &t->answer, &t->cap, t->nanswer + 1, sizeof(*t->answer), 256,
			    "reporting"))
			return ctx->rc;
		t->answer[t->nanswer++] = e->time - t->pending_lead;
		t->pending_lead = FU_TIME_NONE;
	}
	return FU_OK;
}

static int tally_contact(struct fu_ctx *ctx, void *arg, const struct contact *c,
			 const struct contact_state *st)
{
	struct tally *t = arg;
	int stage = contact_stage(st, t->now);
	int64_t last = st->last_two_way;

	if (st->events == 0 || st->do_not_contact || stage == STAGE_LAPSED)
		return FU_OK;
	if (st->last_touch_out != FU_TIME_NONE && st->last_touch_out > last)
		last = st->last_touch_out;
	t->active++;
	if (last != FU_TIME_NONE && t->now - last <= (int64_t)t->silence_days * DAY)
		t->touched_in_time++;
	return FU_OK;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void fmt_span(int64_t s, char *out, size_t n)
{
	if (s < 3600)
		snprintf(out, n, "%lld min", (long long)(s / 60));
	else if (s < 2 * DAY)
		snprintf(out, n, "%.1f h", (double)s / 3600.0);
	else
		snprintf(out, n, "%.1f days", (double)s / DAY);
}

/*
 * Customers lapsing and the yearly spend at risk now (with the model the agenda then uses,
 * into *m) and 30 days ago, each from the purchases up to that moment.
 */
static int lapse_report(struct cli *cli, struct store *s, struct lapse_model *m,
			struct lapse_totals *now, struct lapse_totals *month_ago)
{
	struct purchase_log p;
	struct lapse_entry *v = NULL;
	size_t n = 0;
	int rc;

	memset(now, 0, sizeof(*now));
	memset(month_ago, 0, sizeof(*month_ago));
	rc = purchase_log_load(&cli->ctx, s, cli->now, &p);
	if (rc)
		return rc;
	rc = lapse_model_load(&cli->ctx, s, cli->now, m); /* the agenda's model */
	if (!rc)
		rc = lapse_list(&cli->ctx, m, &p, cli->now, &v, &n);
	for (size_t i = 0; !rc && i < n; i++)
		now->at_risk += v[i].l.at_risk;
	now->customers = n;
	if (!rc)
		rc = lapse_totals_at(&cli->ctx, &p, cli->now - 30 * DAY, month_ago);
	free(v);
	purchase_log_release(&p);
	return rc;
}

static json_t *totals_json(const struct lapse_totals *t)
{
	return json_pack("{s:I, s:f}", "customers", (json_int_t)t->customers, "revenue_at_risk",
			 round(t->at_risk * 100.0) / 100.0);
}

static void print_lapses(struct cli *cli, const struct lapse_totals *now,
			 const struct lapse_totals *ago)
{
	char money[48], change[48];
	double d = round(now->at_risk) - round(ago->at_risk);

	lapse_format_dollars(now->at_risk, money, sizeof(money));
	lapse_format_dollars(fabs(d), change, sizeof(change));
	fprintf(cli->out, "lapsing: %zu regular customer%s, about %s at risk over the next 12 "
		"months; since last month %+lld customers, %s%s\n", now->customers,
		now->customers == 1 ? "" : "s", money,
		(long long)now->customers - (long long)ago->customers, d < 0 ? "-" : "+", change);
}

static int run_report(struct cli *cli, int argc, char **argv)
{
	struct tally t;
	struct playbook pb;
	struct agenda_opts ao = { .now = cli->now, .all = 1 };
	struct agenda a;
	struct lapse_model lm;
	struct lapse_totals lnow, lago;
	struct store *s;
	int64_t median = 0, worst = 0, overdue = 0;
	int json = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (cli_help_flag(cli, &cmd_report, argv[i]))
			return FU_OK;
		if (cli_flag(argv, i, "--json"))
			json = 1;
		else
			return cli_usage_error(cli, &cmd_report, "unexpected argument '%s'", argv[i]);
	}
	memset(&t, 0, sizeof(t));
	t.now = cli->now;
	t.contact = -1;
	t.pending_lead = FU_TIME_NONE;
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	playbook_init(&pb);
	agenda_init(&a);
	rc = agenda_playbook(&cli->ctx, s, &pb);
	t.silence_days = pb.silence_days;
	if (!rc)
		rc = store_events_scan(&cli->ctx, s, tally_event, &t);
	lead_flush(&t);
	if (!rc)
		rc = store_contacts_list(&cli->ctx, s, NULL, tally_contact, &t);
	if (!rc)
		rc = lapse_report(cli, s, &lm, &lnow, &lago);
	ao.lapse = &lm;
	if (!rc)
		rc = agenda_build(&cli->ctx, s, &pb, &ao, &a);
	store_close(s);
	for (int i = 0; !rc && i < a.n; i++)
		overdue += a.v[i].overdue;
	if (!rc && t.nanswer) {
		qsort(t.answer, t.nanswer, sizeof(t.answer[0]), cmp_i64);
		median = t.answer[t.nanswer / 2];
		worst = t.answer[t.nanswer - 1];
	}
	if (!rc && json) {
		rc = cli_put_json(cli, json_pack(
			"{s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:i, s:f}, s:{s:I, s:I, s:I}, "
			"s:{s:I, s:I}, s:{s:I, s:f, s:o, s:{s:I, s:f}}}",
			"speed_to_lead", "answered", (json_int_t)t.nanswer, "unanswered",
			(json_int_t)t.unanswered, "median_seconds", (json_int_t)median,
			"worst_seconds", (json_int_t)worst,
			"silence", "active_contacts", (json_int_t)t.active, "touched_within_limit",
			(json_int_t)t.touched_in_time, "limit_days", pb.silence_days, "share",
			t.active ? (double)t.touched_in_time / (double)t.active : 0.0,
			"last_30_days", "touches", (json_int_t)t.done, "conversations",
			(json_int_t)t.reached, "snoozed", (json_int_t)t.snoozed,
			"open_followups", "total", (json_int_t)a.n, "overdue", (json_int_t)overdue,
			"lapsing", "customers", (json_int_t)lnow.customers, "revenue_at_risk",
			round(lnow.at_risk * 100.0) / 100.0, "month_ago", totals_json(&lago),
			"change", "customers",
			(json_int_t)lnow.customers - (json_int_t)lago.customers, "revenue_at_risk",
			round((lnow.at_risk - lago.at_risk) * 100.0) / 100.0));
	} else if (!rc) {
		char m[32], w[32];

		fmt_span(median, m, sizeof(m));
		fmt_span(worst, w, sizeof(w));
		fprintf(cli->out, "speed to lead: %zu leads answered, median %s, worst %s; "
			"%lld never answered\n", t.nanswer, m, w, (long long)t.unanswered);
		fprintf(cli->out, "silence: %lld of %lld active contacts (%.0f%%) touched within "
			"%d days\n", (long long)t.touched_in_time, (long long)t.active,
			t.active ? 100.0 * (double)t.touched_in_time / (double)t.active : 0.0,
			pb.silence_days);
		fprintf(cli->out, "last 30 days: %lld follow-ups done (%lld conversations), %lld "
			"snoozed\n", (long long)t.done, (long long)t.reached, (long long)t.snoozed);
		fprintf(cli->out, "open now: %d follow-ups, %lld overdue\n", a.n, (long long)overdue);
		print_lapses(cli, &lnow, &lago);
	}
	free(t.answer);
	agenda_release(&a);
	playbook_release(&pb);
	return rc;
}

const struct cmd cmd_report = {
	"report", "how well the business follows up", "report [--json]",
	"Speed to lead (median and worst time from a new lead to the first touch, and leads\n"
	"never answered), the share of active contacts touched within the silence limit,\n"
	"follow-ups done and snoozed in the last 30 days, follow-ups open and overdue now, and\n"
	"the regular customers lapsing (as `followup lapsed` lists them) with the revenue at\n"
	"risk over the next 12 months, and how both changed since last month (the same\n"
	"computed at the clock minus 30 days, from the purchases up to then).\n\n"
	"  --json  {speed_to_lead, silence, last_30_days, open_followups, lapsing: {customers,\n"
	"          revenue_at_risk, month_ago: {customers, revenue_at_risk}, change: {...}}}",
	run_report
};
