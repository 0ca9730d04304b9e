/* test-playbook.c - unit tests for the playbook loader, its error messages and the built-in playbook */
#include "field.h"
#include "playbook.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "banned.h"

/* The smallest valid rule, to append after the part of a playbook a test is about. */
#define MIN_RULES "rules:\n  - trigger: new_lead\n    action: call\n    say: hi\n"

#define KNOWN_TRIGGERS                                                                    \
	"(known: new_lead, info_request, email_click, post_purchase, feedback, referral, " \
	"repeat_purchase, service, paid_late, invoice_overdue, lapsed, silence, check_in, " \
	"appointment, missed_appointment, reply)"

static void load_ok(const char *yaml, struct playbook *pb)
{
	struct fu_ctx ctx;

	fu_ctx_init(&ctx);
	if (playbook_load_string(&ctx, "shop.yaml", yaml, pb) != FU_OK)
		fail_msg("%s", ctx.msg);
}

/* Loading yaml fails with FU_EINPUT and exactly msg, and leaves the playbook released. */
static void expect_err(const char *yaml, const char *msg)
{
	struct playbook pb;
	struct fu_ctx ctx;

	fu_ctx_init(&ctx);
	playbook_init(&pb);
	assert_int_equal(playbook_load_string(&ctx, "shop.yaml", yaml, &pb), FU_EINPUT);
	assert_string_equal(ctx.msg, msg);
	assert_null(pb.rules);
	assert_int_equal(pb.nrules, 0);
	assert_null(pb.name);
	assert_null(pb.source);
	assert_null(pb.default_tz);
	assert_null(pb.business_name);
}

static void test_names(void **state)
{
	int v = -1, i;

	(void)state;
	assert_string_equal(trigger_name(TRIG_NEW_LEAD), "new_lead");
	assert_string_equal(trigger_name(TRIG_MISSED_APPOINTMENT), "missed_appointment");
	assert_null(trigger_name(TRIG__COUNT));
	assert_null(trigger_name(-1));
	for (i = 0; i < TRIG__COUNT; i++) {
		assert_int_equal(trigger_parse(trigger_name(i), &v), 0);
		assert_int_equal(v, i);
	}
	assert_int_equal(trigger_parse("buy", &v), -1);
	assert_int_equal(trigger_parse("New_Lead", &v), -1);

	assert_int_equal(channel_parse("auto_email", &v), 0);
	assert_int_equal(v, CH_AUTO_EMAIL);
	assert_int_equal(channel_parse("fax", &v), -1);
	assert_string_equal(channel_name(CH_VOICEMAIL), "voicemail");
	assert_null(channel_name(CH__COUNT));
	for (i = 0; i < CH__COUNT; i++)
		assert_int_equal(channel_is_personal(i), i != CH_AUTO_EMAIL && i != CH_AUTO_WEBHOOK);
	assert_int_equal(channel_is_personal(-1), 0);

	/* one field table: a name usable in both places is one row */
	assert_non_null(field_find("nth", FIELD_WHEN));
	assert_ptr_equal(field_find("nth", FIELD_WHEN), field_find("nth", FIELD_SAY));
	assert_non_null(field_find("first_name", FIELD_SAY));
	assert_null(field_find("first_name", FIELD_WHEN));
	assert_null(field_find("tags", FIELD_SAY));
	assert_int_equal(field_find("tags", FIELD_WHEN)->type, FIELD_LIST);
}

static void test_init_release(void **state)
{
	struct bizhours def;
	struct playbook pb;

	(void)state;
	playbook_init(&pb);
	bizhours_default(&def);
	assert_memory_equal(&pb.hours, &def, sizeof(def));
	assert_int_equal(pb.quiet.start, 20 * 60);
	assert_int_equal(pb.quiet.end, 8 * 60);
	assert_int_equal(pb.touches_per_week, 3);
	assert_null(pb.rules);
	playbook_release(&pb);
	playbook_release(&pb); /* releasing twice is harmless */
	assert_null(pb.name);
}

