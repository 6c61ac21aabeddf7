/* Writing the derived tables (sql/002_derived.sql); loading the facts is tracker/derive_load.c. */
#include "tracker/derive_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tracker/derive.h"
#include "tracker/derive_store_p.h"
#include "tracker/log.h"
#include "tracker/pg_copy_bin.h"
#include "tracker/store_p.h"
#include "tracker/thread.h"
#include "tracker/tz.h"
#include "tracker/util.h"

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

/* ---- writing (COPY ... FROM STDIN, binary format: tracker/pg_copy_bin.h) ---- */

/* Bytes of row data handed to libpq at a time. */
#define COPY_FLUSH (1 << 20)

/* Rows being formatted: streamed to a COPY in progress (s set), or
 * collected in b (s NULL) and filtered by keep. */
struct copy {
	struct store *s;
	struct strbuf b;
	bool failed;
	const struct rc_zone *week_tz;
	row_keep_fn keep;
	void *keep_ctx;
};

static void copy_flush(struct copy *c)
{
	if (!c->s)
		return;
	if (!c->failed && c->b.len && PQputCopyData(c->s->conn, c->b.s, (int)c->b.len) != 1)
		c->failed = true;
	c->b.len = 0; /* the buffer is reused */
}

static int copy_begin(struct copy *c, struct store *s, const char *sql, const char *op, char **err)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	strbuf_init(&c->b, 0);
	PGresult *r = PQexec(s->conn, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN)
		return store_fail(s, &r, op, err);
	PQclear(r);
	pgbin_header(&c->b);
	return STORE_OK;
}

/* Ends the COPY (aborting it when a row could not be sent). */
static int copy_end(struct copy *c, const char *op, char **err)
{
	pgbin_trailer(&c->b);
	copy_flush(c);
	strbuf_free(&c->b);
	int st = STORE_OK;
	if (PQputCopyEnd(c->s->conn, c->failed ? "sending rows failed" : NULL) != 1)
		c->failed = true;
	PGresult *r;
	while ((r = PQgetResult(c->s->conn))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && st == STORE_OK)
			st = store_fail(c->s, &r, op, err);
		PQclear(r);
	}
	if (st == STORE_OK && c->failed)
		st = store_fail(c->s, NULL, op, err);
	return st;
}

static void add_t(struct copy *c, time_t t, bool present)
{
	if (present)
		pgbin_timestamptz(&c->b, t);
	else
		pgbin_null(&c->b);
}

static void add_i8(struct copy *c, int64_t v, bool present)
{
	if (present)
		pgbin_int8(&c->b, v);
	else
		pgbin_null(&c->b);
}

/* The Monday (in the report time zone) of the ISO week holding t, as the
 * views count weeks: date_trunc('week', t AT TIME ZONE tz)::date. */
static void add_week(struct copy *c, time_t t, bool present)
{
	if (!present) {
		pgbin_null(&c->b);
		return;
	}
	int64_t days = floor_div(rc_zone_to_local(c->week_tz, (int64_t)t), 86400);
	pgbin_date(&c->b, days - weekday_from_days(days));
}

/* The row began at offset start of the buffer. */
static void row_end(struct copy *c, size_t start)
{
	if (c->keep && !c->keep(c->keep_ctx, c->b.s + start, c->b.len - start))
		c->b.len = start;
	if (c->b.len >= COPY_FLUSH)
		copy_flush(c);
}

const char *const derived_table_name[DERIVED_TABLES] = { "replyclock.messages",
							 "replyclock.conversations",
							 "replyclock.requests" };
/* In the order message_row, conversation_row and request_row write them. */
const char *const derived_table_columns[DERIVED_TABLES] = {
	"message_id, mailbox, sightings, seen_inbound, seen_sent, from_addr, subject, class, "
	"noise_reason, reason, from_team, customer, party_addr, at, conversation_id, thread_link, refs, "
	"subject_key, unresolved_refs",
	"id, customer, unassigned_addr, has_customer_message, subject, first_at, last_at, messages",
	"opened_message_id, conversation_id, customer, customer_name, mailbox, kind, subject, opened_at, "
	"replied_message_id, replied_at, business_seconds, target_seconds, same_day_cutoff, due_at, "
	"due_week, policy, calendar, calendar_digest, error",
};

