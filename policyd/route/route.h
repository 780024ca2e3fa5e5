/*
 * route.h - route confirmation (DESIGN §6): the MX hosts of an enforce
 * domain that match its policy are probed (probe.h) in preference order
 * off the request path; the first that passes confirms the route for
 * route_ttl. Results are kept in the cache's "route" table for the
 * control socket and TLS-RPT. Also the milter's per-domain state.
 */
#ifndef MTASTS_ROUTE_H
#define MTASTS_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define ROUTE_THREADS		8	/* probe jobs run at once */
#define ROUTE_QUEUE_MAX		10000	/* probe jobs waiting */
#define ROUTE_MX_MAX		16	/* MX hosts looked at per round */
#define ROUTE_BACKOFF_MIN	60	/* first retry after a failed round */
#define ROUTE_BACKOFF_MAX	1800	/* retries at most this far apart */

/* The milter's per-domain states (DESIGN §6). */
enum route_sts {
	ROUTE_STS_NONE,			/* none */
	ROUTE_STS_TESTING,		/* testing */
	ROUTE_STS_CONFIRMED,		/* enforce/confirmed */
	ROUTE_STS_ENFORCE_PENDING,	/* enforce/pending */
	ROUTE_STS_FAILED,		/* enforce/failed */
	ROUTE_STS_PENDING		/* pending (discovery still running) */
};

/* Flags of route_domain_state. */
#define ROUTE_QUEUE	0x01	/* start discovery and probes as needed */
#define ROUTE_USE	0x02	/* a use: note it for the refresh scheduler */
#define ROUTE_NOPROBE	0x04	/* with ROUTE_QUEUE: discover, never probe */

/* route_start - start the probe threads. 0 or -1. */
int	route_start(int nthreads);

/* route_stop - stop them; probes in flight are abandoned. */
void	route_stop(void);

/*
 * route_domain_state - the state of a normalised domain now. With
 * ROUTE_QUEUE an unknown or expired domain is discovered (waiting up to
 * wait_ms), and an enforce domain without a fresh route, or a testing
 * domain that publishes _smtp._tls, gets a probe, which is waited for
 * within what is left of wait_ms. Without it nothing is started and
 * nothing waited for.
 */
enum route_sts route_domain_state(const char *domain, long wait_ms,
	    int flags);

/* route_sts_name - "none", "testing", "enforce/confirmed", ... */
const char *route_sts_name(enum route_sts s);

/* route_settled - none, testing and enforce/confirmed need no hold. */
int	route_settled(enum route_sts s);

/*
 * route_show - the "route" object of a domain for the control socket:
 * state, mx, checked_at, failure, why, results; JSON null when the
 * domain was never considered for a probe. New reference.
 */
json_t *route_show(const char *domain);

/* route_forget - drop the route of a domain (flush). 1, 0 or -1. */
int	route_forget(const char *domain);

/* route_forget_all - drop every route; the count or -1. */
long	route_forget_all(void);

/*
 * route_sweep - drop routes whose domain has no cache entry any more.
 * Returns the number dropped.
 */
long	route_sweep(void);

/* route_probes, route_probe_failures - counters for status. */
unsigned long route_probes(void);
unsigned long route_probe_failures(void);

#endif