static void test_default(void **state)
{
	struct playbook pb;
	struct bizhours def;
	struct fu_ctx ctx;
	int i, r;

	(void)state;
	fu_ctx_init(&ctx);
	assert_int_equal(playbook_load_default(&ctx, &pb), FU_OK);
	assert_string_equal(pb.name, "built-in");
	assert_string_equal(pb.source, playbook_default_yaml);
	assert_string_equal(pb.default_tz, "UTC");
	assert_string_equal(pb.business_name, "Northwind Supplies");
	bizhours_default(&def);
	assert_memory_equal(&pb.hours, &def, sizeof(def));
	assert_int_equal(pb.quiet.start, 20 * 60);
	assert_int_equal(pb.quiet.end, 8 * 60);
	assert_int_equal(pb.touches_per_week, 3);
	assert_int_equal(pb.silence_days, 27);
	assert_int_equal(pb.speed_to_lead, 15 * 60);
	assert_int_equal(pb.high_value, 100000);
	assert_int_equal(pb.clicks_window_days, 14);

	for (i = 0; i < TRIG__COUNT; i++) {
		r = playbook_next_rule(&pb, i, 0);
		if (r < 0)
			fail_msg("no rule for trigger %s", trigger_name(i));
	}
	for (i = 0; i < pb.nrules; i++) {
		const struct rule *ru = &pb.rules[i];

		assert_non_null(ru->name);
		assert_non_null(ru->say);
		assert_true(ru->priority >= 0 && ru->priority <= 100);
		/* never a fee, never an internal note in what the customer hears */
		assert_null(strstr(ru->say, " fee "));
		assert_null(strstr(ru->say, " fee."));
		assert_null(strstr(ru->say, " fees"));
		assert_null(strstr(ru->say, "penalt"));
		assert_null(strstr(ru->say, "note:"));
		assert_true(ru->line > 0);
	}

	/* a new lead always gets a personal answer first, fast */
	r = playbook_next_rule(&pb, TRIG_NEW_LEAD, 0);
	assert_int_equal(pb.rules[r].action, CH_CALL);
	assert_int_equal(pb.rules[r].action_low, -1);
	assert_int_equal(pb.rules[r].within_kind, WITHIN_BUSINESS_SECS);
	assert_int_equal(pb.rules[r].within, 15 * 60);
	assert_int_equal(pb.rules[r].priority, 95);
	assert_non_null(strstr(pb.rules[r].say, "looking for"));

	r = playbook_next_rule(&pb, TRIG_INFO_REQUEST, 0);
	assert_int_equal(pb.rules[r].action, CH_EMAIL);
	assert_int_equal(pb.rules[r].within_kind, WITHIN_END_OF_DAY);
	assert_int_equal(pb.rules[r].priority, 80);

	r = playbook_next_rule(&pb, TRIG_EMAIL_CLICK, 0);
	assert_int_equal(pb.rules[r].within_kind, WITHIN_BUSINESS_DAYS);
	assert_int_equal(pb.rules[r].within, 1);
	assert_non_null(strstr(pb.rules[r].say, "{{clicks}}"));

	r = playbook_next_rule(&pb, TRIG_POST_PURCHASE, 0);
	assert_string_equal(pb.rules[r].when_src, "nth == 1");
	assert_non_null(pb.rules[r].when);
	assert_int_equal(pb.rules[r].action, CH_CALL);
	assert_int_equal(pb.rules[r].action_low, CH_AUTO_EMAIL);
	assert_int_equal(pb.rules[r].after, 7 * 86400);

	/* paid late: a friendly e-mail first, a call about a payment plan from the 2nd time */
	r = playbook_next_rule(&pb, TRIG_PAID_LATE, 0);
	assert_string_equal(pb.rules[r].when_src, "late_payments < 2");
	assert_int_equal(pb.rules[r].action, CH_EMAIL);
	assert_int_equal(pb.rules[r].priority, 50);
	r = playbook_next_rule(&pb, TRIG_PAID_LATE, r + 1);
	assert_true(r >= 0);
	assert_string_equal(pb.rules[r].when_src, "late_payments >= 2");
	assert_int_equal(pb.rules[r].action, CH_CALL);
	assert_int_equal(pb.rules[r].priority, 70);
	assert_non_null(strstr(pb.rules[r].say, "payment plan"));
	assert_int_equal(playbook_next_rule(&pb, TRIG_PAID_LATE, r + 1), -1);

	r = playbook_next_rule(&pb, TRIG_INVOICE_OVERDUE, 0);
	assert_int_equal(pb.rules[r].action, CH_AUTO_EMAIL);
	assert_int_equal(pb.rules[r].transactional, 1);

	r = playbook_next_rule(&pb, TRIG_LAPSED, 0);
	assert_non_null(strstr(pb.rules[r].say, "{{usual_gap_days}}"));
	assert_non_null(strstr(pb.rules[r].say, "{{days_since_last}}"));

	r = playbook_next_rule(&pb, TRIG_SILENCE, 0);
	assert_int_equal(pb.rules[r].action_low, CH_AUTO_EMAIL);
	assert_int_equal(pb.rules[r].priority, 15);

	r = playbook_next_rule(&pb, TRIG_CHECK_IN, 0);
	assert_int_equal(pb.rules[r].action, CH_CALL);
	assert_int_equal(pb.rules[r].within_kind, WITHIN_BUSINESS_SECS);
	assert_int_equal(pb.rules[r].within, 0);
	assert_non_null(strstr(pb.rules[r].say, "{{questions|"));

	r = playbook_next_rule(&pb, TRIG_APPOINTMENT, 0);
	assert_int_equal(pb.rules[r].transactional, 1);
	r = playbook_next_rule(&pb, TRIG_REPEAT_PURCHASE, 0);
	assert_string_equal(pb.rules[r].when_src, "nth == 2 or nth == 5 or nth == 10 or nth == 25");

	playbook_release(&pb);
	assert_null(pb.rules);
	assert_int_equal(pb.nrules, 0);
}

