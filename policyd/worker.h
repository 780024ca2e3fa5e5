/*
 * worker.h - the bounded pool that runs discoveries off the request path.
 * One job per domain at a time: concurrent requests for a domain share it.
 */
#ifndef MTASTS_WORKER_H
#define MTASTS_WORKER_H

#include <stddef.h>

#include "discover.h"

#define WORKER_THREADS		32
#define WORKER_QUEUE_MAX	100000

/* worker_start - start n threads. 0 or -1. */
int	worker_start(int n);

/* worker_stop - ask the threads to stop; jobs in flight are abandoned. */
void	worker_stop(void);

/*
 * worker_wait - run (or join) a discovery of domain and wait up to wait_ms
 * for it. Returns 1 when it finished (res filled if not NULL), 0 when the
 * wait ran out (the job goes on), -1 when it could not be queued.
 */
int	worker_wait(const char *domain, int force, long wait_ms,
	    struct discover_result *res);

/*
 * worker_queue - start a background discovery of domain unless one is
 * queued or running already. Returns 0, or -1 when the queue is full.
 */
int	worker_queue(const char *domain, int force);

/* worker_pending - jobs queued or running. */
size_t	worker_pending(void);

#endif
