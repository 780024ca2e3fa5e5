/*
 * mx_match.h - host names and MX pattern matching (RFC 8461 §4.1).
 */
#ifndef MTASTS_MX_MATCH_H
#define MTASTS_MX_MATCH_H

#include <stddef.h>

#define DNS_NAME_MAX	253

/*
 * dns_name_is_ldh - is name (len bytes) a host name of LDH labels joined by
 * '.': labels 1-63 bytes of [A-Za-z0-9-], not starting or ending with '-',
 * total at most DNS_NAME_MAX, no trailing dot, at least one label.
 */
int	dns_name_is_ldh(const char *name, size_t len);

/*
 * mx_pattern_is_valid - is this an RFC 8461 mx pattern: an LDH name, or
 * "*." followed by an LDH name (P7)?
 */
int	mx_pattern_is_valid(const char *pat, size_t len);

/*
 * mx_match - does host (an MX RR name) match pattern (E2, Z01-Z08)?
 * Comparison is ASCII case-insensitive; one trailing dot on host is ignored;
 * "*." matches exactly one non-empty left-most label. Returns 1 or 0.
 */
int	mx_match(const char *pattern, const char *host);

/*
 * host_normalize - socketmap key normalisation (DESIGN §4): lower-case,
 * strip one trailing dot, "[host]" and "[host]:port" and "host:port" become
 * host. Writes a NUL-terminated name to out (size outsz) and returns 0 when
 * the result is an LDH host name that may have a policy; returns -1 for
 * anything that must get NOTFOUND without DNS: a key starting with '.', an
 * IP literal, a path, an empty or non-LDH name (U-labels included).
 */
int	host_normalize(const char *key, size_t len, char *out, size_t outsz);

#endif
