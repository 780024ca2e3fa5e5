/*
 * NAME
 *	ctl_report - the "mtasts-ctl report" verbs
 * SYNOPSIS
 *	#include "ctl.h"
 *
 *	int verb_report(c, argc, argv)
 * DESCRIPTION
 *	report list, show and send talk to the daemon: the arguments are
 *	checked here (--day takes a calendar date, a domain must be a host
 *	name), then the requests "report list", "report preview DOMAIN
 *	[DAY]" and "report send [DAY] [DOMAIN]" go out (ctl_call.c) and the
 *	replies are printed for people, or as they are with --json.
 *	Everything in them came from outside at some point (DNS records,
 *	libtlsrpt datagrams, error texts of mail servers): strings pass
 *	ctl_text() or the table code, and the report JSON is printed with
 *	DEL and C1 controls escaped. report view FILE is ctl_view.c's.
 * DIAGNOSTICS
 *	The exit codes of mtasts-ctl(8); report send exits 1 when a
 *	delivery failed or was dropped or the reply names an error.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "civil.h"
#include "ctl.h"
#include "ctl_out.h"
#include "ctl_view.h"
#include "mx_match.h"

/* ctl_report_day_ok - a calendar date as YYYY-MM-DD, 1970 or later */
static int
ctl_report_day_ok(const char *s)
{
	int64_t	day;

	return civil_day_parse(s, &day) == 0;
}

/* cr_status_colour - green for sent, yellow for pending, red for dropped */
static enum ctl_colour
cr_status_colour(const char *status)
{
	if (status == NULL)
		return CTL_PLAIN;
	if (strcmp(status, "sent") == 0)
		return CTL_GREEN;
	if (strcmp(status, "pending") == 0)
		return CTL_YELLOW;
	if (strcmp(status, "dropped") == 0)
		return CTL_RED;
	return CTL_PLAIN;
}

/* cr_title - a section title, bold on a terminal */
static void
cr_title(const struct ctl_out *o, const char *title)
{
	fprintf(o->fp, "%s%s%s\n", ctl_paint(o, CTL_BOLD), title,
	    ctl_unpaint(o, CTL_BOLD));
}

/* cr_counters - "name: key value, ..." of the counters in r[name] */
static void
cr_counters(const struct ctl_out *o, const json_t *r, const char *name)
{
	json_t *obj = json_object_get(r, name), *v;
	const char *key;
	char k[64], val[64];
	size_t i;
	int first = 1;

	if (!json_is_object(obj))
		return;
	fprintf(o->fp, "%s:", name);
	json_object_foreach(obj, key, v) {
		/* the daemon's key names, printed clean all the same */
		for (i = 0; key[i] != '\0' && i + 1 < sizeof(k); i++)
			k[i] = (unsigned char)key[i] < 0x20 ||
			    (unsigned char)key[i] >= 0x7f ? '?' : key[i];
		k[i] = '\0';
		fprintf(o->fp, "%s %s %s", first ? "" : ",", k,
		    ctl_text(v, val, sizeof(val)));
		first = 0;
	}
	fputc('\n', o->fp);
}

/* cr_list_days - the stored results not yet reported, one row per domain */
static void
cr_list_days(const json_t *r, const struct ctl_out *o)
{
	static const char *const hdr[5] = { "DAY", "DOMAIN", "SUCCESS",
	    "FAILURE", "RECORD" };
	struct ctl_table *t;
	const json_t *days, *day, *doms, *dom, *rec;
	const char *cells[5];
	char dn[64], dname[300], s1[32], s2[32], rbuf[1024];
	size_t i, j, n = 0;

	cr_title(o, "Stored results, not yet reported:");
	days = json_object_get(r, "days");
	if ((t = ctl_table_new(5, hdr)) == NULL)
		return;
	for (i = 0; i < json_array_size(days); i++) {
		day = json_array_get(days, i);
		ctl_text(json_object_get(day, "day"), dn, sizeof(dn));
		doms = json_object_get(day, "domains");
		for (j = 0; j < json_array_size(doms); j++) {
			dom = json_array_get(doms, j);
			rec = json_object_get(dom, "record");
			cells[0] = dn;
			cells[1] = ctl_text(json_object_get(dom, "domain"),
			    dname, sizeof(dname));
			cells[2] = ctl_text(json_object_get(dom, "success"), s1,
			    sizeof(s1));
			cells[3] = ctl_text(json_object_get(dom, "failure"), s2,
			    sizeof(s2));
			/* results stored before a record was known have "" */
			cells[4] = json_is_string(rec) &&
			    json_string_length(rec) == 0 ? "-" :
			    ctl_text(rec, rbuf, sizeof(rbuf));
			if (ctl_table_add(t, cells, NULL) != 0)
				goto out;
			n++;
		}
	}
	if (n == 0)
		fprintf(o->fp, "none\n");
	else
		ctl_table_print(o, t, 0);
out:
	ctl_table_free(t);
}

