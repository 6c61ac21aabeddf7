/* Throwaway PostgreSQL databases for integration suites (one per suite),
 * created through the harness's admin conninfo. */
#include "tests/lib/testlib.h"
#include "tracker/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static PGconn *admin_connect(void)
{
	PGconn *c = PQconnectdb(testenv_get("RC_TEST_PG_ADMIN"));
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "testpg: cannot connect to RC_TEST_PG_ADMIN: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Appends key='value' with libpq's quoting (backslash and quote escaped). */
static void conninfo_add(struct strbuf *b, const char *key, const char *val)
{
	strbuf_appendf(b, "%s%s='", b->len ? " " : "", key);
	for (const char *p = val; *p; p++) {
		if (*p == '\\' || *p == '\'')
			strbuf_append(b, "\\", 1);
		strbuf_append(b, p, 1);
	}
	strbuf_append(b, "'", 1);
}

/* The admin conninfo with dbname replaced. */
static char *conninfo_with_db(const char *dbname)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(testenv_get("RC_TEST_PG_ADMIN"), &perr);
	if (!opts) {
		fprintf(stderr, "testpg: RC_TEST_PG_ADMIN does not parse: %s\n", perr ? perr : "?");
		PQfreemem(perr);
		exit(1);
	}
	struct strbuf b;
	strbuf_init(&b, 0);
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (o->val && *o->val && strcmp(o->keyword, "dbname"))
			conninfo_add(&b, o->keyword, o->val);
	conninfo_add(&b, "dbname", dbname);
	PQconninfoFree(opts);
	return strbuf_steal(&b);
}

static char *unique_name(const char *prefix)
{
	static unsigned seq;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	char *name = xasprintf("%.30s_%ld_%u_%lx", prefix && *prefix ? prefix : "t",
			       (long)getpid(), ++seq, (unsigned long)ts.tv_nsec);
	for (char *p = name; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			*p = '_';
	}
	return name;
}

/* Runs a utility statement naming database DB (no parameters possible for
 * CREATE/DROP DATABASE, hence the escaped identifier). */
static int admin_db_stmt(const char *fmt, const char *db)
{
	PGconn *c = admin_connect();
	if (!c)
		return -1;
	char *ident = PQescapeIdentifier(c, db, strlen(db));
	if (!ident) {
		fprintf(stderr, "testpg: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	char *sql = xasprintf(fmt, ident);
	PQfreemem(ident);
	PGresult *r = PQexec(c, sql);
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc)
		fprintf(stderr, "testpg: %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	free(sql);
	PQfinish(c);
	return rc;
}

int testpg_create_db(const char *prefix, char **conninfo)
{
	*conninfo = NULL;
	char *name = unique_name(prefix);
	int rc = admin_db_stmt("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", name);
	if (rc == 0)
		*conninfo = conninfo_with_db(name);
	free(name);
	return rc;
}

int testpg_drop_db(char **conninfo)
{
	if (!conninfo || !*conninfo)
		return 0;
	int rc = -1;
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(*conninfo, &perr);
	PQfreemem(perr);
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (!strcmp(o->keyword, "dbname") && o->val)
			rc = admin_db_stmt("DROP DATABASE IF EXISTS %s WITH (FORCE)", o->val);
	PQconninfoFree(opts);
	xfree(conninfo);
	return rc;
}

PGconn *testpg_connect(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "testpg: cannot connect (%s): %s", conninfo, PQerrorMessage(c));
		exit(1);
	}
	return c;
}

void testpg_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fprintf(stderr, "testpg: %s\n  failed: %s", sql, PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
}

char *testpg_value(PGconn *c, const char *sql, int nparams, const char *const *params)
{
	PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "testpg: %s\n  failed: %s", sql, PQerrorMessage(c));
		exit(1);
	}
	char *v = NULL;
	if (PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
		v = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}
