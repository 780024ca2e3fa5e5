/*
 * sts_record_test - table-driven tests of the "_mta-sts" TXT record
 * (common/sts_record.c): RFC-CHECKLIST section 1 (T3-T9) and the X01-X18
 * acceptance cases, plus the TXT RDATA join.
 *
 * Every RR is copied into a heap buffer of exactly its length, so a read
 * past len is caught by AddressSanitizer.
 */
#include <stdlib.h>
#include <string.h>

#include "sts_record.h"
#include "tap.h"

#define ID32	"abcdefghijklmnopqrstuvwxyzABCDEF"
#define ID33	ID32 "0"
#define NAME32	"a234567890123456789012345678901b"
#define NAME33	NAME32 "c"
#define MAXRR	3

struct select_case {
	const char *name;
	const char *rr[MAXRR];	/* NULL ends the list */
	size_t	rrlen[MAXRR];	/* 0: strlen */
	enum sts_select want;
	const char *id;		/* when STS_SELECT_OK */
};

static const struct select_case select_cases[] = {
	{ "X01 v=STSv1; id=20160831085700Z;",
	    { "v=STSv1; id=20160831085700Z;" }, { 0 }, STS_SELECT_OK,
	    "20160831085700Z" },
	{ "X02 v=STSv1;id=abc", { "v=STSv1;id=abc" }, { 0 }, STS_SELECT_OK,
	    "abc" },
	{ "X03 HTAB/SP around ';' and a trailing delimiter",
	    { "v=STSv1;\tid=abc ; " }, { 0 }, STS_SELECT_OK, "abc" },
	{ "X04 v=STSv1 without ';'", { "v=STSv1" }, { 0 }, STS_SELECT_NONE,
	    NULL },
	{ "X05 v=STSv1; with no field", { "v=STSv1;" }, { 0 },
	    STS_SELECT_INVALID, NULL },
	{ "X05 v=STSv1; id= (empty id)", { "v=STSv1; id=" }, { 0 },
	    STS_SELECT_INVALID, NULL },
	{ "X06 id of 32 alnum", { "v=STSv1; id=" ID32 }, { 0 }, STS_SELECT_OK,
	    ID32 },
	{ "X06 id of 33 alnum", { "v=STSv1; id=" ID33 }, { 0 },
	    STS_SELECT_INVALID, NULL },
	{ "X07 id=abc-123 ('-' not allowed in id)", { "v=STSv1; id=abc-123" },
	    { 0 }, STS_SELECT_INVALID, NULL },
	{ "X08 V=STSv1 (upper-case v)", { "V=STSv1; id=a" }, { 0 },
	    STS_SELECT_NONE, NULL },
	{ "X08 v=stsv1 (lower-case version)", { "v=stsv1; id=a" }, { 0 },
	    STS_SELECT_NONE, NULL },
	{ "X08 v=STSv10", { "v=STSv10; id=a" }, { 0 }, STS_SELECT_NONE, NULL },
	{ "X08 leading space", { " v=STSv1; id=a" }, { 0 }, STS_SELECT_NONE,
	    NULL },
	{ "X08 id=a; v=STSv1 (version not first)", { "id=a; v=STSv1" }, { 0 },
	    STS_SELECT_NONE, NULL },
	{ "X09 ID=abc is an extension; id missing", { "v=STSv1; ID=abc" },
	    { 0 }, STS_SELECT_INVALID, NULL },
	{ "X10 non-STS RR dropped",
	    { "v=STSv1; id=abc", "v=spf1 -all" }, { 0 }, STS_SELECT_OK,
	    "abc" },
	{ "X11 two STS records", { "v=STSv1; id=abc", "v=STSv1; id=def" },
	    { 0 }, STS_SELECT_MULTIPLE, NULL },
	{ "X12 two records after filtering, one junk",
	    { "v=STSv1; id=abc", "v=STSv1; junk" }, { 0 },
	    STS_SELECT_MULTIPLE, NULL },
	{ "X13 v=STSv1 ; prefix rule (EID 6285)", { "v=STSv1 ; id=abc" },
	    { 0 }, STS_SELECT_NONE, NULL },
	{ "X15 unknown extension ignored", { "v=STSv1; id=abc; ext=val" },
	    { 0 }, STS_SELECT_OK, "abc" },
	{ "X16 '=' in an extension value", { "v=STSv1; id=abc; ext=a=b" },
	    { 0 }, STS_SELECT_INVALID, NULL },
	{ "X17 space in an extension value", { "v=STSv1; id=abc; ext=a b" },
	    { 0 }, STS_SELECT_INVALID, NULL },
	{ "X18 duplicated id: the first wins", { "v=STSv1; id=abc; id=def" },
	    { 0 }, STS_SELECT_OK, "abc" },
	{ "X20 no RR at all (NXDOMAIN/NODATA)", { NULL }, { 0 },
	    STS_SELECT_NONE, NULL },
	{ "T4 only non-STS RRs", { "v=spf1 -all", "google-site-verif=x" },
	    { 0 }, STS_SELECT_NONE, NULL },
	{ "T4 NUL byte in the only candidate", { "v=STSv1; id=abc\0x" },
	    { 17 }, STS_SELECT_INVALID, NULL },
	{ "T4 non-ASCII byte in the only candidate",
	    { "v=STSv1; id=abc; e=b\xc3\xa4r" }, { 0 }, STS_SELECT_INVALID,
	    NULL },
	{ "T4 non-ASCII byte in a dropped RR", { "v=STSv1; id=abc",
	    "caf\xc3\xa9" }, { 0 }, STS_SELECT_OK, "abc" },
	{ "T5 a broken candidate still counts", { "v=STSv1;",
	    "v=STSv1; id=abc" }, { 0 }, STS_SELECT_MULTIPLE, NULL },
	{ "T5 empty RR among them", { "", "v=STSv1; id=x1" }, { 0 },
	    STS_SELECT_OK, "x1" },
	{ "T7 id case is kept (exact bytes)", { "v=STSv1; id=AbC9" }, { 0 },
	    STS_SELECT_OK, "AbC9" },
	{ "T8 fields in any order", { "v=STSv1; ext=1; id=a; x.y_z-w=%" },
	    { 0 }, STS_SELECT_OK, "a" },
	{ "T8 trailing ';' without white space", { "v=STSv1;id=abc;" }, { 0 },
	    STS_SELECT_OK, "abc" },
	{ "T8 extension name of 32 characters",
	    { "v=STSv1; id=a; " NAME32 "=v" }, { 0 }, STS_SELECT_OK, "a" },
	{ "T8 extension name of 33 characters",
	    { "v=STSv1; id=a; " NAME33 "=v" }, { 0 }, STS_SELECT_INVALID,
	    NULL },
	{ "T8 extension name starting with '_'", { "v=STSv1; id=a; _x=v" },
	    { 0 }, STS_SELECT_INVALID, NULL },
	{ "T8 extension with an empty value", { "v=STSv1; id=a; ext=" },
	    { 0 }, STS_SELECT_INVALID, NULL },
	{ "T8 extension without '='", { "v=STSv1; id=a; ext" }, { 0 },
	    STS_SELECT_INVALID, NULL },
	{ "T6 ';;' (empty field)", { "v=STSv1; id=abc;;" }, { 0 },
	    STS_SELECT_INVALID, NULL },
	{ "T6 trailing white space without ';'", { "v=STSv1; id=abc " },
	    { 0 }, STS_SELECT_INVALID, NULL },
	{ "T6 control character", { "v=STSv1; id=abc\r" }, { 0 },
	    STS_SELECT_INVALID, NULL },
	{ "T6 DEL in an extension value", { "v=STSv1; id=abc; e=\x7f" },
	    { 0 }, STS_SELECT_INVALID, NULL },
	{ "T6 white space before '='", { "v=STSv1; id =abc" }, { 0 },
	    STS_SELECT_INVALID, NULL },
	{ "T6 white space after '='", { "v=STSv1; id= abc" }, { 0 },
	    STS_SELECT_INVALID, NULL },
	{ "T9 invalid id first, valid id later",
	    { "v=STSv1; id=abc-1; id=def" }, { 0 }, STS_SELECT_OK, "def" },
	{ "T9 id of 33 then a valid id", { "v=STSv1; id=" ID33 "; id=z" },
	    { 0 }, STS_SELECT_OK, "z" },
};

