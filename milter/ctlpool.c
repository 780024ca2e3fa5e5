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
 *	one JSON line back, the connection stays open. A milter thread
 *	borrows a connection for a request and gives it back; up to
 *	CTLPOOL_KEEP idle connections stay open for the next ones. While
 *	discoveries keep requests waiting, more connections are opened, up
 *	to CTLPOOL_SIZE in use at once (beyond that a request waits for a
 *	free one). Connections are made on first use and after an error, so
 *	a policyd restart costs one failed request at most per connection,
 *	and none while policyd is already back.
 *
 *	Every step - waiting for a free connection, connect, write, read -
 *	is bounded by the caller's deadline: sockets are non-blocking and
 *	waited on with poll(2). A connection that timed out or saw a broken
 *	reply is closed (a late answer would otherwise be read as the reply
 *	to the next request).
 * DIAGNOSTICS
 *	ctlpool_request() returns NULL with a reason; nothing is logged here.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctlpool.h"
#include "milter.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* SIGPIPE is ignored in main() as well */
#endif

struct ctlslot {
	int	fd;		/* -1: not connected */
	int	busy;
};

static struct ctlslot ctl_slots[CTLPOOL_SIZE];
static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ctl_cond;
static struct sockaddr_un ctl_addr;
static int ctl_ready;

/* ctlpool_init - the socket path and an empty pool. */
int
ctlpool_init(const char *path)
{
	pthread_condattr_t attr;
	size_t	i;

	if (path == NULL || strlen(path) >= sizeof(ctl_addr.sun_path))
		return -1;
	memset(&ctl_addr, 0, sizeof(ctl_addr));
	ctl_addr.sun_family = AF_UNIX;
	memcpy(ctl_addr.sun_path, path, strlen(path) + 1);
	if (pthread_condattr_init(&attr) != 0)
		return -1;
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&ctl_cond, &attr) != 0) {
		pthread_condattr_destroy(&attr);
		return -1;
	}
	pthread_condattr_destroy(&attr);
	for (i = 0; i < CTLPOOL_SIZE; i++) {
		ctl_slots[i].fd = -1;
		ctl_slots[i].busy = 0;
	}
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
 * ctl_acquire - borrow a slot, preferring one that is connected; -1 when
 * none frees up before the deadline.
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
			if (pick < 0 || ctl_slots[i].fd >= 0)
				pick = i;
			if (ctl_slots[i].fd >= 0)
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
	if (ctl_slots[i].fd >= 0) {
		for (j = 0; j < CTLPOOL_SIZE; j++)
			if (!ctl_slots[j].busy && ctl_slots[j].fd >= 0)
				idle++;
		if (idle >= CTLPOOL_KEEP) {
			close(ctl_slots[i].fd);
			ctl_slots[i].fd = -1;
		}
	}
	ctl_slots[i].busy = 0;
	pthread_cond_signal(&ctl_cond);
	pthread_mutex_unlock(&ctl_lock);
}

/* ctl_close - close a slot's connection (the slot stays borrowed). */
static void
ctl_close(int i)
{
	if (ctl_slots[i].fd >= 0) {
		close(ctl_slots[i].fd);
		ctl_slots[i].fd = -1;
	}
}

/* ctl_wait - poll fd for events until deadline: 1 ready, 0 timeout, -1 error. */
static int
ctl_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;
	int64_t	left;
	int	n;

	for (;;) {
		if ((left = deadline - milter_now_ms()) <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n > 0)
			return 1;
	}
}

/* ctl_connect - a non-blocking connection to policyd, or -1. */
static int
ctl_connect(int64_t deadline, enum ctlpool_err *why, char *err,
    size_t errsz)
{
	socklen_t len;
	int	fd, soerr, r;

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		*why = CTLPOOL_CONNECT;
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		snprintf(err, errsz, "fcntl: %s", strerror(errno));
		*why = CTLPOOL_CONNECT;
		goto fail;
	}
	if (connect(fd, (struct sockaddr *)&ctl_addr, sizeof(ctl_addr)) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR) {
		snprintf(err, errsz, "connect %s: %s", ctl_addr.sun_path,
		    strerror(errno));
		*why = CTLPOOL_CONNECT;
		goto fail;
	}
	if ((r = ctl_wait(fd, POLLOUT, deadline)) <= 0) {
		snprintf(err, errsz, "connect %s: %s", ctl_addr.sun_path,
		    r == 0 ? "timed out" : strerror(errno));
		*why = r == 0 ? CTLPOOL_TIMEOUT : CTLPOOL_CONNECT;
		goto fail;
	}
	len = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
		soerr = errno;
	if (soerr != 0) {
		snprintf(err, errsz, "connect %s: %s", ctl_addr.sun_path,
		    strerror(soerr));
		*why = CTLPOOL_CONNECT;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* ctl_idle_dead - has the daemon closed (or written on) an idle connection? */
static int
ctl_idle_dead(int fd)
{
	struct pollfd pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) != 0;
}

/* ctl_send - write all of buf by the deadline; 0 or -1. */
static int
ctl_send(int fd, const char *buf, size_t len, int64_t deadline,
    enum ctlpool_err *why, char *err, size_t errsz)
{
	ssize_t	w;
	int	r;

