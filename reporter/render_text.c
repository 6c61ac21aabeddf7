/* Plain-text rendering of a report: aligned columns that fit 80 columns,
 * durations as people read them, missed requests worst first. */
#include "reporter/render.h"
#include "reporter/render_util.h"

#include <stdio.h>
#include <string.h>

const int64_t rc_bucket_upper[RC_N_BUCKETS - 1] = {900, 3600, 2 * 3600, 4 * 3600, 8 * 3600,
						   16 * 3600};
const char *const rc_bucket_label[RC_N_BUCKETS] = {"< 15 min", "15 min-1 h", "1-2 h", "2-4 h",
						   "4-8 h",    "8-16 h",     "16 h or more"};

long rc_histogram(const struct rc_report *r, long counts[RC_N_BUCKETS], long *max)
{
	long total = 0;
	memset(counts, 0, RC_N_BUCKETS * sizeof *counts);
	*max = 0;
	for (size_t i = 0; i < r->n_rows; i++)
		for (size_t j = 0; j < r->rows[i].n_answered; j++) {
			int k = 0;
			while (k < RC_N_BUCKETS - 1 && r->rows[i].answered_seconds[j] >= rc_bucket_upper[k])
				k++;
			counts[k]++;
			total++;
		}
	for (int k = 0; k < RC_N_BUCKETS; k++)
		if (counts[k] > *max)
			*max = counts[k];
	return total;
}

/* s in at most maxw columns, without trailing padding. */
static void text_line(struct strbuf *b, const char *s, int maxw)
{
	rc_text_cell(b, s, maxw, false);
	while (b->len && b->s[b->len - 1] == ' ')
		b->s[--b->len] = '\0';
}

static void pct_text(char *buf, size_t n, bool has, int64_t x100)
{
	if (!has)
		snprintf(buf, n, "n/a");
	else if (x100 % 100 == 0)
		snprintf(buf, n, "%lld %%", (long long)(x100 / 100));
	else
		snprintf(buf, n, "%lld.%02lld %%", (long long)(x100 / 100), (long long)(x100 % 100));
}

static void header(struct strbuf *b, const struct rc_report *r)
{
	char s[40], e[40], a[40];
	struct tm lt;

	rc_format_local_minute(r->tz, r->period.start, s, sizeof s);
	/* the last day shown is the day before the exclusive end */
	rc_tz_instant_to_local(r->tz, r->period.end - 1, &lt);
	snprintf(e, sizeof e, "%04d-%02d-%02d", lt.tm_year + 1900, lt.tm_mon + 1, lt.tm_mday);
	s[10] = '\0';
	strbuf_appendf(b, "SLA report %s: %s to %s (%s)\n", r->period.label, s, e, r->timezone);
	rc_format_iso(r->tz, r->as_of, a, sizeof a);
	strbuf_appendf(b, "Judged as of %s", a);
	if (r->run_id > 0)
		strbuf_appendf(b, ", run %lld", (long long)r->run_id);
	rc_put(b, "\n\n");
}

static void compliance_table(struct strbuf *b, const struct rc_report *r)
{
	char c[32], t[32];
	bool any = false;

	strbuf_appendf(b, "%-20s %8s %4s %8s %7s %7s %10s %7s\n", "Customer", "Requests", "Met",
		       "Breached", "Overdue", "Pending", "Compliance", "Target");
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct rc_customer_row *w = &r->rows[i];
		rc_text_cell(b, w->name, 20, false);
		pct_text(c, sizeof c, w->has_compliance, w->compliance_x100);
		pct_text(t, sizeof t, true, w->target_x100);
		strbuf_appendf(b, " %8ld %4ld %8ld %7ld %7ld %10s %7s\n", w->requests, w->met,
			       w->breached, w->overdue, w->pending, c, t);
	}
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct rc_customer_row *w = &r->rows[i];
		struct strbuf line;
		if (!w->has_target_met || w->target_met)
			continue;
		strbuf_init(&line, 0);
		pct_text(t, sizeof t, true, w->target_x100);
		strbuf_appendf(&line, "Target %s missed by %s", t, w->name);
		if (w->remedy)
			strbuf_appendf(&line, ": %s", w->remedy);
		rc_put(b, any ? "\n" : "\n\n"); /* a blank line before the first */
		text_line(b, line.s, 79);
		strbuf_free(&line);
		any = true;
	}
	rc_put(b, any ? "\n\n" : "\n");
}

