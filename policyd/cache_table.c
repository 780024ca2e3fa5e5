/*
 * cache_table.c - the side tables of the policy cache and the TLS-RPT table.
 *
 * SYNOPSIS
 *	cache_table_get(), cache_table_put(), cache_table_del(),
 *	cache_table_del_all(), cache_table_walk(), cache_table_count(),
 *	cache_tlsrpt_merge(), cache_tlsrpt_walk(), cache_tlsrpt_del_prefix()
 *	- see cache.h.
 *
 * DESCRIPTION
 *	The "route", "hold", "mx" and "tlsrpt_send" tables store opaque
 *	values for their modules, and "tlsrpt" the day's TLS-RPT aggregates
 *	under binary keys, in the environment cache.c opens. Reads use
 *	cache.c's per-thread read transaction (cache_reader_begin) or a
 *	snapshot of their own for walks; writes take cache.c's writer mutex,
 *	so a table write and a policy write never overlap.
 *
 * DIAGNOSTICS
 *	LMDB errors are logged with the table's name and the reason
 *	(cache_write_fail() for writes); the caller gets -1.
 */
#include "autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "cache.h"
#include "cache_int.h"
#include "log.h"

/* table_dbi - the database of a table. */
static MDB_dbi
table_dbi(enum cache_table t)
{
	switch (t) {
	case CACHE_ROUTE:
		return cache_dbi_route;
	case CACHE_HOLD:
		return cache_dbi_hold;
	case CACHE_TLSRPT_SEND:
		return cache_dbi_tlsrpt_send;
	case CACHE_MX:
		return cache_dbi_mx;
	}
	panic("cache: unknown table %d", (int)t);
}

/* table_name - the database name of a table, for logs. */
static const char *
table_name(enum cache_table t)
{
	switch (t) {
	case CACHE_ROUTE:
		return "route";
	case CACHE_HOLD:
		return "hold";
	case CACHE_MX:
		return "mx";
	default:
		return "tlsrpt_send";
	}
}

/* cache_table_get - copy one value out. */
int
cache_table_get(enum cache_table t, const char *key, char **val, size_t *len)
{
	MDB_txn *txn;
	MDB_val	k = cache_key_of(key), v;
	int	rc, ret = -1;

	*val = NULL;
	*len = 0;
	if (k.mv_size == 0 || k.mv_size > 255)
		return 0;
	if ((txn = cache_reader_begin()) == NULL)
		return -1;
	rc = mdb_get(txn, table_dbi(t), &k, &v);
	if (rc == MDB_NOTFOUND) {
		ret = 0;
	} else if (rc != 0) {
		log_warnx("cache: %s get %s: %s", table_name(t), key,
		    mdb_strerror(rc));
	} else if ((*val = malloc(v.mv_size + 1)) == NULL) {
		log_warnx("cache: %s get %s: out of memory", table_name(t),
		    key);
	} else {
		memcpy(*val, v.mv_data, v.mv_size);
		(*val)[v.mv_size] = '\0';
		*len = v.mv_size;
		ret = 1;
	}
	cache_reader_end(txn);
	return ret;
}

/* cache_table_put - store one value. */
int
cache_table_put(enum cache_table t, const char *key, const void *val,
    size_t len)
{
	MDB_txn *txn = NULL;
	MDB_val	k = cache_key_of(key), v;
	int	rc = 0, ret = -1;

	if (k.mv_size == 0 || k.mv_size > 255)
		return -1;
	pthread_mutex_lock(&cache_write_lock);
	if (cache_env == NULL || cache_closed)
		goto out;
	if ((rc = mdb_txn_begin(cache_env, NULL, 0, &txn)) != 0)
		goto out;
	v.mv_data = (void *)val;
	v.mv_size = len;
	if ((rc = mdb_put(txn, table_dbi(t), &k, &v, 0)) != 0)
		goto out;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc == 0)
		ret = 0;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	pthread_mutex_unlock(&cache_write_lock);
	if (ret != 0 && rc != 0)
		cache_write_fail(table_name(t), key, rc);
	return ret;
}

