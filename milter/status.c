/*
 * NAME
 *	status - MTA-STS states and the MTA-STS-Status header (DESIGN §6)
 * SYNOPSIS
 *	#include "status.h"
 *
 *	const char *sts_state_name(st)
 *	int sts_state_parse(word, st)
 *	int sts_state_holds(st)
 *	char *status_header_value(l)
 * DESCRIPTION
 *	The states are the words policyd's "sts" verb answers, plus
 *	"unknown" for a domain policyd could not be asked about in time.
 *	A message waits in quarantine while any domain is "pending",
 *	"enforce/pending" or "enforce/failed"; the others are settled.
 *
 *	The header value lists "domain=state" in order of first recipient,
 *	"; " between them. A long list is folded before a domain: the
 *	separator's space becomes "\n " (libmilter's way of writing a
 *	folded line), so unfolding (RFC 5322 §2.2.3) gives back exactly
 *	"; ".
 * DIAGNOSTICS
 *	The string builders return NULL when memory runs out.
 */
#include <stdlib.h>
#include <string.h>

#include "milter.h"
#include "rcpt.h"
#include "status.h"

static const char *const status_names[] = {
	[STS_NONE] = "none",
	[STS_TESTING] = "testing",
	[STS_ENFORCE_CONFIRMED] = "enforce/confirmed",
	[STS_ENFORCE_PENDING] = "enforce/pending",
	[STS_ENFORCE_FAILED] = "enforce/failed",
	[STS_PENDING] = "pending",
	[STS_UNKNOWN] = "unknown",
};

#define STATUS_NSTATES	(sizeof(status_names) / sizeof(status_names[0]))

/* sts_state_name - the word for a state. */
const char *
sts_state_name(enum sts_state st)
{
	if ((size_t)st >= STATUS_NSTATES)
		return "unknown";
	return status_names[st];
}

/*
 * sts_state_parse - a word from policyd into a state. "unknown" is ours,
 * never policyd's, and is refused like any other stranger.
 */
int
sts_state_parse(const char *word, enum sts_state *st)
{
	size_t	i;

	if (word == NULL)
		return -1;
	for (i = 0; i < STATUS_NSTATES; i++) {
		if (i == STS_UNKNOWN)
			continue;
		if (strcmp(word, status_names[i]) == 0) {
			*st = (enum sts_state)i;
			return 0;
		}
	}
	return -1;
}

/* sts_state_holds - pending, enforce/pending and enforce/failed hold. */
int
sts_state_holds(enum sts_state st)
{
	return st == STS_PENDING || st == STS_ENFORCE_PENDING ||
	    st == STS_ENFORCE_FAILED;
}

/* status_header_value - "d1=state; d2=state", folded when long. */
char *
status_header_value(const struct rcpt_list *l)
{
	const char *state;
	char   *buf, *p;
	size_t	i, size, item, line;

	size = 1;
	for (i = 0; i < l->n; i++)
		size += strlen(l->v[i].name) + 1 +
		    strlen(sts_state_name(l->v[i].state)) + 3;
	if ((buf = malloc(size)) == NULL)
		return NULL;
	p = buf;
	line = strlen(STATUS_HEADER) + 2;	/* "MTA-STS-Status: " */
	for (i = 0; i < l->n; i++) {
		state = sts_state_name(l->v[i].state);
		item = strlen(l->v[i].name) + 1 + strlen(state);
		if (i > 0) {
			*p++ = ';';
			line++;
			if (line + 1 + item > STATUS_FOLD_AT) {
				*p++ = '\n';
				line = 0;
			}
			*p++ = ' ';
			line++;
		}
		p += strlen(strcpy(p, l->v[i].name));
		*p++ = '=';
		p += strlen(strcpy(p, state));
		line += item;
	}
	*p = '\0';
	return buf;
}
