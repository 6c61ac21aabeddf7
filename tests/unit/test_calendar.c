/* Unit tests for the calendar (SPEC §4.5): hand-computed business-time rows,
 * DST edges, real holiday feeds, .ics features and errors, and the time-zone
 * code checked against glibc's localtime_r. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/unit/calendar_testlib.h"
#include "tracker/calendar.h"
#include "tracker/tz.h"

static const char *ZONES[] = { "Europe/Oslo", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
			       "Pacific/Chatham", "America/Sao_Paulo", "Europe/London", "Pacific/Apia",
			       "America/St_Johns", "Australia/Lord_Howe", NULL };

/* Offsets: ours against glibc's for instants 1970-2100 in many zones. */
static void calendar__tz_offsets_match_localtime(void)
{
	for (int i = 0; ZONES[i]; i++) {
		char *err = NULL;
		struct rc_zone *z = rc_zone_load(ZONES[i], &err);
		CU_ASSERT_PTR_NOT_NULL_FATAL(z);
		setenv("TZ", ZONES[i], 1);
		tzset();
		long bad = 0;
		for (int64_t t = 0; t < 4133980800; t += 3600 * 5 + 1111) {
			struct tm tm;
			time_t tt = (time_t)t;
			localtime_r(&tt, &tm);
			if (rc_zone_offset(z, t) != tm.tm_gmtoff && bad++ < 3)
				fprintf(stderr, "%s at %lld: %d vs %ld\n", ZONES[i], (long long)t,
					rc_zone_offset(z, t), tm.tm_gmtoff);
		}
		CU_ASSERT_EQUAL(bad, 0);
		rc_zone_free(&z);
	}
	unsetenv("TZ");
	tzset();
}

/* Local -> instant: round trip; where it differs, the instant is the
 * first occurrence of a repeated local time. Also mktime agreement. */
static void calendar__tz_local_roundtrip(void)
{
	for (int i = 0; ZONES[i]; i++) {
		struct rc_zone *z = rc_zone_load(ZONES[i], &(char *){ NULL });
		CU_ASSERT_PTR_NOT_NULL_FATAL(z);
		setenv("TZ", ZONES[i], 1);
		tzset();
		long bad = 0;
		for (int64_t t = 0; t < 4133980800; t += 3600 * 3 + 777) {
			int64_t l = rc_zone_to_local(z, t), r = rc_zone_from_local(z, l);
			if (r != t && !(r < t && rc_zone_to_local(z, r) == l))
				bad++;
			struct tm tm;
			time_t tt = (time_t)t;
			localtime_r(&tt, &tm);
			tm.tm_isdst = -1;
			time_t m = mktime(&tm);
			if (r == t && m != tt && rc_zone_offset(z, t) == rc_zone_offset(z, t - 86400) &&
			    rc_zone_offset(z, t) == rc_zone_offset(z, t + 86400))
				bad++; /* away from any change, mktime must agree */
		}
		CU_ASSERT_EQUAL(bad, 0);
		rc_zone_free(&z);
	}
	unsetenv("TZ");
	tzset();
}

static void calendar__tz_gap_and_fold_rule(void)
{
	struct calendar *oslo = tcal("Europe/Oslo", "mon-fri 08:00-16:00", NULL, NULL);
	struct calendar *ny = tcal("America/New_York", "mon-fri 08:00-16:00", NULL, NULL);
	/* 02:30 on spring-forward day does not exist: offset before the gap (+01) -> 03:30 CEST. */
	CU_ASSERT_EQUAL(calendar_from_local(oslo, 2026, 3, 29, 2, 30, 0), iso("2026-03-29T01:30:00Z"));
	/* 02:30 on fall-back day happens twice: the first (CEST). */
	CU_ASSERT_EQUAL(calendar_from_local(oslo, 2026, 10, 25, 2, 30, 0), iso("2026-10-25T00:30:00Z"));
	CU_ASSERT_EQUAL(calendar_from_local(ny, 2026, 3, 8, 2, 30, 0), iso("2026-03-08T07:30:00Z"));
	CU_ASSERT_EQUAL(calendar_from_local(ny, 2026, 11, 1, 1, 30, 0), iso("2026-11-01T05:30:00Z"));
	calendar_free(&oslo);
	calendar_free(&ny);
}