static void test_next_rule(void **state)
{
	struct playbook pb;

	(void)state;
	load_ok("rules:\n"
		"  - {trigger: lapsed, action: call, say: a}\n"
		"  - {trigger: silence, action: email, say: b}\n"
		"  - {trigger: lapsed, action: email, say: c}\n"
		"  - {trigger: service, action: call, say: d}\n",
		&pb);
	assert_int_equal(pb.nrules, 4);
	assert_int_equal(playbook_next_rule(&pb, TRIG_LAPSED, 0), 0);
	assert_int_equal(playbook_next_rule(&pb, TRIG_LAPSED, 1), 2);
	assert_int_equal(playbook_next_rule(&pb, TRIG_LAPSED, 2), 2);
	assert_int_equal(playbook_next_rule(&pb, TRIG_LAPSED, 3), -1);
	assert_int_equal(playbook_next_rule(&pb, TRIG_LAPSED, 99), -1);
	assert_int_equal(playbook_next_rule(&pb, TRIG_LAPSED, -5), 0);
	assert_int_equal(playbook_next_rule(&pb, TRIG_SERVICE, 0), 3);
	assert_int_equal(playbook_next_rule(&pb, TRIG_NEW_LEAD, 0), -1);
	/* a rule without a name is named after its trigger; defaults apply */
	assert_string_equal(pb.rules[1].name, "silence");
	assert_null(pb.rules[1].when);
	assert_null(pb.rules[1].when_src);
	assert_int_equal(pb.rules[1].action_low, -1);
	assert_int_equal(pb.rules[1].after, 0);
	assert_int_equal(pb.rules[1].within_kind, WITHIN_NONE);
	assert_int_equal(pb.rules[1].expires, 0);
	assert_int_equal(pb.rules[1].priority, 50);
	assert_int_equal(pb.rules[1].transactional, 0);
	assert_int_equal(pb.rules[3].line, 5);
	/* everything not given keeps its default */
	assert_string_equal(pb.default_tz, "UTC");
	assert_int_equal(pb.silence_days, 27);
	playbook_release(&pb);
}

static const char full_yaml[] =
	"# a shop's own playbook\n"
	"business:\n"
	"  name: Northwind Supplies\n"
	"  hours: mon-sat 08:00-18:00\n"
	"  quiet_hours: none\n"
	"  timezone: America/New_York\n"
	"limits:\n"
	"  touches_per_week: 2\n"
	"  silence_days: 40\n"
	"  speed_to_lead: 1h\n"
	"  high_value: 1250.5\n"
	"  click_window_days: 7\n"
	"rules:\n"
	"  - name: thank big second orders\n"
	"    trigger: repeat_purchase\n"
	"    when: \"nth >= 2 and amount > 500 and 'vip' in tags\"\n"
	"    action: call\n"
	"    action_low_value: auto_email\n"
	"    after: 2d\n"
	"    within: 2bd\n"
	"    expires: 30d\n"
	"    priority: 77\n"
	"    transactional: yes\n"
	"    say: |\n"
	"      Hi {{first_name|there}}, thanks for order {{nth}} from {{business_name}}.\n"
	"  - name: same day\n"
	"    trigger: info_request\n"
	"    action: meeting\n"
	"    within: end_of_day\n"
	"    transactional: no\n"
	"    say: 'Hello {{ name | friend }}'\n"
	"  - trigger: new_lead\n"
	"    action: voicemail\n"
	"    within: 20m\n"
	"    priority: 0\n"
	"    say: \"hi\"\n";

static void test_full(void **state)
{
	struct playbook pb;
	struct rule *r;

	(void)state;
	load_ok(full_yaml, &pb);
	assert_string_equal(pb.name, "shop.yaml");
	assert_string_equal(pb.source, full_yaml);
	assert_int_equal(pb.hours.open[0], 8 * 60);
	assert_int_equal(pb.hours.close[0], 18 * 60);
	assert_int_equal(pb.hours.open[5], 8 * 60);
	assert_true(pb.hours.open[6] < 0 || pb.hours.open[6] >= pb.hours.close[6]);
	assert_int_equal(pb.quiet.start, pb.quiet.end);
	assert_string_equal(pb.default_tz, "America/New_York");
	assert_string_equal(pb.business_name, "Northwind Supplies");
	assert_int_equal(pb.touches_per_week, 2);
	assert_int_equal(pb.silence_days, 40);
	assert_int_equal(pb.speed_to_lead, 3600);
	assert_int_equal(pb.high_value, 125050);
	assert_int_equal(pb.clicks_window_days, 7);
	assert_int_equal(pb.nrules, 3);

	r = &pb.rules[0];
	assert_string_equal(r->name, "thank big second orders");
	assert_int_equal(r->trigger, TRIG_REPEAT_PURCHASE);
	assert_string_equal(r->when_src, "nth >= 2 and amount > 500 and 'vip' in tags");
	assert_non_null(r->when);
	assert_int_equal(r->action, CH_CALL);
	assert_int_equal(r->action_low, CH_AUTO_EMAIL);
	assert_int_equal(r->after, 2 * 86400);
	assert_int_equal(r->within_kind, WITHIN_BUSINESS_DAYS);
	assert_int_equal(r->within, 2);
	assert_int_equal(r->expires, 30 * 86400);
	assert_int_equal(r->priority, 77);
	assert_int_equal(r->transactional, 1);
	assert_string_equal(r->say,
			    "Hi {{first_name|there}}, thanks for order {{nth}} from {{business_name}}.\n");
	assert_int_equal(r->line, 14);

	r = &pb.rules[1];
	assert_int_equal(r->trigger, TRIG_INFO_REQUEST);
	assert_int_equal(r->action, CH_MEETING);
	assert_int_equal(r->within_kind, WITHIN_END_OF_DAY);
	assert_int_equal(r->transactional, 0);
	assert_string_equal(r->say, "Hello {{ name | friend }}");

	r = &pb.rules[2];
	assert_string_equal(r->name, "new_lead");
	assert_int_equal(r->action, CH_VOICEMAIL);
	assert_int_equal(r->within_kind, WITHIN_BUSINESS_SECS);
	assert_int_equal(r->within, 20 * 60);
	assert_int_equal(r->priority, 0);
	assert_int_equal(r->line, 32);
	playbook_release(&pb);
}

