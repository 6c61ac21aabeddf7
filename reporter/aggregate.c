/* The figures of a report (SPEC §4.6) from replyclock.requests, judged as
 * of an instant: counts and response-time lists per customer in SQL, the
 * missed and still-open requests one by one, with their lateness in
 * business time from the calendar module (never recomputed in SQL). */
#include "reporter/report_db.h"
#include "tracker/log.h"
#include "tracker/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* As of $3: a reply after $3 counts as absent, a request opened after $3
 * does not exist yet (threading never looks ahead, so this is exactly the
 * state at $3; see the comment on replyclock.requests). A request belongs
 * to the period [$1, $2) containing its due_at. */
static const char sql_counts[] =
	"SELECT customer, max(customer_name),"
	" count(*) FILTER (WHERE rep IS NOT NULL AND rep <= due_at),"
	" count(*) FILTER (WHERE rep IS NOT NULL AND rep > due_at),"
	" count(*) FILTER (WHERE rep IS NULL AND due_at < $3::timestamptz),"
	" count(*) FILTER (WHERE rep IS NULL AND due_at >= $3::timestamptz),"
	" array_agg(bs) FILTER (WHERE rep IS NOT NULL)"
	" FROM (SELECT customer, customer_name, due_at,"
	"        CASE WHEN replied_at <= $3::timestamptz THEN replied_at END AS rep,"
	"        CASE WHEN replied_at <= $3::timestamptz THEN business_seconds END AS bs"
	"       FROM replyclock.requests"
	"       WHERE due_at >= $1::timestamptz AND due_at < $2::timestamptz"
	"         AND opened_at <= $3::timestamptz AND ($4::text IS NULL OR customer = $4::text)) q"
	" GROUP BY customer";

/* Missed: due in the period, and answered late by $3 or still open and
 * past due at $3. Still open: opened in the period, due after it, not
 * answered at $3. Two index-friendly halves. */
static const char sql_listed[] =
	"SELECT customer, opened_message_id, subject, extract(epoch FROM opened_at)::bigint,"
	" extract(epoch FROM due_at)::bigint,"
	" CASE WHEN replied_at <= $3::timestamptz THEN extract(epoch FROM replied_at)::bigint END,"
	" calendar, 'm' FROM replyclock.requests"
	" WHERE due_at >= $1::timestamptz AND due_at < $2::timestamptz AND opened_at <= $3::timestamptz"
	"   AND ($4::text IS NULL OR customer = $4::text)"
	"   AND ((replied_at <= $3::timestamptz AND replied_at > due_at)"
	"        OR ((replied_at IS NULL OR replied_at > $3::timestamptz) AND due_at < $3::timestamptz))"
	" UNION ALL "
	"SELECT customer, opened_message_id, subject, extract(epoch FROM opened_at)::bigint,"
	" extract(epoch FROM due_at)::bigint, NULL, calendar, 's' FROM replyclock.requests"
	" WHERE opened_at >= $1::timestamptz AND opened_at < $2::timestamptz"
	"   AND opened_at <= $3::timestamptz AND due_at >= $2::timestamptz"
	"   AND ($4::text IS NULL OR customer = $4::text)"
	"   AND (replied_at IS NULL OR replied_at > $3::timestamptz)"
	" ORDER BY 1";

/* Parses PostgreSQL's text form of a bigint[] ("{1,2,NULL}"; NULLs are
 * skipped, they cannot occur for answered requests) into a malloc'd array. */
static int parse_int_array(const char *s, int64_t **out, size_t *n)
{
	size_t cap = 1, k = 0;
	const char *p;
	int64_t *v;

	for (p = s; *p; p++)
		cap += *p == ',';
	v = xmalloc(cap * sizeof *v);
	if (*s != '{')
		goto bad;
	for (p = s + 1; *p && *p != '}';) {
		char *end;
		if (!strncmp(p, "NULL", 4)) {
			end = (char *)p + 4;
		} else {
			errno = 0;
			long long x = strtoll(p, &end, 10);
			if (end == p || errno)
				goto bad;
			v[k++] = x;
		}
		p = end;
		if (*p == ',')
			p++;
	}
	*out = v;
	*n = k;
	return 0;
bad:
	free(v);
	return -1;
}

