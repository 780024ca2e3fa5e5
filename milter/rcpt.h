/*
 * rcpt.h - the recipient domains of one message.
 */
#ifndef MTASTS_RCPT_H
#define MTASTS_RCPT_H

#include <stddef.h>

#include "mx_match.h"
#include "status.h"

/* What rcpt_domain() made of an envelope recipient. */
enum rcpt_kind {
	RCPT_DOMAIN = 0,	/* out holds the domain */
	RCPT_NO_DOMAIN,		/* "postmaster", "user@" */
	RCPT_LITERAL,		/* "user@[192.0.2.1]" */
	RCPT_BAD_DOMAIN		/* not an LDH name: a U-label, junk */
};

/* One recipient domain and what policyd said about it. */
struct rcpt_dom {
	char	name[DNS_NAME_MAX + 1];
	enum sts_state state;
};

/* The domains of one message, in order of first recipient. */
struct rcpt_list {
	size_t	n;
	size_t	cap;
	struct rcpt_dom *v;
};

/*
 * rcpt_domain - the domain of an envelope recipient as the MTA passes it
 * ("<user@Example.COM>", with or without brackets and a source route),
 * lower-cased into out (size outsz, at least DNS_NAME_MAX + 1).
 */
enum rcpt_kind rcpt_domain(const char *addr, char *out, size_t outsz);

/* rcpt_kind_name - a word for the log. */
const char *rcpt_kind_name(enum rcpt_kind kind);

/*
 * rcpt_list_add - append name unless it is there already (state
 * STS_UNKNOWN). Returns 1 when added, 0 when known, -1 when full
 * (MILTER_MAX_DOMAINS) or out of memory.
 */
int	rcpt_list_add(struct rcpt_list *l, const char *name);

/* rcpt_list_clear - forget every domain (the memory is kept for reuse). */
void	rcpt_list_clear(struct rcpt_list *l);

/* rcpt_list_free - release the memory. */
void	rcpt_list_free(struct rcpt_list *l);

#endif
