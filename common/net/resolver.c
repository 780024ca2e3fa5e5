/*
 * NAME
 *	resolver - all DNS of policyd through one libunbound context
 * SYNOPSIS
 *	#include "resolver.h"
 *
 *	int resolver_init(cfg, err, errsz)
 *	void resolver_shutdown(void)
 *	void resolver_set_timeout(ms)
 *	void resolver_txt(name, &txt)
 *	void resolver_addrs(host, &addrs)
 *	void resolver_mx(domain, &mx)
 *	void resolver_tlsa(host, &tlsa)
 *	void dns_txt_free(&txt), dns_addrs_free(&addrs), dns_mx_free(&mx),
 *	    dns_tlsa_free(&tlsa)
 *	int dns_tlsa_rr_usable(&rr), dns_tlsa_dane(&tlsa)
 *	const char *dns_status_name(status), *dns_sec_name(sec)
 * DESCRIPTION
 *	One struct ub_ctx serves every thread. With dns_forwarder set, each
 *	entry ("IP" or "IP@PORT", unbound's own syntax) becomes a forwarder
 *	for the root zone, so unbound never recurses itself; without it the
 *	nameservers of /etc/resolv.conf are the forwarders. /etc/hosts is not
 *	read: MTA-STS names are DNS names.
 *
 *	unbound answers some special-use names itself: its default local
 *	zones make "test", "invalid" and "onion" NXDOMAIN and "localhost"
 *	127.0.0.1. Test worlds live under "test" and "example", so the RFC
 *	6761 names get an explicit "transparent" local zone with no data,
 *	which replaces the default zone and lets every query through to the
 *	forwarder ("local-zone: NAME nodefault" would be the obvious way,
 *	but ub_ctx_set_option() files the whole "NAME nodefault" string as
 *	the zone name, at least up to unbound 1.17, so it never matches).
 *	The same names are marked domain-insecure: they resolve even with
 *	DNSSEC validation on. A trust anchor for a zone below them (the
 *	test world's signed zone) overrides that for the zone: unbound
 *	validates it from the anchor down. "do-not-query-localhost: no" allows a
 *	forwarder on 127.0.0.1 (unbound drops loopback upstreams by default).
 *
 *	DNSSEC: "yes" loads dnssec_trust_anchor, or the first readable of
 *	the usual root.key paths, and fails without one; "auto" validates
 *	when such a file exists; "no" runs the iterator alone. The context is
 *	finalised inside resolver_init(), so a bad trust anchor fails there,
 *	before privileges are dropped, and no thread is started until the
 *	first query (resolver_init() may precede a daemon fork).
 *
 *	Timeouts: unbound's own retries and back-off over unresponsive
 *	servers can take long, so a query is never waited for with
 *	ub_resolve(). Every lookup is started
 *	with ub_resolve_async() and waited for with a deadline (default
 *	RESOLVER_TIMEOUT_MS, resolver_set_timeout() changes it); when the
 *	deadline passes the query is cancelled and the caller gets
 *	DNS_SERVFAIL with why "timeout" (unbound may give up on a silent
 *	server sooner by itself, about 3 s for a lone forwarder: that is
 *	DNS_SERVFAIL too, with why "SERVFAIL after N s"; it then answers
 *	SERVFAIL for that name from its cache for a few seconds, while
 *	other names keep resolving). resolver_addrs() runs the A and AAAA
 *	queries at once under one deadline. The waiting threads share the
 *	context's answer pipe: whichever thread finds nobody polling it
 *	becomes the poller, runs ub_process() (whose callbacks may complete
 *	other threads' queries) and wakes the others; everyone else sleeps on
 *	a condition variable until its own query is done, its deadline
 *	passes, or the poller steps down. ub_process() and ub_cancel() run
 *	under one mutex, so a cancelled query's callback never runs and a
 *	completed one is never cancelled.
 *
 *	TXT answers: each RR's character-strings are joined with no
 *	separator (txt_rdata_join()); the bytes are kept as they are, NUL
 *	bytes included, and len[] holds each length. A malformed RR that
 *	txt_rdata_join() refuses is left out. resolver_addrs()
 *	returns numeric strings, IPv4 first.
 *
 *	DNSSEC status: every result says in sec what validation made of the
 *	answer (rs_sec: libunbound's bogus and secure flags), negative
 *	answers included, so a secure NXDOMAIN for a TLSA name proves there
 *	is none while a bogus one is a failure (why holds libunbound's
 *	why_bogus). resolver_addrs() is secure only when both the A and
 *	the AAAA answers are.
 *
 *
 *	The rest lives beside this file, behind resolver_int.h:
 *	resolver_zone.c (the per-zone throttle), resolver_rr.c (A/AAAA and
 *	MX answers, the non-public address check) and resolver_tlsa.c
 *	(TLSA answers and their SMTP usability).
 * DIAGNOSTICS
 *	resolver_init() returns -1 with a reason (bad forwarder, unreadable
 *	resolv.conf or trust anchor, libunbound failure). Lookups always fill
 *	their result; status says what happened and why says it in a few
 *	words for logs ("timeout", "SERVFAIL", "SERVFAIL after 3.1 s" when
 *	unbound itself gave up on a silent server before our deadline,
 *	"NXDOMAIN", "DNSSEC bogus: ..."; unbound reports an upstream
 *	REFUSED as SERVFAIL). A TXT RR left out is logged at debug level.
 *
 *	resolver_init() and resolver_shutdown() must not run while lookups
 *	do.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unbound.h>

#include "config.h"
#include "log.h"
#include "mono.h"
#include "resolver.h"
#include "resolver_int.h"
#include "sts_record.h"

#define RS_WAIT_MAX_MS	60000	/* one poll() or wait, at most */

