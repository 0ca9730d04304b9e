/* datetime.h - civil dates, ISO 8601 and custom date formats, all in UTC seconds since the epoch */
#ifndef FU_DATETIME_H
#define FU_DATETIME_H

#include <stddef.h>
#include <stdint.h>

#include "fu.h"

/* A broken-down civil time (proleptic Gregorian), no zone attached. */
struct civil {
	int year, month, day;   /* month 1-12, day 1-31 */
	int hour, min, sec;     /* 0-23, 0-59, 0-60 (60 only accepted on input, folded to 59) */
};

/* Days since 1970-01-01 for a civil date (any year in -9999..9999). */
int64_t dt_days_from_civil(int year, int month, int day);
/* The civil date of a day number. */
void dt_civil_from_days(int64_t days, int *year, int *month, int *day);
/* Seconds since the epoch for a civil time read as UTC. */
int64_t dt_from_civil(const struct civil *c);
/* The UTC civil time of t. */
void dt_to_civil(int64_t t, struct civil *c);
/* Days in a month (1-12) of a year. */
int dt_days_in_month(int year, int month);
/* 0 = Monday ... 6 = Sunday for a day number. */
int dt_weekday(int64_t days);

/*
 * Parses ISO 8601: "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM[:SS[.frac]]" followed by
 * "Z" or "+HH:MM"/"-HH:MM"/"+HHMM"/"+HH" ("T" may be a space). A date-time without a zone
 * is an error unless allow_naive is set, in which case it is read as UTC. Leading and
 * trailing spaces are ignored. On failure: FU_EINPUT with a message naming the value and
 * what is wrong, e.g. `time "2026-13-01": month 13 out of range`.
 */
int dt_parse_iso(struct fu_ctx *ctx, const char *s, int allow_naive, int64_t *out);

/*
 * Parses s with a strptime-like format read as UTC: %Y (4 digits), %m, %d, %H, %M, %S
 * (2 digits each, or 1-2 when followed by a non-digit), %y (2 digits: 69-99 -> 19xx,
 * 00-68 -> 20xx), %b (Jan..Dec, any case), %% ; other characters must match literally.
 * Missing time parts are 0; the date must be complete. Errors as dt_parse_iso.
 */
int dt_parse_format(struct fu_ctx *ctx, const char *s, const char *fmt, int64_t *out);

/* Checks a format string for dt_parse_format; FU_EINPUT naming the bad directive. */
int dt_check_format(struct fu_ctx *ctx, const char *fmt);

/* Formats t as "2026-03-05T10:00:00Z" into out (at least 21 bytes; 32 is safe). */
void dt_format_iso(int64_t t, char *out, size_t n);
/* Formats t's UTC date as "2026-03-05" into out (at least 11 bytes). */
void dt_format_date(int64_t t, char *out, size_t n);

/*
 * Parses a duration like "15m", "2h", "3d", "1w", "90s" or a bare number of seconds into
 * seconds. FU_EINPUT on anything else.
 */
int dt_parse_duration(struct fu_ctx *ctx, const char *s, int64_t *out);

#endif
