/*
 * NAME
 *	probe_tls - the TLS side of an MX probe: context, handshake, DANE
 * SYNOPSIS
 *	#include "probe_int.h"
 *
 *	SSL_CTX *pr_ctx_new(cfg, why, whysz)
 *	enum probe_result pr_handshake(&c, ctx, host, &rep)
 *	int pr_dane_precheck(&tlsa, &rep)
 * DESCRIPTION
 *	The certificate check is OpenSSL's: the chain against tls_ca_file /
 *	tls_ca_path (the system store when neither is set), the name with
 *	X509_VERIFY_PARAM_set1_host() under NEVER_CHECK_SUBJECT and
 *	NO_PARTIAL_WILDCARDS (DNS-IDs only, a wildcard only as a whole
 *	left-most label: DESIGN §7, E3). The verify callback notes the first
 *	error and lets the handshake finish, so the failure can be told apart
 *	and the certificate described: expired or not yet valid ->
 *	PROBE_CERT_EXPIRED, name -> PROBE_CERT_HOST_MISMATCH, anything else
 *	about the chain -> PROBE_CERT_NOT_TRUSTED (E10). A handshake that
 *	fails (TLS below 1.2, no shared cipher, alerts) is
 *	PROBE_VALIDATION_FAILURE; data the server sent after its 220 to
 *	STARTTLS (command injection) is too.
 *
 *	DANE (probe_mx_dane(), RFC 7672): with a secure TLSA RRset the
 *	context is DANE-enabled (SSL_CTX_dane_enable) and each connection
 *	gets SSL_dane_enable(host) and the usable RRs (SSL_dane_tlsa_add;
 *	PKIX-TA(0)/PKIX-EE(1) are left out, RFC 7672 §3.1.3), with
 *	DANE_FLAG_NO_DANE_EE_NAMECHECKS (DANE-EE(3) checks no name, §3.1.1).
 *	OpenSSL then trusts the TLSA RRs alone, and the verify callback sees
 *	X509_V_ERR_DANE_NO_MATCH when none matches: PROBE_TLSA_INVALID
 *	(RFC 8460 tlsa-invalid), even where the WebPKI chain is good; other
 *	errors (a DANE-TA chain for the wrong name, expired under DANE-TA)
 *	keep their WebPKI classes. The matching RR is reported in
 *	dane_match. The DNS side is decided before any connection: a bogus
 *	TLSA answer is PROBE_DNSSEC_INVALID (dnssec-invalid), no secure TLSA
 *	RRs PROBE_DANE_REQUIRED (dane-required).
 * DIAGNOSTICS
 *	pr_ctx_new() returns NULL with why; the others leave the reason in
 *	c->why or rep->why, one line.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "log.h"
#include "probe.h"
#include "probe_int.h"
#include "resolver.h"
#include "tls.h"

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#define PR_PEER_CERT(s)		SSL_get1_peer_certificate(s)
#else
#define PR_PEER_CERT(s)		SSL_get_peer_certificate(s)
#endif

/* pr_verify_cb - note the first verification error, never stop. */
static int
pr_verify_cb(int ok, X509_STORE_CTX *xs)
{
	struct pr_verify *v;
	SSL    *ssl;

	if (ok)
		return 1;
	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl != NULL && (v = SSL_get_app_data(ssl)) != NULL &&
	    v->err == X509_V_OK) {
		v->err = X509_STORE_CTX_get_error(xs);
		v->depth = X509_STORE_CTX_get_error_depth(xs);
		if (v->err == X509_V_OK)	/* failed without a reason */
			v->err = X509_V_ERR_UNSPECIFIED;
	}
	return 1;
}

/* pr_ctx_new - the client context of one probe; NULL with why. */
SSL_CTX *
pr_ctx_new(const struct config *cfg, char *why, size_t whysz)
{
	SSL_CTX *ctx;
	const char *file, *path;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		pr_ssl_error(why, whysz, "SSL_CTX_new", 0);
		return NULL;
	}
	if (tls_ctx_floor(ctx) == -1) {
		pr_ssl_error(why, whysz, "TLS 1.2 minimum", 0);
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION
#ifdef SSL_OP_NO_RENEGOTIATION
	    | SSL_OP_NO_RENEGOTIATION
#endif
	    );
	file = cfg->tls_ca_file != NULL && cfg->tls_ca_file[0] != '\0' ?
	    cfg->tls_ca_file : NULL;
	path = cfg->tls_ca_path != NULL && cfg->tls_ca_path[0] != '\0' ?
	    cfg->tls_ca_path : NULL;
	if (file != NULL || path != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, file, path) != 1) {
			pr_ssl_error(why, whysz, file != NULL ?
			    "cannot load tls_ca_file" :
			    "cannot load tls_ca_path", 0);
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		pr_ssl_error(why, whysz, "cannot load the system trust store",
		    0);
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, pr_verify_cb);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* pr_name_line - an X509 name as one RFC 2253 line into buf. */
static void
pr_name_line(X509_NAME *name, char *buf, size_t bufsz)
{
	BIO    *b;
	char   *data;
	long	n;

	buf[0] = '\0';
	if (name == NULL || (b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_get_mem_data(b, &data)) > 0)
		log_oneline(buf, bufsz, "%.*s", (int)(n > 4096 ? 4096 : n), data);
	BIO_free(b);
}

