/*
 * tlsrpt_send_test - the parts of policyd/tlsrpt/tlsrpt_send.c that need no
 * receiver: the mailto: URI check (S8), the report mail's header fields
 * and MIME structure (R10, U08), the retry state (R12) and the delay
 * after the day closes (R7). Delivery itself is tested against real
 * receivers in tests/integration/test_tlsrpt_send.py.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt_send.h"
#include "tap.h"

struct mailto_case {
	const char *uri;
	const char *want;		/* NULL: refused */
};

static const struct mailto_case mailto_cases[] = {
	{ "mailto:tlsrpt@example.com", "tlsrpt@example.com" },
	{ "mailto:tlsrpt%2Bsts@example.com", "tlsrpt+sts@example.com" },
	{ "mailto:r@example.com?subject=x", "r@example.com" },
	{ "mailto:a.b-c_d@mail.example.com", "a.b-c_d@mail.example.com" },
	{ "mailto:", NULL },
	{ "mailto:nobody", NULL },
	{ "mailto:@example.com", NULL },
	{ "mailto:a@b@example.com", NULL },
	{ "mailto:a@example.com%0ABcc:%20x@evil.example", NULL },
	{ "mailto:a@example.com%0D%0A", NULL },
	{ "mailto:a@example.com,b@evil.example", NULL },
	{ "mailto:a@example.com%2Cb@evil.example", NULL },
	{ "mailto:%22a%20b%22@example.com", NULL },
	{ "mailto:a@example.com%00x", NULL },
	{ "mailto:a@example.com%4", NULL },
	{ "mailto:a@exa mple.com", NULL },
	{ "mailto:-t@example.com", "-t@example.com" },
	{ "https://example.com/", NULL },
};

/* test_mailto - S8: only one plain address comes out of a rua */
static void
test_mailto(void)
{
	size_t i;
	char *got;

	for (i = 0; i < sizeof(mailto_cases) / sizeof(mailto_cases[0]); i++) {
		got = tlsrpt_send_mailto_addr(mailto_cases[i].uri);
		is_str(got, mailto_cases[i].want, mailto_cases[i].uri);
		free(got);
	}
}

/* has_line - does msg hold exactly this line? */
static int
has_line(const char *msg, const char *line)
{
	size_t n = strlen(line);
	const char *p = msg;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == msg || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

/* test_mime - R10/U08 header fields and parts */
static void
test_mime(void)
{
	static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 'x' };
	struct tlsrpt_mail m;
	char *msg = NULL, err[256];
	size_t len = 0;
	const char *eoh;

	memset(&m, 0, sizeof(m));
	m.from = "tlsrpt@sender.example";
	m.to = "r@example.net";
	m.org_name = "Org\r\nX-Evil: 1";
	m.policy_domain = "example.net";
	m.submitter = "sender.example";
	m.report_id = "0123abcd@sender.example";
	m.filename = "sender.example!example.net!1459468800!1459555199!"
	    "0123abcd.json.gz";
	m.gz = gz;
	m.gzlen = sizeof(gz);
	m.day_start = 1459468800;
	m.now = 1459500000;
	ok(tlsrpt_send_mime(&m, &msg, &len, err, sizeof(err)) == 0 &&
	    msg != NULL && len == strlen(msg), "report mail builds");
	if (msg == NULL)
		return;
	eoh = strstr(msg, "\n\n");
	ok(eoh != NULL, "header and body are separated");
	ok(has_line(msg, "TLS-Report-Domain: example.net") &&
	    has_line(msg, "TLS-Report-Submitter: sender.example"),
	    "U08 TLS-Report-Domain and TLS-Report-Submitter");
	ok(has_line(msg, "Subject: Report Domain: example.net Submitter: "
	    "sender.example") && has_line(msg, " Report-ID: "
	    "<0123abcd@sender.example>"), "R10 Subject (folded)");
	ok(has_line(msg, "TLS-Required: No") &&
	    has_line(msg, "Auto-Submitted: auto-generated") &&
	    has_line(msg, "MIME-Version: 1.0") &&
	    has_line(msg, "Date: Fri, 01 Apr 2016 08:40:00 +0000") &&
	    has_line(msg, "From: tlsrpt@sender.example") &&
	    has_line(msg, "To: <r@example.net>"), "the other header fields");
	ok(has_line(msg, "Content-Type: multipart/report; "
	    "report-type=\"tlsrpt\";"), "U08 multipart/report report-type=tlsrpt");
	ok(has_line(msg, "Content-Type: text/plain; charset=us-ascii") &&
	    has_line(msg, "Content-Type: application/tlsrpt+gzip;") &&
	    has_line(msg, "Content-Transfer-Encoding: base64") &&
	    has_line(msg, "\tfilename=\"sender.example!example.net!1459468800!"
	    "1459555199!0123abcd.json.gz\""), "R10 parts, base64, file name");
	ok(has_line(msg, "H4sIAAAAAAB4"), "the attachment is base64");
	ok(strstr(msg, "X-Evil") == NULL || !has_line(msg, "X-Evil: 1"),
	    "S8 org name cannot add a header line");
	ok(strchr(msg, '\r') == NULL, "LF line ends for sendmail");
	free(msg);

	m.to = "a@b.example\nBcc: x@evil.example";
	ok(tlsrpt_send_mime(&m, &msg, &len, err, sizeof(err)) == -1,
	    "a recipient with a line break is refused");
	m.to = "r@example.net";
	m.policy_domain = "example.net\nX: y";
	ok(tlsrpt_send_mime(&m, &msg, &len, err, sizeof(err)) == -1,
	    "a policy domain with a line break is refused");
}

