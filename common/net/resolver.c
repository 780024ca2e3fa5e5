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
 *	Slow zones: a zone (rs_zone_of: the last two labels of a name, three
 *	for example.co.uk) has at most RESOLVER_ZONE_INFLIGHT lookups in
 *	flight; a further one waits up to RS_ZONE_WAIT_MS for a slot, and
 *	once a lookup of the zone timed out (or such a wait ran out) the zone
 *	is slow for RS_ZONE_SLOW_MS and further lookups fail at once with
 *	why "zone slow". A burst of names of one silent zone thus holds
 *	RESOLVER_ZONE_INFLIGHT of the discovery threads, not all of them.
 *	libunbound keeps probing a server that timed out (infra-keep-probing)
 *	and forgets it did within a minute (infra-host-ttl 60, not 900), so
 *	the burst cannot make it give up on the only forwarder.
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
 *	MX answers: libunbound hands out RDATA with its names uncompressed;
 *	each exchange is turned into lower-case text without the trailing
 *	dot (bytes other than letters, digits, '-' and '_' as \DDD) and the
 *	list is sorted by preference, stably. A lone RR whose exchange is
 *	the root is a null MX (RFC 7505): null_mx is set.
 *
 *	DNSSEC status: every result says in sec what validation made of the
 *	answer (rs_sec: libunbound's bogus and secure flags), negative
 *	answers included, so a secure NXDOMAIN for a TLSA name proves there
 *	is none while a bogus one is a failure (why holds libunbound's
 *	why_bogus). resolver_addrs() is secure only when both the A and
 *	the AAAA answers are.
 *
 *	TLSA answers (RFC 6698, RFC 7672): resolver_tlsa() asks for
 *	_25._tcp.HOST, keeps each RR's usage, selector, matching type and
 *	data as they come, the RRset's TTL, and counts the RRs usable for
 *	SMTP (dns_tlsa_rr_usable(): DANE-TA(2) or DANE-EE(3), selector 0
 *	or 1, matching type 0, 1 or 2 with a digest of the right length;
 *	PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP, RFC 7672 §3.1.3).
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
#include "resolver.h"
#include "sts_record.h"

#define RS_TYPE_A	1
#define RS_TYPE_MX	15
#define RS_TYPE_TXT	16
#define RS_TYPE_AAAA	28
#define RS_TYPE_TLSA	52
#define RS_CLASS_IN	1
#define RS_RCODE_NOERROR	0
#define RS_RCODE_SERVFAIL	2
#define RS_RCODE_NXDOMAIN	3
#define RS_RCODE_REFUSED	5
#define RS_SLOW_MS		1000	/* an answer this late is worth noting */
#define RS_WIRE_NAME_MAX	255	/* RFC 1035 §3.1 */
#define RS_ZONES_MAX		256	/* zones tracked at once */
#define RS_ZONE_WAIT_MS		1000	/* longest wait for a zone's slot */
#define RS_ZONE_SLOW_MS		30000	/* a zone that timed out is slow this long */

/* One asynchronous query; owned by its waiter unless abandoned. */
struct rs_query {
	int	async_id;
	int	started;	/* ub_resolve_async() accepted it */
	int	done;		/* the callback ran */
	int	abandoned;	/* waiter gone: the callback frees everything */
	int	err;		/* libunbound error (start or callback) */
	int	busy;		/* not sent: its zone had too many in flight */
	struct ub_result *res;
	struct timespec start;	/* when it was sent */
	long	elapsed_ms;	/* how long the answer took */
};

static struct ub_ctx *rs_ctx;
static pthread_mutex_t rs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rs_cond;
static int rs_cond_ready;
static int rs_polling;		/* a thread is in poll() on ub_fd() */
static atomic_uint rs_timeout_ms = RESOLVER_TIMEOUT_MS;
static char rs_ta_used[1024];	/* the trust anchor file in use, or "" */
static atomic_int rs_allow_private;	/* allow_private_addresses */

/*
 * Lookups in flight per zone (rs_zone_enter), under rs_zone_lock. An
 * entry is in use while n > 0 or it is marked slow.
 */
struct rs_zone {
	char	name[RS_WIRE_NAME_MAX + 1];
	int	n;			/* lookups in flight */
	long long slow_until;		/* monotonic ms: fail fast when full */
};
static struct rs_zone rs_zones[RS_ZONES_MAX];
static pthread_mutex_t rs_zone_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rs_zone_cond;	/* a slot was given back */

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

#define RS_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

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
	    (r = pthread_cond_init(&rs_zone_cond, &attr)) != 0) {
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

/* rs_elapsed_ms - milliseconds since start on the monotonic clock. */
static long
rs_elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
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
	q->elapsed_ms = rs_elapsed_ms(&q->start);
}

