/*
 * NAME
 *	milter_load - closed-loop milter load driver, speaking as Postfix
 * SYNOPSIS
 *	milter-load -s unix:PATH|inet:HOST:PORT -c CLIENTS -d SECONDS
 *	    -r DOMAIN[,DOMAIN...] [-w WARMUP] [-t TIMEOUT] [-m MESSAGES]
 *	    [-a CLIENT_ADDR] [-u AUTHEN] [-b BODY_BYTES] [-H 'Name: value']...
 * DESCRIPTION
 *	Starts CLIENTS threads, each the MTA side of one milter connection
 *	with exactly one message in flight (closed loop). A connection
 *	opens the way Postfix 3.7 opens it (milter_protocol = 6): SMFIC_OPTNEG
 *	offering every action and protocol step Postfix offers, the
 *	milter's macro lists taken from the reply, then SMFIC_CONNECT from
 *	CLIENT_ADDR (default 127.0.0.1, an internal client) and SMFIC_HELO.
 *	It then carries one message after another, as one SMTP session does:
 *	SMFIC_MAIL, one SMFIC_RCPT per DOMAIN ("<rcpt@DOMAIN>"), SMFIC_DATA,
 *	the header fields (SMFIC_HEADER each), SMFIC_EOH, the body in
 *	SMFIC_BODY chunks of at most 65535 bytes, and SMFIC_BODYEOB, whose
 *	replies are read up to the final one; an SMFIC_ABORT follows every
 *	message and goes out with the next SMFIC_MAIL. With -m a connection
 *	ends with SMFIC_QUIT after MESSAGES messages and a new one opens.
 *
 *	As Postfix does, every event is preceded by SMFIC_MACRO with the
 *	macros of its stage that have a value: Postfix's default lists
 *	(milter_*_macros), or the milter's own where it sent one (a stage it
 *	left empty keeps the default). {i} is a queue id unique to each
 *	message; {auth_authen} and {auth_type} are set only with -u. The
 *	macros of MAIL, RCPT, DATA, CONNECT and HELO are sent even when the
 *	milter asked to skip the event; the steps it skips are not sent,
 *	the replies it said it would not send are not waited for, and after
 *	SMFIR_SKIP the rest of the header fields or body chunks are left
 *	out.
 *
 *	A final reply other than continue ends the message early (accept
 *	at MAIL, for example, as a milter answers for inbound mail); a
 *	reject or tempfail at RCPT refuses that recipient only. At the end
 *	of the body the modification requests SMFIR_ADDHEADER, INSHEADER,
 *	CHGHEADER, QUARANTINE (and the others) are counted before the final
 *	reply. Anything outside the protocol (a malformed or unexpected
 *	packet, bytes after the final reply, a closed connection, a time-out
 *	of TIMEOUT seconds, default 10) is an error: the connection is
 *	dropped and a new one made.
 *
 *	The first WARMUP seconds (default 1) are not measured. A message
 *	counts when it was started and finished inside the measured window;
 *	latency runs from the write of SMFIC_MAIL to the final reply after
 *	SMFIC_BODYEOB, and apart from that from SMFIC_BODYEOB to its final
 *	reply, each in a per-thread log-linear histogram (64 sub-buckets
 *	per power of two, relative error under 1%).
 *
 *	Prints one JSON object on stdout: clients, seconds (measured),
 *	messages (accepted: final accept, continue or discard, in the
 *	window), mps, p50_us, p90_us, p99_us, max_us, eom_p50_us, eom_p99_us
 *	(over accepted messages), errors (whole run, warm-up included),
 *	sessions (connections opened), client_min and client_max (accepted
 *	messages of the least and the most served client), rcpts (per
 *	message), body_bytes, final (every counted message by its final
 *	reply: accept, continue, discard, tempfail, reject), actions
 *	(modification requests and progress replies in counted messages),
 *	negotiated (the milter's version, actions and protocol flags),
 *	last_header (name and value of the last header field added or
 *	inserted), last_quarantine, last_reply (the text of the last
 *	SMFIR_REPLYCODE) and first_error (why the first failed exchange of
 *	one client failed).
 * DIAGNOSTICS
 *	Exit 0 when the run completed (even with errors; read "errors"),
 *	1 on bad usage or setup failure.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The milter protocol (libmilter's mfdef.h names; values from the wire). */
#define SMFI_PROT_VERSION	6

#define SMFIC_ABORT		'A'
#define SMFIC_BODY		'B'
#define SMFIC_CONNECT		'C'
#define SMFIC_MACRO		'D'
#define SMFIC_BODYEOB		'E'
#define SMFIC_HELO		'H'
#define SMFIC_HEADER		'L'
#define SMFIC_MAIL		'M'
#define SMFIC_EOH		'N'
#define SMFIC_OPTNEG		'O'
#define SMFIC_QUIT		'Q'
#define SMFIC_RCPT		'R'
#define SMFIC_DATA		'T'

#define SMFIR_ADDRCPT		'+'
#define SMFIR_DELRCPT		'-'
#define SMFIR_ADDRCPT_PAR	'2'
#define SMFIR_SHUTDOWN		'4'
#define SMFIR_ACCEPT		'a'
#define SMFIR_REPLBODY		'b'
#define SMFIR_CONTINUE		'c'
#define SMFIR_DISCARD		'd'
#define SMFIR_CHGFROM		'e'
#define SMFIR_CONN_FAIL		'f'
#define SMFIR_ADDHEADER		'h'
#define SMFIR_INSHEADER		'i'
#define SMFIR_CHGHEADER		'm'
#define SMFIR_PROGRESS		'p'
#define SMFIR_QUARANTINE	'q'
#define SMFIR_REJECT		'r'
#define SMFIR_SKIP		's'
#define SMFIR_TEMPFAIL		't'
#define SMFIR_REPLYCODE		'y'

#define SMFIP_NOCONNECT		0x00000001u
#define SMFIP_NOHELO		0x00000002u
#define SMFIP_NOMAIL		0x00000004u
#define SMFIP_NORCPT		0x00000008u
#define SMFIP_NOBODY		0x00000010u
#define SMFIP_NOHDRS		0x00000020u
#define SMFIP_NOEOH		0x00000040u
#define SMFIP_NR_HDR		0x00000080u
#define SMFIP_NODATA		0x00000200u
#define SMFIP_NR_CONN		0x00001000u
#define SMFIP_NR_HELO		0x00002000u
#define SMFIP_NR_MAIL		0x00004000u
#define SMFIP_NR_RCPT		0x00008000u
#define SMFIP_NR_DATA		0x00010000u
#define SMFIP_NR_EOH		0x00040000u
#define SMFIP_NR_BODY		0x00080000u
#define SMFIP_HDR_LEADSPC	0x00100000u

/* What Postfix offers: every action, and its milter_protocol = 6 steps. */
#define ML_MTA_ACTIONS		0x000001ffu
#define ML_MTA_STEPS		0x001fffffu

/* Macro stages (SMFIM_*), in the order of the SMFIC_OPTNEG reply. */
enum ml_stage {
	ML_CONNECT,
	ML_HELO,
	ML_MAIL,
	ML_RCPT,
	ML_DATA,
	ML_EOM,
	ML_EOH,
	ML_STAGES
};

