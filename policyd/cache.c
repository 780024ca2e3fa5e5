/*
 * cache.c - the policy cache: one LMDB environment, five databases.
 *
 * SYNOPSIS
 *	cache_open(), cache_get(), cache_put(), cache_del(), cache_walk(),
 *	cache_due() - see cache.h.
 *
 * DESCRIPTION
 *	Readers (the socketmap and control request paths) use a read-only
 *	transaction kept per thread and renewed for each lookup, so a cache
 *	hit costs no allocation in LMDB and never waits for a writer. Writers
 *	serialise on one mutex; every put also moves the domain's entry in
 *	the refresh index, so the scheduler never scans the whole cache.
 *	The "route", "hold", "mx" and "tlsrpt_send" tables store opaque
 *	values for their modules under the same lock and the same error
 *	handling. A domain's "mx" value goes with its policy: forgetting the
 *	domain forgets both.
 *
 *	The table functions (cache_table_*, cache_tlsrpt_*) live in
 *	cache_table.c; cache_int.h shares the environment, the table
 *	handles, the writer mutex and the reader helpers with it.
 *
 *	The environment is opened with MDB_NOMETASYNC: a committed write
 *	survives kill -9 (it is in the page cache), and after an OS crash
 *	at most the last transaction is lost, never the file's integrity.
 *
 * DIAGNOSTICS
 *	Environment errors are logged here with the LMDB reason and the
 *	caller gets -1. A cache written by a newer mtasts is refused at open,
 *	and so is a data.mdb that is truncated or that LMDB finds damaged
 *	(not an LMDB file, a page of the wrong type or past the end): the
 *	message names the file and the recovery.
 */
#include "autoconf.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "cache.h"
#include "cache_int.h"
#include "fd.h"
#include "log.h"

MDB_env *cache_env;
static MDB_dbi cache_dbi_policy, cache_dbi_due, cache_dbi_meta;
MDB_dbi	cache_dbi_route, cache_dbi_hold, cache_dbi_mx;
MDB_dbi	cache_dbi_tlsrpt, cache_dbi_tlsrpt_send;
pthread_mutex_t cache_write_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t reader_key;
static int reader_key_made;
int	cache_closed;		/* cache_close() was called */

#define DUE_KEY_MAX	(8 + 256)
#define CACHE_HEADROOM	8	/* 1/8 of the map is kept for updates */

static time_t full_logged;	/* last "not cached: full" (1 a minute) */

/* What to do with a damaged data.mdb (mtasts-policyd.8, DIAGNOSTICS). */
#define CACHE_DAMAGED_HOWTO "the file is damaged; move it aside and " \
	"start again (policies are fetched anew; mail held before stays " \
	"in the MTA's hold queue until released by hand, see " \
	"mtasts-policyd(8))"

/* reader_free - thread exit: give back the thread's reader slot. */
static void
reader_free(void *p)
{
	mdb_txn_abort((MDB_txn *)p);
}

