/*
 * config_test.c - mtasts.conf parsing (DESIGN §3): every key with a good and
 * a bad value, every default, errors naming FILE:LINE, list and repeat
 * semantics, release_command replacement, cross-key checks, loading files.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "tap.h"

/* Lines that make the cross-checks pass when a case needs them. */
#define TLSRPT_ID "tlsrpt_org_name = Example Org\n" \
	"tlsrpt_contact = tlsrpt@example.org\n" \
	"tlsrpt_from = reports@example.org\n"
#define DKIM_ALL "tlsrpt_dkim_domain = example.org\n" \
	"tlsrpt_dkim_selector = s1\n" \
	"tlsrpt_dkim_key = /etc/mtasts/dkim.key\n"

/* dump_of - config_dump output as a malloc'd string. */
static char *
dump_of(const struct config *cfg)
{
	char   *buf = NULL;
	size_t	len = 0;
	FILE   *fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return NULL;
	config_dump(cfg, fp);
	fclose(fp);
	return buf;
}

/* dump_line - the "key = ..." line(s) of key in a dump, joined by '|'. */
static char *
dump_line(const struct config *cfg, const char *key)
{
	char   *d = dump_of(cfg), *out, *p, *nl;
	size_t	klen = strlen(key), olen = 0;

	if (d == NULL || (out = calloc(1, strlen(d) + 1)) == NULL) {
		free(d);
		return NULL;
	}
	for (p = d; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = '\0';
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			if (olen > 0)
				out[olen++] = '|';
			strcpy(out + olen, p);
			olen += strlen(p);
		}
	}
	free(d);
	return out;
}

/* parse - config_parse_buf on a C string named "mtasts.conf". */
static struct config *
parse(const char *text, char *err, size_t errsz)
{
	err[0] = '\0';
	return config_parse_buf("mtasts.conf", text, strlen(text), err, errsz);
}

/* The defaults of DESIGN §3 exactly as config_dump writes them. */
static const char *const default_lines[] = {
	"allow_private_addresses = no",
	"cache_dir = /var/db/mtasts",
	"cache_max_size = 1G",
	"control_groups =",
	"control_max_connections = 64",
	"control_socket = /var/run/mtasts/control.sock",
	"control_socket_group =",
	"control_socket_mode = 0660",
	"control_users =",
	"dane = auto",
	"dns_forwarder =",
	"dnssec = auto",
	"dnssec_trust_anchor =",
	"fetch_timeout = 20s",
	"group =",
	"hold = yes",
	"hold_max = 4h",
	"hold_max_messages = 10000",
	"internal_hosts = 127.0.0.0/8 ::1/128",
	"local_domains =",
	"log_level = info",
	"lookup_wait = 5s",
	"match_mx_names = yes",
	"milter_socket = unix:/var/run/mtasts/milter.sock",
	"milter_wait = 2s",
	"mx_smtp_port = 25",
	"negative_ttl = 15m",
	"on_policyd_error = accept",
	"pid_file =",
	"policy_https_port = 443",
	NULL,			/* probe_helo: the host name, checked apart */
	"release_command = /usr/sbin/postsuper -H {queue_id}|"
	    "release_command = /usr/sbin/postqueue -i {queue_id}",
	"request_timeout = 10s",
	"require_sni = yes",
	"route_ttl = 1h",
	"send_timeout = 10s",
	"socket_group =",
	"socket_mode = 0660",
	"socketmap_listen = unix:/var/run/mtasts/socketmap.sock",
	"socketmap_max_connections = 1000",
	"strict_testing = no",
	"syslog_facility = mail",
	"tls_ca_file =",
	"tls_ca_path =",
	"tlsrpt_collector_socket =",
	"tlsrpt_contact =",
	"tlsrpt_datagram_limit = 10000",
	"tlsrpt_delay_max = 4h",
	"tlsrpt_dkim_domain =",
	"tlsrpt_dkim_key =",
	"tlsrpt_dkim_selector =",
	"tlsrpt_enable = no",
	"tlsrpt_from =",
	"tlsrpt_org_name =",
	"tlsrpt_sendmail = /usr/sbin/sendmail -i -t",
	"txt_recheck = 10m",
	"user =",
};
#define NDEFAULT (sizeof(default_lines) / sizeof(default_lines[0]))

