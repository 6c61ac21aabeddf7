/* Parsers for configuration values (durations, targets, hours, addresses,
 * dates, URLs): pure functions, no file or line; the reader adds those. */
#include "tracker/config_p.h"
#include "tracker/util.h"

#include <ctype.h>
#include <errno.h>
#include <libical/ical.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest duration accepted: ten years, so seconds always fit an int64 and
 * poll_interval-like fields never overflow when converted. */
#define MAX_DURATION (3650L * 86400L)

long config_parse_duration(const char *s)
{
	static const struct { char unit; long mult; } units[] = {
		{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
	};
	size_t next_unit = 0;
	long total = 0;

	if (!s || !*s)
		return -1;
	while (*s) {
		if (!isdigit((unsigned char)*s))
			return -1;
		long n = 0;
		while (isdigit((unsigned char)*s)) {
			n = n * 10 + (*s++ - '0');
			if (n > MAX_DURATION)
				return -1;
		}
		/* Units must come largest first and at most once: "2h30m", not "30m2h". */
		size_t u = next_unit;
		while (u < 4 && units[u].unit != *s)
			u++;
		if (u == 4)
			return -1;
		s++;
		next_unit = u + 1;
		total += n * units[u].mult;
		if (total > MAX_DURATION)
			return -1;
	}
	return total;
}

/* "HH:MM" with HH 00-23 (or 24:00 when allow24), exactly two digits each. */
int cv_parse_hhmm(const char *s, size_t len, int allow24, int *minutes)
{
	if (len != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0');
	int m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59)
		return -1;
	if (h == 24 && m == 0 && allow24) {
		*minutes = 1440;
		return 0;
	}
	if (h > 23)
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

int cv_parse_target(const char *s, int allow_none, struct target *t, char **err)
{
	memset(t, 0, sizeof *t);
	if (!*s) {
		if (allow_none)
			return 0;
		*err = xstrdup("a target is required, e.g. 4h or \"same-day 12:00\"");
		return -1;
	}
	if (strncasecmp(s, "same-day", 8) == 0) {
		const char *p = s + 8;
		int min;
		if (!isspace((unsigned char)*p))
			goto bad;
		while (isspace((unsigned char)*p))
			p++;
		if (cv_parse_hhmm(p, strlen(p), 1, &min) < 0 || min == 0) {
			*err = xasprintf("bad cut-off in '%s'; write same-day HH:MM, e.g. same-day 12:00", s);
			return -1;
		}
		t->kind = TARGET_SAME_DAY;
		t->hour = min / 60;
		t->minute = min % 60;
		return 0;
	}
	long d = config_parse_duration(s);
	if (d > 0) {
		t->kind = TARGET_DURATION;
		t->seconds = d;
		return 0;
	}
	if (d == 0) {
		*err = xasprintf("target '%s' is zero; give a positive business time such as 4h", s);
		return -1;
	}
bad:
	*err = xasprintf("bad target '%s'; write a business time like 4h, 90m, 2h30m or \"same-day 12:00\"", s);
	return -1;
}

int cv_parse_pct(const char *s, double *out, char **err)
{
	size_t len = strlen(s);
	char *end;
	if (len < 2 || s[len - 1] != '%' || !isdigit((unsigned char)s[0]))
		goto bad;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end != s + len - 1 || v < 0 || v > 100)
		goto bad;
	*out = v;
	return 0;
bad:
	*err = xasprintf("bad percentage '%s'; write a number from 0 to 100 followed by %%, e.g. 95%%", s);
	return -1;
}

int cv_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

/* "YYYY-MM-DD" to the UTC midnight that starts it. */
int cv_parse_date(const char *s, time_t *out)
{
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return -1;
	}
	if (s[10])
		return -1;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };
	*out = timegm(&tm);
	return 0;
}

