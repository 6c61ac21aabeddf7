/* Reads closures from .ics files: a line-numbered structural pre-scan (libical
 * reports no line numbers), libical for the content, and expansion of
 * RRULE/RDATE/EXDATE into local start times on demand. */
#include "tracker/ics.h"

#include <ctype.h>
#include <fnmatch.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker/util.h"

/* Limits that keep a hostile or broken file from costing minutes. */
#define MAX_COUNT 100000
#define MIN_YEAR 1600
#define MAX_YEAR 2500
#define MAX_SPAN_DAYS 3660

struct ics_recur {
	struct icalrecurrencetype r;
};

/* What the pre-scan learnt: where each line starts, and the BEGIN/END lines
 * of the VEVENTs directly inside a VCALENDAR, in file order. */
struct scan {
	const char *text;
	size_t len;
	size_t *line_off; /* line_off[i] = offset of line i+1 */
	size_t n_lines;
	int *ev_begin, *ev_end;
	size_t n_ev;
};

static void scan_free(struct scan *sc)
{
	free(sc->line_off);
	free(sc->ev_begin);
	free(sc->ev_end);
}

/* Physical line `ln` (1-based) without its line end, into buf. */
static void scan_line(const struct scan *sc, size_t ln, char *buf, size_t cap)
{
	size_t a = sc->line_off[ln - 1];
	size_t b = ln < sc->n_lines ? sc->line_off[ln] : sc->len;
	while (b > a && (sc->text[b - 1] == '\n' || sc->text[b - 1] == '\r'))
		b--;
	size_t n = b - a < cap - 1 ? b - a : cap - 1;
	memcpy(buf, sc->text + a, n);
	buf[n] = 0;
}

static int name_char(int c)
{
	return isalnum(c) || c == '-';
}

/* Checks structure: content lines, BEGIN/END nesting, a VCALENDAR, at least
 * one VEVENT. */
