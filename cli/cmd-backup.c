/* cmd-backup.c - followup backup FILE: a consistent copy of the database, safe while the server runs */
#include "cli.h"

#include <sys/stat.h>

#include "banned.h"

static int run_backup(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	struct stat sb;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (cli_help_flag(cli, &cmd_backup, argv[i]))
			return FU_OK;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage_error(cli, &cmd_backup, "give the FILE to write");
	if (stat(argv[1], &sb) == 0)
		return fu_err(&cli->ctx, FU_EINPUT, "%s: already exists; give a new file", argv[1]);
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = store_backup(&cli->ctx, s, argv[1]);
	store_close(s);
	if (!rc)
		fprintf(cli->out, "copied %s to %s\n", cli->db_path, argv[1]);
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
