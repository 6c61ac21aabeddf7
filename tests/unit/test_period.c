/* Unit tests: report periods, ISO weeks, instants in the report time zone. */
#include "reporter/reporter_p.h"
#include "tracker/util.h"

#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

static time_t utc(int y, int m, int d, int hh, int mi, int ss)
{
	return (time_t)(rc_days_from_civil(y, m, d) * 86400 + hh * 3600 + mi * 60 + ss);
}

static const struct rc_tz *zone(const char *name)
{
	char *err = NULL;
	const struct rc_tz *tz = rc_tz_get(name, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tz);
	return tz;
}

static void check_period(const char *spec, time_t now, const char *tzname, const char *label,
			 const char *start, const char *end)
{
	struct rc_period p;
	char *err = NULL, b1[40], b2[40];
	const struct rc_tz *tz = zone(tzname);

	CU_ASSERT_EQUAL_FATAL(rc_period_parse(spec, now, tz, &p, &err), 0);
	CU_ASSERT_STRING_EQUAL(p.label, label);
	CU_ASSERT_STRING_EQUAL(rc_format_iso(tz, p.start, b1, sizeof b1), start);
	CU_ASSERT_STRING_EQUAL(rc_format_iso(tz, p.end, b2, sizeof b2), end);
}

static void period__iso_week_spec_example(void)
{
	check_period("2026-W14", 0, "Europe/Oslo", "2026-W14", "2026-03-30T00:00:00+02:00",
		     "2026-04-06T00:00:00+02:00");
}

static void period__week_with_dst_change_is_short(void)
{
	struct rc_period p;
	char *err = NULL;

	check_period("2026-W13", 0, "Europe/Oslo", "2026-W13", "2026-03-23T00:00:00+01:00",
		     "2026-03-30T00:00:00+02:00");
	CU_ASSERT_EQUAL(rc_period_parse("2026-W13", 0, zone("Europe/Oslo"), &p, &err), 0);
	CU_ASSERT_EQUAL(p.end - p.start, 7 * 86400 - 3600);
	CU_ASSERT_EQUAL(rc_period_parse("2026-W43", 0, zone("Europe/Oslo"), &p, &err), 0);
	CU_ASSERT_EQUAL(p.end - p.start, 7 * 86400 + 3600);
}

static void period__iso_week_year_edges(void)
{
	struct rc_period p;
	char *err = NULL;
	int iy, iw;

	check_period("2020-W53", 0, "UTC", "2020-W53", "2020-12-28T00:00:00+00:00",
		     "2021-01-04T00:00:00+00:00");
	check_period("2021-W01", 0, "UTC", "2021-W01", "2021-01-04T00:00:00+00:00",
		     "2021-01-11T00:00:00+00:00");
	check_period("2026-W53", 0, "Europe/Oslo", "2026-W53", "2026-12-28T00:00:00+01:00",
		     "2027-01-04T00:00:00+01:00");
	CU_ASSERT_EQUAL(rc_iso_weeks_in_year(2020), 53);
	CU_ASSERT_EQUAL(rc_iso_weeks_in_year(2021), 52);
	CU_ASSERT_EQUAL(rc_iso_weeks_in_year(2026), 53);
	CU_ASSERT_EQUAL(rc_period_parse("2025-W53", 0, zone("UTC"), &p, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "2025-W53"));
	free(err);
	rc_iso_week(2021, 1, 3, &iy, &iw); /* a Sunday in 2020-W53 */
	CU_ASSERT_EQUAL(iy, 2020);
	CU_ASSERT_EQUAL(iw, 53);
	rc_iso_week(2024, 12, 30, &iy, &iw); /* a Monday in 2025-W01 */
	CU_ASSERT_EQUAL(iy, 2025);
	CU_ASSERT_EQUAL(iw, 1);
}

static void period__month_and_dst(void)
{
	check_period("2026-04", 0, "Europe/Oslo", "2026-04", "2026-04-01T00:00:00+02:00",
		     "2026-05-01T00:00:00+02:00");
	check_period("2026-10", 0, "Europe/Oslo", "2026-10", "2026-10-01T00:00:00+02:00",
		     "2026-11-01T00:00:00+01:00");
	check_period("2026-12", 0, "Europe/Oslo", "2026-12", "2026-12-01T00:00:00+01:00",
		     "2027-01-01T00:00:00+01:00");
}

static void period__explicit_range_end_inclusive(void)
{
	check_period("2026-04-01..2026-04-15", 0, "Europe/Oslo", "2026-04-01..2026-04-15",
		     "2026-04-01T00:00:00+02:00", "2026-04-16T00:00:00+02:00");
	check_period("2026-03-29..2026-03-29", 0, "Europe/Oslo", "2026-03-29..2026-03-29",
		     "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00");
}

static void period__relative_to_now(void)
{
	/* Monday 2026-04-06 00:30 in Oslo is still Sunday 22:30 UTC: the
	 * week must be taken from the local date, not the UTC one. */
	time_t now = utc(2026, 4, 5, 22, 30, 0);

	check_period(NULL, now, "Europe/Oslo", "2026-W14", "2026-03-30T00:00:00+02:00",
		     "2026-04-06T00:00:00+02:00");
	check_period("last-week", now, "UTC", "2026-W13", "2026-03-23T00:00:00+00:00",
		     "2026-03-30T00:00:00+00:00");
	check_period("this-week", now, "Europe/Oslo", "2026-W15", "2026-04-06T00:00:00+02:00",
		     "2026-04-13T00:00:00+02:00");
	check_period("last-month", utc(2026, 1, 10, 12, 0, 0), "Europe/Oslo", "2025-12",
		     "2025-12-01T00:00:00+01:00", "2026-01-01T00:00:00+01:00");
	check_period("this-month", now, "Europe/Oslo", "2026-04", "2026-04-01T00:00:00+02:00",
		     "2026-05-01T00:00:00+02:00");
}

