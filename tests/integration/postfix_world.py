#
# postfix_world.py - a real Postfix for the integration tests: a private
# instance with Debian's stock master.cf and contrib/postfix's lines,
# and the helpers around it (INTEGRATION-NOTES "Running Postfix inside
# tests").
#
# DESCRIPTION
#	why_not_postfix(): the reason a Postfix test cannot run here (not
#	in the network namespace, not root, Postfix or its groups missing),
#	or None.
#
#	Postfix(top, ca_file, ...): an instance with its own
#	config_directory and queue_directory (below top unless given),
#	master.cf = Debian's master.cf.dist with contrib/postfix/
#	master.cf-tlsrpt appended, main.cf = the test's own keys (paths,
#	ADDR, the world's CA, maillog_file) followed by contrib/postfix/
#	main.cf as shipped and any extra lines. The chroot gets
#	etc/resolv.conf and friends as Debian's postfix start-up copies
#	them. start(), stop(), run(), send(), log(), queue().
#
#	conf_keys(path, queue_dir): the key = value lines of a contrib
#	mtasts.conf snippet, /var/spool/postfix replaced by queue_dir.
#	system_account(name): a system account with a group of its own,
#	made when missing. uids(pid), connect_as(uid, gid, path),
#	chrooted_smtp_roots(pf): what the tests look at in /proc and at
#	the sockets.
#
#	Postfix needs the network namespace run (tests/world/netns.sh): the
#	chrooted smtp(8) reads nameserver 127.0.0.1 from its copy of
#	resolv.conf (port 53) and delivers to MX hosts on port 25.
#
import grp
import json
import os
import pwd
import shutil
import socket
import subprocess
import time

from helpers import NETNS, HERE, wait_until

POSTFIX = "/usr/sbin/postfix"
POSTCONF = "/usr/sbin/postconf"
POSTMAP = "/usr/sbin/postmap"
POSTQUEUE = "/usr/sbin/postqueue"
SENDMAIL = "/usr/sbin/sendmail"
STOCK_MASTER = "/usr/share/postfix/master.cf.dist"
TOP_SRC = os.environ.get("top_srcdir",
    os.path.normpath(os.path.join(HERE, "..", "..")))
TOP_BUILD = os.environ.get("top_builddir", TOP_SRC)
CONTRIB = os.path.join(TOP_SRC, "contrib", "postfix")
ADDR = "127.0.0.10"	# the world keeps it free for a test Postfix


def why_not_postfix():
	"""why_not_postfix - the reason a real Postfix cannot run here, or
	None."""
	if not NETNS:
		return "needs the network namespace run (tests/world/netns.sh:" \
		    " ports 25 and 53)"
	if os.geteuid() != 0:
		return "Postfix runs as root"
	for p in (POSTFIX, POSTCONF, SENDMAIL, STOCK_MASTER):
		if not os.path.exists(p):
			return "no %s (Debian package postfix)" % p
	try:
		grp.getgrnam("postfix")
		grp.getgrnam("postdrop")
	except KeyError:
		return "no postfix or postdrop group"
	return None


def conf_keys(path, queue_dir):
	"""conf_keys - the key = value lines of a contrib mtasts.conf
	snippet, /var/spool/postfix replaced by queue_dir; repeated keys
	become lists."""
	conf = {}
	with open(path) as f:
		for line in f:
			line = line.strip()
			if not line or line.startswith("#"):
				continue
			k, _, v = line.partition("=")
			v = v.strip().replace("/var/spool/postfix", queue_dir)
			k = k.strip()
			if k in conf:
				old = conf[k]
				conf[k] = (old if isinstance(old, list) else [old]) + [v]
			else:
				conf[k] = v
	return conf


