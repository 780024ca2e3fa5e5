/*
 * tlsrpt_store.h - the TLS-RPT result store: every TLS session result
 * policyd learns (its own policy fetches and MX probes, libtlsrpt datagrams
 * from Postfix >= 3.10) is counted toward the UTC day it was received,
 * keyed by (day, policy domain, TLS-RPT record, policy). Counts are kept in
 * memory and flushed in batches to the "tlsrpt" LMDB database through
 * cache.c's writer, so they survive restarts. The report assembly
 * (tlsrpt_reports.c) reads whole days back (tlsrpt_store_walk) and makes
 * them struct tlsrpt_report (tlsrpt.h).
 */
#ifndef MTASTS_TLSRPT_STORE_H
#define MTASTS_TLSRPT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "tlsrpt.h"

#define TLSRPT_DETAILS_MAX	1000	/* distinct failure details per policy */
#define TLSRPT_FLUSH_SECS	2	/* batch interval of LMDB writes */
#define TLSRPT_RUA_MAX		5	/* destinations of one report, at most */

/*
 * One session result, as the sources hand it in. Strings are borrowed for
 * the duration of the call; NULL and "" both mean absent.
 */
/* Datagram-only aggregates one policy domain may have a day. */
#define TLSRPT_DOMAIN_AGGS_MAX	16

struct tlsrpt_event {
	int64_t	when;			/* Unix time received; 0 = now */
	enum tlsrpt_policy_type type;
	const char *policy_domain;	/* required; lower-cased by the store */
	/*
	 * The domain whose report counts the session (the recipient
	 * domain, libtlsrpt's "d"); NULL or "": the policy domain. They
	 * differ for DANE, whose policy domain is the TLSA base domain (the
	 * MX host), as Postfix reports it.
	 */
	const char *report_domain;
	const char *record;		/* _smtp._tls record text; NULL/"" = look it up when building */
	size_t	nstrings;
	const char *const *strings;	/* policy-string lines */
	size_t	nmx;
	const char *const *mx_host;	/* STS mx patterns */
	int	failed;			/* 0 success, 1 failure, 2 see below */
	/*
	 * Failure detail, used when failed != 0. With failed 1 the session
	 * counts in total-failure-session-count and, when result_type is
	 * set, under its detail (no result_type: the total only). failed 2
	 * is a further detail of a session already counted with failed 1
	 * (a libtlsrpt datagram may carry several): only the detail counts,
	 * and result_type is required.
	 */
	const char *result_type;	/* one of the 11 RFC 8460 names (R6) */
	const char *sending_mta_ip;
	const char *receiving_mx_hostname;
	const char *receiving_mx_helo;
	const char *receiving_ip;
	const char *additional_information;
	const char *failure_reason_code;
	int	own;			/* policyd's own session (never limited) */
};

/*
 * The TLS-RPT clock: time(NULL) plus an offset that only tests set
 * (MTASTS_TEST_CLOCK_OFFSET, read by main.c), so day rollover can be
 * driven without waiting. Results count toward the day of this clock,
 * and the scheduler and the report verbs use it too.
 */
void	tlsrpt_store_set_clock_offset(int64_t seconds);
int64_t	tlsrpt_store_now(void);

/*
 * Report loops (R10, INTEGRATION-NOTES): a report mail we submit to an
 * address in domain must not show up in that domain's next report.
 * libtlsrpt's datagrams name no message, so tlsrpt_store_expect_report()
 * notes one expected session for domain (for TLSRPT_EXPECT_SECS), and
 * tlsrpt_store_take_report() - the collector asks for each datagram -
 * returns 1 and uses up one when the datagram is to be left out.
 */
#define TLSRPT_EXPECT_SECS	3600
#define TLSRPT_EXPECT_MAX	1024	/* pending expectations */
void	tlsrpt_store_expect_report(const char *domain);
int	tlsrpt_store_take_report(const char *domain);

/* tlsrpt_store_init - load nothing yet; start accepting events. 0 or -1. */
int	tlsrpt_store_init(void);

