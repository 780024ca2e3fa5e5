/*
 * NAME
 *	ctl_out - how mtasts-ctl prints
 * SYNOPSIS
 *	#include "ctl_out.h"
 *
 *	void ctl_out_init(&o, json)
 *	const char *ctl_paint(&o, colour), *ctl_unpaint(&o, colour)
 *	int ctl_iso_parse(s, &t)
 *	const char *ctl_iso_format(t, buf, bufsz)
 *	const char *ctl_duration(secs, buf, bufsz)
 *	const char *ctl_age(t, now, buf, bufsz)
 *	const char *ctl_when(&o, value, buf, bufsz)
 *	const char *ctl_text(value, buf, bufsz)
 *	int ctl_json_print(&o, doc)
 *	struct ctl_table *ctl_table_new(ncols, headers)
 *	int ctl_table_add(t, cells, colours)
 *	void ctl_table_print(&o, t, no_header)
 *	void ctl_table_free(t)
 * DESCRIPTION
 *	Colour (ANSI SGR) is used only when stdout is a terminal, NO_COLOR
 *	is not set (https://no-color.org: any value, even empty, turns it
 *	off here) and TERM is not "dumb".
 *
 *	Times: the daemon sends ISO 8601 UTC strings; people get the same
 *	string and how far it is from now, with the largest whole unit:
 *	"2026-11-22T10:00:00Z (5m ago)", "... (in 3d)". The date arithmetic
 *	is done here (days from the civil date), as timegm() is not POSIX.
 *
 *	Every string that reaches the terminal passes ctl_text() or the
 *	table code, which turn control characters into '?': cache entries
 *	and DNS answers come from outside and must not drive the terminal.
 * DIAGNOSTICS
 *	ctl_json_print() returns -1 when the document cannot be written.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_out.h"

struct ctl_table {
	size_t	ncols;
	char  **headers;
	size_t	nrows;
	size_t	cap;
	char  **cells;			/* nrows * ncols */
	enum ctl_colour *colours;	/* nrows * ncols */
};

/* ctl_out_init - decide on colour once per call. */
void
ctl_out_init(struct ctl_out *o, int json)
{
	const char *term = getenv("TERM");

	memset(o, 0, sizeof(*o));
	o->fp = stdout;
	o->json = json;
	o->now = time(NULL);
	o->colour = !json && isatty(STDOUT_FILENO) &&
	    getenv("NO_COLOR") == NULL &&
	    (term == NULL || strcmp(term, "dumb") != 0);
}

/* ctl_paint - SGR start sequence of a colour. */
const char *
ctl_paint(const struct ctl_out *o, enum ctl_colour c)
{
	if (!o->colour)
		return "";
	switch (c) {
	case CTL_GREEN:
		return "\033[32m";
	case CTL_YELLOW:
		return "\033[33m";
	case CTL_RED:
		return "\033[31m";
	case CTL_BOLD:
		return "\033[1m";
	case CTL_DIM:
		return "\033[2m";
	case CTL_PLAIN:
		break;
	}
	return "";
}

/* ctl_unpaint - SGR reset after a coloured run. */
const char *
ctl_unpaint(const struct ctl_out *o, enum ctl_colour c)
{
	return o->colour && c != CTL_PLAIN ? "\033[0m" : "";
}

/* ctl_days_from_civil - days since 1970-01-01 of a proleptic Gregorian date. */
static long long
ctl_days_from_civil(long long y, long long m, long long d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* ctl_digits - n decimal digits at s into *v; 0 or -1. */
static int
ctl_digits(const char *s, size_t n, unsigned int *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned int)(s[i] - '0');
	}
	return 0;
}

/* ctl_iso_parse - "YYYY-MM-DDTHH:MM:SSZ" into Unix time. */
int
ctl_iso_parse(const char *s, time_t *t)
{
	unsigned int y, mo, d, h, mi, sec;

	if (s == NULL || strlen(s) != 20 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	if (ctl_digits(s, 4, &y) || ctl_digits(s + 5, 2, &mo) ||
	    ctl_digits(s + 8, 2, &d) || ctl_digits(s + 11, 2, &h) ||
	    ctl_digits(s + 14, 2, &mi) || ctl_digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	*t = (time_t)(ctl_days_from_civil(y, mo, d) * 86400 +
	    (long long)h * 3600 + mi * 60 + sec);
	return 0;
}

/* ctl_iso_format - Unix time as ISO 8601 UTC. */
const char *
ctl_iso_format(time_t t, char *buf, size_t bufsz)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, bufsz, "@%lld", (long long)t);
	return buf;
}

/* ctl_duration - a length of time in its largest whole unit. */
const char *
ctl_duration(long long secs, char *buf, size_t bufsz)
{
	if (secs < 0)
		secs = -secs;
	if (secs < 60)
		snprintf(buf, bufsz, "%llds", secs);
	else if (secs < 3600)
		snprintf(buf, bufsz, "%lldm", secs / 60);
	else if (secs < 86400)
		snprintf(buf, bufsz, "%lldh", secs / 3600);
	else
		snprintf(buf, bufsz, "%lldd", secs / 86400);
	return buf;
}

/* ctl_age - how far t is from now, in words. */
const char *
ctl_age(time_t t, time_t now, char *buf, size_t bufsz)
{
	char	d[32];
	long long diff = (long long)t - (long long)now;

	if (diff == 0)
		snprintf(buf, bufsz, "now");
	else if (diff > 0)
		snprintf(buf, bufsz, "in %s", ctl_duration(diff, d, sizeof(d)));
	else
		snprintf(buf, bufsz, "%s ago", ctl_duration(diff, d, sizeof(d)));
	return buf;
}

