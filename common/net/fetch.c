/*
 * NAME
 *	fetch - get a domain's MTA-STS policy over HTTPS (RFC 8461 §3.3)
 * SYNOPSIS
 *	#include "fetch.h"
#include "https.h"
 *
 *	int fetch_global_init(void)
 *	void fetch_global_cleanup(void)
 *	void fetch_policy(cfg, domain, &res)
 *	void fetch_result_free(&res)
 *	const char *fetch_status_name(status)
 * DESCRIPTION
 *	fetch_policy() GETs https://mta-sts.DOMAIN[:policy_https_port]
 *	/.well-known/mta-sts.txt with one libcurl easy handle, so any number
 *	of worker threads may fetch at once.
 *
 *	Names and TLS are https.c's, shared with the TLS-RPT POST: the
 *	policy host is resolved with resolver_addrs() (libunbound, like all
 *	our DNS) and curl connects only to those addresses (CURLOPT_RESOLVE
 *	and an opensocket check); no redirects, no proxy, https only; at
 *	least TLS 1.2, the chain verified against tls_ca_file / tls_ca_path
 *	(they replace the system store when set), SNI and the name check for
 *	the policy host by OpenSSL, DNS-IDs only, a wildcard only as a whole
 *	left-most label (RFC 8461 §3.3, DESIGN §7). Needs libcurl with its
 *	OpenSSL backend (fetch_global_init() checks).
 *
 *	What the exchange showed is kept in res for mtasts-ctl check, and
 *	never decides anything: the Content-Type as sent, how many body
 *	bytes arrived (or the Content-Length, when a body was refused for
 *	it), the TLS version, and the leaf certificate (subject,
 *	issuer, notAfter). A verify callback added in the SSL_CTX callback
 *	records the leaf and the first error and returns what OpenSSL (and
 *	whatever callback curl had set) decided; it also verifies the chain
 *	once more without the name, on the same store, so that check can
 *	tell "untrusted or expired" from "issued for another name".
 *
 *	HTTP: HTTP/1.1, no conditional or caching request headers, no
 *	Accept-Encoding, no cookies. Only status 200 counts; the media type
 *	must be text/plain (type and subtype in any case, parameters
 *	ignored); the body may be at most STS_POLICY_BODY_MAX bytes, and the
 *	transfer stops as soon as it would be larger or as soon as the
 *	status or type shows it is useless. The whole call, DNS included,
 *	takes at most fetch_timeout (or the resolver's deadline, if that is
 *	longer).
 * DIAGNOSTICS
 *	res->status classifies a failure the way RFC 8460 reports it:
 *	FETCH_WEBPKI for certificate problems (chain, expiry, name),
 *	FETCH_INVALID for the media type, FETCH_ERROR for everything else
 *	(DNS, connect, TLS handshake, HTTP status, timeout, size). res->why
 *	is one short line, e.g. "HTTP 404", "certificate verify failed:
 *	certificate has expired", "mta-sts.example.com: no address
 *	(nxdomain)".
 */
#include "autoconf.h"

#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "fetch.h"
#include "https.h"
#include "log.h"
#include "mono.h"
#include "resolver.h"
#include "sts_policy.h"

#define FETCH_PATH		"/.well-known/mta-sts.txt"
#define FETCH_HOST_PREFIX	"mta-sts."
#define FETCH_HOST_MAX		HTTPS_HOST_MAX
#define FETCH_LABEL_MAX		63
#define FETCH_DEFAULT_TIMEOUT	20	/* seconds, when cfg says 0 */
#define FETCH_MAX_TIMEOUT_MS	3600000LL	/* sanity cap */
#define FETCH_STR(x)		FETCH_STR2(x)
#define FETCH_STR2(x)		#x
#define FETCH_TOO_BIG		"policy body larger than " \
				    FETCH_STR(STS_POLICY_BODY_MAX) " bytes"

/* State of one fetch, shared with the curl callbacks. */
struct fetch_ctx {
	CURL   *curl;			/* http.curl */
	char	host[FETCH_HOST_MAX + 1];	/* mta-sts.DOMAIN */
	char   *body;
	size_t	len;
	size_t	cap;
	int	head_checked;	/* status and type looked at */
	int	verdict_set;	/* a callback decided the outcome */
	enum fetch_status verdict;
	char	why[256];

