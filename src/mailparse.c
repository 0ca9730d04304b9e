/* mailparse.c - a received e-mail read: headers, MIME parts, charsets, its words, its kind */
#include "mailparse.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "datetime.h"
#include "model.h"

#include "banned.h"

#define VALUE_MAX 16384 /* bytes of one unfolded header value kept */

static int oom(struct fu_ctx *ctx)
{
	return fu_err(ctx, FU_ENOMEM, "out of memory reading a message");
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

/* ---- header fields ---- */

struct hdr {
	char *name, *value;
};

struct hdrs {
	struct hdr *v;
	int n;
	size_t cap;
};

static void hdrs_release(struct hdrs *h)
{
	for (int i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].value);
	}
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* The line at p (up to end): its length without the line break, and where the next starts. */
static size_t line_at(const char *p, const char *end, const char **next)
{
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	size_t n;

	if (!eol) {
		*next = end;
		n = (size_t)(end - p);
	} else {
		*next = eol + 1;
		n = (size_t)(eol - p);
	}
	if (n && p[n - 1] == '\r')
		n--;
	return n;
}

/* Appends " " and the text s[0..n) (spaces at its ends trimmed) to a header value, up to VALUE_MAX. */
static int value_add(struct fu_ctx *ctx, char **v, const char *s, size_t n)
{
	size_t have = *v ? strlen(*v) : 0;
	char *d;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (have + n + 2 > VALUE_MAX)
		n = have + 2 >= VALUE_MAX ? 0 : VALUE_MAX - have - 2;
	if (*v && n == 0)
		return FU_OK;
	d = realloc(*v, have + n + 2);
	if (!d)
		return oom(ctx);
	if (have && n)
		d[have++] = ' ';
	memcpy(d + have, s, n);
	d[have + n] = 0;
	*v = d;
	return FU_OK;
}

/*
 * Reads the header block at p..end into h (continuation lines unfolded); *body is set to
 * just after the blank line that ends it (end when there is none).
 */
static int headers_read(struct fu_ctx *ctx, const char *p, const char *end, struct hdrs *h,
			const char **body)
{
	const char *next;
	int rc = FU_OK, skipping = 0;

	while (p < end && !rc) {
		size_t n = line_at(p, end, &next);
		const char *colon;

		if (n == 0) {
			p = next;
			break;
		}
		if (p[0] == ' ' || p[0] == '\t') {
			if (h->n && !skipping)
				rc = value_add(ctx, &h->v[h->n - 1].value, p, n);
			p = next;
			continue;
		}
		colon = memchr(p, ':', n);
		skipping = 1;
		if (colon && colon > p && h->n < MAIL_HEADERS_MAX) {
			size_t nn = (size_t)(colon - p);
			struct hdr *x;

			while (nn && (p[nn - 1] == ' ' || p[nn - 1] == '\t'))
				nn--;
			if (fu_grow(ctx, &h->v, &h->cap, (size_t)h->n + 1, sizeof(*h->v), 16,
				    "reading a message"))
				return ctx->rc;
			x = &h->v[h->n];
			x->name = dup_n(p, nn);
			x->value = NULL;
			if (!x->name)
				return oom(ctx);
			h->n++;
			rc = value_add(ctx, &x->value, colon + 1, n - (size_t)(colon + 1 - p));
			skipping = 0;
		}
		p = next;
	}
	*body = p;
	return rc;
}

static const char *hdr_get(const struct hdrs *h, const char *name)
{
	for (int i = 0; i < h->n; i++) {
		if (!strcasecmp(h->v[i].name, name))
			return h->v[i].value ? h->v[i].value : "";
	}
	return NULL;
}

/* ---- Content-Type and its parameters ---- */

struct ctype {
	char type[32], sub[64];
	char boundary[200], charset[48], report[48];
};

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* The value of parameter `name` in a header like `text/plain; charset="utf-8"` into out ("" if none). */
static void param_get(const char *v, const char *name, char *out, size_t n)
{
	const char *p = v ? strchr(v, ';') : NULL;
	size_t ln = strlen(name);

	out[0] = 0;
	while (p && *p) {
		const char *a;
		size_t an, k = 0;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		a = p;
		while (*p && *p != '=' && *p != ';' && *p != ' ' && *p != '\t')
			p++;
		an = (size_t)(p - a);
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=') {
			p = strchr(p, ';');
			continue;
		}
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (an == ln && !strncasecmp(a, name, ln)) {
			if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1])
						p++;
					if (k + 1 < n)
						out[k++] = *p;
				}
			} else {
				for (; *p && *p != ';' && *p != ' ' && *p != '\t'; p++) {
					if (k + 1 < n)
						out[k++] = *p;
				}
			}
			out[k] = 0;
			return;
		}
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
			}
		}
		p = strchr(p, ';');
	}
}

