/*
 * worker.c - discovery jobs: a table of jobs by domain, two queues and a
 * fixed pool of threads.
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
 *	one thread for at most fetch_timeout; the others go on.
 *
 * DIAGNOSTICS
 *	A full queue is logged and the request answered as if discovery had
 *	failed (deliver without MTA-STS until the next lookup).
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
#include "mxset.h"
#include "policyd.h"
#include "worker.h"

#define JOB_BUCKETS	4096

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct job {
	char	domain[256];
	int	force;
	enum job_state state;
	int	refs;			/* table, queue nodes, waiters */
	int	front;			/* on the front queue */
	struct discover_result res;
	struct job *hnext;		/* hash chain */
};

struct qnode {
	struct job *job;
	struct qnode *next;
};

struct queue {
	struct qnode *head, *tail;
	size_t	n;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv;		/* CLOCK_MONOTONIC: done_cv_init */
static pthread_once_t done_cv_once = PTHREAD_ONCE_INIT;
static struct job *table[JOB_BUCKETS];
static struct queue front_q, back_q;
static size_t active;
static int stopping;

/* hash - FNV-1a of a domain name. */
static unsigned int
hash(const char *s)
{
	return (unsigned int)(hash_str(s) % JOB_BUCKETS);
}

/* job_find - the job of domain, or NULL. Lock held. */
static struct job *
job_find(const char *domain)
{
	struct job *j;

	for (j = table[hash(domain)]; j != NULL; j = j->hnext)
		if (strcmp(j->domain, domain) == 0)
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
job_unlink(struct job *j)
{
	struct job **pp;

	for (pp = &table[hash(j->domain)]; *pp != NULL; pp = &(*pp)->hnext)
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
dequeue(void)
{
	struct queue *q;
	struct qnode *n;
	struct job *j;

	for (;;) {
		q = front_q.head != NULL ? &front_q : &back_q;
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

/* job_get - find or create the job of domain. Lock held. */
static struct job *
job_get(const char *domain, int force, int front, int *created)
{
	struct job *j;
	unsigned int h;

	*created = 0;
	if ((j = job_find(domain)) != NULL) {
		if (j->state == JOB_QUEUED) {
			if (force)
				j->force = 1;
			if (front && !j->front) {
				if (enqueue(&front_q, j) == 0)
					j->front = 1;
				pthread_cond_signal(&work_cv);
			}
		}
		return j;
	}
	if ((front ? front_q.n : back_q.n) >= WORKER_QUEUE_MAX) {
		log_warnx("domain=%s discovery queue full (%d jobs); not "
		    "queued", domain, WORKER_QUEUE_MAX);
		return NULL;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	snprintf(j->domain, sizeof(j->domain), "%s", domain);
	j->force = force;
	j->state = JOB_QUEUED;
	j->front = front;
	j->refs = 1;			/* the table's */
	if (enqueue(front ? &front_q : &back_q, j) != 0) {
		free(j);
		return NULL;
	}
	h = hash(domain);
	j->hnext = table[h];
	table[h] = j;
	*created = 1;
	pthread_cond_signal(&work_cv);
	return j;
}

/* worker_main - a pool thread: run jobs until told to stop. */
static void *
worker_main(void *arg)
{
	struct job *j;
	struct discover_result res;
	char	domain[256];
	int	force;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		if ((j = dequeue()) == NULL) {
			pthread_cond_wait(&work_cv, &lock);
			continue;
		}
		j->state = JOB_RUNNING;
		active++;
		memcpy(domain, j->domain, sizeof(domain));
		force = j->force;
		pthread_mutex_unlock(&lock);

		atomic_fetch_add(&policyd_stats.discoveries, 1);
		discover_run(domain, force, &res);
		mxset_update(domain);

		pthread_mutex_lock(&lock);
		active--;
		j->res = res;
		j->state = JOB_DONE;
		j->refs--;		/* the queue node's; the table's remains */
		job_unlink(j);
		pthread_cond_broadcast(&done_cv);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* done_cv_init - put done_cv on the monotonic clock (mono.c), once. */
static void
done_cv_init(void)
{
	mono_cond_init(&done_cv);
}

/* worker_start - start the pool. */
int
worker_start(int n)
{
	pthread_t t;
	pthread_attr_t attr;
	int	i, rc;

	pthread_once(&done_cv_once, done_cv_init);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < n; i++) {
		if ((rc = pthread_create(&t, &attr, worker_main, NULL)) != 0) {
			errno = rc;
			log_warn("worker thread");
			pthread_attr_destroy(&attr);
			return -1;
		}
	}
	pthread_attr_destroy(&attr);
	return 0;
}

/* worker_stop - wake every thread so it sees the stop flag. */
void
worker_stop(void)
{
	pthread_once(&done_cv_once, done_cv_init);
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&work_cv);
	pthread_cond_broadcast(&done_cv);
	pthread_mutex_unlock(&lock);
}

/* worker_wait - run or join a discovery and wait for it. */
int
worker_wait(const char *domain, int force, long wait_ms,
    struct discover_result *res)
{
	struct job *j;
	struct timespec until;
	int	created, ret = 0;

	pthread_once(&done_cv_once, done_cv_init);
	mono_deadline(&until, wait_ms);
	pthread_mutex_lock(&lock);
	if (stopping || (j = job_get(domain, force, 1, &created)) == NULL) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	j->refs++;
	while (j->state != JOB_DONE && !stopping) {
		if (pthread_cond_timedwait(&done_cv, &lock, &until) ==
		    ETIMEDOUT)
			break;
	}
	if (j->state == JOB_DONE) {
		if (res != NULL)
			*res = j->res;
		ret = 1;
	}
	job_unref(j);
	pthread_mutex_unlock(&lock);
	return ret;
}

/* worker_queue - background discovery, coalesced. */
int
worker_queue(const char *domain, int force)
{
	int	created, ret = 0;

	pthread_mutex_lock(&lock);
	if (stopping || job_get(domain, force, 0, &created) == NULL)
		ret = -1;
	pthread_mutex_unlock(&lock);
	return ret;
}

/* worker_pending - queued plus running jobs. */
size_t
worker_pending(void)
{
	size_t	n;

	pthread_mutex_lock(&lock);
	n = front_q.n + back_q.n + active;
	pthread_mutex_unlock(&lock);
	return n;
}
