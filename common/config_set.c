/*
 * NAME
 *	config_set - store a value of mtasts.conf into a config
 * SYNOPSIS
 *	#include "config_int.h"
 * DESCRIPTION
 *	One setter per kind of value (text, scalars, lists, networks,
 *	commands), config_set() choosing by the key's type, and the
 *	built-in defaults through the same code. Part of the config module
 *	(config.c).
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

/* config_set_text - CT_STRING, CT_WORD, CT_HOST, CT_MAILBOX, CT_PATH. */
int
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
int
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
int
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
int
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
int
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
int
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
int
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