static int prescan(struct scan *sc, const char *path, char **err)
{
	char line[256], stack[32][32];
	int depth = 0, ev_idx = -1, need_colon = 0, seen_cal = 0;
	size_t cap = 64, cap_ev = 16;
	sc->line_off = xmalloc(cap * sizeof *sc->line_off);
	sc->ev_begin = xmalloc(cap_ev * sizeof(int));
	sc->ev_end = xmalloc(cap_ev * sizeof(int));
	for (size_t off = 0; off < sc->len;) {
		if (sc->n_lines == cap)
			sc->line_off = xrealloc(sc->line_off, (cap *= 2) * sizeof *sc->line_off);
		sc->line_off[sc->n_lines++] = off;
		const char *nl = memchr(sc->text + off, '\n', sc->len - off);
		off = nl ? (size_t)(nl - sc->text) + 1 : sc->len;
	}
	for (size_t ln = 1; ln <= sc->n_lines; ln++) {
		scan_line(sc, ln, line, sizeof line);
		if (line[0] == ' ' || line[0] == '\t') {
			if (need_colon && strchr(line, ':'))
				need_colon = 0;
			continue;
		}
		if (need_colon) {
			*err = xasprintf("%s:%zu: property has no ':' and no value (truncated line?)", path, ln - 1);
			return -1;
		}
		if (!line[0])
			continue;
		size_t n = 0;
		while (name_char((unsigned char)line[n]))
			n++;
		if (n == 0 || (line[n] != ':' && line[n] != ';')) {
			*err = xasprintf("%s:%zu: not an iCalendar content line (expected NAME:value)", path, ln);
			return -1;
		}
		if (!seen_cal && strncasecmp(line, "BEGIN:VCALENDAR", 15) != 0) {
			*err = xasprintf("%s:%zu: not an iCalendar file (expected BEGIN:VCALENDAR)", path, ln);
			return -1;
		}
		need_colon = !strchr(line, ':');
		char *v = strchr(line, ':');
		if (n == 5 && !strncasecmp(line, "BEGIN", 5) && v) {
			if (depth == 32) {
				*err = xasprintf("%s:%zu: components nested too deeply", path, ln);
				return -1;
			}
			snprintf(stack[depth], sizeof stack[depth], "%s", str_trim(v + 1));
			if (depth == 0)
				seen_cal = 1;
			if (depth == 1 && !strcasecmp(stack[0], "VCALENDAR") && !strcasecmp(stack[1], "VEVENT")) {
				if (sc->n_ev == cap_ev) {
					cap_ev *= 2;
					sc->ev_begin = xrealloc(sc->ev_begin, cap_ev * sizeof(int));
					sc->ev_end = xrealloc(sc->ev_end, cap_ev * sizeof(int));
				}
				ev_idx = (int)sc->n_ev++;
				sc->ev_begin[ev_idx] = (int)ln;
			}
			depth++;
		} else if (n == 3 && !strncasecmp(line, "END", 3) && v) {
			if (depth == 0 || strcasecmp(stack[depth - 1], str_trim(v + 1)) != 0) {
				if (depth)
					*err = xasprintf("%s:%zu: END:%s does not close BEGIN:%s", path, ln,
							 str_trim(v + 1), stack[depth - 1]);
				else
					*err = xasprintf("%s:%zu: END:%s without BEGIN", path, ln, str_trim(v + 1));
				return -1;
			}
			if (--depth == 1 && ev_idx >= 0) {
				sc->ev_end[ev_idx] = (int)ln;
				ev_idx = -1;
			}
		} else if (depth == 0) {
			*err = xasprintf("%s:%zu: content outside BEGIN:VCALENDAR ... END:VCALENDAR", path, ln);
			return -1;
		}
	}
	if (!seen_cal) {
		*err = xasprintf("%s:1: empty file (expected BEGIN:VCALENDAR)", path);
		return -1;
	}
	if (depth > 0 || need_colon) {
		*err = xasprintf("%s:%zu: file ends inside BEGIN:%s (truncated?)", path, sc->n_lines,
				 depth ? stack[depth - 1] : "?");
		return -1;
	}
	if (sc->n_ev == 0) {
		*err = xasprintf("%s:1: no VEVENT in this calendar (nothing to close)", path);
		return -1;
	}
	return 0;
}

/* Line of property `name` inside event k, or the event's BEGIN line. */
static int prop_line(const struct scan *sc, size_t k, const char *name)
{
	char line[128];
	size_t n = strlen(name);
	for (int ln = sc->ev_begin[k] + 1; ln < sc->ev_end[k]; ln++) {
		scan_line(sc, (size_t)ln, line, sizeof line);
		if (!strncasecmp(line, name, n) && (line[n] == ':' || line[n] == ';'))
			return ln;
	}
	return sc->ev_begin[k];
}

/* ---- times ---- */

static int64_t ical_local(struct icaltimetype t)
{
	return days_from_civil(t.year, (unsigned)t.month, (unsigned)t.day) * 86400 +
	       (t.is_date ? 0 : t.hour * 3600 + t.minute * 60 + t.second);
}

static struct icaltimetype local_ical(int64_t local, int is_date)
{
	struct icaltimetype t = icaltime_null_time();
	int64_t y;
	unsigned m, d;
	int64_t days = floor_div(local, 86400), s = local - days * 86400;
	civil_from_days(days, &y, &m, &d);
	t.year = (int)y;
	t.month = (int)m;
	t.day = (int)d;
	if (is_date)
		t.is_date = 1;
	else {
		t.hour = (int)(s / 3600);
		t.minute = (int)(s / 60 % 60);
		t.second = (int)(s % 60);
	}
	return t;
}

struct ctx {
	struct ics_set *set;
	const char *path;
	icalcomponent *root;
	const struct rc_zone *calzone;
	const struct scan *sc;
	size_t k;
	char **err;
};