/* test_select - the discovery rule over lists of RRs (T4, T5, X01-X20). */
static void
test_select(void)
{
	const struct select_case *c;
	struct txt_rr rrs[MAXRR];
	struct sts_record rec;
	const char *why;
	enum sts_select r;
	size_t	i, n;

	for (i = 0; i < sizeof(select_cases) / sizeof(select_cases[0]); i++) {
		c = &select_cases[i];
		for (n = 0; n < MAXRR && c->rr[n] != NULL; n++) {
			rrs[n].len = c->rrlen[n] ? c->rrlen[n] :
			    strlen(c->rr[n]);
			rrs[n].data = copy_exact(c->rr[n], rrs[n].len);
		}
		memset(&rec, 0, sizeof(rec));
		why = NULL;
		r = sts_record_select(rrs, n, &rec, &why);
		if (!ok(r == c->want, "%s", c->name))
			diag("  got %d, want %d (%s)", (int)r, (int)c->want,
			    why ? why : "no reason");
		if (c->want == STS_SELECT_OK)
			is_str(rec.id, c->id, c->name);
		else
			ok(why != NULL && *why != '\0', "%s: says why (%s)",
			    c->name, why ? why : "nothing");
		while (n-- > 0)
			free((char *)rrs[n].data);
	}
}

