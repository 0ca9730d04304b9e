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
#include <jansson.h>
#include <sqlite3.h>

#include "datetime.h"
#include "lapse.h"
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
	/* leads from before the last 30 days count in no speed to lead: P1 answered 10 days
	 * later, P2 never (both asked for no contact since, so they are not active either) */
	ev(fx, "lead", "P1", NOW - 45 * DAY, "web_form", NULL, NULL, NULL);
	ev(fx, "touch", "P1", NOW - 35 * DAY, "call", "reached", NULL, NULL);
	ev(fx, "lead", "P2", NOW - 40 * DAY, "web_form", NULL, NULL, NULL);
	ev(fx, "opt_out", "P1", NOW - 2 * HOUR, "all", NULL, NULL, NULL);
	ev(fx, "opt_out", "P2", NOW - 2 * HOUR, "all", NULL, NULL, NULL);

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

static void owned(struct fixture *fx, const char *key, const char *owner)
{
	struct contact c;

	contact_init(&c);
	c.key = (char *)key;
	c.owner = (char *)owner;
	OK(fx, store_contact_upsert(&fx->ctx, fx->s, &c, NULL));
}

static void same_tally(const struct report_tally *t, const struct report *r, int k)
{
	if (t->answered != r->answered || t->unanswered != r->unanswered ||
	    t->median_seconds != r->median_seconds || t->worst_seconds != r->worst_seconds ||
	    t->touches != r->touches || t->conversations != r->conversations ||
	    t->snoozed != r->snoozed)
		print_error("week %d: weekly %lld/%lld %lld/%lld %lld %lld %lld, report_build "
			    "%lld/%lld %lld/%lld %lld %lld %lld\n", k, (long long)t->answered,
			    (long long)t->unanswered, (long long)t->median_seconds,
			    (long long)t->worst_seconds, (long long)t->touches,
			    (long long)t->conversations, (long long)t->snoozed,
			    (long long)r->answered, (long long)r->unanswered,
			    (long long)r->median_seconds, (long long)r->worst_seconds,
			    (long long)r->touches, (long long)r->conversations, (long long)r->snoozed);
	assert_int_equal(t->answered, r->answered);
	assert_int_equal(t->unanswered, r->unanswered);
	assert_int_equal(t->median_seconds, r->median_seconds);
	assert_int_equal(t->worst_seconds, r->worst_seconds);
	assert_int_equal(t->touches, r->touches);
	assert_int_equal(t->conversations, r->conversations);
	assert_int_equal(t->snoozed, r->snoozed);
}

/*
 * The week-by-week report in one pass gives, for each week, what report_build gives at
 * that moment; the owners' tallies add up to the business's.
 */
static void test_weeks(void **state)
{
	struct fixture *fx = *state;
	struct report_weeks w;
	const char *keys[] = { "A1", "A2", "B1", "U1", "U2" };

	owned(fx, "A1", "ana");
	owned(fx, "A2", "ana");
	owned(fx, "B1", "ben");
	/* leads and answers spread over five weeks, some answered late, some never */
	for (int i = 0; i < 5; i++) {
		int64_t t0 = NOW - (int64_t)(4 - i) * 7 * DAY - (int64_t)(i + 1) * 5 * HOUR;

		ev(fx, "lead", keys[i], t0 - 10 * DAY, "web_form", NULL, NULL, NULL);
		if (i != 3)
			ev(fx, "touch", keys[i], t0 - 10 * DAY + (int64_t)(i + 1) * 3 * HOUR, "call",
			   i % 2 ? "no-answer" : "reached", NULL, NULL);
		ev(fx, "touch", keys[i], t0 - 2 * DAY, "call", "snoozed", "2026-12-30", NULL);
		ev(fx, "lead", keys[i], t0, "call", NULL, NULL, NULL);
		if (i % 2 == 0)
			ev(fx, "touch", keys[i], t0 + 20 * HOUR, "email", "voicemail", NULL, NULL);
	}
	buyer(fx, "B1", 8, 30, 70, "40");
	buyer(fx, "A2", 8, 30, 12, "90");
	OK(fx, report_weeks_build(&fx->ctx, fx->s, NOW, 5, &w));
	assert_int_equal(w.weeks, 5);
	assert_int_equal(w.at[4], NOW);
	assert_int_equal(w.at[0], NOW - 28 * DAY);
	for (int k = 0; k < 5; k++) {
		struct report r;
		struct report_tally sum;

		OK(fx, report_build(&fx->ctx, fx->s, w.at[k], &r));
		same_tally(&w.week[k], &r, k);
		assert_int_equal(w.lapsing[k].customers, r.lapsing.customers);
		assert_true(w.lapsing[k].at_risk == r.lapsing.at_risk);
		memset(&sum, 0, sizeof(sum));
		for (size_t g = 0; g < w.nowners; g++) {
			sum.answered += w.owners[g].week[k].answered;
			sum.unanswered += w.owners[g].week[k].unanswered;
			sum.touches += w.owners[g].week[k].touches;
		}
		assert_int_equal(sum.answered, r.answered);
		assert_int_equal(sum.unanswered, r.unanswered);
		assert_int_equal(sum.touches, r.touches);
		if (k == 4) {
			assert_int_equal(w.open, r.open);
			assert_int_equal(w.overdue, r.overdue);
			assert_int_equal(w.active, r.active);
			assert_int_equal(w.touched_in_time, r.touched_in_time);
		}
	}
	/* "", ana, ben: by name */
	assert_int_equal(w.nowners, 3);
	assert_string_equal(w.owners[0].owner, "");
	assert_string_equal(w.owners[1].owner, "ana");
	assert_string_equal(w.owners[2].owner, "ben");
	assert_int_equal(w.owners[2].lapsing.customers, 1); /* B1 */
	assert_int_equal(w.owners[1].active, 2);
	report_weeks_release(&w);
	/* a count out of range is refused */
	assert_int_equal(report_weeks_build(&fx->ctx, fx->s, NOW, 13, &w), FU_EINPUT);
	report_weeks_release(&w);
}

