#
# test_hold.py - the hold registry and the release of held messages
# (DESIGN §2 privileges, §3 hold_max and release_command, §6;
# notes/milter-protocol.md: hold, holds, release).
#
# DESCRIPTION
#	release_command points at a script written by the test (absolute
#	path) that appends its argv, uid, working directory, environment
#	and the time to a file, so the tests see what the privileged helper
#	ran, in which order, and when.
#
import grp
import json
import os
import pwd
import re
import shutil
import signal
import time

import pytest

from helpers import NETNS, recorded_fds, wait_until, write_fd_recorder

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
STATES = {"none", "testing", "enforce/confirmed", "enforce/pending",
    "enforce/failed", "pending"}
CLEAN_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}

RECORDER = """#!/usr/bin/python3
import json, os, sys, time
# The environment as exec'd (Python itself may add LC_CTYPE later).
with open("/proc/self/environ", "rb") as f:
	env = dict(e.decode().split("=", 1) for e in f.read().split(b"\\0") if e)
with open(%r, "a") as f:
	f.write(json.dumps({"argv": sys.argv[1:], "uid": os.getuid(),
	    "cwd": os.getcwd(), "env": env, "t": time.time()}) + "\\n")
sys.exit(%d)
"""


def write_recorder(d, name="release.py", status=0):
	"""write_recorder - the script and its log file in directory d."""
	script = os.path.join(d, name)
	log = os.path.join(d, name + ".log")
	with open(script, "w") as f:
		f.write(RECORDER % (log, status))
	os.chmod(script, 0o755)
	return script, log


def runs(log):
	"""runs - what the recorder logged, in order."""
	try:
		with open(log) as f:
			return [json.loads(l) for l in f if l.strip()]
	except FileNotFoundError:
		return []


def hold_daemon(world, daemon_factory, status=0, start=True, **extra):
	"""hold_daemon - a daemon whose two release commands are recorded."""
	p = daemon_factory(start=False)
	script, log = write_recorder(p.dir, status=status)
	conf = {"release_command": ["%s one {queue_id}" % script,
	    "%s two x{queue_id}y $HOME ; `id` |" % script],
	    "probe_helo": "probe.hold.test"}
	if not NETNS:
		conf["mx_smtp_port"] = str(world.smtp_port)
	conf.update(extra)
	p.write_config(**conf)
	if start:
		p.start()
	p.script, p.log = script, log
	return p


def holds(p):
	r = p.ctl("holds")
	assert r["ok"] is True
	return {h["queue_id"]: h for h in r["holds"]}


def test_hold_registration(world, daemon_factory):
	p = hold_daemon(world, daemon_factory)
	assert p.ctl("sts mx-nostarttls.test 4000")["state"] == "enforce/failed"
	r = p.ctl("hold ABCdef123 mx-nostarttls.test MX-NoStartTLS.test. "
	    "mx-expired.test")
	assert r["ok"] is True and r["queue_id"] == "ABCdef123"
	assert ISO.match(r["held_at"])
	h = holds(p)["ABCdef123"]
	assert h["held_at"] == r["held_at"] and h["released_at"] is None
	assert [d["domain"] for d in h["domains"]] == ["mx-nostarttls.test",
	    "mx-expired.test"]
	assert h["domains"][0]["state"] == "enforce/failed"
	assert all(d["state"] in STATES for d in h["domains"])
	assert p.ctl("status")["holds"] == 1
	# Registered again: the domains are merged, the time kept.
	r2 = p.ctl("hold ABCdef123 mx-badname.test mx-expired.test")
	assert r2["ok"] is True and r2["held_at"] == r["held_at"]
	assert [d["domain"] for d in holds(p)["ABCdef123"]["domains"]] == [
	    "mx-nostarttls.test", "mx-expired.test", "mx-badname.test"]
	assert p.ctl("status")["holds"] == 1


def test_hold_as_many_domains_as_the_milter_checks(world, daemon_factory):
	"""A hold takes as many domains as the milter checks per message
	(1000), sent over several request lines; one more is refused."""
	p = hold_daemon(world, daemon_factory)
	doms = ["d%d.many-hold.test" % i for i in range(1001)]
	line, n = "hold MANY", 0
	for d in doms[:1000]:
		if len(line) + 1 + len(d) > 1000:
			r = p.ctl(line)
			assert r["ok"] is True, r
			line = "hold MANY"
		line += " " + d
		n += 1
	assert p.ctl(line)["ok"] is True
	h = holds(p)["MANY"]
	assert [d["domain"] for d in h["domains"]] == doms[:1000]
	r = p.ctl("hold MANY " + doms[1000])
	assert r["ok"] is False and "more than 1000 domains" in r["error"], r
	assert len(holds(p)["MANY"]["domains"]) == 1000


