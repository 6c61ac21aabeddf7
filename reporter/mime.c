/* Composes the report mail with libetpan's mailimf/mailmime: a
 * multipart/alternative of text and HTML, UTF-8, quoted-printable, with the
 * headers a mail reader and an auto-responder expect. */
#include "reporter/mail.h"
#include "tracker/util.h"

#include <libetpan/libetpan.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
			return false;
	return true;
}

static void base64(struct strbuf *b, const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		char o[4] = {tab[v >> 18], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=',
			     i + 2 < n ? tab[v & 63] : '='};
		strbuf_append(b, o, 4);
	}
}

char *rc_rfc2047_encode(const char *in)
{
	struct strbuf b;
	char *s = xstrdup(in ? in : ""), *p;
	size_t n, i = 0;

	for (p = s; *p; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' '; /* no header injection, no folding surprises */
	if (plain_ascii(s) && !strstr(s, "=?"))
		return s;
	strbuf_init(&b, 0);
	n = strlen(s);
	while (i < n) {
		/* at most 45 bytes (60 base64 chars, 72 in all), cut before a
		 * UTF-8 continuation byte so no character is split */
		size_t len = n - i < 45 ? n - i : 45;
		while (len < n - i && len > 1 && ((unsigned char)s[i + len] & 0xC0) == 0x80)
			len--;
		if (b.len)
			strbuf_append(&b, " ", 1);
		strbuf_append(&b, "=?UTF-8?B?", 10);
		base64(&b, (const unsigned char *)s + i, len);
		strbuf_append(&b, "?=", 2);
		i += len;
	}
	free(s);
	return strbuf_steal(&b);
}

/* Parses one address ("Name <a@b>" or "a@b") into a mailbox whose display
 * name is ready to write (RFC 2047 when needed). */
static struct mailimf_mailbox *parse_mailbox(const char *s, const char *what, char **err)
{
	struct mailimf_mailbox *mb = NULL;
	size_t idx = 0;

	if (!s || !*s || strlen(s) > RC_MAIL_MAX_HEADER || strpbrk(s, "\r\n") ||
	    mailimf_mailbox_parse(s, strlen(s), &idx, &mb) != MAILIMF_NO_ERROR) {
		*err = xasprintf("%s: cannot read the address '%.100s' (expected a@b or Name <a@b>)",
				 what, s ? s : "");
		return NULL;
	}
	if (idx != strlen(s) || !strchr(mb->mb_addr_spec, '@')) {
		*err = xasprintf("%s: cannot read the address '%.100s' (expected a@b or Name <a@b>)",
				 what, s);
		mailimf_mailbox_free(mb);
		return NULL;
	}
	if (mb->mb_display_name) {
		char *enc = rc_rfc2047_encode(mb->mb_display_name);
		/* plain names are re-quoted by libetpan when they need it */
		free(mb->mb_display_name);
		mb->mb_display_name = enc;
	}
	return mb;
}

static void random_hex(char hex[33])
{
	unsigned char rnd[16];

	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		abort(); /* the kernel's generator does not fail for 16 bytes */
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
}

static char *new_message_id(const char *domain)
{
	char hex[33];

	random_hex(hex);
	return xasprintf("replyclock.%s@%s", hex, domain);
}

static struct mailimf_date_time *date_header(time_t t, const struct rc_tz *tz)
{
	struct tm lt;
	int off;

	rc_tz_instant_to_local(tz, t, &lt);
	off = (int)lt.tm_gmtoff / 60;
	/* zone as the digits of +HHMM, e.g. +0200 -> 200, -0330 -> -330 */
	return mailimf_date_time_new(lt.tm_mday, lt.tm_mon + 1, lt.tm_year + 1900, lt.tm_hour,
				     lt.tm_min, lt.tm_sec, (off / 60) * 100 + off % 60);
}

/* Quoted-printable (RFC 2045 §6.7) with CRLF hard breaks and soft breaks
 * before column 76. Done here because libetpan 1.9.4's encoder writes a
 * line's trailing space twice ("-- " came back as "--  "). Also encodes a
 * leading "F" of "From " and a leading "." so no relay mangles the line. */
static char *qp_encode(const char *in, size_t *len)
{
	struct strbuf b;
	size_t col = 0;

	strbuf_init(&b, 0);
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		char tok[4];
		bool eol = p[1] == '\n' || (p[1] == '\r' && p[2] == '\n') || p[1] == '\0';
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n') {
			strbuf_append(&b, "\r\n", 2);
			col = 0;
			continue;
		}
		if ((*p >= 33 && *p <= 126 && *p != '=' && !(col == 0 && *p == '.') &&
		     !(col == 0 && *p == 'F' && strncmp((const char *)p, "From ", 5) == 0)) ||
		    ((*p == ' ' || *p == '\t') && !eol))
			snprintf(tok, sizeof tok, "%c", *p);
		else
			snprintf(tok, sizeof tok, "=%02X", *p);
		if (col + strlen(tok) > (eol ? 76 : 75)) {
			strbuf_append(&b, "=\r\n", 3);
			col = 0;
		}
		strbuf_append(&b, tok, strlen(tok));
		col += strlen(tok);
	}
	*len = b.len;
	return strbuf_steal(&b);
}

/* A text part; its encoded body is referenced by libetpan, so it is kept in
 * *keep until the message has been written. */
