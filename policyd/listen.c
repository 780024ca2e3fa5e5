/*
 * listen.c - listening sockets and the thread-per-connection front end.
 *
 * SYNOPSIS
 *	listen_open(), listen_serve(), listen_close_all()
 *
 * DESCRIPTION
 *	Postfix keeps one socketmap connection per smtp process and reuses it,
 *	so connections are few and long-lived: a thread per connection with
 *	blocking I/O is the simplest correct front end, and the benchmark
 *	(tests/bench) shows it within reach of a bare echo server.
 *
 *	Each listener has a cap of its own (socketmap_max_connections for
 *	each socketmap listener, control_max_connections for the control
 *	socket), so idle socketmap clients can never take the slots the
 *	milter and mtasts-ctl need. Past its cap a listener closes a new
 *	connection at once and says so at most once per LISTEN_LOG_EVERY
 *	seconds, with the count it refused meanwhile.
 *
 *	listen_read() and listen_write() are the connection handlers' I/O:
 *	a read waits until a deadline the caller computes (an idle bound
 *	between requests, the request_timeout from a request's first byte),
 *	so a client trickling one byte at a time cannot hold a thread; a
 *	write must finish within send_timeout in all, so a client that never
 *	reads its replies cannot either.
 *
 *	Every socket is close-on-exec (SOCK_CLOEXEC and accept4() where the
 *	system has them, fcntl() otherwise).
 *
 *	A unix socket path that exists is probed first: if a daemon answers
 *	there, we refuse to start (and leave its socket alone); if nothing
 *	answers, the file is stale and replaced.
 *
 * DIAGNOSTICS
 *	Bind errors name the socket and the reason; accept errors are logged
 *	and retried after a pause.
 */
#include "autoconf.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fd.h"
#include "listen.h"
#include "log.h"
#include "mono.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* SIGPIPE is ignored anyway */
#endif

#define LISTEN_MAX	16
#define CONN_STACK	(256 * 1024)
#define LISTEN_FD_SPARE	64	/* descriptors kept beyond the caps */

struct listener {
	int	fd;
	char   *path;		/* unix socket file we created */
	void	(*conn)(int);
	const char *what;
	unsigned int max;	/* connections served at once */
	atomic_uint nconn;
	long long next_log;	/* accept thread only */
	unsigned long refused;	/* since the last refusal logged */
};

static struct listener listeners[LISTEN_MAX];
static int nlisteners;
static unsigned long long ncaps;	/* sum of the caps being served */

/* listen_clock_ms - see listen.h. */
long long
listen_clock_ms(void)
{
	return mono_now_ms();
}

/* listen_drop - see listen.h. */
void
listen_drop(const char *what, const char *why)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static long long next;
	static unsigned long quiet;
	long long now = listen_clock_ms();
	unsigned long n;

	pthread_mutex_lock(&mu);
	if (now < next) {
		quiet++;
		pthread_mutex_unlock(&mu);
		return;
	}
	n = quiet;
	quiet = 0;
	next = now + LISTEN_LOG_EVERY * 1000LL;
	pthread_mutex_unlock(&mu);
	if (n > 0)
		log_warnx("%s: %s; connection closed (and %lu more closed "
		    "for a slow client in the last %d s)", what, why, n,
		    LISTEN_LOG_EVERY);
	else
		log_warnx("%s: %s; connection closed", what, why);
}

