/*
 * mstate.c - the state every module of mtasts-milter reads: the
 *	configuration and the clock.
 *
 * SYNOPSIS
 *	#include "milter.h"
 *
 * DESCRIPTION
 *	main.c sets milter_cfg once before smfi_main() runs; mlfi.c,
 *	query.c, rcpt.c, status.c and ctlpool.c read it and time their
 *	waits with milter_now_ms(), the monotonic clock, so a step of the
 *	wall clock neither stalls nor cuts short a wait. Kept apart from
 *	main.c so main.c is the top of the milter's include graph.
 *
 * DIAGNOSTICS
 *	milter_now_ms() panics when CLOCK_MONOTONIC cannot be read.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "milter.h"

const struct config *milter_cfg;

/* milter_now_ms - the monotonic clock in milliseconds. */
int64_t
milter_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		panic("clock_gettime(CLOCK_MONOTONIC): %s", strerror(errno));
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
