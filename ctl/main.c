/*
 * NAME
 *	ctl - mtasts-ctl, the administrator's tool for mtasts-policyd
 * SYNOPSIS
 *	mtasts-ctl [-c FILE] [-s SOCKET] [--json] VERB [ARG ...]
 *	mtasts-ctl -h | -V
 * DESCRIPTION
 *	Daemon verbs (status, lookup, show, list, refresh, flush, holds,
 *	release) check their arguments, then speak the control protocol
 *	(mtasts-policyd(8), CONTROL PROTOCOL) over one connection:
 *	"version" first, to make sure the daemon speaks protocol 1, then the
 *	request(s). Offline verbs: parse
 *	validates a policy file with the daemon's own parser, check
 *	(ctl_check.c) audits a domain's publication.
 *
 *	Output is for people (aligned columns with a header, times as ISO
 *	8601 UTC with a relative age, colour on a terminal) or, with --json,
 *	one JSON document whose field names are the contract of DESIGN §5
 *	and mtasts-ctl(8). Arguments that go into a request line are checked
 *	here (a domain must be a host name, a queue id alphanumeric), so
 *	nothing a user types can add words or lines to a request.
 * DIAGNOSTICS
 *	Exit 0 when the verb did what was asked; 1 for a negative answer
 *	(unknown domain or queue id, invalid policy, failed check, failed
 *	refresh, any error reply of the daemon); 2 for usage errors,
 *	unreadable files and configs, and a daemon that cannot be reached
 *	("cannot connect to control socket PATH: REASON") or does not
 *	answer. Messages go to stderr as "mtasts-ctl: ..."; with --json an
 *	error also gives {"error": "..."} on stdout, so that every call
 *	prints one document.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "ctl_check.h"
#include "ctl_client.h"
#include "ctl_out.h"
#include "ctl_report.h"
#include "log.h"
#include "mx_match.h"
#include "sts_policy.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION	"0"
#endif

#define CTL_PROTOCOL		1	/* the control protocol we speak */
#define CTL_TIMEOUT_MS		10000	/* a plain request */
#define CTL_SLACK_S		5	/* on top of the daemon's own waits */
#define CTL_REPLY_MAX		((size_t)1 << 30)	/* "list" of a big cache */
#define CTL_QUEUE_ID_MAX	64
#define CTL_STATS_MAX		16	/* counters shown by status */

/* One call of mtasts-ctl. */
struct ctl {
	const char *conf_path;		/* -c, or NULL for the default */
	const char *socket;		/* -s, else control_socket */
	struct config *cfg;
	struct ctl_client *cc;
	struct ctl_out out;
};

struct ctl_verb {
	const char *name;
	int	(*run)(struct ctl *, int, char **);
	int	daemon;			/* talks to policyd */
	const char *usage;
};

static const char *progname = "mtasts-ctl";

/* ctl_err - "mtasts-ctl: message" on stderr. */
static void __attribute__((format(printf, 1, 2)))
ctl_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ctl_fail - report an error; with --json also {"error": ...} on stdout. */
static int __attribute__((format(printf, 3, 4)))
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
static void
ctl_usage_line(FILE *fp)
{
	fprintf(fp,
	    "usage: %s [-c FILE] [-s SOCKET] [--json] VERB [ARG ...]\n"
	    "       %s -h | -V\n", progname, progname);
}

/* ctl_usage_error - a usage error: a reason, the synopsis, exit code 2. */
static int __attribute__((format(printf, 1, 2)))
ctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ctl_usage_line(stderr);
	return CTL_EXIT_USAGE;
}

/* ctl_domain_arg - normalise a domain argument; 0, or -1 after a usage error. */
static int
ctl_domain_arg(const char *arg, char *out, size_t outsz)
{
	if (host_normalize(arg, strlen(arg), out, outsz) != 0) {
		ctl_usage_error("not a domain name: %s", arg);
		return -1;
	}
	return 0;
}

/* ctl_queue_id_ok - [A-Za-z0-9]+ (DESIGN §6), bounded. */
static int
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
static int
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
static int
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
static int
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
static int
ctl_print_doc(struct ctl *c, const json_t *doc)
{
	if (ctl_json_print(&c->out, doc) == -1) {
		ctl_err("cannot write to stdout: %s", strerror(errno));
		return CTL_EXIT_USAGE;
	}
	return CTL_EXIT_OK;
}

/* ctl_mode_colour - green for enforce, yellow for testing. */
static enum ctl_colour
ctl_mode_colour(const char *mode)
{
	if (mode == NULL)
		return CTL_PLAIN;
	if (strcmp(mode, "enforce") == 0)
		return CTL_GREEN;
	if (strcmp(mode, "testing") == 0)
		return CTL_YELLOW;
	if (strcmp(mode, "negative") == 0)
		return CTL_DIM;
	return CTL_PLAIN;
}

/* ctl_kv - one key/value row of a block. */
static int
ctl_kv(struct ctl_table *t, const char *key, const char *value,
    enum ctl_colour colour)
{
	const char *cells[2];
	enum ctl_colour colours[2] = { CTL_PLAIN, colour };

	cells[0] = key;
	cells[1] = value;
	return ctl_table_add(t, cells, colours);
}

/*
 * ctl_route_text - a route object in one line: "confirmed via mx.example
 * (checked ISO (5m ago))", "failed (checked ...): certificate-expired".
 */
