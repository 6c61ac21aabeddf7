/* Unit tests for intake/headers.c: header blocks as real clients write them,
 * and broken ones, parsed into the message model. */
#include "intake/intake_p.h"
#include "tracker/util.h"

#include <CUnit/Basic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hcase {
	const char *name;
	const char *block;
	size_t len;              /* 0: strlen(block) */
	const char *message_id;  /* NULL: expect a synthetic one */
	const char *in_reply_to;
	int n_refs;
	const char *last_ref;
	const char *from_addr;
	const char *from_name;
	const char *to0;
	int n_to, n_cc;
	long long date;          /* -1: no valid date */
	const char *subject;
	const char *content_type;
	const char *error_part;  /* substring of parse_error; NULL: clean */
};

static const struct hcase cases[] = {
	{ "outlook_norwegian",
	  "Received: from AM0PR.eurprd.prod.outlook.com by x with HTTPS; Mon, 2 Mar 2026 09:12:01 +0000\r\n"
	  "From: =?iso-8859-1?Q?Bj=F8rn_S=E6ther?= <Bjorn.Saether@Acme.no>\r\n"
	  "To: \"support@example.com\" <support@example.com>\r\n"
	  "Subject: =?iso-8859-1?Q?SV:_Sp=F8rsm=E5l?=\r\n"
	  "Thread-Topic: =?iso-8859-1?Q?Sp=F8rsm=E5l?=\r\n"
	  "Thread-Index: AdqL4X1bQm2nV0xkT2a8Xk2mZkq4Bw==\r\n"
	  "Date: Mon, 2 Mar 2026 09:12:00 +0000\r\n"
	  "Message-ID: <AM0PR02MB1234ABCD@AM0PR02MB1234.eurprd02.prod.outlook.com>\r\n"
	  "References: <CA+abc@mail.gmail.com>\r\n"
	  "In-Reply-To: <CA+abc@mail.gmail.com>\r\n"
	  "Accept-Language: nb-NO, en-US\r\n"
	  "Content-Type: multipart/alternative;\r\n\tboundary=\"_000_AM0PR_\"\r\n"
	  "MIME-Version: 1.0\r\n\r\nbody text From: nobody@x\r\n",
	  0, "AM0PR02MB1234ABCD@AM0PR02MB1234.eurprd02.prod.outlook.com", "CA+abc@mail.gmail.com",
	  1, "CA+abc@mail.gmail.com", "bjorn.saether@acme.no", "Bjørn Sæther", "support@example.com",
	  1, 0, 1772442720, "SV: Spørsmål", "multipart/alternative", NULL },
	{ "gmail",
	  "MIME-Version: 1.0\r\n"
	  "Date: Tue, 3 Mar 2026 10:00:05 +0100\r\n"
	  "Message-ID: <CAFx=ab+Cd_9@mail.gmail.com>\r\n"
	  "Subject: =?UTF-8?B?SGrDpmxwIG1lZCBmYWt0dXJh?=\r\n"
	  "From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jurgen@Gmail.com>\r\n"
	  "To: support@example.com, Kari <kari@acme.no>\r\n"
	  "Cc: ops@example.com\r\n"
	  "Content-Type: multipart/mixed; boundary=\"0000000000001\"\r\n\r\n",
	  0, "CAFx=ab+Cd_9@mail.gmail.com", NULL, 0, NULL, "jurgen@gmail.com", "Jürgen Müller",
	  "support@example.com", 2, 1, 1772528405, "Hjælp med faktura", "multipart/mixed", NULL },
	{ "apple_mail",
	  "From: Ola Nordmann <ola@icloud.com>\n"
	  "Content-Type: text/plain;\n\tcharset=utf-8\n"
	  "Content-Transfer-Encoding: quoted-printable\n"
	  "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))\n"
	  "Subject: Re: Ordre 1234\n"
	  "Message-Id: <5C1E6B7E-1D2F-4A4B-9C3D-0E1F2A3B4C5D@icloud.com>\n"
	  "Date: Wed, 4 Mar 2026 16:45:10 +0100\n"
	  "In-Reply-To: <20260304120000.1@example.com>\n"
	  "To: support@example.com\n\n",
	  0, "5C1E6B7E-1D2F-4A4B-9C3D-0E1F2A3B4C5D@icloud.com", "20260304120000.1@example.com", 0,
	  NULL, "ola@icloud.com", "Ola Nordmann", "support@example.com", 1, 0, 1772639110,
	  "Re: Ordre 1234", "text/plain", NULL },
	{ "thunderbird_folded_references",
	  "Message-ID: <e1d2c3b4-aaaa-bbbb-cccc-111122223333@acme.no>\r\n"
	  "Date: Thu, 5 Mar 2026 08:00:00 +0100\r\n"
	  "MIME-Version: 1.0\r\n"
	  "User-Agent: Mozilla Thunderbird\r\n"
	  "Subject: Re: Sv: Feil i rapport\r\n"
	  "Content-Language: nb\r\n"
	  "To: Support <support@example.com>\r\n"
	  "References: <a1@acme.no> <b2@example.com>\r\n <c3@acme.no>\r\n\t<d4@example.com>\r\n"
	  "From: Per Hansen <per@acme.no>\r\n"
	  "In-Reply-To: <d4@example.com>\r\n"
	  "Content-Type: text/plain; charset=UTF-8; format=flowed\r\n\r\n",
	  0, "e1d2c3b4-aaaa-bbbb-cccc-111122223333@acme.no", "d4@example.com", 4, "d4@example.com",
	  "per@acme.no", "Per Hansen", "support@example.com", 1, 0, 1772694000,
	  "Re: Sv: Feil i rapport", "text/plain", NULL },
	{ "no_message_id",
	  "From: a@b.example\r\nTo: support@example.com\r\nSubject: hi\r\n"
	  "Date: Fri, 6 Mar 2026 12:00:00 +0000\r\n\r\n",
	  0, NULL, NULL, 0, NULL, "a@b.example", NULL, "support@example.com", 1, 0, 1772798400,
	  "hi", NULL, "no Message-ID" },
	{ "bad_date",
	  "Message-ID: <x1@y>\r\nFrom: a@b.example\r\nDate: yesterday-ish\r\nSubject: s\r\n\r\n",
	  0, "x1@y", NULL, 0, NULL, "a@b.example", NULL, NULL, 0, 0, -1, "s", NULL,
	  "Date is unparseable" },
	{ "undecodable_charset",
	  "Message-ID: <x2@y>\r\nFrom: a@b.example\r\n"
	  "Subject: =?x-no-such-charset?Q?abc?=\r\n\r\n",
	  0, "x2@y", NULL, 0, NULL, "a@b.example", NULL, NULL, 0, 0, -1, "abc", NULL,
	  "Subject has unknown charset x-no-such-charset" },
	{ "nul_and_8bit",
	  "Message-ID: <x3@y>\r\nFrom: \"B\xf8rre\" <b@c.example>\r\nSubject: caf\xe9\0bar\r\n\r\n",
	  sizeof("Message-ID: <x3@y>\r\nFrom: \"B\xf8rre\" <b@c.example>\r\nSubject: caf\xe9\0bar\r\n\r\n") - 1,
	  "x3@y", NULL, 0, NULL, "b@c.example", "Børre", NULL, 0, 0, -1, "café bar", NULL, "NUL" },
	{ "garbage_line_and_ids_without_brackets",
	  "this is not a header\r\nMessage-ID: plain-id@host\r\nFrom: a@b.example\r\n"
	  "References: r1@h r2@h\r\n\r\n",
	  0, "plain-id@host", NULL, 2, "r2@h", "a@b.example", NULL, NULL, 0, 0, -1, NULL, NULL,
	  "line 1 is not a header field" },
	{ "group_and_repeated_to",
	  "Message-ID: <x4@y>\r\nFrom: <MAILER-DAEMON@x.example>\r\n"
	  "To: undisclosed: a@x.example, b@x.example;\r\nTo: c@x.example\r\n\r\n",
	  0, "x4@y", NULL, 0, NULL, "mailer-daemon@x.example", NULL, "a@x.example", 3, 0, -1, NULL,
	  NULL, NULL },
};

