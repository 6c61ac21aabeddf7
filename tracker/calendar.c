/* Business-hours calendars (SPEC §4.5): builds weekly hours + .ics closures
 * into per-year tables of open intervals with cumulative open seconds, filled
 * lazily, and answers business-time queries by bisection.
 *
 * Queries take a const calendar but may fill the lazy cache, which lives
 * behind a pointer (struct cache) owned by the calendar. Chunks are
 * allocated once and never move or change after they are built, so any
 * pointer or answer computed earlier stays valid as the cache grows. Not
 * thread-safe (nor is libical's zone code). */
#include "tracker/calendar.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker/ics.h"
#include "tracker/tz.h"
#include "tracker/util.h"

/* Chunks are UTC years 1970..2100; instants outside count as closed. */
#define FIRST_YEAR 1970
#define NCHUNK 131
#define MAX_ICS_BYTES (32u << 20)

struct closure {
	int64_t s, e;
	const struct ics_event *ev;
};

struct chunk {
	int64_t *s, *e;   /* disjoint open intervals, ascending */
	int64_t *cum;     /* cum[i] = open seconds before interval i; cum[n] = total */
	size_t n;
	struct closure *cl; /* closure instances overlapping the chunk (unclipped) */
	size_t ncl;
};

struct cache {
	struct chunk *chunk[NCHUNK];
};

struct wk {
	int start, end; /* minutes */
};

struct calendar {
	char *name;
	char digest[65];
	struct rc_zone *zone;
	struct wk *week[7];
	size_t nweek[7];
	struct ics_set ics;
	int64_t ybound[NCHUNK + 1];
	struct cache *cache;
};

static int cmp_wk(const void *a, const void *b)
{
	const struct wk *x = a, *y = b;
	return x->start != y->start ? (x->start > y->start) - (x->start < y->start)
				    : (x->end > y->end) - (x->end < y->end);
}

/* Per weekday: the hours intervals of that day, sorted and merged. */
static int build_week(struct calendar *cal, const struct cfg_calendar *cc, char **err)
{
	if (cc->n_hours == 0) {
		*err = xasprintf("calendar %s: no open hours (set hours = e.g. mon-fri 08:00-16:00)", cc->name);
		return -1;
	}
	for (int d = 0; d < 7; d++) {
		cal->week[d] = xcalloc(cc->n_hours, sizeof(struct wk));
		size_t n = 0;
		for (size_t i = 0; i < cc->n_hours; i++) {
			const struct hours_interval *h = &cc->hours[i];
			if (h->start_min < 0 || h->end_min > 1440 || h->start_min >= h->end_min) {
				*err = xasprintf("calendar %s: bad hours interval %d-%d (line %d)", cc->name,
						 h->start_min, h->end_min, cc->hours_line);
				return -1;
			}
			if (h->days & (1u << d))
				cal->week[d][n++] = (struct wk){ h->start_min, h->end_min };
		}
		qsort(cal->week[d], n, sizeof(struct wk), cmp_wk);
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			if (m && cal->week[d][i].start <= cal->week[d][m - 1].end) {
				if (cal->week[d][i].end > cal->week[d][m - 1].end)
					cal->week[d][m - 1].end = cal->week[d][i].end;
			} else
				cal->week[d][m++] = cal->week[d][i];
		}
		cal->nweek[d] = m;
	}
	return 0;
}

