/*
 * record.h - the LMDB value codec for a cached domain. Versioned and
 * tag-length-value, so a later release reads an older cache and skips tags
 * it does not know; a record from a newer major format is refused.
 */
#ifndef MTASTS_RECORD_H
#define MTASTS_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sts_policy.h"

#define RECORD_FORMAT		1	/* written by this release */
#define RECORD_ERROR_MAX	200	/* last_error is truncated to this */

enum record_state {
	RECORD_POLICY = 1,	/* a fetched, valid policy (any mode) */
	RECORD_NEGATIVE = 2	/* no usable _mta-sts record, until neg_until */
};

struct record {
	enum record_state state;
	char	id[33];			/* TXT id the policy was fetched under */
	int64_t	fetched_at;		/* policy fetch time (Unix seconds) */
	int64_t	txt_checked_at;		/* last TXT check that saw this id */
	int64_t	last_used;		/* last socketmap/control lookup */
	int64_t	neg_until;		/* RECORD_NEGATIVE: believed until */
	int64_t	fail_at;		/* last failed fetch (F8 back-off) */
	char	fail_id[33];		/* id that failed at fail_at */
	char	last_error[RECORD_ERROR_MAX + 1];
	struct sts_policy policy;	/* RECORD_POLICY: parsed fields */
	char   *text;			/* RECORD_POLICY: raw body (C1) */
	size_t	textlen;
};

/*
 * record_encode - serialise rec into a malloc'd buffer (*out, *outlen).
 * Returns 0, or -1 with errno ENOMEM, or EINVAL for a record that
 * record_decode would refuse (unknown state or mode, bad id, max_age
 * above STS_MAX_AGE_CAP).
 */
int	record_encode(const struct record *rec, unsigned char **out,
	    size_t *outlen);

enum record_decode_result {
	RECORD_OK = 0,
	RECORD_CORRUPT = -1,	/* truncated, bad length, bad field */
	RECORD_NEWER = -2	/* written by a newer, incompatible format */
};

/*
 * record_decode - parse buf (len bytes, e.g. straight from an MDB_val) into
 * rec, copying everything out. Free with record_free.
 */
enum record_decode_result record_decode(const unsigned char *buf, size_t len,
	    struct record *rec);

/* record_free - release what record_decode allocated; rec may be zeroed. */
void	record_free(struct record *rec);

/*
 * record_expires_at - fetched_at + max_age (C2: valid while now <= this),
 * saturating at INT64_MAX; for a RECORD_NEGATIVE record, neg_until.
 */
int64_t	record_expires_at(const struct record *rec);

/* lookup_valid - is rec a fetched policy (any mode) not yet expired (C2)? */
int	lookup_valid(const struct record *rec, time_t now);

/*
 * lookup_enforced - does a valid rec make the socketmap answer "secure"
 * (enforce, or testing with strict_testing; E1)?
 */
int	lookup_enforced(const struct record *rec, int strict_testing);

#endif
