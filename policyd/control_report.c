/*
 * control_report.c - the control socket's TLS-RPT verbs.
 *
 * SYNOPSIS
 *	#include "control_report.h"
 *
 *	json_t *control_report(argc, argv)
 *
 * DESCRIPTION
 *	"report list" (the days and domains with stored results, and the
 *	collector's, store's and deliveries' counters), "report show DOMAIN
 *	[YYYY-MM-DD]" (the stored results as they are), "report preview
 *	DOMAIN [YYYY-MM-DD]" (as the report will be built: records looked
 *	up, the report's id, file name and JSON) and "report send
 *	[YYYY-MM-DD] [DOMAIN]" (deliver now, on the connection's thread: it
 *	may take minutes). The day defaults to yesterday on the TLS-RPT
 *	clock. control.c's verb table hands every "report" request here.
 *
 * DIAGNOSTICS
 *	Bad arguments and an unreadable store get an error reply.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "civil.h"
#include "control_report.h"
#include "mx_match.h"
#include "policyd.h"
#include "reply.h"
#include "tlsrpt_collect.h"
#include "tlsrpt_report.h"
#include "tlsrpt_reports.h"
#include "tlsrpt_run.h"
#include "tlsrpt_sched.h"
#include "tlsrpt_store.h"

/* domain_arg - normalise a domain argument; 0 or -1. */
static int
domain_arg(const char *arg, char *out, size_t outsz)
{
	return host_normalize(arg, strlen(arg), out, outsz);
}

/* day_parse - "YYYY-MM-DD" to its day start; -1 when not a real date. */
static int
day_parse(const char *s, int64_t *day)
{
	return civil_day_parse(s, day);
}

/* policy_json - one stored policy with the RFC 8460 field names. */
static json_t *
policy_json(const struct tlsrpt_policy *p)
{
	json_t *o = json_object(), *pol = json_object(), *sum = json_object();
	json_t *a, *fd = json_array(), *f;
	size_t	i;

	json_object_set_new(pol, "policy-type", json_string(
	    p->type == TLSRPT_POLICY_STS ? "sts" : p->type ==
	    TLSRPT_POLICY_TLSA ? "tlsa" : "no-policy-found"));
	a = json_array();
	for (i = 0; i < p->nstrings; i++)
		json_array_append_new(a, json_string(p->strings[i]));
	json_object_set_new(pol, "policy-string", a);
	json_object_set_new(pol, "policy-domain",
	    json_string(p->policy_domain));
	a = json_array();
	for (i = 0; i < p->nmx; i++)
		json_array_append_new(a, json_string(p->mx_host[i]));
	json_object_set_new(pol, "mx-host", a);
	json_object_set_new(o, "policy", pol);
	json_object_set_new(sum, "total-successful-session-count",
	    json_integer((json_int_t)p->success));
	json_object_set_new(sum, "total-failure-session-count",
	    json_integer((json_int_t)p->failure));
	json_object_set_new(o, "summary", sum);
	for (i = 0; i < p->nfailures; i++) {
		const struct tlsrpt_failure *x = &p->failures[i];

		f = json_object();
		json_object_set_new(f, "result-type",
		    json_string(x->result_type));
#define OPT(k, v) if ((v) != NULL) json_object_set_new(f, k, json_string(v))
		OPT("sending-mta-ip", x->sending_mta_ip);
		OPT("receiving-mx-hostname", x->receiving_mx_hostname);
		OPT("receiving-mx-helo", x->receiving_mx_helo);
		OPT("receiving-ip", x->receiving_ip);
		OPT("additional-information", x->additional_information);
		OPT("failure-reason-code", x->failure_reason_code);
#undef OPT
		json_object_set_new(f, "failed-session-count",
		    json_integer((json_int_t)x->count));
		json_array_append_new(fd, f);
	}
	json_object_set_new(o, "failure-details", fd);
	return o;
}

/* report_yesterday - the default day of the report verbs (TLS-RPT clock). */
static int64_t
report_yesterday(void)
{
	return tlsrpt_store_day(tlsrpt_store_now()) - 86400;
}

/*
 * report_built - add what the report will be to rep: report_id, filename
 * and the RFC 8460 JSON ("report"), from the configured identity; null
 * when tlsrpt_org_name/tlsrpt_contact are not set.
 */
