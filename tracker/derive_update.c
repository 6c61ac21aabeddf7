/* Incremental update of the derived layer after a batch of new sightings.
 *
 * Why the touched set suffices: stored conversations are closed under
 * reference links (a message and the known message it names are always in
 * one conversation), so loading whole conversations never cuts a link. New
 * messages can (1) name stored messages or be named by them: those
 * conversations are loaded; (2) join or reorder conversations of their own
 * party by subject: a subject match needs a customer/team message within
 * thread_window before the joining root, so only that party's conversations
 * active since (earliest new message - thread_window) can change. The same
 * is done for the parties of the conversations in (1), whose first customer
 * message may move. Known limit: a conversation that mixes several
 * customers' messages and loses its first customer message's tree to a
 * subject re-match could change a third party's matching; `recompute`
 * settles such (contrived) cases. */
#include "tracker/derive_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker/derive_store_p.h"
#include "tracker/log.h"
#include "tracker/store_p.h"
#include "tracker/util.h"

/* What a batch touches, found from its own messages (pure): each party
 * (customer name, or unknown address) with the earliest instant from which
 * its conversations can change (its earliest new message - thread_window). */
struct touch {
	struct strlist customers, addrs, refs;
	time_t *cust_since, *addr_since;
	time_t since;   /* the earliest of all */
};

static size_t add_unique(struct strlist *l, const char *v)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], v))
			return i;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = xstrdup(v);
	return l->n - 1;
}

static void add_party(struct strlist *l, time_t **since, const char *v, time_t t)
{
	if (!v)
		return;
	size_t n = l->n, i = add_unique(l, v);
	if (i == n) {
		*since = xrealloc(*since, l->n * sizeof **since);
		(*since)[i] = t;
	} else if (t < (*since)[i])
		(*since)[i] = t;
}

static void touch_free(struct touch *t)
{
	struct strlist *ls[] = { &t->customers, &t->addrs, &t->refs };
	for (int k = 0; k < 3; k++) {
		for (size_t i = 0; i < ls[k]->n; i++)
			free(ls[k]->v[i]);
		free(ls[k]->v);
	}
	free(t->cust_since);
	free(t->addr_since);
}

static void find_touch(const struct config *cfg, const struct loaded *N, struct touch *t)
{
	struct logical_set set;
	memset(t, 0, sizeof *t);
	logical_fold(N->s, N->n, &set);
	for (size_t i = 0; i < set.n; i++) {
		struct classification c;
		classify_message(cfg, &set.v[i], &c);
		time_t since = c.time - cfg->defaults.thread_window;
		if (c.customer)
			add_party(&t->customers, &t->cust_since, c.customer->name, since);
		else
			add_party(&t->addrs, &t->addr_since, c.unassigned_addr, since);
		if (i == 0 || since < t->since)
			t->since = since;
		const struct message *m = set.v[i].hdr;
		if (m->in_reply_to)
			add_unique(&t->refs, m->in_reply_to);
		for (size_t r = 0; r < m->references.n; r++)
			add_unique(&t->refs, m->references.v[r]);
		add_unique(&t->refs, set.v[i].message_id);
	}
	logical_set_free(&set);
}

/* $1/$2 customers and their since (epoch), $3/$4 unknown addresses and
 * theirs, $5 ids named by or of the batch, $6 the batch's ids, $7 the
 * earliest since (for the parties of conversations found through ids). */
static const char sql_touched[] =
	"WITH ref AS (" /* two branches, so that each can use its index */
	"  SELECT conversation_id AS id FROM replyclock.messages WHERE message_id = ANY($5::text[])"
	"  UNION"
	"  SELECT m.conversation_id FROM unnest($6::text[]) AS n(id)"
	"  JOIN replyclock.messages m ON m.refs @> ARRAY[n.id]"
	"), party AS ("
	"  SELECT c.customer, c.unassigned_addr FROM replyclock.conversations c JOIN ref ON ref.id = c.id"
	") "
	"SELECT id FROM ref "
	"UNION "
	"SELECT c.id FROM replyclock.conversations c "
	"JOIN unnest($1::text[], $2::bigint[]) AS p(customer, since) "
	"  ON c.unassigned_addr IS NULL AND c.customer = p.customer "
	"WHERE c.last_at IS NULL OR c.last_at >= to_timestamp(p.since) "
	"UNION "
	"SELECT c.id FROM replyclock.conversations c "
	"JOIN unnest($3::text[], $4::bigint[]) AS a(addr, since) ON c.unassigned_addr = a.addr "
	"WHERE c.last_at IS NULL OR c.last_at >= to_timestamp(a.since) "
	"UNION "
	"SELECT c.id FROM replyclock.conversations c "
	"JOIN (SELECT DISTINCT customer FROM party WHERE unassigned_addr IS NULL) q "
	"  ON c.unassigned_addr IS NULL AND c.customer = q.customer "
	"WHERE c.last_at IS NULL OR c.last_at >= to_timestamp($7::bigint) "
	"UNION "
	"SELECT c.id FROM replyclock.conversations c "
	"JOIN (SELECT DISTINCT unassigned_addr FROM party WHERE unassigned_addr IS NOT NULL) q "
	"  ON c.unassigned_addr = q.unassigned_addr "
	"WHERE c.last_at IS NULL OR c.last_at >= to_timestamp($7::bigint)";

static char *list_literal(const struct strlist *l)
{
	return pg_array_literal((const char *const *)l->v, l->n);
}

static char *times_literal(const time_t *t, size_t n)
{
	struct strbuf b;
	strbuf_init(&b, 0);
	strbuf_append(&b, "{", 1);
	for (size_t i = 0; i < n; i++)
		strbuf_appendf(&b, "%s%lld", i ? "," : "", (long long)t[i]);
	strbuf_append(&b, "}", 1);
	return strbuf_steal(&b);
}

