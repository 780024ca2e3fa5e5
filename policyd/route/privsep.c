/*
 * privsep.c - the privileged release helper.
 *
 * SYNOPSIS
 *	privsep_start(cfg, foreground, err, errsz)
 *	privsep_release(queue_id, status, max, n, err, errsz)
 *
 * DESCRIPTION
 *	Releasing a held message needs root (postsuper -H, sendmail -Q -qI)
 *	but nothing else mtasts-policyd does does, so, as in OpenSMTPD, a
 *	small process keeps root and the daemon drops it. privsep_start()
 *	forks the helper before the daemon starts any thread or drops its
 *	privileges; the helper closes every descriptor but its end of a
 *	socketpair and then only reads lines from it.
 *
 *	Protocol, one line each way: the daemon writes "release QUEUE_ID";
 *	the helper validates the id itself ([A-Za-z0-9]+, so the daemon, if
 *	subverted, cannot smuggle anything into an argv), runs every
 *	release_command entry in order with execve (never a shell), with the
 *	id in place of {queue_id}, a clean environment, / as working
 *	directory, /dev/null as input, and PRIVSEP_CMD_TIMEOUT seconds each,
 *	and answers "ok S1 S2 ..." with the statuses, or "error REASON".
 *	Any other line is refused. The helper takes release_command from the
 *	configuration it was forked with (it changes at restart), and exits
 *	when the daemon closes its end (the daemon exiting or crashing).
 *
 * DIAGNOSTICS
 *	The helper logs each command with its status and the first line it
 *	printed. privsep_release() fails when the helper is gone or does
 *	not answer in time; the daemon then stops using it.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fd.h"
#include "log.h"
#include "mono.h"
#include "privsep.h"
#include "sanitize.h"

#define PRIVSEP_LINE_MAX	128	/* "release " + id, and the replies */
#define PRIVSEP_OUTPUT_MAX	400	/* command output kept for the log */
#define HELPER_FD		3	/* the helper's end of the socketpair */

