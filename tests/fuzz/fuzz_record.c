/*
 * fuzz_record.c - libFuzzer target for the LMDB record codec: a cache file
 * may be damaged or written by another release, so record_decode must
 * refuse anything odd without reading past the buffer, and what it accepts
 * must encode and decode again to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record rec, again;
	unsigned char *buf = NULL, *buf2 = NULL;
	size_t	len, len2;

	if (record_decode(data, size, &rec) != RECORD_OK)
		return 0;
	if (rec.state == RECORD_POLICY && rec.policy.max_age > STS_MAX_AGE_CAP)
		abort();
	if (record_encode(&rec, &buf, &len) != 0)
		abort();		/* decoded records must re-encode */
	if (record_decode(buf, len, &again) != RECORD_OK)
		abort();
	if (record_encode(&again, &buf2, &len2) != 0 || len2 != len ||
	    memcmp(buf, buf2, len) != 0)
		abort();
	record_free(&again);
	record_free(&rec);
	free(buf);
	free(buf2);
	return 0;
}
