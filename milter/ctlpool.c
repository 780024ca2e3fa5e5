/*
 * NAME
 *	ctlpool - persistent connections to policyd's control socket
 * SYNOPSIS
 *	#include "ctlpool.h"
 *
 *	int ctlpool_init(path)
 *	json_t *ctlpool_request(line, deadline, why, err, errsz)
 *	void ctlpool_shutdown(void)
 * DESCRIPTION
 *	Control protocol version 1 (mtasts-policyd(8)): one request line,
 *	one JSON line back, the connection stays open. Each slot of the
 *	pool is a common/ctl_client (connect, write and read, each bounded
 *	by a timeout); a milter thread borrows a slot for a request and
 *	gives it back. Up to CTLPOOL_KEEP idle connections stay open for
 *	the next requests. While discoveries keep requests waiting, more
 *	connections are opened, up to CTLPOOL_SIZE in use at once (beyond
 *	that a request waits for a free slot, within its deadline).
 *
 *	Connections are made on first use and after an error (ctl_client
 *	closes a connection on any failure, so a late answer is never read
 *	as the reply to the next request). policyd closes connections that
 *	stay idle too long; a request that fails for that reason on a
 *	connection that worked before is sent once more on a new one.
 * DIAGNOSTICS
 *	ctlpool_request() returns NULL with a reason; nothing is logged here.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl_client.h"
#include "ctlpool.h"
#include "milter.h"

struct ctlslot {
	struct ctl_client *cc;	/* NULL until first used */
	int	busy;
	int	open;		/* a connection that answered before */
};

static struct ctlslot ctl_slots[CTLPOOL_SIZE];
static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ctl_cond;
static char ctl_path[CTLPOOL_PATH_MAX];
static int ctl_ready;

/* ctlpool_init - the socket path and an empty pool. */
int
ctlpool_init(const char *path)
{
	struct sockaddr_un sun;
	pthread_condattr_t attr;

	if (path == NULL || strlen(path) >= sizeof(ctl_path) ||
	    strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(ctl_path, path, strlen(path) + 1);
	if (pthread_condattr_init(&attr) != 0)
		return -1;
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&ctl_cond, &attr) != 0) {
		pthread_condattr_destroy(&attr);
		return -1;
	}
	pthread_condattr_destroy(&attr);
	memset(ctl_slots, 0, sizeof(ctl_slots));
	ctl_ready = 1;
	return 0;
}

/* ctl_abstime - a milter_now_ms() deadline as a CLOCK_MONOTONIC time. */
static struct timespec
ctl_abstime(int64_t deadline)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(deadline / 1000);
	ts.tv_nsec = (long)(deadline % 1000) * 1000000L;
	return ts;
}

/*
 * ctl_acquire - borrow a slot, preferring one with an open connection;
 * -1 when none frees up before the deadline.
 */
static int
ctl_acquire(int64_t deadline)
{
	struct timespec ts = ctl_abstime(deadline);
	int	i, pick = -1;

	pthread_mutex_lock(&ctl_lock);
	for (;;) {
		for (i = 0; i < CTLPOOL_SIZE; i++) {
			if (ctl_slots[i].busy)
				continue;
			if (pick < 0 || ctl_slots[i].open)
				pick = i;
			if (ctl_slots[i].open)
				break;
		}
		if (pick >= 0 || milter_now_ms() >= deadline)
			break;
		if (pthread_cond_timedwait(&ctl_cond, &ctl_lock, &ts) ==
		    ETIMEDOUT && milter_now_ms() >= deadline)
			break;
	}
	if (pick >= 0)
		ctl_slots[pick].busy = 1;
	pthread_mutex_unlock(&ctl_lock);
	return pick;
}

