/* cmd-unsubscribe.c - followup unsubscribe TOKEN: what the one-click link does, by hand */
#include "commands.h"

#include "unsubscribe.h"

#include "banned.h"

static int run_unsubscribe(struct cli *cli, int argc, char **argv)
{
	struct record_result r;
	struct store *s;
	const char *pos[1] = { NULL }, *token;
	int json = 0, rc;
	const struct cli_flag flags[] = { CLI_BOOL("--json", &json), { NULL, 0, NULL } };
	struct cli_args a = { flags, pos, 1, 0, 0 };

	rc = cli_parse(cli, &cmd_unsubscribe, argc, argv, &a);
	if (rc || a.help)
		return rc;
	token = pos[0];
	if (!token)
		return cli_usage_error(cli, &cmd_unsubscribe, "give the TOKEN from the link");
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = unsubscribe_apply(&cli->ctx, s, token, cli->now, &r);
	store_close(s);
	if (rc)
		return rc;
	if (json)
		return cli_put_json(cli, json_pack("{s:s, s:b}", "contact", r.key, "recorded",
						   r.stored));
	cli_put_safe(cli->out, r.key);
	fputs(r.stored ? ": opted out (recorded)\n" : ": already opted out; nothing changed\n",
	      cli->out);
	return FU_OK;
}

const struct cmd cmd_unsubscribe = {
	"unsubscribe", "record the opt-out an unsubscribe link stands for",
	"unsubscribe TOKEN [--json]",
	"Every automated e-mail that is not transactional carries an unsubscribe link (and the\n"
	"one-click List-Unsubscribe headers) with a TOKEN signed by this database. Until the\n"
	"server serves the link, this records what following it does: an opt_out event for the\n"
	"contact's e-mail. A token that this database did not sign is refused.",
	run_unsubscribe
};
