/*
 * NAME
 *	tlsrpt_run - the TLS-RPT scheduler inside mtasts-policyd
 * SYNOPSIS
 *	#include "tlsrpt_run.h"
 *
 *	int tlsrpt_run_start(void)
 *	void tlsrpt_run_stop(void)
 *	int tlsrpt_run_send(cfg, day, domain, &res)
 *	json_t *tlsrpt_run_deliveries(submitter)
 *	void tlsrpt_run_housekeep(now, force)
 * DESCRIPTION
 *	tlsrpt_sched.c decides when a report goes out; this module gives it
 *	the daemon's parts: the result store, the delivery state of each
 *	(report, rua) pair in the "tlsrpt_send" LMDB table, the senders of
 *	tlsrpt_send.c and the TLS-RPT clock (tlsrpt_store_now).
 *
 *	A state is stored under "UNIQUE:N" as three lines: the state's own
 *	text form (tlsrpt_send_state_encode), "DAY_START DOMAIN", and the
 *	rua URI, so report list can name what each state is about after
 *	the store has forgotten the day's results.
 *
 *	After each report mail is handed to tlsrpt_sendmail, the domain of
 *	its recipient expects one session of ours (tlsrpt_store_expect_report),
 *	which the collector leaves out: report mail must not feed reports.
 *
 *	Housekeeping runs with every scheduler pass, at most once an hour:
 *	results older than TLSRPT_KEEP_DAYS go (the days of domains that
 *	publish no usable record, or whose reports never went out), and so
 *	do delivery states older than TLSRPT_STATE_KEEP_DAYS.
 * DIAGNOSTICS
 *	Deliveries are logged by tlsrpt_sched.c; housekeeping logs what it
 *	removed at info.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "log.h"
#include "policyd.h"
#include "reply.h"
#include "tlsrpt_report.h"
#include "tlsrpt_run.h"
#include "tlsrpt_send.h"
#include "tlsrpt_reports.h"
#include "tlsrpt_store.h"

#define TR_DAY		86400
#define TR_HOUSEKEEP_EVERY 3600

static int64_t tr_last_housekeep;	/* scheduler thread only */

/* tr_state_get - the state under key: 1 found, 0 not, -1 error */
static int
tr_state_get(const char *key, struct tlsrpt_send_state *st)
{
	char   *val = NULL, *nl;
	size_t	len = 0;
	int	r;

	if ((r = cache_table_get(CACHE_TLSRPT_SEND, key, &val, &len)) != 1)
		return r;
	if ((nl = memchr(val, '\n', len)) != NULL)
		len = (size_t)(nl - val);
	r = tlsrpt_send_state_decode(val, len, st) == 0 ? 1 : 0;
	if (r == 0)
		log_warnx("tlsrpt: unreadable delivery state %s; trying again",
		    key);
	free(val);
	return r;
}

/* tr_state_put - store a state with what it is about */
static int
tr_state_put(const char *key, const struct tlsrpt_report *r, size_t rua,
    const struct tlsrpt_send_state *st)
{
	char	line[TLSRPT_STATE_MAX], *val;
	int	n, ret;

	if (tlsrpt_send_state_encode(st, line, sizeof(line)) != 0)
		return -1;
	n = snprintf(NULL, 0, "%s\n%" PRId64 " %s\n%s", line, r->day_start,
	    r->policy_domain, r->rua[rua]);
	if (n < 0 || (val = malloc((size_t)n + 1)) == NULL)
		return -1;
	(void)snprintf(val, (size_t)n + 1, "%s\n%" PRId64 " %s\n%s", line,
	    r->day_start, r->policy_domain, r->rua[rua]);
	ret = cache_table_put(CACHE_TLSRPT_SEND, key, val, (size_t)n);
	free(val);
	return ret;
}

/* tr_deliver - one delivery; a report mail leaves an expected session */
static int
tr_deliver(const struct config *cfg, const struct tlsrpt_report *r,
    const char *rua, time_t now, char *err, size_t errsz)
{
	char   *addr, *at;

	if (tlsrpt_send_deliver(cfg, r, rua, now, err, errsz) != 0)
		return -1;
	if (strncmp(rua, "mailto:", 7) == 0 &&
	    (addr = tlsrpt_send_mailto_addr(rua)) != NULL) {
		if ((at = strrchr(addr, '@')) != NULL)
			tlsrpt_store_expect_report(at + 1);
		free(addr);
	}
	return 0;
}