static int read_file(const char *path, char **buf, size_t *len, char **err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*err = xasprintf("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 1 << 16;
	*buf = xmalloc(cap);
	*len = 0;
	for (;;) {
		if (*len == cap) {
			if (cap >= MAX_ICS_BYTES) {
				fclose(f);
				xfree(buf);
				*err = xasprintf("%s: larger than %u MiB: not a holiday file", path, MAX_ICS_BYTES >> 20);
				return -1;
			}
			*buf = xrealloc(*buf, cap *= 2);
		}
		size_t n = fread(*buf + *len, 1, cap - *len, f);
		if (n == 0)
			break;
		*len += n;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		xfree(buf);
		*err = xasprintf("%s: read error", path);
		return -1;
	}
	return 0;
}

static void hash_str(gnutls_hash_hd_t h, const char *k, const char *v)
{
	gnutls_hash(h, k, strlen(k));
	gnutls_hash(h, v, strlen(v) + 1); /* the NUL separates fields */
}

static void digest_hex(gnutls_hash_hd_t h, char out[65])
{
	unsigned char md[32];
	gnutls_hash_deinit(h, md);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Config part of the digest: zone, merged hours, ignore globs. */
static void digest_config(gnutls_hash_hd_t h, const struct calendar *cal, const struct cfg_calendar *cc)
{
	char tmp[64];
	hash_str(h, "replyclock-calendar-v1 timezone=", cc->timezone);
	for (int d = 0; d < 7; d++)
		for (size_t i = 0; i < cal->nweek[d]; i++) {
			snprintf(tmp, sizeof tmp, "%d:%d-%d", d, cal->week[d][i].start, cal->week[d][i].end);
			hash_str(h, "hours=", tmp);
		}
	for (size_t i = 0; i < cc->ignore_events.n; i++)
		hash_str(h, "ignore=", cc->ignore_events.v[i]);
}

struct calendar *calendar_build(const struct cfg_calendar *cc, char **err)
{
	struct calendar *cal = xcalloc(1, sizeof *cal);
	cal->name = xstrdup(cc->name ? cc->name : "");
	cal->cache = xcalloc(1, sizeof *cal->cache);
	for (int k = 0; k <= NCHUNK; k++)
		cal->ybound[k] = days_from_civil(FIRST_YEAR + k, 1, 1) * 86400;
	char *e = NULL;
	if (!cc->timezone || !(cal->zone = rc_zone_load(cc->timezone, &e))) {
		*err = xasprintf("calendar %s (line %d): %s", cal->name, cc->timezone_line,
				 e ? e : "no timezone set");
		free(e);
		calendar_free(&cal);
		return NULL;
	}
	if (build_week(cal, cc, err) < 0) {
		calendar_free(&cal);
		return NULL;
	}
	gnutls_hash_hd_t h;
	gnutls_hash_init(&h, GNUTLS_DIG_SHA256);
	digest_config(h, cal, cc);
	int rc = 0;
	for (size_t i = 0; i < cc->holidays.n && rc == 0; i++) {
		char *buf;
		size_t len;
		if ((rc = read_file(cc->holidays.v[i], &buf, &len, err)) < 0)
			break;
		char sz[32];
		snprintf(sz, sizeof sz, "%zu", len);
		hash_str(h, "file=", cc->holidays.v[i]);
		hash_str(h, "size=", sz);
		gnutls_hash(h, buf, len);
		rc = ics_read(&cal->ics, cc->holidays.v[i], buf, len, cal->zone, cc->ignore_events.v,
			      cc->ignore_events.n, err);
		free(buf);
	}
	digest_hex(h, cal->digest);
	if (rc < 0) {
		calendar_free(&cal);
		return NULL;
	}
	ics_finish(&cal->ics);
	return cal;
}

static void chunk_free(struct chunk **cp)
{
	struct chunk *c = *cp;
	if (!c)
		return;
	free(c->s);
	free(c->e);
	free(c->cum);
	free(c->cl);
	free(c);
	*cp = NULL;
}

void calendar_free(struct calendar **cp)
{
	struct calendar *cal = *cp;
	if (!cal)
		return;
	for (int k = 0; k < NCHUNK; k++)
		chunk_free(&cal->cache->chunk[k]);
	free(cal->cache);
	for (int d = 0; d < 7; d++)
		free(cal->week[d]);
	ics_set_free(&cal->ics);
	rc_zone_free(&cal->zone);
	free(cal->name);
	free(cal);
	*cp = NULL;
}

const char *calendar_name(const struct calendar *cal)
{
	return cal->name;
}

const char *calendar_digest(const struct calendar *cal)
{
	return cal->digest;
}

const char *calendar_timezone(const struct calendar *cal)
{
	return rc_zone_name(cal->zone);
}

/* ---- building one chunk ---- */

struct ivec {
	int64_t *s, *e;
	size_t n, cap;
};

static void ivec_push(struct ivec *v, int64_t s, int64_t e)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 256;
		v->s = xrealloc(v->s, v->cap * sizeof *v->s);
		v->e = xrealloc(v->e, v->cap * sizeof *v->e);
	}
	v->s[v->n] = s;
	v->e[v->n++] = e;
}

