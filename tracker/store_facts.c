/* The facts layer of the store: mailbox and folder rows with their sync
 * cursor, and batches of sightings stored together with that cursor. */
#include "tracker/store_p.h"
#include "tracker/log.h"
#include "tracker/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sql_mailbox_add[] =
	"INSERT INTO replyclock.mailboxes (name) VALUES ($1) ON CONFLICT (name) DO NOTHING";
static const char sql_mailbox_get[] = "SELECT id FROM replyclock.mailboxes WHERE name = $1";
/* The role follows the configuration (derived results are recomputed from
 * facts plus configuration), so a changed role is written over. */
static const char sql_folder_add[] =
	"INSERT INTO replyclock.folders (mailbox_id, name, role) VALUES ($1, $2, $3) "
	"ON CONFLICT (mailbox_id, name) DO UPDATE SET role = EXCLUDED.role "
	"WHERE folders.role IS DISTINCT FROM EXCLUDED.role";
static const char sql_folder_get[] =
	"SELECT id, uidvalidity, last_uid FROM replyclock.folders WHERE mailbox_id = $1 AND name = $2";

/* Runs a one-row lookup and returns its first column (malloc'd). */
static char *lookup(struct store *s, const char *op, const char *sql, int n,
		    const char *const *params, PGresult **out, int *st, char **err)
{
	PGresult *r = store_exec(s, op, sql, n, params, PGRES_TUPLES_OK, st, err);
	if (!r)
		return NULL;
	if (PQntuples(r) != 1) {
		*err = xasprintf("%s: %s found %d rows, expected one", s->server, op, PQntuples(r));
		*st = STORE_FINAL;
		PQclear(r);
		return NULL;
	}
	char *v = xstrdup(PQgetvalue(r, 0, 0));
	if (out)
		*out = r;
	else
		PQclear(r);
	return v;
}

static int folder_state_tx(struct store *s, const char *mailbox, const char *folder,
			   enum folder_role role, struct folder_state *st, char **err)
{
	int r;
	PGresult *res;
	const char *mb[] = { mailbox };
	if (!(res = store_exec(s, "adding the mailbox row", sql_mailbox_add, 1, mb,
			       PGRES_COMMAND_OK, &r, err)))
		return r;
	PQclear(res);
	char *mailbox_id = lookup(s, "reading the mailbox row", sql_mailbox_get, 1, mb, NULL, &r, err);
	if (!mailbox_id)
		return r;
	const char *fp[] = { mailbox_id, folder, role == ROLE_SENT ? "sent" : "inbound" };
	res = store_exec(s, "adding the folder row", sql_folder_add, 3, fp, PGRES_COMMAND_OK, &r, err);
	PQclear(res);
	char *id = NULL;
	if (r == STORE_OK)
		id = lookup(s, "reading the folder row", sql_folder_get, 2, fp, &res, &r, err);
	free(mailbox_id);
	if (!id)
		return r;
	st->folder_id = atol(id);
	st->uidvalidity = (uint32_t)strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	st->last_uid = (uint32_t)strtoul(PQgetvalue(res, 0, 2), NULL, 10);
	free(id);
	PQclear(res);
	return STORE_OK;
}

int store_folder_state(struct store *s, const char *mailbox, const char *folder,
		       enum folder_role role, struct folder_state *st, char **err)
{
	/* Names are identities in UTF-8 text columns: a name that is not
	 * UTF-8 (an import path, say) is repaired rather than refused. */
	char *mb = utf8_sanitize(mailbox), *fo = utf8_sanitize(folder);
	memset(st, 0, sizeof *st);
	int r = store_begin(s, err);
	if (r == STORE_OK)
		r = folder_state_tx(s, mb, fo, role, st, err);
	if (r == STORE_OK)
		r = store_commit(s, "storing the folder row", err);
	else
		store_rollback(s);
	if (r != STORE_OK) {
		char *e = xasprintf("%s (mailbox %s, folder %s)", *err, mb, fo);
		free(*err);
		*err = e;
	}
	free(mb);
	free(fo);
	return r;
}

/* ---- sightings ---------------------------------------------------- */

/* One statement stores a whole chunk: every column travels as one array
 * parameter and unnest() turns them back into rows (one round trip, not
 * one per message). The list columns arrive as arrays of array literals. */
