/* Private to reporter/: mailing a stored report run (report_deliver.c). */
#ifndef RC_REPORT_DELIVER_H
#define RC_REPORT_DELIVER_H

#include <stdbool.h>

#include "reporter/report_db.h"

struct rc_deliver_in {
	const struct config *cfg;
	struct store *s;
	const struct rc_report *r;     /* stored: r->run_id set */
	const char *customer;          /* --customer: only that customer's own summary */
	bool force;                    /* send again to recipients that have the period */
};

/* Whether --mail has anyone to send to ([report] to, unless limited to one
 * customer, or a report_to of the customers concerned). */
bool rc_deliver_has_recipients(const struct config *cfg, const char *customer);

/* Mails the team summary and the customers' own summaries to the
 * recipients that do not have this period yet, recording every attempt.
 * After the SMTP server proved unavailable (or refused TLS or the login),
 * the remaining mails are recorded as not attempted. Returns 0, or the exit
 * code of the first failure (69 server unavailable or refusing, 78 TLS /
 * login / settings, 69/70 database). */
int rc_deliver(const struct rc_deliver_in *in);

#endif
