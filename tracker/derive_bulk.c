/* A full recompute's bulk write: empties the derived tables with TRUNCATE
 * and builds the big ones' indexes (primary keys included) once after the
 * rows are in, instead of maintaining them row by row (most of a recompute's time on a million
 * messages).
 *
 * Both take ACCESS EXCLUSIVE locks on the derived tables until the
 * recompute commits: readers of the views (reports, sla_weekly) wait for
 * the write phase of a recompute instead of seeing the old rows. Recompute
 * is the rare, explicit rebuild (a configuration or calendar change), so
 * this is accepted; an incremental update never takes these locks. */
#include <stdlib.h>
#include <string.h>

#include "tracker/derive_store_p.h"
#include "tracker/log.h"
#include "tracker/store_p.h"
#include "tracker/util.h"

static const char sql_truncate[] =
	"TRUNCATE replyclock.requests, replyclock.conversations, replyclock.messages, "
	"replyclock.customers, replyclock.policies, replyclock.calendars, replyclock.derived_state";

/* What to drop before the bulk write and how to rebuild it after: the
 * indexes of the big derived tables, read from the catalogue so that an
 * index a later migration adds is rebuilt as well. Secondary indexes are
 * dropped; primary keys too (ALTER TABLE ... DROP CONSTRAINT) unless a
 * foreign key references the table. Unique constraints stay. */
#define BIG_TABLES                                                                            \
	"('replyclock.messages'::regclass, 'replyclock.conversations'::regclass, "            \
	"'replyclock.requests'::regclass)"
static const char sql_indexes[] =
	"SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid) "
	"FROM pg_index i WHERE i.indrelid IN " BIG_TABLES " AND NOT i.indisprimary "
	"AND NOT i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
	"WHERE c.conindid = i.indexrelid) "
	"UNION ALL "
	"SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname), "
	"format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, "
	"pg_get_constraintdef(c.oid)) FROM pg_constraint c WHERE c.contype = 'p' "
	"AND c.conrelid IN " BIG_TABLES " AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
	"WHERE f.contype = 'f' AND f.confrelid = c.conrelid) "
	"ORDER BY 1";

static int run(struct store *s, const char *op, const char *sql, char **err)
{
	PGresult *r = PQexec(s->conn, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return store_fail(s, &r, op, err);
	PQclear(r);
	return STORE_OK;
}

int derive_bulk_begin(struct store *s, struct strlist *saved, char **err)
{
	int st;
	memset(saved, 0, sizeof *saved);
	PGresult *r = store_exec(s, "reading the derived tables' indexes", sql_indexes, 0, NULL,
				 PGRES_TUPLES_OK, &st, err);
	if (!r)
		return st;
	st = run(s, "emptying the derived tables", sql_truncate, err);
	for (int i = 0; i < PQntuples(r) && st == STORE_OK; i++) {
		st = run(s, "dropping an index before the bulk write", PQgetvalue(r, i, 0), err);
		saved->v = xrealloc(saved->v, (saved->n + 1) * sizeof *saved->v);
		saved->v[saved->n++] = xstrdup(PQgetvalue(r, i, 1));
	}
	PQclear(r);
	/* Index builds sort in memory up to this much (per build, this
	 * transaction only); the default 64MB spills a million rows to disk. */
	if (st == STORE_OK)
		st = run(s, "raising maintenance_work_mem", "SET LOCAL maintenance_work_mem = '256MB'", err);
	return st;
}

int derive_bulk_end(struct store *s, struct strlist *saved, char **err)
{
	int st = STORE_OK;
	double t0 = derive_mono();
	for (size_t i = 0; i < saved->n && st == STORE_OK; i++)
		st = run(s, "rebuilding an index after the bulk write", saved->v[i], err);
	log_debug("recompute: %zu indexes rebuilt in %.3f s", saved->n, derive_mono() - t0);
	return st;
}

void derive_bulk_free(struct strlist *saved)
{
	for (size_t i = 0; i < saved->n; i++)
		free(saved->v[i]);
	free(saved->v);
	memset(saved, 0, sizeof *saved);
}
