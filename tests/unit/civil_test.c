/*
 * civil_test.c - the one calendar-date parser (common/civil.c) that the
 * control socket and mtasts-ctl share: leap days, days past a month's
 * end, the shape of the string, and the day start it gives.
 */
#include <stdint.h>

#include "civil.h"
#include "tap.h"

static const struct {
	const char *s;
	int	valid;
	int64_t	day;		/* when valid */
} cases[] = {
	{ "1970-01-01", 1, 0 },
	{ "2024-02-29", 1, 1709164800 },	/* 2024 is a leap year */
	{ "2000-02-29", 1, 951782400 },		/* divisible by 400 */
	{ "2024-12-31", 1, 1735603200 },
	{ "2024-03-01", 1, 1709251200 },
	{ "2023-02-29", 0, 0 },			/* not a leap year */
	{ "1900-02-29", 0, 0 },			/* before 1970 anyway */
	{ "2100-02-29", 0, 0 },			/* divisible by 100 only */
	{ "2024-02-31", 0, 0 },			/* control.c took this */
	{ "2024-02-30", 0, 0 },
	{ "2024-04-31", 0, 0 },
	{ "2024-13-01", 0, 0 },
	{ "2024-00-10", 0, 0 },
	{ "2024-01-00", 0, 0 },
	{ "2024-01-32", 0, 0 },
	{ "1969-12-31", 0, 0 },
	{ "2024-1-01", 0, 0 },
	{ "2024-01-1 ", 0, 0 },
	{ " 024-01-01", 0, 0 },
	{ "2024/01/01", 0, 0 },
	{ "2024-01-01x", 0, 0 },
	{ "+024-01-01", 0, 0 },
	{ "", 0, 0 },
};

/* main - run the table. */
int
main(void)
{
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t	day = -7;
		int	r = civil_day_parse(cases[i].s, &day);

		if (cases[i].valid)
			ok(r == 0 && day == cases[i].day,
			    "\"%s\" is day %lld (got %d, %lld)", cases[i].s,
			    (long long)cases[i].day, r, (long long)day);
		else
			ok(r == -1 && day == -7, "\"%s\" is refused (got %d)",
			    cases[i].s, r);
	}
	ok(civil_day_parse(NULL, NULL) == -1, "NULL is refused");
	return done_testing();
}
