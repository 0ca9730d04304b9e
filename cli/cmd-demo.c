/* cmd-demo.c - followup demo: fill an empty database with a realistic demo business and show it */
#include "commands.h"

#include <stdlib.h>

#include "demo.h"

#include "banned.h"

static int run_demo(struct cli *cli, int argc, char **argv)
{
	struct synth_opts so = { 300, 0, 730, 42, 0 };
	struct demo_result r;
	struct store *s;
	const char *contacts = NULL, *seed = NULL;
	char *end;
	int rc;
	const struct cli_flag flags[] = {
		CLI_VALUE("--contacts", &contacts), CLI_VALUE("--seed", &seed), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, NULL, 0, 0, 0 };
	long n;

	rc = cli_parse(cli, &cmd_demo, argc, argv, &a);
	if (rc || a.help)
		return rc;
	if (contacts && cli_count(cli, &cmd_demo, "--contacts", contacts, 1, 10000000, "a count",
				  &n))
		return cli->ctx.rc;
	if (contacts)
		so.contacts = n;
	if (seed) {
		so.seed = strtoull(seed, &end, 10);
		if (*end || end == seed)
			return cli_usage_error(cli, &cmd_demo, "--seed: '%s' is not a number", seed);
	}
	so.end = cli->now;
	rc = cli_open(cli, 1, &s);
	if (rc)
		return rc;
	rc = demo_create(&cli->ctx, s, cli->db_path, &so, &r);
	store_close(s);
	if (rc)
		return rc;
	fprintf(cli->out, "created a demo business in %s: %lld contacts, %lld events over %d days\n"
		"(the last %d days, its people kept up with their agendas: %lld touches)\n\n",
		cli->db_path, (long long)r.synth.contacts, (long long)r.synth.events + r.worked,
		so.days, r.days_worked, (long long)r.worked);
	{
		char *status_argv[] = { (char *)"status", NULL };

		rc = cmd_status.run(cli, 1, status_argv);
	}
	for (int i = 0; !rc && i < 3; i++) {
		char *show_argv[] = { (char *)"show", r.keys[i], (char *)"--last", (char *)"8",
				      NULL };

		if (!r.keys[i][0])
			continue;
		fputc('\n', cli->out);
		rc = cmd_show.run(cli, 4, show_argv);
	}
	return rc;
}

const struct cmd cmd_demo = {
	"demo", "fill an empty database with a demo business and show an overview",
	"demo [--contacts N] [--seed S]",
	"Generates a believable small business (default 300 contacts over the two years up to\n"
	"the clock's time: leads by call, e-mail and web form, info requests, clicks, first and\n"
	"repeat purchases with personal rhythms, invoices and payments on time and late,\n"
	"service calls, customers who stopped buying), imports it through the normal import,\n"
	"has its people work the last three weeks' agendas (touches, as 'followup done'\n"
	"records them; a few left undone), and prints counts by stage and a few recent\n"
	"timelines. The same --seed and --now give the same business. The database must hold\n"
	"no events yet.",
	run_demo
};
