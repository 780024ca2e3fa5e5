/*
 * NAME
 *	tlsrpt_https - deliver one RFC 8460 report by an HTTPS POST
 * SYNOPSIS
 *	#include "tlsrpt_send.h"
 *
 *	int tlsrpt_send_https(cfg, url, body, len, timeout, err, errsz)
 * DESCRIPTION
 *	The https: half of the delivery module (tlsrpt_send.c chooses it).
 *	HTTPS (R11): a POST of the gzipped report with Content-Type
 *	application/tlsrpt+gzip through libcurl as https.c sets it up for
 *	the policy fetch too: the host resolved through resolver.c and
 *	curl held to those addresses (DESIGN §2), TLS 1.2 at least, the peer
 *	verified against tls_ca_file/tls_ca_path and its name as a DNS-ID,
 *	no redirects followed; 2xx is success. The URI comes from DNS: only
 *	https://HOST[:PORT]/... with HOST a dotted LDH name, no userinfo.
 * DIAGNOSTICS
 *	-1 with a one-line reason in err; the caller logs it and retries
 *	(R12).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "autoconf.h"
#include "https.h"
#include "resolver.h"
#include "tlsrpt_send.h"
#include "tlsrpt_send_util.h"

/* ts_discard - curl write callback: the reply body is not needed */
static size_t
ts_discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

/* ts_url_host - host and port of an https: URL into host[] */
static int
ts_url_host(const char *url, char *host, size_t hostsz, unsigned int *port)
{
	const char *p = url + 8, *end, *colon;
	size_t n;
	char *e;
	unsigned long v;

	if (strncmp(url, "https://", 8) != 0)
		return -1;
	end = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(end - p)) != NULL || *p == '[')
		return -1;	/* no userinfo; IPv6 literals are not used */
	*port = 443;
	if ((colon = memchr(p, ':', (size_t)(end - p))) != NULL) {
		errno = 0;
		v = strtoul(colon + 1, &e, 10);
		if (e != end || v == 0 || v > 65535 || errno != 0)
			return -1;
		*port = (unsigned int)v;
	} else
		colon = end;
	n = (size_t)(colon - p);
	if (n == 0 || n >= hostsz)
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	return ts_is_domain(host) ? 0 : -1;
}

#define TS_SETOPT(opt, val) do {					\
	if (curl_easy_setopt(h.curl, (opt), (val)) != CURLE_OK) {	\
		ts_err(err, errsz, "curl option %s refused", #opt);	\
		goto out;						\
	}								\
} while (0)

/* tlsrpt_send_https - POST the report (R11) */
int
tlsrpt_send_https(const struct config *cfg, const char *url,
    const void *body, size_t len, int timeout, char *err, size_t errsz)
{
	struct curl_slist *hdrs = NULL;
	struct https_req req;
	struct https h;
	struct dns_addrs a;
	char host[HTTPS_HOST_MAX + 1];
	unsigned int port;
	long code = 0;
	CURLcode cc;
	int ret = -1;

	memset(&a, 0, sizeof(a));
	memset(&h, 0, sizeof(h));
	if (ts_url_host(url, host, sizeof(host), &port) != 0) {
		ts_err(err, errsz, "unusable https URI");
		return -1;
	}
	resolver_addrs(host, &a);
	if (a.status != DNS_OK || a.n == 0) {
		ts_err(err, errsz, "%s: no address (%s)", host,
		    a.n == 0 && a.status == DNS_OK ? "none" : a.why);
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.cfg = cfg;
	req.url = url;
	req.host = host;
	req.port = port;
	req.addrs = &a;
	req.timeout_ms = (long)timeout * 1000;
	if (https_open(&h, &req, err, errsz) == -1)
		goto out;
	if ((hdrs = curl_slist_append(NULL,
	    "Content-Type: application/tlsrpt+gzip")) == NULL) {
		ts_err(err, errsz, "out of memory");
		goto out;
	}
	TS_SETOPT(CURLOPT_HTTPHEADER, hdrs);
	TS_SETOPT(CURLOPT_POST, 1L);
	TS_SETOPT(CURLOPT_POSTFIELDS, body);
	TS_SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	TS_SETOPT(CURLOPT_WRITEFUNCTION, ts_discard);
	if ((cc = curl_easy_perform(h.curl)) != CURLE_OK) {
		ts_err(err, errsz, "%s: %s", host, h.why[0] ? h.why :
		    h.errbuf[0] ? h.errbuf : curl_easy_strerror(cc));
		goto out;
	}
	if (curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &code) !=
	    CURLE_OK || code < 200 || code > 299) {
		ts_err(err, errsz, "%s: HTTP status %ld", host, code);
		goto out;
	}
	ret = 0;
out:
	https_close(&h);
	curl_slist_free_all(hdrs);
	dns_addrs_free(&a);
	return ret;
}

#undef TS_SETOPT
