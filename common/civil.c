/*
 * civil.c - one parser for calendar dates "YYYY-MM-DD".
 *
 * SYNOPSIS
 *	#include "civil.h"
 *
 *	int civil_day_parse(s, &day)
 *
 * DESCRIPTION
 *	civil_day_parse() reads exactly ten characters, four digits, "-",
 *	two digits, "-", two digits, as a date in the proleptic Gregorian
 *	calendar, 1970 or later, and gives the first second of that day
 *	(UTC) in *day. The fields are read with strptime(3) and turned into
 *	a time with timegm(3); the date is valid only when the time turns
 *	back into the same year, month and day, so 2024-02-31 (which
 *	timegm would carry into March) and 2023-02-29 are refused while
 *	2024-02-29 is accepted. The control socket's report verbs and
 *	mtasts-ctl's --day use it, so the two ends agree on what a day is.
 *
 * DIAGNOSTICS
 *	Returns 0, or -1 (leaving *day alone) for anything else.
 */
#include "autoconf.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "civil.h"

/* civil_day_parse - see the top of the file. */
int
civil_day_parse(const char *s, int64_t *day)
{
	struct tm tm, back;
	const char *end;
	time_t	t;
	int	i;

	if (s == NULL || strlen(s) != 10)
		return -1;
	/* strptime allows blanks and short fields: insist on the shape */
	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return -1;
		} else if (s[i] < '0' || s[i] > '9')
			return -1;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL || *end != '\0')
		return -1;
	if (tm.tm_year < 70)
		return -1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = 0;
	back = tm;
	if ((t = timegm(&back)) == (time_t)-1 || gmtime_r(&t, &back) == NULL)
		return -1;
	if (back.tm_year != tm.tm_year || back.tm_mon != tm.tm_mon ||
	    back.tm_mday != tm.tm_mday)
		return -1;
	*day = (int64_t)t;
	return 0;
}
