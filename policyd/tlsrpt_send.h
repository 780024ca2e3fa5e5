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

#endif
