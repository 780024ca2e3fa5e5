#
# test_ctl_report.py - mtasts-ctl report list, report show DOMAIN [--day D]
# and report send [--day D] [DOMAIN] against a running mtasts-policyd
# (RFC 8460; issue 5, mtasts-ctl(8)).
#
# DESCRIPTION
#	A daemon with TLS-RPT enabled gets libtlsrpt datagrams (the format
#	Postfix >= 3.10 sends) on tlsrpt_collector_socket for domains whose
#	_smtp._tls record the test world publishes; tlsrpt_sendmail is the
#	sink of tlsrpt_checks.py (writes each mail to a file, fails while
#	told to), an https: rua goes to its HTTPS receiver. The real
#	mtasts-ctl then lists the stored results, shows the report as it
#	will be sent (the JSON it prints is compared with what the daemon
#	built and checked against RFC 8460 section 4.4), sends it (the
#	sink's mail carries that same report) and shows the delivery state. Exit codes: 0 done, 1 nothing to show
#	or a delivery failed, 2 usage errors such as a bad --day.
#	The reports are of the open day (today, named with --day), so the
#	scheduler, which only sends closed days, stays out of the way.
#
import email
import email.policy
import json
import os
import re
import subprocess

import pytest

import test_ctl
from helpers import (TLSRPT_DAY, Daemon, tlsrpt_clock_env, tlsrpt_day_name,
    wait_until)
from test_ctl import CTL
from tlsrpt_checks import (REPORT_KEYS, check_report, check_report_mail,
    details_by_type, detail, dgram, make_sink, send_dgram, sink_mails,
    start_receiver, stop_receiver, sts_policy)

SUBMITTER = "sender-ctl-report.test"
CONTACT = "tlsrpt@" + SUBMITTER
ORG = "CTL Report Org"
ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
MX = "mx.example.test"
STS_STRINGS = ["version: STSv1", "mode: enforce", "mx: " + MX,
    "max_age: 86400"]
SEND_KEYS = {"day", "day_start", "domain", "reports", "attempts", "sent",
    "failed", "dropped", "error"}


def run_ctl(d, args, json_out=False, timeout=120):
	"""run_ctl - mtasts-ctl -c CONF [--json] ARGS against daemon d; with
	--json the whole of stdout must be one JSON document."""
	return test_ctl.run_ctl(args, conf=d.conf_path, json_out=json_out,
	    env={"NO_COLOR": "1"}, timeout=timeout)


def today():
	"""today - the daemons' TLS-RPT day (helpers.TLSRPT_DAY)."""
	return tlsrpt_day_name()


def yesterday():
	return tlsrpt_day_name(-1)


def day_start():
	"""day_start - the first second of that day (UTC)."""
	return TLSRPT_DAY


# --- the daemon, its sink and the world ------------------------------------

def record(domain, *ruas):
	"""record - a TLS-RPT record; a bare local part is mailto:L@DOMAIN."""
	return "v=TLSRPTv1; rua=" + ",".join(r if ":" in r else
	    "mailto:%s@%s" % (r, domain) for r in (ruas or ("tlsrpt",)))


def publish(world, domain, *ruas):
	"""publish - the domain's _smtp._tls record; the record."""
	rec = record(domain, *ruas)
	world.set_tlsrpt(domain, rec)
	return rec


def feed(d, domain, rec, success, failures):
	"""feed - success sessions and failures (result codes) for domain,
	as libtlsrpt sends them, then wait until the store has them all."""
	for _ in range(success):
		send_dgram(d.collector, dgram(domain, [sts_policy(domain,
		    STS_STRINGS, [MX])], rec, spaced=True))
	for code in failures:
		send_dgram(d.collector, dgram(domain, [sts_policy(domain,
		    STS_STRINGS, [MX], [detail(code, MX, helo=MX)])], rec))
	want = (success, len(failures))

	def stored():
		r = d.ctl("report show %s %s" % (domain, today()))
		got = [0, 0]
		for rep in r.get("reports", []):
			for p in rep["policies"]:
				got[0] += p["summary"][
				    "total-successful-session-count"]
				got[1] += p["summary"][
				    "total-failure-session-count"]
		return tuple(got) == want
	assert wait_until(stored, 10), d.ctl("report show %s %s" % (domain,
	    today()))


