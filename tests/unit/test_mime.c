/* Unit tests: the report mail's MIME structure and headers, composed with
 * libetpan and parsed back with libetpan. */
#include "reporter/mail.h"
#include "reporter/render.h"
#include "reporter/report_mail.h"
#include "report_fixture.h"
#include "tracker/util.h"

#include <CUnit/Basic.h>
#include <libetpan/libetpan.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define SUBJECT "SLA report 2026-W14 \xE2\x80\x93 ACME AS 93.55 % (\xC3\xA6\xC3\xB8\xC3\xA5 \xF0\x9F\x9A\x80)"

static struct mailimf_field *find_field(struct mailimf_fields *f, int type, const char *name)
{
	for (clistiter *it = clist_begin(f->fld_list); it; it = clist_next(it)) {
		struct mailimf_field *x = clist_content(it);
		if (x->fld_type == type &&
		    (!name || strcasecmp(x->fld_data.fld_optional_field->fld_name, name) == 0))
			return x;
	}
	return NULL;
}

static char *decode_part(struct mailmime *part)
{
	struct mailmime_data *d = part->mm_data.mm_single;
	size_t idx = 0, len = 0;
	char *out = NULL, *copy;

	CU_ASSERT_EQUAL_FATAL(d->dt_encoding, MAILMIME_MECHANISM_QUOTED_PRINTABLE);
	CU_ASSERT_EQUAL_FATAL(mailmime_part_parse(d->dt_data.dt_text.dt_data, d->dt_data.dt_text.dt_length,
						  &idx, d->dt_encoding, &out, &len), MAILIMF_NO_ERROR);
	copy = xstrndup(out, len);
	mailmime_decoded_part_free(out);
	/* the wire form has CRLF line ends; the renderers write LF */
	for (char *r = copy, *w = copy;; r++) {
		if (*r == '\r' && r[1] == '\n')
			continue;
		if (!(*w++ = *r))
			break;
	}
	return copy;
}

static char *compose(const char *from, struct rc_mail_out *out, char **text, char **html)
{
	struct rc_report *r = fix_report();
	const char *to[] = {"support-leads@example.com", "Kari Nordmann <kari@acme.no>"};
	struct rc_mail_in in = {.from = from, .to = to, .n_to = 2, .subject = SUBJECT,
				.date = r->as_of, .tz = r->tz};
	char *err = NULL;

	*text = rc_render_text(r);
	*html = rc_render_html(r);
	in.text = *text;
	in.html = *html;
	if (rc_mail_compose(&in, out, &err) < 0)
		CU_FAIL(err);
	rc_report_free(&r);
	return err;
}

