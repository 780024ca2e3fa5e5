/*
 * NAME
 *	ctl_check - mtasts-ctl check DOMAIN: audit a domain's MTA-STS setup
 * SYNOPSIS
 *	#include "ctl_check.h"
 *
 *	int ctl_check(cfg, domain, &out)
 * DESCRIPTION
 *	What a domain owner runs before publishing, with the daemon's own
 *	code and settings (resolver, fetch, policy parser, MX matching,
 *	probe), in this order, one result per check:
 *
 *	  txt		_mta-sts.DOMAIN: exactly one "v=STSv1;" record, valid
 *			(RFC 8461 §3.1)
 *	  policy-fetch	the HTTPS GET: status 200, no redirect (§3.3)
 *	  policy-cert	the policy host's certificate: chain, name, expiry
 *	  policy-type	the media type is text/plain
 *	  policy-size	the body fits STS_POLICY_BODY_MAX
 *	  policy-syntax	the policy text (§3.2)
 *	  mode		enforce passes; testing and none warn
 *	  max_age	below a day in enforce mode warns
 *	  dnssec	the MX RRset's DNSSEC status (bogus fails), or that
 *			answers are not validated (DANE is then left out)
 *	  mx		each MX record against the policy's patterns (§4.1);
 *			no MX means the domain itself (RFC 5321 §5.1), a
 *			null MX (RFC 7505) fails
 *	  mx-pattern	a pattern no MX record matches warns
 *	  mx-starttls	each matching MX offers STARTTLS (§4.2)
 *	  mx-tls	... and completes TLS >= 1.2
 *	  mx-cert	... with a certificate that chains, names the MX
 *			host and is not expired
 *	  mx-tlsa	with validation, every MX host (listed or not): the
 *			DNSSEC status of its addresses and _25._tcp TLSA
 *			RRset, each RR as "3 1 1 <hex>", usable or not; a
 *			bogus answer fails, insecure RRs warn (not DANE)
 *	  mx-dane	where DANE applies (RFC 7672 §2.2) or the TLSA
 *			answer is bogus: probe_mx_dane(); no match fails
 *	  sts-dane	warns where MTA-STS and DANE disagree: a listed MX
 *			WebPKI passes and DANE fails, DANE passing on an MX
 *			the policy does not list or where WebPKI fails
 *			(DANE takes precedence, RFC 8461 §2)
 *	  tlsrpt	_smtp._tls.DOMAIN: one valid TLS-RPT record with a
 *			usable rua (RFC 8460 §3); a missing one warns
 *
 *	Every check runs even after a failure, so one run shows every
 *	problem; checks that need the policy are left out without it. A
 *	certificate that expires within CHECK_EXPIRY_WARN warns. The MX
 *	hosts are probed in parallel (probe_mx() takes up to PROBE_TIMEOUT
 *	per step; a DANE host is probed twice, WebPKI and DANE). Human
 *	output prints each line as its check finishes: "PASS  txt
 *	_mta-sts.example.com: v=STSv1; id=...", then a summary line. With --json one document: domain, checks (name,
 *	result, detail), summary (pass, warn, fail, result).
 * DIAGNOSTICS
 *	Returns CTL_EXIT_NEGATIVE when a check failed, CTL_EXIT_OK when
 *	none did, CTL_EXIT_USAGE (with a message) when the resolver or
 *	libcurl cannot be set up. Text from DNS and certificates is printed
 *	with control and non-ASCII bytes as '?'.
 */
#include "autoconf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "ctl_check.h"
#include "ctl_out.h"
#include "fetch.h"
#include "log.h"
#include "mx_match.h"
#include "probe.h"
#include "resolver.h"
#include "sts_policy.h"
#include "sts_record.h"
#include "tlsrpt_record.h"

#define CHK_NAME_WIDTH	13	/* "policy-syntax", the longest name */
#define CHK_DETAIL_MAX	768
#define CHK_QUOTE_MAX	200	/* how much of a record a line shows */
#define CHK_PROBE_THREADS 8

enum chk_result { CHK_PASS, CHK_WARN, CHK_FAIL };

/* The run: where lines go and how many of each result. */
struct chk {
	const struct ctl_out *o;
	const char *domain;
	json_t *checks;
	unsigned int n[3];
};

/* One MX host to probe: WebPKI when the policy lists it, DANE where due. */
struct chk_host {
	char   *host;
	int	listed;			/* matches a policy mx pattern */
	int	dane;			/* probe_mx_dane() was run */
	struct dns_addrs addrs;		/* when validating */
	struct dns_tlsa tlsa;		/* when validating */
	struct probe_report web;	/* when listed */
	struct probe_report drep;	/* when dane */
};

/* The MX probes, shared with the probe threads. */
struct chk_probes {
	const struct config *cfg;
	int	validating;		/* DNSSEC answers are validated */
	enum dns_sec mx_sec;		/* of the MX RRset (or its denial) */
	size_t	n;
	struct chk_host *h;
	size_t	next;			/* next host to take, under lock */
	pthread_mutex_t lock;
};

static const char *const chk_names[] = { "pass", "warn", "fail" };

/* chk_clean - control and non-ASCII bytes become '?'. */
static void
chk_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

