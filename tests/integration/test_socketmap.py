#
# test_socketmap.py - every catalogue domain through the socketmap (map
# "sts"), the reply format of DESIGN §4, key normalisation and protocol
# abuse. Each test names the RFC-CHECKLIST ids it checks.
#
import time

import pytest

from catalogue import (catalogue, ok_answer, FORMAT_ANSWER, FORMAT_PATTERNS,
    NOTFOUND)
from helpers import (FETCH_TIMEOUT, LOOKUP_WAIT, SocketmapClient, netstring,
    sm_query, wait_until)

CASES = catalogue()


def _check_requests(world, case, mark):
	"""_check_requests - F1, F3, F5 on every request the lookup caused."""
	host = "mta-sts." + case.domain
	for r in world.requests(case.domain, since=mark):
		assert r["method"] == "GET", r				# F1
		assert r["path"] == "/.well-known/mta-sts.txt", r	# F1
		assert r["sni"] == host, r				# F3
		assert r["host"].split(":")[0] == host, r		# F1
		names = [k.lower() for k, v in r["headers"]]
		assert "if-none-match" not in names, r			# F5
		assert "if-modified-since" not in names, r		# F5


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalogue(world, policyd, case):
	"""One lookup per catalogue domain: answer, fetches, cache entry."""
	if case.needs_v6 and not world.https_v6:
		pytest.skip("the world has no HTTPS listener on ::1")
	mark = world.mark()
	others = {d: world.fetch_count(d) for d in case.no_fetch}
	reply, took = policyd.timed_query(case.domain)
	assert reply == case.answer, case.about
	limit = LOOKUP_WAIT + 2 if case.slow else FETCH_TIMEOUT + 1
	assert took < limit, "answer took %.1f s" % took
	if case.requests is not None:
		n = world.fetch_count(case.domain, since=mark)
		assert n == case.requests, "%d HTTP requests, want %d" % (n,
		    case.requests)
	if case.tls is True:
		assert world.tls_count(case.domain, since=mark) >= 1, \
		    "no TLS handshake attempted"
	elif case.tls is False:
		assert world.tls_count(case.domain, since=mark) == 0, \
		    "a policy fetch was attempted"
	for d, n in others.items():
		assert world.fetch_count(d) == n, "fetched " + d
	_check_requests(world, case, mark)
	if case.show:
		s = policyd.show(case.domain)
		assert s["ok"] is True, s
		for k, v in case.show.items():
			assert s[k] == v, "show %s: %r, want %r" % (k, s[k], v)


def test_w01_c3_cached_answer_no_network(world, policyd):
	"""W01/C3: a second lookup is answered from the cache, no HTTPS."""
	assert policyd.query("enforce.test") == ok_answer("enforce.test")
	mark = world.mark()
	for _ in range(5):
		reply, took = policyd.timed_query("enforce.test")
		assert reply == ok_answer("enforce.test")
		assert took < 0.5
	assert world.https_events(since=mark, event=None) == []
	assert world.dns_queries(since=mark, contains="enforce.test") == []


def test_f8_failed_fetch_not_retried(world, policyd):
	"""F8: after a failed GET the same id is not fetched again at once."""
	assert policyd.query("status-404.test") == NOTFOUND
	mark = world.mark()
	for _ in range(3):
		assert policyd.query("status-404.test") == NOTFOUND
	assert world.fetch_count("status-404.test", since=mark) == 0


def test_negative_answer_cached(world, policyd):
	"""T10/X20: NXDOMAIN is believed for negative_ttl (15 m default)."""
	assert policyd.query("nxdomain.test") == NOTFOUND
	mark = world.mark()
	assert policyd.query("nxdomain.test") == NOTFOUND
	assert world.dns_queries(since=mark, contains="nxdomain.test") == []


# --- reply format (DESIGN §4) -------------------------------------------

