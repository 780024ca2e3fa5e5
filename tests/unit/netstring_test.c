/*
 * netstring_test - table-driven tests of the netstring codec (common/
 * netstring.c) that frames the socketmap protocol (DESIGN §4: requests
 * over NETSTRING_REQUEST_MAX bytes or malformed close the connection;
 * pipelined requests are answered in order).
 *
 * Every input is copied into a heap buffer of exactly its length, so a
 * read past len is caught by AddressSanitizer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netstring.h"
#include "tap.h"

#define NOLEN	((size_t)-1)	/* use strlen(in) */

struct parse_case {
	const char *name;
	const char *in;
	size_t	len;
	size_t	max;
	enum ns_result want;
	const char *payload;	/* for NS_OK */
	size_t	plen;
	size_t	used;
};

static const struct parse_case parse_cases[] = {
	{ "simple payload", "5:hello,", NOLEN, 100, NS_OK, "hello", 5, 8 },
	{ "empty payload", "0:,", NOLEN, 100, NS_OK, "", 0, 3 },
	{ "pipelined: first of two", "3:foo,3:bar,", NOLEN, 100, NS_OK,
	    "foo", 3, 6 },
	{ "payload may hold ':' and ','", "5:a:b,c,", NOLEN, 100, NS_OK,
	    "a:b,c", 5, 8 },
	{ "binary payload with a NUL", "3:a\0b,", 6, 100, NS_OK, "a\0b", 3,
	    6 },
	{ "length equal to max", "3:abc,", NOLEN, 3, NS_OK, "abc", 3, 6 },
	{ "max 0 allows only 0:,", "0:,", NOLEN, 0, NS_OK, "", 0, 3 },
	{ "sts request", "15:sts example.com,", NOLEN, NETSTRING_REQUEST_MAX,
	    NS_OK, "sts example.com", 15, 19 },

	{ "empty buffer", "", 0, 100, NS_INCOMPLETE, NULL, 0, 0 },
	{ "digits only", "5", NOLEN, 100, NS_INCOMPLETE, NULL, 0, 0 },
	{ "lone zero", "0", NOLEN, 100, NS_INCOMPLETE, NULL, 0, 0 },
	{ "colon, no payload yet", "5:", NOLEN, 100, NS_INCOMPLETE, NULL, 0,
	    0 },
	{ "part of the payload", "5:hel", NOLEN, 100, NS_INCOMPLETE, NULL, 0,
	    0 },
	{ "payload without ','", "5:hello", NOLEN, 100, NS_INCOMPLETE, NULL,
	    0, 0 },
	{ "len cuts a complete netstring", "5:hello,", 7, 100, NS_INCOMPLETE,
	    NULL, 0, 0 },
	{ "zero-length payload, no ','", "0:", NOLEN, 100, NS_INCOMPLETE,
	    NULL, 0, 0 },
	{ "10000 announced, max 10000", "10000:", NOLEN,
	    NETSTRING_REQUEST_MAX, NS_INCOMPLETE, NULL, 0, 0 },

	{ "wrong terminator", "5:hello;", NOLEN, 100, NS_ERROR, NULL, 0, 0 },
	{ "payload longer than announced", "3:abcd,", NOLEN, 100, NS_ERROR,
	    NULL, 0, 0 },
	{ "leading zero 01:a,", "01:a,", NOLEN, 100, NS_ERROR, NULL, 0, 0 },
	{ "leading zero 00:,", "00:,", NOLEN, 100, NS_ERROR, NULL, 0, 0 },
	{ "leading zero seen before ':'", "01", NOLEN, 100, NS_ERROR, NULL, 0,
	    0 },
	{ "non-digit length", "x:a,", NOLEN, 100, NS_ERROR, NULL, 0, 0 },
	{ "no length", ":a,", NOLEN, 100, NS_ERROR, NULL, 0, 0 },
	{ "negative length", "-1:a,", NOLEN, 100, NS_ERROR, NULL, 0, 0 },
	{ "leading space", " 1:a,", NOLEN, 100, NS_ERROR, NULL, 0, 0 },
	{ "space before ':'", "5 :hello,", NOLEN, 100, NS_ERROR, NULL, 0, 0 },
	{ "missing ':'", "5hello,", NOLEN, 100, NS_ERROR, NULL, 0, 0 },
	{ "'+' sign", "+1:a,", NOLEN, 100, NS_ERROR, NULL, 0, 0 },
	{ "over max (DESIGN §4 10000)", "10001:", NOLEN,
	    NETSTRING_REQUEST_MAX, NS_ERROR, NULL, 0, 0 },
	{ "over max from the digits alone", "10001", NOLEN,
	    NETSTRING_REQUEST_MAX, NS_ERROR, NULL, 0, 0 },
	{ "over max before all digits arrive", "999999", 6,
	    NETSTRING_REQUEST_MAX, NS_ERROR, NULL, 0, 0 },
	{ "length digits bounded (overflow)",
	    "99999999999999999999999999999:", NOLEN, SIZE_MAX, NS_ERROR, NULL,
	    0, 0 },
	{ "over a small max", "3:abc,", NOLEN, 2, NS_ERROR, NULL, 0, 0 },
	{ "max 0 refuses 1", "1:a,", NOLEN, 0, NS_ERROR, NULL, 0, 0 },
};

