/*
 * NAME
 *	config - mtasts.conf, the one configuration file of all programs
 * SYNOPSIS
 *	#include "config.h"
 *
 *	struct config *config_load(path, &used_defaults, err, errsz)
 *	struct config *config_parse_buf(name, buf, len, err, errsz)
 *	struct config *config_defaults(void)
 *	void config_free(cfg)
 *	void config_dump(cfg, fp)
 *	int config_internal_host(cfg, family, addr)
 *	char **config_argv_expand(tmpl, queue_id)
 *	void config_argv_free(argv)
 *	long long parse_duration(s), parse_size(s)
 * DESCRIPTION
 *	The file is "key = value" lines (DESIGN §3). Every key is one row of
 *	config_keys[], kept in alphabetical order: its name, value type,
 *	built-in default (written in the file's own syntax and parsed by the
 *	same code as the file), bounds, and where the value lives in struct
 *	config. A config starts as the defaults; each line then replaces a
 *	value, or for a key that may repeat, adds to its list. The first
 *	occurrence of a repeating key in a file replaces the default list,
 *	later ones append; any other key may appear only once.
 *
 *	A "#" that starts a line (after white space) makes it a comment, and
 *	a "#" preceded by white space starts a trailing comment; a "#" inside
 *	a word is part of the value. Blank lines and white space around keys
 *	and values are ignored.
 *
 *	After the last line, settings that depend on each other are checked:
 *	tlsrpt_enable needs the report identity, DKIM signing needs all three
 *	tlsrpt_dkim_* keys, cache_dir and control_socket must be absolute.
 *
 *	config_dump() writes every key with its effective value in a form
 *	that config_parse_buf() reads back to the same config.
 * DIAGNOSTICS
 *	config_load() and config_parse_buf() return NULL and write one line
 *	into err: "FILE:LINE: reason" for a bad line, "FILE: reason" or
 *	"FILE:LINE: reason" for a failed cross-check, "cannot open FILE:
 *	reason" when the file cannot be read. Running out of memory is
 *	reported the same way ("out of memory").
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
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
#include "log.h"

/* A time_t holds at least 31 bits; find its maximum without overflow. */
#define TIME_T_MAX_LL \
	(sizeof(time_t) >= sizeof(long long) ? LLONG_MAX : \
	    (long long)((1ULL << (sizeof(time_t) * CHAR_BIT - 1)) - 1))
#define SIZE_MAX_LL \
	((unsigned long long)SIZE_MAX < (unsigned long long)LLONG_MAX ? \
	    (long long)SIZE_MAX : LLONG_MAX)
#define SUN_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

#define DAY		86400LL
#define HOSTNAME_MAX	253
#define QUEUE_ID_MAX	64
#define CONFIG_DUMP_WIDTH 78	/* wrap list values, repeating the key */	/* Postfix long ids are about 20 characters */

enum config_type {
	CT_STRING,		/* free text, no control characters */
	CT_WORD,		/* one word: a user or group name */
	CT_HOST,		/* an LDH host name (or empty) */
	CT_MAILBOX,		/* local@domain (or empty) */
	CT_PATH,		/* an absolute path (or empty) */
	CT_BOOL,
	CT_DURATION,		/* time_t seconds */
	CT_SIZE,		/* uint64_t bytes */
	CT_UINT,		/* unsigned int, bounded by min/max */
	CT_MODE,		/* unsigned int, octal */
	CT_ENUM,		/* int, through the entry's parse/name pair */
	CT_LIST,		/* struct strlist of checked words */
	CT_CIDR,		/* internal_hosts */
	CT_COMMAND,		/* struct strlist: one command */
	CT_ARGVLIST		/* struct argvlist: one command per occurrence */
};

#define CK_REPEAT	0x01	/* may repeat: each occurrence adds */
#define CK_HOSTNAME	0x02	/* default is gethostname() */
#define CK_NOEMPTY	0x04	/* an empty value is an error */

typedef int config_check_fn(char *, char *, size_t);

struct config_key {
	const char *name;
	enum config_type type;
	const char *def;	/* default in file syntax; "\n" separates occurrences */
	long long min, max;	/* numbers: bounds; text: max is the length limit */
	size_t	off;		/* offsetof(struct config, field) */
	unsigned int flags;
	config_check_fn *check;	/* words of CT_LIST, CT_STRING values */
	int	(*eparse)(const char *);	/* CT_ENUM */
	const char *(*ename)(int);		/* CT_ENUM */
};

static config_check_fn config_check_listen, config_check_forwarder,
	config_check_domain, config_check_milter, config_check_name;
static int config_dnssec_parse(const char *);
static const char *config_dnssec_name(int);
static int config_onerror_parse(const char *);
static const char *config_onerror_name(int);
static int config_facility_parse(const char *);
static const char *config_facility_name(int);
static int config_level_parse(const char *);
static const char *config_level_name(int);

#define OFF(f)		offsetof(struct config, f)
#define PATHLEN		4095

