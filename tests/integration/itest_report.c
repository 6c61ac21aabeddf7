/* Integration: `replyclock report` against the harness's PostgreSQL and SMTP
 * sink. Traffic from rc-gen (Maildir -> `replyclock import` -> recompute);
 * the stored per-customer rows are checked against figures the test
 * computes itself from replyclock.sla_requests; fixed requests inserted
 * directly give compliance exactly at target and an all-pending customer;
 * --as-of reproduces an earlier run after more mail was imported; mail is
 * read back from the sink and parsed with libetpan; a stopped SMTP server
 * gives exit 69 and a run that a later --mail delivers. */
#include "tests/lib/testlib.h"
#include "tracker/calendar.h"
#include "tracker/config.h"
#include "tracker/util.h"

#include <dirent.h>
#include <libetpan/libetpan.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir, *conninfo, *conf, *conf_noca;
static PGconn *db;
static char *asof_first_json;   /* report as of CUT before the second import */
static bool second_import_done;

/* Traffic: 8 weeks from 2026-02-09 (Oslo), so 2026-W13 (DST starts
 * 2026-03-29) and March are inside it. Messages after CUT are imported
 * later, as a later poll would bring them. */
#define GEN_START "2026-02-09"
#define CUT "2026-03-04T12:00:00+01:00"
#define CUT_EPOCH 1772622000L /* 2026-03-04T11:00:00Z */

static const char *const customers_conf =
	"[customer quiet]\nname = Quiet Ltd\nmatch = @quiet.example\npolicy = standard\n"
	"[customer exact]\nname = Exact AS\nmatch = @exact.example\npolicy = standard\n"
	"report_to = kari@exact.example\n"
	"[customer below]\nname = Below AS\nmatch = @below.example\npolicy = standard\n"
	"[customer waiting]\nname = Waiting AS\nmatch = @waiting.example\npolicy = standard\n";

static char *write_conf(const char *name, const char *snippet, bool with_ca)
{
	char *text = xasprintf(
		"[database]\nconninfo = %s\n"
		"[calendar oslo]\ntimezone = Europe/Oslo\nhours = mon-fri 08:00-16:00\n"
		"[policy standard]\ncalendar = oslo\nfirst_response = 4h\nnext_reply = 8h\n"
		"target = 95%%\nbreach_remedy = one month free of charge\n"
		"[defaults]\npolicy = standard\n%s\n%s"
		"[report]\ntimezone = Europe/Oslo\nsmtp_url = smtp://127.0.0.1:%d\n"
		"smtp_security = starttls\n%s%s\nsmtp_username = %s\nsmtp_password_file = %s/smtp.pw\n"
		"from = SLA reports <sla@example.com>\nto = leads@example.com, boss@example.com\n",
		conninfo, snippet, customers_conf, testenv_port("RC_TEST_SMTP_PORT"),
		with_ca ? "smtp_ca_file = " : "", with_ca ? testenv_get("RC_TEST_CA_FILE") : "",
		testenv_get("RC_TEST_SMTP_USER"), dir);
	char *path = testfile_write(dir, name, text, 0644);
	free(text);
	return path;
}

static int rc(struct testrun_result *r, const char *a1, const char *a2, const char *a3,
	      const char *a4, const char *a5, const char *a6)
{
	int e = testrun_rc(r, NULL, "-q", "-c", conf, "report", a1, a2, a3, a4, a5, a6, (char *)NULL);
	if (e == 0 && r->status != 0 && getenv("RC_ITEST_SHOW_ERRORS"))
		fprintf(stderr, "[report exit %d: %s] ", r->status, r->err);
	return e < 0 ? -1 : r->status;
}

static int rc_cmd(const char *cmd, const char *arg1, const char *arg2, const char *arg3)
{
	struct testrun_result r;
	int e = testrun_rc(&r, NULL, "-q", "-c", conf, cmd, arg1, arg2, arg3, (char *)NULL);
	int st = e < 0 ? -1 : r.status;
	if (st)
		fprintf(stderr, "replyclock %s %s: exit %d: %s\n", cmd, arg1 ? arg1 : "", st, r.err);
	testrun_free(&r);
	return st;
}

/* CU_ASSERT_STRING_EQUAL that survives NULL and shows both sides. */
#define EXPECT_STR(got, want)                                                          \
	do {                                                                           \
		const char *g_ = (got), *w_ = (want);                                  \
		CU_ASSERT(g_ && !strcmp(g_, w_));                                      \
		if (!g_ || strcmp(g_, w_))                                             \
			fprintf(stderr, "\n  line %d: got  '%s'\n  want '%s'\n", __LINE__, \
				g_ ? g_ : "(null)", w_);                               \
	} while (0)

static char *q(const char *sql)
{
	return testpg_value(db, sql, 0, NULL);
}

