/* Parses a message's header block into the message model with libetpan's
 * mailimf (addresses, ids, dates) and mailmime (RFC 2047) parsers, field by
 * field, so one broken field never costs the others. */
#include "intake/intake_p.h"
#include "tracker/util.h"

#include <ctype.h>
#include <gnutls/crypto.h>
#include <iconv.h>
#include <libetpan/libetpan.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PARSE_ERROR_MAX 1024
/* A References or To field with MSG_MAX_LIST_ITEMS entries of one field's
 * size fits; longer values are cut (the cut is recorded). */
#define FIELD_VALUE_MAX (64 * 1024)

const char *const headers_wanted[] = {
	"MESSAGE-ID", "IN-REPLY-TO", "REFERENCES", "FROM", "TO", "CC", "DATE", "SUBJECT",
	"AUTO-SUBMITTED", "X-AUTOREPLY", "X-AUTORESPOND", "X-LOOP", "X-AUTO-RESPONSE-SUPPRESS",
	"PRECEDENCE", "LIST-ID", "CONTENT-TYPE", "THREAD-INDEX", NULL,
};

enum hdr {
	H_MESSAGE_ID, H_IN_REPLY_TO, H_REFERENCES, H_FROM, H_TO, H_CC, H_DATE, H_SUBJECT,
	H_AUTO_SUBMITTED, H_X_AUTOREPLY, H_X_AUTORESPOND, H_X_LOOP, H_X_ARS,
	H_PRECEDENCE, H_LIST_ID, H_CONTENT_TYPE, H_THREAD_INDEX, H_COUNT
};

/* The unfolded values of the wanted fields: the first occurrence, except To
 * and Cc whose occurrences are joined with commas. */
struct fields {
	struct strbuf v[H_COUNT];
	bool seen[H_COUNT];
	struct strbuf err;
};

static void note(struct fields *f, const char *fmt, const char *arg)
{
	if (f->err.len >= PARSE_ERROR_MAX - 80)
		return;
	if (f->err.len)
		strbuf_append(&f->err, "; ", 2);
	strbuf_appendf(&f->err, fmt, arg);
}

/* ---------------------------------------------------------------- UTF-8 */

static size_t utf8_seq_len(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return c ? 1 : 0;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, min = 0x10000;
	else
		return 0;
	if (left < n)
		return 0;
	unsigned cp = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool hdr_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(p + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

char *hdr_clean_utf8(const char *s, size_t len, size_t cap, bool *changed)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc((len < cap ? len : cap) + 4);
	size_t o = 0;
	bool ch = false;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(p + i, len - i);
		const char *src = (const char *)p + i;
		size_t step = n;
		if (!n) {
			src = "\xef\xbf\xbd";
			n = 3;
			step = 1;
			ch = true;
		}
		if (o + n > cap) {
			ch = true;
			break;
		}
		if (o + n > (len < cap ? len : cap) + 3)
			out = xrealloc(out, o + n + 64);
		memcpy(out + o, src, n);
		o += n;
		i += step;
	}
	out[o] = '\0';
	if (changed)
		*changed = ch;
	return out;
}

/* ------------------------------------------------------ field splitting */

static int wanted_index(const char *name, size_t n)
{
	for (int i = 0; headers_wanted[i]; i++)
		if (strlen(headers_wanted[i]) == n && strncasecmp(headers_wanted[i], name, n) == 0)
			return i;
	return -1;
}

/* Appends one physical line's content to the current field's value; folding
 * keeps the leading white space and drops the line break (RFC 5322 2.2.3). */
static void add_value(struct fields *f, int idx, const char *s, size_t n)
{
	if (idx < 0)
		return;
	struct strbuf *b = &f->v[idx];
	if (b->len + n > FIELD_VALUE_MAX) {
		if (b->len < FIELD_VALUE_MAX)
			note(f, "%s header cut at 64 KiB", headers_wanted[idx]);
		n = b->len < FIELD_VALUE_MAX ? FIELD_VALUE_MAX - b->len : 0;
	}
	strbuf_append(b, s, n);
}

/* Starts a field; returns its index in headers_wanted, -1 when not wanted
 * or a repeat that is ignored (only To and Cc repeat usefully). */
