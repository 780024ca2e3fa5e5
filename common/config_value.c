/*
 * NAME
 *	config_value - the grammar of mtasts.conf values
 * SYNOPSIS
 *	#include "config_int.h"
 * DESCRIPTION
 *	What a value may be: white space and LDH characters, host names and
 *	ports, the socketmap_listen, dns_forwarder, local_domains,
 *	milter_socket and user/group checks, the enum names (dnssec,
 *	on_policyd_error, syslog_facility, log_level), durations and sizes
 *	and their shortest spelling, word lists and their splitting at
 *	white space (and commas). Part of the config module (config.c).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"
#include "log.h"

/* config_is_ws - white space between words (CR so CRLF files work). */
int
config_is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* config_is_ldh - letter, digit or hyphen. */
int
config_is_ldh(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* config_valid_hostname - LDH labels of 1-63 bytes joined by dots. */
int
config_valid_hostname(const char *s)
{
	size_t	label = 0, total = 0;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++, total++) {
		if (*s == '.') {
			if (label == 0 || s[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!config_is_ldh((unsigned char)*s))
			return 0;
		if (label == 0 && *s == '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[-1] != '-' && total <= HOSTNAME_MAX;
}

/* config_port - a decimal port 1-65535 into *port; -1 if not. */
int
config_port(const char *s, unsigned int *port)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (unsigned int)v;
	return 0;
}

/* config_check_listen - "unix:/abs/path" or "inet:HOST:PORT". */
int
config_check_listen(char *s, char *why, size_t whysz)
{
	struct in6_addr a6;
	struct in_addr a4;
	char	host[HOSTNAME_MAX + 3], *colon;
	unsigned int port;
	size_t	hlen;

	if (strncmp(s, "unix:", 5) == 0) {
		if (s[5] != '/') {
			snprintf(why, whysz, "\"%s\": unix socket path must be "
			    "absolute", s);
			return -1;
		}
		if (strlen(s + 5) > SUN_PATH_MAX) {
			snprintf(why, whysz, "\"%s\": unix socket path longer "
			    "than %zu bytes", s, SUN_PATH_MAX);
			return -1;
		}
		return 0;
	}
	if (strncmp(s, "inet:", 5) != 0) {
		snprintf(why, whysz, "\"%s\": expected unix:PATH or "
		    "inet:HOST:PORT", s);
		return -1;
	}
	if ((colon = strrchr(s + 5, ':')) == NULL ||
	    config_port(colon + 1, &port) != 0) {
		snprintf(why, whysz, "\"%s\": missing or bad port "
		    "(inet:HOST:PORT, 1-65535)", s);
		return -1;
	}
	hlen = (size_t)(colon - (s + 5));
	if (hlen == 0 || hlen >= sizeof(host))
		goto badhost;
	memcpy(host, s + 5, hlen);
	host[hlen] = '\0';
	if (host[0] == '[') {
		if (hlen < 3 || host[hlen - 1] != ']')
			goto badhost;
		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a6) != 1)
			goto badhost;
		return 0;
	}
	if (strchr(host, ':') != NULL) {
		if (inet_pton(AF_INET6, host, &a6) != 1)
			goto badhost;
		return 0;
	}
	if (inet_pton(AF_INET, host, &a4) == 1)
		return 0;
	/* All digits and dots but no address: a mistyped IPv4 literal. */
	if (strspn(host, "0123456789.") != hlen && config_valid_hostname(host))
		return 0;
badhost:
	snprintf(why, whysz, "\"%s\": bad host (an IPv4 address, an IPv6 "
	    "address or a host name)", s);
	return -1;
}

/* config_check_forwarder - "IP" or "IP@PORT". */
int
config_check_forwarder(char *s, char *why, size_t whysz)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char	ip[INET6_ADDRSTRLEN + 1], *at;
	unsigned int port;
	size_t	iplen;

	at = strchr(s, '@');
	iplen = at != NULL ? (size_t)(at - s) : strlen(s);
	if (at != NULL && config_port(at + 1, &port) != 0) {
		snprintf(why, whysz, "\"%s\": bad port (1-65535)", s);
		return -1;
	}
	if (iplen == 0 || iplen >= sizeof(ip))
		goto bad;
	memcpy(ip, s, iplen);
	ip[iplen] = '\0';
	if (inet_pton(AF_INET, ip, addr) == 1 ||
	    inet_pton(AF_INET6, ip, addr) == 1)
		return 0;
bad:
	snprintf(why, whysz, "\"%s\": expected an IP address, optionally "
	    "followed by @PORT", s);
	return -1;
}

