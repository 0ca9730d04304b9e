/* test-bizhours.c - unit tests for business hours and quiet hours in local time, across DST */
#include "bizhours.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "time_fixture.h"

#include "banned.h"

/*
 * Expected instants were worked out from the zones' 2026 rules and cross-checked with
 * `date -u -d @$(TZ=<zone> date -d '<local time>' +%s)`:
 *   America/New_York  EST -5 until 2026-03-08 07:00Z, EDT -4 until 2026-11-01 06:00Z
 *   Europe/Berlin     CET +1 until 2026-03-29 01:00Z, CEST +2 until 2026-10-25 01:00Z
 *   Australia/Sydney  AEDT +11 until 2026-04-04 16:00Z, AEST +10 until 2026-10-03 16:00Z
 *   Asia/Kolkata      IST +5:30, no DST
 * 2026-03-06, 2026-10-30, 2026-01-16, 2026-03-27, 2026-04-03 and 2026-10-02 are Fridays.
 */

static struct bizhours hours(const char *spec)
{
	struct fu_ctx ctx;
	struct bizhours b;

	fu_ctx_init(&ctx);
	if (bizhours_parse(&ctx, spec, &b) != FU_OK)
		fail_msg("hours %s: %s", spec, ctx.msg);
	return b;
}

static struct quiet_hours quiet(const char *spec)
{
	struct fu_ctx ctx;
	struct quiet_hours q;

	fu_ctx_init(&ctx);
	if (quiet_hours_parse(&ctx, spec, &q) != FU_OK)
		fail_msg("quiet hours %s: %s", spec, ctx.msg);
	return q;
}

/* Fails with both instants in ISO form when got is not the instant written as want. */
static void expect_at(int line, int64_t got, const char *want)
{
	char g[32];

	if (got != iso(want)) {
		dt_format_iso(got, g, sizeof(g));
		fail_msg("line %d: got %s, want %s", line, g, want);
	}
}
#define EXPECT_AT(got, want) expect_at(__LINE__, (got), (want))

static void test_parse_format(void **state)
{
	static const char *const cases[][2] = {
		{ "mon-fri 09:00-17:00", "mon-fri 09:00-17:00" },
		{ "mon-fri 09:00-17:00, sat 10:00-13:00", "mon-fri 09:00-17:00, sat 10:00-13:00" },
		{ "mon,wed 08:30-12:00", "mon,wed 08:30-12:00" },
		{ "daily 00:00-24:00", "daily 00:00-24:00" },
		{ "mon-sun 08:00-20:00", "daily 08:00-20:00" },
		{ "Mon-FRI 9:00-17:00", "mon-fri 09:00-17:00" },
		{ "  sat , sun 10:00 - 14:00 ", "sat,sun 10:00-14:00" },
		{ "fri-mon 10:00-14:00", "mon,fri-sun 10:00-14:00" },
		{ "sat 10:00-13:00, mon-fri 09:00-17:00", "mon-fri 09:00-17:00, sat 10:00-13:00" },
		{ "mon-tue 09:00-17:00, wed 09:00-17:00", "mon-wed 09:00-17:00" },
		{ "mon 08:00-12:00, tue 09:00-17:00, wed 08:00-12:00, thu-fri 09:00-17:00",
		  "mon,wed 08:00-12:00, tue,thu,fri 09:00-17:00" },
		{ "sun 23:59-24:00", "sun 23:59-24:00" },
		{ "none", "none" },
		{ " None ", "none" },
	};
	struct bizhours b, again;
	char out[BIZHOURS_SPEC_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = hours(cases[i][0]);
		bizhours_format(&b, out, sizeof(out));
		if (strcmp(out, cases[i][1]))
			fail_msg("%s: formatted as \"%s\", want \"%s\"", cases[i][0], out, cases[i][1]);
		again = hours(out);
		assert_memory_equal(&again, &b, sizeof(b));
	}

	b = hours("mon-fri 09:00-17:00, sat 10:00-13:00");
	for (i = 0; i < 5; i++) {
		assert_int_equal(b.open[i], 540);
		assert_int_equal(b.close[i], 1020);
	}
	assert_int_equal(b.open[5], 600);
	assert_int_equal(b.close[5], 780);
	assert_int_equal(b.open[6], -1);
	assert_int_equal(b.close[6], -1);

	b = hours("daily 00:00-24:00");
	assert_int_equal(b.open[3], 0);
	assert_int_equal(b.close[3], 1440);

	b = hours("none");
	for (i = 0; i < 7; i++)
		assert_int_equal(b.open[i], -1);

	bizhours_default(&b);
	bizhours_format(&b, out, sizeof(out));
	assert_string_equal(out, "mon-fri 09:00-17:00");
	again = hours("mon-fri 09:00-17:00");
	assert_memory_equal(&again, &b, sizeof(b));

	/* The longest canonical form still fits BIZHOURS_SPEC_MAX. */
	b = hours("mon 00:00-01:00, tue 00:00-02:00, wed 00:00-03:00, thu 00:00-04:00, "
		  "fri 00:00-05:00, sat 00:00-06:00, sun 00:00-07:00");
	bizhours_format(&b, out, sizeof(out));
	assert_string_equal(out, "mon 00:00-01:00, tue 00:00-02:00, wed 00:00-03:00, thu 00:00-04:00, "
			    "fri 00:00-05:00, sat 00:00-06:00, sun 00:00-07:00");
}

