/* cmd-show.c - followup show CONTACT: profile, derived state and the whole timeline */
#include "commands.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "jview.h"
#include "model.h"

#include "banned.h"

struct timeline {
	struct cli *cli;
	json_t *array;
	int64_t skip; /* events to pass over before printing (for --last) */
};

static int show_event(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	struct timeline *t = arg;
	FILE *f = t->cli->out;
	char when[32], money[32];

	if (t->skip > 0) {
		t->skip--;
		return FU_OK;
	}
	if (t->array)
		return json_array_append_new(t->array, jview_event(e)) ?
			       fu_err(ctx, FU_ENOMEM, "out of memory showing events") :
			       FU_OK;
	cli_fmt_time(e->time, when, sizeof(when));
	fprintf(f, "  %s  %-12s", when, event_type_name(e->type));
	if (e->has_amount) {
		amount_format(e->amount, money, sizeof(money));
		fprintf(f, " %s", money);
	}
	if (e->ref) {
		fputc(' ', f);
		cli_put_safe(f, e->ref);
	}
	if (e->due != FU_TIME_NONE) {
		cli_fmt_time(e->due, when, sizeof(when));
		fprintf(f, " due %.10s", when);
	}
	if (e->channel) {
		fputs(" via ", f);
		cli_put_safe(f, e->channel);
	}
	if (e->outcome) {
		fputs(" -> ", f);
		cli_put_safe(f, e->outcome);
	}
	if (e->note) {
		fputs("  \"", f);
		cli_put_safe(f, e->note);
		fputc('"', f);
	}
	fprintf(f, "  [#%lld", (long long)e->id);
	if (e->author) {
		fputs(" by ", f);
		cli_put_safe(f, e->author);
	}
	fputs("]\n", f);
	return FU_OK;
}

static void field(FILE *f, const char *label, const char *v)
{
	if (!v)
		return;
	fprintf(f, "  %-9s ", label);
	cli_put_safe(f, v);
	fputc('\n', f);
}

static void print_profile(struct cli *cli, const struct contact *c, const struct contact_state *st)
{
	FILE *f = cli->out;
	char a[32], b[32], m[32];

	fprintf(f, "%s", "contact ");
	cli_put_safe(f, c->key);
	fputc('\n', f);
	field(f, "name", c->name);
	field(f, "email", c->email);
	field(f, "phone", c->phone);
	field(f, "company", c->company);
	field(f, "owner", c->owner);
	field(f, "tz", c->tz);
	field(f, "attrs", c->attrs);
	fprintf(f, "state (at the clock's time)\n");
	fprintf(f, "  stage     %s\n", stage_name(contact_stage(st, cli->now)));
	cli_fmt_time(st->first_purchase, a, sizeof(a));
	cli_fmt_time(st->last_purchase, b, sizeof(b));
	amount_format(st->spend, m, sizeof(m));
	fprintf(f, "  purchases %lld on %lld days, first %s, last %s, spend %s\n",
		(long long)st->purchases, (long long)st->purchase_days, a, b, m);
	amount_format(st->open_amount, m, sizeof(m));
	fprintf(f, "  invoices  %lld, %lld open (%s); payments %lld: %lld on time, %lld late\n",
		(long long)st->invoices, (long long)st->invoices_open, m, (long long)st->payments,
		(long long)st->paid_on_time, (long long)st->paid_late);
	cli_fmt_time(st->last_touch_in, a, sizeof(a));
	cli_fmt_time(st->last_touch_out, b, sizeof(b));
	fprintf(f, "  touches   last in %s, last out %s", a, b);
	cli_fmt_time(st->last_two_way, a, sizeof(a));
	fprintf(f, ", last two-way %s\n", a);
	fprintf(f, "  services  %lld\n", (long long)st->services);
	if (st->do_not_contact)
		fprintf(f, "  DO NOT CONTACT\n");
	else if (st->opted_out_email)
		fprintf(f, "  opted out of e-mail\n");
	fprintf(f, "timeline (%lld events, UTC)\n", (long long)st->events);
}

static int run_show(struct cli *cli, int argc, char **argv)
{
	struct contact c;
	struct contact_state st;
	struct timeline t = { cli, NULL, 0 };
	struct store *s;
	const char *key = NULL;
	long last = 0;
	int json = 0, rc;

	const char *lim = NULL;
	const struct cli_flag flags[] = {
		CLI_BOOL("--json", &json), CLI_VALUE("--last", &lim), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, &key, 1, 0, 0 };

	rc = cli_parse(cli, &cmd_show, argc, argv, &a);
	if (rc || a.help)
		return rc;
	if (lim && cli_count(cli, &cmd_show, "--last", lim, 1, LONG_MAX, "a count", &last))
		return cli->ctx.rc;
	if (!key)
		return cli_usage_error(cli, &cmd_show, "which contact? give its key");
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	contact_init(&c);
	contact_state_init(&st, 0);
	rc = store_contact_get(&cli->ctx, s, key, &c);
	if (!rc)
		rc = store_state_get(&cli->ctx, s, c.id, &st);
	if (rc == FU_ENOTFOUND && c.id) {
		contact_state_init(&st, c.id); /* a contact without events */
		rc = FU_OK;
	}
	if (!rc && last && st.events > last)
		t.skip = st.events - last;
	if (!rc && json) {
		json_t *o = json_object();

		t.array = json_array();
		if (!o || !t.array) {
			rc = fu_err(&cli->ctx, FU_ENOMEM, "out of memory");
		} else {
			json_object_set_new(o, "contact", cli_json_contact(&c));
			json_object_set_new(o, "state", cli_json_state(&st, cli->now));
			rc = store_events_of_contact(&cli->ctx, s, c.id, show_event, &t);
			json_object_set_new(o, "events", t.array);
			t.array = NULL;
			if (!rc)
				rc = cli_put_json(cli, json_incref(o));
		}
		json_decref(o);
		json_decref(t.array);
	} else if (!rc) {
		print_profile(cli, &c, &st);
		if (t.skip)
			fprintf(cli->out, "  ... %lld earlier events (show without --last to see them)\n",
				(long long)t.skip);
		rc = store_events_of_contact(&cli->ctx, s, c.id, show_event, &t);
	}
	contact_release(&c);
	store_close(s);
	return rc;
}

const struct cmd cmd_show = {
	"show", "one contact: profile, derived state and whole timeline", "show CONTACT [--last N] [--json]",
	"Shows the contact with key CONTACT: the profile, the state derived from its events\n"
	"(stage at the clock's time, purchases, invoices, late payments, last touches, opt-outs)\n"
	"and every event in time order, each with its id (--last N: only the latest N).",
	run_show
};
