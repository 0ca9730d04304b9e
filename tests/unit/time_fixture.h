/* time_fixture.h - a unit test's instants and zones, failing the test on a bad one (included after cmocka.h) */
#ifndef FU_TIME_FIXTURE_H
#define FU_TIME_FIXTURE_H

#include "datetime.h"
#include "tz.h"

/* The instant of an ISO 8601 text. */
static int64_t iso(const char *s)
{
	struct fu_ctx ctx;
	int64_t t = 0;

	fu_ctx_init(&ctx);
	if (dt_parse_iso(&ctx, s, 0, &t) != FU_OK)
		fail_msg("%s", ctx.msg);
	return t;
}

/* The zone called name, which it says it is (tz_free()d by the test). */
static struct tz *load(const char *name)
{
	struct fu_ctx ctx;
	struct tz *z = NULL;

	fu_ctx_init(&ctx);
	if (tz_load(&ctx, name, &z) != FU_OK)
		fail_msg("loading %s: %s", name, ctx.msg);
	assert_string_equal(tz_name(z), name);
	return z;
}

#endif
