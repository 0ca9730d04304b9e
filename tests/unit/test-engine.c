/* test-engine.c - unit tests of engine_followup(): hand-built timelines, the built-in playbook, a fixed clock */
#include "engine.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bizhours.h"
#include "clv.h"
#include "datetime.h"
#include "expr.h"
#include "model.h"
#include "playbook.h"
#include "tz.h"

#include "banned.h"

/*
 * Expected instants are worked out by hand from the zones' 2026 rules:
 *   America/New_York  EST -5 until 2026-03-08 07:00Z, then EDT -4
 *   Europe/London     GMT +0 until 2026-03-29 01:00Z, then BST +1
 *   Australia/Sydney  AEDT +11 until 2026-04-04 16:00Z, then AEST +10
 * 2026-02-02, 2026-02-09 and 2026-03-09 are Mondays; 2026-03-06 is the Friday before New
 * York springs forward. The built-in playbook: business hours mon-fri 09:00-17:00 in the
 * contact's zone, quiet hours 20:00-08:00, 3 touches a week, 27 days of silence, high value
 * from 1000.00 a year. Event ids are 101, 102, ... in table order.
 */

#define DAY ((int64_t)86400)
#define HOUR ((int64_t)3600)
#define NY "America/New_York"
#define LONDON "Europe/London"
#define SYDNEY "Australia/Sydney"
#define CONTACT_ID 7
#define FIRST_ID 101
#define NOTE_MARKER "zq-internal-note"

/* The instant of an ISO 8601 text (with a zone, or a bare date at midnight UTC). */
static int64_t at(const char *iso)
{
	struct fu_ctx ctx;
	int64_t t = 0;

	fu_ctx_init(&ctx);
	if (dt_parse_iso(&ctx, iso, 0, &t) != FU_OK)
		fail_msg("bad test time %s: %s", iso, ctx.msg);
	return t;
}

/* One line of a compact timeline; strings point at literals (event_list_add copies them). */
struct row {
	int type;
	const char *at;       /* ISO 8601 */
	const char *outcome;  /* touch outcome */
	const char *due;      /* invoice due, or a touch's agreed date / snooze end */
	const char *ref;
	int64_t cents;        /* 0 = no amount */
	const char *note;
};

/* Who the contact is and how they can be reached. */
enum { WITH_EMAIL = 1, WITH_PHONE = 2, BOTH = 3 };

/* Everything one evaluation needs, released by fx_release. */
struct fx {
	struct playbook pb;
	struct contact c;
	struct contact_state st;
	struct event_list ev;
	struct tz *zone;
	struct followup fu;
	int open;
	int64_t now;
};

static char *dup_str(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static void fx_contact(struct fx *f, const char *zone, int reach)
{
	struct fu_ctx ctx;

	fu_ctx_init(&ctx);
	playbook_init(&f->pb);
	if (playbook_load_default(&ctx, &f->pb) != FU_OK)
		fail_msg("default playbook: %s", ctx.msg);
	contact_init(&f->c);
	f->c.id = CONTACT_ID;
	f->c.key = dup_str("c7");
	f->c.name = dup_str("Ada Lovelace");
	f->c.owner = dup_str("Sam");
	f->c.tz = dup_str(zone);
	if (reach & WITH_EMAIL)
		f->c.email = dup_str("ada@example.com");
	if (reach & WITH_PHONE)
		f->c.phone = dup_str("+1 555 0100");
	contact_state_init(&f->st, CONTACT_ID);
	event_list_init(&f->ev);
	followup_init(&f->fu);
	f->open = -1;
	f->zone = NULL;
	if (tz_load(&ctx, zone, &f->zone) != FU_OK)
		fail_msg("zone %s: %s", zone, ctx.msg);
}

/* Appends one event to the timeline and folds it into the state. */
static void fx_add(struct fx *f, const struct event *e)
{
	struct fu_ctx ctx;

	fu_ctx_init(&ctx);
	if (f->ev.n)
		assert_true(f->ev.v[f->ev.n - 1].time <= e->time); /* tables are in time order */
	assert_int_equal(event_list_add(&ctx, &f->ev, e), FU_OK);
	assert_int_equal(contact_state_apply(&ctx, &f->st, e), FU_OK);
}

/* Builds a contact in `zone` from a table of events, ids FIRST_ID, FIRST_ID + 1, ... */
static void fx_build(struct fx *f, const char *zone, int reach, const struct row *rows, int n)
{
	fx_contact(f, zone, reach);
	for (int i = 0; i < n; i++) {
		struct event e;

		event_init(&e);
		e.id = FIRST_ID + i;
		e.contact_id = CONTACT_ID;
		e.type = rows[i].type;
		e.time = at(rows[i].at);
		e.outcome = (char *)rows[i].outcome;
		e.ref = (char *)rows[i].ref;
		e.note = (char *)rows[i].note;
		e.due = rows[i].due ? at(rows[i].due) : FU_TIME_NONE;
		if (rows[i].type == EV_TOUCH)
			e.channel = (char *)"call";
		if (rows[i].type == EV_OPT_OUT)
			e.channel = (char *)"email";
		if (rows[i].cents) {
			e.has_amount = 1;
			e.amount = rows[i].cents;
		}
		fx_add(f, &e);
	}
}

#define BUILD(f, zone, reach, rows) \
	fx_build((f), (zone), (reach), (rows), (int)(sizeof(rows) / sizeof((rows)[0])))

/* Evaluates at now (ISO) into f->fu; returns *open. Any earlier result is released first. */
static int fx_eval_at(struct fx *f, int64_t now)
{
	struct fu_ctx ctx;
	int rc;

	fu_ctx_init(&ctx);
	followup_release(&f->fu);
	f->now = now;
	rc = engine_followup(&ctx, &f->pb, NULL, &f->c, &f->st, &f->ev, f->zone, now, &f->fu, &f->open);
	if (rc)
		fail_msg("engine_followup: %s", ctx.msg);
	return f->open;
}

static int fx_eval(struct fx *f, const char *now)
{
	return fx_eval_at(f, at(now));
}

static void fx_release(struct fx *f)
{
	followup_release(&f->fu);
	event_list_release(&f->ev);
	contact_state_release(&f->st);
	contact_release(&f->c);
	tz_free(f->zone);
	playbook_release(&f->pb);
}

/* Puts the playbook of `yaml` in place of the built-in one. */
static void fx_playbook(struct fx *f, const char *yaml)
{
	struct fu_ctx ctx;

	fu_ctx_init(&ctx);
	playbook_release(&f->pb);
	if (playbook_load_string(&ctx, "t.yaml", yaml, &f->pb) != FU_OK)
		fail_msg("playbook: %s", ctx.msg);
}

static int rule_named(const struct playbook *pb, const char *name)
{
	for (int i = 0; i < pb->nrules; i++) {
		if (!strcmp(pb->rules[i].name, name))
			return i;
	}
	fail_msg("no rule '%s'", name);
	return -1;
}

/* The only reason of a trigger (the test fails when there are several or none). */
static const struct reason *reason_of(const struct followup *fu, int trigger)
{
	const struct reason *r = NULL;

	for (int i = 0; i < fu->nreasons; i++) {
		if (fu->reasons[i].trigger == trigger) {
			if (r)
				fail_msg("two reasons for %s", trigger_name(trigger));
			r = &fu->reasons[i];
		}
	}
	if (!r)
		fail_msg("no reason for %s", trigger_name(trigger));
	return r;
}

static int count_trigger(const struct followup *fu, int trigger)
{
	int n = 0;

	for (int i = 0; i < fu->nreasons; i++)
		n += fu->reasons[i].trigger == trigger;
	return n;
}

static void assert_events(const struct reason *r, const int64_t *ids, int n)
{
	assert_int_equal(r->nevents, n);
	for (int i = 0; i < n; i++)
		assert_int_equal(r->events[i], ids[i]);
}

#define ASSERT_EVENTS(r, ...)                                                            \
	do {                                                                             \
		const int64_t ids_[] = { __VA_ARGS__ };                                  \
		assert_events((r), ids_, (int)(sizeof(ids_) / sizeof(ids_[0])));        \
	} while (0)

#define assert_time(a, iso) assert_int_equal((a), at(iso))
#define assert_contains(s, sub)                                                          \
	do {                                                                             \
		if (!strstr((s), (sub)))                                                 \
			fail_msg("'%s' not found in: %s", (sub), (s));                   \
	} while (0)

/* ---- new_lead ---- */

static void test_new_lead_inside_hours(void **state)
{
	static const struct row rows[] = { { .type = EV_LEAD, .at = "2026-02-03T10:00-05:00" } };
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, NY, WITH_PHONE, rows);
	assert_int_equal(fx_eval(&f, "2026-02-03T10:05-05:00"), 1);
	assert_int_equal(f.fu.nreasons, 1); /* no address: no auto-reply */
	r = reason_of(&f.fu, TRIG_NEW_LEAD);
	assert_int_equal(r->rule, rule_named(&f.pb, "answer a new lead in person"));
	assert_time(r->due, "2026-02-03T10:15-05:00");
	assert_int_equal(r->channel, CH_CALL);
	assert_int_equal(r->priority, 95);
	assert_int_equal(r->transactional, 0);
	ASSERT_EVENTS(r, 101);
	assert_string_equal(r->why, "new lead on 2026-02-03, not answered yet");
	assert_contains(r->say, "Hi Ada, this is Sam at Northwind Supplies.");
	assert_time(f.fu.due, "2026-02-03T10:15-05:00");
	assert_int_equal(f.fu.overdue, 0);
	assert_int_equal(f.fu.escalated, 0);
	assert_int_equal(f.fu.automated, 0);
	assert_int_equal(f.fu.channel, CH_CALL);
	assert_int_equal(f.fu.priority, 95);
	assert_int_equal(f.fu.contact_id, CONTACT_ID);
	assert_string_equal(f.fu.id, "F7-101");
	assert_string_equal(f.fu.key, "c7");
	assert_string_equal(f.fu.tz, NY);
	assert_null(f.fu.email);

	/* at the deadline itself it is not late yet; one second after, overdue and escalated */
	assert_int_equal(fx_eval(&f, "2026-02-03T10:15-05:00"), 1);
	assert_int_equal(f.fu.overdue, 0);
	assert_int_equal(f.fu.escalated, 0);
	assert_int_equal(fx_eval(&f, "2026-02-03T10:15:01-05:00"), 1);
	assert_time(f.fu.due, "2026-02-03T10:15-05:00");
	assert_int_equal(f.fu.overdue, 1);
	assert_int_equal(f.fu.escalated, 1);
	assert_int_equal(f.fu.priority, 100); /* 95 + 5 for overdue */

	/* a new lead is no longer new after 14 days; nothing else is open for it yet */
	assert_int_equal(fx_eval(&f, "2026-02-17T10:00:01-05:00"), 0);
	fx_release(&f);
}

