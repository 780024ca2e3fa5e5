/*
 * ctlauth.c - who may use the control socket.
 *
 * SYNOPSIS
 *	ctlauth_peer_get(), ctlauth_set_daemon_uid(), ctlauth_classify()
 *
 * DESCRIPTION
 *	The control socket can flush the cache, release held mail (root
 *	runs release_command for it) and send reports; "hold" makes root
 *	run release_command for a queue id the caller names. File modes
 *	alone cannot tell the milter from another member of a group, so
 *	every connection's peer credentials are checked as well:
 *
 *	root and the daemons' own uid (policyd's "user", which is the
 *	milter's) may use every verb; a user named in control_users, or a
 *	process whose effective group or one of whose supplementary groups
 *	is named in control_groups, may use every verb but the milter's
 *	("sts", "hold"); anyone else is refused. Which class a verb needs
 *	is a column of control.c's verb table.
 *
 *	Supplementary groups come from the kernel with the credentials
 *	(Linux SO_PEERGROUPS, FreeBSD LOCAL_PEERCRED); where it gives none
 *	(getpeereid()), only the effective group counts.
 *
 * DIAGNOSTICS
 *	ctlauth_peer_get() fails only when the system does; the caller then
 *	refuses the connection (fail closed).
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#if defined(LOCAL_PEERCRED) && !defined(__linux__)
#include <sys/param.h>
#include <sys/ucred.h>
#endif

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctlauth.h"

#define CTLAUTH_NSSBUF	16384	/* getpwnam_r/getgrnam_r buffer */

static _Atomic long daemon_uid = 0;

/* ctlauth_peer_get - see ctlauth.h. */
int
ctlauth_peer_get(int fd, struct ctlauth_peer *p)
{
#if defined(SO_PEERCRED) && defined(__linux__)
	struct ucred uc;
	socklen_t len = sizeof(uc);

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0)
		return -1;
	p->uid = uc.uid;
	p->gid = uc.gid;
#ifdef SO_PEERGROUPS
	len = sizeof(p->groups);
	/* Too many groups (ERANGE) or an old kernel: the effective group only. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &len) == 0)
		p->ngroups = len / sizeof(gid_t);
#endif
	return 0;
#elif defined(LOCAL_PEERCRED)
	struct xucred xuc;
	socklen_t len = sizeof(xuc);
	int	i;

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERCRED, &xuc, &len) != 0)
		return -1;
	if (xuc.cr_version != XUCRED_VERSION || xuc.cr_ngroups < 1) {
		errno = EINVAL;
		return -1;
	}
	p->uid = xuc.cr_uid;
	p->gid = xuc.cr_groups[0];
	for (i = 1; i < xuc.cr_ngroups && p->ngroups < CTLAUTH_GROUPS_MAX; i++)
		p->groups[p->ngroups++] = xuc.cr_groups[i];
	return 0;
#elif defined(HAVE_GETPEEREID)
	memset(p, 0, sizeof(*p));
	return getpeereid(fd, &p->uid, &p->gid);
#else
#error "no way to learn a unix socket peer's credentials"
#endif
}

/* ctlauth_set_daemon_uid - see ctlauth.h. */
void
ctlauth_set_daemon_uid(uid_t uid)
{
	atomic_store(&daemon_uid, (long)uid);
}

/* ctlauth_user_is - is name the user of uid? */
static int
ctlauth_user_is(const char *name, uid_t uid)
{
	struct passwd pw, *res = NULL;
	char   *buf;
	int	yes = 0;

	if ((buf = malloc(CTLAUTH_NSSBUF)) == NULL)
		return 0;
	if (getpwnam_r(name, &pw, buf, CTLAUTH_NSSBUF, &res) == 0 &&
	    res != NULL && pw.pw_uid == uid)
		yes = 1;
	free(buf);
	return yes;
}

/* ctlauth_group_has - is group name p's effective or a supplementary group? */
static int
ctlauth_group_has(const char *name, const struct ctlauth_peer *p)
{
	struct group gr, *res = NULL;
	char   *buf;
	size_t	i;
	int	yes = 0;

	if ((buf = malloc(CTLAUTH_NSSBUF)) == NULL)
		return 0;
	if (getgrnam_r(name, &gr, buf, CTLAUTH_NSSBUF, &res) == 0 &&
	    res != NULL) {
		yes = gr.gr_gid == p->gid;
		for (i = 0; !yes && i < p->ngroups; i++)
			yes = gr.gr_gid == p->groups[i];
	}
	free(buf);
	return yes;
}

/* ctlauth_classify - see ctlauth.h. */
enum ctlauth_class
ctlauth_classify(const struct config *cfg, const struct ctlauth_peer *p)
{
	size_t	i;

	if (p->uid == 0 || (long)p->uid == atomic_load(&daemon_uid))
		return CTLAUTH_DAEMON;
	for (i = 0; i < cfg->control_users.n; i++)
		if (ctlauth_user_is(cfg->control_users.v[i], p->uid))
			return CTLAUTH_ADMIN;
	for (i = 0; i < cfg->control_groups.n; i++)
		if (ctlauth_group_has(cfg->control_groups.v[i], p))
			return CTLAUTH_ADMIN;
	return CTLAUTH_NONE;
}
