/*
 * sts_policy_test - table-driven tests of the MTA-STS policy parser
 * (common/sts_policy.c): RFC-CHECKLIST section 3 (P1-P10), the Y01-Y23
 * acceptance cases and the S5 bounds (body and line caps).
 *
 * Every body is copied into a heap buffer of exactly its length, so a
 * read past len is caught by AddressSanitizer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sts_policy.h"
#include "tap.h"

#define NOLEN	((size_t)-1)	/* use strlen(body) */

#define V	"version: STSv1\n"
#define ME	"mode: enforce\n"
#define MX	"mx: mail.example.com\n"
#define MA	"max_age: 604800\n"
#define B	V ME MX MA
#define KEY33	"k23456789012345678901234567890123"

struct pol_case {
	const char *name;
	const char *body;
	size_t	len;
	int	valid;
	enum sts_mode mode;	/* when valid */
	uint32_t max_age;	/* when valid */
	const char *mx;		/* when valid: patterns joined by '|' */
	const char *ext;	/* when valid: extension lines joined by '|' */
	size_t	errline;	/* when invalid */
	const char *errsub;	/* when invalid: part of the reason */
};

#define OK_ENF(n, body) \
	{ n, body, NOLEN, 1, STS_MODE_ENFORCE, 604800, "mail.example.com", "", \
	    0, NULL }
#define BAD(n, body, line, sub) \
	{ n, body, NOLEN, 0, STS_MODE_NONE, 0, NULL, NULL, line, sub }
/* BADN - as BAD for a body literal holding a NUL byte. */
#define BADN(n, body, line, sub) \
	{ n, body, sizeof(body) - 1, 0, STS_MODE_NONE, 0, NULL, NULL, line, \
	    sub }

