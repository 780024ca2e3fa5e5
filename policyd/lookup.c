/*
 * lookup.c - answer a socketmap or control lookup (DESIGN §4).
 *
 * SYNOPSIS
 *	lookup_run(), lookup_answer()
 *
 * DESCRIPTION
 *	A valid cache entry is answered from LMDB at once: the only work on
 *	the request path is one read transaction. A TXT check older than
 *	txt_recheck is queued in the background and the current answer
 *	given. An unknown or expired domain waits up to lookup_wait for a
 *	discovery shared with every other request for it; when the wait runs
 *	out the answer is NOTFOUND (RFC 8461: deliver as without MTA-STS)
 *	and the discovery goes on, so the next lookup finds the policy.
 *
 *	A policy fetched by the discovery this lookup waited for applies to
 *	this lookup even when its max_age is 0 (C9, W13).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "lookup.h"
#include "mx_match.h"
#include "policyd.h"
#include "refresh.h"
#include "worker.h"

/*
 * read_mx - take the names and the DANE state of the domain's stored "mx"
 * value (mxset.c) into lk; 1 when its TLSA TTL has run out (look again).
 */
static int
read_mx(struct lookup *lk, size_t mxlen, time_t now, int names, int dane)
{
	struct mxset_view v;

	if (mxlen == 0 || lk->rec.state != RECORD_POLICY ||
	    mxset_view(lk->mxval, mxlen, lk->rec.id, (int64_t)now, &v) != 1)
		return 0;
	if (lk->applies && names)
		lk->mxnames = v.names;
	if (dane && v.dane != MXSET_DANE_NONE) {
		if (lk->applies)
			lk->dane = LOOKUP_DANE_ONLY;
		else if (lk->rec.policy.mode == STS_MODE_TESTING)
			lk->dane = LOOKUP_DANE;
	}
	return v.refresh_at != 0 && (int64_t)now >= v.refresh_at;
}

/* lookup_run - see the top of the file. */
void
lookup_run(const char *key, size_t keylen, struct lookup *lk)
{
	struct config *cfg;
	time_t	now, started, wait, recheck;
	size_t	mxlen;
	int	strict, names, dane, r;

	/* Not the 4 KiB mxval: cache_get_with fills what it uses. */
	memset(lk, 0, offsetof(struct lookup, mxval));
	if (host_normalize(key, keylen, lk->domain, sizeof(lk->domain)) != 0)
		return;
	lk->valid_key = 1;
	atomic_fetch_add(&policyd_stats.lookups, 1);

	cfg = policyd_config_get();
	wait = cfg->lookup_wait;
	recheck = cfg->txt_recheck;
	strict = cfg->strict_testing;
	lk->require_sni = cfg->require_sni;
	names = cfg->match_mx_names;
	dane = cfg->dane;
	policyd_config_put(cfg);

	started = now = time(NULL);
	r = cache_get_with(lk->domain, &lk->rec, lk->mxval, sizeof(lk->mxval),
	    &mxlen);
	if (r == 1) {
		if (lookup_valid(&lk->rec, now)) {
			atomic_fetch_add(&policyd_stats.hits, 1);
			lk->have = 1;
			lk->applies = lookup_enforced(&lk->rec, strict);
			if (read_mx(lk, mxlen, now, names, dane) ||
			    now - lk->rec.txt_checked_at > recheck)
				worker_queue(lk->domain, 0);
			if (now - lk->rec.last_used >= REFRESH_USED_GRAIN)
				refresh_mark_used(lk->domain);
			return;
		}
		if (lk->rec.state == RECORD_NEGATIVE &&
		    now < lk->rec.neg_until) {
			atomic_fetch_add(&policyd_stats.hits, 1);
			lk->have = 1;
			return;
		}
		record_free(&lk->rec);
	}
	atomic_fetch_add(&policyd_stats.misses, 1);
	worker_wait(lk->domain, 0, (long)wait * 1000, NULL);
	now = time(NULL);
	if (cache_get_with(lk->domain, &lk->rec, lk->mxval, sizeof(lk->mxval),
	    &mxlen) != 1)
		return;
	lk->have = 1;
	if (lookup_valid(&lk->rec, now) ||
	    (lk->rec.state == RECORD_POLICY && lk->rec.fetched_at >= started))
		lk->applies = lookup_enforced(&lk->rec, strict);
	if (lk->applies || lookup_valid(&lk->rec, now))
		(void)read_mx(lk, mxlen, now, names, dane);
	refresh_mark_used(lk->domain);
}

/* lookup_free - release the cache entry copy. */
void
lookup_free(struct lookup *lk)
{
	if (lk->have)
		record_free(&lk->rec);
	lk->have = 0;
}

/* sb - a bounded string builder; overflow is sticky. */
struct sb {
	char   *buf;
	size_t	size, len;
	int	overflow;
};

