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

/* ---- writing (COPY ... FROM STDIN, text format) ---- */

/* Bytes of row text handed to libpq at a time. */
#define COPY_FLUSH (1 << 20)

/* One COPY in progress: the current chunk of rows, the column of the row. */
struct copy {
	struct store *s;
	struct strbuf b;
	int col;
	bool failed;
	const struct rc_zone *week_tz;
};

static void copy_flush(struct copy *c)
{
	if (!c->failed && c->b.len && PQputCopyData(c->s->conn, c->b.s, (int)c->b.len) != 1)
		c->failed = true;
	strbuf_free(&c->b);
	strbuf_init(&c->b, 0);
}

static int copy_begin(struct copy *c, struct store *s, const char *sql, const char *op, char **err)
{
	memset(c, 0, sizeof *c);
	c->s = s;
	strbuf_init(&c->b, 0);
	PGresult *r = PQexec(s->conn, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		strbuf_free(&c->b);
		return store_fail(s, &r, op, err);
	}
	PQclear(r);
	return STORE_OK;
}

/* Ends the COPY (aborting it when a row could not be sent). */
static int copy_end(struct copy *c, const char *op, char **err)
{
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

static void add_s(struct copy *c, const char *v)
{
	if (c->col++)
		strbuf_append(&c->b, "\t", 1);
	if (v && !utf8_valid(v)) {
		char *fixed = utf8_sanitize(v);
		pg_copy_field(&c->b, fixed);
		free(fixed);
		return;
	}
	pg_copy_field(&c->b, v);
}

static void add_i(struct copy *c, long long v, bool present)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	add_s(c, present ? buf : NULL);
}

static void add_bool(struct copy *c, bool v)
{
	add_s(c, v ? "t" : "f");
}

/* An instant as timestamptz input in UTC. */
static void add_t(struct copy *c, time_t t, bool present)
{
	struct tm tm;
	char buf[48];
	if (present && gmtime_r(&t, &tm) && tm.tm_year + 1900 > 0 && tm.tm_year + 1900 <= 9999) {
		strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S+00", &tm);
		add_s(c, buf);
	} else if (present) /* out of the formatted range: let the server convert it */
		add_s(c, "infinity");
	else
		add_s(c, NULL);
}

/* The Monday (in the report time zone) of the ISO week holding t, as the
 * views count weeks: date_trunc('week', t AT TIME ZONE tz)::date. */
static void add_week(struct copy *c, time_t t, bool present)
{
	if (!present) {
		add_s(c, NULL);
		return;
	}
	int64_t days = floor_div(rc_zone_to_local(c->week_tz, (int64_t)t), 86400);
	days -= weekday_from_days(days);
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	char buf[32];
	snprintf(buf, sizeof buf, "%04lld-%02u-%02u", (long long)y, m, d);
	add_s(c, buf);
}

static void row_end(struct copy *c)
{
	strbuf_append(&c->b, "\n", 1);
	c->col = 0;
	if (c->b.len >= COPY_FLUSH)
		copy_flush(c);
}

static const char *party_customer(const struct cfg_customer *c, const char *addr)
{
	return c ? c->name : addr ? REQUESTS_UNASSIGNED_KEY : NULL;
}

static const char sql_messages[] =
	"COPY replyclock.messages (message_id, mailbox, sightings, seen_inbound, seen_sent, "
	"from_addr, subject, class, noise_reason, reason, from_team, customer, party_addr, at, "
	"conversation_id, thread_link, refs, subject_key) FROM STDIN";

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

static void message_row(struct copy *k, const struct derived *d, size_t i)
{
	const struct logical_msg *lm = &d->set.v[i];
	const struct classification *c = &d->cls[i];
	add_s(k, lm->message_id);
	add_s(k, lm->mailbox);
	add_i(k, (long long)lm->n_sightings, true);
	add_bool(k, lm->seen_inbound);
	add_bool(k, lm->seen_sent);
	add_s(k, lm->hdr->from_addr);
	add_s(k, lm->hdr->subject);
	add_s(k, msg_class_name(c->cls));
	add_s(k, c->noise ? noise_reason_code(c->noise) : NULL);
	char reason[CLASSIFY_REASON_MAX];
	add_s(k, classify_reason(c, reason, sizeof reason) ? reason : NULL);
	add_bool(k, c->from_team);
	add_s(k, c->customer ? c->customer->name : NULL);
	add_s(k, c->customer ? NULL : c->unassigned_addr);
	add_t(k, c->time, c->time != 0);
	add_s(k, d->thr.convs[d->thr.conv_of[i]].id);
	add_s(k, thread_link_name(d->thr.link[i]));
	char *refs = refs_literal(lm->hdr);
	add_s(k, refs);
	free(refs);
	add_s(k, d->thr.subject_key[i]);
}

static const char sql_conversations[] =
	"COPY replyclock.conversations (id, customer, unassigned_addr, has_customer_message, "
	"subject, first_at, last_at, messages) FROM STDIN";

