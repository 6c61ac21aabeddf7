/* Integration tests of the store against the harness's real PostgreSQL:
 * migrations, schema checks, folder state, sightings batches, quoting and
 * binary round trips, failure classification, and `replyclock db`. */
#include "tests/lib/pgtest_local.h"
#include "tracker/cli.h"
#include "tracker/log.h"
#include "tracker/migrations.h"
#include "tracker/pg_copy_bin.h"
#include "tracker/store_p.h"
#include "tracker/util.h"

#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct pgt_db db;   /* migrated once by the first tests, shared after */

/* ---- helpers ------------------------------------------------------- */

static struct store *open_db(const struct pgt_db *d)
{
	char *err = NULL;
	struct store *s = store_open(d->conninfo, &err);
	if (!s)
		fprintf(stderr, "store_open: %s\n", err);
	free(err);
	return s;
}

static struct strbuf captured;

static void capture(enum log_level lvl, const char *line, void *ud)
{
	(void)ud;
	if (lvl <= LOG_LVL_WARN)
		strbuf_appendf(&captured, "%s\n", line);
}

static char **strv(size_t n, ...)
{
	va_list ap;
	va_start(ap, n);
	char **v = xcalloc(n ? n : 1, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(va_arg(ap, const char *));
	va_end(ap);
	return v;
}

/* A plausible message: about 1 KiB of headers, like a real one. */
static void make_msg(struct message *m, uint32_t uid, const char *tag)
{
	memset(m, 0, sizeof *m);
	m->uid = uid;
	m->internaldate = 1775113800 + uid;   /* 2026-04-02T07:10:00Z + uid s */
	m->size = 4000 + uid;
	m->flags = strv(1, "\\Seen");
	m->n_flags = 1;
	m->message_id = xasprintf("%s-%u@customer.example", tag, uid);
	m->in_reply_to = xasprintf("%s-%u@support.example", tag, uid > 1 ? uid - 1 : 0);
	m->references.v = strv(2, "root@customer.example", "mid@support.example");
	m->references.n = 2;
	m->from_addr = xstrdup("kari@acme.no");
	m->from_name = xstrdup("Kari Nordmann");
	m->to_addrs.v = strv(1, "support@example.com");
	m->to_addrs.n = 1;
	m->date = m->internaldate - 5;
	m->has_date = true;
	m->subject = xasprintf("Printer on floor %u is on fire", uid);
	m->content_type = xstrdup("text/plain");
	struct strbuf h;
	strbuf_init(&h, 0);
	strbuf_appendf(&h, "Message-ID: <%s>\r\nFrom: Kari Nordmann <kari@acme.no>\r\n"
			   "To: support@example.com\r\nSubject: %s\r\n", m->message_id, m->subject);
	for (int i = 0; i < 8; i++)
		strbuf_appendf(&h, "Received: from relay%d.example by mx.example with ESMTPS id %u%d; "
				   "Thu, 2 Apr 2026 09:10:00 +0200\r\n", i, uid, i);
	m->raw_headers_len = h.len;
	m->raw_headers = strbuf_steal(&h);
}

static struct message *make_batch(size_t n, uint32_t first_uid, const char *tag)
{
	struct message *v = xcalloc(n, sizeof *v);
	for (size_t i = 0; i < n; i++)
		make_msg(&v[i], first_uid + (uint32_t)i, tag);
	return v;
}

static void free_batch(struct message **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		message_clear(&(*v)[i]);
	xfree(v);
}

static long count_where(const char *cond)
{
	char *q = xasprintf("SELECT count(*) FROM replyclock.sightings WHERE %s", cond);
	long n = pgt_query_long(&db, q);
	free(q);
	return n;
}

static struct folder_state folder(struct store *s, const char *mb, const char *f)
{
	struct folder_state st = { 0 };
	char *err = NULL;
	int r = store_folder_state(s, mb, f, ROLE_INBOUND, &st, &err);
	if (r != STORE_OK)
		fprintf(stderr, "store_folder_state: %s\n", err);
	CU_ASSERT_EQUAL(r, STORE_OK);
	free(err);
	return st;
}

/* ---- migrations and schema checks ---------------------------------- */

static void store__check_schema_behind_on_empty_db(void)
{
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	char *err = NULL;
	CU_ASSERT_EQUAL(store_check_schema(s, &err), STORE_BEHIND);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "run `replyclock db migrate`"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "database schema is at migration 0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, db.name));
	xfree(&err);
	int applied = -1, known = -1;
	CU_ASSERT_EQUAL(store_schema_version(s, &applied, &known, &err), STORE_OK);
	CU_ASSERT_EQUAL(applied, 0);
	CU_ASSERT_EQUAL(known, rc_migrations[rc_migrations_count - 1].number);
	store_close(&s);
	CU_ASSERT_PTR_NULL(s);
}

static void store__migrate_empty_db_applies_all(void)
{
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	char *err = NULL;
	int applied = -1;
	int r = store_migrate(s, &applied, &err);
	if (r)
		fprintf(stderr, "migrate: %s\n", err);
	CU_ASSERT_EQUAL(r, STORE_OK);
	CU_ASSERT_EQUAL(applied, (int)rc_migrations_count);
	CU_ASSERT_EQUAL(store_check_schema(s, &err), STORE_OK);
	CU_ASSERT_PTR_NULL(err);
	store_close(&s);
	/* The non-superuser owner did it all and owns what it made. */
	CU_ASSERT_EQUAL(pgt_query_long(&db, "SELECT count(*) FROM replyclock.schema_migrations"),
			(long)rc_migrations_count);
	char *owner = pgt_query(&db, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'replyclock'");
	CU_ASSERT_STRING_EQUAL(owner ? owner : "", db.role);
	free(owner);
	CU_ASSERT_EQUAL(pgt_query_long(&db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'replyclock' "
					    "AND tablename IN ('mailboxes','folders','sightings')"), 3);
	CU_ASSERT_EQUAL(pgt_query_long(&db, "SELECT count(*) FROM pg_indexes WHERE schemaname = 'replyclock' "
					    "AND tablename = 'sightings' AND indexdef LIKE '%(message_id)%'"), 1);
	CU_ASSERT_EQUAL(pgt_query_long(&db, "SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql'"), 0);
}

static void store__migrate_twice_is_noop(void)
{
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	char *before = pgt_query(&db, "SELECT string_agg(number || ' ' || applied_at, ',') FROM replyclock.schema_migrations");
	char *err = NULL;
	int applied = -1;
	CU_ASSERT_EQUAL(store_migrate(s, &applied, &err), STORE_OK);
	CU_ASSERT_EQUAL(applied, 0);
	char *after = pgt_query(&db, "SELECT string_agg(number || ' ' || applied_at, ',') FROM replyclock.schema_migrations");
	CU_ASSERT_STRING_EQUAL(after ? after : "x", before ? before : "y");
	free(before);
	free(after);
	free(err);
	store_close(&s);
}

/* Two processes migrating one fresh database at once: the advisory lock
 * makes one wait, and the second then finds nothing to do. */
static void store__migrate_concurrent_runs_serialise(void)
{
	struct pgt_db d2 = { 0 };
	CU_ASSERT_EQUAL_FATAL(pgt_db_create(&d2, "conc"), 0);
	pid_t kids[3];
	for (int k = 0; k < 3; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			struct store *s = open_db(&d2);
			char *err = NULL;
			int applied = 0;
			int r = s ? store_migrate(s, &applied, &err) : -1;
			if (r)
				fprintf(stderr, "child migrate: %s\n", err ? err : "open failed");
			_exit(r ? 100 : applied);
		}
	}
	int total = 0;
	for (int k = 0; k < 3; k++) {
		int status = 0;
		waitpid(kids[k], &status, 0);
		CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 100);
		total += WEXITSTATUS(status);
	}
	CU_ASSERT_EQUAL(total, (int)rc_migrations_count);
	CU_ASSERT_EQUAL(pgt_query_long(&d2, "SELECT count(*) FROM replyclock.schema_migrations"),
			(long)rc_migrations_count);
	pgt_db_drop(&d2);
}

