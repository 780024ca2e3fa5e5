#
# test_dns_burst.py - issue 16 item 2: a burst of names whose DNS never
# answers must not stop other names from resolving (resolver.c: "a slow
# domain never delays others"), neither during the burst nor after it.
#
# DESCRIPTION
#	The world's DNS server stays silent for BURST names _mta-sts.sNNN.Z
#	of one zone Z (what a message to 1000 recipient domains of a zone
#	whose servers are down, or a hostile zone, does). The burst is fired
#	the way the milter does it, "sts DOMAIN 0 noprobe" on the control
#	socket (it queues discovery and does not wait), from a few
#	connections at once. While the slow lookups are in flight, and once
#	the queue has drained, new domains elsewhere must be discovered and
#	answered correctly by the socketmap within CALM_BOUND seconds; the
#	slow names must have cost the daemon little (they are answered as a
#	discovery failure, NOTFOUND, and fast once their zone is known to be
#	slow).
#
import threading
import time

from catalogue import ok_answer, NOTFOUND
from helpers import CtlClient, LOOKUP_WAIT, wait_until

BURST = 400		# slow names in one zone
FIRERS = 4		# control connections firing the burst
CALM_BOUND = 2.0	# seconds a new, healthy domain may take
DURING = 8		# seconds of checks while the burst is in flight
DRAIN = 30		# seconds the burst may take to drain


def _fire(path, names):
	"""_fire - "sts NAME 0 noprobe" for each name over one connection;
	the replies (the daemon answers at once, discovery runs behind)."""
	out = []
	with CtlClient(path) as c:
		for n in names:
			out.append(c.request("sts %s 0 noprobe" % n))
	return out


def _timed(p, d):
	"""_timed - (socketmap answer for d, seconds it took)."""
	t0 = time.time()
	r = p.query(d, timeout=LOOKUP_WAIT + 10)
	return r, time.time() - t0


def test_slow_zone_burst_does_not_stop_other_names(world, daemon_factory,
    fresh):
	p = daemon_factory()
	zone = fresh("burst")
	slow = ["s%03d.%s" % (i, zone) for i in range(BURST)]
	calm = [fresh("calm") for _ in range(DURING + 6)]
	with world.batch():
		for d in slow:
			world.set_behaviour("_mta-sts." + d, "timeout")
		for d in calm:
			world.add_domain(d, id="c1")

	# The daemon works before the burst.
	d = calm.pop()
	r, took = _timed(p, d)
	assert r == ok_answer(d) and took < CALM_BOUND, (r, took)

	mark = world.mark()
	replies = [None] * FIRERS

	def fire(i):
		replies[i] = _fire(p.ctl_path, slow[i::FIRERS])
	th = [threading.Thread(target=fire, args=(i,)) for i in range(FIRERS)]
	t_burst = time.time()
	for t in th:
		t.start()
	for t in th:
		t.join(30)
	assert all(r is not None and len(r) == len(slow[i::FIRERS]) and
	    all(x.get("ok") for x in r) for i, r in enumerate(replies)), \
	    "the control socket did not take the burst"
	assert wait_until(lambda: world.dns_queries(since=mark,
	    contains=zone), 5), "the burst reached no DNS server"

	# During: new domains elsewhere are discovered and answered.
	during = []
	end = t_burst + DURING
	while time.time() < end and calm:
		d = calm.pop()
		r, took = _timed(p, d)
		during.append((d, r == ok_answer(d), round(took, 2)))
		time.sleep(max(0, 1 - took))
	bad = [x for x in during if not x[1] or x[2] > CALM_BOUND]
	assert during and not bad, "during the burst: %r" % bad

	# The burst drains: the slow names cost little.
	assert wait_until(lambda: p.ctl("status")["stats"]["pending_jobs"] ==
	    0, DRAIN, 0.5), "the burst did not drain in %d s" % DRAIN
	drained = time.time() - t_burst

	# After: still fine, and the slow names are a discovery failure.
	after = []
	for d in calm[:4]:
		r, took = _timed(p, d)
		after.append((d, r == ok_answer(d), round(took, 2)))
	bad = [x for x in after if not x[1] or x[2] > CALM_BOUND]
	assert not bad, "after the burst (drained in %.1f s): %r" % (drained,
	    bad)
	for d in slow[:3] + slow[-3:]:
		r, took = _timed(p, d)
		assert r == NOTFOUND and took < CALM_BOUND, (d, r, took)
