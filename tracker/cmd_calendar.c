/* `replyclock calendar NAME`: shows a calendar's open hours and closures day
 * by day (to check a holiday file), or computes business time with it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tracker/calendar.h"
#include "tracker/commands.h"
#include "tracker/log.h"
#include "tracker/util.h"

static void usage(void)
{
	fprintf(stderr, "usage: replyclock calendar NAME [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
			"       replyclock calendar NAME --between T1 T2\n"
			"       replyclock calendar NAME --due T DURATION\n"
			"T: ISO 8601 (2026-04-02T09:30:00+02:00, ...Z) or local time in the calendar's zone "
			"(2026-04-02T09:30 or '2026-04-02 09:30'); DURATION: 4h, 2h30m, 90m, 1d2h\n");
}

/* Parses an ISO 8601 instant; without an offset, local time in cal's zone. */
static int parse_time(const struct calendar *cal, const char *s, time_t *out)
{
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	const char *p = s + n;
	if (*p == 'T' || *p == ' ') {
		int m2 = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &m2) != 2)
			return -1;
		p += 1 + m2;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &se, &m2) != 1)
				return -1;
			p += 1 + m2;
		}
	}
	if (h > 24 || mi > 59 || se > 60)
		return -1;
	if (!*p) {
		*out = calendar_from_local(cal, y, mo, d, h, mi, se);
		return 0;
	}
	int off = 0;
	if (*p == 'Z' && !p[1])
		off = 0;
	else if ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1])) {
		int oh = 0, om = 0;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 && sscanf(p + 1, "%2d%2d", &oh, &om) < 1)
			return -1;
		off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
	} else
		return -1;
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = se };
	*out = timegm(&tm) - off;
	return 0;
}

