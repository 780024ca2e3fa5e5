/*
 * NAME
 *	config_cidr - networks in mtasts.conf (internal_hosts)
 * SYNOPSIS
 *	#include "config_int.h"
 * DESCRIPTION
 *	config_parse_cidr() reads "ADDR" or "ADDR/LEN" (host bits cleared);
 *	config_internal_host() tells whether a client address lies in
 *	internal_hosts. Part of the config module (config.c).
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

/* config_parse_cidr - "ADDR" or "ADDR/LEN" into c (host bits cleared). */
int
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
