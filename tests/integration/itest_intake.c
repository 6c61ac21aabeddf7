/* Integration tests of intake against the harness's Dovecot and PostgreSQL:
 * first and incremental sync, SPECIAL-USE Sent, read-only polling, TLS
 * verification, login failures, IDLE, SIGTERM, mbox/Maildir import, and a
 * proxy that drops the connection at random moments. */
#include "tests/lib/testlib.h"
#include "tracker/util.h"

#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- fixtures ---------------------------------------------------------- */

struct fx {
	char *dir;        /* per-test directory */
	char *conninfo;   /* per-test database */
	char *conf;       /* config path */
	PGconn *pg;
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A message as a mail client would write it; `n` makes it unique. */
static char *make_msg(const char *tag, int n, size_t *len)
{
	char *m = xasprintf("Message-ID: <%s-%d@acme.no>\r\n"
			    "From: =?iso-8859-1?Q?Bj=F8rn?= <bjorn@acme.no>\r\n"
			    "To: support@example.org\r\n"
			    "Subject: =?iso-8859-1?Q?Sp=F8rsm=E5l_%d?=\r\n"
			    "Date: Mon, 2 Mar 2026 09:00:00 +0100\r\n"
			    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
			    "Hello %d\r\n", tag, n, n, n);
	*len = strlen(m);
	return m;
}

static void drop(const char *folder, const char *tag, int n, const char *flags)
{
	size_t len;
	char *m = make_msg(tag, n, &len);
	free(testmaildir_drop(folder, m, len, 1772438400 + n, flags));
	free(m);
}

/* Writes a config for one mailbox; `mb_extra` lines go into [mailbox support]. */
static void write_conf(struct fx *f, const char *mb_extra)
{
	char *pw = testfile_read(testenv_get("RC_TEST_IMAP_PASSWORD_FILE"), NULL);
	free(testfile_write(f->dir, "imap.pw", pw, 0600));
	free(pw);
	char *text = xasprintf("[database]\nconninfo = %s\n\n"
			       "[mailbox support]\nhost = 127.0.0.1\n"
			       "username = %s\npassword_file = %s/imap.pw\n%s\n"
			       "[team]\naddresses = @example.org\n\n"
			       "[calendar oslo]\ntimezone = Europe/Oslo\nhours = mon-fri 08:00-16:00\n\n"
			       "[policy standard]\ncalendar = oslo\nfirst_response = 4h\n\n"
			       "[defaults]\npolicy = standard\n",
			       f->conninfo, testenv_get("RC_TEST_IMAP_USER"), f->dir, mb_extra);
	free(f->conf);
	f->conf = testfile_write(f->dir, "rc.conf", text, 0600);
	free(text);
}

/* Connection part of a config: implicit TLS with the harness CA. */
static char *tls_lines(const char *folders)
{
	return xasprintf("port = %s\nsecurity = tls\nca_file = %s\n%s", testenv_get("RC_TEST_IMAPS_PORT"),
			 testenv_get("RC_TEST_CA_FILE"), folders);
}

static void fx_init(struct fx *f, const char *name, const char *mb_extra)
{
	memset(f, 0, sizeof *f);
	f->dir = testdir_new(name);
	CU_ASSERT_FATAL(testpg_create_db("intake", &f->conninfo) == 0);
	write_conf(f, mb_extra);
	struct testrun_result r;
	CU_ASSERT_FATAL(testrun_rc(&r, NULL, "-c", f->conf, "db", "migrate", NULL) == 0);
	if (r.status != 0)
		fprintf(stderr, "db migrate: %s\n", r.err);
	CU_ASSERT_FATAL(r.status == 0);
	testrun_free(&r);
	f->pg = testpg_connect(f->conninfo);
}

static void fx_free(struct fx *f)
{
	PQfinish(f->pg);
	testpg_drop_db(&f->conninfo);
	free(f->conf);
	free(f->dir);
}

static long sql_long(struct fx *f, const char *sql)
{
	char *v = testpg_value(f->pg, sql, 0, NULL);
	long n = v ? atol(v) : -1;
	free(v);
	return n;
}

/* Under an ASan/UBSan build of replyclock (RC_BIN) its reports land on
 * stderr: none may appear. */
static void no_sanitizer_report(const char *err)
{
	CU_ASSERT_PTR_NULL(strstr(err, "Sanitizer"));
	CU_ASSERT_PTR_NULL(strstr(err, "runtime error"));
}

static int poll_once(struct fx *f, struct testrun_result *r)
{
	CU_ASSERT_FATAL(testrun_rc(r, NULL, "-c", f->conf, "poll", "--once", NULL) == 0);
	no_sanitizer_report(r->err);
	return r->status;
}

static void expect_poll_ok(struct fx *f)
{
	struct testrun_result r;
	if (poll_once(f, &r) != 0 || getenv("RC_TEST_VERBOSE"))
		fprintf(stderr, "poll --once exit %d: %s\n", r.status, r.err);
	CU_ASSERT_EQUAL(r.status, 0);
	testrun_free(&r);
}

/* ---- sync --------------------------------------------------------------- */

static void intake__first_sync_then_incremental(void)
{
	struct fx f;
	char *c = tls_lines("inbound_folders = Inc1\nsent_folders = Sent\n");
	fx_init(&f, "inc", c);
	free(c);
	for (int i = 1; i <= 3; i++)
		drop("Inc1", "inc", i, i == 1 ? "S" : NULL);
	expect_poll_ok(&f);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings s JOIN replyclock.folders "
				     "f ON f.id = s.folder_id WHERE f.name = 'Inc1'"), 3);
	char *subj = testpg_value(f.pg, "SELECT subject FROM replyclock.sightings WHERE message_id = "
					"'inc-2@acme.no'", 0, NULL);
	CU_ASSERT_STRING_EQUAL(subj ? subj : "", "Spørsmål 2");
	free(subj);
	char *from = testpg_value(f.pg, "SELECT from_addr || '|' || from_name || '|' || "
					"extract(epoch FROM internaldate)::bigint FROM replyclock.sightings "
					"WHERE message_id = 'inc-3@acme.no'", 0, NULL);
	CU_ASSERT_STRING_EQUAL(from ? from : "", "bjorn@acme.no|Bjørn|1772438403");
	free(from);
	for (int i = 4; i <= 5; i++)
		drop("Inc1", "inc", i, NULL);
	struct testrun_result r;
	CU_ASSERT_EQUAL(poll_once(&f, &r), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "support/Inc1: 2 new messages"));
	testrun_free(&r);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), 5);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(DISTINCT uid) FROM replyclock.sightings"), 5);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT last_uid FROM replyclock.folders WHERE name = 'Inc1'"), 5);
	/* Nothing new: stores nothing. */
	CU_ASSERT_EQUAL(poll_once(&f, &r), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "support/Inc1: 0 new messages"));
	testrun_free(&r);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), 5);
	fx_free(&f);
}