static void test_new_lead_friday_close_london(void **state)
{
	static const struct row rows[] = { { .type = EV_LEAD, .at = "2026-02-06T16:50Z" } };
	struct fx f;

	(void)state;
	BUILD(&f, LONDON, WITH_PHONE, rows);
	assert_int_equal(fx_eval(&f, "2026-02-06T16:55Z"), 1);
	/* 10 minutes on Friday, the other 5 on Monday morning */
	assert_time(reason_of(&f.fu, TRIG_NEW_LEAD)->due, "2026-02-09T09:05Z");
	assert_int_equal(f.fu.overdue, 0);
	fx_release(&f);
}

static void test_new_lead_dst_spring_forward(void **state)
{
	/* Friday 16:50 EST; New York springs forward on Sunday 2026-03-08 */
	static const struct row rows[] = { { .type = EV_LEAD, .at = "2026-03-06T16:50-05:00" } };
	struct fx f;

	(void)state;
	BUILD(&f, NY, WITH_PHONE, rows);
	assert_int_equal(fx_eval(&f, "2026-03-06T16:51-05:00"), 1);
	/* Monday 09:05 EDT is 13:05Z, not 14:05Z */
	assert_time(f.fu.due, "2026-03-09T09:05-04:00");
	assert_int_equal(f.fu.due, at("2026-03-09T13:05Z"));
	assert_int_equal(bizhours_is_open(&f.pb.hours, f.zone, f.fu.due), 1);
	assert_int_equal(fx_eval(&f, "2026-03-09T09:06-04:00"), 1);
	assert_int_equal(f.fu.overdue, 1);
	assert_int_equal(f.fu.escalated, 1);
	fx_release(&f);
}

static void test_new_lead_auto_reply(void **state)
{
	/* a lead on Saturday in Sydney: the person calls 09:15 Monday, the auto-reply waits for the opening */
	static const struct row rows[] = { { .type = EV_LEAD, .at = "2026-02-07T11:00+11:00" } };
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, SYDNEY, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-07T11:01+11:00"), 1);
	assert_int_equal(f.fu.nreasons, 2);
	assert_int_equal(count_trigger(&f.fu, TRIG_NEW_LEAD), 2);
	r = &f.fu.reasons[0]; /* most important first */
	assert_int_equal(r->rule, rule_named(&f.pb, "answer a new lead in person"));
	assert_int_equal(r->channel, CH_CALL);
	assert_time(r->due, "2026-02-09T09:15+11:00");
	r = &f.fu.reasons[1];
	assert_int_equal(r->rule, rule_named(&f.pb, "let a new lead know a person will answer"));
	assert_int_equal(r->channel, CH_AUTO_EMAIL);
	assert_int_equal(r->priority, 90);
	assert_time(r->due, "2026-02-09T09:00+11:00");
	assert_contains(r->say, "Sam will answer you personally");
	/* the person's follow-up is due when the call is; two reasons: 95 + 2 */
	assert_time(f.fu.due, "2026-02-09T09:15+11:00");
	assert_int_equal(f.fu.channel, CH_CALL);
	assert_int_equal(f.fu.automated, 0);
	assert_int_equal(f.fu.priority, 97);
	assert_int_equal(f.fu.escalated, 0);
	fx_release(&f);
}

static void test_new_lead_escalated_early(void **state)
{
	static const struct row rows[] = { { .type = EV_LEAD, .at = "2026-02-03T10:00-05:00" } };
	struct fx f;

	(void)state;
	BUILD(&f, NY, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-03T10:05-05:00"), 1);
	assert_int_equal(f.fu.nreasons, 2);
	assert_int_equal(f.fu.reasons[0].channel, CH_CALL);
	assert_time(f.fu.reasons[0].due, "2026-02-03T10:15-05:00");
	assert_int_equal(f.fu.reasons[1].channel, CH_AUTO_EMAIL);
	assert_time(f.fu.reasons[1].due, "2026-02-03T10:00-05:00");
	assert_time(f.fu.due, "2026-02-03T10:15-05:00");
	assert_int_equal(f.fu.overdue, 0);
	/* the auto-reply (due 10:00) is not a personal answer: no escalation before 10:15 */
	assert_int_equal(f.fu.escalated, 0);
	assert_int_equal(fx_eval(&f, "2026-02-03T10:15-05:00"), 1);
	assert_int_equal(f.fu.escalated, 0);
	assert_int_equal(fx_eval(&f, "2026-02-03T10:15:01-05:00"), 1);
	assert_int_equal(f.fu.overdue, 1);
	assert_int_equal(f.fu.escalated, 1);
	fx_release(&f);
}

/* ---- info_request, email_click ---- */

static void test_info_request_end_of_day(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_INFO_REQUEST, .at = "2026-02-04T15:30+11:00", .note = "pricing for 40 seats" },
	};
	static const struct row weekend[] = { { .type = EV_INFO_REQUEST, .at = "2026-02-07T15:30+11:00" } };
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, SYDNEY, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-04T15:31+11:00"), 1);
	assert_int_equal(f.fu.nreasons, 1);
	r = reason_of(&f.fu, TRIG_INFO_REQUEST);
	assert_time(r->due, "2026-02-04T17:00+11:00");
	assert_int_equal(r->channel, CH_EMAIL);
	assert_int_equal(r->priority, 80);
	assert_contains(r->say, "Who else has a say in the choice");
	assert_string_equal(r->why, "asked for information on 2026-02-04");
	assert_int_equal(f.fu.channel, CH_EMAIL);
	fx_release(&f);

	/* on a Saturday: the close of Monday */
	BUILD(&f, SYDNEY, BOTH, weekend);
	assert_int_equal(fx_eval(&f, "2026-02-07T16:00+11:00"), 1);
	assert_time(f.fu.due, "2026-02-09T17:00+11:00");
	assert_int_equal(bizhours_is_open(&f.pb.hours, f.zone, f.fu.due), 0); /* a closing instant */
	assert_int_equal(bizhours_is_open(&f.pb.hours, f.zone, f.fu.due - 1), 1);
	fx_release(&f);
}

static void test_email_clicks_make_one_reason(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_EMAIL_CLICK, .at = "2026-01-15T12:00Z" }, /* older than 14 days: ignored */
		{ .type = EV_EMAIL_CLICK, .at = "2026-02-02T20:00Z" },
		{ .type = EV_EMAIL_CLICK, .at = "2026-02-03T11:00Z" },
		{ .type = EV_EMAIL_CLICK, .at = "2026-02-03T12:00Z" },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-03T13:00Z"), 1);
	assert_int_equal(f.fu.nreasons, 1);
	r = reason_of(&f.fu, TRIG_EMAIL_CLICK);
	ASSERT_EVENTS(r, 102, 103, 104);
	assert_time(r->since, "2026-02-02T20:00Z");
	/* one business day after Monday evening: Tuesday's opening, already past */
	assert_time(r->due, "2026-02-03T09:00Z");
	assert_int_equal(r->channel, CH_EMAIL);
	assert_contains(r->say, "(3 in all");
	assert_string_equal(r->why, "clicked 3 links in our e-mails since 2026-02-02");
	assert_int_equal(f.fu.overdue, 1);
	assert_int_equal(f.fu.priority, 45);
	assert_string_equal(f.fu.id, "F7-104");
	/* expires 7 days after the first click */
	assert_int_equal(fx_eval(&f, "2026-02-09T20:00Z"), 1);
	assert_int_equal(fx_eval(&f, "2026-02-09T20:00:01Z"), 0);
	fx_release(&f);
}

static void test_email_clicks_after_reply(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_EMAIL_CLICK, .at = "2026-02-02T10:00Z" },
		{ .type = EV_REPLY, .at = "2026-02-02T11:00Z" },
		{ .type = EV_EMAIL_CLICK, .at = "2026-02-03T10:00Z" },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-03T11:00Z"), 1);
	r = reason_of(&f.fu, TRIG_EMAIL_CLICK);
	/* the reply closed the first click's follow-up and reset the count */
	ASSERT_EVENTS(r, 103);
	assert_contains(r->say, "(1 in all");
	assert_string_equal(r->why, "clicked 1 link in our e-mails since 2026-02-03");
	fx_release(&f);
}

static void test_click_window_ignored(void **state)
{
	static const char yaml[] =
		"limits:\n"
		"  click_window_days: 3\n"
		"rules:\n"
		"  - name: clicks\n"
		"    trigger: email_click\n"
		"    action: email\n"
		"    priority: 40\n"
		"    say: \"{{clicks}} clicks\"\n";
	static const struct row rows[] = {
		{ .type = EV_EMAIL_CLICK, .at = "2026-02-02T10:00Z" },
		{ .type = EV_EMAIL_CLICK, .at = "2026-02-06T10:00Z" },
	};
	struct fu_ctx ctx;
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	playbook_release(&f.pb);
	fu_ctx_init(&ctx);
	if (playbook_load_string(&ctx, "t.yaml", yaml, &f.pb) != FU_OK)
		fail_msg("%s", ctx.msg);
	assert_int_equal(f.pb.clicks_window_days, 3);
	assert_int_equal(fx_eval(&f, "2026-02-06T11:00Z"), 1);
	r = reason_of(&f.fu, TRIG_EMAIL_CLICK);
	/* limits.click_window_days: only the click of the last 3 days counts */
	ASSERT_EVENTS(r, 102);
	assert_time(r->since, "2026-02-06T10:00Z");
	assert_string_equal(r->say, "1 clicks");
	fx_release(&f);
}

/* ---- purchases: post_purchase, feedback, repeat_purchase, referral ---- */