/* Postfix 3.7's milter_*_macros defaults, per stage. */
static const char *const ml_default_macros[ML_STAGES] = {
	"j {daemon_name} {daemon_addr} v _",
	"{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}",
	("i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} "
	    "{mail_mailer}"),
	"i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
	"i",
	"i",
	"i",
};

#define ML_CLIENTS_MAX		4096
#define ML_DOMAINS_MAX		100	/* recipients per message */
#define ML_HEADERS_MAX		50	/* -H fields */
#define ML_TEXT_MAX		998	/* a domain, a -H field (RFC 5322 line) */
#define ML_BODY_MAX		(16 * 1024 * 1024)
#define ML_CHUNK		65535	/* Postfix's body chunk */
#define ML_PACKET_MAX		(1024 * 1024)	/* largest reply (SMFIP_MDS_1M) */
#define ML_REPLIES_MAX		10000	/* replies to one event, final included */
#define ML_MACLIST_MAX		1024	/* one stage's macro list from the milter */
#define ML_NOTE_MAX		512	/* last header, reason, reply, error */
#define ML_RBUF_MIN		16384

/* Histogram: ns; below 2^HIST_SUB_BITS exact, then log-linear. */
#define HIST_SUB_BITS		7
#define HIST_SUB_HALF		(1u << (HIST_SUB_BITS - 1))
#define HIST_BUCKETS		(64 * HIST_SUB_HALF + 2 * HIST_SUB_HALF)

enum ml_phase {
	ML_WARMUP,
	ML_MEASURE,
	ML_STOP
};

/* How a message ended, from the MTA's side. */
enum ml_final {
	ML_F_ACCEPT,
	ML_F_CONTINUE,
	ML_F_DISCARD,
	ML_F_TEMPFAIL,
	ML_F_REJECT,
	ML_FINALS
};

static const char *const ml_final_names[ML_FINALS] = {
	"accept", "continue", "discard", "tempfail", "reject"
};

/* Modification requests and progress replies, counted per message. */
enum ml_action {
	ML_A_ADDHEADER,
	ML_A_INSHEADER,
	ML_A_CHGHEADER,
	ML_A_QUARANTINE,
	ML_A_PROGRESS,
	ML_A_OTHER,
	ML_ACTIONS
};

static const char *const ml_action_names[ML_ACTIONS] = {
	"addheader", "insheader", "chgheader", "quarantine", "progress",
	"other"
};

struct ml_target {
	int	family;
	socklen_t addrlen;
	struct sockaddr_storage addr;
};

struct ml_client {
	pthread_t thread;
	unsigned int index;
	int	fd;

	/* negotiated on the current connection */
	uint32_t version;
	uint32_t actions;
	uint32_t steps;
	char	maclist[ML_STAGES][ML_MACLIST_MAX];	/* "": the default */

	/* the current message */
	char	qid[40];
	const char *rcpt_domain;
	uint64_t msg_act[ML_ACTIONS];
	int	skip_event;		/* after SMFIR_SKIP: that event's type */

	/* output: packets are buffered until a reply is awaited */
	char   *wbuf;
	size_t	wlen;
	size_t	wcap;
	int	oom;

	/* input, and the reply packet last read */
	char   *rbuf;
	size_t	rcap;
	size_t	roff;
	size_t	rhave;
	int	pcmd;
	const char *pdata;
	size_t	plen;

	/* results */
	uint64_t hist[HIST_BUCKETS];
	uint64_t eom_hist[HIST_BUCKETS];
	uint64_t max_ns;
	uint64_t eom_max_ns;
	uint64_t final[ML_FINALS];
	uint64_t act[ML_ACTIONS];
	uint64_t accepted;
	uint64_t errors;
	uint64_t sessions;
	uint64_t seq;
	char	last_header[ML_NOTE_MAX];
	char	last_quarantine[ML_NOTE_MAX];
	char	last_reply[ML_NOTE_MAX];
	char	first_error[ML_NOTE_MAX];
};

static struct ml_target target;
static int io_timeout = 10;
static char *domains[ML_DOMAINS_MAX];
static size_t ndomains;
static char *hdr_names[ML_HEADERS_MAX];
static char *hdr_values[ML_HEADERS_MAX];
static size_t nheaders;
static char *body;
static size_t body_len = 1024;
static const char *authen;
static char client_addr[INET6_ADDRSTRLEN];
static char client_macro[INET6_ADDRSTRLEN + 64];
static int client_family;
static unsigned long per_session;
static unsigned int pid_tag;
static pthread_barrier_t start_barrier;
static atomic_int phase = ML_WARMUP;

#define ML_SENDER	"bench@internal.test"
#define ML_CLIENT_NAME	"client.bench.test"
#define ML_HOSTNAME	"mail.bench.test"

/* ml_usage - print the synopsis and exit 1. */
static void
ml_usage(void)
{
	fprintf(stderr, "usage: milter-load -s unix:PATH|inet:HOST:PORT "
	    "-c CLIENTS -d SECONDS\n"
	    "\t-r DOMAIN[,DOMAIN...] [-w WARMUP] [-t TIMEOUT] [-m MESSAGES]\n"
	    "\t[-a CLIENT_ADDR] [-u AUTHEN] [-b BODY_BYTES] "
	    "[-H 'Name: value']...\n");
	exit(1);
}

/* ml_now_ns - monotonic clock in nanoseconds. */
static uint64_t
ml_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
		perror("milter-load: clock_gettime");
		exit(1);
	}
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ml_sleep_ns - sleep for ns, resuming after signals. */
static void
ml_sleep_ns(uint64_t ns)
{
	struct timespec ts, rem;

	ts.tv_sec = (time_t)(ns / 1000000000u);
	ts.tv_nsec = (long)(ns % 1000000000u);
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

/* ml_number - parse a decimal in [min, max] or exit via usage. */
static long
ml_number(const char *s, long min, long max)
{
	char   *end;
	long	v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "milter-load: bad number \"%s\" (%ld..%ld)\n",
		    s, min, max);
		ml_usage();
	}
	return v;
}

/*
 * ml_fail - note why an exchange failed (the client's first failure is
 * kept: later ones tend to follow from it); always -1.
 */
