/* Loading the stored sightings (the facts) for the derived layer, and
 * parsing PostgreSQL text[] values. */
#include "tracker/derive_store.h"

#include <stdlib.h>
#include <string.h>

#include "tracker/derive_store_p.h"
#include "tracker/log.h"
#include "tracker/store_p.h"
#include "tracker/util.h"

/* ---- PostgreSQL text[] output ---- */

static void list_push(struct strlist *l, char *v)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = v;
}

static void list_clear(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* One element at *pp (quoted or bare); advances past it. NULL on bad input. */
static char *array_elem(const char **pp)
{
	const char *p = *pp;
	struct strbuf b;
	strbuf_init(&b, 0);
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			strbuf_append(&b, p, 1);
		}
		if (*p != '"') {
			strbuf_free(&b);
			return NULL;
		}
		p++;
	} else {
		size_t n = strcspn(p, ",}");
		if (n != 4 || strncmp(p, "NULL", 4) != 0) /* NULL elements become "" */
			strbuf_append(&b, p, n);
		p += n;
	}
	*pp = p;
	return strbuf_steal(&b);
}

int derive_parse_text_array(const char *s, struct strlist *out)
{
	out->v = NULL;
	out->n = 0;
	if (!s || *s != '{')
		return -1;
	const char *p = s + 1;
	if (*p == '}')
		return p[1] ? -1 : 0;
	for (;;) {
		char *e = array_elem(&p);
		if (!e)
			break;
		if (out->n < MSG_MAX_LIST_ITEMS)
			list_push(out, e);
		else
			free(e);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '}' && !p[1])
			return 0;
		break;
	}
	list_clear(out);
	return -1;
}

/* ---- loading sightings ---- */

static const char sql_load[] =
	"SELECT m.name, f.name, f.role, s.uid, extract(epoch FROM s.internaldate)::bigint, "
	"s.message_id, s.message_id_synthetic, s.in_reply_to, s.references_, s.from_addr, s.to_addrs, "
	"s.cc_addrs, extract(epoch FROM s.date_header)::bigint, s.subject, s.auto_submitted, "
	"s.x_autoreply, s.x_autorespond, s.x_loop, s.x_auto_response_suppress, s.precedence, "
	"s.list_id, s.content_type, s.parse_error "
	"FROM replyclock.sightings s "
	"JOIN replyclock.folders f ON f.id = s.folder_id "
	"JOIN replyclock.mailboxes m ON m.id = s.mailbox_id";

/* The sightings of the given Message-IDs ($1), or of every message in the
 * given conversations ($2). */
static const char sql_load_some[] =
	" WHERE s.message_id IN (SELECT unnest($1::text[]) UNION "
	"SELECT m.message_id FROM unnest($2::text[]) AS c(id) "
	"JOIN replyclock.messages m ON m.conversation_id = c.id)";

static char *val(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : xstrdup(PQgetvalue(r, row, col));
}

static time_t epoch(PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : (time_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static void array_col(PGresult *r, int row, int col, struct strlist *out)
{
	if (derive_parse_text_array(PQgetvalue(r, row, col), out) < 0)
		log_warn("sighting row %d: unreadable array in column %d, treated as empty", row, col);
}

/* Mailbox and folder names repeat on every row: one copy each, so the
 * query result can be freed as soon as the rows are copied out. */
static const char *intern(struct loaded *L, const char *name)
{
	for (size_t i = L->n_names; i-- > 0;)
		if (!strcmp(L->names[i], name))
			return L->names[i];
	L->names = xrealloc(L->names, (L->n_names + 1) * sizeof *L->names);
	return L->names[L->n_names++] = xstrdup(name);
}

static void load_row(PGresult *r, int i, struct loaded *L)
{
	struct message *m = &L->msgs[i];
	struct sighting *s = &L->s[i];
	memset(m, 0, sizeof *m);
	s->mailbox = intern(L, PQgetvalue(r, i, 0));
	s->folder = intern(L, PQgetvalue(r, i, 1));
	s->role = strcmp(PQgetvalue(r, i, 2), "sent") == 0 ? ROLE_SENT : ROLE_INBOUND;
	s->msg = m;
	m->uid = (uint32_t)strtoul(PQgetvalue(r, i, 3), NULL, 10);
	m->internaldate = epoch(r, i, 4);
	m->message_id = val(r, i, 5);
	m->message_id_synthetic = PQgetvalue(r, i, 6)[0] == 't';
	m->in_reply_to = val(r, i, 7);
	array_col(r, i, 8, &m->references);
	m->from_addr = val(r, i, 9);
	array_col(r, i, 10, &m->to_addrs);
	array_col(r, i, 11, &m->cc_addrs);
	m->has_date = !PQgetisnull(r, i, 12);
	m->date = epoch(r, i, 12);
	m->subject = val(r, i, 13);
	m->auto_submitted = val(r, i, 14);
	m->x_autoreply = val(r, i, 15);
	m->x_autorespond = val(r, i, 16);
	m->x_loop = val(r, i, 17);
	m->x_auto_response_suppress = val(r, i, 18);
	m->precedence = val(r, i, 19);
	m->list_id = val(r, i, 20);
	m->content_type = val(r, i, 21);
	m->parse_error = val(r, i, 22);
}

int derive_load(struct store *s, const char *ids, const char *convs, struct loaded *L,
			  char **err)
{
	int st;
	const char *p[] = { ids, convs };
	PGresult *res;
	memset(L, 0, sizeof *L);
	if (ids) {
		char *sql = xasprintf("%s%s", sql_load, sql_load_some);
		res = store_exec(s, "loading sightings", sql, 2, p, PGRES_TUPLES_OK, &st, err);
		free(sql);
	} else
		res = store_exec(s, "loading sightings", sql_load, 0, NULL, PGRES_TUPLES_OK, &st, err);
	if (!res)
		return st;
	L->n = (size_t)PQntuples(res);
	L->msgs = xcalloc(L->n ? L->n : 1, sizeof *L->msgs);
	L->s = xcalloc(L->n ? L->n : 1, sizeof *L->s);
	for (size_t i = 0; i < L->n; i++)
		load_row(res, (int)i, L);
	PQclear(res); /* every value was copied: do not hold the result twice */
	return STORE_OK;
}

void derive_loaded_free(struct loaded *L)
{
	for (size_t i = 0; i < L->n; i++)
		message_clear(&L->msgs[i]);
	free(L->msgs);
	free(L->s);
	for (size_t i = 0; i < L->n_names; i++)
		free(L->names[i]);
	free(L->names);
	memset(L, 0, sizeof *L);
}
