/* fuzz-when.c - libFuzzer target: a rule's `when:` condition goes through `playbook check`
 * (the loader) and, when accepted, through the engine for a new lead and a buyer. Nothing may
 * crash. With FUZZ_WHEN_STRICT=1 in the environment (make test and make fuzz), a condition
 * the check accepted must also evaluate: a type error that passes the check breaks every
 * agenda (issue 9 item 4). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "playbook.h"
#include "tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1764064800 /* 2025-11-25T10:00:00Z */

static void add(struct contact_state *st, struct event_list *l, int64_t id, int type, int64_t t,
		int64_t cents)
{
	struct fu_ctx ctx;
	struct event e;

	event_init(&e);
	e.id = id;
	e.contact_id = 1;
	e.type = type;
	e.time = t;
	e.has_amount = cents > 0;
	e.amount = cents;
	fu_ctx_init(&ctx);
	if (event_list_add(&ctx, l, &e) || contact_state_apply(&ctx, st, &e))
		__builtin_trap();
}

/* Evaluates pb for one contact; 1 when the engine refused a condition. */
static int evaluate(const struct playbook *pb, const struct tz *zone, int buyer)
{
	struct contact c;
	struct contact_state st;
	struct event_list ev;
	struct followup fu;
	struct fu_ctx ctx;
	int open = 0, rc;

	contact_init(&c);
	c.id = 1;
	c.key = (char *)"k1";
	c.name = (char *)"Ada Lovelace";
	c.email = (char *)"ada@example.com";
	contact_state_init(&st, 1);
	event_list_init(&ev);
	followup_init(&fu);
	add(&st, &ev, 1, EV_LEAD, NOW - 3600, 0);
	if (buyer) {
		add(&st, &ev, 2, EV_PURCHASE, NOW - 40 * 86400, 12000);
		add(&st, &ev, 3, EV_PURCHASE, NOW - 2 * 86400, 3000);
	}
	fu_ctx_init(&ctx);
	rc = engine_followup(&ctx, pb, NULL, &c, &st, &ev, zone, NOW, &fu, &open);
	if (rc != FU_OK && rc != FU_EINPUT)
		__builtin_trap();
	followup_release(&fu);
	event_list_release(&ev);
	contact_state_release(&st);
	return rc == FU_EINPUT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const triggers[] = { "new_lead", "repeat_purchase", "silence" };
	static struct tz *zone;
	static int strict = -1;
	struct playbook pb;
	struct fu_ctx ctx;
	struct buf y;
	int bad;

	if (size > 512 || memchr(data, '\n', size) || memchr(data, '\r', size) ||
	    memchr(data, '\0', size))
		return 0;
	if (strict < 0) {
		const char *v = getenv("FUZZ_WHEN_STRICT");

		strict = v && *v == '1';
	}
	fu_ctx_init(&ctx);
	if (!zone && tz_load(&ctx, "UTC", &zone) != FU_OK)
		__builtin_trap();
	/* the condition as a single-quoted YAML scalar ('' is one quote) */
	buf_init(&y, 0);
	if (buf_adds(&ctx, &y, "rules:\n"))
		__builtin_trap();
	for (size_t t = 0; t < sizeof(triggers) / sizeof(triggers[0]); t++) {
		if (buf_addf(&ctx, &y, "  - name: fuzzed %zu\n    trigger: %s\n    action: call\n"
			     "    say: hello\n    when: '", t, triggers[t]))
			__builtin_trap();
		for (size_t i = 0; i < size; i++) {
			if (buf_addc(&ctx, &y, (char)data[i]) ||
			    (data[i] == '\'' && buf_addc(&ctx, &y, '\'')))
				__builtin_trap();
		}
		if (buf_adds(&ctx, &y, "'\n"))
			__builtin_trap();
	}
	playbook_init(&pb);
	if (playbook_load_string(&ctx, "fuzz.yaml", buf_cstr(&y), &pb) == FU_OK) {
		bad = evaluate(&pb, zone, 0) | evaluate(&pb, zone, 1);
		if (bad && strict) {
			fprintf(stderr, "check accepted when: '%.*s' but the engine refused it\n",
				(int)size, (const char *)data);
			__builtin_trap();
		}
		playbook_release(&pb);
	}
	buf_release(&y);
	return 0;
}
