/* buf.h - one growable text buffer with a size cap (for output, messages, request bodies) */
#ifndef FU_BUF_H
#define FU_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "fu.h"

/*
 * A NUL-terminated growable string. buf_init() allocates nothing; buf_release()
 * frees the contents. `cap` (0 = 64 MiB) bounds the length; appending past it
 * fails with FU_EINPUT so untrusted input cannot grow a buffer without limit.
 */
struct buf {
	char *s;     /* always NUL-terminated when len > 0 or after buf_cstr() */
	size_t len;
	size_t alloc;
	size_t cap;
};

void buf_init(struct buf *b, size_t cap);
void buf_release(struct buf *b);
void buf_reset(struct buf *b); /* len = 0, keeps the allocation */

/* Appends; returns FU_OK, or FU_ENOMEM / FU_EINPUT (over cap) with a message on ctx. */
int buf_add(struct fu_ctx *ctx, struct buf *b, const char *s, size_t n);
int buf_adds(struct fu_ctx *ctx, struct buf *b, const char *s);
int buf_addc(struct fu_ctx *ctx, struct buf *b, char c);
int buf_addf(struct fu_ctx *ctx, struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int buf_vaddf(struct fu_ctx *ctx, struct buf *b, const char *fmt, va_list ap);

/* The contents as a C string ("" when empty); valid until the next change. */
const char *buf_cstr(const struct buf *b);

/* Hands the malloced string to the caller (who frees it) and resets b. NULL if empty. */
char *buf_detach(struct buf *b);

#endif
