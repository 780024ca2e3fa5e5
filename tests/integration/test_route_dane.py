#
# test_route_dane.py - route confirmation, holds and TLS-RPT with DANE
# (issue 10 items 3 and 4; RFC 8461 section 2, RFC 7672, RFC 8460
# sections 4.3-4.4; RFC-CHECKLIST E7, R5, R6, W18).
#
# DESCRIPTION
#	A real mtasts-policyd validates DNSSEC against the test world's
#	signed zone (dnssec = yes, dnssec_trust_anchor = the world's anchor:
#	no shortcut) and confirms routes of the dane catalogue's domains:
#	where the MX RRset is secure and a host has secure usable TLSA, the
#	probe verifies with OpenSSL's DANE API, and a DANE failure is final
#	even where the WebPKI certificate is valid (the MUST NOT of RFC 8461
#	section 2). The route record says per MX whether DANE decided it;
#	the milter's hold stays until a route passing DANE is confirmed;
#	TLS-RPT reports carry the DANE-decided probes under policy-type
#	tlsa, with the TLSA RRs as policy-string, beside the sts policy.
#
import json
import os
import time

import pytest

from catalogue import SIGNED_ZONE, dane_catalogue
from helpers import (probe_conf, settled_route, start_daemon, stop_daemon,
    wait_until)
from tlsrpt_checks import (check_report, check_report_mail, day_name,
    details_by_type, make_sink, sink_mails)

CASES = {c.domain: c for c in dane_catalogue()}
ORG = "DANE Route Reports"
SUBMITTER = "dane-sender.test"
CONTACT = "tlsrpt@" + SUBMITTER


def dane_conf(world, **extra):
	"""dane_conf - a daemon that validates against the world's anchor."""
	c = {"dnssec": "yes", "dnssec_trust_anchor": world.trust_anchor,
	    "log_level": "debug"}
	c.update(extra)
	return probe_conf(world, "probe.dane.test", **c)


@pytest.fixture(scope="module")
def dd(world):
	"""dd - one validating daemon, shared by this module."""
	d = start_daemon(world, **dane_conf(world))
	yield d
	stop_daemon(d)


def tlsa_text(world, host, spec):
	"""tlsa_text - the presentation form policyd writes for one RR."""
	u, s, m, hexdata = world.tlsa_rr(host, *spec)
	return "%d %d %d %s" % (u, s, m, hexdata.upper())


def walk(rt):
	return [(x["mx"], x["result"]) for x in rt["results"]]


def dane_domain(world, fresh, hosts, prefix="rdane", mode="enforce"):
	"""dane_domain - a fresh policy domain inside the signed zone; hosts
	is [(label, behaviour, TLSA spec or None)], MX preference in order.
	Returns (domain, [host, ...])."""
	d = fresh(prefix, zone=SIGNED_ZONE)
	names = ["%s.%s" % (label, d) for label, _, _ in hosts]
	with world.batch():
		world.add_domain(d, id="rd1", mode=mode, mx=names,
		    mx_records=False)
		for i, (label, beh, spec) in enumerate(hosts):
			world.add_mx(names[i], beh, domain=d, pref=10 * (i + 1))
			if spec is not None:
				world.set_tlsa(names[i], [world.tlsa_rr(names[i],
				    *spec)])
	return d, names


# --- route confirmation ------------------------------------------------------

@pytest.mark.parametrize("domain,match", [("ee." + SIGNED_ZONE, "3 1 1"),
    ("ta." + SIGNED_ZONE, "2 1 1")])
