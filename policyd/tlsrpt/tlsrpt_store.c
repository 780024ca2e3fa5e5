/*
 * NAME
 *	tlsrpt_store - count TLS-RPT session results per day and policy
 * SYNOPSIS
 *	#include "tlsrpt_store.h"
 * DESCRIPTION
 *	An aggregate is one (UTC day, report domain, TLS-RPT record,
 *	policy) with its success and failure totals and its distinct
 *	failure details, each counted. tlsrpt_store_add() merges an event
 *	into an in-memory batch (a jansson object keyed by the aggregate);
 *	the flush thread merges the batch into the "tlsrpt" LMDB database
 *	in one write transaction every TLSRPT_FLUSH_SECS and at stop.
 *
 *	LMDB key: 8-byte big-endian day start, the domain, a NUL, and 16
 *	hex digits of an FNV-1a hash of record, type, policy strings and mx
 *	patterns (and the policy domain where it is not the report
 *	domain). Value: the aggregate as compact JSON; "domain" is the
 *	report domain, "policy_domain" the policy's when it differs.
 *
 *	A policy keeps at most TLSRPT_DETAILS_MAX distinct details; the
 *	sessions of any further detail are added to the last one (and to
 *	"capped"), so a flood of distinct peers cannot grow the store. The
 *	aggregate's JSON form, identity and merging are tlsrpt_agg.c's;
 *	tlsrpt_store_walk() hands the stored ones of a day to the report
 *	assembly (tlsrpt_reports.c).
 *
 *	Anyone who can write to the collector socket can send datagrams, so
 *	junk must not crowd out real counts. Our own sessions (probes,
 *	fetches) and datagrams about a domain whose MTA-STS policy is in the
 *	cache always count. Other datagrams may start at most
 *	tlsrpt_datagram_limit new aggregates a UTC day, and at most
 *	TLSRPT_DOMAIN_AGGS_MAX for one domain; past that their events are
 *	dropped (counted as "limited", logged at most once a minute). The
 *	tally lives in memory for the current and the previous day, so a
 *	restart begins it anew.
 *
 *	Report mail we submit ourselves is not told apart by the datagrams
 *	Postfix sends about its delivery, so each submission leaves one
 *	expected session for the recipient's domain, and the collector
 *	leaves out the next datagram for that domain within an hour (counted
 *	as "suppressed"). This can drop another message's session instead
 *	of the report's own, but never more sessions than reports sent.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cache.h"
#include "hash.h"
#include "log.h"
#include "mono.h"
#include "mx_match.h"
#include "policyd.h"
#include "resolver.h"
#include "sts_policy.h"
#include "tlsrpt_agg.h"
#include "tlsrpt_store.h"

#define TS_PENDING_MAX	20000	/* aggregates in memory before a forced flush */
#define TS_KEY_MAX	(8 + 256 + 1 + 16)

static pthread_mutex_t ts_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ts_flush_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ts_cond;		/* CLOCK_MONOTONIC: ts_cond_init */
static pthread_once_t ts_cond_once = PTHREAD_ONCE_INIT;
static json_t *ts_pending;		/* "hexday|domain|hash" -> aggregate */
static pthread_t ts_thread;
static int ts_running, ts_stop;
static struct tlsrpt_store_stats ts_stats;	/* under ts_lock */
static _Atomic int_least64_t ts_clock_offset;	/* tests only */

/* The day's limits on datagram-only aggregates, under ts_lock. */
static json_t *ts_known;	/* "hexday|domain|hash" -> true */
static json_t *ts_counts;	/* "hexday" and "hexday|domain" -> count */
static int64_t ts_known_day;
static int64_t ts_limited_logged;	/* when the last line was logged */
static uint64_t ts_limited_since;	/* dropped since that line */

/* Expected sessions of our own report mail, under ts_lock. */
struct ts_expect {
	char	domain[256];
	int64_t	until;
};
static struct ts_expect ts_expect[TLSRPT_EXPECT_MAX];
static size_t ts_nexpect;

/* tlsrpt_store_day - the day start of t. */
int64_t
tlsrpt_store_day(int64_t t)
{
	int64_t	d = t - (t % 86400);

	if (t % 86400 < 0)
		d -= 86400;
	return d;
}

