/*
 * ctl_out.h - output helpers of mtasts-ctl: colour, times with a relative
 * age, durations, aligned tables, key/value blocks and JSON documents.
 */
#ifndef MTASTS_CTL_OUT_H
#define MTASTS_CTL_OUT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

/* Exit codes of mtasts-ctl (DESIGN §5). */
#define CTL_EXIT_OK		0	/* done as asked */
#define CTL_EXIT_NEGATIVE	1	/* a negative answer or a daemon error */
#define CTL_EXIT_USAGE		2	/* usage, unreadable file, no daemon */

enum ctl_colour {
	CTL_PLAIN,
	CTL_GREEN,
	CTL_YELLOW,
	CTL_RED,
	CTL_BOLD,
	CTL_DIM
};

/* How the current call prints. */
struct ctl_out {
	FILE   *fp;		/* stdout */
	int	json;		/* --json */
	int	colour;		/* a terminal, NO_COLOR unset */
	time_t	now;		/* one "now" for every relative age */
};

/* ctl_out_init - stdout; colour when it is a terminal and NO_COLOR is unset. */
void	ctl_out_init(struct ctl_out *o, int json);

/* ctl_paint - the escape sequence that starts colour c ("" when off). */
const char *ctl_paint(const struct ctl_out *o, enum ctl_colour c);

/* ctl_unpaint - the sequence that ends a colour ("" when off). */
const char *ctl_unpaint(const struct ctl_out *o, enum ctl_colour c);

/* ctl_iso_parse - "YYYY-MM-DDTHH:MM:SSZ" into Unix time; 0 or -1. */
int	ctl_iso_parse(const char *s, time_t *t);

/* ctl_iso_format - Unix time as "YYYY-MM-DDTHH:MM:SSZ" into buf. */
const char *ctl_iso_format(time_t t, char *buf, size_t bufsz);

/* ctl_duration - seconds as "42s", "5m", "3h", "12d" (largest unit, rounded down). */
const char *ctl_duration(long long secs, char *buf, size_t bufsz);

/* ctl_age - "in 3d", "5m ago" or "now" for t seen from now. */
const char *ctl_age(time_t t, time_t now, char *buf, size_t bufsz);

/*
 * ctl_when - a JSON time value for people: "ISO (5m ago)", the string as
 * it is when it does not parse, "-" for null or absent.
 */
const char *ctl_when(const struct ctl_out *o, const json_t *v, char *buf,
	    size_t bufsz);

/* ctl_text - a JSON string/number/boolean/null as one printable line. */
const char *ctl_text(const json_t *v, char *buf, size_t bufsz);

/* ctl_int - the integer member key of o, or 0 (absent, not an integer). */
json_int_t ctl_int(const json_t *o, const char *key);

/* ctl_json_print - one JSON document on stdout, indented, with a newline. */
int	ctl_json_print(const struct ctl_out *o, const json_t *doc);

/*
 * A table: a header row and rows of cells, printed with every column as
 * wide as its widest cell and two spaces between columns. A cell may
 * carry a colour; padding is computed on the text alone.
 */
struct ctl_table;

struct ctl_table *ctl_table_new(size_t ncols, const char *const *headers);
/* ctl_table_add - one row of ncols cells (copied; NULL prints "-"); 0 or -1. */
int	ctl_table_add(struct ctl_table *t, const char *const *cells,
	    const enum ctl_colour *colours);
/* ctl_table_print - the header (unless no_header) and the rows. */
void	ctl_table_print(const struct ctl_out *o, const struct ctl_table *t,
	    int no_header);
void	ctl_table_free(struct ctl_table *t);

#endif
