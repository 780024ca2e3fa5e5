#
# test_tlsrpt_collect.py - the TLS-RPT store and its sources, against a
# running mtasts-policyd: libtlsrpt datagrams on tlsrpt_collector_socket
# (format as Postfix >= 3.10 sends it), checked through the control
# verbs "report list" and "report show DOMAIN DAY".
#
import json
import os
import socket
import stat
import time

import pytest

from helpers import tlsrpt_clock_env, tlsrpt_day_name, wait_until
from tlsrpt_checks import send_dgram as send

RECORD = "v=TLSRPTv1; rua=mailto:tlsrpt@example.test"
STS_STRINGS = ["version: STSv1", "mode: enforce", "mx: mx.d1.test",
    "max_age: 86400"]


def today():
	"""today - the daemons' TLS-RPT day (helpers.TLSRPT_DAY)."""
	return tlsrpt_day_name()


def dgram(domain, policies, dpv="1", record=RECORD, spaced=True, extra=None):
	"""dgram - a datagram the way libtlsrpt writes it (bytes)."""
	o = {}
	if dpv is not None:
		o["dpv"] = dpv
	o["d"] = domain
	if record is not None:
		o["pr"] = record
	o["policies"] = policies
	if extra:
		o.update(extra)
	if spaced:
		return json.dumps(o, separators=(", ", ": ")).encode()
	return json.dumps(o, separators=(",", ":")).encode()


def sts_policy(domain, f=0, details=(), ptype=2):
	p = {"policy-type": ptype, "policy-domain": domain,
	    "policy-string": STS_STRINGS, "mx-host": ["mx.d1.test"],
	    "t": len(details), "f": f}
	if details:
		p["failure-details"] = list(details)
	return p


def detail(code, mx="mx.d1.test", helo=None, reason=None, rip="192.0.2.1"):
	d = {"c": code, "s": "127.0.0.1", "n": mx, "r": rip}
	if helo is not None:
		d["h"] = helo
	if reason is not None:
		d["f"] = reason
	return d


@pytest.fixture(scope="module")
def coll(world):
	from helpers import Daemon
	d = Daemon(world)
	d.sock = os.path.join(d.dir, "tlsrpt.sock")
	d.write_config(tlsrpt_collector_socket=d.sock)
	d.start(env=tlsrpt_clock_env())
	yield d
	rc, _ = d.stop(5)
	assert rc == 0, d.stderr_tail()
	d.cleanup()


def show(d, domain, day=None):
	r = d.ctl("report show %s %s" % (domain, day or today()))
	assert r["ok"], r
	return r


def wait_events(d, n, timeout=5):
	"""wait_events - until the collector has read n datagrams in all."""
	ok = wait_until(lambda: d.ctl("report list")["collector"]["received"]
	    >= n, timeout)
	assert ok, d.ctl("report list")


def policies_of(r):
	out = []
	for rep in r["reports"]:
		out.extend(rep["policies"])
	return out


def test_socket_mode(coll):
	st = os.stat(coll.sock)
	assert stat.S_ISSOCK(st.st_mode)
	assert stat.S_IMODE(st.st_mode) == 0o660


