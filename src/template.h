/* template.h - rendering what to say: text with {{merge_fields}} */
#ifndef FU_TEMPLATE_H
#define FU_TEMPLATE_H

#include "buf.h"
#include "fu.h"

/* Longest field name, in bytes. Names are made of letters, digits, '_', '.' and '-'. */
#define TEMPLATE_NAME_MAX 64

/*
 * Looks a field up; returns its text (owned by the caller, valid until render returns), ""
 * for a known field that is empty, or NULL if the name is unknown.
 */
typedef const char *(*template_lookup_fn)(void *arg, const char *name);

/*
 * Appends tpl to out with every {{name}} replaced by fn(arg, name) (an empty field renders as
 * empty text), and {{name|fallback}} by `fallback` when that value is NULL or empty. Spaces around the name and the fallback are
 * ignored ("{{ first_name | there }}"). There is no escape: "{{{{" opens a field like "{{", a
 * lone "}}" is plain text. fn may be NULL (every field is then unknown).
 * Returns FU_OK, or on failure leaves out as it was and returns FU_EINPUT with
 * "template: column N: unterminated '{{'", "template: column N: bad field name 'x'",
 * "template: unknown field 'x'" (no fallback), or the buffer's error (over its cap, FU_ENOMEM).
 */
int template_render(struct fu_ctx *ctx, const char *tpl, template_lookup_fn fn, void *arg,
		    struct buf *out);

/*
 * Checks a template's syntax and field names against the NULL-terminated list `known` without
 * rendering; a fallback does not excuse an unknown name. Returns FU_OK, or FU_EINPUT with
 * "template: column N: unterminated '{{'", "template: column N: bad field name 'x'" or
 * "template: unknown field 'x' (known: a, b, ...)"; FU_ENOMEM when the message cannot be built.
 */
int template_check(struct fu_ctx *ctx, const char *tpl, const char *const *known);

/* Called for each field of a template: its name, whether it has a fallback, its 1-based byte column. */
typedef void (*template_field_fn)(void *arg, const char *name, int has_fallback, size_t column);

/*
 * Calls fn for every {{field}} of tpl in order. Returns FU_OK, or FU_EINPUT for a syntax error
 * (the messages of template_check).
 */
int template_fields(struct fu_ctx *ctx, const char *tpl, template_field_fn fn, void *arg);

#endif