static const char *
ctl_route_text(const struct ctl_out *o, const json_t *route, char *buf,
    size_t bufsz)
{
	char	state[64], mx[300], when[80], failure[300];
	const json_t *v;
	size_t	n;

	if (!json_is_object(route) ||
	    !json_is_string(json_object_get(route, "state")))
		return ctl_text(NULL, buf, bufsz);
	n = (size_t)snprintf(buf, bufsz, "%s", ctl_text(json_object_get(route,
	    "state"), state, sizeof(state)));
	if (n < bufsz && json_is_string(v = json_object_get(route, "mx")))
		n += (size_t)snprintf(buf + n, bufsz - n, " via %s",
		    ctl_text(v, mx, sizeof(mx)));
	if (n < bufsz &&
	    json_is_string(v = json_object_get(route, "checked_at")))
		n += (size_t)snprintf(buf + n, bufsz - n, " (checked %s)",
		    ctl_when(o, v, when, sizeof(when)));
	if (n < bufsz && json_is_string(v = json_object_get(route, "failure")))
		n += (size_t)snprintf(buf + n, bufsz - n, ": %s", ctl_text(v,
		    failure, sizeof(failure)));
	if (n < bufsz && json_is_string(v = json_object_get(route, "why")))
		snprintf(buf + n, bufsz - n, "%s%s", json_is_string(
		    json_object_get(route, "failure")) ? " - " : ": ",
		    ctl_text(v, failure, sizeof(failure)));
	return buf;
}

/* ctl_show_block - a SHOW object as aligned "field value" lines. */
static void
ctl_show_block(struct ctl *c, const json_t *s)
{
	static const char *const times[] = { "fetched_at", "expires_at",
	    "txt_checked_at", "last_used" };
	struct ctl_table *t;
	const json_t *mx, *v;
	const char *hdr[2] = { "FIELD", "VALUE" };
	const char *mode;
	char	buf[1024], num[64];
	size_t	i;
	int	negative;

	if ((t = ctl_table_new(2, hdr)) == NULL)
		return;
	v = json_object_get(s, "state");
	negative = json_is_string(v) &&
	    strcmp(json_string_value(v), "negative") == 0;
	mode = json_string_value(json_object_get(s, "mode"));
	ctl_kv(t, "domain", ctl_text(json_object_get(s, "domain"), buf,
	    sizeof(buf)), CTL_BOLD);
	ctl_kv(t, "state", ctl_text(v, buf, sizeof(buf)), CTL_PLAIN);
	if (!negative) {
		ctl_kv(t, "mode", ctl_text(json_object_get(s, "mode"), buf,
		    sizeof(buf)), ctl_mode_colour(mode));
		mx = json_object_get(s, "mx");
		if (json_array_size(mx) == 0)
			ctl_kv(t, "mx", "-", CTL_PLAIN);
		for (i = 0; i < json_array_size(mx); i++)
			ctl_kv(t, i == 0 ? "mx" : "", ctl_text(json_array_get(mx,
			    i), buf, sizeof(buf)), CTL_PLAIN);
		v = json_object_get(s, "max_age");
		if (json_is_integer(v))
			snprintf(buf, sizeof(buf), "%lld (%s)",
			    (long long)json_integer_value(v),
			    ctl_duration(json_integer_value(v), num,
			    sizeof(num)));
		else
			ctl_text(v, buf, sizeof(buf));
		ctl_kv(t, "max_age", buf, CTL_PLAIN);
		ctl_kv(t, "id", ctl_text(json_object_get(s, "id"), buf,
		    sizeof(buf)), CTL_PLAIN);
	}
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		if (!negative || i >= 2)
			ctl_kv(t, times[i], ctl_when(&c->out,
			    json_object_get(s, times[i]), buf, sizeof(buf)),
			    CTL_PLAIN);
	if (negative)
		ctl_kv(t, "negative_until", ctl_when(&c->out,
		    json_object_get(s, "negative_until"), buf, sizeof(buf)),
		    CTL_PLAIN);
	v = json_object_get(s, "expired");
	ctl_kv(t, "expired", ctl_text(v, buf, sizeof(buf)),
	    json_is_true(v) ? CTL_RED : CTL_PLAIN);
	v = json_object_get(s, "last_error");
	ctl_kv(t, "last_error", ctl_text(v, buf, sizeof(buf)),
	    json_is_string(v) ? CTL_RED : CTL_PLAIN);
	ctl_kv(t, "route", ctl_route_text(&c->out, json_object_get(s, "route"),
	    buf, sizeof(buf)), CTL_PLAIN);
	ctl_table_print(&c->out, t, 1);
	ctl_table_free(t);
}

/* ctl_need - exactly n arguments after the verb, else a usage error. */
static int
ctl_need(int argc, int n, const char *usage)
{
	if (argc != n)
		return ctl_usage_error("usage: %s", usage);
	return CTL_EXIT_OK;
}