static void add_warning(struct ics_set *set, const char *file, int line, char *msg)
{
	set->warn = xrealloc(set->warn, (set->n_warn + 1) * sizeof *set->warn);
	set->warn[set->n_warn++] = (struct ics_warning){ file, line, msg };
}

static icalcomponent *find_vtimezone(icalcomponent *root, const char *tzid)
{
	icalcomponent *cal = root;
	for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT); c;
	     c = icalcomponent_get_next_component(cal, ICAL_VTIMEZONE_COMPONENT)) {
		icalproperty *p = icalcomponent_get_first_property(c, ICAL_TZID_PROPERTY);
		if (p && icalproperty_get_tzid(p) && !strcmp(icalproperty_get_tzid(p), tzid))
			return c;
	}
	return NULL;
}

static const struct rc_zone *cache_zone(struct ics_set *set, const char *key, struct rc_zone *z)
{
	set->zones = xrealloc(set->zones, (set->n_zones + 1) * sizeof *set->zones);
	set->zone_keys = xrealloc(set->zone_keys, (set->n_zones + 1) * sizeof *set->zone_keys);
	set->zones[set->n_zones] = z;
	set->zone_keys[set->n_zones++] = xstrdup(key);
	return z;
}

/* TZID -> zone: the system zone of that name (also after dropping a
 * "/vendor/..." prefix), else the file's VTIMEZONE, else NULL. The system
 * zone wins over a VTIMEZONE of the same name: exporters often embed only
 * the current rules, while zoneinfo knows the history. */
static const struct rc_zone *resolve_tzid(struct ctx *c, const char *tzid)
{
	struct ics_set *set = c->set;
	for (size_t i = 0; i < set->n_zones; i++)
		if (!strcmp(set->zone_keys[i], tzid))
			return set->zones[i];
	for (const char *p = tzid; p && *p; p = strchr(p + 1, '/')) {
		char *e = NULL;
		struct rc_zone *z = rc_zone_load(*p == '/' ? p + 1 : p, &e);
		free(e);
		if (z)
			return cache_zone(set, tzid, z);
	}
	icalcomponent *vtz = find_vtimezone(c->root, tzid);
	if (!vtz)
		return NULL;
	icaltimezone *iz = icaltimezone_new();
	if (!icaltimezone_set_component(iz, icalcomponent_new_clone(vtz))) {
		icaltimezone_free(iz, 1);
		return NULL;
	}
	return cache_zone(set, tzid, rc_zone_from_ical(tzid, iz));
}

/* Zone of a DATE-TIME property value: UTC, its TZID, or floating. */
static int prop_zone(struct ctx *c, icalproperty *p, struct icaltimetype t, const char *pname,
		     const struct rc_zone **out)
{
	icalparameter *tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
	if (icaltime_is_utc(t))
		*out = c->set->utc;
	else if (tzp && icalparameter_get_tzid(tzp) && !t.is_date) {
		const char *tzid = icalparameter_get_tzid(tzp);
		if (!(*out = resolve_tzid(c, tzid))) {
			*c->err = xasprintf("%s:%d: unknown TZID '%s' in %s (no VTIMEZONE in the file and no such system zone)",
					    c->path, prop_line(c->sc, c->k, pname), tzid, pname);
			return -1;
		}
	} else
		*out = c->calzone;
	return 0;
}

/* Instant of a DATE-TIME property value. */
static int prop_instant(struct ctx *c, icalproperty *p, struct icaltimetype t, const char *pname, int64_t *out)
{
	const struct rc_zone *z;
	if (prop_zone(c, p, t, pname, &z) < 0)
		return -1;
	*out = rc_zone_from_local(z, ical_local(t));
	return 0;
}

static void push64(int64_t **a, size_t *n, int64_t v)
{
	*a = xrealloc(*a, (*n + 1) * sizeof **a);
	(*a)[(*n)++] = v;
}

