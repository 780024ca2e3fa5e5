/*
 * fuzz_txt - libFuzzer target for the TXT record code (common/sts_record.c)
 * and the host name checks it leads to (common/mx_match.c).
 *
 * The input is used three ways: as one TXT RDATA for txt_rdata_join(); split
 * on 0x00 bytes into several joined RRs for sts_record_select(); and each
 * of those RRs as a socketmap key for host_normalize(). Every RR lives in
 * its own heap buffer of exactly its length so ASan sees any read past len.
 * Invariants are checked with abort().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mx_match.h"
#include "sts_record.h"

#define FUZZ_MAX_RRS	64

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* fuzz_is_alnum - ASCII ALPHA / DIGIT. */
static int
fuzz_is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

/* fuzz_check_id - a parsed id is 1-32 alphanumerics, NUL-terminated (T7). */
static void
fuzz_check_id(const struct sts_record *rec)
{
	size_t	i, len = strnlen(rec->id, sizeof(rec->id));

	if (len == 0 || len > STS_ID_MAX)
		abort();
	for (i = 0; i < len; i++)
		if (!fuzz_is_alnum((unsigned char)rec->id[i]))
			abort();
}

/* fuzz_join - txt_rdata_join with a roomy and a tight output buffer. */
static void
fuzz_join(const uint8_t *d, size_t n)
{
	size_t	outsz, pass;
	long	r;
	char   *out;

	for (pass = 0; pass < 2; pass++) {
		outsz = pass == 0 ? n + 1 : (n > 0 ? d[0] : 0);
		if ((out = malloc(outsz ? outsz : 1)) == NULL)
			abort();
		r = txt_rdata_join(d, n, out, outsz);
		if (r != -1) {
			/* shorter than the RDATA, fits, terminated (a NUL
			 * inside is kept: the length is what counts) */
			if (r < 0 || (size_t)r >= n || (size_t)r >= outsz ||
			    out[r] != '\0' || strlen(out) > (size_t)r)
				abort();
		}
		free(out);
	}
}

/* fuzz_normalize - host_normalize invariants on one key. */
static void
fuzz_normalize(const char *key, size_t len)
{
	char	out[DNS_NAME_MAX + 1], again[DNS_NAME_MAX + 1];
	size_t	olen, i;

	if (host_normalize(key, len, out, sizeof(out)) != 0)
		return;
	olen = strlen(out);
	if (!dns_name_is_ldh(out, olen) || !mx_pattern_is_valid(out, olen))
		abort();
	for (i = 0; i < olen; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			abort();
	/* idempotent, and a name always matches itself (Z05) */
	if (host_normalize(out, olen, again, sizeof(again)) != 0 ||
	    strcmp(out, again) != 0)
		abort();
	if (mx_match(out, out) != 1)
		abort();
}

/* LLVMFuzzerTestOneInput - one input. */
int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct txt_rr rrs[FUZZ_MAX_RRS];
	struct sts_record rec, one;
	const char *why;
	enum sts_select r;
	size_t	nrr = 0, start = 0, i, ncand = 0, nparsed = 0;
	char   *p;

	fuzz_join(d, n);

	for (i = 0; i <= n && nrr < FUZZ_MAX_RRS; i++) {
		if (i < n && d[i] != 0)
			continue;
		if ((p = malloc(i - start ? i - start : 1)) == NULL)
			abort();
		memcpy(p, d + start, i - start);
		rrs[nrr].data = p;
		rrs[nrr].len = i - start;
		nrr++;
		start = i + 1;
	}

	for (i = 0; i < nrr; i++) {
		if (sts_record_is_candidate(rrs[i].data, rrs[i].len))
			ncand++;
		why = NULL;
		if (sts_record_parse(rrs[i].data, rrs[i].len, &one,
		    &why) == 0) {
			nparsed++;
			fuzz_check_id(&one);
			if (!sts_record_is_candidate(rrs[i].data, rrs[i].len))
				abort();
		} else if (why == NULL)
			abort();
		fuzz_normalize(rrs[i].data, rrs[i].len);
	}

	why = NULL;
	memset(&rec, 0, sizeof(rec));
	r = sts_record_select(rrs, nrr, &rec, &why);
	switch (r) {
	case STS_SELECT_OK:
		if (ncand != 1 || nparsed != 1)
			abort();
		fuzz_check_id(&rec);
		break;
	case STS_SELECT_NONE:
		if (ncand != 0 || why == NULL)
			abort();
		break;
	case STS_SELECT_MULTIPLE:
		if (ncand < 2 || why == NULL)
			abort();
		break;
	case STS_SELECT_INVALID:
		if (ncand != 1 || nparsed != 0 || why == NULL)
			abort();
		break;
	default:
		abort();
	}

	for (i = 0; i < nrr; i++)
		free((char *)rrs[i].data);
	return 0;
}
