/*
 * NAME
 *	nullmilter - the no-op libmilter baseline for milter benchmarks
 * SYNOPSIS
 *	nullmilter -s unix:PATH|inet:PORT@HOST [-a]
 * DESCRIPTION
 *	A libmilter filter that decides nothing: every callback returns
 *	SMFIS_CONTINUE and the end of the message SMFIS_ACCEPT, with no
 *	private context, no header change and no logging. It runs on
 *	libmilter's own threads (smfi_main), as mtasts-milter does, so that
 *	milter-load against it measures what libmilter and the wire cost
 *	before any work of a filter.
 *
 *	By default it negotiates what mtasts-milter negotiates: the same
 *	actions (add and change header fields, quarantine, macro lists), the
 *	same steps left out (HELO, DATA, body, unknown commands) and the
 *	same macro lists ({auth_authen} and {i} at MAIL, {i} at the end of
 *	the message), so the MTA sends it the same packets. With -a it takes
 *	every step the MTA offers (SMFIS_ALL_OPTS), body included.
 *
 *	Once the socket is open (a stale unix socket is replaced) it prints
 *	the connection string on stdout. SIGTERM, SIGINT or SIGHUP stop it
 *	(libmilter notices within about five seconds); a unix socket is
 *	then removed.
 * DIAGNOSTICS
 *	Exit 0 after a signal, 1 on bad usage or setup failure.
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static int null_all_steps;

/* null_usage - print the synopsis and exit 1. */
static void
null_usage(void)
{
	fprintf(stderr, "usage: nullmilter -s unix:PATH|inet:PORT@HOST "
	    "[-a]\n");
	exit(1);
}

/* null_negotiate - mtasts-milter's actions, steps and macros (or all). */
static sfsistat
null_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long acts = SMFIF_ADDHDRS | SMFIF_CHGHDRS |
	    SMFIF_QUARANTINE | SMFIF_SETSYMLIST;
	const unsigned long skip = SMFIP_NOHELO | SMFIP_NODATA |
	    SMFIP_NOBODY | SMFIP_NOUNKNOWN;

	(void)f2;
	(void)f3;
	if (null_all_steps)
		return SMFIS_ALL_OPTS;
	*pf0 = f0 & acts;
	*pf1 = f1 & skip;
	*pf2 = 0;
	*pf3 = 0;
	if ((f0 & SMFIF_SETSYMLIST) != 0 &&
	    (smfi_setsymlist(ctx, SMFIM_ENVFROM, "{auth_authen} {i}") !=
	    MI_SUCCESS || smfi_setsymlist(ctx, SMFIM_EOM, "{i}") !=
	    MI_SUCCESS))
		return SMFIS_REJECT;
	return SMFIS_CONTINUE;
}

/* null_connect - a new connection: go on. */
static sfsistat
null_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *addr)
{
	(void)ctx;
	(void)hostname;
	(void)addr;
	return SMFIS_CONTINUE;
}

/* null_helo - HELO: go on. */
static sfsistat
null_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx;
	(void)helo;
	return SMFIS_CONTINUE;
}

/* null_envelope - MAIL or RCPT: go on. */
static sfsistat
null_envelope(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_CONTINUE;
}

/* null_step - DATA, EOH, abort or close: go on. */
static sfsistat
null_step(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

/* null_header - one header field: go on. */
static sfsistat
null_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return SMFIS_CONTINUE;
}

/* null_body - a body chunk: go on. */
static sfsistat
null_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void)ctx;
	(void)chunk;
	(void)len;
	return SMFIS_CONTINUE;
}

/* null_eom - the end of the message: accept it unchanged. */
static sfsistat
null_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

/* null_unknown - an unknown SMTP command: go on. */
static sfsistat
null_unknown(SMFICTX *ctx, const char *cmd)
{
	(void)ctx;
	(void)cmd;
	return SMFIS_CONTINUE;
}

static struct smfiDesc null_desc = {
	.xxfi_name = "nullmilter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE |
	    SMFIF_SETSYMLIST,
	.xxfi_connect = null_connect,
	.xxfi_helo = null_helo,
	.xxfi_envfrom = null_envelope,
	.xxfi_envrcpt = null_envelope,
	.xxfi_header = null_header,
	.xxfi_eoh = null_step,
	.xxfi_body = null_body,
	.xxfi_eom = null_eom,
	.xxfi_abort = null_step,
	.xxfi_close = null_step,
	.xxfi_unknown = null_unknown,
	.xxfi_data = null_step,
	.xxfi_negotiate = null_negotiate,
};

/* null_unix_path - the file of a unix: or local: spec, or NULL. */
static const char *
null_unix_path(const char *conn)
{
	if (strncmp(conn, "unix:", 5) == 0)
		return conn + 5;
	if (strncmp(conn, "local:", 6) == 0)
		return conn + 6;
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *conn = NULL, *path;
	int	ch, rc;

	while ((ch = getopt(argc, argv, "as:")) != -1) {
		switch (ch) {
		case 'a':
			null_all_steps = 1;
			break;
		case 's':
			conn = optarg;
			break;
		default:
			null_usage();
		}
	}
	if (optind != argc || conn == NULL || *conn == '\0')
		null_usage();
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		perror("nullmilter: signal");
		return 1;
	}
	if (smfi_setconn((char *)conn) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: %s: not a libmilter connection "
		    "string\n", conn);
		return 1;
	}
	if (smfi_register(null_desc) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: smfi_register failed\n");
		return 1;
	}
	if (smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: %s: cannot open the socket\n",
		    conn);
		return 1;
	}
	if (printf("%s\n", conn) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "nullmilter: cannot write to stdout\n");
		return 1;
	}
	rc = smfi_main();
	if ((path = null_unix_path(conn)) != NULL && unlink(path) == -1 &&
	    errno != ENOENT)
		fprintf(stderr, "nullmilter: unlink %s: %s\n", path,
		    strerror(errno));
	return rc == MI_SUCCESS ? 0 : 1;
}