	/* Seen by the verify callback, for fetch_result (never a verdict). */
	int	(*prev_verify)(int, X509_STORE_CTX *);
	size_t	received;	/* body bytes handed to fetch_write */
	size_t	announced;	/* Content-Length, 0 when none */
	int	cert_seen;
	int	verify_failed;	/* OpenSSL reported an error */
	char	tls_version[16];
	char	subject[256];
	char	issuer[256];
	int64_t	not_after;
	int	chain_ok;
	char	chain_error[128];
};

/* The SSL_CTX ex_data slot that points at the fetch_ctx. */
static int fetch_ex_index = -1;
static pthread_once_t fetch_ex_once = PTHREAD_ONCE_INIT;

/* fetch_set_verdict - a callback's decision, the first one wins. */
static void
fetch_set_verdict(struct fetch_ctx *f, enum fetch_status st, const char *why)
{
	if (f->verdict_set)
		return;
	f->verdict_set = 1;
	f->verdict = st;
	log_oneline(f->why, sizeof(f->why), "%s", why);
}

/* fetch_lower - ASCII tolower, independent of the locale. */
static int
fetch_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* fetch_is_text_plain - is the Content-Type value text/plain (F6)? */
static int
fetch_is_text_plain(const char *ct)
{
	static const char want[] = "text/plain";
	size_t	i;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	for (i = 0; want[i] != '\0'; i++)
		if (fetch_lower((unsigned char)ct[i]) != want[i])
			return 0;
	ct += i;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/*
 * fetch_check_head - judge status and media type once the headers are in.
 * Returns FETCH_OK, or the failure class (also recorded as the verdict).
 */
static enum fetch_status
fetch_check_head(struct fetch_ctx *f)
{
	char	why[200];
	long	code = 0;
	char   *ct = NULL;

	if (f->head_checked)
		return f->verdict_set ? f->verdict : FETCH_OK;
	f->head_checked = 1;
	if (curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &code) !=
	    CURLE_OK)
		code = 0;
	if (code != 200) {
		if (code >= 300 && code < 400)
			snprintf(why, sizeof(why),
			    "HTTP %ld redirect not followed", code);
		else
			snprintf(why, sizeof(why), "HTTP %ld", code);
		fetch_set_verdict(f, FETCH_ERROR, why);
		return FETCH_ERROR;
	}
	if (curl_easy_getinfo(f->curl, CURLINFO_CONTENT_TYPE, &ct) !=
	    CURLE_OK || ct == NULL) {
		fetch_set_verdict(f, FETCH_INVALID,
		    "no Content-Type (text/plain required)");
		return FETCH_INVALID;
	}
	if (!fetch_is_text_plain(ct)) {
		snprintf(why, sizeof(why), "Content-Type %.80s, not text/plain",
		    ct);
		fetch_set_verdict(f, FETCH_INVALID, why);
		return FETCH_INVALID;
	}
	return FETCH_OK;
}

/* fetch_write - curl write callback: keep the body, stop when useless. */
static size_t
fetch_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct fetch_ctx *f = arg;
	size_t	n = size * nmemb, ncap;
	char   *nb;

	f->received += n;
	if (fetch_check_head(f) != FETCH_OK)
		return n == 0 ? 1 : 0;		/* anything but n aborts */
	if (n > STS_POLICY_BODY_MAX - f->len) {
		fetch_set_verdict(f, FETCH_ERROR, FETCH_TOO_BIG);
		return n == 0 ? 1 : 0;
	}
	if (f->len + n + 1 > f->cap) {
		ncap = f->cap ? f->cap : 4096;
		while (ncap < f->len + n + 1)
			ncap *= 2;
		if (ncap > STS_POLICY_BODY_MAX + 1)
			ncap = STS_POLICY_BODY_MAX + 1;
		if ((nb = realloc(f->body, ncap)) == NULL) {
			fetch_set_verdict(f, FETCH_ERROR, "out of memory");
			return n == 0 ? 1 : 0;
		}
		f->body = nb;
		f->cap = ncap;
	}
	memcpy(f->body + f->len, ptr, n);
	f->len += n;
	f->body[f->len] = '\0';
	return n;
}

