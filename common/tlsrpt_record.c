/*
 * NAME
 *	tlsrpt_record - the "_smtp._tls" TXT record (RFC 8460 §3)
 * SYNOPSIS
 *	#include "tlsrpt_record.h"
 *
 *	int tlsrpt_record_is_candidate(buf, len)
 *	int tlsrpt_record_parse(buf, len, &rec, &why)
 *	enum tlsrpt_select tlsrpt_record_select(rrs, n, &rec, &why)
 *	void tlsrpt_record_free(&rec)
 * DESCRIPTION
 *	tlsrpt_record_is_candidate() is the discovery filter of R2: an RR
 *	counts only when it begins with exactly the bytes "v=TLSRPTv1;"
 *	(as with "v=STSv1;", "v=TLSRPTv1 ;" fits the grammar but not the
 *	filter).
 *
 *	tlsrpt_record_parse() checks a candidate against the ABNF of R2:
 *	fields after the version in any order, separated by *WSP ";" *WSP,
 *	a trailing delimiter allowed; "rua=" (case-sensitive) takes a list
 *	of URIs separated by *WSP "," *WSP; any other field is an extension,
 *	held to its grammar and otherwise ignored. At least one rua field is
 *	required; several are merged (R3). A URI is RFC 3986 characters with
 *	',', '!' and ';' percent-encoded, and a valid scheme. Only mailto:
 *	URIs with an address and https: URIs with a host are kept in
 *	rec->rua; the others count in rec->nignored (R3, U04).
 *
 *	tlsrpt_record_select() applies the whole rule (R2, R3): exactly one
 *	candidate, valid, with a usable URI; otherwise the domain does not
 *	implement TLS-RPT for us.
 * DIAGNOSTICS
 *	Refusals come with a short static reason an administrator can act
 *	on. Out of memory is reported as a refusal too ("out of memory").
 */
#include <stdlib.h>
#include <string.h>

#include "tlsrpt_record.h"

#define TR_PREFIX	"v=TLSRPTv1;"
#define TR_PREFIX_LEN	(sizeof(TR_PREFIX) - 1)
#define TR_VERSION_LEN	(TR_PREFIX_LEN - 1)	/* "v=TLSRPTv1" */

/* tr_is_alpha - ASCII ALPHA. */
static int
tr_is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* tr_is_digit - ASCII DIGIT. */
static int
tr_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* tr_is_hex - HEXDIG, either case. */
static int
tr_is_hex(unsigned char c)
{
	return tr_is_digit(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* tr_is_wsp - WSP = SP / HTAB. */
static int
tr_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/*
 * tr_is_uri_char - a character a URI may hold literally here: RFC 3986
 * unreserved, gen-delims and sub-delims, less ',', '!' and ';' which R2
 * requires percent-encoded ('%' is checked by the caller).
 */
static int
tr_is_uri_char(unsigned char c)
{
	if (tr_is_alpha(c) || tr_is_digit(c))
		return 1;
	return c != '\0' && strchr("-._~:/?#[]@$&'()*+=", c) != NULL;
}

/* tr_lower_eq - does s (n bytes) equal the lower-case word w, any case? */
static int
tr_lower_eq(const char *s, size_t n, const char *w)
{
	size_t	i;
	unsigned char c;

	if (strlen(w) != n)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)w[i])
			return 0;
	}
	return 1;
}

/*
 * tr_uri_check - is u (n bytes) a URI by the rules above? Sets *usable
 * for mailto:LOCAL@DOMAIN... and https://HOST...; returns 0 or -1.
 */
static int
tr_uri_check(const char *u, size_t n, int *usable)
{
	const unsigned char *p = (const unsigned char *)u;
	size_t	i, scheme, at;
	const char *rest;
	size_t	restlen;

	*usable = 0;
	if (n == 0 || !tr_is_alpha(p[0]))
		return -1;
	for (i = 1; i < n && (tr_is_alpha(p[i]) || tr_is_digit(p[i]) ||
	    p[i] == '+' || p[i] == '-' || p[i] == '.'); i++)
		;
	if (i == n || p[i] != ':')
		return -1;
	scheme = i;
	for (i = scheme + 1; i < n; i++) {
		if (p[i] == '%') {
			if (n - i < 3 || !tr_is_hex(p[i + 1]) ||
			    !tr_is_hex(p[i + 2]))
				return -1;
			i += 2;
		} else if (!tr_is_uri_char(p[i]))
			return -1;
	}
	rest = u + scheme + 1;
	restlen = n - scheme - 1;
	if (tr_lower_eq(u, scheme, "mailto")) {
		for (at = 0; at < restlen && rest[at] != '@'; at++)
			;
		*usable = at > 0 && at + 1 < restlen;
	} else if (tr_lower_eq(u, scheme, "https")) {
		*usable = restlen > 2 && rest[0] == '/' && rest[1] == '/' &&
		    rest[2] != '/' && rest[2] != '?' && rest[2] != '#';
	}
	return 0;
}

/* tr_add - append a copy of the URI u (n bytes) to rec; 0 or -1. */
static int
tr_add(struct tlsrpt_record *rec, const char *u, size_t n)
{
	char  **v, *s;

	if ((s = malloc(n + 1)) == NULL)
		return -1;
	memcpy(s, u, n);
	s[n] = '\0';
	if ((v = realloc(rec->rua, (rec->nrua + 1) * sizeof(*v))) == NULL) {
		free(s);
		return -1;
	}
	rec->rua = v;
	rec->rua[rec->nrua++] = s;
	return 0;
}