struct agg {
	const struct rc_agg_in *in;
	struct rc_report *r;
	char period_start[32], period_end[32], as_of[32];
	const char *params[4];
};

static long num(const PGresult *res, int row, int col)
{
	return strtol(PQgetvalue(res, row, col), NULL, 10);
}

static ssize_t find_row(const struct rc_report *r, const char *customer)
{
	for (size_t i = 0; i < r->n_rows; i++)
		if (!strcmp(r->rows[i].customer, customer))
			return (ssize_t)i;
	return -1;
}

/* The configured customers first (the order of the configuration), so a
 * customer without requests still has its row. */
static void add_configured(struct agg *a)
{
	const struct config *cfg = a->in->cfg;

	for (size_t i = 0; i < cfg->n_customers; i++) {
		const struct cfg_customer *c = &cfg->customers[i];
		const struct cfg_policy *p = requests_policy(cfg, c);
		if (a->in->customer && strcmp(a->in->customer, c->name))
			continue;
		rc_report_add_row(a->r, c->name, c->display_name, p ? p->name : "");
	}
	if (a->in->customer && !strcmp(a->in->customer, REQUESTS_UNASSIGNED_KEY))
		rc_report_add_row(a->r, REQUESTS_UNASSIGNED_KEY, REQUESTS_UNASSIGNED_NAME,
				  cfg->defaults.pol ? cfg->defaults.pol->name : "");
}

/* The row of a customer; "unassigned" gets one when it first shows up. */
static ssize_t row_for(struct agg *a, const char *cust)
{
	ssize_t k = find_row(a->r, cust);
	if (k < 0 && !strcmp(cust, REQUESTS_UNASSIGNED_KEY)) {
		const struct cfg_policy *p = a->in->cfg->defaults.pol;
		rc_report_add_row(a->r, cust, REQUESTS_UNASSIGNED_NAME, p ? p->name : "");
		k = (ssize_t)a->r->n_rows - 1;
	}
	return k;
}

