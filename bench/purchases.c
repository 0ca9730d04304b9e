/*
 * bench/purchases.c - times reading every purchase of a database as `model fit` and the
 * monthly lapse model do (purchase_log_load), for bench/import.sh:
 *   build/bench-purchases DB
 */
#include "lapse.h"

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "store.h"

#include "banned.h"

int main(int argc, char **argv)
{
	struct purchase_log p;
	struct fu_ctx ctx;
	struct store *s;
	struct timespec t0, t1;
	int rc;

	if (argc != 2) {
		fputs("usage: bench-purchases DB\n", stderr);
		return 1;
	}
	fu_ctx_init(&ctx);
	rc = store_open(&ctx, argv[1], STORE_OPEN_EXISTING, &s);
	if (rc) {
		fprintf(stderr, "bench-purchases: %s\n", ctx.msg);
		return fu_exit_status(rc);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = purchase_log_load(&ctx, s, INT64_MAX, &p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc) {
		fprintf(stderr, "bench-purchases: %s\n", ctx.msg);
		store_close(s);
		return fu_exit_status(rc);
	}
	printf("%zu purchases of %zu customers read in %.3f s\n", p.len, p.n,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	purchase_log_release(&p);
	store_close(s);
	return 0;
}
