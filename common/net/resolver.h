/*
 * resolver.h - all DNS goes through libunbound (DESIGN §2): TXT lookups for
 * discovery and the A/AAAA addresses libcurl and the MX probes connect to,
 * MX RRsets, and TLSA RRsets for DANE, each with its DNSSEC status.
 * One shared context, safe to call from several worker threads at once.
 */
#ifndef MTASTS_RESOLVER_H
#define MTASTS_RESOLVER_H

#include <stddef.h>

#include "config.h"

enum dns_status {
	DNS_OK,		/* answer with data */
	DNS_NODATA,	/* the name exists, no records of the type */
	DNS_NXDOMAIN,
	DNS_SERVFAIL,	/* SERVFAIL, REFUSED, timeout, or other failure */
	DNS_BOGUS	/* DNSSEC validation failed */
};

/*
 * The DNSSEC status of an answer (RFC 4035 §4.3): validated, provably
 * unsigned (or validation off), failed validation, or no answer at all
 * (SERVFAIL, timeout) to judge.
 */
enum dns_sec {
	DNS_SEC_UNKNOWN,
	DNS_SEC_INSECURE,
	DNS_SEC_SECURE,
	DNS_SEC_BOGUS
};

#define RESOLVER_TXT_MAX	4096	/* one joined TXT RR */
#define RESOLVER_TIMEOUT_MS	5000	/* default deadline of one lookup */
#define RESOLVER_ZONE_INFLIGHT	8	/* lookups at once under one parent domain */
#define RESOLVER_TLSA_NAME_MAX	(255 + 1)	/* "_25._tcp." + host, NUL */

struct dns_txt {
	enum dns_status status;
	int	secure;		/* DNSSEC-validated answer */
	enum dns_sec sec;
	size_t	n;
	char  **rr;		/* joined strings, NUL-terminated (may hold NULs: use len) */
	size_t *len;
	char	why[128];	/* for logs when status != DNS_OK */
};

struct dns_addrs {
	enum dns_status status;
	enum dns_sec sec;	/* secure only when A and AAAA both are */
	size_t	n;
	char  **addr;		/* numeric strings: "192.0.2.1", "2001:db8::1" */
	char	why[128];
};

/*
 * resolver_init - create the shared context from cfg (dns_forwarder,
 * dnssec, dnssec_trust_anchor; resolv.conf when no forwarder). Special-use
 * names (test, example, invalid, localhost) are configured insecure.
 * Returns 0, or -1 with a reason in err.
 */
int	resolver_init(const struct config *cfg, char *err, size_t errsz);
void	resolver_shutdown(void);

/*
 * resolver_trust_anchor - the trust anchor file DNSSEC validation uses
 * since resolver_init(), or NULL when answers are not validated
 * (dnssec = no, or auto without an anchor): then nothing is secure.
 */
const char *resolver_trust_anchor(void);

/*
 * resolver_set_timeout - how long one resolver_txt or resolver_addrs call
 * may take (milliseconds; 0 restores RESOLVER_TIMEOUT_MS). Past it the
 * lookup is abandoned: DNS_SERVFAIL, why "timeout".
 */
void	resolver_set_timeout(unsigned int ms);

/* resolver_txt - TXT RRs of name (CNAMEs followed), strings joined (T2, T3). */
void	resolver_txt(const char *name, struct dns_txt *out);
void	dns_txt_free(struct dns_txt *t);

/*
 * resolver_addrs - A and AAAA addresses of host (v4 first). Unless
 * allow_private_addresses is set, addresses for which
 * resolver_addr_private() is true are left out; a host with nothing else
 * is DNS_NODATA with why "only a non-public address (A): refused ...".
 */
void	resolver_addrs(const char *host, struct dns_addrs *out);
void	dns_addrs_free(struct dns_addrs *a);

/* resolver_addr_private - a (4 or 16 bytes) is loopback, private, ... */
int	resolver_addr_private(const unsigned char *a, size_t len);