def test_success_and_failures_counted(coll):
	base = coll.ctl("report list")["collector"]["received"]
	dom = "c1.test"
	for i in range(3):
		send(coll.sock, dgram(dom, [sts_policy(dom)], spaced=i % 2 == 0))
	send(coll.sock, dgram(dom, [sts_policy(dom, 1, [detail(202)])]))
	send(coll.sock, dgram(dom, [sts_policy(dom, 1, [detail(202)])],
	    spaced=False))
	send(coll.sock, dgram(dom, [sts_policy(dom, 1, [detail(203,
	    reason="unable to get local issuer certificate")])]))
	wait_events(coll, base + 6)
	r = show(coll, dom)
	assert len(r["reports"]) == 1
	rep = r["reports"][0]
	assert rep["record"] == RECORD
	assert rep["rua"] == ["mailto:tlsrpt@example.test"]
	[p] = rep["policies"]
	assert p["policy"]["policy-type"] == "sts"
	assert p["policy"]["policy-string"] == STS_STRINGS
	assert p["policy"]["mx-host"] == ["mx.d1.test"]
	assert p["summary"] == {"total-successful-session-count": 3,
	    "total-failure-session-count": 3}
	by = {f["result-type"]: f for f in p["failure-details"]}
	assert by["certificate-host-mismatch"]["failed-session-count"] == 2
	assert by["certificate-host-mismatch"]["receiving-mx-hostname"] == \
	    "mx.d1.test"
	assert by["certificate-host-mismatch"]["sending-mta-ip"] == "127.0.0.1"
	assert by["certificate-host-mismatch"]["receiving-ip"] == "192.0.2.1"
	assert by["certificate-not-trusted"]["failure-reason-code"] == \
	    "unable to get local issuer certificate"


def test_all_codes_mapped(coll):
	base = coll.ctl("report list")["collector"]["received"]
	dom = "c2.test"
	codes = {201: "starttls-not-supported", 202: "certificate-host-mismatch",
	    203: "certificate-not-trusted", 204: "certificate-expired",
	    205: "validation-failure", 301: "sts-policy-fetch-error",
	    302: "sts-policy-invalid", 303: "sts-webpki-invalid",
	    304: "tlsa-invalid", 305: "dnssec-invalid", 306: "dane-required"}
	for c in codes:
		send(coll.sock, dgram(dom, [sts_policy(dom, 1, [detail(c)])]))
	wait_events(coll, base + len(codes))
	[p] = policies_of(show(coll, dom))
	assert sorted(f["result-type"] for f in p["failure-details"]) == \
	    sorted(codes.values())
	assert p["summary"]["total-failure-session-count"] == len(codes)


def test_several_details_one_session(coll):
	base = coll.ctl("report list")["collector"]["received"]
	dom = "c3.test"
	send(coll.sock, dgram(dom, [sts_policy(dom, 1, [detail(202),
	    detail(204)])]))
	wait_events(coll, base + 1)
	[p] = policies_of(show(coll, dom))
	assert p["summary"]["total-failure-session-count"] == 1
	assert sorted(f["result-type"] for f in p["failure-details"]) == \
	    ["certificate-expired", "certificate-host-mismatch"]


def test_no_policy_found_takes_d(coll):
	base = coll.ctl("report list")["collector"]["received"]
	dom = "c4.test"
	pol = {"policy-type": 9, "t": 0, "f": 0}
	send(coll.sock, dgram(dom, [pol]))
	wait_events(coll, base + 1)
	[p] = policies_of(show(coll, dom))
	assert p["policy"]["policy-type"] == "no-policy-found"
	assert p["policy"]["policy-domain"] == dom
	assert p["policy"]["mx-host"] == []
	assert p["summary"]["total-successful-session-count"] == 1


def test_tlsa_policy(coll):
	base = coll.ctl("report list")["collector"]["received"]
	dom = "c5.test"
	pol = {"policy-type": 1, "policy-domain": "mx.c5.test",
	    "policy-string": ["3 1 1 " + "ab" * 32], "t": 1, "f": 1,
	    "failure-details": [detail(304)]}
	send(coll.sock, dgram(dom, [pol]))
	wait_events(coll, base + 1)
	# counted in the report of "d", the recipient domain, under the TLSA
	# base domain Postfix names as the policy domain
	[p] = policies_of(show(coll, dom))
	assert p["policy"]["policy-type"] == "tlsa"
	assert p["policy"]["policy-domain"] == "mx.c5.test"
	assert p["failure-details"][0]["result-type"] == "tlsa-invalid"
	assert policies_of(show(coll, "mx.c5.test")) == []


