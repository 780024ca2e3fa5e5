#
# test_ctl.py - mtasts-ctl driven as an administrator would: every verb in
# both output modes against a running policyd in the test world, every
# exit code, and "check" against a well-configured domain and each broken
# publication the world can serve (DESIGN §5, mtasts-ctl(8)).
#
# DESCRIPTION
#	run_ctl() runs the binary (top_builddir/ctl/mtasts-ctl, or
#	$MTASTS_CTL) with a config file and returns its exit code, stdout
#	and stderr; with json=True the whole of stdout must parse as one
#	JSON document (json.loads refuses anything after it).
#
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from helpers import NETNS, world_client_config, write_config

HERE = os.path.dirname(os.path.abspath(__file__))
ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
ISO_RE = re.compile("^" + ISO + "$")
SHOW_KEYS = {"domain", "state", "mode", "mx", "max_age", "id", "fetched_at",
    "expires_at", "txt_checked_at", "last_used", "expired", "last_error",
    "negative_until", "route"}
CHECK_NAMES = ["txt", "policy-fetch", "policy-cert", "policy-type",
    "policy-size", "policy-syntax", "mode", "max_age", "dnssec", "mx",
    "mx-starttls",
    "mx-tls", "mx-cert", "tlsrpt"]
CHECK_LINE = re.compile(r"^(PASS|WARN|FAIL)  ([a-z_-]+) +(\S.*)$")
SUMMARY_LINE = re.compile(r"^(\S+): (\d+) checks, (\d+) passed, (\d+) "
    r"warnings?, (\d+) failed$")
DAEMON_VERBS = [["status"], ["lookup", "enforce.test"],
    ["show", "enforce.test"], ["list"], ["refresh", "enforce.test"],
    ["refresh", "--all"], ["flush", "enforce.test"], ["flush", "--all"],
    ["holds"], ["release", "--all"], ["release", "ABC123"]]


def ctl_path():
	"""ctl_path - the mtasts-ctl binary under test."""
	if os.environ.get("MTASTS_CTL"):
		return os.environ["MTASTS_CTL"]
	top = os.environ.get("top_builddir")
	if top:
		return os.path.join(top, "ctl", "mtasts-ctl")
	return os.path.normpath(os.path.join(HERE, "..", "..", "ctl",
	    "mtasts-ctl"))


CTL = ctl_path()


class Result:
	"""Result - one run of mtasts-ctl."""

	def __init__(self, rc, out, err, doc=None):
		self.rc = rc
		self.out = out
		self.err = err
		self.doc = doc

	def __repr__(self):
		return "rc=%d\nstdout:\n%s\nstderr:\n%s" % (self.rc, self.out,
		    self.err)


def run_ctl(args, conf=None, json_out=False, stdin=None, env=None,
    timeout=120, sock=None):
	"""run_ctl - mtasts-ctl [-c conf] [-s sock] [--json] ARGS."""
	argv = [CTL]
	if conf is not None:
		argv += ["-c", conf]
	if sock is not None:
		argv += ["-s", sock]
	if json_out:
		argv.append("--json")
	argv += list(args)
	e = dict(os.environ)
	e.pop("NO_COLOR", None)
	if env:
		e.update(env)
	p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE,
	    stderr=subprocess.PIPE, timeout=timeout, env=e)
	r = Result(p.returncode, p.stdout.decode("utf-8", "replace"),
	    p.stderr.decode("utf-8", "replace"))
	if json_out and r.out:
		r.doc = json.loads(r.out)	# exactly one document
	return r


def run_pty(args, env_changes):
	"""run_pty - mtasts-ctl ARGS with stdout on a terminal; its output."""
	import pty
	env = dict(os.environ)
	env.pop("NO_COLOR", None)
	env["TERM"] = "xterm"
	for k, v in env_changes.items():
		if v is None:
			env.pop(k, None)
		else:
			env[k] = v
	pid, fd = pty.fork()
	if pid == 0:
		try:
			os.execve(CTL, [CTL] + list(args), env)
		finally:
			os._exit(127)
	out = b""
	end = time.time() + 60
	while time.time() < end:
		try:
			chunk = os.read(fd, 65536)
		except OSError:
			break
		if not chunk:
			break
		out += chunk
	os.close(fd)
	_, status = os.waitpid(pid, 0)
	return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


# --- fixtures -----------------------------------------------------------

@pytest.fixture(scope="module")
def check_conf(world):
	"""check_conf - a config that points check at the world."""
	d = tempfile.mkdtemp(prefix="mtctl")
	path = os.path.join(d, "mtasts.conf")
	conf = world_client_config(world)
	conf.update({"fetch_timeout": "3s",
	    "control_socket": os.path.join(d, "none.sock")})
	write_config(path, conf)
	yield path
	os.unlink(path)
	os.rmdir(d)


def good_domain(world, d, tlsrpt=True, mode="enforce", max_age=86400,
    mx_cert=None, policy_cert="valid"):
	"""good_domain - a well-configured publication with one good MX."""
	host = "mx." + d
	with world.batch():
		world.add_domain(d, id="c1", mode=mode, mx=[host],
		    max_age=max_age, mx_records=False, cert=policy_cert)
		world.add_mx(host, "good", domain=d, cert=mx_cert)
		if tlsrpt:
			world.set_tlsrpt(d, "v=TLSRPTv1; rua=mailto:tlsrpt@" + d)
	return d


def soon_cert(world, label, name, days=5):
	"""soon_cert - a test-CA certificate for name expiring in days."""
	return world.certs.leaf(label, sans=[name], days=days)


# --- help, version, usage ------------------------------------------------

def test_help_and_version():
	r = run_ctl(["-h"])
	assert r.rc == 0 and r.out.startswith("usage: mtasts-ctl")
	for verb in ("status", "lookup", "show", "list", "refresh", "flush",
	    "holds", "release", "parse", "check"):
		assert re.search(r"^  %s\b" % verb, r.out, re.M), verb
	r = run_ctl(["-V"])
	assert r.rc == 0
	assert re.match(r"^mtasts-ctl \d+\.\d+\.\d+ \(control protocol 1\)\n$",
	    r.out)