/* config_check_domain - a host name; stored lower-case, no trailing dot. */
int
config_check_domain(char *s, char *why, size_t whysz)
{
	size_t	len = strlen(s);
	char   *p;

	if (len > 1 && s[len - 1] == '.')
		s[len - 1] = '\0';
	if (!config_valid_hostname(s)) {
		snprintf(why, whysz, "\"%s\": not a domain name", s);
		return -1;
	}
	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return 0;
}

/*
 * config_check_name - a user or group name: the portable set of
 * POSIX (letters, digits, '.', '_', '-'; not starting with '-'), 1-64.
 */
int
config_check_name(char *s, char *why, size_t whysz)
{
	size_t	len = strlen(s), i;

	for (i = 0; i < len; i++)
		if (!config_is_ldh((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '_')
			break;
	if (len == 0 || len > 64 || i != len || s[0] == '-') {
		snprintf(why, whysz, "\"%s\": not a user or group name", s);
		return -1;
	}
	return 0;
}

/* config_check_milter - a libmilter connection string. */
int
config_check_milter(char *s, char *why, size_t whysz)
{
	static const char *const kinds[] = { "unix:", "local:", "inet:",
	    "inet6:" };
	size_t	i, n;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		n = strlen(kinds[i]);
		if (strncmp(s, kinds[i], n) == 0 && s[n] != '\0' &&
		    strpbrk(s, " \t") == NULL)
			return 0;
	}
	snprintf(why, whysz, "\"%s\": expected unix:PATH, local:PATH, "
	    "inet:PORT@HOST or inet6:PORT@HOST", s);
	return -1;
}

/* config_dane_parse - "auto" (1) or "no" (0). */
int
config_dane_parse(const char *s)
{
	if (strcasecmp(s, "auto") == 0)
		return 1;
	if (strcasecmp(s, "no") == 0)
		return 0;
	return -1;
}

/* config_dane_name - inverse of config_dane_parse. */
const char *
config_dane_name(int v)
{
	return v ? "auto" : "no";
}

/* config_dnssec_parse - "yes", "no", "auto". */
int
config_dnssec_parse(const char *s)
{
	if (strcasecmp(s, "yes") == 0)
		return DNSSEC_YES;
	if (strcasecmp(s, "no") == 0)
		return DNSSEC_NO;
	if (strcasecmp(s, "auto") == 0)
		return DNSSEC_AUTO;
	return -1;
}

/* config_dnssec_name - inverse of config_dnssec_parse. */
const char *
config_dnssec_name(int v)
{
	return v == DNSSEC_YES ? "yes" : v == DNSSEC_NO ? "no" : "auto";
}

/* config_onerror_parse - "accept", "tempfail". */
int
config_onerror_parse(const char *s)
{
	if (strcasecmp(s, "accept") == 0)
		return ON_ERROR_ACCEPT;
	if (strcasecmp(s, "tempfail") == 0)
		return ON_ERROR_TEMPFAIL;
	return -1;
}

/* config_onerror_name - inverse of config_onerror_parse. */
const char *
config_onerror_name(int v)
{
	return v == ON_ERROR_TEMPFAIL ? "tempfail" : "accept";
}

/* config_facility_parse - a syslog facility name. */
int
config_facility_parse(const char *s)
{
	return log_facility_parse(s);
}

/* config_facility_name - inverse of config_facility_parse. */
const char *
config_facility_name(int v)
{
	const char *name = log_facility_name(v);

	return name != NULL ? name : "mail";
}

/* config_level_parse - a log level name. */
int
config_level_parse(const char *s)
{
	return log_level_parse(s);
}

/* config_level_name - inverse of config_level_parse. */
const char *
config_level_name(int v)
{
	const char *name = log_level_name(v);

	return name != NULL ? name : "info";
}

/* parse_duration - "30", "30s", "5m", "4h", "1d" into seconds; -1 on error. */
long long
parse_duration(const char *s)
{
	long long v = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (LLONG_MAX - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 's':
		mult = 1;
		p++;
		break;
	case 'm':
		mult = 60;
		p++;
		break;
	case 'h':
		mult = 3600;
		p++;
		break;
	case 'd':
		mult = DAY;
		p++;
		break;
	default:
		return -1;
	}
	if (*p != '\0' || v > TIME_T_MAX_LL / mult)
		return -1;
	return v * mult;
}

/* parse_size - "1024", "64k", "1M", "1G" into bytes; -1 on error. */
long long
parse_size(const char *s)
{
	long long v = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (LLONG_MAX - (*p - '0')) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	switch (*p) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = 1024;
		p++;
		break;
	case 'M':
		mult = 1024 * 1024;
		p++;
		break;
	case 'G':
		mult = 1024 * 1024 * 1024;
		p++;
		break;
	default:
		return -1;
	}
	if (*p != '\0' || v > LLONG_MAX / mult)
		return -1;
	return v * mult;
}