static void ctype_parse(const char *v, struct ctype *ct)
{
	size_t k = 0;
	const char *p = v;

	memset(ct, 0, sizeof(*ct));
	if (p) {
		while (*p == ' ' || *p == '\t')
			p++;
		for (; *p && *p != '/' && *p != ';' && *p != ' ' && k + 1 < sizeof(ct->type); p++)
			ct->type[k++] = *p;
		ct->type[k] = 0;
		k = 0;
		if (*p == '/') {
			for (p++; *p && *p != ';' && *p != ' ' && k + 1 < sizeof(ct->sub); p++)
				ct->sub[k++] = *p;
			ct->sub[k] = 0;
		}
	}
	if (!ct->type[0] || !ct->sub[0]) {
		snprintf(ct->type, sizeof(ct->type), "text");
		snprintf(ct->sub, sizeof(ct->sub), "plain");
	}
	lower(ct->type);
	lower(ct->sub);
	param_get(v, "boundary", ct->boundary, sizeof(ct->boundary));
	param_get(v, "charset", ct->charset, sizeof(ct->charset));
	param_get(v, "report-type", ct->report, sizeof(ct->report));
	lower(ct->charset);
	lower(ct->report);
}

/* ---- transfer encodings ---- */

int mail_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int mail_decode_qp(struct fu_ctx *ctx, const char *in, size_t n, char **out, size_t *outlen)
{
	char *d = malloc(n + 1);
	size_t k = 0;

	if (!d)
		return oom(ctx);
	for (size_t i = 0; i < n; i++) {
		if (in[i] != '=') {
			d[k++] = in[i];
			continue;
		}
		if (i + 1 < n && in[i + 1] == '\n') {
			i++; /* a soft line break */
		} else if (i + 2 < n && in[i + 1] == '\r' && in[i + 2] == '\n') {
			i += 2;
		} else if (i + 2 < n && mail_hexval(in[i + 1]) >= 0 && mail_hexval(in[i + 2]) >= 0) {
			d[k++] = (char)(mail_hexval(in[i + 1]) * 16 + mail_hexval(in[i + 2]));
			i += 2;
		} else {
			d[k++] = '=';
		}
	}
	d[k] = 0;
	*out = d;
	*outlen = k;
	return FU_OK;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int mail_decode_base64(struct fu_ctx *ctx, const char *in, size_t n, char **out, size_t *outlen)
{
	char *d = malloc(n / 4 * 3 + 4);
	uint32_t acc = 0;
	size_t k = 0;
	int bits = 0;

	if (!d)
		return oom(ctx);
	for (size_t i = 0; i < n && in[i] != '='; i++) {
		int v = b64val((unsigned char)in[i]);

		if (v < 0)
			continue;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			d[k++] = (char)((acc >> bits) & 0xff);
		}
	}
	d[k] = 0;
	*out = d;
	*outlen = k;
	return FU_OK;
}

/* The body in[0..n) decoded by its Content-Transfer-Encoding (malloced). */
static int decode_cte(struct fu_ctx *ctx, const char *cte, const char *in, size_t n, char **out,
		      size_t *outlen)
{
	char enc[32] = "";

	if (cte) {
		while (*cte == ' ')
			cte++;
		snprintf(enc, sizeof(enc), "%s", cte);
		lower(enc);
	}
	if (!strncmp(enc, "quoted-printable", 16))
		return mail_decode_qp(ctx, in, n, out, outlen);
	if (!strncmp(enc, "base64", 6))
		return mail_decode_base64(ctx, in, n, out, outlen);
	*out = dup_n(in, n);
	*outlen = n;
	return *out ? FU_OK : oom(ctx);
}

/* ---- charsets and clean text ---- */

/* The length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	uint32_t c;
	size_t len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return len;
}

/*
 * Clean UTF-8 from in[0..n) (malloced into *out): invalid bytes become U+FFFD, line ends
 * become "\n", other control characters go (but tabs).
 */
