/*
 * main.c - mtasts-milter: start-up, the milter socket, privileges.
 *
 * SYNOPSIS
 *	mtasts-milter [-f] [-V] [-c FILE]
 *
 * DESCRIPTION
 *	Order of start-up, as OpenDKIM does it: read and check the
 *	configuration, hand libmilter the connection string
 *	(milter_socket) and the callbacks, create the socket with
 *	smfi_opensocket() while still root (a unix socket then gets
 *	socket_mode and socket_group, and is owned by user), detach unless
 *	-f, drop to user/group, and only then let smfi_main() accept
 *	connections. A unix socket that a running milter answers on is not
 *	taken over; a stale one is replaced.
 *
 *	libmilter owns the signals once smfi_main() runs: SIGTERM, SIGHUP
 *	and SIGINT stop it (smfi_stop; its listener notices within five
 *	seconds), and we then close the connections to policyd, remove our
 *	unix socket and exit 0. There is no reload; restart to change the
 *	configuration.
 *
 * DIAGNOSTICS
 *	Errors before the milter is up go to stderr (and syslog) and exit 1;
 *	a usage error exits 2.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "ctlpool.h"
#include "log.h"
#include "milter.h"

const struct config *milter_cfg;

static const char *progname = "mtasts-milter";

/* milter_now_ms - the monotonic clock in milliseconds. */
int64_t
milter_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		panic("clock_gettime(CLOCK_MONOTONIC): %s", strerror(errno));
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* usage - print the synopsis and exit 2. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-f] [-V] [-c FILE]\n", progname);
	exit(2);
}

struct creds {
	int	set;		/* user configured */
	uid_t	uid;
	gid_t	gid;
	int	group_set;	/* socket_group configured */
	gid_t	sock_gid;
};

/* lookup_creds - user, group and socket_group; 0, or -1 with err. */
static int
lookup_creds(const struct config *cfg, struct creds *c, char *err,
    size_t errsz)
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

/*
 * unix_path - the file of a "unix:" or "local:" connection string, or
 * NULL for an inet socket.
 */
static const char *
unix_path(const char *conn)
{
	if (strncmp(conn, "unix:", 5) == 0)
		return conn + 5;
	if (strncmp(conn, "local:", 6) == 0)
		return conn + 6;
	return NULL;
}

/* socket_alive - does a process answer on the unix socket at path? */
static int
socket_alive(const char *path)
{
	struct sockaddr_un sun;
	int	fd, alive;

	if (strlen(path) >= sizeof(sun.sun_path))
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return 0;
	alive = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return alive;
}

/* The unix socket we created, to remove it at exit (libmilter does not as root). */
static struct stat sock_st;
static int sock_made;

/* open_socket - create the milter socket as root; fatal on failure. */
static void
open_socket(const struct config *cfg, const struct creds *c)
{
	const char *path = unix_path(cfg->milter_socket);
	uid_t	uid;
	gid_t	gid;

	if (path != NULL && socket_alive(path))
		fatalx("milter_socket %s: in use by another process",
		    cfg->milter_socket);
	if (smfi_setconn((char *)cfg->milter_socket) != MI_SUCCESS)
		fatalx("milter_socket %s: not a libmilter connection string",
		    cfg->milter_socket);
	if (milter_register() != 0)
		exit(1);
	if (smfi_opensocket(true) != MI_SUCCESS)
		fatalx("milter_socket %s: cannot create the socket (in use, "
		    "or the directory is missing or not writable)",
		    cfg->milter_socket);
	if (path == NULL)
		return;
	if (chmod(path, (mode_t)cfg->socket_mode) != 0)
		fatal("milter_socket: chmod %s", path);
	uid = c->set ? c->uid : (uid_t)-1;
	gid = c->group_set ? c->sock_gid : c->set ? c->gid : (gid_t)-1;
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(path, uid, gid) != 0)
		fatal("milter_socket: chown %s", path);
	if (stat(path, &sock_st) == 0)
		sock_made = 1;
}

/*
 * remove_socket - unlink our unix socket, unless another milter has
 * replaced it since (ours was closed while we were stopping).
 */
static void
remove_socket(const struct config *cfg)
{
	const char *path = unix_path(cfg->milter_socket);
	struct stat st;

	if (path == NULL || !sock_made || stat(path, &st) != 0)
		return;
	if (st.st_dev == sock_st.st_dev && st.st_ino == sock_st.st_ino &&
	    unlink(path) != 0)
		log_warn("cannot remove %s", path);
}

/* drop_privileges - become the configured user and group for good. */
static void
drop_privileges(const struct config *cfg, const struct creds *c)
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

/* daemonize - detach; the parent waits for "ready" on a pipe. */
static int
daemonize(void)
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
		/* Exit as the child says; EOF means it died starting up. */
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

/* ready - tell a waiting parent that we are up; syslog only from now. */
static void
ready(int fd, const struct config *cfg)
{
	int	devnull;

	if (fd < 0)
		return;
	log_init(progname, cfg->syslog_facility, 0);
	if (write(fd, "R", 1) != 1)
		log_warn("start-up pipe");
	close(fd);
	if ((devnull = open("/dev/null", O_RDWR)) >= 0) {
		dup2(devnull, STDERR_FILENO);
		close(devnull);
	}
}

int
main(int argc, char *argv[])
{
	struct config *cfg;
	struct creds creds;
	const char *path = NULL;
	char	err[512];
	int	ch, foreground = 0, defaults = 0, pipefd = -1, rc;

	while ((ch = getopt(argc, argv, "c:fVh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'V':
			printf("%s %s\n", progname, PACKAGE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if ((cfg = config_load(path, &defaults, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", progname, err);
		return 1;
	}
	milter_cfg = cfg;
	/* Until the milter is up, errors also go to the starting terminal. */
	log_init(progname, cfg->syslog_facility, 1);
	log_set_level(cfg->log_level);
	if (defaults)
		log_info("no %s: using the built-in defaults",
		    CONFIG_DEFAULT_PATH);
	signal(SIGPIPE, SIG_IGN);

	if (lookup_creds(cfg, &creds, err, sizeof(err)) != 0)
		fatalx("%s", err);
	if (ctlpool_init(cfg->control_socket) != 0)
		fatalx("control_socket %s: path too long",
		    cfg->control_socket);
	open_socket(cfg, &creds);
	if (!foreground)
		pipefd = daemonize();
	drop_privileges(cfg, &creds);
	log_info("started: version %s, milter %s, policyd %s, hold %s, "
	    "milter_wait %llds, on_policyd_error %s", PACKAGE_VERSION,
	    cfg->milter_socket, cfg->control_socket, cfg->hold ? "yes" : "no",
	    (long long)cfg->milter_wait, cfg->on_policyd_error ==
	    ON_ERROR_TEMPFAIL ? "tempfail" : "accept");
	ready(pipefd, cfg);

	rc = smfi_main();
	/*
	 * libmilter does not wait for sessions still in a callback: the
	 * configuration stays allocated for them until exit.
	 */
	ctlpool_shutdown();
	remove_socket(cfg);
	log_info("stopped%s", rc == MI_SUCCESS ? "" : " after an error");
	closelog();
	return rc == MI_SUCCESS ? 0 : 1;
}
