/*
 * NAME
 *	tlsrpt_send - deliver one RFC 8460 report to one rua URI
 * SYNOPSIS
 *	#include "tlsrpt_send.h"
 *
 *	char *tlsrpt_send_mailto_addr(uri)
 *	int tlsrpt_send_mime(m, &msg, &len, err, errsz)
 *	int tlsrpt_send_dkim_sign(d, msg, len, &sig, err, errsz)
 *	int tlsrpt_send_sendmail(argv, msg, len, timeout, err, errsz)
 *	int tlsrpt_send_https(cfg, url, body, len, timeout, err, errsz)
 *	int tlsrpt_send_deliver(cfg, r, rua, now, err, errsz)
 *
 *	enum tlsrpt_send_status tlsrpt_send_state_update(st, now, ok, err)
 *	int tlsrpt_send_state_due(st, now)
 *	int tlsrpt_send_state_encode(st, buf, size)
 *	int tlsrpt_send_state_decode(buf, len, st)
 *	int64_t tlsrpt_send_backoff(n)
 *	int64_t tlsrpt_send_delay(unique, delay_max)
 * DESCRIPTION
 *	Mail (R10, U08): a multipart/report; report-type="tlsrpt" message
 *	with a text/plain part and the gzipped report as an
 *	application/tlsrpt+gzip part, base64, named as R8 says; the header
 *	fields TLS-Report-Domain, TLS-Report-Submitter, the Subject of
 *	DESIGN §6b, TLS-Required: No (RFC 8689: a report must get through
 *	a broken TLS setup, R10) and Auto-Submitted: auto-generated. When
 *	tlsrpt_dkim_* is set, libopendkim signs it (relaxed/relaxed,
 *	rsa-sha256, never l=, the two TLS-Report-* fields included). The
 *	message goes on stdin to tlsrpt_sendmail's argv with "-f FROM"
 *	put after the program name (the envelope sender is tlsrpt_from);
 *	the program must exit 0 within the timeout.
 *
 *	HTTPS (R11): a POST of the gzipped report with Content-Type
 *	application/tlsrpt+gzip through libcurl as https.c sets it up for
 *	the policy fetch too: the host resolved through resolver.c and
 *	curl held to those addresses (DESIGN §2), TLS 1.2 at least, the peer
 *	verified against tls_ca_file/tls_ca_path and its name as a DNS-ID,
 *	no redirects followed; 2xx is success.
 *
 *	rua URIs come from DNS, so from whoever runs the receiving domain:
 *	a mailto: address must be one plain addr-spec after percent-decoding
 *	(no CR, LF, comma or white space can reach a header or the argv),
 *	and header values are checked before they are written.
 *
 *	Retries (R12): each (report, rua) pair has a state; a failure moves
 *	its next attempt back 5 min, 10, 20, ... at most 4 h apart, and once
 *	24 h have passed since the first attempt the pair is dropped. The
 *	text form of a state is "1 STATUS ATTEMPTS FIRST NEXT LAST ERROR".
 * DIAGNOSTICS
 *	Every function returns -1 with a one-line reason in err; the caller
 *	logs it and retries (R12).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <opendkim/dkim.h>

#include "autoconf.h"
#include "fd.h"
#include "resolver.h"
#include "https.h"
#include "tlsrpt_report.h"
#include "tlsrpt_send.h"

#ifdef SOCK_CLOEXEC
#define TS_SOCK_STREAM	(SOCK_STREAM | SOCK_CLOEXEC)
#else
#define TS_SOCK_STREAM	SOCK_STREAM
#endif

#define TS_MAIL_MAX	(16 * 1024 * 1024)	/* a report mail, base64 */
#define TS_KEY_MAX	(64 * 1024)		/* a PEM private key */
#define TS_B64_LINE	76

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0
#endif

/* A growing message buffer. */
struct ts_buf {
	char   *p;
	size_t	len;
	size_t	size;
	int	failed;
};

