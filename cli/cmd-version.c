/* cmd-version.c - followup version: program, schema and library versions */
#include "cli.h"

#include <sqlite3.h>

#include "banned.h"

#define FOLLOWUP_VERSION "0.1.0"

static int run_version(struct cli *cli, int argc, char **argv)
{
	int json = 0;

	for (int i = 1; i < argc; i++) {
		if (cli_help_flag(cli, &cmd_version, argv[i]))
			return FU_OK;
		if (cli_flag(argv, i, "--json"))
			json = 1;
		else
			return cli_usage_error(cli, &cmd_version, "unexpected argument '%s'",
					       argv[i]);
	}
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
