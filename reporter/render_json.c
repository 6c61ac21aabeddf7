/* JSON rendering of a report: the stable document of SPEC §5 for scripts. */
#include "reporter/render.h"
#include "reporter/render_util.h"

#include <stdio.h>

static void key(struct strbuf *b, const char *k)
{
	rc_json_string(b, k);
	rc_put(b, ": ");
}

static void instant(struct strbuf *b, const struct rc_report *r, time_t t)
{
	char buf[40];

	rc_json_string(b, rc_format_iso(r->tz, t, buf, sizeof buf));
}

static void x100(struct strbuf *b, int64_t v)
{
	strbuf_appendf(b, "%lld.%02lld", (long long)(v / 100), (long long)(v % 100));
}

static void seconds_or_null(struct strbuf *b, bool has, double v)
{
	if (has)
		strbuf_appendf(b, "%.10g", v);
	else
		rc_put(b, "null");
}

static void missed_list(struct strbuf *b, const struct rc_report *r, const struct rc_customer_row *w)
{
	rc_put(b, "\"missed\": [");
	for (size_t j = 0; j < w->n_missed; j++) {
		const struct rc_missed *m = &w->missed[j];
		strbuf_append(b, j ? ", {" : "{", j ? 3 : 1);
		key(b, "subject"); rc_json_string(b, m->subject);
		rc_put(b, ", "); key(b, "opened_message_id"); rc_json_string(b, m->opened_message_id);
		rc_put(b, ", "); key(b, "opened_at"); instant(b, r, m->opened_at);
		rc_put(b, ", "); key(b, "due_at"); instant(b, r, m->due_at);
		rc_put(b, ", "); key(b, "replied_at");
		if (m->replied)
			instant(b, r, m->replied_at);
		else
			rc_put(b, "null");
		strbuf_appendf(b, ", \"late_business_seconds\": %lld, ", (long long)m->late_business_seconds);
		key(b, "status"); rc_json_string(b, m->status);
		rc_put(b, "}");
	}
	rc_put(b, "], \"still_open\": [");
	for (size_t j = 0; j < w->n_still_open; j++) {
		const struct rc_still_open *s = &w->still_open[j];
		strbuf_append(b, j ? ", {" : "{", j ? 3 : 1);
		key(b, "subject"); rc_json_string(b, s->subject);
		rc_put(b, ", "); key(b, "opened_message_id"); rc_json_string(b, s->opened_message_id);
		rc_put(b, ", "); key(b, "opened_at"); instant(b, r, s->opened_at);
		rc_put(b, ", "); key(b, "due_at"); instant(b, r, s->due_at);
		rc_put(b, "}");
	}
	rc_put(b, "]");
}

static void customer(struct strbuf *b, const struct rc_report *r, const struct rc_customer_row *w)
{
	rc_put(b, "{");
	key(b, "customer"); rc_json_string(b, w->customer);
	rc_put(b, ", "); key(b, "name"); rc_json_string(b, w->name);
	rc_put(b, ", "); key(b, "policy"); rc_json_string(b, w->policy);
	strbuf_appendf(b, ", \"requests\": %ld, \"met\": %ld, \"breached\": %ld, \"overdue\": %ld, "
			  "\"pending\": %ld, \"compliance_pct\": ",
		       w->requests, w->met, w->breached, w->overdue, w->pending);
	if (w->has_compliance)
		x100(b, w->compliance_x100);
	else
		rc_put(b, "null");
	rc_put(b, ", \"target_pct\": ");
	x100(b, w->target_x100);
	strbuf_appendf(b, ", \"target_met\": %s, ",
		       !w->has_target_met ? "null" : w->target_met ? "true" : "false");
	key(b, "remedy");
	if (w->remedy)
		rc_json_string(b, w->remedy);
	else
		rc_put(b, "null");
	rc_put(b, ", \"median_business_seconds\": ");
	seconds_or_null(b, w->has_stats, w->median_business_seconds);
	rc_put(b, ", \"p90_business_seconds\": ");
	seconds_or_null(b, w->has_stats, w->p90_business_seconds);
	rc_put(b, ", \"max_business_seconds\": ");
	seconds_or_null(b, w->has_stats, w->max_business_seconds);
	rc_put(b, ", ");
	missed_list(b, r, w);
	rc_put(b, "}");
}

char *rc_render_json(const struct rc_report *r)
{
	struct strbuf b;

	strbuf_init(&b, 0);
	rc_put(&b, "{\"period\": {");
	key(&b, "label"); rc_json_string(&b, r->period.label);
	rc_put(&b, ", "); key(&b, "start"); instant(&b, r, r->period.start);
	rc_put(&b, ", "); key(&b, "end"); instant(&b, r, r->period.end);
	rc_put(&b, "}, ");
	key(&b, "timezone"); rc_json_string(&b, r->timezone);
	rc_put(&b, ", "); key(&b, "as_of"); instant(&b, r, r->as_of);
	rc_put(&b, ", "); key(&b, "generated_at"); instant(&b, r, r->generated_at);
	if (r->run_id > 0)
		strbuf_appendf(&b, ", \"run_id\": %lld", (long long)r->run_id);
	else
		rc_put(&b, ", \"run_id\": null");
	rc_put(&b, ", \"customers\": [");
	for (size_t i = 0; i < r->n_rows; i++) {
		if (i)
			rc_put(&b, ", ");
		customer(&b, r, &r->rows[i]);
	}
	rc_put(&b, "]}\n");
	return strbuf_steal(&b);
}
