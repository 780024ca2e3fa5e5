/*
 * control_report.h - the control socket's "report" verbs
 * (control_report.c), dispatched from control.c's verb table.
 */
#ifndef MTASTS_CONTROL_REPORT_H
#define MTASTS_CONTROL_REPORT_H

#include <jansson.h>

#define CONTROL_REPORT_USAGE	"report list | report show|preview " \
	"DOMAIN [YYYY-MM-DD] | report send [YYYY-MM-DD] [DOMAIN]"

/* control_report - run one "report ..." request (argv[0] is "report"). */
json_t *control_report(int argc, char **argv);

#endif