static void intake__sent_found_by_special_use(void)
{
	struct fx f;
	char *c = tls_lines("inbound_folders = Spu1\n");   /* no sent_folders: ask the server */
	fx_init(&f, "spu", c);
	free(c);
	drop("Spu1", "spu-in", 1, NULL);
	drop("Sent", "spu-sent", 1, "S");
	expect_poll_ok(&f);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings s JOIN replyclock.folders "
				     "f ON f.id = s.folder_id WHERE f.name = 'Sent' AND f.role = 'sent' "
				     "AND s.message_id = 'spu-sent-1@acme.no'"), 1);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings s JOIN replyclock.folders "
				     "f ON f.id = s.folder_id WHERE f.name = 'Spu1' AND f.role = 'inbound'"), 1);
	fx_free(&f);
}

/* Polling is read-only: an unread message stays unread (no \Seen), a read one
 * keeps its flags, and the files are where Dovecot put them. */
static void intake__flags_unchanged_after_poll(void)
{
	struct fx f;
	char *c = tls_lines("inbound_folders = Flg1\nsent_folders = Sent\n");
	fx_init(&f, "flg", c);
	free(c);
	drop("Flg1", "flg", 1, NULL);
	drop("Flg1", "flg", 2, "F");
	const char *argv[] = { "doveadm", "-c", testenv_get("RC_TEST_DOVECOT_CONF"), "fetch", "-u",
			       testenv_get("RC_TEST_IMAP_USER"), "uid flags", "mailbox", "Flg1", "all", NULL };
	struct testrun_result before, after;
	expect_poll_ok(&f);
	CU_ASSERT_FATAL(testrun(argv, NULL, &before) == 0);
	expect_poll_ok(&f);
	char *more = NULL;
	drop("Flg1", "flg", 3, NULL);
	expect_poll_ok(&f);
	CU_ASSERT_FATAL(testrun(argv, NULL, &after) == 0);
	CU_ASSERT_EQUAL(before.status, 0);
	CU_ASSERT_PTR_NULL(strstr(after.out, "\\Seen"));
	CU_ASSERT_PTR_NOT_NULL(strstr(after.out, "\\Flagged"));
	CU_ASSERT_EQUAL(strncmp(before.out, after.out, before.out_len), 0);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings WHERE "
				     "flags @> ARRAY['\\Flagged']"), 1);
	free(more);
	testrun_free(&before);
	testrun_free(&after);
	fx_free(&f);
}

/* ---- TLS and login -------------------------------------------------------- */

static void expect_refused(const char *name, const char *extra, int code, const char *n1,
			   const char *n2)
{
	struct fx f;
	fx_init(&f, name, extra);
	struct testrun_result r;
	CU_ASSERT_EQUAL(poll_once(&f, &r), code);
	if (r.status != code || !strstr(r.err, n1) || (n2 && !strstr(r.err, n2)))
		fprintf(stderr, "[%s] exit %d, stderr: %s\n", name, r.status, r.err);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, n1));
	if (n2)
		CU_ASSERT_PTR_NOT_NULL(strstr(r.err, n2));
	/* One clear line, not a cascade. */
	int lines = 0;
	for (const char *p = r.err; *p; p++)
		lines += *p == '\n';
	CU_ASSERT_EQUAL(lines, 1);
	testrun_free(&r);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), 0);
	fx_free(&f);
}

static void intake__tls_ca_file_and_starttls_accepted(void)
{
	struct fx f;
	char *c = xasprintf("port = %s\nsecurity = starttls\nca_file = %s\ninbound_folders = Tls1\n"
			    "sent_folders =\n", testenv_get("RC_TEST_IMAP_PORT"),
			    testenv_get("RC_TEST_CA_FILE"));
	fx_init(&f, "starttls", c);
	free(c);
	drop("Tls1", "tls", 1, NULL);
	expect_poll_ok(&f);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), 1);
	fx_free(&f);
}

static void intake__untrusted_ca_refused(void)
{
	/* No ca_file: the system store does not know the harness CA. */
	char *c = xasprintf("port = %s\nsecurity = tls\ninbound_folders = INBOX\nsent_folders = Sent\n",
			    testenv_get("RC_TEST_IMAPS_PORT"));
	expect_refused("untrusted", c, 69, "mailbox support (127.0.0.1:",
		       "certificate for 127.0.0.1 not trusted: issuer unknown");
	free(c);
	/* STARTTLS is checked the same way, before LOGIN. */
	c = xasprintf("port = %s\nsecurity = starttls\ninbound_folders = INBOX\nsent_folders = Sent\n",
		      testenv_get("RC_TEST_IMAP_PORT"));
	expect_refused("untrusted2", c, 69, "issuer unknown", NULL);
	free(c);
}

