/*
 * NAME
 *	ctl - mtasts-ctl, the administrator's tool for mtasts-policyd
 * SYNOPSIS
 *	mtasts-ctl [-c FILE] [-s SOCKET] [--json] VERB [ARG ...]
 *	mtasts-ctl -h | -V
 * DESCRIPTION
 *	Daemon verbs (status, lookup, show, list, refresh, flush, holds,
 *	release: ctl_cache.c) check their arguments, then speak the control protocol
 *	(mtasts-policyd(8), CONTROL PROTOCOL) over one connection:
 *	"version" first, to make sure the daemon speaks protocol 1, then the
 *	request(s) (ctl_call.c). Offline verbs: parse (ctl_parse.c)
 *	validates a policy file with the daemon's own parser, check
 *	(ctl_check.c) audits a domain's publication.
 *
 *	Output is for people (aligned columns with a header, times as ISO
 *	8601 UTC with a relative age, colour on a terminal) or, with --json,
 *	one JSON document whose field names are the contract of DESIGN §5
 *	and mtasts-ctl(8). Arguments that go into a request line are checked
 *	here (a domain must be a host name, a queue id alphanumeric), so
 *	nothing a user types can add words or lines to a request.
 * DIAGNOSTICS
 *	Exit 0 when the verb did what was asked; 1 for a negative answer
 *	(unknown domain or queue id, invalid policy, failed check, failed
 *	refresh, any error reply of the daemon); 2 for usage errors,
 *	unreadable files and configs, and a daemon that cannot be reached
 *	("cannot connect to control socket PATH: REASON") or does not
 *	answer. Messages go to stderr as "mtasts-ctl: ..."; with --json an
 *	error also gives {"error": "..."} on stdout, so that every call
 *	prints one document.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "ctl_check.h"
#include "ctl_report.h"
#include "log.h"
#include "mx_match.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION	"0"
#endif

struct ctl_verb {
	const char *name;
	int	(*run)(struct ctl *, int, char **);
	int	daemon;			/* talks to policyd */
	const char *usage;
};

#define CTL_REPORT_USAGE	"report list | report show DOMAIN [--day " \
	"YYYY-MM-DD] | report send [--day YYYY-MM-DD] [DOMAIN] | report " \
	"view FILE"
#define CTL_SEND_TIMEOUT_MS	600000	/* report send: deliveries of <= 60 s */

/*
 * ctl_report_args - the arguments after "report show|send": --day DAY
 * (or --day=DAY) and at most one DOMAIN, in any order. 0, or a usage
 * error's exit code.
 */
static int
ctl_report_args(int argc, char **argv, const char *usage, const char **day,
    char *d, size_t dsz)
{
	const char *val;
	int	a;

	*day = NULL;
	d[0] = '\0';
	for (a = 2; a < argc; a++) {
		val = NULL;
		if (strcmp(argv[a], "--day") == 0) {
			if (a + 1 >= argc)
				return ctl_usage_error("--day needs a date "
				    "(YYYY-MM-DD)");
			val = argv[++a];
		} else if (strncmp(argv[a], "--day=", 6) == 0)
			val = argv[a] + 6;
		else if (argv[a][0] == '-' || d[0] != '\0')
			return ctl_usage_error("usage: %s", usage);
		else if (ctl_report_day_ok(argv[a]))
			/* the daemon would take it for the day */
			return ctl_usage_error("a day goes after --day: %s",
			    argv[a]);
		else if (ctl_domain_arg(argv[a], d, dsz) == -1)
			return CTL_EXIT_USAGE;
		if (val == NULL)
			continue;
		if (*day != NULL)
			return ctl_usage_error("usage: %s", usage);
		if (!ctl_report_day_ok(val))
			return ctl_usage_error("--day takes a date as "
			    "YYYY-MM-DD, not %s", val);
		*day = val;
	}
	return CTL_EXIT_OK;
}

/*
 * ctl_report_call - the daemon's "report VERB [DOMAIN] [DAY]" for the
 * arguments of report show (verb "preview", DOMAIN required) and report
 * send (the daemon takes DAY and DOMAIN in either order); the domain goes
 * into d. CTL_EXIT_OK with the reply in *r, or the exit status.
 */
