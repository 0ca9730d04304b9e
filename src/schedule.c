/* schedule.c - when the server's background work comes round (see schedule.h) */
#include "schedule.h"

#include "datetime.h"

#include "banned.h"

#define DAY 86400

int64_t sched_next_every(int64_t after, int64_t period)
{
	int64_t r = after % period;

	if (r < 0)
		r += period;
	return after - r + period;
}

int64_t sched_next_local(const struct tz *z, int hour, int min, int64_t after)
{
	struct civil lc;
	int64_t day, t;

	tz_to_local(z, after, &lc);
	day = dt_days_from_civil(lc.year, lc.month, lc.day);
	/* today's hour:min, else tomorrow's (a gap of a day's length does not exist) */
	for (int k = 0; k < 3; k++) {
		struct civil c = { 0, 0, 0, hour, min, 0 };

		dt_civil_from_days(day + k, &c.year, &c.month, &c.day);
		t = tz_from_local(z, &c, NULL);
		if (t > after)
			return t;
	}
	return after + DAY; /* not reached with real zones */
}

int64_t sched_next_month(int64_t after)
{
	struct civil c;

	dt_to_civil(after, &c);
	if (++c.month > 12) {
		c.month = 1;
		c.year++;
	}
	return dt_days_from_civil(c.year, c.month, 1) * DAY;
}

int64_t sched_local_tomorrow(const struct tz *z, int64_t t)
{
	struct civil lc;

	tz_to_local(z, t, &lc);
	return dt_days_from_civil(lc.year, lc.month, lc.day) + 1;
}
