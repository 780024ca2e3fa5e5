/*
 * NAME
 *	resolver_rr - address and MX answers of the resolver
 * SYNOPSIS
 *	#include "resolver.h"
 *
 *	void resolver_addrs(host, &addrs)
 *	void resolver_mx(domain, &mx)
 *	int resolver_addr_private(a, len)
 *	void dns_addrs_free(&addrs), dns_mx_free(&mx)
 * DESCRIPTION
 *	resolver_addrs() runs the A and AAAA queries at once under one
 *	deadline (rs_resolve(), resolver.c) and returns numeric strings,
 *	IPv4 first. Unless allow_private_addresses is set, an address
 *	resolver_addr_private() calls non-public is left out: hostile DNS
 *	must not aim policyd at its own networks. The answer is secure only
 *	when both the A and the AAAA answers are.
 *
 *	MX answers: libunbound hands out RDATA with its names uncompressed;
 *	each exchange is turned into lower-case text without the trailing
 *	dot (bytes other than letters, digits, '-' and '_' as \DDD) and the
 *	list is sorted by preference, stably. A lone RR whose exchange is
 *	the root is a null MX (RFC 7505): null_mx is set.
 * DIAGNOSTICS
 *	As resolver.c: status and why say what happened.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unbound.h>

#include "log.h"
#include "resolver.h"
#include "resolver_int.h"

/* An address block: the first len bits of addr. */
struct rs_block {
	unsigned char addr[16];
	unsigned int len;
};

/* Not on the public internet (RFC 6890 and its updates), IPv4. */
static const struct rs_block rs_private4[] = {
	{ { 0 }, 8 },			/* "this network" */
	{ { 10 }, 8 },			/* private */
	{ { 100, 64 }, 10 },		/* shared address space */
	{ { 127 }, 8 },			/* loopback */
	{ { 169, 254 }, 16 },		/* link local */
	{ { 172, 16 }, 12 },		/* private */
	{ { 192, 0, 0 }, 24 },		/* IETF protocol assignments */
	{ { 192, 0, 2 }, 24 },		/* documentation */
	{ { 192, 168 }, 16 },		/* private */
	{ { 198, 18 }, 15 },		/* benchmarking */
	{ { 198, 51, 100 }, 24 },	/* documentation */
	{ { 203, 0, 113 }, 24 },	/* documentation */
	{ { 224 }, 4 },			/* multicast */
	{ { 240 }, 4 }			/* reserved, broadcast */
};

/* The same for IPv6; v4-mapped and v4-compatible are checked as IPv4. */
static const struct rs_block rs_private6[] = {
	{ { 0 }, 128 },				/* unspecified */
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128 },
	{ { 0x01, 0x00 }, 64 },			/* discard only */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32 },	/* documentation */
	{ { 0xfc }, 7 },			/* unique local */
	{ { 0xfe, 0x80 }, 10 },			/* link local */
	{ { 0xfe, 0xc0 }, 10 },			/* site local (deprecated) */
	{ { 0xff }, 8 }				/* multicast */
};

/* rs_in_block - do the first b->len bits of a equal those of b->addr? */
static int
rs_in_block(const unsigned char *a, const struct rs_block *b)
{
	unsigned int full = b->len / 8, rest = b->len % 8;

	if (memcmp(a, b->addr, full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ b->addr[full]) &
	    (unsigned char)(0xff00 >> rest)) == 0;
}

/*
 * resolver_addr_private - is a (4 or 16 bytes) an address no policy host,
 * MX host or report server on the internet has: loopback, private,
 * link-local, multicast, documentation and other special blocks?
 */
int
resolver_addr_private(const unsigned char *a, size_t len)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0xff, 0xff };
	size_t	i;

	if (len == 16 && (memcmp(a, mapped, 12) == 0 ||
	    (memcmp(a, mapped, 10) == 0 && a[10] == 0 && a[11] == 0 &&
	    (a[12] | a[13]) != 0)))
		return resolver_addr_private(a + 12, 4);
	if (len == 4) {
		for (i = 0; i < RS_NELEM(rs_private4); i++)
			if (rs_in_block(a, &rs_private4[i]))
				return 1;
		return 0;
	}
	if (len == 16) {
		for (i = 0; i < RS_NELEM(rs_private6); i++)
			if (rs_in_block(a, &rs_private6[i]))
				return 1;
		return 0;
	}
	return 1;
}

