/* tz.c - IANA time zones: TZif reader (RFC 8536), POSIX TZ rules, local <-> UTC conversion */
#include "tz.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banned.h"

#define TZ_NAME_MAX 255
#define TZ_FILE_MAX (1u << 20)  /* real zone files are a few KiB */
#define TZ_ABBR_MAX 16          /* room for a POSIX footer's zone abbreviations */
#define TZ_OFF_MAX (26 * 3600)  /* no zone has ever been further from UTC */
#define TZ_WINDOW (TZ_OFF_MAX + 3600)
#define CYCLE_SECS ((int64_t)146097 * 86400) /* 400 Gregorian years, a whole number of weeks */

struct tz_type {
	int32_t utoff;  /* seconds east of UTC */
	int isdst;
	size_t abbr;    /* index into tz.abbrs */
};

enum { DATE_JULIAN1, DATE_JULIAN0, DATE_MONTH };

/* One end of a POSIX TZ rule: Jn, n or Mm.w.d plus a local time of day. */
struct tz_date {
	int kind;
	int day;                /* Jn: 1-365, n: 0-365 */
	int month, week, wday;  /* Mm.w.d: 1-12, 1-5, 0 (Sunday)-6 */
	int32_t secs;           /* local time of the change, -167h..167h */
};

/* The POSIX TZ string from a TZif footer, e.g. "CET-1CEST,M3.5.0,M10.5.0/3". */
struct tz_rule {
	int32_t std_off, dst_off;  /* seconds east of UTC */
	int has_dst;
	struct tz_date start, end; /* start in standard time, end in daylight time */
	char std_abbr[TZ_ABBR_MAX], dst_abbr[TZ_ABBR_MAX];
};

struct tz {
	char *name;
	size_t ntrans;
	int64_t *trans;          /* strictly ascending */
	unsigned char *trans_type;
	size_t ntypes;           /* at least 1 */
	struct tz_type *types;
	char *abbrs;             /* NUL-terminated strings; abbrs[nabbrs] is NUL too */
	size_t nabbrs;
	int has_rule;
	struct tz_rule rule;
};

struct tz_cache {
	struct tz **zones;
	size_t n, alloc;
	int shared;          /* tz_cache_new_shared: gets take mu */
	pthread_mutex_t mu;
};

/* ---- POSIX TZ strings ---- */

/* Reads up to maxdigits digits into *v; 0 if there is none. */
static int posix_num(const char **p, int maxdigits, int *v)
{
	const char *q = *p;
	int x = 0, i;

	for (i = 0; i < maxdigits && *q >= '0' && *q <= '9'; i++, q++)
		x = x * 10 + (*q - '0');
	if (!i)
		return 0;
	*v = x;
	*p = q;
	return 1;
}

/* Reads [+-]hh[:mm[:ss]] with hh <= maxh into signed seconds. */
static int posix_hms(const char **p, int maxh, int32_t *out)
{
	const char *q = *p;
	int sign = 1, h, m = 0, s = 0;

	if (*q == '+' || *q == '-')
		sign = *q++ == '-' ? -1 : 1;
	if (!posix_num(&q, 3, &h) || h > maxh)
		return 0;
	if (*q == ':') {
		q++;
		if (!posix_num(&q, 2, &m) || m > 59)
			return 0;
		if (*q == ':') {
			q++;
			if (!posix_num(&q, 2, &s) || s > 59)
				return 0;
		}
	}
	*out = sign * (h * 3600 + m * 60 + s);
	*p = q;
	return 1;
}

/* Reads a zone abbreviation: three or more letters, or <...> of letters, digits, + and -. */
static int posix_abbr(const char **p, char *out)
{
	const char *q = *p;
	size_t n = 0;

	if (*q == '<') {
		q++;
		while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
		       (*q >= '0' && *q <= '9') || *q == '+' || *q == '-') {
			if (n + 1 >= TZ_ABBR_MAX)
				return 0;
			out[n++] = *q++;
		}
		if (*q++ != '>')
			return 0;
	} else {
		while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')) {
			if (n + 1 >= TZ_ABBR_MAX)
				return 0;
			out[n++] = *q++;
		}
	}
	if (n < 3)
		return 0;
	out[n] = '\0';
	*p = q;
	return 1;
}

