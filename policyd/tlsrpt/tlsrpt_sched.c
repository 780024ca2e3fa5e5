/*
 * NAME
 *	tlsrpt_sched - when TLS-RPT reports go out
 * SYNOPSIS
 *	#include "tlsrpt_sched.h"
 *
 *	int tlsrpt_sched_run(cfg, ops, now, day, domain, force, &res)
 *	int tlsrpt_sched_start(env)
 *	void tlsrpt_sched_kick(void)
 *	unsigned long tlsrpt_sched_passes(void)
 *	void tlsrpt_sched_stop(void)
 * DESCRIPTION
 *	A report (one UTC day, policy domain and TLS-RPT record) is due
 *	once its day has closed and a delay of up to tlsrpt_delay_max has
 *	passed (R7); the delay is spread by the report's UNIQUE, so it is
 *	the same after a restart. Each rua of the report has its own send
 *	state under "UNIQUE:N" (N the rua's index in the record, which the
 *	UNIQUE pins): it is tried when due, and its state records success,
 *	or the failure and the next try (tlsrpt_send_state_update: back-off
 *	from 5 min to 4 h, dropped after 24 h, R12). When every rua of every
 *	report of a (day, domain) is sent or dropped, the store forgets that
 *	(day, domain), so a report is never built twice after it went out.
 *
 *	tlsrpt_sched_run() does not wait or read the clock: the caller
 *	passes now; one run at a time (the thread and report send). The
 *	thread of tlsrpt_sched_start() runs it every minute and just after
 *	midnight of env->now(), only while tlsrpt_enable is on, so tests
 *	drive day rollover with their own clock.
 * DIAGNOSTICS
 *	Deliveries are logged: sent at info, each failure at notice with
 *	the next try, a drop at warning.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mono.h"
#include "tlsrpt_report.h"
#include "tlsrpt_sched.h"

#define TS_DAY	86400

static pthread_mutex_t sched_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sched_cv;		/* CLOCK_MONOTONIC: sched_cv_init */
static pthread_once_t sched_cv_once = PTHREAD_ONCE_INIT;
static pthread_t sched_tid;
static const struct tlsrpt_sched_env *sched_env;
static int sched_running, sched_stop, sched_kicked;
static unsigned long sched_npasses;
static pthread_mutex_t sched_run_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int sched_abort;		/* stopping: no new delivery */

/* sched_one - try the due rua of one report; 1 when all are finished */
static int
sched_one(const struct config *cfg, const struct tlsrpt_sched_ops *ops,
    const struct tlsrpt_report *r, int64_t now, int force,
    struct tlsrpt_sched_result *res)
{
	struct tlsrpt_send_state st;
	char unique[TLSRPT_UNIQUE_SIZE], key[TLSRPT_UNIQUE_SIZE + 32];
	char err[256];
	int64_t due;
	size_t i;
	int finished = 1, found, ok;

	if (tlsrpt_report_unique(r, unique) != 0)
		return 0;
	due = r->day_start + TS_DAY + tlsrpt_send_delay(unique,
	    (int64_t)cfg->tlsrpt_delay_max);
	if (!force && now < due)
		return 0;
	res->reports++;
	for (i = 0; i < r->nrua; i++) {
		if (atomic_load(&sched_abort))
			return 0;	/* the daemon is stopping */
		(void)snprintf(key, sizeof(key), "%s:%zu", unique, i);
		memset(&st, 0, sizeof(st));
		if ((found = ops->state_get(key, &st)) < 0)
			return 0;
		if (found && st.status != TLSRPT_SEND_PENDING)
			continue;
		if (found && !force && !tlsrpt_send_state_due(&st, now)) {
			finished = 0;
			continue;
		}
		err[0] = '\0';
		res->attempts++;
		ok = ops->deliver(cfg, r, r->rua[i], (time_t)now, err,
		    sizeof(err)) == 0;
		switch (tlsrpt_send_state_update(&st, now, ok, err)) {
		case TLSRPT_SEND_SENT:
			res->sent++;
			log_info("tlsrpt: report %s for %s sent to %s", unique,
			    r->policy_domain, r->rua[i]);
			break;
		case TLSRPT_SEND_PENDING:
			res->failed++;
			finished = 0;
			(void)snprintf(res->error, sizeof(res->error), "%s", err);
			log_notice("tlsrpt: report %s for %s to %s failed "
			    "(try %u): %s; next try in %lld s", unique,
			    r->policy_domain, r->rua[i], st.attempts, st.error,
			    (long long)(st.next - now));
			break;
		case TLSRPT_SEND_DROPPED:
			res->dropped++;
			(void)snprintf(res->error, sizeof(res->error), "%s", err);
			log_warnx("tlsrpt: report %s for %s to %s dropped after "
			    "%u tries in 24 h: %s", unique, r->policy_domain,
			    r->rua[i], st.attempts, st.error);
			break;
		}
		if (ops->state_put(key, r, i, &st) != 0)
			finished = 0;	/* keep the data: the state is lost */
	}
	return finished;
}