static void times_table(struct strbuf *b, const struct rc_report *r)
{
	char m[32], p[32], x[32];

	strbuf_appendf(b, "Business response time\n%-20s %8s %14s %14s %14s\n", "Customer",
		       "Answered", "Median", "90th pct", "Max");
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct rc_customer_row *w = &r->rows[i];
		rc_text_cell(b, w->name, 20, false);
		if (w->has_stats)
			strbuf_appendf(b, " %8zu %14s %14s %14s\n", w->n_answered,
				       rc_format_duration(w->median_business_seconds, m, sizeof m),
				       rc_format_duration(w->p90_business_seconds, p, sizeof p),
				       rc_format_duration(w->max_business_seconds, x, sizeof x));
		else
			strbuf_appendf(b, " %8d %14s %14s %14s\n", 0, "-", "-", "-");
	}
	rc_put(b, "\n");
}

static void histogram(struct strbuf *b, const struct rc_report *r)
{
	long counts[RC_N_BUCKETS], max;
	long total = rc_histogram(r, counts, &max);
	if (!total)
		return;
	rc_put(b, "Distribution of business response times\n");
	for (int k = 0; k < RC_N_BUCKETS; k++) {
		long bar = max ? (counts[k] * 50 + max - 1) / max : 0;
		strbuf_appendf(b, "%-12s %6ld%s", rc_bucket_label[k], counts[k], bar ? " " : "");
		for (long i = 0; i < bar; i++)
			rc_put(b, "#");
		rc_put(b, "\n");
	}
	rc_put(b, "\n");
}

static void missed(struct strbuf *b, const struct rc_report *r)
{
	char late[32], o[24], d[24], rep[24];
	bool any = false;

	for (size_t i = 0; i < r->n_rows; i++) {
		const struct rc_customer_row *w = &r->rows[i];
		if (!w->n_missed)
			continue;
		if (!any)
			rc_put(b, "Missed requests, worst first\n");
		any = true;
		text_line(b, w->name, 79);
		rc_put(b, "\n");
		for (size_t j = 0; j < w->n_missed; j++) {
			const struct rc_missed *m = &w->missed[j];
			struct strbuf head;
			strbuf_init(&head, 0);
			strbuf_appendf(&head, "  %s late (%s): ",
				       rc_format_duration((double)m->late_business_seconds, late, sizeof late),
				       m->status);
			strbuf_append(b, head.s, head.len);
			text_line(b, m->subject, (int)(79 - rc_text_width(head.s)));
			strbuf_free(&head);
			rc_format_local_minute(r->tz, m->opened_at, o, sizeof o);
			rc_format_local_minute(r->tz, m->due_at, d, sizeof d);
			if (m->replied)
				rc_format_local_minute(r->tz, m->replied_at, rep, sizeof rep);
			strbuf_appendf(b, "\n    opened %s  due %s  %s%s\n", o, d,
				       m->replied ? "replied " : "still open", m->replied ? rep : "");
		}
	}
	if (any)
		rc_put(b, "\n");
}

static void still_open(struct strbuf *b, const struct rc_report *r)
{
	char o[24], d[24];
	bool any = false;

	for (size_t i = 0; i < r->n_rows; i++) {
		const struct rc_customer_row *w = &r->rows[i];
		for (size_t j = 0; j < w->n_still_open; j++) {
			const struct rc_still_open *s = &w->still_open[j];
			if (!any)
				rc_put(b, "Still open, due after the period (not counted)\n");
			any = true;
			rc_put(b, "  ");
			rc_text_cell(b, w->name, 20, false);
			rc_put(b, " ");
			text_line(b, s->subject, 56);
			strbuf_appendf(b, "\n    opened %s  due %s\n",
				       rc_format_local_minute(r->tz, s->opened_at, o, sizeof o),
				       rc_format_local_minute(r->tz, s->due_at, d, sizeof d));
		}
	}
	if (any)
		rc_put(b, "\n");
}

char *rc_render_text(const struct rc_report *r)
{
	struct strbuf b;

	strbuf_init(&b, 0);
	header(&b, r);
	if (!r->n_rows)
		rc_put(&b, "No customers in this report.\n\n");
	else {
		compliance_table(&b, r);
		times_table(&b, r);
		histogram(&b, r);
		missed(&b, r);
		still_open(&b, r);
	}
	rc_put(&b, "-- \nreplyclock\n");
	return strbuf_steal(&b);
}
