/* The report model: compliance, targets, remedies and response-time
 * statistics computed exactly as SPEC §4.6 and the SQL views define them. */
#include "reporter/report_model.h"
#include "tracker/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rc_report *rc_report_new(const struct rc_period *period, const char *timezone,
				const struct rc_tz *tz, time_t as_of, time_t generated_at)
{
	struct rc_report *r = xcalloc(1, sizeof *r);

	r->period = *period;
	r->timezone = xstrdup(timezone ? timezone : "UTC");
	r->tz = tz;
	r->as_of = as_of;
	r->generated_at = generated_at;
	return r;
}

struct rc_customer_row *rc_report_add_row(struct rc_report *r, const char *customer,
					  const char *name, const char *policy)
{
	struct rc_customer_row *row;

	r->rows = xrealloc(r->rows, (r->n_rows + 1) * sizeof *r->rows);
	row = &r->rows[r->n_rows++];
	memset(row, 0, sizeof *row);
	row->customer = xstrdup(customer);
	row->name = xstrdup(name ? name : customer);
	row->policy = xstrdup(policy ? policy : "");
	return row;
}

static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

void rc_row_add_missed(struct rc_customer_row *row, const struct rc_missed *m)
{
	struct rc_missed *c;

	row->missed = xrealloc(row->missed, (row->n_missed + 1) * sizeof *row->missed);
	c = &row->missed[row->n_missed++];
	*c = *m;
	c->subject = dup_or_empty(m->subject);
	c->opened_message_id = dup_or_empty(m->opened_message_id);
	c->status = xstrdup(m->status ? m->status : (m->replied ? "breached" : "overdue"));
}

void rc_row_add_still_open(struct rc_customer_row *row, const struct rc_still_open *o)
{
	struct rc_still_open *c;

	row->still_open = xrealloc(row->still_open, (row->n_still_open + 1) * sizeof *row->still_open);
	c = &row->still_open[row->n_still_open++];
	*c = *o;
	c->subject = dup_or_empty(o->subject);
	c->opened_message_id = dup_or_empty(o->opened_message_id);
}

void rc_row_add_answered(struct rc_customer_row *row, int64_t business_seconds)
{
	row->answered_seconds =
		xrealloc(row->answered_seconds, (row->n_answered + 1) * sizeof *row->answered_seconds);
	row->answered_seconds[row->n_answered++] = business_seconds;
}

bool rc_compliance_x100(long met, long decided, int64_t *out)
{
	if (decided <= 0)
		return false;
	/* 100 * met / decided in hundredths, rounded half up: exact integer
	 * arithmetic, so 95.00 compares equal to a 95 % target. */
	*out = ((int64_t)met * 20000 + decided) / (2 * (int64_t)decided);
	return true;
}

double rc_percentile_cont(const int64_t *sorted, size_t n, double frac)
{
	/* PostgreSQL: position = frac * (n - 1); interpolate between the
	 * values at floor and ceil of it. */
	double pos = frac * (double)(n - 1);
	size_t lo = (size_t)floor(pos), hi = (size_t)ceil(pos);

	if (hi >= n)
		hi = n - 1;
	if (lo == hi)
		return (double)sorted[lo];
	return (double)sorted[lo] + (pos - (double)lo) * (double)(sorted[hi] - sorted[lo]);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Worst first: the latest in business time, then the oldest, then by id so
 * the order is total and a re-run prints the same list. */
static int cmp_missed(const void *a, const void *b)
{
	const struct rc_missed *x = a, *y = b;

	if (x->late_business_seconds != y->late_business_seconds)
		return x->late_business_seconds > y->late_business_seconds ? -1 : 1;
	if (x->opened_at != y->opened_at)
		return x->opened_at < y->opened_at ? -1 : 1;
	return strcmp(x->opened_message_id, y->opened_message_id);
}

static int cmp_still_open(const void *a, const void *b)
{
	const struct rc_still_open *x = a, *y = b;

	if (x->due_at != y->due_at)
		return x->due_at < y->due_at ? -1 : 1;
	return strcmp(x->opened_message_id, y->opened_message_id);
}

void rc_row_finish(struct rc_customer_row *row, double target_pct, const char *remedy)
{
	long decided = row->met + row->breached + row->overdue;

	row->target_x100 = llround(target_pct * 100.0);
	row->has_compliance = rc_compliance_x100(row->met, decided, &row->compliance_x100);
	row->has_target_met = row->has_compliance;
	row->target_met = row->has_compliance && row->compliance_x100 >= row->target_x100;
	xfree(&row->remedy);
	if (row->has_target_met && !row->target_met && remedy && *remedy)
		row->remedy = xstrdup(remedy);
	row->has_stats = row->n_answered > 0;
	if (row->has_stats) {
		qsort(row->answered_seconds, row->n_answered, sizeof *row->answered_seconds, cmp_i64);
		row->median_business_seconds = rc_percentile_cont(row->answered_seconds, row->n_answered, 0.5);
		row->p90_business_seconds = rc_percentile_cont(row->answered_seconds, row->n_answered, 0.9);
		row->max_business_seconds = (double)row->answered_seconds[row->n_answered - 1];
	}
	if (row->n_missed)
		qsort(row->missed, row->n_missed, sizeof *row->missed, cmp_missed);
	if (row->n_still_open)
		qsort(row->still_open, row->n_still_open, sizeof *row->still_open, cmp_still_open);
}

static void row_free(struct rc_customer_row *row)
{
	for (size_t i = 0; i < row->n_missed; i++) {
		free(row->missed[i].subject);
		free(row->missed[i].opened_message_id);
		free(row->missed[i].status);
	}
	for (size_t i = 0; i < row->n_still_open; i++) {
		free(row->still_open[i].subject);
		free(row->still_open[i].opened_message_id);
	}
	free(row->missed);
	free(row->still_open);
	free(row->answered_seconds);
	free(row->customer);
	free(row->name);
	free(row->policy);
	free(row->remedy);
}

void rc_report_free(struct rc_report **rp)
{
	struct rc_report *r = rp ? *rp : NULL;

	if (!r)
		return;
	for (size_t i = 0; i < r->n_rows; i++)
		row_free(&r->rows[i]);
	free(r->rows);
	free(r->timezone);
	free(r);
	*rp = NULL;
}

char *rc_format_duration(double seconds, char *buf, size_t n)
{
	long long s = llround(seconds), mins, h, m;

	if (s < 0)
		s = 0;
	if (s < 60) {
		snprintf(buf, n, "%lld s", s);
		return buf;
	}
	mins = (s + 30) / 60; /* to the nearest minute */
	h = mins / 60;
	m = mins % 60;
	if (h == 0)
		snprintf(buf, n, "%lld min", m);
	else if (m == 0)
		snprintf(buf, n, "%lld h", h);
	else
		snprintf(buf, n, "%lld h %lld min", h, m);
	return buf;
}
