/*
 * NAME
 *	sts_policy - the MTA-STS policy text (RFC 8461 §3.2)
 * SYNOPSIS
 *	#include "sts_policy.h"
 *
 *	int sts_policy_parse(buf, len, &pol, err, errsz, &errline)
 *	void sts_policy_free(&pol)
 *	int sts_policy_copy(&dst, &src)
 *	const char *sts_mode_name(mode)
 *	int sts_mode_parse(name)
 * DESCRIPTION
 *	sts_policy_parse() reads a fetched policy body against the strict
 *	ABNF of RFC 8461 §3.2 (P1-P10): lines end in LF or CRLF, mixed, the
 *	last one optionally unterminated; a bare CR is a control character.
 *	A key starts its line, ':' follows it at once, white space may follow
 *	the ':' and may end the line. Keys and values are case-sensitive.
 *	Where the RFC leaves room (DESIGN §7): empty or white-space-only
 *	lines are skipped; a repeated version, mode or max_age keeps the
 *	first value and the later lines need only be well-formed; every mx
 *	line is kept, in file order, duplicates too (the socketmap answer
 *	drops them); more than STS_POLICY_MX_MAX mx lines make the policy
 *	invalid, a bound on the work of every later lookup; a max_age of
 *	1-10 digits is clamped to
 *	STS_MAX_AGE_CAP. Extension lines are kept, in file order, in the
 *	canonical form "name: value" (no trailing white space) so that the
 *	TLS-RPT policy-string can be rebuilt from the parsed policy.
 *
 *	The parser bounds its work: a body over STS_POLICY_BODY_MAX bytes
 *	or a line over STS_POLICY_LINE_MAX bytes (terminator not counted)
 *	is invalid (S5).
 *
 *	sts_policy_free() and sts_policy_copy() manage the heap parts;
 *	sts_mode_name() and sts_mode_parse() map modes to their names.
 * DIAGNOSTICS
 *	sts_policy_parse() returns -1 with a reason an administrator can act
 *	on, "line 3: mode must be testing, enforce or none", and the 1-based
 *	line in *errline, or 0 for a missing field or a body-wide problem.
 *	On failure the policy is left zeroed. Out of memory is an error too.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx_match.h"
#include "sts_policy.h"

#define POL_NAME_MAX	32	/* sts-policy-ext-name: 1 + *31 */
#define POL_MAX_AGE_DIGITS 10	/* 1*10(DIGIT) */
#define POL_QUOTE_MAX	64	/* how much of a bad value an error shows */

/* State while one body is parsed. */
struct pol_parse {
	struct sts_policy pol;
	size_t	mxcap;
	size_t	extcap;
	int	have_version;
	int	have_mode;
	int	have_max_age;
	char   *err;
	size_t	errsz;
	size_t	errline;
};

/* pol_is_alnum - ASCII ALPHA / DIGIT, independent of the locale. */
static int
pol_is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

