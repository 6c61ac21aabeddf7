/* The report model (SPEC §4.6, §5): what one report run says, independent of
 * where the figures came from and of how it is rendered. Every renderer
 * reads only this. All strings are malloc'd and owned by the model;
 * rc_report_free() releases everything. */
#ifndef RC_REPORT_MODEL_H
#define RC_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "reporter/reporter_p.h"

/* A request that missed its due instant (breached, or overdue at as-of). */
struct rc_missed {
	char *subject;             /* decoded Subject, as written (may hold anything) */
	char *opened_message_id;   /* without angle brackets */
	time_t opened_at, due_at;
	bool replied;              /* false: still open at as-of */
	time_t replied_at;
	int64_t late_business_seconds; /* due_at to reply (or to as-of while open) */
	char *status;              /* "breached" | "overdue" */
};

/* A request opened in the period but due after it: listed, not counted. */
struct rc_still_open {
	char *subject;
	char *opened_message_id;
	time_t opened_at, due_at;
};

struct rc_customer_row {
	char *customer;            /* config name */
	char *name;                /* display name */
	char *policy;
	long requests, met, breached, overdue, pending;
	bool has_compliance;       /* false: nothing decided (NULL) */
	int64_t compliance_x100;   /* compliance in hundredths of a percent (9355 = 93.55 %) */
	int64_t target_x100;       /* policy target, hundredths of a percent */
	bool has_target_met;       /* false when compliance is NULL */
	bool target_met;
	char *remedy;              /* only when the target was missed and the policy has one */
	bool has_stats;            /* false: no answered request */
	double median_business_seconds, p90_business_seconds, max_business_seconds;
	int64_t *answered_seconds; /* business seconds of answered requests (for the chart) */
	size_t n_answered;
	struct rc_missed *missed;
	size_t n_missed;
	struct rc_still_open *still_open;
	size_t n_still_open;
};

struct rc_report {
	struct rc_period period;
	char *timezone;            /* IANA name of the report zone */
	const struct rc_tz *tz;
	time_t as_of, generated_at;
	int64_t run_id;            /* 0 = not stored */
	struct rc_customer_row *rows;
	size_t n_rows;
};

/* An empty report for a period; the caller then adds rows. */
struct rc_report *rc_report_new(const struct rc_period *period, const char *timezone,
				const struct rc_tz *tz, time_t as_of, time_t generated_at);
/* Appends a row with the given identity (strings copied) and returns it;
 * the pointer stays valid until the next add. */
struct rc_customer_row *rc_report_add_row(struct rc_report *r, const char *customer,
					  const char *name, const char *policy);
void rc_row_add_missed(struct rc_customer_row *row, const struct rc_missed *m);
void rc_row_add_still_open(struct rc_customer_row *row, const struct rc_still_open *o);
void rc_row_add_answered(struct rc_customer_row *row, int64_t business_seconds);
/* Computes compliance, target_met, remedy, the statistics, and sorts the
 * missed list worst first, from the counts and lists added so far.
 * target_pct as configured (95 = 95 %); remedy may be NULL. */
void rc_row_finish(struct rc_customer_row *row, double target_pct, const char *remedy);
void rc_report_free(struct rc_report **r);

/* compliance = round(100 * met / decided, 2) as PostgreSQL's numeric round()
 * does (half away from zero), in hundredths; false when decided == 0. */
bool rc_compliance_x100(long met, long decided, int64_t *out);
/* PostgreSQL's percentile_cont(frac) over sorted values (linear
 * interpolation between the two nearest ranks). n must be > 0. */
double rc_percentile_cont(const int64_t *sorted, size_t n, double frac);

/* Business duration as people read it: "45 s", "45 min", "3 h 12 min", "26 h".
 * Hours are not folded into days (a business day is not 24 h). buf >= 32. */
char *rc_format_duration(double seconds, char *buf, size_t n);

#endif
