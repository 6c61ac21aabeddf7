/* Verifies a TLS server's certificate chain and host name with GnuTLS. */
#include "tracker/tls_verify.h"
#include "tracker/util.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdlib.h>
#include <string.h>

#define TLS_MAX_CHAIN 16

/* GnuTLS's own text for the status bits ("The certificate issuer is
 * unknown.") is long; the common bits get short words, the rest falls back
 * to gnutls_certificate_verification_status_print. */
static char *status_text(unsigned status)
{
	static const struct {
		unsigned bit;
		const char *text;
	} words[] = {
		{ GNUTLS_CERT_SIGNER_NOT_FOUND, "issuer unknown" },
		{ GNUTLS_CERT_UNEXPECTED_OWNER, "name does not match" },
		{ GNUTLS_CERT_EXPIRED, "expired" },
		{ GNUTLS_CERT_NOT_ACTIVATED, "not yet valid" },
		{ GNUTLS_CERT_REVOKED, "revoked" },
		{ GNUTLS_CERT_SIGNATURE_FAILURE, "bad signature" },
		{ GNUTLS_CERT_INSECURE_ALGORITHM, "insecure algorithm" },
		{ GNUTLS_CERT_SIGNER_NOT_CA, "issuer is not a CA" },
		{ GNUTLS_CERT_PURPOSE_MISMATCH, "not a TLS server certificate" },
	};
	struct strbuf b;
	strbuf_init(&b, 0);
	unsigned rest = status & ~(unsigned)GNUTLS_CERT_INVALID;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (!(rest & words[i].bit))
			continue;
		strbuf_appendf(&b, "%s%s", b.len ? ", " : "", words[i].text);
		rest &= ~words[i].bit;
	}
	if (rest || !b.len) {
		gnutls_datum_t out = { 0 };
		if (gnutls_certificate_verification_status_print(rest ? rest : status,
								 GNUTLS_CRT_X509, &out, 0) == 0) {
			strbuf_appendf(&b, "%s%s", b.len ? ", " : "", (char *)out.data);
			gnutls_free(out.data);
		} else {
			strbuf_appendf(&b, "%sstatus 0x%x", b.len ? ", " : "", status);
		}
	}
	return strbuf_steal(&b);
}

static int build_trust(gnutls_x509_trust_list_t *tl, const char *ca_file, char **err)
{
	int r = gnutls_x509_trust_list_init(tl, 0);
	if (r < 0) {
		*err = xasprintf("cannot set up certificate checks: %s", gnutls_strerror(r));
		return -1;
	}
	/* A missing system store is not fatal: ca_file alone may be enough. */
	(void)gnutls_x509_trust_list_add_system_trust(*tl, 0, 0);
	if (ca_file && *ca_file) {
		r = gnutls_x509_trust_list_add_trust_file(*tl, ca_file, NULL,
							  GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0) {
			*err = xasprintf("ca_file %s: %s", ca_file,
					 r < 0 ? gnutls_strerror(r) : "no certificate found in it");
			gnutls_x509_trust_list_deinit(*tl, 1);
			return -1;
		}
	}
	return 0;
}

static int import_chain(const struct tls_der *chain, size_t n, gnutls_x509_crt_t *crts,
			const char *host, char **err)
{
	for (size_t i = 0; i < n; i++) {
		gnutls_datum_t d = { (unsigned char *)chain[i].data, (unsigned)chain[i].len };
		int r = gnutls_x509_crt_init(&crts[i]);
		if (r >= 0)
			r = gnutls_x509_crt_import(crts[i], &d, GNUTLS_X509_FMT_DER);
		if (r < 0) {
			*err = xasprintf("certificate for %s not trusted: cannot read certificate %zu: %s",
					 host, i + 1, gnutls_strerror(r));
			return -1;
		}
	}
	return 0;
}

int tls_verify_chain(const struct tls_der *chain, size_t n, const char *host,
		     const char *ca_file, char **err)
{
	if (n == 0) {
		*err = xasprintf("certificate for %s not trusted: the server sent none", host);
		return -1;
	}
	if (n > TLS_MAX_CHAIN)
		n = TLS_MAX_CHAIN;
	gnutls_x509_trust_list_t tl;
	if (build_trust(&tl, ca_file, err) < 0)
		return -1;
	gnutls_x509_crt_t crts[TLS_MAX_CHAIN] = { 0 };
	int ret = import_chain(chain, n, crts, host, err);
	if (ret == 0) {
		/* GNUTLS_DT_DNS_HOSTNAME also matches IP literals against the IP SAN. */
		gnutls_typed_vdata_st vd[2] = {
			{ GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)host, 0 },
			{ GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0 },
		};
		unsigned status = 0;
		int r = gnutls_x509_trust_list_verify_crt2(tl, crts, (unsigned)n, vd, 2, 0,
							   &status, NULL);
		if (r < 0) {
			*err = xasprintf("certificate for %s not trusted: %s", host, gnutls_strerror(r));
			ret = -1;
		} else if (status != 0) {
			char *why = status_text(status);
			*err = xasprintf("certificate for %s not trusted: %s", host, why);
			free(why);
			ret = -1;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (crts[i])
			gnutls_x509_crt_deinit(crts[i]);
	gnutls_x509_trust_list_deinit(tl, 1);
	return ret;
}
