#
# test_listen.py - the front end's bounds on connections (policyd/listen.c,
# DESIGN §3 socketmap_max_connections, control_max_connections,
# request_timeout, send_timeout; issue 16 item 3).
#
# DESCRIPTION
#	Each test starts its own daemon with small bounds, so a flood takes
#	a handful of sockets and a timeout a second or two:
#	- a socketmap listener full of idle clients refuses more, says so
#	  once (rate-limited), and leaves the control socket (and the other
#	  socketmap listener) alone; the control socket has a cap of its own;
#	- a client trickling one byte a second is cut off request_timeout
#	  after the request's first byte, while an idle one is kept;
#	- a client that pipelines requests and never reads the replies does
#	  not stop others being served, and its thread (and slot) is freed
#	  send_timeout after its replies stopped moving.
#
import os
import select
import socket
import subprocess
import time

from helpers import (NOTFOUND, ProtocolError, SocketmapClient, netstring,
    ok_answer, sm_query, wait_until)

# A key answered NOTFOUND at once, with no DNS (an empty label).
NODNS = "x..test"
CTL = os.path.join(os.environ.get("top_builddir", os.path.join(
    os.path.dirname(__file__), "..", "..")), "ctl", "mtasts-ctl")


def _closed(sock, timeout):
	"""_closed - True if the daemon closes sock within timeout seconds
	(data it sent before closing is read and dropped)."""
	end = time.time() + timeout
	while time.time() < end:
		r, _, _ = select.select([sock], [], [], max(0, end - time.time()))
		if not r:
			break
		try:
			if sock.recv(65536) == b"":
				return True
		except (ConnectionResetError, BrokenPipeError):
			return True
	return False


def _served(addr, timeout=5):
	"""_served - a socketmap connection the daemon has answered once.
	Retried: the daemon's start-up probe (helpers.Daemon.wait_ready)
	may hold a slot until its thread has seen the probe go."""
	end = time.time() + timeout
	while True:
		c = SocketmapClient(addr, 2)
		try:
			if c.query("sts", NODNS) == NOTFOUND:
				return c
		except (OSError, ProtocolError):
			pass
		c.close()
		if time.time() > end:
			raise AssertionError("no slot on %r" % (addr,))
		time.sleep(0.1)


def _served_ctl(path, timeout=5):
	"""_served_ctl - a control connection answered once (retried too)."""
	end = time.time() + timeout
	while True:
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.settimeout(2)
		try:
			s.connect(path)
			s.sendall(b"status\n")
			if b'"ok":true' in s.recv(65536):
				return s
		except OSError:
			pass
		s.close()
		if time.time() > end:
			raise AssertionError("no control slot")
		time.sleep(0.1)


def _ctl_tool(d, verb):
	"""_ctl_tool - mtasts-ctl VERB against d; the CompletedProcess."""
	return subprocess.run([CTL, "-c", d.conf_path, "-s", d.ctl_path,
	    verb], capture_output=True, text=True, timeout=20)


def test_socketmap_flood_leaves_control(daemon_factory):
	"""More idle socketmap clients than socketmap_max_connections: the
	extra ones are closed and logged once; control, mtasts-ctl and the
	inet socketmap listener still answer; a freed slot serves again."""
	d = daemon_factory(socketmap_max_connections="6",
	    control_max_connections="4")
	idle = []
	try:
		for _ in range(6):
			idle.append(_served(d.sm_path))
		extra = [SocketmapClient(d.sm_path) for _ in range(10)]
		for c in extra:
			assert c.closed_without_reply(5)
			c.close()
		assert d.ctl("status")["ok"] is True
		r = _ctl_tool(d, "status")
		assert r.returncode == 0, r.stderr
		assert sm_query(d.inet, "sts", NODNS) == NOTFOUND
		assert wait_until(lambda: "socketmap: 6 connections open" in
		    d.stderr_text(), 5), d.stderr_tail()
		# Ten refusals within LISTEN_LOG_EVERY seconds: one line.
		assert d.stderr_text().count("refused") == 1, d.stderr_tail()
		# A slot freed: a fresh lookup is served again.
		idle.pop().close()
		assert wait_until(lambda: _try_query(d.sm_path) == NOTFOUND, 5)
	finally:
		for c in idle:
			c.close()


def _try_query(addr):
	try:
		return sm_query(addr, "sts", NODNS, timeout=2)
	except (OSError, ProtocolError):
		return None


