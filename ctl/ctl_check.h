/*
 * ctl_check.h - "mtasts-ctl check DOMAIN": audit a domain's own MTA-STS
 * publication without the daemon (DESIGN §5).
 */
#ifndef MTASTS_CTL_CHECK_H
#define MTASTS_CTL_CHECK_H

#include "config.h"
#include "ctl_out.h"

/* A certificate that expires sooner than this is a warning. */
#define CHECK_EXPIRY_WARN	(14 * 86400)

/*
 * ctl_check - run every check of domain (an LDH name, lower-case) with
 * cfg's DNS, trust store, ports and timeouts; print a line per check and
 * a summary (or one JSON document). Initialises the resolver and libcurl
 * itself. Returns the exit code: CTL_EXIT_OK when nothing failed
 * (warnings allowed), CTL_EXIT_NEGATIVE when a check failed,
 * CTL_EXIT_USAGE when the checks could not be run at all.
 */
int	ctl_check(const struct config *cfg, const char *domain,
	    const struct ctl_out *o);

#endif
