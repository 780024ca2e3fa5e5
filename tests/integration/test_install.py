#
# test_install.py - the deployment that the README and contrib describe,
# followed as an admin would (issue 17, "Done when"): "make install"
# into a root of the test's own, the account and the directories made by
# the README's commands, contrib's files as shipped, both daemons as
# their own user, a real Postfix with contrib/postfix/main.cf.
#
# DESCRIPTION
#	R is a temporary directory standing for "/": "make install
#	DESTDIR=R" from the build tree, then every program, the sample
#	configuration, the contrib snippets and the man pages are the
#	installed copies below R. The README's commands of "An account
#	and directories without systemd" are read from the README at test
#	time and run without a shell, with each absolute path P below /var
#	or /etc replaced by R+P and the account "mtasts" by ACCOUNT (the
#	login shell /usr/sbin/nologin is the system's, left alone); a
#	command the test cannot run must be in EXCEPTIONS with its reason.
#
#	mtasts.conf = the installed mtasts.conf.sample, its commented
#	defaults below /var (sockets, cache) set to the same places below
#	R, then the installed mtasts.conf.postfix (paths below R, ACCOUNT
#	for "mtasts"), the README's release_command for an instance with
#	a config directory of its own (postsuper -c, postqueue -c), the
#	README's other two socketmap layouts (so that all three of its
#	"postmap -q" lines run), and what the test world needs: its CA,
#	dnssec no (the world's zones are unsigned), allow_private_addresses,
#	a short hold_max and milter_wait 0s (every first message is held).
#	Postfix (postfix_world.Postfix) runs with config_directory
#	R/etc/postfix-out - the README's example - and queue_directory
#	R/var/spool/postfix, Debian's stock master.cf and contrib's
#	main.cf, plus the README's milter_header_checks line after a
#	"postfix reload". Last, policyd is stopped and started again, as
#	the README's "When mtasts-policyd is down" describes.
#
#	Needs the network namespace run (tests/world/netns.sh) and root:
#	Postfix delivers to port 25, useradd and chown need root.
#
import grp
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(
    __file__)), "..", "packaging"))
import pkgcheck  # noqa: E402
from helpers import KEEP, wait_until
from postfix_world import (Postfix, POSTFIX, POSTMAP, TOP_SRC, TOP_BUILD,
    why_not_postfix, uids, connect_as)

ACCOUNT = "mtasts-insttest"	# stands for the README's "mtasts"
README = os.path.join(TOP_SRC, "README")
HOLD_MAX = 12			# seconds; the bad MX's message waits this long
GOOD = "mx-good.test"		# enforce, an MX with a good certificate
BAD = "mx-untrusted.test"	# enforce, an MX with a rogue-CA certificate
NOPOLICY = "nxdomain.test"	# no _mta-sts name

# README commands of the account section that the test does not run:
# {program: the reason}. None so far: every one runs.
EXCEPTIONS = {}


def _why_not():
	"""_why_not - the reason this module cannot run here, or None."""
	why = why_not_postfix()
	if why is not None:
		return why
	for p in ("/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/bin/install"):
		if not os.path.exists(p):
			return "no %s" % p
	if shutil.which("make") is None:
		return "no make"
	if not os.path.exists(os.path.join(TOP_BUILD, "Makefile")):
		return "no configured build tree at %s" % TOP_BUILD
	return None


pytestmark = pytest.mark.skipif(_why_not() is not None,
    reason=_why_not() or "")


# --- the README, read at test time ----------------------------------------

def readme_section(title):
	"""readme_section - the lines of the README section title (up to the
	next title underlined with dashes), as tests/packaging reads them."""
	with open(README) as f:
		lines = f.read().split("\n")
	out = pkgcheck.readme_section(lines, title)
	if out is None:
		raise AssertionError("README has no section %r" % title)
	return out


def indented_commands(lines):
	"""indented_commands - the example lines (indented 6 or more
	columns), backslash continuations joined, comments dropped."""
	return pkgcheck.example_lines(lines)


def remap(root, text):
	"""remap - text with every absolute path below /var or /etc moved
	below root and the account name "mtasts" replaced by ACCOUNT."""
	text = re.sub(r"(?<![\w./-])(/(?:var|etc)/[^\s:]*)",
	    lambda m: root + m.group(1), text)
	return re.sub(r"(?<![\w./:-])mtasts(?![\w./-])", ACCOUNT, text)


