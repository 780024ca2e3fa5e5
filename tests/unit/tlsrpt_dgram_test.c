/*
 * tlsrpt_dgram_test - table-driven tests of tlsrpt_dgram_parse (common/
 * tlsrpt_dgram.c): the libtlsrpt datagrams policyd's collector counts
 * (RFC 8460 result types from libtlsrpt's codes, repaired UTF-8, refusals).
 *
 * Every input is copied into a heap buffer of exactly its length (no NUL),
 * so a read past len is caught by AddressSanitizer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt_dgram.h"
#include "tap.h"

#define GOOD	"{\"dpv\":\"1\",\"d\":\"Example.COM.\",\"pr\":\"v=TLSRPTv1; " \
	"rua=mailto:r@example.com\",\"policies\":[{\"policy-type\":2," \
	"\"policy-domain\":\"example.com\",\"policy-string\":[\"version: " \
	"STSv1\",\"mode: enforce\"],\"mx-host\":[\"mx.example.com\"]," \
	"\"t\":2,\"f\":1,\"failure-details\":[{\"c\":202,\"s\":\"192.0.2.1\"," \
	"\"n\":\"MX.example.com\",\"r\":\"198.51.100.1\",\"f\":\"bad\"}]}]}"

struct dg_case {
	const char *name;
	const char *in;
	int	want;		/* 0 parsed, -1 refused */
	const char *why;	/* prefix of the refusal reason */
	const char *domain;
	size_t	npolicies;
	int	type;		/* of policy 0 */
	const char *pdomain;
	int	failed;
	size_t	ndetails;
	int	code;		/* of detail 0 */
	const char *rtype;
	int	warn_version;
	int	replaced;
};

static const struct dg_case cases[] = {
	{ "full datagram: lower-cased domain, trailing dot dropped", GOOD, 0,
	    NULL, "example.com", 1, TLSRPT_DGRAM_STS, "example.com", 1, 1,
	    202, "certificate-host-mismatch", 0, 0 },
	{ "success session", "{\"dpv\":\"1\",\"d\":\"a.test\",\"policies\":"
	    "[{\"policy-type\":2,\"policy-domain\":\"a.test\",\"f\":0}]}", 0,
	    NULL, "a.test", 1, TLSRPT_DGRAM_STS, "a.test", 0, 0, 0, NULL, 0,
	    0 },
	{ "no-policy-found takes \"d\" as policy domain",
	    "{\"dpv\":\"1\",\"d\":\"B.test\",\"policies\":[{\"policy-type\":9,"
	    "\"f\":0}]}", 0, NULL, "b.test", 1, TLSRPT_DGRAM_NONE, "b.test",
	    0, 0, 0, NULL, 0, 0 },
	{ "missing dpv: a warning, not a refusal",
	    "{\"d\":\"a.test\",\"policies\":[{\"policy-type\":1,"
	    "\"failure-details\":[{\"c\":304}]}]}", 0, NULL, "a.test", 1,
	    TLSRPT_DGRAM_TLSA, "a.test", 1, 1, 304, "tlsa-invalid", 1, 0 },
	{ "f absent, details present: failed; code as a string",
	    "{\"dpv\":\"1\",\"d\":\"a.test\",\"policies\":[{\"policy-type\":2,"
	    "\"failure-details\":[{\"c\":\"205\"}]}]}", 0, NULL, "a.test", 1,
	    TLSRPT_DGRAM_STS, "a.test", 1, 1, 205, "validation-failure", 0,
	    0 },
	{ "unknown code: no result type",
	    "{\"dpv\":\"1\",\"d\":\"a.test\",\"policies\":[{\"policy-type\":2,"
	    "\"f\":1,\"failure-details\":[{\"c\":999}]}]}", 0, NULL, "a.test",
	    1, TLSRPT_DGRAM_STS, "a.test", 1, 1, 999, NULL, 0, 0 },
	{ "unknown policy type skipped, next kept",
	    "{\"dpv\":\"1\",\"d\":\"a.test\",\"policies\":[{\"policy-type\":7},"
	    "{\"policy-type\":2,\"f\":0}]}", 0, NULL, "a.test", 1,
	    TLSRPT_DGRAM_STS, "a.test", 0, 0, 0, NULL, 0, 0 },
	{ "invalid UTF-8 bytes replaced, datagram kept",
	    "{\"dpv\":\"1\",\"d\":\"a.test\",\"policies\":[{\"policy-type\":2,"
	    "\"f\":1,\"failure-details\":[{\"c\":201,\"h\":\"\377\300x\"}]}]}",
	    0, NULL, "a.test", 1, TLSRPT_DGRAM_STS, "a.test", 1, 1, 201,
	    "starttls-not-supported", 0, 2 },

	{ "empty datagram", "", -1, "empty", NULL, 0, 0, NULL, 0, 0, 0, NULL,
	    0, 0 },
	{ "not JSON", "{[}", -1, "not a JSON", NULL, 0, 0, NULL, 0, 0, 0,
	    NULL, 0, 0 },
	{ "JSON array, not object", "[1]", -1, "not a JSON", NULL, 0, 0, NULL,
	    0, 0, 0, NULL, 0, 0 },
	{ "no policies", "{\"dpv\":\"1\",\"d\":\"a.test\"}", -1, "no policies",
	    NULL, 0, 0, NULL, 0, 0, 0, NULL, 0, 0 },
	{ "empty policies", "{\"d\":\"a.test\",\"policies\":[]}", -1,
	    "no policies", NULL, 0, 0, NULL, 0, 0, 0, NULL, 0, 0 },
	{ "only unknown types", "{\"d\":\"a.test\",\"policies\":[{"
	    "\"policy-type\":3}]}", -1, "no usable", NULL, 0, 0, NULL, 0, 0,
	    0, NULL, 0, 0 },
	{ "no domain anywhere", "{\"policies\":[{\"policy-type\":2}]}", -1,
	    "no usable", NULL, 0, 0, NULL, 0, 0, 0, NULL, 0, 0 },
};