static void intake__wrong_host_name_refused(void)
{
	/* "127.1" reaches 127.0.0.1 but is not a name in the certificate. */
	char *c = xasprintf("port = %s\nsecurity = tls\nca_file = %s\ninbound_folders = INBOX\n"
			    "sent_folders = Sent\n", testenv_get("RC_TEST_IMAPS_PORT"),
			    testenv_get("RC_TEST_CA_FILE"));
	char *c2 = NULL;
	/* write_conf puts host = 127.0.0.1 first; a later host line would be a
	 * duplicate key, so this test writes its own mailbox section. */
	struct fx f;
	fx_init(&f, "wronghost", c);
	char *text = testfile_read(f.conf, NULL);
	char *p = strstr(text, "host = 127.0.0.1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	c2 = xasprintf("%.*shost = 127.1%s", (int)(p - text), text, p + strlen("host = 127.0.0.1"));
	free(testfile_write(f.dir, "rc.conf", c2, 0600));
	struct testrun_result r;
	CU_ASSERT_EQUAL(poll_once(&f, &r), 69);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "certificate for 127.1 not trusted: name does not match"));
	testrun_free(&r);
	free(text);
	free(c2);
	free(c);
	fx_free(&f);
}

static void intake__cleartext_refused_off_loopback(void)
{
	struct fx f;
	fx_init(&f, "cleartext", "port = 143\nsecurity = none\ninbound_folders = INBOX\nsent_folders = Sent\n");
	char *text = testfile_read(f.conf, NULL);
	char *p = strstr(text, "host = 127.0.0.1");
	char *c2 = xasprintf("%.*shost = imap.example.com%s", (int)(p - text), text,
			     p + strlen("host = 127.0.0.1"));
	free(testfile_write(f.dir, "rc.conf", c2, 0600));
	struct testrun_result r;
	CU_ASSERT_EQUAL(poll_once(&f, &r), 78);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "loopback"));
	testrun_free(&r);
	free(text);
	free(c2);
	fx_free(&f);
}

static void intake__wrong_password_exit_69(void)
{
	struct fx f;
	char *c = tls_lines("inbound_folders = INBOX\nsent_folders = Sent\n");
	fx_init(&f, "badpw", c);
	free(c);
	free(testfile_write(f.dir, "imap.pw", "not-the-password", 0600));
	struct testrun_result r;
	CU_ASSERT_EQUAL(poll_once(&f, &r), 69);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "mailbox support (127.0.0.1:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "LOGIN as test@example.org refused"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "Authentication failed"));
	CU_ASSERT_PTR_NULL(strstr(r.err, "not-the-password"));
	int lines = 0;
	for (const char *p = r.err; *p; p++)
		lines += *p == '\n';
	CU_ASSERT_EQUAL(lines, 1);
	testrun_free(&r);
	fx_free(&f);
}

static void intake__xoauth2_token_command(void)
{
	struct fx f;
	char *dir = testdir_new("oauth");
	char *tok = testfile_read(testenv_get("RC_TEST_IMAP_PASSWORD_FILE"), NULL);
	char *tokfile = testfile_write(dir, "token", tok, 0600);
	/* Dovecot with a passwd-file passdb checks the bearer token like a password. */
	char *c = xasprintf("port = %s\nsecurity = tls\nca_file = %s\ninbound_folders = Oau1\n"
			    "sent_folders =\n", testenv_get("RC_TEST_IMAPS_PORT"),
			    testenv_get("RC_TEST_CA_FILE"));
	fx_init(&f, "oauth", c);
	char *text = testfile_read(f.conf, NULL);
	char *p = strstr(text, "password_file = ");
	char *e = strchr(p, '\n');
	char *c2 = xasprintf("%.*soauth2_token_command = cat %s%s", (int)(p - text), text, tokfile, e);
	free(testfile_write(f.dir, "rc.conf", c2, 0600));
	drop("Oau1", "oau", 1, NULL);
	expect_poll_ok(&f);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), 1);
	free(text);
	free(c2);
	free(c);
	free(tok);
	free(tokfile);
	free(dir);
	fx_free(&f);
}

/* ---- daemon ---------------------------------------------------------------- */

static pid_t spawn_daemon(struct fx *f, const char *logname)
{
	char *log = xasprintf("%s/%s", f->dir, logname);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		signal(SIGPIPE, SIG_DFL);
		execl(testenv_get("RC_BIN"), "replyclock", "-c", f->conf, "poll", NULL);
		_exit(127);
	}
	free(log);
	return pid;
}

static long wait_count(struct fx *f, const char *sql, long want, double timeout_s)
{
	double t0 = now_s();
	long n;
	while ((n = sql_long(f, sql)) != want && now_s() - t0 < timeout_s)
		usleep(20000);
	return n;
}

