/*
 * hold.c - held messages: the registry and the release scheduler.
 *
 * SYNOPSIS
 *	hold_start(), hold_stop(), hold_register(), hold_list(),
 *	hold_release(), hold_release_all(), hold_count()
 *
 * DESCRIPTION
 *	The milter quarantines a message whose route is not confirmed only
 *	after hold_register() has recorded it (queue id and recipient
 *	domains) in the cache's "hold" table, so nothing is held that
 *	nobody will release, across restarts too.
 *
 *	Once a second the scheduler looks at every hold at least
 *	HOLD_MIN_AGE seconds old: it asks for the state of each domain
 *	(route.h; this also starts the discoveries and probes that move a
 *	domain on) and, when all are settled (none, testing,
 *	enforce/confirmed) or hold_max has passed (logged, with the
 *	domains still unsettled), releases the message through the helper.
 *	Because the MTA may not yet have moved the message into its hold
 *	queue when the first release runs, it is released once more
 *	HOLD_AGAIN seconds later, and only then forgotten. A first release
 *	that fails is retried after a minute, doubling up to HOLD_RETRY_MAX.
 *
 *	An admin release (control verb "release") runs the commands at once
 *	and forgets the hold whatever they answer.
 *
 * DIAGNOSTICS
 *	Registrations, releases and their reasons are logged with
 *	queue_id=; failing commands are logged by the helper.
 */
#include "autoconf.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "hash.h"
#include "hold.h"
#include "log.h"
#include "mono.h"
#include "mx_match.h"
#include "policyd.h"
#include "privsep.h"
#include "reply.h"
#include "route.h"

#define HOLD_FORMAT	1	/* version of the stored JSON value */
#define SWEEP_EVERY	3600	/* seconds between route sweeps */

