/*
 * socketmap.c - the socketmap protocol: netstring "NAME KEY" in, netstring
 * reply out, on a persistent connection.
 *
 * SYNOPSIS
 *	socketmap_conn(fd), socketmap_request()
 *
 * DESCRIPTION
 *	Requests are read into one buffer and answered in order, so a client
 *	may pipeline; the replies of one read are written together. A map
 *	name "sts-tlsrpt" adds the Postfix >= 3.10 TLSRPT attributes; any
 *	other name is answered as "sts".
 *
 * DIAGNOSTICS
 *	A malformed or oversized netstring (over NETSTRING_REQUEST_MAX bytes)
 *	or a request without a key closes that connection without a reply
 *	(logged at info); nothing else is affected.
 */
#include "autoconf.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "lookup.h"
#include "netstring.h"
#include "socketmap.h"

#define SM_INBUF	(NETSTRING_REQUEST_MAX + 16)

/* socketmap_request - answer one request. */
long
socketmap_request(const char *req, size_t len, char *out, size_t outsz)
{
	struct lookup lk;
	enum lookup_map map = MAP_STS;
	const char *sp;
	size_t	n;

	if ((sp = memchr(req, ' ', len)) == NULL || sp == req)
		return -1;
	if ((size_t)(sp - req) == 10 && memcmp(req, "sts-tlsrpt", 10) == 0)
		map = MAP_STS_TLSRPT;
	sp++;
	lookup_run(sp, len - (size_t)(sp - req), &lk);
	n = lookup_answer(&lk, map, out, outsz);
	lookup_free(&lk);
	return (long)n;
}

/* write_all - write n bytes or fail. */
static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* socketmap_conn - serve one connection. */
void
socketmap_conn(int fd)
{
	struct timeval tv = { SOCKETMAP_IDLE, 0 };
	char   *in = NULL, *ans = NULL, *out = NULL;
	const char *data;
	size_t	len = 0, off, dlen, used, olen, osz;
	ssize_t	r;
	long	alen;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	osz = NETSTRING_REPLY_MAX + 16;
	if ((in = malloc(SM_INBUF)) == NULL ||
	    (ans = malloc(NETSTRING_REPLY_MAX)) == NULL ||
	    (out = malloc(osz)) == NULL)
		goto out;
	for (;;) {
		if ((r = read(fd, in + len, SM_INBUF - len)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		off = olen = 0;
		for (;;) {
			switch (netstring_parse(in + off, len - off,
			    NETSTRING_REQUEST_MAX, &data, &dlen, &used)) {
			case NS_INCOMPLETE:
				goto more;
			case NS_ERROR:
				log_info("socketmap: malformed or oversized "
				    "request; connection closed");
				goto out;
			case NS_OK:
				break;
			}
			alen = socketmap_request(data, dlen, ans,
			    NETSTRING_REPLY_MAX);
			if (alen < 0) {
				log_info("socketmap: request without a key; "
				    "connection closed");
				goto out;
			}
			if (olen + netstring_size((size_t)alen) > osz) {
				if (write_all(fd, out, olen) != 0)
					goto out;
				olen = 0;
			}
			olen += netstring_format(out + olen, osz - olen, ans,
			    (size_t)alen);
			off += used;
		}
more:
		if (olen > 0 && write_all(fd, out, olen) != 0)
			break;
		memmove(in, in + off, len - off);
		len -= off;
	}
out:
	free(in);
	free(ans);
	free(out);
}
