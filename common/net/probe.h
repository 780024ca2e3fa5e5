/*
 * probe.h - probe one MX host the way a sending MTA under an MTA-STS
 * enforce policy would (RFC 8461 §4.2, §5): connect to port mx_smtp_port
 * of each address libunbound gives for the host, read the banner, EHLO as
 * probe_helo, require STARTTLS, handshake with TLS >= 1.2 and SNI = the MX
 * name, verify the chain against tls_ca_file/tls_ca_path and the MX name
 * with X509_check_host (DNS-IDs only, no partial wildcards), then QUIT.
 * Nothing is ever sent in plaintext beyond EHLO/STARTTLS/QUIT.
 * probe_mx_dane() does the same for a host with TLSA RRs (RFC 7672),
 * verifying with OpenSSL's DANE API instead of the trust store.
 */
#ifndef MTASTS_PROBE_H
#define MTASTS_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Outcomes; the failures map to RFC 8460 result types (E10). */
enum probe_result {
	PROBE_OK,
	PROBE_STARTTLS_NOT_SUPPORTED,	/* starttls-not-supported */
	PROBE_CERT_HOST_MISMATCH,	/* certificate-host-mismatch */
	PROBE_CERT_EXPIRED,		/* certificate-expired (or not yet valid) */
	PROBE_CERT_NOT_TRUSTED,		/* certificate-not-trusted */
	PROBE_VALIDATION_FAILURE,	/* validation-failure (TLS < 1.2, handshake) */
	PROBE_UNREACHABLE,		/* DNS, connect, timeout, SMTP error: transient, not reported */
	/* DANE (probe_mx_dane) */
	PROBE_TLSA_INVALID,		/* tlsa-invalid: no TLSA RR matches the chain */
	PROBE_DNSSEC_INVALID,		/* dnssec-invalid: the TLSA answer is bogus */
	PROBE_DANE_REQUIRED		/* dane-required: no secure TLSA RRs */
};

struct dns_tlsa;

struct probe_report {
	enum probe_result result;
	char	host[256];		/* the MX name probed */
	char	addr[64];		/* the address that gave the result */
	char	tls_version[16];	/* "TLSv1.3", or "" */
	char	cipher[64];
	char	cert_subject[256];	/* leaf, one line, or "" */
	char	cert_issuer[256];
	int64_t	cert_not_after;		/* Unix time, 0 if no certificate */
	char	helo[256];		/* the MX's EHLO greeting name, for TLSRPT */
	int	dane;			/* probe_mx_dane: DANE was required */
	char	dane_match[16];		/* the TLSA RR that matched: "3 1 1", or "" */
	char	why[256];		/* one line for logs and mtasts-ctl */
};

/*
 * probe_mx - probe host (an LDH name, lower-case) on cfg->mx_smtp_port.
 * Tries each address in turn until one gives a TLS-level answer (success
 * or a certificate failure); connect failures move on to the next.
 * Bounded in time: each step (connect, one reply, the TLS handshake) takes
 * at most probe_timeout(cfg) seconds and one address at most twice that
 * (plus a short QUIT); at most 8 addresses are tried. Safe to call from
 * several threads at once (SIGPIPE is blocked in the calling thread while
 * it runs); resolver_init() must have been called.
 */
#define PROBE_TIMEOUT	30
void	probe_mx(const struct config *cfg, const char *host,
	    struct probe_report *rep);

/*
 * probe_mx_dane - probe_mx() for an MX host where DANE applies (RFC 7672):
 * tlsa is resolver_tlsa()'s answer for host; NULL means no DANE (exactly
 * probe_mx()). The certificate is checked by OpenSSL's DANE verifier
 * against the usable TLSA RRs alone (DANE-EE(3): the key or certificate,
 * no name or date checks; DANE-TA(2): a chain to the TLSA's trust anchor
 * and the MX name); tls_ca_file plays no part. A bogus TLSA answer is
 * PROBE_DNSSEC_INVALID and one with no secure TLSA RRs (insecure, NODATA,
 * NXDOMAIN) PROBE_DANE_REQUIRED, both without connecting; a failed TLSA
 * lookup is PROBE_UNREACHABLE. Secure TLSA RRs none of which is usable
 * mean TLS without authentication (RFC 7672 §2.2): any certificate
 * passes. A chain that matches none is PROBE_TLSA_INVALID, whatever
 * WebPKI says of it.
 */
void	probe_mx_dane(const struct config *cfg, const char *host,
	    const struct dns_tlsa *tlsa, struct probe_report *rep);

/*
 * probe_timeout - the step timeout in seconds: PROBE_TIMEOUT, or
 * cfg->fetch_timeout when that is smaller. One knob shortens every
 * network wait of policyd (policy fetches and probes alike); the tests
 * use it to bound a probe of a host whose banner never comes.
 */
int	probe_timeout(const struct config *cfg);

/* probe_result_name - the RFC 8460 result type, "success" or "unreachable". */
const char *probe_result_name(enum probe_result r);

#endif
