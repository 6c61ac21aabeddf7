/* Unit tests of the small helpers in tracker/util.c: bounded string
 * buffers, trimming, case-insensitive comparison. */
#include "tracker/util.h"

#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

static void util__strbuf_limit(void)
{
	struct strbuf b;
	strbuf_init(&b, 10);
	CU_ASSERT_EQUAL(strbuf_append(&b, "hello", 5), 0);
	CU_ASSERT_EQUAL(strbuf_append(&b, "world", 5), 0); /* exactly at the limit */
	CU_ASSERT_EQUAL(b.len, 10);
	CU_ASSERT_EQUAL(strbuf_append(&b, "!", 1), -1);    /* one byte over */
	CU_ASSERT_EQUAL(b.len, 10);
	CU_ASSERT_STRING_EQUAL(b.s, "helloworld");
	CU_ASSERT_EQUAL(strbuf_appendf(&b, "%d", 1), -1);
	CU_ASSERT_STRING_EQUAL(b.s, "helloworld");
	char *s = strbuf_steal(&b);
	CU_ASSERT_STRING_EQUAL(s, "helloworld");
	CU_ASSERT_PTR_NULL(b.s);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_EQUAL(b.limit, 10); /* the limit survives a steal */
	free(s);
	strbuf_free(&b);
}

static void util__strbuf_growth(void)
{
	struct strbuf b;
	strbuf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL_FATAL(strbuf_appendf(&b, "%03d", i), 0);
	CU_ASSERT_EQUAL(b.len, 3000);
	CU_ASSERT_EQUAL(strlen(b.s), 3000);
	CU_ASSERT(b.cap > b.len);
	CU_ASSERT_EQUAL(memcmp(b.s + 2997, "999", 3), 0);
	strbuf_free(&b);
	CU_ASSERT_PTR_NULL(b.s);
	/* An empty buffer still gives a string. */
	char *e = strbuf_steal(&b);
	CU_ASSERT_STRING_EQUAL(e, "");
	free(e);
	/* Embedded NUL bytes are kept by length. */
	CU_ASSERT_EQUAL(strbuf_append(&b, "a\0b", 3), 0);
	CU_ASSERT_EQUAL(b.len, 3);
	CU_ASSERT_EQUAL(b.s[2], 'b');
	strbuf_free(&b);
}

static void util__str_trim(void)
{
	static const struct { const char *in, *out; } rows[] = {
		{ "", "" }, { "   ", "" }, { "a", "a" }, { "  a", "a" }, { "a  ", "a" },
		{ "\t a b \r\n", "a b" }, { "\n\nx\n", "x" }, { "a\tb", "a\tb" },
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char *s = xstrdup(rows[i].in);
		CU_ASSERT_PTR_EQUAL(str_trim(s), s);
		CU_ASSERT_STRING_EQUAL(s, rows[i].out);
		free(s);
	}
}

static void util__strings(void)
{
	CU_ASSERT(str_ieq("INBOX", "inbox"));
	CU_ASSERT_FALSE(str_ieq("INBOX", "inbox2"));
	char *s = xstrndup("abcdef", 3);
	CU_ASSERT_STRING_EQUAL(s, "abc");
	free(s);
	s = xstrndup("ab", 10);
	CU_ASSERT_STRING_EQUAL(s, "ab");
	xfree(&s);
	CU_ASSERT_PTR_NULL(s);
	xfree(&s); /* NULL is fine */
	s = xasprintf("%s-%d", "x", 42);
	CU_ASSERT_STRING_EQUAL(s, "x-42");
	free(s);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("util", NULL, NULL);
	CU_add_test(s, "util__strbuf_limit", util__strbuf_limit);
	CU_add_test(s, "util__strbuf_growth", util__strbuf_growth);
	CU_add_test(s, "util__str_trim", util__str_trim);
	CU_add_test(s, "util__strings", util__strings);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	unsigned failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
