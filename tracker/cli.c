/* Shared start-up steps of the subcommands: config and store, exit codes. */
#include "tracker/cli.h"
#include "tracker/log.h"
#include "tracker/util.h"

#include <stdlib.h>

struct config *cli_load_config(const struct cli *cli, int *exit_code)
{
	char *err = NULL;
	struct config *cfg = config_load(cli->config_path, &err);
	if (!cfg) {
		log_error("%s", err ? err : "cannot load configuration");
		free(err);
		*exit_code = RC_EX_CONFIG;
	}
	return cfg;
}

struct store *cli_open_store(const struct config *cfg, int *exit_code)
{
	char *err = NULL;
	struct store *s = store_open(cfg->db_conninfo, &err);
	if (!s) {
		log_error("%s", err);
		free(err);
		*exit_code = RC_EX_UNAVAILABLE;
		return NULL;
	}
	int r = store_check_schema(s, &err);
	if (r != STORE_OK) {
		log_error("%s", err);
		free(err);
		store_close(&s);
		/* behind: run db migrate; FINAL: the database is newer than this
		 * binary or was migrated by another build, retrying cannot help */
		*exit_code = r == STORE_BEHIND ? RC_EX_CONFIG
			     : r == STORE_FINAL ? RC_EX_DATAERR : RC_EX_UNAVAILABLE;
		return NULL;
	}
	return s;
}
