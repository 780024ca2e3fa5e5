/*
 * fd.h - descriptor hygiene: close-on-exec and closing what a child must
 * not inherit.
 */
#ifndef MTASTS_FD_H
#define MTASTS_FD_H

/* fd_cloexec - set FD_CLOEXEC on fd. 0, or -1 with errno. */
int	fd_cloexec(int fd);

/*
 * fd_closefrom - close every descriptor >= lowfd. Safe between fork()
 * and execve() in a threaded process: no allocation, no locks.
 */
void	fd_closefrom(int lowfd);

#endif
