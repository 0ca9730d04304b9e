/* cmd-event.c - followup event TYPE CONTACT: append one event by hand */
#include "commands.h"

#include "record.h"

#include "banned.h"

static int run_event(struct cli *cli, int argc, char **argv)
{
	struct event_text t = { 0 };
	struct record_result r;
	struct store *s;
	const char *pos[2] = { NULL, NULL };
	int json = 0, rc;
	const struct cli_flag flags[] = {
		CLI_VALUE("--time", &t.time), CLI_VALUE("--amount", &t.amount),
		CLI_VALUE("--ref", &t.ref), CLI_VALUE("--due", &t.due),
		CLI_VALUE("--channel", &t.channel), CLI_VALUE("--outcome", &t.outcome),
		CLI_VALUE("--note", &t.note), CLI_VALUE("--id", &t.id), CLI_BOOL("--json", &json),
		{ NULL, 0, NULL }
	};
	struct cli_args a = { flags, pos, 2, 0, 0 };

	rc = cli_parse(cli, &cmd_event, argc, argv, &a);
	if (rc || a.help)
		return rc;
	if (a.npos < 2)
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
