#
# test_startup.py - start-up, shutdown and reload of mtasts-policyd:
# broken configurations, the cache directory, a second daemon on the same
# sockets, stale sockets, SIGTERM, SIGHUP, -t and -V (DESIGN §3, the
# notes on running the daemon).
#
import os
import re
import socket
import subprocess
import time

import pytest

from catalogue import ok_answer, NOTFOUND
from helpers import POLICYD, DaemonError, sm_query, wait_until


def _run(args, timeout=10):
	return subprocess.run([POLICYD] + args, capture_output=True, text=True,
	    timeout=timeout, stdin=subprocess.DEVNULL)


def _exits_with_error(p, timeout=5):
	"""_exits_with_error - start p (not waiting); it must exit 1 at once."""
	p.start(wait=False)
	try:
		rc = p.proc.wait(timeout)
	except subprocess.TimeoutExpired:
		p.kill9()
		pytest.fail("mtasts-policyd kept running: %s" % p.stderr_tail())
	p.proc = None
	p.errf.close()
	assert rc == 1, "exit %s: %s" % (rc, p.stderr_tail())
	return p.stderr_text()


def test_sigterm_stops_within_5s(daemon_factory):
	p = daemon_factory()
	assert p.query("enforce.test") == ok_answer("enforce.test")
	rc, took = p.stop()
	assert rc == 0 and took < 5


def test_sigterm_with_lookups_in_flight(world, daemon_factory, fresh):
	"""SIGTERM while a fetch hangs still stops within 5 s."""
	p = daemon_factory()
	d = fresh("termhang")
	world.add_domain(d, id="h1", behaviour="hang", delay=60)
	c = socket.socket(socket.AF_UNIX)
	c.connect(p.sm_path)
	c.sendall(b"%d:sts %s," % (len(d) + 4, d.encode()))
	assert wait_until(lambda: world.fetch_count(d) == 1, 5)
	rc, took = p.stop()
	c.close()
	assert rc == 0 and took < 5


def test_version_flag():
	r = _run(["-V"])
	assert r.returncode == 0
	assert re.search(r"\d+\.\d+\.\d+", r.stdout + r.stderr)


def test_config_check_good(daemon_factory):
	p = daemon_factory(start=False)
	r = _run(["-t", "-c", p.conf_path])
	assert r.returncode == 0, r.stderr
	assert not os.path.exists(p.sm_path)


BROKEN = [
    ("no_such_key = 1", "unknown key"),
    ("fetch_timeout = soon", "bad duration"),
    ("socketmap_listen = tcp:foo", "bad listen address"),
    ("strict_testing = maybe", "bad boolean"),
    ("dnssec = sometimes", "bad enum"),
    ("this line has no equals sign", "syntax"),
]


@pytest.mark.parametrize("line,why", BROKEN, ids=[w for _, w in BROKEN])
def test_broken_config(daemon_factory, line, why):
	"""A broken file: exit 1, FILE:LINE on stderr, no socket created."""
	p = daemon_factory(start=False)
	text = p.config_text().rstrip("\n").split("\n")
	text.insert(2, line)
	lineno = 3
	p.write_config(raw="\n".join(text) + "\n")
	r = _run(["-t", "-c", p.conf_path])
	assert r.returncode == 1
	assert "%s:%d" % (p.conf_path, lineno) in r.stderr + r.stdout
	err = _exits_with_error(p)
	assert "%s:%d" % (p.conf_path, lineno) in err
	for path in (p.sm_path, p.ctl_path):
		assert not os.path.exists(path), path
	with pytest.raises(OSError):
		socket.create_connection(p.inet, timeout=1).close()


def test_missing_config_file(daemon_factory):
	p = daemon_factory(start=False)
	os.unlink(p.conf_path)
	err = _exits_with_error(p)
	assert p.conf_path in err


def test_cache_dir_missing(daemon_factory):
	p = daemon_factory(start=False)
	os.rmdir(p.cache_dir)
	err = _exits_with_error(p)
	assert p.cache_dir in err


def test_cache_dir_is_a_file(daemon_factory):
	p = daemon_factory(start=False)
	os.rmdir(p.cache_dir)
	with open(p.cache_dir, "w") as f:
		f.write("not a directory\n")
	err = _exits_with_error(p)
	assert p.cache_dir in err


