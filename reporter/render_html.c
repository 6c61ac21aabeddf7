/* HTML rendering of a report for mail clients: tables and inline styles only
 * (no scripts, no images, no external resources), with table-based bar
 * charts of compliance against target and of response times. */
#include "reporter/render.h"
#include "reporter/render_util.h"

#include <stdio.h>
#include <string.h>

#define FONT "font-family:Helvetica,Arial,sans-serif;"
#define TD "padding:4px 6px;border-bottom:1px solid #e0e0e0;"
#define TH "padding:4px 6px;border-bottom:2px solid #888;text-align:left;font-weight:bold;"
#define NUM "text-align:right;white-space:nowrap;"
/* Wide tables scroll sideways on a phone instead of squeezing the page. */
#define WRAP_OPEN "<div style=\"overflow-x:auto;\">"
#define WRAP_CLOSE "</div>\n"
#define GOOD "#2e7d32"
#define BAD "#c62828"
#define NEUTRAL "#757575"

static void put(struct strbuf *b, const char *s)
{
	strbuf_append(b, s, strlen(s));
}

static void esc(struct strbuf *b, const char *s)
{
	rc_html_escape(b, s);
}

static void pct(struct strbuf *b, bool has, int64_t x100)
{
	if (!has)
		put(b, "n/a");
	else if (x100 % 100 == 0)
		strbuf_appendf(b, "%lld&nbsp;%%", (long long)(x100 / 100));
	else
		strbuf_appendf(b, "%lld.%02lld&nbsp;%%", (long long)(x100 / 100), (long long)(x100 % 100));
}

static void th(struct strbuf *b, const char *label, bool num)
{
	strbuf_appendf(b, "<th style=\"%s%s\">%s</th>", TH, num ? NUM : "", label);
}

static void header(struct strbuf *b, const struct rc_report *r)
{
	char s[40], e[40], a[40];
	struct tm lt;

	rc_format_local_minute(r->tz, r->period.start, s, sizeof s);
	s[10] = '\0';
	rc_tz_instant_to_local(r->tz, r->period.end - 1, &lt);
	snprintf(e, sizeof e, "%04d-%02d-%02d", lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday);
	strbuf_appendf(b, "<h1 style=\"%sfont-size:22px;margin:0 0 4px 0;\">SLA report ", FONT);
	esc(b, r->period.label);
	strbuf_appendf(b, "</h1>\n<p style=\"%scolor:#555;margin:0 0 16px 0;\">%s to %s (", FONT, s, e);
	esc(b, r->timezone);
	strbuf_appendf(b, "), judged as of %s", rc_format_iso(r->tz, r->as_of, a, sizeof a));
	if (r->run_id > 0)
		strbuf_appendf(b, ", run %lld", (long long)r->run_id);
	put(b, "</p>\n");
}

static void summary_table(struct strbuf *b, const struct rc_report *r)
{
	put(b, WRAP_OPEN);
	strbuf_appendf(b, "<table cellpadding=\"0\" cellspacing=\"0\" style=\"%sborder-collapse:collapse;"
			  "font-size:14px;margin-bottom:16px;\"><tr>", FONT);
	th(b, "Customer", false); th(b, "Requests", true); th(b, "Met", true); th(b, "Breached", true);
	th(b, "Overdue", true); th(b, "Pending", true); th(b, "Compliance", true); th(b, "Target", true);
	put(b, "</tr>\n");
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct rc_customer_row *w = &r->rows[i];
		const char *col = !w->has_target_met ? NEUTRAL : w->target_met ? GOOD : BAD;
		strbuf_appendf(b, "<tr><td style=\"%s\">", TD);
		esc(b, w->name);
		strbuf_appendf(b, "</td><td style=\"%s%s\">%ld</td><td style=\"%s%s\">%ld</td>"
				  "<td style=\"%s%s\">%ld</td><td style=\"%s%s\">%ld</td>"
				  "<td style=\"%s%s\">%ld</td><td style=\"%s%scolor:%s;font-weight:bold;\">",
			       TD, NUM, w->requests, TD, NUM, w->met, TD, NUM, w->breached, TD, NUM,
			       w->overdue, TD, NUM, w->pending, TD, NUM, col);
		pct(b, w->has_compliance, w->compliance_x100);
		strbuf_appendf(b, "</td><td style=\"%s%s\">", TD, NUM);
		pct(b, true, w->target_x100);
		put(b, "</td></tr>\n");
		if (w->remedy) {
			strbuf_appendf(b, "<tr><td colspan=\"8\" style=\"%scolor:%s;\">Target missed: ", TD, BAD);
			esc(b, w->remedy);
			put(b, "</td></tr>\n");
		}
	}
	put(b, "</table>" WRAP_CLOSE);
}

