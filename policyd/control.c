/*
 * control.c - the control socket: one request line in, one JSON line out.
 *
 * SYNOPSIS
 *	control_conn(fd)
 *
 * DESCRIPTION
 *	Verbs: version, status, lookup DOMAIN, show DOMAIN, list, flush
 *	DOMAIN|--all, refresh DOMAIN|--all, and for the milter sts DOMAIN
 *	WAIT_MS, hold QUEUE_ID DOMAIN..., holds, release QUEUE_ID|--all,
 *	and the TLS-RPT store: report list, report show DOMAIN [DAY],
 *	report preview DOMAIN [DAY] (with the report as it will be sent),
 *	report send [DAY] [DOMAIN] (deliver now, on this connection's
 *	thread: it may take minutes).
 *	Each reply is one compact JSON object with "ok"; errors carry
 *	"error". The connection stays open for further requests. See
 *	mtasts-policyd(8) for the field names.
 *
 * DIAGNOSTICS
 *	Unknown verbs and bad arguments get an error reply, never silence.
 *	A line over CONTROL_LINE_MAX bytes gets an error and the connection
 *	is closed.
 */
#include "autoconf.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cache.h"
#include "civil.h"
#include "control.h"
#include "ctlauth.h"
#include "discover.h"
#include "hold.h"
#include "listen.h"
#include "log.h"
#include "lookup.h"
#include "mx_match.h"
#include "netstring.h"
#include "policyd.h"
#include "privsep.h"
#include "reply.h"
#include "route.h"
#include "tlsrpt_collect.h"
#include "tlsrpt_report.h"
#include "tlsrpt_run.h"
#include "tlsrpt_reports.h"
#include "tlsrpt_store.h"
#include "worker.h"

/* Every word of a full line: "hold ID D1 D2 ..." may have many. */
#define MAX_ARGS	(CONTROL_LINE_MAX / 2 + 2)

/* show_object - the SHOW-OBJECT of a cache entry. */
static json_t *
show_object(const char *domain, const struct record *rec, time_t now)
{
	json_t *o = json_object(), *mx = json_array();
	size_t	i;

	json_object_set_new(o, "domain", json_string(domain));
	if (rec->state == RECORD_POLICY) {
		json_object_set_new(o, "state", json_string("policy"));
		json_object_set_new(o, "mode",
		    json_string(sts_mode_name(rec->policy.mode)));
		for (i = 0; i < rec->policy.nmx; i++)
			json_array_append_new(mx, json_string(rec->policy.mx[i]));
		json_object_set_new(o, "mx", mx);
		json_object_set_new(o, "max_age",
		    json_integer(rec->policy.max_age));
		json_object_set_new(o, "id", json_string(rec->id));
		json_object_set_new(o, "fetched_at", control_time(rec->fetched_at));
		json_object_set_new(o, "expires_at",
		    control_time(record_expires_at(rec)));
		json_object_set_new(o, "expired",
		    json_boolean(!lookup_valid(rec, now)));
		json_object_set_new(o, "negative_until", json_null());
	} else {
		json_decref(mx);
		json_object_set_new(o, "state", json_string("negative"));
		json_object_set_new(o, "mode", json_null());
		json_object_set_new(o, "mx", json_array());
		json_object_set_new(o, "max_age", json_null());
		json_object_set_new(o, "id", json_null());
		json_object_set_new(o, "fetched_at", json_null());
		json_object_set_new(o, "expires_at", json_null());
		json_object_set_new(o, "expired",
		    json_boolean(now >= rec->neg_until));
		json_object_set_new(o, "negative_until",
		    control_time(rec->neg_until));
	}
	json_object_set_new(o, "txt_checked_at", control_time(rec->txt_checked_at));
	json_object_set_new(o, "last_used", control_time(rec->last_used));
	json_object_set_new(o, "last_error", control_str(rec->last_error));
	json_object_set_new(o, "route", route_show(domain));
	return o;
}

/* reply_error - {"ok": false, "error": ...} */
static json_t *
reply_error(const char *fmt, const char *arg)
{
	json_t *o = json_object();
	char	buf[300];

	snprintf(buf, sizeof(buf), fmt, arg ? arg : "");
	json_object_set_new(o, "ok", json_false());
	json_object_set_new(o, "error", json_string(buf));
	return o;
}

