/*
 * mxset.c - the MX host names a Postfix answer lists instead of the
 * policy's patterns.
 *
 * SYNOPSIS
 *	mxset_update(), mxset_names(), mxset_show() - see mxset.h.
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
 *	The value is one line of text: "FORMAT ID RESOLVED_AT NAMES", NAMES
 *	the lower-case LDH host names joined by ':' (possibly empty: no MX
 *	the policy lists, or a null MX). It is written after a discovery or
 *	TXT check when the names or the id changed, or MXSET_REWRITE after
 *	the last write, and answered for MXSET_MAX_AGE; a failed MX lookup
 *	(SERVFAIL, timeout, bogus) leaves it as it is. Without usable names
 *	the answer lists the patterns, as before.
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

/* mx_parse - split a stored value; 0, or -1 when it is not one. */
static int
mx_parse(const char *val, size_t len, const char **id, size_t *idlen,
    int64_t *at, const char **names)
{
	const char *p = val, *end = val + len, *sp;
	char   *e;

	if (len < 4 || p[0] != '0' + MXSET_FORMAT || p[1] != ' ' ||
	    val[len] != '\0')
		return -1;
	p += 2;
	if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
		return -1;
	*id = p;
	*idlen = (size_t)(sp - p);
	p = sp + 1;
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	*at = (int64_t)strtoll(p, &e, 10);
	if (e >= end || *e != ' ')
		return -1;
	*names = e + 1;
	return 0;
}

/* same_id - is the stored id (idlen bytes) the policy id? */
static int
same_id(const char *sid, size_t idlen, const char *id)
{
	return idlen == strlen(id) && memcmp(sid, id, idlen) == 0;
}

/* mxset_names - see mxset.h. */
int
mxset_names(const char *val, size_t len, const char *id, int64_t now,
    const char **names, int64_t *resolved_at)
{
	const char *sid, *n;
	size_t	idlen;
	int64_t	at;

	*names = NULL;
	if (mx_parse(val, len, &sid, &idlen, &at, &n) != 0)
		return 0;
	if (resolved_at != NULL)
		*resolved_at = at;
	if (!same_id(sid, idlen, id) || *n == '\0' ||
	    now - at > MXSET_MAX_AGE || at > now + 300)
		return 0;
	*names = n;
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

/* mxset_update - see mxset.h. */
void
mxset_update(const char *domain)
{
	struct config *cfg;
	struct record rec;
	struct dns_mx mx;
	char	cur[MXSET_VALUE_MAX], list[MXSET_VALUE_MAX];
	char	val[MXSET_VALUE_MAX + 64];
	const char *curnames, *sid;
	size_t	curlen, idlen, i, n = 0;
	int64_t	now = (int64_t)time(NULL), cur_at = 0;
	int	on, strict, r, same;

	cfg = policyd_config_get();
	on = cfg->match_mx_names;
	strict = cfg->strict_testing;
	policyd_config_put(cfg);

	r = cache_get_with(domain, &rec, cur, sizeof(cur), &curlen);
	if (r != 1)
		return;
	if (!on || !lookup_valid(&rec, (time_t)now) ||
	    !lookup_enforced(&rec, strict)) {
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
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		/* No MX: the implicit MX is the domain (RFC 5321 §5.1). */
		listed_add(&rec.policy, domain, domain, list, sizeof(list),
		    &n);
		break;
	default:
		log_info("domain=%s MX lookup for the answer: %s%s%s; the "
		    "names stored stay", domain, dns_status_name(mx.status),
		    mx.why[0] ? ": " : "", mx.why);
		dns_mx_free(&mx);
		goto out;
	}
	dns_mx_free(&mx);

	same = curlen > 0 && mx_parse(cur, curlen, &sid, &idlen, &cur_at,
	    &curnames) == 0 && same_id(sid, idlen, rec.id) &&
	    strcmp(curnames, list) == 0;
	if (same && now - cur_at >= 0 && now - cur_at < MXSET_REWRITE)
		goto out;
	snprintf(val, sizeof(val), "%d %s %" PRId64 " %s", MXSET_FORMAT,
	    rec.id, now, list);
	if (cache_table_put(CACHE_MX, domain, val, strlen(val)) != 0)
		goto out;
	if (!same) {
		if (n > 0)
			log_info("domain=%s answer names the MX hosts %s "
			    "(policy id=%s)", domain, list, rec.id);
		else
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
	json_t *a = json_array(), *at = json_null();
	const char *names, *p;
	char   *val = NULL;
	size_t	len, n;
	int64_t	when = 0;

	if (rec->state == RECORD_POLICY &&
	    cache_table_get(CACHE_MX, domain, &val, &len) == 1) {
		if (mxset_names(val, len, rec->id, now, &names, &when) == 1) {
			for (p = names; *p; p += n + (p[n] == ':')) {
				n = strcspn(p, ":");
				json_array_append_new(a, json_stringn(p, n));
			}
		}
		if (when > 0) {
			json_decref(at);
			at = control_time((time_t)when);
		}
	}
	free(val);
	json_object_set_new(o, "mx_names", a);
	json_object_set_new(o, "mx_names_at", at);
}
