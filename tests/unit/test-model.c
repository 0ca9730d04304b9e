/* test-model.c - unit tests for event types, money and the fold of events into contact state (src/model.c) */
#include "model.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "datetime.h"

#include "banned.h"

#define DAY ((int64_t)86400)

/* The instant of an ISO 8601 text (with a zone); the test fails on a bad one. */
static int64_t at(const char *iso)
{
	struct fu_ctx ctx;
	int64_t t = 0;

	fu_ctx_init(&ctx);
	if (dt_parse_iso(&ctx, iso, 0, &t) != FU_OK)
		fail_msg("bad test time %s: %s", iso, ctx.msg);
	return t;
}

/* A hand-built event of contact 1; callers point its strings at literals (never released). */
static struct event mk(int type, int64_t t)
{
	struct event e;

	event_init(&e);
	e.type = type;
	e.time = t;
	e.contact_id = 1;
	return e;
}

static void apply(struct contact_state *st, const struct event *e)
{
	struct fu_ctx ctx;
	int rc;

	fu_ctx_init(&ctx);
	rc = contact_state_apply(&ctx, st, e);
	if (rc)
		print_error("apply: %s\n", ctx.msg);
	assert_int_equal(rc, FU_OK);
}

static void apply_purchase(struct contact_state *st, const char *iso, int64_t cents)
{
	struct event e = mk(EV_PURCHASE, at(iso));

	e.has_amount = 1;
	e.amount = cents;
	apply(st, &e);
}

static void apply_invoice(struct contact_state *st, const char *iso, const char *ref,
			  const char *due_iso, int64_t cents)
{
	struct event e = mk(EV_INVOICE, at(iso));

	e.ref = (char *)ref;
	e.due = due_iso ? at(due_iso) : FU_TIME_NONE;
	e.has_amount = 1;
	e.amount = cents;
	apply(st, &e);
}

static void apply_payment(struct contact_state *st, const char *iso, const char *ref,
			  int64_t cents)
{
	struct event e = mk(EV_PAYMENT, at(iso));

	e.ref = (char *)ref;
	e.has_amount = 1;
	e.amount = cents;
	apply(st, &e);
}

static void apply_touch(struct contact_state *st, const char *iso, const char *outcome)
{
	struct event e = mk(EV_TOUCH, at(iso));

	e.channel = (char *)"call";
	e.outcome = (char *)outcome;
	apply(st, &e);
}

static void apply_opt_out(struct contact_state *st, const char *iso, const char *channel)
{
	struct event e = mk(EV_OPT_OUT, at(iso));

	e.channel = (char *)channel;
	apply(st, &e);
}

/* ---- event types ---- */

static void test_event_type_round_trip(void **state)
{
	static const char *const names[EV__COUNT] = {
		"lead", "info_request", "email_click", "purchase", "invoice", "payment",
		"service", "appointment", "touch", "reply", "opt_out", "message", "bounce"
	};
	struct fu_ctx ctx;
	int type;

	(void)state;
	for (int i = 0; i < EV__COUNT; i++) {
		assert_string_equal(event_type_name(i), names[i]);
		fu_ctx_init(&ctx);
		type = -1;
		assert_int_equal(event_type_parse(&ctx, names[i], &type), FU_OK);
		assert_int_equal(type, i);
		assert_int_equal(event_type_parse(&ctx, event_type_name(i), &type), FU_OK);
		assert_int_equal(type, i);
	}
	assert_null(event_type_name(-1));
	assert_null(event_type_name(EV__COUNT));
	assert_int_equal(event_type_parse(&ctx, "purchase", &type), FU_OK);
	assert_int_equal(type, EV_PURCHASE);
}

