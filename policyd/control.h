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

#include "ctlauth.h"

#define CONTROL_PROTOCOL	1
#define CONTROL_LINE_MAX	1024
#define CONTROL_IDLE		600

/* control_conn - serve one control connection until it closes. */
void	control_conn(int fd);

/*
 * control_verb_class - the class of peer a request verb needs (the verb
 * table's): CTLAUTH_DAEMON for the milter's "sts" and "hold",
 * CTLAUTH_ADMIN for the others and for verbs that do not exist.
 */
enum ctlauth_class control_verb_class(const char *verb);

#endif