static void test_money(void **state)
{
	struct playbook pb;

	(void)state;
	load_ok("limits:\n  high_value: 0.05\n" MIN_RULES, &pb);
	assert_int_equal(pb.high_value, 5);
	playbook_release(&pb);
	load_ok("limits:\n  high_value: 20\n" MIN_RULES, &pb);
	assert_int_equal(pb.high_value, 2000);
	playbook_release(&pb);
	expect_err("limits:\n  high_value: 10.555\n" MIN_RULES,
		   "shop.yaml:2:15: limits.high_value: '10.555' is not an amount like 1000 or 1000.50");
	expect_err("limits:\n  high_value: -3\n" MIN_RULES,
		   "shop.yaml:2:15: limits.high_value: '-3' is not an amount like 1000 or 1000.50");
}

static void test_err_unknown_trigger(void **state)
{
	(void)state;
	expect_err("rules:\n"
		   "  - name: ok\n"
		   "    trigger: new_lead\n"
		   "    action: call\n"
		   "    say: hi\n"
		   "  - name: shop\n"
		   "    trigger: buy\n"
		   "    action: call\n"
		   "    say: hi\n",
		   "shop.yaml:7:14: rules[1].trigger: unknown trigger 'buy' " KNOWN_TRIGGERS);
}

static void test_err_unknown_key(void **state)
{
	(void)state;
	expect_err("business:\n  name: Shop\n  colour: red\n" MIN_RULES,
		   "shop.yaml:3:3: business.colour: unknown key");
	expect_err("colour: red\n" MIN_RULES, "shop.yaml:1:1: colour: unknown key");
	expect_err("limits:\n  silence: 3\n" MIN_RULES, "shop.yaml:2:3: limits.silence: unknown key");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    sya: hi\n",
		   "shop.yaml:4:5: rules[0].sya: unknown key");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    say: hi\n    action: email\n",
		   "shop.yaml:5:5: rules[0].action: given twice");
}

static void test_err_numbers(void **state)
{
	(void)state;
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    priority: 120\n    say: hi\n",
		   "shop.yaml:4:15: rules[0].priority: 120 is not between 0 and 100");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    priority: -1\n    say: hi\n",
		   "shop.yaml:4:15: rules[0].priority: -1 is not between 0 and 100");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    priority: high\n    say: hi\n",
		   "shop.yaml:4:15: rules[0].priority: 'high' is not a whole number");
	expect_err("limits:\n  silence_days: 0\n" MIN_RULES,
		   "shop.yaml:2:17: limits.silence_days: 0 is not between 1 and 3650");
	expect_err("limits:\n  touches_per_week: [3]\n" MIN_RULES,
		   "shop.yaml:2:21: limits.touches_per_week: expected a single value, not a list");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    transactional: maybe\n"
		   "    say: hi\n",
		   "shop.yaml:4:20: rules[0].transactional: 'maybe' is not true or false");
}

