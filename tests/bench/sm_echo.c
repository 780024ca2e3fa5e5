/*
 * NAME
 *	sm_echo - the physical baseline for socketmap benchmarks
 * SYNOPSIS
 *	sm-echo -s unix:PATH|inet:HOST:PORT [-r REPLY]
 * DESCRIPTION
 *	A minimal socketmap server: one thread per connection, blocking read
 *	and write, requests decoded with netstring_parse and split into NAME
 *	and KEY, every request answered with the same fixed reply (default
 *	"OK secure match=mail.enforce.test servername=hostname", the shape of
 *	policyd's cached answer). Pipelined requests are answered in order,
 *	the replies to one read batched into one write (up to 16 KiB). A request that is
 *	malformed, over NETSTRING_REQUEST_MAX or without a space closes the
 *	connection without a reply (DESIGN §4); replies to the requests before
 *	it are still sent.
 *
 *	With inet:HOST:0 the kernel picks the port. Once listening, sm-echo
 *	prints the address it serves ("unix:PATH" or "inet:HOST:PORT") on
 *	stdout. SIGTERM or SIGINT stops it and removes a unix socket.
 * DIAGNOSTICS
 *	Exit 0 after a signal, 1 on bad usage or setup failure.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netstring.h"

#define ECHO_DEFAULT_REPLY \
	"OK secure match=mail.enforce.test servername=hostname"
#define ECHO_READ_SIZE	16384
#define ECHO_WRITE_SIZE	16384

static const char *echo_reply = ECHO_DEFAULT_REPLY;
static size_t echo_reply_len;
static int echo_inet;
static volatile sig_atomic_t echo_stop;

/* echo_usage - print the synopsis and exit 1. */
static void
echo_usage(void)
{
	fprintf(stderr, "usage: sm-echo -s unix:PATH|inet:HOST:PORT "
	    "[-r REPLY]\n");
	exit(1);
}

/* echo_signal - note that we were asked to stop. */
static void
echo_signal(int sig)
{
	(void)sig;
	echo_stop = 1;
}

/* echo_write_all - write len bytes; 0 or -1. */
static int
echo_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * echo_serve - answer requests on one connection until EOF, error or a
 * malformed request. Runs in its own detached thread.
 */
