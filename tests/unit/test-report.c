/* test-report.c - unit tests for the business's figures (src/report.c): report tallies, status counts, lapsing customers */
#include "report.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "datetime.h"
#include "record.h"

#include "store_fixture.h"

#include "banned.h"

#define NOW ((int64_t)1795600000) /* 2026-11-25T07:46:40Z */
#define HOUR ((int64_t)3600)
#define DAY ((int64_t)86400)


/* Records one event at time t (seconds) through record.h. */
static void ev(struct fixture *fx, const char *type, const char *key, int64_t t,
	       const char *channel, const char *outcome, const char *due, const char *amount)
{
	struct event_text e = { .type = type, .contact = key, .channel = channel,
				.outcome = outcome, .due = due, .amount = amount };
	struct record_result r;
	char at[40];

	dt_format_iso(t, at, sizeof(at));
	e.time = at;
	OK(fx, record_event(&fx->ctx, fx->s, &e, NOW, &r));
	assert_int_equal(r.stored, 1);
}

static void test_report_tallies(void **state)
{
	struct fixture *fx = *state;
	struct report r;

	/* L1 answered within the hour, by a conversation */
	ev(fx, "lead", "L1", NOW - 10 * HOUR, "web_form", NULL, NULL, NULL);
	ev(fx, "touch", "L1", NOW - 9 * HOUR, "call", "reached", NULL, NULL);
	/* L2 never answered */
	ev(fx, "lead", "L2", NOW - 5 * HOUR, "web_form", NULL, NULL, NULL);
	/* L3: a snooze is no answer; the no-answer call 28 h after the lead is */
	ev(fx, "lead", "L3", NOW - 48 * HOUR, "call", NULL, NULL, NULL);
	ev(fx, "touch", "L3", NOW - 24 * HOUR, "call", "snoozed", "2026-11-24", NULL);
	ev(fx, "touch", "L3", NOW - 20 * HOUR, "call", "no-answer", NULL, NULL);
	/* O1: an old conversation, before the last 30 days and the silence limit */
	ev(fx, "touch", "O1", NOW - 40 * DAY, "call", "reached", NULL, NULL);
	/* D1 asked for no contact: not an active contact */
	ev(fx, "touch", "D1", NOW - 1 * HOUR, "call", "reached", NULL, NULL);
	ev(fx, "opt_out", "D1", NOW - 1 * HOUR + 60, "all", NULL, NULL, NULL);

	OK(fx, report_build(&fx->ctx, fx->s, NOW, &r));
	assert_int_equal(r.answered, 2);
	assert_int_equal(r.unanswered, 1);
	assert_int_equal(r.median_seconds, 28 * HOUR);
	assert_int_equal(r.worst_seconds, 28 * HOUR);
	assert_int_equal(r.silence_days, 27);
	/* L1, L2, L3, O1 have events and no opt-out; L1 and L3 were touched in time */
	assert_int_equal(r.active, 4);
	assert_int_equal(r.touched_in_time, 2);
	/* last 30 days: L1 reached, L3 no-answer, D1 reached; L3's snooze apart */
	assert_int_equal(r.touches, 3);
	assert_int_equal(r.conversations, 2);
	assert_int_equal(r.snoozed, 1);
	/* L2's unanswered lead is open, and overdue by now */
	assert_true(r.open >= 1);
	assert_true(r.overdue >= 1 && r.overdue <= r.open);
	assert_int_equal(r.lapsing.customers, 0);
	assert_int_equal(r.lapsing_month_ago.customers, 0);
}

static void test_status(void **state)
{
	struct fixture *fx = *state;
	struct report_status st;

	ev(fx, "lead", "L1", NOW - 10 * HOUR, "web_form", NULL, NULL, NULL);
	ev(fx, "purchase", "C1", NOW - 10 * DAY, NULL, NULL, NULL, "20");
	ev(fx, "purchase", "R1", NOW - 50 * DAY, NULL, NULL, NULL, "20");
	ev(fx, "purchase", "R1", NOW - 20 * DAY, NULL, NULL, NULL, "20");
	/* a one-time buyer after a year */
	ev(fx, "purchase", "X1", NOW - 400 * DAY, NULL, NULL, NULL, "20");
	ev(fx, "invoice", "X1", NOW - 400 * DAY, NULL, NULL, "2025-10-30", "20");
	ev(fx, "opt_out", "X1", NOW - 300 * DAY, "email", NULL, NULL, NULL);
	OK(fx, report_status_build(&fx->ctx, fx->s, NOW, &st));
	assert_int_equal(st.contacts, 4);
	assert_int_equal(st.stage[STAGE_LEAD], 1);
	assert_int_equal(st.stage[STAGE_CUSTOMER], 1);
	assert_int_equal(st.stage[STAGE_REPEAT], 1);
	assert_int_equal(st.stage[STAGE__COUNT - 1], 1);
	assert_int_equal(st.events, 7);
	assert_int_equal(st.event_types[EV_PURCHASE], 4);
	assert_int_equal(st.invoices_open, 1);
	assert_int_equal(st.opted_out_email, 1);
	assert_int_equal(st.do_not_contact, 0);
}

/* n purchases of `amount`, one every `gap` days, the last `ago` days before NOW. */
static void buyer(struct fixture *fx, const char *key, int n, int gap, int ago, const char *amount)
{
	for (int i = n - 1; i >= 0; i--)
		ev(fx, "purchase", key, NOW - (int64_t)(ago + i * gap) * DAY, NULL, NULL, NULL, amount);
}

static void test_lapsing(void **state)
{
	struct fixture *fx = *state;
	struct report_lapsing *v = NULL;
	struct contact c;
	size_t n = 0;

	buyer(fx, "B1", 8, 30, 70, "40");   /* lapsing */
	buyer(fx, "B2", 8, 30, 10, "400");  /* on time */
	buyer(fx, "B3", 8, 30, 70, "90");   /* lapsing, more at risk */
	contact_init(&c);
	c.key = (char *)"B3";
	c.name = (char *)"Bea Three";
	c.owner = (char *)"ana";
	OK(fx, store_contact_upsert(&fx->ctx, fx->s, &c, NULL));
	OK(fx, report_lapsing_list(&fx->ctx, fx->s, NOW, &v, &n));
	assert_int_equal(n, 2);
	assert_string_equal(v[0].key, "B3");
	assert_string_equal(v[0].name, "Bea Three");
	assert_string_equal(v[0].owner, "ana");
	assert_string_equal(v[1].key, "B1");
	assert_null(v[1].name);
	assert_true(v[0].e.l.at_risk > v[1].e.l.at_risk);
	assert_true(v[1].e.l.lapsed);
	report_lapsing_free(v, n);
	/* the report counts the same customers */
	{
		struct report r;

		OK(fx, report_build(&fx->ctx, fx->s, NOW, &r));
		assert_int_equal(r.lapsing.customers, 2);
	}
	/* nobody lapsing: nothing allocated */
	OK(fx, report_lapsing_list(&fx->ctx, fx->s, NOW - 60 * DAY, &v, &n));
	assert_int_equal(n, 0);
	assert_null(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_report_tallies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lapsing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
