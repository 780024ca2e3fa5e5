/*
 * tlsrpt_sched.h - when reports go out: after a UTC day closes plus a
 * spread delay (R7), to every rua independently, retried with back-off
 * for 24 h (R12), then the day's data is forgotten. The store, the send
 * state and the delivery are reached through ops, so the daemon wires in
 * tlsrpt_store.c, cache.c and tlsrpt_send.c and the tests their fakes and
 * their own clock.
 */
#ifndef MTASTS_TLSRPT_SCHED_H
#define MTASTS_TLSRPT_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "tlsrpt.h"
#include "tlsrpt_send.h"

struct tlsrpt_sched_ops {
	/* The days with data, ascending (tlsrpt_store_days). */
	int	(*days)(int64_t **out, size_t *n);
	/* The reports of a day, domain NULL = all (tlsrpt_reports). */
	int	(*reports)(int64_t day, const char *domain,
		    struct tlsrpt_report **out, size_t *n);
	void	(*reports_free)(struct tlsrpt_report *r, size_t n);
	/* Forget a day's data for a domain (tlsrpt_store_forget). */
	long	(*forget)(int64_t day, const char *domain);
	/* Send state by key "UNIQUE:N": 1 found, 0 not, -1 error. */
	int	(*state_get)(const char *key, struct tlsrpt_send_state *st);
	/* ... r and r->rua[rua] are what the state is about (for lists). */
	int	(*state_put)(const char *key, const struct tlsrpt_report *r,
		    size_t rua, const struct tlsrpt_send_state *st);
	/* One delivery (tlsrpt_send_deliver). */
	int	(*deliver)(const struct config *cfg,
		    const struct tlsrpt_report *r, const char *rua, time_t now,
		    char *err, size_t errsz);
};

/* What one run did. */
struct tlsrpt_sched_result {
	size_t	reports;		/* reports looked at */
	size_t	attempts;		/* deliveries tried */
	size_t	sent;			/* ... accepted */
	size_t	failed;			/* ... failed, to be retried */
	size_t	dropped;		/* ... failed for the last time */
	size_t	forgotten;		/* (day, domain) pairs finished */
	char	error[256];		/* the last delivery error */
};

#define TLSRPT_SCHED_ALL_DAYS	(-1)

/*
 * tlsrpt_sched_run - one pass at time now over the closed days (or only
 * day, when not TLSRPT_SCHED_ALL_DAYS) and every domain (or only domain).
 * A report is due once its day closed plus tlsrpt_send_delay() of
 * tlsrpt_delay_max; force (mtasts-ctl report send) skips the delay and
 * the back-off, not the closed-day rule unless day is given. Returns 0,
 * or -1 when the store could not be read.
 */
int	tlsrpt_sched_run(const struct config *cfg,
	    const struct tlsrpt_sched_ops *ops, int64_t now, int64_t day,
	    const char *domain, int force, struct tlsrpt_sched_result *res);

/*
 * The scheduler thread: every TLSRPT_SCHED_EVERY seconds, one second after
 * each UTC day boundary of now(), and at once after tlsrpt_sched_kick, it
 * takes the config with cfg_get, and when tlsrpt_enable is on runs
 * tlsrpt_sched_run at now() over all closed days, then housekeep, and
 * gives the config back with cfg_put. now is the clock (the daemon's
 * tlsrpt_store_now; tests inject theirs). Runs never overlap: a
 * tlsrpt_sched_run from another thread (report send) waits for a pass.
 */
#define TLSRPT_SCHED_EVERY	60

struct tlsrpt_sched_env {
	const struct tlsrpt_sched_ops *ops;
	struct config *(*cfg_get)(void);
	void	(*cfg_put)(struct config *);
	int64_t	(*now)(void);
	/* Every pass, reporting on or off (retention); may be NULL. */
	void	(*housekeep)(const struct config *cfg, int64_t now);
};

/* tlsrpt_sched_start - start the thread (env is kept, not copied). 0 or -1. */
int	tlsrpt_sched_start(const struct tlsrpt_sched_env *env);

/* tlsrpt_sched_kick - run a pass now (after a clock jump, in tests). */
void	tlsrpt_sched_kick(void);

/* tlsrpt_sched_passes - how many passes the thread has finished. */
unsigned long tlsrpt_sched_passes(void);

/*
 * tlsrpt_sched_stop - stop and join the thread: no delivery starts after
 * this is called (a run in progress, the thread's or report send's,
 * finishes the one it is in and leaves the rest for later).
 */
void	tlsrpt_sched_stop(void);

#endif
