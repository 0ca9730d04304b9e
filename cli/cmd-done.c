/* cmd-done.c - followup done / snooze: a follow-up's outcome, recorded as a touch event */
#include "commands.h"

#include <string.h>

#include "record.h"

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
	const char *id, *outcome, *date, *note;
	int json;
	int help; /* --help was given (and answered) */
};

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
	"                      [--next DATE] [--note TEXT] [--json]",
	"Records how follow-up ID (from 'followup agenda') went, as a touch event in the\n"
	"contact's timeline, so a rebuild gives the same agenda. A conversation (reached,\n"
	"not-yet, won, no) answers every reason behind the follow-up; voicemail and no-answer\n"
	"keep it open and try again the next business day.\n\n"
	"  --outcome not-yet --next DATE   they asked us to check back on DATE: a check_in is\n"
	"                                  due that day, and nothing else nudges them before it\n"
	"  --outcome won                   it went well (a referral may be asked later)\n"
	"  --outcome opted-out             they want no more contact at all\n"
	"  --note TEXT                     what was said (internal; never shown to customers)",
	run_done
};

const struct cmd cmd_snooze = {
	"snooze", "put a follow-up off until a date", "snooze ID --until DATE [--note TEXT] [--json]",
	"Puts follow-up ID off until DATE (recorded as a 'snoozed' touch, which does not count\n"
	"as contact with the customer).",
	run_snooze
};
