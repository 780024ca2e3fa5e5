#
# test_dnssec.py - DNSSEC status, TLSA lookups and DANE probes (issue 10,
# items 1, 3 and 6) through tests/tools/dane-cli against the test world's
# signed zone dnssec.test, validated by libunbound with the world's trust
# anchor (dnssec = yes, dnssec_trust_anchor: no shortcut). Every case of
# catalogue.dane_catalogue(): the MX RRset's status, the TLSA answer
# (secure with the RRs made from the world's certificates, bogus, secure
# denial, insecure) and the DANE probe's RFC 8460 result, beside the
# WebPKI probe's (probe-cli) where they differ. Validation is shown to be
# real: without it nothing is secure, and a wrong anchor makes the zone
# bogus. Dynamic cases: DANE-EE over an untrusted certificate, TLSA
# usages unusable for SMTP, a TLSA change and a broken signature seen
# at once, the TLSA TTL.
#
import json
import os
import subprocess

import pytest

from catalogue import SIGNED_ZONE, dane_catalogue
from helpers import tool_path, world_client_config, write_config

DANE_CLI = tool_path("dane-cli")
PROBE_CLI = tool_path("probe-cli")

pytestmark = pytest.mark.skipif(not os.path.exists(DANE_CLI) or
    not os.path.exists(PROBE_CLI), reason="no dane-cli/probe-cli in "
    "tests/tools (make -C tests tools/dane-cli tools/probe-cli)")

PROBE_VERBS = {"EHLO", "STARTTLS", "QUIT"}
_seq = [0]


def dnssec_config(world, **extra):
	"""dnssec_config - client keys for the world with real validation."""
	c = world_client_config(world)
	c.update({"dnssec": "yes", "dnssec_trust_anchor": world.trust_anchor,
	    "fetch_timeout": "5s", "probe_helo": "dane.client.test",
	    "log_level": "debug"})
	c.update(extra)
	return c


def cli(tmp_path, conf, *args, tool=None):
	"""cli - run dane-cli (or tool) once; its JSON object."""
	path = write_config(str(tmp_path / ("c%d.conf" % len(os.listdir(
	    str(tmp_path))))), conf)
	p = subprocess.run([tool or DANE_CLI, "-c", path] + list(args),
	    capture_output=True, text=True, timeout=60)
	assert p.returncode == 0, p.stderr
	lines = p.stdout.splitlines()
	assert len(lines) == 1, p.stdout
	return json.loads(lines[0])


def dane(world, tmp_path, *args, **extra):
	"""dane - dane-cli with validation against the world's anchor."""
	return cli(tmp_path, dnssec_config(world, **extra), *args)


def hosts():
	"""hosts - (case, host) for every MX host of the DANE catalogue."""
	out = []
	for case in dane_catalogue():
		for _, h in case.mx:
			out.append(pytest.param(case, h, id="%s-%s" % (
			    "+".join(case.ids), h)))
	return out


def cases():
	return [pytest.param(c, id=c.name) for c in dane_catalogue()]


def expected_rrs(world, case, host):
	"""expected_rrs - the TLSA RRs the world published for host."""
	return [world.tlsa_rr(host, *spec) for spec in case.tlsa.get(host, [])]


def fresh_host(world, behaviour="good", **kw):
	"""fresh_host - a new MX host inside the signed zone."""
	_seq[0] += 1
	host = "mx.dyn%d-%d.%s" % (os.getpid() % 10000, _seq[0], SIGNED_ZONE)
	world.add_mx(host, behaviour, **kw)
	return host


# --- the world's trust anchor ----------------------------------------------

def test_trust_anchor_file(world):
	with open(world.trust_anchor) as f:
		lines = [x for x in f.read().splitlines() if x and x[0] != ";"]
	assert len(lines) == 1, lines
	words = lines[0].split()
	assert words[:3] == [SIGNED_ZONE + ".", "IN", "DS"], words
	assert words[4:6] == ["13", "2"] and len(words[6]) == 64, words


# --- the catalogue -----------------------------------------------------------

@pytest.mark.parametrize("case", cases())
def test_mx_status(world, tmp_path, case):
	r = dane(world, tmp_path, "mx", case.domain)
	assert r["sec"] == case.mx_sec, r
	if case.mx_sec == "bogus":
		assert r["status"] == "bogus" and r["mx"] == [], r
		assert "DNSSEC bogus" in r["why"], r
		return
	assert r["status"] == "ok", r
	assert [(m["pref"], m["host"]) for m in r["mx"]] == case.mx, r
	assert r["secure"] == (case.mx_sec == "secure")