static char *q1(const char *sql, const char *p1)
{
	return testpg_value(db, sql, 1, (const char *const[]){p1});
}

/* ---- traffic --------------------------------------------------------------- */

static void mkmaildir(const char *path)
{
	char *p;
	mkdir(path, 0755);
	for (const char *const *s = (const char *const[]){"cur", "new", "tmp", NULL}; *s; s++) {
		p = xasprintf("%s/%s", path, *s);
		mkdir(p, 0755);
		free(p);
	}
}

/* Moves the files of from/cur with an mtime after cut into later/cur. */
static void split(const char *from, const char *later, time_t cut)
{
	char *cur = xasprintf("%s/cur", from);
	DIR *d = opendir(cur);
	struct dirent *e;

	mkmaildir(later);
	if (!d)
		abort();
	while ((e = readdir(d))) {
		struct stat sb;
		char *src = xasprintf("%s/%s", cur, e->d_name);
		if (e->d_name[0] != '.' && stat(src, &sb) == 0 && sb.st_mtime > cut) {
			char *dst = xasprintf("%s/cur/%s", later, e->d_name);
			if (rename(src, dst) < 0)
				abort();
			free(dst);
		}
		free(src);
	}
	closedir(d);
	free(cur);
}

static int import(const char *role, const char *path)
{
	return rc_cmd("import", "--role", role, path);
}

static int generate(void)
{
	char gen[PATH_MAX], self[PATH_MAX];
	snprintf(self, sizeof self, "%s", testenv_get("RC_BIN"));
	snprintf(gen, sizeof gen, "%s/rc-gen", dirname(self));
	char *md = xasprintf("%s/md", dir), *truth = xasprintf("%s/truth.tsv", dir);
	char *snip = xasprintf("%s/customers.conf", dir);
	const char *argv[] = {gen, "--seed", "7", "--customers", "5", "--weeks", "8", "--start",
			      GEN_START, "--maildir", md, "--truth", truth, "--config-snippet", snip,
			      NULL};
	struct testrun_result r;
	int ok = testrun(argv, NULL, &r) == 0 && r.status == 0;
	if (!ok)
		fprintf(stderr, "rc-gen: %s\n", r.err);
	testrun_free(&r);
	free(md);
	free(truth);
	free(snip);
	return ok ? 0 : -1;
}

static int suite_init(void)
{
	char *snippet, *path, *pw, *md, *sent, *later_in, *later_sent;

	dir = testdir_new("report");
	if (testpg_create_db("report", &conninfo) < 0 || generate() < 0)
		return 1;
	pw = xasprintf("%s\n", testenv_get("RC_TEST_SMTP_PASSWORD"));
	free(testfile_write(dir, "smtp.pw", pw, 0600));
	free(pw);
	path = xasprintf("%s/customers.conf", dir);
	snippet = testfile_read(path, NULL);
	free(path);
	conf = write_conf("rc.conf", snippet, true);
	conf_noca = write_conf("rc-noca.conf", snippet, false);
	free(snippet);
	db = testpg_connect(conninfo);
	testpg_exec(db, "SET TimeZone = 'Europe/Oslo'");

	md = xasprintf("%s/md", dir);
	sent = xasprintf("%s/md/.Sent", dir);
	later_in = xasprintf("%s/later-in", dir);
	later_sent = xasprintf("%s/later-sent", dir);
	split(md, later_in, CUT_EPOCH);
	split(sent, later_sent, CUT_EPOCH);
	int bad = rc_cmd("db", "migrate", NULL, NULL) || import("inbound", md) ||
		  import("sent", sent) || rc_cmd("recompute", NULL, NULL, NULL);
	free(md);
	free(sent);
	free(later_in);
	free(later_sent);
	return bad;
}

/* The mail a later poll would bring; every test but the --as-of one runs
 * on the whole traffic. */
static void second_import(void)
{
	if (second_import_done)
		return;
	char *in = xasprintf("%s/later-in", dir), *sent = xasprintf("%s/later-sent", dir);
	CU_ASSERT_EQUAL_FATAL(import("inbound", in), 0);
	CU_ASSERT_EQUAL_FATAL(import("sent", sent), 0);
	CU_ASSERT_EQUAL_FATAL(rc_cmd("recompute", NULL, NULL, NULL), 0);
	second_import_done = true;
	free(in);
	free(sent);
}

static int suite_clean(void)
{
	if (db)
		PQfinish(db);
	testpg_drop_db(&conninfo);
	free(conf);
	free(conf_noca);
	free(asof_first_json);
	free(dir);
	return 0;
}

/* ---- the figures ---------------------------------------------------------- */

static char *latest_run(void)
{
	return q("SELECT max(id)::text FROM replyclock.report_runs");
}

