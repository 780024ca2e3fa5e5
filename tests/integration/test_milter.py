#
# test_milter.py - mtasts-milter against a real mtasts-policyd (DESIGN §6):
# the miltertest scripts of tests/milter, one pytest test each.
#
# DESCRIPTION
#	Each test prepares the world (fresh domains, MX peers), starts what
#	it needs and runs "miltertest -s tests/milter/SCRIPT.lua -D ..." on
#	an mtasts-milter that talks to an mtasts-policyd over its control
#	socket. The script does the milter side (see tests/milter/lib.lua);
#	this file checks what only the outside can see: policyd's hold
#	registry, the time a message took, the milter's log and exit status.
#
#	Milters share one policyd per module and are stopped together at
#	the end (libmilter notices SIGTERM within five seconds); every one
#	must exit 0. The "policyd stopped" tests use a policyd of their own.
#
#	Tests that need the control verbs "sts" and "hold" (mtasts-policyd
#	protocol 1 additions for the milter) fail, naming the verb, against
#	a policyd that does not have them.
#
#	Two tests play the MTA themselves: MiniMTA (a few lines of the milter
#	protocol) where miltertest's buffer for a header field overflows,
#	and, inside the network namespace only, a private Postfix that
#	holds a message through the milter and delivers it once policyd has
#	released it (DESIGN §1, end to end).
#
# ENVIRONMENT
#	MTASTS_MILTER	the milter binary (default $top_builddir/milter/...)
#
import itertools
import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import time

import pytest

from helpers import Daemon, DaemonError, NETNS, wait_until, write_config

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.normpath(os.path.join(HERE, "..", "milter"))
MILTERTEST = shutil.which("miltertest")
MILTER_WAIT = 2			# seconds, the default
OUTSIDE = "192.0.2.25"		# not in internal_hosts
LOCAL_DOMAIN = "local.test"


def milter_path():
	"""milter_path - the milter binary under test."""
	if os.environ.get("MTASTS_MILTER"):
		return os.environ["MTASTS_MILTER"]
	top = os.environ.get("top_builddir")
	if top:
		return os.path.join(top, "milter", "mtasts-milter")
	return os.path.normpath(os.path.join(HERE, "..", "..", "milter",
	    "mtasts-milter"))


MILTER = milter_path()

pytestmark = [
	pytest.mark.skipif(MILTERTEST is None,
	    reason="miltertest is not installed (Debian package miltertest)"),
	pytest.mark.skipif(not os.path.exists(MILTER),
	    reason="no milter binary at " + MILTER),
]

_serial = itertools.count(1)


# --- the milter ---------------------------------------------------------

class Milter:
	"""Milter - one mtasts-milter -f with its own config file and socket,
	talking to the control socket of policyd (a Daemon)."""

	def __init__(self, policyd, **conf):
		n = next(_serial)
		self.dir = policyd.dir
		self.conn = conf.get("milter_socket") or "unix:" + \
		    os.path.join(self.dir, "milter%d.sock" % n)
		self.sock = self.conn[len("unix:"):]
		self.conf_path = os.path.join(self.dir, "milter%d.conf" % n)
		self.log_path = os.path.join(self.dir, "milter%d.log" % n)
		c = dict(policyd.conf)
		c.update({"milter_socket": self.conn, "log_level": "debug",
		    "local_domains": LOCAL_DOMAIN})
		c.update(conf)
		self.conf = c
		write_config(self.conf_path, c)
		self.proc = None

	def start(self, timeout=10):
		"""start - run it in the foreground; wait until it accepts and
		has logged "started:" (after its start-up check of policyd's
		control socket, which takes up to 2 s when policyd is stuck: a
		test that stops policyd right after start must not race it)."""
		self.logf = open(self.log_path, "ab")
		self.proc = subprocess.Popen([MILTER, "-f", "-c",
		    self.conf_path], stdin=subprocess.DEVNULL,
		    stdout=self.logf, stderr=self.logf, close_fds=True)
		end = time.time() + timeout
		while time.time() < end:
			if self.proc.poll() is not None:
				rc = self.proc.returncode
				self.proc = None
				raise DaemonError("mtasts-milter exited with %s: "
				    "%s" % (rc, self.log_tail()))
			s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
			try:
				s.connect(self.sock)
				if "started:" in self.log():
					return self
			except OSError:
				pass
			finally:
				s.close()
			time.sleep(0.05)
		raise DaemonError("mtasts-milter not ready: " + self.log_tail())

	def log(self):
		try:
			with open(self.log_path, "rb") as f:
				return f.read().decode("utf-8", "replace")
		except OSError:
			return ""

	def log_tail(self, n=3000):
		return self.log()[-n:].strip()

	def term(self):
		"""term - send SIGTERM (stop() waits)."""
		if self.proc is not None and self.proc.poll() is None:
			self.proc.send_signal(signal.SIGTERM)

	def stop(self, timeout=10):
		"""stop - SIGTERM and wait; the exit status."""
		if self.proc is None:
			return None
		self.term()
		try:
			rc = self.proc.wait(timeout)
		except subprocess.TimeoutExpired:
			self.proc.kill()
			self.proc.wait()
			rc = "timeout"
		self.proc = None
		self.logf.close()
		return rc