/* Errors libical left in the event: fatal for the properties that decide
 * closures, warnings for the rest. */
static int check_lic_errors(struct ctx *c, icalcomponent *ev)
{
	static const char *vital[] = { "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE",
				       "RECURRENCE-ID", "STATUS", NULL };
	for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_XLICERROR_PROPERTY); p;
	     p = icalcomponent_get_next_property(ev, ICAL_XLICERROR_PROPERTY)) {
		const char *msg = icalproperty_get_xlicerror(p);
		char pname[40] = "";
		const char *in = msg ? strstr(msg, " in ") : NULL;
		if (in)
			sscanf(in + 4, "%39s", pname);
		int ln = pname[0] ? prop_line(c->sc, c->k, pname) : c->sc->ev_begin[c->k];
		int fatal = 0;
		for (int i = 0; vital[i]; i++)
			fatal |= !strcasecmp(pname, vital[i]);
		if (fatal) {
			*c->err = xasprintf("%s:%d: bad %s: %s", c->path, ln, pname, msg ? msg : "parse error");
			return -1;
		}
		add_warning(c->set, c->path, ln, xasprintf("ignored: %s", msg ? msg : "parse error"));
	}
	return 0;
}

static int all_day_days(struct ctx *c, icalcomponent *ve, struct ics_event *ev)
{
	icalproperty *pe = icalcomponent_get_first_property(ve, ICAL_DTEND_PROPERTY);
	icalproperty *pd = icalcomponent_get_first_property(ve, ICAL_DURATION_PROPERTY);
	int64_t sday = floor_div(ev->start, 86400), days;
	const char *why = NULL;
	if (pe) {
		struct icaltimetype e = icalproperty_get_dtend(pe);
		if (e.is_date)
			days = floor_div(ical_local(e), 86400) - sday;
		else {
			int64_t inst, loc;
			if (prop_instant(c, pe, e, "DTEND", &inst) < 0)
				return -1;
			loc = rc_zone_to_local(c->calzone, inst);
			days = floor_div(loc, 86400) - sday + (loc % 86400 != 0);
			why = "all-day DTSTART with a date-time DTEND: closes through DTEND's local date";
		}
		if (days <= 0)
			why = "all-day event with DTEND on or before DTSTART: closes one day";
	} else if (pd) {
		int secs = icaldurationtype_as_int(icalproperty_get_duration(pd));
		days = (secs + 86399) / 86400;
	} else {
		days = 1;
		why = "all-day event without DTEND or DURATION: closes one day";
	}
	if (days <= 0)
		days = 1;
	ev->dur = days;
	if (why)
		add_warning(c->set, c->path, pe ? prop_line(c->sc, c->k, "DTEND") : ev->line,
			    xasprintf("%s (\"%s\")", why, ev->summary));
	return 0;
}

static int timed_duration(struct ctx *c, icalcomponent *ve, icalproperty *ps, struct icaltimetype s,
			  struct ics_event *ev)
{
	icalproperty *pe = icalcomponent_get_first_property(ve, ICAL_DTEND_PROPERTY);
	icalproperty *pd = icalcomponent_get_first_property(ve, ICAL_DURATION_PROPERTY);
	if (pe) {
		struct icaltimetype e = icalproperty_get_dtend(pe);
		const struct rc_zone *ez;
		if (e.is_date)
			ez = ev->zone;
		else if (prop_zone(c, pe, e, "DTEND", &ez) < 0)
			return -1;
		if (ez == ev->zone)
			ev->dur = ical_local(e) - ev->start;
		else {
			int64_t si, ei;
			if (prop_instant(c, ps, s, "DTSTART", &si) < 0 || prop_instant(c, pe, e, "DTEND", &ei) < 0)
				return -1;
			ev->dur = ei - si;
			ev->dur_exact = 1;
		}
	} else if (pd) {
		struct icaldurationtype d = icalproperty_get_duration(pd);
		ev->dur = icaldurationtype_as_int(d);
		ev->dur_exact = d.hours || d.minutes || d.seconds;
	}
	if (ev->dur <= 0) {
		add_warning(c->set, c->path, pe ? prop_line(c->sc, c->k, "DTEND") : ev->line,
			    xasprintf("timed event %s: closes nothing (\"%s\")",
				      pe || pd ? "ends at or before its start" : "without DTEND or DURATION",
				      ev->summary));
		return 1;
	}
	return 0;
}