def make_daemon(world, tmp, **conf):
	"""make_daemon - policyd with the collector and reporting on, its
	mail going to a sink that fills d.mail (tmp: a pathlib.Path)."""
	prog, out = make_sink(tmp)
	d = Daemon(world)
	d.collector = os.path.join(d.dir, "tlsrpt.sock")
	d.mail = out
	c = {"tlsrpt_collector_socket": d.collector,
	    "tlsrpt_enable": "yes",
	    "tlsrpt_org_name": ORG,
	    "tlsrpt_contact": CONTACT,
	    "tlsrpt_from": CONTACT,
	    "tlsrpt_sendmail": prog + " -i -t",
	    # closed days wait up to a day: nothing goes out unasked
	    "tlsrpt_delay_max": "24h"}
	c.update(conf)
	d.write_config(**c)
	return d


@pytest.fixture(scope="module")
def rd(world, tmp_path_factory):
	d = make_daemon(world, tmp_path_factory.mktemp("ctl-report"))
	d.start(env=tlsrpt_clock_env())
	yield d
	rc, _ = d.stop(5)
	assert rc == 0, d.stderr_tail()
	d.cleanup()


class failing_sink:
	"""failing_sink - with failing_sink(d): the sink refuses mail."""

	def __init__(self, d):
		self.flag = d.mail / "fail"

	def __enter__(self):
		self.flag.write_text("")

	def __exit__(self, *exc):
		self.flag.unlink()


def mails(d):
	"""mails - the messages the sink got, parsed, in order."""
	return [email.message_from_bytes(raw, policy=email.policy.default)
	    for raw in sink_mails(d.mail)]


def check_rfc8460(rep, domain, success, failures):
	"""check_rfc8460 - RFC 8460 section 4.4 (tlsrpt_checks) and the
	counts this test sent; the one policy element."""
	pols = check_report(rep, ORG, CONTACT, day_start())
	assert list(pols) == [("sts", domain)]
	p = pols[("sts", domain)]
	assert p["policy"]["policy-string"] == STS_STRINGS
	assert p["policy"]["mx-host"] == [MX]
	assert p["summary"] == {"total-successful-session-count": success,
	    "total-failure-session-count": failures}
	return p


def json_block(text):
	"""json_block - the JSON documents printed at column 0 in text."""
	docs, cur = [], None
	for line in text.split("\n"):
		if cur is None and line == "{":
			cur = [line]
		elif cur is not None:
			cur.append(line)
			if line == "}":
				docs.append(json.loads("\n".join(cur)))
				cur = None
	return docs


# --- usage -----------------------------------------------------------------

@pytest.mark.parametrize("args,msg", [
    (["report"], "usage: report list"),
    (["report", "frob"], "usage: report list"),
    (["report", "list", "extra"], "usage: report list"),
    (["report", "show"], "usage: report show DOMAIN"),
    (["report", "show", "a.test", "b.test"], "usage: report show"),
    (["report", "show", "bad name"], "not a domain name: bad name"),
    (["report", "show", "a.test\nstatus"], "not a domain name"),
    (["report", "show", "a.test", "--day", "2026-13-01"],
        "--day takes a date as YYYY-MM-DD, not 2026-13-01"),
    (["report", "show", "a.test", "--day=2026-1-01"], "--day takes a date"),
    (["report", "show", "a.test", "--day", "2025-02-29"],
        "--day takes a date"),
    (["report", "show", "a.test", "--day", "1969-12-31"],
        "--day takes a date"),
    (["report", "show", "a.test", "--day", "2026-11-21", "--day",
        "2026-11-20"], "usage: report show"),
    (["report", "send", "--day"], "--day needs a date"),
    (["report", "send", "--day", "yesterday"], "--day takes a date"),
    (["report", "send", "--day", "2026-11-21 x.test"], "--day takes a date"),
    (["report", "send", "2026-11-21"], "a day goes after --day"),
    (["report", "send", "--force"], "usage: report send"),
    (["report", "send", "a.test", "b.test"], "usage: report send"),
    (["report", "view"], "usage: report view FILE"),
])
def test_usage_errors(rd, args, msg):
	"""Exit 2 for usage errors, before anything reaches the daemon."""
	r = run_ctl(rd, args)
	assert r.rc == 2, r
	assert msg in r.err, r
	assert r.out == ""


