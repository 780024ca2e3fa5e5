/*
 * tlsrpt_sched_test - when reports go out (policyd/tlsrpt/tlsrpt_sched.c), with
 * a fake store, send-state table and receiver and the test's own clock:
 * nothing before the day closes plus the delay (R7), every rua on its own
 * (R3, DESIGN §6b), retries with back-off and a drop after 24 h (R12),
 * the store forgotten only when a domain's reports are finished, and
 * "report send" (force) skipping the delay; the thread, woken with the
 * test's clock, honours tlsrpt_enable.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tlsrpt_report.h"
#include "tlsrpt_sched.h"
#include "tap.h"

#define DAY	1459468800		/* 2016-04-01 */
#define CLOSE	(DAY + 86400)
#define MAXSTATE 16

/* The fake store: one day, two domains, a.test with two rua. */
static char *rua_a[] = { "mailto:r@a.test", "https://r.a.test/" };
static char *rua_b[] = { "mailto:r@b.test" };
static struct tlsrpt_report store[] = {
	{ DAY, "a.test", "v=TLSRPTv1;rua=mailto:r@a.test,https://r.a.test/",
	  2, rua_a, 0, NULL },
	{ DAY, "b.test", "v=TLSRPTv1;rua=mailto:r@b.test", 1, rua_b, 0, NULL },
};
static int forgotten_a, forgotten_b;

static struct {
	char	key[64];
	struct tlsrpt_send_state st;
} states[MAXSTATE];
static size_t nstates;

static int https_ok;			/* the https receiver's mood */
static int mail_ok = 1;
static unsigned int deliveries;
static char last_rua[64];

/* fake_days - the one day, unless forgotten */
static int
fake_days(int64_t **out, size_t *n)
{
	*n = 0;
	if ((*out = malloc(sizeof(int64_t))) == NULL)
		return -1;
	if (!forgotten_a || !forgotten_b)
		(*out)[(*n)++] = DAY;
	return 0;
}

/* fake_reports - the reports not forgotten (shallow copies) */
static int
fake_reports(int64_t day, const char *domain, struct tlsrpt_report **out,
    size_t *n)
{
	size_t i;

	*n = 0;
	if ((*out = calloc(2, sizeof(**out))) == NULL)
		return -1;
	for (i = 0; i < 2 && day == DAY; i++) {
		if (domain != NULL && strcmp(domain, store[i].policy_domain))
			continue;
		if ((i == 0 && forgotten_a) || (i == 1 && forgotten_b))
			continue;
		(*out)[(*n)++] = store[i];
	}
	return 0;
}

/* fake_reports_free - only the array is ours */
static void
fake_reports_free(struct tlsrpt_report *r, size_t n)
{
	(void)n;
	free(r);
}

/* fake_forget - mark a domain's day as gone */
static long
fake_forget(int64_t day, const char *domain)
{
	if (day != DAY)
		return 0;
	if (strcmp(domain, "a.test") == 0)
		forgotten_a++;
	else
		forgotten_b++;
	return 1;
}

/* fake_state_get - look a state up */
static int
fake_state_get(const char *key, struct tlsrpt_send_state *st)
{
	size_t i;

	for (i = 0; i < nstates; i++)
		if (strcmp(states[i].key, key) == 0) {
			*st = states[i].st;
			return 1;
		}
	return 0;
}

/* fake_state_put - store a state through its text form, as the cache would */
static int
fake_state_put(const char *key, const struct tlsrpt_report *r, size_t rua,
    const struct tlsrpt_send_state *st)
{
	char buf[TLSRPT_STATE_MAX];
	size_t i;

	/* The state is about r's rua-th URI; the daemon lists it so. */
	if (r == NULL || rua >= r->nrua || r->rua[rua] == NULL)
		return -1;

	for (i = 0; i < nstates; i++)
		if (strcmp(states[i].key, key) == 0)
			break;
	if (i == MAXSTATE)
		return -1;
	if (i == nstates)
		nstates++;
	(void)snprintf(states[i].key, sizeof(states[i].key), "%s", key);
	if (tlsrpt_send_state_encode(st, buf, sizeof(buf)) != 0 ||
	    tlsrpt_send_state_decode(buf, strlen(buf), &states[i].st) != 0)
		return -1;
	return 0;
}

