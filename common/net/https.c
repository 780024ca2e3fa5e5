/*
 * NAME
 *	https - the libcurl set-up of the policy fetch and the report POST
 * SYNOPSIS
 *	#include "https.h"
 *
 *	int https_open(h, req, err, errsz)
 *	void https_close(h)
 * DESCRIPTION
 *	https_open() makes one libcurl easy handle for req, with every
 *	option the policy fetch (fetch.c) and the TLS-RPT https: POST
 *	(tlsrpt_send.c) share; the caller adds what its transfer needs
 *	(write callbacks, POST fields) on h->curl and runs it.
 *
 *	Where it may connect: the host is resolved by the caller with
 *	resolver_addrs() (libunbound, like all our DNS) and handed to curl
 *	as one CURLOPT_RESOLVE entry "HOST:PORT:A,[AAAA],..."; the
 *	opensocket callback refuses any address not in that list (so curl
 *	cannot reach an address its own resolver, or its reading of the URL,
 *	came up with) and, unless allow_private_addresses is set, any address
 *	resolver_addr_private() calls non-public. No redirects, no proxy
 *	(not even from the environment), https only, HTTP/1.1.
 *
 *	TLS: at least TLS 1.2 (curl's CURLOPT_SSLVERSION and OpenSSL's own
 *	floor), the chain verified against tls_ca_file / tls_ca_path (when
 *	set they replace the system store), SNI and the name check for
 *	req->host, by OpenSSL as a DNS-ID only (tls.c), set in the
 *	CURLOPT_SSL_CTX_FUNCTION callback after req->ctx_hook. curl's own
 *	host check stays on as well.
 *
 *	Limits: req->timeout_ms for the whole transfer, at most
 *	HTTPS_CONNECT_MAX_MS of it for the connection; req->max_size bytes of
 *	reply body when not 0.
 * DIAGNOSTICS
 *	https_open() returns -1 with one line in err: no usable address,
 *	out of memory, or an option libcurl refused. When a callback of
 *	ours stops a transfer, h->why says why (the first reason wins).
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/ssl.h>

#include "config.h"
#include "https.h"
#include "log.h"
#include "resolver.h"
#include "tls.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION	"0"
#endif

#define HTTPS_CONNECT_MAX_MS	10000L	/* connect phase, at most */

/* https_refuse - note why a callback stopped the transfer; first wins. */
static void
https_refuse(struct https *h, const char *why)
{
	if (h->why[0] == '\0')
		snprintf(h->why, sizeof(h->why), "%s", why);
}

/* https_sslctx - the caller's hook, the TLS 1.2 floor, the DNS-ID check. */
static CURLcode
https_sslctx(CURL *curl, void *sslctx, void *arg)
{
	struct https *h = arg;
	SSL_CTX *ctx = sslctx;

	(void)curl;
	if ((h->ctx_hook != NULL && h->ctx_hook(ctx, h->hook_arg) == -1) ||
	    tls_param_host(SSL_CTX_get0_param(ctx), h->host) == -1 ||
	    tls_ctx_floor(ctx) == -1) {
		https_refuse(h, "cannot set up the certificate name check");
		return CURLE_ABORTED_BY_CALLBACK;
	}
	return CURLE_OK;
}

/*
 * https_addr_of - the address bytes of sa into a (family 0 when it is
 * neither a whole sockaddr_in nor a whole sockaddr_in6).
 */
static void
https_addr_of(const struct sockaddr *sa, socklen_t salen,
    struct https_addr *a)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET && salen >= (socklen_t)sizeof(*sin)) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		a->family = AF_INET;
		memcpy(a->addr, &sin->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 &&
	    salen >= (socklen_t)sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		a->family = AF_INET6;
		memcpy(a->addr, &sin6->sin6_addr, 16);
	}
}

