/*
 * tlsrpt_agg.h - one TLS-RPT aggregate as a jansson object (tlsrpt_agg.c):
 * what the store (tlsrpt_store.c) keeps and the report assembly
 * (tlsrpt_reports.c) reads.
 */
#ifndef MTASTS_TLSRPT_AGG_H
#define MTASTS_TLSRPT_AGG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tlsrpt.h"

/*
 * The seed of the aggregate keys' hash: not HASH_FNV_INIT (a digit short),
 * but keys already stored were made with it, so it stays.
 */
#define TLSRPT_AGG_SEED	1469598103934665603ULL

/* tlsrpt_agg_type_name - the RFC 8460 policy-type string of t. */
const char *tlsrpt_agg_type_name(enum tlsrpt_policy_type t);

/* tlsrpt_agg_type_of - back from the name (unknown: no-policy-found). */
enum tlsrpt_policy_type tlsrpt_agg_type_of(const char *s);

/* tlsrpt_agg_hash_str - FNV-1a of s (NULL: nothing) and a separator. */
uint64_t tlsrpt_agg_hash_str(uint64_t h, const char *s);

/* tlsrpt_agg_num - an integer member of o, 0 when absent or negative. */
uint64_t tlsrpt_agg_num(json_t *o, const char *key);

/*
 * tlsrpt_agg_add_detail - count n sessions of failure detail d in agg
 * (a copy of d when new; past TLSRPT_DETAILS_MAX, onto the last one).
 */
void	tlsrpt_agg_add_detail(json_t *agg, json_t *d, uint64_t n);

/* tlsrpt_agg_merge - add the counts of src to dst (same identity). */
void	tlsrpt_agg_merge(json_t *dst, json_t *src);

/*
 * tlsrpt_agg_identity - 16 hex digits in buf (sz >= 17) of what makes agg
 * one policy of one report: domain, record, type, strings, mx.
 */
void	tlsrpt_agg_identity(json_t *agg, char *buf, size_t sz);

/* tlsrpt_agg_capped - sessions put onto a last detail since start. */
uint64_t tlsrpt_agg_capped(void);

#endif