/* A date or date-time value as local seconds of ev (all-day: midnight). */
static int value_local(struct ctx *c, icalproperty *p, struct icaltimetype t, const char *pname,
		       const struct ics_event *ev, int64_t *out)
{
	if (t.is_date) {
		*out = ical_local(t);
		return 0;
	}
	int64_t inst;
	if (prop_instant(c, p, t, pname, &inst) < 0)
		return -1;
	*out = rc_zone_to_local(ev->zone, inst);
	if (ev->allday)
		*out = floor_div(*out, 86400) * 86400;
	return 0;
}

static int read_recurrence(struct ctx *c, icalcomponent *ve, struct ics_event *ev)
{
	for (icalproperty *p = icalcomponent_get_first_property(ve, ICAL_RRULE_PROPERTY); p;
	     p = icalcomponent_get_next_property(ve, ICAL_RRULE_PROPERTY)) {
		struct icalrecurrencetype r = icalproperty_get_rrule(p);
		if (r.freq == ICAL_SECONDLY_RECURRENCE || r.freq == ICAL_MINUTELY_RECURRENCE ||
		    r.freq == ICAL_NO_RECURRENCE) {
			*c->err = xasprintf("%s:%d: RRULE frequency not supported for closures (use HOURLY or longer)",
					    c->path, prop_line(c->sc, c->k, "RRULE"));
			return -1;
		}
		if (!icaltime_is_null_time(r.until) && !r.until.is_date && icaltime_is_utc(r.until)) {
			int64_t inst = days_from_civil(r.until.year, (unsigned)r.until.month, (unsigned)r.until.day) * 86400 +
				       r.until.hour * 3600 + r.until.minute * 60 + r.until.second;
			r.until = local_ical(rc_zone_to_local(ev->zone, inst), 0);
		}
		if (!icaltime_is_null_time(r.until) && ev->allday && !r.until.is_date)
			r.until = local_ical(ical_local(r.until), 1);
		if (r.count > 0) {
			/* A COUNT rule is finite: expand it once here (libical cannot
			 * skip ahead in one), so each year's table does not redo it. */
			if (r.count > MAX_COUNT) {
				*c->err = xasprintf("%s:%d: RRULE COUNT=%d is more than %d occurrences", c->path,
						    prop_line(c->sc, c->k, "RRULE"), r.count, MAX_COUNT);
				return -1;
			}
			icalrecur_iterator *it = icalrecur_iterator_new(r, local_ical(ev->start, ev->allday));
			for (int k = 0; it && k < r.count; k++) {
				struct icaltimetype t = icalrecur_iterator_next(it);
				if (icaltime_is_null_time(t))
					break;
				push64(&ev->rdates, &ev->n_rdates, ical_local(t));
			}
			if (it)
				icalrecur_iterator_free(it);
			continue;
		}
		ev->rrules = xrealloc(ev->rrules, (ev->n_rrules + 1) * sizeof *ev->rrules);
		ev->rrules[ev->n_rrules++].r = r;
	}
	for (icalproperty *p = icalcomponent_get_first_property(ve, ICAL_RDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(ve, ICAL_RDATE_PROPERTY)) {
		struct icaldatetimeperiodtype rd = icalproperty_get_rdate(p);
		struct icaltimetype t = icaltime_is_null_time(rd.time) ? rd.period.start : rd.time;
		int64_t v;
		if (icaltime_is_null_time(t))
			continue;
		if (value_local(c, p, t, "RDATE", ev, &v) < 0)
			return -1;
		push64(&ev->rdates, &ev->n_rdates, v);
	}
	for (icalproperty *p = icalcomponent_get_first_property(ve, ICAL_EXDATE_PROPERTY); p;
	     p = icalcomponent_get_next_property(ve, ICAL_EXDATE_PROPERTY)) {
		struct icaltimetype t = icalproperty_get_exdate(p);
		int64_t v;
		if (value_local(c, p, t, "EXDATE", ev, &v) < 0)
			return -1;
		if (ev->allday || t.is_date)
			push64(&ev->exdays, &ev->n_exdays, floor_div(v, 86400));
		else
			push64(&ev->exdates, &ev->n_exdates, v);
	}
	return 0;
}

static int read_override(struct ctx *c, icalproperty *p, const char *uid)
{
	struct icaltimetype t = icalproperty_get_recurrenceid(p);
	struct ics_override o = { xstrdup(uid ? uid : ""), t.is_date, 0, 0 };
	if (t.is_date)
		o.day = floor_div(ical_local(t), 86400);
	else if (prop_instant(c, p, t, "RECURRENCE-ID", &o.instant) < 0) {
		free(o.uid);
		return -1;
	}
	c->set->ovr = xrealloc(c->set->ovr, (c->set->n_ovr + 1) * sizeof *c->set->ovr);
	c->set->ovr[c->set->n_ovr++] = o;
	return 0;
}

static void event_clear(struct ics_event *ev)
{
	free(ev->summary);
	free(ev->uid);
	free(ev->rrules);
	free(ev->rdates);
	free(ev->exdates);
	free(ev->exdays);
	memset(ev, 0, sizeof *ev);
}

static int read_event(struct ctx *c, icalcomponent *ve, char *const *ignore, size_t n_ignore)
{
	if (check_lic_errors(c, ve) < 0)
		return -1;
	const char *summary = icalcomponent_get_summary(ve);
	const char *uid = icalcomponent_get_uid(ve);
	int cancelled = icalcomponent_get_status(ve) == ICAL_STATUS_CANCELLED;
	int ignored = 0;
	for (size_t i = 0; i < n_ignore && !ignored; i++)
		ignored = fnmatch(ignore[i], summary ? summary : "", FNM_CASEFOLD) == 0;
	icalproperty *rid = icalcomponent_get_first_property(ve, ICAL_RECURRENCEID_PROPERTY);
	if (rid && read_override(c, rid, uid) < 0)
		return -1;
	if (cancelled || ignored)
		return 0;
	icalproperty *ps = icalcomponent_get_first_property(ve, ICAL_DTSTART_PROPERTY);
	struct icaltimetype s = ps ? icalproperty_get_dtstart(ps) : icaltime_null_time();
	if (!ps || icaltime_is_null_time(s)) {
		*c->err = xasprintf("%s:%d: VEVENT without a valid DTSTART (\"%s\")", c->path,
				    c->sc->ev_begin[c->k], summary ? summary : "");
		return -1;
	}
	struct ics_event ev = { 0 };
	ev.summary = xstrdup(summary ? summary : "(no SUMMARY)");
	ev.uid = xstrdup(uid ? uid : "");
	ev.file = c->set->files[c->set->n_files - 1];
	ev.line = c->sc->ev_begin[c->k];
	ev.allday = s.is_date;
	ev.is_override = rid != NULL;
	ev.start = ical_local(s);
	int rc;
	if (s.year < MIN_YEAR || s.year > MAX_YEAR) {
		*c->err = xasprintf("%s:%d: DTSTART year %d is out of range (%d-%d)", c->path,
				    prop_line(c->sc, c->k, "DTSTART"), s.year, MIN_YEAR, MAX_YEAR);
		event_clear(&ev);
		return -1;
	}
	if (ev.allday) {
		ev.zone = c->calzone;
		rc = all_day_days(c, ve, &ev);
	} else {
		rc = prop_zone(c, ps, s, "DTSTART", &ev.zone);
		if (rc == 0)
			rc = timed_duration(c, ve, ps, s, &ev);
	}
	if (rc == 0 && (ev.allday ? ev.dur : ev.dur / 86400) > MAX_SPAN_DAYS) {
		*c->err = xasprintf("%s:%d: event lasts more than %d days (\"%s\"): check DTEND", c->path,
				    ev.line, MAX_SPAN_DAYS, ev.summary);
		rc = -1;
	}
	if (rc == 0 && !ev.is_override)
		rc = read_recurrence(c, ve, &ev);
	if (rc != 0) {
		event_clear(&ev);
		return rc < 0 ? -1 : 0;
	}
	struct ics_set *set = c->set;
	if (set->n_ev == set->cap_ev)
		set->ev = xrealloc(set->ev, (set->cap_ev = set->cap_ev ? set->cap_ev * 2 : 16) * sizeof *set->ev);
	set->ev[set->n_ev++] = ev;
	return 0;
}

static int read_calendar(struct ctx *c, icalcomponent *cal, char *const *ignore, size_t n_ignore)
{
	/* Collect first: libical components have one internal iterator, which
	 * the VTIMEZONE lookups below would reset. */
	icalcomponent **v = NULL;
	size_t n = 0;
	for (icalcomponent *ve = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ve;
	     ve = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
		v = xrealloc(v, (n + 1) * sizeof *v);
		v[n++] = ve;
	}
	c->root = cal;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (c->k >= c->sc->n_ev) {
			*c->err = xasprintf("%s:%d: could not match the events libical found to the file's lines",
					    c->path, c->sc->ev_begin[c->sc->n_ev - 1]);
			rc = -1;
		} else if ((rc = read_event(c, v[i], ignore, n_ignore)) == 0)
			c->k++;
	}
	free(v);
	return rc;
}

