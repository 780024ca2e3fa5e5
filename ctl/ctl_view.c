/*
 * NAME
 *	ctl_view - "mtasts-ctl report view FILE": summarise a received report
 * SYNOPSIS
 *	#include "ctl_view.h"
 *
 *	int ctl_view_file(path, o)
 * DESCRIPTION
 *	For domain owners reading what Gmail and others send them: FILE is
 *	the JSON of an RFC 8460 report, the same gzipped (recognised by the
 *	gzip magic, whatever the name) or a whole mail as saved by a mail
 *	client. A mail is parsed as MIME: multipart bodies are split at
 *	their boundary, recursively, and the first part of type
 *	application/tlsrpt+gzip, application/tlsrpt+json, application/gzip
 *	or application/json (or any part whose file name ends in .json or
 *	.json.gz) is decoded from base64 or quoted-printable-free 7bit.
 *	Parameters are read as RFC 2045 has them: quoted-strings (a ';' or
 *	"boundary=" inside one is data, quoted pairs undone), white space
 *	and comments between tokens, and RFC 2231's encoded values and
 *	continuations (filename*=, filename*0*=, ...), which win over a
 *	plain value. A boundary delimiter counts only at the start of a
 *	line followed by nothing but white space (RFC 2046 5.1.1).
 *
 *	Output: the report's identity, then one row per policy with its
 *	session counts, and the failed sessions by result type and by MX
 *	host; --json prints the same as one document. Everything in FILE
 *	came from outside: strings pass ctl_text() or the table code.
 *	Needs no daemon and no configuration.
 * DIAGNOSTICS
 *	Exit 0 when a report was summarised, 1 when FILE holds no usable
 *	report, 2 when it cannot be read.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "ctl_view.h"
#include "tlsrpt_report.h"

#define CR_DEPTH_MAX	8	/* nested multiparts */
#define CR_SEGS_MAX	64	/* RFC 2231 continuations of one parameter */
#if JSON_INTEGER_IS_LONG_LONG
#define CR_COUNT_MAX	LLONG_MAX	/* the largest json_int_t */
#else
#define CR_COUNT_MAX	LONG_MAX
#endif

/* cr_fail - an error on stderr, and as a document with --json */
static int
cr_fail(const struct ctl_out *o, int rc, const char *what, const char *path)
{
	json_t *doc;

	fprintf(stderr, "mtasts-ctl: %s: %s\n", path, what);
	if (o->json && (doc = json_pack("{s:s}", "error", what)) != NULL) {
		(void)ctl_json_print(o, doc);
		json_decref(doc);
	}
	return rc;
}

/*
 * cr_read - the whole file, at most max bytes; 0 or -1. The buffer grows
 * with what is read, so a small report costs a small allocation.
 */
static int
cr_read(const char *path, size_t max, char **out, size_t *outlen)
{
	FILE *fp;
	char *buf = NULL, *nb;
	size_t n = 0, cap = 0, got;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 64 * 1024 : cap * 2;
			if (cap > max + 1)
				cap = max + 1;
			if ((nb = realloc(buf, cap + 1)) == NULL)
				goto fail;
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0 || n > max)
			break;
	}
	if (ferror(fp) || n > max) {
		if (!ferror(fp))
			errno = EFBIG;
		goto fail;
	}
	(void)fclose(fp);
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
fail:
	free(buf);
	(void)fclose(fp);
	return -1;
}

/* cr_memmem - portable memmem */
static const char *
cr_memmem(const char *h, size_t hlen, const char *n, size_t nlen)
{
	size_t i;

	if (nlen == 0 || hlen < nlen)
		return NULL;
	for (i = 0; i + nlen <= hlen; i++)
		if (h[i] == n[0] && memcmp(h + i, n, nlen) == 0)
			return h + i;
	return NULL;
}