@pytest.mark.parametrize("line", [
    "hold", "hold ABC", "hold a;b mx-good.test", "hold a-b mx-good.test",
    "hold ../x mx-good.test", "hold A$(id) mx-good.test",
    "hold %s mx-good.test" % ("A" * 65),
    "hold ABC 192.0.2.1", "hold ABC [mx-good.test]x", "hold ABC .x.test",
    "hold ABC mx-good.test b\xe4d.test"])
def test_hold_refused(world, daemon_factory, line):
	"""Queue ids are [A-Za-z0-9]+ (at most 64); domains are host names."""
	p = hold_daemon(world, daemon_factory)
	r = p.ctl(line)
	assert r["ok"] is False and r["error"], r
	assert holds(p) == {}


def test_release_runs_commands_in_order(world, daemon_factory):
	p = hold_daemon(world, daemon_factory)
	assert p.ctl("sts mx-nostarttls.test 4000")["state"] == "enforce/failed"
	assert p.ctl("hold Q1 mx-nostarttls.test")["ok"] is True
	r = p.ctl("release Q1")
	assert r["ok"] is True and r["released"] == 1
	assert r["results"] == [{"queue_id": "Q1", "status": [0, 0],
	    "error": None}]
	got = runs(p.log)
	# execve, never a shell: every word reaches the command literally.
	assert [g["argv"] for g in got] == [["one", "Q1"],
	    ["two", "xQ1y", "$HOME", ";", "`id`", "|"]]
	assert got[0]["t"] <= got[1]["t"]
	for g in got:
		assert g["env"] == CLEAN_ENV and g["cwd"] == "/"
		assert g["uid"] == os.geteuid()
	assert holds(p) == {}
	r = p.ctl("release Q1")
	assert r["ok"] is False and r["error"] == "not held: Q1"
	r = p.ctl("release Q;1")
	assert r["ok"] is False and "not a queue id" in r["error"]
	assert len(runs(p.log)) == 2


def test_release_all(world, daemon_factory):
	p = hold_daemon(world, daemon_factory)
	assert p.ctl("sts mx-expired.test 4000")["state"] == "enforce/failed"
	for q in ("A1", "A2", "A3"):
		assert p.ctl("hold %s mx-expired.test" % q)["ok"] is True
	r = p.ctl("release --all")
	assert r["ok"] is True and r["released"] == 3
	assert sorted(x["queue_id"] for x in r["results"]) == ["A1", "A2",
	    "A3"]
	assert holds(p) == {}
	assert sorted(g["argv"][1] for g in runs(p.log) if g["argv"][0] ==
	    "one") == ["A1", "A2", "A3"]
	assert p.ctl("release --all")["released"] == 0


def test_failed_release_is_reported_and_retried(world, daemon_factory):
	p = hold_daemon(world, daemon_factory, status=3)
	assert p.ctl("sts mx-good.test 4000")["state"] == "enforce/confirmed"
	assert p.ctl("hold F1 mx-good.test")["ok"] is True
	assert wait_until(lambda: len(runs(p.log)) >= 2, timeout=8)
	h = wait_until(lambda: holds(p)["F1"]["release_failures"] == 1 and
	    holds(p)["F1"], timeout=3)
	assert h and h["released_at"] is None, holds(p)
	assert wait_until(lambda: "queue_id=F1 release failed" in
	    p.stderr_text(), timeout=3)
	r = p.ctl("release F1")
	assert r["ok"] is True and r["results"][0]["status"] == [3, 3]
	assert r["results"][0]["error"]
	assert holds(p) == {}


def test_release_once_settled_and_again_a_minute_later(world,
    daemon_factory, fresh):
	"""DESIGN §6: released once every domain is settled, not sooner than
	2 s after registration, and once more a minute later."""
	d = fresh("hsettle")
	host = "mx." + d
	world.add_domain(d, id="h1", mx=[host], mx_records=False)
	world.add_mx(host, "expired", domain=d)
	p = hold_daemon(world, daemon_factory)
	assert p.ctl("sts mx-good.test 4000")["state"] == "enforce/confirmed"
	assert p.ctl("sts %s 4000" % d)["state"] == "enforce/failed"
	t0 = time.time()
	assert p.ctl("hold S1 mx-good.test %s" % d)["ok"] is True
	# Domain d is unsettled: nothing is released.
	time.sleep(3.5)
	assert runs(p.log) == []
	# The MX gets a good certificate; the next probe settles d.
	world.add_mx(host, "good", domain=None)
	p.ctl("flush " + d)
	t1 = time.time()
	assert wait_until(lambda: len(runs(p.log)) >= 2, timeout=10), \
	    p.stderr_tail()
	first = runs(p.log)
	assert [g["argv"][:2] for g in first] == [["one", "S1"],
	    ["two", "xS1y"]]
	assert first[0]["t"] >= t1
	# The daemon notes the release once the helper has answered.
	assert wait_until(lambda: holds(p)["S1"]["released_at"] is not None,
	    timeout=3)
	# Once more about a minute later, then forgotten.
	assert wait_until(lambda: len(runs(p.log)) >= 4, timeout=70)
	again = runs(p.log)[2:]
	assert [g["argv"][:2] for g in again] == [["one", "S1"],
	    ["two", "xS1y"]]
	assert 58 <= again[0]["t"] - first[0]["t"] <= 65
	assert wait_until(lambda: holds(p) == {}, timeout=3)
	assert first[0]["t"] - t0 >= 2