/* Returns seconds until pid exited after SIGTERM (or -1 after 5 s). */
static double term_and_wait(pid_t pid, int *status)
{
	double t0 = now_s();
	kill(pid, SIGTERM);
	while (now_s() - t0 < 5) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return now_s() - t0;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

static void intake__idle_wakes_daemon_and_sigterm(void)
{
	struct fx f;
	char *c = tls_lines("inbound_folders = Idl1\nsent_folders =\npoll_interval = 600s\n");
	fx_init(&f, "idle", c);
	free(c);
	drop("Idl1", "idl", 1, NULL);
	pid_t pid = spawn_daemon(&f, "daemon.log");
	CU_ASSERT_EQUAL(wait_count(&f, "SELECT count(*) FROM replyclock.sightings", 1, 10), 1);
	usleep(300000);   /* the daemon is in IDLE now */
	double t0 = now_s();
	drop("Idl1", "idl", 2, NULL);
	long n = wait_count(&f, "SELECT count(*) FROM replyclock.sightings", 2, 5);
	double took = now_s() - t0;
	fprintf(stderr, "IDLE: new message stored %.2f s after delivery\n", took);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT(took < 2.0);
	int status = 0;
	double stop = term_and_wait(pid, &status);
	fprintf(stderr, "SIGTERM: daemon exited after %.2f s\n", stop);
	CU_ASSERT(stop >= 0 && stop < 1.0);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char *log = xasprintf("%s/daemon.log", f.dir);
	char *text = testfile_read(log, NULL);
	CU_ASSERT_PTR_NOT_NULL(text && strstr(text, "support/Idl1: 1 new message"));
	no_sanitizer_report(text ? text : "");
	free(text);
	free(log);
	fx_free(&f);
}

/* Many messages, SIGTERM in the middle of the first sync: what is stored is
 * exactly the UIDs up to the stored cursor; the next run completes it. */
static void intake__sigterm_during_sync_consistent(void)
{
	enum { N = 3000 };
	struct fx f;
	char *c = tls_lines("inbound_folders = Big1\nsent_folders =\n");
	fx_init(&f, "sigterm", c);
	free(c);
	for (int i = 1; i <= N; i++)
		drop("Big1", "big", i, NULL);
	pid_t pid = spawn_daemon(&f, "daemon.log");
	wait_count(&f, "SELECT least(count(*), 1) FROM replyclock.sightings", 1, 20);
	int status;
	double stop = term_and_wait(pid, &status);
	CU_ASSERT(stop >= 0 && stop < 1.0);
	long rows = sql_long(&f, "SELECT count(*) FROM replyclock.sightings");
	long cursor = sql_long(&f, "SELECT last_uid FROM replyclock.folders WHERE name = 'Big1'");
	fprintf(stderr, "SIGTERM mid-sync after %.2f s: %ld rows, cursor %ld\n", stop, rows, cursor);
	CU_ASSERT(rows > 0);
	CU_ASSERT_EQUAL(rows, cursor);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings WHERE uid > "
				     "(SELECT last_uid FROM replyclock.folders WHERE name = 'Big1')"), 0);
	expect_poll_ok(&f);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), N);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(DISTINCT message_id) FROM replyclock.sightings"), N);
	fx_free(&f);
}



/* `since` bounds the first sync (UID SEARCH SINCE on INTERNALDATE); a
 * later APPEND of an old message (higher UID, old date) is still fetched. */
static void intake__since_limits_first_sync(void)
{
	struct fx f;
	char *c = tls_lines("inbound_folders = Snc1\nsent_folders =\nsince = 2026-01-01\n");
	fx_init(&f, "since", c);
	free(c);
	size_t len;
	for (int i = 1; i <= 6; i++) {
		char *m = make_msg("snc", i, &len);
		/* odd: 2025-06-01, even: 2026-03-02 */
		free(testmaildir_drop("Snc1", m, len, i % 2 ? 1748736000 : 1772438400, NULL));
		free(m);
	}
	expect_poll_ok(&f);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), 3);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings WHERE internaldate < "
				     "'2026-01-01'"), 0);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT last_uid FROM replyclock.folders WHERE name = 'Snc1'"), 6);
	char *m = make_msg("snc", 7, &len);
	free(testmaildir_drop("Snc1", m, len, 1748736000, NULL));
	free(m);
	expect_poll_ok(&f);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), 4);
	fx_free(&f);
}


/* A configured folder the server lacks: named in one error line, exit 78,
 * the other folders still synced. */
static void intake__missing_folder_named(void)
{
	struct fx f;
	char *c = tls_lines("inbound_folders = NoSuchFolder, Mis1\nsent_folders =\n");
	fx_init(&f, "missing", c);
	free(c);
	drop("Mis1", "mis", 1, NULL);
	struct testrun_result r;
	CU_ASSERT_EQUAL(poll_once(&f, &r), 78);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "EXAMINE NoSuchFolder"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "check inbound_folders"));
	testrun_free(&r);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), 1);
	fx_free(&f);
}

/* ---- UIDVALIDITY, hostile input, several mailboxes, server restarts ------ */

