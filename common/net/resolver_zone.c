/*
 * NAME
 *	resolver_zone - at most a few lookups of one zone in flight
 * SYNOPSIS
 *	#include "resolver_int.h"
 *
 *	int rs_zone_cond_init(attr)
 *	void rs_zone_of(name, out, outsz)
 *	int rs_zone_enter(zone, deadline_ms)
 *	void rs_zone_leave(zone, timed_out)
 * DESCRIPTION
 *	A zone (rs_zone_of: the last two labels of a name, three
 *	for example.co.uk) has at most RESOLVER_ZONE_INFLIGHT lookups in
 *	flight; a further one waits up to RS_ZONE_WAIT_MS for a slot, and
 *	once a lookup of the zone timed out (or such a wait ran out) the zone
 *	is slow for RS_ZONE_SLOW_MS and further lookups fail at once with
 *	why "zone slow". A burst of names of one silent zone thus holds
 *	RESOLVER_ZONE_INFLIGHT of the discovery threads, not all of them.
 *	libunbound keeps probing a server that timed out (infra-keep-probing)
 *	and forgets it did within a minute (infra-host-ttl 60, not 900), so
 *	the burst cannot make it give up on the only forwarder.
 *
 *	rs_resolve() (resolver.c) enters the zone of its first name before
 *	it sends a lookup and leaves it when the lookup is over.
 * DIAGNOSTICS
 *	rs_zone_cond_init() returns pthread_cond_init()'s error number or 0.
 */
#include "autoconf.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mono.h"
#include "resolver_int.h"

#define RS_ZONES_MAX		256	/* zones tracked at once */
#define RS_ZONE_WAIT_MS		1000	/* longest wait for a zone's slot */
#define RS_ZONE_SLOW_MS		30000	/* a zone that timed out is slow this long */

/*
 * Lookups in flight per zone (rs_zone_enter), under rs_zone_lock. An
 * entry is in use while n > 0 or it is marked slow.
 */
struct rs_zone {
	char	name[RS_WIRE_NAME_MAX + 1];
	int	n;			/* lookups in flight */
	long long slow_until;		/* monotonic ms: fail fast when full */
};
static struct rs_zone rs_zones[RS_ZONES_MAX];
static pthread_mutex_t rs_zone_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rs_zone_cond;	/* a slot was given back */

/* rs_zone_cond_init - the slot condition variable, with attr's clock. */
int
rs_zone_cond_init(const pthread_condattr_t *attr)
{
	return pthread_cond_init(&rs_zone_cond, attr);
}

/*
 * rs_zone_of - the zone a lookup of name counts against: the name's last
 * two labels, three when the second-last is a short label such as "co"
 * or "com" (co.uk, com.au: public suffixes of their own), after any
 * leading "_" labels. So _mta-sts.a.example.net, mx.example.net and
 * b.example.co.uk count against example.net and example.co.uk.
 */
void
rs_zone_of(const char *name, char *out, size_t outsz)
{
	const char *p, *labels[4] = { NULL, NULL, NULL, NULL };
	size_t	len, n = 0, keep;

	snprintf(out, outsz, "%s", name);
	if ((len = strlen(out)) > 1 && out[len - 1] == '.')
		out[--len] = '\0';
	/* The starts of the last three labels, last first. */
	for (p = out + len; p > out && n < 3; ) {
		while (p > out && p[-1] != '.')
			p--;
		labels[n++] = p;
		if (p > out)
			p--;
	}
	keep = 2;
	if (n >= 3 && labels[1] != NULL &&
	    (size_t)(labels[0] - labels[1]) - 1 <= 3)
		keep = 3;
	if (n > keep && labels[keep - 1] != NULL && labels[keep - 1][0] != '_')
		memmove(out, labels[keep - 1], strlen(labels[keep - 1]) + 1);
}

/* rs_zone_find - the entry of zone, or a free one, or NULL (lock held). */
static struct rs_zone *
rs_zone_find(const char *zone, long long now)
{
	struct rs_zone *free_z = NULL;
	size_t	i;

	for (i = 0; i < RS_ZONES_MAX; i++) {
		if ((rs_zones[i].n > 0 || rs_zones[i].slow_until > now) &&
		    strcmp(rs_zones[i].name, zone) == 0)
			return &rs_zones[i];
		if (rs_zones[i].n == 0 && rs_zones[i].slow_until <= now &&
		    free_z == NULL)
			free_z = &rs_zones[i];
	}
	if (free_z != NULL) {
		snprintf(free_z->name, sizeof(free_z->name), "%s", zone);
		free_z->slow_until = 0;
	}
	return free_z;
}

/*
 * rs_zone_enter - take one of the RESOLVER_ZONE_INFLIGHT slots of zone.
 * When they are all taken, wait for one - at most RS_ZONE_WAIT_MS and
 * not past deadline_ms (monotonic) - unless the zone is slow (a lookup of it timed out
 * in the last RS_ZONE_SLOW_MS, or a wait for its slots ran out): then
 * give up at once. Healthy zones answer within milliseconds, so their
 * waits are short; a slow zone keeps RESOLVER_ZONE_INFLIGHT threads and
 * no more. Returns 1 taken, 0 given up (the lookup is not sent), -1 not
 * tracked (the table is full: sent, nothing to give back).
 */
int
rs_zone_enter(const char *zone, long long deadline_ms)
{
	struct rs_zone *z;
	struct timespec until;
	long long now = mono_now_ms(), give_up = now + RS_ZONE_WAIT_MS;
	int	ret = -1;

	pthread_mutex_lock(&rs_zone_lock);
	for (;;) {
		if ((z = rs_zone_find(zone, now)) == NULL)
			break;
		if (z->n < RESOLVER_ZONE_INFLIGHT) {
			z->n++;
			ret = 1;
			break;
		}
		if (z->slow_until > now || now >= give_up ||
		    now >= deadline_ms) {
			if (z->slow_until <= now)
				z->slow_until = now + RS_ZONE_SLOW_MS;
			ret = 0;
			break;
		}
		mono_deadline(&until, give_up - now);
		(void)pthread_cond_timedwait(&rs_zone_cond, &rs_zone_lock,
		    &until);
		now = mono_now_ms();
	}
	pthread_mutex_unlock(&rs_zone_lock);
	return ret;
}

/*
 * rs_zone_leave - give back a slot that rs_zone_enter() returned 1 for;
 * timed_out marks the zone slow.
 */
void
rs_zone_leave(const char *zone, int timed_out)
{
	long long now = mono_now_ms();
	size_t	i;

	pthread_mutex_lock(&rs_zone_lock);
	for (i = 0; i < RS_ZONES_MAX; i++)
		if (rs_zones[i].n > 0 && strcmp(rs_zones[i].name, zone) == 0) {
			rs_zones[i].n--;
			if (timed_out)
				rs_zones[i].slow_until = now + RS_ZONE_SLOW_MS;
			break;
		}
	pthread_cond_broadcast(&rs_zone_cond);
	pthread_mutex_unlock(&rs_zone_lock);
}
