/* bizhours.c - business-time arithmetic and quiet hours in a contact's own time zone, correct across DST */
#include "bizhours.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

#define DAY_MINUTES 1440
#define SEARCH_DAYS 14 /* next_open and friends look this many local dates ahead */

static const char *const day_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/* ---- parsing ---- */

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 1 if the n bytes at s spell word, in any case. */
static int word_eq(const char *s, size_t n, const char *word)
{
	size_t i;

	if (strlen(word) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != word[i])
			return 0;
	}
	return 1;
}

/* 1 if the whole of s, ignoring surrounding blanks, is "none". */
static int is_none(const char *s)
{
	size_t n = 0;

	s = skip_space(s);
	while (is_alpha(s[n]))
		n++;
	return word_eq(s, n, "none") && *skip_space(s + n) == '\0';
}

static int day_lookup(const char *s, size_t n)
{
	int i;

	for (i = 0; i < 7; i++)
		if (word_eq(s, n, day_names[i]))
			return i;
	return -1;
}

/* A clock time as written: its text and its value in minutes (-1 when out of range). */
struct clock {
	const char *text;
	int len;
	int minutes;
};

/* Reads H:MM or HH:MM at *p; 0 on a syntax error (*p unchanged). 24:00 counts as in range. */
static int read_clock(const char **p, struct clock *c)
{
	const char *s = *p;
	int h = 0, m, nd = 0;

	while (is_digit(s[nd]) && nd < 3)
		h = h * 10 + (s[nd++] - '0');
	if (nd < 1 || nd > 2 || s[nd] != ':' || !is_digit(s[nd + 1]) || !is_digit(s[nd + 2]) ||
	    is_digit(s[nd + 3]))
		return 0;
	m = (s[nd + 1] - '0') * 10 + (s[nd + 2] - '0');
	c->text = s;
	c->len = nd + 3;
	c->minutes = (m > 59 || h > 24 || (h == 24 && m > 0)) ? -1 : h * 60 + m;
	*p = s + nd + 3;
	return 1;
}

/* Reads "HH:MM-HH:MM" (blanks allowed around '-'); 0 on a syntax error (*p unchanged). */
static int read_span(const char **p, struct clock *a, struct clock *b)
{
	const char *s = *p;

	if (!read_clock(&s, a))
		return 0;
	s = skip_space(s);
	if (*s != '-')
		return 0;
	s = skip_space(s + 1);
	if (!read_clock(&s, b))
		return 0;
	*p = s;
	return 1;
}

/*
 * Reads the day list of one group ("mon-fri", "mon,wed", "daily") at *p into days[],
 * marking seen[] across the whole spec; leaves *p at the hours.
 */
static int parse_days(struct fu_ctx *ctx, const char *spec, const char **p, int days[7], int seen[7])
{
	const char *s = *p;

	for (;;) {
		const char *w = skip_space(s), *w2;
		size_t n = 0, n2 = 0;
		int from, to, i;

		while (is_alpha(w[n]))
			n++;
		if (!n)
			return fu_err(ctx, FU_EINPUT, "hours \"%s\": expected days such as mon-fri before the hours",
				      spec);
		s = w + n;
		if (word_eq(w, n, "daily")) {
			from = 0;
			to = 6;
		} else {
			from = day_lookup(w, n);
			if (from < 0)
				return fu_err(ctx, FU_EINPUT, "hours \"%s\": unknown day '%.*s'", spec, (int)n, w);
			to = from;
			if (s[0] == '-' && is_alpha(s[1])) {
				w2 = s + 1;
				while (is_alpha(w2[n2]))
					n2++;
				to = day_lookup(w2, n2);
				if (to < 0)
					return fu_err(ctx, FU_EINPUT, "hours \"%s\": unknown day '%.*s'", spec,
						      (int)n2, w2);
				s = w2 + n2;
			}
		}
		for (i = from;; i = (i + 1) % 7) {
			if (seen[i])
				return fu_err(ctx, FU_EINPUT, "hours \"%s\": day '%s' given twice", spec,
					      day_names[i]);
			seen[i] = days[i] = 1;
			if (i == to)
				break;
		}
		w = skip_space(s);
		if (*w != ',')
			break;
		s = w + 1;
	}
	*p = skip_space(s);
	return FU_OK;
}

