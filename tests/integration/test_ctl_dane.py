#
# test_ctl_dane.py - "mtasts-ctl check DOMAIN" with DNSSEC and DANE (issue
# 10 item 5) against the test world's signed zone, validated by
# libunbound with the world's trust anchor (dnssec = yes,
# dnssec_trust_anchor: real validation, no shortcut).
#
# DESCRIPTION
#	Every case of catalogue.dane_catalogue(): the dnssec line (the MX
#	RRset's status), the mx-tlsa lines (the host's TLSA RRs in
#	presentation form, usable or not), the mx-dane line (does the
#	certificate match them, probe_mx_dane) beside the WebPKI mx-cert
#	line, the sts-dane warnings where MTA-STS and DANE disagree, and the
#	exit status: a TLSA that does not match, a bogus TLSA or MX answer
#	fail; insecure TLSA is reported and ignored. Dynamic domains for
#	DANE on an MX the policy does not list and DANE passing where WebPKI
#	fails. Without validation check says so and leaves DANE out. Text
#	and JSON give the same checks (run_check of test_ctl).
#
import re

import pytest

from catalogue import SIGNED_ZONE, UNSIGNED_CHILD
from helpers import world_client_config, write_config
from test_ctl import run_check

S = SIGNED_ZONE
HEX = r"[0-9a-f]{64}"


@pytest.fixture(scope="module")
def dane_conf(world, tmp_path_factory):
	"""dane_conf - check with DNSSEC validation against the world."""
	c = world_client_config(world)
	c.update({"dnssec": "yes", "dnssec_trust_anchor": world.trust_anchor,
	    "fetch_timeout": "5s", "probe_helo": "ctl.client.test"})
	return write_config(str(tmp_path_factory.mktemp("ctldane") /
	    "mtasts.conf"), c)


def check(conf, domain):
	"""check - run_check, and nothing in it failed that should not."""
	r, j, checks = run_check(conf, domain)
	assert (r.rc == 1) == (j.doc["summary"]["fail"] > 0), r
	return r, checks


def one(checks, name, host=None):
	"""one - the (result, detail) of check name (for host): exactly one."""
	got = [(res, det) for res, det in checks.get(name, [])
	    if host is None or det.startswith(host + ":") or
	    det.startswith(host + " ")]
	assert len(got) == 1, (name, host, checks)
	return got[0]


def tlsa_lines(checks, host):
	"""tlsa_lines - the mx-tlsa RR lines of host: [(result, "U S M HEX
	(...)")]."""
	return [(res, det[len(host) + 2:]) for res, det in
	    checks.get("mx-tlsa", []) if det.startswith(host + ": ") and
	    re.match(r"\d \d \d ", det[len(host) + 2:])]


def no_failures_but(checks, *names):
	"""no_failures_but - every failing check is one of names."""
	bad = [(n, d) for n, v in checks.items() for res, d in v
	    if res == "fail" and n not in names]
	assert bad == [], bad


def test_dane_ee_good(world, dane_conf):
	host = "mx.ee." + S
	r, checks = check(dane_conf, "ee." + S)
	assert r.rc == 0, r
	no_failures_but(checks)
	res, det = one(checks, "dnssec")
	assert res == "pass" and "MX RRset secure (validated with %s)" % \
	    world.trust_anchor in det, det
	res, det = checks["mx-tlsa"][0]
	assert res == "pass", det
	assert det == "%s: _25._tcp.%s: 1 TLSA RR, secure, 1 usable, " \
	    "addresses secure: DANE applies" % (host, host)
	rr = world.tlsa_rr(host, 3, 1, 1)
	assert tlsa_lines(checks, host) == [("pass", "3 1 1 %s (usable)" %
	    rr[3].lower())]
	res, det = one(checks, "mx-dane", host)
	assert res == "pass", det
	assert re.match(r"%s \[[0-9a-f.:]+\]: the certificate matches TLSA "
	    r"3 1 1: DANE-EE\(3\)" % re.escape(host), det), det
	assert one(checks, "mx-cert", host)[0] == "pass"
	assert "sts-dane" not in checks