static void test_post_purchase_first(void **state)
{
	/* Wednesday 20:00 in New York; a week later is after hours: Thursday's opening */
	static const struct row low[] = {
		{ .type = EV_PURCHASE, .at = "2026-02-04T20:00-05:00", .cents = 5000 },
	};
	static const struct row high[] = {
		{ .type = EV_PURCHASE, .at = "2026-02-04T20:00-05:00", .cents = 150000 },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, NY, BOTH, low);
	assert_int_equal(fx_eval(&f, "2026-02-06T12:00-05:00"), 1);
	assert_int_equal(f.fu.nreasons, 2);
	r = &f.fu.reasons[0];
	assert_int_equal(r->trigger, TRIG_POST_PURCHASE);
	assert_int_equal(r->channel, CH_AUTO_EMAIL); /* below high value */
	assert_time(r->due, "2026-02-12T09:00-05:00");
	assert_int_equal(r->priority, 60);
	assert_string_equal(r->why, "purchase #1 on 2026-02-04: time to check it is working");
	r = &f.fu.reasons[1];
	assert_int_equal(r->trigger, TRIG_FEEDBACK);
	assert_int_equal(r->channel, CH_EMAIL);
	assert_time(r->due, "2026-02-26T09:00-05:00"); /* 21 days, then the next opening */
	/* the person's follow-up is the feedback e-mail; the automated one goes alone */
	assert_time(f.fu.due, "2026-02-26T09:00-05:00");
	assert_int_equal(f.fu.priority, 62);
	assert_int_equal(f.fu.automated, 0);
	assert_int_equal(f.fu.channel, CH_EMAIL);
	fx_release(&f);

	BUILD(&f, NY, BOTH, high);
	assert_int_equal(fx_eval(&f, "2026-02-06T12:00-05:00"), 1);
	r = reason_of(&f.fu, TRIG_POST_PURCHASE);
	assert_int_equal(r->channel, CH_CALL);
	assert_time(r->due, "2026-02-12T09:00-05:00");
	assert_time(f.fu.due, "2026-02-12T09:00-05:00");
	assert_int_equal(f.fu.channel, CH_CALL);
	fx_release(&f);
}

static void test_second_purchase_repeat(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_PURCHASE, .at = "2026-02-04T20:00-05:00", .cents = 5000 },
		{ .type = EV_PURCHASE, .at = "2026-02-20T15:00-05:00", .cents = 7000 },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, NY, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-20T15:30-05:00"), 1);
	/* the first-purchase check-in is over (its rule wants nth == 1); a thank-you instead */
	assert_int_equal(count_trigger(&f.fu, TRIG_POST_PURCHASE), 0);
	assert_int_equal(f.fu.nreasons, 2);
	r = &f.fu.reasons[0];
	assert_int_equal(r->trigger, TRIG_REPEAT_PURCHASE);
	assert_int_equal(r->channel, CH_EMAIL);
	assert_int_equal(r->priority, 35);
	assert_time(r->due, "2026-02-20T15:00-05:00");
	ASSERT_EVENTS(r, 102);
	assert_contains(r->say, "That is order number 2 now");
	assert_string_equal(r->why, "purchase #2 on 2026-02-20");
	r = &f.fu.reasons[1];
	assert_int_equal(r->trigger, TRIG_FEEDBACK);
	/*
	 * `after` is calendar seconds: 21 x 86400 s after 15:00 EST, across New York's spring
	 * forward, is 16:00 EDT (not the same wall-clock time)
	 */
	assert_time(r->due, "2026-03-13T16:00-04:00");
	assert_time(f.fu.due, "2026-02-20T15:00-05:00");
	assert_int_equal(f.fu.overdue, 1);
	assert_int_equal(f.fu.priority, 35 + 2 + 5);
	fx_release(&f);
}

/*
 * issue 8, the second default: the built-in thank-you goes to the 2nd purchase and the
 * 5th, 10th and 25th, not to a regular's every order (a monthly buyer got twelve a year).
 */
static void test_repeat_purchase_milestones(void **state)
{
	struct row rows[26];
	char when[26][32];
	int thanked[27] = { 0 };

	(void)state;
	for (int n = 2; n <= 26; n++) {
		struct fx f;

		memset(rows, 0, sizeof(rows));
		for (int i = 0; i < n; i++) {
			/* one purchase a month, the latest on the day evaluated */
			snprintf(when[i], sizeof(when[i]), "%04d-%02d-10T15:00Z", 2024 + i / 12,
				 1 + i % 12);
			rows[i].type = EV_PURCHASE;
			rows[i].at = when[i];
			rows[i].cents = 5000;
		}
		fx_build(&f, LONDON, BOTH, rows, n);
		fx_eval_at(&f, at(when[n - 1]) + 3600);
		thanked[n] = f.open && count_trigger(&f.fu, TRIG_REPEAT_PURCHASE) == 1;
		fx_release(&f);
	}
	for (int n = 2; n <= 26; n++) {
		int want = n == 2 || n == 5 || n == 10 || n == 25;

		if (thanked[n] != want)
			fail_msg("purchase #%d: %s", n, want ? "no thank-you" : "a thank-you it should not get");
	}
}

static void test_post_purchase_reenters(void **state)
{
	static const char yaml[] =
		"rules:\n"
		"  - name: every purchase\n"
		"    trigger: post_purchase\n"
		"    action: call\n"
		"    after: 7d\n"
		"    priority: 50\n"
		"    say: \"purchase {{nth}}\"\n";
	static const struct row rows[] = {
		{ .type = EV_PURCHASE, .at = "2026-02-02T10:00Z", .cents = 5000 },
		{ .type = EV_PURCHASE, .at = "2026-02-02T11:00Z", .cents = 5000 }, /* same day: the same purchase */
		{ .type = EV_PURCHASE, .at = "2026-02-05T10:00Z", .cents = 5000 },
	};
	struct fu_ctx ctx;
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	playbook_release(&f.pb);
	fu_ctx_init(&ctx);
	if (playbook_load_string(&ctx, "t.yaml", yaml, &f.pb) != FU_OK)
		fail_msg("%s", ctx.msg);
	assert_int_equal(fx_eval(&f, "2026-02-05T12:00Z"), 1);
	r = reason_of(&f.fu, TRIG_POST_PURCHASE);
	assert_string_equal(r->say, "purchase 2");
	assert_time(r->due, "2026-02-12T10:00Z");
	ASSERT_EVENTS(r, 103);
	assert_int_equal(fx_eval(&f, "2026-02-04T12:00Z"), 1);
	r = reason_of(&f.fu, TRIG_POST_PURCHASE);
	assert_string_equal(r->say, "purchase 1");
	ASSERT_EVENTS(r, 101, 102);
	fx_release(&f);
}

static void test_feedback(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_PURCHASE, .at = "2026-02-02T10:00Z", .cents = 5000 },
		{ .type = EV_TOUCH, .at = "2026-02-10T11:00Z", .outcome = "reached" },
	};
	static const struct row talked_late[] = {
		{ .type = EV_PURCHASE, .at = "2026-02-02T10:00Z", .cents = 5000 },
		{ .type = EV_TOUCH, .at = "2026-02-16T10:00:01Z", .outcome = "reached" },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-24T12:00Z"), 1);
	assert_int_equal(f.fu.nreasons, 1); /* the call closed the post-purchase check-in */
	r = reason_of(&f.fu, TRIG_FEEDBACK);
	assert_time(r->due, "2026-02-23T10:00Z");
	assert_int_equal(r->channel, CH_EMAIL);
	assert_int_equal(r->priority, 30);
	ASSERT_EVENTS(r, 101);
	assert_string_equal(r->why, "bought on 2026-02-02; no word from them since");
	assert_int_equal(f.fu.overdue, 1);
	assert_int_equal(f.fu.priority, 35);
	/* expires 30 days after it was due (by then a silence is open too) */
	assert_int_equal(fx_eval(&f, "2026-03-25T10:00Z"), 1);
	assert_int_equal(count_trigger(&f.fu, TRIG_FEEDBACK), 1);
	assert_int_equal(fx_eval(&f, "2026-03-25T10:00:01Z"), 1);
	assert_int_equal(count_trigger(&f.fu, TRIG_FEEDBACK), 0);
	assert_int_equal(count_trigger(&f.fu, TRIG_SILENCE), 1);
	fx_release(&f);

	/* a conversation more than 14 days after the purchase stands for the feedback */
	BUILD(&f, LONDON, BOTH, talked_late);
	assert_int_equal(fx_eval(&f, "2026-02-24T12:00Z"), 0);
	fx_release(&f);
}

static void test_referral_only_after_won(void **state)
{
	static const struct row won[] = {
		{ .type = EV_TOUCH, .at = "2026-02-05T18:30Z", .outcome = "won" },
	};
	static const struct row reached[] = {
		{ .type = EV_TOUCH, .at = "2026-02-05T18:30Z", .outcome = "reached" },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, LONDON, BOTH, won);
	assert_int_equal(fx_eval(&f, "2026-02-06T10:00Z"), 1);
	assert_int_equal(f.fu.nreasons, 1);
	r = reason_of(&f.fu, TRIG_REFERRAL);
	assert_time(r->due, "2026-02-06T09:00Z");
	assert_int_equal(r->channel, CH_EMAIL);
	assert_int_equal(r->priority, 20);
	ASSERT_EVENTS(r, 101);
	assert_int_equal(f.fu.priority, 25);
	fx_release(&f);

	BUILD(&f, LONDON, BOTH, reached);
	assert_int_equal(fx_eval(&f, "2026-02-06T10:00Z"), 0);
	fx_release(&f);
}

/* ---- service, payments, invoices ---- */

static void test_service_three_days_later(void **state)
{
	static const struct row rows[] = { { .type = EV_SERVICE, .at = "2026-02-05T11:00-05:00" } };
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, NY, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-06T12:00-05:00"), 1);
	assert_int_equal(f.fu.nreasons, 1);
	r = reason_of(&f.fu, TRIG_SERVICE);
	/* Thursday + 3 days is a Sunday: Monday's opening */
	assert_time(r->due, "2026-02-09T09:00-05:00");
	assert_int_equal(r->channel, CH_CALL);
	assert_int_equal(r->priority, 55);
	assert_string_equal(r->why, "service call on 2026-02-05");
	assert_int_equal(f.fu.overdue, 0);
	fx_release(&f);
}

