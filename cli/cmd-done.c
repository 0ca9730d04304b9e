/* cmd-done.c - followup done / snooze: a follow-up's outcome, recorded as a touch event */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "outbox.h"
#include "record.h"
#include "sendconf.h"

#include "banned.h"

/* Records the outcome of follow-up `id` (record.h) and says what was recorded. */
static int record(struct cli *cli, const char *id, const char *outcome, const char *next,
		  const char *note, int json)
{
	struct record_result r;
	struct store *s;
	int rc;

	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = record_outcome(&cli->ctx, s, NULL, id, outcome, next, note, cli->now, &r);
	store_close(s);
	if (rc)
		return rc;
	if (json)
		return cli_put_json(cli, json_pack("{s:s, s:s, s:I, s:s}", "followup", id, "contact",
						   r.key, "event", (json_int_t)r.event_id, "outcome",
						   outcome));
	fprintf(cli->out, "recorded touch #%lld for ", (long long)r.event_id);
	cli_put_safe(cli->out, r.key);
	fprintf(cli->out, ": %s, %s%s%s\n", r.channel, outcome, next ? " until " : "",
		next ? next : "");
	return FU_OK;
}

/* What `done` and `snooze` take from the command line. */
struct record_args {
	const char *id, *outcome, *date, *note, *config;
	int json, send, edit;
	int help; /* --help was given (and answered) */
};

/* ---- done --send [--edit]: the personal e-mail goes out through the outbox (outbox.h) ---- */

/* The largest file an editor may give back. */
#define EDIT_MAX (64 * 1024)

/* Runs $EDITOR (default vi) on path and waits for it; FU_EINPUT when it fails. */
static int run_editor(struct cli *cli, const char *path)
{
	const char *ed = getenv("EDITOR");
	pid_t pid;
	int st;

	if (!ed || !*ed)
		ed = "vi";
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return fu_err(&cli->ctx, FU_EIO, "starting the editor: %s", strerror(errno));
	if (pid == 0) {
		/* the shell splits the editor's words ("code --wait"); the file is one argument */
		execl("/bin/sh", "sh", "-c", "exec $1 \"$2\"", "sh", ed, path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return fu_err(&cli->ctx, FU_EIO, "waiting for the editor: %s",
				      strerror(errno));
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return fu_err(&cli->ctx, FU_EINPUT,
			      "the editor '%.64s' failed: nothing sent or recorded", ed);
	return FU_OK;
}

/*
 * Reads back what the person wrote: the first line is the subject, the rest (after a blank
 * line) the text; *subject and *text point into buf (n bytes). FU_EINPUT when it is empty.
 */
static int read_edited(struct cli *cli, const char *path, char *buf, size_t n, char **subject,
		       char **text)
{
	FILE *f = fopen(path, "rb");
	size_t len, end;
	char *nl;

	if (!f)
		return fu_err(&cli->ctx, FU_EIO, "%s: %s", path, strerror(errno));
	len = fread(buf, 1, n - 1, f);
	if (!feof(f)) {
		fclose(f);
		return fu_err(&cli->ctx, FU_EINPUT, "%s: longer than %zu bytes: nothing sent", path,
			      n - 1);
	}
	fclose(f);
	buf[len] = 0;
	if (strlen(buf) != len)
		return fu_err(&cli->ctx, FU_EINPUT, "%s: a NUL byte: nothing sent", path);
	*subject = buf + strspn(buf, " \t\r\n");
	if (!**subject)
		return fu_err(&cli->ctx, FU_EINPUT,
			      "the message is empty: nothing sent or recorded");
	nl = strchr(*subject, '\n');
	*text = nl ? nl + 1 : *subject + strlen(*subject);
	if (nl)
		*nl = 0;
	if (nl && nl > *subject && nl[-1] == '\r')
		nl[-1] = 0;
	*text += strspn(*text, "\r\n"); /* the blank line after the subject */
	end = strlen(*text);
	while (end && strchr(" \t\r\n", (*text)[end - 1]))
		(*text)[--end] = 0;
	if (!**text)
		return fu_err(&cli->ctx, FU_EINPUT,
			      "the message has no text: nothing sent or recorded");
	return FU_OK;
}

/* Opens the draft in $EDITOR; *buf (malloced, the caller frees) holds the edited message. */
static int edit_draft(struct cli *cli, const struct outbox_draft *d, char **buf, char **subject,
		      char **text)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	FILE *f;
	int fd, rc;

	*buf = NULL;
	snprintf(path, sizeof(path), "%s/followup-mail-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return fu_err(&cli->ctx, FU_EIO, "%s: %s", path, strerror(errno));
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
		return fu_err(&cli->ctx, FU_EIO, "%s: %s", path, strerror(errno));
	}
	fprintf(f, "%s\n\n%s\n", d->subject, d->text);
	rc = fclose(f) ? fu_err(&cli->ctx, FU_EIO, "%s: %s", path, strerror(errno)) : FU_OK;
	if (!rc)
		rc = run_editor(cli, path);
	if (!rc) {
		*buf = malloc(EDIT_MAX + 1);
		rc = *buf ? read_edited(cli, path, *buf, EDIT_MAX + 1, subject, text) :
			    fu_err(&cli->ctx, FU_ENOMEM, "out of memory reading the message");
	}
	unlink(path);
	return rc;
}

/* Says what became of a personal e-mail; an e-mail that did not go is an error. */
static int sent_report(struct cli *cli, const struct record_args *a,
		       const struct outbox_personal_result *res)
{
	char when[40] = "";

	if (res->next_try != FU_TIME_NONE)
		cli_fmt_time(res->next_try, when, sizeof(when));
	if (a->json) {
		int rc = cli_put_json(cli, json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o}",
						   "followup", a->id, "contact", res->key,
						   "message", res->id, "state",
						   outbox_state_name(res->state), "sent",
						   res->state == OB_SENT, "to",
						   cli_json_str(res->to), "why",
						   cli_json_str(res->why[0] ? res->why : NULL),
						   "next_try", cli_json_time(res->next_try)));

		if (rc || res->state == OB_SENT)
			return rc;
	} else if (res->state == OB_SENT) {
		fprintf(cli->out, "sent %s to ", res->id);
		cli_put_safe(cli->out, res->to);
		fputs("; recorded touch for ", cli->out);
		cli_put_safe(cli->out, res->key);
		fprintf(cli->out, ": email%s%s\n", a->outcome ? ", " : "",
			a->outcome ? a->outcome : "");
		return FU_OK;
	}
	return fu_err(&cli->ctx, FU_EINPUT, "message '%s' was not sent (%s%s%s%s%s%s): no touch "
		      "recorded; see 'followup outbox'", res->id, outbox_state_name(res->state),
		      res->why[0] ? ": " : "", res->why, when[0] ? ", next try " : "", when,
		      when[0] ? " UTC" : "");
}

