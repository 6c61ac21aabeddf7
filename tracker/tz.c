/* Time-zone offsets for calendars: a TZif (RFC 8536) reader with POSIX TZ
 * footer rules, VTIMEZONE zones via libical, and the RFC 5545 local-time rule.
 *
 * Why our own TZif reader: libical 3.0.16's conversion of the system zoneinfo
 * into VTIMEZONE rules is wrong for some zones (Europe/London 1977,
 * America/Sao_Paulo 2014, Pacific/Chatham after 2037 disagree with glibc), so
 * the system files are read directly; tests compare against localtime_r. */
#include "tracker/tz.h"

#include <ctype.h>
#include <errno.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker/util.h"

/* One POSIX TZ rule date: Jn, n or Mm.w.d, plus a local time of day. */
struct posix_date {
	char kind; /* 'J', 'N' (zero-based day), 'M' */
	int n, m, w, d;
	int secs;
};

struct posix_tz {
	int std_off, dst_off; /* seconds east */
	int has_dst;
	struct posix_date start, end;
};

struct rc_zone {
	char *name;
	icaltimezone *ical;     /* when built from a VTIMEZONE */
	int64_t *trans;         /* transition instants, ascending */
	unsigned char *idx;     /* type index per transition */
	int32_t *types;         /* utoff per type */
	size_t ntrans, ntypes;
	int has_footer;
	struct posix_tz footer;
};

int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

unsigned weekday_from_days(int64_t days)
{
	/* 1970-01-01 was a Thursday (3 when Monday = 0). */
	return (unsigned)(((days % 7) + 7 + 3) % 7);
}

/* ---- POSIX TZ strings ("CET-1CEST,M3.5.0,M10.5.0/3") ---- */

static const char *posix_name(const char *p)
{
	if (*p == '<') {
		const char *q = strchr(p, '>');
		return q ? q + 1 : NULL;
	}
	const char *q = p;
	while (isalpha((unsigned char)*q))
		q++;
	return q - p >= 3 ? q : NULL;
}

/* [+-]hh[:mm[:ss]]; returns seconds (sign as written). */
static const char *posix_hms(const char *p, int *out)
{
	int sign = 1, h = 0, mi = 0, s = 0;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p) && h < 1000)
		h = h * 10 + (*p++ - '0');
	if (*p == ':') {
		p++;
		while (isdigit((unsigned char)*p) && mi < 100)
			mi = mi * 10 + (*p++ - '0');
		if (*p == ':') {
			p++;
			while (isdigit((unsigned char)*p) && s < 100)
				s = s * 10 + (*p++ - '0');
		}
	}
	if (h > 167)
		return NULL;
	*out = sign * (h * 3600 + mi * 60 + s);
	return p;
}

static const char *posix_rule_date(const char *p, struct posix_date *pd)
{
	char *end;
	pd->secs = 7200;
	if (*p == 'M') {
		pd->kind = 'M';
		pd->m = (int)strtol(p + 1, &end, 10);
		if (*end != '.')
			return NULL;
		pd->w = (int)strtol(end + 1, &end, 10);
		if (*end != '.')
			return NULL;
		pd->d = (int)strtol(end + 1, &end, 10);
		if (pd->m < 1 || pd->m > 12 || pd->w < 1 || pd->w > 5 || pd->d < 0 || pd->d > 6)
			return NULL;
	} else {
		pd->kind = 'N';
		if (*p == 'J') {
			pd->kind = 'J';
			p++;
		}
		if (!isdigit((unsigned char)*p))
			return NULL;
		pd->n = (int)strtol(p, &end, 10);
		if (pd->n > 365)
			return NULL;
	}
	p = end;
	if (*p == '/')
		p = posix_hms(p + 1, &pd->secs);
	return p;
}

static int parse_posix_tz(const char *s, struct posix_tz *tz)
{
	const char *p = posix_name(s);
	int v;
	memset(tz, 0, sizeof *tz);
	if (!p || !(p = posix_hms(p, &v)))
		return -1;
	tz->std_off = -v;
	if (!*p)
		return 0;
	if (!(p = posix_name(p)))
		return -1;
	tz->has_dst = 1;
	tz->dst_off = tz->std_off + 3600;
	if (*p && *p != ',') {
		if (!(p = posix_hms(p, &v)))
			return -1;
		tz->dst_off = -v;
	}
	if (*p != ',')
		return -1; /* no default rules: refuse rather than guess */
	if (!(p = posix_rule_date(p + 1, &tz->start)) || *p != ',')
		return -1;
	if (!(p = posix_rule_date(p + 1, &tz->end)) || *p)
		return -1;
	return 0;
}