/* cache_check_dir - can we (effective ids) write dir and its cache files? */
int
cache_check_dir(const char *dir, char *err, size_t errsz)
{
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	struct stat st;
	char	path[PATH_MAX];
	size_t	i;

	if (stat(dir, &st) != 0) {
		snprintf(err, errsz, "cache_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "cache_dir %s: not a directory", dir);
		return -1;
	}
	if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
		snprintf(err, errsz, "cache_dir %s: not writable: %s", dir,
		    strerror(errno));
		return -1;
	}
	/* Files left by a run as another user (root) fail in LMDB as a
	 * bare "Permission denied" about the directory: name the file. */
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (faccessat(AT_FDCWD, path, R_OK | W_OK, AT_EACCESS) != 0 &&
		    errno != ENOENT) {
			snprintf(err, errsz, "cache %s: not writable: %s (it "
			    "must belong to the daemon's user: chown it)", path,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * cache_check_size - is data.mdb as long as its newest meta page says?
 * LMDB maps the file and would die of SIGBUS at the first page past a
 * truncated end (a full disk, a bad copy), at start, with no message:
 * under Restart=on-failure a crash loop. Checked once the meta pages
 * are read, before any other page is touched.
 */
static int
cache_check_size(const char *dir, char *err, size_t errsz)
{
	MDB_envinfo info;
	MDB_stat st;
	struct stat sb;
	char	path[PATH_MAX];
	unsigned long long need;
	int	fd;

	if (mdb_env_info(cache_env, &info) != 0 ||
	    mdb_env_stat(cache_env, &st) != 0 ||
	    mdb_env_get_fd(cache_env, &fd) != 0 || fstat(fd, &sb) != 0) {
		snprintf(err, errsz, "cache %s: cannot read the size of "
		    "data.mdb: %s", dir, strerror(errno));
		return -1;
	}
	need = ((unsigned long long)info.me_last_pgno + 1) *
	    (unsigned long long)st.ms_psize;
	if ((unsigned long long)sb.st_size >= need)
		return 0;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	snprintf(err, errsz, "cache %s is truncated (%lld bytes, its last "
	    "transaction needs %llu): the file is damaged; move it aside "
	    "and start again (policies are fetched anew; mail held before "
	    "stays in the MTA's hold queue until released by hand, see "
	    "mtasts-policyd(8))", path, (long long)sb.st_size, need);
	return -1;
}

/* verify_sum - read every value of one table; 0 or LMDB's rc. */
static int
verify_sum(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_cursor *c;
	MDB_val	k, v;
	volatile unsigned char sum = 0;
	size_t	i;
	int	rc;

	if ((rc = mdb_cursor_open(txn, dbi, &c)) != 0)
		return rc;
	while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0)
		for (i = 0; i < v.mv_size; i++)
			sum ^= ((unsigned char *)v.mv_data)[i];
	(void)sum;		/* read only to touch every page */
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* verify_walk - child: read every entry of every table; 0 or LMDB's rc. */
static int
verify_walk(const char *dir, uint64_t mapsize)
{
	static const char *const tables[] = { "meta", "policy", "due",
	    "route", "hold", "mx", "tlsrpt", "tlsrpt_send" };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi	dbi;
	size_t	i;
	int	rc;

	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 16)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, (size_t)mapsize)) != 0 ||
	    (rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOLOCK, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = verify_sum(txn, 0)) != 0)
		return rc;
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		rc = mdb_dbi_open(txn, tables[i], 0, &dbi);
		if (rc == MDB_NOTFOUND)
			continue;	/* not made yet */
		if (rc != 0 || (rc = verify_sum(txn, dbi)) != 0)
			return rc;
	}
	return 0;
}

/*
 * cache_verify - read the whole file once, in a child, before the daemon
 * trusts it. LMDB keeps no checksums: a page of garbage past intact meta
 * pages (a bad copy, a disk fault) can send it to a wild address, and a
 * SIGSEGV at start is a crash loop under Restart=on-failure. A child that
 * dies of a signal or reports an LMDB error marks the file damaged.
 * Called before any thread exists; the child's stderr goes to /dev/null.
 */
static int
cache_verify(const char *dir, uint64_t mapsize, char *err, size_t errsz)
{
	struct stat sb;
	char	path[PATH_MAX];
	pid_t	pid;
	int	pfd[2], status, rc = 0, fd;
	ssize_t	n;

	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &sb) != 0 || sb.st_size == 0)
		return 0;		/* a new cache */
	if (pipe(pfd) != 0) {
		snprintf(err, errsz, "cache %s: pipe: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errsz, "cache %s: fork: %s", path,
		    strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		if ((fd = open("/dev/null", O_WRONLY)) != -1)
			dup2(fd, STDERR_FILENO);
		rc = verify_walk(dir, mapsize);
		(void)write(pfd[1], &rc, sizeof(rc));
		_exit(rc == 0 ? 0 : 2);
	}
	close(pfd[1]);
	do
		n = read(pfd[0], &rc, sizeof(rc));
	while (n == -1 && errno == EINTR);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, errsz, "cache %s: waitpid: %s", path,
			    strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		snprintf(err, errsz, "cache %s is not a readable cache (reading "
		    "it dies of signal %d): " CACHE_DAMAGED_HOWTO, path,
		    WTERMSIG(status));
	else
		snprintf(err, errsz, "cache %s is not a readable cache (%s): "
		    CACHE_DAMAGED_HOWTO, path, n == (ssize_t)sizeof(rc) &&
		    rc != 0 ? mdb_strerror(rc) : "reading it crashed");
	return -1;
}