static struct ub_ctx *rs_ctx;
static pthread_mutex_t rs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rs_cond;
static int rs_cond_ready;
static int rs_polling;		/* a thread is in poll() on ub_fd() */
static atomic_uint rs_timeout_ms = RESOLVER_TIMEOUT_MS;
static char rs_ta_used[1024];	/* the trust anchor file in use, or "" */
static atomic_int rs_allow_private;	/* allow_private_addresses */

/* Special-use names (RFC 6761) that must reach the forwarder. */
static const char *const rs_special[] = {
	"test.", "example.", "invalid.", "localhost."
};

/* Usual root trust anchor files, first readable wins. */
static const char *const rs_anchors[] = {
	"/usr/share/dns/root.key",
	"/var/lib/unbound/root.key",
	"/usr/local/etc/unbound/root.key"
};


/* rs_set - ub_ctx_set_option with an error message; 0 or -1. */
static int
rs_set(struct ub_ctx *ctx, const char *opt, const char *val, char *err,
    size_t errsz)
{
	int	r;

	if ((r = ub_ctx_set_option(ctx, opt, val)) != 0) {
		snprintf(err, errsz, "libunbound option %s %s: %s", opt, val,
		    ub_strerror(r));
		return -1;
	}
	return 0;
}

/* rs_anchor - the trust anchor file for cfg, or NULL for none. */
static const char *
rs_anchor(const struct config *cfg)
{
	size_t	i;

	if (cfg->dnssec_trust_anchor != NULL &&
	    cfg->dnssec_trust_anchor[0] != '\0')
		return cfg->dnssec_trust_anchor;
	for (i = 0; i < RS_NELEM(rs_anchors); i++)
		if (access(rs_anchors[i], R_OK) == 0)
			return rs_anchors[i];
	return NULL;
}

/* rs_dnssec - set up validation as cfg->dnssec says; 0 or -1. */
static int
rs_dnssec(struct ub_ctx *ctx, const struct config *cfg, const char **used,
    char *err, size_t errsz)
{
	const char *ta;
	int	r;

	*used = NULL;
	if (cfg->dnssec == DNSSEC_NO)
		return rs_set(ctx, "module-config:", "iterator", err, errsz);
	ta = rs_anchor(cfg);
	if (ta == NULL) {
		if (cfg->dnssec == DNSSEC_YES) {
			snprintf(err, errsz, "dnssec = yes but no trust anchor "
			    "found (set dnssec_trust_anchor)");
			return -1;
		}
		/* auto without an anchor: nothing to validate against. */
		return rs_set(ctx, "module-config:", "iterator", err, errsz);
	}
	if (access(ta, R_OK) != 0) {
		/* An explicit anchor that cannot be read is a config error. */
		snprintf(err, errsz, "dnssec_trust_anchor %s: %s", ta,
		    strerror(errno));
		return -1;
	}
	if ((r = ub_ctx_add_ta_file(ctx, ta)) != 0) {
		snprintf(err, errsz, "trust anchor %s: %s", ta,
		    ub_strerror(r));
		return -1;
	}
	*used = ta;
	return 0;
}

