/*
 * refresh.c - the background scheduler.
 *
 * SYNOPSIS
 *	refresh_start(), refresh_stop(), refresh_mark_used(),
 *	refresh_flush_used()
 *
 * DESCRIPTION
 *	Once a second the scheduler reads the refresh index (cache.h) up to
 *	now. A policy used in the last 30 days is refetched when half its
 *	max_age has passed, and at least daily (C6, W11); the fetch runs in
 *	the worker pool as a background job and resets fetched_at on success.
 *	A policy nobody uses is left to expire and then forgotten, and so is
 *	a negative entry a day after it ran out.
 *
 *	Lookups do not write: they note the domain in a small set, and the
 *	scheduler writes "last used" for the whole batch once a minute (and
 *	at shutdown), so the request path never waits for the LMDB writer.
 */
#include "autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "hash.h"
#include "log.h"
#include "mono.h"
#include "policyd.h"
#include "record.h"
#include "refresh.h"
#include "worker.h"

#define DUE_BATCH	1000	/* index entries handled per tick */
#define USED_FLUSH	60	/* seconds between "last used" batches */
#define USED_MAX	200000	/* pending set size cap */

static pthread_t thread;
static int running;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;		/* CLOCK_MONOTONIC: cv_init */
static pthread_once_t cv_once = PTHREAD_ONCE_INIT;
static int stop;

/* The "used" set: open addressing over malloc'd names. */
static char **used;
static size_t used_cap, used_n;

/* hash - FNV-1a. */
static size_t
hash(const char *s)
{
	return (size_t)hash_str(s);
}

/* used_grow - double the set. Lock held. */
static int
used_grow(void)
{
	size_t	cap = used_cap ? used_cap * 2 : 1024, i, j;
	char  **tab;

	if ((tab = calloc(cap, sizeof(*tab))) == NULL)
		return -1;
	for (i = 0; i < used_cap; i++) {
		if (used[i] == NULL)
			continue;
		for (j = hash(used[i]) & (cap - 1); tab[j] != NULL;
		    j = (j + 1) & (cap - 1))
			;
		tab[j] = used[i];
	}
	free(used);
	used = tab;
	used_cap = cap;
	return 0;
}

/* refresh_mark_used - note that domain was looked up. */
void
refresh_mark_used(const char *domain)
{
	size_t	i;

	pthread_mutex_lock(&lock);
	if (used_n >= USED_MAX)
		goto out;
	if ((used_n + 1) * 2 > used_cap && used_grow() != 0)
		goto out;
	for (i = hash(domain) & (used_cap - 1); used[i] != NULL;
	    i = (i + 1) & (used_cap - 1))
		if (strcmp(used[i], domain) == 0)
			goto out;
	if ((used[i] = strdup(domain)) != NULL)
		used_n++;
out:
	pthread_mutex_unlock(&lock);
}

/* refresh_flush_used - write last_used for the pending batch. */
void
refresh_flush_used(void)
{
	char  **tab;
	size_t	cap, i;
	struct record rec;
	time_t	now = time(NULL);

	pthread_mutex_lock(&lock);
	tab = used;
	cap = used_cap;
	used = NULL;
	used_cap = used_n = 0;
	pthread_mutex_unlock(&lock);

	for (i = 0; i < cap; i++) {
		if (tab[i] == NULL)
			continue;
		if (cache_get(tab[i], &rec) == 1) {
			if (now - rec.last_used >= REFRESH_USED_GRAIN) {
				rec.last_used = now;
				cache_put(tab[i], &rec);
			}
			record_free(&rec);
		}
		free(tab[i]);
	}
	free(tab);
}

/* handle_due - decide what to do with one domain whose time has come. */
static void
handle_due(const char *domain, time_t now)
{
	struct record rec;

	if (cache_get(domain, &rec) != 1) {
		/* An index entry without a record: drop it via a delete. */
		cache_del(domain);
		return;
	}
	if (rec.state == RECORD_NEGATIVE) {
		if (now >= rec.neg_until)
			cache_del(domain);
		else
			cache_put(domain, &rec);	/* re-index */
	} else if (now - rec.last_used <= CACHE_USED_WINDOW) {
		log_debug("domain=%s proactive refresh (fetched %llds ago, "
		    "max_age %u)", domain, (long long)(now - rec.fetched_at),
		    rec.policy.max_age);
		worker_queue(domain, 1);
	} else if (!lookup_valid(&rec, now)) {
		log_info("domain=%s unused for 30 days and expired; "
		    "forgotten", domain);
		cache_del(domain);
	} else {
		cache_put(domain, &rec);	/* re-index to its expiry */
	}
	record_free(&rec);
}

/* refresh_main - the scheduler thread. */
static void *
refresh_main(void *arg)
{
	struct timespec ts;
	time_t	now, last_flush = time(NULL);
	char  **due;
	long	n, i;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stop) {
		pthread_mutex_unlock(&lock);
		now = time(NULL);
		if (cache_next_due() <= now &&
		    (n = cache_due(now, DUE_BATCH, &due)) >= 0) {
			for (i = 0; i < n; i++) {
				/* Queued or running already: leave it be. */
				if (worker_pending() < WORKER_QUEUE_MAX / 2)
					handle_due(due[i], now);
				free(due[i]);
			}
			free(due);
		}
		if (now - last_flush >= USED_FLUSH) {
			refresh_flush_used();
			last_flush = now;
		}
		pthread_mutex_lock(&lock);
		if (stop)
			break;
		mono_deadline(&ts, 1000);
		pthread_cond_timedwait(&cv, &lock, &ts);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* cv_init - put cv on the monotonic clock (mono.c), once. */
static void
cv_init(void)
{
	mono_cond_init(&cv);
}

/* refresh_start - start the scheduler. */
int
refresh_start(void)
{
	int	rc;

	pthread_once(&cv_once, cv_init);
	if ((rc = pthread_create(&thread, NULL, refresh_main, NULL)) != 0) {
		errno = rc;
		log_warn("refresh thread");
		return -1;
	}
	running = 1;
	return 0;
}

/* refresh_stop - stop the scheduler and write what is pending. */
void
refresh_stop(void)
{
	pthread_once(&cv_once, cv_init);
	if (running) {
		pthread_mutex_lock(&lock);
		stop = 1;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&lock);
		pthread_join(thread, NULL);
		running = 0;
	}
	refresh_flush_used();
}
