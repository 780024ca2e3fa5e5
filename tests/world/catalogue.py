#!/usr/bin/python3
#
# catalogue.py - the default domains of the test world and what a correct
# MTA-STS client must make of each.
#
# SYNOPSIS
#	from catalogue import catalogue, ok_answer, base_policy
#	for case in catalogue(): case.domain, case.ids, case.expect ...
#	/usr/bin/python3 catalogue.py		# prints a table
#
# DESCRIPTION
#	Each Case is one policy domain of the world with the checklist ids it
#	exercises (RFC-CHECKLIST sections 1-4), how it is published (TXT RRs,
#	extra DNS records and behaviours, policy body, HTTP behaviour,
#	certificate kind) and the expectation seen through the socketmap:
#	  answer	exact socketmap reply for map "sts"
#	  requests	HTTP requests the lookup must cause (None: not checked)
#	  tls		True: a TLS handshake must have been attempted
#	  show		fields the control "show" must report (mode, max_age, id)
#	  no_fetch	other domains whose policy host must see no request
#	  slow		the case takes up to fetch_timeout/lookup_wait
#	  needs_v6	the policy host is reachable over IPv6 only
#	A case whose TXT record is invalid still has a valid policy host: a
#	client that wrongly accepted the record would fetch it and answer OK.
#	Likewise failure statuses and wrong media types carry a valid policy
#	body, so only the status or header can make the client refuse.
#
#	mx_catalogue() lists the MxCase domains (RFC-CHECKLIST E2-E10, R1):
#	each has a valid policy (id "mx1", mode enforce unless said
#	otherwise, mx patterns policy_mx), MX records (pref, host), SMTP MX
#	peers with a world.MX_BEHAVIOURS behaviour each, optionally a
#	_smtp._tls record, and what a probe of each host must report
#	(probe_result_name() of common/net/probe.h): expect {host: result}.
#	in_policy(host) says whether the host matches the policy (E2).
#
#	dane_catalogue() lists the DaneCase domains of issue 10 (D1-D8):
#	MTA-STS domains, most inside the DNSSEC-signed zone SIGNED_ZONE,
#	whose MX hosts publish TLSA RRs at _25._tcp.HOST made from the
#	world's certificates at world start (source "leaf": the host's own
#	certificate, "ca": the test CA, "rogue": the rogue CA, which no MX
#	uses), some with broken signatures (bogus: "NAME/TYPE" keys). The
#	expectation per host: tlsa, what a validating resolver makes of
#	the TLSA lookup ("secure", "bogus", "nxdomain" for a secure denial,
#	"insecure"), mx the DNSSEC status of the domain's MX RRset, dane
#	the probe result when DANE is required with that TLSA answer, and
#	webpki the probe result without DANE.
#
import sys

ID = "cat1"


def ok_answer(domain, mx=None):
	"""ok_answer - the socketmap reply for an enforce policy."""
	if mx is None:
		mx = ["mail." + domain]
	return "OK secure match=%s servername=hostname" % ":".join(mx)


NOTFOUND = "NOTFOUND "

# format.test: its MX RRset (mixed case, a host the policy does not list,
# a duplicate), the answer that names the listed hosts by preference, and
# the answer from the policy's patterns (match_mx_names = no).
FORMAT_MX = [["MX", [30, "mx2.format.test"]], ["MX", [10, "Mail.Format.TEST"]],
    ["MX", [20, "a.backup.format.test"]], ["MX", [25, "other.test"]],
    ["MX", [40, "mail.format.test"]]]
FORMAT_ANSWER = "OK secure match=mail.format.test:a.backup.format.test:" \
    "mx2.format.test servername=hostname"
FORMAT_PATTERNS = "OK secure match=mail.format.test:.backup.format.test:" \
    "mx2.format.test servername=hostname"


def base_policy(domain, mode="enforce", mx=None, max_age=86400, nl="\n"):
	"""base_policy - B of the checklist for domain (mx: mail.DOMAIN)."""
	if mx is None:
		mx = ["mail." + domain]
	lines = ["version: STSv1", "mode: " + mode]
	lines += ["mx: " + m for m in mx]
	lines.append("max_age: %d" % max_age)
	return nl.join(lines) + nl


class Case:
	"""Case - one catalogue domain."""

	def __init__(self, domain, ids, about, txt=None, policy=True, host=None,
	    cert="valid", dns=None, behaviour=None, answer=None, requests=1,
	    tls=None, show=None, no_fetch=(), slow=False, needs_v6=False):
		self.domain = domain
		self.ids = list(ids)
		self.about = about
		# txt: list of RRs (str, or list of str for one multi-string RR);
		# None = no _mta-sts record at all.
		self.txt = txt
		if policy is True:
			policy = base_policy(domain)
		self.policy = policy		# None: no policy host
		self.host = dict(host or {})
		self.cert = cert
		self.dns = dict(dns or {})	# name -> [[TYPE, DATA], ...]
		self.behaviour = dict(behaviour or {})
		self.answer = answer if answer is not None else \
		    ok_answer(domain)
		self.requests = requests
		self.tls = tls
		self.show = dict(show or {})
		self.no_fetch = list(no_fetch)
		self.slow = slow
		self.needs_v6 = needs_v6	# the world must serve HTTPS on ::1

	@property
	def name(self):
		return "%s-%s" % ("+".join(self.ids), self.domain)

	def __repr__(self):
		return "Case(%s)" % self.name