/* rs_cond_init - the shared condition variables, on the monotonic clock. */
static int
rs_cond_init(char *err, size_t errsz)
{
	pthread_condattr_t attr;
	int	r;

	if (rs_cond_ready)
		return 0;
	if ((r = pthread_condattr_init(&attr)) != 0)
		goto fail;
	if ((r = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)) != 0 ||
	    (r = pthread_cond_init(&rs_cond, &attr)) != 0 ||
	    (r = rs_zone_cond_init(&attr)) != 0) {
		pthread_condattr_destroy(&attr);
		goto fail;
	}
	pthread_condattr_destroy(&attr);
	rs_cond_ready = 1;
	return 0;
fail:
	snprintf(err, errsz, "condition variable: %s", strerror(r));
	return -1;
}

/* resolver_init - create the shared context from cfg. */
int
resolver_init(const struct config *cfg, char *err, size_t errsz)
{
	struct ub_ctx *ctx = NULL;
	const char *ta = NULL;
	char	zone[64];
	size_t	i;
	int	r, ret = -1;

	if (rs_ctx != NULL) {
		snprintf(err, errsz, "resolver already initialised");
		return -1;
	}
	if (rs_cond_init(err, errsz) == -1)
		return -1;
	if ((ctx = ub_ctx_create()) == NULL) {
		snprintf(err, errsz, "ub_ctx_create failed");
		goto out;
	}
	/* A thread, not a forked process, does the background work. */
	if ((r = ub_ctx_async(ctx, 1)) != 0) {
		snprintf(err, errsz, "ub_ctx_async: %s", ub_strerror(r));
		goto out;
	}
	if (rs_set(ctx, "do-not-query-localhost:", "no", err, errsz) == -1)
		goto out;
	/*
	 * A burst of names whose servers never answer must not make
	 * unbound give up on the forwarder for everyone (issue 16.2: 11
	 * minutes of "servfail" for every name): keep probing a server
	 * that timed out, and forget that it did within a minute instead
	 * of the default 15.
	 */
	if (rs_set(ctx, "infra-keep-probing:", "yes", err, errsz) == -1 ||
	    rs_set(ctx, "infra-host-ttl:", "60", err, errsz) == -1)
		goto out;
	for (i = 0; i < RS_NELEM(rs_special); i++) {
		snprintf(zone, sizeof(zone), "%s transparent", rs_special[i]);
		if (rs_set(ctx, "local-zone:", zone, err, errsz) == -1 ||
		    rs_set(ctx, "domain-insecure:", rs_special[i], err,
		    errsz) == -1)
			goto out;
	}

	if (cfg->dns_forwarder.n > 0) {
		for (i = 0; i < cfg->dns_forwarder.n; i++) {
			r = ub_ctx_set_fwd(ctx, cfg->dns_forwarder.v[i]);
			if (r != 0) {
				snprintf(err, errsz, "dns_forwarder %s: %s",
				    cfg->dns_forwarder.v[i], ub_strerror(r));
				goto out;
			}
		}
	} else if ((r = ub_ctx_resolvconf(ctx, NULL)) != 0) {
		snprintf(err, errsz, "/etc/resolv.conf: %s%s%s",
		    ub_strerror(r), r == UB_READFILE ? ": " : "",
		    r == UB_READFILE ? strerror(errno) : "");
		goto out;
	}

	if (rs_dnssec(ctx, cfg, &ta, err, errsz) == -1)
		goto out;

	/*
	 * Finalise now (libunbound has no call for just that; removing a
	 * zone that does not exist finalises and does nothing else), so that
	 * the trust anchor and options are checked here and not at the first
	 * query.
	 */
	if ((r = ub_ctx_zone_remove(ctx, "mtasts-finalise.invalid.")) != 0) {
		if (ta != NULL)
			snprintf(err, errsz, "cannot load trust anchor %s: %s",
			    ta, ub_strerror(r));
		else
			snprintf(err, errsz, "libunbound: %s", ub_strerror(r));
		goto out;
	}
	if (ub_fd(ctx) == -1) {
		snprintf(err, errsz, "libunbound: no result descriptor");
		goto out;
	}
	atomic_store(&rs_allow_private, cfg->allow_private_addresses);
	if (cfg->allow_private_addresses)
		log_warnx("resolver: allow_private_addresses is set: policy "
		    "hosts, MX hosts and report servers may be on loopback or "
		    "private networks (for test worlds only)");
	if (ta != NULL)
		log_info("resolver: DNSSEC validation with %s", ta);
	else
		log_info("resolver: no DNSSEC validation");
	snprintf(rs_ta_used, sizeof(rs_ta_used), "%s", ta != NULL ? ta : "");
	rs_ctx = ctx;
	ctx = NULL;
	ret = 0;
out:
	if (ctx != NULL)
		ub_ctx_delete(ctx);
	return ret;
}