def test_leap_day_accepted(rd, fresh):
	"""--day takes 29 February of a leap year (nothing stored: exit 1)."""
	r = run_ctl(rd, ["report", "show", fresh("leap"), "--day",
	    "2024-02-29"])
	assert r.rc == 1, r
	assert "on 2024-02-29: no results stored" in r.err


def test_help_lists_report_verbs():
	r = subprocess.run([CTL, "-h"], capture_output=True, text=True)
	assert r.returncode == 0
	for line in ("  report list\n",
	    "  report show DOMAIN [--day YYYY-MM-DD]\n",
	    "  report send [--day YYYY-MM-DD] [DOMAIN]\n",
	    "  report view FILE\n"):
		assert line in r.stdout


def test_daemon_missing(tmp_path):
	conf = tmp_path / "mtasts.conf"
	conf.write_text("control_socket = %s\n" % (tmp_path / "none.sock"))
	for args in (["report", "list"], ["report", "show", "a.test"],
	    ["report", "send"]):
		p = subprocess.run([CTL, "-c", str(conf), "--json"] + args,
		    capture_output=True, text=True)
		assert p.returncode == 2, p
		assert "cannot connect to control socket" in p.stderr
		assert "error" in json.loads(p.stdout)


# --- report list -----------------------------------------------------------

def test_list(world, rd, fresh):
	"""Stored results per day and domain, for people and as JSON."""
	dom = fresh("lst")
	rec = publish(world, dom)
	feed(rd, dom, rec, 4, [202, 202, 204])
	r = run_ctl(rd, ["report", "list"], json_out=True)
	assert r.rc == 0, r
	doc = r.doc
	assert "ok" not in doc
	assert {"days", "deliveries", "collector", "store"} <= set(doc)
	[day] = [x for x in doc["days"] if x["day"] == today()]
	assert day["day_start"] % 86400 == 0
	[e] = [x for x in day["domains"] if x["domain"] == dom]
	assert e == {"domain": dom, "record": rec, "success": 4, "failure": 3}
	assert doc["collector"]["received"] >= 7

	r = run_ctl(rd, ["report", "list"])
	assert r.rc == 0, r
	lines = r.out.split("\n")
	assert lines[0] == "Stored results, not yet reported:"
	assert re.match(r"^DAY +DOMAIN +SUCCESS +FAILURE +RECORD$", lines[1])
	row = [x for x in lines if dom in x]
	assert len(row) == 1
	assert re.match(r"^%s +%s +4 +3 +%s$" % (today(), re.escape(dom),
	    re.escape(rec)), row[0]), r.out
	# the columns line up under their headers
	assert row[0].index(dom) == lines[1].index("DOMAIN")
	assert row[0].index("4 ") == lines[1].index("SUCCESS")
	assert "Deliveries:" in lines
	assert re.search(r"^collector: received \d+, accepted \d+, dropped "
	    r"\d+", r.out, re.M), r.out
	assert re.search(r"^store: events \d+", r.out, re.M), r.out


# --- report show -----------------------------------------------------------