static void test_err_duration(void **state)
{
	(void)state;
	/* issue 9 item 3: durations that would overflow the engine are refused where written */
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    after: 99999999999d\n"
		   "    say: hi\n",
		   "shop.yaml:4:12: rules[0].after: '99999999999d' is longer than 3650 days, the "
		   "most a playbook allows");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    expires: 3651d\n"
		   "    say: hi\n",
		   "shop.yaml:4:14: rules[0].expires: '3651d' is longer than 3650 days, the most a "
		   "playbook allows");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    within: 721h\n"
		   "    say: hi\n",
		   "shop.yaml:4:13: rules[0].within: '721h' is longer than 30 days, the most a "
		   "playbook allows (write business days: 2bd)");
	expect_err("limits:\n  speed_to_lead: 31d\n" MIN_RULES,
		   "shop.yaml:2:18: limits.speed_to_lead: '31d' is longer than 30 days, the most a "
		   "playbook allows");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    after: 7x\n    say: hi\n",
		   "shop.yaml:4:12: rules[0].after: duration \"7x\": expected a number with an "
		   "optional unit s, m, h, d or w");
	expect_err("limits:\n  speed_to_lead: soon\n" MIN_RULES,
		   "shop.yaml:2:18: limits.speed_to_lead: duration \"soon\": expected a number with "
		   "an optional unit s, m, h, d or w");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    within: 2weeks\n    say: hi\n",
		   "shop.yaml:4:13: rules[0].within: '2weeks' is not business time (15m, 2h), "
		   "business days (2bd) or end_of_day");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    within: 400bd\n    say: hi\n",
		   "shop.yaml:4:13: rules[0].within: 400bd is more than 365 business days");
}

static void test_err_hours(void **state)
{
	(void)state;
	expect_err("business:\n  hours: mon-fri 9-17\n" MIN_RULES,
		   "shop.yaml:2:10: business.hours: hours \"mon-fri 9-17\": expected HH:MM-HH:MM "
		   "after the days");
	expect_err("business:\n  quiet_hours: \"20:00\"\n" MIN_RULES,
		   "shop.yaml:2:16: business.quiet_hours: quiet hours \"20:00\": expected "
		   "HH:MM-HH:MM or none");
}

static void test_err_channel(void **state)
{
	(void)state;
	expect_err("rules:\n  - trigger: new_lead\n    action: fax\n    say: hi\n",
		   "shop.yaml:3:13: rules[0].action: unknown channel 'fax' (known: call, email, "
		   "voicemail, letter, meeting, auto_email, auto_webhook)");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    action_low_value: sms\n"
		   "    say: hi\n",
		   "shop.yaml:4:23: rules[0].action_low_value: unknown channel 'sms' (known: call, "
		   "email, voicemail, letter, meeting, auto_email, auto_webhook)");
}

static void test_err_expression(void **state)
{
	(void)state;
	/* the message points at the `when` value; the column inside it comes from the parser */
	expect_err("rules:\n  - trigger: new_lead\n    when: \"nth >\"\n    action: call\n"
		   "    say: hi\n",
		   "shop.yaml:3:11: rules[0].when: column 6: expected a value after '>'");
	expect_err("rules:\n  - trigger: new_lead\n    when: colour == 'red'\n    action: call\n"
		   "    say: hi\n",
		   "shop.yaml:3:11: rules[0].when: unknown name 'colour' (known: nth, amount, "
		   "channel, days, stage, value, spend, purchases, late_payments, on_time_payments, "
		   "invoices_open, owner, tags, has_email, has_phone, clicks, overdue_days)");
}

/* issue 9 item 4: a `when` that could never be evaluated is refused at its place */
static void test_err_when_types(void **state)
{
	struct playbook pb;

	(void)state;
	expect_err("rules:\n  - trigger: new_lead\n    when: \"stage > 3\"\n    action: call\n"
		   "    say: hi\n",
		   "shop.yaml:3:11: rules[0].when: column 7: cannot compare string with number");
	expect_err("rules:\n  - trigger: new_lead\n    when: tags == 3\n    action: call\n"
		   "    say: hi\n",
		   "shop.yaml:3:11: rules[0].when: column 6: cannot compare list with number");
	expect_err("rules:\n  - trigger: new_lead\n    when: amount > 'big'\n    action: call\n"
		   "    say: hi\n",
		   "shop.yaml:3:11: rules[0].when: column 8: cannot compare number with string");
	/* money and days compare as numbers, stage as text, tags with 'in' */
	load_ok("rules:\n  - trigger: new_lead\n    when: \"value >= 1000.50 and days < 3 and "
		"stage == 'lead' and not ('vip' in tags) and has_email\"\n    action: call\n"
		"    say: hi\n", &pb);
	playbook_release(&pb);
}

static void test_err_template(void **state)
{
	(void)state;
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    say: Hi {{nickname}}\n",
		   "shop.yaml:4:10: rules[0].say: template: unknown field 'nickname' (known: "
		   "nth, amount, days, value, owner, clicks, first_name, name, company, ref, "
		   "due_date, event_date, usual_gap_days, days_since_last, check_in_date, questions, "
		   "appointment_time, business_name, their_words)");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    say: \"Hi {{first_name\"\n",
		   "shop.yaml:4:10: rules[0].say: template: column 4: unterminated '{{'");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    say: ''\n",
		   "shop.yaml:4:10: rules[0].say: empty: write what to say");
}

