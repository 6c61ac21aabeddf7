/* Report mails: the team summary and per-customer summaries. */
#ifndef RC_REPORT_MAIL_H
#define RC_REPORT_MAIL_H

#include "reporter/mail.h"
#include "reporter/report_model.h"

/* A shallow view of r holding only row i (for a customer's own summary):
 * it borrows r's memory, so never pass it to rc_report_free(). */
struct rc_report rc_report_view_customer(const struct rc_report *r, size_t i);
/* "SLA report 2026-W14: 1 of 4 customers below target", or for one
 * customer "SLA report 2026-W14 for ACME AS: 93.55 % (target missed)". Malloc'd. */
char *rc_report_subject(const struct rc_report *r);
/* Renders r as text + HTML and composes the mail (see rc_mail_compose). */
int rc_report_mail(const struct rc_report *r, const char *from, const char *const *to, size_t n_to,
		   time_t date, struct rc_mail_out *out, char **err);

#endif
