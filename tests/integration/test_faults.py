#
# test_faults.py - faults a mail admin fears, against the real
# mtasts-policyd (issue 14 item 2): a damaged cache file at start, a full
# LMDB map, an unwritable cache, policy hosts that drip or never stop, an
# MX that accepts and never answers. Each test fails if the daemon
# crashes, hangs, loses what it had cached, or says something unclear.
#
import grp
import os
import pwd
import random
import re
import shutil
import subprocess
import threading

import pytest

from catalogue import base_policy, ok_answer, NOTFOUND
from helpers import FETCH_TIMEOUT, wait_until


def _exits_with_error(p, timeout=5):
	"""_exits_with_error - start p (not waiting); it must exit 1 at once,
	not die of a signal or keep running."""
	p.start(wait=False)
	try:
		rc = p.proc.wait(timeout)
	except subprocess.TimeoutExpired:
		p.kill9()
		pytest.fail("mtasts-policyd kept running: %s" % p.stderr_tail())
	p.proc = None
	p.errf.close()
	assert rc == 1, "exit %s: %s" % (rc, p.stderr_tail())
	err = p.stderr_text()
	assert "AddressSanitizer" not in err and "runtime error" not in err, err
	return err


def _filled_cache(world, p, fresh, n=40):
	"""_filled_cache - discover n fresh domains with p, stop it; the
	path of its data.mdb and the file's bytes."""
	for i in range(n):
		d = fresh("flt%d" % i)
		world.add_domain(d)
		assert p.query(d) == ok_answer(d)
	p.stop(5)
	mdb = os.path.join(p.cache_dir, "data.mdb")
	with open(mdb, "rb") as f:
		return mdb, f.read()


# --- 1. data.mdb damaged at start ----------------------------------------

def _garbage(n, seed):
	r = random.Random(seed)
	return bytes(r.getrandbits(8) for _ in range(n))


DAMAGE = [
    # whole file random: LMDB says MDB_INVALID
    ("random", lambda b: _garbage(len(b), 1)),
    # a text file in its place (an admin's mistake)
    ("text", lambda b: b"this is not a database\n"),
    # both meta pages destroyed, the tree intact
    ("meta", lambda b: _garbage(8192, 2) + b[8192:]),
    # meta pages intact, every other page random (MDB_PAGE_NOTFOUND)
    ("pages", lambda b: b[:8192] + _garbage(len(b) - 8192, 3)),
    # meta pages intact, every other page zeroed (MDB_CORRUPTED)
    ("zeroed", lambda b: b[:8192] + bytes(len(b) - 8192)),
]


@pytest.mark.parametrize("kind,damage", DAMAGE, ids=[k for k, _ in DAMAGE])
def test_damaged_cache_refused_with_recovery(world, daemon_factory, fresh,
    kind, damage):
	"""A data.mdb that is garbage or damaged stops start-up with exit 1
	and a message naming the file and the recovery (it used to name only
	the directory and LMDB's code, and random pages behind intact meta
	pages killed it with SIGSEGV at start). Moved aside as told, the daemon
	starts empty and answers."""
	p = daemon_factory()
	mdb, data = _filled_cache(world, p, fresh)
	with open(mdb, "wb") as f:
		f.write(damage(data))
	err = _exits_with_error(p)
	assert re.search(r"cache %s is not a readable cache \((MDB_\w+: [^)]+|"
	    r"reading it dies of signal \d+|reading it crashed)\): the file "
	    r"is damaged; move it aside and start again" %
	    re.escape(mdb), err), err
	os.rename(mdb, mdb + ".damaged")
	p.start()
	assert p.query("enforce.test") == ok_answer("enforce.test")


def test_empty_cache_file_starts_empty(world, daemon_factory, fresh):
	"""A zero-length data.mdb (created, never written) is a new cache:
	the daemon starts and answers, nothing to refuse."""
	p = daemon_factory(start=False)
	open(os.path.join(p.cache_dir, "data.mdb"), "wb").close()
	p.start()
	d = fresh("empty")
	world.add_domain(d)
	assert p.query(d) == ok_answer(d)


# --- 2. the LMDB map is full ---------------------------------------------

def _big_policy(world, d, sts_id="w1", tag="a"):
	"""_big_policy - a domain whose policy takes about 10 KiB in the
	cache (200 long mx lines), so a 1 MiB map fills with a few dozen."""
	mx = ["mx%03d-%s.%s.mail.%s" % (j, tag, "x" * 30, d) for j in range(200)]
	world.add_domain(d, id=sts_id, policy=base_policy(d, mx=mx))
	return mx