static void intake__uidvalidity_change_rereads_folder(void)
{
	struct fx f;
	char *c = tls_lines("inbound_folders = Uv1\nsent_folders =\n");
	fx_init(&f, "uidvalidity", c);
	free(c);
	for (int i = 1; i <= 3; i++)
		drop("Uv1", "uv", i, NULL);
	expect_poll_ok(&f);
	char *old = testpg_value(f.pg, "SELECT uidvalidity FROM replyclock.folders WHERE name = 'Uv1'", 0,
				 NULL);
	/* Dovecot makes a new UIDVALIDITY when its uid list and index are gone
	 * (what "recreate the folder with the same messages" looks like). */
	char *cmd = xasprintf("sleep 1.1; rm -f %s/.Uv1/dovecot-uidlist %s/.Uv1/dovecot.index*",
			      testenv_get("RC_TEST_MAILDIR"), testenv_get("RC_TEST_MAILDIR"));
	const char *sh[] = { "sh", "-c", cmd, NULL };
	struct testrun_result r;
	CU_ASSERT_FATAL(testrun(sh, NULL, &r) == 0);
	testrun_free(&r);
	free(cmd);
	drop("Uv1", "uv", 4, NULL);
	CU_ASSERT_EQUAL(poll_once(&f, &r), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "UIDVALIDITY changed"));
	testrun_free(&r);
	char *now = testpg_value(f.pg, "SELECT uidvalidity FROM replyclock.folders WHERE name = 'Uv1'", 0,
				 NULL);
	CU_ASSERT_STRING_NOT_EQUAL(old, now);
	const char *p[] = { now };
	char *n = testpg_value(f.pg, "SELECT count(*) FROM replyclock.sightings WHERE uidvalidity = $1",
			       1, p);
	CU_ASSERT_STRING_EQUAL(n, "4");   /* the whole folder under the new UIDVALIDITY */
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(DISTINCT message_id) FROM replyclock.sightings"), 4);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM (SELECT uidvalidity, uid FROM "
				     "replyclock.sightings GROUP BY 1, 2 HAVING count(*) > 1) d"), 0);
	expect_poll_ok(&f);   /* and nothing again after that */
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), 7);
	free(n);
	free(old);
	free(now);
	fx_free(&f);
}

static void drop_raw(const char *folder, const char *msg, size_t len)
{
	static int seq;
	free(testmaildir_drop(folder, msg, len, 1772438400 + ++seq, NULL));
}

/* Every hostile message is stored with what could be read and a reason. */
static void intake__hostile_messages_stored(void)
{
	struct fx f;
	char *c = tls_lines("inbound_folders = Bad1\nsent_folders =\n");
	fx_init(&f, "hostile", c);
	free(c);
	static const char nul[] = "Message-ID: <nul@x>\r\nSubject: a\0b\r\nFrom: a@x\r\n\r\nbody\r\n";
	const char *msgs[] = {
		"From: a@x\r\nSubject: no id\r\n\r\nb\r\n",
		"Message-ID: <baddate@x>\r\nDate: 32 Foo 99999 25:61\r\n\r\nb\r\n",
		"Message-ID: <future@x>\r\nDate: Fri, 1 Jan 2100 00:00:00 +0000\r\n\r\nb\r\n",
		"Message-ID: <8bit@x>\r\nSubject: \xff\xfe caf\xe9\r\nFrom: \"\xc3(\" <a@x>\r\n\r\nb\r\n",
		"Message-ID: <cs@x>\r\nSubject: =?x-unknown?Q?abc?=\r\n\r\nb\r\n",
		"Message-ID: <dup@x>\r\nSubject: one\r\n\r\nb\r\n",
		"Message-ID: <dup@x>\r\nSubject: two\r\n\r\nb\r\n",
		"Message-ID: <garbage@x>\r\nthis line is no header\r\nFrom: <<<@>>>\r\n\r\nb\r\n",
	};
	size_t n = sizeof msgs / sizeof msgs[0];
	for (size_t i = 0; i < n; i++)
		drop_raw("Bad1", msgs[i], strlen(msgs[i]));
	drop_raw("Bad1", nul, sizeof nul - 1);
	struct strbuf b;
	strbuf_init(&b, 0);
	strbuf_appendf(&b, "Message-ID: <huge@x>\r\nX-Junk: x");
	while (b.len < 1024 * 1024)
		strbuf_append(&b, "\r\n yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", 65);
	strbuf_appendf(&b, "\r\nReferences: <r0@x>");
	for (int i = 1; i < 10000; i++)
		strbuf_appendf(&b, "\r\n <r%d@x>", i);
	strbuf_appendf(&b, "\r\nSubject: big\r\n\r\nbody\r\n");
	drop_raw("Bad1", b.s, b.len);
	strbuf_free(&b);
	expect_poll_ok(&f);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), (long)n + 2);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings WHERE message_id = "
				     "'dup@x'"), 2);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings WHERE message_id = "
				     "'baddate@x' AND date_header IS NULL AND parse_error LIKE '%Date%'"), 1);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT extract(year FROM date_header) FROM replyclock.sightings "
				     "WHERE message_id = 'future@x'"), 2100);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings WHERE message_id_synthetic"),
			1);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings WHERE message_id = "
				     "'huge@x' AND subject = 'big' AND cardinality(references_) BETWEEN 1 AND "
				     "500"), 1);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings WHERE message_id = "
				     "'cs@x' AND parse_error LIKE '%charset%'"), 1);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings WHERE message_id = "
				     "'garbage@x' AND parse_error IS NOT NULL"), 1);
	fx_free(&f);
}

