/* The PostgreSQL store: connecting, the one error path, and the migrations
 * runner (the embedded sql/NNN_*.sql files, see tracker/migrations.h). */
#include "tracker/store_p.h"
#include "tracker/log.h"
#include "tracker/migrations.h"
#include "tracker/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "PostgreSQL at HOST:PORT, database DB" or "... at socket directory DIR
 * port PORT, database DB": what every message names. Never the password. */
static char *describe_server(PGconn *c)
{
	const char *host = PQhost(c), *port = PQport(c), *db = PQdb(c);
	if (!host || !*host)
		host = "the default socket directory";
	if (!port || !*port)
		port = "5432";
	if (!db || !*db)
		db = "(default)";
	if (host[0] == '/')
		return xasprintf("PostgreSQL at socket directory %s port %s, database %s", host, port, db);
	return xasprintf("PostgreSQL at %s:%s, database %s", host, port, db);
}

/* libpq's messages span lines ("...failed: X\n\tIs the server running...");
 * one log line per event wants them joined. */
static char *one_line(const char *msg)
{
	struct strbuf b;
	strbuf_init(&b, 0);
	const char *p = msg ? msg : "";
	while (*p) {
		size_t run = strcspn(p, "\r\n\t");
		if (run) {
			if (b.len)
				strbuf_append(&b, " ", 1);
			strbuf_append(&b, p, run);
		}
		p += run;
		p += strspn(p, "\r\n\t ");
	}
	if (!b.len)
		strbuf_append(&b, "no message from libpq", 21);
	return strbuf_steal(&b);
}

struct store *store_open(const char *conninfo, char **err)
{
	/* The caller's conninfo is expanded in place of dbname; we only add a
	 * fallback application name and insist on UTF-8 (the schema's text is
	 * UTF-8 whatever the client locale says). */
	const char *const keys[] = { "dbname", "fallback_application_name", "client_encoding", NULL };
	const char *const vals[] = { conninfo ? conninfo : "", "replyclock", "UTF8", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (!c) {
		*err = xstrdup("PostgreSQL: cannot allocate a connection");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		char *server = describe_server(c), *msg = one_line(PQerrorMessage(c));
		*err = xasprintf("%s: connecting failed: %s", server, msg);
		free(server);
		free(msg);
		PQfinish(c);
		return NULL;
	}
	struct store *s = xcalloc(1, sizeof *s);
	s->conn = c;
	s->server = describe_server(c);
	log_debug("%s: connected", s->server);
	return s;
}

void store_close(struct store **s)
{
	if (!s || !*s)
		return;
	PQfinish((*s)->conn);
	free((*s)->server);
	free(*s);
	*s = NULL;
}

struct pg_conn *store_pg(struct store *s)
{
	return s->conn;
}

int store_fail(struct store *s, PGresult **res, const char *op, char **err)
{
	const char *state = *res ? PQresultErrorField(*res, PG_DIAG_SQLSTATE) : NULL;
	const char *raw = *res ? PQresultErrorMessage(*res) : "";
	char *msg;
	if (*raw)
		msg = one_line(raw);
	else if (*res && PQresultStatus(*res) != PGRES_FATAL_ERROR)
		msg = xasprintf("unexpected result %s", PQresStatus(PQresultStatus(*res)));
	else
		msg = one_line(PQerrorMessage(s->conn));
	int cls = store_classify(state, PQstatus(s->conn) == CONNECTION_BAD);
	if (state)
		*err = xasprintf("%s: %s failed: %s (SQLSTATE %s)", s->server, op, msg, state);
	else
		*err = xasprintf("%s: %s failed: %s", s->server, op, msg);
	free(msg);
	PQclear(*res);
	*res = NULL;
	return cls;
}

PGresult *store_exec(struct store *s, const char *op, const char *sql, int nparams,
		     const char *const *params, ExecStatusType want, int *status, char **err)
{
	PGresult *r = PQexecParams(s->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (r && PQresultStatus(r) == want) {
		*status = STORE_OK;
		return r;
	}
	*status = store_fail(s, &r, op, err);
	return NULL;
}

/* Runs a statement whose result is only "did it work". */
static int exec_cmd(struct store *s, const char *op, const char *sql, char **err)
{
	int st;
	PGresult *r = store_exec(s, op, sql, 0, NULL, PGRES_COMMAND_OK, &st, err);
	PQclear(r);
	return st;
}

static const char sql_begin[] = "BEGIN";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";

int store_begin(struct store *s, char **err)
{
	return exec_cmd(s, "starting a transaction", sql_begin, err);
}

int store_commit(struct store *s, const char *op, char **err)
{
	return exec_cmd(s, op, sql_commit, err);
}

void store_rollback(struct store *s)
{
	PQclear(PQexec(s->conn, sql_rollback));
}

/* ---- migrations ---------------------------------------------------- */

/* What the database says it has applied. */
struct applied {
	int *num;
	char **name;
	size_t n;
};

static void applied_free(struct applied *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->name[i]);
	free(a->num);
	free(a->name);
	memset(a, 0, sizeof *a);
}

static int known_max(void)
{
	return rc_migrations_count ? rc_migrations[rc_migrations_count - 1].number : 0;
}

static int applied_max(const struct applied *a)
{
	int m = 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->num[i] > m)
			m = a->num[i];
	return m;
}

