/* test-tz.c - unit tests for TZif loading, POSIX TZ footers, offsets and local time */
#include "tz.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "time_fixture.h"

#include "banned.h"

/*
 * Expected instants below come from the zones' published rules, cross-checked with
 * `zdump -v -c 2026,2027 <zone>` and `zdump -v -c 2090,2091 <zone>` on Debian.
 */

static void expect_load_err(const char *name, int rc, const char *msg)
{
	struct fu_ctx ctx;
	struct tz *z = NULL;

	fu_ctx_init(&ctx);
	assert_int_equal(tz_load(&ctx, name, &z), rc);
	assert_null(z);
	assert_string_equal(ctx.msg, msg);
}

/* Checks the offset, DST flag and abbreviation at the instant written as ISO text. */
static void expect_off(const struct tz *z, const char *when, int32_t off, int dst,
		       const char *abbr)
{
	int isdst = -1;
	int32_t got = tz_offset_at(z, iso(when), &isdst);

	if (got != off || isdst != dst)
		fail_msg("%s at %s: offset %d dst %d, want %d dst %d", tz_name(z), when,
			 (int)got, isdst, (int)off, dst);
	if (abbr)
		assert_string_equal(tz_abbr_at(z, iso(when)), abbr);
}

/* Checks that local wall time `local` maps to instant `want` with the given kind. */
static void expect_local(const struct tz *z, int y, int mo, int d, int h, int mi,
			 const char *want, int want_kind)
{
	struct civil c = { y, mo, d, h, mi, 0 };
	int kind = -1;
	int64_t t = tz_from_local(z, &c, &kind);
	char got[32];

	dt_format_iso(t, got, sizeof(got));
	if (t != iso(want) || kind != want_kind)
		fail_msg("%s %04d-%02d-%02d %02d:%02d: got %s kind %d, want %s kind %d",
			 tz_name(z), y, mo, d, h, mi, got, kind, want, want_kind);
	assert_int_equal(tz_from_local(z, &c, NULL), t);
}

static void expect_to_local(const struct tz *z, const char *when, int y, int mo, int d,
			    int h, int mi)
{
	struct civil c;

	tz_to_local(z, iso(when), &c);
	if (c.year != y || c.month != mo || c.day != d || c.hour != h || c.min != mi)
		fail_msg("%s at %s: local %04d-%02d-%02d %02d:%02d", tz_name(z), when, c.year,
			 c.month, c.day, c.hour, c.min);
}

static int setup_system(void **state)
{
	(void)state;
	unsetenv("TZDIR");
	return 0;
}

