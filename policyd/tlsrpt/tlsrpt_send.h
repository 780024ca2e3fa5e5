/*
 * tlsrpt_send.h - deliver one RFC 8460 report to one rua URI: a signed
 * multipart/report mail through tlsrpt_sendmail, or an HTTPS POST
 * (RFC-CHECKLIST R10, R11, U08; DESIGN §6b).
 */
#ifndef MTASTS_TLSRPT_SEND_H
#define MTASTS_TLSRPT_SEND_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "tlsrpt.h"

#define TLSRPT_SEND_TIMEOUT	60	/* seconds per delivery attempt */

/* What a report mail says; every string is checked before use. */
struct tlsrpt_mail {
	const char *from;		/* tlsrpt_from */
	const char *to;			/* the address of the mailto: URI */
	const char *org_name;		/* for the text part */
	const char *policy_domain;	/* TLS-Report-Domain */
	const char *submitter;		/* TLS-Report-Submitter */
	const char *report_id;		/* UNIQUE@SUBMITTER */
	const char *filename;		/* S!D!BEGIN!END!UNIQUE.json.gz */
	const unsigned char *gz;	/* the gzipped report */
	size_t	gzlen;
	int64_t	day_start;
	time_t	now;			/* Date: */
};

/* Report signing: tlsrpt_dkim_domain, _selector, _key (a PEM file). */
struct tlsrpt_dkim {
	const char *domain;
	const char *selector;
	const char *keyfile;
};

/*
 * tlsrpt_send_mailto_addr - the address of a "mailto:" URI, percent-
 * decoded, without "?hfields"; NULL when it is not one plain addr-spec
 * (a URI from DNS must not smuggle header lines or more recipients).
 */
char   *tlsrpt_send_mailto_addr(const char *uri);

/*
 * tlsrpt_send_mime - the whole message (LF line ends) in a new buffer.
 * 0, or -1 with a reason in err.
 */
int	tlsrpt_send_mime(const struct tlsrpt_mail *m, char **msg, size_t *len,
	    char *err, size_t errsz);

/*
 * tlsrpt_send_dkim_sign - a "DKIM-Signature: ..." header line (LF ended,
 * folded) for msg, made with libopendkim: relaxed/relaxed, rsa-sha256, no
 * l=, the TLS-Report-* fields signed. 0, or -1 with a reason in err.
 */
int	tlsrpt_send_dkim_sign(const struct tlsrpt_dkim *d, const char *msg,
	    size_t len, char **sig, char *err, size_t errsz);

/*
 * tlsrpt_send_sendmail - run argv[0] (execve, no shell) with the message
 * on stdin; success only when it exits 0 within timeout seconds (then it
 * is killed). 0, or -1 with a reason in err.
 */
int	tlsrpt_send_sendmail(char *const argv[], const char *msg, size_t len,
	    int timeout, char *err, size_t errsz);

/*
 * tlsrpt_send_https - POST body as application/tlsrpt+gzip to url with
 * libcurl: certificate verified against tls_ca_file/tls_ca_path, the host
 * resolved through resolver.c (CURLOPT_RESOLVE), no redirects, timeout
 * seconds; success is a 2xx status. 0, or -1 with a reason in err.
 */
int	tlsrpt_send_https(const struct config *cfg, const char *url,
	    const void *body, size_t len, int timeout, char *err, size_t errsz);

/*
 * tlsrpt_send_deliver - build report r for cfg's identity and deliver it
 * to one of its rua URIs (mailto: or https:). 0, or -1 with a reason.
 */
int	tlsrpt_send_deliver(const struct config *cfg,
	    const struct tlsrpt_report *r, const char *rua, time_t now,
	    char *err, size_t errsz);

/*
 * Delivery state of one (report, rua) pair, kept across restarts (R12):
 * every failure pushes the next attempt back exponentially, from
 * TLSRPT_RETRY_FIRST up to TLSRPT_RETRY_MAX apart, and after
 * TLSRPT_RETRY_WINDOW seconds since the first attempt the report is
 * dropped for that destination.
 */
#define TLSRPT_RETRY_FIRST	300
#define TLSRPT_RETRY_MAX	(4 * 3600)
#define TLSRPT_RETRY_WINDOW	86400
#define TLSRPT_STATE_MAX	512	/* an encoded state */

enum tlsrpt_send_status {
	TLSRPT_SEND_PENDING,		/* not yet delivered, will try again */
	TLSRPT_SEND_SENT,		/* the destination accepted it */
	TLSRPT_SEND_DROPPED		/* given up after the retry window */
};

struct tlsrpt_send_state {
	enum tlsrpt_send_status status;
	unsigned int attempts;		/* tries so far */
	int64_t	first;			/* first try (Unix time), 0 = none yet */
	int64_t	next;			/* earliest next try */
	int64_t	last;			/* last try */
	char	error[200];		/* the last failure, one line */
};

/* tlsrpt_send_status_name - "pending", "sent" or "dropped". */
const char *tlsrpt_send_status_name(enum tlsrpt_send_status s);

/* tlsrpt_send_backoff - seconds to wait after the n-th failure (n >= 1). */
int64_t	tlsrpt_send_backoff(unsigned int n);

/*
 * tlsrpt_send_state_update - record one attempt at now: ok, or a failure
 * with err (NULL allowed). Returns the new status; DROPPED once the
 * retry window since the first attempt has passed.
 */
enum tlsrpt_send_status tlsrpt_send_state_update(struct tlsrpt_send_state *st,
	    int64_t now, int ok, const char *err);

/* tlsrpt_send_state_due - should a pending state be tried at now? */
int	tlsrpt_send_state_due(const struct tlsrpt_send_state *st, int64_t now);

/* tlsrpt_send_state_encode - a one-line text form into buf; 0 or -1. */
int	tlsrpt_send_state_encode(const struct tlsrpt_send_state *st, char *buf,
	    size_t size);

/* tlsrpt_send_state_decode - parse len bytes of that form; 0 or -1. */
int	tlsrpt_send_state_decode(const char *buf, size_t len,
	    struct tlsrpt_send_state *st);

/*
 * tlsrpt_send_delay - the delay after the day closes before a report goes
 * out (R7): spread over 0..delay_max by the report's UNIQUE, so it looks
 * random to receivers and stays the same across restarts.
 */
int64_t	tlsrpt_send_delay(const char *unique, int64_t delay_max);

#endif
