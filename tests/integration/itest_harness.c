/* Proves the test harness: PostgreSQL, Dovecot (plain, STARTTLS, implicit
 * TLS, \Sent folder, Maildir seeding) and the SMTP sink (STARTTLS + AUTH,
 * byte-exact storage) work as the harness contract says, and a server can be
 * stopped and started again in the middle of a suite. */
#include "tests/lib/testlib.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

/* Verifies the server's chain against RC_TEST_CA_FILE for HOST (TESTING.md
 * §3.4: libetpan's GnuTLS build checks nothing itself). 0 = trusted. */
static int verify_peer(mailstream *s, const char *host)
{
	carray *chain = mailstream_get_certificate_chain(s);
	if (!chain)
		return -1;
	unsigned n = carray_count(chain);
	gnutls_x509_crt_t crts[16];
	unsigned got = 0;
	for (unsigned i = 0; i < n && got < 16; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str, (unsigned)der->len };
		if (gnutls_x509_crt_init(&crts[got]) < 0)
			break;
		if (gnutls_x509_crt_import(crts[got], &d, GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(crts[got]);
			break;
		}
		got++;
	}
	mailstream_certificate_chain_free(chain);
	gnutls_x509_trust_list_t tl;
	gnutls_x509_trust_list_init(&tl, 0);
	int rc = -1;
	if (got > 0 && gnutls_x509_trust_list_add_trust_file(tl, testenv_get("RC_TEST_CA_FILE"),
							     NULL, GNUTLS_X509_FMT_PEM, 0, 0) > 0) {
		gnutls_typed_vdata_st vd[2] = {
			{ GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)host, 0 },
			{ GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0 },
		};
		unsigned status = 1;
		int r = gnutls_x509_trust_list_verify_crt2(tl, crts, got, vd, 2, 0, &status, NULL);
		rc = (r >= 0 && status == 0) ? 0 : -1;
	}
	gnutls_x509_trust_list_deinit(tl, 1);
	for (unsigned i = 0; i < got; i++)
		gnutls_x509_crt_deinit(crts[i]);
	return rc;
}

enum imap_mode { IMAP_PLAIN, IMAP_STARTTLS, IMAP_TLS };

/* AUTH=XOAUTH2 as announced before the last login (AUTH= capabilities are
 * not repeated after login). */
static int prelogin_xoauth2;

/* Connects in MODE, verifies TLS, logs in with PASSWORD; returns the session
 * or NULL (and the login result in *login_rc). */
static mailimap *imap_open(enum imap_mode mode, const char *password, int *login_rc)
{
	mailimap *imap = mailimap_new(0, NULL);
	mailimap_set_timeout(imap, 10);
	const char *host = testenv_get("RC_TEST_IMAP_HOST");
	int r = mode == IMAP_TLS
		? mailimap_ssl_connect(imap, host, (uint16_t)testenv_port("RC_TEST_IMAPS_PORT"))
		: mailimap_socket_connect(imap, host, (uint16_t)testenv_port("RC_TEST_IMAP_PORT"));
	CU_ASSERT_EQUAL(r, MAILIMAP_NO_ERROR_NON_AUTHENTICATED);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
		goto fail;
	if (mode == IMAP_STARTTLS) {
		CU_ASSERT_TRUE(mailimap_has_extension(imap, "STARTTLS"));
		r = mailimap_socket_starttls(imap);
		CU_ASSERT_EQUAL(r, MAILIMAP_NO_ERROR);
		if (r != MAILIMAP_NO_ERROR)
			goto fail;
	}
	if (mode != IMAP_PLAIN)
		CU_ASSERT_EQUAL(verify_peer(imap->imap_stream, host), 0);
	prelogin_xoauth2 = mailimap_has_xoauth2(imap);
	*login_rc = mailimap_login(imap, testenv_get("RC_TEST_IMAP_USER"), password);
	if (*login_rc == MAILIMAP_NO_ERROR)
		return imap;
fail:
	mailimap_free(imap);
	return NULL;
}

static void imap_close(mailimap **imap)
{
	if (*imap) {
		mailimap_logout(*imap);
		mailimap_free(*imap);
		*imap = NULL;
	}
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int pg_reachable(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);
	int ok = PQstatus(c) == CONNECTION_OK;
	PQfinish(c);
	return ok;
}

