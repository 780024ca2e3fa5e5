/*
 * record_test.c - the LMDB value codec: round trips of policy and negative
 * records (RFC 8461 §3.3, checklist C1/C2), truncation at every offset,
 * newer major versions, unknown tags, field validation, and a frozen
 * format-1 sample that every later release must still decode.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "tap.h"

/*
 * A format-1 record written out by hand, tag by tag. It is frozen: if a
 * change to record.c makes this fail to decode, the change breaks every
 * existing cache. Do not edit it; add a new sample for new tags.
 */
static const unsigned char frozen1[] =
	"MTS" "\x01"					/* magic, format 1 */
	"\x00\x01" "\x00\x00\x00\x01" "\x01"		/* state: policy */
	"\x00\x02" "\x00\x00\x00\x06" "abc123"		/* id */
	"\x00\x03" "\x00\x00\x00\x08"			/* fetched_at 1700000000 */
	    "\x00\x00\x00\x00\x65\x53\xf1\x00"
	"\x00\x04" "\x00\x00\x00\x08"			/* txt_checked_at 1700000100 */
	    "\x00\x00\x00\x00\x65\x53\xf1\x64"
	"\x00\x05" "\x00\x00\x00\x08"			/* last_used 1700000200 */
	    "\x00\x00\x00\x00\x65\x53\xf1\xc8"
	"\x00\x06" "\x00\x00\x00\x08"			/* neg_until 0 */
	    "\x00\x00\x00\x00\x00\x00\x00\x00"
	"\x00\x07" "\x00\x00\x00\x08"			/* fail_at 1699990000 */
	    "\x00\x00\x00\x00\x65\x53\xc9\xf0"
	"\x00\x08" "\x00\x00\x00\x04" "old1"		/* fail_id */
	"\x00\x09" "\x00\x00\x00\x08" "HTTP 404"	/* last_error */
	"\x00\x0a" "\x00\x00\x00\x01" "\x02"		/* mode: enforce */
	"\x00\x0b" "\x00\x00\x00\x04" "\x00\x09\x3a\x80"	/* max_age 604800 */
	"\x00\x0c" "\x00\x00\x00\x10" "mail.example.com"	/* mx */
	"\x00\x0c" "\x00\x00\x00\x0d" "*.example.net"	/* mx */
	"\x00\x0d" "\x00\x00\x00\x0a" "x-note: hi"	/* ext */
	"\x00\x0e" "\x00\x00\x00\x54"			/* text, 84 bytes */
	    "version: STSv1\n" "mode: enforce\n" "mx: mail.example.com\n"
	    "mx: *.example.net\n" "max_age: 604800\n"
	"\x00\x00" "\x00\x00\x00\x00";			/* end */
#define FROZEN1_LEN (sizeof(frozen1) - 1)

/* A frozen format-1 negative record, as few tags as a writer may use. */
static const unsigned char frozen1_neg[] =
	"MTS" "\x01"
	"\x00\x01" "\x00\x00\x00\x01" "\x02"		/* state: negative */
	"\x00\x06" "\x00\x00\x00\x08"			/* neg_until -1 */
	    "\xff\xff\xff\xff\xff\xff\xff\xff"
	"\x00\x00" "\x00\x00\x00\x00";
#define FROZEN1_NEG_LEN (sizeof(frozen1_neg) - 1)

/* decode_copy - decode from an exact-size heap copy, so ASan sees overreads. */
static enum record_decode_result
decode_copy(const unsigned char *buf, size_t len, struct record *rec)
{
	enum record_decode_result rc;
	unsigned char *copy = malloc(len ? len : 1);

	memcpy(copy, buf, len);
	rc = record_decode(copy, len, rec);
	free(copy);
	return rc;
}

