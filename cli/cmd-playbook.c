/* cmd-playbook.c - followup playbook show|check|use: the rules in effect */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "playbook_store.h"

#include "banned.h"

static int run_playbook(struct cli *cli, int argc, char **argv)
{
	struct playbook pb;
	struct store *s;
	const char *verb = argc > 1 ? argv[1] : NULL;
	int rc;

	if (verb && cli_help_flag(cli, &cmd_playbook, verb))
		return FU_OK;
	if (!verb)
		return cli_usage_error(cli, &cmd_playbook, "show, check FILE, or use FILE|--default");
	playbook_init(&pb);
	if (!strcmp(verb, "check")) {
		if (argc != 3)
			return cli_usage_error(cli, &cmd_playbook, "check needs one FILE");
		rc = playbook_load_file(&cli->ctx, argv[2], &pb);
		if (!rc)
			fprintf(cli->out, "%s: ok, %d rules\n", argv[2], pb.nrules);
		playbook_release(&pb);
		return rc;
	}
	if (!strcmp(verb, "show")) {
		if (argc != 2)
			return cli_usage_error(cli, &cmd_playbook, "show takes no arguments");
		rc = cli_open(cli, 0, &s);
		if (rc)
			return rc;
		rc = agenda_playbook(&cli->ctx, s, &pb);
		store_close(s);
		if (!rc)
			fprintf(cli->out, "# playbook in effect: %s\n%s", pb.name, pb.source);
		playbook_release(&pb);
		return rc;
	}
	if (!strcmp(verb, "use")) {
		if (argc != 3)
			return cli_usage_error(cli, &cmd_playbook, "use needs FILE or --default");
		rc = cli_open(cli, 0, &s);
		if (rc)
			return rc;
		if (!strcmp(argv[2], "--default")) {
			rc = playbook_store_use(&cli->ctx, s, NULL, &pb);
			if (!rc)
				fprintf(cli->out, "using the built-in playbook\n");
		} else {
			rc = playbook_store_use(&cli->ctx, s, argv[2], &pb);
			if (!rc)
				fprintf(cli->out, "using %s (%d rules)\n", argv[2], pb.nrules);
		}
		store_close(s);
		playbook_release(&pb);
		return rc;
	}
	return cli_usage_error(cli, &cmd_playbook, "'%s': use show, check or use", verb);
}

const struct cmd cmd_playbook = {
	"playbook", "show, check or choose the rules that make follow-ups",
	"playbook show | check FILE | use FILE | use --default",
	"The playbook is a YAML file of business hours, limits (touches per week, days of\n"
	"silence, speed to lead) and rules: for each trigger, a condition, the action (a call,\n"
	"an e-mail, ... or an automated e-mail for contacts of lower value), the timing, the\n"
	"priority and what to say. A default playbook is built in.\n\n"
	"  show        print the playbook in effect\n"
	"  check FILE  validate FILE; errors name file:line:column\n"
	"  use FILE    validate FILE and keep it in the database as the playbook in effect\n"
	"  use --default  go back to the built-in playbook",
	run_playbook
};
