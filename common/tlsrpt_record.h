/*
 * tlsrpt_record.h - the "_smtp._tls" TXT record (RFC 8460 §3).
 */
#ifndef MTASTS_TLSRPT_RECORD_H
#define MTASTS_TLSRPT_RECORD_H

#include <stddef.h>

#include "sts_record.h"		/* struct txt_rr */

struct tlsrpt_record {
	size_t	nrua;
	char  **rua;		/* usable URIs (mailto:, https:), record order */
	size_t	nignored;	/* well-formed URIs of other schemes (R3) */
};

enum tlsrpt_select {
	TLSRPT_SELECT_OK,	/* exactly one valid record with a usable rua */
	TLSRPT_SELECT_NONE,	/* no RR starts with "v=TLSRPTv1;" */
	TLSRPT_SELECT_MULTIPLE,	/* more than one RR starts with it */
	TLSRPT_SELECT_INVALID,	/* one candidate that does not fit the ABNF */
	TLSRPT_SELECT_NO_URI	/* valid, but no mailto: or https: URI (U04) */
};

/* tlsrpt_record_is_candidate - does the RR start with exactly "v=TLSRPTv1;" (R2)? */
int	tlsrpt_record_is_candidate(const char *buf, size_t len);

/*
 * tlsrpt_record_parse - parse one joined RR of len bytes (not NUL-
 * terminated) against the RFC 8460 ABNF (R2, R3). Returns 0 and fills rec
 * (free with tlsrpt_record_free; nrua may be 0 when every URI has another
 * scheme), or -1 and points *why at a static reason (out of memory too).
 */
int	tlsrpt_record_parse(const char *buf, size_t len,
	    struct tlsrpt_record *rec, const char **why);

/*
 * tlsrpt_record_select - the discovery rule: drop non-candidates, require
 * exactly one, parse it, require a usable URI. rec is filled only for
 * TLSRPT_SELECT_OK; *why is set for every other result.
 */
enum tlsrpt_select tlsrpt_record_select(const struct txt_rr *rrs, size_t n,
	    struct tlsrpt_record *rec, const char **why);

/* tlsrpt_record_free - release what parse or select allocated; rec may be zeroed. */
void	tlsrpt_record_free(struct tlsrpt_record *rec);

#endif