def _txt(domain, ids, about, rr, valid, **kw):
	"""_txt - a TXT-record case (valid policy host behind it)."""
	if not valid:
		kw.setdefault("answer", NOTFOUND)
		kw.setdefault("requests", 0)
		kw.setdefault("tls", False)
	rrs = rr if isinstance(rr, list) else [rr]
	return Case(domain, ids, about, txt=rrs, **kw)


def _pol(domain, ids, about, body, valid, **kw):
	"""_pol - a policy-body case (valid TXT record in front of it)."""
	if not valid:
		kw.setdefault("answer", NOTFOUND)
	if callable(body):
		body = body(domain)
	return Case(domain, ids, about, txt=["v=STSv1; id=" + ID],
	    policy=body, **kw)


def _bad(mx_line):
	"""_bad - B with a valid mx and one more (invalid) mx line."""
	def make(d):
		return "version: STSv1\nmode: enforce\nmx: mail.%s\n%s\n" \
		    "max_age: 86400\n" % (d, mx_line.replace("D", d))
	return make


def _lines(*lines, nl="\n", end=True):
	"""_lines - a body from lines (D is replaced by the domain)."""
	def make(d):
		return nl.join(x.replace("D", d) for x in lines) + \
		    (nl if end else "")
	return make


def catalogue():
	"""catalogue - the list of Case objects (fresh each call)."""
	c = []
	T = "v=STSv1; id="

	# 1. TXT discovery (X01-X20, T1-T10)
	c.append(_txt("enforce.test", ["X01", "T1", "F1", "F2", "F3", "C1"],
	    "RFC sample record, valid enforce policy",
	    "v=STSv1; id=20160831085700Z;", True,
	    show={"mode": "enforce", "max_age": 86400,
	    "id": "20160831085700Z", "mx": ["mail.enforce.test"]}))
	c.append(_txt("x02-compact.test", ["X02"], "no space after ;",
	    "v=STSv1;id=abc", True, show={"id": "abc"}))
	c.append(_txt("x03-wsp.test", ["X03"], "HTAB/SP around ; and trailing",
	    "v=STSv1;\tid=abc ; ", True, show={"id": "abc"}))
	c.append(_txt("x04-no-delim.test", ["X04"], "v=STSv1 without ;",
	    "v=STSv1", False))
	c.append(_txt("x05-no-field.test", ["X05"], "no field after v=",
	    "v=STSv1;", False))
	c.append(_txt("x05-empty-id.test", ["X05"], "empty id",
	    "v=STSv1; id=", False))
	c.append(_txt("x06-id32.test", ["X06", "T7"], "id of 32 alnum",
	    T + "A1b2" * 8, True, show={"id": "A1b2" * 8}))
	c.append(_txt("x06-id33.test", ["X06"], "id of 33 alnum",
	    T + "A1b2" * 8 + "c", False))
	c.append(_txt("x07-dash-id.test", ["X07", "T7"], "- in id",
	    T + "abc-123", False))
	for dom, rr in (("x08-upper-v.test", "V=STSv1; id=a"),
	    ("x08-lower-version.test", "v=stsv1; id=a"),
	    ("x08-stsv10.test", "v=STSv10; id=a"),
	    ("x08-leading-space.test", " v=STSv1; id=a"),
	    ("x08-id-first.test", "id=a; v=STSv1")):
		c.append(_txt(dom, ["X08", "T4"], "prefix is not v=STSv1;",
		    rr, False))
	c.append(_txt("x09-upper-id.test", ["X09", "T9"], "ID= is no sts-id",
	    "v=STSv1; ID=abc", False))
	c.append(_txt("x10-spf.test", ["X10", "T4"], "non-STS RR dropped",
	    [T + "abc", "v=spf1 -all"], True, show={"id": "abc"}))
	c.append(_txt("two-records.test", ["X11", "T5"], "two STS records",
	    [T + "abc", T + "def"], False))
	c.append(_txt("x12-junk.test", ["X12", "T5"], "valid + junk STS RR",
	    [T + "abc", "v=STSv1; junk"], False))
	c.append(_txt("x13-space-delim.test", ["X13"], "v=STSv1 ; (EID 6285)",
	    "v=STSv1 ; id=abc", False))
	c.append(_txt("multistring.test", ["X14", "T3"],
	    "one RR of two strings", [["v=STSv1; id=ab", "c123"]], True,
	    show={"id": "abc123"}))
	c.append(_txt("x15-ext.test", ["X15", "T8"], "extension ignored",
	    T + "abc; ext=val", True))
	c.append(_txt("x16-ext-eq.test", ["X16", "T6"], "= in ext value",
	    T + "abc; ext=a=b", False))
	c.append(_txt("x17-ext-space.test", ["X17", "T6"], "space in ext value",
	    T + "abc; ext=a b", False))
	c.append(_txt("x18-dup-id.test", ["X18", "T9"], "first id wins",
	    T + "abc; id=def", True, show={"id": "abc"}))
	c.append(Case("cname.test", ["X19", "T2"],
	    "_mta-sts CNAME to a provider", txt=None,
	    dns={"_mta-sts.cname.test": [["CNAME",
	    "_mta-sts.provider.example"]]}, show={"id": "p1"}))
	c.append(Case("cname-chain.test", ["T2"], "two CNAME hops", txt=None,
	    dns={"_mta-sts.cname-chain.test": [["CNAME",
	    "_mta-sts.hop1.test"]],
	    "_mta-sts.hop1.test": [["CNAME", "_mta-sts.hop2.example"]],
	    "_mta-sts.hop2.example": [["TXT", ["v=STSv1; id=chain2"]]]},
	    show={"id": "chain2"}))
	c.append(Case("delegated.test", ["F10", "X19"],
	    "TXT and policy host CNAMEd to a provider, cert for "
	    "mta-sts.delegated.test", txt=None,
	    dns={"_mta-sts.delegated.test": [["CNAME",
	    "_mta-sts.provider.example"]]}, host={"cname":
	    "mta-sts.provider.example"}, show={"id": "p1"}))
	c.append(Case("delegated-badcert.test", ["F10", "Y28"],
	    "delegated, provider presents its own name only", txt=None,
	    dns={"_mta-sts.delegated-badcert.test": [["CNAME",
	    "_mta-sts.provider.example"]]}, host={"cname":
	    "mta-sts.provider.example"}, cert="provider", answer=NOTFOUND,
	    requests=0, tls=True))
	c.append(Case("nxdomain.test", ["X20", "T10"], "no _mta-sts name",
	    txt=None, answer=NOTFOUND, requests=0, tls=False))
	c.append(Case("nodata.test", ["T10"], "_mta-sts exists without TXT",
	    txt=None, dns={"_mta-sts.nodata.test": [["A", "127.0.0.1"]]},
	    answer=NOTFOUND, requests=0, tls=False))
	c.append(_txt("servfail.test", ["T10"], "SERVFAIL for _mta-sts",
	    T + "abc", False,
	    behaviour={"_mta-sts.servfail.test": "servfail"}))
	c.append(_txt("timeout.test", ["T10"], "_mta-sts never answers",
	    T + "abc", False, behaviour={"_mta-sts.timeout.test": "timeout"},
	    slow=True))
	c.append(_txt("spf-only.test", ["T4"], "only a non-STS TXT",
	    "v=spf1 -all", False))
	c.append(_txt("txt-utf8.test", ["T4", "S5"], "non-ASCII in the record",
	    T + "abc; x=b\u00e4r", False))
	c.append(_txt("txt-nul.test", ["T4", "S5"], "NUL in the record",
	    T + "abc\u0000", False))
	c.append(Case("sub.enforce.test", ["F11"],
	    "subdomain of a policy domain, no record of its own", txt=None,
	    policy=None, answer=NOTFOUND, requests=0, tls=False,
	    no_fetch=["enforce.test"]))

	# 2./3. policy fetch and syntax (F1-F11, P1-P10, Y01-Y28)
	B = base_policy
	c.append(_pol("y01-crlf.test", ["Y01", "P3"], "CRLF",
	    lambda d: B(d, nl="\r\n"), True))
	c.append(_pol("y01-lf-noterm.test", ["Y01", "P3"],
	    "LF, no final terminator", lambda d: B(d).rstrip("\n"), True))
	c.append(_pol("y01-mixed.test", ["Y01", "P3"], "LF and CRLF mixed",
	    _lines("version: STSv1\r", "mode: enforce", "mx: mail.D\r",
	    "max_age: 86400"), True))
	c.append(_pol("y02-order.test", ["Y02", "P5"], "fields reversed",
	    _lines("max_age: 86400", "mx: mail.D", "mode: enforce",
	    "version: STSv1"), True))
	c.append(_pol("none-mode.test", ["Y03", "C7"], "mode none, no mx",
	    _lines("version: STSv1", "mode: none", "max_age: 86400"), False,
	    show={"mode": "none", "mx": []}))
	c.append(_pol("y04-enforce-no-mx.test", ["Y04", "P1", "W08"],
	    "enforce without mx",
	    _lines("version: STSv1", "mode: enforce", "max_age: 86400"),
	    False))
	c.append(_pol("y05-no-version.test", ["Y05", "P1"], "no version",
	    _lines("mode: enforce", "mx: mail.D", "max_age: 86400"), False))
	c.append(_pol("y05-no-mode.test", ["Y05", "P1"], "no mode",
	    _lines("version: STSv1", "mx: mail.D", "max_age: 86400"), False))
	c.append(_pol("y05-no-max-age.test", ["Y05", "P1"], "no max_age",
	    _lines("version: STSv1", "mode: enforce", "mx: mail.D"), False))
	c.append(_pol("y06-stsv2.test", ["Y06", "P2"], "version: STSv2",
	    lambda d: B(d).replace("STSv1", "STSv2"), False))
	c.append(_pol("y06-lower.test", ["Y06", "P2"], "version: stsv1",
	    lambda d: B(d).replace("STSv1", "stsv1"), False))
	c.append(_pol("y07-mode-value-case.test", ["Y07", "P2"],
	    "mode: Enforce",
	    lambda d: B(d).replace("mode: enforce", "mode: Enforce"), False))
	c.append(_pol("y08-mode-key-case.test", ["Y08", "P2"],
	    "Mode: enforce",
	    lambda d: B(d).replace("mode: enforce", "Mode: enforce"), False))
	c.append(_pol("y09-no-space.test", ["Y09", "P4"], "mode:enforce",
	    lambda d: B(d).replace("mode: enforce", "mode:enforce"), True))
	c.append(_pol("y09-tab.test", ["Y09", "P4"], "mode:<TAB> enforce",
	    lambda d: B(d).replace("mode: enforce", "mode:\t enforce"), True))
	c.append(_pol("y09-trailing-space.test", ["Y09", "P4"],
	    "mode: enforce<SP><SP>",
	    lambda d: B(d).replace("mode: enforce", "mode: enforce  "), True))
	c.append(_pol("y10-space-before-colon.test", ["Y10", "P4"],
	    "mode : enforce",
	    lambda d: B(d).replace("mode: enforce", "mode : enforce"), False))
	c.append(_pol("y10-leading-space.test", ["Y10", "P4"],
	    "<SP>mode: enforce",
	    lambda d: B(d).replace("mode: enforce", " mode: enforce"), False))
	c.append(_pol("y11-blank-lines.test", ["Y11", "P4"],
	    "empty and white-space lines",
	    _lines("version: STSv1", "", "mode: enforce", " \t ",
	    "mx: mail.D", "max_age: 86400", "", "  "), True))
	c.append(_pol("y12-dup-mode.test", ["Y12", "P6"],
	    "mode testing then enforce",
	    _lines("version: STSv1", "mode: testing", "mx: mail.D",
	    "mode: enforce", "max_age: 86400"), False,
	    show={"mode": "testing"}))
	c.append(_pol("y13-dup-max-age.test", ["Y13", "P6"],
	    "max_age 86400 then 1",
	    lambda d: B(d) + "max_age: 1\n", True, show={"max_age": 86400}))
	c.append(_pol("y14-max-age-cap.test", ["Y14", "P8"], "max_age 31557600",
	    lambda d: B(d, max_age=31557600), True,
	    show={"max_age": 31557600}))
	c.append(_pol("y14-leading-zero.test", ["Y14"], "max_age 0086400",
	    lambda d: B(d).replace("86400", "0086400"), True,
	    show={"max_age": 86400}))
	c.append(_pol("y15-clamp.test", ["Y15", "P10"], "max_age 31557601",
	    lambda d: B(d, max_age=31557601), True,
	    show={"max_age": 31557600}))
	c.append(_pol("y15-ten-digits.test", ["Y15", "P10"],
	    "max_age 9999999999", lambda d: B(d, max_age=9999999999), True,
	    show={"max_age": 31557600}))
	for dom, v in (("y16-eleven-digits.test", "10000000000"),
	    ("y16-negative.test", "-1"), ("y16-fraction.test", "1.5"),
	    ("y16-empty.test", "")):
		c.append(_pol(dom, ["Y16", "P8"], "max_age " + (v or "empty"),
		    (lambda v: lambda d: B(d).replace("max_age: 86400",
		    ("max_age: " + v).rstrip()))(v), False))
	c.append(_pol("y17-ext.test", ["Y17", "P5"], "unknown keys",
	    lambda d: B(d) + "foo: bar baz\nx_y.z: b\u00e4r\n", True))
	c.append(_pol("y18-long-key.test", ["Y18"], "extension key 33 chars",
	    lambda d: B(d) + "a" * 33 + ": x\n", False))
	c.append(_pol("y18-hash-key.test", ["Y18"], "key #comment",
	    lambda d: B(d) + "#comment: x\n", False))
	for dom, mx in (("y19-double-wild.test", "mx: *.*.D"),
	    ("y19-mid-wild.test", "mx: mail.*.D"),
	    ("y19-star.test", "mx: *"),
	    ("y19-star-prefix.test", "mx: *D"),
	    ("y19-dot-prefix.test", "mx: .D")):
		c.append(_pol(dom, ["Y19", "P7"], mx, _bad(mx), False))
	for dom, mx in (("y20-underscore.test", "mx: mail_1.D"),
	    ("y20-leading-dash.test", "mx: -a.D"),
	    ("y20-trailing-dot.test", "mx: mail.D.")):
		c.append(_pol(dom, ["Y20", "P7"], mx, _bad(mx), False))
	c.append(_pol("y21-ulabel.test", ["Y21", "P7"], "mx: b\u00fccher.example",
	    _bad("mx: b\u00fccher.example"), False))
	c.append(_pol("y21-alabel.test", ["Y21", "P7"],
	    "mx: xn--bcher-kva.example",
	    lambda d: B(d, mx=["xn--bcher-kva.example"]), True,
	    answer=ok_answer("", mx=["xn--bcher-kva.example"])))
	c.append(_pol("y22-comma.test", ["Y22", "P7"], "two names on one line",
	    _bad("mx: a.D, b.D"), False))
	c.append(_pol("y23-empty.test", ["Y23"], "empty body", "", False))
	c.append(_pol("y23-bare-cr.test", ["Y23", "P3"], "CR terminators",
	    lambda d: B(d, nl="\r"), False))
	c.append(_pol("y23-bom.test", ["Y23"], "UTF-8 BOM",
	    lambda d: "\ufeff" + B(d), False))
	c.append(_pol("testing.test", ["E6", "E1"], "mode testing",
	    lambda d: B(d, mode="testing"), False,
	    show={"mode": "testing"}))
	c.append(_pol("y24-charset.test", ["Y24", "F6"],
	    "text/plain; charset=iso-8859-1", B, True,
	    host={"content_type": "text/plain; charset=iso-8859-1"}))
	c.append(_pol("y24-type-case.test", ["Y24", "F6"], "Text/Plain", B, True,
	    host={"content_type": "Text/Plain"}))
	c.append(_pol("y24-params.test", ["Y24", "F6"], "extra parameters",
	    B, True, host={"content_type":
	    "text/plain; charset=utf-8; format=flowed"}))
	c.append(_pol("html.test", ["Y25", "F6"], "text/html", B, False,
	    host={"content_type": "text/html"}))
	c.append(_pol("no-ctype.test", ["Y25", "F6"], "no Content-Type", B,
	    False, host={"content_type": None}))
	c.append(_pol("redirect-target.test", ["F4"],
	    "where the redirects point (valid)", B, True))
	target = "https://mta-sts.redirect-target.test/.well-known/mta-sts.txt"
	for dom, st in (("redirect.test", 301), ("redirect-302.test", 302),
	    ("redirect-307.test", 307), ("redirect-308.test", 308)):
		c.append(_pol(dom, ["Y26", "F4", "S3"], "%d to a valid policy" %
		    st, B, False, host={"status": st, "location": target},
		    no_fetch=["redirect-target.test"]))
	c.append(_pol("redirect-http.test", ["Y26", "S4"],
	    "302 to http:// on loopback", B, False,
	    host={"status": 302, "location":
	    "http://127.0.0.1/.well-known/mta-sts.txt"}))
	for st in (201, 204, 206, 304, 404, 500):
		c.append(_pol("status-%d.test" % st, ["Y26", "F4"] +
		    (["W08", "F9"] if st == 404 else []),
		    "status %d" % st, B, False, host={"status": st}))
	c.append(_pol("oversize.test", ["Y27", "F7", "S5"], "65537-byte body",
	    B, False, host={"pad_to": 65537}))
	c.append(_pol("exact-64k.test", ["F7"], "65536-byte body", B, True,
	    host={"pad_to": 65536}))
	c.append(_pol("slow.test", ["Y27", "F7"],
	    "body trickles for 8 s (> fetch_timeout)", B, False,
	    host={"behaviour": "slow", "delay": 8}, slow=True))
	c.append(_pol("hang.test", ["F7"], "request never answered", B, False,
	    host={"behaviour": "hang", "delay": 30}, slow=True))
	c.append(_pol("hang-tls.test", ["F7"], "TLS handshake stalls", B, False,
	    host={"behaviour": "hang-tls", "delay": 8}, requests=0, slow=True))
	c.append(_pol("close.test", ["F4"], "connection closed, no response",
	    B, False, host={"behaviour": "close"}))
	c.append(_pol("ipv6-only.test", ["F1"],
	    "policy host has only an AAAA record (::1)", B, True,
	    host={"aaaa": "::1"}, needs_v6=True))
	c.append(_pol("host-nxdomain.test", ["W08", "F9"],
	    "policy host name does not exist", B, False, requests=0,
	    tls=False, behaviour={"mta-sts.host-nxdomain.test": "nxdomain"}))
	c.append(_pol("host-timeout.test", ["W08", "F7"],
	    "policy host address lookup never answers", B, False, requests=0,
	    tls=False, behaviour={"mta-sts.host-timeout.test": "timeout"},
	    slow=True))
	for dom, kind, ids, about in (
	    ("expired-cert.test", "expired", ["Y28", "F2"], "expired"),
	    ("notyet-cert.test", "notyet", ["F2"], "not yet valid"),
	    ("cn-only.test", "cn-only", ["Y28", "F2"], "CN only, no SAN"),
	    ("mismatch.test", "mismatch", ["F2"], "SAN for another name"),
	    ("rogue-ca.test", "rogue", ["F2"], "signed by an untrusted CA"),
	    ("provider-cert.test", "provider", ["Y28", "F10"],
	    "cert for mta-sts.provider.example only"),
	    ("deep.wild.test", "wildcard-parent", ["F2", "S7"],
	    "*.wild.test does not cover mta-sts.deep.wild.test"),
	    ("partial-wild.test", "partial-wildcard", ["F2"],
	    "partial wildcard mta-*.partial-wild.test")):
		c.append(_pol(dom, ids, about, B, False, cert=kind,
		    requests=0, tls=True))
	c.append(_pol("wild.test", ["F2"], "*.wild.test covers mta-sts.wild.test",
	    B, True, cert="wildcard"))

	# reply format (DESIGN §4) and HTTP caching headers
	c.append(_pol("format.test", ["E2", "SM-FORMAT"],
	    "the MX hosts the policy lists, lower-cased, by preference, "
	    "duplicates and unlisted hosts left out",
	    _lines("version: STSv1", "mode: enforce", "mx: Mail.Format.TEST",
	    "mx: *.Backup.format.test", "mx: mail.format.test",
	    "mx: mx2.format.test", "max_age: 86400"), True,
	    dns={"format.test": FORMAT_MX}, answer=FORMAT_ANSWER,
	    show={"mx": ["Mail.Format.TEST", "*.Backup.format.test",
	    "mail.format.test", "mx2.format.test"]}))
	c.append(_pol("tlsrpt.test", ["SM-TLSRPT"], "sts-tlsrpt attributes",
	    _lines("mode: enforce", "version: STSv1", "max_age: 86400",
	    "mx: mail.D", "mx: *.D", "foo: bar baz", "brace: a{b}"), True,
	    answer=ok_answer("", mx=["mail.tlsrpt.test"])))
	c.append(_pol("etag.test", ["W12", "F5"],
	    "Cache-Control max-age=60, ETag, Expires: policy max_age rules",
	    lambda d: B(d, max_age=604800), True, show={"max_age": 604800},
	    host={"headers": [["Cache-Control", "max-age=60"],
	    ["ETag", "\"v1\""], ["Expires", "Thu, 01 Jan 1970 00:00:00 GMT"],
	    ["Last-Modified", "Thu, 01 Jan 1970 00:00:00 GMT"],
	    ["Age", "100"]]}))
	return c