/* test_defaults - every key's default, by field and by dump. */
static void
test_defaults(void)
{
	struct config *cfg = config_defaults();
	char	host[300], *d, *line, *p, *nl, want[400], *keys[64];
	size_t	i, n = 0;

	if (!ok(cfg != NULL, "config_defaults"))
		return;
	is_str(cfg->path, NULL, "defaults: path is NULL");
	ok(cfg->socketmap_listen.n == 1, "default socketmap_listen: one");
	is_str(cfg->control_socket, "/var/run/mtasts/control.sock",
	    "default control_socket");
	ok(cfg->socket_mode == 0660, "default socket_mode 0660");
	is_str(cfg->socket_group, "", "default socket_group empty");
	is_str(cfg->cache_dir, "/var/db/mtasts", "default cache_dir");
	ok(cfg->cache_max_size == 1024ULL * 1024 * 1024,
	    "default cache_max_size 1G");
	is_str(cfg->user, "", "default user empty");
	is_str(cfg->group, "", "default group empty");
	is_str(cfg->pid_file, "", "default pid_file empty");
	ok(cfg->dns_forwarder.n == 0, "default dns_forwarder empty");
	ok(cfg->dnssec == DNSSEC_AUTO, "default dnssec auto");
	ok(cfg->dane == 1, "default dane auto");
	is_str(cfg->dnssec_trust_anchor, "", "default dnssec_trust_anchor");
	is_str(cfg->tls_ca_file, "", "default tls_ca_file");
	is_str(cfg->tls_ca_path, "", "default tls_ca_path");
	ok(cfg->policy_https_port == 443, "default policy_https_port 443");
	ok(cfg->mx_smtp_port == 25, "default mx_smtp_port 25");
	ok(cfg->fetch_timeout == 20, "default fetch_timeout 20s");
	ok(cfg->lookup_wait == 5, "default lookup_wait 5s");
	ok(cfg->negative_ttl == 900, "default negative_ttl 15m");
	ok(cfg->txt_recheck == 600, "default txt_recheck 10m");
	ok(cfg->strict_testing == 0, "default strict_testing no");
	ok(cfg->require_sni == 1, "default require_sni yes");
	is_str(cfg->milter_socket, "unix:/var/run/mtasts/milter.sock",
	    "default milter_socket");
	ok(cfg->ninternal_hosts == 2 &&
	    cfg->internal_hosts[0].family == AF_INET &&
	    cfg->internal_hosts[0].prefix == 8 &&
	    cfg->internal_hosts[0].addr[0] == 127 &&
	    cfg->internal_hosts[1].family == AF_INET6 &&
	    cfg->internal_hosts[1].prefix == 128 &&
	    cfg->internal_hosts[1].addr[15] == 1,
	    "default internal_hosts 127.0.0.0/8 ::1");
	ok(cfg->local_domains.n == 0, "default local_domains empty");
	ok(cfg->hold == 1, "default hold yes");
	ok(cfg->hold_max == 4 * 3600, "default hold_max 4h");
	ok(cfg->milter_wait == 2, "default milter_wait 2s");
	ok(cfg->on_policyd_error == ON_ERROR_ACCEPT,
	    "default on_policyd_error accept");
	ok(cfg->release_command.n == 2 &&
	    cfg->release_command.v[0].n == 3 &&
	    strcmp(cfg->release_command.v[0].v[0], "/usr/sbin/postsuper") == 0 &&
	    strcmp(cfg->release_command.v[0].v[1], "-H") == 0 &&
	    strcmp(cfg->release_command.v[0].v[2], "{queue_id}") == 0 &&
	    cfg->release_command.v[1].n == 3 &&
	    strcmp(cfg->release_command.v[1].v[0], "/usr/sbin/postqueue") == 0 &&
	    strcmp(cfg->release_command.v[1].v[1], "-i") == 0 &&
	    strcmp(cfg->release_command.v[1].v[2], "{queue_id}") == 0,
	    "default release_command: postsuper -H, then postqueue -i");
	ok(cfg->route_ttl == 3600, "default route_ttl 1h");
	memset(host, 0, sizeof(host));
	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		strcpy(host, "localhost");
	is_str(cfg->probe_helo, host, "default probe_helo is the host name");
	ok(cfg->tlsrpt_enable == 0, "default tlsrpt_enable no");
	is_str(cfg->tlsrpt_org_name, "", "default tlsrpt_org_name");
	is_str(cfg->tlsrpt_contact, "", "default tlsrpt_contact");
	is_str(cfg->tlsrpt_from, "", "default tlsrpt_from");
	is_str(cfg->tlsrpt_collector_socket, "",
	    "default tlsrpt_collector_socket");
	ok(cfg->tlsrpt_sendmail.n == 3 &&
	    strcmp(cfg->tlsrpt_sendmail.v[0], "/usr/sbin/sendmail") == 0 &&
	    strcmp(cfg->tlsrpt_sendmail.v[1], "-i") == 0 &&
	    strcmp(cfg->tlsrpt_sendmail.v[2], "-t") == 0,
	    "default tlsrpt_sendmail /usr/sbin/sendmail -i -t");
	ok(cfg->tlsrpt_delay_max == 4 * 3600, "default tlsrpt_delay_max 4h");
	is_str(cfg->tlsrpt_dkim_domain, "", "default tlsrpt_dkim_domain");
	is_str(cfg->tlsrpt_dkim_selector, "", "default tlsrpt_dkim_selector");
	is_str(cfg->tlsrpt_dkim_key, "", "default tlsrpt_dkim_key");
	ok(cfg->syslog_facility == LOG_MAIL, "default syslog_facility mail");
	ok(cfg->log_level == LOG_LEVEL_INFO, "default log_level info");

	/* The dump lists every key once, alphabetically, with these values. */
	d = dump_of(cfg);
	for (line = d; line != NULL && *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		p = strchr(line, ' ');
		if (p != NULL && n < 64 && (n == 0 ||
		    strncmp(keys[n - 1], line, (size_t)(p - line)) != 0 ||
		    keys[n - 1][p - line] != ' '))
			keys[n++] = line;
	}
	ok(n == NDEFAULT, "dump names %zu keys (want %zu)", n, NDEFAULT);
	for (i = 1; i < n; i++) {
		size_t	a = strcspn(keys[i - 1], " "), b = strcspn(keys[i], " ");
		char	ka[64], kb[64];

		snprintf(ka, sizeof(ka), "%.*s", (int)a, keys[i - 1]);
		snprintf(kb, sizeof(kb), "%.*s", (int)b, keys[i]);
		if (strcmp(ka, kb) >= 0)
			break;
	}
	ok(n > 0 && i == n, "dump is in alphabetical key order");
	free(d);
	for (i = 0; i < NDEFAULT; i++) {
		char   *got, key[64];

		if (default_lines[i] == NULL) {
			snprintf(want, sizeof(want), "probe_helo = %s", host);
			strcpy(key, "probe_helo");
		} else {
			snprintf(want, sizeof(want), "%s", default_lines[i]);
			snprintf(key, sizeof(key), "%.*s",
			    (int)strcspn(want, " "), want);
		}
		got = dump_line(cfg, key);
		is_str(got, want, key);
		free(got);
	}
	config_free(cfg);
}

struct key_case {
	const char *key;
	const char *good;	/* value to set */
	const char *dumped;	/* how config_dump writes it back */
	const char *bad;	/* a value that must be refused */
	const char *why;	/* expected error after "mtasts.conf:N: key: " */
	const char *extra;	/* lines appended so cross-checks pass */
};

