/*
 * NAME
 *	mx_match - host names and MX pattern matching (RFC 8461 §4.1)
 * SYNOPSIS
 *	#include "mx_match.h"
 *
 *	int dns_name_is_ldh(name, len)
 *	int mx_pattern_is_valid(pat, len)
 *	int mx_match(pattern, host)
 *	int host_normalize(key, len, out, outsz)
 * DESCRIPTION
 *	dns_name_is_ldh() is the RFC 5321 Domain syntax the policy grammar
 *	uses for mx patterns: LDH labels of 1-63 bytes, no leading or
 *	trailing '-', joined by '.', no trailing dot. IDNs pass only as
 *	A-labels, since a U-label is not LDH.
 *
 *	mx_pattern_is_valid() accepts such a name, or "*." and one (P7).
 *
 *	mx_match() compares an MX host name with one pattern (E2): ASCII
 *	case-insensitive, one trailing root dot on either side ignored, and
 *	"*." standing for exactly one non-empty left-most label. It fails
 *	closed: a malformed pattern or host name never matches.
 *
 *	host_normalize() turns a socketmap lookup key into the domain whose
 *	policy applies (DESIGN §4), or says that the key must get NOTFOUND
 *	without any DNS traffic.
 * DIAGNOSTICS
 *	The predicates return 1 or 0; host_normalize() returns 0 or -1.
 */
#include <stddef.h>
#include <string.h>

#include "mx_match.h"

#define DNS_LABEL_MAX	63

/* mx_lower - ASCII lower-case, independent of the locale. */
static unsigned char
mx_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* mx_is_ldh_char - [A-Za-z0-9-] */
static int
mx_is_ldh_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* mx_caseeq - ASCII case-insensitive equality of two byte ranges. */
static int
mx_caseeq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (mx_lower((unsigned char)a[i]) !=
		    mx_lower((unsigned char)b[i]))
			return 0;
	return 1;
}

/* dns_name_is_ldh - is name a host name of LDH labels joined by '.'? */
int
dns_name_is_ldh(const char *name, size_t len)
{
	size_t	i, start = 0;

	if (name == NULL || len == 0 || len > DNS_NAME_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && name[i] != '.') {
			if (!mx_is_ldh_char((unsigned char)name[i]))
				return 0;
			continue;
		}
		/* a label ends at i: [start, i) */
		if (i == start || i - start > DNS_LABEL_MAX)
			return 0;
		if (name[start] == '-' || name[i - 1] == '-')
			return 0;
		start = i + 1;
	}
	return 1;
}

/* mx_pattern_is_valid - an LDH name, or "*." followed by one (P7). */
int
mx_pattern_is_valid(const char *pat, size_t len)
{
	if (pat == NULL)
		return 0;
	if (len >= 2 && pat[0] == '*' && pat[1] == '.')
		return dns_name_is_ldh(pat + 2, len - 2);
	return dns_name_is_ldh(pat, len);
}

/* mx_match - does host (an MX RR name) match pattern? */
int
mx_match(const char *pattern, const char *host)
{
	size_t	plen, hlen, label;
	const char *dot;

	if (pattern == NULL || host == NULL)
		return 0;
	plen = strlen(pattern);
	hlen = strlen(host);
	if (plen > 0 && pattern[plen - 1] == '.')
		plen--;
	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if (!mx_pattern_is_valid(pattern, plen) || !dns_name_is_ldh(host, hlen))
		return 0;

	if (pattern[0] != '*')
		return mx_caseeq(pattern, plen, host, hlen);

	/* "*.suffix": one whole, non-empty left-most label, then suffix. */
	if ((dot = memchr(host, '.', hlen)) == NULL)
		return 0;
	label = (size_t)(dot - host);
	if (label == 0)
		return 0;
	return mx_caseeq(pattern + 2, plen - 2, dot + 1, hlen - label - 1);
}

/* mx_is_port - a port or service after "host:" (digits or a name). */
static int
mx_is_port(const char *p, size_t len)
{
	size_t	i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!mx_is_ldh_char((unsigned char)p[i]))
			return 0;
	return 1;
}

/* host_normalize - socketmap key normalisation (DESIGN §4). */
int
host_normalize(const char *key, size_t len, char *out, size_t outsz)
{
	const char *host, *p;
	size_t	hlen, i;
	int	all_digits;

	if (key == NULL || len == 0 || out == NULL || outsz == 0)
		return -1;
	/* ".domain" is Postfix's parent-domain probe; "/..." a path. */
	if (key[0] == '.' || memchr(key, '/', len) != NULL)
		return -1;
	if (len >= 5 && mx_caseeq(key, 5, "ipv6:", 5))
		return -1;

	if (key[0] == '[') {
		/* "[host]" or "[host]:port" */
		if ((p = memchr(key, ']', len)) == NULL)
			return -1;
		host = key + 1;
		hlen = (size_t)(p - host);
		i = (size_t)(p - key) + 1;
		if (i < len && (key[i] != ':' ||
		    !mx_is_port(key + i + 1, len - i - 1)))
			return -1;
		/* "[ipv6:...]" and "[::1]" are address literals. */
		if (memchr(host, ':', hlen) != NULL)
			return -1;
	} else {
		host = key;
		hlen = len;
		if ((p = memchr(key, ':', len)) != NULL) {
			/* A second ':' makes it an IPv6 address, not a port. */
			hlen = (size_t)(p - key);
			if (!mx_is_port(p + 1, len - hlen - 1))
				return -1;
		}
	}

	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if (hlen == 0 || host[0] == '.' || !dns_name_is_ldh(host, hlen))
		return -1;

	/* An IP literal: a dotted quad, or any name with an all-digit TLD. */
	all_digits = 1;
	for (i = hlen; i > 0 && host[i - 1] != '.'; i--)
		if (host[i - 1] < '0' || host[i - 1] > '9')
			all_digits = 0;
	if (all_digits)
		return -1;

	if (hlen >= outsz)
		return -1;
	for (i = 0; i < hlen; i++)
		out[i] = (char)mx_lower((unsigned char)host[i]);
	out[hlen] = '\0';
	return 0;
}
