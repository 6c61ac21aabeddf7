/* Unit tests of the test helpers themselves (tests/lib): running programs,
 * temp files, log capture. No servers needed. */
#include "tests/lib/testlib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void testlib__run_captures_streams_and_status(void)
{
	const char *argv[] = { "/bin/sh", "-c", "printf 'out\\0x'; echo err >&2; exit 3", NULL };
	struct testrun_result r;
	CU_ASSERT_EQUAL_FATAL(testrun(argv, NULL, &r), 0);
	CU_ASSERT_EQUAL(r.status, 3);
	CU_ASSERT_FALSE(r.timed_out);
	CU_ASSERT_EQUAL(r.out_len, 5);
	CU_ASSERT_EQUAL(memcmp(r.out, "out\0x", 5), 0);
	CU_ASSERT_STRING_EQUAL(r.err, "err\n");
	testrun_free(&r);
}

static void testlib__run_env_override_and_stdin(void)
{
	setenv("RC_TESTLIB_DROP", "present", 1);
	const char *env[] = { "RC_TESTLIB_SET=a b", "RC_TESTLIB_DROP", NULL };
	struct testrun_opts o = { .env = env, .stdin_data = "from stdin" };
	const char *argv[] = { "sh", "-c", "echo \"$RC_TESTLIB_SET|${RC_TESTLIB_DROP-unset}|$(cat)\"",
			       NULL };
	struct testrun_result r;
	CU_ASSERT_EQUAL_FATAL(testrun(argv, &o, &r), 0);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "a b|unset|from stdin\n");
	testrun_free(&r);
	unsetenv("RC_TESTLIB_DROP");
}

static void testlib__run_timeout_kills_group(void)
{
	const char *argv[] = { "/bin/sh", "-c", "sleep 30 & sleep 30; echo never", NULL };
	struct testrun_opts o = { .timeout_ms = 300 };
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	struct testrun_result r;
	CU_ASSERT_EQUAL_FATAL(testrun(argv, &o, &r), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CU_ASSERT_TRUE(r.timed_out);
	CU_ASSERT_EQUAL(r.status, 128 + 9);
	CU_ASSERT_EQUAL(r.out_len, 0);
	/* The background sleep held stdout too: returning at all shows the
	 * whole group was killed. */
	CU_ASSERT_TRUE(b.tv_sec - a.tv_sec < 5);
	testrun_free(&r);
}

static void testlib__run_missing_program_fails(void)
{
	const char *argv[] = { "/nonexistent/program", NULL };
	struct testrun_result r;
	CU_ASSERT_EQUAL(testrun(argv, NULL, &r), -1);
}

static void testlib__file_write_mode_and_read(void)
{
	char *dir = testdir_new("testlib");
	char *p = testfile_write(dir, "secret", "s3cret\n", 0600);
	struct stat st;
	CU_ASSERT_EQUAL_FATAL(stat(p, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	size_t n = 0;
	char *back = testfile_read(p, &n);
	CU_ASSERT_EQUAL(n, 7);
	CU_ASSERT_STRING_EQUAL(back, "s3cret\n");
	free(back);
	free(p);
	testdir_remove(dir);
	CU_ASSERT_NOT_EQUAL(stat(dir, &st), 0);
	free(dir);
}

static void testlib__log_capture(void)
{
	testlog_start();
	log_info("mailbox %s: connected", "support");
	log_error("mailbox %s: login refused", "support");
	CU_ASSERT_TRUE(testlog_has(LOG_LVL_ERROR, "login refused"));
	CU_ASSERT_FALSE(testlog_has(LOG_LVL_ERROR, "connected"));
	CU_ASSERT_TRUE(testlog_has(LOG_LVL_DEBUG, "connected"));
	CU_ASSERT_EQUAL(testlog_count(LOG_LVL_INFO), 1);
	CU_ASSERT_STRING_EQUAL(testlog_text(),
			       "mailbox support: connected\nmailbox support: login refused\n");
	testlog_clear();
	CU_ASSERT_STRING_EQUAL(testlog_text(), "");
	testlog_stop();
}

int main(int argc, char **argv)
{
	static const struct testcase tests[] = {
		TESTCASE(testlib__run_captures_streams_and_status),
		TESTCASE(testlib__run_env_override_and_stdin),
		TESTCASE(testlib__run_timeout_kills_group),
		TESTCASE(testlib__run_missing_program_fails),
		TESTCASE(testlib__file_write_mode_and_read),
		TESTCASE(testlib__log_capture),
		{ NULL, NULL },
	};
	return testmain(argc, argv, "testlib", NULL, NULL, tests);
}