static int __attribute__((format(printf, 2, 3)))
ml_fail(struct ml_client *c, const char *fmt, ...)
{
	va_list	ap;

	if (c->first_error[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->first_error, sizeof(c->first_error), fmt, ap);
	va_end(ap);
	return -1;
}

/* ml_note - keep a copy of len bytes of s, cut to fit. */
static void
ml_note(char *dst, size_t dstsz, const char *s, size_t len)
{
	if (len >= dstsz)
		len = dstsz - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* ml_target_parse - resolve unix:PATH or inet:HOST:PORT into target. */
static int
ml_target_parse(const char *spec, struct ml_target *t)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_un *sun;
	const char *colon;
	char	host[256];
	size_t	hlen;
	int	rc = -1, error;

	memset(t, 0, sizeof(*t));
	if (strncmp(spec, "unix:", 5) == 0) {
		sun = (struct sockaddr_un *)&t->addr;
		if (strlen(spec + 5) == 0 ||
		    strlen(spec + 5) >= sizeof(sun->sun_path)) {
			fprintf(stderr, "milter-load: bad unix path\n");
			goto out;
		}
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, spec + 5, strlen(spec + 5) + 1);
		t->family = AF_UNIX;
		t->addrlen = sizeof(*sun);
		rc = 0;
		goto out;
	}
	if (strncmp(spec, "inet:", 5) != 0 ||
	    (colon = strrchr(spec + 5, ':')) == NULL) {
		fprintf(stderr, "milter-load: want unix:PATH or "
		    "inet:HOST:PORT\n");
		goto out;
	}
	spec += 5;
	hlen = (size_t)(colon - spec);
	if (hlen >= 2 && spec[0] == '[' && spec[hlen - 1] == ']') {
		spec++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		fprintf(stderr, "milter-load: bad host\n");
		goto out;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((error = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		fprintf(stderr, "milter-load: %s: %s\n", host,
		    gai_strerror(error));
		goto out;
	}
	if (res->ai_addrlen > sizeof(t->addr))
		goto out;
	memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
	t->addrlen = res->ai_addrlen;
	t->family = res->ai_family;
	rc = 0;
out:
	if (res != NULL)
		freeaddrinfo(res);
	return rc;
}

/* ml_connect - a blocking connection with I/O timeouts; -1 on error. */
static int
ml_connect(struct ml_client *c)
{
	struct timeval tv;
	int	fd, one = 1;

	if ((fd = socket(target.family, SOCK_STREAM, 0)) == -1)
		return ml_fail(c, "socket: %s", strerror(errno));
	tv.tv_sec = io_timeout;
	tv.tv_usec = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    (target.family != AF_UNIX && setsockopt(fd, IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one)) == -1)) {
		ml_fail(c, "setsockopt: %s", strerror(errno));
		goto fail;
	}
	if (connect(fd, (struct sockaddr *)&target.addr,
	    target.addrlen) == -1) {
		ml_fail(c, "connect: %s", strerror(errno));
		goto fail;
	}
	c->fd = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

/* ml_hist_index - histogram bucket for a value of v ns. */
static size_t
ml_hist_index(uint64_t v)
{
	unsigned int top = HIST_SUB_BITS, shift;

	if (v < 2 * HIST_SUB_HALF)
		return (size_t)v;
	while (top < 63 && (v >> (top + 1)) != 0)
		top++;
	shift = top - (HIST_SUB_BITS - 1);
	return (size_t)shift * HIST_SUB_HALF + (size_t)(v >> shift);
}

/* ml_hist_value - a representative value (mid-point) of bucket idx. */
static uint64_t
ml_hist_value(size_t idx)
{
	uint64_t sub, shift;

	if (idx < 2 * HIST_SUB_HALF)
		return idx;
	shift = idx / HIST_SUB_HALF - 1;
	sub = idx - shift * HIST_SUB_HALF;
	return (sub << shift) + ((uint64_t)1 << shift) / 2;
}

/* ml_percentile - value at fraction q of a merged histogram, in ns. */
static uint64_t
ml_percentile(const uint64_t *hist, uint64_t total, double q,
    uint64_t max_ns)
{
	uint64_t rank, seen = 0, v;
	size_t	i;

	if (total == 0)
		return 0;
	/* Nearest rank: the smallest value with at least q of the samples. */
	rank = (uint64_t)(q * (double)total);
	if ((double)rank < q * (double)total || rank < 1)
		rank++;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += hist[i];
		if (seen >= rank) {
			v = ml_hist_value(i);
			return v > max_ns ? max_ns : v;
		}
	}
	return max_ns;
}

/* ml_reserve - room for n more output bytes; sets c->oom on failure. */
static int
ml_reserve(struct ml_client *c, size_t n)
{
	size_t	want;
	char   *nb;

	if (c->oom)
		return -1;
	if (c->wcap - c->wlen >= n)
		return 0;
	want = c->wcap ? c->wcap : 4096;
	while (want - c->wlen < n)
		want *= 2;
	if ((nb = realloc(c->wbuf, want)) == NULL) {
		c->oom = 1;
		return -1;
	}
	c->wbuf = nb;
	c->wcap = want;
	return 0;
}

/* ml_add - append len bytes to the packet being built. */
static void
ml_add(struct ml_client *c, const void *p, size_t len)
{
	if (ml_reserve(c, len) == -1)
		return;
	memcpy(c->wbuf + c->wlen, p, len);
	c->wlen += len;
}

/* ml_add_str - append a string with its terminating NUL. */
static void
ml_add_str(struct ml_client *c, const char *s)
{
	ml_add(c, s, strlen(s) + 1);
}

/* ml_add_u32 - append a 32-bit number in network order. */
static void
ml_add_u32(struct ml_client *c, uint32_t v)
{
	unsigned char b[4];

	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
	ml_add(c, b, sizeof(b));
}

/* ml_begin - start a packet: room for its length, then cmd. */
static size_t
ml_begin(struct ml_client *c, int cmd)
{
	size_t	start = c->wlen;
	char	ch = (char)cmd;

	ml_add_u32(c, 0);
	ml_add(c, &ch, 1);
	return start;
}

/* ml_end - fill in the length of the packet begun at start. */
static void
ml_end(struct ml_client *c, size_t start)
{
	size_t	len;

	if (c->oom)
		return;
	len = c->wlen - start - 4;
	c->wbuf[start] = (char)(len >> 24);
	c->wbuf[start + 1] = (char)(len >> 16);
	c->wbuf[start + 2] = (char)(len >> 8);
	c->wbuf[start + 3] = (char)len;
}

/* ml_flush - write what is buffered; 0 or -1. */
static int
ml_flush(struct ml_client *c)
{
	size_t	off = 0;
	ssize_t	n;

	if (c->oom)
		return ml_fail(c, "out of memory");
	while (off < c->wlen) {
		if ((n = write(c->fd, c->wbuf + off, c->wlen - off)) == -1) {
			if (errno == EINTR)
				continue;
			return ml_fail(c, "write: %s", errno == EAGAIN ||
			    errno == EWOULDBLOCK ? "timed out" :
			    strerror(errno));
		}
		off += (size_t)n;
	}
	c->wlen = 0;
	return 0;
}

/* ml_fill - have at least need unread input bytes; 0 or -1. */
static int
ml_fill(struct ml_client *c, size_t need)
{
	size_t	want;
	ssize_t	n;
	char   *nb;

	if (c->rhave - c->roff >= need)
		return 0;
	if (c->roff > 0) {
		memmove(c->rbuf, c->rbuf + c->roff, c->rhave - c->roff);
		c->rhave -= c->roff;
		c->roff = 0;
	}
	if (need > c->rcap) {
		want = c->rcap ? c->rcap : ML_RBUF_MIN;
		while (want < need)
			want *= 2;
		if ((nb = realloc(c->rbuf, want)) == NULL)
			return ml_fail(c, "out of memory");
		c->rbuf = nb;
		c->rcap = want;
	}
	/* Each pass adds at least a byte or fails: need bounds the loop. */
	while (c->rhave < need) {
		n = read(c->fd, c->rbuf + c->rhave, c->rcap - c->rhave);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return ml_fail(c, "read: %s", errno == EAGAIN ||
			    errno == EWOULDBLOCK ? "timed out" :
			    strerror(errno));
		if (n == 0)
			return ml_fail(c, "the milter closed the connection");
		c->rhave += (size_t)n;
	}
	return 0;
}

