/* test-strmap.c - the keyed string map: put, get, replace, growth, keys that look alike */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "strmap.h"

static void test_put_get(void **state)
{
	struct strmap m;
	struct fu_ctx ctx;
	int64_t v = -1;

	(void)state;
	fu_ctx_init(&ctx);
	strmap_init(&m);
	assert_int_equal(strmap_get(&m, "a", &v), 0); /* an empty map has no table */
	assert_int_equal(strmap_put(&ctx, &m, "a", 1), FU_OK);
	assert_int_equal(strmap_put(&ctx, &m, "", 2), FU_OK);
	assert_int_equal(strmap_get(&m, "a", &v), 1);
	assert_int_equal(v, 1);
	assert_int_equal(strmap_get(&m, "", &v), 1);
	assert_int_equal(v, 2);
	assert_int_equal(strmap_put(&ctx, &m, "a", 3), FU_OK); /* replaces */
	assert_int_equal(strmap_get(&m, "a", &v), 1);
	assert_int_equal(v, 3);
	assert_int_equal(m.len, 2);
	assert_int_equal(strmap_get(&m, "b", &v), 0);
	strmap_release(&m);
}

/* Many keys that differ in one character (as a crafted file's would), across growth. */
static void test_many_keys(void **state)
{
	enum { N = 50000 };
	struct strmap m, other;
	struct fu_ctx ctx;
	char key[32];
	int64_t v;

	(void)state;
	fu_ctx_init(&ctx);
	strmap_init(&m);
	strmap_init(&other);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "C%08d", i);
		assert_int_equal(strmap_put(&ctx, &m, key, i), FU_OK);
	}
	assert_int_equal(m.len, N);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "C%08d", i);
		if (!strmap_get(&m, key, &v) || v != i)
			fail_msg("key %s: lost or wrong after growth", key);
	}
	snprintf(key, sizeof(key), "C%08d", N);
	assert_int_equal(strmap_get(&m, key, &v), 0);
	/* each map draws its own hash key */
	assert_int_equal(strmap_put(&ctx, &other, "x", 1), FU_OK);
	assert_memory_not_equal(m.key, other.key, sizeof(m.key));
	strmap_release(&m);
	strmap_release(&other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_many_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
