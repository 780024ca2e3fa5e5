#
# test_control_auth.py - who may use which socket (issue 16 items 1 and 6,
# issue 17 item 5; mtasts-policyd(8) AUTHORIZATION, mtasts.conf(5)
# control_socket_mode, control_socket_group, control_users,
# control_groups).
#
# DESCRIPTION
#	The clients that are not root run in a child process with another
#	uid, gid and supplementary groups (subprocess user=, group=,
#	extra_groups=), talking to the daemon's real sockets: uid 8 (mail)
#	stands for an MTA daemon in socket_group, nobody for the daemons'
#	own user. Every test needs root (to be someone else, and to drop).
#
import grp
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import time

import pytest

from helpers import POLICYD, wait_until

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
    reason="needs root to run clients and daemons as other users")

# A child that opens one connection and prints, as JSON, what happened.
CLIENT = r"""
import json, socket, sys
kind, path, line = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
try:
	s.connect(path)
except OSError as e:
	print(json.dumps({"connect": e.errno}))
	sys.exit(0)
if kind == "sm":
	q = line.encode()
	s.sendall(b"%d:%s," % (len(q), q))
else:
	s.sendall(line.encode() + b"\n")
data = b""
while True:
	try:
		c = s.recv(65536)
	except OSError as e:
		break
	if not c:
		break
	data += c
	if kind == "sm" and data.endswith(b","):
		break
	if kind == "ctl" and data.endswith(b"\n"):
		break
print(json.dumps({"reply": data.decode()}))
"""


def _ids(name):
	pw = pwd.getpwnam(name)
	return pw.pw_uid, pw.pw_gid


def as_user(uid, gid, kind, path, line, groups=()):
	"""as_user - one request from a process with uid, gid and groups:
	{"connect": errno} or {"reply": text}; a control reply is parsed
	into {"reply": {...}} ({"reply": None} when closed unanswered)."""
	r = subprocess.run([sys.executable, "-c", CLIENT, kind, path, line],
	    user=uid, group=gid, extra_groups=list(groups),
	    capture_output=True, text=True, timeout=30)
	assert r.returncode == 0, r.stderr
	out = json.loads(r.stdout)
	if kind == "ctl" and "reply" in out:
		out["reply"] = json.loads(out["reply"]) if out["reply"] else None
	return out


def _reachable(p):
	"""_reachable - let other users walk to the daemon's sockets."""
	os.chmod(p.dir, 0o755)


def _as_nobody(p):
	"""_as_nobody - run the daemon as nobody:nogroup (its files too)."""
	pw = pwd.getpwnam("nobody")
	gr = grp.getgrnam("nogroup")
	_reachable(p)
	ca = os.path.join(p.dir, "ca.pem")
	shutil.copy(p.world.ca_file, ca)
	os.chmod(ca, 0o644)
	os.chown(p.cache_dir, pw.pw_uid, gr.gr_gid)
	p.write_config(user="nobody", group="nogroup", tls_ca_file=ca)
	os.chmod(p.conf_path, 0o644)
	return pw.pw_uid, gr.gr_gid


def test_socket_group_reaches_socketmap_not_control(daemon_factory):
	"""socket_group is the MTA's: its members query the socketmap but
	cannot even open the control socket (control_socket_group defaults
	to the daemon's group, not socket_group)."""
	p = daemon_factory(start=False, socket_group="mail")
	_reachable(p)
	p.start()
	uid, gid = _ids("mail")
	r = as_user(uid, gid, "sm", p.sm_path, "sts enforce.test")
	assert r["reply"].split(":", 1)[1].startswith("OK secure"), r
	r = as_user(uid, gid, "ctl", p.ctl_path, "hold ABC123 enforce.test")
	assert r == {"connect": 13}, r		# EACCES
	st = os.lstat(p.ctl_path)
	assert stat.S_IMODE(st.st_mode) == 0o660
	assert st.st_gid != grp.getgrnam("mail").gr_gid
	st = os.lstat(p.sm_path)
	assert (stat.S_IMODE(st.st_mode), st.st_gid) == (0o660,
	    grp.getgrnam("mail").gr_gid)