/* test_parse - run the parse table. */
static void
test_parse(void)
{
	const struct parse_case *c;
	const char *data;
	size_t	i, len, dlen, used;
	enum ns_result r;
	char   *buf;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		c = &parse_cases[i];
		len = c->len == NOLEN ? strlen(c->in) : c->len;
		buf = copy_exact(c->in, len);
		data = NULL;
		dlen = used = 0;
		r = netstring_parse(buf, len, c->max, &data, &dlen, &used);
		if (!ok(r == c->want, "parse: %s", c->name))
			diag("  got %d, want %d", (int)r, (int)c->want);
		if (c->want == NS_OK && r == NS_OK)
			ok(dlen == c->plen && data == buf + (used - dlen - 1) &&
			    memcmp(data, c->payload, dlen) == 0 &&
			    used == c->used, "parse: %s: payload and used",
			    c->name);
		free(buf);
	}
}

/* test_pipeline - several requests in one read are consumed in order. */
static void
test_pipeline(void)
{
	static const char in[] = "3:sts,0:,10:sts a.test,2:x";
	static const char *want[] = { "sts", "", "sts a.test" };
	const char *data;
	size_t	pos = 0, len = sizeof(in) - 1, dlen, used, n = 0;
	enum ns_result r;
	char   *buf = copy_exact(in, len);
	int	good = 1;

	while ((r = netstring_parse(buf + pos, len - pos, 100, &data, &dlen,
	    &used)) == NS_OK) {
		if (n >= 3 || dlen != strlen(want[n]) ||
		    memcmp(data, want[n], dlen) != 0)
			good = 0;
		n++;
		pos += used;
	}
	ok(good && n == 3, "pipeline: three requests decoded in order");
	ok(r == NS_INCOMPLETE && len - pos == 3,
	    "pipeline: a partial fourth request waits for more bytes");
	free(buf);
}

/* test_format - encoding, sizes and round trips. */
static void
test_format(void)
{
	static const char *payloads[] = { "", "x", "hello world",
	    "OK secure match=.example.net servername=hostname",
	    "0123456789" };
	char	out[128], *exact;
	const char *data;
	size_t	i, n, dlen, used, need;

	ok(netstring_size(0) == 3, "size: empty payload is 3 bytes");
	ok(netstring_size(9) == 12, "size: 9 bytes payload");
	ok(netstring_size(10) == 14, "size: 10 bytes payload");
	ok(netstring_size(NETSTRING_REQUEST_MAX) == 10007,
	    "size: request max");
	ok(netstring_size(SIZE_MAX) == 0, "size: overflow is 0");

	n = netstring_format(out, sizeof(out), "hello", 5);
	ok(n == 8 && memcmp(out, "5:hello,", 8) == 0 && out[8] == '\0',
	    "format: 5:hello, (terminated when room)");
	n = netstring_format(out, sizeof(out), NULL, 0);
	ok(n == 3 && memcmp(out, "0:,", 3) == 0, "format: empty payload");
	ok(netstring_format(out, 7, "hello", 5) == 0,
	    "format: output one byte short gives 0");
	ok(netstring_format(out, 0, "", 0) == 0, "format: outsz 0 gives 0");

	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		need = netstring_size(strlen(payloads[i]));
		exact = malloc(need);
		if (exact == NULL)
			abort();
		n = netstring_format(exact, need, payloads[i],
		    strlen(payloads[i]));
		ok(n == need && netstring_parse(exact, n, 100, &data, &dlen,
		    &used) == NS_OK && used == n &&
		    dlen == strlen(payloads[i]) &&
		    memcmp(data, payloads[i], dlen) == 0,
		    "format: round trip \"%s\" in an exact-size buffer",
		    payloads[i]);
		free(exact);
	}
}

/* main - run every table. */
int
main(void)
{
	test_parse();
	test_pipeline();
	test_format();
	return done_testing();
}
