/*
 * hash.c - the one string hash of the tree: 64-bit FNV-1a.
 *
 * SYNOPSIS
 *	#include "hash.h"
 *
 *	uint64_t hash_fnv1a(h, p, len)
 *	uint64_t hash_str(s)
 *
 * DESCRIPTION
 *	hash_fnv1a() continues an FNV-1a hash h over len bytes at p, so a
 *	caller can hash several fields in turn; start from HASH_FNV_INIT
 *	(the TLS-RPT store starts from a seed of its own, which keys already
 *	written depend on). hash_str() is the hash of a NUL-terminated
 *	string from HASH_FNV_INIT, what the in-memory tables (discovery and
 *	probe jobs, refresh's used set, hold's memo) reduce to a bucket.
 *	Not for anything an attacker must not steer: a table using it
 *	bounds its size elsewhere.
 *
 * DIAGNOSTICS
 *	None.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hash.h"

/* hash_fnv1a - FNV-1a over len bytes, continuing from h. */
uint64_t
hash_fnv1a(uint64_t h, const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t	i;

	for (i = 0; i < len; i++) {
		h ^= c[i];
		h *= HASH_FNV_PRIME;
	}
	return h;
}

/* hash_str - FNV-1a of a string from HASH_FNV_INIT. */
uint64_t
hash_str(const char *s)
{
	return hash_fnv1a(HASH_FNV_INIT, s, strlen(s));
}