static const struct tlsrpt_sched_ops tr_ops = {
	.days = tlsrpt_store_days,
	.reports = tlsrpt_reports,
	.reports_free = tlsrpt_reports_free,
	.forget = tlsrpt_store_forget,
	.state_get = tr_state_get,
	.state_put = tr_state_put,
	.deliver = tr_deliver
};

/* tr_housekeep - the scheduler's hook */
static void
tr_housekeep(const struct config *cfg, int64_t now)
{
	(void)cfg;
	tlsrpt_run_housekeep(now, 0);
}

static const struct tlsrpt_sched_env tr_env = {
	.ops = &tr_ops,
	.cfg_get = policyd_config_get,
	.cfg_put = policyd_config_put,
	.now = tlsrpt_store_now,
	.housekeep = tr_housekeep
};

/* tlsrpt_run_start - start the scheduler thread */
int
tlsrpt_run_start(void)
{
	return tlsrpt_sched_start(&tr_env);
}

/* tlsrpt_run_stop - stop it */
void
tlsrpt_run_stop(void)
{
	tlsrpt_sched_stop();
}

/* tlsrpt_run_send - a forced run over one day */
int
tlsrpt_run_send(const struct config *cfg, int64_t day, const char *domain,
    struct tlsrpt_sched_result *res)
{
	return tlsrpt_sched_run(cfg, &tr_ops, tlsrpt_store_now(), day, domain,
	    1, res);
}

/* One delivery state as report list shows it. */
struct tr_item {
	char	key[TLSRPT_UNIQUE_SIZE + 32];
	struct tlsrpt_send_state st;
	int64_t	day;
	char	domain[256];
	char   *rua;
};

struct tr_items {
	struct tr_item *v;
	size_t	n, cap;
	int64_t	older_than;		/* housekeeping: collect only these */
};

/* tr_parse - the three lines of a stored state; 0 or -1 */
static int
tr_parse(const char *key, const char *val, size_t len, struct tr_item *it)
{
	const char *l2, *l3;
	char	dom[256];
	long long day;

	memset(it, 0, sizeof(*it));
	if ((l2 = memchr(val, '\n', len)) == NULL ||
	    tlsrpt_send_state_decode(val, (size_t)(l2 - val), &it->st) != 0)
		return -1;
	l2++;
	if ((l3 = memchr(l2, '\n', len - (size_t)(l2 - val))) == NULL ||
	    sscanf(l2, "%lld %255s", &day, dom) != 2)
		return -1;
	l3++;
	it->day = day;
	(void)snprintf(it->domain, sizeof(it->domain), "%s", dom);
	(void)snprintf(it->key, sizeof(it->key), "%s", key);
	if ((it->rua = strdup(l3)) == NULL)
		return -1;
	return 0;
}

/* tr_collect - cache_table_walk callback: gather the states */
static int
tr_collect(const char *key, const char *val, size_t len, void *arg)
{
	struct tr_items *items = arg;
	struct tr_item it, *nv;

	if (tr_parse(key, val, len, &it) != 0) {
		if (items->older_than == 0)
			return 0;
		/* unreadable: housekeeping removes it */
		memset(&it, 0, sizeof(it));
		(void)snprintf(it.key, sizeof(it.key), "%s", key);
	} else if (items->older_than != 0 && it.day >= items->older_than) {
		free(it.rua);
		return 0;
	}
	if (items->n == items->cap) {
		size_t	cap = items->cap ? items->cap * 2 : 32;

		if ((nv = realloc(items->v, cap * sizeof(*nv))) == NULL) {
			free(it.rua);
			return 1;
		}
		items->v = nv;
		items->cap = cap;
	}
	items->v[items->n++] = it;
	return 0;
}

