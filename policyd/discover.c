/*
 * discover.c - discover one domain's MTA-STS policy and apply the cache
 * rules (RFC 8461 §3, §3.3, §5; RFC-CHECKLIST sections 1, 2 and 4).
 *
 * SYNOPSIS
 *	discover_run(domain, force, res)
 *
 * DESCRIPTION
 *	1. TXT _mta-sts.DOMAIN through libunbound; exactly one valid record
 *	   (T4-T9). Anything else: a valid cached policy stays as it is
 *	   (C5); with nothing valid cached a negative entry is written for
 *	   negative_ttl (a DNS failure is believed for at most a minute).
 *	2. The id equals the valid cached id: nothing to fetch (C3); only the
 *	   time of the TXT check is recorded. force fetches anyway (C6).
 *	3. The same id failed less than 5 minutes ago: no fetch (F8).
 *	4. Fetch and parse. Success replaces the entry, with a new fetched_at
 *	   (C4, C7, W11). Failure keeps a valid cached policy and records the
 *	   failure for the back-off (C4, S3); with nothing valid cached the
 *	   domain is negative until the back-off ends.
 *
 * DIAGNOSTICS
 *	Every outcome is logged with domain= and what was decided, so one
 *	domain's story can be read with grep.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "discover.h"
#include "fetch.h"
#include "log.h"
#include "policyd.h"
#include "record.h"
#include "resolver.h"
#include "sts_policy.h"
#include "sts_record.h"
#include "tlsrpt_store.h"

#define DNS_FAIL_TTL	60	/* SERVFAIL/timeout believed at most this */

/* discover_result_name - the result as a word for logs and the control socket. */
const char *
discover_result_name(enum discover_result_kind kind)
{
	switch (kind) {
	case DISCOVER_FETCHED:
		return "fetched";
	case DISCOVER_UNCHANGED:
		return "unchanged";
	case DISCOVER_KEPT:
		return "kept";
	case DISCOVER_NO_RECORD:
		return "no-record";
	case DISCOVER_FAILED:
		return "failed";
	}
	return "unknown";
}