struct hold {
	char	id[PRIVSEP_QUEUE_ID_MAX + 1];
	int64_t	held_at;
	int	stage;		/* 0 held; 1 released once, again at next_at */
	int64_t	next_at;	/* stage 0: no attempt before (after a failure) */
	int64_t	released_at;
	int	failures;	/* failed first releases */
	size_t	ndomains;
	char  **domains;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;		/* CLOCK_MONOTONIC: cv_init */
static pthread_once_t cv_once = PTHREAD_ONCE_INIT;
static int stop, running;

/* hold_free - release what a struct hold owns. */
static void
hold_free(struct hold *h)
{
	size_t	i;

	for (i = 0; i < h->ndomains; i++)
		free(h->domains[i]);
	free(h->domains);
	h->domains = NULL;
	h->ndomains = 0;
}

/* hold_decode - a stored value into h; 0, or -1 when unusable. */
static int
hold_decode(const char *id, const char *buf, size_t len, struct hold *h)
{
	json_t *o, *a, *d;
	size_t	i;
	int	ret = -1;

	memset(h, 0, sizeof(*h));
	if (strlen(id) >= sizeof(h->id))
		return -1;
	memcpy(h->id, id, strlen(id) + 1);
	if ((o = json_loadb(buf, len, 0, NULL)) == NULL)
		return -1;
	if (!json_is_object(o) || reply_jint(o, "v") != HOLD_FORMAT)
		goto out;
	h->held_at = reply_jint(o, "held_at");
	h->stage = (int)reply_jint(o, "stage");
	h->next_at = reply_jint(o, "next_at");
	h->released_at = reply_jint(o, "released_at");
	h->failures = (int)reply_jint(o, "failures");
	a = json_object_get(o, "domains");
	if (!json_is_array(a) || json_array_size(a) > HOLD_DOMAINS_MAX)
		goto out;
	if ((h->domains = calloc(json_array_size(a) + 1,
	    sizeof(*h->domains))) == NULL)
		goto out;
	for (i = 0; i < json_array_size(a); i++) {
		d = json_array_get(a, i);
		if (!json_is_string(d))
			continue;
		if ((h->domains[h->ndomains] = strdup(json_string_value(d)))
		    == NULL)
			goto out;
		h->ndomains++;
	}
	ret = 0;
out:
	if (ret != 0)
		hold_free(h);
	json_decref(o);
	return ret;
}

/* hold_get - the stored hold of id: 1, 0 not held, -1 error. */
static int
hold_get(const char *id, struct hold *h)
{
	char   *val;
	size_t	len;
	int	r;

	memset(h, 0, sizeof(*h));
	if ((r = cache_table_get(CACHE_HOLD, id, &val, &len)) != 1)
		return r;
	if (hold_decode(id, val, len, h) != 0) {
		log_warnx("queue_id=%s stored hold unreadable", id);
		r = -1;
	}
	free(val);
	return r;
}

/* hold_put - store h. 0 or -1. */
static int
hold_put(const struct hold *h)
{
	json_t *o, *a;
	char   *s;
	size_t	i;
	int	r = -1;

	if ((o = json_object()) == NULL || (a = json_array()) == NULL) {
		json_decref(o);
		return -1;
	}
	json_object_set_new(o, "v", json_integer(HOLD_FORMAT));
	json_object_set_new(o, "held_at", json_integer(h->held_at));
	json_object_set_new(o, "stage", json_integer(h->stage));
	json_object_set_new(o, "next_at", json_integer(h->next_at));
	json_object_set_new(o, "released_at", json_integer(h->released_at));
	json_object_set_new(o, "failures", json_integer(h->failures));
	for (i = 0; i < h->ndomains; i++)
		json_array_append_new(a, json_string(h->domains[i]));
	json_object_set_new(o, "domains", a);
	if ((s = json_dumps(o, JSON_COMPACT)) != NULL) {
		r = cache_table_put(CACHE_HOLD, h->id, s, strlen(s));
		free(s);
	}
	json_decref(o);
	return r;
}

/* has_domain - is d among the domains of h? */
static int
has_domain(const struct hold *h, const char *d)
{
	size_t	i;

	for (i = 0; i < h->ndomains; i++)
		if (strcmp(h->domains[i], d) == 0)
			return 1;
	return 0;
}

/* hold_register - record a held message. */
int
hold_register(const char *queue_id, char *const *domains, size_t n,
    int64_t *held_at, char *err, size_t errsz)
{
	struct hold h;
	char	d[256], **nd;
	size_t	i, added = 0;
	int	r, ret = -1;

	if (!privsep_queue_id_valid(queue_id)) {
		snprintf(err, errsz, "bad queue id (want [A-Za-z0-9]+, at "
		    "most %d characters)", PRIVSEP_QUEUE_ID_MAX);
		return -1;
	}
	if (n == 0) {
		snprintf(err, errsz, "no domain");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (host_normalize(domains[i], strlen(domains[i]), d,
		    sizeof(d)) != 0) {
			snprintf(err, errsz, "not a domain name: %.256s",
			    domains[i]);
			return -1;
		}
	pthread_mutex_lock(&lock);
	if ((r = hold_get(queue_id, &h)) < 0) {
		snprintf(err, errsz, "cache read failed");
		goto out;
	}
	if (r == 0) {
		struct config *cfg = policyd_config_get();
		unsigned int max = cfg->hold_max_messages;
		long	held;

		policyd_config_put(cfg);
		if ((held = cache_table_count(CACHE_HOLD)) < 0) {
			snprintf(err, errsz, "cache read failed");
			goto out;
		}
		if ((unsigned long)held >= max) {
			snprintf(err, errsz, "too many held messages (%ld, "
			    "hold_max_messages %u)", held, max);
			log_warnx("queue_id=%s not held: %ld messages are held "
			    "already (hold_max_messages)", queue_id, held);
			goto out;
		}
		memset(&h, 0, sizeof(h));
		memcpy(h.id, queue_id, strlen(queue_id) + 1);
		h.held_at = time(NULL);
	}
	for (i = 0; i < n; i++) {
		host_normalize(domains[i], strlen(domains[i]), d, sizeof(d));
		if (has_domain(&h, d))
			continue;
		if (h.ndomains >= HOLD_DOMAINS_MAX) {
			snprintf(err, errsz, "more than %d domains",
			    HOLD_DOMAINS_MAX);
			goto out_free;
		}
		if ((nd = realloc(h.domains, (h.ndomains + 2) *
		    sizeof(*nd))) == NULL) {
			snprintf(err, errsz, "out of memory");
			goto out_free;
		}
		h.domains = nd;
		if ((h.domains[h.ndomains] = strdup(d)) == NULL) {
			snprintf(err, errsz, "out of memory");
			goto out_free;
		}
		h.ndomains++;
		added++;
	}
	/* Registered again: whatever was released, this copy is held. */
	h.stage = 0;
	h.next_at = 0;
	if (hold_put(&h) != 0) {
		snprintf(err, errsz, "cache write failed");
		goto out_free;
	}
	*held_at = h.held_at;
	ret = 0;
	if (r == 0)
		log_info("queue_id=%s held for %zu domain(s): %s%s", queue_id,
		    h.ndomains, h.domains[0], h.ndomains > 1 ? " ..." : "");
	else
		log_info("queue_id=%s registered again (%zu new domain(s))",
		    queue_id, added);
out_free:
	hold_free(&h);
out:
	pthread_mutex_unlock(&lock);
	return ret;
}

struct holds {
	struct hold *v;
	size_t	n, cap;
};

/* collect - cache_table_walk callback: decode every hold. */
static int
collect(const char *key, const char *val, size_t len, void *arg)
{
	struct holds *hs = arg;
	struct hold *nv;

	if (hs->n == hs->cap) {
		size_t	cap = hs->cap ? hs->cap * 2 : 32;

		if ((nv = realloc(hs->v, cap * sizeof(*nv))) == NULL)
			return 1;
		hs->v = nv;
		hs->cap = cap;
	}
	if (hold_decode(key, val, len, &hs->v[hs->n]) == 0)
		hs->n++;
	else
		log_warnx("queue_id=%s stored hold unreadable; skipped", key);
	return 0;
}

/* holds_free - free a collected list. */
static void
holds_free(struct holds *hs)
{
	size_t	i;

	for (i = 0; i < hs->n; i++)
		hold_free(&hs->v[i]);
	free(hs->v);
	memset(hs, 0, sizeof(*hs));
}

/* hold_list - every hold with its domains' states. */
json_t *
hold_list(void)
{
	struct holds hs = { NULL, 0, 0 };
	json_t *a = json_array(), *o, *ds, *d;
	size_t	i, j;

	cache_table_walk(CACHE_HOLD, collect, &hs);
	for (i = 0; i < hs.n; i++) {
		struct hold *h = &hs.v[i];

		o = json_object();
		ds = json_array();
		json_object_set_new(o, "queue_id", json_string(h->id));
		json_object_set_new(o, "held_at", control_time(h->held_at));
		for (j = 0; j < h->ndomains; j++) {
			d = json_object();
			json_object_set_new(d, "domain",
			    json_string(h->domains[j]));
			json_object_set_new(d, "state", json_string(
			    route_sts_name(route_domain_state(h->domains[j],
			    0, 0))));
			json_array_append_new(ds, d);
		}
		json_object_set_new(o, "domains", ds);
		json_object_set_new(o, "released_at",
		    control_time(h->stage > 0 ? h->released_at : 0));
		json_object_set_new(o, "release_failures",
		    json_integer(h->failures));
		json_array_append_new(a, o);
	}
	holds_free(&hs);
	return a;
}

/* hold_count - held messages. */
long
hold_count(void)
{
	return cache_table_count(CACHE_HOLD);
}

/*
 * run_release - the release commands for id through the helper; 1 when
 * every command exited 0. status/json filled when not NULL.
 */
static int
run_release(const char *id, json_t *result)
{
	int	status[PRIVSEP_CMDS_MAX];
	char	err[200];
	size_t	n = 0, i;
	int	ok;
	json_t *a;

	ok = privsep_release(id, status, PRIVSEP_CMDS_MAX, &n, err,
	    sizeof(err)) == 0;
	if (!ok)
		log_warnx("queue_id=%s release failed: %s", id, err);
	for (i = 0; ok && i < n; i++)
		if (status[i] != 0)
			ok = 0;
	if (result != NULL) {
		a = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(a, json_integer(status[i]));
		json_object_set_new(result, "status", a);
		json_object_set_new(result, "error", ok ? json_null() :
		    json_string(n > 0 ? "a release command failed" : err));
	}
	return ok;
}

/* hold_release - an admin release. */
int
hold_release(const char *queue_id, json_t **result)
{
	struct hold h;
	json_t *o = NULL;
	int	r;

	if (result != NULL)
		*result = NULL;
	if (!privsep_queue_id_valid(queue_id))
		return 0;
	pthread_mutex_lock(&lock);
	if ((r = hold_get(queue_id, &h)) == 1) {
		hold_free(&h);
		if (cache_table_del(CACHE_HOLD, queue_id) < 0)
			r = -1;
	}
	pthread_mutex_unlock(&lock);
	if (r != 1)
		return r;
	if (result != NULL) {
		o = json_object();
		json_object_set_new(o, "queue_id", json_string(queue_id));
	}
	run_release(queue_id, o);
	log_info("queue_id=%s released by control request", queue_id);
	if (result != NULL)
		*result = o;
	return 1;
}

/* hold_release_all - release every hold. */
long
hold_release_all(json_t *results)
{
	struct holds hs = { NULL, 0, 0 };
	json_t *o;
	long	n = 0;
	size_t	i;

	cache_table_walk(CACHE_HOLD, collect, &hs);
	for (i = 0; i < hs.n; i++)
		if (hold_release(hs.v[i].id, results != NULL ? &o : NULL) ==
		    1) {
			n++;
			if (results != NULL)
				json_array_append_new(results, o);
		}
	holds_free(&hs);
	return n;
}

/* --- the scheduler ------------------------------------------------------ */

/* A per-tick memo of domain states: many holds often share a domain. */
struct memo {
	char  **name;
	enum route_sts *st;
	size_t	cap, n;
};

/* memo_hash - FNV-1a. */
static size_t
memo_hash(const char *s)
{
	return (size_t)hash_str(s);
}

/* memo_state - the state of d this tick, asked once (ROUTE_QUEUE). */
static enum route_sts
memo_state(struct memo *m, const char *d)
{
	enum route_sts s;
	size_t	i;

	if (m->cap == 0)
		return route_domain_state(d, 0, ROUTE_QUEUE);
	for (i = memo_hash(d) & (m->cap - 1); m->name[i] != NULL;
	    i = (i + 1) & (m->cap - 1))
		if (strcmp(m->name[i], d) == 0)
			return m->st[i];
	s = route_domain_state(d, 0, ROUTE_QUEUE);
	if (m->n * 2 < m->cap && (m->name[i] = strdup(d)) != NULL) {
		m->st[i] = s;
		m->n++;
	}
	return s;
}

/* memo_init - a memo for about n domains (works, unmemoised, if empty). */
static void
memo_init(struct memo *m, size_t n)
{
	size_t	cap = 64;

	memset(m, 0, sizeof(*m));
	while (cap < n * 2 && cap < ((size_t)1 << 24))
		cap *= 2;
	m->name = calloc(cap, sizeof(*m->name));
	m->st = calloc(cap, sizeof(*m->st));
	if (m->name == NULL || m->st == NULL) {
		free(m->name);
		free(m->st);
		m->name = NULL;
		m->st = NULL;
		return;
	}
	m->cap = cap;
}

/* memo_free - forget a tick's states. */
static void
memo_free(struct memo *m)
{
	size_t	i;

	for (i = 0; i < m->cap; i++)
		free(m->name[i]);
	free(m->name);
	free(m->st);
	memset(m, 0, sizeof(*m));
}

/* retry_after - the pause after the n-th failed first release. */
static int64_t
retry_after(int n)
{
	int64_t	t = 60;
	int	i;

	for (i = 1; i < n && t < HOLD_RETRY_MAX; i++)
		t *= 2;
	return t < HOLD_RETRY_MAX ? t : HOLD_RETRY_MAX;
}

/* unsettled_list - "a=enforce/failed b=pending" for a log line. */
static void
unsettled_list(const struct hold *h, struct memo *m, char *buf, size_t bufsz)
{
	size_t	i, len = 0;
	enum route_sts s;
	int	w;

	buf[0] = '\0';
	for (i = 0; i < h->ndomains && len < bufsz; i++) {
		s = memo_state(m, h->domains[i]);
		if (route_settled(s))
			continue;
		w = snprintf(buf + len, bufsz - len, "%s%s=%s", len ? " " : "",
		    h->domains[i], route_sts_name(s));
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* domain_list - "a.example b.example" for a log line. */
static void
domain_list(const struct hold *h, char *buf, size_t bufsz)
{
	size_t	i, len = 0;
	int	w;

	buf[0] = '\0';
	for (i = 0; i < h->ndomains && len < bufsz; i++) {
		w = snprintf(buf + len, bufsz - len, "%s%s", len ? " " : "",
		    h->domains[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* release_step - run a scheduled release of h and record the outcome. */
static void
release_step(const struct hold *h, const char *why)
{
	struct hold cur;
	char	names[1024];
	time_t	now;
	int	ok, r;

	ok = run_release(h->id, NULL);
	now = time(NULL);
	pthread_mutex_lock(&lock);
	/* An admin release or a new registration may have come meanwhile. */
	if ((r = hold_get(h->id, &cur)) != 1)
		goto out;
	if (cur.stage != h->stage || cur.held_at != h->held_at ||
	    cur.ndomains != h->ndomains)
		goto out_free;
	if (cur.stage > 0) {
		cache_table_del(CACHE_HOLD, h->id);
		if (ok)
			log_info("queue_id=%s released again; forgotten",
			    h->id);
		else
			log_notice("queue_id=%s second release failed (the "
			    "message may have left the queue); forgotten",
			    h->id);
	} else if (ok) {
		cur.stage = 1;
		cur.released_at = now;
		cur.next_at = now + HOLD_AGAIN;
		hold_put(&cur);
		domain_list(h, names, sizeof(names));
		/* Name the domains: grep DOMAIN must show the release. */
		log_info("queue_id=%s released (%s) after %llds; domains %s",
		    h->id, why, (long long)(now - h->held_at), names);
	} else {
		cur.failures++;
		cur.next_at = now + retry_after(cur.failures);
		hold_put(&cur);
		log_warnx("queue_id=%s release failed (%s); retry in %llds",
		    h->id, why, (long long)(cur.next_at - now));
	}
out_free:
	hold_free(&cur);
out:
	pthread_mutex_unlock(&lock);
}

/* hold_tick - look at every hold once. */
static void
hold_tick(time_t hold_max)
{
	struct holds hs = { NULL, 0, 0 };
	struct memo m;
	char	buf[512];
	time_t	now = time(NULL);
	size_t	i, j, total = 0;
	int	settled;

	if (cache_table_walk(CACHE_HOLD, collect, &hs) <= 0) {
		holds_free(&hs);
		return;
	}
	for (i = 0; i < hs.n; i++)
		total += hs.v[i].ndomains;
	memo_init(&m, total);
	for (i = 0; i < hs.n && !atomic_load(&policyd_stopping); i++) {
		struct hold *h = &hs.v[i];

		if (h->stage > 0) {
			if (now >= h->next_at)
				release_step(h, "again");
			continue;
		}
		/* held_at is whole seconds: "more than" keeps the 2 s. */
		if (now < h->next_at || now - h->held_at <= HOLD_MIN_AGE)
			continue;
		/* Ask for every domain: that moves each one on. */
		settled = 1;
		for (j = 0; j < h->ndomains; j++)
			if (!route_settled(memo_state(&m, h->domains[j])))
				settled = 0;
		if (settled) {
			release_step(h, "every domain settled");
		} else if (now - h->held_at >= hold_max) {
			unsettled_list(h, &m, buf, sizeof(buf));
			log_warnx("queue_id=%s held for hold_max (%llds) with "
			    "%s; releasing anyway: a Postfix that asks the "
			    "socketmap still requires a verified certificate "
			    "naming an MX host of the domain that the policy "
			    "lists (with match_mx_names = no, or before the "
			    "MX hosts are resolved: a name under the policy's "
			    "mx patterns), or DANE where the domain has it; "
			    "an MTA that does not ask it (Sendmail) uses only "
			    "its own TLS settings", h->id,
			    (long long)hold_max, buf);
			release_step(h, "hold_max");
		}
	}
	memo_free(&m);
	holds_free(&hs);
}

/* hold_main - the scheduler thread. */
static void *
hold_main(void *arg)
{
	struct config *cfg;
	struct timespec ts;
	time_t	hold_max, last_sweep = time(NULL);
	long	n;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stop) {
		pthread_mutex_unlock(&lock);
		cfg = policyd_config_get();
		hold_max = cfg->hold_max;
		policyd_config_put(cfg);
		hold_tick(hold_max);
		if (time(NULL) - last_sweep >= SWEEP_EVERY) {
			if ((n = route_sweep()) > 0)
				log_debug("forgot the routes of %ld domain(s) "
				    "no longer cached", n);
			last_sweep = time(NULL);
		}
		pthread_mutex_lock(&lock);
		if (stop)
			break;
		mono_deadline(&ts, 1000);
		pthread_cond_timedwait(&cv, &lock, &ts);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* cv_init - put cv on the monotonic clock (mono.c), once. */
static void
cv_init(void)
{
	mono_cond_init(&cv);
}

/* hold_start - start the scheduler (detached: see hold_stop). */
int
hold_start(void)
{
	pthread_attr_t attr;
	pthread_t t;
	int	rc;

	pthread_once(&cv_once, cv_init);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, hold_main, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		errno = rc;
		log_warn("hold thread");
		return -1;
	}
	running = 1;
	return 0;
}

/*
 * hold_stop - tell the scheduler to stop. Not joined: it may be waiting
 * for a release command (up to PRIVSEP_CMD_TIMEOUT), and stopping must
 * be quick; an interrupted release is simply run again after restart.
 */
void
hold_stop(void)
{
	pthread_once(&cv_once, cv_init);
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stop = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&lock);
}
