#
# test_tlsrpt_retention.py - what the TLS-RPT store keeps: results of a
# domain that never gets a report (no usable _smtp._tls record) are
# forgotten after 7 days, driven by the daemon's TLS-RPT clock
# (MTASTS_TEST_CLOCK_OFFSET), not by waiting; recent results stay.
#
import os
import time

from helpers import wait_until
from test_tlsrpt_collect import dgram, send, sts_policy

DAY = 86400


def day_name(t):
	return time.strftime("%Y-%m-%d", time.gmtime(t))


def listed_days(d):
	r = d.ctl("report list")
	assert r["ok"], r
	return {x["day"]: [y["domain"] for y in x["domains"]]
	    for x in r["days"]}


def test_old_results_forgotten(world, daemon_factory):
	"""Results stored 9 days ago (the clock set back) are forgotten by
	the first scheduler pass after a restart on today's clock; results
	from 3 days ago are kept, since reporting may still use them."""
	d = daemon_factory()
	d.stop()
	sock = os.path.join(d.dir, "t.sock")
	# reporting off: housekeeping runs anyway, and nothing is sent
	d.write_config(tlsrpt_collector_socket=sock)
	now = time.time()
	for back, dom in ((9, "old-ret.test"), (3, "recent-ret.test")):
		d.start(env={"MTASTS_TEST_CLOCK_OFFSET": str(-back * DAY)})
		assert "MTASTS_TEST_CLOCK_OFFSET" in d.stderr_text()
		for _ in range(3):
			send(sock, dgram(dom, [sts_policy(dom)]))
		assert wait_until(lambda: d.ctl("report list")["collector"]
		    ["received"] >= 3, 5)
		d.stop()
	d.start(env={})
	old, recent = day_name(now - 9 * DAY), day_name(now - 3 * DAY)
	assert wait_until(lambda: old not in listed_days(d), 10), \
	    listed_days(d)
	assert listed_days(d).get(recent) == ["recent-ret.test"]
	assert "forgot 1 stored result(s) older than 7 days" in \
	    d.stderr_text()


def test_bad_clock_offset_refused(world, daemon_factory):
	"""A malformed MTASTS_TEST_CLOCK_OFFSET stops the start-up with a
	message naming it, rather than running on a wrong clock."""
	d = daemon_factory()
	d.stop()
	d.start(wait=False, env={"MTASTS_TEST_CLOCK_OFFSET": "soon"})
	rc = d.proc.wait(15)
	d.proc = None			# stopped as expected
	assert rc == 1
	assert "MTASTS_TEST_CLOCK_OFFSET: not a number" in d.stderr_text()
