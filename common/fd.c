/*
 * fd.c - descriptor hygiene for the daemons and the commands they run.
 *
 * SYNOPSIS
 *	fd_cloexec(), fd_closefrom()
 *
 * DESCRIPTION
 *	Descriptors the daemon opens are close-on-exec where the call allows
 *	it, but libraries (libunbound, libcurl, LMDB) and threads that open
 *	files while another thread forks make that a hope, not a guarantee.
 *	So every child closes everything above its standard descriptors
 *	before execve: closefrom() where libc has it, close_range() on Linux,
 *	otherwise a loop up to the descriptor limit. Nothing here allocates,
 *	so it may run in the child of a threaded fork.
 *
 * DIAGNOSTICS
 *	None: closing a descriptor that is not open is not an error.
 */
#include "autoconf.h"

#include <sys/resource.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fd.h"

/* tests/unit/fd_test.c builds the fallbacks on any system. */
#ifdef FD_TEST_FALLBACKS
#undef HAVE_CLOSEFROM
#undef HAVE_CLOSE_RANGE
#endif

/* fd_cloexec - set FD_CLOEXEC on fd. */
int
fd_cloexec(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFD)) == -1)
		return -1;
	return fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

#ifndef HAVE_CLOSEFROM
/* close_loop - close every number from lowfd up to the descriptor limit. */
static void
close_loop(int lowfd)
{
	struct rlimit rl;
	long	max, fd;

	max = sysconf(_SC_OPEN_MAX);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (long)rl.rlim_cur > max)
		max = (long)rl.rlim_cur;
	if (max < 0 || max > 1024 * 1024)
		max = 1024 * 1024;
	for (fd = lowfd; fd < max; fd++)
		(void)close((int)fd);
}
#endif

/* fd_closefrom - close every descriptor >= lowfd. */
void
fd_closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
#if defined(HAVE_CLOSEFROM)
	closefrom(lowfd);
#else
#if defined(HAVE_CLOSE_RANGE)
	if (close_range((unsigned int)lowfd, ~0U, 0) == 0)
		return;
#elif defined(SYS_close_range)
	if (syscall(SYS_close_range, (unsigned int)lowfd, ~0U, 0) == 0)
		return;
#endif
	close_loop(lowfd);
#endif
}