static int start_field(struct fields *f, const char *name, size_t n)
{
	int idx = wanted_index(name, n);
	if (idx < 0)
		return -1;
	if (f->seen[idx]) {
		if (idx != H_TO && idx != H_CC)
			return -1;
		add_value(f, idx, ",", 1);
	}
	f->seen[idx] = true;
	return idx;
}

static size_t field_name_len(const char *line, size_t n)
{
	size_t i = 0;
	while (i < n && line[i] > 32 && line[i] < 127 && line[i] != ':')
		i++;
	size_t name = i;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;   /* "Subject : x" is obsolete syntax but seen in the wild */
	return (i < n && line[i] == ':' && name > 0) ? name : 0;
}

/* Splits the block into fields. Lines end in LF or CRLF; the block ends at
 * the first empty line. A line that is neither a field nor a continuation is
 * recorded and skipped. */
static void split_fields(const char *buf, size_t len, struct fields *f)
{
	int cur = -1;
	size_t lineno = 0;
	bool noted_bad = false;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - pos;
		const char *line = buf + pos;
		pos = nl ? end + 1 : len;
		lineno++;
		if (n && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t') {
			add_value(f, cur, line, n);
			continue;
		}
		size_t nlen = field_name_len(line, n);
		if (!nlen) {
			if (!noted_bad) {
				char num[32];
				snprintf(num, sizeof num, "%zu", lineno);
				note(f, "line %s is not a header field", num);
				noted_bad = true;
			}
			cur = -1;
			continue;
		}
		cur = start_field(f, line, nlen);
		const char *v = memchr(line, ':', n) + 1;
		add_value(f, cur, v, n - (size_t)(v - line));
	}
}

/* ------------------------------------------------------------- decoding */

/* A field value as a NUL-free C string (NULs and CRs become spaces). */
static char *value_cstr(const struct strbuf *b)
{
	char *s = xmalloc(b->len + 1);
	for (size_t i = 0; i < b->len; i++)
		s[i] = (b->s[i] == '\0' || b->s[i] == '\r') ? ' ' : b->s[i];
	s[b->len] = '\0';
	return str_trim(s);
}

static bool common_charset(const char *cs)
{
	static const char *const known[] = { "utf-8", "us-ascii", "iso-8859-1", "iso-8859-15",
					     "windows-1252", "iso-8859-2", "windows-1250", "koi8-r",
					     "gb2312", "gbk", "big5", "shift_jis", "iso-2022-jp",
					     "euc-kr", NULL };
	for (size_t i = 0; known[i]; i++)
		if (strcasecmp(cs, known[i]) == 0)
			return true;
	return false;
}

/* libetpan decodes a word in an unknown charset as if it were Latin-1 and
 * says nothing; name such charsets so the reason is recorded. */
static void check_charsets(struct fields *f, const char *s, const char *what)
{
	for (const char *p = strstr(s, "=?"); p; p = strstr(p + 2, "=?")) {
		const char *q = strchr(p + 2, '?');
		if (!q || q - p > 66)
			continue;
		char cs[64];
		size_t n = strcspn(p + 2, "?*");   /* RFC 2231 language after '*' */
		snprintf(cs, sizeof cs, "%.*s", (int)n, p + 2);
		if (common_charset(cs))
			goto next;   /* iconv_open per word is costly; these always exist */
		iconv_t ic = iconv_open("UTF-8", cs);
		if (ic == (iconv_t)-1) {
			char msg[160];
			snprintf(msg, sizeof msg, "%s has unknown charset %s", what, cs);
			bool ch;
			char *clean = hdr_clean_utf8(msg, strlen(msg), sizeof msg, &ch);
			note(f, "%s", clean);
			free(clean);
			return;
		}
		iconv_close(ic);
next:
		p = q - 1;   /* the next search starts after the '?' (q may end s) */
	}
}

/* Decodes RFC 2047 encoded words to UTF-8 with libetpan. Unencoded 8-bit
 * text is taken as UTF-8 when valid, else as Latin-1 (what old clients send). */
