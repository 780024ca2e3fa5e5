#
# test_faults.py - faults a mail admin fears, against the real
# mtasts-policyd (issue 14 item 2): a damaged cache file at start, a full
# LMDB map, an unwritable cache, policy hosts that drip or never stop, an
# MX that accepts and never answers. Each test fails if the daemon
# crashes, hangs, loses what it had cached, or says something unclear.
#
import os
import random
import re
import subprocess

import pytest

from catalogue import ok_answer, NOTFOUND
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
	    r"reading it dies of signal \d+)\): the file is damaged; move it "
	    r"aside and start again" %
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