static void test_err_missing(void **state)
{
	(void)state;
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n  - trigger: lapsed\n",
		   "shop.yaml:2:5: rules[0].say: missing");
	expect_err("rules:\n  - trigger: new_lead\n    say: hi\n",
		   "shop.yaml:2:5: rules[0].action: missing");
	expect_err(MIN_RULES "  - action: call\n    say: hi\n",
		   "shop.yaml:5:5: rules[1].trigger: missing");
	expect_err("business:\n  name: Shop\n", "shop.yaml:1:1: rules: missing: a playbook needs "
		   "at least one rule");
	expect_err("", "shop.yaml:1:1: rules: missing: the playbook is empty");
	expect_err("# nothing but a comment\n", "shop.yaml:1:1: rules: missing: the playbook is empty");
	expect_err("rules: []\n", "shop.yaml:1:8: rules: no rules: a playbook needs at least one");
}

static void test_err_shape(void **state)
{
	(void)state;
	expect_err("- trigger: new_lead\n",
		   "shop.yaml:1:1: expected a mapping with business, limits and rules");
	expect_err("just words\n", "shop.yaml:1:1: expected a mapping with business, limits and rules");
	expect_err("business: Northwind\n" MIN_RULES,
		   "shop.yaml:1:11: business: expected a mapping of keys to values");
	expect_err("rules:\n  trigger: new_lead\n", "shop.yaml:2:3: rules: expected a list of rules");
	expect_err("rules:\n  - new_lead\n", "shop.yaml:2:5: rules[0]: expected a mapping of keys to values");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    say:\n      - hi\n",
		   "shop.yaml:5:7: rules[0].say: expected a single value, not a list");
}

static void test_err_yaml(void **state)
{
	(void)state;
	expect_err("rules:\n  - trigger: new_lead\n   action: call\n",
		   "shop.yaml:3:4: yaml: did not find expected '-' indicator");
	expect_err("rules: [\n", "shop.yaml:2:1: yaml: did not find expected node content");
	expect_err("rules: *nothing\n", "shop.yaml:1:8: yaml: found undefined alias");
	expect_err(MIN_RULES "---\n" MIN_RULES, "shop.yaml:5:1: yaml: only one document is allowed");
	expect_err("rules:\n\t- trigger: new_lead\n",
		   "shop.yaml:2:1: yaml: found character that cannot start any token");
}

/* Deep nesting is refused early: libyaml would take minutes over a megabyte of '['. */
static void test_err_deep(void **state)
{
	char *s = malloc(1024 * 1024);
	size_t i;

	(void)state;
	assert_non_null(s);
	memcpy(s, "rules: ", 7);
	for (i = 7; i < 1024 * 1024 - 1; i++)
		s[i] = '[';
	s[i] = '\0';
	/* the root mapping is level 1, so the 16th '[' is level 17 */
	expect_err(s, "shop.yaml:1:23: yaml: nested more than 16 levels deep");
	for (i = 0; i + 2 < 1024 * 1024 - 1; i += 2)
		memcpy(s + i, "- ", 2);
	s[i] = '\0';
	expect_err(s, "shop.yaml:1:33: yaml: nested more than 16 levels deep");
	free(s);
}

static void test_err_timezone(void **state)
{
	(void)state;
	expect_err("business:\n  timezone: Mars/Base\n" MIN_RULES,
		   "shop.yaml:2:13: business.timezone: time zone 'Mars/Base': unknown");
}

static void test_limits(void **state)
{
	struct buf b;
	struct fu_ctx ctx;
	struct playbook pb;
	int i;

	(void)state;
	fu_ctx_init(&ctx);
	buf_init(&b, 0);

	/* 200 rules load; 201 do not */
	assert_int_equal(buf_adds(&ctx, &b, "rules:\n"), FU_OK);
	for (i = 0; i < 200; i++)
		assert_int_equal(buf_adds(&ctx, &b, "  - {trigger: silence, action: email, say: hi}\n"),
				 FU_OK);
	load_ok(buf_cstr(&b), &pb);
	assert_int_equal(pb.nrules, 200);
	assert_int_equal(playbook_next_rule(&pb, TRIG_SILENCE, 199), 199);
	playbook_release(&pb);
	assert_int_equal(buf_adds(&ctx, &b, "  - {trigger: silence, action: email, say: hi}\n"),
			 FU_OK);
	expect_err(buf_cstr(&b), "shop.yaml:2:3: rules: 201 rules, more than 200");

	/* strings at most 4096 bytes */
	buf_reset(&b);
	assert_int_equal(buf_adds(&ctx, &b, "rules:\n  - trigger: new_lead\n    action: call\n"
				  "    say: "), FU_OK);
	for (i = 0; i < 4096; i++)
		assert_int_equal(buf_addc(&ctx, &b, 'a'), FU_OK);
	assert_int_equal(buf_adds(&ctx, &b, "\n"), FU_OK);
	load_ok(buf_cstr(&b), &pb);
	assert_int_equal(strlen(pb.rules[0].say), 4096);
	playbook_release(&pb);
	b.len--;
	assert_int_equal(buf_adds(&ctx, &b, "a\n"), FU_OK);
	expect_err(buf_cstr(&b), "shop.yaml:4:10: rules[0].say: longer than 4096 bytes");

	/* text over 1 MiB */
	buf_reset(&b);
	assert_int_equal(buf_adds(&ctx, &b, MIN_RULES), FU_OK);
	while (b.len <= 1024 * 1024)
		assert_int_equal(buf_adds(&ctx, &b, "# padding padding padding padding\n"), FU_OK);
	fu_ctx_init(&ctx);
	playbook_init(&pb);
	assert_int_equal(playbook_load_string(&ctx, "big.yaml", buf_cstr(&b), &pb), FU_EINPUT);
	assert_string_equal(ctx.msg, "big.yaml: larger than 1 MiB");
	assert_null(pb.rules);
	buf_release(&b);

	/* a NUL escaped into a string is refused */
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    say: \"a\\0b\"\n",
		   "shop.yaml:4:10: rules[0].say: contains a NUL byte");
}