static void test_paid_late_first_and_second(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_INVOICE, .at = "2026-01-05T10:00+11:00", .ref = "INV-1", .due = "2026-01-20", .cents = 10000 },
		{ .type = EV_PAYMENT, .at = "2026-01-22T14:00+11:00", .ref = "INV-1", .cents = 10000 },
		{ .type = EV_INVOICE, .at = "2026-02-02T10:00+11:00", .ref = "INV-2", .due = "2026-02-10", .cents = 10000 },
		{ .type = EV_PAYMENT, .at = "2026-02-16T20:00+11:00", .ref = "INV-2", .cents = 10000 },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, SYDNEY, BOTH, rows);
	assert_int_equal(f.st.paid_late, 2);
	/* after the first late payment: a friendly e-mail */
	assert_int_equal(fx_eval(&f, "2026-01-22T15:00+11:00"), 1);
	assert_int_equal(f.fu.nreasons, 1);
	r = reason_of(&f.fu, TRIG_PAID_LATE);
	assert_int_equal(r->rule, rule_named(&f.pb, "a friendly word after a late payment"));
	assert_int_equal(r->channel, CH_EMAIL);
	assert_int_equal(r->priority, 50);
	assert_time(r->due, "2026-01-22T14:00+11:00");
	ASSERT_EVENTS(r, 101, 102);
	assert_contains(r->say, "Thank you for settling INV-1.");
	assert_string_equal(r->why, "paid INV-1 late on 2026-01-22 (late payment #1)");
	/* after the second: a call offering a payment plan, Tuesday's opening (paid Monday 20:00) */
	assert_int_equal(fx_eval(&f, "2026-02-16T21:00+11:00"), 1);
	assert_int_equal(f.fu.nreasons, 1);
	r = reason_of(&f.fu, TRIG_PAID_LATE);
	assert_int_equal(r->rule,
			 rule_named(&f.pb, "offer a payment plan after repeated late payments"));
	assert_int_equal(r->channel, CH_CALL);
	assert_int_equal(r->priority, 70);
	assert_time(r->due, "2026-02-17T09:00+11:00");
	ASSERT_EVENTS(r, 103, 104);
	assert_contains(r->say, "Thank you for paying INV-2.");
	assert_string_equal(r->why, "paid INV-2 late on 2026-02-16 (late payment #2)");
	assert_int_equal(f.fu.priority, 70);
	fx_release(&f);
}

static void test_paid_on_time_needs_nothing(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_INVOICE, .at = "2026-02-02T10:00Z", .ref = "INV-1", .due = "2026-02-10", .cents = 10000 },
		{ .type = EV_PAYMENT, .at = "2026-02-10T16:00Z", .ref = "INV-1", .cents = 10000 }, /* the due day */
	};
	struct fx f;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-11T10:00Z"), 0);
	fx_release(&f);
}

static void test_invoice_overdue_automated(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_INVOICE, .at = "2026-02-02T10:00Z", .ref = "INV-9", .due = "2026-02-07", .cents = 12000 },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-06T23:00Z"), 0); /* not yet due */
	assert_int_equal(fx_eval(&f, "2026-02-09T08:00Z"), 1);
	assert_int_equal(f.fu.nreasons, 1);
	r = reason_of(&f.fu, TRIG_INVOICE_OVERDUE);
	assert_int_equal(r->channel, CH_AUTO_EMAIL);
	assert_int_equal(r->transactional, 1);
	assert_int_equal(r->priority, 45);
	/* due Saturday, past due from the day after (Sunday 00:00 UTC): Monday's opening */
	assert_time(r->since, "2026-02-08T00:00Z");
	assert_time(r->due, "2026-02-09T09:00Z");
	ASSERT_EVENTS(r, 101);
	assert_contains(r->say, "INV-9 for 120.00,\ndue 2026-02-07, is still open");
	assert_string_equal(r->why, "1 invoice unpaid past due since 2026-02-07");
	assert_int_equal(f.fu.automated, 1);
	assert_int_equal(f.fu.channel, CH_AUTO_EMAIL);
	assert_time(f.fu.due, "2026-02-09T09:00Z");
	assert_int_equal(f.fu.overdue, 0);
	fx_release(&f);
}

/* ---- lapsed, silence ---- */

static void test_lapsed_regular_buyer(void **state)
{
	/* every 30 days; the last on 2026-01-05T03:00Z (Sunday 22:00 in New York) */
	static const struct row rows[] = {
		{ .type = EV_PURCHASE, .at = "2025-10-07T03:00Z", .cents = 2000 },
		{ .type = EV_PURCHASE, .at = "2025-11-06T03:00Z", .cents = 2000 },
		{ .type = EV_PURCHASE, .at = "2025-12-06T03:00Z", .cents = 2000 },
		{ .type = EV_PURCHASE, .at = "2026-01-05T03:00Z", .cents = 2000 },
	};
	struct fx f;
	const struct reason *r;
	struct engine_wake wk;
	struct followup tmp;
	struct fu_ctx ctx;
	int open;

	(void)state;
	BUILD(&f, NY, BOTH, rows);
	/* 70 days (and 12 hours) since the last order: Monday 11:00 EDT */
	assert_int_equal(fx_eval(&f, "2026-03-16T15:00Z"), 1);
	r = reason_of(&f.fu, TRIG_LAPSED);
	assert_int_equal(r->channel, CH_CALL);
	/* 75, and 1 for $243 a year at risk (365 / 30 days x $20; no P(alive) without a model) */
	assert_int_equal(r->priority, 76);
	assert_true(f.fu.at_risk > 243.33 && f.fu.at_risk < 243.34);
	/*
	 * Under the default prior, a wait this clockwork buyer reaches less than 5 times in 100
	 * begins on day 35 (2026-02-09 UTC, Sunday 19:00 EST): due at Monday's opening
	 */
	assert_time(r->since, "2026-02-09T00:00Z");
	assert_time(r->due, "2026-02-09T09:00-05:00");
	assert_int_equal(bizhours_is_open(&f.pb.hours, f.zone, r->due), 1);
	ASSERT_EVENTS(r, 104);
	assert_contains(r->say, "about every 30 days, and it has been\n70 days now");
	assert_string_equal(r->why, "buys about every 30 days; 70 days since the last order; a wait "
			    "this long happens fewer than 1 time in 100 for them; about $243 a year "
			    "at risk");
	/* the light touch after a silence rides along; the lapse leads */
	assert_int_equal(f.fu.nreasons, 2);
	assert_int_equal(f.fu.reasons[0].trigger, TRIG_LAPSED);
	assert_int_equal(f.fu.reasons[1].trigger, TRIG_SILENCE);
	assert_time(f.fu.due, "2026-02-09T09:00-05:00");
	assert_int_equal(f.fu.overdue, 1);
	assert_int_equal(f.fu.priority, 76 + 2 + 5);
	assert_int_equal(f.fu.channel, CH_CALL);
	/* on day 34 it has not lapsed yet (p_wait 0.079), and the clock wakes it at day 35 */
	fx_eval(&f, "2026-02-08T23:59:59Z");
	assert_int_equal(count_trigger(&f.fu, TRIG_LAPSED), 0);
	fu_ctx_init(&ctx);
	assert_int_equal(engine_evaluate(&ctx, &f.pb, NULL, &f.c, &f.st, &f.ev, f.zone,
					 at("2026-02-08T12:00Z"), &tmp, &open, &wk), FU_OK);
	if (open)
		followup_release(&tmp);
	assert_time(wk.wake, "2026-02-09T00:00Z");
	/* from the first instant of day 35 (p_wait 0.036) it has */
	fx_eval(&f, "2026-02-09T00:00Z");
	assert_int_equal(count_trigger(&f.fu, TRIG_LAPSED), 1);
	/* unanswered for 60 days (the rule's expiry), the call is dropped */
	fx_eval(&f, "2026-04-10T00:00Z");
	assert_int_equal(count_trigger(&f.fu, TRIG_LAPSED), 1);
	fx_eval(&f, "2026-04-10T00:00:01Z");
	assert_int_equal(count_trigger(&f.fu, TRIG_LAPSED), 0);
	fx_release(&f);
}

/* With the customer base's BG/NBD, the money at risk is weighed by P(alive). */
static void test_lapsed_p_alive(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_PURCHASE, .at = "2025-10-07T03:00Z", .cents = 2000 },
		{ .type = EV_PURCHASE, .at = "2025-11-06T03:00Z", .cents = 2000 },
		{ .type = EV_PURCHASE, .at = "2025-12-06T03:00Z", .cents = 2000 },
		{ .type = EV_PURCHASE, .at = "2026-01-05T03:00Z", .cents = 200000 },
	};
	/* CDNOW's estimates (Fader, Hardie & Lee 2005) with alpha from weeks to days */
	static const struct bgnbd bg = { 0.243, 4.414 * 7, 0.793, 2.426, 0, 0 };
	/* the customer's summary at 2026-03-16: 3 repeat days, last at day 90 of 160 */
	static const struct rfm c = { 3, 90, 160, 0 };
	struct lapse_model m;
	struct fx f;
	const struct reason *r;
	struct fu_ctx ctx;
	double pa, want;
	int open;

	(void)state;
	BUILD(&f, NY, BOTH, rows);
	lapse_model_default(&m, at("2026-03-16T15:00Z"));
	m.bg = bg;
	m.has_bg = 1;
	pa = bgnbd_p_alive(&bg, &c);
	assert_true(pa > 0.05 && pa < 0.95);
	/*
	 * purchase days a year: BG/NBD's rate for 3 repeat purchases in 90 days, 365 (r + 3) /
	 * (alpha + 90) = 9.8, fewer than the rhythm's 365 / 30; x the mean spend per purchase
	 * day ($2,060 / 4) x P(alive)
	 */
	want = 365.0 * (bg.r + 3) / (bg.alpha + 90) * 2060.0 / 4.0 * pa;
	assert_true(365.0 * (bg.r + 3) / (bg.alpha + 90) < 365.0 / 30.0);
	fu_ctx_init(&ctx);
	assert_int_equal(engine_followup(&ctx, &f.pb, &m, &f.c, &f.st, &f.ev, f.zone,
					 at("2026-03-16T15:00Z"), &f.fu, &open), FU_OK);
	assert_int_equal(open, 1);
	r = reason_of(&f.fu, TRIG_LAPSED);
	assert_true(fabs(f.fu.at_risk - want) < 1e-6 * want);
	/* 3 for each factor of ten above $100 a year, at most 9 */
	assert_int_equal(r->priority, 75 + (int)floor(3 * log10(want / 100)));
	fx_release(&f);
}

static void test_silence_after_27_days(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_LEAD, .at = "2026-01-05T10:00Z" },
		{ .type = EV_TOUCH, .at = "2026-01-06T10:00Z", .outcome = "reached" },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-02T10:00Z"), 0); /* exactly 27 days */
	assert_int_equal(fx_eval(&f, "2026-02-03T12:00Z"), 1);
	assert_int_equal(f.fu.nreasons, 1);
	r = reason_of(&f.fu, TRIG_SILENCE);
	assert_int_equal(r->channel, CH_AUTO_EMAIL); /* below high value */
	assert_int_equal(r->priority, 15);
	/* however long the silence, the light touch is due now, not overdue */
	assert_time(r->due, "2026-02-03T12:00Z");
	ASSERT_EVENTS(r, 102);
	/* the whole wait since the touch (28 days and 2 hours), not the limit */
	assert_string_equal(r->why, "no touch for 28 days");
	assert_int_equal(f.fu.automated, 1);
	assert_int_equal(f.fu.overdue, 0);
	/* on a Saturday evening: Monday's opening */
	assert_int_equal(fx_eval(&f, "2026-02-07T19:00Z"), 1);
	assert_time(f.fu.due, "2026-02-09T09:00Z");
	fx_release(&f);
}

