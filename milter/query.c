/*
 * NAME
 *	query - the milter's questions to policyd
 * SYNOPSIS
 *	#include "query.h"
 *
 *	size_t query_states(l, deadline, flags, qid, err, errsz)
 *	int query_hold(qid, l, deadline, err, errsz)
 *	int query_qid_valid(qid)
 * DESCRIPTION
 *	query_states() asks about the domains one after another. Each may
 *	wait (WAIT_MS, for a discovery in progress) for an equal share of
 *	the time left, less QUERY_MARGIN_MS for policyd's own work; a
 *	domain that answers at once leaves its share to the next ones. The
 *	socket deadline is the message's, not the share, so a slow answer
 *	eats into later shares rather than being thrown away. Once policyd
 *	cannot be reached, or the time is up, the remaining domains are
 *	"unknown" without another attempt.
 *
 *	query_hold() names only the domains that keep the message held:
 *	the settled ones cannot stop its release. The request line of the
 *	control protocol is limited to CTLPOOL_LINE_MAX bytes, so a long
 *	list is sent in several "hold" requests for the same queue id.
 * DIAGNOSTICS
 *	Failures are returned with a reason; the caller logs them with the
 *	queue id.
 */
#include "autoconf.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ctlpool.h"
#include "log.h"
#include "milter.h"
#include "query.h"
#include "status.h"

/* query_reply_ok - is reply {"ok": true}? Else a reason into err. */
static int
query_reply_ok(const json_t *reply, char *err, size_t errsz)
{
	const char *e;

	if (json_is_true(json_object_get(reply, "ok")))
		return 1;
	e = json_string_value(json_object_get(reply, "error"));
	snprintf(err, errsz, "policyd: %s", e != NULL ? e : "request failed");
	return 0;
}

/* query_one - "sts DOMAIN WAIT_MS [noprobe]" for one domain: its state, or -1. */
static int
query_one(const char *name, long long wait_ms, int noprobe, int64_t deadline,
    enum sts_state *st, enum ctlpool_err *why, char *err, size_t errsz)
{
	json_t *reply;
	const char *word;
	char	line[CTLPOOL_LINE_MAX];
	int	ret = -1;

	snprintf(line, sizeof(line), "sts %s %lld%s", name, wait_ms,
	    noprobe ? " noprobe" : "");
	if ((reply = ctlpool_request(line, deadline, why, err,
	    errsz)) == NULL)
		return -1;
	if (!query_reply_ok(reply, err, errsz))
		goto out;
	word = json_string_value(json_object_get(reply, "state"));
	if (sts_state_parse(word, st) != 0) {
		snprintf(err, errsz, "policyd: unexpected state \"%s\" for %s",
		    word != NULL ? word : "(none)", name);
		goto out;
	}
	ret = 0;
out:
	json_decref(reply);
	return ret;
}

/* query_states - the state of every domain, within the deadline. */
size_t
query_states(struct rcpt_list *l, int64_t deadline, int flags,
    const char *qid, char *err, size_t errsz)
{
	enum ctlpool_err why;
	char	one[512];
	int64_t	left, share, wait;
	size_t	i, unknown = 0;
	int	gave_up = 0;

	err[0] = '\0';
	for (i = 0; i < l->n; i++) {
		l->v[i].state = STS_UNKNOWN;
		left = deadline - milter_now_ms();
		if (gave_up || left <= 0) {
			if (err[0] == '\0')
				snprintf(err, errsz, "milter_wait used up");
			unknown++;
			continue;
		}
		share = left / (int64_t)(l->n - i);
		wait = share > 2 * QUERY_MARGIN_MS ? share - QUERY_MARGIN_MS :
		    share / 2;
		if (!(flags & QUERY_WAIT))
			wait = 0;
		if (query_one(l->v[i].name, (long long)wait,
		    (flags & QUERY_NOPROBE) != 0, deadline,
		    &l->v[i].state, &why, one, sizeof(one)) == 0) {
			log_debug("%s: policyd: %s is %s", qid, l->v[i].name,
			    sts_state_name(l->v[i].state));
			continue;
		}
		l->v[i].state = STS_UNKNOWN;
		unknown++;
		if (err[0] == '\0')
			snprintf(err, errsz, "%s", one);
		if (why == CTLPOOL_CONNECT || why == CTLPOOL_TIMEOUT)
			gave_up = 1;
		else
			log_warnx("%s: sts %s: %s", qid, l->v[i].name, one);
	}
	return unknown;
}

/* query_qid_valid - [A-Za-z0-9]+, as policyd wants it. */
int
query_qid_valid(const char *qid)
{
	const char *p;

	if (qid == NULL || *qid == '\0' || strlen(qid) > QUERY_QID_MAX)
		return 0;
	for (p = qid; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

/* query_hold_line - one "hold" request; 0, or -1 with err. */
static int
query_hold_line(const char *line, int64_t deadline, char *err, size_t errsz)
{
	enum ctlpool_err why;
	json_t *reply;
	int	ret;

	if ((reply = ctlpool_request(line, deadline, &why, err,
	    errsz)) == NULL)
		return -1;
	ret = query_reply_ok(reply, err, errsz) ? 0 : -1;
	json_decref(reply);
	return ret;
}

/*
 * query_hold - "hold QID DOMAIN ...": policyd now owns the release. A
 * list too long for one request line goes in several; policyd adds the
 * domains of each to the same hold.
 */
int
query_hold(const char *qid, const struct rcpt_list *l, int64_t deadline,
    char *err, size_t errsz)
{
	char	line[CTLPOOL_LINE_MAX];
	size_t	i, len, head, dlen, n = 0;

	if (!query_qid_valid(qid)) {
		snprintf(err, errsz, "no usable queue id (macro {i})");
		return -1;
	}
	head = (size_t)snprintf(line, sizeof(line), "hold %s", qid);
	len = head;
	for (i = 0; i < l->n; i++) {
		if (!sts_state_holds(l->v[i].state))
			continue;
		dlen = strlen(l->v[i].name);
		if (len > head && len + 1 + dlen >= sizeof(line)) {
			if (query_hold_line(line, deadline, err, errsz) != 0)
				return -1;
			len = head;
			line[len] = '\0';
		}
		/* head + one name always fits: qid and name are bounded. */
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %s",
		    l->v[i].name);
		n++;
	}
	if (n == 0) {
		snprintf(err, errsz, "no domain to hold for");
		return -1;
	}
	return len > head ? query_hold_line(line, deadline, err, errsz) : 0;
}
