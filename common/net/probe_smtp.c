/*
 * NAME
 *	probe_smtp - the SMTP side of an MX probe: one connection, its replies
 * SYNOPSIS
 *	#include "probe_int.h"
 *
 *	int pr_connect(&c, addr, port)
 *	enum pr_io pr_read_reply(&c, what), pr_command(&c, verb, arg)
 *	enum pr_io pr_write(&c, buf, len, &deadline), pr_fill(&c, &deadline)
 *	void pr_quit(&c), pr_conn_close(&c)
 *	void pr_step(&c, &ts)
 * DESCRIPTION
 *	The connection of probe.c's conversation with one address: a
 *	non-blocking TCP connect, reads and writes in plaintext or, once
 *	c->ssl is set, through TLS, each bounded by a monotonic deadline
 *	(pr_step(): one step of c->step_ms, never past c->end). A reply is
 *	read whole (smtp_reply.c parses it); a line may hold PROBE_LINE_MAX
 *	octets. Writes use MSG_NOSIGNAL where it exists (probe.c blocks
 *	SIGPIPE elsewhere).
 * DIAGNOSTICS
 *	A failing helper leaves the reason in c->why, one line.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "mono.h"
#include "probe.h"
#include "probe_int.h"
#include "smtp_reply.h"

#define PROBE_QUIT_MS		5000	/* the polite goodbye, at most */

#ifdef MSG_NOSIGNAL
#define PR_SEND_FLAGS		MSG_NOSIGNAL
#else
#define PR_SEND_FLAGS		0
#endif

/* pr_step - the deadline of the next step: now + step, within end. */
void
pr_step(const struct pr_conn *c, struct timespec *ts)
{
	mono_deadline(ts, c->step_ms);
	if (ts->tv_sec > c->end.tv_sec || (ts->tv_sec == c->end.tv_sec &&
	    ts->tv_nsec > c->end.tv_nsec))
		*ts = c->end;
}

/* pr_wait - poll fd for events until deadline; PR_IO_OK when ready. */
enum pr_io
pr_wait(int fd, short events, const struct timespec *deadline)
{
	struct pollfd pfd;
	int	ms, r;

	for (;;) {
		if ((ms = mono_left_ms(deadline, PR_WAIT_MAX_MS)) == 0)
			return PR_IO_TIMEOUT;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return PR_IO_OK;	/* errors show at the next call */
		if (r == 0)
			continue;
		if (errno != EINTR)
			return PR_IO_ERROR;
	}
}

/* pr_ssl_error - the reason of a failed TLS call, from the error queue. */
void
pr_ssl_error(char *buf, size_t bufsz, const char *what, int sslerr)
{
	unsigned long e;
	const char *reason;

	e = ERR_peek_last_error();
	reason = e != 0 ? ERR_reason_error_string(e) : NULL;
	if (reason != NULL)
		log_oneline(buf, bufsz, "%s: %s", what, reason);
	else if (sslerr == SSL_ERROR_SYSCALL && errno != 0)
		log_oneline(buf, bufsz, "%s: %s", what, strerror(errno));
	else if (sslerr == SSL_ERROR_SYSCALL || sslerr == SSL_ERROR_ZERO_RETURN)
		log_oneline(buf, bufsz, "%s: connection closed by the server",
		    what);
	else
		log_oneline(buf, bufsz, "%s: TLS error %d", what, sslerr);
	ERR_clear_error();
}

/*
 * pr_ssl_wait - after a TLS call returned r: wait for what it wants.
 * PR_IO_OK means call again.
 */
enum pr_io
pr_ssl_wait(struct pr_conn *c, int r, const char *what,
    const struct timespec *deadline)
{
	int	e;

	e = SSL_get_error(c->ssl, r);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		return pr_wait(c->fd, POLLIN, deadline);
	case SSL_ERROR_WANT_WRITE:
		return pr_wait(c->fd, POLLOUT, deadline);
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		return PR_IO_EOF;
	default:
		pr_ssl_error(c->why, sizeof(c->why), what, e);
		return PR_IO_ERROR;
	}
}

