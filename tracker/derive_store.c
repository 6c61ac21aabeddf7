/* Loading facts for the tracker and writing the derived tables (sql/002_derived.sql). */
#include "tracker/derive_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tracker/derive.h"
#include "tracker/derive_store_p.h"
#include "tracker/log.h"
#include "tracker/store_p.h"
#include "tracker/util.h"

/* Rows per INSERT ... SELECT FROM unnest(...): keeps each statement's
 * parameters to a few MB. */
#define WRITE_CHUNK 5000

int derive_exec(struct store *s, const char *op, const char *sql, int n, const char *const *params,
		char **err)
{
	int st;
	PGresult *r = store_exec(s, op, sql, n, params, PGRES_COMMAND_OK, &st, err);
	PQclear(r);
	return r ? STORE_OK : st;
}

const char *derive_report_tz(const struct config *cfg)
{
	return cfg->report.timezone && *cfg->report.timezone ? cfg->report.timezone : "UTC";
}

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

static void load_row(PGresult *r, int i, struct message *m, struct sighting *s)
{
	memset(m, 0, sizeof *m);
	s->mailbox = PQgetvalue(r, i, 0);
	s->folder = PQgetvalue(r, i, 1);
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
	memset(L, 0, sizeof *L);
	if (ids) {
		char *sql = xasprintf("%s%s", sql_load, sql_load_some);
		L->res = store_exec(s, "loading sightings", sql, 2, p, PGRES_TUPLES_OK, &st, err);
		free(sql);
	} else
		L->res = store_exec(s, "loading sightings", sql_load, 0, NULL, PGRES_TUPLES_OK, &st, err);
	if (!L->res)
		return st;
	L->n = (size_t)PQntuples(L->res);
	L->msgs = xcalloc(L->n ? L->n : 1, sizeof *L->msgs);
	L->s = xcalloc(L->n ? L->n : 1, sizeof *L->s);
	for (size_t i = 0; i < L->n; i++)
		load_row(L->res, (int)i, &L->msgs[i], &L->s[i]);
	return STORE_OK;
}

void derive_loaded_free(struct loaded *L)
{
	for (size_t i = 0; i < L->n; i++)
		message_clear(&L->msgs[i]);
	free(L->msgs);
	free(L->s);
	PQclear(L->res);
	memset(L, 0, sizeof *L);
}

/* ---- writing ---- */

/* Column arrays of one chunk of rows. */
struct cols {
	struct strbuf *c;
	int n;
};

static void cols_begin(struct cols *k, int n)
{
	k->n = n;
	k->c = xcalloc((size_t)n, sizeof *k->c);
	for (int i = 0; i < n; i++) {
		strbuf_init(&k->c[i], 0);
		pg_array_begin(&k->c[i]);
	}
}

static int cols_flush(struct store *s, struct cols *k, const char *op, const char *sql,
		      const char *extra, char **err)
{
	const char **p = xcalloc((size_t)k->n + 1, sizeof *p);
	for (int i = 0; i < k->n; i++) {
		pg_array_end(&k->c[i]);
		p[i] = k->c[i].s;
	}
	p[k->n] = extra;
	int st = derive_exec(s, op, sql, k->n + (extra ? 1 : 0), p, err);
	free(p);
	for (int i = 0; i < k->n; i++)
		strbuf_free(&k->c[i]);
	free(k->c);
	k->c = NULL;
	return st;
}

static void add_s(struct cols *k, int col, const char *v)
{
	if (v && !utf8_valid(v)) {
		char *fixed = utf8_sanitize(v);
		pg_array_add(&k->c[col], fixed);
		free(fixed);
		return;
	}
	pg_array_add(&k->c[col], v);
}

static void add_i(struct cols *k, int col, long long v, bool present)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	pg_array_add(&k->c[col], present ? buf : NULL);
}

static const char *party_customer(const struct cfg_customer *c, const char *addr)
{
	return c ? c->name : addr ? REQUESTS_UNASSIGNED_KEY : NULL;
}