static int clean_utf8(struct fu_ctx *ctx, const char *in, size_t n, char **out, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)in;
	char *d = malloc(n * 3 + 1);
	size_t k = 0;

	if (!d)
		return oom(ctx);
	for (size_t i = 0; i < n;) {
		size_t len = utf8_seq(p + i, n - i);

		if (len == 0) {
			memcpy(d + k, "\xef\xbf\xbd", 3);
			k += 3;
			i++;
			continue;
		}
		if (len == 1) {
			unsigned char c = p[i];

			if (c == '\r') {
				if (!(i + 1 < n && p[i + 1] == '\n'))
					d[k++] = '\n';
			} else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f)) {
				d[k++] = (char)c;
			}
			i++;
			continue;
		}
		memcpy(d + k, p + i, len);
		k += len;
		i += len;
	}
	d[k] = 0;
	*out = d;
	*outlen = k;
	return FU_OK;
}

static int charset_is_utf8(const char *cs)
{
	return !cs || !*cs || !strcasecmp(cs, "utf-8") || !strcasecmp(cs, "utf8") ||
	       !strcasecmp(cs, "us-ascii") || !strcasecmp(cs, "ascii");
}

/*
 * in[0..n) in charset cs converted to clean UTF-8 (malloced). A charset iconv does not know
 * is read as UTF-8 with its other bytes replaced, and *unknown set.
 */
static int to_utf8(struct fu_ctx *ctx, const char *cs, const char *in, size_t n, char **out,
		   size_t *outlen, int *unknown)
{
	iconv_t cd;
	char *conv, *ip, *op;
	size_t il, ol, cap;
	int rc;

	if (charset_is_utf8(cs))
		return clean_utf8(ctx, in, n, out, outlen);
	cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1) {
		*unknown = 1;
		return clean_utf8(ctx, in, n, out, outlen);
	}
	cap = n * 4 + 16;
	conv = malloc(cap);
	if (!conv) {
		iconv_close(cd);
		return oom(ctx);
	}
	ip = (char *)in;
	il = n;
	op = conv;
	ol = cap;
	while (il > 0) {
		if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		if (errno == E2BIG || ol < 4)
			break; /* cannot happen with 4 bytes out for each in; stop rather than loop */
		/* a byte the charset does not have: U+FFFD, then on */
		memcpy(op, "\xef\xbf\xbd", 3);
		op += 3;
		ol -= 3;
		ip++;
		il--;
	}
	iconv_close(cd);
	rc = clean_utf8(ctx, conv, (size_t)(op - conv), out, outlen);
	free(conv);
	return rc;
}

/* ---- encoded words (RFC 2047) in a header ---- */

static int decode_words(struct fu_ctx *ctx, const char *v, char **out, int *unknown)
{
	size_t n = strlen(v), k = 0;
	char *d = malloc(n * 4 + 16);
	const char *p = v;
	int last_word = 0, rc = FU_OK;

	if (!d)
		return oom(ctx);
	while (*p && !rc) {
		const char *q, *cs, *enc, *text, *stop;
		char charset[48];
		char *raw = NULL, *u = NULL;
		size_t rn = 0, un = 0, csn;

		if (p[0] == '=' && p[1] == '?' && (cs = p + 2) && (q = strchr(cs, '?')) &&
		    (q[1] == 'B' || q[1] == 'b' || q[1] == 'Q' || q[1] == 'q') && q[2] == '?' &&
		    (stop = strstr(q + 3, "?=")) != NULL) {
			enc = q + 1;
			text = q + 3;
			csn = (size_t)(q - cs);
			snprintf(charset, sizeof(charset), "%.*s", (int)(csn < 47 ? csn : 47), cs);
			if (strchr(charset, '*'))
				*strchr(charset, '*') = 0; /* a language tag */
			if (*enc == 'B' || *enc == 'b') {
				rc = mail_decode_base64(ctx, text, (size_t)(stop - text), &raw, &rn);
			} else {
				char *t = dup_n(text, (size_t)(stop - text));

				if (!t)
					rc = oom(ctx);
				for (char *c = t; !rc && *c; c++) {
					if (*c == '_')
						*c = ' ';
				}
				if (!rc)
					rc = mail_decode_qp(ctx, t, strlen(t), &raw, &rn);
				free(t);
			}
			if (!rc)
				rc = to_utf8(ctx, charset, raw, rn, &u, &un, unknown);
			if (!rc) {
				/* the space between two encoded words is not part of the text */
				if (last_word) {
					while (k && d[k - 1] == ' ')
						k--;
				}
				if (k + un > n * 4 + 8)
					un = n * 4 + 8 - k;
				memcpy(d + k, u, un);
				k += un;
			}
			free(raw);
			free(u);
			p = stop + 2;
			last_word = 1;
			continue;
		}
		if (*p != ' ' && *p != '\t')
			last_word = 0;
		d[k++] = *p == '\t' ? ' ' : *p;
		p++;
	}
	if (rc) {
		free(d);
		return rc;
	}
	d[k] = 0;
	rc = clean_utf8(ctx, d, k, out, &n);
	free(d);
	return rc;
}