static const char sql_have_table[] =
	"SELECT to_regclass('replyclock.schema_migrations') IS NOT NULL";
static const char sql_read_applied[] =
	"SELECT number, name FROM replyclock.schema_migrations ORDER BY number";

/* Reads the applied migrations; none when the bookkeeping table (or the
 * whole schema) does not exist yet. */
static int read_applied(struct store *s, struct applied *a, char **err)
{
	int st;
	memset(a, 0, sizeof *a);
	PGresult *r = store_exec(s, "looking for the schema", sql_have_table, 0, NULL,
				 PGRES_TUPLES_OK, &st, err);
	if (!r)
		return st;
	bool have = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	if (!have)
		return STORE_OK;
	r = store_exec(s, "reading the applied migrations", sql_read_applied, 0, NULL,
		       PGRES_TUPLES_OK, &st, err);
	if (!r)
		return st;
	a->n = (size_t)PQntuples(r);
	a->num = xcalloc(a->n, sizeof *a->num);
	a->name = xcalloc(a->n, sizeof *a->name);
	for (size_t i = 0; i < a->n; i++) {
		a->num[i] = atoi(PQgetvalue(r, (int)i, 0));
		a->name[i] = xstrdup(PQgetvalue(r, (int)i, 1));
	}
	PQclear(r);
	return STORE_OK;
}

static const struct rc_migration *known_migration(int number)
{
	for (size_t i = 0; i < rc_migrations_count; i++)
		if (rc_migrations[i].number == number)
			return &rc_migrations[i];
	return NULL;
}

static bool is_applied(const struct applied *a, int number)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->num[i] == number)
			return true;
	return false;
}

/* Compares the database with the binary: STORE_OK with *pending = the first
 * migration to apply (NULL when current), or STORE_FINAL when the database
 * is ahead of this binary or disagrees with it. */
static int compare_schema(struct store *s, const struct applied *a,
			  const struct rc_migration **pending, char **err)
{
	*pending = NULL;
	for (size_t i = 0; i < a->n; i++) {
		const struct rc_migration *m = known_migration(a->num[i]);
		if (!m && a->num[i] > known_max()) {
			*err = xasprintf("%s: database schema is at migration %d, newer than this "
					 "replyclock (which knows up to %d): a newer replyclock migrated it; "
					 "run that version", s->server, applied_max(a), known_max());
			return STORE_FINAL;
		}
		if (!m || strcmp(m->name, a->name[i])) {
			*err = xasprintf("%s: database schema records migration %d as \"%s\", which this "
					 "replyclock does not have%s%s%s: the database was migrated by a "
					 "different build; not touching it", s->server, a->num[i], a->name[i],
					 m ? " (it has \"" : "", m ? m->name : "", m ? "\")" : "");
			return STORE_FINAL;
		}
	}
	for (size_t i = 0; i < rc_migrations_count && !*pending; i++)
		if (!is_applied(a, rc_migrations[i].number))
			*pending = &rc_migrations[i];
	return STORE_OK;
}

static int behind_message(struct store *s, const struct applied *a, char **err)
{
	*err = xasprintf("%s: database schema is at migration %d, this replyclock needs %d: "
			 "run `replyclock db migrate`", s->server, applied_max(a), known_max());
	return STORE_BEHIND;
}

int store_check_schema(struct store *s, char **err)
{
	struct applied a;
	const struct rc_migration *pending;
	int r = read_applied(s, &a, err);
	if (r == STORE_OK)
		r = compare_schema(s, &a, &pending, err);
	if (r == STORE_OK && pending)
		r = behind_message(s, &a, err);
	applied_free(&a);
	return r;
}

int store_schema_version(struct store *s, int *applied, int *known, char **err)
{
	struct applied a;
	int r = read_applied(s, &a, err);
	*applied = applied_max(&a);
	*known = known_max();
	applied_free(&a);
	return r;
}

/* Serialises concurrent `db migrate` runs; released at COMMIT/ROLLBACK.
 * The key is "replyclk" in ASCII. */