def test_show(world, rd, fresh):
	"""The report as it will be sent: id, file, rua, the RFC 8460 JSON."""
	dom = fresh("shw")
	rec = publish(world, dom, "tlsrpt", "ops")
	feed(rd, dom, rec, 5, [202, 202, 203])
	j = run_ctl(rd, ["report", "show", dom, "--day", today()],
	    json_out=True)
	assert j.rc == 0, j
	assert "ok" not in j.doc
	assert j.doc["domain"] == dom and j.doc["day"] == today()
	[rep] = j.doc["reports"]
	assert rep["rua"] == ["mailto:tlsrpt@" + dom, "mailto:ops@" + dom]
	assert rep["record"] == rec
	p = check_rfc8460(rep["report"], dom, 5, 3)
	by = {t: sum(f["failed-session-count"] for f in fs)
	    for t, fs in details_by_type(p).items()}
	assert by == {"certificate-host-mismatch": 2,
	    "certificate-not-trusted": 1}
	assert rep["report"]["report-id"] == rep["report_id"]
	m = re.fullmatch(r"%s!%s!(\d+)!(\d+)!([A-Za-z0-9]+)\.json\.gz" %
	    (re.escape(SUBMITTER), re.escape(dom)), rep["filename"])
	assert m, rep["filename"]
	assert int(m.group(1)) == j.doc["day_start"]
	assert int(m.group(2)) == j.doc["day_start"] + 86399
	assert rep["report_id"] == "%s@%s" % (m.group(3), SUBMITTER)
	# the daemon's own answer, straight off the control socket
	raw = rd.ctl("report preview %s %s" % (dom, today()))
	assert raw["reports"][0]["report"] == rep["report"]

	h = run_ctl(rd, ["report", "show", dom, "--day", today()])
	assert h.rc == 0, h
	lines = h.out.split("\n")
	assert lines[0] == "%s, %s: 1 report" % (dom, today())
	assert re.search(r"^report-id +%s$" % re.escape(rep["report_id"]),
	    h.out, re.M), h.out
	assert re.search(r"^file +%s$" % re.escape(rep["filename"]), h.out,
	    re.M), h.out
	assert re.search(r"^record +%s$" % re.escape(rec), h.out, re.M)
	assert re.search(r"^rua +mailto:tlsrpt@%s\n +mailto:ops@%s$" %
	    (re.escape(dom), re.escape(dom)), h.out, re.M), h.out
	[printed] = json_block(h.out)
	assert printed == rep["report"]
	# keys in the order the daemon built them, nested ones too
	assert list(printed) == REPORT_KEYS
	assert list(printed["date-range"]) == ["start-datetime",
	    "end-datetime"]
	assert list(printed["policies"][0]["summary"]) == [
	    "total-successful-session-count", "total-failure-session-count"]
	assert '\n  "organization-name": "%s",\n' % ORG in h.out


def test_show_no_results(rd, fresh):
	"""Nothing stored for the domain and day: a message and exit 1."""
	dom = fresh("none")
	r = run_ctl(rd, ["report", "show", dom, "--day", today()])
	assert r.rc == 1, r
	assert r.out == ""
	assert "no report for %s on %s: no results stored" % (dom, today()) \
	    in r.err
	j = run_ctl(rd, ["report", "show", dom, "--day", today()],
	    json_out=True)
	assert j.rc == 1, j
	assert j.doc["reports"] == [] and j.doc["domain"] == dom


def test_show_default_day_is_yesterday(world, rd, fresh):
	"""Without --day the daemon takes yesterday: today's results do not
	show."""
	dom = fresh("yday")
	rec = publish(world, dom)
	feed(rd, dom, rec, 1, [])
	r = run_ctl(rd, ["report", "show", dom])
	assert r.rc == 1, r
	assert "no report for %s on %s" % (dom, yesterday()) in r.err
	j = run_ctl(rd, ["report", "show", dom], json_out=True)
	assert j.doc["day"] == yesterday()


def test_show_no_record(world, rd, fresh):
	"""Results stored without a record (no "pr" in the datagrams), and
	no _smtp._tls record to look up: no report (exit 1)."""
	dom = fresh("norec")
	feed(rd, dom, None, 2, [])
	r = run_ctl(rd, ["report", "show", dom, "--day", today()])
	assert r.rc == 1, r
	assert "results are stored, but _smtp._tls.%s has no usable TLS-RPT " \
	    "record" % dom in r.err, r


def test_show_terminal_safe(world, rd, fresh):
	"""C1 controls in a failure reason are printed as JSON escapes."""
	dom = fresh("ctl")
	rec = publish(world, dom)
	send_dgram(rd.collector, dgram(dom, [sts_policy(dom, STS_STRINGS, [MX],
	    [detail(203, MX, reason="bad\u009b31mred\u007f")])], rec))
	assert wait_until(lambda: rd.ctl("report show %s %s" % (dom,
	    today()))["reports"], 10)
	h = run_ctl(rd, ["report", "show", dom, "--day", today()])
	assert h.rc == 0, h
	assert "\u009b" not in h.out and "\x7f" not in h.out
	[printed] = json_block(h.out)
	j = run_ctl(rd, ["report", "show", dom, "--day", today()],
	    json_out=True)
	assert printed == j.doc["reports"][0]["report"]