static void store__database_ahead_is_refused(void)
{
	free(pgt_query(&db, "INSERT INTO replyclock.schema_migrations (number, name) VALUES (999, '999_future')"));
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	char *err = NULL;
	CU_ASSERT_EQUAL(store_check_schema(s, &err), STORE_FINAL);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "at migration 999, newer than this replyclock"));
	xfree(&err);
	int applied = -1;
	CU_ASSERT_EQUAL(store_migrate(s, &applied, &err), STORE_FINAL);
	CU_ASSERT_EQUAL(applied, 0);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "newer than this replyclock"));
	xfree(&err);
	free(pgt_query(&db, "DELETE FROM replyclock.schema_migrations WHERE number = 999"));
	CU_ASSERT_EQUAL(store_check_schema(s, &err), STORE_OK);
	store_close(&s);
}

static void store__foreign_migration_name_is_refused(void)
{
	free(pgt_query(&db, "UPDATE replyclock.schema_migrations SET name = '001_other' WHERE number = 1"));
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	char *err = NULL;
	CU_ASSERT_EQUAL(store_check_schema(s, &err), STORE_FINAL);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "\"001_other\""));
	xfree(&err);
	free(pgt_query(&db, "UPDATE replyclock.schema_migrations SET name = '001_facts' WHERE number = 1"));
	CU_ASSERT_EQUAL(store_check_schema(s, &err), STORE_OK);
	store_close(&s);
}

