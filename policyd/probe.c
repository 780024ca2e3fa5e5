/* probe.c - placeholder until the probe module lands */
#include "probe.h"

/* probe_mx - not written yet. */
void
probe_mx(const struct config *cfg, const char *host, struct probe_report *rep)
{
	(void)cfg;
	(void)host;
	rep->result = PROBE_UNREACHABLE;
}

/* probe_result_name - not written yet. */
const char *
probe_result_name(enum probe_result r)
{
	(void)r;
	return "unreachable";
}
