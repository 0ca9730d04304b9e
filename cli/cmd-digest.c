/* cmd-digest.c - followup digest: each owner's morning e-mail of their day, once per local day */
#include "commands.h"

#include <string.h>

#include "digest.h"
#include "sendconf.h"

#include "banned.h"

struct digest_out {
	struct cli *cli;
	int dry_run;
	json_t *list; /* with --json */
};

static void report(void *arg, const struct digest_item *it)
{
	struct digest_out *o = arg;
	char at[40];

	if (o->list) {
		json_array_append_new(
			o->list,
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:o, s:o}", "owner",
				  it->owner, "to", it->to, "day", it->day, "zone", it->zone, "state",
				  digest_state_name(it->state), "followups", it->followups,
				  "automated", it->automated, "at",
				  cli_json_time(it->state == DG_WAITING ? it->at : FU_TIME_NONE), "why",
				  cli_json_str(it->why[0] ? it->why : NULL), "text",
				  cli_json_str(o->dry_run ? it->text : NULL)));
		return;
	}
	fprintf(o->cli->out, "%-9s ", digest_state_name(it->state));
	cli_put_safe(o->cli->out, it->owner);
	fputs(" <", o->cli->out);
	cli_put_safe(o->cli->out, it->to);
	fprintf(o->cli->out, "> %s", it->day);
	if (it->state == DG_WAITING) {
		cli_fmt_time(it->at, at, sizeof(at));
		fprintf(o->cli->out, ": at %s UTC", at);
	} else if (it->state == DG_SENT || it->state == DG_READY) {
		fprintf(o->cli->out, ": %d follow-ups", it->followups);
	}
	if (it->why[0]) {
		fputs(": ", o->cli->out);
		cli_put_safe(o->cli->out, it->why);
	}
	fputc('\n', o->cli->out);
	if (o->dry_run && it->text) {
		fputs("    ", o->cli->out);
		cli_put_text(o->cli->out, it->text, "    ");
		fputc('\n', o->cli->out);
	}
}

static int run_digest(struct cli *cli, int argc, char **argv)
{
	struct digest_opts opts;
	struct digest_totals t;
	struct digest_out out = { cli, 0, NULL };
	struct cli_mail m;
	const char *config = NULL;
	int json = 0, rc;
	const struct cli_flag flags[] = {
		CLI_BOOL("--json", &json), CLI_BOOL("--dry-run", &opts.dry_run),
		CLI_VALUE("--owner", &opts.owner), CLI_VALUE("--config", &config), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, NULL, 0, 0, 0 };

	memset(&opts, 0, sizeof(opts));
	opts.now = cli->now;
	rc = cli_parse(cli, &cmd_digest, argc, argv, &a);
	if (rc || a.help)
		return rc;
	out.dry_run = opts.dry_run;
	rc = cli_mail_open(cli, config, json, &m);
	out.list = m.list;
	if (!rc)
		rc = digest_pass(&cli->ctx, m.s, &m.conf, &opts, report, &out, &t);
	if (!rc && json) {
		json_t *c = cli_json_counts(digest_state_name, t.count, DG__COUNT);

		rc = cli_put_json(cli, json_pack("{s:b, s:b, s:i, s:O, s:o}", "dry_run",
						 opts.dry_run, "configured", t.configured,
						 "owners", t.owners, "digests", m.list, "totals", c));
	} else if (!rc && !t.configured) {
		fputs("no digest: the playbook in effect has none (add digest: {at: \"08:00\"})\n",
		      cli->out);
	} else if (!rc) {
		fprintf(cli->out, "%s%d owners: %d sent, %d ready, %d waiting, %d done today, "
			"%d deferred, %d failed, %d uncertain\n", opts.dry_run ? "dry run: " : "",
			t.owners, t.count[DG_SENT], t.count[DG_READY], t.count[DG_WAITING],
			t.count[DG_DONE], t.count[DG_DEFERRED], t.count[DG_FAILED],
			t.count[DG_UNCERTAIN]);
	}
	cli_mail_close(&m);
	return rc;
}

const struct cmd cmd_digest = {
	"digest", "send each owner the morning e-mail of their day",
	"digest [--dry-run] [--owner NAME] [--config FILE] [--json]",
	"Sends each owner's digest whose moment has come: their agenda of the day as text (with\n"
	"links to the web app when app_url is set), at the playbook's digest.at in the owner's\n"
	"zone, to their address in the send settings (owner.NAME = address). Each owner gets at\n"
	"most one a local day, whatever the number of runs: run it from cron every few minutes.\n\n"
	"  --dry-run       say whose digest would go now, with its text; send and record nothing\n"
	"  --owner NAME    only this owner's\n"
	"  --config FILE   the send settings (default $FOLLOWUP_SEND_CONFIG, else\n"
	"                  ~/.config/followup/send.conf)",
	run_digest
};
