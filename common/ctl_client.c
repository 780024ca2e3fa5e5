/*
 * NAME
 *	ctl_client - client side of the policyd control protocol
 * SYNOPSIS
 *	#include "ctl_client.h"
 *
 *	struct ctl_client *ctl_client_new(path)
 *	int ctl_client_connect(c, timeout_ms, err, errsz)
 *	json_t *ctl_client_request(c, line, timeout_ms, err, errsz)
 *	void ctl_client_close(c), ctl_client_free(c)
 *	void ctl_client_set_reply_max(c, max)
 *	enum ctl_client_status ctl_client_status(c)
 *	const char *ctl_client_path(c)
 * DESCRIPTION
 *	A client holds one stream connection to the unix socket at path and
 *	reuses it for every request, as the milter wants; it connects when
 *	the first request needs it and again after any failure. The socket
 *	is non-blocking and every wait is a poll() bounded by the caller's
 *	deadline, so a daemon that accepts and then never answers costs at
 *	most timeout_ms. Writes never raise SIGPIPE (MSG_NOSIGNAL, or
 *	SO_NOSIGPIPE where that is the platform's way).
 *
 *	A reply is the bytes up to the first newline, parsed with jansson;
 *	it must be a JSON object. Replies of up to the reply limit are
 *	accepted (CTL_CLIENT_REPLY_MAX unless set: "list" on a large cache
 *	is long).
 * DIAGNOSTICS
 *	Failures return -1 or NULL with one line in err, and
 *	ctl_client_status() tells connect failures (the daemon is not
 *	there) from broken, silent or garbled conversations. After any
 *	failure but EUSAGE the connection is closed: the protocol is
 *	strictly request and reply, and a late reply must never be taken
 *	for the answer to the next request.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_client.h"
#include "mono.h"

#ifdef MSG_NOSIGNAL
#define CC_SEND_FLAGS	MSG_NOSIGNAL
#else
#define CC_SEND_FLAGS	0
#endif
#define CC_READ_CHUNK	65536
#define CC_RETRY_MS	10	/* a full listen backlog: try again soon */

struct ctl_client {
	char   *path;
	int	fd;			/* -1 when not connected */
	char   *buf;			/* bytes read, not yet consumed */
	size_t	len;
	size_t	cap;
	size_t	reply_max;
	enum ctl_client_status status;
};

/* cc_left - milliseconds left until deadline, 0 when past. */
static int
cc_left(long long deadline)
{
	long long left = deadline - mono_now_ms();

	if (left <= 0)
		return 0;
	return left > 3600000 ? 3600000 : (int)left;
}

/* cc_fail - note a failure: its class, its reason; closes unless EUSAGE. */
static void
cc_fail(struct ctl_client *c, enum ctl_client_status st, char *err,
    size_t errsz, const char *fmt, const char *arg)
{
	c->status = st;
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, fmt, arg != NULL ? arg : "");
	if (st != CTL_CLIENT_EUSAGE)
		ctl_client_close(c);
}

/* ctl_client_new - a client for the socket at path. */
struct ctl_client *
ctl_client_new(const char *path)
{
	struct ctl_client *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->path = strdup(path)) == NULL) {
		free(c);
		return NULL;
	}
	c->fd = -1;
	c->reply_max = CTL_CLIENT_REPLY_MAX;
	c->status = CTL_CLIENT_OK;
	return c;
}

/* ctl_client_free - close and free. */
void
ctl_client_free(struct ctl_client *c)
{
	if (c == NULL)
		return;
	ctl_client_close(c);
	free(c->buf);
	free(c->path);
	free(c);
}

/* ctl_client_set_reply_max - the longest reply accepted. */
void
ctl_client_set_reply_max(struct ctl_client *c, size_t max)
{
	c->reply_max = max > 0 ? max : CTL_CLIENT_REPLY_MAX;
}

/* ctl_client_close - drop the connection and anything buffered. */
void
ctl_client_close(struct ctl_client *c)
{
	if (c->fd != -1) {
		(void)close(c->fd);
		c->fd = -1;
	}
	c->len = 0;
}

/* ctl_client_status - the outcome of the last call. */
enum ctl_client_status
ctl_client_status(const struct ctl_client *c)
{
	return c->status;
}

/* ctl_client_path - the socket path. */
const char *
ctl_client_path(const struct ctl_client *c)
{
	return c->path;
}

/* cc_socket - a non-blocking, close-on-exec stream socket; -1 on error. */
static int
cc_socket(void)
{
	int	fd, fl;

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		goto fail;
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
	{
		int	on = 1;

		if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on,
		    sizeof(on)) == -1)
			goto fail;
	}
#endif
	return fd;
fail:
	fl = errno;
	(void)close(fd);
	errno = fl;
	return -1;
}

/* ctl_client_connect - connect within timeout_ms unless connected. */
int
ctl_client_connect(struct ctl_client *c, int timeout_ms, char *err,
    size_t errsz)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	long long deadline = mono_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	socklen_t sl;
	int	fd = -1, r, soerr;

	if (c->fd != -1) {
		c->status = CTL_CLIENT_OK;
		return 0;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof(sun.sun_path)) {
		cc_fail(c, CTL_CLIENT_ECONNECT, err, errsz, "%s",
		    "socket path too long");
		return -1;
	}
	memcpy(sun.sun_path, c->path, strlen(c->path));
	for (;;) {
		if ((fd = cc_socket()) == -1)
			goto fail;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		if (errno == EINTR || errno == EINPROGRESS) {
			/* Completes in the background: wait for it. */
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if ((r = poll(&pfd, 1, cc_left(deadline))) == -1 &&
			    errno != EINTR)
				goto fail;
			if (r <= 0) {
				errno = ETIMEDOUT;
				goto fail;
			}
			sl = sizeof(soerr);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
			    &sl) == -1)
				goto fail;
			if (soerr != 0) {
				errno = soerr;
				goto fail;
			}
			break;
		}
		if (errno != EAGAIN)
			goto fail;
		/* Linux: the listen backlog is full. Try again briefly. */
		(void)close(fd);
		fd = -1;
		if (cc_left(deadline) == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		(void)poll(NULL, 0, CC_RETRY_MS);
	}
	c->fd = fd;
	c->len = 0;
	c->status = CTL_CLIENT_OK;
	return 0;
