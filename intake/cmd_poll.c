/* Placeholder until this part is built: says so and fails cleanly. */
#include "intake/intake.h"
#include <stdio.h>
int cmd_poll(const struct cli *cli, int argc, char **argv)
{
	(void)cli; (void)argc;
	fprintf(stderr, "replyclock: '%s' is not built yet (see README)\n", argv[0]);
	return 70;
}
#include "tracker/util.h"
int intake_check_mailbox(const struct config *cfg, const struct cfg_mailbox *mb, char **err)
{
	(void)cfg;
	*err = xasprintf("mailbox %s: IMAP client not built yet", mb->name);
	return 70;
}
