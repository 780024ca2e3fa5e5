/*
 * tlsrpt_collect.h - the libtlsrpt datagram collector: a unix SOCK_DGRAM
 * socket at tlsrpt_collector_socket that Postfix >= 3.10 writes to
 * (smtp_tlsrpt_socket_name); each datagram becomes store events.
 */
#ifndef MTASTS_TLSRPT_COLLECT_H
#define MTASTS_TLSRPT_COLLECT_H

#include <stddef.h>
#include <stdint.h>

struct listen_perm;

/*
 * tlsrpt_collect_open - bind the socket at path (a stale socket file is
 * replaced; a live collector there is an error) with perm (listen.h).
 * Call before the privilege drop. 0, or -1 with a reason in err.
 */
int	tlsrpt_collect_open(const char *path, const struct listen_perm *perm,
	    char *err, size_t errsz);

/* tlsrpt_collect_start - start the receiving thread (no-op when not open). */
int	tlsrpt_collect_start(void);

/* tlsrpt_collect_stop - stop it and close the socket. */
void	tlsrpt_collect_stop(void);

/*
 * tlsrpt_collect_datagram - turn one datagram into store events (the
 * receiving thread's work; also for tests). 0 accepted, -1 dropped.
 */
int	tlsrpt_collect_datagram(const char *buf, size_t len);

struct tlsrpt_collect_stats {
	uint64_t received;	/* datagrams read */
	uint64_t accepted;	/* turned into events */
	uint64_t dropped;	/* bad JSON, too large, no usable policy */
	uint64_t warnings;	/* dpv missing or not "1", bytes replaced */
	uint64_t events;	/* store events produced */
};

/* tlsrpt_collect_get_stats - copy the counters. */
void	tlsrpt_collect_get_stats(struct tlsrpt_collect_stats *st);

#endif
