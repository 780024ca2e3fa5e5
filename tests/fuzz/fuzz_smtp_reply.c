/*
 * fuzz_smtp_reply - libFuzzer target for the SMTP reply parser the MX
 * probe uses (common/net/smtp_reply.c): what a hostile MX sends.
 *
 * The input is split into lines at '\n' (a '\r' before it dropped, as
 * probe.c does); each line, in a heap buffer of exactly its length so
 * ASan sees any read past it, is fed to smtp_reply_line() until a reply
 * ends or is refused, then a new reply starts. Invariants, checked with
 * abort(): a reply's code is 200-599 and its text is NUL-terminated,
 * within SMTP_REPLY_MAX and SMTP_REPLY_LINES; the greeting name is
 * printable.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_reply.h"

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* fuzz_check - the invariants of a reply that was accepted so far. */
static void
fuzz_check(const struct smtp_reply *rp)
{
	char	name[300];
	size_t	i;

	if (rp->code < 200 || rp->code > 599 || rp->nlines == 0 ||
	    rp->nlines > SMTP_REPLY_LINES || rp->len > SMTP_REPLY_MAX ||
	    rp->text[rp->len] != '\0')
		abort();
	name[0] = '\0';
	smtp_reply_greeting_name(rp, name, sizeof(name));
	for (i = 0; name[i] != '\0'; i++)
		if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] >= 0x7f)
			abort();
	(void)smtp_reply_has_keyword(rp, "STARTTLS");
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct smtp_reply rp;
	const uint8_t *p = d, *end = d + n, *nl;
	char   *line;
	size_t	len;
	int	r;

	smtp_reply_init(&rp);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if ((line = malloc(len ? len : 1)) == NULL)
			return 0;
		memcpy(line, p, len);
		r = smtp_reply_line(&rp, line, len);
		free(line);
		if (r >= 0)
			fuzz_check(&rp);
		if (r != 0)
			smtp_reply_init(&rp);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}
