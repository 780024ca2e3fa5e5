/*
 * mx_match_test - table-driven tests of host name checks, MX pattern
 * matching and socketmap key normalisation (common/mx_match.c):
 * RFC-CHECKLIST E2 and the Z01-Z08 table, P7 (pattern syntax), and the
 * DESIGN §4 key rules.
 *
 * Names handed over with a length are copied into a heap buffer of
 * exactly that length, so a read past len is caught by AddressSanitizer.
 */
#include <stdlib.h>
#include <string.h>

#include "mx_match.h"
#include "tap.h"

#define L63 "a23456789012345678901234567890123456789012345678901234567890123"
#define L64 L63 "4"
/* 4 * 63 + 3 dots = 255; 253 is the longest name. */
#define N253 L63 "." L63 "." L63 "." "a2345678901234567890123456789012345678" \
	"9012345678901234567890a"
#define N254 N253 "b"

struct match_case {
	const char *name;
	const char *pattern;
	const char *host;
	int	want;
};

static const struct match_case match_cases[] = {
	{ "Z01 *.example.com ~ mx.example.com", "*.example.com",
	    "mx.example.com", 1 },
	{ "Z02 *.example.com !~ example.com", "*.example.com", "example.com",
	    0 },
	{ "Z03 *.example.com !~ a.b.example.com", "*.example.com",
	    "a.b.example.com", 0 },
	{ "Z04 *.example.com !~ mxexample.com", "*.example.com",
	    "mxexample.com", 0 },
	{ "Z04 *.example.com !~ mx.example.com.evil.net", "*.example.com",
	    "mx.example.com.evil.net", 0 },
	{ "Z04 *.example.com !~ .example.com", "*.example.com", ".example.com",
	    0 },
	{ "Z05 mail.example.com ~ MAIL.Example.COM", "mail.example.com",
	    "MAIL.Example.COM", 1 },
	{ "Z05 mail.example.com ~ mail.example.com.", "mail.example.com",
	    "mail.example.com.", 1 },
	{ "Z06 example.com !~ mail.example.com", "example.com",
	    "mail.example.com", 0 },
	{ "Z07 *.mail.example.com ~ mx1.mail.example.com",
	    "*.mail.example.com", "mx1.mail.example.com", 1 },
	{ "Z08 *.example.com ~ xn--bcher-kva.example.com", "*.example.com",
	    "xn--bcher-kva.example.com", 1 },
	{ "E2 wildcard pattern in upper case", "*.EXAMPLE.com",
	    "Mx.example.COM.", 1 },
	{ "E2 wildcard with the root dot on the host", "*.example.com",
	    "mx.example.com.", 1 },
	{ "E2 exact pattern with one trailing dot", "mail.example.com.",
	    "mail.example.com", 1 },
	{ "E2 two trailing dots are not one", "mail.example.com",
	    "mail.example.com..", 0 },
	{ "E2 exact !~ longer host", "mail.example.com", "amail.example.com",
	    0 },
	{ "E2 exact !~ shorter host", "mail.example.com", "ail.example.com",
	    0 },
	{ "E2 exact !~ prefix", "mail.example.com", "mail.example.co", 0 },
	{ "E2 U-label host never matches", "*.example.com",
	    "b\xc3\xbc" "cher.example.com", 0 },
	{ "E2 '*' in the host is not a label", "*.example.com",
	    "*.example.com", 0 },
	{ "E2 host with '_' never matches", "*.example.com",
	    "a_b.example.com", 0 },
	{ "E2 empty host", "*.example.com", "", 0 },
	{ "E2 host is only a dot", "example.com", ".", 0 },
	{ "E2 invalid pattern never matches (*.*)", "*.*.example.com",
	    "a.b.example.com", 0 },
	{ "E2 invalid pattern never matches (*)", "*", "example", 0 },
	{ "E2 invalid pattern never matches (partial)", "m*.example.com",
	    "mx.example.com", 0 },
	{ "E2 invalid pattern never matches (empty)", "", "", 0 },
	{ "E2 single-label pattern", "localhost", "LOCALHOST", 1 },
	{ "E2 *.com ~ example.com", "*.com", "example.com", 1 },
};

/* test_match - E2 and Z01-Z08. */
static void
test_match(void)
{
	const struct match_case *c;
	size_t	i;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		c = &match_cases[i];
		ok(mx_match(c->pattern, c->host) == c->want, "%s", c->name);
	}
	ok(mx_match(NULL, "a.example") == 0 && mx_match("a.example", NULL) == 0,
	    "E2 NULL never matches");
}