/* ts_err - format a reason into err */
static void __attribute__((format(printf, 3, 4)))
ts_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* ts_add - append n bytes */
static void
ts_add(struct ts_buf *b, const char *s, size_t n)
{
	size_t size;
	char *p;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->size) {
		size = b->size ? b->size : 4096;
		while (size < b->len + n + 1)
			size *= 2;
		if (size > TS_MAIL_MAX || (p = realloc(b->p, size)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->size = size;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* ts_printf - append formatted text */
static void __attribute__((format(printf, 2, 3)))
ts_printf(struct ts_buf *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		b->failed = 1;
		return;
	}
	ts_add(b, line, (size_t)n);
}

/*
 * ts_is_domain - an LDH host name with dots (A-labels), 1..253 bytes; a
 * single label (localhost, a bare host of the local network) is refused
 */
static int
ts_is_domain(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > 253 || s[0] == '.' || s[0] == '-' ||
	    strchr(s, '.') == NULL || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.' &&
		    s[i] != '_')
			return 0;
	return 1;
}

/* ts_is_atext - an RFC 5322 atext character or '.' */
static int
ts_is_atext(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c));
}

/* ts_is_addr - one plain addr-spec: dot-atom "@" domain */
static int
ts_is_addr(const char *s)
{
	const char *at = strchr(s, '@');
	const char *p;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    strlen(s) > 254)
		return 0;
	for (p = s; p < at; p++)
		if (!ts_is_atext((unsigned char)*p))
			return 0;
	return ts_is_domain(at + 1);
}

/* ts_is_header_safe - printable ASCII and spaces only (no header injection) */
static int
ts_is_header_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* ts_hexval - the value of a hex digit, or -1 */
static int
ts_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* tlsrpt_send_mailto_addr - the decoded address of a mailto: URI */
char *
tlsrpt_send_mailto_addr(const char *uri)
{
	const char *p, *end;
	char *addr, *o;
	int hi, lo;

	if (strncmp(uri, "mailto:", 7) != 0)
		return NULL;
	p = uri + 7;
	if ((end = strchr(p, '?')) == NULL)
		end = p + strlen(p);
	if ((addr = malloc((size_t)(end - p) + 1)) == NULL)
		return NULL;
	for (o = addr; p < end; p++) {
		if (*p == '%') {
			if (end - p < 3 || (hi = ts_hexval(p[1])) < 0 ||
			    (lo = ts_hexval(p[2])) < 0)
				goto bad;
			*o++ = (char)(hi * 16 + lo);
			p += 2;
		} else
			*o++ = *p;
	}
	*o = '\0';
	if ((size_t)(o - addr) != strlen(addr) || !ts_is_addr(addr))
		goto bad;
	return addr;
bad:
	free(addr);
	return NULL;
}