static const struct pol_case pol_cases[] = {
	OK_ENF("Y01 LF, final terminator", B),
	OK_ENF("Y01 LF, no final terminator",
	    "version: STSv1\nmode: enforce\nmx: mail.example.com\n"
	    "max_age: 604800"),
	OK_ENF("Y01 CRLF, final terminator",
	    "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
	    "max_age: 604800\r\n"),
	OK_ENF("Y01 CRLF, no final terminator",
	    "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
	    "max_age: 604800"),
	OK_ENF("Y01 mixed LF and CRLF",
	    "version: STSv1\r\nmode: enforce\nmx: mail.example.com\r\n"
	    "max_age: 604800\n"),
	OK_ENF("Y02 fields in order max_age, mx, mode, version", MA MX ME V),
	{ "Y03 mode none without mx", V "mode: none\nmax_age: 86400", NOLEN,
	    1, STS_MODE_NONE, 86400, "", "", 0, NULL },
	BAD("Y04 enforce without mx", V ME "max_age: 86400", 0, "no mx"),
	BAD("Y04 testing without mx", V "mode: testing\n" MA, 0, "no mx"),
	BAD("Y05 no version", ME MX MA, 0, "version field is missing"),
	BAD("Y05 no mode", V MX MA, 0, "mode field is missing"),
	BAD("Y05 no max_age", V ME MX, 0, "max_age field is missing"),
	BAD("Y06 version: STSv2", "version: STSv2\n" ME MX MA, 1,
	    "version must be STSv1"),
	BAD("Y06 version: stsv1", "version: stsv1\n" ME MX MA, 1,
	    "version must be STSv1"),
	BAD("Y07 mode: Enforce", V "mode: Enforce\n" MX MA, 2,
	    "mode must be testing, enforce or none"),
	BAD("Y08 Mode: enforce (mode missing, Mode ignored)",
	    V "Mode: enforce\n" MX MA, 0, "mode field is missing"),
	OK_ENF("Y09 mode:enforce", V "mode:enforce\n" MX MA),
	OK_ENF("Y09 mode:\\t enforce", V "mode:\t enforce\n" MX MA),
	OK_ENF("Y09 mode: enforce with trailing spaces",
	    V "mode: enforce  \n" MX MA),
	BAD("Y10 mode : enforce", V "mode : enforce\n" MX MA, 2,
	    "no white space is allowed between \"mode\" and ':'"),
	BAD("Y10 leading space before mode", V " mode: enforce\n" MX MA, 2,
	    "white space before the field name"),
	OK_ENF("Y11 empty line between fields", V "\n" ME MX MA),
	OK_ENF("Y11 white-space-only line between fields",
	    V " \t \n" ME MX MA),
	OK_ENF("Y11 empty lines at the end", B "\n\n"),
	OK_ENF("Y11 white space line at the end, unterminated", B "  "),
	OK_ENF("Y11 empty line at the start", "\n" B),
	OK_ENF("Y11 CRLF blank lines", "\r\n" V "\r\n" ME MX MA " \r\n"),
	{ "Y12 mode: testing then mode: enforce",
	    V "mode: testing\n" MX MA "mode: enforce\n", NOLEN, 1,
	    STS_MODE_TESTING, 604800, "mail.example.com", "", 0, NULL },
	{ "Y13 max_age: 86400 then max_age: 1",
	    V ME MX "max_age: 86400\nmax_age: 1\n", NOLEN, 1,
	    STS_MODE_ENFORCE, 86400, "mail.example.com", "", 0, NULL },
	{ "Y14 max_age: 0", V ME MX "max_age: 0", NOLEN, 1, STS_MODE_ENFORCE,
	    0, "mail.example.com", "", 0, NULL },
	{ "Y14 max_age: 31557600", V ME MX "max_age: 31557600", NOLEN, 1,
	    STS_MODE_ENFORCE, 31557600, "mail.example.com", "", 0, NULL },
	{ "Y14 max_age: 0086400", V ME MX "max_age: 0086400", NOLEN, 1,
	    STS_MODE_ENFORCE, 86400, "mail.example.com", "", 0, NULL },
	{ "Y15 max_age: 31557601 clamped", V ME MX "max_age: 31557601", NOLEN,
	    1, STS_MODE_ENFORCE, STS_MAX_AGE_CAP, "mail.example.com", "", 0,
	    NULL },
	{ "Y15 max_age: 9999999999 clamped", V ME MX "max_age: 9999999999",
	    NOLEN, 1, STS_MODE_ENFORCE, STS_MAX_AGE_CAP, "mail.example.com",
	    "", 0, NULL },
	BAD("Y16 max_age: 10000000000 (11 digits)",
	    V ME MX "max_age: 10000000000", 4, "at most 10 digits"),
	BAD("Y16 max_age: -1", V ME MX "max_age: -1", 4, "max_age must be"),
	BAD("Y16 max_age: 1.5", V ME MX "max_age: 1.5", 4, "max_age must be"),
	BAD("Y16 max_age: (empty)", V ME MX "max_age:", 4, "max_age must be"),
	BAD("Y16 max_age: +1", V ME MX "max_age: +1", 4, "max_age must be"),
	BAD("Y16 max_age: 1 2", V ME MX "max_age: 1 2", 4, "max_age must be"),
	{ "Y17 extension foo: bar baz kept", B "foo: bar baz\n", NOLEN, 1,
	    STS_MODE_ENFORCE, 604800, "mail.example.com", "foo: bar baz", 0,
	    NULL },
	{ "Y17 extension x_y.z: b\xc3\xa4r kept", B "x_y.z: b\xc3\xa4r\n",
	    NOLEN, 1, STS_MODE_ENFORCE, 604800, "mail.example.com",
	    "x_y.z: b\xc3\xa4r", 0, NULL },
	BAD("Y18 extension key of 33 characters", B KEY33 ": v\n", 5,
	    "longer than 32"),
	BAD("Y18 key #comment", B "#comment\n", 5,
	    "must start with a letter or digit"),
	BAD("Y18 key #comment with a colon", "#c: x\n" B, 1,
	    "must start with a letter or digit"),
	BAD("Y19 mx: *.*.example.com", V ME "mx: *.*.example.com\n" MA, 3,
	    "mx \"*.*.example.com\" is not a host name"),
	BAD("Y19 mx: mail.*.example.com", V ME "mx: mail.*.example.com\n" MA,
	    3, "is not a host name"),
	BAD("Y19 mx: *", V ME "mx: *\n" MA, 3, "is not a host name"),
	BAD("Y19 mx: *example.com", V ME "mx: *example.com\n" MA, 3,
	    "is not a host name"),
	BAD("Y19 mx: .example.com", V ME "mx: .example.com\n" MA, 3,
	    "is not a host name"),
	BAD("Y20 mx: mail_1.example.com", V ME "mx: mail_1.example.com\n" MA,
	    3, "is not a host name"),
	BAD("Y20 mx: -a.example.com", V ME "mx: -a.example.com\n" MA, 3,
	    "is not a host name"),
	BAD("Y20 mx: mail.example.com.", V ME "mx: mail.example.com.\n" MA, 3,
	    "is not a host name"),
	BAD("Y21 mx: b\xc3\xbc" "cher.example (U-label)",
	    V ME "mx: b\xc3\xbc" "cher.example\n" MA, 3, "A-labels"),
	{ "Y21 mx: xn--bcher-kva.example (A-label)",
	    V ME "mx: xn--bcher-kva.example\n" MA, NOLEN, 1, STS_MODE_ENFORCE,
	    604800, "xn--bcher-kva.example", "", 0, NULL },
	BAD("Y22 mx: a.example.com, b.example.com",
	    V ME "mx: a.example.com, b.example.com\n" MA, 3,
	    "one pattern per line"),
	BAD("Y23 empty body", "", 0, "empty"),
	BAD("Y23 bare CR terminators",
	    "version: STSv1\rmode: enforce\rmx: mail.example.com\r"
	    "max_age: 604800\r", 1, "carriage return"),
	BAD("Y23 bare CR on the last line only", B "foo: bar\r", 5,
	    "carriage return"),
	BAD("Y23 CR CR LF", V "mode: enforce\r\r\n" MX MA, 2,
	    "carriage return"),
	BAD("Y23 UTF-8 BOM prefix", "\xef\xbb\xbf" B, 1, "byte order mark"),
	BAD("P1 only blank lines", "\n \n\t\n", 0, "version field is missing"),
	{ "P1 mode none may list mx", V "mode: none\n" MX MA, NOLEN, 1,
	    STS_MODE_NONE, 604800, "mail.example.com", "", 0, NULL },
	BAD("P2 MAX_AGE is not max_age", V ME MX "MAX_AGE: 1\n", 0,
	    "max_age field is missing"),
	BAD("P2 mode: ENFORCE", V "mode: ENFORCE\n" MX MA, 2,
	    "mode must be"),
	BAD("P2 version: STSV1", "version: STSV1\n" ME MX MA, 1,
	    "version must be STSv1"),
	BAD("P4 key without ':'", B "foo bar\n", 5, "expected \"name: value\""),
	BAD("P4 key alone", B "foo\n", 5, "expected \"name: value\""),
	BAD("P4 ':' alone", B ":\n", 5, "must start with a letter or digit"),
	{ "P4 trailing white space is not part of a value",
	    V ME "mx: mail.example.com \t\n" MA "foo:bar\t \n", NOLEN, 1,
	    STS_MODE_ENFORCE, 604800, "mail.example.com", "foo: bar", 0,
	    NULL },
	BAD("P4 tab inside an extension value", B "foo: a\tb\n", 5,
	    "tab inside a value"),
	BAD("P4 control character in a value", B "foo: a\x01" "b\n", 5,
	    "control character 0x01"),
	BAD("P4 DEL in a value", B "foo: a\x7f\n", 5,
	    "control character 0x7f"),
	BADN("P4 NUL in a value", B "foo: a\0b\n", 5,
	    "control character 0x00"),
	BADN("P4 NUL before a key", B "\0foo: b\n", 5,
	    "must start with a letter or digit"),
	BAD("P4 empty extension value", B "foo:\n", 5, "has no value"),
	BAD("P4 invalid UTF-8 in a value", B "foo: \xff\n", 5,
	    "not valid UTF-8"),
	BAD("P4 overlong UTF-8 (C0 80)", B "foo: \xc0\x80\n", 5,
	    "not valid UTF-8"),
	BAD("P4 UTF-16 surrogate in UTF-8 (ED A0 80)", B "foo: \xed\xa0\x80\n",
	    5, "not valid UTF-8"),
	BAD("P4 truncated UTF-8 at the end", B "foo: a\xe2\x82", 5,
	    "not valid UTF-8"),
	BAD("P4 UTF-8 above U+10FFFF (F4 90)", B "foo: \xf4\x90\x80\x80", 5,
	    "not valid UTF-8"),
	{ "P4 4-byte UTF-8 in a value", B "foo: \xf0\x9f\x93\xab", NOLEN, 1,
	    STS_MODE_ENFORCE, 604800, "mail.example.com",
	    "foo: \xf0\x9f\x93\xab", 0, NULL },
	BAD("P4 invalid UTF-8 in a repeated mode", B "mode: \xff\n", 5,
	    "not valid UTF-8"),
	BAD("P4 repeated mode with no value", B "mode:\n", 5, "has no value"),
	{ "P5 extensions kept in file order, canonical form",
	    "zeta:1\n" V "alpha:   two words  \n" ME MX MA "Mode: enforce\n"
	    "b-2.x_y: \xc3\xa9t\xc3\xa9\n", NOLEN, 1, STS_MODE_ENFORCE,
	    604800, "mail.example.com",
	    "zeta: 1|alpha: two words|Mode: enforce|b-2.x_y: \xc3\xa9t\xc3\xa9",
	    0, NULL },
	{ "P5 extension name of 32 characters",
	    B "k2345678901234567890123456789012: v\n", NOLEN, 1,
	    STS_MODE_ENFORCE, 604800, "mail.example.com",
	    "k2345678901234567890123456789012: v", 0, NULL },
	{ "P6 every mx line kept, in order, duplicates too",
	    V ME "mx: b.example\nmx: *.A.example\nmx: b.example\n" MA, NOLEN,
	    1, STS_MODE_ENFORCE, 604800, "b.example|*.A.example|b.example",
	    "", 0, NULL },
	{ "P6 repeated version with another value is ignored",
	    B "version: STSv9\n", NOLEN, 1, STS_MODE_ENFORCE, 604800,
	    "mail.example.com", "", 0, NULL },
	{ "P6 repeated max_age that is not a number is ignored",
	    B "max_age: forever\n", NOLEN, 1, STS_MODE_ENFORCE, 604800,
	    "mail.example.com", "", 0, NULL },
	{ "P7 mx kept as published (case)", V ME "mx: *.MX.Example.COM\n" MA,
	    NOLEN, 1, STS_MODE_ENFORCE, 604800, "*.MX.Example.COM", "", 0,
	    NULL },
	{ "P7 single-label mx", V ME "mx: localhost\n" MA, NOLEN, 1,
	    STS_MODE_ENFORCE, 604800, "localhost", "", 0, NULL },
	BAD("P7 empty mx", V ME "mx:\n" MA, 3, "mx needs a host name pattern"),
	BAD("P7 mx with a label of 64 bytes",
	    V ME "mx: a234567890123456789012345678901234567890123456789012345"
	    "678901234.example\n" MA, 3, "is not a host name"),
	BAD("P7 mx label ending in '-'", V ME "mx: mail-.example.com\n" MA, 3,
	    "is not a host name"),
	BAD("P7 mx with an address literal", V ME "mx: [192.0.2.1]\n" MA, 3,
	    "is not a host name"),
	BAD("P9 a later error still invalidates", B "foo: \x02\n", 5,
	    "control character"),
};

