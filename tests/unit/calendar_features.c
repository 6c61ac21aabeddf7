/* Calendar tests (included by test_calendar.c): .ics features, the real
 * holiday feeds, same-day rule, errors, digest. */


static int64_t bs_date(const struct calendar *c, int y, int m, int d)
{
	return calendar_business_seconds(c, calendar_from_local(c, y, m, d, 0, 0, 0),
					 calendar_from_local(c, y, m, d + 1, 0, 0, 0));
}

static void calendar__recurrence_features(void)
{
	struct calendar *c = tcal("Europe/Oslo", "mon-fri 08:00-16:00", "calendar/recur.ics", NULL);
	CU_ASSERT_EQUAL(bs_date(c, 2026, 1, 5), 7 * 3600);   /* weekly maintenance 14-15 */
	CU_ASSERT_EQUAL(bs_date(c, 2026, 1, 12), 8 * 3600);  /* EXDATE */
	CU_ASSERT_EQUAL(bs_date(c, 2026, 1, 19), 8 * 3600);  /* RECURRENCE-ID moved it... */
	CU_ASSERT_EQUAL(bs_date(c, 2026, 1, 20), 7 * 3600);  /* ...to Tuesday 09-10 */
	CU_ASSERT_EQUAL(bs_date(c, 2026, 1, 26), 8 * 3600);  /* cancelled instance */
	CU_ASSERT_EQUAL(bs_date(c, 2026, 1, 6), 8 * 3600);   /* STATUS:CANCELLED event */
	CU_ASSERT_EQUAL(bs_date(c, 2026, 1, 7), 6 * 3600);   /* 03-05 New York = 09-11 Oslo */
	CU_ASSERT_EQUAL(bs_date(c, 2026, 1, 8), 6 * 3600 + 1800); /* 10:00-11:30Z */
	CU_ASSERT_EQUAL(bs_date(c, 2026, 2, 2), 0);          /* all-day + RDATEs */
	CU_ASSERT_EQUAL(bs_date(c, 2026, 3, 2), 0);
	CU_ASSERT_EQUAL(bs_date(c, 2026, 4, 1), 0);
	CU_ASSERT_EQUAL(bs_date(c, 2026, 4, 2), 8 * 3600);
	CU_ASSERT_EQUAL(bs_date(c, 2026, 2, 9), 7 * 3600);
	CU_ASSERT_EQUAL(bs_date(c, 2026, 2, 10), 0);         /* observance not ignored here */
	CU_ASSERT_EQUAL(bs_date(c, 2026, 12, 24), 4 * 3600); /* Christmas Eve closed from 12:00 */
	CU_ASSERT_EQUAL(bs_date(c, 2035, 1, 1), 7 * 3600);   /* unbounded weekly rule, far ahead */
	CU_ASSERT_EQUAL(bs_date(c, 2026, 6, 1), 7 * 3600);   /* in summer time too */
	CU_ASSERT_EQUAL(calendar_business_seconds(c, iso("2026-06-01T14:00:00+02:00"), iso("2026-06-01T15:00:00+02:00")), 0);
	calendar_free(&c);
	/* ignore_events: whole SUMMARY, case-insensitive glob */
	c = tcal("Europe/Oslo", "mon-fri 08:00-16:00", "calendar/recur.ics", "sommertid*,Weekly");
	CU_ASSERT_EQUAL(bs_date(c, 2026, 2, 10), 8 * 3600);
	CU_ASSERT_EQUAL(bs_date(c, 2026, 1, 5), 7 * 3600); /* "Weekly" does not match the whole SUMMARY */
	calendar_free(&c);
	c = tcal("Europe/Oslo", "mon-fri 08:00-16:00", "calendar/recur.ics", "weekly MAINTENANCE");
	CU_ASSERT_EQUAL(bs_date(c, 2026, 1, 5), 8 * 3600);
	CU_ASSERT_EQUAL(bs_date(c, 2026, 1, 20), 7 * 3600); /* the override's SUMMARY differs, ... */
	calendar_free(&c);
	/* a VTIMEZONE with a Windows name */
	c = tcal("Europe/Oslo", "mon-fri 08:00-16:00", "calendar/vtimezone.ics", NULL);
	CU_ASSERT_EQUAL(bs_date(c, 2026, 7, 2), 6 * 3600);
	/* its own DST rules: 09:00-11:00 is CEST in July (not +01:00) */
	CU_ASSERT_FALSE(calendar_is_open(c, iso("2026-07-02T09:00:00+02:00")));
	CU_ASSERT_FALSE(calendar_is_open(c, iso("2026-07-02T10:59:59+02:00")));
	CU_ASSERT_TRUE(calendar_is_open(c, iso("2026-07-02T11:00:00+02:00")));
	CU_ASSERT_TRUE(calendar_is_open(c, iso("2026-07-02T08:59:59+02:00")));
	calendar_free(&c);
}

