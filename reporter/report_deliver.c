/* `report --mail`: the team summary to [report] to and each customer's own
 * summary to its report_to, each recipient at most once per period (the
 * stored deliveries say who already has it; --force sends again), and
 * every attempt recorded, so a run that could not reach the SMTP server is
 * delivered by the next `report --mail` for that period. */
#include "reporter/report_deliver.h"
#include "reporter/report_mail.h"
#include "tracker/log.h"
#include "tracker/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct deliver {
	const struct rc_deliver_in *in;
	int code;               /* exit code of the first failure */
	char *down;             /* the SMTP server is unavailable: why (no more attempts) */
	size_t sent, skipped;
};

/* Records one row per recipient; a failure to record is reported but does
 * not hide the mail's own outcome. */
static void record(struct deliver *d, const char *customer, const char *const *to, size_t n,
		   time_t at, const char *message_id, const char *error)
{
	for (size_t i = 0; i < n; i++) {
		struct rc_delivery row = {.run_id = d->in->r->run_id, .customer = customer,
					  .recipient = to[i], .attempted_at = at, .delivered = !error,
					  .message_id = message_id, .error = error};
		char *err = NULL;
		int rc = rc_store_delivery(d->in->s, &row, &err);
		if (rc) {
			log_error("%s", err);
			free(err);
			if (!d->code)
				d->code = rc;
		}
	}
}

/* The recipients of an audience that have not had this period yet. */
static int pending(struct deliver *d, const char *customer, const struct strlist *all,
		   const char ***out, size_t *n)
{
	const struct rc_report *r = d->in->r;

	*out = xcalloc(all->n ? all->n : 1, sizeof **out);
	*n = 0;
	for (size_t i = 0; i < all->n; i++) {
		bool done = false;
		char *err = NULL;
		int rc = d->in->force ? 0
				      : rc_already_delivered(d->in->s, r->period.start, r->period.end,
							     customer, all->v[i], &done, &err);
		if (rc) {
			log_error("%s", err);
			free(err);
			return rc;
		}
		if (done) {
			log_info("report %s: already mailed to %s; not sent again (--force sends it)",
				 r->period.label, all->v[i]);
			d->skipped++;
		} else
			(*out)[(*n)++] = all->v[i];
	}
	return 0;
}

static void send_one(struct deliver *d, const struct rc_report *view, const char *customer,
		     const char *const *to, size_t n)
{
	const struct config *cfg = d->in->cfg;
	struct rc_mail_out out = {0};
	char *err = NULL, *why = NULL;
	time_t now = time(NULL);
	const char *who = customer ? customer : "team";

	if (d->down) {
		why = xasprintf("not attempted: %s", d->down);
		record(d, customer, to, n, now, NULL, why);
		free(why);
		return;
	}
	if (rc_report_mail(view, cfg->report.from, to, n, now, &out, &err) < 0) {
		log_error("report %s (%s summary): %s", view->period.label, who, err);
		record(d, customer, to, n, now, NULL, err);
		if (!d->code)
			d->code = RC_EX_CONFIG;
		free(err);
		return;
	}
	enum rc_smtp_fail f = rc_smtp_send(cfg, &out, &err);
	if (f == RC_SMTP_OK) {
		for (size_t i = 0; i < n; i++)
			log_info("report %s (run %lld): %s summary mailed to %s, Message-ID <%s>",
				 view->period.label, (long long)view->run_id, who, to[i], out.message_id);
		record(d, customer, to, n, now, out.message_id, NULL);
		d->sent++;
	} else {
		log_error("report %s (run %lld): %s summary not mailed: %s", view->period.label,
			  (long long)view->run_id, who, err);
		record(d, customer, to, n, now, out.message_id, err);
		if (!d->code)
			d->code = rc_smtp_exit_code(f);
		if (f != RC_SMTP_REJECTED && !d->down)
			d->down = xstrdup(err); /* the same server would refuse the others */
	}
	free(err);
	rc_mail_out_free(&out);
}

static void audience(struct deliver *d, const struct rc_report *view, const char *customer,
		     const struct strlist *all)
{
	const char **to = NULL;
	size_t n = 0;
	int rc = pending(d, customer, all, &to, &n);

	if (rc) {
		if (!d->code)
			d->code = rc;
	} else if (n) {
		for (size_t k = 0; k < n; k += RC_MAIL_MAX_RCPT)
			send_one(d, view, customer, to + k, n - k < RC_MAIL_MAX_RCPT ? n - k : RC_MAIL_MAX_RCPT);
	}
	free(to);
}

bool rc_deliver_has_recipients(const struct config *cfg, const char *customer)
{
	if (!customer && cfg->report.to.n)
		return true;
	for (size_t i = 0; i < cfg->n_customers; i++)
		if ((!customer || !strcmp(customer, cfg->customers[i].name)) &&
		    cfg->customers[i].report_to.n)
			return true;
	return false;
}

int rc_deliver(const struct rc_deliver_in *in)
{
	struct deliver d = {.in = in};
	const struct rc_report *r = in->r;
	char *err = NULL;
	int rc = rc_lock_period(in->s, r->period.start, r->period.end, true, &err);

	if (rc) {
		log_error("%s", err);
		free(err);
		return rc;
	}
	if (!in->customer && in->cfg->report.to.n)
		audience(&d, r, NULL, &in->cfg->report.to);
	for (size_t i = 0; i < r->n_rows; i++) {
		const struct cfg_customer *c = config_customer(in->cfg, r->rows[i].customer);
		if (!c || !c->report_to.n)
			continue;
		struct rc_report view = rc_report_view_customer(r, i);
		audience(&d, &view, c->name, &c->report_to);
	}
	if (!d.code && !d.sent && d.skipped)
		log_info("report %s: every recipient already has this period; nothing mailed",
			 r->period.label);
	if ((rc = rc_lock_period(in->s, r->period.start, r->period.end, false, &err))) {
		log_error("%s", err);
		free(err);
		if (!d.code)
			d.code = rc;
	}
	free(d.down);
	return d.code;
}