static const char sql_messages[] =
	"INSERT INTO replyclock.messages (message_id, mailbox, sightings, seen_inbound, seen_sent, "
	"from_addr, subject, class, noise_reason, reason, from_team, customer, party_addr, at, "
	"conversation_id, thread_link, refs) "
	"SELECT a, b, c::integer, d::boolean, e::boolean, f, g, h, i, j, k::boolean, l, m, "
	"to_timestamp(n::bigint), o, p, q::text[] FROM unnest($1::text[], $2::text[], $3::text[], "
	"$4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], "
	"$11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[]) "
	"AS u(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q)";

/* In-Reply-To then References, as one array literal. */
static char *refs_literal(const struct message *m)
{
	struct strbuf b;
	strbuf_init(&b, 0);
	pg_array_begin(&b);
	if (m->in_reply_to)
		pg_array_add(&b, m->in_reply_to);
	for (size_t i = 0; i < m->references.n; i++)
		pg_array_add(&b, m->references.v[i]);
	pg_array_end(&b);
	return strbuf_steal(&b);
}

static void message_row(struct cols *k, const struct derived *d, size_t i)
{
	const struct logical_msg *lm = &d->set.v[i];
	const struct classification *c = &d->cls[i];
	add_s(k, 0, lm->message_id);
	add_s(k, 1, lm->mailbox);
	add_i(k, 2, (long long)lm->n_sightings, true);
	add_s(k, 3, lm->seen_inbound ? "t" : "f");
	add_s(k, 4, lm->seen_sent ? "t" : "f");
	add_s(k, 5, lm->hdr->from_addr);
	add_s(k, 6, lm->hdr->subject);
	add_s(k, 7, msg_class_name(c->cls));
	add_s(k, 8, c->noise ? noise_reason_code(c->noise) : NULL);
	add_s(k, 9, c->reason[0] ? c->reason : NULL);
	add_s(k, 10, c->from_team ? "t" : "f");
	add_s(k, 11, c->customer ? c->customer->name : NULL);
	add_s(k, 12, c->customer ? NULL : c->unassigned_addr);
	add_i(k, 13, (long long)c->time, c->time != 0);
	add_s(k, 14, d->thr.convs[d->thr.conv_of[i]].id);
	add_s(k, 15, thread_link_name(d->thr.link[i]));
	char *refs = refs_literal(lm->hdr);
	add_s(k, 16, refs);
	free(refs);
}

static const char sql_conversations[] =
	"INSERT INTO replyclock.conversations (id, customer, unassigned_addr, has_customer_message, "
	"subject, first_at, last_at, messages) "
	"SELECT a, b, c, d::boolean, e, to_timestamp(f::bigint), to_timestamp(g::bigint), h::integer "
	"FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
	"$7::text[], $8::text[]) AS u(a, b, c, d, e, f, g, h)";

static void conversation_row(struct cols *k, const struct derived *d, size_t c)
{
	const struct conversation *cv = &d->thr.convs[c];
	size_t first = cv->members[0], last = cv->members[cv->n_members - 1];
	add_s(k, 0, cv->id);
	add_s(k, 1, party_customer(cv->customer, cv->unassigned_addr));
	add_s(k, 2, cv->customer ? NULL : cv->unassigned_addr);
	add_s(k, 3, cv->has_customer_msg ? "t" : "f");
	add_s(k, 4, d->set.v[first].hdr->subject);
	add_i(k, 5, (long long)d->cls[first].time, d->cls[first].time != 0);
	add_i(k, 6, (long long)d->cls[last].time, d->cls[last].time != 0);
	add_i(k, 7, (long long)cv->n_members, true);
}

static const char sql_requests[] =
	"INSERT INTO replyclock.requests (opened_message_id, conversation_id, customer, customer_name, "
	"mailbox, kind, subject, opened_at, replied_message_id, replied_at, business_seconds, "
	"target_seconds, same_day_cutoff, due_at, due_week, policy, calendar, calendar_digest, error) "
	"SELECT a, b, c, d, e, f, g, to_timestamp(h::bigint), i, to_timestamp(j::bigint), k::bigint, "
	"l::bigint, m, to_timestamp(n::bigint), "
	"(date_trunc('week', to_timestamp(n::bigint) AT TIME ZONE $19))::date, o, p, q, r "
	"FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
	"$7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], "
	"$14::text[], $15::text[], $16::text[], $17::text[], $18::text[]) "
	"AS u(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r)";

