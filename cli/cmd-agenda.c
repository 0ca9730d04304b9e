/* cmd-agenda.c - followup agenda: who to follow up with today, why, when, how and what to say */
#include "commands.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "datetime.h"
#include "jview.h"
#include "tz.h"

#include "banned.h"

json_t *cli_followup_json(const struct followup *f)
{
	return jview_followup(f);
}

static void print_local(FILE *out, int64_t t, const char *zone)
{
	struct tz_cache *zones = tz_cache_new();
	const struct tz *z;
	struct fu_ctx tmp;
	struct civil cv;

	fu_ctx_init(&tmp);
	if (zones && zone && tz_cache_get(&tmp, zones, zone, &z) == FU_OK) {
		tz_to_local(z, t, &cv);
		fprintf(out, " (%02d:%02d %s, their time)", cv.hour, cv.min, tz_abbr_at(z, t));
	}
	tz_cache_free(zones);
}

/* Reasons due after this are open but not for today's conversation: listed as "later". */
static int64_t later_than(const struct cli *cli, const struct followup *f)
{
	return (f->due > cli->now ? f->due : cli->now) + 2 * 86400;
}

void cli_followup_print(struct cli *cli, const struct followup *f, int n)
{
	FILE *out = cli->out;
	char when[32];

	fprintf(out, "%d. [%d] %s%s%s%s ", n, f->priority, f->overdue ? "OVERDUE " : "",
		f->escalated ? "ESCALATED " : "",
		f->do_not_contact ? "DO-NOT-CONTACT (they wrote to us; answer only what they ask) " : "",
		f->automated ? "automated" : "");
	if (!f->automated)
		fputs(channel_name(f->channel), out);
	fputs("  ", out);
	cli_put_safe(out, f->name ? f->name : f->key);
	fputs(" (", out);
	cli_put_safe(out, f->key);
	fputs(")", out);
	if (f->owner) {
		fputs(", owner ", out);
		cli_put_safe(out, f->owner);
	}
	fputc('\n', out);
	if (f->phone || f->email) {
		fputs("   reach: ", out);
		cli_put_safe(out, f->phone ? f->phone : "");
		fputs(f->phone && f->email ? ", " : "", out);
		cli_put_safe(out, f->email ? f->email : "");
		fputc('\n', out);
	}
	cli_fmt_time(f->due, when, sizeof(when));
	fprintf(out, "   due:   %s UTC", when);
	print_local(out, f->due, f->tz);
	fputc('\n', out);
	for (int i = 0; i < f->nreasons; i++) {
		const struct reason *r = &f->reasons[i];
		int seen = 0;

		/* two rules of one trigger (a call and an auto-reply) share their reason */
		for (int k = 0; k < i; k++)
			seen |= f->reasons[k].trigger == r->trigger && !strcmp(f->reasons[k].why, r->why);
		if (seen)
			continue;
		fprintf(out, "   why:   %s: ", trigger_name(r->trigger));
		cli_put_safe(out, r->why);
		if (r->due > later_than(cli, f)) {
			/* open, but its own moment is later: shown so nothing surprises the caller */
			cli_fmt_time(r->due, when, sizeof(when));
			fprintf(out, " (later: due %.10s)", when);
		}
		fputs(" [event", out);
		fputs(r->nevents == 1 ? "" : "s", out);
		for (int k = 0; k < r->nevents; k++)
			fprintf(out, "%s#%lld", k ? ", " : " ", (long long)r->events[k]);
		fputs("]\n", out);
	}
	for (int i = 0, said = 0; i < f->nreasons; i++) {
		const struct reason *r = &f->reasons[i];

		if (r->due > later_than(cli, f))
			continue;
		fprintf(out, "   %s (%s%s):\n          ", said++ ? "then" : "say", channel_name(r->channel),
			!channel_is_personal(r->channel) ? ", goes out by itself" : "");
		cli_put_text(out, r->say, "          ");
		fputc('\n', out);
	}
	fprintf(out, "   done:  followup done %s --outcome reached|voicemail|no-answer|not-yet|won|no\n\n",
		f->id);
}

/* Writes the JSON text of o with every line after the first indented by `ind`. */
static int put_indented(struct cli *cli, json_t *o, const char *ind)
{
	FILE *out = cli->out;
	char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_ENCODE_ANY |
					    JSON_REAL_PRECISION(15)) : NULL;

	json_decref(o);
	if (!text)
		return fu_err(&cli->ctx, FU_ENOMEM, "out of memory building JSON output");
	/* ASCII JSON text has no newline inside a string */
	for (const char *p = text, *nl; *p; p = nl) {
		nl = strchr(p, '\n');
		nl = nl ? nl + 1 : p + strlen(p);
		fputs(ind, out);
		fwrite(p, 1, (size_t)(nl - p), out);
	}
	free(text);
	return FU_OK;
}