# --- install, account, configuration ----------------------------------------

def make_vars():
	"""make_vars - prefix, sbindir, sysconfdir, mandir and docdir of the
	build tree's top Makefile, expanded."""
	raw = {}
	with open(os.path.join(TOP_BUILD, "Makefile")) as f:
		for line in f:
			m = re.match(r"^([A-Za-z_]+) = (.*)$", line.rstrip("\n"))
			if m:
				raw[m.group(1)] = m.group(2)

	def expand(v, depth=0):
		assert depth < 20, v
		return re.sub(r"\$[({]([a-zA-Z_]+)[)}]",
		    lambda m: expand(raw.get(m.group(1), ""), depth + 1), v)
	return {k: expand(raw[k]) for k in ("prefix", "sbindir",
	    "sysconfdir", "mandir", "docdir")}


def make_install(root):
	"""make_install - make install DESTDIR=root from the build tree (the
	caller's make flags left out, as tests/packaging does)."""
	env = dict(os.environ)
	for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
		env.pop(k, None)
	r = subprocess.run(["make", "-s", "-C", TOP_BUILD, "install",
	    "DESTDIR=" + root], env=env, capture_output=True, text=True,
	    timeout=300)
	assert r.returncode == 0, "make install: %s%s" % (r.stdout, r.stderr)


def _drop_account():
	"""_drop_account - remove ACCOUNT and its group (a leftover of an
	earlier run, or ours at the end)."""
	for _ in range(20):
		try:
			pwd.getpwnam(ACCOUNT)
		except KeyError:
			break
		r = subprocess.run(["userdel", ACCOUNT], capture_output=True,
		    text=True)
		if r.returncode != 0:
			time.sleep(0.5)	# /etc/passwd locked, or still in use
	try:
		grp.getgrnam(ACCOUNT)
		subprocess.run(["groupdel", ACCOUNT], capture_output=True)
	except KeyError:
		pass


def run_account_commands(root):
	"""run_account_commands - the README's commands of "An account and
	directories without systemd", remapped, run without a shell; the
	list of (argv, result)."""
	cmds = indented_commands(readme_section(
	    "An account and directories without systemd"))
	assert cmds, "no commands in the README's account section"
	done = []
	for c in cmds:
		argv = [remap(root, w) for w in shlex.split(c)]
		if argv[0] in EXCEPTIONS:
			continue
		assert argv[0] in ("useradd", "install"), \
		    "README command %r: run it in test_install.py or add it " \
		    "to EXCEPTIONS with the reason" % c
		for _ in range(20):
			r = subprocess.run(argv, capture_output=True, text=True)
			# useradd: 1 or 10 while /etc/passwd or /etc/group is
			# locked by a parallel run
			if not (argv[0] == "useradd" and r.returncode in (1, 10)):
				break
			time.sleep(0.5)
		assert r.returncode == 0, "%s: exit %d: %s" % (argv,
		    r.returncode, r.stderr)
		done.append((argv, r))
	return done


def _conf_lines(path):
	"""_conf_lines - (key, value) of the settings of an mtasts.conf."""
	out = []
	with open(path) as f:
		for line in f:
			line = line.strip()
			if line and not line.startswith("#"):
				k, _, v = line.partition("=")
				out.append((k.strip(), v.strip()))
	return out