/* The keys of DESIGN §3, in strcmp() order (bsearch relies on it). */
static const struct config_key config_keys[] = {
	{ "cache_dir", CT_PATH, "/var/db/mtasts", 0, PATHLEN,
	    OFF(cache_dir), 0, NULL, NULL, NULL },
	{ "cache_max_size", CT_SIZE, "1G", 1024 * 1024, SIZE_MAX_LL,
	    OFF(cache_max_size), 0, NULL, NULL, NULL },
	{ "control_groups", CT_LIST, "", 0, 0,
	    OFF(control_groups), CK_REPEAT, config_check_name, NULL, NULL },
	{ "control_max_connections", CT_UINT, "64", 1, 4096,
	    OFF(control_max_connections), 0, NULL, NULL, NULL },
	{ "control_socket", CT_PATH, "/var/run/mtasts/control.sock", 0,
	    SUN_PATH_MAX, OFF(control_socket), 0, NULL, NULL, NULL },
	{ "control_socket_group", CT_WORD, "", 0, 64,
	    OFF(control_socket_group), 0, NULL, NULL, NULL },
	{ "control_socket_mode", CT_MODE, "0660", 0, 0777,
	    OFF(control_socket_mode), 0, NULL, NULL, NULL },
	{ "control_users", CT_LIST, "", 0, 0,
	    OFF(control_users), CK_REPEAT, config_check_name, NULL, NULL },
	{ "dns_forwarder", CT_LIST, "", 0, 0,
	    OFF(dns_forwarder), CK_REPEAT, config_check_forwarder, NULL, NULL },
	{ "dnssec", CT_ENUM, "auto", 0, 0,
	    OFF(dnssec), 0, NULL, config_dnssec_parse, config_dnssec_name },
	{ "dnssec_trust_anchor", CT_PATH, "", 0, PATHLEN,
	    OFF(dnssec_trust_anchor), 0, NULL, NULL, NULL },
	{ "fetch_timeout", CT_DURATION, "20s", 1, 3600,
	    OFF(fetch_timeout), 0, NULL, NULL, NULL },
	{ "group", CT_WORD, "", 0, 64,
	    OFF(group), 0, NULL, NULL, NULL },
	{ "hold", CT_BOOL, "yes", 0, 1,
	    OFF(hold), 0, NULL, NULL, NULL },
	{ "hold_max", CT_DURATION, "4h", 1, 30 * DAY,
	    OFF(hold_max), 0, NULL, NULL, NULL },
	{ "hold_max_messages", CT_UINT, "10000", 1, 10000000,
	    OFF(hold_max_messages), 0, NULL, NULL, NULL },
	{ "internal_hosts", CT_CIDR, "127.0.0.0/8 ::1", 0, 0,
	    0, CK_REPEAT, NULL, NULL, NULL },
	{ "local_domains", CT_LIST, "", 0, 0,
	    OFF(local_domains), CK_REPEAT, config_check_domain, NULL, NULL },
	{ "log_level", CT_ENUM, "info", 0, 0,
	    OFF(log_level), 0, NULL, config_level_parse, config_level_name },
	{ "lookup_wait", CT_DURATION, "5s", 0, 60,
	    OFF(lookup_wait), 0, NULL, NULL, NULL },
	{ "milter_socket", CT_STRING, "unix:/var/run/mtasts/milter.sock", 0,
	    PATHLEN, OFF(milter_socket), CK_NOEMPTY, config_check_milter,
	    NULL, NULL },
	{ "milter_wait", CT_DURATION, "2s", 0, 60,
	    OFF(milter_wait), 0, NULL, NULL, NULL },
	{ "mx_smtp_port", CT_UINT, "25", 1, 65535,
	    OFF(mx_smtp_port), 0, NULL, NULL, NULL },
	{ "negative_ttl", CT_DURATION, "15m", 0, 30 * DAY,
	    OFF(negative_ttl), 0, NULL, NULL, NULL },
	{ "on_policyd_error", CT_ENUM, "accept", 0, 0,
	    OFF(on_policyd_error), 0, NULL, config_onerror_parse,
	    config_onerror_name },
	{ "pid_file", CT_PATH, "", 0, PATHLEN,
	    OFF(pid_file), 0, NULL, NULL, NULL },
	{ "policy_https_port", CT_UINT, "443", 1, 65535,
	    OFF(policy_https_port), 0, NULL, NULL, NULL },
	{ "probe_helo", CT_HOST, NULL, 0, HOSTNAME_MAX,
	    OFF(probe_helo), CK_HOSTNAME | CK_NOEMPTY, NULL, NULL, NULL },
	{ "release_command", CT_ARGVLIST,
	    "/usr/sbin/postsuper -H {queue_id}\n"
	    "/usr/sbin/postqueue -i {queue_id}", 0, 0,
	    OFF(release_command), CK_REPEAT | CK_NOEMPTY, NULL, NULL, NULL },
	{ "request_timeout", CT_DURATION, "10s", 1, 600,
	    OFF(request_timeout), 0, NULL, NULL, NULL },
	{ "require_sni", CT_BOOL, "yes", 0, 1,
	    OFF(require_sni), 0, NULL, NULL, NULL },
	{ "route_ttl", CT_DURATION, "1h", 0, 30 * DAY,
	    OFF(route_ttl), 0, NULL, NULL, NULL },
	{ "send_timeout", CT_DURATION, "10s", 1, 600,
	    OFF(send_timeout), 0, NULL, NULL, NULL },
	{ "socket_group", CT_WORD, "", 0, 64,
	    OFF(socket_group), 0, NULL, NULL, NULL },
	{ "socket_mode", CT_MODE, "0660", 0, 0777,
	    OFF(socket_mode), 0, NULL, NULL, NULL },
	{ "socketmap_listen", CT_LIST, "unix:/var/run/mtasts/socketmap.sock",
	    0, 0, OFF(socketmap_listen), CK_REPEAT, config_check_listen,
	    NULL, NULL },
	{ "socketmap_max_connections", CT_UINT, "1000", 1, 65536,
	    OFF(socketmap_max_connections), 0, NULL, NULL, NULL },
	{ "strict_testing", CT_BOOL, "no", 0, 1,
	    OFF(strict_testing), 0, NULL, NULL, NULL },
	{ "syslog_facility", CT_ENUM, "mail", 0, 0,
	    OFF(syslog_facility), 0, NULL, config_facility_parse,
	    config_facility_name },
	{ "tls_ca_file", CT_PATH, "", 0, PATHLEN,
	    OFF(tls_ca_file), 0, NULL, NULL, NULL },
	{ "tls_ca_path", CT_PATH, "", 0, PATHLEN,
	    OFF(tls_ca_path), 0, NULL, NULL, NULL },
	{ "tlsrpt_collector_socket", CT_PATH, "", 0, SUN_PATH_MAX,
	    OFF(tlsrpt_collector_socket), 0, NULL, NULL, NULL },
	{ "tlsrpt_contact", CT_MAILBOX, "", 0, 254,
	    OFF(tlsrpt_contact), 0, NULL, NULL, NULL },
	{ "tlsrpt_datagram_limit", CT_UINT, "10000", 0, 10000000,
	    OFF(tlsrpt_datagram_limit), 0, NULL, NULL, NULL },
	{ "tlsrpt_delay_max", CT_DURATION, "4h", 0, DAY,
	    OFF(tlsrpt_delay_max), 0, NULL, NULL, NULL },
	{ "tlsrpt_dkim_domain", CT_HOST, "", 0, HOSTNAME_MAX,
	    OFF(tlsrpt_dkim_domain), 0, NULL, NULL, NULL },
	{ "tlsrpt_dkim_key", CT_PATH, "", 0, PATHLEN,
	    OFF(tlsrpt_dkim_key), 0, NULL, NULL, NULL },
	{ "tlsrpt_dkim_selector", CT_HOST, "", 0, HOSTNAME_MAX,
	    OFF(tlsrpt_dkim_selector), 0, NULL, NULL, NULL },
	{ "tlsrpt_enable", CT_BOOL, "no", 0, 1,
	    OFF(tlsrpt_enable), 0, NULL, NULL, NULL },
	{ "tlsrpt_from", CT_MAILBOX, "", 0, 254,
	    OFF(tlsrpt_from), 0, NULL, NULL, NULL },
	{ "tlsrpt_org_name", CT_STRING, "", 0, 256,
	    OFF(tlsrpt_org_name), 0, NULL, NULL, NULL },
	{ "tlsrpt_sendmail", CT_COMMAND, "/usr/sbin/sendmail -i -t", 0, 0,
	    OFF(tlsrpt_sendmail), CK_NOEMPTY, NULL, NULL, NULL },
	{ "txt_recheck", CT_DURATION, "10m", 0, 30 * DAY,
	    OFF(txt_recheck), 0, NULL, NULL, NULL },
	{ "user", CT_WORD, "", 0, 64,
	    OFF(user), 0, NULL, NULL, NULL },
};