/* fetch_header - curl header callback: note the Content-Length. */
static size_t
fetch_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	static const char name[] = "content-length:";
	struct fetch_ctx *f = arg;
	size_t	n = size * nmemb, i, v = 0;

	if (n < sizeof(name) - 1)
		return n;
	for (i = 0; i < sizeof(name) - 1; i++)
		if (fetch_lower((unsigned char)ptr[i]) != name[i])
			return n;
	while (i < n && (ptr[i] == ' ' || ptr[i] == '\t'))
		i++;
	for (; i < n && ptr[i] >= '0' && ptr[i] <= '9'; i++) {
		if (v > (SIZE_MAX - 9) / 10)
			return n;	/* absurd: not worth noting */
		v = v * 10 + (size_t)(ptr[i] - '0');
	}
	f->announced = v;
	return n;
}

/* fetch_ex_init - allocate the SSL_CTX ex_data slot, once. */
static void
fetch_ex_init(void)
{
	fetch_ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* fetch_x509_name - one line of an X509_NAME (RFC 2253 order). */
static void
fetch_x509_name(const X509_NAME *name, char *out, size_t outsz)
{
	BIO    *b;
	char   *p;
	long	n;

	out[0] = '\0';
	if (name == NULL || (b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_get_mem_data(b, &p)) > 0)
		log_oneline(out, outsz, "%.*s", (int)(n > 1024 ? 1024 : n),
		    p);
	BIO_free(b);
}

/*
 * fetch_note_cert - record the leaf, the TLS version and whether the
 * chain verifies on its own (same store and flags, no name).
 */
static void
fetch_note_cert(struct fetch_ctx *f, SSL *ssl, X509_STORE_CTX *sctx)
{
	X509_STORE_CTX *v = NULL;
	X509   *leaf;
	int	days = 0, secs = 0;

	f->cert_seen = 1;
	snprintf(f->tls_version, sizeof(f->tls_version), "%s",
	    SSL_get_version(ssl));
	if ((leaf = X509_STORE_CTX_get0_cert(sctx)) == NULL)
		return;
	fetch_x509_name(X509_get_subject_name(leaf), f->subject,
	    sizeof(f->subject));
	fetch_x509_name(X509_get_issuer_name(leaf), f->issuer,
	    sizeof(f->issuer));
	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(leaf)) == 1)
		f->not_after = (int64_t)time(NULL) + (int64_t)days * 86400 +
		    secs;
	if ((v = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(v, X509_STORE_CTX_get0_store(sctx), leaf,
	    X509_STORE_CTX_get0_untrusted(sctx)) != 1 ||
	    X509_STORE_CTX_set_default(v, "ssl_server") != 1) {
		snprintf(f->chain_error, sizeof(f->chain_error),
		    "cannot verify the chain: out of memory");
		goto out;
	}
	if (X509_verify_cert(v) == 1)
		f->chain_ok = 1;
	else
		snprintf(f->chain_error, sizeof(f->chain_error), "%s",
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(v)));
out:
	X509_STORE_CTX_free(v);
}

/* fetch_verify_cb - note what the certificate check saw; decide nothing. */
static int
fetch_verify_cb(int ok, X509_STORE_CTX *sctx)
{
	struct fetch_ctx *f = NULL;
	SSL_CTX *ctx;
	SSL    *ssl;

	ssl = X509_STORE_CTX_get_ex_data(sctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl != NULL && (ctx = SSL_get_SSL_CTX(ssl)) != NULL &&
	    fetch_ex_index >= 0)
		f = SSL_CTX_get_ex_data(ctx, fetch_ex_index);
	if (f == NULL)
		return ok;
	if (!f->cert_seen)
		fetch_note_cert(f, ssl, sctx);
	if (!ok)
		f->verify_failed = 1;
	return f->prev_verify != NULL ? f->prev_verify(ok, sctx) : ok;
}

