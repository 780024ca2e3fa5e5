/*
 * worker.c - discovery jobs, run by a job pool (pool.c) of their own.
 *
 * SYNOPSIS
 *	worker_start(), worker_wait(), worker_queue(), worker_stop()
 *
 * DESCRIPTION
 *	A job exists while a discovery of its domain is queued or running;
 *	a second request for the same domain joins it instead of starting
 *	another (coalescing). Jobs somebody waits for go on the front queue,
 *	background jobs (proactive refresh, TXT re-checks) on the back queue,
 *	so a refresh storm never delays a first lookup. A slow domain holds
 *	one thread for at most fetch_timeout; the others go on. After the
 *	discovery the job brings the domain's MX names up to date
 *	(mxset.c), so whoever waited for it is answered with them.
 *
 * DIAGNOSTICS
 *	A full queue is logged and the request answered as if discovery had
 *	failed (deliver without MTA-STS until the next lookup).
 */
#include "autoconf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "mxset.h"
#include "policyd.h"
#include "pool.h"
#include "worker.h"

static struct pool *pool;

/* run - one discovery job (pool_run_fn). */
static void
run(const char *domain, int force, void *result)
{
	atomic_fetch_add(&policyd_stats.discoveries, 1);
	discover_run(domain, force, result);
	mxset_update(domain);
}

/* make_pool - pthread_once routine. */
static void
make_pool(void)
{
	pool = pool_new("discovery", WORKER_QUEUE_MAX,
	    sizeof(struct discover_result), run);
}

/* the_pool - the discovery pool, made on first use. */
static struct pool *
the_pool(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, make_pool);
	return pool;
}

/* worker_start - start the pool. */
int
worker_start(int n)
{
	if (the_pool() == NULL)
		return -1;
	return pool_start(pool, n);
}

/* worker_stop - wake every thread so it sees the stop flag. */
void
worker_stop(void)
{
	if (the_pool() != NULL)
		pool_stop(pool);
}

/* worker_wait - run or join a discovery and wait for it. */
int
worker_wait(const char *domain, int force, long wait_ms,
    struct discover_result *res)
{
	if (the_pool() == NULL)
		return -1;
	return pool_wait(pool, domain, force, 1, wait_ms, res);
}

/* worker_queue - background discovery, coalesced. */
int
worker_queue(const char *domain, int force)
{
	if (the_pool() == NULL)
		return -1;
	return pool_submit(pool, domain, force, 0);
}

/* worker_pending - queued plus running jobs. */
size_t
worker_pending(void)
{
	return the_pool() == NULL ? 0 : pool_pending(pool);
}
