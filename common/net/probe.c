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
 *
 *	The parts: probe_smtp.c (the SMTP side: the connection, deadlines,
 *	reading replies, sending commands, QUIT) and probe_tls.c (the client
 *	context, the handshake, certificate and DANE checks), behind
 *	probe_int.h; this file holds one address's conversation and the
 *	loop over the host's addresses.
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
#include "mono.h"
#include "mx_match.h"
#include "probe.h"
#include "probe_int.h"
#include "smtp_reply.h"
#include "resolver.h"

#define PROBE_ADDRS_MAX		8

/* probe_timeout - seconds one step may take: PROBE_TIMEOUT or less. */
int
probe_timeout(const struct config *cfg)
{
	if (cfg != NULL && cfg->fetch_timeout > 0 &&
	    cfg->fetch_timeout < PROBE_TIMEOUT)
		return (int)cfg->fetch_timeout;
	return PROBE_TIMEOUT;
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
		mono_deadline(&c->end, 2 * step_ms);
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
