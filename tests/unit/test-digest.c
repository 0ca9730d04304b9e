/* test-digest.c - the digest's playbook setting, and an owner's day as text: theirs only, in order */
#include "digest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"
#include "store_fixture.h"

#include "banned.h"

/* The built-in playbook with `extra` appended. */
static int load(const char *extra, struct playbook *pb, struct fu_ctx *ctx)
{
	char *yaml = malloc(strlen(playbook_default_yaml) + strlen(extra) + 1);
	int rc;

	assert_non_null(yaml);
	memcpy(yaml, playbook_default_yaml, strlen(playbook_default_yaml));
	memcpy(yaml + strlen(playbook_default_yaml), extra, strlen(extra) + 1);
	playbook_init(pb);
	fu_ctx_init(ctx);
	rc = playbook_load_string(ctx, "shop.yaml", yaml, pb);
	free(yaml);
	return rc;
}

static void test_setting(void **state)
{
	struct playbook pb;
	struct fu_ctx ctx;

	(void)state;
	assert_int_equal(load("", &pb, &ctx), FU_OK);
	assert_int_equal(pb.digest_at, -1); /* none unless asked for */
	playbook_release(&pb);
	assert_int_equal(load("digest:\n  owners:\n    ben: America/New_York\n  at: \"07:30\"\n"
			      "  timezone: Europe/Berlin\n", &pb, &ctx), FU_OK);
	assert_int_equal(pb.digest_at, 7 * 60 + 30);
	assert_string_equal(playbook_owner_zone(&pb, "ben"), "America/New_York");
	assert_string_equal(playbook_owner_zone(&pb, "ana"), "Europe/Berlin");
	playbook_release(&pb);
	assert_int_equal(load("digest:\n  at: \"08:00\"\n", &pb, &ctx), FU_OK);
	assert_string_equal(playbook_owner_zone(&pb, "ana"), "UTC"); /* business.timezone */
	playbook_release(&pb);
	/* refused, at the place */
	assert_int_equal(load("digest:\n  at: \"8am\"\n", &pb, &ctx), FU_EINPUT);
	assert_non_null(strstr(ctx.msg, "digest.at: '8am' is not a time like 08:00"));
	assert_int_equal(load("digest:\n  at: \"24:00\"\n", &pb, &ctx), FU_EINPUT);
	assert_int_equal(load("digest:\n  timezone: UTC\n", &pb, &ctx), FU_EINPUT);
	assert_non_null(strstr(ctx.msg, "digest.at: missing"));
	assert_int_equal(load("digest:\n  at: \"08:00\"\n  owners:\n    ana: Mars/Olympus\n", &pb,
			      &ctx), FU_EINPUT);
	assert_non_null(strstr(ctx.msg, "digest.owners.ana"));
	assert_int_equal(load("digest:\n  at: \"08:00\"\n  owners:\n    ana: UTC\n    ana: UTC\n",
			      &pb, &ctx), FU_EINPUT);
	assert_non_null(strstr(ctx.msg, "given twice"));
}

static void add(struct fixture *fx, const char *type, const char *key, const char *time,
		const char *note)
{
	struct event_text t = { 0 };
	struct record_result r;

	t.type = type;
	t.contact = key;
	t.time = time;
	t.note = note;
	OK(fx, record_event(&fx->ctx, fx->s, &t, 1795597200, &r));
}

static void owner(struct fixture *fx, const char *key, const char *name, const char *who)
{
	struct contact c;

	contact_init(&c);
	c.key = (char *)key;
	c.name = (char *)name;
	c.owner = (char *)who;
	c.email = (char *)"x@example.com";
	OK(fx, store_contact_upsert(&fx->ctx, fx->s, &c, NULL));
}

static void test_text(void **state)
{
	struct fixture *fx = *state;
	struct playbook pb;
	struct buf b;
	int n, autom;
	const char *t, *first, *second;

	owner(fx, "S1", "Sam Smith", "ana");
	owner(fx, "S2", "Sue\nStone", "ana"); /* a name with a line break stays on its line */
	owner(fx, "B1", "Bo Brown", "ben");
	add(fx, "reply", "S2", "2026-11-24T15:00:00Z", "can you deliver\non Friday?");
	add(fx, "lead", "S1", "2026-11-24T16:00:00Z", NULL);
	add(fx, "lead", "B1", "2026-11-24T16:00:00Z", NULL);
	assert_int_equal(load("digest:\n  at: \"08:00\"\n", &pb, &fx->ctx), FU_OK);
	buf_init(&b, 0);
	OK(fx, digest_text(&fx->ctx, fx->s, &pb, "ana", "Europe/London", "https://crm.example",
			   1795597200, &b, &n, &autom));
	t = buf_cstr(&b);
	assert_int_equal(n, 2);
	assert_non_null(strstr(t, "Good morning, ana.\n"));
	assert_non_null(strstr(t, "Wednesday 25 November 2026"));
	assert_null(strstr(t, "Bo Brown"));
	/* the escalated lead (priority 95) before the reply (92) */
	first = strstr(t, "1. Sam Smith (S1), call");
	second = strstr(t, "2. Sue Stone (S2), email");
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second);
	assert_non_null(strstr(t, "\"can you deliver on Friday?\""));
	assert_non_null(strstr(t, "https://crm.example/#/contact/S2\n"));
	assert_non_null(strstr(t, "https://crm.example/#/today\n"));
	buf_release(&b);
	/* an owner with nothing due */
	buf_init(&b, 0);
	OK(fx, digest_text(&fx->ctx, fx->s, &pb, "cy", NULL, NULL, 1795597200, &b, &n, &autom));
	assert_int_equal(n, 0);
	assert_non_null(strstr(buf_cstr(&b), "Nothing is due for you for Wednesday"));
	assert_null(strstr(buf_cstr(&b), "http"));
	buf_release(&b);
	playbook_release(&pb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setting),
		cmocka_unit_test_setup_teardown(test_text, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
