/* End to end: traffic from rc-gen APPENDed to the harness Dovecot, `replyclock
 * poll --once`, and every row of replyclock.sla_requests checked against
 * expectations computed here from the generator's truth file (who opened,
 * which reply answered, when) and this suite's own calendar (business time,
 * due instants, status). Then: `import` of the same traffic as mbox gives the
 * same rows; polling two halves gives what one `recompute` gives; a derived
 * update that fails after its facts committed is healed by the next poll. */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/testlib.h"
#include "tracker/calendar.h"
#include "tracker/config.h"
#include "tracker/util.h"

#define SEED "11"
#define FIRST_RESPONSE 4 * 3600
#define NEXT_REPLY 8 * 3600

static char gen_bin[PATH_MAX], holidays[PATH_MAX];
static char *work, *truth_path, *snippet;
static char *poll_rows;   /* sla_requests of the APPEND + poll run, for the import test */
static long poll_sightings;   /* and its number of sightings */

/* ---- the generator's record ---------------------------------------------- */

enum { T_MID = 1, T_KIND, T_CUST, T_TIME = 6, T_OPENS = 15, T_ANSWERS, T_NCOL = 19 };

struct expect {
	char *opened, *kind, *customer, *replied;
	long long opened_at, replied_at;   /* replied_at -1: unanswered */
	int seen;
};

struct expects {
	struct expect *v;
	size_t n;
};

static struct expect *find_expect(struct expects *e, const char *id)
{
	for (size_t i = 0; i < e->n; i++)
		if (!strcmp(e->v[i].opened, id))
			return &e->v[i];
	return NULL;
}

/* Requests as the truth file states them: opened by rows with `opens`,
 * answered by the team row whose `answers` names the opening message. */
static void load_truth(const char *path, struct expects *e)
{
	char *s = testfile_read(path, NULL), *save = NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memset(e, 0, sizeof *e);
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[T_NCOL] = { 0 }, *p = line;
		if (line[0] == '#')
			continue;
		for (int i = 0; i < T_NCOL && p; i++) {
			f[i] = p;
			if ((p = strchr(p, '\t')))
				*p++ = '\0';
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(f[T_ANSWERS]);
		if (strcmp(f[T_OPENS], "-")) {
			e->v = xrealloc(e->v, (e->n + 1) * sizeof *e->v);
			e->v[e->n++] = (struct expect){ xstrdup(f[T_MID]), xstrdup(f[T_OPENS]),
							xstrdup(f[T_CUST]), NULL, atoll(f[T_TIME]), -1, 0 };
		}
		if (strcmp(f[T_ANSWERS], "-")) {
			struct expect *x = find_expect(e, f[T_ANSWERS]);
			CU_ASSERT_PTR_NOT_NULL_FATAL(x);
			x->replied = xstrdup(f[T_MID]);
			x->replied_at = atoll(f[T_TIME]);
		}
	}
	free(s);
}

static void free_expects(struct expects *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].opened);
		free(e->v[i].kind);
		free(e->v[i].customer);
		free(e->v[i].replied);
	}
	free(e->v);
}

/* ---- configuration ---------------------------------------------------------- */

static char *conf_text(const char *conninfo, const char *in, const char *sent)
{
	char *pw = testfile_read(testenv_get("RC_TEST_IMAP_PASSWORD_FILE"), NULL);
	free(testfile_write(work, "imap.pw", pw, 0600));
	free(pw);
	char *snip = testfile_read(snippet, NULL);
	char *t = xasprintf("[database]\nconninfo = %s\n\n"
			    "[mailbox support]\nhost = 127.0.0.1\nport = %s\nsecurity = tls\n"
			    "ca_file = %s\nusername = %s\npassword_file = %s/imap.pw\n"
			    "inbound_folders = %s\nsent_folders = %s\n\n"
			    "[calendar oslo]\ntimezone = Europe/Oslo\nhours = mon-fri 08:00-16:00\n"
			    "holidays = %s\n\n"
			    "[policy standard]\ncalendar = oslo\nfirst_response = 4h\nnext_reply = 8h\n"
			    "target = 90%%\n\n"
			    "[defaults]\npolicy = standard\n\n"
			    "[report]\ntimezone = Europe/Oslo\n\n%s",
			    conninfo ? conninfo : "", testenv_get("RC_TEST_IMAPS_PORT"),
			    testenv_get("RC_TEST_CA_FILE"), testenv_get("RC_TEST_IMAP_USER"), work, in, sent,
			    holidays, snip);
	free(snip);
	return t;
}

