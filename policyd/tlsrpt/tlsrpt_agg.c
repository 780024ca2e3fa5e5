/*
 * NAME
 *	tlsrpt_agg - one TLS-RPT aggregate: its JSON form, identity and sums
 * SYNOPSIS
 *	#include "tlsrpt_agg.h"
 * DESCRIPTION
 *	An aggregate is one (UTC day, policy domain, TLS-RPT record, policy)
 *	as a jansson object: "domain", "record", "type"
 *	(tlsrpt_agg_type_name),
 *	"strings" and "mx" (the policy), "success", "failure", "capped" and
 *	"details", the distinct failure details each with its "count". The
 *	store (tlsrpt_store.c) keeps aggregates; the report assembly
 *	(tlsrpt_reports.c) turns them into reports. Both merge them here.
 *
 *	Identity: FNV-1a (tlsrpt_agg_hash_str, seeded with TLSRPT_AGG_SEED)
 *	of domain, record, type, policy strings and mx patterns; the store's
 *	LMDB keys carry the same hash.
 *
 *	A policy keeps at most TLSRPT_DETAILS_MAX distinct details; the
 *	sessions of any further detail are added to the last one and to
 *	"capped", and counted in tlsrpt_agg_capped().
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "hash.h"
#include "tlsrpt_agg.h"
#include "tlsrpt_store.h"

static atomic_ullong ta_capped;	/* from the add and the flush paths */

static const char *const ta_detail_keys[] = {
	"result-type", "sending-mta-ip", "receiving-mx-hostname",
	"receiving-mx-helo", "receiving-ip", "additional-information",
	"failure-reason-code"
};
#define TA_NDETAIL_KEYS (sizeof(ta_detail_keys) / sizeof(ta_detail_keys[0]))

/* tlsrpt_agg_type_name - the RFC 8460 policy-type string. */
const char *
tlsrpt_agg_type_name(enum tlsrpt_policy_type t)
{
	switch (t) {
	case TLSRPT_POLICY_STS:
		return "sts";
	case TLSRPT_POLICY_TLSA:
		return "tlsa";
	default:
		return "no-policy-found";
	}
}

/* tlsrpt_agg_type_of - back from the name. */
enum tlsrpt_policy_type
tlsrpt_agg_type_of(const char *s)
{
	if (s != NULL && strcmp(s, "sts") == 0)
		return TLSRPT_POLICY_STS;
	if (s != NULL && strcmp(s, "tlsa") == 0)
		return TLSRPT_POLICY_TLSA;
	return TLSRPT_POLICY_NONE;
}

/* tlsrpt_agg_hash_str - hash a string and a separator byte. */
uint64_t
tlsrpt_agg_hash_str(uint64_t h, const char *s)
{
	if (s != NULL)
		h = hash_fnv1a(h, s, strlen(s));
	return hash_fnv1a(h, "\001", 1);
}

/* tlsrpt_agg_num - an integer member, 0 when absent. */
uint64_t
tlsrpt_agg_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ?
	    (uint64_t)json_integer_value(v) : 0;
}

/* ta_add_num - add n to an integer member. */
static void
ta_add_num(json_t *o, const char *key, uint64_t n)
{
	json_object_set_new(o, key,
	    json_integer((json_int_t)(tlsrpt_agg_num(o, key) + n)));
}

/* ta_same_detail - do two details name the same failure? */
static int
ta_same_detail(json_t *a, json_t *b)
{
	const char *x, *y;
	size_t	i;

	for (i = 0; i < TA_NDETAIL_KEYS; i++) {
		x = json_string_value(json_object_get(a, ta_detail_keys[i]));
		y = json_string_value(json_object_get(b, ta_detail_keys[i]));
		if ((x == NULL) != (y == NULL))
			return 0;
		if (x != NULL && strcmp(x, y) != 0)
			return 0;
	}
	return 1;
}

/* tlsrpt_agg_add_detail - count n sessions of detail d in agg (capped). */
void
tlsrpt_agg_add_detail(json_t *agg, json_t *d, uint64_t n)
{
	json_t *arr = json_object_get(agg, "details"), *e, *c;
	size_t	i, sz;

	if (!json_is_array(arr)) {
		arr = json_array();
		json_object_set_new(agg, "details", arr);
	}
	sz = json_array_size(arr);
	for (i = 0; i < sz; i++) {
		e = json_array_get(arr, i);
		if (ta_same_detail(e, d)) {
			ta_add_num(e, "count", n);
			return;
		}
	}
	if (sz >= TLSRPT_DETAILS_MAX) {
		ta_add_num(json_array_get(arr, sz - 1), "count", n);
		ta_add_num(agg, "capped", n);
		atomic_fetch_add(&ta_capped, (unsigned long long)n);
		return;
	}
	if ((c = json_deep_copy(d)) == NULL)
		return;
	json_object_set_new(c, "count", json_integer((json_int_t)n));
	json_array_append_new(arr, c);
}

/* tlsrpt_agg_merge - add the counts of src to dst (same identity). */
void
tlsrpt_agg_merge(json_t *dst, json_t *src)
{
	json_t *arr = json_object_get(src, "details"), *d;
	size_t	i;

	ta_add_num(dst, "success", tlsrpt_agg_num(src, "success"));
	ta_add_num(dst, "failure", tlsrpt_agg_num(src, "failure"));
	ta_add_num(dst, "capped", tlsrpt_agg_num(src, "capped"));
	json_array_foreach(arr, i, d)
		tlsrpt_agg_add_detail(dst, d, tlsrpt_agg_num(d, "count"));
}

/* tlsrpt_agg_identity - hex FNV-1a of one policy of one report. */
void
tlsrpt_agg_identity(json_t *agg, char *buf, size_t sz)
{
	uint64_t h = TLSRPT_AGG_SEED;
	json_t *e;
	size_t	i;

	h = tlsrpt_agg_hash_str(h, json_string_value(json_object_get(agg,
	    "domain")));
	h = tlsrpt_agg_hash_str(h, json_string_value(json_object_get(agg,
	    "record")));
	h = tlsrpt_agg_hash_str(h, json_string_value(json_object_get(agg,
	    "type")));
	json_array_foreach(json_object_get(agg, "strings"), i, e)
		h = tlsrpt_agg_hash_str(h, json_string_value(e));
	h = hash_fnv1a(h, "\002", 1);
	json_array_foreach(json_object_get(agg, "mx"), i, e)
		h = tlsrpt_agg_hash_str(h, json_string_value(e));
	if ((e = json_object_get(agg, "policy_domain")) != NULL) {
		h = hash_fnv1a(h, "\003", 1);
		h = tlsrpt_agg_hash_str(h, json_string_value(e));
	}
	snprintf(buf, sz, "%016llx", (unsigned long long)h);
}

/* tlsrpt_agg_capped - sessions added to a last detail so far. */
uint64_t
tlsrpt_agg_capped(void)
{
	return (uint64_t)atomic_load(&ta_capped);
}
