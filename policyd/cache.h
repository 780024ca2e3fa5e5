/*
 * cache.h - the one LMDB wrapper (the policy cache in cache_dir).
 *
 * Databases: "policy" maps a lower-case domain to a record (record.h);
 * "due" is the refresh index, keys = 8-byte big-endian time + domain;
 * "meta" holds the format number; "route" (route.c, by domain), "hold"
 * (hold.c, by queue id) and "tlsrpt_send" (tlsrpt_run.c, by report and
 * rua) hold values their owners encode; "tlsrpt" is tlsrpt_store.c's. All writes go
 * through this module under one lock; readers never block writers (MVCC).
 * MDB_MAP_FULL and MDB_READERS_FULL are reported as errors here, once, not
 * in the callers.
 */
#ifndef MTASTS_CACHE_H
#define MTASTS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define CACHE_FORMAT	1	/* layout of the databases, not of a record */
#define CACHE_USED_WINDOW (30 * 86400) /* refresh policies used this recently */

/* cache_check_dir - dir is a writable directory, its data.mdb and lock.mdb
 * (if any) are readable and writable (effective ids). */
int	cache_check_dir(const char *dir, char *err, size_t errsz);

/* cache_open - open (creating if needed) the environment in dir. */
int	cache_open(const char *dir, uint64_t mapsize, char *err, size_t errsz);

/* cache_close - flush to disk; later writes block forever (call before exit). */
void	cache_close(void);

/* cache_sync - force the environment to disk. */
void	cache_sync(void);

/*
 * cache_get - copy the record of domain into rec (free with record_free).
 * Returns 1 found, 0 not found, -1 error (logged).
 */
int	cache_get(const char *domain, struct record *rec);

/*
 * cache_get_with - cache_get, and from the same snapshot the domain's
 * CACHE_MX value copied NUL-terminated into mx (mxsz bytes; *mxlen 0 when
 * there is none or it does not fit). The socketmap answer needs both.
 */
int	cache_get_with(const char *domain, struct record *rec, char *mx,
	    size_t mxsz, size_t *mxlen);

/* cache_put - store rec for domain and update the refresh index. 0 or -1. */
int	cache_put(const char *domain, const struct record *rec);

/* cache_del - forget domain; returns 1 if it was there, 0 if not, -1 error. */
int	cache_del(const char *domain);

/* cache_del_all - forget everything; returns the count or -1. */
long	cache_del_all(void);

/*
 * cache_walk - call fn for every record, in domain order, in one read
 * transaction; fn returns 0 to go on, non-zero to stop. rec is only valid
 * during the call. Returns the number visited, or -1.
 */
long	cache_walk(int (*fn)(const char *domain, const struct record *rec,
	    void *arg), void *arg);

/*
 * cache_due - up to max domains whose refresh index time is <= now, earliest
 * first, copied into a malloc'd array of malloc'd strings (*out, count
 * returned). -1 on error.
 */
long	cache_due(int64_t now, size_t max, char ***out);

/* cache_next_due - the earliest index time, or INT64_MAX when empty. */
int64_t	cache_next_due(void);

/* cache_due_time - when the refresh index should next look at rec. */
int64_t	cache_due_time(const struct record *rec);

/* The tables beside the policy database; keys are 1-255 bytes. */
enum cache_table {
	CACHE_ROUTE,		/* domain -> route confirmation (route.c) */
	CACHE_HOLD,		/* queue id -> held message (hold.c) */
	CACHE_TLSRPT_SEND,	/* "UNIQUE:N" -> report delivery state (tlsrpt_run.c) */
	CACHE_MX		/* domain -> resolved policy-listed MX names (mxset.c) */
};

/*
 * cache_table_get - copy the value of key into a malloc'd buffer (*val,
 * NUL-terminated, *len without the NUL). 1 found, 0 not found, -1 error.
 */
int	cache_table_get(enum cache_table t, const char *key, char **val,
	    size_t *len);

/* cache_table_put - store len bytes at val under key. 0 or -1 (logged). */
int	cache_table_put(enum cache_table t, const char *key, const void *val,
	    size_t len);

/* cache_table_del - forget key: 1 it was there, 0 it was not, -1 error. */
int	cache_table_del(enum cache_table t, const char *key);

/* cache_table_del_all - empty the table; the count, or -1. */
long	cache_table_del_all(enum cache_table t);

/*
 * cache_table_walk - call fn for every entry in key order, in one read
 * snapshot; val is NUL-terminated and valid only during the call; fn
 * returns non-zero to stop. The number visited, or -1.
 */
long	cache_table_walk(enum cache_table t, int (*fn)(const char *key,
	    const char *val, size_t len, void *arg), void *arg);

/* cache_table_count - the number of entries, or -1. */
long	cache_table_count(enum cache_table t);

/*
 * The "tlsrpt" database (tlsrpt_store.c): binary keys (day, domain,
 * policy hash), values the store encodes.
 *
 * cache_tlsrpt_merge - in one write transaction, for each of n keys call
 * fn with the stored value (NULL when absent, NUL-terminated) to get the
 * new value (*nv malloc'd, freed here); fn returning non-zero leaves the
 * key alone. 0 or -1 (logged).
 */
int	cache_tlsrpt_merge(size_t n, const void *const *keys,
	    const size_t *klens, int (*fn)(size_t i, const char *old,
	    size_t oldlen, char **nv, size_t *nlen, void *arg), void *arg);

/*
 * cache_tlsrpt_walk - call fn for each entry whose key starts with the
 * plen bytes of prefix (all when plen is 0), in key order, one snapshot.
 * The number visited, or -1.
 */
long	cache_tlsrpt_walk(const void *prefix, size_t plen,
	    int (*fn)(const void *key, size_t klen, const char *val,
	    size_t len, void *arg), void *arg);

/* cache_tlsrpt_del_prefix - forget the entries starting with prefix; count or -1. */
long	cache_tlsrpt_del_prefix(const void *prefix, size_t plen);

#endif