/* fake_deliver - mail always works, https as told */
static int
fake_deliver(const struct config *cfg, const struct tlsrpt_report *r,
    const char *rua, time_t now, char *err, size_t errsz)
{
	(void)cfg;
	(void)r;
	(void)now;
	deliveries++;
	(void)snprintf(last_rua, sizeof(last_rua), "%s", rua);
	if (strncmp(rua, "https:", 6) == 0 ? https_ok : mail_ok)
		return 0;
	(void)snprintf(err, errsz, "r.a.test: HTTP status 503");
	return -1;
}

static const struct tlsrpt_sched_ops ops = {
	.days = fake_days,
	.reports = fake_reports,
	.reports_free = fake_reports_free,
	.forget = fake_forget,
	.state_get = fake_state_get,
	.state_put = fake_state_put,
	.deliver = fake_deliver,
};

/* max_delay - the larger delay of the two reports */
static int64_t
max_delay(const struct config *cfg)
{
	char u[TLSRPT_UNIQUE_SIZE];
	int64_t d, m = 0;
	size_t i;

	for (i = 0; i < 2; i++) {
		(void)tlsrpt_report_unique(&store[i], u);
		d = tlsrpt_send_delay(u, (int64_t)cfg->tlsrpt_delay_max);
		if (d > m)
			m = d;
	}
	return m;
}

static struct config *thread_cfg;
static int64_t thread_now;

/* t_cfg_get, t_cfg_put, t_now - the thread's config and clock */
static struct config *
t_cfg_get(void)
{
	return thread_cfg;
}

static void
t_cfg_put(struct config *cfg)
{
	(void)cfg;
}

static int64_t
t_now(void)
{
	return __atomic_load_n(&thread_now, __ATOMIC_SEQ_CST);
}

/* wait_pass - kick the thread and wait for one more pass */
static int
wait_pass(void)
{
	unsigned long n = tlsrpt_sched_passes();
	int i;

	tlsrpt_sched_kick();
	for (i = 0; i < 500 && tlsrpt_sched_passes() <= n; i++)
		(void)poll(NULL, 0, 10);
	return tlsrpt_sched_passes() > n;
}

static int housekept;			/* passes that housekept */
static int64_t housekept_at;		/* ... at this clock */

/* t_housekeep - the retention hook: every pass, reporting on or off */
static void
t_housekeep(const struct config *cfg, int64_t now)
{
	(void)cfg;
	__atomic_store_n(&housekept_at, now, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&housekept, 1, __ATOMIC_SEQ_CST);
}

/* test_thread - the scheduler thread with the test's clock */
static void
test_thread(struct config *cfg)
{
	static const struct tlsrpt_sched_env env = {
		&ops, t_cfg_get, t_cfg_put, t_now, t_housekeep
	};

	forgotten_a = forgotten_b = 0;
	nstates = 0;
	deliveries = 0;
	https_ok = 1;
	thread_cfg = cfg;
	cfg->tlsrpt_enable = 0;
	thread_now = CLOSE + 5 * 3600;
	ok(tlsrpt_sched_start(&env) == 0 && wait_pass() && deliveries == 0,
	    "the thread sends nothing while tlsrpt_enable is off");
	ok(__atomic_load_n(&housekept, __ATOMIC_SEQ_CST) >= 1 &&
	    __atomic_load_n(&housekept_at, __ATOMIC_SEQ_CST) == thread_now,
	    "housekeeping runs with reporting off, at the injected clock");
	cfg->tlsrpt_enable = 1;
	__atomic_store_n(&thread_now, DAY + 7200, __ATOMIC_SEQ_CST);
	ok(wait_pass() && deliveries == 0, "thread: nothing before the day closes");
	__atomic_store_n(&thread_now, CLOSE + 5 * 3600, __ATOMIC_SEQ_CST);
	ok(wait_pass() && deliveries == 3 && forgotten_a == 1 &&
	    forgotten_b == 1, "thread: the clock moves past the delay, all sent");
	tlsrpt_sched_stop();
	ok(1, "the thread stops");
}

