#
# test_tlsrpt_daemon.py - TLS-RPT end to end (issue 5, RFC 8460, R1-R12):
# the real mtasts-policyd with tlsrpt_enable = yes collects libtlsrpt
# datagrams, and its reports reach real receivers.
#
# DESCRIPTION
#	Every test runs its own daemon (tlsrpt_enable, the identity keys,
#	tlsrpt_collector_socket, tlsrpt_sendmail = a sink program of
#	tlsrpt_checks.py, tlsrpt_dkim_* with a key the world DNS publishes,
#	tlsrpt_delay_max = 0) for a fresh policy domain whose _smtp._tls
#	record names a mailto: rua (the sink) and an https: rua (an HTTPS
#	receiver with a test-CA certificate, its name in the world DNS).
#	The HTTPS receiver listens on a port chosen at run time, so the
#	record is published by the test (world.set_tlsrpt), not by the
#	static catalogue.
#
#	- report send DAY DOMAIN: the mail (MIME, header fields, file name,
#	  DKIM) and the POST, the RFC 8460 JSON field by field against what
#	  the datagrams said; report list afterwards; nothing sent twice.
#	- Day rollover: MTASTS_TEST_CLOCK_OFFSET puts the daemon's clock
#	  shortly before midnight; the closed day's report goes out by
#	  itself.
#	- Retry: a failing sink and an HTTPS 500 leave both deliveries
#	  pending (attempts 1, next try 5 minutes on); each rua is retried
#	  on its own (back-off doubled) until sent; after 24 h a failing
#	  one is dropped.
#	- Restart in the middle of a day keeps the counts.
#	- Malformed datagrams between good ones: dropped, logged, and the
#	  report sent holds exactly the good ones.
#	- Loop prevention: the datagram after a report mail to mailto:x@D is
#	  not counted, the next one is.
#
import calendar
import email
import gzip
import json
import os
import time

import pytest

from helpers import (NOTFOUND, SocketmapClient, recorded_fds, wait_until,
    write_fd_recorder)
from tlsrpt_checks import (check_report, check_report_mail, day_name,
    details_by_type, detail, dgram, make_dkim_key, make_sink, nopolicy,
    send_dgram, sink_mails, start_receiver, stop_receiver, sts_policy)

ORG = "E2E Reports \"Org\""
SUBMITTER = "e2e-sender.test"
CONTACT = "tlsrpt@" + SUBMITTER
SELECTOR = "e2e2026"
SEND_TIMEOUT = 600		# report send may take minutes (contract)
ISO = "%Y-%m-%dT%H:%M:%SZ"


def day_start_of(t):
	"""day_start_of - the first second of t's UTC day."""
	return int(t) - int(t) % 86400


def iso_time(s):
	"""iso_time - Unix seconds of an ISO 8601 UTC time of report list."""
	return calendar.timegm(time.strptime(s, ISO))


@pytest.fixture(scope="module")
def dkim_key(world, tmp_path_factory):
	return make_dkim_key(world, tmp_path_factory.mktemp("dkim-e2e"),
	    SELECTOR, SUBMITTER)


