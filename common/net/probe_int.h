/*
 * probe_int.h - what the probe's own files share (probe.c, probe_smtp.c,
 * probe_tls.c): one connection and the helpers on it. Nothing else
 * includes it.
 */
#ifndef MTASTS_PROBE_INT_H
#define MTASTS_PROBE_INT_H

#include <stddef.h>
#include <time.h>

#include <openssl/ssl.h>

#include "config.h"
#include "probe.h"
#include "resolver.h"
#include "smtp_reply.h"

#define PROBE_LINE_MAX		1024	/* one reply line with CRLF (5321: 512) */
#define PR_WAIT_MAX_MS		3600000	/* one poll(), at most */

/* I/O outcomes of the helpers below. */
enum pr_io {
	PR_IO_OK,
	PR_IO_TIMEOUT,
	PR_IO_EOF,	/* the server closed the connection */
	PR_IO_ERROR,	/* socket or TLS error; why says which */
	PR_IO_PROTO	/* malformed or oversized reply */
};

/* What the verify callback saw. */
struct pr_verify {
	int	err;		/* first X509_V_ERR_*, or X509_V_OK */
	int	depth;
};

/* One connection to one address. */
struct pr_conn {
	int	fd;
	SSL    *ssl;
	long	step_ms;		/* one step, at most */
	struct timespec end;		/* the whole conversation */
	char	in[PROBE_LINE_MAX];	/* received, not yet parsed */
	size_t	inlen;
	struct smtp_reply reply;
	struct pr_verify verify;
	const struct dns_tlsa *tlsa;	/* DANE: the secure TLSA RRset, or NULL */
	size_t	dane_usable;		/* RRs OpenSSL took */
	char	why[256];
};

/* probe_smtp.c: the connection, its deadlines and the SMTP dialogue. */
void	pr_step(const struct pr_conn *c, struct timespec *ts);
enum pr_io pr_wait(int fd, short events, const struct timespec *deadline);
void	pr_ssl_error(char *buf, size_t bufsz, const char *what, int sslerr);
enum pr_io pr_ssl_wait(struct pr_conn *c, int r, const char *what,
	    const struct timespec *deadline);
enum pr_io pr_write(struct pr_conn *c, const char *buf, size_t len,
	    const struct timespec *deadline);
enum pr_io pr_fill(struct pr_conn *c, const struct timespec *deadline);
enum pr_io pr_read_reply(struct pr_conn *c, const char *what);
enum pr_io pr_command(struct pr_conn *c, const char *verb, const char *arg);
void	pr_first_line(const struct pr_conn *c, char *buf, size_t bufsz);
int	pr_connect(struct pr_conn *c, const char *addr, unsigned int port);
void	pr_quit(struct pr_conn *c);
void	pr_conn_close(struct pr_conn *c);

/* probe_tls.c: the client context, the handshake, certificates, DANE. */
SSL_CTX *pr_ctx_new(const struct config *cfg, char *why, size_t whysz);
enum probe_result pr_handshake(struct pr_conn *c, SSL_CTX *ctx,
	    const char *host, struct probe_report *rep);
int	pr_dane_precheck(const struct dns_tlsa *t, struct probe_report *rep);

#endif