/* Reads a rule date with its optional /time (default 02:00). */
static int posix_date(const char **p, struct tz_date *d)
{
	const char *q = *p;

	if (*q == 'M') {
		q++;
		d->kind = DATE_MONTH;
		if (!posix_num(&q, 2, &d->month) || d->month < 1 || d->month > 12 ||
		    *q++ != '.' || !posix_num(&q, 1, &d->week) || d->week < 1 || d->week > 5 ||
		    *q++ != '.' || !posix_num(&q, 1, &d->wday) || d->wday > 6)
			return 0;
	} else if (*q == 'J') {
		q++;
		d->kind = DATE_JULIAN1;
		if (!posix_num(&q, 3, &d->day) || d->day < 1 || d->day > 365)
			return 0;
	} else {
		d->kind = DATE_JULIAN0;
		if (!posix_num(&q, 3, &d->day) || d->day > 365)
			return 0;
	}
	d->secs = 2 * 3600;
	if (*q == '/') {
		q++;
		if (!posix_hms(&q, 167, &d->secs))
			return 0;
	}
	*p = q;
	return 1;
}

/* Parses a POSIX TZ string; 0 if it is malformed. */
static int posix_parse(const char *s, struct tz_rule *r)
{
	const char *p = s;
	int32_t off;

	memset(r, 0, sizeof(*r));
	if (!posix_abbr(&p, r->std_abbr) || !posix_hms(&p, 24, &off))
		return 0;
	r->std_off = -off; /* POSIX offsets count west */
	if (!*p)
		return 1;
	if (!posix_abbr(&p, r->dst_abbr))
		return 0;
	r->has_dst = 1;
	r->dst_off = r->std_off + 3600;
	if (*p && *p != ',') {
		if (!posix_hms(&p, 24, &off))
			return 0;
		r->dst_off = -off;
	}
	if (!*p) {
		/* No rule given: POSIX leaves it to the implementation; use the US one. */
		r->start = (struct tz_date){ DATE_MONTH, 0, 3, 2, 0, 2 * 3600 };
		r->end = (struct tz_date){ DATE_MONTH, 0, 11, 1, 0, 2 * 3600 };
		return 1;
	}
	if (*p++ != ',' || !posix_date(&p, &r->start) || *p++ != ',' ||
	    !posix_date(&p, &r->end))
		return 0;
	return *p == '\0';
}

/* The wall-clock instant (local seconds read as UTC) at which d falls in year. */
static int64_t rule_date_local(const struct tz_date *d, int year)
{
	int64_t days = dt_days_from_civil(year, 1, 1);

	switch (d->kind) {
	case DATE_JULIAN1: {
		int leap = dt_days_in_month(year, 2) == 29;

		days += d->day - 1 + (leap && d->day >= 60);
		break;
	}
	case DATE_JULIAN0:
		days += d->day;
		break;
	default: {
		int64_t first = dt_days_from_civil(year, d->month, 1);
		int first_wday = (dt_weekday(first) + 1) % 7; /* 0 = Sunday */
		int off = (d->wday - first_wday + 7) % 7 + (d->week - 1) * 7;

		if (off >= dt_days_in_month(year, d->month))
			off -= 7;
		days = first + off;
		break;
	}
	}
	return days * 86400 + d->secs;
}

/* Whether daylight time is in effect at t under rule r (which has DST). */
static int rule_isdst(const struct tz_rule *r, int64_t t)
{
	int64_t best_at = 0;
	int best_key = 0, found = 0, dst = 0;
	struct civil c;

	/* The rule repeats every 400 years; keep t where years fit comfortably in an int. */
	if (t > 100 * CYCLE_SECS || t < -100 * CYCLE_SECS) {
		t %= CYCLE_SECS;
		if (t < 0)
			t += CYCLE_SECS;
	}
	dt_to_civil(t + r->std_off, &c);
	/*
	 * The latest change at or before t among the neighbouring years decides. On a tie,
	 * the later year's change wins and, within a year, the end wins, so a rule whose
	 * end meets the next start (daylight time all year) stays in daylight time.
	 */
	for (int y = c.year - 1; y <= c.year + 1; y++) {
		int64_t at[2] = {
			rule_date_local(&r->start, y) - r->std_off,
			rule_date_local(&r->end, y) - r->dst_off,
		};

		for (int i = 0; i < 2; i++) {
			int key = (y - c.year + 1) * 2 + i;

			if (at[i] > t)
				continue;
			if (!found || at[i] > best_at || (at[i] == best_at && key > best_key)) {
				found = 1;
				best_at = at[i];
				best_key = key;
				dst = i == 0;
			}
		}
	}
	return dst;
}

/* ---- TZif files ---- */