/* poll/import/report refuse a behind schema through cli_open_store. */
static void store__cli_open_store_refuses_behind_schema(void)
{
	struct pgt_db d2 = { 0 };
	CU_ASSERT_EQUAL_FATAL(pgt_db_create(&d2, "cli"), 0);
	struct config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.db_conninfo = d2.conninfo;
	strbuf_init(&captured, 0);
	log_set_sink(capture, NULL);
	int code = 0;
	struct store *s = cli_open_store(&cfg, &code);
	log_set_sink(NULL, NULL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(code, RC_EX_CONFIG);
	CU_ASSERT_PTR_NOT_NULL(captured.s && strstr(captured.s, "run `replyclock db migrate`"));
	CU_ASSERT_PTR_NOT_NULL(captured.s && strstr(captured.s, "PostgreSQL at "));
	strbuf_free(&captured);
	store_close(&s);
	/* after migrating, it opens */
	s = open_db(&d2);
	char *err = NULL;
	int applied;
	CU_ASSERT_EQUAL(store_migrate(s, &applied, &err), STORE_OK);
	store_close(&s);
	code = 0;
	s = cli_open_store(&cfg, &code);
	CU_ASSERT_PTR_NOT_NULL(s);
	CU_ASSERT_EQUAL(code, 0);
	store_close(&s);
	/* a database a newer replyclock migrated: 65, not "try again later" */
	free(pgt_query(&d2, "INSERT INTO replyclock.schema_migrations (number, name) VALUES (999, '999_future')"));
	log_set_sink(capture, NULL);
	s = cli_open_store(&cfg, &code);
	log_set_sink(NULL, NULL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(code, RC_EX_DATAERR);
	CU_ASSERT_PTR_NOT_NULL(captured.s && strstr(captured.s, "newer than this replyclock"));
	strbuf_free(&captured);
	store_close(&s);
	pgt_db_drop(&d2);
}

/* ---- folder state --------------------------------------------------- */

static void store__folder_state_create_and_reuse(void)
{
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct folder_state a = folder(s, "support", "INBOX");
	CU_ASSERT_TRUE(a.folder_id > 0);
	CU_ASSERT_EQUAL(a.uidvalidity, 0);
	CU_ASSERT_EQUAL(a.last_uid, 0);
	struct folder_state b = folder(s, "support", "INBOX");
	CU_ASSERT_EQUAL(b.folder_id, a.folder_id);
	struct folder_state c = folder(s, "support", "Sent Items");
	CU_ASSERT_NOT_EQUAL(c.folder_id, a.folder_id);
	struct folder_state d = folder(s, "agent-kari", "INBOX");
	CU_ASSERT_NOT_EQUAL(d.folder_id, a.folder_id);
	CU_ASSERT_EQUAL(pgt_query_long(&db, "SELECT count(*) FROM replyclock.mailboxes "
					    "WHERE name IN ('support', 'agent-kari')"), 2);
	/* the role follows the configuration */
	char *err = NULL;
	struct folder_state e;
	CU_ASSERT_EQUAL(store_folder_state(s, "support", "Sent Items", ROLE_SENT, &e, &err), STORE_OK);
	CU_ASSERT_EQUAL(e.folder_id, c.folder_id);
	CU_ASSERT_EQUAL(pgt_query_long(&db, "SELECT count(*) FROM replyclock.folders WHERE name = 'Sent Items' "
					    "AND role = 'sent'"), 1);
	store_close(&s);
}

/* ---- sightings ------------------------------------------------------ */

static void store__sightings_insert_and_retry_is_noop(void)
{
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct folder_state st = folder(s, "retry", "INBOX");
	struct message *v = make_batch(50, 1, "retry");
	char *err = NULL;
	size_t ins = 99;
	CU_ASSERT_EQUAL(store_sightings(s, st.folder_id, 7001, v, 50, 50, &ins, &err), STORE_OK);
	CU_ASSERT_EQUAL(ins, 50);
	st = folder(s, "retry", "INBOX");
	CU_ASSERT_EQUAL(st.uidvalidity, 7001);
	CU_ASSERT_EQUAL(st.last_uid, 50);
	/* the same batch again, as after a lost COMMIT acknowledgement */
	CU_ASSERT_EQUAL(store_sightings(s, st.folder_id, 7001, v, 50, 50, &ins, &err), STORE_OK);
	CU_ASSERT_EQUAL(ins, 0);
	/* an older cursor never moves it back */
	CU_ASSERT_EQUAL(store_sightings(s, st.folder_id, 7001, v, 10, 10, &ins, &err), STORE_OK);
	CU_ASSERT_EQUAL(ins, 0);
	st = folder(s, "retry", "INBOX");
	CU_ASSERT_EQUAL(st.last_uid, 50);
	CU_ASSERT_EQUAL(count_where("message_id LIKE 'retry-%'"), 50);
	/* what was stored is what was given */
	CU_ASSERT_EQUAL(count_where("message_id = 'retry-7@customer.example' AND uid = 7 AND uidvalidity = 7001 "
				    "AND internaldate = to_timestamp(1775113807) AND date_header = to_timestamp(1775113802) "
				    "AND size = 4007 AND from_addr = 'kari@acme.no' AND in_reply_to = 'retry-6@support.example' "
				    "AND references_ = ARRAY['root@customer.example','mid@support.example'] "
				    "AND to_addrs = ARRAY['support@example.com'] AND cc_addrs = '{}' "
				    "AND flags = ARRAY['\\Seen'] AND subject = 'Printer on floor 7 is on fire' "
				    "AND NOT message_id_synthetic AND parse_error IS NULL AND auto_submitted IS NULL"), 1);
	/* ids follow the batch order */
	CU_ASSERT_EQUAL(pgt_query_long(&db, "SELECT count(*) FROM (SELECT uid, row_number() OVER (ORDER BY id) rn "
					    "FROM replyclock.sightings WHERE message_id LIKE 'retry-%') x WHERE uid = rn"), 50);
	free_batch(&v, 50);
	store_close(&s);
}

static void store__sightings_failed_batch_leaves_nothing(void)
{
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct folder_state st = folder(s, "fail", "INBOX");
	struct message *v = make_batch(20, 1, "fail");
	char *err = NULL;
	size_t ins = 0;
	CU_ASSERT_EQUAL(store_sightings(s, st.folder_id, 5, v, 10, 10, &ins, &err), STORE_OK);
	/* message 15 has no Message-ID at all: the server refuses the batch */
	xfree(&v[14].message_id);
	ins = 77;
	int r = store_sightings(s, st.folder_id, 5, v + 10, 10, 20, &ins, &err);
	CU_ASSERT_EQUAL(r, STORE_FINAL);
	CU_ASSERT_EQUAL(ins, 0);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "storing sightings failed"));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "PostgreSQL at "));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "23502"));
	xfree(&err);
	CU_ASSERT_EQUAL(count_where("message_id LIKE 'fail-%'"), 10);
	st = folder(s, "fail", "INBOX");
	CU_ASSERT_EQUAL(st.last_uid, 10);
	/* the connection is usable afterwards */
	CU_ASSERT_EQUAL(store_check_schema(s, &err), STORE_OK);
	/* UID 0 does not exist in IMAP: refused, not silently collapsed */
	v[10].uid = 0;
	xfree(&v[10].message_id);
	v[10].message_id = xstrdup("fail-zero@customer.example");
	CU_ASSERT_EQUAL(store_sightings(s, st.folder_id, 5, v + 10, 1, 11, &ins, &err), STORE_FINAL);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "23514"));
	xfree(&err);
	/* an unknown folder is refused too, and moves nothing */
	r = store_sightings(s, 987654321, 5, v, 3, 3, &ins, &err);
	CU_ASSERT_EQUAL(r, STORE_FINAL);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "no folder with id 987654321"));
	xfree(&err);
	CU_ASSERT_EQUAL(count_where("message_id LIKE 'fail-%'"), 10);
	free_batch(&v, 20);
	store_close(&s);
}