/* cr_list_deliveries - the send state of each (report, rua) pair */
static void
cr_list_deliveries(const json_t *r, const struct ctl_out *o)
{
	static const char *const hdr[8] = { "DAY", "DOMAIN", "RUA", "STATUS",
	    "ATTEMPTS", "LAST_TRY", "NEXT_TRY", "ERROR" };
	struct ctl_table *t;
	const json_t *dels, *e, *err;
	const char *cells[8];
	enum ctl_colour colours[8];
	char dn[64], dname[300], rua[1024], st[32], at[32], last[80],
	    next[80], ebuf[512];
	size_t i, k;

	cr_title(o, "Deliveries:");
	dels = json_object_get(r, "deliveries");
	if (json_array_size(dels) == 0) {
		fprintf(o->fp, "none\n");
		return;
	}
	if ((t = ctl_table_new(8, hdr)) == NULL)
		return;
	for (i = 0; i < json_array_size(dels); i++) {
		e = json_array_get(dels, i);
		err = json_object_get(e, "error");
		for (k = 0; k < 8; k++)
			colours[k] = CTL_PLAIN;
		cells[0] = ctl_text(json_object_get(e, "day"), dn, sizeof(dn));
		cells[1] = ctl_text(json_object_get(e, "domain"), dname,
		    sizeof(dname));
		cells[2] = ctl_text(json_object_get(e, "rua"), rua,
		    sizeof(rua));
		cells[3] = ctl_text(json_object_get(e, "status"), st,
		    sizeof(st));
		colours[3] = cr_status_colour(json_string_value(
		    json_object_get(e, "status")));
		cells[4] = ctl_text(json_object_get(e, "attempts"), at,
		    sizeof(at));
		cells[5] = ctl_when(o, json_object_get(e, "last"), last,
		    sizeof(last));
		cells[6] = ctl_when(o, json_object_get(e, "next"), next,
		    sizeof(next));
		cells[7] = ctl_text(err, ebuf, sizeof(ebuf));
		if (json_is_string(err))
			colours[7] = CTL_RED;
		if (ctl_table_add(t, cells, colours) != 0)
			break;
	}
	ctl_table_print(o, t, 0);
	ctl_table_free(t);
}

/* ctl_report_list_print - "report list" for people */
static void
ctl_report_list_print(const json_t *r, const struct ctl_out *o)
{
	cr_list_days(r, o);
	fputc('\n', o->fp);
	cr_list_deliveries(r, o);
	fputc('\n', o->fp);
	cr_counters(o, r, "collector");
	cr_counters(o, r, "store");
}

/*
 * cr_json_print - a document indented, keys in their order, for a
 * terminal: DEL and the C1 controls, which JSON may carry raw inside
 * strings, are written as \u escapes, so the text stays the same JSON.
 */
static int
cr_json_print(const struct ctl_out *o, const json_t *doc)
{
	char *s;
	const unsigned char *p;
	int rc = 0;

	if ((s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL)
		return -1;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == 0x7f)
			fprintf(o->fp, "\\u007f");
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fprintf(o->fp, "\\u00%02x", p[1]);
			p++;
		} else
			fputc(*p, o->fp);
	}
	if (fputc('\n', o->fp) == EOF)
		rc = -1;
	free(s);
	return rc;
}