/* https_allowed - is a one of the addresses the resolver gave us? */
static int
https_allowed(const struct https *h, const struct https_addr *a)
{
	size_t	i;

	if (a->family == 0)
		return 0;
	for (i = 0; i < h->nallow; i++)
		if (h->allow[i].family == a->family &&
		    memcmp(h->allow[i].addr, a->addr,
		    a->family == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

/* https_opensocket - curl's socket factory: resolved, public addresses. */
static curl_socket_t
https_opensocket(void *arg, curlsocktype purpose,
    struct curl_sockaddr *address)
{
	struct https *h = arg;
	struct https_addr a;
	int	type = address->socktype;

	https_addr_of(&address->addr, address->addrlen, &a);
	if (purpose != CURLSOCKTYPE_IPCXN || !https_allowed(h, &a)) {
		https_refuse(h, "connection to an address not resolved by the "
		    "resolver refused");
		return CURL_SOCKET_BAD;
	}
	if (!h->allow_private && resolver_addr_private(a.addr,
	    a.family == AF_INET ? 4 : 16)) {
		https_refuse(h, "connection to a non-public address refused "
		    "(allow_private_addresses)");
		return CURL_SOCKET_BAD;
	}
#ifdef SOCK_CLOEXEC
	type |= SOCK_CLOEXEC;
#endif
	return socket(address->family, type, address->protocol);
}

/*
 * https_resolve - the CURLOPT_RESOLVE entry "HOST:PORT:A1,[A6],..." and
 * the allow list, from the resolved addresses; 0, or -1 with err.
 */
static int
https_resolve(struct https *h, const struct dns_addrs *a, unsigned int port,
    char *err, size_t errsz)
{
	struct https_addr fa;
	char   *s = NULL, *p;
	size_t	i, sz, n = 0;
	int	w, ret = -1;

	sz = strlen(h->host) + 16;
	for (i = 0; i < a->n; i++)
		sz += strlen(a->addr[i]) + 3;
	if ((s = malloc(sz)) == NULL || (h->allow = calloc(a->n > 0 ? a->n :
	    1, sizeof(*h->allow))) == NULL)
		goto nomem;
	w = snprintf(s, sz, "%s:%u:", h->host, port);
	if (w < 0 || (size_t)w >= sz)
		goto nomem;
	p = s + w;
	for (i = 0; i < a->n; i++) {
		memset(&fa, 0, sizeof(fa));
		if (inet_pton(AF_INET, a->addr[i], fa.addr) == 1)
			fa.family = AF_INET;
		else if (inet_pton(AF_INET6, a->addr[i], fa.addr) == 1)
			fa.family = AF_INET6;
		else
			continue;
		w = snprintf(p, sz - (size_t)(p - s),
		    fa.family == AF_INET6 ? "%s[%s]" : "%s%s",
		    n > 0 ? "," : "", a->addr[i]);
		if (w < 0 || (size_t)w >= sz - (size_t)(p - s))
			goto nomem;
		p += w;
		h->allow[n++] = fa;
	}
	h->nallow = n;
	if (n == 0) {
		snprintf(err, errsz, "%s: no usable address", h->host);
		goto out;
	}
	if ((h->resolve = curl_slist_append(NULL, s)) == NULL)
		goto nomem;
	ret = 0;
	goto out;
nomem:
	snprintf(err, errsz, "out of memory");
out:
	free(s);
	return ret;
}

/* https_options - the shared options of h; 0, or -1 with err. */
static int
https_options(struct https *h, const struct https_req *req, char *err,
    size_t errsz)
{
	const struct config *cfg = req->cfg;
	CURL   *c = h->curl;
	const char *opt = NULL;
	long	connect_ms;
	CURLcode rc;

#define HTTPS_SETOPT(o, v) do {						\
	if ((rc = curl_easy_setopt(c, o, v)) != CURLE_OK) {		\
		opt = #o;						\
		goto fail;						\
	}								\
} while (0)

	connect_ms = req->timeout_ms < HTTPS_CONNECT_MAX_MS ?
	    req->timeout_ms : HTTPS_CONNECT_MAX_MS;
	HTTPS_SETOPT(CURLOPT_ERRORBUFFER, h->errbuf);
	HTTPS_SETOPT(CURLOPT_URL, req->url);
	/*
	 * Redirects are never followed (FOLLOWLOCATION 0); the string form
	 * cannot say "none", so a redirect is limited to https as well.
	 */
#if LIBCURL_VERSION_NUM >= 0x075500
	HTTPS_SETOPT(CURLOPT_PROTOCOLS_STR, "https");
	HTTPS_SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	HTTPS_SETOPT(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	HTTPS_SETOPT(CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	HTTPS_SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	HTTPS_SETOPT(CURLOPT_MAXREDIRS, 0L);
	HTTPS_SETOPT(CURLOPT_RESOLVE, h->resolve);
	HTTPS_SETOPT(CURLOPT_OPENSOCKETFUNCTION, https_opensocket);
	HTTPS_SETOPT(CURLOPT_OPENSOCKETDATA, h);
	HTTPS_SETOPT(CURLOPT_PROXY, "");
	HTTPS_SETOPT(CURLOPT_NOPROXY, "*");
	HTTPS_SETOPT(CURLOPT_NOSIGNAL, 1L);
	HTTPS_SETOPT(CURLOPT_TIMEOUT_MS, req->timeout_ms);
	HTTPS_SETOPT(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	HTTPS_SETOPT(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	HTTPS_SETOPT(CURLOPT_USERAGENT, "mtasts/" PACKAGE_VERSION);
	if (req->max_size > 0)
		HTTPS_SETOPT(CURLOPT_MAXFILESIZE, req->max_size);

	HTTPS_SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	HTTPS_SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	HTTPS_SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	HTTPS_SETOPT(CURLOPT_SSL_CTX_FUNCTION, https_sslctx);
	HTTPS_SETOPT(CURLOPT_SSL_CTX_DATA, h);
	if (cfg->tls_ca_file != NULL && cfg->tls_ca_file[0] != '\0') {
		HTTPS_SETOPT(CURLOPT_CAINFO, cfg->tls_ca_file);
		if (cfg->tls_ca_path == NULL || cfg->tls_ca_path[0] == '\0')
			HTTPS_SETOPT(CURLOPT_CAPATH, (char *)NULL);
	}
	if (cfg->tls_ca_path != NULL && cfg->tls_ca_path[0] != '\0') {
		HTTPS_SETOPT(CURLOPT_CAPATH, cfg->tls_ca_path);
		if (cfg->tls_ca_file == NULL || cfg->tls_ca_file[0] == '\0')
			HTTPS_SETOPT(CURLOPT_CAINFO, (char *)NULL);
	}
#undef HTTPS_SETOPT
	return 0;
fail:
	log_oneline(err, errsz, "libcurl: %s: %s", opt,
	    curl_easy_strerror(rc));
	return -1;
}

/* https_open - one easy handle for req. */
int
https_open(struct https *h, const struct https_req *req, char *err,
    size_t errsz)
{
	memset(h, 0, sizeof(*h));
	h->allow_private = req->cfg->allow_private_addresses;
	h->ctx_hook = req->ctx_hook;
	h->hook_arg = req->hook_arg;
	if (req->host == NULL || strlen(req->host) > HTTPS_HOST_MAX ||
	    req->port == 0 || req->port > 65535) {
		snprintf(err, errsz, "invalid host or port");
		goto fail;
	}
	snprintf(h->host, sizeof(h->host), "%s", req->host);
	if (https_resolve(h, req->addrs, req->port, err, errsz) == -1)
		goto fail;
	if ((h->curl = curl_easy_init()) == NULL) {
		snprintf(err, errsz, "libcurl: cannot create a handle");
		goto fail;
	}
	if (https_options(h, req, err, errsz) == -1)
		goto fail;
	return 0;
fail:
	https_close(h);
	return -1;
}

/* https_close - the handle, the resolve list and the allow list. */
void
https_close(struct https *h)
{
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
	curl_slist_free_all(h->resolve);
	h->resolve = NULL;
	free(h->allow);
	h->allow = NULL;
	h->nallow = 0;
}
