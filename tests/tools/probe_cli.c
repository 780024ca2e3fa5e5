/*
 * NAME
 *	probe-cli - run probe_mx() once and print the report as JSON
 * SYNOPSIS
 *	probe-cli -c CONFIG [-j N] HOST
 * DESCRIPTION
 *	A test driver for common/net/probe.c: loads CONFIG with config_load(),
 *	starts the resolver (resolver_init()), probes HOST and prints the
 *	probe_report as one JSON object on one line:
 *
 *	{"host": ..., "result": "success" | RFC 8460 type | "unreachable",
 *	 "addr": ..., "tls_version": ..., "cipher": ..., "cert_subject": ...,
 *	 "cert_issuer": ..., "cert_not_after": UNIX-TIME, "helo": ...,
 *	 "why": ..., "elapsed_ms": N}
 *
 *	-j N runs N probes of HOST at once, each in its own thread (probe_mx
 *	must be thread-safe), and prints N such lines.
 * EXIT STATUS
 *	0 when a report was printed (whatever its result), 2 for a usage,
 *	configuration or resolver error.
 */
#include "autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "log.h"
#include "probe.h"
#include "resolver.h"

#define PC_THREADS_MAX	64

/* One probe run. */
struct pc_run {
	const struct config *cfg;
	const char *host;
	struct probe_report rep;
	long	elapsed_ms;
	pthread_t tid;
};

/* pc_usage - the synopsis on stderr, exit 2. */
static void
pc_usage(void)
{
	fprintf(stderr, "usage: probe-cli -c CONFIG [-j N] HOST\n");
	exit(2);
}

/* pc_now_ms - the monotonic clock in milliseconds. */
static long
pc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* pc_probe - one probe (a thread body). */
static void *
pc_probe(void *arg)
{
	struct pc_run *r = arg;
	long	t0;

	t0 = pc_now_ms();
	probe_mx(r->cfg, r->host, &r->rep);
	r->elapsed_ms = pc_now_ms() - t0;
	return NULL;
}

/* pc_print - the report as one JSON line on stdout; 0 or -1. */
static int
pc_print(const struct pc_run *r)
{
	const struct probe_report *rep = &r->rep;
	json_t *o;
	char   *s;
	int	ret = -1;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, "
	    "s:I}",
	    "host", rep->host,
	    "result", probe_result_name(rep->result),
	    "addr", rep->addr,
	    "tls_version", rep->tls_version,
	    "cipher", rep->cipher,
	    "cert_subject", rep->cert_subject,
	    "cert_issuer", rep->cert_issuer,
	    "cert_not_after", (json_int_t)rep->cert_not_after,
	    "helo", rep->helo,
	    "why", rep->why,
	    "elapsed_ms", (json_int_t)r->elapsed_ms);
	if (o == NULL)
		return -1;
	if ((s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII)) != NULL) {
		if (printf("%s\n", s) > 0)
			ret = 0;
		free(s);
	}
	json_decref(o);
	return ret;
}

int
main(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct pc_run *runs = NULL;
	const char *path = NULL;
	char	err[512], *end;
	long	n = 1, i;
	int	ch, used_defaults = 0, ret = 2;

	while ((ch = getopt(argc, argv, "c:j:")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'j':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || n < 1 ||
			    n > PC_THREADS_MAX)
				pc_usage();
			break;
		default:
			pc_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (path == NULL || argc != 1)
		pc_usage();

	if ((cfg = config_load(path, &used_defaults, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "probe-cli: %s\n", err);
		goto out;
	}
	log_init("probe-cli", cfg->syslog_facility, 1);
	log_set_level((enum log_level)cfg->log_level);
	if (resolver_init(cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "probe-cli: resolver: %s\n", err);
		goto out;
	}
	if ((runs = calloc((size_t)n, sizeof(*runs))) == NULL) {
		fprintf(stderr, "probe-cli: out of memory\n");
		goto shutdown;
	}
	for (i = 0; i < n; i++) {
		runs[i].cfg = cfg;
		runs[i].host = argv[0];
	}
	if (n == 1)
		pc_probe(&runs[0]);
	else {
		for (i = 0; i < n; i++)
			if ((errno = pthread_create(&runs[i].tid, NULL,
			    pc_probe, &runs[i])) != 0) {
				fprintf(stderr, "probe-cli: pthread_create: "
				    "%s\n", strerror(errno));
				exit(2);
			}
		for (i = 0; i < n; i++)
			pthread_join(runs[i].tid, NULL);
	}
	ret = 0;
	for (i = 0; i < n; i++)
		if (pc_print(&runs[i]) == -1)
			ret = 2;
	if (fflush(stdout) != 0)
		ret = 2;
shutdown:
	resolver_shutdown();
out:
	free(runs);
	config_free(cfg);
	return ret;
}