/* resolver_shutdown - delete the context (no lookup may be running). */
void
resolver_shutdown(void)
{
	if (rs_ctx == NULL)
		return;
	ub_ctx_delete(rs_ctx);
	rs_ctx = NULL;
	rs_ta_used[0] = '\0';
}

/* resolver_trust_anchor - the anchor file validation uses, or NULL. */
const char *
resolver_trust_anchor(void)
{
	return rs_ctx != NULL && rs_ta_used[0] != '\0' ? rs_ta_used : NULL;
}

/* resolver_set_timeout - per-lookup deadline in milliseconds (0: default). */
void
resolver_set_timeout(unsigned int ms)
{
	atomic_store(&rs_timeout_ms, ms ? ms : RESOLVER_TIMEOUT_MS);
}

/* rs_ready - has resolver_init() made the context? */
int
rs_ready(void)
{
	return rs_ctx != NULL;
}

/* rs_private_allowed - may answers hold non-public addresses? */
int
rs_private_allowed(void)
{
	return atomic_load(&rs_allow_private);
}

/* rs_callback - libunbound's completion callback (runs under rs_lock). */
static void
rs_callback(void *arg, int err, struct ub_result *res)
{
	struct rs_query *q = arg;

	if (q->abandoned) {
		ub_resolve_free(res);
		free(q);
		return;
	}
	q->err = err;
	q->res = res;
	q->done = 1;
	q->elapsed_ms = mono_since_ms(&q->start);
}

/* rs_all_done - have all started queries completed? */
static int
rs_all_done(struct rs_query **qs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (qs[i]->started && !qs[i]->done)
			return 0;
	return 1;
}

/*
 * rs_resolve - run n queries at once and wait for them until the deadline.
 * Afterwards each query is done (err/res set), failed to start (err set)
 * or timed out (cancelled: started and not done). A query the library
 * could not cancel is left to its callback and its slot set to NULL.
 */
void
rs_resolve(struct rs_query **qs, const char **names, const int *types,
    size_t n)
{
	struct timespec deadline;
	struct pollfd pfd;
	char	zone[RS_WIRE_NAME_MAX + 1];
	long long until_ms;
	size_t	i;
	unsigned int timeout;
	int	r, ms, slot, timed_out;

	/*
	 * One slow zone must not hold every thread that waits for DNS
	 * (issue 16.2): at most RESOLVER_ZONE_INFLIGHT lookups of a zone
	 * are in flight; see rs_zone_enter().
	 */
	timeout = atomic_load(&rs_timeout_ms);
	until_ms = mono_now_ms() + timeout;
	mono_deadline(&deadline, timeout);
	rs_zone_of(names[0], zone, sizeof(zone));
	if ((slot = rs_zone_enter(zone, until_ms)) == 0) {
		for (i = 0; i < n; i++)
			qs[i]->busy = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &qs[i]->start);
		r = ub_resolve_async(rs_ctx, names[i], types[i], RS_CLASS_IN,
		    qs[i], rs_callback, &qs[i]->async_id);
		if (r != 0)
			qs[i]->err = r;
		else
			qs[i]->started = 1;
	}

	pthread_mutex_lock(&rs_lock);
	while (!rs_all_done(qs, n)) {
		if ((ms = mono_left_ms(&deadline, RS_WAIT_MAX_MS)) == 0)
			break;
		if (rs_polling) {
			/* Someone else reads answers; wait for news. */
			r = pthread_cond_timedwait(&rs_cond, &rs_lock,
			    &deadline);
			if (r != 0 && r != ETIMEDOUT && r != EINTR)
				panic("resolver: pthread_cond_timedwait: %s",
				    strerror(r));
			continue;
		}
		rs_polling = 1;
		pthread_mutex_unlock(&rs_lock);
		pfd.fd = ub_fd(rs_ctx);
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r == -1 && errno != EINTR)
			log_warn("resolver: poll");
		pthread_mutex_lock(&rs_lock);
		if (r > 0 && (r = ub_process(rs_ctx)) != 0)
			log_warnx("resolver: ub_process: %s", ub_strerror(r));
		rs_polling = 0;
		pthread_cond_broadcast(&rs_cond);
	}
	for (i = 0; i < n; i++) {
		if (!qs[i]->started || qs[i]->done)
			continue;
		if (ub_cancel(rs_ctx, qs[i]->async_id) != 0) {
			/* Not cancellable: the callback will free it. */
			qs[i]->abandoned = 1;
			qs[i] = NULL;
		}
	}
	timed_out = 0;
	for (i = 0; i < n; i++)
		if (qs[i] == NULL || (qs[i]->started && !qs[i]->done))
			timed_out = 1;
	pthread_mutex_unlock(&rs_lock);
	if (slot == 1)
		rs_zone_leave(zone, timed_out);
}

