/*
 * tlsrpt_record_test - table-driven tests of the "_smtp._tls" TXT record
 * (common/tlsrpt_record.c): RFC 8460 §3 as RFC-CHECKLIST R2 and R3 state
 * it, the U01-U04 acceptance cases, and the grammar around them.
 *
 * Every RR is copied into a heap buffer of exactly its length, so a read
 * past len is caught by AddressSanitizer.
 */
#include <stdlib.h>
#include <string.h>

#include "tlsrpt_record.h"
#include "tap.h"

#define MAXRR	3
#define MAXURI	3
#define NAME32	"a234567890123456789012345678901b"
#define NAME33	NAME32 "c"

struct select_case {
	const char *name;
	const char *rr[MAXRR];	/* NULL ends the list */
	size_t	rrlen[MAXRR];	/* 0: strlen */
	enum tlsrpt_select want;
	const char *rua[MAXURI];	/* usable URIs when OK, NULL ends */
	size_t	nignored;
};

static const struct select_case select_cases[] = {
	{ "U01 v=TLSRPTv1; rua=mailto:tlsrpt@example.com",
	    { "v=TLSRPTv1; rua=mailto:tlsrpt@example.com" }, { 0 },
	    TLSRPT_SELECT_OK, { "mailto:tlsrpt@example.com" }, 0 },
	{ "U02 two URIs, white space around ','",
	    { "v=TLSRPTv1;rua=mailto:a@example.com , "
	    "https://r.example.com/v1" }, { 0 }, TLSRPT_SELECT_OK,
	    { "mailto:a@example.com", "https://r.example.com/v1" }, 0 },
	{ "U03 v=TLSRPTv1 alone (no ';')", { "v=TLSRPTv1" }, { 0 },
	    TLSRPT_SELECT_NONE, { NULL }, 0 },
	{ "U03 no rua field", { "v=TLSRPTv1; foo=bar" }, { 0 },
	    TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "U03 two valid records",
	    { "v=TLSRPTv1; rua=mailto:a@example.com",
	    "v=TLSRPTv1; rua=mailto:b@example.com" }, { 0 },
	    TLSRPT_SELECT_MULTIPLE, { NULL }, 0 },
	{ "U04 http: only: no usable destination",
	    { "v=TLSRPTv1; rua=http://r.example/x" }, { 0 },
	    TLSRPT_SELECT_NO_URI, { NULL }, 0 },
	{ "R3 http: ignored, https: kept",
	    { "v=TLSRPTv1; rua=http://r.example/x,https://r.example/y" },
	    { 0 }, TLSRPT_SELECT_OK, { "https://r.example/y" }, 1 },
	{ "R3 two rua fields are merged",
	    { "v=TLSRPTv1; rua=mailto:a@x.example; rua=mailto:b@x.example" },
	    { 0 }, TLSRPT_SELECT_OK,
	    { "mailto:a@x.example", "mailto:b@x.example" }, 0 },
	{ "R3 scheme in any case", { "v=TLSRPTv1; rua=MAILTO:a@x.example" },
	    { 0 }, TLSRPT_SELECT_OK, { "MAILTO:a@x.example" }, 0 },
	{ "R3 mailto: without an address is not usable",
	    { "v=TLSRPTv1; rua=mailto:postmaster" }, { 0 },
	    TLSRPT_SELECT_NO_URI, { NULL }, 0 },
	{ "R3 https: without a host is not usable",
	    { "v=TLSRPTv1; rua=https:/path" }, { 0 }, TLSRPT_SELECT_NO_URI,
	    { NULL }, 0 },
	{ "R2 non-TLSRPT RR dropped",
	    { "v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@x.example" }, { 0 },
	    TLSRPT_SELECT_OK, { "mailto:a@x.example" }, 0 },
	{ "R2 no RR at all", { NULL }, { 0 }, TLSRPT_SELECT_NONE, { NULL },
	    0 },
	{ "R2 lower-case version", { "v=tlsrptv1; rua=mailto:a@x.example" },
	    { 0 }, TLSRPT_SELECT_NONE, { NULL }, 0 },
	{ "R2 'v=TLSRPTv1 ;' fails the prefix filter",
	    { "v=TLSRPTv1 ; rua=mailto:a@x.example" }, { 0 },
	    TLSRPT_SELECT_NONE, { NULL }, 0 },
	{ "R2 leading space", { " v=TLSRPTv1; rua=mailto:a@x.example" },
	    { 0 }, TLSRPT_SELECT_NONE, { NULL }, 0 },
	{ "R2 a broken candidate still counts",
	    { "v=TLSRPTv1;", "v=TLSRPTv1; rua=mailto:a@x.example" }, { 0 },
	    TLSRPT_SELECT_MULTIPLE, { NULL }, 0 },
	{ "R2 trailing delimiter", { "v=TLSRPTv1;rua=mailto:a@x.example;" },
	    { 0 }, TLSRPT_SELECT_OK, { "mailto:a@x.example" }, 0 },
	{ "R2 HTAB around ';'", { "v=TLSRPTv1;\trua=mailto:a@x.example\t;" },
	    { 0 }, TLSRPT_SELECT_OK, { "mailto:a@x.example" }, 0 },
	{ "R2 unknown extension ignored",
	    { "v=TLSRPTv1; ext=1; rua=mailto:a@x.example; x.y_z-w=%" }, { 0 },
	    TLSRPT_SELECT_OK, { "mailto:a@x.example" }, 0 },
	{ "R2 extension name of 32 characters",
	    { "v=TLSRPTv1; rua=mailto:a@x.example; " NAME32 "=v" }, { 0 },
	    TLSRPT_SELECT_OK, { "mailto:a@x.example" }, 0 },
	{ "R2 extension name of 33 characters",
	    { "v=TLSRPTv1; rua=mailto:a@x.example; " NAME33 "=v" }, { 0 },
	    TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 '=' in an extension value",
	    { "v=TLSRPTv1; rua=mailto:a@x.example; e=a=b" }, { 0 },
	    TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 empty extension value",
	    { "v=TLSRPTv1; rua=mailto:a@x.example; e=" }, { 0 },
	    TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 'RUA=' is an extension, so rua is missing",
	    { "v=TLSRPTv1; RUA=mailto:a@x.example" }, { 0 },
	    TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 empty rua", { "v=TLSRPTv1; rua=" }, { 0 },
	    TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 empty URI after ','", { "v=TLSRPTv1; rua=mailto:a@x.example," },
	    { 0 }, TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 '!' must be %-encoded",
	    { "v=TLSRPTv1; rua=mailto:a!b@x.example" }, { 0 },
	    TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 %21 is fine", { "v=TLSRPTv1; rua=mailto:a%21b@x.example" },
	    { 0 }, TLSRPT_SELECT_OK, { "mailto:a%21b@x.example" }, 0 },
	{ "R2 bad %-escape", { "v=TLSRPTv1; rua=mailto:a%2@x.example" },
	    { 0 }, TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 % at the end", { "v=TLSRPTv1; rua=https://r.example/%" },
	    { 0 }, TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 URI without a scheme", { "v=TLSRPTv1; rua=a@x.example" },
	    { 0 }, TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 scheme starting with a digit",
	    { "v=TLSRPTv1; rua=1mailto:a@x.example" }, { 0 },
	    TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 query with '=' and '&' in an https URI",
	    { "v=TLSRPTv1; rua=https://r.example/p?a=1&b=2" }, { 0 },
	    TLSRPT_SELECT_OK, { "https://r.example/p?a=1&b=2" }, 0 },
	{ "R2 two URIs with only white space between",
	    { "v=TLSRPTv1; rua=mailto:a@x.example mailto:b@x.example" },
	    { 0 }, TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 trailing white space without ';'",
	    { "v=TLSRPTv1; rua=mailto:a@x.example " }, { 0 },
	    TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 ';;' (empty field)", { "v=TLSRPTv1; rua=mailto:a@x.example;;" },
	    { 0 }, TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 NUL byte", { "v=TLSRPTv1; rua=mailto:a@x.example\0x" }, { 37 },
	    TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 non-ASCII byte", { "v=TLSRPTv1; rua=mailto:b\xc3\xa4@x.example" },
	    { 0 }, TLSRPT_SELECT_INVALID, { NULL }, 0 },
	{ "R2 control character", { "v=TLSRPTv1; rua=mailto:a@x.example\r" },
	    { 0 }, TLSRPT_SELECT_INVALID, { NULL }, 0 },
};

