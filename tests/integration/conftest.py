#
# conftest.py - fixtures of the integration suite (helpers.py has the rest).
#
# DESCRIPTION
#	world		(session) the test world of tests/world, started once.
#	policyd		(module) one mtasts-policyd with the default test
#			config, shared by the tests of a module.
#	daemon_factory	(function) make(**config) -> a started Daemon; all
#			are stopped (SIGTERM, must exit within 5 s) at the end.
#	fresh		(function) fresh("w02") -> a domain name never used
#			before in this session.
#
import itertools
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers import Daemon, DaemonError, KEEP, NETNS, World  # noqa: E402


# --- fixtures -----------------------------------------------------------

@pytest.fixture(scope="session")
def world():
	d = tempfile.mkdtemp(prefix="mtasts-world-")
	if NETNS:
		w = World(d, addr="127.0.0.1", dns_port=53, https_port=443)
	else:
		w = World(d)
	w.start()
	yield w
	w.stop()
	if not KEEP:
		shutil.rmtree(d, ignore_errors=True)


def _finish(daemons):
	"""_finish - SIGTERM every daemon still running: each must exit 0
	within 5 s (a crash, or a sanitizer report at exit, shows here)."""
	errors = []
	for d in daemons:
		try:
			rc, took = d.stop(5)
			if rc not in (0, None):
				errors.append("mtasts-policyd exited with %s: %s" %
				    (rc, d.stderr_tail(2000)))
		except DaemonError as e:
			errors.append(str(e))
		d.cleanup()
	assert not errors, "; ".join(errors)


@pytest.fixture(scope="module")
def policyd(world):
	d = Daemon(world)
	try:
		d.start()
	except DaemonError:
		d.cleanup()
		raise
	yield d
	_finish([d])


@pytest.fixture
def daemon_factory(world):
	made = []

	def make(start=True, **conf):
		d = Daemon(world, **conf)
		made.append(d)
		if start:
			d.start()
		return d
	yield make
	_finish(made)


_counter = itertools.count(1)


@pytest.fixture
def fresh():
	def name(prefix="d", zone="test"):
		return "%s-%d-%d.%s" % (prefix, os.getpid() % 10000,
		    next(_counter), zone)
	return name