/* ctl_clean - control characters (C0, DEL, C1 in UTF-8) become '?'. */
static void
ctl_clean(char *s)
{
	unsigned char *p = (unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			p[0] = '?';
			p[1] = '?';
			p++;
		}
	}
}

/* ctl_text - a scalar JSON value as one printable line. */
const char *
ctl_text(const json_t *v, char *buf, size_t bufsz)
{
	if (v == NULL || json_is_null(v))
		snprintf(buf, bufsz, "-");
	else if (json_is_string(v))
		snprintf(buf, bufsz, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, bufsz, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, bufsz, "%g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, bufsz, "%s", json_is_true(v) ? "yes" : "no");
	else
		snprintf(buf, bufsz, "?");
	ctl_clean(buf);
	return buf;
}

/* ctl_int - a JSON integer member, or 0. */
json_int_t
ctl_int(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* ctl_when - "ISO (age)" for a JSON time value. */
const char *
ctl_when(const struct ctl_out *o, const json_t *v, char *buf, size_t bufsz)
{
	char	age[48];
	time_t	t;

	if (!json_is_string(v))
		return ctl_text(v, buf, bufsz);
	if (ctl_iso_parse(json_string_value(v), &t) == -1)
		return ctl_text(v, buf, bufsz);
	snprintf(buf, bufsz, "%s (%s)", json_string_value(v),
	    ctl_age(t, o->now, age, sizeof(age)));
	return buf;
}

/* ctl_json_print - the document, indented, then a newline. */
int
ctl_json_print(const struct ctl_out *o, const json_t *doc)
{
	if (json_dumpf(doc, o->fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ==
	    -1 || fputc('\n', o->fp) == EOF)
		return -1;
	return fflush(o->fp) == EOF ? -1 : 0;
}

/* ctl_strdup_clean - a printable copy of s ("-" for NULL). */
static char *
ctl_strdup_clean(const char *s)
{
	char   *c = strdup(s != NULL ? s : "-");

	if (c != NULL)
		ctl_clean(c);
	return c;
}

/* ctl_table_new - an empty table with these column headers. */
struct ctl_table *
ctl_table_new(size_t ncols, const char *const *headers)
{
	struct ctl_table *t;
	size_t	i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ncols = ncols;
	if ((t->headers = calloc(ncols, sizeof(*t->headers))) == NULL)
		goto fail;
	for (i = 0; i < ncols; i++)
		if ((t->headers[i] = ctl_strdup_clean(headers[i])) == NULL)
			goto fail;
	return t;
fail:
	ctl_table_free(t);
	return NULL;
}

/* ctl_table_add - append one row. */
int
ctl_table_add(struct ctl_table *t, const char *const *cells,
    const enum ctl_colour *colours)
{
	size_t	i, ncap, base;
	char  **nc;
	enum ctl_colour *ncol;

	if (t->nrows == t->cap) {
		ncap = t->cap ? t->cap * 2 : 16;
		if ((nc = realloc(t->cells, ncap * t->ncols *
		    sizeof(*nc))) == NULL)
			return -1;
		t->cells = nc;
		if ((ncol = realloc(t->colours, ncap * t->ncols *
		    sizeof(*ncol))) == NULL)
			return -1;
		t->colours = ncol;
		t->cap = ncap;
	}
	base = t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		if ((t->cells[base + i] = ctl_strdup_clean(cells[i])) == NULL) {
			while (i-- > 0)
				free(t->cells[base + i]);
			return -1;
		}
		t->colours[base + i] = colours != NULL ? colours[i] :
		    CTL_PLAIN;
	}
	t->nrows++;
	return 0;
}

/* ctl_width - display width of UTF-8 text: one column per code point. */
static size_t
ctl_width(const char *s)
{
	size_t	w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* ctl_table_row - print one row padded to the column widths. */
static void
ctl_table_row(const struct ctl_out *o, char *const *cells,
    const enum ctl_colour *colours, const size_t *width, size_t ncols,
    enum ctl_colour all)
{
	enum ctl_colour c;
	size_t	i, pad;

	for (i = 0; i < ncols; i++) {
		c = colours != NULL ? colours[i] : all;
		fprintf(o->fp, "%s%s%s", ctl_paint(o, c), cells[i],
		    ctl_unpaint(o, c));
		if (i + 1 == ncols)
			break;
		for (pad = ctl_width(cells[i]); pad < width[i] + 2; pad++)
			fputc(' ', o->fp);
	}
	fputc('\n', o->fp);
}

/* ctl_table_print - aligned columns, the header first. */
void
ctl_table_print(const struct ctl_out *o, const struct ctl_table *t,
    int no_header)
{
	size_t *width, r, i, w;

	if ((width = calloc(t->ncols, sizeof(*width))) == NULL)
		return;
	for (i = 0; i < t->ncols; i++)
		width[i] = no_header ? 0 : ctl_width(t->headers[i]);
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++)
			if ((w = ctl_width(t->cells[r * t->ncols + i])) >
			    width[i])
				width[i] = w;
	if (!no_header)
		ctl_table_row(o, t->headers, NULL, width, t->ncols, CTL_BOLD);
	for (r = 0; r < t->nrows; r++)
		ctl_table_row(o, t->cells + r * t->ncols,
		    t->colours + r * t->ncols, width, t->ncols, CTL_PLAIN);
	free(width);
}

/* ctl_table_free - release the table. */
void
ctl_table_free(struct ctl_table *t)
{
	size_t	i;

	if (t == NULL)
		return;
	if (t->headers != NULL)
		for (i = 0; i < t->ncols; i++)
			free(t->headers[i]);
	free(t->headers);
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->colours);
	free(t);
}
