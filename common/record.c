/*
 * NAME
 *	record - the LMDB value codec for one cached domain
 * SYNOPSIS
 *	#include "record.h"
 *
 *	int record_encode(rec, &out, &outlen)
 *	enum record_decode_result record_decode(buf, len, rec)
 *	void record_free(rec)
 *	int64_t record_expires_at(rec)
 *	int lookup_valid(rec, now)
 * DESCRIPTION
 *	A record is the magic "MTS", one byte of major format version
 *	(RECORD_FORMAT), then fields as tag-length-value: a 2-byte tag and a
 *	4-byte length, both big-endian, then the value. Integers are 8-byte
 *	two's complement big-endian (max_age 4 bytes, state and mode 1
 *	byte); strings are raw bytes without a terminator. A record ends
 *	with the end tag (0) of length 0, so a record cut short anywhere is
 *	noticed. The mx and ext tags repeat, one per pattern or line, in
 *	policy order.
 *
 *	A decoder skips tags it does not know, so a later release may add
 *	fields without changing the major version; a record whose major
 *	version is above RECORD_FORMAT is refused as RECORD_NEWER. The
 *	tag numbers and encodings below are frozen for format 1: never
 *	reuse or change one, only add.
 *
 *	record_decode() never reads past len, copies everything out (the
 *	buffer may be an MDB_val that dies with its transaction) and
 *	NUL-terminates every string. It checks what it can: every length,
 *	a known state and mode, an id of 0-32 alphanumerics, no NUL inside
 *	a string, max_age at most STS_MAX_AGE_CAP, no repeated single tag,
 *	and for a policy record the presence of mode and max_age.
 *
 *	record_expires_at() is fetched_at + max_age for a policy record
 *	(RFC 8461 §3.3, checklist C2) and neg_until for a negative one.
 *	lookup_valid() says whether a record is a fetched policy (any mode)
 *	not yet expired at now: the predicate the request path, refresh,
 *	discovery and route confirmation share.
 * DIAGNOSTICS
 *	record_encode() returns -1 with errno ENOMEM, or EINVAL for a
 *	record the decoder would refuse. record_decode() returns
 *	RECORD_CORRUPT or RECORD_NEWER and leaves rec zeroed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

#define RECORD_MAGIC		"MTS"
#define RECORD_HDR		4	/* magic + version */
#define RECORD_TLV_HDR		6	/* tag + length */
#define RECORD_ID_MAX		32

/* Format 1 tags. Frozen: add new numbers, never change these. */
enum record_tag {
	TAG_END = 0,
	TAG_STATE = 1,		/* 1 byte: enum record_state */
	TAG_ID = 2,		/* 0-32 alphanumerics */
	TAG_FETCHED_AT = 3,	/* int64 */
	TAG_TXT_CHECKED_AT = 4,	/* int64 */
	TAG_LAST_USED = 5,	/* int64 */
	TAG_NEG_UNTIL = 6,	/* int64 */
	TAG_FAIL_AT = 7,	/* int64 */
	TAG_FAIL_ID = 8,	/* 0-32 alphanumerics */
	TAG_LAST_ERROR = 9,	/* text, truncated to RECORD_ERROR_MAX */
	TAG_MODE = 10,		/* 1 byte: enum sts_mode */
	TAG_MAX_AGE = 11,	/* uint32 */
	TAG_MX = 12,		/* one pattern; repeats */
	TAG_EXT = 13,		/* one extension line; repeats */
	TAG_TEXT = 14,		/* raw policy body */
	TAG_LAST_KNOWN = TAG_TEXT
};

/* A growing output buffer; failed stays set after the first ENOMEM. */
struct record_buf {
	unsigned char *p;
	size_t	len, cap;
	int	failed;
};