static const char *party_customer(const struct cfg_customer *c, const char *addr)
{
	return c ? c->name : addr ? REQUESTS_UNASSIGNED_KEY : NULL;
}


static bool in_conversation(const struct derived *d, size_t i, const char *id)
{
	long k = logical_find(&d->set, id);
	return k >= 0 && d->thr.conv_of[k] == d->thr.conv_of[i];
}

/* The ids message i names: In-Reply-To then References (the refs column),
 * into all[]; those that name no message of its conversation into
 * unresolved[] (sql/005: the update looks stored messages up by these when
 * a message they name arrives). Returns the count of all[]. */
static size_t split_refs(const struct derived *d, size_t i, const char **all, const char **unresolved,
			 size_t *n_unresolved)
{
	const struct message *m = d->set.v[i].hdr;
	size_t n = 0;
	*n_unresolved = 0;
	if (m->in_reply_to)
		all[n++] = m->in_reply_to;
	for (size_t r = 0; r < m->references.n && r < MSG_MAX_LIST_ITEMS; r++)
		all[n++] = m->references.v[r];
	for (size_t r = 0; r < n; r++)
		if (!in_conversation(d, i, all[r]))
			unresolved[(*n_unresolved)++] = all[r];
	return n;
}

static void message_row(struct copy *k, const struct derived *d, size_t i)
{
	const struct logical_msg *lm = &d->set.v[i];
	const struct classification *c = &d->cls[i];
	struct strbuf *b = &k->b;
	const char *all[MSG_MAX_LIST_ITEMS + 1], *unresolved[MSG_MAX_LIST_ITEMS + 1];
	size_t n_unresolved, n_refs = split_refs(d, i, all, unresolved, &n_unresolved);
	pgbin_row(b, 19);
	pgbin_text(b, lm->message_id);
	pgbin_text(b, lm->mailbox);
	pgbin_int4(b, (int32_t)lm->n_sightings);
	pgbin_bool(b, lm->seen_inbound);
	pgbin_bool(b, lm->seen_sent);
	pgbin_text(b, lm->hdr->from_addr);
	pgbin_text(b, lm->hdr->subject);
	pgbin_text(b, msg_class_name(c->cls));
	pgbin_text(b, c->noise ? noise_reason_code(c->noise) : NULL);
	char reason[CLASSIFY_REASON_MAX];
	pgbin_text(b, classify_reason(c, reason, sizeof reason) ? reason : NULL);
	pgbin_bool(b, c->from_team);
	pgbin_text(b, c->customer ? c->customer->name : NULL);
	pgbin_text(b, c->customer ? NULL : c->unassigned_addr);
	add_t(k, c->time, c->time != 0);
	pgbin_text(b, d->thr.convs[d->thr.conv_of[i]].id);
	pgbin_text(b, thread_link_name(d->thr.link[i]));
	pgbin_text_array(b, all, n_refs);
	pgbin_text(b, d->thr.subject_key[i]);
	if (n_unresolved)
		pgbin_text_array(b, unresolved, n_unresolved);
	else
		pgbin_null(b);
}


static void conversation_row(struct copy *k, const struct derived *d, size_t c)
{
	const struct conversation *cv = &d->thr.convs[c];
	size_t first = cv->members[0], last = cv->members[cv->n_members - 1];
	struct strbuf *b = &k->b;
	pgbin_row(b, 8);
	pgbin_text(b, cv->id);
	pgbin_text(b, party_customer(cv->customer, cv->unassigned_addr));
	pgbin_text(b, cv->customer ? NULL : cv->unassigned_addr);
	pgbin_bool(b, cv->has_customer_msg);
	pgbin_text(b, d->set.v[first].hdr->subject);
	add_t(k, d->cls[first].time, d->cls[first].time != 0);
	add_t(k, d->cls[last].time, d->cls[last].time != 0);
	pgbin_int4(b, (int32_t)cv->n_members);
}