/* ml_packet - read the next packet into pcmd, pdata and plen; 0 or -1. */
static int
ml_packet(struct ml_client *c)
{
	const unsigned char *p;
	uint32_t len;

	if (ml_fill(c, 4) == -1)
		return -1;
	p = (const unsigned char *)c->rbuf + c->roff;
	len = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
	if (len < 1 || len > ML_PACKET_MAX)
		return ml_fail(c, "bad packet length %lu",
		    (unsigned long)len);
	if (ml_fill(c, 4 + (size_t)len) == -1)
		return -1;
	c->pcmd = (unsigned char)c->rbuf[c->roff + 4];
	c->pdata = c->rbuf + c->roff + 5;
	c->plen = len - 1;
	c->roff += 4 + (size_t)len;
	return 0;
}

/* ml_get_u32 - a network-order number at p. */
static uint32_t
ml_get_u32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	    (uint32_t)u[2] << 8 | (uint32_t)u[3];
}

/*
 * ml_strings - split data into n NUL-terminated strings that fill it
 * exactly; 0 or -1.
 */
static int
ml_strings(const char *data, size_t len, const char **v, size_t n)
{
	const char *end;
	size_t	i;

	for (i = 0; i < n; i++) {
		if ((end = memchr(data, '\0', len)) == NULL)
			return -1;
		v[i] = data;
		len -= (size_t)(end - data) + 1;
		data = end + 1;
	}
	return len == 0 ? 0 : -1;
}

/* ml_macro_value - Postfix's value of macro name (len bytes), or NULL. */
static const char *
ml_macro_value(struct ml_client *c, const char *name, size_t len)
{
	static const char *const mailers = "smtp";
	char	key[64];

	/* "{i}" and "i" are one macro. */
	if (len >= 2 && name[0] == '{' && name[len - 1] == '}') {
		name++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(key))
		return NULL;
	memcpy(key, name, len);
	key[len] = '\0';
	if (strcmp(key, "i") == 0)
		return c->qid[0] != '\0' ? c->qid : NULL;
	if (strcmp(key, "j") == 0)
		return ML_HOSTNAME;
	if (strcmp(key, "v") == 0)
		return "Postfix 3.7.11";
	if (strcmp(key, "_") == 0)
		return client_macro;
	if (strcmp(key, "daemon_name") == 0)
		return "smtpd";
	if (strcmp(key, "daemon_addr") == 0)
		return client_family == AF_INET6 ? "::1" : "127.0.0.1";
	if (strcmp(key, "client_addr") == 0)
		return client_addr;
	if (strcmp(key, "client_name") == 0)
		return ML_CLIENT_NAME;
	if (strcmp(key, "auth_type") == 0)
		return authen != NULL ? "PLAIN" : NULL;
	if (strcmp(key, "auth_authen") == 0)
		return authen;
	if (strcmp(key, "mail_addr") == 0)
		return ML_SENDER;
	if (strcmp(key, "rcpt_host") == 0)
		return c->rcpt_domain;
	if (strcmp(key, "rcpt_mailer") == 0)
		return c->rcpt_domain != NULL ? mailers : NULL;
	return NULL;
}

/*
 * ml_macros - SMFIC_MACRO for the event cmd of stage: every macro of the
 * stage's list that has a value (Postfix sends the packet even when
 * none has).
 */
static void
ml_macros(struct ml_client *c, enum ml_stage stage, int cmd)
{
	static const char *const sep = " ,\t\r\n";
	const char *list, *p, *value;
	size_t	start, len;
	char	ch = (char)cmd;

	list = c->maclist[stage][0] != '\0' ? c->maclist[stage] :
	    ml_default_macros[stage];
	start = ml_begin(c, SMFIC_MACRO);
	ml_add(c, &ch, 1);
	for (p = list; *p != '\0'; p += len) {
		p += strspn(p, sep);
		if ((len = strcspn(p, sep)) == 0)
			break;
		if ((value = ml_macro_value(c, p, len)) == NULL)
			continue;
		ml_add(c, p, len);
		ml_add(c, "", 1);
		ml_add_str(c, value);
	}
	ml_end(c, start);
}

/* ml_final_code - the ml_final of a final reply code. */
static enum ml_final
ml_final_code(int code)
{
	switch (code) {
	case SMFIR_ACCEPT:
		return ML_F_ACCEPT;
	case SMFIR_DISCARD:
		return ML_F_DISCARD;
	case SMFIR_TEMPFAIL:
		return ML_F_TEMPFAIL;
	case SMFIR_REJECT:
		return ML_F_REJECT;
	default:
		return ML_F_CONTINUE;
	}
}

/* ml_header_note - keep "name: value" of an added or inserted field. */
static void
ml_header_note(struct ml_client *c, const char *name, const char *value)
{
	snprintf(c->last_header, sizeof(c->last_header), "%s:%s%s", name,
	    (c->steps & SMFIP_HDR_LEADSPC) ? "" : " ", value);
}

/*
 * ml_edit - a modification request at the end of the body: check its
 * shape, count it; 0 or -1.
 */
static int
ml_edit(struct ml_client *c)
{
	const char *s[2];

	switch (c->pcmd) {
	case SMFIR_ADDHEADER:
		if (ml_strings(c->pdata, c->plen, s, 2) == -1 || *s[0] == '\0')
			return ml_fail(c, "malformed SMFIR_ADDHEADER");
		ml_header_note(c, s[0], s[1]);
		c->msg_act[ML_A_ADDHEADER]++;
		return 0;
	case SMFIR_INSHEADER:
	case SMFIR_CHGHEADER:
		if (c->plen < 4 || ml_strings(c->pdata + 4, c->plen - 4, s,
		    2) == -1 || *s[0] == '\0')
			return ml_fail(c, "malformed %s", c->pcmd ==
			    SMFIR_INSHEADER ? "SMFIR_INSHEADER" :
			    "SMFIR_CHGHEADER");
		if (c->pcmd == SMFIR_INSHEADER) {
			ml_header_note(c, s[0], s[1]);
			c->msg_act[ML_A_INSHEADER]++;
		} else
			c->msg_act[ML_A_CHGHEADER]++;
		return 0;
	case SMFIR_ADDRCPT:
	case SMFIR_DELRCPT:
	case SMFIR_ADDRCPT_PAR:
	case SMFIR_CHGFROM:
	case SMFIR_REPLBODY:
		c->msg_act[ML_A_OTHER]++;
		return 0;
	}
	return ml_fail(c, "unexpected reply '%c' (0x%02x) at end of body",
	    c->pcmd > 32 && c->pcmd < 127 ? c->pcmd : '?', c->pcmd);
}

