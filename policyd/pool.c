/*
 * pool.c - coalesced jobs by key: a table of jobs, two queues and a fixed
 * pool of threads.
 *
 * SYNOPSIS
 *	pool_new(), pool_start(), pool_stop(), pool_submit(), pool_wait(),
 *	pool_busy(), pool_pending() - see pool.h.
 *
 * DESCRIPTION
 *	A job exists while it is queued or running; a second request for the
 *	same key joins it instead of starting another. Jobs somebody waits
 *	for go on the front queue, background jobs on the back queue, so a
 *	storm of background work never delays a first lookup. Waiters sleep
 *	on a condition variable of the monotonic clock (mono.c), so a step
 *	of the wall clock neither stalls nor fires them early. A finished
 *	job leaves the table at once: the next request starts a new one.
 *	A request that asks for more than a running job was started with
 *	(a forced refresh while a background check runs) does not take that
 *	job's older outcome: it gets a follow-up job that is queued as soon
 *	as the running one ends, so one key never runs twice at once.
 *
 * DIAGNOSTICS
 *	A full queue is logged with domain= and the pool's name; the caller
 *	answers as if the job had failed.
 */
#include "autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "log.h"
#include "mono.h"
#include "pool.h"

#define POOL_BUCKETS	4096

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct job {
	char	key[256];
	int	flags;
	enum job_state state;
	int	refs;			/* table, queue nodes, waiters */
	int	front;			/* on the front queue */
	struct job *hnext;		/* hash chain */
	struct job *follow;		/* queued when this one ends */
	unsigned char result[];		/* pool->result_size bytes */
};

struct qnode {
	struct job *job;
	struct qnode *next;
};

struct queue {
	struct qnode *head, *tail;
	size_t	n;
};

struct pool {
	const char *what;
	size_t	queue_max, result_size;
	pool_run_fn run;
	pthread_mutex_t lock;
	pthread_cond_t work_cv;
	pthread_cond_t done_cv;		/* CLOCK_MONOTONIC */
	struct job *table[POOL_BUCKETS];
	struct queue front_q, back_q;
	size_t	active;
	int	stopping;
};

/* bucket - the hash chain of key. */
static struct job **
bucket(struct pool *p, const char *key)
{
	return &p->table[hash_str(key) % POOL_BUCKETS];
}

/* job_find - the job of key, or NULL. Lock held. */
static struct job *
job_find(struct pool *p, const char *key)
{
	struct job *j;

	for (j = *bucket(p, key); j != NULL; j = j->hnext)
		if (strcmp(j->key, key) == 0)
			return j;
	return NULL;
}

/* job_unref - drop a reference; the last one frees. Lock held. */
static void
job_unref(struct job *j)
{
	if (--j->refs == 0)
		free(j);
}

/* job_unlink - take a finished job out of the table. Lock held. */
static void
job_unlink(struct pool *p, struct job *j)
{
	struct job **pp;

	for (pp = bucket(p, j->key); *pp != NULL; pp = &(*pp)->hnext)
		if (*pp == j) {
			*pp = j->hnext;
			job_unref(j);
			return;
		}
}

/* enqueue - add a node for j to q. Lock held. */
static int
enqueue(struct queue *q, struct job *j)
{
	struct qnode *n;

	if ((n = malloc(sizeof(*n))) == NULL)
		return -1;
	n->job = j;
	n->next = NULL;
	if (q->tail != NULL)
		q->tail->next = n;
	else
		q->head = n;
	q->tail = n;
	q->n++;
	j->refs++;
	return 0;
}

/* dequeue - the next job still waiting to run, front queue first. */
static struct job *
dequeue(struct pool *p)
{
	struct queue *q;
	struct qnode *n;
	struct job *j;

	for (;;) {
		q = p->front_q.head != NULL ? &p->front_q : &p->back_q;
		if ((n = q->head) == NULL)
			return NULL;
		if ((q->head = n->next) == NULL)
			q->tail = NULL;
		q->n--;
		j = n->job;
		free(n);
		if (j->state == JOB_QUEUED)
			return j;	/* keeps the node's reference */
		job_unref(j);		/* also on the other queue */
	}
}

/* job_new - a queued job of key, not yet in the table or a queue. */
static struct job *
job_new(struct pool *p, const char *key, int flags, int front)
{
	struct job *j;

	if ((j = calloc(1, sizeof(*j) + p->result_size)) == NULL)
		return NULL;
	snprintf(j->key, sizeof(j->key), "%s", key);
	j->flags = flags;
	j->state = JOB_QUEUED;
	j->front = front;
	j->refs = 1;			/* the table's (or the follow link's) */
	return j;
}

/* job_link - put a new job in the table and its queue. Lock held. */
static int
job_link(struct pool *p, struct job *j)
{
	struct job **b;

	if (enqueue(j->front ? &p->front_q : &p->back_q, j) != 0)
		return -1;
	b = bucket(p, j->key);
	j->hnext = *b;
	*b = j;
	pthread_cond_signal(&p->work_cv);
	return 0;
}

