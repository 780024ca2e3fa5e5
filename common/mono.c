/*
 * mono.c - condition variables and deadlines on the monotonic clock.
 *
 * SYNOPSIS
 *	#include "mono.h"
 *
 *	void mono_cond_init(cv)
 *	void mono_deadline(ts, ms)
 *	long long mono_now_ms(void)
 *	int mono_left_ms(deadline, max)
 *	long long mono_since_ms(start)
 *
 * DESCRIPTION
 *	A pthread_cond_timedwait() deadline taken from CLOCK_REALTIME moves
 *	with the wall clock: stepped back an hour, a 5 s wait lasts an hour
 *	and five seconds; stepped forward, it ends at once. mono_cond_init()
 *	makes cv time its waits by CLOCK_MONOTONIC and mono_deadline() gives
 *	the matching absolute time ms milliseconds from now. Every timed
 *	wait of the daemons uses the two together (a static
 *	PTHREAD_COND_INITIALIZER is on CLOCK_REALTIME: give such a cv to
 *	mono_cond_init() once, before the first wait or signal).
 *
 *	mono_left_ms() is the other side of a deadline: the milliseconds
 *	still left, 0 once it has passed, and never more than max (poll()
 *	takes an int); mono_since_ms() measures how long something took.
 *	These are the only copies of that arithmetic in the tree: the
 *	resolver, the policy fetch, the MX probe and the report mailer all
 *	use them.
 *
 * DIAGNOSTICS
 *	mono_cond_init() exits via fatalx() when the clock cannot be set: a
 *	daemon whose waits would follow the wall clock does not start.
 */
#include "autoconf.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mono.h"

/* mono_cond_init - see the top of the file. */
void
mono_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t attr;
	int	r;

	if ((r = pthread_condattr_init(&attr)) != 0)
		fatalx("pthread_condattr_init: %s", strerror(r));
	if ((r = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)) != 0 ||
	    (r = pthread_cond_init(cv, &attr)) != 0)
		fatalx("monotonic condition variable: %s", strerror(r));
	pthread_condattr_destroy(&attr);
}

/* mono_deadline - CLOCK_MONOTONIC now plus ms (ms >= 0) into *ts. */
void
mono_deadline(struct timespec *ts, long long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	if (ms < 0)
		ms = 0;
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* mono_now_ms - see mono.h. */
long long
mono_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* mono_left_ms - see mono.h. */
int
mono_left_ms(const struct timespec *deadline, int max)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return 0;
	if (ms > max)
		ms = max;
	return (int)ms;
}

/* mono_since_ms - see mono.h. */
long long
mono_since_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}