/* pr_not_after - a certificate's notAfter as Unix time, 0 if unknown. */
static int64_t
pr_not_after(const X509 *cert)
{
	const ASN1_TIME *na;
	ASN1_TIME *epoch;
	int	days, secs;
	int64_t	t = 0;

	if ((na = X509_get0_notAfter(cert)) == NULL)
		return 0;
	if ((epoch = ASN1_TIME_set(NULL, 0)) == NULL)
		return 0;
	if (ASN1_TIME_diff(&days, &secs, epoch, na) == 1)
		t = (int64_t)days * 86400 + secs;
	ASN1_TIME_free(epoch);
	return t;
}

/* pr_cert_info - subject, issuer and notAfter of the leaf into rep. */
static int
pr_cert_info(SSL *ssl, struct probe_report *rep)
{
	X509   *cert;

	if ((cert = PR_PEER_CERT(ssl)) == NULL)
		return -1;
	pr_name_line(X509_get_subject_name(cert), rep->cert_subject,
	    sizeof(rep->cert_subject));
	pr_name_line(X509_get_issuer_name(cert), rep->cert_issuer,
	    sizeof(rep->cert_issuer));
	rep->cert_not_after = pr_not_after(cert);
	X509_free(cert);
	return 0;
}

/* pr_classify - the result type of a verification error (E10). */
static enum probe_result
pr_classify(int err)
{
	switch (err) {
	case X509_V_OK:
		return PROBE_OK;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return PROBE_CERT_EXPIRED;
	case X509_V_ERR_HOSTNAME_MISMATCH:
		return PROBE_CERT_HOST_MISMATCH;
	default:
		return PROBE_CERT_NOT_TRUSTED;
	}
}