/* cache_open - open the environment and check its format. */
int
cache_open(const char *dir, uint64_t mapsize, char *err, size_t errsz)
{
	MDB_txn *txn = NULL;
	MDB_val k, v;
	int	rc, dead, fd;
	char	fmt[16];

	if (cache_check_dir(dir, err, errsz) != 0)
		return -1;
	if ((rc = mdb_env_create(&cache_env)) != 0)
		goto fail;
	if ((rc = mdb_env_set_maxdbs(cache_env, 16)) != 0 ||
	    (rc = mdb_env_set_maxreaders(cache_env, 1024)) != 0 ||
	    (rc = mdb_env_set_mapsize(cache_env, (size_t)mapsize)) != 0)
		goto fail;
	if ((rc = mdb_env_open(cache_env, dir, MDB_NOTLS | MDB_NOMETASYNC,
	    0600)) != 0)
		goto fail;
	if (cache_check_size(dir, err, errsz) != 0 ||
	    cache_verify(dir, mapsize, err, errsz) != 0)
		goto out_err;
	/* LMDB may open data.mdb without O_CLOEXEC; no child may get it. */
	if (mdb_env_get_fd(cache_env, &fd) == 0 && fd_cloexec(fd) != 0)
		log_warn("cache: %s/data.mdb: close-on-exec", dir);
	/* A process killed with -9 leaves its reader slots behind. */
	if (mdb_reader_check(cache_env, &dead) == 0 && dead > 0)
		log_info("cache: cleared %d stale reader slot(s)", dead);

	if ((rc = mdb_txn_begin(cache_env, NULL, 0, &txn)) != 0)
		goto fail;
	if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE,
	    &cache_dbi_meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "policy", MDB_CREATE,
	    &cache_dbi_policy)) != 0 ||
	    (rc = mdb_dbi_open(txn, "due", MDB_CREATE, &cache_dbi_due)) != 0 ||
	    (rc = mdb_dbi_open(txn, "route", MDB_CREATE,
	    &cache_dbi_route)) != 0 ||
	    (rc = mdb_dbi_open(txn, "hold", MDB_CREATE,
	    &cache_dbi_hold)) != 0 ||
	    (rc = mdb_dbi_open(txn, "mx", MDB_CREATE, &cache_dbi_mx)) != 0 ||
	    (rc = mdb_dbi_open(txn, "tlsrpt", MDB_CREATE,
	    &cache_dbi_tlsrpt)) != 0 ||
	    (rc = mdb_dbi_open(txn, "tlsrpt_send", MDB_CREATE,
	    &cache_dbi_tlsrpt_send)) != 0)
		goto fail;
	k.mv_data = "format";
	k.mv_size = 6;
	rc = mdb_get(txn, cache_dbi_meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		snprintf(fmt, sizeof(fmt), "%d", CACHE_FORMAT);
		v.mv_data = fmt;
		v.mv_size = strlen(fmt);
		if ((rc = mdb_put(txn, cache_dbi_meta, &k, &v, 0)) != 0)
			goto fail;
	} else if (rc != 0) {
		goto fail;
	} else {
		long	got;

		if (v.mv_size == 0 || v.mv_size >= sizeof(fmt)) {
			snprintf(err, errsz, "cache %s: unreadable format "
			    "marker", dir);
			goto out_err;
		}
		memcpy(fmt, v.mv_data, v.mv_size);
		fmt[v.mv_size] = '\0';
		got = strtol(fmt, NULL, 10);
		if (got > CACHE_FORMAT) {
			snprintf(err, errsz, "cache %s was written by a newer "
			    "mtasts (format %ld, this release reads up to %d); "
			    "upgrade, or point cache_dir elsewhere", dir, got,
			    CACHE_FORMAT);
			goto out_err;
		}
		if (got < 1) {
			snprintf(err, errsz, "cache %s: bad format marker "
			    "\"%s\"", dir, fmt);
			goto out_err;
		}
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		goto fail;
	}
	txn = NULL;
	if (!reader_key_made) {
		if (pthread_key_create(&reader_key, reader_free) != 0) {
			snprintf(err, errsz, "pthread_key_create failed");
			goto out_err;
		}
		reader_key_made = 1;
	}
	return 0;

