/*
 * milter.h - what the modules of mtasts-milter share (mstate.c, mlfi.c).
 */
#ifndef MTASTS_MILTER_H
#define MTASTS_MILTER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define MILTER_MAX_DOMAINS	1000	/* distinct recipient domains per message */

/* The configuration; read-only once smfi_main() runs (no reload). */
extern const struct config *milter_cfg;

/* milter_now_ms - the monotonic clock in milliseconds. */
int64_t	milter_now_ms(void);

/* milter_register - smfi_register() our callbacks; 0 or -1 (logged). */
int	milter_register(void);

#endif