static void test_new_york(void **state)
{
	struct tz *z = load("America/New_York");

	(void)state;
	expect_off(z, "2026-01-15T12:00:00Z", -18000, 0, "EST");
	expect_off(z, "2026-07-15T12:00:00Z", -14400, 1, "EDT");
	/* Second Sunday of March 2026 is the 8th: 02:00 EST = 07:00Z. */
	expect_off(z, "2026-03-08T06:59:59Z", -18000, 0, "EST");
	expect_off(z, "2026-03-08T07:00:00Z", -14400, 1, "EDT");
	/* First Sunday of November 2026 is the 1st: 02:00 EDT = 06:00Z. */
	expect_off(z, "2026-11-01T05:59:59Z", -14400, 1, "EDT");
	expect_off(z, "2026-11-01T06:00:00Z", -18000, 0, "EST");
	expect_to_local(z, "2026-03-08T07:00:00Z", 2026, 3, 8, 3, 0);
	expect_to_local(z, "2026-11-01T06:30:00Z", 2026, 11, 1, 1, 30);
	expect_to_local(z, "2026-11-01T05:30:00Z", 2026, 11, 1, 1, 30);

	expect_local(z, 2026, 7, 1, 12, 0, "2026-07-01T16:00:00Z", 0);
	expect_local(z, 2026, 1, 1, 0, 0, "2026-01-01T05:00:00Z", 0);
	/* Spring forward: 02:00-02:59 do not exist; 02:30 becomes 03:30 EDT. */
	expect_local(z, 2026, 3, 8, 1, 59, "2026-03-08T06:59:00Z", 0);
	expect_local(z, 2026, 3, 8, 2, 0, "2026-03-08T07:00:00Z", 1);
	expect_local(z, 2026, 3, 8, 2, 30, "2026-03-08T07:30:00Z", 1);
	expect_local(z, 2026, 3, 8, 3, 0, "2026-03-08T07:00:00Z", 0);
	/* Fall back: 01:00-01:59 happen twice; the earlier (EDT) instant is chosen. */
	expect_local(z, 2026, 11, 1, 0, 59, "2026-11-01T04:59:00Z", 0);
	expect_local(z, 2026, 11, 1, 1, 0, "2026-11-01T05:00:00Z", 2);
	expect_local(z, 2026, 11, 1, 1, 30, "2026-11-01T05:30:00Z", 2);
	expect_local(z, 2026, 11, 1, 2, 0, "2026-11-01T07:00:00Z", 0);

	/* 2090 is past the file's table, so the footer rule decides. */
	expect_off(z, "2090-03-12T06:59:59Z", -18000, 0, "EST");
	expect_off(z, "2090-03-12T07:00:00Z", -14400, 1, "EDT");
	expect_off(z, "2090-11-05T05:59:59Z", -14400, 1, "EDT");
	expect_off(z, "2090-11-05T06:00:00Z", -18000, 0, "EST");
	expect_local(z, 2090, 3, 12, 2, 30, "2090-03-12T07:30:00Z", 1);
	expect_local(z, 2090, 11, 5, 1, 30, "2090-11-05T05:30:00Z", 2);
	expect_local(z, 2090, 7, 4, 9, 0, "2090-07-04T13:00:00Z", 0);
	expect_off(z, "9999-07-01T00:00:00Z", -14400, 1, "EDT");

	/* Before 1883-11-18 17:00Z New York kept local mean time, -4:56:02. */
	expect_off(z, "1800-01-01T00:00:00Z", -17762, 0, "LMT");
	expect_off(z, "1883-11-18T16:59:59Z", -17762, 0, "LMT");
	expect_off(z, "1883-11-18T17:00:00Z", -18000, 0, "EST");
	expect_off(z, "-9999-01-01T00:00:00Z", -17762, 0, "LMT");
	tz_free(z);
}

static void test_berlin(void **state)
{
	struct tz *z = load("Europe/Berlin");

	(void)state;
	/* EU rule: last Sunday of March / October at 01:00Z. */
	expect_off(z, "2026-03-29T00:59:59Z", 3600, 0, "CET");
	expect_off(z, "2026-03-29T01:00:00Z", 7200, 1, "CEST");
	expect_off(z, "2026-10-25T00:59:59Z", 7200, 1, "CEST");
	expect_off(z, "2026-10-25T01:00:00Z", 3600, 0, "CET");
	expect_local(z, 2026, 3, 29, 2, 30, "2026-03-29T01:30:00Z", 1);
	expect_local(z, 2026, 10, 25, 2, 30, "2026-10-25T00:30:00Z", 2);
	expect_local(z, 2026, 10, 25, 3, 0, "2026-10-25T02:00:00Z", 0);
	expect_off(z, "2090-03-26T00:59:59Z", 3600, 0, "CET");
	expect_off(z, "2090-03-26T01:00:00Z", 7200, 1, "CEST");
	expect_off(z, "2090-10-29T00:59:59Z", 7200, 1, "CEST");
	expect_off(z, "2090-10-29T01:00:00Z", 3600, 0, "CET");
	expect_local(z, 2090, 3, 26, 2, 30, "2090-03-26T01:30:00Z", 1);
	expect_local(z, 2090, 10, 29, 2, 30, "2090-10-29T00:30:00Z", 2);
	tz_free(z);
}

