/*
 * tls.h - the one TLS client setting of the policy fetch, the TLS-RPT
 * https: POST (both through https.c's CURLOPT_SSL_CTX_FUNCTION) and the MX
 * probe: TLS 1.2 at least, and the peer name checked by OpenSSL against
 * DNS-IDs only (no subject CN fallback), a wildcard only as a whole
 * left-most label (RFC 8461 §3.3, §4.2; RFC 6125).
 */
#ifndef MTASTS_TLS_H
#define MTASTS_TLS_H

#include <openssl/ssl.h>

#define TLS_CHECK_FLAGS	(X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | \
			    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS)

/* tls_ctx_floor - TLS >= 1.2 on ctx; 0, or -1 (OpenSSL error queue). */
int	tls_ctx_floor(SSL_CTX *ctx);

/*
 * tls_param_host - make the verification of param require host as a
 * DNS-ID under TLS_CHECK_FLAGS; 0, or -1.
 */
int	tls_param_host(X509_VERIFY_PARAM *param, const char *host);

#endif
