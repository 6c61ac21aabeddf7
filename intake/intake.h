/* intake/: getting messages in (IMAP poller, mbox/Maildir import).
 * The only header replyclock.c and check.c include from intake. */
#ifndef RC_INTAKE_H
#define RC_INTAKE_H

#include "tracker/cli.h"
#include "tracker/config.h"

int cmd_poll(const struct cli *cli, int argc, char **argv);
int cmd_import(const struct cli *cli, int argc, char **argv);

/* Connects and logs in to one mailbox, then logs out (for `check`).
 * Returns 0, or an exit code (69 unreachable/refused, 78 config) with a
 * malloc'd one-line *err naming the mailbox and the server's answer. */
int intake_check_mailbox(const struct config *cfg, const struct cfg_mailbox *mb, char **err);

#endif
