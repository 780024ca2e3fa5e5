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
 *	(logged at info); nothing else is affected. A request that has not
 *	come in whole request_timeout after its first byte, or replies the
 *	client has not read within send_timeout, close the connection too
 *	(logged at warning, at most once per LISTEN_LOG_EVERY seconds).
 */
#include "autoconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "listen.h"
#include "log.h"
#include "lookup.h"
#include "netstring.h"
#include "policyd.h"
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

/* reply - write replies within send_timeout. */
static int
reply(int fd, const char *p, size_t n, int timeout)
{
	if (listen_write(fd, p, n, timeout) == 0)
		return 0;
	if (errno == ETIMEDOUT)
		listen_drop("socketmap", "replies not read within "
		    "send_timeout");
	return -1;
}

/* socketmap_conn - serve one connection. */
void
socketmap_conn(int fd)
{
	struct config *cfg;
	char   *in = NULL, *ans = NULL, *out = NULL;
	const char *data;
	size_t	len = 0, off, dlen, used, olen, osz;
	ssize_t	r;
	long	alen;
	long long reqms, started = 0, deadline;
	int	sendto;

	cfg = policyd_config_get();
	reqms = (long long)cfg->request_timeout * 1000;
	sendto = (int)cfg->send_timeout;
	policyd_config_put(cfg);
	osz = NETSTRING_REPLY_MAX + 16;
	if ((in = malloc(SM_INBUF)) == NULL ||
	    (ans = malloc(NETSTRING_REPLY_MAX)) == NULL ||
	    (out = malloc(osz)) == NULL)
		goto out;
	for (;;) {
		/* Idle between requests; one request must come in whole. */
		deadline = len > 0 ? started + reqms :
		    listen_clock_ms() + SOCKETMAP_IDLE * 1000LL;
		if ((r = listen_read(fd, in + len, SM_INBUF - len,
		    deadline)) < 0) {
			if (errno == ETIMEDOUT && len > 0)
				listen_drop("socketmap", "request not "
				    "complete within request_timeout");
			break;
		}
		if (r == 0)
			break;
		if (len == 0)
			started = listen_clock_ms();
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
				if (reply(fd, out, olen, sendto) != 0)
					goto out;
				olen = 0;
			}
			olen += netstring_format(out + olen, osz - olen, ans,
			    (size_t)alen);
			off += used;
		}
more:
		if (olen > 0 && reply(fd, out, olen, sendto) != 0)
			break;
		memmove(in, in + off, len - off);
		len -= off;
		/* What is left began in the last read. */
		if (off > 0 && len > 0)
			started = listen_clock_ms();
	}
out:
	free(in);
	free(ans);
	free(out);
}