static int send_personal(struct cli *cli, const struct record_args *a)
{
	struct outbox_personal req;
	struct outbox_personal_result res;
	struct outbox_draft d;
	struct sendconf conf;
	struct store *s = NULL;
	char *buf = NULL, *subject = NULL, *text = NULL, lock[4096];
	int rc;

	outbox_draft_init(&d);
	rc = cli_sendconf(cli, a->config, &conf);
	if (!rc)
		rc = cli_open(cli, 0, &s);
	if (!rc && a->edit) {
		/* the draft is checked first: no editor for a message that cannot go */
		rc = outbox_personal_draft(&cli->ctx, s, NULL, &conf, a->id, cli->now, &d);
		if (!rc)
			rc = edit_draft(cli, &d, &buf, &subject, &text);
	}
	if (!rc) {
		memset(&req, 0, sizeof(req));
		req.followup_id = a->id;
		req.subject = subject;
		req.text = text;
		req.outcome = a->outcome;
		req.next = a->date;
		req.note = a->note;
		req.now = cli->now;
		outbox_lock_path(cli->db_path, lock, sizeof(lock));
		req.lock_path = lock;
		rc = outbox_send_personal(&cli->ctx, s, NULL, &conf, &req, &res);
	}
	if (!rc)
		rc = sent_report(cli, a, &res);
	free(buf);
	outbox_draft_release(&d);
	store_close(s);
	sendconf_release(&conf);
	return rc;
}

/*
 * Parses ID, --json, --note, and --outcome (when with_outcome) and the date flag date_flag
 * (--next or --until) for c. Fails with c's usage on anything else.
 */