@pytest.mark.parametrize("args,msg", [
    ([], "no verb given"),
    (["frobnicate"], "unknown verb frobnicate"),
    (["-x", "status"], "unknown option -x"),
    (["-c"], "-c needs an argument"),
    (["show"], "usage: show DOMAIN"),
    (["show", "a", "b"], "usage: show DOMAIN"),
    (["show", "bad name"], "not a domain name: bad name"),
    (["show", "192.0.2.1"], "not a domain name"),
    (["lookup", "x.test\nstatus"], "not a domain name"),
    (["release", "a;b"], "not a queue id: a;b"),
    (["list", "--mode", "strict"], "--mode takes"),
    (["list", "--bogus"], "usage: list"),
    (["refresh"], "usage: refresh"),
    (["parse"], "usage: parse FILE"),
    (["check", "-"], "not a domain name"),
])
def test_usage_errors(policyd, args, msg):
	"""Exit 2 for usage errors, before anything reaches the daemon."""
	r = run_ctl(args, policyd.conf_path)
	assert r.rc == 2, r
	assert msg in r.err, r
	assert r.out == ""


def test_bad_config_file(tmp_path):
	r = run_ctl(["status"], str(tmp_path / "missing.conf"))
	assert r.rc == 2
	assert "cannot open %s" % (tmp_path / "missing.conf") in r.err
	bad = tmp_path / "bad.conf"
	bad.write_text("no_such_key = 1\n")
	r = run_ctl(["status"], str(bad), json_out=True)
	assert r.rc == 2 and "bad.conf:1:" in r.err
	assert "bad.conf:1:" in r.doc["error"]


# --- daemon unreachable -------------------------------------------------

@pytest.mark.parametrize("args", DAEMON_VERBS, ids=" ".join)
def test_daemon_missing(tmp_path, args):
	"""No socket: exit 2, "cannot connect to control socket PATH: REASON"."""
	path = str(tmp_path / "ctl.sock")
	r = run_ctl(args, sock=path)
	assert r.rc == 2, r
	assert r.err == "mtasts-ctl: cannot connect to control socket %s: " \
	    "No such file or directory\n" % path
	assert r.out == ""
	r = run_ctl(args, sock=path, json_out=True)
	assert r.rc == 2
	assert r.doc == {"error": "cannot connect to control socket %s: No "
	    "such file or directory" % path}


def test_daemon_refuses(tmp_path):
	"""A socket nobody listens on: connection refused, exit 2."""
	path = str(tmp_path / "ctl.sock")
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.bind(path)
	try:
		r = run_ctl(["status"], sock=path)
	finally:
		s.close()
	assert r.rc == 2
	assert r.err == "mtasts-ctl: cannot connect to control socket %s: " \
	    "Connection refused\n" % path


def test_daemon_stopped(daemon_factory):
	"""The socket of a daemon that has stopped."""
	d = daemon_factory()
	assert run_ctl(["status"], d.conf_path).rc == 0
	d.stop()
	r = run_ctl(["status"], d.conf_path)
	assert r.rc == 2
	assert re.match(r"^mtasts-ctl: cannot connect to control socket %s: "
	    r"(No such file or directory|Connection refused)\n$" %
	    re.escape(d.ctl_path), r.err), r


class FakeDaemon:
	"""FakeDaemon - a control socket that misbehaves in one way."""

	def __init__(self, path, behaviour):
		self.path = path
		self.behaviour = behaviour
		self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		self.sock.bind(path)
		self.sock.listen(4)
		self.conns = []
		self.lines = []
		self.t = threading.Thread(target=self.serve, daemon=True)
		self.t.start()

	def serve(self):
		try:
			c, _ = self.sock.accept()
		except OSError:
			return
		self.conns.append(c)
		f = c.makefile("rb")
		while True:
			line = f.readline()
			if not line:
				return
			self.lines.append(line)
			b = self.behaviour
			if b == "close":
				c.close()
				return
			if b == "silent":
				continue
			if b == "garbage":
				c.sendall(b"hello there\n")
			elif b == "protocol2":
				c.sendall(b'{"ok": true, "protocol": 2, '
				    b'"version": "9.9.9"}\n')

	def close(self):
		self.sock.close()
		for c in self.conns:
			try:
				c.close()
			except OSError:
				pass


@pytest.mark.parametrize("behaviour,msg", [
    ("close", "connection closed by the daemon"),
    ("garbage", "bad reply"),
    ("protocol2", "speaks control protocol 2, this mtasts-ctl speaks 1"),
])
def test_daemon_misbehaves(tmp_path, behaviour, msg):
	"""A daemon that closes, answers garbage or another protocol: exit 2."""
	path = str(tmp_path / "ctl.sock")
	fake = FakeDaemon(path, behaviour)
	try:
		r = run_ctl(["status"], sock=path, timeout=30)
	finally:
		fake.close()
	assert r.rc == 2, r
	assert msg in r.err, r
	assert fake.lines[0] == b"version\n"


def test_daemon_silent(tmp_path):
	"""A daemon that never answers costs a bounded wait, then exit 2."""
	path = str(tmp_path / "ctl.sock")
	fake = FakeDaemon(path, "silent")
	t0 = time.time()
	try:
		r = run_ctl(["status"], sock=path, timeout=60)
	finally:
		fake.close()
	assert r.rc == 2, r
	assert "control socket %s: no reply in time" % path in r.err
	assert time.time() - t0 < 30


# --- daemon verbs ---------------------------------------------------------

def _check_show(obj, domain, mode="enforce"):
	"""_check_show - the JSON show object of DESIGN §5."""
	assert SHOW_KEYS <= set(obj), sorted(SHOW_KEYS - set(obj))
	assert obj["domain"] == domain
	assert obj["mode"] == mode
	assert isinstance(obj["mx"], list) and obj["mx"]
	assert isinstance(obj["max_age"], int)
	assert re.match(r"^[A-Za-z0-9]{1,32}$", obj["id"])
	for k in ("fetched_at", "expires_at", "txt_checked_at"):
		assert ISO_RE.match(obj[k]), (k, obj[k])
	assert obj["last_error"] is None or isinstance(obj["last_error"], str)
	assert obj["expired"] is False


