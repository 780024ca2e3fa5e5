/*
 * NAME
 *	tlsrpt_collect - receive libtlsrpt datagrams
 * SYNOPSIS
 *	#include "tlsrpt_collect.h"
 * DESCRIPTION
 *	One thread reads the unix datagram socket. Every datagram (at most
 *	TLSRPT_DGRAM_MAX bytes; longer ones are truncated by the kernel and
 *	dropped here) is parsed by tlsrpt_dgram_parse() and each of its
 *	policies becomes one session event for the store: success when
 *	"f" is 0, otherwise a failure counted once, under its first failure
 *	detail, with the further details of the same session counted as
 *	details only. Drops and warnings are logged (rate-limited to the
 *	first few and then every 1000th) and counted.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "tlsrpt_collect.h"
#include "tlsrpt_dgram.h"
#include "tlsrpt_store.h"

#define TC_LOG_FIRST	20	/* log this many drops, then every 1000th */

static int tc_fd = -1;
static char *tc_path;
static pthread_t tc_thread;
static int tc_running;
static atomic_int tc_stop;
static pthread_mutex_t tc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tlsrpt_collect_stats tc_stats;

/* tc_should_log - rate limit for per-datagram messages. */
static int
tc_should_log(uint64_t n)
{
	return n <= TC_LOG_FIRST || n % 1000 == 0;
}

/* tlsrpt_collect_open - bind the datagram socket. */
int
tlsrpt_collect_open(const char *path, const struct listen_perm *perm,
    char *err, size_t errsz)
{
	int	fd;

	if ((fd = listen_unix(path, SOCK_DGRAM, perm, err,
	    errsz)) < 0)
		return -1;
	if ((tc_path = strdup(path)) == NULL) {
		snprintf(err, errsz, "out of memory");
		unlink(path);
		close(fd);
		return -1;
	}
	tc_fd = fd;
	return 0;
}

/* tc_type - the store's policy type of a datagram policy. */
static enum tlsrpt_policy_type
tc_type(enum tlsrpt_dgram_type t)
{
	switch (t) {
	case TLSRPT_DGRAM_STS:
		return TLSRPT_POLICY_STS;
	case TLSRPT_DGRAM_TLSA:
		return TLSRPT_POLICY_TLSA;
	default:
		return TLSRPT_POLICY_NONE;
	}
}

/* tc_detail - copy a datagram detail into an event. */
static void
tc_detail(struct tlsrpt_event *ev, const struct tlsrpt_dgram_detail *d)
{
	ev->result_type = d->result_type;
	ev->sending_mta_ip = d->sending_ip;
	ev->receiving_mx_hostname = d->mx_name;
	ev->receiving_mx_helo = d->helo;
	ev->receiving_ip = d->receiving_ip;
	ev->additional_information = d->additional;
	ev->failure_reason_code = d->reason;
}