/* chk_add - record one check and, for people, print its line now. */
static void __attribute__((format(printf, 4, 5)))
chk_add(struct chk *k, const char *name, enum chk_result r,
    const char *fmt, ...)
{
	static const enum ctl_colour colour[] = { CTL_GREEN, CTL_YELLOW,
	    CTL_RED };
	static const char *const label[] = { "PASS", "WARN", "FAIL" };
	char	detail[CHK_DETAIL_MAX];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	chk_clean(detail);
	k->n[r]++;
	if (k->o->json) {
		o = json_pack("{s:s, s:s, s:s}", "name", name, "result",
		    chk_names[r], "detail", detail);
		if (o != NULL)
			json_array_append_new(k->checks, o);
		return;
	}
	fprintf(k->o->fp, "%s%s%s  %-*s  %s\n", ctl_paint(k->o, colour[r]),
	    label[r], ctl_unpaint(k->o, colour[r]), CHK_NAME_WIDTH, name,
	    detail);
	fflush(k->o->fp);
}

/* chk_quote - a record's text, printable and bounded, into buf. */
static const char *
chk_quote(const char *s, size_t len, char *buf, size_t bufsz)
{
	size_t	n = len < CHK_QUOTE_MAX ? len : CHK_QUOTE_MAX, i;

	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 ||
		    (unsigned char)buf[i] >= 0x7f)
			buf[i] = '?';
	if (len > n && bufsz > n + 3)
		snprintf(buf + n, bufsz - n, "...");
	return buf;
}

/* chk_expiry - "expires ISO (in 80d)" or "expired ISO (3d ago)". */
static const char *
chk_expiry(int64_t not_after, time_t now, char *buf, size_t bufsz)
{
	char	iso[32], age[32];

	if (not_after == 0) {
		snprintf(buf, bufsz, "expiry unknown");
		return buf;
	}
	snprintf(buf, bufsz, "%s %s (%s)", not_after > (int64_t)now ?
	    "expires" : "expired", ctl_iso_format((time_t)not_after, iso,
	    sizeof(iso)), ctl_age((time_t)not_after, now, age, sizeof(age)));
	return buf;
}

/* chk_dns_why - the words for a failed or empty lookup, in buf. */
static const char *
chk_dns_why(enum dns_status st, const char *why, const char *type, char *buf,
    size_t bufsz)
{
	switch (st) {
	case DNS_NXDOMAIN:
		snprintf(buf, bufsz, "no such name (NXDOMAIN)");
		break;
	case DNS_NODATA:
		snprintf(buf, bufsz, "no %s records", type);
		break;
	default:
		snprintf(buf, bufsz, "lookup failed: %s", why);
		break;
	}
	return buf;
}

/* chk_txt_rrs - the answer as txt_rr views; NULL when empty or ENOMEM. */
static struct txt_rr *
chk_txt_rrs(const struct dns_txt *t)
{
	struct txt_rr *rrs;
	size_t	i;

	if (t->n == 0 || (rrs = calloc(t->n, sizeof(*rrs))) == NULL)
		return NULL;
	for (i = 0; i < t->n; i++) {
		rrs[i].data = t->rr[i];
		rrs[i].len = t->len[i];
	}
	return rrs;
}

/* chk_txt - the _mta-sts record (RFC 8461 §3.1, T4-T9). */
static void
chk_txt(struct chk *k)
{
	struct dns_txt t;
	struct txt_rr *rrs = NULL;
	struct sts_record rec;
	const char *why = NULL;
	char	name[DNS_NAME_MAX + 16], q[CHK_QUOTE_MAX + 8];
	size_t	i, cand = 0, which = 0;

	snprintf(name, sizeof(name), "_mta-sts.%s", k->domain);
	resolver_txt(name, &t);
	if (t.status != DNS_OK || t.n == 0) {
		chk_add(k, "txt", CHK_FAIL, "%s: %s", name,
		    chk_dns_why(t.status, t.why, "TXT", q, sizeof(q)));
		goto out;
	}
	if ((rrs = chk_txt_rrs(&t)) == NULL) {
		chk_add(k, "txt", CHK_FAIL, "%s: out of memory", name);
		goto out;
	}
	for (i = 0; i < t.n; i++)
		if (sts_record_is_candidate(rrs[i].data, rrs[i].len)) {
			cand++;
			which = i;
		}
	switch (sts_record_select(rrs, t.n, &rec, &why)) {
	case STS_SELECT_OK:
		chk_add(k, "txt", CHK_PASS, "%s: %s", name, chk_quote(
		    rrs[which].data, rrs[which].len, q, sizeof(q)));
		break;
	case STS_SELECT_NONE:
		chk_add(k, "txt", CHK_FAIL, "%s: no record begins with "
		    "\"v=STSv1;\" (%zu TXT record%s)", name, t.n,
		    t.n == 1 ? "" : "s");
		break;
	case STS_SELECT_MULTIPLE:
		chk_add(k, "txt", CHK_FAIL, "%s: %zu records begin with "
		    "\"v=STSv1;\", exactly one is allowed", name, cand);
		break;
	case STS_SELECT_INVALID:
		chk_add(k, "txt", CHK_FAIL, "%s: %s: \"%s\"", name,
		    why != NULL ? why : "invalid", chk_quote(rrs[which].data,
		    rrs[which].len, q, sizeof(q)));
		break;
	}
out:
	free(rrs);
	dns_txt_free(&t);
}