def test_release_not_sooner_than_two_seconds(world, daemon_factory):
	p = hold_daemon(world, daemon_factory)
	assert p.ctl("sts mx-good.test 4000")["state"] == "enforce/confirmed"
	assert p.ctl("sts none-mode.test 4000")["state"] == "none"
	t0 = time.time()
	assert p.ctl("hold T1 mx-good.test none-mode.test")["ok"] is True
	assert wait_until(lambda: len(runs(p.log)) >= 2, timeout=8)
	assert runs(p.log)[0]["t"] - t0 >= 2
	assert wait_until(lambda: "queue_id=T1 released (every domain "
	    "settled)" in p.stderr_text(), timeout=3)


def test_hold_max_releases_anyway(world, daemon_factory):
	p = hold_daemon(world, daemon_factory, hold_max="4s")
	assert p.ctl("sts mx-nostarttls.test 4000")["state"] == "enforce/failed"
	t0 = time.time()
	assert p.ctl("hold M1 mx-nostarttls.test")["ok"] is True
	assert wait_until(lambda: len(runs(p.log)) >= 2, timeout=10)
	assert runs(p.log)[0]["t"] - t0 >= 3
	assert wait_until(lambda: "queue_id=M1 released" in p.stderr_text(),
	    timeout=3)
	err = p.stderr_text()
	assert re.search(r"queue_id=M1 held for hold_max \(4s\) with "
	    r"mx-nostarttls.test=enforce/failed", err), err
	# the line says what protects the delivery now (issue 17.2)
	assert re.search(r"queue_id=M1 held for hold_max .*releasing anyway: "
	    r"a Postfix that asks the socketmap still requires a verified "
	    r"certificate naming an MX host of the domain that the policy "
	    r"lists", err), err
	assert wait_until(lambda: holds(p)["M1"]["released_at"] is not None,
	    timeout=3)


def test_holds_survive_restart(world, daemon_factory):
	p = hold_daemon(world, daemon_factory)
	assert p.ctl("sts mx-untrusted.test 4000")["state"] == "enforce/failed"
	r = p.ctl("hold K1 mx-untrusted.test")
	p.restart()
	h = holds(p)["K1"]
	assert h["held_at"] == r["held_at"]
	assert h["domains"] == [{"domain": "mx-untrusted.test",
	    "state": "enforce/failed"}]
	# The new daemon's helper releases it.
	assert p.ctl("release K1")["released"] == 1
	assert [g["argv"][1] for g in runs(p.log)] == ["K1", "xK1y"]


def test_release_command_must_be_absolute(world, daemon_factory):
	"""No PATH search as root: a relative command is a config error (the
	helper refuses one too)."""
	p = hold_daemon(world, daemon_factory, start=False)
	p.write_config(release_command="bin/release {queue_id}")
	p.start(wait=False)
	rc = p.proc.wait(10)
	p.proc = None
	p.errf.close()
	assert rc == 1
	assert "absolute path" in p.stderr_text()


def _helper_pid(p):
	"""_helper_pid - the helper's pid from the daemon's log."""
	m = re.search(r"release helper started \(pid (\d+)\)",
	    p.stderr_text())
	assert m, p.stderr_tail()
	return int(m.group(1))


def _proc_status(pid):
	"""_proc_status - /proc/PID/status as a dict, or None."""
	try:
		with open("/proc/%d/status" % pid) as f:
			return dict(l.split(":", 1) for l in f.read().splitlines()
			    if ":" in l)
	except FileNotFoundError:
		return None


def _gone(pid):
	st = _proc_status(pid)
	return st is None or st["State"].strip().startswith("Z")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges")
