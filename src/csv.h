/* csv.h - a streaming reader for RFC 4180 CSV and other delimited text, with line numbers and limits */
#ifndef FU_CSV_H
#define FU_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "fu.h"

/* The separator value that means "one or more spaces or tabs" (leading/trailing blanks ignored). */
#define CSV_SEP_WHITESPACE 0

struct csv_opts {
	int sep;             /* ',', ';', '\t', '|' ... or CSV_SEP_WHITESPACE */
	size_t max_field;    /* bytes per field; 0 = 65536 */
	size_t max_record;   /* bytes per record; 0 = 1 MiB */
	int max_fields;      /* fields per record; 0 = 1024 */
};

/*
 * One record. Fields are NUL-terminated and valid until the next csv_next() or csv_close().
 * lines[i] and cols[i] say where field i starts in the input (at its opening quote when
 * quoted): its 1-based line and its 1-based column, counted in bytes from the start of that
 * line (a byte order mark does not count).
 */
struct csv_record {
	int nfields;
	char **fields;
	const long *lines;
	const long *cols;
	long line;           /* 1-based line number where the record starts */
};

struct csv_reader;

/*
 * Opens a reader on FILE f (not closed by csv_close; the caller owns it). `name` is used in
 * messages ("events.csv:12: ..."). A UTF-8 byte order mark at the start is skipped.
 * On success *out is a new reader the caller frees with csv_close(). Fails only with FU_ENOMEM,
 * or FU_EUSAGE when opts->sep is '"', CR, LF or not a byte. opts may be NULL: commas and the
 * default limits.
 */
int csv_open(struct fu_ctx *ctx, FILE *f, const char *name, const struct csv_opts *opts,
	     struct csv_reader **out);

/*
 * Reads the next record into *rec (owned by the reader). Returns FU_OK and sets *rec to NULL
 * at end of input. Blank lines are skipped. CRLF and LF both end records; quoted fields
 * ("...", with "" for a quote) may hold separators and line breaks (not in whitespace
 * mode, where quotes are still honoured but only within one line). Errors, FU_EINPUT with
 * "name:line:column: what": unterminated quoted field, a character after a closing quote, a
 * field/record/field-count over the limit, a NUL byte, invalid UTF-8. FU_EIO on read errors.
 * Errors are final: later calls return the same code and message.
 */
int csv_next(struct fu_ctx *ctx, struct csv_reader *r, struct csv_record **rec);

/* Frees the reader and its record buffers. NULL is fine. */
void csv_close(struct csv_reader *r);

/* Validates s as UTF-8 (no overlongs, no surrogates); 1 if valid. */
int utf8_valid(const char *s, size_t n);

#endif