static void store__uidvalidity_change_resets_cursor(void)
{
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct folder_state st = folder(s, "uv", "INBOX");
	struct message *v = make_batch(3, 1, "uv");
	char *err = NULL;
	size_t ins = 0;
	CU_ASSERT_EQUAL(store_sightings(s, st.folder_id, 100, v, 3, 3, &ins, &err), STORE_OK);
	free(pgt_query(&db, "UPDATE replyclock.folders SET highestmodseq = 42 WHERE name = 'INBOX' "
			    "AND mailbox_id = (SELECT id FROM replyclock.mailboxes WHERE name = 'uv')"));
	/* the server renumbered the folder: same messages, new UIDs */
	CU_ASSERT_EQUAL(store_sightings(s, st.folder_id, 200, v, 2, 2, &ins, &err), STORE_OK);
	CU_ASSERT_EQUAL(ins, 2);
	st = folder(s, "uv", "INBOX");
	CU_ASSERT_EQUAL(st.uidvalidity, 200);
	CU_ASSERT_EQUAL(st.last_uid, 2);
	CU_ASSERT_EQUAL(count_where("message_id LIKE 'uv-%' AND uidvalidity = 100"), 3);
	CU_ASSERT_EQUAL(count_where("message_id LIKE 'uv-%' AND uidvalidity = 200"), 2);
	CU_ASSERT_EQUAL(pgt_query_long(&db, "SELECT count(*) FROM replyclock.folders f JOIN replyclock.mailboxes m "
					    "ON m.id = f.mailbox_id WHERE m.name = 'uv' AND f.highestmodseq IS NULL"), 1);
	/* an empty folder under yet another UIDVALIDITY: the cursor still moves */
	CU_ASSERT_EQUAL(store_sightings(s, st.folder_id, 300, NULL, 0, 0, &ins, &err), STORE_OK);
	CU_ASSERT_EQUAL(ins, 0);
	st = folder(s, "uv", "INBOX");
	CU_ASSERT_EQUAL(st.uidvalidity, 300);
	CU_ASSERT_EQUAL(st.last_uid, 0);
	CU_ASSERT_EQUAL(count_where("message_id LIKE 'uv-%'"), 5);
	free_batch(&v, 3);
	store_close(&s);
}

