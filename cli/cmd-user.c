/* cmd-user.c - followup user add|list|passwd|remove: the team's accounts for the server */
#include "commands.h"

#include <errno.h>
#include <string.h>

#include "account.h"

#include "banned.h"

/* Reads the password: the first line of --password-file F, else of stdin. */
static int read_password(struct cli *cli, const char *file, char *out, size_t n)
{
	FILE *f = stdin;
	size_t len;

	if (file && strcmp(file, "-") != 0) {
		f = fopen(file, "r");
		if (!f)
			return fu_err(&cli->ctx, FU_EIO, "%s: %s", file, strerror(errno));
	}
	if (!fgets(out, (int)n, f))
		out[0] = '\0';
	if (f != stdin)
		fclose(f);
	len = strlen(out);
	if (len && out[len - 1] == '\n')
		out[--len] = '\0';
	if (len && out[len - 1] == '\r')
		out[--len] = '\0';
	if (!len)
		return fu_err(&cli->ctx, FU_EINPUT, "password: none given (one line on stdin or in "
						     "--password-file)");
	return FU_OK;
}

static int list_user(struct fu_ctx *ctx, void *arg, const struct store_user *u)
{
	struct cli *cli = arg;

	cli_put_safe(cli->out, u->name);
	fprintf(cli->out, "\t%s\t%lld tokens\n", u->role, (long long)u->tokens);
	return FU_OK;
}

static int run_user(struct cli *cli, int argc, char **argv)
{
	char password[ACCOUNT_PASSWORD_MAX + 2];
	const char *verb, *name, *role = NULL, *pwfile = NULL, *pos[2];
	const struct cli_flag flags[] = {
		CLI_VALUE("--role", &role), CLI_VALUE("--password-file", &pwfile), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, pos, 2, 0, 0 };
	struct store *s;
	int r = ROLE_REP, rc;

	rc = cli_parse(cli, &cmd_user, argc, argv, &a);
	if (rc || a.help)
		return rc;
	if (a.npos == 0)
		return cli_usage_error(cli, &cmd_user, "add, list, passwd or remove");
	verb = pos[0];
	name = a.npos > 1 ? pos[1] : NULL;
	if (strcmp(verb, "list") == 0 ? name != NULL : !name)
		return cli_usage_error(cli, &cmd_user, strcmp(verb, "list") == 0 ?
							       "list takes no NAME" :
							       "give the user's NAME");
	if (role && strcmp(verb, "add") != 0)
		return cli_usage_error(cli, &cmd_user, "--role goes with add");
	if (role && account_role_parse(&cli->ctx, role, &r))
		return cli->ctx.rc;
	if (!strcmp(verb, "add") || !strcmp(verb, "passwd")) {
		rc = read_password(cli, pwfile, password, sizeof(password));
		if (rc)
			return rc;
	} else if (pwfile) {
		return cli_usage_error(cli, &cmd_user, "--password-file goes with add or passwd");
	} else if (strcmp(verb, "list") != 0 && strcmp(verb, "remove") != 0) {
		return cli_usage_error(cli, &cmd_user, "'%s': use add, list, passwd or remove", verb);
	}
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	if (!strcmp(verb, "add")) {
		rc = account_user_add(&cli->ctx, s, name, r, password, cli->now);
		if (!rc)
			fprintf(cli->out, "added user %s (%s)\n", name, account_role_name(r));
	} else if (!strcmp(verb, "passwd")) {
		rc = account_user_passwd(&cli->ctx, s, name, password);
		if (!rc)
			fprintf(cli->out, "changed the password of %s\n", name);
	} else if (!strcmp(verb, "remove")) {
		rc = store_user_remove(&cli->ctx, s, name);
		if (!rc)
			fprintf(cli->out, "removed user %s and their tokens\n", name);
	} else {
		rc = store_users_list(&cli->ctx, s, list_user, cli);
	}
	store_close(s);
	memset(password, 0, sizeof(password));
	return rc;
}

const struct cmd cmd_user = {
	"user", "the team's accounts for 'followup serve' (admins and reps)",
	"user add NAME [--role admin|rep] [--password-file F] | list | passwd NAME | remove NAME",
	"Accounts for the server. A rep sees and works their own contacts (whose owner is the\n"
	"rep's NAME) and the unowned ones; an admin sees everything and manages the playbook.\n"
	"The password is read from the first line of stdin, or of --password-file F; only an\n"
	"argon2id hash of it is stored.\n\n"
	"  add NAME --role R   add a user (role rep unless given)\n"
	"  list                every user, their role and live tokens\n"
	"  passwd NAME         set a new password\n"
	"  remove NAME         remove the user and revoke their tokens",
	run_user
};
