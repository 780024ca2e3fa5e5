#
# test_notify.py - systemd readiness (issue 13 item 2): mtasts-policyd and
# mtasts-milter speak the notify socket protocol of sd_notify(3) to the
# datagram socket named by NOTIFY_SOCKET.
#
# DESCRIPTION
#	Each test binds its own AF_UNIX datagram socket (a path, or a name
#	in the Linux abstract namespace), starts a daemon with NOTIFY_SOCKET
#	naming it and reads what arrives, as systemd would. READY=1 must
#	come only when every socket accepts: the test connects to each one
#	right after reading it, before anything else. SIGHUP (policyd) gives
#	RELOADING=1 with MONOTONIC_USEC= and then READY=1; SIGTERM gives
#	STOPPING=1; each carries a STATUS= line. A NOTIFY_SOCKET that cannot
#	be used is logged and the daemon runs on.
#
import itertools
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from helpers import Daemon, DaemonError, write_config

HERE = os.path.dirname(os.path.abspath(__file__))
_serial = itertools.count(1)


def milter_path():
	"""milter_path - the milter binary under test (as test_milter.py)."""
	if os.environ.get("MTASTS_MILTER"):
		return os.environ["MTASTS_MILTER"]
	top = os.environ.get("top_builddir")
	if top:
		return os.path.join(top, "milter", "mtasts-milter")
	return os.path.normpath(os.path.join(HERE, "..", "..", "milter",
	    "mtasts-milter"))


MILTER = milter_path()


class Notify:
	"""Notify - the service manager's end: a datagram socket to read
	notifications from. abstract: a Linux abstract name, else a path in
	dir."""

	def __init__(self, dir=None, abstract=False):
		self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		if abstract:
			name = "mtasts-test-notify-%d-%d" % (os.getpid(),
			    next(_serial))
			self.sock.bind("\0" + name)
			self.env = "@" + name
		else:
			self.env = os.path.join(dir, "notify%d.sock" %
			    next(_serial))
			self.sock.bind(self.env)
		self.seen = []

	def close(self):
		self.sock.close()

	def next(self, timeout):
		"""next - the next message as a dict (and kept in seen), or
		None after timeout seconds."""
		self.sock.settimeout(max(timeout, 0.001))
		try:
			data = self.sock.recv(4096)
		except socket.timeout:
			return None
		text = data.decode("utf-8")
		assert text.endswith("\n"), "message not ending in a newline: %r" % text
		msg = {}
		for line in text.split("\n")[:-1]:
			assert "=" in line, "not NAME=VALUE: %r in %r" % (line, text)
			k, v = line.split("=", 1)
			msg[k] = v
		self.seen.append(msg)
		return msg

	def wait_for(self, key, value="1", timeout=15, alive=None):
		"""wait_for - read until a message with key=value; it, or a
		test failure naming what did arrive."""
		end = time.time() + timeout
		while time.time() < end:
			m = self.next(min(0.2, end - time.time()))
			if m is not None and m.get(key) == value:
				return m
			if alive is not None and not alive():
				break
		pytest.fail("no %s=%s within %d s; got %r" % (key, value,
		    timeout, self.seen))


def can_connect(addr):
	"""can_connect - does a stream socket at addr (path or (host, port))
	accept a connection right now?"""
	fam = socket.AF_UNIX if isinstance(addr, str) else socket.AF_INET
	s = socket.socket(fam, socket.SOCK_STREAM)
	s.settimeout(1)
	try:
		s.connect(addr)
		return True
	except OSError:
		return False
	finally:
		s.close()


@pytest.fixture
def notified(world):
	"""notified - make(**config) -> (Daemon, Notify), the daemon started
	without waiting, NOTIFY_SOCKET naming the Notify socket; all stopped
	at the end (each must exit 0)."""
	made = []

	def make(abstract=False, **conf):
		d = Daemon(world, **conf)
		n = Notify(d.dir, abstract)
		made.append((d, n))
		d.start(wait=False, env={"NOTIFY_SOCKET": n.env})
		return d, n
	yield make
	errors = []
	for d, n in made:
		try:
			rc, _ = d.stop(5)
			if rc not in (0, None):
				errors.append("exit %s: %s" % (rc, d.stderr_tail()))
		except DaemonError as e:
			errors.append(str(e))
		n.close()
		d.cleanup()
	assert not errors, "; ".join(errors)