int ics_read(struct ics_set *set, const char *path, const char *bytes, size_t len,
	     const struct rc_zone *calzone, char *const *ignore, size_t n_ignore, char **err)
{
	if (!set->utc)
		set->utc = rc_zone_utc();
	set->files = xrealloc(set->files, (set->n_files + 1) * sizeof *set->files);
	set->files[set->n_files++] = xstrdup(path);
	if (len >= 3 && !memcmp(bytes, "\xEF\xBB\xBF", 3)) {
		bytes += 3;
		len -= 3;
	}
	const char *nul = memchr(bytes, 0, len);
	if (nul) {
		size_t ln = 1;
		for (const char *p = bytes; p < nul; p++)
			ln += *p == '\n';
		*err = xasprintf("%s:%zu: binary data (NUL byte): not an iCalendar file", path, ln);
		return -1;
	}
	struct scan sc = { .text = bytes, .len = len };
	if (prescan(&sc, path, err) < 0) {
		scan_free(&sc);
		return -1;
	}
	char *text = xstrndup(bytes, len);
	icalcomponent *root = icalparser_parse_string(text);
	free(text);
	struct ctx c = { set, set->files[set->n_files - 1], NULL, calzone, &sc, 0, err };
	int rc = 0;
	if (!root) {
		*err = xasprintf("%s:1: libical could not parse this file", path);
		rc = -1;
	} else if (icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT)
		rc = read_calendar(&c, root, ignore, n_ignore);
	else
		for (icalcomponent *cal = icalcomponent_get_first_component(root, ICAL_VCALENDAR_COMPONENT);
		     cal && rc == 0; cal = icalcomponent_get_next_component(root, ICAL_VCALENDAR_COMPONENT))
			rc = read_calendar(&c, cal, ignore, n_ignore);
	if (root)
		icalcomponent_free(root);
	scan_free(&sc);
	return rc;
}