/* verb_status - version, uptime, cache counts, counters, holds. */
static int
verb_status(struct ctl *c, int argc, char **argv)
{
	static const char *const cnames[] = { "enforce", "testing", "none",
	    "negative", "expired" };
	static const char *const chdr[] = { "ENFORCE", "TESTING", "NONE",
	    "NEGATIVE", "EXPIRED" };
	struct ctl_table *t = NULL;
	const char *hdr[CTL_STATS_MAX], *cells[CTL_STATS_MAX], *key;
	char	vals[CTL_STATS_MAX][32], names[CTL_STATS_MAX][32], buf[256],
		up[32], since[32];
	json_t *r, *o, *v;
	json_int_t uptime;
	size_t	i, j, n;
	int	rc;

	(void)argv;
	if ((rc = ctl_need(argc, 1, "status")) != CTL_EXIT_OK)
		return rc;
	if ((rc = ctl_call(c, "status", CTL_TIMEOUT_MS, &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json) {
		rc = ctl_print_doc(c, r);
		goto out;
	}
	uptime = json_integer_value(json_object_get(r, "uptime"));
	fprintf(c->out.fp, "mtasts-policyd %s, control protocol %lld\n",
	    ctl_text(json_object_get(r, "version"), buf, sizeof(buf)),
	    (long long)json_integer_value(json_object_get(r, "protocol")));
	fprintf(c->out.fp, "up %s, since %s\n", ctl_duration(uptime, up,
	    sizeof(up)), ctl_iso_format(c->out.now - (time_t)uptime, since,
	    sizeof(since)));
	fprintf(c->out.fp, "held messages: %s\n\n",
	    ctl_text(json_object_get(r, "holds"), buf, sizeof(buf)));

	/* Cache counts, then request counters: one table each. */
	for (i = 0; i < 5; i++)
		hdr[i] = chdr[i];
	if ((t = ctl_table_new(5, hdr)) == NULL)
		goto out;
	o = json_object_get(r, "counts");
	for (i = 0; i < 5; i++)
		cells[i] = ctl_text(json_object_get(o, cnames[i]), vals[i],
		    sizeof(vals[i]));
	ctl_table_add(t, cells, NULL);
	ctl_table_print(&c->out, t, 0);
	ctl_table_free(t);
	fputc('\n', c->out.fp);
	/* Every counter the daemon sends, in its order, named in capitals. */
	n = 0;
	o = json_object_get(r, "stats");
	json_object_foreach(o, key, v) {
		if (n == CTL_STATS_MAX)
			break;
		for (j = 0; key[j] != '\0' && j + 1 < sizeof(names[n]); j++)
			names[n][j] = key[j] >= 'a' && key[j] <= 'z' ?
			    (char)(key[j] - 'a' + 'A') : key[j];
		names[n][j] = '\0';
		hdr[n] = names[n];
		cells[n] = ctl_text(v, vals[n], sizeof(vals[n]));
		n++;
	}
	if (n == 0 || (t = ctl_table_new(n, hdr)) == NULL)
		goto out;
	ctl_table_add(t, cells, NULL);
	ctl_table_print(&c->out, t, 0);
	ctl_table_free(t);
out:
	json_decref(r);
	return rc;
}

/* verb_lookup - the socketmap answer now, and the policy behind it. */
static int
verb_lookup(struct ctl *c, int argc, char **argv)
{
	char	d[DNS_NAME_MAX + 1], line[CTL_CLIENT_LINE_MAX], buf[1024];
	json_t *r;
	const json_t *pol;
	int	rc;

	if ((rc = ctl_need(argc, 2, "lookup DOMAIN")) != CTL_EXIT_OK)
		return rc;
	if (ctl_domain_arg(argv[1], d, sizeof(d)) == -1)
		return CTL_EXIT_USAGE;
	snprintf(line, sizeof(line), "lookup %s", d);
	if ((rc = ctl_call(c, line, ctl_wait_ms(c), &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json) {
		rc = ctl_print_doc(c, r);
		json_decref(r);
		return rc;
	}
	fprintf(c->out.fp, "%s%s%s: %s\n", ctl_paint(&c->out, CTL_BOLD),
	    ctl_text(json_object_get(r, "domain"), line, sizeof(line)),
	    ctl_unpaint(&c->out, CTL_BOLD), ctl_text(json_object_get(r,
	    "answer"), buf, sizeof(buf)));
	pol = json_object_get(r, "policy");
	if (json_is_object(pol)) {
		fputc('\n', c->out.fp);
		ctl_show_block(c, pol);
	} else
		fprintf(c->out.fp, "no policy applies\n");
	json_decref(r);
	return CTL_EXIT_OK;
}

/* verb_show - one cache entry; an unknown domain is a negative answer. */
static int
verb_show(struct ctl *c, int argc, char **argv)
{
	char	d[DNS_NAME_MAX + 1], line[CTL_CLIENT_LINE_MAX];
	json_t *r;
	int	rc;

	if ((rc = ctl_need(argc, 2, "show DOMAIN")) != CTL_EXIT_OK)
		return rc;
	if (ctl_domain_arg(argv[1], d, sizeof(d)) == -1)
		return CTL_EXIT_USAGE;
	snprintf(line, sizeof(line), "show %s", d);
	if ((rc = ctl_call(c, line, CTL_TIMEOUT_MS, &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else
		ctl_show_block(c, r);
	json_decref(r);
	return rc;
}

/* ctl_list_keep - does an entry pass the --mode and --expired filters? */
static int
ctl_list_keep(const json_t *e, const char *mode, int expired)
{
	const char *state = json_string_value(json_object_get(e, "state"));
	const char *m = json_string_value(json_object_get(e, "mode"));

	if (expired && !json_is_true(json_object_get(e, "expired")))
		return 0;
	if (mode == NULL)
		return 1;
	if (strcmp(mode, "negative") == 0)
		return state != NULL && strcmp(state, "negative") == 0;
	return m != NULL && strcmp(m, mode) == 0;
}

/* ctl_list_row - one table row of a list entry. */
static void
ctl_list_row(struct ctl *c, struct ctl_table *t, const json_t *e)
{
	char	dom[300], mode[32], age[32], id[64], fetched[80], expires[80],
		error[300];
	const char *cells[7];
	enum ctl_colour colours[7] = { CTL_PLAIN, CTL_PLAIN, CTL_PLAIN,
	    CTL_PLAIN, CTL_PLAIN, CTL_PLAIN, CTL_PLAIN };
	const json_t *v;
	int	negative;

	v = json_object_get(e, "state");
	negative = json_is_string(v) &&
	    strcmp(json_string_value(v), "negative") == 0;
	cells[0] = ctl_text(json_object_get(e, "domain"), dom, sizeof(dom));
	if (negative)
		snprintf(mode, sizeof(mode), "negative");
	else
		ctl_text(json_object_get(e, "mode"), mode, sizeof(mode));
	cells[1] = mode;
	colours[1] = ctl_mode_colour(mode);
	v = json_object_get(e, "max_age");
	cells[2] = json_is_integer(v) ? ctl_duration(json_integer_value(v),
	    age, sizeof(age)) : "-";
	cells[3] = ctl_text(json_object_get(e, "id"), id, sizeof(id));
	cells[4] = ctl_when(&c->out, json_object_get(e, "fetched_at"),
	    fetched, sizeof(fetched));
	cells[5] = ctl_when(&c->out, json_object_get(e, negative ?
	    "negative_until" : "expires_at"), expires, sizeof(expires));
	if (json_is_true(json_object_get(e, "expired")))
		colours[5] = CTL_RED;
	v = json_object_get(e, "last_error");
	cells[6] = ctl_text(v, error, sizeof(error));
	if (json_is_string(v))
		colours[6] = CTL_RED;
	ctl_table_add(t, cells, colours);
}

/* verb_list - every cache entry, filtered. */
static int
verb_list(struct ctl *c, int argc, char **argv)
{
	static const char *const hdr[7] = { "DOMAIN", "MODE", "MAX_AGE", "ID",
	    "FETCHED_AT", "EXPIRES_AT", "LAST_ERROR" };
	struct ctl_table *t;
	const char *mode = NULL;
	json_t *r, *all, *out;
	size_t	i;
	int	expired = 0, rc, a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--expired") == 0)
			expired = 1;
		else if (strcmp(argv[a], "--mode") == 0 && a + 1 < argc)
			mode = argv[++a];
		else if (strncmp(argv[a], "--mode=", 7) == 0)
			mode = argv[a] + 7;
		else
			return ctl_usage_error("usage: list [--mode MODE] "
			    "[--expired]");
	}
	if (mode != NULL && sts_mode_parse(mode) == -1 &&
	    strcmp(mode, "negative") != 0)
		return ctl_usage_error("--mode takes enforce, testing, none or "
		    "negative, not %s", mode);
	if ((rc = ctl_call(c, "list", CTL_TIMEOUT_MS * 6, &r)) != CTL_EXIT_OK)
		return rc;
	all = json_object_get(r, "domains");
	if ((out = json_array()) == NULL) {
		json_decref(r);
		return ctl_fail(c, CTL_EXIT_USAGE, "out of memory");
	}
	for (i = 0; i < json_array_size(all); i++)
		if (ctl_list_keep(json_array_get(all, i), mode, expired))
			json_array_append(out, json_array_get(all, i));
	if (c->out.json) {
		rc = ctl_print_doc(c, out);
	} else if (json_array_size(out) == 0) {
		fprintf(c->out.fp, "no cached domains%s\n",
		    mode != NULL || expired ? " match" : "");
	} else if ((t = ctl_table_new(7, hdr)) != NULL) {
		for (i = 0; i < json_array_size(out); i++)
			ctl_list_row(c, t, json_array_get(out, i));
		ctl_table_print(&c->out, t, 0);
		ctl_table_free(t);
	}
	json_decref(out);
	json_decref(r);
	return rc;
}

/* ctl_refresh_ok - did a refresh get a current policy? */
static int
ctl_refresh_ok(const char *result)
{
	return result != NULL && (strcmp(result, "fetched") == 0 ||
	    strcmp(result, "unchanged") == 0);
}

/* verb_refresh - fetch again now and show the entry it left. */
static int
verb_refresh(struct ctl *c, int argc, char **argv)
{
	char	d[DNS_NAME_MAX + 1], line[CTL_CLIENT_LINE_MAX], why[512],
		err[256];
	json_t *r = NULL, *s = NULL, *doc = NULL;
	const char *result;
	int	rc, src;

	if ((rc = ctl_need(argc, 2, "refresh DOMAIN|--all")) != CTL_EXIT_OK)
		return rc;
	if (strcmp(argv[1], "--all") == 0) {
		if ((rc = ctl_call(c, "refresh --all", CTL_TIMEOUT_MS * 6,
		    &r)) != CTL_EXIT_OK)
			return rc;
		if (c->out.json)
			rc = ctl_print_doc(c, r);
		else
			fprintf(c->out.fp, "%lld domains queued for refresh\n",
			    (long long)json_integer_value(json_object_get(r,
			    "queued")));
		json_decref(r);
		return rc;
	}
	if (ctl_domain_arg(argv[1], d, sizeof(d)) == -1)
		return CTL_EXIT_USAGE;
	snprintf(line, sizeof(line), "refresh %s", d);
	if ((rc = ctl_call(c, line, ctl_wait_ms(c), &r)) != CTL_EXIT_OK)
		return rc;
	result = json_string_value(json_object_get(r, "result"));
	ctl_text(json_object_get(r, "error"), why, sizeof(why));

	/* The entry as it is now, negative ones included; none is fine. */
	snprintf(line, sizeof(line), "show %s", d);
	s = ctl_client_request(c->cc, line, CTL_TIMEOUT_MS, err, sizeof(err));
	if (s != NULL && !json_is_true(json_object_get(s, "ok"))) {
		json_decref(s);
		s = NULL;
	}
	if (s != NULL)
		json_object_del(s, "ok");
	src = ctl_refresh_ok(result) ? CTL_EXIT_OK : CTL_EXIT_NEGATIVE;
	if (c->out.json) {
		doc = s != NULL ? json_incref(s) :
		    json_pack("{s:s, s:n}", "domain", d, "state");
		if (doc == NULL) {
			rc = ctl_fail(c, CTL_EXIT_USAGE, "out of memory");
			goto out;
		}
		json_object_set(doc, "result", json_object_get(r, "result"));
		json_object_set(doc, "error", json_object_get(r, "error"));
		rc = ctl_print_doc(c, doc);
	} else {
		fprintf(c->out.fp, "%s: %s%s%s%s%s\n", d,
		    ctl_paint(&c->out, src == CTL_EXIT_OK ? CTL_GREEN :
		    CTL_RED), result != NULL ? result : "?",
		    ctl_unpaint(&c->out, CTL_RED), strcmp(why, "-") != 0 ?
		    ": " : "", strcmp(why, "-") != 0 ? why : "");
		if (s != NULL) {
			fputc('\n', c->out.fp);
			ctl_show_block(c, s);
		}
	}
	if (rc == CTL_EXIT_OK)
		rc = src;
out:
	json_decref(doc);
	json_decref(s);
	json_decref(r);
	return rc;
}

/* verb_flush - forget one or every cache entry. */
static int
verb_flush(struct ctl *c, int argc, char **argv)
{
	char	d[DNS_NAME_MAX + 1], line[CTL_CLIENT_LINE_MAX];
	json_t *r;
	json_int_t n;
	int	rc;

	if ((rc = ctl_need(argc, 2, "flush DOMAIN|--all")) != CTL_EXIT_OK)
		return rc;
	if (strcmp(argv[1], "--all") == 0)
		snprintf(line, sizeof(line), "flush --all");
	else {
		if (ctl_domain_arg(argv[1], d, sizeof(d)) == -1)
			return CTL_EXIT_USAGE;
		snprintf(line, sizeof(line), "flush %s", d);
	}
	if ((rc = ctl_call(c, line, CTL_TIMEOUT_MS * 6, &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else {
		n = json_integer_value(json_object_get(r, "flushed"));
		fprintf(c->out.fp, "flushed %lld cache entr%s\n",
		    (long long)n, n == 1 ? "y" : "ies");
	}
	json_decref(r);
	return rc;
}

/* verb_holds - the messages the milter holds, and their domains. */
static int
verb_holds(struct ctl *c, int argc, char **argv)
{
	static const char *const hdr[4] = { "QUEUE_ID", "HELD_AT",
	    "RELEASED_AT", "DOMAINS" };
	struct ctl_table *t;
	const json_t *holds, *h, *doms, *e;
	const char *cells[4];
	char	qid[80], when[80], rel[80], buf[2048], dom[300], st[64];
	size_t	i, j, off;
	json_t *r;
	int	rc;

	(void)argv;
	if ((rc = ctl_need(argc, 1, "holds")) != CTL_EXIT_OK)
		return rc;
	if ((rc = ctl_call(c, "holds", CTL_TIMEOUT_MS, &r)) != CTL_EXIT_OK)
		return rc;
	holds = json_object_get(r, "holds");
	if (c->out.json) {
		rc = ctl_print_doc(c, holds != NULL ? holds : json_array());
	} else if (json_array_size(holds) == 0) {
		fprintf(c->out.fp, "no holds\n");
	} else if ((t = ctl_table_new(4, hdr)) != NULL) {
		for (i = 0; i < json_array_size(holds); i++) {
			h = json_array_get(holds, i);
			doms = json_object_get(h, "domains");
			buf[0] = '\0';
			for (j = 0, off = 0; j < json_array_size(doms) &&
			    off < sizeof(buf); j++) {
				e = json_array_get(doms, j);
				off += (size_t)snprintf(buf + off,
				    sizeof(buf) - off, "%s%s=%s", j ? " " : "",
				    ctl_text(json_object_get(e, "domain"), dom,
				    sizeof(dom)), ctl_text(json_object_get(e,
				    "state"), st, sizeof(st)));
			}
			cells[0] = ctl_text(json_object_get(h, "queue_id"), qid,
			    sizeof(qid));
			cells[1] = ctl_when(&c->out, json_object_get(h,
			    "held_at"), when, sizeof(when));
			cells[2] = ctl_when(&c->out, json_object_get(h,
			    "released_at"), rel, sizeof(rel));
			cells[3] = buf;
			ctl_table_add(t, cells, NULL);
		}
		ctl_table_print(&c->out, t, 0);
		ctl_table_free(t);
	}
	json_decref(r);
	return rc;
}

/* verb_release - release one held message, or all of them, now. */
static int
verb_release(struct ctl *c, int argc, char **argv)
{
	char	line[CTL_CLIENT_LINE_MAX], qid[80], why[300];
	const json_t *res, *e;
	json_t *r;
	json_int_t n;
	size_t	i, failed = 0;
	int	rc;

	if ((rc = ctl_need(argc, 2, "release QUEUE_ID|--all")) != CTL_EXIT_OK)
		return rc;
	if (strcmp(argv[1], "--all") != 0 && !ctl_queue_id_ok(argv[1]))
		return ctl_usage_error("not a queue id: %s", argv[1]);
	snprintf(line, sizeof(line), "release %s", argv[1]);
	if ((rc = ctl_call(c, line, CTL_TIMEOUT_MS * 6, &r)) != CTL_EXIT_OK)
		return rc;
	/* A release command that failed makes the answer negative. */
	res = json_object_get(r, "results");
	for (i = 0; i < json_array_size(res); i++)
		if (json_is_string(json_object_get(json_array_get(res, i),
		    "error")))
			failed++;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else if ((n = json_integer_value(json_object_get(r, "released"))) == 0)
		fprintf(c->out.fp, "no holds\n");
	else {
		for (i = 0; i < json_array_size(res); i++) {
			e = json_array_get(res, i);
			ctl_text(json_object_get(e, "queue_id"), qid,
			    sizeof(qid));
			if (json_is_string(json_object_get(e, "error")))
				fprintf(c->out.fp, "%s: %s%s%s\n", qid,
				    ctl_paint(&c->out, CTL_RED),
				    ctl_text(json_object_get(e, "error"), why,
				    sizeof(why)), ctl_unpaint(&c->out,
				    CTL_RED));
			else
				fprintf(c->out.fp, "%s: released\n", qid);
		}
		if (json_array_size(res) == 0)
			fprintf(c->out.fp, "released %lld message%s\n",
			    (long long)n, n == 1 ? "" : "s");
	}
	if (failed > 0) {
		ctl_err("%zu release%s failed", failed, failed == 1 ? "" :
		    "s");
		if (rc == CTL_EXIT_OK)
			rc = CTL_EXIT_NEGATIVE;
	}
	json_decref(r);
	return rc;
}

/*
 * ctl_read_file - all of path ("-": stdin), at most max + 1 bytes, so a
 * file over max is noticed. 0, or -1 with errno.
 */
static int
ctl_read_file(const char *path, size_t max, char **bufp, size_t *lenp)
{
	FILE   *fp;
	char   *buf;
	size_t	len = 0, n;
	int	saved;

	*bufp = NULL;
	*lenp = 0;
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if ((buf = malloc(max + 2)) == NULL)
		goto fail;
	while (len < max + 1 && (n = fread(buf + len, 1, max + 1 - len,
	    fp)) > 0)
		len += n;
	if (ferror(fp)) {
		errno = errno ? errno : EIO;
		goto fail;
	}
	if (fp != stdin)
		fclose(fp);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	saved = errno;
	free(buf);
	if (fp != stdin)
		fclose(fp);
	errno = saved;
	return -1;
}

/* ctl_policy_json - a parsed policy as the "policy" object of parse. */
static json_t *
ctl_policy_json(const struct sts_policy *p)
{
	json_t *o, *mx, *ext;
	size_t	i;

	if ((o = json_object()) == NULL)
		return NULL;
	mx = json_array();
	ext = json_array();
	for (i = 0; i < p->nmx; i++)
		json_array_append_new(mx, json_string(p->mx[i]));
	for (i = 0; i < p->next; i++)
		json_array_append_new(ext, json_string(p->ext[i]));
	json_object_set_new(o, "version", json_string("STSv1"));
	json_object_set_new(o, "mode", json_string(sts_mode_name(p->mode)));
	json_object_set_new(o, "mx", mx);
	json_object_set_new(o, "max_age", json_integer(p->max_age));
	json_object_set_new(o, "extensions", ext);
	return o;
}

/*
 * ctl_error_reason - the parser's message without its "line N: " prefix,
 * which FILE:LINE: already says.
 */
static const char *
ctl_error_reason(const char *err, size_t line)
{
	char	prefix[48];
	size_t	n;

	if (line == 0)
		return err;
	n = (size_t)snprintf(prefix, sizeof(prefix), "line %zu: ", line);
	if (strncmp(err, prefix, n) == 0)
		return err + n;
	return err;
}

/* verb_parse - validate a policy file offline, print it normalised. */
static int
verb_parse(struct ctl *c, int argc, char **argv)
{
	struct sts_policy pol;
	const char *name, *reason;
	char   *buf = NULL, err[512], clean[512];
	size_t	len, line = 0, i;
	json_t *doc = NULL;
	int	rc;

	if ((rc = ctl_need(argc, 2, "parse FILE")) != CTL_EXIT_OK)
		return rc;
	name = strcmp(argv[1], "-") == 0 ? "<stdin>" : argv[1];
	if (ctl_read_file(argv[1], STS_POLICY_BODY_MAX, &buf, &len) == -1)
		return ctl_fail(c, CTL_EXIT_USAGE, "cannot read %s: %s", name,
		    strerror(errno));
	memset(&pol, 0, sizeof(pol));
	err[0] = '\0';
	if (len > STS_POLICY_BODY_MAX) {
		snprintf(err, sizeof(err), "larger than %d bytes, the policy "
		    "body limit", STS_POLICY_BODY_MAX);
		rc = -1;
	} else
		rc = sts_policy_parse(buf, len, &pol, err, sizeof(err), &line);
	free(buf);
	if (rc != 0) {
		reason = ctl_error_reason(err, line);
		snprintf(clean, sizeof(clean), "%s", reason);
		for (i = 0; clean[i] != '\0'; i++)
			if ((unsigned char)clean[i] < 0x20 || clean[i] == 0x7f)
				clean[i] = '?';
		if (c->out.json) {
			doc = json_pack("{s:b, s:n, s:s, s:o}", "valid", 0,
			    "policy", "error", clean, "line", line > 0 ?
			    json_integer((json_int_t)line) : json_null());
			if (doc != NULL)
				(void)ctl_print_doc(c, doc);
			json_decref(doc);
		}
		if (line > 0)
			fprintf(stderr, "%s:%zu: %s\n", name, line, clean);
		else
			fprintf(stderr, "%s: %s\n", name, clean);
		return CTL_EXIT_NEGATIVE;
	}
	if (c->out.json) {
		doc = json_pack("{s:b, s:o, s:n, s:n}", "valid", 1, "policy",
		    ctl_policy_json(&pol), "error", "line");
		rc = doc != NULL ? ctl_print_doc(c, doc) :
		    ctl_fail(c, CTL_EXIT_USAGE, "out of memory");
		json_decref(doc);
	} else {
		/* The canonical lines, as DESIGN §4 orders them. */
		fprintf(c->out.fp, "version: STSv1\nmode: %s\n",
		    sts_mode_name(pol.mode));
		for (i = 0; i < pol.nmx; i++)
			fprintf(c->out.fp, "mx: %s\n", pol.mx[i]);
		fprintf(c->out.fp, "max_age: %lu\n",
		    (unsigned long)pol.max_age);
		for (i = 0; i < pol.next; i++)
			fprintf(c->out.fp, "%s\n", pol.ext[i]);
		rc = CTL_EXIT_OK;
	}
	sts_policy_free(&pol);
	return rc;
}

#define CTL_REPORT_USAGE	"report list | report show DOMAIN [--day " \
	"YYYY-MM-DD] | report send [--day YYYY-MM-DD] [DOMAIN] | report " \
	"view FILE"
#define CTL_SEND_TIMEOUT_MS	600000	/* report send: deliveries of <= 60 s */

/*
 * ctl_report_args - the arguments after "report show|send": --day DAY
 * (or --day=DAY) and at most one DOMAIN, in any order. 0, or a usage
 * error's exit code.
 */
static int
ctl_report_args(int argc, char **argv, const char *usage, const char **day,
    char *d, size_t dsz)
{
	const char *val;
	int	a;

	*day = NULL;
	d[0] = '\0';
	for (a = 2; a < argc; a++) {
		val = NULL;
		if (strcmp(argv[a], "--day") == 0) {
			if (a + 1 >= argc)
				return ctl_usage_error("--day needs a date "
				    "(YYYY-MM-DD)");
			val = argv[++a];
		} else if (strncmp(argv[a], "--day=", 6) == 0)
			val = argv[a] + 6;
		else if (argv[a][0] == '-' || d[0] != '\0')
			return ctl_usage_error("usage: %s", usage);
		else if (ctl_report_day_ok(argv[a]))
			/* the daemon would take it for the day */
			return ctl_usage_error("a day goes after --day: %s",
			    argv[a]);
		else if (ctl_domain_arg(argv[a], d, dsz) == -1)
			return CTL_EXIT_USAGE;
		if (val == NULL)
			continue;
		if (*day != NULL)
			return ctl_usage_error("usage: %s", usage);
		if (!ctl_report_day_ok(val))
			return ctl_usage_error("--day takes a date as "
			    "YYYY-MM-DD, not %s", val);
		*day = val;
	}
	return CTL_EXIT_OK;
}

/*
 * ctl_report_call - the daemon's "report VERB [DOMAIN] [DAY]" for the
 * arguments of report show (verb "preview", DOMAIN required) and report
 * send (the daemon takes DAY and DOMAIN in either order); the domain goes
 * into d. CTL_EXIT_OK with the reply in *r, or the exit status.
 */
static int
ctl_report_call(struct ctl *c, int argc, char **argv, const char *usage,
    const char *verb, int timeout_ms, char *d, size_t dsz, json_t **r)
{
	char	line[CTL_CLIENT_LINE_MAX];
	const char *day;
	int	rc;

	if ((rc = ctl_report_args(argc, argv, usage, &day, d, dsz)) !=
	    CTL_EXIT_OK)
		return rc;
	if (strcmp(verb, "preview") == 0 && d[0] == '\0')
		return ctl_usage_error("usage: %s", usage);
	if (ctl_load_config(c) == -1)
		return CTL_EXIT_USAGE;
	snprintf(line, sizeof(line), "report %s%s%s%s%s", verb,
	    d[0] != '\0' ? " " : "", d, day != NULL ? " " : "",
	    day != NULL ? day : "");
	return ctl_call(c, line, timeout_ms, r);
}

/* ctl_report_list - "report list": stored results and deliveries. */
static int
ctl_report_list(struct ctl *c, int argc)
{
	json_t *r;
	int	rc;

	if (argc != 2)
		return ctl_usage_error("usage: report list");
	if (ctl_load_config(c) == -1)
		return CTL_EXIT_USAGE;
	if ((rc = ctl_call(c, "report list", CTL_TIMEOUT_MS * 6, &r)) !=
	    CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else
		ctl_report_list_print(r, &c->out);
	json_decref(r);
	return rc;
}

/*
 * ctl_report_none - why "report preview" built nothing: are results
 * stored (then the domain has no usable TLS-RPT record) or not?
 */
static void
ctl_report_none(struct ctl *c, const char *d, const json_t *r)
{
	char	line[CTL_CLIENT_LINE_MAX], err[256];
	const char *day = json_string_value(json_object_get(r, "day"));
	json_t *raw;
	int	stored;

	if (day == NULL || !ctl_report_day_ok(day)) {
		ctl_err("no report for %s", d);
		return;
	}
	snprintf(line, sizeof(line), "report show %s %s", d, day);
	raw = ctl_client_request(c->cc, line, CTL_TIMEOUT_MS * 6, err,
	    sizeof(err));
	stored = raw != NULL && json_is_true(json_object_get(raw, "ok")) &&
	    json_array_size(json_object_get(raw, "reports")) > 0;
	json_decref(raw);
	if (stored)
		ctl_err("no report for %s on %s: results are stored, but "
		    "_smtp._tls.%s has no usable TLS-RPT record (or it could "
		    "not be looked up)", d, day, d);
	else
		ctl_err("no report for %s on %s: no results stored", d, day);
}

/* ctl_report_show - "report show DOMAIN [--day D]": reports as they will go. */
static int
ctl_report_show(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "report show DOMAIN [--day YYYY-MM-DD]";
	char	d[DNS_NAME_MAX + 1];
	json_t *r;
	int	rc;

	if ((rc = ctl_report_call(c, argc, argv, usage, "preview",
	    CTL_TIMEOUT_MS * 6, d, sizeof(d), &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else if (json_array_size(json_object_get(r, "reports")) > 0)
		ctl_report_preview_print(r, &c->out);
	if (rc == CTL_EXIT_OK &&
	    json_array_size(json_object_get(r, "reports")) == 0) {
		ctl_report_none(c, d, r);
		rc = CTL_EXIT_NEGATIVE;
	}
	json_decref(r);
	return rc;
}

/* ctl_report_send - "report send [--day D] [DOMAIN]": deliver now. */
static int
ctl_report_send(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "report send [--day YYYY-MM-DD] [DOMAIN]";
	char	d[DNS_NAME_MAX + 1];
	json_t *r;
	int	rc;

	if ((rc = ctl_report_call(c, argc, argv, usage, "send",
	    CTL_SEND_TIMEOUT_MS, d, sizeof(d), &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else
		ctl_report_send_print(r, &c->out);
	if (rc == CTL_EXIT_OK)
		rc = ctl_report_send_status(r);
	json_decref(r);
	return rc;
}

/*
 * verb_report - TLS-RPT: list, show and send talk to the daemon; view
 * summarises a received report offline (ctl_report.c).
 */
static int
verb_report(struct ctl *c, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";

	if (strcmp(sub, "view") == 0) {
		if (argc != 3)
			return ctl_usage_error("usage: report view FILE");
		return ctl_report_view(argv[2], &c->out);
	}
	if (strcmp(sub, "list") == 0)
		return ctl_report_list(c, argc);
	if (strcmp(sub, "show") == 0)
		return ctl_report_show(c, argc, argv);
	if (strcmp(sub, "send") == 0)
		return ctl_report_send(c, argc, argv);
	return ctl_usage_error("usage: %s", CTL_REPORT_USAGE);
}

/* verb_check - audit a domain's publication (ctl_check.c). */
static int
verb_check(struct ctl *c, int argc, char **argv)
{
	char	d[DNS_NAME_MAX + 1];
	int	rc;

	if ((rc = ctl_need(argc, 2, "check DOMAIN")) != CTL_EXIT_OK)
		return rc;
	if (ctl_domain_arg(argv[1], d, sizeof(d)) == -1)
		return CTL_EXIT_USAGE;
	if (ctl_load_config(c) == -1)
		return CTL_EXIT_USAGE;
	return ctl_check(c->cfg, d, &c->out);
}

static const struct ctl_verb ctl_verbs[] = {
	{ "status", verb_status, 1, "status" },
	{ "lookup", verb_lookup, 1, "lookup DOMAIN" },
	{ "show", verb_show, 1, "show DOMAIN" },
	{ "list", verb_list, 1, "list [--mode MODE] [--expired]" },
	{ "refresh", verb_refresh, 1, "refresh DOMAIN|--all" },
	{ "flush", verb_flush, 1, "flush DOMAIN|--all" },
	{ "holds", verb_holds, 1, "holds" },
	{ "release", verb_release, 1, "release QUEUE_ID|--all" },
	{ "parse", verb_parse, 0, "parse FILE|-" },
	{ "check", verb_check, 0, "check DOMAIN" },
	{ "report", verb_report, 0, "report list\n"
	    "  report show DOMAIN [--day YYYY-MM-DD]\n"
	    "  report send [--day YYYY-MM-DD] [DOMAIN]\n"
	    "  report view FILE" },
};

/* ctl_help - -h: the synopsis and every verb. */
static void
ctl_help(void)
{
	size_t	i;

	ctl_usage_line(stdout);
	printf("\noptions:\n"
	    "  -c FILE    configuration file (default %s)\n"
	    "  -s SOCKET  control socket (default: control_socket)\n"
	    "  --json     print one JSON document\n"
	    "  -h         this help\n"
	    "  -V         version\n\nverbs:\n", CONFIG_DEFAULT_PATH);
	for (i = 0; i < sizeof(ctl_verbs) / sizeof(ctl_verbs[0]); i++)
		printf("  %s\n", ctl_verbs[i].usage);
	printf("\nexit: 0 done, 1 negative answer, 2 usage error or "
	    "daemon unreachable\n");
}

/* main - global options, then one verb; the exit code of DESIGN §5. */
int
main(int argc, char **argv)
{
	const struct ctl_verb *verb = NULL;
	struct ctl c;
	char  **vargv = NULL;
	int	i, json = 0, vargc = 0, rc;
	size_t	k;

	memset(&c, 0, sizeof(c));
	log_set_level(LOG_LEVEL_WARNING);
	/* Global options come before the verb. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "-s") == 0) {
			if (i + 1 >= argc)
				return ctl_usage_error("%s needs an argument",
				    argv[i]);
			if (argv[i][1] == 'c')
				c.conf_path = argv[++i];
			else
				c.socket = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0 ||
		    strcmp(argv[i], "-j") == 0)
			json = 1;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			ctl_help();
			return CTL_EXIT_OK;
		} else if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			printf("mtasts-ctl %s (control protocol %d)\n",
			    PACKAGE_VERSION, CTL_PROTOCOL);
			return CTL_EXIT_OK;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return ctl_usage_error("unknown option %s", argv[i]);
		else
			break;
	}
	if (i >= argc)
		return ctl_usage_error("no verb given");
	for (k = 0; k < sizeof(ctl_verbs) / sizeof(ctl_verbs[0]); k++)
		if (strcmp(argv[i], ctl_verbs[k].name) == 0)
			verb = &ctl_verbs[k];
	if (verb == NULL)
		return ctl_usage_error("unknown verb %s", argv[i]);

	/* --json is also taken after the verb: a common slip. */
	if ((vargv = calloc((size_t)(argc - i) + 1, sizeof(*vargv))) == NULL) {
		ctl_err("out of memory");
		return CTL_EXIT_USAGE;
	}
	for (; i < argc; i++) {
		if (vargc > 0 && strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			vargv[vargc++] = argv[i];
	}
	ctl_out_init(&c.out, json);

	if (verb->daemon && ctl_load_config(&c) == -1) {
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	rc = verb->run(&c, vargc, vargv);
out:
	ctl_client_free(c.cc);
	config_free(c.cfg);
	free(vargv);
	if (fflush(stdout) == EOF && rc == CTL_EXIT_OK)
		rc = CTL_EXIT_USAGE;
	return rc;
}
