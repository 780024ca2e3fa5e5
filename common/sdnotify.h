/*
 * sdnotify.h - tell a service manager (systemd) about start-up, reload
 * and stop through the notify socket protocol of sd_notify(3), without
 * libsystemd (sdnotify.c).
 */
#ifndef MTASTS_SDNOTIFY_H
#define MTASTS_SDNOTIFY_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>

#include "log.h"

/* The longest message we send: a few fields and one STATUS= line. */
#define SDNOTIFY_MSG_MAX	1024

/*
 * sdnotify_init - read NOTIFY_SOCKET and remove it from the environment
 * (no child may notify in our name); open and connect a datagram socket
 * to it. Call once, before any thread or child exists. A missing
 * variable is not an error; a bad or unreachable socket is logged and
 * notification stays off (the daemon runs on). 1: notifying, 0: not.
 */
int	sdnotify_init(void);

/*
 * sdnotify_send - send fields (lines "NAME=VALUE" separated by "\n",
 * or NULL) and, if fmt is not NULL, a STATUS= line made one printable
 * line. A failure is logged (the first one as a warning) and ignored.
 */
void	sdnotify_send(const char *fields, const char *fmt, ...) LOGFMT(2, 3);

/*
 * sdnotify_reloading - RELOADING=1 with MONOTONIC_USEC= (the clock
 * Type=notify-reload matches the reload by) and a STATUS= line.
 */
void	sdnotify_reloading(const char *fmt, ...) LOGFMT(1, 2);

/*
 * sdnotify_addr - the address that NOTIFY_SOCKET value v names: an
 * absolute path, or "@name" for a Linux abstract socket. 0, or -1 with
 * the reason in err.
 */
int	sdnotify_addr(const char *v, struct sockaddr_un *sun, socklen_t *len,
	    char *err, size_t errsz);

/*
 * sdnotify_format - fields, then "STATUS=" status (may be NULL), each
 * line ending in "\n", into buf of size bufsz; a status too long for
 * buf is cut. The length, or -1 if the fields alone do not fit.
 */
int	sdnotify_format(char *buf, size_t bufsz, const char *fields,
	    const char *status);

#endif
