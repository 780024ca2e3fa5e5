/*
 * NAME
 *	probe - check one MX host the way an MTA-STS sender would
 * SYNOPSIS
 *	#include "probe.h"
 *
 *	void probe_mx(cfg, host, &rep)
 *	void probe_mx_dane(cfg, host, &tlsa, &rep)
 *	const char *probe_result_name(result)
 * DESCRIPTION
 *	probe_mx() resolves host with resolver_addrs() (libunbound, like all
 *	our DNS) and talks to each address in turn on cfg->mx_smtp_port:
 *	the 220 banner, EHLO cfg->probe_helo, STARTTLS if the EHLO reply
 *	offers it, a TLS handshake (TLS 1.2 at least, SNI = host), then QUIT.
 *	Nothing else is ever sent: no MAIL, no mail, and after a failed or
 *	missing STARTTLS only QUIT in plaintext (RFC 8461 §4.2, §5).
 *
 *	The certificate check is OpenSSL's: the chain against tls_ca_file /
 *	tls_ca_path (the system store when neither is set), the name with
 *	X509_VERIFY_PARAM_set1_host() under NEVER_CHECK_SUBJECT and
 *	NO_PARTIAL_WILDCARDS (DNS-IDs only, a wildcard only as a whole
 *	left-most label: DESIGN §7, E3). The verify callback notes the first
 *	error and lets the handshake finish, so the failure can be told apart
 *	and the certificate described: expired or not yet valid ->
 *	PROBE_CERT_EXPIRED, name -> PROBE_CERT_HOST_MISMATCH, anything else
 *	about the chain -> PROBE_CERT_NOT_TRUSTED (E10). A handshake that
 *	fails (TLS below 1.2, no shared cipher, alerts) is
 *	PROBE_VALIDATION_FAILURE; data the server sent after its 220 to
 *	STARTTLS (command injection) is too.
 *
 *	DANE (probe_mx_dane(), RFC 7672): with a secure TLSA RRset the
 *	context is DANE-enabled (SSL_CTX_dane_enable) and each connection
 *	gets SSL_dane_enable(host) and the usable RRs (SSL_dane_tlsa_add;
 *	PKIX-TA(0)/PKIX-EE(1) are left out, RFC 7672 §3.1.3), with
 *	DANE_FLAG_NO_DANE_EE_NAMECHECKS (DANE-EE(3) checks no name, §3.1.1).
 *	OpenSSL then trusts the TLSA RRs alone, and the verify callback sees
 *	X509_V_ERR_DANE_NO_MATCH when none matches: PROBE_TLSA_INVALID
 *	(RFC 8460 tlsa-invalid), even where the WebPKI chain is good; other
 *	errors (a DANE-TA chain for the wrong name, expired under DANE-TA)
 *	keep their WebPKI classes. The matching RR is reported in
 *	dane_match. The DNS side is decided before any connection: a bogus
 *	TLSA answer is PROBE_DNSSEC_INVALID (dnssec-invalid), no secure TLSA
 *	RRs PROBE_DANE_REQUIRED (dane-required).
 *
 *	An address that cannot be reached, times out, greets with anything
 *	but 220 or rejects EHLO is PROBE_UNREACHABLE and the next address is
 *	tried; any other outcome is the host's answer and ends the probe.
 *	EHLO answered with 500 or 502 (no ESMTP), no STARTTLS keyword, or a
 *	refused STARTTLS command are PROBE_STARTTLS_NOT_SUPPORTED.
 *
 *	Time: every step (connect, one reply, one write, the handshake) may
 *	take at most probe_timeout() seconds, the smaller of PROBE_TIMEOUT
 *	and cfg->fetch_timeout, and the whole conversation with one address
 *	at most twice that; the final QUIT waits at most PROBE_QUIT_MS. The
 *	DNS lookup is bounded by the resolver's own deadline.
 *
 *	Limits: a reply line may hold PROBE_LINE_MAX octets, a whole reply
 *	SMTP_REPLY_MAX octets or SMTP_REPLY_LINES lines (smtp_reply.c); more
 *	is a protocol error. At most PROBE_ADDRS_MAX addresses are tried.
 *
 *	Threads: everything lives on the call (one SSL_CTX per call); the
 *	calling thread blocks SIGPIPE while it probes and swallows one that
 *	its own writes raised, so a peer that hangs up cannot kill a process
 *	that did not ignore SIGPIPE.
 * DIAGNOSTICS
 *	The report says what happened: result, the address that gave it,
 *	TLS version and cipher, the leaf certificate's subject, issuer and
 *	notAfter, the server's EHLO name, and why, one line for logs and
 *	mtasts-ctl ("certificate has expired (depth 0)", "STARTTLS not
 *	offered", "127.0.0.29: connect: Connection refused", "timeout
 *	waiting for the banner").
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "log.h"
#include "mx_match.h"
#include "probe.h"
#include "smtp_reply.h"
#include "resolver.h"
#include "tls.h"

#define PROBE_LINE_MAX		1024	/* one reply line with CRLF (5321: 512) */
#define PROBE_ADDRS_MAX		8
#define PROBE_QUIT_MS		5000	/* the polite goodbye, at most */

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#define PR_PEER_CERT(s)		SSL_get1_peer_certificate(s)
#else
#define PR_PEER_CERT(s)		SSL_get_peer_certificate(s)
#endif