/* chk_policy_cert - the policy host's certificate. */
static void
chk_policy_cert(struct chk *k, const struct fetch_result *res,
    const char *host)
{
	char	exp[96];
	int64_t	left = res->cert_not_after - (int64_t)k->o->now;

	chk_expiry(res->cert_not_after, k->o->now, exp, sizeof(exp));
	if (!res->chain_verified)
		chk_add(k, "policy-cert", CHK_FAIL, "%s: %s; issuer %s, %s",
		    host, res->chain_error[0] ? res->chain_error :
		    "chain does not verify", res->cert_issuer, exp);
	else if (!res->cert_verified)
		chk_add(k, "policy-cert", CHK_FAIL, "%s: the certificate is "
		    "not valid for this name: no subjectAltName DNS name "
		    "matches (subject %s)", host, res->cert_subject);
	else if (res->cert_not_after != 0 && left < CHECK_EXPIRY_WARN)
		chk_add(k, "policy-cert", CHK_WARN, "%s: %s, renew it (issuer "
		    "%s)", host, exp, res->cert_issuer);
	else
		chk_add(k, "policy-cert", CHK_PASS, "%s: valid, issuer %s, %s",
		    host, res->cert_issuer, exp);
}

/* chk_policy_text - syntax, mode and max_age of a fetched body. */
static int
chk_policy_text(struct chk *k, const struct fetch_result *res,
    struct sts_policy *pol)
{
	char	err[300], d[32];
	size_t	line = 0;

	if (sts_policy_parse(res->body, res->len, pol, err, sizeof(err),
	    &line) != 0) {
		chk_add(k, "policy-syntax", CHK_FAIL, "%s", err);
		return -1;
	}
	chk_add(k, "policy-syntax", CHK_PASS, "valid: mode %s, %zu mx "
	    "pattern%s, max_age %lu", sts_mode_name(pol->mode), pol->nmx,
	    pol->nmx == 1 ? "" : "s", (unsigned long)pol->max_age);
	switch (pol->mode) {
	case STS_MODE_ENFORCE:
		chk_add(k, "mode", CHK_PASS, "enforce");
		break;
	case STS_MODE_TESTING:
		chk_add(k, "mode", CHK_WARN, "testing: senders report TLS "
		    "failures but deliver anyway");
		break;
	case STS_MODE_NONE:
		chk_add(k, "mode", CHK_WARN, "none: senders treat the domain "
		    "as having no policy");
		break;
	}
	ctl_duration(pol->max_age, d, sizeof(d));
	if (pol->mode == STS_MODE_ENFORCE && pol->max_age < 86400)
		chk_add(k, "max_age", CHK_WARN, "%lu (%s): below one day in "
		    "enforce mode; a policy should outlive a DNS outage",
		    (unsigned long)pol->max_age, d);
	else
		chk_add(k, "max_age", CHK_PASS, "%lu (%s)",
		    (unsigned long)pol->max_age, d);
	return 0;
}

/*
 * chk_policy - fetch the policy and judge the exchange (RFC 8461 §3.3).
 * Returns 0 with pol filled when a valid policy was fetched, else -1.
 */
static int
chk_policy(struct chk *k, const struct config *cfg, struct sts_policy *pol)
{
	struct fetch_result res;
	char	url[DNS_NAME_MAX + 80], host[DNS_NAME_MAX + 16], port[16];
	int	ret = -1;

	snprintf(host, sizeof(host), "mta-sts.%s", k->domain);
	port[0] = '\0';
	if (cfg->policy_https_port != 0 && cfg->policy_https_port != 443)
		snprintf(port, sizeof(port), ":%u", cfg->policy_https_port);
	snprintf(url, sizeof(url), "https://%s%s/.well-known/mta-sts.txt",
	    host, port);
	fetch_policy(cfg, k->domain, &res);

	if (res.http_status == 200)
		chk_add(k, "policy-fetch", CHK_PASS, "%s: HTTP 200%s%s", url,
		    res.tls_version[0] ? " over " : "", res.tls_version);
	else
		chk_add(k, "policy-fetch", CHK_FAIL, "%s: %s", url,
		    res.why[0] ? res.why : "no response");
	if (res.have_cert)
		chk_policy_cert(k, &res, host);
	if (res.http_status == 200) {
		if (res.status == FETCH_INVALID)
			chk_add(k, "policy-type", CHK_FAIL, "%s", res.why);
		else if (res.have_content_type)
			chk_add(k, "policy-type", CHK_PASS, "%s",
			    res.content_type);
	}
	if (res.body_size > STS_POLICY_BODY_MAX)
		chk_add(k, "policy-size", CHK_FAIL, "%zu bytes, over the "
		    "limit of %d", res.body_size, STS_POLICY_BODY_MAX);
	else if (res.status == FETCH_OK)
		chk_add(k, "policy-size", CHK_PASS, "%zu bytes (limit %d)",
		    res.body_size, STS_POLICY_BODY_MAX);
	if (res.status == FETCH_OK && chk_policy_text(k, &res, pol) == 0)
		ret = 0;
	fetch_result_free(&res);
	return ret;
}