class Rig:
	"""Rig - one daemon, its sink, its HTTPS receiver and policy domain."""

	def __init__(self, world, daemon, domain, prog, out, srv):
		self.world = world
		self.d = daemon
		self.domain = domain
		self.prog = prog
		self.out = out
		self.srv = srv
		self.sock = daemon.conf["tlsrpt_collector_socket"]
		self.rcpt = "tlsrpt@" + domain
		self.ruas = ["mailto:" + self.rcpt]
		if srv is not None:
			self.ruas.append(srv.url)
		self.record = "v=TLSRPTv1; rua=" + ",".join(self.ruas)
		self.strings = ["version: STSv1", "mode: enforce",
		    "mx: mx." + domain, "max_age: 86400"]
		self.mx = ["mx." + domain]
		world.set_tlsrpt(domain, self.record)

	def ctl(self, line, timeout=30):
		return self.d.ctl(line, timeout)

	def send(self, *datagrams):
		"""send - datagrams to the collector; waits until all are read."""
		base = self.collector()["received"]
		for data in datagrams:
			send_dgram(self.sock, data)
		n = base + len(datagrams)
		assert wait_until(lambda: self.collector()["received"] >= n, 10), \
		    (self.collector(), self.d.stderr_tail())

	def collector(self):
		r = self.ctl("report list")
		assert r["ok"], r
		return r["collector"]

	def sts(self, details=()):
		"""sts - a datagram of one session under the domain's policy."""
		return dgram(self.domain, [sts_policy(self.domain, self.strings,
		    self.mx, details)], record=self.record)

	def nopol(self, details=()):
		return dgram(self.domain, [nopolicy(self.domain, details)],
		    record=self.record)

	def report_send(self, day):
		r = self.ctl("report send %s %s" % (day, self.domain),
		    SEND_TIMEOUT)
		assert r["ok"], r
		assert r["day"] == day and r["domain"] == self.domain, r
		return r

	def listing(self):
		r = self.ctl("report list")
		assert r["ok"], r
		return r

	def day_entry(self, day):
		"""day_entry - this domain's entries in report list's days."""
		return [x for dd in self.listing()["days"] if dd["day"] == day
		    for x in dd["domains"] if x["domain"] == self.domain]

	def stored_day(self):
		"""stored_day - (day, day_start) of the one day that holds this
		domain's results (the daemon's clock decides)."""
		ds = [(dd["day"], dd["day_start"]) for dd in self.listing()["days"]
		    if any(x["domain"] == self.domain for x in dd["domains"])]
		assert len(ds) == 1, ds
		assert ds[0][0] == day_name(ds[0][1])
		return ds[0]

	def deliveries(self, day=None):
		return sorted((x for x in self.listing()["deliveries"]
		    if x["domain"] == self.domain and (day is None or
		    x["day"] == day)), key=lambda x: x["rua"])

	def mails(self):
		return sink_mails(self.out)

	def check_mail(self, raw, day_start):
		return check_report_mail(raw, self.world, self.domain, SUBMITTER,
		    day_start, self.rcpt, CONTACT, SELECTOR)


@pytest.fixture
def rig(world, daemon_factory, tmp_path, dkim_key, fresh):
	"""rig(prefix, https=True, env=None) -> a started Rig."""
	servers = []

	def make(prefix, https=True, env=None):
		domain = fresh(prefix)
		prog, out = make_sink(tmp_path)
		srv = None
		if https:
			srv = start_receiver(world, "rua." + domain)
			servers.append(srv)
		d = daemon_factory(start=False, tlsrpt_enable="yes",
		    tlsrpt_org_name=ORG, tlsrpt_contact=CONTACT,
		    tlsrpt_from=CONTACT, tlsrpt_sendmail=prog + " -i -t",
		    tlsrpt_dkim_domain=SUBMITTER,
		    tlsrpt_dkim_selector=SELECTOR, tlsrpt_dkim_key=dkim_key,
		    tlsrpt_delay_max="0")
		d.write_config(tlsrpt_collector_socket=os.path.join(d.dir,
		    "tlsrpt.sock"))
		r = Rig(world, d, domain, prog, out, srv)
		d.start(env=env)
		return r
	yield make
	for srv in servers:
		stop_receiver(srv)


def policy_of(policies, ptype, domain):
	assert (ptype, domain) in policies, sorted(policies)
	return policies[(ptype, domain)]


# --- report send: the mail, the POST, the JSON ----------------------------

