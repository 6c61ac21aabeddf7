/* The incremental update's write: only the derived rows that changed.
 *
 * Why: an update re-derives whole conversations (for a 500-message batch
 * on a million messages about 1,250 messages, 430 conversations and 600
 * requests), but most of those rows come out exactly as stored; deleting
 * and inserting them all was half of the update's time (index upkeep).
 * The stored rows are read with binary results, which are byte for byte
 * the binary COPY fields the writers produce (both are the types' send
 * format), so a row is unchanged exactly when its bytes are equal. A row
 * that compares unequal for any other reason is merely rewritten. */
#include <stdlib.h>
#include <string.h>

#include "tracker/derive_store_p.h"
#include "tracker/log.h"
#include "tracker/pg_copy_bin.h"
#include "tracker/store_p.h"
#include "tracker/tz.h"
#include "tracker/util.h"

/* The stored rows an update may replace ($1: touched conversation ids,
 * $2: the batch's Message-IDs), as in the delete they replace. */
static const char *const stored_where[DERIVED_TABLES] = {
	"conversation_id = ANY($1::text[]) OR message_id = ANY($2::text[])",
	"id = ANY($1::text[])",
	"conversation_id = ANY($1::text[])",
};
static const char *const key_column[DERIVED_TABLES] = { "message_id", "id", "opened_message_id" };

struct stored_row {
	const char *key;     /* points into the result */
	size_t key_len;
	char *bytes;         /* the fields as a COPY tuple has them (after its field count) */
	size_t len;
	bool same;           /* a new row equal to it was found */
};

struct stored {
	PGresult *res;
	struct stored_row *v;
	size_t n;
	size_t written;      /* new or changed rows */
};

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : an < bn ? -1 : an > bn;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct stored_row *a = pa, *b = pb;
	return key_cmp(a->key, a->key_len, b->key, b->key_len);
}

static int load_stored(struct store *s, int table, const char *convs, const char *ids, struct stored *out,
		       char **err)
{
	memset(out, 0, sizeof *out);
	char *sql = xasprintf("SELECT %s FROM %s WHERE %s", derived_table_columns[table],
			      derived_table_name[table], stored_where[table]);
	const char *p[] = { convs, ids };
	int np = table == DERIVED_MESSAGES ? 2 : 1;
	PGresult *r = PQexecParams(s->conn, sql, np, NULL, p, NULL, NULL, 1);
	free(sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return store_fail(s, &r, "reading the stored derived rows", err);
	out->res = r;
	out->n = (size_t)PQntuples(r);
	out->v = xcalloc(out->n ? out->n : 1, sizeof *out->v);
	int cols = PQnfields(r);
	for (size_t i = 0; i < out->n; i++) {
		struct strbuf b;
		strbuf_init(&b, 0);
		for (int c = 0; c < cols; c++) {
			if (PQgetisnull(r, (int)i, c))
				pgbin_null(&b);
			else
				pgbin_raw(&b, PQgetvalue(r, (int)i, c), (size_t)PQgetlength(r, (int)i, c));
		}
		struct stored_row *row = &out->v[i];
		row->key = PQgetvalue(r, (int)i, 0);
		row->key_len = (size_t)PQgetlength(r, (int)i, 0);
		row->len = b.len;
		row->bytes = strbuf_steal(&b);
	}
	qsort(out->v, out->n, sizeof *out->v, row_cmp);
	return STORE_OK;
}

static void stored_free(struct stored *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].bytes);
	free(t->v);
	PQclear(t->res);
	memset(t, 0, sizeof *t);
}

static uint32_t get32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* row_keep_fn: a new row is written unless a stored row has its bytes. */
static bool keep_changed(void *ctx, const char *row, size_t len)
{
	struct stored *t = ctx;
	/* field count (2 bytes), then the key's length and bytes */
	uint32_t key_len = len >= 6 ? get32(row + 2) : 0;
	if (len < 6 || key_len == 0xffffffffu || 6 + (size_t)key_len > len) {
		t->written++;
		return true;
	}
	const char *key = row + 6;
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = key_cmp(t->v[mid].key, t->v[mid].key_len, key, key_len);
		if (c < 0)
			lo = mid + 1;
		else if (c > 0)
			hi = mid;
		else {
			struct stored_row *old = &t->v[mid];
			old->same = old->len == len - 2 && memcmp(old->bytes, row + 2, old->len) == 0;
			t->written += !old->same;
			return !old->same;
		}
	}
	t->written++;
	return true;
}

/* Deletes the stored rows of a table that no equal new row replaces. */
static int delete_replaced(struct store *s, int table, const struct stored *t, char **err)
{
	const char **keys = xmalloc((t->n ? t->n : 1) * sizeof *keys);
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (!t->v[i].same)
			keys[n++] = t->v[i].key;
	int st = STORE_OK;
	if (n) {
		char *lit = pg_array_literal(keys, n);
		char *sql = xasprintf("DELETE FROM %s WHERE %s = ANY($1::text[])", derived_table_name[table],
				      key_column[table]);
		const char *p[] = { lit };
		st = derive_exec(s, "deleting replaced derived rows", sql, 1, p, err);
		free(sql);
		free(lit);
	}
	free(keys);
	return st;
}

int derive_write_changed(struct store *s, const struct config *cfg, const struct derived *d, const char *convs,
			 const char *ids, char **err)
{
	struct rc_zone *tz = derive_week_zone(cfg, err);
	if (!tz)
		return STORE_FINAL;
	struct stored old[DERIVED_TABLES];
	struct strbuf rows[DERIVED_TABLES];
	memset(old, 0, sizeof old);
	int st = STORE_OK, loaded = 0;
	double t0 = derive_mono();
	for (; loaded < DERIVED_TABLES && st == STORE_OK; loaded++)
		st = load_stored(s, loaded, convs, ids, &old[loaded], err);
	double t1 = derive_mono();
	for (int t = 0; t < DERIVED_TABLES; t++) {
		strbuf_init(&rows[t], 0);
		if (st == STORE_OK)
			derive_format_rows(d, tz, t, &rows[t], keep_changed, &old[t]);
	}
	for (int t = 0; t < DERIVED_TABLES && st == STORE_OK; t++)
		st = delete_replaced(s, t, &old[t], err);
	double t2 = derive_mono();
	for (int t = 0; t < DERIVED_TABLES && st == STORE_OK; t++)
		if (rows[t].len)
			st = derive_copy_rows(s, t, &rows[t], err);
	if (st == STORE_OK)
		log_debug("derived rows: read %zu/%zu/%zu stored %.3f s, wrote %zu messages, %zu conversations, "
			  "%zu requests (the rest unchanged), delete %.3f s, insert %.3f s",
			  old[0].n, old[1].n, old[2].n, t1 - t0, old[0].written, old[1].written, old[2].written,
			  t2 - t1, derive_mono() - t2);
	for (int t = 0; t < DERIVED_TABLES; t++) {
		strbuf_free(&rows[t]);
		if (t < loaded)
			stored_free(&old[t]);
	}
	rc_zone_free(&tz);
	return st;
}
