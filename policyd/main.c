/*
 * main.c - mtasts-policyd: start-up, signals, privileges, reload.
 *
 * SYNOPSIS
 *	mtasts-policyd [-f] [-t] [-V] [-c FILE]
 *
 * DESCRIPTION
 *	Order of start-up: read and check the configuration (nothing is
 *	started when it is broken), bind every socket (so a second daemon,
 *	or a busy port, fails here), detach unless -f, write the pid file,
 *	fork the privileged release helper (privsep.c), drop to user/group,
 *	open the cache, start the resolver, the worker pool, the probe pool,
 *	the schedulers and the listeners, then tell the parent we are up.
 *	A daemonising parent exits 0 only then, so init systems see
 *	start-up errors. Under systemd (NOTIFY_SOCKET, sdnotify.c) READY=1
 *	goes out at the same moment; a reload is framed by RELOADING=1 and
 *	READY=1, and a stop starts with STOPPING=1.
 *
 *	The main thread then only waits for signals: SIGHUP reloads the
 *	configuration (a new one is built fully, then swapped; a broken one
 *	leaves the old running; release_command stays the helper's until a
 *	restart), SIGTERM and SIGINT stop: listeners close,
 *	the pending "last used" batch is written and the cache synced, all
 *	within a moment; discoveries in flight are abandoned.
 *
 * DIAGNOSTICS
 *	Errors before the daemon is up go to stderr (and syslog) and exit 1.
 */
#include "autoconf.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "control.h"
#include "ctlauth.h"
#include "daemon.h"
#include "fetch.h"
#include "hold.h"
#include "listen.h"
#include "log.h"
#include "policyd.h"
#include "privsep.h"
#include "refresh.h"
#include "resolver.h"
#include "route.h"
#include "sanitize.h"
#include "sdnotify.h"
#include "socketmap.h"
#include "tlsrpt_collect.h"
#include "tlsrpt_run.h"
#include "tlsrpt_store.h"
#include "worker.h"

static const char *progname = "mtasts-policyd";