struct tzif_header {
	int version;
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Reads the header at off; 0 if it is not there or not TZif. */
static int tzif_header(const unsigned char *d, size_t n, size_t off, struct tzif_header *h)
{
	if (off > n || n - off < 44 || memcmp(d + off, "TZif", 4) != 0)
		return 0;
	h->version = d[off + 4];
	h->isutcnt = be32(d + off + 20);
	h->isstdcnt = be32(d + off + 24);
	h->leapcnt = be32(d + off + 28);
	h->timecnt = be32(d + off + 32);
	h->typecnt = be32(d + off + 36);
	h->charcnt = be32(d + off + 40);
	return 1;
}

/* Size of the data block after a header, with 4- or 8-byte times. */
static uint64_t tzif_block_size(const struct tzif_header *h, unsigned tsize)
{
	return (uint64_t)h->timecnt * tsize + h->timecnt + (uint64_t)h->typecnt * 6 +
	       h->charcnt + (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

/*
 * Reads the data block at d (size checked by the caller) into z.
 * Returns FU_OK, FU_EINPUT (inconsistent) or FU_ENOMEM.
 */
static int tzif_block(const unsigned char *d, const struct tzif_header *h, unsigned tsize,
		      struct tz *z)
{
	const unsigned char *idx, *ttinfo, *chars;

	if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0 ||
	    (h->isstdcnt && h->isstdcnt != h->typecnt) ||
	    (h->isutcnt && h->isutcnt != h->typecnt))
		return FU_EINPUT;
	idx = d + (size_t)h->timecnt * tsize;
	ttinfo = idx + h->timecnt;
	chars = ttinfo + (size_t)h->typecnt * 6;

	z->ntrans = h->timecnt;
	if (z->ntrans) {
		z->trans = malloc(z->ntrans * sizeof(*z->trans));
		z->trans_type = malloc(z->ntrans);
		if (!z->trans || !z->trans_type)
			return FU_ENOMEM;
	}
	for (size_t i = 0; i < z->ntrans; i++) {
		const unsigned char *p = d + i * tsize;

		z->trans[i] = tsize == 8 ? be64(p) : (int32_t)be32(p);
		if (i && z->trans[i] <= z->trans[i - 1])
			return FU_EINPUT;
		if (idx[i] >= h->typecnt)
			return FU_EINPUT;
		z->trans_type[i] = idx[i];
	}

	z->ntypes = h->typecnt;
	z->types = malloc(z->ntypes * sizeof(*z->types));
	if (!z->types)
		return FU_ENOMEM;
	for (size_t i = 0; i < z->ntypes; i++) {
		const unsigned char *p = ttinfo + i * 6;
		int32_t utoff = (int32_t)be32(p);

		if (utoff < -TZ_OFF_MAX || utoff > TZ_OFF_MAX || p[4] > 1 || p[5] >= h->charcnt)
			return FU_EINPUT;
		z->types[i].utoff = utoff;
		z->types[i].isdst = p[4];
		z->types[i].abbr = p[5];
	}

	z->nabbrs = h->charcnt;
	z->abbrs = malloc(z->nabbrs + 1);
	if (!z->abbrs)
		return FU_ENOMEM;
	memcpy(z->abbrs, chars, z->nabbrs);
	z->abbrs[z->nabbrs] = '\0';
	return FU_OK;
}

/* Parses a whole TZif file into z. Returns FU_OK, FU_EINPUT (corrupt) or FU_ENOMEM. */
static int tzif_parse(const unsigned char *d, size_t n, struct tz *z)
{
	struct tzif_header h;
	uint64_t size;
	size_t off;
	const char *footer, *nl;
	int rc;

	if (!tzif_header(d, n, 0, &h))
		return FU_EINPUT;
	size = tzif_block_size(&h, 4);
	if (size > n - 44)
		return FU_EINPUT;
	if (h.version == 0)
		return tzif_block(d + 44, &h, 4, z);

	/* Version 2 and later: skip the 32-bit block, read the 64-bit one and the footer. */
	off = 44 + (size_t)size;
	if (!tzif_header(d, n, off, &h))
		return FU_EINPUT;
	off += 44;
	size = tzif_block_size(&h, 8);
	if (size > n - off)
		return FU_EINPUT;
	rc = tzif_block(d + off, &h, 8, z);
	if (rc)
		return rc;
	off += (size_t)size;
	if (off >= n || d[off] != '\n')
		return FU_EINPUT;
	footer = (const char *)d + off + 1;
	nl = memchr(footer, '\n', n - off - 1);
	if (!nl)
		return FU_EINPUT;
	if (nl > footer) {
		char s[128];
		size_t len = (size_t)(nl - footer);

		if (len >= sizeof(s) || memchr(footer, '\0', len))
			return FU_EINPUT;
		memcpy(s, footer, len);
		s[len] = '\0';
		if (!posix_parse(s, &z->rule))
			return FU_EINPUT;
		z->has_rule = 1;
	}
	return FU_OK;
}

/* Reads a regular file of at most TZ_FILE_MAX bytes into a malloced buffer. */
static int read_zone_file(struct fu_ctx *ctx, const char *name, const char *path,
			  unsigned char **out, size_t *outlen)
{
	struct stat st;
	unsigned char *d;
	size_t n = 0;
	int fd, rc = FU_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG)
			return fu_err(ctx, FU_ENOTFOUND, "time zone '%s': unknown", name);
		return fu_err(ctx, FU_EIO, "time zone '%s': cannot open %s: %s", name, path,
			      strerror(errno));
	}
	if (fstat(fd, &st) != 0) {
		rc = fu_err(ctx, FU_EIO, "time zone '%s': cannot stat %s: %s", name, path,
			    strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = fu_err(ctx, FU_ENOTFOUND, "time zone '%s': unknown", name);
		goto out_close;
	}
	if (st.st_size > TZ_FILE_MAX) {
		rc = fu_err(ctx, FU_EINPUT, "time zone '%s': corrupt file", name);
		goto out_close;
	}
	d = malloc((size_t)st.st_size + 1);
	if (!d) {
		rc = fu_err(ctx, FU_ENOMEM, "time zone '%s': out of memory", name);
		goto out_close;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, d + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = fu_err(ctx, FU_EIO, "time zone '%s': cannot read %s: %s", name, path,
				    strerror(errno));
			free(d);
			goto out_close;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = d;
	*outlen = n;
out_close:
	close(fd);
	return rc;
}

static int valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > TZ_NAME_MAX || name[0] == '/' || strstr(name, ".."))
		return 0;
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '+' || *p == '-' ||
		      *p == '/'))
			return 0;
	}
	return 1;
}