static void test_silence_not_for_a_lead_who_said_no(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_LEAD, .at = "2026-01-05T10:00Z" },
		{ .type = EV_TOUCH, .at = "2026-01-06T10:00Z", .outcome = "no" },
	};
	struct fx f;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-10T12:00Z"), 0);
	fx_release(&f);
}

/* ---- check_in ---- */

static void test_check_in_on_agreed_date(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_LEAD, .at = "2026-01-05T10:00-05:00" },
		{ .type = EV_INFO_REQUEST, .at = "2026-01-05T10:05-05:00", .note = "pricing for 40 seats" },
		{ .type = EV_TOUCH, .at = "2026-01-05T11:00-05:00", .outcome = "not-yet", .due = "2026-02-20" },
		{ .type = EV_EMAIL_CLICK, .at = "2026-02-05T12:00-05:00" },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, NY, BOTH, rows);
	/* 36 days after the last word and a fresh click, yet no nurture before the agreed date */
	assert_int_equal(fx_eval(&f, "2026-02-10T12:00-05:00"), 1);
	assert_int_equal(f.fu.nreasons, 1);
	r = reason_of(&f.fu, TRIG_CHECK_IN);
	assert_int_equal(r->channel, CH_CALL);
	assert_int_equal(r->priority, 85);
	assert_time(r->due, "2026-02-20T09:00-05:00");
	ASSERT_EVENTS(r, 103);
	assert_contains(r->say, "so that nothing is missed:\npricing for 40 seats");
	/* the agreed day is printed as it is, not as the zone's date of midnight UTC */
	assert_string_equal(r->why, "they asked us to check back on 2026-02-20");
	assert_time(f.fu.due, "2026-02-20T09:00-05:00");
	assert_int_equal(f.fu.overdue, 0);
	assert_int_equal(f.fu.priority, 85);
	/* after the date the nurture comes back beside the overdue check-in (the click has expired) */
	assert_int_equal(fx_eval(&f, "2026-02-20T12:00-05:00"), 1);
	assert_int_equal(f.fu.nreasons, 2);
	assert_int_equal(f.fu.reasons[0].trigger, TRIG_CHECK_IN);
	assert_int_equal(f.fu.reasons[1].trigger, TRIG_SILENCE);
	assert_int_equal(f.fu.overdue, 1);
	fx_release(&f);
}

static void test_check_in_control_without_promise(void **state)
{
	/* the same timeline with a plain conversation: silence and the click are open */
	static const struct row rows[] = {
		{ .type = EV_LEAD, .at = "2026-01-05T10:00-05:00" },
		{ .type = EV_TOUCH, .at = "2026-01-05T11:00-05:00", .outcome = "reached" },
		{ .type = EV_EMAIL_CLICK, .at = "2026-02-05T12:00-05:00" },
	};
	struct fx f;

	(void)state;
	BUILD(&f, NY, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-10T12:00-05:00"), 1);
	assert_int_equal(f.fu.nreasons, 2);
	assert_int_equal(count_trigger(&f.fu, TRIG_SILENCE), 1);
	assert_int_equal(count_trigger(&f.fu, TRIG_EMAIL_CLICK), 1);
	fx_release(&f);
}

/*
 * A reply before an agreed check-in brings the follow-up forward: the reply is answered within
 * two business hours, and the check-in stays on the agreed date, also once the reply is
 * answered; a touch that settles things (won) ends both.
 */
static void test_check_in_reply_brings_forward(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_TOUCH, .at = "2026-02-02T11:00-05:00", .outcome = "not-yet", .due = "2026-02-20" },
		{ .type = EV_REPLY, .at = "2026-02-11T14:00-05:00", .note = "can you quote 200 units?" },
	};
	static const struct row answered[] = {
		{ .type = EV_TOUCH, .at = "2026-02-02T11:00-05:00", .outcome = "not-yet", .due = "2026-02-20" },
		{ .type = EV_REPLY, .at = "2026-02-11T14:00-05:00", .note = "can you quote 200 units?" },
		{ .type = EV_TOUCH, .at = "2026-02-11T15:00-05:00", .outcome = "reached" },
	};
	static const struct row settled[] = {
		{ .type = EV_TOUCH, .at = "2026-02-02T11:00-05:00", .outcome = "not-yet", .due = "2026-02-20" },
		{ .type = EV_REPLY, .at = "2026-02-11T14:00-05:00" },
		{ .type = EV_TOUCH, .at = "2026-02-11T15:00-05:00", .outcome = "won" },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, NY, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-11T13:00-05:00"), 1);
	assert_time(f.fu.due, "2026-02-20T09:00-05:00");
	assert_int_equal(fx_eval(&f, "2026-02-11T14:30-05:00"), 1);
	r = reason_of(&f.fu, TRIG_REPLY);
	ASSERT_EVENTS(r, 102);
	assert_time(r->due, "2026-02-11T16:00-05:00"); /* two business hours */
	assert_string_equal(r->why, "they got in touch on 2026-02-11: \"can you quote 200 units?\"");
	assert_time(f.fu.due, "2026-02-11T16:00-05:00");
	/* the check-in itself stays where it was agreed */
	assert_time(reason_of(&f.fu, TRIG_CHECK_IN)->due, "2026-02-20T09:00-05:00");
	assert_int_equal(f.fu.overdue, 0);
	assert_int_equal(fx_eval(&f, "2026-02-11T16:00:01-05:00"), 1);
	assert_int_equal(f.fu.overdue, 1);
	fx_release(&f);

	BUILD(&f, NY, BOTH, answered);
	assert_int_equal(fx_eval(&f, "2026-02-11T16:00-05:00"), 1);
	assert_int_equal(count_trigger(&f.fu, TRIG_REPLY), 0);
	assert_time(reason_of(&f.fu, TRIG_CHECK_IN)->due, "2026-02-20T09:00-05:00");
	assert_time(f.fu.due, "2026-02-20T09:00-05:00");
	fx_release(&f);

	BUILD(&f, NY, BOTH, settled);
	assert_int_equal(fx_eval(&f, "2026-02-11T16:00-05:00"), 1);
	assert_int_equal(count_trigger(&f.fu, TRIG_CHECK_IN), 0);
	assert_int_equal(count_trigger(&f.fu, TRIG_REPLY), 0);
	fx_release(&f);
}
static void test_check_in_sydney_reply_day(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_TOUCH, .at = "2026-02-02T11:00+11:00", .outcome = "not-yet", .due = "2026-02-20" },
		{ .type = EV_REPLY, .at = "2026-02-10T10:00+11:00" }, /* Tuesday morning in Sydney, Monday 23:00Z */
	};
	struct fx f;

	(void)state;
	BUILD(&f, SYDNEY, BOTH, rows);
	/* an agreed date (midnight UTC of 2026-02-20) opens that day in Sydney */
	assert_int_equal(fx_eval(&f, "2026-02-09T10:00+11:00"), 1);
	assert_time(f.fu.due, "2026-02-20T09:00+11:00");
	assert_string_equal(reason_of(&f.fu, TRIG_CHECK_IN)->why,
			    "they asked us to check back on 2026-02-20"); /* 2026-02-19T22:00Z */
	/* the reply on Tuesday 10:00 Sydney is answered by noon there, local date 2026-02-10 */
	assert_int_equal(fx_eval(&f, "2026-02-10T10:30+11:00"), 1);
	assert_time(f.fu.due, "2026-02-10T12:00+11:00");
	assert_string_equal(reason_of(&f.fu, TRIG_REPLY)->why, "they got in touch on 2026-02-10");
	assert_string_equal(reason_of(&f.fu, TRIG_CHECK_IN)->why,
			    "they asked us to check back on 2026-02-20");
	fx_release(&f);
}

/* ---- reply ---- */

/*
 * issue 8: a customer who writes back ("can you quote 200 units?") gets a personal answer
 * within limits.reply_within business time, with their words in front of the person; our
 * next touch, whatever its outcome, closes it. A second reply before the answer adds its words.
 */
static void test_reply_answered_within_two_business_hours(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_PURCHASE, .at = "2026-01-05T10:00Z", .cents = 5000 },
		{ .type = EV_TOUCH, .at = "2026-02-02T10:00Z", .outcome = "reached" },
		{ .type = EV_REPLY, .at = "2026-02-06T16:30Z", .note = "can you quote 200 units?" },
		{ .type = EV_REPLY, .at = "2026-02-06T16:45Z", .note = "by Friday if possible" },
		{ .type = EV_TOUCH, .at = "2026-02-09T10:00Z", .outcome = "voicemail" },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	fx_build(&f, LONDON, BOTH, rows, 4);
	assert_int_equal(fx_eval(&f, "2026-02-06T16:50Z"), 1);
	r = reason_of(&f.fu, TRIG_REPLY);
	assert_int_equal(r->channel, CH_EMAIL);
	assert_int_equal(r->priority, 92);
	ASSERT_EVENTS(r, 103, 104);
	/* Friday 16:30 + 2 business hours: 30 minutes on Friday, 90 on Monday */
	assert_time(r->due, "2026-02-09T10:30Z");
	assert_string_equal(r->why, "they got in touch on 2026-02-06: \"can you quote 200 units? / "
				    "by Friday if possible\"");
	assert_contains(r->say, "Thank you for your message");
	fx_release(&f);
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-09T10:05Z"), 0); /* the voicemail answered it */
	fx_release(&f);
}

/* limits.reply_within is the playbook's; check refuses a window longer than 30 days */
static void test_reply_within_limit(void **state)
{
	static const struct row rows[] = { { .type = EV_REPLY, .at = "2026-02-03T10:00Z" } };
	struct fx f;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	fx_playbook(&f, "limits:\n  reply_within: 30m\nrules:\n  - trigger: reply\n"
			"    action: call\n    say: hi\n");
	assert_int_equal(fx_eval(&f, "2026-02-03T10:05Z"), 1);
	assert_time(f.fu.due, "2026-02-03T10:30Z");
	fx_release(&f);
}

/*
 * The weekly touch budget limits our outreach, never our answers: an info request from a
 * contact who got three unanswered calls this week is answered today, not in five days.
 */
