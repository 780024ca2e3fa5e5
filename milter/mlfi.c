/*
 * NAME
 *	mlfi - the libmilter callbacks of mtasts-milter (DESIGN §6)
 * SYNOPSIS
 *	#include "milter.h"
 *
 *	int milter_register(void)
 * DESCRIPTION
 *	A context is allocated per SMTP connection in mlfi_connect() (is
 *	the client in internal_hosts?) and freed in mlfi_close(); its
 *	message part is reset at MAIL FROM and after an abort.
 *
 *	mlfi_envfrom() decides the direction: outbound when the client is
 *	internal or authenticated ({auth_authen}). Inbound mail is accepted
 *	on the spot, so the MTA sends nothing more about it and nothing
 *	about it can change. A client without an IP address (a local
 *	submission, as Postfix's non_smtpd_milters and "unspec" clients
 *	appear) counts as internal.
 *
 *	mlfi_envrcpt() collects recipient domains (rcpt.c), skipping
 *	local_domains; mlfi_header() notes "TLS-Required: No" (RFC 8689
 *	§5) and counts the MTA-STS-Status fields the client supplied.
 *
 *	mlfi_eom() takes every decision, with {i} known: it asks policyd
 *	for the state of each domain (query.c) within milter_wait, removes
 *	the client's MTA-STS-Status fields, adds ours, and holds the
 *	message when a domain is pending, enforce/pending or enforce/failed
 *	- after policyd has registered the hold, so that someone releases
 *	it. on_policyd_error decides when policyd does not answer or does
 *	not register the hold. A part of milter_wait (HOLD_RESERVE_MS at
 *	most) is kept back from the "sts" questions for the registration.
 *
 *	mlfi_negotiate() skips the protocol steps we do not use (HELO,
 *	DATA, body, unknown commands) and asks for exactly the macros we
 *	read: {auth_authen} and {i} at MAIL, {i} at end of message.
 * DIAGNOSTICS
 *	Every decision is logged at info with the queue id and the states;
 *	policyd failures at warning.
 */
#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libmilter/mfapi.h>

#include "log.h"
#include "milter.h"
#include "query.h"
#include "rcpt.h"
#include "status.h"

#define HOLD_RESERVE_MS		500	/* of milter_wait, for "hold" */
#define NO_WAIT_BUDGET_MS	500	/* milter_wait = 0: answers in hand only */
#define REASON_MAX		200	/* quarantine reason length */
#define ADDR_MAX		(INET6_ADDRSTRLEN + 1)

struct mlfi_ctx {
	int	internal;		/* client in internal_hosts */
	char	client[ADDR_MAX];	/* for the log */

	/* the current message */
	int	outbound;
	int	auth;			/* SMTP AUTH client */
	int	tls_not_required;	/* "TLS-Required: No" */
	int	full;			/* more than MILTER_MAX_DOMAINS */
	unsigned int nstatus;		/* client's MTA-STS-Status fields */
	struct rcpt_list doms;
};

/* mlfi_get - our context of a connection. */
static struct mlfi_ctx *
mlfi_get(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* mlfi_reset - forget the current message. */
static void
mlfi_reset(struct mlfi_ctx *c)
{
	c->outbound = 0;
	c->auth = 0;
	c->tls_not_required = 0;
	c->full = 0;
	c->nstatus = 0;
	rcpt_list_clear(&c->doms);
}

/* mlfi_qid - the queue id for the log, or "NOQUEUE". */
static const char *
mlfi_qid(SMFICTX *ctx)
{
	const char *qid = smfi_getsymval(ctx, "{i}");

	return qid != NULL && *qid != '\0' ? qid : "NOQUEUE";
}

/* mlfi_local_domain - is name one of local_domains? */
static int
mlfi_local_domain(const char *name)
{
	const struct strlist *ld = &milter_cfg->local_domains;
	size_t	i;

	for (i = 0; i < ld->n; i++)
		if (strcmp(ld->v[i], name) == 0)
			return 1;
	return 0;
}

/* mlfi_negotiate - the actions, steps and macros we use. */
static sfsistat
mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long need = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	const unsigned long skip = SMFIP_NOHELO | SMFIP_NODATA |
	    SMFIP_NOBODY | SMFIP_NOUNKNOWN;

	(void)f2;
	(void)f3;
	if ((f0 & need) != need) {
		log_warnx("the MTA does not let milters add and change "
		    "header fields: mtasts-milter stays out of the way");
		return SMFIS_REJECT;
	}
	if ((f0 & SMFIF_QUARANTINE) == 0)
		log_warnx("the MTA does not let milters quarantine: no "
		    "message can be held");
	*pf0 = f0 & (need | SMFIF_QUARANTINE | SMFIF_SETSYMLIST);
	*pf1 = f1 & skip;
	*pf2 = 0;
	*pf3 = 0;
	if (f0 & SMFIF_SETSYMLIST) {
		if (smfi_setsymlist(ctx, SMFIM_ENVFROM,
		    "{auth_authen} {i}") != MI_SUCCESS ||
		    smfi_setsymlist(ctx, SMFIM_EOM, "{i}") != MI_SUCCESS)
			log_warnx("cannot ask the MTA for the macros "
			    "{auth_authen} and {i}");
	}
	return SMFIS_CONTINUE;
}

