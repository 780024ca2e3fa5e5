/*
 * NAME
 *	tlsrpt_dgram - parse one libtlsrpt datagram
 * SYNOPSIS
 *	#include "tlsrpt_dgram.h"
 *
 *	int tlsrpt_dgram_parse(buf, len, &dg, &why)
 *	void tlsrpt_dgram_free(&dg)
 *	const char *tlsrpt_dgram_code_name(code)
 * DESCRIPTION
 *	Postfix >= 3.10 sends, through libtlsrpt, one JSON object per SMTP
 *	session: {"dpv":"1","d":D,"pr":RECORD,"policies":[{"policy-type":N,
 *	"policy-domain":D,"policy-string":[..],"mx-host":[..],"t":N,"f":0|1,
 *	"failure-details":[{"c":CODE,"s":..,"n":..,"h":..,"r":..,"a":..,
 *	"f":..}]}]}. Bytes >= 0x80 are copied raw by the sender, so the
 *	input is made valid UTF-8 first (each byte of an invalid sequence
 *	becomes '?') rather than losing the datagram. A missing "dpv" or
 *	another version is a warning (dg->warn_version), not a refusal.
 *	Optional keys may be absent, unknown keys are ignored, a value of
 *	the wrong JSON type counts as absent. A no-policy-found policy
 *	without a policy domain takes "d".
 * DIAGNOSTICS
 *	Refusals come with a short static reason.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tlsrpt_dgram.h"

#define DG_NAME_MAX	255	/* longest domain kept */
#define DG_LIST_MAX	256	/* policy strings, mx hosts, details */

/* tlsrpt_dgram_code_name - RFC 8460 names of libtlsrpt's failure codes. */
const char *
tlsrpt_dgram_code_name(int code)
{
	switch (code) {
	case 201: return "starttls-not-supported";
	case 202: return "certificate-host-mismatch";
	case 203: return "certificate-not-trusted";
	case 204: return "certificate-expired";
	case 205: return "validation-failure";
	case 301: return "sts-policy-fetch-error";
	case 302: return "sts-policy-invalid";
	case 303: return "sts-webpki-invalid";
	case 304: return "tlsa-invalid";
	case 305: return "dnssec-invalid";
	case 306: return "dane-required";
	default: return NULL;
	}
}

/* dg_cont - is b a UTF-8 continuation byte in [lo, hi]? */
static int
dg_cont(unsigned char b, unsigned char lo, unsigned char hi)
{
	return b >= lo && b <= hi;
}

/* dg_utf8_len - length of the valid UTF-8 sequence at p, or 0. */
static size_t
dg_utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return c == 0 ? 0 : 1;
	if (c >= 0xc2 && c <= 0xdf)
		return left >= 2 && dg_cont(p[1], 0x80, 0xbf) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
		unsigned char hi = c == 0xed ? 0x9f : 0xbf;

		return left >= 3 && dg_cont(p[1], lo, hi) &&
		    dg_cont(p[2], 0x80, 0xbf) ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
		unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;

		return left >= 4 && dg_cont(p[1], lo, hi) &&
		    dg_cont(p[2], 0x80, 0xbf) && dg_cont(p[3], 0x80, 0xbf) ?
		    4 : 0;
	}
	return 0;
}