def write_mtasts_conf(root, dirs, ca, pf_conf_dir):
	"""write_mtasts_conf - mtasts.conf from the installed sample and
	mtasts.conf.postfix, as the DESCRIPTION says; its path."""
	etc = root + dirs["sysconfdir"] + "/mtasts"
	sample = etc + "/mtasts.conf.sample"
	snippet = root + dirs["docdir"] + "/postfix/mtasts.conf.postfix"
	with open(snippet) as f:
		stext = f.read()
	skeys = {k for k, _ in _conf_lines(snippet)}
	out = []
	with open(sample) as f:
		for line in f:
			# "#cache_dir = /var/db/mtasts": the same place below R
			m = re.match(r"^#([a-z_]+) = ((?:unix:)?/var/\S*)$", line)
			if m and m.group(1) not in skeys:
				out.append("%s = %s\n" % (m.group(1),
				    remap(root, m.group(2))))
			else:
				out.append(line)
	out.append("\n# contrib/postfix/mtasts.conf.postfix, paths below "
	    "the test's root:\n")
	out.append(remap(root, stext))
	out.append("\n# README: a Postfix instance with its own config "
	    "directory\n")
	rel = [l for l in indented_commands(readme_section("Postfix"))
	    if l.startswith("release_command = ")]
	assert len(rel) == 2 and "/etc/postfix-out" in rel[0], rel
	for l in rel:
		out.append(remap(root, l).replace(root + "/etc/postfix-out",
		    pf_conf_dir) + "\n")
	out.append("# README: the other two socketmap layouts, for its "
	    "postmap lines\n")
	out.append("socketmap_listen = unix:%s/var/run/mtasts/"
	    "socketmap.sock\n" % root)
	out.append("socketmap_listen = inet:127.0.0.1:8461\n")
	out.append("# the test world\n")
	out.append("tls_ca_file = %s\n" % ca)
	out.append("dnssec = no\n")
	out.append("allow_private_addresses = yes\n")
	out.append("hold_max = %ds\n" % HOLD_MAX)
	out.append("milter_wait = 0s\n")
	path = etc + "/mtasts.conf"
	with open(path, "w") as f:
		f.write("".join(out))
	os.chmod(path, 0o644)
	return path


class Prog:
	"""Prog - one installed daemon in the foreground (-f), its log."""

	def __init__(self, argv, log):
		self.log_path = log
		self.errf = open(log, "ab")
		self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
		    stdout=self.errf, stderr=self.errf, close_fds=True)

	def text(self):
		with open(self.log_path, "rb") as f:
			return f.read().decode("utf-8", "replace")

	def stop(self):
		"""stop - SIGTERM; the exit status."""
		if self.proc.poll() is None:
			self.proc.send_signal(signal.SIGTERM)
		try:
			rc = self.proc.wait(10)
		except subprocess.TimeoutExpired:
			self.proc.kill()
			rc = self.proc.wait()
		self.errf.close()
		return rc


def _accepts(path):
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	try:
		s.connect(path)
		return True
	except OSError:
		return False
	finally:
		s.close()


class Setup:
	pass


@pytest.fixture(scope="module")
def inst(world):
	s = Setup()
	s.root = root = tempfile.mkdtemp(prefix="mti", dir="/tmp")
	os.chmod(root, 0o755)
	s.dirs = dirs = make_vars()
	pf = policyd = milter = None
	try:
		make_install(root)
		s.sbin = root + dirs["sbindir"]
		_drop_account()
		s.account_cmds = run_account_commands(root)
		pw = pwd.getpwnam(ACCOUNT)
		s.uid, s.gid = pw.pw_uid, pw.pw_gid
		s.run_dir = root + "/var/run/mtasts"
		s.sock_dir = root + "/var/spool/postfix/mtasts"
		s.ctl_sock = s.run_dir + "/control.sock"
		ca = root + dirs["sysconfdir"] + "/mtasts/test-ca.pem"
		shutil.copy(world.ca_file, ca)
		os.chmod(ca, 0o644)
		# The README's milter_header_checks file, in place below R.
		hdr = [l for l in indented_commands(readme_section("Postfix"))
		    if l.startswith("milter_header_checks") or
		    l.endswith(" WARN")]
		assert len(hdr) == 2, hdr
		s.header_checks = remap(root, hdr[0])
		hc_file = s.header_checks.split("regexp:", 1)[1]
		os.makedirs(os.path.dirname(hc_file), exist_ok=True)
		with open(hc_file, "w") as f:
			f.write(hdr[1] + "\n")
		pf = Postfix(root, world.ca_file,
		    conf_dir=root + "/etc/postfix-out",
		    queue_dir=root + "/var/spool/postfix",
		    data_dir=root + "/var/lib/postfix-out")
		s.pf = pf
		s.conf = write_mtasts_conf(root, dirs, ca, pf.conf_dir)
		r = subprocess.run([s.sbin + "/mtasts-policyd", "-t", "-c",
		    s.conf], capture_output=True, text=True)
		assert r.returncode == 0, "mtasts-policyd -t: " + r.stderr
		policyd = Prog([s.sbin + "/mtasts-policyd", "-f", "-c", s.conf],
		    root + "/policyd.log")
		s.policyd = policyd
		if not wait_until(lambda: _accepts(s.ctl_sock) or
		    policyd.proc.poll() is not None, timeout=15) or \
		    policyd.proc.poll() is not None:
			raise AssertionError("mtasts-policyd did not start: " +
			    policyd.text())
		milter = Prog([s.sbin + "/mtasts-milter", "-f", "-c", s.conf],
		    root + "/milter.log")
		s.milter = milter
		if not wait_until(lambda: "started:" in milter.text() or
		    milter.proc.poll() is not None, timeout=15) or \
		    milter.proc.poll() is not None:
			raise AssertionError("mtasts-milter did not start: " +
			    milter.text())
		pf.start()
		# README: milter_header_checks in main.cf, then postfix reload
		with open(pf.conf_dir + "/main.cf", "a") as f:
			f.write("# README: the milter's header in the log\n%s\n" %
			    s.header_checks)
		pf.run(POSTFIX, "-c", pf.conf_dir, "reload")
	except BaseException:
		if pf is not None:
			pf.stop()
		for p in (milter, policyd):
			if p is not None:
				p.stop()
		_drop_account()
		if not KEEP:
			shutil.rmtree(root, ignore_errors=True)
		raise
	yield s
	pf.stop()
	mrc = milter.stop()
	prc = s.policyd.stop()	# the last one started
	# Issue 17 item 5: the daemons, unprivileged, remove their sockets.
	left = [p for p in (s.ctl_sock, s.run_dir + "/socketmap.sock",
	    s.sock_dir + "/socketmap.sock", s.sock_dir + "/milter.sock")
	    if os.path.lexists(p)]
	_drop_account()
	if not KEEP:
		shutil.rmtree(root, ignore_errors=True)
	assert prc == 0, s.policyd.text()[-3000:]
	assert mrc == 0, milter.text()[-3000:]
	assert left == [], left


