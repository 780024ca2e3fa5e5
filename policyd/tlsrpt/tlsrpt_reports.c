/*
 * NAME
 *	tlsrpt_reports - the day's TLS-RPT reports, assembled from the store
 * SYNOPSIS
 *	#include "tlsrpt_reports.h"
 *
 *	int tlsrpt_reports(day_start, domain, &out, &n)
 *	int tlsrpt_reports_raw(day_start, domain, &out, &n)
 *	void tlsrpt_reports_free(r, n)
 * DESCRIPTION
 *	Reads a day's aggregates (tlsrpt_store_walk) and builds one report
 *	per (policy domain, TLS-RPT record) with all its policies
 *	(tlsrpt_agg.c's format). tlsrpt_reports() gives an aggregate stored
 *	without a record the domain's current _smtp._tls record, looked up
 *	through the resolver (so never on the request path), merges what
 *	then became the same policy of the same report, and leaves out
 *	reports without a usable rua; at most TLSRPT_RUA_MAX rua URIs are
 *	kept (S8). tlsrpt_reports_raw() does no DNS and skips nothing.
 * DIAGNOSTICS
 *	0, or -1 when out of memory or the store cannot be read. Records
 *	that cannot be used are logged (log_info).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "resolver.h"
#include "tlsrpt_agg.h"
#include "tlsrpt_record.h"
#include "tlsrpt_reports.h"
#include "tlsrpt_store.h"

/* tr_strdup_list - copy a JSON array of strings. */
static char **
tr_strdup_list(json_t *a, size_t *n)
{
	char  **v;
	json_t *e;
	size_t	i, sz = json_array_size(a);

	*n = 0;
	if (sz == 0)
		return NULL;
	if ((v = calloc(sz, sizeof(*v))) == NULL)
		return NULL;
	json_array_foreach(a, i, e)
		if (json_is_string(e) &&
		    (v[*n] = strdup(json_string_value(e))) != NULL)
			(*n)++;
	return v;
}

/* tr_dupstr - strdup of an optional member. */
static char *
tr_dupstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? strdup(s) : NULL;
}

/* tlsrpt_reports_free - free n reports and the array. */
void
tlsrpt_reports_free(struct tlsrpt_report *r, size_t n)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++)
		tlsrpt_report_free(&r[i]);
	free(r);
}

/* tr_fill_policy - one stored aggregate as a report policy. */
static int
tr_fill_policy(json_t *agg, struct tlsrpt_policy *p)
{
	json_t *arr = json_object_get(agg, "details"), *d;
	size_t	i, sz = json_array_size(arr);

	memset(p, 0, sizeof(*p));
	p->type = tlsrpt_agg_type_of(json_string_value(json_object_get(agg,
	    "type")));
	p->policy_domain = tr_dupstr(agg, json_object_get(agg,
	    "policy_domain") != NULL ? "policy_domain" : "domain");
	p->strings = tr_strdup_list(json_object_get(agg, "strings"),
	    &p->nstrings);
	p->mx_host = tr_strdup_list(json_object_get(agg, "mx"), &p->nmx);
	p->success = tlsrpt_agg_num(agg, "success");
	p->failure = tlsrpt_agg_num(agg, "failure");
	if (p->policy_domain == NULL)
		return -1;
	if (sz > 0 && (p->failures = calloc(sz, sizeof(*p->failures))) ==
	    NULL)
		return -1;
	json_array_foreach(arr, i, d) {
		struct tlsrpt_failure *f = &p->failures[p->nfailures];

		if ((f->result_type = tr_dupstr(d, "result-type")) == NULL)
			continue;
		f->sending_mta_ip = tr_dupstr(d, "sending-mta-ip");
		f->receiving_mx_hostname = tr_dupstr(d,
		    "receiving-mx-hostname");
		f->receiving_mx_helo = tr_dupstr(d, "receiving-mx-helo");
		f->receiving_ip = tr_dupstr(d, "receiving-ip");
		f->additional_information = tr_dupstr(d,
		    "additional-information");
		f->failure_reason_code = tr_dupstr(d, "failure-reason-code");
		f->count = tlsrpt_agg_num(d, "count");
		p->nfailures++;
	}
	return 0;
}