static void request_row(struct copy *k, const struct derived *d, size_t i)
{
	const struct request *r = &d->req.v[i];
	struct strbuf *b = &k->b;
	char cut[8];
	snprintf(cut, sizeof cut, "%02d:%02d", r->target.hour % 100, r->target.minute % 100);
	pgbin_row(b, 19);
	pgbin_text(b, r->opened_message_id);
	pgbin_text(b, r->conversation_id);
	pgbin_text(b, r->customer_key);
	pgbin_text(b, r->customer_name);
	pgbin_text(b, r->mailbox);
	pgbin_text(b, request_kind_name(r->kind));
	pgbin_text(b, r->subject);
	add_t(k, r->opened_at, true);
	pgbin_text(b, r->replied ? r->replied_message_id : NULL);
	add_t(k, r->replied_at, r->replied);
	add_i8(k, r->business_seconds, r->replied);
	add_i8(k, r->target_seconds, r->target_seconds >= 0);
	pgbin_text(b, r->target.kind == TARGET_SAME_DAY ? cut : NULL);
	add_t(k, r->due_at, r->has_due);
	add_week(k, r->due_at, r->has_due);
	pgbin_text(b, r->policy);
	pgbin_text(b, r->calendar);
	pgbin_text(b, r->calendar_digest);
	pgbin_text(b, r->error);
}

/* The time of a conversation's latest member (members are in time order). */
static time_t conv_last(const struct derived *d, size_t c)
{
	const struct conversation *cv = &d->thr.convs[c];
	return d->cls[cv->members[cv->n_members - 1]].time;
}

static int cmp_conv_last(const void *a, const void *b, void *ctx)
{
	const struct derived *d = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	time_t tx = conv_last(d, x), ty = conv_last(d, y);
	if (tx != ty)
		return tx < ty ? -1 : 1;
	return x < y ? -1 : x > y; /* convs are sorted by id */
}

/* Conversations by their latest activity: new mail mostly touches recent
 * conversations, so written in this order (and their members together,
 * in time order) the rows an update reads and replaces share few pages,
 * at the end of the tables, instead of one page each all over them. */
static size_t *conversations_by_activity(const struct derived *d)
{
	size_t n = d->thr.n_convs, *order = xmalloc((n ? n : 1) * sizeof *order);
	for (size_t c = 0; c < n; c++)
		order[c] = c;
	qsort_r(order, n, sizeof *order, cmp_conv_last, (void *)d);
	return order;
}

static void format_table(struct copy *k, const struct derived *d, int table)
{
	if (table == DERIVED_REQUESTS) { /* already in opening order */
		for (size_t i = 0; i < d->req.n; i++) {
			size_t start = k->b.len;
			request_row(k, d, i);
			row_end(k, start);
		}
		return;
	}
	size_t *order = conversations_by_activity(d);
	for (size_t i = 0; i < d->thr.n_convs; i++) {
		const struct conversation *cv = &d->thr.convs[order[i]];
		for (size_t m = 0; m < (table == DERIVED_MESSAGES ? cv->n_members : 1); m++) {
			size_t start = k->b.len;
			if (table == DERIVED_MESSAGES)
				message_row(k, d, cv->members[m]);
			else
				conversation_row(k, d, order[i]);
			row_end(k, start);
		}
	}
	free(order);
}

void derive_format_rows(const struct derived *d, const struct rc_zone *week_tz, int table, struct strbuf *out,
			row_keep_fn keep, void *ctx)
{
	struct copy k = { .b = *out, .week_tz = week_tz, .keep = keep, .keep_ctx = ctx };
	format_table(&k, d, table);
	*out = k.b;
}

static char *copy_sql(int table, bool freeze)
{
	return xasprintf("COPY %s (%s) FROM STDIN (FORMAT binary%s)", derived_table_name[table],
			 derived_table_columns[table], freeze ? ", FREEZE" : "");
}