/* tr_cmp - by day, domain, rua */
static int
tr_cmp(const void *a, const void *b)
{
	const struct tr_item *x = a, *y = b;
	int	c;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if ((c = strcmp(x->domain, y->domain)) != 0)
		return c;
	return strcmp(x->rua != NULL ? x->rua : "",
	    y->rua != NULL ? y->rua : "");
}

/* tr_items_free - free the gathered states */
static void
tr_items_free(struct tr_items *items)
{
	size_t	i;

	for (i = 0; i < items->n; i++)
		free(items->v[i].rua);
	free(items->v);
}

/* tlsrpt_run_deliveries - the delivery list */
json_t *
tlsrpt_run_deliveries(const char *submitter)
{
	struct tr_items items = { NULL, 0, 0, 0 };
	json_t *arr = json_array(), *o;
	char	id[TLSRPT_UNIQUE_SIZE + 300], day[16], *colon;
	size_t	i;

	(void)cache_table_walk(CACHE_TLSRPT_SEND, tr_collect, &items);
	if (items.n > 1)
		qsort(items.v, items.n, sizeof(items.v[0]), tr_cmp);
	for (i = 0; i < items.n; i++) {
		const struct tr_item *it = &items.v[i];

		(void)snprintf(id, sizeof(id), "%s", it->key);
		if ((colon = strchr(id, ':')) != NULL)
			*colon = '\0';
		if (submitter != NULL && *submitter != '\0')
			(void)snprintf(id + strlen(id), sizeof(id) - strlen(id),
			    "@%s", submitter);
		control_day(it->day, day, sizeof(day));
		o = json_object();
		json_object_set_new(o, "day", json_string(day));
		json_object_set_new(o, "day_start",
		    json_integer((json_int_t)it->day));
		json_object_set_new(o, "domain", json_string(it->domain));
		json_object_set_new(o, "report_id", json_string(id));
		json_object_set_new(o, "rua", json_string(it->rua));
		json_object_set_new(o, "status",
		    json_string(tlsrpt_send_status_name(it->st.status)));
		json_object_set_new(o, "attempts",
		    json_integer((json_int_t)it->st.attempts));
		json_object_set_new(o, "first", control_time(it->st.first));
		json_object_set_new(o, "last", control_time(it->st.last));
		json_object_set_new(o, "next",
		    it->st.status == TLSRPT_SEND_PENDING ?
		    control_time(it->st.next) : json_null());
		json_object_set_new(o, "error", control_str(it->st.error));
		json_array_append_new(arr, o);
	}
	tr_items_free(&items);
	return arr;
}

/* tlsrpt_run_housekeep - retention of results and delivery states */
void
tlsrpt_run_housekeep(int64_t now, int force)
{
	struct tr_items items = { NULL, 0, 0, 0 };
	int64_t	*days = NULL, today = tlsrpt_store_day(now);
	size_t	ndays = 0, i;
	long	n, gone = 0;

	if (!force && tr_last_housekeep != 0 &&
	    now - tr_last_housekeep < TR_HOUSEKEEP_EVERY &&
	    now >= tr_last_housekeep)
		return;
	tr_last_housekeep = now;
	if (tlsrpt_store_days(&days, &ndays) == 0) {
		for (i = 0; i < ndays; i++)
			if (days[i] < today - TLSRPT_KEEP_DAYS * TR_DAY &&
			    (n = tlsrpt_store_forget(days[i], NULL)) > 0)
				gone += n;
		free(days);
	}
	if (gone > 0)
		log_info("tlsrpt: forgot %ld stored result(s) older than %d "
		    "days, never reported", gone, TLSRPT_KEEP_DAYS);
	items.older_than = today - TLSRPT_STATE_KEEP_DAYS * TR_DAY;
	(void)cache_table_walk(CACHE_TLSRPT_SEND, tr_collect, &items);
	for (i = 0; i < items.n; i++)
		(void)cache_table_del(CACHE_TLSRPT_SEND, items.v[i].key);
	if (items.n > 0)
		log_info("tlsrpt: forgot %zu delivery state(s) older than %d "
		    "days", items.n, TLSRPT_STATE_KEEP_DAYS);
	tr_items_free(&items);
}
