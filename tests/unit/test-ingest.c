/* test-ingest.c - unit tests for the server's event writer (src/ingest.c): groups, savepoints, keys */
#include "ingest.h"

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

#include "agenda.h"
#include "store_fixture.h"
#include "tz.h"

#include "banned.h"

#define T0 ((int64_t)1767225600) /* 2026-01-01T00:00:00Z */

static int64_t events(struct fixture *fx)
{
	int64_t counts[EV__COUNT], n = 0;

	OK(fx, store_count_events(&fx->ctx, fx->s, counts));
	for (int i = 0; i < EV__COUNT; i++)
		n += counts[i];
	return n;
}

/* A lead for each key in keys (ids "<prefix>-<key>"), checked into b. */
static void leads(struct fixture *fx, const char *prefix, const char *const *keys, size_t n,
		  char ids[][32], struct event_text *t, struct ingest_batch *b)
{
	size_t bad;

	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], 32, "%s-%s", prefix, keys[i]);
		memset(&t[i], 0, sizeof(t[i]));
		t[i].id = ids[i];
		t[i].type = "lead";
		t[i].contact = keys[i];
		t[i].time = "2026-01-01T09:00:00Z";
	}
	OK(fx, ingest_batch_check(&fx->ctx, t, n, T0, b, &bad));
}

/* Three requests in one group: the bad one leaves nothing, the others are stored whole. */
static void test_group_savepoints(void **state)
{
	struct fixture *fx = *state;
	const char *const k1[] = { "A", "B" }, *const k2[] = { "C", "A" }, *const k3[] = { "D" };
	char id1[2][32], id2[2][32], id3[1][32];
	struct event_text t1[2], t2[2], t3[1];
	struct ingest_batch b1, b2, b3;
	struct ingest_req r1 = { 0 }, r2 = { 0 }, r3 = { 0 };
	struct contact_state st;

	leads(fx, "x", k1, 2, id1, t1, &b1);
	leads(fx, "y", k2, 2, id2, t2, &b2);
	leads(fx, "z", k3, 1, id3, t3, &b3);
	/* the second request repeats an id of the first with other content: a conflict */
	b2.ev[1].ext_id = "x-A";
	b2.ev[1].note = "something else";
	r1.batch = &b1, r2.batch = &b2, r3.batch = &b3;
	r1.now = r2.now = r3.now = T0;
	r1.idem_key = "k-1";
	OK(fx, store_begin(&fx->ctx, fx->s));
	ingest_one(fx->s, &r1);
	ingest_one(fx->s, &r2);
	ingest_one(fx->s, &r3);
	OK(fx, store_commit(&fx->ctx, fx->s));
	assert_int_equal(r1.rc, FU_OK);
	assert_int_equal(r1.stored, 2);
	assert_int_equal(r1.contacts_new, 2);
	assert_string_equal(r1.reply, "{\"stored\":2,\"duplicates\":0,\"contacts_new\":2}");
	assert_int_equal(r2.rc, FU_EINPUT);
	assert_int_equal(r2.bad, 1);
	assert_non_null(strstr(r2.ctx.msg, "already stored with other content"));
	assert_null(r2.reply);
	assert_int_equal(r3.rc, FU_OK);
	assert_int_equal(r3.stored, 1);
	/* x-A, x-B, z-D: nothing of the failed request (not even its contact C) */
	assert_int_equal(events(fx), 3);
	{
		struct contact c;

		contact_init(&c);
		assert_int_equal(store_contact_get(&fx->ctx, fx->s, "C", &c), FU_ENOTFOUND);
		contact_init(&c);
		OK(fx, store_contact_get(&fx->ctx, fx->s, "A", &c));
		contact_state_init(&st, c.id);
		OK(fx, store_state_get(&fx->ctx, fx->s, c.id, &st));
		assert_int_equal(st.events, 1); /* folded in the same transaction */
		contact_state_release(&st);
		contact_release(&c);
	}
	free(r1.reply);
	free(r3.reply);
	ingest_batch_release(&b1);
	ingest_batch_release(&b2);
	ingest_batch_release(&b3);
}

/*
 * The key is kept with the events: a second request with it and the same body replays, one
 * with another body is refused; a rollback loses both.
 */