/* test_frozen - the hand-made format-1 samples decode to known values. */
static void
test_frozen(void)
{
	struct record rec;
	unsigned char *out = NULL;
	size_t	outlen = 0;

	if (!ok(decode_copy(frozen1, FROZEN1_LEN, &rec) == RECORD_OK,
	    "frozen format-1 policy record decodes"))
		return;
	ok(rec.state == RECORD_POLICY, "  state policy");
	is_str(rec.id, "abc123", "  id");
	ok(rec.fetched_at == 1700000000, "  fetched_at");
	ok(rec.txt_checked_at == 1700000100, "  txt_checked_at");
	ok(rec.last_used == 1700000200, "  last_used");
	ok(rec.neg_until == 0, "  neg_until");
	ok(rec.fail_at == 1699990000, "  fail_at");
	is_str(rec.fail_id, "old1", "  fail_id");
	is_str(rec.last_error, "HTTP 404", "  last_error");
	ok(rec.policy.mode == STS_MODE_ENFORCE, "  mode enforce");
	ok(rec.policy.max_age == 604800, "  max_age");
	ok(rec.policy.nmx == 2, "  two mx patterns");
	is_str(rec.policy.nmx > 0 ? rec.policy.mx[0] : NULL,
	    "mail.example.com", "  mx[0]");
	is_str(rec.policy.nmx > 1 ? rec.policy.mx[1] : NULL, "*.example.net",
	    "  mx[1] (in order)");
	ok(rec.policy.next == 1, "  one extension");
	is_str(rec.policy.next > 0 ? rec.policy.ext[0] : NULL, "x-note: hi",
	    "  ext[0]");
	ok(rec.textlen == 84, "  text length");
	ok(rec.text != NULL && rec.text[84] == '\0' &&
	    memcmp(rec.text, "version: STSv1\nmode: enforce\n", 29) == 0,
	    "  text, NUL-terminated");
	ok(record_expires_at(&rec) == 1700000000 + 604800,
	    "  expires_at = fetched_at + max_age (C2)");

	/* This release writes format 1 exactly like the frozen sample. */
	ok(record_encode(&rec, &out, &outlen) == 0, "re-encode the sample");
	ok(outlen == FROZEN1_LEN && memcmp(out, frozen1, outlen) == 0,
	    "  byte for byte identical");
	free(out);
	record_free(&rec);

	if (!ok(decode_copy(frozen1_neg, FROZEN1_NEG_LEN, &rec) == RECORD_OK,
	    "frozen format-1 negative record decodes"))
		return;
	ok(rec.state == RECORD_NEGATIVE && rec.neg_until == -1 &&
	    rec.id[0] == '\0' && rec.fetched_at == 0 && rec.policy.nmx == 0 &&
	    rec.text == NULL, "  fields (negative int64, absent tags zero)");
	ok(record_expires_at(&rec) == -1, "  expires_at = neg_until");
	record_free(&rec);
}

