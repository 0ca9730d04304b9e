/* test-account.c - unit tests for the server's accounts (src/account.c and their store section) */
#include "account.h"

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

#include "store_fixture.h"

#include "banned.h"

#define T0 ((int64_t)1767225600) /* 2026-01-01T00:00:00Z */

static void test_users(void **state)
{
	struct fixture *fx = *state;
	struct account who;
	int role;

	assert_int_equal(account_user_add(&fx->ctx, fx->s, "ana", ROLE_REP, "a long secret", T0),
			 FU_OK);
	/* the same name twice, a short password, a bad name, a bad role */
	assert_int_equal(account_user_add(&fx->ctx, fx->s, "ana", ROLE_ADMIN, "another secret", T0),
			 FU_EINPUT);
	assert_string_equal(fx->ctx.msg, "user 'ana' already exists");
	assert_int_equal(account_user_add(&fx->ctx, fx->s, "bo", ROLE_REP, "short", T0), FU_EINPUT);
	assert_int_equal(account_user_add(&fx->ctx, fx->s, "a b", ROLE_REP, "long enough!", T0),
			 FU_EINPUT);
	assert_int_equal(account_role_parse(&fx->ctx, "boss", &role), FU_EINPUT);
	assert_int_equal(account_role_parse(&fx->ctx, "admin", &role), FU_OK);
	assert_int_equal(role, ROLE_ADMIN);

	/* only the right password opens, and an unknown name says the same as a wrong password */
	assert_int_equal(account_password_check(&fx->ctx, fx->s, "ana", "a long secret", &who),
			 FU_OK);
	assert_string_equal(who.name, "ana");
	assert_int_equal(who.role, ROLE_REP);
	assert_int_equal(account_password_check(&fx->ctx, fx->s, "ana", "a long secreT", &who),
			 FU_EINPUT);
	assert_string_equal(fx->ctx.msg, "wrong name or password");
	assert_int_equal(account_password_check(&fx->ctx, fx->s, "nobody", "a long secret", &who),
			 FU_EINPUT);
	assert_string_equal(fx->ctx.msg, "wrong name or password");

	/* a new password replaces the old one */
	assert_int_equal(account_user_passwd(&fx->ctx, fx->s, "ana", "the new secret"), FU_OK);
	assert_int_equal(account_password_check(&fx->ctx, fx->s, "ana", "a long secret", &who),
			 FU_EINPUT);
	assert_int_equal(account_password_check(&fx->ctx, fx->s, "ana", "the new secret", &who),
			 FU_OK);
	assert_int_equal(account_user_passwd(&fx->ctx, fx->s, "nobody", "the new secret"),
			 FU_ENOTFOUND);
}

/* the stored hash of a token is never the token itself */
static int token_text_stored(const char *path, const char *secret)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int found;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM tokens WHERE hash = ?1 OR "
						"instr(hash, ?1) OR instr(?1, hash)", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, secret, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	found = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return found;
}

static void test_tokens(void **state)
{
	struct fixture *fx = *state;
	char api[ACCOUNT_TOKEN_LEN + 1], ro[ACCOUNT_TOKEN_LEN + 1], cal[ACCOUNT_TOKEN_LEN + 1];
	char ses[ACCOUNT_TOKEN_LEN + 1], csrf[ACCOUNT_TOKEN_LEN + 1];
	struct account who;
	int64_t id_api, id_ses;

	assert_int_equal(account_user_add(&fx->ctx, fx->s, "root", ROLE_ADMIN, "root secret", T0),
			 FU_OK);
	assert_int_equal(account_token_add(&fx->ctx, fx->s, "root", TOKEN_API, 0, T0, api, NULL,
					   &id_api), FU_OK);
	assert_int_equal(strlen(api), ACCOUNT_TOKEN_LEN);
	assert_int_equal(account_token_add(&fx->ctx, fx->s, "root", TOKEN_API, 1, T0, ro, NULL,
					   NULL), FU_OK);
	assert_int_equal(account_token_add(&fx->ctx, fx->s, "root", TOKEN_CALENDAR, 0, T0, cal,
					   NULL, NULL), FU_OK);
	assert_int_equal(account_token_add(&fx->ctx, fx->s, "nobody", TOKEN_API, 0, T0, ro, NULL,
					   NULL), FU_ENOTFOUND);
	assert_int_equal(token_text_stored(fx->path, api), 0);

	assert_int_equal(account_token_check(&fx->ctx, fx->s, api, TOKEN_API, T0, &who), FU_OK);
	assert_string_equal(who.name, "root");
	assert_int_equal(who.role, ROLE_ADMIN);
	assert_int_equal(who.read_only, 0);
	assert_int_equal(account_token_check(&fx->ctx, fx->s, ro, TOKEN_API, T0, &who), FU_OK);
	assert_int_equal(who.read_only, 1);
	/* a calendar token opens the calendar only, and an API token never the calendar */
	assert_int_equal(account_token_check(&fx->ctx, fx->s, cal, TOKEN_API, T0, &who),
			 FU_ENOTFOUND);
	assert_int_equal(account_token_check(&fx->ctx, fx->s, cal, TOKEN_CALENDAR, T0, &who), FU_OK);
	assert_int_equal(account_token_check(&fx->ctx, fx->s, api, TOKEN_CALENDAR, T0, &who),
			 FU_ENOTFOUND);
	/* a changed character, garbage */
	api[10] = api[10] == 'A' ? 'B' : 'A';
	assert_int_equal(account_token_check(&fx->ctx, fx->s, api, TOKEN_API, T0, &who),
			 FU_ENOTFOUND);
	assert_int_equal(account_token_check(&fx->ctx, fx->s, "fu_short", TOKEN_API, T0, &who),
			 FU_ENOTFOUND);
	api[10] = api[10] == 'A' ? 'B' : 'A';

	/* revoked: no more */
	assert_int_equal(store_token_revoke(&fx->ctx, fx->s, id_api, T0 + 1), FU_OK);
	assert_int_equal(account_token_check(&fx->ctx, fx->s, api, TOKEN_API, T0 + 2, &who),
			 FU_ENOTFOUND);
	assert_int_equal(store_token_revoke(&fx->ctx, fx->s, id_api, T0 + 3), FU_ENOTFOUND);

	/* a session has a CSRF token and expires */
	assert_int_equal(account_token_add(&fx->ctx, fx->s, "root", TOKEN_SESSION, 0, T0, ses, csrf,
					   &id_ses), FU_OK);
	assert_int_equal(account_token_check(&fx->ctx, fx->s, ses, TOKEN_API, T0 + 60, &who), FU_OK);
	assert_int_equal(who.session, 1);
	assert_string_equal(who.csrf, csrf);
	assert_true(account_secret_equal(csrf, who.csrf));
	assert_false(account_secret_equal(csrf, ses));
	assert_int_equal(account_token_check(&fx->ctx, fx->s, ses, TOKEN_API,
					     T0 + ACCOUNT_SESSION_TTL, &who), FU_ENOTFOUND);

	/* removing the user takes their tokens along */
	assert_int_equal(store_user_remove(&fx->ctx, fx->s, "root"), FU_OK);
	assert_int_equal(account_token_check(&fx->ctx, fx->s, ro, TOKEN_API, T0, &who),
			 FU_ENOTFOUND);
	assert_int_equal(store_user_remove(&fx->ctx, fx->s, "root"), FU_ENOTFOUND);
}