static const struct key_case key_cases[] = {
	{ "cache_dir", "/srv/mtasts/db", "/srv/mtasts/db", "var/db",
	    "\"var/db\": not an absolute path", NULL },
	{ "cache_max_size", "512M", "512M", "1T", "bad size \"1T\"", NULL },
	{ "control_groups", "wheel, mtasts-admin", "wheel mtasts-admin",
	    "adm:in", "\"adm:in\": not a user or group name", NULL },
	{ "control_max_connections", "16", "16", "0",
	    "bad number \"0\" (1 to 4096)", NULL },
	{ "control_socket", "/run/mtasts/ctl", "/run/mtasts/ctl", "ctl.sock",
	    "\"ctl.sock\": not an absolute path", NULL },
	{ "control_socket_group", "mtasts-admin", "mtasts-admin", "a b",
	    "\"a b\": expected a single name", NULL },
	{ "control_socket_mode", "0600", "0600", "0800",
	    "bad octal mode \"0800\" (0000 to 0777)", NULL },
	{ "control_users", "alice _bob", "alice _bob", "-rf",
	    "\"-rf\": not a user or group name", NULL },
	{ "dane", "NO", "no", "yes", "unknown value \"yes\"", NULL },
	{ "dns_forwarder", "127.0.0.53@5353, ::1", "127.0.0.53@5353 ::1",
	    "127.0.0.256", "\"127.0.0.256\": expected an IP address, "
	    "optionally followed by @PORT", NULL },
	{ "dnssec", "no", "no", "maybe", "unknown value \"maybe\"", NULL },
	{ "dnssec_trust_anchor", "/var/lib/unbound/root.key",
	    "/var/lib/unbound/root.key", "root.key",
	    "\"root.key\": not an absolute path", NULL },
	{ "fetch_timeout", "1m", "1m", "5x", "bad duration \"5x\"", NULL },
	{ "group", "mtasts", "mtasts", "mta sts",
	    "\"mta sts\": expected a single name", NULL },
	{ "hold", "false", "no", "perhaps",
	    "bad boolean \"perhaps\" (yes or no)", NULL },
	{ "hold_max", "2d", "2d", "-4h", "bad duration \"-4h\"", NULL },
	{ "hold_max_messages", "500", "500", "0",
	    "bad number \"0\" (1 to 10000000)", NULL },
	{ "internal_hosts", "10.0.0.0/8 2001:db8::/32",
	    "10.0.0.0/8 2001:db8::/32", "10.0.0.0/33",
	    "\"10.0.0.0/33\": expected an address or ADDRESS/PREFIX", NULL },
	{ "local_domains", "Example.COM, example.net.",
	    "example.com example.net", "exa_mple.com",
	    "\"exa_mple.com\": not a domain name", NULL },
	{ "log_level", "debug", "debug", "loud", "unknown value \"loud\"",
	    NULL },
	{ "lookup_wait", "45", "45s", "2m",
	    "duration \"2m\" out of range (0s to 1m)", NULL },
	{ "milter_socket", "inet:10025@127.0.0.1", "inet:10025@127.0.0.1",
	    "/var/run/milter.sock", "\"/var/run/milter.sock\": expected "
	    "unix:PATH, local:PATH, inet:PORT@HOST or inet6:PORT@HOST", NULL },
	{ "milter_wait", "30", "30s", "1h",
	    "duration \"1h\" out of range (0s to 1m)", NULL },
	{ "mx_smtp_port", "2525", "2525", "0", "bad number \"0\" (1 to 65535)",
	    NULL },
	{ "negative_ttl", "1h", "1h", "15 m", "bad duration \"15 m\"", NULL },
	{ "on_policyd_error", "tempfail", "tempfail", "reject",
	    "unknown value \"reject\"", NULL },
	{ "pid_file", "/var/run/mtasts/policyd.pid",
	    "/var/run/mtasts/policyd.pid", "policyd.pid",
	    "\"policyd.pid\": not an absolute path", NULL },
	{ "allow_private_addresses", "yes", "yes", "perhaps",
	    "bad boolean \"perhaps\" (yes or no)", NULL },
	{ "policy_https_port", "8443", "8443", "65536",
	    "bad number \"65536\" (1 to 65535)", NULL },
	{ "probe_helo", "mx-out.example.org", "mx-out.example.org",
	    "bad_name", "\"bad_name\": not a host name", NULL },
	{ "release_command", "/usr/sbin/sendmail -Q -qI{queue_id}",
	    "/usr/sbin/sendmail -Q -qI{queue_id}", "sendmail -qI{queue_id}",
	    "\"sendmail\": the command must be an absolute path", NULL },
	{ "request_timeout", "1", "1s", "11m",
	    "duration \"11m\" out of range (1s to 10m)", NULL },
	{ "match_mx_names", "no", "no", "2",
	    "bad boolean \"2\" (yes or no)", NULL },
	{ "require_sni", "0", "no", "2", "bad boolean \"2\" (yes or no)",
	    NULL },
	{ "route_ttl", "3600", "1h", "1w", "bad duration \"1w\"", NULL },
	{ "send_timeout", "30", "30s", "0",
	    "duration \"0\" out of range (1s to 10m)", NULL },
	{ "socket_group", "postfix", "postfix", "post,fix",
	    "\"post,fix\": expected a single name", NULL },
	{ "socket_mode", "0600", "0600", "0888",
	    "bad octal mode \"0888\" (0000 to 0777)", NULL },
	{ "socketmap_listen", "inet:[::1]:8461", "inet:[::1]:8461",
	    "inet:127.0.0.1", "\"inet:127.0.0.1\": missing or bad port "
	    "(inet:HOST:PORT, 1-65535)", NULL },
	{ "socketmap_max_connections", "200", "200", "65537",
	    "bad number \"65537\" (1 to 65536)", NULL },
	{ "strict_testing", "TRUE", "yes", "on", "bad boolean \"on\" "
	    "(yes or no)", NULL },
	{ "syslog_facility", "local3", "local3", "kern",
	    "unknown value \"kern\"", NULL },
	{ "tls_ca_file", "/etc/ssl/certs/ca.pem", "/etc/ssl/certs/ca.pem",
	    "ca.pem", "\"ca.pem\": not an absolute path", NULL },
	{ "tls_ca_path", "/etc/ssl/certs", "/etc/ssl/certs", "certs",
	    "\"certs\": not an absolute path", NULL },
	{ "tlsrpt_collector_socket", "/var/spool/postfix/tlsrpt.sock",
	    "/var/spool/postfix/tlsrpt.sock", "tlsrpt.sock",
	    "\"tlsrpt.sock\": not an absolute path", NULL },
	{ "tlsrpt_contact", "tls-reports@example.org",
	    "tls-reports@example.org", "example.org",
	    "\"example.org\": expected an address local@domain", NULL },
	{ "tlsrpt_datagram_limit", "500", "500", "10000001",
	    "bad number \"10000001\" (0 to 10000000)", NULL },
	{ "tlsrpt_delay_max", "30m", "30m", "2d",
	    "duration \"2d\" out of range (0s to 1d)", NULL },
	{ "tlsrpt_dkim_domain", "example.org", "example.org", "-example.org",
	    "\"-example.org\": not a host name",
	    "tlsrpt_dkim_selector = s\ntlsrpt_dkim_key = /k\n" },
	{ "tlsrpt_dkim_key", "/etc/mtasts/k.pem", "/etc/mtasts/k.pem",
	    "k.pem", "\"k.pem\": not an absolute path",
	    "tlsrpt_dkim_selector = s\ntlsrpt_dkim_domain = example.org\n" },
	{ "tlsrpt_dkim_selector", "sel2024", "sel2024", "sel 2024",
	    "\"sel 2024\": not a host name",
	    "tlsrpt_dkim_domain = example.org\ntlsrpt_dkim_key = /k\n" },
	{ "tlsrpt_enable", "yes", "yes", "sometimes",
	    "bad boolean \"sometimes\" (yes or no)", TLSRPT_ID },
	{ "tlsrpt_from", "MAILER-DAEMON@example.org",
	    "MAILER-DAEMON@example.org", "Reports <r@example.org>",
	    "\"Reports <r@example.org>\": expected an address local@domain",
	    NULL },
	{ "tlsrpt_org_name", "Example Org, Inc.", "Example Org, Inc.",
	    "Example\001Org", "control character in value", NULL },
	{ "tlsrpt_sendmail", "/usr/local/sbin/sendmail -i -t -f tlsrpt",
	    "/usr/local/sbin/sendmail -i -t -f tlsrpt", "sendmail -t",
	    "\"sendmail\": the command must be an absolute path", NULL },
	{ "txt_recheck", "0", "0s", "", "bad duration \"\"", NULL },
	{ "user", "_mtasts", "_mtasts", "a:b",
	    "\"a:b\": expected a single name", NULL },
};
#define NKEYCASES (sizeof(key_cases) / sizeof(key_cases[0]))

/* test_keys - every key accepts a good value and refuses a bad one. */
static void
test_keys(void)
{
	const struct key_case *c;
	struct config *cfg;
	char	text[1024], err[512], want[1024], *got;
	size_t	i;

	ok(NKEYCASES == NDEFAULT, "a good/bad case for each of the %zu keys",
	    NDEFAULT);
	for (i = 0; i < NKEYCASES; i++) {
		c = &key_cases[i];
		snprintf(text, sizeof(text), "# case %zu\n%s = %s\n%s", i,
		    c->key, c->good, c->extra != NULL ? c->extra : "");
		cfg = parse(text, err, sizeof(err));
		if (!ok(cfg != NULL, "%s = %s accepted", c->key, c->good))
			diag("  error: %s", err);
		if (cfg != NULL && c->dumped != NULL) {
			snprintf(want, sizeof(want), "%s = %s", c->key,
			    c->dumped);
			got = dump_line(cfg, c->key);
			is_str(got, want, "  and dumped back");
			free(got);
		}
		config_free(cfg);

		snprintf(text, sizeof(text), "\n\n%s = %s\n%s", c->key, c->bad,
		    c->extra != NULL ? c->extra : "");
		cfg = parse(text, err, sizeof(err));
		ok(cfg == NULL, "%s = %s refused", c->key, c->bad);
		snprintf(want, sizeof(want), "mtasts.conf:3: %s: %s", c->key,
		    c->why);
		is_str(err, want, "  with FILE:LINE: key: reason");
		config_free(cfg);
	}
}