struct db {
	char *conninfo, *conf;
	PGconn *pg;
};

static void db_init(struct db *d, const char *name, const char *in, const char *sent)
{
	memset(d, 0, sizeof *d);
	CU_ASSERT_FATAL(testpg_create_db(name, &d->conninfo) == 0);
	char *t = conf_text(d->conninfo, in, sent), *file = xasprintf("%s.conf", name);
	d->conf = testfile_write(work, file, t, 0600);
	free(file);
	free(t);
	struct testrun_result r;
	CU_ASSERT_FATAL(testrun_rc(&r, NULL, "-c", d->conf, "db", "migrate", NULL) == 0);
	CU_ASSERT_EQUAL_FATAL(r.status, 0);
	testrun_free(&r);
	d->pg = testpg_connect(d->conninfo);
}

static void db_free(struct db *d)
{
	PQfinish(d->pg);
	testpg_drop_db(&d->conninfo);
	free(d->conf);
}

/* Runs replyclock with the config and arguments; asserts exit 0 and no
 * sanitizer report; returns stderr (malloc'd). */
static char *rc_ok(struct db *d, const char *a1, const char *a2, const char *a3, const char *a4)
{
	struct testrun_result r;
	const char *argv[] = { getenv("RC_BIN"), "-c", d->conf, a1, a2, a3, a4, NULL };
	CU_ASSERT_FATAL(testrun(argv, &(struct testrun_opts){ .timeout_ms = 120000 }, &r) == 0);
	if (r.status != 0)
		fprintf(stderr, "replyclock %s: exit %d: %s\n", a1, r.status, r.err);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NULL(strstr(r.err, "Sanitizer"));
	CU_ASSERT_PTR_NULL(strstr(r.err, "runtime error"));
	char *err = r.err;
	r.err = NULL;
	testrun_free(&r);
	return err;
}

/* Runs rc-gen with this suite's seed and shape; returns its exit status
 * (-1 when it could not start). */
