/*
 * NAME
 *	ctl_parse - mtasts-ctl parse FILE: validate a policy file offline
 * SYNOPSIS
 *	#include "ctl.h"
 *
 *	verb_parse
 * DESCRIPTION
 *	Reads FILE ("-": standard input), at most the policy body limit,
 *	and runs the daemon's own parser (sts_policy.c) on it. A valid
 *	policy is printed as its canonical lines, or with --json as
 *	{"valid", "policy", "error", "line"}.
 * DIAGNOSTICS
 *	The first error as "FILE:LINE: reason" on stderr, exit 1; an
 *	unreadable file exits 2.
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "sts_policy.h"

/*
 * ctl_read_file - all of path ("-": stdin), at most max + 1 bytes, so a
 * file over max is noticed. 0, or -1 with errno.
 */
static int
ctl_read_file(const char *path, size_t max, char **bufp, size_t *lenp)
{
	FILE   *fp;
	char   *buf;
	size_t	len = 0, n;
	int	saved;

	*bufp = NULL;
	*lenp = 0;
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if ((buf = malloc(max + 2)) == NULL)
		goto fail;
	while (len < max + 1 && (n = fread(buf + len, 1, max + 1 - len,
	    fp)) > 0)
		len += n;
	if (ferror(fp)) {
		errno = errno ? errno : EIO;
		goto fail;
	}
	if (fp != stdin)
		fclose(fp);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	saved = errno;
	free(buf);
	if (fp != stdin)
		fclose(fp);
	errno = saved;
	return -1;
}

/* ctl_policy_json - a parsed policy as the "policy" object of parse. */
static json_t *
ctl_policy_json(const struct sts_policy *p)
{
	json_t *o, *mx, *ext;
	size_t	i;

	if ((o = json_object()) == NULL)
		return NULL;
	mx = json_array();
	ext = json_array();
	for (i = 0; i < p->nmx; i++)
		json_array_append_new(mx, json_string(p->mx[i]));
	for (i = 0; i < p->next; i++)
		json_array_append_new(ext, json_string(p->ext[i]));
	json_object_set_new(o, "version", json_string("STSv1"));
	json_object_set_new(o, "mode", json_string(sts_mode_name(p->mode)));
	json_object_set_new(o, "mx", mx);
	json_object_set_new(o, "max_age", json_integer(p->max_age));
	json_object_set_new(o, "extensions", ext);
	return o;
}

/*
 * ctl_error_reason - the parser's message without its "line N: " prefix,
 * which FILE:LINE: already says.
 */
static const char *
ctl_error_reason(const char *err, size_t line)
{
	char	prefix[48];
	size_t	n;

	if (line == 0)
		return err;
	n = (size_t)snprintf(prefix, sizeof(prefix), "line %zu: ", line);
	if (strncmp(err, prefix, n) == 0)
		return err + n;
	return err;
}

/* verb_parse - validate a policy file offline, print it normalised. */
int
verb_parse(struct ctl *c, int argc, char **argv)
{
	struct sts_policy pol;
	const char *name, *reason;
	char   *buf = NULL, err[512], clean[512];
	size_t	len, line = 0, i;
	json_t *doc = NULL;
	int	rc;

	if ((rc = ctl_need(argc, 2, "parse FILE")) != CTL_EXIT_OK)
		return rc;
	name = strcmp(argv[1], "-") == 0 ? "<stdin>" : argv[1];
	if (ctl_read_file(argv[1], STS_POLICY_BODY_MAX, &buf, &len) == -1)
		return ctl_fail(c, CTL_EXIT_USAGE, "cannot read %s: %s", name,
		    strerror(errno));
	memset(&pol, 0, sizeof(pol));
	err[0] = '\0';
	if (len > STS_POLICY_BODY_MAX) {
		snprintf(err, sizeof(err), "larger than %d bytes, the policy "
		    "body limit", STS_POLICY_BODY_MAX);
		rc = -1;
	} else
		rc = sts_policy_parse(buf, len, &pol, err, sizeof(err), &line);
	free(buf);
	if (rc != 0) {
		reason = ctl_error_reason(err, line);
		snprintf(clean, sizeof(clean), "%s", reason);
		for (i = 0; clean[i] != '\0'; i++)
			if ((unsigned char)clean[i] < 0x20 || clean[i] == 0x7f)
				clean[i] = '?';
		if (c->out.json) {
			doc = json_pack("{s:b, s:n, s:s, s:o}", "valid", 0,
			    "policy", "error", clean, "line", line > 0 ?
			    json_integer((json_int_t)line) : json_null());
			if (doc != NULL)
				(void)ctl_print_doc(c, doc);
			json_decref(doc);
		}
		if (line > 0)
			fprintf(stderr, "%s:%zu: %s\n", name, line, clean);
		else
			fprintf(stderr, "%s: %s\n", name, clean);
		return CTL_EXIT_NEGATIVE;
	}
	if (c->out.json) {
		doc = json_pack("{s:b, s:o, s:n, s:n}", "valid", 1, "policy",
		    ctl_policy_json(&pol), "error", "line");
		rc = doc != NULL ? ctl_print_doc(c, doc) :
		    ctl_fail(c, CTL_EXIT_USAGE, "out of memory");
		json_decref(doc);
	} else {
		/* The canonical lines, as DESIGN §4 orders them. */
		fprintf(c->out.fp, "version: STSv1\nmode: %s\n",
		    sts_mode_name(pol.mode));
		for (i = 0; i < pol.nmx; i++)
			fprintf(c->out.fp, "mx: %s\n", pol.mx[i]);
		fprintf(c->out.fp, "max_age: %lu\n",
		    (unsigned long)pol.max_age);
		for (i = 0; i < pol.next; i++)
			fprintf(c->out.fp, "%s\n", pol.ext[i]);
		rc = CTL_EXIT_OK;
	}
	sts_policy_free(&pol);
	return rc;
}