/*
 * fetch_ctx_hook - before https.c's TLS settings: our verify callback on
 * the SSL_CTX, to note the certificate (a failure here only loses notes).
 */
static int
fetch_ctx_hook(SSL_CTX *ctx, void *arg)
{
	struct fetch_ctx *f = arg;

	if (pthread_once(&fetch_ex_once, fetch_ex_init) == 0 &&
	    fetch_ex_index >= 0 &&
	    SSL_CTX_set_ex_data(ctx, fetch_ex_index, f) == 1) {
		f->prev_verify = SSL_CTX_get_verify_callback(ctx);
		SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx),
		    fetch_verify_cb);
	}
	return 0;
}

/* fetch_domain_ok - is domain an LDH name we can put in a URL? */
static int
fetch_domain_ok(const char *domain)
{
	size_t	i, label = 0, len = strlen(domain);
	unsigned char c;

	if (len == 0 || len > FETCH_HOST_MAX - (sizeof(FETCH_HOST_PREFIX) - 1))
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)domain[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (++label > FETCH_LABEL_MAX)
			return 0;
	}
	return label > 0;
}

/*
 * fetch_verify_failed - did chain verification run and fail? OpenSSL 3
 * reports X509_V_ERR_UNSPECIFIED when it never got that far (a handshake
 * that failed on the protocol version, say).
 */
static int
fetch_verify_failed(long verify)
{
#ifdef X509_V_ERR_UNSPECIFIED
	if (verify == X509_V_ERR_UNSPECIFIED)
		return 0;
#endif
	return verify != X509_V_OK;
}

/* fetch_is_webpki - does this curl error mean a certificate problem? */
static int
fetch_is_webpki(CURLcode rc, long verify)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return 1;
	case CURLE_SSL_CONNECT_ERROR:
		/* Some versions report a failed verify this way. */
		return fetch_verify_failed(verify);
	default:
		return 0;
	}
}

/* fetch_classify - turn curl's outcome into res->status and res->why. */
static void
fetch_classify(struct fetch_ctx *f, CURLcode rc, const char *errbuf,
    struct fetch_result *res)
{
	const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	long	verify = X509_V_OK;

	if (curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE,
	    &res->http_status) != CURLE_OK)
		res->http_status = 0;

	/* A verdict from a callback explains any abort that followed. */
	if (f->verdict_set) {
		res->status = f->verdict;
		snprintf(res->why, sizeof(res->why), "%s", f->why);
		return;
	}
	switch (rc) {
	case CURLE_OK:
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_OPERATION_TIMEDOUT:
		/* A useless status explains the rest of a broken transfer. */
		if (res->http_status != 0 && res->http_status != 200) {
			(void)fetch_check_head(f);
			res->status = f->verdict;
			snprintf(res->why, sizeof(res->why), "%s", f->why);
			return;
		}
		break;
	default:
		break;
	}

	if (curl_easy_getinfo(f->curl, CURLINFO_SSL_VERIFYRESULT, &verify) !=
	    CURLE_OK)
		verify = X509_V_OK;
	if (fetch_is_webpki(rc, verify)) {
		res->status = FETCH_WEBPKI;
		if (fetch_verify_failed(verify))
			log_oneline(res->why, sizeof(res->why),
			    "certificate verify failed: %s",
			    X509_verify_cert_error_string(verify));
		else
			log_oneline(res->why, sizeof(res->why),
			    "certificate verify failed: %s", detail);
		return;
	}

	res->status = FETCH_ERROR;
	switch (rc) {
	case CURLE_OK:
		if ((res->status = fetch_check_head(f)) != FETCH_OK) {
			snprintf(res->why, sizeof(res->why), "%s", f->why);
			return;
		}
		res->why[0] = '\0';
		return;
	case CURLE_FILESIZE_EXCEEDED:
		log_oneline(res->why, sizeof(res->why), "%s", FETCH_TOO_BIG);
		return;
	case CURLE_OPERATION_TIMEDOUT:
		log_oneline(res->why, sizeof(res->why), "timeout: %s",
		    detail);
		return;
	case CURLE_SSL_CONNECT_ERROR:
		log_oneline(res->why, sizeof(res->why),
		    "TLS handshake failed: %s", detail);
		return;
	default:
		log_oneline(res->why, sizeof(res->why), "%s", detail);
		return;
	}
}

