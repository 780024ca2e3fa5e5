/*
 * NAME
 *	sm_load - closed-loop socketmap load generator
 * SYNOPSIS
 *	sm-load -s unix:PATH|inet:HOST:PORT -c CLIENTS -d SECONDS [-o]
 *	    [-w WARMUP] [-n MAPNAME] [-t TIMEOUT] -k KEYFILE|-K KEY1,KEY2,...
 * DESCRIPTION
 *	Starts CLIENTS threads, each with its own connection and exactly one
 *	request outstanding (closed loop). Each sends the netstring
 *	"MAPNAME KEY", cycling over the keys (thread i starts at key i), and
 *	reads one reply netstring. A reply must be a well-formed netstring
 *	that fills the bytes received exactly and starts with "OK " or is
 *	"NOTFOUND "; anything else (TEMP, PERM, junk, a closed connection, a
 *	read timeout, a refused connection) is an error and the client
 *	reconnects.
 *
 *	With -o (once) every key is asked exactly once in all, the clients
 *	taking the next unasked key in turn, and the run ends when all are
 *	answered or after SECONDS, whichever is first; there is no warm-up
 *	and "seconds" is the time the run took. A key whose exchange fails is
 *	counted in "errors" and not asked again.
 *
 *	Otherwise the first WARMUP seconds (default 1) are not measured. Latency is kept
 *	per thread in a log-linear histogram (128 sub-buckets per power of two,
 *	relative error under 1%), so memory does not grow with the run.
 *
 *	Prints one JSON object on stdout: clients, seconds (measured),
 *	requests (good replies in the measured window), rps, p50_us, p90_us,
 *	p99_us, max_us, errors (whole run, warm-up included), ok, notfound,
 *	reply_bytes (payload length of the last good reply).
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

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netstring.h"

#define LOAD_CLIENTS_MAX	4096
#define LOAD_KEYS_MAX		1000000
#define LOAD_KEY_MAX		1000	/* per key, well under the request cap */
#define LOAD_POLL_NS		1000000	/* -o: how often main looks at the clients */

/* Histogram: values in ns; below 2^HIST_SUB_BITS exact, then log-linear. */
#define HIST_SUB_BITS		7
#define HIST_SUB_HALF		(1u << (HIST_SUB_BITS - 1))
#define HIST_BUCKETS		(64 * HIST_SUB_HALF + 2 * HIST_SUB_HALF)

enum load_phase {
	PHASE_WARMUP,
	PHASE_MEASURE,
	PHASE_STOP
};

struct load_target {
	int	family;
	socklen_t addrlen;
	struct sockaddr_storage addr;
};

struct load_client {
	pthread_t thread;
	unsigned int index;
	uint64_t hist[HIST_BUCKETS];
	uint64_t max_ns;
	uint64_t ok;
	uint64_t notfound;
	uint64_t errors;
	size_t	reply_bytes;
	char   *rbuf;
	size_t	rbufsz;
	char   *wbuf;
	size_t	wbufsz;
};

static struct load_target target;
static const char *map_name = "sts";
static char **keys;
static size_t nkeys;
static int io_timeout = 5;
static pthread_barrier_t start_barrier;
static atomic_int phase = PHASE_WARMUP;
static int once;			/* -o: each key once, then stop */
static atomic_size_t next_key;		/* -o: next key to ask */
static atomic_uint clients_done;	/* -o: threads that ran out of keys */

/* load_usage - print the synopsis and exit 1. */
static void
load_usage(void)
{
	fprintf(stderr, "usage: sm-load -s unix:PATH|inet:HOST:PORT "
	    "-c CLIENTS -d SECONDS [-o] [-w WARMUP] [-n MAPNAME] "
	    "[-t TIMEOUT]\n"
	    "\t-k KEYFILE|-K KEY1,KEY2,...\n");
	exit(1);
}

/* load_now_ns - monotonic clock in nanoseconds. */
static uint64_t
load_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
		perror("sm-load: clock_gettime");
		exit(1);
	}
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* load_number - parse a decimal in [min, max] or exit via usage. */
static long
load_number(const char *s, long min, long max)
{
	char   *end;
	long	v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "sm-load: bad number \"%s\" (%ld..%ld)\n",
		    s, min, max);
		load_usage();
	}
	return v;
}