/* cache_table_del - forget one key. */
int
cache_table_del(enum cache_table t, const char *key)
{
	MDB_txn *txn = NULL;
	MDB_val	k = cache_key_of(key);
	int	rc = 0, ret = -1;

	if (k.mv_size == 0 || k.mv_size > 255)
		return 0;
	pthread_mutex_lock(&cache_write_lock);
	if (cache_env == NULL || cache_closed ||
	    (rc = mdb_txn_begin(cache_env, NULL, 0, &txn)) != 0)
		goto out;
	rc = mdb_del(txn, table_dbi(t), &k, NULL);
	if (rc == MDB_NOTFOUND) {
		ret = 0;
		rc = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	ret = rc == 0 ? 1 : -1;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	pthread_mutex_unlock(&cache_write_lock);
	if (ret < 0 && rc != 0)
		cache_write_fail(table_name(t), key, rc);
	return ret;
}

/* cache_table_del_all - empty one table. */
long
cache_table_del_all(enum cache_table t)
{
	MDB_dbi	dbi = table_dbi(t);

	return cache_drop(&dbi, 1, table_name(t));
}

/*
 * walk_dbi - call fn for each entry of dbi whose key starts with the plen
 * bytes of prefix (all when plen is 0), in key order, in one read
 * snapshot; keys of 0 or keymax bytes and more are passed over (keymax 0:
 * no limit). val is NUL-terminated and valid only during the call; fn
 * returns non-zero to stop. The number visited, or -1 (logged as what).
 */
static long
walk_dbi(MDB_dbi dbi, const char *what, const void *prefix, size_t plen,
    size_t keymax, int (*fn)(const void *key, size_t klen, const char *val,
    size_t len, void *arg), void *arg)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val	k, v;
	char   *buf = NULL, *nbuf;
	size_t	cap = 0;
	long	n = 0;
	int	rc;

	if ((rc = mdb_txn_begin(cache_env, NULL, MDB_RDONLY, &txn)) != 0)
		goto fail;
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		goto fail;
	k.mv_data = (void *)prefix;
	k.mv_size = plen;
	for (rc = plen > 0 ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) :
	    mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (plen > 0 && (k.mv_size < plen ||
		    memcmp(k.mv_data, prefix, plen) != 0))
			break;
		if (keymax > 0 && (k.mv_size == 0 || k.mv_size >= keymax))
			continue;
		if (v.mv_size + 1 > cap) {
			if ((nbuf = realloc(buf, v.mv_size + 1)) == NULL)
				break;
			buf = nbuf;
			cap = v.mv_size + 1;
		}
		memcpy(buf, v.mv_data, v.mv_size);
		buf[v.mv_size] = '\0';
		n++;
		if (fn(k.mv_data, k.mv_size, buf, v.mv_size, arg) != 0)
			break;
	}
	free(buf);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return n;
fail:
	log_warnx("cache: %s walk: %s", what, mdb_strerror(rc));
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	return -1;
}

/* A cache_table_walk callback and its argument. */
struct table_walk {
	int	(*fn)(const char *, const char *, size_t, void *);
	void   *arg;
};

/* table_walk_key - walk_dbi callback: hand fn the key as a string. */
static int
table_walk_key(const void *key, size_t klen, const char *val, size_t len,
    void *arg)
{
	struct table_walk *tw = arg;
	char	name[256];

	memcpy(name, key, klen);	/* klen < sizeof(name): walk_dbi */
	name[klen] = '\0';
	return tw->fn(name, val, len, tw->arg);
}

/* cache_table_walk - visit every entry of a table in one snapshot. */
long
cache_table_walk(enum cache_table t, int (*fn)(const char *, const char *,
    size_t, void *), void *arg)
{
	struct table_walk tw = { fn, arg };

	return walk_dbi(table_dbi(t), table_name(t), NULL, 0, 256,
	    table_walk_key, &tw);
}