static void test_roles(void **state)
{
	struct account rep = { .role = ROLE_REP }, admin = { .role = ROLE_ADMIN };

	(void)state;
	snprintf(rep.name, sizeof(rep.name), "ana");
	snprintf(admin.name, sizeof(admin.name), "root");
	assert_true(account_sees_owner(&rep, "ana"));
	assert_true(account_sees_owner(&rep, NULL));
	assert_true(account_sees_owner(&rep, ""));
	assert_false(account_sees_owner(&rep, "ben"));
	assert_false(account_sees_owner(&rep, "an"));
	assert_true(account_sees_owner(&admin, "ben"));
}

static void test_forms(void **state)
{
	struct fixture *fx = *state;
	char key[ACCOUNT_TOKEN_LEN + 1], key2[ACCOUNT_TOKEN_LEN + 1];
	struct store_form f;

	assert_int_equal(account_form_add(&fx->ctx, fx->s, "site", "https://example.com/thanks",
					  "https://example.com", NULL, T0, key), FU_OK);
	assert_int_equal(account_form_add(&fx->ctx, fx->s, "site", NULL, NULL, NULL, T0, key2),
			 FU_EINPUT);
	assert_int_equal(account_form_add(&fx->ctx, fx->s, "other", "javascript:alert(1)", NULL,
					  NULL, T0, key2), FU_EINPUT);
	assert_int_equal(account_form_add(&fx->ctx, fx->s, "other", "https://x.example/\"><b>",
					  NULL, NULL, T0, key2), FU_EINPUT);
	assert_int_equal(store_form_get(&fx->ctx, fx->s, key, 1, &f), FU_OK);
	assert_string_equal(f.name, "site");
	assert_string_equal(f.origin, "https://example.com");
	store_form_release(&f);
	assert_int_equal(store_form_get(&fx->ctx, fx->s, "nope", 1, &f), FU_ENOTFOUND);
	assert_int_equal(store_form_remove(&fx->ctx, fx->s, "site"), FU_OK);
	assert_int_equal(store_form_get(&fx->ctx, fx->s, key, 1, &f), FU_ENOTFOUND);
}

static void test_idempotency(void **state)
{
	struct fixture *fx = *state;
	char *body;
	int found, status;

	assert_int_equal(store_idem_get(&fx->ctx, fx->s, "k1", 1, "h1", &found, &status, &body), FU_OK);
	assert_int_equal(found, 0);
	assert_int_equal(store_idem_put(&fx->ctx, fx->s, "k1", 1, "h1", 201, "{\"stored\":2}", T0), FU_OK);
	assert_int_equal(store_idem_put(&fx->ctx, fx->s, "k1", 1, "h9", 201, "{\"stored\":9}", T0), FU_OK);
	assert_int_equal(store_idem_get(&fx->ctx, fx->s, "k1", 1, "h1", &found, &status, &body), FU_OK);
	assert_int_equal(found, STORE_IDEM_SAME);
	assert_int_equal(status, 201);
	assert_string_equal(body, "{\"stored\":2}"); /* the first answer wins */
	free(body);
	/* the same key with another body's hash: found, and said so */
	assert_int_equal(store_idem_get(&fx->ctx, fx->s, "k1", 1, "h9", &found, &status, &body), FU_OK);
	assert_int_equal(found, STORE_IDEM_OTHER_BODY);
	free(body);
	/* a key kept without a hash (before schema 7) matches any body */
	assert_int_equal(store_idem_put(&fx->ctx, fx->s, "k0", 1, NULL, 201, "{}", T0), FU_OK);
	assert_int_equal(store_idem_get(&fx->ctx, fx->s, "k0", 1, "h1", &found, &status, &body), FU_OK);
	assert_int_equal(found, STORE_IDEM_SAME);
	free(body);
	/* another user's key is another key */
	assert_int_equal(store_idem_get(&fx->ctx, fx->s, "k1", 2, "h1", &found, &status, &body), FU_OK);
	assert_int_equal(found, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test(test_roles),
		cmocka_unit_test_setup_teardown(test_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotency, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
