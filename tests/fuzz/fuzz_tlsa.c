/*
 * fuzz_tlsa - libFuzzer target for the TLSA rdata parser of the resolver
 * (common/net/resolver_tlsa.c, rs_tlsa_fill): what a DNS server sends for
 * _25._tcp.HOST, after libunbound split the RRset into rdata.
 *
 * The input is split into RRs: a length byte, then that many bytes (the
 * last one cut short where the input ends), each in a heap buffer of
 * exactly its length so ASan sees a read past it; up to 80 RRs, more than
 * RESOLVER_TLSA_MAX. Invariants, checked with abort(): at most
 * RESOLVER_TLSA_MAX RRs kept, each of at least 4 rdata bytes with its
 * fields copied as sent; n_usable counts the RRs dns_tlsa_rr_usable()
 * accepts, and every usable one is DANE-TA or DANE-EE with a digest of the
 * right length.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "resolver_int.h"

#define MAXRR	80

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* LLVMFuzzerTestOneInput - one RRset. */
int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ub_result res;
	struct dns_tlsa t;
	char   *data[MAXRR + 1];
	int	len[MAXRR + 1];
	size_t	i, nrr = 0, off = 0, l, usable = 0;

	while (off < n && nrr < MAXRR) {
		l = d[off++];
		if (l > n - off)
			l = n - off;
		if ((data[nrr] = malloc(l ? l : 1)) == NULL)
			break;
		memcpy(data[nrr], d + off, l);
		len[nrr] = (int)l;
		nrr++;
		off += l;
	}
	data[nrr] = NULL;
	len[nrr] = 0;
	memset(&res, 0, sizeof(res));
	res.qname = "_25._tcp.mx.fuzz.test";
	res.data = data;
	res.len = len;
	memset(&t, 0, sizeof(t));
	if (rs_tlsa_fill(&res, &t) == 0) {
		if (t.n > RESOLVER_TLSA_MAX || t.n > nrr)
			abort();
		for (i = 0; i < t.n; i++) {
			if (t.rr[i].usage > 255 || t.rr[i].selector > 255 ||
			    t.rr[i].mtype > 255 || t.rr[i].len < 1)
				abort();
			if (dns_tlsa_rr_usable(&t.rr[i])) {
				usable++;
				if ((t.rr[i].usage != 2 && t.rr[i].usage != 3) ||
				    (t.rr[i].mtype == 1 && t.rr[i].len != 32) ||
				    (t.rr[i].mtype == 2 && t.rr[i].len != 64))
					abort();
			}
		}
		if (usable != t.n_usable)
			abort();
	}
	dns_tlsa_free(&t);
	for (i = 0; i < nrr; i++)
		free(data[i]);
	return 0;
}