static void test_format_edges(void **state)
{
	struct bizhours b;
	char out[BIZHOURS_SPEC_MAX];

	(void)state;
	bizhours_default(&b);
	memset(out, 'x', sizeof(out));
	bizhours_format(&b, out, 8);
	assert_string_equal(out, "mon-fri");
	bizhours_format(&b, out, 1);
	assert_string_equal(out, "");
	out[0] = 'x';
	bizhours_format(&b, out, 0);
	assert_int_equal(out[0], 'x');

	/* Inconsistent pairs count as closed days. */
	b.open[0] = 600;
	b.close[0] = 500;
	b.close[1] = 1500;
	b.open[2] = -5;
	bizhours_format(&b, out, sizeof(out));
	assert_string_equal(out, "thu,fri 09:00-17:00");
}

static void expect_parse_err(const char *spec, const char *msg)
{
	struct fu_ctx ctx;
	struct bizhours b, before;

	fu_ctx_init(&ctx);
	memset(&b, 0x5a, sizeof(b));
	before = b;
	if (bizhours_parse(&ctx, spec, &b) != FU_EINPUT)
		fail_msg("%s: parsed", spec);
	assert_string_equal(ctx.msg, msg);
	assert_memory_equal(&b, &before, sizeof(b));
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_parse_err("mon-fri 9-17", "hours \"mon-fri 9-17\": expected HH:MM-HH:MM after the days");
	expect_parse_err("mon-fri", "hours \"mon-fri\": expected HH:MM-HH:MM after the days");
	expect_parse_err("mon 9:0-17:00", "hours \"mon 9:0-17:00\": expected HH:MM-HH:MM after the days");
	expect_parse_err("mon 123:00-17:00",
			 "hours \"mon 123:00-17:00\": expected HH:MM-HH:MM after the days");
	expect_parse_err("mon 09:00", "hours \"mon 09:00\": expected HH:MM-HH:MM after the days");
	expect_parse_err("daily-sun 09:00-17:00",
			 "hours \"daily-sun 09:00-17:00\": expected HH:MM-HH:MM after the days");
	expect_parse_err("mon-fri 09:00-08:00",
			 "hours \"mon-fri 09:00-08:00\": closing 08:00 is not after opening 09:00");
	expect_parse_err("mon 09:00-09:00",
			 "hours \"mon 09:00-09:00\": closing 09:00 is not after opening 09:00");
	expect_parse_err("mo-fri 09:00-17:00", "hours \"mo-fri 09:00-17:00\": unknown day 'mo'");
	expect_parse_err("mon-fr 09:00-17:00", "hours \"mon-fr 09:00-17:00\": unknown day 'fr'");
	expect_parse_err("monday 09:00-17:00", "hours \"monday 09:00-17:00\": unknown day 'monday'");
	expect_parse_err("mon,xyz 09:00-17:00", "hours \"mon,xyz 09:00-17:00\": unknown day 'xyz'");
	expect_parse_err("", "hours \"\": expected days such as mon-fri before the hours");
	expect_parse_err("09:00-17:00", "hours \"09:00-17:00\": expected days such as mon-fri before the hours");
	expect_parse_err("mon-fri 09:00-17:00,",
			 "hours \"mon-fri 09:00-17:00,\": expected days such as mon-fri before the hours");
	expect_parse_err("mon, 09:00-17:00",
			 "hours \"mon, 09:00-17:00\": expected days such as mon-fri before the hours");
	expect_parse_err("mon-fri 09:00-17:00, fri 10:00-12:00",
			 "hours \"mon-fri 09:00-17:00, fri 10:00-12:00\": day 'fri' given twice");
	expect_parse_err("daily 09:00-17:00, sat 10:00-12:00",
			 "hours \"daily 09:00-17:00, sat 10:00-12:00\": day 'sat' given twice");
	expect_parse_err("mon,mon 09:00-17:00", "hours \"mon,mon 09:00-17:00\": day 'mon' given twice");
	expect_parse_err("mon 25:00-26:00", "hours \"mon 25:00-26:00\": time 25:00 out of range");
	expect_parse_err("mon 09:60-17:00", "hours \"mon 09:60-17:00\": time 09:60 out of range");
	expect_parse_err("mon 09:00-24:01", "hours \"mon 09:00-24:01\": time 24:01 out of range");
	expect_parse_err("mon 24:00-24:00", "hours \"mon 24:00-24:00\": time 24:00 out of range");
	expect_parse_err("mon 09:00-17:00 tue 09:00-12:00",
			 "hours \"mon 09:00-17:00 tue 09:00-12:00\": unexpected 't' after the hours");
	expect_parse_err("mon 09:00-17:00;", "hours \"mon 09:00-17:00;\": unexpected ';' after the hours");
	expect_parse_err("none, mon 09:00-17:00",
			 "hours \"none, mon 09:00-17:00\": unknown day 'none'");
}