def test_report_send_both_ruas(rig):
	"""R3, R4-R11: one report of the open day to a mailto: and an https:
	rua; the JSON holds exactly what the datagrams said."""
	r = rig("e2esend")
	t0 = time.time()
	dom = r.domain
	mx = "mx." + dom
	r.send(r.sts(), r.sts(), r.sts(),
	    r.sts([detail(202, mx)]),
	    r.sts([detail(202, mx)]),
	    r.sts([detail(203, mx, reason="unable to get local issuer "
	    "certificate")]),
	    r.sts([detail(201, mx, rip="2001:db8::25", helo="mx-helo." + dom),
	    detail(204, mx, rip="2001:db8::25", helo="mx-helo." + dom)]),
	    r.nopol(), r.nopol(),
	    r.nopol([detail(201, mx, rip="192.0.2.7")]))
	day, day0 = r.stored_day()
	assert day0 in (day_start_of(t0), day_start_of(time.time()))
	# report list: the open day's stored totals
	[ent] = r.day_entry(day)
	assert ent["record"] == r.record
	assert (ent["success"], ent["failure"]) == (5, 5)

	res = r.report_send(day)
	assert res["day_start"] == day0
	assert (res["reports"], res["attempts"], res["sent"], res["failed"],
	    res["dropped"]) == (1, 2, 2, 0, 0), res
	assert res["error"] is None

	# the mail
	[raw] = r.mails()
	assert json.loads((r.out / "000.argv").read_text()) == ["-f", CONTACT, "-i", "-t"]
	rep, body, gz, name, unique = r.check_mail(raw, day0)
	pols = check_report(rep, ORG, CONTACT, day0)
	assert len(pols) == 2
	sts = policy_of(pols, "sts", dom)
	assert sts["policy"] == {"policy-type": "sts",
	    "policy-string": r.strings, "policy-domain": dom,
	    "mx-host": r.mx}
	assert sts["summary"] == {"total-successful-session-count": 3,
	    "total-failure-session-count": 4}
	by = details_by_type(sts)
	assert sorted(by) == ["certificate-expired",
	    "certificate-host-mismatch", "certificate-not-trusted",
	    "starttls-not-supported"]
	[hm] = by["certificate-host-mismatch"]
	assert hm == {"result-type": "certificate-host-mismatch",
	    "sending-mta-ip": "127.0.0.1", "receiving-mx-hostname": mx,
	    "receiving-ip": "192.0.2.1", "failed-session-count": 2}
	[nt] = by["certificate-not-trusted"]
	assert nt["failed-session-count"] == 1
	assert nt["failure-reason-code"] == \
	    "unable to get local issuer certificate"
	for t in ("starttls-not-supported", "certificate-expired"):
		[f] = by[t]
		assert f["failed-session-count"] == 1
		assert f["receiving-ip"] == "2001:db8::25"
		assert f["receiving-mx-helo"] == "mx-helo." + dom
	nop = policy_of(pols, "no-policy-found", dom)
	assert nop["policy"] == {"policy-type": "no-policy-found",
	    "policy-domain": dom}
	assert nop["summary"] == {"total-successful-session-count": 2,
	    "total-failure-session-count": 1}
	[f] = nop["failure-details"]
	assert (f["result-type"], f["receiving-ip"], f["failed-session-count"]) \
	    == ("starttls-not-supported", "192.0.2.7", 1)

	# the POST: the same report
	[(path, headers, post)] = r.srv.posts
	assert path == "/v1/tlsrpt"
	assert headers["Content-Type"] == "application/tlsrpt+gzip"
	assert post[:2] == b"\x1f\x8b"
	assert gzip.decompress(post) == body

	# report list: both sent, the day's data for the domain gone
	dels = r.deliveries(day)
	assert [x["rua"] for x in dels] == sorted(r.ruas)
	for x in dels:
		assert x["status"] == "sent", x
		assert x["attempts"] == 1
		assert x["report_id"] == rep["report-id"]
		assert x["day_start"] == day0
		assert x["error"] is None and x["next"] is None
		assert x["first"] and x["last"]
		assert abs(iso_time(x["last"]) - time.time()) < 120
	assert r.day_entry(day) == []

	# nothing is delivered twice
	again = r.report_send(day)
	assert (again["sent"], again["failed"], again["attempts"]) == (0, 0, 0)
	assert len(r.mails()) == 1 and len(r.srv.posts) == 1
	assert [x["status"] for x in r.deliveries(day)] == ["sent", "sent"]


def test_report_send_reporting_off(daemon_factory):
	"""report send with tlsrpt_enable = no is an error, not a no-op."""
	d = daemon_factory()
	r = d.ctl("report send", SEND_TIMEOUT)
	assert r == {"ok": False,
	    "error": "reporting is off (tlsrpt_enable = no)"}


# --- the day closes by the daemon's clock -----------------------------------

