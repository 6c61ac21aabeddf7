/* Unit tests: the report model (compliance, percentiles, remedies) and the
 * text, HTML, CSV and JSON renderers, with nasty subjects.
 * `test_render --write-html FILE` writes the sample HTML (for the
 * screenshot script tests/render-screenshot). */
#include "reporter/render.h"
#include "reporter/render_util.h"
#include "report_fixture.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void model__compliance_rounding(void)
{
	int64_t v = -1;

	CU_ASSERT_FALSE(rc_compliance_x100(0, 0, &v));
	CU_ASSERT_TRUE(rc_compliance_x100(29, 31, &v)); CU_ASSERT_EQUAL(v, 9355);
	CU_ASSERT_TRUE(rc_compliance_x100(2, 3, &v)); CU_ASSERT_EQUAL(v, 6667);
	CU_ASSERT_TRUE(rc_compliance_x100(1, 3, &v)); CU_ASSERT_EQUAL(v, 3333);
	CU_ASSERT_TRUE(rc_compliance_x100(19, 20, &v)); CU_ASSERT_EQUAL(v, 9500);
	/* 0.125 % rounds half away from zero like numeric round(x, 2) */
	CU_ASSERT_TRUE(rc_compliance_x100(1, 800, &v)); CU_ASSERT_EQUAL(v, 13);
	CU_ASSERT_TRUE(rc_compliance_x100(0, 5, &v)); CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_TRUE(rc_compliance_x100(5, 5, &v)); CU_ASSERT_EQUAL(v, 10000);
}

