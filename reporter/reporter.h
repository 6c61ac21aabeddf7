/* reporter/: compliance reports, rendering, mail.
 * The only header replyclock.c and check.c include from reporter. */
#ifndef RC_REPORTER_H
#define RC_REPORTER_H

#include "tracker/cli.h"
#include "tracker/config.h"

int cmd_report(const struct cli *cli, int argc, char **argv);

/* Connects to the SMTP server of [report] (TLS verified, AUTH when set),
 * says EHLO and QUIT (for `check`). 0, or an exit code with *err. */
int reporter_check_smtp(const struct config *cfg, char **err);

#endif
