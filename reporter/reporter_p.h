/* Private interface shared by the files of reporter/: periods and instants in
 * the report time zone, the report model, renderers, MIME and SMTP. */
#ifndef RC_REPORTER_P_H
#define RC_REPORTER_P_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- time zones and instants (reporter/period.c) ----
 * Every conversion goes through libical's zone data for the named IANA zone,
 * never through the process's TZ. */

/* A report time zone (opaque; owned by libical's builtin zone table, so it
 * never needs freeing). NULL with *err when the name is unknown. "UTC" works. */
struct rc_tz;
const struct rc_tz *rc_tz_get(const char *name, char **err);

/* UTC offset (seconds east) in force at instant t. */
int rc_tz_offset(const struct rc_tz *tz, time_t t);
/* The instant of a local wall time (RFC 5545 §3.3.5: a time inside a
 * spring-forward gap is read with the offset before the gap; a repeated
 * time means its first occurrence). mon 1-12. */
time_t rc_tz_local_to_instant(const struct rc_tz *tz, int year, int mon, int day, int hour,
			      int min, int sec);
/* Broken-down local time of t (tm_gmtoff set to the offset; tm_zone NULL). */
void rc_tz_instant_to_local(const struct rc_tz *tz, time_t t, struct tm *out);

/* ISO 8601 with the zone's offset: "2026-04-02T09:30:00+02:00" into buf
 * (at least 26 bytes). Returns buf. */
char *rc_format_iso(const struct rc_tz *tz, time_t t, char *buf, size_t n);
/* "2026-04-02 09:30" local, for people. buf at least 17 bytes. */
char *rc_format_local_minute(const struct rc_tz *tz, time_t t, char *buf, size_t n);

/* Parses an instant: "2026-04-02T09:30:00+02:00", "...Z", "...+0200", a space
 * instead of T, seconds optional; without an offset the wall time is read in
 * tz; a bare date means its local midnight. 0, or -1 with *err. */
int rc_parse_instant(const char *s, const struct rc_tz *tz, time_t *out, char **err);

/* A report period [start, end) with its label. */
struct rc_period {
	time_t start, end;
	char label[40];    /* "2026-W14", "2026-04", "2026-04-01..2026-04-15" */
};

/* Parses a period SPEC relative to the instant now, in tz:
 * last-week (default when spec is NULL or ""), this-week, last-month,
 * this-month, YYYY-Www (ISO week), YYYY-MM, YYYY-MM-DD..YYYY-MM-DD (both
 * dates included: [first 00:00, day after last 00:00)). 0, or -1 with *err. */
int rc_period_parse(const char *spec, time_t now, const struct rc_tz *tz, struct rc_period *out,
		    char **err);

/* Civil-date helpers (proleptic Gregorian), exposed for tests. */
int64_t rc_days_from_civil(int y, int m, int d);
void rc_civil_from_days(int64_t z, int *y, int *m, int *d);
/* ISO 8601 week-numbering year and week of a date. */
void rc_iso_week(int y, int m, int d, int *iso_year, int *iso_week);
/* Number of ISO weeks (52 or 53) in ISO year y. */
int rc_iso_weeks_in_year(int y);

#endif