#define NKEYS	(sizeof(config_keys) / sizeof(config_keys[0]))

_Static_assert(sizeof(enum dnssec_mode) == sizeof(int) &&
    sizeof(enum policyd_error_action) == sizeof(int),
    "CT_ENUM stores an int");

#define FIELD(cfg, k, type)	((type *)(void *)((char *)(cfg) + (k)->off))

/* config_is_ws - white space between words (CR so CRLF files work). */
static int
config_is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* config_is_ldh - letter, digit or hyphen. */
static int
config_is_ldh(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/* config_valid_hostname - LDH labels of 1-63 bytes joined by dots. */
static int
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
static int
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
static int
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
static int
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
static int
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
static int
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
static int
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

/* config_dnssec_parse - "yes", "no", "auto". */
static int
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
static const char *
config_dnssec_name(int v)
{
	return v == DNSSEC_YES ? "yes" : v == DNSSEC_NO ? "no" : "auto";
}

/* config_onerror_parse - "accept", "tempfail". */
static int
config_onerror_parse(const char *s)
{
	if (strcasecmp(s, "accept") == 0)
		return ON_ERROR_ACCEPT;
	if (strcasecmp(s, "tempfail") == 0)
		return ON_ERROR_TEMPFAIL;
	return -1;
}

/* config_onerror_name - inverse of config_onerror_parse. */
static const char *
config_onerror_name(int v)
{
	return v == ON_ERROR_TEMPFAIL ? "tempfail" : "accept";
}

/* config_facility_parse - a syslog facility name. */
static int
config_facility_parse(const char *s)
{
	return log_facility_parse(s);
}

/* config_facility_name - inverse of config_facility_parse. */
static const char *
config_facility_name(int v)
{
	const char *name = log_facility_name(v);

	return name != NULL ? name : "mail";
}

/* config_level_parse - a log level name. */
static int
config_level_parse(const char *s)
{
	return log_level_parse(s);
}

/* config_level_name - inverse of config_level_parse. */
static const char *
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
static void
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
static void
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
static void
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
static int
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
static void
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
static int
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

/* config_parse_cidr - "ADDR" or "ADDR/LEN" into c (host bits cleared). */
static int
config_parse_cidr(const char *s, struct cidr *c)
{
	char	buf[INET6_ADDRSTRLEN + 5];
	const char *slash;
	unsigned int max, i, bits;
	size_t	alen;

	memset(c, 0, sizeof(*c));
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else
		return -1;
	c->prefix = max;
	if (slash != NULL) {
		if (slash[1] == '\0' || strlen(slash + 1) > 3 ||
		    strspn(slash + 1, "0123456789") != strlen(slash + 1))
			return -1;
		c->prefix = (unsigned int)atoi(slash + 1);
		if (c->prefix > max)
			return -1;
	}
	for (i = 0; i < max / 8; i++) {
		bits = c->prefix > i * 8 ? c->prefix - i * 8 : 0;
		if (bits < 8)
			c->addr[i] &= (unsigned char)(0xff00 >> bits);
	}
	return 0;
}

/* config_no_ctl - refuse control characters in a value. */
static int
config_no_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return -1;
		else if (*s == 0x7f)
			return -1;
	return 0;
}