/*
 * rs_status - map a finished (or failed, or timed-out) query to a status;
 * what names the record type for "no ... records".
 */
enum dns_status
rs_status(const struct rs_query *q, const char *what, char *why,
    size_t whysz)
{
	const struct ub_result *res;

	if (q != NULL && q->busy) {
		snprintf(why, whysz, "zone slow: %d lookups of the same zone "
		    "are waiting for answers", RESOLVER_ZONE_INFLIGHT);
		return DNS_SERVFAIL;
	}
	if (q == NULL || (q->started && !q->done)) {
		snprintf(why, whysz, "timeout");
		return DNS_SERVFAIL;
	}
	if (q->err != 0 || q->res == NULL) {
		log_oneline(why, whysz, "resolver error: %s",
		    ub_strerror(q->err));
		return DNS_SERVFAIL;
	}
	res = q->res;
	if (res->bogus) {
		log_oneline(why, whysz, "DNSSEC bogus: %s", res->why_bogus ?
		    res->why_bogus : "validation failed");
		return DNS_BOGUS;
	}
	if (res->havedata) {
		why[0] = '\0';
		return DNS_OK;
	}
	if (res->nxdomain || res->rcode == RS_RCODE_NXDOMAIN) {
		snprintf(why, whysz, "NXDOMAIN");
		return DNS_NXDOMAIN;
	}
	switch (res->rcode) {
	case RS_RCODE_NOERROR:
		snprintf(why, whysz, "no %s records", what);
		return DNS_NODATA;
	case RS_RCODE_SERVFAIL:
		/*
		 * A slow SERVFAIL is usually unbound giving up on servers
		 * that do not answer: say how long it took.
		 */
		if (q->elapsed_ms >= RS_SLOW_MS)
			snprintf(why, whysz, "SERVFAIL after %ld.%ld s",
			    q->elapsed_ms / 1000, q->elapsed_ms % 1000 / 100);
		else
			snprintf(why, whysz, "SERVFAIL");
		break;
	case RS_RCODE_REFUSED:
		snprintf(why, whysz, "REFUSED");
		break;
	default:
		snprintf(why, whysz, "rcode %d", res->rcode);
		break;
	}
	return DNS_SERVFAIL;
}

/* rs_sec - the DNSSEC status of a finished query. */
enum dns_sec
rs_sec(const struct rs_query *q)
{
	const struct ub_result *res;

	if (q == NULL || q->busy || !q->done || q->err != 0 || q->res == NULL)
		return DNS_SEC_UNKNOWN;
	res = q->res;
	if (res->bogus)
		return DNS_SEC_BOGUS;
	if (!res->havedata && !res->nxdomain &&
	    res->rcode != RS_RCODE_NOERROR && res->rcode != RS_RCODE_NXDOMAIN)
		return DNS_SEC_UNKNOWN;		/* SERVFAIL and the like */
	return res->secure ? DNS_SEC_SECURE : DNS_SEC_INSECURE;
}