static void test_new_york_add(void **state)
{
	struct tz *z = load("America/New_York");
	struct bizhours b;

	(void)state;
	bizhours_default(&b);
	/* Friday 16:50 + 15 minutes: 10 minutes on Friday, 5 on Monday. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-01-16T16:50:00-05:00"), 15 * 60), "2026-01-19T09:05:00-05:00");
	/* Spring-forward weekend: Friday in EST, Monday in EDT. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-06T21:50:00Z"), 15 * 60), "2026-03-09T13:05:00Z");
	/* Fall-back weekend: Friday in EDT, Monday in EST. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-10-30T20:50:00Z"), 15 * 60), "2026-11-02T14:05:00Z");

	/* Using up exactly the rest of the day ends at closing; one second more is Monday. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-06T21:50:00Z"), 600), "2026-03-06T22:00:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-06T21:50:00Z"), 601), "2026-03-09T13:00:01Z");
	/* A working week is 40 hours, also the one that ends on the DST weekend. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-02T14:00:00Z"), 40 * 3600), "2026-03-06T22:00:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-03T14:00:00Z"), 40 * 3600), "2026-03-09T21:00:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-02T14:00:00Z"), 80 * 3600), "2026-03-13T21:00:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-10-26T13:00:00Z"), 80 * 3600), "2026-11-06T22:00:00Z");
	/* A Monday on the new offset still holds 8 hours. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-09T13:00:00Z"), 8 * 3600), "2026-03-09T21:00:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-11-02T14:00:00Z"), 8 * 3600), "2026-11-02T22:00:00Z");
	/* 50 weeks of 40 hours from Monday 2026-01-05 09:00 EST: Friday 2026-12-18 17:00 EST. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-01-05T14:00:00Z"), (int64_t)2000 * 3600), "2026-12-18T22:00:00Z");
	/* Started from a closed moment, counting begins at the next opening. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-07T17:00:00Z"), 3600), "2026-03-09T14:00:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-07T17:00:00Z"), 0), "2026-03-09T13:00:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-07T17:00:00Z"), -60), "2026-03-09T13:00:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-09T15:00:00Z"), 0), "2026-03-09T15:00:00Z");

	/* Open round the clock: the spring-forward Sunday has 23 real hours. */
	b = hours("daily 00:00-24:00");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-08T05:00:00Z"), 86400), "2026-03-09T05:00:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-08T06:30:00Z"), 3600), "2026-03-08T07:30:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-11-01T03:00:00Z"), 7 * 86400), "2026-11-08T03:00:00Z");
	tz_free(z);
}