struct join_case {
	const char *name;
	const char *rdata;
	size_t	rdlen;
	size_t	outsz;
	long	want;
	const char *out;
};

static const struct join_case join_cases[] = {
	{ "T3 one string", "\x0fv=STSv1; id=abc", 16, 64, 15,
	    "v=STSv1; id=abc" },
	{ "X14 v=STSv1; id=ab + c123 joined with no separator",
	    "\x0ev=STSv1; id=ab\x04" "c123", 20, 64, 18, "v=STSv1; id=abc123" },
	{ "T3 empty strings are allowed", "\x00\x03" "abc\x00", 6, 64, 3,
	    "abc" },
	{ "T3 a single empty string", "\x00", 1, 64, 0, "" },
	{ "T3 output exactly fills outsz", "\x03" "abc", 4, 4, 3, "abc" },
	{ "T3 output one byte over outsz", "\x03" "abc", 4, 3, -1, NULL },
	{ "T3 second string overflows outsz", "\x02" "ab\x02" "cd", 6, 4, -1,
	    NULL },
	{ "T3 truncated string", "\x05" "abc", 4, 64, -1, NULL },
	{ "T3 length byte with nothing after it", "\x03" "abc\x01", 5, 64, -1,
	    NULL },
	{ "T3 empty RDATA", "", 0, 64, -1, NULL },
	{ "T5 NUL byte kept (the parser refuses it; the RR still counts)",
	    "\x03" "a\0b", 4, 64, 3, "a\0b" },
	{ "T3 non-ASCII bytes are joined (the parser refuses them)",
	    "\x02\xc3\xa4", 3, 64, 2, "\xc3\xa4" },
	{ "T3 outsz 0", "\x01" "a", 2, 0, -1, NULL },
};

/* test_join - TXT RDATA join (T3, S5). */
static void
test_join(void)
{
	const struct join_case *c;
	unsigned char *rd;
	char	big[300], *out;
	unsigned char rdata[512];
	size_t	i;
	long	r;

	for (i = 0; i < sizeof(join_cases) / sizeof(join_cases[0]); i++) {
		c = &join_cases[i];
		rd = (unsigned char *)copy_exact(c->rdata, c->rdlen);
		if ((out = malloc(c->outsz ? c->outsz : 1)) == NULL)
			abort();
		r = txt_rdata_join(rd, c->rdlen, out, c->outsz);
		if (!ok(r == c->want, "join: %s", c->name))
			diag("  got %ld, want %ld", r, c->want);
		if (c->want >= 0 && r == c->want)
			ok(memcmp(out, c->out, (size_t)r + 1) == 0,
			    "join: %s: output", c->name);
		free(out);
		free(rd);
	}

	/* Two full 255-byte strings, as a long record would be split. */
	memset(rdata, 'x', sizeof(rdata));
	rdata[0] = 255;
	rdata[256] = 255;
	r = txt_rdata_join(rdata, 512, big, sizeof(big));
	ok(r == -1, "join: T3 510 bytes do not fit 300");
	out = malloc(511);
	if (out == NULL)
		abort();
	r = txt_rdata_join(rdata, 512, out, 511);
	ok(r == 510 && out[510] == '\0' && out[0] == 'x' && out[509] == 'x',
	    "join: T3 two 255-byte strings make 510 bytes");
	free(out);
}

/* test_parse - direct use of the parser and the candidate filter. */
static void
test_parse(void)
{
	struct sts_record rec;
	const char *why = NULL;

	ok(sts_record_is_candidate("v=STSv1;", 8),
	    "T4 v=STSv1; is a candidate");
	ok(!sts_record_is_candidate("v=STSv1;", 7), "T4 len is respected");
	ok(!sts_record_is_candidate("v=STSv1 ;", 9),
	    "X13 v=STSv1 ; is not a candidate");
	ok(!sts_record_is_candidate(NULL, 0), "T4 NULL is not a candidate");

	strcpy(rec.id, "keep");
	ok(sts_record_parse("v=STSv1 ; id=abc", 16, &rec, &why) == -1 &&
	    strcmp(rec.id, "keep") == 0 && why != NULL,
	    "X13 parse refuses it too and leaves rec alone");
	ok(sts_record_parse("v=STSv1; id=abcdef", 15, &rec, &why) == 0 &&
	    strcmp(rec.id, "abc") == 0, "T6 parse stops at len");
	ok(sts_record_parse("v=STSv1; id=a", 13, NULL, NULL) == 0,
	    "T6 rec and why may be NULL");
}

/* main - run every table. */
int
main(void)
{
	test_select();
	test_join();
	test_parse();
	return done_testing();
}
