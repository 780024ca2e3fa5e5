#
# test_concurrency.py - DESIGN §4: concurrent lookups of one domain share
# one discovery; a slow or hanging domain never delays others.
#
import threading
import time

from catalogue import ok_answer, NOTFOUND
from helpers import (FETCH_TIMEOUT, LOOKUP_WAIT, SocketmapClient, sm_query,
    wait_until)


def _parallel(n, fn):
	"""_parallel - run fn(i) in n threads released together; results."""
	out = [None] * n
	barrier = threading.Barrier(n)

	def run(i):
		barrier.wait()
		try:
			out[i] = fn(i)
		except Exception as e:
			out[i] = e
	th = [threading.Thread(target=run, args=(i,)) for i in range(n)]
	for t in th:
		t.start()
	for t in th:
		t.join(60)
	return out


def test_coalescing_20_first_lookups(world, policyd, fresh):
	"""20 concurrent first lookups of one domain: one TXT query, one
	HTTPS fetch, 20 correct answers."""
	d = fresh("coal")
	world.add_domain(d, id="c1", behaviour="delay", delay=1)
	mark = world.mark()
	res = _parallel(20, lambda i: sm_query(policyd.sm_path if i % 2 else
	    policyd.inet, "sts", d))
	assert res == [ok_answer(d)] * 20
	assert world.fetch_count(d, since=mark) == 1
	assert len(world.dns_queries("_mta-sts." + d, "TXT", since=mark)) == 1


def test_coalescing_failure(world, policyd, fresh):
	"""Concurrent first lookups of a failing domain: one fetch."""
	d = fresh("coalfail")
	world.add_domain(d, id="c1", behaviour="delay", delay=1, status=500)
	mark = world.mark()
	res = _parallel(10, lambda i: sm_query(policyd.sm_path, "sts", d))
	assert res == [NOTFOUND] * 10
	assert world.fetch_count(d, since=mark) == 1


def test_hanging_host_does_not_delay_others(world, policyd, fresh):
	"""A policy host that never answers delays only its own domain."""
	h, d = fresh("hang"), fresh("fast")
	world.add_domain(h, id="h1", behaviour="hang", delay=60)
	world.add_domain(d, id="f1")
	mark = world.mark()
	slow = {}

	def lookup_hang():
		t0 = time.time()
		slow["reply"] = sm_query(policyd.sm_path, "sts", h, 30)
		slow["took"] = time.time() - t0
	t = threading.Thread(target=lookup_hang)
	t.start()
	assert wait_until(lambda: world.fetch_count(h, since=mark) == 1, 5)
	t0 = time.time()
	assert sm_query(policyd.sm_path, "sts", d) == ok_answer(d)
	assert time.time() - t0 < 1.0
	assert sm_query(policyd.inet, "sts", "enforce.test") == \
	    ok_answer("enforce.test")
	assert policyd.ctl("status")["ok"] is True
	assert "reply" not in slow, "the hanging lookup returned early"
	t.join(LOOKUP_WAIT + FETCH_TIMEOUT + 5)
	assert slow["reply"] == NOTFOUND
	assert FETCH_TIMEOUT - 0.5 <= slow["took"] <= LOOKUP_WAIT + 1.5


def test_dns_timeout_does_not_delay_others(world, daemon_factory, fresh):
	"""T10: a _mta-sts name that never answers costs its own lookup at most
	lookup_wait and does not delay other domains."""
	p = daemon_factory()
	t, d = fresh("dnsto"), fresh("dnsfast")
	world.add_domain(t, id="t1")
	world.set_behaviour("_mta-sts." + t, "timeout")
	world.add_domain(d, id="f1")
	mark = world.mark()
	slow = {}

	def lookup_timeout():
		t0 = time.time()
		slow["reply"] = sm_query(p.sm_path, "sts", t, 30)
		slow["took"] = time.time() - t0
	th = threading.Thread(target=lookup_timeout)
	th.start()
	assert wait_until(lambda: world.dns_queries("_mta-sts." + t,
	    since=mark), 5)
	t0 = time.time()
	assert sm_query(p.sm_path, "sts", d) == ok_answer(d)
	assert time.time() - t0 < 1.0
	th.join(LOOKUP_WAIT + 5)
	assert slow["reply"] == NOTFOUND
	assert slow["took"] <= LOOKUP_WAIT + 1.5


def test_several_slow_domains_do_not_delay_others(world, policyd, fresh):
	"""Four hanging and two DNS-timeout domains at once; a new domain is
	still discovered and answered quickly."""
	slow = [fresh("hang4") for _ in range(4)]
	for h in slow:
		world.add_domain(h, id="h1", behaviour="hang", delay=60)
	for _ in range(2):
		t = fresh("dnsto2")
		world.add_domain(t, id="t1")
		world.set_behaviour("_mta-sts." + t, "timeout")
		slow.append(t)
	d = fresh("fast2")
	world.add_domain(d, id="f1")
	results = []
	th = [threading.Thread(target=lambda x=x: results.append(
	    sm_query(policyd.sm_path, "sts", x, 30))) for x in slow]
	for x in th:
		x.start()
	time.sleep(0.5)
	t0 = time.time()
	assert sm_query(policyd.sm_path, "sts", d) == ok_answer(d)
	took = time.time() - t0
	for x in th:
		x.join(LOOKUP_WAIT + 5)
	assert results == [NOTFOUND] * len(slow)
	assert took < 1.0, "a new domain waited %.1f s behind slow ones" % took


def test_parallel_cached_clients(policyd):
	"""16 clients with 50 pipelined-free requests each on their own
	connection get correct answers."""
	keys = [("enforce.test", ok_answer("enforce.test")),
	    ("nxdomain.test", NOTFOUND), ("testing.test", NOTFOUND),
	    (".enforce.test", NOTFOUND)]

	def client(i):
		addr = policyd.sm_path if i % 2 else policyd.inet
		with SocketmapClient(addr) as c:
			for j in range(50):
				k, want = keys[(i + j) % len(keys)]
				got = c.query("sts", k)
				if got != want:
					return (k, got)
		return True
	assert _parallel(16, client) == [True] * 16