static void calendar__bom_unbounded_and_sloppy(void)
{
	struct calendar *c = tcal("Europe/Oslo", "mon-fri 08:00-16:00", "calendar/unbounded-bom.ics", NULL);
	CU_ASSERT_EQUAL(bs_date(c, 2026, 1, 30), 0);   /* last Friday of January */
	CU_ASSERT_EQUAL(bs_date(c, 2040, 12, 28), 0);  /* BYDAY=-1FR, no end, 2040 */
	CU_ASSERT_EQUAL(bs_date(c, 2040, 12, 27), 8 * 3600);
	CU_ASSERT_EQUAL(bs_date(c, 2026, 3, 2), 0);    /* date start, date-time end 13:00 local Mar 3 */
	CU_ASSERT_EQUAL(bs_date(c, 2026, 3, 3), 0);
	CU_ASSERT_EQUAL(bs_date(c, 2026, 3, 4), 8 * 3600);
	CU_ASSERT_EQUAL(calendar_n_warnings(c), 1);
	const char *file;
	int line;
	const char *w = calendar_warning(c, 0, &file, &line);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_PTR_NOT_NULL(strstr(file, "unbounded-bom.ics"));
	CU_ASSERT_EQUAL(line, 14);
	calendar_free(&c);
}

/* Real feeds: Norwegian Easter 2026 and 17 May, Swedish Midsummer Eve, US ML King Day. */
static void calendar__real_feeds(void)
{
	struct calendar *no = tcal("Europe/Oslo", "mon-fri 08:00-16:00", "holidays/no-python3-holidays-2020-2035.ics", NULL);
	/* Maundy Thursday 2 April to Easter Monday 6 April 2026 */
	CU_ASSERT_EQUAL(calendar_business_seconds(no, iso("2026-04-01T16:00:00+02:00"), iso("2026-04-07T08:00:00+02:00")), 0);
	CU_ASSERT_EQUAL(calendar_business_seconds(no, iso("2026-04-01T00:00:00+02:00"), iso("2026-04-08T00:00:00+02:00")), 2 * 28800);
	static const struct row rows[] = {
		/* arrival on a holiday */
		{ 'd', "2026-04-03T10:00:00+02:00", NULL, 3600, "2026-04-07T09:00:00+02:00" },
		/* Friday evening before Whit Monday + 17 May 2027 (Monday) */
		{ 'd', "2027-05-14T18:00:00+02:00", NULL, 3600, "2027-05-18T09:00:00+02:00" },
		/* same-day 12:00 */
		{ 's', "2026-01-05T10:00:00+01:00", NULL, 1200, "2026-01-05T16:00:00+01:00" },
		{ 's', "2026-01-05T07:00:00+01:00", NULL, 1200, "2026-01-05T16:00:00+01:00" },
		{ 's', "2026-01-05T12:00:00+01:00", NULL, 1200, "2026-01-06T16:00:00+01:00" },
		{ 's', "2026-01-05T11:59:59+01:00", NULL, 1200, "2026-01-05T16:00:00+01:00" },
		{ 's', "2026-01-10T10:00:00+01:00", NULL, 1200, "2026-01-12T16:00:00+01:00" }, /* Saturday */
		{ 's', "2026-04-01T10:00:00+02:00", NULL, 1200, "2026-04-01T16:00:00+02:00" },
		{ 's', "2026-04-01T13:00:00+02:00", NULL, 1200, "2026-04-07T16:00:00+02:00" }, /* before Easter */
		{ 's', "2026-04-02T09:00:00+02:00", NULL, 1200, "2026-04-07T16:00:00+02:00" }, /* on a holiday */
		{ 0, NULL, NULL, 0, NULL },
	};
	run_rows(no, rows);
	CU_ASSERT_EQUAL(bs_date(no, 2027, 5, 17), 0);
	CU_ASSERT_EQUAL(calendar_n_warnings(no), 0);
	calendar_free(&no);

	struct calendar *mno = tcal("Europe/Oslo", "mon-fri 08:00-16:00", "holidays/mozilla-NorwegianHolidays-2009-2020.ics", NULL);
	CU_ASSERT_EQUAL(bs_date(mno, 2019, 5, 17), 0);       /* RRULE COUNT=12 from 2009 */
	CU_ASSERT_EQUAL(bs_date(mno, 2019, 5, 16), 8 * 3600);
	CU_ASSERT_EQUAL(bs_date(mno, 2021, 5, 17), 8 * 3600); /* the COUNT ran out in 2020 */
	CU_ASSERT_EQUAL(bs_date(mno, 2019, 4, 18), 0);       /* Maundy Thursday 2019, explicit */
	calendar_free(&mno);

	struct calendar *se = tcal("Europe/Stockholm", "mon-fri 08:00-16:00", "holidays/mozilla-SwedishHolidays-2020-2029.ics", NULL);
	CU_ASSERT_EQUAL(bs_date(se, 2026, 6, 19), 0);        /* Midsommarafton: BYDAY=FR;BYMONTHDAY=19..25 */
	CU_ASSERT_EQUAL(bs_date(se, 2026, 6, 18), 8 * 3600);
	CU_ASSERT_EQUAL(bs_date(se, 2035, 6, 22), 0);        /* unbounded RRULE: Midsummer Eve 2035 */
	CU_ASSERT_EQUAL(bs_date(se, 2026, 12, 24), 0);
	CU_ASSERT_TRUE(calendar_n_warnings(se) > 0);         /* all-day events without DTEND */
	calendar_free(&se);

	struct calendar *us = tcal("America/New_York", "mon-fri 09:00-17:00", "holidays/mozilla-USHolidays-2021-2030.ics",
				   "Groundhog Day,Valentine*,Daylight Saving*,St Patrick*,First day of*,Black Friday*");
	CU_ASSERT_EQUAL(bs_date(us, 2026, 1, 19), 0);        /* ML King Day, DTEND = DTSTART: one day */
	CU_ASSERT_EQUAL(bs_date(us, 2026, 1, 20), 8 * 3600);
	CU_ASSERT_EQUAL(bs_date(us, 2026, 5, 25), 0);        /* Memorial Day, BYDAY=-1MO */
	CU_ASSERT_EQUAL(bs_date(us, 2026, 1, 1), 0);         /* New Year: date start, date-time end */
	CU_ASSERT_EQUAL(bs_date(us, 2026, 1, 2), 8 * 3600);
	int found = 0;
	for (size_t i = 0; i < calendar_n_warnings(us); i++) {
		const char *file;
		int line;
		const char *w = calendar_warning(us, i, &file, &line);
		found |= line == 63 && strstr(w, "ML King Day") != NULL;
	}
	CU_ASSERT_TRUE(found);
	calendar_free(&us);
}