/* cr_header - the unfolded value of header name in hdr[0..len); malloc'd or NULL */
static char *
cr_header(const char *hdr, size_t len, const char *name)
{
	size_t nlen = strlen(name), i, j;
	const char *p = hdr, *end = hdr + len, *eol;
	char *v;

	while (p < end) {
		if ((size_t)(end - p) > nlen && p[nlen] == ':' &&
		    strncasecmp(p, name, nlen) == 0) {
			p += nlen + 1;
			eol = p;
			/* The field runs until a line not starting with WSP. */
			for (;;) {
				while (eol < end && *eol != '\n')
					eol++;
				if (eol + 1 < end && (eol[1] == ' ' ||
				    eol[1] == '\t')) {
					eol++;
					continue;
				}
				break;
			}
			if ((v = malloc((size_t)(eol - p) + 1)) == NULL)
				return NULL;
			for (i = 0, j = 0; p + i < eol; i++)
				if (p[i] != '\r' && p[i] != '\n')
					v[j++] = p[i];
			v[j] = '\0';
			return v;
		}
		while (p < end && *p != '\n')
			p++;
		p++;
	}
	return NULL;
}

/*
 * cr_cfws - skip white space and RFC 822 comments (nested, with quoted
 * pairs) from p; the first byte after them.
 */
static const char *
cr_cfws(const char *p)
{
	int	depth;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '(')
			return p;
		for (depth = 0; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
	}
}