static void model__percentile_cont_like_postgres(void)
{
	/* percentile_cont(f): position f*(n-1), linear interpolation; values
	 * below were checked against PostgreSQL 15:
	 *   select percentile_cont(0.9) within group (order by x) from generate_series(1,10) x; -> 9.1 */
	int64_t ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	int64_t four[] = {1, 2, 3, 4}, one[] = {42}, two[] = {10, 20};

	CU_ASSERT_DOUBLE_EQUAL(rc_percentile_cont(ten, 10, 0.9), 9.1, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(rc_percentile_cont(ten, 10, 0.5), 5.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(rc_percentile_cont(four, 4, 0.5), 2.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(rc_percentile_cont(one, 1, 0.9), 42, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(rc_percentile_cont(two, 2, 0.9), 19, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(rc_percentile_cont(two, 2, 1.0), 20, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(rc_percentile_cont(two, 2, 0.0), 10, 1e-9);
}

static void model__row_finish_target_remedy_stats(void)
{
	struct rc_report *r = fix_report();
	const struct rc_customer_row *acme = &r->rows[0], *exact = &r->rows[2], *pend = &r->rows[3];

	CU_ASSERT_TRUE(acme->has_compliance);
	CU_ASSERT_EQUAL(acme->compliance_x100, 9355);
	CU_ASSERT_EQUAL(acme->target_x100, 9500);
	CU_ASSERT_TRUE(acme->has_target_met);
	CU_ASSERT_FALSE(acme->target_met);
	CU_ASSERT_STRING_EQUAL(acme->remedy, "one month free of charge");
	/* 600 + i*540, i = 0..29: median = (600+14*540 + 600+15*540)/2; p90 at position 26.1 */
	CU_ASSERT_DOUBLE_EQUAL(acme->median_business_seconds, 600 + 14.5 * 540, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(acme->p90_business_seconds, 600 + 26.1 * 540, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(acme->max_business_seconds, 600 + 29 * 540, 1e-9);
	/* worst first */
	CU_ASSERT_EQUAL(acme->missed[0].late_business_seconds, 7200 * 4 + 120);
	CU_ASSERT_STRING_EQUAL(acme->missed[0].status, "overdue");
	/* exactly at the target counts as met; no remedy */
	CU_ASSERT_EQUAL(exact->compliance_x100, 9500);
	CU_ASSERT_TRUE(exact->target_met);
	CU_ASSERT_PTR_NULL(exact->remedy);
	/* everything pending: compliance NULL, target_met NULL, no stats */
	CU_ASSERT_FALSE(pend->has_compliance);
	CU_ASSERT_FALSE(pend->has_target_met);
	CU_ASSERT_PTR_NULL(pend->remedy);
	CU_ASSERT_FALSE(pend->has_stats);
	CU_ASSERT_EQUAL(pend->target_x100, 9950);
	rc_report_free(&r);
	CU_ASSERT_PTR_NULL(r);
}

static void model__format_duration(void)
{
	char b[32];
	struct { double s; const char *want; } rows[] = {
		{0, "0 s"}, {45, "45 s"}, {60, "1 min"}, {89, "1 min"}, {90, "2 min"}, {2700, "45 min"},
		{11520, "3 h 12 min"}, {14400, "4 h"}, {93900, "26 h 5 min"}, {3599, "1 h"}, {-5, "0 s"},
	};

	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
		CU_ASSERT_STRING_EQUAL(rc_format_duration(rows[i].s, b, sizeof b), rows[i].want);
}

static void render__text_fits_80_columns(void)
{
	struct rc_report *r = fix_report();
	char *t = rc_render_text(r), *line, *save = NULL, *copy = xstrdup(t);
	int lines = 0;

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		CU_ASSERT(rc_text_width(line) <= 80);
		if (rc_text_width(line) > 80)
			fprintf(stderr, "too wide (%zu): %s\n", rc_text_width(line), line);
	}
	if (getenv("RC_TEST_DEBUG")) fputs(t, stderr);
	CU_ASSERT(lines > 20);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "SLA report 2026-W14: 2026-03-30 to 2026-04-05 (Europe/Oslo)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "Judged as of 2026-04-07T07:00:00+02:00, run 17"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "ACME AS                    31   29        1       1       0"
					 "    93.55 %    95 %\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "Target 95 % missed by ACME AS: one month free of charge"));
	CU_ASSERT_PTR_NULL(strstr(t, "missed by Exactly"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "n/a"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "1 h 30 min late (breached): <script>"));
	/* the subject's newline does not break the layout */
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "\xF0\x9F\x9A\x80 line2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "opened 2026-04-02 10:00  due 2026-04-02 14:00  still open"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "opened 2026-03-30 09:12  due 2026-03-30 13:12  replied 2026-03-30 14:42"));
	/* worst first: the overdue one (8 h 2 min late) before the breached one */
	CU_ASSERT(strstr(t, "8 h 2 min late (overdue)") != NULL &&
		  strstr(t, "8 h 2 min late (overdue)") < strstr(t, "1 h 30 min late (breached)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "A Very Long Custome\xE2\x80\xA6        2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "Still open, due after the period"));
	free(copy);
	free(t);
	rc_report_free(&r);
}

static void render__html_escapes_and_no_external(void)
{
	struct rc_report *r = fix_report();
	char *h = rc_render_html(r);

	CU_ASSERT_PTR_NULL(strstr(h, "<script"));
	CU_ASSERT_PTR_NULL(strstr(h, "<b>"));
	CU_ASSERT_PTR_NULL(strstr(h, "<img"));
	CU_ASSERT_PTR_NULL(strstr(h, "http:"));
	CU_ASSERT_PTR_NULL(strstr(h, "https:"));
	CU_ASSERT_PTR_NULL(strstr(h, "<style"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;, &quot;quoted&quot;"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "Bl\xC3\xA5""b\xC3\xA6r &amp; Co, &quot;&lt;b&gt;Ltd&lt;/b&gt;&quot;"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "\xC3\xA6\xC3\xB8\xC3\xA5 \xF0\x9F\x9A\x80 line2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "93.55&nbsp;%"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "Target missed: one month free of charge"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "Compliance against target"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "Business response times"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "still open"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "<meta charset=\"utf-8\">"));
	free(h);
	rc_report_free(&r);
}

/* Runs python3 code on a file holding `doc`; returns its stdout (malloc'd). */
static char *python_on(const char *doc, const char *code)
{
	char path[] = "/tmp/rc-test-render-XXXXXX", cmd[4096], out[8192];
	int fd = mkstemp(path);
	FILE *p;
	size_t n;

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, doc, strlen(doc)) == (ssize_t)strlen(doc));
	close(fd);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c '%s' < %s", code, path);
	p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	CU_ASSERT_EQUAL(pclose(p), 0);
	unlink(path);
	return xstrdup(out);
}

static void render__json_parses_with_spec_keys(void)
{
	struct rc_report *r = fix_report();
	char *j = rc_render_json(r), *out;

	out = python_on(j, "import json,sys\n"
			   "d=json.load(sys.stdin)\n"
			   "c=d[\"customers\"]\n"
			   "print(json.dumps([d[\"period\"], d[\"as_of\"], d[\"run_id\"], c[0][\"compliance_pct\"],"
			   " c[0][\"target_pct\"], c[0][\"target_met\"], c[0][\"remedy\"], c[0][\"p90_business_seconds\"],"
			   " c[0][\"missed\"][0][\"subject\"], c[0][\"missed\"][0][\"replied_at\"],"
			   " c[0][\"missed\"][1][\"subject\"], c[0][\"missed\"][1][\"replied_at\"],"
			   " c[0][\"missed\"][1][\"late_business_seconds\"], c[0][\"still_open\"][0][\"due_at\"],"
			   " c[1][\"name\"], c[2][\"target_met\"], c[2][\"remedy\"], c[3][\"compliance_pct\"],"
			   " c[3][\"target_met\"], c[3][\"median_business_seconds\"], c[3][\"target_pct\"]]))");
	if (getenv("RC_TEST_DEBUG")) fprintf(stderr, "%s\n---\n%s", j, out);
	CU_ASSERT_STRING_EQUAL(out,
		"[{\"label\": \"2026-W14\", \"start\": \"2026-03-30T00:00:00+02:00\", \"end\": \"2026-04-06T00:00:00+02:00\"}, "
		"\"2026-04-07T07:00:00+02:00\", 17, 93.55, 95.0, false, \"one month free of charge\", 14694, "
		"\"Fakturaen er feil \\u2013 \\u00e6\\u00f8\\u00e5 \\ud83d\\ude80\\nline2\", null, "
		"\"<script>alert(\\\"x\\\")</script>, \\\"quoted\\\", comma & more\", \"2026-03-30T14:42:00+02:00\", "
		"5400, \"2026-04-06T12:00:00+02:00\", \"Bl\\u00e5b\\u00e6r & Co, \\\"<b>Ltd</b>\\\"\", true, null, null, "
		"null, null, 99.5]\n");
	free(out);
	/* control characters are escaped, UTF-8 passes through */
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\\u2013") == NULL ? strstr(j, "\xE2\x80\x93") : NULL);
	free(j);
	rc_report_free(&r);
}

static void render__json_escapes_controls(void)
{
	struct strbuf b;
	char *s;

	strbuf_init(&b, 0);
	rc_json_string(&b, "a\x01" "b\"c\\d\te\xE2\x80\xA8" "f\xFF" "g");
	s = strbuf_steal(&b);
	CU_ASSERT_STRING_EQUAL(s, "\"a\\u0001b\\\"c\\\\d\\te\\u2028f\xEF\xBF\xBDg\"");
	free(s);
}

static void render__csv_rfc4180(void)
{
	struct rc_report *r = fix_report();
	char *c = rc_render_csv(r), *out;

	CU_ASSERT_PTR_NOT_NULL(strstr(c, "\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(c, ",\"Bl\xC3\xA5""b\xC3\xA6r & Co, \"\"<b>Ltd</b>\"\"\","));
	out = python_on(c, "import csv,sys,json\n"
			   "rows=list(csv.reader(sys.stdin))\n"
			   "print(json.dumps([len(rows), sorted(set(len(x) for x in rows)), rows[2][5],"
			   " rows[1][12], rows[1][14], rows[1][15], rows[4][12], rows[4][14]], ensure_ascii=False))");
	CU_ASSERT_STRING_EQUAL(out, "[5, [21], \"Bl\xC3\xA5""b\xC3\xA6r & Co, \\\"<b>Ltd</b>\\\"\", "
				    "\"93.55\", \"false\", \"one month free of charge\", \"\", \"\"]\n");
	free(out);
	free(c);
	rc_report_free(&r);
}

static void render__empty_report(void)
{
	struct rc_report *r = fix_report(), empty = *r;
	char *t, *h, *j;

	empty.n_rows = 0;
	t = rc_render_text(&empty);
	h = rc_render_html(&empty);
	j = rc_render_json(&empty);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "No customers in this report."));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "No customers in this report."));
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"customers\": []"));
	free(t); free(h); free(j);
	rc_report_free(&r);
}

