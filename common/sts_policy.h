/*
 * sts_policy.h - the MTA-STS policy text (RFC 8461 §3.2).
 */
#ifndef MTASTS_STS_POLICY_H
#define MTASTS_STS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#define STS_POLICY_BODY_MAX	65536		/* F7: fetch body limit */
#define STS_POLICY_LINE_MAX	1000		/* S5: per-line cap */
#define STS_MAX_AGE_CAP		31557600u	/* P8, P10 */
#define STS_POLICY_MX_MAX	256		/* mx lines */

enum sts_mode {
	STS_MODE_NONE = 0,
	STS_MODE_TESTING = 1,
	STS_MODE_ENFORCE = 2
};

struct sts_policy {
	enum sts_mode mode;
	uint32_t max_age;	/* clamped to STS_MAX_AGE_CAP */
	size_t	nmx;
	char  **mx;		/* patterns as published, file order, all kept */
	size_t	next;
	char  **ext;		/* extension lines "name: value", file order */
};

/*
 * sts_policy_parse - parse a policy body of len bytes (not NUL-terminated).
 * Returns 0 and fills pol (free with sts_policy_free), or -1 with a reason
 * in err (size errsz) and the 1-based line number in *errline (0 when the
 * problem is not tied to a line, e.g. a missing field).
 */
int	sts_policy_parse(const char *buf, size_t len, struct sts_policy *pol,
	    char *err, size_t errsz, size_t *errline);

/* sts_policy_free - release what sts_policy_parse allocated; pol may be zeroed. */
void	sts_policy_free(struct sts_policy *pol);

/* sts_policy_copy - deep copy; returns 0 or -1 (ENOMEM). */
int	sts_policy_copy(struct sts_policy *dst, const struct sts_policy *src);

/* sts_policy_lists - does one mx pattern of pol match host (RFC 8461 §4.1)? */
int	sts_policy_lists(const struct sts_policy *pol, const char *host);

/* sts_mode_name - "none", "testing", "enforce". */
const char *sts_mode_name(enum sts_mode mode);

/* sts_mode_parse - inverse of sts_mode_name; -1 when unknown. */
int	sts_mode_parse(const char *name);

#endif
