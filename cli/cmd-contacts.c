/* cmd-contacts.c - followup contacts: list and filter contacts with their derived state */
#include "commands.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#include "banned.h"

struct listing {
	struct cli *cli;
	int stage;      /* -1 = any */
	long limit;     /* 0 = all */
	long shown, matched;
	json_t *array;  /* --json */
};

static int list_one(struct fu_ctx *ctx, void *arg, const struct contact *c,
		    const struct contact_state *st)
{
	struct listing *l = arg;
	int stage = contact_stage(st, l->cli->now);
	char money[32], last[32];
	FILE *f = l->cli->out;

	if (l->stage >= 0 && stage != l->stage)
		return FU_OK;
	l->matched++;
	if (l->limit && l->shown >= l->limit)
		return FU_OK;
	l->shown++;
	if (l->array) {
		json_t *o = cli_json_contact(c);

		if (!o)
			return fu_err(ctx, FU_ENOMEM, "out of memory listing contacts");
		json_object_set_new(o, "state", cli_json_state(st, l->cli->now));
		return json_array_append_new(l->array, o) ?
			       fu_err(ctx, FU_ENOMEM, "out of memory listing contacts") :
			       FU_OK;
	}
	amount_format(st->spend, money, sizeof(money));
	cli_fmt_time(st->last_event, last, sizeof(last));
	fprintf(f, "%-12.64s ", c->key);
	cli_put_safe(f, c->name ? c->name : "-");
	fprintf(f, "\t%s\t%s\t%lld purchases\t%s spent\tlast event %s\n", stage_name(stage),
		c->owner ? c->owner : "-", (long long)st->purchases, money, last);
	return FU_OK;
}

static int run_contacts(struct cli *cli, int argc, char **argv)
{
	struct contact_filter filt = { NULL, NULL };
	struct listing l = { cli, -1, 50, 0, 0, NULL };
	struct store *s;
	int json = 0, rc;

	const char *stage = NULL, *lim = NULL;
	const struct cli_flag flags[] = {
		CLI_BOOL("--json", &json), CLI_VALUE("--owner", &filt.owner),
		CLI_VALUE("--search", &filt.search), CLI_VALUE("--stage", &stage),
		CLI_VALUE("--limit", &lim), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, NULL, 0, 0, 0 };

	rc = cli_parse(cli, &cmd_contacts, argc, argv, &a);
	if (rc || a.help)
		return rc;
	if (stage && stage_parse(stage, &l.stage))
		return cli_usage_error(cli, &cmd_contacts,
				       "--stage: '%s' is not lead, customer, repeat or dormant", stage);
	if (lim && cli_count(cli, &cmd_contacts, "--limit", lim, 0, LONG_MAX, "a count", &l.limit))
		return cli->ctx.rc;
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	if (json) {
		l.array = json_array();
		if (!l.array) {
			store_close(s);
			return cli_put_json(cli, NULL);
		}
	}
	rc = store_contacts_list(&cli->ctx, s, &filt, list_one, &l);
	store_close(s);
	if (rc) {
		json_decref(l.array);
		return rc;
	}
	if (json)
		return cli_put_json(cli, l.array);
	if (l.matched > l.shown)
		fprintf(cli->out, "... %ld more (use --limit 0 to see all)\n", l.matched - l.shown);
	else if (l.matched == 0)
		fprintf(cli->out, "no contacts match\n");
	return FU_OK;
}

const struct cmd cmd_contacts = {
	"contacts", "list contacts, filtered by owner, stage or text",
	"contacts [--owner NAME] [--stage STAGE] [--search TEXT] [--limit N] [--json]",
	"Lists contacts ordered by key with their stage at the clock's time, owner, purchases,\n"
	"spend and last event.\n\n"
	"  --owner NAME    only this owner's contacts (--owner '' for those without one)\n"
	"  --stage STAGE   lead, customer, repeat or dormant\n"
	"  --search TEXT   key, name, e-mail or company contains TEXT (any case)\n"
	"  --limit N       show at most N (default 50; 0 shows all)\n"
	"  --json          an array of objects with the profile and the derived state",
	run_contacts
};