static const char *const write_op[DERIVED_TABLES] = { "writing messages", "writing conversations",
						     "writing requests" };

static int copy_table_begin(struct copy *k, struct store *s, int table, bool freeze, char **err)
{
	char *sql = copy_sql(table, freeze);
	int st = copy_begin(k, s, sql, write_op[table], err);
	free(sql);
	return st;
}

int derive_copy_rows(struct store *s, int table, const struct strbuf *rows, char **err)
{
	struct copy k;
	int st = copy_table_begin(&k, s, table, false, err);
	if (st != STORE_OK)
		return st;
	strbuf_append(&k.b, rows->s ? rows->s : "", rows->len);
	return copy_end(&k, write_op[table], err);
}

/* Formats and streams every row of one table, emptied by this transaction
 * (a recompute's TRUNCATE). The rows go in frozen (COPY FREEZE): already
 * marked visible to all, and their pages all-visible, so the first
 * updates and reads after a recompute do not each stop to set hint bits
 * on the million rows they touch (that doubled the first updates' time)
 * and vacuum has nothing left to do. Like TRUNCATE, it is not MVCC-safe
 * for a concurrent REPEATABLE READ reader that began before; replyclock
 * has none. */
static int write_table(struct store *s, const struct derived *d, const struct rc_zone *week_tz, int table,
		       char **err)
{
	struct copy k;
	int st = copy_table_begin(&k, s, table, true, err);
	if (st != STORE_OK)
		return st;
	k.week_tz = week_tz;
	format_table(&k, d, table);
	return copy_end(&k, write_op[table], err);
}

/* Serialises writers of the derived layer (recompute vs. a poll's update). */
static const char sql_lock[] = "SELECT pg_advisory_xact_lock(8243118304166898796)";
int derive_lock(struct store *s, char **err)
{
	int st;
	PGresult *r = store_exec(s, "locking the derived tables", sql_lock, 0, NULL, PGRES_TUPLES_OK, &st, err);
	PQclear(r);
	return r ? STORE_OK : st;
}

struct rc_zone *derive_week_zone(const struct config *cfg, char **err)
{
	char *zerr = NULL;
	struct rc_zone *tz = rc_zone_load(derive_report_tz(cfg), &zerr);
	if (!tz) {
		*err = xasprintf("[report] timezone %s: %s", derive_report_tz(cfg), zerr);
		free(zerr);
	}
	return tz;
}

int derive_write_rows(struct store *s, const struct config *cfg, const struct derived *d, char **err)
{
	struct rc_zone *tz = derive_week_zone(cfg, err);
	if (!tz)
		return STORE_FINAL;
	double t[DERIVED_TABLES + 1];
	int st = STORE_OK;
	t[0] = derive_mono();
	for (int table = 0; table < DERIVED_TABLES; table++) {
		if (st == STORE_OK)
			st = write_table(s, d, tz, table, err);
		t[table + 1] = derive_mono();
	}
	log_debug("derived rows written: %zu messages %.3f s, %zu conversations %.3f s, %zu requests %.3f s",
		  d->set.n, t[1] - t[0], d->thr.n_convs, t[2] - t[1], d->req.n, t[3] - t[2]);
	rc_zone_free(&tz);
	return st;
}

static int write_all(struct store *s, const struct config *cfg, const struct calendar_set *cals,
		     const struct derived *d, char **err)
{
	struct strlist saved;
	double t0 = derive_mono();
	int st = derive_bulk_begin(s, &saved, err);
	log_debug("derived tables cleared in %.3f s", derive_mono() - t0);
	if (st == STORE_OK)
		st = derive_mirror_write(s, cfg, cals, err);
	if (st == STORE_OK)
		st = derive_write_rows(s, cfg, d, err);
	if (st == STORE_OK)
		st = derive_bulk_end(s, &saved, err);
	derive_bulk_free(&saved);
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
