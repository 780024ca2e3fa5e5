/*
 * NAME
 *	netstring - netstring codec for the socketmap protocol
 * SYNOPSIS
 *	#include "netstring.h"
 *
 *	enum ns_result netstring_parse(buf, len, max, &data, &dlen, &used)
 *	size_t netstring_format(out, outsz, data, dlen)
 *	size_t netstring_size(dlen)
 * DESCRIPTION
 *	A netstring is "LEN:DATA," with LEN in decimal. netstring_parse()
 *	decodes the netstring at the start of a buffer that may hold less
 *	(read more, then call again) or more (pipelined requests: skip
 *	*used bytes and call again). It decides as early as it can: a
 *	length above max is an error as soon as its digits show it, without
 *	waiting for the payload to arrive, so a peer cannot make us buffer
 *	more than max plus a few bytes of framing.
 *
 *	netstring_format() writes one netstring; netstring_size() says how
 *	large the buffer must be.
 * DIAGNOSTICS
 *	NS_ERROR for a length above max, a leading zero in the length
 *	("01:a,"), a non-digit where the length belongs, or a missing ':'
 *	or ','. NS_INCOMPLETE when the buffer is a valid prefix.
 *	netstring_format() returns 0 when the output does not fit.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "netstring.h"

/* netstring_digits - number of decimal digits in n. */
static size_t
netstring_digits(size_t n)
{
	size_t	d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* netstring_parse - decode one netstring at the start of buf. */
enum ns_result
netstring_parse(const char *buf, size_t len, size_t max, const char **data,
    size_t *dlen, size_t *used)
{
	size_t	pos = 0, n = 0, digit;

	if (len == 0)
		return NS_INCOMPLETE;
	if (buf[0] < '0' || buf[0] > '9')
		return NS_ERROR;

	/*
	 * The length is bounded by max, so the digit count is bounded too: a
	 * value above max is rejected on the digit that makes it so.
	 */
	while (pos < len && buf[pos] >= '0' && buf[pos] <= '9') {
		if (pos == 1 && buf[0] == '0')
			return NS_ERROR;	/* leading zero */
		digit = (size_t)(buf[pos] - '0');
		if (n > (SIZE_MAX - digit) / 10)
			return NS_ERROR;
		n = n * 10 + digit;
		if (n > max)
			return NS_ERROR;
		pos++;
	}
	if (pos == len)
		return NS_INCOMPLETE;
	if (buf[pos] != ':')
		return NS_ERROR;
	pos++;

	/* pos <= len and n <= max here; compare without overflowing. */
	if (len - pos < n || len - pos - n < 1)
		return NS_INCOMPLETE;
	if (buf[pos + n] != ',')
		return NS_ERROR;

	if (data != NULL)
		*data = buf + pos;
	if (dlen != NULL)
		*dlen = n;
	if (used != NULL)
		*used = pos + n + 1;
	return NS_OK;
}

/* netstring_size - bytes netstring_format needs, 0 if that overflows. */
size_t
netstring_size(size_t dlen)
{
	size_t	frame = netstring_digits(dlen) + 2;

	if (dlen > SIZE_MAX - frame)
		return 0;
	return dlen + frame;
}

/* netstring_format - encode data as a netstring into out. */
size_t
netstring_format(char *out, size_t outsz, const char *data, size_t dlen)
{
	size_t	need, ndig, i, n;

	need = netstring_size(dlen);
	if (need == 0 || out == NULL || need > outsz)
		return 0;
	if (dlen > 0 && data == NULL)
		return 0;

	ndig = netstring_digits(dlen);
	for (i = ndig, n = dlen; i > 0; i--, n /= 10)
		out[i - 1] = (char)('0' + n % 10);
	out[ndig] = ':';
	if (dlen > 0)
		memmove(out + ndig + 1, data, dlen);
	out[ndig + 1 + dlen] = ',';
	/* A courtesy terminator when there is room; never counted. */
	if (need < outsz)
		out[need] = '\0';
	return need;
}
