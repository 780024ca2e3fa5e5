/*
 * mxset_test.c - policyd/mxset.c: the stored "FORMAT ID RESOLVED_AT NAMES"
 * value is answered only for its own policy id, while fresh, with names;
 * anything else, truncated or foreign, is not (the answer then gives the
 * policy's patterns).
 */
#include <stdint.h>
#include <string.h>

#include "mxset.h"
#include "tap.h"

#define NOW	1700000000

/* names_of - mxset_view over a NUL-terminated copy; the names or NULL. */
static const char *
names_of(const char *val, const char *id, int64_t now, int64_t *at)
{
	static char buf[MXSET_VALUE_MAX];
	struct mxset_view v;
	int	r;

	snprintf(buf, sizeof(buf), "%s", val);
	r = mxset_view(buf, strlen(buf), id, now, &v);
	*at = v.resolved_at;
	return r == 1 ? v.names : NULL;
}

/* main - the table of values. */
int
main(void)
{
	static const struct {
		const char *val, *id;
		int64_t	now;
		const char *want;	/* NULL: not answered */
		const char *about;
	} t[] = {
		{ "1 abc 1700000000 a.example:b.example", "abc", NOW,
		    "a.example:b.example", "fresh, own id" },
		{ "1 abc 1700000000 a.example", "abd", NOW, NULL,
		    "another policy id" },
		{ "1 abc 1700000000 a.example", "ab", NOW, NULL,
		    "an id that is a prefix" },
		{ "1 abc 1700000000 ", "abc", NOW, NULL,
		    "no names (none listed, or a null MX)" },
		{ "1 abc 1700000000 a.example", "abc",
		    NOW + MXSET_MAX_AGE, "a.example", "MXSET_MAX_AGE old" },
		{ "1 abc 1700000000 a.example", "abc",
		    NOW + MXSET_MAX_AGE + 1, NULL, "older than MXSET_MAX_AGE" },
		{ "1 abc 1700000000 a.example", "abc", NOW - 3600, NULL,
		    "written an hour in the future" },
		{ "2 abc 1700000000 a.example", "abc", NOW, NULL,
		    "a newer format" },
		{ "1 abc", "abc", NOW, NULL, "truncated after the id" },
		{ "1 abc 1700000000", "abc", NOW, NULL,
		    "truncated after the time" },
		{ "1 abc x a.example", "abc", NOW, NULL, "time not a number" },
		{ "", "abc", NOW, NULL, "empty" },
		{ "1  1700000000 a.example", "", NOW, "a.example",
		    "empty id stored and asked" },
		{ "2 abc 1700000000 0 none a.example:b.example", "abc", NOW,
		    "a.example:b.example", "format 2, no DANE" },
		{ "2 abc 1700000000 1700000600 dane a.example", "abc", NOW,
		    "a.example", "format 2, DANE applies" },
		{ "2 abc 1700000000 0 failed ", "abc", NOW, NULL,
		    "format 2, DANE failed, no names" },
		{ "2 abc 1700000000 0 maybe a.example", "abc", NOW, NULL,
		    "format 2, an unknown DANE word" },
		{ "2 abc 1700000000 x dane a.example", "abc", NOW, NULL,
		    "format 2, refresh time not a number" },
		{ "2 abc 1700000000 0", "abc", NOW, NULL,
		    "format 2, truncated before the DANE word" },
	};
	size_t	i;
	int64_t	at;
	const char *got;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		at = 0;
		got = names_of(t[i].val, t[i].id, t[i].now, &at);
		ok(t[i].want == NULL ? got == NULL :
		    got != NULL && strcmp(got, t[i].want) == 0,
		    "%s: %s", t[i].about, got ? got : "(not answered)");
	}
	got = names_of("1 abc 1699999999 a.example", "zzz", NOW, &at);
	ok(got == NULL && at == 1699999999,
	    "resolved_at is given for a value of another id");
	{
		static const char *const words[] = { "none", "dane", "failed" };
		static const enum mxset_dane want[] = { MXSET_DANE_NONE,
		    MXSET_DANE_APPLIES, MXSET_DANE_FAILED };
		struct mxset_view v;
		char	buf[128];
		int	r;

		for (i = 0; i < 3; i++) {
			snprintf(buf, sizeof(buf), "2 id1 %d 1700000100 %s m.x",
			    NOW, words[i]);
			r = mxset_view(buf, strlen(buf), "id1", NOW, &v);
			ok(r == 1 && v.dane == want[i] &&
			    v.refresh_at == 1700000100 &&
			    strcmp(mxset_dane_name(v.dane), words[i]) == 0,
			    "DANE word %s read back", words[i]);
		}
		snprintf(buf, sizeof(buf), "2 id1 %d 0 dane m.x", NOW);
		r = mxset_view(buf, strlen(buf), "id2", NOW, &v);
		ok(r == 0 && v.dane == MXSET_DANE_NONE,
		    "the DANE state of another policy id is not believed");
	}
	return done_testing();
}
