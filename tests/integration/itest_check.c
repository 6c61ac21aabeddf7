/* `replyclock check` end to end against the harness servers: every check
 * passes on a good setup; a behind schema, a wrong IMAP password, a stopped
 * PostgreSQL, a bad .ics file and a bad config each fail with a clear line. */
#include "tests/lib/testlib.h"
#include "tracker/util.h"

#include <stdlib.h>
#include <string.h>

static char *dir;
static char *conninfo;

/* Writes a config for the harness servers; `imap_pw_file` and `ics` may
 * override the defaults. Returns the malloc'd path. */
static char *write_config(const char *name, const char *imap_pw_file, const char *ics)
{
	/* tests run from the top of the tree */
	char *holidays = ics ? xstrdup(ics) : realpath("contrib/holidays/norway.ics", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(holidays);
	/* replyclock refuses secret files others may read: own 0600 copies */
	char *pw_line = xasprintf("%s\n", testenv_get("RC_TEST_IMAP_PASSWORD"));
	char *imap_pw = testfile_write(dir, "imap.password", pw_line, 0600);
	free(pw_line);
	pw_line = xasprintf("%s\n", testenv_get("RC_TEST_SMTP_PASSWORD"));
	char *smtp_pw = testfile_write(dir, "smtp.password", pw_line, 0600);
	free(pw_line);
	char *text = xasprintf(
		"[database]\nconninfo = \"%s\"\n\n"
		"[mailbox support]\nhost = 127.0.0.1\nport = %s\nsecurity = tls\nca_file = %s\n"
		"username = %s\npassword_file = %s\n\n"
		"[team]\naddresses = @example.org\n\n"
		"[calendar oslo]\ntimezone = Europe/Oslo\nhours = mon-fri 08:00-16:00\nholidays = %s\n\n"
		"[policy standard]\ncalendar = oslo\nfirst_response = 4h\ntarget = 95%%\n\n"
		"[customer acme]\nmatch = @acme.no\n\n"
		"[defaults]\npolicy = standard\n\n"
		"[report]\ntimezone = Europe/Oslo\nsmtp_url = smtp://127.0.0.1:%s\nsmtp_security = starttls\n"
		"smtp_ca_file = %s\nsmtp_username = %s\nsmtp_password_file = %s\n"
		"from = SLA <sla@example.org>\nto = leads@example.org\n",
		conninfo, testenv_get("RC_TEST_IMAPS_PORT"), testenv_get("RC_TEST_CA_FILE"),
		testenv_get("RC_TEST_IMAP_USER"), imap_pw_file ? imap_pw_file : imap_pw,
		holidays, testenv_get("RC_TEST_SMTP_PORT"), testenv_get("RC_TEST_CA_FILE"),
		testenv_get("RC_TEST_SMTP_USER"), smtp_pw);
	char *path = testfile_write(dir, name, text, 0600);
	free(text);
	free(holidays);
	free(imap_pw);
	free(smtp_pw);
	return path;
}

static int run_check(const char *conf, struct testrun_result *res)
{
	return testrun_rc(res, NULL, "-c", conf, "check", NULL);
}

static int init(void)
{
	dir = testdir_new("check");
	return testpg_create_db("check", &conninfo);
}

static int cleanup(void)
{
	testpg_drop_db(&conninfo);
	free(dir);
	return 0;
}

static void check__behind_schema_then_all_ok(void)
{
	char *conf = write_config("good.conf", NULL, NULL);
	struct testrun_result r;
	CU_ASSERT_EQUAL_FATAL(run_check(conf, &r), 0);
	CU_ASSERT_EQUAL(r.status, 78);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "FAIL database"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "replyclock db migrate"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "ok   imap support"));
	testrun_free(&r);

	CU_ASSERT_EQUAL_FATAL(testrun_rc(&r, NULL, "-c", conf, "db", "migrate", NULL), 0);
	CU_ASSERT_EQUAL(r.status, 0);
	testrun_free(&r);

	CU_ASSERT_EQUAL_FATAL(run_check(conf, &r), 0);
	CU_ASSERT_EQUAL(r.status, 0);
	const char *want[] = { "ok   config", "ok   calendar oslo", "ok   database",
			       "ok   imap support", "ok   smtp" };
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		CU_ASSERT_PTR_NOT_NULL(strstr(r.out, want[i]));
	CU_ASSERT_PTR_NULL(strstr(r.out, "FAIL"));
	CU_ASSERT_PTR_NULL(strstr(r.out, testenv_get("RC_TEST_IMAP_PASSWORD")));
	testrun_free(&r);
	free(conf);
}