static void test_budget_never_defers_answers(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_TOUCH, .at = "2026-02-02T10:00Z", .outcome = "no-answer" },
		{ .type = EV_TOUCH, .at = "2026-02-03T10:00Z", .outcome = "no-answer" },
		{ .type = EV_TOUCH, .at = "2026-02-04T10:00Z", .outcome = "voicemail" },
		{ .type = EV_INFO_REQUEST, .at = "2026-02-04T12:00Z" },
		{ .type = EV_REPLY, .at = "2026-02-04T12:30Z" },
	};
	struct fx f;

	(void)state;
	fx_build(&f, LONDON, BOTH, rows, 4);
	assert_int_equal(fx_eval(&f, "2026-02-04T12:05Z"), 1);
	assert_time(reason_of(&f.fu, TRIG_INFO_REQUEST)->due, "2026-02-04T17:00Z");
	fx_release(&f);
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-04T12:35Z"), 1);
	assert_time(reason_of(&f.fu, TRIG_REPLY)->due, "2026-02-04T14:30Z");
	fx_release(&f);
}

/*
 * A do-not-contact contact who writes in is shown to their owner, flagged; nothing else of
 * theirs is, and no automated message ever goes to them.
 */
static void test_do_not_contact_writes_in(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_LEAD, .at = "2026-02-03T10:00Z" },
		{ .type = EV_TOUCH, .at = "2026-02-03T10:05Z", .outcome = "opted-out" },
		{ .type = EV_SERVICE, .at = "2026-02-03T10:10Z" },
		{ .type = EV_REPLY, .at = "2026-02-05T10:00Z", .note = "please close my account" },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	fx_playbook(&f, "rules:\n  - trigger: reply\n    action: auto_email\n    say: auto\n"
			"  - trigger: reply\n    action: auto_webhook\n    say: hook\n"
			"  - trigger: reply\n    action: call\n    say: a person\n"
			"  - trigger: service\n    action: call\n    say: service\n");
	assert_int_equal(f.st.do_not_contact, 1);
	assert_int_equal(fx_eval(&f, "2026-02-05T10:30Z"), 1);
	assert_int_equal(f.fu.do_not_contact, 1);
	assert_int_equal(f.fu.nreasons, 1);
	r = reason_of(&f.fu, TRIG_REPLY);
	assert_int_equal(r->channel, CH_CALL);
	assert_string_equal(r->why, "they got in touch on 2026-02-05: \"please close my account\"");
	assert_int_equal(f.fu.automated, 0);
	assert_string_equal(f.fu.owner, "Sam");
	fx_release(&f);
}
static void test_check_in_voicemail_ignored(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_TOUCH, .at = "2026-02-02T11:00-05:00", .outcome = "not-yet", .due = "2026-02-20" },
		{ .type = EV_TOUCH, .at = "2026-02-20T10:00-05:00", .outcome = "voicemail" },
	};
	struct fx f;

	(void)state;
	BUILD(&f, NY, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-20T10:30-05:00"), 1);
	assert_int_equal(reason_of(&f.fu, TRIG_CHECK_IN)->nevents, 1);
	/* a voicemail on the agreed Friday moves the check-in to Monday's opening */
	assert_time(f.fu.due, "2026-02-23T09:00-05:00");
	assert_int_equal(f.fu.overdue, 0);
	assert_int_equal(f.fu.priority, 85);
	fx_release(&f);
}

/* ---- appointments ---- */

static void test_appointment_reminder(void **state)
{
	static const struct row rows[] = { { .type = EV_APPOINTMENT, .at = "2026-02-12T14:00Z" } };
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-08T12:00Z"), 0); /* too early for a reminder */
	assert_int_equal(fx_eval(&f, "2026-02-10T12:00Z"), 1);
	assert_int_equal(f.fu.nreasons, 1);
	r = reason_of(&f.fu, TRIG_APPOINTMENT);
	assert_int_equal(r->channel, CH_AUTO_EMAIL);
	assert_int_equal(r->transactional, 1);
	assert_int_equal(r->priority, 65);
	assert_time(r->due, "2026-02-11T14:00Z"); /* a day before */
	ASSERT_EVENTS(r, 101);
	assert_contains(r->say, "seeing you at\n2026-02-12.");
	assert_string_equal(r->why, "appointment on 2026-02-12");
	assert_int_equal(f.fu.automated, 1);
	fx_release(&f);
}

static void test_appointment_reminder_after_it(void **state)
{
	static const struct row rows[] = { { .type = EV_APPOINTMENT, .at = "2026-02-16T08:30Z" } };
	struct fx f;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-13T12:00Z"), 1);
	/*
	 * Monday 08:30 is before Monday's opening: the reminder goes at the latest opening
	 * before the appointment, Friday 09:00, not Monday 09:00 after it
	 */
	assert_time(reason_of(&f.fu, TRIG_APPOINTMENT)->due, "2026-02-13T09:00Z");
	assert_time(f.fu.due, "2026-02-13T09:00Z");
	assert_true(f.fu.due < at("2026-02-16T08:30Z"));
	fx_release(&f);
}

static void test_missed_appointment(void **state)
{
	static const struct row missed[] = { { .type = EV_APPOINTMENT, .at = "2026-02-10T14:00Z" } };
	static const struct row kept[] = {
		{ .type = EV_APPOINTMENT, .at = "2026-02-10T14:00Z" },
		{ .type = EV_SERVICE, .at = "2026-02-10T14:30Z" },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, LONDON, BOTH, missed);
	assert_int_equal(fx_eval(&f, "2026-02-11T10:00Z"), 1);
	assert_int_equal(f.fu.nreasons, 1);
	r = reason_of(&f.fu, TRIG_MISSED_APPOINTMENT);
	assert_int_equal(r->channel, CH_CALL);
	assert_int_equal(r->priority, 60);
	assert_time(r->due, "2026-02-10T14:00Z");
	assert_contains(r->say, "We missed you at 2026-02-10;");
	assert_int_equal(f.fu.overdue, 1);
	assert_int_equal(f.fu.priority, 65);
	/* two weeks on, it is let go */
	assert_int_equal(fx_eval(&f, "2026-02-24T14:00:01Z"), 0);
	fx_release(&f);

	BUILD(&f, LONDON, BOTH, kept);
	assert_int_equal(fx_eval(&f, "2026-02-11T10:00Z"), 1);
	assert_int_equal(count_trigger(&f.fu, TRIG_MISSED_APPOINTMENT), 0);
	assert_int_equal(count_trigger(&f.fu, TRIG_SERVICE), 1);
	fx_release(&f);
}

/* ---- interactions ---- */

static void test_three_triggers_one_followup(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_EMAIL_CLICK, .at = "2026-02-03T09:30-05:00" },
		{ .type = EV_LEAD, .at = "2026-02-03T10:00-05:00" },
		{ .type = EV_INFO_REQUEST, .at = "2026-02-03T10:05-05:00" },
	};
	struct fx f;

	(void)state;
	BUILD(&f, NY, WITH_PHONE, rows);
	assert_int_equal(fx_eval(&f, "2026-02-03T10:06-05:00"), 1);
	assert_int_equal(f.fu.nreasons, 3);
	assert_int_equal(f.fu.reasons[0].trigger, TRIG_NEW_LEAD);
	assert_int_equal(f.fu.reasons[1].trigger, TRIG_INFO_REQUEST);
	assert_int_equal(f.fu.reasons[2].trigger, TRIG_EMAIL_CLICK);
	/* no address: the e-mails become calls */
	for (int i = 0; i < 3; i++)
		assert_int_equal(f.fu.reasons[i].channel, CH_CALL);
	assert_time(f.fu.reasons[1].due, "2026-02-03T17:00-05:00");
	assert_time(f.fu.reasons[2].due, "2026-02-04T09:00-05:00");
	assert_time(f.fu.due, "2026-02-03T10:15-05:00");
	assert_int_equal(f.fu.priority, 95 + 2 * 2);
	assert_string_equal(f.fu.id, "F7-103");
	fx_release(&f);
}

static void test_reached_closes_everything(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_EMAIL_CLICK, .at = "2026-02-03T09:30-05:00" },
		{ .type = EV_LEAD, .at = "2026-02-03T10:00-05:00" },
		{ .type = EV_INFO_REQUEST, .at = "2026-02-03T10:05-05:00" },
		{ .type = EV_SERVICE, .at = "2026-02-03T10:10-05:00" },
		{ .type = EV_TOUCH, .at = "2026-02-03T11:00-05:00", .outcome = "reached" },
	};
	struct fx f;

	(void)state;
	BUILD(&f, NY, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-03T10:59-05:00"), 1);
	assert_int_equal(f.fu.nreasons, 5);
	assert_int_equal(fx_eval(&f, "2026-02-03T12:00-05:00"), 0);
	fx_release(&f);
}

/*
 * issue 8: a touch with no outcome (a phone system's call log) answers a new lead, one-way: the
 * lead is no longer shown unanswered or escalated; it is not a conversation (silence still counts
 * from it as from any touch we made).
 */
static void test_touch_without_outcome_answers_lead(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_LEAD, .at = "2026-02-03T10:00-05:00" },
		{ .type = EV_TOUCH, .at = "2026-02-03T11:00-05:00" },
	};
	struct fx f;

	(void)state;
	BUILD(&f, NY, WITH_PHONE, rows);
	assert_int_equal(f.st.last_two_way, FU_TIME_NONE);
	/* a day later: nothing open (before this, an overdue escalated "not answered yet") */
	assert_int_equal(fx_eval(&f, "2026-02-04T10:00-05:00"), 0);
	fx_release(&f);
}

static void test_voicemail_keeps_it_open(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_LEAD, .at = "2026-02-03T10:00-05:00" },
		{ .type = EV_TOUCH, .at = "2026-02-03T10:10-05:00", .outcome = "voicemail" },
	};
	struct fx f;
	const struct reason *r;

	(void)state;
	BUILD(&f, NY, WITH_PHONE, rows);
	assert_int_equal(fx_eval(&f, "2026-02-03T10:20-05:00"), 1);
	r = reason_of(&f.fu, TRIG_NEW_LEAD);
	assert_time(r->due, "2026-02-04T09:00-05:00");
	assert_int_equal(f.fu.overdue, 0);
	assert_int_equal(f.fu.escalated, 0);
	assert_int_equal(f.fu.priority, 95);
	fx_release(&f);
}

static void test_snooze_hides_and_is_no_touch(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_LEAD, .at = "2026-01-05T10:00Z" },
		{ .type = EV_TOUCH, .at = "2026-01-06T10:00Z", .outcome = "reached" },
		{ .type = EV_TOUCH, .at = "2026-02-03T11:00Z", .outcome = "snoozed", .due = "2026-02-06T15:00Z" },
	};
	struct fx f;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	/* the snooze left the silence clock alone */
	assert_int_equal(f.st.last_touch_out, at("2026-01-06T10:00Z"));
	assert_int_equal(fx_eval(&f, "2026-02-03T12:00Z"), 1);
	assert_int_equal(reason_of(&f.fu, TRIG_SILENCE)->nevents, 1);
	assert_time(f.fu.due, "2026-02-06T15:00Z");
	assert_int_equal(f.fu.overdue, 0);
	/* once it is over, due now */
	assert_int_equal(fx_eval(&f, "2026-02-06T16:00Z"), 1);
	assert_time(f.fu.due, "2026-02-06T16:00Z");
	fx_release(&f);
}

