/* csv.c - streaming reader for RFC 4180 CSV and blank-separated text, with line numbers */
#include "csv.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define CSV_CHUNK ((size_t)64 << 10)
#define CSV_DEFAULT_FIELD ((size_t)64 << 10)
#define CSV_DEFAULT_RECORD ((size_t)1 << 20)
#define CSV_DEFAULT_FIELDS 1024

/* Bits in csv_reader.cls: bytes that end a run of plain text in each kind of field. */
#define CLS_PLAIN 1
#define CLS_QUOTED 2

/* Where the scanner is within a record. */
enum csv_state {
	ST_START,  /* separated mode: a field has begun and holds nothing yet */
	ST_LEAD,   /* whitespace mode: between fields, skipping blanks */
	ST_PLAIN,  /* inside an unquoted field */
	ST_QUOTED, /* inside a quoted field */
	ST_QUOTE   /* just after a quote inside a quoted field: an escape or the end */
};

/* csv_getc()'s values besides bytes. */
#define CSV_EOF (-1)
#define CSV_ERR (-2)

struct csv_reader {
	FILE *f;
	char *name;
	int sep;
	int max_fields;
	size_t max_field;
	size_t max_record;
	unsigned char cls[256];

	unsigned char *in; /* the current chunk of input */
	size_t ipos;
	size_t ilen;
	int eof;           /* the FILE has nothing more to give */
	int started;       /* the first chunk was read (and a BOM skipped) */
	long line;         /* line number of the next unread byte */
	uint64_t base;     /* offset in the input of in[0] */
	uint64_t line_start; /* offset in the input where the current line starts */

	char *rec;         /* the record's fields, each NUL-terminated */
	size_t len;
	size_t alloc;
	size_t *offs;      /* where each field starts in rec */
	long *flines;      /* ... and in the input: its line and byte column */
	long *fcols;
	char **fields;     /* the same as pointers, filled when the record is complete */
	int nf;
	int falloc;
	size_t fstart;     /* offset of the current field */
	long fline;        /* line and column where the current field starts */
	long fcol;

	int failed;        /* errors are sticky: the code and message are replayed */
	char failed_msg[FU_MSG_MAX];
	struct csv_record record;
};

int csv_open(struct fu_ctx *ctx, FILE *f, const char *name, const struct csv_opts *opts,
	     struct csv_reader **out)
{
	struct csv_reader *r;
	int sep = opts ? opts->sep : ',';
	size_t n;

	*out = NULL;
	if (sep < 0 || sep > 255 || sep == '"' || sep == '\n' || sep == '\r')
		return fu_err(ctx, FU_EUSAGE, "%s: unusable field separator %d",
			      name ? name : "input", sep);
	r = calloc(1, sizeof(*r));
	if (!r)
		return fu_err(ctx, FU_ENOMEM, "out of memory opening a csv reader");
	if (!name)
		name = "input";
	n = strlen(name);
	r->name = malloc(n + 1);
	r->in = malloc(CSV_CHUNK);
	if (!r->name || !r->in) {
		csv_close(r);
		return fu_err(ctx, FU_ENOMEM, "out of memory opening a csv reader");
	}
	memcpy(r->name, name, n + 1);
	r->f = f;
	r->sep = sep;
	r->max_field = opts && opts->max_field ? opts->max_field : CSV_DEFAULT_FIELD;
	r->max_record = opts && opts->max_record ? opts->max_record : CSV_DEFAULT_RECORD;
	r->max_fields = opts && opts->max_fields > 0 ? opts->max_fields : CSV_DEFAULT_FIELDS;
	r->line = 1;

	r->cls['\n'] = CLS_PLAIN | CLS_QUOTED;
	r->cls['\0'] = CLS_PLAIN | CLS_QUOTED;
	r->cls['"'] = CLS_QUOTED;
	r->cls['\r'] = CLS_PLAIN;
	if (sep == CSV_SEP_WHITESPACE) {
		r->cls[' '] = CLS_PLAIN;
		r->cls['\t'] = CLS_PLAIN;
	} else {
		r->cls[sep] = CLS_PLAIN;
	}
	*out = r;
	return FU_OK;
}

void csv_close(struct csv_reader *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->in);
	free(r->rec);
	free(r->offs);
	free(r->flines);
	free(r->fcols);
	free(r->fields);
	free(r);
}