static void test_new_york_open(void **state)
{
	struct tz *z = load("America/New_York");
	struct bizhours b;

	(void)state;
	bizhours_default(&b);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-09T12:59:59Z")), 0);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-09T13:00:00Z")), 1);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-09T20:59:59Z")), 1);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-09T21:00:00Z")), 0);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-06T14:00:00Z")), 1);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-06T13:59:59Z")), 0);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-07T17:00:00Z")), 0);
	/* 15:00Z on a Saturday is 10:00 EST, open only if Saturday were open. */
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-07T15:00:00Z")), 0);

	EXPECT_AT(bizhours_next_open(&b, z, iso("2026-03-09T12:00:00Z")), "2026-03-09T13:00:00Z");
	EXPECT_AT(bizhours_next_open(&b, z, iso("2026-03-09T16:00:00Z")), "2026-03-09T16:00:00Z");
	EXPECT_AT(bizhours_next_open(&b, z, iso("2026-03-09T21:00:00Z")), "2026-03-10T13:00:00Z");
	EXPECT_AT(bizhours_next_open(&b, z, iso("2026-03-07T17:00:00Z")), "2026-03-09T13:00:00Z");
	/* Friday 21:00 EST is already Saturday in UTC. */
	EXPECT_AT(bizhours_next_open(&b, z, iso("2026-03-07T02:00:00Z")), "2026-03-09T13:00:00Z");
	EXPECT_AT(bizhours_next_open(&b, z, iso("2026-10-30T21:30:00Z")), "2026-11-02T14:00:00Z");

	/* Opening 02:30 does not exist on 2026-03-08: it moves to 03:30 EDT. */
	b = hours("sun 02:30-05:00");
	EXPECT_AT(bizhours_next_open(&b, z, iso("2026-03-07T17:00:00Z")), "2026-03-08T07:30:00Z");
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-08T07:29:59Z")), 0);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-08T07:30:00Z")), 1);
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-07T17:00:00Z"), 3600), "2026-03-08T08:30:00Z");
	/* That Sunday holds 1.5 hours; the other half hour is the next Sunday from 02:30 EDT. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-07T17:00:00Z"), 7200), "2026-03-15T07:00:00Z");

	/* Opening 01:30 happens twice on 2026-11-01: the earlier (EDT) one counts. */
	b = hours("sun 01:30-03:00");
	EXPECT_AT(bizhours_next_open(&b, z, iso("2026-10-31T16:00:00Z")), "2026-11-01T05:30:00Z");
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-10-31T16:00:00Z")), "2026-11-01T08:00:00Z");
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-11-01T05:29:59Z")), 0);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-11-01T06:15:00Z")), 1);
	EXPECT_AT(bizhours_add(&b, z, iso("2026-10-31T16:00:00Z"), 9000), "2026-11-01T08:00:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-10-31T16:00:00Z"), 9001), "2026-11-08T06:30:01Z");
	tz_free(z);
}

