/*
 * mono.h - condition variables and deadlines on CLOCK_MONOTONIC (mono.c).
 */
#ifndef MTASTS_MONO_H
#define MTASTS_MONO_H

#include <pthread.h>
#include <time.h>

/* mono_cond_init - initialise cv to time its waits by CLOCK_MONOTONIC. */
void	mono_cond_init(pthread_cond_t *cv);

/* mono_deadline - the CLOCK_MONOTONIC time ms milliseconds from now. */
void	mono_deadline(struct timespec *ts, long long ms);

/* mono_now_ms - CLOCK_MONOTONIC in milliseconds (for deadlines and intervals). */
long long mono_now_ms(void);

/* mono_left_ms - milliseconds until deadline: 0 when past, at most max. */
int	mono_left_ms(const struct timespec *deadline, int max);

/* mono_since_ms - milliseconds since start (a CLOCK_MONOTONIC time). */
long long mono_since_ms(const struct timespec *start);

#endif
