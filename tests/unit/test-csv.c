/* test-csv.c - unit and fuzz-style robustness tests for the csv reader (src/csv.c) */
#include "csv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

#include "banned.h"

/*
 * Reads every record of data[0..n) and renders them as "LINE[f1|f2|...]" one after another
 * into out. Returns the first failing code (message on ctx), FU_OK after the last record.
 */
static int read_all_n(struct fu_ctx *ctx, const char *data, size_t n, const struct csv_opts *o,
		      struct buf *out)
{
	struct csv_reader *r;
	struct csv_record *rec;
	FILE *f;
	int rc, i;

	fu_ctx_init(ctx);
	buf_reset(out);
	f = fmemopen((void *)data, n, "r");
	assert_non_null(f);
	rc = csv_open(ctx, f, "t.csv", o, &r);
	assert_int_equal(rc, FU_OK);
	for (;;) {
		rc = csv_next(ctx, r, &rec);
		if (rc || !rec)
			break;
		assert_int_equal(buf_addf(ctx, out, "%ld[", rec->line), FU_OK);
		for (i = 0; i < rec->nfields; i++)
			assert_int_equal(buf_addf(ctx, out, "%s%s", i ? "|" : "", rec->fields[i]),
					 FU_OK);
		assert_int_equal(buf_addc(ctx, out, ']'), FU_OK);
	}
	csv_close(r);
	fclose(f);
	return rc;
}

/* Asserts data parses without error into exactly `want`. */
static void check_n(const char *data, size_t n, const struct csv_opts *o, const char *want)
{
	struct fu_ctx ctx;
	struct buf out;
	int rc;

	buf_init(&out, 0);
	rc = read_all_n(&ctx, data, n, o, &out);
	if (rc)
		print_error("unexpected error: %s\n", ctx.msg);
	assert_int_equal(rc, FU_OK);
	assert_string_equal(buf_cstr(&out), want);
	buf_release(&out);
}

static void check(const char *data, const struct csv_opts *o, const char *want)
{
	check_n(data, strlen(data), o, want);
}

/* Asserts data fails with FU_EINPUT and exactly the message `want`, after records `before`. */
static void check_err_n(const char *data, size_t n, const struct csv_opts *o, const char *before,
			const char *want)
{
	struct fu_ctx ctx;
	struct buf out;
	int rc;

	buf_init(&out, 0);
	rc = read_all_n(&ctx, data, n, o, &out);
	assert_int_equal(rc, FU_EINPUT);
	assert_int_equal(ctx.rc, FU_EINPUT);
	assert_string_equal(ctx.msg, want);
	assert_string_equal(buf_cstr(&out), before);
	buf_release(&out);
}

static void check_err(const char *data, const struct csv_opts *o, const char *before,
		      const char *want)
{
	check_err_n(data, strlen(data), o, before, want);
}

static const struct csv_opts comma = { ',', 0, 0, 0 };
static const struct csv_opts blanks = { CSV_SEP_WHITESPACE, 0, 0, 0 };

static void test_simple(void **state)
{
	check("a,b,c\nd,e,f\n", &comma, "1[a|b|c]2[d|e|f]");
	check("id\n1\n", NULL, "1[id]2[1]");
	check(",,\n", &comma, "1[||]");
	check("a,\n,b\n", &comma, "1[a|]2[|b]");
	check("a,", &comma, "1[a|]");
	check("", &comma, "");
	check("x y , z\n", &comma, "1[x y | z]");
	check("e1,purchase,c00042,2025-03-04T10:11:12Z,12.50,INV-1,,email,,note\n", &comma,
	      "1[e1|purchase|c00042|2025-03-04T10:11:12Z|12.50|INV-1||email||note]");
}

