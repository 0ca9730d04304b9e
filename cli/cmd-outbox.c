/* cmd-outbox.c - followup outbox: every automated message and what became of it */
#include "commands.h"

#include <string.h>

#include "agenda.h"
#include "jview.h"
#include "outbox.h"

#include "banned.h"

static void item_print(struct cli *cli, const struct outbox_item *it)
{
	char when[40];

	fprintf(cli->out, "%-9s %s  ", outbox_state_name(it->state), it->id);
	cli_put_safe(cli->out, it->key ? it->key : "?");
	if (it->to) {
		fputs(" <", cli->out);
		cli_put_safe(cli->out, it->to);
		fputc('>', cli->out);
	}
	if (it->subject) {
		fputs("  \"", cli->out);
		cli_put_safe(cli->out, it->subject);
		fputc('"', cli->out);
	}
	if (it->tries)
		fprintf(cli->out, "  tries %d", it->tries);
	if (it->next_try != FU_TIME_NONE && it->state == OB_DEFERRED) {
		cli_fmt_time(it->next_try, when, sizeof(when));
		fprintf(cli->out, "  next try %s UTC", when);
	}
	if (it->why && *it->why && it->state != OB_SENT) {
		fputs("\n          ", cli->out);
		cli_put_safe(cli->out, it->why);
	}
	fputc('\n', cli->out);
}

static int run_list(struct cli *cli, struct store *s, int json, int all)
{
	struct playbook pb;
	struct outbox o;
	char lock[4096];
	int rc, counts[OB__COUNT] = { 0 };

	playbook_init(&pb);
	outbox_lock_path(cli->db_path, lock, sizeof(lock));
	rc = agenda_playbook(&cli->ctx, s, &pb);
	if (!rc)
		rc = outbox_list(&cli->ctx, s, &pb, cli->now, lock, 1, &o);
	playbook_release(&pb);
	if (rc)
		return rc;
	if (json) {
		json_t *a = json_array();

		for (int i = 0; a && i < o.n; i++)
			json_array_append_new(a, jview_outbox_item(&o.v[i]));
		rc = cli_put_json(cli, a);
	} else {
		for (int i = 0; i < o.n; i++) {
			counts[o.v[i].state]++;
			if (all || o.v[i].state != OB_SENT)
				item_print(cli, &o.v[i]);
		}
		fputs("outbox:", cli->out);
		for (int k = 0; k < OB__COUNT; k++)
			fprintf(cli->out, " %d %s%s", counts[k], outbox_state_name(k),
				k + 1 < OB__COUNT ? "," : "\n");
	}
	outbox_release(&o);
	return rc;
}

static int run_outbox(struct cli *cli, int argc, char **argv)
{
	const char *pos[2] = { NULL, NULL }, *verb, *id;
	struct store *s;
	char lock[4096];
	int json = 0, all = 0, rc;
	const struct cli_flag flags[] = {
		CLI_BOOL("--json", &json), CLI_BOOL("--all", &all), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, pos, 2, 0, 0 };

	rc = cli_parse(cli, &cmd_outbox, argc, argv, &a);
	if (rc || a.help)
		return rc;
	verb = pos[0];
	id = pos[1];
	if (verb && strcmp(verb, "resend") && strcmp(verb, "drop"))
		return cli_usage_error(cli, &cmd_outbox, "'%s': expected resend or drop", verb);
	if (verb && !id)
		return cli_usage_error(cli, &cmd_outbox, "%s: give the message's ID", verb);
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	if (!verb) {
		rc = run_list(cli, s, json, all);
		store_close(s);
		return rc;
	}
	outbox_lock_path(cli->db_path, lock, sizeof(lock));
	if (!strcmp(verb, "resend"))
		rc = outbox_resend(&cli->ctx, s, id, cli->now, lock);
	else
		rc = outbox_drop(&cli->ctx, s, id, cli->now, lock);
	store_close(s);
	if (rc)
		return rc;
	if (json)
		return cli_put_json(cli, json_pack("{s:s, s:s}", "id", id, "done", verb));
	fprintf(cli->out, "%s: %s\n", id,
		!strcmp(verb, "resend") ? "goes again with the next 'followup send'" : "dropped");
	return FU_OK;
}

const struct cmd cmd_outbox = {
	"outbox", "the automated messages and what became of them",
	"outbox [--all] [--json] | outbox resend ID | outbox drop ID",
	"Lists every message the outbox has taken and the automated messages due now:\n"
	"  queued     due now, or asked for again: goes with the next 'followup send'\n"
	"  sending    a sender is handing it to the server right now\n"
	"  sent       the server took it (listed with --all)\n"
	"  deferred   a temporary failure; tried again after 5 minutes, doubling, for 3 days\n"
	"  bounced    the address refused it for good: no more e-mail goes there\n"
	"  failed     refused for another reason, or temporary failures for 3 days\n"
	"  uncertain  the sender stopped while the message may have gone: never sent again\n"
	"             on its own; check, then resend or drop it\n"
	"  dropped    a person decided it will not go, or consent was withdrawn first\n\n"
	"  resend ID  an uncertain, failed, deferred or dropped message goes again\n"
	"  drop ID    a message will not go",
	run_outbox
};
