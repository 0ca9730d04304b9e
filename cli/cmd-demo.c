/* cmd-demo.c - followup demo: fill an empty database with a realistic demo business and show it */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agenda.h"
#include "datetime.h"
#include "import.h"
#include "record.h"
#include "synth.h"

#include "banned.h"

/* The contacts with the most recent events (at most n), for the overview. */
struct recent {
	int64_t now;
	int n;
	char keys[3][FU_KEY_MAX + 1];
	int64_t last[3];
	int stage[3];
};

static int pick_recent(struct fu_ctx *ctx, void *arg, const struct contact *c,
		       const struct contact_state *st)
{
	struct recent *r = arg;
	int stage = contact_stage(st, r->now), slot = -1;

	/* one contact per stage among lead, repeat, dormant: the most recently active */
	if (stage == STAGE_LEAD)
		slot = 0;
	else if (stage == STAGE_REPEAT)
		slot = 1;
	else if (stage == STAGE_DORMANT)
		slot = 2;
	if (slot < 0 || st->last_event == FU_TIME_NONE || st->last_event > r->now)
		return FU_OK;
	if (!r->keys[slot][0] || st->last_event > r->last[slot]) {
		snprintf(r->keys[slot], sizeof(r->keys[slot]), "%s", c->key);
		r->last[slot] = st->last_event;
	}
	return FU_OK;
}

static int import_tmp(struct cli *cli, struct store *s, FILE *f, const char *name, int kind)
{
	struct import_opts o;
	struct import_result r;
	int rc;

	import_opts_init(&o);
	o.kind = kind;
	o.now = cli->now;
	rewind(f);
	import_result_init(&r);
	rc = import_stream(&cli->ctx, s, f, name, &o, &r);
	import_result_release(&r);
	return rc;
}

#define DAY 86400
#define WORKED_DAYS 21

/* A fixed die for the demo's history: 0..99 from a contact and a day. */
static unsigned roll(int64_t contact_id, int64_t day)
{
	uint64_t h = (uint64_t)contact_id * 0x9E3779B97F4A7C15u ^ (uint64_t)day * 0xC2B2AE3D27D4EB4Fu;

	h ^= h >> 31;
	h *= 0xBF58476D1CE4E5B9u;
	h ^= h >> 29;
	return (unsigned)(h % 100);
}

/*
 * The business has kept up with its agenda for the last WORKED_DAYS days: each evening the
 * personal follow-ups of that day were done (a touch, as `followup done` records it; most
 * reached, some voicemail or no answer, one in five left undone). Automated messages are left
 * as they are. Returns the touches recorded in *n.
 */
static int work_history(struct cli *cli, struct store *s, int64_t *n)
{
	struct playbook pb;
	int rc;

	*n = 0;
	playbook_init(&pb);
	rc = agenda_playbook(&cli->ctx, s, &pb);
	for (int d = WORKED_DAYS; !rc && d >= 1; d--) {
		int64_t day = cli->now / DAY - d, evening = day * DAY + 23 * 3600;
		struct agenda_opts o = { .now = evening, .day = day, .jobs = 1 };
		struct agenda a;

		rc = agenda_build(&cli->ctx, s, &pb, &o, &a);
		if (rc)
			break;
		rc = store_begin(&cli->ctx, s);
		for (int i = 0; !rc && i < a.n; i++) {
			const struct followup *f = &a.v[i];
			unsigned r = roll(f->contact_id, day);
			struct event_text t = { 0 };
			struct record_result rr;
			char at[40];
			int64_t when = f->due > day * DAY + 15 * 3600 ? f->due : day * DAY + 15 * 3600;

			if (f->automated || r >= 80)
				continue;
			dt_format_iso(when, at, sizeof(at));
			t.type = "touch";
			t.contact = f->key;
			t.time = at;
			t.channel = f->channel == CH_AUTO_EMAIL ? "email" : channel_name(f->channel);
			t.outcome = r < 55 ? "reached" : r < 70 ? "voicemail" : "no-answer";
			rc = record_event_in(&cli->ctx, s, &t, when, &rr);
			*n += rr.stored;
		}
		if (!rc)
			rc = store_commit(&cli->ctx, s);
		else
			store_rollback(s);
		agenda_release(&a);
	}
	playbook_release(&pb);
	return rc;
}