/* One bar: `fill` percent coloured, the rest grey; a second thin row puts a
 * dark mark at `mark` percent (the target). Widths in %, so it scales. */
static void bar(struct strbuf *b, int64_t fill_x100, const char *colour, int64_t mark_x100)
{
	put(b, "<table width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
	       "style=\"border-collapse:collapse;\"><tr>");
	if (fill_x100 > 0)
		strbuf_appendf(b, "<td width=\"%lld%%\" style=\"background:%s;height:14px;font-size:1px;"
				  "line-height:1px;\">&nbsp;</td>",
			       (long long)((fill_x100 + 50) / 100), colour);
	if (fill_x100 < 10000)
		strbuf_appendf(b, "<td width=\"%lld%%\" style=\"background:#e6e6e6;height:14px;font-size:1px;"
				  "line-height:1px;\">&nbsp;</td>",
			       (long long)(100 - (fill_x100 + 50) / 100));
	put(b, "</tr></table>");
	if (mark_x100 < 0)
		return;
	put(b, "<table width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" "
	       "style=\"border-collapse:collapse;\"><tr>");
	strbuf_appendf(b, "<td width=\"%lld%%\" style=\"border-right:3px solid #222;height:6px;"
			  "font-size:1px;line-height:1px;\">&nbsp;</td>",
		       (long long)((mark_x100 + 50) / 100));
	if (mark_x100 < 10000)
		put(b, "<td style=\"height:6px;font-size:1px;line-height:1px;\">&nbsp;</td>");
	put(b, "</tr></table>");
}

static void compliance_chart(struct strbuf *b, const struct rc_report *r)
{
	strbuf_appendf(b, "<h2 style=\"%sfont-size:16px;margin:16px 0 6px 0;\">Compliance against target"
			  "</h2>\n<p style=\"%sfont-size:12px;color:#555;margin:0 0 6px 0;\">Bar: share of "
			  "decided requests answered in time. Black mark: the target.</p>\n",
		       FONT, FONT);
	strbuf_appendf(b, "<table width=\"100%%\" cellpadding=\"0\" cellspacing=\"0\" style=\"%s"
			  "font-size:13px;max-width:640px;margin-bottom:12px;\">\n", FONT);
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct rc_customer_row *w = &r->rows[i];
		const char *col = !w->has_target_met ? NEUTRAL : w->target_met ? GOOD : BAD;
		put(b, "<tr><td width=\"30%\" style=\"padding:3px 8px 3px 0;vertical-align:top;\">");
		esc(b, w->name);
		put(b, "</td><td style=\"padding:3px 0;vertical-align:top;\">");
		bar(b, w->has_compliance ? w->compliance_x100 : 0, col, w->target_x100);
		strbuf_appendf(b, "</td><td width=\"22%%\" style=\"padding:3px 0 3px 8px;vertical-align:top;"
				  "color:%s;white-space:nowrap;\">", col);
		pct(b, w->has_compliance, w->compliance_x100);
		put(b, " / ");
		pct(b, true, w->target_x100);
		put(b, "</td></tr>\n");
	}
	put(b, "</table>\n");
}