static char *decode_phrase(struct fields *f, const char *s, const char *what)
{
	size_t len = strlen(s), idx = 0;
	char *out = NULL;
	const char *from = hdr_utf8_valid(s, len) ? "utf-8" : "iso-8859-1";
	check_charsets(f, s, what);
	int r = mailmime_encoded_phrase_parse(from, s, len, &idx, "utf-8", &out);
	bool changed = false;
	char *res;
	if (r != MAILIMF_NO_ERROR || !out) {
		note(f, "%s could not be decoded", what);
		res = hdr_clean_utf8(s, len, MSG_MAX_FIELD_BYTES, &changed);
	} else {
		res = hdr_clean_utf8(out, strlen(out), MSG_MAX_FIELD_BYTES, &changed);
		if (strstr(out, "=?") && strstr(out, "?="))
			note(f, "%s has an encoded word that could not be decoded", what);
	}
	if (changed)
		note(f, "%s had invalid or too long text", what);
	free(out);
	return res;
}

static char *lower_addr(struct fields *f, const char *addr)
{
	bool changed = false;
	char *a = hdr_clean_utf8(addr, strlen(addr), MSG_MAX_FIELD_BYTES, &changed);
	if (changed)
		note(f, "address %s", "had invalid or too long text");
	for (char *p = a; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return str_trim(a);
}

static void strlist_add(struct strlist *l, char *s)
{
	if (l->n >= MSG_MAX_LIST_ITEMS) {
		free(s);
		return;
	}
	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	l->v[l->n++] = s;
}

/* Message ids: libetpan's list parser first; when it fails (ids without
 * angle brackets, garbage between them) the <...> tokens, else the words. */
static void parse_ids(struct fields *f, const char *v, struct strlist *out, const char *what)
{
	size_t idx = 0;
	clist *ids = NULL;
	if (mailimf_msg_id_list_parse(v, strlen(v), &idx, &ids) == MAILIMF_NO_ERROR) {
		for (clistiter *it = clist_begin(ids); it; it = clist_next(it)) {
			char *id = clist_content(it);
			if (id && *id)
				strlist_add(out, hdr_clean_utf8(id, strlen(id), MSG_MAX_FIELD_BYTES, NULL));
			mailimf_msg_id_free(id);
		}
		clist_free(ids);
		if (out->n && v[idx] == '\0')
			return;
		for (size_t i = 0; i < out->n; i++)
			free(out->v[i]);
		free(out->v);
		out->v = NULL;
		out->n = 0;
	}
	bool brackets = strchr(v, '<') != NULL;
	const char *p = v;
	while (*p) {
		while (*p && (brackets ? *p != '<' : isspace((unsigned char)*p)))
			p++;
		if (!*p)
			break;
		if (brackets)
			p++;
		const char *e = p;
		while (*e && (brackets ? *e != '>' : !isspace((unsigned char)*e)) && *e != '<')
			e++;
		if (e > p)
			strlist_add(out, hdr_clean_utf8(p, (size_t)(e - p), MSG_MAX_FIELD_BYTES, NULL));
		p = *e == '>' ? e + 1 : e;
	}
	if (out->n)
		note(f, "%s is malformed (ids taken as written)", what);
	else
		note(f, "%s has no message id", what);
}

static void add_mailbox(struct fields *f, struct strlist *l, struct mailimf_mailbox *mb)
{
	if (mb && mb->mb_addr_spec)
		strlist_add(l, lower_addr(f, mb->mb_addr_spec));
}

static void parse_addresses(struct fields *f, const char *v, struct strlist *l, const char *what)
{
	size_t idx = 0;
	struct mailimf_address_list *al = NULL;
	if (mailimf_address_list_parse(v, strlen(v), &idx, &al) != MAILIMF_NO_ERROR) {
		if (*v)
			note(f, "%s is malformed", what);
		return;
	}
	for (clistiter *it = clist_begin(al->ad_list); it; it = clist_next(it)) {
		struct mailimf_address *a = clist_content(it);
		if (a->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			add_mailbox(f, l, a->ad_data.ad_mailbox);
		} else if (a->ad_data.ad_group && a->ad_data.ad_group->grp_mb_list) {
			clist *ml = a->ad_data.ad_group->grp_mb_list->mb_list;
			for (clistiter *j = clist_begin(ml); j; j = clist_next(j))
				add_mailbox(f, l, clist_content(j));
		}
	}
	if (v[idx] != '\0')
		note(f, "%s has trailing garbage", what);
	mailimf_address_list_free(al);
}

static void parse_from(struct fields *f, const char *v, struct message *m)
{
	size_t idx = 0;
	struct mailimf_mailbox_list *ml = NULL;
	if (mailimf_mailbox_list_parse(v, strlen(v), &idx, &ml) == MAILIMF_NO_ERROR) {
		clistiter *it = clist_begin(ml->mb_list);
		struct mailimf_mailbox *mb = it ? clist_content(it) : NULL;
		if (mb && mb->mb_addr_spec)
			m->from_addr = lower_addr(f, mb->mb_addr_spec);
		if (mb && mb->mb_display_name)
			m->from_name = decode_phrase(f, mb->mb_display_name, "From name");
		if (!mb || !mb->mb_addr_spec || v[idx] != '\0')
			note(f, "From is malformed", NULL);
		mailimf_mailbox_list_free(ml);
		return;
	}
	/* Not RFC 5322: keep an "addr@host" word if there is one. */
	note(f, "From is malformed", NULL);
	const char *at = strchr(v, '@');
	if (!at)
		return;
	const char *s = at, *e = at;
	while (s > v && !strchr(" \t<>\",;", s[-1]))
		s--;
	while (*e && !strchr(" \t<>\",;", *e))
		e++;
	char *addr = xstrndup(s, (size_t)(e - s));
	m->from_addr = lower_addr(f, addr);
	free(addr);
}

int intake_wall_to_epoch(int year, int month, int day, int hour, int min, int sec, int zone,
			 time_t *out)
{
	/* Every field is checked before any arithmetic: a header or a server
	 * can carry any number there (found by headers_fuzz: 9544371 * 3600
	 * overflowed). */
	long long z = zone < 0 ? -(long long)zone : zone;
	int sign = zone < 0 ? -1 : 1;
	if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 ||
	    hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60 || z / 100 > 14 ||
	    z % 100 >= 60)
		return -1;
	struct tm tm = { 0 };
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*out = timegm(&tm) - sign * (time_t)(z / 100 * 3600 + z % 100 * 60);
	return 0;
}