class MxCase:
	"""MxCase - one domain with SMTP MX peers."""

	def __init__(self, domain, ids, about, hosts, mx=None, policy_mx=None,
	    mode="enforce", tlsrpt=None, expect=None, addrs=None, id="mx1"):
		self.domain = domain
		self.ids = list(ids)
		self.about = about
		self.hosts = dict(hosts)	# host -> behaviour
		# MX RRs: (pref, host); default one MX 10 per host
		if mx is None:
			mx = [(10 * (i + 1), h) for i, h in enumerate(self.hosts)]
		self.mx = list(mx)
		self.policy_mx = list(policy_mx) if policy_mx is not None else \
		    [h for _, h in self.mx if h != "."]
		self.mode = mode
		self.tlsrpt = tlsrpt		# list of TXT RRs, or None
		self.expect = dict(expect or {})	# host -> probe result
		# host -> A records instead of the behaviour's address;
		# "@addr" is the world's address, "@dead" one nobody serves
		self.addrs = dict(addrs or {})
		self.id = id

	def in_policy(self, host):
		"""in_policy - does host match one of the policy's mx (E2)?"""
		host = host.lower()
		for p in self.policy_mx:
			p = p.lower()
			if p.startswith("*."):
				if "." in host and host.split(".", 1)[1] == p[2:] \
				    and host.split(".", 1)[0]:
					return True
			elif p == host:
				return True
		return False

	@property
	def name(self):
		return "%s-%s" % ("+".join(self.ids), self.domain)

	def __repr__(self):
		return "MxCase(%s)" % self.name


