/*
 * pool_test.c - policyd/pool.c, the job pool of discovery and route
 * probes: requests for one key share one job, flags are ORed in, the
 * front queue runs first, waits time out and get the job's result, a
 * full queue refuses, a request wanting more than a running job gets a
 * follow-up run, and a stopped pool takes nothing.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"
#include "tap.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int gate_open, started, b_flags = -1, r_flags[4], r_runs;
static char order[64];

/* run - count, note the order, wait for the gate; result = flags + 100. */
static void
run(const char *key, int flags, void *result)
{
	pthread_mutex_lock(&mu);
	started++;
	strncat(order, key, sizeof(order) - strlen(order) - 1);
	if (strcmp(key, "b") == 0)
		b_flags = flags;
	if (strcmp(key, "r") == 0 && r_runs < 4)
		r_flags[r_runs++] = flags;
	pthread_cond_broadcast(&cv);
	while (!gate_open)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	*(int *)result = flags + 100;
}

/* wait_started - until n jobs have started. */
static void
wait_started(int n)
{
	pthread_mutex_lock(&mu);
	while (started < n)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

/* gate - open or close the gate. */
static void
gate(int open)
{
	pthread_mutex_lock(&mu);
	gate_open = open;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

/* wait_idle - until nothing is queued or running. */
static void
wait_idle(struct pool *p)
{
	int	i;

	for (i = 0; i < 5000 && pool_pending(p) != 0; i++)
		usleep(1000);
}

/* main - one thread, so the order of the jobs is the pool's. */
int
main(void)
{
	struct pool *p = pool_new("test", 3, sizeof(int), run);
	int	res = 0, r, i;

	ok(p != NULL && pool_start(p, 1) == 0, "a pool of one thread");
	ok(pool_wait(p, "none", 0, 0, 10, NULL) == 2,
	    "waiting for a key without a job: 2");

	ok(pool_submit(p, "x", 0, 0) == 0, "x queued");
	wait_started(1);
	ok(pool_busy(p, "x") == 1, "x is busy while it runs");
	ok(pool_submit(p, "x", 0, 0) == 0 && pool_pending(p) == 1,
	    "a second x while x runs joins it");
	ok(pool_submit(p, "b", 1, 0) == 0 && pool_submit(p, "b", 2, 0) == 0,
	    "b queued twice with flags 1 and 2");
	ok(pool_submit(p, "f", 0, 1) == 0, "f queued at the front");
	ok(pool_pending(p) == 3, "pending: x running, b and f queued (%zu)",
	    pool_pending(p));
	ok(pool_wait(p, "f", 0, 0, 50, &res) == 0, "a wait runs out: 0");

	gate(1);
	wait_idle(p);
	ok(b_flags == 3, "b ran once, with flags 1|2 (%d)", b_flags);
	ok(strcmp(order, "xfb") == 0, "front before back: %s", order);
	ok(pool_busy(p, "x") == 0 && pool_busy(p, "b") == 0,
	    "finished jobs leave the table");
	r = pool_wait(p, "n", 4, 1, 5000, &res);
	ok(r == 1 && res == 104, "wait with create runs a new job and gets "
	    "its result (%d, %d)", r, res);

	/* a forced request while an unforced job of its key runs */
	gate(0);
	started = 0;
	order[0] = '\0';
	ok(pool_submit(p, "r", 0, 0) == 0, "r queued without flags");
	wait_started(1);
	ok(pool_submit(p, "r", 0, 1) == 0 && pool_pending(p) == 1,
	    "r again without flags joins the running r");
	gate(1);
	wait_idle(p);
	ok(strcmp(order, "r") == 0, "r ran once (%s)", order);
	gate(0);
	started = 0;
	order[0] = '\0';
	r_runs = 0;
	ok(pool_submit(p, "r", 0, 0) == 0, "r queued without flags");
	wait_started(1);
	ok(pool_wait(p, "r", 16, 1, 0, NULL) == 0,
	    "a wait for r with flags 16 while r runs without: not yet");
	ok(pool_submit(p, "r", 8, 0) == 0,
	    "r asked for with flags 8 while it runs");
	ok(pool_pending(p) == 1, "the follow-up is not run beside r (%zu)",
	    pool_pending(p));
	gate(1);
	wait_idle(p);
	ok(strcmp(order, "rr") == 0 && pool_busy(p, "r") == 0,
	    "r ran twice, one after the other (%s)", order);
	ok(r_runs == 2 && r_flags[0] == 0 && r_flags[1] == 24,
	    "the follow-up ran with flags 8|16 (%d runs, %d, %d)", r_runs,
	    r_flags[0], r_flags[1]);

	gate(0);
	started = 0;
	ok(pool_submit(p, "h", 0, 0) == 0, "h queued");
	wait_started(1);
	for (i = 0; i < 3; i++)
		pool_submit(p, i == 0 ? "q0" : i == 1 ? "q1" : "q2", 0, 0);
	ok(pool_submit(p, "q3", 0, 0) == -1,
	    "a fourth background job on a full queue (3) is refused");
	ok(pool_submit(p, "fr", 0, 1) == 0,
	    "the front queue has room of its own");

	pool_stop(p);
	ok(pool_submit(p, "late", 0, 0) == -1 &&
	    pool_wait(p, "late", 0, 1, 10, NULL) == -1,
	    "a stopped pool takes nothing");
	gate(1);
	usleep(100000);
	return done_testing();
}
