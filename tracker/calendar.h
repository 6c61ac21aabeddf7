/* Business-hours calendars (SPEC §4.5): a time zone, weekly open intervals in
 * local wall time, and closures read from iCalendar files with libical.
 * Business time is computed here and nowhere else.
 *
 * All queries are pure functions of the built calendar; instants are UTC
 * seconds (time_t), never interpreted through the process's TZ. Time zones
 * come from the system zoneinfo (TZif, $TZDIR or /usr/share/zoneinfo).
 *
 * Coverage: 1970-01-01T00:00Z to 2101-01-01T00:00Z; instants outside count
 * as closed. Per-year tables are built on first use (a query takes a const
 * calendar but may fill its cache; answers never change as it grows). Not
 * thread-safe: give each thread its own calendar. */
#ifndef RC_CALENDAR_H
#define RC_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "tracker/config.h"

struct calendar;

/* Builds a calendar from its configuration section, reading every .ics file.
 * A bad file gives NULL and *err "FILE:LINE: what" (malloc'd). The caller
 * owns the result. */
struct calendar *calendar_build(const struct cfg_calendar *cc, char **err);
void calendar_free(struct calendar **cal);

const char *calendar_name(const struct calendar *cal);
/* SHA-256 hex of the configuration and the .ics files' bytes: tells which
 * version of a calendar judged a request. Owned by the calendar. */
const char *calendar_digest(const struct calendar *cal);

/* Seconds of open time in [a, b); 0 when b <= a. */
int64_t calendar_business_seconds(const struct calendar *cal, time_t a, time_t b);
/* The latest instant t with business_seconds(a, t) == seconds, i.e. when the
 * (seconds+1)th business second begins. Returns 0, or -1 with *err when the
 * calendar has no open time within reach (no loop forever). */
int calendar_due_at(const struct calendar *cal, time_t a, int64_t seconds, time_t *due, char **err);
/* "same-day HH:MM" rule of SPEC §4.5. */
int calendar_same_day_due(const struct calendar *cal, time_t a, int hour, int minute, time_t *due,
			  char **err);
bool calendar_is_open(const struct calendar *cal, time_t t);
/* First instant >= t that is open; -1 with *err if none before 2100. */
int calendar_next_open(const struct calendar *cal, time_t t, time_t *out, char **err);

/* ---- For `replyclock calendar` and tests (additions) ---- */

const char *calendar_timezone(const struct calendar *cal);
/* Instant -> local wall time in the calendar's zone (struct tm fields, no
 * tm_gmtoff/tm_zone); and local wall time -> instant by the rule of §4.5. */
void calendar_local_tm(const struct calendar *cal, time_t t, struct tm *out);
time_t calendar_from_local(const struct calendar *cal, int year, int mon, int day, int hour, int min,
			   int sec);
/* UTC offset (seconds east) of the calendar's zone at instant t. */
int calendar_utc_offset(const struct calendar *cal, time_t t);

/* One local date: its open pieces, and the closures overlapping it. */
struct calendar_span {
	time_t start, end;
};
struct calendar_closure {
	time_t start, end;          /* the whole closure instance */
	const char *summary, *file; /* owned by the calendar */
	int line;
};
struct calendar_day {
	time_t day_start, day_end;  /* local midnights */
	struct calendar_span *open;
	size_t n_open;
	struct calendar_closure *closures;
	size_t n_closures;
};
/* Fills *out for the local date year-mon-day (1-based month). Free with
 * calendar_day_free(). */
void calendar_day(const struct calendar *cal, int year, int mon, int day, struct calendar_day *out);
void calendar_day_free(struct calendar_day *d);

/* Warnings about sloppy events (SPEC §4.5), with file and line. */
size_t calendar_n_warnings(const struct calendar *cal);
const char *calendar_warning(const struct calendar *cal, size_t i, const char **file, int *line);

#endif
