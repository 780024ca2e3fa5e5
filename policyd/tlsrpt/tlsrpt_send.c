/*
 * NAME
 *	tlsrpt_send - deliver one report to one rua URI; the delivery state
 * SYNOPSIS
 *	#include "tlsrpt_send.h"
 *
 *	int tlsrpt_send_deliver(cfg, r, rua, now, err, errsz)
 *
 *	enum tlsrpt_send_status tlsrpt_send_state_update(st, now, ok, err)
 *	int tlsrpt_send_state_due(st, now)
 *	int tlsrpt_send_state_encode(st, buf, size)
 *	int tlsrpt_send_state_decode(buf, len, st)
 *	int64_t tlsrpt_send_backoff(n)
 *	int64_t tlsrpt_send_delay(unique, delay_max)
 * DESCRIPTION
 *	tlsrpt_send_deliver() builds the report (JSON, gzip, id and file
 *	name: tlsrpt_report.c) and hands it to the mail delivery
 *	(tlsrpt_mail.c) for a mailto: rua or to the POST (tlsrpt_https.c)
 *	for an https: one.
 *
 *	Retries (R12): each (report, rua) pair has a state; a failure moves
 *	its next attempt back 5 min, 10, 20, ... at most 4 h apart, and once
 *	24 h have passed since the first attempt the pair is dropped. The
 *	text form of a state is "1 STATUS ATTEMPTS FIRST NEXT LAST ERROR".
 *	tlsrpt_send_delay() spreads the first attempts over tlsrpt_delay_max.
 *
 *	The helpers the delivery files share are in tlsrpt_send_util.c.
 * DIAGNOSTICS
 *	tlsrpt_send_deliver() returns -1 with a one-line reason in err; the
 *	caller logs it and retries (R12).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "autoconf.h"
#include "tlsrpt_report.h"
#include "tlsrpt_send.h"
#include "tlsrpt_send_util.h"

/* ts_nonempty - s when set and not empty */
static const char *
ts_nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/* tlsrpt_send_deliver - build r and deliver it to rua */
int
tlsrpt_send_deliver(const struct config *cfg, const struct tlsrpt_report *r,
    const char *rua, time_t now, char *err, size_t errsz)
{
	struct tlsrpt_identity id;
	struct tlsrpt_mail m;
	struct tlsrpt_dkim d;
	const char *submitter;
	char *json = NULL, *rid = NULL, *fname = NULL, *to = NULL;
	char *msg = NULL, *sig = NULL, *full = NULL;
	char **argv = NULL;
	unsigned char *gz = NULL;
	size_t jlen, gzlen, mlen, slen, i;
	int ret = -1;

	id.org_name = cfg->tlsrpt_org_name;
	id.contact = cfg->tlsrpt_contact;
	if ((submitter = tlsrpt_report_submitter(id.contact)) == NULL ||
	    id.org_name == NULL) {
		ts_err(err, errsz, "tlsrpt_contact/tlsrpt_org_name not set");
		return -1;
	}
	if (tlsrpt_report_json(r, &id, &json, &jlen) != 0 ||
	    tlsrpt_report_gzip(json, jlen, &gz, &gzlen) != 0 ||
	    (rid = tlsrpt_report_id(r, submitter)) == NULL ||
	    (fname = tlsrpt_report_filename(r, submitter)) == NULL) {
		ts_err(err, errsz, "cannot build the report");
		goto out;
	}
	if (strncmp(rua, "https:", 6) == 0) {
		ret = tlsrpt_send_https(cfg, rua, gz, gzlen, TLSRPT_SEND_TIMEOUT,
		    err, errsz);
		goto out;
	}
	if ((to = tlsrpt_send_mailto_addr(rua)) == NULL) {
		ts_err(err, errsz, "unusable rua URI");
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.from = cfg->tlsrpt_from;
	m.to = to;
	m.org_name = id.org_name;
	m.policy_domain = r->policy_domain;
	m.submitter = submitter;
	m.report_id = rid;
	m.filename = fname;
	m.gz = gz;
	m.gzlen = gzlen;
	m.day_start = r->day_start;
	m.now = now;
	if (tlsrpt_send_mime(&m, &msg, &mlen, err, errsz) != 0)
		goto out;
	d.domain = ts_nonempty(cfg->tlsrpt_dkim_domain);
	d.selector = ts_nonempty(cfg->tlsrpt_dkim_selector);
	d.keyfile = ts_nonempty(cfg->tlsrpt_dkim_key);
	if (d.domain != NULL && d.selector != NULL && d.keyfile != NULL) {
		if (tlsrpt_send_dkim_sign(&d, msg, mlen, &sig, err, errsz) != 0)
			goto out;
		slen = strlen(sig);
		if ((full = malloc(slen + mlen + 1)) == NULL) {
			ts_err(err, errsz, "out of memory");
			goto out;
		}
		memcpy(full, sig, slen);
		memcpy(full + slen, msg, mlen + 1);
		free(msg);
		msg = full;
		full = NULL;
		mlen += slen;
	}
	/*
	 * "-f FROM" after the program: the envelope sender is the report
	 * address, so bounces go there and the MTA can route report mail
	 * by its sender (contrib/postfix, Postfix < 3.10).
	 */
	if (cfg->tlsrpt_sendmail.n == 0 || cfg->tlsrpt_from == NULL ||
	    cfg->tlsrpt_from[0] == '\0' || cfg->tlsrpt_from[0] == '-') {
		ts_err(err, errsz, "tlsrpt_sendmail/tlsrpt_from not set");
		goto out;
	}
	if ((argv = calloc(cfg->tlsrpt_sendmail.n + 3, sizeof(*argv))) == NULL) {
		ts_err(err, errsz, "out of memory");
		goto out;
	}
	argv[0] = cfg->tlsrpt_sendmail.v[0];
	argv[1] = "-f";
	argv[2] = cfg->tlsrpt_from;
	for (i = 1; i < cfg->tlsrpt_sendmail.n; i++)
		argv[i + 2] = cfg->tlsrpt_sendmail.v[i];
	ret = tlsrpt_send_sendmail(argv, msg, mlen, TLSRPT_SEND_TIMEOUT, err,
	    errsz);
out:
	free(argv);
	free(full);
	free(sig);
	free(msg);
	free(to);
	free(fname);
	free(rid);
	free(gz);
	free(json);
	return ret;
}

/* tlsrpt_send_status_name - the name of a delivery status */
const char *
tlsrpt_send_status_name(enum tlsrpt_send_status s)
{
	switch (s) {
	case TLSRPT_SEND_PENDING:
		return "pending";
	case TLSRPT_SEND_SENT:
		return "sent";
	case TLSRPT_SEND_DROPPED:
		break;
	}
	return "dropped";
}

/* tlsrpt_send_backoff - exponential back-off after the n-th failure */
int64_t
tlsrpt_send_backoff(unsigned int n)
{
	int64_t d = TLSRPT_RETRY_FIRST;

	while (n-- > 1 && d < TLSRPT_RETRY_MAX)
		d *= 2;
	return d < TLSRPT_RETRY_MAX ? d : TLSRPT_RETRY_MAX;
}

/* tlsrpt_send_state_update - account for one delivery attempt */
enum tlsrpt_send_status
tlsrpt_send_state_update(struct tlsrpt_send_state *st, int64_t now, int ok,
    const char *err)
{
	size_t i;

	if (st->first == 0)
		st->first = now;
	st->attempts++;
	st->last = now;
	if (ok) {
		st->status = TLSRPT_SEND_SENT;
		st->error[0] = '\0';
		return st->status;
	}
	(void)snprintf(st->error, sizeof(st->error), "%s",
	    err != NULL ? err : "failed");
	for (i = 0; st->error[i] != '\0'; i++)
		if ((unsigned char)st->error[i] < 0x20 || st->error[i] == 0x7f)
			st->error[i] = ' ';
	if (now >= st->first + TLSRPT_RETRY_WINDOW) {
		st->status = TLSRPT_SEND_DROPPED;
		return st->status;
	}
	st->status = TLSRPT_SEND_PENDING;
	st->next = now + tlsrpt_send_backoff(st->attempts);
	/* One last try at the end of the window, not a day later. */
	if (st->next > st->first + TLSRPT_RETRY_WINDOW)
		st->next = st->first + TLSRPT_RETRY_WINDOW;
	return st->status;
}

/* tlsrpt_send_state_due - pending and its time has come */
int
tlsrpt_send_state_due(const struct tlsrpt_send_state *st, int64_t now)
{
	return st->status == TLSRPT_SEND_PENDING && st->next <= now;
}

/* tlsrpt_send_state_encode - "1 STATUS ATTEMPTS FIRST NEXT LAST ERROR" */
int
tlsrpt_send_state_encode(const struct tlsrpt_send_state *st, char *buf,
    size_t size)
{
	int n;

	n = snprintf(buf, size, "1 %s %u %" PRId64 " %" PRId64 " %" PRId64
	    " %s", tlsrpt_send_status_name(st->status), st->attempts,
	    st->first, st->next, st->last, st->error);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* tlsrpt_send_state_decode - the inverse of tlsrpt_send_state_encode */
int
tlsrpt_send_state_decode(const char *buf, size_t len,
    struct tlsrpt_send_state *st)
{
	char copy[TLSRPT_STATE_MAX], status[16];
	long long first, next, last;
	unsigned int attempts;
	int off = 0;

	if (len == 0 || len >= sizeof(copy) || memchr(buf, '\0', len) != NULL)
		return -1;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	memset(st, 0, sizeof(*st));
	if (sscanf(copy, "1 %15s %u %lld %lld %lld%n", status, &attempts,
	    &first, &next, &last, &off) != 5 || off <= 0)
		return -1;
	if (strcmp(status, "pending") == 0)
		st->status = TLSRPT_SEND_PENDING;
	else if (strcmp(status, "sent") == 0)
		st->status = TLSRPT_SEND_SENT;
	else if (strcmp(status, "dropped") == 0)
		st->status = TLSRPT_SEND_DROPPED;
	else
		return -1;
	if (first < 0 || next < 0 || last < 0)
		return -1;
	st->attempts = attempts;
	st->first = first;
	st->next = next;
	st->last = last;
	if (copy[off] == ' ')
		off++;
	(void)snprintf(st->error, sizeof(st->error), "%s", copy + off);
	return 0;
}

/* tlsrpt_send_delay - a stable spread of 0..delay_max seconds */
int64_t
tlsrpt_send_delay(const char *unique, int64_t delay_max)
{
	uint64_t h = 0;
	int i, v;

	if (delay_max <= 0 || unique == NULL)
		return 0;
	for (i = 0; i < 15 && unique[i] != '\0'; i++) {
		if ((v = ts_hexval((unsigned char)unique[i])) < 0)
			v = (unsigned char)unique[i] & 0x0f;
		h = (h << 4) | (uint64_t)v;
	}
	return (int64_t)(h % ((uint64_t)delay_max + 1));
}
