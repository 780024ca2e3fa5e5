/*
 * log_test - table-driven tests of log_oneline (common/log.c), the guard
 * that keeps text from peers (SMTP replies, HTTP errors, DNS data) from
 * forging log lines or carrying raw bytes into logs and control replies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tap.h"

struct oneline_case {
	const char *name;
	const char *in;		/* formatted with "%s" */
	size_t	bufsz;
	const char *want;
};

static const struct oneline_case oneline_cases[] = {
	{ "plain text unchanged", "250 ok", 64, "250 ok" },
	{ "empty stays empty", "", 64, "" },
	{ "trailing CRLF dropped", "421 bye\r\n", 64, "421 bye" },
	{ "trailing spaces and LFs dropped", "x  \n\n \r", 64, "x" },
	{ "only CR/LF/space: empty", "\r\n \r\n", 64, "" },
	{ "inner LF cannot start a forged line",
	    "550 no\nmtasts-policyd: lookup ok", 64,
	    "550 no mtasts-policyd: lookup ok" },
	{ "inner CR made a space", "a\rb", 64, "a b" },
	{ "TAB, ESC, BEL, 0x01 made spaces", "a\tb\033[31mc\007d\001", 64,
	    "a b [31mc d" },
	{ "DEL made '?'", "a\177b", 64, "a?b" },
	{ "8-bit bytes made '?'", "caf\303\251 \377", 64, "caf?? ?" },
	{ "control before trailing CRLF", "a\001\r\n", 64, "a" },
	{ "long input cut at bufsz-1", "0123456789abcdef", 8, "0123456" },
	{ "cut inside a CRLF: the CR is dropped", "abcdef\r\n", 8, "abcdef" },
	{ "cut leaves a control char last", "abcdef\001xyz", 8, "abcdef" },
	{ "bufsz 1 gives the empty string", "abc", 1, "" },
};

/* test_oneline - each case into a buffer of exactly bufsz bytes. */
static void
test_oneline(void)
{
	const struct oneline_case *c;
	size_t	i;
	char   *buf;

	for (i = 0; i < sizeof(oneline_cases) / sizeof(oneline_cases[0]);
	    i++) {
		c = &oneline_cases[i];
		if ((buf = malloc(c->bufsz)) == NULL)
			abort();
		memset(buf, 'Z', c->bufsz);
		log_oneline(buf, c->bufsz, "%s", c->in);
		is_str(buf, c->want, c->name);
		free(buf);
	}
}

/* test_every_byte - no byte but 0x20..0x7e survives, for all 255 of them. */
static void
test_every_byte(void)
{
	char	in[257], buf[300];
	size_t	i, bad = 0;
	int	c;

	for (c = 1; c < 256; c++)
		in[c - 1] = (char)c;
	in[255] = 'e';		/* so trailing-space trimming keeps all */
	in[256] = '\0';
	log_oneline(buf, sizeof(buf), "%s", in);
	ok(strlen(buf) == 256, "all 255 bytes give 256 characters (got %zu)",
	    strlen(buf));
	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 ||
		    (unsigned char)buf[i] >= 0x7f)
			bad++;
	ok(bad == 0, "no control or 8-bit byte left (%zu found)", bad);
	ok(buf[0x41 - 1] == 'A' && buf[0x7e - 1] == '~',
	    "printable ASCII kept as is");
}

/* test_nul - a NUL in peer data ends the text; nothing after it leaks. */
static void
test_nul(void)
{
	static const char in[] = "250 ok\0\nforged line";
	char	buf[64];

	log_oneline(buf, sizeof(buf), "%.*s", (int)(sizeof(in) - 1), in);
	is_str(buf, "250 ok", "NUL inside %.*s input ends the line");
	log_oneline(buf, sizeof(buf), "reply '%s' from %s", "a\r\nb", "mx");
	is_str(buf, "reply 'a  b' from mx",
	    "format arguments are cleaned, the format text kept");
}

/* test_no_buffer - NULL or zero-size buffers: nothing is written. */
static void
test_no_buffer(void)
{
	char	buf[4] = "abc";

	log_oneline(buf, 0, "%s", "xyz");
	is_str(buf, "abc", "bufsz 0 leaves the buffer untouched");
	log_oneline(NULL, 10, "%s", "xyz");
	ok(1, "NULL buffer: returns without writing (can only fail by "
	    "crashing)");
}

/* main - run every table. */
int
main(void)
{
	test_oneline();
	test_every_byte();
	test_nul();
	test_no_buffer();
	return done_testing();
}
