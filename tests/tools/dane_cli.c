/*
 * NAME
 *	dane-cli - DNSSEC status, TLSA RRs and DANE probes, as JSON
 * SYNOPSIS
 *	dane-cli -c CONFIG mx DOMAIN
 *	dane-cli -c CONFIG addrs HOST
 *	dane-cli -c CONFIG tlsa HOST
 *	dane-cli -c CONFIG probe HOST
 * DESCRIPTION
 *	A test driver for the DANE pieces of common/net: loads CONFIG with
 *	config_load(), starts the resolver (resolver_init(), so dnssec and
 *	dnssec_trust_anchor apply) and prints one JSON object on one line:
 *
 *	mx	resolver_mx(): {"status", "sec", "why", "mx": [{"pref",
 *		"host"}]}
 *	addrs	resolver_addrs(): {"status", "sec", "why", "addrs": [...]}
 *	tlsa	resolver_tlsa(): {"name", "status", "sec", "ttl", "why",
 *		"usable", "dane", "rrs": [{"usage", "selector", "mtype",
 *		"data" (hex), "usable"}]}
 *	probe	resolver_tlsa() then probe_mx_dane() with its answer:
 *		{"tlsa": (as above), "result", "dane", "dane_match", "addr",
 *		"tls_version", "cert_subject", "why"}
 *
 *	status is dns_status_name(), sec dns_sec_name(), result
 *	probe_result_name().
 * EXIT STATUS
 *	0 when an object was printed (whatever it says), 2 for a usage,
 *	configuration or resolver error.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "log.h"
#include "probe.h"
#include "resolver.h"

/* dc_usage - the synopsis on stderr, exit 2. */
static void
dc_usage(void)
{
	fprintf(stderr, "usage: dane-cli -c CONFIG mx|addrs|tlsa|probe "
	    "NAME\n");
	exit(2);
}

/* dc_hex - data as lower-case hex (a new string), or NULL. */
static char *
dc_hex(const unsigned char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char   *s;
	size_t	i;

	if ((s = malloc(len * 2 + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		s[2 * i] = digits[data[i] >> 4];
		s[2 * i + 1] = digits[data[i] & 0xf];
	}
	s[2 * len] = '\0';
	return s;
}

/* dc_tlsa_json - a TLSA answer as a JSON object, or NULL. */
static json_t *
dc_tlsa_json(const struct dns_tlsa *t)
{
	json_t *o, *rrs;
	char   *hex;
	size_t	i;

	if ((rrs = json_array()) == NULL)
		return NULL;
	for (i = 0; i < t->n; i++) {
		if ((hex = dc_hex(t->rr[i].data, t->rr[i].len)) == NULL) {
			json_decref(rrs);
			return NULL;
		}
		json_array_append_new(rrs, json_pack("{s:i, s:i, s:i, s:s, "
		    "s:b}", "usage", (int)t->rr[i].usage, "selector",
		    (int)t->rr[i].selector, "mtype", (int)t->rr[i].mtype,
		    "data", hex, "usable", dns_tlsa_rr_usable(&t->rr[i])));
		free(hex);
	}
	o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:b, s:o}",
	    "name", t->name, "status", dns_status_name(t->status),
	    "sec", dns_sec_name(t->sec), "ttl", (json_int_t)t->ttl,
	    "why", t->why, "usable", (json_int_t)t->n_usable,
	    "dane", dns_tlsa_dane(t), "rrs", rrs);
	return o;
}

/* dc_mx - the mx command. */
static json_t *
dc_mx(const char *domain)
{
	struct dns_mx m;
	json_t *arr, *o;
	size_t	i;

	resolver_mx(domain, &m);
	if ((arr = json_array()) == NULL)
		goto out;
	for (i = 0; i < m.n; i++)
		json_array_append_new(arr, json_pack("{s:i, s:s}", "pref",
		    (int)m.mx[i].pref, "host", m.mx[i].host));
out:
	o = arr == NULL ? NULL : json_pack("{s:s, s:s, s:s, s:b, s:o}",
	    "status", dns_status_name(m.status), "sec", dns_sec_name(m.sec),
	    "why", m.why, "secure", m.secure, "mx", arr);
	dns_mx_free(&m);
	return o;
}

/* dc_addrs - the addrs command. */
static json_t *
dc_addrs(const char *host)
{
	struct dns_addrs a;
	json_t *arr, *o;
	size_t	i;

	resolver_addrs(host, &a);
	if ((arr = json_array()) != NULL)
		for (i = 0; i < a.n; i++)
			json_array_append_new(arr, json_string(a.addr[i]));
	o = arr == NULL ? NULL : json_pack("{s:s, s:s, s:s, s:o}",
	    "status", dns_status_name(a.status), "sec", dns_sec_name(a.sec),
	    "why", a.why, "addrs", arr);
	dns_addrs_free(&a);
	return o;
}

/* dc_tlsa - the tlsa command. */
static json_t *
dc_tlsa(const char *host)
{
	struct dns_tlsa t;
	json_t *o;

	resolver_tlsa(host, &t);
	o = dc_tlsa_json(&t);
	dns_tlsa_free(&t);
	return o;
}

/* dc_probe - the probe command. */
static json_t *
dc_probe(const struct config *cfg, const char *host)
{
	struct probe_report rep;
	struct dns_tlsa t;
	json_t *o = NULL, *tj;

	resolver_tlsa(host, &t);
	probe_mx_dane(cfg, host, &t, &rep);
	if ((tj = dc_tlsa_json(&t)) != NULL)
		o = json_pack("{s:o, s:s, s:b, s:s, s:s, s:s, s:s, s:s}",
		    "tlsa", tj, "result", probe_result_name(rep.result),
		    "dane", rep.dane, "dane_match", rep.dane_match,
		    "addr", rep.addr, "tls_version", rep.tls_version,
		    "cert_subject", rep.cert_subject, "why", rep.why);
	dns_tlsa_free(&t);
	return o;
}

int
main(int argc, char **argv)
{
	struct config *cfg = NULL;
	const char *path = NULL;
	json_t *o = NULL;
	char	err[512], *s;
	int	ch, used_defaults = 0, ret = 2;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		default:
			dc_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (path == NULL || argc != 2)
		dc_usage();
	if (strcmp(argv[0], "mx") != 0 && strcmp(argv[0], "addrs") != 0 &&
	    strcmp(argv[0], "tlsa") != 0 && strcmp(argv[0], "probe") != 0)
		dc_usage();

	if ((cfg = config_load(path, &used_defaults, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "dane-cli: %s\n", err);
		goto out;
	}
	log_init("dane-cli", cfg->syslog_facility, 1);
	log_set_level((enum log_level)cfg->log_level);
	if (resolver_init(cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "dane-cli: resolver: %s\n", err);
		goto out;
	}
	if (strcmp(argv[0], "mx") == 0)
		o = dc_mx(argv[1]);
	else if (strcmp(argv[0], "addrs") == 0)
		o = dc_addrs(argv[1]);
	else if (strcmp(argv[0], "tlsa") == 0)
		o = dc_tlsa(argv[1]);
	else
		o = dc_probe(cfg, argv[1]);
	if (o == NULL) {
		fprintf(stderr, "dane-cli: out of memory\n");
		goto shutdown;
	}
	if ((s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII)) != NULL) {
		if (printf("%s\n", s) > 0 && fflush(stdout) == 0)
			ret = 0;
		free(s);
	}
shutdown:
	resolver_shutdown();
out:
	json_decref(o);
	config_free(cfg);
	return ret;
}