static const char sql_lock[] = "SELECT pg_advisory_xact_lock(8243118304166898795)";
static const char sql_create_schema[] = "CREATE SCHEMA IF NOT EXISTS replyclock";
static const char sql_create_table[] =
	"CREATE TABLE replyclock.schema_migrations ("
	" number integer PRIMARY KEY,"
	" name text NOT NULL,"
	" applied_at timestamptz(0) NOT NULL DEFAULT date_trunc('second', now()))";
static const char sql_comment_table[] =
	"COMMENT ON TABLE replyclock.schema_migrations IS "
	"'Which sql/NNN_name.sql migrations were applied to this database, and when "
	"(written by replyclock db migrate).'";
static const char sql_record[] =
	"INSERT INTO replyclock.schema_migrations (number, name) VALUES ($1, $2)";

/* Every binary's list must be strictly increasing (embed-sql sorts by file
 * name; two files with one number would be a packaging bug). */
static int check_embedded(char **err)
{
	for (size_t i = 0; i < rc_migrations_count; i++)
		if (rc_migrations[i].number <= 0 ||
		    (i && rc_migrations[i].number <= rc_migrations[i - 1].number)) {
			*err = xasprintf("this replyclock was built with a bad migration list at %s",
					 rc_migrations[i].name);
			return STORE_FINAL;
		}
	return STORE_OK;
}

static int lock_migrations(struct store *s, char **err)
{
	int st;
	PGresult *r = store_exec(s, "taking the migration lock", sql_lock, 0, NULL,
				 PGRES_TUPLES_OK, &st, err);
	PQclear(r);
	return st;
}

/* Creates the schema and the bookkeeping table, once, in its own transaction. */
static int bootstrap(struct store *s, char **err)
{
	int r = store_begin(s, err);
	if (r == STORE_OK)
		r = lock_migrations(s, err);
	if (r != STORE_OK)
		goto fail;
	int st;
	PGresult *res = store_exec(s, "looking for the schema", sql_have_table, 0, NULL,
				   PGRES_TUPLES_OK, &st, err);
	if (!res) {
		r = st;
		goto fail;
	}
	bool have = !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	if (!have) {
		if ((r = exec_cmd(s, "creating schema replyclock", sql_create_schema, err)) ||
		    (r = exec_cmd(s, "creating replyclock.schema_migrations", sql_create_table, err)) ||
		    (r = exec_cmd(s, "commenting replyclock.schema_migrations", sql_comment_table, err)))
			goto fail;
	}
	return store_commit(s, "creating the migrations table", err);
fail:
	store_rollback(s);
	return r;
}

/* One migration and its bookkeeping row, in one transaction. */
static int apply_one(struct store *s, const struct rc_migration *m, char **err)
{
	char *op = xasprintf("applying migration %s", m->name);
	/* The file holds several statements, which only the simple protocol
	 * runs; it is our own compiled-in text, not outside data. */
	PGresult *res = PQexec(s->conn, m->sql);
	int r = STORE_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		r = store_fail(s, &res, op, err);
	PQclear(res);
	if (r == STORE_OK) {
		char num[16];
		snprintf(num, sizeof num, "%d", m->number);
		const char *params[] = { num, m->name };
		int st;
		res = store_exec(s, op, sql_record, 2, params, PGRES_COMMAND_OK, &st, err);
		PQclear(res);
		r = st;
	}
	if (r == STORE_OK)
		r = store_commit(s, op, err);
	free(op);
	return r;
}

/* Takes the lock, re-reads what is applied (another run may have just
 * finished) and applies the next pending migration; *done when none is. */
static int migrate_step(struct store *s, bool *done, char **err)
{
	struct applied a;
	const struct rc_migration *m = NULL;
	int r = store_begin(s, err);
	if (r == STORE_OK)
		r = lock_migrations(s, err);
	if (r == STORE_OK)
		r = read_applied(s, &a, err);
	else
		memset(&a, 0, sizeof a);
	if (r == STORE_OK)
		r = compare_schema(s, &a, &m, err);
	applied_free(&a);
	if (r != STORE_OK) {
		store_rollback(s);
		return r;
	}
	*done = m == NULL;
	if (!m)
		return store_commit(s, "finishing migrations", err);
	r = apply_one(s, m, err);
	if (r != STORE_OK)
		store_rollback(s);
	else
		log_info("%s: applied migration %s", s->server, m->name);
	return r;
}

int store_migrate(struct store *s, int *applied, char **err)
{
	*applied = 0;
	int r = check_embedded(err);
	if (r == STORE_OK)
		r = bootstrap(s, err);
	for (bool done = false; r == STORE_OK && !done;) {
		r = migrate_step(s, &done, err);
		if (r == STORE_OK && !done)
			(*applied)++;
	}
	return r;
}