/*
 * ml_reply - flush, then read the replies to event up to its final one,
 * into *code: 'c', 'a', 'd', 's', 't' or 'r' (a SMFIR_REPLYCODE is 't'
 * or 'r' by its first digit). With noreply nothing is read or flushed
 * (the milter sends no reply; the packets go out with the next ones)
 * and *code is 'c'. 0, or -1 when the exchange broke.
 */
static int
ml_reply(struct ml_client *c, int event, int noreply, int *code)
{
	const char *nul;
	int	i;

	*code = SMFIR_CONTINUE;
	if (noreply)
		return 0;
	if (ml_flush(c) == -1)
		return -1;
	for (i = 0; i < ML_REPLIES_MAX; i++) {
		if (ml_packet(c) == -1)
			return -1;
		switch (c->pcmd) {
		case SMFIR_PROGRESS:
			if (c->plen != 0)
				return ml_fail(c, "SMFIR_PROGRESS with data");
			c->msg_act[ML_A_PROGRESS]++;
			continue;
		case SMFIR_QUARANTINE:
			if ((nul = memchr(c->pdata, '\0', c->plen)) == NULL)
				return ml_fail(c, "malformed SMFIR_QUARANTINE");
			ml_note(c->last_quarantine, sizeof(c->last_quarantine),
			    c->pdata, (size_t)(nul - c->pdata));
			c->msg_act[ML_A_QUARANTINE]++;
			continue;
		case SMFIR_CONTINUE:
		case SMFIR_ACCEPT:
		case SMFIR_DISCARD:
		case SMFIR_REJECT:
		case SMFIR_TEMPFAIL:
		case SMFIR_SKIP:
			if (c->plen != 0)
				return ml_fail(c, "reply '%c' with data",
				    c->pcmd);
			*code = c->pcmd;
			break;
		case SMFIR_REPLYCODE:
			/* "4XY 4.X.Y text" or "5XY ...", NUL-terminated. */
			if (c->plen < 5 || (c->pdata[0] != '4' &&
			    c->pdata[0] != '5') || c->pdata[4] !=
			    c->pdata[0] || memchr(c->pdata, '\0',
			    c->plen) == NULL)
				return ml_fail(c, "malformed SMFIR_REPLYCODE");
			ml_note(c->last_reply, sizeof(c->last_reply),
			    c->pdata, strlen(c->pdata));
			*code = c->pdata[0] == '4' ? SMFIR_TEMPFAIL :
			    SMFIR_REJECT;
			break;
		case SMFIR_SHUTDOWN:
		case SMFIR_CONN_FAIL:
			return ml_fail(c, "the milter ends the session "
			    "('%c')", c->pcmd);
		default:
			if (event != SMFIC_BODYEOB)
				return ml_fail(c, "unexpected reply 0x%02x "
				    "to '%c'", c->pcmd, event);
			if (ml_edit(c) == -1)
				return -1;
			continue;
		}
		/* One event in flight: nothing may follow its final reply. */
		if (c->roff != c->rhave)
			return ml_fail(c, "%zu bytes after the final reply "
			    "to '%c'", c->rhave - c->roff, event);
		c->roff = c->rhave = 0;
		return 0;
	}
	return ml_fail(c, "more than %d replies to '%c'", ML_REPLIES_MAX,
	    event);
}

/* ml_session_open - connect, negotiate, CONNECT and HELO; 0 or -1. */
static int
ml_session_open(struct ml_client *c)
{
	const char *data, *nul;
	size_t	start, left, n;
	uint32_t stage;
	unsigned int port;
	unsigned char fam, pbuf[2];
	int	code;

	c->wlen = 0;
	c->roff = c->rhave = 0;
	c->oom = 0;
	c->qid[0] = '\0';
	c->rcpt_domain = NULL;
	memset(c->maclist, 0, sizeof(c->maclist));
	if (ml_connect(c) == -1)
		return -1;

	start = ml_begin(c, SMFIC_OPTNEG);
	ml_add_u32(c, SMFI_PROT_VERSION);
	ml_add_u32(c, ML_MTA_ACTIONS);
	ml_add_u32(c, ML_MTA_STEPS);
	ml_end(c, start);
	if (ml_flush(c) == -1 || ml_packet(c) == -1)
		return -1;
	if (c->pcmd != SMFIC_OPTNEG || c->plen < 12)
		return ml_fail(c, "no SMFIC_OPTNEG reply ('%c', %zu bytes)",
		    c->pcmd, c->plen);
	c->version = ml_get_u32(c->pdata);
	c->actions = ml_get_u32(c->pdata + 4);
	c->steps = ml_get_u32(c->pdata + 8);
	if (c->version < 2 || c->version > SMFI_PROT_VERSION)
		return ml_fail(c, "milter protocol version %lu",
		    (unsigned long)c->version);
	if ((c->actions & ~ML_MTA_ACTIONS) != 0)
		return ml_fail(c, "milter wants actions 0x%lx",
		    (unsigned long)c->actions);
	/* Macro lists: stage, then a NUL-terminated list, to the end. */
	data = c->pdata + 12;
	left = c->plen - 12;
	while (left > 0) {
		if (left < 5 || (nul = memchr(data + 4, '\0',
		    left - 4)) == NULL)
			return ml_fail(c, "malformed macro list");
		stage = ml_get_u32(data);
		n = (size_t)(nul - (data + 4));
		if (stage < ML_STAGES) {
			if (n >= ML_MACLIST_MAX)
				return ml_fail(c, "macro list too long");
			memcpy(c->maclist[stage], data + 4, n + 1);
		}
		left -= 4 + n + 1;
		data = nul + 1;
	}
	if (c->roff != c->rhave)
		return ml_fail(c, "bytes after the SMFIC_OPTNEG reply");
	c->roff = c->rhave = 0;

	ml_macros(c, ML_CONNECT, SMFIC_CONNECT);
	if (!(c->steps & SMFIP_NOCONNECT)) {
		start = ml_begin(c, SMFIC_CONNECT);
		ml_add_str(c, ML_CLIENT_NAME);
		fam = client_family == AF_INET6 ? '6' : '4';
		ml_add(c, &fam, 1);
		/* A client port of its own, in network order. */
		port = 40000 + c->index % 20000;
		pbuf[0] = (unsigned char)(port >> 8);
		pbuf[1] = (unsigned char)(port & 0xff);
		ml_add(c, pbuf, sizeof(pbuf));
		ml_add_str(c, client_addr);
		ml_end(c, start);
		if (ml_reply(c, SMFIC_CONNECT, (c->steps & SMFIP_NR_CONN) != 0,
		    &code) == -1)
			return -1;
		if (code != SMFIR_CONTINUE)
			return ml_fail(c, "reply '%c' to SMFIC_CONNECT", code);
	}
	ml_macros(c, ML_HELO, SMFIC_HELO);
	if (!(c->steps & SMFIP_NOHELO)) {
		start = ml_begin(c, SMFIC_HELO);
		ml_add_str(c, ML_CLIENT_NAME);
		ml_end(c, start);
		if (ml_reply(c, SMFIC_HELO, (c->steps & SMFIP_NR_HELO) != 0,
		    &code) == -1)
			return -1;
		if (code != SMFIR_CONTINUE)
			return ml_fail(c, "reply '%c' to SMFIC_HELO", code);
	}
	c->sessions++;
	return 0;
}

