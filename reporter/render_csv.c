/* CSV rendering of a report (RFC 4180: CRLF, quoted fields): one line per
 * customer, the same figures as the JSON document, for spreadsheets. */
#include "reporter/render.h"
#include "reporter/render_util.h"

#include <stdio.h>
#include <string.h>

static const char *const columns[] = {
	"period", "period_start", "period_end", "as_of", "customer", "name", "policy", "requests",
	"met", "breached", "overdue", "pending", "compliance_pct", "target_pct", "target_met",
	"remedy", "median_business_seconds", "p90_business_seconds", "max_business_seconds",
	"missed", "still_open",
};

static void sep(struct strbuf *b)
{
	rc_put(b, ",");
}

static void x100(struct strbuf *b, bool has, int64_t v)
{
	if (has)
		strbuf_appendf(b, "%lld.%02lld", (long long)(v / 100), (long long)(v % 100));
}

static void row(struct strbuf *b, const struct rc_report *r, const struct rc_customer_row *w)
{
	char s[40], e[40], a[40];

	rc_csv_field(b, r->period.label); sep(b);
	strbuf_appendf(b, "%s,%s,%s,", rc_format_iso(r->tz, r->period.start, s, sizeof s),
		       rc_format_iso(r->tz, r->period.end, e, sizeof e),
		       rc_format_iso(r->tz, r->as_of, a, sizeof a));
	rc_csv_field(b, w->customer); sep(b);
	rc_csv_field(b, w->name); sep(b);
	rc_csv_field(b, w->policy); sep(b);
	strbuf_appendf(b, "%ld,%ld,%ld,%ld,%ld,", w->requests, w->met, w->breached, w->overdue,
		       w->pending);
	x100(b, w->has_compliance, w->compliance_x100); sep(b);
	x100(b, true, w->target_x100); sep(b);
	if (w->has_target_met)
		strbuf_append(b, w->target_met ? "true" : "false", w->target_met ? 4 : 5);
	sep(b);
	rc_csv_field(b, w->remedy ? w->remedy : ""); sep(b);
	if (w->has_stats)
		strbuf_appendf(b, "%.10g,%.10g,%.10g", w->median_business_seconds,
			       w->p90_business_seconds, w->max_business_seconds);
	else
		rc_put(b, ",,");
	strbuf_appendf(b, ",%zu,%zu\r\n", w->n_missed, w->n_still_open);
}

char *rc_render_csv(const struct rc_report *r)
{
	struct strbuf b;

	strbuf_init(&b, 0);
	for (size_t i = 0; i < sizeof columns / sizeof *columns; i++) {
		if (i)
			sep(&b);
		strbuf_append(&b, columns[i], strlen(columns[i]));
	}
	rc_put(&b, "\r\n");
	for (size_t i = 0; i < r->n_rows; i++)
		row(&b, r, &r->rows[i]);
	return strbuf_steal(&b);
}
