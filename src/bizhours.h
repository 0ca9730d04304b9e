/* bizhours.h - business hours and quiet hours in a contact's time zone: due times that suit the customer */
#ifndef FU_BIZHOURS_H
#define FU_BIZHOURS_H

#include <stddef.h>
#include <stdint.h>

#include "fu.h"
#include "tz.h"

/*
 * Opening hours per weekday, in local wall-clock minutes. A day is open when
 * 0 <= open < close <= 1440 (24:00); any other pair means closed that day.
 * All instants are seconds since the epoch (UTC); local times go through
 * tz_to_local / tz_from_local, so an opening that falls in a DST gap moves
 * forward and one in an overlap takes the earlier instant. Open time is
 * counted in real elapsed seconds between those instants.
 */
struct bizhours {
	int open[7];  /* minutes after local midnight the business opens, [0] = Monday; -1 = closed that day */
	int close[7]; /* minutes after local midnight it closes; close > open */
};

/* Room for any string bizhours_format() writes, with its NUL. */
#define BIZHOURS_SPEC_MAX 128

/* Fills b with Monday-Friday 09:00-17:00, weekends closed. */
void bizhours_default(struct bizhours *b);

/*
 * Parses spec into *b: comma-separated groups of days and hours, such as
 * "mon-fri 09:00-17:00", "mon-fri 09:00-17:00, sat 10:00-13:00", "mon,wed 08:30-12:00",
 * "daily 00:00-24:00", or "none" for a week with no open day. Day names are mon..sun
 * (any case); a range may wrap ("fri-mon"); hours are H:MM or HH:MM, closing may be 24:00.
 * Days not named are closed. Returns FU_OK, or FU_EINPUT with *b untouched and a message
 * such as `hours "mon-fri 9-17": expected HH:MM-HH:MM after the days`,
 * `hours "...": closing 08:00 is not after opening 09:00`, `hours "...": unknown day 'mo'`,
 * `hours "...": day 'fri' given twice`, `hours "...": time 25:00 out of range`.
 */
int bizhours_parse(struct fu_ctx *ctx, const char *spec, struct bizhours *b);

/*
 * Writes b as a canonical spec that bizhours_parse() reads back to the same hours
 * ("mon-fri 09:00-17:00, sat 10:00-13:00"; "none" when no day is open). Truncates to
 * fit n bytes; BIZHOURS_SPEC_MAX is always enough.
 */
void bizhours_format(const struct bizhours *b, char *out, size_t n);

/* 1 if instant t falls inside business hours in zone z (opening inclusive, closing exclusive), else 0. */
int bizhours_is_open(const struct bizhours *b, const struct tz *z, int64_t t);

/*
 * t if open, else the next opening instant (searches up to 14 days ahead).
 * Returns t when the week has no open day.
 */
int64_t bizhours_next_open(const struct bizhours *b, const struct tz *z, int64_t t);

/*
 * The instant after `secs` seconds of open business time counted from t (t first
 * moved to the next opening). E.g. Friday 16:50 + 15 minutes = Monday 09:05 local.
 * Using up exactly the rest of a day gives that day's closing instant. secs <= 0
 * gives bizhours_next_open(t). Returns t when the week has no open day. The cost
 * grows with the number of business days spanned.
 */
int64_t bizhours_add(const struct bizhours *b, const struct tz *z, int64_t t, int64_t secs);

/*
 * The closing instant of the business day that contains t, or of the next business
 * day when t is outside hours (before today's opening that is today's closing); for
 * "answer the same business day". Returns t when the week has no open day.
 */
int64_t bizhours_end_of_day(const struct bizhours *b, const struct tz *z, int64_t t);

/*
 * The opening of the business day `days` business days after the local date of t
 * (days <= 0 gives bizhours_next_open(t)). E.g. Tuesday 15:00 + 1 -> Wednesday 09:00;
 * Friday + 1 -> Monday 09:00; Saturday + 1 -> Monday 09:00. Returns t when the week
 * has no open day.
 */
int64_t bizhours_add_days(const struct bizhours *b, const struct tz *z, int64_t t, int days);

/* Quiet hours: a daily local window (may wrap midnight, e.g. 20:00-08:00) when no automated message goes out. */
struct quiet_hours {
	int start, end; /* minutes after local midnight; start == end means no quiet hours */
};

/*
 * Parses "20:00-08:00" (start inclusive, end exclusive; end may be 24:00) or "none"
 * into *q. An empty window such as "08:00-08:00" means none. Returns FU_OK, or FU_EINPUT
 * with *q untouched and a message such as `quiet hours "20:00": expected HH:MM-HH:MM or none`,
 * `quiet hours "...": time 25:00 out of range`, `quiet hours "00:00-24:00": covers the whole day`.
 */
int quiet_hours_parse(struct fu_ctx *ctx, const char *spec, struct quiet_hours *q);

/* 1 if the local wall-clock time of t in zone z is inside the quiet window, else 0. */
int quiet_hours_is_quiet(const struct quiet_hours *q, const struct tz *z, int64_t t);

/*
 * t if not quiet, else the end of the quiet window: its local end time mapped to an
 * instant with tz_from_local (moved forward in a DST gap). When that local time occurs
 * twice and t is already past the first, the second is returned, so the result is never
 * before t.
 */
int64_t quiet_hours_next_allowed(const struct quiet_hours *q, const struct tz *z, int64_t t);

#endif
