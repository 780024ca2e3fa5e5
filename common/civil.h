/*
 * civil.h - calendar dates "YYYY-MM-DD" (civil.c).
 */
#ifndef MTASTS_CIVIL_H
#define MTASTS_CIVIL_H

#include <stdint.h>

/*
 * civil_day_parse - a real calendar date "YYYY-MM-DD", 1970 or later, into
 * the first second of that day (UTC) in *day; 0, or -1 when s is not one.
 */
int	civil_day_parse(const char *s, int64_t *day);

#endif
