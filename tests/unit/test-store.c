/* test-store.c - unit tests for the SQLite store (src/store_sqlite.c) and the rebuild in src/derive.c */
#include "store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "buf.h"
#include "derive.h"

#include "banned.h"

#define T0 ((int64_t)1767225600) /* 2026-01-01T00:00:00Z */
#define DAY ((int64_t)86400)

/* One test's private directory and database. */
struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	struct fu_ctx ctx;
};

static void remove_db_files(const char *path)
{
	const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[160];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fu-test-store-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/t.db", fx->dir);
	fu_ctx_init(&fx->ctx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	store_close(fx->s);
	remove_db_files(fx->path);
	if (rmdir(fx->dir) != 0) {
		print_error("could not remove %s\n", fx->dir);
		free(fx);
		return -1;
	}
	free(fx);
	return 0;
}

/* Asserts rc is FU_OK, showing the context's message otherwise. */
#define OK(fx, call)                                                                      \
	do {                                                                              \
		int ok_rc_ = (call);                                                      \
		if (ok_rc_)                                                               \
			print_error("%s: %s\n", #call, (fx)->ctx.msg);                    \
		assert_int_equal(ok_rc_, FU_OK);                                          \
	} while (0)

static void open_create(struct fixture *fx)
{
	OK(fx, store_open(&fx->ctx, fx->path, STORE_OPEN_CREATE, &fx->s));
	assert_non_null(fx->s);
}

static int64_t ensure(struct fixture *fx, const char *key)
{
	int64_t id = 0;

	OK(fx, store_contact_ensure(&fx->ctx, fx->s, key, &id, NULL));
	assert_true(id > 0);
	return id;
}

/* Appends an event of contact cid; strings may be NULL. Returns its id (0 if a duplicate). */
static int64_t append(struct fixture *fx, int64_t cid, int type, int64_t t, const char *ext_id,
		      int has_amount, int64_t amount, const char *ref, int64_t due,
		      const char *channel, const char *outcome)
{
	struct event e;
	int inserted = -1;

	event_init(&e);
	e.contact_id = cid;
	e.type = type;
	e.time = t;
	e.ext_id = (char *)ext_id;
	e.has_amount = has_amount;
	e.amount = amount;
	e.ref = (char *)ref;
	e.due = due;
	e.channel = (char *)channel;
	e.outcome = (char *)outcome;
	OK(fx, store_event_append(&fx->ctx, fx->s, &e, T0 + 1000 * DAY, &inserted));
	assert_true(inserted == 0 || inserted == 1);
	if (inserted)
		assert_true(e.id > 0);
	else
		assert_true(e.id == 0);
	return e.id;
}

static int64_t simple(struct fixture *fx, int64_t cid, int type, int64_t t)
{
	return append(fx, cid, type, t, NULL, 0, 0, NULL, FU_TIME_NONE, NULL, NULL);
}

static int64_t count_all_events(struct fixture *fx)
{
	int64_t counts[EV__COUNT], n = 0;

	OK(fx, store_count_events(&fx->ctx, fx->s, counts));
	for (int i = 0; i < EV__COUNT; i++)
		n += counts[i];
	return n;
}

static int64_t count_contacts(struct fixture *fx)
{
	int64_t n = -1;

	OK(fx, store_count_contacts(&fx->ctx, fx->s, &n));
	return n;
}

static void assert_state_equal(const struct contact_state *a, const struct contact_state *b)
{
	assert_true(a->contact_id == b->contact_id);
	assert_true(a->events == b->events);
	assert_true(a->first_event == b->first_event);
	assert_true(a->last_event == b->last_event);
	assert_true(a->lead_at == b->lead_at);
	assert_true(a->purchases == b->purchases);
	assert_true(a->purchase_days == b->purchase_days);
	assert_true(a->first_purchase == b->first_purchase);
	assert_true(a->last_purchase == b->last_purchase);
	assert_true(a->spend == b->spend);
	assert_true(a->invoices == b->invoices);
	assert_true(a->invoices_open == b->invoices_open);
	assert_true(a->open_amount == b->open_amount);
	assert_true(a->payments == b->payments);
	assert_true(a->paid_on_time == b->paid_on_time);
	assert_true(a->paid_late == b->paid_late);
	assert_true(a->services == b->services);
	assert_true(a->last_touch_in == b->last_touch_in);
	assert_true(a->last_touch_out == b->last_touch_out);
	assert_true(a->last_two_way == b->last_two_way);
	assert_int_equal(a->opted_out_email, b->opted_out_email);
	assert_int_equal(a->do_not_contact, b->do_not_contact);
}

/* ---- opening and the schema ---- */

static void test_open_missing(void **state)
{
	struct fixture *fx = *state;
	struct stat sb;
	char want[256];

	assert_int_equal(store_open(&fx->ctx, fx->path, STORE_OPEN_EXISTING, &fx->s),
			 FU_ENOTFOUND);
	assert_null(fx->s);
	assert_int_equal(fx->ctx.rc, FU_ENOTFOUND);
	snprintf(want, sizeof(want),
		 "%s: no such database (run 'followup init' or 'make demo' first)", fx->path);
	assert_string_equal(fx->ctx.msg, want);
	/* and nothing was created */
	assert_int_not_equal(stat(fx->path, &sb), 0);
}

static void test_create_and_reopen(void **state)
{
	struct fixture *fx = *state;
	int version = 0;
	char *v = NULL;
	int64_t id, id2;

	open_create(fx);
	OK(fx, store_schema_version(&fx->ctx, fx->s, &version));
	assert_int_equal(version, STORE_SCHEMA_VERSION);
	assert_int_equal(version, 7);
	assert_int_equal(count_contacts(fx), 0);
	assert_int_equal(count_all_events(fx), 0);
	OK(fx, store_meta_get(&fx->ctx, fx->s, "created_at", &v));
	assert_null(v);
	OK(fx, store_meta_set(&fx->ctx, fx->s, "created_at", "2026-01-01"));
	id = ensure(fx, "C1");
	simple(fx, id, EV_LEAD, T0);
	store_close(fx->s);
	fx->s = NULL;

	/* reopening runs the migrations again, which must change nothing */
	for (int i = 0; i < 2; i++) {
		OK(fx, store_open(&fx->ctx, fx->path,
				  i ? STORE_OPEN_CREATE : STORE_OPEN_EXISTING, &fx->s));
		version = 0;
		OK(fx, store_schema_version(&fx->ctx, fx->s, &version));
		assert_int_equal(version, 7);
		OK(fx, store_meta_get(&fx->ctx, fx->s, "created_at", &v));
		assert_non_null(v);
		assert_string_equal(v, "2026-01-01");
		free(v);
		v = NULL;
		assert_int_equal(count_contacts(fx), 1);
		assert_int_equal(count_all_events(fx), 1);
		id2 = ensure(fx, "C1");
		assert_true(id2 == id);
		store_close(fx->s);
		fx->s = NULL;
	}
}

static void test_newer_schema_refused(void **state)
{
	struct fixture *fx = *state;
	sqlite3 *db;
	char want[256];

	open_create(fx);
	store_close(fx->s);
	fx->s = NULL;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 8", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(&fx->ctx, fx->path, STORE_OPEN_EXISTING, &fx->s), FU_EINPUT);
	assert_null(fx->s);
	snprintf(want, sizeof(want),
		 "%s: schema version 8 is newer than this program knows (7); upgrade followup",
		 fx->path);
	assert_string_equal(fx->ctx.msg, want);
}

/* ---- contacts ---- */

static void test_contact_upsert(void **state)
{
	struct fixture *fx = *state;
	struct contact c, got;
	int created = -1;
	int64_t id;

	open_create(fx);
	contact_init(&c);
	c.key = (char *)"C1";
	c.name = (char *)"Ann Lee";
	c.email = (char *)"ann@example.com";
	c.owner = (char *)"sam";
	c.tz = (char *)"Europe/Berlin";
	c.attrs = (char *)"{\"plan\":\"gold\",\"size\":\"10\"}";
	OK(fx, store_contact_upsert(&fx->ctx, fx->s, &c, &created));
	assert_int_equal(created, 1);
	assert_true(c.id > 0);
	id = c.id;

	/* only the given fields change; attrs are merged key by key */
	contact_init(&c);
	c.key = (char *)"C1";
	c.phone = (char *)"+49 30 1234";
	c.owner = (char *)"kim";
	c.attrs = (char *)"{\"size\":\"12\",\"vip\":\"yes\"}";
	created = -1;
	OK(fx, store_contact_upsert(&fx->ctx, fx->s, &c, &created));
	assert_int_equal(created, 0);
	assert_true(c.id == id);

	contact_init(&got);
	OK(fx, store_contact_get(&fx->ctx, fx->s, "C1", &got));
	assert_true(got.id == id);
	assert_string_equal(got.key, "C1");
	assert_string_equal(got.name, "Ann Lee");
	assert_string_equal(got.email, "ann@example.com");
	assert_string_equal(got.phone, "+49 30 1234");
	assert_null(got.company);
	assert_string_equal(got.owner, "kim");
	assert_string_equal(got.tz, "Europe/Berlin");
	assert_string_equal(got.attrs, "{\"plan\":\"gold\",\"size\":\"12\",\"vip\":\"yes\"}");
	contact_release(&got);

	/* no attrs keeps them; a contact without attrs takes the new ones as they are */
	contact_init(&c);
	c.key = (char *)"C1";
	c.name = (char *)"Ann Lee-Park";
	OK(fx, store_contact_upsert(&fx->ctx, fx->s, &c, NULL));
	contact_init(&c);
	c.key = (char *)"C2";
	OK(fx, store_contact_upsert(&fx->ctx, fx->s, &c, &created));
	assert_int_equal(created, 1);
	assert_true(c.id > id);
	c.attrs = (char *)"{\"a\":\"1\"}";
	OK(fx, store_contact_upsert(&fx->ctx, fx->s, &c, &created));
	assert_int_equal(created, 0);

	contact_init(&got);
	OK(fx, store_contact_get(&fx->ctx, fx->s, "C1", &got));
	assert_string_equal(got.name, "Ann Lee-Park");
	assert_string_equal(got.attrs, "{\"plan\":\"gold\",\"size\":\"12\",\"vip\":\"yes\"}");
	contact_release(&got);
	contact_init(&got);
	OK(fx, store_contact_get(&fx->ctx, fx->s, "C2", &got));
	assert_null(got.name);
	assert_string_equal(got.attrs, "{\"a\":\"1\"}");
	contact_release(&got);
	assert_int_equal(count_contacts(fx), 2);

	/* attrs must be JSON */
	contact_init(&c);
	c.key = (char *)"C3";
	c.attrs = (char *)"{not json";
	assert_int_equal(store_contact_upsert(&fx->ctx, fx->s, &c, &created), FU_EDB);
	assert_int_equal(count_contacts(fx), 2);

	contact_init(&got);
	assert_int_equal(store_contact_get(&fx->ctx, fx->s, "nobody", &got), FU_ENOTFOUND);
	assert_string_equal(fx->ctx.msg, "contact 'nobody': not found");
	assert_null(got.key);
}

static void test_contact_ensure(void **state)
{
	struct fixture *fx = *state;
	struct contact c;
	int64_t id = 0, id2 = 0, max = -1;
	int created = -1;

	open_create(fx);
	OK(fx, store_max_contact_id(&fx->ctx, fx->s, &max));
	assert_int_equal(max, 0);
	OK(fx, store_contact_ensure(&fx->ctx, fx->s, "K1", &id, &created));
	assert_int_equal(created, 1);
	assert_true(id > 0);
	created = -1;
	OK(fx, store_contact_ensure(&fx->ctx, fx->s, "K1", &id2, &created));
	assert_int_equal(created, 0);
	assert_true(id2 == id);
	OK(fx, store_contact_ensure(&fx->ctx, fx->s, "K2", &id2, &created));
	assert_int_equal(created, 1);
	assert_true(id2 != id);
	OK(fx, store_max_contact_id(&fx->ctx, fx->s, &max));
	assert_true(max == id2);
	assert_int_equal(count_contacts(fx), 2);

	/* a bare contact has only its key; an upsert on it is not a new contact */
	contact_init(&c);
	OK(fx, store_contact_get(&fx->ctx, fx->s, "K1", &c));
	assert_string_equal(c.key, "K1");
	assert_null(c.name);
	assert_null(c.attrs);
	contact_release(&c);
	contact_init(&c);
	c.key = (char *)"K1";
	c.name = (char *)"Kay";
	OK(fx, store_contact_upsert(&fx->ctx, fx->s, &c, &created));
	assert_int_equal(created, 0);
	assert_true(c.id == id);
}

/* ---- events ---- */

struct collected {
	struct buf text;
	int64_t ids[64];
	int n;
};

static int collect(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	struct collected *c = arg;
	char amount[32] = "-";

	if (e->has_amount)
		amount_format(e->amount, amount, sizeof(amount));
	if (c->n < 64)
		c->ids[c->n] = e->id;
	c->n++;
	return buf_addf(ctx, &c->text, "%lld:%s:%lld:%s:%s:%s:%lld:%s:%s:%s|",
			(long long)e->contact_id, event_type_name(e->type),
			(long long)(e->time - T0), e->ext_id ? e->ext_id : "-", amount,
			e->ref ? e->ref : "-",
			e->due == FU_TIME_NONE ? -1LL : (long long)(e->due - T0),
			e->channel ? e->channel : "-", e->outcome ? e->outcome : "-",
			e->note ? e->note : "-");
}

static void test_event_ext_id(void **state)
{
	struct fixture *fx = *state;
	int64_t cid, id1, id2;
	int64_t counts[EV__COUNT];

	open_create(fx);
	cid = ensure(fx, "C1");
	id1 = append(fx, cid, EV_PURCHASE, T0, "E1", 1, 1250, "O-1", FU_TIME_NONE, NULL, NULL);
	assert_true(id1 > 0);
	/* the same source id again: not stored, even with other values */
	id2 = append(fx, cid, EV_PURCHASE, T0 + DAY, "E1", 1, 999, "O-2", FU_TIME_NONE, NULL,
		     NULL);
	assert_true(id2 == 0);
	/* events without a source id are never duplicates */
	assert_true(simple(fx, cid, EV_LEAD, T0) > id1);
	assert_true(simple(fx, cid, EV_LEAD, T0) > id1);
	OK(fx, store_count_events(&fx->ctx, fx->s, counts));
	assert_int_equal(counts[EV_PURCHASE], 1);
	assert_int_equal(counts[EV_LEAD], 2);
	assert_int_equal(count_all_events(fx), 3);
}

static void test_events_order(void **state)
{
	struct fixture *fx = *state;
	struct collected c = { 0 };
	int64_t a, b, id300, id100a, id200, id100b, other;

	open_create(fx);
	buf_init(&c.text, 0);
	a = ensure(fx, "A");
	b = ensure(fx, "B");
	id300 = append(fx, a, EV_INVOICE, T0 + 300, "X1", 1, 5000, "INV-1", T0 + 30 * DAY, NULL,
		       NULL);
	id100a = append(fx, a, EV_TOUCH, T0 + 100, NULL, 0, 0, NULL, FU_TIME_NONE, "call",
			"reached");
	other = simple(fx, b, EV_LEAD, T0 + 150);
	id200 = append(fx, a, EV_PAYMENT, T0 + 200, NULL, 1, -320, "INV-1", FU_TIME_NONE, NULL,
		       NULL);
	id100b = simple(fx, a, EV_REPLY, T0 + 100);
	assert_true(id300 < id100a && id100a < id200 && id200 < id100b);

	OK(fx, store_events_of_contact(&fx->ctx, fx->s, a, collect, &c));
	assert_int_equal(c.n, 4);
	assert_true(c.ids[0] == id100a);
	assert_true(c.ids[1] == id100b);
	assert_true(c.ids[2] == id200);
	assert_true(c.ids[3] == id300);
	assert_string_equal(buf_cstr(&c.text),
			    "1:touch:100:-:-:-:-1:call:reached:-|"
			    "1:reply:100:-:-:-:-1:-:-:-|"
			    "1:payment:200:-:-3.20:INV-1:-1:-:-:-|"
			    "1:invoice:300:X1:50.00:INV-1:2592000:-:-:-|");

	/* the whole log: by contact, then (time, id) */
	buf_reset(&c.text);
	c.n = 0;
	OK(fx, store_events_scan(&fx->ctx, fx->s, collect, &c));
	assert_int_equal(c.n, 5);
	assert_true(c.ids[0] == id100a);
	assert_true(c.ids[3] == id300);
	assert_true(c.ids[4] == other);

	/* a contact without events: no calls */
	buf_reset(&c.text);
	c.n = 0;
	OK(fx, store_events_of_contact(&fx->ctx, fx->s, 999, collect, &c));
	assert_int_equal(c.n, 0);
	buf_release(&c.text);
}

static int stop_after_two(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	int *n = arg;

	(void)e;
	if (++*n == 2)
		return fu_err(ctx, FU_EINPUT, "stop");
	return FU_OK;
}

static void test_scan_stops(void **state)
{
	struct fixture *fx = *state;
	int64_t cid;
	int n = 0;

	open_create(fx);
	cid = ensure(fx, "A");
	for (int i = 0; i < 5; i++)
		simple(fx, cid, EV_LEAD, T0 + i);
	assert_int_equal(store_events_of_contact(&fx->ctx, fx->s, cid, stop_after_two, &n),
			 FU_EINPUT);
	assert_int_equal(n, 2);
	assert_string_equal(fx->ctx.msg, "stop");
	/* the statement was reset: a new scan starts from the beginning */
	n = -10;
	OK(fx, store_events_of_contact(&fx->ctx, fx->s, cid, stop_after_two, &n));
	assert_int_equal(n, -5);
}

static void test_events_append_only(void **state)
{
	struct fixture *fx = *state;
	sqlite3 *db;
	int64_t cid, id;
	struct collected c = { 0 };

	open_create(fx);
	buf_init(&c.text, 0);
	cid = ensure(fx, "A");
	id = append(fx, cid, EV_PURCHASE, T0, "E1", 1, 100, NULL, FU_TIME_NONE, NULL, NULL);
	assert_true(id > 0);

	assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE events SET amount = 1", NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	assert_string_equal(sqlite3_errmsg(db), "events are append-only");
	assert_int_equal(sqlite3_exec(db, "DELETE FROM events", NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	assert_string_equal(sqlite3_errmsg(db), "events are append-only");
	sqlite3_close(db);

	OK(fx, store_events_of_contact(&fx->ctx, fx->s, cid, collect, &c));
	assert_string_equal(buf_cstr(&c.text), "1:purchase:0:E1:1.00:-:-1:-:-:-|");
	buf_release(&c.text);
}

static void test_event_bad_references(void **state)
{
	struct fixture *fx = *state;
	struct event e;
	int inserted = -1;

	open_create(fx);
	/* no such contact */
	event_init(&e);
	e.contact_id = 42;
	e.type = EV_LEAD;
	e.time = T0;
	assert_int_equal(store_event_append(&fx->ctx, fx->s, &e, T0, &inserted), FU_EDB);
	assert_int_equal(count_all_events(fx), 0);
}

/*
 * INSERT OR IGNORE would also swallow the CHECK on events.type, so the store itself
 * refuses a type outside the enum (a caller's bug) instead of reporting a duplicate.
 */
static void test_event_bad_type(void **state)
{
	struct fixture *fx = *state;
	struct event e;
	int inserted = -1;

	open_create(fx);
	event_init(&e);
	e.contact_id = ensure(fx, "A");
	e.type = EV__COUNT;
	e.time = T0;
	assert_int_equal(store_event_append(&fx->ctx, fx->s, &e, T0, &inserted), FU_EINTERNAL);
	assert_string_equal(fx->ctx.msg, "event type 13 out of range");
	e.type = -1;
	assert_int_equal(store_event_append(&fx->ctx, fx->s, &e, T0, &inserted), FU_EINTERNAL);
	assert_int_equal(count_all_events(fx), 0);
}

/* ---- derived state ---- */

static void fill_state(struct contact_state *st, int64_t cid, int with_times)
{
	contact_state_init(st, cid);
	st->events = 11;
	st->purchases = 3;
	st->purchase_days = 2;
	st->spend = -123456789012LL;
	st->invoices = 4;
	st->invoices_open = 2;
	st->open_amount = 9876543210LL;
	st->payments = 5;
	st->paid_on_time = 1;
	st->paid_late = 2;
	st->services = 6;
	st->opted_out_email = 1;
	st->do_not_contact = 0;
	if (with_times) {
		st->first_event = T0 - 5;
		st->last_event = T0 + 7 * DAY;
		st->lead_at = 0; /* the epoch is a time, not "none" */
		st->first_purchase = T0 + 1;
		st->last_purchase = T0 + 2;
		st->last_touch_in = -86400;
		st->last_touch_out = INT64_MAX;
		st->last_two_way = INT64_MIN + 1;
	}
}

static void test_state_round_trip(void **state)
{
	struct fixture *fx = *state;
	struct contact_state put, got;
	int64_t cid;

	open_create(fx);
	cid = ensure(fx, "A");
	for (int with_times = 0; with_times < 2; with_times++) {
		fill_state(&put, cid, with_times);
		put.do_not_contact = with_times;
		put.opted_out_email = !with_times;
		OK(fx, store_state_put(&fx->ctx, fx->s, &put));
		memset(&got, 0x5a, sizeof(got));
		got.open = NULL;
		got.n_open = 0;
		OK(fx, store_state_get(&fx->ctx, fx->s, cid, &got));
		assert_state_equal(&got, &put);
		assert_null(got.open);
		assert_int_equal(got.n_open, 0);
		if (!with_times) {
			assert_true(got.first_event == FU_TIME_NONE);
			assert_true(got.last_two_way == FU_TIME_NONE);
		} else {
			assert_true(got.lead_at == 0);
			assert_true(got.last_touch_out == INT64_MAX);
		}
	}

	/* a contact without state */
	assert_int_equal(store_state_get(&fx->ctx, fx->s, 999, &got), FU_ENOTFOUND);
	assert_string_equal(fx->ctx.msg, "no state for contact 999");

	/* clear, then fill: an empty state for every contact */
	OK(fx, store_state_clear(&fx->ctx, fx->s));
	assert_int_equal(store_state_get(&fx->ctx, fx->s, cid, &got), FU_ENOTFOUND);
	OK(fx, store_state_fill_missing(&fx->ctx, fx->s));
	OK(fx, store_state_get(&fx->ctx, fx->s, cid, &got));
	contact_state_init(&put, cid);
	assert_state_equal(&got, &put);
}

static void test_count_events(void **state)
{
	struct fixture *fx = *state;
	int64_t counts[EV__COUNT];
	int64_t a, b;

	open_create(fx);
	OK(fx, store_count_events(&fx->ctx, fx->s, counts));
	for (int i = 0; i < EV__COUNT; i++)
		assert_int_equal(counts[i], 0);
	a = ensure(fx, "A");
	b = ensure(fx, "B");
	simple(fx, a, EV_LEAD, T0);
	simple(fx, b, EV_LEAD, T0);
	simple(fx, a, EV_PURCHASE, T0 + 1);
	simple(fx, a, EV_PURCHASE, T0 + 2);
	simple(fx, b, EV_PURCHASE, T0 + 3);
	simple(fx, b, EV_OPT_OUT, T0 + 4);
	OK(fx, store_count_events(&fx->ctx, fx->s, counts));
	for (int i = 0; i < EV__COUNT; i++) {
		int64_t want = i == EV_LEAD ? 2 : i == EV_PURCHASE ? 3 : i == EV_OPT_OUT ? 1 : 0;

		assert_int_equal(counts[i], want);
	}
}

static int list_keys(struct fu_ctx *ctx, void *arg, const struct contact *c,
		     const struct contact_state *st)
{
	return buf_addf(ctx, arg, "%s/%lld ", c->key, (long long)st->purchases);
}

static const char *list(struct fixture *fx, struct buf *out, const char *owner,
			const char *search)
{
	struct contact_filter f = { owner, search };

	buf_reset(out);
	OK(fx, store_contacts_list(&fx->ctx, fx->s, &f, list_keys, out));
	return buf_cstr(out);
}

static void add_contact(struct fixture *fx, const char *key, const char *name, const char *email,
			const char *company, const char *owner)
{
	struct contact c;

	contact_init(&c);
	c.key = (char *)key;
	c.name = (char *)name;
	c.email = (char *)email;
	c.company = (char *)company;
	c.owner = (char *)owner;
	OK(fx, store_contact_upsert(&fx->ctx, fx->s, &c, NULL));
}

static void test_contacts_list(void **state)
{
	struct fixture *fx = *state;
	struct buf out;
	int64_t id;

	open_create(fx);
	buf_init(&out, 0);
	/* inserted out of key order */
	add_contact(fx, "c3", "Cem Ozturk", "cem@acme.example", "ACME Ltd", "sam");
	add_contact(fx, "c1", "Ann Lee", "ann@example.com", NULL, "sam");
	add_contact(fx, "c2", "Bo Berg", NULL, "Nordic Acme", NULL);
	add_contact(fx, "x9", NULL, NULL, NULL, "kim");
	id = ensure(fx, "c1");
	simple(fx, id, EV_PURCHASE, T0);
	simple(fx, id, EV_PURCHASE, T0 + DAY);
	OK(fx, derive_contact(&fx->ctx, fx->s, id));

	/* contacts without a state row are listed with an empty state */
	assert_string_equal(list(fx, &out, NULL, NULL), "c1/2 c2/0 c3/0 x9/0 ");
	assert_string_equal(list(fx, &out, "sam", NULL), "c1/2 c3/0 ");
	assert_string_equal(list(fx, &out, "kim", NULL), "x9/0 ");
	assert_string_equal(list(fx, &out, "", NULL), "c2/0 ");
	assert_string_equal(list(fx, &out, "nobody", NULL), "");
	/* search: any case, in key, name, email or company */
	assert_string_equal(list(fx, &out, NULL, "acme"), "c2/0 c3/0 ");
	assert_string_equal(list(fx, &out, NULL, "ACME"), "c2/0 c3/0 ");
	assert_string_equal(list(fx, &out, NULL, "lee"), "c1/2 ");
	assert_string_equal(list(fx, &out, NULL, "example.com"), "c1/2 ");
	assert_string_equal(list(fx, &out, NULL, "X9"), "x9/0 ");
	assert_string_equal(list(fx, &out, NULL, "zzz"), "");
	assert_string_equal(list(fx, &out, "sam", "acme"), "c3/0 ");
	assert_string_equal(list(fx, &out, "", "acme"), "c2/0 ");
	/* a NULL filter lists everything */
	buf_reset(&out);
	OK(fx, store_contacts_list(&fx->ctx, fx->s, NULL, list_keys, &out));
	assert_string_equal(buf_cstr(&out), "c1/2 c2/0 c3/0 x9/0 ");
	buf_release(&out);
}

/* ---- the agenda's wake cache ---- */

static const char *wake_list(struct fixture *fx, struct buf *out, int every, const char *owner,
			     int64_t due_day_by, int64_t wake_by, int64_t escalate_by)
{
	struct wake_filter f = { every, owner, due_day_by, wake_by, escalate_by };

	buf_reset(out);
	OK(fx, store_wake_candidates(&fx->ctx, fx->s, &f, list_keys, out));
	return buf_cstr(out);
}

static void test_wake(void **state)
{
	struct fixture *fx = *state;
	struct store_wake w[3];
	struct contact_state st;
	struct buf out;
	int64_t a, b, c;

	open_create(fx);
	buf_init(&out, 0);
	add_contact(fx, "a", NULL, NULL, NULL, "ana");
	add_contact(fx, "b", NULL, NULL, NULL, "ben");
	c = ensure(fx, "c"); /* no owner */
	a = ensure(fx, "a");
	b = ensure(fx, "b");
	/* a new contact's wake is unknown: always a candidate, whatever the filter (for an
	 * owner: theirs and the unowned ones) */
	assert_string_equal(wake_list(fx, &out, 0, "ana", 0, 0, 0), "a/0 c/0 ");
	assert_string_equal(wake_list(fx, &out, 0, "ben", 0, 0, 0), "b/0 c/0 ");
	assert_string_equal(wake_list(fx, &out, 0, "", 0, 0, 0), "c/0 ");
	assert_string_equal(wake_list(fx, &out, 0, NULL, 0, 0, 0), "a/0 b/0 c/0 ");
	w[0] = (struct store_wake){ a, 100, 300, STORE_WAKE_NEVER };
	w[1] = (struct store_wake){ b, 200, 250, 150 };
	w[2] = (struct store_wake){ c, STORE_WAKE_NEVER, STORE_WAKE_NEVER, 150 };
	OK(fx, store_wake_set(&fx->ctx, fx->s, w, 3));
	/* an owner's contacts by due or wake, and unowned ones that may be escalated by then */
	assert_string_equal(wake_list(fx, &out, 0, "ana", 99, 299, 149), "");
	assert_string_equal(wake_list(fx, &out, 0, "ana", 100, 0, 0), "a/0 ");
	assert_string_equal(wake_list(fx, &out, 0, "ana", 0, 300, 0), "a/0 ");
	assert_string_equal(wake_list(fx, &out, 0, "ana", 0, 0, 150), "c/0 ");
	/* ben's contact b could be escalated at 150 too, but escalations of owned leads stay
	 * with their owner */
	assert_string_equal(wake_list(fx, &out, 0, "ben", 0, 0, 150), "c/0 ");
	assert_string_equal(wake_list(fx, &out, 0, "ben", 199, 249, 149), "");
	assert_string_equal(wake_list(fx, &out, 0, "ben", 0, 250, 0), "b/0 ");
	assert_string_equal(wake_list(fx, &out, 0, "", STORE_WAKE_NEVER, 0, 0), "c/0 ");
	assert_string_equal(wake_list(fx, &out, 0, NULL, 200, 0, 0), "a/0 b/0 ");
	assert_string_equal(wake_list(fx, &out, 0, NULL, 0, 260, 0), "b/0 ");
	assert_string_equal(wake_list(fx, &out, 0, NULL, STORE_WAKE_NEVER - 1, 0, 0), "a/0 b/0 ");
	assert_string_equal(wake_list(fx, &out, 1, NULL, 0, 0, 0), "a/0 b/0 c/0 ");
	/* writing a state forgets that contact's wake */
	contact_state_init(&st, c);
	st.purchases = 1;
	OK(fx, store_state_put(&fx->ctx, fx->s, &st));
	assert_string_equal(wake_list(fx, &out, 0, "ana", 0, 0, 0), "c/1 ");
	/* so does a new owner, which the cache follows */
	add_contact(fx, "b", NULL, NULL, NULL, "ana");
	assert_string_equal(wake_list(fx, &out, 0, "ana", 0, 0, 0), "b/0 c/1 ");
	OK(fx, store_wake_set(&fx->ctx, fx->s, w + 1, 2));
	assert_string_equal(wake_list(fx, &out, 0, "ana", 200, 0, 0), "a/0 b/0 ");
	assert_string_equal(wake_list(fx, &out, 0, "ben", STORE_WAKE_NEVER, 0, 0), "");
	/* and forgetting all */
	OK(fx, store_wake_forget_all(&fx->ctx, fx->s));
	assert_string_equal(wake_list(fx, &out, 0, "nobody", 0, 0, 0), "c/1 ");
	assert_string_equal(wake_list(fx, &out, 0, NULL, 0, 0, 0), "a/0 b/0 c/1 ");
	buf_release(&out);
}

static int authors(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	return buf_addf(ctx, arg, "%lld:%s|", (long long)e->id, e->author ? e->author : "-");
}

/* Who wrote an event is kept with it, read with a timeline, and is not its content. */
static void test_author(void **state)
{
	struct fixture *fx = *state;
	struct buf b;
	struct event e;
	int64_t a;
	int same = 0;

	open_create(fx);
	a = ensure(fx, "A");
	simple(fx, a, EV_LEAD, T0);                /* unknown */
	store_set_author(fx->s, "ana (token 3)");
	append(fx, a, EV_TOUCH, T0 + 1, "t-1", 0, 0, NULL, FU_TIME_NONE, "call", "reached");
	store_set_author(fx->s, "");               /* unknown again */
	simple(fx, a, EV_REPLY, T0 + 2);
	buf_init(&b, 0);
	OK(fx, store_events_of_contact(&fx->ctx, fx->s, a, authors, &b));
	assert_string_equal(buf_cstr(&b), "1:-|2:ana (token 3)|3:-|");
	buf_release(&b);
	/* the same event written again by someone else is the same event */
	store_set_author(fx->s, "ben");
	event_init(&e);
	e.contact_id = a;
	e.type = EV_TOUCH;
	e.time = T0 + 1;
	e.ext_id = "t-1";
	e.channel = "call";
	e.outcome = "reached";
	OK(fx, store_event_same(&fx->ctx, fx->s, &e, &same));
	assert_int_equal(same, 1);
}

static void test_rollback(void **state)
{
	struct fixture *fx = *state;
	struct contact_state st;
	struct contact c;
	int64_t a, b;

	open_create(fx);
	a = ensure(fx, "kept");
	simple(fx, a, EV_LEAD, T0);
	OK(fx, derive_contact(&fx->ctx, fx->s, a));

	OK(fx, store_begin(&fx->ctx, fx->s));
	b = ensure(fx, "gone");
	simple(fx, b, EV_PURCHASE, T0);
	simple(fx, a, EV_PURCHASE, T0 + 1);
	OK(fx, derive_contact(&fx->ctx, fx->s, a));
	OK(fx, derive_contact(&fx->ctx, fx->s, b));
	OK(fx, store_meta_set(&fx->ctx, fx->s, "k", "v"));
	assert_int_equal(count_contacts(fx), 2);
	assert_int_equal(count_all_events(fx), 3);
	store_rollback(fx->s);

	assert_int_equal(count_contacts(fx), 1);
	assert_int_equal(count_all_events(fx), 1);
	contact_init(&c);
	assert_int_equal(store_contact_get(&fx->ctx, fx->s, "gone", &c), FU_ENOTFOUND);
	assert_int_equal(store_state_get(&fx->ctx, fx->s, b, &st), FU_ENOTFOUND);
	OK(fx, store_state_get(&fx->ctx, fx->s, a, &st));
	assert_int_equal(st.events, 1);
	assert_int_equal(st.purchases, 0);
	{
		char *v = (char *)"x";

		OK(fx, store_meta_get(&fx->ctx, fx->s, "k", &v));
		assert_null(v);
	}
	/* rollback without a transaction is harmless */
	store_rollback(fx->s);

	/* and a committed transaction stays */
	OK(fx, store_begin(&fx->ctx, fx->s));
	b = ensure(fx, "stays");
	simple(fx, b, EV_LEAD, T0);
	OK(fx, store_commit(&fx->ctx, fx->s));
	store_rollback(fx->s);
	assert_int_equal(count_contacts(fx), 2);
	assert_int_equal(count_all_events(fx), 2);
}

/* ---- the rebuild equals the per-contact fold ---- */

#define NCONTACTS 40

/* A small deterministic generator (no global state). */
static uint32_t next_rand(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static void make_history(struct fixture *fx, int64_t ids[NCONTACTS])
{
	static const char *const outcomes[] = { "reached", "voicemail", "no-answer", "not-yet",
						"won", "no", "opted-out", NULL };
	uint32_t seed = 7;
	char key[16], ref[16], ext[24];
	int n_ext = 0;

	for (int i = 0; i < NCONTACTS; i++) {
		snprintf(key, sizeof(key), "K%02d", i);
		ids[i] = ensure(fx, key);
	}
	/* events of all contacts interleaved and out of time order */
	for (int k = 0; k < 600; k++) {
		int i = (int)(next_rand(&seed) % (NCONTACTS - 2)); /* the last two have no events */
		/* the types of schema 1; a reply in two becomes a message the outbox sent */
		int type = (int)(next_rand(&seed) % (EV_OPT_OUT + 1));
		int64_t t = T0 + (int64_t)(next_rand(&seed) % 400) * (DAY / 4);
		int64_t amount = (int64_t)(next_rand(&seed) % 50000) - 1000;
		int invoice_no = (int)(next_rand(&seed) % 6);
		const char *ref_p = NULL, *channel = NULL, *outcome = NULL, *ext_id = NULL;
		int64_t due = FU_TIME_NONE;

		if (type == EV_INVOICE || type == EV_PAYMENT) {
			snprintf(ref, sizeof(ref), "INV-%d", invoice_no);
			ref_p = ref;
		}
		if (type == EV_INVOICE && next_rand(&seed) % 4)
			due = t + (int64_t)(next_rand(&seed) % 40) * DAY;
		if (type == EV_TOUCH) {
			channel = "call";
			outcome = outcomes[next_rand(&seed) % 8];
		}
		if (type == EV_OPT_OUT)
			channel = next_rand(&seed) % 2 ? "email" : (next_rand(&seed) % 2 ? "all" : NULL);
		if (type == EV_REPLY && k % 2) {
			type = EV_MESSAGE;
			channel = "email";
			outcome = k % 4 == 1 ? "sent" : "deferred";
		}
		if (next_rand(&seed) % 3 == 0) {
			snprintf(ext, sizeof(ext), "X%d", n_ext++ / 2); /* every id twice */
			ext_id = ext;
		}
		append(fx, ids[i], type, t, ext_id, next_rand(&seed) % 5 != 0, amount, ref_p, due,
		       channel, outcome);
	}
}

static void test_rebuild_equals_per_contact(void **state)
{
	struct fixture *fx = *state;
	int64_t ids[NCONTACTS];
	struct contact_state one[NCONTACTS], all;
	int64_t contacts = -1, events = -1, paid_late = 0, paid_on_time = 0, dnc = 0;

	open_create(fx);
	OK(fx, store_begin(&fx->ctx, fx->s));
	make_history(fx, ids);
	OK(fx, store_commit(&fx->ctx, fx->s));

	for (int i = 0; i < NCONTACTS; i++) {
		OK(fx, derive_contact(&fx->ctx, fx->s, ids[i]));
		OK(fx, store_state_get(&fx->ctx, fx->s, ids[i], &one[i]));
		paid_late += one[i].paid_late;
		paid_on_time += one[i].paid_on_time;
		dnc += one[i].do_not_contact;
	}
	/* the history exercises the interesting parts of the fold */
	assert_true(paid_late > 0);
	assert_true(paid_on_time > 0);
	assert_true(dnc > 0);
	assert_int_equal(one[NCONTACTS - 1].events, 0);

	OK(fx, store_begin(&fx->ctx, fx->s));
	OK(fx, derive_all(&fx->ctx, fx->s, &contacts, &events));
	OK(fx, store_commit(&fx->ctx, fx->s));
	assert_int_equal(contacts, NCONTACTS - 2);
	assert_int_equal(events, count_all_events(fx));
	assert_true(events > 400 && events < 600);
	for (int i = 0; i < NCONTACTS; i++) {
		OK(fx, store_state_get(&fx->ctx, fx->s, ids[i], &all));
		assert_state_equal(&all, &one[i]);
	}

	/* derive_contacts with repeated ids, in any order, gives the same again */
	{
		int64_t some[6] = { ids[5], ids[1], ids[5], ids[39], ids[0], ids[1] };

		OK(fx, store_state_clear(&fx->ctx, fx->s));
		OK(fx, derive_contacts(&fx->ctx, fx->s, some, 6));
		for (int i = 0; i < NCONTACTS; i++) {
			int rc = store_state_get(&fx->ctx, fx->s, ids[i], &all);

			if (i == 0 || i == 1 || i == 5 || i == 39) {
				assert_int_equal(rc, FU_OK);
				assert_state_equal(&all, &one[i]);
			} else {
				assert_int_equal(rc, FU_ENOTFOUND);
			}
		}
	}
}

/* The contact_state table has exactly the columns of CONTACT_STATE_COLUMNS, in order. */
static void test_state_columns_described_once(void **state)
{
	struct fixture *fx = *state;
	static const char *const want[] = {
		"contact_id",
#define X(name, kind) #name,
		CONTACT_STATE_COLUMNS(X)
#undef X
	};
	size_t n = 0;
	sqlite3 *db;
	sqlite3_stmt *st;

	open_create(fx);
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('contact_state') "
					    "ORDER BY cid", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (n >= sizeof(want) / sizeof(want[0]) || strcmp(name, want[n]) != 0)
			fail_msg("column %zu of contact_state is '%s'; CONTACT_STATE_COLUMNS says '%s'",
				 n, name, n < sizeof(want) / sizeof(want[0]) ? want[n] : "(none)");
		n++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contact_upsert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contact_ensure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_ext_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_append_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_bad_references, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_bad_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_columns_described_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contacts_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_author, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild_equals_per_contact, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