/* ts_base64 - append data as base64 in lines of 76 */
static void
ts_base64(struct ts_buf *b, const unsigned char *d, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[TS_B64_LINE + 2];
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i < n; i += 3) {
		v = (uint32_t)d[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		line[o++] = tab[(v >> 18) & 63];
		line[o++] = tab[(v >> 12) & 63];
		line[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		line[o++] = i + 2 < n ? tab[v & 63] : '=';
		if (o == TS_B64_LINE) {
			line[o++] = '\n';
			ts_add(b, line, o);
			o = 0;
		}
	}
	if (o > 0) {
		line[o++] = '\n';
		ts_add(b, line, o);
	}
}

/* tlsrpt_send_mime - the report mail of R10 */
int
tlsrpt_send_mime(const struct tlsrpt_mail *m, char **msg, size_t *len,
    char *err, size_t errsz)
{
	struct ts_buf b = { NULL, 0, 0, 0 };
	char date[64], begin[32], org[128], boundary[80];
	const char *uniq, *p;
	struct tm tm;
	time_t t;
	size_t i;

	*msg = NULL;
	*len = 0;
	if (m->from == NULL || !ts_is_header_safe(m->from) || *m->from == '\0') {
		ts_err(err, errsz, "tlsrpt_from is missing or unusable");
		return -1;
	}
	if (m->to == NULL || !ts_is_addr(m->to)) {
		ts_err(err, errsz, "recipient is not a plain address");
		return -1;
	}
	if (m->policy_domain == NULL || !ts_is_domain(m->policy_domain) ||
	    m->submitter == NULL || !ts_is_domain(m->submitter)) {
		ts_err(err, errsz, "policy domain or submitter is not a host name");
		return -1;
	}
	if (m->report_id == NULL || !ts_is_header_safe(m->report_id) ||
	    m->filename == NULL || !ts_is_header_safe(m->filename) ||
	    strchr(m->filename, '"') != NULL || strchr(m->report_id, ' ')) {
		ts_err(err, errsz, "report-id or file name unusable");
		return -1;
	}
	/* The human-readable part gets a printable copy of the org name. */
	p = m->org_name ? m->org_name : "";
	for (i = 0; p[i] != '\0' && i < sizeof(org) - 1; i++)
		org[i] = ((unsigned char)p[i] < 0x20 ||
		    (unsigned char)p[i] > 0x7e) ? '?' : p[i];
	org[i] = '\0';

	t = m->now;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000",
	    &tm) == 0) {
		ts_err(err, errsz, "cannot format the date");
		return -1;
	}
	t = (time_t)m->day_start;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(begin, sizeof(begin), "%Y-%m-%d", &tm) == 0) {
		ts_err(err, errsz, "cannot format the day");
		return -1;
	}
	uniq = m->report_id;
	(void)snprintf(boundary, sizeof(boundary), "=_tlsrpt_%.*s",
	    (int)strcspn(uniq, "@"), uniq);

	ts_printf(&b, "From: %s\n", m->from);
	ts_printf(&b, "To: <%s>\n", m->to);
	ts_printf(&b, "Date: %s\n", date);
	ts_printf(&b, "Message-ID: <%.*s.%" PRId64 ".%lld@%s>\n",
	    (int)strcspn(uniq, "@"), uniq, m->day_start, (long long)m->now,
	    m->submitter);
	ts_printf(&b, "Subject: Report Domain: %s Submitter: %s\n"
	    " Report-ID: <%s>\n", m->policy_domain, m->submitter, m->report_id);
	ts_printf(&b, "TLS-Report-Domain: %s\n", m->policy_domain);
	ts_printf(&b, "TLS-Report-Submitter: %s\n", m->submitter);
	ts_printf(&b, "TLS-Required: No\n");
	ts_printf(&b, "Auto-Submitted: auto-generated\n");
	ts_printf(&b, "MIME-Version: 1.0\n");
	ts_printf(&b, "Content-Type: multipart/report; report-type=\"tlsrpt\";\n"
	    "\tboundary=\"%s\"\n", boundary);
	ts_printf(&b, "\nThis is a MIME-formatted TLS report (RFC 8460).\n\n");
	ts_printf(&b, "--%s\n", boundary);
	ts_printf(&b, "Content-Type: text/plain; charset=us-ascii\n"
	    "Content-Transfer-Encoding: 7bit\n\n");
	ts_printf(&b, "This is an aggregate TLS report (RFC 8460) from %s.\n\n"
	    "Policy domain: %s\nSubmitter: %s\nReport-ID: %s\nDay: %s (UTC)\n"
	    "\nThe report is attached as %s.\n\n", org, m->policy_domain,
	    m->submitter, m->report_id, begin, m->filename);
	ts_printf(&b, "--%s\n", boundary);
	ts_printf(&b, "Content-Type: application/tlsrpt+gzip;\n"
	    "\tname=\"%s\"\n", m->filename);
	ts_printf(&b, "Content-Transfer-Encoding: base64\n");
	ts_printf(&b, "Content-Disposition: attachment;\n"
	    "\tfilename=\"%s\"\n\n", m->filename);
	ts_base64(&b, m->gz, m->gzlen);
	ts_printf(&b, "\n--%s--\n", boundary);
	if (b.failed) {
		free(b.p);
		ts_err(err, errsz, "out of memory or message too large");
		return -1;
	}
	*msg = b.p;
	*len = b.len;
	return 0;
}