static const char *const nasty[] = {
	"a,b", "say \"hi\"", "back\\slash", "{braces}", "NULL", "null", "", " spaced ",
	"Jürgen Müller", "日本語", "tab\there", "new\nline", "\\\"{,}\"\\", "emoji 😀",
};
#define N_NASTY (sizeof nasty / sizeof nasty[0])

static void store__array_quoting_roundtrip(void)
{
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct folder_state st = folder(s, "quote", "INBOX");
	struct message m;
	make_msg(&m, 1, "quote");
	for (struct strlist *l = &m.to_addrs; l; l = l == &m.to_addrs ? &m.references : NULL) {
		for (size_t i = 0; i < l->n; i++)
			free(l->v[i]);
		free(l->v);
		l->v = strv(0);
		l->n = 0;
		for (size_t i = 0; i < N_NASTY; i++) {
			l->v = xrealloc(l->v, (i + 1) * sizeof *l->v);
			l->v[l->n++] = xstrdup(nasty[i]);
		}
	}
	free(m.subject);
	m.subject = xstrdup("\\\"{,}\" NULL");
	char *err = NULL;
	size_t ins = 0;
	CU_ASSERT_EQUAL(store_sightings(s, st.folder_id, 1, &m, 1, 1, &ins, &err), STORE_OK);
	CU_ASSERT_EQUAL(ins, 1);
	PGconn *c = store_pg(s);
	static const char q[] =
		"SELECT t.v, t.v IS NULL, r.v FROM replyclock.sightings s,"
		" unnest(s.to_addrs) WITH ORDINALITY t(v, i) JOIN unnest(s.references_) WITH ORDINALITY r(v, i)"
		" USING (i) WHERE s.message_id = 'quote-1@customer.example' ORDER BY i";
	PGresult *r = PQexecParams(c, q, 0, NULL, NULL, NULL, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(PQresultStatus(r), PGRES_TUPLES_OK);
	CU_ASSERT_EQUAL(PQntuples(r), (int)N_NASTY);
	for (int i = 0; i < PQntuples(r) && i < (int)N_NASTY; i++) {
		CU_ASSERT_STRING_EQUAL(PQgetvalue(r, i, 0), nasty[i]);
		CU_ASSERT_STRING_EQUAL(PQgetvalue(r, i, 1), "f");
		CU_ASSERT_STRING_EQUAL(PQgetvalue(r, i, 2), nasty[i]);
	}
	PQclear(r);
	CU_ASSERT_EQUAL(count_where("subject = E'\\\\\"{,}\" NULL'"), 1);
	/* the helper on its own, against the server's parser */
	char *lit = pg_array_literal(nasty, N_NASTY);
	const char *p[] = { lit };
	r = PQexecParams(c, "SELECT x FROM unnest($1::text[]) WITH ORDINALITY u(x, i) ORDER BY i", 1, NULL, p,
			 NULL, NULL, 0);
	CU_ASSERT_EQUAL(PQntuples(r), (int)N_NASTY);
	for (int i = 0; i < PQntuples(r) && i < (int)N_NASTY; i++)
		CU_ASSERT_STRING_EQUAL(PQgetvalue(r, i, 0), nasty[i]);
	PQclear(r);
	free(lit);
	message_clear(&m);
	store_close(&s);
}

/* Binary COPY rows (tracker/pg_copy_bin.c) as the server reads them: every
 * type the derived writers use, NULLs, empty and nasty arrays, invalid
 * UTF-8 (repaired, not refused) and instants beyond year 9999. */
static void store__binary_copy_roundtrip(void)
{
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	PGconn *c = store_pg(s);
	PGresult *r = PQexec(c, "CREATE TEMP TABLE bin (n int4, t text, i4 int4, i8 int8, b bool, "
				"ts timestamptz, d date, a text[] COLLATE \"C\")");
	CU_ASSERT_EQUAL_FATAL(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	r = PQexec(c, "COPY bin FROM STDIN (FORMAT binary)");
	CU_ASSERT_EQUAL_FATAL(PQresultStatus(r), PGRES_COPY_IN);
	PQclear(r);
	struct strbuf b;
	strbuf_init(&b, 0);
	pgbin_header(&b);
	/* 1: ordinary values */
	const char *two[] = { "a@x", "b \"q\" {,} NULL" };
	pgbin_row(&b, 8);
	pgbin_int4(&b, 1);
	pgbin_text(&b, "Blåbær\ttab\\slash");
	pgbin_int4(&b, -7);
	pgbin_int8(&b, 5000000000LL);
	pgbin_bool(&b, true);
	pgbin_timestamptz(&b, 1743500000);  /* 2025-04-01T09:33:20Z */
	pgbin_date(&b, 20179);              /* 2025-04-01 */
	pgbin_text_array(&b, two, 2);
	/* 2: NULLs, empty array, the epochs */
	pgbin_row(&b, 8);
	pgbin_int4(&b, 2);
	pgbin_null(&b);
	pgbin_null(&b);
	pgbin_int8(&b, -1);
	pgbin_bool(&b, false);
	pgbin_timestamptz(&b, 0);
	pgbin_date(&b, 0);
	pgbin_text_array(&b, NULL, 0);
	/* 3: invalid UTF-8 in text and array, out-of-range instant */
	const char *bad[] = { "ok", "x\xff" "y" };
	pgbin_row(&b, 8);
	pgbin_int4(&b, 3);
	pgbin_text(&b, "caf\xc3");
	pgbin_int4(&b, 0);
	pgbin_int8(&b, 0);
	pgbin_bool(&b, true);
	pgbin_timestamptz(&b, (time_t)253402300800LL); /* 10000-01-01 */
	pgbin_null(&b);
	pgbin_text_array(&b, bad, 2);
	pgbin_trailer(&b);
	CU_ASSERT_EQUAL(PQputCopyData(c, b.s, (int)b.len), 1);
	CU_ASSERT_EQUAL(PQputCopyEnd(c, NULL), 1);
	strbuf_free(&b);
	while ((r = PQgetResult(c))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			fprintf(stderr, "binary COPY: %s", PQresultErrorMessage(r));
		CU_ASSERT_EQUAL(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
	}
	r = PQexec(c, "SET TIME ZONE 'UTC'; SELECT t, i4, i8, b, ts, d, a, cardinality(a), a[2] "
		      "FROM bin ORDER BY n");
	CU_ASSERT_EQUAL_FATAL(PQresultStatus(r), PGRES_TUPLES_OK);
	CU_ASSERT_EQUAL_FATAL(PQntuples(r), 3);
	static const char *const want[3][9] = {
		{ "Blåbær\ttab\\slash", "-7", "5000000000", "t", "2025-04-01 09:33:20+00", "2025-04-01",
		  "{a@x,\"b \\\"q\\\" {,} NULL\"}", "2", "b \"q\" {,} NULL" },
		{ "", "", "-1", "f", "1970-01-01 00:00:00+00", "1970-01-01", "{}", "0", "" },
		{ "caf\xef\xbf\xbd", "0", "0", "t", "infinity", "", "{ok,x\xef\xbf\xbdy}", "2",
		  "x\xef\xbf\xbdy" },
	};
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 9; k++) {
			const char *got = PQgetvalue(r, i, k);
			if (strcmp(got, want[i][k]))
				fprintf(stderr, "row %d column %d: got [%s] want [%s]\n", i + 1, k, got, want[i][k]);
			CU_ASSERT_STRING_EQUAL(got, want[i][k]);
		}
	CU_ASSERT(PQgetisnull(r, 1, 0) && PQgetisnull(r, 1, 1) && !PQgetisnull(r, 1, 6));
	PQclear(r);
	store_close(&s);
}

static void store__raw_headers_binary_roundtrip(void)
{
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct folder_state st = folder(s, "raw", "INBOX");
	struct message m;
	make_msg(&m, 1, "raw");
	free(m.raw_headers);
	m.raw_headers_len = 512;
	m.raw_headers = xmalloc(m.raw_headers_len);
	for (size_t i = 0; i < m.raw_headers_len; i++)
		m.raw_headers[i] = (char)(255 - i % 256);   /* every byte, NUL and 0x80-0xff too */
	/* Text that is not UTF-8 is repaired, not a reason to lose the message. */
	free(m.subject);
	m.subject = xstrdup("caf\xe9 \xff ok");
	free(m.from_name);
	m.from_name = xstrdup("J\xfcrgen");
	char *err = NULL;
	size_t ins = 0;
	int rc = store_sightings(s, st.folder_id, 1, &m, 1, 1, &ins, &err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_EQUAL(rc, STORE_OK);
	CU_ASSERT_EQUAL(ins, 1);
	PGresult *r = PQexecParams(store_pg(s), "SELECT raw_headers FROM replyclock.sightings "
				   "WHERE message_id = 'raw-1@customer.example'", 0, NULL, NULL, NULL, NULL, 1);
	CU_ASSERT_EQUAL_FATAL(PQntuples(r), 1);
	CU_ASSERT_EQUAL(PQgetlength(r, 0, 0), 512);
	CU_ASSERT_TRUE(PQgetlength(r, 0, 0) == 512 && !memcmp(PQgetvalue(r, 0, 0), m.raw_headers, 512));
	PQclear(r);
	CU_ASSERT_EQUAL(count_where("message_id = 'raw-1@customer.example' "
				    "AND subject = E'caf\\uFFFD \\uFFFD ok' AND from_name = E'J\\uFFFDrgen'"), 1);
	message_clear(&m);
	store_close(&s);
}

/* ---- failures -------------------------------------------------------- */

static void store__closed_port_names_server(void)
{
	/* a port nobody listens on: bind one, note it, close it */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	int port = ntohs(a.sin_port);
	char *ci = xasprintf("host=127.0.0.1 port=%d dbname=nowhere user=x password=TopSecret42 connect_timeout=5",
			     port);
	char *err = NULL;
	struct store *s = store_open(ci, &err);
	CU_ASSERT_PTR_NULL(s);
	char *want = xasprintf("PostgreSQL at 127.0.0.1:%d, database nowhere: connecting failed", port);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, want));
	CU_ASSERT_PTR_NULL(err ? strstr(err, "TopSecret42") : "x");
	CU_ASSERT_PTR_NULL(err ? strchr(err, '\n') : "x");
	free(want);
	free(err);
	free(ci);
}

/* The server ends our session (as on shutdown or a failover): WAIT. */
static void store__terminated_session_is_wait(void)
{
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct folder_state st = folder(s, "term", "INBOX");
	char *q = xasprintf("SELECT pg_terminate_backend(%d)", PQbackendPID(store_pg(s)));
	PGconn *admin = pgt_admin();
	PQclear(PQexec(admin, q));
	PQfinish(admin);
	free(q);
	usleep(100 * 1000);
	struct message *v = make_batch(2, 1, "term");
	char *err = NULL;
	size_t ins = 0;
	int r = store_sightings(s, st.folder_id, 1, v, 2, 2, &ins, &err);
	CU_ASSERT_EQUAL(r, STORE_WAIT);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "PostgreSQL at "));
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, db.name));
	free(err);
	free_batch(&v, 2);
	store_close(&s);
	CU_ASSERT_EQUAL(count_where("message_id LIKE 'term-%'"), 0);
}