struct value_case {
	const char *text;
	const char *key;	/* dump_line of this key ... */
	const char *want;	/* ... must equal this, or NULL: refused */
};

/* Values at the edges of each type. */
static const struct value_case value_cases[] = {
	/* booleans */
	{ "hold = Yes", "hold", "hold = yes" },
	{ "hold = 1", "hold", "hold = yes" },
	{ "hold = NO", "hold", "hold = no" },
	{ "hold = true", "hold", "hold = yes" },
	{ "hold = yess", "hold", NULL },
	{ "hold =", "hold", NULL },
	/* durations: s m h d, bare seconds, range, overflow */
	{ "fetch_timeout = 45", "fetch_timeout", "fetch_timeout = 45s" },
	{ "fetch_timeout = 45s", "fetch_timeout", "fetch_timeout = 45s" },
	{ "fetch_timeout = 120s", "fetch_timeout", "fetch_timeout = 2m" },
	{ "fetch_timeout = 1h", "fetch_timeout", "fetch_timeout = 1h" },
	{ "fetch_timeout = 0", "fetch_timeout", NULL },
	{ "fetch_timeout = 2h", "fetch_timeout", NULL },
	{ "fetch_timeout = 1.5s", "fetch_timeout", NULL },
	{ "fetch_timeout = 10S", "fetch_timeout", NULL },
	{ "fetch_timeout = s", "fetch_timeout", NULL },
	{ "negative_ttl = 1d", "negative_ttl", "negative_ttl = 1d" },
	{ "negative_ttl = 99999999999999999999d", "negative_ttl", NULL },
	{ "negative_ttl = 9223372036854775807d", "negative_ttl", NULL },
	{ "negative_ttl = 31d", "negative_ttl", NULL },
	{ "lookup_wait = 0", "lookup_wait", "lookup_wait = 0s" },
	/* sizes: k M G, overflow, bounds */
	{ "cache_max_size = 2048k", "cache_max_size", "cache_max_size = 2M" },
	{ "cache_max_size = 1048576", "cache_max_size",
	    "cache_max_size = 1M" },
	{ "cache_max_size = 1048577", "cache_max_size",
	    "cache_max_size = 1048577" },
	{ "cache_max_size = 16G", "cache_max_size", "cache_max_size = 16G" },
	{ "cache_max_size = 64k", "cache_max_size", NULL },
	{ "cache_max_size = 9999999999999G", "cache_max_size", NULL },
	{ "cache_max_size = 1 G", "cache_max_size", NULL },
	{ "cache_max_size = 1g", "cache_max_size", NULL },
	/* ports */
	{ "mx_smtp_port = 1", "mx_smtp_port", "mx_smtp_port = 1" },
	{ "mx_smtp_port = 65535", "mx_smtp_port", "mx_smtp_port = 65535" },
	{ "mx_smtp_port = 99999999999", "mx_smtp_port", NULL },
	{ "mx_smtp_port = -1", "mx_smtp_port", NULL },
	{ "mx_smtp_port = 25a", "mx_smtp_port", NULL },
	/* octal mode */
	{ "socket_mode = 660", "socket_mode", "socket_mode = 0660" },
	{ "socket_mode = 0", "socket_mode", "socket_mode = 0000" },
	{ "socket_mode = 01777", "socket_mode", NULL },
	{ "socket_mode = rw", "socket_mode", NULL },
	/* enums are case-insensitive */
	{ "dnssec = YES", "dnssec", "dnssec = yes" },
	{ "dnssec = Auto", "dnssec", "dnssec = auto" },
	{ "dane = NO", "dane", "dane = no" },
	{ "syslog_facility = daemon", "syslog_facility",
	    "syslog_facility = daemon" },
	{ "syslog_facility = local7", "syslog_facility",
	    "syslog_facility = local7" },
	{ "syslog_facility = user", "syslog_facility",
	    "syslog_facility = user" },
	{ "syslog_facility = local8", "syslog_facility", NULL },
	{ "log_level = err", "log_level", "log_level = err" },
	{ "log_level = warning", "log_level", "log_level = warning" },
	{ "log_level = notice", "log_level", "log_level = notice" },
	{ "log_level = trace", "log_level", NULL },
	{ "on_policyd_error = accept", "on_policyd_error",
	    "on_policyd_error = accept" },
	/* listen addresses */
	{ "socketmap_listen = unix:/run/sm.sock", "socketmap_listen",
	    "socketmap_listen = unix:/run/sm.sock" },
	{ "socketmap_listen = inet:127.0.0.1:8461", "socketmap_listen",
	    "socketmap_listen = inet:127.0.0.1:8461" },
	{ "socketmap_listen = inet:::1:8461", "socketmap_listen",
	    "socketmap_listen = inet:::1:8461" },
	{ "socketmap_listen = inet:localhost:8461", "socketmap_listen",
	    "socketmap_listen = inet:localhost:8461" },
	{ "socketmap_listen = inet:[::]:8461,unix:/a", "socketmap_listen",
	    "socketmap_listen = inet:[::]:8461 unix:/a" },
	{ "socketmap_listen = unix:relative.sock", "socketmap_listen", NULL },
	{ "socketmap_listen = tcp:127.0.0.1:8461", "socketmap_listen", NULL },
	{ "socketmap_listen = inet:127.0.0.1:0", "socketmap_listen", NULL },
	{ "socketmap_listen = inet::8461", "socketmap_listen", NULL },
	{ "socketmap_listen = inet:[::1:8461", "socketmap_listen", NULL },
	{ "socketmap_listen = inet:[1.2.3.4]:8461", "socketmap_listen", NULL },
	{ "socketmap_listen = inet:300.1.1.1:8461", "socketmap_listen", NULL },
	{ "socketmap_listen = inet:fe80::1::2:8461", "socketmap_listen", NULL },
	{ "socketmap_listen = inet:bad_host:8461", "socketmap_listen", NULL },
	{ "socketmap_listen = unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaa", "socketmap_listen", NULL },
	/* DNS forwarders */
	{ "dns_forwarder = 127.0.0.1", "dns_forwarder",
	    "dns_forwarder = 127.0.0.1" },
	{ "dns_forwarder = ::1@53", "dns_forwarder",
	    "dns_forwarder = ::1@53" },
	{ "dns_forwarder = 127.0.0.1@", "dns_forwarder", NULL },
	{ "dns_forwarder = 127.0.0.1@70000", "dns_forwarder", NULL },
	{ "dns_forwarder = ns1.example.net", "dns_forwarder", NULL },
	{ "dns_forwarder = @53", "dns_forwarder", NULL },
	/* CIDR: host bits are cleared, a bare address is a host */
	{ "internal_hosts = 192.168.1.77/24", "internal_hosts",
	    "internal_hosts = 192.168.1.0/24" },
	{ "internal_hosts = 10.1.2.3", "internal_hosts",
	    "internal_hosts = 10.1.2.3/32" },
	{ "internal_hosts = 0.0.0.0/0", "internal_hosts",
	    "internal_hosts = 0.0.0.0/0" },
	{ "internal_hosts = 2001:db8:ffff::/33", "internal_hosts",
	    "internal_hosts = 2001:db8:8000::/33" },
	{ "internal_hosts =", "internal_hosts", "internal_hosts =" },
	{ "internal_hosts = ::1/129", "internal_hosts", NULL },
	{ "internal_hosts = 10.0.0.0/", "internal_hosts", NULL },
	{ "internal_hosts = 10.0.0.0/8x", "internal_hosts", NULL },
	{ "internal_hosts = 10.0.0/8", "internal_hosts", NULL },
	{ "internal_hosts = localhost", "internal_hosts", NULL },
	/* paths, names, addresses */
	{ "control_socket = /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaa", "control_socket", NULL },
	{ "probe_helo = a.b-c.example", "probe_helo",
	    "probe_helo = a.b-c.example" },
	{ "probe_helo =", "probe_helo", NULL },
	{ "probe_helo = a..b", "probe_helo", NULL },
	{ "probe_helo = a-.b", "probe_helo", NULL },
	{ "probe_helo = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaa.example", "probe_helo", NULL },
	{ "milter_socket = local:/run/m.sock", "milter_socket",
	    "milter_socket = local:/run/m.sock" },
	{ "milter_socket = unix:mtasts/milter.sock", "milter_socket",
	    "milter_socket = unix:mtasts/milter.sock" },
	{ "milter_socket = inet6:10025@[::1]", "milter_socket",
	    "milter_socket = inet6:10025@[::1]" },
	{ "milter_socket = unix:", "milter_socket", NULL },
	{ "milter_socket =", "milter_socket", NULL },
	{ "tlsrpt_contact = @example.org", "tlsrpt_contact", NULL },
	{ "tlsrpt_contact = a@", "tlsrpt_contact", NULL },
	{ "tlsrpt_org_name = Ex\tample", "tlsrpt_org_name",
	    "tlsrpt_org_name = Ex\tample" },
	{ "tlsrpt_org_name = caf\xc3\xa9", "tlsrpt_org_name",
	    "tlsrpt_org_name = caf\xc3\xa9" },
	/* commands */
	{ "tlsrpt_sendmail =", "tlsrpt_sendmail", NULL },
	{ "tlsrpt_sendmail = /usr/sbin/sendmail\t-oi  -t", "tlsrpt_sendmail",
	    "tlsrpt_sendmail = /usr/sbin/sendmail -oi -t" },
	{ "release_command =", "release_command", NULL },
	{ "release_command = /bin/true {queue_id", "release_command", NULL },
	{ "release_command = /bin/true {queue}", "release_command", NULL },
	{ "release_command = /bin/true queue_id}", "release_command", NULL },
	{ "release_command = /bin/x -q{queue_id}/{queue_id}",
	    "release_command",
	    "release_command = /bin/x -q{queue_id}/{queue_id}" },
	{ "release_command = /bin/x a,b", "release_command",
	    "release_command = /bin/x a,b" },
};

