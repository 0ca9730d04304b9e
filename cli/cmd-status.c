/* cmd-status.c - followup status: contacts by stage and events by type */
#include "commands.h"

#include "report.h"

#include "banned.h"

static int run_status(struct cli *cli, int argc, char **argv)
{
	struct report_status t;
	struct store *s;
	int json = 0, rc;

	const struct cli_flag flags[] = { CLI_BOOL("--json", &json), { NULL, 0, NULL } };
	struct cli_args a = { flags, NULL, 0, 0, 0 };

	rc = cli_parse(cli, &cmd_status, argc, argv, &a);
	if (rc || a.help)
		return rc;
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = report_status_build(&cli->ctx, s, cli->now, &t);
	store_close(s);
	if (rc)
		return rc;
	if (json) {
		json_t *o = json_object(), *st = json_object(), *ev = json_object();

		if (!o || !st || !ev) {
			json_decref(o);
			json_decref(st);
			json_decref(ev);
			return cli_put_json(cli, NULL);
		}
		for (int i = 0; i < STAGE__COUNT; i++)
			json_object_set_new(st, stage_name(i), json_integer(t.stage[i]));
		for (int i = 0; i < EV__COUNT; i++)
			json_object_set_new(ev, event_type_name(i), json_integer(t.event_types[i]));
		json_object_set_new(o, "contacts", json_integer(t.contacts));
		json_object_set_new(o, "stages", st);
		json_object_set_new(o, "events", json_integer(t.events));
		json_object_set_new(o, "event_types", ev);
		json_object_set_new(o, "invoices_open", json_integer(t.invoices_open));
		json_object_set_new(o, "late_payments", json_integer(t.paid_late));
		json_object_set_new(o, "opted_out_email", json_integer(t.opted_out_email));
		json_object_set_new(o, "do_not_contact", json_integer(t.do_not_contact));
		return cli_put_json(cli, o);
	}
	fprintf(cli->out, "%lld contacts\n", (long long)t.contacts);
	for (int i = 0; i < STAGE__COUNT; i++)
		fprintf(cli->out, "  %-10s %8lld\n", stage_name(i), (long long)t.stage[i]);
	fprintf(cli->out, "%lld events\n", (long long)t.events);
	for (int i = 0; i < EV__COUNT; i++)
		fprintf(cli->out, "  %-12s %8lld\n", event_type_name(i), (long long)t.event_types[i]);
	fprintf(cli->out,
		"%lld invoices open, %lld late payments so far; %lld opted out of e-mail, "
		"%lld do not contact\n",
		(long long)t.invoices_open, (long long)t.paid_late, (long long)t.opted_out_email,
		(long long)t.do_not_contact);
	return FU_OK;
}

const struct cmd cmd_status = {
	"status", "count contacts by stage and events by type", "status [--json]",
	"Counts contacts by stage at the clock's time (lead: never bought; customer: bought on\n"
	"one day; repeat: bought on two or more days; dormant: a buyer whose wait since the last\n"
	"purchase is over three of their usual gaps and 90 days, or a one-time buyer after a\n"
	"year; not to be confused with the finer rule of 'followup lapsed', which judges\n"
	"regular buyers by their own rhythm) and events by type.",
	run_status
};