#ifdef MSG_NOSIGNAL
#define PR_SEND_FLAGS		MSG_NOSIGNAL
#else
#define PR_SEND_FLAGS		0
#endif

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

/* probe_timeout - seconds one step may take: PROBE_TIMEOUT or less. */
int
probe_timeout(const struct config *cfg)
{
	if (cfg != NULL && cfg->fetch_timeout > 0 &&
	    cfg->fetch_timeout < PROBE_TIMEOUT)
		return (int)cfg->fetch_timeout;
	return PROBE_TIMEOUT;
}

/* pr_deadline - now + ms on the monotonic clock. */
static void
pr_deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* pr_left_ms - milliseconds until ts (0 when past). */
static int
pr_left_ms(const struct timespec *ts)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(ts->tv_sec - now.tv_sec) * 1000 +
	    (ts->tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return 0;
	if (ms > 3600000)
		ms = 3600000;
	return (int)ms;
}

/* pr_step - the deadline of the next step: now + step, within end. */
static void
pr_step(const struct pr_conn *c, struct timespec *ts)
{
	pr_deadline(ts, c->step_ms);
	if (ts->tv_sec > c->end.tv_sec || (ts->tv_sec == c->end.tv_sec &&
	    ts->tv_nsec > c->end.tv_nsec))
		*ts = c->end;
}

/* pr_wait - poll fd for events until deadline; PR_IO_OK when ready. */
static enum pr_io
pr_wait(int fd, short events, const struct timespec *deadline)
{
	struct pollfd pfd;
	int	ms, r;

	for (;;) {
		if ((ms = pr_left_ms(deadline)) == 0)
			return PR_IO_TIMEOUT;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return PR_IO_OK;	/* errors show at the next call */
		if (r == 0)
			continue;
		if (errno != EINTR)
			return PR_IO_ERROR;
	}
}

/* pr_ssl_error - the reason of a failed TLS call, from the error queue. */
static void
pr_ssl_error(char *buf, size_t bufsz, const char *what, int sslerr)
{
	unsigned long e;
	const char *reason;

	e = ERR_peek_last_error();
	reason = e != 0 ? ERR_reason_error_string(e) : NULL;
	if (reason != NULL)
		log_oneline(buf, bufsz, "%s: %s", what, reason);
	else if (sslerr == SSL_ERROR_SYSCALL && errno != 0)
		log_oneline(buf, bufsz, "%s: %s", what, strerror(errno));
	else if (sslerr == SSL_ERROR_SYSCALL || sslerr == SSL_ERROR_ZERO_RETURN)
		log_oneline(buf, bufsz, "%s: connection closed by the server",
		    what);
	else
		log_oneline(buf, bufsz, "%s: TLS error %d", what, sslerr);
	ERR_clear_error();
}

/*
 * pr_ssl_wait - after a TLS call returned r: wait for what it wants.
 * PR_IO_OK means call again.
 */
static enum pr_io
pr_ssl_wait(struct pr_conn *c, int r, const char *what,
    const struct timespec *deadline)
{
	int	e;

	e = SSL_get_error(c->ssl, r);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		return pr_wait(c->fd, POLLIN, deadline);
	case SSL_ERROR_WANT_WRITE:
		return pr_wait(c->fd, POLLOUT, deadline);
	case SSL_ERROR_ZERO_RETURN:
		ERR_clear_error();
		return PR_IO_EOF;
	default:
		pr_ssl_error(c->why, sizeof(c->why), what, e);
		return PR_IO_ERROR;
	}
}

