/*
 * fuzz_tlsrpt - libFuzzer target for the "_smtp._tls" TXT record parser
 * (common/tlsrpt_record.c).
 *
 * The input is split on 0x00 bytes into several joined RRs, each in its
 * own heap buffer of exactly its length so ASan sees any read past len.
 * Every RR is parsed on its own, then the list goes through
 * tlsrpt_record_select(). Invariants are checked with abort(): a kept URI
 * is non-empty, printable ASCII with no ',', ';', '!' or white space, and
 * starts with mailto: or https: in some case; the select result agrees
 * with the per-RR counts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tlsrpt_record.h"

#define FUZZ_MAX_RRS	64

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* fuzz_check_uri - one usable URI. */
static void
fuzz_check_uri(const char *u)
{
	size_t	i, len = strlen(u);

	if (len == 0)
		abort();
	for (i = 0; i < len; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f ||
		    u[i] == ',' || u[i] == ';' || u[i] == '!')
			abort();
	if (strncasecmp(u, "mailto:", 7) != 0 &&
	    strncasecmp(u, "https://", 8) != 0)
		abort();
}

/* fuzz_check_rec - every URI of a parsed record. */
static void
fuzz_check_rec(const struct tlsrpt_record *rec)
{
	size_t	i;

	if ((rec->nrua == 0) != (rec->rua == NULL))
		abort();
	for (i = 0; i < rec->nrua; i++)
		fuzz_check_uri(rec->rua[i]);
}

/* LLVMFuzzerTestOneInput - one input. */
int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct txt_rr rrs[FUZZ_MAX_RRS];
	struct tlsrpt_record rec, one;
	const char *why;
	enum tlsrpt_select r;
	size_t	nrr = 0, start = 0, i, ncand = 0, nparsed = 0, nusable = 0;
	char   *p;

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
		if (tlsrpt_record_is_candidate(rrs[i].data, rrs[i].len))
			ncand++;
		why = NULL;
		if (tlsrpt_record_parse(rrs[i].data, rrs[i].len, &one,
		    &why) == 0) {
			nparsed++;
			if (one.nrua > 0)
				nusable++;
			if (one.nrua + one.nignored == 0)
				abort();	/* rua= needs a URI */
			fuzz_check_rec(&one);
			if (!tlsrpt_record_is_candidate(rrs[i].data,
			    rrs[i].len))
				abort();
			tlsrpt_record_free(&one);
		} else if (why == NULL || one.rua != NULL || one.nrua != 0)
			abort();
	}

	why = NULL;
	r = tlsrpt_record_select(rrs, nrr, &rec, &why);
	switch (r) {
	case TLSRPT_SELECT_OK:
		if (ncand != 1 || nparsed != 1 || nusable != 1 ||
		    rec.nrua == 0)
			abort();
		fuzz_check_rec(&rec);
		break;
	case TLSRPT_SELECT_NONE:
		if (ncand != 0 || why == NULL)
			abort();
		break;
	case TLSRPT_SELECT_MULTIPLE:
		if (ncand < 2 || why == NULL)
			abort();
		break;
	case TLSRPT_SELECT_INVALID:
		if (ncand != 1 || nparsed != 0 || why == NULL)
			abort();
		break;
	case TLSRPT_SELECT_NO_URI:
		if (ncand != 1 || nparsed != 1 || nusable != 0 || why == NULL)
			abort();
		break;
	default:
		abort();
	}
	if (r != TLSRPT_SELECT_OK && (rec.rua != NULL || rec.nrua != 0))
		abort();
	tlsrpt_record_free(&rec);

	for (i = 0; i < nrr; i++)
		free((char *)rrs[i].data);
	return 0;
}
