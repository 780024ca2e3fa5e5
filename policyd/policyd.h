/*
 * policyd.h - state shared by the modules of mtasts-policyd (state.c).
 *
 * The configuration can be replaced by SIGHUP while requests run, so a
 * module takes a reference with policyd_config_get() and gives it back with
 * policyd_config_put(); a reload builds the new config fully, then swaps.
 */
#ifndef MTASTS_POLICYD_H
#define MTASTS_POLICYD_H

#include <stdatomic.h>
#include <time.h>

#include "config.h"

struct policyd_stats {
	atomic_ulong lookups;		/* socketmap and control lookups */
	atomic_ulong hits;		/* answered from a valid cache entry */
	atomic_ulong misses;		/* had to wait for discovery */
	atomic_ulong discoveries;	/* discovery jobs run */
	atomic_ulong fetches;		/* HTTPS fetches started */
	atomic_ulong fetch_failures;	/* fetches that did not give a policy */
};

extern struct policyd_stats policyd_stats;
extern time_t policyd_started;
extern atomic_int policyd_stopping;

/* policyd_config_get - a counted reference to the current config. */
struct config *policyd_config_get(void);

/* policyd_config_put - give back a reference from policyd_config_get. */
void	policyd_config_put(struct config *cfg);

/* policyd_config_set - install cfg as the current config (takes ownership). */
void	policyd_config_set(struct config *cfg);

/* policyd_config_free_all - free every config ever current; at exit only. */
void	policyd_config_free_all(void);

#endif