/* cr_kv - one "key value" row; 0 or -1 */
static int
cr_kv(struct ctl_table *t, const char *key, const char *value)
{
	const char *cells[2];

	cells[0] = key;
	cells[1] = value;
	return ctl_table_add(t, cells, NULL);
}

/* cr_preview_one - one report: who, where, then the JSON as sent */
static void
cr_preview_one(const json_t *rep, const struct ctl_out *o)
{
	static const char *const hdr[2] = { "FIELD", "VALUE" };
	struct ctl_table *t;
	const json_t *rua, *doc;
	char buf[1024];
	size_t i;

	if ((t = ctl_table_new(2, hdr)) == NULL)
		return;
	if (cr_kv(t, "report-id", ctl_text(json_object_get(rep, "report_id"),
	    buf, sizeof(buf))) != 0 ||
	    cr_kv(t, "file", ctl_text(json_object_get(rep, "filename"), buf,
	    sizeof(buf))) != 0 ||
	    cr_kv(t, "policy-domain", ctl_text(json_object_get(rep,
	    "policy-domain"), buf, sizeof(buf))) != 0 ||
	    cr_kv(t, "record", ctl_text(json_object_get(rep, "record"), buf,
	    sizeof(buf))) != 0)
		goto out;
	rua = json_object_get(rep, "rua");
	if (json_array_size(rua) == 0 && cr_kv(t, "rua", "-") != 0)
		goto out;
	for (i = 0; i < json_array_size(rua); i++)
		if (cr_kv(t, i == 0 ? "rua" : "", ctl_text(json_array_get(rua,
		    i), buf, sizeof(buf))) != 0)
			goto out;
	ctl_table_print(o, t, 1);
	fputc('\n', o->fp);
	doc = json_object_get(rep, "report");
	if (json_is_object(doc))
		(void)cr_json_print(o, doc);
	else
		fprintf(o->fp, "(the daemon sent no report document)\n");
out:
	ctl_table_free(t);
}

/* ctl_report_preview_print - "report show" for people */
static void
ctl_report_preview_print(const json_t *r, const struct ctl_out *o)
{
	const json_t *reps = json_object_get(r, "reports");
	char dom[300], day[64];
	size_t i, n = json_array_size(reps);

	fprintf(o->fp, "%s%s%s, %s: %zu report%s\n", ctl_paint(o, CTL_BOLD),
	    ctl_text(json_object_get(r, "domain"), dom, sizeof(dom)),
	    ctl_unpaint(o, CTL_BOLD), ctl_text(json_object_get(r, "day"), day,
	    sizeof(day)), n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		fputc('\n', o->fp);
		cr_preview_one(json_array_get(reps, i), o);
	}
}

/* cr_count - "N noun(s)" of an integer member */
static const char *
cr_count(const json_t *r, const char *key, const char *noun, int plural,
    char *buf, size_t bufsz)
{
	json_int_t n = ctl_int(r, key);

	snprintf(buf, bufsz, "%lld %s%s", (long long)n, noun,
	    plural && n != 1 ? "s" : "");
	return buf;
}

/* ctl_report_send_print - "report send" for people, one line */
static void
ctl_report_send_print(const json_t *r, const struct ctl_out *o)
{
	char day[64], dom[300], reps[48], att[48], sent[48], failed[48],
	    dropped[48], err[512];
	const json_t *e = json_object_get(r, "error");
	enum ctl_colour fc, dc;

	ctl_text(json_object_get(r, "day"), day, sizeof(day));
	if (json_is_string(json_object_get(r, "domain")))
		ctl_text(json_object_get(r, "domain"), dom, sizeof(dom));
	else
		snprintf(dom, sizeof(dom), "all domains");
	fc = ctl_int(r, "failed") > 0 ? CTL_RED : CTL_PLAIN;
	dc = ctl_int(r, "dropped") > 0 ? CTL_RED : CTL_PLAIN;
	fprintf(o->fp, "%s %s: %s, %s, %s%s%s, %s%s%s, %s%s%s", day, dom,
	    cr_count(r, "reports", "report", 1, reps, sizeof(reps)),
	    cr_count(r, "attempts", "attempt", 1, att, sizeof(att)),
	    ctl_paint(o, ctl_int(r, "sent") > 0 ? CTL_GREEN : CTL_PLAIN),
	    cr_count(r, "sent", "sent", 0, sent, sizeof(sent)),
	    ctl_unpaint(o, ctl_int(r, "sent") > 0 ? CTL_GREEN : CTL_PLAIN),
	    ctl_paint(o, fc), cr_count(r, "failed", "failed", 0, failed,
	    sizeof(failed)), ctl_unpaint(o, fc),
	    ctl_paint(o, dc), cr_count(r, "dropped", "dropped", 0, dropped,
	    sizeof(dropped)), ctl_unpaint(o, dc));
	if (json_is_string(e))
		fprintf(o->fp, "; last error: %s%s%s", ctl_paint(o, CTL_RED),
		    ctl_text(e, err, sizeof(err)), ctl_unpaint(o, CTL_RED));
	fputc('\n', o->fp);
}