/*
 * Writes the agenda as cli_put_json would write an array of cli_followup_json objects,
 * one entry at a time, so that a large agenda never exists twice in memory. With
 * with_errors, an object instead: {"followups": [...], "errors": [{contact, error}, ...]}.
 */
static int put_agenda_json(struct cli *cli, const struct agenda *a, int with_errors)
{
	FILE *out = cli->out;
	const char *ind = with_errors ? "    " : "  ";
	int rc = FU_OK;

	if (with_errors)
		fputs("{\n  \"followups\": ", out);
	fputs(a->n ? "[\n" : "[]", out);
	for (int i = 0; i < a->n && !rc; i++) {
		rc = put_indented(cli, cli_followup_json(&a->v[i]), ind);
		fprintf(out, i + 1 < a->n ? ",\n" : "\n%s]", ind + 2);
	}
	if (with_errors) {
		fputs(",\n  \"errors\": ", out);
		fputs(a->nerrors ? "[\n" : "[]", out);
		for (int i = 0; i < a->nerrors && !rc; i++) {
			json_t *o = json_object();

			if (o) {
				json_object_set_new(o, "contact", json_string(a->errors[i].key));
				json_object_set_new(o, "error", json_string(a->errors[i].msg));
			}
			rc = put_indented(cli, o, ind);
			fputs(i + 1 < a->nerrors ? ",\n" : "\n  ]", out);
		}
		fputs(",\n  \"skipped_rules\": ", out);
		fputs(a->nskipped ? "[\n" : "[]", out);
		for (int i = 0; i < a->nskipped && !rc; i++) {
			rc = put_indented(cli, json_string(a->skipped[i]), ind);
			fputs(i + 1 < a->nskipped ? ",\n" : "\n  ]", out);
		}
		fputs("\n}", out);
	}
	fputc('\n', out);
	if (!rc && ferror(out))
		return fu_err(&cli->ctx, FU_EIO, "writing JSON output failed");
	return rc;
}

/* The stored playbook's rules left out because they no longer pass the check, on f. */
static void put_skipped_rules(FILE *f, const char *lead, const struct agenda *a)
{
	for (int i = 0; i < a->nskipped; i++) {
		fputs(lead, f);
		cli_put_safe(f, a->skipped[i]);
		fputc('\n', f);
	}
}

/* The first ten contacts the engine could not evaluate, each with what failed, on f. */
static void put_agenda_errors(FILE *f, const char *lead, const struct agenda *a)
{
	for (int i = 0; i < a->nerrors; i++) {
		if (i == 10) {
			fprintf(f, "%s... and %d more (agenda --json --with-errors lists them all)\n",
				lead, a->nerrors - i);
			break;
		}
		fputs(lead, f);
		cli_put_safe(f, a->errors[i].key);
		fputs(": ", f);
		cli_put_safe(f, a->errors[i].msg);
		fputc('\n', f);
	}
}