def ctl(s, *args):
	"""ctl - the installed mtasts-ctl as root: (exit status, output)."""
	r = subprocess.run([s.sbin + "/mtasts-ctl", "-c", s.conf] +
	    list(args), capture_output=True, text=True, timeout=60)
	return r.returncode, r.stdout + r.stderr


# --- the tests, in the order an admin meets things ------------------------

def test_installed_files(inst):
	"""make install put the programs, the sample and contrib's snippets
	(byte for byte contrib's) and man pages that document what this
	test uses."""
	s = inst
	d = s.dirs
	for p in ("mtasts-policyd", "mtasts-milter", "mtasts-ctl"):
		assert os.access(s.sbin + "/" + p, os.X_OK), p
	for rel, src in (("postfix/mtasts.conf.postfix",
	    "contrib/postfix/mtasts.conf.postfix"), ("postfix/main.cf",
	    "contrib/postfix/main.cf"), ("README", "README")):
		with open(s.root + d["docdir"] + "/" + rel, "rb") as f, \
		    open(os.path.join(TOP_SRC, src), "rb") as g:
			assert f.read() == g.read(), rel
	with open(s.root + d["sysconfdir"] + "/mtasts/mtasts.conf.sample",
	    "rb") as f, open(os.path.join(TOP_SRC,
	    "contrib/mtasts.conf.sample"), "rb") as g:
		assert f.read() == g.read()
	man = s.root + d["mandir"]

	def page(sec, name):
		"""page - the installed page as man(1) shows it (mandoc(1)
		where there is no man)."""
		path = "%s/man%s/%s.%s" % (man, sec, name, sec)
		assert os.path.exists(path), path
		if shutil.which("man"):
			argv = ["man", "-M", man, "-P", "cat", sec, name]
		else:
			argv = ["mandoc", "-T", "ascii", "-O", "width=200", path]
		r = subprocess.run(argv, capture_output=True, text=True,
		    env=dict(os.environ, MANWIDTH="200"))
		assert r.returncode == 0, (argv, r.stderr)
		return re.sub(".\b", "", r.stdout)
	text = page("8", "mtasts-ctl")
	for verb in ("status", "holds", "lookup domain"):
		assert re.search(r"^\s+%s\s*$" % verb, text, re.M) or \
		    re.search(r"^\s+%s\s" % verb, text, re.M), verb
	for name in ("mtasts-policyd", "mtasts-milter"):
		text = page("8", name)
		assert re.search(r"^\s+-f\b", text, re.M), name
		assert re.search(r"^\s+-c file\b", text, re.M), name
	text = page("5", "mtasts.conf")
	for k, _ in _conf_lines(s.conf):
		assert re.search(r"^\s+%s\b" % k, text, re.M), k


