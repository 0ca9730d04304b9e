/* template.c - rendering and checking what-to-say text with {{merge_fields}} */
#include "template.h"

#include <string.h>

#include "banned.h"

/* One piece of a template: plain text, or a field with an optional fallback. */
struct piece {
	int is_field;
	const char *text; /* plain text, or the fallback */
	size_t len;
	int has_fallback;
	size_t column;    /* 1-based byte column where the piece begins */
	char name[TEMPLATE_NAME_MAX + 1];
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

/* Narrows [*s, *s + *n) to its part without surrounding blanks. */
static void trim(const char **s, size_t *n)
{
	while (*n && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && is_blank((*s)[*n - 1]))
		(*n)--;
}

/*
 * Reads the piece at tpl + *pos into pc and moves *pos past it. Returns FU_OK with pc->len == 0
 * and !pc->is_field at the end, or FU_EINPUT for a malformed field.
 */
static int next_piece(struct fu_ctx *ctx, const char *tpl, size_t *pos, struct piece *pc)
{
	const char *s = tpl + *pos, *open, *close, *bar, *name;
	size_t n, i;

	memset(pc, 0, sizeof(*pc));
	pc->column = *pos + 1;
	open = strstr(s, "{{");
	if (open != s) {
		pc->text = s;
		pc->len = open ? (size_t)(open - s) : strlen(s);
		*pos += pc->len;
		return FU_OK;
	}
	close = strstr(s + 2, "}}");
	if (!close)
		return fu_err(ctx, FU_EINPUT, "template: column %zu: unterminated '{{'", *pos + 1);
	name = s + 2;
	bar = memchr(name, '|', (size_t)(close - name));
	n = (size_t)((bar ? bar : close) - name);
	trim(&name, &n);
	for (i = 0; i < n && is_name_char(name[i]); i++)
		;
	if (!n || i < n || n > TEMPLATE_NAME_MAX)
		return fu_err(ctx, FU_EINPUT, "template: column %zu: bad field name '%.*s'", *pos + 1,
			      n > TEMPLATE_NAME_MAX ? TEMPLATE_NAME_MAX : (int)n, name);
	memcpy(pc->name, name, n);
	pc->name[n] = '\0';
	pc->is_field = 1;
	if (bar) {
		pc->has_fallback = 1;
		pc->text = bar + 1;
		pc->len = (size_t)(close - pc->text);
		trim(&pc->text, &pc->len);
	}
	*pos = (size_t)(close + 2 - tpl);
	return FU_OK;
}

typedef int (*piece_fn)(struct fu_ctx *ctx, const struct piece *pc, void *arg);

/* Calls fn for every piece of tpl in order; returns the first failure, or FU_OK at the end. */
static int walk(struct fu_ctx *ctx, const char *tpl, piece_fn fn, void *arg)
{
	struct piece pc;
	size_t pos = 0;
	int rc;

	for (;;) {
		rc = next_piece(ctx, tpl, &pos, &pc);
		if (rc)
			return rc;
		if (!pc.is_field && !pc.len)
			return FU_OK;
		rc = fn(ctx, &pc, arg);
		if (rc)
			return rc;
	}
}

struct rendering {
	template_lookup_fn fn;
	void *arg;
	struct buf *out;
};

static int render_piece(struct fu_ctx *ctx, const struct piece *pc, void *arg)
{
	struct rendering *r = arg;
	const char *value;

	if (!pc->is_field)
		return buf_add(ctx, r->out, pc->text, pc->len);
	value = r->fn ? r->fn(r->arg, pc->name) : NULL;
	if (pc->has_fallback && (!value || !value[0]))
		return buf_add(ctx, r->out, pc->text, pc->len);
	if (!value)
		return fu_err(ctx, FU_EINPUT, "template: unknown field '%s'", pc->name);
	return buf_adds(ctx, r->out, value);
}

int template_render(struct fu_ctx *ctx, const char *tpl, template_lookup_fn fn, void *arg,
		    struct buf *out)
{
	struct rendering r = { fn, arg, out };
	size_t before = out->len;
	int rc = walk(ctx, tpl, render_piece, &r);

	if (rc && out->s) {
		out->len = before;
		out->s[before] = '\0';
	}
	return rc;
}

static int is_known(const char *name, const char *const *known)
{
	for (; known && *known; known++)
		if (!strcmp(name, *known))
			return 1;
	return 0;
}

/* FU_EINPUT naming the unknown field and listing the known ones (cut short to fit a message). */
static int unknown_field(struct fu_ctx *ctx, const char *name, const char *const *known)
{
	struct buf list;
	int rc = FU_OK;

	buf_init(&list, FU_MSG_MAX);
	for (; !rc && known && *known; known++)
		rc = buf_addf(ctx, &list, "%s%s", list.len ? ", " : "", *known);
	if (rc == FU_ENOMEM) {
		buf_release(&list);
		return rc;
	}
	rc = fu_err(ctx, FU_EINPUT, "template: unknown field '%s' (known: %s)", name,
		    list.len ? buf_cstr(&list) : "none");
	buf_release(&list);
	return rc;
}

static int check_piece(struct fu_ctx *ctx, const struct piece *pc, void *arg)
{
	const char *const *known = arg;

	if (pc->is_field && !is_known(pc->name, known))
		return unknown_field(ctx, pc->name, known);
	return FU_OK;
}

int template_check(struct fu_ctx *ctx, const char *tpl, const char *const *known)
{
	return walk(ctx, tpl, check_piece, (void *)known);
}

struct field_walk {
	template_field_fn fn;
	void *arg;
};

static int field_piece(struct fu_ctx *ctx, const struct piece *pc, void *arg)
{
	struct field_walk *fw = arg;

	(void)ctx;
	if (pc->is_field)
		fw->fn(fw->arg, pc->name, pc->has_fallback, pc->column);
	return FU_OK;
}

int template_fields(struct fu_ctx *ctx, const char *tpl, template_field_fn fn, void *arg)
{
	struct field_walk fw = { fn, arg };

	return walk(ctx, tpl, field_piece, &fw);
}
