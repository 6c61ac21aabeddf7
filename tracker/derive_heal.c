/* Healing the derived layer after a derived update that failed once its
 * batch's facts were committed (the two are separate transactions: facts
 * first, then the rebuildable derived rows). poll calls this when it starts. */
#include "tracker/derive_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker/derive_store_p.h"
#include "tracker/log.h"
#include "tracker/store_p.h"
#include "tracker/util.h"

/* Beyond this many lagging messages one recompute is cheaper than an update. */
#define HEAL_UPDATE_MAX 20000

/* Message-IDs whose stored sightings the derived row does not reflect:
 * none at all (a new message) or another count (a new folder's copy). */
static const char sql_lagging[] =
	"SELECT s.message_id FROM (SELECT message_id, count(*) AS n FROM replyclock.sightings "
	"GROUP BY message_id) s LEFT JOIN replyclock.messages m ON m.message_id = s.message_id "
	"WHERE m.sightings IS DISTINCT FROM s.n LIMIT $1::integer";

/* The quick answer first: every stored sighting is reflected exactly when
 * the derived counts add up to the number of sightings (facts are never
 * deleted), two scans without a join (on a million messages a fraction of
 * the full comparison, which only runs when something lags). */
static const char sql_all_reflected[] =
	"SELECT (SELECT count(*) FROM replyclock.sightings) = "
	"(SELECT coalesce(sum(sightings), 0) FROM replyclock.messages)";

int derive_store_lagging(struct store *s, size_t limit, struct strlist *ids, char **err)
{
	char lim[32];
	snprintf(lim, sizeof lim, "%zu", limit);
	const char *p[] = { lim };
	int st;
	memset(ids, 0, sizeof *ids);
	PGresult *r = store_exec(s, "counting derived messages", sql_all_reflected, 0, NULL,
				 PGRES_TUPLES_OK, &st, err);
	if (!r)
		return st;
	bool all = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (all)
		return STORE_OK;
	r = store_exec(s, "finding messages the derived rows lack", sql_lagging, 1, p, PGRES_TUPLES_OK,
		       &st, err);
	if (!r)
		return st;
	ids->n = (size_t)PQntuples(r);
	ids->v = xcalloc(ids->n ? ids->n : 1, sizeof *ids->v);
	for (size_t i = 0; i < ids->n; i++)
		ids->v[i] = xstrdup(PQgetvalue(r, (int)i, 0));
	PQclear(r);
	return STORE_OK;
}

int derive_store_heal(struct store *s, const struct config *cfg, const struct calendar_set *cals,
		      enum derive_heal_action *did, struct derive_stats *stats, char **err)
{
	bool current = false;
	memset(stats, 0, sizeof *stats);
	*did = DERIVE_HEAL_NONE;
	int st = derive_store_is_current(s, cfg, cals, &current, err);
	if (st != STORE_OK)
		return st;
	struct strlist ids = { 0 };
	if (current && (st = derive_store_lagging(s, HEAL_UPDATE_MAX + 1, &ids, err)) != STORE_OK)
		return st;
	if (!current || ids.n > HEAL_UPDATE_MAX) {
		*did = DERIVE_HEAL_RECOMPUTE;
		st = derive_store_recompute(s, cfg, cals, stats, err);
	} else if (ids.n > 0) {
		*did = DERIVE_HEAL_UPDATE;
		st = derive_store_update(s, cfg, cals, (const char *const *)ids.v, ids.n, stats, err);
	}
	for (size_t i = 0; i < ids.n; i++)
		free(ids.v[i]);
	free(ids.v);
	return st;
}