/* dg_str - a malloc'd copy of a JSON string value (NULL when not a string or empty). */
static char *
dg_str(json_t *v, int lower, size_t max)
{
	const char *s;
	char   *c, *p;

	if (!json_is_string(v))
		return NULL;
	s = json_string_value(v);
	if (s == NULL || *s == '\0')
		return NULL;
	if (max > 0 && strlen(s) > max)
		return NULL;
	if ((c = strdup(s)) == NULL)
		return NULL;
	if (lower) {
		for (p = c; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		/* a trailing dot is the same domain */
		if (p > c + 1 && p[-1] == '.')
			p[-1] = '\0';
	}
	return c;
}

/* dg_int - a JSON integer, or a string of digits; -1 when neither. */
static long
dg_int(json_t *v)
{
	const char *s;
	char   *end;
	long	n;

	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	n = strtol(s, &end, 10);
	if (end == s || *end != '\0')
		return -1;
	return n;
}

/* dg_strlist - the strings of a JSON array (others skipped). */
static int
dg_strlist(json_t *arr, char ***out, size_t *n)
{
	size_t	i, cnt;
	json_t *v;
	char   *s;

	*out = NULL;
	*n = 0;
	if (!json_is_array(arr))
		return 0;
	cnt = json_array_size(arr);
	if (cnt > DG_LIST_MAX)
		cnt = DG_LIST_MAX;
	if (cnt == 0)
		return 0;
	if ((*out = calloc(cnt, sizeof(**out))) == NULL)
		return -1;
	for (i = 0; i < cnt; i++) {
		v = json_array_get(arr, i);
		if ((s = dg_str(v, 0, 0)) != NULL)
			(*out)[(*n)++] = s;
	}
	return 0;
}

/* dg_detail - one "failure-details" element. */
static int
dg_detail(json_t *o, struct tlsrpt_dgram_detail *d)
{
	long	c;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(o))
		return -1;
	c = dg_int(json_object_get(o, "c"));
	d->code = c > 0 && c < 100000 ? (int)c : 0;
	d->result_type = tlsrpt_dgram_code_name(d->code);
	d->sending_ip = dg_str(json_object_get(o, "s"), 0, 0);
	d->mx_name = dg_str(json_object_get(o, "n"), 1, DG_NAME_MAX);
	d->helo = dg_str(json_object_get(o, "h"), 0, 0);
	d->receiving_ip = dg_str(json_object_get(o, "r"), 0, 0);
	d->additional = dg_str(json_object_get(o, "a"), 0, 0);
	d->reason = dg_str(json_object_get(o, "f"), 0, 0);
	return 0;
}

/* dg_detail_free - one detail's strings. */
static void
dg_detail_free(struct tlsrpt_dgram_detail *d)
{
	free(d->sending_ip);
	free(d->mx_name);
	free(d->helo);
	free(d->receiving_ip);
	free(d->additional);
	free(d->reason);
}

/* dg_policy_free - one policy's contents. */
static void
dg_policy_free(struct tlsrpt_dgram_policy *p)
{
	size_t	i;

	free(p->policy_domain);
	for (i = 0; i < p->nstrings; i++)
		free(p->strings[i]);
	free(p->strings);
	for (i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	free(p->mx);
	for (i = 0; i < p->ndetails; i++)
		dg_detail_free(&p->details[i]);
	free(p->details);
}

/* dg_policy - one "policies" element; 1 usable, 0 skipped, -1 no memory. */
static int
dg_policy(json_t *o, const char *d, struct tlsrpt_dgram_policy *p)
{
	json_t *arr;
	long	t, f;
	size_t	i, cnt;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(o))
		return 0;
	t = dg_int(json_object_get(o, "policy-type"));
	if (t != TLSRPT_DGRAM_TLSA && t != TLSRPT_DGRAM_STS &&
	    t != TLSRPT_DGRAM_NONE)
		return 0;
	p->type = (enum tlsrpt_dgram_type)t;
	p->policy_domain = dg_str(json_object_get(o, "policy-domain"), 1,
	    DG_NAME_MAX);
	if (p->policy_domain == NULL && d != NULL &&
	    (p->policy_domain = strdup(d)) == NULL)
		goto nomem;
	if (p->policy_domain == NULL)
		return 0;
	if (dg_strlist(json_object_get(o, "policy-string"), &p->strings,
	    &p->nstrings) != 0 ||
	    dg_strlist(json_object_get(o, "mx-host"), &p->mx, &p->nmx) != 0)
		goto nomem;
	f = dg_int(json_object_get(o, "f"));
	arr = json_object_get(o, "failure-details");
	cnt = json_is_array(arr) ? json_array_size(arr) : 0;
	if (cnt > DG_LIST_MAX)
		cnt = DG_LIST_MAX;
	/* f absent: a session with failure details failed */
	p->failed = f == 1 || (f < 0 && cnt > 0);
	if (cnt > 0) {
		if ((p->details = calloc(cnt, sizeof(*p->details))) == NULL)
			goto nomem;
		for (i = 0; i < cnt; i++)
			if (dg_detail(json_array_get(arr, i),
			    &p->details[p->ndetails]) == 0)
				p->ndetails++;
	}
	return 1;
nomem:
	dg_policy_free(p);
	memset(p, 0, sizeof(*p));
	return -1;
}