def _stop_all(milters):
	"""_stop_all - SIGTERM every milter at once, then each must exit 0."""
	for m in milters:
		m.term()
	errors = []
	for m in milters:
		rc = m.stop()
		if rc not in (0, None):
			errors.append("mtasts-milter exited with %s: %s" %
			    (rc, m.log_tail(2000)))
	assert not errors, "; ".join(errors)


def script_argv(milter, script, **defs):
	"""script_argv - the miltertest command line, and the queue id of
	the script's first message."""
	tag = "%d%d" % (os.getpid() % 10000, next(_serial))
	argv = [MILTERTEST, "-s", os.path.join(SCRIPTS, script + ".lua"),
	    "-D", "socket=" + milter.conn, "-D", "libdir=" + SCRIPTS,
	    "-D", "qidtag=" + tag]
	for k, v in defs.items():
		if isinstance(v, (list, tuple)):
			v = ",".join(v)
		argv += ["-D", "%s=%s" % (k, v)]
	return argv, "MT%s1" % tag


def run_script(milter, script, **defs):
	"""run_script - miltertest SCRIPT.lua against milter: (seconds
	taken, first queue id). Fails the test with the script's and the
	milter's output."""
	argv, qid = script_argv(milter, script, **defs)
	t0 = time.time()
	r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
	took = time.time() - t0
	assert r.returncode == 0, "%s.lua failed:\n%s%s\n--- milter log:\n%s" % (
	    script, r.stdout, r.stderr, milter.log_tail())
	return took, qid


STATUS = "MTA-STS-Status"


class MiniMTA:
	"""MiniMTA - just enough of the MTA side of the milter protocol
	(version 6) for one outbound message from 127.0.0.1."""

	ACTIONS = 0x1ff		# every SMFIF_* up to SETSYMLIST
	STEPS = 0x3ff		# the MTA may skip any step the milter asks to

	def __init__(self, path):
		self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		self.sock.settimeout(30)
		self.sock.connect(path)
		self.send(b"O", struct.pack(">III", 6, self.ACTIONS,
		    self.STEPS))
		cmd, data = self.recv()
		assert cmd == b"O", (cmd, data)
		_, _, self.skip = struct.unpack(">III", data[:12])

	def __enter__(self):
		return self

	def __exit__(self, *exc):
		try:
			self.send(b"Q", b"")
		finally:
			self.sock.close()

	def send(self, cmd, data):
		self.sock.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

	def recv(self):
		head = self._read(4)
		n = struct.unpack(">I", head)[0]
		body = self._read(n)
		return body[:1], body[1:]

	def _read(self, n):
		buf = b""
		while len(buf) < n:
			chunk = self.sock.recv(n - len(buf))
			if not chunk:
				raise EOFError("milter closed the connection")
			buf += chunk
		return buf

	def step(self, cmd, data, macros=()):
		"""step - macros, then one command; its reply code."""
		if macros:
			self.send(b"D", cmd + b"".join(x.encode() + b"\0"
			    for x in macros))
		self.send(cmd, data)
		return self.recv()[0]

	def message(self, qid, rcpts, headers=()):
		"""message - one message; the final reply and the changes."""
		z = lambda *a: b"".join(x.encode() + b"\0" for x in a)
		assert self.step(b"C", b"client.example\0" + b"4" +
		    struct.pack(">H", 25) + b"127.0.0.1\0") == b"c"
		assert self.step(b"M", z("<sender@internal.example>"),
		    ("i", qid)) == b"c"
		for r in rcpts:
			assert self.step(b"R", z(r)) == b"c"
		for name, value in headers:
			assert self.step(b"L", z(name, value)) == b"c"
		assert self.step(b"N", b"") == b"c"
		self.send(b"E", b"")
		res = {"headers": {}, "deleted": [], "quarantine": None}
		while True:
			cmd, data = self.recv()
			if cmd == b"h":
				name, value = data.split(b"\0")[:2]
				res["headers"][name.decode()] = value.decode()
			elif cmd == b"m":
				res["deleted"].append(data[4:].split(b"\0")[0])
			elif cmd == b"q":
				res["quarantine"] = data.rstrip(b"\0").decode()
			elif cmd == b"p":		# progress
				continue
			else:
				res["reply"] = cmd.decode()
				return res


# --- policyd and the world ----------------------------------------------

def policyd_conf(world):
	"""policyd_conf - keys for the policyd behind the milter: harmless
	release command, the world's MX port."""
	c = {"release_command": "/bin/true {queue_id}"}
	if not NETNS and getattr(world, "smtp_port", None):
		c["mx_smtp_port"] = str(world.smtp_port)
	return c