/*
 * tlsrpt_store_add - count one session result (thread-safe, never blocks
 * on LMDB: the count goes to the in-memory batch). 0, or -1 when the event
 * lacks a policy domain or a failed 2 event a result type.
 */
int	tlsrpt_store_add(const struct tlsrpt_event *ev);

struct sts_policy;

/*
 * tlsrpt_store_add_sts - policyd's own STS events (fetch failures in
 * discover.c, MX probes in route.c): one session for domain under the
 * policy pol (NULL: no policy strings and no mx patterns), with the
 * TLS-RPT record looked up when reports are built. failed 0 is a success;
 * otherwise result_type is required and mx, receiving_ip, helo and reason
 * may be NULL. Never blocks. 0 or -1.
 */
int	tlsrpt_store_add_sts(const char *domain, const struct sts_policy *pol,
	    int failed, const char *result_type, const char *mx,
	    const char *receiving_ip, const char *helo, const char *reason);

struct dns_tlsa;
struct dns_tlsa_rr;

/*
 * tlsrpt_store_add_tlsa - policyd's own DANE events (MX probes decided by
 * DANE in route.c): one session for domain under policy type tlsa, the
 * policy strings being tlsa's RRs in presentation form (RFC 8460 section
 * 4.3; none for a bogus answer, which has no RRs to trust). Arguments as
 * for tlsrpt_store_add_sts(). Never blocks. 0 or -1.
 */
int	tlsrpt_store_add_tlsa(const char *domain, const struct dns_tlsa *tlsa,
	    int failed, const char *result_type, const char *mx,
	    const char *receiving_ip, const char *helo, const char *reason);

/*
 * tlsrpt_tlsa_string - rr as "USAGE SELECTOR MTYPE HEX" (upper-case hex,
 * as RFC 8460's examples and DNS tools write it), malloc'd; NULL when out
 * of memory.
 */
char   *tlsrpt_tlsa_string(const struct dns_tlsa_rr *rr);

/* tlsrpt_store_flush - write the batch to LMDB now. 0 or -1 (logged). */
int	tlsrpt_store_flush(void);

/*
 * tlsrpt_store_start - start the thread that flushes the batch every
 * TLSRPT_FLUSH_SECS. 0 or -1.
 */
int	tlsrpt_store_start(void);

/* tlsrpt_store_stop - stop that thread and flush one last time. */
void	tlsrpt_store_stop(void);

/*
 * tlsrpt_store_day - the first second (Unix time, UTC) of the day holding t.
 */
int64_t	tlsrpt_store_day(int64_t t);

/*
 * tlsrpt_store_walk - append the stored aggregates (tlsrpt_agg.h) of the
 * day starting at day_start, for domain or, with domain NULL, all, to the
 * JSON array aggs, in key order: one domain's are adjacent (flushes the
 * batch first). 0 or -1.
 */
struct json_t;
int	tlsrpt_store_walk(int64_t day_start, const char *domain,
	    struct json_t *aggs);

/*
 * tlsrpt_store_days - the distinct day starts with data (flushes first),
 * ascending, in a malloc'd array (*out, *n). 0 or -1.
 */
int	tlsrpt_store_days(int64_t **out, size_t *n);

/*
 * tlsrpt_store_forget - drop the day's data for domain (all domains when
 * NULL), after its reports went out. The number of entries removed, or -1.
 */
long	tlsrpt_store_forget(int64_t day_start, const char *domain);

/* Counters for status and tests. */
struct tlsrpt_store_stats {
	uint64_t events;		/* accepted by tlsrpt_store_add */
	uint64_t capped;		/* details counted under the last bucket */
	uint64_t flushes;		/* LMDB batches written */
	uint64_t suppressed;		/* sessions of our own report mail */
	uint64_t limited;		/* datagram events over the day's limits */
};
void	tlsrpt_store_get_stats(struct tlsrpt_store_stats *st);

#endif