/* config_fmt_duration - seconds in the largest exact unit. */
void
config_fmt_duration(char *buf, size_t bufsz, long long v)
{
	if (v != 0 && v % DAY == 0)
		snprintf(buf, bufsz, "%lldd", v / DAY);
	else if (v != 0 && v % 3600 == 0)
		snprintf(buf, bufsz, "%lldh", v / 3600);
	else if (v != 0 && v % 60 == 0)
		snprintf(buf, bufsz, "%lldm", v / 60);
	else
		snprintf(buf, bufsz, "%llds", v);
}

/* config_fmt_size - bytes in the largest exact unit. */
void
config_fmt_size(char *buf, size_t bufsz, unsigned long long v)
{
	if (v != 0 && v % (1024ULL * 1024 * 1024) == 0)
		snprintf(buf, bufsz, "%lluG", v / (1024ULL * 1024 * 1024));
	else if (v != 0 && v % (1024ULL * 1024) == 0)
		snprintf(buf, bufsz, "%lluM", v / (1024ULL * 1024));
	else if (v != 0 && v % 1024 == 0)
		snprintf(buf, bufsz, "%lluk", v / 1024);
	else
		snprintf(buf, bufsz, "%llu", v);
}

/* strlist_clear - free every word, leave an empty list. */
void
strlist_clear(struct strlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* strlist_add - append a copy of len bytes of s; -1 on ENOMEM. */
int
strlist_add(struct strlist *l, const char *s, size_t len)
{
	char  **nv, *w;

	if ((w = malloc(len + 1)) == NULL)
		return -1;
	memcpy(w, s, len);
	w[len] = '\0';
	if ((nv = realloc(l->v, (l->n + 1) * sizeof(*nv))) == NULL) {
		free(w);
		return -1;
	}
	nv[l->n++] = w;
	l->v = nv;
	return 0;
}

/* argvlist_clear - free every command. */
void
argvlist_clear(struct argvlist *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		strlist_clear(&a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

/*
 * config_split - split value into words at white space (and commas when
 * commas is set), appending each to out. Returns 0, or -1 on ENOMEM.
 */
int
config_split(const char *value, int commas, struct strlist *out)
{
	const char *p = value, *start;

	for (;;) {
		while (config_is_ws((unsigned char)*p) || (commas && *p == ','))
			p++;
		if (*p == '\0')
			return 0;
		start = p;
		while (*p != '\0' && !config_is_ws((unsigned char)*p) &&
		    !(commas && *p == ','))
			p++;
		if (strlist_add(out, start, (size_t)(p - start)) != 0)
			return -1;
	}
}

/* config_no_ctl - refuse control characters in a value. */
int
config_no_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return -1;
		else if (*s == 0x7f)
			return -1;
	return 0;
}