/* join_list - strings joined by '|' into out, for comparison. */
static const char *
join_list(char *out, size_t outsz, char **v, size_t n)
{
	size_t	i, o = 0, l;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		l = strlen(v[i]);
		if (o + l + 2 > outsz)
			return "(too long)";
		if (i > 0)
			out[o++] = '|';
		memcpy(out + o, v[i], l);
		o += l;
		out[o] = '\0';
	}
	return out;
}

/* check_policy - compare a parsed policy with what a case expects. */
static void
check_policy(const char *name, const struct sts_policy *p,
    enum sts_mode mode, uint32_t max_age, const char *mx, const char *ext)
{
	char	buf[1024], desc[256];

	ok(p->mode == mode, "%s: mode %s", name, sts_mode_name(mode));
	if (!ok(p->max_age == max_age, "%s: max_age %u", name,
	    (unsigned)max_age))
		diag("  got %u", (unsigned)p->max_age);
	snprintf(desc, sizeof(desc), "%s: mx", name);
	is_str(join_list(buf, sizeof(buf), p->mx, p->nmx), mx, desc);
	snprintf(desc, sizeof(desc), "%s: extensions", name);
	is_str(join_list(buf, sizeof(buf), p->ext, p->next), ext, desc);
}

/* test_table - run the table. */
static void
test_table(void)
{
	const struct pol_case *c;
	struct sts_policy pol;
	char	err[256], *buf;
	size_t	i, len, errline;
	int	r;

	for (i = 0; i < sizeof(pol_cases) / sizeof(pol_cases[0]); i++) {
		c = &pol_cases[i];
		len = c->len == NOLEN ? strlen(c->body) : c->len;
		buf = copy_exact(c->body, len);
		errline = 12345;
		r = sts_policy_parse(buf, len, &pol, err, sizeof(err),
		    &errline);
		if (!ok((r == 0) == c->valid, "%s: %s", c->name,
		    c->valid ? "valid" : "invalid"))
			diag("  error: %s (line %zu)", err, errline);
		if (c->valid && r == 0) {
			check_policy(c->name, &pol, c->mode, c->max_age, c->mx,
			    c->ext);
		} else if (!c->valid && r != 0) {
			if (!ok(errline == c->errline &&
			    strstr(err, c->errsub) != NULL,
			    "%s: line %zu, \"%s\"", c->name, c->errline,
			    c->errsub))
				diag("  got line %zu: %s", errline, err);
			ok(pol.nmx == 0 && pol.mx == NULL && pol.ext == NULL,
			    "%s: policy left zeroed", c->name);
		}
		sts_policy_free(&pol);
		free(buf);
	}
}

