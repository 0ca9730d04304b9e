/* datetime.c - civil date arithmetic, ISO 8601 and strptime-like parsing, durations */
#include "datetime.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "banned.h"

/* At most this much of a bad value is quoted back in an error message. */
#define QUOTE_MAX 200

/*
 * Day numbers from Howard Hinnant's "days_from_civil": shift the year to start in
 * March so the leap day is last, then count 400-year eras (146097 days each).
 */
int64_t dt_days_from_civil(int year, int month, int day)
{
	int64_t y = (int64_t)year - (month <= 2);
	int64_t m = month;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                            /* 0..399 */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + day - 1; /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;    /* 0..146096 */

	return era * 146097 + doe - 719468;
}

void dt_civil_from_days(int64_t days, int *year, int *month, int *day)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;

	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)m;
	*year = (int)(yoe + era * 400 + (m <= 2));
}

int64_t dt_from_civil(const struct civil *c)
{
	return dt_days_from_civil(c->year, c->month, c->day) * 86400 +
	       (int64_t)c->hour * 3600 + (int64_t)c->min * 60 + c->sec;
}

void dt_to_civil(int64_t t, struct civil *c)
{
	int64_t days = t / 86400;
	int64_t rem = t % 86400;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	dt_civil_from_days(days, &c->year, &c->month, &c->day);
	c->hour = (int)(rem / 3600);
	c->min = (int)(rem / 60 % 60);
	c->sec = (int)(rem % 60);
}

static int is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int dt_days_in_month(int year, int month)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && is_leap(year))
		return 29;
	return dim[month - 1];
}

int dt_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (3). */
	int64_t w = (days + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

/* Records FU_EINPUT as `time "<value>": <detail>`. */
static int time_err(struct fu_ctx *ctx, const char *s, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int time_err(struct fu_ctx *ctx, const char *s, size_t len, const char *fmt, ...)
{
	char detail[FU_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (len > QUOTE_MAX)
		len = QUOTE_MAX;
	return fu_err(ctx, FU_EINPUT, "time \"%.*s\": %s", (int)len, s, detail);
}

/* Checks the ranges of a parsed civil time and folds a leap second 60 into 59. */
static int check_civil(struct fu_ctx *ctx, const char *s, size_t len, struct civil *c)
{
	if (c->month < 1 || c->month > 12)
		return time_err(ctx, s, len, "month %d out of range", c->month);
	if (c->day < 1 || c->day > dt_days_in_month(c->year, c->month))
		return time_err(ctx, s, len, "day %d out of range for %s%04d-%02d", c->day,
				c->year < 0 ? "-" : "", c->year < 0 ? -c->year : c->year, c->month);
	if (c->hour > 23)
		return time_err(ctx, s, len, "hour %d out of range", c->hour);
	if (c->min > 59)
		return time_err(ctx, s, len, "minute %d out of range", c->min);
	if (c->sec > 60)
		return time_err(ctx, s, len, "second %d out of range", c->sec);
	if (c->sec == 60)
		c->sec = 59;
	return FU_OK;
}

/* Reads exactly n digits at *p (not past e) into *v and advances *p; 0 if they are not there. */
static int take_digits(const char **p, const char *e, int n, int *v)
{
	const char *q = *p;
	int x = 0;

	if (e - q < n)
		return 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)q[i]))
			return 0;
		x = x * 10 + (q[i] - '0');
	}
	*v = x;
	*p = q + n;
	return 1;
}