def test_account_and_directories(inst):
	"""The README's account commands made a system account with a group
	of its own and the cache and socket directories with its owners and
	modes."""
	s = inst
	ran = [a[0] for a, _ in s.account_cmds]
	assert ran.count("useradd") == 1 and ran.count("install") >= 3, ran
	pw = pwd.getpwnam(ACCOUNT)
	assert pw.pw_uid < 1000 and grp.getgrgid(pw.pw_gid).gr_name == ACCOUNT
	assert pw.pw_dir == s.root + "/var/db/mtasts"
	assert pw.pw_shell == "/usr/sbin/nologin"
	for argv, _ in s.account_cmds:
		if argv[0] != "install":
			continue
		o = argv[argv.index("-o") + 1]
		g = argv[argv.index("-g") + 1]
		m = int(argv[argv.index("-m") + 1], 8)
		st = os.stat(argv[-1])
		assert (pwd.getpwuid(st.st_uid).pw_name,
		    grp.getgrgid(st.st_gid).gr_name, st.st_mode & 0o7777) == \
		    (o, g, m), argv
	# and "user = mtasts", "group = mtasts" in mtasts.conf
	conf = dict(_conf_lines(s.conf))
	assert conf["user"] == conf["group"] == ACCOUNT


def test_daemons_run_as_the_account(inst):
	"""Both daemons dropped to the account (policyd keeps only its root
	helper), and the milter could use the control socket at start."""
	s = inst
	assert uids(s.policyd.proc.pid) == [str(s.uid)] * 4
	assert uids(s.milter.proc.pid) == [str(s.uid)] * 4
	assert "cannot use mtasts-policyd" not in s.milter.text()


def test_sockets_as_the_readme_table(inst):
	"""Owner, group and mode of each socket as the README's table says,
	and who can open which."""
	s = inst
	rows = {}
	for line in readme_section("Postfix"):
		m = re.match(r"^\s+(\S+\.sock)\s.*\s(\S+):(\S+)\s+(0[0-7]{3})$",
		    line)
		if m:
			rows[m.group(1)] = m.groups()[1:]
	assert set(rows) == {"socketmap.sock", "milter.sock",
	    "control.sock"}, rows
	where = {"socketmap.sock": s.sock_dir, "milter.sock": s.sock_dir,
	    "control.sock": s.run_dir}
	for name, (o, g, mode) in rows.items():
		st = os.stat(os.path.join(where[name], name))
		o = ACCOUNT if o == "mtasts" else o
		g = ACCOUNT if g == "mtasts" else g
		assert (pwd.getpwuid(st.st_uid).pw_name,
		    grp.getgrgid(st.st_gid).gr_name, st.st_mode & 0o777) == \
		    (o, g, int(mode, 8)), name
	postfix = pwd.getpwnam("postfix")
	pgid = grp.getgrnam("postfix").gr_gid
	assert connect_as(postfix.pw_uid, pgid,
	    s.sock_dir + "/socketmap.sock") == 0
	assert connect_as(postfix.pw_uid, pgid,
	    s.sock_dir + "/milter.sock") == 0
	assert connect_as(postfix.pw_uid, pgid, s.ctl_sock) == 13  # EACCES
	assert connect_as(s.uid, s.gid, s.ctl_sock) == 0


