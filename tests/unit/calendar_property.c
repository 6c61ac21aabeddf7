/* Calendar tests (included by test_calendar.c): a differential test against
 * an independent brute-force reference (glibc localtime_r over 15-minute
 * slots, closed dates read from the feed's DTSTART lines by plain text
 * scanning, no libical, no fast tables), and algebraic properties. */

#define REF_Y0 2020
#define REF_Y1 2041 /* exclusive */
#define SLOT 900

struct ref {
	int64_t t0;
	size_t n;
	unsigned char *open;
	int64_t *cum; /* cum[i] = open seconds in slots before i */
};

/* Dates (YYYYMMDD) of the feed's all-day events, by text scanning. */
static size_t scan_dates(const char *path, long *out, size_t cap)
{
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char line[256];
	size_t n = 0;
	while (fgets(line, sizeof line, f) && n < cap)
		if (!strncmp(line, "DTSTART;VALUE=DATE:", 19))
			out[n++] = atol(line + 19);
	fclose(f);
	return n;
}

/* hours: up to 4 intervals applying to days mask (bit0 = Monday). */
struct ref_hours {
	unsigned days;
	int start, end; /* minutes */
};

static void ref_build(struct ref *r, const char *zone, const struct ref_hours *h, size_t nh, const long *closed,
		      size_t nclosed)
{
	setenv("TZ", zone, 1);
	tzset();
	struct tm a = { .tm_year = REF_Y0 - 1900, .tm_mday = 1 }, b = { .tm_year = REF_Y1 - 1900, .tm_mday = 1 };
	r->t0 = timegm(&a);
	r->n = (size_t)((timegm(&b) - r->t0) / SLOT);
	r->open = xcalloc(r->n, 1);
	r->cum = xmalloc((r->n + 1) * sizeof *r->cum);
	r->cum[0] = 0;
	for (size_t i = 0; i < r->n; i++) {
		time_t t = (time_t)(r->t0 + (int64_t)i * SLOT);
		struct tm tm;
		localtime_r(&t, &tm);
		int wd = (tm.tm_wday + 6) % 7, min = tm.tm_hour * 60 + tm.tm_min;
		long ymd = (tm.tm_year + 1900) * 10000L + (tm.tm_mon + 1) * 100 + tm.tm_mday;
		int open = 0;
		for (size_t k = 0; k < nh; k++)
			open |= (h[k].days >> wd & 1) && min >= h[k].start && min < h[k].end;
		for (size_t k = 0; k < nclosed && open; k++)
			open = closed[k] != ymd;
		r->open[i] = (unsigned char)open;
		r->cum[i + 1] = r->cum[i] + (open ? SLOT : 0);
	}
	unsetenv("TZ");
	tzset();
}

static int64_t ref_f(const struct ref *r, int64_t x)
{
	size_t i = (size_t)((x - r->t0) / SLOT);
	if (i >= r->n)
		return r->cum[r->n];
	return r->cum[i] + (r->open[i] ? x - (r->t0 + (int64_t)i * SLOT) : 0);
}

static int64_t ref_bs(const struct ref *r, int64_t a, int64_t b)
{
	return b <= a ? 0 : ref_f(r, b) - ref_f(r, a);
}