/* mlfi_connect - a new SMTP client: is it internal? */
static sfsistat
mlfi_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct mlfi_ctx *c;
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	(void)hostname;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("connect: out of memory");
		return SMFIS_TEMPFAIL;
	}
	if (hostaddr == NULL) {
		c->internal = 1;
		snprintf(c->client, sizeof(c->client), "local");
	} else if (hostaddr->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)hostaddr;
		c->internal = config_internal_host(milter_cfg, AF_INET,
		    &sin->sin_addr);
		if (inet_ntop(AF_INET, &sin->sin_addr, c->client,
		    sizeof(c->client)) == NULL)
			snprintf(c->client, sizeof(c->client), "?");
	} else if (hostaddr->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)hostaddr;
		c->internal = config_internal_host(milter_cfg, AF_INET6,
		    &sin6->sin6_addr);
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, c->client,
		    sizeof(c->client)) == NULL)
			snprintf(c->client, sizeof(c->client), "?");
	} else {
		/* AF_UNIX and friends: a process on this host. */
		c->internal = 1;
		snprintf(c->client, sizeof(c->client), "local");
	}
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		log_warnx("connect: cannot attach the context");
		free(c);
		return SMFIS_TEMPFAIL;
	}
	return SMFIS_CONTINUE;
}

/* mlfi_envfrom - a new message: outbound, or accepted untouched. */
static sfsistat
mlfi_envfrom(SMFICTX *ctx, char **argv)
{
	struct mlfi_ctx *c = mlfi_get(ctx);
	const char *authen;

	(void)argv;
	if (c == NULL)
		return SMFIS_ACCEPT;
	mlfi_reset(c);
	authen = smfi_getsymval(ctx, "{auth_authen}");
	c->auth = authen != NULL && *authen != '\0';
	c->outbound = c->internal || c->auth;
	if (!c->outbound) {
		log_debug("%s: inbound from %s: accepted untouched",
		    mlfi_qid(ctx), c->client);
		return SMFIS_ACCEPT;
	}
	return SMFIS_CONTINUE;
}

/* mlfi_envrcpt - note the recipient's domain. */
static sfsistat
mlfi_envrcpt(SMFICTX *ctx, char **argv)
{
	struct mlfi_ctx *c = mlfi_get(ctx);
	char	dom[DNS_NAME_MAX + 1];
	enum rcpt_kind kind;

	if (c == NULL || !c->outbound || argv == NULL || argv[0] == NULL)
		return SMFIS_CONTINUE;
	kind = rcpt_domain(argv[0], dom, sizeof(dom));
	if (kind != RCPT_DOMAIN) {
		log_debug("%s: recipient %s skipped: %s", mlfi_qid(ctx),
		    argv[0], rcpt_kind_name(kind));
		return SMFIS_CONTINUE;
	}
	if (mlfi_local_domain(dom)) {
		log_debug("%s: recipient domain %s is local", mlfi_qid(ctx),
		    dom);
		return SMFIS_CONTINUE;
	}
	if (rcpt_list_add(&c->doms, dom) < 0 && !c->full) {
		c->full = 1;
		log_warnx("%s: more than %d recipient domains (or out of "
		    "memory): %s and later ones are not checked",
		    mlfi_qid(ctx), MILTER_MAX_DOMAINS, dom);
	}
	return SMFIS_CONTINUE;
}

