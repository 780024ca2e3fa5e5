/*
 * mxset.c - the MX host names a Postfix answer lists instead of the
 * policy's patterns.
 *
 * SYNOPSIS
 *	mxset_update(), mxset_view(), mxset_dane_name(), mxset_show() -
 *	see mxset.h.
 *
 * DESCRIPTION
 *	Postfix checks a "secure match=" answer against the certificate
 *	only: it never asks whether the MX host it connects to is one the
 *	policy lists (RFC 8461 §4.1). Answered with the policy's patterns
 *	(".example.net" for "*.example.net", which Postfix takes as any
 *	depth of subdomain), a certificate for another host under the
 *	pattern passes at the address of the real MX. So for a domain whose
 *	answer is "secure" this module resolves the MX RRset off the request
 *	path and keeps the exchange names the policy lists, in the cache's
 *	"mx" table under the policy id. The answer then names those hosts,
 *	and the certificate must name one of them. Each listed name matches
 *	a pattern, so the answer is never looser than the patterns.
 *
 *	DANE (dane = auto): when the MX RRset is DNSSEC-secure, the TLSA
 *	RRset _25._tcp.HOST of every MX host is looked up too. One secure,
 *	usable TLSA RRset (RFC 7672 §2.2, §3.1) makes DANE apply to the
 *	domain; a bogus MX or TLSA answer is a DANE failure. Either way the
 *	answer leaves the TLS policy to Postfix's own DANE (lookup.c), which
 *	an MTA-STS answer must not override (RFC 8461 §2). A DANE value is
 *	looked at again when its shortest TLSA TTL runs out.
 *
 *	The value is one line of text, "2 ID RESOLVED_AT REFRESH_AT DANE
 *	NAMES" (format 1, "1 ID RESOLVED_AT NAMES", is still read): NAMES
 *	the lower-case LDH host names joined by ':' (possibly empty: no MX
 *	the policy lists, or a null MX), DANE a word of mxset_dane_name(),
 *	REFRESH_AT 0 or when a TLSA TTL runs out. It is written after a
 *	discovery or TXT check when anything but the times changed, or
 *	MXSET_REWRITE after the last write, and answered for MXSET_MAX_AGE;
 *	a failed MX or TLSA lookup (SERVFAIL, timeout) leaves it as it is.
 *	Without usable names the answer lists the patterns, as before.
 *
 * DIAGNOSTICS
 *	A change of names is logged with domain=, as are MX lookups that
 *	failed and names left out.
 */
#include "autoconf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "log.h"
#include "mx_match.h"
#include "mxset.h"
#include "policyd.h"
#include "record.h"
#include "reply.h"
#include "resolver.h"

/* mxset_dane_name - see mxset.h. */
const char *
mxset_dane_name(enum mxset_dane d)
{
	switch (d) {
	case MXSET_DANE_APPLIES:
		return "dane";
	case MXSET_DANE_FAILED:
		return "failed";
	default:
		return "none";
	}
}

/* word - the next space-ended word at *p (before end); NULL when none. */
static const char *
word(const char **p, const char *end, size_t *len)
{
	const char *w = *p, *sp;

	if (w >= end || (sp = memchr(w, ' ', (size_t)(end - w))) == NULL)
		return NULL;
	*len = (size_t)(sp - w);
	*p = sp + 1;
	return w;
}

