/*
 * NAME
 *	rcpt - the recipient domains of one message
 * SYNOPSIS
 *	#include "rcpt.h"
 *
 *	enum rcpt_kind rcpt_domain(addr, out, outsz)
 *	const char *rcpt_kind_name(kind)
 *	int rcpt_list_add(l, name)
 *	void rcpt_list_clear(l), rcpt_list_free(l)
 * DESCRIPTION
 *	rcpt_domain() takes an envelope recipient as the MTA hands it to
 *	the milter (Postfix and Sendmail pass "<local@domain>"), drops the
 *	angle brackets and an RFC 5321 source route ("@a,@b:"), and splits
 *	at the last '@' (a quoted local part may hold '@' itself). The
 *	domain is the socketmap key normalisation of DESIGN §4: lower-case,
 *	one trailing dot dropped, LDH labels only. MTA-STS applies to host
 *	names, so an address literal is skipped, and so is a domain that is
 *	not an A-label (SMTPUTF8 U-labels: the MTA delivers those to an
 *	A-label host that policyd cannot be asked about under another name).
 *
 *	rcpt_list keeps the domains of a message in order of first
 *	appearance, each once, with the state policyd reported.
 * DIAGNOSTICS
 *	rcpt_list_add() returns -1 when the list is full or memory runs out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "milter.h"
#include "rcpt.h"

/* rcpt_is_space - SP or HTAB. */
static int
rcpt_is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* rcpt_domain - the normalised domain of an envelope recipient. */
enum rcpt_kind
rcpt_domain(const char *addr, char *out, size_t outsz)
{
	const char *s, *e, *at, *p;

	if (addr == NULL || out == NULL || outsz == 0)
		return RCPT_NO_DOMAIN;
	out[0] = '\0';
	s = addr;
	e = addr + strlen(addr);
	while (s < e && rcpt_is_space(*s))
		s++;
	while (e > s && rcpt_is_space(e[-1]))
		e--;
	if (e - s >= 2 && *s == '<' && e[-1] == '>') {
		s++;
		e--;
	}
	/* A source route "@a,@b:" ends at the first ':'. */
	if (s < e && *s == '@') {
		if ((p = memchr(s, ':', (size_t)(e - s))) == NULL)
			return RCPT_NO_DOMAIN;
		s = p + 1;
	}
	at = NULL;
	for (p = s; p < e; p++)
		if (*p == '@')
			at = p;
	if (at == NULL || at + 1 == e)
		return RCPT_NO_DOMAIN;
	s = at + 1;
	if (*s == '[')
		return RCPT_LITERAL;
	/*
	 * host_normalize() reads "host:port" as a socketmap key; neither
	 * a port nor a path belongs in a recipient domain.
	 */
	if (memchr(s, ':', (size_t)(e - s)) != NULL ||
	    memchr(s, '/', (size_t)(e - s)) != NULL)
		return RCPT_BAD_DOMAIN;
	if (host_normalize(s, (size_t)(e - s), out, outsz) != 0) {
		out[0] = '\0';
		return RCPT_BAD_DOMAIN;
	}
	return RCPT_DOMAIN;
}

/* rcpt_kind_name - a word for the log. */
const char *
rcpt_kind_name(enum rcpt_kind kind)
{
	switch (kind) {
	case RCPT_DOMAIN:
		return "domain";
	case RCPT_NO_DOMAIN:
		return "no domain";
	case RCPT_LITERAL:
		return "address literal";
	case RCPT_BAD_DOMAIN:
		return "not an LDH domain";
	}
	return "?";
}

/* rcpt_list_add - append a domain not seen before. */
int
rcpt_list_add(struct rcpt_list *l, const char *name)
{
	struct rcpt_dom *v;
	size_t	i, len, cap;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return 0;
	if (l->n >= MILTER_MAX_DOMAINS) {
		errno = ENOSPC;
		return -1;
	}
	if ((len = strlen(name)) >= sizeof(l->v[0].name)) {
		errno = EINVAL;
		return -1;
	}
	if (l->n == l->cap) {
		/* cap stays below 2 * MILTER_MAX_DOMAINS: no overflow. */
		cap = l->cap ? l->cap * 2 : 8;
		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	memcpy(l->v[l->n].name, name, len + 1);
	l->v[l->n].state = STS_UNKNOWN;
	l->n++;
	return 1;
}

/* rcpt_list_clear - forget every domain. */
void
rcpt_list_clear(struct rcpt_list *l)
{
	l->n = 0;
}

/* rcpt_list_free - release the memory. */
void
rcpt_list_free(struct rcpt_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
