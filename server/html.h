/* html.h - HTML built on a buf, every value escaped by construction (text, attributes, URLs) */
#ifndef FU_HTML_H
#define FU_HTML_H

#include <stddef.h>

#include "buf.h"
#include "fu.h"

/*
 * A page being written. Markup goes in only as string literals (html_lit); anything else
 * (data, numbers, names) goes through html_text, html_textf or html_url, which escape it
 * for element text and for a double-quoted attribute alike. The first failure (out of
 * memory, over the cap) is kept in rc and every later call does nothing, so a page is
 * written straight through and checked once at the end. html_init allocates nothing;
 * html_release frees the text.
 */
struct html {
	struct fu_ctx *ctx;
	struct buf b;
	int rc;
};

void html_init(struct html *h, struct fu_ctx *ctx);
void html_release(struct html *h);

/* Markup: a string literal only (the macro refuses anything else at compile time). */
#define html_lit(h, s) html_markup_((h), "" s "")
void html_markup_(struct html *h, const char *literal);
/* Text escaped (& < > " '); NULL adds nothing. */
void html_text(struct html *h, const char *s);
void html_textn(struct html *h, const char *s, size_t n);
/* printf, then escaped as text. */
void html_textf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * A URL's part (a path segment, a query value, the address of tel: or mailto:):
 * percent-encoded except the unreserved characters and those in keep (may be NULL), then
 * escaped as text. NULL adds nothing. When keep holds none of & < > " ', nothing it writes
 * is changed by the escaping, so a struct html also builds a URL for a Location header.
 */
void html_url(struct html *h, const char *s, const char *keep);

#endif