static int parse_record(struct cli *cli, const struct cmd *c, int argc, char **argv,
			int with_outcome, const char *date_flag, struct record_args *r)
{
	const struct cli_flag flags[] = {
		CLI_BOOL("--json", &r->json), CLI_VALUE(date_flag, &r->date),
		CLI_VALUE("--note", &r->note),
		with_outcome ? (struct cli_flag)CLI_VALUE("--outcome", &r->outcome) :
			       (struct cli_flag){ NULL, 0, NULL },
		with_outcome ? (struct cli_flag)CLI_BOOL("--send", &r->send) :
			       (struct cli_flag){ NULL, 0, NULL },
		with_outcome ? (struct cli_flag)CLI_BOOL("--edit", &r->edit) :
			       (struct cli_flag){ NULL, 0, NULL },
		with_outcome ? (struct cli_flag)CLI_VALUE("--config", &r->config) :
			       (struct cli_flag){ NULL, 0, NULL },
		{ NULL, 0, NULL }
	};
	struct cli_args a = { flags, &r->id, 1, 0, 0 };
	int rc;

	memset(r, 0, sizeof(*r));
	rc = cli_parse(cli, c, argc, argv, &a);
	r->help = a.help;
	return rc;
}

static int run_done(struct cli *cli, int argc, char **argv)
{
	struct record_args a;
	int rc = parse_record(cli, &cmd_done, argc, argv, 1, "--next", &a);

	if (rc || a.help)
		return rc;
	if ((a.edit || a.config) && !a.send)
		return cli_usage_error(cli, &cmd_done, "--edit and --config go with --send");
	if (a.send) {
		if (!a.id)
			return cli_usage_error(cli, &cmd_done, "give the follow-up's ID");
		if (a.outcome && !strcmp(a.outcome, "snoozed"))
			return cli_usage_error(cli, &cmd_done, "an e-mail sent is not a snooze");
		return send_personal(cli, &a);
	}
	if (!a.id || !a.outcome)
		return cli_usage_error(cli, &cmd_done, "give the follow-up's ID and --outcome");
	if (!strcmp(a.outcome, "snoozed"))
		return cli_usage_error(cli, &cmd_done, "use 'followup snooze' to snooze");
	if (!strcmp(a.outcome, "not-yet") && !a.date)
		return cli_usage_error(cli, &cmd_done,
				       "--outcome not-yet needs --next DATE (when they asked us to "
				       "check back)");
	if (a.date && strcmp(a.outcome, "not-yet") != 0)
		return cli_usage_error(cli, &cmd_done, "--next goes with --outcome not-yet");
	return record(cli, a.id, a.outcome, a.date, a.note, a.json);
}

static int run_snooze(struct cli *cli, int argc, char **argv)
{
	struct record_args a;
	int rc = parse_record(cli, &cmd_snooze, argc, argv, 0, "--until", &a);

	if (rc || a.help)
		return rc;
	if (!a.id || !a.date)
		return cli_usage_error(cli, &cmd_snooze, "give the follow-up's ID and --until DATE");
	return record(cli, a.id, "snoozed", a.date, a.note, a.json);
}

const struct cmd cmd_done = {
	"done", "record a follow-up's outcome (a touch in the timeline)",
	"done ID --outcome reached|voicemail|no-answer|not-yet|won|no|opted-out\n"
	"                      [--next DATE] [--note TEXT] [--json]\n"
	"       followup done ID --send [--edit] [--outcome O] [--config FILE] [--json]",
	"Records how follow-up ID (from 'followup agenda') went, as a touch event in the\n"
	"contact's timeline, so a rebuild gives the same agenda. A conversation (reached,\n"
	"not-yet, won, no) answers every reason behind the follow-up; voicemail and no-answer\n"
	"keep it open and try again the next business day.\n\n"
	"  --outcome not-yet --next DATE   they asked us to check back on DATE: a check_in is\n"
	"                                  due that day, and nothing else nudges them before it\n"
	"  --outcome won                   it went well (a referral may be asked later)\n"
	"  --outcome opted-out             they want no more contact at all\n"
	"  --note TEXT                     what was said (internal; never shown to customers)\n\n"
	"  --send                          send the personal e-mail the agenda wrote (its say,\n"
	"                                  from the owner, Reply-To the owner) and record it as\n"
	"                                  the touch (no --outcome: a touch with no result).\n"
	"                                  Sent once per follow-up; refused, with nothing sent\n"
	"                                  or recorded, when they opted out, asked for no\n"
	"                                  contact, or have no usable address\n"
	"  --edit                          with --send: edit the e-mail in $EDITOR first (the\n"
	"                                  first line is the subject); an empty file sends nothing\n"
	"  --config FILE                   with --send: the send settings (as 'followup send')",
	run_done
};

const struct cmd cmd_snooze = {
	"snooze", "put a follow-up off until a date", "snooze ID --until DATE [--note TEXT] [--json]",
	"Puts follow-up ID off until DATE (recorded as a 'snoozed' touch, which does not count\n"
	"as contact with the customer).",
	run_snooze
};
