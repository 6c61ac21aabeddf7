/* Unit tests for `replyclock calendar` (tracker/cmd_calendar.c): runs the
 * subcommand in-process on a temporary configuration and checks its output
 * and exit codes. */
#include <CUnit/Basic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracker/commands.h"
#include "tracker/util.h"

static char conf_path[] = "/tmp/rc-cmdcal-XXXXXX";

/* Runs cmd_calendar with argv; returns its exit code, *out = stdout text. */
static int run(char **out, int argc, ...)
{
	char *argv[16];
	va_list ap;
	va_start(ap, argc);
	for (int i = 0; i < argc && i < 15; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	char tmpl[] = "/tmp/rc-cmdcal-out-XXXXXX";
	int fd = mkstemp(tmpl);
	fflush(stdout);
	int saved = dup(1), saved_err = dup(2);
	dup2(fd, 1);
	int devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, 2);
	struct cli cli = { conf_path, 0 };
	int rc = cmd_calendar(&cli, argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, 1);
	dup2(saved_err, 2);
	close(saved);
	close(saved_err);
	close(devnull);
	off_t len = lseek(fd, 0, SEEK_END);
	*out = xcalloc((size_t)len + 1, 1);
	if (pread(fd, *out, (size_t)len, 0) != len)
		(*out)[0] = 0;
	close(fd);
	unlink(tmpl);
	return rc;
}

static int setup(void)
{
	int fd = mkstemp(conf_path);
	if (fd < 0)
		return -1;
	char *cwd = getcwd(NULL, 0);
	char *text = xasprintf("[calendar oslo]\ntimezone = Europe/Oslo\nhours = mon-fri 08:00-16:00\n"
			       "holidays = %s/contrib/holidays/norway.ics, %s/tests/data/calendar/recur.ics\n"
			       "ignore_events = Sommertid*\n\n"
			       "[calendar us]\ntimezone = America/New_York\nhours = mon-fri 09:00-17:00\n"
			       "holidays = %s/tests/data/holidays/mozilla-USHolidays-2021-2030.ics\n\n"
			       "[calendar broken]\ntimezone = Europe/Oslo\nhours = mon-fri 08:00-16:00\n"
			       "holidays = %s/tests/data/calendar/bad-dtstart.ics\n\n"
			       "[policy p]\ncalendar = oslo\nfirst_response = 4h\n\n[defaults]\npolicy = p\n",
			       cwd, cwd, cwd, cwd);
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	free(text);
	free(cwd);
	return n > 0 ? 0 : -1;
}

static int teardown(void)
{
	unlink(conf_path);
	return 0;
}

static void cmd_calendar__day_listing(void)
{
	char *out;
	CU_ASSERT_EQUAL(run(&out, 6, "calendar", "oslo", "--from", "2026-04-01", "--to", "2026-04-07"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "2026-04-02 Thu  closed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "closure \"Skjærtorsdag\" 2026-04-02T00:00:00+02:00 .. 2026-04-03T00:00:00+02:00"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "contrib/holidays/norway.ics:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "2026-04-07 Tue  08:00-16:00  (8h00m00s)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "2026-04-06 Mon  closed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "recur.ics:4)")); /* weekly maintenance on Easter Monday */
	free(out);
	CU_ASSERT_EQUAL(run(&out, 6, "calendar", "us", "--from", "2026-01-19", "--to", "2026-01-19"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "mozilla-USHolidays-2021-2030.ics:63: all-day event with DTEND on or before DTSTART"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "2026-01-19 Mon  closed"));
	free(out);
}

static void cmd_calendar__between_and_due(void)
{
	char *out;
	CU_ASSERT_EQUAL(run(&out, 5, "calendar", "oslo", "--between", "2026-01-05T12:00:00+01:00", "2026-01-06T08:00:01+01:00"), 0);
	CU_ASSERT_STRING_EQUAL(out, "10801 seconds (3h00m01s)\n"); /* 12-14, 15-16 (maintenance 14-15), 1 s */
	free(out);
	CU_ASSERT_EQUAL(run(&out, 5, "calendar", "oslo", "--due", "2026-01-09T15:00", "2h"), 0);
	CU_ASSERT_STRING_EQUAL(out, "2026-01-12T09:00:00+01:00\n"); /* local time input */
	free(out);
	CU_ASSERT_EQUAL(run(&out, 5, "calendar", "oslo", "--due", "2026-03-31T14:00:00Z", "4h"), 0);
	CU_ASSERT_STRING_EQUAL(out, "2026-04-07T12:00:00+02:00\n"); /* Apr 1 stocktaking, then Easter */
	free(out);
}

static void cmd_calendar__errors(void)
{
	char *out;
	CU_ASSERT_EQUAL(run(&out, 2, "calendar", "nosuch"), 78);
	free(out);
	CU_ASSERT_EQUAL(run(&out, 2, "calendar", "broken"), 78);
	free(out);
	CU_ASSERT_EQUAL(run(&out, 1, "calendar"), 64);
	free(out);
	CU_ASSERT_EQUAL(run(&out, 5, "calendar", "oslo", "--due", "yesterday", "4h"), 64);
	free(out);
	CU_ASSERT_EQUAL(run(&out, 5, "calendar", "oslo", "--due", "2026-01-05T10:00", "4 hours"), 64);
	free(out);
	CU_ASSERT_EQUAL(run(&out, 3, "calendar", "oslo", "--bogus"), 64);
	free(out);
	CU_ASSERT_EQUAL(run(&out, 6, "calendar", "oslo", "--from", "2026-02-01", "--to", "2026-01-01"), 64);
	free(out);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	CU_pSuite s = CU_add_suite("cmd_calendar", setup, teardown);
	CU_add_test(s, "cmd_calendar__day_listing", cmd_calendar__day_listing);
	CU_add_test(s, "cmd_calendar__between_and_due", cmd_calendar__between_and_due);
	CU_add_test(s, "cmd_calendar__errors", cmd_calendar__errors);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