static void *
echo_serve(void *arg)
{
	const char *data, *sp;
	char   *in = NULL, *out = NULL;
	size_t	insz, outsz, replysz, have = 0, pos, olen = 0, dlen, used, n1;
	ssize_t	n;
	int	fd = (int)(intptr_t)arg;

	insz = netstring_size(NETSTRING_REQUEST_MAX) + ECHO_READ_SIZE;
	replysz = netstring_size(echo_reply_len);
	outsz = replysz > ECHO_WRITE_SIZE ? replysz : ECHO_WRITE_SIZE;
	if ((in = malloc(insz)) == NULL || (out = malloc(outsz)) == NULL)
		goto out;
	for (;;) {
		n = read(fd, in + have, insz - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		have += (size_t)n;
		pos = 0;
		olen = 0;
		for (;;) {
			switch (netstring_parse(in + pos, have - pos,
			    NETSTRING_REQUEST_MAX, &data, &dlen, &used)) {
			case NS_INCOMPLETE:
				goto flush;
			case NS_ERROR:
				goto bad;
			case NS_OK:
				break;
			}
			/* NAME KEY: both parts non-empty. */
			sp = memchr(data, ' ', dlen);
			if (sp == NULL || sp == data || sp + 1 == data + dlen)
				goto bad;
			if (outsz - olen < replysz) {
				if (echo_write_all(fd, out, olen) == -1)
					goto out;
				olen = 0;
			}
			if ((n1 = netstring_format(out + olen, outsz - olen,
			    echo_reply, echo_reply_len)) == 0)
				goto out;
			olen += n1;
			pos += used;
		}
flush:
		if (olen > 0 && echo_write_all(fd, out, olen) == -1)
			goto out;
		memmove(in, in + pos, have - pos);
		have -= pos;
		/* A request that cannot fit is over the limit (and NS_ERROR). */
		if (have == insz)
			goto out;
	}
bad:
	/* Requests before the bad one still get their answers, in order. */
	if (olen > 0 && echo_write_all(fd, out, olen) == -1)
		goto out;
out:
	free(in);
	free(out);
	close(fd);
	return NULL;
}

/* echo_listen - bind and listen on spec; prints the address; fd or -1. */
static int
echo_listen(const char *spec, char *unix_path, size_t unix_pathsz)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	struct sockaddr_un sun;
	socklen_t sslen;
	const char *colon;
	char	host[256], hbuf[NI_MAXHOST], pbuf[NI_MAXSERV];
	size_t	hlen;
	int	fd = -1, one = 1, error;

	if (strncmp(spec, "unix:", 5) == 0) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(spec + 5) == 0 ||
		    strlen(spec + 5) >= sizeof(sun.sun_path) ||
		    strlen(spec + 5) >= unix_pathsz) {
			fprintf(stderr, "sm-echo: bad unix path\n");
			goto fail;
		}
		memcpy(sun.sun_path, spec + 5, strlen(spec + 5) + 1);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			goto syserr;
		if (unlink(sun.sun_path) == -1 && errno != ENOENT)
			goto syserr;
		if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
			goto syserr;
		memcpy(unix_path, sun.sun_path, strlen(sun.sun_path) + 1);
		if (listen(fd, SOMAXCONN) == -1)
			goto syserr;
		printf("unix:%s\n", unix_path);
		goto done;
	}
	if (strncmp(spec, "inet:", 5) != 0 ||
	    (colon = strrchr(spec + 5, ':')) == NULL) {
		fprintf(stderr, "sm-echo: want unix:PATH or inet:HOST:PORT\n");
		goto fail;
	}
	spec += 5;
	hlen = (size_t)(colon - spec);
	if (hlen >= 2 && spec[0] == '[' && spec[hlen - 1] == ']') {
		spec++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		fprintf(stderr, "sm-echo: bad host\n");
		goto fail;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	if ((error = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		fprintf(stderr, "sm-echo: %s: %s\n", host, gai_strerror(error));
		goto fail;
	}
	if ((fd = socket(res->ai_family, SOCK_STREAM, 0)) == -1)
		goto syserr;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto syserr;
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, SOMAXCONN) == -1)
		goto syserr;
	sslen = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		goto syserr;
	if ((error = getnameinfo((struct sockaddr *)&ss, sslen, hbuf,
	    sizeof(hbuf), pbuf, sizeof(pbuf),
	    NI_NUMERICHOST | NI_NUMERICSERV)) != 0) {
		fprintf(stderr, "sm-echo: %s\n", gai_strerror(error));
		goto fail;
	}
	echo_inet = 1;
	if (ss.ss_family == AF_INET6)
		printf("inet:[%s]:%s\n", hbuf, pbuf);
	else
		printf("inet:%s:%s\n", hbuf, pbuf);
done:
	if (res != NULL)
		freeaddrinfo(res);
	if (fflush(stdout) != 0)
		goto syserr;
	return fd;
syserr:
	perror("sm-echo");
fail:
	if (res != NULL)
		freeaddrinfo(res);
	if (fd != -1)
		close(fd);
	return -1;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	pthread_attr_t attr;
	pthread_t thread;
	const char *spec = NULL;
	char	unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)] = "";
	int	ch, lfd, fd, one = 1, rc = 1;

	while ((ch = getopt(argc, argv, "r:s:")) != -1) {
		switch (ch) {
		case 'r':
			echo_reply = optarg;
			break;
		case 's':
			spec = optarg;
			break;
		default:
			echo_usage();
		}
	}
	if (optind != argc || spec == NULL)
		echo_usage();
	echo_reply_len = strlen(echo_reply);
	if (echo_reply_len == 0 || echo_reply_len > NETSTRING_REPLY_MAX)
		echo_usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		goto syserr;
	/* No SA_RESTART: accept() returns EINTR so the loop sees the flag. */
	sa.sa_handler = echo_signal;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		goto syserr;
	if ((lfd = echo_listen(spec, unix_path, sizeof(unix_path))) == -1)
		return 1;
	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0) {
		fprintf(stderr, "sm-echo: pthread_attr failed\n");
		goto out;
	}
	while (!echo_stop) {
		if ((fd = accept(lfd, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				usleep(10000);
				continue;
			}
			perror("sm-echo: accept");
			goto out;
		}
		if (echo_inet && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
		    &one, sizeof(one)) == -1) {
			perror("sm-echo: TCP_NODELAY");
			close(fd);
			continue;
		}
		if (pthread_create(&thread, &attr, echo_serve,
		    (void *)(intptr_t)fd) != 0) {
			fprintf(stderr, "sm-echo: pthread_create failed\n");
			close(fd);
		}
	}
	rc = 0;
out:
	if (unix_path[0] != '\0' && unlink(unix_path) == -1)
		perror("sm-echo: unlink");
	close(lfd);
	return rc;
syserr:
	perror("sm-echo");
	return 1;
}
