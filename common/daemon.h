/*
 * daemon.h - what both daemons do the same way at start-up: find the
 * configured user and groups, detach with a start-up pipe, tell the
 * waiting parent they are up, and drop privileges for good.
 */
#ifndef MTASTS_DAEMON_H
#define MTASTS_DAEMON_H

#include <sys/types.h>

#include <stddef.h>

#include "config.h"

struct daemon_creds {
	int	set;		/* user configured */
	uid_t	uid;
	gid_t	gid;		/* group, or the user's primary group */
	int	group_set;	/* socket_group configured */
	gid_t	sock_gid;
};

/*
 * daemon_lookup_creds - resolve user, group and socket_group of cfg.
 * Returns 0, or -1 with "user X: no such user" (etc.) in err.
 */
int	daemon_lookup_creds(const struct config *cfg, struct daemon_creds *c,
	    char *err, size_t errsz);

/*
 * daemon_detach - fork; the parent waits on a pipe and exits 0 when the
 * child calls daemon_ready(), 1 when the child dies first. The child gets
 * a new session, "/" as working directory, /dev/null as stdin and stdout
 * (stderr stays, so start-up errors still reach the terminal). Returns the
 * pipe for daemon_ready().
 */
int	daemon_detach(void);

/*
 * daemon_ready - tell the waiting parent (fd from daemon_detach; -1 in the
 * foreground: no-op) that start-up is done; from now on log to syslog only.
 */
void	daemon_ready(int fd, const char *ident, int facility);

/* daemon_drop_privileges - become c's user and group for good (fatal on error). */
void	daemon_drop_privileges(const struct config *cfg,
	    const struct daemon_creds *c);

#endif