def test_version_warnings_are_kept(coll):
	base = coll.ctl("report list")
	dom = "c6.test"
	send(coll.sock, dgram(dom, [sts_policy(dom)], dpv=None))
	send(coll.sock, dgram(dom, [sts_policy(dom)], dpv="2"))
	send(coll.sock, dgram(dom, [sts_policy(dom)], extra={"zz": [1, {}],
	    "new-key": "x"}))
	wait_events(coll, base["collector"]["received"] + 3)
	[p] = policies_of(show(coll, dom))
	assert p["summary"]["total-successful-session-count"] == 3
	now = coll.ctl("report list")["collector"]
	assert now["warnings"] >= base["collector"]["warnings"] + 2
	assert now["dropped"] == base["collector"]["dropped"]
	assert "dpv missing" in coll.stderr_text()


def test_invalid_utf8_kept(coll):
	base = coll.ctl("report list")["collector"]["received"]
	dom = "c7.test"
	raw = dgram(dom, [sts_policy(dom, 1, [detail(202, helo="HELOX")])])
	raw = raw.replace(b"HELOX", b"he\xff\xc3lo\xe2\x82")
	send(coll.sock, raw)
	wait_events(coll, base + 1)
	[p] = policies_of(show(coll, dom))
	[f] = p["failure-details"]
	assert f["receiving-mx-helo"] == "he??lo??"


def test_garbage_and_oversize_dropped(coll):
	base = coll.ctl("report list")["collector"]
	send(coll.sock, b"this is not json")
	send(coll.sock, b"\x00\x01\x02\xff" * 100)
	send(coll.sock, b"[1,2,3]")
	send(coll.sock, b'{"dpv":"1","d":"x.test","policies":[{"policy-type":7}]}')
	big = dgram("c8.test", [sts_policy("c8.test")], extra={"pad":
	    "x" * 70000})
	try:
		send(coll.sock, big)
		nbig = 1
	except OSError:
		nbig = 0	# the kernel refused it: also not stored
	wait_events(coll, base["received"] + 4 + nbig)
	now = coll.ctl("report list")["collector"]
	assert now["dropped"] == base["dropped"] + 4 + nbig
	assert now["accepted"] == base["accepted"]
	assert show(coll, "c8.test")["reports"] == []
	assert coll.alive()


def test_detail_cap(coll):
	base = coll.ctl("report list")["collector"]["received"]
	dom = "c9.test"
	n = 1010
	for i in range(n):
		send(coll.sock, dgram(dom, [sts_policy(dom, 1, [detail(202,
		    mx="mx%d.c9.test" % i)])]))
		if i % 200 == 199:
			time.sleep(0.05)	# keep within the socket buffer
	wait_events(coll, base + n, timeout=20)
	[p] = policies_of(show(coll, dom))
	assert len(p["failure-details"]) == 1000
	assert sum(f["failed-session-count"] for f in p["failure-details"]) \
	    == n
	assert p["failure-details"][-1]["failed-session-count"] == 11
	assert p["summary"]["total-failure-session-count"] == n
	assert coll.ctl("report list")["store"]["capped"] >= 1


def test_day_bucketing_and_list(coll):
	r = coll.ctl("report list")
	days = [d["day"] for d in r["days"]]
	assert today() in days
	doms = [x["domain"] for d in r["days"] if d["day"] == today()
	    for x in d["domains"]]
	assert "c1.test" in doms
	# nothing yesterday
	y = tlsrpt_day_name(-1)
	assert show(coll, "c1.test", y)["reports"] == []
	bad = coll.ctl("report show c1.test 2024-13-01")
	assert not bad["ok"]


