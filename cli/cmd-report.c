/* cmd-report.c - followup report: how well the business follows up */
#include "commands.h"

#include <math.h>

#include "report.h"

#include "banned.h"

#define DAY 86400

static void fmt_span(int64_t s, char *out, size_t n)
{
	if (s < 3600)
		snprintf(out, n, "%lld min", (long long)(s / 60));
	else if (s < 2 * DAY)
		snprintf(out, n, "%.1f h", (double)s / 3600.0);
	else
		snprintf(out, n, "%.1f days", (double)s / DAY);
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
	struct report r;
	struct store *s;
	int json = 0, rc;

	const struct cli_flag flags[] = { CLI_BOOL("--json", &json), { NULL, 0, NULL } };
	struct cli_args a = { flags, NULL, 0, 0, 0 };

	rc = cli_parse(cli, &cmd_report, argc, argv, &a);
	if (rc || a.help)
		return rc;
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = report_build(&cli->ctx, s, cli->now, &r);
	store_close(s);
	if (rc)
		return rc;
	if (json)
		return cli_put_json(cli, json_pack(
			"{s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:i, s:f}, s:{s:I, s:I, s:I}, "
			"s:{s:I, s:I}, s:{s:I, s:f, s:o, s:{s:I, s:f}}}",
			"speed_to_lead", "answered", (json_int_t)r.answered, "unanswered",
			(json_int_t)r.unanswered, "median_seconds", (json_int_t)r.median_seconds,
			"worst_seconds", (json_int_t)r.worst_seconds,
			"silence", "active_contacts", (json_int_t)r.active, "touched_within_limit",
			(json_int_t)r.touched_in_time, "limit_days", r.silence_days, "share",
			r.active ? (double)r.touched_in_time / (double)r.active : 0.0,
			"last_30_days", "touches", (json_int_t)r.touches, "conversations",
			(json_int_t)r.conversations, "snoozed", (json_int_t)r.snoozed,
			"open_followups", "total", (json_int_t)r.open, "overdue", (json_int_t)r.overdue,
			"lapsing", "customers", (json_int_t)r.lapsing.customers, "revenue_at_risk",
			round(r.lapsing.at_risk * 100.0) / 100.0, "month_ago",
			totals_json(&r.lapsing_month_ago), "change", "customers",
			(json_int_t)r.lapsing.customers - (json_int_t)r.lapsing_month_ago.customers,
			"revenue_at_risk",
			round((r.lapsing.at_risk - r.lapsing_month_ago.at_risk) * 100.0) / 100.0));
	{
		char m[32], w[32];

		fmt_span(r.median_seconds, m, sizeof(m));
		fmt_span(r.worst_seconds, w, sizeof(w));
		fprintf(cli->out, "speed to lead (leads of the last 30 days): %lld answered, median "
			"%s, worst %s; %lld not answered yet\n", (long long)r.answered, m, w, (long long)r.unanswered);
		fprintf(cli->out, "silence: %lld of %lld active contacts (%.0f%%) touched within "
			"%d days\n", (long long)r.touched_in_time, (long long)r.active,
			r.active ? 100.0 * (double)r.touched_in_time / (double)r.active : 0.0,
			r.silence_days);
		fprintf(cli->out, "last 30 days: %lld follow-ups done (%lld conversations), %lld "
			"snoozed\n", (long long)r.touches, (long long)r.conversations,
			(long long)r.snoozed);
		fprintf(cli->out, "open now: %lld follow-ups, %lld overdue\n", (long long)r.open,
			(long long)r.overdue);
		print_lapses(cli, &r.lapsing, &r.lapsing_month_ago);
	}
	return FU_OK;
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