static void test_key_with_events(void **state)
{
	struct fixture *fx = *state;
	const char *const k[] = { "A" }, *const k2[] = { "B" };
	char id[1][32], id2[1][32];
	struct event_text t[1], t2[1];
	struct ingest_batch b, b2;
	struct ingest_req r = { 0 }, again = { 0 }, other = { 0 };
	int found = 1, status;
	char *body = NULL;

	leads(fx, "x", k, 1, id, t, &b);
	leads(fx, "y", k2, 1, id2, t2, &b2);
	r.batch = &b, r.now = T0, r.idem_key = "same", r.idem_hash = "hash-x";
	/* stored, then rolled back (a crash before the commit): neither the event nor the key */
	OK(fx, store_begin(&fx->ctx, fx->s));
	ingest_one(fx->s, &r);
	assert_int_equal(r.rc, FU_OK);
	store_rollback(fx->s);
	free(r.reply);
	assert_int_equal(events(fx), 0);
	OK(fx, store_idem_get(&fx->ctx, fx->s, "same", 0, NULL, &found, &status, &body));
	assert_int_equal(found, 0);
	/* stored and committed; the same key and body replay the first answer, another body is
	   refused and stores nothing */
	OK(fx, store_begin(&fx->ctx, fx->s));
	ingest_one(fx->s, &r);
	again.batch = &b, again.now = T0, again.idem_key = "same", again.idem_hash = "hash-x";
	ingest_one(fx->s, &again);
	other.batch = &b2, other.now = T0, other.idem_key = "same", other.idem_hash = "hash-y";
	ingest_one(fx->s, &other);
	OK(fx, store_commit(&fx->ctx, fx->s));
	assert_int_equal(again.rc, FU_OK);
	assert_int_equal(again.replayed, 1);
	assert_string_equal(again.reply, r.reply);
	assert_int_equal(other.rc, FU_EINPUT);
	assert_int_equal(other.bad, SIZE_MAX);
	assert_int_equal(other.replayed, 0);
	assert_null(other.reply);
	assert_int_equal(events(fx), 1);
	free(r.reply);
	free(again.reply);
	/* housekeeping: the key goes once it is older than the cut */
	OK(fx, store_begin(&fx->ctx, fx->s));
	{
		int64_t sessions, idem;

		OK(fx, store_expire(&fx->ctx, fx->s, T0, T0, &sessions, &idem));
		assert_int_equal(idem, 0);
		OK(fx, store_expire(&fx->ctx, fx->s, T0, T0 + 1, &sessions, &idem));
		assert_int_equal(idem, 1);
	}
	OK(fx, store_commit(&fx->ctx, fx->s));
	ingest_batch_release(&b);
	ingest_batch_release(&b2);
}

/* The writer thread: requests from several threads, answered; the events all stored. */
struct poster {
	struct ingest_writer *w;
	int n;
	int stored;
};

static void *post_many(void *arg)
{
	struct poster *p = arg;

	for (int i = 0; i < 20; i++) {
		char id[32], key[32];
		struct event_text t = { 0 };
		struct ingest_batch b;
		struct ingest_req r = { 0 };
		struct fu_ctx ctx;
		size_t bad;

		fu_ctx_init(&ctx);
		snprintf(id, sizeof(id), "p%d-%d", p->n, i);
		snprintf(key, sizeof(key), "K%d", i % 5);
		t.id = id, t.type = "lead", t.contact = key, t.time = "2026-01-01T09:00:00Z";
		if (ingest_batch_check(&ctx, &t, 1, T0, &b, &bad))
			return NULL;
		r.batch = &b, r.now = T0;
		ingest_submit(p->w, &r);
		p->stored += r.rc == FU_OK ? (int)r.stored : 0;
		free(r.reply);
		ingest_batch_release(&b);
	}
	return NULL;
}