/* pr_write - send all of buf (plaintext or TLS) before the deadline. */
static enum pr_io
pr_write(struct pr_conn *c, const char *buf, size_t len,
    const struct timespec *deadline)
{
	enum pr_io io;
	ssize_t	n;
	int	r;

	while (len > 0) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_write(c->ssl, buf, len > INT32_MAX ? INT32_MAX :
			    (int)len);
			if (r > 0) {
				buf += r;
				len -= (size_t)r;
				continue;
			}
			if ((io = pr_ssl_wait(c, r, "TLS write",
			    deadline)) != PR_IO_OK)
				return io;
			continue;
		}
		n = send(c->fd, buf, len, PR_SEND_FLAGS);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((io = pr_wait(c->fd, POLLOUT, deadline)) !=
			    PR_IO_OK)
				return io;
			continue;
		}
		log_oneline(c->why, sizeof(c->why), "send: %s", strerror(errno));
		return PR_IO_ERROR;
	}
	return PR_IO_OK;
}

/* pr_fill - read more octets into c->in before the deadline. */
static enum pr_io
pr_fill(struct pr_conn *c, const struct timespec *deadline)
{
	size_t	room = sizeof(c->in) - c->inlen;
	enum pr_io io;
	ssize_t	n;
	int	r;

	if (room == 0)
		return PR_IO_PROTO;
	for (;;) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			r = SSL_read(c->ssl, c->in + c->inlen, (int)room);
			if (r > 0) {
				c->inlen += (size_t)r;
				return PR_IO_OK;
			}
			if ((io = pr_ssl_wait(c, r, "TLS read", deadline)) !=
			    PR_IO_OK)
				return io;
			continue;
		}
		n = recv(c->fd, c->in + c->inlen, room, 0);
		if (n > 0) {
			c->inlen += (size_t)n;
			return PR_IO_OK;
		}
		if (n == 0)
			return PR_IO_EOF;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((io = pr_wait(c->fd, POLLIN, deadline)) != PR_IO_OK)
				return io;
			continue;
		}
		log_oneline(c->why, sizeof(c->why), "recv: %s", strerror(errno));
		return PR_IO_ERROR;
	}
}

/*
 * pr_read_reply - read one whole (multi-line) reply into c->reply within
 * one step. Lines end in CRLF (a bare LF is taken too).
 */
static enum pr_io
pr_read_reply(struct pr_conn *c, const char *what)
{
	struct timespec deadline;
	enum pr_io io;
	char   *nl;
	size_t	llen;
	int	last;

	pr_step(c, &deadline);
	smtp_reply_init(&c->reply);
	for (;;) {
		while ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
			llen = (size_t)(nl - c->in);
			if (llen > 0 && c->in[llen - 1] == '\r')
				llen--;
			last = smtp_reply_line(&c->reply, c->in, llen);
			c->inlen -= (size_t)(nl - c->in) + 1;
			memmove(c->in, nl + 1, c->inlen);
			if (last == -1) {
				log_oneline(c->why, sizeof(c->why),
				    "malformed reply to %s", what);
				return PR_IO_PROTO;
			}
			if (last == 1)
				return PR_IO_OK;
		}
		if (c->inlen == sizeof(c->in)) {
			log_oneline(c->why, sizeof(c->why), "reply line to %s "
			    "longer than %d octets", what, PROBE_LINE_MAX);
			return PR_IO_PROTO;
		}
		if ((io = pr_fill(c, &deadline)) != PR_IO_OK) {
			if (io == PR_IO_TIMEOUT)
				log_oneline(c->why, sizeof(c->why),
				    "timeout waiting for the reply to %s",
				    what);
			else if (io == PR_IO_EOF)
				log_oneline(c->why, sizeof(c->why), "connection "
				    "closed waiting for the reply to %s", what);
			else if (io == PR_IO_ERROR) {
				char	tmp[sizeof(c->why)];

				snprintf(tmp, sizeof(tmp), "%s", c->why);
				log_oneline(c->why, sizeof(c->why), "%s (reply "
				    "to %s)", tmp, what);
			}
			return io;
		}
	}
}

/* pr_command - send one command line and read its reply. */
static enum pr_io
pr_command(struct pr_conn *c, const char *verb, const char *arg)
{
	struct timespec deadline;
	char	line[PROBE_LINE_MAX];
	enum pr_io io;
	int	n;

	n = snprintf(line, sizeof(line), "%s%s%s\r\n", verb, arg ? " " : "",
	    arg ? arg : "");
	if (n < 0 || (size_t)n >= sizeof(line)) {
		log_oneline(c->why, sizeof(c->why), "%s argument too long", verb);
		return PR_IO_PROTO;
	}
	pr_step(c, &deadline);
	if ((io = pr_write(c, line, (size_t)n, &deadline)) != PR_IO_OK) {
		if (io == PR_IO_TIMEOUT)
			log_oneline(c->why, sizeof(c->why), "timeout sending %s",
			    verb);
		return io;
	}
	return pr_read_reply(c, verb);
}