def test_peer_check_refuses_a_stranger(daemon_factory):
	"""Even where the mode lets everyone connect, a peer that is not
	root, the daemon's user or an admin is refused: logged with its uid
	and gid, and its request (hold in particular) is not served."""
	p = daemon_factory(start=False, control_socket_mode="0666")
	_reachable(p)
	p.start()
	uid, gid = _ids("mail")
	for line in ("hold ABC123 example.invalid", "flush --all",
	    "release --all", "report send", "status"):
		r = as_user(uid, gid, "ctl", p.ctl_path, line)
		assert r["reply"]["ok"] is False, (line, r)
		assert "permission denied" in r["reply"]["error"], r
	assert "hold" not in [h["queue_id"] for h in
	    p.ctl("holds")["holds"]] and p.ctl("holds")["holds"] == []
	assert "connection from uid %d gid %d refused" % (uid, gid) in \
	    p.stderr_text()


def test_daemon_user_may_hold(daemon_factory):
	"""The daemons' own user (the milter's) may use the milter's verbs."""
	p = daemon_factory(start=False)
	uid, gid = _as_nobody(p)
	p.start()
	st = os.lstat(p.ctl_path)
	assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == \
	    (uid, gid, 0o660)
	r = as_user(uid, gid, "ctl", p.ctl_path, "hold N1 enforce.test")
	assert r["reply"]["ok"] is True, r
	r = as_user(uid, gid, "ctl", p.ctl_path, "sts enforce.test 3000")
	assert r["reply"]["ok"] is True, r
	assert [h["queue_id"] for h in p.ctl("holds")["holds"]] == ["N1"]


def test_admins_get_admin_verbs_not_hold(daemon_factory):
	"""control_users and control_groups (effective or supplementary
	group): every verb but the milter's sts and hold."""
	p = daemon_factory(start=False, control_socket_mode="0666",
	    control_users="mail", control_groups=["backup", "nogroup"])
	_reachable(p)
	p.start()
	mail = _ids("mail")
	backup = grp.getgrnam("backup").gr_gid
	news = _ids("news")
	for who, groups in ((mail, ()), ((news[0], backup), ()),
	    (news, (backup,))):
		for line in ("status", "flush --all", "release --all", "holds"):
			r = as_user(who[0], who[1], "ctl", p.ctl_path, line,
			    groups)
			assert r["reply"]["ok"] is True, (who, groups, line, r)
		for line in ("hold ABC123 enforce.test", "sts enforce.test 0"):
			r = as_user(who[0], who[1], "ctl", p.ctl_path, line,
			    groups)
			assert r["reply"]["ok"] is False, (who, line, r)
			assert "permission denied" in r["reply"]["error"]
	# A supplementary group counts (SO_PEERGROUPS): news with backup.
	r = as_user(news[0], news[1], "ctl", p.ctl_path, "status", (backup,))
	assert r["reply"]["ok"] is True, r
	# news alone is nobody here.
	r = as_user(news[0], news[1], "ctl", p.ctl_path, "status")
	assert r["reply"]["ok"] is False, r
	assert p.ctl("holds")["holds"] == []
	# root may do all.
	assert p.ctl("hold R1 enforce.test")["ok"] is True


def test_sockets_removed_at_stop_as_unprivileged_user(daemon_factory):
	"""An unprivileged daemon removes its sockets and pid file at stop,
	also in a shared sticky directory (like /tmp), where only a file's
	owner may remove it: the sockets belong to the daemon user."""
	p = daemon_factory(start=False)
	_as_nobody(p)
	run = os.path.join(p.dir, "run")
	os.mkdir(run)
	os.chmod(run, 0o1777)
	sm = os.path.join(run, "sm.sock")
	ctlp = os.path.join(run, "ctl.sock")
	pid = os.path.join(run, "policyd.pid")
	coll = os.path.join(run, "tlsrpt.sock")
	p.sm_path, p.ctl_path = sm, ctlp
	p.write_config(socketmap_listen=["unix:" + sm,
	    "inet:127.0.0.1:%d" % p.inet_port], control_socket=ctlp,
	    tlsrpt_collector_socket=coll, pid_file=pid)
	os.chmod(p.conf_path, 0o644)
	p.start()
	for f in (sm, ctlp, coll):
		assert os.lstat(f).st_uid == pwd.getpwnam("nobody").pw_uid, f
	rc, _ = p.stop()
	assert rc == 0
	left = [f for f in (sm, ctlp, coll) if os.path.lexists(f)]
	assert left == [], left
	assert "stays behind at stop" not in p.stderr_text()