void ics_finish(struct ics_set *set)
{
	for (size_t i = 0; i < set->n_ovr; i++) {
		const struct ics_override *o = &set->ovr[i];
		for (size_t j = 0; j < set->n_ev; j++) {
			struct ics_event *m = &set->ev[j];
			if (m->is_override || strcmp(m->uid, o->uid) != 0)
				continue;
			if (o->is_date)
				push64(&m->exdays, &m->n_exdays, o->day);
			else if (m->allday)
				push64(&m->exdays, &m->n_exdays, floor_div(rc_zone_to_local(m->zone, o->instant), 86400));
			else
				push64(&m->exdates, &m->n_exdates, rc_zone_to_local(m->zone, o->instant));
		}
	}
}

void ics_set_free(struct ics_set *set)
{
	for (size_t i = 0; i < set->n_ev; i++)
		event_clear(&set->ev[i]);
	free(set->ev);
	for (size_t i = 0; i < set->n_files; i++)
		free(set->files[i]);
	free(set->files);
	for (size_t i = 0; i < set->n_zones; i++) {
		rc_zone_free(&set->zones[i]);
		free(set->zone_keys[i]);
	}
	free(set->zones);
	free(set->zone_keys);
	for (size_t i = 0; i < set->n_warn; i++)
		free(set->warn[i].msg);
	free(set->warn);
	for (size_t i = 0; i < set->n_ovr; i++)
		free(set->ovr[i].uid);
	free(set->ovr);
	rc_zone_free(&set->utc);
	memset(set, 0, sizeof *set);
}