class Postfix:
	"""Postfix - a private instance with the stock chrooted master.cf."""

	def __init__(self, top, ca_file, conf_dir=None, queue_dir=None,
	    data_dir=None, sock_owner=None, extra_main=""):
		"""sock_owner: make queue_dir/mtasts owned by that user, group
		postfix, mode 0750 (None: the caller makes it)."""
		self.top = top
		self.conf_dir = conf_dir or os.path.join(top, "etc")
		self.queue_dir = queue_dir or os.path.join(top, "spool")
		self.data_dir = data_dir or os.path.join(top, "data")
		self.maillog = os.path.join(top, "maillog")
		for d in (self.conf_dir, self.queue_dir, self.data_dir):
			os.makedirs(d, exist_ok=True)
		shutil.chown(self.data_dir, "postfix", "postfix")
		with open(os.path.join(CONTRIB, "main.cf")) as f:
			snippet = f.read()
		with open(os.path.join(self.conf_dir, "main.cf"), "w") as f:
			f.write("""# written by tests/integration/postfix_world.py
compatibility_level = 3.6
queue_directory = %(q)s
data_directory = %(data)s
mail_owner = postfix
setgid_group = postdrop
myhostname = client.example
mydomain = example
myorigin = $myhostname
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = %(addr)s
inet_protocols = ipv4
smtp_bind_address = %(addr)s
maillog_file = %(log)s
maillog_file_prefixes = %(top)s
smtp_tls_CAfile = %(ca)s
smtp_dns_support_level = enabled
# contrib/postfix/main.cf as shipped:
%(snippet)s%(extra)s""" % {"q": self.queue_dir, "data": self.data_dir,
			    "addr": ADDR, "log": self.maillog, "top": top,
			    "ca": ca_file, "snippet": snippet,
			    "extra": extra_main})
		with open(STOCK_MASTER) as f:
			master = f.read()
		with open(os.path.join(CONTRIB, "master.cf-tlsrpt")) as f:
			master += f.read()
		with open(os.path.join(self.conf_dir, "master.cf"), "w") as f:
			f.write(master)
		# What Debian's postfix start-up copies into the chroot.
		etc = os.path.join(self.queue_dir, "etc")
		os.makedirs(etc, exist_ok=True)
		for name in ("resolv.conf", "hosts", "services", "host.conf",
		    "nsswitch.conf", "localtime"):
			src = os.path.join("/etc", name)
			if os.path.exists(src):
				shutil.copy(src, os.path.join(etc, name))
		# mtasts.conf.postfix: install -d -o mtasts -g postfix -m 0750
		self.sock_dir = os.path.join(self.queue_dir, "mtasts")
		if sock_owner is not None:
			os.mkdir(self.sock_dir)
			shutil.chown(self.sock_dir, sock_owner, "postfix")
			os.chmod(self.sock_dir, 0o750)

	def env(self):
		e = dict(os.environ)
		e["MAIL_CONFIG"] = self.conf_dir
		return e

	def run(self, *argv, check=True, cwd=None, timeout=60):
		r = subprocess.run(list(argv), env=self.env(), cwd=cwd,
		    capture_output=True, text=True, timeout=timeout)
		if check and r.returncode != 0:
			raise AssertionError("%s: exit %d: %s%s\n%s" % (argv,
			    r.returncode, r.stdout, r.stderr, self.log()))
		return r

	def start(self):
		# Postfix wants inet_interfaces to be an address of an
		# interface: give it to lo (the namespace is ours alone).
		r = subprocess.run(["ip", "-4", "addr", "show", "dev", "lo"],
		    capture_output=True, text=True)
		if " %s/" % ADDR not in r.stdout:
			subprocess.run(["ip", "addr", "add", ADDR + "/32", "dev",
			    "lo"], check=True)
		self.run(POSTFIX, "-c", self.conf_dir, "check")
		self.run(POSTFIX, "-c", self.conf_dir, "start")
		if not wait_until(lambda: os.path.exists(os.path.join(
		    self.queue_dir, "pid", "master.pid")), timeout=20):
			raise AssertionError("postfix did not start: " + self.log())

	def stop(self):
		self.run(POSTFIX, "-c", self.conf_dir, "stop", check=False)
		pidf = os.path.join(self.queue_dir, "pid", "master.pid")
		wait_until(lambda: not os.path.exists(pidf), timeout=20)

	def log(self):
		try:
			with open(self.maillog, errors="replace") as f:
				return f.read()
		except OSError:
			return ""

	def send(self, sender, rcpt, subject):
		msg = ("From: <%s>\nTo: <%s>\nSubject: %s\n\n"
		    "a test message through a real Postfix\n" % (sender, rcpt,
		    subject))
		r = subprocess.run([SENDMAIL, "-f", sender, rcpt], input=msg,
		    env=self.env(), capture_output=True, text=True, timeout=60)
		assert r.returncode == 0, r.stderr

	def queue(self):
		"""queue - the messages in the queue (postqueue -j), parsed."""
		r = self.run(POSTQUEUE, "-c", self.conf_dir, "-j")
		return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]

	def queue_ids(self, log_text, rcpt):
		"""queue_ids - the queue ids the log shows for a recipient."""
		ids = []
		for line in log_text.splitlines():
			if "to=<%s>" % rcpt in line:
				qid = line.split(": ", 1)[0].split()[-1]
				qid = line.split("]: ", 1)[1].split(":", 1)[0] \
				    if "]: " in line else qid
				ids.append(qid)
		return ids


def system_account(name, home="/nonexistent"):
	"""system_account - (uid, gid) of name, a system account with a
	group of its own, made with useradd when it is missing."""
	r = None
	for _ in range(20):
		try:
			pw = pwd.getpwnam(name)
			return pw.pw_uid, pw.pw_gid
		except KeyError:
			pass
		r = subprocess.run(["useradd", "--system", "--user-group",
		    "--no-create-home", "--home-dir", home,
		    "--shell", "/usr/sbin/nologin", name],
		    capture_output=True, text=True)
		if r.returncode not in (0, 9):	# 9: made meanwhile
			time.sleep(0.5)		# /etc/passwd locked: again
	raise AssertionError("cannot create %s: %s" % (name,
	    r.stderr if r else ""))


def uids(pid):
	"""uids - the real, effective, saved and fs uid of a process."""
	with open("/proc/%d/status" % pid) as f:
		return [l.split()[1:] for l in f if l.startswith("Uid:")][0]


def connect_as(uid, gid, path):
	"""connect_as - errno of connecting to path as uid:gid (0: ok)."""
	pid = os.fork()
	if pid == 0:
		code = 0
		try:
			os.setgroups([])
			os.setgid(gid)
			os.setuid(uid)
			s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
			try:
				s.connect(path)
			except OSError as e:
				code = e.errno
		finally:
			os._exit(code)
	_, st = os.waitpid(pid, 0)
	return os.waitstatus_to_exitcode(st)


def chrooted_smtp_roots(pf):
	"""chrooted_smtp_roots - the root directory of every running
	smtp(8) process of this instance."""
	roots = []
	for pid in os.listdir("/proc"):
		if not pid.isdigit():
			continue
		try:
			with open("/proc/%s/cmdline" % pid, "rb") as f:
				argv = f.read().split(b"\0")
			if argv[0] != b"smtp":
				continue
			with open("/proc/%s/environ" % pid, "rb") as f:
				env = f.read().split(b"\0")
			if ("MAIL_CONFIG=" + pf.conf_dir).encode() not in env:
				continue
			roots.append(os.readlink("/proc/%s/root" % pid))
		except OSError:
			continue
	return roots
