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
 *	The module's parts: this file (the key table, loading and parsing,
 *	the checks across keys), config_value.c (the grammar of values),
 *	config_set.c (storing values), config_cidr.c
 *	(internal_hosts), config_argv.c (command templates).
 *
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
#include "config_int.h"
#include "log.h"



/* The keys of DESIGN §3, in strcmp() order (bsearch relies on it). */
static const struct config_key config_keys[] = {
	{ "allow_private_addresses", CT_BOOL, "no", 0, 1,
	    OFF(allow_private_addresses), 0, NULL, NULL, NULL },
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
	{ "dane", CT_ENUM, "auto", 0, 0,
	    OFF(dane), 0, NULL, config_dane_parse, config_dane_name },
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
	{ "match_mx_names", CT_BOOL, "yes", 0, 1,
	    OFF(match_mx_names), 0, NULL, NULL, NULL },
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