def test_good_mx_held_released_delivered(inst, world):
	"""A message to an enforce domain with a good MX: held by the milter,
	released by policyd's helper with the README's release_command once
	the route is confirmed, delivered over verified TLS; the milter's
	header shows in the mail log (milter_header_checks WARN)."""
	s = inst
	pf = s.pf
	mark = world.mark()
	rcpt = "user@" + GOOD
	pf.send("sender@client.example", rcpt, "good")
	msgs = wait_until(lambda: world.smtp_messages("mx." + GOOD,
	    since=mark), timeout=60, every=0.5)
	log = pf.log()
	assert msgs, "not delivered; maillog:\n" + log
	# First contact: the milter saw the domain before policyd knew it.
	assert re.search(r"^MTA-STS-Status: %s=(pending|enforce/\S+)\r?$" %
	    re.escape(GOOD), msgs[-1]["data"], re.M), msgs[-1]["data"]
	assert "milter triggers HOLD action; from=<sender@client.example> " \
	    "to=<%s>" % rcpt in log, log
	assert "released from hold" in log, log
	assert "Verified TLS connection established to mx.%s" % GOOD in log
	assert re.search(r"to=<%s>.*status=sent" % re.escape(rcpt), log), log
	assert re.search(r"milter-header-warning: header MTA-STS-Status: "
	    r"%s=\S+ from .*to=<%s>" % (re.escape(GOOD), re.escape(rcpt)),
	    log), log
	plog = s.policyd.text()
	assert re.search(r"released \(every domain settled\) after \d+s; "
	    r"domains %s" % re.escape(GOOD), plog), plog[-3000:]


def test_bad_mx_held_then_deferred(inst, world):
	"""A message to an enforce domain whose MX has a rogue certificate:
	held (mtasts-ctl holds names it and the domain), released after
	hold_max, and deferred by Postfix with a 4.7.x status."""
	s = inst
	pf = s.pf
	mark = world.mark()
	rcpt = "user@" + BAD
	t0 = time.time()
	pf.send("sender@client.example", rcpt, "bad")

	def held():
		rc, out = ctl(s, "holds")
		return rc == 0 and re.findall(r"^([0-9A-Za-z]+)\s+\d{4}-\S+ "
		    r"\([^)]*\)\s+-\s+%s=enforce/\S+$" % re.escape(BAD), out,
		    re.M)
	qids = wait_until(held, timeout=20, every=0.5)
	assert qids, ctl(s, "holds")
	# the queue id of the message Postfix took for that recipient
	assert len(qids) == 1 and re.search(r"%s: milter-hold: .*milter "
	    r"triggers HOLD action; .*to=<%s>" % (qids[0], re.escape(rcpt)), pf.log()), \
	    (qids, pf.log())
	rc, status = ctl(s, "status")
	m = re.search(r"^held messages: (\d+)$", status, re.M)
	assert rc == 0 and m and int(m.group(1)) >= 1, status

	def deferred():
		log = pf.log()
		m = re.search(r"to=<%s>.*dsn=(4\.7\.\d+), status=deferred "
		    r"\(([^)]*)" % re.escape(rcpt), log)
		return m
	m = wait_until(deferred, timeout=HOLD_MAX + 45, every=0.5)
	assert m, "no deferral; maillog:\n" + pf.log()
	assert time.time() - t0 >= HOLD_MAX - 1	# held_at: whole seconds
	assert "certificate" in m.group(2).lower(), m.group(0)
	plog = s.policyd.text()
	assert re.search(r"queue_id=%s held for hold_max" % qids[0], plog), \
	    plog[-3000:]
	assert re.search(r"queue_id=%s released \(hold_max\)" % qids[0],
	    plog), plog[-3000:]
	q = [e for e in pf.queue() if e["queue_id"] == qids[0]]
	assert q and q[0]["queue_name"] == "deferred", q
	reasons = [r.get("delay_reason", "") for r in q[0]["recipients"]]
	assert any("certificate" in r.lower() for r in reasons), q
	assert not world.smtp_messages("mx." + BAD, since=mark)


def test_ctl_as_root(inst):
	"""root's mtasts-ctl (installed, -c the installed mtasts.conf)."""
	s = inst
	rc, out = ctl(s, "status")
	assert rc == 0 and re.match(r"mtasts-policyd \S+, control protocol "
	    r"\d+\nup \d+", out), out
	assert re.search(r"^ENFORCE .*\n[1-9]", out, re.M), out
	rc, out = ctl(s, "lookup", GOOD)
	assert rc == 0, out
	assert "secure match=" in out and "mx." + GOOD in out, out
	assert "enforce" in out, out
	rc, out = ctl(s, "lookup", NOPOLICY)
	assert rc == 0 and "NOTFOUND" in out, out
	# The bad MX's message, released at hold_max, stays listed (with
	# its release time) until the second release a minute later.
	rc, out = ctl(s, "holds")
	assert rc == 0, out
	assert out.strip() == "no holds" or re.search(r"^[0-9A-Za-z]+\s+"
	    r"\d{4}-\S+ \([^)]*\)\s+\d{4}-\S+ \([^)]*\)\s+%s=enforce/" %
	    re.escape(BAD), out, re.M), out