def verbs(d):
	"""verbs - which of the milter's control verbs policyd d knows."""
	have = set()
	for verb, line in (("sts", "sts nxdomain.test 0"),
	    ("hold", "hold")):
		r = d.ctl(line)
		err = r.get("error") or ""
		if r.get("ok") or "unknown command" not in err:
			have.add(verb)
	return have


def need(stack, *want):
	"""need - fail unless policyd answers the verbs (they are part of
	the milter's protocol 1: a policyd without them is a defect)."""
	missing = [v for v in want if v not in stack.verbs]
	assert not missing, "mtasts-policyd has no control verb %s" % \
	    " or ".join('"%s"' % v for v in missing)


class Stack:
	"""Stack - the world, one policyd and the milters of a module."""

	def __init__(self, world, policyd):
		self.world = world
		self.policyd = policyd
		self.verbs = verbs(policyd)
		self.milters = {}

	def milter(self, name="default", **conf):
		"""milter - the started milter of that name (made once)."""
		if name not in self.milters:
			self.milters[name] = Milter(self.policyd, **conf).start()
		return self.milters[name]

	def fresh(self, prefix):
		return "%s-%d-%d.test" % (prefix, os.getpid() % 10000,
		    next(_serial))

	def enforce_pending(self, prefix="mp"):
		"""enforce_pending - a fresh enforce domain whose only MX never
		sends a banner: its route stays unconfirmed."""
		d = self.fresh(prefix)
		mx = "mx." + d
		with self.world.batch():
			self.world.add_domain(d, mx=[mx], mx_records=False)
			self.world.add_mx(mx, "slow-banner", domain=d)
		return d

	def hanging(self, prefix="hang"):
		"""hanging - a fresh domain whose policy host never answers:
		discovery runs for fetch_timeout."""
		d = self.fresh(prefix)
		self.world.add_domain(d, behaviour="hang", delay=30)
		return d

	def state(self, domain):
		"""state - what policyd answers now, without waiting."""
		r = self.policyd.ctl("sts %s 0" % domain)
		return r.get("state") if r.get("ok") else None

	def wait_state(self, domain, want, timeout=20):
		"""wait_state - ask until the state is want; the last state."""
		return wait_until(lambda: self.state(domain) == want and want or
		    None, timeout=timeout, every=0.2) or self.state(domain)

	def holds(self):
		r = self.policyd.ctl("holds")
		assert r.get("ok"), r
		return {h["queue_id"]: h for h in r["holds"]}


@pytest.fixture(scope="module")
def stack(world):
	d = Daemon(world, **policyd_conf(world))
	try:
		d.start()
	except DaemonError:
		d.cleanup()
		raise
	s = Stack(world, d)
	yield s
	try:
		_stop_all(list(s.milters.values()))
	finally:
		rc, _ = d.stop(5)
		d.cleanup()
		assert rc in (0, None), "mtasts-policyd exited with %s" % rc


@pytest.fixture(scope="module")
def down(world):
	"""down - a policyd of its own (to stop), and milters that use it."""
	d = Daemon(world, **policyd_conf(world))
	made = []

	def milter(**conf):
		m = Milter(d, **conf).start()
		made.append(m)
		return m
	d.milter = milter
	yield d
	try:
		_stop_all(made)
	finally:
		if d.alive():
			rc, _ = d.stop(5)
			assert rc == 0, "mtasts-policyd exited with %s" % rc
		d.cleanup()


# --- states (DESIGN §6) -------------------------------------------------

def test_state_none(stack):
	"""No _mta-sts record, and a policy in mode none."""
	need(stack, "sts")
	modenone = stack.fresh("modenone")
	stack.world.add_domain(modenone, mode="none")
	run_script(stack.milter(), "state_none",
	    domains=["nxdomain.test", modenone])


def test_state_testing(stack):
	need(stack, "sts")
	run_script(stack.milter(), "state_testing", domains="testing.test")


def test_state_enforce_pending(stack):
	need(stack, "sts", "hold")
	d = stack.enforce_pending()
	took, qid = run_script(stack.milter(), "state_enforce_pending",
	    domains=d)
	h = stack.holds().get(qid)
	assert h is not None, "hold %s not registered: %s" % (qid,
	    stack.holds())
	assert [x["domain"] for x in h["domains"]] == [d]


def test_state_enforce_failed(stack):
	"""Every MX of the policy fails the probe (name mismatch)."""
	need(stack, "sts", "hold")
	d = stack.fresh("mfail")
	mx = "mx." + d
	with stack.world.batch():
		stack.world.add_domain(d, mx=[mx], mx_records=False)
		stack.world.add_mx(mx, "badname", domain=d)
	got = stack.wait_state(d, "enforce/failed")
	assert got == "enforce/failed", got
	took, qid = run_script(stack.milter(), "state_enforce_failed",
	    domains=d)
	assert qid in stack.holds()


