/* test-record.c - unit tests for recording by hand (src/record.c) and choosing the playbook (src/playbook_store.c) */
#include "record.h"

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
#include "playbook_store.h"

#include "store_fixture.h"

#include "banned.h"

#define NOW ((int64_t)1795590000) /* 2026-11-25T05:00:00Z */


/* One integer from SQL run on the database file itself (behind the store's back). */
static int64_t sql_int(struct fixture *fx, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void sql_exec(struct fixture *fx, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_event_stored_and_folded(void **state)
{
	struct fixture *fx = *state;
	struct event_text t = { .type = "purchase", .contact = "K1", .amount = "12.50",
				.id = "ord-1" };
	struct record_result r;
	struct contact_state st;

	OK(fx, record_event(&fx->ctx, fx->s, &t, NOW, &r));
	assert_int_equal(r.stored, 1);
	assert_int_equal(r.new_contact, 1);
	assert_true(r.event_id > 0);
	assert_string_equal(r.key, "K1");
	/* the state is folded in the same transaction; the clock is the event's time */
	OK(fx, store_state_get(&fx->ctx, fx->s, r.contact_id, &st));
	assert_int_equal(st.purchases, 1);
	assert_int_equal(st.spend, 1250);
	assert_int_equal(st.last_purchase, NOW);
	/* the same id again: nothing changes, and no contact is made */
	OK(fx, record_event(&fx->ctx, fx->s, &t, NOW + 60, &r));
	assert_int_equal(r.stored, 0);
	assert_int_equal(r.new_contact, 0);
	assert_int_equal(r.event_id, 0);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM events"), 1);
}

/* What import refuses, a hand-made event refuses too, and nothing is left behind. */
static void test_event_validated_as_import(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		struct event_text t;
		const char *msg;
	} bad[] = {
		{ { .type = "lead", .contact = "K\xc3" }, "contact: invalid UTF-8" },
		{ { .type = "lead", .contact = "K1", .note = "caf\xe9" }, "note: invalid UTF-8" },
		{ { .type = "touch", .contact = "K1", .channel = "\xed\xa0\x80" },
		  "channel: invalid UTF-8" },
		{ { .type = "lead", .contact = "K1", .ref = "a\x01" }, "ref: control character" },
		{ { .type = "buy", .contact = "K1" }, "unknown type" },
		{ { .type = "lead", .contact = "K1", .time = "2026-13-01" }, "time" },
		{ { .type = "lead", .contact = "K1", .outcome = "reached" },
		  "only a touch has an outcome" },
		{ { .type = "purchase", .contact = "K1", .amount = "12.345" }, "amount" },
	};
	struct record_result r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fu_ctx_init(&fx->ctx);
		assert_int_equal(record_event(&fx->ctx, fx->s, &bad[i].t, NOW, &r), FU_EINPUT);
		if (!strstr(fx->ctx.msg, bad[i].msg))
			fail_msg("case %zu: message '%s' lacks '%s'", i, fx->ctx.msg, bad[i].msg);
		assert_int_equal(r.stored, 0);
	}
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM events"), 0);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM contacts"), 0);
}

/* A failure after the append (here: the fold's write) rolls the append back. */
static void test_event_all_or_nothing(void **state)
{
	struct fixture *fx = *state;
	struct event_text t = { .type = "lead", .contact = "K1" };
	struct record_result r;

	sql_exec(fx, "CREATE TRIGGER no_state BEFORE INSERT ON contact_state "
		     "BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	assert_int_equal(record_event(&fx->ctx, fx->s, &t, NOW, &r), FU_EDB);
	assert_int_equal(r.stored, 0);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM events"), 0);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM contacts"), 0);
}