static const char sql_insert_sightings[] =
	"INSERT INTO replyclock.sightings (mailbox_id, folder_id, uidvalidity, uid, internaldate,"
	" size, message_id, message_id_synthetic, in_reply_to, references_, from_addr, from_name,"
	" to_addrs, cc_addrs, date_header, subject, auto_submitted, x_autoreply, x_autorespond,"
	" x_loop, x_auto_response_suppress, precedence, list_id, content_type, thread_index,"
	" flags, raw_headers, parse_error)"
	" SELECT f.mailbox_id, f.id, $2, u.uid, to_timestamp(u.internaldate), u.size, u.message_id,"
	" u.synthetic, u.in_reply_to, u.refs::text[], u.from_addr, u.from_name, u.to_addrs::text[],"
	" u.cc_addrs::text[], to_timestamp(u.date_header), u.subject, u.auto_submitted,"
	" u.x_autoreply, u.x_autorespond, u.x_loop, u.x_auto_response_suppress, u.precedence,"
	" u.list_id, u.content_type, u.thread_index, u.flags::text[], u.raw_headers, u.parse_error"
	" FROM replyclock.folders f,"
	" unnest($3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::boolean[], $8::text[],"
	" $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bigint[],"
	" $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],"
	" $21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::bytea[],"
	" $27::text[])"
	" WITH ORDINALITY AS u(uid, internaldate, size, message_id, synthetic, in_reply_to, refs,"
	" from_addr, from_name, to_addrs, cc_addrs, date_header, subject, auto_submitted,"
	" x_autoreply, x_autorespond, x_loop, x_auto_response_suppress, precedence, list_id,"
	" content_type, thread_index, flags, raw_headers, parse_error, ord)"
	" WHERE f.id = $1"
	" ORDER BY u.ord"
	" ON CONFLICT (mailbox_id, folder_id, uidvalidity, uid) DO NOTHING";

/* Same UIDVALIDITY: the cursor only moves forward (a retried batch leaves
 * it). A new UIDVALIDITY restarts it; the old sightings stay. */
static const char sql_advance_folder[] =
	"UPDATE replyclock.folders SET"
	" last_uid = CASE WHEN uidvalidity = $2 THEN greatest(last_uid, $3) ELSE $3 END,"
	" highestmodseq = CASE WHEN uidvalidity = $2 THEN highestmodseq END,"
	" uidvalidity = $2,"
	" last_synced_at = date_trunc('second', now())"
	" WHERE id = $1";

enum {
	C_UID, C_INTERNALDATE, C_SIZE, C_MESSAGE_ID, C_SYNTHETIC, C_IN_REPLY_TO, C_REFS,
	C_FROM_ADDR, C_FROM_NAME, C_TO, C_CC, C_DATE, C_SUBJECT, C_AUTO_SUBMITTED,
	C_X_AUTOREPLY, C_X_AUTORESPOND, C_X_LOOP, C_X_ARS, C_PRECEDENCE, C_LIST_ID,
	C_CONTENT_TYPE, C_THREAD_INDEX, C_FLAGS, C_RAW, C_PARSE_ERROR, N_COLS
};

/* Chunks keep one statement's parameters to a sane size. */
#define CHUNK_ROWS 1000
#define CHUNK_BYTES (32u * 1024 * 1024)

static void add_text(struct strbuf *col, const char *s)
{
	if (!s || utf8_valid(s)) {
		pg_array_add(col, s);
		return;
	}
	char *fixed = utf8_sanitize(s);
	pg_array_add(col, fixed);
	free(fixed);
}

static void add_num(struct strbuf *col, long long v, bool present)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	pg_array_add(col, present ? buf : NULL);
}

/* A list column: its own array literal, added as one text element. */
static void add_list(struct strbuf *col, char *const *v, size_t n)
{
	struct strbuf inner;
	strbuf_init(&inner, 0);
	pg_array_begin(&inner);
	for (size_t i = 0; i < n; i++)
		add_text(&inner, v[i] ? v[i] : "");
	pg_array_end(&inner);
	pg_array_add(col, inner.s);
	strbuf_free(&inner);
}

