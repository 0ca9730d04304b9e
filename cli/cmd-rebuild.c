/* cmd-rebuild.c - followup rebuild: derive all contact state again from the event log */
#include "cli.h"

#include "derive.h"

#include "banned.h"

static int run_rebuild(struct cli *cli, int argc, char **argv)
{
	struct store *s;
	int64_t contacts = 0, events = 0;
	int json = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (cli_help_flag(cli, &cmd_rebuild, argv[i]))
			return FU_OK;
		if (cli_flag(argv, i, "--json"))
			json = 1;
		else
			return cli_usage_error(cli, &cmd_rebuild, "unexpected argument '%s'",
					       argv[i]);
	}
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	store_bulk_mode(s, 1);
	rc = store_begin(&cli->ctx, s);
	if (!rc) {
		rc = derive_all(&cli->ctx, s, &contacts, &events);
		if (!rc)
			rc = store_commit(&cli->ctx, s);
		if (rc)
			store_rollback(s);
	}
	store_bulk_mode(s, 0);
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