@pytest.mark.parametrize("case,host", hosts())
def test_tlsa(world, tmp_path, case, host):
	want = case.expect[host]["tlsa"]
	r = dane(world, tmp_path, "tlsa", host)
	assert r["name"] == "_25._tcp." + host
	if want == "bogus":
		assert (r["status"], r["sec"]) == ("bogus", "bogus"), r
		assert "DNSSEC bogus" in r["why"] and r["rrs"] == [], r
		assert not r["dane"]
		return
	if want == "nxdomain":
		assert (r["status"], r["sec"]) == ("nxdomain", "secure"), r
		assert r["rrs"] == [] and not r["dane"], r
		return
	assert r["status"] == "ok", r
	got = [[x["usage"], x["selector"], x["mtype"], x["data"]]
	    for x in r["rrs"]]
	assert sorted(got) == sorted(expected_rrs(world, case, host)), r
	assert r["usable"] == len(got) and all(x["usable"] for x in r["rrs"])
	if want == "insecure":
		assert r["sec"] == "insecure" and not r["dane"], r
	else:
		assert want == "secure"
		assert r["sec"] == "secure" and r["dane"], r


@pytest.mark.parametrize("case,host", hosts())
def test_addrs_secure(world, tmp_path, case, host):
	# RFC 7672 §2.2.2: TLSA is looked up only for secure addresses; in
	# the signed zone A is secure and the AAAA denial is proven.
	r = dane(world, tmp_path, "addrs", host)
	assert r["status"] == "ok" and r["addrs"] == [world.addr], r
	assert r["sec"] == ("secure" if case.signed else "insecure"), r


@pytest.mark.parametrize("case,host", hosts())
def test_dane_probe(world, tmp_path, case, host):
	want = case.expect[host]["dane"]
	mark = world.mark()
	r = dane(world, tmp_path, "probe", host)
	assert r["result"] == want, r
	assert r["dane"] is True
	sessions = world.wait_smtp_sessions(host, since=mark,
	    timeout=5 if want in ("success", "tlsa-invalid") else 0.5)
	if want in ("dnssec-invalid", "dane-required"):
		# decided by DNS alone: the MX is never contacted
		assert sessions == [] and r["addr"] == "", (r, sessions)
		return
	assert sessions, "no session logged for %s" % host
	ev = sessions[-1]
	assert ev["sni"] == host and ev["starttls"], ev
	assert set(ev["commands"]) <= PROBE_VERBS and not ev["mail_from"]
	assert r["tls_version"] in ("TLSv1.2", "TLSv1.3")
	if want == "success":
		specs = ["%d %d %d" % tuple(s[:3]) for s in case.tlsa[host]]
		assert r["dane_match"] in specs, r
		usage = int(r["dane_match"][0])
		assert r["why"].startswith("DANE-%s(%d)" % ("EE" if usage == 3
		    else "TA", usage)), r
	else:
		assert r["dane_match"] == "" and "matches" in r["why"], r


@pytest.mark.parametrize("case,host", hosts())
def test_webpki_probe(world, tmp_path, case, host):
	# The WebPKI probe (no TLSA) is unchanged: every catalogue MX has a
	# valid test-CA certificate, so the mismatch case passes WebPKI and
	# fails DANE only (RFC 8461 §2: STS must not override that).
	r = cli(tmp_path, dnssec_config(world), host, tool=PROBE_CLI)
	assert r["result"] == case.expect[host]["webpki"], r
	assert r["why"].startswith("verified "), r


# --- validation is real --------------------------------------------------

def test_no_validation_nothing_secure(world, tmp_path):
	c = world_client_config(world)		# dnssec = no
	r = cli(tmp_path, c, "mx", "ee." + SIGNED_ZONE)
	assert (r["status"], r["sec"]) == ("ok", "insecure"), r
	r = cli(tmp_path, c, "tlsa", "mx.bogus." + SIGNED_ZONE)
	assert (r["status"], r["sec"]) == ("ok", "insecure"), r
	assert not r["dane"]


def test_wrong_anchor_is_bogus(world, tmp_path):
	import dnssec
	key = dnssec.make_key(str(tmp_path / "other.key"))
	anchor = tmp_path / "other-anchor.key"
	anchor.write_text(dnssec.anchor_line(SIGNED_ZONE, key) + "\n")
	r = dane(world, tmp_path, "mx", "ee." + SIGNED_ZONE,
	    dnssec_trust_anchor=str(anchor))
	assert (r["status"], r["sec"]) == ("bogus", "bogus"), r
	# names outside the anchored zone are not affected
	r = dane(world, tmp_path, "mx", "enforce.test",
	    dnssec_trust_anchor=str(anchor))
	assert (r["status"], r["sec"]) == ("ok", "insecure"), r