TLSRPT = ("OK secure match=mail.tlsrpt.test servername=hostname"
    " policy_type=sts policy_domain=tlsrpt.test"
    " mx_host_pattern=mail.tlsrpt.test mx_host_pattern=*.tlsrpt.test"
    " { policy_string = version: STSv1 } { policy_string = mode: enforce }"
    " { policy_string = mx: mail.tlsrpt.test }"
    " { policy_string = mx: *.tlsrpt.test }"
    " { policy_string = max_age: 86400 }"
    " { policy_string = foo: bar baz }")


def test_sts_tlsrpt_reply_exact(policyd):
	"""§4 sts-tlsrpt: canonical policy lines, no line with braces."""
	assert policyd.query("tlsrpt.test", name="sts-tlsrpt") == TLSRPT
	assert policyd.query("tlsrpt.test") == ok_answer("", mx=[
	    "mail.tlsrpt.test"])


@pytest.mark.parametrize("domain", ["testing.test", "none-mode.test",
    "status-404.test", "nxdomain.test", "expired-cert.test"])
def test_sts_tlsrpt_notfound(policyd, domain):
	"""§4: no policy_failure, ever: failures are NOTFOUND on sts-tlsrpt."""
	assert policyd.query(domain, name="sts-tlsrpt") == NOTFOUND


def test_sts_tlsrpt_simple(policyd):
	reply = policyd.query("enforce.test", name="sts-tlsrpt")
	assert reply == ok_answer("enforce.test") + \
	    " policy_type=sts policy_domain=enforce.test" \
	    " mx_host_pattern=mail.enforce.test" \
	    " { policy_string = version: STSv1 }" \
	    " { policy_string = mode: enforce }" \
	    " { policy_string = mx: mail.enforce.test }" \
	    " { policy_string = max_age: 86400 }"


@pytest.mark.parametrize("name", ["whatever", "tls_policy", "x"])
def test_unknown_map_name_is_sts(policyd, name):
	"""§4: another map name behaves as sts."""
	assert policyd.query("format.test", name=name) == FORMAT_ANSWER
	assert policyd.query("nxdomain.test", name=name) == NOTFOUND


def test_inet_listener(policyd):
	assert sm_query(policyd.inet, "sts", "enforce.test") == \
	    ok_answer("enforce.test")


# --- key normalisation (DESIGN §4) --------------------------------------

@pytest.mark.parametrize("key", ["[enforce.test]", "[enforce.test]:25",
    "enforce.test:25", "ENFORCE.TEST", "enforce.test.", "[Enforce.Test.]:587",
    "Enforce.Test"])
def test_key_normalisation(policyd, key):
	assert policyd.query(key) == ok_answer("enforce.test")


def test_key_normalisation_first_lookup(world, policyd, fresh):
	"""An unknown domain given as [HOST]:PORT in upper case is discovered
	under its lower-case name."""
	d = fresh("norm")
	world.add_domain(d, id="n1")
	mark = world.mark()
	assert policyd.query("[%s.]:25" % d.upper()) == ok_answer(d)
	assert [q["qname"] for q in world.dns_queries(since=mark,
	    qtype="TXT")] == ["_mta-sts." + d]
	assert world.fetch_count(d, since=mark) == 1


NO_DNS_KEYS = [
    (".{u}.test", "parent-domain probe"),
    (".enforce.test", "parent probe of a cached domain"),
    ("[192.0.2.1]", "IPv4 literal"),
    ("192.0.2.1", "bare IPv4"),
    ("[192.0.2.1]:25", "IPv4 literal with port"),
    ("[ipv6:2001:db8::1]", "IPv6 literal"),
    ("[2001:db8::1]:25", "IPv6 literal with port"),
    ("/var/spool/{u}/lmtp", "path"),
    ("unix:/var/run/{u}.sock", "unix path"),
    ("b\u00fccher-{u}.test", "U-label"),
    ("{u}_x.test", "underscore"),
    ("-{u}.test", "leading hyphen"),
    ("{u}-.test", "trailing hyphen"),
    ("{u}..test", "empty label"),
    ("{u} x.test", "space"),
    ("", "empty key"),
    ("a{u}" + "b" * 60 + ".test", "label over 63"),
    (".".join(["{u}"] + ["abcdefghi"] * 30), "name over 253"),
]