static void request_row(struct cols *k, const struct request *r)
{
	char cut[8];
	snprintf(cut, sizeof cut, "%02d:%02d", r->target.hour % 100, r->target.minute % 100);
	add_s(k, 0, r->opened_message_id);
	add_s(k, 1, r->conversation_id);
	add_s(k, 2, r->customer_key);
	add_s(k, 3, r->customer_name);
	add_s(k, 4, r->mailbox);
	add_s(k, 5, request_kind_name(r->kind));
	add_s(k, 6, r->subject);
	add_i(k, 7, (long long)r->opened_at, true);
	add_s(k, 8, r->replied ? r->replied_message_id : NULL);
	add_i(k, 9, (long long)r->replied_at, r->replied);
	add_i(k, 10, (long long)r->business_seconds, r->replied);
	add_i(k, 11, r->target_seconds, r->target_seconds >= 0);
	add_s(k, 12, r->target.kind == TARGET_SAME_DAY ? cut : NULL);
	add_i(k, 13, (long long)r->due_at, r->has_due);
	add_s(k, 14, r->policy);
	add_s(k, 15, r->calendar);
	add_s(k, 16, r->calendar_digest);
	add_s(k, 17, r->error);
}

typedef void (*row_fn)(struct cols *k, const struct derived *d, size_t i);

/* Rows are written in `order` when given (indexes into the rows). */
static int write_rows(struct store *s, const struct derived *d, size_t n, const size_t *order, int ncols,
		      row_fn fn, const char *op, const char *sql, char **err)
{
	int st = STORE_OK;
	for (size_t done = 0; done < n && st == STORE_OK;) {
		struct cols k;
		cols_begin(&k, ncols);
		size_t end = done + WRITE_CHUNK < n ? done + WRITE_CHUNK : n;
		for (; done < end; done++)
			fn(&k, d, order ? order[done] : done);
		st = cols_flush(s, &k, op, sql, NULL, err);
	}
	return st;
}

static int write_requests(struct store *s, const struct config *cfg, const struct derived *d, char **err)
{
	int st = STORE_OK;
	for (size_t done = 0; done < d->req.n && st == STORE_OK;) {
		struct cols k;
		cols_begin(&k, 18);
		size_t end = done + WRITE_CHUNK < d->req.n ? done + WRITE_CHUNK : d->req.n;
		for (; done < end; done++)
			request_row(&k, &d->req.v[done]);
		st = cols_flush(s, &k, "writing requests", sql_requests, derive_report_tz(cfg), err);
	}
	return st;
}

/* Serialises writers of the derived layer (recompute vs. a poll's update). */
static const char sql_lock[] = "SELECT pg_advisory_xact_lock(8243118304166898796)";
static const char sql_clear[] =
	"DELETE FROM replyclock.requests; DELETE FROM replyclock.conversations; "
	"DELETE FROM replyclock.messages; DELETE FROM replyclock.customers; "
	"DELETE FROM replyclock.policies; DELETE FROM replyclock.calendars; "
	"DELETE FROM replyclock.derived_state";

int derive_lock(struct store *s, char **err)
{
	int st;
	PGresult *r = store_exec(s, "locking the derived tables", sql_lock, 0, NULL, PGRES_TUPLES_OK, &st, err);
	PQclear(r);
	return r ? STORE_OK : st;
}

static int clear_derived(struct store *s, char **err)
{
	int st = derive_lock(s, err);
	if (st != STORE_OK)
		return st;
	PGresult *r;
	/* Several statements need the simple protocol; there are no parameters. */
	r = PQexec(s->conn, sql_clear);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return store_fail(s, &r, "clearing the derived tables", err);
	PQclear(r);
	return STORE_OK;
}

static int cmp_conv_of(const void *a, const void *b, void *ctx)
{
	const struct derived *d = ctx;
	size_t x = d->thr.conv_of[*(const size_t *)a], y = d->thr.conv_of[*(const size_t *)b];
	return x < y ? -1 : x > y;
}

