/*
 * sdnotify.c - the notify socket protocol of sd_notify(3), spoken
 * directly: systemd's Type=notify readiness without libsystemd.
 *
 * SYNOPSIS
 *	#include "sdnotify.h"
 *
 *	int	sdnotify_init(void);
 *	void	sdnotify_send(const char *fields, const char *fmt, ...);
 *	void	sdnotify_reloading(const char *fmt, ...);
 *
 * DESCRIPTION
 *	The service manager passes the name of an AF_UNIX datagram socket
 *	in NOTIFY_SOCKET: an absolute path, or "@name" for a socket in the
 *	Linux abstract namespace. Each message is one datagram of lines
 *	"NAME=VALUE\n" (READY=1, RELOADING=1, STOPPING=1, STATUS=text,
 *	MONOTONIC_USEC=n).
 *
 *	sdnotify_init() takes the variable out of the environment at once,
 *	as sd_notify(3) does when asked to: the programs the daemons run
 *	(release_command, sendmail) must never speak for the service. It
 *	connects the socket then, while the daemon is still root and sees
 *	the whole file system: a connected datagram socket keeps working
 *	after the privilege drop, whatever the path's permissions. A send
 *	waits at most SEND_TIMEOUT_S for room in the manager's queue.
 *
 *	sdnotify_init() runs before any thread; the senders may then be
 *	any thread (one send() per message, which the kernel keeps whole).
 *
 * DIAGNOSTICS
 *	A bad or unreachable NOTIFY_SOCKET is logged once and notification
 *	stays off: a daemon never stops for it. A failed send is logged
 *	(the first as a warning, later ones at debug level).
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fd.h"
#include "log.h"
#include "sdnotify.h"

#define SEND_TIMEOUT_S	2	/* a stuck manager must not stall a daemon */

static int notify_fd = -1;
static atomic_int send_failed;

/* sdnotify_addr - the sockaddr_un of a NOTIFY_SOCKET value. */
int
sdnotify_addr(const char *v, struct sockaddr_un *sun, socklen_t *len,
    char *err, size_t errsz)
{
	size_t	n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = strlen(v);
	if (n == 0) {
		snprintf(err, errsz, "empty");
		return -1;
	}
	if (v[0] == '@') {
#ifdef __linux__
		/* The name is the bytes after a NUL, with no terminator. */
		if (n < 2 || n > sizeof(sun->sun_path)) {
			snprintf(err, errsz, "abstract socket name of %zu "
			    "bytes (1 to %zu)", n - 1,
			    sizeof(sun->sun_path) - 1);
			return -1;
		}
		memcpy(sun->sun_path + 1, v + 1, n - 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
		return 0;
#else
		snprintf(err, errsz, "abstract sockets exist only on Linux");
		return -1;
#endif
	}
	if (v[0] != '/') {
		snprintf(err, errsz, "neither an absolute path nor "
		    "@name (other kinds, such as vsock:, are not supported)");
		return -1;
	}
	if (n >= sizeof(sun->sun_path)) {
		snprintf(err, errsz, "path longer than %zu bytes",
		    sizeof(sun->sun_path) - 1);
		return -1;
	}
	memcpy(sun->sun_path, v, n + 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

/* sdnotify_format - build one message from fields and a status line. */
int
sdnotify_format(char *buf, size_t bufsz, const char *fields,
    const char *status)
{
	size_t	n = 0, flen;
	char	line[SDNOTIFY_MSG_MAX];

	if (bufsz == 0)
		return -1;
	buf[0] = '\0';
	if (fields != NULL && (flen = strlen(fields)) > 0) {
		if (flen + 2 > bufsz)
			return -1;
		memcpy(buf, fields, flen);
		n = flen;
		if (buf[n - 1] != '\n')
			buf[n++] = '\n';
		buf[n] = '\0';
	}
	if (status == NULL)
		return (int)n;
	/* A newline in the text would start a field of its own. */
	log_oneline(line, sizeof(line), "%s", status);
	if (n + sizeof("STATUS=\n") > bufsz)
		return -1;
	/* Cut the text, never the fields before it. */
	n += (size_t)snprintf(buf + n, bufsz - n, "STATUS=%.*s\n",
	    (int)(bufsz - n - sizeof("STATUS=\n")), line);
	return (int)n;
}

/* sdnotify_init - pick up NOTIFY_SOCKET and connect to it. */
int
sdnotify_init(void)
{
	struct sockaddr_un sun;
	struct timeval tv;
	socklen_t len;
	const char *v;
	char	name[sizeof(sun.sun_path) + 1], err[256];
	int	fd;

	if ((v = getenv("NOTIFY_SOCKET")) == NULL)
		return 0;
	snprintf(name, sizeof(name), "%s", v);
	if (unsetenv("NOTIFY_SOCKET") != 0)
		log_warn("NOTIFY_SOCKET: cannot remove it from the "
		    "environment");
	if (sdnotify_addr(name, &sun, &len, err, sizeof(err)) != 0) {
		log_warnx("NOTIFY_SOCKET %s: %s; no readiness notification",
		    name, err);
		return 0;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0) {
		log_warn("NOTIFY_SOCKET %s: socket; no readiness "
		    "notification", name);
		return 0;
	}
	tv.tv_sec = SEND_TIMEOUT_S;
	tv.tv_usec = 0;
	if (fd_cloexec(fd) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&sun, len) != 0) {
		log_warn("NOTIFY_SOCKET %s: cannot use it; no readiness "
		    "notification", name);
		close(fd);
		return 0;
	}
	notify_fd = fd;
	log_debug("NOTIFY_SOCKET %s: notifying the service manager", name);
	return 1;
}

/* notify_vsend - format and send one message. */
static void
notify_vsend(const char *fields, const char *fmt, va_list ap)
{
	char	status[SDNOTIFY_MSG_MAX], msg[SDNOTIFY_MSG_MAX];
	int	n, flags = 0;

	if (notify_fd < 0)
		return;
	if (fmt != NULL)
		vsnprintf(status, sizeof(status), fmt, ap);
	if ((n = sdnotify_format(msg, sizeof(msg), fields, fmt != NULL ?
	    status : NULL)) <= 0)
		panic("sdnotify: message fields too long");
#ifdef MSG_NOSIGNAL
	flags = MSG_NOSIGNAL;
#endif
	if (send(notify_fd, msg, (size_t)n, flags) == n)
		return;
	if (atomic_exchange(&send_failed, 1) == 0)
		log_warn("NOTIFY_SOCKET: cannot notify the service manager");
	else
		log_debug("NOTIFY_SOCKET: send: %s", strerror(errno));
}

/* sdnotify_send - fields and an optional STATUS= line. */
void
sdnotify_send(const char *fields, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	notify_vsend(fields, fmt, ap);
	va_end(ap);
}

/* sdnotify_reloading - RELOADING=1 stamped with the monotonic clock. */
void
sdnotify_reloading(const char *fmt, ...)
{
	struct timespec ts;
	char	fields[64];
	va_list	ap;

	if (notify_fd < 0)
		return;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		panic("sdnotify: clock_gettime(CLOCK_MONOTONIC)");
	snprintf(fields, sizeof(fields), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	va_start(ap, fmt);
	notify_vsend(fields, fmt, ap);
	va_end(ap);
}
