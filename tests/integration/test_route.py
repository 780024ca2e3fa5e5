#
# test_route.py - route confirmation by MX probes and the milter's "sts"
# control verb (DESIGN §6; notes/milter-protocol.md; RFC 8461 §4, §5;
# RFC-CHECKLIST E2-E10, W14, W15, W17; RFC 8460 result types R6).
#
# DESCRIPTION
#	Every enforce domain of the world's MX catalogue is asked for with
#	"sts DOMAIN WAIT_MS"; the route policyd keeps ("show" .route) must
#	walk the MX hosts in preference order, skip those the policy does
#	not list without connecting (W14), stop at the first that passes,
#	and classify each failure as its RFC 8460 result type (E10).
#
import calendar
import re
import threading
import time

import pytest

import test_ctl
from catalogue import mx_catalogue
from helpers import (probe_conf, settled_route, start_daemon, stop_daemon,
    wait_until)

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
STATES = {"none", "testing", "enforce/confirmed", "enforce/pending",
    "enforce/failed", "pending"}


def route_conf(world, **extra):
	"""route_conf - config keys for probing the world's MX peers."""
	return probe_conf(world, "probe.route.test", **extra)


@pytest.fixture(scope="module")
def rd(world):
	"""rd - one daemon that probes the world, shared by this module."""
	d = start_daemon(world, **route_conf(world))
	yield d
	stop_daemon(d)


def iso_secs(s):
	"""iso_secs - an ISO 8601 UTC time as Unix seconds."""
	return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def expected_walk(case):
	"""expected_walk - (results, state, failure) a correct walk gives:
	MX in preference order, hosts outside the policy skipped as
	validation-failure, stop at the first success (E4, W14, W15)."""
	results, state, probed_fail, skipped_fail = [], "failed", None, None
	if case.mx == [(0, ".")]:
		return [], "failed", None
	mxs = [h for _, h in sorted(case.mx, key=lambda m: m[0])] or \
	    [case.domain]
	for h in mxs:
		if not case.in_policy(h):
			results.append((h, "validation-failure"))
			skipped_fail = skipped_fail or "validation-failure"
			continue
		res = case.expect[h]
		results.append((h, res))
		if res == "success":
			state = "confirmed"
			break
		if res != "unreachable":
			probed_fail = probed_fail or res
	failure = None if state == "confirmed" else (probed_fail or
	    skipped_fail)
	return results, state, failure


ENFORCE_CASES = [c for c in mx_catalogue() if c.mode == "enforce"]


@pytest.mark.parametrize("case", ENFORCE_CASES, ids=lambda c: c.name)
def test_route_of_catalogue(world, rd, case):
	results, state, failure = expected_walk(case)
	mark = world.mark()
	r = rd.ctl("sts %s 5000" % case.domain)
	assert r["ok"] is True and r["domain"] == case.domain
	assert r["state"] in ("enforce/confirmed", "enforce/failed",
	    "enforce/pending"), r
	rt = settled_route(rd, case.domain)
	assert rt["state"] == state, rt
	assert [(x["mx"], x["result"]) for x in rt["results"]] == results, rt
	assert rt["failure"] == failure, rt
	assert ISO.match(rt["checked_at"])
	for x in rt["results"]:
		assert ISO.match(x["checked_at"]) and x["why"]
	if state == "confirmed":
		assert rt["mx"] == results[-1][0]
	else:
		assert rt["mx"] is None
	# The milter's view agrees with the route.
	want = "enforce/confirmed" if state == "confirmed" else \
	    "enforce/failed"
	assert rd.ctl("sts %s 0" % case.domain)["state"] == want
	# W14: a host outside the policy is never connected to.
	for h, res in results:
		if not case.in_policy(h):
			assert world.smtp_sessions(h, since=mark) == [], h


def test_route_twomx_second_confirms(world, rd):
	"""E4, W15: MX 10 fails (expired), MX 20 confirms the route."""
	r = rd.ctl("sts mx-twomx.test 5000")
	assert r["state"] == "enforce/confirmed"
	rt = settled_route(rd, "mx-twomx.test")
	assert rt["mx"] == "good.mx-twomx.test"
	assert [x["result"] for x in rt["results"]] == ["certificate-expired",
	    "success"]
	assert rt["results"][0]["addr"] and rt["results"][0]["helo"]


def test_route_nullmx_and_nomx(rd):
	"""E8: no MX -> the domain itself; null MX -> no route at all."""
	assert rd.ctl("sts mx-nomx.test 5000")["state"] == "enforce/confirmed"
	assert settled_route(rd, "mx-nomx.test")["mx"] == "mx-nomx.test"
	assert rd.ctl("sts mx-nullmx.test 5000")["state"] == "enforce/failed"
	rt = settled_route(rd, "mx-nullmx.test")
	assert rt["results"] == [] and "null MX" in rt["why"]


