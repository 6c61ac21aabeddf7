/* The derived layer in PostgreSQL (sql/002_derived.sql): loads the facts,
 * runs the pure pipeline (derive.h) and rewrites the derived tables and the
 * configuration mirror in one transaction. Parameterised SQL only. */
#ifndef RC_DERIVE_STORE_H
#define RC_DERIVE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "tracker/config.h"
#include "tracker/requests.h"
#include "tracker/store.h"

struct derive_stats {
	size_t sightings, messages, conversations, requests;
};

/* Rebuilds every derived row from all stored sightings and the current
 * configuration, in one transaction. While it writes (TRUNCATE, COPY,
 * index rebuild: tracker/derive_bulk.c) readers of the derived tables wait
 * for it to commit instead of seeing the old rows. Idempotent. Returns
 * STORE_OK or a store_status with *err (malloc'd) naming the server. */
int derive_store_recompute(struct store *s, const struct config *cfg, const struct calendar_set *cals,
			   struct derive_stats *st, char **err);

/* Brings the derived rows up to date after new sightings of the n
 * Message-IDs ids were stored (one poll or import batch), rewriting only
 * the conversations those messages can touch: the ones they name or that
 * name them, and those of the same customers (or unknown addresses) active
 * within thread_window before the earliest of them. Gives what a full
 * recompute gives (see the limit in derive_update.c). One transaction. */
int derive_store_update(struct store *s, const struct config *cfg, const struct calendar_set *cals,
			const char *const *ids, size_t n, struct derive_stats *st, char **err);

/* What poll and import call after storing a batch: a full recompute when
 * the derived rows were computed from another configuration or calendar
 * version (or never), else derive_store_update(). *recomputed tells which. */
int derive_store_after_batch(struct store *s, const struct config *cfg, const struct calendar_set *cals,
			     const char *const *ids, size_t n, bool *recomputed, struct derive_stats *st,
			     char **err);

/* The Message-IDs (at most limit) whose stored sightings the derived rows
 * do not reflect yet (a derived update that failed after its facts were
 * committed): into ids (caller frees items and array). */
int derive_store_lagging(struct store *s, size_t limit, struct strlist *ids, char **err);

enum derive_heal_action { DERIVE_HEAL_NONE, DERIVE_HEAL_UPDATE, DERIVE_HEAL_RECOMPUTE };

/* What poll runs when it starts: a full recompute when the configuration or
 * a calendar changed (or nothing was ever computed) or many messages lag,
 * else an update for the lagging messages, else nothing. *did tells which. */
int derive_store_heal(struct store *s, const struct config *cfg, const struct calendar_set *cals,
		      enum derive_heal_action *did, struct derive_stats *stats, char **err);

/* Whether the derived rows were computed from this configuration and these
 * calendars (their digests): false after a change of a customer, policy,
 * calendar (settings or .ics bytes), team, defaults or report time zone, or
 * before the first recompute. */
int derive_store_is_current(struct store *s, const struct config *cfg, const struct calendar_set *cals,
			    bool *current, char **err);

/* The digest of everything in the configuration that derived rows depend
 * on (64 hex characters + NUL into out). Pure. */
void derive_config_digest(const struct config *cfg, const struct calendar_set *cals, char out[65]);

/* Formats a target as written in the configuration: "4h", "2h30m",
 * "same-day 12:00"; "" for none. Pure. */
void derive_format_target(const struct target *t, char *buf, size_t size);

/* Parses a one-dimensional PostgreSQL text[] in text output format
 * ({a,"b c",NULL}) into *out (NULL elements become ""). Returns 0, or -1
 * on malformed input (out is then empty). Pure. */
int derive_parse_text_array(const char *s, struct strlist *out);

#endif