# --- report send -----------------------------------------------------------

def test_send(world, rd, fresh):
	"""The report goes to the sink: the same report show printed."""
	dom = fresh("snd")
	rec = publish(world, dom)
	feed(rd, dom, rec, 3, [205])
	shown = run_ctl(rd, ["report", "show", dom, "--day", today()],
	    json_out=True).doc["reports"][0]
	before = len(sink_mails(rd.mail))
	r = run_ctl(rd, ["report", "send", "--day", today(), dom])
	assert r.rc == 0, r
	assert r.out == "%s %s: 1 report, 1 attempt, 1 sent, 0 failed, " \
	    "0 dropped\n" % (today(), dom), r
	got = sink_mails(rd.mail)[before:]
	assert len(got) == 1
	rep, _, _, name, _ = check_report_mail(got[0], world, dom, SUBMITTER,
	    day_start(), "tlsrpt@" + dom, CONTACT)
	assert name == shown["filename"]
	assert rep == shown["report"]
	check_rfc8460(rep, dom, 3, 1)

	# the delivery, for people and as JSON
	j = run_ctl(rd, ["report", "list"], json_out=True)
	[dl] = [x for x in j.doc["deliveries"] if x["domain"] == dom]
	assert dl["day"] == today() and dl["status"] == "sent"
	assert dl["rua"] == "mailto:tlsrpt@" + dom
	assert dl["report_id"] == shown["report_id"]
	assert dl["attempts"] == 1 and dl["error"] is None
	assert re.fullmatch(ISO, dl["last"])
	# every rua of the report is done: the store forgets the results
	for day in j.doc["days"]:
		assert dom not in [x["domain"] for x in day["domains"]]
	h = run_ctl(rd, ["report", "list"])
	assert h.rc == 0, h
	assert re.search(r"^DAY +DOMAIN +RUA +STATUS +ATTEMPTS +LAST_TRY +"
	    r"NEXT_TRY +ERROR$", h.out, re.M), h.out
	row = [x for x in h.out.split("\n") if "mailto:tlsrpt@" + dom in x]
	assert len(row) == 1
	# (the daemon's TLS-RPT clock is pinned to noon: any age will do)
	assert re.match(r"^%s +%s +mailto:tlsrpt@%s +sent +1 +%s \((\d+[smh] ago|"
	    r"in \d+[smh]|now)\) +- +-$" % (today(), re.escape(dom),
	    re.escape(dom), ISO), row[0]), h.out

	# a sent rua is not sent again
	again = run_ctl(rd, ["report", "send", "--day", today(), dom],
	    json_out=True)
	assert again.rc == 0, again
	assert again.doc["sent"] == 0 and again.doc["attempts"] == 0
	assert len(sink_mails(rd.mail)) == before + 1


def test_send_json(world, rd, fresh):
	"""--json: the daemon's reply without "ok"."""
	dom = fresh("sjs")
	rec = publish(world, dom)
	feed(rd, dom, rec, 2, [])
	r = run_ctl(rd, ["report", "send", dom, "--day=" + today()],
	    json_out=True)
	assert r.rc == 0, r
	assert set(r.doc) == SEND_KEYS
	assert r.doc["day"] == today() and r.doc["domain"] == dom
	assert r.doc["day_start"] == day_start()
	assert (r.doc["reports"], r.doc["attempts"], r.doc["sent"],
	    r.doc["failed"], r.doc["dropped"]) == (1, 1, 1, 0, 0)
	assert r.doc["error"] is None