static time_t date_to_time(const struct mailimf_date_time *d, bool *ok)
{
	time_t t = 0;
	*ok = intake_wall_to_epoch(d->dt_year, d->dt_month, d->dt_day, d->dt_hour, d->dt_min,
				   d->dt_sec, d->dt_zone, &t) == 0;
	return t;
}

static void parse_date(struct fields *f, const char *v, struct message *m)
{
	size_t idx = 0;
	struct mailimf_date_time *d = NULL;
	if (mailimf_date_time_parse(v, strlen(v), &idx, &d) != MAILIMF_NO_ERROR) {
		note(f, "Date is unparseable", NULL);
		return;
	}
	bool ok;
	time_t t = date_to_time(d, &ok);
	mailimf_date_time_free(d);
	if (!ok) {
		note(f, "Date is out of range", NULL);
		return;
	}
	m->date = t;
	m->has_date = true;
}

/* Content-Type: only the lower-cased type/subtype is kept (4.2 needs
 * multipart/report); parameters are irrelevant here. */
static char *content_type(const char *v)
{
	size_t n = strcspn(v, "; \t(");
	char *s = hdr_clean_utf8(v, n, 255, NULL);
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

static char *raw_value(struct fields *f, const char *v, const char *what)
{
	bool changed = false;
	char *s = hdr_clean_utf8(v, strlen(v), MSG_MAX_FIELD_BYTES, &changed);
	if (changed)
		note(f, "%s had invalid or too long text", what);
	return s;
}

/* ---------------------------------------------------- synthetic Message-ID */

/* Missing Message-ID: a stable id from the fields that identify the message
 * (the same bytes give the same id in IMAP sync and in import). */
static char *synthetic_id(struct fields *f)
{
	static const enum hdr parts[] = { H_DATE, H_FROM, H_TO, H_CC, H_SUBJECT, H_IN_REPLY_TO,
					  H_REFERENCES };
	gnutls_hash_hd_t h;
	unsigned char dig[32];
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		abort();
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		char *v = value_cstr(&f->v[parts[i]]);
		gnutls_hash(h, v, strlen(v) + 1);   /* the NUL separates fields */
		free(v);
	}
	gnutls_hash_deinit(h, dig);
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", dig[i]);
	return xasprintf("%s@replyclock.invalid", hex);
}