/* cr_token_end - the end of an RFC 2045 token starting at p */
static const char *
cr_token_end(const char *p)
{
	while ((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f &&
	    strchr("()<>@,;:\\\"/[]?=", *p) == NULL)
		p++;
	return p;
}

/*
 * cr_skip_junk - from a byte that starts no parameter, the next ';' that
 * is outside quoted-strings and comments (or the end).
 */
static const char *
cr_skip_junk(const char *p)
{
	while (*p != '\0' && *p != ';') {
		if (*p == '"') {
			for (p++; *p != '\0' && *p != '"'; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p == '"')
				p++;
		} else if (*p == '(')
			p = cr_cfws(p);
		else
			p++;
	}
	return p;
}

/*
 * cr_value - the parameter value at p, a token or a quoted-string (its
 * quoted pairs undone; an unterminated one runs to the end), into a new
 * string; *endp is set past it. NULL when there is none.
 */
static char *
cr_value(const char *p, const char **endp)
{
	const char *e;
	char   *v, *o;

	if (*p == '"') {
		if ((v = malloc(strlen(p))) == NULL)
			return NULL;
		for (o = v, p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			*o++ = *p;
		}
		*o = '\0';
		*endp = *p == '"' ? p + 1 : p;
		return v;
	}
	if ((e = cr_token_end(p)) == p)
		return NULL;
	if ((v = malloc((size_t)(e - p) + 1)) == NULL)
		return NULL;
	memcpy(v, p, (size_t)(e - p));
	v[e - p] = '\0';
	*endp = e;
	return v;
}

/*
 * cr_pct_append - append s to buf (*len bytes, room for all of s), its
 * %XX escapes decoded by libcurl's curl_easy_unescape() when enc (a '%'
 * not followed by two hex digits stays as it is); with charset, skip
 * RFC 2231's charset'language' prefix first. -1 when a NUL would come
 * out or on no memory.
 */
static int
cr_pct_append(char *buf, size_t *len, const char *s, int enc, int charset)
{
	const char *q;
	char   *dec;
	int	dlen;

	if (!enc) {
		memcpy(buf + *len, s, strlen(s) + 1);
		*len += strlen(s);
		return 0;
	}
	if (charset && (q = strchr(s, '\'')) != NULL &&
	    (q = strchr(q + 1, '\'')) != NULL)
		s = q + 1;
	if (strlen(s) > INT_MAX ||
	    (dec = curl_easy_unescape(NULL, s, (int)strlen(s), &dlen)) == NULL)
		return -1;
	if (dlen < 0 || memchr(dec, '\0', (size_t)dlen) != NULL) {
		curl_free(dec);
		return -1;
	}
	memcpy(buf + *len, dec, (size_t)dlen);
	*len += (size_t)dlen;
	buf[*len] = '\0';
	curl_free(dec);
	return 0;
}

/*
 * cr_param - the value of parameter name (case-insensitive) of a header
 * value such as a Content-Type, into a new string, or NULL. The value
 * after the type is read as RFC 2045 parameters (tokens and
 * quoted-strings, white space and comments between them; a ';' or
 * "name=" inside a quoted-string is data), and RFC 2231 is honoured:
 * name*=charset'lang'%XX and the continuations name*0, name*1 (each
 * optionally with a trailing '*' for encoded) are joined in order from
 * 0 until a number is missing. An RFC 2231 value wins over a plain one;
 * the charset is not converted (the bytes are kept). A value that would
 * decode to a NUL byte counts as absent.
 */
static char *
cr_param(const char *value, const char *name)
{
	const char *p, *a, *ae, *rest;
	char   *plain = NULL, *ext = NULL, *seg[CR_SEGS_MAX], *v, *out = NULL;
	unsigned char enc[CR_SEGS_MAX];
	size_t	nlen = strlen(name), alen, total = 0, len, i;
	unsigned long idx;

	memset(seg, 0, sizeof(seg));
	memset(enc, 0, sizeof(enc));
	/* The type ("multipart/mixed", "attachment"): no ';' in it. */
	p = cr_cfws(value);
	p = cr_token_end(p);
	p = cr_cfws(p);
	if (*p == '/')
		p = cr_token_end(cr_cfws(p + 1));
	for (;;) {
		p = cr_cfws(p);
		if (*p != ';' && *(p = cr_skip_junk(p)) != ';')
			break;
		a = cr_cfws(p + 1);
		ae = cr_token_end(a);
		p = cr_cfws(ae);
		if (ae == a || *p != '=')
			continue;
		p = cr_cfws(p + 1);
		if ((v = cr_value(p, &p)) == NULL)
			continue;
		alen = (size_t)(ae - a);
		if (alen < nlen || strncasecmp(a, name, nlen) != 0) {
			free(v);
			continue;
		}
		rest = a + nlen;
		alen -= nlen;
		if (alen == 0 && plain == NULL) {
			plain = v;
			continue;
		}
		if (alen == 1 && rest[0] == '*' && ext == NULL) {
			ext = v;
			continue;
		}
		/* "*N" or "*N*": N decimal without a leading zero. */
		idx = 0;
		for (i = 1; i < alen && rest[i] >= '0' && rest[i] <= '9' &&
		    idx < CR_SEGS_MAX; i++)
			idx = idx * 10 + (unsigned long)(rest[i] - '0');
		if (alen < 2 || rest[0] != '*' || i == 1 ||
		    (i > 2 && rest[1] == '0') || idx >= CR_SEGS_MAX ||
		    (i != alen && (i != alen - 1 || rest[i] != '*')) ||
		    seg[idx] != NULL) {
			free(v);
			continue;
		}
		seg[idx] = v;
		enc[idx] = i < alen;	/* the trailing '*' */
	}
	if (ext != NULL) {
		if ((out = malloc(strlen(ext) + 1)) != NULL) {
			len = 0;
			if (cr_pct_append(out, &len, ext, 1, 1) == -1) {
				free(out);
				out = NULL;
			}
		}
	} else if (seg[0] != NULL) {
		for (i = 0; i < CR_SEGS_MAX && seg[i] != NULL; i++)
			total += strlen(seg[i]);
		if ((out = malloc(total + 1)) != NULL) {
			len = 0;
			for (i = 0; i < CR_SEGS_MAX && seg[i] != NULL; i++)
				if (cr_pct_append(out, &len, seg[i], enc[i],
				    i == 0) == -1) {
					free(out);
					out = NULL;
					break;
				}
		}
	} else if (plain != NULL) {
		out = plain;
		plain = NULL;
	}
	free(plain);
	free(ext);
	for (i = 0; i < CR_SEGS_MAX; i++)
		free(seg[i]);
	return out;
}

/*
 * cr_base64 - decode a base64 body with OpenSSL's EVP_DecodeBlock():
 * white space is left out, decoding stops at the first '=' (the padding)
 * and a lone sixth bit group at the end is dropped, as mail readers do;
 * any other byte makes the body undecodable (NULL).
 */
static char *
cr_base64(const char *s, size_t len, size_t *outlen)
{
	unsigned char *in, *out = NULL;
	size_t	i, n = 0, pad;
	int	r;

	if (len > INT_MAX / 2 || (in = malloc(len + 4)) == NULL)
		return NULL;
	for (i = 0; i < len && s[i] != '='; i++) {
		if (isspace((unsigned char)s[i]))
			continue;
		if (!(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '+' && s[i] != '/')
			goto out;
		in[n++] = (unsigned char)s[i];
	}
	if (n % 4 == 1)
		n--;		/* six bits make no byte */
	pad = (4 - n % 4) % 4;
	for (i = 0; i < pad; i++)
		in[n++] = '=';
	if ((out = malloc(n / 4 * 3 + 1)) == NULL)
		goto out;
	if ((r = EVP_DecodeBlock(out, in, (int)n)) < 0 || (size_t)r < pad) {
		free(out);
		out = NULL;
		goto out;
	}
	*outlen = (size_t)r - pad;	/* EVP_DecodeBlock counts padding */
out:
	free(in);
	return (char *)out;
}

/* cr_is_report_part - does a part's type or file name say "report"? */
static int
cr_is_report_part(const char *ctype, const char *fname)
{
	static const char *const types[] = {
		"application/tlsrpt+gzip", "application/tlsrpt+json",
		"application/gzip", "application/json", "application/x-gzip"
	};
	size_t i, n;

	for (i = 0; ctype != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strncasecmp(ctype, types[i], strlen(types[i])) == 0)
			return 1;
	if (fname != NULL && (n = strlen(fname)) > 5 &&
	    (strcasecmp(fname + n - 5, ".json") == 0 ||
	    (n > 8 && strcasecmp(fname + n - 8, ".json.gz") == 0)))
		return 1;
	return 0;
}

/*
 * cr_delim - the next boundary delimiter line in [from, end) of a body
 * that starts at body (RFC 2046 5.1.1): delim ("--" boundary) at the
 * start of a line, then "--" for the last one (*last), then only white
 * space up to the line's end. Returns where the delimiter starts, with
 * *after at the next line; NULL when there is none.
 */
static const char *
cr_delim(const char *body, const char *from, const char *end,
    const char *delim, size_t dlen, int *last, const char **after)
{
	const char *d, *q;

	while (from < end &&
	    (d = cr_memmem(from, (size_t)(end - from), delim, dlen)) != NULL) {
		from = d + 1;
		if (d != body && d[-1] != '\n')
			continue;
		q = d + dlen;
		*last = end - q >= 2 && q[0] == '-' && q[1] == '-';
		if (*last)
			q += 2;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q < end && *q == '\r')
			q++;
		if (q < end && *q != '\n')
			continue;
		*after = q < end ? q + 1 : end;
		return d;
	}
	return NULL;
}

/*
 * cr_mime - find the report in a MIME entity; the decoded bytes of the
 * part (malloc'd) or NULL.
 */
static char *
cr_mime(const char *ent, size_t len, int depth, size_t *outlen)
{
	const char *eoh, *body, *p, *end, *next, *pend, *after;
	char *ctype = NULL, *cte = NULL, *disp = NULL, *fname = NULL;
	char *boundary = NULL, *delim = NULL, *out = NULL;
	size_t hlen, blen, dlen;
	int	last;

	if (depth > CR_DEPTH_MAX)
		return NULL;
	if (len >= 1 && ent[0] == '\n') {
		eoh = ent;
		body = ent + 1;
	} else if (len >= 2 && ent[0] == '\r' && ent[1] == '\n') {
		eoh = ent;
		body = ent + 2;
	} else if ((eoh = cr_memmem(ent, len, "\n\n", 2)) != NULL)
		body = eoh + 2;
	else if ((eoh = cr_memmem(ent, len, "\r\n\r\n", 4)) != NULL)
		body = eoh + 4;
	else
		return NULL;
	hlen = (size_t)(eoh - ent);
	blen = len - (size_t)(body - ent);
	ctype = cr_header(ent, hlen, "Content-Type");
	cte = cr_header(ent, hlen, "Content-Transfer-Encoding");
	disp = cr_header(ent, hlen, "Content-Disposition");
	if (disp != NULL)
		fname = cr_param(disp, "filename");
	if (fname == NULL && ctype != NULL)
		fname = cr_param(ctype, "name");
	if (ctype != NULL && strncasecmp(ctype + strspn(ctype, " \t"),
	    "multipart/", 10) == 0) {
		if ((boundary = cr_param(ctype, "boundary")) == NULL)
			goto out;
		dlen = strlen(boundary) + 2;
		if ((delim = malloc(dlen + 1)) == NULL)
			goto out;
		(void)snprintf(delim, dlen + 1, "--%s", boundary);
		end = body + blen;
		p = cr_delim(body, body, end, delim, dlen, &last, &after);
		while (p != NULL && !last && out == NULL) {
			p = after;
			next = cr_delim(body, p, end, delim, dlen, &last,
			    &after);
			pend = next != NULL ? next : end;
			/* The line break before a delimiter is part of it. */
			if (next != NULL && pend > p && pend[-1] == '\n')
				pend--;
			if (next != NULL && pend > p && pend[-1] == '\r')
				pend--;
			out = cr_mime(p, (size_t)(pend - p), depth + 1, outlen);
			p = next;
		}
		goto out;
	}
	if (!cr_is_report_part(ctype ? ctype + strspn(ctype, " \t") : NULL,
	    fname))
		goto out;
	if (cte != NULL && strcasecmp(cte + strspn(cte, " \t"), "base64") == 0)
		out = cr_base64(body, blen, outlen);
	else if ((out = malloc(blen + 1)) != NULL) {
		memcpy(out, body, blen);
		*outlen = blen;
	}
out:
	free(delim);
	free(boundary);
	free(fname);
	free(disp);
	free(cte);
	free(ctype);
	return out;
}

/* cr_str - a JSON string member, or "-" */
static const char *
cr_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

/*
 * cr_sessions - a session count member: RFC 8460 counts are non-negative,
 * so a negative or missing value counts as 0.
 */
static json_int_t
cr_sessions(const json_t *o, const char *key)
{
	json_int_t n = ctl_int(o, key);

	return n > 0 ? n : 0;
}

/*
 * cr_bump - add the count n to obj[key], saturating at CR_COUNT_MAX:
 * the counts come from whoever sent the report, and a sum that would
 * overflow is shown as the largest count rather than wrapping.
 */
static int
cr_bump(json_t *obj, const char *key, json_int_t n)
{
	json_int_t have = cr_sessions(obj, key);

	if (n < 0)
		n = 0;
	return json_object_set_new(obj, key, json_integer(
	    have > CR_COUNT_MAX - n ? CR_COUNT_MAX : have + n));
}

/* cr_summary - the --json document of one report */
static json_t *
cr_summary(const json_t *rep)
{
	json_t *doc, *pols, *pol, *p, *ft, *fm, *f, *mx;
	size_t i, j;
	const char *mxname;

	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[]}",
	    "organization-name", cr_str(rep, "organization-name"),
	    "contact-info", cr_str(rep, "contact-info"),
	    "report-id", cr_str(rep, "report-id"),
	    "start-datetime", cr_str(json_object_get(rep, "date-range"),
	    "start-datetime"),
	    "end-datetime", cr_str(json_object_get(rep, "date-range"),
	    "end-datetime"), "policies");
	if (doc == NULL)
		return NULL;
	pols = json_object_get(doc, "policies");
	json_array_foreach(json_object_get(rep, "policies"), i, p) {
		pol = json_object_get(p, "policy");
		mx = json_object_get(pol, "mx-host");
		if ((ft = json_object()) == NULL || (fm = json_object()) == NULL) {
			json_decref(ft);
			json_decref(doc);
			return NULL;
		}
		json_array_foreach(json_object_get(p, "failure-details"), j, f) {
			mxname = cr_str(f, "receiving-mx-hostname");
			if (cr_bump(ft, cr_str(f, "result-type"),
			    cr_sessions(f, "failed-session-count")) != 0 ||
			    cr_bump(fm, mxname,
			    cr_sessions(f, "failed-session-count")) != 0)
				break;
		}
		if (json_array_append_new(pols, json_pack("{s:s, s:s, s:O, s:I, "
		    "s:I, s:o, s:o}",
		    "policy-type", cr_str(pol, "policy-type"),
		    "policy-domain", cr_str(pol, "policy-domain"),
		    "mx-host", json_is_array(mx) ? mx : json_null(),
		    "successful", cr_sessions(json_object_get(p, "summary"),
		    "total-successful-session-count"),
		    "failed", cr_sessions(json_object_get(p, "summary"),
		    "total-failure-session-count"),
		    "failures_by_type", ft, "failures_by_mx", fm)) != 0) {
			json_decref(doc);
			return NULL;
		}
	}
	return doc;
}

