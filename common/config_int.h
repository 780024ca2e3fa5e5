/*
 * config_int.h - what the parts of the config module share (config.c,
 * config_value.c, config_set.c, config_cidr.c, config_argv.c); nothing
 * outside common/config*.c includes it.
 */
#ifndef MTASTS_CONFIG_INT_H
#define MTASTS_CONFIG_INT_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

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

#define OFF(f)		offsetof(struct config, f)
#define PATHLEN		4095
#define FIELD(cfg, k, type)	((type *)(void *)((char *)(cfg) + (k)->off))

/* config_value.c: the grammar of values; config_cidr.c: networks;
 * config_set.c: storing a value into a config. */
int	config_is_ws(int c);
int	config_is_ldh(int c);
int	config_valid_hostname(const char *s);
int	config_port(const char *s, unsigned int *port);
int	config_check_listen(char *s, char *why, size_t whysz);
int	config_check_forwarder(char *s, char *why, size_t whysz);
int	config_check_domain(char *s, char *why, size_t whysz);
int	config_check_name(char *s, char *why, size_t whysz);
int	config_check_milter(char *s, char *why, size_t whysz);
int	config_dane_parse(const char *s);
const char *config_dane_name(int v);
int	config_dnssec_parse(const char *s);
const char *config_dnssec_name(int v);
int	config_onerror_parse(const char *s);
const char *config_onerror_name(int v);
int	config_facility_parse(const char *s);
const char *config_facility_name(int v);
int	config_level_parse(const char *s);
const char *config_level_name(int v);
long long parse_duration(const char *s);
long long parse_size(const char *s);
void	config_fmt_duration(char *buf, size_t bufsz, long long v);
void	config_fmt_size(char *buf, size_t bufsz, unsigned long long v);
void	strlist_clear(struct strlist *l);
int	strlist_add(struct strlist *l, const char *s, size_t len);
void	argvlist_clear(struct argvlist *a);
int	config_split(const char *value, int commas, struct strlist *out);
int	config_no_ctl(const char *s);
int	config_parse_cidr(const char *s, struct cidr *c);
int	config_set_text(struct config *cfg, const struct config_key *k,
    const char *value, char *why, size_t whysz);
int	config_set_scalar(struct config *cfg, const struct config_key *k,
    const char *value, char *why, size_t whysz);
int	config_set_list(struct config *cfg, const struct config_key *k,
    const char *value, int first, char *why, size_t whysz);
int	config_set_cidr(struct config *cfg, const char *value, int first, char *why,
    size_t whysz);
int	config_set_command(struct config *cfg, const struct config_key *k,
    const char *value, int first, char *why, size_t whysz);
int	config_set(struct config *cfg, const struct config_key *k, const char *value,
    int first, char *why, size_t whysz);
int	config_apply_default(struct config *cfg, const struct config_key *k);

#endif