@pytest.mark.parametrize("key,why", NO_DNS_KEYS,
    ids=[w for _, w in NO_DNS_KEYS])
def test_key_notfound_without_dns(world, policyd, fresh, key, why):
	"""§4: NOTFOUND at once, with no DNS query, for keys that are no
	policy domain (F11: address literals get no MTA-STS)."""
	u = fresh("nodns").split(".")[0]
	key = key.replace("{u}", u)
	mark = world.mark()
	reply, took = policyd.timed_query(key)
	assert reply == NOTFOUND
	assert took < 0.5
	time.sleep(0.2)
	markers = (u, "192", "in-addr", "ip6", "ipv6", "db8", "xn--", "unix",
	    "var", "spool")
	bad = [q["qname"] for q in world.dns_queries(since=mark)
	    if any(m in q["qname"] for m in markers) or
	    q["qname"] in ("_mta-sts", "_mta-sts.test")]
	assert bad == []
	assert world.https_events(since=mark) == []


# --- protocol (DESIGN §4) -----------------------------------------------

def _still_answers(policyd):
	assert policyd.query("enforce.test") == ok_answer("enforce.test")


def test_request_of_10000_bytes_is_answered(policyd):
	"""A request of exactly 10000 bytes is legal (Postfix 3.12 limit)."""
	key = "a" * (10000 - len("sts "))
	with SocketmapClient(policyd.sm_path) as c:
		assert c.query("sts", key) == NOTFOUND
		assert c.query("sts", "enforce.test") == ok_answer("enforce.test")


@pytest.mark.parametrize("data", [
    b"10001:sts " + b"a" * 9996 + b",",
    b"10001:",
    b"99999999999999999999:sts x,",
    b"hello world\r\n",
    b"16:sts enforce.test;",
    b"x16:sts enforce.test,",
    b":sts,",
    b"-1:,",
], ids=["10001-bytes", "10001-header-only", "huge-length", "garbage",
    "bad-terminator", "non-digit-length", "no-length", "negative-length"])
def test_abuse_closes_without_reply(policyd, data):
	"""§4: requests over 10000 bytes or malformed close the connection
	without a reply; the daemon goes on serving others."""
	with SocketmapClient(policyd.sm_path) as c:
		try:
			c.send_raw(data)
		except (BrokenPipeError, ConnectionResetError):
			pass
		assert c.closed_without_reply(5)
	_still_answers(policyd)


def test_half_netstring_then_close(policyd):
	for data in (b"20:sts enf", b"5", b"12:sts enforce.test"):
		c = SocketmapClient(policyd.sm_path)
		c.send_raw(data)
		c.close()
	_still_answers(policyd)


def test_idle_connections_do_not_block(policyd):
	"""Open idle connections (Postfix keeps one per process) do not stop
	other clients."""
	idle = [SocketmapClient(policyd.sm_path) for _ in range(20)]
	try:
		idle[0].send_raw(b"12:sts ")
		_still_answers(policyd)
		assert sm_query(policyd.inet, "sts", "enforce.test") == \
		    ok_answer("enforce.test")
	finally:
		for c in idle:
			c.close()


def test_pipelined_requests_in_order(world, policyd, fresh):
	"""§4: pipelined requests are answered in order, even when an early
	one waits for discovery and a later one is cached."""
	d = fresh("pipe")
	world.add_domain(d, id="p1", behaviour="delay", delay=1)
	reqs = [("sts", d), ("sts", "enforce.test"), ("sts", "nxdomain.test"),
	    ("sts", ".x.test"), ("sts-tlsrpt", "enforce.test"),
	    ("sts", "format.test"), ("sts", "testing.test")]
	with SocketmapClient(policyd.sm_path) as c:
		replies = c.pipeline(reqs)
	assert replies == [ok_answer(d), ok_answer("enforce.test"), NOTFOUND,
	    NOTFOUND, policyd.query("enforce.test", name="sts-tlsrpt"),
	    FORMAT_ANSWER, NOTFOUND]