/* test_messages - complete error texts an administrator reads. */
static void
test_messages(void)
{
	static const char bad_mode[] =
	    "version: STSv1\nmx: a.example\nmode: bogus\nmax_age: 1\n";
	char	err[256], tiny[8];
	size_t	errline = 99;

	sts_policy_parse(bad_mode, sizeof(bad_mode) - 1, NULL, err,
	    sizeof(err), &errline);
	is_str(err, "line 3: mode must be testing, enforce or none",
	    "P2 error text names the line and the choices");
	ok(errline == 3, "P2 errline is 1-based");
	sts_policy_parse(V ME MA, strlen(V ME MA), NULL, err, sizeof(err),
	    &errline);
	is_str(err, "mode is enforce but no mx field is present",
	    "P1 a missing field has no line prefix");
	ok(errline == 0, "P1 errline is 0 for a missing field");
	ok(sts_policy_parse(bad_mode, sizeof(bad_mode) - 1, NULL, tiny,
	    sizeof(tiny), NULL) == -1 && strlen(tiny) == sizeof(tiny) - 1,
	    "error text is truncated to errsz");
	ok(sts_policy_parse(bad_mode, sizeof(bad_mode) - 1, NULL, NULL, 0,
	    NULL) == -1, "err and errline may be NULL");
	ok(sts_policy_parse(B, strlen(B), NULL, err, sizeof(err),
	    &errline) == 0 && err[0] == '\0' && errline == 0,
	    "valid policy with pol NULL: err empty, errline 0");
}