/* Local seconds (of the given year, in the offset before the change) when a
 * POSIX rule date happens. */
static int64_t posix_date_local(int64_t year, const struct posix_date *pd)
{
	int64_t jan1 = days_from_civil(year, 1, 1), day;
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (pd->kind == 'J')
		day = jan1 + pd->n - 1 + (leap && pd->n >= 60);
	else if (pd->kind == 'N')
		day = jan1 + pd->n;
	else {
		int64_t first = days_from_civil(year, (unsigned)pd->m, 1);
		/* POSIX d: 0 = Sunday; our weekday: 0 = Monday. */
		unsigned wd_first = (weekday_from_days(first) + 1) % 7;
		int64_t dd = first + ((unsigned)pd->d + 7 - wd_first) % 7 + (int64_t)(pd->w - 1) * 7;
		unsigned dim = (unsigned)(days_from_civil(year + (pd->m == 12), pd->m == 12 ? 1 : (unsigned)pd->m + 1, 1) - first);
		while (dd - first >= dim)
			dd -= 7;
		day = dd;
	}
	return day * 86400 + pd->secs;
}

static int posix_offset(const struct posix_tz *tz, int64_t t)
{
	if (!tz->has_dst)
		return tz->std_off;
	int64_t y;
	unsigned m, d;
	civil_from_days(floor_div(t + tz->std_off, 86400), &y, &m, &d);
	int64_t start = posix_date_local(y, &tz->start) - tz->std_off;
	int64_t end = posix_date_local(y, &tz->end) - tz->dst_off;
	if (start < end)
		return (t >= start && t < end) ? tz->dst_off : tz->std_off;
	return (t >= end && t < start) ? tz->std_off : tz->dst_off;
}

/* ---- TZif ---- */

static int64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	if (n == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

struct tzif_hdr {
	size_t isut, isstd, leap, time, type, chars;
};

static int tzif_header(const unsigned char *p, size_t len, struct tzif_hdr *h)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->isut = (size_t)be(p + 20, 4);
	h->isstd = (size_t)be(p + 24, 4);
	h->leap = (size_t)be(p + 28, 4);
	h->time = (size_t)be(p + 32, 4);
	h->type = (size_t)be(p + 36, 4);
	h->chars = (size_t)be(p + 40, 4);
	if (h->type == 0 || h->type > 256 || h->time > 100000 || h->chars > 100000 ||
	    h->leap > 100000 || h->isut > 256 || h->isstd > 256)
		return -1;
	return 0;
}

static size_t tzif_block_len(const struct tzif_hdr *h, int tsz)
{
	return h->time * (size_t)tsz + h->time + h->type * 6 + h->chars +
	       h->leap * (size_t)(tsz + 4) + h->isstd + h->isut;
}

static int tzif_parse(struct rc_zone *z, const unsigned char *p, size_t len)
{
	struct tzif_hdr h;
	int tsz = 4;
	if (tzif_header(p, len, &h) < 0)
		return -1;
	size_t skip = 44 + tzif_block_len(&h, 4);
	if (p[4] >= '2') {
		if (skip > len || tzif_header(p + skip, len - skip, &h) < 0)
			return -1;
		p += skip;
		len -= skip;
		tsz = 8;
	}
	size_t blen = tzif_block_len(&h, tsz);
	if (44 + blen > len)
		return -1;
	const unsigned char *q = p + 44;
	z->ntrans = h.time;
	z->ntypes = h.type;
	z->trans = xcalloc(h.time + 1, sizeof *z->trans);
	z->idx = xcalloc(h.time + 1, 1);
	z->types = xcalloc(h.type, sizeof *z->types);
	for (size_t i = 0; i < h.time; i++)
		z->trans[i] = be(q + i * (size_t)tsz, tsz);
	q += h.time * (size_t)tsz;
	for (size_t i = 0; i < h.time; i++)
		if ((z->idx[i] = q[i]) >= h.type)
			return -1;
	q += h.time;
	for (size_t i = 0; i < h.type; i++)
		z->types[i] = (int32_t)be(q + i * 6, 4);
	if (tsz == 8) {
		const unsigned char *f = p + 44 + blen, *e = p + len;
		if (f < e && *f == '\n') {
			const unsigned char *nl = memchr(f + 1, '\n', (size_t)(e - f - 1));
			if (nl && nl > f + 1) {
				char *s = xstrndup((const char *)f + 1, (size_t)(nl - f - 1));
				z->has_footer = parse_posix_tz(s, &z->footer) == 0;
				free(s);
			}
		}
	}
	return 0;
}

