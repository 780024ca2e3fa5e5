/*
 * pool.h - a fixed pool of threads running coalesced jobs keyed by name
 * (a domain): the discovery pool (worker.c) and the route probe pool
 * (route.c) are two of them.
 */
#ifndef MTASTS_POOL_H
#define MTASTS_POOL_H

#include <stddef.h>

struct pool;

/*
 * pool_run_fn - run the job of key with the OR of the flags it was asked
 * with; write its outcome into result (result_size bytes, zeroed).
 */
typedef void (*pool_run_fn)(const char *key, int flags, void *result);

/*
 * pool_new - a pool named what (for logs: "discovery", "probe") that
 * runs run; each of its two queues holds at most queue_max jobs. NULL
 * when out of memory. Pools live as long as the process.
 */
struct pool *pool_new(const char *what, size_t queue_max, size_t result_size,
	    pool_run_fn run);

/* pool_start - start n threads. 0 or -1 (logged). */
int	pool_start(struct pool *p, int n);

/* pool_stop - ask the threads to stop; jobs in flight are abandoned. */
void	pool_stop(struct pool *p);

/*
 * pool_submit - queue a job for key unless one is queued or running (a
 * queued one gets flags ORed in). A running job started without one of
 * flags gets a follow-up job, queued when it ends. front: it goes on the front queue, run
 * before any background job; a queued background job is moved up. 0, or
 * -1 when stopping, out of memory, or the queue is full (logged).
 */
int	pool_submit(struct pool *p, const char *key, int flags, int front);

/*
 * pool_wait - wait up to wait_ms for the job of key; with create, submit
 * it first (front). 1: done (result copied when not NULL); 0: not yet;
 * 2: no job of key was queued or running (without create); -1: stopping
 * or not queued.
 */
int	pool_wait(struct pool *p, const char *key, int flags, int create,
	    long long wait_ms, void *result);

/* pool_busy - is a job of key queued or running? */
int	pool_busy(struct pool *p, const char *key);

/* pool_pending - jobs queued plus running. */
size_t	pool_pending(struct pool *p);

#endif