fail:
	if (rc == MDB_INVALID || rc == MDB_CORRUPTED ||
	    rc == MDB_PAGE_NOTFOUND)
		snprintf(err, errsz, "cache %s/data.mdb is not a readable "
		    "cache (%s): " CACHE_DAMAGED_HOWTO, dir, mdb_strerror(rc));
	else
		snprintf(err, errsz, "cache %s: %s", dir, mdb_strerror(rc));
out_err:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (cache_env != NULL)
		mdb_env_close(cache_env);
	cache_env = NULL;
	return -1;
}

/*
 * cache_close - flush to disk and refuse further writes. Threads still
 * running may read, so the environment stays mapped until the process
 * exits; a write in progress finishes first (we take its lock, for good).
 */
void
cache_close(void)
{
	pthread_mutex_lock(&cache_write_lock);
	if (cache_env != NULL)
		mdb_env_sync(cache_env, 1);
	cache_closed = 1;
}

/* cache_sync - write everything to disk now. */
void
cache_sync(void)
{
	pthread_mutex_lock(&cache_write_lock);
	if (cache_env != NULL && !cache_closed)
		mdb_env_sync(cache_env, 1);
	pthread_mutex_unlock(&cache_write_lock);
}

/* reader_begin - this thread's read transaction, renewed for a new snapshot. */
MDB_txn *
cache_reader_begin(void)
{
	MDB_txn *txn = pthread_getspecific(reader_key);
	int	rc;

	if (txn != NULL) {
		if ((rc = mdb_txn_renew(txn)) == 0)
			return txn;
		mdb_txn_abort(txn);
		pthread_setspecific(reader_key, NULL);
	}
	if ((rc = mdb_txn_begin(cache_env, NULL, MDB_RDONLY, &txn)) != 0) {
		log_warnx("cache: read transaction: %s", mdb_strerror(rc));
		return NULL;
	}
	pthread_setspecific(reader_key, txn);
	return txn;
}

/* reader_end - release the snapshot, keep the slot for the next lookup. */
void
cache_reader_end(MDB_txn *txn)
{
	mdb_txn_reset(txn);
}

/* key_of - an MDB_val for a domain name. */
MDB_val
cache_key_of(const char *domain)
{
	MDB_val	k;

	k.mv_data = (void *)domain;
	k.mv_size = strlen(domain);
	return k;
}

/* cache_get - look a domain up. */
int
cache_get(const char *domain, struct record *rec)
{
	return cache_get_with(domain, rec, NULL, 0, NULL);
}

/* cache_get_with - cache_get, and the domain's "mx" value from one snapshot. */
int
cache_get_with(const char *domain, struct record *rec, char *mx,
    size_t mxsz, size_t *mxlen)
{
	MDB_txn *txn;
	MDB_val	k = cache_key_of(domain), v;
	int	rc, ret = -1;

	memset(rec, 0, sizeof(*rec));
	if (mxlen != NULL)
		*mxlen = 0;
	if (k.mv_size == 0 || k.mv_size > 255)
		return 0;
	if ((txn = cache_reader_begin()) == NULL)
		return -1;
	if (mx != NULL && mxsz > 0 &&
	    mdb_get(txn, cache_dbi_mx, &k, &v) == 0 && v.mv_size < mxsz) {
		memcpy(mx, v.mv_data, v.mv_size);
		mx[v.mv_size] = '\0';
		*mxlen = v.mv_size;
	}
	rc = mdb_get(txn, cache_dbi_policy, &k, &v);
	if (rc == MDB_NOTFOUND) {
		ret = 0;
	} else if (rc != 0) {
		log_warnx("cache: get %s: %s", domain, mdb_strerror(rc));
	} else {
		switch (record_decode(v.mv_data, v.mv_size, rec)) {
		case RECORD_OK:
			ret = 1;
			break;
		case RECORD_NEWER:
			log_warnx("domain=%s cache record from a newer format; "
			    "treated as absent", domain);
			ret = 0;
			break;
		default:
			log_warnx("domain=%s cache record corrupt; treated as "
			    "absent", domain);
			ret = 0;
			break;
		}
	}
	cache_reader_end(txn);
	return ret;
}

