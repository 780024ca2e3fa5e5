/*
 * config.h - mtasts.conf (DESIGN §3), shared by all three programs.
 */
#ifndef MTASTS_CONFIG_H
#define MTASTS_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifndef SYSCONFDIR
#define SYSCONFDIR "/usr/local/etc"
#endif
#define CONFIG_DEFAULT_PATH	SYSCONFDIR "/mtasts/mtasts.conf"
#define CONFIG_LINE_MAX		4096		/* longer lines are an error */
#define CONFIG_FILE_MAX		(1024 * 1024)	/* larger files are an error */

/* A list value: every word of every occurrence of a "may repeat" key. */
struct strlist {
	size_t	n;
	char  **v;
};

/* An argv template (one release_command occurrence): words split on space. */
struct argvlist {
	size_t	n;
	struct strlist *v;
};

/* One internal_hosts network. */
struct cidr {
	int	family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned int prefix;
};

enum dnssec_mode { DNSSEC_NO, DNSSEC_YES, DNSSEC_AUTO };
enum policyd_error_action { ON_ERROR_ACCEPT, ON_ERROR_TEMPFAIL };

struct config {
	char   *path;			/* file it came from, or NULL for defaults */

	struct strlist socketmap_listen;
	char   *control_socket;
	unsigned int socket_mode;
	char   *socket_group;
	unsigned int socketmap_max_connections;	/* per socketmap listener */
	unsigned int control_max_connections;
	time_t	request_timeout;	/* a whole request, from its first byte */
	time_t	send_timeout;		/* a whole reply */
	unsigned int control_socket_mode;
	char   *control_socket_group;
	struct strlist control_users;	/* admins on the control socket */
	struct strlist control_groups;
	int	allow_private_addresses;	/* test worlds only */
	char   *cache_dir;
	uint64_t cache_max_size;
	char   *user;
	char   *group;
	char   *pid_file;

	struct strlist dns_forwarder;
	enum dnssec_mode dnssec;
	char   *dnssec_trust_anchor;
	int	dane;		/* 1 auto: DANE where DNSSEC says it applies; 0 no */
	char   *tls_ca_file;
	char   *tls_ca_path;
	unsigned int policy_https_port;
	unsigned int mx_smtp_port;

	time_t	fetch_timeout;
	time_t	lookup_wait;
	time_t	negative_ttl;
	time_t	txt_recheck;
	int	strict_testing;
	int	require_sni;
	int	match_mx_names;	/* answer resolved MX names (mxset.c) */

	char   *milter_socket;
	size_t	ninternal_hosts;
	struct cidr *internal_hosts;
	struct strlist local_domains;
	int	hold;
	time_t	hold_max;
	unsigned int hold_max_messages;	/* held at once */
	time_t	milter_wait;
	enum policyd_error_action on_policyd_error;
	struct argvlist release_command;
	time_t	route_ttl;
	char   *probe_helo;

	int	tlsrpt_enable;
	char   *tlsrpt_org_name;
	char   *tlsrpt_contact;
	char   *tlsrpt_from;
	char   *tlsrpt_collector_socket;
	struct strlist tlsrpt_sendmail;
	unsigned int tlsrpt_datagram_limit;	/* a day, see tlsrpt_store.c */
	time_t	tlsrpt_delay_max;
	char   *tlsrpt_dkim_domain;
	char   *tlsrpt_dkim_selector;
	char   *tlsrpt_dkim_key;

	int	syslog_facility;	/* syslog LOG_* value */
	int	log_level;		/* enum log_level */
};

/*
 * config_load - read path into a new config (defaults first, then the file).
 * path NULL means the default path, and a missing default file means the
 * built-in defaults (*used_defaults set to 1). On error returns NULL and
 * writes "FILE:LINE: reason" into err (size errsz).
 */
struct config *config_load(const char *path, int *used_defaults, char *err,
	    size_t errsz);

/*
 * config_parse_buf - parse an in-memory file (for tests and fuzzing);
 * name is used in error messages. Same result rules as config_load.
 */
struct config *config_parse_buf(const char *name, const char *buf, size_t len,
	    char *err, size_t errsz);

/* config_defaults - a config holding only the built-in defaults. */
struct config *config_defaults(void);

void	config_free(struct config *cfg);

/* config_dump - write every key = value (effective values) to a FILE *. */
void	config_dump(const struct config *cfg, void *fp);

/*
 * config_internal_host - 1 when the address (family AF_INET or AF_INET6, addr
 * a struct in_addr or in6_addr) lies in internal_hosts, else 0. An IPv4-mapped
 * IPv6 address (::ffff:a.b.c.d) also matches the IPv4 networks.
 */
int	config_internal_host(const struct config *cfg, int family,
	    const void *addr);

/*
 * config_argv_expand - a NULL-terminated argv from one command template
 * (a release_command entry), with every "{queue_id}" replaced by queue_id,
 * which must match [A-Za-z0-9]+ (else NULL, errno EINVAL). Returns NULL with
 * errno ENOMEM when out of memory. Free with config_argv_free.
 */
char  **config_argv_expand(const struct strlist *tmpl, const char *queue_id);
void	config_argv_free(char **argv);

/* parse_duration - "30", "30s", "5m", "4h", "1d" into seconds; -1 on error. */
long long parse_duration(const char *s);

/* parse_size - "1024", "64k", "1M", "1G" into bytes; -1 on error. */
long long parse_size(const char *s);

#endif