def test_status(policyd):
	policyd.query("enforce.test")
	r = run_ctl(["status"], policyd.conf_path)
	assert r.rc == 0, r
	lines = r.out.splitlines()
	assert re.match(r"^mtasts-policyd \d+\.\d+\.\d+, control protocol 1$",
	    lines[0])
	assert re.match(r"^up \d+[smhd], since " + ISO + "$", lines[1])
	assert re.match(r"^held messages: \d+$", lines[2])
	assert re.search(r"^ENFORCE +TESTING +NONE +NEGATIVE +EXPIRED$", r.out,
	    re.M)
	assert re.search(r"^LOOKUPS +HITS +MISSES +DISCOVERIES +FETCHES +"
	    r"FETCH_FAILURES +PENDING_JOBS\b", r.out, re.M)
	j = run_ctl(["status"], policyd.conf_path, json_out=True)
	assert j.rc == 0
	assert {"version", "uptime", "counts", "stats", "holds"} <= set(j.doc)
	assert "ok" not in j.doc
	assert j.doc["counts"]["enforce"] >= 1
	assert isinstance(j.doc["stats"]["lookups"], int)
	assert isinstance(j.doc["uptime"], int)


def test_lookup(world, policyd, fresh):
	d = fresh("ctl-lookup")
	world.add_domain(d, id="lk1")
	r = run_ctl(["lookup", d], policyd.conf_path)
	assert r.rc == 0, r
	assert r.out.splitlines()[0] == "%s: OK secure match=mail.%s " \
	    "servername=hostname" % (d, d)
	assert re.search(r"^id +lk1$", r.out, re.M)
	assert world.fetch_count(d) == 1
	j = run_ctl(["lookup", d.upper()], policyd.conf_path, json_out=True)
	assert j.rc == 0
	assert j.doc["domain"] == d
	assert j.doc["answer"] == "OK secure match=mail.%s " \
	    "servername=hostname" % d
	_check_show(j.doc["policy"], d)
	assert world.fetch_count(d) == 1	# answered from the cache


@pytest.mark.parametrize("domain", ["nxdomain.test", "testing.test"])
def test_lookup_notfound(policyd, domain):
	"""lookup exits 0 whatever the answer."""
	r = run_ctl(["lookup", domain], policyd.conf_path)
	assert r.rc == 0, r
	assert r.out.startswith("%s: NOTFOUND" % domain)
	j = run_ctl(["lookup", domain], policyd.conf_path, json_out=True)
	assert j.rc == 0 and j.doc["answer"] == "NOTFOUND "
	if domain == "nxdomain.test":
		assert j.doc["policy"] is None
		assert "no policy applies" in r.out
	else:
		_check_show(j.doc["policy"], domain, mode="testing")


def test_show(world, policyd, fresh):
	d = fresh("ctl-show")
	world.add_domain(d, id="sh1", mx=["mx1." + d, "*.b." + d],
	    max_age=604800)
	policyd.query(d)
	r = run_ctl(["show", d], policyd.conf_path)
	assert r.rc == 0, r
	out = r.out
	assert re.search(r"^domain +%s$" % re.escape(d), out, re.M)
	assert re.search(r"^state +policy$", out, re.M)
	assert re.search(r"^mode +enforce$", out, re.M)
	assert re.search(r"^mx +mx1\.%s\n +\*\.b\.%s$" % (re.escape(d),
	    re.escape(d)), out, re.M)
	assert re.search(r"^max_age +604800 \(7d\)$", out, re.M)
	assert re.search(r"^id +sh1$", out, re.M)
	# ISO 8601 UTC with a relative age
	assert re.search(r"^fetched_at +%s \((now|\d+s ago)\)$" % ISO, out,
	    re.M), out
	assert re.search(r"^expires_at +%s \(in (7d|6d)\)$" % ISO, out,
	    re.M), out
	assert re.search(r"^last_error +-$", out, re.M)
	assert re.search(r"^expired +no$", out, re.M)
	# aligned: every value starts in the same column
	cols = {len(m.group(1)) for m in re.finditer(r"^(\S+ +)\S", out,
	    re.M)}
	assert len(cols) == 1, out
	j = run_ctl(["show", d], policyd.conf_path, json_out=True)
	assert j.rc == 0
	_check_show(j.doc, d)
	assert j.doc["mx"] == ["mx1." + d, "*.b." + d]
	assert j.doc["max_age"] == 604800 and j.doc["id"] == "sh1"
	assert j.doc["route"] is None or isinstance(j.doc["route"], dict)
	assert "ok" not in j.doc


def test_show_unknown(policyd, fresh):
	"""show of an unknown domain: exit 1."""
	d = fresh("ctl-unknown")
	r = run_ctl(["show", d], policyd.conf_path)
	assert r.rc == 1
	assert r.err == "mtasts-ctl: not cached: %s\n" % d
	assert r.out == ""
	j = run_ctl(["show", d], policyd.conf_path, json_out=True)
	assert j.rc == 1 and j.doc == {"error": "not cached: %s" % d}


def test_show_negative(policyd):
	policyd.query("nxdomain.test")
	r = run_ctl(["show", "nxdomain.test"], policyd.conf_path)
	assert r.rc == 0, r
	assert re.search(r"^state +negative$", r.out, re.M)
	assert re.search(r"^negative_until +%s \(in \d+m\)$" % ISO, r.out,
	    re.M), r.out
	assert re.search(r"^last_error +.*nxdomain", r.out, re.M)
	j = run_ctl(["show", "nxdomain.test"], policyd.conf_path, json_out=True)
	assert j.doc["state"] == "negative" and j.doc["mode"] is None
	assert ISO_RE.match(j.doc["negative_until"])