static int cmp_closure(const void *a, const void *b)
{
	const struct closure *x = a, *y = b;
	return (x->s > y->s) - (x->s < y->s);
}

struct occ_ctx {
	const struct calendar *cal;
	struct chunk *ch;
	size_t cap;
	int64_t cs, ce;
};

static void on_occurrence(const struct ics_event *ev, int64_t local, void *ud)
{
	struct occ_ctx *o = ud;
	int64_t s, e;
	if (ev->allday) {
		s = rc_zone_from_local(ev->zone, local);
		e = rc_zone_from_local(ev->zone, local + ev->dur * 86400);
	} else {
		s = rc_zone_from_local(ev->zone, local);
		e = ev->dur_exact ? s + ev->dur : rc_zone_from_local(ev->zone, local + ev->dur);
	}
	if (e <= s || e <= o->cs || s >= o->ce)
		return;
	struct chunk *ch = o->ch;
	if (ch->ncl == o->cap)
		ch->cl = xrealloc(ch->cl, (o->cap = o->cap ? o->cap * 2 : 32) * sizeof *ch->cl);
	ch->cl[ch->ncl++] = (struct closure){ s, e, ev };
}

/* Open intervals from the weekly hours for the local days around the chunk,
 * sorted and merged (adjacent ones too). */
static void weekly_open(const struct calendar *cal, int64_t cs, int64_t ce, struct ivec *out)
{
	struct ivec v = { 0 };
	for (int64_t d = floor_div(cs, 86400) - 2; d <= floor_div(ce, 86400) + 2; d++) {
		unsigned wd = weekday_from_days(d);
		for (size_t i = 0; i < cal->nweek[wd]; i++) {
			int64_t s = rc_zone_from_local(cal->zone, d * 86400 + cal->week[wd][i].start * 60);
			int64_t e = rc_zone_from_local(cal->zone, d * 86400 + cal->week[wd][i].end * 60);
			if (e > s)
				ivec_push(&v, s, e);
		}
	}
	/* Already in order except across odd DST days: merge in one pass,
	 * insertion-sorting the rare out-of-order start. */
	for (size_t i = 1; i < v.n; i++)
		for (size_t j = i; j > 0 && v.s[j] < v.s[j - 1]; j--) {
			int64_t ts = v.s[j], te = v.e[j];
			v.s[j] = v.s[j - 1], v.e[j] = v.e[j - 1];
			v.s[j - 1] = ts, v.e[j - 1] = te;
		}
	for (size_t i = 0; i < v.n; i++) {
		if (out->n && v.s[i] <= out->e[out->n - 1]) {
			if (v.e[i] > out->e[out->n - 1])
				out->e[out->n - 1] = v.e[i];
		} else
			ivec_push(out, v.s[i], v.e[i]);
	}
	free(v.s);
	free(v.e);
}

/* out = open minus the union of closures, clipped to [cs, ce). */
static void subtract(const struct ivec *open, const struct closure *cl, size_t ncl, int64_t cs, int64_t ce,
		     struct ivec *out)
{
	size_t j = 0;
	int64_t ce_max = INT64_MIN; /* furthest end among closures started so far */
	for (size_t i = 0; i < open->n; i++) {
		int64_t cur = open->s[i] > cs ? open->s[i] : cs, e = open->e[i] < ce ? open->e[i] : ce;
		while (cur < e) {
			if (ce_max > cur) {
				cur = ce_max;
				continue;
			}
			if (j < ncl && cl[j].s <= cur) {
				if (cl[j].e > ce_max)
					ce_max = cl[j].e;
				j++;
				continue;
			}
			int64_t stop = j < ncl && cl[j].s < e ? cl[j].s : e;
			ivec_push(out, cur, stop);
			cur = stop;
		}
	}
}