static int run_gen(const char *const *args)
{
	const char *argv[40];
	int n = 0;
	argv[n++] = gen_bin;
	const char *fixed[] = { "--seed", SEED, "--customers", "4", "--weeks", "3", "--start", "2026-03-23",
				NULL };
	for (const char *const *a = fixed; *a; a++)
		argv[n++] = *a;
	for (; *args && n < 39; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	char *pwenv = xasprintf("RC_E2E_PW=%s", testenv_get("RC_TEST_IMAP_PASSWORD"));
	const char *env[] = { pwenv, NULL };
	struct testrun_result r;
	int st = testrun(argv, &(struct testrun_opts){ .env = env, .timeout_ms = 60000 }, &r);
	free(pwenv);
	if (st < 0)
		return -1;
	if (r.status != 0)
		fprintf(stderr, "rc-gen: exit %d: %s\n", r.status, r.err);
	st = r.status;
	testrun_free(&r);
	return st;
}

static void gen(const char *const *args)
{
	CU_ASSERT_EQUAL_FATAL(run_gen(args), 0);
}

/* ---- rows ------------------------------------------------------------------- */

static const char sql_rows[] =
	"SELECT opened_message_id, coalesce(replied_message_id, '-'), "
	"extract(epoch FROM opened_at)::bigint, coalesce(extract(epoch FROM replied_at)::bigint, -1), "
	"kind, customer, coalesce(business_seconds, -1), coalesce(extract(epoch FROM due_at)::bigint, -1), "
	"status, coalesce(target_seconds, -1), policy, calendar "
	"FROM replyclock.sla_requests ORDER BY opened_message_id";

/* Every row as text, for comparing two databases. */
static char *dump_rows(PGconn *pg)
{
	PGresult *r = PQexec(pg, sql_rows);
	CU_ASSERT_EQUAL_FATAL(PQresultStatus(r), PGRES_TUPLES_OK);
	struct strbuf b;
	strbuf_init(&b, 0);
	for (int i = 0; i < PQntuples(r); i++)
		for (int c = 0; c < PQnfields(r); c++)
			strbuf_appendf(&b, "%s%c", PQgetvalue(r, i, c), c + 1 < PQnfields(r) ? '\t' : '\n');
	PQclear(r);
	return strbuf_steal(&b);
}

static const char *expected_status(const struct expect *x, long long due)
{
	if (x->replied)
		return x->replied_at <= due ? "met" : "breached";
	return (long long)time(NULL) > due ? "overdue" : "pending";
}

static int row_mismatch(PGresult *r, int i, struct expect *x, struct calendar *cal)
{
	long long target = !strcmp(x->kind, "first_response") ? FIRST_RESPONSE : NEXT_REPLY;
	time_t due = 0;
	char *err = NULL;
	CU_ASSERT_EQUAL_FATAL(calendar_due_at(cal, (time_t)x->opened_at, target, &due, &err), 0);
	long long bs = x->replied ? calendar_business_seconds(cal, x->opened_at, x->replied_at) : -1;
	char want[1024], got[1024];
	snprintf(want, sizeof want, "%s %s %lld %lld %s %s %lld %lld %s %lld standard oslo", x->opened,
		 x->replied ? x->replied : "-", x->opened_at, x->replied_at, x->kind, x->customer, bs,
		 (long long)due, expected_status(x, due), target);
	snprintf(got, sizeof got, "%s %s %s %s %s %s %s %s %s %s %s %s", PQgetvalue(r, i, 0),
		 PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
		 PQgetvalue(r, i, 5), PQgetvalue(r, i, 6), PQgetvalue(r, i, 7), PQgetvalue(r, i, 8),
		 PQgetvalue(r, i, 9), PQgetvalue(r, i, 10), PQgetvalue(r, i, 11));
	if (!strcmp(want, got))
		return 0;
	fprintf(stderr, "\n  want %s\n  got  %s\n", want, got);
	return 1;
}

/* Checks every sla_requests row against the truth file and the calendar;
 * returns the number of requests checked. */
static size_t check_against_truth(PGconn *pg)
{
	struct expects e;
	load_truth(truth_path, &e);
	char *t = conf_text(NULL, "X", "Y"), *err = NULL;
	struct config *cfg = config_parse(t, "e2e.conf", &err);
	free(t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	struct calendar *cal = calendar_build(config_calendar(cfg, "oslo"), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cal);
	PGresult *r = PQexec(pg, sql_rows);
	CU_ASSERT_EQUAL_FATAL(PQresultStatus(r), PGRES_TUPLES_OK);
	int bad = 0, unexpected = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		struct expect *x = find_expect(&e, PQgetvalue(r, i, 0));
		if (!x) {
			if (unexpected++ < 5)
				fprintf(stderr, "\n  unexpected request opened by %s\n", PQgetvalue(r, i, 0));
			continue;
		}
		x->seen++;
		if (row_mismatch(r, i, x, cal) && ++bad > 10)
			break;
	}
	for (size_t i = 0; i < e.n; i++)
		if (e.v[i].seen != 1 && bad++ < 10)
			fprintf(stderr, "\n  request opened by %s: %d rows\n", e.v[i].opened, e.v[i].seen);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(unexpected, 0);
	CU_ASSERT_EQUAL((size_t)PQntuples(r), e.n);
	size_t n = e.n;
	PQclear(r);
	calendar_free(&cal);
	config_free(&cfg);
	free_expects(&e);
	return n;
}

static long count(PGconn *pg, const char *sql)
{
	char *v = testpg_value(pg, sql, 0, NULL);
	long n = v ? atol(v) : -1;
	free(v);
	return n;
}

/* ---- tests ------------------------------------------------------------------ */

static void sla_e2e__poll_matches_truth(void)
{
	char *hp = xasprintf("127.0.0.1:%s", testenv_get("RC_TEST_IMAPS_PORT"));
	const char *args[] = { "--imap", hp, "--tls", "--ca-file", testenv_get("RC_TEST_CA_FILE"),
			       "--user", testenv_get("RC_TEST_IMAP_USER"), "--password-env", "RC_E2E_PW",
			       "--imap-inbox", "E2eIn", "--imap-sent", "E2eSent", NULL };
	gen(args);
	free(hp);
	struct db d;
	db_init(&d, "sla_e2e_poll", "E2eIn", "E2eSent");
	free(rc_ok(&d, "poll", "--once", NULL, NULL));
	/* poll alone (no recompute) filled the views */
	size_t n = check_against_truth(d.pg);
	CU_ASSERT(n > 50);
	CU_ASSERT(count(d.pg, "SELECT count(*) FROM replyclock.sla_requests WHERE kind = 'next_reply'") > 5);
	CU_ASSERT(count(d.pg, "SELECT count(*) FROM replyclock.sla_requests WHERE status = 'breached'") > 0);
	CU_ASSERT(count(d.pg, "SELECT count(*) FROM replyclock.sla_requests WHERE replied_at IS NULL") > 0);
	CU_ASSERT(count(d.pg, "SELECT count(*) FROM replyclock.sla_weekly") >= 4);
	/* Easter 2026 (2-6 April) is closed in the holiday file: some request
	 * spans it, so the holiday path is exercised. */
	CU_ASSERT(count(d.pg, "SELECT count(*) FROM replyclock.sla_requests WHERE opened_at < "
			      "'2026-04-02' AND due_at > '2026-04-06'") > 0);
	poll_rows = dump_rows(d.pg);
	poll_sightings = count(d.pg, "SELECT count(*) FROM replyclock.sightings");
	CU_ASSERT(poll_sightings > 300);
	/* a recompute from the same facts changes nothing */
	free(rc_ok(&d, "recompute", NULL, NULL, NULL));
	char *again = dump_rows(d.pg);
	CU_ASSERT_STRING_EQUAL(again, poll_rows);
	free(again);
	/* A changed policy is noticed when poll starts, with no new mail. */
	char *text = testfile_read(d.conf, NULL), *at = strstr(text, "first_response = 4h");
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	at[strlen("first_response = ")] = '2';
	free(testfile_write(work, "sla_e2e_poll.conf", text, 0600));
	free(text);
	char *err = rc_ok(&d, "poll", "--once", NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "recomputed"));
	free(err);
	CU_ASSERT_EQUAL(count(d.pg, "SELECT count(*) FROM replyclock.sla_requests WHERE kind = 'first_response' "
			      "AND target_seconds <> 7200"), 0);
	CU_ASSERT(count(d.pg, "SELECT count(*) FROM replyclock.sla_requests WHERE kind = 'first_response'") > 0);
	db_free(&d);
}

