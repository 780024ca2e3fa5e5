/*
 * hash.h - 64-bit FNV-1a (hash.c).
 */
#ifndef MTASTS_HASH_H
#define MTASTS_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV_INIT	14695981039346656037ULL
#define HASH_FNV_PRIME	1099511628211ULL

/* hash_fnv1a - continue the FNV-1a hash h over len bytes at p. */
uint64_t hash_fnv1a(uint64_t h, const void *p, size_t len);

/* hash_str - the FNV-1a hash of s from HASH_FNV_INIT. */
uint64_t hash_str(const char *s);

#endif
