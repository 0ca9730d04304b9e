/* fuzz-text.c - libFuzzer target: ISO 8601, date formats, durations, amounts, conditions and templates */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "datetime.h"
#include "expr.h"
#include "model.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lookup_expr(void *arg, const char *name, struct expr_value *v)
{
	(void)arg;
	memset(v, 0, sizeof(*v));
	v->kind = name[0] == 's' ? EXPR_STR : EXPR_NUM;
	v->str = "lead";
	v->num = 2;
	return name[0] == 'u' ? -1 : 0;
}

static const char *lookup_tpl(void *arg, const char *name)
{
	(void)arg;
	return name[0] == 'u' ? NULL : "value";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fu_ctx ctx;
	struct expr *e = NULL;
	struct buf b;
	char *s = malloc(size + 1);
	int64_t t;
	int ok;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fu_ctx_init(&ctx);
	dt_parse_iso(&ctx, s, 1, &t);
	dt_parse_format(&ctx, s, "%Y%m%d", &t);
	dt_parse_format(&ctx, s, "%d.%m.%Y %H:%M", &t);
	dt_parse_duration(&ctx, s, &t);
	amount_parse(&ctx, s, &t);
	if (expr_parse(&ctx, s, &e) == FU_OK) {
		expr_eval(&ctx, e, lookup_expr, NULL, &ok);
		expr_free(e);
	}
	buf_init(&b, 1 << 16);
	template_render(&ctx, s, lookup_tpl, NULL, &b);
	buf_release(&b);
	free(s);
	return 0;
}