/* The daemon with two mailboxes (INBOX copies in one, Sent in the other),
 * so two threads store and derive at once on their own connections: the
 * result must still be exactly the truth. */
static void sla_e2e__daemon_two_mailboxes_concurrent(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(poll_rows);   /* the traffic is in E2eIn / E2eSent */
	struct db d;
	db_init(&d, "sla_e2e_daemon", "E2eIn", "");
	char *base = testfile_read(d.conf, NULL);
	char *text = xasprintf("%s\n[mailbox support2]\nhost = 127.0.0.1\nport = %s\nsecurity = tls\n"
			       "ca_file = %s\nusername = %s\npassword_file = %s/imap.pw\n"
			       "inbound_folders =\nsent_folders = E2eSent\n", base,
			       testenv_get("RC_TEST_IMAPS_PORT"), testenv_get("RC_TEST_CA_FILE"),
			       testenv_get("RC_TEST_IMAP_USER"), work);
	free(testfile_write(work, "sla_e2e_daemon.conf", text, 0600));
	free(base);
	free(text);
	char *log = xasprintf("%s/daemon.log", work);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(getenv("RC_BIN"), "replyclock", "-c", d.conf, "poll", (char *)NULL);
		_exit(127);
	}
	CU_ASSERT_FATAL(pid > 0);
	/* done: every sighting stored (as many as the single-mailbox poll had)
	 * and reflected in the derived rows */
	for (int i = 0; i < 600; i++) {
		long n = count(d.pg, "SELECT count(*) FROM replyclock.sightings");
		if (n == poll_sightings &&
		    count(d.pg, "SELECT coalesce(sum(sightings), 0) FROM replyclock.messages") == n)
			break;
		usleep(50000);
	}
	char *rows = dump_rows(d.pg);
	kill(pid, SIGTERM);
	int status = 0;
	waitpid(pid, &status, 0);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char *out = testfile_read(log, NULL);
	CU_ASSERT_PTR_NOT_NULL(out);
	if (out)
		CU_ASSERT_PTR_NULL(strstr(out, "Sanitizer"));
	free(out);
	free(log);
	CU_ASSERT_STRING_EQUAL(rows, poll_rows);
	free(rows);
	check_against_truth(d.pg);
	db_free(&d);
}