static void add_row(struct strbuf *c, const struct message *m)
{
	add_num(&c[C_UID], m->uid, true);
	add_num(&c[C_INTERNALDATE], (long long)m->internaldate, m->internaldate != 0);
	add_num(&c[C_SIZE], m->size, true);
	add_text(&c[C_MESSAGE_ID], m->message_id);
	pg_array_add(&c[C_SYNTHETIC], m->message_id_synthetic ? "t" : "f");
	add_text(&c[C_IN_REPLY_TO], m->in_reply_to);
	add_list(&c[C_REFS], m->references.v, m->references.n);
	add_text(&c[C_FROM_ADDR], m->from_addr);
	add_text(&c[C_FROM_NAME], m->from_name);
	add_list(&c[C_TO], m->to_addrs.v, m->to_addrs.n);
	add_list(&c[C_CC], m->cc_addrs.v, m->cc_addrs.n);
	add_num(&c[C_DATE], (long long)m->date, m->has_date);
	add_text(&c[C_SUBJECT], m->subject);
	add_text(&c[C_AUTO_SUBMITTED], m->auto_submitted);
	add_text(&c[C_X_AUTOREPLY], m->x_autoreply);
	add_text(&c[C_X_AUTORESPOND], m->x_autorespond);
	add_text(&c[C_X_LOOP], m->x_loop);
	add_text(&c[C_X_ARS], m->x_auto_response_suppress);
	add_text(&c[C_PRECEDENCE], m->precedence);
	add_text(&c[C_LIST_ID], m->list_id);
	add_text(&c[C_CONTENT_TYPE], m->content_type);
	add_text(&c[C_THREAD_INDEX], m->thread_index);
	add_list(&c[C_FLAGS], m->flags, m->n_flags);
	/* Raw bytes as bytea hex: 0x00 and 0x80-0xff survive untouched. */
	char *hex = m->raw_headers ? bytea_hex(m->raw_headers, m->raw_headers_len) : NULL;
	pg_array_add(&c[C_RAW], hex);
	free(hex);
	add_text(&c[C_PARSE_ERROR], m->parse_error);
}

/* Inserts msgs[0..n) with one statement; adds the rows inserted to *inserted. */
static int insert_chunk(struct store *s, const char *folder_id, const char *uidvalidity,
			const struct message *msgs, size_t n, size_t *inserted, char **err)
{
	struct strbuf cols[N_COLS];
	const char *params[N_COLS + 2] = { folder_id, uidvalidity };
	for (int c = 0; c < N_COLS; c++) {
		strbuf_init(&cols[c], 0);
		pg_array_begin(&cols[c]);
	}
	for (size_t i = 0; i < n; i++)
		add_row(cols, &msgs[i]);
	for (int c = 0; c < N_COLS; c++) {
		pg_array_end(&cols[c]);
		params[c + 2] = cols[c].s;
	}
	int st;
	PGresult *r = store_exec(s, "storing sightings", sql_insert_sightings, N_COLS + 2, params,
				 PGRES_COMMAND_OK, &st, err);
	if (r)
		*inserted += strtoul(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	for (int c = 0; c < N_COLS; c++)
		strbuf_free(&cols[c]);
	return st;
}

/* How many of msgs[0..n) go into the next chunk. */
static size_t chunk_len(const struct message *msgs, size_t n)
{
	size_t bytes = 0, i = 0;
	for (; i < n && i < CHUNK_ROWS; i++) {
		bytes += 2 * msgs[i].raw_headers_len + 1024;
		if (i && bytes > CHUNK_BYTES)
			break;
	}
	return i;
}

static int advance_folder(struct store *s, const char *folder_id, const char *uidvalidity,
			  uint32_t new_last_uid, char **err)
{
	char last[16];
	snprintf(last, sizeof last, "%" PRIu32, new_last_uid);
	const char *params[] = { folder_id, uidvalidity, last };
	int st;
	PGresult *r = store_exec(s, "advancing the folder cursor", sql_advance_folder, 3, params,
				 PGRES_COMMAND_OK, &st, err);
	if (r && strcmp(PQcmdTuples(r), "1")) {
		*err = xasprintf("%s: advancing the folder cursor failed: no folder with id %s",
				 s->server, folder_id);
		st = STORE_FINAL;
	}
	PQclear(r);
	return st;
}

int store_sightings(struct store *s, long folder_id, uint32_t uidvalidity,
		    const struct message *msgs, size_t n, uint32_t new_last_uid,
		    size_t *inserted, char **err)
{
	char fid[24], uv[16];
	snprintf(fid, sizeof fid, "%ld", folder_id);
	snprintf(uv, sizeof uv, "%" PRIu32, uidvalidity);
	size_t count = 0;
	*inserted = 0;
	int r = store_begin(s, err);
	for (size_t done = 0, k; r == STORE_OK && done < n; done += k) {
		k = chunk_len(msgs + done, n - done);
		r = insert_chunk(s, fid, uv, msgs + done, k, &count, err);
	}
	if (r == STORE_OK)
		r = advance_folder(s, fid, uv, new_last_uid, err);
	if (r == STORE_OK)
		r = store_commit(s, "committing sightings", err);
	if (r != STORE_OK) {
		store_rollback(s);
		char *e = xasprintf("%s (folder id %ld, %zu sightings, nothing stored)", *err, folder_id, n);
		free(*err);
		*err = e;
		return r;
	}
	*inserted = count;
	log_debug("%s: folder %ld: stored %zu of %zu sightings, cursor %s/%" PRIu32,
		  s->server, folder_id, count, n, uv, new_last_uid);
	return STORE_OK;
}