static void intake__two_mailboxes_in_one_daemon(void)
{
	struct fx f;
	char *c = tls_lines("inbound_folders = Two1\nsent_folders =\n");
	fx_init(&f, "two", c);
	char *text = testfile_read(f.conf, NULL);
	char *second = xasprintf("%s\n[mailbox other]\nhost = 127.0.0.1\nusername = %s\n"
				 "password_file = %s/imap.pw\n%s", text, testenv_get("RC_TEST_IMAP_USER"),
				 f.dir, c);
	char *p = strstr(second, "inbound_folders = Two1\nsent_folders =\n[team]");
	(void)p;
	/* The second section's folder differs: replace its last Two1. */
	char *last = strstr(second + strlen(text), "Two1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(last);
	last[3] = '2';
	free(testfile_write(f.dir, "rc.conf", second, 0600));
	drop("Two1", "two-a", 1, NULL);
	drop("Two2", "two-b", 1, NULL);
	pid_t pid = spawn_daemon(&f, "daemon.log");
	CU_ASSERT_EQUAL(wait_count(&f, "SELECT count(*) FROM replyclock.sightings", 2, 10), 2);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.mailboxes"), 2);
	drop("Two2", "two-b", 2, NULL);
	CU_ASSERT_EQUAL(wait_count(&f, "SELECT count(*) FROM replyclock.sightings", 3, 5), 3);
	int status;
	double stop = term_and_wait(pid, &status);
	CU_ASSERT(stop >= 0 && stop < 1.0);
	free(text);
	free(second);
	free(c);
	fx_free(&f);
}

static void harness_ctl(const char *what, const char *server)
{
	const char *argv[] = { testenv_get("RC_TEST_HARNESS"), what, server, NULL };
	struct testrun_result r;
	CU_ASSERT_FATAL(testrun(argv, NULL, &r) == 0);
	if (r.status != 0)
		fprintf(stderr, "harness %s %s: %s\n", what, server, r.err);
	CU_ASSERT_EQUAL(r.status, 0);
	testrun_free(&r);
}

/* A server goes away while the daemon runs: it logs once, backs off, and
 * stores what arrived meanwhile once the server is back. */
static void restart_case(const char *name, const char *server)
{
	struct fx f;
	char *c = tls_lines("sent_folders =\npoll_interval = 1s\n");
	char *c2 = xasprintf("%sinbound_folders = %s\n", c, name);
	fx_init(&f, name, c2);
	drop(name, name, 1, NULL);
	pid_t pid = spawn_daemon(&f, "daemon.log");
	CU_ASSERT_EQUAL(wait_count(&f, "SELECT count(*) FROM replyclock.sightings", 1, 10), 1);
	harness_ctl("stop", server);
	drop(name, name, 2, NULL);
	drop(name, name, 3, NULL);
	usleep(1500000);
	harness_ctl("start", server);
	PQreset(f.pg);
	long n = wait_count(&f, "SELECT count(*) FROM replyclock.sightings", 3, 30);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(DISTINCT uid) FROM replyclock.sightings"), 3);
	int status;
	double stop = term_and_wait(pid, &status);
	CU_ASSERT(stop >= 0 && stop < 1.0);
	char *log = xasprintf("%s/daemon.log", f.dir);
	char *text = testfile_read(log, NULL);
	CU_ASSERT_PTR_NOT_NULL(text && strstr(text, "retrying in"));
	no_sanitizer_report(text ? text : "");
	if (getenv("RC_TEST_VERBOSE"))
		fprintf(stderr, "%s", text);
	free(text);
	free(log);
	free(c);
	free(c2);
	fx_free(&f);
}

static void intake__dovecot_restart_daemon_reconnects(void)
{
	restart_case("Rst1", "dovecot");
}

static void intake__postgres_restart_daemon_waits(void)
{
	restart_case("Rst2", "pg");
}

/* ---- import -------------------------------------------------------------- */

static void intake__import_mbox_maildir_and_reimport(void)
{
	struct fx f;
	char *c = tls_lines("inbound_folders = INBOX\nsent_folders = Sent\n");
	fx_init(&f, "import", c);
	free(c);
	char *mbox = testfile_write(f.dir, "box.mbox",
		"From kari@acme.no Mon Mar  2 09:00:00 2026\n"
		"Message-ID: <i1@acme.no>\nFrom: Kari <kari@acme.no>\nSubject: first\n\nbody\n>From x\n\n"
		"From ola@acme.no Tue Mar  3 10:00:00 2026\n"
		"Message-ID: <i2@acme.no>\nFrom: ola@acme.no\nSubject: second\n\n"
		"From the body, unquoted\n", 0644);
	char *md = xasprintf("%s/md", f.dir);
	char *cur = xasprintf("%s/cur", md), *nw = xasprintf("%s/new", md);
	mkdir(md, 0755);
	mkdir(cur, 0755);
	mkdir(nw, 0755);
	free(testfile_write(cur, "1700000000.1.host:2,RS", "Message-ID: <i3@x>\nFrom: a@x\n\nb\n", 0644));
	free(testfile_write(nw, "1700000001.2.host", "From: a@x\nSubject: no id\n\nb\n", 0644));
	struct testrun_result r;
	for (int round = 0; round < 2; round++) {
		CU_ASSERT_FATAL(testrun_rc(&r, NULL, "-c", f.conf, "import", "--role", "sent", mbox, md,
					   NULL) == 0);
		CU_ASSERT_EQUAL(r.status, 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.err, round ? "2 messages, 0 new" : "2 messages, 2 new"));
		testrun_free(&r);
	}
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), 4);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.folders WHERE role = 'sent'"), 2);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT extract(epoch FROM internaldate)::bigint FROM "
				     "replyclock.sightings WHERE message_id = 'i2@acme.no'"), 1772532000);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings WHERE message_id = "
				     "'i3@x' AND flags = ARRAY['\\Answered','\\Seen']"), 1);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings WHERE "
				     "message_id_synthetic AND parse_error LIKE '%Message-ID%'"), 1);
	/* Not an mbox: exit 65 naming the file and line. */
	char *bad = testfile_write(f.dir, "notmbox", "hello\n", 0644);
	CU_ASSERT_FATAL(testrun_rc(&r, NULL, "-c", f.conf, "import", bad, NULL) == 0);
	CU_ASSERT_EQUAL(r.status, 65);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "notmbox:1: not an mbox file"));
	testrun_free(&r);
	free(bad);
	free(mbox);
	free(md);
	free(cur);
	free(nw);
	fx_free(&f);
}


/* The same generated traffic through IMAP and through import (Maildir and
 * mbox) gives the same stored facts. */