def test_day_rollover_sends_by_itself(rig):
	"""R7: with the clock at 23:59:30 UTC, the day's results go out
	within seconds after midnight without any command."""
	now = time.time()
	target = day_start_of(now) + 86400 - 30		# 23:59:30 today
	offset = int(target - now)
	r = rig("e2eroll", env={"MTASTS_TEST_CLOCK_OFFSET": str(offset)})
	shifted = time.time() + offset
	day0 = day_start_of(shifted)
	day = day_name(day0)
	assert 86400 - (shifted - day0) > 15, "daemon start took too long"
	mx = "mx." + r.domain
	r.send(r.sts(), r.sts(), r.sts([detail(205, mx,
	    reason="X509_V_ERR_SOMETHING")]))
	assert r.stored_day() == (day, day0)
	[ent] = r.day_entry(day)
	assert (ent["success"], ent["failure"]) == (2, 1)
	assert r.mails() == [] and r.srv.posts == []
	# the scheduler, not us
	ok = wait_until(lambda: r.mails() and r.srv.posts, 90, 0.5)
	assert ok, (r.listing(), r.d.stderr_tail())
	late = time.time() + offset - (day0 + 86400)
	# woken by the day boundary, not by the next minute's pass
	assert 0 <= late < 10, late
	[raw] = r.mails()
	rep, body, _, _, _ = r.check_mail(raw, day0)
	pols = check_report(rep, ORG, CONTACT, day0)
	sts = policy_of(pols, "sts", r.domain)
	assert sts["summary"] == {"total-successful-session-count": 2,
	    "total-failure-session-count": 1}
	[f] = sts["failure-details"]
	assert f["result-type"] == "validation-failure"
	assert f["failure-reason-code"] == "X509_V_ERR_SOMETHING"
	[(_, headers, post)] = r.srv.posts
	assert headers["Content-Type"] == "application/tlsrpt+gzip"
	assert gzip.decompress(post) == body
	assert wait_until(lambda: [x["status"] for x in r.deliveries(day)]
	    == ["sent", "sent"], 10), r.deliveries(day)
	assert r.day_entry(day) == []
	# the default day of report send is now that day: nothing left
	res = r.ctl("report send", SEND_TIMEOUT)
	assert res["ok"] and res["day"] == day, res
	assert res["sent"] == 0 and len(r.mails()) == 1


# --- retry with back-off ----------------------------------------------------

def test_retry_backoff(rig):
	"""R12, DESIGN 6b: every rua on its own. A failing sink and an HTTPS
	500 stay pending with the next try 5 minutes on; the sink fixed, the
	mail goes and the POST waits 10 minutes (doubled); the receiver
	fixed, the POST goes and the mail is not sent again."""
	r = rig("e2eretry")
	mailto, https = r.ruas
	r.send(r.sts(), r.sts([detail(202, "mx." + r.domain)]))
	day, day0 = r.stored_day()
	(r.out / "fail").write_text("")
	r.srv.status = 500
	res = r.report_send(day)
	assert (res["reports"], res["attempts"], res["sent"], res["failed"],
	    res["dropped"]) == (1, 2, 0, 2, 0), res
	assert res["error"]
	assert r.mails() == [] and len(r.srv.posts) == 1
	dels = r.deliveries(day)
	assert [x["rua"] for x in dels] == sorted(r.ruas)
	by = {x["rua"]: x for x in dels}
	for x in dels:
		assert x["status"] == "pending", x
		assert x["attempts"] == 1
		assert x["first"] and x["last"] and x["next"]
		gap = iso_time(x["next"]) - iso_time(x["last"])
		assert 295 <= gap <= 305, x
	assert "500" in by[https]["error"], by[https]
	assert "exit status 1" in by[mailto]["error"], by[mailto]
	# the data waits for the retries
	[ent] = r.day_entry(day)
	assert (ent["success"], ent["failure"]) == (1, 1)

	(r.out / "fail").unlink()
	res = r.report_send(day)
	assert (res["attempts"], res["sent"], res["failed"]) == (2, 1, 1), res
	by = {x["rua"]: x for x in r.deliveries(day)}
	assert (by[mailto]["status"], by[mailto]["attempts"]) == ("sent", 2)
	assert by[mailto]["error"] is None and by[mailto]["next"] is None
	assert (by[https]["status"], by[https]["attempts"]) == ("pending", 2)
	gap = iso_time(by[https]["next"]) - iso_time(by[https]["last"])
	assert 595 <= gap <= 605, by[https]
	assert by[https]["first"] == by[mailto]["first"]
	assert r.day_entry(day), "forgotten with a delivery pending"
	[raw] = r.mails()
	rep, body, _, _, _ = r.check_mail(raw, day0)

	r.srv.status = 201
	res = r.report_send(day)
	assert (res["attempts"], res["sent"], res["failed"]) == (1, 1, 0), res
	assert len(r.mails()) == 1 and len(r.srv.posts) == 3
	# every try is the same report (same report-id, same body)
	assert len({p[2] for p in r.srv.posts}) == 1
	assert gzip.decompress(r.srv.posts[2][2]) == body
	by = {x["rua"]: x for x in r.deliveries(day)}
	assert (by[https]["status"], by[https]["attempts"]) == ("sent", 3)
	assert (by[mailto]["status"], by[mailto]["attempts"]) == ("sent", 2)
	for x in by.values():
		assert x["report_id"] == rep["report-id"]
		assert x["next"] is None and x["error"] is None
	assert r.day_entry(day) == []


