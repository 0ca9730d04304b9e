/* store_fixture.h - a unit test's private directory with a fresh database (included by one test file each) */
#ifndef FU_STORE_FIXTURE_H
#define FU_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store.h"

struct fixture {
	char dir[64];
	char path[128];
	struct store *s;
	struct fu_ctx ctx;
};

/* cmocka setup: a new directory /tmp/fu-test-XXXXXX holding t.db, opened as fx->s. */
static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/fu-test-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/t.db", fx->dir);
	fu_ctx_init(&fx->ctx);
	if (store_open(&fx->ctx, fx->path, STORE_OPEN_CREATE, &fx->s)) {
		fprintf(stderr, "store_open: %s\n", fx->ctx.msg);
		rmdir(fx->dir);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

/* cmocka teardown: closes the store and removes the directory with the files a test leaves. */
static int teardown(void **state)
{
	struct fixture *fx = *state;
	const char *const suffix[] = { "", "-wal", "-shm", "-journal", ".yaml" };
	char p[160];

	store_close(fx->s);
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
		unlink(p);
	}
	rmdir(fx->dir);
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

#endif
