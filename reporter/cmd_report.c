/* `replyclock report`: options, period and as-of in the report time zone;
 * aggregates the period (aggregate.c), stores the run (report_store.c),
 * prints it in the chosen format and with --mail sends the summaries
 * (report_deliver.c). */
#include "reporter/render.h"
#include "reporter/report_db.h"
#include "reporter/report_deliver.h"
#include "reporter/reporter.h"
#include "reporter/reporter_p.h"
#include "tracker/derive.h"
#include "tracker/derive_store.h"
#include "tracker/log.h"
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
	const char *format_name;
	bool mail, force, help;
};

static int usage(void)
{
	fprintf(stderr, "usage: replyclock report [--period SPEC] [--as-of TIME] [--customer NAME]\n"
			"                         [--format text|html|csv|json] [--mail [--force]]\n"
			"  SPEC: last-week (default), this-week, last-month, this-month, 2026-W14,\n"
			"        2026-04, 2026-04-01..2026-04-15 (both dates included)\n"
			"  TIME: ISO 8601, e.g. 2026-04-07T07:00:00+02:00, or local time in [report] timezone\n"
			"  Computes compliance for the period as of TIME (default now), stores the run in\n"
			"  PostgreSQL and prints it. --mail sends the team summary to [report] to and each\n"
			"  customer's own summary to its report_to, once per period and recipient\n"
			"  (--force: again); with --customer only that customer's own summary.\n"
			"  Exit: 0 ok, 64 usage, 69 database or SMTP server unavailable, 78 configuration.\n");
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
	a->format_name = "text";
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': a->period = optarg; break;
		case 'a': a->as_of = optarg; break;
		case 'C': a->customer = optarg; break;
		case 'm': a->mail = true; break;
		case 'F': a->force = true; break;
		case 'f':
			a->format_name = optarg;
			if (strcmp(optarg, "text") == 0) a->format = FMT_TEXT;
			else if (strcmp(optarg, "html") == 0) a->format = FMT_HTML;
			else if (strcmp(optarg, "csv") == 0) a->format = FMT_CSV;
			else if (strcmp(optarg, "json") == 0) a->format = FMT_JSON;
			else {
				a->format_name = NULL;
				fprintf(stderr, "replyclock report: unknown format '%s' (text, html, csv or json)\n",
					optarg);
				return -1;
			}
			break;
		case 'h': a->help = true; break;
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


/* Everything a run needs besides the arguments; freed by ctx_free(). */
struct ctx {
	const struct report_args *a;
	struct config *cfg;
	const struct rc_tz *tz;
	struct rc_period period;
	time_t as_of, now;
	struct calendar_set cals;
	bool have_cals;
	struct store *s;
	struct rc_report *r;
};

static void ctx_free(struct ctx *c)
{
	rc_report_free(&c->r);
	store_close(&c->s);
	if (c->have_cals)
		calendar_set_free(&c->cals);
	config_free(&c->cfg);
}

/* Time zone, as-of, period, customer and recipients, before anything is
 * read or stored. */
static int validate(struct ctx *c)
{
	const struct report_args *a = c->a;
	const struct config *cfg = c->cfg;
	char *err = NULL;
	int code = RC_EX_OK;

	c->now = c->as_of = time(NULL);
	if (!(c->tz = rc_tz_get(cfg->report.timezone ? cfg->report.timezone : "UTC", &err))) {
		fprintf(stderr, "replyclock report: %s: [report] timezone: %s\n", cfg->path, err);
		code = RC_EX_CONFIG;
	} else if (a->as_of && rc_parse_instant(a->as_of, c->tz, &c->as_of, &err) < 0) {
		fprintf(stderr, "replyclock report: --as-of: %s\n", err);
		code = RC_EX_USAGE;
	} else if (c->as_of > c->now) {
		fprintf(stderr, "replyclock report: --as-of %s is in the future: a report judges what "
				"has happened\n", a->as_of);
		code = RC_EX_USAGE;
	} else if (rc_period_parse(a->period, c->as_of, c->tz, &c->period, &err) < 0) {
		fprintf(stderr, "replyclock report: --period: %s\n", err);
		code = RC_EX_USAGE;
	} else if (a->customer && !config_customer(cfg, a->customer) &&
		   strcmp(a->customer, "unassigned")) {
		fprintf(stderr, "replyclock report: --customer %s: no [customer %s] in %s\n", a->customer,
			a->customer, cfg->path);
		code = RC_EX_USAGE;
	} else if (a->mail && !rc_deliver_has_recipients(cfg, a->customer)) {
		if (a->customer)
			fprintf(stderr, "replyclock report: --mail --customer %s: that customer has no "
					"report_to in %s (with --customer only its own summary is mailed)\n",
				a->customer, cfg->path);
		else
			fprintf(stderr, "replyclock report: --mail: %s: nobody to mail: set [report] to "
					"(or report_to of a customer)\n", cfg->path);
		code = a->customer ? RC_EX_USAGE : RC_EX_CONFIG;
	}
	free(err);
	return code;
}

/* Calendars (lateness is business time) and the database. */
static int open_sources(struct ctx *c, char *derived_digest, bool *current)
{
	char *err = NULL;
	int code = RC_EX_OK;

	if (calendar_set_build(c->cfg, &c->cals, &err) < 0) {
		log_error("%s", err);
		free(err);
		return RC_EX_CONFIG;
	}
	c->have_cals = true;
	if (!(c->s = cli_open_store(c->cfg, &code)))
		return code;
	derive_config_digest(c->cfg, &c->cals, derived_digest);
	if (derive_store_is_current(c->s, c->cfg, &c->cals, current, &err) != STORE_OK) {
		log_error("%s", err);
		free(err);
		return RC_EX_UNAVAILABLE;
	}
	if (!*current)
		log_warn("the stored requests were computed from another configuration or calendar "
			 "version than %s: figures use them as they are; run `replyclock recompute` "
			 "(or a poll) to bring them up to date", c->cfg->path);
	return RC_EX_OK;
}

static char *render(const struct rc_report *r, enum report_format f)
{
	switch (f) {
	case FMT_HTML: return rc_render_html(r);
	case FMT_CSV: return rc_render_csv(r);
	case FMT_JSON: return rc_render_json(r);
	case FMT_TEXT: break;
	}
	return rc_render_text(r);
}

static int run(struct ctx *c)
{
	struct rc_agg_in in = {.cfg = c->cfg, .cals = &c->cals, .tz = c->tz, .period = c->period,
			       .as_of = c->as_of, .generated_at = c->now, .customer = c->a->customer};
	char derived[65], *err = NULL, *doc;
	bool current = true;
	int code;

	in.timezone = c->cfg->report.timezone ? c->cfg->report.timezone : "UTC";
	if ((code = open_sources(c, derived, &current)))
		return code;
	struct rc_run_meta meta = {.customer_filter = c->a->customer, .format = c->a->format_name,
				   .mail = c->a->mail, .force = c->a->force,
				   .config_path = c->cfg->path, .config_digest = c->cfg->digest,
				   .derived_digest = derived, .derived_current = current};
	if ((code = rc_aggregate(c->s, &in, &c->r, &err)) ||
	    (code = rc_store_run(c->s, c->r, &meta, &err))) {
		log_error("report %s: %s", c->period.label, err);
		free(err);
		return code;
	}
	doc = render(c->r, c->a->format);
	if (fputs(doc, stdout) == EOF || fflush(stdout) == EOF) {
		log_error("report %s: writing to standard output failed", c->period.label);
		code = RC_EX_IOERR;
	}
	free(doc);
	if (c->a->mail) {
		struct rc_deliver_in din = {.cfg = c->cfg, .s = c->s, .r = c->r,
					    .customer = c->a->customer, .force = c->a->force};
		int mc = rc_deliver(&din);
		if (mc)
			code = mc;
	}
	return code;
}

int cmd_report(const struct cli *cli, int argc, char **argv)
{
	struct report_args a;
	struct ctx c = {.a = &a};
	int code = RC_EX_OK;

	if (parse_args(argc, argv, &a) < 0)
		return usage();
	if (a.help) {
		usage();
		return RC_EX_OK;
	}
	if (!(c.cfg = cli_load_config(cli, &code)))
		return code;
	if (!(code = validate(&c)))
		code = run(&c);
	ctx_free(&c);
	return code;
}
