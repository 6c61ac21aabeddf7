/* The derived layer in one call: sightings -> logical messages ->
 * classification -> conversations -> requests, for a configuration and its
 * built calendars. The store layer loads sightings, calls derive_all() and
 * writes what comes out; recompute and the incremental update are both this
 * function over (a customer's share of) the facts. */
#ifndef RC_DERIVE_H
#define RC_DERIVE_H

#include <stddef.h>
#include <time.h>

#include "tracker/classify.h"
#include "tracker/config.h"
#include "tracker/logical.h"
#include "tracker/requests.h"
#include "tracker/thread.h"

struct derived {
	struct logical_set set;
	struct classification *cls;  /* per set.v[i] */
	struct thread_result thr;
	struct request_list req;
};

/* Computes everything from n sightings as of instant as_of (SPEC §4.6).
 * Returns 0, or -1 with a malloc'd *err (a policy or calendar missing). The
 * result points into cfg, cals and the sightings' messages, which must
 * outlive it; free it with derived_free(). */
int derive_all(const struct config *cfg, const struct calendar_set *cals, const struct sighting *s,
	       size_t n, time_t as_of, struct derived *out, char **err);
void derived_free(struct derived *d);

/* Builds every calendar of the configuration (reads the .ics files). The
 * set owns them: free with calendar_set_free(). */
int calendar_set_build(const struct config *cfg, struct calendar_set *out, char **err);
void calendar_set_free(struct calendar_set *cs);

#endif
