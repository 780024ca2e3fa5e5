/*
 * state.c - the running state of mtasts-policyd: configuration, counters,
 *	stopping flag.
 *
 * SYNOPSIS
 *	#include "policyd.h"
 *
 * DESCRIPTION
 *	The state every module reads lives here, below all of them, so
 *	main.c stays the top of the include graph: main.c installs the
 *	configuration (policyd_config_set) and raises policyd_stopping; the
 *	other modules take counted references to the configuration and bump
 *	the counters.
 *
 * DIAGNOSTICS
 *	policyd_config_set exits via fatal() when out of memory.
 */
#include "autoconf.h"

#include <pthread.h>
#include <stdlib.h>

#include "log.h"
#include "policyd.h"

struct policyd_stats policyd_stats;
time_t	policyd_started;
atomic_int policyd_stopping;

struct cfgref {
	struct config *cfg;
	int	refs;
	struct cfgref *prev;	/* the one it replaced */
};

static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cfgref *current;

/* policyd_config_get - a counted reference to the current config. */
struct config *
policyd_config_get(void)
{
	struct config *cfg;

	pthread_mutex_lock(&cfg_lock);
	current->refs++;
	cfg = current->cfg;
	pthread_mutex_unlock(&cfg_lock);
	return cfg;
}

/*
 * policyd_config_put - give a reference back. Superseded configs are
 * kept (a reload is rare and a config is small), so a reference taken
 * before a reload stays good; only the count of the current one matters.
 */
void
policyd_config_put(struct config *cfg)
{
	pthread_mutex_lock(&cfg_lock);
	if (current->cfg == cfg)
		current->refs--;
	pthread_mutex_unlock(&cfg_lock);
}

/* policyd_config_set - make cfg current. */
void
policyd_config_set(struct config *cfg)
{
	struct cfgref *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatal("config");
	r->cfg = cfg;
	r->refs = 1;
	pthread_mutex_lock(&cfg_lock);
	r->prev = current;	/* the old one stays allocated: see above */
	current = r;
	pthread_mutex_unlock(&cfg_lock);
}

/* policyd_config_free_all - free every config ever current (at exit only). */
void
policyd_config_free_all(void)
{
	struct cfgref *r, *prev;

	pthread_mutex_lock(&cfg_lock);
	for (r = current; r != NULL; r = prev) {
		prev = r->prev;
		config_free(r->cfg);
		free(r);
	}
	current = NULL;
	pthread_mutex_unlock(&cfg_lock);
}