def test_helper_keeps_root_daemon_drops(world, daemon_factory):
	"""DESIGN §2: the helper stays root, everything else is unprivileged."""
	try:
		pw = pwd.getpwnam("nobody")
		gr = grp.getgrnam("nogroup")
	except KeyError:
		pytest.skip("no nobody/nogroup on this machine")
	p = hold_daemon(world, daemon_factory, start=False)
	os.chmod(p.dir, 0o755)
	ca = os.path.join(p.dir, "ca.pem")
	shutil.copy(world.ca_file, ca)
	os.chmod(ca, 0o644)
	os.chown(p.cache_dir, pw.pw_uid, gr.gr_gid)
	p.write_config(user="nobody", group="nogroup", tls_ca_file=ca)
	os.chmod(p.conf_path, 0o644)
	p.start()
	helper = _helper_pid(p)
	hs, ds = _proc_status(helper), _proc_status(p.proc.pid)
	assert int(hs["PPid"]) == p.proc.pid
	assert hs["Uid"].split() == ["0"] * 4, hs["Uid"]
	assert ds["Uid"].split() == [str(pw.pw_uid)] * 4, ds["Uid"]
	# The helper holds nothing of the daemon's but its socketpair.
	fds = os.listdir("/proc/%d/fd" % helper)
	assert len(fds) <= 4, [os.readlink("/proc/%d/fd/%s" % (helper, f))
	    for f in fds]
	# The unprivileged daemon releases through the root helper.
	assert p.ctl("sts mx-nostarttls.test 4000")["state"] == "enforce/failed"
	assert p.ctl("hold N1 mx-nostarttls.test")["ok"] is True
	assert p.ctl("release N1")["results"][0]["status"] == [0, 0]
	assert [g["uid"] for g in runs(p.log)] == [0, 0]
	p.stop()
	assert wait_until(lambda: _gone(helper), timeout=5)


def test_helper_exits_with_daemon(world, daemon_factory):
	p = hold_daemon(world, daemon_factory)
	helper = _helper_pid(p)
	assert not _gone(helper)
	os.kill(p.proc.pid, signal.SIGKILL)
	p.proc.wait()
	p.proc = None
	p.errf.close()
	assert wait_until(lambda: _gone(helper), timeout=5)


def test_release_without_helper(world, daemon_factory):
	"""A helper that died makes releases fail, loudly; nothing else."""
	p = hold_daemon(world, daemon_factory)
	helper = _helper_pid(p)
	os.kill(helper, signal.SIGKILL)
	assert wait_until(lambda: _gone(helper), timeout=5)
	assert p.ctl("hold D1 mx-expired.test")["ok"] is True
	r = p.ctl("release D1")
	assert r["ok"] is True and r["released"] == 1
	assert r["results"][0]["status"] == [] and r["results"][0]["error"]
	assert runs(p.log) == []
	assert "release helper" in p.stderr_text()
	assert p.query("enforce.test").startswith("OK ")
	assert p.ctl("hold D2 mx-expired.test")["ok"] is True
	assert p.ctl("release D2")["results"][0]["error"] == \
	    "no release helper"


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"),
    reason="needs /proc/self/fd")
def test_release_command_inherits_only_stdio(world, daemon_factory,
    tmp_path):
	"""Issue 16 item 4: release_command runs with stdin, stdout and
	stderr only - nothing of the daemon's or the helper's."""
	script = str(tmp_path / "fds.py")
	log = script + ".log"
	write_fd_recorder(script, log)
	p = hold_daemon(world, daemon_factory, release_command=[
	    "%s {queue_id}" % script])
	assert p.ctl("sts mx-nostarttls.test 4000")["state"] == "enforce/failed"
	assert p.ctl("hold FD1 mx-nostarttls.test")["ok"] is True
	r = p.ctl("release FD1")
	assert r["ok"] is True and r["results"][0]["status"] == [0], r
	got = recorded_fds(log)
	assert len(got) == 1, got
	fds = got[0]["fds"]
	assert sorted(fds) == ["0", "1", "2"], fds
	assert fds["0"] == "/dev/null", fds
	assert got[0]["sigblk"] == 0, got[0]


def test_hold_max_messages(world, daemon_factory):
	"""hold_max_messages bounds the held messages (issue 16.5): past it a
	hold is refused with a clear error, so the milter does not quarantine
	the message (on_policyd_error decides); a message already held may be
	registered again; after a release there is room again."""
	p = hold_daemon(world, daemon_factory, hold_max_messages="3")
	assert p.ctl("sts mx-nostarttls.test 4000")["state"] == "enforce/failed"
	for q in ("L1", "L2", "L3"):
		assert p.ctl("hold %s mx-nostarttls.test" % q)["ok"] is True
	r = p.ctl("hold L4 mx-nostarttls.test")
	assert r["ok"] is False, r
	assert "too many held messages (3, hold_max_messages 3)" in r["error"]
	assert "L4" not in holds(p)
	assert "queue_id=L4 not held: 3 messages are held already" in \
	    p.stderr_text()
	assert p.ctl("hold L1 mx-nostarttls.test")["ok"] is True
	assert p.ctl("release L2")["ok"] is True
	assert wait_until(lambda: "L2" not in holds(p), timeout=5)
	assert p.ctl("hold L4 mx-nostarttls.test")["ok"] is True
