/* fuzz-jsonl.c - libFuzzer target: a JSON Lines import (events, then contacts) into an
 * in-memory store must fail cleanly or account for every line: with --skip-bad, rows =
 * stored + already stored + bad (issue 9: a NUL byte once dropped rows silently). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* one store for the whole run: made once, each import is its own transaction */
static struct store *fuzz_store(void)
{
	static struct store *s;
	struct fu_ctx ctx;

	fu_ctx_init(&ctx);
	if (!s && store_open(&ctx, ":memory:", STORE_OPEN_CREATE, &s) != FU_OK)
		__builtin_trap();
	return s;
}

static void import_once(const uint8_t *data, size_t size, int kind)
{
	struct import_opts o;
	struct import_result r;
	struct fu_ctx ctx;
	FILE *f = fmemopen((void *)data, size ? size : 1, "rb");
	int rc;

	if (!f)
		return;
	if (!size)
		fseek(f, 1, SEEK_SET);
	import_opts_init(&o);
	o.kind = kind;
	o.format = IMPORT_JSONL;
	o.skip_bad = 1;
	o.now = 1764000000;
	import_result_init(&r);
	fu_ctx_init(&ctx);
	rc = import_stream(&ctx, fuzz_store(), f, "fuzz.jsonl", &o, &r);
	fclose(f);
	if (rc == FU_OK && kind == IMPORT_EVENTS && r.rows != r.stored + r.duplicates + r.bad) {
		fprintf(stderr, "%lld rows, %lld stored, %lld already stored, %lld bad\n",
			(long long)r.rows, (long long)r.stored, (long long)r.duplicates,
			(long long)r.bad);
		__builtin_trap();
	}
	if (rc != FU_OK && rc != FU_EINPUT) {
		fprintf(stderr, "import failed with %d: %s\n", rc, ctx.msg);
		__builtin_trap();
	}
	import_result_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	import_once(data, size, IMPORT_EVENTS);
	import_once(data, size, IMPORT_CONTACTS);
	return 0;
}
