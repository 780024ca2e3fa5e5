/*
 * control.c - the control socket: one request line in, one JSON line out.
 *
 * SYNOPSIS
 *	control_conn(fd)
 *	enum ctlauth_class control_verb_class(verb)
 *
 * DESCRIPTION
 *	Verbs: version, status, lookup DOMAIN, show DOMAIN, list, flush
 *	DOMAIN|--all, refresh DOMAIN|--all, and for the milter sts DOMAIN
 *	WAIT_MS, hold QUEUE_ID DOMAIN..., holds, release QUEUE_ID|--all,
 *	and the TLS-RPT store: report list, report show DOMAIN [DAY],
 *	report preview DOMAIN [DAY] (with the report as it will be sent),
 *	report send [DAY] [DOMAIN] (deliver now, on this connection's
 *	thread: it may take minutes).
 *	The verbs are a table (name, the class of peer that may use it -
 *	ctlauth.c classifies peers -, how many words, usage, handler); the
 *	report verbs are control_report.c's, the reply shapes reply.c's.
 *	Each reply is one compact JSON object with "ok"; errors carry
 *	"error". The connection stays open for further requests. See
 *	mtasts-policyd(8) for the field names.
 *
 * DIAGNOSTICS
 *	Unknown verbs and bad arguments get an error reply, never silence.
 *	A line over CONTROL_LINE_MAX bytes gets an error and the connection
 *	is closed.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cache.h"
#include "control.h"
#include "control_report.h"
#include "ctlauth.h"
#include "discover.h"
#include "hold.h"
#include "listen.h"
#include "log.h"
#include "lookup.h"
#include "mx_match.h"
#include "mxset.h"
#include "netstring.h"
#include "policyd.h"
#include "privsep.h"
#include "reply.h"
#include "route.h"
#include "worker.h"

/* Every word of a full line: "hold ID D1 D2 ..." may have many. */
#define MAX_ARGS	(CONTROL_LINE_MAX / 2 + 2)

/* show_object - the SHOW-OBJECT of a cache entry. */
static json_t *
show_object(const char *domain, const struct record *rec, time_t now)
{
	json_t *o = json_object(), *mx = json_array();
	size_t	i;

	json_object_set_new(o, "domain", json_string(domain));
	if (rec->state == RECORD_POLICY) {
		json_object_set_new(o, "state", json_string("policy"));
		json_object_set_new(o, "mode",
		    json_string(sts_mode_name(rec->policy.mode)));
		for (i = 0; i < rec->policy.nmx; i++)
			json_array_append_new(mx, json_string(rec->policy.mx[i]));
		json_object_set_new(o, "mx", mx);
		json_object_set_new(o, "max_age",
		    json_integer(rec->policy.max_age));
		json_object_set_new(o, "id", json_string(rec->id));
		json_object_set_new(o, "fetched_at", control_time(rec->fetched_at));
		json_object_set_new(o, "expires_at",
		    control_time(record_expires_at(rec)));
		json_object_set_new(o, "expired",
		    json_boolean(!lookup_valid(rec, now)));
		json_object_set_new(o, "negative_until", json_null());
	} else {
		json_decref(mx);
		json_object_set_new(o, "state", json_string("negative"));
		json_object_set_new(o, "mode", json_null());
		json_object_set_new(o, "mx", json_array());
		json_object_set_new(o, "max_age", json_null());
		json_object_set_new(o, "id", json_null());
		json_object_set_new(o, "fetched_at", json_null());
		json_object_set_new(o, "expires_at", json_null());
		json_object_set_new(o, "expired",
		    json_boolean(now >= rec->neg_until));
		json_object_set_new(o, "negative_until",
		    control_time(rec->neg_until));
	}
	json_object_set_new(o, "txt_checked_at", control_time(rec->txt_checked_at));
	json_object_set_new(o, "last_used", control_time(rec->last_used));
	json_object_set_new(o, "last_error", control_str(rec->last_error));
	json_object_set_new(o, "route", route_show(domain));
	mxset_show(o, domain, rec, now);
	return o;
}

/* domain_arg - normalise a domain argument; 0 or -1. */
static int
domain_arg(const char *arg, char *out, size_t outsz)
{
	return host_normalize(arg, strlen(arg), out, outsz);
}

struct counts {
	unsigned long enforce, testing, none, negative, expired;
};

