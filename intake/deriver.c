/* Keeping the derived layer (conversations, SLA requests) up to date after
 * each batch of facts that poll or import stores.
 *
 * Transactions: a batch's sightings and its folder cursor commit together
 * (imap_sync.c, cmd_import.c); the derived update is a second transaction
 * right after it. Derived rows are a function of the facts, so a failed
 * update loses nothing: its Message-IDs stay pending and go with the next
 * batch's update, and if the process ends first, the next `poll` finds the
 * lagging messages (derive_store_heal) and catches up.
 *
 * Concurrency: the daemon runs one thread per mailbox, each with its own
 * PostgreSQL connection. Derived writers are serialised twice: a process-
 * wide mutex (the calendar set, built once, is shared by the threads and
 * libical is not thread-safe) and the transaction-level advisory lock every
 * derived writer takes before reading (other processes: `recompute`,
 * `import`, a second poller). */
#include "intake/intake_p.h"
#include "tracker/derive.h"
#include "tracker/derive_store.h"
#include "tracker/log.h"
#include "tracker/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* More messages than this since the last flush (a first sync of a big
 * mailbox, a large import, a long outage) are settled by one recompute at
 * the flush instead of one incremental update per batch: same result, far
 * less work, and the pending list stays bounded. */
#define DERIVER_DEFER_AFTER 10000

static pthread_mutex_t derive_mu = PTHREAD_MUTEX_INITIALIZER;

struct deriver {
	const struct config *cfg;
	const struct calendar_set *cals;
	const char *who;          /* mailbox name, for messages */
	struct strlist pending;   /* ids stored but not yet derived */
	size_t since_flush;       /* messages stored since the last flush */
	bool defer;               /* recompute at the next flush */
	bool warned;              /* the current failure was logged */
};

struct deriver *deriver_new(const struct config *cfg, const struct calendar_set *cals, const char *who)
{
	struct deriver *d = xcalloc(1, sizeof *d);
	d->cfg = cfg;
	d->cals = cals;
	d->who = who;
	return d;
}

static void pending_clear(struct deriver *d)
{
	strlist_free_items(&d->pending);
	memset(&d->pending, 0, sizeof d->pending);
}

void deriver_free(struct deriver **dp)
{
	if (!dp || !*dp)
		return;
	pending_clear(*dp);
	free(*dp);
	*dp = NULL;
}

static void note_failure(struct deriver *d, int st, char *err)
{
	/* One warning per problem, not one per batch. */
	if (!d->warned)
		log_warn("%s: updating the SLA results failed (the messages are stored; retried with "
			 "the next batch): %s", d->who, err ? err : "unknown error");
	else
		log_debug("%s: derived update failed again (%d): %s", d->who, st, err ? err : "");
	d->warned = true;
	free(err);
}

/* Runs one derived update or recompute under the process-wide mutex. */
static int run(struct deriver *d, struct store *st, bool recompute)
{
	char *err = NULL;
	bool recomputed = false;
	struct derive_stats stats;
	pthread_mutex_lock(&derive_mu);
	int r = recompute ? derive_store_recompute(st, d->cfg, d->cals, &stats, &err)
			  : derive_store_after_batch(st, d->cfg, d->cals, (const char *const *)d->pending.v,
						     d->pending.n, &recomputed, &stats, &err);
	pthread_mutex_unlock(&derive_mu);
	if (r != STORE_OK) {
		note_failure(d, r, err);
		return r;
	}
	if (d->warned)
		log_info("%s: SLA results caught up", d->who);
	d->warned = false;
	if (recompute || recomputed)
		log_info("%s: recomputed SLA results: %zu messages, %zu conversations, %zu requests",
			 d->who, stats.messages, stats.conversations, stats.requests);
	pending_clear(d);
	if (recompute) {
		d->defer = false;
		d->since_flush = 0;
	}
	return STORE_OK;
}

void deriver_batch(struct deriver *d, struct store *st, const struct message *msgs, size_t n)
{
	if (!d || n == 0)
		return;
	d->since_flush += n;
	if (d->since_flush > DERIVER_DEFER_AFTER)
		d->defer = true;
	if (d->defer) {
		pending_clear(d);   /* the recompute covers them */
		return;
	}
	d->pending.v = xrealloc(d->pending.v, (d->pending.n + n) * sizeof *d->pending.v);
	for (size_t i = 0; i < n; i++)
		if (msgs[i].message_id)
			d->pending.v[d->pending.n++] = xstrdup(msgs[i].message_id);
	run(d, st, false);
}

int deriver_flush(struct deriver *d, struct store *st)
{
	if (!d)
		return STORE_OK;
	if (d->defer)
		return run(d, st, true);
	int r = d->pending.n ? run(d, st, false) : STORE_OK;
	if (r == STORE_OK)
		d->since_flush = 0;
	return r;
}

int deriver_heal(struct deriver *d, struct store *st)
{
	char *err = NULL;
	enum derive_heal_action did;
	struct derive_stats stats;
	pthread_mutex_lock(&derive_mu);
	int r = derive_store_heal(st, d->cfg, d->cals, &did, &stats, &err);
	pthread_mutex_unlock(&derive_mu);
	if (r != STORE_OK) {
		note_failure(d, r, err);
		return r;
	}
	if (did == DERIVE_HEAL_RECOMPUTE && stats.sightings == 0)
		log_debug("SLA results initialised (no messages stored yet)");
	else if (did == DERIVE_HEAL_RECOMPUTE)
		log_info("SLA results were computed from another configuration or calendar version "
			 "(or never): recomputed %zu messages, %zu conversations, %zu requests",
			 stats.messages, stats.conversations, stats.requests);
	else if (did == DERIVE_HEAL_UPDATE)
		log_info("caught up SLA results for messages stored by an earlier run (%zu messages "
			 "re-evaluated)", stats.messages);
	return STORE_OK;
}