/* pr_write - send all of buf (plaintext or TLS) before the deadline. */
enum pr_io
pr_write(struct pr_conn *c, const char *buf, size_t len,
    const struct timespec *deadline)
{
	enum pr_io io;
	ssize_t	n;
	int	r;

	while (len > 0) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_write(c->ssl, buf, len > INT32_MAX ? INT32_MAX :
			    (int)len);
			if (r > 0) {
				buf += r;
				len -= (size_t)r;
				continue;
			}
			if ((io = pr_ssl_wait(c, r, "TLS write",
			    deadline)) != PR_IO_OK)
				return io;
			continue;
		}
		n = send(c->fd, buf, len, PR_SEND_FLAGS);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((io = pr_wait(c->fd, POLLOUT, deadline)) !=
			    PR_IO_OK)
				return io;
			continue;
		}
		log_oneline(c->why, sizeof(c->why), "send: %s", strerror(errno));
		return PR_IO_ERROR;
	}
	return PR_IO_OK;
}

/* pr_fill - read more octets into c->in before the deadline. */
enum pr_io
pr_fill(struct pr_conn *c, const struct timespec *deadline)
{
	size_t	room = sizeof(c->in) - c->inlen;
	enum pr_io io;
	ssize_t	n;
	int	r;

	if (room == 0)
		return PR_IO_PROTO;
	for (;;) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_read(c->ssl, c->in + c->inlen, (int)room);
			if (r > 0) {
				c->inlen += (size_t)r;
				return PR_IO_OK;
			}
			if ((io = pr_ssl_wait(c, r, "TLS read", deadline)) !=
			    PR_IO_OK)
				return io;
			continue;
		}
		n = recv(c->fd, c->in + c->inlen, room, 0);
		if (n > 0) {
			c->inlen += (size_t)n;
			return PR_IO_OK;
		}
		if (n == 0)
			return PR_IO_EOF;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((io = pr_wait(c->fd, POLLIN, deadline)) != PR_IO_OK)
				return io;
			continue;
		}
		log_oneline(c->why, sizeof(c->why), "recv: %s", strerror(errno));
		return PR_IO_ERROR;
	}
}

/*
 * pr_read_reply - read one whole (multi-line) reply into c->reply within
 * one step. Lines end in CRLF (a bare LF is taken too).
 */
enum pr_io
pr_read_reply(struct pr_conn *c, const char *what)
{
	struct timespec deadline;
	enum pr_io io;
	char   *nl;
	size_t	llen;
	int	last;

	pr_step(c, &deadline);
	smtp_reply_init(&c->reply);
	for (;;) {
		while ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
			llen = (size_t)(nl - c->in);
			if (llen > 0 && c->in[llen - 1] == '\r')
				llen--;
			last = smtp_reply_line(&c->reply, c->in, llen);
			c->inlen -= (size_t)(nl - c->in) + 1;
			memmove(c->in, nl + 1, c->inlen);
			if (last == -1) {
				log_oneline(c->why, sizeof(c->why),
				    "malformed reply to %s", what);
				return PR_IO_PROTO;
			}
			if (last == 1)
				return PR_IO_OK;
		}
		if (c->inlen == sizeof(c->in)) {
			log_oneline(c->why, sizeof(c->why), "reply line to %s "
			    "longer than %d octets", what, PROBE_LINE_MAX);
			return PR_IO_PROTO;
		}
		if ((io = pr_fill(c, &deadline)) != PR_IO_OK) {
			if (io == PR_IO_TIMEOUT)
				log_oneline(c->why, sizeof(c->why),
				    "timeout waiting for the reply to %s",
				    what);
			else if (io == PR_IO_EOF)
				log_oneline(c->why, sizeof(c->why), "connection "
				    "closed waiting for the reply to %s", what);
			else if (io == PR_IO_ERROR) {
				char	tmp[sizeof(c->why)];

				snprintf(tmp, sizeof(tmp), "%s", c->why);
				log_oneline(c->why, sizeof(c->why), "%s (reply "
				    "to %s)", tmp, what);
			}
			return io;
		}
	}
}