/* fetch_seen - copy what the exchange showed into res. */
static void
fetch_seen(struct fetch_ctx *f, struct fetch_result *res)
{
	char   *ct = NULL;

	if (curl_easy_getinfo(f->curl, CURLINFO_CONTENT_TYPE, &ct) ==
	    CURLE_OK && ct != NULL) {
		res->have_content_type = 1;
		log_oneline(res->content_type, sizeof(res->content_type),
		    "%s", ct);
	}
	res->body_size = f->received;
	/* A body refused for its announced length never arrives. */
	if (f->announced > res->body_size)
		res->body_size = f->announced;
	if (!f->cert_seen)
		return;
	res->have_cert = 1;
	snprintf(res->tls_version, sizeof(res->tls_version), "%s",
	    f->tls_version);
	snprintf(res->cert_subject, sizeof(res->cert_subject), "%s",
	    f->subject);
	snprintf(res->cert_issuer, sizeof(res->cert_issuer), "%s",
	    f->issuer);
	res->cert_not_after = f->not_after;
	res->chain_verified = f->chain_ok;
	snprintf(res->chain_error, sizeof(res->chain_error), "%s",
	    f->chain_error);
	res->cert_verified = !f->verify_failed;
}

/* fetch_setup - fetch's own options on top of https.c's; 0 or -1. */
static int
fetch_setup(struct fetch_ctx *f, struct fetch_result *res)
{
	CURLcode rc;

	if ((rc = curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION,
	    fetch_write)) != CURLE_OK ||
	    (rc = curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, f)) != CURLE_OK ||
	    (rc = curl_easy_setopt(f->curl, CURLOPT_HEADERFUNCTION,
	    fetch_header)) != CURLE_OK ||
	    (rc = curl_easy_setopt(f->curl, CURLOPT_HEADERDATA, f)) !=
	    CURLE_OK) {
		res->status = FETCH_ERROR;
		log_oneline(res->why, sizeof(res->why), "libcurl: %s",
		    curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

/* fetch_policy - fetch the policy of domain into res. */
void
fetch_policy(const struct config *cfg, const char *domain,
    struct fetch_result *res)
{
	struct fetch_ctx f;
	struct https http;
	struct https_req req;
	struct dns_addrs addrs;
	struct timespec start;
	char	url[FETCH_HOST_MAX + 64], portbuf[16];
	unsigned int port = cfg->policy_https_port ? cfg->policy_https_port :
	    443;
	long long timeout_ms;
	CURLcode rc;

	memset(res, 0, sizeof(*res));
	memset(&f, 0, sizeof(f));
	memset(&http, 0, sizeof(http));
	memset(&addrs, 0, sizeof(addrs));
	res->status = FETCH_ERROR;
	clock_gettime(CLOCK_MONOTONIC, &start);
	timeout_ms = cfg->fetch_timeout > 0 ? (long long)cfg->fetch_timeout :
	    FETCH_DEFAULT_TIMEOUT;
	timeout_ms = timeout_ms > FETCH_MAX_TIMEOUT_MS / 1000 ?
	    FETCH_MAX_TIMEOUT_MS : timeout_ms * 1000;

	if (domain == NULL || !fetch_domain_ok(domain)) {
		log_oneline(res->why, sizeof(res->why),
		    "invalid policy domain");
		goto out;
	}
	if (port > 65535) {
		log_oneline(res->why, sizeof(res->why),
		    "invalid policy_https_port %u", port);
		goto out;
	}
	snprintf(f.host, sizeof(f.host), FETCH_HOST_PREFIX "%s", domain);
	portbuf[0] = '\0';
	if (port != 443)
		snprintf(portbuf, sizeof(portbuf), ":%u", port);
	snprintf(url, sizeof(url), "https://%s%s" FETCH_PATH, f.host,
	    portbuf);

	resolver_addrs(f.host, &addrs);
	if (addrs.status != DNS_OK || addrs.n == 0) {
		log_oneline(res->why, sizeof(res->why),
		    "%s: no address (%s%s%s)", f.host,
		    dns_status_name(addrs.status),
		    addrs.status == DNS_NXDOMAIN || addrs.why[0] == '\0' ?
		    "" : ": ", addrs.status == DNS_NXDOMAIN ? "" : addrs.why);
		goto out;
	}
	timeout_ms -= mono_since_ms(&start);
	if (timeout_ms <= 0) {
		log_oneline(res->why, sizeof(res->why),
		    "timeout: %s resolved too late", f.host);
		goto out;
	}

	memset(&req, 0, sizeof(req));
	req.cfg = cfg;
	req.url = url;
	req.host = f.host;
	req.port = port;
	req.addrs = &addrs;
	req.timeout_ms = (long)timeout_ms;
	req.max_size = (long)STS_POLICY_BODY_MAX;
	req.ctx_hook = fetch_ctx_hook;
	req.hook_arg = &f;
	if (https_open(&http, &req, res->why, sizeof(res->why)) == -1)
		goto out;
	f.curl = http.curl;
	if (fetch_setup(&f, res) == -1)
		goto out;
	rc = curl_easy_perform(f.curl);
	/* https.c's callbacks ran first: their refusal explains the rest. */
	if (http.why[0] != '\0') {
		f.verdict_set = 0;
		fetch_set_verdict(&f, FETCH_ERROR, http.why);
	}
	fetch_classify(&f, rc, http.errbuf, res);
	fetch_seen(&f, res);
	if (res->status == FETCH_OK) {
		if (f.body == NULL && (f.body = malloc(1)) == NULL) {
			res->status = FETCH_ERROR;
			log_oneline(res->why, sizeof(res->why),
			    "out of memory");
			goto out;
		}
		f.body[f.len] = '\0';
		res->body = f.body;
		res->len = f.len;
		f.body = NULL;
	}
	log_debug("fetch %s: %s%s%s", url, fetch_status_name(res->status),
	    res->why[0] ? ": " : "", res->why);
out:
	https_close(&http);
	free(f.body);
	dns_addrs_free(&addrs);
}

/* fetch_result_free - release the body of a result. */
void
fetch_result_free(struct fetch_result *res)
{
	if (res == NULL)
		return;
	free(res->body);
	res->body = NULL;
	res->len = 0;
}

/* fetch_global_init - pick curl's OpenSSL backend and initialise libcurl. */
int
fetch_global_init(void)
{
	const curl_version_info_data *vi;
	CURLsslset ss;
	CURLcode rc;

	/* The name check lives in an SSL_CTX callback: OpenSSL or nothing. */
	ss = curl_global_sslset(CURLSSLBACKEND_OPENSSL, NULL, NULL);
	if (ss != CURLSSLSET_OK && ss != CURLSSLSET_TOO_LATE) {
		log_warnx("fetch: libcurl has no OpenSSL backend");
		return -1;
	}
	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		log_warnx("fetch: curl_global_init: %s",
		    curl_easy_strerror(rc));
		return -1;
	}
	vi = curl_version_info(CURLVERSION_NOW);
	if (vi == NULL || !(vi->features & CURL_VERSION_SSL)) {
		log_warnx("fetch: libcurl has no TLS support");
		curl_global_cleanup();
		return -1;
	}
	return 0;
}

/* fetch_global_cleanup - curl_global_cleanup, after the threads are gone. */
void
fetch_global_cleanup(void)
{
	curl_global_cleanup();
}

/* fetch_status_name - the RFC 8460 result type of a failure class. */
const char *
fetch_status_name(enum fetch_status s)
{
	switch (s) {
	case FETCH_OK:
		return "ok";
	case FETCH_ERROR:
		return "sts-policy-fetch-error";
	case FETCH_WEBPKI:
		return "sts-webpki-invalid";
	case FETCH_INVALID:
		return "sts-policy-invalid";
	}
	return "unknown";
}