static struct chunk *chunk_build(const struct calendar *cal, int k)
{
	struct chunk *ch = xcalloc(1, sizeof *ch);
	int64_t cs = cal->ybound[k], ce = cal->ybound[k + 1];
	struct occ_ctx o = { cal, ch, 0, cs, ce };
	for (size_t i = 0; i < cal->ics.n_ev; i++) {
		const struct ics_event *ev = &cal->ics.ev[i];
		int64_t span = ev->allday ? ev->dur * 86400 : ev->dur;
		ics_occurrences(ev, cs - 3 * 86400 - span, ce + 3 * 86400, on_occurrence, &o);
	}
	if (ch->ncl)
		qsort(ch->cl, ch->ncl, sizeof *ch->cl, cmp_closure);
	struct ivec open = { 0 }, res = { 0 };
	weekly_open(cal, cs, ce, &open);
	subtract(&open, ch->cl, ch->ncl, cs, ce, &res);
	free(open.s);
	free(open.e);
	ch->s = res.s;
	ch->e = res.e;
	ch->n = res.n;
	ch->cum = xmalloc((res.n + 1) * sizeof *ch->cum);
	ch->cum[0] = 0;
	for (size_t i = 0; i < res.n; i++)
		ch->cum[i + 1] = ch->cum[i] + ch->e[i] - ch->s[i];
	return ch;
}

static const struct chunk *get_chunk(const struct calendar *cal, int k)
{
	if (!cal->cache->chunk[k])
		cal->cache->chunk[k] = chunk_build(cal, k);
	return cal->cache->chunk[k];
}

/* ---- queries ---- */

/* Chunk holding t: -1 before 1970, NCHUNK from 2101. */
static int chunk_of(const struct calendar *cal, int64_t t)
{
	if (t < cal->ybound[0])
		return -1;
	if (t >= cal->ybound[NCHUNK])
		return NCHUNK;
	int k = (int)((t - cal->ybound[0]) / (365 * 86400 + 20952)); /* mean year */
	while (k > 0 && t < cal->ybound[k])
		k--;
	while (k < NCHUNK - 1 && t >= cal->ybound[k + 1])
		k++;
	return k;
}

/* Index of the last interval with s <= t, or -1. */
static ptrdiff_t last_start_le(const struct chunk *ch, int64_t t)
{
	size_t lo = 0, hi = ch->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ch->s[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ptrdiff_t)lo - 1;
}

/* Open seconds in [chunk start, t), t inside the chunk (or its end). */
static int64_t prefix(const struct chunk *ch, int64_t t)
{
	ptrdiff_t i = last_start_le(ch, t);
	if (i < 0)
		return 0;
	return ch->cum[i] + (t < ch->e[i] ? t : ch->e[i]) - ch->s[i];
}

/* Open seconds from 1970 (or the chunk start) to t, summed by chunk. */
int64_t calendar_business_seconds(const struct calendar *cal, time_t a, time_t b)
{
	if (b <= a)
		return 0;
	int64_t lo = cal->ybound[0], hi = cal->ybound[NCHUNK];
	int64_t x = a < lo ? lo : a > hi ? hi : a, y = b < lo ? lo : b > hi ? hi : b;
	if (y <= x)
		return 0;
	int ka = chunk_of(cal, x), kb = chunk_of(cal, y - 1);
	const struct chunk *ca = get_chunk(cal, ka);
	if (ka == kb)
		return prefix(ca, y) - prefix(ca, x);
	int64_t sum = ca->cum[ca->n] - prefix(ca, x);
	for (int k = ka + 1; k < kb; k++) {
		const struct chunk *c = get_chunk(cal, k);
		sum += c->cum[c->n];
	}
	return sum + prefix(get_chunk(cal, kb), y);
}