/* pr_first_line - the first line of the reply, for why. */
static void
pr_first_line(const struct pr_conn *c, char *buf, size_t bufsz)
{
	size_t	n;

	n = strcspn(c->reply.text, "\n");
	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, c->reply.text, n);
	buf[n] = '\0';
}

/* pr_connect - a non-blocking TCP connection to addr:port; -1 with why. */
static int
pr_connect(struct pr_conn *c, const char *addr, unsigned int port)
{
	struct addrinfo hints, *res = NULL;
	struct timespec deadline;
	char	portstr[16];
	socklen_t slen;
	int	fd = -1, flags, err, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%u", port);
	if ((r = getaddrinfo(addr, portstr, &hints, &res)) != 0) {
		log_oneline(c->why, sizeof(c->why), "%s: %s", addr,
		    gai_strerror(r));
		return -1;
	}
	if ((fd = socket(res->ai_family, SOCK_STREAM, 0)) == -1) {
		log_oneline(c->why, sizeof(c->why), "socket: %s", strerror(errno));
		goto fail;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		log_oneline(c->why, sizeof(c->why), "fcntl: %s", strerror(errno));
		goto fail;
	}
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
	flags = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &flags, sizeof(flags));
#endif
	pr_step(c, &deadline);
	if (connect(fd, res->ai_addr, res->ai_addrlen) == 0)
		goto done;
	if (errno != EINPROGRESS && errno != EINTR) {
		log_oneline(c->why, sizeof(c->why), "connect: %s", strerror(errno));
		goto fail;
	}
	if (pr_wait(fd, POLLOUT, &deadline) != PR_IO_OK) {
		log_oneline(c->why, sizeof(c->why), "connect: timeout after %ld s",
		    c->step_ms / 1000);
		goto fail;
	}
	err = 0;
	slen = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &slen) == -1)
		err = errno;
	if (err != 0) {
		log_oneline(c->why, sizeof(c->why), "connect: %s", strerror(err));
		goto fail;
	}
done:
	freeaddrinfo(res);
	c->fd = fd;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

/* pr_verify_cb - note the first verification error, never stop. */
static int
pr_verify_cb(int ok, X509_STORE_CTX *xs)
{
	struct pr_verify *v;
	SSL    *ssl;

	if (ok)
		return 1;
	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl != NULL && (v = SSL_get_app_data(ssl)) != NULL &&
	    v->err == X509_V_OK) {
		v->err = X509_STORE_CTX_get_error(xs);
		v->depth = X509_STORE_CTX_get_error_depth(xs);
		if (v->err == X509_V_OK)	/* failed without a reason */
			v->err = X509_V_ERR_UNSPECIFIED;
	}
	return 1;
}

/* pr_ctx_new - the client context of one probe; NULL with why. */
static SSL_CTX *
pr_ctx_new(const struct config *cfg, char *why, size_t whysz)
{
	SSL_CTX *ctx;
	const char *file, *path;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		pr_ssl_error(why, whysz, "SSL_CTX_new", 0);
		return NULL;
	}
	if (tls_ctx_floor(ctx) == -1) {
		pr_ssl_error(why, whysz, "TLS 1.2 minimum", 0);
		goto fail;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION
#ifdef SSL_OP_NO_RENEGOTIATION
	    | SSL_OP_NO_RENEGOTIATION
#endif
	    );
	file = cfg->tls_ca_file != NULL && cfg->tls_ca_file[0] != '\0' ?
	    cfg->tls_ca_file : NULL;
	path = cfg->tls_ca_path != NULL && cfg->tls_ca_path[0] != '\0' ?
	    cfg->tls_ca_path : NULL;
	if (file != NULL || path != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, file, path) != 1) {
			pr_ssl_error(why, whysz, file != NULL ?
			    "cannot load tls_ca_file" :
			    "cannot load tls_ca_path", 0);
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		pr_ssl_error(why, whysz, "cannot load the system trust store",
		    0);
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, pr_verify_cb);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* pr_name_line - an X509 name as one RFC 2253 line into buf. */
static void
pr_name_line(X509_NAME *name, char *buf, size_t bufsz)
{
	BIO    *b;
	char   *data;
	long	n;

	buf[0] = '\0';
	if (name == NULL || (b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_get_mem_data(b, &data)) > 0)
		log_oneline(buf, bufsz, "%.*s", (int)(n > 4096 ? 4096 : n), data);
	BIO_free(b);
}

