/* Server certificate verification with GnuTLS, for the IMAP and SMTP
 * clients: libetpan's GnuTLS build verifies nothing, so after the handshake
 * and before any credentials are sent, the caller hands the peer chain here. */
#ifndef RC_TLS_VERIFY_H
#define RC_TLS_VERIFY_H

#include <stddef.h>

/* One certificate in DER form (the peer's chain, leaf first). */
struct tls_der {
	const unsigned char *data;
	size_t len;
};

/* Verifies the chain against the system trust store plus `ca_file` (PEM,
 * may be NULL or "") and checks that the leaf is valid for `host` (a DNS name,
 * or an IPv4/IPv6 literal matched against the IP SAN). Returns 0 when
 * trusted; -1 with a malloc'd *err such as "certificate for 127.0.0.1 not
 * trusted: issuer unknown" or "certificate for mail.example.com not trusted:
 * name does not match". */
int tls_verify_chain(const struct tls_der *chain, size_t n, const char *host,
		     const char *ca_file, char **err);

#endif