/* The server is stopped under an open store, then comes back. */
static void store__stopped_server_is_wait(void)
{
	const char *h = getenv("RC_TEST_HARNESS");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct folder_state st = folder(s, "stop", "INBOX");
	char *cmd = xasprintf("'%s' stop pg", h);
	CU_ASSERT_EQUAL(system(cmd), 0);
	free(cmd);
	struct message *v = make_batch(2, 1, "stop");
	char *err = NULL;
	size_t ins = 0;
	int r = store_sightings(s, st.folder_id, 1, v, 2, 2, &ins, &err);
	CU_ASSERT_EQUAL(r, STORE_WAIT);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "PostgreSQL at "));
	xfree(&err);
	store_close(&s);
	/* a new connection while it is down fails, naming the server */
	s = store_open(db.conninfo, &err);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "connecting failed"));
	xfree(&err);
	cmd = xasprintf("'%s' start pg", h);
	CU_ASSERT_EQUAL(system(cmd), 0);
	free(cmd);
	s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s)
		CU_ASSERT_EQUAL(store_sightings(s, st.folder_id, 1, v, 2, 2, &ins, &err), STORE_OK);
	CU_ASSERT_EQUAL(ins, 2);
	free_batch(&v, 2);
	store_close(&s);
}

/* ---- speed ----------------------------------------------------------- */