/* tlsrpt_store_set_clock_offset - shift the TLS-RPT clock (tests). */
void
tlsrpt_store_set_clock_offset(int64_t seconds)
{
	atomic_store(&ts_clock_offset, seconds);
}

/* tlsrpt_store_now - the TLS-RPT clock. */
int64_t
tlsrpt_store_now(void)
{
	return (int64_t)time(NULL) + (int64_t)atomic_load(&ts_clock_offset);
}

/* ts_lower - domain lower-cased without a final dot into buf; 0 or -1. */
static int
ts_lower(const char *domain, char *buf, size_t size)
{
	size_t	i, len;

	if (domain == NULL || (len = strlen(domain)) == 0 || len >= size)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)domain[i];

		buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	if (len > 1 && buf[len - 1] == '.')
		len--;
	buf[len] = '\0';
	return 0;
}

/* ts_expect_expire - drop expectations past their time (ts_lock held). */
static void
ts_expect_expire(int64_t now)
{
	size_t	i = 0;

	while (i < ts_nexpect) {
		if (ts_expect[i].until < now)
			ts_expect[i] = ts_expect[--ts_nexpect];
		else
			i++;
	}
}

/* tlsrpt_store_expect_report - one session of our report mail to come. */
void
tlsrpt_store_expect_report(const char *domain)
{
	char	dom[256];
	int64_t	now = tlsrpt_store_now();

	if (ts_lower(domain, dom, sizeof(dom)) != 0)
		return;
	pthread_mutex_lock(&ts_lock);
	ts_expect_expire(now);
	if (ts_nexpect < TLSRPT_EXPECT_MAX) {
		(void)snprintf(ts_expect[ts_nexpect].domain,
		    sizeof(ts_expect[0].domain), "%s", dom);
		ts_expect[ts_nexpect++].until = now + TLSRPT_EXPECT_SECS;
	}
	pthread_mutex_unlock(&ts_lock);
}

/* tlsrpt_store_take_report - 1 when a datagram for domain is our own. */
int
tlsrpt_store_take_report(const char *domain)
{
	char	dom[256];
	size_t	i;
	int	taken = 0;

	if (ts_lower(domain, dom, sizeof(dom)) != 0)
		return 0;
	pthread_mutex_lock(&ts_lock);
	ts_expect_expire(tlsrpt_store_now());
	for (i = 0; i < ts_nexpect; i++)
		if (strcmp(ts_expect[i].domain, dom) == 0) {
			ts_expect[i] = ts_expect[--ts_nexpect];
			ts_stats.suppressed++;
			taken = 1;
			break;
		}
	pthread_mutex_unlock(&ts_lock);
	return taken;
}