/* ts_read_file - a small file into a NUL-terminated buffer */
static char *
ts_read_file(const char *path, size_t max)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if ((buf = malloc(max + 1)) == NULL)
		goto out;
	while (len < max && (n = read(fd, buf + len, max - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			free(buf);
			buf = NULL;
			goto out;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
out:
	(void)close(fd);
	return buf;
}

/* ts_crlf - a copy of n bytes with every bare LF made CRLF */
static unsigned char *
ts_crlf(const char *s, size_t n, size_t *outlen)
{
	unsigned char *o;
	size_t i, j = 0;

	if ((o = malloc(n * 2 + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			o[j++] = '\r';
		o[j++] = (unsigned char)s[i];
	}
	*outlen = j;
	return o;
}

/* tlsrpt_send_dkim_sign - sign msg with libopendkim */
int
tlsrpt_send_dkim_sign(const struct tlsrpt_dkim *d, const char *msg,
    size_t len, char **sig, char *err, size_t errsz)
{
	/* RFC 6376 §5.4.1's list, and the two fields R10 asks for. */
	static const char *signhdrs[] = {
		"from", "to", "subject", "date", "message-id", "mime-version",
		"content-type", "tls-report-domain", "tls-report-submitter",
		"tls-required", "auto-submitted", NULL
	};
	DKIM_LIB *lib = NULL;
	DKIM *dkim = NULL;
	DKIM_STAT st;
	unsigned char *hdr = NULL, *body = NULL, *sb = NULL;
	char *key = NULL, *out = NULL;
	const char *p, *eoh, *next;
	size_t hlen, blen, slen = 0, i, j;
	int ret = -1;

	*sig = NULL;
	if ((key = ts_read_file(d->keyfile, TS_KEY_MAX)) == NULL) {
		ts_err(err, errsz, "tlsrpt_dkim_key %s: %s", d->keyfile,
		    strerror(errno));
		return -1;
	}
	if ((eoh = strstr(msg, "\n\n")) == NULL || (size_t)(eoh - msg) >= len) {
		ts_err(err, errsz, "message without a header/body break");
		goto out;
	}
	if ((lib = dkim_init(NULL, NULL)) == NULL) {
		ts_err(err, errsz, "dkim_init failed");
		goto out;
	}
	dkim = dkim_sign(lib, (const unsigned char *)"tlsrpt", NULL,
	    (dkim_sigkey_t)key, (const unsigned char *)d->selector,
	    (const unsigned char *)d->domain, DKIM_CANON_RELAXED,
	    DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256, -1, &st);
	if (dkim == NULL) {
		ts_err(err, errsz, "dkim_sign: %s", dkim_getresultstr(st));
		goto out;
	}
	if ((st = dkim_signhdrs(dkim, signhdrs)) != DKIM_STAT_OK) {
		ts_err(err, errsz, "dkim_signhdrs: %s", dkim_getresultstr(st));
		goto out;
	}
	/* One field at a time, continuation lines included, CRLF inside. */
	for (p = msg; p <= eoh; p = next) {
		next = p;
		do {
			next = strchr(next, '\n') + 1;
		} while (next <= eoh && (*next == ' ' || *next == '\t'));
		if ((hdr = ts_crlf(p, (size_t)(next - p - 1), &hlen)) == NULL)
			goto nomem;
		st = dkim_header(dkim, hdr, hlen);
		free(hdr);
		hdr = NULL;
		if (st != DKIM_STAT_OK) {
			ts_err(err, errsz, "dkim_header: %s", dkim_getresultstr(st));
			goto out;
		}
	}
	if ((st = dkim_eoh(dkim)) != DKIM_STAT_OK) {
		ts_err(err, errsz, "dkim_eoh: %s", dkim_getresultstr(st));
		goto out;
	}
	if ((body = ts_crlf(eoh + 2, len - (size_t)(eoh + 2 - msg),
	    &blen)) == NULL)
		goto nomem;
	if ((st = dkim_body(dkim, body, blen)) != DKIM_STAT_OK ||
	    (st = dkim_eom(dkim, NULL)) != DKIM_STAT_OK) {
		ts_err(err, errsz, "dkim signing: %s: %s", dkim_getresultstr(st),
		    dkim_geterror(dkim) ? dkim_geterror(dkim) : "");
		goto out;
	}
	if ((st = dkim_getsighdr_d(dkim, strlen("DKIM-Signature: "), &sb,
	    &slen)) != DKIM_STAT_OK) {
		ts_err(err, errsz, "dkim_getsighdr_d: %s",
		    dkim_getresultstr(st));
		goto out;
	}
	if ((out = malloc(strlen("DKIM-Signature: ") + slen + 2)) == NULL)
		goto nomem;
	j = (size_t)sprintf(out, "DKIM-Signature: ");
	for (i = 0; i < slen; i++)
		if (sb[i] != '\r')
			out[j++] = (char)sb[i];
	out[j++] = '\n';
	out[j] = '\0';
	*sig = out;
	ret = 0;
	goto out;
nomem:
	ts_err(err, errsz, "out of memory");
out:
	free(body);
	if (dkim != NULL)
		(void)dkim_free(dkim);
	if (lib != NULL)
		dkim_close(lib);
	free(key);
	return ret;
}

/* ts_elapsed_ms - milliseconds since start */
static long long
ts_elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* tlsrpt_send_sendmail - run the submission program with msg on stdin */
int
tlsrpt_send_sendmail(char *const argv[], const char *msg, size_t len,
    int timeout, char *err, size_t errsz)
{
	static char *const env[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin:/usr/local/bin",
		NULL
	};
	struct timespec start;
	struct pollfd pfd;
	sigset_t none;
	size_t off = 0;
	ssize_t n;
	pid_t pid, w;
	int sv[2], status = 0, devnull, ret = -1, waited = 0;
	long long left;

	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/') {
		ts_err(err, errsz, "tlsrpt_sendmail needs an absolute path");
		return -1;
	}
	/* Close-on-exec: a child another thread forks must not get it. */
	if (socketpair(AF_UNIX, TS_SOCK_STREAM, 0, sv) == -1) {
		ts_err(err, errsz, "socketpair: %s", strerror(errno));
		return -1;
	}
	(void)fd_cloexec(sv[0]);	/* done already with SOCK_CLOEXEC */
	(void)fd_cloexec(sv[1]);
	(void)clock_gettime(CLOCK_MONOTONIC, &start);
	if ((pid = fork()) == -1) {
		ts_err(err, errsz, "fork: %s", strerror(errno));
		(void)close(sv[0]);
		(void)close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		/* The child: the socket is stdin, output goes nowhere. */
		(void)close(sv[0]);
		/* The daemon blocks and ignores signals; the command must not. */
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		(void)signal(SIGPIPE, SIG_DFL);
		if (dup2(sv[1], STDIN_FILENO) == -1)
			_exit(127);
		if ((devnull = open("/dev/null", O_WRONLY)) != -1) {
			(void)dup2(devnull, STDOUT_FILENO);
			(void)dup2(devnull, STDERR_FILENO);
		}
		/* Nothing of the daemon's: no listener, cache or resolver. */
		fd_closefrom(STDERR_FILENO + 1);
		(void)execve(argv[0], argv, env);
		_exit(127);
	}
	(void)close(sv[1]);
	if (fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK) == -1) {
		ts_err(err, errsz, "fcntl: %s", strerror(errno));
		goto kill;
	}
	while (off < len) {
		if ((left = (long long)timeout * 1000 - ts_elapsed_ms(&start)) <= 0) {
			ts_err(err, errsz, "%s: timed out reading the message",
			    argv[0]);
			goto kill;
		}
		pfd.fd = sv[0];
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR) {
			ts_err(err, errsz, "poll: %s", strerror(errno));
			goto kill;
		}
		n = send(sv[0], msg + off, len - off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			/* It stopped reading; its exit status tells why. */
			break;
		}
		off += (size_t)n;
	}
	(void)shutdown(sv[0], SHUT_WR);
	for (;;) {
		if ((w = waitpid(pid, &status, WNOHANG)) == pid) {
			waited = 1;
			break;
		}
		if (w == -1 && errno != EINTR) {
			ts_err(err, errsz, "waitpid: %s", strerror(errno));
			goto out;
		}
		if (ts_elapsed_ms(&start) >= (long long)timeout * 1000) {
			ts_err(err, errsz, "%s: timed out after %d s", argv[0],
			    timeout);
			goto kill;
		}
		(void)poll(NULL, 0, 20);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (off < len) {
			ts_err(err, errsz, "%s: exited before reading the message",
			    argv[0]);
			goto out;
		}
		ret = 0;
	} else if (WIFEXITED(status))
		ts_err(err, errsz, "%s: exit status %d", argv[0],
		    WEXITSTATUS(status));
	else
		ts_err(err, errsz, "%s: killed by signal %d", argv[0],
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	goto out;
kill:
	(void)kill(pid, SIGKILL);
out:
	if (!waited)
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	(void)close(sv[0]);
	return ret;
}

/* ts_discard - curl write callback: the reply body is not needed */
static size_t
ts_discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

/* ts_url_host - host and port of an https: URL into host[] */
static int
ts_url_host(const char *url, char *host, size_t hostsz, unsigned int *port)
{
	const char *p = url + 8, *end, *colon;
	size_t n;
	char *e;
	unsigned long v;

	if (strncmp(url, "https://", 8) != 0)
		return -1;
	end = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(end - p)) != NULL || *p == '[')
		return -1;	/* no userinfo; IPv6 literals are not used */
	*port = 443;
	if ((colon = memchr(p, ':', (size_t)(end - p))) != NULL) {
		errno = 0;
		v = strtoul(colon + 1, &e, 10);
		if (e != end || v == 0 || v > 65535 || errno != 0)
			return -1;
		*port = (unsigned int)v;
	} else
		colon = end;
	n = (size_t)(colon - p);
	if (n == 0 || n >= hostsz)
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	return ts_is_domain(host) ? 0 : -1;
}