def test_list(world, policyd, fresh):
	d = fresh("ctl-list")
	world.add_domain(d, id="ls1")
	for k in (d, "testing.test", "nxdomain.test"):
		policyd.query(k)
	r = run_ctl(["list"], policyd.conf_path)
	assert r.rc == 0, r
	lines = r.out.splitlines()
	assert re.match(r"^DOMAIN +MODE +MAX_AGE +ID +FETCHED_AT +EXPIRES_AT "
	    r"+LAST_ERROR$", lines[0])
	row = [x for x in lines if x.startswith(d + " ")]
	assert len(row) == 1
	assert re.match(r"^%s +enforce +1d +ls1 +%s \(\S+( ago)?\) +%s "
	    r"\(in \S+\) +-$" % (re.escape(d), ISO, ISO), row[0]), row[0]
	# columns line up with the header
	start = lines[0].index("MODE")
	assert all(x[start - 2:start] == "  " for x in lines[1:])
	j = run_ctl(["list"], policyd.conf_path, json_out=True)
	assert j.rc == 0 and isinstance(j.doc, list)
	by = {e["domain"]: e for e in j.doc}
	_check_show(by[d], d)
	assert by["testing.test"]["mode"] == "testing"
	assert by["nxdomain.test"]["state"] == "negative"


@pytest.mark.parametrize("mode", ["enforce", "testing", "negative"])
def test_list_mode(policyd, mode):
	for k in ("enforce.test", "testing.test", "nxdomain.test"):
		policyd.query(k)
	j = run_ctl(["list", "--mode", mode], policyd.conf_path, json_out=True)
	assert j.rc == 0 and j.doc
	for e in j.doc:
		if mode == "negative":
			assert e["state"] == "negative"
		else:
			assert e["mode"] == mode
	r = run_ctl(["list", "--mode=" + mode], policyd.conf_path)
	assert r.rc == 0
	assert len(r.out.splitlines()) == len(j.doc) + 1


def test_list_expired(world, policyd, fresh):
	d = fresh("ctl-exp")
	world.add_domain(d, id="e1", max_age=1)
	policyd.query(d)
	# refetches fail from now on, so the entry expires and stays so
	world.set_host(d, status=500)
	time.sleep(2.2)
	j = run_ctl(["list", "--expired"], policyd.conf_path, json_out=True)
	assert j.rc == 0
	names = [e["domain"] for e in j.doc]
	assert d in names
	assert all(e["expired"] is True for e in j.doc)
	r = run_ctl(["list", "--expired", "--mode", "enforce"],
	    policyd.conf_path)
	assert r.rc == 0
	assert any(x.startswith(d + " ") for x in r.out.splitlines())
	r = run_ctl(["list", "--mode", "none", "--expired"], policyd.conf_path)
	assert r.rc == 0
	assert d not in r.out


def test_refresh(world, policyd, fresh):
	d = fresh("ctl-refresh")
	world.add_domain(d, id="r1")
	policyd.query(d)
	world.set_id(d, "r2")
	world.set_policy(d, "version: STSv1\nmode: testing\nmx: mail.%s\n"
	    "max_age: 3600\n" % d)
	r = run_ctl(["refresh", d], policyd.conf_path)
	assert r.rc == 0, r
	assert r.out.splitlines()[0] == "%s: fetched" % d
	assert re.search(r"^id +r2$", r.out, re.M)
	assert re.search(r"^mode +testing$", r.out, re.M)
	world.set_id(d, "r3")
	j = run_ctl(["refresh", d], policyd.conf_path, json_out=True)
	assert j.rc == 0
	assert j.doc["result"] == "fetched" and j.doc["error"] is None
	_check_show(j.doc, d, mode="testing")
	assert j.doc["id"] == "r3"
	# the same policy again: "unchanged", exit 0 (issue 17.7)
	r = run_ctl(["refresh", d], policyd.conf_path)
	assert r.rc == 0, r
	assert r.out.splitlines()[0] == "%s: unchanged" % d
	assert re.search(r"^id +r3$", r.out, re.M)


def test_refresh_failure(world, policyd, fresh):
	"""A refresh that gets no current policy: exit 1, the entry shown."""
	d = fresh("ctl-refresh-404")
	world.add_domain(d, id="f1", status=404)
	r = run_ctl(["refresh", d], policyd.conf_path)
	assert r.rc == 1, r
	assert r.out.startswith("%s: failed: " % d)
	assert "HTTP 404" in r.out
	j = run_ctl(["refresh", d], policyd.conf_path, json_out=True)
	assert j.rc == 1
	assert j.doc["domain"] == d
	assert j.doc["result"] in ("failed", "no-record")
	assert isinstance(j.doc["error"], str)
	r = run_ctl(["refresh", "nxdomain.test"], policyd.conf_path,
	    json_out=True)
	assert r.rc == 1 and r.doc["result"] == "no-record"


def test_refresh_all(policyd):
	policyd.query("enforce.test")
	r = run_ctl(["refresh", "--all"], policyd.conf_path)
	assert r.rc == 0, r
	assert re.match(r"^\d+ domains queued for refresh\n$", r.out)
	j = run_ctl(["refresh", "--all"], policyd.conf_path, json_out=True)
	assert j.rc == 0 and isinstance(j.doc["queued"], int)
	assert j.doc["queued"] >= 1


def test_flush(world, policyd, fresh):
	d = fresh("ctl-flush")
	world.add_domain(d)
	policyd.query(d)
	r = run_ctl(["flush", d], policyd.conf_path)
	assert r.rc == 0 and r.out == "flushed 1 cache entry\n", r
	r = run_ctl(["flush", d], policyd.conf_path)
	assert r.rc == 1 and r.err == "mtasts-ctl: not cached: %s\n" % d
	policyd.query(d)
	j = run_ctl(["flush", d], policyd.conf_path, json_out=True)
	assert j.rc == 0 and j.doc == {"flushed": 1}
	j = run_ctl(["flush", d], policyd.conf_path, json_out=True)
	assert j.rc == 1 and j.doc == {"error": "not cached: %s" % d}


def test_flush_all(world, daemon_factory):
	d = daemon_factory()
	for k in ("enforce.test", "testing.test", "nxdomain.test"):
		d.query(k)
	r = run_ctl(["flush", "--all"], d.conf_path)
	assert r.rc == 0 and r.out == "flushed 3 cache entries\n", r
	j = run_ctl(["flush", "--all"], d.conf_path, json_out=True)
	assert j.rc == 0 and j.doc == {"flushed": 0}
	r = run_ctl(["list"], d.conf_path)
	assert r.rc == 0 and r.out == "no cached domains\n"
	j = run_ctl(["list"], d.conf_path, json_out=True)
	assert j.doc == []


