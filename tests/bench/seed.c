/*
 * NAME
 *	seed - fill a policyd cache with synthetic policies
 * SYNOPSIS
 *	sm-seed CACHE_DIR N [MAPSIZE]
 * DESCRIPTION
 *	Writes N enforce policies for the domains d0000000.seed.test,
 *	d0000001.seed.test, ... straight into the LMDB environment in
 *	CACHE_DIR (data.mdb and lock.mdb inside the directory), in the layout
 *	policyd uses: named database "policy" keyed by the lower-case domain
 *	(no NUL) with record_encode() values, and named database "meta" with
 *	"format" = "1". Each policy has two mx patterns, max_age 604800, id
 *	"seed1", and fetched_at and txt_checked_at set to now, so policyd
 *	neither refetches nor re-checks them during a benchmark. Existing keys
 *	are overwritten. Writes are committed every 10000 records.
 *
 *	MAPSIZE (bytes, with an optional k, M or G suffix; default 1G, as
 *	cache_max_size) is the LMDB map size the environment is opened with.
 *	Prints "seeded N records in CACHE_DIR (S s)" on stderr.
 * DIAGNOSTICS
 *	Exit 0 on success, 1 on bad usage or any LMDB or encoding error
 *	(records committed before the error stay).
 */
#include <sys/stat.h>

#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record.h"
#include "sts_policy.h"

#define SEED_BATCH	10000
#define SEED_MAXDBS	8
#define SEED_MAX_AGE	604800
#define SEED_MAPSIZE	((size_t)1 << 30)
#define SEED_N_MAX	100000000UL

/* seed_usage - print the synopsis and exit 1. */
static void
seed_usage(void)
{
	fprintf(stderr, "usage: sm-seed CACHE_DIR N [MAPSIZE]\n");
	exit(1);
}

/* seed_size - parse a size with an optional k/M/G suffix; 0 when bad. */
static size_t
seed_size(const char *s)
{
	unsigned long long v;
	char   *end;
	int	shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return 0;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'M')
		shift = 20;
	else if (*end == 'G')
		shift = 30;
	if (shift != 0)
		end++;
	if (*end != '\0' || v > (SIZE_MAX >> shift))
		return 0;
	return (size_t)(v << shift);
}

/* seed_lmdb - report an LMDB error for what; always -1. */
static int
seed_lmdb(const char *what, int rc)
{
	fprintf(stderr, "sm-seed: %s: %s\n", what, mdb_strerror(rc));
	return -1;
}

/*
 * seed_record - encode the policy for domain (and its body) into *out.
 * Returns 0 or -1.
 */
static int
seed_record(const char *domain, int64_t now, unsigned char **out,
    size_t *outlen)
{
	struct record rec;
	char	mx1[300], mx2[300], text[1024], *mx[2];
	int	n;

	memset(&rec, 0, sizeof(rec));
	if (snprintf(mx1, sizeof(mx1), "mx1.%s", domain) >= (int)sizeof(mx1) ||
	    snprintf(mx2, sizeof(mx2), "*.mx.%s", domain) >= (int)sizeof(mx2))
		return -1;
	n = snprintf(text, sizeof(text),
	    "version: STSv1\r\nmode: enforce\r\nmx: %s\r\nmx: %s\r\n"
	    "max_age: %d\r\n", mx1, mx2, SEED_MAX_AGE);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -1;
	mx[0] = mx1;
	mx[1] = mx2;
	rec.state = RECORD_POLICY;
	memcpy(rec.id, "seed1", sizeof("seed1"));
	rec.fetched_at = now;
	rec.txt_checked_at = now;
	rec.policy.mode = STS_MODE_ENFORCE;
	rec.policy.max_age = SEED_MAX_AGE;
	rec.policy.nmx = 2;
	rec.policy.mx = mx;
	rec.text = text;
	rec.textlen = (size_t)n;
	return record_encode(&rec, out, outlen);
}

/* seed_put - store one key/value in dbi; 0 or -1. */
static int
seed_put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen,
    const void *v, size_t vlen)
{
	MDB_val key, val;
	int	rc;

	key.mv_data = (void *)(uintptr_t)k;
	key.mv_size = klen;
	val.mv_data = (void *)(uintptr_t)v;
	val.mv_size = vlen;
	if ((rc = mdb_put(txn, dbi, &key, &val, 0)) != 0)
		return seed_lmdb("mdb_put", rc);
	return 0;
}

int
main(int argc, char **argv)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi	policy_dbi, meta_dbi;
	struct timespec t0, t1;
	unsigned char *val = NULL;
	unsigned long i, n;
	size_t	mapsize = SEED_MAPSIZE, vlen;
	char	domain[64], *end;
	int64_t	now;
	int	rc, klen, ret = 1;

	if (argc < 3 || argc > 4)
		seed_usage();
	errno = 0;
	n = strtoul(argv[2], &end, 10);
	if (errno != 0 || end == argv[2] || *end != '\0' || n > SEED_N_MAX)
		seed_usage();
	if (argc == 4 && (mapsize = seed_size(argv[3])) == 0)
		seed_usage();
	if (mkdir(argv[1], 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "sm-seed: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &t0) == -1) {
		perror("sm-seed: clock_gettime");
		return 1;
	}
	now = (int64_t)time(NULL);

	if ((rc = mdb_env_create(&env)) != 0) {
		seed_lmdb("mdb_env_create", rc);
		env = NULL;
		goto out;
	}
	if ((rc = mdb_env_set_maxdbs(env, SEED_MAXDBS)) != 0) {
		seed_lmdb("mdb_env_set_maxdbs", rc);
		goto out;
	}
	if ((rc = mdb_env_set_mapsize(env, mapsize)) != 0) {
		seed_lmdb("mdb_env_set_mapsize", rc);
		goto out;
	}
	if ((rc = mdb_env_open(env, argv[1], 0, 0600)) != 0) {
		seed_lmdb(argv[1], rc);
		goto out;
	}
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0) {
		seed_lmdb("mdb_txn_begin", rc);
		txn = NULL;
		goto out;
	}
	if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &meta_dbi)) != 0 ||
	    (rc = mdb_dbi_open(txn, "policy", MDB_CREATE, &policy_dbi)) != 0) {
		seed_lmdb("mdb_dbi_open", rc);
		goto out;
	}
	if (seed_put(txn, meta_dbi, "format", 6, "1", 1) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		klen = snprintf(domain, sizeof(domain), "d%07lu.seed.test", i);
		if (klen < 0 || (size_t)klen >= sizeof(domain))
			goto out;
		if (seed_record(domain, now, &val, &vlen) == -1) {
			fprintf(stderr, "sm-seed: record_encode failed\n");
			goto out;
		}
		if (seed_put(txn, policy_dbi, domain, (size_t)klen, val,
		    vlen) == -1)
			goto out;
		free(val);
		val = NULL;
		if ((i + 1) % SEED_BATCH == 0) {
			rc = mdb_txn_commit(txn);
			txn = NULL;
			if (rc != 0) {
				seed_lmdb("mdb_txn_commit", rc);
				goto out;
			}
			if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0) {
				seed_lmdb("mdb_txn_begin", rc);
				txn = NULL;
				goto out;
			}
		}
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		seed_lmdb("mdb_txn_commit", rc);
		goto out;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &t1) == -1) {
		perror("sm-seed: clock_gettime");
		goto out;
	}
	fprintf(stderr, "seeded %lu records in %s (%.1f s)\n", n, argv[1],
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	ret = 0;
out:
	free(val);
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	return ret;
}
