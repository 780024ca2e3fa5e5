/*
 * refresh.h - the background scheduler: proactive refresh of policies in
 * use (C6, DESIGN §7), expiry of old negative entries, and the batched
 * "last used" times recorded off the request path.
 */
#ifndef MTASTS_REFRESH_H
#define MTASTS_REFRESH_H

#define REFRESH_USED_GRAIN	3600	/* last_used is kept to this precision */

/* refresh_start - start the scheduler thread. 0 or -1. */
int	refresh_start(void);

/* refresh_stop - stop it and write the pending "last used" batch. */
void	refresh_stop(void);

/* refresh_mark_used - note a lookup of domain (cheap; written later). */
void	refresh_mark_used(const char *domain);

/* refresh_flush_used - write the pending "last used" batch now. */
void	refresh_flush_used(void);

#endif
