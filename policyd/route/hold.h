/*
 * hold.h - the registry of messages the milter quarantined, and their
 * release (DESIGN §6): kept in the cache's "hold" table, so it survives
 * restarts; released through the privileged helper (privsep.h).
 */
#ifndef MTASTS_HOLD_H
#define MTASTS_HOLD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define HOLD_MIN_AGE		2	/* first release not sooner (seconds) */
#define HOLD_AGAIN		60	/* released once more after this */
#define HOLD_DOMAINS_MAX	1000	/* recipient domains of one message (= the milter's) */
#define HOLD_RETRY_MAX		1800	/* a failed release is retried this often */

/* hold_start - start the release scheduler thread. 0 or -1. */
int	hold_start(void);

/* hold_stop - stop it; a release in progress finishes in the helper. */
void	hold_stop(void);

/*
 * hold_register - record that queue_id is held for the n domains (host
 * names; normalised here). A second registration of the same id adds its
 * domains and keeps the first time. 0 with *held_at set, or -1 with a
 * reason in err (bad queue id, bad domain, cache write failed).
 */
int	hold_register(const char *queue_id, char *const *domains, size_t n,
	    int64_t *held_at, char *err, size_t errsz);

/*
 * hold_list - the held messages as a JSON array of {queue_id, held_at,
 * domains: [{domain, state}], released_at, release_failures}; the states
 * are read without starting anything. New reference.
 */
json_t *hold_list(void);

/*
 * hold_release - run release_command for queue_id now and forget the
 * hold, whatever the commands answer. 1 released (*result, a new JSON
 * object with queue_id, status and error, when result is not NULL), 0 not
 * held, -1 error.
 */
int	hold_release(const char *queue_id, json_t **result);

/* hold_release_all - hold_release for every hold; appends to results. */
long	hold_release_all(json_t *results);

/* hold_count - the number of held messages, or -1. */
long	hold_count(void);

#endif