def test_restart_keeps_counts(world, daemon_factory):
	d = daemon_factory()
	d.stop()
	sock = os.path.join(d.dir, "t.sock")
	d.write_config(tlsrpt_collector_socket=sock)
	d.start(env=tlsrpt_clock_env())
	dom = "r1.test"
	for _ in range(4):
		send(sock, dgram(dom, [sts_policy(dom)]))
	send(sock, dgram(dom, [sts_policy(dom, 1, [detail(201)])]))
	assert wait_until(lambda: d.ctl("report list")["collector"]
	    ["received"] >= 5, 5)
	# stop at once: the batch is flushed at shutdown
	d.stop()
	assert os.path.exists(sock) is False or stat.S_ISSOCK(
	    os.stat(sock).st_mode)
	d.start(env=tlsrpt_clock_env())
	[p] = policies_of(show(d, dom))
	assert p["summary"] == {"total-successful-session-count": 4,
	    "total-failure-session-count": 1}
	send(sock, dgram(dom, [sts_policy(dom)]))
	assert wait_until(lambda: policies_of(show(d, dom))[0]["summary"]
	    ["total-successful-session-count"] == 5, 5)


def test_stale_socket_replaced(world, daemon_factory):
	d = daemon_factory()
	d.stop()
	sock = os.path.join(d.dir, "stale.sock")
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind(sock)
	s.close()		# the file stays, nobody reads it
	d.write_config(tlsrpt_collector_socket=sock)
	d.start(env=tlsrpt_clock_env())
	send(sock, dgram("s1.test", [sts_policy("s1.test")]))
	assert wait_until(lambda: d.ctl("report list")["collector"]
	    ["accepted"] >= 1, 5)


# --- policyd's own events: policy fetch failures and MX probes -----------

@pytest.fixture(scope="module")
def ev(world):
	"""ev - a daemon that probes the world's MX peers."""
	from helpers import Daemon, NETNS
	conf = {"probe_helo": "probe.tlsrpt.test"}
	if not NETNS:
		conf["mx_smtp_port"] = str(world.smtp_port)
	d = Daemon(world, **conf)
	d.start(env=tlsrpt_clock_env())
	yield d
	rc, _ = d.stop(5)
	assert rc == 0, d.stderr_tail()
	d.cleanup()


def one_policy(d, domain):
	ps = policies_of(show(d, domain))
	assert len(ps) == 1, ps
	return ps[0]


def test_fetch_error_with_valid_txt(world, ev, fresh):
	d = fresh("rf404")
	world.add_domain(d, id="f1", status=404)
	world.set_tlsrpt(d, "v=TLSRPTv1; rua=mailto:tlsrpt@" + d)
	ev.ctl("lookup " + d)
	assert wait_until(lambda: policies_of(show(ev, d)), 5)
	p = one_policy(ev, d)
	assert p["policy"]["policy-type"] == "sts"
	assert p["policy"]["policy-domain"] == d
	assert p["summary"]["total-failure-session-count"] == 1
	[f] = p["failure-details"]
	assert f["result-type"] == "sts-policy-fetch-error"
	assert "404" in f["failure-reason-code"]
	# raw view: the record is looked up when the report is built
	assert show(ev, d)["reports"][0]["record"] == ""


def test_webpki_error(world, ev, fresh):
	d = fresh("rfpki")
	world.add_domain(d, id="f1", cert="rogue")
	ev.ctl("lookup " + d)
	assert wait_until(lambda: policies_of(show(ev, d)), 5)
	[f] = one_policy(ev, d)["failure-details"]
	assert f["result-type"] == "sts-webpki-invalid"


def test_invalid_policy(world, ev, fresh):
	d = fresh("rfinv")
	world.add_domain(d, id="f1", policy="version: STSv1\nmode: bogus\n")
	ev.ctl("lookup " + d)
	assert wait_until(lambda: policies_of(show(ev, d)), 5)
	[f] = one_policy(ev, d)["failure-details"]
	assert f["result-type"] == "sts-policy-invalid"


def test_no_txt_no_event(world, ev, fresh):
	d = fresh("rfnotxt")
	ev.ctl("lookup " + d)
	time.sleep(0.3)
	assert show(ev, d)["reports"] == []


def probe_domain(world, d, behaviour):
	host = "mx." + d
	world.add_domain(d, id="p1", mx=[host], mx_records=False)
	world.add_mx(host, behaviour, domain=d)
	world.set_tlsrpt(d, "v=TLSRPTv1; rua=mailto:tlsrpt@" + d)
	return host