static void test_file(void **state)
{
	char path[] = "/tmp/test-playbook-XXXXXX";
	struct playbook pb;
	struct fu_ctx ctx;
	size_t len = strlen(full_yaml);
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(full_yaml, 1, len, f), len);
	assert_int_equal(fclose(f), 0);

	fu_ctx_init(&ctx);
	assert_int_equal(playbook_load_file(&ctx, path, &pb), FU_OK);
	assert_string_equal(pb.name, path);
	assert_string_equal(pb.source, full_yaml);
	assert_int_equal(pb.nrules, 3);
	playbook_release(&pb);

	/* errors name the file */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("rules:\n  - trigger: buy\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(playbook_load_file(&ctx, path, &pb), FU_EINPUT);
	assert_true(strncmp(ctx.msg, path, strlen(path)) == 0);
	assert_non_null(strstr(ctx.msg, ":2:14: rules[0].trigger: unknown trigger 'buy'"));
	assert_null(pb.rules);

	/* a NUL byte in the file */
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(MIN_RULES "\0", 1, sizeof(MIN_RULES), f), sizeof(MIN_RULES));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(playbook_load_file(&ctx, path, &pb), FU_EINPUT);
	assert_non_null(strstr(ctx.msg, ": contains a NUL byte"));

	assert_int_equal(unlink(path), 0);
	assert_int_equal(playbook_load_file(&ctx, path, &pb), FU_ENOTFOUND);
	assert_non_null(strstr(ctx.msg, "No such file"));
	assert_null(pb.name);
}

/* A failed load after a good one leaves nothing behind (LeakSanitizer checks the rest). */
static void test_release_on_failure(void **state)
{
	struct playbook pb;
	struct fu_ctx ctx;

	(void)state;
	load_ok(full_yaml, &pb);
	playbook_release(&pb);
	assert_null(pb.business_name);
	fu_ctx_init(&ctx);
	/* fails on the last rule, after expressions and strings of earlier rules were allocated */
	assert_int_equal(playbook_load_string(&ctx, "x.yaml",
					      "business:\n  name: Shop\n  timezone: Europe/Berlin\n"
					      "rules:\n"
					      "  - {name: a, trigger: lapsed, when: nth > 1, action: call, say: a}\n"
					      "  - {name: b, trigger: lapsed, when: nth > 2, action: call, say: b}\n"
					      "  - {name: c, trigger: lapsed, when: nth >, action: call, say: c}\n",
					      &pb),
			 FU_EINPUT);
	assert_string_equal(ctx.msg, "x.yaml:7:38: rules[2].when: column 6: expected a value after '>'");
	assert_null(pb.rules);
	assert_null(pb.default_tz);
	playbook_release(&pb);
}

struct warnings {
	int n;
	char first[512];
};

static void keep_warning(void *arg, const char *msg)
{
	struct warnings *w = arg;

	if (w->n++ == 0)
		snprintf(w->first, sizeof(w->first), "%s", msg);
}

/* check warns about a field that can be empty and has no fallback, and only then */
static void test_warnings_empty_fields(void **state)
{
	struct playbook pb;
	struct warnings w = { 0, "" };
	struct fu_ctx ctx;

	(void)state;
	load_ok("rules:\n  - trigger: new_lead\n    action: call\n"
		"    say: Hi {{first_name}} at {{company|your company}}, {{days}} days\n",
		&pb);
	assert_int_equal(playbook_warnings(&pb, keep_warning, &w), 1);
	assert_string_equal(w.first,
			    "shop.yaml:4:10: rules[0].say: field 'first_name' can be empty for "
			    "new_lead and has no fallback: it would be left out (write "
			    "{{first_name|...}})");
	playbook_release(&pb);
	/* never empty for its trigger: an overdue invoice always has its amount */
	w.n = 0;
	load_ok("rules:\n  - trigger: invoice_overdue\n    action: email\n    say: '{{amount}}'\n",
		&pb);
	assert_int_equal(playbook_warnings(&pb, keep_warning, &w), 0);
	playbook_release(&pb);
	/* the built-in playbook gives every such field a fallback */
	fu_ctx_init(&ctx);
	assert_int_equal(playbook_load_default(&ctx, &pb), FU_OK);
	assert_int_equal(playbook_warnings(&pb, keep_warning, &w), 0);
	playbook_release(&pb);
}

