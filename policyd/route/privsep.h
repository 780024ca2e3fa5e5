/*
 * privsep.h - the privileged release helper (DESIGN §2). mtasts-policyd
 * forks it after binding its sockets and before dropping privileges; it
 * keeps root and runs release_command for queue ids the daemon sends it
 * over a socketpair, and nothing else.
 */
#ifndef MTASTS_PRIVSEP_H
#define MTASTS_PRIVSEP_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

#define PRIVSEP_CMD_TIMEOUT	30	/* seconds one command may run */
#define PRIVSEP_CMDS_MAX	16	/* release_command entries run */
#define PRIVSEP_QUEUE_ID_MAX	64	/* longest queue id accepted */

/* Statuses besides an exit code 0-255. */
#define PRIVSEP_TIMEOUT		(-1000)	/* killed after PRIVSEP_CMD_TIMEOUT */
/* A command killed by signal N reports -N; one that could not start, 127. */

/*
 * privsep_start - fork the helper with the release_command of cfg. Call
 * before any thread is started; foreground = stderr stays a log. 0, or -1
 * with a reason in err.
 */
int	privsep_start(const struct config *cfg, int foreground, char *err,
	    size_t errsz);

/* privsep_pid - the helper's process id, or -1 when none runs. */
pid_t	privsep_pid(void);

/*
 * privsep_release - ask the helper to run release_command for queue_id
 * and wait for it. On 0 the exit statuses of the commands, in order, are
 * in status[0 .. *n - 1] (at most max). -1 when the helper refused the id
 * or cannot be reached (a reason in err). Serialised: one at a time.
 */
int	privsep_release(const char *queue_id, int *status, size_t max,
	    size_t *n, char *err, size_t errsz);

/* privsep_queue_id_valid - [A-Za-z0-9]+, at most PRIVSEP_QUEUE_ID_MAX. */
int	privsep_queue_id_valid(const char *id);

/* privsep_status_str - "0", "exit 1", "signal 9", "timeout" into buf. */
const char *privsep_status_str(int status, char *buf, size_t bufsz);

#endif