def test_send_failure(world, rd, fresh):
	"""A sink that refuses: exit 1, the error shown, the rua pending."""
	dom = fresh("sfl")
	rec = publish(world, dom)
	feed(rd, dom, rec, 1, [202])
	before = len(sink_mails(rd.mail))
	with failing_sink(rd):
		r = run_ctl(rd, ["report", "send", "--day", today(), dom])
		assert r.rc == 1, r
		assert re.match(r"^%s %s: 1 report, 1 attempt, 0 sent, "
		    r"1 failed, 0 dropped; last error: \S" % (today(),
		    re.escape(dom)), r.out), r
		# --json: the reply all the same, and exit 1
		j = run_ctl(rd, ["report", "send", "--day", today(), dom],
		    json_out=True)
		assert j.rc == 1, j
		assert j.doc["failed"] == 1 and isinstance(j.doc["error"], str)
	assert len(sink_mails(rd.mail)) == before
	j = run_ctl(rd, ["report", "list"], json_out=True)
	[dl] = [x for x in j.doc["deliveries"] if x["domain"] == dom]
	assert dl["status"] == "pending" and dl["attempts"] == 2
	assert isinstance(dl["error"], str) and dl["error"]
	assert re.fullmatch(ISO, dl["next"])
	# still stored: not every rua is done
	[day] = [x for x in j.doc["days"] if x["day"] == today()]
	assert dom in [x["domain"] for x in day["domains"]]
	h = run_ctl(rd, ["report", "list"])
	row = [x for x in h.out.split("\n") if re.match(r"^%s +%s +mailto:" %
	    (today(), re.escape(dom)), x)]
	assert len(row) == 1 and " pending " in row[0], h.out
	# next try: ISO time and age (the pinned clock makes any age right)
	assert re.search(r" %s \((in \d+[smhd]|\d+[smhd] ago|now)\) " % ISO,
	    row[0]), row[0]
	# the sink takes mail again: the retry, asked for, goes out
	r = run_ctl(rd, ["report", "send", "--day", today(), dom])
	assert r.rc == 0, r
	assert len(sink_mails(rd.mail)) == before + 1


def test_send_one_rua_fails(world, rd, fresh):
	"""Each rua on its own: mailto: delivered, https: refused; exit 1."""
	srv = start_receiver(world, fresh("rcv"))
	try:
		srv.status = 500
		dom = fresh("smx")
		rec = publish(world, dom, "tlsrpt", srv.url)
		feed(rd, dom, rec, 2, [])
		before = len(sink_mails(rd.mail))
		r = run_ctl(rd, ["report", "send", "--day", today(), dom],
		    json_out=True)
		assert r.rc == 1, r
		assert (r.doc["reports"], r.doc["attempts"], r.doc["sent"],
		    r.doc["failed"]) == (1, 2, 1, 1)
		assert len(srv.posts) == 1
		assert len(sink_mails(rd.mail)) == before + 1
		st = {x["rua"]: x["status"] for x in run_ctl(rd, ["report",
		    "list"], json_out=True).doc["deliveries"]
		    if x["domain"] == dom}
		assert st == {"mailto:tlsrpt@" + dom: "sent",
		    srv.url: "pending"}
		# the receiver accepts now; only the https: rua goes again
		srv.status = 200
		r = run_ctl(rd, ["report", "send", "--day", today(), dom])
		assert r.rc == 0, r
		assert ", 1 attempt, 1 sent, 0 failed" in r.out, r
		assert len(srv.posts) == 2
		assert len(sink_mails(rd.mail)) == before + 1
	finally:
		stop_receiver(srv)


def test_send_nothing(rd, fresh):
	"""Nothing stored for the domain: nothing to do, exit 0."""
	dom = fresh("snone")
	r = run_ctl(rd, ["report", "send", "--day", today(), dom],
	    json_out=True)
	assert r.rc == 0, r
	assert (r.doc["reports"], r.doc["attempts"]) == (0, 0)
	r = run_ctl(rd, ["report", "send", "--day", today(), dom])
	assert r.rc == 0, r
	assert r.out == "%s %s: 0 reports, 0 attempts, 0 sent, 0 failed, " \
	    "0 dropped\n" % (today(), dom)


def test_send_all_domains(world, tmp_path, fresh):
	"""Without DOMAIN every domain of the day goes (own daemon)."""
	d = make_daemon(world, tmp_path)
	d.start(env=tlsrpt_clock_env())
	try:
		doms = [fresh("all"), fresh("all")]
		for dom in doms:
			feed(d, dom, publish(world, dom), 1, [202])
		r = run_ctl(d, ["report", "send", "--day", today()])
		assert r.rc == 0, r
		assert r.out == "%s all domains: 2 reports, 2 attempts, " \
		    "2 sent, 0 failed, 0 dropped\n" % today(), r
		got = sorted(m["TLS-Report-Domain"] for m in mails(d))
		assert got == sorted(doms)
	finally:
		rc, _ = d.stop(5)
		d.cleanup()
	assert rc == 0


