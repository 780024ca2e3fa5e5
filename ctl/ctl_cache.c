/*
 * NAME
 *	ctl_cache - the verbs of mtasts-ctl about the daemon's cache and holds
 * SYNOPSIS
 *	#include "ctl.h"
 *
 *	verb_status, verb_lookup, verb_show, verb_list, verb_refresh,
 *	verb_flush, verb_holds, verb_release
 * DESCRIPTION
 *	Each checks its arguments, asks mtasts-policyd over the control
 *	socket (mtasts-policyd(8), CONTROL PROTOCOL) and prints the reply:
 *	for people as aligned columns or "field value" blocks with times as
 *	ISO 8601 UTC and their age, or with --json the reply as one
 *	document (the field names are mtasts-ctl(8)'s contract).
 * DIAGNOSTICS
 *	Exit 1 for a negative answer (an unknown domain or queue id, a
 *	refresh that got no current policy, a failed release).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ctl.h"
#include "mx_match.h"
#include "sts_policy.h"

/* ctl_mode_colour - green for enforce, yellow for testing. */
static enum ctl_colour
ctl_mode_colour(const char *mode)
{
	if (mode == NULL)
		return CTL_PLAIN;
	if (strcmp(mode, "enforce") == 0)
		return CTL_GREEN;
	if (strcmp(mode, "testing") == 0)
		return CTL_YELLOW;
	if (strcmp(mode, "negative") == 0)
		return CTL_DIM;
	return CTL_PLAIN;
}

/* ctl_kv - one key/value row of a block. */
static int
ctl_kv(struct ctl_table *t, const char *key, const char *value,
    enum ctl_colour colour)
{
	const char *cells[2];
	enum ctl_colour colours[2] = { CTL_PLAIN, colour };

	cells[0] = key;
	cells[1] = value;
	return ctl_table_add(t, cells, colours);
}

/*
 * ctl_route_text - a route object in one line: "confirmed via mx.example
 * (checked ISO (5m ago))", "failed (checked ...): certificate-expired".
 */
static const char *
ctl_route_text(const struct ctl_out *o, const json_t *route, char *buf,
    size_t bufsz)
{
	char	state[64], mx[300], when[80], failure[300];
	const json_t *v;
	size_t	n;

	if (!json_is_object(route) ||
	    !json_is_string(json_object_get(route, "state")))
		return ctl_text(NULL, buf, bufsz);
	n = (size_t)snprintf(buf, bufsz, "%s", ctl_text(json_object_get(route,
	    "state"), state, sizeof(state)));
	if (n < bufsz && json_is_string(v = json_object_get(route, "mx")))
		n += (size_t)snprintf(buf + n, bufsz - n, " via %s",
		    ctl_text(v, mx, sizeof(mx)));
	if (n < bufsz &&
	    json_is_string(v = json_object_get(route, "checked_at")))
		n += (size_t)snprintf(buf + n, bufsz - n, " (checked %s)",
		    ctl_when(o, v, when, sizeof(when)));
	if (n < bufsz && json_is_string(v = json_object_get(route, "failure")))
		n += (size_t)snprintf(buf + n, bufsz - n, ": %s", ctl_text(v,
		    failure, sizeof(failure)));
	if (n < bufsz && json_is_string(v = json_object_get(route, "why")))
		snprintf(buf + n, bufsz - n, "%s%s", json_is_string(
		    json_object_get(route, "failure")) ? " - " : ": ",
		    ctl_text(v, failure, sizeof(failure)));
	return buf;
}

