/*
 * https.h - the one libcurl HTTPS set-up of the policy fetch (fetch.c) and
 * the TLS-RPT https: POST (tlsrpt_send.c): https only, no redirects, no
 * proxy, TLS >= 1.2 with the chain verified and the host checked as a
 * DNS-ID (tls.c), size and time limits, and connections only to the
 * addresses our resolver gave (CURLOPT_RESOLVE and an opensocket check
 * that also refuses non-public addresses unless allow_private_addresses).
 */
#ifndef MTASTS_HTTPS_H
#define MTASTS_HTTPS_H

#include <stddef.h>

#include <curl/curl.h>
#include <openssl/ssl.h>

#include "config.h"
#include "resolver.h"

#define HTTPS_HOST_MAX	253	/* a DNS name in text form */

/* One address a host may be reached at. */
struct https_addr {
	int	family;
	unsigned char addr[16];
};

/* What one transfer is to be. */
struct https_req {
	const struct config *cfg;	/* tls_ca_*, allow_private_addresses */
	const char *url;		/* https://HOST[:PORT]/... */
	const char *host;		/* HOST of url: SNI and the name check */
	unsigned int port;		/* PORT of url */
	const struct dns_addrs *addrs;	/* host's addresses (resolver_addrs) */
	long	timeout_ms;		/* the whole transfer */
	long	max_size;		/* reply body limit; 0: none */

	/* Called from the SSL_CTX callback before the TLS settings; or NULL. */
	int	(*ctx_hook)(SSL_CTX *ctx, void *arg);
	void   *hook_arg;
};

/* One easy handle and what its callbacks need. */
struct https {
	CURL   *curl;			/* the caller adds its own options */
	char	host[HTTPS_HOST_MAX + 1];
	int	allow_private;
	struct https_addr *allow;
	size_t	nallow;
	struct curl_slist *resolve;
	int	(*ctx_hook)(SSL_CTX *, void *);
	void   *hook_arg;
	char	errbuf[CURL_ERROR_SIZE];	/* curl's detail of a failure */
	char	why[200];	/* why a callback of ours stopped it, or "" */
};

/*
 * https_open - a handle for req in h: 0, or -1 with a one-line reason in
 * err (h is then closed already). Free with https_close either way.
 */
int	https_open(struct https *h, const struct https_req *req, char *err,
	    size_t errsz);

/* https_close - release h; harmless on a closed or zeroed h. */
void	https_close(struct https *h);

#endif
