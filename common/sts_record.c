/*
 * NAME
 *	sts_record - the "_mta-sts" TXT record (RFC 8461 §3.1)
 * SYNOPSIS
 *	#include "sts_record.h"
 *
 *	long txt_rdata_join(rdata, rdlen, out, outsz)
 *	int txt_field_ascii(buf, len, &why)
 *	int txt_field_next(buf, len, &pos, &name, &nlen, &why)
 *	int txt_field_value(buf, len, &pos, &vlen, &why)
 *	int sts_record_is_candidate(buf, len)
 *	int sts_record_parse(buf, len, &rec, &why)
 *	enum sts_select sts_record_select(rrs, n, &rec, &why)
 * DESCRIPTION
 *	txt_rdata_join() turns the wire form of one TXT RR (a sequence of
 *	length-prefixed character-strings) into one string, joined with no
 *	separator (T3).
 *
 *	txt_field_*() scan the tag-value fields after a version, a
 *	grammar RFC 8460 took from RFC 8461; tlsrpt_record.c uses them too.
 *
 *	sts_record_is_candidate() is the discovery filter: an RR counts only
 *	when it begins with exactly the bytes "v=STSv1;" (T4). Note that
 *	"v=STSv1 ;" fits the ABNF but fails this filter (EID 6285, X13).
 *
 *	sts_record_parse() checks a candidate against the strict ABNF (T6):
 *	fields after the version in any order, a trailing delimiter allowed,
 *	unknown extensions ignored but held to their grammar (T8), the first
 *	"id" wins (T9). A field spelled "id" whose value is not 1-32
 *	alphanumerics is an extension by the grammar, not an sts-id.
 *
 *	sts_record_select() applies the whole discovery rule (T4, T5).
 * DIAGNOSTICS
 *	txt_rdata_join() returns -1 for truncated or empty RDATA or output
 *	that does not fit. A NUL byte is kept (callers use the returned
 *	length): dropping the RR would change the record count that T5
 *	decides on, and sts_record_parse() refuses the NUL itself. The other
 *	functions report why a record was refused in a static string.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "sts_record.h"

#define STS_PREFIX	"v=STSv1;"
#define STS_PREFIX_LEN	(sizeof(STS_PREFIX) - 1)
#define STS_VERSION_LEN	(STS_PREFIX_LEN - 1)	/* "v=STSv1" */
#define STS_EXT_NAME_MAX 32			/* 1 + *31 in the ABNF */

/* sts_is_alnum - ASCII ALPHA / DIGIT, independent of the locale. */
static int
sts_is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

/* sts_is_wsp - WSP = SP / HTAB. */
static int
sts_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* sts_is_name_char - the tail of sts-ext-name. */
static int
sts_is_name_char(unsigned char c)
{
	return sts_is_alnum(c) || c == '_' || c == '-' || c == '.';
}

/* sts_is_value_char - sts-ext-value: %x21-3A / %x3C / %x3E-7E. */
static int
sts_is_value_char(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != ';' && c != '=';
}

/* txt_rdata_join - join the character-strings of one TXT RDATA. */
long
txt_rdata_join(const unsigned char *rdata, size_t rdlen, char *out,
    size_t outsz)
{
	size_t	pos = 0, olen = 0, slen;

	/* RFC 1035 §3.3.14: one or more character-strings. */
	if (rdata == NULL || rdlen == 0 || out == NULL || outsz == 0)
		return -1;
	while (pos < rdlen) {
		slen = rdata[pos++];
		if (slen > rdlen - pos)
			return -1;		/* truncated string */
		if (slen >= outsz - olen)
			return -1;		/* no room for it and the NUL */
		memcpy(out + olen, rdata + pos, slen);
		olen += slen;
		pos += slen;
	}
	if (olen > (size_t)LONG_MAX)
		return -1;
	out[olen] = '\0';
	return (long)olen;
}

/* txt_field_ascii - no NUL and no byte >= 0x80 */
int
txt_field_ascii(const char *buf, size_t len, const char **why)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t	i;

	for (i = 0; i < len; i++)
		if (p[i] == 0 || p[i] >= 0x80) {
			*why = "record holds a NUL or non-ASCII byte";
			return -1;
		}
	return 0;
}