static void test_quoted(void **state)
{
	check("\"a,b\",c\n", &comma, "1[a,b|c]");
	check("\"say \"\"hi\"\"\",x\n", &comma, "1[say \"hi\"|x]");
	check("\"\"\"\"\n", &comma, "1[\"]");
	check("\"\",\"\"\n", &comma, "1[|]");
	check("\"\"\n", &comma, "1[]"); /* an empty quoted field is not a blank line */
	check("a\"b,c\"\n", &comma, "1[a\"b|c\"]"); /* quotes inside unquoted fields are text */
	check("\"x\"", &comma, "1[x]");
	check("\"caf\xc3\xa9\",\"\xe2\x82\xac\"\n", &comma, "1[caf\xc3\xa9|\xe2\x82\xac]");
}

static void test_embedded_newlines(void **state)
{
	check("1,\"two\r\nlines\",3\r\n4,5,6\r\n", &comma, "1[1|two\r\nlines|3]3[4|5|6]");
	check("h\n\"a\n\nb\n\",\"c\nd\"\ne\n", &comma, "1[h]2[a\n\nb\n|c\nd]7[e]");
	check("\"a\rb\"\n", &comma, "1[a\rb]");
}

static void test_line_endings(void **state)
{
	check("a,b\r\nc,d\ne,f\r\n", &comma, "1[a|b]2[c|d]3[e|f]");
	check("a\rb,c\n", &comma, "1[a\rb|c]"); /* a lone CR is text */
	check("a\r\r\n", &comma, "1[a\r]");
	check("\"q\"\r\nx\r", &comma, "1[q]2[x\r]");
	check("a,b\nc,d", &comma, "1[a|b]2[c|d]");
	check("a,b\r\nc,d", &comma, "1[a|b]2[c|d]");
}

static void test_bom(void **state)
{
	check("\xef\xbb\xbfid,name\n1,x\n", &comma, "1[id|name]2[1|x]");
	check("\xef\xbb\xbf", &comma, "");
	check("\xef\xbb\xbf\"q\"\n", &comma, "1[q]");
	/* only at the start: elsewhere it is an ordinary (valid) character */
	check("a\n\xef\xbb\xbf\n", &comma, "1[a]2[\xef\xbb\xbf]");
}

static void test_blank_lines(void **state)
{
	check("\n\na,b\n\r\n\nc\n\n", &comma, "3[a|b]6[c]");
	check("\n", &comma, "");
	check("\r\n\r\n", &comma, "");
	check(" \n", &comma, "1[ ]"); /* not blank with a real separator */
}

static void test_other_separators(void **state)
{
	struct csv_opts semi = { ';', 0, 0, 0 };
	struct csv_opts tab = { '\t', 0, 0, 0 };
	struct csv_opts pipe = { '|', 0, 0, 0 };

	check("a;b,c;\"d;e\"\n1;2;3\n", &semi, "1[a|b,c|d;e]2[1|2|3]");
	check("a\tb c\t\n\"x\ty\"\tz\n", &tab, "1[a|b c|]2[x\ty|z]");
	check("a|b\n", &pipe, "1[a|b]");
}

static void test_whitespace(void **state)
{
	check("  00001 19970101 1   11.77\r\n"
	      "00002\t19970112  1 12.00\n"
	      "   \n"
	      "\t\r\n"
	      "\n"
	      "00003 19970102 2 20.76",
	      &blanks,
	      "1[00001|19970101|1|11.77]2[00002|19970112|1|12.00]6[00003|19970102|2|20.76]");
	check("a \"b c\" \"\"  d \n", &blanks, "1[a|b c||d]");
	check("\"x\"\"y\" z\n", &blanks, "1[x\"y|z]");
	check("\"q\"", &blanks, "1[q]");
	check("   ", &blanks, "");
	check("a,b;c\n", &blanks, "1[a,b;c]");
	check_err("a\n\"b\nc\"\n", &blanks, "1[a]", "t.csv:2:1: unterminated quoted field");
	check_err("\"b\" \"c\"d\n", &blanks, "",
		  "t.csv:1:8: unexpected character 'd' after closing quote");
}

