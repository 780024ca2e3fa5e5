/*
 * tlsrpt_report.h - build one RFC 8460 report: identifiers, JSON, gzip and
 * file name (DESIGN §6b, RFC-CHECKLIST R4-R9).
 */
#ifndef MTASTS_TLSRPT_REPORT_H
#define MTASTS_TLSRPT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tlsrpt.h"

/* Who we are in a report: tlsrpt_org_name and tlsrpt_contact. */
struct tlsrpt_identity {
	const char *org_name;		/* organization-name */
	const char *contact;		/* contact-info, an addr-spec */
};

/* UNIQUE is 32 lower-case hex digits; the buffers below hold it. */
#define TLSRPT_UNIQUE_LEN	32
#define TLSRPT_UNIQUE_SIZE	(TLSRPT_UNIQUE_LEN + 1)
#define TLSRPT_DAY_SECONDS	86400

/* tlsrpt_report_submitter - the domain of contact-info (after the last '@'), or NULL. */
const char *tlsrpt_report_submitter(const char *contact);

/* tlsrpt_report_unique - UNIQUE of a report: a hash of day, domain and record. */
int	tlsrpt_report_unique(const struct tlsrpt_report *r,
	    char buf[TLSRPT_UNIQUE_SIZE]);

/* tlsrpt_report_id - "UNIQUE@SUBMITTER" into a new string, or NULL. */
char   *tlsrpt_report_id(const struct tlsrpt_report *r, const char *submitter);

/* tlsrpt_report_filename - "S!D!BEGIN!END!UNIQUE.json.gz" into a new string, or NULL. */
char   *tlsrpt_report_filename(const struct tlsrpt_report *r,
	    const char *submitter);

/* tlsrpt_report_json - the report as RFC 8460 JSON (NUL-terminated); 0 or -1. */
int	tlsrpt_report_json(const struct tlsrpt_report *r,
	    const struct tlsrpt_identity *id, char **json, size_t *len);

/* tlsrpt_report_gzip - gzip buf (RFC 1952) into a new buffer; 0 or -1. */
int	tlsrpt_report_gzip(const void *buf, size_t len, unsigned char **out,
	    size_t *outlen);

/* tlsrpt_report_gunzip - inflate gzip data of at most max bytes out; 0 or -1. */
int	tlsrpt_report_gunzip(const void *buf, size_t len, size_t max,
	    char **out, size_t *outlen);

/* tlsrpt_report_type_name - "sts", "tlsa" or "no-policy-found". */
const char *tlsrpt_report_type_name(enum tlsrpt_policy_type type);

#endif
