/* `replyclock report`: options, period and as-of in the report time zone,
 * format choice. The figures come from the tracker's sla_requests view;
 * until that part exists this command validates everything it can and
 * says plainly that it cannot compute figures yet. */
#include "reporter/reporter.h"
#include "reporter/reporter_p.h"
#include "tracker/util.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum report_format { FMT_TEXT, FMT_HTML, FMT_CSV, FMT_JSON };

struct report_args {
	const char *period;      /* NULL = last-week */
	const char *as_of;       /* NULL = now */
	const char *customer;    /* NULL = all */
	enum report_format format;
	bool mail, force;
};

static int usage(void)
{
	fprintf(stderr, "usage: replyclock report [--period SPEC] [--as-of TIME] [--customer NAME]\n"
			"                         [--format text|html|csv|json] [--mail [--force]]\n"
			"  SPEC: last-week (default), this-week, last-month, this-month, 2026-W14,\n"
			"        2026-04, 2026-04-01..2026-04-15 (both dates included)\n"
			"  TIME: ISO 8601, e.g. 2026-04-07T07:00:00+02:00, or local time in [report] timezone\n");
	return RC_EX_USAGE;
}

static int parse_args(int argc, char **argv, struct report_args *a)
{
	static const struct option opts[] = {
		{"period", required_argument, NULL, 'p'}, {"as-of", required_argument, NULL, 'a'},
		{"customer", required_argument, NULL, 'C'}, {"format", required_argument, NULL, 'f'},
		{"mail", no_argument, NULL, 'm'}, {"force", no_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	int c;

	memset(a, 0, sizeof *a);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': a->period = optarg; break;
		case 'a': a->as_of = optarg; break;
		case 'C': a->customer = optarg; break;
		case 'm': a->mail = true; break;
		case 'F': a->force = true; break;
		case 'f':
			if (strcmp(optarg, "text") == 0) a->format = FMT_TEXT;
			else if (strcmp(optarg, "html") == 0) a->format = FMT_HTML;
			else if (strcmp(optarg, "csv") == 0) a->format = FMT_CSV;
			else if (strcmp(optarg, "json") == 0) a->format = FMT_JSON;
			else {
				fprintf(stderr, "replyclock report: unknown format '%s' (text, html, csv or json)\n",
					optarg);
				return -1;
			}
			break;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "replyclock report: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (a->force && !a->mail) {
		fprintf(stderr, "replyclock report: --force only makes sense with --mail\n");
		return -1;
	}
	return 0;
}

int cmd_report(const struct cli *cli, int argc, char **argv)
{
	struct report_args a;
	struct config *cfg;
	const struct rc_tz *tz;
	struct rc_period period;
	time_t as_of = time(NULL);
	char *err = NULL, s[40], e[40], o[40];
	int code = RC_EX_OK;

	if (parse_args(argc, argv, &a) < 0)
		return usage();
	if (!(cfg = cli_load_config(cli, &code)))
		return code;
	if (!(tz = rc_tz_get(cfg->report.timezone, &err))) {
		fprintf(stderr, "replyclock report: %s: [report] timezone: %s\n", cfg->path, err);
		code = RC_EX_CONFIG;
	} else if (a.as_of && rc_parse_instant(a.as_of, tz, &as_of, &err) < 0) {
		fprintf(stderr, "replyclock report: --as-of: %s\n", err);
		code = RC_EX_USAGE;
	} else if (rc_period_parse(a.period, as_of, tz, &period, &err) < 0) {
		fprintf(stderr, "replyclock report: --period: %s\n", err);
		code = RC_EX_USAGE;
	} else if (a.customer && !config_customer(cfg, a.customer) && strcmp(a.customer, "unassigned")) {
		fprintf(stderr, "replyclock report: --customer %s: no [customer %s] in %s\n", a.customer,
			a.customer, cfg->path);
		code = RC_EX_USAGE;
	} else {
		/* The aggregation over replyclock.sla_requests, the stored runs
		 * and the --mail bookkeeping need the tracker's tables. */
		fprintf(stderr,
			"replyclock report: period %s [%s, %s), as of %s: computing the figures needs the "
			"tracker's requests (replyclock.sla_requests), which this build does not have yet\n",
			period.label, rc_format_iso(tz, period.start, s, sizeof s),
			rc_format_iso(tz, period.end, e, sizeof e), rc_format_iso(tz, as_of, o, sizeof o));
		code = RC_EX_SOFTWARE;
	}
	free(err);
	config_free(&cfg);
	return code;
}
