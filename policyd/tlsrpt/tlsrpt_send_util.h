/*
 * tlsrpt_send_util.h - what the files of the delivery module share
 * (tlsrpt_send.c, tlsrpt_mail.c, tlsrpt_https.c), under the module's
 * internal prefix ts_; no other file includes it.
 */
#ifndef MTASTS_TLSRPT_SEND_UTIL_H
#define MTASTS_TLSRPT_SEND_UTIL_H

#include <stddef.h>

/* ts_err - format a reason into err (errsz bytes; NULL: none). */
void	ts_err(char *err, size_t errsz, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * ts_is_domain - an LDH host name with dots (A-labels), 1..253
 * bytes; a single label is refused.
 */
int	ts_is_domain(const char *s);

/* ts_hexval - the value of a hex digit, or -1. */
int	ts_hexval(int c);

#endif