static void test_end_of_day(void **state)
{
	struct tz *z = load("America/New_York");
	struct bizhours b;

	(void)state;
	bizhours_default(&b);
	/* Monday 2026-03-09 (EDT): before opening, during, at and after closing. */
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-03-09T11:00:00Z")), "2026-03-09T21:00:00Z");
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-03-09T16:00:00Z")), "2026-03-09T21:00:00Z");
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-03-09T20:59:59Z")), "2026-03-09T21:00:00Z");
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-03-09T21:00:00Z")), "2026-03-10T21:00:00Z");
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-03-09T22:00:00Z")), "2026-03-10T21:00:00Z");
	/* Saturday, and Friday evening (already Saturday in UTC), wait for Monday. */
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-03-07T17:00:00Z")), "2026-03-09T21:00:00Z");
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-03-06T23:00:00Z")), "2026-03-09T21:00:00Z");
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-03-07T02:00:00Z")), "2026-03-09T21:00:00Z");
	/* Friday in EST closes at 22:00Z. */
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-03-06T15:00:00Z")), "2026-03-06T22:00:00Z");

	b = hours("daily 00:00-24:00");
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-03-08T12:00:00Z")), "2026-03-09T04:00:00Z");
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-11-01T12:00:00Z")), "2026-11-02T05:00:00Z");
	tz_free(z);
}

static void test_add_days(void **state)
{
	struct tz *z = load("America/New_York");
	struct bizhours b;

	(void)state;
	bizhours_default(&b);
	/* Tuesday 15:00 (and 07:00) + 1 -> Wednesday 09:00 EST. */
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-03T20:00:00Z"), 1), "2026-03-04T14:00:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-03T12:00:00Z"), 1), "2026-03-04T14:00:00Z");
	/* From Friday 2026-03-06, over the spring-forward weekend. */
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-06T20:00:00Z"), 1), "2026-03-09T13:00:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-06T20:00:00Z"), 2), "2026-03-10T13:00:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-06T20:00:00Z"), 5), "2026-03-13T13:00:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-06T20:00:00Z"), 10), "2026-03-20T13:00:00Z");
	/* Friday 21:00 EST is Saturday in UTC but still Friday locally. */
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-07T02:00:00Z"), 1), "2026-03-09T13:00:00Z");
	/* Weekend days count from their own date. */
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-07T17:00:00Z"), 1), "2026-03-09T13:00:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-08T17:00:00Z"), 1), "2026-03-09T13:00:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-08T17:00:00Z"), 2), "2026-03-10T13:00:00Z");
	/* Zero days is next_open. */
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-06T20:00:00Z"), 0), "2026-03-06T20:00:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-07T17:00:00Z"), 0), "2026-03-09T13:00:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-07T17:00:00Z"), -3), "2026-03-09T13:00:00Z");
	/* Fall-back weekend: Monday 09:00 EST. */
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-10-30T19:00:00Z"), 1), "2026-11-02T14:00:00Z");
	/* 260 business days = 52 weeks: Friday 2026-01-02 -> Friday 2027-01-01 09:00 EST. */
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-01-02T17:00:00Z"), 260), "2027-01-01T14:00:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-01-02T17:00:00Z"), 261), "2027-01-04T14:00:00Z");

	/* Two days a week. */
	b = hours("mon,wed 08:30-12:00");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-02T15:00:00Z"), 1), "2026-03-04T13:30:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-04T15:00:00Z"), 1), "2026-03-09T12:30:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-02T15:00:00Z"), 2), "2026-03-09T12:30:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-02T15:00:00Z"), 3), "2026-03-11T12:30:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-02T15:00:00Z"), 4), "2026-03-16T12:30:00Z");
	tz_free(z);
}