/* ml_session_close - QUIT (and any pending ABORT), then close. */
static void
ml_session_close(struct ml_client *c, int quit)
{
	size_t	start;

	if (c->fd == -1)
		return;
	if (quit) {
		start = ml_begin(c, SMFIC_QUIT);
		ml_end(c, start);
		(void)ml_flush(c);
	}
	close(c->fd);
	c->fd = -1;
	c->wlen = 0;
	c->roff = c->rhave = 0;
}

/*
 * ml_step - one event of the message whose packet is built: its reply,
 * with SMFIR_SKIP noted for the event type. 0 with *code, or -1.
 */
static int
ml_step(struct ml_client *c, size_t start, int event, int noreply,
    int *code)
{
	ml_end(c, start);
	if (ml_reply(c, event, noreply, code) == -1)
		return -1;
	if (*code == SMFIR_SKIP) {
		c->skip_event = event;
		*code = SMFIR_CONTINUE;
	}
	return 0;
}

/*
 * ml_content - header fields, EOH and body of the message; 0 with
 * *code (continue, or the reply that ended the message), or -1.
 */
static int
ml_content(struct ml_client *c, int *code)
{
	static const char *const fixed[] = { "From", "To", "Subject",
	    "Date", "Message-ID", "MIME-Version", "Content-Type" };
	char	value[ML_TEXT_MAX * 2 + 64];
	size_t	i, start, off, n, len;
	int	nfixed = (int)(sizeof(fixed) / sizeof(fixed[0])), k;

	*code = SMFIR_CONTINUE;
	if (!(c->steps & SMFIP_NOHDRS)) {
		for (k = 0; k < nfixed + (int)nheaders; k++) {
			if (c->skip_event == SMFIC_HEADER)
				break;
			if (k >= nfixed) {
				i = (size_t)k - (size_t)nfixed;
				snprintf(value, sizeof(value), "%s",
				    hdr_values[i]);
			} else if (k == 1) {
				len = (size_t)snprintf(value, sizeof(value),
				    "<rcpt@%s>", domains[0]);
				/* Every recipient, as far as the field goes. */
				for (i = 1; i < ndomains && len + 16 +
				    strlen(domains[i]) < sizeof(value); i++)
					len += (size_t)snprintf(value + len,
					    sizeof(value) - len,
					    ",\n\t<rcpt@%s>", domains[i]);
			} else
				switch (k) {
				case 0:
					snprintf(value, sizeof(value),
					    "<%s>", ML_SENDER);
					break;
				case 2:
					snprintf(value, sizeof(value),
					    "milter-load message %s", c->qid);
					break;
				case 3:
					snprintf(value, sizeof(value),
					    "Thu, 1 Jan 2026 00:00:00 +0000");
					break;
				case 4:
					snprintf(value, sizeof(value),
					    "<%s@%s>", c->qid, ML_HOSTNAME);
					break;
				case 5:
					snprintf(value, sizeof(value), "1.0");
					break;
				default:
					snprintf(value, sizeof(value),
					    "text/plain; charset=us-ascii");
					break;
				}
			ml_macros(c, ML_EOH, SMFIC_HEADER);
			start = ml_begin(c, SMFIC_HEADER);
			ml_add_str(c, k < nfixed ? fixed[k] :
			    hdr_names[(size_t)k - (size_t)nfixed]);
			if (c->steps & SMFIP_HDR_LEADSPC)
				ml_add(c, " ", 1);
			ml_add_str(c, value);
			if (ml_step(c, start, SMFIC_HEADER,
			    (c->steps & SMFIP_NR_HDR) != 0, code) == -1)
				return -1;
			if (*code != SMFIR_CONTINUE)
				return 0;
		}
	}
	if (!(c->steps & SMFIP_NOEOH)) {
		ml_macros(c, ML_EOH, SMFIC_EOH);
		start = ml_begin(c, SMFIC_EOH);
		if (ml_step(c, start, SMFIC_EOH, (c->steps & SMFIP_NR_EOH) !=
		    0, code) == -1)
			return -1;
		if (*code != SMFIR_CONTINUE)
			return 0;
	}
	if (!(c->steps & SMFIP_NOBODY)) {
		for (off = 0; off < body_len; off += n) {
			if (c->skip_event == SMFIC_BODY)
				break;
			n = body_len - off < ML_CHUNK ? body_len - off :
			    ML_CHUNK;
			ml_macros(c, ML_EOM, SMFIC_BODY);
			start = ml_begin(c, SMFIC_BODY);
			ml_add(c, body + off, n);
			if (ml_step(c, start, SMFIC_BODY,
			    (c->steps & SMFIP_NR_BODY) != 0, code) == -1)
				return -1;
			if (*code != SMFIR_CONTINUE)
				return 0;
		}
	}
	return 0;
}

/*
 * ml_message - one message, SMFIC_MAIL to the final reply after
 * SMFIC_BODYEOB, and the SMFIC_ABORT Postfix sends after it (buffered).
 * 0 with *final and *eom_ns (0 when the message ended early), or -1.
 */
static int
ml_message(struct ml_client *c, enum ml_final *final, uint64_t *eom_ns)
{
	char	arg[ML_TEXT_MAX + 16];
	uint64_t t0;
	size_t	i, start, accepted = 0;
	int	code = SMFIR_CONTINUE, rcode = SMFIR_CONTINUE;

	*eom_ns = 0;
	memset(c->msg_act, 0, sizeof(c->msg_act));
	c->skip_event = 0;
	c->seq++;
	snprintf(c->qid, sizeof(c->qid), "%XB%XN%llX", pid_tag, c->index,
	    (unsigned long long)c->seq);

	ml_macros(c, ML_MAIL, SMFIC_MAIL);
	if (!(c->steps & SMFIP_NOMAIL)) {
		start = ml_begin(c, SMFIC_MAIL);
		snprintf(arg, sizeof(arg), "<%s>", ML_SENDER);
		ml_add_str(c, arg);
		if (ml_step(c, start, SMFIC_MAIL, (c->steps & SMFIP_NR_MAIL) !=
		    0, &code) == -1)
			return -1;
		if (code != SMFIR_CONTINUE)
			goto done;
	}
	for (i = 0; i < ndomains; i++) {
		c->rcpt_domain = domains[i];
		ml_macros(c, ML_RCPT, SMFIC_RCPT);
		if (!(c->steps & SMFIP_NORCPT)) {
			start = ml_begin(c, SMFIC_RCPT);
			snprintf(arg, sizeof(arg), "<rcpt@%s>", domains[i]);
			ml_add_str(c, arg);
			if (ml_step(c, start, SMFIC_RCPT, (c->steps &
			    SMFIP_NR_RCPT) != 0, &rcode) == -1)
				return -1;
		}
		/* Accept or discard end the message; a refusal one recipient. */
		if (rcode == SMFIR_ACCEPT || rcode == SMFIR_DISCARD) {
			code = rcode;
			goto done;
		}
		if (rcode == SMFIR_CONTINUE)
			accepted++;
	}
	c->rcpt_domain = NULL;
	if (accepted == 0) {
		code = rcode;
		goto done;
	}
	ml_macros(c, ML_DATA, SMFIC_DATA);
	if (!(c->steps & SMFIP_NODATA)) {
		start = ml_begin(c, SMFIC_DATA);
		if (ml_step(c, start, SMFIC_DATA, (c->steps & SMFIP_NR_DATA) !=
		    0, &code) == -1)
			return -1;
		if (code != SMFIR_CONTINUE)
			goto done;
	}
	if (ml_content(c, &code) == -1)
		return -1;
	if (code != SMFIR_CONTINUE)
		goto done;
	ml_macros(c, ML_EOM, SMFIC_BODYEOB);
	start = ml_begin(c, SMFIC_BODYEOB);
	ml_end(c, start);
	t0 = ml_now_ns();
	if (ml_reply(c, SMFIC_BODYEOB, 0, &code) == -1)
		return -1;
	*eom_ns = ml_now_ns() - t0;
	if (code == SMFIR_SKIP)
		return ml_fail(c, "SMFIR_SKIP at end of body");
done:
	c->rcpt_domain = NULL;
	*final = ml_final_code(code);
	start = ml_begin(c, SMFIC_ABORT);
	ml_end(c, start);
	return 0;
}