/* build - a policy B followed by an extension line of vlen value bytes. */
static char *
build(size_t vlen, size_t *len)
{
	size_t	blen = strlen(B), n = blen + 5 + vlen;
	char   *p = malloc(n);

	if (p == NULL)
		abort();
	memcpy(p, B, blen);
	memcpy(p + blen, "foo: ", 5);
	memset(p + blen + 5, 'x', vlen);
	*len = n;
	return p;
}

/* test_limits - the S5 line cap and the F7 body cap. */
static void
test_limits(void)
{
	struct sts_policy pol;
	char	err[256], *p, *big;
	size_t	len, errline, i, n;

	p = build(STS_POLICY_LINE_MAX - 5, &len);
	ok(sts_policy_parse(p, len, &pol, err, sizeof(err), &errline) == 0 &&
	    pol.next == 1 && strlen(pol.ext[0]) == STS_POLICY_LINE_MAX,
	    "S5 a line of %d bytes is accepted", STS_POLICY_LINE_MAX);
	sts_policy_free(&pol);
	free(p);

	p = build(STS_POLICY_LINE_MAX - 4, &len);
	ok(sts_policy_parse(p, len, &pol, err, sizeof(err), &errline) == -1 &&
	    errline == 5 && strstr(err, "longer than 1000") != NULL,
	    "S5 a line of %d bytes is refused", STS_POLICY_LINE_MAX + 1);
	free(p);

	/* Pad with blank lines to exactly the body limit, then one more. */
	big = malloc(STS_POLICY_BODY_MAX + 1);
	if (big == NULL)
		abort();
	n = strlen(B);
	memcpy(big, B, n);
	for (i = n; i < STS_POLICY_BODY_MAX + 1; i++)
		big[i] = '\n';
	ok(sts_policy_parse(big, STS_POLICY_BODY_MAX, &pol, err, sizeof(err),
	    &errline) == 0, "F7 a body of %d bytes is accepted",
	    STS_POLICY_BODY_MAX);
	sts_policy_free(&pol);
	ok(sts_policy_parse(big, STS_POLICY_BODY_MAX + 1, &pol, err,
	    sizeof(err), &errline) == -1 && errline == 0 &&
	    strstr(err, "larger than 65536") != NULL,
	    "F7 a body of %d bytes is refused", STS_POLICY_BODY_MAX + 1);
	free(big);

	/* Many mx lines: the arrays grow, up to STS_POLICY_MX_MAX lines. */
	n = STS_POLICY_MX_MAX;
	big = malloc(strlen(V ME MA) + (n + 1) * 16);
	if (big == NULL)
		abort();
	len = strlen(V ME MA);
	memcpy(big, V ME MA, len);
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(big + len, "mx: m%04zu.test\n", i % 200);
	ok(sts_policy_parse(big, len, &pol, err, sizeof(err), &errline) == 0 &&
	    pol.nmx == n && strcmp(pol.mx[n - 1], "m0055.test") == 0,
	    "P6 %d mx lines are all kept, duplicates too", STS_POLICY_MX_MAX);
	sts_policy_free(&pol);
	len += (size_t)sprintf(big + len, "mx: m%04zu.test\n", n);
	ok(sts_policy_parse(big, len, &pol, err, sizeof(err), &errline) == -1 &&
	    errline == (size_t)n + 4 &&
	    strstr(err, "more than 256 mx lines") != NULL,
	    "a policy of %d mx lines is refused at the line past the cap "
	    "(issue 16.7: every lookup walks the list)", STS_POLICY_MX_MAX + 1);
	free(big);
}