/*
 * tr_rua - parse the URI list of a rua field starting at *pos; leaves *pos
 * at the byte after the last URI. 0, or -1 with *reason.
 */
static int
tr_rua(const char *buf, size_t len, size_t *pos, struct tlsrpt_record *rec,
    const char **reason)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t	start, i = *pos, save;
	int	usable;

	for (;;) {
		start = i;
		while (i < len && !tr_is_wsp(p[i]) && p[i] != ',' &&
		    p[i] != ';')
			i++;
		if (i == start) {
			*reason = "rua= needs a URI";
			return -1;
		}
		if (tr_uri_check(buf + start, i - start, &usable) == -1) {
			*reason = "rua= holds something that is not a URI "
			    "(',', '!' and ';' must be %-encoded)";
			return -1;
		}
		if (usable) {
			if (tr_add(rec, buf + start, i - start) == -1) {
				*reason = "out of memory";
				return -1;
			}
		} else
			rec->nignored++;
		/* *WSP "," *WSP before the next URI, else the field ends. */
		save = i;
		while (i < len && tr_is_wsp(p[i]))
			i++;
		if (i < len && p[i] == ',') {
			i++;
			while (i < len && tr_is_wsp(p[i]))
				i++;
			continue;
		}
		*pos = save;
		return 0;
	}
}

/* tlsrpt_record_is_candidate - does the RR start with exactly "v=TLSRPTv1;"? */
int
tlsrpt_record_is_candidate(const char *buf, size_t len)
{
	return buf != NULL && len >= TR_PREFIX_LEN &&
	    memcmp(buf, TR_PREFIX, TR_PREFIX_LEN) == 0;
}

/* tlsrpt_record_parse - parse one joined RR against the RFC 8460 ABNF. */
int
tlsrpt_record_parse(const char *buf, size_t len, struct tlsrpt_record *rec,
    const char **why)
{
	const char *reason = NULL;
	struct tlsrpt_record out;
	size_t	pos, name = 0, nlen = 0, vlen;
	int	have_rua = 0, r;

	memset(&out, 0, sizeof(out));
	memset(rec, 0, sizeof(*rec));
	if (!tlsrpt_record_is_candidate(buf, len)) {
		reason = "record does not begin with \"v=TLSRPTv1;\"";
		goto out;
	}
	if (txt_field_ascii(buf, len, &reason) != 0)
		goto out;

	pos = TR_VERSION_LEN;
	while ((r = txt_field_next(buf, len, &pos, &name, &nlen,
	    &reason)) == 1) {
		if (nlen == 3 && memcmp(buf + name, "rua", 3) == 0) {
			if (tr_rua(buf, len, &pos, &out, &reason) == -1)
				goto out;
			have_rua = 1;
			continue;
		}
		if (txt_field_value(buf, len, &pos, &vlen, &reason) != 0)
			goto out;
	}
	if (r < 0)
		goto out;
	if (!have_rua) {
		reason = "record has no rua= field";
		goto out;
	}
	*rec = out;
	memset(&out, 0, sizeof(out));
out:
	tlsrpt_record_free(&out);
	if (reason != NULL) {
		if (why != NULL)
			*why = reason;
		return -1;
	}
	return 0;
}

/* tlsrpt_record_select - exactly one valid record with a usable URI. */
enum tlsrpt_select
tlsrpt_record_select(const struct txt_rr *rrs, size_t n,
    struct tlsrpt_record *rec, const char **why)
{
	const char *reason = NULL;
	size_t	i, cand = 0, which = 0;

	memset(rec, 0, sizeof(*rec));
	for (i = 0; i < n; i++) {
		if (tlsrpt_record_is_candidate(rrs[i].data, rrs[i].len)) {
			cand++;
			which = i;
		}
	}
	if (cand == 0) {
		if (why != NULL)
			*why = "no record begins with \"v=TLSRPTv1;\"";
		return TLSRPT_SELECT_NONE;
	}
	if (cand > 1) {
		if (why != NULL)
			*why = "more than one record begins with "
			    "\"v=TLSRPTv1;\"";
		return TLSRPT_SELECT_MULTIPLE;
	}
	if (tlsrpt_record_parse(rrs[which].data, rrs[which].len, rec,
	    &reason) == -1) {
		if (why != NULL)
			*why = reason;
		return TLSRPT_SELECT_INVALID;
	}
	if (rec->nrua == 0) {
		tlsrpt_record_free(rec);
		if (why != NULL)
			*why = "no mailto: or https: destination in rua=";
		return TLSRPT_SELECT_NO_URI;
	}
	return TLSRPT_SELECT_OK;
}

/* tlsrpt_record_free - release the URI list. */
void
tlsrpt_record_free(struct tlsrpt_record *rec)
{
	size_t	i;

	if (rec == NULL)
		return;
	for (i = 0; i < rec->nrua; i++)
		free(rec->rua[i]);
	free(rec->rua);
	rec->rua = NULL;
	rec->nrua = 0;
	rec->nignored = 0;
}