/* ml_client_run - one closed-loop client thread. */
static void *
ml_client_run(void *arg)
{
	struct ml_client *c = arg;
	enum ml_final final = ML_F_CONTINUE;
	uint64_t t0, dt, eom_ns;
	unsigned long nmsg = 0;
	size_t	i;
	int	ph, open = 0;

	c->fd = -1;
	pthread_barrier_wait(&start_barrier);
	while ((ph = atomic_load(&phase)) != ML_STOP) {
		if (!open) {
			if (ml_session_open(c) == -1) {
				c->errors++;
				ml_session_close(c, 0);
				ml_sleep_ns(10000000);
				continue;
			}
			open = 1;
			nmsg = 0;
		}
		t0 = ml_now_ns();
		if (ml_message(c, &final, &eom_ns) == -1) {
			c->errors++;
			ml_session_close(c, 0);
			open = 0;
			continue;
		}
		dt = ml_now_ns() - t0;
		if (per_session > 0 && ++nmsg >= per_session) {
			ml_session_close(c, 1);
			open = 0;
		}
		/* Count only messages that complete inside the window. */
		if (ph != ML_MEASURE || atomic_load(&phase) != ML_MEASURE)
			continue;
		c->final[final]++;
		for (i = 0; i < ML_ACTIONS; i++)
			c->act[i] += c->msg_act[i];
		if (final == ML_F_TEMPFAIL || final == ML_F_REJECT)
			continue;
		c->accepted++;
		c->hist[ml_hist_index(dt)]++;
		if (dt > c->max_ns)
			c->max_ns = dt;
		if (eom_ns > 0) {
			c->eom_hist[ml_hist_index(eom_ns)]++;
			if (eom_ns > c->eom_max_ns)
				c->eom_max_ns = eom_ns;
		}
	}
	if (open)
		ml_session_close(c, 1);
	return NULL;
}

/* ml_domains - the recipient domains from a comma-separated list. */
static void
ml_domains(const char *arg)
{
	const char *p, *comma;
	size_t	len;

	for (p = arg; *p != '\0'; p = comma + 1) {
		if ((comma = strchr(p, ',')) == NULL)
			comma = p + strlen(p);
		len = (size_t)(comma - p);
		if (len > 0) {
			if (len > ML_TEXT_MAX || ndomains >= ML_DOMAINS_MAX) {
				fprintf(stderr, "milter-load: domain too long "
				    "or more than %d\n", ML_DOMAINS_MAX);
				exit(1);
			}
			if ((domains[ndomains++] = strndup(p, len)) == NULL) {
				perror("milter-load");
				exit(1);
			}
		}
		if (*comma == '\0')
			break;
	}
}

/* ml_header_arg - one -H 'Name: value' field. */
static void
ml_header_arg(const char *arg)
{
	const char *colon = strchr(arg, ':');
	const char *v;

	if (colon == NULL || colon == arg || strlen(arg) > ML_TEXT_MAX ||
	    nheaders >= ML_HEADERS_MAX) {
		fprintf(stderr, "milter-load: -H wants 'Name: value' (at most "
		    "%d fields)\n", ML_HEADERS_MAX);
		exit(1);
	}
	/* Postfix drops the one space after the colon (no HDR_LEADSPC). */
	v = colon + 1;
	if (*v == ' ')
		v++;
	if ((hdr_names[nheaders] = strndup(arg, (size_t)(colon - arg))) ==
	    NULL || (hdr_values[nheaders] = strdup(v)) == NULL) {
		perror("milter-load");
		exit(1);
	}
	nheaders++;
}

/* ml_body_make - body_len bytes of CRLF-terminated text lines. */
static void
ml_body_make(void)
{
	static const char line[] = "The quick brown fox jumps over the "
	    "lazy dog, for a benchmark.\r\n";
	size_t	off, n;

	if ((body = malloc(body_len + 1)) == NULL) {
		perror("milter-load");
		exit(1);
	}
	for (off = 0; off < body_len; off += n) {
		n = sizeof(line) - 1;
		if (n > body_len - off)
			n = body_len - off;
		memcpy(body + off, line, n);
	}
}

/* ml_json_str - s as a JSON string on fp (NULL as null). */
static void
ml_json_str(FILE *fp, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\u%04x", *p);
		else
			fputc(*p, fp);
	}
	fputc('"', fp);
}

