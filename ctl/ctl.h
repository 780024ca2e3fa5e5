/*
 * ctl.h - what the verbs of mtasts-ctl share: one call's state, errors
 * and usage, argument checks, and the request/reply round trip with
 * mtasts-policyd (ctl_call.c). The verbs: ctl_cache.c (status, lookup,
 * show, list, refresh, flush, holds, release), ctl_parse.c (parse),
 * ctl_report.c (report; report view is ctl_view.c's), main.c (check,
 * and the verb table).
 */
#ifndef MTASTS_CTL_H
#define MTASTS_CTL_H

#include <stdio.h>

#include <jansson.h>

#include "config.h"
#include "ctl_client.h"
#include "ctl_out.h"

#define CTL_PROTOCOL		1	/* the control protocol we speak */
#define CTL_TIMEOUT_MS		10000	/* a plain request */
#define CTL_SLACK_S		5	/* on top of the daemon's own waits */
#define CTL_REPLY_MAX		((size_t)1 << 30)	/* "list" of a big cache */
#define CTL_QUEUE_ID_MAX	64
#define CTL_STATS_MAX		16	/* counters shown by status */

/* One call of mtasts-ctl. */
struct ctl {
	const char *conf_path;		/* -c, or NULL for the default */
	const char *socket;		/* -s, else control_socket */
	struct config *cfg;
	struct ctl_client *cc;
	struct ctl_out out;
};

/* ctl_err - "mtasts-ctl: message" on stderr. */
void	ctl_err(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* ctl_fail - report an error (and {"error": ...} with --json); returns code. */
int	ctl_fail(struct ctl *c, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* ctl_usage_line - the synopsis, to fp. */
void	ctl_usage_line(FILE *fp);

/* ctl_usage_error - a reason and the synopsis on stderr; CTL_EXIT_USAGE. */
int	ctl_usage_error(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* ctl_need - exactly n arguments after the verb, else a usage error. */
int	ctl_need(int argc, int n, const char *usage);

/* ctl_domain_arg - normalise a domain argument; 0, or -1 after a usage error. */
int	ctl_domain_arg(const char *arg, char *out, size_t outsz);

/* ctl_queue_id_ok - [A-Za-z0-9]+, bounded: 1 or 0. */
int	ctl_queue_id_ok(const char *s);

/* ctl_load_config - the config of -c (or the default path); 0 or -1 (reported). */
int	ctl_load_config(struct ctl *c);

/* ctl_wait_ms - the daemon's own wait for discovery, plus slack. */
int	ctl_wait_ms(const struct ctl *c);

/*
 * ctl_call - one request, connecting first if this is the first. Returns
 * CTL_EXIT_OK with the reply in *reply, CTL_EXIT_NEGATIVE after an error
 * reply (reported), CTL_EXIT_USAGE when the daemon cannot be reached or
 * does not answer (reported).
 */
int	ctl_call(struct ctl *c, const char *line, int timeout_ms,
	    json_t **reply);

/* ctl_print_doc - --json output of a reply, and nothing else. */
int	ctl_print_doc(struct ctl *c, const json_t *doc);

/* The verbs: (c, argc, argv) with argv[0] the verb; an exit status. */
int	verb_status(struct ctl *, int, char **);
int	verb_lookup(struct ctl *, int, char **);
int	verb_show(struct ctl *, int, char **);
int	verb_list(struct ctl *, int, char **);
int	verb_refresh(struct ctl *, int, char **);
int	verb_flush(struct ctl *, int, char **);
int	verb_holds(struct ctl *, int, char **);
int	verb_release(struct ctl *, int, char **);
int	verb_parse(struct ctl *, int, char **);
int	verb_report(struct ctl *, int, char **);

#endif