static void test_chunk_boundaries(void **state)
{
	struct csv_opts big = { ',', 1 << 20, 4 << 20, 0 };
	struct buf in, want;
	struct fu_ctx ctx;
	size_t i;

	buf_init(&in, 0);
	buf_init(&want, 0);
	/* CR as the last byte of the first 64 KiB chunk, LF the first of the second */
	for (i = 0; i < 65535; i++)
		assert_int_equal(buf_addc(&ctx, &in, 'x'), FU_OK);
	assert_int_equal(buf_adds(&ctx, &in, "\r\ny\n"), FU_OK);
	assert_int_equal(buf_adds(&ctx, &want, "1["), FU_OK);
	assert_int_equal(buf_add(&ctx, &want, in.s, 65535), FU_OK);
	assert_int_equal(buf_adds(&ctx, &want, "]2[y]"), FU_OK);
	check(in.s, &big, want.s);

	/* a doubled quote split across chunks, and many records */
	buf_reset(&in);
	buf_reset(&want);
	assert_int_equal(buf_addc(&ctx, &in, '"'), FU_OK);
	for (i = 1; i < 65535; i++)
		assert_int_equal(buf_addc(&ctx, &in, 'q'), FU_OK);
	assert_int_equal(buf_adds(&ctx, &in, "\"\"\"\n"), FU_OK);
	assert_int_equal(buf_adds(&ctx, &want, "1["), FU_OK);
	assert_int_equal(buf_add(&ctx, &want, in.s + 1, 65534), FU_OK);
	assert_int_equal(buf_adds(&ctx, &want, "\"]"), FU_OK);
	for (i = 0; i < 20000; i++) {
		assert_int_equal(buf_addf(&ctx, &in, "r%zu,\"v\n%zu\"\n", i, i), FU_OK);
		assert_int_equal(buf_addf(&ctx, &want, "%zu[r%zu|v\n%zu]", 2 + 2 * i, i, i),
				 FU_OK);
	}
	check(in.s, &big, want.s);
	buf_release(&in);
	buf_release(&want);
}

static void test_unterminated(void **state)
{
	check_err("a,b\nc,\"d\ne\nf", &comma, "1[a|b]", "t.csv:2:3: unterminated quoted field");
	check_err("\"", &comma, "", "t.csv:1:1: unterminated quoted field");
	check_err("x\n\n\"abc\"\"\n", &comma, "1[x]", "t.csv:3:1: unterminated quoted field");
}

static void test_after_quote(void **state)
{
	check_err("\"ab\"x,c\n", &comma, "", "t.csv:1:5: unexpected character 'x' after closing quote");
	check_err("a\n\"b\nc\"d\n", &comma, "1[a]",
		  "t.csv:3:3: unexpected character 'd' after closing quote");
	check_err("\"a\" ,b\n", &comma, "", "t.csv:1:4: unexpected character ' ' after closing quote");
	check_err("\"a\"\rb\n", &comma, "",
		  "t.csv:1:4: unexpected character '\\x0d' after closing quote");
	check_err("\"a\"'\n", &comma, "",
		  "t.csv:1:4: unexpected character '\\x27' after closing quote");
	check_err("\"a\"\xc3\xa9\n", &comma, "",
		  "t.csv:1:4: unexpected character '\\xc3' after closing quote");
}