/* asprintf_like - a malloc'd formatted string in *out; 0 or -1. */
static int
asprintf_like(char **out, const char *fmt, ...)
{
	va_list	ap;
	int	len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	*out = NULL;
	if (len < 0 || (*out = malloc((size_t)len + 1)) == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(*out, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return 0;
}

/* ts_set_str - set key to s when s is non-empty. */
static void
ts_set_str(json_t *o, const char *key, const char *s)
{
	if (s != NULL && *s != '\0')
		json_object_set_new(o, key, json_string(s));
}

/* ts_strarray - a JSON array of n strings. */
static json_t *
ts_strarray(const char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[i] != NULL)
			json_array_append_new(a, json_string(v[i]));
	return a;
}

/* tlsrpt_store_init - set up the batch. */
int
tlsrpt_store_init(void)
{
	pthread_mutex_lock(&ts_lock);
	if (ts_pending == NULL)
		ts_pending = json_object();
	pthread_mutex_unlock(&ts_lock);
	return ts_pending != NULL ? 0 : -1;
}

/* ts_has_policy - is a valid MTA-STS policy of domain in the cache? */
static int
ts_has_policy(const char *domain)
{
	struct record rec;
	int	yes;

	if (cache_get(domain, &rec) != 1)
		return 0;
	yes = rec.state == RECORD_POLICY;
	record_free(&rec);
	return yes;
}

/* ts_prune - forget the tallies of days before yesterday (ts_lock held). */
static void
ts_prune(int64_t day)
{
	const char *k;
	json_t *v, *o;
	void	*tmp;
	char	keep[2][17];
	size_t	i;

	ts_known_day = day;
	snprintf(keep[0], sizeof(keep[0]), "%016llx", (unsigned long long)day);
	snprintf(keep[1], sizeof(keep[1]), "%016llx",
	    (unsigned long long)(day - 86400));
	for (i = 0; i < 2; i++) {
		o = i == 0 ? ts_known : ts_counts;
		json_object_foreach_safe(o, tmp, k, v)
			if (strncmp(k, keep[0], 16) != 0 &&
			    strncmp(k, keep[1], 16) != 0)
				json_object_del(o, k);
	}
}

/*
 * ts_admit - may an event of aggregate key (day, dom) be counted? See the
 * top of the file. trusted: our own, or a domain with a cached policy.
 * Called with ts_lock held.
 */
static int
ts_admit(const char *key, int64_t day, const char *dom, int trusted,
    unsigned int per_day)
{
	char	dk[16 + 1 + 256 + 1];
	json_int_t nday, ndom;

	if (ts_known == NULL && (ts_known = json_object()) == NULL)
		return 0;
	if (ts_counts == NULL && (ts_counts = json_object()) == NULL)
		return 0;
	if (day > ts_known_day)
		ts_prune(day);
	if (json_object_get(ts_known, key) != NULL)
		return 1;
	if (!trusted) {
		snprintf(dk, sizeof(dk), "%.16s", key);
		nday = json_integer_value(json_object_get(ts_counts, dk));
		snprintf(dk, sizeof(dk), "%016llx|%s",
		    (unsigned long long)day, dom);
		ndom = json_integer_value(json_object_get(ts_counts, dk));
		if (nday >= (json_int_t)per_day ||
		    ndom >= TLSRPT_DOMAIN_AGGS_MAX)
			return 0;
		json_object_set_new(ts_counts, dk, json_integer(ndom + 1));
		snprintf(dk, sizeof(dk), "%.16s", key);
		json_object_set_new(ts_counts, dk, json_integer(nday + 1));
	}
	json_object_set_new(ts_known, key, json_true());
	return 1;
}

/* ts_limited - count (and now and then log) an event over the limits. */
static void
ts_limited(const char *dom, unsigned int per_day)
{
	int64_t	now = (int64_t)time(NULL);

	ts_stats.limited++;
	ts_limited_since++;
	if (now - ts_limited_logged < 60)
		return;
	log_warnx("tlsrpt: datagram for %s not counted: over the limits "
	    "for domains without a cached policy (tlsrpt_datagram_limit %u "
	    "a day, %d per domain); %llu such event(s) dropped since the "
	    "last line", dom, per_day, TLSRPT_DOMAIN_AGGS_MAX,
	    (unsigned long long)ts_limited_since);
	ts_limited_logged = now;
	ts_limited_since = 0;
}

/* tlsrpt_store_add - count one event into the batch. */
int
tlsrpt_store_add(const struct tlsrpt_event *ev)
{
	char	dom[256], pdom[256], key[16 + 1 + 256 + 1 + 16 + 1];
	const char *rec = ev->record != NULL ? ev->record : "";
	const char *rdom = ev->report_domain != NULL &&
	    *ev->report_domain != '\0' ? ev->report_domain : ev->policy_domain;
	json_t *agg = NULL, *d = NULL, *old;
	uint64_t h = TLSRPT_AGG_SEED;
	int64_t	day;
	size_t	i, npend;
	unsigned int per_day = 0;
	int	ret = -1, trusted = 1;

	if (ts_lower(rdom, dom, sizeof(dom)) != 0 ||
	    ts_lower(ev->policy_domain, pdom, sizeof(pdom)) != 0) {
		log_warnx("tlsrpt: event without a usable policy domain");
		return -1;
	}
	if (!dns_name_is_ldh(dom, strlen(dom)) ||
	    !dns_name_is_ldh(pdom, strlen(pdom))) {
		log_warnx("tlsrpt: event for a policy domain that is not a "
		    "host name; not counted");
		return -1;
	}
	if (ev->failed == 1 && (ev->result_type == NULL ||
	    *ev->result_type == '\0'))
		log_debug("tlsrpt: failure for %s without a result type", dom);
	if (ev->failed == 2 && (ev->result_type == NULL ||
	    *ev->result_type == '\0'))
		return -1;
	day = tlsrpt_store_day(ev->when != 0 ? ev->when : tlsrpt_store_now());

	h = tlsrpt_agg_hash_str(h, rec);
	h = tlsrpt_agg_hash_str(h, tlsrpt_agg_type_name(ev->type));
	for (i = 0; i < ev->nstrings; i++)
		h = tlsrpt_agg_hash_str(h, ev->strings[i]);
	h = hash_fnv1a(h, "\002", 1);
	for (i = 0; i < ev->nmx; i++)
		h = tlsrpt_agg_hash_str(h, ev->mx_host[i]);
	if (strcmp(pdom, dom) != 0) {
		h = hash_fnv1a(h, "\003", 1);
		h = tlsrpt_agg_hash_str(h, pdom);
	}
	snprintf(key, sizeof(key), "%016llx|%s|%016llx",
	    (unsigned long long)day, dom, (unsigned long long)h);
	if (!ev->own) {
		struct config *cfg = policyd_config_get();

		per_day = cfg->tlsrpt_datagram_limit;
		policyd_config_put(cfg);
		trusted = ts_has_policy(dom);
	}

	if ((agg = json_object()) == NULL)
		return -1;
	json_object_set_new(agg, "day", json_integer((json_int_t)day));
	json_object_set_new(agg, "domain", json_string(dom));
	if (strcmp(pdom, dom) != 0)
		json_object_set_new(agg, "policy_domain", json_string(pdom));
	json_object_set_new(agg, "record", json_string(rec));
	json_object_set_new(agg, "type",
	    json_string(tlsrpt_agg_type_name(ev->type)));
	json_object_set_new(agg, "strings", ts_strarray(ev->strings,
	    ev->nstrings));
	json_object_set_new(agg, "mx", ts_strarray(ev->mx_host, ev->nmx));
	json_object_set_new(agg, "success", json_integer(ev->failed ? 0 : 1));
	json_object_set_new(agg, "failure", json_integer(ev->failed == 1 ?
	    1 : 0));
	json_object_set_new(agg, "details", json_array());
	if (ev->failed && ev->result_type != NULL && *ev->result_type != '\0') {
		d = json_object();
		ts_set_str(d, "result-type", ev->result_type);
		ts_set_str(d, "sending-mta-ip", ev->sending_mta_ip);
		ts_set_str(d, "receiving-mx-hostname",
		    ev->receiving_mx_hostname);
		ts_set_str(d, "receiving-mx-helo", ev->receiving_mx_helo);
		ts_set_str(d, "receiving-ip", ev->receiving_ip);
		ts_set_str(d, "additional-information",
		    ev->additional_information);
		ts_set_str(d, "failure-reason-code", ev->failure_reason_code);
	}

	pthread_mutex_lock(&ts_lock);
	if (!ts_admit(key, day, dom, trusted, per_day)) {
		ts_limited(dom, per_day);
		pthread_mutex_unlock(&ts_lock);
		goto out;
	}
	if (ts_pending == NULL && (ts_pending = json_object()) == NULL) {
		pthread_mutex_unlock(&ts_lock);
		goto out;
	}
	if ((old = json_object_get(ts_pending, key)) == NULL) {
		json_object_set(ts_pending, key, agg);
		old = agg;
	} else
		tlsrpt_agg_merge(old, agg);
	if (d != NULL)
		tlsrpt_agg_add_detail(old, d, 1);
	ts_stats.events++;
	npend = json_object_size(ts_pending);
	pthread_mutex_unlock(&ts_lock);
	if (npend >= TS_PENDING_MAX)
		tlsrpt_store_flush();
	ret = 0;
out:
	json_decref(agg);
	if (d != NULL)
		json_decref(d);
	return ret;
}

/*
 * ts_add_own - count one of policyd's own sessions, ev with its policy
 * strings strs[0..n) (built: all of them could be made), then free strs.
 */
static int
ts_add_own(struct tlsrpt_event *ev, int built, char **strs, size_t n,
    int failed, const char *result_type, const char *mx,
    const char *receiving_ip, const char *helo, const char *reason)
{
	size_t	i;
	int	ret = -1;

	if (built) {
		ev->own = 1;
		ev->failed = failed ? 1 : 0;
		ev->result_type = result_type;
		ev->receiving_mx_hostname = mx;
		ev->receiving_ip = receiving_ip;
		ev->receiving_mx_helo = helo;
		ev->failure_reason_code = reason;
		ret = tlsrpt_store_add(ev);
	}
	for (i = 0; i < n; i++)
		free(strs[i]);
	free(strs);
	return ret;
}

/* tlsrpt_store_add_sts - one of policyd's own STS sessions. */
int
tlsrpt_store_add_sts(const char *domain, const struct sts_policy *pol,
    int failed, const char *result_type, const char *mx,
    const char *receiving_ip, const char *helo, const char *reason)
{
	struct tlsrpt_event ev;
	char  **strs = NULL;
	size_t	i, n = 0;
	int	built = 0;

	memset(&ev, 0, sizeof(ev));
	ev.type = TLSRPT_POLICY_STS;
	ev.policy_domain = domain;
	if (pol != NULL) {
		if ((strs = calloc(pol->nmx + 3, sizeof(*strs))) == NULL)
			return -1;
		if (asprintf_like(&strs[n++], "version: STSv1") != 0 ||
		    asprintf_like(&strs[n++], "mode: %s",
		    sts_mode_name(pol->mode)) != 0)
			goto out;
		for (i = 0; i < pol->nmx; i++)
			if (asprintf_like(&strs[n++], "mx: %s", pol->mx[i]) != 0)
				goto out;
		if (asprintf_like(&strs[n++], "max_age: %lu",
		    (unsigned long)pol->max_age) != 0)
			goto out;
		ev.nstrings = n;
		ev.strings = (const char *const *)strs;
		ev.nmx = pol->nmx;
		ev.mx_host = (const char *const *)pol->mx;
	}
	built = 1;
out:
	return ts_add_own(&ev, built, strs, n, failed, result_type, mx,
	    receiving_ip, helo, reason);
}

/* tlsrpt_tlsa_string - one TLSA RR in presentation form (malloc'd). */
char *
tlsrpt_tlsa_string(const struct dns_tlsa_rr *rr)
{
	static const char hex[] = "0123456789ABCDEF";
	char   *s;
	size_t	i, n;

	/* "255 255 255 " and two digits an octet */
	if (rr->len > (SIZE_MAX - 16) / 2 || (s = malloc(16 + 2 *
	    rr->len)) == NULL)
		return NULL;
	n = (size_t)snprintf(s, 16, "%u %u %u ", rr->usage & 0xff,
	    rr->selector & 0xff, rr->mtype & 0xff);
	for (i = 0; i < rr->len; i++) {
		s[n++] = hex[rr->data[i] >> 4];
		s[n++] = hex[rr->data[i] & 0x0f];
	}
	s[n] = '\0';
	return s;
}

/*
 * tlsrpt_store_add_tlsa - one of policyd's own DANE sessions: the policy
 * is the TLSA RRset (RFC 8460 section 4.3: policy-string holds the RRs).
 */
int
tlsrpt_store_add_tlsa(const char *domain, const struct dns_tlsa *tlsa,
    int failed, const char *result_type, const char *mx,
    const char *receiving_ip, const char *helo, const char *reason)
{
	struct tlsrpt_event ev;
	char  **strs = NULL;
	size_t	n = 0;
	int	built = 0;

	memset(&ev, 0, sizeof(ev));
	ev.type = TLSRPT_POLICY_TLSA;
	/* RFC 8460 4.4 and Postfix: the TLSA base domain, in the
	 * recipient domain's report */
	ev.policy_domain = mx != NULL && *mx != '\0' ? mx : domain;
	ev.report_domain = domain;
	if (tlsa != NULL && tlsa->n > 0) {
		if ((strs = calloc(tlsa->n, sizeof(*strs))) == NULL)
			return -1;
		for (n = 0; n < tlsa->n; n++)
			if ((strs[n] = tlsrpt_tlsa_string(&tlsa->rr[n])) ==
			    NULL)
				goto out;
		ev.nstrings = n;
		ev.strings = (const char *const *)strs;
	}
	built = 1;
out:
	return ts_add_own(&ev, built, strs, n, failed, result_type, mx,
	    receiving_ip, helo, reason);
}

/* ts_lmdb_key - the binary key of an aggregate. */
static size_t
ts_lmdb_key(unsigned char *buf, int64_t day, const char *domain,
    const char *hashhex)
{
	uint64_t u = (uint64_t)day;
	size_t	dl = strlen(domain), i;

	for (i = 0; i < 8; i++)
		buf[i] = (unsigned char)(u >> (56 - 8 * i));
	memcpy(buf + 8, domain, dl);
	buf[8 + dl] = '\0';
	memcpy(buf + 8 + dl + 1, hashhex, 16);
	return 8 + dl + 1 + 16;
}

struct ts_batch {
	json_t **aggs;
};

/* ts_merge_cb - the new stored value of one aggregate. */
static int
ts_merge_cb(size_t i, const char *old, size_t oldlen, char **nv,
    size_t *nlen, void *arg)
{
	struct ts_batch *b = arg;
	json_t *agg = b->aggs[i], *o = NULL;
	json_error_t err;

	if (old != NULL && (o = json_loadb(old, oldlen, 0, &err)) != NULL &&
	    json_is_object(o)) {
		tlsrpt_agg_merge(o, agg);
		*nv = json_dumps(o, JSON_COMPACT);
	} else
		*nv = json_dumps(agg, JSON_COMPACT);
	if (o != NULL)
		json_decref(o);
	if (*nv == NULL)
		return -1;
	*nlen = strlen(*nv);
	return 0;
}

/* tlsrpt_store_flush - write the batch. */
int
tlsrpt_store_flush(void)
{
	json_t *batch, *agg;
	const char *k;
	struct ts_batch b = { NULL };
	unsigned char *keybufs = NULL;
	const void **keys = NULL;
	size_t	*klens = NULL, n, i = 0;
	int	ret = -1;

	pthread_mutex_lock(&ts_flush_lock);
	pthread_mutex_lock(&ts_lock);
	batch = ts_pending;
	ts_pending = json_object();
	pthread_mutex_unlock(&ts_lock);
	if (batch == NULL || (n = json_object_size(batch)) == 0) {
		ret = 0;
		goto out;
	}
	if ((b.aggs = calloc(n, sizeof(*b.aggs))) == NULL ||
	    (keys = calloc(n, sizeof(*keys))) == NULL ||
	    (klens = calloc(n, sizeof(*klens))) == NULL ||
	    (keybufs = malloc(n * TS_KEY_MAX)) == NULL)
		goto out;
	json_object_foreach(batch, k, agg) {
		const char *bar = strrchr(k, '|');

		if (bar == NULL || strlen(bar + 1) != 16)
			continue;
		b.aggs[i] = agg;
		klens[i] = ts_lmdb_key(keybufs + i * TS_KEY_MAX,
		    (int64_t)json_integer_value(json_object_get(agg, "day")),
		    json_string_value(json_object_get(agg, "domain")), bar + 1);
		keys[i] = keybufs + i * TS_KEY_MAX;
		i++;
	}
	if (cache_tlsrpt_merge(i, keys, klens, ts_merge_cb, &b) != 0)
		goto out;
	pthread_mutex_lock(&ts_lock);
	ts_stats.flushes++;
	pthread_mutex_unlock(&ts_lock);
	ret = 0;
out:
	if (ret != 0 && batch != NULL)
		log_warnx("tlsrpt: could not write %zu aggregate(s); their "
		    "counts are lost", json_object_size(batch));
	free(b.aggs);
	free(keys);
	free(klens);
	free(keybufs);
	if (batch != NULL)
		json_decref(batch);
	pthread_mutex_unlock(&ts_flush_lock);
	return ret;
}

/* ts_main - the flush thread. */
static void *
ts_main(void *arg)
{
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&ts_lock);
	while (!ts_stop) {
		mono_deadline(&ts, (long long)TLSRPT_FLUSH_SECS * 1000);
		pthread_cond_timedwait(&ts_cond, &ts_lock, &ts);
		if (ts_stop)
			break;
		pthread_mutex_unlock(&ts_lock);
		tlsrpt_store_flush();
		pthread_mutex_lock(&ts_lock);
	}
	pthread_mutex_unlock(&ts_lock);
	return NULL;
}