/* count_one - cache_walk callback for status. */
static int
count_one(const char *domain, const struct record *rec, void *arg)
{
	struct counts *c = arg;
	time_t	now = time(NULL);

	(void)domain;
	if (rec->state == RECORD_NEGATIVE)
		c->negative++;
	else if (!lookup_valid(rec, now))
		c->expired++;
	else if (rec->policy.mode == STS_MODE_ENFORCE)
		c->enforce++;
	else if (rec->policy.mode == STS_MODE_TESTING)
		c->testing++;
	else
		c->none++;
	return 0;
}

/* do_status - the status verb. */
static json_t *
do_status(int argc, char **argv)
{
	json_t *o = reply_ok(), *c = json_object(), *s = json_object();
	struct counts n;
	long	nholds;

	(void)argc;
	(void)argv;
	memset(&n, 0, sizeof(n));
	cache_walk(count_one, &n);
	json_object_set_new(o, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(o, "protocol", json_integer(CONTROL_PROTOCOL));
	json_object_set_new(o, "uptime",
	    json_integer(time(NULL) - policyd_started));
	json_object_set_new(c, "enforce", json_integer((json_int_t)n.enforce));
	json_object_set_new(c, "testing", json_integer((json_int_t)n.testing));
	json_object_set_new(c, "none", json_integer((json_int_t)n.none));
	json_object_set_new(c, "negative", json_integer((json_int_t)n.negative));
	json_object_set_new(c, "expired", json_integer((json_int_t)n.expired));
	json_object_set_new(o, "counts", c);
#define STAT(name) json_object_set_new(s, #name, \
	json_integer((json_int_t)atomic_load(&policyd_stats.name)))
	STAT(lookups);
	STAT(hits);
	STAT(misses);
	STAT(discoveries);
	STAT(fetches);
	STAT(fetch_failures);
#undef STAT
	json_object_set_new(s, "pending_jobs",
	    json_integer((json_int_t)worker_pending()));
	json_object_set_new(s, "probes", json_integer((json_int_t)
	    route_probes()));
	json_object_set_new(s, "probe_failures", json_integer((json_int_t)
	    route_probe_failures()));
	json_object_set_new(o, "stats", s);
	nholds = hold_count();
	json_object_set_new(o, "holds", json_integer(nholds > 0 ? nholds : 0));
	return o;
}

/* do_lookup - what the socketmap answers now. */
static json_t *
do_lookup(int argc, char **argv)
{
	struct lookup lk;
	const char *arg = argv[1];
	char	ans[NETSTRING_REPLY_MAX];
	json_t *o;

	(void)argc;
	lookup_run(arg, strlen(arg), &lk);
	lookup_answer(&lk, MAP_STS, ans, sizeof(ans));
	o = reply_ok();
	json_object_set_new(o, "domain",
	    json_string(lk.valid_key ? lk.domain : arg));
	json_object_set_new(o, "answer", json_string(ans));
	json_object_set_new(o, "policy", lk.have && lk.rec.state ==
	    RECORD_POLICY ? show_object(lk.domain, &lk.rec, time(NULL)) :
	    json_null());
	lookup_free(&lk);
	return o;
}

/* do_show - one cache entry. */
static json_t *
do_show(int argc, char **argv)
{
	struct record rec;
	const char *arg = argv[1];
	char	d[256];
	json_t *o, *s;
	int	r;

	(void)argc;
	if (domain_arg(arg, d, sizeof(d)) != 0)
		return reply_error("not a domain name: %s", arg);
	if ((r = cache_get(d, &rec)) < 0)
		return reply_error("cache read failed%s", NULL);
	if (r == 0)
		return reply_error("not cached: %s", d);
	o = reply_ok();
	s = show_object(d, &rec, time(NULL));
	json_object_update(o, s);
	json_decref(s);
	record_free(&rec);
	return o;
}

/* list_one - cache_walk callback for list. */
static int
list_one(const char *domain, const struct record *rec, void *arg)
{
	json_array_append_new(arg, show_object(domain, rec, time(NULL)));
	return 0;
}

/* do_list - every cache entry. */
static json_t *
do_list(int argc, char **argv)
{
	json_t *o = reply_ok(), *a = json_array();

	(void)argc;
	(void)argv;
	if (cache_walk(list_one, a) < 0) {
		json_decref(a);
		json_decref(o);
		return reply_error("cache read failed%s", NULL);
	}
	json_object_set_new(o, "domains", a);
	return o;
}

