/* Integration: report mail through the harness SMTP sink (STARTTLS + AUTH):
 * composed, sent, read back from the sink's Maildir and parsed with
 * libetpan; wrong password, untrusted certificate, refused recipient and a
 * stopped server each give their own class of error naming the server. */
#include "reporter/mail.h"
#include "reporter/render.h"
#include "reporter/reporter.h"
#include "tests/lib/testlib.h"
#include "tests/unit/report_fixture.h"
#include "tracker/util.h"

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A config for the harness sink; with_ca = 0 leaves smtp_ca_file out, so
 * only the system store is trusted (which does not know the test CA). */
static struct config *sink_config(int with_ca, const char *password_env)
{
	char *text, *err = NULL;
	struct config *cfg;

	text = xasprintf("[report]\ntimezone = Europe/Oslo\nsmtp_url = smtp://127.0.0.1:%d\n"
			 "smtp_security = starttls\n%s%s\nsmtp_username = %s\n"
			 "smtp_password_env = %s\nfrom = SLA rapport\xC3\xB8r <sla@example.com>\n"
			 "to = leads@example.com\n",
			 testenv_port("RC_TEST_SMTP_PORT"), with_ca ? "smtp_ca_file = " : "",
			 with_ca ? testenv_get("RC_TEST_CA_FILE") : "", testenv_get("RC_TEST_SMTP_USER"),
			 password_env);
	cfg = config_parse(text, "itest.conf", &err);
	if (!cfg)
		fprintf(stderr, "config: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	free(text);
	return cfg;
}

static int compose_fixture(const char *const *to, size_t n_to, struct rc_mail_out *out,
			   char **text)
{
	struct rc_report *r = fix_report();
	char *html = rc_render_html(r), *err = NULL;
	struct rc_mail_in in = {.from = "SLA rapport\xC3\xB8r <sla@example.com>", .to = to,
				.n_to = n_to, .subject = "SLA report 2026-W14 \xE2\x80\x93 ACME AS below target",
				.html = html, .date = r->as_of, .tz = r->tz};
	int rc;

	*text = rc_render_text(r);
	in.text = *text;
	rc = rc_mail_compose(&in, out, &err);
	if (rc < 0)
		fprintf(stderr, "compose: %s\n", err);
	free(err);
	free(html);
	rc_report_free(&r);
	return rc;
}

static int init(void)
{
	/* the password travels in the environment, as smtp_password_env says */
	setenv("RC_ITEST_SMTP_PASSWORD", testenv_get("RC_TEST_SMTP_PASSWORD"), 1);
	setenv("RC_ITEST_WRONG_PASSWORD", "not-the-password", 1);
	return 0;
}

static char *decoded_text_part(struct mailmime *mime)
{
	struct mailmime *alt = mime->mm_data.mm_message.mm_msg_mime, *p;
	struct mailmime_data *d;
	size_t idx = 0, len = 0;
	char *out = NULL, *copy;

	if (!alt || alt->mm_type != MAILMIME_MULTIPLE)
		return NULL;
	p = clist_content(clist_begin(alt->mm_data.mm_multipart.mm_mp_list));
	d = p->mm_data.mm_single;
	if (mailmime_part_parse(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length, &idx,
				d->dt_encoding, &out, &len) != MAILIMF_NO_ERROR)
		return NULL;
	copy = xstrndup(out, len);
	mailmime_decoded_part_free(out);
	return copy;
}

static void smtp__send_and_read_back(void)
{
	struct config *cfg = sink_config(1, "RC_ITEST_SMTP_PASSWORD");
	const char *to[] = {"leads@example.com", "Kari <kari@acme.example>"};
	struct rc_mail_out out;
	struct mailmime *mime = NULL;
	char *text, *err = NULL, *got, *part;
	size_t len = 0, idx = 0;

	CU_ASSERT_EQUAL_FATAL(compose_fixture(to, 2, &out, &text), 0);
	CU_ASSERT_EQUAL(rc_smtp_send(cfg, &out, &err), RC_SMTP_OK);
	if (err)
		fprintf(stderr, "send: %s\n", err);
	got = testsink_wait(out.message_id, 10000, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	/* byte for byte what we composed (no extra line at the end) */
	CU_ASSERT_EQUAL(len, out.len);
	CU_ASSERT(len == out.len && memcmp(got, out.data, len) == 0);
	CU_ASSERT_EQUAL_FATAL(mailmime_parse(got, len, &idx, &mime), MAILIMF_NO_ERROR);
	CU_ASSERT_EQUAL(mime->mm_type, MAILMIME_MESSAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "Auto-Submitted: auto-generated\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "Content-Type: multipart/alternative;"));
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "Content-Type: text/html; charset=\"utf-8\""));
	part = decoded_text_part(mime);
	CU_ASSERT_PTR_NOT_NULL_FATAL(part);
	CU_ASSERT_PTR_NOT_NULL(strstr(part, "ACME AS                    31   29        1       1       0"
					    "    93.55 %    95 %"));
	CU_ASSERT_PTR_NOT_NULL(strstr(part, "Target 95 % missed by ACME AS: one month free of charge"));
	free(part);
	mailmime_free(mime);
	free(got);
	free(text);
	free(err);
	rc_mail_out_free(&out);
	config_free(&cfg);
}

static void smtp__check_connects_and_logs_in(void)
{
	struct config *cfg = sink_config(1, "RC_ITEST_SMTP_PASSWORD");
	char *err = NULL;

	CU_ASSERT_EQUAL(reporter_check_smtp(cfg, &err), 0);
	if (err)
		fprintf(stderr, "check: %s\n", err);
	free(err);
	config_free(&cfg);
}

static void smtp__wrong_password_refused(void)
{
	struct config *cfg = sink_config(1, "RC_ITEST_WRONG_PASSWORD");
	char *err = NULL, where[64];

	CU_ASSERT_EQUAL(rc_smtp_send(cfg, NULL, &err), RC_SMTP_AUTH);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	if (getenv("RC_ITEST_SHOW_ERRORS"))
		fprintf(stderr, "[%s] ", err);
	snprintf(where, sizeof where, "127.0.0.1:%d", testenv_port("RC_TEST_SMTP_PORT"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, where));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "login"));
	CU_ASSERT_PTR_NULL(strstr(err, "not-the-password"));
	CU_ASSERT_EQUAL(rc_smtp_exit_code(RC_SMTP_AUTH), 78);
	free(err);
	config_free(&cfg);
}

