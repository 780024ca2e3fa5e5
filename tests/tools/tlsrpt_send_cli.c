/*
 * NAME
 *	tlsrpt-send-cli - deliver a sample TLS-RPT report (test driver)
 * SYNOPSIS
 *	tlsrpt-send-cli -c CONFIG [-d DAY] [-n NOW] DOMAIN RUA
 * DESCRIPTION
 *	A test driver for policyd/tlsrpt/tlsrpt_send.c: loads CONFIG with
 *	config_load(), starts the resolver, builds a fixed report for
 *	DOMAIN and the UTC day starting at DAY (Unix time, default
 *	2016-04-01) - one sts policy with two failure details, one of them
 *	with a hostile HELO, and one no-policy-found policy - and delivers
 *	it to RUA with tlsrpt_send_deliver(), so the integration suite can
 *	check the mail and the POST a real receiver gets.
 * DIAGNOSTICS
 *	Exit 0 when delivered, 1 with the reason on stderr when not, 2 on a
 *	usage, configuration or resolver error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "log.h"
#include "resolver.h"
#include "tlsrpt.h"
#include "tlsrpt_send.h"

/* sc_usage - the synopsis on stderr, exit 2. */
static void
sc_usage(void)
{
	fprintf(stderr, "usage: tlsrpt-send-cli -c CONFIG [-d DAY] [-n NOW] "
	    "DOMAIN RUA\n");
	exit(2);
}

/* sc_num - a decimal Unix time or usage */
static int64_t
sc_num(const char *s)
{
	long long v;
	char *end;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		sc_usage();
	return (int64_t)v;
}

int
main(int argc, char **argv)
{
	static char *strings[] = {
		"version: STSv1", "mode: enforce", "mx: mx1.%s", "max_age: 86400"
	};
	char mxline[300], mx1[300], star[300], err[512], *mx[2], *str[4];
	char helo[] = "evil\"},{\"injected\":1}\r\nX-Injected: yes";
	struct tlsrpt_failure fails[2];
	struct tlsrpt_policy pols[2];
	struct tlsrpt_report r;
	struct config *cfg = NULL;
	const char *path = NULL;
	int64_t day = 1459468800, now = 0;
	int ch, used_defaults = 0, ret = 2;

	while ((ch = getopt(argc, argv, "c:d:n:")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			day = sc_num(optarg);
			break;
		case 'n':
			now = sc_num(optarg);
			break;
		default:
			sc_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (path == NULL || argc != 2)
		sc_usage();
	if ((cfg = config_load(path, &used_defaults, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "tlsrpt-send-cli: %s\n", err);
		return 2;
	}
	log_init("tlsrpt-send-cli", cfg->syslog_facility, 1);
	if (resolver_init(cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "tlsrpt-send-cli: resolver: %s\n", err);
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "tlsrpt-send-cli: curl_global_init failed\n");
		goto shutdown;
	}
	(void)snprintf(mxline, sizeof(mxline), "mx: mx1.%s", argv[0]);
	(void)snprintf(mx1, sizeof(mx1), "mx1.%s", argv[0]);
	(void)snprintf(star, sizeof(star), "*.%s", argv[0]);
	memcpy(str, strings, sizeof(str));
	str[2] = mxline;
	mx[0] = mx1;
	mx[1] = star;

	memset(fails, 0, sizeof(fails));
	fails[0].result_type = "starttls-not-supported";
	fails[0].sending_mta_ip = "192.0.2.1";
	fails[0].receiving_mx_hostname = mx1;
	fails[0].receiving_mx_helo = helo;
	fails[0].receiving_ip = "127.0.0.1";
	fails[0].count = 2;
	fails[1].result_type = "certificate-expired";
	fails[1].sending_mta_ip = "192.0.2.1";
	fails[1].receiving_mx_hostname = star + 2;
	fails[1].receiving_ip = "127.0.0.2";
	fails[1].count = 1;

	memset(pols, 0, sizeof(pols));
	pols[0].type = TLSRPT_POLICY_STS;
	pols[0].policy_domain = argv[0];
	pols[0].nstrings = 4;
	pols[0].strings = str;
	pols[0].nmx = 2;
	pols[0].mx_host = mx;
	pols[0].success = 10;
	pols[0].failure = 3;
	pols[0].nfailures = 2;
	pols[0].failures = fails;
	pols[1].type = TLSRPT_POLICY_NONE;
	pols[1].policy_domain = argv[0];
	pols[1].success = 5;

	memset(&r, 0, sizeof(r));
	r.day_start = day;
	r.policy_domain = argv[0];
	r.record = argv[1];
	r.npolicies = 2;
	r.policies = pols;
	if (tlsrpt_send_deliver(cfg, &r, argv[1], now ? (time_t)now :
	    time(NULL), err, sizeof(err)) != 0) {
		fprintf(stderr, "tlsrpt-send-cli: %s\n", err);
		ret = 1;
	} else {
		printf("delivered\n");
		ret = 0;
	}
	curl_global_cleanup();
shutdown:
	resolver_shutdown();
out:
	config_free(cfg);
	return ret;
}
