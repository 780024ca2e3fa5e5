/*
 * NAME
 *	ctl_call - what every verb of mtasts-ctl uses
 * SYNOPSIS
 *	#include "ctl.h"
 * DESCRIPTION
 *	Errors and usage messages (on stderr as "mtasts-ctl: ...", and with
 *	--json also as {"error": ...} on stdout, so that every call prints
 *	one document), the checks of arguments that go into a request line
 *	(a domain must be a host name, a queue id alphanumeric, so nothing a
 *	user types can add words or lines to a request), the configuration,
 *	and the round trip with mtasts-policyd: the first request connects
 *	and sends "version" to make sure the daemon speaks protocol 1.
 * DIAGNOSTICS
 *	ctl_call() reports a daemon that cannot be reached ("cannot connect
 *	to control socket PATH: REASON") or does not answer (exit status 2)
 *	and an error reply (exit status 1).
 */
#include "autoconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "mx_match.h"

static const char *ctl_progname = "mtasts-ctl";

/* ctl_verr - "mtasts-ctl: message" on stderr, from a va_list. */
static void __attribute__((format(printf, 1, 0)))
ctl_verr(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", ctl_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* ctl_err - "mtasts-ctl: message" on stderr. */
void
ctl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_verr(fmt, ap);
	va_end(ap);
}

/* ctl_fail - report an error; with --json also {"error": ...} on stdout. */
int
ctl_fail(struct ctl *c, int code, const char *fmt, ...)
{
	va_list ap;
	char	msg[1024];
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_err("%s", msg);
	if (c != NULL && c->out.json) {
		if ((o = json_pack("{s:s}", "error", msg)) != NULL) {
			(void)ctl_json_print(&c->out, o);
			json_decref(o);
		}
	}
	return code;
}

/* ctl_usage_line - the synopsis, to fp. */
void
ctl_usage_line(FILE *fp)
{
	fprintf(fp,
	    "usage: %s [-c FILE] [-s SOCKET] [--json] VERB [ARG ...]\n"
	    "       %s -h | -V\n", ctl_progname, ctl_progname);
}

/* ctl_usage_error - a usage error: a reason, the synopsis, exit code 2. */
int
ctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_verr(fmt, ap);
	va_end(ap);
	ctl_usage_line(stderr);
	return CTL_EXIT_USAGE;
}

/* ctl_domain_arg - normalise a domain argument; 0, or -1 after a usage error. */
int
ctl_domain_arg(const char *arg, char *out, size_t outsz)
{
	if (host_normalize(arg, strlen(arg), out, outsz) != 0) {
		ctl_usage_error("not a domain name: %s", arg);
		return -1;
	}
	return 0;
}

/* ctl_queue_id_ok - [A-Za-z0-9]+ (DESIGN §6), bounded. */
int
ctl_queue_id_ok(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > CTL_QUEUE_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* ctl_load_config - the config of -c (or the default path). */
int
ctl_load_config(struct ctl *c)
{
	char	err[512];
	int	used_defaults;

	if (c->cfg != NULL)
		return 0;
	c->cfg = config_load(c->conf_path, &used_defaults, err, sizeof(err));
	if (c->cfg == NULL) {
		ctl_fail(c, CTL_EXIT_USAGE, "%s", err);
		return -1;
	}
	return 0;
}

/* ctl_wait_ms - the daemon's own wait for discovery, plus slack. */
int
ctl_wait_ms(const struct ctl *c)
{
	long long s = (long long)c->cfg->fetch_timeout +
	    (long long)c->cfg->lookup_wait + CTL_SLACK_S;

	return s > 3600 ? 3600000 : (int)(s * 1000);
}


static int ctl_connect(struct ctl *);

/*
 * ctl_call - one request, connecting first if this is the first. Returns
 * CTL_EXIT_OK with the reply in *reply, CTL_EXIT_NEGATIVE after an error
 * reply (reported), CTL_EXIT_USAGE when the daemon cannot be reached or
 * does not answer (reported).
 */
int
ctl_call(struct ctl *c, const char *line, int timeout_ms, json_t **reply)
{
	char	err[512];
	json_t *r, *v;
	const char *path;
	int	rc;

	*reply = NULL;
	if (c->cc == NULL && (rc = ctl_connect(c)) != CTL_EXIT_OK)
		return rc;
	path = ctl_client_path(c->cc);
	if ((r = ctl_client_request(c->cc, line, timeout_ms, err,
	    sizeof(err))) == NULL) {
		if (ctl_client_status(c->cc) == CTL_CLIENT_ECONNECT)
			return ctl_fail(c, CTL_EXIT_USAGE,
			    "cannot connect to control socket %s: %s", path,
			    err);
		return ctl_fail(c, CTL_EXIT_USAGE, "control socket %s: %s",
		    path, err);
	}
	v = json_object_get(r, "ok");
	if (!json_is_true(v)) {
		v = json_object_get(r, "error");
		ctl_fail(c, CTL_EXIT_NEGATIVE, "%s", json_is_string(v) ?
		    json_string_value(v) : "the daemon refused the request");
		json_decref(r);
		return CTL_EXIT_NEGATIVE;
	}
	json_object_del(r, "ok");
	*reply = r;
	return CTL_EXIT_OK;
}

/*
 * ctl_connect - connect and agree on the protocol version. Called by the
 * first ctl_call(), so that arguments are checked before the daemon sees
 * anything.
 */
static int
ctl_connect(struct ctl *c)
{
	const char *path = c->socket != NULL ? c->socket :
	    c->cfg->control_socket;
	json_t *r;
	json_int_t proto;
	int	rc;

	if ((c->cc = ctl_client_new(path)) == NULL)
		return ctl_fail(c, CTL_EXIT_USAGE, "out of memory");
	ctl_client_set_reply_max(c->cc, CTL_REPLY_MAX);
	if ((rc = ctl_call(c, "version", CTL_TIMEOUT_MS, &r)) != CTL_EXIT_OK)
		return CTL_EXIT_USAGE;
	proto = json_integer_value(json_object_get(r, "protocol"));
	json_decref(r);
	if (proto != CTL_PROTOCOL)
		return ctl_fail(c, CTL_EXIT_USAGE, "the daemon at %s speaks "
		    "control protocol %lld, this mtasts-ctl speaks %d", path,
		    (long long)proto, CTL_PROTOCOL);
	return CTL_EXIT_OK;
}

/* ctl_print_doc - --json output of a reply, and nothing else. */
int
ctl_print_doc(struct ctl *c, const json_t *doc)
{
	if (ctl_json_print(&c->out, doc) == -1) {
		ctl_err("cannot write to stdout: %s", strerror(errno));
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

/* ctl_need - exactly n arguments after the verb, else a usage error. */
int
ctl_need(int argc, int n, const char *usage)
{
	if (argc != n)
		return ctl_usage_error("usage: %s", usage);
	return CTL_EXIT_OK;
}
