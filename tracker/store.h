/* The PostgreSQL store: connection, migrations, and the facts layer
 * (mailboxes, folder sync state, sightings). Parameterised SQL only.
 *
 * Failures are classified once, here, where libpq answers, so callers know
 * what to do next (STYLE.md): */
#ifndef RC_STORE_H
#define RC_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "tracker/message.h"

enum store_status {
	STORE_OK = 0,
	STORE_WAIT = -1,   /* connection lost / server down (SQLSTATE 08, 57P): reconnect later */
	STORE_RETRY = -2,  /* serialization failure / deadlock (40001, 40P01): retry now */
	STORE_FINAL = -3,  /* anything else: a bug or bad data; do not retry */
	STORE_BEHIND = -4, /* schema older than this binary: run `replyclock db migrate` */
};

struct store;

/* Every function below that can fail returns one of the statuses above and
 * sets a malloc'd *err naming the server and the operation (never a
 * password); the caller frees it. After STORE_WAIT the connection may be
 * gone: close the handle and open a new one later. A failed call has rolled
 * back everything it did. */

/* Connects with a libpq conninfo ("" = PG* environment). Returns NULL and a
 * malloc'd *err naming the server on failure. The caller owns the handle. */
struct store *store_open(const char *conninfo, char **err);
/* Closes and sets *s = NULL; accepts NULL. */
void store_close(struct store **s);
/* The libpq connection, for modules that run their own statements. */
struct pg_conn *store_pg(struct store *s);

/* Applies pending migrations, each in its own transaction; *applied counts
 * them (0 when up to date). */
int store_migrate(struct store *s, int *applied, char **err);
/* STORE_OK when the schema is exactly current; STORE_BEHIND (with a message
 * saying to run `replyclock db migrate`) when migrations are pending. */
int store_check_schema(struct store *s, char **err);
/* Highest applied migration number, and the number this binary knows. */
int store_schema_version(struct store *s, int *applied, int *known, char **err);

/* Per-folder sync state. */
struct folder_state {
	long folder_id;
	uint32_t uidvalidity;    /* 0 = never synced */
	uint32_t last_uid;       /* highest UID stored */
};

/* Finds or creates the mailbox and folder rows and returns the folder's state. */
int store_folder_state(struct store *s, const char *mailbox, const char *folder,
		       enum folder_role role, struct folder_state *st, char **err);

/* Stores a batch of sightings and advances the folder to (uidvalidity,
 * new_last_uid) in one transaction. A sighting already stored (same
 * mailbox, folder, uidvalidity, uid) is skipped, so a retried batch never
 * doubles a message. When uidvalidity differs from the stored one the
 * folder's cursor is reset to it (the old sightings stay: facts are never
 * edited). */
int store_sightings(struct store *s, long folder_id, uint32_t uidvalidity,
		    const struct message *msgs, size_t n, uint32_t new_last_uid,
		    size_t *inserted, char **err);

#endif