def _rpt(domain):
	"""_rpt - a TLS-RPT record for domain (RFC 8460 §3)."""
	return ["v=TLSRPTv1; rua=mailto:tlsrpt@%s" % domain]


def mx_catalogue():
	"""mx_catalogue - the list of MxCase objects (fresh each call)."""
	c = []

	def one(domain, ids, about, behaviour, result, tlsrpt=False, **kw):
		host = "mx." + domain
		c.append(MxCase(domain, ids, about, {host: behaviour},
		    expect={host: result}, tlsrpt=_rpt(domain) if tlsrpt
		    else None, **kw))

	one("mx-good.test", ["E3", "E4", "R1"], "STARTTLS, test-CA "
	    "certificate naming the MX", "good", "success", tlsrpt=True)
	one("mx-nostarttls.test", ["E3", "E4", "E10"], "no STARTTLS in EHLO",
	    "nostarttls", "starttls-not-supported", tlsrpt=True)
	one("mx-starttls-refused.test", ["E3", "E10"],
	    "STARTTLS offered, 454 to the command", "starttls-refused",
	    "starttls-not-supported")
	one("mx-badname.test", ["E3", "E10"], "certificate for mx.other.test",
	    "badname", "certificate-host-mismatch", tlsrpt=True)
	one("mx-cnonly.test", ["E3", "E10"], "MX name in the CN only, no SAN",
	    "cnonly", "certificate-host-mismatch")
	one("mx-partial.test", ["E3"], "partial wildcard m*.mx-partial.test",
	    "partial-wildcard", "certificate-host-mismatch")
	one("mx-expired.test", ["E3", "E10"], "expired certificate",
	    "expired", "certificate-expired", tlsrpt=True)
	one("mx-notyet.test", ["E3", "E10"], "certificate not yet valid",
	    "notyet", "certificate-expired")
	one("mx-untrusted.test", ["E3", "E10"], "certificate from the rogue "
	    "CA", "untrusted", "certificate-not-trusted", tlsrpt=True)
	one("mx-tls11.test", ["E3", "F3"], "TLS 1.0/1.1 only", "tls11",
	    "validation-failure")
	one("mx-slow.test", ["E5"], "banner later than any probe timeout",
	    "slow-banner", "unreachable")
	one("mx-tempfail.test", ["E5"], "421 banner", "tempfail",
	    "unreachable")
	one("mx-banner554.test", ["E5"], "554 banner", "banner-reject",
	    "unreachable")
	one("mx-refused.test", ["E5"], "nothing listens at the MX address",
	    "refused", "unreachable")
	c.append(MxCase("mx-fallback.test", ["E4"],
	    "first address refuses, the second is good",
	    {"mx.mx-fallback.test": "good"},
	    addrs={"mx.mx-fallback.test": ["@dead", "@addr"]},
	    expect={"mx.mx-fallback.test": "success"}))
	c.append(MxCase("wild-mx.test", ["E2", "E3"],
	    "policy *.wild-mx.test, certificate *.wild-mx.test",
	    {"mx.wild-mx.test": "wildcard"}, policy_mx=["*.wild-mx.test"],
	    expect={"mx.wild-mx.test": "success"}))
	c.append(MxCase("mx-sibling.test", ["E2", "E3", "E10"],
	    "policy *.mx-sibling.test, the MX's certificate names another "
	    "host under it (other.mx-sibling.test)",
	    {"mx.mx-sibling.test": "sibling"},
	    policy_mx=["*.mx-sibling.test"],
	    expect={"mx.mx-sibling.test": "certificate-host-mismatch"}))
	c.append(MxCase("mx-outside.test", ["E2", "E10", "W14"],
	    "the MX (good TLS) is not in the policy",
	    {"mx.mx-outside.test": "good"},
	    policy_mx=["mail.mx-outside.test"],
	    expect={"mx.mx-outside.test": "success"},
	    tlsrpt=_rpt("mx-outside.test")))
	c.append(MxCase("mx-twomx.test", ["E4", "W14", "W15"],
	    "MX 10 has an expired certificate, MX 20 is good",
	    {"bad.mx-twomx.test": "expired", "good.mx-twomx.test": "good"},
	    mx=[(10, "bad.mx-twomx.test"), (20, "good.mx-twomx.test")],
	    policy_mx=["*.mx-twomx.test"],
	    expect={"bad.mx-twomx.test": "certificate-expired",
	    "good.mx-twomx.test": "success"},
	    tlsrpt=_rpt("mx-twomx.test")))
	c.append(MxCase("mx-nomx.test", ["E8"],
	    "no MX record: the implicit MX is the domain (A record)",
	    {"mx-nomx.test": "good"}, mx=[], policy_mx=["mx-nomx.test"],
	    expect={"mx-nomx.test": "success"}))
	c.append(MxCase("mx-nullmx.test", ["E8"], "null MX (RFC 7505)", {},
	    mx=[(0, ".")], policy_mx=["mail.mx-nullmx.test"]))
	c.append(MxCase("mx-testing.test", ["E6", "W17", "R1"],
	    "mode testing, MX without STARTTLS, TLS-RPT record",
	    {"mx.mx-testing.test": "nostarttls"}, mode="testing",
	    expect={"mx.mx-testing.test": "starttls-not-supported"},
	    tlsrpt=_rpt("mx-testing.test")))
	return c


