/* Report periods and instants in the report time zone (SPEC §1, §4.6):
 * parsing period SPECs and --as-of times, DST-correct local midnights. */
#include "reporter/reporter_p.h"
#include "tracker/util.h"

#include <ctype.h>
#include <libical/ical.h>
#include <stdio.h>
#include <string.h>

const struct rc_tz *rc_tz_get(const char *name, char **err)
{
	icaltimezone *z;

	if (!name || !*name || strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
		return (const struct rc_tz *)icaltimezone_get_utc_timezone();
	z = icaltimezone_get_builtin_timezone(name);
	if (!z) {
		*err = xasprintf("unknown time zone '%s' (expected an IANA name such as Europe/Oslo)",
				 name);
		return NULL;
	}
	return (const struct rc_tz *)z;
}

int rc_tz_offset(const struct rc_tz *tz, time_t t)
{
	icaltimezone *z = (icaltimezone *)tz;
	struct icaltimetype tt;
	int dst = 0;

	if (z == icaltimezone_get_utc_timezone())
		return 0;
	tt = icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone());
	return icaltimezone_get_utc_offset_of_utc_time(z, &tt, &dst);
}

int64_t rc_days_from_civil(int y, int m, int d)
{
	/* Howard Hinnant's algorithm: days since 1970-01-01. */
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void rc_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* 0 = Monday .. 6 = Sunday */
static int weekday_mon0(int64_t days)
{
	int64_t w = (days + 3) % 7; /* 1970-01-01 was a Thursday */
	return (int)(w < 0 ? w + 7 : w);
}

/* The Monday of ISO week 1 of ISO year y: the week containing 4 January. */
static int64_t iso_week1_monday(int y)
{
	int64_t jan4 = rc_days_from_civil(y, 1, 4);
	return jan4 - weekday_mon0(jan4);
}

void rc_iso_week(int y, int m, int d, int *iso_year, int *iso_week)
{
	int64_t days = rc_days_from_civil(y, m, d);
	int iy = y;

	if (days < iso_week1_monday(y))
		iy = y - 1;
	else if (days >= iso_week1_monday(y + 1))
		iy = y + 1;
	*iso_year = iy;
	*iso_week = (int)((days - iso_week1_monday(iy)) / 7) + 1;
}

int rc_iso_weeks_in_year(int y)
{
	return (int)((iso_week1_monday(y + 1) - iso_week1_monday(y)) / 7);
}

time_t rc_tz_local_to_instant(const struct rc_tz *tz, int year, int mon, int day, int hour,
			      int min, int sec)
{
	/* The wall time read as if it were UTC; the real instant is that minus
	 * the offset in force. Try the offsets a day before and a day after
	 * (zones change at most once within two days). */
	time_t wall = (time_t)(rc_days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 +
			       sec);
	int off_before = rc_tz_offset(tz, wall - 86400);
	int off_after = rc_tz_offset(tz, wall + 86400);
	time_t t_before = wall - off_before, t_after = wall - off_after;
	bool ok_before = rc_tz_offset(tz, t_before) == off_before;
	bool ok_after = rc_tz_offset(tz, t_after) == off_after;

	if (ok_before && ok_after)
		return t_before < t_after ? t_before : t_after; /* repeated: first */
	if (ok_after && !ok_before)
		return t_after;
	return t_before; /* valid, or inside a gap: the offset before the gap */
}

void rc_tz_instant_to_local(const struct rc_tz *tz, time_t t, struct tm *out)
{
	int off = rc_tz_offset(tz, t);
	time_t wall = t + off;

	gmtime_r(&wall, out);
	out->tm_gmtoff = off;
	out->tm_zone = NULL;
	out->tm_isdst = -1;
}

char *rc_format_iso(const struct rc_tz *tz, time_t t, char *buf, size_t n)
{
	struct tm tm;
	int off, aoff;

	rc_tz_instant_to_local(tz, t, &tm);
	off = (int)tm.tm_gmtoff;
	aoff = off < 0 ? -off : off;
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
		 aoff / 3600, aoff / 60 % 60);
	return buf;
}