/* job_get - find or create the job of key. Lock held. */
static struct job *
job_get(struct pool *p, const char *key, int flags, int front)
{
	struct job *j;

	if ((j = job_find(p, key)) != NULL) {
		if (j->state == JOB_RUNNING && (flags & ~j->flags) != 0) {
			/* it started without what this request wants */
			if (j->follow == NULL &&
			    (j->follow = job_new(p, key, flags, front)) ==
			    NULL)
				return NULL;
			j = j->follow;
			j->flags |= flags;
			j->front |= front;
			return j;
		}
		if (j->state == JOB_QUEUED) {
			j->flags |= flags;
			if (front && !j->front) {
				if (enqueue(&p->front_q, j) == 0)
					j->front = 1;
				pthread_cond_signal(&p->work_cv);
			}
		}
		return j;
	}
	if ((front ? p->front_q.n : p->back_q.n) >= p->queue_max) {
		log_warnx("domain=%s %s queue full (%zu jobs); not queued",
		    key, p->what, p->queue_max);
		return NULL;
	}
	if ((j = job_new(p, key, flags, front)) == NULL)
		return NULL;
	if (job_link(p, j) != 0) {
		free(j);
		return NULL;
	}
	return j;
}

/*
 * job_finish - a job has run: wake its waiters, and queue its follow-up
 * if a request wanted more than it was started with. Lock held.
 */
static void
job_finish(struct pool *p, struct job *j)
{
	struct job *f = j->follow;

	j->state = JOB_DONE;
	j->follow = NULL;
	j->refs--;		/* the queue node's; the table's remains */
	job_unlink(p, j);
	if (f != NULL && job_link(p, f) != 0) {
		log_warnx("domain=%s %s: out of memory; follow-up job "
		    "dropped", f->key, p->what);
		f->state = JOB_DONE;	/* waiters see a zeroed result */
		job_unref(f);
	}
	pthread_cond_broadcast(&p->done_cv);
}

/* pool_main - a pool thread: run jobs until told to stop. */
static void *
pool_main(void *arg)
{
	struct pool *p = arg;
	struct job *j;
	unsigned char *res;
	char	key[256];
	int	flags;

	if ((res = malloc(p->result_size ? p->result_size : 1)) == NULL) {
		log_warnx("%s thread: out of memory", p->what);
		return NULL;
	}
	pthread_mutex_lock(&p->lock);
	while (!p->stopping) {
		if ((j = dequeue(p)) == NULL) {
			pthread_cond_wait(&p->work_cv, &p->lock);
			continue;
		}
		j->state = JOB_RUNNING;
		p->active++;
		memcpy(key, j->key, sizeof(key));
		flags = j->flags;
		pthread_mutex_unlock(&p->lock);

		memset(res, 0, p->result_size);
		p->run(key, flags, res);

		pthread_mutex_lock(&p->lock);
		p->active--;
		memcpy(j->result, res, p->result_size);
		job_finish(p, j);
	}
	pthread_mutex_unlock(&p->lock);
	free(res);
	return NULL;
}

/* pool_new - see pool.h. */
struct pool *
pool_new(const char *what, size_t queue_max, size_t result_size,
    pool_run_fn run)
{
	struct pool *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->what = what;
	p->queue_max = queue_max;
	p->result_size = result_size;
	p->run = run;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work_cv, NULL);
	mono_cond_init(&p->done_cv);
	return p;
}

/* pool_start - see pool.h. */
int
pool_start(struct pool *p, int n)
{
	pthread_t t;
	pthread_attr_t attr;
	int	i, rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < n; i++) {
		if ((rc = pthread_create(&t, &attr, pool_main, p)) != 0) {
			errno = rc;
			log_warn("%s thread", p->what);
			pthread_attr_destroy(&attr);
			return -1;
		}
	}
	pthread_attr_destroy(&attr);
	return 0;
}

/* pool_stop - wake every thread and waiter so they see the stop flag. */
void
pool_stop(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work_cv);
	pthread_cond_broadcast(&p->done_cv);
	pthread_mutex_unlock(&p->lock);
}

/* pool_submit - see pool.h. */
int
pool_submit(struct pool *p, const char *key, int flags, int front)
{
	int	ret = 0;

	pthread_mutex_lock(&p->lock);
	if (p->stopping || job_get(p, key, flags, front) == NULL)
		ret = -1;
	pthread_mutex_unlock(&p->lock);
	return ret;
}

/* pool_wait - see pool.h. */
int
pool_wait(struct pool *p, const char *key, int flags, int create,
    long long wait_ms, void *result)
{
	struct job *j;
	struct timespec until;
	int	ret = 0;

	mono_deadline(&until, wait_ms);
	pthread_mutex_lock(&p->lock);
	if (p->stopping) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	j = create ? job_get(p, key, flags, 1) : job_find(p, key);
	if (j == NULL) {
		pthread_mutex_unlock(&p->lock);
		return create ? -1 : 2;
	}
	j->refs++;
	while (j->state != JOB_DONE && !p->stopping) {
		if (pthread_cond_timedwait(&p->done_cv, &p->lock, &until) ==
		    ETIMEDOUT)
			break;
	}
	if (j->state == JOB_DONE) {
		if (result != NULL)
			memcpy(result, j->result, p->result_size);
		ret = 1;
	}
	job_unref(j);
	pthread_mutex_unlock(&p->lock);
	return ret;
}

/* pool_busy - see pool.h. */
int
pool_busy(struct pool *p, const char *key)
{
	int	r;

	pthread_mutex_lock(&p->lock);
	r = job_find(p, key) != NULL;
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* pool_pending - see pool.h. */
size_t
pool_pending(struct pool *p)
{
	size_t	n;

	pthread_mutex_lock(&p->lock);
	n = p->front_q.n + p->back_q.n + p->active;
	pthread_mutex_unlock(&p->lock);
	return n;
}