static void mime__structure_headers_and_parts(void)
{
	struct rc_mail_out out;
	char *text, *html, *err, *s, *decoded = NULL;
	struct mailmime *mime = NULL, *alt, *p1, *p2;
	struct mailimf_fields *f;
	struct mailimf_field *x;
	size_t idx = 0;

	err = compose("Rapport\xC3\xB8r <sla@example.com>", &out, &text, &html);
	CU_ASSERT_PTR_NULL_FATAL(err);
	/* 7-bit on the wire, CRLF line ends, no line over 998 octets */
	for (size_t i = 0; i < out.len; i++) {
		CU_ASSERT((unsigned char)out.data[i] < 0x80);
		if (out.data[i] == '\n')
			CU_ASSERT(i > 0 && out.data[i - 1] == '\r');
	}
	for (char *l = out.data, *e; (e = strstr(l, "\r\n")); l = e + 2)
		CU_ASSERT(e - l <= 78);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "MIME-Version: 1.0\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "Auto-Submitted: auto-generated\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "Date: Tue, 7 Apr 2026 07:00:00 +0200\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "=?UTF-8?B?"));
	CU_ASSERT_STRING_EQUAL(out.envelope_from, "sla@example.com");
	CU_ASSERT_EQUAL(out.n_rcpt, 2);
	CU_ASSERT_STRING_EQUAL(out.rcpt[0], "support-leads@example.com");
	CU_ASSERT_STRING_EQUAL(out.rcpt[1], "kari@acme.no");
	CU_ASSERT_PTR_NOT_NULL(strstr(out.message_id, "@example.com"));

	CU_ASSERT_EQUAL_FATAL(mailmime_parse(out.data, out.len, &idx, &mime), MAILIMF_NO_ERROR);
	CU_ASSERT_EQUAL_FATAL(mime->mm_type, MAILMIME_MESSAGE);
	f = mime->mm_data.mm_message.mm_fields;
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	x = find_field(f, MAILIMF_FIELD_SUBJECT, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	idx = 0;
	CU_ASSERT_EQUAL(mailmime_encoded_phrase_parse("us-ascii", x->fld_data.fld_subject->sbj_value,
						      strlen(x->fld_data.fld_subject->sbj_value), &idx,
						      "utf-8", &decoded), MAILIMF_NO_ERROR);
	CU_ASSERT_STRING_EQUAL(decoded, SUBJECT);
	free(decoded);
	x = find_field(f, MAILIMF_FIELD_MESSAGE_ID, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->fld_data.fld_message_id->mid_value, out.message_id);
	x = find_field(f, MAILIMF_FIELD_FROM, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	{
		struct mailimf_mailbox *mb = clist_content(clist_begin(
			x->fld_data.fld_from->frm_mb_list->mb_list));
		idx = 0;
		decoded = NULL;
		CU_ASSERT_EQUAL(mailmime_encoded_phrase_parse("us-ascii", mb->mb_display_name,
							      strlen(mb->mb_display_name), &idx, "utf-8",
							      &decoded), MAILIMF_NO_ERROR);
		CU_ASSERT_STRING_EQUAL(decoded, "Rapport\xC3\xB8r");
		free(decoded);
	}
	CU_ASSERT_PTR_NOT_NULL(find_field(f, MAILIMF_FIELD_TO, NULL));
	CU_ASSERT_PTR_NOT_NULL(find_field(f, MAILIMF_FIELD_ORIG_DATE, NULL));
	CU_ASSERT_PTR_NOT_NULL(find_field(f, MAILIMF_FIELD_OPTIONAL_FIELD, "Auto-Submitted"));

	alt = mime->mm_data.mm_message.mm_msg_mime;
	CU_ASSERT_PTR_NOT_NULL_FATAL(alt);
	CU_ASSERT_EQUAL_FATAL(alt->mm_type, MAILMIME_MULTIPLE);
	CU_ASSERT_STRING_EQUAL(alt->mm_content_type->ct_subtype, "alternative");
	CU_ASSERT_EQUAL_FATAL(clist_count(alt->mm_data.mm_multipart.mm_mp_list), 2);
	p1 = clist_content(clist_begin(alt->mm_data.mm_multipart.mm_mp_list));
	p2 = clist_content(clist_next(clist_begin(alt->mm_data.mm_multipart.mm_mp_list)));
	CU_ASSERT_STRING_EQUAL(p1->mm_content_type->ct_subtype, "plain");
	CU_ASSERT_STRING_EQUAL(p2->mm_content_type->ct_subtype, "html");
	CU_ASSERT_STRING_EQUAL(mailmime_content_charset_get(p1->mm_content_type), "utf-8");
	CU_ASSERT_STRING_EQUAL(mailmime_content_charset_get(p2->mm_content_type), "utf-8");
	s = decode_part(p1);
	/* the decoded text part is byte for byte the rendered text, numbers included */
	CU_ASSERT_STRING_EQUAL(s, text);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "93.55 %"));
	free(s);
	s = decode_part(p2);
	CU_ASSERT_STRING_EQUAL(s, html);
	free(s);
	mailmime_free(mime);
	rc_mail_out_free(&out);
	free(text);
	free(html);
}

static void mime__message_ids_unique(void)
{
	struct rc_mail_out a, b;
	char *t1, *h1, *t2, *h2;

	CU_ASSERT_PTR_NULL(compose("sla@example.com", &a, &t1, &h1));
	CU_ASSERT_PTR_NULL(compose("sla@example.com", &b, &t2, &h2));
	CU_ASSERT_STRING_NOT_EQUAL(a.message_id, b.message_id);
	CU_ASSERT_PTR_NOT_NULL(strstr(a.data, "From: sla@example.com\r\n"));
	rc_mail_out_free(&a);
	rc_mail_out_free(&b);
	free(t1); free(h1); free(t2); free(h2);
}