def test_pipelined_split_writes(policyd):
	"""A request split over several writes and two in one write."""
	with SocketmapClient(policyd.sm_path) as c:
		c.send_raw(b"16:sts enf")
		time.sleep(0.2)
		c.send_raw(b"orce.test,16:sts enforce.test,")
		assert c.reply() == ok_answer("enforce.test")
		assert c.reply() == ok_answer("enforce.test")


def test_connection_reuse(policyd):
	"""Postfix keeps one connection and sends many requests on it."""
	with SocketmapClient(policyd.inet) as c:
		for i in range(200):
			key = ("enforce.test", "nxdomain.test")[i % 2]
			want = (ok_answer("enforce.test"), NOTFOUND)[i % 2]
			assert c.query("sts", key) == want


def test_client_gone_while_waiting(world, policyd, fresh):
	"""A client that hangs up while its lookup waits does not hurt."""
	d = fresh("gone")
	world.add_domain(d, id="g1", behaviour="delay", delay=1)
	c = SocketmapClient(policyd.sm_path)
	c.send("sts", d)
	c.close()
	assert wait_until(lambda: world.fetch_count(d) == 1, 5)
	assert policyd.wait_answer(d, ok_answer(d), 5) == ok_answer(d)
	_still_answers(policyd)


def test_reply_is_one_netstring(policyd):
	"""The reply bytes are exactly one netstring."""
	with SocketmapClient(policyd.sm_path) as c:
		c.send("sts", "nxdomain.test")
		want = netstring(NOTFOUND)
		data = b""
		while len(data) < len(want):
			data += c.sock.recv(100)
		assert data == want


def test_many_mx_lines(world, patterns_policyd, fresh):
	"""DESIGN §4: a policy of 256 mx lines (the cap) that repeat a few
	patterns is answered (match_mx_names = no) with each pattern once,
	lower-cased, in file order; show lists every line as published."""
	policyd = patterns_policyd
	d = fresh("manymx")
	pats = ["mail.%s" % d, "*.MX.%s" % d, "backup.%s" % d.upper()]
	lines = [pats[i % 3] for i in range(256)]
	body = "version: STSv1\nmode: enforce\nmax_age: 86400\n" + "".join(
	    "mx: %s\n" % p for p in lines)
	world.add_domain(d, policy=body)
	assert policyd.query(d) == ok_answer("", mx=["mail." + d,
	    ".mx." + d, "backup." + d])
	r = policyd.query(d, name="sts-tlsrpt")
	assert r.count("mx_host_pattern=") == 3, r
	assert policyd.ctl("show " + d)["mx"] == lines


def test_mx_line_cap(world, policyd, fresh):
	"""More than 256 mx lines (the audit's 64 KiB policy had 6074 and made
	each cached lookup cost 48 ms, issue 16.7): the policy is invalid, the
	domain is answered as without MTA-STS and show says why."""
	d = fresh("capmx")
	body = "version: STSv1\nmode: enforce\nmax_age: 86400\n"
	i = 0
	while len(body) < 65000:
		body += "mx: m%d.%s\n" % (i % 7, d)
		i += 1
	world.add_domain(d, policy=body)
	assert policyd.query(d) == NOTFOUND
	s = policyd.ctl("show " + d)
	assert "more than 256 mx lines" in (s.get("last_error") or ""), s


# --- resolved MX names (issue 17.2) -------------------------------------
#
# Postfix checks "secure match=" against the certificate only, never the MX
# host against the policy, and takes ".example.net" as any depth below it.
# So the answer names the MX hosts that the domain's MX RRset holds and the
# policy lists; the patterns are answered only when no such host is known.