/* ---- addresses, ids, dates ---- */

/* Keeps s[0..n) in *out (malloced); FU_ENOMEM. */
static int keep(struct fu_ctx *ctx, const char *s, size_t n, char **out)
{
	*out = dup_n(s, n);
	return *out ? FU_OK : oom(ctx);
}

/*
 * The plain address in "Name <a@b>", "a@b (Name)" or "rfc822; a@b" into *out (malloced;
 * NULL when there is none that looks like one).
 */
static int address_of(struct fu_ctx *ctx, const char *v, char **out)
{
	const char *lt, *gt, *s, *e;

	*out = NULL;
	if (!v)
		return FU_OK;
	lt = strrchr(v, '<');
	if (lt && (gt = strchr(lt, '>')) != NULL) {
		s = lt + 1;
		e = gt;
	} else {
		s = strchr(v, ';') ? strchr(v, ';') + 1 : v;
		while (*s == ' ' || *s == '\t')
			s++;
		e = s;
		while (*e && *e != ' ' && *e != '\t' && *e != '(')
			e++;
	}
	while (s < e && *s == ' ')
		s++;
	while (e > s && e[-1] == ' ')
		e--;
	if (e - s < 3 || e - s > 254 || !memchr(s, '@', (size_t)(e - s)))
		return FU_OK;
	for (const char *c = s; c < e; c++) {
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || *c == '<' || *c == '"')
			return FU_OK;
	}
	return keep(ctx, s, (size_t)(e - s), out);
}

static int has_ref(const struct mail_parsed *m, const char *s, size_t n)
{
	for (int i = 0; i < m->nrefs; i++) {
		if (strlen(m->refs[i]) == n && !memcmp(m->refs[i], s, n))
			return 1;
	}
	return 0;
}

/* Whether s[0..n) is printable ASCII without spaces. */
static int printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	}
	return 1;
}

/* Every <id> in v added to m->refs (ids without brackets when there are none at all). */
static int add_refs(struct fu_ctx *ctx, struct mail_parsed *m, const char *v)
{
	const char *p = v;
	int brackets = v && strchr(v, '<');

	while (p && *p && m->nrefs < MAIL_REFS_MAX) {
		const char *s, *e;

		if (brackets) {
			s = strchr(p, '<');
			if (!s)
				break;
			s++;
			e = strchr(s, '>');
			if (!e)
				break;
			p = e + 1;
		} else {
			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			s = p;
			while (*p && *p != ' ' && *p != '\t' && *p != ',')
				p++;
			e = p;
			if (!memchr(s, '@', (size_t)(e - s)))
				continue;
		}
		if (e > s && e - s <= 250 && printable(s, (size_t)(e - s)) &&
		    !has_ref(m, s, (size_t)(e - s))) {
			m->refs[m->nrefs] = dup_n(s, (size_t)(e - s));
			if (!m->refs[m->nrefs])
				return oom(ctx);
			m->nrefs++;
		}
	}
	return FU_OK;
}

/* The id inside "<id>" into *out (malloced; NULL when there is none). */
static int msgid_of(struct fu_ctx *ctx, const char *v, char **out)
{
	const char *s, *e;

	*out = NULL;
	if (!v)
		return FU_OK;
	s = strchr(v, '<');
	s = s ? s + 1 : v;
	while (*s == ' ')
		s++;
	e = s;
	while (*e && *e != '>' && *e != ' ' && (unsigned char)*e > 0x20 && (unsigned char)*e < 0x7f)
		e++;
	return e > s && e - s <= 250 ? keep(ctx, s, (size_t)(e - s), out) : FU_OK;
}

static int read_num(const char **p, int maxdig, int *v)
{
	int n = 0;

	*v = 0;
	while (**p >= '0' && **p <= '9' && n < maxdig) {
		*v = *v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n;
}

static void skip_cfws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == ',')
		(*p)++;
}