/* usage - print the synopsis and exit 2. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-f] [-t] [-V] [-c FILE]\n", progname);
	exit(2);
}

/* same_str - NULL-safe string equality. */
static int
same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* same_list - equal string lists. */
static int
same_list(const struct strlist *a, const struct strlist *b)
{
	size_t	i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

/* same_argvlist - equal command templates. */
static int
same_argvlist(const struct argvlist *a, const struct argvlist *b)
{
	size_t	i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (!same_list(&a->v[i], &b->v[i]))
			return 0;
	return 1;
}

/*
 * reload - SIGHUP: read the file again; keep the old config on error.
 * 0, or -1 with the reason in err.
 */
static int
reload(const char *path, char *err, size_t errsz)
{
	struct config *old = policyd_config_get(), *cfg;
	int	defaults = 0;

	cfg = config_load(path, &defaults, err, errsz);
	if (cfg == NULL) {
		log_warnx("reload failed: %s; the running configuration is "
		    "kept", err);
		policyd_config_put(old);
		return -1;
	}
	if (!same_list(&old->socketmap_listen, &cfg->socketmap_listen) ||
	    !same_str(old->control_socket, cfg->control_socket) ||
	    !same_str(old->cache_dir, cfg->cache_dir) ||
	    !same_str(old->user, cfg->user) ||
	    !same_str(old->group, cfg->group) ||
	    !same_list(&old->dns_forwarder, &cfg->dns_forwarder) ||
	    old->dnssec != cfg->dnssec || old->cache_max_size !=
	    cfg->cache_max_size)
		log_warnx("reload: sockets, cache_dir, cache_max_size, "
		    "user, group, dns_forwarder and dnssec change only at "
		    "restart; the other keys apply now");
	if (!same_argvlist(&old->release_command, &cfg->release_command))
		log_warnx("reload: release_command changes only at restart "
		    "(the release helper keeps the one it started with)");
	policyd_config_put(old);
	policyd_config_set(cfg);
	log_set_level(cfg->log_level);
	log_info("configuration reloaded from %s", path ? path :
	    CONFIG_DEFAULT_PATH);
	return 0;
}

/*
 * test_clock - MTASTS_TEST_CLOCK_OFFSET=SECONDS shifts the TLS-RPT clock,
 * so tests can close a day without waiting for midnight.
 */
static void
test_clock(void)
{
	const char *v = getenv("MTASTS_TEST_CLOCK_OFFSET");
	char   *end;
	long long off;

	if (v == NULL || *v == '\0')
		return;
	errno = 0;
	off = strtoll(v, &end, 10);
	if (*end != '\0' || errno != 0 || off < -3155760000LL ||
	    off > 3155760000LL)
		fatalx("MTASTS_TEST_CLOCK_OFFSET: not a number of seconds: %s",
		    v);
	tlsrpt_store_set_clock_offset((int64_t)off);
	log_warnx("MTASTS_TEST_CLOCK_OFFSET: the TLS-RPT clock is %lld s "
	    "off the system clock (for tests only)", off);
}

/*
 * write_pidfile - write our pid; 0 or -1 (logged). We are root and the
 * directory may belong to the daemon user: an old file is removed
 * (unlink does not follow a symlink) and a new one made with O_EXCL, so
 * a symlink or a hard link planted at path is never opened, truncated
 * or written through.
 */
static int
write_pidfile(const char *path)
{
	char	buf[32];
	int	fd, n;

	if (unlink(path) != 0 && errno != ENOENT) {
		log_warn("pid file %s: cannot remove the old one", path);
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0) {
		log_warn("pid file %s", path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		log_warn("pid file %s", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* warn_removable - warn if the unprivileged daemon cannot remove path. */
static void
warn_removable(const char *key, const char *path, const char *user)
{
	char	dir[PATH_MAX];
	const char *slash;

	if (path == NULL)
		return;
	if (strncmp(path, "unix:", 5) == 0)
		path += 5;
	if (path[0] != '/' ||
	    (slash = strrchr(path, '/')) == NULL ||
	    (size_t)(slash - path) >= sizeof(dir))
		return;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
	    (int)(slash - path), path);
	/* We run with the daemon's effective ids here (check_cache_as). */
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0)
		log_warnx("%s %s: directory %s is not writable by user %s, "
		    "so the file stays behind at stop (make the directory "
		    "%s's)", key, path, dir, user, user);
}

/* check_removable - the files the daemon makes and removes at stop. */
static void
check_removable(const struct config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->socketmap_listen.n; i++)
		if (strncmp(cfg->socketmap_listen.v[i], "inet:", 5) != 0)
			warn_removable("socketmap_listen",
			    cfg->socketmap_listen.v[i], cfg->user);
	warn_removable("control_socket", cfg->control_socket, cfg->user);
	if (cfg->tlsrpt_collector_socket != NULL &&
	    *cfg->tlsrpt_collector_socket != '\0')
		warn_removable("tlsrpt_collector_socket",
		    cfg->tlsrpt_collector_socket, cfg->user);
	if (cfg->pid_file != NULL && *cfg->pid_file != '\0')
		warn_removable("pid_file", cfg->pid_file, cfg->user);
}

/*
 * check_cache_as - check cache_dir with the rights the daemon will have,
 * while we can still clean up our sockets if it is unusable.
 */
static int
check_cache_as(const struct config *cfg, const struct daemon_creds *c, char *err,
    size_t errsz)
{
	int	ret;

	if (c->set && geteuid() == 0) {
		if (setegid(c->gid) != 0 || seteuid(c->uid) != 0) {
			snprintf(err, errsz, "cannot switch to user %s: %s",
			    cfg->user, strerror(errno));
			return -1;
		}
	}
	ret = cache_check_dir(cfg->cache_dir, err, errsz);
	if (c->set && geteuid() != 0)
		check_removable(cfg);
	if (c->set && getuid() == 0) {
		if (seteuid(0) != 0 || setegid(0) != 0)
			fatal("cannot switch back to root");
	}
	return ret;
}

/* group_gid - the gid of a group name; -1 (fatal) if there is none. */
static gid_t
group_gid(const char *key, const char *name)
{
	struct group *gr;

	if ((gr = getgrnam(name)) == NULL)
		fatalx("%s %s: no such group", key, name);
	return gr->gr_gid;
}

/*
 * open_sockets - bind every listener before anything else starts. Every
 * unix socket is owned by user, so the unprivileged daemon can remove it
 * at stop (its directory must be writable by user for that). The
 * socketmap and collector sockets get socket_mode and socket_group (the
 * MTA's), the control socket control_socket_mode and control_socket_group
 * (default: group), so the MTA's group cannot reach it; who may use it is
 * then checked per connection (ctlauth.c).
 */
static void
open_sockets(const struct config *cfg, const struct daemon_creds *c, int *fds,
    size_t *nfds, int *ctlfd)
{
	struct listen_perm mta, ctl;
	char	err[512];
	size_t	i;
	int	fd;

	mta.mode = cfg->socket_mode;
	mta.uid = c->set ? c->uid : (uid_t)-1;
	mta.gid = c->group_set ? c->sock_gid : (gid_t)-1;
	ctl.mode = cfg->control_socket_mode;
	ctl.uid = mta.uid;
	ctl.gid = c->set ? c->gid : (gid_t)-1;
	if (cfg->control_socket_group != NULL &&
	    *cfg->control_socket_group != '\0')
		ctl.gid = group_gid("control_socket_group",
		    cfg->control_socket_group);
	*nfds = 0;
	for (i = 0; i < cfg->socketmap_listen.n; i++) {
		fd = listen_open(cfg->socketmap_listen.v[i], &mta, err,
		    sizeof(err));
		if (fd < 0) {
			listen_close_all();
			fatalx("socketmap_listen: %s", err);
		}
		fds[(*nfds)++] = fd;
	}
	*ctlfd = listen_open(cfg->control_socket, &ctl, err, sizeof(err));
	if (*ctlfd < 0) {
		listen_close_all();
		fatalx("control_socket: %s", err);
	}
	if (cfg->tlsrpt_collector_socket != NULL &&
	    *cfg->tlsrpt_collector_socket != '\0' &&
	    tlsrpt_collect_open(cfg->tlsrpt_collector_socket, &mta, err,
	    sizeof(err)) != 0) {
		listen_close_all();
		fatalx("tlsrpt_collector_socket: %s", err);
	}
}

int
main(int argc, char *argv[])
{
	struct config *cfg;
	struct daemon_creds creds;
	const char *path = NULL;
	char	err[512];
	sigset_t sigs;
	int	ch, foreground = 0, test = 0, defaults = 0, sig;
	int	fds[32], ctlfd, ready = -1;
	size_t	nfds, i;

	while ((ch = getopt(argc, argv, "c:ftVh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 't':
			test = 1;
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
	if (cfg->socketmap_listen.n > sizeof(fds) / sizeof(fds[0])) {
		fprintf(stderr, "%s: too many socketmap_listen entries\n",
		    progname);
		return 1;
	}
	if (test) {
		printf("%s: configuration %s OK\n", progname, defaults ?
		    "(built-in defaults)" : cfg->path ? cfg->path : "");
		config_free(cfg);
		return 0;
	}
	/* Until the daemon is up, errors also go to the starting terminal. */
	log_init(progname, cfg->syslog_facility, 1);
	log_set_level(cfg->log_level);
	/* Before any thread or child: they must not see NOTIFY_SOCKET. */
	sdnotify_init();
	test_clock();
	if (defaults)
		log_info("no %s: using the built-in defaults",
		    CONFIG_DEFAULT_PATH);
	policyd_config_set(cfg);

	/* Every thread inherits this mask; only sigwait() below sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (daemon_lookup_creds(cfg, &creds, err, sizeof(err)) != 0)
		fatalx("%s", err);
	ctlauth_set_daemon_uid(creds.set ? creds.uid : geteuid());
	open_sockets(cfg, &creds, fds, &nfds, &ctlfd);
	if (check_cache_as(cfg, &creds, err, sizeof(err)) != 0) {
		listen_close_all();
		fatalx("%s", err);
	}
	if (!foreground)
		ready = daemon_detach();
	if (cfg->pid_file != NULL && *cfg->pid_file != '\0' &&
	    write_pidfile(cfg->pid_file) != 0) {
		listen_close_all();
		exit(1);
	}
	/* Before the privilege drop and before any thread exists. */
	if (privsep_start(cfg, foreground, err, sizeof(err)) != 0) {
		listen_close_all();
		fatalx("%s", err);
	}
	daemon_drop_privileges(cfg, &creds);
	if (cache_open(cfg->cache_dir, cfg->cache_max_size, err,
	    sizeof(err)) != 0) {
		listen_close_all();
		fatalx("%s", err);
	}
	if (fetch_global_init() != 0) {
		listen_close_all();
		fatalx("libcurl initialisation failed");
	}
	if (resolver_init(cfg, err, sizeof(err)) != 0) {
		listen_close_all();
		fatalx("resolver: %s", err);
	}
	policyd_started = time(NULL);
	if (worker_start(WORKER_THREADS) != 0 || refresh_start() != 0 ||
	    route_start(ROUTE_THREADS) != 0 || hold_start() != 0 ||
	    tlsrpt_store_start() != 0 || tlsrpt_collect_start() != 0 ||
	    tlsrpt_run_start() != 0) {
		listen_close_all();
		fatalx("cannot start threads");
	}
	for (i = 0; i < nfds; i++)
		if (listen_serve(fds[i], socketmap_conn, "socketmap",
		    cfg->socketmap_max_connections) != 0)
			fatalx("cannot start the socketmap listener");
	if (listen_serve(ctlfd, control_conn, "control",
	    cfg->control_max_connections) != 0)
		fatalx("cannot start the control listener");
	log_info("started: version %s, cache %s, %zu socketmap listener(s), "
	    "control %s", PACKAGE_VERSION, cfg->cache_dir, nfds,
	    cfg->control_socket);
	daemon_ready(ready, progname, cfg->syslog_facility);
	/* Every socket listens and the cache is open: systemd may go on. */
	sdnotify_send("READY=1", "serving %zu socketmap socket(s) and the "
	    "control socket", nfds);

	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			sdnotify_reloading("reloading the configuration");
			if (reload(path, err, sizeof(err)) == 0)
				sdnotify_send("READY=1", "serving %zu "
				    "socketmap socket(s) and the control "
				    "socket; configuration reloaded", nfds);
			else
				sdnotify_send("READY=1", "reload failed, the "
				    "previous configuration runs on: %s",
				    err);
			continue;
		}
		break;
	}
	sdnotify_send("STOPPING=1", "stopping on signal %d", sig);
	log_info("stopping on signal %d", sig);
	atomic_store(&policyd_stopping, 1);
	listen_close_all();
	hold_stop();
	route_stop();
	worker_stop();
	refresh_stop();
	tlsrpt_collect_stop();
	tlsrpt_run_stop();
	tlsrpt_store_stop();
	cache_close();
	cfg = policyd_config_get();
	if (cfg->pid_file != NULL && *cfg->pid_file != '\0')
		unlink(cfg->pid_file);
	policyd_config_put(cfg);
	log_info("stopped");
	closelog();
	if (!MTASTS_SANITIZED)
		_exit(0);
	/* Sanitized build: free what we own, so LeakSanitizer sees leaks. */
	resolver_shutdown();
	fetch_global_cleanup();
	policyd_config_free_all();
	return 0;
}