/* tlsrpt_dgram_parse - one datagram. */
int
tlsrpt_dgram_parse(const char *buf, size_t len, struct tlsrpt_dgram *dg,
    const char **why)
{
	const unsigned char *in = (const unsigned char *)buf;
	json_error_t jerr;
	json_t *root = NULL, *v, *arr;
	char   *clean = NULL;
	size_t	i, k, cnt;
	int	r, ret = -1;

	memset(dg, 0, sizeof(*dg));
	*why = "out of memory";
	if (len > TLSRPT_DGRAM_MAX) {
		*why = "datagram too large";
		return -1;
	}
	while (len > 0 && in[len - 1] == '\0')
		len--;
	if (len == 0) {
		*why = "empty datagram";
		return -1;
	}
	if ((clean = malloc(len)) == NULL)
		return -1;
	for (i = 0; i < len; ) {
		k = dg_utf8_len(in + i, len - i);
		if (k == 0) {
			clean[i++] = '?';
			dg->replaced_bytes++;
			continue;
		}
		memcpy(clean + i, in + i, k);
		i += k;
	}
	root = json_loadb(clean, len, 0, &jerr);
	if (root == NULL || !json_is_object(root)) {
		*why = "not a JSON object";
		goto out;
	}
	v = json_object_get(root, "dpv");
	if (!json_is_string(v) || strcmp(json_string_value(v), "1") != 0)
		dg->warn_version = 1;
	dg->domain = dg_str(json_object_get(root, "d"), 1, DG_NAME_MAX);
	v = json_object_get(root, "pr");
	if (json_is_string(v))
		dg->record = strdup(json_string_value(v));
	else
		dg->record = strdup("");
	if (dg->record == NULL)
		goto out;
	arr = json_object_get(root, "policies");
	if (!json_is_array(arr) || (cnt = json_array_size(arr)) == 0) {
		*why = "no policies array";
		goto out;
	}
	if (cnt > DG_LIST_MAX)
		cnt = DG_LIST_MAX;
	if ((dg->policies = calloc(cnt, sizeof(*dg->policies))) == NULL)
		goto out;
	for (i = 0; i < cnt; i++) {
		r = dg_policy(json_array_get(arr, i), dg->domain,
		    &dg->policies[dg->npolicies]);
		if (r < 0)
			goto out;
		if (r > 0)
			dg->npolicies++;
	}
	if (dg->npolicies == 0) {
		*why = "no usable policy (unknown type or no policy domain)";
		goto out;
	}
	ret = 0;
out:
	if (root != NULL)
		json_decref(root);
	free(clean);
	if (ret != 0) {
		int	w = dg->warn_version;

		tlsrpt_dgram_free(dg);
		dg->warn_version = w;
	}
	return ret;
}

/* tlsrpt_dgram_free - release a parsed datagram. */
void
tlsrpt_dgram_free(struct tlsrpt_dgram *dg)
{
	size_t	i;

	if (dg == NULL)
		return;
	free(dg->domain);
	free(dg->record);
	for (i = 0; i < dg->npolicies; i++)
		dg_policy_free(&dg->policies[i]);
	free(dg->policies);
	memset(dg, 0, sizeof(*dg));
}