def test_state_enforce_confirmed(stack):
	"""An MX that passes the probe: tagged, not held."""
	need(stack, "sts", "hold")
	d = stack.fresh("mgood")
	mx = "mx." + d
	with stack.world.batch():
		stack.world.add_domain(d, mx=[mx], mx_records=False)
		stack.world.add_mx(mx, "good", domain=d)
	got = stack.wait_state(d, "enforce/confirmed")
	assert got == "enforce/confirmed", got
	took, qid = run_script(stack.milter(), "state_enforce_confirmed",
	    domains=d)
	assert qid not in stack.holds()


def test_state_pending(stack):
	"""Discovery still running after milter_wait: pending, held."""
	need(stack, "sts", "hold")
	d = stack.hanging()
	took, qid = run_script(stack.milter(), "state_pending", domains=d)
	assert took < MILTER_WAIT + 1, took
	assert qid in stack.holds()


# --- recipients and header fields ---------------------------------------

def test_recipients(stack):
	need(stack, "sts", "hold")
	took, qid = run_script(stack.milter(), "recipients",
	    enforce=stack.enforce_pending(), testing="testing.test",
	    none="nxdomain.test", localdom=LOCAL_DOMAIN)
	assert qid in stack.holds()


def test_fold(stack):
	need(stack, "sts")
	doms = [stack.fresh("a-rather-long-name-without-policy")
	    for _ in range(6)]
	run_script(stack.milter(), "fold", domains=doms)


def test_client_header_removed(stack):
	need(stack, "sts")
	run_script(stack.milter(), "client_header", none="nxdomain.test")


def test_local_domains_only(stack):
	"""Nothing to ask: works even without the new verbs."""
	run_script(stack.milter(), "local_only", localdom=LOCAL_DOMAIN)


def test_inbound_untouched(stack):
	need(stack, "sts")
	run_script(stack.milter(), "inbound", client=OUTSIDE,
	    enforce="enforce.test", none="nxdomain.test")


def test_auth_is_outbound(stack):
	need(stack, "sts", "hold")
	run_script(stack.milter(), "auth", client=OUTSIDE,
	    enforce=stack.enforce_pending())


def test_tls_required_no_never_held(stack):
	need(stack, "sts", "hold")
	run_script(stack.milter(), "tls_required",
	    enforce=[stack.enforce_pending(), stack.enforce_pending()])


def test_tls_required_no_starts_no_probe(stack):
	"""Report mail (TLS-Required: No) is never held, so policyd must
	not probe its domains either: the probe sessions would only feed the
	recipient's next TLS-RPT report (loops, RFC 8460 §3). The second
	domain, asked about by ordinary mail, is probed."""
	need(stack, "sts", "hold")
	quiet, probed = stack.enforce_pending(), stack.enforce_pending()
	run_script(stack.milter(), "tls_required", enforce=[quiet, probed])
	r = stack.policyd.ctl("show %s" % quiet)
	assert r.get("ok") and r.get("mode") == "enforce", r
	assert r.get("route") is None, r
	r = stack.policyd.ctl("show %s" % probed)
	assert r.get("ok") and r.get("route") is not None, r
	# The control verb itself: noprobe leaves the route alone.
	r = stack.policyd.ctl("sts %s 0 noprobe" % quiet)
	assert r.get("ok") and r.get("state") == "enforce/pending", r
	assert stack.policyd.ctl("show %s" % quiet).get("route") is None
	r = stack.policyd.ctl("sts %s 0 maybe" % quiet)
	assert not r.get("ok") and "usage" in r.get("error", ""), r


# --- hold and timing ----------------------------------------------------

def test_hold_no(stack):
	need(stack, "sts")
	m = stack.milter("nohold", hold="no")
	run_script(m, "no_hold", enforce=stack.enforce_pending())


def test_milter_wait_bounds_the_message(stack):
	"""Three hanging discoveries share one milter_wait."""
	need(stack, "sts", "hold")
	doms = [stack.hanging() for _ in range(3)]
	took, qid = run_script(stack.milter(), "wait", domains=doms)
	assert took < MILTER_WAIT + 0.5, took
	h = stack.holds().get(qid)
	assert h is not None
	assert sorted(x["domain"] for x in h["domains"]) == sorted(doms)


def test_many_domains_hold(stack):
	"""More holding domains than one control line holds (1024 bytes):
	the hold is registered for all of them. miltertest overflows a
	buffer on a header field this long, so MiniMTA plays the MTA."""
	need(stack, "sts", "hold")
	doms = [stack.enforce_pending("many-enforce-domains-with-long-names")
	    for _ in range(30)]
	assert len("hold X " + " ".join(doms)) > 1024
	qid = "MANY%d" % next(_serial)
	t0 = time.time()
	with MiniMTA(stack.milter().sock) as mta:
		res = mta.message(qid, ["<u@%s>" % d for d in doms])
	assert time.time() - t0 < MILTER_WAIT + 0.5
	assert res["reply"] == "a", res
	assert res["quarantine"] is not None, res
	value = res["headers"][STATUS]
	assert "\n " in value
	items = value.replace("\n", "").split("; ")
	assert [i.split("=")[0] for i in items] == doms
	assert all(i.split("=")[1] in ("pending", "enforce/pending")
	    for i in items), items
	h = stack.holds().get(qid)
	assert h is not None, "hold %s not registered" % qid
	assert sorted(x["domain"] for x in h["domains"]) == sorted(doms)