/* One MX RR. */
struct dns_mx_rr {
	unsigned int pref;
	char   *host;	/* lower-case, no trailing dot; "" for the root */
};

struct dns_mx {
	enum dns_status status;
	int	secure;		/* DNSSEC-validated answer */
	enum dns_sec sec;	/* also for NODATA/NXDOMAIN (secure denial) */
	int	null_mx;	/* RFC 7505: the only RR has exchange "." */
	size_t	n;
	struct dns_mx_rr *mx;	/* by preference; ties keep the answer's order */
	char	why[128];
};

/*
 * resolver_mx - MX RRs of domain (CNAMEs followed), sorted by preference.
 * A byte of an exchange name that is not a letter, digit, '-' or '_' is
 * written as \DDD, so such a name never passes dns_name_is_ldh(). A
 * malformed RR is left out; when none is left, DNS_SERVFAIL. sec is the
 * DNSSEC status of the answer, of a negative one too; a bogus answer is
 * DNS_BOGUS with sec DNS_SEC_BOGUS and libunbound's why_bogus in why
 * ("DNSSEC bogus: ...").
 */
void	resolver_mx(const char *domain, struct dns_mx *out);
void	dns_mx_free(struct dns_mx *m);

/* One TLSA RR (RFC 6698 §2.1). */
struct dns_tlsa_rr {
	unsigned int usage;	/* 2 DANE-TA, 3 DANE-EE (RFC 7218) */
	unsigned int selector;	/* 0 certificate, 1 SubjectPublicKeyInfo */
	unsigned int mtype;	/* 0 full, 1 SHA2-256, 2 SHA2-512 */
	unsigned char *data;	/* association data */
	size_t	len;
};

#define RESOLVER_TLSA_MAX	64	/* RRs kept of one RRset */

struct dns_tlsa {
	enum dns_status status;	/* DNS_NODATA/NXDOMAIN: no TLSA RRs */
	enum dns_sec sec;
	unsigned int ttl;	/* of the RRset (its RRSIG bounds it) */
	size_t	n;		/* well-formed RRs, in answer order */
	struct dns_tlsa_rr *rr;
	size_t	n_usable;	/* of them, usable for SMTP (RFC 7672 §3.1) */
	char	name[RESOLVER_TLSA_NAME_MAX];	/* "_25._tcp.HOST" */
	char	why[128];
};

/*
 * resolver_tlsa - the TLSA RRs of _25._tcp.HOST (CNAMEs followed) with
 * the DNSSEC status of the answer. A bogus answer is DNS_BOGUS (a DANE
 * failure, RFC 7672 §2.2), never "no TLSA"; a secure NODATA/NXDOMAIN is
 * the proof that there are none. A malformed RR (shorter than 4 octets)
 * is left out, as are RRs past RESOLVER_TLSA_MAX; when none is left,
 * DNS_SERVFAIL.
 */
void	resolver_tlsa(const char *host, struct dns_tlsa *out);
void	dns_tlsa_free(struct dns_tlsa *t);

/*
 * dns_tlsa_rr_usable - may an SMTP client use rr (RFC 7672 §3.1)? Only
 * DANE-TA(2) and DANE-EE(3) with a known selector and matching type,
 * and a digest of the right length.
 */
int	dns_tlsa_rr_usable(const struct dns_tlsa_rr *rr);

/*
 * dns_tlsa_dane - does the answer make DANE apply: a secure answer with
 * at least one usable RR? (An insecure one never does, RFC 7672 §2.2.)
 */
int	dns_tlsa_dane(const struct dns_tlsa *t);

/* dns_status_name - "ok", "nodata", "nxdomain", "servfail", "bogus". */
const char *dns_status_name(enum dns_status s);

/* dns_sec_name - "unknown", "insecure", "secure", "bogus". */
const char *dns_sec_name(enum dns_sec s);

#endif