def test_holds_and_release(policyd):
	"""No holds until the milter registers some."""
	r = run_ctl(["holds"], policyd.conf_path)
	assert r.rc == 0 and r.out == "no holds\n", r
	j = run_ctl(["holds"], policyd.conf_path, json_out=True)
	assert j.rc == 0 and j.doc == []
	r = run_ctl(["release", "--all"], policyd.conf_path)
	assert r.rc == 0 and r.out == "no holds\n", r
	j = run_ctl(["release", "--all"], policyd.conf_path, json_out=True)
	assert j.rc == 0 and j.doc["released"] == 0
	r = run_ctl(["release", "4AbC9"], policyd.conf_path)
	assert r.rc == 1 and "4AbC9" in r.err and r.err.startswith(
	    "mtasts-ctl: "), r
	j = run_ctl(["release", "4AbC9"], policyd.conf_path, json_out=True)
	assert j.rc == 1 and "4AbC9" in j.doc["error"]


def _hold_daemon(world, daemon_factory, command):
	"""_hold_daemon - a daemon whose release command is command."""
	conf = {"release_command": command + " {queue_id}"}
	if not NETNS:
		conf["mx_smtp_port"] = str(world.smtp_port)
	return daemon_factory(**conf)


def test_holds_registered(world, daemon_factory):
	"""holds and release of a message the milter registered."""
	p = _hold_daemon(world, daemon_factory, "/bin/true")
	r = p.ctl("hold 4AbC9 mx-nostarttls.test nxdomain.test")
	assert r["ok"] is True, r
	r = run_ctl(["holds"], p.conf_path)
	assert r.rc == 0, r
	lines = r.out.splitlines()
	assert re.match(r"^QUEUE_ID +HELD_AT +RELEASED_AT +DOMAINS$", lines[0])
	assert re.match(r"^4AbC9 +%s \((now|\d+s ago)\) +- +"
	    r"mx-nostarttls\.test=\S+ nxdomain\.test=\S+$" % ISO, lines[1]), r
	j = run_ctl(["holds"], p.conf_path, json_out=True)
	assert j.rc == 0 and len(j.doc) == 1
	h = j.doc[0]
	assert h["queue_id"] == "4AbC9" and ISO_RE.match(h["held_at"])
	assert [x["domain"] for x in h["domains"]] == ["mx-nostarttls.test",
	    "nxdomain.test"]
	assert all(isinstance(x["state"], str) for x in h["domains"])
	r = run_ctl(["release", "4AbC9"], p.conf_path)
	assert r.rc == 0 and r.out == "4AbC9: released\n", r
	r = run_ctl(["holds"], p.conf_path)
	assert r.rc == 0 and r.out == "no holds\n"
	assert p.ctl("hold Q1 mx-nostarttls.test")["ok"] is True
	assert p.ctl("hold Q2 mx-nostarttls.test")["ok"] is True
	j = run_ctl(["release", "--all"], p.conf_path, json_out=True)
	assert j.rc == 0 and j.doc["released"] == 2, j
	assert sorted(x["queue_id"] for x in j.doc["results"]) == ["Q1", "Q2"]


def test_release_command_fails(world, daemon_factory):
	"""A release whose command fails is a negative answer."""
	p = _hold_daemon(world, daemon_factory, "/bin/false")
	assert p.ctl("hold 7XyZ mx-nostarttls.test")["ok"] is True
	r = run_ctl(["release", "7XyZ"], p.conf_path)
	assert r.rc == 1, r
	assert r.out.startswith("7XyZ: ")
	assert "1 release failed" in r.err


def test_socket_option_overrides_config(policyd, tmp_path):
	"""-s beats control_socket, and -c defaults come from the file."""
	conf = tmp_path / "other.conf"
	conf.write_text("control_socket = %s/nowhere.sock\n" % tmp_path)
	assert run_ctl(["status"], str(conf)).rc == 2
	r = run_ctl(["status"], str(conf), sock=policyd.ctl_path)
	assert r.rc == 0, r


def test_json_after_verb(policyd):
	r = run_ctl(["status", "--json"], policyd.conf_path)
	assert r.rc == 0
	assert "uptime" in json.loads(r.out)


def test_colour(policyd, world):
	"""Colour only on a terminal, and never with NO_COLOR or TERM=dumb."""
	policyd.query("enforce.test")
	args = ["-c", policyd.conf_path, "show", "enforce.test"]
	rc, out = run_pty(args, {})
	assert rc == 0, out
	assert "\x1b[32menforce\x1b[0m" in out
	rc, out = run_pty(args, {"NO_COLOR": "1"})
	assert rc == 0 and "\x1b[" not in out and "enforce" in out
	rc, out = run_pty(args, {"NO_COLOR": ""})
	assert rc == 0 and "\x1b[" not in out
	rc, out = run_pty(args, {"TERM": "dumb"})
	assert rc == 0 and "\x1b[" not in out
	rc, out = run_pty(["-c", policyd.conf_path, "--json", "show",
	    "enforce.test"], {})
	assert rc == 0 and "\x1b[" not in out
	r = run_ctl(["show", "enforce.test"], policyd.conf_path)
	assert "\x1b[" not in r.out


# --- parse ----------------------------------------------------------------

GOOD = "version: STSv1\r\nmode: enforce\nmx: mail.example.com\n" \
    "mx: *.Example.NET\nmax_age: 0086400\nfoo: bar baz  \n\n"
CANON = "version: STSv1\nmode: enforce\nmx: mail.example.com\n" \
    "mx: *.Example.NET\nmax_age: 86400\nfoo: bar baz\n"


def test_parse_valid(tmp_path):
	f = tmp_path / "mta-sts.txt"
	f.write_text(GOOD)
	# no daemon, no config needed
	r = run_ctl(["parse", str(f)], sock=str(tmp_path / "none.sock"))
	assert r.rc == 0, r
	assert r.out == CANON
	j = run_ctl(["parse", str(f)], json_out=True)
	assert j.rc == 0
	assert j.doc == {"valid": True, "policy": {"version": "STSv1",
	    "mode": "enforce", "mx": ["mail.example.com", "*.Example.NET"],
	    "max_age": 86400, "extensions": ["foo: bar baz"]}, "error": None,
	    "line": None}
	# the output is itself a valid policy that parses to the same
	f2 = tmp_path / "again.txt"
	f2.write_text(r.out)
	assert run_ctl(["parse", str(f2)]).out == CANON