int
main(void)
{
	struct tlsrpt_sched_result res;
	struct config *cfg;
	int64_t now, delay;
	unsigned int rounds = 0;

	if ((cfg = config_defaults()) == NULL)
		return 1;
	cfg->tlsrpt_delay_max = 4 * 3600;
	delay = max_delay(cfg);
	ok(delay > 0 && delay <= 4 * 3600, "R7 delays within tlsrpt_delay_max");

	ok(tlsrpt_sched_run(cfg, &ops, DAY + 3600, TLSRPT_SCHED_ALL_DAYS, NULL,
	    0, &res) == 0 && deliveries == 0 && res.reports == 0,
	    "R7 nothing while the day is open");
	ok(tlsrpt_sched_run(cfg, &ops, CLOSE, TLSRPT_SCHED_ALL_DAYS, NULL, 0,
	    &res) == 0 && deliveries == 0,
	    "R7 nothing at midnight: the delay runs first");

	now = CLOSE + delay;
	ok(tlsrpt_sched_run(cfg, &ops, now, TLSRPT_SCHED_ALL_DAYS, NULL, 0,
	    &res) == 0 && res.attempts == 3 && res.sent == 2 &&
	    res.failed == 1, "every rua delivered on its own (2 sent, 1 failed)");
	ok(forgotten_b == 1 && forgotten_a == 0,
	    "b.test forgotten; a.test kept while a rua is pending");
	ok(strstr(res.error, "503") != NULL, "the failure is reported");

	deliveries = 0;
	ok(tlsrpt_sched_run(cfg, &ops, now + 299, TLSRPT_SCHED_ALL_DAYS, NULL,
	    0, &res) == 0 && deliveries == 0, "R12 no retry before 5 min");
	ok(tlsrpt_sched_run(cfg, &ops, now + 300, TLSRPT_SCHED_ALL_DAYS, NULL,
	    0, &res) == 0 && deliveries == 1 &&
	    strcmp(last_rua, "https://r.a.test/") == 0,
	    "R12 only the failed rua is retried, after 5 min");
	ok(tlsrpt_sched_run(cfg, &ops, now + 300 + 599, TLSRPT_SCHED_ALL_DAYS,
	    NULL, 0, &res) == 0 && deliveries == 1,
	    "R12 back-off doubles (10 min)");

	/* report send: force ignores the back-off. */
	ok(tlsrpt_sched_run(cfg, &ops, now + 301, DAY, "a.test", 1, &res) ==
	    0 && deliveries == 2 && res.attempts == 1,
	    "report send --day D DOMAIN tries at once");

	/* The receiver stays down: dropped after 24 h, then forgotten. */
	deliveries = 0;
	while (forgotten_a == 0 && rounds++ < 2000) {
		now += 60;
		(void)tlsrpt_sched_run(cfg, &ops, now, TLSRPT_SCHED_ALL_DAYS,
		    NULL, 0, &res);
	}
	ok(forgotten_a == 1 && res.dropped == 1,
	    "R12 dropped after 24 h, then the day is forgotten");
	ok(deliveries > 4 && deliveries < 15,
	    "R12 a bounded number of retries (%u)", deliveries);
	ok(now - (CLOSE + delay) >= 86400 && now - (CLOSE + delay) < 86400 + 120,
	    "R12 the drop comes at 24 h");

	deliveries = 0;
	ok(tlsrpt_sched_run(cfg, &ops, now + 86400, TLSRPT_SCHED_ALL_DAYS, NULL,
	    0, &res) == 0 && deliveries == 0, "nothing left to send");

	/*
	 * Results counted after the day's report went out (report send of
	 * the open day): the same report is not sent twice; they go with
	 * the day (and a warning).
	 */
	forgotten_b = 0;
	ok(tlsrpt_sched_run(cfg, &ops, now + 86400, TLSRPT_SCHED_ALL_DAYS, NULL,
	    0, &res) == 0 && deliveries == 0 && res.attempts == 0 &&
	    forgotten_b == 1, "late results: not sent again, forgotten");
	test_thread(cfg);
	config_free(cfg);
	return done_testing();
}