int64_t mail_parse_date(const char *s)
{
	static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun",
					      "jul", "aug", "sep", "oct", "nov", "dec" };
	static const struct { const char *name; int hours; } zones[] = {
		{ "UT", 0 }, { "GMT", 0 }, { "Z", 0 }, { "EST", -5 }, { "EDT", -4 }, { "CST", -6 },
		{ "CDT", -5 }, { "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
	};
	struct civil c;
	const char *p = s;
	int day, year, nd, off = 0, h = 0, mi = 0, sec = 0;
	int64_t t;

	if (!p)
		return FU_TIME_NONE;
	skip_cfws(&p);
	if (isalpha((unsigned char)*p)) { /* the day of the week */
		while (isalpha((unsigned char)*p))
			p++;
		skip_cfws(&p);
	}
	if (!read_num(&p, 2, &day))
		return FU_TIME_NONE;
	skip_cfws(&p);
	memset(&c, 0, sizeof(c));
	for (int i = 0; i < 12; i++) {
		if (!strncasecmp(p, months[i], 3))
			c.month = i + 1;
	}
	if (!c.month)
		return FU_TIME_NONE;
	while (isalpha((unsigned char)*p))
		p++;
	skip_cfws(&p);
	nd = read_num(&p, 4, &year);
	if (nd == 2)
		year += year < 50 ? 2000 : 1900;
	else if (nd != 4)
		return FU_TIME_NONE;
	skip_cfws(&p);
	if (read_num(&p, 2, &h) && *p == ':') {
		p++;
		read_num(&p, 2, &mi);
		if (*p == ':') {
			p++;
			read_num(&p, 2, &sec);
		}
	}
	skip_cfws(&p);
	if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
		int sign = *p == '-' ? -1 : 1, z;

		p++;
		if (read_num(&p, 4, &z) == 4)
			off = sign * ((z / 100) * 3600 + (z % 100) * 60);
	} else {
		for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
			size_t zn = strlen(zones[i].name);

			if (!strncasecmp(p, zones[i].name, zn) && !isalpha((unsigned char)p[zn]))
				off = zones[i].hours * 3600;
		}
	}
	if (day < 1 || day > dt_days_in_month(year, c.month) || h > 23 || mi > 59 || sec > 60 ||
	    year < 1900 || year > 2199)
		return FU_TIME_NONE;
	c.year = year;
	c.day = day;
	c.hour = h;
	c.min = mi;
	c.sec = sec > 59 ? 59 : sec;
	t = dt_from_civil(&c);
	return t - off;
}

/* ---- what kind of mail ---- */

static int starts_ci(const char *s, const char *prefix)
{
	return s && !strncasecmp(s, prefix, strlen(prefix));
}

/* An automatic answer, by its headers (and the subjects autoresponders use). */
static void classify_automatic(const struct hdrs *h, struct mail_parsed *m)
{
	static const char *const flags[] = { "X-Autoreply", "X-Autorespond", "X-Autoresponder",
					     "X-Auto-Reply" };
	static const char *const subjects[] = { "Auto:", "Automatic reply", "Autoreply",
						"Auto-reply", "Auto reply", "Out of office",
						"Out of the office", "Abwesenheitsnotiz",
						"Réponse automatique" };
	const char *v = hdr_get(h, "Auto-Submitted"), *prec = hdr_get(h, "Precedence");

	if (v && *v && strncasecmp(v, "no", 2) != 0) {
		snprintf(m->auto_why, sizeof(m->auto_why), "Auto-Submitted: %.60s", v);
		m->kind = MAIL_AUTOMATIC;
		return;
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (hdr_get(h, flags[i])) {
			snprintf(m->auto_why, sizeof(m->auto_why), "%s", flags[i]);
			m->kind = MAIL_AUTOMATIC;
			return;
		}
	}
	if (prec && (starts_ci(prec, "auto_reply") || starts_ci(prec, "bulk") ||
		     starts_ci(prec, "junk"))) {
		snprintf(m->auto_why, sizeof(m->auto_why), "Precedence: %.60s", prec);
		m->kind = MAIL_AUTOMATIC;
		return;
	}
	for (size_t i = 0; m->subject && i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		if (starts_ci(m->subject, subjects[i])) {
			snprintf(m->auto_why, sizeof(m->auto_why), "subject \"%.60s\"", subjects[i]);
			m->kind = MAIL_AUTOMATIC;
			return;
		}
	}
}

/* ---- the MIME walk ---- */

struct walk {
	struct fu_ctx *ctx;
	struct mail_parsed *m;
	int parts;
	int in_report;
	char *plain, *html; /* the first of each, clean UTF-8 */
};