static void calendar__rows_standard(void)
{
	static const struct row rows[] = {
		/* SPEC example: 4h from Monday 12:00 ends at closing -> Tuesday's opening. */
		{ 'd', "2026-01-05T12:00:00+01:00", NULL, 4 * 3600, "2026-01-06T08:00:00+01:00" },
		{ 'b', "2026-01-05T12:00:00+01:00", "2026-01-06T08:00:00+01:00", 14400, NULL },
		{ 'b', "2026-01-05T12:00:00+01:00", "2026-01-06T08:00:01+01:00", 14401, NULL },
		/* at night: counting starts at the next opening */
		{ 'd', "2026-01-05T20:00:00+01:00", NULL, 3600, "2026-01-06T09:00:00+01:00" },
		/* Friday afternoon over the weekend */
		{ 'd', "2026-01-09T15:00:00+01:00", NULL, 7200, "2026-01-12T09:00:00+01:00" },
		{ 'b', "2026-01-09T15:00:00+01:00", "2026-01-12T09:00:00+01:00", 7200, NULL },
		/* exact opening and closing seconds */
		{ 'd', "2026-01-05T08:00:00+01:00", NULL, 0, "2026-01-05T08:00:00+01:00" },
		{ 'd', "2026-01-05T16:00:00+01:00", NULL, 0, "2026-01-06T08:00:00+01:00" },
		{ 'd', "2026-01-05T15:59:59+01:00", NULL, 1, "2026-01-06T08:00:00+01:00" },
		{ 'b', "2026-01-05T15:59:59+01:00", "2026-01-05T16:00:00+01:00", 1, NULL },
		{ 'o', "2026-01-05T08:00:00+01:00", NULL, 1, NULL },
		{ 'o', "2026-01-05T07:59:59+01:00", NULL, 0, NULL },
		{ 'o', "2026-01-05T16:00:00+01:00", NULL, 0, NULL },
		{ 'n', "2026-01-09T16:00:00+01:00", NULL, 0, "2026-01-12T08:00:00+01:00" },
		/* four weeks: 20 days of 8 h */
		{ 'b', "2026-01-05T00:00:00+01:00", "2026-02-02T00:00:00+01:00", 20 * 28800, NULL },
		/* across the summer-time change (DST does not change an 08-16 day) */
		{ 'b', "2026-03-27T00:00:00+01:00", "2026-03-31T00:00:00+02:00", 2 * 28800, NULL },
		/* across a year boundary (two cache chunks) */
		{ 'b', "2025-12-31T12:00:00+01:00", "2026-01-02T12:00:00+01:00", 4 * 3600 + 8 * 3600 + 4 * 3600, NULL },
		{ 'd', "2025-12-31T15:00:00+01:00", NULL, 2 * 3600, "2026-01-01T09:00:00+01:00" },
		{ 0, NULL, NULL, 0, NULL },
	};
	struct calendar *c = tcal("Europe/Oslo", "mon-fri 08:00-16:00", NULL, NULL);
	run_rows(c, rows);
	calendar_free(&c);
}

static void calendar__rows_lunch_and_overlap(void)
{
	static const struct row lunch[] = {
		{ 'b', "2026-01-05T11:00:00+01:00", "2026-01-05T12:30:00+01:00", 3600, NULL },
		{ 'd', "2026-01-05T11:00:00+01:00", NULL, 1800, "2026-01-05T12:00:00+01:00" },
		{ 'd', "2026-01-05T11:00:00+01:00", NULL, 1801, "2026-01-05T12:00:01+01:00" },
		{ 'o', "2026-01-05T11:45:00+01:00", NULL, 0, NULL },
		{ 'b', "2026-01-05T00:00:00+01:00", "2026-01-06T00:00:00+01:00", 7 * 3600 + 1800, NULL },
		{ 0, NULL, NULL, 0, NULL },
	};
	struct calendar *c = tcal("Europe/Oslo", "mon-fri 08:00-11:30, mon-fri 12:00-16:00", NULL, NULL);
	run_rows(c, lunch);
	calendar_free(&c);
	static const struct row overlap[] = {
		{ 'b', "2026-01-05T00:00:00+01:00", "2026-01-06T00:00:00+01:00", 4 * 3600, NULL },
		{ 'b', "2026-01-06T00:00:00+01:00", "2026-01-07T00:00:00+01:00", 3 * 3600, NULL },
		{ 'd', "2026-01-05T09:00:00+01:00", NULL, 4 * 3600, "2026-01-06T09:00:00+01:00" },
		{ 0, NULL, NULL, 0, NULL },
	};
	c = tcal("Europe/Oslo", "mon-fri 09:00-12:00, mon 10:00-13:00, mon 09:30-10:30", NULL, NULL);
	run_rows(c, overlap);
	calendar_free(&c);
}