static void test_event_type_unknown(void **state)
{
	struct fu_ctx ctx;
	int type = 77;

	(void)state;
	fu_ctx_init(&ctx);
	assert_int_equal(event_type_parse(&ctx, "buy", &type), FU_EINPUT);
	assert_int_equal(ctx.rc, FU_EINPUT);
	assert_string_equal(ctx.msg, "unknown type 'buy'");
	assert_int_equal(type, 77);
	/* case matters, and no partial matches */
	fu_ctx_init(&ctx);
	assert_int_equal(event_type_parse(&ctx, "Purchase", &type), FU_EINPUT);
	assert_string_equal(ctx.msg, "unknown type 'Purchase'");
	fu_ctx_init(&ctx);
	assert_int_equal(event_type_parse(&ctx, "purchases", &type), FU_EINPUT);
	fu_ctx_init(&ctx);
	assert_int_equal(event_type_parse(&ctx, "", &type), FU_EINPUT);
	assert_string_equal(ctx.msg, "unknown type ''");
}

/* ---- money ---- */

static void check_amount(const char *s, int64_t want)
{
	struct fu_ctx ctx;
	int64_t got = -999;
	int rc;

	fu_ctx_init(&ctx);
	rc = amount_parse(&ctx, s, &got);
	if (rc)
		print_error("amount_parse(\"%s\"): %s\n", s, ctx.msg);
	assert_int_equal(rc, FU_OK);
	if (got != want)
		print_error("amount_parse(\"%s\") = %lld, want %lld\n", s, (long long)got,
			    (long long)want);
	assert_true(got == want);
}

static void check_amount_bad(const char *s, const char *want_msg)
{
	struct fu_ctx ctx;
	int64_t got = 4242;

	fu_ctx_init(&ctx);
	assert_int_equal(amount_parse(&ctx, s, &got), FU_EINPUT);
	assert_string_equal(ctx.msg, want_msg);
	assert_true(got == 4242); /* untouched on failure */
}

static void test_amount_parse_good(void **state)
{
	(void)state;
	check_amount("12", 1200);
	check_amount("12.5", 1250);
	check_amount("12.50", 1250);
	check_amount("-3.20", -320);
	check_amount("+3.20", 320);
	check_amount("1,240.00", 124000);
	check_amount("1,240", 124000);
	check_amount("12,345,678.90", 1234567890);
	check_amount("19,90", 1990);
	check_amount("0,5", 50);
	check_amount("$5", 500);
	check_amount("-$5.01", -501);
	check_amount("0", 0);
	check_amount(".5", 50);
	check_amount(" 7.25 ", 725);
	check_amount("1.230", 123); /* a trailing zero beyond two places is harmless */
	/* three digits after a comma are a thousands group, not decimals */
	check_amount("19,999", 1999900);
	/* near the largest amount */
	check_amount("92233720368547757.99", 9223372036854775799LL);
	check_amount("92233720368547758", 9223372036854775800LL);
}

static void test_amount_parse_bad(void **state)
{
	(void)state;
	check_amount_bad("", "amount \"\": not a number");
	check_amount_bad("abc", "amount \"abc\": not a number");
	check_amount_bad("-", "amount \"-\": not a number");
	check_amount_bad("$", "amount \"$\": not a number");
	check_amount_bad("12abc", "amount \"12abc\": not a number");
	check_amount_bad("1.2.3", "amount \"1.2.3\": not a number");
	check_amount_bad("--5", "amount \"--5\": not a number");
	check_amount_bad("1.234", "amount \"1.234\": more than two decimal places");
	check_amount_bad("1,2345", "amount \"1,2345\": more than two decimal places");
	check_amount_bad("1,234,56", "amount \"1,234,56\": not a number");
	check_amount_bad("99999999999999999999", "amount \"99999999999999999999\": too large");
	check_amount_bad("92233720368547759", "amount \"92233720368547759\": too large");
	check_amount_bad("92233720368547758.08", "amount \"92233720368547758.08\": too large");
}