/* copy_str - copy src into dst (size dstsz), truncating, NUL-terminated. */
static void
copy_str(char *dst, size_t dstsz, const char *src)
{
	size_t	n = strlen(src);

	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* set_why - fill the result's reason. */
static void
set_why(struct discover_result *res, enum discover_result_kind kind,
    const char *why)
{
	res->kind = kind;
	copy_str(res->why, sizeof(res->why), why ? why : "");
}

/* txt_check - look the TXT record up; 0 with rec filled, or -1 with why. */
static int
txt_check(const char *domain, struct sts_record *rec, int *dns_failed,
    char *why, size_t whysz)
{
	struct dns_txt txt;
	struct txt_rr *rrs = NULL;
	char	name[300];
	const char *reason = NULL;
	size_t	i;
	int	ret = -1;

	*dns_failed = 0;
	snprintf(name, sizeof(name), "_mta-sts.%s", domain);
	resolver_txt(name, &txt);
	switch (txt.status) {
	case DNS_OK:
		break;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		snprintf(why, whysz, "no _mta-sts record (%s)",
		    dns_status_name(txt.status));
		goto out;
	default:
		*dns_failed = 1;
		snprintf(why, whysz, "_mta-sts TXT lookup failed (%s%s%s)",
		    dns_status_name(txt.status), txt.why[0] ? ": " : "",
		    txt.why);
		goto out;
	}
	if ((rrs = calloc(txt.n ? txt.n : 1, sizeof(*rrs))) == NULL) {
		snprintf(why, whysz, "out of memory");
		*dns_failed = 1;
		goto out;
	}
	for (i = 0; i < txt.n; i++) {
		rrs[i].data = txt.rr[i];
		rrs[i].len = txt.len[i];
	}
	switch (sts_record_select(rrs, txt.n, rec, &reason)) {
	case STS_SELECT_OK:
		ret = 0;
		break;
	case STS_SELECT_NONE:
		snprintf(why, whysz, "no v=STSv1 TXT record");
		break;
	case STS_SELECT_MULTIPLE:
		snprintf(why, whysz, "more than one v=STSv1 TXT record");
		break;
	case STS_SELECT_INVALID:
		snprintf(why, whysz, "invalid _mta-sts record: %s",
		    reason ? reason : "syntax");
		break;
	}
out:
	free(rrs);
	dns_txt_free(&txt);
	return ret;
}

/* fetch_and_parse - get the policy; 0 with pol/text filled, or -1. */
static int
fetch_and_parse(const char *domain, struct sts_policy *pol, char **text,
    size_t *textlen, char *why, size_t whysz)
{
	struct config *cfg = policyd_config_get();
	struct fetch_result fr;
	char	perr[200];
	size_t	line = 0;
	int	ret = -1;

	atomic_fetch_add(&policyd_stats.fetches, 1);
	memset(&fr, 0, sizeof(fr));
	fetch_policy(cfg, domain, &fr);
	policyd_config_put(cfg);
	if (fr.status != FETCH_OK) {
		snprintf(why, whysz, "%s: %s", fetch_status_name(fr.status),
		    fr.why);
		goto out;
	}
	if (sts_policy_parse(fr.body, fr.len, pol, perr, sizeof(perr),
	    &line) != 0) {
		/* perr already names the line ("line 3: ..."). */
		snprintf(why, whysz, "sts-policy-invalid: %s", perr);
		goto out;
	}
	*text = fr.body;
	*textlen = fr.len;
	fr.body = NULL;
	ret = 0;
out:
	if (ret != 0)
		atomic_fetch_add(&policyd_stats.fetch_failures, 1);
	fetch_result_free(&fr);
	return ret;
}

/* store_negative - nothing valid cached: remember why, until until. */
static void
store_negative(const char *domain, const struct record *old, time_t until,
    const char *fail_id, time_t fail_at, const char *why)
{
	struct record neg;

	memset(&neg, 0, sizeof(neg));
	neg.state = RECORD_NEGATIVE;
	neg.neg_until = until;
	neg.txt_checked_at = time(NULL);
	neg.last_used = old ? old->last_used : 0;
	if (fail_id != NULL) {
		snprintf(neg.fail_id, sizeof(neg.fail_id), "%s", fail_id);
		neg.fail_at = fail_at;
	} else if (old != NULL) {
		memcpy(neg.fail_id, old->fail_id, sizeof(neg.fail_id));
		neg.fail_at = old->fail_at;
	}
	copy_str(neg.last_error, sizeof(neg.last_error), why);
	cache_put(domain, &neg);
}

/*
 * report_fetch_failure - count a failed fetch for TLS-RPT (E9, E10): why
 * starts with the RFC 8460 result type, then ": " and the detail.
 */
static void
report_fetch_failure(const char *domain, const struct sts_policy *cached,
    const char *why)
{
	char	type[32];
	const char *colon = strchr(why, ':');
	size_t	n = colon != NULL ? (size_t)(colon - why) : 0;

	if (n == 0 || n >= sizeof(type))
		return;
	memcpy(type, why, n);
	type[n] = '\0';
	if (strcmp(type, "sts-policy-fetch-error") != 0 &&
	    strcmp(type, "sts-policy-invalid") != 0 &&
	    strcmp(type, "sts-webpki-invalid") != 0)
		return;
	while (*++colon == ' ')
		;
	tlsrpt_store_add_sts(domain, cached, 1, type, NULL, NULL, NULL,
	    colon);
}

/* discover_run - see the top of the file. */
void
discover_run(const char *domain, int force, struct discover_result *res)
{
	struct config *cfg;
	struct record old, upd;
	struct sts_record txt;
	struct sts_policy pol;
	char	why[600], *text = NULL;
	const char *id;
	size_t	textlen = 0;
	time_t	now = time(NULL), negttl;
	int	have, valid, dns_failed, rc;

	memset(&pol, 0, sizeof(pol));
	cfg = policyd_config_get();
	negttl = cfg->negative_ttl;
	policyd_config_put(cfg);

	have = cache_get(domain, &old) == 1;
	valid = have && lookup_valid(&old, now);

	rc = txt_check(domain, &txt, &dns_failed, why, sizeof(why));
	if (rc != 0 && !(force && valid)) {
		if (valid) {
			/* C5, W04: DNS trouble never removes a policy. */
			upd = old;
			upd.txt_checked_at = now;
			copy_str(upd.last_error, sizeof(upd.last_error), why);
			cache_put(domain, &upd);
			log_notice("domain=%s %s; cached policy id=%s kept",
			    domain, why, old.id);
			set_why(res, DISCOVER_KEPT, why);
		} else {
			time_t	ttl = negttl;

			if (dns_failed && ttl > DNS_FAIL_TTL)
				ttl = DNS_FAIL_TTL;
			store_negative(domain, have ? &old : NULL, now + ttl,
			    NULL, 0, why);
			log_info("domain=%s %s; no policy for %llds", domain,
			    why, (long long)ttl);
			set_why(res, DISCOVER_NO_RECORD, why);
		}
		goto out;
	}
	/* Forced refresh with no live TXT: fetch under the cached id (C6). */
	id = rc == 0 ? txt.id : old.id;

	if (valid && strcmp(old.id, id) == 0 && !force) {
		upd = old;
		upd.txt_checked_at = now;
		cache_put(domain, &upd);
		log_debug("domain=%s TXT id=%s unchanged; cache applies",
		    domain, id);
		set_why(res, DISCOVER_UNCHANGED, NULL);
		goto out;
	}
	if (have && strcmp(old.fail_id, id) == 0 &&
	    now - old.fail_at < DISCOVER_RETRY) {
		snprintf(why, sizeof(why), "fetch of id=%s failed %llds ago; "
		    "retry after %ds", id, (long long)(now - old.fail_at),
		    DISCOVER_RETRY);
		log_debug("domain=%s %s", domain, why);
		set_why(res, valid ? DISCOVER_KEPT : DISCOVER_FAILED, why);
		goto out;
	}

	if (fetch_and_parse(domain, &pol, &text, &textlen, why,
	    sizeof(why)) != 0) {
		/* E9: a valid TXT record, or a valid cached policy not none */
		if (rc == 0 || (valid && old.policy.mode != STS_MODE_NONE))
			report_fetch_failure(domain, valid &&
			    old.policy.mode != STS_MODE_NONE ? &old.policy :
			    NULL, why);
		if (valid) {
			upd = old;
			upd.fail_at = now;
			snprintf(upd.fail_id, sizeof(upd.fail_id), "%s", id);
			copy_str(upd.last_error, sizeof(upd.last_error), why);
			if (rc == 0 && strcmp(old.id, id) == 0)
				upd.txt_checked_at = now;
			cache_put(domain, &upd);
			if (old.policy.mode == STS_MODE_NONE)
				log_info("domain=%s refresh of id=%s failed: "
				    "%s; cached mode none kept", domain, id,
				    why);
			else
				log_warnx("domain=%s fetch of id=%s failed: "
				    "%s; cached policy id=%s (%s) kept until "
				    "it expires", domain, id, why, old.id,
				    sts_mode_name(old.policy.mode));
			set_why(res, DISCOVER_KEPT, why);
		} else {
			store_negative(domain, have ? &old : NULL,
			    now + DISCOVER_RETRY, id, now, why);
			log_warnx("domain=%s fetch of id=%s failed: %s; "
			    "delivering without MTA-STS", domain, id, why);
			set_why(res, DISCOVER_FAILED, why);
		}
		goto out;
	}

	memset(&upd, 0, sizeof(upd));
	upd.state = RECORD_POLICY;
	snprintf(upd.id, sizeof(upd.id), "%s", id);
	upd.fetched_at = now;
	upd.txt_checked_at = now;
	/* A first discovery comes from a lookup: that is a use. */
	upd.last_used = have && old.last_used ? old.last_used : now;
	upd.policy = pol;
	upd.text = text;
	upd.textlen = textlen;
	if (cache_put(domain, &upd) != 0) {
		set_why(res, DISCOVER_FAILED, "cache write failed");
		goto out;
	}
	/*
	 * A forced refresh that got the very policy already cached (same id,
	 * same text) renewed its fetched_at, and is "unchanged" to the admin.
	 */
	if (have && old.state == RECORD_POLICY && strcmp(old.id, id) == 0 &&
	    old.textlen == textlen &&
	    (textlen == 0 || memcmp(old.text, text, textlen) == 0)) {
		log_info("domain=%s policy id=%s fetched again: unchanged",
		    domain, id);
		set_why(res, DISCOVER_UNCHANGED, NULL);
		goto out;
	}
	log_info("domain=%s policy id=%s fetched: mode=%s max_age=%u mx=%zu%s",
	    domain, id, sts_mode_name(pol.mode), pol.max_age, pol.nmx,
	    have && old.state == RECORD_POLICY && strcmp(old.id, id) != 0 ?
	    " (replaces an older id)" : "");
	set_why(res, DISCOVER_FETCHED, NULL);
out:
	sts_policy_free(&pol);
	free(text);
	if (have)
		record_free(&old);
}