/* tlsrpt_collect_datagram - one datagram into events. */
int
tlsrpt_collect_datagram(const char *buf, size_t len)
{
	struct tlsrpt_dgram dg;
	struct tlsrpt_event ev;
	const char *why;
	uint64_t n, events = 0;
	size_t	i, j;
	int	first;

	/*
	 * "received" is counted once a datagram is fully handled (stored or
	 * dropped), so whoever sees the count also sees its results.
	 */
	if (tlsrpt_dgram_parse(buf, len, &dg, &why) != 0) {
		pthread_mutex_lock(&tc_lock);
		tc_stats.received++;
		n = ++tc_stats.dropped;
		pthread_mutex_unlock(&tc_lock);
		if (tc_should_log(n))
			log_warnx("tlsrpt collector: datagram of %zu bytes "
			    "dropped: %s (%llu dropped so far)", len, why,
			    (unsigned long long)n);
		return -1;
	}
	if (dg.warn_version || dg.replaced_bytes > 0) {
		pthread_mutex_lock(&tc_lock);
		n = ++tc_stats.warnings;
		pthread_mutex_unlock(&tc_lock);
		if (tc_should_log(n))
			log_warnx("tlsrpt collector: datagram for %s: %s%s%s "
			    "(kept)", dg.domain != NULL ? dg.domain : "?",
			    dg.warn_version ? "dpv missing or not \"1\"" : "",
			    dg.warn_version && dg.replaced_bytes ? ", " : "",
			    dg.replaced_bytes ? "invalid UTF-8 replaced" :
			    "");
	}
	if (dg.domain != NULL && tlsrpt_store_take_report(dg.domain)) {
		/* The delivery of a report we sent: not counted (loops). */
		log_debug("tlsrpt collector: datagram for %s left out: our "
		    "own report mail", dg.domain);
		tlsrpt_dgram_free(&dg);
		pthread_mutex_lock(&tc_lock);
		tc_stats.received++;
		pthread_mutex_unlock(&tc_lock);
		return 0;
	}
	for (i = 0; i < dg.npolicies; i++) {
		const struct tlsrpt_dgram_policy *p = &dg.policies[i];

		memset(&ev, 0, sizeof(ev));
		ev.type = tc_type(p->type);
		ev.policy_domain = p->policy_domain;
		ev.report_domain = dg.domain;
		ev.record = dg.record;
		ev.nstrings = p->nstrings;
		ev.strings = (const char *const *)p->strings;
		ev.nmx = p->nmx;
		ev.mx_host = (const char *const *)p->mx;
		if (!p->failed) {
			if (tlsrpt_store_add(&ev) == 0)
				events++;
			continue;
		}
		first = 1;
		for (j = 0; j < p->ndetails; j++) {
			if (p->details[j].result_type == NULL)
				continue;
			ev.failed = first ? 1 : 2;
			tc_detail(&ev, &p->details[j]);
			if (tlsrpt_store_add(&ev) == 0)
				events++;
			first = 0;
		}
		if (first) {
			/* failed without a known detail: the total only */
			ev.failed = 1;
			if (tlsrpt_store_add(&ev) == 0)
				events++;
		}
	}
	tlsrpt_dgram_free(&dg);
	pthread_mutex_lock(&tc_lock);
	tc_stats.received++;
	tc_stats.accepted++;
	tc_stats.events += events;
	pthread_mutex_unlock(&tc_lock);
	return 0;
}

/* tc_main - the receiving thread. */
static void *
tc_main(void *arg)
{
	struct pollfd pfd;
	struct msghdr msg;
	struct iovec iov;
	char   *buf;
	ssize_t	r;
	uint64_t n;

	(void)arg;
	if ((buf = malloc(TLSRPT_DGRAM_MAX + 1)) == NULL) {
		log_warnx("tlsrpt collector: out of memory");
		return NULL;
	}
	while (!atomic_load(&tc_stop)) {
		pfd.fd = tc_fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 500) <= 0)
			continue;
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = buf;
		iov.iov_len = TLSRPT_DGRAM_MAX + 1;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		if ((r = recvmsg(tc_fd, &msg, MSG_DONTWAIT)) < 0) {
			if (errno != EINTR && errno != EAGAIN &&
			    errno != EWOULDBLOCK)
				log_warn("tlsrpt collector: recv");
			continue;
		}
		if ((msg.msg_flags & MSG_TRUNC) ||
		    (size_t)r > TLSRPT_DGRAM_MAX) {
			pthread_mutex_lock(&tc_lock);
			tc_stats.received++;
			n = ++tc_stats.dropped;
			pthread_mutex_unlock(&tc_lock);
			if (tc_should_log(n))
				log_warnx("tlsrpt collector: datagram larger "
				    "than %d bytes dropped", TLSRPT_DGRAM_MAX);
			continue;
		}
		tlsrpt_collect_datagram(buf, (size_t)r);
	}
	free(buf);
	return NULL;
}

/* tlsrpt_collect_start - start the thread when the socket is open. */
int
tlsrpt_collect_start(void)
{
	if (tc_fd < 0 || tc_running)
		return 0;
	atomic_store(&tc_stop, 0);
	if (pthread_create(&tc_thread, NULL, tc_main, NULL) != 0)
		return -1;
	tc_running = 1;
	return 0;
}

/* tlsrpt_collect_stop - stop the thread, close and remove the socket. */
void
tlsrpt_collect_stop(void)
{
	if (tc_running) {
		atomic_store(&tc_stop, 1);
		pthread_join(tc_thread, NULL);
		tc_running = 0;
	}
	if (tc_fd >= 0) {
		close(tc_fd);
		tc_fd = -1;
		if (tc_path != NULL)
			(void)unlink(tc_path);
	}
	free(tc_path);
	tc_path = NULL;
}

/* tlsrpt_collect_get_stats - copy the counters. */
void
tlsrpt_collect_get_stats(struct tlsrpt_collect_stats *st)
{
	pthread_mutex_lock(&tc_lock);
	*st = tc_stats;
	pthread_mutex_unlock(&tc_lock);
}
