#
# test_private_addresses.py - issue 16 item 10: hostile DNS must not aim
# policyd at its own networks. Unless allow_private_addresses is set,
# resolver_addrs() leaves out loopback, private, link-local and other
# non-public addresses, so policy fetches, MX probes and report POSTs to
# a host that has only such addresses fail with a clear reason; and rua
# domains must have a dot (no single-label names).
#
# DESCRIPTION
#	The test world lives on 127.0.0.1: every other test sets
#	allow_private_addresses = yes (helpers.py); here it is left at the
#	default, so each world host is "a host that hostile DNS put on
#	loopback".
#
import json

import pytest

from catalogue import NOTFOUND, ok_answer
from helpers import world_client_config, write_config
import test_probe
import test_tlsrpt_send
from test_ctl import run_ctl


def test_policy_fetch_refused(world, daemon_factory, fresh):
	"""Default: the policy host's only address is 127.0.0.1: no fetch,
	NOTFOUND (a failed discovery), and show and the log say why."""
	d = fresh("privfetch")
	world.add_domain(d)
	p = daemon_factory(start=False)
	p.write_config(allow_private_addresses=None)
	p.start()
	mark = world.mark()
	assert p.query(d) == NOTFOUND
	s = p.ctl("show " + d)
	assert "only a non-public address (127.0.0.1): refused " \
	    "(allow_private_addresses)" in (s.get("last_error") or ""), s
	assert world.fetch_count(d, since=mark) == 0
	assert "allow_private_addresses is set" not in p.stderr_text()
	# the same daemon with the key set (a test world) fetches it
	p.stop(5)
	p.write_config(allow_private_addresses="yes")
	p.start()
	p.ctl("flush " + d)
	assert p.query(d) == ok_answer(d)
	assert "allow_private_addresses is set" in p.stderr_text()


def test_probe_refused(world, tmp_path):
	"""An MX host on loopback is not probed: the probe fails before any
	connection (the SMTP peer sees nothing)."""
	host = "mx.mx-good.test"
	mark = world.mark()
	reps, _ = test_probe.probe(world, tmp_path, host,
	    allow_private_addresses="no")
	[rep] = reps
	assert rep["result"] != "success", rep
	assert "non-public address" in json.dumps(rep), rep
	assert world.smtp_sessions(host, since=mark) == []


def test_report_post_refused(world, tmp_path):
	"""An https: rua whose host is on loopback gets no POST."""
	srv = test_tlsrpt_send.start_receiver(world, "rua." +
	    test_tlsrpt_send.DOMAIN)
	try:
		r = test_tlsrpt_send.send(world, tmp_path, srv.url,
		    allow_private_addresses="no")
		assert r.returncode == 1, r.stderr
		assert "non-public address" in r.stderr, r.stderr
		assert srv.posts == []
	finally:
		test_tlsrpt_send.stop_receiver(srv)


@pytest.mark.parametrize("rua", ["mailto:tlsrpt@localhost",
    "mailto:tlsrpt@mailhost"])
def test_single_label_rua_refused(world, tmp_path, rua):
	"""A rua domain must have a dot: no single-label names (localhost);
	the same report to a dotted address goes out through the sink."""
	prog, out = test_tlsrpt_send.sink(tmp_path)
	r = test_tlsrpt_send.send(world, tmp_path, rua, tlsrpt_sendmail=prog)
	assert r.returncode == 1, r.stderr
	assert "unusable rua URI" in r.stderr, r.stderr
	assert list(out.iterdir()) == []
	r = test_tlsrpt_send.send(world, tmp_path, rua + ".test",
	    tlsrpt_sendmail=prog)
	assert r.returncode == 0, r.stderr
	assert [f.name for f in out.iterdir() if f.suffix == ".eml"] == \
	    ["000.eml"]


def test_ctl_check_says_why(world, tmp_path):
	"""mtasts-ctl check of a domain whose hosts are on loopback: the
	fetch check fails and names the reason."""
	c = world_client_config(world)
	c["allow_private_addresses"] = "no"
	conf = write_config(str(tmp_path / "check.conf"), c)
	r = run_ctl(["check", "mx-good.test"], conf)
	assert r.rc == 1, r
	assert "non-public address" in r.out + r.err, r