def test_cache_truncated(world, daemon_factory, fresh):
	"""A truncated data.mdb (a full disk, a bad copy) stops start-up with
	exit 1 and a message naming the file and the recovery; it used to
	die of SIGBUS with no message, a crash loop under systemd (issue
	16.8). Moved aside as the message says, the daemon starts empty."""
	p = daemon_factory()
	for i in range(40):
		d = fresh("trunc%d" % i)
		world.add_domain(d)
		assert p.query(d) == ok_answer(d)
	p.stop(5)
	mdb = os.path.join(p.cache_dir, "data.mdb")
	size = os.path.getsize(mdb)
	assert size >= 5 * 4096, size
	os.truncate(mdb, 3 * 4096)
	err = _exits_with_error(p)
	assert re.search(r"cache %s is truncated \(12288 bytes, its last "
	    r"transaction needs \d+\): the file is damaged; move it aside" %
	    re.escape(mdb), err), err
	os.rename(mdb, mdb + ".damaged")
	p.start()
	assert p.query("enforce.test") == ok_answer("enforce.test")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_cache_dir_unwritable(daemon_factory):
	p = daemon_factory(start=False)
	os.chmod(p.cache_dir, 0o500)
	err = _exits_with_error(p)
	assert p.cache_dir in err


def test_second_daemon_refuses(world, daemon_factory):
	"""A second daemon on the same sockets exits 1 and leaves the first
	one's sockets alone."""
	a = daemon_factory()
	assert a.query("enforce.test") == ok_answer("enforce.test")
	b = daemon_factory(start=False)
	b.write_config(raw=open(a.conf_path).read())
	b.conf_path = a.conf_path
	err = _exits_with_error(b)
	assert err.strip()
	assert a.alive()
	assert a.query("enforce.test") == ok_answer("enforce.test")
	assert sm_query(a.inet, "sts", "enforce.test") == \
	    ok_answer("enforce.test")
	assert a.ctl("version")["ok"] is True
	rc, took = a.stop()
	assert rc == 0


def test_stale_sockets_replaced(daemon_factory):
	"""Socket files left by a killed daemon do not stop the next one."""
	p = daemon_factory()
	assert p.query("enforce.test") == ok_answer("enforce.test")
	p.kill9()
	assert os.path.exists(p.sm_path) and os.path.exists(p.ctl_path)
	p.start()
	assert p.query("enforce.test") == ok_answer("enforce.test")
	assert p.ctl("version")["ok"] is True


def test_stale_regular_file_not_removed(daemon_factory):
	"""A regular file where a socket should be is not unlinked."""
	p = daemon_factory(start=False)
	with open(p.sm_path, "w") as f:
		f.write("precious\n")
	try:
		p.start(wait=False)
		time.sleep(1.5)
		assert open(p.sm_path).read() == "precious\n"
	finally:
		if p.alive():
			p.kill9()
		else:
			p.stop()


def test_sighup_reload(daemon_factory):
	"""SIGHUP applies a good file; a broken one keeps the old running."""
	p = daemon_factory(strict_testing="no")
	assert p.query("testing.test") == NOTFOUND
	want = ok_answer("testing.test")
	p.write_config(strict_testing="yes")
	p.hup()
	assert p.wait_answer("testing.test", want, 5) == want
	p.write_config(raw=open(p.conf_path).read() + "no_such_key = 1\n")
	p.hup()
	time.sleep(1)
	assert p.alive()
	assert p.query("testing.test") == want
	assert p.ctl("status")["ok"] is True
	assert "no_such_key" in p.stderr_text()
	# and a good file after the broken one applies again
	p.write_config(strict_testing="no")
	p.hup()
	assert p.wait_answer("testing.test", NOTFOUND, 5) == NOTFOUND


def test_require_sni_no(daemon_factory):
	"""require_sni = no leaves servername=hostname out (older Postfix)."""
	p = daemon_factory(require_sni="no")
	assert p.query("enforce.test") == "OK secure match=mail.enforce.test"


def test_strict_testing(daemon_factory):
	p = daemon_factory(strict_testing="yes")
	assert p.query("testing.test") == ok_answer("testing.test")
	assert p.query("none-mode.test") == NOTFOUND


def test_socket_mode(daemon_factory):
	"""socket_mode is the MTA's sockets'; the control socket has its own
	control_socket_mode (issue 16 item 1)."""
	p = daemon_factory(socket_mode="0600")
	assert os.stat(p.sm_path).st_mode & 0o777 == 0o600
	assert os.stat(p.ctl_path).st_mode & 0o777 == 0o660
	p.restart(socket_mode="0640", control_socket_mode="0600")
	assert os.stat(p.sm_path).st_mode & 0o777 == 0o640
	assert os.stat(p.ctl_path).st_mode & 0o777 == 0o600


def test_daemon_error_is_reported(daemon_factory):
	"""The harness itself: a daemon that cannot start raises DaemonError
	with its stderr, quickly."""
	p = daemon_factory(start=False)
	os.rmdir(p.cache_dir)
	t0 = time.time()
	with pytest.raises(DaemonError):
		p.start()
	assert time.time() - t0 < 10