static int run_agenda(struct cli *cli, int argc, char **argv)
{
	struct agenda_opts o = { .now = cli->now };
	struct agenda a;
	struct store *s;
	struct civil cv;
	const char *date = NULL;
	int json = 0, with_errors = 0, rc, overdue = 0, automated = 0, show_automated = 0, shown = 0;
	long limit = 0;

	const char *lim = NULL, *jobs = NULL;
	const struct cli_flag flags[] = {
		CLI_BOOL("--json", &json), CLI_BOOL("--with-errors", &with_errors),
		CLI_BOOL("--all", &o.all), CLI_BOOL("--full", &o.full),
		CLI_BOOL("--automated", &show_automated), CLI_VALUE("--owner", &o.owner),
		CLI_VALUE("--limit", &lim), CLI_VALUE("--jobs", &jobs), CLI_VALUE("--date", &date),
		{ NULL, 0, NULL }
	};
	struct cli_args args = { flags, NULL, 0, 0, 0 };
	long n;

	rc = cli_parse(cli, &cmd_agenda, argc, argv, &args);
	if (rc || args.help)
		return rc;
	if (lim && cli_count(cli, &cmd_agenda, "--limit", lim, 0, LONG_MAX, "a count", &limit))
		return cli->ctx.rc;
	if (jobs && cli_count(cli, &cmd_agenda, "--jobs", jobs, 1, 8, "a number from 1 to 8", &n))
		return cli->ctx.rc;
	if (jobs)
		o.jobs = (int)n;
	dt_to_civil(cli->now, &cv);
	o.day = dt_days_from_civil(cv.year, cv.month, cv.day);
	if (date) {
		int64_t t;

		if (dt_parse_iso(&cli->ctx, date, 1, &t))
			return fu_err_prefix(&cli->ctx, "--date");
		dt_to_civil(t, &cv);
		o.day = dt_days_from_civil(cv.year, cv.month, cv.day);
	}
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = agenda_build_current(&cli->ctx, s, &o, &a);
	store_close(s);
	if (rc)
		return rc;
	if (json) {
		rc = put_agenda_json(cli, &a, with_errors);
		if (!with_errors) {
			put_skipped_rules(stderr, "followup: warning: a playbook rule is left out: ", &a);
			put_agenda_errors(stderr, "followup: warning: could not evaluate contact ", &a);
		}
		agenda_release(&a);
		return rc;
	}
	for (int i = 0; i < a.n; i++) {
		overdue += a.v[i].overdue && !a.v[i].automated;
		automated += a.v[i].automated;
	}
	fprintf(cli->out, "agenda for %04d-%02d-%02d%s%s: %d follow-ups for a person (%d overdue)",
		cv.year, cv.month, cv.day, o.owner ? ", owner " : "", o.owner ? o.owner : "",
		a.n - automated, overdue);
	fprintf(cli->out, ", %d automated messages\n\n", automated);
	if (a.nskipped) {
		/* a rule left out of every contact's follow-up: said before anything else */
		fprintf(cli->out, "%d rule%s of the stored playbook %s left out: %s no longer pass%s "
			"the check (fix with 'playbook check' and 'playbook use'):\n", a.nskipped,
			a.nskipped == 1 ? "" : "s", a.nskipped == 1 ? "is" : "are",
			a.nskipped == 1 ? "it" : "they", a.nskipped == 1 ? "es" : "");
		put_skipped_rules(cli->out, "   ", &a);
		fputc('\n', cli->out);
	}
	if (a.nerrors) {
		/* a rule that fails on some contacts: said first, so it is fixed before it is missed */
		fprintf(cli->out, "%d contact%s could not be evaluated (their follow-ups are missing "
			"until the playbook is fixed):\n", a.nerrors, a.nerrors == 1 ? "" : "s");
		put_agenda_errors(cli->out, "   ", &a);
		fputc('\n', cli->out);
	}
	for (int i = 0; i < a.n; i++) {
		if (a.v[i].automated != show_automated)
			continue;
		if (limit && shown == limit) {
			fprintf(cli->out, "... and %d more (--limit 0 shows all)\n\n",
				(show_automated ? automated : a.n - automated) - shown);
			break;
		}
		cli_followup_print(cli, &a.v[i], ++shown);
	}
	if (!show_automated && automated)
		fprintf(cli->out, "%d automated messages go out on their own, each at a time that "
			"suits its contact\n(followup agenda --automated lists them)\n", automated);
	agenda_release(&a);
	return FU_OK;
}

const struct cmd cmd_agenda = {
	"agenda", "who to follow up with, why, when, how and what to say",
	"agenda [--owner NAME] [--date DAY] [--all] [--automated] [--limit N] [--json]\n"
	"       [--with-errors] [--full] [--jobs N]",
	"Evaluates every contact's timeline with the playbook at the clock's time and lists\n"
	"one follow-up per contact that is due by the end of DAY (default: today) in the\n"
	"contact's own time zone, most important first: who and how to reach them, when it is\n"
	"due (and whether it is overdue), every reason with the events behind it, what to say,\n"
	"and the priority. Automated follow-ups (e-mails that need no person) are marked.\n\n"
	"  --owner NAME   NAME's follow-ups, plus new leads nobody owns that are past their\n"
	"                 answer time (escalated to everyone)\n"
	"  --date DAY     the day to plan (YYYY-MM-DD)\n"
	"  --all          everything open, whatever its due day\n"
	"  --automated    list the automated messages instead of the personal follow-ups\n"
	"  --limit N      print only the N most important (0, the default, prints all)\n"
	"  --json         an array of objects: id, contact, owner, due, overdue, channel,\n"
	"                 priority, say, reasons [{trigger, events, why, ...}], ...\n"
	"  --with-errors  with --json: an object {\"followups\": [...], \"errors\": [{contact,\n"
	"                 error}], \"skipped_rules\": [...]} naming the contacts a rule failed\n"
	"                 on and the stored playbook's rules left out because they no longer\n"
	"                 pass the check (without it both go to stderr; the text output\n"
	"                 lists them first)\n"
	"  --full         evaluate every contact; without it only the contacts whose\n"
	"                 follow-up may have come or changed since the last agenda are\n"
	"                 (the database remembers when to look at each one again); the\n"
	"                 output is the same either way\n"
	"  --jobs N       evaluate on N threads (1 to 8; default: one per processor, at\n"
	"                 most 8); the output is the same either way",
	run_agenda
};
