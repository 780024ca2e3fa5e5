/*
 * tlsrpt_reports.h - the report assembly: a day's stored aggregates
 * (tlsrpt_store_walk) as struct tlsrpt_report (tlsrpt.h), one per
 * (policy domain, TLS-RPT record), for the scheduler (tlsrpt_run.c) and
 * the control socket's report verbs.
 */
#ifndef MTASTS_TLSRPT_REPORTS_H
#define MTASTS_TLSRPT_REPORTS_H

#include <stddef.h>
#include <stdint.h>

#include "tlsrpt.h"

/*
 * tlsrpt_reports - the report models of the day starting at
 * day_start (flushes the batch first), for one policy domain or, with
 * domain NULL, for all: one report per (policy domain, TLS-RPT record),
 * with all its policies. rua is filled from the record with
 * tlsrpt_record_select; an event stored without a record text is given the
 * domain's current "_smtp._tls" record (looked up here, through the
 * resolver, so do not call it on the request path). Reports without a
 * usable rua are skipped. *out is a malloc'd array of *n reports; free each
 * with tlsrpt_report_free (the array's elements are structs, so free their
 * contents and then the array: see tlsrpt_reports_free). 0 or -1.
 */
int	tlsrpt_reports(int64_t day_start, const char *domain,
	    struct tlsrpt_report **out, size_t *n);

/*
 * tlsrpt_reports_raw - as tlsrpt_reports but no DNS and
 * nothing skipped: the rua array is filled only when the stored record
 * text parses; for `report show` and tests.
 */
int	tlsrpt_reports_raw(int64_t day_start, const char *domain,
	    struct tlsrpt_report **out, size_t *n);

/*
 * tlsrpt_reports_free - free the contents of n reports and the
 * array itself (does not need tlsrpt_report_free).
 */
void	tlsrpt_reports_free(struct tlsrpt_report *r, size_t n);

#endif
