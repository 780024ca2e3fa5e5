/*
 * NAME
 *	tlsrpt_report - build one RFC 8460 report
 * SYNOPSIS
 *	#include "tlsrpt_report.h"
 *
 *	const char *tlsrpt_report_submitter(contact)
 *	int tlsrpt_report_unique(r, buf)
 *	char *tlsrpt_report_id(r, submitter)
 *	char *tlsrpt_report_filename(r, submitter)
 *	int tlsrpt_report_json(r, id, &json, &len)
 *	int tlsrpt_report_gzip(buf, len, &out, &outlen)
 *	int tlsrpt_report_gunzip(buf, len, max, &out, &outlen)
 *	void tlsrpt_report_free(r)
 * DESCRIPTION
 *	A report (tlsrpt.h) covers one UTC day, one policy domain and one
 *	TLS-RPT record. Its UNIQUE is the first 32 hex digits of SHA-256
 *	over the day, domain and record, so a retry of the same report
 *	carries the same report-id and file name (DESIGN §6b).
 *
 *	tlsrpt_report_json() writes the keys of RFC 8460 §4.4 (R4) in the
 *	order of Appendix B: "policies" and "mx-host" are always arrays,
 *	optional failure fields are left out when absent. Every string is
 *	escaped by jansson; bytes that are not UTF-8 (HELO names and reason
 *	codes come from peers, S8) become U+FFFD first, so the result is
 *	always I-JSON.
 *
 *	tlsrpt_report_gzip() compresses with zlib in gzip format (R9), with
 *	a zero mtime so the same report compresses to the same bytes.
 * DIAGNOSTICS
 *	Functions return -1 or NULL on out of memory, a bad argument or,
 *	for tlsrpt_report_gunzip(), data that is not gzip or inflates to
 *	more than max bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "tlsrpt_report.h"

/* tlsrpt_report_type_name - the policy-type string of R5 */
const char *
tlsrpt_report_type_name(enum tlsrpt_policy_type type)
{
	switch (type) {
	case TLSRPT_POLICY_STS:
		return "sts";
	case TLSRPT_POLICY_TLSA:
		return "tlsa";
	case TLSRPT_POLICY_NONE:
		break;
	}
	return "no-policy-found";
}

/* tlsrpt_report_submitter - the domain part of contact-info */
const char *
tlsrpt_report_submitter(const char *contact)
{
	const char *at;

	if (contact == NULL || (at = strrchr(contact, '@')) == NULL ||
	    at[1] == '\0')
		return NULL;
	return at + 1;
}

/* tlsrpt_report_unique - hash day, domain and record into hex */
int
tlsrpt_report_unique(const struct tlsrpt_report *r,
    char buf[TLSRPT_UNIQUE_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx;
	char day[32];
	int ret = -1, n;

	if (r->policy_domain == NULL)
		return -1;
	n = snprintf(day, sizeof(day), "%" PRId64, r->day_start);
	if (n < 0 || (size_t)n >= sizeof(day))
		return -1;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	/* The NULs keep ("ab", "c") and ("a", "bc") apart. */
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, day, (size_t)n + 1) != 1 ||
	    EVP_DigestUpdate(ctx, r->policy_domain,
	    strlen(r->policy_domain) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, r->record ? r->record : "",
	    r->record ? strlen(r->record) : 0) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 ||
	    mdlen * 2 < TLSRPT_UNIQUE_LEN)
		goto out;
	for (i = 0; i < TLSRPT_UNIQUE_LEN / 2; i++) {
		buf[2 * i] = hex[md[i] >> 4];
		buf[2 * i + 1] = hex[md[i] & 0x0f];
	}
	buf[TLSRPT_UNIQUE_LEN] = '\0';
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