static void fmt_instant(const struct calendar *cal, time_t t, char *buf, size_t cap)
{
	struct tm tm;
	int off = calendar_utc_offset(cal, t), a = off < 0 ? -off : off;
	calendar_local_tm(cal, t, &tm);
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

static void fmt_duration(int64_t s, char *buf, size_t cap)
{
	snprintf(buf, cap, "%lldh%02lldm%02llds", (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
}

/* Local clock time of t on the day that starts at day_start ("24:00" at the next midnight). */
static void fmt_clock(const struct calendar *cal, time_t t, time_t day_end, char *buf, size_t cap)
{
	struct tm tm;
	if (t >= day_end) {
		snprintf(buf, cap, "24:00");
		return;
	}
	calendar_local_tm(cal, t, &tm);
	if (tm.tm_sec)
		snprintf(buf, cap, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(buf, cap, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

static void print_day(const struct calendar *cal, int y, int m, int d)
{
	static const char *wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	struct calendar_day day;
	struct tm tm;
	char a[32], b[32], dur[32];
	calendar_day(cal, y, m, d, &day);
	calendar_local_tm(cal, day.day_start, &tm);
	int64_t total = 0;
	printf("%04d-%02d-%02d %s ", y, m, d, wd[tm.tm_wday]);
	for (size_t i = 0; i < day.n_open; i++) {
		fmt_clock(cal, day.open[i].start, day.day_end, a, sizeof a);
		fmt_clock(cal, day.open[i].end, day.day_end, b, sizeof b);
		printf(" %s-%s", a, b);
		total += day.open[i].end - day.open[i].start;
	}
	fmt_duration(total, dur, sizeof dur);
	printf(day.n_open ? "  (%s)\n" : " closed\n", dur);
	for (size_t i = 0; i < day.n_closures; i++) {
		const struct calendar_closure *c = &day.closures[i];
		fmt_instant(cal, c->start, a, sizeof a);
		fmt_instant(cal, c->end, b, sizeof b);
		printf("    closure \"%s\" %s .. %s  (%s:%d)\n", c->summary, a, b, c->file, c->line);
	}
	calendar_day_free(&day);
}

static int list_days(const struct calendar *cal, const char *from, const char *to)
{
	time_t now = time(NULL), f, t;
	if (from && parse_time(cal, from, &f) < 0) {
		fprintf(stderr, "replyclock calendar: bad --from '%s' (expected YYYY-MM-DD)\n", from);
		return RC_EX_USAGE;
	}
	if (!from)
		f = now;
	if (to && parse_time(cal, to, &t) < 0) {
		fprintf(stderr, "replyclock calendar: bad --to '%s' (expected YYYY-MM-DD)\n", to);
		return RC_EX_USAGE;
	}
	if (!to)
		t = f + 13 * 86400;
	if (t < f || t - f > 3700LL * 86400) {
		fprintf(stderr, "replyclock calendar: --to must be after --from, within 10 years\n");
		return RC_EX_USAGE;
	}
	printf("calendar %s  time zone %s  digest %s\n", calendar_name(cal), calendar_timezone(cal),
	       calendar_digest(cal));
	for (size_t i = 0; i < calendar_n_warnings(cal); i++) {
		const char *file;
		int line;
		const char *w = calendar_warning(cal, i, &file, &line);
		printf("warning: %s:%d: %s\n", file, line, w);
	}
	struct tm a, b;
	calendar_local_tm(cal, f, &a);
	calendar_local_tm(cal, t, &b);
	/* Walk local dates through timegm's normalisation (UTC date arithmetic). */
	struct tm cur = { .tm_year = a.tm_year, .tm_mon = a.tm_mon, .tm_mday = a.tm_mday, .tm_hour = 12 };
	time_t c = timegm(&cur), end = timegm(&(struct tm){ .tm_year = b.tm_year, .tm_mon = b.tm_mon, .tm_mday = b.tm_mday, .tm_hour = 12 });
	for (; c <= end; c += 86400) {
		gmtime_r(&c, &cur);
		print_day(cal, cur.tm_year + 1900, cur.tm_mon + 1, cur.tm_mday);
	}
	return 0;
}

static int compute(const struct calendar *cal, const char *opt, const char *x, const char *y)
{
	time_t a, b;
	char buf[64];
	if (parse_time(cal, x, &a) < 0) {
		fprintf(stderr, "replyclock calendar: bad time '%s'\n", x);
		usage();
		return RC_EX_USAGE;
	}
	if (!strcmp(opt, "--between")) {
		if (parse_time(cal, y, &b) < 0) {
			fprintf(stderr, "replyclock calendar: bad time '%s'\n", y);
			return RC_EX_USAGE;
		}
		int64_t s = calendar_business_seconds(cal, a, b);
		fmt_duration(s, buf, sizeof buf);
		printf("%lld seconds (%s)\n", (long long)s, buf);
		return 0;
	}
	long secs = config_parse_duration(y);
	if (secs < 0) {
		fprintf(stderr, "replyclock calendar: bad duration '%s' (e.g. 4h, 2h30m, 90m)\n", y);
		return RC_EX_USAGE;
	}
	char *err = NULL;
	time_t due;
	if (calendar_due_at(cal, a, secs, &due, &err) < 0) {
		fprintf(stderr, "replyclock calendar: %s\n", err);
		free(err);
		return RC_EX_DATAERR;
	}
	fmt_instant(cal, due, buf, sizeof buf);
	printf("%s\n", buf);
	return 0;
}

int cmd_calendar(const struct cli *cli, int argc, char **argv)
{
	const char *name = NULL, *from = NULL, *to = NULL, *op = NULL, *x = NULL, *y = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((!strcmp(a, "--from") || !strcmp(a, "--to")) && i + 1 < argc)
			*(a[2] == 'f' ? &from : &to) = argv[++i];
		else if ((!strcmp(a, "--between") || !strcmp(a, "--due")) && i + 2 < argc && !op) {
			op = a;
			x = argv[++i];
			y = argv[++i];
		} else if (a[0] != '-' && !name)
			name = a;
		else {
			fprintf(stderr, "replyclock calendar: unexpected argument '%s'\n", a);
			usage();
			return RC_EX_USAGE;
		}
	}
	if (!name || (op && (from || to))) {
		usage();
		return RC_EX_USAGE;
	}
	int rc = 0;
	struct config *cfg = cli_load_config(cli, &rc);
	if (!cfg)
		return rc;
	const struct cfg_calendar *cc = config_calendar(cfg, name);
	if (!cc) {
		fprintf(stderr, "replyclock calendar: no [calendar %s] in %s\n", name, cli->config_path);
		config_free(&cfg);
		return RC_EX_CONFIG;
	}
	char *err = NULL;
	struct calendar *cal = calendar_build(cc, &err);
	if (!cal) {
		fprintf(stderr, "replyclock calendar: %s\n", err);
		free(err);
		config_free(&cfg);
		return RC_EX_CONFIG;
	}
	rc = op ? compute(cal, op, x, y) : list_days(cal, from, to);
	calendar_free(&cal);
	config_free(&cfg);
	return rc;
}
