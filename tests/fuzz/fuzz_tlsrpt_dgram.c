/*
 * fuzz_tlsrpt_dgram - libFuzzer target for the libtlsrpt datagram parser
 * (common/tlsrpt_dgram.c), the collector's input path.
 *
 * The input is one datagram in a heap buffer of exactly its length, so
 * ASan sees any read past len. Invariants are checked with abort(): a
 * parsed datagram has at least one policy, each with a non-empty lower-case
 * policy domain of at most 255 bytes and a known type; every detail with a
 * result type names one of the 11 RFC 8460 types; every kept string is
 * valid UTF-8 and NUL-free up to its terminator.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt_dgram.h"

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* fuzz_check_str - NULL or a string of valid UTF-8 (no NUL inside). */
static void
fuzz_check_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	k;

	if (s == NULL)
		return;
	while (*p != '\0') {
		if (*p < 0x80)
			k = 1;
		else if (*p >= 0xc2 && *p <= 0xdf)
			k = 2;
		else if (*p >= 0xe0 && *p <= 0xef)
			k = 3;
		else if (*p >= 0xf0 && *p <= 0xf4)
			k = 4;
		else
			abort();
		while (--k > 0) {
			p++;
			if ((*p & 0xc0) != 0x80)
				abort();
		}
		p++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct tlsrpt_dgram dg;
	const char *why = NULL, *name;
	char   *buf;
	size_t	i, j;
	int	c;

	if ((buf = malloc(n > 0 ? n : 1)) == NULL)
		return 0;
	memcpy(buf, d, n);
	if (tlsrpt_dgram_parse(buf, n, &dg, &why) != 0) {
		if (why == NULL || dg.npolicies != 0 || dg.policies != NULL)
			abort();
		free(buf);
		return 0;
	}
	if (dg.npolicies == 0 || dg.record == NULL)
		abort();
	fuzz_check_str(dg.domain);
	fuzz_check_str(dg.record);
	for (i = 0; i < dg.npolicies; i++) {
		const struct tlsrpt_dgram_policy *p = &dg.policies[i];

		if (p->type != TLSRPT_DGRAM_TLSA && p->type != TLSRPT_DGRAM_STS &&
		    p->type != TLSRPT_DGRAM_NONE)
			abort();
		if (p->policy_domain == NULL || *p->policy_domain == '\0' ||
		    strlen(p->policy_domain) > 255)
			abort();
		for (j = 0; p->policy_domain[j] != '\0'; j++)
			if (p->policy_domain[j] >= 'A' &&
			    p->policy_domain[j] <= 'Z')
				abort();
		fuzz_check_str(p->policy_domain);
		for (j = 0; j < p->nstrings; j++)
			fuzz_check_str(p->strings[j]);
		for (j = 0; j < p->nmx; j++)
			fuzz_check_str(p->mx[j]);
		for (j = 0; j < p->ndetails; j++) {
			const struct tlsrpt_dgram_detail *x = &p->details[j];

			if (x->result_type != NULL) {
				name = NULL;
				for (c = 200; c < 400 && name == NULL; c++)
					if ((name = tlsrpt_dgram_code_name(c)) !=
					    NULL && strcmp(name,
					    x->result_type) != 0)
						name = NULL;
				if (name == NULL)
					abort();
			}
			fuzz_check_str(x->sending_ip);
			fuzz_check_str(x->mx_name);
			fuzz_check_str(x->helo);
			fuzz_check_str(x->receiving_ip);
			fuzz_check_str(x->additional);
			fuzz_check_str(x->reason);
		}
	}
	tlsrpt_dgram_free(&dg);
	free(buf);
	return 0;
}
