/*
 * lookup.h - what a socketmap or control lookup answers (DESIGN §4).
 */
#ifndef MTASTS_LOOKUP_H
#define MTASTS_LOOKUP_H

#include <stddef.h>
#include <time.h>

#include "mxset.h"
#include "record.h"

enum lookup_map {
	MAP_STS,		/* plain Postfix / Sendmail TLS policy */
	MAP_STS_TLSRPT		/* plus the Postfix >= 3.10 TLSRPT attributes */
};

struct lookup {
	char	domain[256];	/* normalised key */
	int	valid_key;	/* 0: answered NOTFOUND without a look */
	int	have;		/* rec holds the cache entry */
	struct record rec;
	int	applies;	/* rec is a policy that applies now */
	int	require_sni;	/* append servername=hostname */
	enum { LOOKUP_DANE_NO, LOOKUP_DANE, LOOKUP_DANE_ONLY } dane;
	const char *mxnames;	/* in mxval: resolved MX names to answer */
	char	mxval[MXSET_VALUE_MAX];	/* the domain's CACHE_MX value */
};

/*
 * lookup_run - answer for key: normalise, read the cache, start or wait
 * for discovery as DESIGN §4 says. Fills lk (free with lookup_free).
 */
void	lookup_run(const char *key, size_t keylen, struct lookup *lk);
void	lookup_free(struct lookup *lk);

/*
 * lookup_answer - write the socketmap reply text for lk and map into out
 * (size outsz, NUL-terminated); returns its length.
 */
size_t	lookup_answer(const struct lookup *lk, enum lookup_map map, char *out,
	    size_t outsz);

#endif
