/*
 * fetch.h - fetch https://mta-sts.DOMAIN/.well-known/mta-sts.txt with
 * libcurl exactly as RFC 8461 §3.3 and DESIGN §7 say: https only, no
 * redirects, TLS >= 1.2, PKIX chain and DNS-ID check against mta-sts.DOMAIN
 * (no CN fallback, no partial wildcards), SNI, status 200 only, text/plain,
 * body capped at STS_POLICY_BODY_MAX, fetch_timeout in total, no HTTP
 * caching headers. curl connects only to addresses libunbound resolved.
 */
#ifndef MTASTS_FETCH_H
#define MTASTS_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Failure classes map to RFC 8460 result types (E10). */
enum fetch_status {
	FETCH_OK,
	FETCH_ERROR,		/* DNS, connect, HTTP status, timeout, size: sts-policy-fetch-error */
	FETCH_WEBPKI,		/* certificate chain/name/expiry: sts-webpki-invalid */
	FETCH_INVALID		/* media type (policy syntax is the caller's): sts-policy-invalid */
};

struct fetch_result {
	enum fetch_status status;
	long	http_status;	/* 0 when no response */
	char   *body;		/* FETCH_OK: malloc'd, NUL-terminated, len bytes */
	size_t	len;
	char	why[256];	/* one line for logs and last_error */

	/*
	 * What the exchange showed, filled as far as it got (for mtasts-ctl
	 * check; the verdict above never depends on these).
	 */
	int	have_content_type;
	char	content_type[128];	/* the Content-Type value as sent */
	size_t	body_size;	/* body bytes received; > STS_POLICY_BODY_MAX
				 * when the transfer was cut off there */
	char	tls_version[16];	/* "TLSv1.3", or "" (no handshake) */
	int	have_cert;	/* the policy host showed a certificate */
	char	cert_subject[256];	/* leaf, one line (RFC 2253) */
	char	cert_issuer[256];
	int64_t	cert_not_after;	/* Unix time, 0 when unknown */
	int	chain_verified;	/* chain and validity dates, name aside */
	char	chain_error[128];	/* why not, or "" */
	int	cert_verified;	/* chain and the mta-sts.DOMAIN DNS-ID */
};

/* fetch_global_init - curl_global_init; call once before threads start. */
int	fetch_global_init(void);
void	fetch_global_cleanup(void);

/*
 * fetch_policy - fetch the policy of domain (an LDH name, lower-case). Blocks
 * at most cfg->fetch_timeout. Always fills res; free with fetch_result_free.
 */
void	fetch_policy(const struct config *cfg, const char *domain,
	    struct fetch_result *res);
void	fetch_result_free(struct fetch_result *res);

/* fetch_status_name - "ok", "sts-policy-fetch-error", "sts-webpki-invalid", "sts-policy-invalid". */
const char *fetch_status_name(enum fetch_status s);

#endif
