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
 *	(ctl_check.c) audits a domain's publication. report (ctl_report.c)
 *	lists, shows and sends the daemon's TLS-RPT reports, or (ctl_view.c)
 *	summarises one received in a file.
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