static void histogram_chart(struct strbuf *b, const struct rc_report *r)
{
	long counts[RC_N_BUCKETS], max;
	long total = rc_histogram(r, counts, &max);
	if (!total)
		return;
	strbuf_appendf(b, "<h2 style=\"%sfont-size:16px;margin:16px 0 6px 0;\">Business response times"
			  "</h2>\n<p style=\"%sfont-size:12px;color:#555;margin:0 0 6px 0;\">Answered "
			  "requests by business time to the first reply (%ld in all).</p>\n",
		       FONT, FONT, total);
	strbuf_appendf(b, "<table width=\"100%%\" cellpadding=\"0\" cellspacing=\"0\" style=\"%s"
			  "font-size:13px;max-width:640px;margin-bottom:12px;\">\n", FONT);
	for (int k = 0; k < RC_N_BUCKETS; k++) {
		put(b, "<tr><td width=\"30%\" style=\"padding:3px 8px 3px 0;white-space:nowrap;\">");
		esc(b, rc_bucket_label[k]);
		put(b, "</td><td style=\"padding:3px 0;\">");
		bar(b, max ? counts[k] * 10000 / max : 0, "#1565c0", -1);
		strbuf_appendf(b, "</td><td width=\"22%%\" style=\"padding:3px 0 3px 8px;\">%ld</td></tr>\n",
			       counts[k]);
	}
	put(b, "</table>\n");
}

static void times_table(struct strbuf *b, const struct rc_report *r)
{
	char m[32], p[32], x[32];

	strbuf_appendf(b, "<h2 style=\"%sfont-size:16px;margin:16px 0 6px 0;\">Response time in "
			  "business hours</h2>\n", FONT);
	put(b, WRAP_OPEN);
	strbuf_appendf(b, "<table cellpadding=\"0\" cellspacing=\"0\" style=\"%sborder-collapse:collapse;"
			  "font-size:14px;margin-bottom:16px;\"><tr>", FONT);
	th(b, "Customer", false); th(b, "Answered", true); th(b, "Median", true);
	th(b, "90th percentile", true); th(b, "Max", true);
	put(b, "</tr>\n");
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct rc_customer_row *w = &r->rows[i];
		strbuf_appendf(b, "<tr><td style=\"%s\">", TD);
		esc(b, w->name);
		if (w->has_stats)
			strbuf_appendf(b, "</td><td style=\"%s%s\">%zu</td><td style=\"%s%s\">%s</td>"
					  "<td style=\"%s%s\">%s</td><td style=\"%s%s\">%s</td></tr>\n",
				       TD, NUM, w->n_answered, TD, NUM,
				       rc_format_duration(w->median_business_seconds, m, sizeof m), TD, NUM,
				       rc_format_duration(w->p90_business_seconds, p, sizeof p), TD, NUM,
				       rc_format_duration(w->max_business_seconds, x, sizeof x));
		else
			strbuf_appendf(b, "</td><td style=\"%s%s\">0</td><td colspan=\"3\" style=\"%s"
					  "color:#777;\">no answered requests</td></tr>\n",
				       TD, NUM, TD);
	}
	put(b, "</table>" WRAP_CLOSE);
}

