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
 * message may move. Subject matching only ever compares a tree's root
 * with conversations registered under the same normalised subject, and
 * every tree root of a conversation shares that subject (a tree joins by
 * subject only under an equal one), so of the party conversations in (2)
 * only those holding a message whose normalised subject is one of the
 * batch's, or of the conversations in (1), are loaded: this keeps the
 * update of a 500-message batch small on a database of millions. Known
 * limit: a conversation that mixes several
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
#include "tracker/thread.h"
#include "tracker/util.h"

/* What a batch touches, found from its own messages (pure): each party
 * (customer name, or unknown address) with the earliest instant from which
 * its conversations can change (its earliest new message - thread_window). */
struct touch {
	struct strlist customers, addrs, refs;
	struct strlist subjects;   /* normalised, non-empty (duplicates allowed) */
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

/* Inserts v into the sorted list l unless present. */
static void add_unique_sorted(struct strlist *l, const char *v)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(l->v[mid], v);
		if (!c)
			return;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	memmove(l->v + lo + 1, l->v + lo, (l->n - lo) * sizeof *l->v);
	l->v[lo] = xstrdup(v);
	l->n++;
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
	struct strlist *ls[] = { &t->customers, &t->addrs, &t->refs, &t->subjects };
	for (int k = 0; k < 4; k++) {
		for (size_t i = 0; i < ls[k]->n; i++)
			free(ls[k]->v[i]);
		free(ls[k]->v);
	}
	free(t->cust_since);
	free(t->addr_since);
}

/* Subjects are collected with duplicates: only a query parameter. key is
 * a normalised subject; NULL or empty never matches by subject. */
static void add_subject_key(struct touch *t, const char *key)
{
	if (!key || !*key)
		return;
	t->subjects.v = xrealloc(t->subjects.v, (t->subjects.n + 1) * sizeof *t->subjects.v);
	t->subjects.v[t->subjects.n++] = xstrdup(key);
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
			add_unique_sorted(&t->refs, m->in_reply_to);
		for (size_t r = 0; r < m->references.n; r++)
			add_unique_sorted(&t->refs, m->references.v[r]);
		/* its own id: a message seen before is stored in a conversation
		 * (the ids a caller passes need not all be new sightings) */
		add_unique_sorted(&t->refs, set.v[i].message_id);
		char *key = subject_normalise(m->subject);
		add_subject_key(t, key);
		free(key);
	}
	logical_set_free(&set);
}

/* (1): conversations holding a message named by the batch ($1) or naming
 * one of its ids ($2), with their party and every member's subject. Two
 * branches, so that each can use its index. A stored message that names a
 * new one named it while it was unknown, so among its unresolved_refs
 * (sql/005: far fewer than all refs). */
static const char sql_ref_ids[] =
	"SELECT conversation_id FROM replyclock.messages WHERE message_id = ANY($1::text[]) "
	"UNION "
	"SELECT m.conversation_id FROM unnest($2::text[]) AS n(id) "
	"JOIN replyclock.messages m ON m.unresolved_refs @> ARRAY[n.id]";
/* A separate statement: joined to the one above, the planner expects
 * thousands of ids from the GIN lookups and scans every conversation. */
static const char sql_ref_rows[] =
	"SELECT c.id, c.customer, c.unassigned_addr, m.subject_key FROM unnest($1::text[]) AS r(id) "
	"JOIN replyclock.conversations c ON c.id = r.id "
	"JOIN replyclock.messages m ON m.conversation_id = r.id";

/* (2): conversations holding a message whose normalised subject is one of
 * the batch's ($1), by the subject index (sql/004): subjects are far more
 * selective than parties. */
static const char sql_subject_convs[] =
	"SELECT DISTINCT conversation_id FROM replyclock.messages WHERE subject_key = ANY($1::text[])";
