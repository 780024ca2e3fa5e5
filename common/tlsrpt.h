/*
 * tlsrpt.h - the in-memory model of one RFC 8460 report: what the store
 * (tlsrpt_store.c) aggregates for one UTC day, policy domain and TLS-RPT
 * record, and what the report builder and senders (tlsrpt_report.c,
 * tlsrpt_send.c) turn into JSON, gzip, mail and HTTPS. Shared contract of
 * both halves of the TLS-RPT issue.
 */
#ifndef MTASTS_TLSRPT_H
#define MTASTS_TLSRPT_H

#include <stddef.h>
#include <stdint.h>

enum tlsrpt_policy_type {
	TLSRPT_POLICY_STS,		/* "sts" */
	TLSRPT_POLICY_TLSA,		/* "tlsa" */
	TLSRPT_POLICY_NONE		/* "no-policy-found" */
};

/* One distinct failure detail and how many sessions had it (R4). */
struct tlsrpt_failure {
	char   *result_type;		/* one of the 11 RFC 8460 names (R6) */
	char   *sending_mta_ip;		/* may be NULL */
	char   *receiving_mx_hostname;	/* may be NULL */
	char   *receiving_mx_helo;	/* optional, NULL when absent */
	char   *receiving_ip;		/* may be NULL */
	char   *additional_information;	/* optional URI, NULL when absent */
	char   *failure_reason_code;	/* optional, NULL when absent */
	uint64_t count;			/* failed-session-count */
};

/* One policy of a report: the "policies" array element (R4, R5). */
struct tlsrpt_policy {
	enum tlsrpt_policy_type type;
	char   *policy_domain;		/* A-label, lower-case */
	size_t	nstrings;
	char  **strings;		/* policy-string lines */
	size_t	nmx;
	char  **mx_host;		/* STS mx patterns (always an array in JSON) */
	uint64_t success;		/* total-successful-session-count */
	uint64_t failure;		/* total-failure-session-count */
	size_t	nfailures;
	struct tlsrpt_failure *failures;
};

/* One report: a UTC day, a policy domain, a TLS-RPT record. */
struct tlsrpt_report {
	int64_t	day_start;		/* the day's first second (Unix time) */
	char   *policy_domain;		/* the domain the report is about */
	char   *record;			/* the _smtp._tls record it goes to */
	size_t	nrua;
	char  **rua;			/* mailto: and https: URIs (R3) */
	size_t	npolicies;
	struct tlsrpt_policy *policies;
};

/* tlsrpt_policy_free - release everything a policy holds (NULL-safe). */
void	tlsrpt_policy_free(struct tlsrpt_policy *p);

/* tlsrpt_report_free - release everything a report holds (NULL-safe). */
void	tlsrpt_report_free(struct tlsrpt_report *r);

#endif