/* cr_print - the human-readable summary */
static int
cr_print(const struct ctl_out *o, const json_t *doc)
{
	static const char *const hdr[4] = { "TYPE", "DOMAIN", "SUCCESSFUL",
	    "FAILED" };
	static const char *const fhdr[4] = { "DOMAIN", "BY", "NAME", "FAILED" };
	struct ctl_table *t = NULL, *ft = NULL;
	const char *cells[4], *key;
	char n1[32], n2[32], buf[256];
	json_t *p, *v;
	size_t i, nfail = 0;
	int rc = CTL_EXIT_USAGE;

	/* Every string came from whoever sent the report: print it clean. */
	fprintf(o->fp, "organization: %s\n",
	    ctl_text(json_object_get(doc, "organization-name"), buf,
	    sizeof(buf)));
	fprintf(o->fp, "contact:      %s\n",
	    ctl_text(json_object_get(doc, "contact-info"), buf, sizeof(buf)));
	fprintf(o->fp, "report-id:    %s\n",
	    ctl_text(json_object_get(doc, "report-id"), buf, sizeof(buf)));
	fprintf(o->fp, "period:       %s .. ",
	    ctl_text(json_object_get(doc, "start-datetime"), buf, sizeof(buf)));
	fprintf(o->fp, "%s\n\n",
	    ctl_text(json_object_get(doc, "end-datetime"), buf, sizeof(buf)));
	if ((t = ctl_table_new(4, hdr)) == NULL ||
	    (ft = ctl_table_new(4, fhdr)) == NULL)
		goto out;
	json_array_foreach(json_object_get(doc, "policies"), i, p) {
		(void)snprintf(n1, sizeof(n1), "%lld",
		    (long long)ctl_int(p, "successful"));
		(void)snprintf(n2, sizeof(n2), "%lld",
		    (long long)ctl_int(p, "failed"));
		cells[0] = cr_str(p, "policy-type");
		cells[1] = cr_str(p, "policy-domain");
		cells[2] = n1;
		cells[3] = n2;
		if (ctl_table_add(t, cells, NULL) != 0)
			goto out;
		json_object_foreach(json_object_get(p, "failures_by_type"), key,
		    v) {
			(void)snprintf(n2, sizeof(n2), "%lld",
			    (long long)json_integer_value(v));
			cells[1] = "type";
			cells[2] = key;
			cells[3] = n2;
			cells[0] = cr_str(p, "policy-domain");
			if (ctl_table_add(ft, cells, NULL) != 0)
				goto out;
			nfail++;
		}
		json_object_foreach(json_object_get(p, "failures_by_mx"), key,
		    v) {
			(void)snprintf(n2, sizeof(n2), "%lld",
			    (long long)json_integer_value(v));
			cells[1] = "mx";
			cells[2] = key;
			cells[3] = n2;
			cells[0] = cr_str(p, "policy-domain");
			if (ctl_table_add(ft, cells, NULL) != 0)
				goto out;
			nfail++;
		}
	}
	ctl_table_print(o, t, 0);
	fprintf(o->fp, "\n");
	if (nfail > 0)
		ctl_table_print(o, ft, 0);
	else
		fprintf(o->fp, "no failed sessions\n");
	rc = CTL_EXIT_OK;
out:
	ctl_table_free(ft);
	ctl_table_free(t);
	return rc;
}