bool calendar_is_open(const struct calendar *cal, time_t t)
{
	int k = chunk_of(cal, t);
	if (k < 0 || k >= NCHUNK)
		return false;
	const struct chunk *ch = get_chunk(cal, k);
	ptrdiff_t i = last_start_le(ch, t);
	return i >= 0 && t < ch->e[i];
}

static char *no_open_error(const struct calendar *cal, int64_t from)
{
	struct tm tm;
	calendar_local_tm(cal, (time_t)from, &tm);
	return xasprintf("calendar %s has no open time from %04d-%02d-%02d until the end of 2100 "
			 "(check its hours and holiday files)", cal->name, tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday);
}

int calendar_next_open(const struct calendar *cal, time_t t0, time_t *out, char **err)
{
	int64_t t = t0 < cal->ybound[0] ? cal->ybound[0] : t0;
	for (int k = chunk_of(cal, t); k >= 0 && k < NCHUNK; k++, t = cal->ybound[k]) {
		const struct chunk *ch = get_chunk(cal, k);
		ptrdiff_t i = last_start_le(ch, t);
		if (i >= 0 && t < ch->e[i]) {
			*out = (time_t)t;
			return 0;
		}
		if ((size_t)(i + 1) < ch->n) {
			*out = (time_t)ch->s[i + 1];
			return 0;
		}
	}
	*err = no_open_error(cal, t0);
	return -1;
}

int calendar_due_at(const struct calendar *cal, time_t a, int64_t seconds, time_t *due, char **err)
{
	if (seconds < 0) {
		*err = xasprintf("calendar %s: negative duration", cal->name);
		return -1;
	}
	int64_t t = a < cal->ybound[0] ? cal->ybound[0] : a, rem = seconds;
	for (int k = chunk_of(cal, t); k >= 0 && k < NCHUNK; k++, t = cal->ybound[k]) {
		const struct chunk *ch = get_chunk(cal, k);
		int64_t target = prefix(ch, t) + rem;
		if (target >= ch->cum[ch->n]) {
			rem = target - ch->cum[ch->n];
			continue;
		}
		/* First interval i with cum[i+1] > target. */
		size_t lo = 0, hi = ch->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (ch->cum[mid + 1] > target)
				hi = mid;
			else
				lo = mid + 1;
		}
		*due = (time_t)(ch->s[lo] + (target - ch->cum[lo]));
		return 0;
	}
	*err = no_open_error(cal, a);
	return -1;
}

/* Start and end of the local date that holds day number d. */
static void day_bounds(const struct calendar *cal, int64_t d, int64_t *ms, int64_t *me)
{
	*ms = rc_zone_from_local(cal->zone, d * 86400);
	*me = rc_zone_from_local(cal->zone, (d + 1) * 86400);
}

/* End of the last open piece within [ms, me); 0 if none. */
static int last_open_end(const struct calendar *cal, int64_t ms, int64_t me, int64_t *end)
{
	for (int k = chunk_of(cal, me - 1); k >= 0 && k < NCHUNK && cal->ybound[k + 1] > ms; k--) {
		const struct chunk *ch = get_chunk(cal, k);
		ptrdiff_t i = last_start_le(ch, me - 1);
		if (i >= 0 && ch->e[i] > ms) {
			*end = ch->e[i] < me ? ch->e[i] : me;
			return 1;
		}
		if (cal->ybound[k] <= ms)
			break;
	}
	return 0;
}

int calendar_same_day_due(const struct calendar *cal, time_t a, int hour, int minute, time_t *due,
			  char **err)
{
	int64_t d = floor_div(rc_zone_to_local(cal->zone, a), 86400), ms, me, end;
	day_bounds(cal, d, &ms, &me);
	int64_t cutoff = rc_zone_from_local(cal->zone, d * 86400 + hour * 3600 + minute * 60);
	if (last_open_end(cal, ms, me, &end) && a < cutoff && a < end) {
		*due = (time_t)end;
		return 0;
	}
	time_t x;
	if (calendar_next_open(cal, (time_t)me, &x, err) < 0)
		return -1;
	d = floor_div(rc_zone_to_local(cal->zone, x), 86400);
	day_bounds(cal, d, &ms, &me);
	if (!last_open_end(cal, ms, me, &end)) {
		*err = no_open_error(cal, a);
		return -1;
	}
	*due = (time_t)end;
	return 0;
}