def test_parse_clamps(tmp_path):
	f = tmp_path / "p"
	f.write_text("version: STSv1\nmode: none\nmax_age: 9999999999\n")
	r = run_ctl(["parse", str(f)])
	assert r.rc == 0
	assert r.out == "version: STSv1\nmode: none\nmax_age: 31557600\n"


@pytest.mark.parametrize("body,line,reason", [
    ("version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1\n", 2,
     "mode must be testing, enforce or none"),
    ("version: STSv1\nmode: enforce\nmx: a_b.example\nmax_age: 1\n", 3,
     None),
    ("version: STSv1\nmode : enforce\nmx: a.example\nmax_age: 1\n", 2, None),
    ("version: STSv1\nmode: enforce\nmax_age: 1\n", 0, None),
    ("", 0, None),
])
def test_parse_invalid(tmp_path, body, line, reason):
	"""The first error as FILE:LINE: reason, never "line N:" twice."""
	f = tmp_path / "bad.txt"
	f.write_text(body)
	r = run_ctl(["parse", str(f)])
	assert r.rc == 1, r
	assert r.out == ""
	err = r.err.rstrip("\n")
	assert "\n" not in err
	if line:
		assert err.startswith("%s:%d: " % (f, line)), err
	else:
		assert err.startswith("%s: " % f), err
		assert not re.match(r"^%s:\d+:" % re.escape(str(f)), err)
	assert "line " not in err.split(": ", 1)[1], err
	if reason:
		assert err == "%s:%d: %s" % (f, line, reason)
	j = run_ctl(["parse", str(f)], json_out=True)
	assert j.rc == 1
	assert j.doc["valid"] is False and j.doc["policy"] is None
	assert j.doc["line"] == (line or None)
	assert j.doc["error"] and not j.doc["error"].startswith("line ")
	assert err.endswith(j.doc["error"])


def test_parse_stdin():
	r = run_ctl(["parse", "-"], stdin=GOOD.encode())
	assert r.rc == 0 and r.out == CANON
	r = run_ctl(["parse", "-"], stdin=b"version: STSv1\nmode: x\n")
	assert r.rc == 1
	assert r.err.startswith("<stdin>:2: ")


def test_parse_oversize(tmp_path):
	f = tmp_path / "big"
	f.write_bytes(GOOD.encode() + b"x: " + b"y" * 65536 + b"\n")
	r = run_ctl(["parse", str(f)])
	assert r.rc == 1 and "65536" in r.err


def test_parse_unreadable(tmp_path):
	r = run_ctl(["parse", str(tmp_path / "nope")])
	assert r.rc == 2
	assert r.err == "mtasts-ctl: cannot read %s: No such file or " \
	    "directory\n" % (tmp_path / "nope")
	j = run_ctl(["parse", str(tmp_path / "nope")], json_out=True)
	assert j.rc == 2 and "cannot read" in j.doc["error"]


# --- check ----------------------------------------------------------------

def _check_human(r, domain):
	"""_check_human - every line a check or the summary; {name: [(result,
	detail)]}."""
	lines = r.out.splitlines()
	assert lines, r
	seen = {}
	for x in lines[:-1]:
		m = CHECK_LINE.match(x)
		assert m, "not a check line: %r" % x
		seen.setdefault(m.group(2), []).append((m.group(1).lower(),
		    m.group(3)))
	m = SUMMARY_LINE.match(lines[-1])
	assert m, lines[-1]
	assert m.group(1) == domain
	n, p, w, f = (int(m.group(i)) for i in range(2, 6))
	assert n == len(lines) - 1 == p + w + f
	results = [res for v in seen.values() for res, _ in v]
	assert (p, w, f) == (results.count("pass"), results.count("warn"),
	    results.count("fail"))
	# the detail column starts at the same place on every line
	assert len({x.index(x.split()[2]) for x in lines[:-1]
	    if len(x.split()) > 2}) == 1, r.out
	return seen


def _check_json(j, domain):
	"""_check_json - the check document; {name: [(result, detail)]}."""
	assert set(j.doc) == {"domain", "checks", "summary"}
	assert j.doc["domain"] == domain
	seen = {}
	for c in j.doc["checks"]:
		assert set(c) == {"name", "result", "detail"}
		assert c["result"] in ("pass", "warn", "fail")
		assert c["detail"] and "\n" not in c["detail"]
		seen.setdefault(c["name"], []).append((c["result"], c["detail"]))
	s = j.doc["summary"]
	results = [c["result"] for c in j.doc["checks"]]
	assert s["pass"] == results.count("pass")
	assert s["warn"] == results.count("warn")
	assert s["fail"] == results.count("fail")
	assert s["result"] == ("fail" if s["fail"] else "warn" if s["warn"]
	    else "pass")
	return seen


AGE = re.compile(r"\((in \d+[smhd]|\d+[smhd] ago|now)\)")


def _no_ages(checks):
	"""_no_ages - checks with every relative age blanked."""
	return {k: [(res, AGE.sub("(age)", det)) for res, det in v]
	    for k, v in checks.items()}


def run_check(conf, domain):
	"""run_check - check in both modes; (human, json, checks)."""
	r = run_ctl(["check", domain], conf)
	j = run_ctl(["check", domain], conf, json_out=True)
	hs = _check_human(r, domain)
	js = _check_json(j, domain)
	# the same checks; a relative age may tick over between the runs
	assert _no_ages(hs) == _no_ages(js), (r.out, j.out)
	assert r.rc == j.rc
	return r, j, js


def _order(checks):
	"""_order - the names in the order of CHECK_NAMES (mx-pattern aside)."""
	return [n for n in CHECK_NAMES if n in checks]