/*
 * chk_dane_due - does DANE apply to h (RFC 7672 §2.2): a secure MX RRset,
 * secure addresses and a secure TLSA RRset, or a bogus TLSA answer (a
 * DANE failure, not "no DANE")?
 */
static int
chk_dane_due(const struct chk_probes *p, const struct chk_host *h)
{
	if (!p->validating)
		return 0;
	if (h->tlsa.status == DNS_BOGUS)
		return 1;
	return p->mx_sec == DNS_SEC_SECURE &&
	    h->addrs.sec == DNS_SEC_SECURE && h->tlsa.status == DNS_OK &&
	    h->tlsa.sec == DNS_SEC_SECURE;
}

/* chk_probe_thread - look up and probe hosts until none is left. */
static void *
chk_probe_thread(void *arg)
{
	struct chk_probes *p = arg;
	struct chk_host *h;
	size_t	i;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		h = &p->h[i];
		if (p->validating) {
			resolver_addrs(h->host, &h->addrs);
			resolver_tlsa(h->host, &h->tlsa);
		}
		if (h->listed)
			probe_mx(p->cfg, h->host, &h->web);
		if (chk_dane_due(p, h)) {
			probe_mx_dane(p->cfg, h->host, &h->tlsa, &h->drep);
			h->dane = 1;
		}
	}
}

/* chk_run_probes - every host's lookups and probes, several at a time. */
static void
chk_run_probes(struct chk_probes *p)
{
	pthread_t tid[CHK_PROBE_THREADS];
	size_t	i, nt = p->n < CHK_PROBE_THREADS ? p->n : CHK_PROBE_THREADS,
		started = 0;

	for (i = 0; i < nt; i++) {
		if (pthread_create(&tid[i], NULL, chk_probe_thread, p) != 0)
			break;
		started++;
	}
	if (started == 0)
		(void)chk_probe_thread(p);	/* no threads: do it here */
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
}

/* chk_probe_lines - the three lines of one probed MX host. */
static void
chk_probe_lines(struct chk *k, const char *host, const struct probe_report *r)
{
	char	exp[96], at[80];
	int64_t	left = r->cert_not_after - (int64_t)k->o->now;

	at[0] = '\0';
	if (r->addr[0] != '\0')
		snprintf(at, sizeof(at), " [%s]", r->addr);
	switch (r->result) {
	case PROBE_UNREACHABLE:
		chk_add(k, "mx-starttls", CHK_FAIL, "%s%s: unreachable: %s",
		    host, at, r->why);
		return;
	case PROBE_STARTTLS_NOT_SUPPORTED:
		chk_add(k, "mx-starttls", CHK_FAIL, "%s%s: %s", host, at,
		    r->why[0] ? r->why : "STARTTLS not offered");
		return;
	default:
		chk_add(k, "mx-starttls", CHK_PASS, "%s%s: STARTTLS offered",
		    host, at);
		break;
	}
	if (r->result == PROBE_VALIDATION_FAILURE) {
		chk_add(k, "mx-tls", CHK_FAIL, "%s: %s", host, r->why[0] ?
		    r->why : "TLS handshake failed");
		return;
	}
	chk_add(k, "mx-tls", CHK_PASS, "%s: %s%s%s", host,
	    r->tls_version[0] ? r->tls_version : "TLS established",
	    r->cipher[0] ? ", " : "", r->cipher);
	chk_expiry(r->cert_not_after, k->o->now, exp, sizeof(exp));
	switch (r->result) {
	case PROBE_CERT_HOST_MISMATCH:
		chk_add(k, "mx-cert", CHK_FAIL, "%s: the certificate is not "
		    "valid for this name (subject %s)%s%s", host,
		    r->cert_subject, r->why[0] ? ": " : "", r->why);
		break;
	case PROBE_CERT_EXPIRED:
		chk_add(k, "mx-cert", CHK_FAIL, "%s: %s; %s", host,
		    r->why[0] ? r->why : "certificate expired", exp);
		break;
	case PROBE_CERT_NOT_TRUSTED:
		chk_add(k, "mx-cert", CHK_FAIL, "%s: %s (issuer %s)", host,
		    r->why[0] ? r->why : "chain not trusted", r->cert_issuer);
		break;
	default:
		if (r->cert_not_after != 0 && left < CHECK_EXPIRY_WARN)
			chk_add(k, "mx-cert", CHK_WARN, "%s: %s, renew it "
			    "(issuer %s)", host, exp, r->cert_issuer);
		else
			chk_add(k, "mx-cert", CHK_PASS, "%s: valid, issuer "
			    "%s, %s", host, r->cert_issuer, exp);
		break;
	}
}

/* chk_pattern_for - the first policy pattern host matches, or NULL. */
static const char *
chk_pattern_for(const struct sts_policy *pol, const char *host)
{
	size_t	i;

	for (i = 0; i < pol->nmx; i++)
		if (mx_match(pol->mx[i], host))
			return pol->mx[i];
	return NULL;
}

/* chk_hex - data as hex, the first 32 octets and a count when longer. */
static const char *
chk_hex(const unsigned char *data, size_t len, char *buf, size_t bufsz)
{
	size_t	i, n = len <= 64 ? len : 32, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off + 3 <= bufsz; i++)
		off += (size_t)snprintf(buf + off, bufsz - off, "%02x",
		    data[i]);
	if (n < len && off < bufsz)
		snprintf(buf + off, bufsz - off, "... (%zu octets)", len);
	return buf;
}