#define TS_SETOPT(opt, val) do {					\
	if (curl_easy_setopt(h.curl, (opt), (val)) != CURLE_OK) {	\
		ts_err(err, errsz, "curl option %s refused", #opt);	\
		goto out;						\
	}								\
} while (0)

/* tlsrpt_send_https - POST the report (R11) */
int
tlsrpt_send_https(const struct config *cfg, const char *url,
    const void *body, size_t len, int timeout, char *err, size_t errsz)
{
	struct curl_slist *hdrs = NULL;
	struct https_req req;
	struct https h;
	struct dns_addrs a;
	char host[HTTPS_HOST_MAX + 1];
	unsigned int port;
	long code = 0;
	CURLcode cc;
	int ret = -1;

	memset(&a, 0, sizeof(a));
	memset(&h, 0, sizeof(h));
	if (ts_url_host(url, host, sizeof(host), &port) != 0) {
		ts_err(err, errsz, "unusable https URI");
		return -1;
	}
	resolver_addrs(host, &a);
	if (a.status != DNS_OK || a.n == 0) {
		ts_err(err, errsz, "%s: no address (%s)", host,
		    a.n == 0 && a.status == DNS_OK ? "none" : a.why);
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.cfg = cfg;
	req.url = url;
	req.host = host;
	req.port = port;
	req.addrs = &a;
	req.timeout_ms = (long)timeout * 1000;
	if (https_open(&h, &req, err, errsz) == -1)
		goto out;
	if ((hdrs = curl_slist_append(NULL,
	    "Content-Type: application/tlsrpt+gzip")) == NULL) {
		ts_err(err, errsz, "out of memory");
		goto out;
	}
	TS_SETOPT(CURLOPT_HTTPHEADER, hdrs);
	TS_SETOPT(CURLOPT_POST, 1L);
	TS_SETOPT(CURLOPT_POSTFIELDS, body);
	TS_SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	TS_SETOPT(CURLOPT_WRITEFUNCTION, ts_discard);
	if ((cc = curl_easy_perform(h.curl)) != CURLE_OK) {
		ts_err(err, errsz, "%s: %s", host, h.why[0] ? h.why :
		    h.errbuf[0] ? h.errbuf : curl_easy_strerror(cc));
		goto out;
	}
	if (curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &code) !=
	    CURLE_OK || code < 200 || code > 299) {
		ts_err(err, errsz, "%s: HTTP status %ld", host, code);
		goto out;
	}
	ret = 0;
out:
	https_close(&h);
	curl_slist_free_all(hdrs);
	dns_addrs_free(&a);
	return ret;
}

