/* A sample report for the reporter's unit tests and the screenshot script:
 * 2026-W14 in Europe/Oslo with a missed target, a customer exactly at its
 * target, one with everything pending, and subjects full of nasty bytes. */
#ifndef RC_TEST_REPORT_FIXTURE_H
#define RC_TEST_REPORT_FIXTURE_H

#include "reporter/report_model.h"

#include <stdlib.h>

#define FIX_NASTY_SUBJECT "<script>alert(\"x\")</script>, \"quoted\", comma & more"
#define FIX_UTF8_SUBJECT "Fakturaen er feil \xE2\x80\x93 \xC3\xA6\xC3\xB8\xC3\xA5 \xF0\x9F\x9A\x80\nline2"
#define FIX_BLABAER "Bl\xC3\xA5""b\xC3\xA6r & Co, \"<b>Ltd</b>\""

static inline time_t fix_at(const struct rc_tz *tz, int m, int d, int hh, int mi)
{
	return rc_tz_local_to_instant(tz, 2026, m, d, hh, mi, 0);
}

static inline struct rc_report *fix_report(void)
{
	char *err = NULL;
	const struct rc_tz *tz = rc_tz_get("Europe/Oslo", &err);
	struct rc_period p;
	struct rc_report *r;
	struct rc_customer_row *w;
	time_t as_of = fix_at(tz, 4, 7, 7, 0);

	if (!tz || rc_period_parse("2026-W14", as_of, tz, &p, &err) < 0)
		abort();
	r = rc_report_new(&p, "Europe/Oslo", tz, as_of, as_of + 5);
	r->run_id = 17;

	w = rc_report_add_row(r, "acme", "ACME AS", "standard");
	w->requests = 31; w->met = 29; w->breached = 1; w->overdue = 1;
	for (int i = 0; i < 30; i++)
		rc_row_add_answered(w, 600 + i * 540); /* 10 min .. 4 h 31 min */
	rc_row_add_missed(w, &(struct rc_missed){.subject = FIX_NASTY_SUBJECT,
		.opened_message_id = "a1@acme.no", .opened_at = fix_at(tz, 3, 30, 9, 12),
		.due_at = fix_at(tz, 3, 30, 13, 12), .replied = true,
		.replied_at = fix_at(tz, 3, 30, 14, 42), .late_business_seconds = 5400,
		.status = "breached"});
	rc_row_add_missed(w, &(struct rc_missed){.subject = FIX_UTF8_SUBJECT,
		.opened_message_id = "a2@acme.no", .opened_at = fix_at(tz, 4, 2, 10, 0),
		.due_at = fix_at(tz, 4, 2, 14, 0), .replied = false,
		.late_business_seconds = 7200 * 4 + 120, .status = "overdue"});
	rc_row_add_still_open(w, &(struct rc_still_open){.subject = "Can we talk, \"tomorrow\"?",
		.opened_message_id = "a3@acme.no", .opened_at = fix_at(tz, 4, 5, 22, 0),
		.due_at = fix_at(tz, 4, 6, 12, 0)});
	rc_row_finish(w, 95, "one month free of charge");

	w = rc_report_add_row(r, "blabaer", FIX_BLABAER, "standard");
	w->requests = 10; w->met = 10;
	for (int i = 0; i < 10; i++)
		rc_row_add_answered(w, 1800 + i * 600);
	rc_row_finish(w, 95, "one month free of charge");

	w = rc_report_add_row(r, "exact", "Exactly On Target AS", "gold");
	w->requests = 20; w->met = 19; w->breached = 1;
	for (int i = 0; i < 20; i++)
		rc_row_add_answered(w, i < 19 ? 3600 + i * 60 : 30000);
	rc_row_add_missed(w, &(struct rc_missed){.subject = "Server down",
		.opened_message_id = "e1@exact.no", .opened_at = fix_at(tz, 3, 31, 8, 0),
		.due_at = fix_at(tz, 3, 31, 12, 0), .replied = true,
		.replied_at = fix_at(tz, 4, 1, 8, 20), .late_business_seconds = 4 * 3600 + 1200,
		.status = "breached"});
	rc_row_finish(w, 95, "a discount");

	w = rc_report_add_row(r, "pending", "A Very Long Customer Name That Goes On And On AS",
			      "standard");
	w->requests = 2; w->pending = 2;
	rc_row_finish(w, 99.5, "one month free of charge");
	return r;
}

#endif
