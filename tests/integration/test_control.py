#
# test_control.py - the policyd control protocol, version 1
# (notes/control-protocol.md; DESIGN §5 builds mtasts-ctl on it).
#
import re
import time
import socket

import pytest

from catalogue import ok_answer, NOTFOUND
from helpers import CtlClient, _connect, wait_until

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SHOW_KEYS = {"domain", "state", "mode", "mx", "max_age", "id", "fetched_at",
    "expires_at", "txt_checked_at", "last_used", "expired", "last_error",
    "negative_until", "route"}


def _check_show(obj, domain):
	"""_check_show - a SHOW-OBJECT of a domain with a policy."""
	missing = SHOW_KEYS - set(obj)
	assert not missing, "SHOW-OBJECT lacks %s" % sorted(missing)
	assert obj["domain"] == domain
	assert obj["state"] == "policy"
	assert obj["mode"] in ("enforce", "testing", "none")
	assert isinstance(obj["mx"], list)
	assert isinstance(obj["max_age"], int)
	for k in ("fetched_at", "expires_at", "txt_checked_at"):
		assert ISO.match(obj[k]), (k, obj[k])
	assert obj["last_used"] is None or ISO.match(obj["last_used"])
	assert obj["expired"] is False
	assert obj["negative_until"] is None
	assert obj["route"] is None


def test_version(policyd):
	r = policyd.ctl("version")
	assert r["ok"] is True and r["protocol"] == 1
	assert re.match(r"^\d+\.\d+\.\d+", r["version"])


def test_status(policyd):
	policyd.query("enforce.test")
	r = policyd.ctl("status")
	assert r["ok"] is True
	assert r["version"] and isinstance(r["uptime"], int) and \
	    r["uptime"] >= 0
	assert set(r["counts"]) >= {"enforce", "testing", "none", "negative"}
	assert set(r["stats"]) >= {"lookups", "hits", "misses", "fetches",
	    "fetch_failures", "discoveries"}
	assert r["holds"] == 0
	assert r["counts"]["enforce"] >= 1
	n = r["stats"]["lookups"]
	policyd.query("enforce.test")
	assert policyd.ctl("status")["stats"]["lookups"] >= n + 1


@pytest.mark.parametrize("day", ["2024-02-31", "2023-02-29", "2024-04-31",
    "2024-1-01", "1969-12-31"])
def test_report_day_must_be_a_date(policyd, day):
	"""The report verbs take only real calendar days, the same ones
	mtasts-ctl's --day takes (common/civil.c): 2024-02-31 was once
	read as March 2nd."""
	r = policyd.ctl("report show enforce.test %s" % day)
	assert r["ok"] is False, r
	assert r["error"] == 'bad day "%s" (YYYY-MM-DD)' % day, r
	r = policyd.ctl("report preview enforce.test %s" % day)
	assert r["ok"] is False and "bad day" in r["error"], r


def test_report_day_leap_day(policyd):
	"""2024-02-29 is a day: the verb answers for it."""
	r = policyd.ctl("report show enforce.test 2024-02-29")
	assert "bad day" not in r.get("error", ""), r
	assert r["ok"] is True and r["day"] == "2024-02-29", r
	assert r["day_start"] == 1709164800, r


def test_lookup_discovers(world, policyd, fresh):
	d = fresh("ctllookup")
	world.add_domain(d, id="l1")
	r = policyd.ctl("lookup " + d)
	assert r["ok"] is True and r["domain"] == d
	assert r["answer"] == ok_answer(d)
	_check_show(r["policy"], d)
	assert r["policy"]["id"] == "l1"
	assert policyd.query(d) == ok_answer(d)
	assert world.fetch_count(d) == 1


@pytest.mark.parametrize("domain,answer,mode", [
    ("testing.test", NOTFOUND, "testing"),
    ("none-mode.test", NOTFOUND, "none"),
    ("nxdomain.test", NOTFOUND, None),
    ("enforce.test", ok_answer("enforce.test"), "enforce")])
def test_lookup_answers(policyd, domain, answer, mode):
	r = policyd.ctl("lookup " + domain)
	assert r["ok"] is True and r["answer"] == answer
	assert r["answer"] == policyd.query(domain)
	if mode is None:
		assert r["policy"] is None or r["policy"]["state"] == "negative"
	else:
		assert r["policy"]["mode"] == mode


def test_show(policyd):
	policyd.query("enforce.test")
	r = policyd.ctl("show enforce.test")
	assert r["ok"] is True
	_check_show(r, "enforce.test")
	assert r["id"] == "20160831085700Z" and r["max_age"] == 86400
	assert r["mx"] == ["mail.enforce.test"] and r["last_error"] is None


def test_show_unknown(policyd):
	r = policyd.ctl("show never-looked-up.test")
	assert r["ok"] is False and r["error"].startswith("not cached")


def test_show_negative(policyd):
	policyd.query("nxdomain.test")
	r = policyd.ctl("show nxdomain.test")
	assert r["ok"] is True and r["state"] == "negative"
	assert r["mode"] is None and ISO.match(r["negative_until"])