static void missed_table(struct strbuf *b, const struct rc_report *r)
{
	char late[32], t[24];
	bool any = false;

	for (size_t i = 0; i < r->n_rows; i++) {
		const struct rc_customer_row *w = &r->rows[i];
		for (size_t j = 0; j < w->n_missed; j++) {
			const struct rc_missed *m = &w->missed[j];
			if (!any) {
				strbuf_appendf(b, "<h2 style=\"%sfont-size:16px;margin:16px 0 6px 0;\">"
						  "Missed requests, worst first</h2>\n", FONT);
				put(b, WRAP_OPEN);
				strbuf_appendf(b, "<table cellpadding=\"0\" cellspacing=\"0\" style=\"%s"
						  "border-collapse:collapse;font-size:13px;margin-bottom:16px;\"><tr>",
					       FONT);
				th(b, "Customer", false); th(b, "Subject", false); th(b, "Opened", false);
				th(b, "Due", false); th(b, "Replied", false); th(b, "Late", true);
				put(b, "</tr>\n");
			}
			any = true;
			strbuf_appendf(b, "<tr><td style=\"%s\">", TD);
			esc(b, w->name);
			strbuf_appendf(b, "</td><td style=\"%s\">", TD);
			esc(b, m->subject);
			strbuf_appendf(b, "</td><td style=\"%swhite-space:nowrap;\">%s</td>", TD,
				       rc_format_local_minute(r->tz, m->opened_at, t, sizeof t));
			strbuf_appendf(b, "<td style=\"%swhite-space:nowrap;\">%s</td>", TD,
				       rc_format_local_minute(r->tz, m->due_at, t, sizeof t));
			if (m->replied)
				strbuf_appendf(b, "<td style=\"%swhite-space:nowrap;\">%s</td>", TD,
					       rc_format_local_minute(r->tz, m->replied_at, t, sizeof t));
			else
				strbuf_appendf(b, "<td style=\"%scolor:%s;white-space:nowrap;\">still open</td>",
					       TD, BAD);
			strbuf_appendf(b, "<td style=\"%s%swhite-space:nowrap;color:%s;\">%s</td></tr>\n", TD,
				       NUM, BAD,
				       rc_format_duration((double)m->late_business_seconds, late, sizeof late));
		}
	}
	if (any)
		put(b, "</table>" WRAP_CLOSE);
}

static void still_open_table(struct strbuf *b, const struct rc_report *r)
{
	char t[24];
	bool any = false;

	for (size_t i = 0; i < r->n_rows; i++) {
		const struct rc_customer_row *w = &r->rows[i];
		for (size_t j = 0; j < w->n_still_open; j++) {
			const struct rc_still_open *s = &w->still_open[j];
			if (!any) {
				strbuf_appendf(b, "<h2 style=\"%sfont-size:16px;margin:16px 0 6px 0;\">"
						  "Still open, due after the period (not counted)</h2>\n", FONT);
				put(b, WRAP_OPEN);
				strbuf_appendf(b, "<table cellpadding=\"0\" cellspacing=\"0\" style=\"%s"
						  "border-collapse:collapse;font-size:13px;margin-bottom:16px;\"><tr>",
					       FONT);
				th(b, "Customer", false); th(b, "Subject", false); th(b, "Opened", false);
				th(b, "Due", false);
				put(b, "</tr>\n");
			}
			any = true;
			strbuf_appendf(b, "<tr><td style=\"%s\">", TD);
			esc(b, w->name);
			strbuf_appendf(b, "</td><td style=\"%s\">", TD);
			esc(b, s->subject);
			strbuf_appendf(b, "</td><td style=\"%swhite-space:nowrap;\">%s</td>", TD,
				       rc_format_local_minute(r->tz, s->opened_at, t, sizeof t));
			strbuf_appendf(b, "<td style=\"%swhite-space:nowrap;\">%s</td></tr>\n", TD,
				       rc_format_local_minute(r->tz, s->due_at, t, sizeof t));
		}
	}
	if (any)
		put(b, "</table>" WRAP_CLOSE);
}

char *rc_render_html(const struct rc_report *r)
{
	struct strbuf b;

	strbuf_init(&b, 0);
	put(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>SLA report ");
	esc(&b, r->period.label);
	strbuf_appendf(&b, "</title></head>\n<body style=\"%smargin:0;padding:16px;color:#222;"
			   "background:#ffffff;\">\n", FONT);
	header(&b, r);
	if (!r->n_rows)
		strbuf_appendf(&b, "<p style=\"%s\">No customers in this report.</p>\n", FONT);
	else {
		summary_table(&b, r);
		compliance_chart(&b, r);
		histogram_chart(&b, r);
		times_table(&b, r);
		missed_table(&b, r);
		still_open_table(&b, r);
	}
	strbuf_appendf(&b, "<p style=\"%sfont-size:11px;color:#888;margin-top:24px;\">Business time "
			   "counts only the open hours of each customer's calendar. Sent by replyclock."
			   "</p>\n</body></html>\n", FONT);
	return strbuf_steal(&b);
}