/* Day names; index 0 = Monday, matching hours_interval.days bit 0. */
static int parse_day(const char *s, size_t len)
{
	static const char *const names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
	if (len != 3)
		return -1;
	for (int i = 0; i < 7; i++)
		if (strncasecmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

/* A day spec: "mon", or a range "mon-fri"; a range may wrap past Sunday
 * ("fri-mon" = Fri, Sat, Sun, Mon). Returns the bit set, 0 when bad. */
static unsigned parse_days(const char *s, size_t len)
{
	const char *dash = memchr(s, '-', len);
	int a, b;
	if (!dash) {
		a = b = parse_day(s, len);
	} else {
		a = parse_day(s, (size_t)(dash - s));
		b = parse_day(dash + 1, len - (size_t)(dash - s) - 1);
	}
	if (a < 0 || b < 0)
		return 0;
	unsigned days = 0;
	for (int d = a;; d = (d + 1) % 7) {
		days |= 1u << d;
		if (d == b)
			break;
	}
	return days;
}

/* One item: "DAYS HH:MM-HH:MM [HH:MM-HH:MM ...]" appended to *v. */
static int parse_hours_item(const char *item, struct hours_interval **v, size_t *n, char **err)
{
	const char *p = item;
	while (isspace((unsigned char)*p))
		p++;
	const char *ds = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	unsigned days = parse_days(ds, (size_t)(p - ds));
	if (!days) {
		*err = xasprintf("bad days in '%s'; write mon, mon-fri or sat-sun (English three-letter names)",
				 item);
		return -1;
	}
	int ranges = 0;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *rs = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		size_t rlen = (size_t)(p - rs);
		int a, b;
		if (rlen != 11 || rs[5] != '-' || cv_parse_hhmm(rs, 5, 0, &a) < 0 ||
		    cv_parse_hhmm(rs + 6, 5, 1, &b) < 0) {
			*err = xasprintf("bad time range in '%s'; write HH:MM-HH:MM, e.g. 08:00-16:00", item);
			return -1;
		}
		if (a >= b) {
			*err = xasprintf("time range in '%s' ends before it starts; an interval past midnight "
					 "is written as two, e.g. mon 22:00-24:00, tue 00:00-06:00", item);
			return -1;
		}
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[*n] = (struct hours_interval){ .days = days, .start_min = a, .end_min = b };
		(*n)++;
		ranges++;
	}
	if (!ranges) {
		*err = xasprintf("no time range in '%s'; write e.g. mon-fri 08:00-16:00", item);
		return -1;
	}
	return 0;
}

/* Overlapping intervals are almost always a typo ("mon-fri" and "fri"). */
static int check_overlaps(const struct hours_interval *v, size_t n, char **err)
{
	static const char *const names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			unsigned common = v[i].days & v[j].days;
			if (!common || v[i].end_min <= v[j].start_min || v[j].end_min <= v[i].start_min)
				continue;
			int d = __builtin_ctz(common);
			*err = xasprintf("open hours overlap on %s (%02d:%02d-%02d:%02d and %02d:%02d-%02d:%02d); "
					 "list each day's hours once", names[d],
					 v[i].start_min / 60, v[i].start_min % 60, v[i].end_min / 60,
					 v[i].end_min % 60, v[j].start_min / 60, v[j].start_min % 60,
					 v[j].end_min / 60, v[j].end_min % 60);
			return -1;
		}
	return 0;
}

/* The `hours` syntax: comma-separated items "DAYS RANGE [RANGE ...]".
 * DAYS: mon..sun (any case), or a range "mon-fri" that may wrap ("fri-mon").
 * RANGE: HH:MM-HH:MM in local wall time, minute precision, start < end, the
 * end may be 24:00; past midnight is two items. Overlaps are refused. */
int cv_parse_hours_list(const struct strlist *items, struct hours_interval **out, size_t *n, char **err)
{
	struct hours_interval *v = NULL;
	size_t k = 0;
	for (size_t i = 0; i < items->n; i++) {
		if (parse_hours_item(items->v[i], &v, &k, err) < 0)
			goto fail;
	}
	if (k == 0) {
		*err = xstrdup("no open hours; write e.g. hours = mon-fri 08:00-16:00");
		goto fail;
	}
	if (check_overlaps(v, k, err) < 0)
		goto fail;
	*out = v;
	*n = k;
	return 0;
fail:
	free(v);
	return -1;
}

int config_parse_hours(const char *s, struct hours_interval **out, size_t *n, char **err)
{
	struct strlist items = { 0 };
	char *copy = xstrdup(s);
	for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		items.v = xrealloc(items.v, (items.n + 1) * sizeof *items.v);
		items.v[items.n++] = tok;
	}
	int r = cv_parse_hours_list(&items, out, n, err);
	free(items.v);
	free(copy);
	return r;
}

static int valid_domain(const char *d)
{
	size_t label = 0;
	if (!*d || *d == '.' || *d == '-')
		return 0;
	for (const char *p = d; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-' || (unsigned char)*p >= 0x80) {
			label++;
		} else {
			return 0;
		}
	}
	return label > 0;
}