/* ts_cond_init - put ts_cond on the monotonic clock (mono.c), once. */
static void
ts_cond_init(void)
{
	mono_cond_init(&ts_cond);
}

/* tlsrpt_store_start - start the flush thread. */
int
tlsrpt_store_start(void)
{
	pthread_once(&ts_cond_once, ts_cond_init);
	if (tlsrpt_store_init() != 0)
		return -1;
	if (ts_running)
		return 0;
	ts_stop = 0;
	if (pthread_create(&ts_thread, NULL, ts_main, NULL) != 0)
		return -1;
	ts_running = 1;
	return 0;
}

/* tlsrpt_store_stop - stop the thread, flush the rest. */
void
tlsrpt_store_stop(void)
{
	pthread_once(&ts_cond_once, ts_cond_init);
	if (ts_running) {
		pthread_mutex_lock(&ts_lock);
		ts_stop = 1;
		pthread_cond_signal(&ts_cond);
		pthread_mutex_unlock(&ts_lock);
		pthread_join(ts_thread, NULL);
		ts_running = 0;
	}
	tlsrpt_store_flush();
}

/* tlsrpt_store_get_stats - copy the counters. */
void
tlsrpt_store_get_stats(struct tlsrpt_store_stats *st)
{
	pthread_mutex_lock(&ts_lock);
	*st = ts_stats;
	pthread_mutex_unlock(&ts_lock);
	st->capped = tlsrpt_agg_capped();
}