def test_dane_ta_good(world, dane_conf):
	host = "mx.ta." + S
	r, checks = check(dane_conf, "ta." + S)
	assert r.rc == 0, r
	res, det = one(checks, "mx-dane", host)
	assert res == "pass" and "matches TLSA 2 1 1: DANE-TA(2)" in det, det
	rr = world.tlsa_rr(host, 2, 1, 1, "ca")
	assert tlsa_lines(checks, host) == [("pass", "2 1 1 %s (usable)" %
	    rr[3].lower())]
	assert "sts-dane" not in checks


def test_tlsa_mismatch_webpki_valid(dane_conf):
	"""The RFC 8461 §2 case: STS would deliver, DANE must not."""
	host = "mx.mismatch." + S
	r, checks = check(dane_conf, "mismatch." + S)
	assert r.rc == 1, r
	no_failures_but(checks, "mx-dane")
	res, det = one(checks, "mx-dane", host)
	assert res == "fail", det
	assert "tlsa-invalid: no TLSA RR of" in det, det
	assert det.endswith("DANE senders will not deliver to it"), det
	assert one(checks, "mx-cert", host)[0] == "pass"
	res, det = one(checks, "sts-dane", host)
	assert res == "warn", det
	assert "MTA-STS accepts it (WebPKI valid) but DANE fails " \
	    "(tlsa-invalid); DANE takes precedence" in det, det
	assert re.match(r"3 1 1 %s \(usable\)$" % HEX,
	    tlsa_lines(checks, host)[0][1])
	assert r.out.splitlines()[-1].endswith("1 failed"), r.out


def test_bogus_tlsa(dane_conf):
	host = "mx.bogus." + S
	r, checks = check(dane_conf, "bogus." + S)
	assert r.rc == 1, r
	no_failures_but(checks, "mx-tlsa", "mx-dane")
	res, det = one(checks, "mx-tlsa", host)
	assert res == "fail", det
	assert det.startswith("%s: _25._tcp.%s DNSSEC-bogus (DNSSEC bogus" %
	    (host, host)), det
	res, det = one(checks, "mx-dane", host)
	assert res == "fail" and det.startswith(host + ": dnssec-invalid: ")
	assert one(checks, "mx-cert", host)[0] == "pass"
	assert "DANE fails (dnssec-invalid)" in one(checks, "sts-dane",
	    host)[1]


def test_bogus_mx(dane_conf):
	d = "bogus-mx." + S
	r, checks = check(dane_conf, d)
	assert r.rc == 1, r
	res, det = one(checks, "dnssec")
	assert res == "fail", det
	assert det.startswith("%s: MX RRset DNSSEC-bogus (DNSSEC bogus" % d)
	# nothing is probed on a bogus MX RRset
	for n in ("mx", "mx-starttls", "mx-tlsa", "mx-dane"):
		assert n not in checks, checks
	no_failures_but(checks, "dnssec")


def test_tlsa_on_one_mx_of_two(dane_conf):
	mx1, mx2 = "mx1.twomx." + S, "mx2.twomx." + S
	r, checks = check(dane_conf, "twomx." + S)
	assert r.rc == 0, r
	assert one(checks, "mx-dane", mx1)[0] == "pass"
	assert [d for d in checks["mx-dane"] if mx2 in d[1]] == []
	res, det = one(checks, "mx-tlsa", mx2)
	assert res == "pass", det
	assert det == "%s: _25._tcp.%s: no TLSA records (secure denial), " \
	    "addresses secure: DANE does not apply to this host" % (mx2, mx2)
	assert [res for res, _ in checks["mx-cert"]] == ["pass", "pass"]
	assert "sts-dane" not in checks