static void intake__import_equals_imap_sync(void)
{
	struct fx f;
	char *c = tls_lines("inbound_folders = Eq1\nsent_folders =\n");
	fx_init(&f, "equal", c);
	free(c);
	char *md = xasprintf("%s/gen", f.dir), *mbox = xasprintf("%s/in.mbox", f.dir);
	char *sent = xasprintf("%s/sent.mbox", f.dir);
	/* rc-gen is built next to the replyclock under test. */
	char *gen = xstrdup(testenv_get("RC_BIN"));
	char *slash = strrchr(gen, '/');
	CU_ASSERT_PTR_NOT_NULL_FATAL(slash);
	strcpy(slash, "/rc-gen");   /* "/replyclock" is longer */
	char *gen_bin = realpath(gen, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gen_bin);
	const char *argv[] = { gen_bin, "--seed", "11", "--messages", "300", "--maildir", md,
			       "--mbox-inbound", mbox, "--mbox-sent", sent, NULL };
	struct testrun_result r;
	CU_ASSERT_FATAL(testrun(argv, NULL, &r) == 0);
	CU_ASSERT_EQUAL_FATAL(r.status, 0);
	testrun_free(&r);
	/* Import the Maildir copy first (before Dovecot owns it), then hand the
	 * same files to Dovecot as folder Eq1. */
	CU_ASSERT_FATAL(testrun_rc(&r, NULL, "-c", f.conf, "import", "--mailbox", "imp-md", md, NULL) == 0);
	CU_ASSERT_EQUAL(r.status, 0);
	testrun_free(&r);
	CU_ASSERT_FATAL(testrun_rc(&r, NULL, "-c", f.conf, "import", "--mailbox", "imp-mbox", mbox, NULL) ==
			0);
	CU_ASSERT_EQUAL(r.status, 0);
	testrun_free(&r);
	char *cmd = xasprintf("rm -rf '%s/.Sent' && mv '%s' '%s/.Eq1' && "
			      "{ [ \"$(id -u)\" != 0 ] || chown -R %s:%s '%s/.Eq1'; }",
			      md, md, testenv_get("RC_TEST_MAILDIR"), testenv_get("RC_TEST_SRV_UID"),
			      testenv_get("RC_TEST_SRV_GID"), testenv_get("RC_TEST_MAILDIR"));
	const char *sh[] = { "sh", "-c", cmd, NULL };
	CU_ASSERT_FATAL(testrun(sh, NULL, &r) == 0);
	CU_ASSERT_EQUAL(r.status, 0);
	testrun_free(&r);
	expect_poll_ok(&f);
	long n = sql_long(&f, "SELECT count(*) FROM replyclock.sightings s JOIN replyclock.mailboxes m "
			      "ON m.id = s.mailbox_id WHERE m.name = 'support'");
	CU_ASSERT(n > 100);
	/* Facts compared: everything parsed from the headers plus INTERNALDATE. */
	static const char *diff =
		"WITH f AS (SELECT m.name AS mb, s.message_id, s.message_id_synthetic, s.in_reply_to,"
		" s.references_, s.from_addr, s.from_name, s.to_addrs, s.cc_addrs, s.date_header,"
		" s.subject, s.auto_submitted, s.precedence, s.list_id, s.content_type, s.internaldate"
		" FROM replyclock.sightings s JOIN replyclock.mailboxes m ON m.id = s.mailbox_id)"
		" SELECT count(*) FROM ((SELECT message_id, message_id_synthetic, in_reply_to, references_,"
		" from_addr, from_name, to_addrs, cc_addrs, date_header, subject, auto_submitted,"
		" precedence, list_id, content_type, internaldate FROM f WHERE mb = 'support'"
		" EXCEPT SELECT message_id, message_id_synthetic, in_reply_to, references_, from_addr,"
		" from_name, to_addrs, cc_addrs, date_header, subject, auto_submitted, precedence,"
		" list_id, content_type, internaldate FROM f WHERE mb = '%s')"
		" UNION ALL (SELECT message_id, message_id_synthetic, in_reply_to, references_, from_addr,"
		" from_name, to_addrs, cc_addrs, date_header, subject, auto_submitted, precedence,"
		" list_id, content_type, internaldate FROM f WHERE mb = '%s'"
		" EXCEPT SELECT message_id, message_id_synthetic, in_reply_to, references_, from_addr,"
		" from_name, to_addrs, cc_addrs, date_header, subject, auto_submitted, precedence,"
		" list_id, content_type, internaldate FROM f WHERE mb = 'support')) d";
	const char *others[] = { "imp-md", "imp-mbox" };
	for (int i = 0; i < 2; i++) {
		char *q = xasprintf(diff, others[i], others[i]);
		long d = sql_long(&f, q);
		if (d != 0)
			fprintf(stderr, "%s differs from the IMAP sync in %ld rows\n", others[i], d);
		CU_ASSERT_EQUAL(d, 0);
		free(q);
	}
	free(cmd);
	free(md);
	free(mbox);
	free(sent);
	free(gen);
	free(gen_bin);
	fx_free(&f);
}

/* ---- fault injection: a proxy that cuts connections ---------------------- */

struct proxy {
	int lfd;
	int port;
	int target;
	volatile int stop;
	unsigned seed;
	volatile long cuts;
	pthread_t tid;
};

/* Relays one connection and cuts it after a random number of bytes from the
 * server (somewhere in the greeting, login, EXAMINE or a FETCH batch). */