static void sla_e2e__import_mbox_equals_poll(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(poll_rows);
	char *in = xasprintf("%s/in.mbox", work), *sent = xasprintf("%s/sent.mbox", work);
	const char *args[] = { "--mbox-inbound", in, "--mbox-sent", sent, NULL };
	gen(args);
	struct db d;
	db_init(&d, "sla_e2e_import", "E2eIn", "E2eSent");
	free(rc_ok(&d, "import", "--role", "inbound", in));
	free(rc_ok(&d, "import", "--role", "sent", sent));
	char *rows = dump_rows(d.pg);
	CU_ASSERT_STRING_EQUAL(rows, poll_rows);
	free(rows);
	check_against_truth(d.pg);
	db_free(&d);
	free(in);
	free(sent);
}

/* rc-gen's Maildir: INBOX files in DIR/cur, sent in DIR/.Sent/cur; names
 * start with a number that grows in generation order across both. */
struct mfile {
	char *path, *name;
	int sent;
};

static int cmp_mfile(const void *a, const void *b)
{
	return strcmp(((const struct mfile *)a)->name, ((const struct mfile *)b)->name);
}

static size_t list_maildir(const char *root, struct mfile **out)
{
	size_t n = 0;
	*out = NULL;
	for (int sent = 0; sent < 2; sent++) {
		char *dir = xasprintf("%s%s/cur", root, sent ? "/.Sent" : "");
		DIR *d = opendir(dir);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			*out = xrealloc(*out, (n + 1) * sizeof **out);
			(*out)[n++] = (struct mfile){ xasprintf("%s/%s", dir, de->d_name), xstrdup(de->d_name), sent };
		}
		closedir(d);
		free(dir);
	}
	qsort(*out, n, sizeof **out, cmp_mfile);
	return n;
}

static void drop_range(struct mfile *f, size_t from, size_t to, const char *in, const char *sent)
{
	for (size_t i = from; i < to; i++) {
		struct stat sb;
		size_t len;
		char *m = testfile_read(f[i].path, &len);
		CU_ASSERT_FATAL(m && stat(f[i].path, &sb) == 0);
		free(testmaildir_drop(f[i].sent ? sent : in, m, len, sb.st_mtime, "S"));
		free(m);
	}
}

static void free_mfiles(struct mfile *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].path);
		free(f[i].name);
	}
	free(f);
}

/* Two polls, each after half the traffic arrived (a conversation's question
 * in the first, its answer in the second), optionally with the derived
 * update of the second poll failing after its facts committed. */