def test_concurrent_discoveries(stack):
	"""Many messages at once, each waiting for a discovery: more than
	the idle connections kept, and none turns "unknown"."""
	need(stack, "sts", "hold")
	m = stack.milter()
	runs = []
	for _ in range(40):
		argv, _ = script_argv(m, "state_pending",
		    domains=stack.hanging("conc"))
		runs.append(subprocess.Popen(argv, stdout=subprocess.PIPE,
		    stderr=subprocess.STDOUT, text=True))
	t0 = time.time()
	outs = [(p.wait(120), p.stdout.read()) for p in runs]
	for p in runs:
		p.stdout.close()
	bad = [o for rc, o in outs if rc != 0]
	assert not bad, "%d of %d failed: %s\n--- milter log:\n%s" % (
	    len(bad), len(runs), bad[0], m.log_tail())
	assert time.time() - t0 < MILTER_WAIT + 2


def test_no_queue_id_accept(stack):
	"""A hold that cannot be registered is not made (accept)."""
	need(stack, "sts")
	run_script(stack.milter(), "no_queue_id",
	    enforce=stack.enforce_pending(), action="accept")


def test_no_queue_id_tempfail(stack):
	need(stack, "sts")
	m = stack.milter("tempfail", on_policyd_error="tempfail")
	run_script(m, "no_queue_id", enforce=stack.enforce_pending(),
	    action="tempfail")


# --- policyd stopped or stuck -------------------------------------------

def test_policyd_stopped_accept(down):
	m = down.milter()
	if down.alive():
		down.stop()
	took, _ = run_script(m, "policyd_error", domains=["a.test", "b.test"],
	    action="accept")
	assert took < MILTER_WAIT, took
	assert "policyd did not answer" in m.log()


def test_policyd_stopped_tempfail(down):
	m = down.milter(on_policyd_error="tempfail")
	if down.alive():
		down.stop()
	run_script(m, "policyd_error", domains="a.test", action="tempfail")


def test_policyd_back_after_restart(down):
	"""Connections that failed while policyd was away are made again."""
	m = down.milter()
	if down.alive():
		down.stop()
	run_script(m, "policyd_error", domains="a.test", action="accept")
	down.start()
	assert "sts" in verbs(down)
	run_script(m, "state_none", domains="nxdomain.test")


def test_policyd_restart_between_messages(down):
	"""A pooled connection that policyd closed (restart) is replaced at
	once: the next message is not "unknown"."""
	m = down.milter()
	if not down.alive():
		down.start()
	assert "sts" in verbs(down)
	run_script(m, "state_none", domains="nxdomain.test")
	down.restart()
	run_script(m, "state_none", domains="nxdomain.test")
	assert "did not answer" not in m.log()


def test_policyd_stuck(down):
	"""policyd accepts but never answers (SIGSTOP): unknown, and the
	message takes no longer than milter_wait."""
	m = down.milter()
	if not down.alive():
		down.start()
	down.proc.send_signal(signal.SIGSTOP)
	try:
		took, _ = run_script(m, "policyd_error",
		    domains=["a.test", "b.test"], action="accept")
	finally:
		down.proc.send_signal(signal.SIGCONT)
	assert took < MILTER_WAIT + 0.5, took


# --- privileges -----------------------------------------------------------

@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges")
def test_privilege_drop(world):
	"""The socket is made as root (socket_mode, owner user), then the
	milter runs as user/group, talks to policyd, and removes its socket
	when it stops."""
	nobody = pwd.getpwnam("nobody")
	d = Daemon(world, socket_mode="0666", **policyd_conf(world))
	os.chmod(d.dir, 0o711)
	# policyd runs as the milter's user (the control socket is theirs).
	ca = os.path.join(d.dir, "ca.pem")
	shutil.copy(world.ca_file, ca)
	os.chmod(ca, 0o644)
	os.chown(d.cache_dir, nobody.pw_uid, nobody.pw_gid)
	d.write_config(user="nobody", group="nogroup", tls_ca_file=ca)
	os.chmod(d.conf_path, 0o644)
	run = os.path.join(d.dir, "run")
	os.mkdir(run, 0o755)
	os.chown(run, nobody.pw_uid, nobody.pw_gid)
	sock = os.path.join(run, "milter.sock")
	m = None
	try:
		d.start()
		m = Milter(d, milter_socket="unix:" + sock, user="nobody",
		    group="nogroup", socket_mode="0660").start()
		st = os.stat(sock)
		assert (st.st_uid, st.st_mode & 0o777) == (nobody.pw_uid,
		    0o660)
		with open("/proc/%d/status" % m.proc.pid) as f:
			ids = dict(l.split(":", 1) for l in f if ":" in l)
		assert ids["Uid"].split() == [str(nobody.pw_uid)] * 4, ids["Uid"]
		assert ids["Gid"].split()[0] == str(nobody.pw_gid)
		assert "running as user nobody" in m.log()
		if "sts" in verbs(d):
			run_script(m, "state_none", domains="nxdomain.test")
		else:
			run_script(m, "local_only", localdom=LOCAL_DOMAIN)
	finally:
		rcs = [m.stop() if m is not None else None, d.stop(5)[0]]
		left = os.path.exists(sock)
		d.cleanup()
	assert rcs == [0, 0], rcs
	assert not left, "the milter left its socket behind"