/* ctl_show_block - a SHOW object as aligned "field value" lines. */
static void
ctl_show_block(struct ctl *c, const json_t *s)
{
	static const char *const times[] = { "fetched_at", "expires_at",
	    "txt_checked_at", "last_used" };
	struct ctl_table *t;
	const json_t *mx, *v;
	const char *hdr[2] = { "FIELD", "VALUE" };
	const char *mode;
	char	buf[1024], num[64];
	size_t	i;
	int	negative;

	if ((t = ctl_table_new(2, hdr)) == NULL)
		return;
	v = json_object_get(s, "state");
	negative = json_is_string(v) &&
	    strcmp(json_string_value(v), "negative") == 0;
	mode = json_string_value(json_object_get(s, "mode"));
	ctl_kv(t, "domain", ctl_text(json_object_get(s, "domain"), buf,
	    sizeof(buf)), CTL_BOLD);
	ctl_kv(t, "state", ctl_text(v, buf, sizeof(buf)), CTL_PLAIN);
	if (!negative) {
		ctl_kv(t, "mode", ctl_text(json_object_get(s, "mode"), buf,
		    sizeof(buf)), ctl_mode_colour(mode));
		mx = json_object_get(s, "mx");
		if (json_array_size(mx) == 0)
			ctl_kv(t, "mx", "-", CTL_PLAIN);
		for (i = 0; i < json_array_size(mx); i++)
			ctl_kv(t, i == 0 ? "mx" : "", ctl_text(json_array_get(mx,
			    i), buf, sizeof(buf)), CTL_PLAIN);
		v = json_object_get(s, "max_age");
		if (json_is_integer(v))
			snprintf(buf, sizeof(buf), "%lld (%s)",
			    (long long)json_integer_value(v),
			    ctl_duration(json_integer_value(v), num,
			    sizeof(num)));
		else
			ctl_text(v, buf, sizeof(buf));
		ctl_kv(t, "max_age", buf, CTL_PLAIN);
		ctl_kv(t, "id", ctl_text(json_object_get(s, "id"), buf,
		    sizeof(buf)), CTL_PLAIN);
		/* The MX hosts Postfix is answered with (policyd mxset.c). */
		mx = json_object_get(s, "mx_names");
		if (json_array_size(mx) == 0 && json_is_array(mx))
			ctl_kv(t, "mx_names", "- (answer gives the patterns)",
			    CTL_PLAIN);
		for (i = 0; i < json_array_size(mx); i++)
			ctl_kv(t, i == 0 ? "mx_names" : "", ctl_text(
			    json_array_get(mx, i), buf, sizeof(buf)), CTL_PLAIN);
		v = json_object_get(s, "dane");
		if (json_is_string(v))
			ctl_kv(t, "dane", strcmp(json_string_value(v),
			    "dane") == 0 ? "applies (answer: Postfix's DANE)" :
			    strcmp(json_string_value(v), "failed") == 0 ?
			    "failed: bogus DNSSEC (answer: Postfix's DANE)" :
			    "none", CTL_PLAIN);
	}
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		if (!negative || i >= 2)
			ctl_kv(t, times[i], ctl_when(&c->out,
			    json_object_get(s, times[i]), buf, sizeof(buf)),
			    CTL_PLAIN);
	if (negative)
		ctl_kv(t, "negative_until", ctl_when(&c->out,
		    json_object_get(s, "negative_until"), buf, sizeof(buf)),
		    CTL_PLAIN);
	v = json_object_get(s, "expired");
	ctl_kv(t, "expired", ctl_text(v, buf, sizeof(buf)),
	    json_is_true(v) ? CTL_RED : CTL_PLAIN);
	v = json_object_get(s, "last_error");
	ctl_kv(t, "last_error", ctl_text(v, buf, sizeof(buf)),
	    json_is_string(v) ? CTL_RED : CTL_PLAIN);
	ctl_kv(t, "route", ctl_route_text(&c->out, json_object_get(s, "route"),
	    buf, sizeof(buf)), CTL_PLAIN);
	ctl_table_print(&c->out, t, 1);
	ctl_table_free(t);
}

