/* test-datetime.c - unit tests for civil arithmetic, ISO 8601, custom formats and durations */
#include "datetime.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "banned.h"

/* 2026-03-05T00:00:00Z, checked with `date -u -d 2026-03-05 +%s`. */
#define T_20260305 INT64_C(1772668800)

static void expect_iso(const char *s, int naive, int64_t want)
{
	struct fu_ctx ctx;
	int64_t t = -1;

	fu_ctx_init(&ctx);
	if (dt_parse_iso(&ctx, s, naive, &t) != FU_OK)
		fail_msg("parsing \"%s\": %s", s, ctx.msg);
	if (t != want)
		fail_msg("parsing \"%s\": got %lld, want %lld", s, (long long)t, (long long)want);
}

static void expect_iso_err(const char *s, int naive, const char *msg)
{
	struct fu_ctx ctx;
	int64_t t = 12345;

	fu_ctx_init(&ctx);
	assert_int_equal(dt_parse_iso(&ctx, s, naive, &t), FU_EINPUT);
	assert_int_equal(ctx.rc, FU_EINPUT);
	assert_string_equal(ctx.msg, msg);
	assert_int_equal(t, 12345);
}

static void expect_fmt(const char *s, const char *fmt, int64_t want)
{
	struct fu_ctx ctx;
	int64_t t = -1;

	fu_ctx_init(&ctx);
	if (dt_parse_format(&ctx, s, fmt, &t) != FU_OK)
		fail_msg("parsing \"%s\" with \"%s\": %s", s, fmt, ctx.msg);
	if (t != want)
		fail_msg("parsing \"%s\" with \"%s\": got %lld, want %lld", s, fmt, (long long)t,
			 (long long)want);
}

static void expect_fmt_err(const char *s, const char *fmt, const char *msg)
{
	struct fu_ctx ctx;
	int64_t t = 12345;

	fu_ctx_init(&ctx);
	assert_int_equal(dt_parse_format(&ctx, s, fmt, &t), FU_EINPUT);
	assert_string_equal(ctx.msg, msg);
	assert_int_equal(t, 12345);
}

static void expect_dur(const char *s, int64_t want)
{
	struct fu_ctx ctx;
	int64_t t = -1;

	fu_ctx_init(&ctx);
	if (dt_parse_duration(&ctx, s, &t) != FU_OK)
		fail_msg("duration \"%s\": %s", s, ctx.msg);
	assert_int_equal(t, want);
}

static void expect_dur_err(const char *s, const char *msg)
{
	struct fu_ctx ctx;
	int64_t t = 12345;

	fu_ctx_init(&ctx);
	assert_int_equal(dt_parse_duration(&ctx, s, &t), FU_EINPUT);
	assert_string_equal(ctx.msg, msg);
	assert_int_equal(t, 12345);
}

