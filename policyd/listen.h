/*
 * listen.h - listening sockets and the thread-per-connection front end.
 */
#ifndef MTASTS_LISTEN_H
#define MTASTS_LISTEN_H

#include <stddef.h>

#define LISTEN_MAX_CONN	2048	/* connections served at once, all listeners */

/*
 * listen_open - bind and listen on spec ("unix:/path" or "inet:HOST:PORT";
 * a bare "/path" means unix). A unix socket gets mode and group (may be
 * NULL or empty). A socket file left by a dead daemon is replaced; one a
 * live daemon answers on is an error, and is left alone. Returns the fd, or
 * -1 with a reason in err.
 */
int	listen_open(const char *spec, unsigned int mode, const char *group,
	    char *err, size_t errsz);

/*
 * listen_unix - bind a unix socket of type (SOCK_STREAM, then listening,
 * or SOCK_DGRAM) at path with mode and group, replacing a stale socket
 * file as listen_open does. The fd, or -1 with a reason in err.
 */
int	listen_unix(const char *path, int type, unsigned int mode,
	    const char *group, char *err, size_t errsz);

/*
 * listen_serve - accept on fd in a thread of its own and hand each
 * connection to conn(fd) in a new detached thread. 0 or -1.
 */
int	listen_serve(int fd, void (*conn)(int fd), const char *what);

/* listen_close_all - stop accepting and remove the unix socket files. */
void	listen_close_all(void);

#endif