struct ts_days {
	int64_t *v;
	size_t	n, cap;
};

/* ts_day_cb - collect distinct days (keys come in order). */
static int
ts_day_cb(const void *key, size_t klen, const char *val, size_t len,
    void *arg)
{
	struct ts_days *d = arg;
	const unsigned char *k = key;
	uint64_t u = 0;
	int64_t	*nv;
	size_t	i;

	(void)val;
	(void)len;
	if (klen < 8)
		return 0;
	for (i = 0; i < 8; i++)
		u = (u << 8) | k[i];
	if (d->n > 0 && d->v[d->n - 1] == (int64_t)u)
		return 0;
	if (d->n == d->cap) {
		if ((nv = realloc(d->v, (d->cap * 2 + 8) * sizeof(*nv))) ==
		    NULL)
			return 1;
		d->v = nv;
		d->cap = d->cap * 2 + 8;
	}
	d->v[d->n++] = (int64_t)u;
	return 0;
}

/* tlsrpt_store_days - the days with data. */
int
tlsrpt_store_days(int64_t **out, size_t *n)
{
	struct ts_days d = { NULL, 0, 0 };

	tlsrpt_store_flush();
	if (cache_tlsrpt_walk(NULL, 0, ts_day_cb, &d) < 0) {
		free(d.v);
		return -1;
	}
	*out = d.v;
	*n = d.n;
	return 0;
}

