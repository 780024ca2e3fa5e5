/*
 * mxset.h - what a domain's MX RRset says for the socketmap answer: the
 * resolved MX host names the policy lists (Postfix "secure match=") and
 * whether DANE applies (RFC 7672, RFC 8461 §2), kept per domain.
 */
#ifndef MTASTS_MXSET_H
#define MTASTS_MXSET_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "record.h"

#define MXSET_FORMAT	2	/* version of the stored value (1 still read) */
#define MXSET_MAX_NAMES	16	/* names kept; more are left out (logged) */
#define MXSET_MAX_AGE	86400	/* older values are not answered */
#define MXSET_REWRITE	3600	/* unchanged values are rewritten this often */
#define MXSET_TTL_MIN	60	/* TLSA TTLs below this count as this */
#define MXSET_VALUE_MAX	(96 + MXSET_MAX_NAMES * 254)

/* What DANE makes of a domain. */
enum mxset_dane {
	MXSET_DANE_NONE = 0,	/* no DANE: MX RRset not secure, no usable TLSA */
	MXSET_DANE_APPLIES,	/* secure MX RRset, usable TLSA on an MX host */
	MXSET_DANE_FAILED	/* bogus MX or TLSA answer: a DANE failure */
};

/* A parsed stored value; the strings point into the value. */
struct mxset_view {
	const char *names;	/* ':'-joined listed MX hosts, or NULL */
	enum mxset_dane dane;
	int64_t	resolved_at;	/* when it was written */
	int64_t	refresh_at;	/* 0, or when a TLSA TTL runs out */
};

/*
 * mxset_update - for a domain whose cached policy makes the answer
 * "secure", or that is in mode testing while dane = auto, resolve its MX
 * RRset and store the exchange names the policy lists (no MX: the domain
 * itself, RFC 5321 §5.1) and, with dane = auto, whether DANE applies:
 * the TLSA RRsets of the MX hosts when the MX RRset is secure. For any
 * other domain forget what is stored. A failed lookup keeps what is
 * stored. Runs on a worker thread, after each discovery or TXT check.
 */
void	mxset_update(const char *domain);

/*
 * mxset_view - parse a stored value (NUL-terminated, len bytes) into v.
 * 1 when it was written for policy id at most MXSET_MAX_AGE before now
 * (v->names NULL when it lists no host); otherwise 0, with v->names NULL,
 * v->dane MXSET_DANE_NONE and v->resolved_at set whenever it parses.
 */
int	mxset_view(const char *val, size_t len, const char *id, int64_t now,
	    struct mxset_view *v);

/* mxset_dane_name - "none", "dane", "failed". */
const char *mxset_dane_name(enum mxset_dane d);

/*
 * mxset_show - set "mx_names" (the names the answer gives, [] when it
 * gives the patterns), "mx_names_at" (when they were resolved, or null)
 * and "dane" (mxset_dane_name, or null when unknown) in the show object
 * o of domain's cached rec.
 */
void	mxset_show(json_t *o, const char *domain, const struct record *rec,
	    int64_t now);

#endif