/* ---- tests -------------------------------------------------------------- */

static void harness__pg_create_db(void)
{
	char *ci = NULL;
	CU_ASSERT_EQUAL_FATAL(testpg_create_db("itest_harness", &ci), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ci);
	PGconn *c = testpg_connect(ci);
	testpg_exec(c, "CREATE TABLE t (x text); INSERT INTO t VALUES ('quote''s')");
	const char *params[] = { "quote's" };
	char *v = testpg_value(c, "SELECT count(*) FROM t WHERE x = $1", 1, params);
	CU_ASSERT_STRING_EQUAL(v, "1");
	free(v);
	char *db = testpg_value(c, "SELECT current_database()", 0, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(db, "itest_harness_"));
	PQfinish(c);
	CU_ASSERT_EQUAL(testpg_drop_db(&ci), 0);
	CU_ASSERT_PTR_NULL(ci);
	PGconn *admin = testpg_connect(testenv_get("RC_TEST_PG_ADMIN"));
	const char *name[] = { db };
	v = testpg_value(admin, "SELECT count(*) FROM pg_database WHERE datname = $1", 1, name);
	CU_ASSERT_STRING_EQUAL(v, "0");
	free(v);
	PQfinish(admin);
	free(db);
}

static void harness__imap_login_plain(void)
{
	int rc = -1;
	mailimap *imap = imap_open(IMAP_PLAIN, testenv_get("RC_TEST_IMAP_PASSWORD"), &rc);
	CU_ASSERT_EQUAL(rc, MAILIMAP_NO_ERROR);
	CU_ASSERT_PTR_NOT_NULL(imap);
	if (imap) {
		CU_ASSERT_TRUE(prelogin_xoauth2);
		CU_ASSERT_TRUE(mailimap_has_idle(imap));
	}
	imap_close(&imap);
}

static void harness__imap_login_starttls(void)
{
	int rc = -1;
	mailimap *imap = imap_open(IMAP_STARTTLS, testenv_get("RC_TEST_IMAP_PASSWORD"), &rc);
	CU_ASSERT_EQUAL(rc, MAILIMAP_NO_ERROR);
	imap_close(&imap);
}

/* Implicit TLS, certificate verified, and the Sent folder carries \Sent. */
static void harness__imap_tls_sent_folder(void)
{
	int rc = -1;
	mailimap *imap = imap_open(IMAP_TLS, testenv_get("RC_TEST_IMAP_PASSWORD"), &rc);
	CU_ASSERT_EQUAL_FATAL(rc, MAILIMAP_NO_ERROR);
	clist *list = NULL;
	CU_ASSERT_EQUAL(mailimap_list(imap, "", "*", &list), MAILIMAP_NO_ERROR);
	int sent_flagged = 0;
	for (clistiter *it = list ? clist_begin(list) : NULL; it; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);
		if (strcmp(mb->mb_name, "Sent") || !mb->mb_flag)
			continue;
		clist *oflags = mb->mb_flag->mbf_oflags;
		for (clistiter *f = oflags ? clist_begin(oflags) : NULL; f; f = clist_next(f)) {
			struct mailimap_mbx_list_oflag *o = clist_content(f);
			if (o->of_type == MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT &&
			    !strcasecmp(o->of_flag_ext, "Sent"))
				sent_flagged = 1;
		}
	}
	if (list)
		mailimap_list_result_free(list);
	CU_ASSERT_TRUE(sent_flagged);
	imap_close(&imap);
}

/* auth_failure_delay = 0: a wrong password fails at once, not after 2 s. */
static void harness__imap_wrong_password_fast(void)
{
	int rc = -1;
	long t0 = now_ms();
	mailimap *imap = imap_open(IMAP_PLAIN, "not-the-password", &rc);
	CU_ASSERT_PTR_NULL(imap);
	CU_ASSERT_EQUAL(rc, MAILIMAP_ERROR_LOGIN);
	CU_ASSERT_TRUE(now_ms() - t0 < 1500);
	imap_close(&imap);
}

