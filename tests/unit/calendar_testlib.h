/* Helpers for the calendar tests: hand-made struct cfg_calendar values, ISO
 * 8601 instants, and table rows. Header-only (static) so that each test
 * binary of the calendar suite can include it. */
#ifndef RC_CALENDAR_TESTLIB_H
#define RC_CALENDAR_TESTLIB_H

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tracker/calendar.h"
#include "tracker/util.h"

/* "2026-01-05T08:00:00+01:00" or "...Z" -> instant. */
static time_t iso(const char *s)
{
	int y, mo, d, h, mi, se, n = 0;
	char sign = 'Z';
	int oh = 0, om = 0;
	if (sscanf(s, "%d-%d-%dT%d:%d:%d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6) {
		fprintf(stderr, "bad test instant %s\n", s);
		abort();
	}
	if (s[n] == '+' || s[n] == '-') {
		sign = s[n];
		sscanf(s + n + 1, "%d:%d", &oh, &om);
	}
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = se };
	time_t t = timegm(&tm);
	int off = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
	return t - off;
}

/* "mon-fri 08:00-16:00, sat 10:00-13:00" -> intervals (test-only parser). */
static size_t parse_hours(const char *spec, struct hours_interval *out, size_t cap)
{
	static const char *dn[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
	size_t n = 0;
	char *copy = xstrdup(spec), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok && n < cap; tok = strtok_r(NULL, ",", &save)) {
		char d1[4] = "", d2[4] = "";
		int h1, m1, h2, m2;
		while (*tok == ' ')
			tok++;
		if (sscanf(tok, "%3s-%3s %d:%d-%d:%d", d1, d2, &h1, &m1, &h2, &m2) != 6) {
			d2[0] = 0;
			if (sscanf(tok, "%3s %d:%d-%d:%d", d1, &h1, &m1, &h2, &m2) != 5)
				abort();
			strcpy(d2, d1);
		}
		int a = -1, b = -1;
		for (int i = 0; i < 7; i++) {
			if (!strcmp(d1, dn[i]))
				a = i;
			if (!strcmp(d2, dn[i]))
				b = i;
		}
		unsigned days = 0;
		for (int i = a; i <= b; i++)
			days |= 1u << i;
		out[n++] = (struct hours_interval){ days, h1 * 60 + m1, h2 * 60 + m2 };
	}
	free(copy);
	return n;
}

/* Builds a calendar; files are under tests/data/, comma-separated; ignore
 * is a comma-separated glob list. Aborts the test binary on failure. */
static struct calendar *tcal_err(const char *zone, const char *hours, const char *files, const char *ignore,
				 char **err)
{
	struct hours_interval h[16];
	char *fv[8], *iv[8];
	struct cfg_calendar cc = { 0 };
	cc.name = (char *)"test";
	cc.timezone = (char *)zone;
	cc.hours = h;
	cc.n_hours = parse_hours(hours, h, 16);
	char *fc = files ? xstrdup(files) : NULL, *ic = ignore ? xstrdup(ignore) : NULL, *save = NULL;
	for (char *t = fc ? strtok_r(fc, ",", &save) : NULL; t && cc.holidays.n < 8; t = strtok_r(NULL, ",", &save))
		fv[cc.holidays.n++] = strncmp(t, "contrib/", 8) ? xasprintf("tests/data/%s", t) : xstrdup(t);
	for (char *t = ic ? strtok_r(ic, ",", &save) : NULL; t && cc.ignore_events.n < 8; t = strtok_r(NULL, ",", &save))
		iv[cc.ignore_events.n++] = t;
	cc.holidays.v = fv;
	cc.ignore_events.v = iv;
	struct calendar *c = calendar_build(&cc, err);
	for (size_t i = 0; i < cc.holidays.n; i++)
		free(fv[i]);
	free(fc);
	free(ic);
	return c;
}

static struct calendar *tcal(const char *zone, const char *hours, const char *files, const char *ignore)
{
	char *err = NULL;
	struct calendar *c = tcal_err(zone, hours, files, ignore, &err);
	if (!c) {
		fprintf(stderr, "calendar_build: %s\n", err);
		abort();
	}
	return c;
}

/* Table rows: 'b' business_seconds(a, b) == n; 'd' due_at(a, n) == want;
 * 'o' is_open(a) == n; 'n' next_open(a) == want; 's' same_day_due(a, n/100, n%100) == want. */
struct row {
	char kind;
	const char *a, *b;
	int64_t n;
	const char *want;
};

static void run_rows(const struct calendar *c, const struct row *rows)
{
	for (int i = 0; rows[i].kind; i++) {
		const struct row *r = &rows[i];
		time_t a = iso(r->a), got = 0;
		char *err = NULL;
		int ok = 1;
		switch (r->kind) {
		case 'b': ok = calendar_business_seconds(c, a, iso(r->b)) == r->n; break;
		case 'o': ok = calendar_is_open(c, a) == (r->n != 0); break;
		case 'd': ok = calendar_due_at(c, a, r->n, &got, &err) == 0 && got == iso(r->want); break;
		case 'n': ok = calendar_next_open(c, a, &got, &err) == 0 && got == iso(r->want); break;
		case 's': ok = calendar_same_day_due(c, a, (int)(r->n / 100), (int)(r->n % 100), &got, &err) == 0 &&
			       got == iso(r->want); break;
		}
		if (!ok)
			fprintf(stderr, "\nrow %d (%c %s %s %lld): got %lld bs=%lld %s\n", i, r->kind, r->a,
				r->b ? r->b : "", (long long)r->n, (long long)got,
				r->b ? (long long)calendar_business_seconds(c, a, iso(r->b)) : -1LL, err ? err : "");
		free(err);
		CU_ASSERT_TRUE(ok);
	}
}

#endif