# --- the start-up check (issue 17 item 1) ----------------------------------

def test_startup_check_policyd_absent_then_up(world):
	"""A milter that cannot reach policyd says so at start, once, with
	the reason and what happens to mail; it keeps running, tries again,
	and says when policyd answers."""
	d = Daemon(world, **policyd_conf(world))
	m = None
	try:
		m = Milter(d).start()
		assert wait_until(lambda: "started:" in m.log(), timeout=10)
		log = m.log()
		assert "control_socket %s: cannot use mtasts-policyd as uid 0" % \
		    d.ctl_path in log, log
		assert "No such file or directory" in log
		assert "every message is tagged unknown and none is held" in log
		assert log.index("cannot use mtasts-policyd") < \
		    log.index("started:"), log
		d.start()
		assert wait_until(lambda: "mtasts-policyd answers now" in
		    m.log(), timeout=25, every=0.5), m.log_tail()
		run_script(m, "state_none", domains="nxdomain.test")
	finally:
		rcs = [m.stop() if m is not None else None, d.stop(5)[0]]
		d.cleanup()
	assert rcs == [0, 0], rcs


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges")
def test_startup_check_refused(world):
	"""The shipped mistake of issue 17: the milter runs as a user that
	may not open policyd's control socket (policyd runs as root here, the
	socket is root's 0660). The milter says so at start."""
	nobody = pwd.getpwnam("nobody")
	d = Daemon(world, **policyd_conf(world))
	os.chmod(d.dir, 0o711)
	run = os.path.join(d.dir, "run")
	os.mkdir(run, 0o755)
	os.chown(run, nobody.pw_uid, nobody.pw_gid)
	m = None
	try:
		d.start()
		m = Milter(d, milter_socket="unix:" + os.path.join(run, "m.sock"),
		    user="nobody", group="nogroup")
		os.chmod(m.conf_path, 0o644)
		m.start()
		assert wait_until(lambda: "started:" in m.log(), timeout=10)
		log = m.log()
		assert "control_socket %s: cannot use mtasts-policyd as uid %d" % (
		    d.ctl_path, nobody.pw_uid) in log, log
		assert "Permission denied" in log, log
		assert m.proc.poll() is None
	finally:
		rcs = [m.stop() if m is not None else None, d.stop(5)[0]]
		d.cleanup()
	assert rcs == [0, 0], rcs


# --- a real Postfix (DESIGN §1) ------------------------------------------

POSTFIX = "/usr/sbin/postfix"
POSTFIX_ADDR = "127.0.0.10"


class PrivatePostfix:
	"""PrivatePostfix - a Postfix instance of the test's own: config and
	queue under dir, no chroot, listening on POSTFIX_ADDR:25, logging
	to a file (INTEGRATION-NOTES "Running Postfix inside tests")."""

	def __init__(self, dir, **main):
		self.conf = os.path.join(dir, "etc")
		self.queue = os.path.join(dir, "spool")
		self.log_path = os.path.join(dir, "maillog")
		for d in (self.conf, self.queue, os.path.join(dir, "data")):
			os.makedirs(d, exist_ok=True)
		shutil.copy("/etc/postfix/master.cf", self.conf)
		pw = pwd.getpwnam("postfix")
		os.chown(os.path.join(dir, "data"), pw.pw_uid, pw.pw_gid)
		c = {"compatibility_level": "3.6", "queue_directory": self.queue,
		    "data_directory": os.path.join(dir, "data"),
		    "inet_interfaces": POSTFIX_ADDR, "inet_protocols": "ipv4",
		    "myhostname": "mta.internal.example", "mydestination": "",
		    "mynetworks": "127.0.0.0/8", "maillog_file": self.log_path,
		    "maillog_file_prefixes": dir,
		    "smtp_tls_loglevel": "1", "queue_run_delay": "300s"}
		c.update(main)
		with open(os.path.join(self.conf, "main.cf"), "w") as f:
			for k, v in c.items():
				f.write("%s = %s\n" % (k, v))
		self.run("postconf", "-F", "*/*/chroot = n")
		self.started = False

	def run(self, prog, *args):
		r = subprocess.run(["/usr/sbin/" + prog, "-c", self.conf] +
		    list(args), capture_output=True, text=True, timeout=60)
		if r.returncode != 0 and shutil.which("script"):
			# Postfix tells only syslog, or a terminal, why.
			r = subprocess.run(["script", "-qec", " ".join(
			    ["/usr/sbin/" + prog, "-c", self.conf] + list(args)),
			    "/dev/null"], capture_output=True, text=True,
			    timeout=60)
		assert r.returncode == 0, "%s %s: %s%s%s" % (prog, args,
		    r.stdout, r.stderr, self.log())
		return r.stdout

	def start(self):
		self.run("postfix", "start")
		self.started = True
		wait_until(lambda: _port_open(POSTFIX_ADDR, 25), timeout=10)

	def stop(self):
		if self.started:
			subprocess.run([POSTFIX, "-c", self.conf, "abort"],
			    capture_output=True, timeout=60)
			self.started = False

	def queue_of(self, qid):
		"""queue_of - the queue a message is in ("hold", ...), or None."""
		for line in self.run("postqueue", "-j").splitlines():
			m = json.loads(line)
			if m["queue_id"] == qid:
				return m["queue_name"]
		return None

	def log(self):
		try:
			with open(self.log_path) as f:
				return f.read()
		except OSError:
			return ""