/* pr_not_after - a certificate's notAfter as Unix time, 0 if unknown. */
static int64_t
pr_not_after(const X509 *cert)
{
	const ASN1_TIME *na;
	ASN1_TIME *epoch;
	int	days, secs;
	int64_t	t = 0;

	if ((na = X509_get0_notAfter(cert)) == NULL)
		return 0;
	if ((epoch = ASN1_TIME_set(NULL, 0)) == NULL)
		return 0;
	if (ASN1_TIME_diff(&days, &secs, epoch, na) == 1)
		t = (int64_t)days * 86400 + secs;
	ASN1_TIME_free(epoch);
	return t;
}

/* pr_cert_info - subject, issuer and notAfter of the leaf into rep. */
static int
pr_cert_info(SSL *ssl, struct probe_report *rep)
{
	X509   *cert;

	if ((cert = PR_PEER_CERT(ssl)) == NULL)
		return -1;
	pr_name_line(X509_get_subject_name(cert), rep->cert_subject,
	    sizeof(rep->cert_subject));
	pr_name_line(X509_get_issuer_name(cert), rep->cert_issuer,
	    sizeof(rep->cert_issuer));
	rep->cert_not_after = pr_not_after(cert);
	X509_free(cert);
	return 0;
}

/* pr_classify - the result type of a verification error (E10). */
static enum probe_result
pr_classify(int err)
{
	switch (err) {
	case X509_V_OK:
		return PROBE_OK;
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return PROBE_CERT_EXPIRED;
	case X509_V_ERR_HOSTNAME_MISMATCH:
		return PROBE_CERT_HOST_MISMATCH;
	default:
		return PROBE_CERT_NOT_TRUSTED;
	}
}