static void
report_built(json_t *rep, const struct tlsrpt_report *r)
{
	struct tlsrpt_identity id;
	struct config *cfg = policyd_config_get();
	const char *submitter;
	char   *rid = NULL, *fn = NULL, *js = NULL;
	size_t	len;
	json_t *doc = NULL;

	id.org_name = cfg->tlsrpt_org_name;
	id.contact = cfg->tlsrpt_contact;
	submitter = id.contact != NULL ? tlsrpt_report_submitter(id.contact) :
	    NULL;
	if (submitter != NULL && id.org_name != NULL && *id.org_name != '\0') {
		rid = tlsrpt_report_id(r, submitter);
		fn = tlsrpt_report_filename(r, submitter);
		if (tlsrpt_report_json(r, &id, &js, &len) == 0)
			doc = json_loadb(js, len, JSON_PRESERVE_ORDER, NULL);
	}
	policyd_config_put(cfg);
	json_object_set_new(rep, "report_id", control_str(rid));
	json_object_set_new(rep, "filename", control_str(fn));
	json_object_set_new(rep, "report", doc != NULL ? doc : json_null());
	free(rid);
	free(fn);
	free(js);
}

/*
 * do_report_show - the stored results of one domain and day; resolve:
 * as the reports will be built (records looked up, unusable skipped).
 */
static json_t *
do_report_show(const char *arg, const char *dayarg, int resolve)
{
	struct tlsrpt_report *r = NULL;
	char	domain[256], dn[16];
	int64_t	day;
	size_t	n = 0, i, j;
	json_t *o, *arr, *rep, *a;

	if (domain_arg(arg, domain, sizeof(domain)) != 0)
		return reply_error("bad domain \"%s\"", arg);
	if (dayarg != NULL) {
		if (day_parse(dayarg, &day) != 0)
			return reply_error("bad day \"%s\" (YYYY-MM-DD)",
			    dayarg);
	} else
		day = report_yesterday();
	if ((resolve ? tlsrpt_reports(day, domain, &r, &n) :
	    tlsrpt_reports_raw(day, domain, &r, &n)) != 0)
		return reply_error("cannot read the TLS-RPT store%s", "");
	o = reply_ok();
	control_day(day, dn, sizeof(dn));
	json_object_set_new(o, "domain", json_string(domain));
	json_object_set_new(o, "day", json_string(dn));
	json_object_set_new(o, "day_start", json_integer((json_int_t)day));
	arr = json_array();
	for (i = 0; i < n; i++) {
		rep = json_object();
		json_object_set_new(rep, "policy-domain",
		    json_string(r[i].policy_domain));
		json_object_set_new(rep, "record", json_string(r[i].record));
		a = json_array();
		for (j = 0; j < r[i].nrua; j++)
			json_array_append_new(a, json_string(r[i].rua[j]));
		json_object_set_new(rep, "rua", a);
		a = json_array();
		for (j = 0; j < r[i].npolicies; j++)
			json_array_append_new(a, policy_json(&r[i].policies[j]));
		json_object_set_new(rep, "policies", a);
		if (resolve)
			report_built(rep, &r[i]);
		json_array_append_new(arr, rep);
	}
	json_object_set_new(o, "reports", arr);
	tlsrpt_reports_free(r, n);
	return o;
}

/*
 * do_report_send - build and deliver a day's reports now: "report send
 * [YYYY-MM-DD] [DOMAIN]", the day defaulting to yesterday (UTC).
 */
static json_t *
do_report_send(char *const *args, int nargs)
{
	struct tlsrpt_sched_result res;
	struct config *cfg;
	char	domain[256], dn[16];
	const char *dom = NULL;
	int64_t	day = TLSRPT_SCHED_ALL_DAYS;
	int	i, rc;
	json_t *o;

	for (i = 0; i < nargs; i++) {
		if (day == TLSRPT_SCHED_ALL_DAYS && day_parse(args[i],
		    &day) == 0)
			continue;
		if (dom != NULL || domain_arg(args[i], domain,
		    sizeof(domain)) != 0)
			return reply_error("usage: report send [YYYY-MM-DD] "
			    "[DOMAIN] (bad argument \"%s\")", args[i]);
		dom = domain;
	}
	if (day == TLSRPT_SCHED_ALL_DAYS)
		day = report_yesterday();
	cfg = policyd_config_get();
	if (!cfg->tlsrpt_enable) {
		policyd_config_put(cfg);
		return reply_error("reporting is off (tlsrpt_enable = no)%s",
		    "");
	}
	rc = tlsrpt_run_send(cfg, day, dom, &res);
	policyd_config_put(cfg);
	if (rc != 0)
		return reply_error("cannot read the TLS-RPT store%s", "");
	o = reply_ok();
	control_day(day, dn, sizeof(dn));
	json_object_set_new(o, "day", json_string(dn));
	json_object_set_new(o, "day_start", json_integer((json_int_t)day));
	json_object_set_new(o, "domain", dom != NULL ? json_string(dom) :
	    json_null());
#define NUM(k, v) json_object_set_new(o, k, json_integer((json_int_t)(v)))
	NUM("reports", res.reports);
	NUM("attempts", res.attempts);
	NUM("sent", res.sent);
	NUM("failed", res.failed);
	NUM("dropped", res.dropped);
#undef NUM
	json_object_set_new(o, "error", control_str(res.error));
	return o;
}

