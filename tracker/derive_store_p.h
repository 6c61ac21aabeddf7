/* Private to the derived layer's store files (tracker/derive_*.c) and their tests. */
#ifndef RC_DERIVE_STORE_P_H
#define RC_DERIVE_STORE_P_H

#include <libpq-fe.h>

#include "tracker/derive.h"
#include "tracker/derive_store.h"
#include "tracker/util.h"

/* Everything stored counts: the views judge open requests at now(), and
 * reports reproduce an earlier as-of instant from the stored rows. */
#define AS_OF_EVERYTHING ((time_t)253402300799) /* 9999-12-31T23:59:59Z */

/* Sightings loaded from the facts, as the pure pipeline takes them. */
struct strpool;
struct loaded {
	struct strpool *pool; /* owns every string of msgs and s (interned) */
	struct message *msgs;
	struct sighting *s;
	size_t n;
};

/* Loads every sighting; or, with ids (a text[] literal of Message-IDs), the
 * sightings of those messages; or, with ids and convs (of conversation
 * ids), those of every other message stored in those conversations. */
int derive_load(struct store *s, const char *ids, const char *convs, struct loaded *L, char **err);
/* Rows per FETCH when every sighting is loaded (inside a transaction, through
 * a cursor); tests make it small to cross chunk boundaries with few rows. */
extern size_t derive_load_fetch_rows;
void derive_loaded_free(struct loaded *L);
/* Inserts the messages, conversations and requests of d into the derived
 * tables, which this transaction emptied (recompute: written frozen). */
int derive_write_rows(struct store *s, const struct config *cfg, const struct derived *d, char **err);

/* The derived tables as the writers know them. Each row is written as a
 * binary COPY tuple (tracker/pg_copy_bin.h) of derived_table_columns, whose
 * first column is the table's primary key. */
enum { DERIVED_MESSAGES, DERIVED_CONVERSATIONS, DERIVED_REQUESTS, DERIVED_TABLES };
extern const char *const derived_table_name[DERIVED_TABLES];
extern const char *const derived_table_columns[DERIVED_TABLES];
/* Decides whether a formatted row (the tuple's bytes) is kept. */
typedef bool (*row_keep_fn)(void *ctx, const char *row, size_t len);
/* Appends the rows of one table of d to *out; keep, when not NULL, drops
 * the rows it returns false for. */
struct rc_zone;
void derive_format_rows(const struct derived *d, const struct rc_zone *week_tz, int table, struct strbuf *out,
			row_keep_fn keep, void *ctx);
/* Writes rows formatted by derive_format_rows into the table with one COPY. */
int derive_copy_rows(struct store *s, int table, const struct strbuf *rows, char **err);
/* The incremental update's write (tracker/derive_diff.c): replaces the
 * stored rows of the touched conversations (convs) and messages (ids, both
 * text[] literals) by d's, writing only the rows that changed. */
int derive_write_changed(struct store *s, const struct config *cfg, const struct derived *d, const char *convs,
			 const char *ids, char **err);
/* [report] timezone, which due_week is counted in (free with rc_zone_free). */
struct rc_zone *derive_week_zone(const struct config *cfg, char **err);
/* Takes the transaction-level lock that serialises writers of the derived layer. */
int derive_lock(struct store *s, char **err);
/* CLOCK_MONOTONIC seconds, for the timings logged at debug level. */
double derive_mono(void);

/* A full recompute's write (tracker/derive_bulk.c), after derive_lock():
 * begin empties the derived tables and drops the indexes of the big ones
 * (primary keys included), remembering how to rebuild them in *saved; end
 * rebuilds them.
 * Both inside the recompute's transaction. */
int derive_bulk_begin(struct store *s, struct strlist *saved, char **err);
int derive_bulk_end(struct store *s, struct strlist *saved, char **err);
void derive_bulk_free(struct strlist *saved);

/* Runs one parameterised command; STORE_OK or a status with *err. */
int derive_exec(struct store *s, const char *op, const char *sql, int n, const char *const *params,
		char **err);
/* [report] timezone, UTC when unset. */
const char *derive_report_tz(const struct config *cfg);
/* Inserts the configuration mirror rows and the derived state (the tables
 * must be empty: the caller deleted them in the same transaction). */
int derive_mirror_write(struct store *s, const struct config *cfg, const struct calendar_set *cals,
			char **err);

#endif