static void store__insert_rate_10000(void)
{
	struct store *s = open_db(&db);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct folder_state st = folder(s, "bench", "INBOX");
	enum { N = 10000, BATCH = 500 };
	struct message *v = make_batch(N, 1, "bench");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t total = 0;
	char *err = NULL;
	for (size_t i = 0; i < N; i += BATCH) {
		size_t ins = 0;
		int r = store_sightings(s, st.folder_id, 1, v + i, BATCH, (uint32_t)(i + BATCH), &ins, &err);
		CU_ASSERT_EQUAL(r, STORE_OK);
		if (r) {
			fprintf(stderr, "%s\n", err);
			break;
		}
		total += ins;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CU_ASSERT_EQUAL(total, N);
	CU_ASSERT_EQUAL(count_where("message_id LIKE 'bench-%'"), N);
	printf("\n    store: %d sightings (~%zu B of headers each) in batches of %d: %.2f s, %.0f/s\n", N,
	       v[0].raw_headers_len, BATCH, secs, N / secs);
	/* the same 10,000 as one batch (one transaction) into another folder */
	st = folder(s, "bench", "Archive");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t ins = 0;
	CU_ASSERT_EQUAL(store_sightings(s, st.folder_id, 1, v, N, N, &ins, &err), STORE_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CU_ASSERT_EQUAL(ins, N);
	printf("    store: %d sightings in one batch: %.2f s, %.0f/s\n", N, secs, N / secs);
	free_batch(&v, N);
	store_close(&s);
}

/* ---- the command ------------------------------------------------------ */

/* Runs "$RC_BIN -c CONF db ARG" and returns its exit code and stdout. */
static int run_db(const char *conf, const char *arg, char **out)
{
	const char *bin = getenv("RC_BIN") ? getenv("RC_BIN") : "build/replyclock";
	char *cmd = xasprintf("'%s' -q -c '%s' db %s 2>&1", bin, conf, arg);
	FILE *p = popen(cmd, "r");
	free(cmd);
	struct strbuf b;
	strbuf_init(&b, 1 << 20);
	char buf[4096];
	size_t n;
	while (p && (n = fread(buf, 1, sizeof buf, p)) > 0)
		strbuf_append(&b, buf, n);
	int st = p ? pclose(p) : -1;
	*out = strbuf_steal(&b);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void store__db_migrate_command_twice(void)
{
	struct pgt_db d2 = { 0 };
	CU_ASSERT_EQUAL_FATAL(pgt_db_create(&d2, "cmd"), 0);
	const char *dir = getenv("RC_TEST_DIR") ? getenv("RC_TEST_DIR") : "/tmp";
	char *conf = xasprintf("%s/itest_store_%ld.conf", dir, (long)getpid());
	FILE *f = fopen(conf, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "[database]\nconninfo = \"%s\"\n", d2.conninfo);
	fclose(f);
	char *out = NULL;
	CU_ASSERT_EQUAL(run_db(conf, "status", &out), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "run `replyclock db migrate`"));
	xfree(&out);
	CU_ASSERT_EQUAL(run_db(conf, "migrate", &out), 0);
	char *applied = xasprintf("applied %zu migration(s)", rc_migrations_count);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, applied));
	free(applied);
	xfree(&out);
	CU_ASSERT_EQUAL(run_db(conf, "migrate", &out), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "nothing to apply"));
	xfree(&out);
	CU_ASSERT_EQUAL(run_db(conf, "status", &out), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "up to date"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "001_facts"));
	xfree(&out);
	/* a database migrated by a newer replyclock: 65 */
	free(pgt_query(&d2, "INSERT INTO replyclock.schema_migrations (number, name) VALUES (999, '999_future')"));
	CU_ASSERT_EQUAL(run_db(conf, "migrate", &out), RC_EX_DATAERR);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "newer than this replyclock"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, d2.name));
	xfree(&out);
	CU_ASSERT_EQUAL(run_db(conf, "bogus", &out), RC_EX_USAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "usage: replyclock db migrate"));
	xfree(&out);
	/* no configuration: 78; an unreachable server: 69 */
	CU_ASSERT_EQUAL(run_db("/nonexistent/replyclock.conf", "migrate", &out), RC_EX_CONFIG);
	xfree(&out);
	f = fopen(conf, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "[database]\nconninfo = host=127.0.0.1 port=1 dbname=nowhere connect_timeout=5\n");
	fclose(f);
	CU_ASSERT_EQUAL(run_db(conf, "migrate", &out), RC_EX_UNAVAILABLE);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "PostgreSQL at 127.0.0.1:1, database nowhere"));
	xfree(&out);
	unlink(conf);
	free(conf);
	pgt_db_drop(&d2);
}

