/*
 * fuzz_netstring - libFuzzer target for the netstring codec (common/
 * netstring.c). The input is read as a stream of pipelined socketmap
 * requests, as the socketmap server does; every decoded netstring is
 * re-encoded and must come out byte for byte as it went in (a length has
 * exactly one valid spelling). A second pass uses a small max taken from
 * the first byte. Invariants are checked with abort().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netstring.h"

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* fuzz_stream - consume pipelined netstrings from buf with limit max. */
static void
fuzz_stream(const char *buf, size_t n, size_t max)
{
	const char *data, *data2;
	size_t	pos = 0, dlen, used, dlen2, used2, need, olen;
	enum ns_result r;
	char   *out;

	while (pos < n) {
		data = NULL;
		dlen = used = 0;
		r = netstring_parse(buf + pos, n - pos, max, &data, &dlen,
		    &used);
		if (r == NS_ERROR)
			return;
		if (r == NS_INCOMPLETE) {
			/* a valid prefix never exceeds the largest netstring */
			if (n - pos >= netstring_size(max))
				abort();
			return;
		}
		if (r != NS_OK)
			abort();
		if (dlen > max || used > n - pos ||
		    used != netstring_size(dlen) ||
		    data != buf + pos + used - dlen - 1 ||
		    buf[pos + used - 1] != ',')
			abort();

		/* round trip through an exact-size buffer */
		need = netstring_size(dlen);
		if ((out = malloc(need)) == NULL)
			abort();
		olen = netstring_format(out, need, data, dlen);
		if (olen != used || memcmp(out, buf + pos, used) != 0)
			abort();
		if (netstring_format(out, need - 1, data, dlen) != 0)
			abort();
		if (netstring_parse(out, olen, max, &data2, &dlen2, &used2) !=
		    NS_OK || dlen2 != dlen || used2 != used ||
		    memcmp(data2, data, dlen) != 0)
			abort();
		/* every proper prefix of a valid netstring is incomplete */
		if (netstring_parse(out, olen - 1, max, &data2, &dlen2,
		    &used2) != NS_INCOMPLETE)
			abort();
		free(out);
		pos += used;
	}
}

/* LLVMFuzzerTestOneInput - one input. */
int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	fuzz_stream((const char *)d, n, NETSTRING_REQUEST_MAX);
	if (n > 0)
		fuzz_stream((const char *)d + 1, n - 1, d[0]);
	return 0;
}