static void check_case(const struct hcase *c)
{
	struct message m;
	memset(&m, 0, sizeof m);
	headers_parse(c->block, c->len ? c->len : strlen(c->block), &m);
	fprintf(stderr, "[%s] parse_error=%s\n", c->name, m.parse_error ? m.parse_error : "(none)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m.message_id);
	if (c->message_id) {
		CU_ASSERT_STRING_EQUAL(m.message_id, c->message_id);
		CU_ASSERT_FALSE(m.message_id_synthetic);
	} else {
		CU_ASSERT_TRUE(m.message_id_synthetic);
		CU_ASSERT_PTR_NOT_NULL(strstr(m.message_id, "@replyclock.invalid"));
	}
#define STR_EQ(got, want)                                                         \
	do {                                                                      \
		if (want) {                                                       \
			CU_ASSERT_PTR_NOT_NULL_FATAL(got);                        \
			if (strcmp((got), (want)))                                \
				fprintf(stderr, "[%s] %s: got '%s' want '%s'\n",  \
					c->name, #got, (got), (want));            \
			CU_ASSERT_STRING_EQUAL((got), (want));                    \
		} else {                                                          \
			CU_ASSERT_PTR_NULL(got);                                  \
		}                                                                 \
	} while (0)
	STR_EQ(m.in_reply_to, c->in_reply_to);
	CU_ASSERT_EQUAL(m.references.n, (size_t)c->n_refs);
	if (c->n_refs && m.references.n)
		STR_EQ(m.references.v[m.references.n - 1], c->last_ref);
	STR_EQ(m.from_addr, c->from_addr);
	STR_EQ(m.from_name, c->from_name);
	CU_ASSERT_EQUAL(m.to_addrs.n, (size_t)c->n_to);
	if (c->to0 && m.to_addrs.n)
		STR_EQ(m.to_addrs.v[0], c->to0);
	CU_ASSERT_EQUAL(m.cc_addrs.n, (size_t)c->n_cc);
	if (c->date < 0) {
		CU_ASSERT_FALSE(m.has_date);
	} else {
		CU_ASSERT_TRUE(m.has_date);
		CU_ASSERT_EQUAL((long long)m.date, c->date);
	}
	if (c->subject)
		STR_EQ(m.subject, c->subject);
	STR_EQ(m.content_type, c->content_type);
	if (c->error_part) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(m.parse_error);
		CU_ASSERT_PTR_NOT_NULL(strstr(m.parse_error, c->error_part));
	} else {
		CU_ASSERT_PTR_NULL(m.parse_error);
	}
	CU_ASSERT_PTR_NOT_NULL(m.raw_headers);
	size_t blen = c->len ? c->len : strlen(c->block);
	CU_ASSERT_EQUAL(m.raw_headers_len, blen);
	CU_ASSERT_EQUAL(memcmp(m.raw_headers, c->block, blen), 0);
	message_clear(&m);
}

static void headers__client_table(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_case(&cases[i]);
}

static void headers__outlook_noise_fields(void)
{
	const char *b = "Message-ID: <n1@x>\r\nFrom: postmaster@x.example\r\n"
			"Auto-Submitted: auto-replied\r\nX-Autoreply: yes\r\nX-Autorespond: yes\r\n"
			"X-Loop: support\r\nX-Auto-Response-Suppress: All\r\nPrecedence: bulk\r\n"
			"List-Id: Support <support.lists.example>\r\n"
			"Content-Type: Multipart/Report; report-type=delivery-status\r\n"
			"Thread-Index: AQHXabc=\r\n\r\n";
	struct message m;
	memset(&m, 0, sizeof m);
	headers_parse(b, strlen(b), &m);
	CU_ASSERT_STRING_EQUAL(m.auto_submitted, "auto-replied");
	CU_ASSERT_STRING_EQUAL(m.x_autoreply, "yes");
	CU_ASSERT_STRING_EQUAL(m.x_autorespond, "yes");
	CU_ASSERT_STRING_EQUAL(m.x_loop, "support");
	CU_ASSERT_STRING_EQUAL(m.x_auto_response_suppress, "All");
	CU_ASSERT_STRING_EQUAL(m.precedence, "bulk");
	CU_ASSERT_STRING_EQUAL(m.list_id, "Support <support.lists.example>");
	CU_ASSERT_STRING_EQUAL(m.content_type, "multipart/report");
	CU_ASSERT_STRING_EQUAL(m.thread_index, "AQHXabc=");
	CU_ASSERT_PTR_NULL(m.parse_error);
	message_clear(&m);
}

static void headers__synthetic_id_is_stable(void)
{
	const char *a = "From: a@b.example\r\nSubject: x\r\nDate: Fri, 6 Mar 2026 12:00:00 +0000\r\n\r\n";
	const char *a_lf = "From: a@b.example\nSubject: x\nX-Other: 1\nDate: Fri, 6 Mar 2026 12:00:00 +0000\n\n";
	const char *b = "From: a@b.example\r\nSubject: y\r\nDate: Fri, 6 Mar 2026 12:00:00 +0000\r\n\r\n";
	struct message m1, m2, m3;
	memset(&m1, 0, sizeof m1);
	memset(&m2, 0, sizeof m2);
	memset(&m3, 0, sizeof m3);
	headers_parse(a, strlen(a), &m1);
	headers_parse(a_lf, strlen(a_lf), &m2);
	headers_parse(b, strlen(b), &m3);
	CU_ASSERT_STRING_EQUAL(m1.message_id, m2.message_id);
	CU_ASSERT_STRING_NOT_EQUAL(m1.message_id, m3.message_id);
	CU_ASSERT_EQUAL(strlen(m1.message_id), 64 + strlen("@replyclock.invalid"));
	message_clear(&m1);
	message_clear(&m2);
	message_clear(&m3);
}

static bool valid_utf8_no_nul(const char *s)
{
	bool changed = true;
	char *c = hdr_clean_utf8(s, strlen(s), strlen(s) + 1, &changed);
	free(c);
	return !changed;
}

/* 100 KB of headers before the useful ones, and a 1 MiB one: parsed fully,
 * kept raw only up to the limit, every value bounded. */
static void headers__huge_block(void)
{
	size_t big = 1024 * 1024;
	struct strbuf b;
	strbuf_init(&b, 0);
	strbuf_appendf(&b, "Subject: ");
	for (size_t i = 0; b.len < 100 * 1024; i++)
		strbuf_appendf(&b, "w%zu ", i);
	strbuf_appendf(&b, "\r\nX-Junk: ");
	while (b.len < big)
		strbuf_append(&b, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n ", 66);
	strbuf_appendf(&b, "\r\nReferences:");
	for (int i = 0; i < 10000; i++)
		strbuf_appendf(&b, "\r\n <ref%d@example.com>", i);
	strbuf_appendf(&b, "\r\nMessage-ID: <huge@x>\r\nFrom: Big <big@x.example>\r\n\r\n");
	struct message m;
	memset(&m, 0, sizeof m);
	headers_parse(b.s, b.len, &m);
	CU_ASSERT_STRING_EQUAL(m.message_id, "huge@x");
	CU_ASSERT_STRING_EQUAL(m.from_addr, "big@x.example");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m.subject);
	CU_ASSERT_TRUE(strlen(m.subject) <= MSG_MAX_FIELD_BYTES);
	CU_ASSERT_TRUE(m.references.n > 0 && m.references.n <= MSG_MAX_LIST_ITEMS);
	CU_ASSERT_TRUE(m.raw_headers_len <= MSG_MAX_HEADER_BYTES);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m.parse_error);
	CU_ASSERT_PTR_NOT_NULL(strstr(m.parse_error, "kept only in part"));
	CU_ASSERT_TRUE(valid_utf8_no_nul(m.subject));
	message_clear(&m);
	strbuf_free(&b);
}

