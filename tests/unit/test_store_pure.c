/* Unit tests of the store's pure helpers: failure classification, array
 * literal quoting, UTF-8 repair, bytea hex and the binary COPY row layout. */
#include "tracker/pg_copy_bin.h"
#include "tracker/store_p.h"
#include "tracker/util.h"

#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

static void store__classify_sqlstates(void)
{
	static const struct {
		const char *state;
		bool bad;
		int want;
	} rows[] = {
		{ "08006", false, STORE_WAIT },   /* connection_failure */
		{ "08001", false, STORE_WAIT },   /* unable to connect */
		{ "57P01", false, STORE_WAIT },   /* admin_shutdown */
		{ "57P02", false, STORE_WAIT },   /* crash_shutdown */
		{ "57P03", false, STORE_WAIT },   /* cannot_connect_now */
		{ "53300", false, STORE_WAIT },   /* too_many_connections */
		{ "40001", false, STORE_RETRY },  /* serialization_failure */
		{ "40P01", false, STORE_RETRY },  /* deadlock_detected */
		{ "40002", false, STORE_FINAL },  /* integrity constraint at commit */
		{ "23505", false, STORE_FINAL },  /* unique_violation */
		{ "23502", false, STORE_FINAL },  /* not_null_violation */
		{ "42P01", false, STORE_FINAL },  /* undefined_table */
		{ "57014", false, STORE_FINAL },  /* query_canceled: not a shutdown */
		{ "22021", false, STORE_FINAL },  /* bad encoding */
		{ NULL, false, STORE_FINAL },     /* client-side error, link fine */
		{ NULL, true, STORE_WAIT },       /* connection gone, no SQLSTATE */
		{ "23505", true, STORE_WAIT },    /* a dead link wins */
		{ "", false, STORE_FINAL },
		{ "08", false, STORE_FINAL },     /* malformed: not five characters */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int got = store_classify(rows[i].state, rows[i].bad);
		if (got != rows[i].want)
			fprintf(stderr, "row %zu (%s, %d): got %d want %d\n", i,
				rows[i].state ? rows[i].state : "NULL", rows[i].bad, got, rows[i].want);
		CU_ASSERT_EQUAL(got, rows[i].want);
	}
}

static void check_literal(const char *const *v, size_t n, const char *want)
{
	char *got = pg_array_literal(v, n);
	if (strcmp(got, want))
		fprintf(stderr, "literal: got [%s] want [%s]\n", got, want);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);
}

static void store__array_literal_quoting(void)
{
	check_literal(NULL, 0, "{}");
	const char *a[] = { "plain" };
	check_literal(a, 1, "{\"plain\"}");
	const char *b[] = { "a,b", "say \"hi\"", "back\\slash", "{braces}", "NULL", "null", "" };
	check_literal(b, 7, "{\"a,b\",\"say \\\"hi\\\"\",\"back\\\\slash\",\"{braces}\",\"NULL\",\"null\",\"\"}");
	const char *c[] = { NULL, "x", NULL };
	check_literal(c, 3, "{NULL,\"x\",NULL}");
	const char *d[] = { " lead and trail ", "Jürgen Müller <j@ø.no>", "\\\"" };
	check_literal(d, 3, "{\" lead and trail \",\"Jürgen Müller <j@ø.no>\",\"\\\\\\\"\"}");
	/* a literal inside a literal (the list columns travel that way) */
	const char *inner[] = { "x\"y" };
	char *lit = pg_array_literal(inner, 1);
	const char *outer[] = { lit };
	check_literal(outer, 1, "{\"{\\\"x\\\\\\\"y\\\"}\"}");
	free(lit);
}

static void check_utf8(const char *in, const char *want, bool valid)
{
	char *got = utf8_sanitize(in);
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT_EQUAL(utf8_valid(in), valid);
	CU_ASSERT_TRUE(utf8_valid(got));
	free(got);
}

static void store__utf8_sanitize(void)
{
	CU_ASSERT_PTR_NULL(utf8_sanitize(NULL));
	check_utf8("", "", true);
	check_utf8("plain ascii", "plain ascii", true);
	check_utf8("Blåbærsyltetøy €𝄞", "Blåbærsyltetøy €𝄞", true);
	check_utf8("a\xff" "b", "a\xef\xbf\xbd" "b", false);          /* stray byte */
	check_utf8("latin1 caf\xe9", "latin1 caf\xef\xbf\xbd", false); /* ISO-8859-1 é */
	check_utf8("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", false);     /* overlong '/' */
	check_utf8("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", false); /* surrogate */
	check_utf8("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", false);
	check_utf8("cut \xe2\x82", "cut \xef\xbf\xbd\xef\xbf\xbd", false); /* truncated € */
}

static void store__bytea_hex(void)
{
	char *h = bytea_hex("", 0);
	CU_ASSERT_STRING_EQUAL(h, "\\x");
	free(h);
	h = bytea_hex("A\0\xff\x80", 4);
	CU_ASSERT_STRING_EQUAL(h, "\\x4100ff80");
	free(h);
}

/* Binary COPY layout (the server round trip is in itest_store). */
static void store__binary_copy_layout(void)
{
	struct strbuf b;
	strbuf_init(&b, 0);
	pgbin_header(&b);
	CU_ASSERT_EQUAL(b.len, 19);
	CU_ASSERT(memcmp(b.s, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19) == 0);
	b.len = 0;
	pgbin_row(&b, 3);
	pgbin_int4(&b, 0x01020304);
	pgbin_null(&b);
	pgbin_timestamptz(&b, 946684801); /* 2000-01-01T00:00:01Z: 1,000,000 us */
	static const unsigned char want[] = { 0, 3, 0, 0, 0, 4, 1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff,
					      0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x40 };
	CU_ASSERT_EQUAL(b.len, sizeof want);
	CU_ASSERT(memcmp(b.s, want, sizeof want) == 0);
	b.len = 0;
	pgbin_text_array(&b, NULL, 0);
	CU_ASSERT_EQUAL(b.len, 16); /* length 12: no dimensions, no flags, text */
	CU_ASSERT(memcmp(b.s, "\0\0\0\x0c\0\0\0\0\0\0\0\0\0\0\0\x19", 16) == 0);
	b.len = 0;
	const char *one[] = { "ab" };
	pgbin_text_array(&b, one, 1);
	CU_ASSERT_EQUAL(b.len, 4 + 20 + 4 + 2);
	CU_ASSERT(memcmp(b.s + 4 + 20, "\0\0\0\x02" "ab", 6) == 0);
	b.len = 0;
	pgbin_text(&b, "\xff");  /* invalid: replaced by U+FFFD */
	CU_ASSERT(b.len == 7 && memcmp(b.s, "\0\0\0\x03\xef\xbf\xbd", 7) == 0);
	strbuf_free(&b);
	CU_ASSERT(utf8_valid_n("plain ascii", 11));
	CU_ASSERT(utf8_valid_n("bl\xc3\xa5", 4));
	CU_ASSERT(!utf8_valid_n("bl\xc3", 3));
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	CU_pSuite s = CU_add_suite("store", NULL, NULL);
	CU_add_test(s, "store__classify_sqlstates", store__classify_sqlstates);
	CU_add_test(s, "store__array_literal_quoting", store__array_literal_quoting);
	CU_add_test(s, "store__utf8_sanitize", store__utf8_sanitize);
	CU_add_test(s, "store__bytea_hex", store__bytea_hex);
	CU_add_test(s, "store__binary_copy_layout", store__binary_copy_layout);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	int failed = (int)CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