/* Issue 9: sums of amounts are checked; an overflow is an input error, not a wrapped sum. */
static void test_spend_overflow(void **state)
{
	struct contact_state st;
	struct fu_ctx ctx;
	struct event e;

	(void)state;
	contact_state_init(&st, 1);
	event_init(&e);
	e.type = EV_PURCHASE;
	e.time = 1767225600;
	e.has_amount = 1;
	e.amount = INT64_MAX / 2 + 1;
	fu_ctx_init(&ctx);
	assert_int_equal(contact_state_apply(&ctx, &st, &e), FU_OK);
	assert_int_equal(contact_state_apply(&ctx, &st, &e), FU_EINPUT);
	assert_string_equal(ctx.msg, "amount: the contact's total spend would be more than the "
			    "largest amount");
	assert_true(st.spend == INT64_MAX / 2 + 1);
	/* open invoices likewise */
	e.type = EV_INVOICE;
	fu_ctx_init(&ctx);
	assert_int_equal(contact_state_apply(&ctx, &st, &e), FU_OK);
	assert_int_equal(contact_state_apply(&ctx, &st, &e), FU_EINPUT);
	assert_true(st.open_amount == INT64_MAX / 2 + 1);
	assert_int_equal(st.n_open, 1);
	contact_state_release(&st);
}

