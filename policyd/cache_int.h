/*
 * cache_int.h - what cache.c shares with cache_table.c: the LMDB
 * environment, the table handles, the writer mutex and the reader
 * helpers. Nothing else includes it.
 */
#ifndef MTASTS_CACHE_INT_H
#define MTASTS_CACHE_INT_H

#include <pthread.h>
#include <stddef.h>

#include <lmdb.h>

extern MDB_env *cache_env;
extern MDB_dbi cache_dbi_route, cache_dbi_hold, cache_dbi_mx;
extern MDB_dbi cache_dbi_tlsrpt, cache_dbi_tlsrpt_send;
extern pthread_mutex_t cache_write_lock;	/* every write takes it */
extern int cache_closed;			/* cache_close() was called */

/* cache_reader_begin - this thread's read transaction, or NULL. */
MDB_txn *cache_reader_begin(void);

/* cache_reader_end - release the snapshot, keep the reader slot. */
void	cache_reader_end(MDB_txn *txn);

/* cache_key_of - an MDB_val for a key string (the string's bytes). */
MDB_val	cache_key_of(const char *key);

/* cache_write_fail - log one write error in an admin's words. */
void	cache_write_fail(const char *what, const char *key, int rc);

/* cache_drop - empty n databases in one write; the first's entries or -1. */
long	cache_drop(const MDB_dbi *dbis, size_t n, const char *what);

#endif
