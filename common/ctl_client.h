/*
 * ctl_client.h - a client of the policyd control socket (protocol 1, see
 * mtasts-policyd(8) CONTROL PROTOCOL): one request line out, one JSON
 * line back, on a connection kept open between requests. Used by
 * mtasts-ctl and the milter. One client per thread.
 */
#ifndef MTASTS_CTL_CLIENT_H
#define MTASTS_CTL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#define CTL_CLIENT_LINE_MAX	1024	/* the protocol's request limit */
#define CTL_CLIENT_REPLY_MAX	(16 * 1024 * 1024)	/* default reply limit */

enum ctl_client_status {
	CTL_CLIENT_OK,
	CTL_CLIENT_ECONNECT,	/* the socket could not be connected */
	CTL_CLIENT_ETIMEOUT,	/* no complete reply in time */
	CTL_CLIENT_EIO,		/* the connection broke or was closed */
	CTL_CLIENT_EPROTO,	/* a reply that is not one JSON object, or too long */
	CTL_CLIENT_EUSAGE	/* a request with a newline or over the limit */
};

struct ctl_client;

/* ctl_client_new - a client for the unix socket at path; connects lazily. NULL: ENOMEM. */
struct ctl_client *ctl_client_new(const char *path);

/* ctl_client_free - close the connection and free the client (NULL is fine). */
void	ctl_client_free(struct ctl_client *c);

/* ctl_client_set_reply_max - the longest reply line accepted (bytes). */
void	ctl_client_set_reply_max(struct ctl_client *c, size_t max);

/*
 * ctl_client_connect - connect now if not connected, waiting at most
 * timeout_ms. Returns 0, or -1 with the reason (e.g. "No such file or
 * directory") in err; ctl_client_status() says CTL_CLIENT_ECONNECT.
 */
int	ctl_client_connect(struct ctl_client *c, int timeout_ms, char *err,
	    size_t errsz);

/*
 * ctl_client_request - send line (no newline; at most CTL_CLIENT_LINE_MAX
 * bytes) and return the reply object (the caller owns the reference), all
 * within timeout_ms, connecting first when needed. Returns NULL with a
 * reason in err on any failure; the connection is then closed, so the next
 * request starts on a new one. A reply with "ok": false is still returned:
 * the caller reads "error".
 */
json_t *ctl_client_request(struct ctl_client *c, const char *line,
	    int timeout_ms, char *err, size_t errsz);

/* ctl_client_close - drop the connection (the next request reconnects). */
void	ctl_client_close(struct ctl_client *c);

/* ctl_client_status - the outcome of the last connect or request. */
enum ctl_client_status ctl_client_status(const struct ctl_client *c);

/* ctl_client_path - the socket path given to ctl_client_new. */
const char *ctl_client_path(const struct ctl_client *c);

#endif
