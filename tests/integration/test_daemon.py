#
# test_daemon.py - mtasts-policyd as an init system runs it: detached with
# a pid file, dropping to an unprivileged user after binding its sockets,
# and refusing a cache written by a newer release (DESIGN §3 user, group,
# pid_file; the policy daemon issue's start-up errors).
#
import os
import pwd
import grp
import shutil
import signal
import subprocess
import time

import pytest

from catalogue import ok_answer
from helpers import POLICYD, wait_until


def _run_detached(p):
	"""_run_detached - start without -f; the parent exits when ready."""
	return subprocess.run([POLICYD, "-c", p.conf_path], capture_output=True,
	    text=True, timeout=20, stdin=subprocess.DEVNULL)


def _alive(pid):
	try:
		os.kill(pid, 0)
	except ProcessLookupError:
		return False
	return True


def test_daemon_mode_with_pid_file(daemon_factory):
	p = daemon_factory(start=False)
	pid_file = os.path.join(p.dir, "policyd.pid")
	p.write_config(pid_file=pid_file)
	r = _run_detached(p)
	assert r.returncode == 0, r.stderr
	with open(pid_file) as f:
		pid = int(f.read().strip())
	try:
		assert _alive(pid)
		assert pid != os.getpid()
		# The parent returned only once the daemon answers.
		assert p.query("enforce.test") == ok_answer("enforce.test")
		# It left the terminal: its own session.
		assert os.getsid(pid) == pid
	finally:
		os.kill(pid, signal.SIGTERM)
	assert wait_until(lambda: not _alive(pid), timeout=5), \
	    "daemon did not stop within 5 s of SIGTERM"
	assert not os.path.exists(pid_file), "pid file left behind"
	assert not os.path.exists(p.sm_path), "socket left behind"


def test_daemon_mode_start_error_exits_1(daemon_factory):
	"""A start-up error after detaching still reaches the caller."""
	p = daemon_factory(start=False)
	os.rmdir(p.cache_dir)
	r = _run_detached(p)
	assert r.returncode == 1
	assert p.cache_dir in r.stderr


def _nobody():
	try:
		pw = pwd.getpwnam("nobody")
		gr = grp.getgrnam("nogroup")
	except KeyError:
		pytest.skip("no nobody/nogroup on this machine")
	return pw, gr


def _open_for(p, pw, gr, cache_owner=True):
	"""_open_for - let an unprivileged user reach the daemon's files."""
	os.chmod(p.dir, 0o755)
	ca = os.path.join(p.dir, "ca.pem")
	shutil.copy(p.world.ca_file, ca)
	os.chmod(ca, 0o644)
	if cache_owner:
		os.chown(p.cache_dir, pw.pw_uid, gr.gr_gid)
	p.write_config(user="nobody", group="nogroup", tls_ca_file=ca)
	os.chmod(p.conf_path, 0o644)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges")
def test_drops_privileges_after_binding(daemon_factory):
	pw, gr = _nobody()
	p = daemon_factory(start=False)
	_open_for(p, pw, gr)
	p.start()
	with open("/proc/%d/status" % p.proc.pid) as f:
		status = f.read()
	uids = [l for l in status.splitlines() if l.startswith("Uid:")][0]
	gids = [l for l in status.splitlines() if l.startswith("Gid:")][0]
	assert uids.split()[1:] == [str(pw.pw_uid)] * 4, uids
	assert gids.split()[1:] == [str(gr.gr_gid)] * 4, gids
	# Sockets were bound as root before the drop, with socket_mode.
	assert os.stat(p.sm_path).st_mode & 0o777 == 0o660
	# Discovery, fetch and the cache write all work unprivileged.
	assert p.query("enforce.test") == ok_answer("enforce.test")
	assert p.show("enforce.test")["state"] == "policy"
	for f in os.listdir(p.cache_dir):
		assert os.stat(os.path.join(p.cache_dir, f)).st_uid == pw.pw_uid


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop privileges")
def test_cache_dir_unwritable_for_user(daemon_factory):
	pw, gr = _nobody()
	p = daemon_factory(start=False)
	_open_for(p, pw, gr, cache_owner=False)
	p.start(wait=False)
	rc = p.proc.wait(10)
	p.proc = None
	p.errf.close()
	assert rc == 1
	err = p.stderr_text()
	assert p.cache_dir in err and "not writable" in err, err
	assert not os.path.exists(p.sm_path), "socket left behind"


def _set_format(cache_dir, value):
	"""_set_format - rewrite the cache's format marker with mdb_load."""
	dump = ("VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n"
	    " %s\n %s\nDATA=END\n" % (b"format".hex(), value.encode().hex()))
	subprocess.run(["mdb_load", "-s", "meta", cache_dir], input=dump,
	    text=True, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("mdb_load") is None,
    reason="lmdb-utils not installed")
def test_cache_from_newer_release_refused(daemon_factory):
	p = daemon_factory()
	assert p.query("enforce.test") == ok_answer("enforce.test")
	p.stop()
	_set_format(p.cache_dir, "2")
	p.start(wait=False)
	rc = p.proc.wait(10)
	p.proc = None
	p.errf.close()
	assert rc == 1
	err = p.stderr_text()
	assert "newer" in err and p.cache_dir in err, err
	# Nothing was lost: the old marker back, the policy is still there.
	_set_format(p.cache_dir, "1")
	p.start()
	assert p.show("enforce.test")["state"] == "policy"