/* tr_lookup_record - the current _smtp._tls record of domain, or NULL. */
static char *
tr_lookup_record(const char *domain)
{
	struct dns_txt t;
	struct txt_rr *rrs = NULL;
	struct tlsrpt_record rec;
	char	name[300], *out = NULL;
	const char *why;
	size_t	i, cand = 0;

	snprintf(name, sizeof(name), "_smtp._tls.%s", domain);
	memset(&t, 0, sizeof(t));
	resolver_txt(name, &t);
	if (t.status != DNS_OK || t.n == 0)
		goto out;
	if ((rrs = calloc(t.n, sizeof(*rrs))) == NULL)
		goto out;
	for (i = 0; i < t.n; i++) {
		rrs[i].data = t.rr[i];
		rrs[i].len = t.len[i];
	}
	memset(&rec, 0, sizeof(rec));
	if (tlsrpt_record_select(rrs, t.n, &rec, &why) != TLSRPT_SELECT_OK) {
		log_info("tlsrpt: %s: no usable record: %s", name, why);
		goto out;
	}
	tlsrpt_record_free(&rec);
	for (i = 0; i < t.n; i++)
		if (tlsrpt_record_is_candidate(t.rr[i], t.len[i])) {
			cand = i;
			break;
		}
	if (memchr(t.rr[cand], '\0', t.len[cand]) == NULL)
		out = strdup(t.rr[cand]);
out:
	free(rrs);
	dns_txt_free(&t);
	return out;
}

/* tr_rua - fill r->rua from r->record; 0 usable, -1 not. */
static int
tr_rua(struct tlsrpt_report *r)
{
	struct tlsrpt_record rec;
	const char *why;
	size_t	len = strlen(r->record);

	memset(&rec, 0, sizeof(rec));
	if (len == 0 || !tlsrpt_record_is_candidate(r->record, len) ||
	    tlsrpt_record_parse(r->record, len, &rec, &why) != 0)
		return -1;
	if (rec.nrua == 0) {
		tlsrpt_record_free(&rec);
		return -1;
	}
	/*
	 * S8: the record is the receiving domain's to write; a long rua list
	 * must not make us mail or POST to many third parties.
	 */
	if (rec.nrua > TLSRPT_RUA_MAX) {
		log_notice("tlsrpt: %s lists %zu rua URIs; reporting to the "
		    "first %d only", r->policy_domain, rec.nrua,
		    TLSRPT_RUA_MAX);
		while (rec.nrua > TLSRPT_RUA_MAX)
			free(rec.rua[--rec.nrua]);
	}
	r->rua = rec.rua;
	r->nrua = rec.nrua;
	rec.rua = NULL;
	rec.nrua = 0;
	tlsrpt_record_free(&rec);
	return 0;
}

/*
 * tr_fold - give aggregates stored without a record the domain's current
 * one, then merge those that became the same policy of the same report
 * (aggs is in key order: one domain's aggregates are adjacent).
 */
static int
tr_fold(json_t *aggs, char **lastdom, char **looked)
{
	json_t *seen, *out, *agg, *prev;
	const char *dom, *srec;
	char	id[17];
	size_t	i;
	int	ret = -1;

	if ((seen = json_object()) == NULL)
		return -1;
	if ((out = json_array()) == NULL)
		goto out;
	json_array_foreach(aggs, i, agg) {
		dom = json_string_value(json_object_get(agg, "domain"));
		srec = json_string_value(json_object_get(agg, "record"));
		if (dom == NULL)
			continue;
		if (srec == NULL || *srec == '\0') {
			if (*lastdom == NULL || strcmp(*lastdom, dom) != 0) {
				free(*lastdom);
				free(*looked);
				*lastdom = strdup(dom);
				*looked = tr_lookup_record(dom);
			}
			json_object_set_new(agg, "record",
			    json_string(*looked != NULL ? *looked : ""));
		}
		tlsrpt_agg_identity(agg, id, sizeof(id));
		if ((prev = json_object_get(seen, id)) != NULL) {
			tlsrpt_agg_merge(prev, agg);
			continue;
		}
		json_object_set(seen, id, agg);
		json_array_append(out, agg);
	}
	json_array_clear(aggs);
	json_array_extend(aggs, out);
	json_decref(out);
	ret = 0;
out:
	json_decref(seen);
	return ret;
}