/* mlfi_is_no - is a header value "No", ignoring case and white space? */
static int
mlfi_is_no(const char *v)
{
	size_t	len;

	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	len = strlen(v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t' ||
	    v[len - 1] == '\r' || v[len - 1] == '\n'))
		len--;
	return len == 2 && strncasecmp(v, "no", 2) == 0;
}

/* mlfi_header - TLS-Required (RFC 8689 §5) and MTA-STS-Status fields. */
static sfsistat
mlfi_header(SMFICTX *ctx, char *name, char *value)
{
	struct mlfi_ctx *c = mlfi_get(ctx);

	if (c == NULL || !c->outbound || name == NULL)
		return SMFIS_CONTINUE;
	if (strcasecmp(name, "TLS-Required") == 0 && value != NULL &&
	    mlfi_is_no(value))
		c->tls_not_required = 1;
	else if (strcasecmp(name, STATUS_HEADER) == 0)
		c->nstatus++;
	return SMFIS_CONTINUE;
}

/* mlfi_tempfail - SMFIS_TEMPFAIL with a reply saying why. */
static sfsistat
mlfi_tempfail(SMFICTX *ctx, const char *why)
{
	char	text[256];

	snprintf(text, sizeof(text), "MTA-STS check failed: %s; try again "
	    "later", why);
	if (smfi_setreply(ctx, "451", "4.3.0", text) != MI_SUCCESS)
		log_warnx("%s: cannot set the SMTP reply", mlfi_qid(ctx));
	return SMFIS_TEMPFAIL;
}

/* mlfi_reason - the quarantine reason: the held domains, shortened. */
static void
mlfi_reason(const struct rcpt_list *l, char *buf, size_t bufsz)
{
	size_t	i, len, n = 0;

	len = (size_t)snprintf(buf, bufsz, "MTA-STS: no confirmed TLS route "
	    "yet to");
	for (i = 0; i < l->n; i++) {
		if (!sts_state_holds(l->v[i].state))
			continue;
		if (len + strlen(l->v[i].name) + 6 >= bufsz) {
			snprintf(buf + len, bufsz - len, " ...");
			return;
		}
		len += (size_t)snprintf(buf + len, bufsz - len, "%s %s",
		    n++ ? "," : "", l->v[i].name);
	}
}

/* mlfi_fix_header - drop the client's MTA-STS-Status fields, add ours. */
static int
mlfi_fix_header(SMFICTX *ctx, struct mlfi_ctx *c, const char *value)
{
	unsigned int i;
	int	ret = 0;

	/* From the last: an index must not shift under our feet. */
	for (i = c->nstatus; i > 0; i--)
		if (smfi_chgheader(ctx, STATUS_HEADER, (int)i, NULL) !=
		    MI_SUCCESS)
			ret = -1;
	if (value != NULL && smfi_addheader(ctx, STATUS_HEADER,
	    (char *)value) != MI_SUCCESS)
		ret = -1;
	return ret;
}

/* mlfi_unfold - the header value on one line, for the log (in place). */
static char *
mlfi_unfold(char *s)
{
	char   *r, *w;

	for (r = w = s; *r != '\0'; r++)
		if (*r != '\n')
			*w++ = *r;
	*w = '\0';
	return s;
}

