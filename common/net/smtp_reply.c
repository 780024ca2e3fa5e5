/*
 * NAME
 *	smtp_reply - parse the replies of an SMTP server (RFC 5321 §4.2)
 * SYNOPSIS
 *	#include "smtp_reply.h"
 *
 *	void smtp_reply_init(rp)
 *	int smtp_reply_line(rp, line, len)
 *	int smtp_reply_has_keyword(rp, kw)
 *	void smtp_reply_greeting_name(rp, buf, bufsz)
 * DESCRIPTION
 *	The MX probe (probe.c) reads a reply line by line and hands each
 *	line, without its CRLF, to smtp_reply_line(): every line must carry
 *	the same three-digit code (200-599) followed by '-' (more lines
 *	follow) or ' ' or nothing (the last line); the texts after the
 *	codes are kept, '\n' between them. The text comes from a server we
 *	do not trust: the parser never reads past len, bounds lines and
 *	octets, and smtp_reply_greeting_name() makes what it copies out
 *	printable. No I/O here, so it can be fuzzed on its own.
 * DIAGNOSTICS
 *	smtp_reply_line() returns -1 for a malformed or oversized reply; the
 *	caller gives up on the server.
 */
#include "autoconf.h"

#include <string.h>
#include <strings.h>

#include "log.h"
#include "smtp_reply.h"

/* smtp_reply_init - an empty reply. */
void
smtp_reply_init(struct smtp_reply *rp)
{
	rp->code = 0;
	rp->nlines = 0;
	rp->len = 0;
	rp->text[0] = '\0';
}

/* smtp_reply_line - add one reply line (without CRLF); 1 if it was the last. */
int
smtp_reply_line(struct smtp_reply *rp, const char *line, size_t len)
{
	size_t	i, tlen;
	int	code;

	if (len < 3 || (len > 3 && line[3] != '-' && line[3] != ' '))
		return -1;
	for (i = 0, code = 0; i < 3; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
		code = code * 10 + (line[i] - '0');
	}
	if (code < 200 || code > 599 || (rp->nlines > 0 && code != rp->code))
		return -1;
	rp->code = code;
	if (++rp->nlines > SMTP_REPLY_LINES)
		return -1;
	tlen = len > 4 ? len - 4 : 0;
	if (rp->len + tlen + 1 > SMTP_REPLY_MAX)
		return -1;
	if (rp->nlines > 1)
		rp->text[rp->len++] = '\n';
	memcpy(rp->text + rp->len, line + 4, tlen);
	rp->len += tlen;
	rp->text[rp->len] = '\0';
	return len == 3 || line[3] == ' ';
}

/* smtp_reply_has_keyword - does the EHLO reply list the keyword? */
int
smtp_reply_has_keyword(const struct smtp_reply *rp, const char *kw)
{
	const char *p = rp->text, *e;
	size_t	n, kwlen = strlen(kw);

	/* The first line is the greeting; keywords follow. */
	if ((p = strchr(p, '\n')) == NULL)
		return 0;
	for (p++; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		n = strcspn(p, " \n");
		if (n == kwlen && strncasecmp(p, kw, kwlen) == 0)
			return 1;
	}
	return 0;
}

/* smtp_reply_greeting_name - the first word of a reply's first line, into buf. */
void
smtp_reply_greeting_name(const struct smtp_reply *rp, char *buf,
    size_t bufsz)
{
	size_t	n;

	n = strcspn(rp->text, " \n");
	if (n == 0)
		return;
	log_oneline(buf, bufsz, "%.*s", (int)(n > 255 ? 255 : n), rp->text);
}
