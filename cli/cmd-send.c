/* cmd-send.c - followup send: the automated messages whose moment has come go out */
#include "commands.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "outbox.h"
#include "sendconf.h"

#include "banned.h"

/* The send settings: --config FILE, else $FOLLOWUP_SEND_CONFIG, else ~/.config/followup/send.conf. */
int cli_sendconf(struct cli *cli, const char *path, struct sendconf *conf)
{
	char home[PATH_MAX];
	const char *h;
	int required = 1;

	sendconf_init(conf);
	if (!path || !*path)
		path = getenv("FOLLOWUP_SEND_CONFIG");
	if (!path || !*path) {
		h = getenv("HOME");
		path = NULL;
		required = 0;
		if (h && *h) {
			snprintf(home, sizeof(home), "%s/.config/followup/send.conf", h);
			path = home;
		}
	}
	return sendconf_load(&cli->ctx, path, required, conf);
}

int cli_mail_open(struct cli *cli, const char *config, int json, struct cli_mail *m)
{
	int rc;

	m->s = NULL;
	m->list = NULL;
	rc = cli_sendconf(cli, config, &m->conf);
	if (!rc)
		rc = cli_open(cli, 0, &m->s);
	if (!rc && json && !(m->list = json_array()))
		rc = fu_err(&cli->ctx, FU_ENOMEM, "out of memory");
	return rc;
}

void cli_mail_close(struct cli_mail *m)
{
	json_decref(m->list);
	sendconf_release(&m->conf);
	store_close(m->s);
}

int cli_limit(struct cli *cli, const struct cmd *c, const char *v, long max, int *out)
{
	long n = 0;
	int rc;

	if (!v)
		return 0;
	rc = cli_count(cli, c, "--limit", v, 1, max, "a positive number", &n);
	if (!rc)
		*out = (int)n;
	return rc;
}

struct send_out {
	struct cli *cli;
	json_t *list; /* with --json */
};

static void report(void *arg, const struct outbox_item *it)
{
	struct send_out *o = arg;
	char when[40];

	if (o->list) {
		json_array_append_new(
			o->list,
			json_pack("{s:s, s:o, s:s, s:o, s:o, s:o}", "id", it->id, "contact",
				  cli_json_str(it->key), "state", outbox_state_name(it->state), "to",
				  cli_json_str(it->to), "why", cli_json_str(it->why), "next_try",
				  cli_json_time(it->next_try)));
		return;
	}
	fprintf(o->cli->out, "%-9s %s  ",
		it->state == OB_QUEUED && !it->why ? "ready" :
		it->state == OB_QUEUED ? "waiting" : outbox_state_name(it->state), it->id);
	cli_put_safe(o->cli->out, it->key ? it->key : "?");
	if (it->why && *it->why) {
		fputs(": ", o->cli->out);
		cli_put_safe(o->cli->out, it->why);
	}
	if (it->next_try != FU_TIME_NONE && it->state != OB_SENT) {
		cli_fmt_time(it->next_try, when, sizeof(when));
		fprintf(o->cli->out, " (next try %s UTC)", when);
	}
	fputc('\n', o->cli->out);
}

static int run_send(struct cli *cli, int argc, char **argv)
{
	struct outbox_send_opts opts;
	struct outbox_totals t;
	struct send_out out = { cli, NULL };
	struct cli_mail m;
	struct playbook pb;
	const char *config = NULL, *limit = NULL;
	char lock[4096];
	int json = 0, rc, fd = -1;
	const struct cli_flag flags[] = {
		CLI_BOOL("--json", &json), CLI_BOOL("--dry-run", &opts.dry_run),
		CLI_VALUE("--config", &config), CLI_VALUE("--limit", &limit), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, NULL, 0, 0, 0 };

	memset(&opts, 0, sizeof(opts));
	opts.now = cli->now;
	rc = cli_parse(cli, &cmd_send, argc, argv, &a);
	if (rc || a.help)
		return rc;
	rc = cli_limit(cli, &cmd_send, limit, 1000000, &opts.limit);
	if (rc)
		return rc;
	playbook_init(&pb);
	outbox_lock_path(cli->db_path, lock, sizeof(lock));
	rc = cli_mail_open(cli, config, json, &m);
	out.list = m.list;
	if (!rc && !opts.dry_run)
		rc = outbox_lock(&cli->ctx, lock, &fd);
	if (!rc)
		rc = agenda_playbook(&cli->ctx, m.s, &pb);
	if (!rc)
		rc = outbox_send(&cli->ctx, m.s, &pb, &m.conf, &opts, report, &out, &t);
	outbox_unlock(fd);
	if (!rc && json) {
		rc = cli_put_json(cli, json_pack("{s:b, s:O, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}}",
						 "dry_run", opts.dry_run, "messages", m.list,
						 "totals", "sent", t.sent, "ready", t.ready,
						 "deferred", t.deferred, "bounced", t.bounced,
						 "failed", t.failed, "uncertain", t.uncertain,
						 "dropped", t.dropped, "waiting", t.waiting));
	} else if (!rc) {
		if (opts.dry_run)
			fprintf(cli->out, "dry run: %d would go now, %d wait, %d would be dropped\n",
				t.ready, t.waiting, t.dropped);
		else
			fprintf(cli->out,
				"%d sent, %d deferred, %d bounced, %d failed, %d uncertain, %d dropped, "
				"%d waiting\n",
				t.sent, t.deferred, t.bounced, t.failed, t.uncertain, t.dropped, t.waiting);
	}
	playbook_release(&pb);
	cli_mail_close(&m);
	return rc;
}

const struct cmd cmd_send = {
	"send", "send the automated messages whose moment has come",
	"send [--dry-run] [--limit N] [--config FILE] [--json]",
	"Sends, in one pass, every automated message of the agenda whose moment has come and\n"
	"every deferred one whose next try has come, by e-mail over SMTP. Each is checked again\n"
	"first (consent, a bounced address, quiet hours and business days in the contact's zone,\n"
	"the weekly pressure budget), put on the record before the server hears of it, and its\n"
	"outcome recorded in the contact's timeline (a `message` event). A message is never sent\n"
	"twice: one that may have gone when something broke is `uncertain` (see 'followup\n"
	"outbox'). Run it from cron every few minutes.\n\n"
	"  --dry-run       list what would go now and what waits; send and record nothing\n"
	"  --limit N       at most N messages in this pass\n"
	"  --config FILE   the send settings (default $FOLLOWUP_SEND_CONFIG, else\n"
	"                  ~/.config/followup/send.conf); $FOLLOWUP_SMTP_URL and the other\n"
	"                  variables in README.md override it",
	run_send
};