/* a rule's subject: a one-line template checked against the field table like say */
static void test_subject(void **state)
{
	struct playbook pb;
	struct warnings w = { 0, "" };
	char longer[400];

	(void)state;
	load_ok("rules:\n  - trigger: new_lead\n    action: auto_email\n    say: Hi\n"
		"    subject: 'Welcome, {{first_name|friend}}'\n",
		&pb);
	assert_string_equal(pb.rules[0].subject, "Welcome, {{first_name|friend}}");
	assert_int_equal(playbook_warnings(&pb, keep_warning, &w), 0);
	playbook_release(&pb);
	load_ok(MIN_RULES, &pb);
	assert_null(pb.rules[0].subject); /* none: the trigger's own subject */
	playbook_release(&pb);
	load_ok("rules:\n  - trigger: new_lead\n    action: auto_email\n    say: Hi\n"
		"    subject: 'For {{first_name}}'\n",
		&pb);
	assert_int_equal(playbook_warnings(&pb, keep_warning, &w), 1);
	assert_string_equal(w.first,
			    "shop.yaml:5:14: rules[0].subject: field 'first_name' can be empty for "
			    "new_lead and has no fallback: it would be left out (write "
			    "{{first_name|...}})");
	playbook_release(&pb);
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    say: Hi\n"
		   "    subject: 'For {{nickname}}'\n",
		   "shop.yaml:5:14: rules[0].subject: template: unknown field 'nickname' (known: "
		   "nth, amount, days, value, owner, clicks, first_name, name, company, ref, "
		   "due_date, event_date, usual_gap_days, days_since_last, check_in_date, questions, "
		   "appointment_time, business_name, their_words)");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    say: Hi\n"
		   "    subject: \"two\\nlines\"\n",
		   "shop.yaml:5:14: rules[0].subject: more than one line");
	expect_err("rules:\n  - trigger: new_lead\n    action: call\n    say: Hi\n"
		   "    subject: ''\n",
		   "shop.yaml:5:14: rules[0].subject: empty: write a subject or leave the key out");
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = 0;
	{
		char yaml[1024];

		snprintf(yaml, sizeof(yaml),
			 "rules:\n  - trigger: new_lead\n    action: call\n    say: Hi\n"
			 "    subject: %s\n", longer);
		expect_err(yaml, "shop.yaml:5:14: rules[0].subject: longer than 200 bytes");
	}
}

/* A stored playbook: a rule that no longer passes is left out with its message; none left fails. */
static void test_load_stored(void **state)
{
	const char *yaml = "rules:\n"
			   "  - trigger: new_lead\n    action: call\n    say: Hi\n"
			   "  - trigger: new_lead\n    when: shoe_size > 3\n    action: call\n    say: Hi\n"
			   "  - trigger: info_request\n    action: email\n    say: Here\n";
	struct playbook pb;
	struct fu_ctx ctx;

	(void)state;
	fu_ctx_init(&ctx);
	assert_int_equal(playbook_load_string(&ctx, "kept", yaml, &pb), FU_EINPUT);
	fu_ctx_init(&ctx);
	assert_int_equal(playbook_load_stored(&ctx, "kept", yaml, &pb), FU_OK);
	assert_int_equal(ctx.rc, FU_OK);
	assert_int_equal(pb.nrules, 2);
	assert_int_equal(pb.nskipped, 1);
	if (!strstr(pb.skipped[0], "kept:6:11: rules[1].when:"))
		fail_msg("skipped rule message: %s", pb.skipped[0]);
	assert_string_equal(pb.rules[1].say, "Here");
	playbook_release(&pb);
	fu_ctx_init(&ctx);
	assert_int_equal(playbook_load_stored(&ctx, "kept",
					      "rules:\n  - trigger: new_lead\n    when: shoe_size > 3\n"
					      "    action: call\n    say: Hi\n", &pb), FU_EINPUT);
	assert_non_null(strstr(ctx.msg, "no rule passes the check"));
	assert_int_equal(pb.nrules, 0);
	assert_null(pb.skipped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_init_release),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_next_rule),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_money),
		cmocka_unit_test(test_err_unknown_trigger),
		cmocka_unit_test(test_warnings_empty_fields),
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_err_unknown_key),
		cmocka_unit_test(test_err_numbers),
		cmocka_unit_test(test_err_duration),
		cmocka_unit_test(test_err_hours),
		cmocka_unit_test(test_err_channel),
		cmocka_unit_test(test_err_expression),
		cmocka_unit_test(test_err_template),
		cmocka_unit_test(test_err_when_types),
		cmocka_unit_test(test_err_missing),
		cmocka_unit_test(test_err_shape),
		cmocka_unit_test(test_err_yaml),
		cmocka_unit_test(test_err_deep),
		cmocka_unit_test(test_err_timezone),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_release_on_failure),
		cmocka_unit_test(test_load_stored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