struct name_case {
	const char *name;
	const char *in;
	int	ldh;		/* dns_name_is_ldh */
	int	pattern;	/* mx_pattern_is_valid */
	size_t	len;		/* 0: strlen(in) */
};

static const struct name_case name_cases[] = {
	{ "P7 plain host name", "mail.example.com", 1, 1, 0 },
	{ "P7 single label", "localhost", 1, 1, 0 },
	{ "P7 digits and hyphens", "mx-1.a9.example", 1, 1, 0 },
	{ "P7 all-digit labels (RFC 5321 Domain)", "1.2.3.4", 1, 1, 0 },
	{ "Y21 A-label", "xn--bcher-kva.example", 1, 1, 0 },
	{ "Y21 U-label", "b\xc3\xbc" "cher.example", 0, 0, 0 },
	{ "P7 upper case", "MAIL.Example.COM", 1, 1, 0 },
	{ "P7 wildcard", "*.example.com", 0, 1, 0 },
	{ "Y19 *.*.example.com", "*.*.example.com", 0, 0, 0 },
	{ "Y19 mail.*.example.com", "mail.*.example.com", 0, 0, 0 },
	{ "Y19 *", "*", 0, 0, 0 },
	{ "Y19 *.", "*.", 0, 0, 0 },
	{ "Y19 *example.com", "*example.com", 0, 0, 0 },
	{ "Y19 .example.com", ".example.com", 0, 0, 0 },
	{ "Y19 partial wildcard m*.example.com", "m*.example.com", 0, 0, 0 },
	{ "Y20 mail_1.example.com", "mail_1.example.com", 0, 0, 0 },
	{ "Y20 -a.example.com", "-a.example.com", 0, 0, 0 },
	{ "Y20 a-.example.com", "a-.example.com", 0, 0, 0 },
	{ "Y20 mail.example.com.", "mail.example.com.", 0, 0, 0 },
	{ "Y20 *.example.com.", "*.example.com.", 0, 0, 0 },
	{ "Y22 a.example.com, b.example.com",
	    "a.example.com, b.example.com", 0, 0, 0 },
	{ "P7 empty", "", 0, 0, 0 },
	{ "P7 empty label", "a..example", 0, 0, 0 },
	{ "P7 lone dot", ".", 0, 0, 0 },
	{ "P7 label of 63", L63 ".example", 1, 1, 0 },
	{ "P7 label of 64", L64 ".example", 0, 0, 0 },
	{ "P7 name of 253", N253, 1, 1, 0 },
	{ "P7 name of 254", N254, 0, 0, 0 },
	{ "P7 space", "mail example.com", 0, 0, 0 },
	{ "P7 address literal", "[192.0.2.1]", 0, 0, 0 },
	{ "P7 NUL inside", "a\0b", 0, 0, 3 },
};

/* test_names - dns_name_is_ldh and mx_pattern_is_valid (P7, Y19-Y22). */
static void
test_names(void)
{
	const struct name_case *c;
	size_t	i, len;
	char   *buf;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		c = &name_cases[i];
		len = c->len ? c->len : strlen(c->in);
		buf = copy_exact(c->in, len);
		ok(dns_name_is_ldh(buf, len) == c->ldh, "ldh: %s", c->name);
		ok(mx_pattern_is_valid(buf, len) == c->pattern,
		    "pattern: %s", c->name);
		free(buf);
	}
	ok(dns_name_is_ldh("example.com", 7) == 1,
	    "ldh: len is respected (\"example\")");
	ok(dns_name_is_ldh("example.", 8) == 0, "ldh: trailing dot by len");
	ok(dns_name_is_ldh(NULL, 0) == 0 && mx_pattern_is_valid(NULL, 0) == 0,
	    "ldh: NULL is not a name");
	/* The suffix of a wildcard may itself be up to 253 bytes. */
	buf = malloc(2 + sizeof(N253));
	if (buf == NULL)
		abort();
	memcpy(buf, "*.", 2);
	memcpy(buf + 2, N253, sizeof(N253) - 1);
	ok(mx_pattern_is_valid(buf, 2 + sizeof(N253) - 1) == 1,
	    "pattern: *. and a 253-byte name");
	free(buf);
}

struct norm_case {
	const char *name;
	const char *key;
	const char *want;	/* NULL: -1 (NOTFOUND without DNS) */
};