/* The per-recipient fields of a message/delivery-status body: the first failed recipient wins. */
static int read_dsn(struct walk *w, const char *p, const char *end)
{
	struct mail_dsn *d = &w->m->dsn;
	int rc = FU_OK;

	while (p < end && !rc) {
		struct hdrs h = { 0 };
		const char *next, *act, *rcpt;

		rc = headers_read(w->ctx, p, end, &h, &next);
		act = hdr_get(&h, "Action");
		rcpt = hdr_get(&h, "Final-Recipient");
		if (!rcpt)
			rcpt = hdr_get(&h, "Original-Recipient");
		if (!rc && act && rcpt &&
		    (!d->action || (strcasecmp(d->action, "failed") && !strncasecmp(act, "failed", 6)))) {
			const char *diag = hdr_get(&h, "Diagnostic-Code"), *st = hdr_get(&h, "Status");

			size_t n;

			free(d->action);
			free(d->recipient);
			free(d->status);
			free(d->diagnostic);
			d->action = d->status = d->diagnostic = NULL;
			rc = address_of(w->ctx, rcpt, &d->recipient);
			if (diag && strchr(diag, ';'))
				diag = strchr(diag, ';') + 1;
			while (diag && *diag == ' ')
				diag++;
			/* they go into notes: clean UTF-8 like every other text */
			if (!rc)
				rc = clean_utf8(w->ctx, act, strlen(act), &d->action, &n);
			if (!rc && st)
				rc = clean_utf8(w->ctx, st, strlen(st), &d->status, &n);
			if (!rc && diag)
				rc = clean_utf8(w->ctx, diag, strlen(diag), &d->diagnostic, &n);
			if (d->action)
				lower(d->action);
		}
		hdrs_release(&h);
		if (next <= p)
			break;
		p = next;
	}
	return rc;
}

/* Strips tags from HTML (in place): breaks for blocks, quoted blocks, style and script dropped. */
static void html_text(char *s)
{
	static const struct { const char *name, *text; } ents[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" },
		{ "&#39;", "'" }, { "&apos;", "'" }, { "&nbsp;", " " },
	};
	char *d = s;
	int skip = 0; /* inside <style>, <script> or <blockquote> */

	for (char *p = s; *p;) {
		if (*p == '<') {
			char *e = strchr(p, '>');
			int closing = p[1] == '/';
			const char *name = p + 1 + closing;

			if (!e)
				break;
			if (starts_ci(name, "style") || starts_ci(name, "script") ||
			    starts_ci(name, "blockquote"))
				skip += closing ? -1 : 1;
			if (skip < 0)
				skip = 0;
			/* a line ends at <br> and after a block */
			if (!skip && ((!closing && starts_ci(name, "br")) ||
				      (closing && (starts_ci(name, "p") || starts_ci(name, "div") ||
						   starts_ci(name, "tr") || starts_ci(name, "li")))))
				*d++ = '\n';
			p = e + 1;
			continue;
		}
		if (skip) {
			p++;
			continue;
		}
		if (*p == '&') {
			size_t i;

			for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
				size_t n = strlen(ents[i].name);

				if (!strncasecmp(p, ents[i].name, n)) {
					*d++ = ents[i].text[0];
					p += n;
					break;
				}
			}
			if (i < sizeof(ents) / sizeof(ents[0]))
				continue;
		}
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
		*d++ = *p++;
	}
	*d = 0;
}

static int walk_entity(struct walk *w, const struct hdrs *h, const char *body, const char *end,
		       int depth);

/* The parts of a multipart body, each walked. */
static int walk_multipart(struct walk *w, const struct ctype *ct, const char *body,
			  const char *end, int depth)
{
	size_t bn = strlen(ct->boundary);
	const char *p = body, *start = NULL;
	int rc = FU_OK;

	if (!bn || depth >= MAIL_DEPTH_MAX)
		return FU_OK;
	while (p < end && !rc) {
		const char *next;
		size_t n = line_at(p, end, &next);
		int delim = n >= bn + 2 && p[0] == '-' && p[1] == '-' && !memcmp(p + 2, ct->boundary, bn);

		if (delim) {
			int closing = n >= bn + 4 && p[bn + 2] == '-' && p[bn + 3] == '-';

			if (start) {
				const char *pe = p, *pb;
				struct hdrs ph = { 0 };

				/* the line break before a delimiter belongs to it */
				if (pe > start && pe[-1] == '\n')
					pe--;
				if (pe > start && pe[-1] == '\r')
					pe--;
				if (++w->parts > MAIL_PARTS_MAX)
					return FU_OK;
				rc = headers_read(w->ctx, start, pe, &ph, &pb);
				if (!rc)
					rc = walk_entity(w, &ph, pb, pe, depth + 1);
				hdrs_release(&ph);
			}
			if (closing)
				return rc;
			start = next;
		}
		p = next;
	}
	if (!rc && start && start < end && ++w->parts <= MAIL_PARTS_MAX) {
		/* a message cut short: its last part as far as it goes */
		struct hdrs ph = { 0 };
		const char *pb;

		rc = headers_read(w->ctx, start, end, &ph, &pb);
		if (!rc)
			rc = walk_entity(w, &ph, pb, end, depth + 1);
		hdrs_release(&ph);
	}
	return rc;
}