/* record_put - append n bytes. */
static void
record_put(struct record_buf *b, const void *data, size_t n)
{
	unsigned char *np;
	size_t	ncap;

	if (b->failed || n == 0)
		return;
	if (n > b->cap - b->len) {
		ncap = b->cap != 0 ? b->cap : 256;
		while (ncap - b->len < n) {
			if (ncap > SIZE_MAX / 2) {
				b->failed = 1;
				return;
			}
			ncap *= 2;
		}
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* record_put_tlv - append one field. */
static void
record_put_tlv(struct record_buf *b, unsigned int tag, const void *data,
    size_t n)
{
	unsigned char hdr[RECORD_TLV_HDR];

	if (n > UINT32_MAX) {
		b->failed = 1;
		return;
	}
	hdr[0] = (unsigned char)(tag >> 8);
	hdr[1] = (unsigned char)tag;
	hdr[2] = (unsigned char)(n >> 24);
	hdr[3] = (unsigned char)(n >> 16);
	hdr[4] = (unsigned char)(n >> 8);
	hdr[5] = (unsigned char)n;
	record_put(b, hdr, sizeof(hdr));
	record_put(b, data, n);
}

/* record_put_i64 - append an int64 field. */
static void
record_put_i64(struct record_buf *b, unsigned int tag, int64_t v)
{
	unsigned char d[8];
	uint64_t u = (uint64_t)v;
	int	i;

	for (i = 7; i >= 0; i--) {
		d[i] = (unsigned char)u;
		u >>= 8;
	}
	record_put_tlv(b, tag, d, sizeof(d));
}

/* record_put_str - append a NUL-terminated string field. */
static void
record_put_str(struct record_buf *b, unsigned int tag, const char *s)
{
	record_put_tlv(b, tag, s, s != NULL ? strlen(s) : 0);
}

/* record_valid_id - 0-32 alphanumerics (an empty id is allowed). */
static int
record_valid_id(const char *s, size_t len)
{
	size_t	i;

	if (len > RECORD_ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* record_encode - serialise rec into a malloc'd buffer. */
int
record_encode(const struct record *rec, unsigned char **out, size_t *outlen)
{
	struct record_buf b = { NULL, 0, 0, 0 };
	unsigned char u8, u32[4];
	size_t	i, elen;

	*out = NULL;
	*outlen = 0;
	if ((rec->state != RECORD_POLICY && rec->state != RECORD_NEGATIVE) ||
	    !record_valid_id(rec->id, strnlen(rec->id, sizeof(rec->id))) ||
	    !record_valid_id(rec->fail_id,
	    strnlen(rec->fail_id, sizeof(rec->fail_id))) ||
	    (rec->state == RECORD_POLICY &&
	    (rec->policy.mode < STS_MODE_NONE ||
	    rec->policy.mode > STS_MODE_ENFORCE ||
	    rec->policy.max_age > STS_MAX_AGE_CAP))) {
		errno = EINVAL;
		return -1;
	}

	record_put(&b, RECORD_MAGIC, 3);
	u8 = RECORD_FORMAT;
	record_put(&b, &u8, 1);
	u8 = (unsigned char)rec->state;
	record_put_tlv(&b, TAG_STATE, &u8, 1);
	record_put_str(&b, TAG_ID, rec->id);
	record_put_i64(&b, TAG_FETCHED_AT, rec->fetched_at);
	record_put_i64(&b, TAG_TXT_CHECKED_AT, rec->txt_checked_at);
	record_put_i64(&b, TAG_LAST_USED, rec->last_used);
	record_put_i64(&b, TAG_NEG_UNTIL, rec->neg_until);
	record_put_i64(&b, TAG_FAIL_AT, rec->fail_at);
	record_put_str(&b, TAG_FAIL_ID, rec->fail_id);
	elen = strnlen(rec->last_error, sizeof(rec->last_error));
	record_put_tlv(&b, TAG_LAST_ERROR, rec->last_error,
	    elen > RECORD_ERROR_MAX ? RECORD_ERROR_MAX : elen);
	if (rec->state == RECORD_POLICY) {
		u8 = (unsigned char)rec->policy.mode;
		record_put_tlv(&b, TAG_MODE, &u8, 1);
		u32[0] = (unsigned char)(rec->policy.max_age >> 24);
		u32[1] = (unsigned char)(rec->policy.max_age >> 16);
		u32[2] = (unsigned char)(rec->policy.max_age >> 8);
		u32[3] = (unsigned char)rec->policy.max_age;
		record_put_tlv(&b, TAG_MAX_AGE, u32, 4);
		for (i = 0; i < rec->policy.nmx; i++)
			record_put_str(&b, TAG_MX, rec->policy.mx[i]);
		for (i = 0; i < rec->policy.next; i++)
			record_put_str(&b, TAG_EXT, rec->policy.ext[i]);
		if (rec->text != NULL)
			record_put_tlv(&b, TAG_TEXT, rec->text, rec->textlen);
	}
	record_put_tlv(&b, TAG_END, NULL, 0);
	if (b.failed) {
		free(b.p);
		errno = ENOMEM;
		return -1;
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

/* record_get_i64 - an 8-byte big-endian two's complement integer. */
static int64_t
record_get_i64(const unsigned char *d)
{
	uint64_t u = 0;
	int	i;

	for (i = 0; i < 8; i++)
		u = (u << 8) | d[i];
	/* Convert without relying on implementation-defined narrowing. */
	if (u <= (uint64_t)INT64_MAX)
		return (int64_t)u;
	return -(int64_t)(~u) - 1;
}

/* record_strdup - copy a string field out; NULL if it holds a NUL. */
static char *
record_strdup(const unsigned char *d, size_t n)
{
	char   *s;

	if (memchr(d, '\0', n) != NULL)
		return NULL;
	if ((s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, d, n);
	s[n] = '\0';
	return s;
}

/* record_push - append s to a string vector; -1 on ENOMEM. */
static int
record_push(char ***v, size_t *n, char *s)
{
	char  **nv;

	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL)
		return -1;
	nv[(*n)++] = s;
	*v = nv;
	return 0;
}

/* record_decode - parse buf into rec, copying everything out. */
enum record_decode_result
record_decode(const unsigned char *buf, size_t len, struct record *rec)
{
	enum record_decode_result rc = RECORD_CORRUPT;
	uint32_t seen = 0;
	size_t	pos, n, elen;
	unsigned int tag;
	const unsigned char *d;
	char   *s;
	int	ended = 0;

	memset(rec, 0, sizeof(*rec));
	if (len < RECORD_HDR || memcmp(buf, RECORD_MAGIC, 3) != 0)
		return RECORD_CORRUPT;
	if (buf[3] > RECORD_FORMAT)
		return RECORD_NEWER;
	if (buf[3] != RECORD_FORMAT)
		return RECORD_CORRUPT;

	pos = RECORD_HDR;
	while (!ended) {
		if (len - pos < RECORD_TLV_HDR)
			goto out;
		tag = ((unsigned int)buf[pos] << 8) | buf[pos + 1];
		n = ((size_t)buf[pos + 2] << 24) | ((size_t)buf[pos + 3] << 16) |
		    ((size_t)buf[pos + 4] << 8) | buf[pos + 5];
		pos += RECORD_TLV_HDR;
		if (n > len - pos)
			goto out;
		d = buf + pos;
		pos += n;

		/* Single tags may appear once; mx and ext repeat. */
		if (tag <= TAG_LAST_KNOWN && tag != TAG_MX && tag != TAG_EXT) {
			if (seen & (1u << tag))
				goto out;
			seen |= 1u << tag;
		}
		switch (tag) {
		case TAG_END:
			if (n != 0 || pos != len)
				goto out;
			ended = 1;
			break;
		case TAG_STATE:
			if (n != 1 || (d[0] != RECORD_POLICY &&
			    d[0] != RECORD_NEGATIVE))
				goto out;
			rec->state = (enum record_state)d[0];
			break;
		case TAG_ID:
		case TAG_FAIL_ID:
			if (!record_valid_id((const char *)d, n))
				goto out;
			memcpy(tag == TAG_ID ? rec->id : rec->fail_id, d, n);
			break;
		case TAG_FETCHED_AT:
		case TAG_TXT_CHECKED_AT:
		case TAG_LAST_USED:
		case TAG_NEG_UNTIL:
		case TAG_FAIL_AT:
			if (n != 8)
				goto out;
			*(tag == TAG_FETCHED_AT ? &rec->fetched_at :
			    tag == TAG_TXT_CHECKED_AT ? &rec->txt_checked_at :
			    tag == TAG_LAST_USED ? &rec->last_used :
			    tag == TAG_NEG_UNTIL ? &rec->neg_until :
			    &rec->fail_at) = record_get_i64(d);
			break;
		case TAG_LAST_ERROR:
			if (memchr(d, '\0', n) != NULL)
				goto out;
			elen = n > RECORD_ERROR_MAX ? RECORD_ERROR_MAX : n;
			memcpy(rec->last_error, d, elen);
			break;
		case TAG_MODE:
			if (n != 1 || d[0] > STS_MODE_ENFORCE)
				goto out;
			rec->policy.mode = (enum sts_mode)d[0];
			break;
		case TAG_MAX_AGE:
			if (n != 4)
				goto out;
			rec->policy.max_age = ((uint32_t)d[0] << 24) |
			    ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3];
			if (rec->policy.max_age > STS_MAX_AGE_CAP)
				goto out;
			break;
		case TAG_MX:
		case TAG_EXT:
			/* A record of an older release may hold more. */
			if (tag == TAG_MX &&
			    rec->policy.nmx >= STS_POLICY_MX_MAX)
				goto out;
			if ((s = record_strdup(d, n)) == NULL)
				goto out;
			if (record_push(tag == TAG_MX ? &rec->policy.mx :
			    &rec->policy.ext, tag == TAG_MX ? &rec->policy.nmx :
			    &rec->policy.next, s) != 0) {
				free(s);
				goto out;
			}
			break;
		case TAG_TEXT:
			/* The body is bytes; a NUL would fail the policy parser. */
			if ((rec->text = malloc(n + 1)) == NULL)
				goto out;
			memcpy(rec->text, d, n);
			rec->text[n] = '\0';
			rec->textlen = n;
			break;
		default:
			/* A newer minor addition: skip it. */
			break;
		}
	}
	if (!(seen & (1u << TAG_STATE)))
		goto out;
	if (rec->state == RECORD_POLICY &&
	    (!(seen & (1u << TAG_MODE)) || !(seen & (1u << TAG_MAX_AGE))))
		goto out;
	rc = RECORD_OK;
out:
	if (rc != RECORD_OK)
		record_free(rec);
	return rc;
}

/* record_free - release what record_decode allocated, leave rec zeroed. */
void
record_free(struct record *rec)
{
	size_t	i;

	for (i = 0; i < rec->policy.nmx; i++)
		free(rec->policy.mx[i]);
	free(rec->policy.mx);
	for (i = 0; i < rec->policy.next; i++)
		free(rec->policy.ext[i]);
	free(rec->policy.ext);
	free(rec->text);
	memset(rec, 0, sizeof(*rec));
}

/* record_expires_at - when the entry stops being valid (C2). */
int64_t
record_expires_at(const struct record *rec)
{
	if (rec->state == RECORD_NEGATIVE)
		return rec->neg_until;
	if (rec->fetched_at > INT64_MAX - (int64_t)rec->policy.max_age)
		return INT64_MAX;
	return rec->fetched_at + (int64_t)rec->policy.max_age;
}

/* lookup_valid - a fetched policy, not expired. */
int
lookup_valid(const struct record *rec, time_t now)
{
	return rec->state == RECORD_POLICY &&
	    (int64_t)now <= record_expires_at(rec);
}

/* lookup_enforced - enforce, or testing taken as enforce. */
int
lookup_enforced(const struct record *rec, int strict_testing)
{
	if (rec->state != RECORD_POLICY)
		return 0;
	return rec->policy.mode == STS_MODE_ENFORCE ||
	    (strict_testing && rec->policy.mode == STS_MODE_TESTING);
}