def test_route_outside_is_validation_failure(world, rd):
	"""E2, E10, W14: the only MX is not in the policy."""
	mark = world.mark()
	assert rd.ctl("sts mx-outside.test 5000")["state"] == "enforce/failed"
	rt = settled_route(rd, "mx-outside.test")
	assert rt["failure"] == "validation-failure"
	assert "not in the policy" in rt["results"][0]["why"]
	assert world.smtp_sessions("mx.mx-outside.test", since=mark) == []


def test_testing_domain_with_tlsrpt_is_probed(world, rd):
	"""E6, W17: testing + _smtp._tls: probed for reports, never held."""
	r = rd.ctl("sts mx-testing.test 3000")
	assert r["state"] == "testing"
	rt = settled_route(rd, "mx-testing.test")
	assert rt["state"] == "failed"
	assert rt["failure"] == "starttls-not-supported"
	assert rd.ctl("sts mx-testing.test 0")["state"] == "testing"


def test_report_list_right_after_probes(world, rd, fresh):
	"""Issue 14.6: mtasts-ctl report list, run the moment a probe round
	has ended, shows that round's sessions (the store's 2 s batch is
	flushed before the list is read)."""
	d = fresh("rlist")
	host = "mx." + d
	world.add_domain(d, id="t1", mode="testing", mx=[host],
	    mx_records=False)
	world.add_mx(host, "good", domain=d)
	world.set_tlsrpt(d, "v=TLSRPTv1; rua=mailto:tlsrpt@" + d)
	assert rd.ctl("sts %s 3000" % d)["state"] == "testing"
	rt = settled_route(rd, d)
	assert rt["state"] == "confirmed", rt
	r = test_ctl.run_ctl(["report", "list"], conf=rd.conf_path,
	    json_out=True)
	assert r.rc == 0, r
	rows = [e for day in r.doc["days"] for e in day["domains"]
	    if e["domain"] == d]
	assert [(e["success"], e["failure"]) for e in rows] == [(1, 0)], r.doc


def test_testing_domain_without_tlsrpt_not_probed(world, rd, fresh):
	d = fresh("rtest")
	host = "mx." + d
	world.add_domain(d, id="t1", mode="testing", mx=[host],
	    mx_records=False)
	world.add_mx(host, "good", domain=d)
	mark = world.mark()
	assert rd.ctl("sts %s 3000" % d)["state"] == "testing"
	def skipped():
		rt = rd.show(d)["route"]
		return rt if rt and not rt["probing"] and rt["state"] is None \
		    else None
	rt = wait_until(skipped, timeout=5)
	assert rt and "_smtp._tls" in rt["why"] and rt["results"] == []
	time.sleep(0.5)
	assert world.smtp_sessions(host, since=mark) == []


@pytest.mark.parametrize("domain,state", [
    ("none-mode.test", "none"),
    ("nxdomain.test", "none"),
    ("testing.test", "testing"),
    ("[192.0.2.1]", "none"),
    ("192.0.2.1", "none"),
    (".parent.test", "none")])
def test_sts_states(rd, domain, state):
	r = rd.ctl("sts %s 3000" % domain)
	assert r["ok"] is True and r["state"] == state, r


@pytest.mark.parametrize("line", ["sts", "sts mx-good.test",
    "sts mx-good.test -1", "sts mx-good.test 1x", "sts mx-good.test 10 x"])
def test_sts_bad_requests(rd, line):
	r = rd.ctl(line)
	assert r["ok"] is False and r["error"]


def test_sts_pending_with_hanging_policy_host(rd):
	"""Discovery still running after WAIT_MS -> pending, never longer."""
	t0 = time.time()
	r = rd.ctl("sts hang.test 500")
	took = time.time() - t0
	assert r["state"] == "pending", r
	assert 0.4 <= took < 2, took
	# WAIT_MS is capped by lookup_wait (5 s), and the fetch gives up at
	# fetch_timeout: no policy, so none.
	assert wait_until(lambda: rd.ctl("sts hang.test 0")["state"] ==
	    "none", timeout=10)


def test_enforce_pending_then_confirmed(world, rd, fresh):
	d = fresh("rpend")
	host = "mx." + d
	world.add_domain(d, id="p1", mx=[host], mx_records=False)
	world.add_mx(host, "good", domain=d)
	# The policy is cached by a lookup, which never probes.
	assert rd.ctl("lookup " + d)["policy"]["route"] is None
	r = rd.ctl("sts %s 0" % d)
	assert r["state"] == "enforce/pending"
	assert wait_until(lambda: rd.ctl("sts %s 0" % d)["state"] ==
	    "enforce/confirmed", timeout=10)
	assert rd.show(d)["route"]["mx"] == host


def test_first_contact_confirmed_within_wait(world, rd, fresh):
	"""sts waits for discovery and then the probe, within WAIT_MS."""
	d = fresh("rfirst")
	host = "mx." + d
	world.add_domain(d, id="f1", mx=[host], mx_records=False)
	world.add_mx(host, "good", domain=d)
	t0 = time.time()
	assert rd.ctl("sts %s 4000" % d)["state"] == "enforce/confirmed"
	assert time.time() - t0 < 4