static struct mailmime *text_part(const char *type, const char *body, char **keep)
{
	struct mailmime_content *ct = mailmime_content_new_with_str(type);
	struct mailmime_parameter *cs = mailmime_param_new_with_data("charset", "utf-8");
	struct mailmime_fields *f = mailmime_fields_new_encoding(MAILMIME_MECHANISM_QUOTED_PRINTABLE);
	struct mailmime *part;
	size_t len;

	clist_append(ct->ct_parameters, cs);
	part = mailmime_new_empty(ct, f);
	*keep = qp_encode(body, &len);
	part->mm_data.mm_single = mailmime_data_new(MAILMIME_DATA_TEXT,
						    MAILMIME_MECHANISM_QUOTED_PRINTABLE, 1, *keep, len,
						    NULL);
	return part;
}

/* libetpan's boundary comes from time, pid and an unseeded random(): easy to
 * guess, so a subject could carry it. Use 128 random bits instead. */
static void set_boundary(struct mailmime *multipart)
{
	clist *params = multipart->mm_content_type->ct_parameters;

	for (clistiter *it = clist_begin(params); it; it = clist_next(it)) {
		struct mailmime_parameter *p = clist_content(it);
		if (strcasecmp(p->pa_name, "boundary") == 0) {
			char hex[33];
			random_hex(hex);
			free(p->pa_value);
			/* "=_" never occurs in quoted-printable text */
			p->pa_value = xasprintf("=_rc_%s", hex);
		}
	}
}

static struct mailimf_fields *headers(const struct rc_mail_in *in, struct rc_mail_out *out,
				      char **err)
{
	struct mailimf_mailbox *from = parse_mailbox(in->from, "[report] from", err);
	struct mailimf_mailbox_list *from_list;
	struct mailimf_address_list *to;
	struct mailimf_fields *f;

	if (!from)
		return NULL;
	if (in->n_to == 0 || in->n_to > RC_MAIL_MAX_RCPT) {
		*err = xasprintf("[report] to: %zu recipients (1 to %d allowed)", in->n_to,
				 RC_MAIL_MAX_RCPT);
		mailimf_mailbox_free(from);
		return NULL;
	}
	out->envelope_from = xstrdup(from->mb_addr_spec);
	out->message_id = new_message_id(strrchr(from->mb_addr_spec, '@') + 1);
	from_list = mailimf_mailbox_list_new_empty();
	mailimf_mailbox_list_add(from_list, from);
	to = mailimf_address_list_new_empty();
	out->rcpt = xcalloc(in->n_to, sizeof *out->rcpt);
	for (size_t i = 0; i < in->n_to; i++) {
		struct mailimf_mailbox *mb = parse_mailbox(in->to[i], "recipient", err);
		if (!mb) {
			mailimf_mailbox_list_free(from_list);
			mailimf_address_list_free(to);
			return NULL;
		}
		out->rcpt[out->n_rcpt++] = xstrdup(mb->mb_addr_spec);
		mailimf_address_list_add(to, mailimf_address_new(MAILIMF_ADDRESS_MAILBOX, mb, NULL));
	}
	f = mailimf_fields_new_with_data_all(date_header(in->date, in->tz), from_list, NULL, NULL, to,
					     NULL, NULL, xstrdup(out->message_id), NULL, NULL,
					     rc_rfc2047_encode(in->subject));
	/* RFC 3834: tell auto-responders not to answer a robot */
	mailimf_fields_add(f, mailimf_field_new_custom(xstrdup("Auto-Submitted"),
						       xstrdup("auto-generated")));
	mailimf_fields_add(f, mailimf_field_new_custom(xstrdup("X-Auto-Response-Suppress"),
						       xstrdup("All")));
	return f;
}

int rc_mail_compose(const struct rc_mail_in *in, struct rc_mail_out *out, char **err)
{
	struct mailimf_fields *f;
	struct mailmime *msg, *body;
	MMAPString *s;
	int col = 0, r;
	char *keep[2] = {NULL, NULL};

	memset(out, 0, sizeof *out);
	if (!(f = headers(in, out, err))) {
		rc_mail_out_free(out);
		return -1;
	}
	msg = mailmime_new_message_data(NULL);
	mailmime_set_imf_fields(msg, f);
	if (in->html) {
		body = mailmime_multiple_new("multipart/alternative");
		set_boundary(body);
		mailmime_smart_add_part(body, text_part("text/plain", in->text, &keep[0]));
		mailmime_smart_add_part(body, text_part("text/html", in->html, &keep[1]));
	} else
		body = text_part("text/plain", in->text, &keep[0]);
	mailmime_smart_add_part(msg, body);
	s = mmap_string_new("");
	r = mailmime_write_mem(s, &col, msg);
	if (r == MAILIMF_NO_ERROR) {
		out->data = xstrndup(s->str, s->len);
		out->len = s->len;
	} else
		*err = xasprintf("cannot compose the report mail (libetpan error %d)", r);
	mmap_string_free(s);
	mailmime_free(msg);
	free(keep[0]);
	free(keep[1]);
	if (r != MAILIMF_NO_ERROR) {
		rc_mail_out_free(out);
		return -1;
	}
	return 0;
}

void rc_mail_out_free(struct rc_mail_out *out)
{
	for (size_t i = 0; i < out->n_rcpt; i++)
		free(out->rcpt[i]);
	free(out->rcpt);
	free(out->data);
	free(out->message_id);
	free(out->envelope_from);
	memset(out, 0, sizeof *out);
}
