/* The derived-layer pipeline over plain structs, and the calendar set. */
#include "tracker/derive.h"

#include <stdlib.h>
#include <string.h>

#include "tracker/util.h"

int derive_all(const struct config *cfg, const struct calendar_set *cals, const struct sighting *s,
	       size_t n, time_t as_of, struct derived *out, char **err)
{
	memset(out, 0, sizeof *out);
	logical_fold(s, n, &out->set);
	out->cls = xcalloc(out->set.n ? out->set.n : 1, sizeof *out->cls);
	struct customer_index *ix = customer_index_build(cfg);
	for (size_t i = 0; i < out->set.n; i++)
		classify_message_ix(cfg, ix, &out->set.v[i], &out->cls[i]);
	customer_index_free(&ix);
	thread_build(cfg, &out->set, out->cls, &out->thr);
	if (requests_compute(cfg, cals, &out->set, out->cls, &out->thr, as_of, &out->req, err) < 0) {
		derived_free(out);
		return -1;
	}
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
