/*
 * fd_test - common/fd.c: fd_cloexec() sets the flag; fd_closefrom()
 * closes every descriptor from its argument up and none below, both as
 * built (closefrom() where libc has it) and through the fallbacks a
 * system without closefrom() uses (close_range(), then the loop), which
 * this file compiles in by including fd.c with FD_TEST_FALLBACKS
 * (issue 16 item 4).
 */
#include "autoconf.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fd.h"
#include "tap.h"

/* The portable paths, under other names beside the library's. */
#define FD_TEST_FALLBACKS
#define fd_cloexec	fallback_cloexec
#define fd_closefrom	fallback_closefrom
#include "../../common/fd.c"
#undef fd_cloexec
#undef fd_closefrom

#define NFD	8

/*
 * closes_from - in a child: open NFD descriptors (one high one too),
 * close from the fifth with fn, and report which are still open as the
 * exit status (0: exactly those below were kept).
 */
static int
closes_from(void (*fn)(int))
{
	int	fds[NFD], i, st, bad = 0;
	pid_t	pid;

	if ((pid = fork()) == 0) {
		for (i = 0; i < NFD - 1; i++)
			if ((fds[i] = open("/dev/null", O_RDONLY)) < 0)
				_exit(100);
		if ((fds[NFD - 1] = dup2(fds[0], 900)) != 900)
			_exit(101);
		fn(fds[4]);
		for (i = 0; i < NFD; i++)
			if ((fcntl(fds[i], F_GETFD) != -1) != (i < 4))
				bad |= 1 << i;
		if (fcntl(STDERR_FILENO, F_GETFD) == -1)
			bad |= 1 << 9;
		_exit(bad);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* loop_closefrom - the last resort alone. */
static void
loop_closefrom(int lowfd)
{
	close_loop(lowfd);
}

/* main - each way of closing, and the close-on-exec flag. */
int
main(void)
{
	int	fd, rc;

	if ((fd = open("/dev/null", O_RDONLY)) < 0)
		return 1;
	ok(fd_cloexec(fd) == 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	    "fd_cloexec sets FD_CLOEXEC");
	ok(fd_cloexec(-1) == -1, "fd_cloexec of a bad descriptor fails");
	close(fd);
	rc = closes_from(fd_closefrom);
	ok(rc == 0, "fd_closefrom as built closes from n up only (%#x)", rc);
	rc = closes_from(fallback_closefrom);
	ok(rc == 0, "without closefrom(): closes from n up only (%#x)", rc);
	rc = closes_from(loop_closefrom);
	ok(rc == 0, "the loop alone closes from n up only (%#x)", rc);
	return done_testing();
}