static int
ctl_report_call(struct ctl *c, int argc, char **argv, const char *usage,
    const char *verb, int timeout_ms, char *d, size_t dsz, json_t **r)
{
	char	line[CTL_CLIENT_LINE_MAX];
	const char *day;
	int	rc;

	if ((rc = ctl_report_args(argc, argv, usage, &day, d, dsz)) !=
	    CTL_EXIT_OK)
		return rc;
	if (strcmp(verb, "preview") == 0 && d[0] == '\0')
		return ctl_usage_error("usage: %s", usage);
	if (ctl_load_config(c) == -1)
		return CTL_EXIT_USAGE;
	snprintf(line, sizeof(line), "report %s%s%s%s%s", verb,
	    d[0] != '\0' ? " " : "", d, day != NULL ? " " : "",
	    day != NULL ? day : "");
	return ctl_call(c, line, timeout_ms, r);
}

/* ctl_report_list - "report list": stored results and deliveries. */
static int
ctl_report_list(struct ctl *c, int argc)
{
	json_t *r;
	int	rc;

	if (argc != 2)
		return ctl_usage_error("usage: report list");
	if (ctl_load_config(c) == -1)
		return CTL_EXIT_USAGE;
	if ((rc = ctl_call(c, "report list", CTL_TIMEOUT_MS * 6, &r)) !=
	    CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else
		ctl_report_list_print(r, &c->out);
	json_decref(r);
	return rc;
}

/*
 * ctl_report_none - why "report preview" built nothing: are results
 * stored (then the domain has no usable TLS-RPT record) or not?
 */
static void
ctl_report_none(struct ctl *c, const char *d, const json_t *r)
{
	char	line[CTL_CLIENT_LINE_MAX], err[256];
	const char *day = json_string_value(json_object_get(r, "day"));
	json_t *raw;
	int	stored;

	if (day == NULL || !ctl_report_day_ok(day)) {
		ctl_err("no report for %s", d);
		return;
	}
	snprintf(line, sizeof(line), "report show %s %s", d, day);
	raw = ctl_client_request(c->cc, line, CTL_TIMEOUT_MS * 6, err,
	    sizeof(err));
	stored = raw != NULL && json_is_true(json_object_get(raw, "ok")) &&
	    json_array_size(json_object_get(raw, "reports")) > 0;
	json_decref(raw);
	if (stored)
		ctl_err("no report for %s on %s: results are stored, but "
		    "_smtp._tls.%s has no usable TLS-RPT record (or it could "
		    "not be looked up)", d, day, d);
	else
		ctl_err("no report for %s on %s: no results stored", d, day);
}

/* ctl_report_show - "report show DOMAIN [--day D]": reports as they will go. */
static int
ctl_report_show(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "report show DOMAIN [--day YYYY-MM-DD]";
	char	d[DNS_NAME_MAX + 1];
	json_t *r;
	int	rc;

	if ((rc = ctl_report_call(c, argc, argv, usage, "preview",
	    CTL_TIMEOUT_MS * 6, d, sizeof(d), &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else if (json_array_size(json_object_get(r, "reports")) > 0)
		ctl_report_preview_print(r, &c->out);
	if (rc == CTL_EXIT_OK &&
	    json_array_size(json_object_get(r, "reports")) == 0) {
		ctl_report_none(c, d, r);
		rc = CTL_EXIT_NEGATIVE;
	}
	json_decref(r);
	return rc;
}

/* ctl_report_send - "report send [--day D] [DOMAIN]": deliver now. */
static int
ctl_report_send(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "report send [--day YYYY-MM-DD] [DOMAIN]";
	char	d[DNS_NAME_MAX + 1];
	json_t *r;
	int	rc;

	if ((rc = ctl_report_call(c, argc, argv, usage, "send",
	    CTL_SEND_TIMEOUT_MS, d, sizeof(d), &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else
		ctl_report_send_print(r, &c->out);
	if (rc == CTL_EXIT_OK)
		rc = ctl_report_send_status(r);
	json_decref(r);
	return rc;
}

/*
 * verb_report - TLS-RPT: list, show and send talk to the daemon; view
 * summarises a received report offline (ctl_report.c).
 */
static int
verb_report(struct ctl *c, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";

	if (strcmp(sub, "view") == 0) {
		if (argc != 3)
			return ctl_usage_error("usage: report view FILE");
		return ctl_report_view(argv[2], &c->out);
	}
	if (strcmp(sub, "list") == 0)
		return ctl_report_list(c, argc);
	if (strcmp(sub, "show") == 0)
		return ctl_report_show(c, argc, argv);
	if (strcmp(sub, "send") == 0)
		return ctl_report_send(c, argc, argv);
	return ctl_usage_error("usage: %s", CTL_REPORT_USAGE);
}

/* verb_check - audit a domain's publication (ctl_check.c). */
static int
verb_check(struct ctl *c, int argc, char **argv)
{
	char	d[DNS_NAME_MAX + 1];
	int	rc;

	if ((rc = ctl_need(argc, 2, "check DOMAIN")) != CTL_EXIT_OK)
		return rc;
	if (ctl_domain_arg(argv[1], d, sizeof(d)) == -1)
		return CTL_EXIT_USAGE;
	if (ctl_load_config(c) == -1)
		return CTL_EXIT_USAGE;
	return ctl_check(c->cfg, d, &c->out);
}

static const struct ctl_verb ctl_verbs[] = {
	{ "status", verb_status, 1, "status" },
	{ "lookup", verb_lookup, 1, "lookup DOMAIN" },
	{ "show", verb_show, 1, "show DOMAIN" },
	{ "list", verb_list, 1, "list [--mode MODE] [--expired]" },
	{ "refresh", verb_refresh, 1, "refresh DOMAIN|--all" },
	{ "flush", verb_flush, 1, "flush DOMAIN|--all" },
	{ "holds", verb_holds, 1, "holds" },
	{ "release", verb_release, 1, "release QUEUE_ID|--all" },
	{ "parse", verb_parse, 0, "parse FILE|-" },
	{ "check", verb_check, 0, "check DOMAIN" },
	{ "report", verb_report, 0, "report list\n"
	    "  report show DOMAIN [--day YYYY-MM-DD]\n"
	    "  report send [--day YYYY-MM-DD] [DOMAIN]\n"
	    "  report view FILE" },
};

/* ctl_help - -h: the synopsis and every verb. */
static void
ctl_help(void)
{
	size_t	i;

	ctl_usage_line(stdout);
	printf("\noptions:\n"
	    "  -c FILE    configuration file (default %s)\n"
	    "  -s SOCKET  control socket (default: control_socket)\n"
	    "  --json     print one JSON document\n"
	    "  -h         this help\n"
	    "  -V         version\n\nverbs:\n", CONFIG_DEFAULT_PATH);
	for (i = 0; i < sizeof(ctl_verbs) / sizeof(ctl_verbs[0]); i++)
		printf("  %s\n", ctl_verbs[i].usage);
	printf("\nexit: 0 done, 1 negative answer, 2 usage error or "
	    "daemon unreachable\n");
}

/* main - global options, then one verb; the exit code of DESIGN §5. */
int
main(int argc, char **argv)
{
	const struct ctl_verb *verb = NULL;
	struct ctl c;
	char  **vargv = NULL;
	int	i, json = 0, vargc = 0, rc;
	size_t	k;

	memset(&c, 0, sizeof(c));
	log_set_level(LOG_LEVEL_WARNING);
	/* Global options come before the verb. */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "-s") == 0) {
			if (i + 1 >= argc)
				return ctl_usage_error("%s needs an argument",
				    argv[i]);
			if (argv[i][1] == 'c')
				c.conf_path = argv[++i];
			else
				c.socket = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0 ||
		    strcmp(argv[i], "-j") == 0)
			json = 1;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			ctl_help();
			return CTL_EXIT_OK;
		} else if (strcmp(argv[i], "-V") == 0 ||
		    strcmp(argv[i], "--version") == 0) {
			printf("mtasts-ctl %s (control protocol %d)\n",
			    PACKAGE_VERSION, CTL_PROTOCOL);
			return CTL_EXIT_OK;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return ctl_usage_error("unknown option %s", argv[i]);
		else
			break;
	}
	if (i >= argc)
		return ctl_usage_error("no verb given");
	for (k = 0; k < sizeof(ctl_verbs) / sizeof(ctl_verbs[0]); k++)
		if (strcmp(argv[i], ctl_verbs[k].name) == 0)
			verb = &ctl_verbs[k];
	if (verb == NULL)
		return ctl_usage_error("unknown verb %s", argv[i]);

	/* --json is also taken after the verb: a common slip. */
	if ((vargv = calloc((size_t)(argc - i) + 1, sizeof(*vargv))) == NULL) {
		ctl_err("out of memory");
		return CTL_EXIT_USAGE;
	}
	for (; i < argc; i++) {
		if (vargc > 0 && strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			vargv[vargc++] = argv[i];
	}
	ctl_out_init(&c.out, json);

	if (verb->daemon && ctl_load_config(&c) == -1) {
		rc = CTL_EXIT_USAGE;
		goto out;
	}
	rc = verb->run(&c, vargc, vargv);
out:
	ctl_client_free(c.cc);
	config_free(c.cfg);
	free(vargv);
	if (fflush(stdout) == EOF && rc == CTL_EXIT_OK)
		rc = CTL_EXIT_USAGE;
	return rc;
}