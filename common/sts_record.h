/*
 * sts_record.h - the "_mta-sts" TXT record (RFC 8461 §3.1).
 */
#ifndef MTASTS_STS_RECORD_H
#define MTASTS_STS_RECORD_H

#include <stddef.h>

#define STS_ID_MAX	32

struct sts_record {
	char	id[STS_ID_MAX + 1];	/* NUL-terminated */
};

/* One TXT RR whose character-strings were joined with no separator. */
struct txt_rr {
	const char *data;
	size_t	len;
};

enum sts_select {
	STS_SELECT_OK,		/* exactly one valid record; rec filled */
	STS_SELECT_NONE,	/* no RR starts with "v=STSv1;" */
	STS_SELECT_MULTIPLE,	/* more than one RR starts with "v=STSv1;" */
	STS_SELECT_INVALID	/* one candidate, but it does not fit the ABNF */
};

/*
 * txt_rdata_join - join the character-strings of one TXT RDATA (a sequence
 * of length-prefixed strings) into out (size outsz), NUL-terminated.
 * Returns the joined length, or -1 if the RDATA is malformed or too long.
 */
long	txt_rdata_join(const unsigned char *rdata, size_t rdlen, char *out,
	    size_t outsz);

/*
 * The tag-value grammar both "v=STSv1" (RFC 8461) and "v=TLSRPTv1" (RFC
 * 8460) records use after their version.
 *
 * txt_field_ascii - 0 when len bytes of buf hold no NUL and no byte
 * >= 0x80; -1 with a reason in *why.
 */
int	txt_field_ascii(const char *buf, size_t len, const char **why);

/*
 * txt_field_next - from *pos (the end of the version or of the previous
 * field): *WSP ";" *WSP, then a field name (ALPHA / DIGIT, then up to 31 of
 * ALPHA / DIGIT / "_" / "-" / ".") and "=". Returns 1 with the name at
 * *name, *nlen long, and *pos just past the "="; 0 at the end of the record
 * (a trailing delimiter is allowed); -1 with a reason in *why.
 */
int	txt_field_next(const char *buf, size_t len, size_t *pos, size_t *name,
	    size_t *nlen, const char **why);

/*
 * txt_field_value - an extension value at *pos (1* of %x21-3A / %x3C /
 * %x3E-7E, not followed by "="): 0 with its length in *vlen and *pos past
 * it, or -1 with a reason in *why.
 */
int	txt_field_value(const char *buf, size_t len, size_t *pos,
	    size_t *vlen, const char **why);

/* sts_record_is_candidate - does the RR start with exactly "v=STSv1;" (T4)? */
int	sts_record_is_candidate(const char *buf, size_t len);

/*
 * sts_record_parse - parse one joined RR against the RFC 8461 ABNF (T6-T9).
 * Returns 0 and fills rec, or -1 and points *why at a static reason.
 */
int	sts_record_parse(const char *buf, size_t len, struct sts_record *rec,
	    const char **why);

/*
 * sts_record_select - the discovery rule: drop non-candidates, require
 * exactly one, parse it (T4, T5). *why is set for every result but OK.
 */
enum sts_select sts_record_select(const struct txt_rr *rrs, size_t n,
	    struct sts_record *rec, const char **why);

#endif
