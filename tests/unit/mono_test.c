/*
 * mono_test.c - common/mono.c: a condition variable from mono_cond_init()
 * times out at a mono_deadline() deadline, neither at once (the deadline
 * read against another clock lies in the past) nor never.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "mono.h"
#include "tap.h"

/* ms_since - monotonic milliseconds since *t0. */
static long long
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)(t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* main - one timed wait, one deadline check. */
int
main(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv;
	struct timespec t0, until, now;
	long long el;
	int	r = 0;

	mono_cond_init(&cv);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mono_deadline(&until, 1500);
	el = (long long)(until.tv_sec - t0.tv_sec) * 1000 +
	    (until.tv_nsec - t0.tv_nsec) / 1000000;
	ok(el >= 1500 && el < 1600,
	    "deadline is 1.5 s ahead on CLOCK_MONOTONIC (%lld ms)", el);
	ok(until.tv_nsec >= 0 && until.tv_nsec < 1000000000L,
	    "nanoseconds normalised");
	mono_deadline(&until, 200);
	pthread_mutex_lock(&m);
	while (r == 0)
		r = pthread_cond_timedwait(&cv, &m, &until);
	pthread_mutex_unlock(&m);
	el = ms_since(&t0);
	ok(r == ETIMEDOUT, "timed wait ends by timeout");
	ok(el >= 190 && el < 5000, "it waited about 200 ms (%lld ms)", el);
	clock_gettime(CLOCK_MONOTONIC, &now);
	mono_deadline(&until, -5);
	ok(until.tv_sec < now.tv_sec + 1, "a negative wait is now");
	pthread_cond_destroy(&cv);
	return done_testing();
}