/* reply_ok - {"ok": true} to add fields to. */
static json_t *
reply_ok(void)
{
	json_t *o = json_object();

	json_object_set_new(o, "ok", json_true());
	return o;
}

/* domain_arg - normalise a domain argument; 0 or -1. */
static int
domain_arg(const char *arg, char *out, size_t outsz)
{
	return host_normalize(arg, strlen(arg), out, outsz);
}

struct counts {
	unsigned long enforce, testing, none, negative, expired;
};

/* count_one - cache_walk callback for status. */
static int
count_one(const char *domain, const struct record *rec, void *arg)
{
	struct counts *c = arg;
	time_t	now = time(NULL);

	(void)domain;
	if (rec->state == RECORD_NEGATIVE)
		c->negative++;
	else if (!lookup_valid(rec, now))
		c->expired++;
	else if (rec->policy.mode == STS_MODE_ENFORCE)
		c->enforce++;
	else if (rec->policy.mode == STS_MODE_TESTING)
		c->testing++;
	else
		c->none++;
	return 0;
}

/* do_status - the status verb. */
static json_t *
do_status(void)
{
	json_t *o = reply_ok(), *c = json_object(), *s = json_object();
	struct counts n;
	long	nholds;

	memset(&n, 0, sizeof(n));
	cache_walk(count_one, &n);
	json_object_set_new(o, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(o, "protocol", json_integer(CONTROL_PROTOCOL));
	json_object_set_new(o, "uptime",
	    json_integer(time(NULL) - policyd_started));
	json_object_set_new(c, "enforce", json_integer((json_int_t)n.enforce));
	json_object_set_new(c, "testing", json_integer((json_int_t)n.testing));
	json_object_set_new(c, "none", json_integer((json_int_t)n.none));
	json_object_set_new(c, "negative", json_integer((json_int_t)n.negative));
	json_object_set_new(c, "expired", json_integer((json_int_t)n.expired));
	json_object_set_new(o, "counts", c);
#define STAT(name) json_object_set_new(s, #name, \
	json_integer((json_int_t)atomic_load(&policyd_stats.name)))
	STAT(lookups);
	STAT(hits);
	STAT(misses);
	STAT(discoveries);
	STAT(fetches);
	STAT(fetch_failures);
#undef STAT
	json_object_set_new(s, "pending_jobs",
	    json_integer((json_int_t)worker_pending()));
	json_object_set_new(s, "probes", json_integer((json_int_t)
	    route_probes()));
	json_object_set_new(s, "probe_failures", json_integer((json_int_t)
	    route_probe_failures()));
	json_object_set_new(o, "stats", s);
	nholds = hold_count();
	json_object_set_new(o, "holds", json_integer(nholds > 0 ? nholds : 0));
	return o;
}

/* do_lookup - what the socketmap answers now. */
static json_t *
do_lookup(const char *arg)
{
	struct lookup lk;
	char	ans[NETSTRING_REPLY_MAX];
	json_t *o;

	lookup_run(arg, strlen(arg), &lk);
	lookup_answer(&lk, MAP_STS, ans, sizeof(ans));
	o = reply_ok();
	json_object_set_new(o, "domain",
	    json_string(lk.valid_key ? lk.domain : arg));
	json_object_set_new(o, "answer", json_string(ans));
	json_object_set_new(o, "policy", lk.have && lk.rec.state ==
	    RECORD_POLICY ? show_object(lk.domain, &lk.rec, time(NULL)) :
	    json_null());
	lookup_free(&lk);
	return o;
}

/* do_show - one cache entry. */
static json_t *
do_show(const char *arg)
{
	struct record rec;
	char	d[256];
	json_t *o, *s;
	int	r;

	if (domain_arg(arg, d, sizeof(d)) != 0)
		return reply_error("not a domain name: %s", arg);
	if ((r = cache_get(d, &rec)) < 0)
		return reply_error("cache read failed%s", NULL);
	if (r == 0)
		return reply_error("not cached: %s", d);
	o = reply_ok();
	s = show_object(d, &rec, time(NULL));
	json_object_update(o, s);
	json_decref(s);
	record_free(&rec);
	return o;
}

/* list_one - cache_walk callback for list. */
static int
list_one(const char *domain, const struct record *rec, void *arg)
{
	json_array_append_new(arg, show_object(domain, rec, time(NULL)));
	return 0;
}