/* do_flush - forget one or all entries. */
static json_t *
do_flush(int argc, char **argv)
{
	const char *arg = argv[1];
	char	d[256];
	long	n;
	json_t *o;

	(void)argc;
	if (strcmp(arg, "--all") == 0) {
		n = cache_del_all();
		route_forget_all();
	} else {
		if (domain_arg(arg, d, sizeof(d)) != 0)
			return reply_error("not a domain name: %s", arg);
		n = cache_del(d);
		if (n == 0)
			return reply_error("not cached: %s", d);
		route_forget(d);
	}
	if (n < 0)
		return reply_error("cache write failed%s", NULL);
	if (strcmp(arg, "--all") == 0)
		log_info("cache flushed by control request (%ld entries)", n);
	else
		log_info("domain=%s flushed by control request", d);
	o = reply_ok();
	json_object_set_new(o, "flushed", json_integer(n));
	return o;
}

/* queue_one - cache_walk callback for refresh --all. */
static int
queue_one(const char *domain, const struct record *rec, void *arg)
{
	if (rec->state == RECORD_POLICY && worker_queue(domain, 1) == 0)
		(*(long *)arg)++;
	return 0;
}

/* do_refresh - fetch again now. */
static json_t *
do_refresh(int argc, char **argv)
{
	struct discover_result res;
	struct record rec;
	struct config *cfg;
	const char *arg = argv[1];
	char	d[256];
	long	wait, n = 0;
	json_t *o;
	int	r;

	(void)argc;
	if (strcmp(arg, "--all") == 0) {
		cache_walk(queue_one, &n);
		o = reply_ok();
		json_object_set_new(o, "queued", json_integer(n));
		return o;
	}
	if (domain_arg(arg, d, sizeof(d)) != 0)
		return reply_error("not a domain name: %s", arg);
	cfg = policyd_config_get();
	wait = (long)(cfg->fetch_timeout + cfg->lookup_wait) * 1000;
	policyd_config_put(cfg);
	r = worker_wait(d, 1, wait, &res);
	if (r < 0)
		return reply_error("cannot queue a refresh of %s", d);
	o = reply_ok();
	json_object_set_new(o, "domain", json_string(d));
	if (r == 0) {
		json_object_set_new(o, "result", json_string("pending"));
		json_object_set_new(o, "error", json_string("still running"));
	} else {
		json_object_set_new(o, "result",
		    json_string(discover_result_name(res.kind)));
		json_object_set_new(o, "error", control_str(res.why));
	}
	if (cache_get(d, &rec) == 1) {
		json_object_set_new(o, "policy", rec.state == RECORD_POLICY ?
		    show_object(d, &rec, time(NULL)) : json_null());
		record_free(&rec);
	} else
		json_object_set_new(o, "policy", json_null());
	return o;
}

/*
 * do_sts - the milter's question: the state of one domain. Without probe
 * ("noprobe": mail with TLS-Required: No, such as TLS-RPT reports) no MX
 * probe is started: such mail is never held, and its probes would only
 * feed the recipient's next report.
 */
static json_t *
do_sts(int argc, char **argv)
{
	const char *arg = argv[1], *wait = argv[2];
	char	d[256], *end;
	long	ms;
	json_t *o;
	enum route_sts st;
	int	probe = argc == 3;

	if (argc == 4 && strcmp(argv[3], "noprobe") != 0)
		return reply_error("usage: %s", "sts DOMAIN WAIT_MS [noprobe]");
	errno = 0;
	ms = strtol(wait, &end, 10);
	if (*wait < '0' || *wait > '9' || *end != '\0' || errno != 0)
		return reply_error("bad WAIT_MS: %s", wait);
	o = reply_ok();
	if (domain_arg(arg, d, sizeof(d)) != 0) {
		/* An IP literal or other non-name: no policy can apply. */
		json_object_set_new(o, "domain", json_string(arg));
		json_object_set_new(o, "state",
		    json_string(route_sts_name(ROUTE_STS_NONE)));
		return o;
	}
	st = route_domain_state(d, ms, ROUTE_QUEUE | ROUTE_USE |
	    (probe ? 0 : ROUTE_NOPROBE));
	json_object_set_new(o, "domain", json_string(d));
	json_object_set_new(o, "state", json_string(route_sts_name(st)));
	return o;
}

/* do_hold - register a held message. */
static json_t *
do_hold(int argc, char **argv)
{
	const char *id = argv[1];
	char	err[300];
	int64_t	held_at;
	json_t *o;

	if (hold_register(id, argv + 2, (size_t)argc - 2, &held_at, err,
	    sizeof(err)) != 0)
		return reply_error("%s", err);
	o = reply_ok();
	json_object_set_new(o, "queue_id", json_string(id));
	json_object_set_new(o, "held_at", control_time(held_at));
	return o;
}

