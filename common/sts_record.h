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