static void test_sydney(void **state)
{
	struct tz *z = load("Australia/Sydney");

	(void)state;
	/* Southern hemisphere: daylight time spans the new year. */
	expect_off(z, "2026-01-15T00:00:00Z", 39600, 1, "AEDT");
	expect_off(z, "2026-07-15T00:00:00Z", 36000, 0, "AEST");
	/* Ends first Sunday of April (5th) at 03:00 AEDT = 16:00Z the day before. */
	expect_off(z, "2026-04-04T15:59:59Z", 39600, 1, "AEDT");
	expect_off(z, "2026-04-04T16:00:00Z", 36000, 0, "AEST");
	/* Starts first Sunday of October (4th) at 02:00 AEST = 16:00Z the day before. */
	expect_off(z, "2026-10-03T15:59:59Z", 36000, 0, "AEST");
	expect_off(z, "2026-10-03T16:00:00Z", 39600, 1, "AEDT");
	expect_to_local(z, "2026-12-31T13:00:00Z", 2027, 1, 1, 0, 0);
	expect_local(z, 2026, 10, 4, 2, 30, "2026-10-03T16:30:00Z", 1);
	expect_local(z, 2026, 4, 5, 2, 30, "2026-04-04T15:30:00Z", 2);
	expect_local(z, 2027, 1, 1, 0, 0, "2026-12-31T13:00:00Z", 0);
	/* Footer rule AEST-10AEDT,M10.1.0,M4.1.0/3 across 2090's new year. */
	expect_off(z, "2090-01-01T00:00:00Z", 39600, 1, "AEDT");
	expect_off(z, "2090-04-01T15:59:59Z", 39600, 1, "AEDT");
	expect_off(z, "2090-04-01T16:00:00Z", 36000, 0, "AEST");
	expect_off(z, "2090-07-01T00:00:00Z", 36000, 0, "AEST");
	expect_off(z, "2090-09-30T15:59:59Z", 36000, 0, "AEST");
	expect_off(z, "2090-09-30T16:00:00Z", 39600, 1, "AEDT");
	expect_off(z, "2090-12-31T23:00:00Z", 39600, 1, "AEDT");
	expect_local(z, 2090, 10, 1, 2, 30, "2090-09-30T16:30:00Z", 1);
	expect_local(z, 2090, 4, 2, 2, 30, "2090-04-01T15:30:00Z", 2);
	tz_free(z);
}

static void test_half_and_quarter_hours(void **state)
{
	struct tz *k = load("Asia/Kolkata");
	struct tz *n = load("Asia/Kathmandu");
	struct tz *c = load("Pacific/Chatham");

	(void)state;
	expect_off(k, "2026-06-01T00:00:00Z", 19800, 0, "IST");
	expect_off(k, "2090-01-01T00:00:00Z", 19800, 0, "IST");
	expect_to_local(k, "2026-06-01T00:00:00Z", 2026, 6, 1, 5, 30);
	expect_local(k, 2026, 6, 1, 5, 30, "2026-06-01T00:00:00Z", 0);

	/* Nepal moved from +05:30 to +05:45 at 1986-01-01 00:00 local. */
	expect_off(n, "1985-12-31T18:29:59Z", 19800, 0, "+0530");
	expect_off(n, "1985-12-31T18:30:00Z", 20700, 0, "+0545");
	expect_off(n, "2026-06-01T00:00:00Z", 20700, 0, "+0545");
	expect_off(n, "2090-06-01T00:00:00Z", 20700, 0, "+0545");
	expect_local(n, 1986, 1, 1, 0, 10, "1985-12-31T18:40:00Z", 1);
	expect_local(n, 2026, 6, 1, 5, 45, "2026-06-01T00:00:00Z", 0);

	/* Chatham: +12:45 standard, +13:45 daylight, changes at 02:45 local standard. */
	expect_off(c, "2026-04-04T13:59:59Z", 49500, 1, "+1345");
	expect_off(c, "2026-04-04T14:00:00Z", 45900, 0, "+1245");
	expect_off(c, "2026-09-26T13:59:59Z", 45900, 0, "+1245");
	expect_off(c, "2026-09-26T14:00:00Z", 49500, 1, "+1345");
	expect_off(c, "2090-04-01T13:59:59Z", 49500, 1, "+1345");
	expect_off(c, "2090-04-01T14:00:00Z", 45900, 0, "+1245");
	expect_off(c, "2090-09-23T13:59:59Z", 45900, 0, "+1245");
	expect_off(c, "2090-09-23T14:00:00Z", 49500, 1, "+1345");
	expect_local(c, 2026, 9, 27, 3, 0, "2026-09-26T14:15:00Z", 1);
	expect_local(c, 2026, 4, 5, 3, 0, "2026-04-04T13:15:00Z", 2);
	tz_free(k);
	tz_free(n);
	tz_free(c);
}