/*
 * tr_build - build the day's reports; resolve: look up missing records,
 * skip unusable.
 */
static int
tr_build(int64_t day_start, const char *domain, int resolve,
    struct tlsrpt_report **out, size_t *nout)
{
	json_t *aggs;
	struct tlsrpt_report *r = NULL, *nr;
	json_t *agg;
	char	*rec, *lastdom = NULL, *looked = NULL;
	size_t	i, j, k, n = 0, cap = 0;
	int	ret = -1;

	*out = NULL;
	*nout = 0;
	if ((aggs = json_array()) == NULL)
		return -1;
	if (tlsrpt_store_walk(day_start, domain, aggs) != 0)
		goto out;
	if (resolve && tr_fold(aggs, &lastdom, &looked) != 0)
		goto out;
	json_array_foreach(aggs, i, agg) {
		const char *dom = json_string_value(json_object_get(agg,
		    "domain"));
		const char *srec = json_string_value(json_object_get(agg,
		    "record"));
		struct tlsrpt_policy *np;

		if (dom == NULL)
			continue;
		if (srec == NULL)
			srec = "";
		if (*srec == '\0' && resolve) {
			if (lastdom == NULL || strcmp(lastdom, dom) != 0) {
				free(lastdom);
				free(looked);
				lastdom = strdup(dom);
				looked = tr_lookup_record(dom);
			}
			if (looked != NULL)
				srec = looked;
		}
		for (j = 0; j < n; j++)
			if (strcmp(r[j].policy_domain, dom) == 0 &&
			    strcmp(r[j].record, srec) == 0)
				break;
		if (j == n) {
			if (n == cap) {
				if ((nr = realloc(r, (cap * 2 + 4) *
				    sizeof(*r))) == NULL)
					goto out;
				r = nr;
				cap = cap * 2 + 4;
			}
			memset(&r[n], 0, sizeof(r[n]));
			r[n].day_start = day_start;
			r[n].policy_domain = strdup(dom);
			r[n].record = rec = strdup(srec);
			n++;
			if (r[j].policy_domain == NULL || rec == NULL)
				goto out;
		}
		if ((np = realloc(r[j].policies, (r[j].npolicies + 1) *
		    sizeof(*np))) == NULL)
			goto out;
		r[j].policies = np;
		if (tr_fill_policy(agg, &np[r[j].npolicies]) != 0) {
			tlsrpt_policy_free(&np[r[j].npolicies]);
			goto out;
		}
		r[j].npolicies++;
	}
	/* rua; drop what cannot be sent when resolving */
	for (i = j = 0; i < n; i++) {
		if (tr_rua(&r[i]) != 0 && resolve) {
			log_info("tlsrpt: %s: no usable _smtp._tls record, "
			    "no report", r[i].policy_domain);
			free(r[i].policy_domain);
			free(r[i].record);
			for (k = 0; k < r[i].npolicies; k++)
				tlsrpt_policy_free(&r[i].policies[k]);
			free(r[i].policies);
			continue;
		}
		r[j++] = r[i];
	}
	n = j;
	*out = r;
	*nout = n;
	r = NULL;
	ret = 0;
out:
	if (r != NULL)
		tlsrpt_reports_free(r, n);
	free(lastdom);
	free(looked);
	json_decref(aggs);
	return ret;
}

/* tlsrpt_reports - the day's sendable reports. */
int
tlsrpt_reports(int64_t day_start, const char *domain,
    struct tlsrpt_report **out, size_t *n)
{
	return tr_build(day_start, domain, 1, out, n);
}

/* tlsrpt_reports_raw - the day's reports as stored. */
int
tlsrpt_reports_raw(int64_t day_start, const char *domain,
    struct tlsrpt_report **out, size_t *n)
{
	return tr_build(day_start, domain, 0, out, n);
}
