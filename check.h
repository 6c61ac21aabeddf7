/* `replyclock check`: validate config and .ics, reach every server. */
#ifndef RC_CHECK_H
#define RC_CHECK_H

#include "tracker/cli.h"

int cmd_check(const struct cli *cli, int argc, char **argv);

#endif