/* Reads the next chunk; FU_OK with r->ilen == 0 at end of input. */
static int csv_fill(struct fu_ctx *ctx, struct csv_reader *r)
{
	size_t n;

	r->base += r->ilen;
	r->ipos = 0;
	r->ilen = 0;
	if (r->eof)
		return FU_OK;
	n = fread(r->in, 1, CSV_CHUNK, r->f);
	if (n < CSV_CHUNK) {
		if (ferror(r->f))
			return fu_err(ctx, FU_EIO, "%s: read error: %s", r->name, strerror(errno));
		r->eof = 1;
	}
	r->ilen = n;
	if (!r->started) {
		r->started = 1;
		if (n >= 3 && r->in[0] == 0xef && r->in[1] == 0xbb && r->in[2] == 0xbf) {
			r->ipos = 3;
			r->line_start = 3; /* columns count from after the mark */
		}
	}
	return FU_OK;
}

/* The next byte, CSV_EOF at end of input, or CSV_ERR (message on ctx). */
static inline int csv_getc(struct fu_ctx *ctx, struct csv_reader *r)
{
	if (r->ipos < r->ilen)
		return r->in[r->ipos++];
	if (csv_fill(ctx, r))
		return CSV_ERR;
	if (r->ipos < r->ilen)
		return r->in[r->ipos++];
	return CSV_EOF;
}

/* The next byte without consuming it; like csv_getc() otherwise. */
static int csv_peek(struct fu_ctx *ctx, struct csv_reader *r)
{
	if (r->ipos < r->ilen)
		return r->in[r->ipos];
	if (csv_fill(ctx, r))
		return CSV_ERR;
	if (r->ipos < r->ilen)
		return r->in[r->ipos];
	return CSV_EOF;
}

/* The 1-based byte column of in[i] (a byte of the current chunk) in its line. */
static long csv_col(const struct csv_reader *r, size_t i)
{
	return (long)(r->base + i - r->line_start) + 1;
}

/* A line break was just consumed: the next byte starts a line. */
static void csv_newline(struct csv_reader *r)
{
	r->line++;
	r->line_start = r->base + r->ipos;
}

/* Makes room for n more bytes plus a NUL in the record buffer. */
static int csv_reserve(struct fu_ctx *ctx, struct csv_reader *r, size_t n)
{
	size_t need = r->len + n + 1;
	size_t a;
	char *p;

	if (need <= r->alloc)
		return FU_OK;
	a = r->alloc ? r->alloc : 256;
	while (a < need) {
		if (a > SIZE_MAX / 2)
			return fu_err(ctx, FU_ENOMEM, "out of memory reading %s", r->name);
		a *= 2;
	}
	p = realloc(r->rec, a);
	if (!p)
		return fu_err(ctx, FU_ENOMEM, "out of memory growing a record of %s to %zu bytes",
			      r->name, a);
	r->rec = p;
	r->alloc = a;
	return FU_OK;
}

/* Appends field bytes, enforcing the field and record limits. */
static int csv_append(struct fu_ctx *ctx, struct csv_reader *r, const void *s, size_t n,
		      long rec_line)
{
	int rc;

	if (r->len - r->fstart + n > r->max_field)
		return fu_err(ctx, FU_EINPUT, "%s:%ld:%ld: field longer than %zu bytes",
			      r->name, r->fline, r->fcol, r->max_field);
	if (r->len + n > r->max_record)
		return fu_err(ctx, FU_EINPUT, "%s:%ld:1: record longer than %zu bytes",
			      r->name, rec_line, r->max_record);
	if (r->len + n + 1 > r->alloc) {
		rc = csv_reserve(ctx, r, n);
		if (rc)
			return rc;
	}
	memcpy(r->rec + r->len, s, n);
	r->len += n;
	return FU_OK;
}

/* Starts a new, empty field at the current line, its first byte at column col. */
static int csv_field_begin(struct fu_ctx *ctx, struct csv_reader *r, long col)
{
	int a;
	size_t *o;
	long *l, *k;
	char **p;

	if (r->nf >= r->max_fields)
		return fu_err(ctx, FU_EINPUT, "%s:%ld:%ld: more than %d fields",
			      r->name, r->line, col, r->max_fields);
	if (r->nf == r->falloc) {
		a = r->falloc ? r->falloc * 2 : 16;
		if (a > r->max_fields)
			a = r->max_fields;
		o = realloc(r->offs, (size_t)a * sizeof(*o));
		if (!o)
			return fu_err(ctx, FU_ENOMEM, "out of memory reading %s", r->name);
		r->offs = o;
		l = realloc(r->flines, (size_t)a * sizeof(*l));
		if (!l)
			return fu_err(ctx, FU_ENOMEM, "out of memory reading %s", r->name);
		r->flines = l;
		k = realloc(r->fcols, (size_t)a * sizeof(*k));
		if (!k)
			return fu_err(ctx, FU_ENOMEM, "out of memory reading %s", r->name);
		r->fcols = k;
		p = realloc(r->fields, (size_t)a * sizeof(*p));
		if (!p)
			return fu_err(ctx, FU_ENOMEM, "out of memory reading %s", r->name);
		r->fields = p;
		r->falloc = a;
	}
	r->offs[r->nf] = r->len;
	r->flines[r->nf] = r->line;
	r->fcols[r->nf++] = col;
	r->fstart = r->len;
	r->fline = r->line;
	r->fcol = col;
	return FU_OK;
}

