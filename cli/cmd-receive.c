/* cmd-receive.c - followup receive: replies and bounces from one IMAP mailbox into the timelines */
#include "commands.h"

#include <string.h>

#include "receive.h"
#include "sendconf.h"

#include "banned.h"

struct receive_out {
	struct cli *cli;
	json_t *list; /* with --json */
};

static void report(void *arg, const struct receive_item *it)
{
	struct receive_out *o = arg;

	if (o->list) {
		json_array_append_new(
			o->list,
			json_pack("{s:I, s:s, s:o, s:o, s:o, s:s, s:b}", "uid", (json_int_t)it->uid,
				  "verdict", receive_verdict_name(it->verdict), "contact",
				  cli_json_str(it->contact[0] ? it->contact : NULL), "from",
				  cli_json_str(it->from[0] ? it->from : NULL), "subject",
				  cli_json_str(it->subject[0] ? it->subject : NULL), "why", it->why,
				  "cut", it->cut));
		return;
	}
	fprintf(o->cli->out, "%-9s uid %lu  ", receive_verdict_name(it->verdict),
		(unsigned long)it->uid);
	cli_put_safe(o->cli->out, it->contact[0] ? it->contact : "-");
	if (it->from[0]) {
		fputs(" <", o->cli->out);
		cli_put_safe(o->cli->out, it->from);
		fputc('>', o->cli->out);
	}
	if (it->subject[0]) {
		fputs("  \"", o->cli->out);
		cli_put_safe(o->cli->out, it->subject);
		fputc('"', o->cli->out);
	}
	fputs(": ", o->cli->out);
	cli_put_safe(o->cli->out, it->why);
	if (it->cut)
		fputs(" (cut to the size limits)", o->cli->out);
	fputc('\n', o->cli->out);
}

static int run_receive(struct cli *cli, int argc, char **argv)
{
	struct receive_opts opts;
	struct receive_totals t;
	struct receive_out out = { cli, NULL };
	struct cli_mail m;
	const char *config = NULL, *limit = NULL;
	int json = 0, rc;
	const struct cli_flag flags[] = {
		CLI_BOOL("--json", &json), CLI_BOOL("--dry-run", &opts.dry_run),
		CLI_VALUE("--config", &config), CLI_VALUE("--limit", &limit), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, NULL, 0, 0, 0 };

	memset(&opts, 0, sizeof(opts));
	opts.now = cli->now;
	rc = cli_parse(cli, &cmd_receive, argc, argv, &a);
	if (rc || a.help)
		return rc;
	rc = cli_limit(cli, &cmd_receive, limit, 100000, &opts.limit);
	if (rc)
		return rc;
	rc = cli_mail_open(cli, config, json, &m);
	out.list = m.list;
	if (!rc)
		rc = receive_pass(&cli->ctx, m.s, &m.conf, &opts, report, &out, &t);
	if (!rc && json) {
		json_t *c = cli_json_counts(receive_verdict_name, t.count, RV__COUNT);

		rc = cli_put_json(cli, json_pack("{s:b, s:O, s:o, s:i, s:b, s:I, s:I, s:b}",
						 "dry_run", opts.dry_run, "messages", m.list,
						 "totals", c, "read", t.messages, "more", t.more,
						 "uidvalidity", (json_int_t)t.validity, "last_uid",
						 (json_int_t)t.last_uid, "reset", t.reset));
	} else if (!rc) {
		fprintf(cli->out,
			"%s%d read: %d replies, %d automatic, %d bounces, %d notices, "
			"%d unknown (left alone), %d ours, %d already recorded, %d gone%s\n",
			opts.dry_run ? "dry run: " : "", t.messages, t.count[RV_REPLY],
			t.count[RV_AUTOMATIC], t.count[RV_BOUNCE], t.count[RV_NOTICE],
			t.count[RV_UNKNOWN], t.count[RV_OURS], t.count[RV_ALREADY], t.count[RV_GONE],
			t.more ? "; more wait for the next pass" : "");
		if (t.reset)
			fputs("the mailbox's UIDVALIDITY changed: it was read again from the start\n",
			      cli->out);
	}
	cli_mail_close(&m);
	return rc;
}

const struct cmd cmd_receive = {
	"receive", "read replies and bounces from the IMAP mailbox into the timelines",
	"receive [--dry-run] [--limit N] [--config FILE] [--json]",
	"Reads every new message of one IMAP mailbox (imap_url in the send settings) and\n"
	"records what it says. A message that answers one of our messages (In-Reply-To or\n"
	"References) or comes from a contact's address is a `reply` of that contact, with their\n"
	"own words (quoted history trimmed), and someone answers it; an automatic answer\n"
	"(out of office, Auto-Submitted) is kept as a reply marked automatic, which asks for\n"
	"nothing; a delivery failure report is a `bounce` of the address and of the message it\n"
	"names. Anything else is left alone and counted. Messages stay in the mailbox, unread\n"
	"as they were; each is handled once. Run it from cron every few minutes.\n\n"
	"  --dry-run       say what each new message is; record and remember nothing\n"
	"  --limit N       at most N messages in this pass (default 500)\n"
	"  --config FILE   the send settings (default $FOLLOWUP_SEND_CONFIG, else\n"
	"                  ~/.config/followup/send.conf); $FOLLOWUP_IMAP_URL, $FOLLOWUP_IMAP_USER,\n"
	"                  $FOLLOWUP_IMAP_PASSWORD and $FOLLOWUP_IMAP_TLS override it",
	run_receive
};
