#
# test_cache.py - caching and refresh (RFC-CHECKLIST §4: C1-C9, W01-W13,
# F8, T10), the negative cache, persistence across restarts and crashes.
# Domains are made fresh per test, so tests do not depend on each other.
#
import threading
import time

from catalogue import base_policy, ok_answer, NOTFOUND
from helpers import FETCH_TIMEOUT, free_port, wait_until


# txt_recheck = 1s, and times in whole seconds: "older than 1 s" is sure
# only 2 s later.
RECHECK_WAIT = 2.2
# refresh results when the fetch failed: "failed", or "kept" when a valid
# cached policy stays in force (mtasts-policyd.8).
FAILED = ("failed", "kept")


def _ok(d, *mx):
	return ok_answer(d, [m + "." + d for m in mx] if mx else None)


def _epoch(iso):
	"""_epoch - an ISO 8601 UTC string of the control protocol in seconds."""
	return time.mktime(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")) - \
	    time.timezone


def test_w01_c3_same_id_background_check_no_fetch(world, daemon_factory,
    fresh):
	"""W01/C3: a hit older than txt_recheck re-checks the TXT id in the
	background; the same id means no HTTPS fetch."""
	p = daemon_factory(txt_recheck="1s")
	d = fresh("w01")
	world.add_domain(d, id="a1")
	assert p.query(d) == _ok(d, "mail")
	mark = world.mark()
	time.sleep(RECHECK_WAIT)
	assert p.query(d) == _ok(d, "mail")
	assert wait_until(lambda: world.dns_queries("_mta-sts." + d, "TXT",
	    since=mark), 5), "no background TXT re-check"
	time.sleep(0.5)
	assert world.fetch_count(d, since=mark) == 0
	assert p.query(d) == _ok(d, "mail")


def test_w02_c4_new_id_fetched_in_background(world, daemon_factory, fresh):
	"""W02/C4: a changed id fetches the new policy; later lookups see it."""
	p = daemon_factory(txt_recheck="1s")
	d = fresh("w02")
	world.add_domain(d, id="a1", mx=["mx-a." + d])
	assert p.query(d) == _ok(d, "mx-a")
	with world.batch():
		world.set_id(d, "b2")
		world.set_policy(d, base_policy(d, mx=["mx-b." + d]))
	time.sleep(RECHECK_WAIT)
	assert p.wait_answer(d, _ok(d, "mx-b"), 8) == _ok(d, "mx-b")
	s = p.show(d)
	assert s["id"] == "b2" and s["mx"] == ["mx-b." + d]
	assert world.fetch_count(d) == 2


def test_w03_f8_c4_failed_new_id_keeps_old(world, daemon_factory, fresh):
	"""W03/F8/C4: a new id whose fetch fails keeps the old policy, and the
	failed id is not fetched again within 5 minutes; another new id is."""
	p = daemon_factory(txt_recheck="1s")
	d = fresh("w03")
	world.add_domain(d, id="a1", mx=["mx-a." + d])
	assert p.query(d) == _ok(d, "mx-a")
	with world.batch():
		world.set_id(d, "b2")
		world.set_host(d, status=404)
	time.sleep(RECHECK_WAIT)
	assert p.query(d) == _ok(d, "mx-a")
	assert wait_until(lambda: world.fetch_count(d) == 2, 6), \
	    "new id b2 was not fetched"
	time.sleep(0.3)
	assert p.query(d) == _ok(d, "mx-a")
	s = p.show(d)
	assert s["id"] == "a1" and s["last_error"]
	# back-off: neither the background check nor refresh fetch b2 again
	time.sleep(RECHECK_WAIT)
	assert p.query(d) == _ok(d, "mx-a")
	time.sleep(1.0)
	r = p.ctl("refresh " + d)
	assert r["ok"] is True, r
	assert r["policy"]["id"] == "a1"
	assert world.fetch_count(d) == 2
	assert p.query(d) == _ok(d, "mx-a")
	# a different new id may be fetched at once
	with world.batch():
		world.set_id(d, "c3")
		world.set_host(d, status=200, body=base_policy(d,
		    mx=["mx-c." + d]))
	r = p.ctl("refresh " + d)
	# The refresh fetches c3 itself, or the 1 s background check running
	# when it came fetched c3 first and the refresh, run after it (never
	# joined to it), fetched the same policy again: "unchanged".
	assert r["ok"] is True and r["result"] in ("fetched", "unchanged"), r
	assert world.fetch_count(d) == (3 if r["result"] == "fetched" else 4)
	assert r["policy"]["id"] == "c3"
	assert p.query(d) == _ok(d, "mx-c")


def test_w04_c5_txt_trouble_keeps_cache(world, daemon_factory, fresh):
	"""W04/C5/S1: NXDOMAIN, SERVFAIL, two STS records or an invalid record
	neither remove nor change a valid cached policy."""
	p = daemon_factory()
	d = fresh("w04")
	world.add_domain(d, id="a1")
	assert p.query(d) == _ok(d, "mail")
	name = "_mta-sts." + d
	for what in ("nxdomain", "servfail", "two", "invalid", "spf"):
		with world.batch():
			world.set_behaviour(name, None)
			if what == "nxdomain":
				world.set_txt(d)
			elif what == "servfail":
				world.set_behaviour(name, "servfail")
			elif what == "two":
				world.set_txt(d, "v=STSv1; id=b1", "v=STSv1; id=b2")
			elif what == "invalid":
				world.set_txt(d, "v=STSv1; id=b-1")
			else:
				world.set_txt(d, "v=spf1 -all")
		r = p.ctl("refresh " + d)
		assert r["ok"] is True, (what, r)
		assert r["policy"] and r["policy"]["id"] == "a1", (what, r)
		assert p.query(d) == _ok(d, "mail"), what
		assert p.show(d)["id"] == "a1", what


def test_w05_w06_w07_c2_expiry(world, daemon_factory, fresh):
	"""C2: a policy applies while now - fetched_at <= max_age (W05, TXT
	unreachable), never after (W06 TXT gone, W07 same id but fetch fails)."""
	p = daemon_factory()
	d6, d7 = fresh("w06"), fresh("w07")
	for d in (d6, d7):
		world.add_domain(d, id="a1", max_age=3)
		assert p.query(d) == _ok(d, "mail")
	t0 = time.time()
	with world.batch():
		world.set_behaviour("_mta-sts." + d6, "servfail")
		world.set_host(d6, status=404)
		world.set_host(d7, status=500)
	time.sleep(0.8)
	assert p.query(d6) == _ok(d6, "mail")		# W05
	assert p.query(d7) == _ok(d7, "mail")
	with world.batch():
		world.set_behaviour("_mta-sts." + d6, None)
		world.set_txt(d6)
	time.sleep(max(0, t0 + 4.6 - time.time()))
	assert p.query(d6) == NOTFOUND			# W06
	assert p.query(d7) == NOTFOUND			# W07
	s = p.ctl("show " + d7)
	if s["ok"]:
		assert s["expired"] is True or s["state"] == "negative", s


def test_w09_c7_mode_none_replaces(world, daemon_factory, fresh):
	"""W09/C7: a fetched mode none replaces an enforce policy."""
	p = daemon_factory()
	d = fresh("w09")
	world.add_domain(d, id="a1")
	assert p.query(d) == _ok(d, "mail")
	with world.batch():
		world.set_id(d, "b2")
		world.set_policy(d, base_policy(d, mode="none", mx=[]))
	r = p.ctl("refresh " + d)
	assert r["ok"] is True and r["result"] == "fetched", r
	assert p.query(d) == NOTFOUND
	s = p.show(d)
	assert s["mode"] == "none" and s["id"] == "b2" and s["mx"] == []


def test_w10_s3_bad_fetch_keeps_policy(world, daemon_factory, fresh):
	"""W10/P9/S3: an invalid body or a certificate failure for a new id
	keeps the cached policy."""
	p = daemon_factory()
	d = fresh("w10")
	world.add_domain(d, id="a1")
	assert p.query(d) == _ok(d, "mail")
	with world.batch():
		world.set_id(d, "b2")
		world.set_policy(d, "version: STSv1\nmode: enforce\n")
	r = p.ctl("refresh " + d)
	assert r["ok"] is True and r["result"] in FAILED, r
	assert r["policy"]["id"] == "a1"
	assert p.query(d) == _ok(d, "mail")
	assert world.fetch_count(d) == 2
	with world.batch():
		world.set_id(d, "c3")
		world.set_host(d, body=base_policy(d, mx=["evil." + d]),
		    cert="rogue")
	r = p.ctl("refresh " + d)
	assert r["ok"] is True and r["result"] in FAILED, r
	assert r["policy"]["id"] == "a1"
	assert p.query(d) == _ok(d, "mail")
	assert world.fetch_count(d) == 2
	assert p.show(d)["last_error"]
	with world.batch():
		world.set_id(d, "d4")
		world.set_host(d, status=302, location="https://mta-sts." + d +
		    "/other", cert="valid")
	r = p.ctl("refresh " + d)
	assert r["result"] in FAILED, r
	assert p.query(d) == _ok(d, "mail")


def test_w11_c6_refresh_resets_fetched_at(world, daemon_factory, fresh):
	"""W11/C6/F5: a successful refresh of the same id resets fetched_at and
	sends no conditional request headers."""
	p = daemon_factory()
	d = fresh("w11")
	world.add_domain(d, id="a1", headers=[["ETag", "\"e1\""],
	    ["Last-Modified", "Thu, 01 Jan 2026 00:00:00 GMT"],
	    ["Cache-Control", "max-age=60"]])
	assert p.query(d) == _ok(d, "mail")
	s1 = p.show(d)
	time.sleep(1.2)
	r = p.ctl("refresh " + d)
	assert r["ok"] is True and r["result"] in ("fetched", "unchanged"), r
	s2 = p.show(d)
	assert _epoch(s2["fetched_at"]) > _epoch(s1["fetched_at"])
	assert _epoch(s2["expires_at"]) > _epoch(s1["expires_at"])
	assert _epoch(s2["expires_at"]) - _epoch(s2["fetched_at"]) == 86400
	reqs = world.requests(d)
	assert len(reqs) == 2
	for r in reqs:
		names = [k.lower() for k, v in r["headers"]]
		assert "if-none-match" not in names
		assert "if-modified-since" not in names


def test_c6_proactive_refresh(world, daemon_factory, fresh):
	"""C6: a used policy is refetched in the background once half of its
	max_age has passed, extending its lifetime."""
	p = daemon_factory()
	d = fresh("c6")
	world.add_domain(d, id="a1", max_age=4)
	assert p.query(d) == _ok(d, "mail")
	s1 = p.show(d)
	assert wait_until(lambda: world.fetch_count(d) >= 2, 10, 0.2), \
	    "no background refresh within 10 s of a 4 s max_age"
	time.sleep(0.3)
	s2 = p.show(d)
	assert _epoch(s2["fetched_at"]) > _epoch(s1["fetched_at"])
	assert p.query(d) == _ok(d, "mail")


def test_w13_c9_max_age_zero(world, daemon_factory, fresh):
	"""W13/C9: max_age 0 applies to the lookup that fetched it and is
	fetched again on the next use."""
	p = daemon_factory()
	d = fresh("w13")
	world.add_domain(d, id="a1", max_age=0)
	assert p.query(d) == _ok(d, "mail")
	time.sleep(1.2)
	p.query(d)
	assert wait_until(lambda: world.fetch_count(d) >= 2, 6), \
	    "max_age 0 policy not fetched again on the next use"


def test_t10_negative_ttl(world, daemon_factory, fresh):
	"""T10: "no record" is believed for negative_ttl, then asked again."""
	p = daemon_factory(negative_ttl="2s")
	d = fresh("neg")
	world.add_domain(d, txt=[])
	assert p.query(d) == NOTFOUND
	t0 = time.time()
	s = p.show(d)
	assert s["ok"] is True and s["state"] == "negative", s
	assert s["negative_until"] and s["mode"] is None
	world.set_id(d, "n1")
	mark = world.mark()
	assert p.query(d) == NOTFOUND
	assert world.dns_queries("_mta-sts." + d, since=mark) == []
	time.sleep(max(0, t0 + 2.3 - time.time()))
	assert p.wait_answer(d, _ok(d, "mail"), 7) == _ok(d, "mail")


def test_t10_servfail_then_recovery(world, daemon_factory, fresh):
	"""T10: SERVFAIL with no cache means no policy (at once, not after
	lookup_wait); once DNS works again a refresh finds the policy (the
	resolver may remember the SERVFAIL for a few seconds)."""
	p = daemon_factory()
	d = fresh("sf")
	world.add_domain(d, id="s1")
	world.set_behaviour("_mta-sts." + d, "servfail")
	reply, took = p.timed_query(d)
	assert reply == NOTFOUND and took < 2
	assert world.fetch_count(d) == 0
	world.set_behaviour("_mta-sts." + d, None)
	r = wait_until(lambda: p.ctl("refresh " + d)["result"] == "fetched",
	    12, 1)
	assert r, "refresh did not recover within 12 s"
	assert p.query(d) == _ok(d, "mail")


def test_refresh_ignores_negative_cache(world, daemon_factory, fresh):
	"""control refresh re-runs discovery despite the negative cache."""
	p = daemon_factory()
	d = fresh("negref")
	world.add_domain(d, txt=[])
	assert p.query(d) == NOTFOUND
	world.set_id(d, "r1")
	assert p.query(d) == NOTFOUND
	r = p.ctl("refresh " + d)
	assert r["ok"] is True and r["result"] == "fetched", r
	assert p.query(d) == _ok(d, "mail")


def test_restart_answers_from_cache_with_dns_down(world, daemon_factory,
    fresh):
	"""C1/F9: after a restart the cached policy is answered from LMDB
	without any network (DNS and HTTPS unreachable)."""
	p = daemon_factory()
	d = fresh("persist")
	world.add_domain(d, id="a1")
	assert p.query(d) == _ok(d, "mail")
	rc, took = p.stop()
	assert rc == 0 and took < 5
	dead = free_port()
	p.write_config(dns_forwarder="127.0.0.1@%d" % dead,
	    policy_https_port=str(dead))
	p.start()
	mark = world.mark()
	reply, took = p.timed_query(d)
	assert reply == _ok(d, "mail")
	assert took < 1
	assert world.fetch_count(d, since=mark) == 0
	assert p.show(d)["id"] == "a1"


def test_kill9_during_refresh_keeps_cache(world, daemon_factory, fresh):
	"""A crash while a refresh is in flight loses nothing: after restart
	(stale sockets replaced) the cached policy is answered, and a later
	refresh works."""
	p = daemon_factory()
	d = fresh("kill9")
	world.add_domain(d, id="a1", mx=["mx-a." + d])
	assert p.query(d) == _ok(d, "mx-a")
	with world.batch():
		world.set_id(d, "b2")
		world.set_host(d, behaviour="hang", delay=60,
		    body=base_policy(d, mx=["mx-b." + d]))
	mark = world.mark()
	t = threading.Thread(target=lambda: _quiet(p.ctl, "refresh " + d))
	t.start()
	assert wait_until(lambda: world.fetch_count(d, since=mark) == 1, 5)
	p.kill9()
	t.join(10)
	p.start()
	reply, took = p.timed_query(d)
	assert reply == _ok(d, "mx-a") and took < 1
	assert p.show(d)["id"] == "a1"
	world.set_host(d, behaviour="normal")
	r = p.ctl("refresh " + d)
	assert r["ok"] is True, r
	if r["result"] != "fetched":
		# the crashed attempt may count as a failure of id b2 (F8)
		assert r["policy"]["id"] == "a1", r
	else:
		assert p.query(d) == _ok(d, "mx-b")


def _quiet(fn, *args):
	try:
		fn(*args)
	except Exception:
		pass


def test_fetch_timeout_whole_transfer(world, daemon_factory, fresh):
	"""F7: fetch_timeout bounds the whole transfer, not each read: a body
	that trickles one byte every 0.5 s fails."""
	p = daemon_factory(lookup_wait="8s")
	d = fresh("trickle")
	world.add_domain(d, id="t1", behaviour="slow", delay=20)
	reply, took = p.timed_query(d)
	assert reply == NOTFOUND
	assert FETCH_TIMEOUT - 0.5 < took < FETCH_TIMEOUT + 2.5
