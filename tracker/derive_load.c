/* Loading the stored sightings (the facts) for the derived layer, and
 * parsing PostgreSQL text[] values.
 *
 * A recompute loads every sighting (a million rows): the rows come through
 * a cursor in chunks, so the client never holds the whole query result
 * beside the copies, and each chunk is copied out while the server sends
 * the next. The copied strings live in one string pool (tracker/strpool.h):
 * repeated values (addresses, Message-IDs named again by References,
 * header values such as "auto-replied") are stored once. */
#include "tracker/derive_store.h"

#include <stdlib.h>
#include <string.h>

#include "tracker/derive_store_p.h"
#include "tracker/log.h"
#include "tracker/store_p.h"
#include "tracker/strpool.h"
#include "tracker/util.h"

/* ---- PostgreSQL text[] output ---- */

/* Receives one element of an array (n bytes at e, not NUL-terminated). */
typedef void (*elem_fn)(void *ctx, const char *e, size_t n);

/* One element at *pp (quoted or bare): passes it to emit and advances past
 * it. -1 on bad input. tmp holds a quoted element that had escapes. */
static int array_elem(const char **pp, struct strbuf *tmp, elem_fn emit, void *ctx)
{
	const char *p = *pp;
	if (*p == '"') {
		const char *start = ++p;
		bool escaped = false;
		for (; *p && *p != '"'; p++)
			if (*p == '\\' && p[1]) {
				escaped = true;
				p++;
			}
		if (*p != '"')
			return -1;
		if (!escaped)
			emit(ctx, start, (size_t)(p - start));
		else {
			tmp->len = 0;
			for (const char *q = start; q < p; q++) {
				if (*q == '\\')
					q++;
				strbuf_append(tmp, q, 1);
			}
			emit(ctx, tmp->s, tmp->len);
		}
		p++;
	} else {
		size_t n = strcspn(p, ",}");
		/* NULL elements become "" */
		emit(ctx, p, n == 4 && strncmp(p, "NULL", 4) == 0 ? 0 : n);
		p += n;
	}
	*pp = p;
	return 0;
}

/* Calls emit for every element of the literal s in order; -1 when s is
 * malformed (some elements may have been emitted). */
static int parse_array(const char *s, struct strbuf *tmp, elem_fn emit, void *ctx)
{
	if (!s || *s != '{')
		return -1;
	const char *p = s + 1;
	if (*p == '}')
		return p[1] ? -1 : 0;
	for (;;) {
		if (array_elem(&p, tmp, emit, ctx) < 0)
			return -1;
		if (*p == ',') {
			p++;
			continue;
		}
		return *p == '}' && !p[1] ? 0 : -1;
	}
}

static void list_clear(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void emit_copy(void *ctx, const char *e, size_t n)
{
	struct strlist *l = ctx;
	if (l->n >= MSG_MAX_LIST_ITEMS)
		return;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = xstrndup(e, n);
}

int derive_parse_text_array(const char *s, struct strlist *out)
{
	struct strbuf tmp;
	strbuf_init(&tmp, 0);
	out->v = NULL;
	out->n = 0;
	int r = parse_array(s, &tmp, emit_copy, out);
	strbuf_free(&tmp);
	if (r < 0)
		list_clear(out);
	return r;
}

/* ---- loading sightings ---- */

/* Folders by id, not joined: the join cost the server a fifth of the load
 * (the folder's mailbox is the sighting's: a foreign key says so). */
static const char sql_load[] =
	"SELECT s.folder_id, s.uid, extract(epoch FROM s.internaldate)::bigint, "
	"s.message_id, s.message_id_synthetic, s.in_reply_to, s.references_, s.from_addr, s.to_addrs, "
	"s.cc_addrs, extract(epoch FROM s.date_header)::bigint, s.subject, s.auto_submitted, "
	"s.x_autoreply, s.x_autorespond, s.x_loop, s.x_auto_response_suppress, s.precedence, "
	"s.list_id, s.content_type, s.parse_error "
	"FROM replyclock.sightings s";

/* Read after the sightings: folders are never deleted, so every folder a
 * loaded sighting names is here. */
static const char sql_folders[] =
	"SELECT f.id, m.name, f.name, f.role FROM replyclock.folders f "
	"JOIN replyclock.mailboxes m ON m.id = f.mailbox_id";

/* The sightings of the given Message-IDs ($1); or of every message stored
 * in the given conversations ($2) but those. */
static const char sql_load_ids[] = " WHERE s.message_id = ANY($1::text[])";
static const char sql_load_convs[] =
	" WHERE s.message_id IN (SELECT m.message_id FROM unnest($2::text[]) AS c(id) "
	"JOIN replyclock.messages m ON m.conversation_id = c.id "
	"EXCEPT SELECT unnest($1::text[]))";

/* Rows per FETCH: a few MB of result at a time. */
size_t derive_load_fetch_rows = 20000;
static const char sql_declare[] = "DECLARE rc_derive_load NO SCROLL CURSOR FOR ";
static const char sql_close[] = "CLOSE rc_derive_load";

/* Copying one result's rows out: the pool and a scratch list. */
struct loader {
	struct loaded *L;
	size_t cap;
	long long *folder_of;   /* per row: its folder id, resolved at the end */
	struct strbuf tmp;
	const char *items[MSG_MAX_LIST_ITEMS];
	size_t n_items;
};

static const char *val(struct loader *ld, PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return strpool_intern(ld->L->pool, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col), NULL);
}