/* do_list - every cache entry. */
static json_t *
do_list(void)
{
	json_t *o = reply_ok(), *a = json_array();

	if (cache_walk(list_one, a) < 0) {
		json_decref(a);
		json_decref(o);
		return reply_error("cache read failed%s", NULL);
	}
	json_object_set_new(o, "domains", a);
	return o;
}

/* do_flush - forget one or all entries. */
static json_t *
do_flush(const char *arg)
{
	char	d[256];
	long	n;
	json_t *o;

	if (strcmp(arg, "--all") == 0) {
		n = cache_del_all();
		route_forget_all();
	} else {
		if (domain_arg(arg, d, sizeof(d)) != 0)
			return reply_error("not a domain name: %s", arg);
		n = cache_del(d);
		if (n == 0)
			return reply_error("not cached: %s", d);
		route_forget(d);
	}
	if (n < 0)
		return reply_error("cache write failed%s", NULL);
	if (strcmp(arg, "--all") == 0)
		log_info("cache flushed by control request (%ld entries)", n);
	else
		log_info("domain=%s flushed by control request", d);
	o = reply_ok();
	json_object_set_new(o, "flushed", json_integer(n));
	return o;
}

/* queue_one - cache_walk callback for refresh --all. */
static int
queue_one(const char *domain, const struct record *rec, void *arg)
{
	if (rec->state == RECORD_POLICY && worker_queue(domain, 1) == 0)
		(*(long *)arg)++;
	return 0;
}

/* do_refresh - fetch again now. */
static json_t *
do_refresh(const char *arg)
{
	struct discover_result res;
	struct record rec;
	struct config *cfg;
	char	d[256];
	long	wait, n = 0;
	json_t *o;
	int	r;

	if (strcmp(arg, "--all") == 0) {
		cache_walk(queue_one, &n);
		o = reply_ok();
		json_object_set_new(o, "queued", json_integer(n));
		return o;
	}
	if (domain_arg(arg, d, sizeof(d)) != 0)
		return reply_error("not a domain name: %s", arg);
	cfg = policyd_config_get();
	wait = (long)(cfg->fetch_timeout + cfg->lookup_wait) * 1000;
	policyd_config_put(cfg);
	r = worker_wait(d, 1, wait, &res);
	if (r < 0)
		return reply_error("cannot queue a refresh of %s", d);
	o = reply_ok();
	json_object_set_new(o, "domain", json_string(d));
	if (r == 0) {
		json_object_set_new(o, "result", json_string("pending"));
		json_object_set_new(o, "error", json_string("still running"));
	} else {
		json_object_set_new(o, "result",
		    json_string(discover_result_name(res.kind)));
		json_object_set_new(o, "error", control_str(res.why));
	}
	if (cache_get(d, &rec) == 1) {
		json_object_set_new(o, "policy", rec.state == RECORD_POLICY ?
		    show_object(d, &rec, time(NULL)) : json_null());
		record_free(&rec);
	} else
		json_object_set_new(o, "policy", json_null());
	return o;
}

/*
 * do_sts - the milter's question: the state of one domain. Without probe
 * (mail with TLS-Required: No, such as TLS-RPT reports) no MX probe is
 * started: such mail is never held, and its probes would only feed the
 * recipient's next report.
 */
static json_t *
do_sts(const char *arg, const char *wait, int probe)
{
	char	d[256], *end;
	long	ms;
	json_t *o;
	enum route_sts st;

	errno = 0;
	ms = strtol(wait, &end, 10);
	if (*wait < '0' || *wait > '9' || *end != '\0' || errno != 0)
		return reply_error("bad WAIT_MS: %s", wait);
	o = reply_ok();
	if (domain_arg(arg, d, sizeof(d)) != 0) {
		/* An IP literal or other non-name: no policy can apply. */
		json_object_set_new(o, "domain", json_string(arg));
		json_object_set_new(o, "state",
		    json_string(route_sts_name(ROUTE_STS_NONE)));
		return o;
	}
	st = route_domain_state(d, ms, ROUTE_QUEUE | ROUTE_USE |
	    (probe ? 0 : ROUTE_NOPROBE));
	json_object_set_new(o, "domain", json_string(d));
	json_object_set_new(o, "state", json_string(route_sts_name(st)));
	return o;
}

