/* cmd-backup.c - followup backup FILE: a consistent copy of the database, safe while the server runs */
#include "commands.h"

#include <sys/stat.h>

#include "banned.h"

static int run_backup(struct cli *cli, int argc, char **argv)
{
	const char *pos[1];
	const struct cli_flag flags[] = { { NULL, 0, NULL } };
	struct cli_args a = { flags, pos, 1, 0, 0 };
	struct store *s;
	struct stat sb;
	int rc;

	rc = cli_parse(cli, &cmd_backup, argc, argv, &a);
	if (rc || a.help)
		return rc;
	if (a.npos != 1)
		return cli_usage_error(cli, &cmd_backup, "give the FILE to write");
	if (stat(pos[0], &sb) == 0)
		return fu_err(&cli->ctx, FU_EINPUT, "%s: already exists; give a new file", pos[0]);
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = store_backup(&cli->ctx, s, pos[0]);
	store_close(s);
	if (!rc)
		fprintf(cli->out, "copied %s to %s\n", cli->db_path, pos[0]);
	return rc;
}

const struct cmd cmd_backup = {
	"backup", "copy the database consistently, even while the server writes to it",
	"backup FILE",
	"Writes a consistent copy of the database to FILE (a new file) with SQLite's online\n"
	"backup, page by page, so the server and other commands can keep writing meanwhile.\n"
	"To restore, stop the server and copy FILE over the database (see README.md).",
	run_backup
};
