/*
 * resolver_int.h - what the resolver's own files share (resolver.c,
 * resolver_zone.c, resolver_rr.c, resolver_tlsa.c); nothing else includes
 * it but the TLSA fuzz target.
 */
#ifndef MTASTS_RESOLVER_INT_H
#define MTASTS_RESOLVER_INT_H

#include <pthread.h>
#include <time.h>

#include <unbound.h>

#include "resolver.h"

#define RS_TYPE_A	1
#define RS_TYPE_MX	15
#define RS_TYPE_TXT	16
#define RS_TYPE_AAAA	28
#define RS_TYPE_TLSA	52
#define RS_CLASS_IN	1
#define RS_RCODE_NOERROR	0
#define RS_RCODE_SERVFAIL	2
#define RS_RCODE_NXDOMAIN	3
#define RS_RCODE_REFUSED	5
#define RS_SLOW_MS		1000	/* an answer this late is worth noting */
#define RS_WIRE_NAME_MAX	255	/* RFC 1035 §3.1 */

#define RS_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* One asynchronous query; owned by its waiter unless abandoned. */
struct rs_query {
	int	async_id;
	int	started;	/* ub_resolve_async() accepted it */
	int	done;		/* the callback ran */
	int	abandoned;	/* waiter gone: the callback frees everything */
	int	err;		/* libunbound error (start or callback) */
	int	busy;		/* not sent: its zone had too many in flight */
	struct ub_result *res;
	struct timespec start;	/* when it was sent */
	long	elapsed_ms;	/* how long the answer took */
};

/* resolver.c: the query machinery. */
int	rs_ready(void);
int	rs_private_allowed(void);
struct rs_query *rs_query_new(void);
void	rs_query_free(struct rs_query *q);
void	rs_resolve(struct rs_query **qs, const char **names, const int *types,
	    size_t n);
struct rs_query *rs_query_one(const char *name, int type, const char *what,
	    enum dns_status *status, char *why, size_t whysz);
enum dns_status rs_status(const struct rs_query *q, const char *what,
	    char *why, size_t whysz);
enum dns_sec rs_sec(const struct rs_query *q);

/*
 * resolver_tlsa.c: the well-formed TLSA RRs of a libunbound result into
 * out (rr, n, n_usable); 0, or -1 out of memory. Also the fuzz target's
 * way in (tests/fuzz/fuzz_tlsa.c): rdata is what the network sent.
 */
int	rs_tlsa_fill(const struct ub_result *res, struct dns_tlsa *out);

/* resolver_zone.c: lookups in flight per zone. */
int	rs_zone_cond_init(const pthread_condattr_t *attr);
void	rs_zone_of(const char *name, char *out, size_t outsz);
int	rs_zone_enter(const char *zone, long long deadline_ms);
void	rs_zone_leave(const char *zone, int timed_out);

#endif