	while (len > 0) {
		if ((w = send(fd, buf, len, MSG_NOSIGNAL)) >= 0) {
			buf += w;
			len -= (size_t)w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			snprintf(err, errsz, "write: %s", strerror(errno));
			*why = CTLPOOL_IO;
			return -1;
		}
		if ((r = ctl_wait(fd, POLLOUT, deadline)) <= 0) {
			snprintf(err, errsz, "write: %s", r == 0 ?
			    "timed out" : strerror(errno));
			*why = r == 0 ? CTLPOOL_TIMEOUT : CTLPOOL_IO;
			return -1;
		}
	}
	return 0;
}

/*
 * ctl_recv_line - read one reply line into a malloc'd buffer (NUL in
 * place of the newline); *extra is set when bytes follow the line.
 * *got is set once any byte arrived.
 */
static char *
ctl_recv_line(int fd, int64_t deadline, size_t *linelen, int *extra,
    int *got, enum ctlpool_err *why, char *err, size_t errsz)
{
	char   *buf = NULL, *nl, *nb;
	size_t	len = 0, cap = 0;
	ssize_t	r;
	int	w;

	*extra = 0;
	for (;;) {
		if (len == cap) {
			if (cap >= CTLPOOL_REPLY_MAX) {
				snprintf(err, errsz, "reply longer than %d "
				    "bytes", CTLPOOL_REPLY_MAX);
				*why = CTLPOOL_IO;
				goto fail;
			}
			cap = cap ? cap * 2 : 512;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				snprintf(err, errsz, "out of memory");
				*why = CTLPOOL_IO;
				goto fail;
			}
			buf = nb;
		}
		if ((r = recv(fd, buf + len, cap - len, 0)) > 0) {
			*got = 1;
			if ((nl = memchr(buf + len, '\n', (size_t)r)) != NULL) {
				len += (size_t)r;
				*nl = '\0';
				*linelen = (size_t)(nl - buf);
				*extra = *linelen + 1 < len;
				return buf;
			}
			len += (size_t)r;
			continue;
		}
		if (r == 0) {
			snprintf(err, errsz, "connection closed by policyd");
			*why = CTLPOOL_IO;
			goto fail;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			snprintf(err, errsz, "read: %s", strerror(errno));
			*why = CTLPOOL_IO;
			goto fail;
		}
		if ((w = ctl_wait(fd, POLLIN, deadline)) <= 0) {
			snprintf(err, errsz, "read: %s", w == 0 ?
			    "timed out" : strerror(errno));
			*why = w == 0 ? CTLPOOL_TIMEOUT : CTLPOOL_IO;
			goto fail;
		}
	}
fail:
	free(buf);
	return NULL;
}

/*
 * ctl_exchange - one request on a connected slot. On failure the caller
 * closes the connection; *got says whether policyd answered anything.
 */
static json_t *
ctl_exchange(int fd, const char *req, size_t reqlen, int64_t deadline,
    int *resync, int *got, enum ctlpool_err *why, char *err, size_t errsz)
{
	json_error_t jerr;
	json_t *reply = NULL;
	char   *line = NULL;
	size_t	linelen;

	*got = 0;
	if (ctl_send(fd, req, reqlen, deadline, why, err, errsz) != 0)
		goto out;
	if ((line = ctl_recv_line(fd, deadline, &linelen, resync, got, why,
	    err, errsz)) == NULL)
		goto out;
	reply = json_loadb(line, linelen, 0, &jerr);
	if (reply == NULL || !json_is_object(reply)) {
		snprintf(err, errsz, "reply is not a JSON object: %s",
		    reply == NULL ? jerr.text : "wrong type");
		*why = CTLPOOL_IO;
		json_decref(reply);
		reply = NULL;
	}
out:
	free(line);
	return reply;
}

/* ctlpool_request - one request, one reply, within the deadline. */
json_t *
ctlpool_request(const char *line, int64_t deadline, enum ctlpool_err *why,
    char *err, size_t errsz)
{
	json_t *reply = NULL;
	char	req[CTLPOOL_LINE_MAX + 1];
	size_t	len;
	int	slot, fresh, attempt, got, resync;

	*why = CTLPOOL_OK;
	err[0] = '\0';
	len = strlen(line);
	if (len >= CTLPOOL_LINE_MAX || memchr(line, '\n', len) != NULL) {
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
	memcpy(req, line, len);
	req[len++] = '\n';
	if ((slot = ctl_acquire(deadline)) < 0) {
		snprintf(err, errsz, "all %d control connections busy",
		    CTLPOOL_SIZE);
		*why = CTLPOOL_TIMEOUT;
		return NULL;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		fresh = 0;
		if (ctl_slots[slot].fd >= 0 &&
		    ctl_idle_dead(ctl_slots[slot].fd))
			ctl_close(slot);
		if (ctl_slots[slot].fd < 0) {
			ctl_slots[slot].fd = ctl_connect(deadline, why, err,
			    errsz);
			if (ctl_slots[slot].fd < 0)
				break;
			fresh = 1;
		}
		reply = ctl_exchange(ctl_slots[slot].fd, req, len, deadline,
		    &resync, &got, why, err, errsz);
		if (reply != NULL) {
			if (resync)	/* out of step: start afresh */
				ctl_close(slot);
			break;
		}
		ctl_close(slot);
		/* Only a pooled connection that died unread is retried. */
		if (fresh || got || *why != CTLPOOL_IO)
			break;
	}
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
		if (!ctl_slots[i].busy && ctl_slots[i].fd >= 0) {
			close(ctl_slots[i].fd);
			ctl_slots[i].fd = -1;
		}
	pthread_mutex_unlock(&ctl_lock);
}