/* The stored rows of a run with requests, one line per customer. */
static char *stored_rows(const char *run)
{
	return q1("SELECT string_agg(concat_ws('|', customer, requests, met, breached, overdue, pending,"
		  " coalesce(compliance_pct::text, 'null'), coalesce(target_met::text, 'null'),"
		  " coalesce(median_business_seconds::text, '-'), coalesce(p90_business_seconds::text, '-'),"
		  " coalesce(max_business_seconds::text, '-')), E'\\n' ORDER BY customer)"
		  " FROM replyclock.report_customers WHERE run_id = $1 AND requests > 0", run);
}

/* The same figures computed here from the audit view, for a period long
 * over (status judged at now() equals status judged at the run's as-of). */
static char *expected_rows(const char *start, const char *end)
{
	const char *p[] = {start, end};
	return testpg_value(db,
		"SELECT string_agg(concat_ws('|', customer, n, met, breached, overdue, pending,"
		" coalesce(pct::text, 'null'), coalesce((pct >= 95)::text, 'null'),"
		" coalesce(med::text, '-'), coalesce(p90::text, '-'), coalesce(mx::text, '-')),"
		" E'\\n' ORDER BY customer) FROM ("
		"  SELECT customer, count(*) n,"
		"   count(*) FILTER (WHERE status = 'met') met,"
		"   count(*) FILTER (WHERE status = 'breached') breached,"
		"   count(*) FILTER (WHERE status = 'overdue') overdue,"
		"   count(*) FILTER (WHERE status = 'pending') pending,"
		"   round(100.0 * count(*) FILTER (WHERE status = 'met')"
		"     / nullif(count(*) FILTER (WHERE status <> 'pending'), 0), 2) pct,"
		"   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY business_seconds)::numeric, 1) med,"
		"   round(percentile_cont(0.9) WITHIN GROUP (ORDER BY business_seconds)::numeric, 1) p90,"
		"   max(business_seconds) mx"
		"  FROM replyclock.sla_requests WHERE due_at >= $1 AND due_at < $2 GROUP BY customer) x",
		2, p);
}

static void check_period(const char *spec, const char *start, const char *end)
{
	struct testrun_result r;
	char *run, *got, *want, *s;

	second_import();
	CU_ASSERT_EQUAL_FATAL(rc(&r, "--period", spec, "--format", "json", NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"customers\": ["));
	testrun_free(&r);
	run = latest_run();
	s = q1("SELECT period_label || ' ' || period_start || ' ' || period_end"
	       " FROM replyclock.report_runs WHERE id = $1", run);
	char *expect_period = xasprintf("%s %s %s", spec, start, end);
	EXPECT_STR(s, expect_period);
	free(expect_period);
	free(s);
	got = stored_rows(run);
	want = expected_rows(start, end);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	EXPECT_STR(got, want);
	if (strcmp(got, want))
		fprintf(stderr, "\nstored:\n%s\nexpected:\n%s\n", got, want);
	/* a customer without requests still has its row: zeros, no compliance */
	s = q1("SELECT concat_ws('|', requests, met, breached, overdue, pending,"
	       " coalesce(compliance_pct::text, 'null'), coalesce(target_met::text, 'null'), answered)"
	       " FROM replyclock.report_customers WHERE run_id = $1 AND customer = 'quiet'", run);
	EXPECT_STR(s, "0|0|0|0|0|null|null|0");
	free(s);
	/* every listed missed request is one the audit view calls late */
	s = q1("SELECT count(*)::text FROM replyclock.report_requests l"
	       " JOIN replyclock.sla_requests s USING (opened_message_id)"
	       " WHERE l.run_id = $1 AND l.listed = 'missed' AND s.status NOT IN ('breached', 'overdue')",
	       run);
	EXPECT_STR(s, "0");
	free(s);
	free(got);
	free(want);
	free(run);
}

static void report__week_matches_sla_requests(void)
{
	check_period("2026-W10", "2026-03-02 00:00:00+01", "2026-03-09 00:00:00+01");
}

static void report__dst_week(void)
{
	/* 2026-03-29 02:00 CET -> 03:00 CEST: the week is 167 hours long */
	check_period("2026-W13", "2026-03-23 00:00:00+01", "2026-03-30 00:00:00+02");
	char *h = q("SELECT extract(epoch FROM period_end - period_start)::bigint::text"
		    " FROM replyclock.report_runs ORDER BY id DESC LIMIT 1");
	EXPECT_STR(h, "601200");
	free(h);
}

static void report__month(void)
{
	check_period("2026-03", "2026-03-01 00:00:00+01", "2026-04-01 00:00:00+02");
}

static void report__explicit_range(void)
{
	check_period("2026-02-16..2026-02-25", "2026-02-16 00:00:00+01", "2026-02-26 00:00:00+01");
}

/* Late requests: their lateness is business time on the calendar, from
 * due_at to the reply; checked against the calendar module here. */
