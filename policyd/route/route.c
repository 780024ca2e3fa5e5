/*
 * route.c - route confirmation by MX probes, and the milter's per-domain
 * state (DESIGN §6; RFC 8461 §4, §5; RFC-CHECKLIST E2-E10).
 *
 * SYNOPSIS
 *	route_start(), route_stop(), route_domain_state(), route_show(),
 *	route_forget(), route_sweep() - see route.h.
 *
 * DESCRIPTION
 *	A round for a domain with a valid enforce policy: resolve its MX
 *	records (no MX: the domain itself, RFC 5321 §5.1, E8; a null MX,
 *	RFC 7505: no route at all), walk them in preference order without
 *	reordering (E4), skip a host the policy does not list without
 *	connecting (E2, W14: recorded as validation-failure), and probe the
 *	others (probe.h) until one passes, which confirms the route for
 *	route_ttl. Every outcome is kept, classified as an RFC 8460 result
 *	type (E10), in the cache's "route" table under the policy id it was
 *	found with, so a new policy is never judged by an old probe.
 *
 *	DANE (RFC 7672) decides a host where it applies (RFC 8461 section 2,
 *	E7: MTA-STS never overrides a DANE failure): with dane = auto, a
 *	secure MX RRset and secure addresses, the host's TLSA RRset is
 *	looked up; secure with a usable RR, bogus, or unanswered, the host
 *	goes to probe_mx_dane() instead of the WebPKI probe. Such a result
 *	carries a "dane" object (TLSA status, RRs, the match), and its
 *	TLS-RPT session is counted under policy-type tlsa, not sts.
 *
 *	Rounds run in a small pool of their own (ROUTE_THREADS), never on a
 *	request path; one round per domain at a time, so concurrent asks
 *	share it. A failed round is retried after ROUTE_BACKOFF_MIN seconds,
 *	doubling up to ROUTE_BACKOFF_MAX; a confirmed route is probed again
 *	in the background once three quarters of route_ttl have passed,
 *	when the domain is still in use, so busy domains never fall back to
 *	"pending". Testing domains are probed only when they publish one
 *	valid _smtp._tls record (RFC 8460: their failures are worth
 *	reporting), and then once per route_ttl.
 *
 * DIAGNOSTICS
 *	Every round is logged with domain= and its outcome; a failed round
 *	names the MX, the result type and the reason.
 */
#include "autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "hash.h"
#include "log.h"
#include "mono.h"
#include "mx_match.h"
#include "policyd.h"
#include "pool.h"
#include "probe.h"
#include "record.h"
#include "refresh.h"
#include "reply.h"
#include "resolver.h"
#include "route.h"
#include "tlsrpt_record.h"
#include "tlsrpt_store.h"
#include "worker.h"

#define ROUTE_FORMAT	1	/* version of the stored JSON value */
#define ROUTE_TLSA_KEEP	4	/* TLSA RRs of a host kept for show */
#define ROUTE_TLSA_TEXT	140	/* "3 1 2 " and a SHA2-512 digest, NUL */
#define TESTING_MIN_TTL	60	/* testing domains: probes at most this often */

enum route_kind {
	ROUTE_ABSENT = 0,	/* no record */
	ROUTE_CONFIRMED,	/* an MX passed */
	ROUTE_FAILED,		/* none passed */
	ROUTE_SKIPPED		/* testing domain without _smtp._tls */
};

struct route_result {
	char	mx[256];
	char	result[40];	/* RFC 8460 result type, "success", "unreachable" */
	char	why[256];
	char	addr[64];
	char	helo[256];
	int64_t	checked_at;
	int	probed;		/* 0: skipped without connecting */
	int	dane;		/* DANE decided this host (RFC 7672) */
	char	tlsa_sec[12];	/* DNSSEC status of its TLSA answer */
	char	dane_match[16];	/* the TLSA RR that matched: "3 1 1" */
	size_t	ntlsa;		/* RRs in its TLSA RRset */
	char	tlsa[ROUTE_TLSA_KEEP][ROUTE_TLSA_TEXT];
};

struct route_rec {
	enum route_kind kind;
	char	policy_id[33];	/* the policy the round ran under */
	char	mode[16];	/* its mode then */
	char	mx[256];	/* the confirmed MX, or "" */
	int64_t	checked_at;	/* end of the round */
	int64_t	next_try;	/* when a new round is due */
	int	fail_count;	/* failed rounds in a row */
	char	failure[40];	/* result type that failed the route, or "" */
	char	why[256];
	int	dane;		/* the dane setting of the round (1 auto) */
	size_t	nres;
	struct route_result res[ROUTE_MX_MAX + 1];
};

static atomic_ulong nprobes, nprobe_failures;

