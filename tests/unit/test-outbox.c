/* test-outbox.c - the outbox over random histories: never to someone who said no, never over the weekly budget */
#include "outbox.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "derive.h"
#include "outcome.h"
#include "smtp.h"

#include "banned.h"

#define DAY 86400
#define T0 ((int64_t)1790812800) /* 2026-10-01T00:00:00Z, a Thursday */
#define NCONTACTS 40
#define NEVENTS 600
#define MAXSENT 2000

struct delivery {
	int64_t contact_id, time;
	int transactional, email;
};

struct world {
	char dir[64], path[128];
	struct store *s;
	struct fu_ctx ctx;
	struct playbook pb;
	int64_t ids[NCONTACTS];
	struct event ev[NEVENTS]; /* the history, in time order; strings are static */
	int nev;
	struct delivery sent[MAXSENT];
	int nsent, calls;
	int64_t now;
};

static uint32_t next_rand(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static int cmp_time(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	return (x->time > y->time) - (x->time < y->time);
}

/* The network stands in: every seventh message fails for now, the others are taken. */
static void deliver(void *arg, const struct outbox_item *it, const char *to, const char *data,
		    size_t len, int *result, char *why, size_t whylen)
{
	struct world *w = arg;

	(void)to;
	(void)data;
	(void)len;
	if (++w->calls % 7 == 0) {
		*result = SMTP_TEMPORARY;
		snprintf(why, whylen, "451 later");
		return;
	}
	*result = SMTP_SENT;
	snprintf(why, whylen, "250 taken");
	assert_true(w->nsent < MAXSENT);
	w->sent[w->nsent].contact_id = it->contact_id;
	w->sent[w->nsent].time = w->now;
	w->sent[w->nsent].transactional = it->transactional;
	w->sent[w->nsent].email = strcmp(it->channel, "webhook") != 0;
	w->nsent++;
}

/* A random history: leads, purchases, invoices, person's touches and opt-outs of both kinds. */
static void make_history(struct world *w, uint32_t seed)
{
	static const char *const outcomes[] = { "reached", "voicemail", "no-answer", "opted-out",
						NULL };
	static char refs[NEVENTS][16];

	for (int k = 0; k < NEVENTS; k++) {
		struct event *e = &w->ev[k];
		uint32_t r = next_rand(&seed) % 100;

		event_init(e);
		e->contact_id = w->ids[next_rand(&seed) % NCONTACTS];
		e->time = T0 + (int64_t)(next_rand(&seed) % (30 * 24)) * 3600;
		if (r < 25) {
			e->type = EV_LEAD;
		} else if (r < 50) {
			e->type = EV_PURCHASE;
			e->has_amount = 1;
			e->amount = 1000 + (int64_t)(next_rand(&seed) % 20000);
		} else if (r < 62) {
			e->type = EV_INVOICE;
			snprintf(refs[k], sizeof(refs[k]), "INV-%d", k);
			e->ref = refs[k];
			e->has_amount = 1;
			e->amount = 5000;
			e->due = e->time + 10 * DAY;
		} else if (r < 88) {
			e->type = EV_TOUCH;
			e->channel = (char *)"call";
			e->outcome = (char *)outcomes[next_rand(&seed) % 5];
		} else if (r < 96) {
			e->type = EV_OPT_OUT;
			e->channel = (char *)"email";
		} else {
			e->type = EV_OPT_OUT;
			e->channel = (char *)"all";
		}
	}
	w->nev = NEVENTS;
	qsort(w->ev, NEVENTS, sizeof(w->ev[0]), cmp_time);
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	char key[16], email[64];

	if (!w)
		return -1;
	snprintf(w->dir, sizeof(w->dir), "/tmp/fu-test-outbox-XXXXXX");
	if (!mkdtemp(w->dir))
		return -1;
	snprintf(w->path, sizeof(w->path), "%s/t.db", w->dir);
	fu_ctx_init(&w->ctx);
	if (store_open(&w->ctx, w->path, STORE_OPEN_CREATE, &w->s))
		return -1;
	playbook_init(&w->pb);
	if (playbook_load_default(&w->ctx, &w->pb))
		return -1;
	for (int i = 0; i < NCONTACTS; i++) {
		struct contact c;

		contact_init(&c);
		snprintf(key, sizeof(key), "K%02d", i);
		snprintf(email, sizeof(email), "k%02d@example.com", i);
		c.key = key;
		c.email = i == NCONTACTS - 1 ? NULL : email; /* one without an address */
		c.tz = (char *)(i % 3 ? "Europe/London" : "America/New_York");
		c.owner = (char *)"ana";
		if (store_contact_upsert(&w->ctx, w->s, &c, NULL))
			return -1;
		w->ids[i] = c.id;
	}
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	playbook_release(&w->pb);
	store_close(w->s);
	unlink(w->path);
	rmdir(w->dir);
	free(w);
	return 0;
}

/* Whether contact id had said no to the channel by time t (from the history recorded so far). */
static int said_no(const struct world *w, int64_t id, int64_t t, int email)
{
	for (int k = 0; k < w->nev && w->ev[k].time <= t; k++) {
		const struct event *e = &w->ev[k];

		if (e->contact_id != id)
			continue;
		if (e->type == EV_OPT_OUT && (email || strcmp(e->channel, "all") == 0))
			return 1;
		if (e->type == EV_TOUCH && e->outcome && !strcmp(e->outcome, "opted-out"))
			return 1;
	}
	return 0;
}

/* Touches the contact felt in the week before t: a person's, and the messages sent. */
static int week_touches(const struct world *w, int64_t id, int64_t t)
{
	int n = 0;

	for (int k = 0; k < w->nev && w->ev[k].time < t; k++) {
		const struct event *e = &w->ev[k];

		n += e->contact_id == id && e->type == EV_TOUCH && e->time > t - 7 * DAY &&
		     outcome_is_felt(e->outcome);
	}
	for (int k = 0; k < w->nsent; k++) {
		const struct delivery *d = &w->sent[k];

		n += d->contact_id == id && d->time < t && d->time > t - 7 * DAY;
	}
	return n;
}

static void run_history(struct world *w, uint32_t seed)
{
	struct outbox_send_opts opts;
	struct outbox_totals t, sum;
	struct sendconf conf;
	int k = 0, inserted;

	memset(&sum, 0, sizeof(sum));
	make_history(w, seed);
	sendconf_init(&conf);
	conf.from = (char *)"hello@shop.example"; /* borrowed: never released */
	memset(&opts, 0, sizeof(opts));
	opts.deliver = deliver;
	opts.deliver_arg = w;
	/* the clock walks five weeks in steps of 3 hours; events arrive as their time comes */
	for (w->now = T0; w->now < T0 + 35 * DAY; w->now += 3 * 3600) {
		assert_int_equal(store_begin(&w->ctx, w->s), FU_OK);
		for (; k < w->nev && w->ev[k].time <= w->now; k++) {
			assert_int_equal(store_event_append(&w->ctx, w->s, &w->ev[k], w->now, &inserted),
					 FU_OK);
			assert_int_equal(derive_contact(&w->ctx, w->s, w->ev[k].contact_id), FU_OK);
		}
		assert_int_equal(store_commit(&w->ctx, w->s), FU_OK);
		opts.now = w->now;
		if (outbox_send(&w->ctx, w->s, &w->pb, &conf, &opts, NULL, NULL, &t) != FU_OK)
			fail_msg("send at %lld: %s", (long long)w->now, w->ctx.msg);
		sum.dropped += t.dropped;
		sum.waiting += t.waiting;
		sum.deferred += t.deferred;
	}
	/* the history must reach the interesting cases, or the checks below prove nothing */
	assert_true(w->nsent >= 20);
	assert_true(sum.deferred > 0);
	for (int i = 0; i < w->nsent; i++) {
		const struct delivery *d = &w->sent[i];
		int n = week_touches(w, d->contact_id, d->time);

		if (said_no(w, d->contact_id, d->time, d->email))
			fail_msg("seed %u: a message went to contact %lld at %lld after they said no",
				 seed, (long long)d->contact_id, (long long)d->time);
		if (!d->transactional && n >= w->pb.touches_per_week)
			fail_msg("seed %u: contact %lld got a message at %lld with %d touches that "
				 "week already (budget %d)",
				 seed, (long long)d->contact_id, (long long)d->time, n,
				 w->pb.touches_per_week);
	}
}

static void test_random_history_1(void **state)
{
	run_history(*state, 1);
}

static void test_random_history_2(void **state)
{
	run_history(*state, 20261125);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_random_history_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_history_2, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