static struct tz *tz_alloc(const char *name)
{
	struct tz *z = calloc(1, sizeof(*z));

	if (!z)
		return NULL;
	z->name = strdup(name);
	if (!z->name) {
		free(z);
		return NULL;
	}
	return z;
}

/* The built-in UTC zone, so "UTC" works without any zone files. */
static int tz_utc(struct tz *z)
{
	z->ntypes = 1;
	z->types = calloc(1, sizeof(*z->types));
	z->nabbrs = 3;
	z->abbrs = strdup("UTC");
	if (!z->types || !z->abbrs)
		return FU_ENOMEM;
	return FU_OK;
}

int tz_load(struct fu_ctx *ctx, const char *name, struct tz **out)
{
	const char *dir;
	unsigned char *data = NULL;
	size_t len = 0, plen;
	char *path;
	struct tz *z;
	int rc;

	if (!valid_name(name))
		return fu_err(ctx, FU_EINPUT, "time zone '%.*s': invalid name", TZ_NAME_MAX, name);
	z = tz_alloc(name);
	if (!z)
		return fu_err(ctx, FU_ENOMEM, "time zone '%s': out of memory", name);
	if (strcmp(name, "UTC") == 0) {
		rc = tz_utc(z);
		if (rc) {
			fu_err(ctx, rc, "time zone '%s': out of memory", name);
			goto out_free;
		}
		*out = z;
		return FU_OK;
	}

	dir = getenv("TZDIR");
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	plen = strlen(dir) + 1 + strlen(name) + 1;
	path = malloc(plen);
	if (!path) {
		rc = fu_err(ctx, FU_ENOMEM, "time zone '%s': out of memory", name);
		goto out_free;
	}
	snprintf(path, plen, "%s/%s", dir, name);
	rc = read_zone_file(ctx, name, path, &data, &len);
	free(path);
	if (rc)
		goto out_free;
	rc = tzif_parse(data, len, z);
	free(data);
	if (rc == FU_ENOMEM) {
		fu_err(ctx, rc, "time zone '%s': out of memory", name);
		goto out_free;
	}
	if (rc) {
		rc = fu_err(ctx, FU_EINPUT, "time zone '%s': corrupt file", name);
		goto out_free;
	}
	*out = z;
	return FU_OK;
out_free:
	tz_free(z);
	return rc;
}

void tz_free(struct tz *z)
{
	if (!z)
		return;
	free(z->name);
	free(z->trans);
	free(z->trans_type);
	free(z->types);
	free(z->abbrs);
	free(z);
}

const char *tz_name(const struct tz *z)
{
	return z->name;
}

/*
 * The time type in effect at t, or NULL when the footer rule governs: after the last
 * transition, or always when there are no transitions but there is a rule.
 */
