/* cmd-form.c - followup form add|list|show|remove: web forms that turn enquiries into leads */
#include "commands.h"

#include <string.h>

#include "account.h"

#include "banned.h"

static int list_form(struct fu_ctx *ctx, void *arg, const struct store_form *f)
{
	struct cli *cli = arg;

	cli_put_safe(cli->out, f->name);
	fprintf(cli->out, "\t/f/%s\tredirect %s\torigin %s\towner %s\n", f->key,
		f->redirect ? f->redirect : "-", f->origin ? f->origin : "-",
		f->owner ? f->owner : "-");
	return FU_OK;
}

static int run_form(struct cli *cli, int argc, char **argv)
{
	char key[ACCOUNT_TOKEN_LEN + 1];
	const char *verb, *name, *redirect = NULL, *origin = NULL, *owner = NULL, *pos[2];
	const char *url = "http://127.0.0.1:8080";
	const struct cli_flag flags[] = {
		CLI_VALUE("--redirect", &redirect), CLI_VALUE("--origin", &origin),
		CLI_VALUE("--owner", &owner), CLI_VALUE("--url", &url), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, pos, 2, 0, 0 };
	struct store_form f;
	struct store *s;
	int rc;

	rc = cli_parse(cli, &cmd_form, argc, argv, &a);
	if (rc || a.help)
		return rc;
	if (a.npos == 0)
		return cli_usage_error(cli, &cmd_form, "add, list, show or remove");
	verb = pos[0];
	name = a.npos > 1 ? pos[1] : NULL;
	if (strcmp(verb, "add") != 0 && (redirect || origin || owner))
		return cli_usage_error(cli, &cmd_form, "--redirect, --origin, --owner go with add");
	if (strcmp(verb, "list") == 0 ? name != NULL : !name)
		return cli_usage_error(cli, &cmd_form, "give the form's NAME (list takes none)");
	if (strcmp(verb, "add") && strcmp(verb, "list") && strcmp(verb, "show") &&
	    strcmp(verb, "remove"))
		return cli_usage_error(cli, &cmd_form, "'%s': use add, list, show or remove", verb);
	if (strchr(url, '"') || strchr(url, '<') || strchr(url, '>') || strchr(url, '&'))
		return cli_usage_error(cli, &cmd_form, "--url: no quotes, '<', '>' or '&' in the "
					"address");
	rc = cli_open(cli, 0, &s);
	if (rc)
		return rc;
	if (!strcmp(verb, "add")) {
		rc = account_form_add(&cli->ctx, s, name, redirect, origin, owner, cli->now, key);
		if (!rc)
			fprintf(cli->out, "added form %s: POST /f/%s ('followup form show %s' prints "
					  "the HTML)\n", name, key, name);
	} else if (!strcmp(verb, "show")) {
		rc = store_form_get(&cli->ctx, s, name, 0, &f);
		if (!rc) {
			struct buf b;

			buf_init(&b, 0);
			rc = account_form_snippet(&cli->ctx, &b, url, f.key);
			if (!rc)
				fputs(buf_cstr(&b), cli->out);
			buf_release(&b);
			store_form_release(&f);
		}
	} else if (!strcmp(verb, "remove")) {
		rc = store_form_remove(&cli->ctx, s, name);
		if (!rc)
			fprintf(cli->out, "removed form %s\n", name);
	} else {
		rc = store_forms_list(&cli->ctx, s, list_form, cli);
	}
	store_close(s);
	return rc;
}

const struct cmd cmd_form = {
	"form", "web forms on the business's site that record new leads",
	"form add NAME [--redirect URL] [--origin URL] [--owner NAME] | list\n"
	"                      | show NAME [--url BASE] | remove NAME",
	"A web form posts enquiries to the server ('followup serve') at /f/KEY: each creates or\n"
	"updates the contact (by e-mail) and records a lead with channel web_form and the\n"
	"message as its note, so it is on the agenda at once.\n\n"
	"  add NAME            a new form with a random KEY\n"
	"    --redirect URL    the thank-you page to send the visitor to\n"
	"    --origin URL      the site allowed to post with fetch() (CORS), e.g. https://example.com\n"
	"    --owner NAME      the owner of the new leads (default: unowned)\n"
	"  show NAME           the HTML to paste into the site (--url: the server's public\n"
	"                      address, default http://127.0.0.1:8080)\n"
	"  list, remove NAME",
	run_form
};