static void test_days_known(void **state)
{
	(void)state;
	assert_int_equal(dt_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(dt_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(dt_days_from_civil(2000, 1, 1), 10957);
	/* 2000 is a leap year (divisible by 400): Jan 31 + Feb 29 days later. */
	assert_int_equal(dt_days_from_civil(2000, 3, 1), 10957 + 31 + 29);
	assert_int_equal(dt_days_from_civil(2024, 1, 1), 19723);
	assert_int_equal(dt_days_from_civil(2024, 2, 29), 19723 + 31 + 28);
	assert_int_equal(dt_days_from_civil(2026, 3, 5), T_20260305 / 86400);
	/* 1900 is not a leap year: 1900-03-01 is -2203891200 s (date -u -d 1900-03-01 +%s). */
	assert_int_equal(dt_days_from_civil(1900, 3, 1) * 86400, INT64_C(-2203891200));
	assert_int_equal(dt_days_from_civil(1900, 3, 1) - dt_days_from_civil(1900, 2, 28), 1);
	/* 9999-12-31T23:59:59Z is the well-known 253402300799. */
	assert_int_equal(dt_days_from_civil(9999, 12, 31), 253402300799 / 86400);
	/* 0000-03-01 is 719468 days before the epoch; year 0 is a leap year. */
	assert_int_equal(dt_days_from_civil(0, 3, 1), -719468);
	assert_int_equal(dt_days_from_civil(0, 3, 1) - dt_days_from_civil(0, 2, 28), 2);
	/* 10000 years = 25 cycles of 146097 days back from 0001-01-01 (= 0000-01-01 + 366). */
	assert_int_equal(dt_days_from_civil(1, 1, 1), -719528 + 366);
	assert_int_equal(dt_days_from_civil(-9999, 1, 1), -719162 - 25 * 146097);
}

static void test_days_round_trip(void **state)
{
	int64_t first = dt_days_from_civil(-9999, 1, 1);
	int64_t last = dt_days_from_civil(9999, 12, 31);
	int y, m, d, py = -9999, pm = 1, pd = 1;

	(void)state;
	dt_civil_from_days(first, &y, &m, &d);
	assert_true(y == -9999 && m == 1 && d == 1);
	/* Every day follows the previous one by exactly one calendar step. */
	for (int64_t n = first + 1; n <= last; n++) {
		dt_civil_from_days(n, &y, &m, &d);
		if (d == pd + 1 && m == pm && y == py) {
			/* next day in the same month */
		} else if (d == 1 && pd == dt_days_in_month(py, pm) &&
			   ((m == pm + 1 && y == py) || (m == 1 && pm == 12 && y == py + 1))) {
			/* first of the next month */
		} else {
			fail_msg("day %lld is %d-%d-%d after %d-%d-%d", (long long)n, y, m, d,
				 py, pm, pd);
		}
		if (d == 1 || d == 15 || d == 28 || d == 29)
			assert_int_equal(dt_days_from_civil(y, m, d), n);
		py = y;
		pm = m;
		pd = d;
	}
	assert_true(py == 9999 && pm == 12 && pd == 31);
}

static void test_days_in_month(void **state)
{
	(void)state;
	assert_int_equal(dt_days_in_month(2024, 2), 29);
	assert_int_equal(dt_days_in_month(2026, 2), 28);
	assert_int_equal(dt_days_in_month(1900, 2), 28);
	assert_int_equal(dt_days_in_month(2000, 2), 29);
	assert_int_equal(dt_days_in_month(-4, 2), 29);
	assert_int_equal(dt_days_in_month(-1, 2), 28);
	assert_int_equal(dt_days_in_month(2026, 4), 30);
	assert_int_equal(dt_days_in_month(2026, 12), 31);
	assert_int_equal(dt_days_in_month(2026, 13), 0);
}

static void test_weekday(void **state)
{
	(void)state;
	assert_int_equal(dt_weekday(0), 3);                               /* Thursday */
	assert_int_equal(dt_weekday(-1), 2);                              /* Wednesday */
	assert_int_equal(dt_weekday(dt_days_from_civil(2026, 3, 5)), 3);  /* date +%u: 4 */
	assert_int_equal(dt_weekday(dt_days_from_civil(2000, 1, 1)), 5);  /* Saturday */
	assert_int_equal(dt_weekday(dt_days_from_civil(2026, 3, 8)), 6);  /* Sunday */
	assert_int_equal(dt_weekday(dt_days_from_civil(1900, 1, 1)), 0);  /* Monday */
}

static void test_civil_seconds(void **state)
{
	struct civil c = { 2026, 3, 5, 10, 0, 30 };
	struct civil back;

	(void)state;
	assert_int_equal(dt_from_civil(&c), T_20260305 + 36030);
	dt_to_civil(-1, &back);
	assert_true(back.year == 1969 && back.month == 12 && back.day == 31);
	assert_true(back.hour == 23 && back.min == 59 && back.sec == 59);
	dt_to_civil(INT64_C(253402300799), &back);
	assert_true(back.year == 9999 && back.month == 12 && back.day == 31);
	assert_true(back.hour == 23 && back.min == 59 && back.sec == 59);
	for (int64_t t = INT64_C(-315537897600); t < INT64_C(253402300800); t += 7777777) {
		dt_to_civil(t, &back);
		assert_int_equal(dt_from_civil(&back), t);
	}
}

static void test_iso_good(void **state)
{
	(void)state;
	expect_iso("2026-03-05", 0, T_20260305);
	expect_iso("  2026-03-05\t", 0, T_20260305);
	expect_iso("2026-03-05T10:00Z", 0, T_20260305 + 36000);
	expect_iso("2026-03-05t10:00z", 0, T_20260305 + 36000);
	expect_iso("2026-03-05 10:00:00Z", 0, T_20260305 + 36000);
	expect_iso("2026-03-05T10:00:00.123456Z", 0, T_20260305 + 36000);
	expect_iso("2026-03-05T10:00:00,5Z", 0, T_20260305 + 36000);
	/* date -u -d '2026-03-05T10:00:30+01:00' +%s */
	expect_iso("2026-03-05T10:00:30+01:00", 0, INT64_C(1772701230));
	expect_iso("2026-03-05T10:00:30+0100", 0, INT64_C(1772701230));
	expect_iso("2026-03-05T10:00:30+01", 0, INT64_C(1772701230));
	expect_iso("2026-03-05T10:00+05:30", 0, T_20260305 + 36000 - 19800);
	expect_iso("2026-03-05T10:00-05:00", 0, T_20260305 + 36000 + 18000);
	expect_iso("2026-03-05T10:00-00:00", 0, T_20260305 + 36000);
	expect_iso("2026-03-05T00:00+14:00", 0, T_20260305 - 14 * 3600);
	expect_iso("2026-03-05T10:00", 1, T_20260305 + 36000);
	expect_iso("2026-03-05T10:00:59", 1, T_20260305 + 36059);
	/* A leap second is folded into :59. */
	expect_iso("2016-12-31T23:59:60Z", 0, INT64_C(1483228799));
	expect_iso("2024-02-29", 0, 19782 * INT64_C(86400));
	expect_iso("2000-02-29T00:00Z", 0, INT64_C(951782400));
	expect_iso("1969-12-31T23:59:59Z", 0, -1);
	expect_iso("9999-12-31T23:59:59Z", 0, INT64_C(253402300799));
	expect_iso("0000-03-01", 0, INT64_C(-719468) * 86400);
	expect_iso("-0001-03-01", 0, (INT64_C(-719468) - 366) * 86400);
}

static void test_iso_bad(void **state)
{
	(void)state;
	expect_iso_err("2026-13-01", 0, "time \"2026-13-01\": month 13 out of range");
	expect_iso_err("2026-00-01", 0, "time \"2026-00-01\": month 0 out of range");
	expect_iso_err("2026-02-30", 0, "time \"2026-02-30\": day 30 out of range for 2026-02");
	expect_iso_err("2026-02-29", 0, "time \"2026-02-29\": day 29 out of range for 2026-02");
	expect_iso_err("1900-02-29", 0, "time \"1900-02-29\": day 29 out of range for 1900-02");
	expect_iso_err("2026-04-31", 0, "time \"2026-04-31\": day 31 out of range for 2026-04");
	expect_iso_err("2026-04-00", 0, "time \"2026-04-00\": day 0 out of range for 2026-04");
	expect_iso_err("2026-03-05T25:00Z", 0, "time \"2026-03-05T25:00Z\": hour 25 out of range");
	expect_iso_err("2026-03-05T24:00Z", 0, "time \"2026-03-05T24:00Z\": hour 24 out of range");
	expect_iso_err("2026-03-05T10:60Z", 0, "time \"2026-03-05T10:60Z\": minute 60 out of range");
	expect_iso_err("2026-03-05T10:00:61Z", 0,
		       "time \"2026-03-05T10:00:61Z\": second 61 out of range");
	expect_iso_err("yesterday", 0, "time \"yesterday\": expected YYYY-MM-DD");
	expect_iso_err("", 0, "time \"\": expected YYYY-MM-DD");
	expect_iso_err("   ", 0, "time \"\": expected YYYY-MM-DD");
	expect_iso_err("2026-3-05", 0, "time \"2026-3-05\": expected YYYY-MM-DD");
	expect_iso_err("20260305", 0, "time \"20260305\": expected YYYY-MM-DD");
	expect_iso_err("2026-03", 0, "time \"2026-03\": expected YYYY-MM-DD");
	expect_iso_err(" 2026-03-05T10:00 ", 0,
		       "time \"2026-03-05T10:00\": missing zone (add Z or an offset)");
	expect_iso_err("2026-03-05T10:00:00.5", 0,
		       "time \"2026-03-05T10:00:00.5\": missing zone (add Z or an offset)");
	expect_iso_err("2026-03-05x", 0, "time \"2026-03-05x\": unexpected text after the date");
	expect_iso_err("2026-03-05T", 0, "time \"2026-03-05T\": expected HH:MM after the date");
	expect_iso_err("2026-03-05T1:00Z", 0,
		       "time \"2026-03-05T1:00Z\": expected HH:MM after the date");
	expect_iso_err("2026-03-05T10:00:5Z", 0,
		       "time \"2026-03-05T10:00:5Z\": expected two digits of seconds");
	expect_iso_err("2026-03-05T10:00:00.Z", 0,
		       "time \"2026-03-05T10:00:00.Z\": expected digits after the decimal mark");
	expect_iso_err("2026-03-05T10:00 EST", 0,
		       "time \"2026-03-05T10:00 EST\": expected Z or an offset after the time");
	expect_iso_err("2026-03-05T10:00+5", 0,
		       "time \"2026-03-05T10:00+5\": bad offset (expected +HH:MM, +HHMM or +HH)");
	expect_iso_err("2026-03-05T10:00+05:3", 0,
		       "time \"2026-03-05T10:00+05:3\": bad offset (expected +HH:MM, +HHMM or +HH)");
	expect_iso_err("2026-03-05T10:00+24:00", 0,
		       "time \"2026-03-05T10:00+24:00\": offset +24:00 out of range");
	expect_iso_err("2026-03-05T10:00-01:60", 0,
		       "time \"2026-03-05T10:00-01:60\": offset -01:60 out of range");
	expect_iso_err("2026-03-05T10:00Zulu", 0,
		       "time \"2026-03-05T10:00Zulu\": unexpected text after the zone");
	expect_iso_err("2026-03-05T10:00+01:00:00", 0,
		       "time \"2026-03-05T10:00+01:00:00\": unexpected text after the zone");
	/* Range errors win over a missing zone, and allow_naive does not excuse them. */
	expect_iso_err("2026-03-05T25:00", 1, "time \"2026-03-05T25:00\": hour 25 out of range");
}

static void test_iso_long_value_is_cut(void **state)
{
	char s[600];
	struct fu_ctx ctx;
	int64_t t;

	(void)state;
	memset(s, 'x', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	fu_ctx_init(&ctx);
	assert_int_equal(dt_parse_iso(&ctx, s, 0, &t), FU_EINPUT);
	assert_true(strlen(ctx.msg) < 300);
	assert_non_null(strstr(ctx.msg, "expected YYYY-MM-DD"));
}

static void test_format_iso(void **state)
{
	char buf[32];

	(void)state;
	dt_format_iso(T_20260305 + 36000, buf, sizeof(buf));
	assert_string_equal(buf, "2026-03-05T10:00:00Z");
	dt_format_iso(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	dt_format_iso(-1, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
	dt_format_iso(INT64_C(253402300799), buf, sizeof(buf));
	assert_string_equal(buf, "9999-12-31T23:59:59Z");
	dt_format_iso(dt_days_from_civil(-44, 3, 15) * 86400 + 3600, buf, sizeof(buf));
	assert_string_equal(buf, "-0044-03-15T01:00:00Z");
	dt_format_date(T_20260305 + 86399, buf, sizeof(buf));
	assert_string_equal(buf, "2026-03-05");
	dt_format_date(-1, buf, 11);
	assert_string_equal(buf, "1969-12-31");
	/* Too small a buffer truncates but stays NUL-terminated. */
	dt_format_iso(0, buf, 5);
	assert_string_equal(buf, "1970");
}

static void test_format_parse_round_trip(void **state)
{
	struct fu_ctx ctx;
	char buf[32];
	int64_t back;

	(void)state;
	fu_ctx_init(&ctx);
	for (int64_t t = dt_days_from_civil(-9999, 1, 1) * 86400; t < INT64_C(253402300800);
	     t += INT64_C(86400) * 3671 + 4021) {
		dt_format_iso(t, buf, sizeof(buf));
		assert_int_equal(dt_parse_iso(&ctx, buf, 0, &back), FU_OK);
		assert_int_equal(back, t);
		dt_format_date(t, buf, sizeof(buf));
		assert_int_equal(dt_parse_iso(&ctx, buf, 0, &back), FU_OK);
		assert_int_equal(back, t - (t % 86400 + 86400) % 86400);
	}
}

static void test_parse_format_good(void **state)
{
	(void)state;
	/* date -u -d 1997-01-01 +%s */
	expect_fmt("19970101", "%Y%m%d", INT64_C(852076800));
	expect_fmt("01/01/1997", "%d/%m/%Y", INT64_C(852076800));
	expect_fmt("1/1/1997", "%d/%m/%Y", INT64_C(852076800));
	expect_fmt("01/01/97", "%d/%m/%y", INT64_C(852076800));
	expect_fmt("05/03/26", "%d/%m/%y", T_20260305);
	expect_fmt("01/01/68", "%d/%m/%y", dt_days_from_civil(2068, 1, 1) * 86400);
	expect_fmt("01/01/69", "%d/%m/%y", dt_days_from_civil(1969, 1, 1) * 86400);
	expect_fmt("2026-03-05 10:00", "%Y-%m-%d %H:%M", T_20260305 + 36000);
	expect_fmt("2026-03-05 9:05:07", "%Y-%m-%d %H:%M:%S", T_20260305 + 9 * 3600 + 307);
	expect_fmt("5 Mar 2026", "%d %b %Y", T_20260305);
	expect_fmt("5 MAR 2026", "%d %b %Y", T_20260305);
	expect_fmt("5 march 2026", "%d %b %Y", T_20260305);
	expect_fmt("Mar5,2026", "%b%d,%Y", T_20260305);
	expect_fmt("100% 2026-03-05", "100%% %Y-%m-%d", T_20260305);
	expect_fmt("2024-02-29", "%Y-%m-%d", 19782 * INT64_C(86400));
	expect_fmt("2016-12-31 23:59:60", "%Y-%m-%d %H:%M:%S", INT64_C(1483228799));
}

static void test_parse_format_bad(void **state)
{
	(void)state;
	expect_fmt_err("19971301", "%Y%m%d", "time \"19971301\": month 13 out of range");
	expect_fmt_err("19970230", "%Y%m%d", "time \"19970230\": day 30 out of range for 1997-02");
	expect_fmt_err("1997x", "%Y%m%d", "time \"1997x\": does not match format \"%Y%m%d\"");
	expect_fmt_err("199701011", "%Y%m%d",
		       "time \"199701011\": does not match format \"%Y%m%d\"");
	expect_fmt_err("97-01-01", "%Y-%m-%d",
		       "time \"97-01-01\": does not match format \"%Y-%m-%d\"");
	expect_fmt_err("", "%Y-%m-%d", "time \"\": does not match format \"%Y-%m-%d\"");
	expect_fmt_err("2026-03-05 ", "%Y-%m-%d",
		       "time \"2026-03-05 \": does not match format \"%Y-%m-%d\"");
	expect_fmt_err("5 Mrz 2026", "%d %b %Y",
		       "time \"5 Mrz 2026\": does not match format \"%d %b %Y\"");
	expect_fmt_err("2026-03-05 24:00", "%Y-%m-%d %H:%M",
		       "time \"2026-03-05 24:00\": hour 24 out of range");
	expect_fmt_err("2026-03-05 10:75", "%Y-%m-%d %H:%M",
		       "time \"2026-03-05 10:75\": minute 75 out of range");
	expect_fmt_err("2026-03-05", "%Y-%m-%Q", "format \"%Y-%m-%Q\": unknown directive %Q");
	expect_fmt_err("2026-03-05", "%Y-%m-%d%", "format \"%Y-%m-%d%\": ends with a lone %");
}

static void test_check_format(void **state)
{
	struct fu_ctx ctx;

	(void)state;
	fu_ctx_init(&ctx);
	assert_int_equal(dt_check_format(&ctx, "%Y%m%d"), FU_OK);
	assert_int_equal(dt_check_format(&ctx, "%d %b %y %H:%M:%S %%"), FU_OK);
	assert_int_equal(dt_check_format(&ctx, "%m/%d"), FU_EINPUT);
	assert_string_equal(ctx.msg, "format \"%m/%d\": no year (%Y or %y)");
	assert_int_equal(dt_check_format(&ctx, "%Y/%d"), FU_EINPUT);
	assert_string_equal(ctx.msg, "format \"%Y/%d\": no month (%m or %b)");
	assert_int_equal(dt_check_format(&ctx, "%Y/%m %H"), FU_EINPUT);
	assert_string_equal(ctx.msg, "format \"%Y/%m %H\": no day (%d)");
	assert_int_equal(dt_check_format(&ctx, "%Y%m%e"), FU_EINPUT);
	assert_string_equal(ctx.msg, "format \"%Y%m%e\": unknown directive %e");
	assert_int_equal(dt_check_format(&ctx, ""), FU_EINPUT);
}

static void test_durations(void **state)
{
	(void)state;
	expect_dur("15m", 900);
	expect_dur("2h", 7200);
	expect_dur("3d", 3 * 86400);
	expect_dur("1w", 7 * 86400);
	expect_dur("90s", 90);
	expect_dur("90", 90);
	expect_dur("0", 0);
	expect_dur(" 2h ", 7200);
	expect_dur("9223372036854775807", INT64_MAX);
	expect_dur_err("", "duration \"\": expected a number with an optional unit s, m, h, d or w");
	expect_dur_err("h", "duration \"h\": expected a number with an optional unit s, m, h, d or w");
	expect_dur_err("-5m",
		       "duration \"-5m\": expected a number with an optional unit s, m, h, d or w");
	expect_dur_err("5x", "duration \"5x\": expected a number with an optional unit s, m, h, d or w");
	expect_dur_err("5mm",
		       "duration \"5mm\": expected a number with an optional unit s, m, h, d or w");
	expect_dur_err("1.5h",
		       "duration \"1.5h\": expected a number with an optional unit s, m, h, d or w");
	expect_dur_err("5 m", "duration \"5 m\": expected a number with an optional unit s, m, h, d or w");
	expect_dur_err("9223372036854775808", "duration \"9223372036854775808\": too large");
	expect_dur_err("9223372036854775807w", "duration \"9223372036854775807w\": too large");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_days_known),
		cmocka_unit_test(test_days_round_trip),
		cmocka_unit_test(test_days_in_month),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_civil_seconds),
		cmocka_unit_test(test_iso_good),
		cmocka_unit_test(test_iso_bad),
		cmocka_unit_test(test_iso_long_value_is_cut),
		cmocka_unit_test(test_format_iso),
		cmocka_unit_test(test_format_parse_round_trip),
		cmocka_unit_test(test_parse_format_good),
		cmocka_unit_test(test_parse_format_bad),
		cmocka_unit_test(test_check_format),
		cmocka_unit_test(test_durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