/* due_key - the refresh index key for (when, domain). */
static size_t
due_key(unsigned char *buf, int64_t when, const char *domain)
{
	uint64_t u = (uint64_t)(when < 0 ? 0 : when);
	size_t	n = strlen(domain), i;

	if (n > DUE_KEY_MAX - 8)
		n = DUE_KEY_MAX - 8;
	for (i = 0; i < 8; i++)
		buf[i] = (unsigned char)(u >> (56 - 8 * i));
	memcpy(buf + 8, domain, n);
	return 8 + n;
}

/* cache_due_time - when the scheduler should look at this record again. */
int64_t
cache_due_time(const struct record *rec)
{
	int64_t	half, day = 86400;

	if (rec->state == RECORD_NEGATIVE)
		return rec->neg_until + day;	/* then forget it */
	/* C6: refresh at half of max_age, and at least daily. */
	half = rec->policy.max_age / 2;
	if (half > day)
		half = day;
	if (half < 1)
		half = 1;
	/* Unused for 30 days by then: no refresh; look again at expiry. */
	if (rec->last_used + CACHE_USED_WINDOW < rec->fetched_at + half)
		return record_expires_at(rec) + 1;
	if (rec->fail_at > rec->fetched_at && rec->fail_at + 300 >
	    rec->fetched_at + half)
		return rec->fail_at + 300;	/* F8 back-off */
	return rec->fetched_at + half;
}

