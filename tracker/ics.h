/* Reading closures from .ics files for the calendar (internal to the
 * calendar module): a structural pre-scan that knows line numbers, libical
 * for the content, and recurrence expansion into local start times. */
#ifndef RC_ICS_H
#define RC_ICS_H

#include <stddef.h>
#include <stdint.h>

#include "tracker/tz.h"

struct ics_recur; /* libical rule, opaque here */

/* One closure-producing VEVENT (a master with its recurrences, or a
 * RECURRENCE-ID override on its own). Local times are in `zone`. */
struct ics_event {
	char *summary;
	const char *file;          /* owned by the ics_set */
	int line;                  /* line of BEGIN:VEVENT */
	char *uid;
	int allday;
	const struct rc_zone *zone; /* zone of DTSTART (calendar zone for floating and all-day) */
	int64_t start;             /* local seconds of DTSTART (all-day: midnight) */
	int64_t dur;               /* all-day: days (>= 1); timed: seconds */
	int dur_exact;             /* timed: dur is exact seconds, not local wall time */
	struct ics_recur *rrules;
	size_t n_rrules;
	int64_t *rdates;           /* local seconds */
	size_t n_rdates;
	int64_t *exdates;          /* local seconds of excluded starts */
	size_t n_exdates;
	int64_t *exdays;           /* excluded local dates (day numbers) */
	size_t n_exdays;
	int is_override;           /* has a RECURRENCE-ID: never a master */
};

/* A RECURRENCE-ID: removes one instance of its master (by UID). */
struct ics_override {
	char *uid;
	int is_date;
	int64_t instant;           /* date-time RECURRENCE-ID as an instant */
	int64_t day;               /* date RECURRENCE-ID, as a day number */
};

struct ics_warning {
	const char *file;
	int line;
	char *msg;
};

struct ics_set {
	char **files;
	size_t n_files;
	struct ics_event *ev;
	size_t n_ev, cap_ev;
	struct rc_zone **zones;    /* zones named by TZIDs (owned) */
	char **zone_keys;          /* the TZID text of each */
	size_t n_zones;
	struct ics_warning *warn;
	size_t n_warn;
	struct ics_override *ovr;
	size_t n_ovr;
	struct rc_zone *utc;       /* for times written in UTC (owned) */
};

/* Reads one file into set; `calzone` is used for all-day and floating
 * times; `ignore` globs skip events by SUMMARY. `bytes`/`len` are the file
 * contents (for the digest, the caller reads them). Returns 0, or -1 with
 * *err "FILE:LINE: what". */
int ics_read(struct ics_set *set, const char *path, const char *bytes, size_t len,
	     const struct rc_zone *calzone, char *const *ignore, size_t n_ignore, char **err);
/* After all files: applies RECURRENCE-ID overrides across files. */
void ics_finish(struct ics_set *set);
void ics_set_free(struct ics_set *set);

/* Calls fn for each occurrence local start of ev in [lo, hi) (local
 * seconds of ev->zone), ascending, without duplicates. */
void ics_occurrences(const struct ics_event *ev, int64_t lo, int64_t hi,
		     void (*fn)(const struct ics_event *ev, int64_t local, void *ud), void *ud);

#endif
