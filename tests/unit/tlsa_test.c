/*
 * tlsa_test - table-driven tests of the TLSA usability rules of
 * common/net/resolver.c (RFC 7672 §3.1): dns_tlsa_rr_usable(),
 * dns_tlsa_dane() and the names of the DNSSEC states, without DNS (the
 * lookups themselves run against the test world in test_dnssec.py).
 */
#include <stdlib.h>
#include <string.h>

#include "resolver.h"
#include "tap.h"

struct usable_case {
	const char *desc;
	unsigned int usage, selector, mtype;
	size_t	len;
	int	want;
};

static const struct usable_case usable_cases[] = {
	{ "DANE-EE(3) SPKI SHA2-256", 3, 1, 1, 32, 1 },
	{ "DANE-EE(3) cert SHA2-512", 3, 0, 2, 64, 1 },
	{ "DANE-EE(3) full SPKI", 3, 1, 0, 91, 1 },
	{ "DANE-TA(2) SPKI SHA2-256", 2, 1, 1, 32, 1 },
	{ "DANE-TA(2) full cert", 2, 0, 0, 500, 1 },
	{ "PKIX-TA(0) unusable for SMTP", 0, 1, 1, 32, 0 },
	{ "PKIX-EE(1) unusable for SMTP", 1, 1, 1, 32, 0 },
	{ "usage 4 unknown", 4, 1, 1, 32, 0 },
	{ "usage 255 (private) unknown", 255, 1, 1, 32, 0 },
	{ "selector 2 unknown", 3, 2, 1, 32, 0 },
	{ "mtype 3 unknown", 3, 1, 3, 32, 0 },
	{ "SHA2-256 of 31 octets", 3, 1, 1, 31, 0 },
	{ "SHA2-256 of 33 octets", 3, 1, 1, 33, 0 },
	{ "SHA2-512 of 32 octets", 3, 1, 2, 32, 0 },
	{ "full data of 0 octets", 3, 1, 0, 0, 0 },
};

int
main(void)
{
	unsigned char data[512];
	struct dns_tlsa_rr rr;
	struct dns_tlsa t;
	size_t	i;

	memset(data, 0xab, sizeof(data));
	for (i = 0; i < sizeof(usable_cases) / sizeof(usable_cases[0]); i++) {
		const struct usable_case *c = &usable_cases[i];

		rr.usage = c->usage;
		rr.selector = c->selector;
		rr.mtype = c->mtype;
		rr.data = data;
		rr.len = c->len;
		ok(dns_tlsa_rr_usable(&rr) == c->want, "usable: %s", c->desc);
	}

	memset(&t, 0, sizeof(t));
	t.status = DNS_OK;
	t.sec = DNS_SEC_SECURE;
	t.n_usable = 1;
	ok(dns_tlsa_dane(&t), "dane: secure answer with a usable RR");
	t.sec = DNS_SEC_INSECURE;
	ok(!dns_tlsa_dane(&t), "dane: insecure answer never (7672 2.2)");
	t.sec = DNS_SEC_BOGUS;
	ok(!dns_tlsa_dane(&t), "dane: bogus answer is no DANE answer");
	t.sec = DNS_SEC_SECURE;
	t.n_usable = 0;
	ok(!dns_tlsa_dane(&t), "dane: secure, nothing usable");
	t.n_usable = 1;
	t.status = DNS_NXDOMAIN;
	ok(!dns_tlsa_dane(&t), "dane: secure denial");

	is_str(dns_sec_name(DNS_SEC_UNKNOWN), "unknown", "name: unknown");
	is_str(dns_sec_name(DNS_SEC_INSECURE), "insecure", "name: insecure");
	is_str(dns_sec_name(DNS_SEC_SECURE), "secure", "name: secure");
	is_str(dns_sec_name(DNS_SEC_BOGUS), "bogus", "name: bogus");
	return done_testing();
}
