/* Test runner glue: harness variables and a table-driven CUnit main(). */
#include "tests/lib/testlib.h"

#include <CUnit/Basic.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *testenv_opt(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

const char *testenv_get(const char *name)
{
	const char *v = testenv_opt(name);
	if (!v) {
		fprintf(stderr,
			"testlib: harness variable %s is not set: run this suite inside "
			"tests/harness/with-servers (e.g. `make integration`)\n", name);
		exit(1);
	}
	return v;
}

int testenv_port(const char *name)
{
	const char *v = testenv_get(name);
	char *end;
	errno = 0;
	long p = strtol(v, &end, 10);
	if (errno || *end || p < 1 || p > 65535) {
		fprintf(stderr, "testlib: %s=%s is not a port number\n", name, v);
		exit(1);
	}
	return (int)p;
}

static int selected(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return 0;
}

int testmain(int argc, char **argv, const char *suite, CU_InitializeFunc init,
	     CU_CleanupFunc cleanup, const struct testcase *tests)
{
	signal(SIGPIPE, SIG_IGN);
	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "testlib: CUnit: %s\n", CU_get_error_msg());
		return 2;
	}
	CU_pSuite s = CU_add_suite(suite, init, cleanup);
	if (!s) {
		fprintf(stderr, "testlib: CUnit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	int n = 0;
	for (const struct testcase *t = tests; t->name; t++) {
		if (!selected(argc, argv, t->name))
			continue;
		if (!CU_add_test(s, t->name, t->fn)) {
			fprintf(stderr, "testlib: CUnit: %s: %s\n", t->name, CU_get_error_msg());
			CU_cleanup_registry();
			return 2;
		}
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "testlib: no test of suite %s matches the arguments\n", suite);
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	/* CU_basic_run_tests() reports success even when tests failed. */
	unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