def _ready_and_accepting(d, n):
	"""_ready_and_accepting - wait for READY=1, then at once check that
	every socket of policyd accepts; the READY message."""
	m = n.wait_for("READY", alive=d.alive)
	accepts = {a: can_connect(a) for a in (d.sm_path, d.ctl_path, d.inet)}
	assert all(accepts.values()), "READY=1 before the sockets accept: %r" % accepts
	return m


# --- mtasts-policyd ---------------------------------------------------

def test_policyd_ready_only_when_sockets_accept(notified):
	d, n = notified()
	m = _ready_and_accepting(d, n)
	assert "socketmap" in m.get("STATUS", ""), m
	# Nothing claimed READY before: no earlier message had it.
	assert [x for x in n.seen if x.get("READY") == "1"] == [m]
	# The cache is open: the control socket answers from it.
	r = d.ctl("version")
	assert r.get("ok") is True, r


def test_policyd_reload_and_stop(notified):
	d, n = notified()
	_ready_and_accepting(d, n)
	before = time.monotonic()
	d.hup()
	m = n.wait_for("RELOADING", alive=d.alive)
	after = time.monotonic()
	# MONOTONIC_USEC: CLOCK_MONOTONIC in microseconds (Type=notify-reload).
	usec = int(m["MONOTONIC_USEC"])
	assert before * 1e6 - 1e6 <= usec <= after * 1e6 + 1e6, (before, usec, after)
	assert m.get("STATUS") == "reloading the configuration", m
	m = n.wait_for("READY", alive=d.alive)
	assert "reloaded" in m.get("STATUS", ""), m
	assert can_connect(d.sm_path)
	# A broken file: still RELOADING=1 then READY=1, the reason in STATUS.
	d.write_config(raw="no_such_key = 1\n")
	d.hup()
	n.wait_for("RELOADING", alive=d.alive)
	m = n.wait_for("READY", alive=d.alive)
	assert "reload failed" in m.get("STATUS", "") and \
	    "no_such_key" in m["STATUS"], m
	assert "\n" not in m["STATUS"]
	d.write_config(raw=d.config_text())
	rc, _ = d.stop()
	assert rc == 0, d.stderr_tail()
	m = n.wait_for("STOPPING", timeout=2)
	assert "stopping" in m.get("STATUS", ""), m


@pytest.mark.skipif(not sys.platform.startswith("linux"),
    reason="abstract sockets exist only on Linux")
def test_policyd_abstract_socket(notified):
	d, n = notified(abstract=True)
	assert n.env.startswith("@")
	_ready_and_accepting(d, n)
	d.hup()
	n.wait_for("RELOADING", alive=d.alive)
	n.wait_for("READY", alive=d.alive)


@pytest.mark.parametrize("value,why", [
	("/nonexistent/notify.sock", "No such file"),
	("relative/notify.sock", "neither an absolute path"),
	("vsock:2:1234", "not supported"),
])
def test_policyd_unusable_notify_socket(world, daemon_factory, value, why):
	"""A NOTIFY_SOCKET that cannot be used is logged; the daemon runs."""
	d = daemon_factory(start=False)
	d.start(env={"NOTIFY_SOCKET": value})
	assert d.alive()
	log = d.stderr_text()
	assert "NOTIFY_SOCKET %s" % value in log and why in log, log
	assert d.ctl("version").get("ok") is True
	d.hup()
	time.sleep(0.3)
	assert d.alive()


def test_policyd_manager_gone(notified):
	"""The manager's socket goes away after READY=1: reload and stop
	still work, the failed send is logged."""
	d, n = notified()
	_ready_and_accepting(d, n)
	n.close()
	os.unlink(n.env)
	d.hup()
	assert d.ctl("version").get("ok") is True
	end = time.time() + 5
	while "cannot notify the service manager" not in d.stderr_text() and \
	    time.time() < end:
		time.sleep(0.05)
	assert "cannot notify the service manager" in d.stderr_text()
	rc, took = d.stop()
	assert rc == 0 and took < 5


# --- mtasts-milter ----------------------------------------------------