static int walk_entity(struct walk *w, const struct hdrs *h, const char *body, const char *end,
		       int depth)
{
	const char *disp = hdr_get(h, "Content-Disposition");
	int attachment = disp && starts_ci(disp, "attachment");
	struct ctype ct;
	char *raw = NULL, *text = NULL;
	size_t rn = 0, tn = 0;
	int rc = FU_OK, is_plain, is_html, is_dsn, is_orig;

	ctype_parse(hdr_get(h, "Content-Type"), &ct);
	if (!strcmp(ct.type, "multipart")) {
		if (!strcmp(ct.sub, "report") && !strcmp(ct.report, "delivery-status")) {
			w->m->kind = MAIL_DSN;
			w->in_report = 1;
		}
		return walk_multipart(w, &ct, body, end, depth);
	}
	is_plain = !strcmp(ct.type, "text") && !strcmp(ct.sub, "plain") && !attachment && !w->plain;
	is_html = !strcmp(ct.type, "text") && !strcmp(ct.sub, "html") && !attachment && !w->html;
	is_dsn = w->in_report && !strcmp(ct.type, "message") &&
		 (!strcmp(ct.sub, "delivery-status") || !strcmp(ct.sub, "global-delivery-status"));
	is_orig = w->in_report && !w->m->dsn.original_id &&
		  ((!strcmp(ct.type, "message") &&
		    (!strcmp(ct.sub, "rfc822") || !strcmp(ct.sub, "global") ||
		     !strcmp(ct.sub, "global-headers"))) ||
		   (!strcmp(ct.type, "text") && !strcmp(ct.sub, "rfc822-headers")));
	if (!is_plain && !is_html && !is_dsn && !is_orig)
		return FU_OK;
	rc = decode_cte(w->ctx, hdr_get(h, "Content-Transfer-Encoding"), body,
			(size_t)(end - body), &raw, &rn);
	if (!rc && is_dsn) {
		rc = read_dsn(w, raw, raw + rn);
	} else if (!rc && is_orig) {
		struct hdrs oh = { 0 };
		const char *ob;

		rc = headers_read(w->ctx, raw, raw + rn, &oh, &ob);
		if (!rc)
			rc = msgid_of(w->ctx, hdr_get(&oh, "Message-ID"), &w->m->dsn.original_id);
		hdrs_release(&oh);
	} else if (!rc) {
		/* text: a plain part is preferred; an HTML one is kept in case there is none */
		rc = to_utf8(w->ctx, ct.charset, raw, rn, &text, &tn, &w->m->charset_unknown);
		if (!rc && is_html)
			html_text(text);
		if (!rc) {
			if (is_plain)
				w->plain = text;
			else
				w->html = text;
			text = NULL;
		}
	}
	free(raw);
	free(text);
	return rc;
}

/* ---- the words ---- */

static int is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	}
	return 1;
}

static int ends_with_ci(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n >= k && !strncasecmp(s + n - k, suffix, k);
}

/* "On <date>, <name> wrote:" and its German and French forms, on one line or two. */
static int is_attribution(const char *l, size_t n, const char *next, size_t nn)
{
	static const struct { const char *start, *end; } forms[] = {
		{ "On ", "wrote:" }, { "Am ", "schrieb:" }, { "Le ", "crit :" }, { "Le ", "crit:" },
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (n < 4 || strncmp(l, forms[i].start, 3))
			continue;
		if (ends_with_ci(l, n, forms[i].end) || (next && ends_with_ci(next, nn, forms[i].end)))
			return 1;
	}
	return 0;
}

