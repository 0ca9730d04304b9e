/* test-schedule.c - when the server's jobs come round: every minute, 02:00 in a zone across DST, months */
#include "schedule.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "time_fixture.h"

#include "banned.h"

static void test_every(void **state)
{
	(void)state;
	assert_int_equal(sched_next_every(iso("2026-11-25T09:00:00Z"), 60), iso("2026-11-25T09:01:00Z"));
	assert_int_equal(sched_next_every(iso("2026-11-25T09:00:59Z"), 60), iso("2026-11-25T09:01:00Z"));
	assert_int_equal(sched_next_every(-1, 60), 0);
}

/* 02:00 in Berlin: before it today, after it (tomorrow), and the nights DST changes. */
static void test_nightly(void **state)
{
	struct tz *z = load("Europe/Berlin");

	(void)state;
	/* 23:00 UTC on the 24th is midnight in Berlin (CET, +1): 02:00 is 01:00 UTC */
	assert_int_equal(sched_next_local(z, 2, 0, iso("2026-11-24T23:00:00Z")), iso("2026-11-25T01:00:00Z"));
	/* exactly at it: the next night's */
	assert_int_equal(sched_next_local(z, 2, 0, iso("2026-11-25T01:00:00Z")), iso("2026-11-26T01:00:00Z"));
	/* in the afternoon: tonight's */
	assert_int_equal(sched_next_local(z, 2, 0, iso("2026-11-25T15:00:00Z")), iso("2026-11-26T01:00:00Z"));
	/* 29 March 2026: 02:00 does not exist (02:00 CET -> 03:00 CEST): the jump, 01:00 UTC */
	assert_int_equal(sched_next_local(z, 2, 0, iso("2026-03-28T12:00:00Z")), iso("2026-03-29T01:00:00Z"));
	/* 25 October 2026: 02:00 happens twice (CEST then CET): the first, 00:00 UTC */
	assert_int_equal(sched_next_local(z, 2, 0, iso("2026-10-24T12:00:00Z")), iso("2026-10-25T00:00:00Z"));
	/* tomorrow in Berlin begins an hour before UTC's */
	assert_int_equal(sched_local_tomorrow(z, iso("2026-11-25T23:30:00Z")), dt_days_from_civil(2026, 11, 27));
	assert_int_equal(sched_local_tomorrow(z, iso("2026-11-25T22:30:00Z")), dt_days_from_civil(2026, 11, 26));
	tz_free(z);
}

static void test_month(void **state)
{
	(void)state;
	assert_int_equal(sched_next_month(iso("2026-11-25T09:00:00Z")), iso("2026-12-01T00:00:00Z"));
	assert_int_equal(sched_next_month(iso("2026-12-31T23:59:59Z")), iso("2027-01-01T00:00:00Z"));
	/* at the start of a month, the next one */
	assert_int_equal(sched_next_month(iso("2026-12-01T00:00:00Z")), iso("2027-01-01T00:00:00Z"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every),
		cmocka_unit_test(test_nightly),
		cmocka_unit_test(test_month),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