/* ctl_view_file - summarise a received report */
int
ctl_view_file(const char *path, const struct ctl_out *o)
{
	char *buf = NULL, *part = NULL, *json = NULL;
	const char *data;
	size_t len, plen = 0, jlen = 0, skip;
	json_t *rep = NULL, *doc = NULL;
	json_error_t jerr;
	int rc;

	if (cr_read(path, CTL_VIEW_FILE_MAX, &buf, &len) != 0)
		return cr_fail(o, CTL_EXIT_USAGE, strerror(errno), path);
	data = buf;
	skip = strspn(buf, " \t\r\n");
	if (len >= 2 && (unsigned char)buf[0] == 0x1f &&
	    (unsigned char)buf[1] == 0x8b) {
		plen = len;
	} else if (skip < len && buf[skip] == '{') {
		json = buf;
		jlen = len;
		buf = NULL;
	} else {
		if ((part = cr_mime(buf, len, 0, &plen)) == NULL) {
			rc = cr_fail(o, CTL_EXIT_NEGATIVE,
			    "no TLS report found (not JSON, gzip or a mail "
			    "with a report part)", path);
			goto out;
		}
		data = part;
	}
	if (json == NULL) {
		if (plen >= 2 && (unsigned char)data[0] == 0x1f &&
		    (unsigned char)data[1] == 0x8b) {
			if (tlsrpt_report_gunzip(data, plen, CTL_VIEW_JSON_MAX,
			    &json, &jlen) != 0) {
				rc = cr_fail(o, CTL_EXIT_NEGATIVE,
				    "corrupt or oversized gzip data", path);
				goto out;
			}
		} else if (data == part) {
			json = part;
			jlen = plen;
			part = NULL;
		}
	}
	if (json == NULL || (rep = json_loadb(json, jlen, 0, &jerr)) == NULL ||
	    !json_is_object(rep) ||
	    !json_is_array(json_object_get(rep, "policies"))) {
		rc = cr_fail(o, CTL_EXIT_NEGATIVE,
		    "not an RFC 8460 report (no policies array)", path);
		goto out;
	}
	if ((doc = cr_summary(rep)) == NULL) {
		rc = cr_fail(o, CTL_EXIT_USAGE, "out of memory", path);
		goto out;
	}
	if (o->json)
		rc = ctl_json_print(o, doc) == 0 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	else
		rc = cr_print(o, doc);
out:
	json_decref(doc);
	json_decref(rep);
	free(json);
	free(part);
	free(buf);
	return rc;
}
