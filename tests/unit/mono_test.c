/*
 * mono_test.c - common/mono.c: a condition variable from mono_cond_init()
 * times out at a mono_deadline() deadline, neither at once (the deadline
 * read against another clock lies in the past) nor never; mono_left_ms()
 * counts down to a deadline and stops at 0 and at its cap; mono_since_ms()
 * measures a sleep.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "mono.h"
#include "tap.h"

/* main - one timed wait, one deadline check. */
int
main(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv;
	struct timespec t0, until, now, nap;
	long long el;
	int	left, r = 0;

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
	el = mono_since_ms(&t0);
	ok(r == ETIMEDOUT, "timed wait ends by timeout");
	ok(el >= 190 && el < 5000, "it waited about 200 ms (%lld ms)", el);
	clock_gettime(CLOCK_MONOTONIC, &now);
	mono_deadline(&until, -5);
	ok(until.tv_sec < now.tv_sec + 1, "a negative wait is now");

	mono_deadline(&until, 1500);
	left = mono_left_ms(&until, 60000);
	ok(left > 1400 && left <= 1500, "1.5 s deadline: %d ms left", left);
	ok(mono_left_ms(&until, 100) == 100, "left is capped at max");
	mono_deadline(&until, 0);
	ok(mono_left_ms(&until, 60000) == 0, "a deadline of now has 0 left");
	until.tv_sec -= 10;
	ok(mono_left_ms(&until, 60000) == 0, "a past deadline has 0 left");
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec = 999999999L;	/* a deadline in nanoseconds' carry */
	until.tv_sec += 2;
	left = mono_left_ms(&until, 60000);
	ok(left > 1900 && left <= 3000, "nanoseconds counted (%d ms)", left);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	nap.tv_sec = 0;
	nap.tv_nsec = 150 * 1000000L;
	while (nanosleep(&nap, &nap) == -1)
		;
	el = mono_since_ms(&t0);
	ok(el >= 150 && el < 5000, "150 ms sleep measured (%lld ms)", el);
	mono_deadline(&until, 300);
	el = mono_since_ms(&until);
	ok(el <= -290 && el > -400, "since a future time is negative (%lld)",
	    el);
	pthread_cond_destroy(&cv);
	return done_testing();
}
