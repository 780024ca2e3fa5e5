/*
 * fuzz_policy - libFuzzer target for the policy parser (common/
 * sts_policy.c): parse, check what a valid policy promises, deep-copy,
 * free. The input buffer libFuzzer hands over is exactly n bytes, so ASan
 * sees any read past len. Invariants are checked with abort().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mx_match.h"
#include "sts_policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* fuzz_check_mx - a kept pattern is valid and matches what it should. */
static void
fuzz_check_mx(const char *mx)
{
	char	host[DNS_NAME_MAX + 3];
	size_t	len = strlen(mx);

	if (!mx_pattern_is_valid(mx, len))
		abort();
	if (mx[0] != '*') {
		if (mx_match(mx, mx) != 1)
			abort();
		return;
	}
	/* "*.suffix" matches "x.suffix" but never "suffix" (Z01, Z02). */
	if (mx_match(mx, mx + 2) != 0)
		abort();
	if (len <= DNS_NAME_MAX) {
		host[0] = 'x';
		memcpy(host + 1, mx + 1, len);	/* ".suffix" and the NUL */
		if (mx_match(mx, host) != 1)
			abort();
	}
}

/* fuzz_check_ext - an extension line is "name: value", one line. */
static void
fuzz_check_ext(const char *ext)
{
	const char *colon = strchr(ext, ':');
	size_t	len = strlen(ext);

	if (colon == NULL || colon == ext || colon - ext > 32 ||
	    colon[1] != ' ' || colon[2] == '\0' || colon[2] == ' ' ||
	    ext[len - 1] == ' ' || ext[len - 1] == '\t')
		abort();
	if (strpbrk(ext, "\r\n\t") != NULL)
		abort();
}

/* fuzz_same - are two policies equal, field by field? */
static int
fuzz_same(const struct sts_policy *a, const struct sts_policy *b)
{
	size_t	i;

	if (a->mode != b->mode || a->max_age != b->max_age ||
	    a->nmx != b->nmx || a->next != b->next)
		return 0;
	for (i = 0; i < a->nmx; i++)
		if (strcmp(a->mx[i], b->mx[i]) != 0 || a->mx[i] == b->mx[i])
			return 0;
	for (i = 0; i < a->next; i++)
		if (strcmp(a->ext[i], b->ext[i]) != 0 ||
		    a->ext[i] == b->ext[i])
			return 0;
	return 1;
}

/* LLVMFuzzerTestOneInput - one input. */
int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct sts_policy pol, copy;
	char	err[256];
	size_t	errline, i, lines = 1;

	if (sts_policy_parse((const char *)d, n, &pol, err, sizeof(err),
	    &errline) != 0) {
		for (i = 0; i < n; i++)
			if (d[i] == '\n')
				lines++;
		if (err[0] == '\0' || errline > lines || pol.mx != NULL ||
		    pol.ext != NULL || pol.nmx != 0 || pol.next != 0)
			abort();
		return 0;
	}

	if (n == 0 || n > STS_POLICY_BODY_MAX || errline != 0)
		abort();
	if (pol.max_age > STS_MAX_AGE_CAP)
		abort();
	if (pol.mode != STS_MODE_NONE && pol.mode != STS_MODE_TESTING &&
	    pol.mode != STS_MODE_ENFORCE)
		abort();
	if (pol.mode != STS_MODE_NONE && pol.nmx == 0)
		abort();
	if (sts_mode_parse(sts_mode_name(pol.mode)) != (int)pol.mode)
		abort();
	for (i = 0; i < pol.nmx; i++)
		fuzz_check_mx(pol.mx[i]);
	for (i = 0; i < pol.next; i++)
		fuzz_check_ext(pol.ext[i]);

	if (sts_policy_copy(&copy, &pol) != 0)
		abort();
	if (!fuzz_same(&pol, &copy))
		abort();
	sts_policy_free(&pol);
	sts_policy_free(&copy);
	return 0;
}