def test_list(policyd):
	policyd.query("enforce.test")
	policyd.query("nxdomain.test")
	r = policyd.ctl("list")
	assert r["ok"] is True
	by = {x["domain"]: x for x in r["domains"]}
	_check_show(by["enforce.test"], "enforce.test")
	assert by["nxdomain.test"]["state"] == "negative"


def test_flush_domain(world, policyd, fresh):
	d = fresh("flush")
	world.add_domain(d, id="f1")
	assert policyd.query(d) == ok_answer(d)
	r = policyd.ctl("flush " + d)
	assert r["ok"] is True and r["flushed"] == 1
	assert policyd.ctl("show " + d)["ok"] is False
	r = policyd.ctl("flush " + d)
	# flushing what is not cached: flushed 0, or an error (mtasts-ctl
	# exits 1 for "flush of something unknown")
	assert (r["ok"] is True and r["flushed"] == 0) or \
	    (r["ok"] is False and r["error"]), r
	assert policyd.query(d) == ok_answer(d)
	assert world.fetch_count(d) == 2


def test_refresh_domain(world, policyd, fresh):
	d = fresh("refresh")
	world.add_domain(d, id="r1")
	assert policyd.query(d) == ok_answer(d)
	world.set_id(d, "r2")
	r = policyd.ctl("refresh " + d)
	assert r["ok"] is True and r["result"] == "fetched", r
	_check_show(r["policy"], d)
	assert r["policy"]["id"] == "r2"


def test_refresh_unchanged(world, policyd, fresh):
	"""A refresh that fetches the policy already cached (same id, same
	text) says "unchanged" (issue 17.7); it really fetched, and a later
	change of text under a new id is "fetched" again."""
	d = fresh("refresh-same")
	world.add_domain(d, id="u1")
	assert policyd.query(d) == ok_answer(d)
	before = policyd.ctl("show " + d)["fetched_at"]
	n = world.fetch_count(d)
	time.sleep(1.1)
	r = policyd.ctl("refresh " + d)
	assert r["ok"] is True and r["result"] == "unchanged", r
	assert r["error"] is None
	assert world.fetch_count(d) == n + 1
	assert r["policy"]["id"] == "u1"
	assert r["policy"]["fetched_at"] > before
	world.set_id(d, "u2")
	r = policyd.ctl("refresh " + d)
	assert r["ok"] is True and r["result"] == "fetched", r
	assert r["policy"]["id"] == "u2"


def test_refresh_no_record(policyd, fresh):
	r = policyd.ctl("refresh " + fresh("norecord"))
	assert r["ok"] is True and r["result"] == "no-record", r
	assert r["policy"] is None


def test_refresh_all(policyd):
	policyd.query("enforce.test")
	r = policyd.ctl("refresh --all")
	assert r["ok"] is True and r["queued"] >= 1
	assert _idle(policyd), "the queued refreshes never finished"


@pytest.mark.parametrize("line", ["bogus", "show", "show a b",
    "lookup", "flush", "refresh", "show -x", "VERSION", "", "show \u00e9.test"])
def test_bad_requests(policyd, line):
	"""Unknown verbs and bad arguments get ok:false with an error; the
	connection stays usable."""
	with CtlClient(policyd.ctl_path) as c:
		r = c.request(line)
		assert r["ok"] is False and r["error"], r
		assert c.request("version")["ok"] is True


def test_long_line(policyd):
	"""A line over 1024 bytes: ok:false, then the connection closes."""
	with CtlClient(policyd.ctl_path) as c:
		r = c.request("show " + "a" * 2000)
		assert r["ok"] is False
		c.sock.settimeout(5)
		try:
			assert c.sock.recv(100) == b""
		except ConnectionResetError:
			pass
	assert policyd.ctl("version")["ok"] is True


def test_many_requests_one_connection(policyd):
	with CtlClient(policyd.ctl_path) as c:
		for _ in range(50):
			assert c.request("version")["protocol"] == 1
			assert c.request("show enforce.test")["ok"] is True


def test_client_closes_mid_line(policyd):
	s = _connect(policyd.ctl_path, 5)
	s.sendall(b"stat")
	s.shutdown(socket.SHUT_WR)
	s.settimeout(5)
	try:
		s.recv(1000)
	except OSError:
		pass
	s.close()
	assert policyd.ctl("version")["ok"] is True


def _idle(policyd):
	"""_idle - no discovery queued or running (a background job that
	finished after a flush would write its domain back)."""
	return wait_until(lambda: policyd.ctl("status")["stats"][
	    "pending_jobs"] == 0, timeout=30, every=0.1)


def test_flush_all(policyd):
	"""Last in this module: forgets everything."""
	policyd.query("enforce.test")
	assert _idle(policyd)
	r = policyd.ctl("flush --all")
	assert r["ok"] is True and r["flushed"] >= 1
	assert policyd.ctl("list")["domains"] == []
	assert policyd.ctl("show enforce.test")["ok"] is False
	assert policyd.query("enforce.test") == ok_answer("enforce.test")