def test_retry_gives_up_after_24h(rig):
	"""R12: a delivery still failing 24 h after its first try is dropped
	and logged, and the day's data is forgotten; a working receiver
	later gets nothing."""
	r = rig("e2edrop")
	https = r.ruas[1]
	r.send(r.sts())
	day, day0 = r.stored_day()
	r.srv.status = 503
	res = r.report_send(day)
	assert (res["sent"], res["failed"]) == (1, 1), res
	rc, _ = r.d.stop(5)
	assert rc == 0, r.d.stderr_tail()
	# 25 hours on: the day is closed, the retry window is over
	r.d.start(env={"MTASTS_TEST_CLOCK_OFFSET": str(25 * 3600)})
	res = r.report_send(day)
	assert res["sent"] == 0, res
	by = {x["rua"]: x for x in r.deliveries(day)}
	assert (by[https]["status"], by[https]["attempts"]) == ("dropped", 2), \
	    by[https]
	assert "503" in by[https]["error"]
	assert len(r.srv.posts) == 2
	assert "dropped after 2 tries in 24 h" in r.d.stderr_text()
	assert r.day_entry(day) == []
	r.srv.status = 200
	res = r.report_send(day)
	assert (res["attempts"], res["sent"]) == (0, 0), res
	assert len(r.srv.posts) == 2 and len(r.mails()) == 1


# --- a restart in the middle of the day -------------------------------------

def test_restart_keeps_counts(rig):
	"""Counts before a SIGTERM and after the restart add up."""
	r = rig("e2erestart", https=False)
	mx = "mx." + r.domain
	r.send(r.sts(), r.sts(), r.sts([detail(202, mx)]), r.nopol())
	rc, _ = r.d.stop(5)
	assert rc == 0, r.d.stderr_tail()
	r.d.start()
	r.send(r.sts(), r.sts([detail(202, mx)]), r.sts([detail(204, mx)]),
	    r.nopol([detail(201, mx)]))
	day, day0 = r.stored_day()
	res = r.ctl("report preview %s %s" % (r.domain, day))
	assert res["ok"], res
	[rep] = res["reports"]
	assert rep["rua"] == r.ruas
	pols = check_report(rep["report"], ORG, CONTACT, day0)
	sts = policy_of(pols, "sts", r.domain)
	assert sts["summary"] == {"total-successful-session-count": 3,
	    "total-failure-session-count": 3}
	by = details_by_type(sts)
	assert by["certificate-host-mismatch"][0]["failed-session-count"] == 2
	assert by["certificate-expired"][0]["failed-session-count"] == 1
	nop = policy_of(pols, "no-policy-found", r.domain)
	assert nop["summary"] == {"total-successful-session-count": 1,
	    "total-failure-session-count": 1}
	[ent] = r.day_entry(day)
	assert (ent["success"], ent["failure"]) == (4, 4)


# --- malformed datagrams on the whole path ----------------------------------

