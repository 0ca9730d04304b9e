/* cmd-rebuild.c - followup rebuild: derive all contact state again from the event log */
#include "commands.h"

#include "derive.h"

#include "banned.h"

static int run_rebuild(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	int64_t contacts = 0, events = 0;
	int json = 0, rc;

	const struct cli_flag flags[] = { CLI_BOOL("--json", &json), { NULL, 0, NULL } };
	struct cli_args a = { flags, NULL, 0, 0, 0 };

	rc = cli_parse(cli, &cmd_rebuild, argc, argv, &a);
	if (rc || a.help)
		return rc;
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = derive_rebuild(&cli->ctx, s, &contacts, &events);
	store_close(s);
	if (rc)
		return rc;
	if (json)
		return cli_put_json(cli, json_pack("{s:I, s:I}", "contacts_with_events",
						   (json_int_t)contacts, "events",
						   (json_int_t)events));
	fprintf(cli->out, "rebuilt the state of %lld contacts from %lld events\n",
		(long long)contacts, (long long)events);
	return FU_OK;
}

const struct cmd cmd_rebuild = {
	"rebuild", "derive all contact state again from the event log", "rebuild [--json]",
	"Throws away every contact's derived state (stage counts, purchases, invoices, late\n"
	"payments, last touches) and folds it again from the event log, in one transaction.\n"
	"The result is identical to the state kept up to date by imports and appends; use it\n"
	"after an upgrade that changes how state is derived.",
	run_rebuild
};
