/* The derived-layer pipeline over plain structs, and the calendar set. */
#include "tracker/derive.h"

#include <stdlib.h>
#include <string.h>

#include "tracker/log.h"
#include "tracker/util.h"

static double mono(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int derive_all(const struct config *cfg, const struct calendar_set *cals, const struct sighting *s,
	       size_t n, time_t as_of, struct derived *out, char **err)
{
	double t0 = mono();
	memset(out, 0, sizeof *out);
	logical_fold(s, n, &out->set);
	double t1 = mono();
	out->cls = xcalloc(out->set.n ? out->set.n : 1, sizeof *out->cls);
	struct customer_index *ix = customer_index_build(cfg);
	for (size_t i = 0; i < out->set.n; i++)
		classify_message_ix(cfg, ix, &out->set.v[i], &out->cls[i]);
	customer_index_free(&ix);
	double t2 = mono();
	thread_build(cfg, &out->set, out->cls, &out->thr);
	double t3 = mono();
	if (requests_compute(cfg, cals, &out->set, out->cls, &out->thr, as_of, &out->req, err) < 0) {
		derived_free(out);
		return -1;
	}
	log_debug("derive: %zu sightings folded in %.3f s, classified in %.3f s, threaded in %.3f s, "
		  "requests in %.3f s",
		  n, t1 - t0, t2 - t1, t3 - t2, mono() - t3);
	return 0;
}

void derived_free(struct derived *d)
{
	request_list_free(&d->req);
	thread_result_free(&d->thr);
	free(d->cls);
	d->cls = NULL;
	logical_set_free(&d->set);
}

int calendar_set_build(const struct config *cfg, struct calendar_set *out, char **err)
{
	out->n = 0;
	out->v = xcalloc(cfg->n_calendars ? cfg->n_calendars : 1, sizeof *out->v);
	for (size_t i = 0; i < cfg->n_calendars; i++) {
		if (!(out->v[i] = calendar_build(&cfg->calendars[i], err))) {
			calendar_set_free(out);
			return -1;
		}
		out->n++;
	}
	return 0;
}

void calendar_set_free(struct calendar_set *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		calendar_free(&cs->v[i]);
	free(cs->v);
	cs->v = NULL;
	cs->n = 0;
}