/* do_holds - the held messages. */
static json_t *
do_holds(int argc, char **argv)
{
	json_t *o = reply_ok();

	(void)argc;
	(void)argv;
	json_object_set_new(o, "holds", hold_list());
	return o;
}

/* do_release - release one or every held message now. */
static json_t *
do_release(int argc, char **argv)
{
	const char *arg = argv[1];
	json_t *o, *a = json_array(), *r = NULL;
	long	n;
	int	rc;

	(void)argc;
	if (strcmp(arg, "--all") == 0) {
		n = hold_release_all(a);
	} else {
		if (!privsep_queue_id_valid(arg)) {
			json_decref(a);
			return reply_error("not a queue id: %s", arg);
		}
		if ((rc = hold_release(arg, &r)) == 0) {
			json_decref(a);
			return reply_error("not held: %s", arg);
		}
		if (rc < 0) {
			json_decref(a);
			return reply_error("cache write failed%s", NULL);
		}
		json_array_append_new(a, r);
		n = 1;
	}
	o = reply_ok();
	json_object_set_new(o, "released", json_integer(n));
	json_object_set_new(o, "results", a);
	return o;
}

/* do_version - the protocol and program versions (any arguments). */
static json_t *
do_version(int argc, char **argv)
{
	json_t *o = reply_ok();

	(void)argc;
	(void)argv;
	json_object_set_new(o, "protocol", json_integer(CONTROL_PROTOCOL));
	json_object_set_new(o, "version", json_string(PACKAGE_VERSION));
	return o;
}

/* One verb: who may use it, how many words it takes, what runs it. */
struct control_verb {
	const char *name;
	enum ctlauth_class need;	/* least class of peer (ctlauth.c) */
	int	min, max;		/* words, the verb included */
	const char *usage;
	json_t *(*run)(int argc, char **argv);
};

/*
 * The verbs of mtasts-policyd(8), CONTROL PROTOCOL; the milter's (sts,
 * hold) are for root and the daemon's user only (AUTHORIZATION).
 */
static const struct control_verb control_verbs[] = {
	{ "version", CTLAUTH_ADMIN, 1, MAX_ARGS, "version", do_version },
	{ "status", CTLAUTH_ADMIN, 1, 1, "status", do_status },
	{ "list", CTLAUTH_ADMIN, 1, 1, "list", do_list },
	{ "lookup", CTLAUTH_ADMIN, 2, 2, "lookup DOMAIN", do_lookup },
	{ "show", CTLAUTH_ADMIN, 2, 2, "show DOMAIN", do_show },
	{ "flush", CTLAUTH_ADMIN, 2, 2, "flush DOMAIN|--all", do_flush },
	{ "refresh", CTLAUTH_ADMIN, 2, 2, "refresh DOMAIN|--all",
	    do_refresh },
	{ "sts", CTLAUTH_DAEMON, 3, 4, "sts DOMAIN WAIT_MS [noprobe]",
	    do_sts },
	{ "hold", CTLAUTH_DAEMON, 3, MAX_ARGS,
	    "hold QUEUE_ID DOMAIN [DOMAIN ...]", do_hold },
	{ "holds", CTLAUTH_ADMIN, 1, 1, "holds", do_holds },
	{ "release", CTLAUTH_ADMIN, 2, 2, "release QUEUE_ID|--all",
	    do_release },
	{ "report", CTLAUTH_ADMIN, 1, MAX_ARGS, CONTROL_REPORT_USAGE,
	    control_report },
};
#define CONTROL_NVERBS	(sizeof(control_verbs) / sizeof(control_verbs[0]))

/* control_verb - the table entry of verb, or NULL. */
static const struct control_verb *
control_verb(const char *verb)
{
	size_t	i;

	for (i = 0; i < CONTROL_NVERBS; i++)
		if (strcmp(control_verbs[i].name, verb) == 0)
			return &control_verbs[i];
	return NULL;
}

/* control_verb_class - the class a verb needs; unknown: CTLAUTH_ADMIN. */
enum ctlauth_class
control_verb_class(const char *verb)
{
	const struct control_verb *v = control_verb(verb);

	return v != NULL ? v->need : CTLAUTH_ADMIN;
}