static void test_errors(void **state)
{
	(void)state;
	expect_load_err("Mars/Base", FU_ENOTFOUND, "time zone 'Mars/Base': unknown");
	expect_load_err("America", FU_ENOTFOUND, "time zone 'America': unknown");
	expect_load_err("America/New_York/x", FU_ENOTFOUND,
			"time zone 'America/New_York/x': unknown");
	expect_load_err("../etc/passwd", FU_EINPUT, "time zone '../etc/passwd': invalid name");
	expect_load_err("Europe/../../etc/passwd", FU_EINPUT,
			"time zone 'Europe/../../etc/passwd': invalid name");
	expect_load_err("/etc/passwd", FU_EINPUT, "time zone '/etc/passwd': invalid name");
	expect_load_err("", FU_EINPUT, "time zone '': invalid name");
	expect_load_err("Europe/Berlin;ls", FU_EINPUT, "time zone 'Europe/Berlin;ls': invalid name");
	expect_load_err("Europe/Berlin ", FU_EINPUT, "time zone 'Europe/Berlin ': invalid name");
	expect_load_err("zone.tab", FU_EINPUT, "time zone 'zone.tab': invalid name");
}

/* ---- zones written into a private TZDIR ---- */

struct tmpdir {
	char path[64];
};

static int setup_tmpdir(void **state)
{
	struct tmpdir *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/fu-test-tz-XXXXXX");
	if (!mkdtemp(d->path)) {
		free(d);
		return -1;
	}
	setenv("TZDIR", d->path, 1);
	*state = d;
	return 0;
}

static void path_in(const struct tmpdir *d, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", d->path, name);
}

static int teardown_tmpdir(void **state)
{
	static const char *const names[] = { "Trunc", "Flip", "Slim", "V1", "Footer",
					     "Big", "Garbage", "Empty", "Bad" };
	struct tmpdir *d = *state;
	char p[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_in(d, names[i], p, sizeof(p));
		unlink(p);
	}
	rmdir(d->path);
	unsetenv("TZDIR");
	free(d);
	return 0;
}