static const char *const clean_env[] = {
	"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	NULL
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int helper_fd = -1;
static pid_t helper_pid = -1;
static size_t helper_ncmds;		/* commands per release */

/* privsep_queue_id_valid - a queue id as Postfix and Sendmail write them. */
int
privsep_queue_id_valid(const char *id)
{
	size_t	n = strlen(id);

	return n > 0 && n <= PRIVSEP_QUEUE_ID_MAX && strspn(id,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
	    == n;
}

/* privsep_status_str - a status in words. */
const char *
privsep_status_str(int status, char *buf, size_t bufsz)
{
	if (status == PRIVSEP_TIMEOUT)
		snprintf(buf, bufsz, "timeout");
	else if (status < 0)
		snprintf(buf, bufsz, "signal %d", -status);
	else if (status == 0)
		snprintf(buf, bufsz, "0");
	else
		snprintf(buf, bufsz, "exit %d", status);
	return buf;
}

/* child_exec - in the forked child: become a clean process and exec. */
static void __attribute__((noreturn))
child_exec(char **argv, int outfd)
{
	sigset_t none;
	int	devnull;

	/* The daemon blocks and ignores signals; exec'd programs must not. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	/* Its own process group, so a timeout kills what it started too. */
	setsid();
	if (chdir("/") != 0)
		_exit(127);
	if ((devnull = open("/dev/null", O_RDWR)) < 0 ||
	    dup2(devnull, STDIN_FILENO) < 0 ||
	    dup2(outfd, STDOUT_FILENO) < 0 ||
	    dup2(outfd, STDERR_FILENO) < 0)
		_exit(127);
	/* Only stdin, stdout and stderr: nothing of the helper's. */
	fd_closefrom(STDERR_FILENO + 1);
	execve(argv[0], argv, (char *const *)clean_env);
	_exit(127);
}

/* first_line - the first line of out (len bytes), printable, in place. */
static const char *
first_line(char *out, size_t len)
{
	size_t	i;

	out[len] = '\0';
	for (i = 0; i < len; i++) {
		if (out[i] == '\n' || out[i] == '\r') {
			out[i] = '\0';
			break;
		}
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
	}
	return out;
}

/*
 * run_cmd - run one command and return its status. Output is read while
 * the command runs (so it never blocks on a full pipe) and its first line
 * logged; a command that outlives the timeout is killed with its group.
 */
static int
run_cmd(char **argv, const char *queue_id)
{
	struct pollfd pfd;
	char	out[PRIVSEP_OUTPUT_MAX + 1], sink[512], sbuf[32];
	size_t	olen = 0;
	long long deadline;
	ssize_t	r;
	pid_t	pid;
	int	p[2], st = 0, exited = 0, eof = 0, timedout = 0, status;
	long long left;

	if (argv[0][0] != '/') {
		log_warnx("queue_id=%s release command %s: not an absolute "
		    "path; not run", queue_id, argv[0]);
		return 127;
	}
	if (pipe(p) != 0) {
		log_warn("queue_id=%s release: pipe", queue_id);
		return 127;
	}
	fd_cloexec(p[0]);
	fd_cloexec(p[1]);
	if ((pid = fork()) < 0) {
		log_warn("queue_id=%s release: fork", queue_id);
		close(p[0]);
		close(p[1]);
		return 127;
	}
	if (pid == 0)
		child_exec(argv, p[1]);
	close(p[1]);

	deadline = mono_now_ms() + PRIVSEP_CMD_TIMEOUT * 1000LL;
	while (!(exited && eof)) {
		if ((left = deadline - mono_now_ms()) <= 0) {
			timedout = 1;
			break;
		}
		if (!eof) {
			pfd.fd = p[0];
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (poll(&pfd, 1, left < 50 ? (int)left : 50) > 0) {
				r = read(p[0], olen < PRIVSEP_OUTPUT_MAX ?
				    out + olen : sink, olen <
				    PRIVSEP_OUTPUT_MAX ? PRIVSEP_OUTPUT_MAX -
				    olen : sizeof(sink));
				if (r == 0 || (r < 0 && errno != EINTR &&
				    errno != EAGAIN))
					eof = 1;
				else if (r > 0 && olen < PRIVSEP_OUTPUT_MAX)
					olen += (size_t)r;
			}
		} else {
			struct timespec ts = { 0, 10 * 1000000L };

			nanosleep(&ts, NULL);
		}
		if (!exited && waitpid(pid, &st, WNOHANG) == pid) {
			exited = 1;
			/* Something it left behind may hold the pipe: drain. */
			if (!eof && fcntl(p[0], F_SETFL, O_NONBLOCK) == 0) {
				while ((r = read(p[0], olen <
				    PRIVSEP_OUTPUT_MAX ? out + olen : sink,
				    olen < PRIVSEP_OUTPUT_MAX ?
				    PRIVSEP_OUTPUT_MAX - olen : sizeof(sink)))
				    > 0)
					if (olen < PRIVSEP_OUTPUT_MAX)
						olen += (size_t)r;
				eof = 1;
			}
		}
	}
	close(p[0]);
	if (timedout) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		if (!exited)
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
		status = PRIVSEP_TIMEOUT;
	} else if (WIFEXITED(st))
		status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		status = -WTERMSIG(st);
	else
		status = 127;
	if (status == 0)
		log_info("queue_id=%s release: %s: %s%s%s", queue_id, argv[0],
		    privsep_status_str(status, sbuf, sizeof(sbuf)),
		    olen ? ": " : "", first_line(out, olen));
	else
		log_warnx("queue_id=%s release: %s failed: %s%s%s", queue_id,
		    argv[0], privsep_status_str(status, sbuf, sizeof(sbuf)),
		    olen ? ": " : "", first_line(out, olen));
	return status;
}

/* helper_write - write a whole reply line; -1 when the daemon is gone. */
static int
helper_write(int fd, const char *s)
{
	size_t	n = strlen(s), off = 0;
	ssize_t	w;

	while (off < n) {
		if ((w = write(fd, s + off, n - off)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/*
 * helper_read_line - one request line into buf (without the newline).
 * Returns its length, -1 at end of file or error, -2 when it was too long
 * (the rest of it is read and dropped).
 */
static int
helper_read_line(int fd, char *buf, size_t bufsz)
{
	size_t	len = 0;
	ssize_t	r;
	char	c;
	int	toolong = 0;

	for (;;) {
		if ((r = read(fd, &c, 1)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return -1;
		if (c == '\n')
			break;
		if (len + 1 >= bufsz)
			toolong = 1;
		else
			buf[len++] = c;
	}
	buf[len] = '\0';
	return toolong ? -2 : (int)len;
}

/* helper_release - run release_command for one id; the reply line. */
static void
helper_release(const struct config *cfg, const char *id, char *reply,
    size_t replysz)
{
	size_t	i, len;
	char  **argv;
	int	status;

	len = (size_t)snprintf(reply, replysz, "ok");
	for (i = 0; i < cfg->release_command.n && i < PRIVSEP_CMDS_MAX; i++) {
		if ((argv = config_argv_expand(&cfg->release_command.v[i],
		    id)) == NULL) {
			log_warn("queue_id=%s release command %zu", id, i + 1);
			status = 127;
		} else if (argv[0] == NULL) {
			status = 127;
			config_argv_free(argv);
		} else {
			status = run_cmd(argv, id);
			config_argv_free(argv);
		}
		if (len < replysz)
			len += (size_t)snprintf(reply + len, replysz - len,
			    " %d", status);
	}
	if (len + 1 < replysz) {
		reply[len++] = '\n';
		reply[len] = '\0';
	}
}

/* helper_main - the helper process: serve the daemon until it goes away. */
static void __attribute__((noreturn))
helper_main(const struct config *cfg, int fd, int foreground)
{
	char	line[PRIVSEP_LINE_MAX], reply[PRIVSEP_LINE_MAX +
	    PRIVSEP_CMDS_MAX * 12];
	int	n, devnull;

	/* Nothing of the daemon's but our socket: no listener, no cache. */
	if (fd != HELPER_FD) {
		if (dup2(fd, HELPER_FD) < 0)
			_exit(1);
		close(fd);
		fd = HELPER_FD;
	}
	fd_cloexec(fd);
	fd_closefrom(HELPER_FD + 1);
	if (!foreground && (devnull = open("/dev/null", O_RDWR)) >= 0) {
		dup2(devnull, STDERR_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
	log_init(NULL, cfg->syslog_facility, foreground);
	log_debug("release helper: running as uid %ld",
	    (long)getuid());

	for (;;) {
		n = helper_read_line(fd, line, sizeof(line));
		if (n == -1)
			break;
		if (n == -2) {
			snprintf(reply, sizeof(reply), "error request too "
			    "long\n");
		} else if (strncmp(line, "release ", 8) != 0) {
			log_warnx("release helper: refused a request that is "
			    "not a release");
			snprintf(reply, sizeof(reply), "error unknown "
			    "request\n");
		} else if (!privsep_queue_id_valid(line + 8)) {
			log_warnx("release helper: refused a bad queue id");
			snprintf(reply, sizeof(reply), "error bad queue id\n");
		} else {
			helper_release(cfg, line + 8, reply, sizeof(reply));
		}
		if (helper_write(fd, reply) != 0)
			break;
	}
	log_debug("release helper: daemon gone; exiting");
	close(fd);
	/*
	 * exit() under sanitizers, so LeakSanitizer checks the helper too
	 * (what it inherited stays reachable from the daemon's globals).
	 */
	if (MTASTS_SANITIZED)
		exit(0);
	_exit(0);
}

/* privsep_start - fork the helper. */
int
privsep_start(const struct config *cfg, int foreground, char *err,
    size_t errsz)
{
	int	sv[2];
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
		snprintf(err, errsz, "release helper: socketpair: %s",
		    strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errsz, "release helper: fork: %s",
		    strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		helper_main(cfg, sv[1], foreground);
	}
	close(sv[1]);
	fd_cloexec(sv[0]);
	helper_fd = sv[0];
	helper_pid = pid;
	helper_ncmds = cfg->release_command.n < PRIVSEP_CMDS_MAX ?
	    cfg->release_command.n : PRIVSEP_CMDS_MAX;
	log_info("release helper started (pid %ld)", (long)pid);
	return 0;
}

/* privsep_pid - the helper's pid. */
pid_t
privsep_pid(void)
{
	return helper_fd >= 0 ? helper_pid : -1;
}

/* helper_lost - stop using the helper (lock held). */
static void
helper_lost(const char *why)
{
	log_warnx("release helper (pid %ld) %s; held messages can no longer "
	    "be released (restart mtasts-policyd)", (long)helper_pid, why);
	close(helper_fd);
	helper_fd = -1;
	/* Closing our end makes a live helper exit; reap it if it has. */
	waitpid(helper_pid, NULL, WNOHANG);
}

/* read_reply - one reply line within timeout_ms; its length or -1. */
static int
read_reply(int fd, char *buf, size_t bufsz, long long timeout_ms)
{
	struct pollfd pfd;
	long long deadline = mono_now_ms() + timeout_ms, left;
	size_t	len = 0;
	ssize_t	r;

	while (len + 1 < bufsz) {
		if ((left = deadline - mono_now_ms()) <= 0)
			return -1;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, left > 1000 ? 1000 : (int)left) <= 0)
			continue;
		if ((r = read(fd, buf + len, 1)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return -1;
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return (int)len;
		}
		len++;
	}
	return -1;
}

/* privsep_release - one release through the helper. */
int
privsep_release(const char *queue_id, int *status, size_t max, size_t *n,
    char *err, size_t errsz)
{
	char	req[PRIVSEP_LINE_MAX], reply[PRIVSEP_LINE_MAX +
	    PRIVSEP_CMDS_MAX * 12], *p, *end;
	size_t	off = 0, len;
	ssize_t	w;
	long	v;
	int	ret = -1;

	*n = 0;
	if (!privsep_queue_id_valid(queue_id)) {
		snprintf(err, errsz, "not a queue id");
		return -1;
	}
	len = (size_t)snprintf(req, sizeof(req), "release %s\n", queue_id);
	pthread_mutex_lock(&lock);
	if (helper_fd < 0) {
		snprintf(err, errsz, "no release helper");
		goto out;
	}
	while (off < len) {
		if ((w = write(helper_fd, req + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errsz, "release helper: %s",
			    strerror(errno));
			helper_lost("is gone");
			goto out;
		}
		off += (size_t)w;
	}
	if (read_reply(helper_fd, reply, sizeof(reply),
	    (PRIVSEP_CMD_TIMEOUT + 5) * 1000LL * (long long)(helper_ncmds + 1))
	    < 0) {
		snprintf(err, errsz, "release helper did not answer");
		helper_lost("did not answer");
		goto out;
	}
	if (strncmp(reply, "error ", 6) == 0) {
		snprintf(err, errsz, "release helper: %s", reply + 6);
		goto out;
	}
	if (strncmp(reply, "ok", 2) != 0) {
		snprintf(err, errsz, "release helper: bad reply");
		goto out;
	}
	for (p = reply + 2; *p == ' ' && *n < max; p = end) {
		errno = 0;
		v = strtol(p + 1, &end, 10);
		if (end == p + 1 || errno != 0)
			break;
		status[(*n)++] = (int)v;
	}
	ret = 0;
out:
	pthread_mutex_unlock(&lock);
	return ret;
}