static const struct norm_case norm_cases[] = {
	{ "plain domain", "example.com", "example.com" },
	{ "lower-cased", "MAIL.Example.COM", "mail.example.com" },
	{ "one trailing dot stripped", "example.com.", "example.com" },
	{ "two trailing dots", "example.com..", NULL },
	{ "[host]", "[mx.example.com]", "mx.example.com" },
	{ "[host]:port", "[mx.example.com]:587", "mx.example.com" },
	{ "[host]:service", "[mx.example.com]:submission", "mx.example.com" },
	{ "host:port", "example.com:25", "example.com" },
	{ "[Host.]:port", "[MX.Example.com.]:25", "mx.example.com" },
	{ "host.:port", "example.com.:25", "example.com" },
	{ "single label", "localhost", "localhost" },
	{ "A-label", "xn--bcher-kva.example", "xn--bcher-kva.example" },
	{ "parent-domain probe .example.com", ".example.com", NULL },
	{ "lone dot", ".", NULL },
	{ "empty key", "", NULL },
	{ "IPv4 literal", "192.0.2.1", NULL },
	{ "[IPv4] literal", "[192.0.2.1]", NULL },
	{ "[IPv4]:port literal", "[192.0.2.1]:25", NULL },
	{ "all-digit last label", "host.123", NULL },
	{ "all-digit single label", "12345", NULL },
	{ "digit label not last is fine", "123.example", "123.example" },
	{ "[ipv6:...] literal", "[ipv6:2001:db8::1]", NULL },
	{ "[IPv6:...] literal", "[IPv6:2001:db8::1]:25", NULL },
	{ "ipv6: literal unbracketed", "ipv6:2001:db8::1", NULL },
	{ "bare IPv6", "2001:db8::1", NULL },
	{ "[::1]", "[::1]", NULL },
	{ "::1", "::1", NULL },
	{ "path (LMTP)", "/var/run/lmtp", NULL },
	{ "unix: path", "unix:/var/run/lmtp", NULL },
	{ "path inside brackets", "[a/b]", NULL },
	{ "U-label", "b\xc3\xbc" "cher.example", NULL },
	{ "8-bit byte", "ex\xff" "ample.com", NULL },
	{ "underscore", "_mta-sts.example.com", NULL },
	{ "space", "example .com", NULL },
	{ "wildcard", "*.example.com", NULL },
	{ "unclosed bracket", "[example.com", NULL },
	{ "junk after bracket", "[example.com]x", NULL },
	{ "empty port after bracket", "[example.com]:", NULL },
	{ "empty brackets", "[]", NULL },
	{ "brackets with a dot", "[.]", NULL },
	{ "[.host]", "[.example.com]", NULL },
	{ "empty port", "example.com:", NULL },
	{ "empty host with port", ":25", NULL },
	{ "bad port", "example.com:2 5", NULL },
	{ "label of 64", L64 ".example", NULL },
	{ "name of 253", N253, N253 },
	{ "name of 253 and a trailing dot", N253 ".", N253 },
	{ "name of 254", N254, NULL },
};

/* test_normalize - socketmap key normalisation (DESIGN §4). */
static void
test_normalize(void)
{
	const struct norm_case *c;
	char	out[DNS_NAME_MAX + 1], small[8], *key;
	size_t	i, len;
	int	r;

	for (i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
		c = &norm_cases[i];
		len = strlen(c->key);
		key = copy_exact(c->key, len);
		memset(out, 'X', sizeof(out));
		r = host_normalize(key, len, out, sizeof(out));
		if (c->want == NULL)
			ok(r == -1, "normalize: %s -> NOTFOUND", c->name);
		else if (ok(r == 0, "normalize: %s -> %s", c->name, c->want))
			is_str(out, c->want, c->name);
		free(key);
	}
	ok(host_normalize("example.com", 11, small, sizeof(small)) == -1,
	    "normalize: output too small");
	ok(host_normalize("abcdefg", 7, small, sizeof(small)) == 0 &&
	    strcmp(small, "abcdefg") == 0, "normalize: output exactly fits");
	ok(host_normalize("example.com", 7, out, sizeof(out)) == 0 &&
	    strcmp(out, "example") == 0, "normalize: len is respected");
	ok(host_normalize("a\0b", 3, out, sizeof(out)) == -1,
	    "normalize: NUL in the key");
}

/* main - run every table. */
int
main(void)
{
	test_match();
	test_names();
	test_normalize();
	return done_testing();
}