static void test_outcome(void **state)
{
	struct fixture *fx = *state;
	struct event_text t = { .type = "lead", .contact = "L1", .channel = "web_form" };
	struct record_result r;
	struct playbook pb;
	struct followup f;
	int64_t before;
	int open = 0;

	OK(fx, record_event(&fx->ctx, fx->s, &t, NOW - 3600, &r));
	playbook_init(&pb);
	OK(fx, agenda_playbook(&fx->ctx, fx->s, &pb));
	OK(fx, agenda_contact(&fx->ctx, fx->s, &pb, r.contact_id, NOW, &f, &open));
	assert_int_equal(open, 1);
	before = sql_int(fx, "SELECT count(*) FROM events");
	/* a malformed id, an id that names another moment, a date that does not belong */
	assert_int_equal(record_outcome(&fx->ctx, fx->s, &pb, "x12", "reached", NULL, NULL, NOW,
					&r), FU_EINPUT);
	assert_int_equal(record_outcome(&fx->ctx, fx->s, &pb, "F999-1", "reached", NULL, NULL,
					NOW, &r), FU_ENOTFOUND);
	assert_int_equal(record_outcome(&fx->ctx, fx->s, &pb, f.id, "not-yet", NULL, NULL, NOW,
					&r), FU_EINPUT);
	assert_non_null(strstr(fx->ctx.msg, "needs the agreed date"));
	assert_int_equal(record_outcome(&fx->ctx, fx->s, &pb, f.id, "reached", "2026-12-01",
					NULL, NOW, &r), FU_EINPUT);
	assert_int_equal(record_outcome(&fx->ctx, fx->s, &pb, f.id, "maybe", NULL, NULL, NOW,
					&r), FU_EINPUT);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM events"), before);
	/* the real thing: a touch on the follow-up's channel; the lead is answered */
	OK(fx, record_outcome(&fx->ctx, fx->s, NULL, f.id, "reached", NULL, "we talked", NOW, &r));
	assert_int_equal(r.stored, 1);
	assert_string_equal(r.key, "L1");
	assert_string_equal(r.channel, channel_name(f.channel));
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM events WHERE type = 8 AND "
				     "outcome = 'reached' AND note = 'we talked'"), 1);
	/* the id has moved on: the same outcome again is refused */
	assert_int_equal(record_outcome(&fx->ctx, fx->s, &pb, f.id, "reached", NULL, NULL, NOW,
					&r), FU_EINPUT);
	followup_release(&f);
	playbook_release(&pb);
}

/* Writes the built-in playbook's source to a file beside the database. */
static void write_playbook(struct fixture *fx, char *path, size_t n)
{
	struct playbook pb;
	FILE *f;

	snprintf(path, n, "%s.yaml", fx->path);
	playbook_init(&pb);
	OK(fx, playbook_load_default(&fx->ctx, &pb));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# a copy\n", f);
	fputs(pb.source, f);
	fclose(f);
	playbook_release(&pb);
}

static void test_playbook_use_atomic(void **state)
{
	struct fixture *fx = *state;
	struct store_wake w;
	struct playbook pb;
	char path[160], *kept = NULL;
	int64_t id;

	OK(fx, store_contact_ensure(&fx->ctx, fx->s, "K1", &id, NULL));
	w = (struct store_wake){ id, 100, 200, STORE_WAKE_NEVER };
	OK(fx, store_wake_set(&fx->ctx, fx->s, &w, 1));
	write_playbook(fx, path, sizeof(path));
	/* the second step (forgetting the wakes) fails: the first is undone */
	sql_exec(fx, "CREATE TRIGGER no_forget BEFORE UPDATE ON contact_wake "
		     "BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	playbook_init(&pb);
	assert_int_equal(playbook_store_use(&fx->ctx, fx->s, path, &pb), FU_EDB);
	playbook_release(&pb);
	OK(fx, store_playbook_get(&fx->ctx, fx->s, &kept));
	assert_null(kept);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM contact_wake WHERE wake = 200"), 1);
	/* without the fault: kept, and every wake forgotten */
	sql_exec(fx, "DROP TRIGGER no_forget;");
	playbook_init(&pb);
	OK(fx, playbook_store_use(&fx->ctx, fx->s, path, &pb));
	OK(fx, store_playbook_get(&fx->ctx, fx->s, &kept));
	assert_non_null(kept);
	assert_string_equal(kept, pb.source);
	free(kept);
	playbook_release(&pb);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM contact_wake WHERE wake IS NULL"), 1);
	/* a bad file changes nothing */
	OK(fx, store_wake_set(&fx->ctx, fx->s, &w, 1));
	playbook_init(&pb);
	assert_int_equal(playbook_store_use(&fx->ctx, fx->s, fx->dir, &pb) != FU_OK, 1);
	playbook_release(&pb);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM contact_wake WHERE wake = 200"), 1);
	/* back to the built-in one: the kept source is gone */
	playbook_init(&pb);
	OK(fx, playbook_store_use(&fx->ctx, fx->s, NULL, &pb));
	playbook_release(&pb);
	OK(fx, store_playbook_get(&fx->ctx, fx->s, &kept));
	assert_null(kept);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM contact_wake WHERE wake IS NULL"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_event_stored_and_folded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_validated_as_import, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outcome, setup, teardown),
		cmocka_unit_test_setup_teardown(test_playbook_use_atomic, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
