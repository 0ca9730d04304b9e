/* fuzz-mail.c - libFuzzer target: any received message is read (never refused), its words clean and capped */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mailparse.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What reaches the log must pass the import's checks: no control characters but line breaks and tabs. */
static void check_clean(const char *s, size_t max)
{
	if (!s)
		return;
	if (strlen(s) > max)
		__builtin_trap();
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_parsed m;
	struct fu_ctx ctx;

	fu_ctx_init(&ctx);
	if (mail_parse(&ctx, (const char *)data, size, 0, &m) != FU_OK) {
		if (ctx.rc != FU_ENOMEM)
			__builtin_trap();
		return 0;
	}
	check_clean(m.text, MAIL_TEXT_MAX);
	check_clean(m.subject, 1 << 16);
	check_clean(m.from, 254);
	check_clean(m.message_id, 250);
	check_clean(m.dsn.diagnostic, 1 << 16);
	check_clean(m.dsn.status, 1 << 16);
	check_clean(m.dsn.original_id, 250);
	for (int i = 0; i < m.nrefs; i++) {
		check_clean(m.refs[i], 250);
		if (strchr(m.refs[i], ' ') || strchr(m.refs[i], '\t'))
			__builtin_trap();
	}
	if (m.nrefs > MAIL_REFS_MAX)
		__builtin_trap();
	mail_parsed_release(&m);
	return 0;
}