int main(void)
{
	log_init(-1);   /* keep the suite's output to its results */
	if (pgt_db_create(&db, "store") != 0)
		return 2;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	CU_pSuite s = CU_add_suite("store", NULL, NULL);
	/* order matters for the first ones: they migrate the shared database */
	CU_add_test(s, "store__check_schema_behind_on_empty_db", store__check_schema_behind_on_empty_db);
	CU_add_test(s, "store__migrate_empty_db_applies_all", store__migrate_empty_db_applies_all);
	CU_add_test(s, "store__migrate_twice_is_noop", store__migrate_twice_is_noop);
	CU_add_test(s, "store__migrate_concurrent_runs_serialise", store__migrate_concurrent_runs_serialise);
	CU_add_test(s, "store__database_ahead_is_refused", store__database_ahead_is_refused);
	CU_add_test(s, "store__foreign_migration_name_is_refused", store__foreign_migration_name_is_refused);
	CU_add_test(s, "store__cli_open_store_refuses_behind_schema", store__cli_open_store_refuses_behind_schema);
	CU_add_test(s, "store__folder_state_create_and_reuse", store__folder_state_create_and_reuse);
	CU_add_test(s, "store__sightings_insert_and_retry_is_noop", store__sightings_insert_and_retry_is_noop);
	CU_add_test(s, "store__sightings_failed_batch_leaves_nothing", store__sightings_failed_batch_leaves_nothing);
	CU_add_test(s, "store__uidvalidity_change_resets_cursor", store__uidvalidity_change_resets_cursor);
	CU_add_test(s, "store__array_quoting_roundtrip", store__array_quoting_roundtrip);
	CU_add_test(s, "store__raw_headers_binary_roundtrip", store__raw_headers_binary_roundtrip);
	CU_add_test(s, "store__binary_copy_roundtrip", store__binary_copy_roundtrip);
	CU_add_test(s, "store__closed_port_names_server", store__closed_port_names_server);
	CU_add_test(s, "store__terminated_session_is_wait", store__terminated_session_is_wait);
	CU_add_test(s, "store__insert_rate_10000", store__insert_rate_10000);
	CU_add_test(s, "store__db_migrate_command_twice", store__db_migrate_command_twice);
	CU_add_test(s, "store__stopped_server_is_wait", store__stopped_server_is_wait);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	int failed = (int)CU_get_number_of_failures();
	CU_cleanup_registry();
	pgt_db_drop(&db);
	return failed ? 1 : 0;
}
