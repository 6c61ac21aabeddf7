/* What main() hands every subcommand: global options, and the shared way to
 * load the configuration and open the store with the right exit codes. */
#ifndef RC_CLI_H
#define RC_CLI_H

#include "tracker/config.h"
#include "tracker/store.h"

struct cli {
	const char *config_path;   /* -c, $REPLYCLOCK_CONFIG, or the default */
	int verbosity;             /* -q = -1, -v = +1, -vv = +2 */
};

/* A subcommand: argv[0] is the subcommand's name; returns an exit code. */
typedef int (*cli_cmd_fn)(const struct cli *cli, int argc, char **argv);

/* Loads the configuration, printing the error and setting *exit_code to 78
 * on failure (returns NULL then). */
struct config *cli_load_config(const struct cli *cli, int *exit_code);

/* Opens the store and refuses a schema that is behind (exit 78 with a hint
 * to run `replyclock db migrate`) or an unreachable server (exit 69). */
struct store *cli_open_store(const struct config *cfg, int *exit_code);

#endif