/* test_values - edges of each value type. */
static void
test_values(void)
{
	const struct value_case *c;
	struct config *cfg;
	char	err[512], *got;
	size_t	i;

	for (i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
		c = &value_cases[i];
		cfg = parse(c->text, err, sizeof(err));
		if (c->want == NULL) {
			if (!ok(cfg == NULL && strncmp(err, "mtasts.conf:1: ",
			    15) == 0, "refused: %s", c->text))
				diag("  error: '%s'", err);
		} else if (ok(cfg != NULL, "accepted: %s", c->text)) {
			got = dump_line(cfg, c->key);
			is_str(got, c->want, "  dumped back");
			free(got);
		} else
			diag("  error: %s", err);
		config_free(cfg);
	}
}

struct err_case {
	const char *text;
	const char *err;
};

/* Exact messages for syntax, duplicate keys and cross-checks. */
static const struct err_case err_cases[] = {
	{ "# comment\n\n cache_dri = /x\n",
	    "mtasts.conf:3: unknown key \"cache_dri\"" },
	{ "\n\nfetch_timeout = 5x\n",
	    "mtasts.conf:3: fetch_timeout: bad duration \"5x\"" },
	{ "hold yes\n", "mtasts.conf:1: expected \"key = value\"" },
	{ "= yes\n", "mtasts.conf:1: expected \"key = value\"" },
	{ "Hold = yes\n", "mtasts.conf:1: unknown key \"Hold\"" },
	{ "hold: yes\n", "mtasts.conf:1: expected \"key = value\"" },
	{ "hold\n", "mtasts.conf:1: expected \"key = value\"" },
	{ "cache_dir = /a\nhold = no\n\ncache_dir = /b\n",
	    "mtasts.conf:4: cache_dir: duplicate key (first set on line 1)" },
	{ "hold = yes\nhold = yes\n",
	    "mtasts.conf:2: hold: duplicate key (first set on line 1)" },
	{ "\ntlsrpt_enable = yes\n",
	    "mtasts.conf:2: tlsrpt_enable = yes requires tlsrpt_org_name, "
	    "tlsrpt_contact, tlsrpt_from" },
	{ "tlsrpt_enable = yes\ntlsrpt_org_name = Org\n"
	    "tlsrpt_contact = a@example.org\n",
	    "mtasts.conf:1: tlsrpt_enable = yes requires tlsrpt_from" },
	{ "tlsrpt_dkim_domain = example.org\n",
	    "mtasts.conf: tlsrpt_dkim_domain, tlsrpt_dkim_selector and "
	    "tlsrpt_dkim_key must be set together" },
	{ "hold = no\ncache_dir =\n",
	    "mtasts.conf:2: cache_dir must be an absolute path" },
	{ "control_socket =\n",
	    "mtasts.conf:1: control_socket must be an absolute path" },
	{ "hold = yes\nuser = a\000b\n", "mtasts.conf:2: NUL byte in line" },
	{ "hold = yes\n#\000\n", "mtasts.conf:2: NUL byte in line" },
	{ "hold = y\001es\n",
	    "mtasts.conf:1: hold: control character in value" },
	{ "ho\002ld = yes\n", "mtasts.conf:1: control character in key" },
};

/* test_errors - exact error texts naming FILE:LINE. */
static void
test_errors(void)
{
	struct config *cfg;
	char	err[512];
	size_t	i, len;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		/* Cases with an embedded NUL: length up to the last '\n'. */
		len = strlen(err_cases[i].text);
		if (strstr(err_cases[i].err, "NUL") != NULL)
			len += 1 + strlen(err_cases[i].text + len + 1);
		err[0] = '\0';
		cfg = config_parse_buf("mtasts.conf", err_cases[i].text, len,
		    err, sizeof(err));
		ok(cfg == NULL, "error case %zu refused", i);
		is_str(err, err_cases[i].err, "  message");
		config_free(cfg);
	}
}