def test_malformed_between_good(rig):
	"""Bad JSON, binary and oversize datagrams among good ones: dropped
	and logged; the report sent holds exactly the good sessions."""
	r = rig("e2ebad", https=False)
	mx = "mx." + r.domain
	good = [r.sts(), r.sts([detail(202, mx)]), r.sts()]
	big = r.sts()[:-1] + b',"pad":"' + b"x" * 70000 + b'"}'
	bad = [b'{"dpv":"1","d":"' + r.domain.encode() + b'","policies":[',
	    bytes(range(256)) * 4, big]
	base = r.collector()
	r.send(good[0], bad[0], good[1], bad[1], bad[2], good[2])
	now = r.collector()
	assert now["dropped"] - base["dropped"] == 3, now
	assert now["accepted"] - base["accepted"] == 3, now
	log = r.d.stderr_text()
	assert log.count("tlsrpt collector: datagram of ") >= 2, log
	assert "larger than 65536 bytes dropped" in log, log
	day, day0 = r.stored_day()
	res = r.report_send(day)
	assert res["sent"] == 1, res
	[raw] = r.mails()
	rep = r.check_mail(raw, day0)[0]
	pols = check_report(rep, ORG, CONTACT, day0)
	assert list(pols) == [("sts", r.domain)]
	sts = pols[("sts", r.domain)]
	assert sts["summary"] == {"total-successful-session-count": 2,
	    "total-failure-session-count": 1}
	assert r.d.alive()


# --- loop prevention --------------------------------------------------------

def test_report_mail_not_counted(rig):
	"""R10: the session that delivers our report mail to mailto:x@D is
	not counted for D; one per mail, so the next one is."""
	r = rig("e2eloop", https=False)
	r.send(r.sts())
	day, day0 = r.stored_day()
	assert r.listing()["store"]["suppressed"] == 0
	res = r.report_send(day)
	assert res["sent"] == 1, res
	assert len(r.mails()) == 1
	# the datagram about the report mail's own delivery
	r.send(r.sts([detail(202, "mx." + r.domain)]))
	assert r.listing()["store"]["suppressed"] == 1
	assert r.day_entry(day) == []
	# the next session is another message's: counted
	r.send(r.sts())
	st = r.listing()["store"]
	assert st["suppressed"] == 1
	[ent] = r.day_entry(day)
	assert (ent["success"], ent["failure"]) == (1, 0)
	res = r.ctl("report show %s %s" % (r.domain, day))
	assert res["ok"], res
	tot = [p["summary"] for rep in res["reports"] for p in rep["policies"]]
	assert tot == [{"total-successful-session-count": 1,
	    "total-failure-session-count": 0}]


def test_rua_list_capped(rig):
	"""S8: a record listing many destinations gets the report at the
	first five only (the record is the receiving domain's to write; a
	long list must not turn us into a mailer for third parties)."""
	r = rig("e2ecap", https=False)
	many = ["mailto:r%d@%s" % (i, r.domain) for i in range(8)]
	r.record = "v=TLSRPTv1; rua=" + ",".join(many)
	r.world.set_tlsrpt(r.domain, r.record)
	r.send(r.sts())
	day, day0 = r.stored_day()
	pre = r.ctl("report preview %s %s" % (r.domain, day))
	assert pre["ok"], pre
	[rep] = pre["reports"]
	assert rep["rua"] == many[:5], rep["rua"]
	res = r.report_send(day)
	assert (res["attempts"], res["sent"]) == (5, 5), res
	got = sorted(email.message_from_bytes(raw)["To"] for raw in r.mails())
	assert got == sorted("<r%d@%s>" % (i, r.domain) for i in range(5)), got
	assert "reporting to the first 5 only" in r.d.stderr_text()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"),
    reason="needs /proc/self/fd")
def test_sendmail_inherits_only_its_stdio(rig):
	"""Issue 16 item 4: tlsrpt_sendmail runs with the message on stdin
	and stdout, stderr on /dev/null - no listener, no data.mdb, no
	resolver socket, no live control or socketmap connection - and
	with no signal blocked."""
	r = rig("e2efds", https=False)
	log = r.prog + ".fds"
	write_fd_recorder(r.prog, log)
	r.send(r.sts())
	day = r.stored_day()[0]
	with SocketmapClient(r.d.sm_path) as idle:
		assert idle.query("sts", "x..test") == NOTFOUND
		res = r.report_send(day)
	assert res["sent"] == 1, res
	got = recorded_fds(log)
	assert len(got) == 1, got
	fds = got[0]["fds"]
	assert sorted(fds) == ["0", "1", "2"], json.dumps(fds)
	assert fds["0"].startswith("socket:"), fds
	assert fds["1"] == fds["2"] == "/dev/null", fds
	# The daemon blocks SIGTERM, SIGINT and SIGHUP; the command must not.
	assert got[0]["sigblk"] == 0, got[0]