def test_dane_good_confirms_with_dane(world, dd, domain, match):
	"""D1, D2: secure MX, secure usable TLSA that matches: confirmed, and
	the route says DANE decided, with the RRs and the one that matched."""
	case = CASES[domain]
	[host] = case.policy_mx
	r = dd.ctl("sts %s 5000" % domain)
	assert r["state"] == "enforce/confirmed", (r, dd.stderr_tail())
	rt = settled_route(dd, domain)
	assert rt["state"] == "confirmed" and rt["mx"] == host, rt
	assert walk(rt) == [(host, "success")], rt
	dane = rt["results"][0]["dane"]
	assert dane == {"dnssec": "secure", "tlsa": [tlsa_text(world, host,
	    spec) for spec in case.tlsa[host]], "tlsa_count": 1,
	    "match": match}, dane
	assert rt["why"].startswith("%s passed DANE %s with TLSv1." % (host,
	    match)), rt
	assert rt["results"][0]["why"].startswith("DANE-"), rt


def test_tlsa_mismatch_is_final(world, dd):
	"""D3, W18, RFC 8461 section 2: the TLSA matches another key while the
	WebPKI certificate is valid: not confirmed (tlsa-invalid), so held."""
	domain = "mismatch." + SIGNED_ZONE
	[host] = CASES[domain].policy_mx
	mark = world.mark()
	assert dd.ctl("sts %s 5000" % domain)["state"] == "enforce/failed"
	rt = settled_route(dd, domain)
	assert rt["state"] == "failed" and rt["mx"] is None, rt
	assert walk(rt) == [(host, "tlsa-invalid")], rt
	assert rt["failure"] == "tlsa-invalid", rt
	x = rt["results"][0]
	assert x["dane"]["dnssec"] == "secure" and x["dane"]["match"] is None
	assert x["dane"]["tlsa"] == [tlsa_text(world, host, (3, 1, 1,
	    "rogue"))], x
	assert "matches" in x["why"] and x["addr"], x
	# the MX was reached over TLS: DANE, not the network, said no
	assert world.wait_smtp_sessions(host, since=mark, timeout=5)
	assert dd.ctl("sts %s 0" % domain)["state"] == "enforce/failed"


def test_bogus_tlsa_is_dnssec_invalid(world, dd):
	"""D4: a TLSA RRset with a broken signature is a DANE failure
	(dnssec-invalid), never "no TLSA"; the MX is not contacted."""
	domain = "bogus." + SIGNED_ZONE
	[host] = CASES[domain].policy_mx
	mark = world.mark()
	assert dd.ctl("sts %s 5000" % domain)["state"] == "enforce/failed"
	rt = settled_route(dd, domain)
	assert walk(rt) == [(host, "dnssec-invalid")], rt
	assert rt["failure"] == "dnssec-invalid", rt
	dane = rt["results"][0]["dane"]
	assert dane == {"dnssec": "bogus", "tlsa": [], "tlsa_count": 0,
	    "match": None}, dane
	time.sleep(0.5)
	assert world.smtp_sessions(host, since=mark) == []


def test_tlsa_on_first_of_two(world, dd):
	"""D5: TLSA on MX 10 only; MX 10 passes DANE and confirms."""
	domain = "twomx." + SIGNED_ZONE
	mx1, mx2 = CASES[domain].policy_mx
	assert dd.ctl("sts %s 5000" % domain)["state"] == "enforce/confirmed"
	rt = settled_route(dd, domain)
	assert rt["mx"] == mx1 and walk(rt) == [(mx1, "success")], rt
	assert rt["results"][0]["dane"]["match"] == "3 1 1", rt


def test_dane_failure_then_host_without_tlsa(world, dd, fresh):
	"""TLSA on one MX of two: MX 10 fails DANE (tlsa-invalid) despite a
	valid WebPKI certificate; MX 20 has no TLSA (secure denial), so
	MTA-STS alone judges it, and it confirms the route."""
	d, (mx1, mx2) = dane_domain(world, fresh, [("mx1", "good",
	    (3, 1, 1, "rogue")), ("mx2", "good", None)])
	assert dd.ctl("sts %s 5000" % d)["state"] == "enforce/confirmed"
	rt = settled_route(dd, d)
	assert walk(rt) == [(mx1, "tlsa-invalid"), (mx2, "success")], rt
	assert rt["mx"] == mx2
	assert rt["results"][0]["dane"]["match"] is None
	assert rt["results"][1]["dane"] is None, rt
	assert rt["results"][1]["why"].startswith("verified "), rt