/* ctl_report_send_status - did anything fail, go dropped or err? */
static int
ctl_report_send_status(const json_t *r)
{
	if (ctl_int(r, "failed") > 0 || ctl_int(r, "dropped") > 0 ||
	    json_is_string(json_object_get(r, "error")))
		return CTL_EXIT_NEGATIVE;
	return CTL_EXIT_OK;
}

#define CTL_REPORT_USAGE	"report list | report show DOMAIN [--day " \
	"YYYY-MM-DD] | report send [--day YYYY-MM-DD] [DOMAIN] | report " \
	"view FILE"
#define CTL_SEND_TIMEOUT_MS	600000	/* report send: deliveries of <= 60 s */

/*
 * ctl_report_args - the arguments after "report show|send": --day DAY
 * (or --day=DAY) and at most one DOMAIN, in any order. 0, or a usage
 * error's exit code.
 */
static int
ctl_report_args(int argc, char **argv, const char *usage, const char **day,
    char *d, size_t dsz)
{
	const char *val;
	int	a;

	*day = NULL;
	d[0] = '\0';
	for (a = 2; a < argc; a++) {
		val = NULL;
		if (strcmp(argv[a], "--day") == 0) {
			if (a + 1 >= argc)
				return ctl_usage_error("--day needs a date "
				    "(YYYY-MM-DD)");
			val = argv[++a];
		} else if (strncmp(argv[a], "--day=", 6) == 0)
			val = argv[a] + 6;
		else if (argv[a][0] == '-' || d[0] != '\0')
			return ctl_usage_error("usage: %s", usage);
		else if (ctl_report_day_ok(argv[a]))
			/* the daemon would take it for the day */
			return ctl_usage_error("a day goes after --day: %s",
			    argv[a]);
		else if (ctl_domain_arg(argv[a], d, dsz) == -1)
			return CTL_EXIT_USAGE;
		if (val == NULL)
			continue;
		if (*day != NULL)
			return ctl_usage_error("usage: %s", usage);
		if (!ctl_report_day_ok(val))
			return ctl_usage_error("--day takes a date as "
			    "YYYY-MM-DD, not %s", val);
		*day = val;
	}
	return CTL_EXIT_OK;
}

/*
 * ctl_report_call - the daemon's "report VERB [DOMAIN] [DAY]" for the
 * arguments of report show (verb "preview", DOMAIN required) and report
 * send (the daemon takes DAY and DOMAIN in either order); the domain goes
 * into d. CTL_EXIT_OK with the reply in *r, or the exit status.
 */
static int
ctl_report_call(struct ctl *c, int argc, char **argv, const char *usage,
    const char *verb, int timeout_ms, char *d, size_t dsz, json_t **r)
{
	char	line[CTL_CLIENT_LINE_MAX];
	const char *day;
	int	rc;

	if ((rc = ctl_report_args(argc, argv, usage, &day, d, dsz)) !=
	    CTL_EXIT_OK)
		return rc;
	if (strcmp(verb, "preview") == 0 && d[0] == '\0')
		return ctl_usage_error("usage: %s", usage);
	if (ctl_load_config(c) == -1)
		return CTL_EXIT_USAGE;
	snprintf(line, sizeof(line), "report %s%s%s%s%s", verb,
	    d[0] != '\0' ? " " : "", d, day != NULL ? " " : "",
	    day != NULL ? day : "");
	return ctl_call(c, line, timeout_ms, r);
}

