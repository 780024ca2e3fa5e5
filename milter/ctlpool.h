/*
 * ctlpool.h - a pool of persistent connections to policyd's control
 * socket (each a common/ctl_client), shared by the milter's threads.
 */
#ifndef MTASTS_CTLPOOL_H
#define MTASTS_CTLPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define CTLPOOL_SIZE		256	/* connections to policyd at most */
#define CTLPOOL_KEEP		16	/* idle connections kept open */
#define CTLPOOL_LINE_MAX	1024	/* request line limit of protocol 1,
					   newline included */
#define CTLPOOL_PATH_MAX	1024	/* control_socket path */
#define CTLPOOL_REPLY_MAX	65536	/* longer replies are an error */

/* How a request failed. */
enum ctlpool_err {
	CTLPOOL_OK = 0,
	CTLPOOL_CONNECT,	/* policyd is not there */
	CTLPOOL_TIMEOUT,	/* deadline passed */
	CTLPOOL_IO,		/* connection lost, bad reply */
	CTLPOOL_TOOLONG		/* request line over CTLPOOL_LINE_MAX */
};

/* ctlpool_init - remember the socket path; 0, or -1 if it is too long. */
int	ctlpool_init(const char *path);

/*
 * ctlpool_request - send one request line (no newline) and return the
 * parsed JSON object of the reply (json_decref it), or NULL with *why set
 * and a reason in err. Never waits beyond deadline (milter_now_ms() time):
 * for a free connection, to connect, to write or to read. A reply with
 * "ok": false is returned like any other. A pooled connection that the
 * daemon closed while idle is replaced once.
 */
json_t *ctlpool_request(const char *line, int64_t deadline,
	    enum ctlpool_err *why, char *err, size_t errsz);

/* ctlpool_shutdown - close every idle connection. */
void	ctlpool_shutdown(void);

#endif