/* config_set_text - CT_STRING, CT_WORD, CT_HOST, CT_MAILBOX, CT_PATH. */
static int
config_set_text(struct config *cfg, const struct config_key *k,
    const char *value, char *why, size_t whysz)
{
	size_t	len = strlen(value);
	char   *copy = NULL, **sp, *at;
	int	rc = -1;

	if ((long long)len > k->max) {
		snprintf(why, whysz, "value longer than %lld bytes", k->max);
		goto out;
	}
	if ((copy = strdup(value)) == NULL) {
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	if (len == 0)
		goto store;
	if (k->type == CT_WORD && strpbrk(copy, " \t,:") != NULL) {
		snprintf(why, whysz, "\"%s\": expected a single name", value);
		goto out;
	}
	if (k->type == CT_HOST && !config_valid_hostname(copy)) {
		snprintf(why, whysz, "\"%s\": not a host name", value);
		goto out;
	}
	if (k->type == CT_MAILBOX && (strpbrk(copy, " \t<>") != NULL ||
	    (at = strrchr(copy, '@')) == NULL || at == copy ||
	    !config_valid_hostname(at + 1))) {
		snprintf(why, whysz, "\"%s\": expected an address local@domain",
		    value);
		goto out;
	}
	if (k->type == CT_PATH && copy[0] != '/') {
		snprintf(why, whysz, "\"%s\": not an absolute path", value);
		goto out;
	}
	if (k->check != NULL && k->check(copy, why, whysz) != 0)
		goto out;
store:
	sp = FIELD(cfg, k, char *);
	free(*sp);
	*sp = copy;
	copy = NULL;
	rc = 0;
out:
	free(copy);
	return rc;
}

/* config_set_scalar - CT_BOOL, CT_DURATION, CT_SIZE, CT_UINT, CT_MODE, CT_ENUM. */
static int
config_set_scalar(struct config *cfg, const struct config_key *k,
    const char *value, char *why, size_t whysz)
{
	char	lo[32], hi[32];
	size_t	len = strlen(value);
	long long v = -1;

	switch (k->type) {
	case CT_BOOL:
		if (strcasecmp(value, "yes") == 0 ||
		    strcasecmp(value, "true") == 0 || strcmp(value, "1") == 0)
			v = 1;
		else if (strcasecmp(value, "no") == 0 ||
		    strcasecmp(value, "false") == 0 || strcmp(value, "0") == 0)
			v = 0;
		else {
			snprintf(why, whysz, "bad boolean \"%s\" (yes or no)",
			    value);
			return -1;
		}
		*FIELD(cfg, k, int) = (int)v;
		return 0;
	case CT_DURATION:
		if ((v = parse_duration(value)) < 0) {
			snprintf(why, whysz, "bad duration \"%s\"", value);
			return -1;
		}
		if (v < k->min || v > k->max) {
			config_fmt_duration(lo, sizeof(lo), k->min);
			config_fmt_duration(hi, sizeof(hi), k->max);
			snprintf(why, whysz, "duration \"%s\" out of range "
			    "(%s to %s)", value, lo, hi);
			return -1;
		}
		*FIELD(cfg, k, time_t) = (time_t)v;
		return 0;
	case CT_SIZE:
		if ((v = parse_size(value)) < 0) {
			snprintf(why, whysz, "bad size \"%s\"", value);
			return -1;
		}
		if (v < k->min || v > k->max) {
			config_fmt_size(lo, sizeof(lo), (unsigned long long)k->min);
			config_fmt_size(hi, sizeof(hi), (unsigned long long)k->max);
			snprintf(why, whysz, "size \"%s\" out of range "
			    "(%s to %s)", value, lo, hi);
			return -1;
		}
		*FIELD(cfg, k, uint64_t) = (uint64_t)v;
		return 0;
	case CT_UINT:
		if (len > 0 && len <= 10 && strspn(value, "0123456789") == len)
			v = strtoll(value, NULL, 10);
		if (v < k->min || v > k->max) {
			snprintf(why, whysz, "bad number \"%s\" (%lld to %lld)",
			    value, k->min, k->max);
			return -1;
		}
		*FIELD(cfg, k, unsigned int) = (unsigned int)v;
		return 0;
	case CT_MODE:
		if (len > 0 && len <= 4 && strspn(value, "01234567") == len)
			v = strtoll(value, NULL, 8);
		if (v < k->min || v > k->max) {
			snprintf(why, whysz, "bad octal mode \"%s\" (0000 to "
			    "0777)", value);
			return -1;
		}
		*FIELD(cfg, k, unsigned int) = (unsigned int)v;
		return 0;
	case CT_ENUM:
		if ((v = k->eparse(value)) < 0) {
			snprintf(why, whysz, "unknown value \"%s\"", value);
			return -1;
		}
		*FIELD(cfg, k, int) = (int)v;
		return 0;
	default:
		panic("config_set_scalar: %s has type %d", k->name, k->type);
	}
}

/* config_set_list - CT_LIST: checked words; the first occurrence replaces. */
static int
config_set_list(struct config *cfg, const struct config_key *k,
    const char *value, int first, char *why, size_t whysz)
{
	struct strlist words = { 0, NULL }, *sl;
	size_t	i;
	int	rc = -1;

	if (config_split(value, 1, &words) != 0)
		goto nomem;
	for (i = 0; i < words.n; i++)
		if (k->check != NULL && k->check(words.v[i], why, whysz) != 0)
			goto out;
	sl = FIELD(cfg, k, struct strlist);
	if (first)
		strlist_clear(sl);
	for (i = 0; i < words.n; i++)
		if (strlist_add(sl, words.v[i], strlen(words.v[i])) != 0)
			goto nomem;
	rc = 0;
	goto out;
nomem:
	snprintf(why, whysz, "out of memory");
out:
	strlist_clear(&words);
	return rc;
}

/* config_set_cidr - CT_CIDR: networks; the first occurrence replaces. */
static int
config_set_cidr(struct config *cfg, const char *value, int first, char *why,
    size_t whysz)
{
	struct strlist words = { 0, NULL };
	struct cidr c, *nc;
	size_t	i;
	int	rc = -1;

	if (config_split(value, 1, &words) != 0)
		goto nomem;
	for (i = 0; i < words.n; i++) {
		if (config_parse_cidr(words.v[i], &c) != 0) {
			snprintf(why, whysz, "\"%s\": expected an address or "
			    "ADDRESS/PREFIX", words.v[i]);
			goto out;
		}
	}
	if (first) {
		free(cfg->internal_hosts);
		cfg->internal_hosts = NULL;
		cfg->ninternal_hosts = 0;
	}
	for (i = 0; i < words.n; i++) {
		(void)config_parse_cidr(words.v[i], &c);
		nc = realloc(cfg->internal_hosts,
		    (cfg->ninternal_hosts + 1) * sizeof(*nc));
		if (nc == NULL)
			goto nomem;
		nc[cfg->ninternal_hosts++] = c;
		cfg->internal_hosts = nc;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(why, whysz, "out of memory");
out:
	strlist_clear(&words);
	return rc;
}

/*
 * config_set_command - CT_COMMAND replaces its one command; CT_ARGVLIST
 * adds a command (the first occurrence replaces the default list).
 */
static int
config_set_command(struct config *cfg, const struct config_key *k,
    const char *value, int first, char *why, size_t whysz)
{
	struct strlist words = { 0, NULL }, *sl, *nv;
	struct argvlist *al;
	const char *c;
	size_t	i;
	int	rc = -1;

	if (config_split(value, 0, &words) != 0)
		goto nomem;
	if (words.n == 0) {
		snprintf(why, whysz, "empty command");
		goto out;
	}
	if (words.v[0][0] != '/') {
		snprintf(why, whysz, "\"%s\": the command must be an absolute "
		    "path", words.v[0]);
		goto out;
	}
	if (k->type == CT_COMMAND) {
		sl = FIELD(cfg, k, struct strlist);
		strlist_clear(sl);
		*sl = words;
		words.n = 0;
		words.v = NULL;
		rc = 0;
		goto out;
	}
	/* Only {queue_id} may appear in braces. */
	for (i = 0; i < words.n; i++) {
		for (c = words.v[i]; *c != '\0'; c++) {
			if (strncmp(c, "{queue_id}", 10) == 0) {
				c += 9;
				continue;
			}
			if (*c == '{' || *c == '}') {
				snprintf(why, whysz, "\"%s\": unknown "
				    "placeholder (only {queue_id})",
				    words.v[i]);
				goto out;
			}
		}
	}
	al = FIELD(cfg, k, struct argvlist);
	if (first)
		argvlist_clear(al);
	if ((nv = realloc(al->v, (al->n + 1) * sizeof(*nv))) == NULL)
		goto nomem;
	al->v = nv;
	al->v[al->n++] = words;
	words.n = 0;
	words.v = NULL;
	rc = 0;
	goto out;
nomem:
	snprintf(why, whysz, "out of memory");
out:
	strlist_clear(&words);
	return rc;
}

/*
 * config_set - apply one occurrence of key k with value to cfg. first says
 * whether this is the first occurrence (a repeating key then replaces its
 * list). Returns 0, or -1 with the reason in why.
 */
static int
config_set(struct config *cfg, const struct config_key *k, const char *value,
    int first, char *why, size_t whysz)
{
	if (value[0] == '\0' && (k->flags & CK_NOEMPTY)) {
		snprintf(why, whysz, "empty value");
		return -1;
	}
	switch (k->type) {
	case CT_STRING:
	case CT_WORD:
	case CT_HOST:
	case CT_MAILBOX:
	case CT_PATH:
		return config_set_text(cfg, k, value, why, whysz);
	case CT_LIST:
		return config_set_list(cfg, k, value, first, why, whysz);
	case CT_CIDR:
		return config_set_cidr(cfg, value, first, why, whysz);
	case CT_COMMAND:
	case CT_ARGVLIST:
		return config_set_command(cfg, k, value, first, why, whysz);
	default:
		return config_set_scalar(cfg, k, value, why, whysz);
	}
}

/* config_apply_default - set key k to its built-in default. */
static int
config_apply_default(struct config *cfg, const struct config_key *k)
{
	char	why[256], host[HOSTNAME_MAX + 2], *val = NULL, *line, *nl;
	int	rc = -1, first = 1;

	if (k->flags & CK_HOSTNAME) {
		/* gethostname() need not terminate a truncated name. */
		memset(host, 0, sizeof(host));
		if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0' ||
		    !config_valid_hostname(host))
			snprintf(host, sizeof(host), "localhost");
		val = strdup(host);
	} else
		val = strdup(k->def != NULL ? k->def : "");
	if (val == NULL)
		return -1;
	line = val;
	do {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (config_set(cfg, k, line, first, why, sizeof(why)) != 0) {
			if (strcmp(why, "out of memory") != 0)
				panic("config: default of %s: %s", k->name, why);
			goto out;
		}
		first = 0;
		if (nl != NULL)
			line = nl + 1;
	} while (nl != NULL);
	rc = 0;
out:
	free(val);
	return rc;
}

/* config_defaults - a config holding only the built-in defaults. */
struct config *
config_defaults(void)
{
	struct config *cfg;
	size_t	i;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	for (i = 0; i < NKEYS; i++) {
		if (i > 0 && strcmp(config_keys[i - 1].name,
		    config_keys[i].name) >= 0)
			panic("config: key table out of order at %s",
			    config_keys[i].name);
		if (config_apply_default(cfg, &config_keys[i]) != 0) {
			config_free(cfg);
			return NULL;
		}
	}
	return cfg;
}

/* config_free - release a config and everything it holds. */
void
config_free(struct config *cfg)
{
	const struct config_key *k;
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		k = &config_keys[i];
		switch (k->type) {
		case CT_STRING:
		case CT_WORD:
		case CT_HOST:
		case CT_MAILBOX:
		case CT_PATH:
			free(*FIELD(cfg, k, char *));
			break;
		case CT_LIST:
		case CT_COMMAND:
			strlist_clear(FIELD(cfg, k, struct strlist));
			break;
		case CT_ARGVLIST:
			argvlist_clear(FIELD(cfg, k, struct argvlist));
			break;
		case CT_CIDR:
			free(cfg->internal_hosts);
			break;
		default:
			break;
		}
	}
	free(cfg->path);
	free(cfg);
}