/* pr_command - send one command line and read its reply. */
enum pr_io
pr_command(struct pr_conn *c, const char *verb, const char *arg)
{
	struct timespec deadline;
	char	line[PROBE_LINE_MAX];
	enum pr_io io;
	int	n;

	n = snprintf(line, sizeof(line), "%s%s%s\r\n", verb, arg ? " " : "",
	    arg ? arg : "");
	if (n < 0 || (size_t)n >= sizeof(line)) {
		log_oneline(c->why, sizeof(c->why), "%s argument too long", verb);
		return PR_IO_PROTO;
	}
	pr_step(c, &deadline);
	if ((io = pr_write(c, line, (size_t)n, &deadline)) != PR_IO_OK) {
		if (io == PR_IO_TIMEOUT)
			log_oneline(c->why, sizeof(c->why), "timeout sending %s",
			    verb);
		return io;
	}
	return pr_read_reply(c, verb);
}

/* pr_first_line - the first line of the reply, for why. */
void
pr_first_line(const struct pr_conn *c, char *buf, size_t bufsz)
{
	size_t	n;

	n = strcspn(c->reply.text, "\n");
	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, c->reply.text, n);
	buf[n] = '\0';
}

/* pr_connect - a non-blocking TCP connection to addr:port; -1 with why. */
int
pr_connect(struct pr_conn *c, const char *addr, unsigned int port)
{
	struct addrinfo hints, *res = NULL;
	struct timespec deadline;
	char	portstr[16];
	socklen_t slen;
	int	fd = -1, flags, err, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%u", port);
	if ((r = getaddrinfo(addr, portstr, &hints, &res)) != 0) {
		log_oneline(c->why, sizeof(c->why), "%s: %s", addr,
		    gai_strerror(r));
		return -1;
	}
	if ((fd = socket(res->ai_family, SOCK_STREAM, 0)) == -1) {
		log_oneline(c->why, sizeof(c->why), "socket: %s", strerror(errno));
		goto fail;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		log_oneline(c->why, sizeof(c->why), "fcntl: %s", strerror(errno));
		goto fail;
	}
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
	flags = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &flags, sizeof(flags));
#endif
	pr_step(c, &deadline);
	if (connect(fd, res->ai_addr, res->ai_addrlen) == 0)
		goto done;
	if (errno != EINPROGRESS && errno != EINTR) {
		log_oneline(c->why, sizeof(c->why), "connect: %s", strerror(errno));
		goto fail;
	}
	if (pr_wait(fd, POLLOUT, &deadline) != PR_IO_OK) {
		log_oneline(c->why, sizeof(c->why), "connect: timeout after %ld s",
		    c->step_ms / 1000);
		goto fail;
	}
	err = 0;
	slen = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &slen) == -1)
		err = errno;
	if (err != 0) {
		log_oneline(c->why, sizeof(c->why), "connect: %s", strerror(err));
		goto fail;
	}
done:
	freeaddrinfo(res);
	c->fd = fd;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

/*
 * pr_quit - QUIT, read the 221 (briefly), close TLS; errors ignored. The
 * result is known by now, so this may run past the conversation's end,
 * by one step or PROBE_QUIT_MS, whichever is shorter.
 */
void
pr_quit(struct pr_conn *c)
{
	char	saved[sizeof(c->why)];

	snprintf(saved, sizeof(saved), "%s", c->why);
	if (c->step_ms > PROBE_QUIT_MS)
		c->step_ms = PROBE_QUIT_MS;
	mono_deadline(&c->end, c->step_ms);
	(void)pr_command(c, "QUIT", NULL);
	if (c->ssl != NULL) {
		ERR_clear_error();
		(void)SSL_shutdown(c->ssl);	/* one try, no waiting */
		ERR_clear_error();
	}
	snprintf(c->why, sizeof(c->why), "%s", saved);
}

/* pr_conn_close - free the TLS session and close the socket. */
void
pr_conn_close(struct pr_conn *c)
{
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
}