def test_send_reporting_off(world, tmp_path):
	"""tlsrpt_enable = no: the daemon refuses, exit 1."""
	d = make_daemon(world, tmp_path, tlsrpt_enable="no")
	d.start(env=tlsrpt_clock_env())
	try:
		r = run_ctl(d, ["report", "send", "--day", today()])
		assert r.rc == 1, r
		assert "reporting is off (tlsrpt_enable = no)" in r.err
		assert r.out == ""
		j = run_ctl(d, ["report", "send"], json_out=True)
		assert j.rc == 1
		assert j.doc == {"error":
		    "reporting is off (tlsrpt_enable = no)"}
	finally:
		rc, _ = d.stop(5)
		d.cleanup()
	assert rc == 0


# report view FILE on received mails whose MIME parameters are quoted,
# escaped or RFC 2231-encoded (issue 15 item 4). No daemon is needed.
VIEW_REPORT = {"organization-name": "MIME Org", "report-id": "mime-1",
    "date-range": {"start-datetime": "2016-04-01T00:00:00Z",
	"end-datetime": "2016-04-01T23:59:59Z"},
    "contact-info": "r@mime.example",
    "policies": [{"policy": {"policy-type": "sts",
	"policy-domain": "mime.example"},
	"summary": {"total-successful-session-count": 7,
	    "total-failure-session-count": 2},
	"failure-details": [{"result-type": "certificate-expired",
	    "receiving-mx-hostname": "mx.mime.example",
	    "failed-session-count": 2}]}]}
DECOY = {"organization-name": "Decoy", "report-id": "decoy",
    "policies": []}


def mime_mail(ctype, parts, preamble="This is a MIME message.\n"):
	"""mime_mail - a mail of Content-Type ctype (a raw header value)
	whose body is the preamble and the given raw parts."""
	return ("From: r@mime.example\nSubject: report\nMIME-Version: 1.0\n"
	    "Content-Type: %s\n\n%s%s" % (ctype, preamble, parts)).encode()


def gz_part(disp, ctype="application/octet-stream", rep=VIEW_REPORT):
	"""gz_part - a base64 part holding the gzipped report, with the raw
	Content-Disposition value disp."""
	import base64
	import gzip
	b64 = base64.encodebytes(gzip.compress(json.dumps(rep).encode()))
	return ("Content-Type: %s\nContent-Transfer-Encoding: base64\n"
	    "Content-Disposition: %s\n\n%s" % (ctype, disp, b64.decode()))


def run_view(tmp_path, data):
	"""run_view - mtasts-ctl --json report view on data: (rc, doc)."""
	f = tmp_path / "mail.eml"
	f.write_bytes(data)
	r = subprocess.run([CTL, "--json", "report", "view", str(f)],
	    capture_output=True, text=True, timeout=30)
	return r.returncode, json.loads(r.stdout) if r.stdout else None


def text_part(body):
	"""text_part - a text/plain part."""
	return "Content-Type: text/plain\n\n" + body