static int load_counts(struct store *s, struct agg *a, char **err)
{
	PGresult *res = PQexecParams(store_pg(s), sql_counts, 4, NULL, a->params, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return rc_pg_fail(s, res, "counting the period's requests", err);
	for (int i = 0; i < PQntuples(res); i++) {
		const char *cust = PQgetvalue(res, i, 0);
		ssize_t k = row_for(a, cust);
		struct rc_customer_row *w;
		if (k < 0) {
			log_warn("report %s: %ld requests of customer '%s', which is not in the "
				 "configuration, are left out (run `replyclock recompute`)",
				 a->r->period.label, num(res, i, 2) + num(res, i, 3) + num(res, i, 4) + num(res, i, 5),
				 cust);
			continue;
		}
		w = &a->r->rows[k];
		w->met = num(res, i, 2);
		w->breached = num(res, i, 3);
		w->overdue = num(res, i, 4);
		w->pending = num(res, i, 5);
		w->requests = w->met + w->breached + w->overdue + w->pending;
		if (!PQgetisnull(res, i, 6) &&
		    parse_int_array(PQgetvalue(res, i, 6), &w->answered_seconds, &w->n_answered) < 0) {
			*err = xasprintf("report: unexpected business_seconds list from PostgreSQL for %s",
					 cust);
			PQclear(res);
			return RC_EX_SOFTWARE;
		}
	}
	PQclear(res);
	return 0;
}

static const struct calendar *find_cal(const struct calendar_set *cals, const char *name)
{
	for (size_t i = 0; i < cals->n; i++)
		if (!strcmp(calendar_name(cals->v[i]), name))
			return cals->v[i];
	return NULL;
}

/* One listed request into its customer's row; lateness in business time on
 * the calendar that judged it, from due_at to the reply or to as-of. */
static int add_listed(struct agg *a, const PGresult *res, int i, ssize_t *last, char **err)
{
	const char *cust = PQgetvalue(res, i, 0);
	ssize_t k = *last >= 0 && !strcmp(a->r->rows[*last].customer, cust) ? *last
									       : row_for(a, cust);
	if (k < 0)
		return 0; /* a customer no longer configured: see the warning above */
	*last = k;
	struct rc_customer_row *w = &a->r->rows[k];
	time_t opened = (time_t)strtoll(PQgetvalue(res, i, 3), NULL, 10);
	time_t due = (time_t)strtoll(PQgetvalue(res, i, 4), NULL, 10);
	if (PQgetvalue(res, i, 7)[0] == 's') {
		struct rc_still_open o = {.subject = PQgetvalue(res, i, 2),
					  .opened_message_id = PQgetvalue(res, i, 1),
					  .opened_at = opened, .due_at = due};
		rc_row_add_still_open(w, &o);
		return 0;
	}
	const char *calname = PQgetvalue(res, i, 6);
	const struct calendar *cal = find_cal(a->in->cals, calname);
	if (!cal) {
		*err = xasprintf("%s: request %s of %s was judged by calendar '%s', which is no longer "
				 "configured: run `replyclock recompute` first",
				 a->in->cfg->path, PQgetvalue(res, i, 1), cust, calname);
		return RC_EX_CONFIG;
	}
	struct rc_missed m = {.subject = PQgetvalue(res, i, 2),
			      .opened_message_id = PQgetvalue(res, i, 1),
			      .opened_at = opened, .due_at = due,
			      .replied = !PQgetisnull(res, i, 5)};
	m.replied_at = m.replied ? (time_t)strtoll(PQgetvalue(res, i, 5), NULL, 10) : 0;
	m.status = m.replied ? "breached" : "overdue";
	m.late_business_seconds =
		calendar_business_seconds(cal, due, m.replied ? m.replied_at : a->in->as_of);
	rc_row_add_missed(w, &m);
	return 0;
}

static int load_listed(struct store *s, struct agg *a, char **err)
{
	PGresult *res = PQexecParams(store_pg(s), sql_listed, 4, NULL, a->params, NULL, NULL, 0);
	ssize_t last = -1;
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return rc_pg_fail(s, res, "listing the period's missed requests", err);
	for (int i = 0; i < PQntuples(res) && !rc; i++)
		rc = add_listed(a, res, i, &last, err);
	PQclear(res);
	return rc;
}

static void finish_rows(struct agg *a)
{
	const struct config *cfg = a->in->cfg;

	for (size_t i = 0; i < a->r->n_rows; i++) {
		struct rc_customer_row *w = &a->r->rows[i];
		const struct cfg_policy *p = config_policy(cfg, w->policy);
		rc_row_finish(w, p ? p->target_pct : 100.0, p ? p->breach_remedy : NULL);
	}
}

int rc_aggregate(struct store *s, const struct rc_agg_in *in, struct rc_report **out, char **err)
{
	struct agg a = {.in = in};
	int rc;

	a.r = rc_report_new(&in->period, in->timezone, in->tz, in->as_of, in->generated_at);
	a.params[0] = rc_pg_instant(in->period.start, a.period_start, sizeof a.period_start);
	a.params[1] = rc_pg_instant(in->period.end, a.period_end, sizeof a.period_end);
	a.params[2] = rc_pg_instant(in->as_of, a.as_of, sizeof a.as_of);
	a.params[3] = in->customer;
	add_configured(&a);
	if ((rc = load_counts(s, &a, err)) == 0)
		rc = load_listed(s, &a, err);
	if (rc) {
		rc_report_free(&a.r);
		return rc;
	}
	finish_rows(&a);
	*out = a.r;
	return 0;
}
