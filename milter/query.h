/*
 * query.h - what the milter asks policyd: the state of each recipient
 * domain ("sts") and the registration of a held message ("hold").
 */
#ifndef MTASTS_QUERY_H
#define MTASTS_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "rcpt.h"

#define QUERY_MARGIN_MS		50	/* policyd's own time per request */
#define QUERY_QID_MAX		64	/* longest queue id policyd takes */

/* Flags of query_states. */
#define QUERY_WAIT	0x01	/* let policyd wait (milter_wait > 0) */
#define QUERY_NOPROBE	0x02	/* TLS-Required: No: start no MX probe */

/*
 * query_states - set the state of every domain of l, asking policyd with
 * "sts DOMAIN WAIT_MS [noprobe]"; each domain may wait for its share of
 * what is left until deadline (WAIT_MS is 0 without QUERY_WAIT). A domain
 * policyd did not answer for in time is STS_UNKNOWN; err describes the
 * first failure. Returns the number of STS_UNKNOWN domains.
 */
size_t	query_states(struct rcpt_list *l, int64_t deadline, int flags,
	    const char *qid, char *err, size_t errsz);

/*
 * query_hold - register queue id qid as held for the domains of l whose
 * state holds ("hold QID DOMAIN ..."). 0, or -1 with a reason in err.
 */
int	query_hold(const char *qid, const struct rcpt_list *l,
	    int64_t deadline, char *err, size_t errsz);

/*
 * query_qid_valid - is qid a queue id policyd accepts ([A-Za-z0-9]+, at
 * most QUERY_QID_MAX characters)?
 */
int	query_qid_valid(const char *qid);

#endif