/* txt_field_next - the delimiter, name and "=" of the next field */
int
txt_field_next(const char *buf, size_t len, size_t *pos, size_t *name,
    size_t *nlen, const char **why)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t	at = *pos;

	if (at >= len)
		return 0;			/* the end of the record */
	/* field-delim = *WSP ";" *WSP */
	while (at < len && sts_is_wsp(p[at]))
		at++;
	if (at == len || p[at] != ';') {
		*why = at == len ? "white space at the end without a ';'" :
		    "fields must be separated by ';'";
		return -1;
	}
	at++;
	while (at < len && sts_is_wsp(p[at]))
		at++;
	if (at == len) {
		*pos = at;
		return 0;			/* trailing delimiter */
	}
	*name = at;
	if (!sts_is_alnum(p[at])) {
		*why = "field name must start with a letter or digit";
		return -1;
	}
	while (at < len && sts_is_name_char(p[at]))
		at++;
	*nlen = at - *name;
	if (*nlen > STS_EXT_NAME_MAX) {
		*why = "field name longer than 32 characters";
		return -1;
	}
	if (at == len || p[at] != '=') {
		*why = "field name must be followed by '='";
		return -1;
	}
	*pos = at + 1;
	return 1;
}

/* txt_field_value - an extension value */
int
txt_field_value(const char *buf, size_t len, size_t *pos, size_t *vlen,
    const char **why)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t	at = *pos;

	while (at < len && sts_is_value_char(p[at]))
		at++;
	if (at == *pos) {
		*why = "field has an empty value";
		return -1;
	}
	if (at < len && p[at] == '=') {
		*why = "'=' is not allowed in a field value";
		return -1;
	}
	*vlen = at - *pos;
	*pos = at;
	return 0;
}

/* sts_record_is_candidate - does the RR start with exactly "v=STSv1;"? */
int
sts_record_is_candidate(const char *buf, size_t len)
{
	return buf != NULL && len >= STS_PREFIX_LEN &&
	    memcmp(buf, STS_PREFIX, STS_PREFIX_LEN) == 0;
}

/* sts_record_parse - parse one joined RR against the RFC 8461 ABNF. */
int
sts_record_parse(const char *buf, size_t len, struct sts_record *rec,
    const char **why)
{
	const unsigned char *p = (const unsigned char *)buf;
	const char *reason = NULL;
	size_t	pos, i, name = 0, nlen = 0, value, vlen, nfields = 0;
	int	have_id = 0, r;
	struct sts_record out;

	memset(&out, 0, sizeof(out));
	if (!sts_record_is_candidate(buf, len)) {
		reason = "record does not begin with \"v=STSv1;\"";
		goto out;
	}
	if (txt_field_ascii(buf, len, &reason) != 0)
		goto out;

	pos = STS_VERSION_LEN;
	while ((r = txt_field_next(buf, len, &pos, &name, &nlen,
	    &reason)) == 1) {
		/* sts-ext-value, which also covers the id value */
		value = pos;
		if (txt_field_value(buf, len, &pos, &vlen, &reason) != 0)
			goto out;
		nfields++;

		if (have_id || nlen != 2 || memcmp(buf + name, "id", 2) != 0 ||
		    vlen > STS_ID_MAX)
			continue;
		for (i = 0; i < vlen; i++)
			if (!sts_is_alnum(p[value + i]))
				break;
		if (i < vlen)
			continue;		/* an extension named "id" */
		memcpy(out.id, buf + value, vlen);
		out.id[vlen] = '\0';
		have_id = 1;
	}
	if (r < 0)
		goto out;
	if (nfields == 0) {
		reason = "record has no fields after the version";
		goto out;
	}
	if (!have_id) {
		reason = "record has no valid id (1-32 letters and digits)";
		goto out;
	}

out:
	if (reason != NULL) {
		if (why != NULL)
			*why = reason;
		return -1;
	}
	if (rec != NULL)
		*rec = out;
	return 0;
}

/* sts_record_select - the discovery rule over all TXT RRs of a name. */
enum sts_select
sts_record_select(const struct txt_rr *rrs, size_t n, struct sts_record *rec,
    const char **why)
{
	size_t	i, ncand = 0, which = 0;

	for (i = 0; i < n; i++) {
		if (sts_record_is_candidate(rrs[i].data, rrs[i].len)) {
			ncand++;
			which = i;
		}
	}
	if (ncand == 0) {
		if (why != NULL)
			*why = "no TXT record begins with \"v=STSv1;\"";
		return STS_SELECT_NONE;
	}
	if (ncand > 1) {
		if (why != NULL)
			*why = "more than one TXT record begins with "
			    "\"v=STSv1;\"";
		return STS_SELECT_MULTIPLE;
	}
	if (sts_record_parse(rrs[which].data, rrs[which].len, rec, why) != 0)
		return STS_SELECT_INVALID;
	return STS_SELECT_OK;
}