# --- dynamic cases ----------------------------------------------------------

def test_dane_ee_over_untrusted_certificate(world, tmp_path):
	# DANE-EE(3) trusts the key alone (RFC 7672 §3.1.1): a rogue-CA
	# certificate WebPKI refuses is fine when the TLSA matches it.
	host = fresh_host(world, "untrusted")
	world.set_tlsa(host, [world.tlsa_rr(host, 3, 1, 1)])
	r = dane(world, tmp_path, "probe", host)
	assert r["result"] == "success" and r["dane_match"] == "3 1 1", r
	r = cli(tmp_path, dnssec_config(world), host, tool=PROBE_CLI)
	assert r["result"] == "certificate-not-trusted", r


def test_tlsa_change_and_bogus_seen_at_once(world, tmp_path):
	host = fresh_host(world)
	world.set_tlsa(host, [world.tlsa_rr(host, 3, 1, 1)])
	assert dane(world, tmp_path, "probe", host)["result"] == "success"
	world.set_tlsa(host, [world.tlsa_rr(host, 3, 1, 1, "rogue")])
	assert dane(world, tmp_path, "probe", host)["result"] == \
	    "tlsa-invalid"
	world.set_tlsa(host, [world.tlsa_rr(host, 3, 1, 1)])
	world.set_behaviour("_25._tcp." + host, "bogus", "TLSA")
	r = dane(world, tmp_path, "probe", host)
	assert r["result"] == "dnssec-invalid" and r["tlsa"]["sec"] == "bogus"
	world.set_behaviour("_25._tcp." + host, None, "TLSA")
	assert dane(world, tmp_path, "probe", host)["result"] == "success"


def test_unusable_usages(world, tmp_path):
	# PKIX-TA(0)/PKIX-EE(1) are unusable for SMTP (RFC 7672 §3.1.3), so
	# are unknown selectors and short digests: with nothing usable, TLS
	# without authentication (§2.2), whatever the certificate.
	host = fresh_host(world, "untrusted")
	rr = world.tlsa_rr(host, 3, 1, 1)
	world.set_tlsa(host, [[1, 1, 1, rr[3]], [0, 1, 1, rr[3]],
	    [3, 2, 1, rr[3]], [3, 1, 1, rr[3][:40]], [3, 1, 9, rr[3]]])
	r = dane(world, tmp_path, "tlsa", host)
	assert (r["status"], r["sec"]) == ("ok", "secure"), r
	assert len(r["rrs"]) == 5 and r["usable"] == 0, r
	assert not any(x["usable"] for x in r["rrs"]) and not r["dane"]
	r = dane(world, tmp_path, "probe", host)
	assert r["result"] == "success" and r["dane_match"] == "", r
	assert r["why"].startswith("no usable TLSA RR"), r
	# one usable RR among them is what counts
	world.set_tlsa(host, [[1, 1, 1, rr[3]], [3, 1, 1,
	    world.tlsa_rr(host, 3, 1, 1, "rogue")[3]]])
	r = dane(world, tmp_path, "probe", host)
	assert r["result"] == "tlsa-invalid" and r["tlsa"]["usable"] == 1, r


def test_tlsa_sha512_and_full(world, tmp_path):
	host = fresh_host(world)
	world.set_tlsa(host, [world.tlsa_rr(host, 3, 0, 2)])
	r = dane(world, tmp_path, "probe", host)
	assert r["result"] == "success" and r["dane_match"] == "3 0 2", r
	world.set_tlsa(host, [world.tlsa_rr(host, 2, 0, 0, "ca")])
	r = dane(world, tmp_path, "probe", host)
	# DANE-TA with the CA certificate itself in the TLSA: the server
	# need not send it
	assert r["result"] == "success" and r["dane_match"] == "2 0 0", r


def test_tlsa_ttl(world, tmp_path):
	host = fresh_host(world)
	rr = world.tlsa_rr(host, 3, 1, 1)
	world.set_records("_25._tcp." + host, [["TLSA", rr, 300]])
	r = dane(world, tmp_path, "tlsa", host)
	assert r["sec"] == "secure" and r["ttl"] == 300, r


def test_tlsa_servfail_is_no_answer(world, tmp_path):
	host = fresh_host(world)
	world.set_tlsa(host, [world.tlsa_rr(host, 3, 1, 1)])
	world.set_behaviour("_25._tcp." + host, "servfail")
	r = dane(world, tmp_path, "probe", host)
	assert r["tlsa"]["status"] == "servfail", r
	assert r["tlsa"]["sec"] == "unknown", r
	assert r["result"] == "unreachable" and "lookup failed" in r["why"]
	world.set_behaviour("_25._tcp." + host, None)