static void test_limits(void **state)
{
	struct csv_opts f4 = { ',', 4, 0, 0 };
	struct csv_opts r8 = { ',', 0, 8, 0 };
	struct csv_opts n3 = { ',', 0, 0, 3 };
	struct csv_opts wn3 = { CSV_SEP_WHITESPACE, 0, 0, 3 };
	struct buf in;
	struct fu_ctx ctx;
	size_t i;

	check("abcd,\"efgh\"\n", &f4, "1[abcd|efgh]");
	check_err("abcd,abcde\n", &f4, "", "t.csv:1:6: field longer than 4 bytes");
	check_err("x\n\"ab\ncd\"\n", &f4, "1[x]", "t.csv:2:1: field longer than 4 bytes");
	check("abc,def\n", &r8, "1[abc|def]");
	check_err("abc,def\nabc,defgh\n", &r8, "1[abc|def]", "t.csv:2:1: record longer than 8 bytes");
	check("a,b,c\n", &n3, "1[a|b|c]");
	check_err("a,b,c\na,b,c,d\n", &n3, "1[a|b|c]", "t.csv:2:7: more than 3 fields");
	check_err("a,b,c,\n", &n3, "", "t.csv:1:7: more than 3 fields");
	check("a b c \n", &wn3, "1[a|b|c]");
	check_err("a b c d\n", &wn3, "", "t.csv:1:7: more than 3 fields");

	/* the defaults: 65536 bytes per field, 1024 fields */
	buf_init(&in, 0);
	for (i = 0; i < 65536; i++)
		assert_int_equal(buf_addc(&ctx, &in, 'z'), FU_OK);
	assert_int_equal(buf_adds(&ctx, &in, "\n"), FU_OK);
	{
		struct buf want;

		buf_init(&want, 0);
		assert_int_equal(buf_addf(&ctx, &want, "1[%.*s]", 65536, in.s), FU_OK);
		check(in.s, NULL, want.s);
		buf_release(&want);
	}
	in.len--;
	assert_int_equal(buf_adds(&ctx, &in, "z\n"), FU_OK);
	check_err(in.s, NULL, "", "t.csv:1:1: field longer than 65536 bytes");
	buf_reset(&in);
	for (i = 0; i < 1025; i++)
		assert_int_equal(buf_adds(&ctx, &in, i ? ",x" : "x"), FU_OK);
	check_err(in.s, NULL, "", "t.csv:1:2049: more than 1024 fields");
	buf_release(&in);
}

static void test_nul(void **state)
{
	static const char data[] = "a,b\nc\0d\n";
	static const char quoted[] = "\"a\n\0\"\n";

	check_err_n(data, sizeof(data) - 1, &comma, "1[a|b]", "t.csv:2:2: NUL byte in input");
	check_err_n(quoted, sizeof(quoted) - 1, &comma, "", "t.csv:2:1: NUL byte in input");
	check_err_n("\0", 1, &blanks, "", "t.csv:1:1: NUL byte in input");
}

#define UTF8_MSG "invalid UTF-8 (the file must be UTF-8 text; convert it, e.g. with iconv)"

static void test_invalid_utf8(void **state)
{
	check_err("ok\n\xff\n", &comma, "1[ok]", "t.csv:2:1: " UTF8_MSG);
	check_err("\"a\nb\xc3\",x\n", &comma, "", "t.csv:2:2: " UTF8_MSG);
	check_err("\xc3,\xa9\n", &comma, "", "t.csv:1:1: " UTF8_MSG); /* split by a separator */
	check_err("a\n\xed\xa0\x80\n", &comma, "1[a]", "t.csv:2:1: " UTF8_MSG);
	check_err("\xef\xbb\n", &comma, "", "t.csv:1:1: " UTF8_MSG); /* half a BOM */
}