char *rc_format_local_minute(const struct rc_tz *tz, time_t t, char *buf, size_t n)
{
	struct tm tm;

	rc_tz_instant_to_local(tz, t, &tm);
	snprintf(buf, n, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min);
	return buf;
}

/* Reads exactly `width` digits at *p; -1 if they are not there. */
static int digits(const char **p, int width)
{
	int v = 0;

	for (int i = 0; i < width; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += width;
	return v;
}

static bool date_valid(int y, int m, int d)
{
	int y2, m2, d2;

	if (y < 1970 || y > 2199 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	rc_civil_from_days(rc_days_from_civil(y, m, d), &y2, &m2, &d2);
	return y2 == y && m2 == m && d2 == d;
}

/* "YYYY-MM-DD" at *p; advances. */
static int parse_date(const char **p, int *y, int *m, int *d)
{
	const char *s = *p;

	if ((*y = digits(&s, 4)) < 0 || *s++ != '-' || (*m = digits(&s, 2)) < 0 || *s++ != '-' ||
	    (*d = digits(&s, 2)) < 0 || !date_valid(*y, *m, *d))
		return -1;
	*p = s;
	return 0;
}

static int bad_instant(const char *s, char **err)
{
	*err = xasprintf("bad time '%.60s' (expected ISO 8601 such as 2026-04-02T09:30:00+02:00, "
			 "...Z, or a local time 2026-04-02T09:30)",
			 s);
	return -1;
}

/* Optional "Z", "+HH:MM", "+HHMM", "+HH" at *p: 1 and *off set, 0 if none, -1 bad. */
static int parse_offset(const char **p, int *off)
{
	const char *s = *p;
	int sign, hh, mm = 0;

	if (*s == 'Z' || *s == 'z') {
		*off = 0;
		*p = s + 1;
		return 1;
	}
	if (*s != '+' && *s != '-')
		return 0;
	sign = *s++ == '-' ? -1 : 1;
	if ((hh = digits(&s, 2)) < 0 || hh > 23)
		return -1;
	if (*s == ':')
		s++;
	if (isdigit((unsigned char)*s) && ((mm = digits(&s, 2)) < 0 || mm > 59))
		return -1;
	*off = sign * (hh * 3600 + mm * 60);
	*p = s;
	return 1;
}

int rc_parse_instant(const char *str, const struct rc_tz *tz, time_t *out, char **err)
{
	const char *s = str;
	int y, m, d, hh = 0, mi = 0, ss = 0, off = 0, has_off;

	if (parse_date(&s, &y, &m, &d) < 0)
		return bad_instant(str, err);
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if ((hh = digits(&s, 2)) < 0 || hh > 23 || *s++ != ':' || (mi = digits(&s, 2)) < 0 ||
		    mi > 59)
			return bad_instant(str, err);
		if (*s == ':' && ((s++, ss = digits(&s, 2)) < 0 || ss > 60))
			return bad_instant(str, err);
		if (ss == 60)
			ss = 59; /* a leap second: the instant before */
	}
	has_off = parse_offset(&s, &off);
	if (has_off < 0 || *s)
		return bad_instant(str, err);
	if (has_off)
		*out = (time_t)(rc_days_from_civil(y, m, d) * 86400 + hh * 3600 + mi * 60 + ss - off);
	else
		*out = rc_tz_local_to_instant(tz, y, m, d, hh, mi, ss);
	return 0;
}

static time_t local_midnight(const struct rc_tz *tz, int64_t days)
{
	int y, m, d;

	rc_civil_from_days(days, &y, &m, &d);
	return rc_tz_local_to_instant(tz, y, m, d, 0, 0, 0);
}

static void set_week(const struct rc_tz *tz, int64_t monday, struct rc_period *out)
{
	int y, m, d, iy, iw;

	rc_civil_from_days(monday, &y, &m, &d);
	rc_iso_week(y, m, d, &iy, &iw);
	out->start = local_midnight(tz, monday);
	out->end = local_midnight(tz, monday + 7);
	snprintf(out->label, sizeof out->label, "%04d-W%02d", iy, iw);
}

static void set_month(const struct rc_tz *tz, int y, int m, struct rc_period *out)
{
	out->start = rc_tz_local_to_instant(tz, y, m, 1, 0, 0, 0);
	out->end = m == 12 ? rc_tz_local_to_instant(tz, y + 1, 1, 1, 0, 0, 0)
			   : rc_tz_local_to_instant(tz, y, m + 1, 1, 0, 0, 0);
	snprintf(out->label, sizeof out->label, "%04d-%02d", y, m);
}

static int bad_period(const char *spec, const char *why, char **err)
{
	*err = xasprintf("bad period '%.60s': %s (expected last-week, this-week, last-month, "
			 "this-month, 2026-W14, 2026-04 or 2026-04-01..2026-04-15)",
			 spec, why);
	return -1;
}

/* YYYY-Www, YYYY-MM, or YYYY-MM-DD..YYYY-MM-DD */
static int parse_explicit(const char *spec, const struct rc_tz *tz, struct rc_period *out,
			  char **err)
{
	const char *s = spec;
	int y, m, d, y2, m2, d2, w;

	if (strlen(spec) == 8 && spec[4] == '-' && (spec[5] == 'W' || spec[5] == 'w')) {
		s = spec + 6;
		if ((y = digits(&(const char *){spec}, 4)) < 0 || (w = digits(&s, 2)) < 0)
			return bad_period(spec, "not a week", err);
		if (y < 1970 || y > 2199 || w < 1 || w > rc_iso_weeks_in_year(y))
			return bad_period(spec, "no such ISO week", err);
		set_week(tz, iso_week1_monday(y) + (int64_t)(w - 1) * 7, out);
		return 0;
	}
	if (strlen(spec) == 7 && spec[4] == '-') {
		if ((y = digits(&s, 4)) < 0 || *s++ != '-' || (m = digits(&s, 2)) < 0 || y < 1970 ||
		    y > 2199 || m < 1 || m > 12)
			return bad_period(spec, "no such month", err);
		set_month(tz, y, m, out);
		return 0;
	}
	if (parse_date(&s, &y, &m, &d) < 0 || strncmp(s, "..", 2) != 0)
		return bad_period(spec, "not a period", err);
	s += 2;
	if (parse_date(&s, &y2, &m2, &d2) < 0 || *s)
		return bad_period(spec, "the end is not a date", err);
	if (rc_days_from_civil(y2, m2, d2) < rc_days_from_civil(y, m, d))
		return bad_period(spec, "the end date is before the start date", err);
	out->start = rc_tz_local_to_instant(tz, y, m, d, 0, 0, 0);
	out->end = local_midnight(tz, rc_days_from_civil(y2, m2, d2) + 1);
	snprintf(out->label, sizeof out->label, "%04d-%02d-%02d..%04d-%02d-%02d", y, m, d, y2, m2,
		 d2);
	return 0;
}

int rc_period_parse(const char *spec, time_t now, const struct rc_tz *tz, struct rc_period *out,
		    char **err)
{
	struct tm lt;
	int64_t today, monday;

	rc_tz_instant_to_local(tz, now, &lt);
	today = rc_days_from_civil(lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday);
	monday = today - weekday_mon0(today);
	if (!spec || !*spec || strcmp(spec, "last-week") == 0)
		set_week(tz, monday - 7, out);
	else if (strcmp(spec, "this-week") == 0)
		set_week(tz, monday, out);
	else if (strcmp(spec, "this-month") == 0)
		set_month(tz, lt.tm_year + 1900, lt.tm_mon + 1, out);
	else if (strcmp(spec, "last-month") == 0)
		set_month(tz, lt.tm_mon == 0 ? lt.tm_year + 1899 : lt.tm_year + 1900,
			  lt.tm_mon == 0 ? 12 : lt.tm_mon, out);
	else
		return parse_explicit(spec, tz, out, err);
	return 0;
}