static int zone_name_ok(const char *name)
{
	if (!*name || *name == '/' || strstr(name, "..") || strlen(name) > 200)
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
			return 0;
	return 1;
}

struct rc_zone *rc_zone_load(const char *name, char **err)
{
	if (!zone_name_ok(name)) {
		*err = xasprintf("'%s' is not a time zone name (expected e.g. Europe/Oslo)", name);
		return NULL;
	}
	const char *dir = getenv("TZDIR");
	char *path = xasprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		*err = xasprintf("unknown time zone '%s' (%s: %s)", name, path, strerror(errno));
		free(path);
		return NULL;
	}
	size_t cap = 1 << 20, len;
	unsigned char *buf = xmalloc(cap);
	len = fread(buf, 1, cap, f);
	fclose(f);
	struct rc_zone *z = xcalloc(1, sizeof *z);
	z->name = xstrdup(name);
	if (len == cap || tzif_parse(z, buf, len) < 0) {
		*err = xasprintf("unknown time zone '%s' (%s is not a valid TZif file)", name, path);
		rc_zone_free(&z);
	}
	free(buf);
	free(path);
	return z;
}

struct rc_zone *rc_zone_utc(void)
{
	struct rc_zone *z = xcalloc(1, sizeof *z);
	z->name = xstrdup("UTC");
	z->types = xcalloc(1, sizeof *z->types);
	z->ntypes = 1;
	return z;
}

struct rc_zone *rc_zone_from_ical(const char *name, icaltimezone *iz)
{
	struct rc_zone *z = xcalloc(1, sizeof *z);
	z->name = xstrdup(name);
	z->ical = iz;
	return z;
}

void rc_zone_free(struct rc_zone **zp)
{
	struct rc_zone *z = *zp;
	if (!z)
		return;
	if (z->ical)
		icaltimezone_free(z->ical, 1);
	free(z->name);
	free(z->trans);
	free(z->idx);
	free(z->types);
	free(z);
	*zp = NULL;
}

const char *rc_zone_name(const struct rc_zone *z)
{
	return z->name;
}

static int ical_offset(icaltimezone *iz, int64_t t)
{
	struct icaltimetype tt = icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
	int isdst = 0;
	return icaltimezone_get_utc_offset_of_utc_time(iz, &tt, &isdst);
}

int rc_zone_offset(const struct rc_zone *z, int64_t t)
{
	if (z->ical)
		return ical_offset(z->ical, t);
	if (z->ntrans == 0 || t < z->trans[0]) {
		if (z->ntrans == 0 && z->has_footer)
			return posix_offset(&z->footer, t);
		return z->types[0];
	}
	if (t >= z->trans[z->ntrans - 1] && z->has_footer)
		return posix_offset(&z->footer, t);
	size_t lo = 0, hi = z->ntrans; /* last trans <= t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->types[z->idx[lo]];
}

int64_t rc_zone_to_local(const struct rc_zone *z, int64_t t)
{
	return t + rc_zone_offset(z, t);
}

int64_t rc_zone_from_local(const struct rc_zone *z, int64_t local)
{
	/* Offsets a day before and after: with at most one change in between
	 * (true of every zone), the candidates are these two. */
	int oe = rc_zone_offset(z, local - 86400), ol = rc_zone_offset(z, local + 86400);
	int64_t te = local - oe, tl = local - ol;
	if (oe == ol) {
		/* A change and its reversal within the window: check directly. */
		int o = rc_zone_offset(z, te);
		return o == oe ? te : local - o;
	}
	int ve = rc_zone_offset(z, te) == oe, vl = rc_zone_offset(z, tl) == ol;
	if (ve && vl)
		return te < tl ? te : tl; /* repeated: first occurrence */
	if (vl)
		return tl;
	return te; /* valid before the change, or in the gap: offset before it */
}
