/*
 * mxset.h - the resolved MX host names a policy lists, kept per domain for
 * the socketmap answer (Postfix "secure match=").
 */
#ifndef MTASTS_MXSET_H
#define MTASTS_MXSET_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "record.h"

#define MXSET_FORMAT	1	/* version of the stored value */
#define MXSET_MAX_NAMES	16	/* names kept; more are left out (logged) */
#define MXSET_MAX_AGE	86400	/* older names are not answered */
#define MXSET_REWRITE	3600	/* unchanged names are rewritten this often */
#define MXSET_VALUE_MAX	(64 + MXSET_MAX_NAMES * 254)

/*
 * mxset_update - for a domain whose cached policy makes the answer
 * "secure", resolve its MX RRset and store the exchange names the policy
 * lists (no MX: the domain itself, RFC 5321 §5.1); for any other domain
 * forget what is stored. A failed MX lookup keeps what is stored. Runs on
 * a worker thread, after each discovery or TXT check.
 */
void	mxset_update(const char *domain);

/*
 * mxset_names - parse a stored value (NUL-terminated, len bytes). When it
 * was written for policy id, at most MXSET_MAX_AGE before now, and names
 * at least one host, *names points into val at the colon-separated list
 * (ending at the NUL) and 1 is returned; otherwise 0. *resolved_at gets
 * the time it was written whenever the value parses (may be NULL).
 */
int	mxset_names(const char *val, size_t len, const char *id, int64_t now,
	    const char **names, int64_t *resolved_at);

/*
 * mxset_show - set "mx_names" (the names the answer gives, [] when it
 * gives the patterns) and "mx_names_at" (when they were resolved, or
 * null) in the show object o of domain's cached rec.
 */
void	mxset_show(json_t *o, const char *domain, const struct record *rec,
	    int64_t now);

#endif