/* sb_add - append n bytes. */
static void
sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->overflow || b->len + n >= b->size) {
		b->overflow = 1;
		return;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

/* sb_str - append a string. */
static void
sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* pattern_seen - was the lower-cased pattern i already written? */
static int
pattern_seen(const struct sts_policy *pol, size_t i)
{
	size_t	j;

	for (j = 0; j < i; j++)
		if (strcasecmp(pol->mx[j], pol->mx[i]) == 0)
			return 1;
	return 0;
}

/* add_lower - append s lower-cased. */
static void
add_lower(struct sb *b, const char *s)
{
	char	c;

	for (; *s; s++) {
		c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
		sb_add(b, &c, 1);
	}
}

/* add_policy_string - one "{ policy_string = LINE }" unless LINE holds a brace. */
static void
add_policy_string(struct sb *b, const char *line)
{
	if (strchr(line, '{') != NULL || strchr(line, '}') != NULL)
		return;
	sb_str(b, " { policy_string = ");
	sb_str(b, line);
	sb_str(b, " }");
}

/* add_tlsrpt - the Postfix >= 3.10 attributes of DESIGN §4. */
static void
add_tlsrpt(struct sb *b, const char *domain, const struct sts_policy *pol)
{
	char	line[64];
	size_t	i;

	sb_str(b, " policy_type=sts policy_domain=");
	sb_str(b, domain);
	for (i = 0; i < pol->nmx; i++) {
		if (pattern_seen(pol, i))
			continue;
		sb_str(b, " mx_host_pattern=");
		add_lower(b, pol->mx[i]);
	}
	add_policy_string(b, "version: STSv1");
	snprintf(line, sizeof(line), "mode: %s", sts_mode_name(pol->mode));
	add_policy_string(b, line);
	for (i = 0; i < pol->nmx; i++) {
		char	mxl[DNS_NAME_MAX + 8];

		snprintf(mxl, sizeof(mxl), "mx: %s", pol->mx[i]);
		add_policy_string(b, mxl);
	}
	snprintf(line, sizeof(line), "max_age: %u", pol->max_age);
	add_policy_string(b, line);
	for (i = 0; i < pol->next; i++)
		add_policy_string(b, pol->ext[i]);
}

/* lookup_answer - format the socketmap reply. */
size_t
lookup_answer(const struct lookup *lk, enum lookup_map map, char *out,
    size_t outsz)
{
	struct sb b = { out, outsz, 0, 0 };
	const struct sts_policy *pol = &lk->rec.policy;
	size_t	i, plain;
	int	first = 1;

	if (outsz == 0)
		return 0;
	out[0] = '\0';
	/*
	 * DANE applies (or failed): Postfix's own DANE decides, never an
	 * MTA-STS answer over it (RFC 8461 §2). enforce: "dane-only", so no
	 * MX host goes without DANE; testing: "dane", DANE where TLSA is
	 * usable, Postfix's opportunistic TLS elsewhere. No sts-tlsrpt
	 * attributes: Postfix reports its DANE sessions as policy type tlsa
	 * itself.
	 */
	if (lk->dane == LOOKUP_DANE_ONLY) {
		sb_str(&b, "OK dane-only");
		return b.len;
	}
	if (lk->dane == LOOKUP_DANE) {
		sb_str(&b, "OK dane");
		return b.len;
	}
	if (!lk->applies || pol->nmx == 0) {
		sb_str(&b, "NOTFOUND ");
		return b.len;
	}
	sb_str(&b, "OK secure match=");
	/* The resolved MX names the policy lists (mxset.c), else patterns. */
	if (lk->mxnames != NULL)
		add_lower(&b, lk->mxnames);
	if (lk->mxnames == NULL || b.overflow) {
		b.overflow = 0;
		b.len = strlen("OK secure match=");
		out[b.len] = '\0';
		for (i = 0; i < pol->nmx; i++) {
			const char *p = pol->mx[i];

			if (pattern_seen(pol, i))
				continue;
			if (!first)
				sb_str(&b, ":");
			first = 0;
			/* "*.example.net" is written ".example.net". */
			add_lower(&b, p[0] == '*' ? p + 1 : p);
		}
	}
	if (lk->require_sni)
		sb_str(&b, " servername=hostname");
	plain = b.len;
	if (map == MAP_STS_TLSRPT && !b.overflow) {
		add_tlsrpt(&b, lk->domain, pol);
		if (b.overflow) {
			/* Too long for Postfix: drop the report attributes. */
			b.overflow = 0;
			b.len = plain;
			out[plain] = '\0';
		}
	}
	if (b.overflow) {
		out[0] = '\0';
		b.len = 0;
		b.overflow = 0;
		sb_str(&b, "NOTFOUND ");
	}
	return b.len;
}