/* do_hold - register a held message. */
static json_t *
do_hold(const char *id, char *const *domains, size_t n)
{
	char	err[300];
	int64_t	held_at;
	json_t *o;

	if (hold_register(id, domains, n, &held_at, err, sizeof(err)) != 0)
		return reply_error("%s", err);
	o = reply_ok();
	json_object_set_new(o, "queue_id", json_string(id));
	json_object_set_new(o, "held_at", control_time(held_at));
	return o;
}

/* do_release - release one or every held message now. */
static json_t *
do_release(const char *arg)
{
	json_t *o, *a = json_array(), *r = NULL;
	long	n;
	int	rc;

	if (strcmp(arg, "--all") == 0) {
		n = hold_release_all(a);
	} else {
		if (!privsep_queue_id_valid(arg)) {
			json_decref(a);
			return reply_error("not a queue id: %s", arg);
		}
		if ((rc = hold_release(arg, &r)) == 0) {
			json_decref(a);
			return reply_error("not held: %s", arg);
		}
		if (rc < 0) {
			json_decref(a);
			return reply_error("cache write failed%s", NULL);
		}
		json_array_append_new(a, r);
		n = 1;
	}
	o = reply_ok();
	json_object_set_new(o, "released", json_integer(n));
	json_object_set_new(o, "results", a);
	return o;
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

/* control_request - dispatch one request line of a peer of class cls. */
static json_t *
control_request(char *line, enum ctlauth_class cls)
{
	char   *argv[MAX_ARGS], *p, *save = NULL;
	int	argc = 0;
	json_t *o;

	for (p = strtok_r(line, " \t", &save); p != NULL && argc < MAX_ARGS;
	    p = strtok_r(NULL, " \t", &save))
		argv[argc++] = p;
	if (argc == 0)
		return reply_error("empty request%s", NULL);
	if (cls < ctlauth_verb_class(argv[0]))
		return reply_error("permission denied: \"%s\" is for the "
		    "milter (root or the daemon's user) only", argv[0]);
#define NEED(n) do { if (argc != (n)) return reply_error( \
	"usage: %s", usage); } while (0)
	if (strcmp(argv[0], "version") == 0) {
		o = reply_ok();
		json_object_set_new(o, "protocol",
		    json_integer(CONTROL_PROTOCOL));
		json_object_set_new(o, "version", json_string(PACKAGE_VERSION));
		return o;
	}
	if (strcmp(argv[0], "status") == 0) {
		const char *usage = "status";

		NEED(1);
		return do_status();
	}
	if (strcmp(argv[0], "list") == 0) {
		const char *usage = "list";

		NEED(1);
		return do_list();
	}
	if (strcmp(argv[0], "lookup") == 0) {
		const char *usage = "lookup DOMAIN";

		NEED(2);
		return do_lookup(argv[1]);
	}
	if (strcmp(argv[0], "show") == 0) {
		const char *usage = "show DOMAIN";

		NEED(2);
		return do_show(argv[1]);
	}
	if (strcmp(argv[0], "flush") == 0) {
		const char *usage = "flush DOMAIN|--all";

		NEED(2);
		return do_flush(argv[1]);
	}
	if (strcmp(argv[0], "refresh") == 0) {
		const char *usage = "refresh DOMAIN|--all";

		NEED(2);
		return do_refresh(argv[1]);
	}
	if (strcmp(argv[0], "sts") == 0) {
		const char *usage = "sts DOMAIN WAIT_MS [noprobe]";

		if (argc == 4 && strcmp(argv[3], "noprobe") == 0)
			return do_sts(argv[1], argv[2], 0);
		NEED(3);
		return do_sts(argv[1], argv[2], 1);
	}
	if (strcmp(argv[0], "hold") == 0) {
		if (argc < 3)
			return reply_error("usage: %s",
			    "hold QUEUE_ID DOMAIN [DOMAIN ...]");
		return do_hold(argv[1], argv + 2, (size_t)argc - 2);
	}
	if (strcmp(argv[0], "holds") == 0) {
		const char *usage = "holds";

		NEED(1);
		o = reply_ok();
		json_object_set_new(o, "holds", hold_list());
		return o;
	}
	if (strcmp(argv[0], "release") == 0) {
		const char *usage = "release QUEUE_ID|--all";

		NEED(2);
		return do_release(argv[1]);
	}
	if (strcmp(argv[0], "report") == 0) {
		const char *usage = "report list | report show|preview "
		    "DOMAIN [YYYY-MM-DD] | report send [YYYY-MM-DD] [DOMAIN]";

		if (argc == 2 && strcmp(argv[1], "list") == 0)
			return do_report_list();
		if (argc >= 2 && argc <= 4 && strcmp(argv[1], "send") == 0)
			return do_report_send(argv + 2, argc - 2);
		if ((argc == 3 || argc == 4) && (strcmp(argv[1], "show") == 0 ||
		    strcmp(argv[1], "preview") == 0))
			return do_report_show(argv[2], argc == 4 ? argv[3] :
			    NULL, strcmp(argv[1], "preview") == 0);
		return reply_error("usage: %s", usage);
	}