/* day_domains - the domains of one day with their totals. */
static json_t *
day_domains(int64_t day)
{
	struct tlsrpt_report *r = NULL;
	json_t *doms = json_array(), *d;
	uint64_t succ, fail;
	size_t	n = 0, j, k;

	if (tlsrpt_reports_raw(day, NULL, &r, &n) != 0)
		return doms;
	for (j = 0; j < n; j++) {
		succ = fail = 0;
		for (k = 0; k < r[j].npolicies; k++) {
			succ += r[j].policies[k].success;
			fail += r[j].policies[k].failure;
		}
		d = json_object();
		json_object_set_new(d, "domain",
		    json_string(r[j].policy_domain));
		json_object_set_new(d, "record", json_string(r[j].record));
		json_object_set_new(d, "success",
		    json_integer((json_int_t)succ));
		json_object_set_new(d, "failure",
		    json_integer((json_int_t)fail));
		json_array_append_new(doms, d);
	}
	tlsrpt_reports_free(r, n);
	return doms;
}

/* do_report_list - days and domains with stored results, and counters. */
static json_t *
do_report_list(void)
{
	struct tlsrpt_collect_stats cs;
	struct tlsrpt_store_stats ss;
	struct config *cfg;
	int64_t	*days = NULL;
	size_t	ndays = 0, i;
	char	dn[16];
	json_t *o, *arr, *e;

	if (tlsrpt_store_days(&days, &ndays) != 0)
		return reply_error("cannot read the TLS-RPT store%s", "");
	o = reply_ok();
	arr = json_array();
	for (i = 0; i < ndays; i++) {
		e = json_object();
		control_day(days[i], dn, sizeof(dn));
		json_object_set_new(e, "day", json_string(dn));
		json_object_set_new(e, "day_start",
		    json_integer((json_int_t)days[i]));
		json_object_set_new(e, "domains", day_domains(days[i]));
		json_array_append_new(arr, e);
	}
	free(days);
	json_object_set_new(o, "days", arr);
	tlsrpt_collect_get_stats(&cs);
	tlsrpt_store_get_stats(&ss);
#define NUM(o, k, v) json_object_set_new(o, k, json_integer((json_int_t)(v)))
	e = json_object();
	NUM(e, "received", cs.received);
	NUM(e, "accepted", cs.accepted);
	NUM(e, "dropped", cs.dropped);
	NUM(e, "warnings", cs.warnings);
	NUM(e, "events", cs.events);
	json_object_set_new(o, "collector", e);
	e = json_object();
	NUM(e, "events", ss.events);
	NUM(e, "capped", ss.capped);
	NUM(e, "flushes", ss.flushes);
	NUM(e, "suppressed", ss.suppressed);
	NUM(e, "limited", ss.limited);
#undef NUM
	json_object_set_new(o, "store", e);
	cfg = policyd_config_get();
	json_object_set_new(o, "deliveries", tlsrpt_run_deliveries(
	    cfg->tlsrpt_contact != NULL ?
	    tlsrpt_report_submitter(cfg->tlsrpt_contact) : NULL));
	policyd_config_put(cfg);
	return o;
}

/* control_report - "report list|show|preview|send ...". */
json_t *
control_report(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return do_report_list();
	if (argc >= 2 && argc <= 4 && strcmp(argv[1], "send") == 0)
		return do_report_send(argv + 2, argc - 2);
	if ((argc == 3 || argc == 4) && (strcmp(argv[1], "show") == 0 ||
	    strcmp(argv[1], "preview") == 0))
		return do_report_show(argv[2], argc == 4 ? argv[3] : NULL,
		    strcmp(argv[1], "preview") == 0);
	return reply_error("usage: %s", CONTROL_REPORT_USAGE);
}
