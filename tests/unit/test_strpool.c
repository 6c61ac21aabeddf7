/* Unit tests: the string pool (tracker/strpool.c). */
#include <CUnit/Basic.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tracker/strpool.h"

/* Equal values intern to one pointer and one id; ids count distinct values. */
static void strpool__intern_equal_values_once(void)
{
	struct strpool *p = strpool_new();
	char key[32];
	const char *first[3000];
	for (int i = 0; i < 3000; i++) { /* enough to make the table grow several times */
		snprintf(key, sizeof key, "id-%d@example.com", i);
		uint32_t id = 99999;
		first[i] = strpool_intern(p, key, strlen(key), &id);
		CU_ASSERT_EQUAL(id, (uint32_t)i);
		CU_ASSERT_STRING_EQUAL(first[i], key);
	}
	for (int i = 2999; i >= 0; i--) {
		snprintf(key, sizeof key, "id-%d@example.com", i);
		uint32_t id = 99999;
		CU_ASSERT_PTR_EQUAL(strpool_intern(p, key, strlen(key), &id), first[i]);
		CU_ASSERT_EQUAL(id, (uint32_t)i);
	}
	/* A prefix is a different value, and n bounds what is read. */
	const char *pre = strpool_intern(p, "id-12@example.comXYZ", 17, NULL);
	CU_ASSERT_PTR_EQUAL(pre, first[12]);
	const char *shorter = strpool_intern(p, "id-1", 4, NULL);
	CU_ASSERT_STRING_EQUAL(shorter, "id-1");
	CU_ASSERT_PTR_NOT_EQUAL(shorter, first[1]);
	CU_ASSERT_EQUAL(strpool_count(p), 3001);
	const char *empty = strpool_intern(p, "", 0, NULL);
	CU_ASSERT_STRING_EQUAL(empty, "");
	CU_ASSERT_PTR_EQUAL(strpool_intern(p, "", 0, NULL), empty);
	strpool_free(&p);
	CU_ASSERT_PTR_NULL(p);
	strpool_free(&p); /* NULL is accepted */
}

/* Copies and allocations stay intact and aligned across blocks, including
 * values larger than a block. */
static void strpool__alloc_across_blocks(void)
{
	struct strpool *p = strpool_new();
	enum { N = 20000 };
	static char *s[N];
	static uint64_t *w[N];
	char buf[64];
	for (int i = 0; i < N; i++) {
		snprintf(buf, sizeof buf, "value %d", i);
		s[i] = strpool_strndup(p, buf, strlen(buf) - (i % 3)); /* odd lengths unalign the block */
		w[i] = strpool_alloc(p, (size_t)(1 + i % 40));
		CU_ASSERT_EQUAL((uintptr_t)w[i] % alignof(max_align_t), 0);
		*w[i] = (uint64_t)i;
	}
	size_t big_n = (size_t)3 << 20;
	char *big = strpool_alloc(p, big_n);
	memset(big, 'x', big_n);
	char *after = strpool_strndup(p, "after", 5);
	for (int i = 0; i < N; i++) {
		snprintf(buf, sizeof buf, "value %d", i);
		buf[strlen(buf) - (size_t)(i % 3)] = '\0';
		CU_ASSERT_STRING_EQUAL(s[i], buf);
		CU_ASSERT_EQUAL(*w[i], (uint64_t)i);
	}
	CU_ASSERT_EQUAL(big[0], 'x');
	CU_ASSERT_EQUAL(big[big_n - 1], 'x');
	CU_ASSERT_STRING_EQUAL(after, "after");
	strpool_free(&p);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("strpool", NULL, NULL);
	CU_add_test(s, "strpool__intern_equal_values_once", strpool__intern_equal_values_once);
	CU_add_test(s, "strpool__alloc_across_blocks", strpool__alloc_across_blocks);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