/* ...of those ($5), the ones of the parties ($1/$2 customers and since,
 * $3/$4 unknown addresses and since) active since then (or never timed).
 * A separate statement: joined to the one above, the planner expects
 * thousands of rows from the subject lookup and hashes every conversation. */
#define PARTY_BRANCH(arrays, join)                                                         \
	"SELECT c.id FROM unnest($5::text[]) AS r(id) "                                     \
	"JOIN replyclock.conversations c ON c.id = r.id "                                   \
	"JOIN unnest(" arrays ") AS p(party, since) ON " join " "                           \
	"WHERE c.last_at IS NULL OR c.last_at >= to_timestamp(p.since)"
static const char sql_party[] =
	PARTY_BRANCH("$1::text[], $2::bigint[]", "c.unassigned_addr IS NULL AND c.customer = p.party")
	" UNION "
	PARTY_BRANCH("$3::text[], $4::bigint[]", "c.unassigned_addr = p.party");

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

/* (1): adds the conversations' ids to out, their parties to t (from the
 * batch's earliest instant) and their members' subjects to t. */
static int ref_conversations(struct store *s, struct touch *t, const char *ids, struct strlist *out,
			     char **err)
{
	char *refs = list_literal(&t->refs);
	const char *p[] = { refs, ids };
	int st;
	PGresult *r = store_exec(s, "finding conversations the batch names", sql_ref_ids, 2, p,
				 PGRES_TUPLES_OK, &st, err);
	free(refs);
	if (!r)
		return st;
	struct strbuf b;
	strbuf_init(&b, 0);
	pg_array_begin(&b);
	for (int i = 0; i < PQntuples(r); i++)
		pg_array_add(&b, PQgetvalue(r, i, 0));
	pg_array_end(&b);
	PQclear(r);
	const char *q[] = { b.s };
	r = store_exec(s, "reading conversations the batch names", sql_ref_rows, 1, q, PGRES_TUPLES_OK,
		       &st, err);
	strbuf_free(&b);
	if (!r)
		return st;
	for (int i = 0; i < PQntuples(r); i++) {
		add_unique_sorted(out, PQgetvalue(r, i, 0));
		if (!PQgetisnull(r, i, 2))
			add_party(&t->addrs, &t->addr_since, PQgetvalue(r, i, 2), t->since);
		else if (!PQgetisnull(r, i, 1))
			add_party(&t->customers, &t->cust_since, PQgetvalue(r, i, 1), t->since);
		add_subject_key(t, PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3));
	}
	PQclear(r);
	return STORE_OK;
}

/* The batch's normalised subjects as an array literal (valid UTF-8, as
 * the stored keys are written). */
static char *subjects_literal(const struct touch *t)
{
	struct strbuf b;
	strbuf_init(&b, 0);
	pg_array_begin(&b);
	for (size_t i = 0; i < t->subjects.n; i++) {
		char *v = utf8_sanitize(t->subjects.v[i]);
		pg_array_add(&b, v);
		free(v);
	}
	pg_array_end(&b);
	return strbuf_steal(&b);
}

/* The rows' first column as an array literal. */
static char *column_literal(PGresult *r)
{
	struct strbuf b;
	strbuf_init(&b, 0);
	pg_array_begin(&b);
	for (int i = 0; i < PQntuples(r); i++)
		pg_array_add(&b, PQgetvalue(r, i, 0));
	pg_array_end(&b);
	return strbuf_steal(&b);
}