/* ---- local time and day listings ---- */

int calendar_utc_offset(const struct calendar *cal, time_t t)
{
	return rc_zone_offset(cal->zone, t);
}

void calendar_local_tm(const struct calendar *cal, time_t t, struct tm *out)
{
	int64_t l = rc_zone_to_local(cal->zone, t), days = floor_div(l, 86400), s = l - days * 86400, y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	memset(out, 0, sizeof *out);
	out->tm_year = (int)(y - 1900);
	out->tm_mon = (int)m - 1;
	out->tm_mday = (int)d;
	out->tm_hour = (int)(s / 3600);
	out->tm_min = (int)(s / 60 % 60);
	out->tm_sec = (int)(s % 60);
	out->tm_wday = (int)((weekday_from_days(days) + 1) % 7);
}

time_t calendar_from_local(const struct calendar *cal, int year, int mon, int day, int hour, int min, int sec)
{
	int64_t l = days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hour * 3600 + min * 60 + sec;
	return (time_t)rc_zone_from_local(cal->zone, l);
}

void calendar_day(const struct calendar *cal, int year, int mon, int day, struct calendar_day *out)
{
	int64_t d = days_from_civil(year, (unsigned)mon, (unsigned)day), ms, me;
	day_bounds(cal, d, &ms, &me);
	memset(out, 0, sizeof *out);
	out->day_start = (time_t)ms;
	out->day_end = (time_t)me;
	int k0 = chunk_of(cal, ms), k1 = chunk_of(cal, me - 1);
	for (int k = k0 < 0 ? 0 : k0; k <= k1 && k < NCHUNK; k++) {
		const struct chunk *ch = get_chunk(cal, k);
		for (ptrdiff_t i = last_start_le(ch, ms); i < (ptrdiff_t)ch->n; i++) {
			if (i < 0 || ch->e[i] <= ms)
				continue;
			if (ch->s[i] >= me)
				break;
			int64_t s = ch->s[i] > ms ? ch->s[i] : ms, e = ch->e[i] < me ? ch->e[i] : me;
			if (out->n_open && out->open[out->n_open - 1].end == s)
				out->open[out->n_open - 1].end = (time_t)e; /* rejoin across chunks */
			else {
				out->open = xrealloc(out->open, (out->n_open + 1) * sizeof *out->open);
				out->open[out->n_open++] = (struct calendar_span){ (time_t)s, (time_t)e };
			}
		}
		for (size_t i = 0; i < ch->ncl; i++) {
			const struct closure *c = &ch->cl[i];
			if (c->s >= me || c->e <= ms)
				continue;
			int dup = 0;
			for (size_t j = 0; j < out->n_closures; j++)
				dup |= out->closures[j].start == c->s && out->closures[j].line == c->ev->line &&
				       out->closures[j].file == c->ev->file;
			if (dup)
				continue;
			out->closures = xrealloc(out->closures, (out->n_closures + 1) * sizeof *out->closures);
			out->closures[out->n_closures++] = (struct calendar_closure){
				(time_t)c->s, (time_t)c->e, c->ev->summary, c->ev->file, c->ev->line };
		}
	}
}

void calendar_day_free(struct calendar_day *d)
{
	free(d->open);
	free(d->closures);
	memset(d, 0, sizeof *d);
}

size_t calendar_n_warnings(const struct calendar *cal)
{
	return cal->ics.n_warn;
}

const char *calendar_warning(const struct calendar *cal, size_t i, const char **file, int *line)
{
	if (i >= cal->ics.n_warn)
		return NULL;
	if (file)
		*file = cal->ics.warn[i].file;
	if (line)
		*line = cal->ics.warn[i].line;
	return cal->ics.warn[i].msg;
}
