/* Helpers for the CUnit test binaries (linked into every tests/unit and
 * tests/integration binary by the Makefile): the harness environment,
 * throwaway databases, running programs, temp files, seeding the test
 * Maildir, reading what the SMTP sink received, capturing log lines, and a
 * table-driven main().
 *
 * Failure policy: helpers that set up a test abort the binary with a clear
 * message on failure (a test cannot go on without its fixture); helpers that
 * observe (testrun, testpg_create_db, testsink_wait) return an error the test
 * asserts on. */
#ifndef RC_TESTLIB_H
#define RC_TESTLIB_H

#include <CUnit/CUnit.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "tracker/log.h"

/* ---- harness environment (tests/harness/with-servers) -------------------- */

/* Returns the value of harness variable NAME (e.g. "RC_TEST_PG_ADMIN").
 * When it is missing, prints which variable and how to run the suite
 * (inside tests/harness/with-servers) and exits the binary with status 1. */
const char *testenv_get(const char *name);
/* Like testenv_get but returns NULL when unset. */
const char *testenv_opt(const char *name);
/* testenv_get() parsed as a port number (exits when not a number). */
int testenv_port(const char *name);

/* ---- PostgreSQL ----------------------------------------------------------- */

/* Creates a fresh database named PREFIX_<unique> through RC_TEST_PG_ADMIN
 * and stores a malloc'd libpq conninfo for it in *conninfo (caller frees).
 * PREFIX: letters, digits, '_' (others become '_'). Returns 0, or -1 after
 * printing the server's error. */
int testpg_create_db(const char *prefix, char **conninfo);
/* Drops the database of CONNINFO (WITH (FORCE)); frees *conninfo and sets it
 * to NULL. Accepts NULL. Returns 0 or -1. */
int testpg_drop_db(char **conninfo);
/* Connects or aborts the binary with the libpq error. Caller PQfinish()es. */
PGconn *testpg_connect(const char *conninfo);
/* Runs SQL (several statements allowed, no parameters) and aborts on error. */
void testpg_exec(PGconn *c, const char *sql);
/* Runs a one-row one-column query with text parameters and returns the
 * value malloc'd (NULL for SQL NULL or no row). Aborts on SQL errors. */
char *testpg_value(PGconn *c, const char *sql, int nparams, const char *const *params);

/* ---- running programs ----------------------------------------------------- */

struct testrun_opts {
	/* "NAME=value" to set, "NAME" to remove; NULL-terminated; NULL = none */
	const char *const *env;
	const char *stdin_data;   /* NULL: stdin is /dev/null */
	size_t stdin_len;         /* 0 with stdin_data: strlen(stdin_data) */
	const char *cwd;          /* NULL: inherit */
	int timeout_ms;           /* 0: 30 000 */
};

struct testrun_result {
	int status;         /* exit status; 128+N when killed by signal N */
	int timed_out;      /* 1 when killed for exceeding the timeout */
	char *out, *err;    /* NUL-terminated, malloc'd; may contain NULs */
	size_t out_len, err_len;
};

/* Runs argv[0] (a path, or a name looked up in PATH) with posix_spawn in a
 * process group of its own, capturing stdout and stderr (up to 16 MiB each).
 * Returns 0 when the program ran (whatever its exit status), -1 when it could
 * not be started. Free the result with testrun_free(). */
int testrun(const char *const argv[], const struct testrun_opts *opts,
	    struct testrun_result *res);
/* Runs $RC_BIN with the NULL-terminated arguments that follow. */
int testrun_rc(struct testrun_result *res, const struct testrun_opts *opts, ...)
	__attribute__((sentinel));
void testrun_free(struct testrun_result *res);

/* ---- files ---------------------------------------------------------------- */

/* Makes a new empty directory: under $RC_TEST_DIR when set, else under
 * $TMPDIR or /tmp; NAME is a readable part of its name. Returns a malloc'd
 * path; aborts on failure. */
char *testdir_new(const char *name);
/* Removes DIR recursively (for suites that clean up after themselves). */
void testdir_remove(const char *dir);
/* Writes CONTENT to DIR/NAME with MODE (e.g. 0600 for secrets), replacing
 * it; returns the malloc'd path. Aborts on failure. */
char *testfile_write(const char *dir, const char *name, const char *content, mode_t mode);
/* Reads a whole file (up to 64 MiB); returns malloc'd bytes + NUL or NULL. */
char *testfile_read(const char *path, size_t *len);

/* ---- the test user's Maildir (RC_TEST_MAILDIR) --------------------------- */

/* Drops a message into FOLDER ("INBOX" or NULL = the Maildir root, else the
 * Maildir++ folder ".FOLDER", created when missing) the way TESTING.md §2.5
 * says: write to tmp/, set the mtime (= INTERNALDATE), rename into new/ (or
 * cur/NAME:2,FLAGS when FLAGS is not NULL, e.g. "S"). File names start with a
 * microsecond clock, so Dovecot gives UIDs in drop order. When run as root
 * the files are chowned to the server user. Returns the malloc'd path of the
 * file; aborts on failure. */
char *testmaildir_drop(const char *folder, const char *msg, size_t len, time_t mtime,
		       const char *flags);

/* ---- the SMTP sink (RC_TEST_SMTP_MAILDIR) -------------------------------- */

/* Waits up to TIMEOUT_MS for a message in the sink's Maildir whose bytes
 * contain NEEDLE; returns its malloc'd content (and length) or NULL. */
char *testsink_wait(const char *needle, int timeout_ms, size_t *len);
/* Number of messages the sink has stored so far. */
int testsink_count(void);

/* ---- log capture (tracker/log.h) ----------------------------------------- */

/* Captures every log line (replacing stderr output); testlog_stop() restores
 * stderr and forgets the lines. */
void testlog_start(void);
void testlog_stop(void);
/* Forgets the lines captured so far. */
void testlog_clear(void);
/* 1 when a captured line of level LVL or more severe contains NEEDLE. */
int testlog_has(enum log_level lvl, const char *needle);
/* All captured lines, each followed by '\n' (owned by testlib). */
const char *testlog_text(void);
/* Number of captured lines of exactly level LVL. */
int testlog_count(enum log_level lvl);

/* ---- runner --------------------------------------------------------------- */

struct testcase {
	const char *name;   /* module__case */
	CU_TestFunc fn;
};
#define TESTCASE(fn) { #fn, fn }

/* Registers one suite with the tests of TESTS (terminated by {NULL, NULL}),
 * runs it in CUnit's basic mode and returns 0 only when every test passed
 * and the suite's init/cleanup succeeded. Arguments on the command line
 * select tests whose name contains one of them. Ignores SIGPIPE (libetpan
 * writes without MSG_NOSIGNAL). Use: return testmain(argc, argv, "calendar",
 * init, cleanup, tests); */
int testmain(int argc, char **argv, const char *suite, CU_InitializeFunc init,
	     CU_CleanupFunc cleanup, const struct testcase *tests);

#endif
