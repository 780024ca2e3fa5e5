/*
 * discover.h - one discovery of a domain (RFC 8461 §3, §3.3): TXT record,
 * HTTPS fetch when needed, and the cache rules of RFC-CHECKLIST section 4.
 * Runs in a worker thread; never called on a request path.
 */
#ifndef MTASTS_DISCOVER_H
#define MTASTS_DISCOVER_H

#define DISCOVER_RETRY	300	/* F8: same id not refetched sooner */

enum discover_result_kind {
	DISCOVER_FETCHED,	/* a new policy was fetched and stored */
	DISCOVER_UNCHANGED,	/* TXT id matches the valid cache (C3) */
	DISCOVER_KEPT,		/* failure, but a valid cached policy applies (C4, C5) */
	DISCOVER_NO_RECORD,	/* no usable _mta-sts record, nothing valid cached */
	DISCOVER_FAILED		/* record found, fetch failed, nothing valid cached */
};

struct discover_result {
	enum discover_result_kind kind;
	char	why[256];	/* empty on success */
};

/*
 * discover_run - discover domain now. force = proactive refresh or admin
 * refresh: fetch even when the TXT id is unchanged or the TXT lookup fails
 * while a valid policy is cached (C6), but still honour the F8 back-off.
 */
void	discover_run(const char *domain, int force, struct discover_result *res);

/* discover_result_name - "fetched", "unchanged", "kept", "no-record", "failed". */
const char *discover_result_name(enum discover_result_kind kind);

#endif