/* test_syntax - comments, white space, line ends and limits. */
static void
test_syntax(void)
{
	struct config *cfg;
	char	err[512], *buf, *got;
	size_t	n;

	cfg = parse("  # a comment\n\t\n"
	    "   user   =   mtasts   # trailing comment\n"
	    "group=mail#not-a-comment\n"
	    "tlsrpt_org_name = Org #1 # here\n"
	    "socket_group = # nothing\n"
	    "pid_file = /run/p.pid\r\n"
	    "tls_ca_file = /etc/ca.pem", err, sizeof(err));
	if (ok(cfg != NULL, "comments, white space, CRLF, no final newline")) {
		is_str(cfg->user, "mtasts", "  white space around key and value");
		is_str(cfg->group, "mail#not-a-comment",
		    "  '#' inside a word is part of the value");
		is_str(cfg->tlsrpt_org_name, "Org",
		    "  '#' after white space starts a comment");
		is_str(cfg->socket_group, "", "  a value that is only a comment");
		is_str(cfg->pid_file, "/run/p.pid", "  CRLF line end");
		is_str(cfg->tls_ca_file, "/etc/ca.pem", "  last line unterminated");
	}
	config_free(cfg);

	cfg = parse("", err, sizeof(err));
	ok(cfg != NULL && cfg->hold == 1, "an empty file means the defaults");
	is_str(cfg != NULL ? cfg->path : NULL, "mtasts.conf",
	    "  path is the name given");
	config_free(cfg);

	/* A line of exactly CONFIG_LINE_MAX bytes is fine, one more is not. */
	buf = malloc(CONFIG_LINE_MAX + 16);
	n = (size_t)snprintf(buf, 32, "tlsrpt_org_name = ");
	memset(buf + n, 'x', 250);
	memset(buf + n + 250, ' ', CONFIG_LINE_MAX - n - 250);
	buf[CONFIG_LINE_MAX] = '\n';
	cfg = config_parse_buf("mtasts.conf", buf, CONFIG_LINE_MAX + 1, err,
	    sizeof(err));
	ok(cfg != NULL, "a line of %d bytes", CONFIG_LINE_MAX);
	config_free(cfg);
	buf[CONFIG_LINE_MAX] = ' ';
	buf[CONFIG_LINE_MAX + 1] = '\n';
	cfg = config_parse_buf("mtasts.conf", buf, CONFIG_LINE_MAX + 2, err,
	    sizeof(err));
	ok(cfg == NULL, "a line of %d bytes is refused", CONFIG_LINE_MAX + 1);
	is_str(err, "mtasts.conf:1: line longer than 4096 bytes",
	    "  message");
	config_free(cfg);
	free(buf);

	/* A string value over its length limit. */
	buf = malloc(400);
	n = (size_t)snprintf(buf, 400, "tlsrpt_org_name = ");
	memset(buf + n, 'y', 300);
	buf[n + 300] = '\0';
	cfg = parse(buf, err, sizeof(err));
	ok(cfg == NULL, "tlsrpt_org_name over 256 bytes refused");
	is_str(err, "mtasts.conf:1: tlsrpt_org_name: value longer than 256 "
	    "bytes", "  message");
	config_free(cfg);
	free(buf);

	cfg = config_parse_buf(NULL, "bogus = 1\n", 10, err, sizeof(err));
	ok(cfg == NULL && strncmp(err, "(config):1:", 11) == 0,
	    "a NULL name is reported as (config)");
	config_free(cfg);

	(void)got;
}

/* test_lists - list separators, repeat and replacement semantics. */
static void
test_lists(void)
{
	struct config *cfg;
	char	err[512], *got;

	cfg = parse("local_domains = a.example, b.example\n"
	    "local_domains = c.example\td.example,,e.example\n"
	    "local_domains =\n", err, sizeof(err));
	if (ok(cfg != NULL, "local_domains repeated")) {
		ok(cfg->local_domains.n == 5, "  commas and white space split, "
		    "each occurrence adds (%zu)", cfg->local_domains.n);
		got = dump_line(cfg, "local_domains");
		is_str(got, "local_domains = a.example b.example c.example "
		    "d.example e.example", "  in order");
		free(got);
	}
	config_free(cfg);

	cfg = parse("socketmap_listen = inet:127.0.0.1:1\n"
	    "socketmap_listen = inet:127.0.0.1:2\n", err, sizeof(err));
	if (ok(cfg != NULL, "socketmap_listen repeated")) {
		got = dump_line(cfg, "socketmap_listen");
		is_str(got, "socketmap_listen = inet:127.0.0.1:1 "
		    "inet:127.0.0.1:2", "  the first replaces the default");
		free(got);
	}
	config_free(cfg);

	cfg = parse("internal_hosts = 10.0.0.0/8\n"
	    "internal_hosts = 192.168.0.0/16, fd00::/8\n", err, sizeof(err));
	if (ok(cfg != NULL, "internal_hosts repeated")) {
		ok(cfg->ninternal_hosts == 3, "  three networks, default gone");
		got = dump_line(cfg, "internal_hosts");
		is_str(got, "internal_hosts = 10.0.0.0/8 192.168.0.0/16 fd00::/8",
		    "  in order");
		free(got);
	}
	config_free(cfg);

	cfg = parse("dns_forwarder = 127.0.0.1@5353\n"
	    "dns_forwarder = 127.0.0.2\n", err, sizeof(err));
	ok(cfg != NULL && cfg->dns_forwarder.n == 2 &&
	    strcmp(cfg->dns_forwarder.v[0], "127.0.0.1@5353") == 0 &&
	    strcmp(cfg->dns_forwarder.v[1], "127.0.0.2") == 0,
	    "dns_forwarder repeated");
	config_free(cfg);

	/* release_command: the first occurrence replaces the defaults. */
	cfg = parse("release_command = /usr/sbin/sendmail -Q -qI{queue_id}\n",
	    err, sizeof(err));
	if (ok(cfg != NULL, "one release_command")) {
		ok(cfg->release_command.n == 1 &&
		    cfg->release_command.v[0].n == 3 &&
		    strcmp(cfg->release_command.v[0].v[2], "-qI{queue_id}") == 0,
		    "  replaces both default commands");
	}
	config_free(cfg);
	cfg = parse("release_command = /bin/a {queue_id}\n"
	    "hold = yes\n"
	    "release_command = /bin/b  x  {queue_id}\n"
	    "release_command = /bin/c\n", err, sizeof(err));
	if (ok(cfg != NULL, "three release_command lines")) {
		ok(cfg->release_command.n == 3 &&
		    cfg->release_command.v[0].n == 2 &&
		    cfg->release_command.v[1].n == 3 &&
		    cfg->release_command.v[2].n == 1 &&
		    strcmp(cfg->release_command.v[1].v[0], "/bin/b") == 0 &&
		    strcmp(cfg->release_command.v[1].v[1], "x") == 0,
		    "  later ones append, in order, split on white space");
		got = dump_line(cfg, "release_command");
		is_str(got, "release_command = /bin/a {queue_id}|"
		    "release_command = /bin/b x {queue_id}|"
		    "release_command = /bin/c", "  dumped one line each");
		free(got);
	}
	config_free(cfg);

	cfg = parse("tlsrpt_sendmail = /a\ntlsrpt_sendmail = /b\n", err,
	    sizeof(err));
	ok(cfg == NULL, "tlsrpt_sendmail does not repeat");
	config_free(cfg);
}

/* test_cross - cross-key checks that pass. */
static void
test_cross(void)
{
	struct config *cfg;
	char	err[512];

	cfg = parse("tlsrpt_enable = yes\n" TLSRPT_ID, err, sizeof(err));
	ok(cfg != NULL && cfg->tlsrpt_enable == 1,
	    "tlsrpt_enable with the report identity");
	config_free(cfg);
	cfg = parse(TLSRPT_ID "tlsrpt_enable = no\n", err, sizeof(err));
	ok(cfg != NULL, "identity without tlsrpt_enable is fine");
	config_free(cfg);
	cfg = parse("tlsrpt_enable = yes\ntlsrpt_org_name = Org\n"
	    "tlsrpt_from = a@example.org\n", err, sizeof(err));
	is_str(err, "mtasts.conf:1: tlsrpt_enable = yes requires "
	    "tlsrpt_contact", "tlsrpt_enable without tlsrpt_contact");
	config_free(cfg);
	cfg = parse(DKIM_ALL, err, sizeof(err));
	ok(cfg != NULL, "all three tlsrpt_dkim_* keys");
	config_free(cfg);
	cfg = parse("tlsrpt_dkim_key = /k\ntlsrpt_dkim_selector = s\n", err,
	    sizeof(err));
	ok(cfg == NULL, "two of three tlsrpt_dkim_* keys refused");
	config_free(cfg);
}