static void test_snooze_until_weekend(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_SERVICE, .at = "2026-02-02T10:00Z" },
		{ .type = EV_TOUCH, .at = "2026-02-02T11:00Z", .outcome = "snoozed", .due = "2026-02-07T10:00Z" },
		{ .type = EV_TOUCH, .at = "2026-02-02T12:00Z", .outcome = "snoozed", .due = "2026-02-07T10:00Z" },
		{ .type = EV_TOUCH, .at = "2026-02-02T13:00Z", .outcome = "snoozed", .due = "2026-02-07T10:00Z" },
	};
	struct fx f;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(fx_eval(&f, "2026-02-03T12:00Z"), 1);
	/* snoozed to Saturday: Monday's opening; three snoozes are not three touches */
	assert_time(f.fu.due, "2026-02-09T09:00Z");
	fx_release(&f);
}

static void test_pressure_budget(void **state)
{
	static const struct row busy[] = {
		{ .type = EV_INVOICE, .at = "2026-01-20T10:00Z", .ref = "INV-5", .due = "2026-02-01", .cents = 5000 },
		{ .type = EV_TOUCH, .at = "2026-01-28T10:00Z", .outcome = "no-answer" }, /* outside the week */
		{ .type = EV_TOUCH, .at = "2026-02-02T10:00Z", .outcome = "no-answer" },
		{ .type = EV_TOUCH, .at = "2026-02-03T10:00Z", .outcome = "no-answer" },
		{ .type = EV_TOUCH, .at = "2026-02-04T10:00Z", .outcome = "voicemail" },
		{ .type = EV_SERVICE, .at = "2026-02-04T12:00Z" },
	};
	static const struct row calm[] = {
		{ .type = EV_INVOICE, .at = "2026-01-20T10:00Z", .ref = "INV-5", .due = "2026-02-01", .cents = 5000 },
		{ .type = EV_TOUCH, .at = "2026-01-28T10:00Z", .outcome = "no-answer" },
		{ .type = EV_TOUCH, .at = "2026-02-03T10:00Z", .outcome = "no-answer" },
		{ .type = EV_TOUCH, .at = "2026-02-04T10:00Z", .outcome = "voicemail" },
		{ .type = EV_SERVICE, .at = "2026-02-04T12:00Z" },
	};
	struct fx f;

	(void)state;
	BUILD(&f, LONDON, BOTH, busy);
	assert_int_equal(fx_eval(&f, "2026-02-05T12:00Z"), 1);
	assert_int_equal(f.fu.nreasons, 2);
	/* the service call waits until a week after the oldest of the three touches */
	assert_time(reason_of(&f.fu, TRIG_SERVICE)->due, "2026-02-09T10:00Z");
	/* the invoice reminder is transactional: it stays at Monday 2 February's opening */
	assert_time(reason_of(&f.fu, TRIG_INVOICE_OVERDUE)->due, "2026-02-02T09:00Z");
	assert_time(f.fu.due, "2026-02-09T10:00Z");
	assert_int_equal(f.fu.priority, 55 + 2);
	fx_release(&f);

	BUILD(&f, LONDON, BOTH, calm);
	assert_int_equal(fx_eval(&f, "2026-02-05T12:00Z"), 1);
	/* Wednesday + 3 days is Saturday: Monday's opening */
	assert_time(reason_of(&f.fu, TRIG_SERVICE)->due, "2026-02-09T09:00Z");
	fx_release(&f);
}

static void test_opted_out_email(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_LEAD, .at = "2026-02-03T10:00Z" },
		{ .type = EV_INFO_REQUEST, .at = "2026-02-03T10:01Z" },
		{ .type = EV_EMAIL_CLICK, .at = "2026-02-03T10:02Z" },
		{ .type = EV_INVOICE, .at = "2026-01-20T10:00Z", .ref = "INV-5", .due = "2026-02-01", .cents = 5000 },
		{ .type = EV_OPT_OUT, .at = "2026-02-03T10:03Z" },
	};
	struct fx f;

	(void)state;
	/* fx_build wants time order: sort the invoice first */
	{
		struct row sorted[5] = { rows[3], rows[0], rows[1], rows[2], rows[4] };

		fx_build(&f, LONDON, BOTH, sorted, 5);
	}
	assert_int_equal(f.st.opted_out_email, 1);
	assert_int_equal(fx_eval(&f, "2026-02-03T10:04Z"), 1);
	/* the call stays, the info request becomes a call, the auto-reply, click and invoice e-mails go */
	assert_int_equal(f.fu.nreasons, 2);
	assert_int_equal(reason_of(&f.fu, TRIG_NEW_LEAD)->channel, CH_CALL);
	assert_int_equal(reason_of(&f.fu, TRIG_INFO_REQUEST)->channel, CH_CALL);
	fx_release(&f);
}

static void test_do_not_contact(void **state)
{
	static const struct row rows[] = {
		{ .type = EV_LEAD, .at = "2026-02-03T10:00Z" },
		{ .type = EV_TOUCH, .at = "2026-02-03T10:05Z", .outcome = "opted-out" },
		{ .type = EV_SERVICE, .at = "2026-02-03T10:10Z" },
	};
	struct fx f;

	(void)state;
	BUILD(&f, LONDON, BOTH, rows);
	assert_int_equal(f.st.do_not_contact, 1);
	assert_int_equal(fx_eval(&f, "2026-02-03T11:00Z"), 0);
	assert_int_equal(f.fu.nreasons, 0);
	assert_null(f.fu.reasons);
	fx_release(&f);
}

/* ---- a bad rule ---- */

/* an empty field without a fallback renders as nothing, not as an error */
static void test_empty_field_renders_empty(void **state)
{
	static const struct row rows[] = { { .type = EV_LEAD, .at = "2026-02-03T10:00Z" } };
	struct fx f;

	(void)state;
	BUILD(&f, LONDON, WITH_PHONE, rows);
	free(f.c.name);
	f.c.name = NULL;
	fx_playbook(&f, "rules:\n  - trigger: new_lead\n    action: call\n"
			"    say: Hi {{first_name}}{{company}}, {{name|friend}}!\n");
	assert_int_equal(fx_eval(&f, "2026-02-03T10:05Z"), 1);
	assert_string_equal(f.fu.reasons[0].say, "Hi , friend!");
	fx_release(&f);
}

/* a rule that fails after another made its reason: an error naming the rule, nothing leaked */
static void test_failing_rule_no_leak(void **state)
{
	static const struct row rows[] = { { .type = EV_LEAD, .at = "2026-02-03T10:00Z" } };
	struct fx f;
	struct fu_ctx ctx;
	int rc;

	(void)state;
	BUILD(&f, LONDON, WITH_PHONE, rows);
	fx_playbook(&f, "rules:\n  - trigger: new_lead\n    action: call\n    say: one\n"
			"  - name: broken\n    trigger: new_lead\n    action: call\n    say: two\n");
	/* a condition the checker refuses, put in place behind its back */
	fu_ctx_init(&ctx);
	assert_int_equal(expr_parse(&ctx, "stage > 3", &f.pb.rules[1].when), FU_OK);
	rc = engine_followup(&ctx, &f.pb, NULL, &f.c, &f.st, &f.ev, f.zone, at("2026-02-03T10:05Z"),
			     &f.fu, &f.open);
	assert_int_equal(rc, FU_EINPUT);
	assert_string_equal(ctx.msg, "t.yaml: rule 'broken' (line 5): cannot compare string with number");
	assert_int_equal(f.open, 0);
	fx_release(&f);
}

/* ---- properties over pseudo-random timelines ---- */

static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t rnd_below(uint64_t *s, int64_t n)
{
	return (int64_t)(rnd_next(s) % (uint64_t)n);
}

static int cmp_event_time(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->time != y->time)
		return (x->time > y->time) - (x->time < y->time);
	return (x->id > y->id) - (x->id < y->id);
}

static void set_str(char **dst, const char *s)
{
	*dst = dup_str(s);
}

/* A random contact and 1-40 events over the 90 days before now (appointments also ahead). */
static void random_contact(struct fx *f, uint64_t *seed, int64_t now, int serial)
{
	static const char *const zones[] = { NY, LONDON, SYDNEY };
	static const char *const outcomes[] = {
		"reached", "voicemail", "no-answer", "not-yet", "won", "no", "snoozed", "opted-out"
	};
	static const int types[] = {
		EV_LEAD, EV_LEAD, EV_INFO_REQUEST, EV_EMAIL_CLICK, EV_EMAIL_CLICK, EV_PURCHASE,
		EV_PURCHASE, EV_PURCHASE, EV_INVOICE, EV_PAYMENT, EV_SERVICE, EV_APPOINTMENT,
		EV_TOUCH, EV_TOUCH, EV_TOUCH, EV_REPLY
	};
	struct event ev[48];
	int n = 1 + (int)rnd_below(seed, 40), reach = 1 + (int)rnd_below(seed, 3), k;
	char text[96];

	fx_contact(f, zones[rnd_below(seed, 3)], reach);
	for (int i = 0; i < n; i++) {
		struct event *e = &ev[i];

		event_init(e);
		e->contact_id = CONTACT_ID;
		e->type = types[rnd_below(seed, (int64_t)(sizeof(types) / sizeof(types[0])))];
		e->time = now - rnd_below(seed, 90 * DAY);
		e->id = i; /* a tiebreak for the sort; renumbered below */
		switch (e->type) {
		case EV_PURCHASE:
			e->has_amount = 1;
			e->amount = 100 + rnd_below(seed, 200000);
			break;
		case EV_INVOICE:
		case EV_PAYMENT:
			snprintf(text, sizeof(text), "INV-%d", (int)rnd_below(seed, 4));
			set_str(&e->ref, text);
			e->has_amount = 1;
			e->amount = 100 + rnd_below(seed, 50000);
			if (e->type == EV_INVOICE)
				e->due = e->time + rnd_below(seed, 30 * DAY);
			break;
		case EV_APPOINTMENT:
			if (rnd_below(seed, 3) == 0)
				e->time = now + rnd_below(seed, 5 * DAY);
			break;
		case EV_TOUCH:
			set_str(&e->channel, "call");
			k = (int)rnd_below(seed, 8);
			if (k == 7 && rnd_below(seed, 3))
				k = 0; /* opted-out: rarer than the others */
			set_str(&e->outcome, outcomes[k]);
			if (!strcmp(e->outcome, "not-yet") || !strcmp(e->outcome, "snoozed")) {
				/* a bare date (midnight UTC) or an instant, before or after now */
				e->due = now - 10 * DAY + rnd_below(seed, 30 * DAY);
				if (rnd_below(seed, 2))
					e->due -= e->due % DAY;
			}
			snprintf(text, sizeof(text), NOTE_MARKER "-%d-%d: thinks Ada is rude", serial, i);
			set_str(&e->note, text);
			break;
		case EV_INFO_REQUEST:
			if (rnd_below(seed, 2))
				set_str(&e->note, "wants a quote for 12 chairs");
			break;
		case EV_REPLY:
			if (rnd_below(seed, 2))
				set_str(&e->note, "can you quote 200 units?");
			break;
		default:
			break;
		}
	}
	/* opt-outs: sometimes e-mail only, rarely everything */
	if (rnd_below(seed, 6) == 0) {
		event_init(&ev[n]);
		ev[n].contact_id = CONTACT_ID;
		ev[n].type = EV_OPT_OUT;
		ev[n].time = now - rnd_below(seed, 90 * DAY);
		ev[n].id = n;
		set_str(&ev[n].channel, rnd_below(seed, 4) ? "email" : "phone");
		n++;
	}
	qsort(ev, (size_t)n, sizeof(ev[0]), cmp_event_time);
	for (int i = 0; i < n; i++) {
		ev[i].id = FIRST_ID + i;
		fx_add(f, &ev[i]);
		event_release(&ev[i]);
	}
}

