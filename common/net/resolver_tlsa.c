/*
 * NAME
 *	resolver_tlsa - TLSA answers of the resolver (DANE for SMTP)
 * SYNOPSIS
 *	#include "resolver.h"
 *
 *	void resolver_tlsa(host, &tlsa)
 *	int dns_tlsa_rr_usable(&rr), dns_tlsa_dane(&tlsa)
 *	void dns_tlsa_free(&tlsa)
 * DESCRIPTION
 *	TLSA answers (RFC 6698, RFC 7672): resolver_tlsa() asks for
 *	_25._tcp.HOST, keeps each RR's usage, selector, matching type and
 *	data as they come, the RRset's TTL, and counts the RRs usable for
 *	SMTP (dns_tlsa_rr_usable(): DANE-TA(2) or DANE-EE(3), selector 0
 *	or 1, matching type 0, 1 or 2 with a digest of the right length;
 *	PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP, RFC 7672 §3.1.3).
 *
 *	The DNSSEC status comes with the answer (rs_sec(), resolver.c): a
 *	secure NXDOMAIN or NODATA proves there is no TLSA RRset, a bogus
 *	one is a failure.
 * DIAGNOSTICS
 *	As resolver.c: status and why say what happened.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unbound.h>

#include "log.h"
#include "resolver.h"
#include "resolver_int.h"

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
int
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
