/* test-click.c - unit tests for tracked links (src/click.c): finding links, rewriting, tokens */
#include "click.h"

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

struct found {
	char v[8][128];
	size_t n;
};

static void keep(void *arg, size_t n, const char *start, size_t len)
{
	struct found *f = arg;

	assert_int_equal(n, f->n);
	snprintf(f->v[f->n++], sizeof(f->v[0]), "%.*s", (int)len, start);
}

/* Links end at white space, quotes and angle brackets, without the sentence's punctuation. */
static void test_links(void **state)
{
	struct found f = { .n = 0 };
	const char *text = "See https://a.example/x?y=1&z=2. Or (http://b.example/p_(1)), "
			   "xhttp://not.one, \"https://c.example/q\"! <https://d.example/>; "
			   "https:// alone, http://e.example/end";

	(void)state;
	assert_int_equal(click_links(text, keep, &f), 5);
	assert_string_equal(f.v[0], "https://a.example/x?y=1&z=2");
	assert_string_equal(f.v[1], "http://b.example/p_(1)");
	assert_string_equal(f.v[2], "https://c.example/q");
	assert_string_equal(f.v[3], "https://d.example/");
	assert_string_equal(f.v[4], "http://e.example/end");
	assert_int_equal(click_links("no links here", NULL, NULL), 0);
}

/* Each link becomes base/c/TOKEN, one token per link; the rest of the text stays. */
static void test_rewrite(void **state)
{
	struct fixture *fx = *state;
	const char *id = "c7-0123456789abcdef";
	char t0[CLICK_TOKEN_MAX], t1[CLICK_TOKEN_MAX], want[512];
	struct record_result r;
	struct buf out;
	char *url = NULL;

	buf_init(&out, 0);
	OK(fx, store_begin(&fx->ctx, fx->s));
	OK(fx, click_rewrite(&fx->ctx, fx->s, "https://crm.example/", id,
			     "Hi, see https://a.example/x. And http://b.example!", &out));
	OK(fx, click_token(&fx->ctx, fx->s, id, 0, t0));
	OK(fx, click_token(&fx->ctx, fx->s, id, 1, t1));
	OK(fx, store_commit(&fx->ctx, fx->s));
	snprintf(want, sizeof(want), "Hi, see https://crm.example/c/%s. And https://crm.example/c/%s!",
		 t0, t1);
	assert_string_equal(buf_cstr(&out), want);
	assert_string_not_equal(t0, t1);
	assert_int_equal(strncmp(t0, "c7-0123456789abcdef-0-", 22), 0);
	/* a token changed anywhere, or made up, is refused and nothing is stored */
	t0[strlen(t0) - 1] = t0[strlen(t0) - 1] == '0' ? '1' : '0';
	assert_int_equal(click_follow(&fx->ctx, fx->s, t0, 0, &url, &r), FU_EINPUT);
	assert_string_equal(fx->ctx.msg, "click: the link is not valid");
	assert_null(url);
	assert_int_equal(click_follow(&fx->ctx, fx->s, "c7-0123456789abcdef-0-xyz", 0, &url, &r),
			 FU_EINPUT);
	assert_int_equal(click_follow(&fx->ctx, fx->s, "nonsense", 0, &url, &r), FU_EINPUT);
	/* a good token of a message the store never sent: no text to find the link in */
	assert_int_equal(click_follow(&fx->ctx, fx->s, t1, 0, &url, &r), FU_EINPUT);
	{
		int64_t n;

		OK(fx, store_max_event_id(&fx->ctx, fx->s, &n));
		assert_int_equal(n, 0);
	}
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links),
		cmocka_unit_test_setup_teardown(test_rewrite, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
