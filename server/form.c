/* form.c - a page's form post read: urlencoded or multipart/form-data */
#include "form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "banned.h"

void form_init(struct form *f)
{
	f->v = NULL;
	f->n = 0;
}

void form_release(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].name);
		free(f->v[i].value);
		free(f->v[i].filename);
	}
	free(f->v);
	form_init(f);
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes '+' and %XX in place; returns the new length. */
static size_t url_decode(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '+') {
			s[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
			   (lo = hexval(s[i + 2])) >= 0) {
			s[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	return o;
}

static int add(struct fu_ctx *ctx, struct form *f, char *name, char *value, size_t len,
	       char *filename)
{
	struct form_field *v;

	if (!name || !value) {
		free(name);
		free(value);
		free(filename);
		return fu_err(ctx, FU_ENOMEM, "out of memory reading a form");
	}
	if (f->n == FORM_FIELDS_MAX) {
		free(name);
		free(value);
		free(filename);
		return fu_err(ctx, FU_EINPUT, "the form has more than %d fields", FORM_FIELDS_MAX);
	}
	v = realloc(f->v, (f->n + 1) * sizeof(*v));
	if (!v) {
		free(name);
		free(value);
		free(filename);
		return fu_err(ctx, FU_ENOMEM, "out of memory reading a form");
	}
	f->v = v;
	v[f->n].name = name;
	v[f->n].value = value;
	v[f->n].len = len;
	v[f->n].filename = filename;
	f->n++;
	return FU_OK;
}

static int parse_urlencoded(struct fu_ctx *ctx, const char *body, size_t n, struct form *f)
{
	size_t i = 0;

	while (i < n) {
		size_t end = i, eq;
		char *name, *value;
		int rc;

		while (end < n && body[end] != '&')
			end++;
		for (eq = i; eq < end && body[eq] != '='; eq++)
			;
		if (end > i) {
			name = dup_n(body + i, eq - i);
			value = eq < end ? dup_n(body + eq + 1, end - eq - 1) : dup_n("", 0);
			if (name)
				url_decode(name, strlen(name));
			rc = add(ctx, f, name, value, value ? url_decode(value, strlen(value)) : 0,
				 NULL);
			if (rc)
				return rc;
		}
		i = end + 1;
	}
	return FU_OK;
}

static const char *find_n(const char *hay, size_t n, const char *needle, size_t m)
{
	if (m == 0 || n < m)
		return NULL;
	for (size_t i = 0; i + m <= n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
			return hay + i;
	return NULL;
}

/* The value of param (name="...") in a header line [h, end), malloced; NULL when absent. */
static char *header_param(const char *h, const char *end, const char *param)
{
	size_t m = strlen(param);

	for (const char *p = h; p + m + 2 <= end; p++) {
		const char *q;

		if (strncasecmp(p, param, m) != 0 || p[m] != '=' ||
		    (p > h && p[-1] != ' ' && p[-1] != ';'))
			continue;
		p += m + 1;
		if (*p == '"') {
			q = memchr(p + 1, '"', (size_t)(end - p - 1));
			return q ? dup_n(p + 1, (size_t)(q - p - 1)) : NULL;
		}
		for (q = p; q < end && *q != ';' && *q != ' '; q++)
			;
		return dup_n(p, (size_t)(q - p));
	}
	return NULL;
}

static int parse_multipart(struct fu_ctx *ctx, const char *ct, const char *body, size_t n,
			   struct form *f)
{
	char *boundary = header_param(ct, ct + strlen(ct), "boundary"), delim[128];
	const char *p, *end = body + n;
	size_t dl;

	if (!boundary || !*boundary || strlen(boundary) > 70) {
		free(boundary);
		return fu_err(ctx, FU_EINPUT, "multipart/form-data: no boundary");
	}
	dl = (size_t)snprintf(delim, sizeof(delim), "--%s", boundary);
	free(boundary);
	p = find_n(body, n, delim, dl);
	while (p) {
		const char *hdr = p + dl, *hend, *data, *next;
		char *name = NULL, *filename = NULL;
		int rc;

		if (end - hdr >= 2 && hdr[0] == '-' && hdr[1] == '-')
			return FU_OK; /* the closing delimiter */
		if (end - hdr < 2 || hdr[0] != '\r' || hdr[1] != '\n')
			break;
		hdr += 2;
		hend = find_n(hdr, (size_t)(end - hdr), "\r\n\r\n", 4);
		if (!hend)
			break;
		data = hend + 4;
		/* the part ends at CRLF and the next delimiter */
		next = data;
		for (;;) {
			next = find_n(next, (size_t)(end - next), delim, dl);
			if (!next || (next - data >= 2 && next[-2] == '\r' && next[-1] == '\n'))
				break;
			if (next == data)
				break;
			next++;
		}
		if (!next || next - data < 2)
			break;
		for (const char *l = hdr; l < hend;) {
			const char *le = find_n(l, (size_t)(hend + 2 - l), "\r\n", 2);

			if (!le)
				le = hend;
			if ((size_t)(le - l) > 20 && !strncasecmp(l, "Content-Disposition:", 20)) {
				name = header_param(l + 20, le, "name");
				filename = header_param(l + 20, le, "filename");
			}
			l = le + 2;
		}
		if (!name) {
			free(filename);
			return fu_err(ctx, FU_EINPUT, "multipart/form-data: a part without a name");
		}
		rc = add(ctx, f, name, dup_n(data, (size_t)(next - 2 - data)),
			 (size_t)(next - 2 - data), filename);
		if (rc)
			return rc;
		p = next;
	}
	return fu_err(ctx, FU_EINPUT, "multipart/form-data: the body is cut short or malformed");
}

int form_parse(struct fu_ctx *ctx, const char *ct, const char *body, size_t n, struct form *f)
{
	if (!body)
		body = "";
	if (ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33))
		return parse_urlencoded(ctx, body, n, f);
	if (ct && !strncasecmp(ct, "multipart/form-data", 19))
		return parse_multipart(ctx, ct, body, n, f);
	return fu_err(ctx, FU_EINPUT, "send the form as application/x-www-form-urlencoded or "
				      "multipart/form-data");
}

const struct form_field *form_field(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}

const char *form_get(const struct form *f, const char *name)
{
	const struct form_field *x = form_field(f, name);

	return x ? x->value : NULL;
}