static void test_berlin(void **state)
{
	struct tz *z = load("Europe/Berlin");
	struct bizhours b;

	(void)state;
	bizhours_default(&b);
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-27T15:50:00Z"), 15 * 60), "2026-03-30T07:05:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-10-23T14:50:00Z"), 15 * 60), "2026-10-26T08:05:00Z");

	b = hours("mon-fri 08:00-18:00, sat 10:00-14:00");
	/* Saturday 13:50 CET + 30 minutes: 10 on Saturday, 20 on Monday from 08:00 CEST. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-03-28T12:50:00Z"), 30 * 60), "2026-03-30T06:20:00Z");
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-28T09:00:00Z")), 1);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-28T13:00:00Z")), 0);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-03-29T10:00:00Z")), 0);
	EXPECT_AT(bizhours_next_open(&b, z, iso("2026-03-29T10:00:00Z")), "2026-03-30T06:00:00Z");
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-03-29T10:00:00Z")), "2026-03-30T16:00:00Z");
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-03-28T08:00:00Z")), "2026-03-28T13:00:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-27T12:00:00Z"), 1), "2026-03-28T09:00:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-03-28T12:00:00Z"), 1), "2026-03-30T06:00:00Z");
	/* Fall back: Saturday in CEST, Monday in CET. */
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-10-24T09:00:00Z"), 1), "2026-10-26T07:00:00Z");
	EXPECT_AT(bizhours_add(&b, z, iso("2026-10-24T11:50:00Z"), 30 * 60), "2026-10-26T07:20:00Z");
	tz_free(z);
}

static void test_sydney(void **state)
{
	struct tz *z = load("Australia/Sydney");
	struct bizhours b;

	(void)state;
	bizhours_default(&b);
	/* DST ends 2026-04-05: Friday 16:50 AEDT -> Monday 09:05 AEST. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-04-03T05:50:00Z"), 15 * 60), "2026-04-05T23:05:00Z");
	/* DST starts 2026-10-04: Friday 16:50 AEST -> Monday 09:05 AEDT. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-10-02T06:50:00Z"), 15 * 60), "2026-10-04T22:05:00Z");
	/* Monday 09:00 local is still Sunday in UTC. */
	EXPECT_AT(bizhours_next_open(&b, z, iso("2026-04-04T12:00:00Z")), "2026-04-05T23:00:00Z");
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-04-05T23:00:00Z")), 1);
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-04-05T23:00:00Z")), "2026-04-06T07:00:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-10-02T03:00:00Z"), 1), "2026-10-04T22:00:00Z");

	b = hours("mon-fri 08:30-17:30");
	/* Friday 13:00 AEDT + 8h: 4.5h on Friday, 3.5h from Monday 08:30 AEST. */
	EXPECT_AT(bizhours_add(&b, z, iso("2026-04-03T02:00:00Z"), 8 * 3600), "2026-04-06T02:00:00Z");
	tz_free(z);
}

static void test_kolkata(void **state)
{
	struct tz *z = load("Asia/Kolkata");
	struct bizhours b;

	(void)state;
	bizhours_default(&b);
	EXPECT_AT(bizhours_add(&b, z, iso("2026-01-16T11:20:00Z"), 15 * 60), "2026-01-19T03:35:00Z");
	/* 20:00Z Wednesday is 01:30 IST Thursday. */
	EXPECT_AT(bizhours_next_open(&b, z, iso("2026-01-14T20:00:00Z")), "2026-01-15T03:30:00Z");
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-01-15T03:29:59Z")), 0);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-01-15T03:30:00Z")), 1);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-01-15T11:29:59Z")), 1);
	assert_int_equal(bizhours_is_open(&b, z, iso("2026-01-15T11:30:00Z")), 0);
	EXPECT_AT(bizhours_end_of_day(&b, z, iso("2026-01-15T20:00:00Z")), "2026-01-16T11:30:00Z");
	EXPECT_AT(bizhours_add_days(&b, z, iso("2026-01-15T20:00:00Z"), 1), "2026-01-19T03:30:00Z");
	tz_free(z);
}

