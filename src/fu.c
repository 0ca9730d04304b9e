/* fu.c - error context: recording, prefixing and classifying failures */
#include "fu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fu_ctx_init(struct fu_ctx *ctx)
{
	ctx->rc = FU_OK;
	ctx->msg[0] = '\0';
}

int fu_err(struct fu_ctx *ctx, int rc, const char *fmt, ...)
{
	va_list ap;

	ctx->rc = rc;
	va_start(ap, fmt);
	vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
	va_end(ap);
	return rc;
}

int fu_err_prefix(struct fu_ctx *ctx, const char *fmt, ...)
{
	char prefix[FU_MSG_MAX];
	size_t plen, olen;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix) - 2, fmt, ap);
	va_end(ap);
	plen = strlen(prefix);
	prefix[plen++] = ':';
	prefix[plen++] = ' ';
	olen = strnlen(ctx->msg, FU_MSG_MAX - 1);
	if (plen + olen > FU_MSG_MAX - 1)
		olen = FU_MSG_MAX - 1 - plen;
	memmove(ctx->msg + plen, ctx->msg, olen);
	memcpy(ctx->msg, prefix, plen);
	ctx->msg[plen + olen] = '\0';
	if (ctx->rc == FU_OK)
		ctx->rc = FU_EINTERNAL;
	return ctx->rc;
}

int fu_exit_status(int rc)
{
	switch (rc) {
	case FU_OK:
		return 0;
	case FU_EINPUT:
	case FU_ENOTFOUND:
	case FU_EUSAGE:
	case FU_EBUSY:
	case FU_EACCESS:
		return 1;
	default:
		return 2;
	}
}

int fu_grow(struct fu_ctx *ctx, void *arrp, size_t *cap, size_t need, size_t size, size_t first,
	    const char *what)
{
	size_t n = *cap ? *cap : first;
	void *old, *p;

	if (need <= *cap)
		return FU_OK;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			return fu_err(ctx, FU_ENOMEM, "out of memory: %s", what);
		n *= 2;
	}
	memcpy(&old, arrp, sizeof(old));
	p = realloc(old, n * size);
	if (!p)
		return fu_err(ctx, FU_ENOMEM, "out of memory: %s", what);
	memcpy(arrp, &p, sizeof(p));
	*cap = n;
	return FU_OK;
}

int fu_name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++) {
		if (names[i] && strcmp(s, names[i]) == 0)
			return i;
	}
	return -1;
}

const char *fu_rc_name(int rc)
{
	switch (rc) {
	case FU_OK: return "ok";
	case FU_EINPUT: return "input";
	case FU_ENOTFOUND: return "not_found";
	case FU_EUSAGE: return "usage";
	case FU_ENOMEM: return "no_memory";
	case FU_EIO: return "io";
	case FU_EDB: return "database";
	case FU_EBUSY: return "busy";
	case FU_EACCESS: return "access";
	default: return "internal";
	}
}