static void render__text_cell_width(void)
{
	struct strbuf b;
	char *s;

	strbuf_init(&b, 0);
	rc_text_cell(&b, "\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80", 5, false); /* 3 wide emoji in 5 */
	rc_text_cell(&b, "\xC3\xA6\xC3\xB8", 4, true);
	s = strbuf_steal(&b);
	CU_ASSERT_STRING_EQUAL(s, "\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xE2\x80\xA6  \xC3\xA6\xC3\xB8");
	CU_ASSERT_EQUAL(rc_text_width(s), 9);
	free(s);
}

static int write_html(const char *path)
{
	struct rc_report *r = fix_report();
	char *h = rc_render_html(r);
	FILE *f = fopen(path, "w");
	int ok = f && fputs(h, f) >= 0;

	if (f && fclose(f) != 0)
		ok = 0;
	free(h);
	rc_report_free(&r);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	CU_pSuite s;
	unsigned failed;

	if (argc == 3 && strcmp(argv[1], "--write-html") == 0)
		return write_html(argv[2]);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("render", NULL, NULL);
	CU_add_test(s, "model__compliance_rounding", model__compliance_rounding);
	CU_add_test(s, "model__percentile_cont_like_postgres", model__percentile_cont_like_postgres);
	CU_add_test(s, "model__row_finish_target_remedy_stats", model__row_finish_target_remedy_stats);
	CU_add_test(s, "model__format_duration", model__format_duration);
	CU_add_test(s, "render__text_fits_80_columns", render__text_fits_80_columns);
	CU_add_test(s, "render__html_escapes_and_no_external", render__html_escapes_and_no_external);
	CU_add_test(s, "render__json_parses_with_spec_keys", render__json_parses_with_spec_keys);
	CU_add_test(s, "render__json_escapes_controls", render__json_escapes_controls);
	CU_add_test(s, "render__csv_rfc4180", render__csv_rfc4180);
	CU_add_test(s, "render__empty_report", render__empty_report);
	CU_add_test(s, "render__text_cell_width", render__text_cell_width);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