/* load_target_parse - resolve unix:PATH or inet:HOST:PORT into target. */
static int
load_target_parse(const char *spec, struct load_target *t)
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
			fprintf(stderr, "sm-load: bad unix path\n");
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
		fprintf(stderr, "sm-load: want unix:PATH or inet:HOST:PORT\n");
		goto out;
	}
	spec += 5;
	hlen = (size_t)(colon - spec);
	if (hlen >= 2 && spec[0] == '[' && spec[hlen - 1] == ']') {
		spec++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		fprintf(stderr, "sm-load: bad host\n");
		goto out;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((error = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		fprintf(stderr, "sm-load: %s: %s\n", host, gai_strerror(error));
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

/* load_connect - open a blocking connection with I/O timeouts; -1 on error. */
static int
load_connect(void)
{
	struct timeval tv;
	int	fd, one = 1;

	if ((fd = socket(target.family, SOCK_STREAM, 0)) == -1)
		return -1;
	tv.tv_sec = io_timeout;
	tv.tv_usec = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		goto fail;
	if (target.family != AF_UNIX && setsockopt(fd, IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one)) == -1)
		goto fail;
	if (connect(fd, (struct sockaddr *)&target.addr, target.addrlen) == -1)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* load_hist_index - histogram bucket for a latency of v ns. */
static size_t
load_hist_index(uint64_t v)
{
	unsigned int top = HIST_SUB_BITS, shift;

	if (v < 2 * HIST_SUB_HALF)
		return (size_t)v;
	while (top < 63 && (v >> (top + 1)) != 0)
		top++;
	shift = top - (HIST_SUB_BITS - 1);
	return (size_t)shift * HIST_SUB_HALF + (size_t)(v >> shift);
}

/* load_hist_value - a representative value (mid-point) of bucket idx. */
static uint64_t
load_hist_value(size_t idx)
{
	uint64_t sub, shift;

	if (idx < 2 * HIST_SUB_HALF)
		return idx;
	shift = idx / HIST_SUB_HALF - 1;
	sub = idx - shift * HIST_SUB_HALF;
	return (sub << shift) + ((uint64_t)1 << shift) / 2;
}

/* load_write_all - write len bytes; 0 or -1. */
static int
load_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * load_exchange - send one request and read one reply. Returns 1 for OK,
 * 2 for NOTFOUND, -1 for anything else (the connection must be dropped).
 */
static int
load_exchange(struct load_client *c, int fd, size_t reqlen)
{
	const char *data;
	size_t	have = 0, dlen, used;
	ssize_t	n;

	if (load_write_all(fd, c->wbuf, reqlen) == -1)
		return -1;
	for (;;) {
		if (have == c->rbufsz)
			return -1;
		n = read(fd, c->rbuf + have, c->rbufsz - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
		switch (netstring_parse(c->rbuf, have, NETSTRING_REPLY_MAX,
		    &data, &dlen, &used)) {
		case NS_INCOMPLETE:
			continue;
		case NS_ERROR:
			return -1;
		case NS_OK:
			break;
		}
		/* One request outstanding: trailing bytes are a server bug. */
		if (used != have)
			return -1;
		if (dlen >= 3 && memcmp(data, "OK ", 3) == 0) {
			c->reply_bytes = dlen;
			return 1;
		}
		if (dlen == 9 && memcmp(data, "NOTFOUND ", 9) == 0) {
			c->reply_bytes = dlen;
			return 2;
		}
		return -1;
	}
}

/* load_client_run - one closed-loop client thread. */
static void *
load_client_run(void *arg)
{
	struct load_client *c = arg;
	uint64_t t0, dt;
	size_t	k = c->index % nkeys, reqlen, plen;
	char	payload[LOAD_KEY_MAX + 256];
	int	fd, r, ph, want;

	fd = load_connect();
	pthread_barrier_wait(&start_barrier);
	while ((ph = atomic_load(&phase)) != PHASE_STOP) {
		if (fd == -1 && (fd = load_connect()) == -1) {
			c->errors++;
			usleep(10000);
			continue;
		}
		if (once && (k = atomic_fetch_add(&next_key, 1)) >= nkeys)
			break;
		want = snprintf(payload, sizeof(payload), "%s %s", map_name,
		    keys[k]);
		if (want < 0 || (size_t)want >= sizeof(payload))
			abort();	/* keys and name are length-checked */
		plen = (size_t)want;
		reqlen = netstring_format(c->wbuf, c->wbufsz, payload, plen);
		if (reqlen == 0)
			abort();
		k = (k + 1) % nkeys;
		t0 = load_now_ns();
		r = load_exchange(c, fd, reqlen);
		dt = load_now_ns() - t0;
		if (r < 0) {
			c->errors++;
			close(fd);
			fd = -1;
			continue;
		}
		/* Count only replies that complete inside the window. */
		if (ph != PHASE_MEASURE || atomic_load(&phase) != PHASE_MEASURE)
			continue;
		if (r == 1)
			c->ok++;
		else
			c->notfound++;
		c->hist[load_hist_index(dt)]++;
		if (dt > c->max_ns)
			c->max_ns = dt;
	}
	if (fd != -1)
		close(fd);
	atomic_fetch_add(&clients_done, 1);
	return NULL;
}

/* load_add_key - append one key after checking it. */
static void
load_add_key(const char *s, size_t len)
{
	char  **nk;

	if (len == 0)
		return;
	if (len > LOAD_KEY_MAX || nkeys >= LOAD_KEYS_MAX) {
		fprintf(stderr, "sm-load: key too long or too many keys\n");
		exit(1);
	}
	if ((nkeys & (nkeys - 1)) == 0) {
		nk = realloc(keys, (nkeys ? nkeys * 2 : 1) * sizeof(*keys));
		if (nk == NULL) {
			perror("sm-load");
			exit(1);
		}
		keys = nk;
	}
	if ((keys[nkeys] = strndup(s, len)) == NULL) {
		perror("sm-load");
		exit(1);
	}
	nkeys++;
}

/* load_keys_list - keys from a comma-separated argument. */
static void
load_keys_list(const char *arg)
{
	const char *p, *comma;

	for (p = arg; *p != '\0'; p = comma + 1) {
		if ((comma = strchr(p, ',')) == NULL)
			comma = p + strlen(p);
		load_add_key(p, (size_t)(comma - p));
		if (*comma == '\0')
			break;
	}
}

/* load_keys_file - keys from a file, one a line; blank and # lines skipped. */
static void
load_keys_file(const char *path)
{
	FILE   *fp;
	char	line[LOAD_KEY_MAX + 2];
	size_t	len;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "sm-load: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		len = strcspn(line, "\r\n");
		if (line[len] == '\0' && !feof(fp)) {
			fprintf(stderr, "sm-load: %s: line too long\n", path);
			exit(1);
		}
		if (line[0] == '#')
			continue;
		load_add_key(line, len);
	}
	if (ferror(fp)) {
		fprintf(stderr, "sm-load: %s: read error\n", path);
		exit(1);
	}
	fclose(fp);
}

/* load_percentile - value at fraction q of the merged histogram, in ns. */
static uint64_t
load_percentile(const uint64_t *hist, uint64_t total, double q,
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
			v = load_hist_value(i);
			return v > max_ns ? max_ns : v;
		}
	}
	return max_ns;
}

/* load_sleep_ns - sleep for ns, resuming after signals. */
static void
load_sleep_ns(uint64_t ns)
{
	struct timespec ts, rem;

	ts.tv_sec = (time_t)(ns / 1000000000u);
	ts.tv_nsec = (long)(ns % 1000000000u);
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

int
main(int argc, char **argv)
{
	static uint64_t hist[HIST_BUCKETS];
	struct load_client *clients;
	uint64_t total = 0, ok = 0, notfound = 0, errors = 0, max_ns = 0;
	uint64_t t_measure, t_stop;
	const char *spec = NULL, *keyfile = NULL, *keylist = NULL;
	size_t	i, j, reply_bytes = 0;
	long	nclients = 0, seconds = 0, warmup = 1;
	double	elapsed;
	int	ch;

	while ((ch = getopt(argc, argv, "c:d:k:K:n:os:t:w:")) != -1) {
		switch (ch) {
		case 'c':
			nclients = load_number(optarg, 1, LOAD_CLIENTS_MAX);
			break;
		case 'd':
			seconds = load_number(optarg, 1, 86400);
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'K':
			keylist = optarg;
			break;
		case 'n':
			map_name = optarg;
			if (strlen(map_name) == 0 || strlen(map_name) > 200 ||
			    strchr(map_name, ' ') != NULL)
				load_usage();
			break;
		case 'o':
			once = 1;
			break;
		case 's':
			spec = optarg;
			break;
		case 't':
			io_timeout = (int)load_number(optarg, 1, 3600);
			break;
		case 'w':
			warmup = load_number(optarg, 0, 3600);
			break;
		default:
			load_usage();
		}
	}
	/* A server that closes under load must not kill the generator. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		perror("sm-load: signal");
		return 1;
	}
	if (optind != argc || spec == NULL || nclients == 0 || seconds == 0 ||
	    (keyfile == NULL) == (keylist == NULL))
		load_usage();
	if (load_target_parse(spec, &target) == -1)
		return 1;
	if (keyfile != NULL)
		load_keys_file(keyfile);
	else
		load_keys_list(keylist);
	if (nkeys == 0) {
		fprintf(stderr, "sm-load: no keys\n");
		return 1;
	}

	if ((clients = calloc((size_t)nclients, sizeof(*clients))) == NULL) {
		perror("sm-load");
		return 1;
	}
	if (pthread_barrier_init(&start_barrier, NULL,
	    (unsigned int)nclients + 1) != 0) {
		fprintf(stderr, "sm-load: pthread_barrier_init failed\n");
		return 1;
	}
	for (i = 0; i < (size_t)nclients; i++) {
		clients[i].index = (unsigned int)i;
		clients[i].rbufsz = netstring_size(NETSTRING_REPLY_MAX);
		clients[i].wbufsz = netstring_size(LOAD_KEY_MAX + 256);
		clients[i].rbuf = malloc(clients[i].rbufsz);
		clients[i].wbuf = malloc(clients[i].wbufsz);
		if (clients[i].rbuf == NULL || clients[i].wbuf == NULL) {
			perror("sm-load");
			return 1;
		}
		if (pthread_create(&clients[i].thread, NULL, load_client_run,
		    &clients[i]) != 0) {
			fprintf(stderr, "sm-load: pthread_create failed\n");
			return 1;
		}
	}
	if (once) {
		warmup = 0;
		atomic_store(&phase, PHASE_MEASURE);
	}
	pthread_barrier_wait(&start_barrier);
	load_sleep_ns((uint64_t)warmup * 1000000000u);
	t_measure = load_now_ns();
	atomic_store(&phase, PHASE_MEASURE);
	if (once) {
		while (atomic_load(&clients_done) < (unsigned int)nclients &&
		    load_now_ns() - t_measure < (uint64_t)seconds * 1000000000u)
			load_sleep_ns(LOAD_POLL_NS);
	} else
		load_sleep_ns((uint64_t)seconds * 1000000000u);
	atomic_store(&phase, PHASE_STOP);
	t_stop = load_now_ns();
	for (i = 0; i < (size_t)nclients; i++) {
		if (pthread_join(clients[i].thread, NULL) != 0) {
			fprintf(stderr, "sm-load: pthread_join failed\n");
			return 1;
		}
		for (j = 0; j < HIST_BUCKETS; j++)
			hist[j] += clients[i].hist[j];
		ok += clients[i].ok;
		notfound += clients[i].notfound;
		errors += clients[i].errors;
		if (clients[i].max_ns > max_ns)
			max_ns = clients[i].max_ns;
		if (clients[i].reply_bytes != 0)
			reply_bytes = clients[i].reply_bytes;
		free(clients[i].rbuf);
		free(clients[i].wbuf);
	}
	total = ok + notfound;
	elapsed = (double)(t_stop - t_measure) / 1e9;
	printf("{\"clients\": %ld, \"seconds\": %.3f, \"requests\": %llu, "
	    "\"rps\": %.1f, \"p50_us\": %.1f, \"p90_us\": %.1f, "
	    "\"p99_us\": %.1f, \"max_us\": %.1f, \"errors\": %llu, "
	    "\"ok\": %llu, \"notfound\": %llu, \"reply_bytes\": %zu}\n",
	    nclients, elapsed, (unsigned long long)total,
	    elapsed > 0 ? (double)total / elapsed : 0.0,
	    (double)load_percentile(hist, total, 0.50, max_ns) / 1e3,
	    (double)load_percentile(hist, total, 0.90, max_ns) / 1e3,
	    (double)load_percentile(hist, total, 0.99, max_ns) / 1e3,
	    (double)max_ns / 1e3, (unsigned long long)errors,
	    (unsigned long long)ok, (unsigned long long)notfound,
	    reply_bytes);
	free(clients);
	for (i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	return fflush(stdout) == 0 ? 0 : 1;
}