/*
 * chk_dnssec - the one line about DNSSEC: not validated (DANE is then
 * not checked: said, not an error), or the MX RRset's status.
 */
static void
chk_dnssec(struct chk *k, const struct config *cfg,
    const struct chk_probes *p, const struct dns_mx *mx)
{
	const char *what = mx->status == DNS_OK ? "MX RRset" :
	    "denial of an MX RRset";

	if (!p->validating) {
		if (cfg->dane == DANE_NO)
			chk_add(k, "dnssec", CHK_PASS, "%s: dane = no: DANE "
			    "not checked", k->domain);
		else
			chk_add(k, "dnssec", CHK_PASS, "%s: DNSSEC not "
			    "validated (%s): DANE not checked", k->domain,
			    cfg->dnssec == DNSSEC_NO ? "dnssec = no" :
			    "no trust anchor");
		return;
	}
	switch (mx->sec) {
	case DNS_SEC_SECURE:
		chk_add(k, "dnssec", CHK_PASS, "%s: %s secure (validated with "
		    "%s)", k->domain, what, resolver_trust_anchor());
		break;
	case DNS_SEC_INSECURE:
		chk_add(k, "dnssec", CHK_PASS, "%s: %s insecure (unsigned "
		    "zone): DANE does not apply to its MX hosts (RFC 7672 "
		    "section 2.2.1)", k->domain, what);
		break;
	case DNS_SEC_BOGUS:
		chk_add(k, "dnssec", CHK_FAIL, "%s: MX RRset DNSSEC-bogus "
		    "(%s): validating senders will not deliver", k->domain,
		    mx->why[0] ? mx->why : "validation failed");
		break;
	default:
		chk_add(k, "dnssec", CHK_WARN, "%s: DNSSEC status of the MX "
		    "RRset unknown: the lookup failed", k->domain);
		break;
	}
}