static void mime__bad_from_named(void)
{
	struct rc_mail_out out;
	const char *to[] = {"x@example.com"};
	struct rc_mail_in in = {.from = "not an address", .to = to, .n_to = 1, .subject = "s",
				.text = "t", .html = "h", .date = 0};
	char *err = NULL;

	in.tz = rc_tz_get("UTC", &err);
	CU_ASSERT_EQUAL(rc_mail_compose(&in, &out, &err), -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "[report] from"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an address"));
	free(err);
	err = NULL;
	in.from = "sla@example.com";
	in.to = (const char *[]){"a@b.c\r\nBcc: evil@example.com"};
	CU_ASSERT_EQUAL(rc_mail_compose(&in, &out, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(err);
	free(err);
}

static void mime__rfc2047_encode(void)
{
	char *s = rc_rfc2047_encode("plain subject"), *d = NULL;
	size_t idx = 0;
	/* 40 'ø' = 80 bytes: must be split between characters */
	char many[200] = "";

	CU_ASSERT_STRING_EQUAL(s, "plain subject");
	free(s);
	s = rc_rfc2047_encode("line\r\nBcc: x");
	CU_ASSERT_STRING_EQUAL(s, "line  Bcc: x");
	free(s);
	for (int i = 0; i < 40; i++)
		strcat(many, "\xC3\xB8");
	s = rc_rfc2047_encode(many);
	for (char *w = s; w; w = strchr(w + 1, ' '))
		CU_ASSERT(strcspn(w + (*w == ' '), " ") <= 75);
	CU_ASSERT_EQUAL(mailmime_encoded_phrase_parse("us-ascii", s, strlen(s), &idx, "utf-8", &d),
			MAILIMF_NO_ERROR);
	CU_ASSERT_STRING_EQUAL(d, many);
	free(d);
	free(s);
}

/* Decodes every text part of a composed message into one string. */
static char *all_decoded(const struct rc_mail_out *out)
{
	struct mailmime *mime = NULL, *alt;
	struct strbuf b;
	size_t idx = 0;

	CU_ASSERT_EQUAL_FATAL(mailmime_parse(out->data, out->len, &idx, &mime), MAILIMF_NO_ERROR);
	alt = mime->mm_data.mm_message.mm_msg_mime;
	strbuf_init(&b, 0);
	for (clistiter *it = clist_begin(alt->mm_data.mm_multipart.mm_mp_list); it; it = clist_next(it)) {
		char *d = decode_part(clist_content(it));
		strbuf_append(&b, d, strlen(d));
		free(d);
	}
	mailmime_free(mime);
	return strbuf_steal(&b);
}

static void mime__customer_mail_has_only_its_own_data(void)
{
	struct rc_report *r = fix_report(), view = rc_report_view_customer(r, 2);
	const char *to[] = {"kari@exact.example"};
	struct rc_mail_out out;
	char *err = NULL, *body, *subject;

	subject = rc_report_subject(&view);
	CU_ASSERT_STRING_EQUAL(subject, "SLA report 2026-W14 for Exactly On Target AS: 95.00 % (target met)");
	free(subject);
	CU_ASSERT_EQUAL_FATAL(rc_report_mail(&view, "sla@example.com", to, 1, r->as_of, &out, &err), 0);
	body = all_decoded(&out);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "Exactly On Target AS"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "Server down"));
	/* no other customer's name, subject or figures */
	CU_ASSERT_PTR_NULL(strstr(body, "ACME"));
	CU_ASSERT_PTR_NULL(strstr(body, "Bl\xC3\xA5"));
	CU_ASSERT_PTR_NULL(strstr(body, "Very Long"));
	CU_ASSERT_PTR_NULL(strstr(body, "script"));
	CU_ASSERT_PTR_NULL(strstr(body, "93.55"));
	CU_ASSERT_PTR_NULL(strstr(body, "tomorrow"));
	CU_ASSERT_PTR_NULL(strstr(out.data, "ACME"));
	free(body);
	rc_mail_out_free(&out);
	subject = rc_report_subject(r);
	CU_ASSERT_STRING_EQUAL(subject, "SLA report 2026-W14: 1 of 3 customers below target");
	free(subject);
	rc_report_free(&r);
}

int main(void)
{
	CU_pSuite s;
	unsigned failed;

	signal(SIGPIPE, SIG_IGN);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite("mime", NULL, NULL);
	CU_add_test(s, "mime__structure_headers_and_parts", mime__structure_headers_and_parts);
	CU_add_test(s, "mime__message_ids_unique", mime__message_ids_unique);
	CU_add_test(s, "mime__bad_from_named", mime__bad_from_named);
	CU_add_test(s, "mime__rfc2047_encode", mime__rfc2047_encode);
	CU_add_test(s, "mime__customer_mail_has_only_its_own_data",
		    mime__customer_mail_has_only_its_own_data);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