/* rs_query_new - a zeroed query, or NULL. */
struct rs_query *
rs_query_new(void)
{
	return calloc(1, sizeof(struct rs_query));
}

/* rs_query_free - release a query its waiter still owns. */
void
rs_query_free(struct rs_query *q)
{
	if (q == NULL)
		return;
	ub_resolve_free(q->res);
	free(q);
}

/* rs_txt_fill - copy the joined TXT RRs of res into out; 0 or -1. */
static int
rs_txt_fill(const struct ub_result *res, struct dns_txt *out)
{
	size_t	i, n = 0, rdlen;
	long	jl;
	char   *buf;

	while (res->data[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	if ((out->rr = calloc(n, sizeof(*out->rr))) == NULL ||
	    (out->len = calloc(n, sizeof(*out->len))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		rdlen = (size_t)res->len[i];
		/* The joined text is shorter than its RDATA. */
		if ((buf = malloc(rdlen + 1)) == NULL)
			return -1;
		jl = txt_rdata_join((const unsigned char *)res->data[i],
		    rdlen, buf, rdlen + 1);
		if (jl < 0) {
			log_debug("resolver: %s: TXT RR %zu (%zu bytes) "
			    "left out: cannot join its strings", res->qname,
			    i, rdlen);
			free(buf);
			continue;
		}
		out->rr[out->n] = buf;
		out->len[out->n] = (size_t)jl;
		out->n++;
	}
	return 0;
}

/*
 * rs_query_one - resolve one name and type: the finished query (free it
 * with rs_query_free) with its status in *status and why, or NULL when it
 * could not be started (*status DNS_SERVFAIL, why says why).
 */
struct rs_query *
rs_query_one(const char *name, int type, const char *what,
    enum dns_status *status, char *why, size_t whysz)
{
	struct rs_query *q;
	const char *names[1];
	int	types[1];

	*status = DNS_SERVFAIL;
	if (rs_ctx == NULL) {
		snprintf(why, whysz, "resolver not started");
		return NULL;
	}
	if ((q = rs_query_new()) == NULL) {
		snprintf(why, whysz, "out of memory");
		return NULL;
	}
	names[0] = name;
	types[0] = type;
	rs_resolve(&q, names, types, 1);
	*status = rs_status(q, what, why, whysz);
	return q;
}

/* resolver_txt - TXT RRs of name (CNAMEs followed), strings joined. */
void
resolver_txt(const char *name, struct dns_txt *out)
{
	struct rs_query *q;

	memset(out, 0, sizeof(*out));
	if ((q = rs_query_one(name, RS_TYPE_TXT, "TXT", &out->status,
	    out->why, sizeof(out->why))) == NULL)
		return;
	out->sec = rs_sec(q);
	if (out->status == DNS_OK) {
		out->secure = q->res->secure != 0;
		if (rs_txt_fill(q->res, out) == -1) {
			dns_txt_free(out);
			out->status = DNS_SERVFAIL;
			snprintf(out->why, sizeof(out->why), "out of memory");
		}
	}
	rs_query_free(q);
}

/* dns_txt_free - release what resolver_txt allocated. */
void
dns_txt_free(struct dns_txt *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->rr[i]);
	free(t->rr);
	free(t->len);
	t->rr = NULL;
	t->len = NULL;
	t->n = 0;
}

/* dns_sec_name - "unknown", "insecure", "secure", "bogus". */
const char *
dns_sec_name(enum dns_sec s)
{
	switch (s) {
	case DNS_SEC_UNKNOWN:
		return "unknown";
	case DNS_SEC_INSECURE:
		return "insecure";
	case DNS_SEC_SECURE:
		return "secure";
	case DNS_SEC_BOGUS:
		return "bogus";
	}
	return "unknown";
}

/* dns_status_name - "ok", "nodata", "nxdomain", "servfail", "bogus". */
const char *
dns_status_name(enum dns_status s)
{
	switch (s) {
	case DNS_OK:
		return "ok";
	case DNS_NODATA:
		return "nodata";
	case DNS_NXDOMAIN:
		return "nxdomain";
	case DNS_SERVFAIL:
		return "servfail";
	case DNS_BOGUS:
		return "bogus";
	}
	return "unknown";
}