/* Each field's line and byte column, across quoted line breaks, a BOM and chunk edges. */
static void test_field_places(void **state)
{
	static const char data[] = "\xef\xbb\xbf" "ab,\"c\nd\",e\n\n x,y\n";
	static const long want[][3][2] = {
		{ { 1, 1 }, { 1, 4 }, { 2, 4 } },
		{ { 4, 1 }, { 4, 4 }, { 0, 0 } },
	};
	struct csv_reader *r;
	struct csv_record *rec;
	struct fu_ctx ctx;
	struct buf big;
	FILE *f;

	(void)state;
	fu_ctx_init(&ctx);
	f = fmemopen((void *)data, sizeof(data) - 1, "r");
	assert_non_null(f);
	assert_int_equal(csv_open(&ctx, f, "p.csv", &comma, &r), FU_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(csv_next(&ctx, r, &rec), FU_OK);
		assert_non_null(rec);
		for (int k = 0; k < rec->nfields; k++) {
			if (rec->lines[k] != want[i][k][0] || rec->cols[k] != want[i][k][1])
				fail_msg("record %d field %d at %ld:%ld, want %ld:%ld", i, k,
					 rec->lines[k], rec->cols[k], want[i][k][0], want[i][k][1]);
		}
	}
	csv_close(r);
	fclose(f);

	/* a column far beyond the 64 KiB chunk */
	buf_init(&big, 0);
	assert_int_equal(buf_adds(&ctx, &big, "a\n"), FU_OK);
	for (int i = 0; i < 80001; i++)
		assert_int_equal(buf_adds(&ctx, &big, i == 40000 ? "," : "x"), FU_OK);
	assert_int_equal(buf_adds(&ctx, &big, ",\"q\"z\n"), FU_OK);
	check_err(big.s, &comma, "1[a]", "t.csv:2:80006: unexpected character 'z' after closing quote");
	buf_release(&big);
}

static void test_sticky_error_and_eof(void **state)
{
	struct csv_reader *r;
	struct csv_record *rec;
	struct fu_ctx ctx;
	const char *data = "a\n\"b";
	FILE *f;

	fu_ctx_init(&ctx);
	f = fmemopen((void *)data, strlen(data), "r");
	assert_non_null(f);
	assert_int_equal(csv_open(&ctx, f, "s.csv", &comma, &r), FU_OK);
	assert_int_equal(csv_next(&ctx, r, &rec), FU_OK);
	assert_non_null(rec);
	assert_int_equal(rec->nfields, 1);
	assert_string_equal(rec->fields[0], "a");
	assert_int_equal(csv_next(&ctx, r, &rec), FU_EINPUT);
	assert_null(rec);
	fu_ctx_init(&ctx);
	assert_int_equal(csv_next(&ctx, r, &rec), FU_EINPUT);
	assert_string_equal(ctx.msg, "s.csv:2:1: unterminated quoted field");
	csv_close(r);
	fclose(f);

	data = "a\n";
	f = fmemopen((void *)data, strlen(data), "r");
	assert_non_null(f);
	assert_int_equal(csv_open(&ctx, f, "s.csv", &comma, &r), FU_OK);
	assert_int_equal(csv_next(&ctx, r, &rec), FU_OK);
	assert_non_null(rec);
	assert_int_equal(rec->line, 1);
	assert_int_equal(csv_next(&ctx, r, &rec), FU_OK);
	assert_null(rec);
	assert_int_equal(csv_next(&ctx, r, &rec), FU_OK); /* end of input stays the end */
	assert_null(rec);
	csv_close(r);
	fclose(f);
	csv_close(NULL);
}

static void test_open_and_read_errors(void **state)
{
	struct csv_opts quote = { '"', 0, 0, 0 };
	struct csv_opts lf = { '\n', 0, 0, 0 };
	struct csv_opts wide = { 256, 0, 0, 0 };
	struct csv_reader *r = (struct csv_reader *)&quote;
	struct csv_record *rec;
	struct fu_ctx ctx;
	FILE *f;

	fu_ctx_init(&ctx);
	assert_int_equal(csv_open(&ctx, stdin, "x.csv", &quote, &r), FU_EUSAGE);
	assert_null(r);
	assert_string_equal(ctx.msg, "x.csv: unusable field separator 34");
	assert_int_equal(csv_open(&ctx, stdin, "x.csv", &lf, &r), FU_EUSAGE);
	assert_int_equal(csv_open(&ctx, stdin, "x.csv", &wide, &r), FU_EUSAGE);

	/* reading a write-only stream fails with EBADF */
	f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(csv_open(&ctx, f, "w.csv", NULL, &r), FU_OK);
	assert_int_equal(csv_next(&ctx, r, &rec), FU_EIO);
	assert_null(rec);
	assert_string_equal(ctx.msg, "w.csv: read error: Bad file descriptor");
	csv_close(r);
	fclose(f);
}