/* number - a decimal word as int64_t; 0, or -1 when it is not one. */
static int
number(const char *w, size_t len, int64_t *out)
{
	int64_t	v = 0;
	size_t	i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (w[i] < '0' || w[i] > '9')
			return -1;
		v = v * 10 + (w[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * mx_parse - split a stored value of either format into v, its id into
 * id and idlen and its names (possibly "") into names; 0, or -1.
 */
static int
mx_parse(const char *val, size_t len, const char **id, size_t *idlen,
    struct mxset_view *v, const char **names)
{
	const char *p = val, *end = val + len, *w;
	size_t	wl;
	int	fmt;

	memset(v, 0, sizeof(*v));
	if (len < 4 || val[len] != '\0' || val[1] != ' ' ||
	    (val[0] != '1' && val[0] != '2'))
		return -1;
	fmt = val[0] - '0';
	p += 2;
	if ((*id = word(&p, end, idlen)) == NULL)
		return -1;
	if ((w = word(&p, end, &wl)) == NULL ||
	    number(w, wl, &v->resolved_at) != 0)
		return -1;
	if (fmt == 2) {
		if ((w = word(&p, end, &wl)) == NULL ||
		    number(w, wl, &v->refresh_at) != 0)
			return -1;
		if ((w = word(&p, end, &wl)) == NULL)
			return -1;
		if (wl == 4 && memcmp(w, "dane", 4) == 0)
			v->dane = MXSET_DANE_APPLIES;
		else if (wl == 6 && memcmp(w, "failed", 6) == 0)
			v->dane = MXSET_DANE_FAILED;
		else if (wl == 4 && memcmp(w, "none", 4) == 0)
			v->dane = MXSET_DANE_NONE;
		else
			return -1;
	}
	*names = p;
	return 0;
}

/* same_id - is the stored id (idlen bytes) the policy id? */
static int
same_id(const char *sid, size_t idlen, const char *id)
{
	return idlen == strlen(id) && memcmp(sid, id, idlen) == 0;
}

/* mxset_view - see mxset.h. */
int
mxset_view(const char *val, size_t len, const char *id, int64_t now,
    struct mxset_view *v)
{
	const char *sid, *n;
	size_t	idlen;
	int64_t	at;

	if (mx_parse(val, len, &sid, &idlen, v, &n) != 0) {
		memset(v, 0, sizeof(*v));
		return 0;
	}
	at = v->resolved_at;
	if (!same_id(sid, idlen, id) || now - at > MXSET_MAX_AGE ||
	    at > now + 300) {
		memset(v, 0, sizeof(*v));
		v->resolved_at = at;
		return 0;
	}
	v->names = *n ? n : NULL;
	return 1;
}

/* listed_add - append host to the ':' list when the policy lists it. */
static void
listed_add(const struct sts_policy *pol, const char *domain,
    const char *host, char *list, size_t listsz, size_t *n)
{
	size_t	len = strlen(list), hl = strlen(host);
	const char *p;

	if (!dns_name_is_ldh(host, hl) || !sts_policy_lists(pol, host))
		return;
	for (p = list; *p; p += strcspn(p, ":"), p += *p == ':') {
		if (strncmp(p, host, hl) == 0 && (p[hl] == ':' ||
		    p[hl] == '\0'))
			return;
	}
	if (*n >= MXSET_MAX_NAMES || len + hl + 2 > listsz) {
		log_info("domain=%s MX %s left out of the answer: more than "
		    "%d listed MX hosts", domain, host, MXSET_MAX_NAMES);
		return;
	}
	snprintf(list + len, listsz - len, "%s%s", len ? ":" : "", host);
	(*n)++;
}

/*
 * host_dane - the TLSA RRset of one MX host into *dane (worst wins:
 * failed over applies over none) and *ttl (the shortest of usable
 * ones); -1 when the lookup failed (SERVFAIL, timeout): nothing known.
 */
static int
host_dane(const char *domain, const char *host, enum mxset_dane *dane,
    unsigned int *ttl)
{
	struct dns_tlsa t;
	int	ret = 0;

	memset(&t, 0, sizeof(t));
	resolver_tlsa(host, &t);
	if (t.status == DNS_BOGUS || t.sec == DNS_SEC_BOGUS) {
		log_warnx("domain=%s MX %s: TLSA answer bogus (%s): a DANE "
		    "failure", domain, host, t.why);
		*dane = MXSET_DANE_FAILED;
	} else if (dns_tlsa_dane(&t)) {
		if (*dane == MXSET_DANE_NONE)
			*dane = MXSET_DANE_APPLIES;
		if (t.ttl < *ttl)
			*ttl = t.ttl;
	} else if (t.status != DNS_OK && t.status != DNS_NODATA &&
	    t.status != DNS_NXDOMAIN) {
		log_info("domain=%s MX %s: TLSA lookup %s%s%s; what is "
		    "stored stays", domain, host, dns_status_name(t.status),
		    t.why[0] ? ": " : "", t.why);
		ret = -1;
	}
	dns_tlsa_free(&t);
	return ret;
}

/* mxset_update - see mxset.h. */
void
mxset_update(const char *domain)
{
	struct config *cfg;
	struct record rec;
	struct dns_mx mx;
	struct mxset_view cv;
	enum mxset_dane dane = MXSET_DANE_NONE;
	char	cur[MXSET_VALUE_MAX], list[MXSET_VALUE_MAX];
	char	val[MXSET_VALUE_MAX + 96];
	const char *curnames, *sid;
	size_t	curlen, idlen, i, n = 0;
	unsigned int ttl = UINT32_MAX;
	int64_t	now = (int64_t)time(NULL), refresh_at = 0;
	int	names_on, dane_on, strict, r, same, enforced, failed = 0;

	cfg = policyd_config_get();
	names_on = cfg->match_mx_names;
	dane_on = cfg->dane;
	strict = cfg->strict_testing;
	policyd_config_put(cfg);

	r = cache_get_with(domain, &rec, cur, sizeof(cur), &curlen);
	if (r != 1)
		return;
	enforced = lookup_valid(&rec, (time_t)now) &&
	    lookup_enforced(&rec, strict);
	if (!(enforced && (names_on || dane_on)) && !(dane_on &&
	    lookup_valid(&rec, (time_t)now) &&
	    rec.policy.mode == STS_MODE_TESTING)) {
		if (curlen > 0)
			cache_table_del(CACHE_MX, domain);
		goto out;
	}

	memset(&mx, 0, sizeof(mx));
	resolver_mx(domain, &mx);
	list[0] = '\0';
	switch (mx.status) {
	case DNS_OK:
		for (i = 0; i < mx.n; i++)
			listed_add(&rec.policy, domain, mx.mx[i].host, list,
			    sizeof(list), &n);
		if (!dane_on || mx.sec != DNS_SEC_SECURE || mx.null_mx)
			break;
		for (i = 0; i < mx.n && i < MXSET_MAX_NAMES && !failed; i++)
			if (mx.mx[i].host[0] != '\0' && host_dane(domain,
			    mx.mx[i].host, &dane, &ttl) != 0)
				failed = 1;
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		/* No MX: the implicit MX is the domain (RFC 5321 §5.1). */
		listed_add(&rec.policy, domain, domain, list, sizeof(list),
		    &n);
		if (dane_on && mx.status == DNS_NODATA &&
		    mx.sec == DNS_SEC_SECURE &&
		    host_dane(domain, domain, &dane, &ttl) != 0)
			failed = 1;
		break;
	case DNS_BOGUS:
		if (dane_on) {
			log_warnx("domain=%s MX answer bogus (%s): a DANE "
			    "failure", domain, mx.why);
			dane = MXSET_DANE_FAILED;
			break;
		}
		/* FALLTHROUGH */
	default:
		log_info("domain=%s MX lookup for the answer: %s%s%s; what "
		    "is stored stays", domain, dns_status_name(mx.status),
		    mx.why[0] ? ": " : "", mx.why);
		failed = 1;
		break;
	}
	dns_mx_free(&mx);
	if (failed)
		goto out;
	if (!names_on || !enforced) {
		list[0] = '\0';
		n = 0;
	}
	if (dane == MXSET_DANE_APPLIES)
		refresh_at = now + (ttl < MXSET_TTL_MIN ? MXSET_TTL_MIN :
		    ttl > MXSET_REWRITE ? MXSET_REWRITE : (int64_t)ttl);

	same = curlen > 0 && mx_parse(cur, curlen, &sid, &idlen, &cv,
	    &curnames) == 0 && same_id(sid, idlen, rec.id) &&
	    strcmp(curnames, list) == 0 && cv.dane == dane;
	if (same && now - cv.resolved_at >= 0 &&
	    now - cv.resolved_at < MXSET_REWRITE &&
	    (cv.refresh_at == 0 || now < cv.refresh_at))
		goto out;
	snprintf(val, sizeof(val), "%d %s %" PRId64 " %" PRId64 " %s %s",
	    MXSET_FORMAT, rec.id, now, refresh_at, mxset_dane_name(dane),
	    list);
	if (cache_table_put(CACHE_MX, domain, val, strlen(val)) != 0)
		goto out;
	if (!same) {
		if (dane != MXSET_DANE_NONE)
			log_info("domain=%s DANE %s: the answer leaves TLS "
			    "to the MTA's DANE (policy id=%s)", domain,
			    dane == MXSET_DANE_APPLIES ? "applies" :
			    "failed", rec.id);
		else if (n > 0)
			log_info("domain=%s answer names the MX hosts %s "
			    "(policy id=%s)", domain, list, rec.id);
		else if (enforced)
			log_info("domain=%s no MX host the policy lists; the "
			    "answer names the policy's patterns", domain);
	}
out:
	record_free(&rec);
}

/* mxset_show - see mxset.h. */
void
mxset_show(json_t *o, const char *domain, const struct record *rec,
    int64_t now)
{
	json_t *a = json_array(), *at = json_null(), *d = json_null();
	struct mxset_view v;
	const char *p;
	char   *val = NULL;
	size_t	len, n;

	if (rec->state == RECORD_POLICY &&
	    cache_table_get(CACHE_MX, domain, &val, &len) == 1) {
		if (mxset_view(val, len, rec->id, now, &v) == 1) {
			for (p = v.names; p != NULL && *p; p += n +
			    (p[n] == ':')) {
				n = strcspn(p, ":");
				json_array_append_new(a, json_stringn(p, n));
			}
			json_decref(d);
			d = json_string(mxset_dane_name(v.dane));
		}
		if (v.resolved_at > 0) {
			json_decref(at);
			at = control_time((time_t)v.resolved_at);
		}
	}
	free(val);
	json_object_set_new(o, "mx_names", a);
	json_object_set_new(o, "mx_names_at", at);
	json_object_set_new(o, "dane", d);
}