/* config_key_cmp - bsearch comparison of a name against a table row. */
static int
config_key_cmp(const void *name, const void *row)
{
	return strcmp(name, ((const struct config_key *)row)->name);
}

/* config_cross_check - rules that involve more than one key. */
static int
config_cross_check(const struct config *cfg, const char *name,
    const size_t *seen, char *err, size_t errsz)
{
	static const struct {
		const char *key;
		size_t	off;
	} absolute[] = {
		{ "cache_dir", OFF(cache_dir) },
		{ "control_socket", OFF(control_socket) },
	};
	const struct config_key *k;
	char	where[32], missing[128];
	const char *v;
	size_t	i;
	int	nset;

	for (i = 0; i < sizeof(absolute) / sizeof(absolute[0]); i++) {
		v = *(char *const *)(const void *)((const char *)cfg +
		    absolute[i].off);
		if (v == NULL || v[0] != '/') {
			k = bsearch(absolute[i].key, config_keys, NKEYS,
			    sizeof(config_keys[0]), config_key_cmp);
			where[0] = '\0';
			if (k != NULL && seen[k - config_keys] != 0)
				snprintf(where, sizeof(where), ":%zu",
				    seen[k - config_keys]);
			snprintf(err, errsz, "%s%s: %s must be an absolute path",
			    name, where, absolute[i].key);
			return -1;
		}
	}

	if (cfg->tlsrpt_enable) {
		missing[0] = '\0';
		if (cfg->tlsrpt_org_name[0] == '\0')
			strcat(missing, ", tlsrpt_org_name");
		if (cfg->tlsrpt_contact[0] == '\0')
			strcat(missing, ", tlsrpt_contact");
		if (cfg->tlsrpt_from[0] == '\0')
			strcat(missing, ", tlsrpt_from");
		if (missing[0] != '\0') {
			k = bsearch("tlsrpt_enable", config_keys, NKEYS,
			    sizeof(config_keys[0]), config_key_cmp);
			where[0] = '\0';
			if (k != NULL && seen[k - config_keys] != 0)
				snprintf(where, sizeof(where), ":%zu",
				    seen[k - config_keys]);
			snprintf(err, errsz, "%s%s: tlsrpt_enable = yes "
			    "requires %s", name, where, missing + 2);
			return -1;
		}
	}

	nset = (cfg->tlsrpt_dkim_domain[0] != '\0') +
	    (cfg->tlsrpt_dkim_selector[0] != '\0') +
	    (cfg->tlsrpt_dkim_key[0] != '\0');
	if (nset != 0 && nset != 3) {
		snprintf(err, errsz, "%s: tlsrpt_dkim_domain, "
		    "tlsrpt_dkim_selector and tlsrpt_dkim_key must be set "
		    "together", name);
		return -1;
	}
	return 0;
}

