/*
 * NAME
 *	config_argv - commands of mtasts.conf as argv templates
 * SYNOPSIS
 *	#include "config_int.h"
 * DESCRIPTION
 *	release_command and tlsrpt_sendmail are kept as words; at run time
 *	config_argv_expand() makes a NULL-terminated argv with {queue_id}
 *	replaced inside any word, for execve (never a shell).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"
#include "log.h"

/* config_argv_free - release what config_argv_expand returned. */
void
config_argv_free(char **argv)
{
	size_t	i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/* config_argv_expand - an argv with {queue_id} replaced in every word. */
char **
config_argv_expand(const struct strlist *tmpl, const char *queue_id)
{
	static const char ph[] = "{queue_id}";
	const size_t phlen = sizeof(ph) - 1;
	const char *src, *hit;
	char  **argv = NULL, *dst;
	size_t	i, qlen, count, need;

	qlen = strlen(queue_id);
	if (qlen == 0 || qlen > QUEUE_ID_MAX ||
	    strspn(queue_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789") != qlen) {
		errno = EINVAL;
		return NULL;
	}
	if ((argv = calloc(tmpl->n + 1, sizeof(*argv))) == NULL)
		return NULL;
	for (i = 0; i < tmpl->n; i++) {
		count = 0;
		for (src = tmpl->v[i]; (hit = strstr(src, ph)) != NULL;
		    src = hit + phlen)
			count++;
		need = strlen(tmpl->v[i]) + count * qlen + 1;
		if ((argv[i] = malloc(need)) == NULL) {
			config_argv_free(argv);
			errno = ENOMEM;
			return NULL;
		}
		dst = argv[i];
		for (src = tmpl->v[i]; (hit = strstr(src, ph)) != NULL;
		    src = hit + phlen) {
			memcpy(dst, src, (size_t)(hit - src));
			dst += hit - src;
			memcpy(dst, queue_id, qlen);
			dst += qlen;
		}
		memcpy(dst, src, strlen(src) + 1);
	}
	return argv;
}