static void calendar__no_open_time_is_an_error(void)
{
	struct calendar *c = tcal("Europe/Oslo", "mon-fri 08:00-16:00", "calendar/always-closed.ics", NULL);
	time_t t;
	char *err = NULL;
	CU_ASSERT_EQUAL(calendar_due_at(c, iso("2026-01-05T08:00:00+01:00"), 60, &t, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "no open time"));
	xfree(&err);
	CU_ASSERT_EQUAL(calendar_next_open(c, iso("2026-01-05T08:00:00+01:00"), &t, &err), -1);
	xfree(&err);
	CU_ASSERT_EQUAL(calendar_same_day_due(c, iso("2026-01-05T08:00:00+01:00"), 12, 0, &t, &err), -1);
	xfree(&err);
	CU_ASSERT_EQUAL(calendar_business_seconds(c, 0, iso("2100-01-01T00:00:00Z")), 0);
	calendar_free(&c);
	/* open time that ends: due beyond 2100 */
	c = tcal("UTC", "mon-fri 08:00-16:00", NULL, NULL);
	CU_ASSERT_EQUAL(calendar_due_at(c, iso("2100-12-31T12:00:00Z"), 86400, &t, &err), -1);
	xfree(&err);
	CU_ASSERT_EQUAL(calendar_due_at(c, iso("2100-12-30T12:00:00Z"), 3600, &t, &err), 0);
	CU_ASSERT_EQUAL(t, iso("2100-12-30T13:00:00Z"));
	calendar_free(&c);
	/* no hours at all, unknown zone */
	CU_ASSERT_PTR_NULL(tcal_err("Europe/Oslo", "", NULL, NULL, &err));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "no open hours"));
	xfree(&err);
	CU_ASSERT_PTR_NULL(tcal_err("Europe/Atlantis", "mon 08:00-09:00", NULL, NULL, &err));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "Europe/Atlantis"));
	xfree(&err);
}