def _port_open(addr, port):
	try:
		socket.create_connection((addr, port), 1).close()
		return True
	except OSError:
		return False


NEEDS_POSTFIX = [
    pytest.mark.skipif(not NETNS, reason="a private Postfix needs the "
	"network namespace (its own address, the world's DNS on port 53)"),
    pytest.mark.skipif(not os.path.exists(POSTFIX), reason="no Postfix")]


@contextlib.contextmanager
def postfix_stack(world, **conf):
	"""postfix_stack - policyd, the milter and a private Postfix that uses
	both (smtpd_milters, smtp_tls_policy_maps), releasing through
	postsuper -H / postqueue -i. Yields (postfix, policyd, milter)."""
	subprocess.run(["ip", "addr", "add", POSTFIX_ADDR + "/32", "dev",
	    "lo"], capture_output=True)
	c = dict(policyd_conf(world), socket_mode="0666", milter_wait="1s")
	c.update(conf)
	d = Daemon(world, **c)
	os.chmod(d.dir, 0o711)		# Postfix's processes reach the sockets
	pf = PrivatePostfix(os.path.join(d.dir, "pf"),
	    smtpd_milters="unix:" + os.path.join(d.dir, "pfmilter.sock"),
	    milter_default_action="tempfail",
	    smtp_tls_CAfile=world.ca_file,
	    smtp_tls_policy_maps="socketmap:unix:%s:sts" % d.sm_path)
	d.write_config(release_command=[
	    "/usr/sbin/postsuper -c %s -H {queue_id}" % pf.conf,
	    "/usr/sbin/postqueue -c %s -i {queue_id}" % pf.conf])
	m = None
	rcs = []
	try:
		d.start()
		assert {"sts", "hold"} <= verbs(d), "policyd lacks sts/hold"
		m = Milter(d, milter_socket="unix:" + os.path.join(d.dir,
		    "pfmilter.sock")).start()
		pf.start()
		yield pf, d, m
	finally:
		pf.stop()
		if m is not None:
			rcs.append(m.stop())
		rcs.append(d.stop(5)[0])
		d.cleanup()
	assert all(rc in (0, None) for rc in rcs), rcs


def _submit(rcpt, subject, extra=""):
	"""_submit - one message from an internal client over SMTP."""
	import smtplib
	with smtplib.SMTP(POSTFIX_ADDR, 25, timeout=30) as c:
		c.sendmail("sender@internal.example", [rcpt],
		    "Subject: %s\r\n%s\r\nbody\r\n" % (subject, extra))


def _held_qid(pf):
	"""_held_qid - the queue id Postfix logged a milter hold for."""
	log = wait_until(lambda: "milter-hold" in pf.log() and pf.log(),
	    timeout=10)
	assert log, pf.log()
	return [l for l in log.splitlines() if "milter-hold" in
	    l][0].split(": ")[1]


@NEEDS_POSTFIX[0]
@NEEDS_POSTFIX[1]
def test_postfix_hold_and_release(world):
	"""Postfix -> milter -> hold queue; policyd confirms the route and
	releases the message with postsuper -H / postqueue -i; Postfix then
	delivers it to the MX under the socketmap's "secure" policy."""
	with postfix_stack(world) as (pf, d, m):
		# The policy arrives 2 s late: "pending" after milter_wait.
		dom = "pfhold-%d.test" % (os.getpid() % 10000)
		mx = "mx." + dom
		with world.batch():
			world.add_domain(dom, mx=[mx], mx_records=False,
			    behaviour="delay", delay=2)
			world.add_mx(mx, "good", domain=dom)
		mark = world.mark()
		_submit("user@" + dom, "hold me", "mta-sts-status: forged=none")
		qid = _held_qid(pf)
		# Postfix logs "milter triggers HOLD action", not our reason.
		assert qid in {h["queue_id"] for h in d.ctl("holds")["holds"]}
		assert pf.queue_of(qid) in ("hold", None), pf.queue_of(qid)

		msgs = wait_until(lambda: world.smtp_messages(mx, since=mark),
		    timeout=30, every=0.2)
		assert msgs, "not delivered: %s\n%s\n%s" % (pf.log(),
		    m.log_tail(), d.stderr_tail())
		data = msgs[0]["data"]
		assert "MTA-STS-Status: %s=pending" % dom in data, data
		assert data.lower().count("mta-sts-status:") == 1, data
		assert msgs[0]["tls_version"], msgs[0]
		assert msgs[0]["sni"] == mx
		assert "Verified TLS connection established to %s" % mx in \
		    pf.log()
		assert "released" in d.stderr_text()