static void conversation_row(struct copy *k, const struct derived *d, size_t c)
{
	const struct conversation *cv = &d->thr.convs[c];
	size_t first = cv->members[0], last = cv->members[cv->n_members - 1];
	add_s(k, cv->id);
	add_s(k, party_customer(cv->customer, cv->unassigned_addr));
	add_s(k, cv->customer ? NULL : cv->unassigned_addr);
	add_bool(k, cv->has_customer_msg);
	add_s(k, d->set.v[first].hdr->subject);
	add_t(k, d->cls[first].time, d->cls[first].time != 0);
	add_t(k, d->cls[last].time, d->cls[last].time != 0);
	add_i(k, (long long)cv->n_members, true);
}

static const char sql_requests[] =
	"COPY replyclock.requests (opened_message_id, conversation_id, customer, customer_name, "
	"mailbox, kind, subject, opened_at, replied_message_id, replied_at, business_seconds, "
	"target_seconds, same_day_cutoff, due_at, due_week, policy, calendar, calendar_digest, error) "
	"FROM STDIN";

static void request_row(struct copy *k, const struct derived *d, size_t i)
{
	const struct request *r = &d->req.v[i];
	char cut[8];
	snprintf(cut, sizeof cut, "%02d:%02d", r->target.hour % 100, r->target.minute % 100);
	add_s(k, r->opened_message_id);
	add_s(k, r->conversation_id);
	add_s(k, r->customer_key);
	add_s(k, r->customer_name);
	add_s(k, r->mailbox);
	add_s(k, request_kind_name(r->kind));
	add_s(k, r->subject);
	add_t(k, r->opened_at, true);
	add_s(k, r->replied ? r->replied_message_id : NULL);
	add_t(k, r->replied_at, r->replied);
	add_i(k, (long long)r->business_seconds, r->replied);
	add_i(k, r->target_seconds, r->target_seconds >= 0);
	add_s(k, r->target.kind == TARGET_SAME_DAY ? cut : NULL);
	add_t(k, r->due_at, r->has_due);
	add_week(k, r->due_at, r->has_due);
	add_s(k, r->policy);
	add_s(k, r->calendar);
	add_s(k, r->calendar_digest);
	add_s(k, r->error);
}

typedef void (*row_fn)(struct copy *k, const struct derived *d, size_t i);

/* Rows are written in `order` when given (indexes into the rows). */
static int write_rows(struct store *s, const struct derived *d, size_t n, const size_t *order,
		      const struct rc_zone *week_tz, row_fn fn, const char *op, const char *sql, char **err)
{
	struct copy k;
	int st = copy_begin(&k, s, sql, op, err);
	if (st != STORE_OK)
		return st;
	k.week_tz = week_tz;
	for (size_t i = 0; i < n; i++) {
		fn(&k, d, order ? order[i] : i);
		row_end(&k);
	}
	return copy_end(&k, op, err);
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

static int cmp_conv_of(const void *a, const void *b, void *ctx)
{
	const struct derived *d = ctx;
	size_t x = d->thr.conv_of[*(const size_t *)a], y = d->thr.conv_of[*(const size_t *)b];
	return x < y ? -1 : x > y;
}

int derive_write_rows(struct store *s, const struct config *cfg, const struct derived *d, char **err)
{
	char *zerr = NULL;
	struct rc_zone *tz = rc_zone_load(derive_report_tz(cfg), &zerr);
	if (!tz) {
		*err = xasprintf("[report] timezone %s: %s", derive_report_tz(cfg), zerr);
		free(zerr);
		return STORE_FINAL;
	}
	double t0 = derive_mono();
	/* Messages go in conversation order (conversations are sorted by id):
	 * in an update the (conversation_id, at) index then takes each
	 * conversation's rows in one place (a recompute rebuilds it). */
	size_t *order = xmalloc((d->set.n ? d->set.n : 1) * sizeof *order);
	for (size_t i = 0; i < d->set.n; i++)
		order[i] = i;
	qsort_r(order, d->set.n, sizeof *order, cmp_conv_of, (void *)d);
	int st = write_rows(s, d, d->set.n, order, tz, message_row, "writing messages", sql_messages, err);
	free(order);
	double t1 = derive_mono();
	if (st == STORE_OK)
		st = write_rows(s, d, d->thr.n_convs, NULL, tz, conversation_row, "writing conversations",
				sql_conversations, err);
	double t2 = derive_mono();
	if (st == STORE_OK)
		st = write_rows(s, d, d->req.n, NULL, tz, request_row, "writing requests", sql_requests, err);
	log_debug("derived rows written: %zu messages %.3f s, %zu conversations %.3f s, %zu requests %.3f s",
		  d->set.n, t1 - t0, d->thr.n_convs, t2 - t1, d->req.n, derive_mono() - t2);
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