#undef NEED
	return reply_error("unknown command \"%s\"", argv[0]);
}

/* send_json - write one reply line within timeout seconds. */
static int
send_json(int fd, json_t *o, int timeout)
{
	char   *s = json_dumps(o, JSON_COMPACT);
	size_t	n;
	int	ret = -1;

	json_decref(o);
	if (s == NULL)
		return -1;
	n = strlen(s);
	/* json_dumps's terminator becomes the newline: one write. */
	s[n] = '\n';
	if (listen_write(fd, s, n + 1, timeout) == 0)
		ret = 0;
	else if (errno == ETIMEDOUT)
		listen_drop("control", "reply not read within send_timeout");
	free(s);
	return ret;
}

/*
 * control_peer - the class of the connection's peer (ctlauth.c). A
 * refused peer is logged with its uid and gid; its first request gets
 * an error reply, so mtasts-ctl and the milter can say why, and nothing
 * is served.
 */
static enum ctlauth_class
control_peer(int fd)
{
	struct ctlauth_peer peer;
	struct config *cfg;
	enum ctlauth_class cls;

	if (ctlauth_peer_get(fd, &peer) != 0) {
		log_warn("control: cannot get the peer's credentials; "
		    "connection refused");
		return CTLAUTH_NONE;
	}
	cfg = policyd_config_get();
	cls = ctlauth_classify(cfg, &peer);
	policyd_config_put(cfg);
	if (cls == CTLAUTH_NONE)
		log_warnx("control: connection from uid %lu gid %lu refused "
		    "(not root, the daemon's user, control_users or "
		    "control_groups)", (unsigned long)peer.uid,
		    (unsigned long)peer.gid);
	return cls;
}

/* control_conn - serve one connection. */
void
control_conn(int fd)
{
	struct config *cfg;
	/* A request of CONTROL_LINE_MAX bytes plus its newline fits. */
	char	buf[CONTROL_LINE_MAX + 1], *nl;
	size_t	len = 0;
	ssize_t	r;
	long long reqms, started = 0, deadline;
	int	sendto;
	enum ctlauth_class cls = control_peer(fd);

	cfg = policyd_config_get();
	reqms = (long long)cfg->request_timeout * 1000;
	sendto = (int)cfg->send_timeout;
	policyd_config_put(cfg);
	for (;;) {
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			size_t	linelen = (size_t)(nl - buf);

			*nl = '\0';
			if (linelen > 0 && buf[linelen - 1] == '\r')
				buf[linelen - 1] = '\0';
			if (cls == CTLAUTH_NONE) {
				send_json(fd, reply_error("permission denied: "
				    "this user may not use the control socket "
				    "(control_users, control_groups)%s", ""),
				    sendto);
				return;
			}
			if (send_json(fd, control_request(buf, cls),
			    sendto) != 0)
				return;
			memmove(buf, nl + 1, len - linelen - 1);
			len -= linelen + 1;
			/* What is left began in the last read. */
			started = listen_clock_ms();
		}
		if (len > CONTROL_LINE_MAX) {
			send_json(fd, reply_error("request line longer than "
			    "%s bytes", "1024"), sendto);
			return;
		}
		/* Idle between requests; one request must come in whole. */
		deadline = len > 0 ? started + reqms :
		    listen_clock_ms() + CONTROL_IDLE * 1000LL;
		if ((r = listen_read(fd, buf + len, sizeof(buf) - len,
		    deadline)) < 0) {
			if (errno == ETIMEDOUT && len > 0)
				listen_drop("control", "request not complete "
				    "within request_timeout");
			return;
		}
		if (r == 0)
			return;
		if (len == 0)
			started = listen_clock_ms();
		len += (size_t)r;
	}
}