/* test_state - R12: back-off, 24 h window, encoding */
static void
test_state(void)
{
	struct tlsrpt_send_state st, back;
	char buf[TLSRPT_STATE_MAX];
	int64_t t0 = 1459555200, now;
	unsigned int fails = 0;

	ok(tlsrpt_send_backoff(1) == 300 && tlsrpt_send_backoff(2) == 600 &&
	    tlsrpt_send_backoff(3) == 1200 && tlsrpt_send_backoff(6) == 9600 &&
	    tlsrpt_send_backoff(7) == TLSRPT_RETRY_MAX &&
	    tlsrpt_send_backoff(1000) == TLSRPT_RETRY_MAX,
	    "R12 exponential back-off, 5 min doubling up to 4 h");

	memset(&st, 0, sizeof(st));
	ok(tlsrpt_send_state_due(&st, t0), "a new state is due");
	now = t0;
	while (tlsrpt_send_state_update(&st, now, 0, "HTTP status 500\n") ==
	    TLSRPT_SEND_PENDING) {
		fails++;
		if (st.next <= now || fails > 100)
			break;
		if (tlsrpt_send_state_due(&st, st.next - 1))
			break;
		now = st.next;
	}
	ok(st.status == TLSRPT_SEND_DROPPED && st.last == t0 +
	    TLSRPT_RETRY_WINDOW, "R12 dropped after the last try at 24 h");
	ok(st.attempts == fails + 1 && st.attempts > 5 && st.attempts < 20,
	    "R12 a bounded number of tries (%u)", st.attempts);
	ok(strcmp(st.error, "HTTP status 500 ") == 0,
	    "the error is kept on one line");
	ok(!tlsrpt_send_state_due(&st, now + 1000000), "dropped is never due");

	memset(&st, 0, sizeof(st));
	(void)tlsrpt_send_state_update(&st, t0, 0, "refused");
	ok(st.status == TLSRPT_SEND_PENDING && st.next == t0 + 300 &&
	    !tlsrpt_send_state_due(&st, t0 + 299) &&
	    tlsrpt_send_state_due(&st, t0 + 300), "next try after 5 min");
	ok(tlsrpt_send_state_update(&st, t0 + 300, 1, NULL) == TLSRPT_SEND_SENT &&
	    st.error[0] == '\0' && st.attempts == 2 &&
	    !tlsrpt_send_state_due(&st, t0 + 100000), "sent is final");

	ok(tlsrpt_send_state_encode(&st, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "1 sent 2 1459555200 1459555500 1459555500 ") == 0,
	    "state text form");
	memset(&st, 0, sizeof(st));
	(void)tlsrpt_send_state_update(&st, t0, 0, "exit status 75");
	ok(tlsrpt_send_state_encode(&st, buf, sizeof(buf)) == 0 &&
	    tlsrpt_send_state_decode(buf, strlen(buf), &back) == 0 &&
	    memcmp(&st, &back, sizeof(st)) == 0, "state round trip");
	ok(tlsrpt_send_state_decode("1 lost 1 2 3 4 x", 16, &back) == -1 &&
	    tlsrpt_send_state_decode("2 sent 1 2 3 4", 14, &back) == -1 &&
	    tlsrpt_send_state_decode("1 sent x", 8, &back) == -1 &&
	    tlsrpt_send_state_decode("", 0, &back) == -1,
	    "malformed states are refused");
}

/* test_delay - R7: 0..delay_max, stable, spread */
static void
test_delay(void)
{
	int64_t a, b, c;

	a = tlsrpt_send_delay("0123456789abcdef0123456789abcdef", 14400);
	b = tlsrpt_send_delay("0123456789abcdef0123456789abcdef", 14400);
	c = tlsrpt_send_delay("fedcba98765432100123456789abcdef", 14400);
	ok(a == b && a >= 0 && a <= 14400, "R7 delay in range and stable");
	ok(a != c, "different reports, different delays");
	ok(tlsrpt_send_delay("ffffffffffffffff", 0) == 0,
	    "no delay when tlsrpt_delay_max is 0");
}

int
main(void)
{
	test_mailto();
	test_mime();
	test_state();
	test_delay();
	return done_testing();
}