/* "@domain" or "local@domain"; lower-cases s in place. */
int cv_check_address(char *s, char **err)
{
	char *at = strchr(s, '@');
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (at && !strchr(at + 1, '@') && valid_domain(at + 1)) {
		int ok = 1;
		for (char *p = s; p < at; p++)
			if ((unsigned char)*p <= ' ' || strchr("<>()[]\\,;:\"", *p))
				ok = 0;
		if (ok)
			return 0;
	}
	*err = xasprintf("'%s' is not an address; write local@domain, or @domain for a whole domain", s);
	return -1;
}

/* "Display Name <local@domain>" or a bare address; the address must be exact. */
int cv_check_mailbox_address(const char *s, char **err)
{
	const char *lt = strrchr(s, '<');
	char *addr;
	if (lt) {
		const char *gt = strchr(lt, '>');
		if (!gt || gt[1]) {
			*err = xasprintf("bad address '%s'; write Name <local@domain> or local@domain", s);
			return -1;
		}
		addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	} else {
		addr = xstrdup(s);
	}
	int r = addr[0] != '@' ? cv_check_address(addr, err) : -1;
	if (r < 0 && !*err)
		*err = xasprintf("'%s' is a domain; the sender must be one address, local@domain", s);
	free(addr);
	return r;
}

int cv_check_timezone(const char *name)
{
	if (!*name || name[0] == '/' || strstr(name, ".."))
		return -1;
	if (strcmp(name, "UTC") == 0)
		return 0;
	return icaltimezone_get_builtin_timezone(name) ? 0 : -1;
}

int cv_is_loopback(const char *host)
{
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0)
		return 1;
	/* 127.0.0.0/8 in dotted-quad form only. */
	int a, b, c, d;
	char tail;
	if (sscanf(host, "%d.%d.%d.%d%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b >= 0 && b < 256 &&
	    c >= 0 && c < 256 && d >= 0 && d < 256)
		return 1;
	return 0;
}

/* smtp://host[:port][/] or smtps://...; host may be [IPv6]. */
int cv_parse_smtp_url(const char *url, char **host, int *port, int *implicit_tls, char **err)
{
	const char *p;
	if (strncasecmp(url, "smtp://", 7) == 0) {
		*implicit_tls = 0;
		p = url + 7;
	} else if (strncasecmp(url, "smtps://", 8) == 0) {
		*implicit_tls = 1;
		p = url + 8;
	} else {
		*err = xasprintf("'%s' must start with smtp:// (STARTTLS) or smtps:// (TLS)", url);
		return -1;
	}
	size_t len = strcspn(p, "/");
	if (p[len] && strcmp(p + len, "/") != 0)
		goto bad;
	if (memchr(p, '@', len)) {
		*err = xstrdup("the URL must not contain a user name or password; use smtp_username and "
			       "smtp_password_file");
		return -1;
	}
	const char *hend, *colon = NULL;
	if (*p == '[') {
		hend = memchr(p, ']', len);
		if (!hend)
			goto bad;
		hend++;
		if (hend < p + len && *hend != ':')
			goto bad;
		colon = hend < p + len ? hend : NULL;
	} else {
		colon = memchr(p, ':', len);
		hend = colon ? colon : p + len;
	}
	if (hend == p)
		goto bad;
	*port = 0;
	if (colon) {
		char *end;
		long v = strtol(colon + 1, &end, 10);
		if (end != p + len || colon + 1 == end || v < 1 || v > 65535)
			goto bad;
		*port = (int)v;
	}
	if (*p == '[')
		*host = xstrndup(p + 1, (size_t)(hend - p - 2));
	else
		*host = xstrndup(p, (size_t)(hend - p));
	for (char *h = *host; *h; h++)
		if ((unsigned char)*h <= ' ') {
			free(*host);
			*host = NULL;
			goto bad;
		}
	return 0;
bad:
	*err = xasprintf("bad URL '%s'; write smtp://host[:port] or smtps://host[:port]", url);
	return -1;
}

/* An IMAP keyword is an atom (RFC 3501): no spaces, specials or control characters. */
int cv_check_keyword(const char *s)
{
	if (!*s)
		return -1;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("(){%*\"\\]", *p))
			return -1;
	return 0;
}

/* Section/customer names: letters, digits, '_', '-', '.'. */
int cv_check_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return -1;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-.", *p))
			return -1;
	return 0;
}

size_t cv_levenshtein(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return SIZE_MAX;
	size_t prev[64], cur[64];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof *prev);
	}
	return prev[lb];
}
