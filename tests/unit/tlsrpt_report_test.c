/*
 * tlsrpt_report_test - the RFC 8460 report builder (common/tlsrpt_report.c):
 * JSON exactness against the shape of RFC 8460 Appendix B (R4, R5), the
 * U05-U07 acceptance cases, identifiers stable across retries (DESIGN
 * §6b), escaping of strings an attacker chooses (S8) and a gzip round
 * trip (R9).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tlsrpt_report.h"
#include "tap.h"

#define DAY_20160401	1459468800	/* 2016-04-01T00:00:00Z */

static char *appb_strings[] = {
	"version: STSv1", "mode: testing", "mx: *.mail.company-y.example",
	"max_age: 86400"
};
static char *appb_mx[] = { "*.mail.company-y.example" };
static struct tlsrpt_failure appb_failures[] = {
	{ "certificate-expired", "2001:db8:abcd:12::1",
	  "mx1.mail.company-y.example", NULL, NULL, NULL, NULL, 100 },
	{ "starttls-not-supported", "2001:db8:abcd:13::1",
	  "mx2.mail.company-y.example", NULL, "203.0.113.56",
	  "https://reports.company-x.example/report_info?id=5065427c-23d3"
	  "#StarttlsNotSupported", NULL, 200 },
	{ "validation-failure", "198.51.100.62",
	  "mx-backup.mail.company-y.example", NULL, "203.0.113.58", NULL,
	  "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED", 3 },
};
static struct tlsrpt_policy appb_policy = {
	TLSRPT_POLICY_STS, "company-y.example", 4, appb_strings, 1, appb_mx,
	5326, 303, 3, appb_failures
};
static struct tlsrpt_report appb = {
	DAY_20160401, "company-y.example",
	"v=TLSRPTv1; rua=mailto:tlsrpt@company-y.example", 0, NULL, 1,
	&appb_policy
};
static const struct tlsrpt_identity appb_id = {
	"Company-X", "sts-reporting@company-x.example"
};

/* The report of Appendix B as we write it (compact, keys in RFC order). */
static const char appb_json_fmt[] =
	"{\"organization-name\":\"Company-X\","
	"\"date-range\":{\"start-datetime\":\"2016-04-01T00:00:00Z\","
	"\"end-datetime\":\"2016-04-01T23:59:59Z\"},"
	"\"contact-info\":\"sts-reporting@company-x.example\","
	"\"report-id\":\"%s\","
	"\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	"\"policy-string\":[\"version: STSv1\",\"mode: testing\","
	"\"mx: *.mail.company-y.example\",\"max_age: 86400\"],"
	"\"policy-domain\":\"company-y.example\","
	"\"mx-host\":[\"*.mail.company-y.example\"]},"
	"\"summary\":{\"total-successful-session-count\":5326,"
	"\"total-failure-session-count\":303},"
	"\"failure-details\":["
	"{\"result-type\":\"certificate-expired\","
	"\"sending-mta-ip\":\"2001:db8:abcd:12::1\","
	"\"receiving-mx-hostname\":\"mx1.mail.company-y.example\","
	"\"failed-session-count\":100},"
	"{\"result-type\":\"starttls-not-supported\","
	"\"sending-mta-ip\":\"2001:db8:abcd:13::1\","
	"\"receiving-mx-hostname\":\"mx2.mail.company-y.example\","
	"\"receiving-ip\":\"203.0.113.56\","
	"\"failed-session-count\":200,"
	"\"additional-information\":\"https://reports.company-x.example/"
	"report_info?id=5065427c-23d3#StarttlsNotSupported\"},"
	"{\"result-type\":\"validation-failure\","
	"\"sending-mta-ip\":\"198.51.100.62\","
	"\"receiving-mx-hostname\":\"mx-backup.mail.company-y.example\","
	"\"receiving-ip\":\"203.0.113.58\","
	"\"failed-session-count\":3,"
	"\"failure-reason-code\":\"X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED\"}"
	"]}]}";

/* jstr - the string value of j, or "" */
static const char *
jstr(const json_t *j)
{
	const char *s = json_string_value(j);

	return s != NULL ? s : "";
}