def test_probe_success(world, ev, fresh):
	d = fresh("rpgood")
	host = probe_domain(world, d, "good")
	assert ev.ctl("sts %s 4000" % d)["state"] == "enforce/confirmed"
	p = one_policy(ev, d)
	assert p["summary"] == {"total-successful-session-count": 1,
	    "total-failure-session-count": 0}
	assert p["policy"]["mx-host"] == [host]
	assert "mode: enforce" in p["policy"]["policy-string"]
	assert "mx: " + host in p["policy"]["policy-string"]
	assert p["policy"]["policy-string"][0] == "version: STSv1"


@pytest.mark.parametrize("behaviour,rtype", [
    ("badname", "certificate-host-mismatch"),
    ("expired", "certificate-expired"),
    ("untrusted", "certificate-not-trusted"),
    ("nostarttls", "starttls-not-supported")])
def test_probe_failures(world, ev, fresh, behaviour, rtype):
	d = fresh("rp" + behaviour)
	host = probe_domain(world, d, behaviour)
	assert ev.ctl("sts %s 4000" % d)["state"] == "enforce/failed"
	p = one_policy(ev, d)
	assert p["summary"]["total-failure-session-count"] == 1
	[f] = p["failure-details"]
	assert f["result-type"] == rtype
	assert f["receiving-mx-hostname"] == host
	assert f["receiving-ip"]


def test_probe_unreachable_not_reported(world, ev, fresh):
	d = fresh("rpdead")
	probe_domain(world, d, "refused")
	assert ev.ctl("sts %s 6000" % d)["state"] == "enforce/failed"
	assert show(ev, d)["reports"] == []


def test_hostile_domain_not_stored(coll):
	base = coll.ctl("report list")["collector"]["received"]
	send(coll.sock, dgram("../x y.test", [sts_policy("../x y.test")]))
	send(coll.sock, dgram("ok.c10.test", [sts_policy("ok.c10.test",
	    1, [detail(202, helo='evil"\\\n<helo>')])]))
	wait_events(coll, base + 2)
	r = coll.ctl("report list")
	doms = [x["domain"] for d in r["days"] for x in d["domains"]]
	assert "../x y.test" not in doms
	[f] = policies_of(show(coll, "ok.c10.test"))[0]["failure-details"]
	assert f["receiving-mx-helo"] == 'evil"\\\n<helo>'


def test_preview_resolves_and_merges(world, ev, fresh):
	"""A probe result (stored without a record) is reported under the
	domain's current record; a domain without a usable record has no
	report to send."""
	d = fresh("rprev")
	host = probe_domain(world, d, "good")
	assert ev.ctl("sts %s 4000" % d)["state"] == "enforce/confirmed"
	send_rec = "v=TLSRPTv1; rua=mailto:tlsrpt@" + d
	raw = show(ev, d)
	assert [rep["record"] for rep in raw["reports"]] == [""]
	r = ev.ctl("report preview %s %s" % (d, today()))
	assert r["ok"], r
	[rep] = r["reports"]
	assert rep["record"] == send_rec
	assert rep["rua"] == ["mailto:tlsrpt@" + d]
	[p] = rep["policies"]
	assert p["policy"]["mx-host"] == [host]
	assert p["summary"]["total-successful-session-count"] == 1
	# no usable record: nothing to send
	world.set_tlsrpt(d, "v=TLSRPTv1; rua=ftp://x.test/")
	assert ev.ctl("report preview %s %s" % (d, today()))["reports"] == []
	world.set_tlsrpt(d)
	assert ev.ctl("report preview %s %s" % (d, today()))["reports"] == []