/* copy_str - bounded copy, always terminated. */
static void
copy_str(char *dst, size_t dstsz, const char *src)
{
	size_t	n = src != NULL ? strlen(src) : 0;

	if (n >= dstsz)
		n = dstsz - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* route_sts_name - a state in the words of DESIGN §6. */
const char *
route_sts_name(enum route_sts s)
{
	switch (s) {
	case ROUTE_STS_NONE:
		return "none";
	case ROUTE_STS_TESTING:
		return "testing";
	case ROUTE_STS_CONFIRMED:
		return "enforce/confirmed";
	case ROUTE_STS_ENFORCE_PENDING:
		return "enforce/pending";
	case ROUTE_STS_FAILED:
		return "enforce/failed";
	case ROUTE_STS_PENDING:
		return "pending";
	}
	return "pending";
}

/* route_settled - no hold needed for this state. */
int
route_settled(enum route_sts s)
{
	return s == ROUTE_STS_NONE || s == ROUTE_STS_TESTING ||
	    s == ROUTE_STS_CONFIRMED;
}

/* kind_name - the stored name of a kind. */
static const char *
kind_name(enum route_kind k)
{
	switch (k) {
	case ROUTE_CONFIRMED:
		return "confirmed";
	case ROUTE_FAILED:
		return "failed";
	case ROUTE_SKIPPED:
		return "skipped";
	default:
		return "absent";
	}
}

/* --- the stored value: a small versioned JSON object ------------------ */

/*
 * dane_encode - the "dane" object of a result DANE decided: the DNSSEC
 * status of the TLSA answer, its RRs (the first ROUTE_TLSA_KEEP) and
 * their number, and the RR that matched ("3 1 1"), if one did.
 */
static json_t *
dane_encode(const struct route_result *x)
{
	json_t *o, *a;
	size_t	i;

	if ((o = json_object()) == NULL)
		return json_null();
	a = json_array();
	for (i = 0; i < x->ntlsa && i < ROUTE_TLSA_KEEP; i++)
		json_array_append_new(a, json_string(x->tlsa[i]));
	json_object_set_new(o, "dnssec", json_string(x->tlsa_sec));
	json_object_set_new(o, "tlsa", a);
	json_object_set_new(o, "tlsa_count", json_integer((json_int_t)
	    x->ntlsa));
	json_object_set_new(o, "match", x->dane_match[0] ?
	    json_string(x->dane_match) : json_null());
	return o;
}

/* dane_decode - dane_encode() back into x (absent: DANE not used). */
static void
dane_decode(const json_t *o, struct route_result *x)
{
	const json_t *a;
	json_int_t n;
	size_t	i;

	if (!json_is_object(o))
		return;
	x->dane = 1;
	copy_str(x->tlsa_sec, sizeof(x->tlsa_sec), reply_jstr(o, "dnssec"));
	copy_str(x->dane_match, sizeof(x->dane_match), reply_jstr(o,
	    "match"));
	n = json_integer_value(json_object_get(o, "tlsa_count"));
	x->ntlsa = n > 0 && n <= RESOLVER_TLSA_MAX ? (size_t)n : 0;
	a = json_object_get(o, "tlsa");
	for (i = 0; i < ROUTE_TLSA_KEEP && i < json_array_size(a); i++)
		copy_str(x->tlsa[i], sizeof(x->tlsa[i]),
		    json_string_value(json_array_get(a, i)));
	if (x->ntlsa < i)
		x->ntlsa = i;
}

/* route_encode - the JSON text of rr (malloc'd), or NULL. */
static char *
route_encode(const struct route_rec *rr)
{
	json_t *o, *a, *r;
	char   *s;
	size_t	i;

	if ((o = json_object()) == NULL || (a = json_array()) == NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "v", json_integer(ROUTE_FORMAT));
	json_object_set_new(o, "state", json_string(kind_name(rr->kind)));
	json_object_set_new(o, "policy_id", json_string(rr->policy_id));
	json_object_set_new(o, "mode", json_string(rr->mode));
	json_object_set_new(o, "mx", json_string(rr->mx));
	json_object_set_new(o, "checked_at", json_integer(rr->checked_at));
	json_object_set_new(o, "next_try", json_integer(rr->next_try));
	json_object_set_new(o, "fail_count", json_integer(rr->fail_count));
	json_object_set_new(o, "failure", json_string(rr->failure));
	json_object_set_new(o, "why", json_string(rr->why));
	json_object_set_new(o, "dane", json_integer(rr->dane));
	for (i = 0; i < rr->nres; i++) {
		const struct route_result *x = &rr->res[i];

		r = json_object();
		json_object_set_new(r, "mx", json_string(x->mx));
		json_object_set_new(r, "result", json_string(x->result));
		json_object_set_new(r, "why", json_string(x->why));
		json_object_set_new(r, "addr", json_string(x->addr));
		json_object_set_new(r, "helo", json_string(x->helo));
		json_object_set_new(r, "checked_at",
		    json_integer(x->checked_at));
		json_object_set_new(r, "probed", json_boolean(x->probed));
		if (x->dane)
			json_object_set_new(r, "dane", dane_encode(x));
		json_array_append_new(a, r);
	}
	json_object_set_new(o, "results", a);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* route_decode - parse a stored value into rr; 0, or -1 when unusable. */
static int
route_decode(const char *buf, size_t len, struct route_rec *rr)
{
	json_t *o, *a, *r;
	const char *st;
	size_t	i;

	memset(rr, 0, sizeof(*rr));
	if ((o = json_loadb(buf, len, 0, NULL)) == NULL)
		return -1;
	if (!json_is_object(o) || reply_jint(o, "v") != ROUTE_FORMAT) {
		json_decref(o);
		return -1;
	}
	st = reply_jstr(o, "state");
	if (strcmp(st, "confirmed") == 0)
		rr->kind = ROUTE_CONFIRMED;
	else if (strcmp(st, "failed") == 0)
		rr->kind = ROUTE_FAILED;
	else if (strcmp(st, "skipped") == 0)
		rr->kind = ROUTE_SKIPPED;
	else {
		json_decref(o);
		return -1;
	}
	copy_str(rr->policy_id, sizeof(rr->policy_id), reply_jstr(o, "policy_id"));
	copy_str(rr->mode, sizeof(rr->mode), reply_jstr(o, "mode"));
	copy_str(rr->mx, sizeof(rr->mx), reply_jstr(o, "mx"));
	rr->checked_at = reply_jint(o, "checked_at");
	rr->next_try = reply_jint(o, "next_try");
	rr->fail_count = (int)reply_jint(o, "fail_count");
	copy_str(rr->failure, sizeof(rr->failure), reply_jstr(o, "failure"));
	copy_str(rr->why, sizeof(rr->why), reply_jstr(o, "why"));
	/* absent: a round from before DANE, as good as dane = no */
	rr->dane = reply_jint(o, "dane") == 1;
	a = json_object_get(o, "results");
	for (i = 0; json_is_array(a) && i < json_array_size(a) &&
	    rr->nres < sizeof(rr->res) / sizeof(rr->res[0]); i++) {
		struct route_result *x = &rr->res[rr->nres];

		r = json_array_get(a, i);
		if (!json_is_object(r))
			continue;
		copy_str(x->mx, sizeof(x->mx), reply_jstr(r, "mx"));
		copy_str(x->result, sizeof(x->result), reply_jstr(r, "result"));
		copy_str(x->why, sizeof(x->why), reply_jstr(r, "why"));
		copy_str(x->addr, sizeof(x->addr), reply_jstr(r, "addr"));
		copy_str(x->helo, sizeof(x->helo), reply_jstr(r, "helo"));
		x->checked_at = reply_jint(r, "checked_at");
		x->probed = json_is_true(json_object_get(r, "probed"));
		dane_decode(json_object_get(r, "dane"), x);
		rr->nres++;
	}
	json_decref(o);
	return 0;
}

/* route_get - the stored route of domain: 1 found, 0 none or unusable. */
static int
route_get(const char *domain, struct route_rec *rr)
{
	char   *val;
	size_t	len;
	int	r;

	memset(rr, 0, sizeof(*rr));
	if ((r = cache_table_get(CACHE_ROUTE, domain, &val, &len)) != 1)
		return 0;
	r = route_decode(val, len, rr) == 0;
	if (!r)
		log_warnx("domain=%s stored route unreadable; probing again",
		    domain);
	free(val);
	return r;
}

/* route_put - store rr for domain. */
static int
route_put(const char *domain, const struct route_rec *rr)
{
	char   *s;
	int	r;

	if ((s = route_encode(rr)) == NULL) {
		log_warnx("domain=%s route: out of memory", domain);
		return -1;
	}
	r = cache_table_put(CACHE_ROUTE, domain, s, strlen(s));
	free(s);
	return r;
}

/* --- one round of probes ----------------------------------------------- */

/*
 * tlsrpt_published - does domain publish one valid _smtp._tls record
 * with a URI we could send reports to (R1-R3)? Otherwise a probe of a
 * testing domain would learn nothing anybody can be told.
 */
static int
tlsrpt_published(const char *domain)
{
	struct dns_txt txt;
	struct tlsrpt_record rec;
	struct txt_rr *rrs = NULL;
	const char *why = NULL;
	char	name[300];
	size_t	i;
	int	ok = 0;

	snprintf(name, sizeof(name), "_smtp._tls.%s", domain);
	resolver_txt(name, &txt);
	if (txt.status != DNS_OK || txt.n == 0)
		goto out;
	if ((rrs = calloc(txt.n, sizeof(*rrs))) == NULL)
		goto out;
	for (i = 0; i < txt.n; i++) {
		rrs[i].data = txt.rr[i];
		rrs[i].len = txt.len[i];
	}
	memset(&rec, 0, sizeof(rec));
	if (tlsrpt_record_select(rrs, txt.n, &rec, &why) == TLSRPT_SELECT_OK) {
		ok = 1;
		tlsrpt_record_free(&rec);
	} else
		log_debug("domain=%s _smtp._tls: %s", domain, why ? why :
		    "not usable");
out:
	free(rrs);
	dns_txt_free(&txt);
	return ok;
}

/* add_result - the next result slot of rr for host, or NULL when full. */
static struct route_result *
add_result(struct route_rec *rr, const char *host, const char *result,
    const char *why)
{
	struct route_result *x;

	if (rr->nres >= sizeof(rr->res) / sizeof(rr->res[0]))
		return NULL;
	x = &rr->res[rr->nres++];
	memset(x, 0, sizeof(*x));
	copy_str(x->mx, sizeof(x->mx), host);
	copy_str(x->result, sizeof(x->result), result);
	copy_str(x->why, sizeof(x->why), why);
	x->checked_at = time(NULL);
	return x;
}

/* seen_host - was host already looked at in this round? */
static int
seen_host(const struct route_rec *rr, const char *host)
{
	size_t	i;

	for (i = 0; i < rr->nres; i++)
		if (strcmp(rr->res[i].mx, host) == 0)
			return 1;
	return 0;
}

/*
 * pick_failure - the result type that failed the route: the first
 * reportable failure of a host we probed, else of one we skipped.
 */
static void
pick_failure(struct route_rec *rr)
{
	const struct route_result *x, *skipped = NULL, *probed = NULL;
	size_t	i;

	for (i = 0; i < rr->nres; i++) {
		x = &rr->res[i];
		if (strcmp(x->result, "success") == 0 ||
		    strcmp(x->result, "unreachable") == 0)
			continue;
		if (!x->probed) {
			if (skipped == NULL)
				skipped = x;
		} else if (probed == NULL)
			probed = x;
	}
	if ((x = probed != NULL ? probed : skipped) != NULL) {
		copy_str(rr->failure, sizeof(rr->failure), x->result);
		snprintf(rr->why, sizeof(rr->why), "%.120s: %.120s", x->mx,
		    x->why);
	} else if (rr->nres > 0) {
		x = &rr->res[0];
		snprintf(rr->why, sizeof(rr->why), "%.120s: %.120s", x->mx,
		    x->why);
	}
}

/*
 * dane_lookup - does DANE decide host (RFC 7672 section 2.2)? Only under
 * dane = auto and a DNSSEC-secure MX RRset (or secure denial of one, for
 * the implicit MX), and only for a host whose addresses are secure; then
 * its TLSA RRset is looked up into t. 1 when that answer decides: secure
 * with a usable RR, bogus (a DANE failure, never "no TLSA"), or no answer
 * at all (the host must not be judged by MTA-STS alone while its TLSA
 * may exist: probe_mx_dane() calls it unreachable). 0: MTA-STS alone.
 * t is always left for dns_tlsa_free().
 */
static int
dane_lookup(const struct config *cfg, const struct dns_mx *mx,
    const char *host, struct dns_tlsa *t)
{
	struct dns_addrs a;
	int	secure;

	memset(t, 0, sizeof(*t));
	if (!cfg->dane || mx->sec != DNS_SEC_SECURE)
		return 0;
	resolver_addrs(host, &a);
	secure = a.status == DNS_OK && a.sec == DNS_SEC_SECURE;
	dns_addrs_free(&a);
	if (!secure)
		return 0;
	resolver_tlsa(host, t);
	return dns_tlsa_dane(t) || t->status == DNS_BOGUS ||
	    t->sec == DNS_SEC_BOGUS || t->status == DNS_SERVFAIL;
}

/* note_dane - keep what DANE said of a host in its result x. */
static void
note_dane(struct route_result *x, const struct dns_tlsa *t,
    const struct probe_report *rep)
{
	char   *s;
	size_t	i, n;

	x->dane = 1;
	copy_str(x->tlsa_sec, sizeof(x->tlsa_sec), t->status == DNS_BOGUS ?
	    "bogus" : dns_sec_name(t->sec));
	copy_str(x->dane_match, sizeof(x->dane_match), rep->dane_match);
	x->ntlsa = t->n;
	for (i = 0; i < t->n && i < ROUTE_TLSA_KEEP; i++) {
		if ((s = tlsrpt_tlsa_string(&t->rr[i])) == NULL)
			break;
		n = strlen(s);
		if (n >= sizeof(x->tlsa[i]))	/* a full certificate */
			snprintf(x->tlsa[i], sizeof(x->tlsa[i]), "%.*s...",
			    (int)sizeof(x->tlsa[i]) - 4, s);
		else
			memcpy(x->tlsa[i], s, n + 1);
		free(s);
	}
}

/* probe_walk - resolve and probe the MX hosts of domain into rr. */
static void
probe_walk(const struct config *cfg, const char *domain,
    const struct sts_policy *pol, struct route_rec *rr)
{
	struct dns_mx mx;
	struct dns_tlsa tlsa;
	struct probe_report rep;
	struct route_result *x;
	const char *host;
	size_t	i, n;
	int	implicit = 0, dane;

	rr->kind = ROUTE_FAILED;
	resolver_mx(domain, &mx);
	switch (mx.status) {
	case DNS_OK:
		if (mx.null_mx) {
			snprintf(rr->why, sizeof(rr->why), "null MX (RFC 7505): "
			    "the domain accepts no mail");
			goto out;
		}
		if (mx.n == 0)
			implicit = 1;
		break;
	case DNS_NODATA:
		implicit = 1;		/* RFC 5321 §5.1, E8 */
		break;
	case DNS_NXDOMAIN:
		snprintf(rr->why, sizeof(rr->why), "MX lookup: the domain "
		    "does not exist");
		goto out;
	default:
		snprintf(rr->why, sizeof(rr->why), "MX lookup failed: %s%s%s",
		    dns_status_name(mx.status), mx.why[0] ? ": " : "", mx.why);
		goto out;
	}
	n = implicit ? 1 : mx.n;
	for (i = 0; i < n && rr->nres < ROUTE_MX_MAX; i++) {
		if (atomic_load(&policyd_stopping))
			break;
		host = implicit ? domain : mx.mx[i].host;
		if (seen_host(rr, host))
			continue;
		if (!dns_name_is_ldh(host, strlen(host))) {
			add_result(rr, host, "validation-failure",
			    "not a host name");
			continue;
		}
		if (!sts_policy_lists(pol, host)) {
			/* E4, W14: not a candidate; no connection needed. */
			add_result(rr, host, "validation-failure", implicit ?
			    "not in the policy (implicit MX, RFC 5321 "
			    "section 5.1)" : "not in the policy (E2)");
			if (pol->mode != STS_MODE_NONE)
				tlsrpt_store_add_sts(domain, pol, 1,
				    "validation-failure", host, NULL, NULL,
				    "mx-not-in-policy");
			continue;
		}
		memset(&rep, 0, sizeof(rep));
		/*
		 * RFC 8461 section 2: where DANE applies it decides; a
		 * failing DANE check is never overridden by the WebPKI.
		 */
		if ((dane = dane_lookup(cfg, &mx, host, &tlsa)))
			probe_mx_dane(cfg, host, &tlsa, &rep);
		else
			probe_mx(cfg, host, &rep);
		atomic_fetch_add(&nprobes, 1);
		/* E9: a session result; unreachable is not one */
		if (rep.result != PROBE_UNREACHABLE &&
		    pol->mode != STS_MODE_NONE) {
			if (dane)
				tlsrpt_store_add_tlsa(domain, &tlsa,
				    rep.result != PROBE_OK,
				    probe_result_name(rep.result), host,
				    rep.addr[0] ? rep.addr : NULL,
				    rep.helo[0] ? rep.helo : NULL,
				    rep.result != PROBE_OK && rep.why[0] ?
				    rep.why : NULL);
			else
				tlsrpt_store_add_sts(domain, pol,
				    rep.result != PROBE_OK,
				    probe_result_name(rep.result), host,
				    rep.addr[0] ? rep.addr : NULL,
				    rep.helo[0] ? rep.helo : NULL,
				    rep.result != PROBE_OK && rep.why[0] ?
				    rep.why : NULL);
		}
		if ((x = add_result(rr, host, probe_result_name(rep.result),
		    rep.why[0] ? rep.why : probe_result_name(rep.result)))
		    != NULL) {
			x->probed = 1;
			copy_str(x->addr, sizeof(x->addr), rep.addr);
			copy_str(x->helo, sizeof(x->helo), rep.helo);
			if (dane)
				note_dane(x, &tlsa, &rep);
		}
		dns_tlsa_free(&tlsa);
		if (rep.result == PROBE_OK) {
			rr->kind = ROUTE_CONFIRMED;
			copy_str(rr->mx, sizeof(rr->mx), host);
			/* A long host name may cut the note short: fine. */
			if (snprintf(rr->why, sizeof(rr->why), "%s passed%s%s%s%s",
			    host, dane ? " DANE " : "", dane ? rep.dane_match :
			    "", rep.tls_version[0] ? " with " : "",
			    rep.tls_version) < 0)
				rr->why[0] = '\0';
			break;
		}
		atomic_fetch_add(&nprobe_failures, 1);
	}
	if (rr->kind == ROUTE_FAILED)
		pick_failure(rr);
	if (rr->kind == ROUTE_FAILED && rr->nres == 0 && rr->why[0] == '\0')
		snprintf(rr->why, sizeof(rr->why), "no MX host to probe");
out:
	dns_mx_free(&mx);
}

/* route_run - one round for domain, stored in the route table. */
static void
route_run(const char *domain)
{
	struct config *cfg = policyd_config_get();
	struct route_rec *rr = NULL, *old = NULL;
	struct record rec;
	time_t	now = time(NULL), ttl, backoff;
	int	have_rec, testing, i;

	ttl = cfg->route_ttl;
	have_rec = cache_get(domain, &rec) == 1;
	if (!have_rec || !lookup_valid(&rec, now) ||
	    (rec.policy.mode != STS_MODE_ENFORCE &&
	    rec.policy.mode != STS_MODE_TESTING))
		goto out;		/* nothing to confirm any more */
	testing = rec.policy.mode == STS_MODE_TESTING;
	if ((rr = calloc(1, sizeof(*rr))) == NULL ||
	    (old = calloc(1, sizeof(*old))) == NULL) {
		log_warnx("domain=%s route: out of memory", domain);
		goto out;
	}
	copy_str(rr->policy_id, sizeof(rr->policy_id), rec.id);
	copy_str(rr->mode, sizeof(rr->mode), sts_mode_name(rec.policy.mode));
	rr->dane = cfg->dane ? 1 : 0;
	if (testing && !tlsrpt_published(domain)) {
		rr->kind = ROUTE_SKIPPED;
		rr->checked_at = now;
		rr->next_try = now + (ttl > TESTING_MIN_TTL ? ttl :
		    TESTING_MIN_TTL);
		snprintf(rr->why, sizeof(rr->why), "testing policy and no "
		    "_smtp._tls record: nothing to report, not probed");
		route_put(domain, rr);
		log_debug("domain=%s %s", domain, rr->why);
		goto out;
	}
	probe_walk(cfg, domain, &rec.policy, rr);
	if (atomic_load(&policyd_stopping))
		goto out;
	rr->checked_at = time(NULL);
	if (rr->kind == ROUTE_CONFIRMED) {
		rr->fail_count = 0;
		rr->next_try = rr->checked_at + (testing ? (ttl >
		    TESTING_MIN_TTL ? ttl : TESTING_MIN_TTL) : ttl * 3 / 4);
		log_info("domain=%s route confirmed: %s", domain, rr->why);
	} else {
		if (route_get(domain, old) && old->kind == ROUTE_FAILED &&
		    strcmp(old->policy_id, rr->policy_id) == 0)
			rr->fail_count = old->fail_count;
		if (rr->fail_count < 30)
			rr->fail_count++;
		backoff = ROUTE_BACKOFF_MIN;
		for (i = 1; i < rr->fail_count && backoff < ROUTE_BACKOFF_MAX;
		    i++)
			backoff *= 2;
		if (backoff > ROUTE_BACKOFF_MAX)
			backoff = ROUTE_BACKOFF_MAX;
		if (testing && backoff < ttl)
			backoff = ttl > TESTING_MIN_TTL ? ttl : TESTING_MIN_TTL;
		rr->next_try = rr->checked_at + backoff;
		if (testing)
			log_notice("domain=%s probe failed (testing policy, "
			    "reported only): %s%s%s", domain, rr->failure[0] ?
			    rr->failure : "", rr->failure[0] ? ": " : "",
			    rr->why);
		else
			log_warnx("domain=%s route failed: %s%s%s; next try "
			    "in %llds", domain, rr->failure[0] ? rr->failure :
			    "", rr->failure[0] ? ": " : "", rr->why,
			    (long long)backoff);
	}
	route_put(domain, rr);
out:
	policyd_config_put(cfg);
	if (have_rec)
		record_free(&rec);
	free(rr);
	free(old);
}

/* --- the job pool -------------------------------------------------------- */

static struct pool *pool;

/* run - one round (pool_run_fn). */
static void
run(const char *domain, int flags, void *result)
{
	(void)flags;
	(void)result;
	route_run(domain);
}

/* make_pool - pthread_once routine. */
static void
make_pool(void)
{
	pool = pool_new("probe", ROUTE_QUEUE_MAX, 0, run);
}

/* the_pool - the probe pool, made on first use. */
static struct pool *
the_pool(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, make_pool);
	return pool;
}

/* route_queue - start a round for domain unless one is queued or running. */
static int
route_queue(const char *domain)
{
	return the_pool() == NULL ? -1 : pool_submit(pool, domain, 0, 0);
}

/* route_wait - wait up to ms for the round of domain; 1 done or none, 0 not yet. */
static int
route_wait(const char *domain, long long ms)
{
	int	r;

	if (the_pool() == NULL)
		return 1;
	r = pool_wait(pool, domain, 0, 0, ms, NULL);
	return r == 1 || r == 2;
}

/* job_running - is a round of domain queued or running? */
static int
job_running(const char *domain)
{
	return the_pool() != NULL && pool_busy(pool, domain);
}

/* route_start - start the pool. */
int
route_start(int nthreads)
{
	return the_pool() == NULL ? -1 : pool_start(pool, nthreads);
}

/* route_stop - wake every thread so it sees the stop flag. */
void
route_stop(void)
{
	if (the_pool() != NULL)
		pool_stop(pool);
}

/* --- the milter's state ------------------------------------------------- */

/*
 * fresh_for - is rr a round run under the policy id of rec and the dane
 * setting in force? A route confirmed without DANE says nothing once DANE
 * is to decide (after an upgrade or a reload that turns it on).
 */
static int
fresh_for(const struct route_rec *rr, const struct record *rec, int dane)
{
	return rr->kind != ROUTE_ABSENT &&
	    strcmp(rr->policy_id, rec->id) == 0 && rr->dane == (dane ? 1 : 0);
}

/* enforce_state - the state of an enforce domain with a valid policy. */
static enum route_sts
enforce_state(const char *domain, const struct record *rec, time_t ttl,
    int dane, int flags, long long deadline)
{
	struct route_rec *rr;
	enum route_sts s = ROUTE_STS_ENFORCE_PENDING;
	time_t	now = time(NULL), started = now;
	long long left;
	int	fresh;

	if ((rr = malloc(sizeof(*rr))) == NULL)
		return ROUTE_STS_ENFORCE_PENDING;
	route_get(domain, rr);
	fresh = fresh_for(rr, rec, dane);
	if (fresh && rr->kind == ROUTE_CONFIRMED && now - rr->checked_at <=
	    ttl) {
		/* Probe again before it runs out while mail flows. */
		if ((flags & ROUTE_QUEUE) && now >= rr->next_try)
			route_queue(domain);
		s = ROUTE_STS_CONFIRMED;
		goto out;
	}
	if (flags & ROUTE_QUEUE) {
		if (!fresh || rr->kind != ROUTE_FAILED || now >= rr->next_try)
			route_queue(domain);
		if ((left = deadline - mono_now_ms()) > 0 &&
		    route_wait(domain, left) == 1) {
			route_get(domain, rr);
			fresh = fresh_for(rr, rec, dane);
			now = time(NULL);
			if (fresh && rr->kind == ROUTE_CONFIRMED &&
			    (now - rr->checked_at <= ttl ||
			    rr->checked_at >= started)) {
				s = ROUTE_STS_CONFIRMED;
				goto out;
			}
		}
	}
	if (fresh && rr->kind == ROUTE_FAILED)
		s = ROUTE_STS_FAILED;
out:
	free(rr);
	return s;
}

/* testing_probe - queue a reporting probe of a testing domain when due. */
static void
testing_probe(const char *domain, const struct record *rec, int dane)
{
	struct route_rec *rr;

	if ((rr = malloc(sizeof(*rr))) == NULL)
		return;
	route_get(domain, rr);
	if (!fresh_for(rr, rec, dane) || time(NULL) >= rr->next_try)
		route_queue(domain);
	free(rr);
}

/* route_domain_state - see route.h. */
enum route_sts
route_domain_state(const char *domain, long wait_ms, int flags)
{
	struct config *cfg;
	struct record rec;
	enum route_sts s;
	long long deadline;
	time_t	now, started, ttl, recheck;
	long	maxwait;
	int	r, w, dane;

	cfg = policyd_config_get();
	ttl = cfg->route_ttl;
	dane = cfg->dane;
	recheck = cfg->txt_recheck;
	maxwait = (long)cfg->lookup_wait * 1000;
	policyd_config_put(cfg);
	if (wait_ms < 0)
		wait_ms = 0;
	if (wait_ms > maxwait)
		wait_ms = maxwait;
	deadline = mono_now_ms() + wait_ms;

	started = now = time(NULL);
	r = cache_get(domain, &rec);
	if (r == 1 && lookup_valid(&rec, now)) {
		if (flags & ROUTE_USE) {
			atomic_fetch_add(&policyd_stats.lookups, 1);
			atomic_fetch_add(&policyd_stats.hits, 1);
			if (now - rec.txt_checked_at > recheck)
				worker_queue(domain, 0);
			if (now - rec.last_used >= REFRESH_USED_GRAIN)
				refresh_mark_used(domain);
		}
	} else if (r == 1 && rec.state == RECORD_NEGATIVE &&
	    now < rec.neg_until) {
		record_free(&rec);
		return ROUTE_STS_NONE;
	} else {
		if (r == 1)
			record_free(&rec);
		if (!(flags & ROUTE_QUEUE))
			return ROUTE_STS_PENDING;
		if (flags & ROUTE_USE) {
			atomic_fetch_add(&policyd_stats.lookups, 1);
			atomic_fetch_add(&policyd_stats.misses, 1);
		}
		w = worker_wait(domain, 0, wait_ms, NULL);
		if (w == 0)
			return ROUTE_STS_PENDING;
		now = time(NULL);
		if (cache_get(domain, &rec) != 1)
			return ROUTE_STS_NONE;
		/* C9, W13: a policy fetched for this ask applies to it. */
		if (!lookup_valid(&rec, now) && !(rec.state == RECORD_POLICY &&
		    rec.fetched_at >= started)) {
			record_free(&rec);
			return ROUTE_STS_NONE;
		}
		if (flags & ROUTE_USE)
			refresh_mark_used(domain);
	}
	if (rec.state != RECORD_POLICY) {
		s = ROUTE_STS_NONE;
	} else if (rec.policy.mode == STS_MODE_ENFORCE) {
		s = enforce_state(domain, &rec, ttl, dane, (flags &
		    ROUTE_NOPROBE) ?
		    flags & ~ROUTE_QUEUE : flags, deadline);
	} else if (rec.policy.mode == STS_MODE_TESTING) {
		if ((flags & ROUTE_QUEUE) && !(flags & ROUTE_NOPROBE))
			testing_probe(domain, &rec, dane);
		s = ROUTE_STS_TESTING;
	} else
		s = ROUTE_STS_NONE;
	record_free(&rec);
	return s;
}

/* --- the control socket's view ----------------------------------------- */

/* route_show - the route object of the control socket. */
json_t *
route_show(const char *domain)
{
	struct config *cfg;
	struct route_rec *rr;
	struct record rec;
	json_t *o, *a, *x;
	const char *state;
	time_t	now = time(NULL), ttl;
	int	have_rec, running, dane;
	size_t	i;

	if ((rr = malloc(sizeof(*rr))) == NULL)
		return json_null();
	running = job_running(domain);
	if (!route_get(domain, rr) && !running) {
		free(rr);
		return json_null();
	}
	cfg = policyd_config_get();
	ttl = cfg->route_ttl;
	dane = cfg->dane;
	policyd_config_put(cfg);
	have_rec = cache_get(domain, &rec) == 1;
	if (rr->kind == ROUTE_ABSENT)
		state = "pending";
	else if (rr->kind == ROUTE_SKIPPED)
		state = NULL;
	else if (!have_rec || !fresh_for(rr, &rec, dane))
		state = "pending";		/* a new policy: not probed yet */
	else if (rr->kind == ROUTE_FAILED)
		state = "failed";
	else if (now - rr->checked_at <= ttl)
		state = "confirmed";
	else
		state = "pending";		/* older than route_ttl */
	if (have_rec)
		record_free(&rec);

	o = json_object();
	json_object_set_new(o, "state", control_str(state));
	json_object_set_new(o, "mx", control_str(rr->mx));
	json_object_set_new(o, "checked_at", control_time(rr->checked_at));
	json_object_set_new(o, "failure", control_str(rr->failure));
	json_object_set_new(o, "why", control_str(rr->why));
	json_object_set_new(o, "policy_id", control_str(rr->policy_id));
	json_object_set_new(o, "next_try", control_time(rr->next_try));
	json_object_set_new(o, "probing", json_boolean(running));
	a = json_array();
	for (i = 0; i < rr->nres; i++) {
		x = json_object();
		json_object_set_new(x, "mx", json_string(rr->res[i].mx));
		json_object_set_new(x, "result",
		    json_string(rr->res[i].result));
		json_object_set_new(x, "why", control_str(rr->res[i].why));
		json_object_set_new(x, "addr", control_str(rr->res[i].addr));
		json_object_set_new(x, "helo", control_str(rr->res[i].helo));
		json_object_set_new(x, "checked_at",
		    control_time(rr->res[i].checked_at));
		json_object_set_new(x, "dane", rr->res[i].dane ?
		    dane_encode(&rr->res[i]) : json_null());
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "results", a);
	free(rr);
	return o;
}

/* route_forget - drop one route. */
int
route_forget(const char *domain)
{
	return cache_table_del(CACHE_ROUTE, domain);
}

/* route_forget_all - drop every route. */
long
route_forget_all(void)
{
	return cache_table_del_all(CACHE_ROUTE);
}

struct keys {
	char  **v;
	size_t	n, cap;
};

/* collect_key - cache_table_walk callback: remember every key. */
static int
collect_key(const char *key, const char *val, size_t len, void *arg)
{
	struct keys *k = arg;
	char  **nv;

	(void)val;
	(void)len;
	if (k->n == k->cap) {
		size_t	cap = k->cap ? k->cap * 2 : 64;

		if ((nv = realloc(k->v, cap * sizeof(*nv))) == NULL)
			return 1;
		k->v = nv;
		k->cap = cap;
	}
	if ((k->v[k->n] = strdup(key)) == NULL)
		return 1;
	k->n++;
	return 0;
}

/* route_sweep - forget routes of domains the cache forgot. */
long
route_sweep(void)
{
	struct keys k = { NULL, 0, 0 };
	struct record rec;
	long	dropped = 0;
	size_t	i;
	int	r;

	cache_table_walk(CACHE_ROUTE, collect_key, &k);
	for (i = 0; i < k.n; i++) {
		if ((r = cache_get(k.v[i], &rec)) == 1)
			record_free(&rec);
		else if (r == 0 && !job_running(k.v[i]) &&
		    cache_table_del(CACHE_ROUTE, k.v[i]) == 1)
			dropped++;
		free(k.v[i]);
	}
	free(k.v);
	return dropped;
}

/* route_probes - probes run since start. */
unsigned long
route_probes(void)
{
	return atomic_load(&nprobes);
}

/* route_probe_failures - probes that did not pass. */
unsigned long
route_probe_failures(void)
{
	return atomic_load(&nprobe_failures);
}
