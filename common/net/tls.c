/*
 * NAME
 *	tls - the TLS client settings fetch, probe and the https: POST share
 * SYNOPSIS
 *	#include "tls.h"
 *
 *	int tls_ctx_floor(ctx)
 *	int tls_param_host(param, host)
 * DESCRIPTION
 *	tls_ctx_floor() refuses anything below TLS 1.2 on an SSL_CTX (curl's
 *	CURLOPT_SSLVERSION is a request to the backend; this is OpenSSL's own
 *	floor). tls_param_host() sets the peer name OpenSSL verifies: host as
 *	a DNS-ID, never the subject CN, a wildcard only as a whole left-most
 *	label. https.c (the policy fetch and the TLS-RPT POST) calls both
 *	from its CURLOPT_SSL_CTX_FUNCTION callback, probe.c on its own
 *	SSL_CTX and SSL.
 * DIAGNOSTICS
 *	-1 with the reason on OpenSSL's error queue.
 */
#include "autoconf.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* tls_ctx_floor - TLS 1.2 at least. */
int
tls_ctx_floor(SSL_CTX *ctx)
{
	return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 ? 0 : -1;
}

/* tls_param_host - verify host as a DNS-ID only. */
int
tls_param_host(X509_VERIFY_PARAM *param, const char *host)
{
	if (param == NULL)
		return -1;
	X509_VERIFY_PARAM_set_hostflags(param, TLS_CHECK_FLAGS);
	return X509_VERIFY_PARAM_set1_host(param, host, 0) == 1 ? 0 : -1;
}
