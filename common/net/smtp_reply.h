/*
 * smtp_reply.h - one SMTP reply (RFC 5321 §4.2) as the MX probe reads it:
 * lines fed one by one, checked and joined.
 */
#ifndef MTASTS_SMTP_REPLY_H
#define MTASTS_SMTP_REPLY_H

#include <stddef.h>

#define SMTP_REPLY_MAX		16384	/* one whole multi-line reply */
#define SMTP_REPLY_LINES	200

/* One SMTP reply: lines without their codes, '\n' between them. */
struct smtp_reply {
	int	code;
	size_t	nlines;
	size_t	len;
	char	text[SMTP_REPLY_MAX + 1];
};

/* smtp_reply_init - an empty reply. */
void	smtp_reply_init(struct smtp_reply *rp);

/*
 * smtp_reply_line - add one line (len bytes, without CRLF): 1 if it was
 * the last line of the reply, 0 if more follow, -1 if it is malformed
 * (no 3-digit code 200-599, a code other than the first line's, a
 * separator other than '-' or ' ', more than SMTP_REPLY_LINES lines or
 * SMTP_REPLY_MAX octets). The line need not be NUL-terminated.
 */
int	smtp_reply_line(struct smtp_reply *rp, const char *line, size_t len);

/* smtp_reply_has_keyword - does an EHLO reply list the keyword (any case)? */
int	smtp_reply_has_keyword(const struct smtp_reply *rp, const char *kw);

/* smtp_reply_greeting_name - the first word of the first line, printable. */
void	smtp_reply_greeting_name(const struct smtp_reply *rp, char *buf,
	    size_t bufsz);

#endif