/*
 * config_parse_line - parse one line (NUL-terminated, no newline) into
 * cfg. seen[] holds the line where each key was first set.
 */
static int
config_parse_line(struct config *cfg, char *line, size_t lineno,
    size_t *seen, char *why, size_t whysz)
{
	const struct config_key *k;
	char   *p = line, *key, *value, *end, sub[256];
	size_t	idx;

	while (config_is_ws((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	key = p;
	while (*p != '\0' && *p != '=' && !config_is_ws((unsigned char)*p))
		p++;
	end = p;
	while (config_is_ws((unsigned char)*p))
		p++;
	if (*p != '=' || end == key) {
		snprintf(why, whysz, "expected \"key = value\"");
		return -1;
	}
	*end = '\0';
	value = p + 1;

	/* A '#' at the start of the value or after white space: a comment. */
	for (p = value; *p != '\0'; p++)
		if (*p == '#' && (p == value ||
		    config_is_ws((unsigned char)p[-1])))
			break;
	*p = '\0';
	while (config_is_ws((unsigned char)*value))
		value++;
	end = value + strlen(value);
	while (end > value && config_is_ws((unsigned char)end[-1]))
		*--end = '\0';

	if (config_no_ctl(key) != 0) {
		snprintf(why, whysz, "control character in key");
		return -1;
	}
	k = bsearch(key, config_keys, NKEYS, sizeof(config_keys[0]),
	    config_key_cmp);
	if (k == NULL) {
		snprintf(why, whysz, "unknown key \"%.100s\"", key);
		return -1;
	}
	idx = (size_t)(k - config_keys);
	if (seen[idx] != 0 && !(k->flags & CK_REPEAT)) {
		snprintf(why, whysz, "%s: duplicate key (first set on line "
		    "%zu)", k->name, seen[idx]);
		return -1;
	}
	if (config_no_ctl(value) != 0) {
		snprintf(why, whysz, "%s: control character in value",
		    k->name);
		return -1;
	}
	if (config_set(cfg, k, value, seen[idx] == 0, sub, sizeof(sub)) != 0) {
		snprintf(why, whysz, "%s: %s", k->name, sub);
		return -1;
	}
	if (seen[idx] == 0)
		seen[idx] = lineno;
	return 0;
}

/* config_parse_buf - parse an in-memory file into a new config. */
struct config *
config_parse_buf(const char *name, const char *buf, size_t len, char *err,
    size_t errsz)
{
	struct config *cfg = NULL;
	char	line[CONFIG_LINE_MAX + 1], why[512];
	size_t	seen[NKEYS], pos = 0, lineno = 0, llen;
	const char *eol;

	if (name == NULL)
		name = "(config)";
	memset(seen, 0, sizeof(seen));
	if ((cfg = config_defaults()) == NULL ||
	    (cfg->path = strdup(name)) == NULL) {
		snprintf(err, errsz, "%s: out of memory", name);
		goto fail;
	}
	if (len > CONFIG_FILE_MAX) {
		snprintf(err, errsz, "%s: file larger than %d bytes", name,
		    CONFIG_FILE_MAX);
		goto fail;
	}
	while (pos < len) {
		lineno++;
		eol = memchr(buf + pos, '\n', len - pos);
		llen = eol != NULL ? (size_t)(eol - (buf + pos)) : len - pos;
		if (memchr(buf + pos, '\0', llen) != NULL) {
			snprintf(err, errsz, "%s:%zu: NUL byte in line", name,
			    lineno);
			goto fail;
		}
		if (llen > CONFIG_LINE_MAX) {
			snprintf(err, errsz, "%s:%zu: line longer than %d bytes",
			    name, lineno, CONFIG_LINE_MAX);
			goto fail;
		}
		memcpy(line, buf + pos, llen);
		line[llen] = '\0';
		pos += llen + (eol != NULL ? 1 : 0);
		if (config_parse_line(cfg, line, lineno, seen, why,
		    sizeof(why)) != 0) {
			snprintf(err, errsz, "%s:%zu: %s", name, lineno, why);
			goto fail;
		}
	}
	if (config_cross_check(cfg, name, seen, err, errsz) != 0)
		goto fail;
	return cfg;
fail:
	config_free(cfg);
	return NULL;
}

/* config_load - read and parse a file; NULL path means the default path. */
struct config *
config_load(const char *path, int *used_defaults, char *err, size_t errsz)
{
	struct config *cfg = NULL;
	char   *buf = NULL;
	size_t	len = 0;
	size_t	n;
	FILE   *fp = NULL;
	int	explicit = path != NULL;

	if (used_defaults != NULL)
		*used_defaults = 0;
	if (path == NULL)
		path = CONFIG_DEFAULT_PATH;
	if ((fp = fopen(path, "r")) == NULL) {
		if (!explicit && errno == ENOENT) {
			if ((cfg = config_defaults()) == NULL)
				snprintf(err, errsz, "out of memory");
			else if (used_defaults != NULL)
				*used_defaults = 1;
			goto out;
		}
		snprintf(err, errsz, "cannot open %s: %s", path,
		    strerror(errno));
		goto out;
	}
	/* Read one byte past the limit, so an oversize file is noticed. */
	if ((buf = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto out;
	}
	while (len < CONFIG_FILE_MAX + 1) {
		n = fread(buf + len, 1, CONFIG_FILE_MAX + 1 - len, fp);
		if (n == 0)
			break;
		len += n;
	}
	if (ferror(fp)) {
		snprintf(err, errsz, "cannot read %s: %s", path,
		    strerror(errno));
		goto out;
	}
	cfg = config_parse_buf(path, buf, len, err, errsz);
out:
	if (fp != NULL)
		fclose(fp);
	free(buf);
	return cfg;
}

/* config_dump - write every key = value (effective values) to a FILE *. */
void
config_dump(const struct config *cfg, void *fparg)
{
	const struct config_key *k;
	const struct strlist *sl;
	const struct argvlist *al;
	FILE   *fp = fparg;
	char	buf[64], addr[INET6_ADDRSTRLEN];
	const char *s;
	size_t	i, j, w, col;

	for (i = 0; i < NKEYS; i++) {
		k = &config_keys[i];
		switch (k->type) {
		case CT_STRING:
		case CT_WORD:
		case CT_HOST:
		case CT_MAILBOX:
		case CT_PATH:
			s = *FIELD(cfg, k, char *const);
			if (s == NULL || *s == '\0')
				fprintf(fp, "%s =\n", k->name);
			else
				fprintf(fp, "%s = %s\n", k->name, s);
			break;
		case CT_BOOL:
			fprintf(fp, "%s = %s\n", k->name,
			    *FIELD(cfg, k, const int) ? "yes" : "no");
			break;
		case CT_DURATION:
			config_fmt_duration(buf, sizeof(buf),
			    (long long)*FIELD(cfg, k, const time_t));
			fprintf(fp, "%s = %s\n", k->name, buf);
			break;
		case CT_SIZE:
			config_fmt_size(buf, sizeof(buf),
			    (unsigned long long)*FIELD(cfg, k, const uint64_t));
			fprintf(fp, "%s = %s\n", k->name, buf);
			break;
		case CT_UINT:
			fprintf(fp, "%s = %u\n", k->name,
			    *FIELD(cfg, k, const unsigned int));
			break;
		case CT_MODE:
			fprintf(fp, "%s = %04o\n", k->name,
			    *FIELD(cfg, k, const unsigned int));
			break;
		case CT_ENUM:
			fprintf(fp, "%s = %s\n", k->name,
			    k->ename(*FIELD(cfg, k, const int)));
			break;
		case CT_COMMAND:
			sl = FIELD(cfg, k, const struct strlist);
			fprintf(fp, "%s =", k->name);
			for (j = 0; j < sl->n; j++)
				fprintf(fp, " %s", sl->v[j]);
			fprintf(fp, "\n");
			break;
		case CT_LIST:
			sl = FIELD(cfg, k, const struct strlist);
			col = (size_t)fprintf(fp, "%s =", k->name);
			for (j = 0; j < sl->n; j++) {
				/* Long lists continue on a repeated key. */
				if (j > 0 && col + 1 + strlen(sl->v[j]) >
				    CONFIG_DUMP_WIDTH)
					col = (size_t)fprintf(fp, "\n%s =",
					    k->name) - 1;
				col += (size_t)fprintf(fp, " %s", sl->v[j]);
			}
			fprintf(fp, "\n");
			break;
		case CT_CIDR:
			col = (size_t)fprintf(fp, "%s =", k->name);
			for (j = 0; j < cfg->ninternal_hosts; j++) {
				const struct cidr *c = &cfg->internal_hosts[j];

				if (inet_ntop(c->family, c->addr, addr,
				    sizeof(addr)) == NULL)
					snprintf(addr, sizeof(addr), "?");
				snprintf(buf, sizeof(buf), "%s/%u", addr,
				    c->prefix);
				if (j > 0 && col + 1 + strlen(buf) >
				    CONFIG_DUMP_WIDTH)
					col = (size_t)fprintf(fp, "\n%s =",
					    k->name) - 1;
				col += (size_t)fprintf(fp, " %s", buf);
			}
			fprintf(fp, "\n");
			break;
		case CT_ARGVLIST:
			al = FIELD(cfg, k, const struct argvlist);
			for (j = 0; j < al->n; j++) {
				sl = &al->v[j];
				fprintf(fp, "%s =", k->name);
				for (w = 0; w < sl->n; w++)
					fprintf(fp, " %s", sl->v[w]);
				fprintf(fp, "\n");
			}
			break;
		}
	}
}

/* config_cidr_match - does addr (16 or 4 bytes) lie in c? */
static int
config_cidr_match(const struct cidr *c, const unsigned char *addr)
{
	unsigned int full = c->prefix / 8, rest = c->prefix % 8;
	unsigned char mask;

	if (memcmp(c->addr, addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff00 >> rest);
	return (c->addr[full] & mask) == (addr[full] & mask);
}

/* config_internal_host - is the client address in internal_hosts? */
int
config_internal_host(const struct config *cfg, int family, const void *addr)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	const unsigned char *a = addr, *a4 = NULL;
	size_t	i;

	if (family == AF_INET)
		a4 = a;
	else if (family == AF_INET6 && memcmp(a, mapped, sizeof(mapped)) == 0)
		a4 = a + 12;
	else if (family != AF_INET6)
		return 0;
	for (i = 0; i < cfg->ninternal_hosts; i++) {
		const struct cidr *c = &cfg->internal_hosts[i];

		if (c->family == AF_INET && a4 != NULL &&
		    config_cidr_match(c, a4))
			return 1;
		if (c->family == AF_INET6 && family == AF_INET6 &&
		    config_cidr_match(c, a))
			return 1;
	}
	return 0;
}

/* config_argv_free - release what config_argv_expand returned. */
void
config_argv_free(char **argv)
{
	size_t	i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* config_argv_expand - an argv with {queue_id} replaced in every word. */
char **
config_argv_expand(const struct strlist *tmpl, const char *queue_id)
{
	static const char ph[] = "{queue_id}";
	const size_t phlen = sizeof(ph) - 1;
	const char *src, *hit;
	char  **argv = NULL, *dst;
	size_t	i, qlen, count, need;

	qlen = strlen(queue_id);
	if (qlen == 0 || qlen > QUEUE_ID_MAX ||
	    strspn(queue_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789") != qlen) {
		errno = EINVAL;
		return NULL;
	}
	if ((argv = calloc(tmpl->n + 1, sizeof(*argv))) == NULL)
		return NULL;
	for (i = 0; i < tmpl->n; i++) {
		count = 0;
		for (src = tmpl->v[i]; (hit = strstr(src, ph)) != NULL;
		    src = hit + phlen)
			count++;
		need = strlen(tmpl->v[i]) + count * qlen + 1;
		if ((argv[i] = malloc(need)) == NULL) {
			config_argv_free(argv);
			errno = ENOMEM;
			return NULL;
		}
		dst = argv[i];
		for (src = tmpl->v[i]; (hit = strstr(src, ph)) != NULL;
		    src = hit + phlen) {
			memcpy(dst, src, (size_t)(hit - src));
			dst += hit - src;
			memcpy(dst, queue_id, qlen);
			dst += qlen;
		}
		memcpy(dst, src, strlen(src) + 1);
	}
	return argv;
}