/* NUL-terminates the current field. */
static int csv_field_end(struct fu_ctx *ctx, struct csv_reader *r)
{
	int rc;

	if (r->len + 1 > r->alloc) {
		rc = csv_reserve(ctx, r, 0);
		if (rc)
			return rc;
	}
	r->rec[r->len++] = '\0';
	return FU_OK;
}

/* Length of the longest valid UTF-8 prefix of s[0..n). */
static size_t utf8_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0;
	uint64_t w;
	unsigned char c, lo, hi;
	int k;

	while (i < n) {
		if (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if (!(w & UINT64_C(0x8080808080808080))) {
				i += 8;
				continue;
			}
		}
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			else if (c == 0xed)
				hi = 0x9f; /* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			if (c == 0xf0)
				lo = 0x90; /* overlong */
			else if (c == 0xf4)
				hi = 0x8f; /* beyond U+10FFFF */
		} else {
			return i;
		}
		if (n - i <= (size_t)k)
			return i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		if (k >= 2 && (s[i + 2] & 0xc0) != 0x80)
			return i;
		if (k == 3 && (s[i + 3] & 0xc0) != 0x80)
			return i;
		i += (size_t)k + 1;
	}
	return n;
}

int utf8_valid(const char *s, size_t n)
{
	return utf8_prefix((const unsigned char *)s, n) == n;
}

static int csv_err_after_quote(struct fu_ctx *ctx, struct csv_reader *r, int c)
{
	long col = csv_col(r, r->ipos - 1);

	if (c >= 0x20 && c < 0x7f && c != '\'')
		return fu_err(ctx, FU_EINPUT,
			      "%s:%ld:%ld: unexpected character '%c' after closing quote",
			      r->name, r->line, col, c);
	return fu_err(ctx, FU_EINPUT,
		      "%s:%ld:%ld: unexpected character '\\x%02x' after closing quote",
		      r->name, r->line, col, (unsigned)c);
}

/* Checks the complete record and publishes it as r->record. */
static int csv_finish(struct fu_ctx *ctx, struct csv_reader *r, long rec_line)
{
	size_t ok;
	int rc, k;

	rc = csv_field_end(ctx, r);
	if (rc)
		return rc;
	ok = utf8_prefix((const unsigned char *)r->rec, r->len);
	if (ok != r->len) {
		/*
		 * the place of the bad byte, from the start of the field that holds it (in a
		 * quoted field without a line break, one column early: the quote is not kept)
		 */
		long line, col;
		size_t i;

		for (k = r->nf - 1; k > 0 && r->offs[k] > ok; k--)
			;
		line = r->flines[k];
		col = r->fcols[k] + (long)(ok - r->offs[k]);
		for (i = r->offs[k]; i < ok; i++) {
			if (r->rec[i] == '\n') {
				line++;
				col = (long)(ok - i);
			}
		}
		return fu_err(ctx, FU_EINPUT,
			      "%s:%ld:%ld: invalid UTF-8 (the file must be UTF-8 text; convert "
			      "it, e.g. with iconv)", r->name, line, col);
	}
	for (k = 0; k < r->nf; k++)
		r->fields[k] = r->rec + r->offs[k];
	r->record.nfields = r->nf;
	r->record.fields = r->fields;
	r->record.lines = r->flines;
	r->record.cols = r->fcols;
	r->record.line = rec_line;
	return FU_OK;
}