/* Latest t with bs(a, t) == T: one less than the first t reaching T+1. */
static int64_t ref_due(const struct ref *r, int64_t a, int64_t T)
{
	int64_t lo = a, hi = r->t0 + (int64_t)r->n * SLOT;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (ref_bs(r, a, mid) >= T + 1)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo - 1;
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void differential(const char *zone, const char *hours, const struct ref_hours *rh, size_t nrh,
			 const char *feed, int npairs)
{
	static long closed[4096];
	size_t nclosed = 0;
	if (feed) {
		char *p = xasprintf("tests/data/%s", feed);
		nclosed = scan_dates(p, closed, 4096);
		free(p);
		CU_ASSERT_TRUE(nclosed > 100);
	}
	struct ref r;
	ref_build(&r, zone, rh, nrh, closed, nclosed);
	struct calendar *c = tcal(zone, hours, feed, NULL);
	int64_t span = (int64_t)(r.n - 60 * 96) * SLOT; /* keep due_at inside the reference */
	long bad_bs = 0, bad_due = 0;
	for (int i = 0; i < npairs; i++) {
		int64_t a = r.t0 + (int64_t)(rnd() % (uint64_t)span);
		int64_t len = i % 10 == 0 ? (int64_t)(rnd() % (366ULL * 86400)) : (int64_t)(rnd() % (30ULL * 86400));
		if (i % 7 == 0)
			a -= a % 60; /* whole minutes hit the edges */
		int64_t b = a + len;
		if (b >= r.t0 + (int64_t)r.n * SLOT)
			b = r.t0 + (int64_t)r.n * SLOT - 1;
		int64_t want = ref_bs(&r, a, b), got = calendar_business_seconds(c, a, b);
		if (want != got && bad_bs++ < 5)
			fprintf(stderr, "\n%s bs(%lld, %lld): want %lld got %lld\n", zone, (long long)a, (long long)b,
				(long long)want, (long long)got);
		int64_t T = (int64_t)(rnd() % (30ULL * 8 * 3600));
		if (i % 5 == 0)
			T = (int64_t)(rnd() % 4) * 1800;
		time_t due;
		char *err = NULL;
		if (calendar_due_at(c, a, T, &due, &err) != 0 || due != ref_due(&r, a, T)) {
			if (bad_due++ < 5)
				fprintf(stderr, "\n%s due(%lld, %lld): want %lld got %lld %s\n", zone, (long long)a,
					(long long)T, (long long)ref_due(&r, a, T), (long long)due, err ? err : "");
		}
		free(err);
	}
	CU_ASSERT_EQUAL(bad_bs, 0);
	CU_ASSERT_EQUAL(bad_due, 0);
	calendar_free(&c);
	free(r.open);
	free(r.cum);
}

static void calendar__differential_oslo(void)
{
	static const struct ref_hours h[] = { { 0x1f, 480, 690 }, { 0x1f, 720, 960 } };
	differential("Europe/Oslo", "mon-fri 08:00-11:30, mon-fri 12:00-16:00", h, 2,
		     "holidays/no-python3-holidays-2020-2035.ics", 70000);
}

static void calendar__differential_new_york(void)
{
	static const struct ref_hours h[] = { { 0x1f, 540, 1020 }, { 0x20, 600, 780 } };
	differential("America/New_York", "mon-fri 09:00-17:00, sat 10:00-13:00", h, 2,
		     "holidays/us-python3-holidays-2020-2035.ics", 70000);
}

static void calendar__differential_sydney_nights(void)
{
	static const struct ref_hours h[] = { { 0x7f, 0, 180 }, { 0x7f, 1320, 1440 } };
	differential("Australia/Sydney", "mon-sun 00:00-03:00, mon-sun 22:00-24:00", h, 2, NULL, 70000);
}

/* bs is additive; due_at is the exact inverse; fast path equals
 * second-by-second is_open on short ranges. */
static void calendar__properties(void)
{
	struct calendar *c = tcal("Europe/Oslo", "mon-fri 08:00-11:30, mon-fri 12:00-16:00, sat 10:00-13:00",
				  "holidays/no-python3-holidays-2020-2035.ics,calendar/recur.ics", NULL);
	int64_t base = iso("2020-01-01T00:00:00Z"), range = 20LL * 365 * 86400;
	long bad = 0;
	for (int i = 0; i < 20000; i++) {
		int64_t x[3];
		for (int k = 0; k < 3; k++)
			x[k] = base + (int64_t)(rnd() % (uint64_t)range);
		for (int k = 0; k < 2; k++)
			for (int m = 0; m < 2 - k; m++)
				if (x[m] > x[m + 1]) {
					int64_t t = x[m];
					x[m] = x[m + 1];
					x[m + 1] = t;
				}
		bad += calendar_business_seconds(c, x[0], x[2]) !=
		       calendar_business_seconds(c, x[0], x[1]) + calendar_business_seconds(c, x[1], x[2]);
		int64_t T = (int64_t)(rnd() % (200ULL * 3600));
		time_t due;
		char *err = NULL;
		if (calendar_due_at(c, x[0], T, &due, &err) != 0) {
			bad++;
			free(err);
			continue;
		}
		bad += calendar_business_seconds(c, x[0], due) != T;
		bad += calendar_business_seconds(c, x[0], due + 1) != T + 1;
		bad += !calendar_is_open(c, due);
	}
	for (int i = 0; i < 60; i++) {
		int64_t a = base + (int64_t)(rnd() % (uint64_t)range), n = 0;
		a -= a % 3600;
		for (int64_t t = a; t < a + 6 * 3600; t++)
			n += calendar_is_open(c, t);
		bad += n != calendar_business_seconds(c, a, a + 6 * 3600);
	}
	CU_ASSERT_EQUAL(bad, 0);
	calendar_free(&c);
}

/* Weekday closures of a contrib/holidays file against python3-holidays'
 * output (2020-2035); `skip` lists MMDD days of known differences. */
static void compare_contrib(const char *zone, const char *contrib, const char *ref, const char *skip)
{
	static long dates[4096];
	char *p = xasprintf("tests/data/%s", ref);
	size_t n = scan_dates(p, dates, 4096);
	free(p);
	struct calendar *c = tcal(zone, "mon-fri 00:00-24:00", contrib, NULL);
	long bad = 0, closed_days = 0;
	for (int64_t d = days_from_civil(2020, 1, 1); d < days_from_civil(2036, 1, 1); d++) {
		int64_t y;
		unsigned m, dd;
		civil_from_days(d, &y, &m, &dd);
		if (weekday_from_days(d) >= 5)
			continue;
		char md[8];
		snprintf(md, sizeof md, "%02u%02u", m, dd);
		if (skip && strstr(skip, md) && y >= 2021)
			continue;
		long ymd = (long)y * 10000 + m * 100 + dd;
		int in_ref = 0;
		for (size_t i = 0; i < n; i++)
			in_ref |= dates[i] == ymd;
		int closed = bs_date(c, (int)y, (int)m, (int)dd) == 0;
		closed_days += closed;
		if (closed != in_ref && bad++ < 10)
			fprintf(stderr, "\n%s %ld: generated %s, python3-holidays %s\n", contrib, ymd,
				closed ? "closed" : "open", in_ref ? "holiday" : "no holiday");
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(closed_days > 100);
	calendar_free(&c);
}

static void calendar__contrib_holidays_norway(void)
{
	compare_contrib("Europe/Oslo", "contrib/holidays/norway.ics", "holidays/no-python3-holidays-2020-2035.ics", NULL);
}

static void calendar__contrib_holidays_sweden(void)
{
	compare_contrib("Europe/Stockholm", "contrib/holidays/sweden.ics", "holidays/se-python3-holidays-2020-2035.ics", NULL);
}

static void calendar__contrib_holidays_us(void)
{
	/* python3-holidays 0.10.1 lacks Juneteenth (federal since 2021). */
	compare_contrib("America/New_York", "contrib/holidays/us-federal.ics", "holidays/us-python3-holidays-2020-2035.ics",
			"0618 0619 0620");
}

/* Unbounded RRULEs (BYDAY+BYMONTHDAY, split All Saints' Eve...) expanded by
 * us for 2020-2040, against an expansion by python3-recurring-ical-events. */
static void calendar__mozilla_se_against_independent_expansion(void)
{
	FILE *f = fopen("tests/data/holidays/expected/mozilla-se-weekday-closures-2020-2040.txt", "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	static long want[1024];
	size_t n = 0;
	int y, m, d;
	while (n < 1024 && fscanf(f, "%d-%d-%d", &y, &m, &d) == 3)
		want[n++] = y * 10000L + m * 100 + d;
	fclose(f);
	CU_ASSERT_TRUE(n > 200);
	struct calendar *c = tcal("Europe/Stockholm", "mon-fri 00:00-24:00", "holidays/mozilla-SwedishHolidays-2020-2029.ics", NULL);
	size_t k = 0, bad = 0;
	for (int64_t day = days_from_civil(2020, 1, 1); day < days_from_civil(2041, 1, 1); day++) {
		int64_t yy;
		unsigned mm, dd;
		if (weekday_from_days(day) >= 5)
			continue;
		civil_from_days(day, &yy, &mm, &dd);
		long ymd = (long)yy * 10000 + mm * 100 + dd;
		int closed = bs_date(c, (int)yy, (int)mm, (int)dd) == 0;
		int expected = k < n && want[k] == ymd;
		k += expected;
		if (closed != expected && bad++ < 10)
			fprintf(stderr, "\nmozilla SE %ld: ours %s, independent %s\n", ymd, closed ? "closed" : "open",
				expected ? "closed" : "open");
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(k, n);
	calendar_free(&c);
}

static void calendar_add_property_tests(CU_pSuite s)
{
	CU_add_test(s, "calendar__mozilla_se_against_independent_expansion", calendar__mozilla_se_against_independent_expansion);
	CU_add_test(s, "calendar__contrib_holidays_norway", calendar__contrib_holidays_norway);
	CU_add_test(s, "calendar__contrib_holidays_sweden", calendar__contrib_holidays_sweden);
	CU_add_test(s, "calendar__contrib_holidays_us", calendar__contrib_holidays_us);
	CU_add_test(s, "calendar__differential_oslo", calendar__differential_oslo);
	CU_add_test(s, "calendar__differential_new_york", calendar__differential_new_york);
	CU_add_test(s, "calendar__differential_sydney_nights", calendar__differential_sydney_nights);
	CU_add_test(s, "calendar__properties", calendar__properties);
}