/* mlfi_eom - every decision about an outbound message. */
static sfsistat
mlfi_eom(SMFICTX *ctx)
{
	struct mlfi_ctx *c = mlfi_get(ctx);
	const struct config *cfg = milter_cfg;
	const char *qid, *rawqid, *what;
	char	err[512], herr[512], reason[REASON_MAX], *value = NULL;
	int64_t	start, end, sts_end;
	size_t	i, unknown, holding = 0;
	int	want_hold, held = 0;
	sfsistat ret = SMFIS_ACCEPT;

	if (c == NULL || !c->outbound)
		return SMFIS_ACCEPT;
	qid = mlfi_qid(ctx);
	rawqid = smfi_getsymval(ctx, "{i}");
	if (c->doms.n == 0) {
		if (mlfi_fix_header(ctx, c, NULL) != 0)
			log_warnx("%s: cannot remove MTA-STS-Status",
			    qid);
		log_info("%s: outbound from %s: no recipient domain to "
		    "check", qid, c->client);
		goto out;
	}

	start = milter_now_ms();
	if (cfg->milter_wait > 0)
		end = start + (int64_t)cfg->milter_wait * 1000;
	else
		end = start + NO_WAIT_BUDGET_MS;
	want_hold = cfg->hold && !c->tls_not_required;
	sts_end = end;
	if (want_hold)
		sts_end -= (end - start) / 4 < HOLD_RESERVE_MS ?
		    (end - start) / 4 : HOLD_RESERVE_MS;
	unknown = query_states(&c->doms, sts_end,
	    (cfg->milter_wait > 0 ? QUERY_WAIT : 0) |
	    (c->tls_not_required ? QUERY_NOPROBE : 0), qid,
	    err, sizeof(err));
	if ((value = status_header_value(&c->doms)) == NULL) {
		log_warnx("%s: out of memory", qid);
		ret = SMFIS_TEMPFAIL;
		goto out;
	}
	if (unknown > 0) {
		log_warnx("%s: policyd did not answer for %zu of %zu "
		    "domain(s): %s", qid, unknown, c->doms.n, err);
		if (cfg->on_policyd_error == ON_ERROR_TEMPFAIL) {
			log_info("%s: outbound from %s: %s: tempfail "
			    "(on_policyd_error)", qid, c->client,
			    mlfi_unfold(value));
			ret = mlfi_tempfail(ctx, "policy service unavailable");
			goto out;
		}
	}
	for (i = 0; i < c->doms.n; i++)
		if (sts_state_holds(c->doms.v[i].state))
			holding++;

	what = "tagged";
	if (holding > 0 && !cfg->hold)
		what = "tagged, not held (hold = no)";
	else if (holding > 0 && c->tls_not_required)
		what = "tagged, not held (TLS-Required: No)";
	else if (holding > 0) {
		if (query_hold(rawqid, &c->doms, end, herr,
		    sizeof(herr)) == 0)
			held = 1;
		else {
			log_warnx("%s: hold not registered: %s", qid, herr);
			if (cfg->on_policyd_error == ON_ERROR_TEMPFAIL) {
				log_info("%s: outbound from %s: %s: tempfail "
				    "(hold not registered)", qid, c->client,
				    mlfi_unfold(value));
				ret = mlfi_tempfail(ctx,
				    "hold not registered");
				goto out;
			}
			what = "tagged, not held (hold not registered)";
		}
	}

	if (mlfi_fix_header(ctx, c, value) != 0)
		log_warnx("%s: cannot change the MTA-STS-Status header", qid);
	if (held) {
		mlfi_reason(&c->doms, reason, sizeof(reason));
		if (smfi_quarantine(ctx, reason) == MI_SUCCESS)
			what = "held";
		else {
			log_warnx("%s: the MTA refused the quarantine; "
			    "policyd will release a message that is not held",
			    qid);
			what = "tagged, not held (quarantine refused)";
		}
	}
	log_info("%s: outbound from %s%s: %s: %s", qid, c->client,
	    c->auth ? " (authenticated)" : "", mlfi_unfold(value), what);
out:
	free(value);
	mlfi_reset(c);
	return ret;
}

/* mlfi_abort - the message is gone; the connection may go on. */
static sfsistat
mlfi_abort(SMFICTX *ctx)
{
	struct mlfi_ctx *c = mlfi_get(ctx);

	if (c != NULL)
		mlfi_reset(c);
	return SMFIS_CONTINUE;
}

/* mlfi_close - the connection ends: free its context. */
static sfsistat
mlfi_close(SMFICTX *ctx)
{
	struct mlfi_ctx *c = mlfi_get(ctx);

	if (c != NULL) {
		rcpt_list_free(&c->doms);
		free(c);
		(void)smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

static struct smfiDesc mlfi_desc = {
	.xxfi_name = "mtasts-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE |
	    SMFIF_SETSYMLIST,
	.xxfi_connect = mlfi_connect,
	.xxfi_helo = NULL,
	.xxfi_envfrom = mlfi_envfrom,
	.xxfi_envrcpt = mlfi_envrcpt,
	.xxfi_header = mlfi_header,
	.xxfi_eoh = NULL,
	.xxfi_body = NULL,
	.xxfi_eom = mlfi_eom,
	.xxfi_abort = mlfi_abort,
	.xxfi_close = mlfi_close,
	.xxfi_unknown = NULL,
	.xxfi_data = NULL,
	.xxfi_negotiate = mlfi_negotiate,
};

/* milter_register - hand libmilter our callbacks. */
int
milter_register(void)
{
	if (smfi_register(mlfi_desc) != MI_SUCCESS) {
		log_warnx("smfi_register failed");
		return -1;
	}
	return 0;
}