/* ---- expansion ---- */

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int excluded(const struct ics_event *ev, int64_t local)
{
	for (size_t i = 0; i < ev->n_exdates; i++)
		if (ev->exdates[i] == local)
			return 1;
	int64_t day = floor_div(local, 86400);
	for (size_t i = 0; i < ev->n_exdays; i++)
		if (ev->exdays[i] == day)
			return 1;
	return 0;
}

/* Bound on one rule's iterations per call: a yearly window of an HOURLY
 * rule is 8784. */
#define MAX_ITER 200000

void ics_occurrences(const struct ics_event *ev, int64_t lo, int64_t hi,
		     void (*fn)(const struct ics_event *ev, int64_t local, void *ud), void *ud)
{
	int64_t *v = NULL;
	size_t n = 0;
	if (ev->start >= lo && ev->start < hi)
		push64(&v, &n, ev->start);
	for (size_t i = 0; i < ev->n_rdates; i++)
		if (ev->rdates[i] >= lo && ev->rdates[i] < hi)
			push64(&v, &n, ev->rdates[i]);
	for (size_t i = 0; i < ev->n_rrules && ev->start < hi; i++) {
		icalrecur_iterator *it = icalrecur_iterator_new(ev->rrules[i].r, local_ical(ev->start, ev->allday));
		if (!it)
			continue;
		/* Skip ahead where libical can (not with COUNT, which counts from DTSTART). */
		if (ev->rrules[i].r.count == 0 && lo > ev->start + 86400 * 8)
			icalrecur_iterator_set_start(it, local_ical(lo - 86400 * 8, ev->allday));
		for (int k = 0; k < MAX_ITER; k++) {
			struct icaltimetype t = icalrecur_iterator_next(it);
			if (icaltime_is_null_time(t))
				break;
			int64_t l = ical_local(t);
			if (l >= hi)
				break;
			if (l >= lo)
				push64(&v, &n, l);
		}
		icalrecur_iterator_free(it);
	}
	if (n)
		qsort(v, n, sizeof *v, cmp64);
	for (size_t i = 0; i < n; i++)
		if ((i == 0 || v[i] != v[i - 1]) && !excluded(ev, v[i]))
			fn(ev, v[i], ud);
	free(v);
}