static void relay(struct proxy *p, int cfd)
{
	int sfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p->target) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(sfd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(sfd);
		close(cfd);
		return;
	}
	long budget = (long)(rand_r(&p->seed) % 400000) + 200;
	char buf[16384];
	struct pollfd fds[2] = { { cfd, POLLIN, 0 }, { sfd, POLLIN, 0 } };
	while (!p->stop) {
		if (poll(fds, 2, 200) <= 0)
			continue;
		int from = (fds[0].revents & (POLLIN | POLLHUP)) ? 0 : 1;
		ssize_t n = read(fds[from].fd, buf, sizeof buf);
		if (n <= 0)
			break;
		if (from == 1) {
			if (n > budget)
				n = budget;
			budget -= n;
		}
		if (write(fds[1 - from].fd, buf, (size_t)n) != n)
			break;
		if (budget <= 0) {
			p->cuts++;
			break;
		}
	}
	close(sfd);
	close(cfd);
}

static void *proxy_main(void *arg)
{
	struct proxy *p = arg;
	while (!p->stop) {
		struct pollfd pf = { p->lfd, POLLIN, 0 };
		if (poll(&pf, 1, 100) <= 0)
			continue;
		int cfd = accept(p->lfd, NULL, NULL);
		if (cfd >= 0)
			relay(p, cfd);   /* one client at a time is all the test needs */
	}
	return NULL;
}

static void proxy_start(struct proxy *p, int target)
{
	memset(p, 0, sizeof *p);
	p->target = target;
	p->seed = (unsigned)time(NULL);
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof a;
	CU_ASSERT_FATAL(bind(p->lfd, (struct sockaddr *)&a, sizeof a) == 0);
	listen(p->lfd, 8);
	getsockname(p->lfd, (struct sockaddr *)&a, &al);
	p->port = ntohs(a.sin_port);
	pthread_create(&p->tid, NULL, proxy_main, p);
}

static void proxy_stop(struct proxy *p)
{
	p->stop = 1;
	pthread_join(p->tid, NULL);
	close(p->lfd);
}

static void intake__dropped_connections_lose_and_double_nothing(void)
{
	enum { N = 5000 };
	struct proxy px;
	proxy_start(&px, testenv_port("RC_TEST_IMAPS_PORT"));
	struct fx f;
	char *c = xasprintf("port = %d\nsecurity = tls\nca_file = %s\ninbound_folders = Cut1\n"
			    "sent_folders =\n", px.port, testenv_get("RC_TEST_CA_FILE"));
	fx_init(&f, "cut", c);
	free(c);
	for (int i = 1; i <= N; i++)
		drop("Cut1", "cut", i, NULL);
	int runs = 0, failed = 0;
	double t0 = now_s();
	for (; runs < 400; runs++) {
		struct testrun_result r;
		int st = poll_once(&f, &r);
		testrun_free(&r);
		if (st == 0 && sql_long(&f, "SELECT count(*) FROM replyclock.sightings") == N)
			break;
		failed += st != 0;
	}
	fprintf(stderr, "proxy: %d runs, %d cut off, %ld connections cut, %.1f s\n", runs + 1, failed,
		px.cuts, now_s() - t0);
	proxy_stop(&px);
	CU_ASSERT(failed >= 3);   /* the proxy really cut syncs */
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), N);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(DISTINCT uid) FROM replyclock.sightings"), N);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(DISTINCT message_id) FROM replyclock.sightings"), N);
	fx_free(&f);
}

/* First sync rate, direct to Dovecot (printed for the report). */
static void intake__first_sync_rate(void)
{
	enum { N = 5000 };
	struct fx f;
	char *c = tls_lines("inbound_folders = Rate1\nsent_folders =\n");
	fx_init(&f, "rate", c);
	free(c);
	for (int i = 1; i <= N; i++)
		drop("Rate1", "rate", i, NULL);
	double t0 = now_s();
	expect_poll_ok(&f);
	double t = now_s() - t0;
	fprintf(stderr, "first sync: %d messages in %.2f s = %.0f messages/s (poll --once, TLS, "
		"incl. process start)\n", N, t, N / t);
	CU_ASSERT_EQUAL(sql_long(&f, "SELECT count(*) FROM replyclock.sightings"), N);
	fx_free(&f);
}

int main(int argc, char **argv)
{
	static const struct testcase tests[] = {
		TESTCASE(intake__first_sync_then_incremental),
		TESTCASE(intake__sent_found_by_special_use),
		TESTCASE(intake__flags_unchanged_after_poll),
		TESTCASE(intake__tls_ca_file_and_starttls_accepted),
		TESTCASE(intake__untrusted_ca_refused),
		TESTCASE(intake__wrong_host_name_refused),
		TESTCASE(intake__cleartext_refused_off_loopback),
		TESTCASE(intake__wrong_password_exit_69),
		TESTCASE(intake__xoauth2_token_command),
		TESTCASE(intake__idle_wakes_daemon_and_sigterm),
		TESTCASE(intake__sigterm_during_sync_consistent),
		TESTCASE(intake__since_limits_first_sync),
		TESTCASE(intake__missing_folder_named),
		TESTCASE(intake__uidvalidity_change_rereads_folder),
		TESTCASE(intake__hostile_messages_stored),
		TESTCASE(intake__two_mailboxes_in_one_daemon),
		TESTCASE(intake__dovecot_restart_daemon_reconnects),
		TESTCASE(intake__postgres_restart_daemon_waits),
		TESTCASE(intake__import_mbox_maildir_and_reimport),
		TESTCASE(intake__import_equals_imap_sync),
		TESTCASE(intake__first_sync_rate),
		TESTCASE(intake__dropped_connections_lose_and_double_nothing),
		{ NULL, NULL },
	};
	return testmain(argc, argv, "intake", NULL, NULL, tests);
}