static void trim(const char **b, const char **e)
{
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

/* Parses a zone suffix (Z, +HH:MM, +HHMM, +HH) at *p into seconds east of UTC. */
static int parse_zone(struct fu_ctx *ctx, const char *b, size_t len, const char **p,
		      const char *e, int32_t *off)
{
	const char *q = *p;
	int sign, oh, om = 0;

	if (*q == 'Z' || *q == 'z') {
		*off = 0;
		*p = q + 1;
		return FU_OK;
	}
	if (*q != '+' && *q != '-')
		return time_err(ctx, b, len, "expected Z or an offset after the time");
	sign = *q == '-' ? -1 : 1;
	q++;
	if (!take_digits(&q, e, 2, &oh))
		goto bad;
	if (q < e && *q == ':') {
		q++;
		if (!take_digits(&q, e, 2, &om))
			goto bad;
	} else if (q < e && isdigit((unsigned char)*q)) {
		if (!take_digits(&q, e, 2, &om))
			goto bad;
	}
	if (oh > 23 || om > 59)
		return time_err(ctx, b, len, "offset %c%02d:%02d out of range",
				sign < 0 ? '-' : '+', oh, om);
	*off = sign * (oh * 3600 + om * 60);
	*p = q;
	return FU_OK;
bad:
	return time_err(ctx, b, len, "bad offset (expected +HH:MM, +HHMM or +HH)");
}

int dt_parse_iso(struct fu_ctx *ctx, const char *s, int allow_naive, int64_t *out)
{
	const char *b = s, *e = s + strlen(s), *p;
	struct civil c = { 0 };
	int32_t off = 0;
	size_t len;
	int neg = 0, rc;

	trim(&b, &e);
	len = (size_t)(e - b);
	p = b;
	if (p < e && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
	}
	if (!take_digits(&p, e, 4, &c.year) || p == e || *p++ != '-' ||
	    !take_digits(&p, e, 2, &c.month) || p == e || *p++ != '-' ||
	    !take_digits(&p, e, 2, &c.day))
		return time_err(ctx, b, len, "expected YYYY-MM-DD");
	if (neg)
		c.year = -c.year;
	if (p < e) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return time_err(ctx, b, len, "unexpected text after the date");
		p++;
		if (!take_digits(&p, e, 2, &c.hour) || p == e || *p++ != ':' ||
		    !take_digits(&p, e, 2, &c.min))
			return time_err(ctx, b, len, "expected HH:MM after the date");
		if (p < e && *p == ':') {
			p++;
			if (!take_digits(&p, e, 2, &c.sec))
				return time_err(ctx, b, len, "expected two digits of seconds");
			if (p < e && (*p == '.' || *p == ',')) {
				p++;
				if (p == e || !isdigit((unsigned char)*p))
					return time_err(ctx, b, len,
							"expected digits after the decimal mark");
				while (p < e && isdigit((unsigned char)*p))
					p++;
			}
		}
		rc = check_civil(ctx, b, len, &c);
		if (rc)
			return rc;
		if (p == e) {
			if (!allow_naive)
				return time_err(ctx, b, len, "missing zone (add Z or an offset)");
		} else {
			rc = parse_zone(ctx, b, len, &p, e, &off);
			if (rc)
				return rc;
			if (p != e)
				return time_err(ctx, b, len, "unexpected text after the zone");
		}
	} else {
		rc = check_civil(ctx, b, len, &c);
		if (rc)
			return rc;
	}
	*out = dt_from_civil(&c) - off;
	return FU_OK;
}

static const char month_names[12][10] = {
	"january", "february", "march", "april", "may", "june",
	"july", "august", "september", "october", "november", "december"
};

/* Reads a month name (three letters, or the full name; any case) at *p into *month. */
static int take_month_name(const char **p, int *month)
{
	const char *q = *p;

	for (int m = 0; m < 12; m++) {
		const char *name = month_names[m];
		size_t i;

		if (strncasecmp(q, name, 3) != 0)
			continue;
		for (i = 3; name[i] && tolower((unsigned char)q[i]) == name[i]; i++)
			;
		*p = q + (name[i] ? 3 : i);
		*month = m + 1;
		return 1;
	}
	return 0;
}

/* Reads one digit and, if there is one, a second into *v. */
static int take_1or2(const char **p, int *v)
{
	const char *q = *p;

	if (!isdigit((unsigned char)q[0]))
		return 0;
	*v = q[0] - '0';
	q++;
	if (isdigit((unsigned char)q[0])) {
		*v = *v * 10 + (q[0] - '0');
		q++;
	}
	*p = q;
	return 1;
}