@pytest.mark.parametrize("domain", ["dane-insecure.test", UNSIGNED_CHILD])
def test_unsigned_zone_with_tlsa(dane_conf, domain):
	"""TLSA in an unsigned zone: reported insecure, not DANE, no
	failure (RFC 7672 §2.2)."""
	host = "mx." + domain
	r, checks = check(dane_conf, domain)
	assert r.rc == 0, r
	no_failures_but(checks)
	res, det = one(checks, "dnssec")
	assert res == "pass" and "MX RRset insecure" in det, det
	res, det = [x for x in checks["mx-tlsa"] if "TLSA RR," in x[1]][0]
	assert res == "warn", det
	assert det == "%s: _25._tcp.%s: 1 TLSA RR, insecure: not DANE, " \
	    "senders ignore them (RFC 7672 section 2.2)" % (host, host)
	assert "mx-dane" not in checks and "sts-dane" not in checks
	assert one(checks, "mx-cert", host)[0] == "pass"


def test_sts_testing_and_dane(world, dane_conf):
	host = "mx.testing." + S
	r, checks = check(dane_conf, "testing." + S)
	assert r.rc == 0, r
	assert one(checks, "mode")[0] == "warn"
	assert one(checks, "mx-dane", host)[0] == "pass"
	want = sorted("%d %d %d %s (usable)" % (u, s, m, world.tlsa_rr(host,
	    u, s, m)[3].lower()) for u, s, m in ((3, 1, 1), (3, 0, 1)))
	assert sorted(d for _, d in tlsa_lines(checks, host)) == want
	assert checks["mx-tlsa"][0][1].startswith("%s: _25._tcp.%s: 2 TLSA "
	    "RRs, secure, 2 usable" % (host, host))


def test_no_validation_skips_dane(world, tmp_path):
	"""dnssec = no: check says DNSSEC was not validated, leaves DANE
	out, and the WebPKI result alone decides (not an error)."""
	conf = write_config(str(tmp_path / "nodnssec.conf"),
	    world_client_config(world))
	d = "mismatch." + S
	r, checks = check(conf, d)
	assert r.rc == 0, r
	assert one(checks, "dnssec") == ("pass", "%s: DNSSEC not validated "
	    "(dnssec = no): DANE not checked" % d)
	for n in ("mx-tlsa", "mx-dane", "sts-dane"):
		assert n not in checks, checks
	assert one(checks, "mx-cert")[0] == "pass"


def test_dane_on_unlisted_mx(world, dane_conf, fresh):
	"""DANE passes on an MX the policy does not list: mx fails as
	before, and the disagreement is a warning of its own."""
	d = fresh("ctl-unl", zone=S)
	mx1, mx2 = "mx1." + d, "mx2." + d
	with world.batch():
		world.add_domain(d, id="u1", mx=[mx1], mx_records=False)
		world.add_mx(mx1, "good")
		world.add_mx(mx2, "good")
		world.set_mx_records(d, [(10, mx1), (20, mx2)])
		world.set_tlsa(mx2, [world.tlsa_rr(mx2, 3, 1, 1)])
	r, checks = check(dane_conf, d)
	assert r.rc == 1, r
	no_failures_but(checks, "mx")
	assert one(checks, "mx", mx2)[0] == "fail"
	assert one(checks, "mx-dane", mx2)[0] == "pass"
	# the unlisted host gets no WebPKI probe
	assert [x for x in checks["mx-cert"] if mx2 in x[1]] == []
	res, det = one(checks, "sts-dane", mx2)
	assert res == "warn" and "DANE passes but the policy lists no " \
	    "pattern for it" in det, det