/* fill_policy - a policy record with every field set. */
static void
fill_policy(struct record *rec)
{
	static char mx0[] = "mx1.example.org", mx1[] = "*.mx.example.org",
	    mx2[] = "MX1.example.org", ext0[] = "foo: bar baz",
	    text[] = "version: STSv1\r\nmode: testing\r\n";
	static char *mx[] = { mx0, mx1, mx2 }, *ext[] = { ext0 };

	memset(rec, 0, sizeof(*rec));
	rec->state = RECORD_POLICY;
	strcpy(rec->id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");	/* 32 */
	rec->fetched_at = INT64_MAX - 5;
	rec->txt_checked_at = INT64_MIN;
	rec->last_used = 42;
	rec->neg_until = -42;
	rec->fail_at = 1;
	strcpy(rec->fail_id, "z");
	memset(rec->last_error, 'e', RECORD_ERROR_MAX);
	rec->policy.mode = STS_MODE_TESTING;
	rec->policy.max_age = STS_MAX_AGE_CAP;
	rec->policy.nmx = 3;
	rec->policy.mx = mx;
	rec->policy.next = 1;
	rec->policy.ext = ext;
	rec->text = text;
	rec->textlen = sizeof(text) - 1;
}

/* same_record - compare every field. */
static int
same_record(const struct record *a, const struct record *b)
{
	size_t	i;

	if (a->state != b->state || strcmp(a->id, b->id) != 0 ||
	    a->fetched_at != b->fetched_at ||
	    a->txt_checked_at != b->txt_checked_at ||
	    a->last_used != b->last_used || a->neg_until != b->neg_until ||
	    a->fail_at != b->fail_at || strcmp(a->fail_id, b->fail_id) != 0 ||
	    strcmp(a->last_error, b->last_error) != 0)
		return 0;
	if (a->state == RECORD_NEGATIVE)
		return 1;
	if (a->policy.mode != b->policy.mode ||
	    a->policy.max_age != b->policy.max_age ||
	    a->policy.nmx != b->policy.nmx || a->policy.next != b->policy.next ||
	    a->textlen != b->textlen ||
	    (a->textlen > 0 && memcmp(a->text, b->text, a->textlen) != 0))
		return 0;
	for (i = 0; i < a->policy.nmx; i++)
		if (strcmp(a->policy.mx[i], b->policy.mx[i]) != 0)
			return 0;
	for (i = 0; i < a->policy.next; i++)
		if (strcmp(a->policy.ext[i], b->policy.ext[i]) != 0)
			return 0;
	return 1;
}

/* test_roundtrip - encode then decode policy and negative records. */
static void
test_roundtrip(void)
{
	struct record in, outrec;
	unsigned char *buf = NULL;
	size_t	len = 0, k, bad;
	int	mode;

	fill_policy(&in);
	ok(record_encode(&in, &buf, &len) == 0, "encode a full policy record");
	ok(decode_copy(buf, len, &outrec) == RECORD_OK, "  decodes");
	ok(same_record(&in, &outrec), "  every field survives");
	ok(record_expires_at(&outrec) == INT64_MAX,
	    "  expires_at saturates instead of overflowing");
	record_free(&outrec);

	/* Truncation at every byte offset is noticed. */
	bad = 0;
	for (k = 0; k < len; k++)
		if (decode_copy(buf, k, &outrec) != RECORD_CORRUPT) {
			bad++;
			record_free(&outrec);
		}
	ok(bad == 0, "  truncated at each of %zu offsets: RECORD_CORRUPT",
	    len);
	ok(outrec.state == 0 && outrec.policy.mx == NULL,
	    "  a failed decode leaves the record zeroed");
	free(buf);

	bad = 0;
	for (k = 0; k < FROZEN1_LEN; k++)
		if (decode_copy(frozen1, k, &outrec) != RECORD_CORRUPT) {
			bad++;
			record_free(&outrec);
		}
	ok(bad == 0, "frozen sample truncated at each of %zu offsets: "
	    "RECORD_CORRUPT", (size_t)FROZEN1_LEN);

	for (mode = STS_MODE_NONE; mode <= STS_MODE_ENFORCE; mode++) {
		fill_policy(&in);
		in.policy.mode = (enum sts_mode)mode;
		in.policy.nmx = 0;
		in.policy.next = 0;
		in.text = NULL;
		in.textlen = 0;
		in.id[0] = '\0';
		in.policy.max_age = 0;
		ok(record_encode(&in, &buf, &len) == 0 &&
		    decode_copy(buf, len, &outrec) == RECORD_OK &&
		    same_record(&in, &outrec),
		    "minimal policy record, mode %d, empty id, max_age 0",
		    mode);
		record_free(&outrec);
		free(buf);
	}

	memset(&in, 0, sizeof(in));
	in.state = RECORD_NEGATIVE;
	in.neg_until = 1700000900;
	in.txt_checked_at = 1700000000;
	strcpy(in.last_error, "no _mta-sts record");
	ok(record_encode(&in, &buf, &len) == 0, "encode a negative record");
	ok(decode_copy(buf, len, &outrec) == RECORD_OK &&
	    same_record(&in, &outrec), "  round trip");
	ok(record_expires_at(&outrec) == 1700000900, "  expires_at");
	record_free(&outrec);
	bad = 0;
	for (k = 0; k < len; k++)
		if (decode_copy(buf, k, &outrec) != RECORD_CORRUPT) {
			bad++;
			record_free(&outrec);
		}
	ok(bad == 0, "  truncated at each of %zu offsets: RECORD_CORRUPT", len);
	free(buf);

	/* A negative record does not carry policy fields. */
	fill_policy(&in);
	in.state = RECORD_NEGATIVE;
	ok(record_encode(&in, &buf, &len) == 0 &&
	    decode_copy(buf, len, &outrec) == RECORD_OK &&
	    outrec.policy.nmx == 0 && outrec.text == NULL,
	    "  policy fields are not written for a negative record");
	record_free(&outrec);
	free(buf);
}

/* splice - a copy of frozen1 with bytes inserted before the end tag. */
static unsigned char *
splice(const void *ins, size_t inslen, size_t *outlen)
{
	unsigned char *b = malloc(FROZEN1_LEN + inslen);

	memcpy(b, frozen1, FROZEN1_LEN - 6);
	memcpy(b + FROZEN1_LEN - 6, ins, inslen);
	memcpy(b + FROZEN1_LEN - 6 + inslen, frozen1 + FROZEN1_LEN - 6, 6);
	*outlen = FROZEN1_LEN + inslen;
	return b;
}

/* test_versions - newer majors refused, unknown tags skipped. */
static void
test_versions(void)
{
	struct record rec;
	unsigned char b[FROZEN1_LEN], *s;
	size_t	len;

	memcpy(b, frozen1, FROZEN1_LEN);
	b[3] = 2;
	ok(decode_copy(b, FROZEN1_LEN, &rec) == RECORD_NEWER,
	    "format 2: RECORD_NEWER");
	b[3] = 0xff;
	ok(decode_copy(b, FROZEN1_LEN, &rec) == RECORD_NEWER,
	    "format 255: RECORD_NEWER");
	ok(decode_copy(b, 4, &rec) == RECORD_NEWER,
	    "format 2 header alone: RECORD_NEWER");
	b[3] = 0;
	ok(decode_copy(b, FROZEN1_LEN, &rec) == RECORD_CORRUPT,
	    "format 0: RECORD_CORRUPT");
	memcpy(b, frozen1, FROZEN1_LEN);
	b[0] = 'm';
	ok(decode_copy(b, FROZEN1_LEN, &rec) == RECORD_CORRUPT,
	    "bad magic: RECORD_CORRUPT");

	s = splice("\x7f\xff" "\x00\x00\x00\x03" "xyz", 9, &len);
	ok(decode_copy(s, len, &rec) == RECORD_OK && rec.policy.nmx == 2 &&
	    rec.policy.max_age == 604800, "unknown tag 0x7fff is skipped");
	record_free(&rec);
	free(s);
	s = splice("\x00\x0f" "\x00\x00\x00\x00" "\x01\x00" "\x00\x00\x00\x02"
	    "\x00\x01", 14, &len);
	ok(decode_copy(s, len, &rec) == RECORD_OK,
	    "unknown tags 15 and 256 (empty, and twice-looking) are skipped");
	record_free(&rec);
	free(s);
	s = splice("\x7f\xff" "\x00\x00\x00\x03" "xy", 8, &len);
	ok(decode_copy(s, len, &rec) == RECORD_CORRUPT,
	    "unknown tag whose length runs into the end tag: RECORD_CORRUPT");
	free(s);
}

struct corrupt_case {
	const char *what;
	const char *ins;	/* inserted before the end tag of frozen1 */
	size_t	inslen;
	size_t	patch_at;	/* or: patch one byte of frozen1 (0 = none) */
	unsigned char patch;
};

/* Offsets into frozen1 (see its layout above). */
#define OFF_STATE_VAL	10
#define OFF_ID_LEN	16
#define OFF_ID_VAL	17
#define OFF_FETCHED_LEN	28
#define OFF_ERROR_VAL	(4 + 7 + 12 + 5 * 14 + 10 + 6)
#define OFF_MODE_VAL	(4 + 7 + 12 + 5 * 14 + 10 + 14 + 6)
#define OFF_MAXAGE_VAL	(OFF_MODE_VAL + 1 + 6)
#define OFF_MX_VAL	(OFF_MAXAGE_VAL + 4 + 6)

static const struct corrupt_case corrupt_cases[] = {
	{ "unknown state 3", NULL, 0, OFF_STATE_VAL, 3 },
	{ "state 0", NULL, 0, OFF_STATE_VAL, 0 },
	{ "id with a '-'", NULL, 0, OFF_ID_VAL + 2, '-' },
	{ "id with a NUL", NULL, 0, OFF_ID_VAL + 5, 0 },
	{ "unknown mode 3", NULL, 0, OFF_MODE_VAL, 3 },
	{ "max_age above the cap", NULL, 0, OFF_MAXAGE_VAL, 0x02 },
	{ "NUL inside an mx pattern", NULL, 0, OFF_MX_VAL + 4, 0 },
	{ "fetched_at of 7 bytes", NULL, 0, OFF_FETCHED_LEN, 7 },
	{ "a length past the end", NULL, 0, OFF_ID_LEN - 2, 0x01 },
	{ "a length near 4 GiB", NULL, 0, OFF_ID_LEN - 3, 0xff },
	{ "state twice", "\x00\x01" "\x00\x00\x00\x01" "\x01", 7, 0, 0 },
	{ "max_age twice", "\x00\x0b" "\x00\x00\x00\x04" "\x00\x00\x00\x01",
	    10, 0, 0 },
	{ "a repeated single tag (last_error)", "\x00\x09"
	    "\x00\x00\x00\x01" "x", 7, 0, 0 },
	{ "NUL in last_error", NULL, 0, OFF_ERROR_VAL + 2, 0 },
	{ "bytes after the end tag", NULL, 0, 0, 0 },
	{ "end tag with a length", NULL, 0, 0, 1 },
};

/* test_corrupt - each malformed record is refused. */
static void
test_corrupt(void)
{
	const struct corrupt_case *c;
	struct record rec;
	unsigned char *b;
	size_t	i, len;

	for (i = 0; i < sizeof(corrupt_cases) / sizeof(corrupt_cases[0]); i++) {
		c = &corrupt_cases[i];
		if (c->ins != NULL)
			b = splice(c->ins, c->inslen, &len);
		else {
			len = FROZEN1_LEN + 1;
			b = malloc(len);
			memcpy(b, frozen1, FROZEN1_LEN);
			b[FROZEN1_LEN] = 0;
			if (c->patch_at != 0)
				b[c->patch_at] = c->patch;
			else if (c->patch == 1)
				b[FROZEN1_LEN - 1] = 1;	/* end length 1, 1 byte */
			if (c->patch_at != 0)
				len = FROZEN1_LEN;
		}
		ok(decode_copy(b, len, &rec) == RECORD_CORRUPT,
		    "corrupt: %s", c->what);
		free(b);
	}

	/* Required fields. */
	ok(decode_copy((const unsigned char *)"MTS\x01\x00\x00\x00\x00\x00\x00",
	    10, &rec) == RECORD_CORRUPT, "corrupt: no state");
	ok(decode_copy((const unsigned char *)"MTS\x01\x00\x01\x00\x00\x00\x01"
	    "\x01\x00\x00\x00\x00\x00\x00", 17, &rec) == RECORD_CORRUPT,
	    "corrupt: a policy record without mode and max_age");
	ok(decode_copy((const unsigned char *)"MTS\x01\x00\x01\x00\x00\x00\x01"
	    "\x02\x00\x00\x00\x00\x00\x00", 17, &rec) == RECORD_OK,
	    "a negative record needs only its state");
	record_free(&rec);
	ok(decode_copy((const unsigned char *)"", 0, &rec) == RECORD_CORRUPT,
	    "corrupt: empty buffer");
	ok(decode_copy((const unsigned char *)"MTS\x01\x00\x01\x00\x00\x00\x01"
	    "\x02\x00\x02\x00\x00\x00\x21" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\x00\x00\x00\x00\x00\x00", 56, &rec) == RECORD_CORRUPT,
	    "corrupt: an id of 33 characters");
	ok(decode_copy((const unsigned char *)"MTS\x01\x00\x01\x00\x00\x00\x01"
	    "\x02\x00\x02\x00\x00\x00\x20" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\x00\x00\x00\x00\x00\x00", 55, &rec) == RECORD_OK &&
	    strlen(rec.id) == 32, "an id of 32 characters");
	record_free(&rec);
}

/* test_limits - what the encoder refuses or trims. */
static void
test_limits(void)
{
	struct record in, out;
	unsigned char *buf = (unsigned char *)"x";
	size_t	len = 99;
	char	longerr[RECORD_ERROR_MAX + 40];

	memset(&in, 0, sizeof(in));
	ok(record_encode(&in, &buf, &len) == -1 && errno == EINVAL &&
	    buf == NULL && len == 0, "encode refuses state 0");
	in.state = RECORD_NEGATIVE;
	strcpy(in.id, "not-alnum");
	ok(record_encode(&in, &buf, &len) == -1 && errno == EINVAL,
	    "encode refuses a bad id");
	in.id[0] = '\0';
	strcpy(in.fail_id, "a b");
	ok(record_encode(&in, &buf, &len) == -1 && errno == EINVAL,
	    "encode refuses a bad fail_id");
	in.fail_id[0] = '\0';
	in.state = RECORD_POLICY;
	in.policy.mode = 7;
	ok(record_encode(&in, &buf, &len) == -1 && errno == EINVAL,
	    "encode refuses an unknown mode");
	in.policy.mode = STS_MODE_NONE;
	in.policy.max_age = STS_MAX_AGE_CAP + 1;
	ok(record_encode(&in, &buf, &len) == -1 && errno == EINVAL,
	    "encode refuses max_age above the cap");

	/*
	 * More mx patterns than a policy may have (STS_POLICY_MX_MAX): an
	 * older release may have stored them; every lookup would walk them.
	 */
	{
		char   *mx[STS_POLICY_MX_MAX + 1];
		size_t	i;

		for (i = 0; i <= STS_POLICY_MX_MAX; i++)
			mx[i] = "mail.example.com";
		memset(&in, 0, sizeof(in));
		in.state = RECORD_POLICY;
		in.policy.mode = STS_MODE_ENFORCE;
		strcpy(in.id, "a1");
		in.policy.mx = mx;
		in.policy.nmx = STS_POLICY_MX_MAX;
		ok(record_encode(&in, &buf, &len) == 0 &&
		    decode_copy(buf, len, &out) == RECORD_OK &&
		    out.policy.nmx == STS_POLICY_MX_MAX,
		    "a record of %d mx patterns decodes", STS_POLICY_MX_MAX);
		record_free(&out);
		free(buf);
		in.policy.nmx = STS_POLICY_MX_MAX + 1;
		ok(record_encode(&in, &buf, &len) == 0 &&
		    decode_copy(buf, len, &out) == RECORD_CORRUPT,
		    "a record of %d mx patterns is refused (issue 16.7)",
		    STS_POLICY_MX_MAX + 1);
		free(buf);
		memset(&in, 0, sizeof(in));
	}

	/* A last_error over the limit written by someone else is trimmed. */
	memset(longerr, 'q', sizeof(longerr));
	{
		size_t	n = 4 + 7 + 6 + sizeof(longerr) + 6;
		unsigned char *b = malloc(n);

		memcpy(b, "MTS\x01\x00\x01\x00\x00\x00\x01\x02", 11);
		memcpy(b + 11, "\x00\x09\x00\x00\x00", 5);
		b[16] = (unsigned char)sizeof(longerr);
		memcpy(b + 17, longerr, sizeof(longerr));
		memset(b + 17 + sizeof(longerr), 0, 6);
		ok(decode_copy(b, n, &out) == RECORD_OK &&
		    strlen(out.last_error) == RECORD_ERROR_MAX,
		    "a long last_error is truncated to RECORD_ERROR_MAX");
		record_free(&out);
		free(b);
	}
	memset(&out, 0, sizeof(out));
	record_free(&out);
	ok(1, "record_free of a zeroed record");
}

int
main(void)
{
	test_frozen();
	test_roundtrip();
	test_versions();
	test_corrupt();
	test_limits();
	return done_testing();
}
