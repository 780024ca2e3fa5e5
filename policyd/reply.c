/*
 * reply.c - JSON values for the control protocol's replies, and JSON
 * members of stored values.
 *
 * SYNOPSIS
 *	#include "reply.h"
 *
 * DESCRIPTION
 *	The few conversions every control view uses (control.c's own
 *	verbs, hold.c's holds, route.c's routes, tlsrpt_run.c's report
 *	list), in a module of their own so those views need not include
 *	the control socket: times as ISO 8601 UTC, optional strings, day
 *	names, and the two shapes of a reply, {"ok": true, ...} and
 *	{"ok": false, "error": ...}. Each returns a new reference or fills
 *	the caller's buffer.
 *	reply_jstr() and reply_jint() read members of the small JSON
 *	objects hold.c and route.c store, with a default for a missing one.
 *
 * DIAGNOSTICS
 *	None: a time that does not convert becomes JSON null or "?".
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "reply.h"

/* control_time - ISO 8601 UTC, or JSON null for 0. */
json_t *
control_time(int64_t t)
{
	struct tm tm;
	time_t	tt = (time_t)t;
	char	buf[32];

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* control_str - a JSON string, or null for NULL/empty. */
json_t *
control_str(const char *s)
{
	return s != NULL && *s != '\0' ? json_string(s) : json_null();
}

/* control_day - "YYYY-MM-DD" of a day start ("?" if it has none). */
void
control_day(int64_t day, char *buf, size_t sz)
{
	time_t	t = (time_t)day;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, sz, "%Y-%m-%d",
	    &tm) == 0)
		snprintf(buf, sz, "?");
}

/* reply_jstr - see reply.h. */
const char *
reply_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* reply_jint - see reply.h. */
int64_t
reply_jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* reply_error - {"ok": false, "error": ...} */
json_t *
reply_error(const char *fmt, const char *arg)
{
	json_t *o = json_object();
	char	buf[300];

	snprintf(buf, sizeof(buf), fmt, arg ? arg : "");
	json_object_set_new(o, "ok", json_false());
	json_object_set_new(o, "error", json_string(buf));
	return o;
}

/* reply_ok - {"ok": true} to add fields to. */
json_t *
reply_ok(void)
{
	json_t *o = json_object();

	json_object_set_new(o, "ok", json_true());
	return o;
}
