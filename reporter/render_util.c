/* UTF-8 and escaping helpers for the report renderers (text, HTML, CSV, JSON). */
#include "reporter/render_util.h"

#include <string.h>

uint32_t rc_utf8_next(const char **pp)
{
	const unsigned char *p = (const unsigned char *)*pp;
	uint32_t cp;
	int len;

	if (p[0] < 0x80) {
		*pp += 1;
		return p[0];
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2;
		cp = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		cp = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		*pp += 1;
		return 0xFFFD;
	}
	for (int i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*pp += 1;
			return 0xFFFD;
		}
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	/* overlong forms, surrogates and values past U+10FFFF are invalid */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF)) {
		*pp += 1;
		return 0xFFFD;
	}
	*pp += len;
	return cp;
}

void rc_utf8_put(struct strbuf *b, uint32_t cp)
{
	char o[4];
	size_t n;

	if (cp < 0x80) {
		o[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		o[0] = (char)(0xF0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	strbuf_append(b, o, n);
}

int rc_cp_width(uint32_t cp)
{
	if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F) ||
	    (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0x20E3)
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
	    (cp >= 0x20000 && cp <= 0x3FFFD))
		return 2;
	return 1;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028 || cp == 0x2029;
}

size_t rc_text_width(const char *s)
{
	size_t w = 0;

	while (*s) {
		uint32_t cp = rc_utf8_next(&s);
		w += is_control(cp) ? 1 : (size_t)rc_cp_width(cp);
	}
	return w;
}

void rc_text_cell(struct strbuf *b, const char *s, int width, bool right)
{
	struct strbuf tmp;
	const char *p = s ? s : "";
	int used = 0;
	bool cut = (int)rc_text_width(p) > width;
	int room = cut ? width - 1 : width;

	strbuf_init(&tmp, 0);
	while (*p) {
		uint32_t cp = rc_utf8_next(&p);
		int w;
		if (is_control(cp))
			cp = ' ';
		w = rc_cp_width(cp);
		if (used + w > room)
			break;
		rc_utf8_put(&tmp, cp);
		used += w;
	}
	if (cut) {
		strbuf_append(&tmp, "\xE2\x80\xA6", 3); /* … */
		used++;
	}
	if (right)
		for (int i = used; i < width; i++)
			strbuf_append(b, " ", 1);
	strbuf_append(b, tmp.s ? tmp.s : "", tmp.len);
	if (!right)
		for (int i = used; i < width; i++)
			strbuf_append(b, " ", 1);
	strbuf_free(&tmp);
}

void rc_html_escape(struct strbuf *b, const char *s)
{
	const char *p = s ? s : "";

	while (*p) {
		uint32_t cp = rc_utf8_next(&p);
		switch (cp) {
		case '&': strbuf_append(b, "&amp;", 5); break;
		case '<': strbuf_append(b, "&lt;", 4); break;
		case '>': strbuf_append(b, "&gt;", 4); break;
		case '"': strbuf_append(b, "&quot;", 6); break;
		case '\'': strbuf_append(b, "&#39;", 5); break;
		default:
			rc_utf8_put(b, is_control(cp) && cp != '\t' ? ' ' : cp);
		}
	}
}

void rc_json_string(struct strbuf *b, const char *s)
{
	const char *p = s ? s : "";

	strbuf_append(b, "\"", 1);
	while (*p) {
		uint32_t cp = rc_utf8_next(&p);
		switch (cp) {
		case '"': strbuf_append(b, "\\\"", 2); break;
		case '\\': strbuf_append(b, "\\\\", 2); break;
		case '\n': strbuf_append(b, "\\n", 2); break;
		case '\r': strbuf_append(b, "\\r", 2); break;
		case '\t': strbuf_append(b, "\\t", 2); break;
		default:
			/* U+2028/9 are escaped too: valid JSON, but they break
			 * JavaScript consumers that embed the document. */
			if (cp < 0x20 || cp == 0x7F || cp == 0x2028 || cp == 0x2029)
				strbuf_appendf(b, "\\u%04x", (unsigned)cp);
			else
				rc_utf8_put(b, cp);
		}
	}
	strbuf_append(b, "\"", 1);
}

void rc_csv_field(struct strbuf *b, const char *s)
{
	const char *p = s ? s : "";
	size_t n = strlen(p);
	bool quote = strpbrk(p, ",\"\r\n") != NULL || (n && (p[0] == ' ' || p[n - 1] == ' '));

	if (quote)
		strbuf_append(b, "\"", 1);
	while (*p) {
		uint32_t cp = rc_utf8_next(&p);
		if (cp == '"')
			strbuf_append(b, "\"\"", 2);
		else
			rc_utf8_put(b, cp);
	}
	if (quote)
		strbuf_append(b, "\"", 1);
}
