/* Throwaway databases for the store suites (see pgtest_local.h). */
#include "tests/lib/pgtest_local.h"
#include "tracker/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Quotes a conninfo value: 'it\'s'. */
static void append_value(struct strbuf *b, const char *v)
{
	strbuf_append(b, "'", 1);
	for (; *v; v++) {
		if (*v == '\'' || *v == '\\')
			strbuf_append(b, "\\", 1);
		strbuf_append(b, v, 1);
	}
	strbuf_append(b, "'", 1);
}

char *pgt_conninfo(const char *dbname, const char *user)
{
	const char *admin = getenv("RC_TEST_PG_ADMIN");
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(admin ? admin : "", &perr);
	if (!opts) {
		fprintf(stderr, "pgtest: bad RC_TEST_PG_ADMIN: %s\n", perr ? perr : "?");
		PQfreemem(perr);
		exit(2);
	}
	struct strbuf b;
	strbuf_init(&b, 0);
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		const char *v = o->val;
		if (!strcmp(o->keyword, "dbname") && dbname)
			v = dbname;
		else if (!strcmp(o->keyword, "user") && user)
			v = user;
		if (!v)
			continue;
		strbuf_appendf(&b, "%s%s=", b.len ? " " : "", o->keyword);
		append_value(&b, v);
	}
	PQconninfoFree(opts);
	return strbuf_steal(&b);
}

PGconn *pgt_admin(void)
{
	if (!getenv("RC_TEST_PG_ADMIN")) {
		fprintf(stderr, "pgtest: RC_TEST_PG_ADMIN is not set: run inside tests/harness/with-servers\n");
		exit(2);
	}
	PGconn *c = PQconnectdb(getenv("RC_TEST_PG_ADMIN"));
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "pgtest: cannot connect as admin: %s", PQerrorMessage(c));
		exit(2);
	}
	return c;
}

static int admin_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "pgtest: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

int pgt_db_create(struct pgt_db *db, const char *tag)
{
	static int seq;
	PGconn *c = pgt_admin();
	db->name = xasprintf("rc_%s_%ld_%d", tag, (long)getpid(), seq);
	db->role = xasprintf("rc_%s_owner_%ld_%d", tag, (long)getpid(), seq++);
	/* Identifiers are made of [a-z0-9_] here, so quoting them is enough. */
	char *q1 = xasprintf("CREATE ROLE \"%s\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE", db->role);
	char *q2 = xasprintf("CREATE DATABASE \"%s\" OWNER \"%s\"", db->name, db->role);
	/* PostgreSQL 15 no longer lets everyone create in public; the owner
	 * of the database still may create schemas, which is all we need. */
	int r = admin_exec(c, q1) || admin_exec(c, q2) ? -1 : 0;
	free(q1);
	free(q2);
	PQfinish(c);
	db->conninfo = pgt_conninfo(db->name, db->role);
	return r;
}

void pgt_db_drop(struct pgt_db *db)
{
	if (!db->name)
		return;
	PGconn *c = pgt_admin();
	char *q1 = xasprintf("DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", db->name);
	char *q2 = xasprintf("DROP ROLE IF EXISTS \"%s\"", db->role);
	admin_exec(c, q1);
	admin_exec(c, q2);
	free(q1);
	free(q2);
	PQfinish(c);
	xfree(&db->name);
	xfree(&db->role);
	xfree(&db->conninfo);
}

char *pgt_query(const struct pgt_db *db, const char *sql)
{
	PGconn *c = PQconnectdb(db->conninfo);
	char *v = NULL;
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK)
			v = xstrdup(PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
		else if (PQresultStatus(r) == PGRES_COMMAND_OK)
			v = xstrdup(PQcmdTuples(r));
		else
			fprintf(stderr, "pgtest: %s: %s", sql, PQerrorMessage(c));
		PQclear(r);
	} else {
		fprintf(stderr, "pgtest: connect %s: %s", db->name, PQerrorMessage(c));
	}
	PQfinish(c);
	return v;
}

long pgt_query_long(const struct pgt_db *db, const char *sql)
{
	char *v = pgt_query(db, sql);
	long n = v && *v ? strtol(v, NULL, 10) : -1;
	free(v);
	return n;
}