def _chain_file(world, tmp_path, leaf):
	"""_chain_file - leaf followed by the test CA, as one PEM file."""
	path = tmp_path / "chain.crt"
	with open(leaf) as f, open(world.ca_file) as g:
		path.write_text(f.read() + g.read())
	return str(path)


def test_dane_ta_checks_the_name(world, tmp_path):
	# DANE-TA(2): the chain ends at the TLSA's anchor, and the leaf must
	# still carry the MX name (RFC 7672 §3.1.2).
	host = fresh_host(world)
	wrong = world.mx_cert_for(host, "mismatch")
	world.add_mx(host, "good", cert=_chain_file(world, tmp_path, wrong))
	world.set_tlsa(host, [world.tlsa_rr(host, 2, 1, 1, "ca")])
	r = dane(world, tmp_path, "probe", host)
	assert r["result"] == "certificate-host-mismatch", r
	assert r["why"].startswith("DANE: "), r


def test_dane_ta_digest_needs_the_chain(world, tmp_path):
	# A digest of the anchor matches only a certificate the server sends
	# (RFC 7671 §5.2.2): a leaf alone matches no TLSA RR.
	host = fresh_host(world)
	world.set_tlsa(host, [world.tlsa_rr(host, 2, 1, 1, "ca")])
	r = dane(world, tmp_path, "probe", host)
	assert r["result"] == "tlsa-invalid", r


def test_world_signs_only_for_do(world):
	# The world's server: RRSIGs only for a query with the DO bit, and
	# the unsigned rest of test. answers as before.
	import dns.message
	import dns.query
	import dns.rdatatype
	name = "_25._tcp.mx.ee." + SIGNED_ZONE
	for do in (True, False):
		q = dns.message.make_query(name, "TLSA", want_dnssec=do)
		r = dns.query.udp(q, world.addr, port=world.dns_port, timeout=5)
		types = {rr.rdtype for rr in r.answer}
		assert dns.rdatatype.TLSA in types, r
		assert (dns.rdatatype.RRSIG in types) == do, r
	q = dns.message.make_query("enforce.test", "MX", want_dnssec=True)
	r = dns.query.udp(q, world.addr, port=world.dns_port, timeout=5)
	assert [rr.rdtype for rr in r.answer] == [dns.rdatatype.MX], r


# --- a validating resolver for MTAs (unbound in front of the world) --------

@pytest.fixture(scope="module")
def validator(world):
	if not os.path.exists("/usr/sbin/unbound"):
		pytest.skip("no /usr/sbin/unbound (apt-get install unbound)")
	addr = world.start_validator()
	yield addr
	world.stop_validator()


def _ask(validator, name, qtype):
	import dns.message
	import dns.query
	q = dns.message.make_query(name, qtype, want_dnssec=True)
	return dns.query.udp(q, validator[0], port=validator[1], timeout=10)


def test_validator_ad_bit(world, validator):
	import dns.flags
	import dns.rcode
	r = _ask(validator, "_25._tcp.mx.ee." + SIGNED_ZONE, "TLSA")
	assert r.rcode() == dns.rcode.NOERROR and r.answer, r
	assert r.flags & dns.flags.AD, r
	# bogus: a validating resolver answers SERVFAIL
	r = _ask(validator, "_25._tcp.mx.bogus." + SIGNED_ZONE, "TLSA")
	assert r.rcode() == dns.rcode.SERVFAIL, r
	# insecure: answered, without AD
	for name in ("_25._tcp.mx.dane-insecure.test",
	    "_25._tcp.mx.unsigned." + SIGNED_ZONE):
		r = _ask(validator, name, "TLSA")
		assert r.rcode() == dns.rcode.NOERROR and r.answer, r
		assert not r.flags & dns.flags.AD, r
	# secure denial of a TLSA name
	r = _ask(validator, "_25._tcp.mx2.twomx." + SIGNED_ZONE, "TLSA")
	assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AD, r


def test_libunbound_through_validator(world, validator, tmp_path):
	# libunbound forwarding to the validating unbound still validates
	# itself with the anchor (DO answers pass through).
	c = dnssec_config(world, dns_forwarder="%s@%d" % validator)
	r = cli(tmp_path, c, "tlsa", "mx.ee." + SIGNED_ZONE)
	assert (r["status"], r["sec"]) == ("ok", "secure") and r["dane"], r
