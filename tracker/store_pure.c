/* Pure helpers of the store: failure classification and the encodings of
 * values handed to libpq (array literals, COPY text fields, UTF-8 repair, bytea hex). */
#include "tracker/store_p.h"
#include "tracker/util.h"

#include <string.h>

int store_classify(const char *sqlstate, bool conn_bad)
{
	if (conn_bad)
		return STORE_WAIT;
	if (!sqlstate || strlen(sqlstate) != 5)
		return STORE_FINAL;
	/* Class 08: connection exception; 57P01-57P05: the server is shutting
	 * down, crashed, is starting, or closed an idle session. */
	if (!strncmp(sqlstate, "08", 2) || !strncmp(sqlstate, "57P0", 4))
		return STORE_WAIT;
	/* Class 53 (too many connections, disk full, out of memory) is the
	 * server's trouble, not the data's: waiting can fix it. */
	if (!strncmp(sqlstate, "53", 2))
		return STORE_WAIT;
	if (!strcmp(sqlstate, "40001") || !strcmp(sqlstate, "40P01"))
		return STORE_RETRY;
	return STORE_FINAL;
}

void pg_array_begin(struct strbuf *b)
{
	strbuf_append(b, "{", 1);
}

void pg_array_add(struct strbuf *b, const char *elem)
{
	/* Elements end in '"' or "NULL", so '{' last means "first element". */
	if (b->len && b->s[b->len - 1] != '{')
		strbuf_append(b, ",", 1);
	if (!elem) {
		strbuf_append(b, "NULL", 4);
		return;
	}
	/* Always quoted: then only " and \ are special, and white space,
	 * commas, braces and the word NULL are taken literally. */
	strbuf_append(b, "\"", 1);
	for (const char *p = elem; *p;) {
		size_t run = strcspn(p, "\"\\");
		strbuf_append(b, p, run);
		p += run;
		if (!*p)
			break;
		strbuf_append(b, "\\", 1);
		strbuf_append(b, p, 1);
		p++;
	}
	strbuf_append(b, "\"", 1);
}

void pg_array_end(struct strbuf *b)
{
	strbuf_append(b, "}", 1);
}

char *pg_array_literal(const char *const *v, size_t n)
{
	struct strbuf b;
	strbuf_init(&b, 0);
	pg_array_begin(&b);
	for (size_t i = 0; i < n; i++)
		pg_array_add(&b, v[i]);
	pg_array_end(&b);
	return strbuf_steal(&b);
}

/* Length of the valid UTF-8 sequence at p (at most `left` bytes), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *p, size_t left)
{
	if (p[0] < 0x80)
		return 1;
	size_t len;
	unsigned min;
	unsigned cp;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2, min = 0x80, cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, min = 0x800, cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4, min = 0x10000, cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (left < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool utf8_valid_n(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n && p[i] < 0x80) /* most headers are ASCII */
		i++;
	for (size_t len; i < n; i += len)
		if (!(len = utf8_seq_len(p + i, n - i)))
			return false;
	return true;
}

bool utf8_valid(const char *s)
{
	return utf8_valid_n(s, strlen(s));
}

char *utf8_sanitize(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	struct strbuf b;
	strbuf_init(&b, 0);
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_seq_len(p + i, n - i);
		if (len) {
			strbuf_append(&b, s + i, len);
			i += len;
		} else {
			strbuf_append(&b, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	return strbuf_steal(&b);
}

char *bytea_hex(const void *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *u = p;
	char *out = xmalloc(2 * n + 3);
	out[0] = '\\';
	out[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		out[2 + 2 * i] = digits[u[i] >> 4];
		out[3 + 2 * i] = digits[u[i] & 0xf];
	}
	out[2 + 2 * n] = '\0';
	return out;
}
