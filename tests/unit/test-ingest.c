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

#include "store_fixture.h"

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

	OK(fx, ingest_writer_start(&fx->ctx, fx->path, NULL, T0, &w));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_savepoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_with_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_thread, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
