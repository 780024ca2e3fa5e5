/*
 * ctlauth.h - who may use the control socket: the peer credentials of a
 * connection and its class (mtasts-policyd(8), AUTHORIZATION); the class
 * each verb needs is in control.c's verb table.
 */
#ifndef MTASTS_CTLAUTH_H
#define MTASTS_CTLAUTH_H

#include <sys/types.h>

#include <stddef.h>

#include "config.h"

#define CTLAUTH_GROUPS_MAX	256	/* supplementary groups looked at */

/* What a peer may do, each class including the ones below it. */
enum ctlauth_class {
	CTLAUTH_NONE,		/* nothing: the connection is refused */
	CTLAUTH_ADMIN,		/* every verb but the milter's */
	CTLAUTH_DAEMON		/* root or the daemons' own user: all */
};

struct ctlauth_peer {
	uid_t	uid;
	gid_t	gid;
	size_t	ngroups;	/* supplementary groups, where the OS says */
	gid_t	groups[CTLAUTH_GROUPS_MAX];
};

/*
 * ctlauth_peer_get - the credentials of the process at the other end of
 * the connected unix socket fd (SO_PEERCRED/SO_PEERGROUPS on Linux,
 * LOCAL_PEERCRED on FreeBSD, getpeereid() elsewhere). 0, or -1 (errno).
 */
int	ctlauth_peer_get(int fd, struct ctlauth_peer *p);

/* ctlauth_set_daemon_uid - the uid the daemons run as (user, or ours). */
void	ctlauth_set_daemon_uid(uid_t uid);

/*
 * ctlauth_classify - the class of p under cfg's control_users and
 * control_groups (names are looked up for each call, so a reload or a
 * change of the group database applies to the next connection).
 */
enum ctlauth_class ctlauth_classify(const struct config *cfg,
	    const struct ctlauth_peer *p);

#endif
