/* `replyclock recompute [--customer NAME]`: rebuild the derived layer from facts + configuration. */
#include "tracker/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tracker/derive.h"
#include "tracker/derive_store.h"
#include "tracker/log.h"
#include "tracker/util.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: replyclock recompute [--customer NAME]\n\n"
		   "Rebuilds logical messages, conversations and SLA requests from the stored\n"
		   "messages and the current configuration and calendars, in one transaction.\n"
		   "Idempotent. Threading needs every message, so the whole derived layer is\n"
		   "rebuilt; --customer only checks that NAME exists and reports its requests.\n"
		   "Exit: 0 ok, 64 usage, 65 bad data, 69 database unavailable, 78 configuration.\n");
}

static int parse_args(int argc, char **argv, const char **customer)
{
	*customer = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--customer") && i + 1 < argc)
			*customer = argv[++i];
		else if (!strncmp(argv[i], "--customer=", 11))
			*customer = argv[i] + 11;
		else {
			fprintf(stderr, "replyclock recompute: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return RC_EX_USAGE;
		}
	}
	return -1;
}

static int run(const struct config *cfg, const char *customer)
{
	int code = 0;
	char *err = NULL;
	struct calendar_set cals;
	if (calendar_set_build(cfg, &cals, &err) < 0) {
		log_error("%s", err);
		free(err);
		return RC_EX_CONFIG;
	}
	struct store *s = cli_open_store(cfg, &code);
	if (!s) {
		calendar_set_free(&cals);
		return code;
	}
	struct derive_stats st;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = derive_store_recompute(s, cfg, &cals, &st, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r != STORE_OK) {
		log_error("%s", err);
		free(err);
		code = r == STORE_FINAL ? RC_EX_DATAERR : RC_EX_UNAVAILABLE;
	} else {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("recomputed %zu sightings: %zu messages, %zu conversations, %zu requests "
		       "in %.2f s%s%s\n",
		       st.sightings, st.messages, st.conversations, st.requests, secs,
		       customer ? "; customer " : "", customer ? customer : "");
	}
	store_close(&s);
	calendar_set_free(&cals);
	return code;
}

int cmd_recompute(const struct cli *cli, int argc, char **argv)
{
	const char *customer;
	int code = parse_args(argc, argv, &customer);
	if (code >= 0)
		return code;
	struct config *cfg = cli_load_config(cli, &code);
	if (!cfg)
		return code;
	if (customer && strcmp(customer, "unassigned") && !config_customer(cfg, customer)) {
		fprintf(stderr, "replyclock recompute: %s: no [customer %s] in the configuration\n",
			cfg->path, customer);
		config_free(&cfg);
		return RC_EX_USAGE;
	}
	code = run(cfg, customer);
	config_free(&cfg);
	return code;
}
