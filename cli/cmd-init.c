/* cmd-init.c - followup init: create the database file with the current schema */
#include "commands.h"

#include "banned.h"

static int run_init(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	struct cli_args a = { NULL, NULL, 0, 0, 0 };
	int version, rc;

	rc = cli_parse(cli, &cmd_init, argc, argv, &a);
	if (rc || a.help)
		return rc;
	rc = cli_open(cli, 1, &s);
	if (rc)
		return rc;
	rc = store_schema_version(&cli->ctx, s, &version);
	if (!rc)
		fprintf(cli->out, "database %s ready (schema version %d)\n", cli->db_path, version);
	store_close(s);
	return rc;
}

const struct cmd cmd_init = {
	"init", "create the database (safe to run again)", "init",
	"Creates the database file named by --db ($FOLLOWUP_DB, else ./followup.db) with an\n"
	"empty event log, or brings an older file up to the current schema. Running it on a\n"
	"database that is already current changes nothing.",
	run_init
};
