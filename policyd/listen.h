/*
 * listen.h - listening sockets and the thread-per-connection front end.
 */
#ifndef MTASTS_LISTEN_H
#define MTASTS_LISTEN_H

#include <sys/types.h>

#include <stddef.h>

#define LISTEN_LOG_EVERY	10	/* seconds between "refused" lines */

/*
 * What a unix socket file gets: its mode (set by the umask at bind, so
 * it is never wider, even for a moment) and its owner and group (-1:
 * left as bind made it), set without following symlinks.
 */
struct listen_perm {
	unsigned int mode;
	uid_t	uid;
	gid_t	gid;
};

/*
 * listen_open - bind and listen on spec ("unix:/path" or "inet:HOST:PORT";
 * a bare "/path" means unix). A unix socket gets perm. A socket file left
 * by a dead daemon is replaced; one a live daemon answers on is an error,
 * and is left alone. Returns the fd, or -1 with a reason in err.
 */
int	listen_open(const char *spec, const struct listen_perm *perm,
	    char *err, size_t errsz);

/*
 * listen_unix - bind a unix socket of type (SOCK_STREAM, then listening,
 * or SOCK_DGRAM) at path with perm, replacing a stale socket file as
 * listen_open does. The fd, or -1 with a reason in err.
 */
int	listen_unix(const char *path, int type, const struct listen_perm *perm,
	    char *err, size_t errsz);

/*
 * listen_serve - accept on fd in a thread of its own and hand each
 * connection to conn(fd) in a new detached thread, at most max at once
 * (more are closed at once, and logged). 0 or -1.
 */
int	listen_serve(int fd, void (*conn)(int fd), const char *what,
	    unsigned int max);

/* listen_clock_ms - a monotonic clock in milliseconds, for deadlines. */
long long listen_clock_ms(void);

/*
 * listen_read - read what is there (up to sz bytes) from connection fd,
 * waiting no later than deadline (listen_clock_ms() time). The count, 0
 * at end of file, or -1 with errno (ETIMEDOUT at the deadline).
 */
ssize_t	listen_read(int fd, void *buf, size_t sz, long long deadline);

/*
 * listen_write - write all n bytes to connection fd within timeout
 * seconds in all. 0, or -1 with errno (ETIMEDOUT when the peer does not
 * read).
 */
int	listen_write(int fd, const void *p, size_t n, int timeout);

/* listen_close_all - stop accepting and remove the unix socket files. */
void	listen_close_all(void);

/*
 * listen_drop - log that a connection of what is closed for why (a slow
 * client), at most once per LISTEN_LOG_EVERY seconds for all of them.
 */
void	listen_drop(const char *what, const char *why);

#endif
