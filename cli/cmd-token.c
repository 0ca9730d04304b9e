/* cmd-token.c - followup token add|list|revoke: API and calendar tokens for the server */
#include "commands.h"

#include <stdlib.h>
#include <string.h>

#include "account.h"

#include "banned.h"

static int list_token(struct fu_ctx *ctx, void *arg, const struct store_token *t)
{
	struct cli *cli = arg;
	char when[32];

	cli_fmt_time(t->created_at, when, sizeof(when));
	fprintf(cli->out, "#%lld\t", (long long)t->id);
	cli_put_safe(cli->out, t->user);
	fprintf(cli->out, "\t%s%s\tmade %s%s\n", t->kind, t->read_only ? " read-only" : "", when,
		t->revoked_at != FU_TIME_NONE ? "\trevoked" : "");
	return FU_OK;
}

static int run_token(struct cli *cli, int argc, char **argv)
{
	char secret[ACCOUNT_TOKEN_LEN + 1];
	const char *verb, *user = NULL, *idtext, *pos[2];
	int read_only = 0, calendar = 0, rc;
	const struct cli_flag flags[] = {
		CLI_BOOL("--read-only", &read_only), CLI_BOOL("--calendar", &calendar),
		CLI_VALUE("--user", &user), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, pos, 2, 0, 0 };
	struct store *s;
	int64_t id = 0;

	rc = cli_parse(cli, &cmd_token, argc, argv, &a);
	if (rc || a.help)
		return rc;
	if (a.npos == 0)
		return cli_usage_error(cli, &cmd_token, "add, list or revoke");
	verb = pos[0];
	idtext = a.npos > 1 ? pos[1] : NULL;
	if (!strcmp(verb, "add")) {
		if (!user || idtext)
			return cli_usage_error(cli, &cmd_token, "add needs --user NAME only");
		if (calendar && read_only)
			return cli_usage_error(cli, &cmd_token, "a calendar token is read-only already");
	} else if (!strcmp(verb, "revoke")) {
		char *end;

		if (!idtext || user || read_only || calendar)
			return cli_usage_error(cli, &cmd_token, "revoke needs the token's ID");
		id = strtoll(idtext[0] == '#' ? idtext + 1 : idtext, &end, 10);
		if (*end || id <= 0)
			return cli_usage_error(cli, &cmd_token, "'%s' is not a token id", idtext);
	} else if (!strcmp(verb, "list")) {
		if (idtext || read_only || calendar)
			return cli_usage_error(cli, &cmd_token, "list takes only --user NAME");
	} else {
		return cli_usage_error(cli, &cmd_token, "'%s': use add, list or revoke", verb);
	}
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	if (!strcmp(verb, "add")) {
		rc = account_token_add(&cli->ctx, s, user, calendar ? TOKEN_CALENDAR : TOKEN_API,
				       read_only, cli->now, secret, NULL, &id);
		if (!rc) {
			fprintf(cli->out, "%s\n", secret);
			fprintf(stderr, "token #%lld for %s%s; it is shown this once, keep it now\n",
				(long long)id, user, calendar ? " (calendar feed: /cal/TOKEN.ics)" :
					     read_only ? " (read-only)" : "");
		}
		memset(secret, 0, sizeof(secret));
	} else if (!strcmp(verb, "revoke")) {
		rc = store_token_revoke(&cli->ctx, s, id, cli->now);
		if (!rc)
			fprintf(cli->out, "revoked token #%lld\n", (long long)id);
	} else {
		rc = store_tokens_list(&cli->ctx, s, user, list_token, cli);
	}
	store_close(s);
	return rc;
}

const struct cmd cmd_token = {
	"token", "API and calendar tokens for 'followup serve'",
	"token add --user NAME [--read-only | --calendar] | list [--user NAME] | revoke ID",
	"A token lets a program call the server's API as a user (header 'Authorization: Bearer\n"
	"TOKEN'). It is printed once on stdout; only a hash of it is stored.\n\n"
	"  add --user NAME     a new token for NAME\n"
	"    --read-only       it may only read (every write answers 403)\n"
	"    --calendar        a calendar feed token instead: /cal/TOKEN.ics lists NAME's\n"
	"                      open follow-ups, and it opens nothing else\n"
	"  list                every token by id (never the secret), revoked ones marked\n"
	"  revoke ID           the token stops working at once",
	run_token
};