/* rs_deadline - now + ms on the monotonic clock. */
static void
rs_deadline(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* rs_remaining_ms - milliseconds left until deadline, 0 when past. */
static int
rs_remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return 0;
	if (ms > 60000)
		ms = 60000;
	return (int)ms;
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
static void rs_zone_of(const char *, char *, size_t);
static int rs_zone_enter(const char *, const struct timespec *);
static void rs_zone_leave(const char *, int);

static void
rs_resolve(struct rs_query **qs, const char **names, const int *types,
    size_t n)
{
	struct timespec deadline;
	struct pollfd pfd;
	char	zone[RS_WIRE_NAME_MAX + 1];
	size_t	i;
	int	r, ms, slot, timed_out;

	/*
	 * One slow zone must not hold every thread that waits for DNS
	 * (issue 16.2): at most RESOLVER_ZONE_INFLIGHT lookups of a zone
	 * are in flight; see rs_zone_enter().
	 */
	rs_deadline(&deadline, atomic_load(&rs_timeout_ms));
	rs_zone_of(names[0], zone, sizeof(zone));
	if ((slot = rs_zone_enter(zone, &deadline)) == 0) {
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
		if ((ms = rs_remaining_ms(&deadline)) == 0)
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
 * rs_zone_of - the zone a lookup of name counts against: the name's last
 * two labels, three when the second-last is a short label such as "co"
 * or "com" (co.uk, com.au: public suffixes of their own), after any
 * leading "_" labels. So _mta-sts.a.example.net, mx.example.net and
 * b.example.co.uk count against example.net and example.co.uk.
 */
static void
rs_zone_of(const char *name, char *out, size_t outsz)
{
	const char *p, *labels[4] = { NULL, NULL, NULL, NULL };
	size_t	len, n = 0, keep;

	snprintf(out, outsz, "%s", name);
	if ((len = strlen(out)) > 1 && out[len - 1] == '.')
		out[--len] = '\0';
	/* The starts of the last three labels, last first. */
	for (p = out + len; p > out && n < 3; ) {
		while (p > out && p[-1] != '.')
			p--;
		labels[n++] = p;
		if (p > out)
			p--;
	}
	keep = 2;
	if (n >= 3 && labels[1] != NULL &&
	    (size_t)(labels[0] - labels[1]) - 1 <= 3)
		keep = 3;
	if (n > keep && labels[keep - 1] != NULL && labels[keep - 1][0] != '_')
		memmove(out, labels[keep - 1], strlen(labels[keep - 1]) + 1);
}

/* rs_now_ms - the monotonic clock in milliseconds. */
static long long
rs_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* rs_zone_find - the entry of zone, or a free one, or NULL (lock held). */
static struct rs_zone *
rs_zone_find(const char *zone, long long now)
{
	struct rs_zone *free_z = NULL;
	size_t	i;

	for (i = 0; i < RS_ZONES_MAX; i++) {
		if ((rs_zones[i].n > 0 || rs_zones[i].slow_until > now) &&
		    strcmp(rs_zones[i].name, zone) == 0)
			return &rs_zones[i];
		if (rs_zones[i].n == 0 && rs_zones[i].slow_until <= now &&
		    free_z == NULL)
			free_z = &rs_zones[i];
	}
	if (free_z != NULL) {
		snprintf(free_z->name, sizeof(free_z->name), "%s", zone);
		free_z->slow_until = 0;
	}
	return free_z;
}

/*
 * rs_zone_enter - take one of the RESOLVER_ZONE_INFLIGHT slots of zone.
 * When they are all taken, wait for one - at most RS_ZONE_WAIT_MS and
 * not past deadline - unless the zone is slow (a lookup of it timed out
 * in the last RS_ZONE_SLOW_MS, or a wait for its slots ran out): then
 * give up at once. Healthy zones answer within milliseconds, so their
 * waits are short; a slow zone keeps RESOLVER_ZONE_INFLIGHT threads and
 * no more. Returns 1 taken, 0 given up (the lookup is not sent), -1 not
 * tracked (the table is full: sent, nothing to give back).
 */
static int
rs_zone_enter(const char *zone, const struct timespec *deadline)
{
	struct rs_zone *z;
	struct timespec until;
	long long now = rs_now_ms(), give_up = now + RS_ZONE_WAIT_MS;
	int	ret = -1;

	pthread_mutex_lock(&rs_zone_lock);
	for (;;) {
		if ((z = rs_zone_find(zone, now)) == NULL)
			break;
		if (z->n < RESOLVER_ZONE_INFLIGHT) {
			z->n++;
			ret = 1;
			break;
		}
		if (z->slow_until > now || now >= give_up ||
		    rs_remaining_ms(deadline) == 0) {
			if (z->slow_until <= now)
				z->slow_until = now + RS_ZONE_SLOW_MS;
			ret = 0;
			break;
		}
		rs_deadline(&until, (unsigned int)(give_up - now));
		(void)pthread_cond_timedwait(&rs_zone_cond, &rs_zone_lock,
		    &until);
		now = rs_now_ms();
	}
	pthread_mutex_unlock(&rs_zone_lock);
	return ret;
}

/*
 * rs_zone_leave - give back a slot that rs_zone_enter() returned 1 for;
 * timed_out marks the zone slow.
 */
static void
rs_zone_leave(const char *zone, int timed_out)
{
	long long now = rs_now_ms();
	size_t	i;

	pthread_mutex_lock(&rs_zone_lock);
	for (i = 0; i < RS_ZONES_MAX; i++)
		if (rs_zones[i].n > 0 && strcmp(rs_zones[i].name, zone) == 0) {
			rs_zones[i].n--;
			if (timed_out)
				rs_zones[i].slow_until = now + RS_ZONE_SLOW_MS;
			break;
		}
	pthread_cond_broadcast(&rs_zone_cond);
	pthread_mutex_unlock(&rs_zone_lock);
}

/*
 * rs_status - map a finished (or failed, or timed-out) query to a status;
 * what names the record type for "no ... records".
 */
static enum dns_status
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
static enum dns_sec
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
static struct rs_query *
rs_query_new(void)
{
	return calloc(1, sizeof(struct rs_query));
}

/* rs_query_free - release a query its waiter still owns. */
static void
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
static struct rs_query *
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

/* An address block: the first len bits of addr. */
struct rs_block {
	unsigned char addr[16];
	unsigned int len;
};

/* Not on the public internet (RFC 6890 and its updates), IPv4. */
static const struct rs_block rs_private4[] = {
	{ { 0 }, 8 },			/* "this network" */
	{ { 10 }, 8 },			/* private */
	{ { 100, 64 }, 10 },		/* shared address space */
	{ { 127 }, 8 },			/* loopback */
	{ { 169, 254 }, 16 },		/* link local */
	{ { 172, 16 }, 12 },		/* private */
	{ { 192, 0, 0 }, 24 },		/* IETF protocol assignments */
	{ { 192, 0, 2 }, 24 },		/* documentation */
	{ { 192, 168 }, 16 },		/* private */
	{ { 198, 18 }, 15 },		/* benchmarking */
	{ { 198, 51, 100 }, 24 },	/* documentation */
	{ { 203, 0, 113 }, 24 },	/* documentation */
	{ { 224 }, 4 },			/* multicast */
	{ { 240 }, 4 }			/* reserved, broadcast */
};

/* The same for IPv6; v4-mapped and v4-compatible are checked as IPv4. */
static const struct rs_block rs_private6[] = {
	{ { 0 }, 128 },				/* unspecified */
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128 },
	{ { 0x01, 0x00 }, 64 },			/* discard only */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32 },	/* documentation */
	{ { 0xfc }, 7 },			/* unique local */
	{ { 0xfe, 0x80 }, 10 },			/* link local */
	{ { 0xfe, 0xc0 }, 10 },			/* site local (deprecated) */
	{ { 0xff }, 8 }				/* multicast */
};

/* rs_in_block - do the first b->len bits of a equal those of b->addr? */
static int
rs_in_block(const unsigned char *a, const struct rs_block *b)
{
	unsigned int full = b->len / 8, rest = b->len % 8;

	if (memcmp(a, b->addr, full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ b->addr[full]) &
	    (unsigned char)(0xff00 >> rest)) == 0;
}

/*
 * resolver_addr_private - is a (4 or 16 bytes) an address no policy host,
 * MX host or report server on the internet has: loopback, private,
 * link-local, multicast, documentation and other special blocks?
 */
int
resolver_addr_private(const unsigned char *a, size_t len)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0xff, 0xff };
	size_t	i;

	if (len == 16 && (memcmp(a, mapped, 12) == 0 ||
	    (memcmp(a, mapped, 10) == 0 && a[10] == 0 && a[11] == 0 &&
	    (a[12] | a[13]) != 0)))
		return resolver_addr_private(a + 12, 4);
	if (len == 4) {
		for (i = 0; i < RS_NELEM(rs_private4); i++)
			if (rs_in_block(a, &rs_private4[i]))
				return 1;
		return 0;
	}
	if (len == 16) {
		for (i = 0; i < RS_NELEM(rs_private6); i++)
			if (rs_in_block(a, &rs_private6[i]))
				return 1;
		return 0;
	}
	return 1;
}