@pytest.mark.parametrize("ctype,boundary", [
	# A quoted boundary may hold ';', ' ' and '=' (RFC 2046 bchars).
	('multipart/report; report-type=tlsrpt; boundary="a;b c=d"', "a;b c=d"),
	# A quoted ';' or "boundary=" inside another parameter is its value.
	('multipart/mixed; x="; boundary=evil"; boundary="real"', "real"),
	('multipart/mixed; x="a\\"; boundary=evil"; boundary=real', "real"),
	# White space and comments around '=' and ';' (RFC 2045 lexical).
	('multipart/mixed ; boundary = "sp" (a comment)', "sp"),
	('multipart/mixed;(c; boundary=evil) boundary=cm', "cm"),
	# Parameter names are case-insensitive.
	('multipart/mixed; BOUNDARY="up"', "up"),
	# RFC 2231: an encoded boundary and one in continuations.
	("multipart/mixed; boundary*=us-ascii'en'pct%3Bb", "pct;b"),
	('multipart/mixed; boundary*0="con"; boundary*1=t*1', "cont*1"),
])
def test_view_mime_boundary(tmp_path, ctype, boundary):
	"""report view splits a multipart at the boundary its parameter
	really names: quoted, escaped, commented or RFC 2231-encoded."""
	d = "--" + boundary
	evil = "--evil\n" + gz_part("attachment; filename=d.json.gz",
	    rep=DECOY) + "\n"
	parts = "%s\n%s\n%s%s\n%s\n%s--\n" % (d, text_part("hi\n" + evil), d,
	    "", gz_part("attachment; filename=r.json.gz"), d)
	rc, doc = run_view(tmp_path, mime_mail(ctype, parts))
	assert rc == 0, (ctype, doc)
	assert doc["report-id"] == "mime-1", doc
	assert doc["policies"][0]["failures_by_type"] == \
	    {"certificate-expired": 2}


@pytest.mark.parametrize("disp", [
	'attachment; filename="x y.json.gz"',
	'attachment; filename="x\\"y.json.gz"',
	"attachment; filename*=UTF-8''report%20one.json.gz",
	"attachment; filename*=''r.json%2Egz",
	"attachment; filename*0*=UTF-8''rep%20; filename*1=\"ort.json.gz\"",
	'attachment; filename*0="a"; filename*1="b.js"; filename*2="on.gz"',
	# The RFC 2231 form wins over a plain fallback (RFC 6266 4.3).
	"attachment; filename=x.txt; filename*=''y.json.gz",
])
def test_view_mime_filename(tmp_path, disp):
	"""report view finds a report part of a generic type by its file
	name, quoted, escaped or RFC 2231-encoded in pieces."""
	parts = "--b\n%s\n--b\n%s\n--b--\n" % (text_part("hi\n"),
	    gz_part(disp))
	rc, doc = run_view(tmp_path, mime_mail("multipart/mixed; boundary=b",
	    parts))
	assert rc == 0, (disp, doc)
	assert doc["report-id"] == "mime-1", doc


@pytest.mark.parametrize("disp", [
	"attachment; filename*=UTF-8''r.json.gz%00.txt",
	"attachment; filename*1=\"r.json.gz\"",
	'attachment; filename="r.json.gz.txt"',
	'attachment; x="; filename=r.json.gz"',
])
def test_view_mime_not_a_report_name(tmp_path, disp):
	"""A name that does not end in .json or .json.gz once decoded (or a
	continuation without its piece 0, or one inside another parameter)
	does not make a generic part a report."""
	parts = "--b\n%s\n--b--\n" % gz_part(disp)
	rc, doc = run_view(tmp_path, mime_mail("multipart/mixed; boundary=b",
	    parts))
	assert rc == 1, (disp, doc)


def test_view_mime_delimiter_at_line_start(tmp_path):
	"""A boundary is a delimiter only at the start of a line and followed
	by nothing but white space: "--b--" inside a text line, "--bx" or
	"--b--x" do not end the multipart."""
	body = "see --b-- inline\n--bx\n--b--x\n"
	parts = "--b\n%s\n--b  \n%s\n--b--\n" % (text_part(body),
	    gz_part("attachment; filename=r.json.gz"))
	rc, doc = run_view(tmp_path, mime_mail("multipart/mixed; boundary=b",
	    parts))
	assert rc == 0, doc
	assert doc["report-id"] == "mime-1"


def test_view_file_size_limit(tmp_path):
	"""report view reads a file of up to 32 MiB (CTL_VIEW_FILE_MAX),
	growing its buffer as it reads, and refuses a larger one with the
	reason, whatever it holds."""
	rep = json.dumps(VIEW_REPORT).encode()
	big = rep + b" " * (32 * 1024 * 1024 - len(rep))
	rc, doc = run_view(tmp_path, big)
	assert rc == 0, doc
	assert doc["report-id"] == VIEW_REPORT["report-id"], doc
	rc, doc = run_view(tmp_path, big + b" ")
	assert rc != 0 and "too large" in doc["error"].lower(), (rc, doc)