static void report__missed_lateness_from_calendar(void)
{
	struct testrun_result r;
	char *err = NULL, *run;
	struct config *cfg;
	struct calendar *cal;

	second_import();
	CU_ASSERT_EQUAL_FATAL(rc(&r, "--period", "2026-03", NULL, NULL, NULL, NULL), 0);
	testrun_free(&r);
	cfg = config_load(conf, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	cal = calendar_build(config_calendar(cfg, "oslo"), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cal);
	run = latest_run();
	PGresult *res = PQexecParams(db,
		"SELECT extract(epoch FROM due_at)::bigint, extract(epoch FROM coalesce(replied_at, r.as_of))::bigint,"
		" late_business_seconds FROM replyclock.report_requests l"
		" JOIN replyclock.report_runs r ON r.id = l.run_id"
		" WHERE run_id = $1 AND listed = 'missed'", 1, NULL, (const char *const[]){run}, NULL,
		NULL, 0);
	CU_ASSERT_EQUAL_FATAL(PQresultStatus(res), PGRES_TUPLES_OK);
	CU_ASSERT(PQntuples(res) > 0);
	for (int i = 0; i < PQntuples(res); i++) {
		time_t a = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		time_t b = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		CU_ASSERT_EQUAL(calendar_business_seconds(cal, a, b),
				strtoll(PQgetvalue(res, i, 2), NULL, 10));
	}
	PQclear(res);
	free(run);
	calendar_free(&cal);
	config_free(&cfg);
}

/* Requests written straight into the derived table (a recompute would
 * remove them; none runs after this): 19 met + 1 breached = 95.00 % for
 * "exact" (target 95 %: met), 18 + 2 = 90 % for "below" (remedy shown), and
 * three that are all pending at the as-of instant for "waiting". */
static void insert_fixture_requests(void)
{
	static bool done;
	if (done)
		return;
	testpg_exec(db,
		"INSERT INTO replyclock.requests (opened_message_id, conversation_id, customer,"
		" customer_name, mailbox, kind, subject, opened_at, replied_message_id, replied_at,"
		" business_seconds, target_seconds, due_at, due_week, policy, calendar, calendar_digest)"
		" SELECT c || i || '@fixture', c || i || '@fixture', c, initcap(c) || ' AS', 'fixture',"
		"  'first_response', CASE WHEN c = 'below' AND i = 20"
		"   THEN E'Tab\\there,\\nnew line \\\\ back\\r \u00e6\u00f8\u00e5' ELSE 'Fixture ' || c || ' ' || i END,"
		"  timestamptz '2025-03-04 09:00+01' + i * interval '1 minute',"
		"  CASE WHEN c <> 'waiting' THEN 'r' || c || i || '@example.com' END,"
		"  CASE WHEN c = 'waiting' THEN NULL"
		"       WHEN i <= lim THEN timestamptz '2025-03-04 10:00+01' + i * interval '1 minute'"
		"       ELSE timestamptz '2025-03-04 15:00+01' + i * interval '1 minute' END,"
		"  CASE WHEN c = 'waiting' THEN NULL WHEN i <= lim THEN 3600 ELSE 6 * 3600 END,"
		"  14400, timestamptz '2025-03-04 13:00+01' + i * interval '1 minute', date '2025-03-03',"
		"  'standard', 'oslo', 'fixture'"
		" FROM (VALUES ('exact', 20, 19), ('below', 20, 18), ('waiting', 3, 0)) v(c, n, lim),"
		"  generate_series(1, n) i");
	done = true;
}

static void report__compliance_at_target(void)
{
	struct testrun_result r;
	char *run, *s;

	second_import();
	insert_fixture_requests();
	CU_ASSERT_EQUAL_FATAL(rc(&r, "--period", "2025-W10", NULL, NULL, NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "Target 95 % missed by Below AS: one month free of charge"));
	CU_ASSERT_PTR_NULL(strstr(r.out, "missed by Exact AS"));
	testrun_free(&r);
	run = latest_run();
	s = q1("SELECT string_agg(concat_ws('|', customer, requests, met, breached, compliance_pct,"
	       " target_met, coalesce(remedy, '-'), median_business_seconds, max_business_seconds),"
	       " ';' ORDER BY customer) FROM replyclock.report_customers"
	       " WHERE run_id = $1 AND customer IN ('exact', 'below')", run);
	EXPECT_STR(s, "below|20|18|2|90.00|f|one month free of charge|3600.0|21600;"
				  "exact|20|19|1|95.00|t|-|3600.0|21600");
	free(s);
	/* the breached requests, worst first: 6 h answered vs 4 h due = 2 h late */
	s = q1("SELECT string_agg(position || ':' || late_business_seconds || ':' || status, ',' ORDER BY position)"
	       " FROM replyclock.report_requests WHERE run_id = $1 AND customer = 'below'", run);
	EXPECT_STR(s, "1:7200:breached,2:7200:breached");
	free(s);
	/* subjects with tabs, line breaks and backslashes are stored as written */
	s = q1("SELECT count(*)::text FROM replyclock.report_requests l"
	       " JOIN replyclock.requests r USING (opened_message_id)"
	       " WHERE l.run_id = $1 AND l.customer = 'below' AND l.subject = r.subject"
	       "   AND ((strpos(l.subject, chr(9)) > 0 AND strpos(l.subject, chr(10)) > 0"
	       "         AND strpos(l.subject, chr(13)) > 0 AND strpos(l.subject, chr(92)) > 0)"
	       "        OR l.subject = 'Fixture below 19')", run);
	EXPECT_STR(s, "2");
	free(s);
	free(run);
}

static void report__all_pending(void)
{
	struct testrun_result r;
	char *run, *s;

	second_import();
	insert_fixture_requests();
	/* as of 12:00 the three requests (due 13:01..13:03) are open and not due */
	CU_ASSERT_EQUAL_FATAL(rc(&r, "--period", "2025-W10", "--as-of", "2025-03-04T12:00",
				 "--customer", "waiting"), 0);
	testrun_free(&r);
	run = latest_run();
	s = q1("SELECT concat_ws('|', count(*), sum(requests), sum(pending),"
	       " coalesce(max(compliance_pct)::text, 'null'), coalesce(bool_or(target_met)::text, 'null'))"
	       " FROM replyclock.report_customers WHERE run_id = $1", run);
	EXPECT_STR(s, "1|3|3|null|null");
	free(s);
	free(run);
	/* judged an hour later, all three are overdue: 0 % */
	CU_ASSERT_EQUAL_FATAL(rc(&r, "--period", "2025-W10", "--as-of", "2025-03-04T14:00",
				 "--customer", "waiting"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "still open"));
	testrun_free(&r);
	run = latest_run();
	s = q1("SELECT concat_ws('|', overdue, compliance_pct, target_met) FROM replyclock.report_customers"
	       " WHERE run_id = $1", run);
	EXPECT_STR(s, "3|0.00|f");
	free(s);
	free(run);
}

/* The JSON of a run without the keys that differ between runs. */
static char *strip_run_keys(const char *json)
{
	char *s = xstrdup(json), *p;
	if ((p = strstr(s, "\"generated_at\"")) && (p = strchr(p, ',')))
		memmove(strstr(s, "\"generated_at\""), p + 2, strlen(p + 2) + 1);
	if ((p = strstr(s, "\"run_id\"")) && (p = strchr(p, ',')))
		memmove(strstr(s, "\"run_id\""), p + 2, strlen(p + 2) + 1);
	return s;
}

static char *run_rows(const char *run)
{
	return q1("SELECT (SELECT string_agg(c::text, E'\\n' ORDER BY customer) FROM (SELECT customer,"
		  "  requests, met, breached, overdue, pending, compliance_pct, target_met, remedy,"
		  "  median_business_seconds, p90_business_seconds, max_business_seconds"
		  "  FROM replyclock.report_customers WHERE run_id = $1::bigint) c) || E'\\n--\\n' ||"
		  " coalesce((SELECT string_agg(l::text, E'\\n' ORDER BY customer, listed, position) FROM"
		  "  (SELECT customer, listed, position, opened_message_id, subject, opened_at, due_at,"
		  "   replied_at, status, late_business_seconds FROM replyclock.report_requests"
		  "   WHERE run_id = $1::bigint) l), '')", run);
}

static void report__as_of_reproduces_earlier_run(void)
{
	struct testrun_result r;
	char *run1, *run2, *rows1, *rows2, *j1, *j2;

	CU_ASSERT_FATAL(!second_import_done);
	CU_ASSERT_EQUAL_FATAL(rc(&r, "--period", "2026-W10", "--as-of", CUT, "--format", "json"), 0);
	j1 = strip_run_keys(r.out);
	testrun_free(&r);
	run1 = latest_run();
	second_import();
	/* the later mail changes the figures judged now ... */
	CU_ASSERT_EQUAL_FATAL(rc(&r, "--period", "2026-W10", "--format", "json", NULL, NULL), 0);
	testrun_free(&r);
	char *now_run = latest_run();
	/* ... but not those judged as of CUT */
	CU_ASSERT_EQUAL_FATAL(rc(&r, "--period", "2026-W10", "--as-of", CUT, "--format", "json"), 0);
	j2 = strip_run_keys(r.out);
	testrun_free(&r);
	run2 = latest_run();
	CU_ASSERT_STRING_NOT_EQUAL(run1, run2);
	rows1 = run_rows(run1);
	rows2 = run_rows(run2);
	EXPECT_STR(rows1, rows2);
	EXPECT_STR(j1, j2);
	char *rows_now = run_rows(now_run);
	CU_ASSERT_STRING_NOT_EQUAL(rows1, rows_now);
	/* as of CUT some requests of the week were still pending */
	char *p = q1("SELECT sum(pending)::text FROM replyclock.report_customers WHERE run_id = $1", run1);
	CU_ASSERT(atoi(p) > 0);
	free(p);
	free(rows_now);
	free(now_run);
	free(rows1);
	free(rows2);
	free(run1);
	free(run2);
	free(j1);
	free(j2);
}

static void report__customer_filter_and_errors(void)
{
	struct testrun_result r;
	char *run, *s;

	second_import();
	CU_ASSERT_EQUAL(rc(&r, "--period", "2026-W10", "--customer", "quiet", "--format", "csv"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\r\n2026-W10,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, ",quiet,Quiet Ltd,standard,0,0,0,0,0,,95.00,"));
	testrun_free(&r);
	run = latest_run();
	s = q1("SELECT count(*) || '|' || min(customer) FROM replyclock.report_customers WHERE run_id = $1",
	       run);
	EXPECT_STR(s, "1|quiet");
	free(s);
	free(run);
	CU_ASSERT_EQUAL(rc(&r, "--customer", "nobody", NULL, NULL, NULL, NULL), 64);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "nobody"));
	testrun_free(&r);
	CU_ASSERT_EQUAL(rc(&r, "--period", "2026-W99", NULL, NULL, NULL, NULL), 64);
	testrun_free(&r);
	CU_ASSERT_EQUAL(rc(&r, "--as-of", "2099-01-01T00:00", NULL, NULL, NULL, NULL), 64);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "future"));
	testrun_free(&r);
	/* stored runs are never changed */
	PGresult *res = PQexec(db, "UPDATE replyclock.report_customers SET met = met + 1");
	CU_ASSERT_EQUAL(PQresultStatus(res), PGRES_FATAL_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(PQresultErrorMessage(res), "append-only"));
	PQclear(res);
}