@NEEDS_POSTFIX[0]
@NEEDS_POSTFIX[1]
def test_postfix_no_policy_delivered_at_once(world):
	"""A domain without MTA-STS: tagged none, never held, delivered on
	the first attempt (opportunistic TLS is Postfix's own business)."""
	with postfix_stack(world) as (pf, d, m):
		dom = "pfnone-%d.test" % (os.getpid() % 10000)
		mx = "mx." + dom
		with world.batch():
			world.add_mx(mx, "good", domain=dom)
		mark = world.mark()
		_submit("user@" + dom, "no policy")
		# Without a policy Postfix sends no SNI: find it by recipient.
		rcpt = "<user@%s>" % dom
		msgs = wait_until(lambda: [x for x in world.smtp_messages(
		    since=mark) if rcpt in x.get("rcpt", [])], timeout=20,
		    every=0.2)
		assert msgs, "not delivered: %s\n%s" % (pf.log(),
		    m.log_tail())
		assert "MTA-STS-Status: %s=none" % dom in msgs[0]["data"]
		assert "milter-hold" not in pf.log()
		assert d.ctl("holds")["holds"] == []


@NEEDS_POSTFIX[0]
@NEEDS_POSTFIX[1]
def test_postfix_bad_certificate_held_until_hold_max(world):
	"""enforce, and the only MX has a certificate for another name: the
	message stays held (the route never confirms), is released after
	hold_max, and then stays deferred - never delivered, in plaintext or
	otherwise."""
	with postfix_stack(world, hold_max="8s") as (pf, d, m):
		dom = "mx-badname.test"
		mark = world.mark()
		_submit("user@" + dom, "bad certificate")
		qid = _held_qid(pf)
		time.sleep(3)
		h = [x for x in d.ctl("holds")["holds"] if x["queue_id"] == qid]
		assert h and h[0]["domains"][0]["state"] == "enforce/failed", h
		assert pf.queue_of(qid) == "hold"

		def released_and_deferred():
			log = pf.log()
			return any("to=<user@%s>," % dom in l and
			    "status=deferred" in l
			    for l in log.splitlines()) and log
		log = wait_until(released_and_deferred, timeout=60, every=0.5)
		assert log, "no deferral after hold_max: %s\n%s" % (pf.log(),
		    d.stderr_tail())
		assert "hold_max" in d.stderr_text()
		assert pf.queue_of(qid) == "deferred"
		assert not world.smtp_messages("mx." + dom, since=mark)
		# No plaintext either: the MX never saw a MAIL FROM from us.
		assert not [s for s in world.smtp_sessions("mx." + dom,
		    since=mark) if s.get("mail_from")]


# --- the program --------------------------------------------------------

def test_version():
	r = subprocess.run([MILTER, "-V"], capture_output=True, text=True,
	    timeout=10)
	assert r.returncode == 0
	assert r.stdout.startswith("mtasts-milter ")


def test_usage():
	r = subprocess.run([MILTER, "-x"], capture_output=True, text=True,
	    timeout=10)
	assert r.returncode == 2
	assert "usage" in r.stderr


def test_bad_config(tmp_path):
	p = tmp_path / "bad.conf"
	p.write_text("milter_socket = nowhere\n")
	r = subprocess.run([MILTER, "-f", "-c", str(p)], capture_output=True,
	    text=True, timeout=10)
	assert r.returncode == 1
	assert "bad.conf:1" in r.stderr


def test_socket_in_use(stack):
	"""A second milter on a live socket refuses to start."""
	m = stack.milter()
	twin = Milter(stack.policyd, milter_socket=m.conn)
	r = subprocess.run([MILTER, "-f", "-c", twin.conf_path],
	    capture_output=True, text=True, timeout=10)
	assert r.returncode == 1, r.stderr
	assert "in use" in r.stderr
	assert os.path.exists(m.sock)
	run_script(m, "local_only", localdom=LOCAL_DOMAIN)


def test_stale_socket_replaced(stack):
	"""A socket file nobody answers on (a crash) is replaced."""
	path = os.path.join(stack.policyd.dir, "stale.sock")
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.bind(path)
	s.close()
	m = stack.milter("stale", milter_socket="unix:" + path)
	run_script(m, "local_only", localdom=LOCAL_DOMAIN)
