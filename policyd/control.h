/*
 * control.h - the control socket (protocol version 1), used by mtasts-ctl,
 * the milter and the tests. The protocol is documented in
 * mtasts-policyd(8), section CONTROL PROTOCOL.
 */
#ifndef MTASTS_CONTROL_H
#define MTASTS_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CONTROL_PROTOCOL	1
#define CONTROL_LINE_MAX	1024
#define CONTROL_IDLE		600

/* control_conn - serve one control connection until it closes. */
void	control_conn(int fd);

#endif
