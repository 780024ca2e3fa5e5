/*
 * resolver.h - all DNS goes through libunbound (DESIGN §2): TXT lookups for
 * discovery and the A/AAAA addresses libcurl and the MX probes connect to.
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

#define RESOLVER_TXT_MAX	4096	/* one joined TXT RR */
#define RESOLVER_TIMEOUT_MS	5000	/* default deadline of one lookup */
#define RESOLVER_ZONE_INFLIGHT	8	/* lookups at once under one parent domain */

struct dns_txt {
	enum dns_status status;
	int	secure;		/* DNSSEC-validated answer */
	size_t	n;
	char  **rr;		/* joined strings, NUL-terminated (may hold NULs: use len) */
	size_t *len;
	char	why[128];	/* for logs when status != DNS_OK */
};

struct dns_addrs {
	enum dns_status status;
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
	int	null_mx;	/* RFC 7505: the only RR has exchange "." */
	size_t	n;
	struct dns_mx_rr *mx;	/* by preference; ties keep the answer's order */
	char	why[128];
};

/*
 * resolver_mx - MX RRs of domain (CNAMEs followed), sorted by preference.
 * A byte of an exchange name that is not a letter, digit, '-' or '_' is
 * written as \DDD, so such a name never passes dns_name_is_ldh(). A
 * malformed RR is left out; when none is left, DNS_SERVFAIL.
 */
void	resolver_mx(const char *domain, struct dns_mx *out);
void	dns_mx_free(struct dns_mx *m);

/* dns_status_name - "ok", "nodata", "nxdomain", "servfail", "bogus". */
const char *dns_status_name(enum dns_status s);

#endif