def test_map_full_keeps_answering(world, daemon_factory, fresh):
	"""cache_max_size reached: every policy cached before keeps its
	answer (also after a restart), a cached domain's new policy is still
	stored, the condition is logged in words naming the key, a domain
	that does not fit is answered as a failed discovery (NOTFOUND: mail
	goes without MTA-STS, as for any failed fetch), and flushing entries
	makes room again. The map used to fill to its last page, and then
	even the flush the log line advises failed with MDB_MAP_FULL."""
	p = daemon_factory(cache_max_size="1M")
	cached = {}
	full = None
	for i in range(300):
		d = fresh("full%d" % i)
		mx = _big_policy(world, d)
		r = p.query(d)
		if r == NOTFOUND:
			full = d
			break
		assert r == ok_answer(d, mx), r
		cached[d] = r
	assert full is not None, "1 MiB map never filled"
	assert len(cached) >= 10, len(cached)
	assert wait_until(lambda: re.search(r"domain=%s not cached: the cache "
	    r"is full \(less than 1/\d+ of cache_max_size left, kept for "
	    r"updates\); cached policies stay in force; raise cache_max_size "
	    r"or flush old entries" % re.escape(full), p.stderr_text()), 5), \
	    p.stderr_tail()
	assert p.alive()
	# still full: the same domain again is no better, and no worse
	assert p.query(full) == NOTFOUND
	for d, r in cached.items():
		assert p.query(d) == r, d
	# a cached domain publishes a new policy: the headroom kept for
	# updates takes the refresh
	first = next(iter(cached))
	want = ok_answer(first, _big_policy(world, first, "w2", "b"))
	r = p.ctl("refresh " + first)
	assert r["ok"], r
	assert p.wait_answer(first, want) == want
	cached[first] = want
	assert p.alive()
	# restart: the file is intact and every policy is still there, served
	# without a fetch
	p.stop(5)
	p.start()
	since = {d: world.fetch_count(d) for d in cached}
	for d, r in list(cached.items())[1:]:
		assert p.query(d) == r, d
		assert world.fetch_count(d) == since[d], d
	# flushing makes room for the domain that did not fit
	for d in list(cached)[1:11]:
		r = p.ctl("flush " + d)
		assert r["ok"], (d, r, p.stderr_tail(600))
	assert p.wait_answer(full, ok_answer(full, _big_policy(world, full)),
	    timeout=10)


# --- 3. the cache file is not writable at start --------------------------

def test_cache_file_not_writable(world, daemon_factory, fresh):
	"""data.mdb that the daemon's user cannot write (left owned by root
	by a run as root, or made read-only) stops start-up with exit 1 and
	a message naming the file, not a bare "Permission denied" about the
	directory; the sockets are not left behind."""
	p = daemon_factory()
	mdb, _ = _filled_cache(world, p, fresh, n=3)
	if os.geteuid() == 0:
		try:
			pw = pwd.getpwnam("nobody")
			grp.getgrnam("nogroup")
		except KeyError:
			pytest.skip("no nobody/nogroup on this machine")
		os.chmod(p.dir, 0o755)
		ca = os.path.join(p.dir, "ca.pem")
		shutil.copy(world.ca_file, ca)
		os.chmod(ca, 0o644)
		os.chown(p.cache_dir, pw.pw_uid, -1)
		p.write_config(user="nobody", group="nogroup", tls_ca_file=ca)
		os.chmod(p.conf_path, 0o644)
		# data.mdb and lock.mdb stay root's, mode 0600
	else:
		os.chmod(mdb, 0o400)
	err = _exits_with_error(p, timeout=10)
	assert re.search(r"cache %s: not writable" % re.escape(mdb), err), err
	assert not os.path.exists(p.sm_path), "socket left behind"


# --- 4. a policy host that never stops -----------------------------------

@pytest.mark.parametrize("mode", ["endless-body", "endless-headers"])
def test_endless_policy_response(world, daemon_factory, fresh, mode):
	"""A policy host whose body (no Content-Length) or headers never end:
	the fetch is given up within fetch_timeout (the 64 KiB cap ends the
	body sooner), the domain is answered without a policy and its fetch
	counted as failed, and a cached domain is answered meanwhile."""
	p = daemon_factory(lookup_wait="8s")
	ok = fresh("endok")
	world.add_domain(ok)
	assert p.query(ok) == ok_answer(ok)
	d = fresh("endless")
	world.add_domain(d, id="e1", behaviour=mode, delay=30)
	out = {}

	def slow():
		out["r"] = p.timed_query(d)
	t = threading.Thread(target=slow)
	t.start()
	assert wait_until(lambda: world.fetch_count(d) == 1, 5)
	r, took = p.timed_query(ok)
	assert r == ok_answer(ok) and took < 0.5, (r, took)
	t.join(FETCH_TIMEOUT + 10)
	reply, took = out["r"]
	assert reply == NOTFOUND
	assert took < FETCH_TIMEOUT + 2.5, took
	assert p.alive()
	assert wait_until(lambda: re.search(r"domain=%s fetch of id=e1 "
	    r"failed: sts-policy-fetch-error: " % re.escape(d), p.stderr_text()),
	    5), p.stderr_tail()
