/* Time zones for the calendar: UTC offsets from the system's zoneinfo (TZif
 * files read by our own code, with the POSIX TZ footer for instants after
 * the last listed transition) or from a VTIMEZONE given in an .ics file
 * (libical), and the one local-time -> instant rule of SPEC §4.5.
 *
 * "Local seconds" are seconds since 1970-01-01 00:00 of the local wall
 * clock, as if that clock were UTC: days_from_civil() * 86400 + time of day. */
#ifndef RC_TZ_H
#define RC_TZ_H

#include <stdint.h>
#include <time.h>

struct rc_zone;
struct _icaltimezone;

/* Loads an IANA zone ("Europe/Oslo", "UTC") from $TZDIR or
 * /usr/share/zoneinfo. NULL and *err when unknown or unreadable. */
struct rc_zone *rc_zone_load(const char *name, char **err);
/* A fixed UTC zone (needs no file). */
struct rc_zone *rc_zone_utc(void);
/* Wraps a libical zone built from an .ics VTIMEZONE (takes ownership). */
struct rc_zone *rc_zone_from_ical(const char *name, struct _icaltimezone *z);
void rc_zone_free(struct rc_zone **z);
const char *rc_zone_name(const struct rc_zone *z);

/* UTC offset (seconds east of Greenwich) in force at instant t. */
int rc_zone_offset(const struct rc_zone *z, int64_t t);
/* Instant -> local seconds. */
int64_t rc_zone_to_local(const struct rc_zone *z, int64_t t);
/* Local seconds -> instant by RFC 5545 §3.3.5: a local time inside a gap is
 * read with the offset before the gap; a repeated one means its first
 * occurrence. */
int64_t rc_zone_from_local(const struct rc_zone *z, int64_t local);

/* Proleptic Gregorian calendar helpers (H. Hinnant's algorithms). */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* 0 = Monday .. 6 = Sunday. */
unsigned weekday_from_days(int64_t days);
int64_t floor_div(int64_t a, int64_t b);

#endif