/* Where a quoted history or a signature starts: the text from line l on is not theirs. */
static int history_starts(const char *l, size_t n, const char *rest)
{
	const char *next = NULL, *p = rest;
	size_t nn = 0;

	if (*p) {
		const char *e = strchr(p, '\n');

		next = p;
		nn = e ? (size_t)(e - p) : strlen(p);
	}
	if ((n == 3 && !strncmp(l, "-- ", 3)) || (n == 2 && !strncmp(l, "--", 2)))
		return 1; /* a signature */
	if (is_attribution(l, n, next, nn))
		return 1;
	if (n >= 5 && !strncmp(l, "-----", 5) && n < 80) {
		for (size_t i = 0; i + 8 <= n; i++) {
			if (!strncasecmp(l + i, "Original", 8) || !strncasecmp(l + i, "Forwarded", 9))
				return 1;
		}
	}
	if (n >= 10 && strspn(l, "_") >= 10)
		return 1; /* Outlook's line above the quoted headers */
	if (n > 6 && !strncmp(l, "From: ", 6)) {
		/* Outlook's quoted header block: From:, then Sent: or Date: */
		for (int k = 0; k < 4 && *p; k++) {
			if (!strncmp(p, "Sent: ", 6) || !strncmp(p, "Date: ", 6) ||
			    !strncmp(p, "Gesendet: ", 10) || !strncmp(p, "Envoy", 5))
				return 1;
			p = strchr(p, '\n');
			if (!p)
				break;
			p++;
		}
	}
	return 0;
}

void mail_trim_quoted(char *text)
{
	char *d = text;
	const char *p = text;
	int blank_run = 1; /* no blank lines at the start */

	while (*p) {
		const char *e = strchr(p, '\n'), *next;
		size_t n = e ? (size_t)(e - p) : strlen(p);

		next = e ? e + 1 : p + n;
		if (history_starts(p, n, next))
			break;
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n && p[0] == '>') {
			p = next;
			continue;
		}
		if (is_blank(p, n)) {
			/* (the last line has no line break: writing one there would overrun it) */
			if (!blank_run && e)
				*d++ = '\n';
			blank_run = 1;
			p = next;
			continue;
		}
		memmove(d, p, n);
		d += n;
		if (e)
			*d++ = '\n';
		blank_run = 0;
		p = next;
	}
	while (d > text && (d[-1] == '\n' || d[-1] == ' '))
		d--;
	*d = 0;
}

/* Cuts text to at most max bytes on a character boundary, marking the cut. */
static int cap_text(char *text, size_t max)
{
	static const char mark[] = " [...]";
	size_t n = strlen(text);

	if (n <= max)
		return 0;
	n = max - (sizeof(mark) - 1);
	while (n && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	memcpy(text + n, mark, sizeof(mark));
	return 1;
}

void mail_parsed_init(struct mail_parsed *m)
{
	memset(m, 0, sizeof(*m));
	m->date = FU_TIME_NONE;
}

void mail_parsed_release(struct mail_parsed *m)
{
	free(m->from);
	free(m->message_id);
	for (int i = 0; i < m->nrefs; i++)
		free(m->refs[i]);
	free(m->subject);
	free(m->dsn.recipient);
	free(m->dsn.action);
	free(m->dsn.status);
	free(m->dsn.diagnostic);
	free(m->dsn.original_id);
	free(m->text);
	mail_parsed_init(m);
}

int mail_parse(struct fu_ctx *ctx, const char *raw, size_t len, int input_cut,
	       struct mail_parsed *m)
{
	struct hdrs h = { 0 };
	struct walk w;
	const char *body, *v;
	int rc;

	mail_parsed_init(m);
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.m = m;
	m->truncated = input_cut;
	rc = headers_read(ctx, raw, raw + len, &h, &body);
	if (rc)
		goto out;
	v = hdr_get(&h, "From");
	rc = address_of(ctx, v, &m->from);
	if (!rc)
		rc = msgid_of(ctx, hdr_get(&h, "Message-ID"), &m->message_id);
	if (!rc)
		rc = add_refs(ctx, m, hdr_get(&h, "In-Reply-To"));
	if (!rc)
		rc = add_refs(ctx, m, hdr_get(&h, "References"));
	v = hdr_get(&h, "Subject");
	if (!rc && v)
		rc = decode_words(ctx, v, &m->subject, &m->charset_unknown);
	if (rc)
		goto out;
	m->date = mail_parse_date(hdr_get(&h, "Date"));
	classify_automatic(&h, m);
	rc = walk_entity(&w, &h, body, raw + len, 0);
	if (rc)
		goto out;
	if (w.plain && !is_blank(w.plain, strlen(w.plain))) {
		m->text = w.plain;
		w.plain = NULL;
	} else if (w.html) {
		m->text = w.html;
		w.html = NULL;
	} else {
		m->text = strdup("");
		if (!m->text)
			rc = oom(ctx);
	}
	if (!rc) {
		mail_trim_quoted(m->text);
		m->truncated |= cap_text(m->text, MAIL_TEXT_MAX);
	}
out:
	free(w.plain);
	free(w.html);
	hdrs_release(&h);
	if (rc)
		mail_parsed_release(m);
	return rc;
}