static void test_no_open_day(void **state)
{
	struct tz *z = load("America/New_York");
	struct bizhours b = hours("none");
	int64_t t = iso("2026-03-09T15:00:00Z");

	(void)state;
	assert_int_equal(bizhours_is_open(&b, z, t), 0);
	assert_int_equal(bizhours_next_open(&b, z, t), t);
	assert_int_equal(bizhours_add(&b, z, t, 3600), t);
	assert_int_equal(bizhours_end_of_day(&b, z, t), t);
	assert_int_equal(bizhours_add_days(&b, z, t, 0), t);
	assert_int_equal(bizhours_add_days(&b, z, t, 3), t);

	/* Pairs that make no sense are closed days too. */
	b.open[0] = 600;
	b.close[0] = 500;
	b.open[1] = 600;
	b.close[1] = 1441;
	assert_int_equal(bizhours_next_open(&b, z, t), t);
	assert_int_equal(bizhours_add_days(&b, z, t, 1), t);
	tz_free(z);
}

static void expect_quiet_err(const char *spec, const char *msg)
{
	struct fu_ctx ctx;
	struct quiet_hours q = { 77, 88 };

	fu_ctx_init(&ctx);
	if (quiet_hours_parse(&ctx, spec, &q) != FU_EINPUT)
		fail_msg("%s: parsed", spec);
	assert_string_equal(ctx.msg, msg);
	assert_int_equal(q.start, 77);
	assert_int_equal(q.end, 88);
}

static void test_quiet_parse(void **state)
{
	struct quiet_hours q;

	(void)state;
	q = quiet("20:00-08:00");
	assert_int_equal(q.start, 1200);
	assert_int_equal(q.end, 480);
	q = quiet(" 20:30 - 7:15 ");
	assert_int_equal(q.start, 1230);
	assert_int_equal(q.end, 435);
	q = quiet("22:00-24:00");
	assert_int_equal(q.start, 1320);
	assert_int_equal(q.end, 1440);
	q = quiet("none");
	assert_int_equal(q.start, q.end);
	q = quiet("NONE");
	assert_int_equal(q.start, q.end);
	q = quiet("08:00-08:00");
	assert_int_equal(q.start, q.end);

	expect_quiet_err("20:00", "quiet hours \"20:00\": expected HH:MM-HH:MM or none");
	expect_quiet_err("", "quiet hours \"\": expected HH:MM-HH:MM or none");
	expect_quiet_err("20-08", "quiet hours \"20-08\": expected HH:MM-HH:MM or none");
	expect_quiet_err("20:00-08:00x", "quiet hours \"20:00-08:00x\": expected HH:MM-HH:MM or none");
	expect_quiet_err("nothing", "quiet hours \"nothing\": expected HH:MM-HH:MM or none");
	expect_quiet_err("25:00-08:00", "quiet hours \"25:00-08:00\": time 25:00 out of range");
	expect_quiet_err("20:00-08:60", "quiet hours \"20:00-08:60\": time 08:60 out of range");
	expect_quiet_err("24:00-08:00", "quiet hours \"24:00-08:00\": time 24:00 out of range");
	expect_quiet_err("20:00-24:30", "quiet hours \"20:00-24:30\": time 24:30 out of range");
	expect_quiet_err("00:00-24:00", "quiet hours \"00:00-24:00\": covers the whole day");
}