/* Sets *got to 1 with a record in r->record, or to 0 at end of input. */
static int csv_read(struct fu_ctx *ctx, struct csv_reader *r, int *got)
{
	const int ws = r->sep == CSV_SEP_WHITESPACE;
	enum csv_state st;
	long rec_line;
	int quoted, rc, c;
	size_t i;

	*got = 0;
next_record:
	r->len = 0;
	r->nf = 0;
	quoted = 0;
	rec_line = r->line;
	if (ws) {
		st = ST_LEAD;
	} else {
		st = ST_START;
		rc = csv_field_begin(ctx, r, csv_col(r, r->ipos));
		if (rc)
			return rc;
	}
	for (;;) {
		/* copy runs of ordinary bytes straight from the chunk */
		if (st == ST_PLAIN || st == ST_QUOTED) {
			const int mask = st == ST_PLAIN ? CLS_PLAIN : CLS_QUOTED;

			i = r->ipos;
			while (i < r->ilen && !(r->cls[r->in[i]] & mask))
				i++;
			if (i > r->ipos) {
				rc = csv_append(ctx, r, r->in + r->ipos, i - r->ipos, rec_line);
				if (rc)
					return rc;
				r->ipos = i;
			}
		}
		c = csv_getc(ctx, r);
		if (c == CSV_ERR)
			return ctx->rc;
		if (c == '\0')
			return fu_err(ctx, FU_EINPUT, "%s:%ld:%ld: NUL byte in input", r->name,
				      r->line, csv_col(r, r->ipos - 1));
		if (c == '\r' && st != ST_QUOTED) {
			/* CR LF ends a record; a lone CR is an ordinary byte */
			int d = csv_peek(ctx, r);

			if (d == CSV_ERR)
				return ctx->rc;
			if (d == '\n') {
				r->ipos++;
				c = '\n';
			} else if (st == ST_QUOTE) {
				return csv_err_after_quote(ctx, r, c);
			}
		}

		switch (st) {
		case ST_START:
		case ST_PLAIN:
			if (c == CSV_EOF) {
				if (st == ST_START && r->nf == 1 && !quoted)
					return FU_OK;
				goto finish;
			}
			if (c == '\n') {
				csv_newline(r);
				if (st == ST_START && r->nf == 1 && !quoted && !ws)
					goto next_record;
				goto finish;
			}
			if (st == ST_START && c == '"') {
				quoted = 1;
				r->fline = r->line;
				st = ST_QUOTED;
				break;
			}
			if (ws ? (c == ' ' || c == '\t') : c == r->sep) {
				rc = csv_field_end(ctx, r);
				if (!rc && !ws)
					rc = csv_field_begin(ctx, r, csv_col(r, r->ipos));
				if (rc)
					return rc;
				st = ws ? ST_LEAD : ST_START;
				break;
			}
			{
				unsigned char b = (unsigned char)c;

				rc = csv_append(ctx, r, &b, 1, rec_line);
			}
			if (rc)
				return rc;
			st = ST_PLAIN;
			break;
		case ST_LEAD:
			if (c == CSV_EOF) {
				if (r->nf == 0)
					return FU_OK;
				goto finish_ended;
			}
			if (c == '\n') {
				csv_newline(r);
				if (r->nf == 0)
					goto next_record;
				goto finish_ended;
			}
			if (c == ' ' || c == '\t')
				break;
			/* whitespace mode: the field's first byte was just read */
			rc = csv_field_begin(ctx, r, csv_col(r, r->ipos - 1));
			if (rc)
				return rc;
			if (c == '"') {
				st = ST_QUOTED;
				break;
			}
			{
				unsigned char b = (unsigned char)c;

				rc = csv_append(ctx, r, &b, 1, rec_line);
			}
			if (rc)
				return rc;
			st = ST_PLAIN;
			break;
		case ST_QUOTED:
			if (c == CSV_EOF || (ws && c == '\n'))
				return fu_err(ctx, FU_EINPUT, "%s:%ld:%ld: unterminated quoted field",
					      r->name, r->fline, r->fcol);
			if (c == '"') {
				st = ST_QUOTE;
				break;
			}
			if (c == '\n')
				csv_newline(r);
			{
				unsigned char b = (unsigned char)c;

				rc = csv_append(ctx, r, &b, 1, rec_line);
			}
			if (rc)
				return rc;
			break;
		case ST_QUOTE:
			if (c == CSV_EOF)
				goto finish;
			if (c == '\n') {
				csv_newline(r);
				goto finish;
			}
			if (c == '"') {
				rc = csv_append(ctx, r, "\"", 1, rec_line);
				if (rc)
					return rc;
				st = ST_QUOTED;
				break;
			}
			if (ws ? (c == ' ' || c == '\t') : c == r->sep) {
				rc = csv_field_end(ctx, r);
				if (!rc && !ws)
					rc = csv_field_begin(ctx, r, csv_col(r, r->ipos));
				if (rc)
					return rc;
				st = ws ? ST_LEAD : ST_START;
				break;
			}
			return csv_err_after_quote(ctx, r, c);
		}
	}

finish:
	rc = csv_finish(ctx, r, rec_line);
	if (rc)
		return rc;
	*got = 1;
	return FU_OK;

finish_ended:
	/* whitespace mode: the last field was already terminated; undo that */
	r->len--;
	goto finish;
}

int csv_next(struct fu_ctx *ctx, struct csv_reader *r, struct csv_record **rec)
{
	int rc, got;

	*rec = NULL;
	if (r->failed)
		return fu_err(ctx, r->failed, "%s", r->failed_msg);
	rc = csv_read(ctx, r, &got);
	if (rc) {
		r->failed = rc;
		memcpy(r->failed_msg, ctx->msg, sizeof(r->failed_msg));
		return rc;
	}
	if (got)
		*rec = &r->record;
	return FU_OK;
}
