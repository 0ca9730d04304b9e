/* test-agenda.c - unit tests of the agenda's wake: a synthetic business, evaluated as the clock moves on */
#include "agenda.h"

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
#include "expr.h"
#include "import.h"
#include "synth.h"

#include "banned.h"

#define DAY 86400
#define CONTACTS 120
#define STEP (7 * 3600)    /* the clock moves on in steps of seven hours ... */
#define HORIZON (30 * DAY) /* ... for a month */

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	struct fu_ctx ctx;
	struct playbook pb;
	struct tz_cache *zones;
	int64_t end;
};

#define OK(fx, call)                                                                      \
	do {                                                                              \
		int ok_rc_ = (call);                                                      \
		if (ok_rc_)                                                               \
			print_error("%s: %s\n", #call, (fx)->ctx.msg);                    \
		assert_int_equal(ok_rc_, FU_OK);                                          \
	} while (0)

static void import_tmp(struct fixture *fx, FILE *f, int kind)
{
	struct import_opts o;
	struct import_result r;

	rewind(f);
	import_opts_init(&o);
	o.kind = kind;
	o.now = fx->end;
	import_result_init(&r);
	OK(fx, import_stream(&fx->ctx, fx->s, f, kind == IMPORT_EVENTS ? "events" : "contacts",
			     &o, &r));
	import_result_release(&r);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct synth_opts so = { CONTACTS, 0, 400, 7, 0 };
	FILE *cf, *ef;

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fu-test-agenda-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/t.db", fx->dir);
	fu_ctx_init(&fx->ctx);
	*state = fx;
	fx->end = 1795651200; /* 2026-11-26T00:00:00Z */
	so.end = fx->end;
	cf = tmpfile();
	ef = tmpfile();
	assert_non_null(cf);
	assert_non_null(ef);
	OK(fx, synth_write(&fx->ctx, &so, cf, ef, NULL));
	OK(fx, store_open(&fx->ctx, fx->path, STORE_OPEN_CREATE, &fx->s));
	import_tmp(fx, cf, IMPORT_CONTACTS);
	import_tmp(fx, ef, IMPORT_EVENTS);
	fclose(cf);
	fclose(ef);
	playbook_init(&fx->pb);
	OK(fx, playbook_load_default(&fx->ctx, &fx->pb));
	fx->zones = tz_cache_new();
	assert_non_null(fx->zones);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[160];

	store_close(fx->s);
	playbook_release(&fx->pb);
	tz_cache_free(fx->zones);
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
		unlink(p);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static int collect(struct fu_ctx *ctx, void *arg, const struct event *e)
{
	return event_list_add(ctx, arg, e);
}

struct check {
	struct fixture *fx;
	struct event_list ev;
	int64_t evaluations, quiet;
};

/* The follow-up at now: *open, and its due and escalation when open. */
static void eval_at(struct check *k, const struct contact *c, const struct contact_state *st,
		    const struct tz *zone, int64_t now, int *open, int64_t *due, int *escalated,
		    struct engine_wake *w)
{
	struct followup f;

	OK(k->fx, engine_evaluate(&k->fx->ctx, &k->fx->pb, NULL, c, st, &k->ev, zone, now, &f, open,
				  w));
	*due = *open ? f.due : INT64_MAX;
	*escalated = *open && f.escalated;
	if (*open)
		followup_release(&f);
	k->evaluations++;
}

/*
 * For one contact, from several starting clocks: until the wake found at the start passes,
 * the follow-up (when there is one) is due no earlier than the due found then, and it is
 * not escalated before the escalation wake.
 */
static int check_contact(struct fu_ctx *ctx, void *arg, const struct contact *c,
			 const struct contact_state *st)
{
	struct check *k = arg;
	struct fixture *fx = k->fx;
	const struct tz *zone = NULL;
	struct engine_wake w0, w;
	int64_t due;
	int open, esc;

	(void)ctx;
	if (st->events == 0)
		return FU_OK;
	assert_int_equal(tz_cache_get(&fx->ctx, fx->zones, c->tz ? c->tz : "UTC", &zone), FU_OK);
	event_list_clear(&k->ev);
	OK(fx, store_events_of_contact(&fx->ctx, fx->s, c->id, collect, &k->ev));
	for (int64_t start = fx->end - 20 * DAY; start < fx->end + 40 * DAY; start += 10 * DAY + 7) {
		eval_at(k, c, st, zone, start, &open, &due, &esc, &w0);
		assert_true(w0.due == due);
		assert_true(w0.wake > start);
		if (w0.wake > start + HORIZON && w0.due > start + HORIZON)
			k->quiet++;
		for (int64_t t = start + STEP; t < start + HORIZON; t += STEP) {
			int64_t at = t;

			/* the last second before a wake is the sharpest test */
			if (at >= w0.wake)
				at = w0.wake - 1;
			eval_at(k, c, st, zone, at, &open, &due, &esc, &w);
			if (open && due < w0.due)
				fail_msg("contact %s: due %lld before %lld found at %lld (clock %lld, "
					 "wake %lld)", c->key, (long long)due, (long long)w0.due,
					 (long long)start, (long long)at, (long long)w0.wake);
			if (at < w0.escalate && esc)
				fail_msg("contact %s: escalated at %lld before its wake %lld found "
					 "at %lld", c->key, (long long)at, (long long)w0.escalate,
					 (long long)start);
			if (at == w0.wake - 1)
				break;
		}
	}
	return FU_OK;
}

static void test_wake_is_never_late(void **state)
{
	struct fixture *fx = *state;
	struct check k = { fx, { 0 }, 0, 0 };

	event_list_init(&k.ev);
	OK(fx, store_contacts_list(&fx->ctx, fx->s, NULL, check_contact, &k));
	event_list_release(&k.ev);
	/* the test looked at many moments, and some contacts are quiet for weeks */
	assert_true(k.evaluations > 20 * CONTACTS);
	assert_true(k.quiet > 0);
}

/* An agenda built with the wakes stored equals one built from every contact, day by day. */
static void test_agenda_cached_equals_full(void **state)
{
	struct fixture *fx = *state;
	const char *owners[] = { NULL, "ana", "ben", "" };

	for (int d = 0; d < 20; d++) {
		int64_t now = fx->end + d * DAY + 9 * 3600;
		struct civil cv;

		dt_to_civil(now, &cv);
		for (size_t i = 0; i < sizeof(owners) / sizeof(owners[0]); i++) {
			struct agenda_opts o = { .owner = owners[i], .now = now, .all = d % 2 };
			struct agenda a, b;

			o.day = dt_days_from_civil(cv.year, cv.month, cv.day);
			OK(fx, agenda_build(&fx->ctx, fx->s, &fx->pb, &o, &a));
			o.full = 1;
			/* a full evaluation rewrites the cache too: take it second */
			OK(fx, agenda_build(&fx->ctx, fx->s, &fx->pb, &o, &b));
			assert_int_equal(a.n, b.n);
			assert_true(a.contacts <= b.contacts);
			for (int k = 0; k < a.n; k++) {
				assert_string_equal(a.v[k].id, b.v[k].id);
				assert_true(a.v[k].due == b.v[k].due);
				assert_int_equal(a.v[k].nreasons, b.v[k].nreasons);
			}
			agenda_release(&a);
			agenda_release(&b);
		}
	}
}

/* Every stored wake, one line per contact (malloced), read on a connection of its own. */
static char *wake_dump(struct fixture *fx)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	size_t len = 0, cap = 1 << 16;
	char *out = malloc(cap);

	assert_non_null(out);
	out[0] = 0;
	assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT contact_id, due_day, wake, esc FROM "
					    "contact_wake ORDER BY contact_id", -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int n;

		if (cap - len < 128) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		n = snprintf(out + len, cap - len, "%lld %s %s %s\n", sqlite3_column_int64(st, 0),
			     (const char *)sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "-",
			     (const char *)sqlite3_column_text(st, 2) ? (const char *)sqlite3_column_text(st, 2) : "-",
			     (const char *)sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : "-");
		len += (size_t)n;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* The same follow-up, reason by reason, down to the words. */
static void assert_same_followup(const struct followup *x, const struct followup *y)
{
	assert_string_equal(x->id, y->id);
	assert_true(x->due == y->due);
	assert_int_equal(x->priority, y->priority);
	assert_int_equal(x->overdue, y->overdue);
	assert_int_equal(x->escalated, y->escalated);
	assert_int_equal(x->nreasons, y->nreasons);
	for (int r = 0; r < x->nreasons; r++) {
		assert_int_equal(x->reasons[r].trigger, y->reasons[r].trigger);
		assert_true(x->reasons[r].due == y->reasons[r].due);
		assert_string_equal(x->reasons[r].say ? x->reasons[r].say : "",
				    y->reasons[r].say ? y->reasons[r].say : "");
		assert_string_equal(x->reasons[r].why ? x->reasons[r].why : "",
				    y->reasons[r].why ? y->reasons[r].why : "");
	}
}

/*
 * Evaluated on several threads (every batch, however small, split over workers with their
 * own connections), the agenda is the one evaluated by the caller alone, and so are the
 * wakes it stores.
 */
static void test_agenda_threads_equal_inline(void **state)
{
	struct fixture *fx = *state;

	for (int d = 0; d < 6; d++) {
		int64_t now = fx->end + d * 5 * DAY + 9 * 3600;
		struct civil cv;
		struct agenda one, many;
		struct agenda_opts o = { .now = now, .all = 1, .full = 1, .jobs = 1 };
		char *w1 = NULL, *w3 = NULL;

		dt_to_civil(now, &cv);
		o.day = dt_days_from_civil(cv.year, cv.month, cv.day);
		OK(fx, agenda_build(&fx->ctx, fx->s, &fx->pb, &o, &one));
		w1 = wake_dump(fx);
		o.jobs = 3;
		o.parallel_min = 1;
		OK(fx, store_wake_forget_all(&fx->ctx, fx->s));
		OK(fx, agenda_build(&fx->ctx, fx->s, &fx->pb, &o, &many));
		w3 = wake_dump(fx);
		assert_true(one.n > 0);
		assert_int_equal(one.n, many.n);
		assert_true(one.contacts == many.contacts);
		assert_true(one.contacts >= CONTACTS);
		for (int k = 0; k < one.n; k++)
			assert_same_followup(&one.v[k], &many.v[k]);
		assert_string_equal(w1, w3);
		free(w1);
		free(w3);
		agenda_release(&one);
		agenda_release(&many);
	}
}

struct drift {
	const char *path;
	int64_t contact_id, at;
};

/* The write of another process between the agenda's snapshot and its workers' ones. */
static void write_between(void *arg)
{
	struct drift *d = arg;
	sqlite3 *db = NULL;
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "BEGIN; INSERT INTO events(type, contact_id, time, recorded_at) VALUES "
		 "(9, %lld, %lld, %lld); UPDATE contact_state SET events = events + 1 "
		 "WHERE contact_id = %lld; COMMIT;",
		 (long long)d->contact_id, (long long)d->at, (long long)d->at,
		 (long long)d->contact_id);
	assert_int_equal(sqlite3_open(d->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/*
 * When a writer commits after the agenda began, the workers (later snapshots) disagree with
 * the state the agenda read: the batch is evaluated again by the caller, so the agenda is the
 * one of the snapshot it began with, and no wake is stored.
 */
static void test_agenda_threads_drift(void **state)
{
	struct fixture *fx = *state;
	int64_t now = fx->end + 9 * 3600;
	struct civil cv;
	struct agenda one, many;
	struct agenda_opts o = { .now = now, .all = 1, .full = 1, .jobs = 1 };
	struct drift d = { fx->path, 0, now - 3600 };
	char *w;

	dt_to_civil(now, &cv);
	o.day = dt_days_from_civil(cv.year, cv.month, cv.day);
	OK(fx, agenda_build(&fx->ctx, fx->s, &fx->pb, &o, &one));
	assert_true(one.n > 0);
	d.contact_id = one.v[0].contact_id;
	OK(fx, store_wake_forget_all(&fx->ctx, fx->s));
	o.jobs = 2;
	o.parallel_min = 1;
	o.before_workers = write_between;
	o.before_workers_arg = &d;
	OK(fx, agenda_build(&fx->ctx, fx->s, &fx->pb, &o, &many));
	assert_int_equal(one.n, many.n);
	for (int k = 0; k < one.n; k++)
		assert_same_followup(&one.v[k], &many.v[k]);
	w = wake_dump(fx);
	for (const char *p = w, *sp, *nl; *p; p = nl + 1) { /* "id - - -": nothing stored */
		sp = strchr(p, ' ');
		nl = strchr(p, '\n');
		assert_true(sp && nl && nl - sp == 6);
		assert_memory_equal(sp, " - - -", 6);
	}
	free(w);
	agenda_release(&one);
	agenda_release(&many);
}

/*
 * A rule whose condition fails on some contacts' data (built past the checker, which refuses
 * "stage > 3" since issue 9) never takes the agenda down: those contacts are listed as errors,
 * every other follow-up is still there, inline and on threads alike, and the failing contacts
 * are evaluated again by the next (cached) agenda.
 */
static void test_agenda_bad_rule(void **state)
{
	struct fixture *fx = *state;
	int64_t now = fx->end + 9 * 3600;
	int k = playbook_next_rule(&fx->pb, TRIG_SILENCE, 0);
	struct agenda one, many, again;
	struct agenda_opts o = { .now = now, .all = 1, .full = 1, .jobs = 1 };
	struct civil cv;

	assert_true(k >= 0);
	expr_free(fx->pb.rules[k].when);
	OK(fx, expr_parse(&fx->ctx, "has_phone or stage > 3", &fx->pb.rules[k].when));
	dt_to_civil(now, &cv);
	o.day = dt_days_from_civil(cv.year, cv.month, cv.day);
	OK(fx, agenda_build(&fx->ctx, fx->s, &fx->pb, &o, &one));
	if (one.nerrors == 0 || one.n == 0)
		fail_msg("expected both errors and follow-ups, got %d errors, %d follow-ups",
			 one.nerrors, one.n);
	for (int i = 0; i < one.nerrors; i++) {
		assert_non_null(strstr(one.errors[i].msg, "cannot compare string with number"));
		assert_non_null(strstr(one.errors[i].msg, "rule '"));
		for (int j = 0; j < one.n; j++)
			assert_true(one.v[j].contact_id != one.errors[i].contact_id);
	}
	OK(fx, store_wake_forget_all(&fx->ctx, fx->s));
	o.jobs = 3;
	o.parallel_min = 1;
	OK(fx, agenda_build(&fx->ctx, fx->s, &fx->pb, &o, &many));
	assert_int_equal(one.n, many.n);
	assert_int_equal(one.nerrors, many.nerrors);
	for (int i = 0; i < one.nerrors; i++) {
		assert_int_equal(one.errors[i].contact_id, many.errors[i].contact_id);
		assert_string_equal(one.errors[i].key, many.errors[i].key);
		assert_string_equal(one.errors[i].msg, many.errors[i].msg);
	}
	/* cached: the failing contacts are looked at again, not forgotten */
	o.full = 0;
	OK(fx, agenda_build(&fx->ctx, fx->s, &fx->pb, &o, &again));
	assert_int_equal(again.nerrors, one.nerrors);
	assert_int_equal(again.n, one.n);
	agenda_release(&one);
	agenda_release(&many);
	agenda_release(&again);
}

/* issue 9 item 5: an agenda with nothing in it (no contacts at all) is empty, not undefined */
static void test_agenda_empty(void **state)
{
	char dir[64], path[128];
	struct fu_ctx ctx;
	struct store *s = NULL;
	struct playbook pb;
	struct agenda a;
	struct agenda_opts o = { .now = 1795651200, .all = 1, .jobs = 3, .parallel_min = 1 };

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/fu-test-agenda-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/e.db", dir);
	fu_ctx_init(&ctx);
	playbook_init(&pb);
	assert_int_equal(playbook_load_default(&ctx, &pb), FU_OK);
	assert_int_equal(store_open(&ctx, path, STORE_OPEN_CREATE, &s), FU_OK);
	for (int run = 0; run < 2; run++) { /* on threads, then inline */
		o.jobs = run ? 1 : 3;
		if (agenda_build(&ctx, s, &pb, &o, &a) != FU_OK)
			fail_msg("empty agenda (jobs %d): %s", o.jobs, ctx.msg);
		assert_int_equal(a.n, 0);
		assert_int_equal(a.nerrors, 0);
		agenda_release(&a);
	}
	store_close(s);
	playbook_release(&pb);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wake_is_never_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agenda_cached_equals_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agenda_threads_equal_inline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agenda_threads_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agenda_bad_rule, setup, teardown),
		cmocka_unit_test(test_agenda_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