/* test_select - the discovery rule over lists of RRs (R2, R3, U01-U04). */
static void
test_select(void)
{
	const struct select_case *c;
	struct txt_rr rrs[MAXRR];
	struct tlsrpt_record rec;
	const char *why;
	enum tlsrpt_select r;
	size_t	i, j, n, want;

	for (i = 0; i < sizeof(select_cases) / sizeof(select_cases[0]); i++) {
		c = &select_cases[i];
		for (n = 0; n < MAXRR && c->rr[n] != NULL; n++) {
			rrs[n].len = c->rrlen[n] ? c->rrlen[n] :
			    strlen(c->rr[n]);
			rrs[n].data = copy_exact(c->rr[n], rrs[n].len);
		}
		why = NULL;
		r = tlsrpt_record_select(rrs, n, &rec, &why);
		if (!ok(r == c->want, "%s", c->name))
			diag("  got %d, want %d (%s)", (int)r, (int)c->want,
			    why ? why : "no reason");
		if (c->want == TLSRPT_SELECT_OK && r == c->want) {
			for (want = 0; want < MAXURI && c->rua[want] != NULL;
			    want++)
				;
			if (!ok(rec.nrua == want, "%s: %zu URIs", c->name,
			    want))
				diag("  got %zu", rec.nrua);
			for (j = 0; j < want && j < rec.nrua; j++)
				is_str(rec.rua[j], c->rua[j], c->name);
			ok(rec.nignored == c->nignored, "%s: %zu ignored",
			    c->name, c->nignored);
		} else if (c->want != TLSRPT_SELECT_OK)
			ok(why != NULL && *why != '\0' && rec.nrua == 0 &&
			    rec.rua == NULL, "%s: says why (%s), nothing kept",
			    c->name, why ? why : "nothing");
		tlsrpt_record_free(&rec);
		while (n-- > 0)
			free((char *)rrs[n].data);
	}
}