/* pol_is_wsp - WSP = SP / HTAB. */
static int
pol_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* pol_error - record the reason for a failure, prefixed by its line. */
static int __attribute__((format(printf, 3, 4)))
pol_error(struct pol_parse *pp, size_t line, const char *fmt, ...)
{
	va_list	ap;
	int	n = 0;

	pp->errline = line;
	if (pp->err == NULL || pp->errsz == 0)
		return -1;
	if (line > 0)
		n = snprintf(pp->err, pp->errsz, "line %zu: ", line);
	if (n < 0 || (size_t)n >= pp->errsz)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(pp->err + n, pp->errsz - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* pol_utf8_len - length of the well-formed UTF-8 sequence at p, or 0. */
static size_t
pol_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t	need, i;

	/* RFC 3629 §4: UTF8-2, UTF8-3, UTF8-4; no overlongs, no surrogates. */
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1;
	else if (p[0] == 0xe0) {
		need = 2;
		lo = 0xa0;
	} else if ((p[0] >= 0xe1 && p[0] <= 0xec) || p[0] == 0xee ||
	    p[0] == 0xef)
		need = 2;
	else if (p[0] == 0xed) {
		need = 2;
		hi = 0x9f;
	} else if (p[0] == 0xf0) {
		need = 3;
		lo = 0x90;
	} else if (p[0] >= 0xf1 && p[0] <= 0xf3)
		need = 3;
	else if (p[0] == 0xf4) {
		need = 3;
		hi = 0x8f;
	} else
		return 0;
	if (n <= need || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i <= need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need + 1;
}

/*
 * pol_check_value - sts-policy-ext-value: vchar [*(SP / vchar) vchar] with
 * vchar = %x21-7E / UTF-8; the caller has removed the white space around it.
 */
static int
pol_check_value(struct pol_parse *pp, size_t line, const unsigned char *v,
    size_t vlen)
{
	size_t	i = 0, n;

	while (i < vlen) {
		if (v[i] >= 0x20 && v[i] <= 0x7e) {
			i++;
			continue;
		}
		if (v[i] == '\t')
			return pol_error(pp, line,
			    "a tab inside a value is not allowed");
		if (v[i] < 0x80)
			return pol_error(pp, line,
			    "control character 0x%02x in the value", v[i]);
		if ((n = pol_utf8_len(v + i, vlen - i)) == 0)
			return pol_error(pp, line,
			    "the value is not valid UTF-8");
		i += n;
	}
	return 0;
}

/* pol_quote_len - how much of a checked value to show in an error. */
static int
pol_quote_len(const unsigned char *v, size_t vlen)
{
	size_t	n = vlen;

	if (n > POL_QUOTE_MAX) {
		n = POL_QUOTE_MAX;
		/* Do not cut a UTF-8 sequence in two. */
		while (n > 0 && (v[n] & 0xc0) == 0x80)
			n--;
	}
	return (int)n;
}

/* pol_strdup - a NUL-terminated heap copy of s (n bytes). */
static char *
pol_strdup(const char *s, size_t n)
{
	char   *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* pol_push - append str to a growing array of strings. */
static int
pol_push(char ***arr, size_t *n, size_t *cap, char *str)
{
	char  **na;
	size_t	ncap;

	if (*n == *cap) {
		ncap = *cap ? *cap * 2 : 8;
		if (ncap > (size_t)-1 / sizeof(*na))
			return -1;
		if ((na = realloc(*arr, ncap * sizeof(*na))) == NULL)
			return -1;
		*arr = na;
		*cap = ncap;
	}
	(*arr)[(*n)++] = str;
	return 0;
}

/* pol_field_version - the first "version" line. */
static int
pol_field_version(struct pol_parse *pp, size_t line, const char *v,
    size_t vlen)
{
	if (vlen != 5 || memcmp(v, "STSv1", 5) != 0)
		return pol_error(pp, line, "version must be STSv1");
	pp->have_version = 1;
	return 0;
}

/* pol_field_mode - the first "mode" line. */
static int
pol_field_mode(struct pol_parse *pp, size_t line, const char *v, size_t vlen)
{
	if (vlen == 7 && memcmp(v, "enforce", 7) == 0)
		pp->pol.mode = STS_MODE_ENFORCE;
	else if (vlen == 7 && memcmp(v, "testing", 7) == 0)
		pp->pol.mode = STS_MODE_TESTING;
	else if (vlen == 4 && memcmp(v, "none", 4) == 0)
		pp->pol.mode = STS_MODE_NONE;
	else
		return pol_error(pp, line,
		    "mode must be testing, enforce or none");
	pp->have_mode = 1;
	return 0;
}

/* pol_field_max_age - the first "max_age" line (P8, P10). */
static int
pol_field_max_age(struct pol_parse *pp, size_t line, const char *v,
    size_t vlen)
{
	unsigned long long n = 0;
	size_t	i;

	if (vlen == 0)
		return pol_error(pp, line,
		    "max_age must be a number of seconds");
	for (i = 0; i < vlen; i++)
		if (v[i] < '0' || v[i] > '9')
			return pol_error(pp, line,
			    "max_age must be a number of seconds "
			    "(digits only)");
	if (vlen > POL_MAX_AGE_DIGITS)
		return pol_error(pp, line,
		    "max_age must have at most %d digits", POL_MAX_AGE_DIGITS);
	for (i = 0; i < vlen; i++)
		n = n * 10 + (unsigned long long)(v[i] - '0');
	pp->pol.max_age = n > STS_MAX_AGE_CAP ? STS_MAX_AGE_CAP : (uint32_t)n;
	pp->have_max_age = 1;
	return 0;
}

/* pol_field_mx - one "mx" line: an LDH name or "*." and one (P7). */
static int
pol_field_mx(struct pol_parse *pp, size_t line, const char *v, size_t vlen)
{
	char   *copy;

	if (vlen == 0)
		return pol_error(pp, line, "mx needs a host name pattern");
	if (pol_check_value(pp, line, (const unsigned char *)v, vlen) != 0)
		return -1;
	if (!mx_pattern_is_valid(v, vlen))
		return pol_error(pp, line,
		    "mx \"%.*s\" is not a host name or \"*.\" and a host name "
		    "(letters, digits, '-' and '.'; one pattern per line; "
		    "A-labels for IDNs)",
		    pol_quote_len((const unsigned char *)v, vlen), v);
	/* A bound on the work of every lookup that answers with the list. */
	if (pp->pol.nmx >= STS_POLICY_MX_MAX)
		return pol_error(pp, line, "more than %d mx lines",
		    STS_POLICY_MX_MAX);
	if ((copy = pol_strdup(v, vlen)) == NULL)
		return pol_error(pp, 0, "out of memory");
	if (pol_push(&pp->pol.mx, &pp->pol.nmx, &pp->mxcap, copy) != 0) {
		free(copy);
		return pol_error(pp, 0, "out of memory");
	}
	return 0;
}

/* pol_field_ext - an extension (or repeated) line, kept as "name: value". */
static int
pol_field_ext(struct pol_parse *pp, size_t line, const char *name,
    size_t nlen, const char *v, size_t vlen, int keep)
{
	char   *copy;

	if (vlen == 0)
		return pol_error(pp, line, "field \"%.*s\" has no value",
		    (int)nlen, name);
	if (pol_check_value(pp, line, (const unsigned char *)v, vlen) != 0)
		return -1;
	if (!keep)
		return 0;
	if ((copy = malloc(nlen + 2 + vlen + 1)) == NULL)
		return pol_error(pp, 0, "out of memory");
	memcpy(copy, name, nlen);
	memcpy(copy + nlen, ": ", 2);
	memcpy(copy + nlen + 2, v, vlen);
	copy[nlen + 2 + vlen] = '\0';
	if (pol_push(&pp->pol.ext, &pp->pol.next, &pp->extcap, copy) != 0) {
		free(copy);
		return pol_error(pp, 0, "out of memory");
	}
	return 0;
}

/* pol_key_is - is the field name exactly key? */
static int
pol_key_is(const char *name, size_t nlen, const char *key)
{
	return strlen(key) == nlen && memcmp(name, key, nlen) == 0;
}

/* pol_line - parse one line (terminator removed, no CR left in it). */
static int
pol_line(struct pol_parse *pp, size_t line, const char *l, size_t llen)
{
	const unsigned char *u = (const unsigned char *)l;
	size_t	i = 0, nlen, v, vlen;

	while (i < llen && pol_is_wsp(u[i]))
		i++;
	if (i == llen)
		return 0;	/* blank line: ignored (Y11) */
	if (i > 0)
		return pol_error(pp, line,
		    "white space before the field name is not allowed");
	if (!pol_is_alnum(u[0]))
		return pol_error(pp, line,
		    "a field name must start with a letter or digit");
	while (i < llen && (pol_is_alnum(u[i]) || u[i] == '_' ||
	    u[i] == '-' || u[i] == '.'))
		i++;
	nlen = i;
	if (i == llen || u[i] != ':') {
		while (i < llen && pol_is_wsp(u[i]))
			i++;
		if (i > nlen && i < llen && u[i] == ':')
			return pol_error(pp, line,
			    "no white space is allowed between \"%.*s\" "
			    "and ':'", (int)nlen, l);
		return pol_error(pp, line,
		    "expected \"name: value\" (a field name is letters, "
		    "digits, '_', '-' and '.', then ':')");
	}
	if (nlen > POL_NAME_MAX)
		return pol_error(pp, line,
		    "field name is longer than %d characters", POL_NAME_MAX);
	i++;
	while (i < llen && pol_is_wsp(u[i]))
		i++;
	v = i;
	vlen = llen - v;
	while (vlen > 0 && pol_is_wsp(u[v + vlen - 1]))
		vlen--;

	if (pol_key_is(l, nlen, "mx"))
		return pol_field_mx(pp, line, l + v, vlen);
	if (pol_key_is(l, nlen, "version") && !pp->have_version)
		return pol_field_version(pp, line, l + v, vlen);
	if (pol_key_is(l, nlen, "mode") && !pp->have_mode)
		return pol_field_mode(pp, line, l + v, vlen);
	if (pol_key_is(l, nlen, "max_age") && !pp->have_max_age)
		return pol_field_max_age(pp, line, l + v, vlen);
	/* A repeated field is ignored (P6); an extension is kept (P5). */
	return pol_field_ext(pp, line, l, nlen, l + v, vlen,
	    !pol_key_is(l, nlen, "version") && !pol_key_is(l, nlen, "mode") &&
	    !pol_key_is(l, nlen, "max_age"));
}

/* sts_policy_parse - parse a policy body of len bytes. */
int
sts_policy_parse(const char *buf, size_t len, struct sts_policy *pol,
    char *err, size_t errsz, size_t *errline)
{
	struct pol_parse pp;
	const char *lf;
	size_t	pos = 0, line = 0, end, next;
	int	rc = -1;

	memset(&pp, 0, sizeof(pp));
	pp.err = err;
	pp.errsz = errsz;
	if (err != NULL && errsz > 0)
		err[0] = '\0';
	if (pol != NULL)
		memset(pol, 0, sizeof(*pol));

	if (buf == NULL || len == 0) {
		pol_error(&pp, 0, "the policy is empty");
		goto out;
	}
	if (len > STS_POLICY_BODY_MAX) {
		pol_error(&pp, 0, "the policy is larger than %d bytes",
		    STS_POLICY_BODY_MAX);
		goto out;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		pol_error(&pp, 1, "the policy starts with a UTF-8 byte order "
		    "mark; save it without one");
		goto out;
	}

	while (pos < len) {
		line++;
		lf = memchr(buf + pos, '\n', len - pos);
		end = lf != NULL ? (size_t)(lf - buf) : len;
		next = lf != NULL ? end + 1 : len;
		/* CRLF ends a line; a CR anywhere else is a bare CR (P3). */
		if (lf != NULL && end > pos && buf[end - 1] == '\r')
			end--;
		if (end - pos > STS_POLICY_LINE_MAX) {
			pol_error(&pp, line, "the line is longer than %d bytes",
			    STS_POLICY_LINE_MAX);
			goto out;
		}
		if (memchr(buf + pos, '\r', end - pos) != NULL) {
			pol_error(&pp, line, "a carriage return (CR) must be "
			    "followed by a line feed (LF)");
			goto out;
		}
		if (pol_line(&pp, line, buf + pos, end - pos) != 0)
			goto out;
		pos = next;
	}

	if (!pp.have_version) {
		pol_error(&pp, 0, "the version field is missing "
		    "(\"version: STSv1\")");
		goto out;
	}
	if (!pp.have_mode) {
		pol_error(&pp, 0, "the mode field is missing");
		goto out;
	}
	if (!pp.have_max_age) {
		pol_error(&pp, 0, "the max_age field is missing");
		goto out;
	}
	if (pp.pol.mode != STS_MODE_NONE && pp.pol.nmx == 0) {
		pol_error(&pp, 0, "mode is %s but no mx field is present",
		    sts_mode_name(pp.pol.mode));
		goto out;
	}
	rc = 0;

out:
	if (errline != NULL)
		*errline = rc == 0 ? 0 : pp.errline;
	if (rc != 0 || pol == NULL)
		sts_policy_free(&pp.pol);
	else
		*pol = pp.pol;
	return rc;
}

/* sts_policy_free - release what sts_policy_parse allocated. */
void
sts_policy_free(struct sts_policy *pol)
{
	size_t	i;

	if (pol == NULL)
		return;
	for (i = 0; i < pol->nmx; i++)
		free(pol->mx[i]);
	free(pol->mx);
	for (i = 0; i < pol->next; i++)
		free(pol->ext[i]);
	free(pol->ext);
	memset(pol, 0, sizeof(*pol));
}

/* pol_copy_strings - deep copy of an array of n strings. */
static int
pol_copy_strings(char ***dst, char *const *src, size_t n)
{
	char  **a;
	size_t	i;

	*dst = NULL;
	if (n == 0)
		return 0;
	if (n > (size_t)-1 / sizeof(*a))
		return -1;
	if ((a = calloc(n, sizeof(*a))) == NULL)
		return -1;
	*dst = a;
	for (i = 0; i < n; i++)
		if ((a[i] = pol_strdup(src[i], strlen(src[i]))) == NULL)
			return -1;
	return 0;
}

/* sts_policy_copy - deep copy; dst is zeroed on failure. */
int
sts_policy_copy(struct sts_policy *dst, const struct sts_policy *src)
{
	struct sts_policy tmp;
	int	rc = -1;

	memset(&tmp, 0, sizeof(tmp));
	tmp.mode = src->mode;
	tmp.max_age = src->max_age;

	/* n is set first so a partial copy frees its NULL tail harmlessly. */
	tmp.nmx = src->nmx;
	if (pol_copy_strings(&tmp.mx, src->mx, src->nmx) != 0)
		goto out;
	tmp.next = src->next;
	if (pol_copy_strings(&tmp.ext, src->ext, src->next) != 0)
		goto out;
	rc = 0;

out:
	if (rc != 0) {
		if (tmp.mx == NULL)
			tmp.nmx = 0;
		if (tmp.ext == NULL)
			tmp.next = 0;
		sts_policy_free(&tmp);
		memset(dst, 0, sizeof(*dst));
		errno = ENOMEM;
		return -1;
	}
	*dst = tmp;
	return 0;
}

/* sts_mode_name - "none", "testing", "enforce". */
const char *
sts_mode_name(enum sts_mode mode)
{
	switch (mode) {
	case STS_MODE_NONE:
		return "none";
	case STS_MODE_TESTING:
		return "testing";
	case STS_MODE_ENFORCE:
		return "enforce";
	}
	return "invalid";
}

/* sts_mode_parse - inverse of sts_mode_name; -1 when unknown. */
int
sts_mode_parse(const char *name)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, "none") == 0)
		return STS_MODE_NONE;
	if (strcmp(name, "testing") == 0)
		return STS_MODE_TESTING;
	if (strcmp(name, "enforce") == 0)
		return STS_MODE_ENFORCE;
	return -1;
}

/* sts_policy_lists - see sts_policy.h. */
int
sts_policy_lists(const struct sts_policy *pol, const char *host)
{
	size_t	i;

	for (i = 0; i < pol->nmx; i++)
		if (mx_match(pol->mx[i], host))
			return 1;
	return 0;
}