int derive_write_rows(struct store *s, const struct config *cfg, const struct derived *d, char **err)
{
	double t0 = derive_mono();
	/* Messages go in conversation order (conversations are sorted by id):
	 * the (conversation_id, at) index then grows at its end instead of
	 * being written all over, which is most of the cost of a recompute. */
	size_t *order = xmalloc((d->set.n ? d->set.n : 1) * sizeof *order);
	for (size_t i = 0; i < d->set.n; i++)
		order[i] = i;
	qsort_r(order, d->set.n, sizeof *order, cmp_conv_of, (void *)d);
	int st = write_rows(s, d, d->set.n, order, 17, message_row, "writing messages", sql_messages, err);
	free(order);
	double t1 = derive_mono();
	if (st == STORE_OK)
		st = write_rows(s, d, d->thr.n_convs, NULL, 8, conversation_row, "writing conversations",
				sql_conversations, err);
	double t2 = derive_mono();
	if (st == STORE_OK)
		st = write_requests(s, cfg, d, err);
	log_debug("derived rows written: %zu messages %.3f s, %zu conversations %.3f s, %zu requests %.3f s",
		  d->set.n, t1 - t0, d->thr.n_convs, t2 - t1, d->req.n, derive_mono() - t2);
	return st;
}

static int write_all(struct store *s, const struct config *cfg, const struct calendar_set *cals,
		     const struct derived *d, char **err)
{
	double t0 = derive_mono();
	int st = clear_derived(s, err);
	log_debug("derived tables cleared in %.3f s", derive_mono() - t0);
	if (st == STORE_OK)
		st = derive_mirror_write(s, cfg, cals, err);
	if (st == STORE_OK)
		st = derive_write_rows(s, cfg, d, err);
	return st;
}

/* Everything stored counts: the views judge open requests at now(), and
 * reports reproduce an earlier as-of instant from the stored rows. */

/* Fresh statistics right after a rewrite: without them the planner sees
 * empty tables and the next incremental update's lookups take seconds. */
static void analyze(struct store *s)
{
	/* Not sightings: a recompute does not change them (autovacuum keeps
	 * their statistics), and on a million rows it took half the time. */
	PGresult *r = PQexec(s->conn, "ANALYZE replyclock.messages, replyclock.conversations, "
				      "replyclock.requests");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		log_warn("%s: ANALYZE of the derived tables failed: %s", s->server,
			 PQresultErrorMessage(r));
	PQclear(r);
}

double derive_mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int derive_store_recompute(struct store *s, const struct config *cfg, const struct calendar_set *cals,
			   struct derive_stats *stats, char **err)
{
	struct loaded L;
	struct derived d;
	memset(stats, 0, sizeof *stats);
	double t0 = derive_mono();
	int st = store_begin(s, err);
	/* Locked before loading: a concurrent update committed between our
	 * load and our rewrite would otherwise be overwritten by older facts. */
	if (st == STORE_OK)
		st = derive_lock(s, err);
	if (st == STORE_OK)
		st = derive_load(s, NULL, NULL, &L, err);
	if (st != STORE_OK) {
		store_rollback(s);
		return st;
	}
	double t1 = derive_mono();
	if (derive_all(cfg, cals, L.s, L.n, AS_OF_EVERYTHING, &d, err) < 0) {
		derive_loaded_free(&L);
		store_rollback(s);
		return STORE_FINAL;
	}
	double t2 = derive_mono();
	st = write_all(s, cfg, cals, &d, err);
	if (st == STORE_OK)
		st = store_commit(s, "committing the derived tables", err);
	double t3 = derive_mono();
	if (st != STORE_OK)
		store_rollback(s);
	else {
		*stats = (struct derive_stats){ L.n, d.set.n, d.thr.n_convs, d.req.n };
		analyze(s);
	}
	log_debug("recompute: load %zu sightings %.2f s, derive %.2f s, write and commit %.2f s, "
		  "analyze %.2f s", L.n, t1 - t0, t2 - t1, t3 - t2, derive_mono() - t3);
	derived_free(&d);
	derive_loaded_free(&L);
	return st;
}