static void calendar__bad_files(void)
{
	static const struct { const char *file, *want; } rows[] = {
		{ "calendar/bad-truncated.ics", "bad-truncated.ics:6: file ends inside BEGIN:VEVENT" },
		{ "calendar/bad-no-vevent.ics", "bad-no-vevent.ics:1: no VEVENT" },
		{ "calendar/bad-dtstart.ics", "bad-dtstart.ics:6: bad DTSTART" },
		{ "calendar/bad-tzid.ics", "bad-tzid.ics:6: unknown TZID 'Mars/Olympus_Mons'" },
		{ "calendar/bad-binary.ics", "bad-binary.ics:" },
		{ "calendar/missing.ics", "missing.ics: cannot open" },
		{ NULL, NULL },
	};
	for (int i = 0; rows[i].file; i++) {
		char *err = NULL;
		struct calendar *c = tcal_err("Europe/Oslo", "mon-fri 08:00-16:00", rows[i].file, NULL, &err);
		CU_ASSERT_PTR_NULL(c);
		if (!err || !strstr(err, rows[i].want))
			fprintf(stderr, "\n%s: got '%s'\n", rows[i].file, err ? err : "(none)");
		CU_ASSERT_PTR_NOT_NULL(err && strstr(err, rows[i].want));
		calendar_free(&c);
		free(err);
	}
}

static void calendar__digest(void)
{
	struct calendar *a = tcal("Europe/Oslo", "mon-fri 08:00-16:00", "calendar/recur.ics", NULL);
	struct calendar *b = tcal("Europe/Oslo", "mon-fri 08:00-12:00, mon-fri 11:00-16:00", "calendar/recur.ics", NULL);
	struct calendar *c = tcal("Europe/Oslo", "mon-fri 08:00-16:00", "calendar/recur.ics", "x*");
	struct calendar *d = tcal("Europe/Oslo", "mon-fri 08:00-16:00", "calendar/vtimezone.ics", NULL);
	CU_ASSERT_EQUAL(strlen(calendar_digest(a)), 64);
	CU_ASSERT_STRING_EQUAL(calendar_digest(a), calendar_digest(b)); /* same merged hours */
	CU_ASSERT_STRING_NOT_EQUAL(calendar_digest(a), calendar_digest(c));
	CU_ASSERT_STRING_NOT_EQUAL(calendar_digest(a), calendar_digest(d));
	calendar_free(&a);
	calendar_free(&b);
	calendar_free(&c);
	calendar_free(&d);
	CU_ASSERT_PTR_NULL(a);
}