static void halves(const char *name, const char *in, const char *sent, bool fail_second)
{
	char *md = xasprintf("%s/%s.maildir", work, name);
	const char *args[] = { "--maildir", md, NULL };
	gen(args);
	struct mfile *f;
	size_t n = list_maildir(md, &f);
	CU_ASSERT_FATAL(n > 100);
	struct db d;
	db_init(&d, name, in, sent);
	drop_range(f, 0, n / 2, in, sent);
	free(rc_ok(&d, "poll", "--once", NULL, NULL));
	long first = count(d.pg, "SELECT count(*) FROM replyclock.sla_requests");
	CU_ASSERT(first > 10);
	drop_range(f, n / 2, n, in, sent);
	if (fail_second)
		testpg_exec(d.pg, "CREATE FUNCTION pg_temp_fail() RETURNS trigger LANGUAGE plpgsql AS "
				  "$$BEGIN RAISE EXCEPTION 'injected failure'; END$$; "
				  "CREATE TRIGGER e2e_fail BEFORE INSERT ON replyclock.requests "
				  "FOR EACH ROW EXECUTE FUNCTION pg_temp_fail()");
	char *err = rc_ok(&d, "poll", "--once", NULL, NULL);
	if (fail_second) {
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "injected failure"));
		/* the facts of the second half are stored, the derived rows lag */
		CU_ASSERT_EQUAL(count(d.pg, "SELECT count(*) FROM replyclock.sightings"), (long)n);
		CU_ASSERT(count(d.pg, "SELECT count(DISTINCT message_id) FROM replyclock.sightings") >
			  count(d.pg, "SELECT count(*) FROM replyclock.messages"));
		testpg_exec(d.pg, "DROP TRIGGER e2e_fail ON replyclock.requests; DROP FUNCTION pg_temp_fail()");
		free(err);
		err = rc_ok(&d, "poll", "--once", NULL, NULL);   /* nothing new: heals */
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "caught up SLA results"));
	}
	free(err);
	CU_ASSERT(count(d.pg, "SELECT count(*) FROM replyclock.sla_requests") > first);
	char *incremental = dump_rows(d.pg);
	check_against_truth(d.pg);
	free(rc_ok(&d, "recompute", NULL, NULL, NULL));
	char *recomputed = dump_rows(d.pg);
	CU_ASSERT_STRING_EQUAL(incremental, recomputed);
	free(incremental);
	free(recomputed);
	db_free(&d);
	free_mfiles(f, n);
	free(md);
}

static void sla_e2e__two_halves_equal_recompute(void)
{
	halves("sla_e2e_halves", "HalfInA", "HalfSentA", false);
}

static void sla_e2e__failed_derived_update_healed_by_next_poll(void)
{
	halves("sla_e2e_heal", "HalfInB", "HalfSentB", true);
}

static int suite_init(void)
{
	const char *bin = testenv_get("RC_BIN");
	char b[PATH_MAX];
	snprintf(b, sizeof b, "%s", bin);
	const char *env = getenv("RC_GEN_BIN");
	snprintf(gen_bin, sizeof gen_bin, "%s", env ? env : "");
	if (!env)
		snprintf(gen_bin, sizeof gen_bin, "%s/rc-gen", dirname(b));
	if (!realpath("tests/data/holidays/no-python3-holidays-2020-2035.ics", holidays)) {
		fprintf(stderr, "itest_sla_e2e: run from the source tree (tests/data/holidays)\n");
		return 1;
	}
	work = testdir_new("sla_e2e");
	truth_path = xasprintf("%s/truth.tsv", work);
	snippet = xasprintf("%s/customers.conf", work);
	/* the truth and snippet every test compares with (same seed everywhere) */
	const char *args[] = { "--truth", truth_path, "--config-snippet", snippet, NULL };
	return run_gen(args) == 0 ? 0 : 1;
}

static int suite_clean(void)
{
	free(poll_rows);
	free(truth_path);
	free(snippet);
	free(work);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct testcase tests[] = {
		TESTCASE(sla_e2e__poll_matches_truth),
		TESTCASE(sla_e2e__daemon_two_mailboxes_concurrent),
		TESTCASE(sla_e2e__import_mbox_equals_poll),
		TESTCASE(sla_e2e__two_halves_equal_recompute),
		TESTCASE(sla_e2e__failed_derived_update_healed_by_next_poll),
		{ NULL, NULL },
	};
	return testmain(argc, argv, "sla_e2e", suite_init, suite_clean, tests);
}