/* test_copy - deep copy, free, and the mode names. */
static void
test_copy(void)
{
	static const char body[] = V ME MX "mx: *.b.example\n" MA "x: y\n";
	struct sts_policy a, b, z;
	char	err[128];
	size_t	errline;

	if (sts_policy_parse(body, sizeof(body) - 1, &a, err, sizeof(err),
	    &errline) != 0)
		abort();
	ok(sts_policy_copy(&b, &a) == 0, "copy succeeds");
	ok(b.mode == a.mode && b.max_age == a.max_age && b.nmx == 2 &&
	    b.next == 1 && b.mx != a.mx && b.mx[0] != a.mx[0] &&
	    strcmp(b.mx[1], "*.b.example") == 0 &&
	    strcmp(b.ext[0], "x: y") == 0, "copy is deep and equal");
	sts_policy_free(&a);
	ok(a.mx == NULL && a.nmx == 0 && a.ext == NULL,
	    "free zeroes the policy");
	ok(strcmp(b.mx[0], "mail.example.com") == 0,
	    "copy outlives the original");
	sts_policy_free(&b);
	sts_policy_free(&b);
	ok(1, "free twice is harmless");

	memset(&z, 0, sizeof(z));
	z.mode = STS_MODE_NONE;
	ok(sts_policy_copy(&b, &z) == 0 && b.mx == NULL && b.ext == NULL,
	    "copy of an empty policy");
	sts_policy_free(&b);

	is_str(sts_mode_name(STS_MODE_NONE), "none", "mode name none");
	is_str(sts_mode_name(STS_MODE_TESTING), "testing", "mode name testing");
	is_str(sts_mode_name(STS_MODE_ENFORCE), "enforce", "mode name enforce");
	ok(sts_mode_parse("none") == STS_MODE_NONE &&
	    sts_mode_parse("testing") == STS_MODE_TESTING &&
	    sts_mode_parse("enforce") == STS_MODE_ENFORCE,
	    "mode parse round trip");
	ok(sts_mode_parse("Enforce") == -1 && sts_mode_parse("") == -1 &&
	    sts_mode_parse(NULL) == -1, "P2 mode parse is case-sensitive");
}

/* main - run every table. */
int
main(void)
{
	test_table();
	test_messages();
	test_limits();
	test_copy();
	return done_testing();
}
