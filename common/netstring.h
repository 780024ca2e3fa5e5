/*
 * netstring.h - netstring codec (djb's "LEN:DATA," framing) used by the
 * Sendmail/Postfix socketmap protocol.
 */
#ifndef MTASTS_NETSTRING_H
#define MTASTS_NETSTRING_H

#include <stddef.h>

/* Socketmap limit on a request payload (DESIGN §4). */
#define NETSTRING_REQUEST_MAX	10000
/* Postfix's default socketmap_max_reply_size. */
#define NETSTRING_REPLY_MAX	100000

enum ns_result {
	NS_OK,		/* one complete netstring decoded */
	NS_INCOMPLETE,	/* a valid prefix: read more and call again */
	NS_ERROR	/* malformed, or the length exceeds max */
};

/*
 * netstring_parse - decode one netstring at the start of buf.
 * On NS_OK, *data and *dlen are the payload (pointing into buf, not
 * terminated) and *used is the number of bytes the netstring took (so
 * pipelined requests can be consumed in turn). A length prefix longer than
 * max, a leading zero in a multi-digit length, a missing ':' or ',' are
 * NS_ERROR. Never reads past len.
 */
enum ns_result netstring_parse(const char *buf, size_t len, size_t max,
    const char **data, size_t *dlen, size_t *used);

/*
 * netstring_format - encode data as a netstring into out (size outsz).
 * Returns the number of bytes written, or 0 when outsz is too small.
 */
size_t	netstring_format(char *out, size_t outsz, const char *data, size_t dlen);

/* netstring_size - bytes netstring_format needs for a payload of dlen. */
size_t	netstring_size(size_t dlen);

#endif
