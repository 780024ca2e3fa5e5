/*
 * tlsrpt_run.h - the TLS-RPT report scheduler as the daemon runs it: the
 * store (tlsrpt_store.c), the delivery state in the "tlsrpt_send" table
 * (cache.c) and the senders (tlsrpt_send.c) wired into tlsrpt_sched.c,
 * the report send verb, the delivery list and retention.
 */
#ifndef MTASTS_TLSRPT_RUN_H
#define MTASTS_TLSRPT_RUN_H

#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "tlsrpt_sched.h"

#define TLSRPT_KEEP_DAYS	7	/* stored results never reported */
#define TLSRPT_STATE_KEEP_DAYS	14	/* delivery states, for report list */

/* tlsrpt_run_start - start the scheduler thread. 0 or -1. */
int	tlsrpt_run_start(void);

/* tlsrpt_run_stop - stop it (waits for a delivery in progress). */
void	tlsrpt_run_stop(void);

/*
 * tlsrpt_run_send - report send: build and deliver the reports of day
 * (one domain, or all with NULL) now, without the spread delay or the
 * back-off; a destination already sent or dropped is not tried again.
 * 0, or -1 when the store could not be read.
 */
int	tlsrpt_run_send(const struct config *cfg, int64_t day,
	    const char *domain, struct tlsrpt_sched_result *res);

/*
 * tlsrpt_run_deliveries - the delivery states for report list: a JSON
 * array of {day, day_start, domain, report_id, rua, status, attempts,
 * first, last, next, error}, by day, domain and rua. submitter (the
 * domain of tlsrpt_contact, may be NULL) completes report_id. New
 * reference.
 */
json_t *tlsrpt_run_deliveries(const char *submitter);

/*
 * tlsrpt_run_housekeep - forget stored results older than
 * TLSRPT_KEEP_DAYS (a domain without a usable TLS-RPT record is never
 * reported) and delivery states older than TLSRPT_STATE_KEEP_DAYS. At
 * most once an hour unless force.
 */
void	tlsrpt_run_housekeep(int64_t now, int force);

#endif
