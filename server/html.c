/* html.c - HTML built on a buf, every value escaped by construction */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

#define HTML_CAP (16 * 1024 * 1024)

void html_init(struct html *h, struct fu_ctx *ctx)
{
	h->ctx = ctx;
	buf_init(&h->b, HTML_CAP);
	h->rc = FU_OK;
}

void html_release(struct html *h)
{
	buf_release(&h->b);
}

void html_markup_(struct html *h, const char *literal)
{
	if (!h->rc)
		h->rc = buf_adds(h->ctx, &h->b, literal);
}

void html_textn(struct html *h, const char *s, size_t n)
{
	size_t start = 0;

	if (!s)
		return;
	for (size_t i = 0; i < n && !h->rc; i++) {
		const char *e;

		switch (s[i]) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		case '\0': e = "\xef\xbf\xbd"; break; /* U+FFFD: a NUL never reaches the page */
		default: continue;
		}
		h->rc = buf_add(h->ctx, &h->b, s + start, i - start);
		if (!h->rc)
			h->rc = buf_adds(h->ctx, &h->b, e);
		start = i + 1;
	}
	if (!h->rc && start < n)
		h->rc = buf_add(h->ctx, &h->b, s + start, n - start);
}

void html_text(struct html *h, const char *s)
{
	if (s)
		html_textn(h, s, strlen(s));
}

void html_textf(struct html *h, const char *fmt, ...)
{
	char small[256], *big = NULL;
	va_list ap;
	int n;

	if (h->rc)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		h->rc = fu_err(h->ctx, FU_EINTERNAL, "a page's text could not be formatted");
		return;
	}
	if ((size_t)n < sizeof(small)) {
		html_textn(h, small, (size_t)n);
		return;
	}
	big = malloc((size_t)n + 1);
	if (!big) {
		h->rc = fu_err(h->ctx, FU_ENOMEM, "out of memory writing a page");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	html_textn(h, big, (size_t)n);
	free(big);
}

void html_url(struct html *h, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s && !h->rc; s++) {
		unsigned char c = (unsigned char)*s;
		char enc[4];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || (keep && strchr(keep, c))) {
			html_textn(h, (const char *)&c, 1); /* keep may hold & or ': escaped */
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[c >> 4];
		enc[2] = hex[c & 15];
		enc[3] = '\0';
		h->rc = buf_add(h->ctx, &h->b, enc, 3);
	}
}