/*
 * sched_late - a report whose every destination was finished before this
 * pass still has results: they came after it went out (report send named
 * the open day). They are forgotten with the day; say so.
 */
static void
sched_late(const struct tlsrpt_report *r)
{
	uint64_t n = 0;
	size_t	i;

	for (i = 0; i < r->npolicies; i++)
		n += r->policies[i].success + r->policies[i].failure;
	if (n > 0)
		log_warnx("tlsrpt: %llu session(s) for %s counted after its "
		    "report for that day went out are not reported",
		    (unsigned long long)n, r->policy_domain);
}

/* sched_day - one day: every report, then forget the finished domains */
static void
sched_day(const struct config *cfg, const struct tlsrpt_sched_ops *ops,
    int64_t day, const char *domain, int64_t now, int force,
    struct tlsrpt_sched_result *res)
{
	struct tlsrpt_report *reps = NULL;
	size_t n = 0, i, j;
	char *done;
	int first, all;
	size_t tried;

	if (ops->reports(day, domain, &reps, &n) != 0) {
		log_warnx("tlsrpt: cannot read the reports of day %lld",
		    (long long)day);
		return;
	}
	if (n == 0) {
		ops->reports_free(reps, n);
		return;
	}
	if ((done = calloc(n, 1)) == NULL) {
		ops->reports_free(reps, n);
		return;
	}
	for (i = 0; i < n; i++) {
		tried = res->attempts;
		done[i] = (char)sched_one(cfg, ops, &reps[i], now, force, res);
		if (done[i] && res->attempts == tried)
			sched_late(&reps[i]);
	}
	/* A domain's data goes only when all of its reports are finished. */
	for (i = 0; i < n; i++) {
		first = 1;
		all = 1;
		for (j = 0; j < n; j++) {
			if (strcmp(reps[j].policy_domain,
			    reps[i].policy_domain) != 0)
				continue;
			if (j < i)
				first = 0;
			if (!done[j])
				all = 0;
		}
		if (first && all && ops->forget(day,
		    reps[i].policy_domain) >= 0)
			res->forgotten++;
	}
	free(done);
	ops->reports_free(reps, n);
}

