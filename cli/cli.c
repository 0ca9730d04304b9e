/* cli.c - helpers shared by the subcommands: opening the store, flags, safe and JSON output */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

#include "datetime.h"
#include "model.h"

#include "banned.h"

int cli_open(struct cli *cli, int create, struct store **s)
{
	return store_open(&cli->ctx, cli->db_path, create ? STORE_OPEN_CREATE : STORE_OPEN_EXISTING,
			  s);
}

int cli_flag_value(struct cli *cli, int argc, char **argv, int *i, const char *name,
		   const char **value)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*value = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fu_err(&cli->ctx, FU_EUSAGE, "%s: needs a value", name);
		return -1;
	}
	*value = argv[++*i];
	return 1;
}

int cli_flag(char **argv, int i, const char *name)
{
	return strcmp(argv[i], name) == 0;
}

int cli_usage_error(struct cli *cli, const struct cmd *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fu_err(&cli->ctx, FU_EUSAGE, "%s: %s\nusage: followup %s", c->name, msg, c->usage);
}

int cli_help_flag(struct cli *cli, const struct cmd *c, const char *arg)
{
	if (strcmp(arg, "-h") != 0 && strcmp(arg, "--help") != 0)
		return 0;
	cli_print_help(cli->out, c);
	return 1;
}

void cli_put_safe(FILE *f, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
	}
}

void cli_put_text(FILE *f, const char *s, const char *indent)
{
	if (!s)
		return;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n') {
			fputc('\n', f);
			fputs(indent, f);
		} else {
			fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
		}
	}
}

int cli_put_json(struct cli *cli, json_t *v)
{
	int rc;

	if (!v)
		return fu_err(&cli->ctx, FU_ENOMEM, "out of memory building JSON output");
	rc = json_dumpf(v, cli->out, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15));
	json_decref(v);
	fputc('\n', cli->out);
	if (rc)
		return fu_err(&cli->ctx, FU_EIO, "writing JSON output failed");
	return FU_OK;
}

json_t *cli_json_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *cli_json_time(int64_t t)
{
	char b[40];

	if (t == FU_TIME_NONE)
		return json_null();
	dt_format_iso(t, b, sizeof(b));
	return json_string(b);
}

json_t *cli_json_money(int64_t cents)
{
	return json_real((double)cents / 100.0);
}

void cli_fmt_time(int64_t t, char *out, size_t n)
{
	struct civil c;

	if (t == FU_TIME_NONE) {
		snprintf(out, n, "-");
		return;
	}
	dt_to_civil(t, &c);
	snprintf(out, n, "%04d-%02d-%02d %02d:%02d", c.year, c.month, c.day, c.hour, c.min);
}

json_t *cli_json_state(const struct contact_state *st, int64_t now)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "stage", json_string(stage_name(contact_stage(st, now))));
	/* every column of the state, in CONTACT_STATE_COLUMNS order (model.h) */
#define JSON_COUNT(v) json_integer(v)
#define JSON_MONEY(v) cli_json_money(v)
#define JSON_TIME(v) cli_json_time(v)
#define JSON_FLAG(v) json_boolean(v)
#define X(name, kind) json_object_set_new(o, #name, JSON_##kind(st->name));
	CONTACT_STATE_COLUMNS(X)
#undef X
	return o;
}

json_t *cli_json_contact(const struct contact *c)
{
	json_t *o = json_object(), *attrs = NULL;

	if (!o)
		return NULL;
	json_object_set_new(o, "key", cli_json_str(c->key));
	json_object_set_new(o, "name", cli_json_str(c->name));
	json_object_set_new(o, "email", cli_json_str(c->email));
	json_object_set_new(o, "phone", cli_json_str(c->phone));
	json_object_set_new(o, "company", cli_json_str(c->company));
	json_object_set_new(o, "owner", cli_json_str(c->owner));
	json_object_set_new(o, "tz", cli_json_str(c->tz));
	if (c->attrs)
		attrs = json_loads(c->attrs, 0, NULL);
	json_object_set_new(o, "attributes", attrs ? attrs : json_object());
	return o;
}
