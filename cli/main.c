/* main.c - the followup command line: global options, the command table, exit statuses */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "datetime.h"

#include "banned.h"

extern const struct cmd cmd_help;

/* The command table: dispatch, `followup help` and the usage text all read it. */
static const struct cmd *const commands[] = {
	&cmd_init, &cmd_demo, &cmd_import, &cmd_contacts, &cmd_show, &cmd_event,
	&cmd_agenda, &cmd_done, &cmd_snooze, &cmd_send, &cmd_outbox, &cmd_unsubscribe,
	&cmd_receive, &cmd_digest, &cmd_report, &cmd_lapsed, &cmd_model, &cmd_playbook,
	&cmd_status, &cmd_rebuild, &cmd_serve, &cmd_user, &cmd_token, &cmd_form, &cmd_backup,
	&cmd_version, &cmd_help, NULL
};

static const struct cmd *find(const char *name)
{
	for (int i = 0; commands[i]; i++) {
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	}
	return NULL;
}

static void usage(FILE *f)
{
	fputs("usage: followup [--db FILE] [--now TIME] COMMAND [ARGS]\n\n"
	      "followup makes sure no lead and no customer is forgotten: it keeps each person's\n"
	      "timeline of events and derives who needs a follow-up, and why.\n\n"
	      "commands:\n", f);
	for (int i = 0; commands[i]; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\nglobal options:\n"
	      "  --db FILE    the database (default $FOLLOWUP_DB, else ./followup.db)\n"
	      "  --now TIME   fix the clock (ISO 8601, e.g. 2026-11-25 or 2026-11-25T09:00:00Z;\n"
	      "               default $FOLLOWUP_NOW, else the system clock)\n\n"
	      "'followup help COMMAND' or 'followup COMMAND --help' explains a command.\n"
	      "exit status: 0 done, 1 a mistake in the input or the command line, 2 an internal fault\n",
	      f);
}

static int parse_now(struct fu_ctx *ctx, const char *what, const char *v, int64_t *now)
{
	int rc = dt_parse_iso(ctx, v, 1, now);

	if (rc)
		return fu_err_prefix(ctx, "%s", what);
	return FU_OK;
}

static int finish(struct cli *cli, int rc)
{
	if (fflush(cli->out) != 0 || ferror(cli->out)) {
		if (!rc)
			rc = fu_err(&cli->ctx, FU_EIO, "writing output: %s", strerror(errno));
	}
	if (rc) {
		fprintf(stderr, "followup: %s\n", cli->ctx.msg[0] ? cli->ctx.msg : "failed");
		return fu_exit_status(rc);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cli;
	const struct cmd *c;
	const char *v, *db = NULL, *now = NULL;
	int i = 1, rc, help = 0;
	const struct cli_flag globals[] = {
		CLI_BOOL("-h", &help), CLI_BOOL("--help", &help), CLI_VALUE("--db", &db),
		CLI_VALUE("--now", &now), { NULL, 0, NULL }
	};

	memset(&cli, 0, sizeof(cli));
	fu_ctx_init(&cli.ctx);
	/* GSL's default handler aborts; the core checks every GSL status itself */
	gsl_set_error_handler_off();
	cli.out = stdout;
	cli.db_path = getenv("FOLLOWUP_DB");
	if (!cli.db_path || !*cli.db_path)
		cli.db_path = "followup.db";
	cli.now = (int64_t)time(NULL);
	v = getenv("FOLLOWUP_NOW");
	if (v && *v && parse_now(&cli.ctx, "$FOLLOWUP_NOW", v, &cli.now))
		return finish(&cli, cli.ctx.rc);
	cli.now_fixed = v && *v;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--version")) {
			argv[i] = (char *)"version";
			break;
		}
		rc = cli_take_flag(&cli, argc, argv, &i, globals);
		if (rc < 0)
			return finish(&cli, cli.ctx.rc);
		if (rc == 0) {
			fprintf(stderr, "followup: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 1;
		}
		if (help) {
			usage(stdout);
			return finish(&cli, FU_OK);
		}
		if (db && !*db)
			return finish(&cli, fu_err(&cli.ctx, FU_EUSAGE, "--db: empty path"));
		if (db)
			cli.db_path = db;
		if (now && parse_now(&cli.ctx, "--now", now, &cli.now))
			return finish(&cli, cli.ctx.rc);
		if (now)
			cli.now_fixed = 1;
		now = NULL;
	}
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	c = find(argv[i]);
	if (!c) {
		fprintf(stderr, "followup: '%s' is not a command; see 'followup help'\n", argv[i]);
		return 1;
	}
	rc = c->run(&cli, argc - i, argv + i);
	return finish(&cli, rc);
}

/* help lives here because it walks the table. */
static int run_help(struct cli *cli, int argc, char **argv)
{
	const char *name = NULL;
	struct cli_args a = { NULL, &name, 1, 0, 0 };
	const struct cmd *c;
	int rc = cli_parse(cli, &cmd_help, argc, argv, &a);

	if (rc || a.help)
		return rc;
	if (!name) {
		usage(cli->out);
		return FU_OK;
	}
	c = find(name);
	if (!c)
		return fu_err(&cli->ctx, FU_EUSAGE, "help: no command '%s'", name);
	cli_print_help(cli->out, c);
	return FU_OK;
}

const struct cmd cmd_help = {
	"help", "explain followup or one command", "help [COMMAND]",
	"Without COMMAND, lists the commands; with it, explains that command.", run_help
};