/* chk_tlsa_cmp - TLSA RRs by usage, selector, matching type, data. */
static int
chk_tlsa_cmp(const void *a, const void *b)
{
	const struct dns_tlsa_rr *x = a, *y = b;
	size_t	n = x->len < y->len ? x->len : y->len;
	int	c;

	if (x->usage != y->usage)
		return x->usage < y->usage ? -1 : 1;
	if (x->selector != y->selector)
		return x->selector < y->selector ? -1 : 1;
	if (x->mtype != y->mtype)
		return x->mtype < y->mtype ? -1 : 1;
	if ((c = memcmp(x->data, y->data, n)) != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/*
 * chk_tlsa_lines - the DNSSEC status and the TLSA RRs of one host, the
 * RRs sorted (an RRset has no order; each run shows the same lines).
 */
static void
chk_tlsa_lines(struct chk *k, const struct chk_probes *p, struct chk_host *h)
{
	struct dns_tlsa *t = &h->tlsa;
	char	addrs[64], hex[160], rrs[RESOLVER_TLSA_NAME_MAX + 32];
	int	due = p->mx_sec == DNS_SEC_SECURE &&
	    h->addrs.sec == DNS_SEC_SECURE;
	size_t	i;

	if (h->addrs.status == DNS_OK)
		snprintf(addrs, sizeof(addrs), "addresses %s",
		    dns_sec_name(h->addrs.sec));
	else
		snprintf(addrs, sizeof(addrs), "addresses %s (%s)",
		    dns_status_name(h->addrs.status),
		    dns_sec_name(h->addrs.sec));
	switch (t->status) {
	case DNS_BOGUS:
		chk_add(k, "mx-tlsa", CHK_FAIL, "%s: %s DNSSEC-bogus (%s): "
		    "DANE senders will not deliver to it", h->host, t->name,
		    t->why[0] ? t->why : "validation failed");
		return;
	case DNS_NODATA:
	case DNS_NXDOMAIN:
		chk_add(k, "mx-tlsa", CHK_PASS, "%s: %s: no TLSA records (%s "
		    "denial), %s: DANE does not apply to this host", h->host,
		    t->name, dns_sec_name(t->sec), addrs);
		return;
	case DNS_OK:
		break;
	default:
		chk_add(k, "mx-tlsa", due ? CHK_FAIL : CHK_WARN, "%s: %s: TLSA "
		    "lookup failed (%s)%s", h->host, t->name, t->why[0] ?
		    t->why : dns_status_name(t->status), due ? ": DANE "
		    "senders defer mail to it" : "");
		return;
	}
	snprintf(rrs, sizeof(rrs), "%s: %zu TLSA RR%s", t->name, t->n,
	    t->n == 1 ? "" : "s");
	if (t->sec != DNS_SEC_SECURE)
		chk_add(k, "mx-tlsa", CHK_WARN, "%s: %s, %s: not DANE, senders "
		    "ignore them (RFC 7672 section 2.2)", h->host, rrs,
		    dns_sec_name(t->sec));
	else if (p->mx_sec != DNS_SEC_SECURE)
		chk_add(k, "mx-tlsa", CHK_WARN, "%s: %s, secure, but the MX "
		    "RRset is %s: DANE does not apply (RFC 7672 section "
		    "2.2.1)", h->host, rrs, dns_sec_name(p->mx_sec));
	else if (h->addrs.sec != DNS_SEC_SECURE)
		chk_add(k, "mx-tlsa", CHK_WARN, "%s: %s, secure, but %s: DANE "
		    "does not apply (RFC 7672 section 2.2.2)", h->host, rrs,
		    addrs);
	else
		chk_add(k, "mx-tlsa", CHK_PASS, "%s: %s, secure, %zu usable, "
		    "%s: DANE applies", h->host, rrs, t->n_usable, addrs);
	if (t->n > 1)
		qsort(t->rr, t->n, sizeof(t->rr[0]), chk_tlsa_cmp);
	for (i = 0; i < t->n; i++) {
		const struct dns_tlsa_rr *rr = &t->rr[i];
		int	ok = dns_tlsa_rr_usable(rr);

		chk_add(k, "mx-tlsa", ok ? CHK_PASS : CHK_WARN, "%s: %u %u %u "
		    "%s (%s)", h->host, rr->usage, rr->selector, rr->mtype,
		    chk_hex(rr->data, rr->len, hex, sizeof(hex)), ok ?
		    "usable" : "not usable for SMTP, RFC 7672 section 3.1.3");
	}
}

/* chk_dane_line - does the certificate match the TLSA RRs? */
static void
chk_dane_line(struct chk *k, const struct chk_host *h)
{
	const struct probe_report *r = &h->drep;
	char	at[80];

	at[0] = '\0';
	if (r->addr[0] != '\0')
		snprintf(at, sizeof(at), " [%s]", r->addr);
	switch (r->result) {
	case PROBE_OK:
		if (r->dane_match[0] != '\0')
			chk_add(k, "mx-dane", CHK_PASS, "%s%s: the certificate "
			    "matches TLSA %s: %s", h->host, at, r->dane_match,
			    r->why);
		else
			chk_add(k, "mx-dane", CHK_WARN, "%s%s: %s: senders use "
			    "TLS without authentication (RFC 7672 section 2.2)",
			    h->host, at, r->why[0] ? r->why :
			    "no usable TLSA RR");
		break;
	case PROBE_TLSA_INVALID:
		chk_add(k, "mx-dane", CHK_FAIL, "%s%s: tlsa-invalid: %s: DANE "
		    "senders will not deliver to it", h->host, at, r->why[0] ?
		    r->why : "no TLSA RR matches the certificate");
		break;
	case PROBE_DNSSEC_INVALID:
		chk_add(k, "mx-dane", CHK_FAIL, "%s: dnssec-invalid: %s",
		    h->host, r->why[0] ? r->why : "the TLSA answer is bogus");
		break;
	case PROBE_DANE_REQUIRED:
		chk_add(k, "mx-dane", CHK_FAIL, "%s: dane-required: %s",
		    h->host, r->why[0] ? r->why : "no secure TLSA RRs");
		break;
	case PROBE_UNREACHABLE:
		chk_add(k, "mx-dane", CHK_FAIL, "%s%s: unreachable: %s",
		    h->host, at, r->why);
		break;
	default:
		chk_add(k, "mx-dane", CHK_FAIL, "%s%s: %s: %s", h->host, at,
		    probe_result_name(r->result), r->why[0] ? r->why :
		    "DANE verification failed");
		break;
	}
}

/* chk_web_cert_failed - WebPKI refused the certificate or the handshake. */
static int
chk_web_cert_failed(enum probe_result r)
{
	return r == PROBE_CERT_HOST_MISMATCH || r == PROBE_CERT_EXPIRED ||
	    r == PROBE_CERT_NOT_TRUSTED || r == PROBE_VALIDATION_FAILURE;
}

/*
 * chk_sts_dane - where MTA-STS and DANE disagree about h: warn, since
 * DANE takes precedence for senders that do both (RFC 8461 §2).
 */
static void
chk_sts_dane(struct chk *k, const struct chk_host *h)
{
	enum probe_result d = h->drep.result;
	int	dane_ok, dane_failed;

	if (!h->dane)
		return;
	dane_ok = d == PROBE_OK;
	dane_failed = !dane_ok && d != PROBE_UNREACHABLE &&
	    d != PROBE_STARTTLS_NOT_SUPPORTED;
	if (h->listed && dane_failed && h->web.result == PROBE_OK)
		chk_add(k, "sts-dane", CHK_WARN, "%s: MTA-STS accepts it "
		    "(WebPKI valid) but DANE fails (%s); DANE takes "
		    "precedence (RFC 8461 section 2): senders that do DANE "
		    "will not deliver", h->host, probe_result_name(d));
	else if (!h->listed && dane_ok)
		chk_add(k, "sts-dane", CHK_WARN, "%s: DANE passes but the "
		    "policy lists no pattern for it: MTA-STS senders will not "
		    "deliver to it", h->host);
	else if (h->listed && dane_ok && chk_web_cert_failed(h->web.result))
		chk_add(k, "sts-dane", CHK_WARN, "%s: DANE passes but WebPKI "
		    "fails (%s): senders with MTA-STS alone will not deliver",
		    h->host, probe_result_name(h->web.result));
}

/* chk_add_host - h into the probe list once; the entry. */
static struct chk_host *
chk_add_host(struct chk_probes *p, const char *h, int listed)
{
	size_t	j;

	for (j = 0; j < p->n; j++)
		if (strcmp(p->h[j].host, h) == 0) {
			p->h[j].listed |= listed;
			return &p->h[j];
		}
	p->h[p->n].host = (char *)h;
	p->h[p->n].listed = listed;
	return &p->h[p->n++];
}

/*
 * chk_mx - MX records against the policy, then a probe of each match;
 * when validating, the TLSA RRs of every MX host and a DANE probe where
 * DANE applies (of hosts the policy does not list too).
 */
static void
chk_mx(struct chk *k, const struct config *cfg, const struct sts_policy *pol)
{
	struct chk_probes p;
	struct dns_mx mx;
	struct dns_mx_rr implicit;
	const struct dns_mx_rr *rr;
	const char *pat;
	char	why[200];
	size_t	i, j, nrr;
	int	lock_ok = 0, *used = NULL;

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.validating = resolver_trust_anchor() != NULL && cfg->dane != DANE_NO;
	resolver_mx(k->domain, &mx);
	p.mx_sec = mx.sec;
	chk_dnssec(k, cfg, &p, &mx);
	if (mx.status == DNS_BOGUS)
		goto out;		/* the dnssec line said it */
	if (mx.status == DNS_OK && mx.null_mx) {
		chk_add(k, "mx", CHK_FAIL, "%s: null MX (RFC 7505): the domain "
		    "accepts no mail", k->domain);
		goto out;
	}
	if (mx.status != DNS_OK && mx.status != DNS_NODATA) {
		chk_add(k, "mx", CHK_FAIL, "%s: MX %s", k->domain,
		    chk_dns_why(mx.status, mx.why, "MX", why, sizeof(why)));
		goto out;
	}
	if (mx.status == DNS_NODATA) {
		/* RFC 5321 §5.1: the domain itself is the implicit MX (E8). */
		implicit.pref = 0;
		implicit.host = (char *)k->domain;
		rr = &implicit;
		nrr = 1;
	} else {
		rr = mx.mx;
		nrr = mx.n;
	}
	if ((used = calloc(pol->nmx + 1, sizeof(*used))) == NULL ||
	    (p.h = calloc(nrr, sizeof(*p.h))) == NULL) {
		chk_add(k, "mx", CHK_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < nrr; i++) {
		const char *h = rr[i].host;

		if (!dns_name_is_ldh(h, strlen(h))) {
			chk_add(k, "mx", CHK_FAIL, "%s (preference %u): not a "
			    "valid host name", h[0] ? h : ".", rr[i].pref);
			continue;
		}
		if ((pat = chk_pattern_for(pol, h)) == NULL) {
			chk_add(k, "mx", CHK_FAIL, "%s (preference %u) matches "
			    "no mx pattern of the policy: senders will not "
			    "deliver to it", h, rr[i].pref);
			if (p.validating)
				(void)chk_add_host(&p, h, 0);
			continue;
		}
		for (j = 0; j < pol->nmx; j++)
			if (mx_match(pol->mx[j], h))
				used[j] = 1;
		if (mx.status == DNS_NODATA)
			chk_add(k, "mx", CHK_PASS, "no MX records: %s itself "
			    "is the mail host and matches mx: %s", h, pat);
		else
			chk_add(k, "mx", CHK_PASS, "%s (preference %u) matches "
			    "mx: %s", h, rr[i].pref, pat);
		(void)chk_add_host(&p, h, 1);
	}
	for (j = 0; j < pol->nmx; j++)
		if (!used[j])
			chk_add(k, "mx-pattern", CHK_WARN, "mx: %s matches no MX "
			    "record", pol->mx[j]);
	if (p.n == 0)
		goto out;
	if (pthread_mutex_init(&p.lock, NULL) != 0) {
		chk_add(k, "mx-starttls", CHK_FAIL, "cannot start the probes");
		goto out;
	}
	lock_ok = 1;
	chk_run_probes(&p);
	for (i = 0; i < p.n; i++) {
		if (p.h[i].listed)
			chk_probe_lines(k, p.h[i].host, &p.h[i].web);
		if (p.validating)
			chk_tlsa_lines(k, &p, &p.h[i]);
		if (p.h[i].dane)
			chk_dane_line(k, &p.h[i]);
		chk_sts_dane(k, &p.h[i]);
	}
out:
	if (lock_ok)
		pthread_mutex_destroy(&p.lock);
	for (i = 0; i < p.n; i++) {
		dns_addrs_free(&p.h[i].addrs);
		dns_tlsa_free(&p.h[i].tlsa);
	}
	free(p.h);
	free(used);
	dns_mx_free(&mx);
}

/* chk_tlsrpt - the _smtp._tls record (RFC 8460 §3, R2, R3). */
static void
chk_tlsrpt(struct chk *k)
{
	struct dns_txt t;
	struct txt_rr *rrs = NULL;
	struct tlsrpt_record rec;
	const char *why = NULL;
	char	name[DNS_NAME_MAX + 16], q[CHK_QUOTE_MAX + 8];
	size_t	i, cand = 0, which = 0;

	memset(&rec, 0, sizeof(rec));
	snprintf(name, sizeof(name), "_smtp._tls.%s", k->domain);
	resolver_txt(name, &t);
	if (t.status == DNS_NXDOMAIN || t.status == DNS_NODATA ||
	    (t.status == DNS_OK && t.n == 0)) {
		chk_add(k, "tlsrpt", CHK_WARN, "%s: no TLS-RPT record: nobody "
		    "will hear of failed TLS deliveries (RFC 8460)", name);
		goto out;
	}
	if (t.status != DNS_OK) {
		chk_add(k, "tlsrpt", CHK_FAIL, "%s: %s", name,
		    chk_dns_why(t.status, t.why, "TXT", q, sizeof(q)));
		goto out;
	}
	if ((rrs = chk_txt_rrs(&t)) == NULL) {
		chk_add(k, "tlsrpt", CHK_FAIL, "%s: out of memory", name);
		goto out;
	}
	for (i = 0; i < t.n; i++)
		if (tlsrpt_record_is_candidate(rrs[i].data, rrs[i].len)) {
			cand++;
			which = i;
		}
	switch (tlsrpt_record_select(rrs, t.n, &rec, &why)) {
	case TLSRPT_SELECT_OK:
		chk_add(k, "tlsrpt", CHK_PASS, "%s: %s", name, chk_quote(
		    rrs[which].data, rrs[which].len, q, sizeof(q)));
		break;
	case TLSRPT_SELECT_NONE:
		chk_add(k, "tlsrpt", CHK_WARN, "%s: no record begins with "
		    "\"v=TLSRPTv1;\": nobody will hear of failed TLS "
		    "deliveries", name);
		break;
	case TLSRPT_SELECT_MULTIPLE:
		chk_add(k, "tlsrpt", CHK_FAIL, "%s: %zu records begin with "
		    "\"v=TLSRPTv1;\", exactly one is allowed", name, cand);
		break;
	case TLSRPT_SELECT_INVALID:
	case TLSRPT_SELECT_NO_URI:
		chk_add(k, "tlsrpt", CHK_FAIL, "%s: %s: \"%s\"", name,
		    why != NULL ? why : "invalid", chk_quote(rrs[which].data,
		    rrs[which].len, q, sizeof(q)));
		break;
	}
out:
	tlsrpt_record_free(&rec);
	free(rrs);
	dns_txt_free(&t);
}

/* chk_summary - the last line, or the JSON document. */
static int
chk_summary(struct chk *k)
{
	enum chk_result worst = k->n[CHK_FAIL] ? CHK_FAIL :
	    k->n[CHK_WARN] ? CHK_WARN : CHK_PASS;
	static const enum ctl_colour colour[] = { CTL_GREEN, CTL_YELLOW,
	    CTL_RED };
	json_t *doc;
	int	rc = worst == CHK_FAIL ? CTL_EXIT_NEGATIVE : CTL_EXIT_OK;

	if (!k->o->json) {
		fprintf(k->o->fp, "%s%s: %u checks, %u passed, %u warning%s, "
		    "%u failed%s\n", ctl_paint(k->o, colour[worst]), k->domain,
		    k->n[0] + k->n[1] + k->n[2], k->n[CHK_PASS],
		    k->n[CHK_WARN], k->n[CHK_WARN] == 1 ? "" : "s",
		    k->n[CHK_FAIL], ctl_unpaint(k->o, colour[worst]));
		return fflush(k->o->fp) == EOF ? CTL_EXIT_USAGE : rc;
	}
	doc = json_pack("{s:s, s:O, s:{s:i, s:i, s:i, s:s}}", "domain",
	    k->domain, "checks", k->checks, "summary", "pass",
	    (int)k->n[CHK_PASS], "warn", (int)k->n[CHK_WARN], "fail",
	    (int)k->n[CHK_FAIL], "result", chk_names[worst]);
	if (doc == NULL || ctl_json_print(k->o, doc) == -1)
		rc = CTL_EXIT_USAGE;
	json_decref(doc);
	return rc;
}

/* ctl_check - every check of domain, then the summary. */
int
ctl_check(const struct config *cfg, const char *domain,
    const struct ctl_out *o)
{
	struct sts_policy pol;
	struct chk k;
	char	err[512];
	int	rc = CTL_EXIT_USAGE, curl = 0, dns = 0;

	memset(&k, 0, sizeof(k));
	memset(&pol, 0, sizeof(pol));
	k.o = o;
	k.domain = domain;
	if ((k.checks = json_array()) == NULL) {
		fprintf(stderr, "mtasts-ctl: out of memory\n");
		goto out;
	}
	if (resolver_init(cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "mtasts-ctl: resolver: %s\n", err);
		goto out;
	}
	dns = 1;
	if (fetch_global_init() == -1) {
		fprintf(stderr, "mtasts-ctl: cannot initialise libcurl\n");
		goto out;
	}
	curl = 1;

	chk_txt(&k);
	if (chk_policy(&k, cfg, &pol) == 0 && pol.mode != STS_MODE_NONE)
		chk_mx(&k, cfg, &pol);
	chk_tlsrpt(&k);
	rc = chk_summary(&k);
out:
	sts_policy_free(&pol);
	json_decref(k.checks);
	if (curl)
		fetch_global_cleanup();
	if (dns)
		resolver_shutdown();
	return rc;
}