int bizhours_parse(struct fu_ctx *ctx, const char *spec, struct bizhours *out)
{
	struct bizhours b;
	int seen[7] = { 0 };
	const char *p = spec;
	int i, rc;

	for (i = 0; i < 7; i++)
		b.open[i] = b.close[i] = -1;
	if (is_none(spec)) {
		*out = b;
		return FU_OK;
	}
	for (;;) {
		int days[7] = { 0 };
		struct clock o, c;

		rc = parse_days(ctx, spec, &p, days, seen);
		if (rc)
			return rc;
		if (!read_span(&p, &o, &c))
			return fu_err(ctx, FU_EINPUT, "hours \"%s\": expected HH:MM-HH:MM after the days", spec);
		if (o.minutes < 0 || o.minutes >= DAY_MINUTES)
			return fu_err(ctx, FU_EINPUT, "hours \"%s\": time %.*s out of range", spec, o.len, o.text);
		if (c.minutes < 0)
			return fu_err(ctx, FU_EINPUT, "hours \"%s\": time %.*s out of range", spec, c.len, c.text);
		if (c.minutes <= o.minutes)
			return fu_err(ctx, FU_EINPUT, "hours \"%s\": closing %02d:%02d is not after opening %02d:%02d",
				      spec, c.minutes / 60, c.minutes % 60, o.minutes / 60, o.minutes % 60);
		for (i = 0; i < 7; i++) {
			if (days[i]) {
				b.open[i] = o.minutes;
				b.close[i] = c.minutes;
			}
		}
		p = skip_space(p);
		if (*p == '\0')
			break;
		if (*p != ',')
			return fu_err(ctx, FU_EINPUT, "hours \"%s\": unexpected '%c' after the hours", spec, *p);
		p++;
	}
	*out = b;
	return FU_OK;
}

void bizhours_default(struct bizhours *b)
{
	int i;

	for (i = 0; i < 7; i++) {
		b->open[i] = i < 5 ? 9 * 60 : -1;
		b->close[i] = i < 5 ? 17 * 60 : -1;
	}
}

/* 1 if weekday w (0 = Monday) has usable hours. */
static int day_is_open(const struct bizhours *b, int w)
{
	return b->open[w] >= 0 && b->close[w] > b->open[w] && b->close[w] <= DAY_MINUTES;
}

/* ---- formatting ---- */

/* Appends to out[0..n) at *len, truncating quietly. */
__attribute__((format(printf, 4, 5)))
static void put(char *out, size_t n, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*len + 1 >= n)
		return;
	va_start(ap, fmt);
	r = vsnprintf(out + *len, n - *len, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	*len = (size_t)r >= n - *len ? n - 1 : *len + (size_t)r;
}

void bizhours_format(const struct bizhours *b, char *out, size_t n)
{
	int done[7] = { 0 };
	size_t len = 0;
	int d, e, groups = 0;

	if (!n)
		return;
	out[0] = '\0';
	for (d = 0; d < 7; d++) {
		int same[7] = { 0 }, count = 0, items = 0;

		if (done[d] || !day_is_open(b, d))
			continue;
		for (e = d; e < 7; e++) {
			if (!done[e] && day_is_open(b, e) && b->open[e] == b->open[d] &&
			    b->close[e] == b->close[d]) {
				same[e] = done[e] = 1;
				count++;
			}
		}
		put(out, n, &len, "%s", groups++ ? ", " : "");
		if (count == 7) {
			put(out, n, &len, "daily");
		} else {
			for (e = 0; e < 7; e++) {
				int end = e;

				if (!same[e])
					continue;
				while (end + 1 < 7 && same[end + 1])
					end++;
				if (end - e >= 2) {
					put(out, n, &len, "%s%s-%s", items++ ? "," : "", day_names[e],
					    day_names[end]);
					e = end;
				} else {
					put(out, n, &len, "%s%s", items++ ? "," : "", day_names[e]);
				}
			}
		}
		put(out, n, &len, " %02d:%02d-%02d:%02d", b->open[d] / 60, b->open[d] % 60,
		    b->close[d] / 60, b->close[d] % 60);
	}
	if (!groups)
		put(out, n, &len, "none");
}

/* ---- local dates and instants ---- */

/* The local date of t as a day number; *secs (if non-NULL) gets the local time of day in seconds. */
static int64_t local_date(const struct tz *z, int64_t t, int32_t *secs)
{
	struct civil c;

	tz_to_local(z, t, &c);
	if (secs)
		*secs = c.hour * 3600 + c.min * 60 + c.sec;
	return dt_days_from_civil(c.year, c.month, c.day);
}

/* The local civil time `minutes` after the start of local date `day` (1440 is the next midnight). */
static void local_civil(int64_t day, int minutes, struct civil *c)
{
	memset(c, 0, sizeof(*c));
	day += minutes / DAY_MINUTES;
	minutes %= DAY_MINUTES;
	dt_civil_from_days(day, &c->year, &c->month, &c->day);
	c->hour = minutes / 60;
	c->min = minutes % 60;
}

static int64_t local_instant(const struct tz *z, int64_t day, int minutes)
{
	struct civil c;

	local_civil(day, minutes, &c);
	return tz_from_local(z, &c, NULL);
}

/* The opening and closing instants of local date `day`; 0 if it is not a business day. */
static int day_span(const struct bizhours *b, const struct tz *z, int64_t day, int64_t *o, int64_t *c)
{
	int w = dt_weekday(day);

	if (!day_is_open(b, w))
		return 0;
	*o = local_instant(z, day, b->open[w]);
	*c = local_instant(z, day, b->close[w]);
	return *c > *o;
}