/* The kept earlier models' value "customers" of the first one set to v (to see it read back). */
static void tamper_earlier(struct fixture *fx, long v)
{
	char *text = NULL, *dump;
	json_t *o;

	OK(fx, store_meta_get(&fx->ctx, fx->s, "lapse_models_earlier", &text));
	assert_non_null(text);
	o = json_loads(text, 0, NULL);
	free(text);
	assert_true(json_is_array(o) && json_array_size(o) >= 1);
	json_object_set_new(json_array_get(o, 0), "customers", json_integer(v));
	dump = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
	OK(fx, store_meta_set(&fx->ctx, fx->s, "lapse_models_earlier", dump));
	free(dump);
	json_decref(o);
}

/* The model of moment at as fitted afresh from the store's purchases. */
static void fitted(struct fixture *fx, int64_t at, struct lapse_model *m)
{
	struct purchase_log p;

	OK(fx, purchase_log_load(&fx->ctx, fx->s, NOW, &p));
	OK(fx, lapse_model_fit(&fx->ctx, &p, at, m));
	purchase_log_release(&p);
}

/*
 * An earlier month's model (a report's weeks, a month ago) is fitted once and kept apart from
 * now's: asked again, it is read back; a purchase before its cutoff recorded late makes it be
 * fitted anew, a later purchase does not.
 */
static void test_earlier_models(void **state)
{
	struct fixture *fx = *state;
	struct lapse_models ms;
	struct lapse_model f;
	int64_t at = NOW - 35 * DAY; /* October: now is in November */
	char key[16];

	for (int i = 0; i < 12; i++) {
		snprintf(key, sizeof(key), "B%d", i);
		buyer(fx, key, 8, 20 + i, 40 + i, "30");
	}
	OK(fx, lapse_models_load(&fx->ctx, fx->s, NOW, &at, 1, &ms));
	assert_int_equal(ms.n, 2);
	assert_true(lapse_models_get(&ms, at) == &ms.m[1]);
	fitted(fx, at, &f);
	assert_int_equal(ms.m[1].cutoff, f.cutoff);
	assert_int_equal(ms.m[1].customers, f.customers);
	assert_true(ms.m[1].prior.mu == f.prior.mu && ms.m[1].has_bg == f.has_bg &&
		    ms.m[1].bg.r == f.bg.r && ms.m[1].bg.a == f.bg.a);
	/* asked again: the kept one, bit for bit (and here the value planted in it) */
	OK(fx, lapse_models_load(&fx->ctx, fx->s, NOW, &at, 1, &ms));
	assert_true(ms.m[1].prior.mu == f.prior.mu && ms.m[1].bg.r == f.bg.r &&
		    ms.m[1].bg.alpha == f.bg.alpha && ms.m[1].gg.p == f.gg.p);
	tamper_earlier(fx, 999);
	OK(fx, lapse_models_load(&fx->ctx, fx->s, NOW, &at, 1, &ms));
	assert_int_equal(ms.m[1].customers, 999);
	/* a purchase after its cutoff changes nothing it depends on */
	ev(fx, "purchase", "N1", NOW - 2 * DAY, NULL, NULL, NULL, "30");
	OK(fx, lapse_models_load(&fx->ctx, fx->s, NOW, &at, 1, &ms));
	assert_int_equal(ms.m[1].customers, 999);
	/* one before its cutoff, recorded late: fitted anew */
	ev(fx, "purchase", "N2", NOW - 80 * DAY, NULL, NULL, NULL, "30");
	OK(fx, lapse_models_load(&fx->ctx, fx->s, NOW, &at, 1, &ms));
	fitted(fx, at, &f);
	assert_int_equal(ms.m[1].customers, f.customers);
	assert_int_equal(f.customers, 13);
	assert_true(ms.m[1].prior.mu == f.prior.mu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_report_tallies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lapsing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_weeks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_earlier_models, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
