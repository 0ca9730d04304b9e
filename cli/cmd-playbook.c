/* cmd-playbook.c - followup playbook show|check|use: the rules in effect */
#include "commands.h"

#include <string.h>

#include "agenda.h"
#include "playbook_store.h"

#include "banned.h"

static void put_warning(void *arg, const char *msg)
{
	(void)arg;
	fputs("followup: warning: ", stderr);
	cli_put_safe(stderr, msg);
	fputc('\n', stderr);
}

static int run_playbook(struct cli *cli, int argc, char **argv)
{
	struct playbook pb;
	struct store *s;
	const char *pos[2] = { NULL, NULL }, *verb, *file;
	int builtin = 0, rc;
	const struct cli_flag flags[] = { CLI_BOOL("--default", &builtin), { NULL, 0, NULL } };
	struct cli_args a = { flags, pos, 2, 0, 0 };

	rc = cli_parse(cli, &cmd_playbook, argc, argv, &a);
	if (rc || a.help)
		return rc;
	verb = pos[0];
	file = pos[1];
	if (!verb)
		return cli_usage_error(cli, &cmd_playbook, "show, check FILE, or use FILE|--default");
	if (strcmp(verb, "show") && strcmp(verb, "check") && strcmp(verb, "use"))
		return cli_usage_error(cli, &cmd_playbook, "'%s': use show, check or use", verb);
	if (builtin && strcmp(verb, "use"))
		return cli_usage_error(cli, &cmd_playbook, "--default goes with use");
	playbook_init(&pb);
	if (!strcmp(verb, "check")) {
		if (!file)
			return cli_usage_error(cli, &cmd_playbook, "check needs one FILE");
		rc = playbook_load_file(&cli->ctx, file, &pb);
		if (!rc) {
			int n = playbook_warnings(&pb, put_warning, cli);

			fprintf(cli->out, "%s: ok, %d rules", file, pb.nrules);
			fprintf(cli->out, n ? ", %d warning%s\n" : "\n", n, n == 1 ? "" : "s");
		}
		playbook_release(&pb);
		return rc;
	}
	if (!strcmp(verb, "show")) {
		if (file)
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
	if (!file == !builtin)
		return cli_usage_error(cli, &cmd_playbook, "use needs FILE or --default");
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = playbook_store_use(&cli->ctx, s, file, &pb);
	store_close(s);
	if (!rc && builtin)
		fprintf(cli->out, "using the built-in playbook\n");
	else if (!rc)
		fprintf(cli->out, "using %s (%d rules)\n", file, pb.nrules);
	playbook_release(&pb);
	return rc;
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
