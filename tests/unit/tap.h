/*
 * tap.h - a tiny Test Anything Protocol helper for the table-driven unit
 * tests; automake's tap-driver.sh counts every "ok"/"not ok" line.
 */
#ifndef MTASTS_TAP_H
#define MTASTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

/* ok - record one check; desc names the case (and the RFC item it covers). */
static inline int __attribute__((format(printf, 2, 3)))
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

/* diag - a comment line, shown in the test log. */
static inline void __attribute__((format(printf, 1, 2)))
diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* is_str - compare two strings (NULL-safe) as one check. */
static inline int
is_str(const char *got, const char *want, const char *desc)
{
	int	same = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);

	if (!ok(same, "%s", desc))
		diag("  got '%s', want '%s'", got ? got : "(null)",
		    want ? want : "(null)");
	return same;
}

/*
 * copy_exact - a heap copy of exactly n bytes, never NUL-terminated, so
 * AddressSanitizer catches a parser that reads past its length.
 */
static inline char *
copy_exact(const char *s, size_t n)
{
	char   *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	if (n > 0)
		memcpy(p, s, n);
	return p;
}

/* done_testing - print the plan; the exit status tells make check too. */
static inline int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
