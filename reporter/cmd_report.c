/* Placeholder until this part is built: says so and fails cleanly. */
#include "reporter/reporter.h"
#include <stdio.h>
int cmd_report(const struct cli *cli, int argc, char **argv)
{
	(void)cli; (void)argc;
	fprintf(stderr, "replyclock: '%s' is not built yet (see README)\n", argv[0]);
	return 70;
}
