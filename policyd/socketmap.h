/*
 * socketmap.h - the Sendmail/Postfix socketmap server (DESIGN §4).
 */
#ifndef MTASTS_SOCKETMAP_H
#define MTASTS_SOCKETMAP_H

#include <stddef.h>

#define SOCKETMAP_IDLE	600	/* seconds an idle connection is kept */

/* socketmap_conn - serve one socketmap connection until it closes. */
void	socketmap_conn(int fd);

/*
 * socketmap_request - answer one request payload "NAME KEY" into out
 * (size outsz). Returns the reply length, or -1 for a malformed request
 * (the connection is then closed without a reply).
 */
long	socketmap_request(const char *req, size_t len, char *out, size_t outsz);

#endif
