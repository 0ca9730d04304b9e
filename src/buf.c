/* buf.c - growable text buffer with a size cap */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_DEFAULT_CAP ((size_t)64 << 20)

void buf_init(struct buf *b, size_t cap)
{
	b->s = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap ? cap : BUF_DEFAULT_CAP;
}

void buf_release(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = 0;
	b->alloc = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

static int buf_grow(struct fu_ctx *ctx, struct buf *b, size_t extra)
{
	size_t need, n;
	char *p;

	if (extra > b->cap || b->len > b->cap - extra)
		return fu_err(ctx, FU_EINPUT, "text longer than the limit of %zu bytes", b->cap);
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return FU_OK;
	n = b->alloc ? b->alloc : 64;
	while (n < need)
		n *= 2;
	p = realloc(b->s, n);
	if (!p)
		return fu_err(ctx, FU_ENOMEM, "out of memory growing a buffer to %zu bytes", n);
	b->s = p;
	b->alloc = n;
	return FU_OK;
}

int buf_add(struct fu_ctx *ctx, struct buf *b, const char *s, size_t n)
{
	int rc = buf_grow(ctx, b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return FU_OK;
}

int buf_adds(struct fu_ctx *ctx, struct buf *b, const char *s)
{
	return buf_add(ctx, b, s, strlen(s));
}

int buf_addc(struct fu_ctx *ctx, struct buf *b, char c)
{
	return buf_add(ctx, b, &c, 1);
}

int buf_vaddf(struct fu_ctx *ctx, struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return fu_err(ctx, FU_EINTERNAL, "bad format string '%s'", fmt);
	rc = buf_grow(ctx, b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return FU_OK;
}

int buf_addf(struct fu_ctx *ctx, struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vaddf(ctx, b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *buf_cstr(const struct buf *b)
{
	return b->s ? b->s : "";
}

char *buf_detach(struct buf *b)
{
	char *s = b->s;

	b->s = NULL;
	b->len = 0;
	b->alloc = 0;
	return s;
}
