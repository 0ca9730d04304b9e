/* import.h - bringing contacts and events in from CSV and JSON Lines files, all or nothing */
#ifndef FU_IMPORT_H
#define FU_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "fu.h"
#include "store.h"

enum import_kind { IMPORT_CONTACTS, IMPORT_EVENTS };
enum import_format { IMPORT_AUTO, IMPORT_CSV, IMPORT_JSONL };

/* Separator values beside plain characters: see csv.h (CSV_SEP_WHITESPACE). */
#define IMPORT_SEP_DEFAULT (-1)

struct import_opts {
	int kind;                /* enum import_kind */
	int format;              /* enum import_format; AUTO picks JSONL for .jsonl/.ndjson */
	int sep;                 /* IMPORT_SEP_DEFAULT (','), a character, or CSV_SEP_WHITESPACE */
	int header;              /* -1 default (yes), 0 no header (columns by position), 1 header */
	const char *map;         /* "field=column,..." (column: header name or 1-based position) */
	const char *map_file;    /* lines "field = column", "type = ...", "date_format = ...",
				    "separator = ...", "header = yes|no"; flags win over the file */
	const char *fixed_type;  /* events: the type of every row (when the file has none) */
	const char *date_format; /* dt_parse_format format for time and due; NULL = ISO 8601 */
	int skip_bad;            /* import the good rows and list the bad ones */
	int64_t now;             /* recorded_at of the new events */
};

void import_opts_init(struct import_opts *o);

/*
 * A separator as a user names it (--sep, a map file's separator, the API's separator=): one
 * character, or comma, semicolon, tab, pipe, whitespace (ws). FU_EINPUT "separator 'x': ..."
 * otherwise.
 */
int import_sep_parse(struct fu_ctx *ctx, const char *v, int *sep);

#define IMPORT_BAD_LISTED 100 /* bad rows kept in the message list; the rest are only counted */

struct import_result {
	int64_t rows;           /* data rows read */
	int64_t stored;         /* events stored, or contacts written */
	int64_t duplicates;     /* events whose id was already stored */
	int64_t bad;            /* rows skipped with --skip-bad */
	int64_t contacts_new;   /* contacts created */
	struct buf bad_list;    /* one "file:line: message" per line, at most IMPORT_BAD_LISTED */
	struct buf ignored;     /* comma-separated header columns that were not used */
};

void import_result_init(struct import_result *r);
void import_result_release(struct import_result *r);

/*
 * Imports the file at path ("-" reads stdin, named "stdin" in messages) into s in one
 * transaction. Any bad row fails the whole import (FU_EINPUT, "file:line: column 'x': what")
 * and nothing is stored, unless opts->skip_bad, when bad rows are counted and listed in
 * r->bad_list. On any failure the store is unchanged. Contact state is derived again for
 * every contact touched.
 */
int import_file(struct fu_ctx *ctx, struct store *s, const char *path,
		const struct import_opts *opts, struct import_result *r);

/* As import_file, from an open stream (not closed) called `name` in messages. */
int import_stream(struct fu_ctx *ctx, struct store *s, FILE *f, const char *name,
		  const struct import_opts *opts, struct import_result *r);

/*
 * Validates one event given as text fields (NULL or "" = absent) and fills e with pointers
 * into those strings (e is not to be event_release()d). date_format as in import_opts.
 * FU_EINPUT with "field: what" on a bad value.
 */
struct event_text {
	const char *id, *type, *contact, *time, *amount, *ref, *due, *channel, *outcome, *note;
};
int import_event_from_text(struct fu_ctx *ctx, const struct event_text *t,
			   const char *date_format, struct event *e);

/*
 * One JSON value of field k as text, as a JSON Lines row gives it: a string as it is
 * (borrowed), a number printed into out (n bytes), null as NULL; FU_EINPUT "k: must be a
 * string or a number" for anything else.
 */
struct json_t;
int import_json_text(struct fu_ctx *ctx, const char *k, const struct json_t *val, char *out,
		     size_t n, const char **res);

#endif
