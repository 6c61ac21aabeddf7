/* Turns a report into mails: the team summary and each customer's own
 * summary (only its own row), with a subject that says the outcome. */
#include "reporter/mail.h"
#include "reporter/render.h"
#include "reporter/report_mail.h"
#include "tracker/util.h"

#include <stdio.h>
#include <stdlib.h>

struct rc_report rc_report_view_customer(const struct rc_report *r, size_t i)
{
	struct rc_report v = *r;

	v.rows = &r->rows[i];
	v.n_rows = 1;
	return v;
}

char *rc_report_subject(const struct rc_report *r)
{
	size_t below = 0, judged = 0;

	for (size_t i = 0; i < r->n_rows; i++) {
		judged += r->rows[i].has_target_met;
		below += r->rows[i].has_target_met && !r->rows[i].target_met;
	}
	if (r->n_rows == 1) {
		const struct rc_customer_row *w = &r->rows[0];
		if (!w->has_compliance)
			return xasprintf("SLA report %s for %s: nothing decided yet", r->period.label, w->name);
		return xasprintf("SLA report %s for %s: %lld.%02lld %% (target %s)", r->period.label,
				 w->name, (long long)(w->compliance_x100 / 100),
				 (long long)(w->compliance_x100 % 100), w->target_met ? "met" : "missed");
	}
	if (!judged)
		return xasprintf("SLA report %s: nothing decided yet", r->period.label);
	if (!below)
		return xasprintf("SLA report %s: all %zu customers on target", r->period.label, judged);
	return xasprintf("SLA report %s: %zu of %zu customers below target", r->period.label, below,
			 judged);
}

int rc_report_mail(const struct rc_report *r, const char *from, const char *const *to, size_t n_to,
		   time_t date, struct rc_mail_out *out, char **err)
{
	char *subject = rc_report_subject(r), *text = rc_render_text(r), *html = rc_render_html(r);
	struct rc_mail_in in = {.from = from, .to = to, .n_to = n_to, .subject = subject,
				.text = text, .html = html, .date = date, .tz = r->tz};
	int rc = rc_mail_compose(&in, out, err);

	free(subject);
	free(text);
	free(html);
	return rc;
}