class NotifiedMilter:
	"""NotifiedMilter - one mtasts-milter -f beside a policyd, with
	NOTIFY_SOCKET naming a Notify socket of its own."""

	def __init__(self, policyd, abstract=False, gone=False, **conf):
		k = next(_serial)
		self.sock = os.path.join(policyd.dir, "nm%d.sock" % k)
		self.conf_path = os.path.join(policyd.dir, "nm%d.conf" % k)
		self.log_path = os.path.join(policyd.dir, "nm%d.log" % k)
		c = dict(policyd.conf)
		c.update({"milter_socket": "unix:" + self.sock,
		    "log_level": "debug", "local_domains": "local.test"})
		c.update(conf)
		write_config(self.conf_path, c)
		self.notify = Notify(policyd.dir, abstract)
		if gone:
			self.notify.close()
			os.unlink(self.notify.env)
		env = dict(os.environ)
		env["NOTIFY_SOCKET"] = self.notify.env
		self.logf = open(self.log_path, "ab")
		self.proc = subprocess.Popen([MILTER, "-f", "-c",
		    self.conf_path], stdin=subprocess.DEVNULL,
		    stdout=self.logf, stderr=self.logf, close_fds=True, env=env)

	def alive(self):
		return self.proc.poll() is None

	def log(self):
		with open(self.log_path, "rb") as f:
			return f.read().decode("utf-8", "replace")

	def stop(self):
		"""stop - SIGTERM; the exit code (libmilter notices within 5 s).
		READY=1 comes just before smfi_main(): a SIGTERM before
		libmilter's listener loop runs makes smfi_main() fail (exit 1,
		"stopped after an error"), so give it a moment, as an MTA's
		first connection would."""
		time.sleep(0.5)
		if self.proc.poll() is None:
			self.proc.send_signal(signal.SIGTERM)
		try:
			rc = self.proc.wait(10)
		except subprocess.TimeoutExpired:
			self.proc.kill()
			self.proc.wait()
			rc = "timeout"
		self.logf.close()
		return rc


@pytest.fixture
def milters():
	made = []
	yield made
	for m in made:
		if m.proc.returncode is None:
			m.stop()
		m.notify.close()


need_milter = pytest.mark.skipif(not os.path.exists(MILTER),
    reason="no milter binary at " + MILTER)


@need_milter
@pytest.mark.parametrize("abstract", [False, True])
def test_milter_ready_and_stopping(daemon_factory, milters, abstract):
	if abstract and not sys.platform.startswith("linux"):
		pytest.skip("abstract sockets exist only on Linux")
	p = daemon_factory()
	m = NotifiedMilter(p, abstract=abstract)
	milters.append(m)
	r = m.notify.wait_for("READY", alive=m.alive)
	assert can_connect(m.sock), "READY=1 before the milter socket accepts"
	# READY=1 comes after the start-up check of policyd.
	assert r.get("STATUS") == "serving, mtasts-policyd answers", r
	assert "started:" in m.log()
	assert m.stop() == 0, m.log()
	s = m.notify.wait_for("STOPPING", timeout=2)
	assert s.get("STATUS") == "stopping", s


@need_milter
def test_milter_ready_without_policyd(daemon_factory, milters):
	"""policyd absent: the milter still serves (it retries), and says
	so in STATUS=."""
	p = daemon_factory(start=False)
	m = NotifiedMilter(p)
	milters.append(m)
	r = m.notify.wait_for("READY", alive=m.alive)
	assert can_connect(m.sock)
	assert "does not answer" in r.get("STATUS", ""), r
	assert m.stop() == 0, m.log()
	m.notify.wait_for("STOPPING", timeout=2)


@need_milter
def test_milter_unusable_notify_socket(daemon_factory, milters):
	p = daemon_factory()
	m = NotifiedMilter(p, gone=True)
	milters.append(m)
	# The socket is gone before the milter looks: logged, it runs on.
	end = time.time() + 10
	while not (can_connect(m.sock) and "started:" in m.log()) and \
	    time.time() < end and m.alive():
		time.sleep(0.05)
	assert can_connect(m.sock) and "started:" in m.log(), m.log()
	assert "NOTIFY_SOCKET %s" % m.notify.env in m.log()
	assert m.stop() == 0, m.log()