/* rs_addrs_fill - append the addresses of res to out; 0 or -1. */
static int
rs_addrs_fill(const struct ub_result *res, struct dns_addrs *out,
    char *refused, size_t refusedsz)
{
	char	buf[INET6_ADDRSTRLEN], **v;
	size_t	n = 0, i;
	int	af;

	while (res->data[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / sizeof(*v) - out->n ||
	    (v = realloc(out->addr, (out->n + n) * sizeof(*v))) == NULL)
		return -1;
	out->addr = v;
	for (i = 0; i < n; i++) {
		if (res->qtype == RS_TYPE_A && res->len[i] == 4)
			af = AF_INET;
		else if (res->qtype == RS_TYPE_AAAA && res->len[i] == 16)
			af = AF_INET6;
		else
			continue;
		if (inet_ntop(af, res->data[i], buf, sizeof(buf)) == NULL)
			continue;
		if (!atomic_load(&rs_allow_private) &&
		    resolver_addr_private((const unsigned char *)res->data[i],
		    (size_t)res->len[i])) {
			/* Hostile DNS must not aim us at our own networks. */
			if (*refused == '\0')
				snprintf(refused, refusedsz, "%s", buf);
			continue;
		}
		if ((out->addr[out->n] = strdup(buf)) == NULL)
			return -1;
		out->n++;
	}
	return 0;
}

/* resolver_addrs - A and AAAA addresses of host (v4 first). */
void
resolver_addrs(const char *host, struct dns_addrs *out)
{
	struct rs_query *q[2] = { NULL, NULL };
	const char *names[2];
	static const int types[2] = { RS_TYPE_A, RS_TYPE_AAAA };
	static const char *const what[2] = { "A", "AAAA" };
	enum dns_status st[2];
	enum dns_sec sec[2];
	char	why[2][sizeof(out->why)], refused[INET6_ADDRSTRLEN] = "";
	int	i;

	memset(out, 0, sizeof(*out));
	out->status = DNS_SERVFAIL;
	if (rs_ctx == NULL) {
		snprintf(out->why, sizeof(out->why), "resolver not started");
		return;
	}
	if ((q[0] = rs_query_new()) == NULL ||
	    (q[1] = rs_query_new()) == NULL) {
		snprintf(out->why, sizeof(out->why), "out of memory");
		goto out;
	}
	names[0] = names[1] = host;
	rs_resolve(q, names, types, 2);
	sec[0] = rs_sec(q[0]);
	sec[1] = rs_sec(q[1]);
	if (sec[0] == DNS_SEC_BOGUS || sec[1] == DNS_SEC_BOGUS)
		out->sec = DNS_SEC_BOGUS;
	else if (sec[0] == DNS_SEC_SECURE && sec[1] == DNS_SEC_SECURE)
		out->sec = DNS_SEC_SECURE;
	else if (sec[0] == DNS_SEC_INSECURE || sec[1] == DNS_SEC_INSECURE)
		out->sec = DNS_SEC_INSECURE;
	else
		out->sec = DNS_SEC_UNKNOWN;
	for (i = 0; i < 2; i++) {
		st[i] = rs_status(q[i], what[i], why[i], sizeof(why[i]));
		if (st[i] == DNS_OK && rs_addrs_fill(q[i]->res, out, refused,
		    sizeof(refused)) == -1) {
			dns_addrs_free(out);
			out->status = DNS_SERVFAIL;
			snprintf(out->why, sizeof(out->why), "out of memory");
			goto out;
		}
	}
	if (out->n > 0) {
		out->status = DNS_OK;
		goto out;
	}
	if (refused[0] != '\0') {
		out->status = DNS_NODATA;
		snprintf(out->why, sizeof(out->why), "only a non-public "
		    "address (%s): refused (allow_private_addresses)", refused);
		goto out;
	}

	/*
	 * Nothing usable: a forged answer counts most, then a name that
	 * does not exist, then a failure; both empty is NODATA.
	 */
	if (st[0] == DNS_BOGUS || st[1] == DNS_BOGUS)
		i = st[0] == DNS_BOGUS ? 0 : 1;
	else if (st[0] == DNS_NXDOMAIN || st[1] == DNS_NXDOMAIN)
		i = st[0] == DNS_NXDOMAIN ? 0 : 1;
	else if (st[0] == DNS_SERVFAIL || st[1] == DNS_SERVFAIL)
		i = st[0] == DNS_SERVFAIL ? 0 : 1;
	else
		i = -1;
	if (i == -1) {
		out->status = DNS_NODATA;
		snprintf(out->why, sizeof(out->why), "no A or AAAA records");
	} else {
		out->status = st[i];
		snprintf(out->why, sizeof(out->why), "%s", why[i]);
	}
out:
	rs_query_free(q[0]);
	rs_query_free(q[1]);
}

/* dns_addrs_free - release what resolver_addrs allocated. */
void
dns_addrs_free(struct dns_addrs *a)
{
	size_t	i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		free(a->addr[i]);
	free(a->addr);
	a->addr = NULL;
	a->n = 0;
}

/*
 * rs_mx_name - the exchange of an MX RDATA (wire form, uncompressed) as
 * text in out; 0, or -1 when malformed.
 */
static int
rs_mx_name(const unsigned char *p, size_t len, char *out, size_t outsz)
{
	size_t	i = 0, o = 0, wire = 0, l, k;
	unsigned char c;

	for (;;) {
		if (i >= len)
			return -1;
		l = p[i++];
		wire += l + 1;
		if (wire > RS_WIRE_NAME_MAX)
			return -1;
		if (l == 0)
			break;
		if ((l & 0xc0) != 0 || l > len - i)
			return -1;	/* a pointer, or past the end */
		if (o > 0)
			out[o++] = '.';
		for (k = 0; k < l; k++) {
			c = p[i + k];
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '-' || c == '_') {
				out[o++] = (char)c;
			} else {
				snprintf(out + o, outsz - o, "\\%03u", c);
				o += 4;
			}
		}
		i += l;
	}
	if (i != len)
		return -1;
	out[o] = '\0';
	return 0;
}