/* pr_dane_setup - DANE for this connection: the usable RRs; 0 or -1. */
static int
pr_dane_setup(struct pr_conn *c, const char *host)
{
	const struct dns_tlsa_rr *rr;
	size_t	i;
	int	r;

	c->dane_usable = 0;
	if (SSL_dane_enable(c->ssl, host) <= 0)
		return -1;
	(void)SSL_dane_set_flags(c->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (i = 0; i < c->tlsa->n; i++) {
		rr = &c->tlsa->rr[i];
		if (!dns_tlsa_rr_usable(rr))
			continue;
		r = SSL_dane_tlsa_add(c->ssl, (uint8_t)rr->usage,
		    (uint8_t)rr->selector, (uint8_t)rr->mtype, rr->data,
		    rr->len);
		if (r < 0)
			return -1;
		if (r > 0)
			c->dane_usable++;
	}
	ERR_clear_error();	/* unusable RRs leave errors behind */
	return 0;
}

/* pr_dane_result - the outcome of a DANE-verified handshake. */
static enum probe_result
pr_dane_result(struct pr_conn *c, struct probe_report *rep)
{
	const unsigned char *data;
	uint8_t	usage, selector, mtype;
	size_t	dlen;
	int	depth;

	if (c->dane_usable == 0) {
		log_oneline(c->why, sizeof(c->why), "no usable TLSA RR: "
		    "TLS without authentication (RFC 7672 2.2), %s with %s",
		    rep->tls_version, rep->cipher);
		return PROBE_OK;
	}
	if (c->verify.err == X509_V_ERR_DANE_NO_MATCH) {
		log_oneline(c->why, sizeof(c->why), "no TLSA RR of %s matches "
		    "the certificate chain", c->tlsa->name);
		return PROBE_TLSA_INVALID;
	}
	if (c->verify.err != X509_V_OK) {
		log_oneline(c->why, sizeof(c->why), "DANE: %s (depth %d)",
		    X509_verify_cert_error_string(c->verify.err),
		    c->verify.depth);
		return pr_classify(c->verify.err);
	}
	if ((depth = SSL_get0_dane_tlsa(c->ssl, &usage, &selector, &mtype,
	    &data, &dlen)) < 0) {
		/* Verified, yet by no TLSA RR: not DANE. */
		log_oneline(c->why, sizeof(c->why), "no TLSA RR of %s matched",
		    c->tlsa->name);
		return PROBE_TLSA_INVALID;
	}
	snprintf(rep->dane_match, sizeof(rep->dane_match), "%u %u %u",
	    (unsigned int)usage, (unsigned int)selector, (unsigned int)mtype);
	log_oneline(c->why, sizeof(c->why), "DANE-%s(%u) %s matched at depth "
	    "%d, %s with %s", usage == 3 ? "EE" : "TA", (unsigned int)usage,
	    rep->dane_match, depth, rep->tls_version, rep->cipher);
	return PROBE_OK;
}

/* pr_handshake - STARTTLS's TLS handshake; the result, why in c. */
static enum probe_result
pr_handshake(struct pr_conn *c, SSL_CTX *ctx, const char *host,
    struct probe_report *rep)
{
	struct timespec deadline;
	X509_VERIFY_PARAM *param;
	enum pr_io io;
	long	vr;
	int	r;

	if ((c->ssl = SSL_new(ctx)) == NULL) {
		pr_ssl_error(c->why, sizeof(c->why), "SSL_new", 0);
		return PROBE_UNREACHABLE;
	}
	c->verify.err = X509_V_OK;
	SSL_set_app_data(c->ssl, &c->verify);
	param = SSL_get0_param(c->ssl);
	if (c->tlsa != NULL && pr_dane_setup(c, host) == -1) {
		pr_ssl_error(c->why, sizeof(c->why), "DANE setup", 0);
		SSL_free(c->ssl);
		c->ssl = NULL;
		return PROBE_UNREACHABLE;
	}
	if (SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_set_tlsext_host_name(c->ssl, host) != 1 ||
	    tls_param_host(param, host) == -1) {
		pr_ssl_error(c->why, sizeof(c->why), "TLS setup", 0);
		/* No QUIT through an SSL that never shook hands. */
		SSL_free(c->ssl);
		c->ssl = NULL;
		return PROBE_UNREACHABLE;
	}
	pr_step(c, &deadline);
	for (;;) {
		ERR_clear_error();
		if ((r = SSL_connect(c->ssl)) == 1)
			break;
		io = pr_ssl_wait(c, r, "TLS handshake", &deadline);
		if (io == PR_IO_OK)
			continue;
		/* No session: no TLS shutdown either. */
		SSL_free(c->ssl);
		c->ssl = NULL;
		if (io == PR_IO_TIMEOUT) {
			log_oneline(c->why, sizeof(c->why),
			    "timeout in the TLS handshake");
			return PROBE_UNREACHABLE;
		}
		if (io == PR_IO_EOF)
			log_oneline(c->why, sizeof(c->why), "TLS handshake: "
			    "connection closed by the server");
		return PROBE_VALIDATION_FAILURE;
	}

	snprintf(rep->tls_version, sizeof(rep->tls_version), "%s",
	    SSL_get_version(c->ssl));
	snprintf(rep->cipher, sizeof(rep->cipher), "%s",
	    SSL_get_cipher_name(c->ssl));
	if (pr_cert_info(c->ssl, rep) == -1) {
		log_oneline(c->why, sizeof(c->why), "no server certificate");
		return PROBE_CERT_NOT_TRUSTED;
	}
	if (c->verify.err == X509_V_OK &&
	    (vr = SSL_get_verify_result(c->ssl)) != X509_V_OK) {
		c->verify.err = (int)vr;
		c->verify.depth = 0;
	}
	if (c->tlsa != NULL)
		return pr_dane_result(c, rep);
	if (c->verify.err != X509_V_OK) {
		log_oneline(c->why, sizeof(c->why), "%s (depth %d)",
		    X509_verify_cert_error_string(c->verify.err),
		    c->verify.depth);
		return pr_classify(c->verify.err);
	}
	log_oneline(c->why, sizeof(c->why), "verified %s with %s", rep->tls_version,
	    rep->cipher);
	return PROBE_OK;
}

/*
 * pr_quit - QUIT, read the 221 (briefly), close TLS; errors ignored. The
 * result is known by now, so this may run past the conversation's end,
 * by one step or PROBE_QUIT_MS, whichever is shorter.
 */
static void
pr_quit(struct pr_conn *c)
{
	char	saved[sizeof(c->why)];

	snprintf(saved, sizeof(saved), "%s", c->why);
	if (c->step_ms > PROBE_QUIT_MS)
		c->step_ms = PROBE_QUIT_MS;
	pr_deadline(&c->end, c->step_ms);
	(void)pr_command(c, "QUIT", NULL);
	if (c->ssl != NULL) {
		ERR_clear_error();
		(void)SSL_shutdown(c->ssl);	/* one try, no waiting */
		ERR_clear_error();
	}
	snprintf(c->why, sizeof(c->why), "%s", saved);
}

/*
 * pr_session - the whole conversation with one address. Returns the
 * result; the reason is in c->why, TLS details in rep.
 */
static enum probe_result
pr_session(struct pr_conn *c, SSL_CTX *ctx, const struct config *cfg,
    const char *host, const char *addr, struct probe_report *rep)
{
	enum probe_result res = PROBE_UNREACHABLE;
	char	first[128];
	const char *helo;
	enum pr_io io;

	if (pr_connect(c, addr, cfg->mx_smtp_port) == -1)
		return PROBE_UNREACHABLE;

	if ((io = pr_read_reply(c, "the banner")) != PR_IO_OK) {
		if (io == PR_IO_TIMEOUT)
			log_oneline(c->why, sizeof(c->why), "timeout waiting for "
			    "the banner (%ld s)", c->step_ms / 1000);
		return PROBE_UNREACHABLE;
	}
	if (c->reply.code != 220) {
		pr_first_line(c, first, sizeof(first));
		log_oneline(c->why, sizeof(c->why), "banner %d %s", c->reply.code,
		    first);
		goto quit;
	}
	smtp_reply_greeting_name(&c->reply, rep->helo, sizeof(rep->helo));

	helo = cfg->probe_helo != NULL && cfg->probe_helo[0] != '\0' ?
	    cfg->probe_helo : "localhost";
	if ((io = pr_command(c, "EHLO", helo)) != PR_IO_OK)
		return PROBE_UNREACHABLE;
	if (c->reply.code != 250) {
		pr_first_line(c, first, sizeof(first));
		log_oneline(c->why, sizeof(c->why), "EHLO refused: %d %s",
		    c->reply.code, first);
		if (c->reply.code == 500 || c->reply.code == 502)
			res = PROBE_STARTTLS_NOT_SUPPORTED;
		goto quit;
	}
	rep->helo[0] = '\0';
	smtp_reply_greeting_name(&c->reply, rep->helo, sizeof(rep->helo));
	if (!smtp_reply_has_keyword(&c->reply, "STARTTLS")) {
		log_oneline(c->why, sizeof(c->why), "STARTTLS not offered");
		res = PROBE_STARTTLS_NOT_SUPPORTED;
		goto quit;
	}

	if ((io = pr_command(c, "STARTTLS", NULL)) != PR_IO_OK)
		return PROBE_UNREACHABLE;
	if (c->reply.code != 220) {
		pr_first_line(c, first, sizeof(first));
		log_oneline(c->why, sizeof(c->why), "STARTTLS refused: %d %s",
		    c->reply.code, first);
		res = PROBE_STARTTLS_NOT_SUPPORTED;
		goto quit;
	}
	if (c->inlen > 0) {
		/* Plaintext pipelined into the TLS session: never trust it. */
		log_oneline(c->why, sizeof(c->why), "%zu octets of plaintext "
		    "after the 220 to STARTTLS", c->inlen);
		return PROBE_VALIDATION_FAILURE;
	}
	res = pr_handshake(c, ctx, host, rep);
	if (c->ssl == NULL)
		return res;
quit:
	pr_quit(c);
	return res;
}

/* pr_conn_close - free the TLS session and close the socket. */
static void
pr_conn_close(struct pr_conn *c)
{
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
}

/*
 * pr_dane_precheck - what the TLSA answer alone decides: 0 to go on and
 * connect, or -1 with rep's result and why set.
 */
static int
pr_dane_precheck(const struct dns_tlsa *t, struct probe_report *rep)
{
	if (t->status == DNS_BOGUS || t->sec == DNS_SEC_BOGUS) {
		rep->result = PROBE_DNSSEC_INVALID;
		log_oneline(rep->why, sizeof(rep->why), "TLSA %s: %s", t->name,
		    t->why[0] ? t->why : "DNSSEC bogus");
		return -1;
	}
	if (t->status == DNS_SERVFAIL) {
		rep->result = PROBE_UNREACHABLE;
		log_oneline(rep->why, sizeof(rep->why), "TLSA %s: lookup "
		    "failed: %s", t->name, t->why[0] ? t->why : "SERVFAIL");
		return -1;
	}
	if (t->status != DNS_OK || t->sec != DNS_SEC_SECURE) {
		rep->result = PROBE_DANE_REQUIRED;
		if (t->status != DNS_OK)
			log_oneline(rep->why, sizeof(rep->why), "no TLSA RRs at "
			    "%s (%s, %s)", t->name, dns_status_name(t->status),
			    dns_sec_name(t->sec));
		else
			log_oneline(rep->why, sizeof(rep->why), "TLSA %s is "
			    "not DNSSEC-validated (%s)", t->name,
			    dns_sec_name(t->sec));
		return -1;
	}
	return 0;
}

/* probe_mx - probe host on cfg->mx_smtp_port, filling rep. */
void
probe_mx(const struct config *cfg, const char *host, struct probe_report *rep)
{
	probe_mx_dane(cfg, host, NULL, rep);
}

/* probe_mx_dane - probe host, with DANE when tlsa is given. */
void
probe_mx_dane(const struct config *cfg, const char *host,
    const struct dns_tlsa *tlsa, struct probe_report *rep)
{
	struct dns_addrs addrs;
	struct pr_conn *c = NULL;
	sigset_t sigpipe, old, pend;
	SSL_CTX *ctx = NULL;
	size_t	i;
	int	pipe_pending, masked = 0;
	long	step_ms;

	memset(rep, 0, sizeof(*rep));
	memset(&addrs, 0, sizeof(addrs));
	rep->result = PROBE_UNREACHABLE;
	snprintf(rep->host, sizeof(rep->host), "%s", host != NULL ? host : "");
	if (host == NULL || !dns_name_is_ldh(host, strlen(host))) {
		log_oneline(rep->why, sizeof(rep->why), "not a host name: %s",
		    rep->host);
		return;
	}
	rep->dane = tlsa != NULL;
	if (tlsa != NULL && pr_dane_precheck(tlsa, rep) == -1)
		return;

	/* Our writes must not kill the process (see DESCRIPTION). */
	sigemptyset(&sigpipe);
	sigaddset(&sigpipe, SIGPIPE);
	pipe_pending = sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &sigpipe, &old) == 0)
		masked = 1;

	if ((ctx = pr_ctx_new(cfg, rep->why, sizeof(rep->why))) == NULL)
		goto out;
	if (tlsa != NULL && SSL_CTX_dane_enable(ctx) <= 0) {
		pr_ssl_error(rep->why, sizeof(rep->why), "SSL_CTX_dane_enable",
		    0);
		goto out;
	}
	resolver_addrs(host, &addrs);
	if (addrs.status != DNS_OK || addrs.n == 0) {
		log_oneline(rep->why, sizeof(rep->why), "%s: no address (%s)",
		    host, addrs.why[0] ? addrs.why :
		    dns_status_name(addrs.status));
		goto out;
	}
	if ((c = malloc(sizeof(*c))) == NULL) {
		log_oneline(rep->why, sizeof(rep->why), "out of memory");
		goto out;
	}
	step_ms = (long)probe_timeout(cfg) * 1000;
	for (i = 0; i < addrs.n && i < PROBE_ADDRS_MAX; i++) {
		memset(c, 0, sizeof(*c));
		c->fd = -1;
		c->tlsa = tlsa;
		c->step_ms = step_ms;
		pr_deadline(&c->end, 2 * step_ms);
		/* A failed attempt's TLS details must not linger. */
		rep->tls_version[0] = rep->cipher[0] = '\0';
		rep->cert_subject[0] = rep->cert_issuer[0] = '\0';
		rep->cert_not_after = 0;
		rep->helo[0] = '\0';
		rep->dane_match[0] = '\0';
		snprintf(rep->addr, sizeof(rep->addr), "%s", addrs.addr[i]);
		rep->result = pr_session(c, ctx, cfg, host, addrs.addr[i], rep);
		pr_conn_close(c);
		if (rep->result == PROBE_UNREACHABLE && strncmp(c->why,
		    addrs.addr[i], strlen(addrs.addr[i])) != 0)
			log_oneline(rep->why, sizeof(rep->why), "%s: %s",
			    addrs.addr[i], c->why);
		else
			log_oneline(rep->why, sizeof(rep->why), "%s", c->why);
		if (rep->result != PROBE_UNREACHABLE)
			break;
		log_debug("probe %s: %s", host, rep->why);
	}