fail:
	soerr = errno;
	if (fd != -1)
		(void)close(fd);
	cc_fail(c, CTL_CLIENT_ECONNECT, err, errsz, "%s", strerror(soerr));
	return -1;
}

/* cc_send - write all of buf before the deadline; 0 or -1 (status set). */
static int
cc_send(struct ctl_client *c, const char *buf, size_t len, long long deadline,
    char *err, size_t errsz)
{
	struct pollfd pfd;
	size_t	off = 0;
	ssize_t	w;
	int	r;

	while (off < len) {
		w = send(c->fd, buf + off, len - off, CC_SEND_FLAGS);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			cc_fail(c, CTL_CLIENT_EIO, err, errsz,
			    "cannot send the request: %s", strerror(errno));
			return -1;
		}
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		if ((r = poll(&pfd, 1, cc_left(deadline))) == 0 ||
		    cc_left(deadline) == 0) {
			cc_fail(c, CTL_CLIENT_ETIMEOUT, err, errsz, "%s",
			    "timeout sending the request");
			return -1;
		}
		if (r == -1 && errno != EINTR) {
			cc_fail(c, CTL_CLIENT_EIO, err, errsz, "poll: %s",
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* cc_grow - room for at least want more bytes in the buffer; 0 or -1. */
static int
cc_grow(struct ctl_client *c, size_t want)
{
	size_t	ncap;
	char   *nb;

	if (c->cap - c->len >= want)
		return 0;
	ncap = c->cap ? c->cap : CC_READ_CHUNK;
	while (ncap - c->len < want) {
		if (ncap > ((size_t)-1) / 2)
			return -1;
		ncap *= 2;
	}
	if ((nb = realloc(c->buf, ncap)) == NULL)
		return -1;
	c->buf = nb;
	c->cap = ncap;
	return 0;
}

/*
 * cc_read_line - read until a newline is buffered; its offset in *nl.
 * 0, or -1 with status set.
 */
static int
cc_read_line(struct ctl_client *c, long long deadline, size_t *nl, char *err,
    size_t errsz)
{
	struct pollfd pfd;
	size_t	scanned = 0;
	char   *p;
	ssize_t	r;
	int	pr;

	for (;;) {
		if (c->len > scanned &&
		    (p = memchr(c->buf + scanned, '\n', c->len - scanned)) !=
		    NULL) {
			*nl = (size_t)(p - c->buf);
			return 0;
		}
		scanned = c->len;
		if (c->len > c->reply_max) {
			cc_fail(c, CTL_CLIENT_EPROTO, err, errsz, "%s",
			    "reply longer than the limit");
			return -1;
		}
		if (cc_grow(c, CC_READ_CHUNK) == -1) {
			cc_fail(c, CTL_CLIENT_EPROTO, err, errsz, "%s",
			    "out of memory for the reply");
			return -1;
		}
		r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (r > 0) {
			c->len += (size_t)r;
			continue;
		}
		if (r == 0) {
			cc_fail(c, CTL_CLIENT_EIO, err, errsz, "%s",
			    c->len > 0 ? "connection closed in mid-reply" :
			    "connection closed by the daemon");
			return -1;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			cc_fail(c, CTL_CLIENT_EIO, err, errsz,
			    "cannot read the reply: %s", strerror(errno));
			return -1;
		}
		if (cc_left(deadline) == 0) {
			cc_fail(c, CTL_CLIENT_ETIMEOUT, err, errsz, "%s",
			    "no reply in time");
			return -1;
		}
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		if ((pr = poll(&pfd, 1, cc_left(deadline))) == -1 &&
		    errno != EINTR) {
			cc_fail(c, CTL_CLIENT_EIO, err, errsz, "poll: %s",
			    strerror(errno));
			return -1;
		}
	}
}

/* ctl_client_request - one request, one reply object. */
json_t *
ctl_client_request(struct ctl_client *c, const char *line, int timeout_ms,
    char *err, size_t errsz)
{
	long long deadline = mono_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	json_error_t jerr;
	json_t *o;
	size_t	len = strlen(line), nl;
	char	req[CTL_CLIENT_LINE_MAX + 1];

	if (len > CTL_CLIENT_LINE_MAX || memchr(line, '\n', len) != NULL ||
	    memchr(line, '\r', len) != NULL) {
		cc_fail(c, CTL_CLIENT_EUSAGE, err, errsz, "%s",
		    "request too long or holds a line break");
		return NULL;
	}
	if (ctl_client_connect(c, timeout_ms, err, errsz) == -1)
		return NULL;
	memcpy(req, line, len);
	req[len] = '\n';
	if (cc_send(c, req, len + 1, deadline, err, errsz) == -1)
		return NULL;
	if (cc_read_line(c, deadline, &nl, err, errsz) == -1)
		return NULL;
	o = json_loadb(c->buf, nl, JSON_REJECT_DUPLICATES, &jerr);
	c->len = 0;
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		cc_fail(c, CTL_CLIENT_EPROTO, err, errsz, "bad reply: %s",
		    o == NULL ? jerr.text : "not a JSON object");
		return NULL;
	}
	c->status = CTL_CLIENT_OK;
	return o;
}
