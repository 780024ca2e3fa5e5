/*
 * ctl_report.h - the "mtasts-ctl report" verbs: view FILE summarises an
 * RFC 8460 report someone sent us (.json, .json.gz or a whole .eml);
 * list, show and send print what the daemon's TLS-RPT verbs answer
 * (ctl.c checks the arguments and makes the requests).
 */
#ifndef MTASTS_CTL_REPORT_H
#define MTASTS_CTL_REPORT_H

#include "ctl_out.h"

#define CTL_REPORT_FILE_MAX	(32 * 1024 * 1024)	/* a report file or mail */
#define CTL_REPORT_JSON_MAX	(64 * 1024 * 1024)	/* after gunzip */

/*
 * ctl_report_view - read path, find the report (MIME, base64, gzip as
 * needed), print per policy its successes and failures by result type
 * and by MX. Returns a CTL_EXIT_* code; errors go to stderr (and as
 * {"error": ...} with --json).
 */
int	ctl_report_view(const char *path, const struct ctl_out *o);

/*
 * ctl_report_day_ok - is s a calendar date "YYYY-MM-DD" (1970 or later)?
 * What --day takes; checked before the daemon sees it.
 */
int	ctl_report_day_ok(const char *s);

/*
 * ctl_report_list_print - the reply of "report list" for people: stored
 * results not yet reported (day, domain, totals), the deliveries (day,
 * domain, rua, status, attempts, last and next try, error), the counters.
 */
void	ctl_report_list_print(const json_t *reply, const struct ctl_out *o);

/*
 * ctl_report_preview_print - the reply of "report preview" for people:
 * per report its id, file name, record and rua, then the RFC 8460 JSON
 * as it will be sent, indented, keys in their order.
 */
void	ctl_report_preview_print(const json_t *reply, const struct ctl_out *o);

/* ctl_report_send_print - the reply of "report send" as one line. */
void	ctl_report_send_print(const json_t *reply, const struct ctl_out *o);

/*
 * ctl_report_send_status - CTL_EXIT_OK when nothing of a "report send"
 * reply failed or was dropped and it names no error, else
 * CTL_EXIT_NEGATIVE.
 */
int	ctl_report_send_status(const json_t *reply);

#endif
