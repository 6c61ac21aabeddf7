/* The tracker's subcommands (each in its own cmd_*.c file). */
#ifndef RC_COMMANDS_H
#define RC_COMMANDS_H

#include "tracker/cli.h"

int cmd_db(const struct cli *cli, int argc, char **argv);
int cmd_calendar(const struct cli *cli, int argc, char **argv);
int cmd_recompute(const struct cli *cli, int argc, char **argv);

#endif
