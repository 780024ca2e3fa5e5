/*
 * reply.h - JSON values for the control protocol's replies, and members
 * of the JSON the route and hold tables store (reply.c).
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

/* reply_jstr - member key of o as a string, or "" when missing or not one. */
const char *reply_jstr(const json_t *o, const char *key);

/* reply_jint - member key of o as an integer, or 0 when missing or not one. */
int64_t	reply_jint(const json_t *o, const char *key);

/*
 * reply_error - {"ok": false, "error": fmt with arg} (arg NULL: ""; one
 * %s in fmt, at most 300 bytes in all; new reference).
 */
json_t *reply_error(const char *fmt, const char *arg);

/* reply_ok - {"ok": true} to add fields to (new reference). */
json_t *reply_ok(void);

#endif