static void check__wrong_imap_password(void)
{
	char *pw = testfile_write(dir, "wrong.password", "not-the-password\n", 0600);
	char *conf = write_config("wrongpw.conf", pw, NULL);
	struct testrun_result r;
	CU_ASSERT_EQUAL_FATAL(run_check(conf, &r), 0);
	CU_ASSERT_EQUAL(r.status, 69);
	const char *line = strstr(r.out, "FAIL imap support");
	CU_ASSERT_PTR_NOT_NULL(line);
	/* the line names the server and carries its answer, never the password */
	if (line) {
		char *eol = strchr(line, '\n');
		char *l = xstrndup(line, eol ? (size_t)(eol - line) : strlen(line));
		CU_ASSERT_PTR_NOT_NULL(strstr(l, "127.0.0.1"));
		CU_ASSERT_PTR_NOT_NULL(strcasestr(l, "auth"));
		free(l);
	}
	CU_ASSERT_PTR_NULL(strstr(r.out, "not-the-password"));
	CU_ASSERT_PTR_NULL(strstr(r.err, "not-the-password"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "ok   database"));
	testrun_free(&r);
	free(conf);
	free(pw);
}

static void check__stopped_postgresql(void)
{
	char *conf = write_config("good2.conf", NULL, NULL);
	struct testrun_result r;
	const char *stop[] = { testenv_get("RC_TEST_HARNESS"), "stop", "pg", NULL };
	const char *start[] = { testenv_get("RC_TEST_HARNESS"), "start", "pg", NULL };
	CU_ASSERT_EQUAL_FATAL(testrun(stop, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, 0);
	testrun_free(&r);

	CU_ASSERT_EQUAL(run_check(conf, &r), 0);
	CU_ASSERT_EQUAL(r.status, 69);
	const char *line = strstr(r.out, "FAIL database");
	CU_ASSERT_PTR_NOT_NULL(line);
	if (line)
		CU_ASSERT_PTR_NOT_NULL(strstr(line, "127.0.0.1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "ok   imap support"));
	testrun_free(&r);

	CU_ASSERT_EQUAL_FATAL(testrun(start, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, 0);
	testrun_free(&r);
	CU_ASSERT_EQUAL(run_check(conf, &r), 0);
	CU_ASSERT_EQUAL(r.status, 0);
	testrun_free(&r);
	free(conf);
}

static void check__bad_ics_names_file_and_line(void)
{
	char *ics = testfile_write(dir, "broken.ics",
				   "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:2026051\n"
				   "SUMMARY:Broken\nEND:VEVENT\nEND:VCALENDAR\n", 0644);
	char *conf = write_config("badics.conf", NULL, ics);
	struct testrun_result r;
	CU_ASSERT_EQUAL_FATAL(run_check(conf, &r), 0);
	CU_ASSERT_EQUAL(r.status, 78);
	const char *line = strstr(r.out, "FAIL calendar oslo");
	CU_ASSERT_PTR_NOT_NULL(line);
	if (line)
		CU_ASSERT_PTR_NOT_NULL(strstr(line, "broken.ics:"));
	testrun_free(&r);
	free(conf);
	free(ics);
}

static void check__bad_config_names_line(void)
{
	char *conf = testfile_write(dir, "bad.conf", "[database]\nconninfo = x\n[mailbox m]\nhots = a\n", 0600);
	struct testrun_result r;
	CU_ASSERT_EQUAL_FATAL(run_check(conf, &r), 0);
	CU_ASSERT_EQUAL(r.status, 78);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "FAIL config"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "bad.conf:4:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "did you mean 'host'"));
	testrun_free(&r);
	free(conf);
}

int main(int argc, char **argv)
{
	static const struct testcase tests[] = {
		TESTCASE(check__behind_schema_then_all_ok),
		TESTCASE(check__wrong_imap_password),
		TESTCASE(check__stopped_postgresql),
		TESTCASE(check__bad_ics_names_file_and_line),
		TESTCASE(check__bad_config_names_line),
		{ NULL, NULL },
	};
	return testmain(argc, argv, "check", init, cleanup, tests);
}