/* ctl_report_list - "report list": stored results and deliveries. */
static int
ctl_report_list(struct ctl *c, int argc)
{
	json_t *r;
	int	rc;

	if (argc != 2)
		return ctl_usage_error("usage: report list");
	if (ctl_load_config(c) == -1)
		return CTL_EXIT_USAGE;
	if ((rc = ctl_call(c, "report list", CTL_TIMEOUT_MS * 6, &r)) !=
	    CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else
		ctl_report_list_print(r, &c->out);
	json_decref(r);
	return rc;
}

/*
 * ctl_report_none - why "report preview" built nothing: are results
 * stored (then the domain has no usable TLS-RPT record) or not?
 */
static void
ctl_report_none(struct ctl *c, const char *d, const json_t *r)
{
	char	line[CTL_CLIENT_LINE_MAX], err[256];
	const char *day = json_string_value(json_object_get(r, "day"));
	json_t *raw;
	int	stored;

	if (day == NULL || !ctl_report_day_ok(day)) {
		ctl_err("no report for %s", d);
		return;
	}
	snprintf(line, sizeof(line), "report show %s %s", d, day);
	raw = ctl_client_request(c->cc, line, CTL_TIMEOUT_MS * 6, err,
	    sizeof(err));
	stored = raw != NULL && json_is_true(json_object_get(raw, "ok")) &&
	    json_array_size(json_object_get(raw, "reports")) > 0;
	json_decref(raw);
	if (stored)
		ctl_err("no report for %s on %s: results are stored, but "
		    "_smtp._tls.%s has no usable TLS-RPT record (or it could "
		    "not be looked up)", d, day, d);
	else
		ctl_err("no report for %s on %s: no results stored", d, day);
}

/* ctl_report_show - "report show DOMAIN [--day D]": reports as they will go. */
static int
ctl_report_show(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "report show DOMAIN [--day YYYY-MM-DD]";
	char	d[DNS_NAME_MAX + 1];
	json_t *r;
	int	rc;

	if ((rc = ctl_report_call(c, argc, argv, usage, "preview",
	    CTL_TIMEOUT_MS * 6, d, sizeof(d), &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else if (json_array_size(json_object_get(r, "reports")) > 0)
		ctl_report_preview_print(r, &c->out);
	if (rc == CTL_EXIT_OK &&
	    json_array_size(json_object_get(r, "reports")) == 0) {
		ctl_report_none(c, d, r);
		rc = CTL_EXIT_NEGATIVE;
	}
	json_decref(r);
	return rc;
}

/* ctl_report_send - "report send [--day D] [DOMAIN]": deliver now. */
static int
ctl_report_send(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "report send [--day YYYY-MM-DD] [DOMAIN]";
	char	d[DNS_NAME_MAX + 1];
	json_t *r;
	int	rc;

	if ((rc = ctl_report_call(c, argc, argv, usage, "send",
	    CTL_SEND_TIMEOUT_MS, d, sizeof(d), &r)) != CTL_EXIT_OK)
		return rc;
	if (c->out.json)
		rc = ctl_print_doc(c, r);
	else
		ctl_report_send_print(r, &c->out);
	if (rc == CTL_EXIT_OK)
		rc = ctl_report_send_status(r);
	json_decref(r);
	return rc;
}

/*
 * verb_report - TLS-RPT: list, show and send talk to the daemon; view
 * summarises a received report offline (ctl_view.c).
 */
int
verb_report(struct ctl *c, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";

	if (strcmp(sub, "view") == 0) {
		if (argc != 3)
			return ctl_usage_error("usage: report view FILE");
		return ctl_view_file(argv[2], &c->out);
	}
	if (strcmp(sub, "list") == 0)
		return ctl_report_list(c, argc);
	if (strcmp(sub, "show") == 0)
		return ctl_report_show(c, argc, argv);
	if (strcmp(sub, "send") == 0)
		return ctl_report_send(c, argc, argv);
	return ctl_usage_error("usage: %s", CTL_REPORT_USAGE);
}