/* pr_dane_setup - DANE for this connection: the usable RRs; 0 or -1. */
static int
pr_dane_setup(struct pr_conn *c, const char *host)
{
	const struct dns_tlsa_rr *rr;
	size_t	i;
	int	r;

	c->dane_usable = 0;
	if (SSL_dane_enable(c->ssl, host) <= 0)
		return -1;
	(void)SSL_dane_set_flags(c->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (i = 0; i < c->tlsa->n; i++) {
		rr = &c->tlsa->rr[i];
		if (!dns_tlsa_rr_usable(rr))
			continue;
		r = SSL_dane_tlsa_add(c->ssl, (uint8_t)rr->usage,
		    (uint8_t)rr->selector, (uint8_t)rr->mtype, rr->data,
		    rr->len);
		if (r < 0)
			return -1;
		if (r > 0)
			c->dane_usable++;
	}
	ERR_clear_error();	/* unusable RRs leave errors behind */
	return 0;
}

/* pr_dane_result - the outcome of a DANE-verified handshake. */
static enum probe_result
pr_dane_result(struct pr_conn *c, struct probe_report *rep)
{
	const unsigned char *data;
	uint8_t	usage, selector, mtype;
	size_t	dlen;
	int	depth;

	if (c->dane_usable == 0) {
		log_oneline(c->why, sizeof(c->why), "no usable TLSA RR: "
		    "TLS without authentication (RFC 7672 2.2), %s with %s",
		    rep->tls_version, rep->cipher);
		return PROBE_OK;
	}
	if (c->verify.err == X509_V_ERR_DANE_NO_MATCH) {
		log_oneline(c->why, sizeof(c->why), "no TLSA RR of %s matches "
		    "the certificate chain", c->tlsa->name);
		return PROBE_TLSA_INVALID;
	}
	if (c->verify.err != X509_V_OK) {
		log_oneline(c->why, sizeof(c->why), "DANE: %s (depth %d)",
		    X509_verify_cert_error_string(c->verify.err),
		    c->verify.depth);
		return pr_classify(c->verify.err);
	}
	if ((depth = SSL_get0_dane_tlsa(c->ssl, &usage, &selector, &mtype,
	    &data, &dlen)) < 0) {
		/* Verified, yet by no TLSA RR: not DANE. */
		log_oneline(c->why, sizeof(c->why), "no TLSA RR of %s matched",
		    c->tlsa->name);
		return PROBE_TLSA_INVALID;
	}
	snprintf(rep->dane_match, sizeof(rep->dane_match), "%u %u %u",
	    (unsigned int)usage, (unsigned int)selector, (unsigned int)mtype);
	log_oneline(c->why, sizeof(c->why), "DANE-%s(%u) %s matched at depth "
	    "%d, %s with %s", usage == 3 ? "EE" : "TA", (unsigned int)usage,
	    rep->dane_match, depth, rep->tls_version, rep->cipher);
	return PROBE_OK;
}

/* pr_handshake - STARTTLS's TLS handshake; the result, why in c. */
enum probe_result
pr_handshake(struct pr_conn *c, SSL_CTX *ctx, const char *host,
    struct probe_report *rep)
{
	struct timespec deadline;
	X509_VERIFY_PARAM *param;
	enum pr_io io;
	long	vr;
	int	r;

	if ((c->ssl = SSL_new(ctx)) == NULL) {
		pr_ssl_error(c->why, sizeof(c->why), "SSL_new", 0);
		return PROBE_UNREACHABLE;
	}
	c->verify.err = X509_V_OK;
	SSL_set_app_data(c->ssl, &c->verify);
	param = SSL_get0_param(c->ssl);
	if (c->tlsa != NULL && pr_dane_setup(c, host) == -1) {
		pr_ssl_error(c->why, sizeof(c->why), "DANE setup", 0);
		SSL_free(c->ssl);
		c->ssl = NULL;
		return PROBE_UNREACHABLE;
	}
	if (SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_set_tlsext_host_name(c->ssl, host) != 1 ||
	    tls_param_host(param, host) == -1) {
		pr_ssl_error(c->why, sizeof(c->why), "TLS setup", 0);
		/* No QUIT through an SSL that never shook hands. */
		SSL_free(c->ssl);
		c->ssl = NULL;
		return PROBE_UNREACHABLE;
	}
	pr_step(c, &deadline);
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_connect(c->ssl)) == 1)
			break;
		io = pr_ssl_wait(c, r, "TLS handshake", &deadline);
		if (io == PR_IO_OK)
			continue;
		/* No session: no TLS shutdown either. */
		SSL_free(c->ssl);
		c->ssl = NULL;
		if (io == PR_IO_TIMEOUT) {
			log_oneline(c->why, sizeof(c->why),
			    "timeout in the TLS handshake");
			return PROBE_UNREACHABLE;
		}
		if (io == PR_IO_EOF)
			log_oneline(c->why, sizeof(c->why), "TLS handshake: "
			    "connection closed by the server");
		return PROBE_VALIDATION_FAILURE;
	}

	snprintf(rep->tls_version, sizeof(rep->tls_version), "%s",
	    SSL_get_version(c->ssl));
	snprintf(rep->cipher, sizeof(rep->cipher), "%s",
	    SSL_get_cipher_name(c->ssl));
	if (pr_cert_info(c->ssl, rep) == -1) {
		log_oneline(c->why, sizeof(c->why), "no server certificate");
		return PROBE_CERT_NOT_TRUSTED;
	}
	if (c->verify.err == X509_V_OK &&
	    (vr = SSL_get_verify_result(c->ssl)) != X509_V_OK) {
		c->verify.err = (int)vr;
		c->verify.depth = 0;
	}
	if (c->tlsa != NULL)
		return pr_dane_result(c, rep);
	if (c->verify.err != X509_V_OK) {
		log_oneline(c->why, sizeof(c->why), "%s (depth %d)",
		    X509_verify_cert_error_string(c->verify.err),
		    c->verify.depth);
		return pr_classify(c->verify.err);
	}
	log_oneline(c->why, sizeof(c->why), "verified %s with %s", rep->tls_version,
	    rep->cipher);
	return PROBE_OK;
}

/*
 * pr_dane_precheck - what the TLSA answer alone decides: 0 to go on and
 * connect, or -1 with rep's result and why set.
 */
int
pr_dane_precheck(const struct dns_tlsa *t, struct probe_report *rep)
{
	if (t->status == DNS_BOGUS || t->sec == DNS_SEC_BOGUS) {
		rep->result = PROBE_DNSSEC_INVALID;
		log_oneline(rep->why, sizeof(rep->why), "TLSA %s: %s", t->name,
		    t->why[0] ? t->why : "DNSSEC bogus");
		return -1;
	}
	if (t->status == DNS_SERVFAIL) {
		rep->result = PROBE_UNREACHABLE;
		log_oneline(rep->why, sizeof(rep->why), "TLSA %s: lookup "
		    "failed: %s", t->name, t->why[0] ? t->why : "SERVFAIL");
		return -1;
	}
	if (t->status != DNS_OK || t->sec != DNS_SEC_SECURE) {
		rep->result = PROBE_DANE_REQUIRED;
		if (t->status != DNS_OK)
			log_oneline(rep->why, sizeof(rep->why), "no TLSA RRs at "
			    "%s (%s, %s)", t->name, dns_status_name(t->status),
			    dns_sec_name(t->sec));
		else
			log_oneline(rep->why, sizeof(rep->why), "TLSA %s is "
			    "not DNSSEC-validated (%s)", t->name,
			    dns_sec_name(t->sec));
		return -1;
	}
	return 0;
}