def test_postmap_lines_of_the_readme(inst):
	"""Every "postmap -q" line of the README, its socket path below R and
	an enforce domain of the world for example.com, answers from the
	running policyd; a domain without a policy prints nothing, exit 1."""
	s = inst
	lines = [l for l in indented_commands(readme_section("Postfix"))
	    if l.startswith("postmap -q ")]
	assert len(lines) == 3, lines
	for l in lines:
		argv = [remap(s.root, w) for w in shlex.split(l)]
		assert argv[2] == "example.com", l
		argv[0] = POSTMAP
		argv[2] = GOOD
		r = s.pf.run(*argv, check=False)
		assert r.returncode == 0, (argv, r.stderr)
		assert r.stdout.startswith("secure match=") and \
		    "mx." + GOOD in r.stdout, (argv, r.stdout)
		argv[2] = NOPOLICY
		r = s.pf.run(*argv, check=False)
		assert (r.returncode, r.stdout) == (1, ""), (argv, r.stdout)


def test_policyd_down_defers_then_resumes(inst, world):
	"""The README's "When mtasts-policyd is down": with policyd stopped
	Postfix defers even mail to a domain without a policy (the log says
	"policy table lookup error", the queue 4.7.5 "client TLS
	configuration problem") and the milter tags it "unknown" without
	holding it; after a restart "postqueue -f" delivers it."""
	s = inst
	pf = s.pf
	text = re.sub(r"\s+", " ", "\n".join(readme_section(
	    "When mtasts-policyd is down")))
	for said in ('"smtp_tls_policy_maps, ...: policy table lookup error"',
	    'status 4.7.5 and "client TLS configuration problem"',
	    '"postqueue -f"', 'tag "unknown", no hold'):
		assert said in text, said
	domain = "nosts-inst.test"
	world.add_mx("mx." + domain, "good", domain=domain)
	mark = world.mark()
	rcpt = "user@" + domain
	assert s.policyd.stop() == 0
	pf.send("sender@client.example", rcpt, "policyd down")

	def deferred():
		return re.search(r"to=<%s>.*dsn=4\.7\.5, status=deferred "
		    r"\(client TLS configuration problem\)" % re.escape(rcpt),
		    pf.log())
	assert wait_until(deferred, timeout=30, every=0.5), pf.log()
	assert re.search(r"smtp_tls_policy_maps, next-hop destination "
	    r"\"%s\": policy table lookup error" % re.escape(domain),
	    pf.log()), pf.log()
	q = [e for e in pf.queue() if any(r["address"] == rcpt
	    for r in e["recipients"])]
	assert q and q[0]["queue_name"] == "deferred", q
	assert q[0]["recipients"][0]["delay_reason"] == \
	    "client TLS configuration problem", q
	# No TLS policy, no SNI: the world knows the message by recipient.
	def got():
		return [m for m in world.smtp_messages(since=mark)
		    if "<%s>" % rcpt in m.get("rcpt", [])]
	assert not got()
	t0 = time.time()
	s.policyd = Prog([s.sbin + "/mtasts-policyd", "-f", "-c", s.conf],
	    s.root + "/policyd.log")
	assert wait_until(lambda: _accepts(s.sock_dir + "/socketmap.sock"),
	    timeout=10)
	took = time.time() - t0
	assert took < 5, took		# the README: about 50 ms
	pf.run("/usr/sbin/postqueue", "-c", pf.conf_dir, "-f")
	msgs = wait_until(got, timeout=30, every=0.5)
	assert msgs, pf.log()
	assert re.search(r"^MTA-STS-Status: %s=unknown" % re.escape(domain),
	    msgs[-1]["data"], re.M), msgs[-1]["data"]
	assert not re.search(r"milter triggers HOLD action; .*to=<%s>" %
	    re.escape(rcpt), pf.log())