/* control_request - dispatch one request line of a peer of class cls. */
static json_t *
control_request(char *line, enum ctlauth_class cls)
{
	const struct control_verb *v;
	char   *argv[MAX_ARGS], *p, *save = NULL;
	int	argc = 0;

	for (p = strtok_r(line, " \t", &save); p != NULL && argc < MAX_ARGS;
	    p = strtok_r(NULL, " \t", &save))
		argv[argc++] = p;
	if (argc == 0)
		return reply_error("empty request%s", NULL);
	if (cls < control_verb_class(argv[0]))
		return reply_error("permission denied: \"%s\" is for the "
		    "milter (root or the daemon's user) only", argv[0]);
	if ((v = control_verb(argv[0])) == NULL)
		return reply_error("unknown command \"%s\"", argv[0]);
	if (argc < v->min || argc > v->max)
		return reply_error("usage: %s", v->usage);
	return v->run(argc, argv);
}

/* send_json - write one reply line within timeout seconds. */
static int
send_json(int fd, json_t *o, int timeout)
{
	char   *s = json_dumps(o, JSON_COMPACT);
	size_t	n;
	int	ret = -1;

	json_decref(o);
	if (s == NULL)
		return -1;
	n = strlen(s);
	/* json_dumps's terminator becomes the newline: one write. */
	s[n] = '\n';
	if (listen_write(fd, s, n + 1, timeout) == 0)
		ret = 0;
	else if (errno == ETIMEDOUT)
		listen_drop("control", "reply not read within send_timeout");
	free(s);
	return ret;
}

/*
 * control_peer - the class of the connection's peer (ctlauth.c). A
 * refused peer is logged with its uid and gid; its first request gets
 * an error reply, so mtasts-ctl and the milter can say why, and nothing
 * is served.
 */
static enum ctlauth_class
control_peer(int fd)
{
	struct ctlauth_peer peer;
	struct config *cfg;
	enum ctlauth_class cls;

	if (ctlauth_peer_get(fd, &peer) != 0) {
		log_warn("control: cannot get the peer's credentials; "
		    "connection refused");
		return CTLAUTH_NONE;
	}
	cfg = policyd_config_get();
	cls = ctlauth_classify(cfg, &peer);
	policyd_config_put(cfg);
	if (cls == CTLAUTH_NONE)
		log_warnx("control: connection from uid %lu gid %lu refused "
		    "(not root, the daemon's user, control_users or "
		    "control_groups)", (unsigned long)peer.uid,
		    (unsigned long)peer.gid);
	return cls;
}

/* control_conn - serve one connection. */
void
control_conn(int fd)
{
	struct config *cfg;
	/* A request of CONTROL_LINE_MAX bytes plus its newline fits. */
	char	buf[CONTROL_LINE_MAX + 1], *nl;
	size_t	len = 0;
	ssize_t	r;
	long long reqms, started = 0, deadline;
	int	sendto;
	enum ctlauth_class cls = control_peer(fd);

	cfg = policyd_config_get();
	reqms = (long long)cfg->request_timeout * 1000;
	sendto = (int)cfg->send_timeout;
	policyd_config_put(cfg);
	for (;;) {
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			size_t	linelen = (size_t)(nl - buf);

			*nl = '\0';
			if (linelen > 0 && buf[linelen - 1] == '\r')
				buf[linelen - 1] = '\0';
			if (cls == CTLAUTH_NONE) {
				send_json(fd, reply_error("permission denied: "
				    "this user may not use the control socket "
				    "(control_users, control_groups)%s", ""),
				    sendto);
				return;
			}
			if (send_json(fd, control_request(buf, cls),
			    sendto) != 0)
				return;
			memmove(buf, nl + 1, len - linelen - 1);
			len -= linelen + 1;
			/* What is left began in the last read. */
			started = listen_clock_ms();
		}
		if (len > CONTROL_LINE_MAX) {
			send_json(fd, reply_error("request line longer than "
			    "%s bytes", "1024"), sendto);
			return;
		}
		/* Idle between requests; one request must come in whole. */
		deadline = len > 0 ? started + reqms :
		    listen_clock_ms() + CONTROL_IDLE * 1000LL;
		if ((r = listen_read(fd, buf + len, sizeof(buf) - len,
		    deadline)) < 0) {
			if (errno == ETIMEDOUT && len > 0)
				listen_drop("control", "request not complete "
				    "within request_timeout");
			return;
		}
		if (r == 0)
			return;
		if (len == 0)
			started = listen_clock_ms();
		len += (size_t)r;
	}
}