static int rule_within_kind(const struct fx *f, const struct reason *r)
{
	return f->pb.rules[r->rule].within_kind;
}

/* Checks every invariant for one evaluated contact; fails with a description. */
static void check_invariants(struct fx *f, int serial)
{
	const struct followup *fu = &f->fu;

	if (!f->open) {
		assert_int_equal(fu->nreasons, 0);
		return;
	}
	/* (1) do-not-contact: only what they wrote to us, flagged, never automated */
	if (f->st.do_not_contact != fu->do_not_contact)
		fail_msg("contact %d: do_not_contact %d, flagged %d", serial, f->st.do_not_contact,
			 fu->do_not_contact);
	for (int i = 0; f->st.do_not_contact && i < fu->nreasons; i++) {
		if (fu->reasons[i].trigger != TRIG_REPLY || fu->reasons[i].channel == CH_AUTO_EMAIL)
			fail_msg("contact %d: do_not_contact yet %s by %s", serial,
				 trigger_name(fu->reasons[i].trigger),
				 channel_name(fu->reasons[i].channel));
	}
	assert_true(fu->nreasons > 0);
	for (int i = 0; i < fu->nreasons; i++) {
		const struct reason *r = &fu->reasons[i];
		int t = r->trigger;

		/* (2) e-mail opt-out: no automated e-mail, no marketing e-mail */
		if (f->st.opted_out_email) {
			if (r->channel == CH_AUTO_EMAIL)
				fail_msg("contact %d: opted out yet auto e-mail for %s", serial,
					 trigger_name(t));
			if (r->channel == CH_EMAIL &&
			    (t == TRIG_SILENCE || t == TRIG_EMAIL_CLICK || t == TRIG_FEEDBACK ||
			     t == TRIG_REFERRAL))
				fail_msg("contact %d: opted out yet marketing e-mail for %s", serial,
					 trigger_name(t));
		}
		/* no address, no e-mail */
		if (!f->c.email && (r->channel == CH_EMAIL || r->channel == CH_AUTO_EMAIL))
			fail_msg("contact %d: e-mail without an address", serial);
		/* (3) internal notes never reach the customer */
		if (strstr(r->say, NOTE_MARKER))
			fail_msg("contact %d: a touch note in the say of %s", serial, trigger_name(t));
		/* (5) due inside business hours, or exactly at a closing (end_of_day, or business
		 * time that uses up the rest of a day, like a lead at 16:50 + 10 minutes) */
		if (!bizhours_is_open(&f->pb.hours, f->zone, r->due)) {
			int k = rule_within_kind(f, r);
			int closing = bizhours_is_open(&f->pb.hours, f->zone, r->due - 1);

			if (!(closing && (k == WITHIN_END_OF_DAY || k == WITHIN_BUSINESS_SECS))) {
				char d[32];

				dt_format_iso(r->due, d, sizeof(d));
				fail_msg("contact %d (%s): %s due %s outside business hours", serial,
					 f->c.tz, trigger_name(t), d);
			}
		}
		assert_true(r->nevents >= 1 && r->nevents <= REASON_MAX_EVENTS);
		for (int k = 0; k < r->nevents; k++)
			assert_true(r->events[k] >= FIRST_ID && r->events[k] < FIRST_ID + f->ev.n);
		if (i > 0)
			assert_true(fu->reasons[i - 1].priority >= r->priority);
	}
	assert_int_equal(fu->overdue, fu->due < f->now);
	assert_true(fu->priority <= 100);
}

static void assert_same_followup(const struct followup *a, const struct followup *b)
{
	assert_string_equal(a->id, b->id);
	assert_int_equal(a->contact_id, b->contact_id);
	assert_int_equal(a->due, b->due);
	assert_int_equal(a->overdue, b->overdue);
	assert_int_equal(a->escalated, b->escalated);
	assert_int_equal(a->automated, b->automated);
	assert_int_equal(a->channel, b->channel);
	assert_int_equal(a->priority, b->priority);
	assert_int_equal(a->nreasons, b->nreasons);
	for (int i = 0; i < a->nreasons; i++) {
		const struct reason *x = &a->reasons[i], *y = &b->reasons[i];

		assert_int_equal(x->trigger, y->trigger);
		assert_int_equal(x->rule, y->rule);
		assert_int_equal(x->since, y->since);
		assert_int_equal(x->due, y->due);
		assert_int_equal(x->channel, y->channel);
		assert_int_equal(x->priority, y->priority);
		assert_int_equal(x->transactional, y->transactional);
		assert_int_equal(x->nevents, y->nevents);
		assert_memory_equal(x->events, y->events, sizeof(x->events[0]) * (size_t)x->nevents);
		assert_string_equal(x->say, y->say);
		assert_string_equal(x->why, y->why);
	}
}

#define PROPERTY_RUNS 3000

static void test_properties_random_timelines(void **state)
{
	uint64_t seed = 20260203;
	int open = 0, dnc = 0, optout = 0, reasons[TRIG__COUNT] = { 0 };

	(void)state;
	for (int serial = 0; serial < PROPERTY_RUNS; serial++) {
		struct fx f;
		struct followup first;
		int first_open;
		/* now: a random instant in a week that crosses New York's spring-forward */
		int64_t now = at("2026-03-02T00:00Z") + rnd_below(&seed, 14 * DAY);

		random_contact(&f, &seed, now, serial);
		fx_eval_at(&f, now);
		first = f.fu;
		first_open = f.open;
		followup_init(&f.fu);
		/* (4) determinism */
		fx_eval_at(&f, now);
		assert_int_equal(f.open, first_open);
		assert_same_followup(&first, &f.fu);
		followup_release(&first);
		check_invariants(&f, serial);
		open += f.open;
		dnc += f.st.do_not_contact;
		optout += f.st.opted_out_email;
		for (int i = 0; i < f.fu.nreasons; i++)
			reasons[f.fu.reasons[i].trigger]++;
		fx_release(&f);
	}
	/* the generator must exercise the cases it claims to */
	assert_true(open > PROPERTY_RUNS / 4);
	assert_true(dnc > 50);
	assert_true(optout > 50);
	for (int t = 0; t < TRIG__COUNT; t++) {
		if (reasons[t] == 0)
			print_message("note: no random timeline gave a %s reason\n", trigger_name(t));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_lead_inside_hours),
		cmocka_unit_test(test_new_lead_friday_close_london),
		cmocka_unit_test(test_new_lead_dst_spring_forward),
		cmocka_unit_test(test_new_lead_auto_reply),
		cmocka_unit_test(test_new_lead_escalated_early),
		cmocka_unit_test(test_info_request_end_of_day),
		cmocka_unit_test(test_email_clicks_make_one_reason),
		cmocka_unit_test(test_email_clicks_after_reply),
		cmocka_unit_test(test_click_window_ignored),
		cmocka_unit_test(test_post_purchase_first),
		cmocka_unit_test(test_second_purchase_repeat),
		cmocka_unit_test(test_repeat_purchase_milestones),
		cmocka_unit_test(test_post_purchase_reenters),
		cmocka_unit_test(test_feedback),
		cmocka_unit_test(test_referral_only_after_won),
		cmocka_unit_test(test_service_three_days_later),
		cmocka_unit_test(test_paid_late_first_and_second),
		cmocka_unit_test(test_paid_on_time_needs_nothing),
		cmocka_unit_test(test_invoice_overdue_automated),
		cmocka_unit_test(test_lapsed_regular_buyer),
		cmocka_unit_test(test_lapsed_p_alive),
		cmocka_unit_test(test_silence_after_27_days),
		cmocka_unit_test(test_silence_not_for_a_lead_who_said_no),
		cmocka_unit_test(test_check_in_on_agreed_date),
		cmocka_unit_test(test_check_in_control_without_promise),
		cmocka_unit_test(test_check_in_reply_brings_forward),
		cmocka_unit_test(test_check_in_sydney_reply_day),
		cmocka_unit_test(test_check_in_voicemail_ignored),
		cmocka_unit_test(test_reply_answered_within_two_business_hours),
		cmocka_unit_test(test_reply_within_limit),
		cmocka_unit_test(test_budget_never_defers_answers),
		cmocka_unit_test(test_do_not_contact_writes_in),
		cmocka_unit_test(test_appointment_reminder),
		cmocka_unit_test(test_appointment_reminder_after_it),
		cmocka_unit_test(test_missed_appointment),
		cmocka_unit_test(test_three_triggers_one_followup),
		cmocka_unit_test(test_reached_closes_everything),
		cmocka_unit_test(test_touch_without_outcome_answers_lead),
		cmocka_unit_test(test_voicemail_keeps_it_open),
		cmocka_unit_test(test_snooze_hides_and_is_no_touch),
		cmocka_unit_test(test_snooze_until_weekend),
		cmocka_unit_test(test_pressure_budget),
		cmocka_unit_test(test_opted_out_email),
		cmocka_unit_test(test_do_not_contact),
		cmocka_unit_test(test_empty_field_renders_empty),
		cmocka_unit_test(test_failing_rule_no_leak),
		cmocka_unit_test(test_properties_random_timelines),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL) ? 1 : 0;
}