static void check_format(int64_t cents, const char *want)
{
	char out[32];

	memset(out, 'x', sizeof(out));
	amount_format(cents, out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_amount_format(void **state)
{
	struct fu_ctx ctx;
	char out[32];
	int64_t back;

	(void)state;
	check_format(0, "0.00");
	check_format(5, "0.05");
	check_format(-5, "-0.05");
	check_format(1250, "12.50");
	check_format(-320, "-3.20");
	check_format(124000, "1240.00");
	check_format(INT64_MAX, "92233720368547758.07");
	check_format(INT64_MIN, "-92233720368547758.08");
	/* formatting then parsing gives the amount back */
	for (int64_t c = -1005; c <= 1005; c += 67) {
		amount_format(c, out, sizeof(out));
		fu_ctx_init(&ctx);
		assert_int_equal(amount_parse(&ctx, out, &back), FU_OK);
		assert_true(back == c);
	}
	/* a short buffer is truncated, not overrun */
	memset(out, 'x', sizeof(out));
	amount_format(124000, out, 5);
	assert_string_equal(out, "1240");
	assert_int_equal(out[5], 'x');
}

/* ---- the fold ---- */

static void test_state_init(void **state)
{
	struct contact_state st;

	(void)state;
	contact_state_init(&st, 42);
	assert_int_equal(st.contact_id, 42);
	assert_int_equal(st.events, 0);
	assert_true(st.first_event == FU_TIME_NONE);
	assert_true(st.last_event == FU_TIME_NONE);
	assert_true(st.lead_at == FU_TIME_NONE);
	assert_true(st.first_purchase == FU_TIME_NONE);
	assert_true(st.last_purchase == FU_TIME_NONE);
	assert_true(st.last_touch_in == FU_TIME_NONE);
	assert_true(st.last_touch_out == FU_TIME_NONE);
	assert_true(st.last_two_way == FU_TIME_NONE);
	assert_int_equal(st.purchases, 0);
	assert_int_equal(st.n_open, 0);
	assert_null(st.open);
	assert_int_equal(contact_stage(&st, at("2026-01-01T00:00:00Z")), STAGE_LEAD);
	contact_state_release(&st);
}

static void test_purchases(void **state)
{
	struct contact_state st;

	(void)state;
	contact_state_init(&st, 1);
	apply_purchase(&st, "2026-01-05T09:00:00Z", 1000);
	/* the same UTC day: a second purchase, not a second day */
	apply_purchase(&st, "2026-01-05T23:59:59Z", 250);
	/* 00:00 the next day is a new day */
	apply_purchase(&st, "2026-01-06T00:00:00Z", 1);
	/* the same local evening in New York is the next UTC day */
	apply_purchase(&st, "2026-01-06T20:00:00-05:00", -51);
	assert_int_equal(st.events, 4);
	assert_int_equal(st.purchases, 4);
	assert_int_equal(st.purchase_days, 3);
	assert_int_equal(st.spend, 1000 + 250 + 1 - 51);
	assert_true(st.first_purchase == at("2026-01-05T09:00:00Z"));
	assert_true(st.last_purchase == at("2026-01-07T01:00:00Z"));
	assert_true(st.first_event == at("2026-01-05T09:00:00Z"));
	assert_true(st.last_event == at("2026-01-07T01:00:00Z"));
	/* a purchase is from the contact and two-way */
	assert_true(st.last_touch_in == at("2026-01-07T01:00:00Z"));
	assert_true(st.last_two_way == at("2026-01-07T01:00:00Z"));
	assert_true(st.last_touch_out == FU_TIME_NONE);
	assert_true(st.lead_at == FU_TIME_NONE);

	/* a purchase without an amount counts but adds nothing */
	{
		struct event e = mk(EV_PURCHASE, at("2026-02-01T10:00:00Z"));

		apply(&st, &e);
	}
	assert_int_equal(st.purchases, 5);
	assert_int_equal(st.purchase_days, 4);
	assert_int_equal(st.spend, 1200);
	contact_state_release(&st);
}

static void test_purchase_days_before_epoch(void **state)
{
	struct contact_state st;

	(void)state;
	contact_state_init(&st, 1);
	apply_purchase(&st, "1969-12-31T00:00:01Z", 100);
	apply_purchase(&st, "1969-12-31T23:59:59Z", 100);
	apply_purchase(&st, "1970-01-01T00:00:00Z", 100);
	assert_int_equal(st.purchases, 3);
	assert_int_equal(st.purchase_days, 2);
	contact_state_release(&st);
}

static void test_lead_and_inbound(void **state)
{
	struct contact_state st;
	struct event e;

	(void)state;
	contact_state_init(&st, 1);
	e = mk(EV_LEAD, at("2026-01-01T10:00:00Z"));
	apply(&st, &e);
	e = mk(EV_INFO_REQUEST, at("2026-01-02T10:00:00Z"));
	apply(&st, &e);
	assert_true(st.lead_at == at("2026-01-01T10:00:00Z"));
	assert_true(st.last_touch_in == at("2026-01-02T10:00:00Z"));
	assert_true(st.last_two_way == FU_TIME_NONE);
	e = mk(EV_LEAD, at("2026-01-03T10:00:00Z"));
	apply(&st, &e);
	assert_true(st.lead_at == at("2026-01-01T10:00:00Z")); /* the first lead stays */
	e = mk(EV_EMAIL_CLICK, at("2026-01-04T10:00:00Z"));
	apply(&st, &e);
	assert_true(st.last_touch_in == at("2026-01-04T10:00:00Z"));
	assert_true(st.last_two_way == FU_TIME_NONE);
	e = mk(EV_REPLY, at("2026-01-05T10:00:00Z"));
	apply(&st, &e);
	assert_true(st.last_touch_in == at("2026-01-05T10:00:00Z"));
	assert_true(st.last_two_way == at("2026-01-05T10:00:00Z"));
	e = mk(EV_APPOINTMENT, at("2026-01-06T10:00:00Z"));
	apply(&st, &e);
	assert_true(st.last_touch_in == at("2026-01-05T10:00:00Z"));
	assert_true(st.last_event == at("2026-01-06T10:00:00Z"));
	e = mk(EV_SERVICE, at("2026-01-07T10:00:00Z"));
	apply(&st, &e);
	assert_int_equal(st.services, 1);
	assert_int_equal(st.events, 7);
	assert_int_equal(st.purchases, 0);
	assert_int_equal(contact_stage(&st, at("2027-01-01T00:00:00Z")), STAGE_LEAD);
	contact_state_release(&st);
}

static void test_invoice_paid_on_time(void **state)
{
	struct contact_state st;

	(void)state;
	contact_state_init(&st, 1);
	apply_invoice(&st, "2026-01-20T15:05:00Z", "INV-1", "2026-02-19T00:00:00Z", 120000);
	assert_int_equal(st.invoices, 1);
	assert_int_equal(st.invoices_open, 1);
	assert_int_equal(st.open_amount, 120000);
	assert_int_equal(st.n_open, 1);
	/* an invoice is sent by us: not an inbound touch */
	assert_true(st.last_touch_in == FU_TIME_NONE);
	/* paid late in the evening of the due date itself: on time */
	apply_payment(&st, "2026-02-19T23:59:59Z", "INV-1", 120000);
	assert_int_equal(st.payments, 1);
	assert_int_equal(st.paid_on_time, 1);
	assert_int_equal(st.paid_late, 0);
	assert_int_equal(st.invoices_open, 0);
	assert_int_equal(st.open_amount, 0);
	assert_int_equal(st.n_open, 0);
	assert_true(st.last_touch_in == at("2026-02-19T23:59:59Z"));
	assert_true(st.last_two_way == at("2026-02-19T23:59:59Z"));
	/* a second payment of the same ref settles nothing more */
	apply_payment(&st, "2026-02-20T10:00:00Z", "INV-1", 120000);
	assert_int_equal(st.payments, 2);
	assert_int_equal(st.paid_on_time, 1);
	assert_int_equal(st.paid_late, 0);
	assert_int_equal(st.invoices_open, 0);
	assert_int_equal(st.open_amount, 0);
	contact_state_release(&st);
}

static void test_invoice_paid_late(void **state)
{
	struct contact_state st;

	(void)state;
	contact_state_init(&st, 1);
	apply_invoice(&st, "2026-01-20T15:05:00Z", "INV-1", "2026-02-19T00:00:00Z", 120000);
	apply_invoice(&st, "2026-01-21T15:05:00Z", "INV-2", "2026-02-20T00:00:00Z", 5050);
	apply_invoice(&st, "2026-01-22T15:05:00Z", "INV-3", NULL, 700);
	assert_int_equal(st.invoices, 3);
	assert_int_equal(st.invoices_open, 3);
	assert_int_equal(st.open_amount, 125750);
	/* the first moment of the day after the due date: late */
	apply_payment(&st, "2026-02-20T00:00:00Z", "INV-1", 120000);
	assert_int_equal(st.paid_late, 1);
	assert_int_equal(st.paid_on_time, 0);
	assert_int_equal(st.invoices_open, 2);
	assert_int_equal(st.open_amount, 5750);
	/* an unknown ref settles nothing, and a payment without a ref neither */
	apply_payment(&st, "2026-02-20T01:00:00Z", "INV-9", 5050);
	apply_payment(&st, "2026-02-20T02:00:00Z", NULL, 5050);
	assert_int_equal(st.payments, 3);
	assert_int_equal(st.paid_late, 1);
	assert_int_equal(st.paid_on_time, 0);
	assert_int_equal(st.invoices_open, 2);
	assert_int_equal(st.open_amount, 5750);
	/* an invoice without a due date is never late */
	apply_payment(&st, "2027-06-01T00:00:00Z", "INV-3", 700);
	assert_int_equal(st.paid_on_time, 1);
	assert_int_equal(st.paid_late, 1);
	assert_int_equal(st.invoices_open, 1);
	assert_int_equal(st.open_amount, 5050);
	assert_int_equal(st.payments, 4);
	contact_state_release(&st);
}

static void test_many_open_invoices(void **state)
{
	struct contact_state st;
	char ref[32];
	int64_t t0 = at("2026-01-01T00:00:00Z");

	(void)state;
	contact_state_init(&st, 1);
	for (int i = 0; i < 20; i++) {
		struct event e = mk(EV_INVOICE, t0 + i * DAY);

		snprintf(ref, sizeof(ref), "R%d", i);
		e.ref = ref;
		e.due = t0 + (i + 10) * DAY;
		e.has_amount = 1;
		e.amount = 100 + i;
		apply(&st, &e);
	}
	assert_int_equal(st.invoices_open, 20);
	assert_int_equal(st.n_open, 20);
	/* pay the even ones: half on the due date, half a week late */
	for (int i = 0; i < 20; i += 2) {
		struct event e = mk(EV_PAYMENT, t0 + (i + 10 + (i % 4 ? 7 : 0)) * DAY);

		snprintf(ref, sizeof(ref), "R%d", i);
		e.ref = ref;
		apply(&st, &e);
	}
	assert_int_equal(st.invoices_open, 10);
	assert_int_equal(st.paid_on_time, 5);
	assert_int_equal(st.paid_late, 5);
	/* 101 + 103 + ... + 119 */
	assert_int_equal(st.open_amount, 1100);
	contact_state_release(&st);
	assert_null(st.open);
	assert_int_equal(st.n_open, 0);
}

static void test_touch_outcomes(void **state)
{
	static const struct {
		const char *outcome;
		int two_way;
		int dnc;
	} cases[] = {
		{ "reached", 1, 0 }, { "not-yet", 1, 0 }, { "won", 1, 0 }, { "no", 1, 0 },
		{ "voicemail", 0, 0 }, { "no-answer", 0, 0 }, { "opted-out", 0, 1 },
		{ NULL, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct contact_state st;

		contact_state_init(&st, 1);
		apply_touch(&st, "2026-03-01T10:00:00Z", cases[i].outcome);
		assert_true(st.last_touch_out == at("2026-03-01T10:00:00Z"));
		assert_true(st.last_touch_in == FU_TIME_NONE); /* our touch is not theirs */
		if (cases[i].two_way)
			assert_true(st.last_two_way == at("2026-03-01T10:00:00Z"));
		else
			assert_true(st.last_two_way == FU_TIME_NONE);
		assert_int_equal(st.do_not_contact, cases[i].dnc);
		assert_int_equal(st.opted_out_email, 0);
		contact_state_release(&st);
	}
}

static void test_touch_sequence(void **state)
{
	struct contact_state st;
	struct event e;

	(void)state;
	contact_state_init(&st, 1);
	e = mk(EV_LEAD, at("2026-03-01T09:00:00Z"));
	apply(&st, &e);
	apply_touch(&st, "2026-03-01T10:00:00Z", "reached");
	apply_touch(&st, "2026-03-05T10:00:00Z", "voicemail");
	apply_touch(&st, "2026-03-06T10:00:00Z", "no-answer");
	assert_true(st.last_touch_out == at("2026-03-06T10:00:00Z"));
	assert_true(st.last_two_way == at("2026-03-01T10:00:00Z"));
	assert_true(st.last_touch_in == at("2026-03-01T09:00:00Z"));
	e = mk(EV_REPLY, at("2026-03-07T08:00:00Z"));
	apply(&st, &e);
	assert_true(st.last_touch_in == at("2026-03-07T08:00:00Z"));
	assert_true(st.last_two_way == at("2026-03-07T08:00:00Z"));
	assert_true(st.last_touch_out == at("2026-03-06T10:00:00Z"));
	assert_int_equal(st.do_not_contact, 0);
	contact_state_release(&st);
}

static void test_opt_out(void **state)
{
	struct contact_state st;

	(void)state;
	contact_state_init(&st, 1);
	apply_opt_out(&st, "2026-03-01T10:00:00Z", "email");
	assert_int_equal(st.opted_out_email, 1);
	assert_int_equal(st.do_not_contact, 0);
	assert_int_equal(st.events, 1);
	assert_true(st.last_touch_in == FU_TIME_NONE);
	contact_state_release(&st);

	contact_state_init(&st, 1);
	apply_opt_out(&st, "2026-03-01T10:00:00Z", "all");
	assert_int_equal(st.opted_out_email, 0);
	assert_int_equal(st.do_not_contact, 1);
	contact_state_release(&st);

	contact_state_init(&st, 1);
	apply_opt_out(&st, "2026-03-01T10:00:00Z", NULL);
	assert_int_equal(st.opted_out_email, 0);
	assert_int_equal(st.do_not_contact, 1);
	/* an opt-out is final: later contact does not clear it */
	apply_purchase(&st, "2026-04-01T10:00:00Z", 100);
	apply_touch(&st, "2026-04-02T10:00:00Z", "reached");
	assert_int_equal(st.do_not_contact, 1);
	contact_state_release(&st);
}

static void test_unknown_type(void **state)
{
	struct contact_state st;
	struct fu_ctx ctx;
	struct event e = mk(EV__COUNT, 100);

	(void)state;
	e.id = 17;
	contact_state_init(&st, 1);
	fu_ctx_init(&ctx);
	assert_int_equal(contact_state_apply(&ctx, &st, &e), FU_EINTERNAL);
	assert_string_equal(ctx.msg, "event 17 has unknown type 13");
	contact_state_release(&st);
}

/* ---- stages ---- */

static void test_stage_lead_customer_lapsed(void **state)
{
	struct contact_state st;
	int64_t p;

	(void)state;
	contact_state_init(&st, 1);
	assert_int_equal(contact_stage(&st, at("2026-01-01T00:00:00Z")), STAGE_LEAD);
	apply_purchase(&st, "2026-01-10T12:00:00Z", 100);
	p = at("2026-01-10T12:00:00Z");
	assert_int_equal(contact_stage(&st, p), STAGE_CUSTOMER);
	assert_int_equal(contact_stage(&st, p + 100 * DAY), STAGE_CUSTOMER);
	/* a one-time buyer lapses strictly after 365 days */
	assert_int_equal(contact_stage(&st, p + 365 * DAY), STAGE_CUSTOMER);
	assert_int_equal(contact_stage(&st, p + 365 * DAY + 1), STAGE_DORMANT);
	/* two purchases the same day are still one purchase day */
	apply_purchase(&st, "2026-01-10T18:00:00Z", 100);
	assert_int_equal(st.purchase_days, 1);
	p = at("2026-01-10T18:00:00Z");
	assert_int_equal(contact_stage(&st, p + 365 * DAY), STAGE_CUSTOMER);
	assert_int_equal(contact_stage(&st, p + 365 * DAY + 1), STAGE_DORMANT);
	contact_state_release(&st);
}

static void test_stage_repeat(void **state)
{
	struct contact_state st;
	int64_t last;

	(void)state;
	/* a monthly buyer: average gap 30 days, so lapsed after 90 days and 3 gaps */
	contact_state_init(&st, 1);
	apply_purchase(&st, "2026-01-01T10:00:00Z", 100);
	apply_purchase(&st, "2026-01-31T10:00:00Z", 100);
	apply_purchase(&st, "2026-03-02T10:00:00Z", 100);
	last = at("2026-03-02T10:00:00Z");
	assert_int_equal(st.purchase_days, 3);
	assert_int_equal(contact_stage(&st, last), STAGE_REPEAT);
	assert_int_equal(contact_stage(&st, last + 90 * DAY), STAGE_REPEAT);
	assert_int_equal(contact_stage(&st, last + 90 * DAY + 1), STAGE_DORMANT);
	contact_state_release(&st);

	/* a buyer every 60 days: 3 gaps (180 days) is the binding limit */
	contact_state_init(&st, 1);
	apply_purchase(&st, "2026-01-01T00:00:00Z", 100);
	apply_purchase(&st, "2026-03-02T00:00:00Z", 100);
	last = at("2026-03-02T00:00:00Z");
	assert_true(last - at("2026-01-01T00:00:00Z") == 60 * DAY);
	assert_int_equal(contact_stage(&st, last + 91 * DAY), STAGE_REPEAT);
	assert_int_equal(contact_stage(&st, last + 180 * DAY), STAGE_REPEAT);
	assert_int_equal(contact_stage(&st, last + 180 * DAY + 1), STAGE_DORMANT);
	contact_state_release(&st);

	/* a weekly buyer: 3 gaps are 21 days, so the 90 days bind */
	contact_state_init(&st, 1);
	apply_purchase(&st, "2026-01-01T00:00:00Z", 100);
	apply_purchase(&st, "2026-01-08T00:00:00Z", 100);
	last = at("2026-01-08T00:00:00Z");
	assert_int_equal(contact_stage(&st, last + 30 * DAY), STAGE_REPEAT);
	assert_int_equal(contact_stage(&st, last + 90 * DAY), STAGE_REPEAT);
	assert_int_equal(contact_stage(&st, last + 90 * DAY + 1), STAGE_DORMANT);
	/* a new purchase brings them back */
	apply_purchase(&st, "2026-06-01T00:00:00Z", 100);
	last = at("2026-06-01T00:00:00Z");
	assert_int_equal(contact_stage(&st, last + DAY), STAGE_REPEAT);
	contact_state_release(&st);
}

static void test_stage_names(void **state)
{
	static const char *const names[STAGE__COUNT] = { "lead", "customer", "repeat", "dormant" };
	int stage;

	(void)state;
	for (int i = 0; i < STAGE__COUNT; i++) {
		assert_string_equal(stage_name(i), names[i]);
		stage = -1;
		assert_int_equal(stage_parse(names[i], &stage), 0);
		assert_int_equal(stage, i);
	}
	assert_string_equal(stage_name(-1), "unknown");
	assert_string_equal(stage_name(STAGE__COUNT), "unknown");
	assert_int_equal(stage_parse("Lead", &stage), -1);
	assert_int_equal(stage_parse("", &stage), -1);
}

static void test_event_release(void **state)
{
	struct event e;
	struct contact c;

	(void)state;
	event_init(&e);
	assert_int_equal(e.type, -1);
	assert_true(e.time == FU_TIME_NONE);
	assert_true(e.due == FU_TIME_NONE);
	e.ext_id = strdup("x");
	e.contact_key = strdup("k");
	e.ref = strdup("r");
	e.channel = strdup("c");
	e.outcome = strdup("o");
	e.note = strdup("n");
	event_release(&e);
	assert_null(e.ext_id);
	assert_null(e.note);
	assert_true(e.time == FU_TIME_NONE);
	contact_init(&c);
	c.key = strdup("k");
	c.attrs = strdup("{}");
	contact_release(&c);
	assert_null(c.key);
	assert_null(c.attrs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_type_round_trip),
		cmocka_unit_test(test_event_type_unknown),
		cmocka_unit_test(test_amount_parse_good),
		cmocka_unit_test(test_amount_parse_bad),
		cmocka_unit_test(test_amount_format),
		cmocka_unit_test(test_spend_overflow),
		cmocka_unit_test(test_state_init),
		cmocka_unit_test(test_purchases),
		cmocka_unit_test(test_purchase_days_before_epoch),
		cmocka_unit_test(test_lead_and_inbound),
		cmocka_unit_test(test_invoice_paid_on_time),
		cmocka_unit_test(test_invoice_paid_late),
		cmocka_unit_test(test_many_open_invoices),
		cmocka_unit_test(test_touch_outcomes),
		cmocka_unit_test(test_touch_sequence),
		cmocka_unit_test(test_opt_out),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_stage_lead_customer_lapsed),
		cmocka_unit_test(test_stage_repeat),
		cmocka_unit_test(test_stage_names),
		cmocka_unit_test(test_event_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
