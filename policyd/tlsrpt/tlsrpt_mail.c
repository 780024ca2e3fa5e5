/*
 * NAME
 *	tlsrpt_mail - deliver one RFC 8460 report by mail
 * SYNOPSIS
 *	#include "tlsrpt_send.h"
 *
 *	char *tlsrpt_send_mailto_addr(uri)
 *	int tlsrpt_send_mime(m, &msg, &len, err, errsz)
 *	int tlsrpt_send_dkim_sign(d, msg, len, &sig, err, errsz)
 *	int tlsrpt_send_sendmail(argv, msg, len, timeout, err, errsz)
 * DESCRIPTION
 *	The mail half of the delivery module (tlsrpt_send.c chooses it for
 *	a mailto: rua). Mail (R10, U08): a multipart/report;
 *	report-type="tlsrpt" message with a text/plain part and the gzipped
 *	report as an application/tlsrpt+gzip part, base64, named as R8 says;
 *	the header fields TLS-Report-Domain, TLS-Report-Submitter, the
 *	Subject of DESIGN §6b, TLS-Required: No (RFC 8689: a report must get
 *	through a broken TLS setup, R10) and Auto-Submitted: auto-generated.
 *	When tlsrpt_dkim_* is set, libopendkim signs it (relaxed/relaxed,
 *	rsa-sha256, never l=, the two TLS-Report-* fields included). The
 *	message goes on stdin to tlsrpt_sendmail's argv with "-f FROM"
 *	put after the program name (the envelope sender is tlsrpt_from);
 *	the program must exit 0 within the timeout.
 *
 *	rua URIs come from DNS, so from whoever runs the receiving domain:
 *	a mailto: address must be one plain addr-spec after percent-decoding
 *	(no CR, LF, comma or white space can reach a header or the argv),
 *	and header values are checked before they are written.
 * DIAGNOSTICS
 *	Every function returns -1 (NULL) with a one-line reason in err; the
 *	caller logs it and retries (R12).
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

#include <opendkim/dkim.h>
#include <openssl/evp.h>

#include "autoconf.h"
#include "fd.h"
#include "mono.h"
#include "tlsrpt_send.h"
#include "tlsrpt_send_util.h"

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

/*
 * ts_base64 - append data as base64 in lines of TS_B64_LINE characters
 * (RFC 2045 6.8: at most 76), each line one EVP_EncodeBlock() of the
 * TS_B64_LINE / 4 * 3 bytes it holds
 */
static void
ts_base64(struct ts_buf *b, const unsigned char *d, size_t n)
{
	unsigned char line[TS_B64_LINE + 2];
	size_t i, chunk;
	int o;

	for (i = 0; i < n; i += chunk) {
		chunk = n - i < TS_B64_LINE / 4 * 3 ? n - i :
		    TS_B64_LINE / 4 * 3;
		o = EVP_EncodeBlock(line, d + i, (int)chunk);
		line[o++] = '\n';
		ts_add(b, (const char *)line, (size_t)o);
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
		if ((left = (long long)timeout * 1000 - mono_since_ms(&start)) <= 0) {
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
		if (mono_since_ms(&start) >= (long long)timeout * 1000) {
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