static void headers__sanitize(void)
{
	bool ch = false;
	char *s = hdr_clean_utf8("ok \xc3\xa6 \xff\xc3", 8, 100, &ch);
	CU_ASSERT_STRING_EQUAL(s, "ok \xc3\xa6 \xef\xbf\xbd\xef\xbf\xbd");
	CU_ASSERT_TRUE(ch);
	free(s);
	s = hdr_clean_utf8("\xc3\xa6\xc3\xa6", 4, 3, &ch);
	CU_ASSERT_STRING_EQUAL(s, "\xc3\xa6");
	CU_ASSERT_TRUE(ch);
	free(s);
	s = hdr_clean_utf8("\xed\xa0\x80", 3, 10, &ch); /* a UTF-16 surrogate is not UTF-8 */
	CU_ASSERT_STRING_EQUAL(s, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
}

/* Encoded-word openers at the very end of a value (found by the fuzzer:
 * the charset scan read past the string). */
static void headers__encoded_word_at_end(void)
{
	const char *blocks[] = { "Subject: =?\r\n\r\n", "Subject: =?a?\r\n\r\n",
				 "Subject: x =?utf-8?\r\n\r\n",
				 "From: =?UTF-8?B\277S?Gy=?? <j@x>\rDate\npp:" };
	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
		struct message m;
		memset(&m, 0, sizeof m);
		headers_parse(blocks[i], strlen(blocks[i]), &m);
		CU_ASSERT_PTR_NOT_NULL(m.message_id);
		message_clear(&m);
	}
}

/* Every prefix of a real block parses without crashing and gives valid text. */
static void headers__every_truncation(void)
{
	const char *blk = cases[0].block;
	size_t n = strlen(blk);
	for (size_t i = 0; i <= n; i++) {
		struct message m;
		memset(&m, 0, sizeof m);
		headers_parse(blk, i, &m);
		CU_ASSERT_PTR_NOT_NULL(m.message_id);
		if (m.subject)
			CU_ASSERT_TRUE(valid_utf8_no_nul(m.subject));
		message_clear(&m);
	}
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	CU_pSuite s = CU_add_suite("headers", NULL, NULL);
	CU_add_test(s, "headers__client_table", headers__client_table);
	CU_add_test(s, "headers__outlook_noise_fields", headers__outlook_noise_fields);
	CU_add_test(s, "headers__synthetic_id_is_stable", headers__synthetic_id_is_stable);
	CU_add_test(s, "headers__huge_block", headers__huge_block);
	CU_add_test(s, "headers__sanitize", headers__sanitize);
	CU_add_test(s, "headers__every_truncation", headers__every_truncation);
	CU_add_test(s, "headers__encoded_word_at_end", headers__encoded_word_at_end);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
