/* The reports layer (sql/003_reports.sql): a run with its customer rows and
 * listed requests in one transaction (rows streamed with COPY, so a year
 * with tens of thousands of missed requests stores in one round trip), and
 * the delivery rows that record each mail attempt. Append-only. */
#include "reporter/report_db.h"
#include "tracker/log.h"
#include "tracker/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *rc_pg_instant(time_t t, char *buf, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d+00", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

/* libpq's message on one line. */
static char *one_line(const char *msg)
{
	char *m = xstrdup(msg ? msg : "");
	for (char *p = m; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return str_trim(m);
}

int rc_pg_fail(struct store *s, PGresult *res, const char *op, char **err)
{
	PGconn *c = store_pg(s);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	char *msg = one_line(res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res)
								 : PQerrorMessage(c));
	bool gone = PQstatus(c) == CONNECTION_BAD ||
		    (state && (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3)));

	*err = xasprintf("PostgreSQL (%s%s%s, database %s): %s failed: %s%s%s%s", PQhost(c),
			 PQport(c)[0] ? ":" : "", PQport(c), PQdb(c), op, msg,
			 state ? " (SQLSTATE " : "", state ? state : "", state ? ")" : "");
	free(msg);
	PQclear(res);
	return gone ? RC_EX_UNAVAILABLE : RC_EX_SOFTWARE;
}