def test_preview_merges_record_and_lookup(world, coll):
	"""Results with the record text and results without it merge into
	one policy when the looked-up record is the same."""
	dom = "c11.test"
	world.set_tlsrpt(dom, RECORD)
	base = coll.ctl("report list")["collector"]["received"]
	send(coll.sock, dgram(dom, [sts_policy(dom)]))
	send(coll.sock, dgram(dom, [sts_policy(dom)], record=None))
	send(coll.sock, dgram(dom, [sts_policy(dom, 1, [detail(202)])],
	    record=None))
	wait_events(coll, base + 3)
	assert len(show(coll, dom)["reports"]) == 2
	r = coll.ctl("report preview %s %s" % (dom, today()))
	[rep] = r["reports"]
	assert rep["record"] == RECORD
	[p] = rep["policies"]
	assert p["summary"] == {"total-successful-session-count": 2,
	    "total-failure-session-count": 1}


def test_junk_cannot_crowd_out_real_counts(world, daemon_factory, fresh):
	"""Issue 16.5: datagrams about hundreds of unique junk domains once
	filled the map and lost real counts. Now datagram-only aggregates are
	bounded a day (tlsrpt_datagram_limit) and per domain (16); a domain
	whose policy is cached always counts, and the drops are counted as
	"limited" and logged."""
	p = daemon_factory(start=False)
	p.sock = os.path.join(p.dir, "tlsrpt.sock")
	p.write_config(tlsrpt_collector_socket=p.sock,
	    tlsrpt_datagram_limit="40")
	p.start(env=tlsrpt_clock_env())
	real = fresh("realdom")
	world.add_domain(real)
	assert p.query(real).startswith("OK secure")
	base = p.ctl("report list")["collector"]["received"]
	sent = 0
	for i in range(3):
		send(p.sock, dgram(real, [sts_policy(real)]))
		sent += 1
	for i in range(200):
		junk = "junk%d-%s" % (i, real)
		send(p.sock, dgram(junk, [sts_policy(junk, 1, [detail(202)])]))
		sent += 1
		if i % 100 == 99:
			time.sleep(0.05)	# keep within the socket buffer
	# one domain with ever new policy strings: 16 aggregates at most
	one = "one-" + real
	for i in range(30):
		pol = sts_policy(one)
		pol["policy-string"] = STS_STRINGS + ["x: %d" % i]
		send(p.sock, dgram(one, [pol]))
		sent += 1
	for i in range(2):
		send(p.sock, dgram(real, [sts_policy(real, 1, [detail(202)])]))
		sent += 1
	wait_events(p, base + sent, timeout=20)
	[pol] = policies_of(show(p, real))
	assert pol["summary"] == {"total-successful-session-count": 3,
	    "total-failure-session-count": 2}
	r = p.ctl("report list")
	doms = [x["domain"] for d in r["days"] if d["day"] == today()
	    for x in d["domains"]]
	junk_kept = [d for d in doms if d.startswith("junk")]
	assert len(junk_kept) == 40, len(junk_kept)
	assert one not in doms		# the day's 40 were used up by junk
	assert r["store"]["limited"] == 200 - 40 + 30, r["store"]
	assert "not counted: over the limits for domains without a cached " \
	    "policy (tlsrpt_datagram_limit 40 a day, 16 per domain)" in \
	    p.stderr_text()


def test_per_domain_aggregate_cap(world, daemon_factory, fresh):
	"""At most 16 datagram-only aggregates for one domain a day."""
	p = daemon_factory(start=False)
	p.sock = os.path.join(p.dir, "tlsrpt.sock")
	p.write_config(tlsrpt_collector_socket=p.sock)
	p.start(env=tlsrpt_clock_env())
	one = fresh("manypol")
	base = p.ctl("report list")["collector"]["received"]
	for i in range(30):
		pol = sts_policy(one)
		pol["policy-string"] = STS_STRINGS + ["x: %d" % i]
		send(p.sock, dgram(one, [pol]))
	wait_events(p, base + 30, timeout=20)
	assert len(policies_of(show(p, one))) == 16
	assert p.ctl("report list")["store"]["limited"] == 14