/* ctl_release - give a slot back; close it if enough others idle. */
static void
ctl_release(int i)
{
	int	j, idle = 0;

	pthread_mutex_lock(&ctl_lock);
	if (ctl_slots[i].open) {
		for (j = 0; j < CTLPOOL_SIZE; j++)
			if (!ctl_slots[j].busy && ctl_slots[j].open)
				idle++;
		if (idle >= CTLPOOL_KEEP) {
			ctl_client_close(ctl_slots[i].cc);
			ctl_slots[i].open = 0;
		}
	}
	ctl_slots[i].busy = 0;
	pthread_cond_signal(&ctl_cond);
	pthread_mutex_unlock(&ctl_lock);
}

/* ctl_why - our failure class for a ctl_client status. */
static enum ctlpool_err
ctl_why(enum ctl_client_status st)
{
	switch (st) {
	case CTL_CLIENT_OK:
		return CTLPOOL_OK;
	case CTL_CLIENT_ECONNECT:
		return CTLPOOL_CONNECT;
	case CTL_CLIENT_ETIMEOUT:
		return CTLPOOL_TIMEOUT;
	case CTL_CLIENT_EUSAGE:
		return CTLPOOL_TOOLONG;
	case CTL_CLIENT_EIO:
	case CTL_CLIENT_EPROTO:
		break;
	}
	return CTLPOOL_IO;
}

/* ctlpool_request - one request, one reply, within the deadline. */
json_t *
ctlpool_request(const char *line, int64_t deadline, enum ctlpool_err *why,
    char *err, size_t errsz)
{
	struct ctlslot *s;
	json_t *reply = NULL;
	int64_t	left;
	int	slot, attempt, reused;

	*why = CTLPOOL_OK;
	err[0] = '\0';
	if (strlen(line) >= CTLPOOL_LINE_MAX) {
		snprintf(err, errsz, "request longer than %d bytes",
		    CTLPOOL_LINE_MAX - 1);
		*why = CTLPOOL_TOOLONG;
		return NULL;
	}
	if (!ctl_ready) {
		snprintf(err, errsz, "no control socket configured");
		*why = CTLPOOL_CONNECT;
		return NULL;
	}
	if ((slot = ctl_acquire(deadline)) < 0) {
		snprintf(err, errsz, "all %d control connections busy",
		    CTLPOOL_SIZE);
		*why = CTLPOOL_TIMEOUT;
		return NULL;
	}
	s = &ctl_slots[slot];
	if (s->cc == NULL) {
		if ((s->cc = ctl_client_new(ctl_path)) == NULL) {
			snprintf(err, errsz, "out of memory");
			*why = CTLPOOL_IO;
			goto out;
		}
		ctl_client_set_reply_max(s->cc, CTLPOOL_REPLY_MAX);
	}
	for (attempt = 0; attempt < 2; attempt++) {
		if ((left = deadline - milter_now_ms()) <= 0) {
			snprintf(err, errsz, "no time left");
			*why = CTLPOOL_TIMEOUT;
			break;
		}
		reused = s->open;
		reply = ctl_client_request(s->cc, line, left > 3600000 ?
		    3600000 : (int)left, err, errsz);
		s->open = reply != NULL;
		if (reply != NULL)
			break;
		*why = ctl_why(ctl_client_status(s->cc));
		/* Only a connection that may have gone stale is retried. */
		if (!reused || *why != CTLPOOL_IO)
			break;
	}
out:
	ctl_release(slot);
	if (reply != NULL)
		*why = CTLPOOL_OK;
	return reply;
}

/* ctlpool_shutdown - close the idle connections. */
void
ctlpool_shutdown(void)
{
	int	i;

	if (!ctl_ready)
		return;
	pthread_mutex_lock(&ctl_lock);
	for (i = 0; i < CTLPOOL_SIZE; i++)
		if (!ctl_slots[i].busy && ctl_slots[i].cc != NULL) {
			ctl_client_free(ctl_slots[i].cc);
			ctl_slots[i].cc = NULL;
			ctl_slots[i].open = 0;
		}
	pthread_mutex_unlock(&ctl_lock);
}
