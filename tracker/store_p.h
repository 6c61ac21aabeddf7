/* Private to the store (tracker/store*.c, tracker/cmd_db.c and their tests):
 * the handle, the one error path, and the pure helpers that build what
 * libpq is handed. */
#ifndef RC_STORE_P_H
#define RC_STORE_P_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "tracker/store.h"

struct store {
	PGconn *conn;
	char *server;    /* "PostgreSQL at HOST:PORT, database DB": for messages */
};

/* Maps a failure to what the caller should do next (store.h): sqlstate is
 * the five-character SQLSTATE or NULL when libpq gave none; conn_bad is true
 * when the connection is no longer usable. The only place that decides. */
int store_classify(const char *sqlstate, bool conn_bad);

/* Sets *err to "SERVER: OP failed: libpq's message" for a failed result (res
 * may be NULL) and returns its classification. Clears res. */
int store_fail(struct store *s, PGresult **res, const char *op, char **err);

/* Runs one parameterised statement (text parameters, text results).
 * Returns the result when its status is `want`, else NULL with *err and
 * *status set by store_fail(). The caller PQclear()s the result. */
PGresult *store_exec(struct store *s, const char *op, const char *sql, int nparams,
		     const char *const *params, ExecStatusType want, int *status, char **err);

/* Runs BEGIN / COMMIT / ROLLBACK (ROLLBACK failures are ignored: the
 * connection is then gone and the server rolls back for us). */
int store_begin(struct store *s, char **err);
int store_commit(struct store *s, const char *op, char **err);
void store_rollback(struct store *s);

/* Builds an array literal element by element into b (bounded by nothing:
 * the caller bounds what it adds): begin, add each (NULL = SQL NULL), end. */
struct strbuf;
void pg_array_begin(struct strbuf *b);
void pg_array_add(struct strbuf *b, const char *elem);
void pg_array_end(struct strbuf *b);

/* Quotes a list of C strings into a PostgreSQL array literal, e.g.
 * {"a","b \"c\"",NULL}: every element double-quoted with " and \ escaped,
 * a NULL pointer becomes an SQL NULL. Returns a malloc'd string. */
char *pg_array_literal(const char *const *v, size_t n);

/* Returns a malloc'd copy of s with every byte sequence that is not valid
 * UTF-8 replaced by U+FFFD, so one badly encoded header can never make the
 * server refuse a whole batch; NULL stays NULL. */
char *utf8_sanitize(const char *s);
/* True when the NUL-terminated s is valid UTF-8. */
bool utf8_valid(const char *s);
/* True when the n bytes at s (no NUL among them) are valid UTF-8; fast on ASCII. */
bool utf8_valid_n(const char *s, size_t n);

/* Returns bytea hex input ("\x4142...") for n bytes: binary-safe, NULs too. */
char *bytea_hex(const void *p, size_t n);

#endif
