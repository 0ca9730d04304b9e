/* tz.h - IANA time zones read from the system's TZif files, for local time and DST */
#ifndef FU_TZ_H
#define FU_TZ_H

#include <stdint.h>

#include "datetime.h"
#include "fu.h"

/* A loaded zone: transitions from the TZif file plus its POSIX TZ rule for later times. */
struct tz;

/*
 * Loads the zone named `name` ("Europe/Berlin", "UTC", "America/New_York") from
 * $TZDIR, or /usr/share/zoneinfo when TZDIR is unset. Names with "..", a leading "/",
 * or characters outside [A-Za-z0-9_+-/] are rejected. On success *out is a new zone the
 * caller frees with tz_free(). Errors: FU_EINPUT for a bad name, FU_ENOTFOUND for an
 * unknown zone ("time zone 'Mars/Base': unknown"), FU_EINPUT for a corrupt file
 * ("time zone 'X': corrupt file"), FU_EIO when the file exists but cannot be read,
 * FU_ENOMEM. "UTC" is built in and needs no file. Leap seconds in "right/" zones are
 * ignored: instants are POSIX seconds.
 */
int tz_load(struct fu_ctx *ctx, const char *name, struct tz **out);
void tz_free(struct tz *z);
const char *tz_name(const struct tz *z);

/* Offset from UTC in seconds (east positive) in effect at instant t; *isdst set if non-NULL. */
int32_t tz_offset_at(const struct tz *z, int64_t t, int *isdst);

/*
 * The abbreviation in effect at instant t ("EST", "CEST", "+0530"); never NULL, owned
 * by z and valid until tz_free(z).
 */
const char *tz_abbr_at(const struct tz *z, int64_t t);

/* The local civil time of instant t. */
void tz_to_local(const struct tz *z, int64_t t, struct civil *out);

/*
 * The instant of a local civil time. In a gap (spring forward) the time is moved
 * forward by the gap's length (02:30 that does not exist becomes 03:30); in an overlap
 * (fall back) the earlier instant is chosen. *kind (if non-NULL) is set to 0 (normal),
 * 1 (was in a gap) or 2 (was ambiguous).
 */
int64_t tz_from_local(const struct tz *z, const struct civil *local, int *kind);

/*
 * A cache of loaded zones, owned by its creator; tz_cache_get returns zones the cache owns.
 * One made by tz_cache_new_shared may be used by several threads at once (its gets take a
 * mutex; the zones it gives are only read and stay until it is freed).
 */
struct tz_cache;
struct tz_cache *tz_cache_new(void); /* NULL on out-of-memory */
struct tz_cache *tz_cache_new_shared(void);
void tz_cache_free(struct tz_cache *c);
int tz_cache_get(struct fu_ctx *ctx, struct tz_cache *c, const char *name, const struct tz **out);

#endif