/* tlsrpt_sched_run - one pass over the closed days */
int
tlsrpt_sched_run(const struct config *cfg,
    const struct tlsrpt_sched_ops *ops, int64_t now, int64_t day,
    const char *domain, int force, struct tlsrpt_sched_result *res)
{
	int64_t *days = NULL;
	size_t n = 0, i;

	memset(res, 0, sizeof(*res));
	pthread_mutex_lock(&sched_run_lock);
	if (day != TLSRPT_SCHED_ALL_DAYS) {
		sched_day(cfg, ops, day, domain, now, force, res);
		pthread_mutex_unlock(&sched_run_lock);
		return 0;
	}
	if (ops->days(&days, &n) != 0) {
		pthread_mutex_unlock(&sched_run_lock);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (days[i] + TS_DAY <= now)
			sched_day(cfg, ops, days[i], domain, now, force, res);
	pthread_mutex_unlock(&sched_run_lock);
	free(days);
	return 0;
}

/* sched_wait - seconds until the next pass: a minute, or just past midnight */
static int64_t
sched_wait(int64_t now)
{
	int64_t	next = now - (now % TS_DAY) + TS_DAY + 1 - now;

	if (now % TS_DAY < 0)
		next -= TS_DAY;
	return next > 0 && next < TLSRPT_SCHED_EVERY ? next :
	    TLSRPT_SCHED_EVERY;
}

/* sched_main - the scheduler thread */
static void *
sched_main(void *arg)
{
	struct tlsrpt_sched_result res;
	struct timespec ts;
	struct config *cfg;
	int64_t	now;

	(void)arg;
	pthread_mutex_lock(&sched_lock);
	while (!sched_stop) {
		sched_kicked = 0;
		pthread_mutex_unlock(&sched_lock);
		cfg = sched_env->cfg_get();
		if (cfg->tlsrpt_enable && tlsrpt_sched_run(cfg, sched_env->ops,
		    sched_env->now(), TLSRPT_SCHED_ALL_DAYS, NULL, 0, &res) != 0)
			log_warnx("tlsrpt: cannot read the report store");
		if (sched_env->housekeep != NULL)
			sched_env->housekeep(cfg, sched_env->now());
		sched_env->cfg_put(cfg);
		now = sched_env->now();
		pthread_mutex_lock(&sched_lock);
		sched_npasses++;
		pthread_cond_broadcast(&sched_cv);
		if (sched_stop || sched_kicked)
			continue;
		mono_deadline(&ts, (long long)sched_wait(now) * 1000);
		(void)pthread_cond_timedwait(&sched_cv, &sched_lock, &ts);
	}
	pthread_mutex_unlock(&sched_lock);
	return NULL;
}

/* sched_cv_init - put sched_cv on the monotonic clock (mono.c), once. */
static void
sched_cv_init(void)
{
	mono_cond_init(&sched_cv);
}

/* tlsrpt_sched_start - start the scheduler thread */
int
tlsrpt_sched_start(const struct tlsrpt_sched_env *env)
{
	int rc;

	pthread_once(&sched_cv_once, sched_cv_init);
	pthread_mutex_lock(&sched_lock);
	if (sched_running) {
		pthread_mutex_unlock(&sched_lock);
		return 0;
	}
	sched_env = env;
	sched_stop = 0;
	if ((rc = pthread_create(&sched_tid, NULL, sched_main, NULL)) != 0) {
		pthread_mutex_unlock(&sched_lock);
		errno = rc;
		log_warn("tlsrpt scheduler thread");
		return -1;
	}
	sched_running = 1;
	pthread_mutex_unlock(&sched_lock);
	return 0;
}

/* tlsrpt_sched_kick - wake the thread for a pass now */
void
tlsrpt_sched_kick(void)
{
	pthread_once(&sched_cv_once, sched_cv_init);
	pthread_mutex_lock(&sched_lock);
	sched_kicked = 1;
	pthread_cond_broadcast(&sched_cv);
	pthread_mutex_unlock(&sched_lock);
}

/* tlsrpt_sched_passes - passes finished so far */
unsigned long
tlsrpt_sched_passes(void)
{
	unsigned long n;

	pthread_once(&sched_cv_once, sched_cv_init);
	pthread_mutex_lock(&sched_lock);
	n = sched_npasses;
	pthread_mutex_unlock(&sched_lock);
	return n;
}

/* tlsrpt_sched_stop - stop and join the thread */
void
tlsrpt_sched_stop(void)
{
	pthread_once(&sched_cv_once, sched_cv_init);
	pthread_mutex_lock(&sched_lock);
	if (!sched_running) {
		pthread_mutex_unlock(&sched_lock);
		return;
	}
	sched_stop = 1;
	atomic_store(&sched_abort, 1);
	pthread_cond_broadcast(&sched_cv);
	pthread_mutex_unlock(&sched_lock);
	(void)pthread_join(sched_tid, NULL);
	atomic_store(&sched_abort, 0);
	pthread_mutex_lock(&sched_lock);
	sched_running = 0;
	pthread_mutex_unlock(&sched_lock);
}