static void test_quiet_new_york(void **state)
{
	struct tz *z = load("America/New_York");
	struct quiet_hours q = quiet("20:00-08:00");

	(void)state;
	/* The spring-forward night, 2026-03-07 20:00 EST to 2026-03-08 08:00 EDT. */
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-03-08T00:59:59Z")), 0);
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-03-08T01:00:00Z")), 1);
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-03-08T06:59:59Z")), 1);
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-03-08T07:00:00Z")), 1);
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-03-08T11:59:59Z")), 1);
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-03-08T12:00:00Z")), 0);
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-03-08T03:00:00Z")), "2026-03-08T12:00:00Z");
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-03-08T06:30:00Z")), "2026-03-08T12:00:00Z");
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-03-08T07:30:00Z")), "2026-03-08T12:00:00Z");
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-03-08T12:00:00Z")), "2026-03-08T12:00:00Z");
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-03-08T18:00:00Z")), "2026-03-08T18:00:00Z");
	/* The fall-back night, 2026-10-31 20:00 EDT to 2026-11-01 08:00 EST; 01:30 happens twice. */
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-11-01T00:00:00Z")), 1);
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-11-01T12:59:59Z")), 1);
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-11-01T13:00:00Z")), 0);
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-11-01T01:00:00Z")), "2026-11-01T13:00:00Z");
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-11-01T05:30:00Z")), "2026-11-01T13:00:00Z");
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-11-01T06:30:00Z")), "2026-11-01T13:00:00Z");

	/* A window ending at 01:30 on the fall-back night: in the second 01:15 it ends at the second 01:30. */
	q = quiet("00:00-01:30");
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-11-01T05:15:00Z")), "2026-11-01T05:30:00Z");
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-11-01T06:15:00Z")), "2026-11-01T06:30:00Z");
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-11-01T05:45:00Z")), 0);
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-11-01T06:45:00Z")), 0);

	/* A window ending at 02:30 on the spring-forward night ends at 03:30 EDT. */
	q = quiet("22:00-02:30");
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-03-08T06:00:00Z")), "2026-03-08T07:30:00Z");
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-03-08T07:00:00Z")), 0);

	/* A window inside one day, and one ending at midnight. */
	q = quiet("12:00-13:00");
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-03-09T15:59:59Z")), 0);
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-03-09T16:30:00Z")), "2026-03-09T17:00:00Z");
	q = quiet("22:00-24:00");
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-03-08T04:00:00Z")), "2026-03-08T05:00:00Z");
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-03-08T05:00:00Z")), 0);

	q = quiet("none");
	assert_int_equal(quiet_hours_is_quiet(&q, z, iso("2026-03-08T05:00:00Z")), 0);
	EXPECT_AT(quiet_hours_next_allowed(&q, z, iso("2026-03-08T05:00:00Z")), "2026-03-08T05:00:00Z");
	tz_free(z);
}

static void test_quiet_elsewhere(void **state)
{
	struct tz *berlin = load("Europe/Berlin"), *sydney = load("Australia/Sydney");
	struct quiet_hours q = quiet("22:00-07:00");

	(void)state;
	EXPECT_AT(quiet_hours_next_allowed(&q, berlin, iso("2026-03-28T22:00:00Z")), "2026-03-29T05:00:00Z");
	EXPECT_AT(quiet_hours_next_allowed(&q, berlin, iso("2026-10-24T21:00:00Z")), "2026-10-25T06:00:00Z");
	assert_int_equal(quiet_hours_is_quiet(&q, berlin, iso("2026-10-25T05:59:59Z")), 1);
	assert_int_equal(quiet_hours_is_quiet(&q, berlin, iso("2026-10-25T06:00:00Z")), 0);

	q = quiet("21:00-07:00");
	EXPECT_AT(quiet_hours_next_allowed(&q, sydney, iso("2026-04-04T11:00:00Z")), "2026-04-04T21:00:00Z");
	EXPECT_AT(quiet_hours_next_allowed(&q, sydney, iso("2026-10-03T12:00:00Z")), "2026-10-03T20:00:00Z");
	assert_int_equal(quiet_hours_is_quiet(&q, sydney, iso("2026-10-03T19:59:59Z")), 1);
	assert_int_equal(quiet_hours_is_quiet(&q, sydney, iso("2026-10-03T20:00:00Z")), 0);
	tz_free(berlin);
	tz_free(sydney);
}

static int setup_system(void **state)
{
	(void)state;
	unsetenv("TZDIR");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_format_edges),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_new_york_add),
		cmocka_unit_test(test_new_york_open),
		cmocka_unit_test(test_end_of_day),
		cmocka_unit_test(test_add_days),
		cmocka_unit_test(test_berlin),
		cmocka_unit_test(test_sydney),
		cmocka_unit_test(test_kolkata),
		cmocka_unit_test(test_no_open_day),
		cmocka_unit_test(test_quiet_parse),
		cmocka_unit_test(test_quiet_new_york),
		cmocka_unit_test(test_quiet_elsewhere),
	};

	return cmocka_run_group_tests_name("bizhours", tests, setup_system, NULL) ? 1 : 0;
}