/* index_move - drop the old index entry (if any) and add the new one. */
static int
index_move(MDB_txn *txn, const char *domain, const struct record *old,
    const struct record *new)
{
	unsigned char kb[DUE_KEY_MAX];
	MDB_val	k, v;
	int	rc;

	if (old != NULL) {
		k.mv_data = kb;
		k.mv_size = due_key(kb, cache_due_time(old), domain);
		rc = mdb_del(txn, cache_dbi_due, &k, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
	}
	if (new != NULL) {
		k.mv_data = kb;
		k.mv_size = due_key(kb, cache_due_time(new), domain);
		v.mv_data = "";
		v.mv_size = 0;
		if ((rc = mdb_put(txn, cache_dbi_due, &k, &v, 0)) != 0)
			return rc;
	}
	return 0;
}

/* old_record - decode the stored record inside a write transaction. */
static int
old_record(MDB_txn *txn, const char *domain, struct record *old)
{
	MDB_val	k = cache_key_of(domain), v;

	memset(old, 0, sizeof(*old));
	if (mdb_get(txn, cache_dbi_policy, &k, &v) != 0)
		return 0;
	return record_decode(v.mv_data, v.mv_size, old) == RECORD_OK;
}

/* write_fail - log one write error in the words an admin can act on. */
void
cache_write_fail(const char *what, const char *domain, int rc)
{
	if (rc == MDB_MAP_FULL)
		log_warnx("domain=%s cache %s failed: the cache is full; "
		    "raise cache_max_size or flush old entries", domain, what);
	else
		log_warnx("domain=%s cache %s failed: %s", domain, what,
		    mdb_strerror(rc));
}

/*
 * room_low - under the write lock: is less than CACHE_HEADROOM of the
 * map left (pages never used plus pages on LMDB's free list)? New
 * domains stop there, so that refreshes, flushes, holds and TLS-RPT
 * results, which LMDB writes copy-on-write, always find pages: a map
 * filled to the last page refuses even the delete that would free it.
 */
static int
room_low(void)
{
	MDB_envinfo info;
	MDB_stat st;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val	k, v;
	size_t	total, used, freep = 0, n;
	int	rc;

	if (mdb_env_info(cache_env, &info) != 0 ||
	    mdb_env_stat(cache_env, &st) != 0 || st.ms_psize == 0)
		return 0;
	if (mdb_txn_begin(cache_env, NULL, MDB_RDONLY, &txn) != 0)
		return 0;
	/* Table 0 is the free list: per entry a count, then page numbers. */
	if (mdb_cursor_open(txn, 0, &c) == 0) {
		while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0)
			if (v.mv_size >= sizeof(n)) {
				memcpy(&n, v.mv_data, sizeof(n));
				freep += n;
			}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	total = info.me_mapsize / st.ms_psize;
	used = info.me_last_pgno + 1;
	used = used > freep ? used - freep : 0;
	return total - (used < total ? used : total) < total / CACHE_HEADROOM;
}

/* cache_put - store a record. */
int
cache_put(const char *domain, const struct record *rec)
{
	MDB_txn *txn = NULL;
	MDB_val	k = cache_key_of(domain), v;
	struct record old;
	unsigned char *buf = NULL;
	size_t	len;
	int	rc = 0, had, ret = -1;

	if (k.mv_size == 0 || k.mv_size > 255)
		return -1;
	if (record_encode(rec, &buf, &len) != 0) {
		log_warnx("domain=%s cache put: out of memory", domain);
		return -1;
	}
	pthread_mutex_lock(&cache_write_lock);
	if (cache_env == NULL || cache_closed)
		goto out;
	if ((rc = mdb_txn_begin(cache_env, NULL, 0, &txn)) != 0)
		goto out;
	if (mdb_get(txn, cache_dbi_policy, &k, &v) == MDB_NOTFOUND &&
	    room_low()) {
		if (time(NULL) >= full_logged + 60) {
			log_warnx("domain=%s not cached: the cache is full "
			    "(less than 1/%d of cache_max_size left, kept for "
			    "updates); cached policies stay in force; raise "
			    "cache_max_size or flush old entries", domain,
			    CACHE_HEADROOM);
			full_logged = time(NULL);
		}
		rc = 0;
		goto out;
	}
	had = old_record(txn, domain, &old);
	if ((rc = index_move(txn, domain, had ? &old : NULL, rec)) != 0)
		goto out_old;
	v.mv_data = buf;
	v.mv_size = len;
	if ((rc = mdb_put(txn, cache_dbi_policy, &k, &v, 0)) != 0)
		goto out_old;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc == 0)
		ret = 0;
out_old:
	if (had)
		record_free(&old);
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	pthread_mutex_unlock(&cache_write_lock);
	if (ret != 0 && rc != 0)
		cache_write_fail("put", domain, rc);
	free(buf);
	return ret;
}