/* rs_mx_fill - the MX RRs of res into out, sorted; 0 or -1 (ENOMEM). */
static int
rs_mx_fill(const struct ub_result *res, struct dns_mx *out)
{
	/* Every wire byte may become "\DDD" (4 bytes), plus dots and NUL. */
	char	name[RS_WIRE_NAME_MAX * 4 + 1];
	struct dns_mx_rr rr;
	size_t	n = 0, i, j, len;
	const unsigned char *p;

	while (res->data[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	if ((out->mx = calloc(n, sizeof(*out->mx))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		p = (const unsigned char *)res->data[i];
		len = (size_t)res->len[i];
		if (len < 3 || rs_mx_name(p + 2, len - 2, name,
		    sizeof(name)) == -1) {
			log_debug("resolver: %s: MX RR %zu (%zu bytes) left "
			    "out: malformed", res->qname, i, len);
			continue;
		}
		rr.pref = (unsigned int)p[0] << 8 | p[1];
		if ((rr.host = strdup(name)) == NULL)
			return -1;
		/* Insertion keeps equal preferences in answer order. */
		for (j = out->n; j > 0 && out->mx[j - 1].pref > rr.pref; j--)
			out->mx[j] = out->mx[j - 1];
		out->mx[j] = rr;
		out->n++;
	}
	out->null_mx = out->n == 1 && out->mx[0].host[0] == '\0';
	return 0;
}

/* resolver_mx - MX RRs of domain, sorted by preference. */
void
resolver_mx(const char *domain, struct dns_mx *out)
{
	struct rs_query *q;

	memset(out, 0, sizeof(*out));
	if ((q = rs_query_one(domain, RS_TYPE_MX, "MX", &out->status,
	    out->why, sizeof(out->why))) == NULL)
		return;
	out->sec = rs_sec(q);
	if (out->status == DNS_OK) {
		out->secure = q->res->secure != 0;
		if (rs_mx_fill(q->res, out) == -1) {
			dns_mx_free(out);
			out->status = DNS_SERVFAIL;
			snprintf(out->why, sizeof(out->why), "out of memory");
		} else if (out->n == 0) {
			out->status = DNS_SERVFAIL;
			snprintf(out->why, sizeof(out->why),
			    "no well-formed MX RR");
		}
	}
	rs_query_free(q);
}

/* dns_mx_free - release what resolver_mx allocated. */
void
dns_mx_free(struct dns_mx *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		free(m->mx[i].host);
	free(m->mx);
	m->mx = NULL;
	m->n = 0;
	m->null_mx = 0;
}

/* dns_tlsa_rr_usable - may an SMTP client use rr (RFC 7672 §3.1)? */
int
dns_tlsa_rr_usable(const struct dns_tlsa_rr *rr)
{
	if (rr->usage != 2 && rr->usage != 3)
		return 0;
	if (rr->selector > 1)
		return 0;
	switch (rr->mtype) {
	case 0:
		return rr->len > 0;
	case 1:
		return rr->len == 32;
	case 2:
		return rr->len == 64;
	default:
		return 0;
	}
}

/* dns_tlsa_dane - a secure answer with at least one usable RR? */
int
dns_tlsa_dane(const struct dns_tlsa *t)
{
	return t->status == DNS_OK && t->sec == DNS_SEC_SECURE &&
	    t->n_usable > 0;
}

/* rs_tlsa_fill - the well-formed TLSA RRs of res into out; 0 or -1. */
static int
rs_tlsa_fill(const struct ub_result *res, struct dns_tlsa *out)
{
	struct dns_tlsa_rr *rr;
	const unsigned char *p;
	size_t	n = 0, i, len;

	while (res->data[n] != NULL)
		n++;
	if (n > RESOLVER_TLSA_MAX) {
		log_debug("resolver: %s: %zu TLSA RRs, the first %d kept",
		    res->qname, n, RESOLVER_TLSA_MAX);
		n = RESOLVER_TLSA_MAX;
	}
	if (n == 0)
		return 0;
	if ((out->rr = calloc(n, sizeof(*out->rr))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		p = (const unsigned char *)res->data[i];
		len = (size_t)res->len[i];
		if (len < 4) {
			log_debug("resolver: %s: TLSA RR %zu (%zu bytes) left "
			    "out: malformed", res->qname, i, len);
			continue;
		}
		rr = &out->rr[out->n];
		rr->usage = p[0];
		rr->selector = p[1];
		rr->mtype = p[2];
		rr->len = len - 3;
		if ((rr->data = malloc(rr->len)) == NULL)
			return -1;
		memcpy(rr->data, p + 3, rr->len);
		out->n++;
		if (dns_tlsa_rr_usable(rr))
			out->n_usable++;
	}
	return 0;
}

/* resolver_tlsa - TLSA RRs of _25._tcp.HOST with their DNSSEC status. */
void
resolver_tlsa(const char *host, struct dns_tlsa *out)
{
	struct rs_query *q;
	int	n;

	memset(out, 0, sizeof(*out));
	out->status = DNS_SERVFAIL;
	n = snprintf(out->name, sizeof(out->name), "_25._tcp.%s",
	    host != NULL ? host : "");
	if (host == NULL || host[0] == '\0' || n < 0 ||
	    (size_t)n >= sizeof(out->name) - 1) {
		/* 255 octets of wire form hold at most 253 of text. */
		out->name[0] = '\0';
		snprintf(out->why, sizeof(out->why), "TLSA name too long");
		return;
	}
	if ((q = rs_query_one(out->name, RS_TYPE_TLSA, "TLSA", &out->status,
	    out->why, sizeof(out->why))) == NULL)
		return;
	out->sec = rs_sec(q);
	if (out->status == DNS_OK || out->status == DNS_NODATA ||
	    out->status == DNS_NXDOMAIN)
		out->ttl = q->res->ttl > 0 ? (unsigned int)q->res->ttl : 0;
	if (out->status == DNS_OK) {
		if (rs_tlsa_fill(q->res, out) == -1) {
			dns_tlsa_free(out);
			out->status = DNS_SERVFAIL;
			snprintf(out->why, sizeof(out->why), "out of memory");
		} else if (out->n == 0) {
			out->status = DNS_SERVFAIL;
			snprintf(out->why, sizeof(out->why),
			    "no well-formed TLSA RR");
		}
	}
	rs_query_free(q);
}

/* dns_tlsa_free - release what resolver_tlsa allocated. */
void
dns_tlsa_free(struct dns_tlsa *t)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->rr[i].data);
	free(t->rr);
	t->rr = NULL;
	t->n = 0;
	t->n_usable = 0;
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