#undef TS_SETOPT

/* ts_nonempty - s when set and not empty */
static const char *
ts_nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/* tlsrpt_send_deliver - build r and deliver it to rua */
int
tlsrpt_send_deliver(const struct config *cfg, const struct tlsrpt_report *r,
    const char *rua, time_t now, char *err, size_t errsz)
{
	struct tlsrpt_identity id;
	struct tlsrpt_mail m;
	struct tlsrpt_dkim d;
	const char *submitter;
	char *json = NULL, *rid = NULL, *fname = NULL, *to = NULL;
	char *msg = NULL, *sig = NULL, *full = NULL;
	char **argv = NULL;
	unsigned char *gz = NULL;
	size_t jlen, gzlen, mlen, slen, i;
	int ret = -1;

	id.org_name = cfg->tlsrpt_org_name;
	id.contact = cfg->tlsrpt_contact;
	if ((submitter = tlsrpt_report_submitter(id.contact)) == NULL ||
	    id.org_name == NULL) {
		ts_err(err, errsz, "tlsrpt_contact/tlsrpt_org_name not set");
		return -1;
	}
	if (tlsrpt_report_json(r, &id, &json, &jlen) != 0 ||
	    tlsrpt_report_gzip(json, jlen, &gz, &gzlen) != 0 ||
	    (rid = tlsrpt_report_id(r, submitter)) == NULL ||
	    (fname = tlsrpt_report_filename(r, submitter)) == NULL) {
		ts_err(err, errsz, "cannot build the report");
		goto out;
	}
	if (strncmp(rua, "https:", 6) == 0) {
		ret = tlsrpt_send_https(cfg, rua, gz, gzlen, TLSRPT_SEND_TIMEOUT,
		    err, errsz);
		goto out;
	}
	if ((to = tlsrpt_send_mailto_addr(rua)) == NULL) {
		ts_err(err, errsz, "unusable rua URI");
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.from = cfg->tlsrpt_from;
	m.to = to;
	m.org_name = id.org_name;
	m.policy_domain = r->policy_domain;
	m.submitter = submitter;
	m.report_id = rid;
	m.filename = fname;
	m.gz = gz;
	m.gzlen = gzlen;
	m.day_start = r->day_start;
	m.now = now;
	if (tlsrpt_send_mime(&m, &msg, &mlen, err, errsz) != 0)
		goto out;
	d.domain = ts_nonempty(cfg->tlsrpt_dkim_domain);
	d.selector = ts_nonempty(cfg->tlsrpt_dkim_selector);
	d.keyfile = ts_nonempty(cfg->tlsrpt_dkim_key);
	if (d.domain != NULL && d.selector != NULL && d.keyfile != NULL) {
		if (tlsrpt_send_dkim_sign(&d, msg, mlen, &sig, err, errsz) != 0)
			goto out;
		slen = strlen(sig);
		if ((full = malloc(slen + mlen + 1)) == NULL) {
			ts_err(err, errsz, "out of memory");
			goto out;
		}
		memcpy(full, sig, slen);
		memcpy(full + slen, msg, mlen + 1);
		free(msg);
		msg = full;
		full = NULL;
		mlen += slen;
	}
	/*
	 * "-f FROM" after the program: the envelope sender is the report
	 * address, so bounces go there and the MTA can route report mail
	 * by its sender (contrib/postfix, Postfix < 3.10).
	 */
	if (cfg->tlsrpt_sendmail.n == 0 || cfg->tlsrpt_from == NULL ||
	    cfg->tlsrpt_from[0] == '\0' || cfg->tlsrpt_from[0] == '-') {
		ts_err(err, errsz, "tlsrpt_sendmail/tlsrpt_from not set");
		goto out;
	}
	if ((argv = calloc(cfg->tlsrpt_sendmail.n + 3, sizeof(*argv))) == NULL) {
		ts_err(err, errsz, "out of memory");
		goto out;
	}
	argv[0] = cfg->tlsrpt_sendmail.v[0];
	argv[1] = "-f";
	argv[2] = cfg->tlsrpt_from;
	for (i = 1; i < cfg->tlsrpt_sendmail.n; i++)
		argv[i + 2] = cfg->tlsrpt_sendmail.v[i];
	ret = tlsrpt_send_sendmail(argv, msg, mlen, TLSRPT_SEND_TIMEOUT, err,
	    errsz);
out:
	free(argv);
	free(full);
	free(sig);
	free(msg);
	free(to);
	free(fname);
	free(rid);
	free(gz);
	free(json);
	return ret;
}

/* tlsrpt_send_status_name - the name of a delivery status */
const char *
tlsrpt_send_status_name(enum tlsrpt_send_status s)
{
	switch (s) {
	case TLSRPT_SEND_PENDING:
		return "pending";
	case TLSRPT_SEND_SENT:
		return "sent";
	case TLSRPT_SEND_DROPPED:
		break;
	}
	return "dropped";
}

/* tlsrpt_send_backoff - exponential back-off after the n-th failure */
int64_t
tlsrpt_send_backoff(unsigned int n)
{
	int64_t d = TLSRPT_RETRY_FIRST;

	while (n-- > 1 && d < TLSRPT_RETRY_MAX)
		d *= 2;
	return d < TLSRPT_RETRY_MAX ? d : TLSRPT_RETRY_MAX;
}

/* tlsrpt_send_state_update - account for one delivery attempt */
enum tlsrpt_send_status
tlsrpt_send_state_update(struct tlsrpt_send_state *st, int64_t now, int ok,
    const char *err)
{
	size_t i;

	if (st->first == 0)
		st->first = now;
	st->attempts++;
	st->last = now;
	if (ok) {
		st->status = TLSRPT_SEND_SENT;
		st->error[0] = '\0';
		return st->status;
	}
	(void)snprintf(st->error, sizeof(st->error), "%s",
	    err != NULL ? err : "failed");
	for (i = 0; st->error[i] != '\0'; i++)
		if ((unsigned char)st->error[i] < 0x20 || st->error[i] == 0x7f)
			st->error[i] = ' ';
	if (now >= st->first + TLSRPT_RETRY_WINDOW) {
		st->status = TLSRPT_SEND_DROPPED;
		return st->status;
	}
	st->status = TLSRPT_SEND_PENDING;
	st->next = now + tlsrpt_send_backoff(st->attempts);
	/* One last try at the end of the window, not a day later. */
	if (st->next > st->first + TLSRPT_RETRY_WINDOW)
		st->next = st->first + TLSRPT_RETRY_WINDOW;
	return st->status;
}

/* tlsrpt_send_state_due - pending and its time has come */
int
tlsrpt_send_state_due(const struct tlsrpt_send_state *st, int64_t now)
{
	return st->status == TLSRPT_SEND_PENDING && st->next <= now;
}

/* tlsrpt_send_state_encode - "1 STATUS ATTEMPTS FIRST NEXT LAST ERROR" */
int
tlsrpt_send_state_encode(const struct tlsrpt_send_state *st, char *buf,
    size_t size)
{
	int n;

	n = snprintf(buf, size, "1 %s %u %" PRId64 " %" PRId64 " %" PRId64
	    " %s", tlsrpt_send_status_name(st->status), st->attempts,
	    st->first, st->next, st->last, st->error);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* tlsrpt_send_state_decode - the inverse of tlsrpt_send_state_encode */
int
tlsrpt_send_state_decode(const char *buf, size_t len,
    struct tlsrpt_send_state *st)
{
	char copy[TLSRPT_STATE_MAX], status[16];
	long long first, next, last;
	unsigned int attempts;
	int off = 0;

	if (len == 0 || len >= sizeof(copy) || memchr(buf, '\0', len) != NULL)
		return -1;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	memset(st, 0, sizeof(*st));
	if (sscanf(copy, "1 %15s %u %lld %lld %lld%n", status, &attempts,
	    &first, &next, &last, &off) != 5 || off <= 0)
		return -1;
	if (strcmp(status, "pending") == 0)
		st->status = TLSRPT_SEND_PENDING;
	else if (strcmp(status, "sent") == 0)
		st->status = TLSRPT_SEND_SENT;
	else if (strcmp(status, "dropped") == 0)
		st->status = TLSRPT_SEND_DROPPED;
	else
		return -1;
	if (first < 0 || next < 0 || last < 0)
		return -1;
	st->attempts = attempts;
	st->first = first;
	st->next = next;
	st->last = last;
	if (copy[off] == ' ')
		off++;
	(void)snprintf(st->error, sizeof(st->error), "%s", copy + off);
	return 0;
}

/* tlsrpt_send_delay - a stable spread of 0..delay_max seconds */
int64_t
tlsrpt_send_delay(const char *unique, int64_t delay_max)
{
	uint64_t h = 0;
	int i, v;

	if (delay_max <= 0 || unique == NULL)
		return 0;
	for (i = 0; i < 15 && unique[i] != '\0'; i++) {
		if ((v = ts_hexval((unsigned char)unique[i])) < 0)
			v = (unsigned char)unique[i] & 0x0f;
		h = (h << 4) | (uint64_t)v;
	}
	return (int64_t)(h % ((uint64_t)delay_max + 1));
}
