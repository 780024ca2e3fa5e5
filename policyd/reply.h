/*
 * reply.h - JSON values for the control protocol's replies (reply.c).
 */
#ifndef MTASTS_REPLY_H
#define MTASTS_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* control_time - t as ISO 8601 UTC, or JSON null for t <= 0 (new reference). */
json_t *control_time(int64_t t);

/* control_str - s as a JSON string, or null for NULL or "" (new reference). */
json_t *control_str(const char *s);

/* control_day - "YYYY-MM-DD" (UTC) of day, a day's first second, into buf. */
void	control_day(int64_t day, char *buf, size_t sz);

/*
 * reply_error - {"ok": false, "error": fmt with arg} (arg NULL: ""; one
 * %s in fmt, at most 300 bytes in all; new reference).
 */
json_t *reply_error(const char *fmt, const char *arg);

/* reply_ok - {"ok": true} to add fields to (new reference). */
json_t *reply_ok(void);

#endif