/* test_cases - each case from an exact-size heap buffer. */
static void
test_cases(void)
{
	const struct dg_case *c;
	struct tlsrpt_dgram dg;
	const char *why;
	size_t	i, len;
	char   *buf;
	int	r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		len = strlen(c->in);
		if ((buf = malloc(len ? len : 1)) == NULL)
			abort();
		memcpy(buf, c->in, len);
		why = NULL;
		r = tlsrpt_dgram_parse(buf, len, &dg, &why);
		if (c->want != 0) {
			ok(r == -1 && why != NULL &&
			    strncmp(why, c->why, strlen(c->why)) == 0,
			    "%s: refused (%s)", c->name, why ? why : "-");
			ok(dg.npolicies == 0 && dg.policies == NULL &&
			    dg.domain == NULL, "%s: nothing left filled",
			    c->name);
			free(buf);
			continue;
		}
		if (!ok(r == 0, "%s: parsed", c->name)) {
			diag("  refused: %s", why ? why : "-");
			free(buf);
			continue;
		}
		is_str(dg.domain, c->domain, "  domain");
		ok(dg.npolicies == c->npolicies, "  %zu policies",
		    c->npolicies);
		ok((int)dg.policies[0].type == c->type, "  type %d", c->type);
		is_str(dg.policies[0].policy_domain, c->pdomain,
		    "  policy domain");
		ok(dg.policies[0].failed == c->failed, "  failed %d",
		    c->failed);
		ok(dg.policies[0].ndetails == c->ndetails, "  %zu details",
		    c->ndetails);
		if (c->ndetails > 0) {
			ok(dg.policies[0].details[0].code == c->code,
			    "  code %d", c->code);
			is_str(dg.policies[0].details[0].result_type,
			    c->rtype, "  result type");
		}
		ok(dg.warn_version == c->warn_version, "  warn_version %d",
		    c->warn_version);
		ok(dg.replaced_bytes == c->replaced, "  %d bytes replaced",
		    c->replaced);
		tlsrpt_dgram_free(&dg);
		free(buf);
	}
}

/* test_full - the detail strings of the full datagram. */
static void
test_full(void)
{
	struct tlsrpt_dgram dg;
	const char *why;

	if (!ok(tlsrpt_dgram_parse(GOOD, strlen(GOOD), &dg, &why) == 0,
	    "full: parsed"))
		return;
	is_str(dg.record, "v=TLSRPTv1; rua=mailto:r@example.com", "full: pr");
	ok(dg.policies[0].nstrings == 2, "full: 2 policy strings");
	is_str(dg.policies[0].strings[1], "mode: enforce",
	    "full: second policy string");
	ok(dg.policies[0].nmx == 1, "full: 1 mx-host");
	is_str(dg.policies[0].details[0].mx_name, "mx.example.com",
	    "full: mx name lower-cased");
	is_str(dg.policies[0].details[0].sending_ip, "192.0.2.1",
	    "full: sending ip");
	is_str(dg.policies[0].details[0].reason, "bad", "full: reason");
	ok(dg.policies[0].details[0].helo == NULL, "full: absent helo NULL");
	tlsrpt_dgram_free(&dg);
}

/* test_limits - trailing NULs, size limit, free of a zeroed dgram. */
static void
test_limits(void)
{
	struct tlsrpt_dgram dg;
	const char *why;
	char   *big;
	size_t	n;

	n = strlen(GOOD);
	if ((big = malloc(TLSRPT_DGRAM_MAX + 1)) == NULL)
		abort();
	memcpy(big, GOOD, n);
	memset(big + n, '\0', 3);
	ok(tlsrpt_dgram_parse(big, n + 3, &dg, &why) == 0 &&
	    dg.npolicies == 1, "trailing NULs (C senders) are ignored");
	tlsrpt_dgram_free(&dg);
	memset(big + n, ' ', TLSRPT_DGRAM_MAX + 1 - n);
	ok(tlsrpt_dgram_parse(big, TLSRPT_DGRAM_MAX, &dg, &why) == 0,
	    "TLSRPT_DGRAM_MAX bytes accepted");
	tlsrpt_dgram_free(&dg);
	ok(tlsrpt_dgram_parse(big, TLSRPT_DGRAM_MAX + 1, &dg, &why) == -1 &&
	    strcmp(why, "datagram too large") == 0,
	    "one byte over TLSRPT_DGRAM_MAX refused");
	free(big);
	memset(&dg, 0, sizeof(dg));
	tlsrpt_dgram_free(&dg);
	ok(dg.policies == NULL && dg.domain == NULL,
	    "free of a zeroed dgram (can only fail by crashing)");
}

/* main - run every table. */
int
main(void)
{
	test_cases();
	test_full();
	test_limits();
	return done_testing();
}
