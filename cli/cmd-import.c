/* cmd-import.c - followup import contacts|events FILE: CSV or JSON Lines, mapped, all or nothing */
#include "commands.h"

#include <string.h>

#include "import.h"

#include "banned.h"

static int print_result(struct cli *cli, const struct import_opts *o, const char *path,
			const struct import_result *r, int json)
{
	const char *what = o->kind == IMPORT_EVENTS ? "events" : "contacts";

	if (json) {
		json_t *bad = json_array();
		const char *p = r->bad_list.s, *nl;

		for (; bad && p && *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (!nl)
				break;
			json_array_append_new(bad, json_stringn(p, (size_t)(nl - p)));
		}
		return cli_put_json(cli, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:s}",
						   "file", path, "kind", what, "rows",
						   (json_int_t)r->rows, "stored",
						   (json_int_t)r->stored, "duplicates",
						   (json_int_t)r->duplicates, "new_contacts",
						   (json_int_t)r->contacts_new, "bad",
						   (json_int_t)r->bad, "bad_rows",
						   bad ? bad : json_array(), "ignored_columns",
						   buf_cstr(&r->ignored)));
	}
	fprintf(cli->out, "%s: %lld rows, %lld %s stored", path, (long long)r->rows,
		(long long)r->stored, what);
	if (o->kind == IMPORT_EVENTS)
		fprintf(cli->out, ", %lld already stored (same id)", (long long)r->duplicates);
	fprintf(cli->out, ", %lld new contacts\n", (long long)r->contacts_new);
	if (r->ignored.len) {
		fputs("ignored columns: ", cli->out);
		cli_put_safe(cli->out, buf_cstr(&r->ignored));
		fputc('\n', cli->out);
	}
	if (r->bad) {
		fprintf(cli->out, "skipped %lld bad rows:\n", (long long)r->bad);
		fputs(buf_cstr(&r->bad_list), cli->out);
		if (r->bad > IMPORT_BAD_LISTED)
			fprintf(cli->out, "... and %lld more\n",
				(long long)(r->bad - IMPORT_BAD_LISTED));
	}
	return FU_OK;
}

static int run_import(struct cli *cli, int argc, char **argv)
{
	struct import_opts o;
	struct import_result r;
	struct store *s;
	const char *kind, *path;
	int json = 0, rc;
	const char *pos[2] = { NULL, NULL }, *sep = NULL, *format = NULL;
	int no_header = 0;
	const struct cli_flag flags[] = {
		CLI_BOOL("--json", &json), CLI_BOOL("--skip-bad", &o.skip_bad),
		CLI_BOOL("--no-header", &no_header), CLI_VALUE("--map", &o.map),
		CLI_VALUE("--map-file", &o.map_file), CLI_VALUE("--type", &o.fixed_type),
		CLI_VALUE("--date-format", &o.date_format), CLI_VALUE("--sep", &sep),
		CLI_VALUE("--format", &format), { NULL, 0, NULL }
	};
	struct cli_args a = { flags, pos, 2, 0, 0 };

	import_opts_init(&o);
	rc = cli_parse(cli, &cmd_import, argc, argv, &a);
	if (rc || a.help)
		return rc;
	kind = pos[0];
	path = pos[1];
	if (no_header)
		o.header = 0;
	if (sep && import_sep_parse(&cli->ctx, sep, &o.sep))
		return cli_usage_error(cli, &cmd_import,
				       "--sep: '%s': use one character or comma, semicolon, tab, "
				       "pipe, whitespace", sep);
	if (format && strcmp(format, "csv") == 0)
		o.format = IMPORT_CSV;
	else if (format && strcmp(format, "jsonl") == 0)
		o.format = IMPORT_JSONL;
	else if (format)
		return cli_usage_error(cli, &cmd_import, "--format: '%s': use csv or jsonl", format);
	if (!kind || !path)
		return cli_usage_error(cli, &cmd_import, "give what to import and the file");
	if (strcmp(kind, "contacts") == 0)
		o.kind = IMPORT_CONTACTS;
	else if (strcmp(kind, "events") == 0)
		o.kind = IMPORT_EVENTS;
	else
		return cli_usage_error(cli, &cmd_import, "'%s': import contacts or events", kind);
	if (o.kind == IMPORT_CONTACTS && o.fixed_type)
		return cli_usage_error(cli, &cmd_import, "--type is for events");
	o.now = cli->now;
	rc = cli_open(cli, 1, &s);
	if (rc)
		return rc;
	import_result_init(&r);
	rc = import_file(&cli->ctx, s, path, &o, &r);
	store_close(s);
	if (!rc)
		rc = print_result(cli, &o, path, &r, json);
	else if (rc == FU_EINPUT && !o.skip_bad)
		fu_err_prefix(&cli->ctx, "nothing imported");
	import_result_release(&r);
	return rc;
}

const struct cmd cmd_import = {
	"import", "import contacts or events from CSV or JSON Lines",
	"import contacts|events FILE [--map F=COL,...] [--map-file FILE] [--type TYPE]\n"
	"                      [--date-format FMT] [--sep SEP] [--no-header] [--format csv|jsonl]\n"
	"                      [--skip-bad] [--json]",
	"Imports FILE ('-' for standard input) in one transaction. A file with any bad row\n"
	"imports nothing, and the error names the file, line, column and what is wrong;\n"
	"--skip-bad imports the good rows and lists the bad ones. Events with an id that is\n"
	"already stored are skipped, so importing the same export twice is safe.\n\n"
	"contacts columns: key (required), name, email, phone, company, owner, tz (an IANA zone);\n"
	"  other columns are kept as the contact's attributes.\n"
	"events columns: id, type, contact (a key; unknown keys create contacts), time (ISO\n"
	"  8601 date, or date-time with Z or an offset), amount, ref, due, channel, outcome, note.\n\n"
	"  --map F=COL,...   take field F from column COL: a header name, or a 1-based position\n"
	"  --map-file FILE   the same as lines 'F = COL', plus 'type = purchase',\n"
	"                    'date_format = %Y%m%d', 'separator = whitespace', 'header = no'\n"
	"  --type TYPE       every row is an event of TYPE (for files without a type column)\n"
	"  --date-format F   read time and due with F (%Y %m %d %H %M %S %y %b), e.g. %Y%m%d\n"
	"  --sep SEP         one character, or comma, semicolon, tab, pipe, whitespace\n"
	"  --no-header       the file has no header line: map columns by position\n"
	"  --format F        csv or jsonl (default: jsonl for .jsonl/.ndjson/.json, else csv)\n"
	"  --skip-bad        import the good rows, list the bad ones\n"
	"  --json            print the result as JSON",
	run_import
};
