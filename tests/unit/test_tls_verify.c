/* Unit tests for tracker/tls_verify: chain, CA file and host name checks. */
#include "tracker/tls_verify.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA "tests/data/tls/"

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	static unsigned char buf[8192];
	*len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return buf;
}

static int verify(const char *host, const char *ca, char **err)
{
	struct tls_der d;
	d.data = read_file(DATA "server.der", &d.len);
	return tls_verify_chain(&d, 1, host, ca, err);
}

static void tls_verify__trusted_with_ca_file(void)
{
	const char *hosts[] = { "localhost", "127.0.0.1", "LOCALHOST" };
	for (size_t i = 0; i < 3; i++) {
		char *err = NULL;
		CU_ASSERT_EQUAL(verify(hosts[i], DATA "ca.pem", &err), 0);
		CU_ASSERT_PTR_NULL(err);
		free(err);
	}
}

static void tls_verify__unknown_issuer(void)
{
	const char *cas[] = { DATA "other-ca.pem", NULL };
	for (size_t i = 0; i < 2; i++) {
		char *err = NULL;
		CU_ASSERT_EQUAL(verify("127.0.0.1", cas[i], &err), -1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(err);
		CU_ASSERT_STRING_EQUAL(err, "certificate for 127.0.0.1 not trusted: issuer unknown");
		free(err);
	}
}

static void tls_verify__wrong_name(void)
{
	const char *hosts[] = { "mail.example.com", "127.0.0.2", "localhost.evil" };
	for (size_t i = 0; i < 3; i++) {
		char *err = NULL;
		CU_ASSERT_EQUAL(verify(hosts[i], DATA "ca.pem", &err), -1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "name does not match"));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, hosts[i]));
		free(err);
	}
}

static void tls_verify__bad_input(void)
{
	char *err = NULL;
	CU_ASSERT_EQUAL(tls_verify_chain(NULL, 0, "localhost", NULL, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "sent none"));
	free(err);
	err = NULL;
	struct tls_der junk = { (const unsigned char *)"\x30\x03garbage", 10 };
	CU_ASSERT_EQUAL(tls_verify_chain(&junk, 1, "localhost", DATA "ca.pem", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "cannot read certificate 1"));
	free(err);
	err = NULL;
	CU_ASSERT_EQUAL(verify("localhost", DATA "missing.pem", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "ca_file " DATA "missing.pem"));
	free(err);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	CU_pSuite s = CU_add_suite("tls_verify", NULL, NULL);
	CU_add_test(s, "tls_verify__trusted_with_ca_file", tls_verify__trusted_with_ca_file);
	CU_add_test(s, "tls_verify__unknown_issuer", tls_verify__unknown_issuer);
	CU_add_test(s, "tls_verify__wrong_name", tls_verify__wrong_name);
	CU_add_test(s, "tls_verify__bad_input", tls_verify__bad_input);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