SIGNED_ZONE = "dnssec.test"
UNSIGNED_CHILD = "unsigned." + SIGNED_ZONE	# insecure delegation


class DaneCase:
	"""DaneCase - one MTA-STS domain with DNSSEC and TLSA (issue 10)."""

	def __init__(self, domain, ids, about, hosts, tlsa, expect, mx=None,
	    mode="enforce", bogus=(), mx_sec="secure"):
		self.domain = domain
		self.ids = list(ids)
		self.about = about
		self.hosts = dict(hosts)	# host -> world.MX_BEHAVIOURS key
		if mx is None:
			mx = [(10 * (i + 1), h) for i, h in enumerate(self.hosts)]
		self.mx = list(mx)
		self.policy_mx = [h for _, h in self.mx]
		self.mode = mode
		# host -> [(usage, selector, mtype, source)]
		self.tlsa = {h: list(v) for h, v in tlsa.items()}
		self.bogus = list(bogus)	# "NAME/TYPE" with a broken RRSIG
		self.mx_sec = mx_sec
		# host -> {"tlsa": ..., "dane": ..., "webpki": ...}
		self.expect = {h: dict(v) for h, v in expect.items()}
		self.signed = (domain == SIGNED_ZONE or
		    domain.endswith("." + SIGNED_ZONE)) and not (
		    domain == UNSIGNED_CHILD or
		    domain.endswith("." + UNSIGNED_CHILD))

	@property
	def name(self):
		return "%s-%s" % ("+".join(self.ids), self.domain)

	def __repr__(self):
		return "DaneCase(%s)" % self.name