static int exec(struct store *s, const char *op, const char *sql, int n, const char *const *p,
		PGresult **out, char **err)
{
	PGresult *res = PQexecParams(store_pg(s), sql, n, NULL, p, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return rc_pg_fail(s, res, op, err);
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* ---- COPY text format ----------------------------------------------------- */

static void copy_field(struct strbuf *b, const char *v, bool last)
{
	if (!v)
		strbuf_append(b, "\\N", 2);
	for (const char *p = v; p && *p; p++) {
		switch (*p) {
		case '\\': strbuf_append(b, "\\\\", 2); break;
		case '\t': strbuf_append(b, "\\t", 2); break;
		case '\n': strbuf_append(b, "\\n", 2); break;
		case '\r': strbuf_append(b, "\\r", 2); break;
		default: strbuf_append(b, p, 1);
		}
	}
	strbuf_append(b, last ? "\n" : "\t", 1);
}

static void copy_num(struct strbuf *b, long long v, bool last)
{
	strbuf_appendf(b, "%lld%s", v, last ? "\n" : "\t");
}

static void copy_time(struct strbuf *b, time_t t)
{
	char buf[32];
	copy_field(b, rc_pg_instant(t, buf, sizeof buf), false);
}

static const char *x100(char *buf, size_t n, bool has, int64_t v)
{
	if (!has)
		return NULL;
	snprintf(buf, n, "%lld.%02lld", (long long)(v / 100), (long long)(v % 100));
	return buf;
}

static const char *secs(char *buf, size_t n, bool has, double v)
{
	if (!has)
		return NULL;
	/* 15 significant digits, as PostgreSQL's float8 -> numeric; the
	 * numeric(14,1) column then rounds like sla_weekly's round(..., 1) */
	snprintf(buf, n, "%.15g", v);
	return buf;
}

static void customer_line(struct strbuf *b, int64_t run, const struct rc_customer_row *w)
{
	char c[32], t[32], m[48], p[48], x[48];

	copy_num(b, run, false);
	copy_field(b, w->customer, false);
	copy_field(b, w->name, false);
	copy_field(b, w->policy, false);
	copy_num(b, w->requests, false);
	copy_num(b, w->met, false);
	copy_num(b, w->breached, false);
	copy_num(b, w->overdue, false);
	copy_num(b, w->pending, false);
	copy_field(b, x100(c, sizeof c, w->has_compliance, w->compliance_x100), false);
	copy_field(b, x100(t, sizeof t, true, w->target_x100), false);
	copy_field(b, !w->has_target_met ? NULL : w->target_met ? "t" : "f", false);
	copy_field(b, w->remedy, false);
	copy_num(b, (long long)w->n_answered, false);
	copy_field(b, secs(m, sizeof m, w->has_stats, w->median_business_seconds), false);
	copy_field(b, secs(p, sizeof p, w->has_stats, w->p90_business_seconds), false);
	copy_field(b, secs(x, sizeof x, w->has_stats, w->max_business_seconds), true);
}

static void request_lines(struct strbuf *b, int64_t run, const struct rc_customer_row *w)
{
	for (size_t j = 0; j < w->n_missed; j++) {
		const struct rc_missed *m = &w->missed[j];
		copy_num(b, run, false);
		copy_field(b, w->customer, false);
		copy_field(b, "missed", false);
		copy_num(b, (long long)j + 1, false);
		copy_field(b, m->opened_message_id, false);
		copy_field(b, m->subject, false);
		copy_time(b, m->opened_at);
		copy_time(b, m->due_at);
		if (m->replied)
			copy_time(b, m->replied_at);
		else
			copy_field(b, NULL, false);
		copy_field(b, m->status, false);
		copy_num(b, m->late_business_seconds, true);
	}
	for (size_t j = 0; j < w->n_still_open; j++) {
		const struct rc_still_open *o = &w->still_open[j];
		copy_num(b, run, false);
		copy_field(b, w->customer, false);
		copy_field(b, "still_open", false);
		copy_num(b, (long long)j + 1, false);
		copy_field(b, o->opened_message_id, false);
		copy_field(b, o->subject, false);
		copy_time(b, o->opened_at);
		copy_time(b, o->due_at);
		copy_field(b, NULL, false);
		copy_field(b, "pending", false);
		copy_field(b, NULL, true);
	}
}

/* Streams data into `COPY sql FROM STDIN`. */
static int copy_in(struct store *s, const char *op, const char *sql, const struct strbuf *data,
		   char **err)
{
	PGconn *c = store_pg(s);
	PGresult *res = PQexec(c, sql);

	if (PQresultStatus(res) != PGRES_COPY_IN)
		return rc_pg_fail(s, res, op, err);
	PQclear(res);
	if ((data->len && PQputCopyData(c, data->s, (int)data->len) != 1) || PQputCopyEnd(c, NULL) != 1)
		return rc_pg_fail(s, NULL, op, err);
	res = PQgetResult(c);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return rc_pg_fail(s, res, op, err);
	PQclear(res);
	while ((res = PQgetResult(c)))
		PQclear(res);
	return 0;
}

static const char sql_run[] =
	"INSERT INTO replyclock.report_runs (period_label, period_start, period_end, timezone, as_of,"
	" generated_at, customer_filter, format, mail, force, config_path, config_digest,"
	" derived_digest, derived_current)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id";
static const char sql_copy_customers[] =
	"COPY replyclock.report_customers (run_id, customer, customer_name, policy, requests, met,"
	" breached, overdue, pending, compliance_pct, target_pct, target_met, remedy, answered,"
	" median_business_seconds, p90_business_seconds, max_business_seconds) FROM STDIN";
static const char sql_copy_requests[] =
	"COPY replyclock.report_requests (run_id, customer, listed, position, opened_message_id,"
	" subject, opened_at, due_at, replied_at, status, late_business_seconds) FROM STDIN";

static int insert_run(struct store *s, const struct rc_report *r, const struct rc_run_meta *m,
		      int64_t *id, char **err)
{
	char ps[32], pe[32], ao[32], ga[32];
	const char *p[] = {r->period.label, rc_pg_instant(r->period.start, ps, sizeof ps),
			   rc_pg_instant(r->period.end, pe, sizeof pe), r->timezone,
			   rc_pg_instant(r->as_of, ao, sizeof ao),
			   rc_pg_instant(r->generated_at, ga, sizeof ga), m->customer_filter, m->format,
			   m->mail ? "t" : "f", m->force ? "t" : "f", m->config_path, m->config_digest,
			   m->derived_digest, m->derived_current ? "t" : "f"};
	PGresult *res = NULL;
	int rc = exec(s, "storing the report run", sql_run, 14, p, &res, err);

	if (rc)
		return rc;
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

int rc_store_run(struct store *s, struct rc_report *r, const struct rc_run_meta *m, char **err)
{
	struct strbuf cust, reqs;
	int64_t id = 0;
	int rc;

	if ((rc = exec(s, "starting the report transaction", "BEGIN", 0, NULL, NULL, err)))
		return rc;
	rc = insert_run(s, r, m, &id, err);
	strbuf_init(&cust, 0);
	strbuf_init(&reqs, 0);
	for (size_t i = 0; !rc && i < r->n_rows; i++) {
		customer_line(&cust, id, &r->rows[i]);
		request_lines(&reqs, id, &r->rows[i]);
	}
	if (!rc)
		rc = copy_in(s, "storing the report's customer rows", sql_copy_customers, &cust, err);
	if (!rc && reqs.len)
		rc = copy_in(s, "storing the report's listed requests", sql_copy_requests, &reqs, err);
	if (!rc)
		rc = exec(s, "committing the report run", "COMMIT", 0, NULL, NULL, err);
	strbuf_free(&cust);
	strbuf_free(&reqs);
	if (rc) {
		PQclear(PQexec(store_pg(s), "ROLLBACK"));
		return rc;
	}
	r->run_id = id;
	log_debug("report %s: stored as run %lld", r->period.label, (long long)id);
	return 0;
}

static const char sql_delivery[] =
	"INSERT INTO replyclock.report_deliveries (run_id, audience, customer, recipient,"
	" attempted_at, delivered, delivered_at, message_id, error)"
	" VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6::boolean THEN $5::timestamptz END, $7, $8)";

int rc_store_delivery(struct store *s, const struct rc_delivery *d, char **err)
{
	char run[24], at[32];
	const char *p[] = {run, d->customer ? "customer" : "team", d->customer, d->recipient,
			   rc_pg_instant(d->attempted_at, at, sizeof at), d->delivered ? "t" : "f",
			   d->message_id, d->delivered ? NULL : (d->error ? d->error : "not delivered")};

	snprintf(run, sizeof run, "%lld", (long long)d->run_id);
	return exec(s, "recording a report delivery", sql_delivery, 8, p, NULL, err);
}

static const char sql_delivered[] =
	"SELECT 1 FROM replyclock.report_deliveries d"
	" JOIN replyclock.report_runs r ON r.id = d.run_id"
	" WHERE r.period_start = $1 AND r.period_end = $2 AND d.delivered"
	"   AND d.audience = $3 AND d.customer IS NOT DISTINCT FROM $4"
	"   AND lower(d.recipient) = lower($5) LIMIT 1";

int rc_already_delivered(struct store *s, time_t start, time_t end, const char *customer,
			 const char *recipient, bool *yes, char **err)
{
	char ps[32], pe[32];
	const char *p[] = {rc_pg_instant(start, ps, sizeof ps), rc_pg_instant(end, pe, sizeof pe),
			   customer ? "customer" : "team", customer, recipient};
	PGresult *res = NULL;
	int rc = exec(s, "reading earlier deliveries", sql_delivered, 5, p, &res, err);

	if (rc)
		return rc;
	*yes = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

/* Session-level advisory lock per period: two `report --mail` runs for the
 * same period at once would otherwise both find a recipient not yet
 * served and both send. */
static const char sql_lock[] =
	"SELECT pg_advisory_lock(hashtext('replyclock report ' || $1 || ' ' || $2))";
static const char sql_unlock[] =
	"SELECT pg_advisory_unlock(hashtext('replyclock report ' || $1 || ' ' || $2))";

int rc_lock_period(struct store *s, time_t start, time_t end, bool lock, char **err)
{
	char ps[32], pe[32];
	const char *p[] = {rc_pg_instant(start, ps, sizeof ps), rc_pg_instant(end, pe, sizeof pe)};

	return exec(s, lock ? "locking the period for mailing" : "unlocking the period",
		    lock ? sql_lock : sql_unlock, 2, p, NULL, err);
}