/* A message dropped into the Maildir is visible with INTERNALDATE = mtime. */
static void harness__maildir_drop_internaldate(void)
{
	const char *msg = "From: a@example.com\r\nTo: test@example.org\r\n"
			  "Message-ID: <drop-1@itest>\r\nSubject: drop\r\n\r\nbody\r\n";
	time_t mtime = 1614834367; /* 2021-03-04 05:06:07 UTC */
	char folder[64];
	snprintf(folder, sizeof folder, "HarnessDrop%ld", (long)getpid());
	char *path = testmaildir_drop(folder, msg, strlen(msg), mtime, NULL);
	free(path);
	int rc = -1;
	mailimap *imap = imap_open(IMAP_TLS, testenv_get("RC_TEST_IMAP_PASSWORD"), &rc);
	CU_ASSERT_EQUAL_FATAL(rc, MAILIMAP_NO_ERROR);
	CU_ASSERT_EQUAL_FATAL(mailimap_examine(imap, folder), MAILIMAP_NO_ERROR);
	CU_ASSERT_EQUAL(imap->imap_selection_info->sel_exists, 1);
	struct mailimap_fetch_type *ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft, mailimap_fetch_att_new_internaldate());
	struct mailimap_set *set = mailimap_set_new_interval(1, 0);
	clist *res = NULL;
	CU_ASSERT_EQUAL(mailimap_uid_fetch(imap, set, ft, &res), MAILIMAP_NO_ERROR);
	int found = 0;
	for (clistiter *i = res ? clist_begin(res) : NULL; i; i = clist_next(i)) {
		struct mailimap_msg_att *ma = clist_content(i);
		for (clistiter *j = clist_begin(ma->att_list); j; j = clist_next(j)) {
			struct mailimap_msg_att_item *it = clist_content(j);
			if (it->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
			    it->att_data.att_static->att_type != MAILIMAP_MSG_ATT_INTERNALDATE)
				continue;
			struct mailimap_date_time *d = it->att_data.att_static->att_data.att_internal_date;
			struct tm tm = { .tm_year = d->dt_year - 1900, .tm_mon = d->dt_month - 1,
					 .tm_mday = d->dt_day, .tm_hour = d->dt_hour,
					 .tm_min = d->dt_min, .tm_sec = d->dt_sec };
			int z = d->dt_zone < 0 ? -d->dt_zone : d->dt_zone;
			long off = (z / 100) * 3600L + (z % 100) * 60L;
			time_t t = timegm(&tm) - (d->dt_zone < 0 ? -off : off);
			CU_ASSERT_EQUAL(t, mtime);
			found = 1;
		}
	}
	CU_ASSERT_TRUE(found);
	if (res)
		mailimap_fetch_list_free(res);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	imap_close(&imap);
}