/* test_load - files on disk, missing files, the default path. */
static void
test_load(void)
{
	struct config *cfg;
	char	dir[] = "/tmp/config_test.XXXXXX", path[128], err[512];
	const char *text = "cache_dir = /tmp/x\nfetch_timeout = 9s\n";
	FILE   *fp;
	int	used = -1;

	if (!ok(mkdtemp(dir) != NULL, "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/mtasts.conf", dir);
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);

	cfg = config_load(path, &used, err, sizeof(err));
	ok(cfg != NULL && used == 0, "config_load of a file");
	is_str(cfg != NULL ? cfg->path : NULL, path, "  path recorded");
	ok(cfg != NULL && cfg->fetch_timeout == 9, "  value read");
	config_free(cfg);

	fp = fopen(path, "w");
	fputs("hold = yes\n\nhold = no\n", fp);
	fclose(fp);
	cfg = config_load(path, &used, err, sizeof(err));
	ok(cfg == NULL, "config_load of a bad file");
	{
		char	want[256];

		snprintf(want, sizeof(want), "%s:3: hold: duplicate key "
		    "(first set on line 1)", path);
		is_str(err, want, "  error names the path and line");
	}
	config_free(cfg);

	unlink(path);
	cfg = config_load(path, &used, err, sizeof(err));
	ok(cfg == NULL, "an explicit missing file is an error");
	{
		char	want[256];

		snprintf(want, sizeof(want), "cannot open %s: %s", path,
		    strerror(ENOENT));
		is_str(err, want, "  cannot open FILE: reason");
	}
	config_free(cfg);

	cfg = config_load(dir, &used, err, sizeof(err));
	ok(cfg == NULL && strstr(err, dir) != NULL,
	    "a directory is an error (%s)", err);
	config_free(cfg);

	/* Oversized file. */
	fp = fopen(path, "w");
	for (int i = 0; i < CONFIG_FILE_MAX / 16 + 1; i++)
		fputs("# padding......\n", fp);
	fclose(fp);
	cfg = config_load(path, &used, err, sizeof(err));
	ok(cfg == NULL && strstr(err, "file larger than") != NULL,
	    "a file over CONFIG_FILE_MAX is refused");
	config_free(cfg);
	unlink(path);
	rmdir(dir);

	if (access(CONFIG_DEFAULT_PATH, F_OK) != 0 && errno == ENOENT) {
		used = 0;
		cfg = config_load(NULL, &used, err, sizeof(err));
		ok(cfg != NULL && used == 1,
		    "no file at %s: defaults, used_defaults set",
		    CONFIG_DEFAULT_PATH);
		ok(cfg != NULL && cfg->path == NULL && cfg->fetch_timeout == 20,
		    "  the defaults");
		config_free(cfg);
		cfg = config_load(NULL, NULL, err, sizeof(err));
		ok(cfg != NULL, "  used_defaults may be NULL");
		config_free(cfg);
	} else
		ok(1, "# SKIP %s exists", CONFIG_DEFAULT_PATH);
}

/* test_roundtrip - a dump parses back to the same dump. */
static void
test_roundtrip(void)
{
	struct config *a, *b;
	char	err[512], *da, *db;

	a = parse("socketmap_listen = inet:[::1]:1 unix:/s\n"
	    "internal_hosts = 10.0.0.0/8, ::1\n"
	    "release_command = /bin/a {queue_id}\n"
	    "release_command = /bin/b\n"
	    "tlsrpt_enable = yes\n" TLSRPT_ID DKIM_ALL
	    "cache_max_size = 3000k\nhold_max = 90m\nsocket_mode = 640\n"
	    "local_domains = x.example\n", err, sizeof(err));
	if (!ok(a != NULL, "round trip: parse")) {
		diag("  %s", err);
		return;
	}
	da = dump_of(a);
	b = parse(da, err, sizeof(err));
	ok(b != NULL, "round trip: the dump parses");
	db = b != NULL ? dump_of(b) : NULL;
	is_str(db, da, "round trip: same dump");
	free(da);
	free(db);
	config_free(a);
	config_free(b);

	/* A long list is wrapped onto repeated keys and still reads back. */
	{
		char	text[4096], *p = text, *got;
		size_t	i, lines = 0;

		p += sprintf(p, "local_domains =");
		for (i = 0; i < 60; i++)
			p += sprintf(p, " d%zu.example", i);
		p += sprintf(p, "\ninternal_hosts =");
		for (i = 0; i < 30; i++)
			p += sprintf(p, " 2001:db8:%zx::/48", i);
		sprintf(p, "\n");
		a = parse(text, err, sizeof(err));
		da = a != NULL ? dump_of(a) : NULL;
		got = a != NULL ? dump_line(a, "local_domains") : NULL;
		for (p = got; p != NULL && *p != '\0'; p++)
			if (*p == '|')
				lines++;
		ok(a != NULL && lines >= 8, "a long list dumps on %zu lines",
		    lines + 1);
		free(got);
		b = da != NULL ? parse(da, err, sizeof(err)) : NULL;
		db = b != NULL ? dump_of(b) : NULL;
		ok(b != NULL && b->local_domains.n == 60 &&
		    b->ninternal_hosts == 30, "  and reads back whole");
		is_str(db, da, "  to the same dump");
		for (p = da; p != NULL && (got = strchr(p, '\n')) != NULL;
		    p = got + 1)
			if (got - p > 78)
				break;
		ok(p != NULL && *p == '\0', "  no dump line over 78 columns");
		free(da);
		free(db);
		config_free(a);
		config_free(b);
	}

	a = config_defaults();
	da = dump_of(a);
	b = parse(da, err, sizeof(err));
	db = b != NULL ? dump_of(b) : NULL;
	is_str(db, da, "round trip of the defaults");
	free(da);
	free(db);
	config_free(a);
	config_free(b);
}

