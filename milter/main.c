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
 *	Under systemd (NOTIFY_SOCKET, sdnotify.c) READY=1 goes out when the
 *	socket listens and the start-up check is done, STOPPING=1 when
 *	smfi_main() returns (libmilter tells us no sooner).
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
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libmilter/mfapi.h>

#include "ctlpool.h"
#include "daemon.h"
#include "log.h"
#include "milter.h"
#include "sdnotify.h"

static const char *progname = "mtasts-milter";

#define STARTUP_CHECK_MS	2000	/* the start-up "version" request */
#define STARTUP_RETRY_S		10	/* then a try this often */
#define STARTUP_WARN_EVERY	60	/* and a warning every so many tries */

/* usage - print the synopsis and exit 2. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-f] [-V] [-c FILE]\n", progname);
	exit(2);
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
open_socket(const struct config *cfg, const struct daemon_creds *c)
{
	const char *path = unix_path(cfg->milter_socket);
	mode_t	omask;
	uid_t	uid;
	gid_t	gid;
	int	rc;

	if (path != NULL && socket_alive(path))
		fatalx("milter_socket %s: in use by another process",
		    cfg->milter_socket);
	if (smfi_setconn((char *)cfg->milter_socket) != MI_SUCCESS)
		fatalx("milter_socket %s: not a libmilter connection string",
		    cfg->milter_socket);
	if (milter_register() != 0)
		exit(1);
	/*
	 * The socket is born with socket_mode (no chmod by path, which
	 * would follow a symlink put there by the owner of the directory),
	 * and gets its owner and group without following one.
	 */
	omask = umask((mode_t)(~cfg->socket_mode & 0777));
	rc = smfi_opensocket(true);
	umask(omask);
	if (rc != MI_SUCCESS)
		fatalx("milter_socket %s: cannot create the socket (in use, "
		    "or the directory is missing or not writable)",
		    cfg->milter_socket);
	if (path == NULL)
		return;
	if (lstat(path, &sock_st) != 0 || !S_ISSOCK(sock_st.st_mode))
		fatalx("milter_socket %s: replaced by something else while "
		    "starting", path);
	uid = c->set ? c->uid : (uid_t)-1;
	gid = c->group_set ? c->sock_gid : c->set ? c->gid : (gid_t)-1;
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
		fatal("milter_socket: chown %s", path);
	sock_made = 1;
}

/*
 * policyd_reachable - ask policyd for "version" over the control socket,
 * with the rights the milter runs with; 1, or 0 with a reason in err.
 */
static int
policyd_reachable(char *err, size_t errsz)
{
	enum ctlpool_err why;
	json_t *reply;
	const char *e;
	int	ok;

	if ((reply = ctlpool_request("version", milter_now_ms() +
	    STARTUP_CHECK_MS, &why, err, errsz)) == NULL)
		return 0;
	ok = json_is_true(json_object_get(reply, "ok"));
	if (!ok) {
		e = json_string_value(json_object_get(reply, "error"));
		snprintf(err, errsz, "%s", e != NULL ? e : "request refused");
	}
	json_decref(reply);
	return ok;
}

/* retry_main - until policyd answers: try again, warn now and then. */
static void *
retry_main(void *arg)
{
	const char *sock = arg;
	char	err[512];
	int	n;

	for (n = 1;; n++) {
		sleep(STARTUP_RETRY_S);
		if (policyd_reachable(err, sizeof(err))) {
			log_info("control_socket %s: mtasts-policyd answers "
			    "now; messages are checked again", sock);
			sdnotify_send(NULL, "serving, mtasts-policyd answers");
			return NULL;
		}
		if (n % STARTUP_WARN_EVERY == 0)
			log_warnx("control_socket %s: still cannot use "
			    "mtasts-policyd: %s", sock, err);
	}
}

/*
 * startup_check - fail loudly when policyd cannot be used: the reason,
 * the uid we run as, and what happens to mail meanwhile. The milter
 * keeps running (as OpenDKIM does when its key store is away): policyd
 * may simply start after us, and a milter that exits only makes the
 * MTA apply milter_default_action with no word of why. A thread tries
 * again until policyd answers and says so. 1: policyd answers now.
 */
static int
startup_check(const struct config *cfg)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	char	err[512];

	if (policyd_reachable(err, sizeof(err)))
		return 1;
	log_warnx("control_socket %s: cannot use mtasts-policyd as uid %lu "
	    "gid %lu: %s; until it answers, every message is %s and none "
	    "is held (check that policyd runs with the same \"user\" and "
	    "that control_socket_mode/control_socket_group let this user "
	    "in); retrying every %d s", cfg->control_socket,
	    (unsigned long)geteuid(), (unsigned long)getegid(), err,
	    cfg->on_policyd_error == ON_ERROR_TEMPFAIL ? "tempfailed" :
	    "tagged unknown", STARTUP_RETRY_S);
	/* libmilter's signal thread must be the only one to see signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, retry_main, cfg->control_socket) != 0)
		log_warnx("cannot start the control socket retry thread");
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
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

int
main(int argc, char *argv[])
{
	struct config *cfg;
	struct daemon_creds creds;
	const char *path = NULL;
	char	err[512];
	sigset_t stopsigs;
	int	ch, foreground = 0, defaults = 0, pipefd = -1, rc, up;

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
	/* Before any thread or child: they must not see NOTIFY_SOCKET. */
	sdnotify_init();
	if (defaults)
		log_info("no %s: using the built-in defaults",
		    CONFIG_DEFAULT_PATH);
	signal(SIGPIPE, SIG_IGN);

	if (daemon_lookup_creds(cfg, &creds, err, sizeof(err)) != 0)
		fatalx("%s", err);
	if (ctlpool_init(cfg->control_socket) != 0)
		fatalx("control_socket %s: path too long",
		    cfg->control_socket);
	open_socket(cfg, &creds);
	if (!foreground)
		pipefd = daemon_detach();
	daemon_drop_privileges(cfg, &creds);
	up = startup_check(cfg);
	/*
	 * From "started" and READY=1 on, a stop may come at any moment:
	 * until smfi_main()'s signal thread waits for it, the signal stays
	 * pending instead of killing us with the socket left behind. (One
	 * that arrives before libmilter's listener loop runs still makes
	 * smfi_main() report a failure: exit 1, but cleaned up.)
	 */
	sigemptyset(&stopsigs);
	sigaddset(&stopsigs, SIGTERM);
	sigaddset(&stopsigs, SIGHUP);
	sigaddset(&stopsigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stopsigs, NULL);
	log_info("started: version %s, milter %s, policyd %s, hold %s, "
	    "milter_wait %llds, on_policyd_error %s", PACKAGE_VERSION,
	    cfg->milter_socket, cfg->control_socket, cfg->hold ? "yes" : "no",
	    (long long)cfg->milter_wait, cfg->on_policyd_error ==
	    ON_ERROR_TEMPFAIL ? "tempfail" : "accept");
	daemon_ready(pipefd, progname, cfg->syslog_facility);
	/*
	 * The socket listens (smfi_opensocket) and the start-up check is
	 * done: an MTA started after us gets its connections accepted.
	 */
	if (up)
		sdnotify_send("READY=1", "serving, mtasts-policyd answers");
	else
		sdnotify_send("READY=1", "serving, but mtasts-policyd does "
		    "not answer (retrying every %d s)", STARTUP_RETRY_S);

	rc = smfi_main();
	/* libmilter gives no word earlier: its listener noticed the signal. */
	sdnotify_send("STOPPING=1", "stopping");
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
