/* cmd-version.c - followup version: program, schema and library versions */
#include "commands.h"

#include <sqlite3.h>

#include "banned.h"

#define FOLLOWUP_VERSION "0.1.0"

static int run_version(struct cli *cli, int argc, char **argv)
{
	int json = 0;

	const struct cli_flag flags[] = { CLI_BOOL("--json", &json), { NULL, 0, NULL } };
	struct cli_args a = { flags, NULL, 0, 0, 0 };
	int rc = cli_parse(cli, &cmd_version, argc, argv, &a);

	if (rc || a.help)
		return rc;
	if (json)
		return cli_put_json(cli, json_pack("{s:s, s:i, s:s, s:s}", "version",
						   FOLLOWUP_VERSION, "schema",
						   STORE_SCHEMA_VERSION, "sqlite",
						   sqlite3_libversion(), "jansson",
						   JANSSON_VERSION));
	fprintf(cli->out, "followup %s (schema %d, sqlite %s, jansson %s)\n", FOLLOWUP_VERSION,
		STORE_SCHEMA_VERSION, sqlite3_libversion(), JANSSON_VERSION);
	return FU_OK;
}

const struct cmd cmd_version = {
	"version", "print the version", "version [--json]",
	"Prints followup's version, its database schema version and the versions of the\n"
	"libraries it runs on.",
	run_version
};