/* listen_socket - a close-on-exec socket. */
static int
listen_socket(int domain, int type)
{
	int	fd;

#ifdef SOCK_CLOEXEC
	if ((fd = socket(domain, type | SOCK_CLOEXEC, 0)) >= 0 ||
	    errno != EINVAL)
		return fd;
#endif
	if ((fd = socket(domain, type, 0)) >= 0 && fd_cloexec(fd) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* listen_accept - accept a close-on-exec connection. */
static int
listen_accept(int lfd)
{
	int	fd;

#ifdef HAVE_ACCEPT4
	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0 ||
	    (errno != ENOSYS && errno != EINVAL))
		return fd;
#endif
	if ((fd = accept(lfd, NULL, NULL)) >= 0 && fd_cloexec(fd) != 0) {
		close(fd);
		errno = EMFILE;
		return -1;
	}
	return fd;
}

/* listen_read - see listen.h. */
ssize_t
listen_read(int fd, void *buf, size_t sz, long long deadline)
{
	struct pollfd pfd;
	long long left;
	ssize_t	r;
	int	n;

	for (;;) {
		if ((left = deadline - listen_clock_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n <= 0)
			continue;
		if ((r = recv(fd, buf, sz, MSG_DONTWAIT)) >= 0)
			return r;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
	}
}

/* listen_write - see listen.h. */
int
listen_write(int fd, const void *p, size_t n, int timeout)
{
	const char *c = p;
	struct pollfd pfd;
	long long deadline, left;
	ssize_t	w;

	deadline = listen_clock_ms() + (long long)timeout * 1000;
	while (n > 0) {
		if ((w = send(fd, c, n, MSG_DONTWAIT | MSG_NOSIGNAL)) >= 0) {
			c += w;
			n -= (size_t)w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if ((left = deadline - listen_clock_ms()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

/* listen_unix - bind a unix socket of type at path (stream: listening). */
int
listen_unix(const char *path, int type, const struct listen_perm *perm,
    char *err, size_t errsz)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t	omask;
	int	fd = -1, probe, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errsz, "%s: socket path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errsz, "%s: exists and is not a socket",
			    path);
			return -1;
		}
		if ((probe = listen_socket(AF_UNIX, type)) < 0) {
			snprintf(err, errsz, "socket: %s", strerror(errno));
			return -1;
		}
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			snprintf(err, errsz, "%s: another daemon is %s there; "
			    "stop it first", path, type == SOCK_STREAM ?
			    "listening" : "bound");
			return -1;
		}
		close(probe);
		if (unlink(path) != 0) {
			snprintf(err, errsz, "%s: cannot remove stale socket: "
			    "%s", path, strerror(errno));
			return -1;
		}
		log_info("removed stale socket %s", path);
	}
	if ((fd = listen_socket(AF_UNIX, type)) < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return -1;
	}
	/*
	 * The socket is born with its mode: no chmod(2) by path, which
	 * would follow a symlink that the daemon user (who may own the
	 * directory) put there after bind. Start-up is single-threaded.
	 */
	omask = umask((mode_t)(~perm->mode & 0777));
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(omask);
	if (rc != 0) {
		snprintf(err, errsz, "bind %s: %s", path, strerror(errno));
		goto fail;
	}
	if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		snprintf(err, errsz, "%s: replaced by something else while "
		    "starting", path);
		close(fd);
		return -1;
	}
	/* Owner and group, never through a symlink. */
	if ((perm->uid != (uid_t)-1 || perm->gid != (gid_t)-1) &&
	    fchownat(AT_FDCWD, path, perm->uid, perm->gid,
	    AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(err, errsz, "chown %s: %s", path, strerror(errno));
		goto fail_unlink;
	}
	if (type == SOCK_STREAM && listen(fd, 128) != 0) {
		snprintf(err, errsz, "listen %s: %s", path, strerror(errno));
		goto fail_unlink;
	}
	return fd;
fail_unlink:
	unlink(path);
fail:
	close(fd);
	return -1;
}

/* open_inet - bind a TCP socket at "HOST:PORT" ("[v6]:PORT" too). */
static int
open_inet(const char *hostport, char *err, size_t errsz)
{
	struct addrinfo hints, *res = NULL;
	char	host[256], *port;
	int	fd = -1, on = 1, rc;

	snprintf(host, sizeof(host), "%s", hostport);
	if ((port = strrchr(host, ':')) == NULL) {
		snprintf(err, errsz, "inet:%s: missing :PORT", hostport);
		return -1;
	}
	*port++ = '\0';
	if (host[0] == '[') {
		size_t	n = strlen(host);

		if (n < 2 || host[n - 1] != ']') {
			snprintf(err, errsz, "inet:%s: bad address", hostport);
			return -1;
		}
		host[n - 1] = '\0';
		memmove(host, host + 1, n - 1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0) {
		snprintf(err, errsz, "inet:%s: %s", hostport, gai_strerror(rc));
		return -1;
	}
	if ((fd = listen_socket(res->ai_family, SOCK_STREAM)) < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) {
		snprintf(err, errsz, "bind inet:%s: %s", hostport,
		    errno == EADDRINUSE ? "address in use (another daemon?)" :
		    strerror(errno));
		close(fd);
		fd = -1;
		goto out;
	}
	if (listen(fd, 128) != 0) {
		snprintf(err, errsz, "listen inet:%s: %s", hostport,
		    strerror(errno));
		close(fd);
		fd = -1;
	}
out:
	freeaddrinfo(res);
	return fd;
}

/* listen_open - see listen.h. */
int
listen_open(const char *spec, const struct listen_perm *perm, char *err,
    size_t errsz)
{
	const char *path = NULL;
	int	fd;

	if (nlisteners >= LISTEN_MAX) {
		snprintf(err, errsz, "too many listeners (max %d)", LISTEN_MAX);
		return -1;
	}
	if (strncmp(spec, "unix:", 5) == 0)
		path = spec + 5;
	else if (spec[0] == '/')
		path = spec;
	if (path != NULL)
		fd = listen_unix(path, SOCK_STREAM, perm, err, errsz);
	else if (strncmp(spec, "inet:", 5) == 0)
		fd = open_inet(spec + 5, err, errsz);
	else {
		snprintf(err, errsz, "%s: expected unix:PATH or inet:HOST:PORT",
		    spec);
		return -1;
	}
	if (fd < 0)
		return -1;
	listeners[nlisteners].fd = fd;
	listeners[nlisteners].path = path ? strdup(path) : NULL;
	nlisteners++;
	return fd;
}

struct conn_arg {
	int	fd;
	struct listener *l;
};

/* conn_main - one connection's thread. */
static void *
conn_main(void *arg)
{
	struct conn_arg ca = *(struct conn_arg *)arg;

	free(arg);
	ca.l->conn(ca.fd);
	close(ca.fd);
	atomic_fetch_sub(&ca.l->nconn, 1);
	return NULL;
}

/* refuse - close a connection past the cap; log now and then. */
static void
refuse(struct listener *l, int fd)
{
	long long now = listen_clock_ms();

	close(fd);
	l->refused++;
	if (now < l->next_log)
		return;
	log_warnx("%s: %u connections open (the most allowed); refusing "
	    "new ones (%lu refused since the last such line)", l->what,
	    l->max, l->refused);
	l->refused = 0;
	l->next_log = now + LISTEN_LOG_EVERY * 1000LL;
}

/* accept_main - the accept loop of one listener. */
static void *
accept_main(void *arg)
{
	struct listener *l = arg;
	struct conn_arg *ca;
	pthread_attr_t attr;
	pthread_t t;
	int	fd, rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, CONN_STACK);
	for (;;) {
		if ((fd = listen_accept(l->fd)) < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EBADF || errno == EINVAL)
				break;		/* closed at shutdown */
			log_warn("%s: accept", l->what);
			sleep(1);
			continue;
		}
		if (atomic_fetch_add(&l->nconn, 1) >= l->max) {
			atomic_fetch_sub(&l->nconn, 1);
			refuse(l, fd);
			continue;
		}
		if ((ca = malloc(sizeof(*ca))) == NULL) {
			close(fd);
			atomic_fetch_sub(&l->nconn, 1);
			continue;
		}
		ca->fd = fd;
		ca->l = l;
		if ((rc = pthread_create(&t, &attr, conn_main, ca)) != 0) {
			errno = rc;
			log_warn("%s: connection thread", l->what);
			free(ca);
			close(fd);
			atomic_fetch_sub(&l->nconn, 1);
		}
	}
	pthread_attr_destroy(&attr);
	return NULL;
}

/*
 * fd_room - make the descriptor limit hold every cap (each connection is
 * one descriptor) plus a spare, so a full listener cannot starve another
 * listener's accept() of descriptors.
 */
static void
fd_room(void)
{
	struct rlimit rl;
	rlim_t	want = (rlim_t)(ncaps + LISTEN_FD_SPARE);

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ?
	    want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
		log_warnx("descriptor limit %llu is below the connection caps "
		    "(%llu) plus %d; lower socketmap_max_connections",
		    (unsigned long long)rl.rlim_cur, ncaps, LISTEN_FD_SPARE);
}

/* listen_serve - start the accept thread of fd. */
int
listen_serve(int fd, void (*conn)(int), const char *what, unsigned int max)
{
	pthread_t t;
	int	i, rc;

	for (i = 0; i < nlisteners; i++)
		if (listeners[i].fd == fd)
			break;
	if (i == nlisteners)
		return -1;
	listeners[i].conn = conn;
	listeners[i].what = what;
	listeners[i].max = max > 0 ? max : 1;
	atomic_store(&listeners[i].nconn, 0);
	listeners[i].next_log = 0;
	listeners[i].refused = 0;
	ncaps += listeners[i].max;
	fd_room();
	if ((rc = pthread_create(&t, NULL, accept_main, &listeners[i])) != 0) {
		errno = rc;
		log_warn("%s: accept thread", what);
		return -1;
	}
	pthread_detach(t);
	return 0;
}

/* listen_close_all - stop accepting; remove our socket files. */
void
listen_close_all(void)
{
	int	i;

	for (i = 0; i < nlisteners; i++) {
		shutdown(listeners[i].fd, SHUT_RDWR);
		close(listeners[i].fd);
		if (listeners[i].path != NULL) {
			if (unlink(listeners[i].path) != 0 && errno != ENOENT)
				log_warn("unlink %s", listeners[i].path);
			free(listeners[i].path);
			listeners[i].path = NULL;
		}
	}
	nlisteners = 0;
}
