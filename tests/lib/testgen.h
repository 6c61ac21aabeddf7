/* Finding and running the traffic generator (build/rc-gen) from test suites. */
#ifndef RC_TESTGEN_H
#define RC_TESTGEN_H

/* Finds rc-gen: $RC_GEN_BIN, else ../rc-gen beside the test binary (argv0),
 * else build/rc-gen. Returns its path (static) or NULL after printing why. */
const char *testgen_locate(const char *argv0);
/* Runs rc-gen with ARGS (NULL-terminated, without argv[0]), its stderr to
 * ERRFILE (NULL: discarded). Returns its exit status, 128 when killed, -1
 * when it could not be run. */
int testgen_run(const char *errfile, const char *const *args);

/* A wall-clock date with its "HHMM" zone (as libetpan gives it: -500 for
 * -0500) to an instant; the tests' own conversion, independent of intake/. */
long long testgen_wall_epoch(int year, int month, int day, int hour, int min, int sec, int zone);

#endif