/* verb_status - version, uptime, cache counts, counters, holds. */
int
verb_status(struct ctl *c, int argc, char **argv)
{
	static const char *const cnames[] = { "enforce", "testing", "none",
	    "negative", "expired" };
	static const char *const chdr[] = { "ENFORCE", "TESTING", "NONE",
	    "NEGATIVE", "EXPIRED" };
	struct ctl_table *t = NULL;
	const char *hdr[CTL_STATS_MAX], *cells[CTL_STATS_MAX], *key;
	char	vals[CTL_STATS_MAX][32], names[CTL_STATS_MAX][32], buf[256],
		up[32], since[32];
	json_t *r, *o, *v;
	json_int_t uptime;
	size_t	i, j, n;
	int	rc;

	(void)argv;
	if ((rc = ctl_need(argc, 1, "status")) != CTL_EXIT_OK)
		return rc;
	if ((rc = ctl_call(c, "status", CTL_TIMEOUT_MS, &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json) {
		rc = ctl_print_doc(c, r);
		goto out;
	}
	uptime = json_integer_value(json_object_get(r, "uptime"));
	fprintf(c->out.fp, "mtasts-policyd %s, control protocol %lld\n",
	    ctl_text(json_object_get(r, "version"), buf, sizeof(buf)),
	    (long long)json_integer_value(json_object_get(r, "protocol")));
	fprintf(c->out.fp, "up %s, since %s\n", ctl_duration(uptime, up,
	    sizeof(up)), ctl_iso_format(c->out.now - (time_t)uptime, since,
	    sizeof(since)));
	fprintf(c->out.fp, "held messages: %s\n\n",
	    ctl_text(json_object_get(r, "holds"), buf, sizeof(buf)));

	/* Cache counts, then request counters: one table each. */
	for (i = 0; i < 5; i++)
		hdr[i] = chdr[i];
	if ((t = ctl_table_new(5, hdr)) == NULL)
		goto out;
	o = json_object_get(r, "counts");
	for (i = 0; i < 5; i++)
		cells[i] = ctl_text(json_object_get(o, cnames[i]), vals[i],
		    sizeof(vals[i]));
	ctl_table_add(t, cells, NULL);
	ctl_table_print(&c->out, t, 0);
	ctl_table_free(t);
	fputc('\n', c->out.fp);
	/* Every counter the daemon sends, in its order, named in capitals. */
	n = 0;
	o = json_object_get(r, "stats");
	json_object_foreach(o, key, v) {
		if (n == CTL_STATS_MAX)
			break;
		for (j = 0; key[j] != '\0' && j + 1 < sizeof(names[n]); j++)
			names[n][j] = key[j] >= 'a' && key[j] <= 'z' ?
			    (char)(key[j] - 'a' + 'A') : key[j];
		names[n][j] = '\0';
		hdr[n] = names[n];
		cells[n] = ctl_text(v, vals[n], sizeof(vals[n]));
		n++;
	}
	if (n == 0 || (t = ctl_table_new(n, hdr)) == NULL)
		goto out;
	ctl_table_add(t, cells, NULL);
	ctl_table_print(&c->out, t, 0);
	ctl_table_free(t);
out:
	json_decref(r);
	return rc;
}

/* verb_lookup - the socketmap answer now, and the policy behind it. */
int
verb_lookup(struct ctl *c, int argc, char **argv)
{
	char	d[DNS_NAME_MAX + 1], line[CTL_CLIENT_LINE_MAX], buf[1024];
	json_t *r;
	const json_t *pol;
	int	rc;

	if ((rc = ctl_need(argc, 2, "lookup DOMAIN")) != CTL_EXIT_OK)
		return rc;
	if (ctl_domain_arg(argv[1], d, sizeof(d)) == -1)
		return CTL_EXIT_USAGE;
	snprintf(line, sizeof(line), "lookup %s", d);
	if ((rc = ctl_call(c, line, ctl_wait_ms(c), &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json) {
		rc = ctl_print_doc(c, r);
		json_decref(r);
		return rc;
	}
	fprintf(c->out.fp, "%s%s%s: %s\n", ctl_paint(&c->out, CTL_BOLD),
	    ctl_text(json_object_get(r, "domain"), line, sizeof(line)),
	    ctl_unpaint(&c->out, CTL_BOLD), ctl_text(json_object_get(r,
	    "answer"), buf, sizeof(buf)));
	pol = json_object_get(r, "policy");
	if (json_is_object(pol)) {
		fputc('\n', c->out.fp);
		ctl_show_block(c, pol);
	} else
		fprintf(c->out.fp, "no policy applies\n");
	json_decref(r);
	return CTL_EXIT_OK;
}

/* verb_show - one cache entry; an unknown domain is a negative answer. */
int
verb_show(struct ctl *c, int argc, char **argv)
{
	char	d[DNS_NAME_MAX + 1], line[CTL_CLIENT_LINE_MAX];
	json_t *r;
	int	rc;

	if ((rc = ctl_need(argc, 2, "show DOMAIN")) != CTL_EXIT_OK)
		return rc;
	if (ctl_domain_arg(argv[1], d, sizeof(d)) == -1)
		return CTL_EXIT_USAGE;
	snprintf(line, sizeof(line), "show %s", d);
	if ((rc = ctl_call(c, line, CTL_TIMEOUT_MS, &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else
		ctl_show_block(c, r);
	json_decref(r);
	return rc;
}

/* ctl_list_keep - does an entry pass the --mode and --expired filters? */
static int
ctl_list_keep(const json_t *e, const char *mode, int expired)
{
	const char *state = json_string_value(json_object_get(e, "state"));
	const char *m = json_string_value(json_object_get(e, "mode"));

	if (expired && !json_is_true(json_object_get(e, "expired")))
		return 0;
	if (mode == NULL)
		return 1;
	if (strcmp(mode, "negative") == 0)
		return state != NULL && strcmp(state, "negative") == 0;
	return m != NULL && strcmp(m, mode) == 0;
}

/* ctl_list_row - one table row of a list entry. */
static void
ctl_list_row(struct ctl *c, struct ctl_table *t, const json_t *e)
{
	char	dom[300], mode[32], age[32], id[64], fetched[80], expires[80],
		error[300];
	const char *cells[7];
	enum ctl_colour colours[7] = { CTL_PLAIN, CTL_PLAIN, CTL_PLAIN,
	    CTL_PLAIN, CTL_PLAIN, CTL_PLAIN, CTL_PLAIN };
	const json_t *v;
	int	negative;

	v = json_object_get(e, "state");
	negative = json_is_string(v) &&
	    strcmp(json_string_value(v), "negative") == 0;
	cells[0] = ctl_text(json_object_get(e, "domain"), dom, sizeof(dom));
	if (negative)
		snprintf(mode, sizeof(mode), "negative");
	else
		ctl_text(json_object_get(e, "mode"), mode, sizeof(mode));
	cells[1] = mode;
	colours[1] = ctl_mode_colour(mode);
	v = json_object_get(e, "max_age");
	cells[2] = json_is_integer(v) ? ctl_duration(json_integer_value(v),
	    age, sizeof(age)) : "-";
	cells[3] = ctl_text(json_object_get(e, "id"), id, sizeof(id));
	cells[4] = ctl_when(&c->out, json_object_get(e, "fetched_at"),
	    fetched, sizeof(fetched));
	cells[5] = ctl_when(&c->out, json_object_get(e, negative ?
	    "negative_until" : "expires_at"), expires, sizeof(expires));
	if (json_is_true(json_object_get(e, "expired")))
		colours[5] = CTL_RED;
	v = json_object_get(e, "last_error");
	cells[6] = ctl_text(v, error, sizeof(error));
	if (json_is_string(v))
		colours[6] = CTL_RED;
	ctl_table_add(t, cells, colours);
}

/* verb_list - every cache entry, filtered. */
int
verb_list(struct ctl *c, int argc, char **argv)
{
	static const char *const hdr[7] = { "DOMAIN", "MODE", "MAX_AGE", "ID",
	    "FETCHED_AT", "EXPIRES_AT", "LAST_ERROR" };
	struct ctl_table *t;
	const char *mode = NULL;
	json_t *r, *all, *out;
	size_t	i;
	int	expired = 0, rc, a;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--expired") == 0)
			expired = 1;
		else if (strcmp(argv[a], "--mode") == 0 && a + 1 < argc)
			mode = argv[++a];
		else if (strncmp(argv[a], "--mode=", 7) == 0)
			mode = argv[a] + 7;
		else
			return ctl_usage_error("usage: list [--mode MODE] "
			    "[--expired]");
	}
	if (mode != NULL && sts_mode_parse(mode) == -1 &&
	    strcmp(mode, "negative") != 0)
		return ctl_usage_error("--mode takes enforce, testing, none or "
		    "negative, not %s", mode);
	if ((rc = ctl_call(c, "list", CTL_TIMEOUT_MS * 6, &r)) != CTL_EXIT_OK)
		return rc;
	all = json_object_get(r, "domains");
	if ((out = json_array()) == NULL) {
		json_decref(r);
		return ctl_fail(c, CTL_EXIT_USAGE, "out of memory");
	}
	for (i = 0; i < json_array_size(all); i++)
		if (ctl_list_keep(json_array_get(all, i), mode, expired))
			json_array_append(out, json_array_get(all, i));
	if (c->out.json) {
		rc = ctl_print_doc(c, out);
	} else if (json_array_size(out) == 0) {
		fprintf(c->out.fp, "no cached domains%s\n",
		    mode != NULL || expired ? " match" : "");
	} else if ((t = ctl_table_new(7, hdr)) != NULL) {
		for (i = 0; i < json_array_size(out); i++)
			ctl_list_row(c, t, json_array_get(out, i));
		ctl_table_print(&c->out, t, 0);
		ctl_table_free(t);
	}
	json_decref(out);
	json_decref(r);
	return rc;
}

/* ctl_refresh_ok - did a refresh get a current policy? */
static int
ctl_refresh_ok(const char *result)
{
	return result != NULL && (strcmp(result, "fetched") == 0 ||
	    strcmp(result, "unchanged") == 0);
}

/* verb_refresh - fetch again now and show the entry it left. */
int
verb_refresh(struct ctl *c, int argc, char **argv)
{
	char	d[DNS_NAME_MAX + 1], line[CTL_CLIENT_LINE_MAX], why[512],
		err[256];
	json_t *r = NULL, *s = NULL, *doc = NULL;
	const char *result;
	int	rc, src;

	if ((rc = ctl_need(argc, 2, "refresh DOMAIN|--all")) != CTL_EXIT_OK)
		return rc;
	if (strcmp(argv[1], "--all") == 0) {
		if ((rc = ctl_call(c, "refresh --all", CTL_TIMEOUT_MS * 6,
		    &r)) != CTL_EXIT_OK)
			return rc;
		if (c->out.json)
			rc = ctl_print_doc(c, r);
		else
			fprintf(c->out.fp, "%lld domains queued for refresh\n",
			    (long long)json_integer_value(json_object_get(r,
			    "queued")));
		json_decref(r);
		return rc;
	}
	if (ctl_domain_arg(argv[1], d, sizeof(d)) == -1)
		return CTL_EXIT_USAGE;
	snprintf(line, sizeof(line), "refresh %s", d);
	if ((rc = ctl_call(c, line, ctl_wait_ms(c), &r)) != CTL_EXIT_OK)
		return rc;
	result = json_string_value(json_object_get(r, "result"));
	ctl_text(json_object_get(r, "error"), why, sizeof(why));

	/* The entry as it is now, negative ones included; none is fine. */
	snprintf(line, sizeof(line), "show %s", d);
	s = ctl_client_request(c->cc, line, CTL_TIMEOUT_MS, err, sizeof(err));
	if (s != NULL && !json_is_true(json_object_get(s, "ok"))) {
		json_decref(s);
		s = NULL;
	}
	if (s != NULL)
		json_object_del(s, "ok");
	src = ctl_refresh_ok(result) ? CTL_EXIT_OK : CTL_EXIT_NEGATIVE;
	if (c->out.json) {
		doc = s != NULL ? json_incref(s) :
		    json_pack("{s:s, s:n}", "domain", d, "state");
		if (doc == NULL) {
			rc = ctl_fail(c, CTL_EXIT_USAGE, "out of memory");
			goto out;
		}
		json_object_set(doc, "result", json_object_get(r, "result"));
		json_object_set(doc, "error", json_object_get(r, "error"));
		rc = ctl_print_doc(c, doc);
	} else {
		fprintf(c->out.fp, "%s: %s%s%s%s%s\n", d,
		    ctl_paint(&c->out, src == CTL_EXIT_OK ? CTL_GREEN :
		    CTL_RED), result != NULL ? result : "?",
		    ctl_unpaint(&c->out, CTL_RED), strcmp(why, "-") != 0 ?
		    ": " : "", strcmp(why, "-") != 0 ? why : "");
		if (s != NULL) {
			fputc('\n', c->out.fp);
			ctl_show_block(c, s);
		}
	}
	if (rc == CTL_EXIT_OK)
		rc = src;
out:
	json_decref(doc);
	json_decref(s);
	json_decref(r);
	return rc;
}

/* verb_flush - forget one or every cache entry. */
int
verb_flush(struct ctl *c, int argc, char **argv)
{
	char	d[DNS_NAME_MAX + 1], line[CTL_CLIENT_LINE_MAX];
	json_t *r;
	json_int_t n;
	int	rc;

	if ((rc = ctl_need(argc, 2, "flush DOMAIN|--all")) != CTL_EXIT_OK)
		return rc;
	if (strcmp(argv[1], "--all") == 0)
		snprintf(line, sizeof(line), "flush --all");
	else {
		if (ctl_domain_arg(argv[1], d, sizeof(d)) == -1)
			return CTL_EXIT_USAGE;
		snprintf(line, sizeof(line), "flush %s", d);
	}
	if ((rc = ctl_call(c, line, CTL_TIMEOUT_MS * 6, &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else {
		n = json_integer_value(json_object_get(r, "flushed"));
		fprintf(c->out.fp, "flushed %lld cache entr%s\n",
		    (long long)n, n == 1 ? "y" : "ies");
	}
	json_decref(r);
	return rc;
}

/* verb_holds - the messages the milter holds, and their domains. */
int
verb_holds(struct ctl *c, int argc, char **argv)
{
	static const char *const hdr[4] = { "QUEUE_ID", "HELD_AT",
	    "RELEASED_AT", "DOMAINS" };
	struct ctl_table *t;
	const json_t *holds, *h, *doms, *e;
	const char *cells[4];
	char	qid[80], when[80], rel[80], buf[2048], dom[300], st[64];
	size_t	i, j, off;
	json_t *r;
	int	rc;

	(void)argv;
	if ((rc = ctl_need(argc, 1, "holds")) != CTL_EXIT_OK)
		return rc;
	if ((rc = ctl_call(c, "holds", CTL_TIMEOUT_MS, &r)) != CTL_EXIT_OK)
		return rc;
	holds = json_object_get(r, "holds");
	if (c->out.json) {
		rc = ctl_print_doc(c, holds != NULL ? holds : json_array());
	} else if (json_array_size(holds) == 0) {
		fprintf(c->out.fp, "no holds\n");
	} else if ((t = ctl_table_new(4, hdr)) != NULL) {
		for (i = 0; i < json_array_size(holds); i++) {
			h = json_array_get(holds, i);
			doms = json_object_get(h, "domains");
			buf[0] = '\0';
			for (j = 0, off = 0; j < json_array_size(doms) &&
			    off < sizeof(buf); j++) {
				e = json_array_get(doms, j);
				off += (size_t)snprintf(buf + off,
				    sizeof(buf) - off, "%s%s=%s", j ? " " : "",
				    ctl_text(json_object_get(e, "domain"), dom,
				    sizeof(dom)), ctl_text(json_object_get(e,
				    "state"), st, sizeof(st)));
			}
			cells[0] = ctl_text(json_object_get(h, "queue_id"), qid,
			    sizeof(qid));
			cells[1] = ctl_when(&c->out, json_object_get(h,
			    "held_at"), when, sizeof(when));
			cells[2] = ctl_when(&c->out, json_object_get(h,
			    "released_at"), rel, sizeof(rel));
			cells[3] = buf;
			ctl_table_add(t, cells, NULL);
		}
		ctl_table_print(&c->out, t, 0);
		ctl_table_free(t);
	}
	json_decref(r);
	return rc;
}

/* verb_release - release one held message, or all of them, now. */
int
verb_release(struct ctl *c, int argc, char **argv)
{
	char	line[CTL_CLIENT_LINE_MAX], qid[80], why[300];
	const json_t *res, *e;
	json_t *r;
	json_int_t n;
	size_t	i, failed = 0;
	int	rc;

	if ((rc = ctl_need(argc, 2, "release QUEUE_ID|--all")) != CTL_EXIT_OK)
		return rc;
	if (strcmp(argv[1], "--all") != 0 && !ctl_queue_id_ok(argv[1]))
		return ctl_usage_error("not a queue id: %s", argv[1]);
	snprintf(line, sizeof(line), "release %s", argv[1]);
	if ((rc = ctl_call(c, line, CTL_TIMEOUT_MS * 6, &r)) != CTL_EXIT_OK)
		return rc;
	/* A release command that failed makes the answer negative. */
	res = json_object_get(r, "results");
	for (i = 0; i < json_array_size(res); i++)
		if (json_is_string(json_object_get(json_array_get(res, i),
		    "error")))
			failed++;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else if ((n = json_integer_value(json_object_get(r, "released"))) == 0)
		fprintf(c->out.fp, "no holds\n");
	else {
		for (i = 0; i < json_array_size(res); i++) {
			e = json_array_get(res, i);
			ctl_text(json_object_get(e, "queue_id"), qid,
			    sizeof(qid));
			if (json_is_string(json_object_get(e, "error")))
				fprintf(c->out.fp, "%s: %s%s%s\n", qid,
				    ctl_paint(&c->out, CTL_RED),
				    ctl_text(json_object_get(e, "error"), why,
				    sizeof(why)), ctl_unpaint(&c->out,
				    CTL_RED));
			else
				fprintf(c->out.fp, "%s: released\n", qid);
		}
		if (json_array_size(res) == 0)
			fprintf(c->out.fp, "released %lld message%s\n",
			    (long long)n, n == 1 ? "" : "s");
	}
	if (failed > 0) {
		ctl_err("%zu release%s failed", failed, failed == 1 ? "" :
		    "s");
		if (rc == CTL_EXIT_OK)
			rc = CTL_EXIT_NEGATIVE;
	}
	json_decref(r);
	return rc;
}
