/*
 * status.h - MTA-STS states of a recipient domain and the MTA-STS-Status
 * header (DESIGN §6).
 */
#ifndef MTASTS_STATUS_H
#define MTASTS_STATUS_H

#include <stddef.h>

#define STATUS_HEADER		"MTA-STS-Status"
#define STATUS_FOLD_AT		78	/* RFC 5322 §2.1.1 line length */

enum sts_state {
	STS_NONE = 0,		/* no policy, mode none, no usable policy */
	STS_TESTING,		/* mode testing */
	STS_ENFORCE_CONFIRMED,	/* enforce, a compliant route confirmed */
	STS_ENFORCE_PENDING,	/* enforce, route not yet confirmed */
	STS_ENFORCE_FAILED,	/* enforce, no MX passed the probe */
	STS_PENDING,		/* discovery still running */
	STS_UNKNOWN		/* policyd unreachable or slow */
};

struct rcpt_list;

/* sts_state_name - the word used in the header and the protocol. */
const char *sts_state_name(enum sts_state st);

/* sts_state_parse - a protocol word into *st; 0, or -1 if unknown. */
int	sts_state_parse(const char *word, enum sts_state *st);

/* sts_state_holds - does this state keep a message in quarantine? */
int	sts_state_holds(enum sts_state st);

/*
 * status_header_value - the value of the MTA-STS-Status header for the
 * domains of l: "d1=state; d2=state", folded ("\n " before a domain)
 * so that no line of the field is longer than STATUS_FOLD_AT when it
 * can be avoided. Returns malloc'd memory, or NULL when out of memory.
 */
char   *status_header_value(const struct rcpt_list *l);

#endif
