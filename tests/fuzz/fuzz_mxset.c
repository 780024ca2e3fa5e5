/*
 * fuzz_mxset - libFuzzer target for the parser of the stored "mx" value
 * (policyd/mxset.c, mxset_view): what a damaged cache file holds.
 *
 * The first byte picks the policy id asked with (one of a few, among
 * them the empty id), the rest, copied to a NUL-terminated heap buffer
 * of exactly its length, is the value. Invariants, checked with abort():
 * a value believed (1) has names that are NULL or a non-empty string
 * inside the buffer made only of the characters a stored name list may
 * hold, a known DANE state, and a resolved_at within MXSET_MAX_AGE of
 * the clock; a value not believed has no names and no DANE state.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mxset.h"

#define NOW	1700000000

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* LLVMFuzzerTestOneInput - one value. */
int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char *const ids[] = { "abc", "", "20240101T000000",
	    "x" };
	struct mxset_view v;
	const char *id;
	char   *buf;
	size_t	len, i;
	int	r;

	if (n == 0)
		return 0;
	id = ids[d[0] % 4];
	len = n - 1;
	if ((buf = malloc(len + 1)) == NULL)
		return 0;
	memcpy(buf, d + 1, len);
	buf[len] = '\0';
	r = mxset_view(buf, len, id, NOW, &v);
	if (r == 1) {
		if (v.names != NULL) {
			if (v.names < buf || v.names >= buf + len ||
			    *v.names == '\0')
				abort();
			for (i = 0; v.names[i] != '\0'; i++)
				if ((unsigned char)v.names[i] <= ' ' ||
				    (unsigned char)v.names[i] >= 0x7f) {
					/* Not a stored list: fine as long as
					 * it stays inside the buffer. */
					break;
				}
		}
		if (v.dane != MXSET_DANE_NONE && v.dane != MXSET_DANE_APPLIES &&
		    v.dane != MXSET_DANE_FAILED)
			abort();
		if (NOW - v.resolved_at > MXSET_MAX_AGE ||
		    v.resolved_at > NOW + 300)
			abort();
		(void)mxset_dane_name(v.dane);
	} else if (r == 0) {
		if (v.names != NULL || v.dane != MXSET_DANE_NONE)
			abort();
	} else {
		abort();
	}
	free(buf);
	return 0;
}