static void test_writer_thread(void **state)
{
	struct fixture *fx = *state;
	struct ingest_writer *w;
	struct ingest_stats st;
	struct poster p[4];
	pthread_t th[4];

	OK(fx, ingest_writer_start(&fx->ctx, fx->path, NULL, T0, NULL, NULL, &w));
	for (int i = 0; i < 4; i++) {
		p[i] = (struct poster){ w, i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, post_many, &p[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(p[i].stored, 20);
	}
	ingest_writer_stats(w, &st);
	assert_int_equal(st.requests, 80);
	assert_int_equal(st.events, 80);
	assert_true(st.groups >= 1 && st.groups <= 80);
	ingest_writer_stop(w);
	assert_int_equal(events(fx), 80);
}

/* The wake cache as text ("id due_day wake esc" lines, "-" for unknown), read on its own connection. */
static char *wakes_text(struct fixture *fx)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *out = calloc(1, 64 * 1024);
	size_t len = 0;

	assert_non_null(out);
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT contact_id, ifnull(due_day, '-'), "
					    "ifnull(wake, '-'), ifnull(esc, '-') FROM contact_wake "
					    "ORDER BY contact_id", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && len < 60 * 1024)
		len += (size_t)snprintf(out + len, 64 * 1024 - len, "%s %s %s %s\n",
					(const char *)sqlite3_column_text(st, 0),
					(const char *)sqlite3_column_text(st, 1),
					(const char *)sqlite3_column_text(st, 2),
					(const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* The ids of an agenda's follow-ups, one a line. */
static char *agenda_text(struct fixture *fx, const struct agenda_opts *o)
{
	struct playbook pb;
	struct agenda a;
	char *out = calloc(1, 16 * 1024);
	size_t len = 0;

	assert_non_null(out);
	playbook_init(&pb);
	OK(fx, playbook_load_default(&fx->ctx, &pb));
	OK(fx, agenda_build(&fx->ctx, fx->s, &pb, o, &a));
	for (int i = 0; i < a.n && len < 15 * 1024; i++)
		len += (size_t)snprintf(out + len, 16 * 1024 - len, "%s %s\n", a.v[i].id,
					a.v[i].key);
	agenda_release(&a);
	playbook_release(&pb);
	return out;
}

/*
 * The writer finds the wakes of the contacts it stored events of, in their transaction: they
 * are known at once, equal to those a full evaluation finds at the same clock, and the
 * cached agenda equals the full one.
 */
static void test_writer_wakes(void **state)
{
	struct fixture *fx = *state;
	const char *const k1[] = { "A", "B", "C", "D" }, *const k2[] = { "B", "E" };
	const int64_t now = T0 + 10 * 3600;
	struct agenda_opts o = { .now = now, .all = 1, .jobs = 1 };
	char id1[4][32], id2[2][32], *served, *full, *cached, *again;
	struct event_text t1[4], t2[2];
	struct ingest_batch b1, b2;
	struct ingest_req r1 = { 0 }, r2 = { 0 };
	struct agenda_playbooks *pbs = agenda_playbooks_new();
	struct tz_cache *zones = tz_cache_new_shared();
	struct ingest_writer *w;

	assert_non_null(pbs);
	assert_non_null(zones);
	leads(fx, "x", k1, 4, id1, t1, &b1);
	leads(fx, "y", k2, 2, id2, t2, &b2);
	t2[0].type = "reply"; /* B answers; E is a new lead */
	ingest_batch_release(&b2);
	{
		size_t bad;

		OK(fx, ingest_batch_check(&fx->ctx, t2, 2, now, &b2, &bad));
	}
	/* the first requests, then an agenda run fills the cache */
	OK(fx, ingest_writer_start(&fx->ctx, fx->path, NULL, now, pbs, zones, &w));
	r1.batch = &b1, r1.now = now;
	ingest_submit(w, &r1);
	assert_int_equal(r1.rc, FU_OK);
	free(r1.reply);
	free(agenda_text(fx, &o));
	/* then more events through the writer: their contacts' wakes are known at once */
	r2.batch = &b2, r2.now = now;
	ingest_submit(w, &r2);
	assert_int_equal(r2.rc, FU_OK);
	free(r2.reply);
	ingest_writer_stop(w);
	served = wakes_text(fx);
	if (strstr(served, " -"))
		fail_msg("a wake left unknown after the writer:\n%s", served);
	cached = agenda_text(fx, &o);
	/* a full evaluation at the same clock finds the same wakes and the same agenda */
	o.full = 1;
	full = agenda_text(fx, &o);
	again = wakes_text(fx);
	assert_string_equal(served, again);
	assert_string_equal(cached, full);
	assert_non_null(strstr(full, " E\n"));
	free(served);
	free(again);
	free(cached);
	free(full);
	ingest_batch_release(&b1);
	ingest_batch_release(&b2);
	agenda_playbooks_free(pbs);
	tz_cache_free(zones);
}

/*
 * The playbook shared by the server's threads: parsed once, given out again while the stored
 * text is the same, parsed anew when another is stored; the one replaced stays usable by
 * whoever still holds it, and is freed when the last gives it back (ASan sees a leak or a
 * use after free).
 */
static void test_shared_playbook(void **state)
{
	static const char yaml[] = "business:\n  name: Northwind\nrules:\n"
				   "  - name: answer a new lead\n    trigger: new_lead\n"
				   "    action: call\n    priority: 50\n"
				   "    say: \"Hello {{first_name|there}}\"\n";
	struct fixture *fx = *state;
	struct agenda_playbooks *pbs = agenda_playbooks_new();
	const struct playbook *p1, *p2, *p3, *p4;

	assert_non_null(pbs);
	OK(fx, agenda_playbooks_get(&fx->ctx, pbs, fx->s, &p1));
	OK(fx, agenda_playbooks_get(&fx->ctx, pbs, fx->s, &p2));
	assert_ptr_equal(p1, p2);
	assert_string_equal(p1->name, "built-in");
	agenda_playbooks_put(pbs, p2);
	OK(fx, store_playbook_set(&fx->ctx, fx->s, yaml));
	OK(fx, agenda_playbooks_get(&fx->ctx, pbs, fx->s, &p3));
	assert_ptr_not_equal(p3, p1);
	assert_string_equal(p3->source, yaml);
	assert_int_equal(p3->nrules, 1);
	assert_string_equal(p1->name, "built-in"); /* still held: still there */
	agenda_playbooks_put(pbs, p1);
	OK(fx, agenda_playbooks_get(&fx->ctx, pbs, fx->s, &p4));
	assert_ptr_equal(p4, p3);
	agenda_playbooks_put(pbs, p3);
	agenda_playbooks_put(pbs, p4);
	agenda_playbooks_free(pbs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_savepoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_with_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_wakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_playbook, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
