/* cmd-event.c - followup event TYPE CONTACT: append one event by hand */
#include "cli.h"

#include "record.h"

#include "banned.h"

static int run_event(struct cli *cli, int argc, char **argv)
{
	struct event_text t = { 0 };
	struct record_result r;
	struct store *s;
	const char *pos[2] = { NULL, NULL };
	const char *v;
	int npos = 0, json = 0, rc;
	struct { const char *flag; const char **dst; } flags[] = {
		{ "--time", &t.time }, { "--amount", &t.amount }, { "--ref", &t.ref },
		{ "--due", &t.due }, { "--channel", &t.channel }, { "--outcome", &t.outcome },
		{ "--note", &t.note }, { "--id", &t.id },
	};

	for (int i = 1; i < argc; i++) {
		int matched = 0;

		if (cli_help_flag(cli, &cmd_event, argv[i]))
			return FU_OK;
		if (cli_flag(argv, i, "--json")) {
			json = 1;
			continue;
		}
		for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]) && !matched; k++) {
			rc = cli_flag_value(cli, argc, argv, &i, flags[k].flag, &v);
			if (rc < 0)
				return cli->ctx.rc;
			if (rc) {
				*flags[k].dst = v;
				matched = 1;
			}
		}
		if (matched)
			continue;
		if (argv[i][0] == '-' || npos == 2)
			return cli_usage_error(cli, &cmd_event, "unexpected argument '%s'", argv[i]);
		pos[npos++] = argv[i];
	}
	if (npos < 2)
		return cli_usage_error(cli, &cmd_event, "give the event's TYPE and CONTACT");
	t.type = pos[0];
	t.contact = pos[1];
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	rc = record_event(&cli->ctx, s, &t, cli->now, &r);
	store_close(s);
	if (rc)
		return rc;
	if (json)
		return cli_put_json(cli, json_pack("{s:o, s:b, s:b}", "id",
						   r.stored ? json_integer(r.event_id) : json_null(),
						   "stored", r.stored, "new_contact", r.new_contact));
	if (!r.stored) {
		fputs("event id '", cli->out);
		cli_put_safe(cli->out, t.id);
		fputs("' is already stored; nothing changed\n", cli->out);
		return FU_OK;
	}
	fprintf(cli->out, "stored event #%lld (%s) for ", (long long)r.event_id, t.type);
	cli_put_safe(cli->out, r.key);
	fputs(r.new_contact ? " (a new contact)\n" : "\n", cli->out);
	return FU_OK;
}

const struct cmd cmd_event = {
	"event", "append one event to a contact's timeline",
	"event TYPE CONTACT [--time T] [--amount A] [--ref R] [--due D] [--channel C]\n"
	"                      [--outcome O] [--note TEXT] [--id ID] [--json]",
	"Appends one event for the contact with key CONTACT (created when unknown) and updates\n"
	"its derived state. TYPE is one of lead, info_request, email_click, purchase, invoice,\n"
	"payment, service, appointment, touch, reply, opt_out.\n\n"
	"  --time T      when it happened (ISO 8601; default: the clock's time)\n"
	"  --amount A    money, e.g. 120.50 (purchase, invoice, payment)\n"
	"  --ref R       order or invoice number; a payment settles the invoice with its ref\n"
	"  --due D       an invoice's due date\n"
	"  --channel C   call, email, web_form, visit, ...; for opt_out: email or all\n"
	"  --outcome O   for a touch: reached, voicemail, no-answer, not-yet, won, no, opted-out\n"
	"  --note TEXT   a note for the timeline\n"
	"  --id ID       the source's own id; an id already stored makes this a no-op",
	run_event
};