/* ts_prefix - day (and domain) key prefix. */
static size_t
ts_prefix(unsigned char *buf, int64_t day, const char *domain)
{
	uint64_t u = (uint64_t)day;
	size_t	i, dl;

	for (i = 0; i < 8; i++)
		buf[i] = (unsigned char)(u >> (56 - 8 * i));
	if (domain == NULL)
		return 8;
	dl = strlen(domain);
	if (dl > 255)
		dl = 255;
	for (i = 0; i < dl; i++) {
		unsigned char c = (unsigned char)domain[i];

		buf[8 + i] = c >= 'A' && c <= 'Z' ? c + 32 : c;
	}
	buf[8 + dl] = '\0';
	return 8 + dl + 1;
}

/* tlsrpt_store_forget - drop a day's data. */
long
tlsrpt_store_forget(int64_t day_start, const char *domain)
{
	unsigned char p[8 + 256 + 1];

	tlsrpt_store_flush();
	return cache_tlsrpt_del_prefix(p, ts_prefix(p, day_start, domain));
}

struct ts_collect {
	json_t *aggs;		/* array of stored aggregates */
};

/* ts_collect_cb - keep each aggregate of the walk. */
static int
ts_collect_cb(const void *key, size_t klen, const char *val, size_t len,
    void *arg)
{
	struct ts_collect *c = arg;
	json_error_t err;
	json_t *o;

	(void)key;
	(void)klen;
	if ((o = json_loadb(val, len, 0, &err)) == NULL || !json_is_object(o)) {
		if (o != NULL)
			json_decref(o);
		return 0;
	}
	json_array_append_new(c->aggs, o);
	return 0;
}

/* tlsrpt_store_walk - the stored aggregates of a day, in key order. */
int
tlsrpt_store_walk(int64_t day_start, const char *domain, json_t *aggs)
{
	unsigned char p[8 + 256 + 1];
	struct ts_collect c;

	tlsrpt_store_flush();
	c.aggs = aggs;
	return cache_tlsrpt_walk(p, ts_prefix(p, day_start, domain),
	    ts_collect_cb, &c) < 0 ? -1 : 0;
}