/* test_parse - tlsrpt_record_parse on its own, and the candidate filter. */
static void
test_parse(void)
{
	static const char rr[] = "v=TLSRPTv1; rua=ftp://x.example/r";
	struct tlsrpt_record rec;
	const char *why = NULL;
	char   *p;
	int	r;

	p = copy_exact(rr, strlen(rr));
	r = tlsrpt_record_parse(p, strlen(rr), &rec, &why);
	ok(r == 0 && rec.nrua == 0 && rec.nignored == 1,
	    "R3 parse: a record with only an ftp: URI is valid, 1 ignored");
	tlsrpt_record_free(&rec);
	ok(rec.rua == NULL && rec.nrua == 0, "free leaves the record zeroed");
	tlsrpt_record_free(&rec);
	ok(1, "free twice is harmless");
	free(p);

	r = tlsrpt_record_parse("v=STSv1; id=a", 13, &rec, &why);
	ok(r == -1 && why != NULL, "parse refuses a non-candidate");
	ok(tlsrpt_record_is_candidate("v=TLSRPTv1;", 11) == 1,
	    "R2 'v=TLSRPTv1;' is a candidate");
	ok(tlsrpt_record_is_candidate("v=TLSRPTv1;", 10) == 0,
	    "R2 the length counts, not the terminator");
	ok(tlsrpt_record_is_candidate(NULL, 0) == 0, "NULL is no candidate");
}

/* main - every table, then the plan. */
int
main(void)
{
	test_select();
	test_parse();
	return done_testing();
}