def test_webpki_fails_dane_passes(world, dane_conf, fresh):
	"""A rogue-CA certificate pinned by DANE-EE: WebPKI fails, DANE
	passes; check fails on mx-cert and warns of the disagreement."""
	d = fresh("ctl-web", zone=S)
	host = "mx." + d
	with world.batch():
		world.add_domain(d, id="w1", mx=[host], mx_records=False)
		world.add_mx(host, "untrusted", domain=d)
		world.set_tlsa(host, [world.tlsa_rr(host, 3, 1, 1)])
	r, checks = check(dane_conf, d)
	assert r.rc == 1, r
	no_failures_but(checks, "mx-cert")
	assert one(checks, "mx-cert", host)[0] == "fail"
	assert one(checks, "mx-dane", host)[0] == "pass"
	res, det = one(checks, "sts-dane", host)
	assert res == "warn", det
	assert "DANE passes but WebPKI fails (certificate-not-trusted)" in det


def _fresh_dane_domain(world, fresh, prefix, rrs):
	"""_fresh_dane_domain - a signed domain, one good MX, TLSA rrs(host)."""
	d = fresh(prefix, zone=S)
	host = "mx." + d
	with world.batch():
		world.add_domain(d, id="f1", mx=[host], mx_records=False)
		world.add_mx(host, "good", domain=d)
		world.set_tlsa(host, rrs(host))
	return d, host


def test_unusable_tlsa_rrs(world, dane_conf, fresh):
	"""PKIX-TA(0)/PKIX-EE(1) only: each RR warns, and DANE means TLS
	without authentication (RFC 7672 §2.2, §3.1.3): a warning, exit 0."""
	def rrs(host):
		h = world.tlsa_rr(host, 3, 1, 1)[3]
		return [[1, 1, 1, h], [0, 1, 1, h]]
	d, host = _fresh_dane_domain(world, fresh, "ctl-unus", rrs)
	r, checks = check(dane_conf, d)
	assert r.rc == 0, r
	no_failures_but(checks)
	assert checks["mx-tlsa"][0] == ("pass", "%s: _25._tcp.%s: 2 TLSA RRs, "
	    "secure, 0 usable, addresses secure: DANE applies" % (host, host))
	lines = tlsa_lines(checks, host)
	assert [x[0] for x in lines] == ["warn", "warn"], lines
	assert [x[1][:6] for x in lines] == ["0 1 1 ", "1 1 1 "], lines
	assert all(x[1].endswith("(not usable for SMTP, RFC 7672 section "
	    "3.1.3)") for x in lines), lines
	res, det = one(checks, "mx-dane", host)
	assert res == "warn" and "TLS without authentication" in det, det


def test_tlsa_lookup_failure(world, dane_conf, fresh):
	"""A TLSA lookup that fails under a secure MX RRset: DANE senders
	defer, so check fails (a failure is not "no TLSA")."""
	d, host = _fresh_dane_domain(world, fresh, "ctl-sf",
	    lambda h: [world.tlsa_rr(h, 3, 1, 1)])
	world.set_behaviour("_25._tcp." + host, "servfail")
	try:
		r, checks = check(dane_conf, d)
	finally:
		world.set_behaviour("_25._tcp." + host, None)
	assert r.rc == 1, r
	no_failures_but(checks, "mx-tlsa")
	res, det = one(checks, "mx-tlsa", host)
	assert res == "fail" and "TLSA lookup failed" in det, det
	assert det.endswith("DANE senders defer mail to it"), det
	assert "mx-dane" not in checks


def test_dane_no_skips_dane(world, tmp_path):
	"""dane = no with validation on: check leaves DANE out and says why;
	the TLSA mismatch that fails with dane = auto does not fail."""
	c = world_client_config(world)
	c.update({"dnssec": "yes", "dnssec_trust_anchor": world.trust_anchor,
	    "dane": "no"})
	conf = write_config(str(tmp_path / "daneno.conf"), c)
	d = "mismatch." + S
	r, checks = check(conf, d)
	assert r.rc == 0, r
	assert one(checks, "dnssec") == ("pass", "%s: dane = no: DANE not "
	    "checked" % d)
	for n in ("mx-tlsa", "mx-dane", "sts-dane"):
		assert n not in checks, checks