static void calendar__two_events_one_date_and_folding(void)
{
	struct calendar *c = tcal("Europe/Oslo", "mon-fri 08:00-16:00",
				  "holidays/no-python3-holidays-2020-2035.ics,calendar/folded-crlf.ics", NULL);
	struct calendar_day d;
	calendar_day(c, 2027, 5, 17, &d);
	CU_ASSERT_EQUAL(d.n_open, 0);
	CU_ASSERT_EQUAL_FATAL(d.n_closures, 2);
	int grunnlov = 0, pinse = 0;
	for (size_t i = 0; i < d.n_closures; i++) {
		grunnlov |= !strcmp(d.closures[i].summary, "Grunnlovsdag");
		pinse |= !strcmp(d.closures[i].summary, "Andre pinsedag");
		CU_ASSERT_EQUAL(d.closures[i].end - d.closures[i].start, 86400);
	}
	CU_ASSERT_TRUE(grunnlov && pinse);
	calendar_day_free(&d);
	/* a SUMMARY folded in the middle of a UTF-8 character, CRLF line ends */
	calendar_day(c, 2026, 6, 1, &d);
	CU_ASSERT_EQUAL_FATAL(d.n_closures, 1);
	CU_ASSERT_STRING_EQUAL(d.closures[0].summary,
			       "Stengt for sommerfest p\xc3\xa5 Bygd\xc3\xb8y med hele staben og alle de andre fra kontoret i Tr\xc3\xb8ndelag");
	CU_ASSERT_EQUAL(d.closures[0].line, 4);
	calendar_day_free(&d);
	/* an ordinary day: open 08-16, no closures */
	calendar_day(c, 2026, 6, 2, &d);
	CU_ASSERT_EQUAL_FATAL(d.n_open, 1);
	CU_ASSERT_EQUAL(d.open[0].start, iso("2026-06-02T08:00:00+02:00"));
	CU_ASSERT_EQUAL(d.open[0].end, iso("2026-06-02T16:00:00+02:00"));
	CU_ASSERT_EQUAL(d.n_closures, 0);
	calendar_day_free(&d);
	calendar_free(&c);
}

/* Observances in a real feed close days unless ignore_events names them. */
static void calendar__observances_ignored(void)
{
	struct calendar *raw = tcal("America/New_York", "mon-fri 09:00-17:00", "holidays/mozilla-USHolidays-2021-2030.ics", NULL);
	struct calendar *ign = tcal("America/New_York", "mon-fri 09:00-17:00", "holidays/mozilla-USHolidays-2021-2030.ics",
				    "valentine's DAY,Groundhog*");
	CU_ASSERT_EQUAL(bs_date(raw, 2028, 2, 14), 0); /* Valentine's Day, a Monday */
	CU_ASSERT_EQUAL(bs_date(ign, 2028, 2, 14), 8 * 3600);
	CU_ASSERT_EQUAL(bs_date(raw, 2026, 2, 2), 0);  /* Groundhog Day, a Monday */
	CU_ASSERT_EQUAL(bs_date(ign, 2026, 2, 2), 8 * 3600);
	CU_ASSERT_EQUAL(bs_date(ign, 2026, 1, 19), 0);  /* ML King Day stays */
	calendar_free(&raw);
	calendar_free(&ign);
}

static void calendar_add_feature_tests(CU_pSuite s)
{
	CU_add_test(s, "calendar__recurrence_features", calendar__recurrence_features);
	CU_add_test(s, "calendar__bom_unbounded_and_sloppy", calendar__bom_unbounded_and_sloppy);
	CU_add_test(s, "calendar__real_feeds", calendar__real_feeds);
	CU_add_test(s, "calendar__no_open_time_is_an_error", calendar__no_open_time_is_an_error);
	CU_add_test(s, "calendar__bad_files", calendar__bad_files);
	CU_add_test(s, "calendar__digest", calendar__digest);
	CU_add_test(s, "calendar__two_events_one_date_and_folding", calendar__two_events_one_date_and_folding);
	CU_add_test(s, "calendar__observances_ignored", calendar__observances_ignored);
}