/* ---- mail ------------------------------------------------------------------ */

static const char *const all_names[] = {"Quiet Ltd", "Exact AS", "Below AS", "Waiting AS", NULL};

/* The decoded body of a single part. */
static char *part_text(struct mailmime *p)
{
	struct mailmime_data *d = p->mm_data.mm_single;
	size_t idx = 0, len = 0;
	char *out = NULL, *copy;

	if (mailmime_part_parse(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length, &idx,
				d->dt_encoding, &out, &len) != MAILIMF_NO_ERROR)
		return NULL;
	copy = xstrndup(out, len);
	mailmime_decoded_part_free(out);
	return copy;
}

struct parsed {
	char *raw, *text, *html, *subject;
};

static void parsed_free(struct parsed *m)
{
	free(m->raw);
	free(m->text);
	free(m->html);
	free(m->subject);
}

/* Reads the mail with this Message-ID from the sink and checks its shape:
 * headers, multipart/alternative with text/plain then text/html. */
static int read_mail(const char *message_id, struct parsed *m)
{
	size_t len = 0, idx = 0;
	struct mailmime *mime = NULL;

	memset(m, 0, sizeof *m);
	m->raw = testsink_wait(message_id, 10000, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->raw);
	CU_ASSERT_EQUAL_FATAL(mailmime_parse(m->raw, len, &idx, &mime), MAILIMF_NO_ERROR);
	CU_ASSERT_EQUAL_FATAL(mime->mm_type, MAILMIME_MESSAGE);
	struct mailimf_fields *f = mime->mm_data.mm_message.mm_fields;
	int seen = 0;
	for (clistiter *it = clist_begin(f->fld_list); it; it = clist_next(it)) {
		struct mailimf_field *fld = clist_content(it);
		switch (fld->fld_type) {
		case MAILIMF_FIELD_ORIG_DATE: seen |= 1; break;
		case MAILIMF_FIELD_FROM: seen |= 2; break;
		case MAILIMF_FIELD_TO: seen |= 4; break;
		case MAILIMF_FIELD_MESSAGE_ID:
			seen |= 8;
			EXPECT_STR(fld->fld_data.fld_message_id->mid_value, message_id);
			break;
		case MAILIMF_FIELD_SUBJECT: {
			size_t i = 0;
			char *dec = NULL;
			seen |= 16;
			if (mailmime_encoded_phrase_parse("us-ascii", fld->fld_data.fld_subject->sbj_value,
							  strlen(fld->fld_data.fld_subject->sbj_value), &i,
							  "utf-8", &dec) == MAILIMF_NO_ERROR) {
				m->subject = xstrdup(dec);
				free(dec);
			}
			break;
		}
		default: break;
		}
	}
	CU_ASSERT_EQUAL(seen, 31);
	CU_ASSERT_PTR_NOT_NULL(strstr(m->raw, "Auto-Submitted: auto-generated\r\n"));
	struct mailmime *alt = mime->mm_data.mm_message.mm_msg_mime;
	CU_ASSERT_FATAL(alt && alt->mm_type == MAILMIME_MULTIPLE);
	CU_ASSERT_STRING_EQUAL(alt->mm_content_type->ct_subtype, "alternative");
	CU_ASSERT_EQUAL_FATAL(clist_count(alt->mm_data.mm_multipart.mm_mp_list), 2);
	struct mailmime *p1 = clist_content(clist_begin(alt->mm_data.mm_multipart.mm_mp_list));
	struct mailmime *p2 = clist_content(clist_next(clist_begin(alt->mm_data.mm_multipart.mm_mp_list)));
	EXPECT_STR(p1->mm_content_type->ct_subtype, "plain");
	EXPECT_STR(p2->mm_content_type->ct_subtype, "html");
	m->text = part_text(p1);
	m->html = part_text(p2);
	CU_ASSERT_PTR_NOT_NULL(m->text);
	CU_ASSERT_PTR_NOT_NULL(m->html);
	mailmime_free(mime);
	return 0;
}