/* Returns the touched conversation ids as an array literal in *out. */
static int touched_conversations(struct store *s, const struct touch *t, const char *ids, char **out,
				 size_t *n, char **err)
{
	char since[32];
	snprintf(since, sizeof since, "%lld", (long long)t->since);
	char *cust = list_literal(&t->customers), *cs = times_literal(t->cust_since, t->customers.n),
	     *addrs = list_literal(&t->addrs), *as = times_literal(t->addr_since, t->addrs.n),
	     *refs = list_literal(&t->refs);
	const char *p[] = { cust, cs, addrs, as, refs, ids, since };
	int st;
	PGresult *r = store_exec(s, "finding touched conversations", sql_touched, 7, p, PGRES_TUPLES_OK,
				 &st, err);
	free(cust);
	free(cs);
	free(addrs);
	free(as);
	free(refs);
	if (!r)
		return st;
	struct strbuf b;
	strbuf_init(&b, 0);
	pg_array_begin(&b);
	for (int i = 0; i < PQntuples(r); i++)
		pg_array_add(&b, PQgetvalue(r, i, 0));
	pg_array_end(&b);
	*n = (size_t)PQntuples(r);
	*out = strbuf_steal(&b);
	PQclear(r);
	return STORE_OK;
}

static const char sql_delete_requests[] =
	"DELETE FROM replyclock.requests WHERE conversation_id = ANY($1::text[])";
static const char sql_delete_conversations[] =
	"DELETE FROM replyclock.conversations WHERE id = ANY($1::text[])";
static const char sql_delete_messages[] =
	"DELETE FROM replyclock.messages WHERE conversation_id = ANY($1::text[]) "
	"OR message_id = ANY($2::text[])";

static int delete_touched(struct store *s, const char *convs, const char *ids, char **err)
{
	const char *p[] = { convs, ids };
	int st = derive_exec(s, "deleting touched requests", sql_delete_requests, 1, p, err);
	if (st == STORE_OK)
		st = derive_exec(s, "deleting touched conversations", sql_delete_conversations, 1, p, err);
	if (st == STORE_OK)
		st = derive_exec(s, "deleting touched messages", sql_delete_messages, 2, p, err);
	return st;
}

/* Everything after BEGIN; the caller commits or rolls back. */
static int update_tx(struct store *s, const struct config *cfg, const struct calendar_set *cals,
		     const char *ids, struct derive_stats *stats, char **err)
{
	struct loaded N, L;
	struct touch t;
	char *convs = NULL;
	size_t n_convs = 0;
	double t0 = derive_mono();
	int st = derive_lock(s, err);
	if (st == STORE_OK)
		st = derive_load(s, ids, "{}", &N, err);
	if (st != STORE_OK)
		return st;
	double t1 = derive_mono();
	find_touch(cfg, &N, &t);
	derive_loaded_free(&N);
	st = touched_conversations(s, &t, ids, &convs, &n_convs, err);
	touch_free(&t);
	double t2 = derive_mono();
	if (st == STORE_OK)
		st = derive_load(s, ids, convs, &L, err);
	log_debug("derived update: lock and load the batch %.3f s, find %zu touched conversations "
		  "%.3f s, load them %.3f s", t1 - t0, n_convs, t2 - t1, derive_mono() - t2);
	t2 = derive_mono();
	if (st != STORE_OK) {
		free(convs);
		return st;
	}
	struct derived d;
	if (derive_all(cfg, cals, L.s, L.n, AS_OF_EVERYTHING, &d, err) < 0) {
		derive_loaded_free(&L);
		free(convs);
		return STORE_FINAL;
	}
	double t3 = derive_mono();
	st = delete_touched(s, convs, ids, err);
	log_debug("derived update: derive %.3f s, delete %.3f s", t3 - t2, derive_mono() - t3);
	if (st == STORE_OK)
		st = derive_write_rows(s, cfg, &d, err);
	if (st == STORE_OK)
		*stats = (struct derive_stats){ L.n, d.set.n, d.thr.n_convs, d.req.n };
	derived_free(&d);
	derive_loaded_free(&L);
	free(convs);
	return st;
}

int derive_store_update(struct store *s, const struct config *cfg, const struct calendar_set *cals,
			const char *const *ids, size_t n, struct derive_stats *stats, char **err)
{
	memset(stats, 0, sizeof *stats);
	if (n == 0)
		return STORE_OK;
	double t0 = derive_mono();
	char *lit = pg_array_literal(ids, n);
	int st = store_begin(s, err);
	if (st == STORE_OK)
		st = update_tx(s, cfg, cals, lit, stats, err);
	if (st == STORE_OK)
		st = store_commit(s, "committing the derived update", err);
	if (st != STORE_OK)
		store_rollback(s);
	free(lit);
	log_debug("derived update for %zu new messages: rewrote %zu messages, %zu conversations, "
		  "%zu requests in %.3f s", n, stats->messages, stats->conversations, stats->requests,
		  derive_mono() - t0);
	return st;
}

int derive_store_after_batch(struct store *s, const struct config *cfg, const struct calendar_set *cals,
			     const char *const *ids, size_t n, bool *recomputed, struct derive_stats *stats,
			     char **err)
{
	bool current = false;
	int st = derive_store_is_current(s, cfg, cals, &current, err);
	*recomputed = false;
	if (st != STORE_OK)
		return st;
	if (current)
		return derive_store_update(s, cfg, cals, ids, n, stats, err);
	log_info("%s: configuration or calendars changed since the derived rows were computed: "
		 "recomputing", s->server);
	*recomputed = true;
	return derive_store_recompute(s, cfg, cals, stats, err);
}
