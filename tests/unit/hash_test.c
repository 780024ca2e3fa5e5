/*
 * hash_test.c - the one string hash (common/hash.c): the published FNV-1a
 * 64-bit test vectors, and that hashing in pieces equals hashing at once.
 */
#include <stdint.h>
#include <string.h>

#include "hash.h"
#include "tap.h"

/* main - the vectors, then a split. */
int
main(void)
{
	uint64_t h;

	ok(hash_str("") == 0xcbf29ce484222325ULL,
	    "FNV-1a(\"\") is the offset basis");
	ok(hash_str("a") == 0xaf63dc4c8601ec8cULL, "FNV-1a(\"a\")");
	ok(hash_str("foobar") == 0x85944171f73967e8ULL, "FNV-1a(\"foobar\")");
	h = hash_fnv1a(HASH_FNV_INIT, "foo", 3);
	h = hash_fnv1a(h, "bar", 3);
	ok(h == hash_str("foobar"), "foo then bar equals foobar");
	ok(hash_fnv1a(42, "", 0) == 42, "no bytes leave h alone");
	return done_testing();
}