/* libetpan mailsmtp: STARTTLS (verified) + AUTH, message stored byte-exact. */
static void harness__smtp_starttls_auth_byte_exact(void)
{
	char msg[512];
	snprintf(msg, sizeof msg,
		 "From: SLA reports <sla@example.org>\r\nTo: lead@example.org\r\n"
		 "Subject: harness %ld\r\nMessage-ID: <smtp-%ld@itest>\r\n\r\n"
		 ".leading dot\r\nline two\r\n", (long)getpid(), (long)getpid());
	mailsmtp *smtp = mailsmtp_new(0, NULL);
	mailsmtp_set_timeout(smtp, 10);
	const char *host = testenv_get("RC_TEST_SMTP_HOST");
	int r = mailsmtp_socket_connect(smtp, host, (uint16_t)testenv_port("RC_TEST_SMTP_PORT"));
	CU_ASSERT_EQUAL_FATAL(r, MAILSMTP_NO_ERROR);
	mailstream_low_set_timeout(mailstream_get_low(smtp->stream), 10);
	CU_ASSERT_EQUAL(mailesmtp_ehlo(smtp), MAILSMTP_NO_ERROR);
	CU_ASSERT_TRUE(smtp->esmtp & MAILSMTP_ESMTP_STARTTLS);
	CU_ASSERT_EQUAL(mailsmtp_socket_starttls(smtp), MAILSMTP_NO_ERROR);
	CU_ASSERT_EQUAL(verify_peer(smtp->stream, host), 0);
	CU_ASSERT_EQUAL(mailesmtp_ehlo(smtp), MAILSMTP_NO_ERROR);
	/* A wrong password is refused with a reply (the sink's handled=False fix). */
	CU_ASSERT_EQUAL(mailsmtp_auth(smtp, testenv_get("RC_TEST_SMTP_USER"), "wrong"),
			MAILSMTP_ERROR_AUTH_LOGIN);
	CU_ASSERT_EQUAL(mailsmtp_auth(smtp, testenv_get("RC_TEST_SMTP_USER"),
				      testenv_get("RC_TEST_SMTP_PASSWORD")), MAILSMTP_NO_ERROR);
	CU_ASSERT_EQUAL(mailsmtp_mail(smtp, "sla@example.org"), MAILSMTP_NO_ERROR);
	CU_ASSERT_EQUAL(mailsmtp_rcpt(smtp, "lead@example.org"), MAILSMTP_NO_ERROR);
	CU_ASSERT_EQUAL(mailsmtp_rcpt(smtp, "reject-me@example.org"),
			MAILSMTP_ERROR_MAILBOX_UNAVAILABLE);
	CU_ASSERT_EQUAL(mailsmtp_data(smtp), MAILSMTP_NO_ERROR);
	/* mailsmtp_data_message appends "\r\n.\r\n": strip our final CRLF. */
	CU_ASSERT_EQUAL(mailsmtp_data_message(smtp, msg, strlen(msg) - 2), MAILSMTP_NO_ERROR);
	mailsmtp_quit(smtp);
	mailsmtp_free(smtp);

	char needle[64];
	snprintf(needle, sizeof needle, "<smtp-%ld@itest>", (long)getpid());
	size_t len = 0;
	char *got = testsink_wait(needle, 5000, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(len, strlen(msg));
	CU_ASSERT_EQUAL(memcmp(got, msg, len < strlen(msg) ? len : strlen(msg)), 0);
	free(got);
	char *journal = testfile_read(testenv_get("RC_TEST_SMTP_JOURNAL"), NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(journal);
	CU_ASSERT_PTR_NOT_NULL(strstr(journal, "\"rcpt_tos\": [\"lead@example.org\"]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(journal, "\"tls\": true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(journal, "\"auth\": \"sink@example.org\""));
	free(journal);
}

static int harness_ctl(const char *verb, const char *server)
{
	const char *argv[] = { testenv_get("RC_TEST_HARNESS"), verb, server, NULL };
	struct testrun_result r;
	if (testrun(argv, NULL, &r))
		return -1;
	if (r.status)
		fprintf(stderr, "harness %s %s: %s", verb, server, r.err);
	int st = r.status;
	testrun_free(&r);
	return st;
}

/* Fault tests stop and start one server; ports and data survive. */
static void harness__pg_stop_start(void)
{
	char *ci = NULL;
	CU_ASSERT_EQUAL_FATAL(testpg_create_db("itest_restart", &ci), 0);
	PGconn *c = testpg_connect(ci);
	testpg_exec(c, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)");
	PQfinish(c);
	CU_ASSERT_EQUAL_FATAL(harness_ctl("stop", "pg"), 0);
	CU_ASSERT_FALSE(pg_reachable(ci));
	CU_ASSERT_EQUAL_FATAL(harness_ctl("start", "pg"), 0);
	CU_ASSERT_TRUE_FATAL(pg_reachable(ci));
	c = testpg_connect(ci);
	char *v = testpg_value(c, "SELECT x FROM kept", 0, NULL);
	CU_ASSERT_STRING_EQUAL(v, "7");
	free(v);
	PQfinish(c);
	CU_ASSERT_EQUAL(testpg_drop_db(&ci), 0);
}

int main(int argc, char **argv)
{
	static const struct testcase tests[] = {
		TESTCASE(harness__pg_create_db),
		TESTCASE(harness__imap_login_plain),
		TESTCASE(harness__imap_login_starttls),
		TESTCASE(harness__imap_tls_sent_folder),
		TESTCASE(harness__imap_wrong_password_fast),
		TESTCASE(harness__maildir_drop_internaldate),
		TESTCASE(harness__smtp_starttls_auth_byte_exact),
		TESTCASE(harness__pg_stop_start),
		{ NULL, NULL },
	};
	return testmain(argc, argv, "harness", NULL, NULL, tests);
}