/* ---------------------------------------------------------------- main */

static void set_message_id(struct fields *f, const char *v, struct message *m)
{
	if (f->seen[H_MESSAGE_ID] && *v) {
		struct strlist ids = { 0 };
		parse_ids(f, v, &ids, "Message-ID");
		if (ids.n) {
			m->message_id = ids.v[0];
			for (size_t i = 1; i < ids.n; i++)
				free(ids.v[i]);
			free(ids.v);
			return;
		}
		free(ids.v);
	} else {
		note(f, "no Message-ID (synthetic id used)", NULL);
	}
	m->message_id = synthetic_id(f);
	m->message_id_synthetic = true;
}

static void fill_message(struct fields *f, struct message *m)
{
	char *v[H_COUNT];
	for (int i = 0; i < H_COUNT; i++)
		v[i] = value_cstr(&f->v[i]);
	set_message_id(f, v[H_MESSAGE_ID], m);
	if (f->seen[H_IN_REPLY_TO] && *v[H_IN_REPLY_TO]) {
		struct strlist ids = { 0 };
		parse_ids(f, v[H_IN_REPLY_TO], &ids, "In-Reply-To");
		m->in_reply_to = ids.n ? ids.v[0] : NULL;
		for (size_t i = 1; i < ids.n; i++)
			free(ids.v[i]);
		free(ids.v);
	}
	if (f->seen[H_REFERENCES] && *v[H_REFERENCES])
		parse_ids(f, v[H_REFERENCES], &m->references, "References");
	if (f->seen[H_FROM])
		parse_from(f, v[H_FROM], m);
	if (f->seen[H_TO])
		parse_addresses(f, v[H_TO], &m->to_addrs, "To");
	if (f->seen[H_CC])
		parse_addresses(f, v[H_CC], &m->cc_addrs, "Cc");
	if (f->seen[H_DATE])
		parse_date(f, v[H_DATE], m);
	if (f->seen[H_SUBJECT])
		m->subject = decode_phrase(f, v[H_SUBJECT], "Subject");
	char **noise[] = { [H_AUTO_SUBMITTED] = &m->auto_submitted, [H_X_AUTOREPLY] = &m->x_autoreply,
			   [H_X_AUTORESPOND] = &m->x_autorespond, [H_X_LOOP] = &m->x_loop,
			   [H_X_ARS] = &m->x_auto_response_suppress, [H_PRECEDENCE] = &m->precedence,
			   [H_LIST_ID] = &m->list_id, [H_THREAD_INDEX] = &m->thread_index };
	for (int i = H_AUTO_SUBMITTED; i < H_COUNT; i++)
		if (i != H_CONTENT_TYPE && f->seen[i])
			*noise[i] = raw_value(f, v[i], headers_wanted[i]);
	if (f->seen[H_CONTENT_TYPE] && *v[H_CONTENT_TYPE])
		m->content_type = content_type(v[H_CONTENT_TYPE]);
	for (int i = 0; i < H_COUNT; i++)
		free(v[i]);
}

void headers_parse(const char *buf, size_t len, struct message *m)
{
	struct fields f;
	memset(&f, 0, sizeof f);
	for (int i = 0; i < H_COUNT; i++)
		strbuf_init(&f.v[i], 0);
	strbuf_init(&f.err, 0);

	/* The raw block is kept byte-exact (the store saves it as bytea). */
	m->raw_headers_len = len < MSG_MAX_HEADER_BYTES ? len : MSG_MAX_HEADER_BYTES;
	m->raw_headers = xmalloc(m->raw_headers_len + 1);
	memcpy(m->raw_headers, buf, m->raw_headers_len);
	m->raw_headers[m->raw_headers_len] = '\0';
	if (len > MSG_MAX_HEADER_BYTES)
		note(&f, "header block of %s bytes kept only in part", "more than 256 KiB");
	else if (memchr(buf, '\0', len))
		note(&f, "header block contains NUL bytes", NULL);

	split_fields(buf, len, &f);
	fill_message(&f, m);

	for (int i = 0; i < H_COUNT; i++)
		strbuf_free(&f.v[i]);
	m->parse_error = f.err.len ? strbuf_steal(&f.err) : NULL;
	strbuf_free(&f.err);
}