static char *delivered_id(const char *run, const char *audience)
{
	const char *p[] = {run, audience};
	return testpg_value(db, "SELECT min(message_id) FROM replyclock.report_deliveries"
				"  WHERE run_id = $1 AND delivered AND coalesce(customer, audience) = $2",
			    2, p);
}

static void report__mail_team_and_customer(void)
{
	struct testrun_result r;
	struct parsed team, own;
	char *run, *id, *s;

	second_import();
	insert_fixture_requests();
	int before = testsink_count();
	CU_ASSERT_EQUAL_FATAL(rc(&r, "--period", "2025-W10", "--mail", NULL, NULL, NULL), 0);
	testrun_free(&r);
	CU_ASSERT_EQUAL(testsink_count(), before + 2);
	run = latest_run();
	s = q1("SELECT string_agg(audience || ':' || coalesce(customer, '') || ':' || recipient, ','"
	       " ORDER BY id) FROM replyclock.report_deliveries WHERE run_id = $1 AND delivered", run);
	EXPECT_STR(s, "team::leads@example.com,team::boss@example.com,"
				  "customer:exact:kari@exact.example");
	free(s);

	id = delivered_id(run, "team");
	CU_ASSERT_PTR_NOT_NULL_FATAL(id);
	read_mail(id, &team);
	CU_ASSERT_PTR_NOT_NULL(strstr(team.raw, "To: leads@example.com, boss@example.com\r\n"));
	CU_ASSERT_PTR_NOT_NULL(team.subject && strstr(team.subject, "SLA report 2025-W10"));
	/* the numbers of the stored rows, as the text part shows them */
	char line[128];
	snprintf(line, sizeof line, "%-20s %8d %4d %8d %7d %7d %10s %7s", "Exact AS", 20, 19, 1, 0,
		 0, "95 %", "95 %");
	CU_ASSERT_PTR_NOT_NULL(strstr(team.text, line));
	if (!strstr(team.text, line))
		fprintf(stderr, "\n---\n%s---\n", team.text);
	snprintf(line, sizeof line, "%-20s %8d %4d %8d %7d %7d %10s %7s", "Below AS", 20, 18, 2, 0,
		 0, "90 %", "95 %");
	CU_ASSERT_PTR_NOT_NULL(strstr(team.text, line));
	CU_ASSERT_PTR_NOT_NULL(strstr(team.text, "Target 95 % missed by Below AS: one month free of charge"));
	CU_ASSERT_PTR_NOT_NULL(strstr(team.html, "Exact AS"));
	CU_ASSERT_PTR_NOT_NULL(strstr(team.html, "Below AS"));
	free(id);

	id = delivered_id(run, "exact");
	CU_ASSERT_PTR_NOT_NULL_FATAL(id);
	read_mail(id, &own);
	CU_ASSERT_PTR_NOT_NULL(strstr(own.raw, "To: kari@exact.example\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(own.text, "Exact AS"));
	CU_ASSERT_PTR_NOT_NULL(strstr(own.text, "95 %"));
	for (const char *const *n = all_names; *n; n++) {
		if (!strcmp(*n, "Exact AS"))
			continue;
		CU_ASSERT_PTR_NULL(strstr(own.raw, *n));
		CU_ASSERT_PTR_NULL(strstr(own.text, *n));
		CU_ASSERT_PTR_NULL(strstr(own.html, *n));
	}
	CU_ASSERT_PTR_NULL(strstr(own.text, "Fixture below"));
	CU_ASSERT_PTR_NULL(strstr(own.raw, "leads@example.com"));
	free(id);
	parsed_free(&team);
	parsed_free(&own);

	/* run again: nobody gets it twice */
	before = testsink_count();
	CU_ASSERT_EQUAL(rc(&r, "--period", "2025-W10", "--mail", NULL, NULL, NULL), 0);
	testrun_free(&r);
	free(run);
	run = latest_run();
	s = q1("SELECT count(*)::text FROM replyclock.report_deliveries WHERE run_id = $1", run);
	EXPECT_STR(s, "0");
	free(s);
	CU_ASSERT_EQUAL(testsink_count(), before);
	/* --force sends again */
	CU_ASSERT_EQUAL(rc(&r, "--period", "2025-W10", "--mail", "--force", NULL, NULL), 0);
	testrun_free(&r);
	CU_ASSERT_EQUAL(testsink_count(), before + 2);
	free(run);
}

static int harness(const char *what)
{
	char *cmd = xasprintf("'%s' %s smtp >/dev/null", testenv_get("RC_TEST_HARNESS"), what);
	int st = system(cmd);
	free(cmd);
	return st;
}

static void report__smtp_down_then_delivered(void)
{
	struct testrun_result r;
	char *run1, *run2, *s;

	second_import();
	int before = testsink_count();
	CU_ASSERT_EQUAL_FATAL(harness("stop"), 0);
	int st = rc(&r, "--period", "2026-W09", "--mail", NULL, NULL, NULL);
	CU_ASSERT_EQUAL(harness("start"), 0);
	CU_ASSERT_EQUAL(st, 69);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "SMTP server 127.0.0.1:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "SLA report 2026-W09"));
	testrun_free(&r);
	run1 = latest_run();
	s = q1("SELECT string_agg(recipient || ':' || delivered || ':' || (error IS NOT NULL), ','"
	       " ORDER BY id) FROM replyclock.report_deliveries WHERE run_id = $1", run1);
	EXPECT_STR(s, "leads@example.com:false:true,boss@example.com:false:true,"
				  "kari@exact.example:false:true");
	free(s);
	/* the run itself is stored with its figures */
	s = q1("SELECT count(*)::text FROM replyclock.report_customers WHERE run_id = $1", run1);
	CU_ASSERT(atoi(s) >= 5);
	free(s);
	CU_ASSERT_EQUAL(testsink_count(), before);

	CU_ASSERT_EQUAL(rc(&r, "--period", "2026-W09", "--mail", NULL, NULL, NULL), 0);
	testrun_free(&r);
	run2 = latest_run();
	s = q1("SELECT string_agg(recipient || ':' || delivered, ',' ORDER BY id)"
	       " FROM replyclock.report_deliveries WHERE run_id = $1", run2);
	EXPECT_STR(s, "leads@example.com:true,boss@example.com:true,kari@exact.example:true");
	free(s);
	CU_ASSERT_EQUAL(testsink_count(), before + 2);
	/* the failed attempt stays on record beside the delivery */
	s = q("SELECT count(*)::text FROM replyclock.report_deliveries d JOIN replyclock.report_runs r"
	      " ON r.id = d.run_id WHERE r.period_label = '2026-W09' AND NOT d.delivered");
	EXPECT_STR(s, "3");
	free(s);
	free(run1);
	free(run2);
}

static void report__untrusted_ca_refused(void)
{
	struct testrun_result r;
	char *run, *s;
	int before = testsink_count();

	second_import();
	int e = testrun_rc(&r, NULL, "-q", "-c", conf_noca, "report", "--period", "2026-W08", "--mail",
			   (char *)NULL);
	CU_ASSERT_EQUAL_FATAL(e, 0);
	CU_ASSERT_EQUAL(r.status, 78);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "not trusted"));
	testrun_free(&r);
	CU_ASSERT_EQUAL(testsink_count(), before);
	run = latest_run();
	s = q1("SELECT bool_or(delivered)::text || ':' || count(*) || ':' ||"
	       " bool_and(error LIKE '%not trusted%')::text FROM replyclock.report_deliveries"
	       " WHERE run_id = $1", run);
	EXPECT_STR(s, "false:3:true");
	free(s);
	/* the customer's own summary was not attempted after that */
	s = q1("SELECT count(*)::text FROM replyclock.report_deliveries WHERE run_id = $1"
	       " AND error LIKE 'not attempted: %'", run);
	EXPECT_STR(s, "1");
	free(s);
	free(run);
}

static const struct testcase tests[] = {
	TESTCASE(report__as_of_reproduces_earlier_run),
	TESTCASE(report__week_matches_sla_requests),
	TESTCASE(report__dst_week),
	TESTCASE(report__month),
	TESTCASE(report__explicit_range),
	TESTCASE(report__missed_lateness_from_calendar),
	TESTCASE(report__compliance_at_target),
	TESTCASE(report__all_pending),
	TESTCASE(report__customer_filter_and_errors),
	TESTCASE(report__mail_team_and_customer),
	TESTCASE(report__smtp_down_then_delivered),
	TESTCASE(report__untrusted_ca_refused),
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return testmain(argc, argv, "report", suite_init, suite_clean, tests);
}