/* ml_note_of - the note at off of the first client that has one. */
static const char *
ml_note_of(const struct ml_client *clients, size_t n, size_t off)
{
	const char *s;
	size_t	i;

	for (i = 0; i < n; i++) {
		s = (const char *)&clients[i] + off;
		if (*s != '\0')
			return s;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	static uint64_t hist[HIST_BUCKETS], eom_hist[HIST_BUCKETS];
	struct ml_client *clients;
	struct in_addr a4;
	struct in6_addr a6;
	uint64_t final[ML_FINALS] = { 0 }, act[ML_ACTIONS] = { 0 };
	uint64_t total = 0, eom_total = 0, errors = 0, sessions = 0;
	uint64_t max_ns = 0, eom_max_ns = 0, t_measure, t_stop;
	uint64_t cmin = UINT64_MAX, cmax = 0;
	const struct ml_client *neg = NULL;
	const char *spec = NULL, *domlist = NULL, *addr = "127.0.0.1";
	size_t	i, j;
	long	nclients = 0, seconds = 0, warmup = 1;
	double	elapsed;
	int	ch;

	while ((ch = getopt(argc, argv, "a:b:c:d:H:m:r:s:t:u:w:")) != -1) {
		switch (ch) {
		case 'a':
			addr = optarg;
			break;
		case 'b':
			body_len = (size_t)ml_number(optarg, 0, ML_BODY_MAX);
			break;
		case 'c':
			nclients = ml_number(optarg, 1, ML_CLIENTS_MAX);
			break;
		case 'd':
			seconds = ml_number(optarg, 1, 86400);
			break;
		case 'H':
			ml_header_arg(optarg);
			break;
		case 'm':
			per_session = (unsigned long)ml_number(optarg, 0,
			    1000000000L);
			break;
		case 'r':
			domlist = optarg;
			break;
		case 's':
			spec = optarg;
			break;
		case 't':
			io_timeout = (int)ml_number(optarg, 1, 3600);
			break;
		case 'u':
			authen = optarg;
			if (*authen == '\0' || strlen(authen) > ML_TEXT_MAX)
				ml_usage();
			break;
		case 'w':
			warmup = ml_number(optarg, 0, 3600);
			break;
		default:
			ml_usage();
		}
	}
	if (optind != argc || spec == NULL || nclients == 0 || seconds == 0 ||
	    domlist == NULL)
		ml_usage();
	/* A milter that closes under load must not kill the driver. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		perror("milter-load: signal");
		return 1;
	}
	if (ml_target_parse(spec, &target) == -1)
		return 1;
	ml_domains(domlist);
	if (ndomains == 0) {
		fprintf(stderr, "milter-load: no recipient domain\n");
		return 1;
	}
	if (inet_pton(AF_INET, addr, &a4) == 1)
		client_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &a6) == 1)
		client_family = AF_INET6;
	else {
		fprintf(stderr, "milter-load: -a wants an IP address\n");
		return 1;
	}
	snprintf(client_addr, sizeof(client_addr), "%s", addr);
	snprintf(client_macro, sizeof(client_macro), "%s [%s]",
	    ML_CLIENT_NAME, addr);
	pid_tag = (unsigned int)getpid();
	ml_body_make();

	if ((clients = calloc((size_t)nclients, sizeof(*clients))) == NULL) {
		perror("milter-load");
		return 1;
	}
	if (pthread_barrier_init(&start_barrier, NULL,
	    (unsigned int)nclients + 1) != 0) {
		fprintf(stderr, "milter-load: pthread_barrier_init failed\n");
		return 1;
	}
	for (i = 0; i < (size_t)nclients; i++) {
		clients[i].index = (unsigned int)i;
		if (pthread_create(&clients[i].thread, NULL, ml_client_run,
		    &clients[i]) != 0) {
			fprintf(stderr, "milter-load: pthread_create failed\n");
			return 1;
		}
	}
	pthread_barrier_wait(&start_barrier);
	ml_sleep_ns((uint64_t)warmup * 1000000000u);
	t_measure = ml_now_ns();
	atomic_store(&phase, ML_MEASURE);
	ml_sleep_ns((uint64_t)seconds * 1000000000u);
	atomic_store(&phase, ML_STOP);
	t_stop = ml_now_ns();
	for (i = 0; i < (size_t)nclients; i++) {
		if (pthread_join(clients[i].thread, NULL) != 0) {
			fprintf(stderr, "milter-load: pthread_join failed\n");
			return 1;
		}
		for (j = 0; j < HIST_BUCKETS; j++) {
			hist[j] += clients[i].hist[j];
			eom_hist[j] += clients[i].eom_hist[j];
			total += clients[i].hist[j];
			eom_total += clients[i].eom_hist[j];
		}
		for (j = 0; j < ML_FINALS; j++)
			final[j] += clients[i].final[j];
		for (j = 0; j < ML_ACTIONS; j++)
			act[j] += clients[i].act[j];
		errors += clients[i].errors;
		sessions += clients[i].sessions;
		if (clients[i].accepted < cmin)
			cmin = clients[i].accepted;
		if (clients[i].accepted > cmax)
			cmax = clients[i].accepted;
		if (clients[i].max_ns > max_ns)
			max_ns = clients[i].max_ns;
		if (clients[i].eom_max_ns > eom_max_ns)
			eom_max_ns = clients[i].eom_max_ns;
		if (neg == NULL && clients[i].version != 0)
			neg = &clients[i];
		free(clients[i].wbuf);
		free(clients[i].rbuf);
	}
	elapsed = (double)(t_stop - t_measure) / 1e9;
	printf("{\"clients\": %ld, \"seconds\": %.3f, \"messages\": %llu, "
	    "\"mps\": %.1f, \"p50_us\": %.1f, \"p90_us\": %.1f, "
	    "\"p99_us\": %.1f, \"max_us\": %.1f, \"eom_p50_us\": %.1f, "
	    "\"eom_p99_us\": %.1f, \"errors\": %llu, \"sessions\": %llu, "
	    "\"client_min\": %llu, \"client_max\": %llu, "
	    "\"rcpts\": %zu, \"body_bytes\": %zu",
	    nclients, elapsed, (unsigned long long)total,
	    elapsed > 0 ? (double)total / elapsed : 0.0,
	    (double)ml_percentile(hist, total, 0.50, max_ns) / 1e3,
	    (double)ml_percentile(hist, total, 0.90, max_ns) / 1e3,
	    (double)ml_percentile(hist, total, 0.99, max_ns) / 1e3,
	    (double)max_ns / 1e3,
	    (double)ml_percentile(eom_hist, eom_total, 0.50, eom_max_ns) / 1e3,
	    (double)ml_percentile(eom_hist, eom_total, 0.99, eom_max_ns) / 1e3,
	    (unsigned long long)errors, (unsigned long long)sessions,
	    (unsigned long long)cmin, (unsigned long long)cmax,
	    ndomains, body_len);
	printf(", \"final\": {");
	for (j = 0; j < ML_FINALS; j++)
		printf("%s\"%s\": %llu", j ? ", " : "", ml_final_names[j],
		    (unsigned long long)final[j]);
	printf("}, \"actions\": {");
	for (j = 0; j < ML_ACTIONS; j++)
		printf("%s\"%s\": %llu", j ? ", " : "", ml_action_names[j],
		    (unsigned long long)act[j]);
	printf("}, \"negotiated\": ");
	if (neg != NULL)
		printf("{\"version\": %lu, \"actions\": \"0x%lx\", "
		    "\"protocol\": \"0x%lx\"}", (unsigned long)neg->version,
		    (unsigned long)neg->actions, (unsigned long)neg->steps);
	else
		printf("null");
	printf(", \"last_header\": ");
	ml_json_str(stdout, ml_note_of(clients, (size_t)nclients,
	    offsetof(struct ml_client, last_header)));
	printf(", \"last_quarantine\": ");
	ml_json_str(stdout, ml_note_of(clients, (size_t)nclients,
	    offsetof(struct ml_client, last_quarantine)));
	printf(", \"last_reply\": ");
	ml_json_str(stdout, ml_note_of(clients, (size_t)nclients,
	    offsetof(struct ml_client, last_reply)));
	printf(", \"first_error\": ");
	ml_json_str(stdout, ml_note_of(clients, (size_t)nclients,
	    offsetof(struct ml_client, first_error)));
	printf("}\n");
	free(clients);
	for (i = 0; i < ndomains; i++)
		free(domains[i]);
	for (i = 0; i < nheaders; i++) {
		free(hdr_names[i]);
		free(hdr_values[i]);
	}
	free(body);
	return fflush(stdout) == 0 ? 0 : 1;
}