out:
	if (c != NULL)
		free(c);
	dns_addrs_free(&addrs);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	if (masked) {
		struct timespec zero = { 0, 0 };

		if (!pipe_pending && sigpending(&pend) == 0 &&
		    sigismember(&pend, SIGPIPE))
			(void)sigtimedwait(&sigpipe, NULL, &zero);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
}

/* probe_result_name - the RFC 8460 result type, "success" or "unreachable". */
const char *
probe_result_name(enum probe_result r)
{
	switch (r) {
	case PROBE_OK:
		return "success";
	case PROBE_STARTTLS_NOT_SUPPORTED:
		return "starttls-not-supported";
	case PROBE_CERT_HOST_MISMATCH:
		return "certificate-host-mismatch";
	case PROBE_CERT_EXPIRED:
		return "certificate-expired";
	case PROBE_CERT_NOT_TRUSTED:
		return "certificate-not-trusted";
	case PROBE_VALIDATION_FAILURE:
		return "validation-failure";
	case PROBE_UNREACHABLE:
		return "unreachable";
	case PROBE_TLSA_INVALID:
		return "tlsa-invalid";
	case PROBE_DNSSEC_INVALID:
		return "dnssec-invalid";
	case PROBE_DANE_REQUIRED:
		return "dane-required";
	}
	return "unreachable";
}
