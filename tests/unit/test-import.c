/* test-import.c - unit tests for CSV and JSON Lines import into a store (src/import.c) */
#include "import.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "csv.h"
#include "datetime.h"
#include "derive.h"
#include "store.h"

#include "banned.h"

#define NOW ((int64_t)1780000000)

/* One test's private directory and database. */
struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	struct fu_ctx ctx;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fu-test-import-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/t.db", fx->dir);
	fu_ctx_init(&fx->ctx);
	if (store_open(&fx->ctx, fx->path, STORE_OPEN_CREATE, &fx->s) != FU_OK) {
		print_error("store_open: %s\n", fx->ctx.msg);
		rmdir(fx->dir);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[160];
	int rc = 0;

	store_close(fx->s);
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
		unlink(p);
	}
	if (rmdir(fx->dir) != 0) {
		print_error("could not remove %s\n", fx->dir);
		rc = -1;
	}
	free(fx);
	return rc;
}

#define OK(fx, call)                                                                      \
	do {                                                                              \
		int ok_rc_ = (call);                                                      \
		if (ok_rc_)                                                               \
			print_error("%s: %s\n", #call, (fx)->ctx.msg);                    \
		assert_int_equal(ok_rc_, FU_OK);                                          \
	} while (0)

/* Imports data[0..n) (as a stream called name) with o; r must be import_result_init()ed. */
static int import_bytes(struct fixture *fx, const char *name, const char *data, size_t n,
			const struct import_opts *o, struct import_result *r)
{
	FILE *f = fmemopen((void *)data, n, "r");
	int rc;

	assert_non_null(f);
	fu_ctx_init(&fx->ctx);
	rc = import_stream(&fx->ctx, fx->s, f, name, o, r);
	fclose(f);
	return rc;
}

/* Imports text (as a stream called name) with o; r must be import_result_init()ed. */
static int import_text(struct fixture *fx, const char *name, const char *text,
		       const struct import_opts *o, struct import_result *r)
{
	return import_bytes(fx, name, text, strlen(text), o, r);
}

/* Imports text that must import cleanly; returns nothing, r holds the counts. */
static void import_ok(struct fixture *fx, const char *name, const char *text,
		      const struct import_opts *o, struct import_result *r)
{
	OK(fx, import_text(fx, name, text, o, r));
}

static void events_opts(struct import_opts *o)
{
	import_opts_init(o);
	o->kind = IMPORT_EVENTS;
	o->now = NOW;
}

static int64_t at(const char *iso)
{
	struct fu_ctx ctx;
	int64_t t = 0;

	fu_ctx_init(&ctx);
	if (dt_parse_iso(&ctx, iso, 0, &t) != FU_OK)
		fail_msg("bad test time %s: %s", iso, ctx.msg);
	return t;
}

static int dump_event(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	char amount[32] = "-", when[32], due[32] = "-";

	if (e->has_amount)
		amount_format(e->amount, amount, sizeof(amount));
	dt_format_iso(e->time, when, sizeof(when));
	if (e->due != FU_TIME_NONE)
		dt_format_date(e->due, due, sizeof(due));
	return buf_addf(ctx, arg, "%lld %s %s %s %s %s %s %s %s %s\n", (long long)e->contact_id,
			e->ext_id ? e->ext_id : "-", event_type_name(e->type), when, amount,
			e->ref ? e->ref : "-", due, e->channel ? e->channel : "-",
			e->outcome ? e->outcome : "-", e->note ? e->note : "-");
}

static int dump_contact(struct fu_ctx *ctx, void *arg, const struct contact *c,
			const struct contact_state *st)
{
	return buf_addf(ctx, arg,
			"%lld %s name=%s email=%s owner=%s tz=%s attrs=%s | ev=%lld pu=%lld "
			"days=%lld spend=%lld inv=%lld open=%lld/%lld pay=%lld ontime=%lld "
			"late=%lld last_in=%lld last_out=%lld two_way=%lld oo=%d dnc=%d\n",
			(long long)c->id, c->key, c->name ? c->name : "-",
			c->email ? c->email : "-", c->owner ? c->owner : "-", c->tz ? c->tz : "-",
			c->attrs ? c->attrs : "-", (long long)st->events, (long long)st->purchases,
			(long long)st->purchase_days, (long long)st->spend, (long long)st->invoices,
			(long long)st->invoices_open, (long long)st->open_amount,
			(long long)st->payments, (long long)st->paid_on_time,
			(long long)st->paid_late, (long long)st->last_touch_in,
			(long long)st->last_touch_out, (long long)st->last_two_way,
			st->opted_out_email, st->do_not_contact);
}

/* Everything in the store as text: events, contacts and their states. */
static char *snapshot(struct fixture *fx)
{
	struct buf b;
	int64_t n;

	buf_init(&b, 0);
	OK(fx, store_count_contacts(&fx->ctx, fx->s, &n));
	assert_int_equal(buf_addf(&fx->ctx, &b, "contacts %lld\n", (long long)n), FU_OK);
	OK(fx, store_events_scan(&fx->ctx, fx->s, dump_event, &b));
	OK(fx, store_contacts_list(&fx->ctx, fx->s, NULL, dump_contact, &b));
	return buf_detach(&b);
}

static void get_state(struct fixture *fx, const char *key, struct contact_state *st)
{
	struct contact c;

	contact_init(&c);
	OK(fx, store_contact_get(&fx->ctx, fx->s, key, &c));
	OK(fx, store_state_get(&fx->ctx, fx->s, c.id, st));
	contact_release(&c);
}

static char *events_text(struct fixture *fx)
{
	struct buf b;

	buf_init(&b, 0);
	OK(fx, store_events_scan(&fx->ctx, fx->s, dump_event, &b));
	return buf_detach(&b);
}

static int64_t count_events(struct fixture *fx)
{
	int64_t counts[EV__COUNT], n = 0;

	OK(fx, store_count_events(&fx->ctx, fx->s, counts));
	for (int i = 0; i < EV__COUNT; i++)
		n += counts[i];
	return n;
}

static const char events_csv[] =
	"id,type,contact,time,amount,ref,due,channel,outcome,note\n"
	"E1,lead,C1,2026-01-05T14:00:00Z,,,,web_form,,asked about bulk pricing\n"
	"E2,touch,C1,2026-01-05T14:10:00Z,,,,call,reached,\n"
	"E3,purchase,C1,2026-01-20T15:00:00Z,\"1,200.00\",O-1,,,,\n"
	"E4,invoice,C1,2026-01-20T15:05:00Z,1200.00,INV-1,2026-02-19,,,\n"
	"E5,payment,C1,2026-02-19T10:00:00Z,1200,INV-1,,,,\"paid, \"\"finally\"\"\"\n"
	"E6,info_request,C2,2026-02-01T09:30:00+01:00,,,,email,,\n";

/* ---- happy paths ---- */

static void test_csv_happy_path(void **state)
{
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;
	struct contact_state st;
	char *text;

	events_opts(&o);
	import_result_init(&r);
	import_ok(fx, "events.csv", events_csv, &o, &r);
	assert_int_equal(r.rows, 6);
	assert_int_equal(r.stored, 6);
	assert_int_equal(r.contacts_new, 2);
	assert_int_equal(r.duplicates, 0);
	assert_int_equal(r.bad, 0);
	assert_string_equal(buf_cstr(&r.bad_list), "");
	assert_string_equal(buf_cstr(&r.ignored), "");
	import_result_release(&r);

	text = events_text(fx);
	assert_string_equal(text,
			    "1 E1 lead 2026-01-05T14:00:00Z - - - web_form - asked about bulk pricing\n"
			    "1 E2 touch 2026-01-05T14:10:00Z - - - call reached -\n"
			    "1 E3 purchase 2026-01-20T15:00:00Z 1200.00 O-1 - - - -\n"
			    "1 E4 invoice 2026-01-20T15:05:00Z 1200.00 INV-1 2026-02-19 - - -\n"
			    "1 E5 payment 2026-02-19T10:00:00Z 1200.00 INV-1 - - - paid, \"finally\"\n"
			    "2 E6 info_request 2026-02-01T08:30:00Z - - - email - -\n");
	free(text);

	get_state(fx, "C1", &st);
	assert_int_equal(st.events, 5);
	assert_true(st.lead_at == at("2026-01-05T14:00:00Z"));
	assert_int_equal(st.purchases, 1);
	assert_int_equal(st.purchase_days, 1);
	assert_int_equal(st.spend, 120000);
	assert_int_equal(st.invoices, 1);
	assert_int_equal(st.invoices_open, 0);
	assert_int_equal(st.open_amount, 0);
	assert_int_equal(st.payments, 1);
	assert_int_equal(st.paid_on_time, 1);
	assert_int_equal(st.paid_late, 0);
	assert_true(st.last_touch_out == at("2026-01-05T14:10:00Z"));
	assert_true(st.last_two_way == at("2026-02-19T10:00:00Z"));
	get_state(fx, "C2", &st);
	assert_int_equal(st.events, 1);
	assert_true(st.last_touch_in == at("2026-02-01T08:30:00Z"));
	assert_true(st.last_two_way == FU_TIME_NONE);

	/* the same file again: all duplicates, nothing new */
	import_result_init(&r);
	import_ok(fx, "events.csv", events_csv, &o, &r);
	assert_int_equal(r.rows, 6);
	assert_int_equal(r.stored, 0);
	assert_int_equal(r.duplicates, 6);
	assert_int_equal(r.contacts_new, 0);
	import_result_release(&r);
	assert_int_equal(count_events(fx), 6);
	get_state(fx, "C1", &st);
	assert_int_equal(st.events, 5);
	assert_int_equal(st.paid_on_time, 1);
}

static void test_duplicates_in_one_file(void **state)
{
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;
	struct contact_state st;

	events_opts(&o);
	import_result_init(&r);
	import_ok(fx, "d.csv",
		  "id,type,contact,time,amount,extra\n"
		  "P1,purchase,C1,2026-01-05T10:00:00Z,10,x\n"
		  "P1,purchase,C1,2026-01-05T10:00:00Z,10,y\n"
		  ",purchase,C1,2026-01-07T10:00:00Z,1,z\n"
		  ",purchase,C1,2026-01-07T10:00:00Z,1,z\n",
		  &o, &r);
	assert_int_equal(r.rows, 4);
	assert_int_equal(r.stored, 3);
	assert_int_equal(r.duplicates, 1);
	assert_int_equal(r.contacts_new, 1);
	assert_string_equal(buf_cstr(&r.ignored), "extra");
	import_result_release(&r);
	get_state(fx, "C1", &st);
	assert_int_equal(st.purchases, 3);
	assert_int_equal(st.purchase_days, 2);
	assert_int_equal(st.spend, 1200);
}

/* ---- bad rows: all or nothing ---- */

static const char base_csv[] =
	"id,type,contact,time,amount,ref,due,channel,outcome\n"
	"B1,purchase,OLD,2026-01-01T10:00:00Z,5,,,,\n";

static void check_bad_csv(struct fixture *fx, const char *bad_row, const char *want)
{
	struct import_opts o;
	struct import_result r;
	struct buf text;
	char *before, *after;
	int rc;

	events_opts(&o);
	import_result_init(&r);
	import_ok(fx, "base.csv", base_csv, &o, &r);
	import_result_release(&r);
	before = snapshot(fx);

	buf_init(&text, 0);
	assert_int_equal(buf_addf(&fx->ctx, &text,
				  "id,type,contact,time,amount,ref,due,channel,outcome\n"
				  "N1,lead,NEW,2026-02-01T10:00:00Z,,,,,\n"
				  "%s\n"
				  "N3,purchase,OLD,2026-02-03T10:00:00Z,7,,,,\n",
				  bad_row),
			 FU_OK);
	import_result_init(&r);
	rc = import_text(fx, "t.csv", buf_cstr(&text), &o, &r);
	assert_int_equal(rc, FU_EINPUT);
	assert_int_equal(fx->ctx.rc, FU_EINPUT);
	assert_string_equal(fx->ctx.msg, want);
	assert_int_equal(r.stored, 0);
	assert_int_equal(r.contacts_new, 0);
	assert_int_equal(r.duplicates, 0);
	import_result_release(&r);
	buf_release(&text);

	after = snapshot(fx);
	assert_string_equal(after, before);
	free(before);
	free(after);
	assert_int_equal(count_events(fx), 1);
}

static void test_bad_time(void **state)
{
	check_bad_csv(*state, "N2,purchase,NEW,2026-13-01T10:00:00Z,1,,,,",
		      "t.csv:3:17: field 'time': \"2026-13-01T10:00:00Z\": month 13 out of range");
}

static void test_bad_time_no_zone(void **state)
{
	check_bad_csv(*state, "N2,purchase,NEW,2026-02-02T10:00:00,1,,,,",
		      "t.csv:3:17: field 'time': \"2026-02-02T10:00:00\": missing zone (add Z "
		      "or an offset)");
}

static void test_bad_type(void **state)
{
	check_bad_csv(*state, "N2,buy,NEW,2026-02-02T10:00:00Z,1,,,,",
		      "t.csv:3:4: field 'type': unknown type 'buy'");
}

static void test_bad_amount(void **state)
{
	check_bad_csv(*state, "N2,purchase,NEW,2026-02-02T10:00:00Z,12x,,,,",
		      "t.csv:3:38: field 'amount': \"12x\": not a number");
	check_bad_csv(*state, "N2,purchase,NEW,2026-02-02T10:00:00Z,1.234,,,,",
		      "t.csv:3:38: field 'amount': \"1.234\": more than two decimal places");
}

static void test_bad_outcome(void **state)
{
	check_bad_csv(*state, "N2,purchase,NEW,2026-02-02T10:00:00Z,1,,,,reached",
		      "t.csv:3:43: field 'outcome': only a touch has an outcome");
	check_bad_csv(*state, "N2,touch,NEW,2026-02-02T10:00:00Z,,,,call,maybe",
		      "t.csv:3:43: field 'outcome': 'maybe' is not one of reached, voicemail, "
		      "no-answer, not-yet, won, no, opted-out, snoozed");
}

static void test_bad_due(void **state)
{
	check_bad_csv(*state, "N2,purchase,NEW,2026-02-02T10:00:00Z,1,,2026-03-01,,",
		      "t.csv:3:41: field 'due': only an invoice or a touch has a due date");
	check_bad_csv(*state, "N2,invoice,NEW,2026-02-02T10:00:00Z,1,I-1,2026-02-30,,",
		      "t.csv:3:43: field 'due': \"2026-02-30\": day 30 out of range for "
		      "2026-02");
}

static void test_bad_missing(void **state)
{
	check_bad_csv(*state, "N2,purchase,,2026-02-02T10:00:00Z,1,,,,",
		      "t.csv:3:13: field 'contact': missing");
	check_bad_csv(*state, "N2,purchase,NEW,,1,,,,", "t.csv:3:17: field 'time': missing");
}

static void test_skip_bad(void **state)
{
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;
	struct contact_state st;

	events_opts(&o);
	o.skip_bad = 1;
	import_result_init(&r);
	import_ok(fx, "t.csv",
		  "type,contact,time,amount\n"
		  "purchase,C1,2026-01-05T10:00:00Z,10\n"
		  "buy,C1,2026-01-06T10:00:00Z,10\n"
		  "purchase,C2,2026-01-07T10:00:00Z,10\n"
		  "\n"
		  "purchase,C3,2026-01-08T10:00:00Z,ten\n"
		  "purchase,C1,2026-01-09T10:00:00Z,2.50\n",
		  &o, &r);
	assert_int_equal(r.rows, 5);
	assert_int_equal(r.stored, 3);
	assert_int_equal(r.bad, 2);
	/* C3 was never created: its row was bad before the contact was looked up */
	assert_int_equal(r.contacts_new, 2);
	assert_string_equal(buf_cstr(&r.bad_list),
			    "t.csv:3:1: field 'type': unknown type 'buy'\n"
			    "t.csv:6:34: field 'amount': \"ten\": not a number\n");
	assert_int_equal(fx->ctx.rc, FU_OK);
	import_result_release(&r);
	get_state(fx, "C1", &st);
	assert_int_equal(st.purchases, 2);
	assert_int_equal(st.spend, 1250);
	{
		struct contact c;

		contact_init(&c);
		assert_int_equal(store_contact_get(&fx->ctx, fx->s, "C3", &c), FU_ENOTFOUND);
	}
}

/* ---- mapping, formats, separators ---- */

static void test_map_by_name(void **state)
{
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;
	char *text;

	events_opts(&o);
	o.map = "contact=Customer, time=When,amount=Total , ref=Order";
	o.fixed_type = "purchase";
	o.sep = ';';
	import_result_init(&r);
	import_ok(fx, "shop.csv",
		  "Order;When;Customer;Total;Comment\n"
		  "A1;2026-02-03T09:00:00Z;K-1;19,90;first\n"
		  "A2;2026-02-04T09:00:00Z;K-2;5,00;\n",
		  &o, &r);
	assert_int_equal(r.rows, 2);
	assert_int_equal(r.stored, 2);
	assert_int_equal(r.contacts_new, 2);
	assert_string_equal(buf_cstr(&r.ignored), "Comment");
	import_result_release(&r);
	text = events_text(fx);
	assert_string_equal(text, "1 - purchase 2026-02-03T09:00:00Z 19.90 A1 - - - -\n"
				  "2 - purchase 2026-02-04T09:00:00Z 5.00 A2 - - - -\n");
	free(text);

	/* messages name the file's own column */
	import_result_init(&r);
	assert_int_equal(import_text(fx, "shop.csv",
				     "Order;When;Customer;Total\n"
				     "A3;2026-02-05T09:00:00Z;K-1;lots\n",
				     &o, &r),
			 FU_EINPUT);
	assert_string_equal(fx->ctx.msg,
			    "shop.csv:2:29: field 'amount': \"lots\": not a number");
	import_result_release(&r);

	/* a mapped column that is not in the header */
	o.map = "contact=Client,time=When";
	import_result_init(&r);
	assert_int_equal(import_text(fx, "shop.csv", "Order;When;Customer\nA;B;C\n", &o, &r),
			 FU_EINPUT);
	assert_string_equal(fx->ctx.msg,
			    "shop.csv:1: no column 'Client' in the header (mapped to 'contact')");
	import_result_release(&r);
	assert_int_equal(count_events(fx), 2);
}

static void test_map_by_position(void **state)
{
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;
	char *text;

	events_opts(&o);
	o.header = 0;
	o.map = "time=1,contact=3,type=2,amount=4";
	import_result_init(&r);
	import_ok(fx, "p.csv",
		  "2026-03-01T08:00:00Z,purchase,P1,3.5\n"
		  "2026-03-02T08:00:00Z,lead,P2\n",
		  &o, &r);
	assert_int_equal(r.rows, 2);
	assert_int_equal(r.stored, 2);
	assert_int_equal(r.contacts_new, 2);
	import_result_release(&r);
	text = events_text(fx);
	assert_string_equal(text, "1 - purchase 2026-03-01T08:00:00Z 3.50 - - - - -\n"
				  "2 - lead 2026-03-02T08:00:00Z - - - - - -\n");
	free(text);

	/* without a header, messages give the position */
	import_result_init(&r);
	assert_int_equal(import_text(fx, "p.csv", "2026-03-03T08:00:00Z,sale,P1,1\n", &o, &r),
			 FU_EINPUT);
	assert_string_equal(fx->ctx.msg, "p.csv:1:22: field 'type': unknown type 'sale'");
	import_result_release(&r);

	/* names need a header */
	o.map = "time=When,contact=3,type=2";
	import_result_init(&r);
	assert_int_equal(import_text(fx, "p.csv", "x,purchase,P1\n", &o, &r), FU_EINPUT);
	assert_string_equal(fx->ctx.msg,
			    "p.csv: field 'time' mapped to column 'When', but the file has no "
			    "header; give a position (time=1)");
	import_result_release(&r);

	/* an unknown field */
	o.map = "when=1";
	import_result_init(&r);
	assert_int_equal(import_text(fx, "p.csv", "x\n", &o, &r), FU_EINPUT);
	assert_string_equal(fx->ctx.msg,
			    "--map: unknown field 'when' (known: id, type, contact, time, amount, "
			    "ref, due, channel, outcome, note)");
	import_result_release(&r);
	assert_int_equal(count_events(fx), 2);
}

static void test_fixed_type_and_date_format(void **state)
{
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;
	char *text;

	events_opts(&o);
	o.fixed_type = "invoice";
	o.date_format = "%Y%m%d";
	import_result_init(&r);
	import_ok(fx, "inv.csv",
		  "contact,time,due,ref,amount\n"
		  "C1,20260105,20260204,I-1,100\n"
		  "C1,20260301,20260331,I-2,50.5\n",
		  &o, &r);
	assert_int_equal(r.stored, 2);
	import_result_release(&r);
	text = events_text(fx);
	assert_string_equal(text, "1 - invoice 2026-01-05T00:00:00Z 100.00 I-1 2026-02-04 - - -\n"
				  "1 - invoice 2026-03-01T00:00:00Z 50.50 I-2 2026-03-31 - - -\n");
	free(text);
	{
		struct contact_state st;

		get_state(fx, "C1", &st);
		assert_int_equal(st.invoices, 2);
		assert_int_equal(st.invoices_open, 2);
		assert_int_equal(st.open_amount, 15050);
	}

	/* a date in another form does not match */
	import_result_init(&r);
	assert_int_equal(import_text(fx, "inv.csv", "contact,time\nC1,2026-01-05\n", &o, &r),
			 FU_EINPUT);
	assert_string_equal(fx->ctx.msg, "inv.csv:2:4: field 'time': \"2026-01-05\": does "
					 "not match format \"%Y%m%d\"");
	import_result_release(&r);

	/* a bad fixed type or format is refused before reading */
	o.fixed_type = "sale";
	import_result_init(&r);
	assert_int_equal(import_text(fx, "inv.csv", "contact,time\n", &o, &r), FU_EINPUT);
	assert_string_equal(fx->ctx.msg, "--type: unknown type 'sale'");
	import_result_release(&r);
	o.fixed_type = "invoice";
	o.date_format = "%Q";
	import_result_init(&r);
	assert_int_equal(import_text(fx, "inv.csv", "contact,time\n", &o, &r), FU_EINPUT);
	assert_true(strncmp(fx->ctx.msg, "--date-format: format \"%Q\": ", 27) == 0);
	import_result_release(&r);

	/* without a type column or fixed type */
	events_opts(&o);
	import_result_init(&r);
	assert_int_equal(import_text(fx, "x.csv", "contact,time\nC1,2026-01-05T00:00:00Z\n", &o,
				     &r),
			 FU_EINPUT);
	assert_string_equal(fx->ctx.msg,
			    "x.csv: no 'type' column (use --type TYPE or --map type=COLUMN)");
	import_result_release(&r);
	assert_int_equal(count_events(fx), 2);
}

static void test_whitespace_separator(void **state)
{
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;
	char *text;

	events_opts(&o);
	o.sep = CSV_SEP_WHITESPACE;
	import_result_init(&r);
	import_ok(fx, "w.txt",
		  "  contact   time\t\ttype    amount\n"
		  "W1 2026-04-01T10:00:00Z purchase 12\n"
		  "\tW2\t2026-04-02T10:00:00Z   lead\n",
		  &o, &r);
	assert_int_equal(r.rows, 2);
	assert_int_equal(r.stored, 2);
	assert_int_equal(r.contacts_new, 2);
	import_result_release(&r);
	text = events_text(fx);
	assert_string_equal(text, "1 - purchase 2026-04-01T10:00:00Z 12.00 - - - - -\n"
				  "2 - lead 2026-04-02T10:00:00Z - - - - - -\n");
	free(text);
}

/* ---- contacts ---- */

static void test_contacts_import(void **state)
{
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;
	struct contact c;
	char *before, *after;

	import_opts_init(&o);
	o.kind = IMPORT_CONTACTS;
	import_result_init(&r);
	import_ok(fx, "c.csv",
		  "key,name,email,tz,plan,region,\n"
		  "C1,Ann Lee,ann@example.com,Europe/Berlin,gold,north,\n"
		  "C2,Bo,,,,south,\n",
		  &o, &r);
	assert_int_equal(r.rows, 2);
	assert_int_equal(r.stored, 2);
	assert_int_equal(r.contacts_new, 2);
	import_result_release(&r);

	contact_init(&c);
	OK(fx, store_contact_get(&fx->ctx, fx->s, "C1", &c));
	assert_string_equal(c.name, "Ann Lee");
	assert_string_equal(c.email, "ann@example.com");
	assert_string_equal(c.tz, "Europe/Berlin");
	assert_string_equal(c.attrs, "{\"plan\":\"gold\",\"region\":\"north\"}");
	contact_release(&c);
	OK(fx, store_contact_get(&fx->ctx, fx->s, "C2", &c));
	assert_null(c.email);
	assert_null(c.tz);
	assert_string_equal(c.attrs, "{\"region\":\"south\"}");
	contact_release(&c);

	/* a second import updates, merges attrs, creates nothing */
	import_result_init(&r);
	import_ok(fx, "c2.csv", "key,phone,plan\nC1,+49 30 1,silver\n", &o, &r);
	assert_int_equal(r.stored, 1);
	assert_int_equal(r.contacts_new, 0);
	import_result_release(&r);
	OK(fx, store_contact_get(&fx->ctx, fx->s, "C1", &c));
	assert_string_equal(c.name, "Ann Lee");
	assert_string_equal(c.phone, "+49 30 1");
	assert_string_equal(c.attrs, "{\"plan\":\"silver\",\"region\":\"north\"}");
	contact_release(&c);

	/* an unknown zone is a bad value in its row; nothing changes */
	before = snapshot(fx);
	import_result_init(&r);
	assert_int_equal(import_text(fx, "c3.csv",
				     "key,name,tz\nC3,New,UTC\nC1,Ann,Mars/Base\n", &o, &r),
			 FU_EINPUT);
	assert_string_equal(fx->ctx.msg, "c3.csv:3:8: field 'tz': time zone 'Mars/Base': unknown");
	assert_int_equal(r.contacts_new, 0);
	import_result_release(&r);
	/* and a bad e-mail address */
	import_result_init(&r);
	assert_int_equal(import_text(fx, "c4.csv", "key,email\nC1,not-an-address\n", &o, &r),
			 FU_EINPUT);
	assert_string_equal(fx->ctx.msg,
			    "c4.csv:2:4: field 'email': 'not-an-address' is not an e-mail address");
	import_result_release(&r);
	after = snapshot(fx);
	assert_string_equal(after, before);
	free(before);
	free(after);
}

/* ---- JSON Lines ---- */

static void test_jsonl(void **state)
{
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;
	struct contact_state st;
	char *text;

	events_opts(&o);
	import_result_init(&r);
	import_ok(fx, "e.jsonl",
		  "{\"id\":\"J1\",\"type\":\"purchase\",\"contact\":\"C1\","
		  "\"time\":\"2026-01-05T10:00:00Z\",\"amount\":12.5}\n"
		  "\n"
		  "{\"id\":\"J2\",\"type\":\"purchase\",\"contact\":\"C1\","
		  "\"time\":\"2026-01-06T10:00:00Z\",\"amount\":7,\"ref\":null,\"note\":null,"
		  "\"other\":[1,2]}\n"
		  "{\"id\":\"J3\",\"type\":\"invoice\",\"contact\":\"C2\","
		  "\"time\":\"2026-01-06T10:00:00Z\",\"amount\":\"19,90\",\"due\":null}\n",
		  &o, &r);
	assert_int_equal(r.rows, 3);
	assert_int_equal(r.stored, 3);
	assert_int_equal(r.contacts_new, 2);
	import_result_release(&r);
	text = events_text(fx);
	assert_string_equal(text, "1 J1 purchase 2026-01-05T10:00:00Z 12.50 - - - - -\n"
				  "1 J2 purchase 2026-01-06T10:00:00Z 7.00 - - - - -\n"
				  "2 J3 invoice 2026-01-06T10:00:00Z 19.90 - - - - -\n");
	free(text);
	get_state(fx, "C1", &st);
	assert_int_equal(st.spend, 1950);
	assert_int_equal(st.purchase_days, 2);
}

/*
 * Imports a good line and then line2, which must fail with the message want; a want
 * ending in '*' is a prefix (the rest comes from jansson and varies by its version).
 */
static void check_bad_jsonl(struct fixture *fx, const char *line2, const char *want)
{
	size_t n = strlen(want);
	struct import_opts o;
	struct import_result r;
	struct buf text;
	char *before, *after;

	events_opts(&o);
	o.format = IMPORT_JSONL;
	before = snapshot(fx);
	buf_init(&text, 0);
	assert_int_equal(buf_addf(&fx->ctx, &text,
				  "{\"type\":\"lead\",\"contact\":\"N\",\"time\":\"2026-01-01T00:00:00Z\"}\n"
				  "%s\n",
				  line2),
			 FU_OK);
	import_result_init(&r);
	assert_int_equal(import_text(fx, "in", buf_cstr(&text), &o, &r), FU_EINPUT);
	if (n && want[n - 1] == '*') {
		if (strncmp(fx->ctx.msg, want, n - 1) != 0)
			fail_msg("\"%s\" does not start with \"%.*s\"", fx->ctx.msg, (int)n - 1,
				 want);
	} else {
		assert_string_equal(fx->ctx.msg, want);
	}
	assert_int_equal(r.stored, 0);
	import_result_release(&r);
	buf_release(&text);
	after = snapshot(fx);
	assert_string_equal(after, before);
	free(before);
	free(after);
}

static void test_jsonl_bad(void **state)
{
	struct fixture *fx = *state;

	check_bad_jsonl(fx, "[1,2]", "in:2:1: expected a JSON object");
	check_bad_jsonl(fx, "[]", "in:2:1: expected a JSON object");
	/* a bare string is not even read as JSON (jansson wants an array or object) */
	check_bad_jsonl(fx, "\"lead\"", "in:2:6: invalid JSON: *");
	check_bad_jsonl(fx, "{\"type\":\"lead\",", "in:2:15: invalid JSON: *");
	check_bad_jsonl(fx,
			"{\"type\":\"purchase\",\"contact\":\"N\",\"time\":\"2026-01-02T00:00:00Z\","
			"\"amount\":true}",
			"in:2:73: field 'amount': must be a string or a number");
	check_bad_jsonl(fx,
			"{\"type\":\"purchase\",\"contact\":\"N\",\"time\":\"2026-01-02T00:00:00Z\","
			"\"amount\":1.234}",
			"in:2:73: field 'amount': \"1.234\": more than two decimal places");
	check_bad_jsonl(fx, "{\"type\":\"lead\",\"contact\":\"N\",\"time\":null}",
			"in:2:37: field 'time': missing");
	check_bad_jsonl(fx,
			"{\"type\":\"lead\",\"type\":\"lead\",\"contact\":\"N\",\"time\":\"2026-01-"
			"02T00:00:00Z\"}",
			"in:2:21: invalid JSON: duplicate object key*");
}

/* Issue 9: a NUL byte in a JSON Lines file is an error of its line, never a lost row. */
static void test_jsonl_nul(void **state)
{
	static const char repro[] =
		"{\"id\":\"N1\",\"type\":\"lead\",\"contact\":\"K1\",\"time\":\"2026-01-05\"}\n"
		"\0{\"id\":\"N2\",\"type\":\"purchase\",\"contact\":\"K2\",\"time\":\"2026-01-06\","
		"\"amount\":500}\n";
	static const char mid[] = "{\"type\":\"lead\",\"contact\":\"K\0X\",\"time\":\"2026-01-05\"}\n";
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;

	events_opts(&o);
	o.format = IMPORT_JSONL;
	import_result_init(&r);
	assert_int_equal(import_bytes(fx, "n.jsonl", repro, sizeof(repro) - 1, &o, &r), FU_EINPUT);
	assert_string_equal(fx->ctx.msg, "n.jsonl:2:1: NUL byte in input");
	assert_int_equal(count_events(fx), 0);
	import_result_release(&r);

	/* with --skip-bad the line is listed, and counted as a row */
	o.skip_bad = 1;
	import_result_init(&r);
	assert_int_equal(import_bytes(fx, "m.jsonl", mid, sizeof(mid) - 1, &o, &r), FU_OK);
	assert_int_equal(r.rows, 1);
	assert_int_equal(r.bad, 1);
	assert_string_equal(buf_cstr(&r.bad_list), "m.jsonl:1:28: NUL byte in input\n");
	import_result_release(&r);
}

/* A byte order mark before the first line of JSON Lines is skipped, as in CSV. */
static void test_jsonl_bom(void **state)
{
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;

	events_opts(&o);
	o.format = IMPORT_JSONL;
	import_result_init(&r);
	import_ok(fx, "b.jsonl",
		  "\xef\xbb\xbf{\"type\":\"lead\",\"contact\":\"B\",\"time\":\"2026-01-05\"}\n", &o, &r);
	assert_int_equal(r.stored, 1);
	import_result_release(&r);
	import_result_init(&r);
	assert_int_equal(import_text(fx, "b.jsonl",
				     "\xef\xbb\xbf{\"type\":\"lead\",\"contact\":\"B\",\"time\":\"x\"}\n",
				     &o, &r), FU_EINPUT);
	/* columns count from after the mark */
	assert_string_equal(fx->ctx.msg, "b.jsonl:1:37: field 'time': \"x\": expected YYYY-MM-DD");
	import_result_release(&r);
}

/* An id seen again with other content is a conflict, in a first load and in a later one. */
static void test_conflicting_ids(void **state)
{
	static const char text[] = "id,type,contact,time,amount\n"
				   "P1,purchase,C1,2026-01-05T10:00:00Z,10\n"
				   "P2,purchase,C1,2026-01-05T11:00:00Z,10\n"
				   "P1,purchase,C1,2026-01-06T10:00:00Z,99\n";
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;

	events_opts(&o);
	o.skip_bad = 1; /* a conflict is not a row to skip */
	import_result_init(&r);
	assert_int_equal(import_text(fx, "c.csv", text, &o, &r), FU_EINPUT);
	assert_string_equal(fx->ctx.msg, "c.csv:4:1: field 'id': the id of line 2 again, with "
			    "other content (an event is never changed; give the new one another id)");
	assert_int_equal(count_events(fx), 0);
	import_result_release(&r);

	/* the log is not empty: rows are appended one by one */
	import_result_init(&r);
	import_ok(fx, "a.csv", "id,type,contact,time\nA0,lead,C0,2026-01-01\n", &o, &r);
	import_result_release(&r);
	import_result_init(&r);
	assert_int_equal(import_text(fx, "c.csv", text, &o, &r), FU_EINPUT);
	assert_string_equal(fx->ctx.msg, "c.csv:4:1: field 'id': 'P1' is already stored with "
			    "other content (an event is never changed; give the new one another id)");
	assert_int_equal(count_events(fx), 1);
	import_result_release(&r);

	/* the same content again is only a duplicate */
	import_result_init(&r);
	import_ok(fx, "a.csv", "id,type,contact,time\nA0,lead,C0,2026-01-01\n", &o, &r);
	assert_int_equal(r.duplicates, 1);
	import_result_release(&r);
}

/* Amounts from 0 to 100,000,000,000.00; times in the years 1900 to 2199. */
static void test_value_ranges(void **state)
{
	check_bad_csv(*state, "N2,purchase,NEW,2026-02-02T10:00:00Z,-5,,,,",
		      "t.csv:3:38: field 'amount': \"-5\": negative (a refund is not an event "
		      "followup records; leave it out or note it on a touch)");
	check_bad_csv(*state, "N2,purchase,NEW,2026-02-02T10:00:00Z,90000000000000000,,,,",
		      "t.csv:3:38: field 'amount': \"90000000000000000\": more than "
		      "100000000000.00");
	check_bad_csv(*state, "N2,purchase,NEW,0001-01-01T00:00:00Z,1,,,,",
		      "t.csv:3:17: field 'time': \"0001-01-01T00:00:00Z\": outside the years "
		      "1900 to 2199");
	check_bad_csv(*state, "N2,purchase,NEW,9999-12-31T00:00:00Z,1,,,,",
		      "t.csv:3:17: field 'time': \"9999-12-31T00:00:00Z\": outside the years "
		      "1900 to 2199");
	check_bad_csv(*state, "N2,invoice,NEW,2026-02-02T10:00:00Z,1,I-1,2200-01-01,,",
		      "t.csv:3:43: field 'due': \"2200-01-01\": outside the years 1900 to 2199");
}

/* ---- later imports and the rebuild ---- */

static void test_payment_in_later_import(void **state)
{
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;
	struct contact_state st;

	events_opts(&o);
	import_result_init(&r);
	import_ok(fx, "a.csv",
		  "type,contact,time,amount,ref,due\n"
		  "invoice,LATE,2026-01-20T15:00:00Z,100,INV-1,2026-02-19\n"
		  "invoice,ONTIME,2026-01-20T15:00:00Z,200,INV-1,2026-02-19\n",
		  &o, &r);
	import_result_release(&r);
	get_state(fx, "LATE", &st);
	assert_int_equal(st.invoices_open, 1);
	assert_int_equal(st.open_amount, 10000);

	import_result_init(&r);
	import_ok(fx, "b.csv",
		  "type,contact,time,amount,ref\n"
		  "payment,LATE,2026-02-20T00:00:00Z,100,INV-1\n"
		  "payment,ONTIME,2026-02-19T23:00:00Z,200,INV-1\n",
		  &o, &r);
	assert_int_equal(r.stored, 2);
	assert_int_equal(r.contacts_new, 0);
	import_result_release(&r);
	get_state(fx, "LATE", &st);
	assert_int_equal(st.events, 2);
	assert_int_equal(st.invoices, 1);
	assert_int_equal(st.payments, 1);
	assert_int_equal(st.paid_late, 1);
	assert_int_equal(st.paid_on_time, 0);
	assert_int_equal(st.invoices_open, 0);
	assert_int_equal(st.open_amount, 0);
	get_state(fx, "ONTIME", &st);
	assert_int_equal(st.paid_late, 0);
	assert_int_equal(st.paid_on_time, 1);
	assert_int_equal(st.invoices_open, 0);
}

/* The state after imports equals the state folded again from the log (rebuild). */
static void test_import_state_equals_rebuild(void **state)
{
	struct fixture *fx = *state;
	struct import_opts o;
	struct import_result r;
	char *imported, *rebuilt;
	int64_t contacts = 0, events = 0;

	import_opts_init(&o);
	o.kind = IMPORT_CONTACTS;
	import_result_init(&r);
	import_ok(fx, "c.csv", "key,name\nA,Ann\nB,Bo\nQUIET,Q\n", &o, &r);
	import_result_release(&r);

	events_opts(&o);
	import_result_init(&r);
	/* A in time order; B out of order; C new and out of order with equal times */
	import_ok(fx, "e1.csv",
		  "type,contact,time,amount,ref,due,outcome\n"
		  "lead,A,2026-01-01T10:00:00Z,,,,\n"
		  "purchase,B,2026-01-10T10:00:00Z,5,,,\n"
		  "invoice,A,2026-01-02T10:00:00Z,50,I1,2026-01-20,\n"
		  "purchase,B,2026-01-03T10:00:00Z,6,,,\n"
		  "touch,C,2026-01-05T10:00:00Z,,,,reached\n"
		  "payment,C,2026-01-05T10:00:00Z,1,I9,,\n"
		  "touch,C,2026-01-04T10:00:00Z,,,,voicemail\n"
		  "payment,A,2026-01-21T10:00:00Z,50,I1,,\n",
		  &o, &r);
	import_result_release(&r);
	import_result_init(&r);
	/* a second import: older events for A, newer for B */
	import_ok(fx, "e2.csv",
		  "type,contact,time,amount,ref,due\n"
		  "invoice,A,2025-12-01T10:00:00Z,70,I0,2025-12-15\n"
		  "purchase,B,2026-02-10T10:00:00Z,7,,\n"
		  "opt_out,B,2026-02-11T10:00:00Z,,,\n",
		  &o, &r);
	import_result_release(&r);

	imported = snapshot(fx);
	OK(fx, store_begin(&fx->ctx, fx->s));
	OK(fx, derive_all(&fx->ctx, fx->s, &contacts, &events));
	OK(fx, store_commit(&fx->ctx, fx->s));
	assert_int_equal(contacts, 3);
	assert_int_equal(events, 11);
	rebuilt = snapshot(fx);
	assert_string_equal(rebuilt, imported);
	/* spot checks of the folded values */
	{
		struct contact_state st;

		get_state(fx, "A", &st);
		assert_int_equal(st.invoices, 2);
		assert_int_equal(st.paid_late, 1);
		assert_int_equal(st.invoices_open, 1);
		assert_int_equal(st.open_amount, 7000);
		get_state(fx, "B", &st);
		assert_int_equal(st.purchase_days, 3);
		assert_true(st.first_purchase == at("2026-01-03T10:00:00Z"));
		assert_int_equal(st.do_not_contact, 1);
		get_state(fx, "C", &st);
		assert_true(st.last_touch_out == at("2026-01-05T10:00:00Z"));
		assert_true(st.last_two_way == at("2026-01-05T10:00:00Z"));
		get_state(fx, "QUIET", &st);
		assert_int_equal(st.events, 0);
	}
	free(imported);
	free(rebuilt);
}

/* ---- one event from text ---- */

static void check_text_bad(const struct event_text *t, const char *fmt, const char *want)
{
	struct fu_ctx ctx;
	struct event e;

	fu_ctx_init(&ctx);
	assert_int_equal(import_event_from_text(&ctx, t, fmt, &e), FU_EINPUT);
	assert_string_equal(ctx.msg, want);
}

static void test_event_from_text(void **state)
{
	struct event_text t = { 0 };
	struct fu_ctx ctx;
	struct event e;
	char long_key[FU_KEY_MAX + 2];

	(void)state;
	t.id = "X1";
	t.type = "invoice";
	t.contact = "C1";
	t.time = "2026-01-05T10:00:00+02:00";
	t.amount = "1,240.00";
	t.ref = "INV-7";
	t.due = "2026-02-04";
	t.channel = "";
	t.note = "line one\nline two\tend";
	fu_ctx_init(&ctx);
	assert_int_equal(import_event_from_text(&ctx, &t, NULL, &e), FU_OK);
	assert_int_equal(e.type, EV_INVOICE);
	assert_true(e.time == at("2026-01-05T08:00:00Z"));
	assert_true(e.due == at("2026-02-04T00:00:00Z"));
	assert_int_equal(e.has_amount, 1);
	assert_int_equal(e.amount, 124000);
	assert_ptr_equal(e.ext_id, t.id);
	assert_ptr_equal(e.contact_key, t.contact);
	assert_ptr_equal(e.ref, t.ref);
	assert_null(e.channel); /* "" is absent */
	assert_null(e.outcome);
	assert_ptr_equal(e.note, t.note);
	assert_true(e.contact_id == 0);
	assert_true(e.id == 0);

	/* each check, one at a time */
	{
		struct event_text b = t;

		b.type = NULL;
		check_text_bad(&b, NULL, "type: missing");
		b.type = "bill";
		check_text_bad(&b, NULL, "type: unknown type 'bill'");
		b = t;
		b.contact = "";
		check_text_bad(&b, NULL, "contact: missing");
		b = t;
		b.time = NULL;
		check_text_bad(&b, NULL, "time: missing");
		b.time = "2026-01-05 25:00:00Z";
		check_text_bad(&b, NULL, "time \"2026-01-05 25:00:00Z\": hour 25 out of range");
		b.time = "05.01.2026";
		check_text_bad(&b, "%d.%m.%Y", "due: time \"2026-02-04\": does not match format "
					       "\"%d.%m.%Y\"");
		b = t;
		b.amount = "12 EUR";
		check_text_bad(&b, NULL, "amount: amount \"12 EUR\": not a number");
		b = t;
		b.due = "soon";
		check_text_bad(&b, NULL, "due: time \"soon\": expected YYYY-MM-DD");
		b = t;
		b.type = "payment";
		check_text_bad(&b, NULL, "due: only an invoice or a touch has a due date");
		b.due = NULL;
		b.outcome = "reached";
		check_text_bad(&b, NULL, "outcome: only a touch has an outcome");
		b.type = "touch";
		b.outcome = "busy";
		check_text_bad(&b, NULL,
			       "outcome: 'busy' is not one of reached, voicemail, no-answer, "
			       "not-yet, won, no, opted-out, snoozed");
		b = t;
		b.type = "opt_out";
		b.due = NULL;
		b.channel = "sms";
		check_text_bad(&b, NULL, "channel: an opt_out is for 'email' or 'all', not 'sms'");
		b.channel = "all";
		fu_ctx_init(&ctx);
		assert_int_equal(import_event_from_text(&ctx, &b, NULL, &e), FU_OK);
		assert_int_equal(e.type, EV_OPT_OUT);
		b = t;
		b.ref = "a\001b";
		check_text_bad(&b, NULL, "ref: control character 0x01");
		b = t;
		b.note = "bell\007";
		check_text_bad(&b, NULL, "note: control character 0x07");
		b = t;
		b.id = "x\ny";
		check_text_bad(&b, NULL, "id: control character 0x0a");
		memset(long_key, 'k', sizeof(long_key) - 1);
		long_key[sizeof(long_key) - 1] = '\0';
		b = t;
		b.contact = long_key;
		check_text_bad(&b, NULL, "contact: longer than 256 bytes");
		long_key[FU_KEY_MAX] = '\0';
		fu_ctx_init(&ctx);
		assert_int_equal(import_event_from_text(&ctx, &b, NULL, &e), FU_OK);
	}
	/* with a date format for time and due */
	t.time = "05.01.2026";
	t.due = "04.02.2026";
	fu_ctx_init(&ctx);
	assert_int_equal(import_event_from_text(&ctx, &t, "%d.%m.%Y", &e), FU_OK);
	assert_true(e.time == at("2026-01-05T00:00:00Z"));
	assert_true(e.due == at("2026-02-04T00:00:00Z"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_csv_happy_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_in_one_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_time_no_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_amount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_outcome, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_due, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skip_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_by_position, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_type_and_date_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whitespace_separator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contacts_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jsonl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jsonl_nul, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jsonl_bom, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflicting_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_value_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jsonl_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payment_in_later_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_state_equals_rebuild, setup, teardown),
		cmocka_unit_test(test_event_from_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