/* tlsrpt_report_id - "UNIQUE@SUBMITTER" */
char *
tlsrpt_report_id(const struct tlsrpt_report *r, const char *submitter)
{
	char unique[TLSRPT_UNIQUE_SIZE];
	size_t size;
	char *id;

	if (submitter == NULL || tlsrpt_report_unique(r, unique) != 0)
		return NULL;
	size = TLSRPT_UNIQUE_LEN + 1 + strlen(submitter) + 1;
	if ((id = malloc(size)) == NULL)
		return NULL;
	(void)snprintf(id, size, "%s@%s", unique, submitter);
	return id;
}

/* tlsrpt_report_filename - the file name of R8 and DESIGN §6b */
char *
tlsrpt_report_filename(const struct tlsrpt_report *r, const char *submitter)
{
	char unique[TLSRPT_UNIQUE_SIZE];
	char *name;
	size_t size;
	int n;

	if (submitter == NULL || tlsrpt_report_unique(r, unique) != 0)
		return NULL;
	size = strlen(submitter) + strlen(r->policy_domain) + 2 * 24 +
	    TLSRPT_UNIQUE_LEN + 16;
	if ((name = malloc(size)) == NULL)
		return NULL;
	n = snprintf(name, size, "%s!%s!%" PRId64 "!%" PRId64 "!%s.json.gz",
	    submitter, r->policy_domain, r->day_start,
	    r->day_start + TLSRPT_DAY_SECONDS - 1, unique);
	if (n < 0 || (size_t)n >= size) {
		free(name);
		return NULL;
	}
	return name;
}