static void period__bad_specs_rejected(void)
{
	const char *bad[] = {"2026-W00", "2026-W54", "2026-13", "2026-00", "2026-02-30..2026-03-01",
			     "2026-04-15..2026-04-01", "next-week", "2026-04-01..", "2026-4",
			     "2026-04-01..2026-04-02x", ""};
	struct rc_period p;

	for (size_t i = 0; i + 1 < sizeof bad / sizeof *bad; i++) {
		char *err = NULL;
		CU_ASSERT_EQUAL(rc_period_parse(bad[i], 0, zone("UTC"), &p, &err), -1);
		CU_ASSERT_PTR_NOT_NULL(err);
		free(err);
	}
}

static void period__local_time_gap_and_overlap(void)
{
	/* RFC 5545: 02:30 on Oslo's spring-forward day = 03:30 CEST = 01:30Z;
	 * 02:30 on the fall-back day = the first one, CEST = 00:30Z. */
	CU_ASSERT_EQUAL(rc_tz_local_to_instant(zone("Europe/Oslo"), 2026, 3, 29, 2, 30, 0),
			utc(2026, 3, 29, 1, 30, 0));
	CU_ASSERT_EQUAL(rc_tz_local_to_instant(zone("Europe/Oslo"), 2026, 10, 25, 2, 30, 0),
			utc(2026, 10, 25, 0, 30, 0));
	/* Santiago springs forward at midnight (2026-09-06 00:00 -04 -> 01:00 -03):
	 * local midnight does not exist and is read with -04. */
	CU_ASSERT_EQUAL(rc_tz_local_to_instant(zone("America/Santiago"), 2026, 9, 6, 0, 0, 0),
			utc(2026, 9, 6, 4, 0, 0));
}

static void period__parse_instant_forms(void)
{
	const struct rc_tz *oslo = zone("Europe/Oslo");
	time_t t;
	char *err = NULL;

	CU_ASSERT_EQUAL(rc_parse_instant("2026-04-02T09:30:00+02:00", oslo, &t, &err), 0);
	CU_ASSERT_EQUAL(t, utc(2026, 4, 2, 7, 30, 0));
	CU_ASSERT_EQUAL(rc_parse_instant("2026-04-02T07:30:00Z", oslo, &t, &err), 0);
	CU_ASSERT_EQUAL(t, utc(2026, 4, 2, 7, 30, 0));
	CU_ASSERT_EQUAL(rc_parse_instant("2026-04-02 09:30", oslo, &t, &err), 0);
	CU_ASSERT_EQUAL(t, utc(2026, 4, 2, 7, 30, 0));
	CU_ASSERT_EQUAL(rc_parse_instant("2026-01-02T09:30:15", oslo, &t, &err), 0);
	CU_ASSERT_EQUAL(t, utc(2026, 1, 2, 8, 30, 15));
	CU_ASSERT_EQUAL(rc_parse_instant("2026-04-02T09:30:00-0330", oslo, &t, &err), 0);
	CU_ASSERT_EQUAL(t, utc(2026, 4, 2, 13, 0, 0));
	CU_ASSERT_EQUAL(rc_parse_instant("2026-04-02", oslo, &t, &err), 0);
	CU_ASSERT_EQUAL(t, utc(2026, 4, 1, 22, 0, 0));
	const char *bad[] = {"2026-04-02T25:00", "2026-04-02T09:30+2", "yesterday", "2026-02-29",
			     "2026-04-02T09:30:00+02:00 ", "2026-04-02T9:30"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err = NULL;
		CU_ASSERT_EQUAL(rc_parse_instant(bad[i], oslo, &t, &err), -1);
		CU_ASSERT_PTR_NOT_NULL(err);
		free(err);
	}
}

static void period__unknown_zone(void)
{
	char *err = NULL;

	CU_ASSERT_PTR_NULL(rc_tz_get("Europe/Atlantis", &err));
	CU_ASSERT_PTR_NOT_NULL(err);
	CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "Europe/Atlantis") : NULL);
	free(err);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("period", NULL, NULL);
	CU_add_test(s, "period__iso_week_spec_example", period__iso_week_spec_example);
	CU_add_test(s, "period__week_with_dst_change_is_short", period__week_with_dst_change_is_short);
	CU_add_test(s, "period__iso_week_year_edges", period__iso_week_year_edges);
	CU_add_test(s, "period__month_and_dst", period__month_and_dst);
	CU_add_test(s, "period__explicit_range_end_inclusive", period__explicit_range_end_inclusive);
	CU_add_test(s, "period__relative_to_now", period__relative_to_now);
	CU_add_test(s, "period__bad_specs_rejected", period__bad_specs_rejected);
	CU_add_test(s, "period__local_time_gap_and_overlap", period__local_time_gap_and_overlap);
	CU_add_test(s, "period__parse_instant_forms", period__parse_instant_forms);
	CU_add_test(s, "period__unknown_zone", period__unknown_zone);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
