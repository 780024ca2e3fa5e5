/*
 * fuzz_control - libFuzzer target for what a control-socket request line
 * goes through before any verb acts (policyd/control.c): the line split
 * into words at spaces and tabs as control_request() splits it, the verb
 * mapped to its permission class (the verb table, control_verb_class),
 * and every argument through the checkers the verbs apply - a domain
 * (host_normalize, as domain_arg does), a day (civil_day_parse) and a
 * queue id (privsep_queue_id_valid, the id that reaches release_command's
 * argv).
 *
 * Invariants, checked with abort(): a normalised domain is non-empty
 * lower-case LDH with dots, no trailing dot; an accepted day is at or
 * after 1970 and a whole number of days; an accepted queue id is
 * alphanumeric.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "control.h"
#include "mx_match.h"
#include "privsep.h"

#define FUZZ_LINE_MAX	1024	/* CONTROL_LINE_MAX */

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* fuzz_word - one argument through every checker. */
static void
fuzz_word(const char *w)
{
	char	out[256];
	int64_t	day;
	size_t	i;

	if (host_normalize(w, strlen(w), out, sizeof(out)) == 0) {
		if (out[0] == '\0' || out[strlen(out) - 1] == '.')
			abort();
		for (i = 0; out[i] != '\0'; i++)
			if (!((out[i] >= 'a' && out[i] <= 'z') ||
			    (out[i] >= '0' && out[i] <= '9') || out[i] == '-' ||
			    out[i] == '.' || out[i] == '_'))
				abort();
	}
	if (civil_day_parse(w, &day) == 0 && (day < 0 || day % 86400 != 0))
		abort();
	if (privsep_queue_id_valid(w))
		for (i = 0; w[i] != '\0'; i++)
			if (!((w[i] >= 'a' && w[i] <= 'z') ||
			    (w[i] >= 'A' && w[i] <= 'Z') ||
			    (w[i] >= '0' && w[i] <= '9')))
				abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char	line[FUZZ_LINE_MAX + 1], *p, *save = NULL;
	int	argc = 0;

	if (n > FUZZ_LINE_MAX)
		return 0;	/* the daemon refuses a longer line unread */
	memcpy(line, d, n);
	line[n] = '\0';
	if (memchr(line, '\n', n) != NULL)
		return 0;	/* a line ends at its newline */
	for (p = strtok_r(line, " \t", &save); p != NULL;
	    p = strtok_r(NULL, " \t", &save)) {
		if (argc++ == 0)
			(void)control_verb_class(p);
		fuzz_word(p);
	}
	return 0;
}
