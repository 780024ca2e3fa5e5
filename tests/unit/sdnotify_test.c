/*
 * sdnotify_test - common/sdnotify.c: the NOTIFY_SOCKET values it takes
 * (absolute path, "@" abstract name) and refuses, the message it builds
 * (fields, one STATUS= line that cannot start a field of its own, a cut
 * that never eats the fields), and one round trip through a real socket
 * (the variable leaves the environment; RELOADING=1 carries
 * MONOTONIC_USEC=) - sd_notify(3) semantics (issue 13 item 2).
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sdnotify.h"
#include "tap.h"

static const struct {
	const char *v;
	int	ok;
	size_t	pathlen;	/* bytes of sun_path the address uses */
	const char *why;	/* a word of the refusal */
} addrs[] = {
	{ "/run/systemd/notify", 1, sizeof("/run/systemd/notify"), NULL },
#ifdef __linux__
	{ "@/org/freedesktop/systemd1/notify", 1,
	    sizeof("@/org/freedesktop/systemd1/notify") - 1, NULL },
	{ "@", 0, 0, "abstract" },
#else
	{ "@x", 0, 0, "only on Linux" },
#endif
	{ "", 0, 0, "empty" },
	{ "run/notify", 0, 0, "absolute" },
	{ "vsock:2:1234", 0, 0, "not supported" },
};

/* test_addr - the table above, and the length limits of sun_path. */
static void
test_addr(void)
{
	struct sockaddr_un sun;
	socklen_t len;
	char	err[256], big[sizeof(sun.sun_path) + 2];
	size_t	i;
	int	rc;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		err[0] = '\0';
		len = 0;
		rc = sdnotify_addr(addrs[i].v, &sun, &len, err, sizeof(err));
		ok((rc == 0) == addrs[i].ok, "addr %s: %s", addrs[i].v,
		    addrs[i].ok ? "taken" : "refused");
		if (addrs[i].ok)
			ok(len == offsetof(struct sockaddr_un, sun_path) +
			    addrs[i].pathlen && sun.sun_family == AF_UNIX,
			    "addr %s: length %u", addrs[i].v, (unsigned)len);
		else
			ok(strstr(err, addrs[i].why) != NULL,
			    "addr %s: reason \"%s\"", addrs[i].v, err);
	}
#ifdef __linux__
	rc = sdnotify_addr("@ab", &sun, &len, err, sizeof(err));
	ok(rc == 0 && sun.sun_path[0] == '\0' &&
	    memcmp(sun.sun_path + 1, "ab", 2) == 0,
	    "abstract: a NUL, then the name without a terminator");
#endif
	/* A path filling sun_path leaves no room for its NUL. */
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[sizeof(sun.sun_path)] = '\0';
	ok(sdnotify_addr(big, &sun, &len, err, sizeof(err)) == -1 &&
	    strstr(err, "longer") != NULL, "path of sizeof(sun_path) refused");
	big[sizeof(sun.sun_path) - 1] = '\0';
	ok(sdnotify_addr(big, &sun, &len, err, sizeof(err)) == 0,
	    "path of sizeof(sun_path) - 1 taken");
}

/* test_format - what one datagram holds. */
static void
test_format(void)
{
	char	buf[SDNOTIFY_MSG_MAX], small[24];
	int	n;

	n = sdnotify_format(buf, sizeof(buf), "READY=1", "serving 2");
	is_str(buf, "READY=1\nSTATUS=serving 2\n", "fields, then STATUS=");
	ok(n == (int)strlen(buf), "length returned");
	sdnotify_format(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=5\n",
	    NULL);
	is_str(buf, "RELOADING=1\nMONOTONIC_USEC=5\n",
	    "fields ending in a newline, no status");
	sdnotify_format(buf, sizeof(buf), NULL, "a\nREADY=1\r");
	is_str(buf, "STATUS=a READY=1\n",
	    "a newline in the status cannot start a field");
	n = sdnotify_format(small, sizeof(small), "STOPPING=1",
	    "a long status line that does not fit");
	is_str(small, "STOPPING=1\nSTATUS=a lo\n", "status cut to fit");
	ok(n == (int)strlen(small) && n < (int)sizeof(small), "cut length");
	ok(sdnotify_format(small, sizeof(small),
	    "READY=1\nSTATUS=twenty-four chars", NULL) == -1,
	    "fields that do not fit: -1");
	ok(sdnotify_format(small, 16, "STOPPING=1", "x") == -1,
	    "no room for STATUS=: -1, not a cut field");
}

/* test_roundtrip - init, send and receive on a real datagram socket. */
static void
test_roundtrip(void)
{
	struct sockaddr_un sun;
	struct timespec ts;
	char	dir[] = "/tmp/sdnotify_testXXXXXX", path[64], buf[2048];
	unsigned long long usec, now;
	const char *p;
	ssize_t	n;
	int	fd;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/notify", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ok(fd >= 0 && bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	    "manager socket bound");
	ok(sdnotify_init() == 0, "no NOTIFY_SOCKET: off");
	setenv("NOTIFY_SOCKET", path, 1);
	ok(sdnotify_init() == 1, "NOTIFY_SOCKET path: on");
	ok(getenv("NOTIFY_SOCKET") == NULL, "taken out of the environment");
	sdnotify_send("READY=1", "serving %d socket(s)", 3);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "READY=1\nSTATUS=serving 3 socket(s)\n", "READY=1 received");
	sdnotify_reloading("reloading");
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL;
	ok(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0,
	    "RELOADING=1 with MONOTONIC_USEC=");
	usec = strtoull(buf + 27, NULL, 10);
	ok(usec > 0 && usec <= now && now - usec < 5000000ULL,
	    "MONOTONIC_USEC is CLOCK_MONOTONIC in microseconds");
	p = strchr(buf + 27, '\n');
	is_str(p, "\nSTATUS=reloading\n", "then STATUS=");
	close(fd);
	unlink(path);
	/* The manager went away: logged, nothing else. */
	sdnotify_send("STOPPING=1", NULL);
	ok(1, "send to a vanished manager returns");
	rmdir(dir);
}

int
main(void)
{
	test_addr();
	test_format();
	test_roundtrip();
	return done_testing();
}
