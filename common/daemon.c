/*
 * daemon.c - start-up steps shared by mtasts-policyd and mtasts-milter.
 *
 * SYNOPSIS
 *	daemon_lookup_creds(), daemon_detach(), daemon_ready(),
 *	daemon_drop_privileges()
 *
 * DESCRIPTION
 *	A daemonising parent does not exit at fork time: it waits until the
 *	child has bound its sockets, dropped privileges and opened what it
 *	needs, so an init system sees start-up errors as a non-zero exit.
 *
 * DIAGNOSTICS
 *	Lookup errors are returned as text; failures to detach or to drop
 *	privileges are fatal (a daemon that cannot drop must not run).
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

/* daemon_lookup_creds - user, group and socket_group. */
int
daemon_lookup_creds(const struct config *cfg, struct daemon_creds *c,
    char *err, size_t errsz)
{
	struct passwd *pw;
	struct group *gr;

	memset(c, 0, sizeof(*c));
	if (cfg->socket_group != NULL && *cfg->socket_group != '\0') {
		if ((gr = getgrnam(cfg->socket_group)) == NULL) {
			snprintf(err, errsz, "socket_group %s: no such group",
			    cfg->socket_group);
			return -1;
		}
		c->sock_gid = gr->gr_gid;
		c->group_set = 1;
	}
	if (cfg->user == NULL || *cfg->user == '\0')
		return 0;
	if ((pw = getpwnam(cfg->user)) == NULL) {
		snprintf(err, errsz, "user %s: no such user", cfg->user);
		return -1;
	}
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	if (cfg->group != NULL && *cfg->group != '\0') {
		if ((gr = getgrnam(cfg->group)) == NULL) {
			snprintf(err, errsz, "group %s: no such group",
			    cfg->group);
			return -1;
		}
		c->gid = gr->gr_gid;
	}
	c->set = 1;
	return 0;
}

/* daemon_detach - fork; the parent exits as the child's start-up says. */
int
daemon_detach(void)
{
	int	p[2], devnull;
	pid_t	pid;
	char	c = 0;

	if (pipe(p) != 0)
		fatal("pipe");
	if ((pid = fork()) < 0)
		fatal("fork");
	if (pid > 0) {
		close(p[1]);
		/* EOF (c stays 0) means the child died starting up. */
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(c == 'R' ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		fatal("setsid");
	if (chdir("/") != 0)
		fatal("chdir /");
	if ((devnull = open("/dev/null", O_RDWR)) >= 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
	return p[1];
}

/* daemon_ready - release the waiting parent; syslog only from now. */
void
daemon_ready(int fd, const char *ident, int facility)
{
	int	devnull;

	if (fd < 0)
		return;
	log_init(ident, facility, 0);
	if (write(fd, "R", 1) != 1)
		log_warn("start-up pipe");
	close(fd);
	if ((devnull = open("/dev/null", O_RDWR)) >= 0) {
		dup2(devnull, STDERR_FILENO);
		if (devnull != STDERR_FILENO)
			close(devnull);
	}
}

/* daemon_drop_privileges - become the configured user and group. */
void
daemon_drop_privileges(const struct config *cfg, const struct daemon_creds *c)
{
	if (!c->set) {
		if (geteuid() == 0)
			log_warnx("running as root: set user (and group) in "
			    "the configuration");
		return;
	}
	if (setgroups(1, &c->gid) != 0 || setgid(c->gid) != 0 ||
	    setuid(c->uid) != 0)
		fatal("cannot drop privileges to %s", cfg->user);
	if (c->uid != 0 && setuid(0) == 0)
		fatalx("still root after dropping privileges");
	log_info("running as user %s", cfg->user);
}