/* rs_addrs_fill - append the addresses of res to out; 0 or -1. */
static int
rs_addrs_fill(const struct ub_result *res, struct dns_addrs *out,
    char *refused, size_t refusedsz)
{
	char	buf[INET6_ADDRSTRLEN], **v;
	size_t	n = 0, i;
	int	af;

	while (res->data[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	if (n > SIZE_MAX / sizeof(*v) - out->n ||
	    (v = realloc(out->addr, (out->n + n) * sizeof(*v))) == NULL)
		return -1;
	out->addr = v;
	for (i = 0; i < n; i++) {
		if (res->qtype == RS_TYPE_A && res->len[i] == 4)
			af = AF_INET;
		else if (res->qtype == RS_TYPE_AAAA && res->len[i] == 16)
			af = AF_INET6;
		else
			continue;
		if (inet_ntop(af, res->data[i], buf, sizeof(buf)) == NULL)
			continue;
		if (!rs_private_allowed() &&
		    resolver_addr_private((const unsigned char *)res->data[i],
		    (size_t)res->len[i])) {
			/* Hostile DNS must not aim us at our own networks. */
			if (*refused == '\0')
				snprintf(refused, refusedsz, "%s", buf);
			continue;
		}
		if ((out->addr[out->n] = strdup(buf)) == NULL)
			return -1;
		out->n++;
	}
	return 0;
}

/* resolver_addrs - A and AAAA addresses of host (v4 first). */
void
resolver_addrs(const char *host, struct dns_addrs *out)
{
	struct rs_query *q[2] = { NULL, NULL };
	const char *names[2];
	static const int types[2] = { RS_TYPE_A, RS_TYPE_AAAA };
	static const char *const what[2] = { "A", "AAAA" };
	enum dns_status st[2];
	enum dns_sec sec[2];
	char	why[2][sizeof(out->why)], refused[INET6_ADDRSTRLEN] = "";
	int	i;

	memset(out, 0, sizeof(*out));
	out->status = DNS_SERVFAIL;
	if (!rs_ready()) {
		snprintf(out->why, sizeof(out->why), "resolver not started");
		return;
	}
	if ((q[0] = rs_query_new()) == NULL ||
	    (q[1] = rs_query_new()) == NULL) {
		snprintf(out->why, sizeof(out->why), "out of memory");
		goto out;
	}
	names[0] = names[1] = host;
	rs_resolve(q, names, types, 2);
	sec[0] = rs_sec(q[0]);
	sec[1] = rs_sec(q[1]);
	if (sec[0] == DNS_SEC_BOGUS || sec[1] == DNS_SEC_BOGUS)
		out->sec = DNS_SEC_BOGUS;
	else if (sec[0] == DNS_SEC_SECURE && sec[1] == DNS_SEC_SECURE)
		out->sec = DNS_SEC_SECURE;
	else if (sec[0] == DNS_SEC_INSECURE || sec[1] == DNS_SEC_INSECURE)
		out->sec = DNS_SEC_INSECURE;
	else
		out->sec = DNS_SEC_UNKNOWN;
	for (i = 0; i < 2; i++) {
		st[i] = rs_status(q[i], what[i], why[i], sizeof(why[i]));
		if (st[i] == DNS_OK && rs_addrs_fill(q[i]->res, out, refused,
		    sizeof(refused)) == -1) {
			dns_addrs_free(out);
			out->status = DNS_SERVFAIL;
			snprintf(out->why, sizeof(out->why), "out of memory");
			goto out;
		}
	}
	if (out->n > 0) {
		out->status = DNS_OK;
		goto out;
	}
	if (refused[0] != '\0') {
		out->status = DNS_NODATA;
		snprintf(out->why, sizeof(out->why), "only a non-public "
		    "address (%s): refused (allow_private_addresses)", refused);
		goto out;
	}

	/*
	 * Nothing usable: a forged answer counts most, then a name that
	 * does not exist, then a failure; both empty is NODATA.
	 */
	if (st[0] == DNS_BOGUS || st[1] == DNS_BOGUS)
		i = st[0] == DNS_BOGUS ? 0 : 1;
	else if (st[0] == DNS_NXDOMAIN || st[1] == DNS_NXDOMAIN)
		i = st[0] == DNS_NXDOMAIN ? 0 : 1;
	else if (st[0] == DNS_SERVFAIL || st[1] == DNS_SERVFAIL)
		i = st[0] == DNS_SERVFAIL ? 0 : 1;
	else
		i = -1;
	if (i == -1) {
		out->status = DNS_NODATA;
		snprintf(out->why, sizeof(out->why), "no A or AAAA records");
	} else {
		out->status = st[i];
		snprintf(out->why, sizeof(out->why), "%s", why[i]);
	}
out:
	rs_query_free(q[0]);
	rs_query_free(q[1]);
}

/* dns_addrs_free - release what resolver_addrs allocated. */
void
dns_addrs_free(struct dns_addrs *a)
{
	size_t	i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		free(a->addr[i]);
	free(a->addr);
	a->addr = NULL;
	a->n = 0;
}

/*
 * rs_mx_name - the exchange of an MX RDATA (wire form, uncompressed) as
 * text in out; 0, or -1 when malformed.
 */
static int
rs_mx_name(const unsigned char *p, size_t len, char *out, size_t outsz)
{
	size_t	i = 0, o = 0, wire = 0, l, k;
	unsigned char c;

	for (;;) {
		if (i >= len)
			return -1;
		l = p[i++];
		wire += l + 1;
		if (wire > RS_WIRE_NAME_MAX)
			return -1;
		if (l == 0)
			break;
		if ((l & 0xc0) != 0 || l > len - i)
			return -1;	/* a pointer, or past the end */
		if (o > 0)
			out[o++] = '.';
		for (k = 0; k < l; k++) {
			c = p[i + k];
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '-' || c == '_') {
				out[o++] = (char)c;
			} else {
				snprintf(out + o, outsz - o, "\\%03u", c);
				o += 4;
			}
		}
		i += l;
	}
	if (i != len)
		return -1;
	out[o] = '\0';
	return 0;
}

/* rs_mx_fill - the MX RRs of res into out, sorted; 0 or -1 (ENOMEM). */
static int
rs_mx_fill(const struct ub_result *res, struct dns_mx *out)
{
	/* Every wire byte may become "\DDD" (4 bytes), plus dots and NUL. */
	char	name[RS_WIRE_NAME_MAX * 4 + 1];
	struct dns_mx_rr rr;
	size_t	n = 0, i, j, len;
	const unsigned char *p;

	while (res->data[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	if ((out->mx = calloc(n, sizeof(*out->mx))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		p = (const unsigned char *)res->data[i];
		len = (size_t)res->len[i];
		if (len < 3 || rs_mx_name(p + 2, len - 2, name,
		    sizeof(name)) == -1) {
			log_debug("resolver: %s: MX RR %zu (%zu bytes) left "
			    "out: malformed", res->qname, i, len);
			continue;
		}
		rr.pref = (unsigned int)p[0] << 8 | p[1];
		if ((rr.host = strdup(name)) == NULL)
			return -1;
		/* Insertion keeps equal preferences in answer order. */
		for (j = out->n; j > 0 && out->mx[j - 1].pref > rr.pref; j--)
			out->mx[j] = out->mx[j - 1];
		out->mx[j] = rr;
		out->n++;
	}
	out->null_mx = out->n == 1 && out->mx[0].host[0] == '\0';
	return 0;
}

/* resolver_mx - MX RRs of domain, sorted by preference. */
void
resolver_mx(const char *domain, struct dns_mx *out)
{
	struct rs_query *q;

	memset(out, 0, sizeof(*out));
	if ((q = rs_query_one(domain, RS_TYPE_MX, "MX", &out->status,
	    out->why, sizeof(out->why))) == NULL)
		return;
	out->sec = rs_sec(q);
	if (out->status == DNS_OK) {
		out->secure = q->res->secure != 0;
		if (rs_mx_fill(q->res, out) == -1) {
			dns_mx_free(out);
			out->status = DNS_SERVFAIL;
			snprintf(out->why, sizeof(out->why), "out of memory");
		} else if (out->n == 0) {
			out->status = DNS_SERVFAIL;
			snprintf(out->why, sizeof(out->why),
			    "no well-formed MX RR");
		}
	}
	rs_query_free(q);
}

/* dns_mx_free - release what resolver_mx allocated. */
void
dns_mx_free(struct dns_mx *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		free(m->mx[i].host);
	free(m->mx);
	m->mx = NULL;
	m->n = 0;
	m->null_mx = 0;
}