@pytest.mark.parametrize("domain", ["dane-insecure.test",
    "unsigned." + SIGNED_ZONE])
def test_unsigned_zone_tlsa_ignored(world, dd, domain):
	"""D6: TLSA in an unsigned zone is not DANE: the WebPKI probe as
	before (RFC 7672 section 2.2)."""
	[host] = CASES[domain].policy_mx
	assert dd.ctl("sts %s 5000" % domain)["state"] == "enforce/confirmed"
	rt = settled_route(dd, domain)
	assert walk(rt) == [(host, "success")], rt
	assert rt["results"][0]["dane"] is None, rt
	assert rt["results"][0]["why"].startswith("verified "), rt
	assert "DANE" not in rt["why"], rt


def test_bogus_mx_fails(world, dd):
	"""D8: a bogus MX RRset gives no route at all."""
	domain = "bogus-mx." + SIGNED_ZONE
	assert dd.ctl("sts %s 5000" % domain)["state"] == "enforce/failed"
	rt = settled_route(dd, domain)
	assert rt["results"] == [] and "bogus" in rt["why"], rt


def test_dane_ee_over_untrusted_certificate_confirms(world, dd, fresh):
	"""DANE-EE(3) trusts the key alone (RFC 7672 section 3.1.1): a rogue
	CA certificate the WebPKI refuses confirms the route."""
	d, (mx,) = dane_domain(world, fresh, [("mx", "untrusted",
	    (3, 1, 1))])
	assert dd.ctl("sts %s 5000" % d)["state"] == "enforce/confirmed"
	rt = settled_route(dd, d)
	assert walk(rt) == [(mx, "success")]
	assert rt["results"][0]["dane"]["match"] == "3 1 1"


def test_dane_no_keeps_webpki(world, daemon_factory):
	"""dane = no: TLSA never looked up; the mismatch host passes on its
	valid WebPKI certificate (what policyd did before DANE)."""
	p = daemon_factory(**dane_conf(world, dane="no"))
	domain = "mismatch." + SIGNED_ZONE
	[host] = CASES[domain].policy_mx
	mark = world.mark()
	assert p.ctl("sts %s 5000" % domain)["state"] == "enforce/confirmed"
	rt = settled_route(p, domain)
	assert walk(rt) == [(host, "success")] and \
	    rt["results"][0]["dane"] is None, rt
	assert world.dns_queries("_25._tcp." + host, "TLSA", since=mark) == []


def test_route_without_dane_not_trusted_once_dane_is_on(world,
    daemon_factory):
	"""A route confirmed under dane = no (or before DANE existed) is not
	trusted once DANE is to decide: the next ask probes again, and the
	TLSA mismatch fails it."""
	p = daemon_factory(**dane_conf(world, dane="no"))
	domain = "mismatch." + SIGNED_ZONE
	assert p.ctl("sts %s 5000" % domain)["state"] == "enforce/confirmed"
	p.restart(dane="auto")
	assert p.ctl("sts %s 0 noprobe" % domain)["state"] == \
	    "enforce/pending"
	assert p.show(domain)["route"]["state"] == "pending"
	assert p.ctl("sts %s 5000" % domain)["state"] == "enforce/failed"
	assert settled_route(p, domain)["failure"] == "tlsa-invalid"


def test_dane_route_in_show_survives_restart(world, daemon_factory):
	"""The stored route keeps its DANE details across a restart."""
	p = daemon_factory(**dane_conf(world))
	domain = "ee." + SIGNED_ZONE
	assert p.ctl("sts %s 5000" % domain)["state"] == "enforce/confirmed"
	before = settled_route(p, domain)["results"]
	p.restart()
	after = p.show(domain)["route"]["results"]
	assert after == before and after[0]["dane"]["match"] == "3 1 1"