/* is_unique - 32 lower-case hex digits (unique-id = 1*(ALPHA/DIGIT), R8) */
static int
is_unique(const char *s, size_t len)
{
	size_t i;

	if (len != TLSRPT_UNIQUE_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* load - build and parse back a report's JSON */
static json_t *
load(const struct tlsrpt_report *r, const struct tlsrpt_identity *id)
{
	json_error_t err;
	json_t *root;
	char *json;
	size_t len;

	if (tlsrpt_report_json(r, id, &json, &len) != 0)
		return NULL;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	free(json);
	return root;
}

/* test_appendix_b - R4/R5 exactness, report-id form */
static void
test_appendix_b(void)
{
	char unique[TLSRPT_UNIQUE_SIZE], want[4096], *json = NULL, *rid;
	size_t len = 0;

	ok(tlsrpt_report_unique(&appb, unique) == 0 &&
	    is_unique(unique, strlen(unique)), "UNIQUE is 32 hex digits");
	rid = tlsrpt_report_id(&appb, "company-x.example");
	ok(rid != NULL && strncmp(rid, unique, TLSRPT_UNIQUE_LEN) == 0 &&
	    strcmp(rid + TLSRPT_UNIQUE_LEN, "@company-x.example") == 0,
	    "report-id is UNIQUE@SUBMITTER (DESIGN 6b)");
	(void)snprintf(want, sizeof(want), appb_json_fmt, rid ? rid : "");
	ok(tlsrpt_report_json(&appb, &appb_id, &json, &len) == 0,
	    "Appendix B report builds");
	ok(json != NULL && len == strlen(json) && strcmp(json, want) == 0,
	    "R4 JSON is exactly the Appendix B shape");
	if (json != NULL && strcmp(json, want) != 0)
		diag("got  %s\n# want %s", json, want);
	free(json);
	free(rid);
	ok(strcmp(tlsrpt_report_submitter("a@b@example.org"), "example.org") ==
	    0 && tlsrpt_report_submitter("nobody") == NULL &&
	    tlsrpt_report_submitter("x@") == NULL, "submitter is the contact domain");
}

/* test_u05_u07 - file name, arrays, date-range */
static void
test_u05_u07(void)
{
	char unique[TLSRPT_UNIQUE_SIZE], want[256], *name;
	json_t *root, *pols, *pol;

	(void)tlsrpt_report_unique(&appb, unique);
	(void)snprintf(want, sizeof(want),
	    "mail.sndr.example.com!company-y.example!1459468800!1459555199!%s"
	    ".json.gz", unique);
	name = tlsrpt_report_filename(&appb, "mail.sndr.example.com");
	ok(name != NULL && strcmp(name, want) == 0,
	    "U05 file name S!D!BEGIN!END!UNIQUE.json.gz, END = BEGIN + 86399");
	free(name);

	root = load(&appb, &appb_id);
	pols = json_object_get(root, "policies");
	pol = json_object_get(json_array_get(pols, 0), "policy");
	ok(json_is_array(pols) && json_array_size(pols) == 1,
	    "U06 one policy is still an array");
	ok(json_is_array(json_object_get(pol, "mx-host")) &&
	    json_is_array(json_object_get(pol, "policy-string")),
	    "U06 mx-host and policy-string are arrays");
	ok(json_is_integer(json_object_get(json_object_get(json_array_get(pols,
	    0), "summary"), "total-failure-session-count")),
	    "R4 counts are JSON integers");
	ok(strcmp(jstr(json_object_get(json_object_get(root,
	    "date-range"), "start-datetime")), "2016-04-01T00:00:00Z") == 0 &&
	    strcmp(jstr(json_object_get(json_object_get(root,
	    "date-range"), "end-datetime")), "2016-04-01T23:59:59Z") == 0,
	    "U07 date-range 00:00:00Z .. 23:59:59Z");
	json_decref(root);
}

/* test_stable - the same report gets the same id; another record another */
static void
test_stable(void)
{
	struct tlsrpt_report other = appb;
	char a[TLSRPT_UNIQUE_SIZE], b[TLSRPT_UNIQUE_SIZE], c[TLSRPT_UNIQUE_SIZE];
	char *j1 = NULL, *j2 = NULL;
	size_t l1, l2;

	(void)tlsrpt_report_unique(&appb, a);
	(void)tlsrpt_report_unique(&appb, b);
	ok(strcmp(a, b) == 0, "UNIQUE is stable across retries");
	other.record = "v=TLSRPTv1; rua=https://r.company-y.example/";
	(void)tlsrpt_report_unique(&other, c);
	ok(strcmp(a, c) != 0, "another record, another UNIQUE");
	other = appb;
	other.day_start += TLSRPT_DAY_SECONDS;
	(void)tlsrpt_report_unique(&other, c);
	ok(strcmp(a, c) != 0, "another day, another UNIQUE");
	ok(tlsrpt_report_json(&appb, &appb_id, &j1, &l1) == 0 &&
	    tlsrpt_report_json(&appb, &appb_id, &j2, &l2) == 0 && l1 == l2 &&
	    memcmp(j1, j2, l1) == 0, "the same report gives the same bytes");
	free(j1);
	free(j2);
}

/* test_escaping - S8: strings from peers cannot break the JSON */
static void
test_escaping(void)
{
	static char *strings[] = { "3 1 1 \"},{\"x\":1" };
	struct tlsrpt_failure f = {
		"validation-failure", "192.0.2.1", "mx.evil.example",
		"evil\"},\"injected\":{\"a\":\"\\\r\n\t\x01</script>",
		"192.0.2.2", NULL, "bad\xff\xfe utf8 \xc3\x28 \xed\xa0\x80 ok\xc3\xa9",
		7
	};
	struct tlsrpt_policy p = {
		TLSRPT_POLICY_TLSA, "evil.example", 1, strings, 0, NULL, 0, 7, 1, &f
	};
	struct tlsrpt_report r = {
		DAY_20160401, "evil.example", "v=TLSRPTv1;rua=mailto:a@b", 0,
		NULL, 1, &p
	};
	struct tlsrpt_identity id = { "Org \"Q\"\n", "tlsrpt@sender.example" };
	json_t *root, *fd, *pol;
	const char *s;

	root = load(&r, &id);
	ok(root != NULL, "S8 hostile strings still give valid JSON");
	ok(json_object_get(root, "injected") == NULL && json_object_size(root) == 5,
	    "S8 no key injected at the top");
	fd = json_array_get(json_object_get(json_array_get(json_object_get(root,
	    "policies"), 0), "failure-details"), 0);
	ok(json_object_size(fd) == 7 && json_object_get(fd, "injected") == NULL,
	    "S8 no key injected in failure-details");
	s = jstr(json_object_get(fd, "receiving-mx-helo"));
	ok(strcmp(s, f.receiving_mx_helo) == 0,
	    "S8 quotes, backslash and control characters round-trip");
	s = jstr(json_object_get(fd, "failure-reason-code"));
	ok(strcmp(s, "bad\xef\xbf\xbd\xef\xbf\xbd utf8 "
	    "\xef\xbf\xbd( \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd ok\xc3\xa9") == 0,
	    "S8 invalid UTF-8 becomes U+FFFD, valid UTF-8 stays");
	pol = json_object_get(json_array_get(json_object_get(root, "policies"), 0),
	    "policy");
	ok(strcmp(jstr(json_object_get(pol, "policy-type")),
	    "tlsa") == 0 && json_object_get(pol, "mx-host") == NULL,
	    "R5 tlsa policy, no mx-host");
	ok(strcmp(jstr(json_object_get(root, "organization-name")), id.org_name) == 0, "organization-name escaped and round-trips");
	json_decref(root);
}

/* test_no_policy - no-policy-found still carries policy-domain */
static void
test_no_policy(void)
{
	struct tlsrpt_policy p = {
		TLSRPT_POLICY_NONE, "plain.example", 0, NULL, 0, NULL, 12, 0, 0, NULL
	};
	struct tlsrpt_report r = {
		DAY_20160401, "plain.example", "v=TLSRPTv1;rua=mailto:a@b", 0,
		NULL, 1, &p
	};
	json_t *root, *pol, *el;

	root = load(&r, &appb_id);
	el = json_array_get(json_object_get(root, "policies"), 0);
	pol = json_object_get(el, "policy");
	ok(strcmp(jstr(json_object_get(pol, "policy-type")),
	    "no-policy-found") == 0 && strcmp(jstr(
	    json_object_get(pol, "policy-domain")), "plain.example") == 0,
	    "no-policy-found carries policy-domain");
	ok(json_is_array(json_object_get(el, "failure-details")) &&
	    json_array_size(json_object_get(el, "failure-details")) == 0,
	    "failure-details is an (empty) array");
	json_decref(root);
	ok(tlsrpt_report_json(&r, &(struct tlsrpt_identity){ "X", "nodomain" },
	    &(char *){ NULL }, &(size_t){ 0 }) == -1,
	    "a contact without a domain is refused");
}

/* test_gzip - R9 round trip and the inflate limit */
static void
test_gzip(void)
{
	unsigned char *gz = NULL;
	char *json = NULL, *back = NULL;
	size_t len = 0, gzlen = 0, backlen = 0;

	(void)tlsrpt_report_json(&appb, &appb_id, &json, &len);
	ok(json != NULL && tlsrpt_report_gzip(json, len, &gz, &gzlen) == 0 &&
	    gzlen > 18 && gz[0] == 0x1f && gz[1] == 0x8b,
	    "R9 gzip has the RFC 1952 magic");
	ok(gz != NULL && tlsrpt_report_gunzip(gz, gzlen, 1 << 20, &back,
	    &backlen) == 0 && backlen == len && memcmp(back, json, len) == 0,
	    "R9 gzip round trip");
	free(back);
	back = NULL;
	ok(gz != NULL && tlsrpt_report_gunzip(gz, gzlen, len - 1, &back,
	    &backlen) == -1 && back == NULL, "gunzip refuses more than max");
	ok(tlsrpt_report_gunzip(json, len, 1 << 20, &back, &backlen) == -1,
	    "gunzip refuses data that is not gzip");
	ok(gz != NULL && tlsrpt_report_gunzip(gz, gzlen / 2, 1 << 20, &back,
	    &backlen) == -1, "gunzip refuses a truncated stream");
	free(gz);
	free(json);
}

/* xstrdup - strdup or die */
static char *
xstrdup(const char *s)
{
	char *d;

	if ((d = strdup(s)) == NULL)
		abort();
	return d;
}

/* test_free - tlsrpt_report_free releases a heap-built report (ASan) */
static void
test_free(void)
{
	struct tlsrpt_report *r;
	struct tlsrpt_policy *p;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (p = calloc(1, sizeof(*p))) == NULL)
		abort();
	r->policy_domain = xstrdup("a.example");
	r->record = xstrdup("v=TLSRPTv1;rua=mailto:x@a.example");
	r->nrua = 1;
	if ((r->rua = calloc(1, sizeof(char *))) == NULL)
		abort();
	r->rua[0] = xstrdup("mailto:x@a.example");
	r->npolicies = 1;
	r->policies = p;
	p->policy_domain = xstrdup("a.example");
	p->nmx = 1;
	if ((p->mx_host = calloc(1, sizeof(char *))) == NULL ||
	    (p->failures = calloc(1, sizeof(*p->failures))) == NULL)
		abort();
	p->mx_host[0] = xstrdup("mx.a.example");
	p->nfailures = 1;
	p->failures[0].result_type = xstrdup("starttls-not-supported");
	p->failures[0].receiving_mx_helo = xstrdup("helo");
	tlsrpt_report_free(r);
	ok(r->policies == NULL && r->npolicies == 0,
	    "tlsrpt_report_free empties the struct");
	free(r);
	tlsrpt_report_free(NULL);
	ok(1, "tlsrpt_report_free(NULL) is harmless");
}

int
main(void)
{
	test_appendix_b();
	test_u05_u07();
	test_stable();
	test_escaping();
	test_no_policy();
	test_gzip();
	test_free();
	return done_testing();
}