/* test_helpers - parse_duration, parse_size, internal hosts, argv. */
static void
test_helpers(void)
{
	static const struct {
		const char *s;
		long long v;
	} dur[] = {
		{ "0", 0 }, { "30", 30 }, { "30s", 30 }, { "5m", 300 },
		{ "4h", 14400 }, { "1d", 86400 }, { "", -1 }, { "m", -1 },
		{ "1x", -1 }, { "1ms", -1 }, { "+1", -1 }, { " 1", -1 },
		{ "1 ", -1 }, { "9223372036854775807", 9223372036854775807LL },
		{ "9223372036854775808", -1 }, { "106751991167301d", -1 },
	}, sz[] = {
		{ "0", 0 }, { "1024", 1024 }, { "64k", 65536 }, { "64K", 65536 },
		{ "1M", 1048576 }, { "1G", 1073741824 }, { "1m", -1 },
		{ "1T", -1 }, { "", -1 }, { "k", -1 },
		{ "8589934591G", 9223372035781033984LL },
		{ "8589934592G", -1 },
	};
	struct config *cfg;
	unsigned char a[16];
	char	err[512], **argv;
	size_t	i;

	for (i = 0; i < sizeof(dur) / sizeof(dur[0]); i++)
		ok(parse_duration(dur[i].s) == dur[i].v ||
		    (sizeof(time_t) < 8 && dur[i].v > INT32_MAX),
		    "parse_duration(\"%s\") = %lld", dur[i].s, dur[i].v);
	for (i = 0; i < sizeof(sz) / sizeof(sz[0]); i++)
		ok(parse_size(sz[i].s) == sz[i].v, "parse_size(\"%s\") = %lld",
		    sz[i].s, sz[i].v);

	cfg = parse("internal_hosts = 192.0.2.0/25 2001:db8::/32 10.9.9.9\n",
	    err, sizeof(err));
	if (ok(cfg != NULL, "internal_hosts for matching")) {
		inet_pton(AF_INET, "192.0.2.127", a);
		ok(config_internal_host(cfg, AF_INET, a), "  192.0.2.127 in");
		inet_pton(AF_INET, "192.0.2.128", a);
		ok(!config_internal_host(cfg, AF_INET, a), "  192.0.2.128 out");
		inet_pton(AF_INET, "10.9.9.9", a);
		ok(config_internal_host(cfg, AF_INET, a), "  10.9.9.9 in");
		inet_pton(AF_INET, "10.9.9.8", a);
		ok(!config_internal_host(cfg, AF_INET, a), "  10.9.9.8 out");
		inet_pton(AF_INET6, "2001:db8:1::5", a);
		ok(config_internal_host(cfg, AF_INET6, a), "  2001:db8:1::5 in");
		inet_pton(AF_INET6, "2001:db9::5", a);
		ok(!config_internal_host(cfg, AF_INET6, a), "  2001:db9::5 out");
		inet_pton(AF_INET6, "::ffff:192.0.2.1", a);
		ok(config_internal_host(cfg, AF_INET6, a),
		    "  ::ffff:192.0.2.1 matches the IPv4 network");
		inet_pton(AF_INET6, "::1", a);
		ok(!config_internal_host(cfg, AF_INET6, a),
		    "  ::1 out (the default was replaced)");
		ok(!config_internal_host(cfg, AF_UNIX, a), "  AF_UNIX out");
	}
	config_free(cfg);
	cfg = config_defaults();
	inet_pton(AF_INET, "127.1.2.3", a);
	ok(config_internal_host(cfg, AF_INET, a), "default: 127.1.2.3 in");
	inet_pton(AF_INET6, "::1", a);
	ok(config_internal_host(cfg, AF_INET6, a), "default: ::1 in");
	inet_pton(AF_INET6, "::2", a);
	ok(!config_internal_host(cfg, AF_INET6, a), "default: ::2 out");

	argv = config_argv_expand(&cfg->release_command.v[0], "4XyZ9");
	ok(argv != NULL && strcmp(argv[0], "/usr/sbin/postsuper") == 0 &&
	    strcmp(argv[1], "-H") == 0 && strcmp(argv[2], "4XyZ9") == 0 &&
	    argv[3] == NULL, "argv expand: {queue_id} replaced, NULL end");
	config_argv_free(argv);
	config_free(cfg);

	cfg = parse("release_command = /x -q{queue_id}.{queue_id} {q}x\n", err,
	    sizeof(err));
	ok(cfg == NULL, "unknown placeholder {q} refused");
	config_free(cfg);
	cfg = parse("release_command = /x -q{queue_id}.{queue_id}\n", err,
	    sizeof(err));
	argv = cfg != NULL ? config_argv_expand(&cfg->release_command.v[0],
	    "AB12") : NULL;
	ok(argv != NULL && strcmp(argv[1], "-qAB12.AB12") == 0,
	    "argv expand inside a word, twice");
	config_argv_free(argv);
	errno = 0;
	argv = cfg != NULL ? config_argv_expand(&cfg->release_command.v[0],
	    "AB;rm") : NULL;
	ok(argv == NULL && errno == EINVAL, "argv expand refuses a bad id");
	argv = cfg != NULL ? config_argv_expand(&cfg->release_command.v[0],
	    "") : NULL;
	ok(argv == NULL, "argv expand refuses an empty id");
	config_free(cfg);
}

/*
 * test_sample - contrib/mtasts.conf.sample shows every key with its default:
 * uncommenting every "#key = value" line must give the built-in defaults.
 */
static void
test_sample(void)
{
	const char *top = getenv("top_srcdir");
	struct config *cfg, *def;
	char	path[1024], err[512], *buf, *out, *p, *nl, *dc, *dd;
	char	seen[NDEFAULT];
	size_t	len = 0, olen = 0, i;
	FILE   *fp;

	if (top == NULL && strncmp(__FILE__, "/", 1) == 0 &&
	    strstr(__FILE__, "/tests/unit/") != NULL) {
		snprintf(path, sizeof(path), "%.*s/contrib/mtasts.conf.sample",
		    (int)(strstr(__FILE__, "/tests/unit/") - __FILE__),
		    __FILE__);
	} else
		snprintf(path, sizeof(path), "%s/contrib/mtasts.conf.sample",
		    top != NULL ? top : ".");
	if ((fp = fopen(path, "r")) == NULL) {
		ok(1, "# SKIP cannot open %s", path);
		return;
	}
	buf = calloc(1, CONFIG_FILE_MAX + 1);
	len = fread(buf, 1, CONFIG_FILE_MAX, fp);
	fclose(fp);
	out = calloc(1, len + 1);
	memset(seen, 0, sizeof(seen));
	for (p = buf; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (p[0] != '#' || p[1] < 'a' || p[1] > 'z')
			continue;
		for (i = 0; i < NDEFAULT; i++) {
			const char *k = default_lines[i] != NULL ?
			    default_lines[i] : "probe_helo ";
			size_t	kl = strcspn(k, " ");

			if (strncmp(p + 1, k, kl) == 0 && p[1 + kl] == ' ')
				seen[i] = 1;
		}
		if (strncmp(p, "#probe_helo ", 12) == 0)
			continue;	/* the host name cannot be shown */
		olen += (size_t)sprintf(out + olen, "%s\n", p + 1);
	}
	for (i = 0; i < NDEFAULT && seen[i]; i++)
		;
	ok(i == NDEFAULT, "the sample shows every key (first missing: %s)",
	    i < NDEFAULT && default_lines[i] != NULL ? default_lines[i] : "-");
	cfg = config_parse_buf(path, out, olen, err, sizeof(err));
	if (!ok(cfg != NULL, "the sample, uncommented, parses"))
		diag("  %s", err);
	def = config_defaults();
	dc = cfg != NULL ? dump_of(cfg) : NULL;
	dd = dump_of(def);
	is_str(dc, dd, "  and gives exactly the built-in defaults");
	free(dc);
	free(dd);
	config_free(cfg);
	config_free(def);
	free(out);
	free(buf);
}

int
main(void)
{
	test_defaults();
	test_keys();
	test_values();
	test_errors();
	test_syntax();
	test_lists();
	test_cross();
	test_load();
	test_roundtrip();
	test_helpers();
	test_sample();
	return done_testing();
}