/* The first business day (from t's local date on) that closes after t; 0 if none within the search. */
static int find_span(const struct bizhours *b, const struct tz *z, int64_t t, int64_t *o, int64_t *c)
{
	int64_t day = local_date(z, t, NULL);
	int k;

	for (k = 0; k <= SEARCH_DAYS; k++)
		if (day_span(b, z, day + k, o, c) && *c > t)
			return 1;
	return 0;
}

/* ---- business time ---- */

int bizhours_is_open(const struct bizhours *b, const struct tz *z, int64_t t)
{
	int64_t o, c;

	return day_span(b, z, local_date(z, t, NULL), &o, &c) && o <= t && t < c;
}

int64_t bizhours_next_open(const struct bizhours *b, const struct tz *z, int64_t t)
{
	int64_t o, c;

	if (!find_span(b, z, t, &o, &c))
		return t;
	return o > t ? o : t;
}

int64_t bizhours_add(const struct bizhours *b, const struct tz *z, int64_t t, int64_t secs)
{
	int64_t o, c;

	if (secs < 0)
		secs = 0;
	while (find_span(b, z, t, &o, &c)) {
		if (t < o)
			t = o;
		if (secs <= c - t)
			return t + secs;
		secs -= c - t;
		t = c;
	}
	return t;
}

int64_t bizhours_end_of_day(const struct bizhours *b, const struct tz *z, int64_t t)
{
	int64_t o, c;

	return find_span(b, z, t, &o, &c) ? c : t;
}

int64_t bizhours_add_days(const struct bizhours *b, const struct tz *z, int64_t t, int days)
{
	int64_t day, weeks;
	int per_week = 0, left, w;

	if (days <= 0)
		return bizhours_next_open(b, z, t);
	for (w = 0; w < 7; w++)
		per_week += day_is_open(b, w);
	if (!per_week)
		return t;
	/* Whole weeks first: each holds per_week business days whatever its DST changes. */
	day = local_date(z, t, NULL);
	weeks = (days - 1) / per_week;
	day += 7 * weeks;
	left = days - (int)(weeks * per_week);
	for (;;) {
		day++;
		w = dt_weekday(day);
		if (day_is_open(b, w) && --left == 0)
			break;
	}
	return local_instant(z, day, b->open[w]);
}

/* ---- quiet hours ---- */

int quiet_hours_parse(struct fu_ctx *ctx, const char *spec, struct quiet_hours *q)
{
	struct clock a, b;
	const char *p = skip_space(spec);

	if (is_none(spec)) {
		q->start = q->end = 0;
		return FU_OK;
	}
	if (!read_span(&p, &a, &b) || *skip_space(p) != '\0')
		return fu_err(ctx, FU_EINPUT, "quiet hours \"%s\": expected HH:MM-HH:MM or none", spec);
	if (a.minutes < 0 || a.minutes >= DAY_MINUTES)
		return fu_err(ctx, FU_EINPUT, "quiet hours \"%s\": time %.*s out of range", spec, a.len, a.text);
	if (b.minutes < 0)
		return fu_err(ctx, FU_EINPUT, "quiet hours \"%s\": time %.*s out of range", spec, b.len, b.text);
	if (a.minutes == 0 && b.minutes == DAY_MINUTES)
		return fu_err(ctx, FU_EINPUT, "quiet hours \"%s\": covers the whole day", spec);
	if (a.minutes == b.minutes)
		a.minutes = b.minutes = 0;
	q->start = a.minutes;
	q->end = b.minutes;
	return FU_OK;
}

/* 1 if a local time of day (seconds) is inside the window. */
static int in_window(const struct quiet_hours *q, int32_t secs)
{
	int32_t a = q->start * 60, e = q->end * 60;

	if (q->start == q->end)
		return 0;
	if (a < e)
		return secs >= a && secs < e;
	return secs >= a || secs < e;
}

int quiet_hours_is_quiet(const struct quiet_hours *q, const struct tz *z, int64_t t)
{
	int32_t secs;

	local_date(z, t, &secs);
	return in_window(q, secs);
}

int64_t quiet_hours_next_allowed(const struct quiet_hours *q, const struct tz *z, int64_t t)
{
	struct civil c;
	int32_t secs;
	int64_t day, r;

	day = local_date(z, t, &secs);
	if (!in_window(q, secs))
		return t;
	/* Quiet since before midnight: the window ends on the next local date. */
	if (q->start > q->end && secs >= q->start * 60)
		day++;
	local_civil(day, q->end, &c);
	r = tz_from_local(z, &c, NULL);
	if (r > t)
		return r;
	/* The end time occurs twice (fall back) and t is past the first: take the second. */
	r = dt_from_civil(&c) - tz_offset_at(z, t, NULL);
	return r > t ? r : t;
}
