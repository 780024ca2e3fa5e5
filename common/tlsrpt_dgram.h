/*
 * tlsrpt_dgram.h - one libtlsrpt datagram (Postfix >= 3.10): the JSON
 * object a TLS-RPT collector receives per SMTP session.
 */
#ifndef MTASTS_TLSRPT_DGRAM_H
#define MTASTS_TLSRPT_DGRAM_H

#include <stddef.h>

#define TLSRPT_DGRAM_MAX	65536	/* larger datagrams are dropped */

/* One failure detail; the strings are NULL when absent. */
struct tlsrpt_dgram_detail {
	const char *result_type;	/* RFC 8460 name (static), NULL if unknown code */
	int	code;			/* the numeric "c" */
	char   *sending_ip;		/* "s" */
	char   *mx_name;		/* "n" */
	char   *helo;			/* "h" */
	char   *receiving_ip;		/* "r" */
	char   *additional;		/* "a" */
	char   *reason;			/* "f" */
};

enum tlsrpt_dgram_type {
	TLSRPT_DGRAM_TLSA = 1,
	TLSRPT_DGRAM_STS = 2,
	TLSRPT_DGRAM_NONE = 9
};

struct tlsrpt_dgram_policy {
	enum tlsrpt_dgram_type type;
	char   *policy_domain;		/* lower-cased; from "d" when absent */
	size_t	nstrings;
	char  **strings;
	size_t	nmx;
	char  **mx;
	int	failed;			/* "f": 0 success, 1 failure */
	size_t	ndetails;
	struct tlsrpt_dgram_detail *details;
};

struct tlsrpt_dgram {
	char   *domain;			/* "d", lower-cased */
	char   *record;			/* "pr", "" when absent */
	size_t	npolicies;
	struct tlsrpt_dgram_policy *policies;
	int	warn_version;		/* dpv missing or not "1" */
	int	replaced_bytes;		/* invalid UTF-8 bytes replaced by '?' */
};

/*
 * tlsrpt_dgram_parse - parse len bytes (not NUL-terminated). Invalid UTF-8
 * sequences are replaced byte by byte with '?' first, so the rest of the
 * datagram is kept. Returns 0 and fills dg (free with tlsrpt_dgram_free),
 * or -1 with a static reason in *why (bad JSON, too large, no domain, no
 * usable policy...). Unknown keys are ignored; a policy of an unknown type
 * is skipped (not an error when another one is usable).
 */
int	tlsrpt_dgram_parse(const char *buf, size_t len, struct tlsrpt_dgram *dg,
	    const char **why);

/* tlsrpt_dgram_free - release what parse filled; dg may be zeroed. */
void	tlsrpt_dgram_free(struct tlsrpt_dgram *dg);

/* tlsrpt_dgram_code_name - the RFC 8460 result type of a code, or NULL. */
const char *tlsrpt_dgram_code_name(int code);

#endif
