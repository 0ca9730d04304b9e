/* schedule.h - when the server's background work comes round: every N seconds, at a local time each night, at the start of a month */
#ifndef FU_SCHEDULE_H
#define FU_SCHEDULE_H

#include <stdint.h>

#include "tz.h"

/* The first instant after `after` that is a whole multiple of period seconds (period > 0). */
int64_t sched_next_every(int64_t after, int64_t period);

/*
 * The first instant after `after` whose local time in zone z is hour:min (0-23, 0-59). On a
 * night when that time does not exist (spring forward) it is later by the gap
 * (tz_from_local moves a time in a gap forward by the gap); when it happens twice
 * (fall back), the first of the two.
 */
int64_t sched_next_local(const struct tz *z, int hour, int min, int64_t after);

/*
 * 00:00 UTC on the first day of the month after `after`'s (UTC) month: the moment the
 * lapse model of the agenda changes (lapse_model_cutoff, lapse.h).
 */
int64_t sched_next_month(int64_t after);

/* The local day (days since the epoch) after the one instant t falls on in zone z. */
int64_t sched_local_tomorrow(const struct tz *z, int64_t t);

#endif