def test_check_well_configured(world, check_conf, fresh):
	"""A domain as it should be: every check passes, exit 0."""
	d = good_domain(world, fresh("ctl-good"))
	r, j, checks = run_check(check_conf, d)
	assert r.rc == 0, r
	assert list(checks) == CHECK_NAMES, r.out
	assert all(res == "pass" for v in checks.values() for res, _ in v), \
	    r.out
	assert j.doc["summary"] == {"pass": 14, "warn": 0, "fail": 0,
	    "result": "pass"}
	lines = r.out.splitlines()
	assert lines[0] == "PASS  txt            _mta-sts.%s: v=STSv1; id=c1" % d
	assert lines[-1] == "%s: 14 checks, 14 passed, 0 warnings, 0 failed" % d
	det = dict((k, v[0][1]) for k, v in checks.items())
	assert "HTTP 200" in det["policy-fetch"]
	assert re.search(r"expires %s \(in \d+d\)" % ISO, det["policy-cert"])
	assert det["policy-type"] == "text/plain"
	assert det["mx"] == "mx.%s (preference 10) matches mx: mx.%s" % (d, d)
	# check_conf has dnssec = no: said once, not an error
	assert det["dnssec"] == "%s: DNSSEC not validated (dnssec = no): " \
	    "DANE not checked" % d
	assert "STARTTLS offered" in det["mx-starttls"]
	assert re.search(r"TLSv1\.[23]", det["mx-tls"])
	assert det["tlsrpt"] == "_smtp._tls.%s: v=TLSRPTv1; " \
	    "rua=mailto:tlsrpt@%s" % (d, d)


def test_check_catalogue_good(check_conf):
	r, j, checks = run_check(check_conf, "mx-good.test")
	assert r.rc == 0 and j.doc["summary"]["result"] == "pass", r


# (domain, check, result, detail pattern) - broken publications of the
# catalogue; each must show its own check failing and exit 1.
BROKEN = [
    ("x07-dash-id.test", "txt", "fail", r"no valid id"),
    ("x16-ext-eq.test", "txt", "fail", r"'=' is not allowed"),
    ("two-records.test", "txt", "fail",
     r"2 records begin with \"v=STSv1;\""),
    ("spf-only.test", "txt", "fail", r"no record begins with"),
    ("nxdomain.test", "txt", "fail", r"NXDOMAIN"),
    ("servfail.test", "txt", "fail", r"lookup failed"),
    ("status-404.test", "policy-fetch", "fail", r": HTTP 404$"),
    ("status-500.test", "policy-fetch", "fail", r": HTTP 500$"),
    ("redirect.test", "policy-fetch", "fail", r"HTTP 301 redirect"),
    ("host-nxdomain.test", "policy-fetch", "fail", r"no address"),
    ("html.test", "policy-type", "fail", r"text/html"),
    ("no-ctype.test", "policy-type", "fail", r"no Content-Type"),
    ("oversize.test", "policy-size", "fail", r"65537 bytes, over"),
    ("rogue-ca.test", "policy-cert", "fail",
     r"unable to get local issuer certificate; issuer CN=mtasts Rogue CA"),
    ("expired-cert.test", "policy-cert", "fail",
     r"certificate has expired.*expired %s \(\d+d ago\)" % ISO),
    ("notyet-cert.test", "policy-cert", "fail", r"not yet valid"),
    ("mismatch.test", "policy-cert", "fail", r"not valid for this name"),
    ("cn-only.test", "policy-cert", "fail", r"not valid for this name"),
    ("y07-mode-value-case.test", "policy-syntax", "fail",
     r"^line 2: mode must be"),
    ("y04-enforce-no-mx.test", "policy-syntax", "fail", r"mx"),
]

BROKEN_MX = [
    ("mx-outside.test", "mx", "fail", r"^mx\.mx-outside\.test \(preference "
     r"10\) matches no mx pattern"),
    ("mx-nullmx.test", "mx", "fail", r"null MX"),
    ("mx-nostarttls.test", "mx-starttls", "fail", r"STARTTLS"),
    ("mx-starttls-refused.test", "mx-starttls", "fail", r"."),
    ("mx-refused.test", "mx-starttls", "fail", r"unreachable"),
    ("mx-badname.test", "mx-cert", "fail",
     r"not valid for this name \(subject CN=mx\.other\.test\)"),
    ("mx-cnonly.test", "mx-cert", "fail", r"not valid for this name"),
    ("mx-expired.test", "mx-cert", "fail", r"expired %s" % ISO),
    ("mx-untrusted.test", "mx-cert", "fail", r"issuer CN=mtasts Rogue CA"),
    ("mx-tls11.test", "mx-tls", "fail", r"."),
]


def _assert_check(r, checks, name, result, pattern):
	assert name in checks, r
	got = checks[name]
	assert any(res == result and re.search(pattern, det)
	    for res, det in got), (got, r.out)


@pytest.mark.parametrize("domain,name,result,pattern", BROKEN,
    ids=[b[0] for b in BROKEN])
def test_check_broken(check_conf, domain, name, result, pattern):
	r, j, checks = run_check(check_conf, domain)
	assert r.rc == 1, r
	_assert_check(r, checks, name, result, pattern)
	assert j.doc["summary"]["result"] == "fail"


@pytest.mark.parametrize("domain,name,result,pattern", BROKEN_MX,
    ids=[b[0] for b in BROKEN_MX])
def test_check_broken_mx(check_conf, domain, name, result, pattern):
	r, j, checks = run_check(check_conf, domain)
	assert r.rc == 1, r
	_assert_check(r, checks, name, result, pattern)
	# what precedes the MX checks is fine in these domains
	for n in ("txt", "policy-fetch", "policy-cert", "policy-syntax"):
		assert checks[n][0][0] == "pass", (n, r.out)


def test_check_two_mx(check_conf):
	"""One line per MX record and per probed host, in preference order."""
	r, j, checks = run_check(check_conf, "mx-twomx.test")
	assert r.rc == 1
	assert [d for _, d in checks["mx"]] == [
	    "bad.mx-twomx.test (preference 10) matches mx: *.mx-twomx.test",
	    "good.mx-twomx.test (preference 20) matches mx: *.mx-twomx.test"]
	assert [res for res, _ in checks["mx-cert"]] == ["fail", "pass"]
	assert checks["mx-cert"][0][1].startswith("bad.mx-twomx.test: ")