# --- holds -------------------------------------------------------------------

RECORDER = """#!/usr/bin/python3
import json, sys, time
with open(%r, "a") as f:
	f.write(json.dumps({"argv": sys.argv[1:], "t": time.time()}) + "\\n")
"""


def released(log):
	try:
		with open(log) as f:
			return [json.loads(l)["argv"][0] for l in f if l.strip()]
	except FileNotFoundError:
		return []


def test_hold_released_only_when_dane_passes(world, daemon_factory, fresh):
	"""The milter's hold: a message to the DANE-mismatch domain stays
	held (enforce/failed), one to the DANE-good domain is released; when
	the TLSA is fixed, the next round confirms and releases it."""
	p = daemon_factory(start=False)
	script = os.path.join(p.dir, "release.py")
	log = script + ".log"
	with open(script, "w") as f:
		f.write(RECORDER % log)
	os.chmod(script, 0o755)
	d, (mx,) = dane_domain(world, fresh, [("mx", "good",
	    (3, 1, 1, "rogue"))], prefix="hdane")
	p.write_config(**dane_conf(world, release_command="%s {queue_id}" %
	    script))
	p.start()
	good = "ee." + SIGNED_ZONE
	assert p.ctl("sts %s 5000" % good)["state"] == "enforce/confirmed"
	assert p.ctl("sts %s 5000" % d)["state"] == "enforce/failed"
	assert p.ctl("hold GOOD1 %s" % good)["ok"] is True
	assert p.ctl("hold BAD1 %s" % d)["ok"] is True
	assert wait_until(lambda: "GOOD1" in released(log), timeout=10), \
	    p.stderr_tail()
	time.sleep(2)
	assert "BAD1" not in released(log)
	h = {x["queue_id"]: x for x in p.ctl("holds")["holds"]}
	assert h["BAD1"]["domains"] == [{"domain": d,
	    "state": "enforce/failed"}], h
	# The domain publishes the right TLSA; a new round passes DANE.
	world.set_tlsa(mx, [world.tlsa_rr(mx, 3, 1, 1)])
	p.ctl("flush " + d)
	assert wait_until(lambda: p.ctl("sts %s 3000" % d)["state"] ==
	    "enforce/confirmed", timeout=15)
	assert wait_until(lambda: "BAD1" in released(log), timeout=15), \
	    p.stderr_tail()
	rt = settled_route(p, d)
	assert rt["results"][0]["dane"]["match"] == "3 1 1", rt


# --- TLS-RPT -----------------------------------------------------------------

@pytest.fixture
def rpt(world, daemon_factory, tmp_path):
	"""rpt - a validating daemon that reports, and its sink."""
	prog, out = make_sink(tmp_path)
	p = daemon_factory(**dane_conf(world, tlsrpt_enable="yes",
	    tlsrpt_org_name=ORG, tlsrpt_contact=CONTACT, tlsrpt_from=CONTACT,
	    tlsrpt_sendmail=prog + " -i -t", tlsrpt_delay_max="0"))
	p.out = out
	return p


def stored_day(p, domain):
	r = p.ctl("report list")
	assert r["ok"], r
	ds = [(x["day"], x["day_start"]) for x in r["days"]
	    if any(e["domain"] == domain for e in x["domains"])]
	assert len(ds) == 1, (ds, r)
	return ds[0]


def report_of(p, domain):
	"""report_of - send the day's report of domain; the parsed JSON."""
	day, day0 = stored_day(p, domain)
	assert day == day_name(day0)
	r = p.ctl("report send %s %s" % (day, domain), 600)
	assert r["ok"] and r["sent"] == 1, r
	[raw] = sink_mails(p.out)
	rep, _, _, _, _ = check_report_mail(raw, p.world, domain, SUBMITTER,
	    day0, "tlsrpt@" + domain, CONTACT)
	return rep, day0