/* cache_del - forget one domain. */
int
cache_del(const char *domain)
{
	MDB_txn *txn = NULL;
	MDB_val	k = cache_key_of(domain);
	struct record old;
	int	rc = 0, had = 0, ret = -1;

	if (k.mv_size == 0 || k.mv_size > 255)
		return 0;
	pthread_mutex_lock(&cache_write_lock);
	if (cache_env == NULL ||
	    (rc = mdb_txn_begin(cache_env, NULL, 0, &txn)) != 0)
		goto out;
	had = old_record(txn, domain, &old);
	if (had && (rc = index_move(txn, domain, &old, NULL)) != 0)
		goto out;
	rc = mdb_del(txn, cache_dbi_mx, &k, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto out;
	rc = mdb_del(txn, cache_dbi_policy, &k, NULL);
	if (rc == MDB_NOTFOUND) {
		ret = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	ret = rc == 0 ? 1 : -1;
out:
	if (had)
		record_free(&old);
	if (txn != NULL)
		mdb_txn_abort(txn);
	pthread_mutex_unlock(&cache_write_lock);
	if (ret < 0 && rc != 0)
		cache_write_fail("delete", domain, rc);
	return ret;
}

/*
 * cache_drop - empty the n databases of dbis in one write transaction,
 * what naming them in the log: the number of entries the first held, or
 * -1.
 */
long
cache_drop(const MDB_dbi *dbis, size_t n, const char *what)
{
	MDB_txn *txn = NULL;
	MDB_stat st;
	size_t	i;
	long	had = -1;
	int	rc = 0;

	pthread_mutex_lock(&cache_write_lock);
	if (cache_env == NULL || cache_closed ||
	    (rc = mdb_txn_begin(cache_env, NULL, 0, &txn)) != 0)
		goto out;
	if ((rc = mdb_stat(txn, dbis[0], &st)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((rc = mdb_drop(txn, dbis[i], 0)) != 0)
			goto out;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc == 0)
		had = (long)st.ms_entries;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	pthread_mutex_unlock(&cache_write_lock);
	if (had < 0)
		cache_write_fail(what, "*", rc);
	return had;
}

/* cache_del_all - empty the policy database, its index and "mx". */
long
cache_del_all(void)
{
	MDB_dbi	dbis[3];

	dbis[0] = cache_dbi_policy;
	dbis[1] = cache_dbi_due;
	dbis[2] = cache_dbi_mx;
	return cache_drop(dbis, 3, "flush");
}

/* cache_walk - visit every record in one snapshot. */
long
cache_walk(int (*fn)(const char *, const struct record *, void *), void *arg)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val	k, v;
	struct record rec;
	char	name[256];
	long	n = 0;
	int	rc;

	if ((rc = mdb_txn_begin(cache_env, NULL, MDB_RDONLY, &txn)) != 0)
		goto fail;
	if ((rc = mdb_cursor_open(txn, cache_dbi_policy, &cur)) != 0)
		goto fail;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size == 0 || k.mv_size >= sizeof(name))
			continue;
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		if (record_decode(v.mv_data, v.mv_size, &rec) != RECORD_OK)
			continue;
		n++;
		rc = fn(name, &rec, arg);
		record_free(&rec);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return n;
fail:
	log_warnx("cache: walk: %s", mdb_strerror(rc));
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	return -1;
}

/* due_time_of - decode the time prefix of a refresh index key. */
static int64_t
due_time_of(const MDB_val *k)
{
	const unsigned char *p = k->mv_data;
	uint64_t u = 0;
	int	i;

	if (k->mv_size < 8)
		return INT64_MAX;
	for (i = 0; i < 8; i++)
		u = (u << 8) | p[i];
	return u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
}

/* cache_due - domains whose index time has come. */
long
cache_due(int64_t now, size_t max, char ***out)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val	k, v;
	char  **list = NULL;
	size_t	n = 0;
	int	rc;

	*out = NULL;
	if ((rc = mdb_txn_begin(cache_env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_cursor_open(txn, cache_dbi_due, &cur)) != 0)
		goto fail;
	if ((list = calloc(max + 1, sizeof(*list))) == NULL)
		goto fail;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && n < max;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (due_time_of(&k) > now)
			break;
		if (k.mv_size <= 8)
			continue;
		if ((list[n] = strndup((char *)k.mv_data + 8,
		    k.mv_size - 8)) == NULL)
			break;
		n++;
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	*out = list;
	return (long)n;
fail:
	if (rc != 0)
		log_warnx("cache: due: %s", mdb_strerror(rc));
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (txn != NULL)
		mdb_txn_abort(txn);
	free(list);
	return -1;
}

/* cache_next_due - the earliest time in the refresh index. */
int64_t
cache_next_due(void)
{
	MDB_txn *txn = NULL;
	MDB_cursor *cur = NULL;
	MDB_val	k, v;
	int64_t	t = INT64_MAX;

	if (mdb_txn_begin(cache_env, NULL, MDB_RDONLY, &txn) != 0)
		return t;
	if (mdb_cursor_open(txn, cache_dbi_due, &cur) == 0) {
		if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == 0)
			t = due_time_of(&k);
		mdb_cursor_close(cur);
	}
	mdb_txn_abort(txn);
	return t;
}

