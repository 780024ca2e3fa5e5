/*
 * NAME
 *	tlsrpt_send_util - what the report delivery files share
 * SYNOPSIS
 *	#include "tlsrpt_send_util.h"
 *
 *	void ts_err(err, errsz, fmt, ...)
 *	int ts_is_domain(s)
 *	int ts_hexval(c)
 * DESCRIPTION
 *	Helpers of tlsrpt_send.c, tlsrpt_mail.c and tlsrpt_https.c under
 *	the delivery module's internal prefix ts_: a reason into err, the
 *	host-name check of rua domains and hosts (a dot required, so no
 *	single-label names such as localhost), and one hex digit.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tlsrpt_send_util.h"

/* ts_err - format a reason into err */
void
ts_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/*
 * ts_is_domain - an LDH host name with dots (A-labels), 1..253 bytes; a
 * single label (localhost, a bare host of the local network) is refused
 */
int
ts_is_domain(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > 253 || s[0] == '.' || s[0] == '-' ||
	    strchr(s, '.') == NULL || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.' &&
		    s[i] != '_')
			return 0;
	return 1;
}

/* ts_hexval - the value of a hex digit, or -1 */
int
ts_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