def dane_catalogue():
	"""dane_catalogue - the list of DaneCase objects (fresh each call)."""
	c = []
	S = SIGNED_ZONE
	ok = {"tlsa": "secure", "dane": "success", "webpki": "success"}
	c.append(DaneCase("ee." + S, ["D1"], "DANE-EE(3) SPKI SHA2-256 of "
	    "the MX key", {"mx.ee." + S: "good"},
	    {"mx.ee." + S: [(3, 1, 1, "leaf")]}, {"mx.ee." + S: ok}))
	c.append(DaneCase("ta." + S, ["D2"], "DANE-TA(2) SPKI SHA2-256 of "
	    "the test CA, MX sends its chain", {"mx.ta." + S: "good-chain"},
	    {"mx.ta." + S: [(2, 1, 1, "ca")]}, {"mx.ta." + S: ok}))
	c.append(DaneCase("mismatch." + S, ["D3"], "TLSA of another key; "
	    "WebPKI certificate valid", {"mx.mismatch." + S: "good"},
	    {"mx.mismatch." + S: [(3, 1, 1, "rogue")]},
	    {"mx.mismatch." + S: {"tlsa": "secure", "dane": "tlsa-invalid",
	    "webpki": "success"}}))
	c.append(DaneCase("bogus." + S, ["D4"], "TLSA RRset with a broken "
	    "signature", {"mx.bogus." + S: "good"},
	    {"mx.bogus." + S: [(3, 1, 1, "leaf")]},
	    {"mx.bogus." + S: {"tlsa": "bogus", "dane": "dnssec-invalid",
	    "webpki": "success"}}, bogus=["_25._tcp.mx.bogus.%s/TLSA" % S]))
	c.append(DaneCase("twomx." + S, ["D5"], "TLSA on MX 10 only",
	    {"mx1.twomx." + S: "good", "mx2.twomx." + S: "good"},
	    {"mx1.twomx." + S: [(3, 1, 1, "leaf")]},
	    {"mx1.twomx." + S: ok, "mx2.twomx." + S: {"tlsa": "nxdomain",
	    "dane": "dane-required", "webpki": "success"}}))
	c.append(DaneCase("dane-insecure.test", ["D6"], "unsigned zone with "
	    "TLSA: not DANE", {"mx.dane-insecure.test": "good"},
	    {"mx.dane-insecure.test": [(3, 1, 1, "leaf")]},
	    {"mx.dane-insecure.test": {"tlsa": "insecure",
	    "dane": "dane-required", "webpki": "success"}},
	    mx_sec="insecure"))
	c.append(DaneCase(UNSIGNED_CHILD, ["D6"], "TLSA in an unsigned zone "
	    "delegated from the signed one (proven insecure): not DANE",
	    {"mx." + UNSIGNED_CHILD: "good"},
	    {"mx." + UNSIGNED_CHILD: [(3, 1, 1, "leaf")]},
	    {"mx." + UNSIGNED_CHILD: {"tlsa": "insecure",
	    "dane": "dane-required", "webpki": "success"}},
	    mx_sec="insecure"))
	c.append(DaneCase("testing." + S, ["D7"], "STS testing + DANE-EE",
	    {"mx.testing." + S: "good"},
	    {"mx.testing." + S: [(3, 1, 1, "leaf"), (3, 0, 1, "leaf")]},
	    {"mx.testing." + S: ok}, mode="testing"))
	c.append(DaneCase("bogus-mx." + S, ["D8"], "MX RRset with a broken "
	    "signature", {"mx.bogus-mx." + S: "good"},
	    {"mx.bogus-mx." + S: [(3, 1, 1, "leaf")]},
	    {"mx.bogus-mx." + S: ok}, bogus=["bogus-mx.%s/MX" % S],
	    mx_sec="bogus"))
	return c


def main():
	"""main - print the catalogue as a table."""
	for case in catalogue():
		print("%-28s %-22s %s" % (case.domain, ",".join(case.ids),
		    case.answer.strip() if case.answer.startswith("NOT") else
		    "OK"))
	for case in mx_catalogue():
		print("%-28s %-22s MX %s" % (case.domain, ",".join(case.ids),
		    " ".join("%s=%s" % (h, case.expect.get(h, "-"))
		    for _, h in case.mx) or "none"))
	for case in dane_catalogue():
		print("%-28s %-22s DANE %s" % (case.domain, ",".join(case.ids),
		    " ".join("%s=%s" % (h, case.expect[h]["dane"])
		    for _, h in case.mx)))
	return 0


if __name__ == "__main__":
	sys.exit(main())