def test_control_has_its_own_cap(daemon_factory):
	"""control_max_connections caps the control socket alone: past it a
	control client is closed, and socketmap lookups go on."""
	d = daemon_factory(socketmap_max_connections="6",
	    control_max_connections="3")
	held = []
	try:
		for _ in range(3):
			held.append(_served_ctl(d.ctl_path))
		extra = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		extra.connect(d.ctl_path)
		assert _closed(extra, 5)
		extra.close()
		assert d.query(NODNS) == NOTFOUND
		assert wait_until(lambda: "control: 3 connections open" in
		    d.stderr_text(), 5), d.stderr_tail()
		held.pop().close()
		assert wait_until(lambda: _try_ctl(d), 5)
	finally:
		for s in held:
			s.close()


def _try_ctl(d):
	try:
		return d.ctl("status", timeout=2)["ok"] is True
	except (OSError, ProtocolError, ValueError):
		return False


def _trickle(path, data, every, limit):
	"""_trickle - send data one byte per every seconds to path until the
	daemon closes; (seconds until closed or None, bytes sent)."""
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.connect(path)
	t0 = time.time()
	sent = 0
	try:
		while time.time() - t0 < limit:
			if sent < len(data):
				try:
					s.sendall(data[sent:sent + 1])
				except (BrokenPipeError, ConnectionResetError):
					return time.time() - t0, sent
				sent += 1
			if _closed(s, every):
				return time.time() - t0, sent
		return None, sent
	finally:
		s.close()


def test_slow_loris_cut_at_request_deadline(daemon_factory):
	"""One byte a second: the socketmap and control connections are cut
	request_timeout after the first byte, long before the request is
	whole; an idle connection outlives that and still answers."""
	d = daemon_factory(request_timeout="2s")
	idle = SocketmapClient(d.sm_path)
	try:
		req = netstring("sts " + "a" * 30 + ".test")
		took, sent = _trickle(d.sm_path, req, 1, 10)
		assert took is not None, "not cut off after 10 s"
		assert 1.5 <= took <= 4.5 and sent < len(req), (took, sent)
		took, sent = _trickle(d.ctl_path, b"status " + b"x" * 20 + b"\n",
		    1, 10)
		assert took is not None, "control not cut off after 10 s"
		assert 1.5 <= took <= 4.5, (took, sent)
		assert "request not complete within request_timeout" in \
		    d.stderr_text(), d.stderr_tail()
		# Idle for longer than request_timeout, yet still served.
		assert idle.query("sts", NODNS) == NOTFOUND
		assert d.ctl("status")["ok"] is True
	finally:
		idle.close()


def _flood_unread(path, req):
	"""_flood_unread - a client that pipelines req until the daemon stops
	reading (its replies unread); (socket, when the sends stalled)."""
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
	s.connect(path)
	s.setblocking(False)
	chunk = req * 256
	stalled = None
	end = time.time() + 20
	while time.time() < end:
		try:
			s.send(chunk)
			stalled = None
		except BlockingIOError:
			if stalled is None:
				stalled = time.time()
			elif time.time() - stalled > 0.5:
				return s, stalled
			time.sleep(0.05)
	raise AssertionError("the daemon kept reading for 20 s")


def test_client_that_never_reads(world, daemon_factory):
	"""Pipelined requests, replies never read: others are served
	meanwhile, and send_timeout later the connection is closed and its
	slot serves a new client."""
	d = daemon_factory(socketmap_max_connections="3", send_timeout="3s")
	want = ok_answer("enforce.test")
	assert d.wait_answer("enforce.test", want) == want
	a, stalled = _flood_unread(d.sm_path, netstring("sts enforce.test"))
	held = []
	try:
		# While a's thread waits on its replies, others are served.
		assert sm_query(d.sm_path, "sts", "enforce.test", 2) == want
		assert sm_query(d.inet, "sts", "enforce.test", 2) == want
		assert d.ctl("status", timeout=2)["ok"] is True
		# Fill the listener (a and two idle clients): one more is
		# refused until a's slot is freed.
		held = [_served(d.sm_path) for _ in range(2)]
		assert _try_query(d.sm_path) is None
		assert wait_until(lambda: _try_query(d.sm_path) == NOTFOUND,
		    8), "a's slot not freed: " + d.stderr_tail()
		freed = time.time() - stalled
		assert freed < 3 + 3, freed
		assert "replies not read within send_timeout" in \
		    d.stderr_text(), d.stderr_tail()
		a.setblocking(True)
		assert _closed(a, 5), "the never-reading client is still open"
	finally:
		a.close()
		for c in held:
			c.close()