/* A value that rarely repeats (a subject): copied, not interned. */
static const char *copy(struct loader *ld, PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return strpool_strndup(ld->L->pool, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

static time_t epoch(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : (time_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static void emit_item(void *ctx, const char *e, size_t n)
{
	struct loader *ld = ctx;
	if (ld->n_items < MSG_MAX_LIST_ITEMS)
		ld->items[ld->n_items++] = strpool_intern(ld->L->pool, e, n, NULL);
}

static void array_col(struct loader *ld, PGresult *r, int row, int col, struct strlist *out)
{
	ld->n_items = 0;
	out->v = NULL;
	out->n = 0;
	if (parse_array(PQgetvalue(r, row, col), &ld->tmp, emit_item, ld) < 0) {
		log_warn("sighting row %d: unreadable array in column %d, treated as empty", row, col);
		return;
	}
	if (!ld->n_items)
		return;
	out->v = strpool_alloc(ld->L->pool, ld->n_items * sizeof *out->v);
	memcpy(out->v, ld->items, ld->n_items * sizeof *out->v);
	out->n = ld->n_items;
}

/* The strings belong to the pool: the message is never message_clear()ed. */
static void load_row(struct loader *ld, PGresult *r, int i)
{
	struct loaded *L = ld->L;
	if (L->n == ld->cap) {
		ld->cap = ld->cap ? 2 * ld->cap : 1024;
		L->msgs = xrealloc(L->msgs, ld->cap * sizeof *L->msgs);
		L->s = xrealloc(L->s, ld->cap * sizeof *L->s);
		ld->folder_of = xrealloc(ld->folder_of, ld->cap * sizeof *ld->folder_of);
	}
	struct message *m = &L->msgs[L->n];
	struct sighting *s = &L->s[L->n];
	ld->folder_of[L->n++] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
	memset(m, 0, sizeof *m);
	memset(s, 0, sizeof *s); /* where and what: set when every row is in */
	m->uid = (uint32_t)strtoul(PQgetvalue(r, i, 1), NULL, 10);
	m->internaldate = epoch(r, i, 2);
	m->message_id = (char *)val(ld, r, i, 3);
	m->message_id_synthetic = PQgetvalue(r, i, 4)[0] == 't';
	m->in_reply_to = (char *)val(ld, r, i, 5);
	array_col(ld, r, i, 6, &m->references);
	m->from_addr = (char *)val(ld, r, i, 7);
	array_col(ld, r, i, 8, &m->to_addrs);
	array_col(ld, r, i, 9, &m->cc_addrs);
	m->has_date = !PQgetisnull(r, i, 10);
	m->date = epoch(r, i, 10);
	m->subject = (char *)copy(ld, r, i, 11);
	m->auto_submitted = (char *)val(ld, r, i, 12);
	m->x_autoreply = (char *)val(ld, r, i, 13);
	m->x_autorespond = (char *)val(ld, r, i, 14);
	m->x_loop = (char *)val(ld, r, i, 15);
	m->x_auto_response_suppress = (char *)val(ld, r, i, 16);
	m->precedence = (char *)val(ld, r, i, 17);
	m->list_id = (char *)val(ld, r, i, 18);
	m->content_type = (char *)val(ld, r, i, 19);
	m->parse_error = (char *)copy(ld, r, i, 20);
}

/* A folder as the sightings need it. */
struct place {
	long long id;
	const char *mailbox, *folder;
	enum folder_role role;
};

static const struct place *place_of(const struct place *v, size_t n, long long id, size_t *hint)
{
	if (*hint < n && v[*hint].id == id) /* rows come mostly folder by folder */
		return &v[*hint];
	for (size_t k = 0; k < n; k++)
		if (v[k].id == id) {
			*hint = k;
			return &v[k];
		}
	return NULL;
}

/* Gives every loaded sighting its mailbox, folder and role, and its
 * message (msgs no longer moves). A sighting of a folder that is not there
 * (the foreign key makes that impossible) is left out, as a join would. */
static int resolve_places(struct store *s, struct loader *ld, char **err)
{
	struct loaded *L = ld->L;
	int st;
	PGresult *r = store_exec(s, "loading folders", sql_folders, 0, NULL, PGRES_TUPLES_OK, &st, err);
	if (!r)
		return st;
	size_t n = (size_t)PQntuples(r), hint = 0, kept = 0;
	struct place *v = xcalloc(n ? n : 1, sizeof *v);
	for (size_t k = 0; k < n; k++)
		v[k] = (struct place){ strtoll(PQgetvalue(r, (int)k, 0), NULL, 10), val(ld, r, (int)k, 1),
				       val(ld, r, (int)k, 2),
				       strcmp(PQgetvalue(r, (int)k, 3), "sent") == 0 ? ROLE_SENT : ROLE_INBOUND };
	PQclear(r);
	for (size_t i = 0; i < L->n; i++) {
		const struct place *p = place_of(v, n, ld->folder_of[i], &hint);
		if (!p) {
			log_warn("sighting of folder id %lld: no such folder, left out", ld->folder_of[i]);
			continue;
		}
		if (kept != i)
			L->msgs[kept] = L->msgs[i];
		L->s[kept] = (struct sighting){ &L->msgs[kept], p->mailbox, p->folder, p->role };
		kept++;
	}
	L->n = kept;
	free(v);
	return STORE_OK;
}

/* Copies the rows of r; reads what the server already sent of the next
 * chunk now and then, so it never waits for us. */
static void load_rows(struct loader *ld, struct store *s, PGresult *r)
{
	int n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		load_row(ld, r, i);
		if ((i & 1023) == 1023)
			PQconsumeInput(s->conn);
	}
}

/* The result of the statement sent last, once it is complete. */
static PGresult *take_result(struct store *s, const char *op, ExecStatusType want, int *st, char **err)
{
	PGresult *r = PQgetResult(s->conn), *more;
	while ((more = PQgetResult(s->conn)))
		PQclear(more);
	if (r && PQresultStatus(r) == want) {
		*st = STORE_OK;
		return r;
	}
	*st = store_fail(s, &r, op, err);
	return NULL;
}

/* Every sighting through a cursor (inside the caller's transaction), the
 * next FETCH always on its way while a chunk is copied. */
static int load_all_chunked(struct store *s, struct loader *ld, char **err)
{
	static const char op[] = "loading sightings";
	int st;
	char *sql = xasprintf("%s%s", sql_declare, sql_load);
	PGresult *r = store_exec(s, op, sql, 0, NULL, PGRES_COMMAND_OK, &st, err);
	free(sql);
	PQclear(r);
	if (!r)
		return st;
	size_t rows = derive_load_fetch_rows ? derive_load_fetch_rows : 1;
	char *fetch = xasprintf("FETCH %zu FROM rc_derive_load", rows);
	if (!PQsendQuery(s->conn, fetch)) {
		free(fetch);
		return store_fail(s, NULL, op, err);
	}
	for (;;) {
		if (!(r = take_result(s, op, PGRES_TUPLES_OK, &st, err))) {
			free(fetch);
			return st;
		}
		bool last = (size_t)PQntuples(r) < rows;
		if (!last && !PQsendQuery(s->conn, fetch)) {
			PQclear(r);
			free(fetch);
			return store_fail(s, NULL, op, err);
		}
		load_rows(ld, s, r);
		PQclear(r);
		if (last)
			break;
	}
	free(fetch);
	r = store_exec(s, op, sql_close, 0, NULL, PGRES_COMMAND_OK, &st, err);
	PQclear(r);
	return st;
}

int derive_load(struct store *s, const char *ids, const char *convs, struct loaded *L, char **err)
{
	int st = STORE_OK;
	const char *p[] = { ids, convs };
	struct loader ld = { .L = L };
	memset(L, 0, sizeof *L);
	L->pool = strpool_new();
	strbuf_init(&ld.tmp, 0);
	if (ids) {
		char *sql = xasprintf("%s%s", sql_load, convs ? sql_load_convs : sql_load_ids);
		PGresult *res = store_exec(s, "loading sightings", sql, convs ? 2 : 1, p, PGRES_TUPLES_OK, &st, err);
		free(sql);
		if (res)
			load_rows(&ld, s, res);
		PQclear(res);
	} else if (PQtransactionStatus(s->conn) == PQTRANS_INTRANS)
		st = load_all_chunked(s, &ld, err);
	else { /* a cursor needs a transaction: one result then */
		PGresult *res = store_exec(s, "loading sightings", sql_load, 0, NULL, PGRES_TUPLES_OK, &st, err);
		if (res)
			load_rows(&ld, s, res);
		PQclear(res);
	}
	strbuf_free(&ld.tmp);
	if (st == STORE_OK)
		st = resolve_places(s, &ld, err);
	free(ld.folder_of);
	if (st != STORE_OK)
		derive_loaded_free(L);
	return st;
}

void derive_loaded_free(struct loaded *L)
{
	free(L->msgs);
	free(L->s);
	strpool_free(&L->pool);
	memset(L, 0, sizeof *L);
}