def test_probes_coalesce(world, rd, fresh):
	"""Concurrent asks for one domain share one probe round."""
	d = fresh("rcoal")
	host = "mx." + d
	world.add_domain(d, id="c1", mx=[host], mx_records=False)
	world.add_mx(host, "good", domain=d)
	rd.ctl("lookup " + d)
	mark = world.mark()
	out = []

	def ask():
		out.append(rd.ctl("sts %s 4000" % d)["state"])
	ts = [threading.Thread(target=ask) for _ in range(12)]
	for t in ts:
		t.start()
	for t in ts:
		t.join()
	assert out == ["enforce/confirmed"] * 12
	assert len(world.wait_smtp_sessions(host, since=mark, timeout=2)) == 1


def test_failed_route_backs_off(world, rd, fresh):
	"""A failed round is not repeated before ROUTE_BACKOFF_MIN (60 s)."""
	d = fresh("rback")
	host = "mx." + d
	world.add_domain(d, id="b1", mx=[host], mx_records=False)
	world.add_mx(host, "expired", domain=d)
	mark = world.mark()
	assert rd.ctl("sts %s 4000" % d)["state"] == "enforce/failed"
	rt = settled_route(rd, d)
	assert rt["failure"] == "certificate-expired"
	for _ in range(5):
		assert rd.ctl("sts %s 200" % d)["state"] == "enforce/failed"
	assert len(world.smtp_sessions(host, since=mark)) == 1
	assert iso_secs(rt["next_try"]) - iso_secs(rt["checked_at"]) == 60


def test_new_policy_id_probes_again(world, rd, fresh):
	"""A route is trusted only under the policy it was probed for."""
	d = fresh("rnewid")
	world.add_domain(d, id="n1", mx=["mx1." + d], mx_records=False)
	world.add_mx("mx1." + d, "good", domain=d)
	assert rd.ctl("sts %s 4000" % d)["state"] == "enforce/confirmed"
	# The domain moves to a new MX that is not in the old policy.
	with world.batch():
		world.set_mx_records(d, [])
		world.add_mx("mx2." + d, "badname", domain=d)
		world.add_domain(d, id="n2", mx=["mx2." + d], mx_records=False)
	assert rd.ctl("refresh " + d)["result"] == "fetched"
	assert rd.ctl("sts %s 4000" % d)["state"] == "enforce/failed"
	rt = settled_route(rd, d)
	assert rt["policy_id"] == "n2"
	assert rt["failure"] == "certificate-host-mismatch"


def test_flush_forgets_route(world, rd, fresh):
	d = fresh("rflush")
	host = "mx." + d
	world.add_domain(d, id="x1", mx=[host], mx_records=False)
	world.add_mx(host, "good", domain=d)
	assert rd.ctl("sts %s 4000" % d)["state"] == "enforce/confirmed"
	assert rd.ctl("flush " + d)["flushed"] == 1
	mark = world.mark()
	assert rd.ctl("lookup " + d)["policy"]["route"] is None
	assert rd.ctl("sts %s 4000" % d)["state"] == "enforce/confirmed"
	assert len(world.smtp_sessions(host, since=mark)) == 1


def test_status_counts_probes(rd):
	s = rd.ctl("status")["stats"]
	assert s["probes"] >= 1 and s["probe_failures"] >= 1
	assert s["probe_failures"] <= s["probes"]


def test_route_ttl_expiry(world, daemon_factory, fresh):
	"""A confirmed route is trusted for route_ttl, then probed again."""
	d = fresh("rttl")
	host = "mx." + d
	world.add_domain(d, id="e1", mx=[host], mx_records=False)
	world.add_mx(host, "good", domain=d)
	p = daemon_factory(**route_conf(world, route_ttl="3s"))
	assert p.ctl("sts %s 4000" % d)["state"] == "enforce/confirmed"
	first = p.show(d)["route"]["checked_at"]
	time.sleep(4.2)
	assert p.show(d)["route"]["state"] == "pending"
	mark = world.mark()
	assert p.ctl("sts %s 0" % d)["state"] == "enforce/pending"
	assert wait_until(lambda: p.ctl("sts %s 0" % d)["state"] ==
	    "enforce/confirmed", timeout=10)
	assert p.show(d)["route"]["checked_at"] > first
	assert len(world.smtp_sessions(host, since=mark)) == 1


def test_route_survives_restart(world, daemon_factory, fresh):
	d = fresh("rrest")
	host = "mx." + d
	world.add_domain(d, id="s1", mx=[host], mx_records=False)
	world.add_mx(host, "good", domain=d)
	p = daemon_factory(**route_conf(world))
	assert p.ctl("sts %s 4000" % d)["state"] == "enforce/confirmed"
	p.restart()
	mark = world.mark()
	assert p.ctl("sts %s 0" % d)["state"] == "enforce/confirmed"
	assert world.smtp_sessions(host, since=mark) == []
