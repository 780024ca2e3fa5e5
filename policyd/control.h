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

/* control_time - t as ISO 8601 UTC, or JSON null for t <= 0 (new reference). */
json_t *control_time(int64_t t);

/* control_str - s as a JSON string, or null for NULL or "" (new reference). */
json_t *control_str(const char *s);

/* control_day - "YYYY-MM-DD" (UTC) of day, a day's first second, into buf. */
void	control_day(int64_t day, char *buf, size_t sz);

#endif