static int run_demo(struct cli *cli, int argc, char **argv)
{
	struct synth_opts so = { 300, 0, 730, 42, 0 };
	struct synth_stats ss;
	struct recent rec;
	int64_t events[EV__COUNT], total = 0, worked = 0;
	struct store *s = NULL;
	FILE *cf = NULL, *ef = NULL;
	const char *v;
	char *end;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (cli_help_flag(cli, &cmd_demo, argv[i]))
			return FU_OK;
		if ((rc = cli_flag_value(cli, argc, argv, &i, "--contacts", &v))) {
			if (rc < 0)
				return cli->ctx.rc;
			so.contacts = strtoll(v, &end, 10);
			if (*end || end == v || so.contacts < 1 || so.contacts > 10000000)
				return cli_usage_error(cli, &cmd_demo,
						       "--contacts: '%s' is not a count", v);
		} else if ((rc = cli_flag_value(cli, argc, argv, &i, "--seed", &v))) {
			if (rc < 0)
				return cli->ctx.rc;
			so.seed = strtoull(v, &end, 10);
			if (*end || end == v)
				return cli_usage_error(cli, &cmd_demo, "--seed: '%s' is not a number",
						       v);
		} else {
			return cli_usage_error(cli, &cmd_demo, "unexpected argument '%s'", argv[i]);
		}
	}
	so.end = cli->now;
	rc = cli_open(cli, 1, &s);
	if (!rc)
		rc = store_count_events(&cli->ctx, s, events);
	for (int i = 0; !rc && i < EV__COUNT; i++)
		total += events[i];
	if (!rc && total)
		rc = fu_err(&cli->ctx, FU_EINPUT,
			    "%s already holds %lld events; the demo needs an empty database "
			    "(use --db NEW.db)", cli->db_path, (long long)total);
	if (rc)
		goto out;
	cf = tmpfile();
	ef = tmpfile();
	if (!cf || !ef) {
		rc = fu_err(&cli->ctx, FU_EIO, "creating temporary files: %s", strerror(errno));
		goto out;
	}
	rc = synth_write(&cli->ctx, &so, cf, ef, &ss);
	if (!rc)
		rc = import_tmp(cli, s, cf, "demo-contacts.csv", IMPORT_CONTACTS);
	if (!rc)
		rc = import_tmp(cli, s, ef, "demo-events.csv", IMPORT_EVENTS);
	if (!rc)
		rc = work_history(cli, s, &worked);
	if (rc)
		goto out;
	fprintf(cli->out, "created a demo business in %s: %lld contacts, %lld events over %d days\n"
		"(the last %d days, its people kept up with their agendas: %lld touches)\n\n",
		cli->db_path, (long long)ss.contacts, (long long)ss.events + worked, so.days,
		WORKED_DAYS, (long long)worked);
	memset(&rec, 0, sizeof(rec));
	rec.now = cli->now;
	rc = store_contacts_list(&cli->ctx, s, NULL, pick_recent, &rec);
	store_close(s);
	s = NULL;
	if (rc)
		goto out;
	{
		char *status_argv[] = { (char *)"status", NULL };

		rc = cmd_status.run(cli, 1, status_argv);
	}
	for (int i = 0; !rc && i < 3; i++) {
		char *show_argv[] = { (char *)"show", rec.keys[i], (char *)"--last", (char *)"8",
				      NULL };

		if (!rec.keys[i][0])
			continue;
		fputc('\n', cli->out);
		rc = cmd_show.run(cli, 4, show_argv);
	}
out:
	if (cf)
		fclose(cf);
	if (ef)
		fclose(ef);
	store_close(s);
	return rc;
}

const struct cmd cmd_demo = {
	"demo", "fill an empty database with a demo business and show an overview",
	"demo [--contacts N] [--seed S]",
	"Generates a believable small business (default 300 contacts over the two years up to\n"
	"the clock's time: leads by call, e-mail and web form, info requests, clicks, first and\n"
	"repeat purchases with personal rhythms, invoices and payments on time and late,\n"
	"service calls, customers who stopped buying), imports it through the normal import,\n"
	"has its people work the last three weeks' agendas (touches, as 'followup done'\n"
	"records them; a few left undone), and prints counts by stage and a few recent\n"
	"timelines. The same --seed and --now give the same business. The database must hold\n"
	"no events yet.",
	run_demo
};