def test_check_implicit_mx(check_conf):
	"""No MX record: the domain itself is the mail host (RFC 5321 §5.1)."""
	r, j, checks = run_check(check_conf, "mx-nomx.test")
	assert r.rc == 0, r
	assert checks["mx"] == [("pass", "no MX records: mx-nomx.test itself "
	    "is the mail host and matches mx: mx-nomx.test")]
	assert checks["mx-cert"][0][0] == "pass"


def test_check_missing_tlsrpt(world, check_conf, fresh):
	"""No _smtp._tls record warns; warnings alone exit 0."""
	d = good_domain(world, fresh("ctl-nortp"), tlsrpt=False)
	r, j, checks = run_check(check_conf, d)
	assert r.rc == 0, r
	assert checks["tlsrpt"][0][0] == "warn"
	assert "no TLS-RPT record" in checks["tlsrpt"][0][1]
	assert j.doc["summary"] == {"pass": 13, "warn": 1, "fail": 0,
	    "result": "warn"}


@pytest.mark.parametrize("rrs,pattern", [
    (["v=TLSRPTv1; rua=http://r.example/x"], r"no mailto: or https:"),
    (["v=TLSRPTv1; rua=mailto:a@x.test", "v=TLSRPTv1; rua=mailto:b@x.test"],
     r"2 records begin with"),
    (["v=TLSRPTv1; rua=mailto:a!b@x.test"], r"not a URI"),
    (["v=TLSRPTv1;"], r"no rua= field"),
])
def test_check_bad_tlsrpt(world, check_conf, fresh, rrs, pattern):
	d = good_domain(world, fresh("ctl-badrpt"), tlsrpt=False)
	world.set_tlsrpt(d, *rrs)
	r, j, checks = run_check(check_conf, d)
	assert r.rc == 1, r
	_assert_check(r, checks, "tlsrpt", "fail", pattern)


def test_check_expiring_policy_cert(world, check_conf, fresh):
	"""A policy host certificate that expires within 14 days warns."""
	d = fresh("ctl-soon")
	good_domain(world, d, policy_cert=soon_cert(world, "soon.mta-sts." + d,
	    "mta-sts." + d, days=5))
	r, j, checks = run_check(check_conf, d)
	assert r.rc == 0, r
	_assert_check(r, checks, "policy-cert", "warn",
	    r"expires %s \(in [45]d\), renew it" % ISO)
	assert j.doc["summary"]["warn"] == 1


def test_check_expiring_mx_cert(world, check_conf, fresh):
	"""An MX certificate that expires within 14 days warns."""
	d = fresh("ctl-mxsoon")
	good_domain(world, d, mx_cert=soon_cert(world, "soon.mx." + d,
	    "mx." + d, days=10))
	r, j, checks = run_check(check_conf, d)
	assert r.rc == 0, r
	_assert_check(r, checks, "mx-cert", "warn",
	    r"expires %s \(in (9|10)d\), renew it" % ISO)


def test_check_testing_mode(world, check_conf, fresh):
	d = good_domain(world, fresh("ctl-testing"), mode="testing")
	r, j, checks = run_check(check_conf, d)
	assert r.rc == 0, r
	_assert_check(r, checks, "mode", "warn", r"^testing: ")
	assert j.doc["summary"]["result"] == "warn"


def test_check_short_max_age(world, check_conf, fresh):
	d = good_domain(world, fresh("ctl-short"), max_age=3600)
	r, j, checks = run_check(check_conf, d)
	assert r.rc == 0, r
	_assert_check(r, checks, "max_age", "warn",
	    r"^3600 \(1h\): below one day in enforce mode")
	d = good_domain(world, fresh("ctl-short-t"), mode="testing",
	    max_age=3600)
	r, j, checks = run_check(check_conf, d)
	assert checks["max_age"] == [("pass", "3600 (1h)")]


def test_check_mode_none(world, check_conf, fresh):
	"""mode none warns, and no MX is checked."""
	d = good_domain(world, fresh("ctl-none"), mode="none")
	r, j, checks = run_check(check_conf, d)
	assert r.rc == 0, r
	_assert_check(r, checks, "mode", "warn", r"^none: ")
	assert "mx" not in checks and "mx-starttls" not in checks


def test_check_stale_pattern(world, check_conf, fresh):
	"""A pattern no MX matches warns (mx-pattern)."""
	d = fresh("ctl-stale")
	good_domain(world, d)
	world.set_policy(d, "version: STSv1\nmode: enforce\nmx: mx.%s\n"
	    "mx: old.%s\nmax_age: 86400\n" % (d, d))
	r, j, checks = run_check(check_conf, d)
	assert r.rc == 0, r
	assert checks["mx-pattern"] == [("warn", "mx: old.%s matches no MX "
	    "record" % d)]


def test_check_no_daemon_needed(world, check_conf, fresh):
	"""check and parse never touch the control socket."""
	d = good_domain(world, fresh("ctl-nod"))
	r = run_ctl(["check", d], check_conf,
	    sock="/nonexistent/control.sock")
	assert "control socket" not in r.err
	assert r.rc in (0, 1)
	assert SUMMARY_LINE.match(r.out.splitlines()[-1])


def test_check_colour(check_conf):
	rc, out = run_pty(["-c", check_conf, "check", "status-404.test"], {})
	assert rc == 1
	assert "\x1b[31mFAIL\x1b[0m  policy-fetch" in out
	assert "\x1b[32mPASS\x1b[0m  txt" in out
	rc, out = run_pty(["-c", check_conf, "check", "status-404.test"],
	    {"NO_COLOR": "1"})
	assert "\x1b[" not in out and "FAIL  policy-fetch" in out


def test_check_untrusted_text(world, check_conf, fresh):
	"""Record text from DNS cannot drive the terminal."""
	d = fresh("ctl-esc")
	world.add_domain(d, txt=["v=STSv1; id=a1; x=\x1b[31m"])
	r = run_ctl(["check", d], check_conf)
	assert "\x1b" not in r.out
	j = run_ctl(["check", d], check_conf, json_out=True)
	assert "\x1b" not in json.dumps(j.doc, ensure_ascii=False)
