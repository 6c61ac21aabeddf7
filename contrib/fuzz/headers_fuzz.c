/* libFuzzer target over the header parser (intake/headers.c): any bytes as
 * a header block must parse without a crash, leak or overflow, and every
 * string it returns must be bounded, NUL-free UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intake/intake_p.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *s)
{
	if (!s)
		return;
	size_t n = strlen(s);
	bool changed = true;
	char *c = hdr_clean_utf8(s, n, n + 1, &changed);
	free(c);
	if (changed || n > 64 * 1024)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message m;
	memset(&m, 0, sizeof m);
	headers_parse((const char *)data, size, &m);
	if (!m.message_id || m.raw_headers_len > MSG_MAX_HEADER_BYTES)
		abort();
	check(m.message_id);
	check(m.in_reply_to);
	check(m.from_addr);
	check(m.from_name);
	check(m.subject);
	check(m.content_type);
	check(m.parse_error);
	for (size_t i = 0; i < m.references.n; i++)
		check(m.references.v[i]);
	for (size_t i = 0; i < m.to_addrs.n; i++)
		check(m.to_addrs.v[i]);
	if (m.references.n > MSG_MAX_LIST_ITEMS || m.to_addrs.n > MSG_MAX_LIST_ITEMS)
		abort();
	message_clear(&m);
	return 0;
}