static const struct tz_type *type_at(const struct tz *z, int64_t t)
{
	size_t lo = 0, hi = z->ntrans;

	if (z->ntrans == 0)
		return z->has_rule ? NULL : &z->types[0];
	if (t < z->trans[0])
		return &z->types[0];
	/* Find the last transition <= t. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	if (lo == z->ntrans - 1 && z->has_rule)
		return NULL;
	return &z->types[z->trans_type[lo]];
}

int32_t tz_offset_at(const struct tz *z, int64_t t, int *isdst)
{
	const struct tz_type *ty = type_at(z, t);
	int dst;

	if (ty) {
		if (isdst)
			*isdst = ty->isdst;
		return ty->utoff;
	}
	dst = z->rule.has_dst && rule_isdst(&z->rule, t);
	if (isdst)
		*isdst = dst;
	return dst ? z->rule.dst_off : z->rule.std_off;
}

const char *tz_abbr_at(const struct tz *z, int64_t t)
{
	const struct tz_type *ty = type_at(z, t);

	if (ty)
		return z->abbrs + ty->abbr;
	if (z->rule.has_dst && rule_isdst(&z->rule, t))
		return z->rule.dst_abbr;
	return z->rule.std_abbr;
}

void tz_to_local(const struct tz *z, int64_t t, struct civil *out)
{
	int32_t off = tz_offset_at(z, t, NULL);

	if ((off > 0 && t > INT64_MAX - off) || (off < 0 && t < INT64_MIN - off))
		off = 0; /* beyond any representable civil time anyway */
	dt_to_civil(t + off, out);
}

int64_t tz_from_local(const struct tz *z, const struct civil *local, int *kind)
{
	int64_t l = dt_from_civil(local);
	int32_t before = tz_offset_at(z, l - TZ_WINDOW, NULL);
	int32_t cand[3] = { before, tz_offset_at(z, l, NULL), tz_offset_at(z, l + TZ_WINDOW, NULL) };
	int64_t valid[3];
	int nvalid = 0;

	for (int i = 0; i < 3; i++) {
		int64_t t = l - cand[i];
		int dup = 0;

		if (tz_offset_at(z, t, NULL) != cand[i])
			continue;
		for (int j = 0; j < nvalid; j++)
			dup |= valid[j] == t;
		if (!dup)
			valid[nvalid++] = t;
	}
	if (nvalid == 0) {
		/* In a gap: read the time with the offset from before the gap. */
		if (kind)
			*kind = 1;
		return l - before;
	}
	for (int j = 1; j < nvalid; j++) {
		if (valid[j] < valid[0])
			valid[0] = valid[j];
	}
	if (kind)
		*kind = nvalid > 1 ? 2 : 0;
	return valid[0];
}

/* ---- cache ---- */

struct tz_cache *tz_cache_new(void)
{
	return calloc(1, sizeof(struct tz_cache));
}

struct tz_cache *tz_cache_new_shared(void)
{
	struct tz_cache *c = tz_cache_new();

	if (c && pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		return NULL;
	}
	if (c)
		c->shared = 1;
	return c;
}

void tz_cache_free(struct tz_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		tz_free(c->zones[i]);
	free(c->zones);
	if (c->shared)
		pthread_mutex_destroy(&c->mu);
	free(c);
}

static int cache_get(struct fu_ctx *ctx, struct tz_cache *c, const char *name,
		     const struct tz **out);

int tz_cache_get(struct fu_ctx *ctx, struct tz_cache *c, const char *name, const struct tz **out)
{
	int rc;

	if (!c->shared)
		return cache_get(ctx, c, name, out);
	/* a zone, once loaded, is only read and stays until the cache is freed */
	pthread_mutex_lock(&c->mu);
	rc = cache_get(ctx, c, name, out);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static int cache_get(struct fu_ctx *ctx, struct tz_cache *c, const char *name,
		     const struct tz **out)
{
	struct tz *z;
	int rc;

	for (size_t i = 0; i < c->n; i++) {
		if (strcmp(c->zones[i]->name, name) == 0) {
			*out = c->zones[i];
			return FU_OK;
		}
	}
	if (c->n == c->alloc) {
		size_t n = c->alloc ? c->alloc * 2 : 8;
		struct tz **p = realloc(c->zones, n * sizeof(*p));

		if (!p)
			return fu_err(ctx, FU_ENOMEM, "time zone '%s': out of memory", name);
		c->zones = p;
		c->alloc = n;
	}
	rc = tz_load(ctx, name, &z);
	if (rc)
		return rc;
	c->zones[c->n++] = z;
	*out = z;
	return FU_OK;
}