@pytest.fixture(scope="module")
def patterns_policyd(world):
	"""patterns_policyd - a second daemon with match_mx_names = no."""
	from conftest import _finish
	from helpers import Daemon
	d = Daemon(world, match_mx_names="no")
	d.start()
	yield d
	_finish([d])


def test_mx_names_off_answers_patterns(patterns_policyd):
	"""match_mx_names = no: the patterns, lower-cased, de-duplicated,
	in file order, "*.x" as ".x"."""
	assert patterns_policyd.query("format.test") == FORMAT_PATTERNS
	assert patterns_policyd.query("enforce.test") == \
	    ok_answer("enforce.test")


def _names_domain(world, fresh, mx, policy_mx=None):
	d = fresh("mxn")
	pm = [p.replace("D", d) for p in (policy_mx or ["*.D"])]
	world.add_domain(d, mx=pm, mx_records=False)
	world.set_records(d, [["MX", [pref, host.replace("D", d)]]
	    for pref, host in mx])
	return d


def test_mx_names_wildcard_policy(world, policyd, fresh):
	"""Policy *.D, MX a.D and b.D: the answer names a.D and b.D, not
	".D", so a certificate for another host under D does not pass."""
	d = _names_domain(world, fresh, [(20, "b.D"), (10, "a.D")])
	assert policyd.query(d) == ok_answer("", mx=["a." + d, "b." + d])


def test_mx_names_leave_unlisted_hosts_out(world, policyd, fresh):
	"""One label only for "*." (RFC 8461 §4.1): x.y.D is not listed."""
	d = _names_domain(world, fresh, [(10, "x.y.D"), (20, "m.D"),
	    (30, "mx.other.test")])
	assert policyd.query(d) == ok_answer("", mx=["m." + d])


@pytest.mark.parametrize("mx", [[(10, "mx.other.test")], [(0, ".")]],
    ids=["unlisted", "null-mx"])
def test_mx_names_none_listed_answers_patterns(world, policyd, fresh, mx):
	"""No MX host the policy lists (or a null MX): the patterns."""
	d = _names_domain(world, fresh, mx)
	assert policyd.query(d) == ok_answer("", mx=["." + d])


def test_mx_names_implicit_mx(world, policyd, fresh):
	"""No MX RRset: the implicit MX is the domain (RFC 5321 §5.1)."""
	d = _names_domain(world, fresh, [], policy_mx=["D", "*.D"])
	assert policyd.query(d) == ok_answer("", mx=[d])


def test_mx_names_follow_the_rrset(world, policyd, fresh):
	"""A changed MX RRset is in the answer after the next TXT check
	(here a forced refresh), and show says so."""
	d = _names_domain(world, fresh, [(10, "a.D")])
	assert policyd.query(d) == ok_answer("", mx=["a." + d])
	world.set_records(d, [["MX", [10, "c." + d]], ["MX", [5, "b." + d]]])
	assert policyd.query(d) == ok_answer("", mx=["a." + d])
	assert policyd.ctl("refresh " + d)["ok"]
	assert policyd.query(d) == ok_answer("", mx=["b." + d, "c." + d])
	assert policyd.ctl("show " + d)["mx_names"] == ["b." + d, "c." + d]


def test_mx_names_forgotten_with_the_domain(world, policyd, fresh):
	"""flush drops the names with the policy; a policy that turns to
	testing drops them too."""
	d = _names_domain(world, fresh, [(10, "a.D")])
	assert policyd.query(d) == ok_answer("", mx=["a." + d])
	assert policyd.ctl("flush " + d)["ok"]
	world.set_records(d, [["MX", [10, "z." + d]]])
	assert policyd.query(d) == ok_answer("", mx=["z." + d])
	world.add_domain(d, id="t2", mode="testing", mx=["*." + d],
	    mx_records=False)
	assert policyd.ctl("refresh " + d)["ok"]
	assert policyd.query(d) == NOTFOUND
	assert policyd.ctl("show " + d).get("mx_names") in (None, [])