static void smtp__untrusted_certificate_refused(void)
{
	struct config *cfg = sink_config(0, "RC_ITEST_SMTP_PASSWORD");
	const char *to[] = {"leads@example.com"};
	struct rc_mail_out out;
	char *text, *err = NULL;
	int before = testsink_count();

	CU_ASSERT_EQUAL_FATAL(compose_fixture(to, 1, &out, &text), 0);
	CU_ASSERT_EQUAL(rc_smtp_send(cfg, &out, &err), RC_SMTP_TLS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	if (getenv("RC_ITEST_SHOW_ERRORS"))
		fprintf(stderr, "[%s] ", err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not trusted"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "smtp_ca_file"));
	CU_ASSERT_EQUAL(testsink_count(), before);
	free(err);
	free(text);
	rc_mail_out_free(&out);
	config_free(&cfg);
}

static void smtp__rejected_recipient(void)
{
	struct config *cfg = sink_config(1, "RC_ITEST_SMTP_PASSWORD");
	const char *to[] = {"leads@example.com", "reject-me@example.com"};
	struct rc_mail_out out;
	char *text, *err = NULL;

	CU_ASSERT_EQUAL_FATAL(compose_fixture(to, 2, &out, &text), 0);
	CU_ASSERT_EQUAL(rc_smtp_send(cfg, &out, &err), RC_SMTP_REJECTED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "RCPT TO <reject-me@example.com>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Recipient rejected (test sink)"));
	if (getenv("RC_ITEST_SHOW_ERRORS"))
		fprintf(stderr, "[%s] ", err);
	free(err);
	free(text);
	rc_mail_out_free(&out);
	config_free(&cfg);
}

static int harness(const char *what)
{
	char *cmd = xasprintf("'%s' %s smtp >/dev/null", testenv_get("RC_TEST_HARNESS"), what);
	int rc = system(cmd);
	free(cmd);
	return rc;
}

static void smtp__server_stopped_is_unavailable(void)
{
	struct config *cfg = sink_config(1, "RC_ITEST_SMTP_PASSWORD");
	const char *to[] = {"leads@example.com"};
	struct rc_mail_out out;
	char *text, *err = NULL, where[64];
	enum rc_smtp_fail f;

	CU_ASSERT_EQUAL_FATAL(compose_fixture(to, 1, &out, &text), 0);
	CU_ASSERT_EQUAL_FATAL(harness("stop"), 0);
	f = rc_smtp_send(cfg, &out, &err);
	CU_ASSERT_EQUAL(harness("start"), 0);
	CU_ASSERT_EQUAL(f, RC_SMTP_UNAVAILABLE);
	CU_ASSERT_EQUAL(rc_smtp_exit_code(f), 69);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	if (getenv("RC_ITEST_SHOW_ERRORS"))
		fprintf(stderr, "[%s] ", err);
	snprintf(where, sizeof where, "SMTP server 127.0.0.1:%d", testenv_port("RC_TEST_SMTP_PORT"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, where));
	free(err);
	err = NULL;
	/* and once it is back, the same message goes through */
	CU_ASSERT_EQUAL(rc_smtp_send(cfg, &out, &err), RC_SMTP_OK);
	free(err);
	free(text);
	rc_mail_out_free(&out);
	config_free(&cfg);
}

static const struct testcase tests[] = {
	TESTCASE(smtp__send_and_read_back),
	TESTCASE(smtp__check_connects_and_logs_in),
	TESTCASE(smtp__wrong_password_refused),
	TESTCASE(smtp__untrusted_certificate_refused),
	TESTCASE(smtp__rejected_recipient),
	TESTCASE(smtp__server_stopped_is_unavailable),
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return testmain(argc, argv, "smtp", init, NULL, tests);
}
