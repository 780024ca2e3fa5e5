/*
 * sanitize.h - whether this build runs under AddressSanitizer.
 *
 * SYNOPSIS
 *	#include "sanitize.h"
 *
 *	MTASTS_SANITIZED	1 under -fsanitize=address, else 0
 *
 * DESCRIPTION
 *	The daemons end with _exit(0): threads that are not joined (live
 *	connections) may still run, and exit()'s atexit handlers and
 *	library destructors must not race them. LeakSanitizer checks only
 *	at exit(), so a sanitized build frees what the daemon owns and
 *	returns from main instead; that is the build the suite's ASan run
 *	uses, where a leak then fails the test that stopped the daemon.
 */
#ifndef MTASTS_SANITIZE_H
#define MTASTS_SANITIZE_H

#if defined(__SANITIZE_ADDRESS__)
#define MTASTS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MTASTS_SANITIZED 1
#endif
#endif
#ifndef MTASTS_SANITIZED
#define MTASTS_SANITIZED 0
#endif

#endif