def test_warns_when_socket_directory_is_root_only(daemon_factory):
	"""A socket in a directory the daemon user cannot write to cannot be
	removed at stop: the daemon says so at start, naming the key."""
	p = daemon_factory(start=False)
	_as_nobody(p)
	p.start()
	err = p.stderr_text()
	assert "control_socket %s: directory %s is not writable by user " \
	    "nobody" % (p.ctl_path, p.dir) in err, err


def test_symlinked_pid_file_not_followed(daemon_factory):
	"""A symlink (or hard link) planted at the pid file path is not
	written or truncated through: the target keeps its content."""
	p = daemon_factory(start=False)
	_reachable(p)
	victim = os.path.join(p.dir, "victim")
	with open(victim, "w") as f:
		f.write("precious\n")
	pid = os.path.join(p.dir, "policyd.pid")
	os.symlink(victim, pid)
	p.write_config(pid_file=pid)
	r = subprocess.run([POLICYD, "-c",
	    p.conf_path], capture_output=True, text=True, timeout=20,
	    stdin=subprocess.DEVNULL)
	assert r.returncode == 0, r.stderr
	with open(pid) as f:
		daemon = int(f.read())
	assert not os.path.islink(pid)
	with open(victim) as f:
		assert f.read() == "precious\n"
	os.kill(daemon, 15)
	assert wait_until(lambda: not os.path.exists(pid), timeout=10)
	# A hard link: removed and replaced, its other name untouched.
	os.link(victim, pid)
	r = subprocess.run([POLICYD, "-c",
	    p.conf_path], capture_output=True, text=True, timeout=20,
	    stdin=subprocess.DEVNULL)
	assert r.returncode == 0, r.stderr
	with open(pid) as f:
		daemon = int(f.read())
	with open(victim) as f:
		assert f.read() == "precious\n"
	os.kill(daemon, 15)
	assert wait_until(lambda: not os.path.exists(pid), timeout=10)


@pytest.mark.skipif(shutil.which("strace") is None, reason="no strace")
def test_socket_mode_born_not_chmodded(daemon_factory):
	"""The sockets have their mode from bind on (umask), and owner and
	group are set without following symlinks: root never chmods or
	chowns a socket path, which the daemon user (owner of the directory)
	could have replaced by a symlink after bind. Seen with strace."""
	p = daemon_factory(start=False, socket_mode="0640",
	    control_socket_mode="0600")
	_as_nobody(p)
	trace = os.path.join(p.dir, "strace.out")
	p.start()
	assert stat.S_IMODE(os.lstat(p.sm_path).st_mode) == 0o640
	assert stat.S_IMODE(os.lstat(p.ctl_path).st_mode) == 0o600
	p.stop()
	# The same start under strace (foreground, stopped at once).
	proc = subprocess.Popen(["strace", "-f", "-o", trace, "-e",
	    "trace=chmod,fchmodat,chown,lchown,fchownat", POLICYD, "-f",
	    "-c", p.conf_path], stdout=subprocess.DEVNULL,
	    stderr=subprocess.DEVNULL)
	try:
		assert wait_until(lambda: os.path.exists(p.ctl_path) and
		    os.stat(p.ctl_path).st_uid != 0, timeout=20)
		time.sleep(0.5)
	finally:
		with open("/proc/%d/task/%d/children" % (proc.pid,
		    proc.pid)) as f:
			for child in f.read().split():
				os.kill(int(child), signal.SIGTERM)
		proc.wait(20)
	with open(trace) as f:
		calls = [l for l in f if p.dir in l]
	socks = [l for l in calls if "sock" in l]
	assert socks, calls
	for l in socks:
		assert "chmod" not in l, l
		assert "fchownat" in l and "AT_SYMLINK_NOFOLLOW" in l, l
