/* Private to reporter/: the report's figures from the derived tables
 * (aggregate.c) and the reports layer of sql/003_reports.sql
 * (report_store.c). Every function returns 0 or an exit code (sysexits:
 * 69 when PostgreSQL is unreachable, 78 for a configuration that does not
 * fit the stored rows, 70 otherwise) with a malloc'd *err naming the
 * server and what failed. */
#ifndef RC_REPORT_DB_H
#define RC_REPORT_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "reporter/report_model.h"
#include "tracker/config.h"
#include "tracker/requests.h"
#include "tracker/store.h"

/* ---- aggregate.c ---------------------------------------------------------- */

struct rc_agg_in {
	const struct config *cfg;
	const struct calendar_set *cals;  /* late business seconds come from these */
	const char *timezone;             /* [report] timezone */
	const struct rc_tz *tz;
	struct rc_period period;
	time_t as_of, generated_at;
	const char *customer;             /* --customer, NULL = all */
};

/* Computes the report of SPEC §4.6 as of in->as_of from replyclock.requests:
 * one row per configured customer (in configuration order, also those with
 * no request), plus "unassigned" when it has requests in the period (or was
 * asked for). *out is owned by the caller (rc_report_free). */
int rc_aggregate(struct store *s, const struct rc_agg_in *in, struct rc_report **out, char **err);

/* ---- report_store.c ------------------------------------------------------- */

struct rc_run_meta {
	const char *customer_filter;      /* NULL = all */
	const char *format;               /* text | html | csv | json */
	bool mail, force;
	const char *config_path, *config_digest, *derived_digest;
	bool derived_current;
};

/* Stores the run, its customer rows and the requests it lists in one
 * transaction; sets r->run_id. */
int rc_store_run(struct store *s, struct rc_report *r, const struct rc_run_meta *m, char **err);

/* One delivery attempt for one recipient (audience customer NULL = team). */
struct rc_delivery {
	int64_t run_id;
	const char *customer;             /* NULL: the team summary */
	const char *recipient;
	time_t attempted_at;
	bool delivered;
	const char *message_id;           /* when delivered (also kept when not) */
	const char *error;                /* when not delivered */
};
int rc_store_delivery(struct store *s, const struct rc_delivery *d, char **err);

/* Whether recipient already received the summary of this audience
 * (customer NULL = team) for the period [start, end): a delivered row of
 * any run of that period. */
int rc_already_delivered(struct store *s, time_t start, time_t end, const char *customer,
			 const char *recipient, bool *yes, char **err);

/* Takes (lock) or releases the session's advisory lock on mailing the
 * period [start, end), so concurrent --mail runs send each mail once. */
int rc_lock_period(struct store *s, time_t start, time_t end, bool lock, char **err);

/* ---- shared helpers (report_store.c) ------------------------------------- */

/* "YYYY-MM-DD HH:MM:SS+00" for a timestamptz parameter. buf >= 32. */
char *rc_pg_instant(time_t t, char *buf, size_t n);
/* Sets *err from a failed result (PQclear()s it) and returns the exit code
 * for it: 69 when the connection is gone or the server is shutting down. */
int rc_pg_fail(struct store *s, PGresult *res, const char *op, char **err);

#endif