/* tr_utf8_len - length of the valid UTF-8 sequence at s, or 0 */
static size_t
tr_utf8_len(const unsigned char *s, size_t left)
{
	size_t need, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (left < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values above U+10FFFF. */
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

/* tr_string - a JSON string of s, invalid UTF-8 replaced by U+FFFD */
static json_t *
tr_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, o = 0, n;
	json_t *js;
	char *buf;

	if ((buf = malloc(len * 3 + 1)) == NULL)
		return NULL;
	while (i < len) {
		if ((n = tr_utf8_len(p + i, len - i)) == 0) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(buf + o, p + i, n);
		o += n;
		i += n;
	}
	js = json_stringn(buf, o);
	free(buf);
	return js;
}

/* tr_set - add key: value to obj, consuming value; -1 when value is NULL */
static int
tr_set(json_t *obj, const char *key, json_t *value)
{
	if (value == NULL)
		return -1;
	return json_object_set_new(obj, key, value);
}

/* tr_set_str - add key: string when s is not NULL */
static int
tr_set_str(json_t *obj, const char *key, const char *s)
{
	if (s == NULL)
		return 0;
	return tr_set(obj, key, tr_string(s));
}

/* tr_strings - a JSON array of n strings */
static json_t *
tr_strings(char *const *v, size_t n)
{
	json_t *a;
	size_t i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (json_array_append_new(a, tr_string(v[i] ? v[i] : "")) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* tr_count - a JSON integer of a session count */
static json_t *
tr_count(uint64_t n)
{
	/* JSON integers are int64 in jansson; counts never get near. */
	return json_integer(n > INT64_MAX ? INT64_MAX : (json_int_t)n);
}

/* tr_failure - one failure-details element */
static json_t *
tr_failure(const struct tlsrpt_failure *f)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (tr_set_str(o, "result-type", f->result_type ? f->result_type :
	    "validation-failure") != 0 ||
	    tr_set_str(o, "sending-mta-ip", f->sending_mta_ip) != 0 ||
	    tr_set_str(o, "receiving-mx-hostname",
	    f->receiving_mx_hostname) != 0 ||
	    tr_set_str(o, "receiving-mx-helo", f->receiving_mx_helo) != 0 ||
	    tr_set_str(o, "receiving-ip", f->receiving_ip) != 0 ||
	    tr_set(o, "failed-session-count", tr_count(f->count)) != 0 ||
	    tr_set_str(o, "additional-information",
	    f->additional_information) != 0 ||
	    tr_set_str(o, "failure-reason-code", f->failure_reason_code) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* tr_policy - one "policies" element: policy, summary, failure-details */
static json_t *
tr_policy(const struct tlsrpt_policy *p)
{
	json_t *o = NULL, *pol = NULL, *sum = NULL, *fd = NULL;
	size_t i;

	if ((o = json_object()) == NULL || (pol = json_object()) == NULL ||
	    (sum = json_object()) == NULL || (fd = json_array()) == NULL)
		goto fail;
	if (tr_set_str(pol, "policy-type",
	    tlsrpt_report_type_name(p->type)) != 0)
		goto fail;
	if ((p->type != TLSRPT_POLICY_NONE || p->nstrings > 0) &&
	    tr_set(pol, "policy-string", tr_strings(p->strings,
	    p->nstrings)) != 0)
		goto fail;
	if (tr_set_str(pol, "policy-domain", p->policy_domain ?
	    p->policy_domain : "") != 0)
		goto fail;
	if ((p->type == TLSRPT_POLICY_STS || p->nmx > 0) &&
	    tr_set(pol, "mx-host", tr_strings(p->mx_host, p->nmx)) != 0)
		goto fail;
	if (tr_set(sum, "total-successful-session-count",
	    tr_count(p->success)) != 0 ||
	    tr_set(sum, "total-failure-session-count",
	    tr_count(p->failure)) != 0)
		goto fail;
	for (i = 0; i < p->nfailures; i++)
		if (json_array_append_new(fd, tr_failure(&p->failures[i])) != 0)
			goto fail;
	if (json_object_set_new(o, "policy", pol) != 0) {
		pol = NULL;
		goto fail;
	}
	pol = NULL;
	if (json_object_set_new(o, "summary", sum) != 0) {
		sum = NULL;
		goto fail;
	}
	sum = NULL;
	if (json_object_set_new(o, "failure-details", fd) != 0) {
		fd = NULL;
		goto fail;
	}
	return o;
fail:
	json_decref(fd);
	json_decref(sum);
	json_decref(pol);
	json_decref(o);
	return NULL;
}

/* tlsrpt_report_json - serialise a report as RFC 8460 §4.4 JSON */
int
tlsrpt_report_json(const struct tlsrpt_report *r,
    const struct tlsrpt_identity *id, char **json, size_t *len)
{
	json_t *root = NULL, *range, *pols;
	char start[32], end[32], *rid = NULL, *text = NULL;
	time_t t;
	struct tm tm;
	size_t i;
	int ret = -1;

	*json = NULL;
	*len = 0;
	if (id == NULL || id->org_name == NULL || id->contact == NULL ||
	    r->policy_domain == NULL)
		return -1;
	t = (time_t)r->day_start;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(start, sizeof(start), "%Y-%m-%dT00:00:00Z", &tm) == 0 ||
	    strftime(end, sizeof(end), "%Y-%m-%dT23:59:59Z", &tm) == 0)
		return -1;
	if ((rid = tlsrpt_report_id(r,
	    tlsrpt_report_submitter(id->contact))) == NULL)
		return -1;
	if ((root = json_object()) == NULL)
		goto out;
	if (tr_set_str(root, "organization-name", id->org_name) != 0)
		goto out;
	if ((range = json_object()) == NULL ||
	    tr_set(root, "date-range", range) != 0 ||
	    tr_set_str(range, "start-datetime", start) != 0 ||
	    tr_set_str(range, "end-datetime", end) != 0)
		goto out;
	if (tr_set_str(root, "contact-info", id->contact) != 0 ||
	    tr_set_str(root, "report-id", rid) != 0)
		goto out;
	if ((pols = json_array()) == NULL || tr_set(root, "policies", pols) != 0)
		goto out;
	for (i = 0; i < r->npolicies; i++)
		if (json_array_append_new(pols, tr_policy(&r->policies[i])) != 0)
			goto out;
	if ((text = json_dumps(root, JSON_PRESERVE_ORDER | JSON_COMPACT)) ==
	    NULL)
		goto out;
	*json = text;
	*len = strlen(text);
	ret = 0;
out:
	json_decref(root);
	free(rid);
	return ret;
}

/* tlsrpt_report_gzip - compress into RFC 1952 gzip format */
int
tlsrpt_report_gzip(const void *buf, size_t len, unsigned char **out,
    size_t *outlen)
{
	z_stream zs;
	unsigned char *dst;
	uLong bound;
	int ret = -1;

	*out = NULL;
	*outlen = 0;
	if (len > 0x7fffffffUL)
		return -1;
	memset(&zs, 0, sizeof(zs));
	/* windowBits 15 + 16: a gzip header and trailer around deflate. */
	if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&zs, (uLong)len) + 32;
	if ((dst = malloc(bound)) == NULL)
		goto out;
	zs.next_in = (Bytef *)(uintptr_t)buf;
	zs.avail_in = (uInt)len;
	zs.next_out = dst;
	zs.avail_out = (uInt)bound;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		free(dst);
		goto out;
	}
	*out = dst;
	*outlen = bound - zs.avail_out;
	ret = 0;
out:
	(void)deflateEnd(&zs);
	return ret;
}

/* tlsrpt_report_gunzip - inflate gzip data, refusing more than max bytes */
int
tlsrpt_report_gunzip(const void *buf, size_t len, size_t max, char **out,
    size_t *outlen)
{
	z_stream zs;
	char *dst = NULL, *p;
	size_t size = 4096, used = 0;
	int zr, ret = -1;

	*out = NULL;
	*outlen = 0;
	if (len > 0x7fffffffUL)
		return -1;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)(uintptr_t)buf;
	zs.avail_in = (uInt)len;
	for (;;) {
		if (dst == NULL || used == size) {
			if (dst != NULL) {
				if (size >= max + 1)
					goto out;
				size *= 2;
			}
			if (size > max + 1)
				size = max + 1;
			if ((p = realloc(dst, size + 1)) == NULL)
				goto out;
			dst = p;
		}
		zs.next_out = (Bytef *)dst + used;
		zs.avail_out = (uInt)(size - used);
		zr = inflate(&zs, Z_NO_FLUSH);
		used = size - zs.avail_out;
		if (used > max)
			goto out;
		if (zr == Z_STREAM_END)
			break;
		if (zr != Z_OK && !(zr == Z_BUF_ERROR && used == size))
			goto out;
	}
	dst[used] = '\0';
	*out = dst;
	*outlen = used;
	dst = NULL;
	ret = 0;
out:
	free(dst);
	(void)inflateEnd(&zs);
	return ret;
}

/* tr_strv_free - free a vector of n strings */
static void
tr_strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* tlsrpt_policy_free - release what one policy holds, not the struct */
void
tlsrpt_policy_free(struct tlsrpt_policy *p)
{
	struct tlsrpt_failure *f;
	size_t j;

	if (p == NULL)
		return;
	free(p->policy_domain);
	tr_strv_free(p->strings, p->nstrings);
	tr_strv_free(p->mx_host, p->nmx);
	for (j = 0; j < p->nfailures; j++) {
		f = &p->failures[j];
		free(f->result_type);
		free(f->sending_mta_ip);
		free(f->receiving_mx_hostname);
		free(f->receiving_mx_helo);
		free(f->receiving_ip);
		free(f->additional_information);
		free(f->failure_reason_code);
	}
	free(p->failures);
}

/* tlsrpt_report_free - release what a report holds, not the struct */
void
tlsrpt_report_free(struct tlsrpt_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->npolicies; i++)
		tlsrpt_policy_free(&r->policies[i]);
	free(r->policies);
	tr_strv_free(r->rua, r->nrua);
	free(r->policy_domain);
	free(r->record);
	/* Reports live in arrays (tlsrpt_reports): r itself stays. */
	memset(r, 0, sizeof(*r));
}