static void write_file(const struct tmpdir *d, const char *name, const void *data, size_t n)
{
	char p[128];
	FILE *f;

	path_in(d, name, p, sizeof(p));
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static unsigned char *read_system(const char *name, size_t *n)
{
	char p[256];
	unsigned char *d;
	FILE *f;
	long len;

	snprintf(p, sizeof(p), "/usr/share/zoneinfo/%s", name);
	f = fopen(p, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	d = malloc((size_t)len);
	assert_non_null(d);
	assert_int_equal(fread(d, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return d;
}

/* A TZif builder: one data block (version 1 or 2) for hand-made zones. */
struct zone_spec {
	int version;             /* 1 or 2 */
	size_t ntrans;
	const int64_t *trans;
	const unsigned char *idx;
	size_t ntypes;
	const int32_t *utoff;
	const unsigned char *isdst;
	const unsigned char *abbr_idx;
	const char *chars;       /* abbreviations, each NUL-terminated */
	size_t nchars;
	const char *footer;      /* v2 only */
};

static size_t put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return 4;
}

static size_t put_header(unsigned char *p, int version, uint32_t timecnt, uint32_t typecnt,
			 uint32_t charcnt)
{
	memset(p, 0, 44);
	memcpy(p, "TZif", 4);
	p[4] = version == 1 ? 0 : (unsigned char)('0' + version);
	put32(p + 32, timecnt);
	put32(p + 36, typecnt);
	put32(p + 40, charcnt);
	return 44;
}

static size_t put_block(unsigned char *p, const struct zone_spec *s, int tsize)
{
	size_t n = 0;

	for (size_t i = 0; i < s->ntrans; i++) {
		if (tsize == 8) {
			n += put32(p + n, (uint32_t)((uint64_t)s->trans[i] >> 32));
			n += put32(p + n, (uint32_t)s->trans[i]);
		} else {
			n += put32(p + n, (uint32_t)(int32_t)s->trans[i]);
		}
	}
	for (size_t i = 0; i < s->ntrans; i++)
		p[n++] = s->idx[i];
	for (size_t i = 0; i < s->ntypes; i++) {
		n += put32(p + n, (uint32_t)s->utoff[i]);
		p[n++] = s->isdst[i];
		p[n++] = s->abbr_idx[i];
	}
	memcpy(p + n, s->chars, s->nchars);
	return n + s->nchars;
}

static void write_zone(const struct tmpdir *d, const char *name, const struct zone_spec *s)
{
	unsigned char buf[4096];
	size_t n = 0;

	if (s->version == 1) {
		n += put_header(buf, 1, (uint32_t)s->ntrans, (uint32_t)s->ntypes,
				(uint32_t)s->nchars);
		n += put_block(buf + n, s, 4);
	} else {
		/* A "slim" file: an empty-ish version 1 block, then the real 64-bit data. */
		static const unsigned char v1[] = { 0, 0, 0, 0, 0, 0, 'X', 0 };

		n += put_header(buf, s->version, 0, 1, 2);
		memcpy(buf + n, v1, sizeof(v1));
		n += sizeof(v1);
		n += put_header(buf + n, s->version, (uint32_t)s->ntrans, (uint32_t)s->ntypes,
				(uint32_t)s->nchars);
		n += put_block(buf + n, s, 8);
		n += (size_t)snprintf((char *)buf + n, sizeof(buf) - n, "\n%s\n", s->footer);
	}
	write_file(d, name, buf, n);
}

/* Writes a v2 zone with one standard type and the given footer; returns it loaded. */
static struct tz *footer_zone(const struct tmpdir *d, const char *footer)
{
	static const int32_t utoff[] = { 0 };
	static const unsigned char zero[] = { 0 };
	struct zone_spec s = { 2, 0, NULL, NULL, 1, utoff, zero, zero, "XXX", 4, footer };

	write_zone(d, "Footer", &s);
	return load("Footer");
}

static void test_utc_without_files(void **state)
{
	struct tz *z;
	struct civil c = { 2026, 3, 5, 10, 0, 0 };
	int kind = -1;

	(void)state;
	z = load("UTC"); /* the temp TZDIR is empty */
	expect_off(z, "2026-07-01T00:00:00Z", 0, 0, "UTC");
	expect_off(z, "1800-07-01T00:00:00Z", 0, 0, "UTC");
	assert_int_equal(tz_from_local(z, &c, &kind), iso("2026-03-05T10:00:00Z"));
	assert_int_equal(kind, 0);
	tz_free(z);
	expect_load_err("Europe/Berlin", FU_ENOTFOUND, "time zone 'Europe/Berlin': unknown");
}

static void test_truncated_files(void **state)
{
	struct tmpdir *d = *state;
	size_t n;
	unsigned char *data = read_system("America/New_York", &n);
	char msg[FU_MSG_MAX];

	snprintf(msg, sizeof(msg), "time zone 'Trunc': corrupt file");
	/* Every proper prefix of a real file is corrupt, never a crash. */
	for (size_t len = 0; len < n; len++) {
		write_file(d, "Trunc", data, len);
		expect_load_err("Trunc", FU_EINPUT, msg);
	}
	write_file(d, "Trunc", data, n);
	tz_free(load("Trunc"));
	free(data);
}

static void test_flipped_bytes(void **state)
{
	struct tmpdir *d = *state;
	size_t n;
	unsigned char *data = read_system("Australia/Sydney", &n);
	struct fu_ctx ctx;
	int corrupt = 0;

	/* Damage each byte in turn: the load either works or reports a corrupt file. */
	for (size_t i = 0; i < n; i++) {
		struct tz *z = NULL;
		int rc;

		data[i] ^= 0xa5;
		write_file(d, "Flip", data, n);
		data[i] ^= 0xa5;
		fu_ctx_init(&ctx);
		rc = tz_load(&ctx, "Flip", &z);
		if (rc == FU_OK) {
			struct civil c = { 2026, 10, 4, 2, 30, 0 };

			tz_offset_at(z, iso("2026-01-01T00:00:00Z"), NULL);
			tz_offset_at(z, iso("2090-01-01T00:00:00Z"), NULL);
			tz_from_local(z, &c, NULL);
			tz_abbr_at(z, 0);
			tz_free(z);
		} else {
			assert_int_equal(rc, FU_EINPUT);
			assert_string_equal(ctx.msg, "time zone 'Flip': corrupt file");
			corrupt++;
		}
	}
	assert_true(corrupt > 0);
	free(data);
}

static void test_bad_contents(void **state)
{
	struct tmpdir *d = *state;
	static const int32_t utoff[] = { 3600 };
	static const unsigned char zero[] = { 0 };
	static const unsigned char bad_idx[] = { 1 };
	static const int64_t trans[] = { 0 };
	struct zone_spec s = { 2, 0, NULL, NULL, 1, utoff, zero, zero, "XXX", 4, "XXX-1" };
	unsigned char big[44];

	write_file(d, "Garbage", "hello, world\n", 13);
	expect_load_err("Garbage", FU_EINPUT, "time zone 'Garbage': corrupt file");
	write_file(d, "Empty", "", 0);
	expect_load_err("Empty", FU_EINPUT, "time zone 'Empty': corrupt file");

	/* Counts claiming far more data than the file holds. */
	put_header(big, 2, 0xffffffffu, 1, 4);
	write_file(d, "Big", big, sizeof(big));
	expect_load_err("Big", FU_EINPUT, "time zone 'Big': corrupt file");

	/* A transition naming a type that does not exist. */
	s.ntrans = 1;
	s.trans = trans;
	s.idx = bad_idx;
	write_zone(d, "Bad", &s);
	expect_load_err("Bad", FU_EINPUT, "time zone 'Bad': corrupt file");

	/* An abbreviation index past the characters. */
	s.ntrans = 0;
	s.abbr_idx = (const unsigned char[]){ 4 };
	write_zone(d, "Bad", &s);
	expect_load_err("Bad", FU_EINPUT, "time zone 'Bad': corrupt file");

	/* Malformed footers. */
	s.abbr_idx = zero;
	static const char *const footers[] = {
		"XX-1", "XXX", "XXX-1YYY,M3.5.0", "XXX-1YYY,M13.5.0,M10.5.0",
		"XXX-1YYY,M3.6.0,M10.5.0", "XXX-1YYY,M3.5.7,M10.5.0", "XXX-1YYY,J0,J100",
		"XXX-1YYY,J366,J100", "XXX-1YYY,366,100", "XXX-1YYY,M3.5.0/168,M10.5.0",
		"XXX-25", "<+01-1", "XXX-1YYY,M3.5.0,M10.5.0x", "XXX-1:60",
	};
	for (size_t i = 0; i < sizeof(footers) / sizeof(footers[0]); i++) {
		s.footer = footers[i];
		write_zone(d, "Bad", &s);
		expect_load_err("Bad", FU_EINPUT, "time zone 'Bad': corrupt file");
	}
}

static void test_slim_file_uses_footer(void **state)
{
	struct tmpdir *d = *state;
	/* As Debian's slim America/New_York: the table stops at 2007, the footer goes on. */
	static const int64_t trans[] = { INT64_C(-2717650800), INT64_C(1173596400),
					 INT64_C(1194156000) };
	static const unsigned char idx[] = { 1, 2, 1 };
	static const int32_t utoff[] = { -17762, -18000, -14400 };
	static const unsigned char isdst[] = { 0, 0, 1 };
	static const unsigned char abbr[] = { 0, 4, 8 };
	struct zone_spec s = { 2, 3, trans, idx, 3, utoff, isdst, abbr,
			       "LMT\0EST\0EDT", 12, "EST5EDT,M3.2.0,M11.1.0" };
	struct tz *z;

	(void)state;
	write_zone(d, "Slim", &s);
	z = load("Slim");
	expect_off(z, "1800-01-01T00:00:00Z", -17762, 0, "LMT");
	/* 2007-03-11 07:00Z (transition 2) and 2007-11-04 06:00Z (transition 3). */
	expect_off(z, "2007-03-11T06:59:59Z", -18000, 0, "EST");
	expect_off(z, "2007-03-11T07:00:00Z", -14400, 1, "EDT");
	expect_off(z, "2007-11-04T06:00:00Z", -18000, 0, "EST");
	expect_off(z, "2026-03-08T06:59:59Z", -18000, 0, "EST");
	expect_off(z, "2026-03-08T07:00:00Z", -14400, 1, "EDT");
	expect_off(z, "2026-11-01T05:59:59Z", -14400, 1, "EDT");
	expect_off(z, "2026-11-01T06:00:00Z", -18000, 0, "EST");
	expect_local(z, 2026, 3, 8, 2, 30, "2026-03-08T07:30:00Z", 1);
	expect_local(z, 2026, 11, 1, 1, 30, "2026-11-01T05:30:00Z", 2);
	tz_free(z);

	/* The same in version 3 and 4 files. */
	s.version = 3;
	write_zone(d, "Slim", &s);
	z = load("Slim");
	expect_off(z, "2090-11-05T06:00:00Z", -18000, 0, "EST");
	tz_free(z);
	s.version = 4;
	write_zone(d, "Slim", &s);
	z = load("Slim");
	expect_off(z, "2090-11-05T05:59:59Z", -14400, 1, "EDT");
	tz_free(z);
}

static void test_version1_file(void **state)
{
	struct tmpdir *d = *state;
	static const int64_t trans[] = { 1000000000, 1100000000 };
	static const unsigned char idx[] = { 1, 0 };
	static const int32_t utoff[] = { 3600, 7200 };
	static const unsigned char isdst[] = { 0, 1 };
	static const unsigned char abbr[] = { 0, 4 };
	struct zone_spec s = { 1, 2, trans, idx, 2, utoff, isdst, abbr, "AAA\0BBB", 8, NULL };
	struct tz *z;

	(void)state;
	write_zone(d, "V1", &s);
	z = load("V1");
	assert_int_equal(tz_offset_at(z, 999999999, NULL), 3600);
	assert_int_equal(tz_offset_at(z, 1000000000, NULL), 7200);
	assert_string_equal(tz_abbr_at(z, 1000000000), "BBB");
	assert_int_equal(tz_offset_at(z, 1099999999, NULL), 7200);
	/* No footer: the last type stays in effect. */
	assert_int_equal(tz_offset_at(z, 1100000000, NULL), 3600);
	assert_int_equal(tz_offset_at(z, INT64_MAX, NULL), 3600);
	assert_int_equal(tz_offset_at(z, INT64_MIN, NULL), 3600);
	tz_free(z);
}

static void test_footer_forms(void **state)
{
	struct tmpdir *d = *state;
	struct tz *z;

	/* <+0330>-3:30: quoted name, fixed offset east of UTC. */
	z = footer_zone(d, "<+0330>-3:30");
	expect_off(z, "2026-06-01T00:00:00Z", 12600, 0, "+0330");
	expect_off(z, "2090-01-01T00:00:00Z", 12600, 0, "+0330");
	tz_free(z);

	/* Jn never counts Feb 29: J60 is March 1 even in 2028. */
	z = footer_zone(d, "XST0XDT,J60/0,J300/0");
	expect_off(z, "2028-02-29T23:59:59Z", 0, 0, "XST");
	expect_off(z, "2028-03-01T00:00:00Z", 3600, 1, "XDT");
	expect_off(z, "2027-02-28T23:59:59Z", 0, 0, "XST");
	expect_off(z, "2027-03-01T00:00:00Z", 3600, 1, "XDT");
	/* J300 is Oct 27 in every year; the change is at 00:00 XDT = 23:00Z the day before. */
	expect_off(z, "2028-10-26T22:59:59Z", 3600, 1, "XDT");
	expect_off(z, "2028-10-26T23:00:00Z", 0, 0, "XST");
	tz_free(z);

	/* Zero-based n counts Feb 29: day 59 is Feb 29 in 2028 but March 1 in 2027. */
	z = footer_zone(d, "XST0XDT,59/0,299/0");
	expect_off(z, "2028-02-28T23:59:59Z", 0, 0, "XST");
	expect_off(z, "2028-02-29T00:00:00Z", 3600, 1, "XDT");
	expect_off(z, "2027-02-28T23:59:59Z", 0, 0, "XST");
	expect_off(z, "2027-03-01T00:00:00Z", 3600, 1, "XDT");
	/* Day 299 is Oct 26 in 2028 (leap) and Oct 27 in 2027. */
	expect_off(z, "2028-10-25T23:00:00Z", 0, 0, "XST");
	expect_off(z, "2027-10-26T22:59:59Z", 3600, 1, "XDT");
	expect_off(z, "2027-10-26T23:00:00Z", 0, 0, "XST");
	tz_free(z);

	/* Negative times (RFC 8536): changes at -2:00 and -1:00 local, both 01:00Z here. */
	z = footer_zone(d, "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1");
	expect_off(z, "2026-03-29T00:59:59Z", -10800, 0, "-03");
	expect_off(z, "2026-03-29T01:00:00Z", -7200, 1, "-02");
	expect_off(z, "2026-10-25T00:59:59Z", -7200, 1, "-02");
	expect_off(z, "2026-10-25T01:00:00Z", -10800, 0, "-03");
	expect_local(z, 2026, 3, 28, 22, 30, "2026-03-29T01:30:00Z", 1);
	tz_free(z);

	/* Daylight time all year: starts Jan 1 00:00, ends Dec 31 25:00 (RFC 8536 3.3.1). */
	z = footer_zone(d, "EST5EDT,0/0,J365/25");
	expect_off(z, "2026-01-01T00:00:00Z", -14400, 1, "EDT");
	expect_off(z, "2026-01-01T04:59:59Z", -14400, 1, "EDT");
	expect_off(z, "2026-01-01T05:00:00Z", -14400, 1, "EDT");
	expect_off(z, "2026-07-01T00:00:00Z", -14400, 1, "EDT");
	expect_off(z, "2026-12-31T23:59:59Z", -14400, 1, "EDT");
	expect_off(z, "2028-12-31T23:59:59Z", -14400, 1, "EDT");
	tz_free(z);

	/* DST name and explicit offset, M5 meaning "last", /time with minutes. */
	z = footer_zone(d, "AAA-2BBB-3:30,M4.5.6/1:30,M9.5.6/2:15:30");
	/* Last Saturday of April 2026 is the 25th: 01:30 at +2 = 23:30Z on the 24th. */
	expect_off(z, "2026-04-24T23:29:59Z", 7200, 0, "AAA");
	expect_off(z, "2026-04-24T23:30:00Z", 12600, 1, "BBB");
	/* Last Saturday of September 2026 is the 26th: 02:15:30 at +3:30 = 22:45:30Z the 25th. */
	expect_off(z, "2026-09-25T22:45:29Z", 12600, 1, "BBB");
	expect_off(z, "2026-09-25T22:45:30Z", 7200, 0, "AAA");
	tz_free(z);

	/* A DST name with no rule gets the US default (second Sunday in March...). */
	z = footer_zone(d, "EST5EDT");
	expect_off(z, "2026-03-08T07:00:00Z", -14400, 1, "EDT");
	expect_off(z, "2026-11-01T06:00:00Z", -18000, 0, "EST");
	tz_free(z);

	/* Instants so far out that the year overflows an int still get an answer. */
	z = footer_zone(d, "CET-1CEST,M3.5.0,M10.5.0/3");
	assert_int_equal(tz_offset_at(z, INT64_MAX, NULL) % 3600, 0);
	assert_int_equal(tz_offset_at(z, INT64_MIN, NULL) % 3600, 0);
	{
		struct civil c;

		tz_to_local(z, INT64_MAX, &c);
		tz_to_local(z, INT64_MIN, &c);
	}
	tz_free(z);
}

static void test_cache(void **state)
{
	struct tz_cache *c = tz_cache_new();
	const struct tz *a = NULL, *b = NULL, *u = NULL;
	struct fu_ctx ctx;
	char name[32];

	(void)state;
	unsetenv("TZDIR");
	assert_non_null(c);
	fu_ctx_init(&ctx);
	assert_int_equal(tz_cache_get(&ctx, c, "Europe/Berlin", &a), FU_OK);
	assert_int_equal(tz_cache_get(&ctx, c, "UTC", &u), FU_OK);
	assert_int_equal(tz_cache_get(&ctx, c, "Europe/Berlin", &b), FU_OK);
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, u);
	assert_string_equal(tz_name(a), "Europe/Berlin");
	assert_int_equal(tz_cache_get(&ctx, c, "Mars/Base", &b), FU_ENOTFOUND);
	assert_string_equal(ctx.msg, "time zone 'Mars/Base': unknown");
	/* Grow past the initial size; earlier zones stay put. */
	for (int i = 0; i <= 14; i++) {
		snprintf(name, sizeof(name), "Etc/GMT%+d", i - 7);
		if (i == 7)
			snprintf(name, sizeof(name), "Etc/GMT");
		assert_int_equal(tz_cache_get(&ctx, c, name, &b), FU_OK);
		assert_int_equal(tz_offset_at(b, 0, NULL), -(i - 7) * 3600);
	}
	assert_int_equal(tz_cache_get(&ctx, c, "Europe/Berlin", &b), FU_OK);
	assert_ptr_equal(a, b);
	tz_cache_free(c);
	tz_cache_free(NULL);
	tz_free(NULL);
}

int main(void)
{
	const struct CMUnitTest system[] = {
		cmocka_unit_test(test_new_york),
		cmocka_unit_test(test_berlin),
		cmocka_unit_test(test_sydney),
		cmocka_unit_test(test_half_and_quarter_hours),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cache),
	};
	const struct CMUnitTest private[] = {
		cmocka_unit_test(test_utc_without_files),
		cmocka_unit_test(test_truncated_files),
		cmocka_unit_test(test_flipped_bytes),
		cmocka_unit_test(test_bad_contents),
		cmocka_unit_test(test_slim_file_uses_footer),
		cmocka_unit_test(test_version1_file),
		cmocka_unit_test(test_footer_forms),
	};
	int failed;

	failed = cmocka_run_group_tests_name("system zones", system, setup_system, NULL);
	failed += cmocka_run_group_tests_name("private TZDIR", private, setup_tmpdir,
					      teardown_tmpdir);
	return failed ? 1 : 0;
}
