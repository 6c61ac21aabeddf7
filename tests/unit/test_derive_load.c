/* Unit tests: parsing PostgreSQL text[] output (tracker/derive_load.c). */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracker/derive_store.h"
#include "tracker/message.h"
#include "tracker/util.h"

static void free_list(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Elements as PostgreSQL writes them: bare, quoted, escaped, NULL. */
static void derive_load__text_array_elements(void)
{
	struct strlist l;
	CU_ASSERT_EQUAL(derive_parse_text_array("{}", &l), 0);
	CU_ASSERT_EQUAL(l.n, 0);
	CU_ASSERT_EQUAL_FATAL(derive_parse_text_array("{a@b.no,\"b c\",NULL,\"NULL\",\"x\\\"y\\\\z\",\"\"}", &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 6);
	CU_ASSERT_STRING_EQUAL(l.v[0], "a@b.no");
	CU_ASSERT_STRING_EQUAL(l.v[1], "b c");
	CU_ASSERT_STRING_EQUAL(l.v[2], "");     /* SQL NULL */
	CU_ASSERT_STRING_EQUAL(l.v[3], "NULL"); /* the string NULL */
	CU_ASSERT_STRING_EQUAL(l.v[4], "x\"y\\z");
	CU_ASSERT_STRING_EQUAL(l.v[5], "");
	free_list(&l);
	CU_ASSERT_EQUAL_FATAL(derive_parse_text_array("{\"{a,b}\",c}", &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, 2);
	CU_ASSERT_STRING_EQUAL(l.v[0], "{a,b}");
	free_list(&l);
}

/* Malformed input gives -1 and an empty list; long lists are cut. */
static void derive_load__text_array_malformed_and_bounded(void)
{
	const char *bad[] = { NULL, "", "{", "{a", "{a}x", "{\"a}", "{a,", "a,b", "{}x", "{\"a\\", "{\"a\"b}" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct strlist l = { (char **)1, 99 };
		CU_ASSERT_EQUAL(derive_parse_text_array(bad[i], &l), -1);
		CU_ASSERT_EQUAL(l.n, 0);
		CU_ASSERT_PTR_NULL(l.v);
	}
	struct strbuf b;
	strbuf_init(&b, 0);
	strbuf_append(&b, "{", 1);
	for (int i = 0; i < MSG_MAX_LIST_ITEMS + 20; i++)
		strbuf_appendf(&b, "%sid%d@x", i ? "," : "", i);
	strbuf_append(&b, "}", 1);
	struct strlist l;
	CU_ASSERT_EQUAL_FATAL(derive_parse_text_array(b.s, &l), 0);
	CU_ASSERT_EQUAL_FATAL(l.n, MSG_MAX_LIST_ITEMS);
	CU_ASSERT_STRING_EQUAL(l.v[MSG_MAX_LIST_ITEMS - 1], "id499@x");
	free_list(&l);
	strbuf_free(&b);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("derive_load", NULL, NULL);
	CU_add_test(s, "derive_load__text_array_elements", derive_load__text_array_elements);
	CU_add_test(s, "derive_load__text_array_malformed_and_bounded", derive_load__text_array_malformed_and_bounded);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