/* A 00:00-04:00 night shift is 3 h on spring-forward and 5 h on fall-back days. */
static void calendar__dst_night_shift(void)
{
	static const struct { const char *zone, *a, *b; int64_t secs; } rows[] = {
		{ "Europe/Oslo", "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 3 * 3600 },
		{ "Europe/Oslo", "2026-03-28T00:00:00+01:00", "2026-03-29T00:00:00+01:00", 4 * 3600 },
		{ "Europe/Oslo", "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", 5 * 3600 },
		{ "America/New_York", "2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 3 * 3600 },
		{ "America/New_York", "2026-11-01T00:00:00-04:00", "2026-11-02T00:00:00-05:00", 5 * 3600 },
		{ "Australia/Sydney", "2026-04-05T00:00:00+11:00", "2026-04-06T00:00:00+10:00", 5 * 3600 },
		{ "Australia/Sydney", "2026-10-04T00:00:00+10:00", "2026-10-05T00:00:00+11:00", 3 * 3600 },
		{ NULL, NULL, NULL, 0 },
	};
	for (int i = 0; rows[i].zone; i++) {
		struct calendar *c = tcal(rows[i].zone, "mon-sun 00:00-04:00", NULL, NULL);
		CU_ASSERT_EQUAL(calendar_business_seconds(c, iso(rows[i].a), iso(rows[i].b)), rows[i].secs);
		calendar_free(&c);
	}
	/* due_at across the Oslo gap: 2 h from 01:00 CET ends at 04:00 CEST = 02:00Z. */
	struct calendar *c = tcal("Europe/Oslo", "mon-sun 00:00-04:00", NULL, NULL);
	time_t due;
	char *err = NULL;
	CU_ASSERT_EQUAL(calendar_due_at(c, iso("2026-03-29T01:00:00+01:00"), 2 * 3600, &due, &err), 0);
	CU_ASSERT_EQUAL(due, iso("2026-03-30T00:00:00+02:00"));
	CU_ASSERT_EQUAL(calendar_due_at(c, iso("2026-03-29T01:00:00+01:00"), 2 * 3600 - 1, &due, &err), 0);
	CU_ASSERT_EQUAL(due, iso("2026-03-29T03:59:59+02:00"));
	calendar_free(&c);
}

/* An interval start and a closure start inside the spring-forward gap. */
static void calendar__dst_edges_in_gap(void)
{
	struct calendar *c = tcal("Europe/Oslo", "sun 02:30-06:00", NULL, NULL);
	/* 02:30 -> 03:30 CEST: 2.5 h instead of 3.5 h */
	CU_ASSERT_EQUAL(calendar_business_seconds(c, iso("2026-03-29T00:00:00+01:00"), iso("2026-03-30T00:00:00+02:00")), 9000);
	CU_ASSERT_EQUAL(calendar_business_seconds(c, iso("2026-03-22T00:00:00+01:00"), iso("2026-03-23T00:00:00+01:00")), 12600);
	/* fall-back day: 02:30 is its first occurrence (CEST), so 4.5 h */
	CU_ASSERT_EQUAL(calendar_business_seconds(c, iso("2026-10-25T00:00:00+02:00"), iso("2026-10-26T00:00:00+01:00")), 16200);
	CU_ASSERT_TRUE(calendar_is_open(c, iso("2026-10-25T00:30:00Z")));
	CU_ASSERT_FALSE(calendar_is_open(c, iso("2026-10-25T00:29:59Z")));
	calendar_free(&c);
	/* closure "02:30-05:00" on 29 March cuts the night shift from 01:30Z */
	c = tcal("Europe/Oslo", "mon-sun 00:00-04:00", "calendar/recur.ics", NULL);
	CU_ASSERT_EQUAL(calendar_business_seconds(c, iso("2026-03-29T00:00:00+01:00"), iso("2026-03-30T00:00:00+02:00")), 9000);
	CU_ASSERT_FALSE(calendar_is_open(c, iso("2026-03-29T01:30:00Z")));
	CU_ASSERT_TRUE(calendar_is_open(c, iso("2026-03-29T01:29:59Z")));
	calendar_free(&c);
}

/* More tests of this suite, kept in their own files. */
#include "tests/unit/calendar_features.c"
#include "tests/unit/calendar_property.c"

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	CU_pSuite s = CU_add_suite("calendar", NULL, NULL);
	CU_add_test(s, "calendar__tz_offsets_match_localtime", calendar__tz_offsets_match_localtime);
	CU_add_test(s, "calendar__tz_local_roundtrip", calendar__tz_local_roundtrip);
	CU_add_test(s, "calendar__tz_gap_and_fold_rule", calendar__tz_gap_and_fold_rule);
	CU_add_test(s, "calendar__rows_standard", calendar__rows_standard);
	CU_add_test(s, "calendar__rows_lunch_and_overlap", calendar__rows_lunch_and_overlap);
	CU_add_test(s, "calendar__dst_night_shift", calendar__dst_night_shift);
	CU_add_test(s, "calendar__dst_edges_in_gap", calendar__dst_edges_in_gap);
	calendar_add_feature_tests(s);
	calendar_add_property_tests(s);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