static void test_utf8_valid(void **state)
{
	static const char *const good[] = {
		"", "plain ascii text", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\xf4\x8f\xbf\xbf", "\xef\xbf\xbf", "\xee\x80\x80", "\xc2\x80", "\xdf\xbf",
		"\xe0\xa0\x80", "\xed\x9f\xbf", "\xf0\x90\x80\x80", "abcdefgh\xc3\xa9ijklmnop",
	};
	static const char *const bad[] = {
		"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf",
		"\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf",
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe", "\xff",
		"\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xc3" "a", "\xe2" "a\xac", "\xe2\x82" "a",
		"\xf0\x9f\x98" "a", "abcdefghij\xff", "abcdefgh\xe2\x82",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(utf8_valid(good[i], strlen(good[i])), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(utf8_valid(bad[i], strlen(bad[i])), 0);
	/* the length bounds the check: a truncated prefix of a valid sequence fails */
	assert_int_equal(utf8_valid("\xe2\x82\xac", 2), 0);
	assert_int_equal(utf8_valid("ab\xff", 2), 1);
	assert_int_equal(utf8_valid("a\0b", 3), 1);
}

/* xorshift64: a fixed, repeatable stream of pseudo-random numbers */
static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static int known_error(const char *msg)
{
	static const char *const tails[] = {
		": unterminated quoted field", " after closing quote", " bytes", " fields",
		": NUL byte in input", "e.g. with iconv)",
	};
	size_t i, n = strlen(msg), t;

	if (strncmp(msg, "fz.csv:", 7) != 0)
		return 0;
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		t = strlen(tails[i]);
		if (n >= t && strcmp(msg + n - t, tails[i]) == 0)
			return 1;
	}
	return 0;
}

/* Writes rec as CSV with every field quoted, so reading it back must give the same fields. */
static void write_quoted(struct fu_ctx *ctx, struct buf *b, const struct csv_record *rec)
{
	const char *p;
	int i;

	for (i = 0; i < rec->nfields; i++) {
		assert_int_equal(buf_adds(ctx, b, i ? ",\"" : "\""), FU_OK);
		for (p = rec->fields[i]; *p; p++) {
			if (*p == '"')
				assert_int_equal(buf_addc(ctx, b, '"'), FU_OK);
			assert_int_equal(buf_addc(ctx, b, *p), FU_OK);
		}
		assert_int_equal(buf_addc(ctx, b, '"'), FU_OK);
	}
	assert_int_equal(buf_addc(ctx, b, '\n'), FU_OK);
}

/* Renders rec's fields unambiguously (with lengths), without the line number. */
static void render_fields(struct fu_ctx *ctx, struct buf *b, const struct csv_record *rec)
{
	int i;

	for (i = 0; i < rec->nfields; i++)
		assert_int_equal(buf_addf(ctx, b, "{%zu:%s}", strlen(rec->fields[i]),
					  rec->fields[i]), FU_OK);
	assert_int_equal(buf_addc(ctx, b, '\n'), FU_OK);
}

/* Reads data[0..n) completely, rendering the records into got; also writes them to round. */
static int fuzz_read(struct fu_ctx *ctx, const char *data, size_t n, const struct csv_opts *o,
		     struct buf *got, struct buf *round)
{
	struct csv_reader *r;
	struct csv_record *rec;
	size_t i, nl = 0;
	long last = 0;
	FILE *f;
	int rc, k;

	for (i = 0; i < n; i++)
		if (data[i] == '\n')
			nl++;
	fu_ctx_init(ctx);
	buf_reset(got);
	buf_reset(round);
	f = fmemopen((void *)data, n, "r");
	assert_non_null(f);
	assert_int_equal(csv_open(ctx, f, "fz.csv", o, &r), FU_OK);
	while ((rc = csv_next(ctx, r, &rec)) == FU_OK && rec) {
		assert_true(rec->line > last);
		assert_true(rec->line <= (long)nl + 1);
		last = rec->line;
		assert_true(rec->nfields >= 1);
		assert_true(rec->nfields <= (o->max_fields ? o->max_fields : 1024));
		for (k = 0; k < rec->nfields; k++) {
			size_t len = strlen(rec->fields[k]);

			assert_true(len <= (o->max_field ? o->max_field : 65536));
			assert_int_equal(utf8_valid(rec->fields[k], len), 1);
		}
		render_fields(ctx, got, rec);
		write_quoted(ctx, round, rec);
	}
	csv_close(r);
	fclose(f);
	return rc;
}

static void test_fuzz(void **state)
{
	/* mostly text and structure; quotes, lone CRs and bad bytes rarer, so both outcomes occur */
	static const char common[] = "abcxyz019 ,,;\t\n\n\r\n";
	static const char rare[] = "\"\"\"\r\xc3\xa9\xe2\x82\xac\xff\x80\xed\xf0";
	uint64_t seed = 0x9e3779b97f4a7c15u;
	struct buf got, round, got2, round2;
	struct fu_ctx ctx;
	char data[300];
	int iter, ok = 0, failed = 0;

	buf_init(&got, 0);
	buf_init(&round, 0);
	buf_init(&got2, 0);
	buf_init(&round2, 0);
	for (iter = 0; iter < 8000; iter++) {
		struct csv_opts o = { ',', 0, 0, 0 };
		size_t n = xorshift(&seed) % sizeof(data), i;
		int rc;

		switch (iter % 4) {
		case 1:
			o.sep = CSV_SEP_WHITESPACE;
			break;
		case 2:
			o.sep = ';';
			o.max_field = 1 + xorshift(&seed) % 24;
			o.max_record = 1 + xorshift(&seed) % 64;
			o.max_fields = 1 + (int)(xorshift(&seed) % 8);
			break;
		case 3:
			o.sep = '\t';
			break;
		}
		for (i = 0; i < n; i++) {
			uint64_t x = xorshift(&seed);

			if (x % 997 == 0)
				data[i] = '\0';
			else if (x % 100 < 94)
				data[i] = common[(x >> 8) % (sizeof(common) - 1)];
			else if (x % 100 < 98 && n - i >= 2)
				memcpy(data + i++, "\xc3\xa9", 2); /* a valid two-byte character */
			else
				data[i] = rare[(x >> 8) % (sizeof(rare) - 1)];
		}
		rc = fuzz_read(&ctx, data, n, &o, &got, &round);
		if (rc) {
			assert_int_equal(rc, FU_EINPUT);
			if (!known_error(ctx.msg))
				fail_msg("unexpected message '%s'", ctx.msg);
			failed++;
			continue;
		}
		ok++;
		/* comma mode: the records, written back fully quoted, read back the same */
		if (o.sep == ',') {
			rc = fuzz_read(&ctx, buf_cstr(&round), round.len, &o, &got2, &round2);
			assert_int_equal(rc, FU_OK);
			assert_string_equal(buf_cstr(&got2), buf_cstr(&got));
		}
	}
	/* the alphabet is chosen so that both outcomes are common */
	print_message("fuzz: %d inputs read, %d rejected\n", ok, failed);
	assert_true(ok > 500);
	assert_true(failed > 500);
	buf_release(&got);
	buf_release(&round);
	buf_release(&got2);
	buf_release(&round2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_quoted),
		cmocka_unit_test(test_embedded_newlines),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_other_separators),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_chunk_boundaries),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_after_quote),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_field_places),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_sticky_error_and_eof),
		cmocka_unit_test(test_open_and_read_errors),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
