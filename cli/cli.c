/* cli.c - helpers shared by the subcommands: opening the store, flags, safe and JSON output */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datetime.h"
#include "jview.h"
#include "model.h"

#include "banned.h"

int cli_open(struct cli *cli, int create, struct store **s)
{
	int rc = store_open(&cli->ctx, cli->db_path,
			    create ? STORE_OPEN_CREATE : STORE_OPEN_EXISTING, s);
	const struct passwd *pw;
	char author[STORE_AUTHOR_MAX + 1];

	if (rc)
		return rc;
	/* the events this command writes are by the CLI's user (the OS account running it) */
	pw = getpwuid(geteuid());
	snprintf(author, sizeof(author), "cli%s%.64s", pw && pw->pw_name ? ":" : "",
		 pw && pw->pw_name ? pw->pw_name : "");
	store_set_author(*s, author);
	return FU_OK;
}

void cli_print_help(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: followup %s\n\n%s\n", c->usage, c->help);
}

/* Whether argv[*i] is flag f; its value (if it takes one) into *value, *i moved past it. */
static int match(struct cli *cli, int argc, char **argv, int *i, const struct cli_flag *f,
		 const char **value)
{
	size_t n = strlen(f->name);
	const char *a = argv[*i];

	if (strncmp(a, f->name, n) != 0)
		return 0;
	if (!f->takes_value)
		return a[n] == '\0';
	if (a[n] == '=') {
		*value = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fu_err(&cli->ctx, FU_EUSAGE, "%s: needs a value", f->name);
		return -1;
	}
	*value = argv[++*i];
	return 1;
}

int cli_take_flag(struct cli *cli, int argc, char **argv, int *i, const struct cli_flag *flags)
{
	for (const struct cli_flag *f = flags; f && f->name; f++) {
		const char *v = NULL;
		int rc = match(cli, argc, argv, i, f, &v);

		if (rc <= 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		if (f->takes_value)
			*(const char **)f->dst = v;
		else
			*(int *)f->dst = 1;
		return 1;
	}
	return 0;
}

int cli_parse(struct cli *cli, const struct cmd *c, int argc, char **argv, struct cli_args *a)
{
	a->npos = 0;
	a->help = 0;
	for (int i = 1; i < argc; i++) {
		int rc;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cli_print_help(cli->out, c);
			a->help = 1;
			return FU_OK;
		}
		rc = cli_take_flag(cli, argc, argv, &i, a->flags);
		if (rc < 0)
			return cli->ctx.rc;
		if (rc)
			continue;
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error(cli, c, "unknown option '%s'", argv[i]);
		if (a->npos >= a->maxpos)
			return cli_usage_error(cli, c, "unexpected argument '%s'", argv[i]);
		a->pos[a->npos++] = argv[i];
	}
	return FU_OK;
}

int cli_count(struct cli *cli, const struct cmd *c, const char *flag, const char *v, long min,
	      long max, const char *what, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*end || end == v || errno || n < min || n > max)
		return cli_usage_error(cli, c, "%s: '%s' is not %s", flag, v, what);
	*out = n;
	return FU_OK;
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
	return jview_str(s);
}

json_t *cli_json_time(int64_t t)
{
	return jview_time(t);
}

json_t *cli_json_money(int64_t cents)
{
	return jview_money(cents);
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
	return jview_state(st, now);
}

json_t *cli_json_contact(const struct contact *c)
{
	return jview_contact(c);
}

json_t *cli_json_counts(const char *(*name)(int), const int *counts, int n)
{
	json_t *o = json_object();

	for (int i = 0; o && i < n; i++)
		json_object_set_new(o, name(i), json_integer(counts[i]));
	return o;
}