/* cache_table_count - entries in a table. */
long
cache_table_count(enum cache_table t)
{
	MDB_txn *txn = NULL;
	MDB_stat st;
	long	n = -1;
	int	rc;

	if ((rc = mdb_txn_begin(cache_env, NULL, MDB_RDONLY, &txn)) != 0)
		goto out;
	if ((rc = mdb_stat(txn, table_dbi(t), &st)) == 0)
		n = (long)st.ms_entries;
	mdb_txn_abort(txn);
out:
	if (n < 0)
		log_warnx("cache: %s count: %s", table_name(t),
		    mdb_strerror(rc));
	return n;
}

/*
 * cache_tlsrpt_merge - one write transaction for a batch of TLS-RPT
 * aggregates: fn gets the stored value of each key (NULL when absent) and
 * returns the new one (malloc'd, freed here).
 */
int
cache_tlsrpt_merge(size_t n, const void *const *keys, const size_t *klens,
    int (*fn)(size_t i, const char *old, size_t oldlen, char **nv,
    size_t *nlen, void *arg), void *arg)
{
	MDB_txn *txn = NULL;
	MDB_val	k, v;
	char	*old = NULL, *nv = NULL;
	size_t	i, nlen;
	int	rc = 0, ret = -1;

	pthread_mutex_lock(&cache_write_lock);
	if (cache_env == NULL || cache_closed ||
	    (rc = mdb_txn_begin(cache_env, NULL, 0, &txn)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		k.mv_data = (void *)keys[i];
		k.mv_size = klens[i];
		free(old);
		old = NULL;
		rc = mdb_get(txn, cache_dbi_tlsrpt, &k, &v);
		if (rc == 0) {
			if ((old = malloc(v.mv_size + 1)) == NULL)
				goto out;
			memcpy(old, v.mv_data, v.mv_size);
			old[v.mv_size] = '\0';
		} else if (rc != MDB_NOTFOUND)
			goto out;
		rc = 0;
		if (fn(i, old, old != NULL ? v.mv_size : 0, &nv, &nlen,
		    arg) != 0)
			continue;
		v.mv_data = nv;
		v.mv_size = nlen;
		rc = mdb_put(txn, cache_dbi_tlsrpt, &k, &v, 0);
		free(nv);
		nv = NULL;
		if (rc != 0)
			goto out;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc == 0)
		ret = 0;
out:
	free(old);
	if (txn != NULL)
		mdb_txn_abort(txn);
	pthread_mutex_unlock(&cache_write_lock);
	if (ret != 0 && rc != 0)
		cache_write_fail("tlsrpt", "batch", rc);
	return ret;
}

/* cache_tlsrpt_walk - visit the TLS-RPT entries whose key starts with prefix. */
long
cache_tlsrpt_walk(const void *prefix, size_t plen, int (*fn)(const void *key,
    size_t klen, const char *val, size_t len, void *arg), void *arg)
{
	return walk_dbi(cache_dbi_tlsrpt, "tlsrpt", prefix, plen, 0, fn, arg);
}

/* cache_tlsrpt_del_prefix - forget the TLS-RPT entries starting with prefix. */
long
cache_tlsrpt_del_prefix(const void *prefix, size_t plen)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val	k, v;
	long	n = 0;
	int	rc = 0, ret = -1;

	pthread_mutex_lock(&cache_write_lock);
	if (cache_env == NULL || cache_closed ||
	    (rc = mdb_txn_begin(cache_env, NULL, 0, &txn)) != 0)
		goto out;
	if ((rc = mdb_cursor_open(txn, cache_dbi_tlsrpt, &cur)) != 0)
		goto out;
	k.mv_data = (void *)prefix;
	k.mv_size = plen;
	for (rc = plen > 0 ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) :
	    mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (plen > 0 && (k.mv_size < plen ||
		    memcmp(k.mv_data, prefix, plen) != 0))
			break;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			goto out;
		n++;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto out;
	mdb_cursor_close(cur);
	cur = NULL;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc == 0)
		ret = 0;
out:
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	pthread_mutex_unlock(&cache_write_lock);
	if (ret != 0) {
		cache_write_fail("tlsrpt", "forget", rc);
		return -1;
	}
	return n;
}