int dt_check_format(struct fu_ctx *ctx, const char *fmt)
{
	int year = 0, month = 0, day = 0;

	for (const char *f = fmt; *f; f++) {
		if (*f != '%')
			continue;
		f++;
		switch (*f) {
		case 'Y':
		case 'y':
			year = 1;
			break;
		case 'm':
		case 'b':
			month = 1;
			break;
		case 'd':
			day = 1;
			break;
		case 'H':
		case 'M':
		case 'S':
		case '%':
			break;
		case '\0':
			return fu_err(ctx, FU_EINPUT, "format \"%.*s\": ends with a lone %%",
				      QUOTE_MAX, fmt);
		default:
			return fu_err(ctx, FU_EINPUT, "format \"%.*s\": unknown directive %%%c",
				      QUOTE_MAX, fmt, *f);
		}
	}
	if (!year)
		return fu_err(ctx, FU_EINPUT, "format \"%.*s\": no year (%%Y or %%y)",
			      QUOTE_MAX, fmt);
	if (!month)
		return fu_err(ctx, FU_EINPUT, "format \"%.*s\": no month (%%m or %%b)",
			      QUOTE_MAX, fmt);
	if (!day)
		return fu_err(ctx, FU_EINPUT, "format \"%.*s\": no day (%%d)", QUOTE_MAX, fmt);
	return FU_OK;
}

int dt_parse_format(struct fu_ctx *ctx, const char *s, const char *fmt, int64_t *out)
{
	struct civil c = { 0 };
	const char *p = s, *f = fmt;
	size_t len = strlen(s);
	int ok = 1, rc;

	rc = dt_check_format(ctx, fmt);
	if (rc)
		return rc;
	for (; *f && ok; f++) {
		if (*f != '%') {
			ok = *p == *f;
			p += ok;
			continue;
		}
		f++;
		switch (*f) {
		case 'Y':
			ok = take_digits(&p, s + len, 4, &c.year);
			break;
		case 'y':
			ok = take_digits(&p, s + len, 2, &c.year);
			c.year += c.year < 69 ? 2000 : 1900;
			break;
		case 'm':
			ok = take_1or2(&p, &c.month);
			break;
		case 'd':
			ok = take_1or2(&p, &c.day);
			break;
		case 'H':
			ok = take_1or2(&p, &c.hour);
			break;
		case 'M':
			ok = take_1or2(&p, &c.min);
			break;
		case 'S':
			ok = take_1or2(&p, &c.sec);
			break;
		case 'b':
			ok = take_month_name(&p, &c.month);
			break;
		default: /* '%', the only other directive dt_check_format lets through */
			ok = *p == '%';
			p += ok;
			break;
		}
	}
	if (!ok || *p)
		return time_err(ctx, s, len, "does not match format \"%.*s\"", QUOTE_MAX, fmt);
	rc = check_civil(ctx, s, len, &c);
	if (rc)
		return rc;
	*out = dt_from_civil(&c);
	return FU_OK;
}

static void format_year(int year, char *out, size_t n)
{
	if (year < 0)
		snprintf(out, n, "-%04d", -year);
	else
		snprintf(out, n, "%04d", year);
}

void dt_format_iso(int64_t t, char *out, size_t n)
{
	struct civil c;
	char y[16];

	if (!n)
		return;
	dt_to_civil(t, &c);
	format_year(c.year, y, sizeof(y));
	snprintf(out, n, "%s-%02d-%02dT%02d:%02d:%02dZ", y, c.month, c.day, c.hour, c.min, c.sec);
}

void dt_format_date(int64_t t, char *out, size_t n)
{
	struct civil c;
	char y[16];

	if (!n)
		return;
	dt_to_civil(t, &c);
	format_year(c.year, y, sizeof(y));
	snprintf(out, n, "%s-%02d-%02d", y, c.month, c.day);
}

int dt_parse_duration(struct fu_ctx *ctx, const char *s, int64_t *out)
{
	const char *b = s, *e = s + strlen(s), *p;
	int64_t v = 0, unit = 1;
	size_t len;

	trim(&b, &e);
	len = (size_t)(e - b) > QUOTE_MAX ? QUOTE_MAX : (size_t)(e - b);
	for (p = b; p < e && isdigit((unsigned char)*p); p++) {
		if (v > (INT64_MAX - (*p - '0')) / 10)
			goto too_large;
		v = v * 10 + (*p - '0');
	}
	if (p == b)
		goto bad;
	if (p < e) {
		switch (*p) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		case 'w':
			unit = 7 * 86400;
			break;
		default:
			goto bad;
		}
		if (++p != e)
			goto bad;
	}
	if (v > INT64_MAX / unit)
		goto too_large;
	*out = v * unit;
	return FU_OK;
bad:
	return fu_err(ctx, FU_EINPUT,
		      "duration \"%.*s\": expected a number with an optional unit s, m, h, d or w",
		      (int)len, b);
too_large:
	return fu_err(ctx, FU_EINPUT, "duration \"%.*s\": too large", (int)len, b);
}
