/* PostgreSQL helpers for the store suite: unlike testpg_create_db()
 * (testlib.h) the throwaway database is owned by a throwaway NON-superuser
 * role, which is how the suite proves that migrations need only the
 * database owner's rights (SPEC 3). On the harness server ($RC_TEST_PG_ADMIN). */
#ifndef RC_PGTEST_LOCAL_H
#define RC_PGTEST_LOCAL_H

#include <libpq-fe.h>

struct pgt_db {
	char *name;       /* database name */
	char *role;       /* owning role (LOGIN, not superuser) */
	char *conninfo;   /* connects as `role` to `name` */
};

/* $RC_TEST_PG_ADMIN with dbname/user replaced (NULL keeps the value).
 * Returns a malloc'd keyword=value conninfo. */
char *pgt_conninfo(const char *dbname, const char *user);
/* Connects with $RC_TEST_PG_ADMIN; aborts the test binary when impossible. */
PGconn *pgt_admin(void);
/* Creates a fresh role + database named after `tag` and the pid; returns 0. */
int pgt_db_create(struct pgt_db *db, const char *tag);
/* Drops them again (terminating leftover sessions) and frees the strings. */
void pgt_db_drop(struct pgt_db *db);
/* Runs sql on a new connection to db as its owner; returns the first value
 * of the first row (malloc'd; "" when no rows) or NULL on error (printed). */
char *pgt_query(const struct pgt_db *db, const char *sql);
/* Same as pgt_query, returning the value as a long (-1 on error). */
long pgt_query_long(const struct pgt_db *db, const char *sql);

#endif
