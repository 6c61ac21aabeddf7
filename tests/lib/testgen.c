/* Finding and running the traffic generator (build/rc-gen) from test suites. */
#include "tests/lib/testgen.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char gen_bin[PATH_MAX];

const char *testgen_locate(const char *argv0)
{
	const char *env = getenv("RC_GEN_BIN");
	if (env) {
		snprintf(gen_bin, sizeof gen_bin, "%s", env);
	} else {
		char self[PATH_MAX];
		snprintf(self, sizeof self, "%s", argv0);
		snprintf(gen_bin, sizeof gen_bin, "%s/../rc-gen", dirname(self));
		if (access(gen_bin, X_OK) != 0)
			snprintf(gen_bin, sizeof gen_bin, "build/rc-gen");
	}
	if (access(gen_bin, X_OK) != 0) {
		fprintf(stderr, "%s: generator %s not found (set RC_GEN_BIN)\n", argv0, gen_bin);
		return NULL;
	}
	return gen_bin;
}

int testgen_run(const char *errfile, const char *const *args)
{
	const char *argv[64];
	int n = 0;
	argv[n++] = gen_bin;
	for (; *args && n < 63; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(errfile ? errfile : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		execv(gen_bin, (char *const *)argv);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

long long testgen_wall_epoch(int year, int month, int day, int hour, int min, int sec, int zone)
{
	struct tm tm = { 0 };
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	int z = zone < 0 ? -zone : zone, sign = zone < 0 ? -1 : 1;
	return (long long)timegm(&tm) - sign * (z / 100 * 3600 + z % 100 * 60);
}