/* (2): adds the party conversations holding one of t's subjects to out. */
static int party_conversations(struct store *s, const struct touch *t, struct strlist *out, char **err)
{
	int st;
	char *subj = subjects_literal(t);
	const char *q[] = { subj };
	PGresult *r = store_exec(s, "finding conversations by subject", sql_subject_convs, 1, q,
				 PGRES_TUPLES_OK, &st, err);
	free(subj);
	if (!r)
		return st;
	char *ids = column_literal(r);
	PQclear(r);
	char *cust = list_literal(&t->customers), *cs = times_literal(t->cust_since, t->customers.n),
	     *addrs = list_literal(&t->addrs), *as = times_literal(t->addr_since, t->addrs.n);
	const char *p[] = { cust, cs, addrs, as, ids };
	r = store_exec(s, "finding touched conversations", sql_party, 5, p, PGRES_TUPLES_OK, &st, err);
	free(cust);
	free(cs);
	free(addrs);
	free(as);
	free(ids);
	if (!r)
		return st;
	for (int i = 0; i < PQntuples(r); i++)
		add_unique_sorted(out, PQgetvalue(r, i, 0));
	PQclear(r);
	return STORE_OK;
}

/* Returns the touched conversation ids as an array literal in *out. */
static int touched_conversations(struct store *s, struct touch *t, const char *ids, char **out,
				 size_t *n, char **err)
{
	struct strlist convs = { 0 };
	double t0 = derive_mono();
	int st = ref_conversations(s, t, ids, &convs, err);
	size_t n_ref = convs.n;
	double t1 = derive_mono();
	if (st == STORE_OK)
		st = party_conversations(s, t, &convs, err);
	log_debug("derived update: %zu conversations by reference %.3f s, %zu more by party and subject "
		  "%.3f s", n_ref, t1 - t0, convs.n - n_ref, derive_mono() - t1);
	if (st == STORE_OK) {
		*out = list_literal(&convs);
		*n = convs.n;
	}
	for (size_t i = 0; i < convs.n; i++)
		free(convs.v[i]);
	free(convs.v);
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
	/* The planner's estimates for the array lookups are far too high and
	 * made it compile the update's queries (tens of milliseconds each on
	 * a large database) for lookups that take a few milliseconds. */
	if (st == STORE_OK)
		st = derive_exec(s, "turning JIT off for the update", "SET LOCAL jit = off", 0, NULL, err);
	/* Its lookups fetch a few hundred rows by key from tables of millions
	 * that the last poll just used: with the default cost of a random
	 * read the planner preferred hashing a whole table (tens of ms). */
	if (st == STORE_OK)
		st = derive_exec(s, "tuning the update's plans", "SET LOCAL random_page_cost = 1.1", 0, NULL,
				 err);
	if (st == STORE_OK)
		st = derive_load(s, ids, NULL, &N, err);
	if (st != STORE_OK)
		return st;
	double t1 = derive_mono();
	find_touch(cfg, &N, &t);
	st = touched_conversations(s, &t, ids, &convs, &n_convs, err);
	touch_free(&t);
	double t2 = derive_mono();
	/* The rest of the touched conversations: the batch's own sightings
	 * are in N already. */
	if (st == STORE_OK)
		st = derive_load(s, ids, convs, &L, err);
	log_debug("derived update: lock and load the batch %.3f s, find %zu touched conversations "
		  "%.3f s, load them %.3f s", t1 - t0, n_convs, t2 - t1, derive_mono() - t2);
	t2 = derive_mono();
	if (st != STORE_OK) {
		derive_loaded_free(&N);
		free(convs);
		return st;
	}
	size_t n = N.n + L.n;
	struct sighting *all = xmalloc((n ? n : 1) * sizeof *all);
	if (N.n) /* an empty load may leave its array NULL */
		memcpy(all, N.s, N.n * sizeof *all);
	if (L.n)
		memcpy(all + N.n, L.s, L.n * sizeof *all);
	struct derived d;
	if (derive_all(cfg, cals, all, n, AS_OF_EVERYTHING, &d, err) < 0)
		st = STORE_FINAL;
	else {
		log_debug("derived update: derive %.3f s", derive_mono() - t2);
		st = derive_write_changed(s, cfg, &d, convs, ids, err);
		if (st == STORE_OK)
			*stats = (struct derive_stats){ n, d.set.n, d.thr.n_convs, d.req.n };
		derived_free(&d);
	}
	free(all);
	derive_loaded_free(&L);
	derive_loaded_free(&N);
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