def test_tlsrpt_tlsa_policy_beside_sts(world, rpt, fresh):
	"""RFC 8460 section 4.3: the DANE-decided probe is reported under
	policy-type tlsa, policy-string the TLSA RRs, policy-domain the TLSA
	base domain (the MX host, as Postfix reports it), result
	tlsa-invalid; the WebPKI probe of the host without TLSA under sts,
	in the same report: the recipient domain's."""
	d, (mx1, mx2) = dane_domain(world, fresh, [("mx1", "good",
	    (3, 1, 1, "rogue")), ("mx2", "good", None)], prefix="tdane")
	world.set_tlsrpt(d, "v=TLSRPTv1; rua=mailto:tlsrpt@" + d)
	assert rpt.ctl("sts %s 5000" % d)["state"] == "enforce/confirmed"
	settled_route(rpt, d)
	rep, day0 = report_of(rpt, d)
	pols = check_report(rep, ORG, CONTACT, day0)
	assert sorted(pols) == [("sts", d), ("tlsa", mx1)], sorted(pols)
	tlsa = pols[("tlsa", mx1)]
	assert tlsa["policy"] == {"policy-type": "tlsa", "policy-string":
	    [tlsa_text(world, mx1, (3, 1, 1, "rogue"))], "policy-domain": mx1}
	assert tlsa["summary"] == {"total-successful-session-count": 0,
	    "total-failure-session-count": 1}
	[f] = details_by_type(tlsa)["tlsa-invalid"]
	assert f["receiving-mx-hostname"] == mx1 and f["receiving-ip"], f
	assert f["failed-session-count"] == 1
	assert "matches" in f["failure-reason-code"], f
	sts = pols[("sts", d)]
	assert sts["policy"]["mx-host"] == [mx1, mx2], sts
	assert sts["summary"] == {"total-successful-session-count": 1,
	    "total-failure-session-count": 0}
	assert sts["failure-details"] == []


def test_tlsrpt_tlsa_success_and_bogus(world, rpt, fresh):
	"""A DANE success counts under tlsa; a bogus TLSA answer is a tlsa
	failure of type dnssec-invalid with no RRs to name."""
	d, (mx1, mx2) = dane_domain(world, fresh, [("mx1", "good",
	    (3, 1, 1)), ("mx2", "good", (3, 1, 1))], prefix="tbogus")
	world.set_behaviour("_25._tcp." + mx1, "bogus", "TLSA")
	world.set_tlsrpt(d, "v=TLSRPTv1; rua=mailto:tlsrpt@" + d)
	assert rpt.ctl("sts %s 5000" % d)["state"] == "enforce/confirmed"
	rt = settled_route(rpt, d)
	assert walk(rt) == [(mx1, "dnssec-invalid"), (mx2, "success")], rt
	rep, day0 = report_of(rpt, d)
	pols = [p for p in rep["policies"]]
	got = sorted((p["policy"]["policy-type"], tuple(p["policy"].get(
	    "policy-string", ())), p["summary"][
	    "total-successful-session-count"], p["summary"][
	    "total-failure-session-count"]) for p in pols)
	assert got == sorted([("tlsa", (), 0, 1), ("tlsa", (tlsa_text(world,
	    mx2, (3, 1, 1)),), 1, 0)]), got
	[bad] = [p for p in pols if p["policy"].get("policy-string") == []]
	[f] = bad["failure-details"]
	assert f["result-type"] == "dnssec-invalid", f
	assert f["receiving-mx-hostname"] == mx1 and "receiving-ip" not in f
	[good] = [p for p in pols if p["policy"].get("policy-string")]
	assert bad["policy"]["policy-domain"] == mx1, bad
	assert good["policy"]["policy-domain"] == mx2, good
	world.set_behaviour("_25._tcp." + mx1, None, "TLSA")
