#
# test_tlsrpt_send.py - RFC 8460 report delivery (policyd/tlsrpt/
# tlsrpt_send.c, tlsrpt_mail.c, tlsrpt_https.c) through
# tests/tools/tlsrpt-send-cli, against real receivers.
#
# DESCRIPTION
#	mailto: the report mail goes to tlsrpt_sendmail, here a sink
#	that writes argv and stdin to files (as sendmail -i -t would read
#	it); Python's email parser checks the MIME structure (R10, U08),
#	the gzipped JSON is checked field by field (R4-R8), and python3-dkim
#	verifies the libopendkim signature against the key the test world's
#	DNS publishes at SELECTOR._domainkey.DOMAIN (R10: no l=, TLS-Report-*
#	signed, s=tlsrpt).
#	https: a POST to a small HTTPS receiver with a test-CA certificate,
#	its name resolved through the world's DNS (R11): 2xx succeeds,
#	other statuses, redirects and untrusted certificates fail.
#	Hostile rua URIs and HELO strings cannot inject headers (S8).
#	mtasts-ctl report view summarises what the receivers got: the
#	whole mail (LF or CRLF), the .json.gz attachment and the JSON.
#
import email
import email.policy
import gzip
import json
import os
import re
import socket
import subprocess
import threading

import pytest

from helpers import tool_path, world_client_config, write_config
from tlsrpt_checks import (RESULT_TYPES, dnsfunc, make_dkim_key, make_sink,
    start_receiver, stop_receiver)

SEND_CLI = tool_path("tlsrpt-send-cli")
CTL = os.environ.get("MTASTS_CTL") or os.path.join(os.path.dirname(
    os.path.dirname(SEND_CLI)), "..", "ctl", "mtasts-ctl")
DAY = 1459468800			# 2016-04-01T00:00:00Z
NOW = 1459500000
DOMAIN = "tlsrpt-send.test"
SENDER = "sender-tlsrpt.test"
SELECTOR = "tlsrpt2026"

pytestmark = pytest.mark.skipif(not os.path.exists(SEND_CLI),
    reason="tests/tools/tlsrpt-send-cli not built")


@pytest.fixture(scope="module")
def dkim_key(tmp_path_factory, world):
	"""dkim_key - an RSA key; its public half published in the world DNS."""
	return make_dkim_key(world, tmp_path_factory.mktemp("dkim"), SELECTOR,
	    SENDER)


def sink(tmp_path):
	"""sink - a sendmail-compatible program and the directory it fills."""
	return make_sink(tmp_path)


def send(world, tmp_path, rua, timeout=60, **conf):
	"""send - run tlsrpt-send-cli; the CompletedProcess."""
	c = world_client_config(world)
	c.update({"tlsrpt_org_name": "Sender \"Org\"",
	    "tlsrpt_contact": "tlsrpt@" + SENDER,
	    "tlsrpt_from": "tlsrpt@" + SENDER})
	c.update(conf)
	path = write_config(str(tmp_path / "mtasts.conf"), c)
	return subprocess.run([SEND_CLI, "-c", path, "-d", str(DAY), "-n",
	    str(NOW), DOMAIN, rua], capture_output=True, text=True,
	    timeout=timeout)


def check_report(raw_json):
	"""check_report - RFC 8460 §4.4 field by field; the parsed report."""
	rep = json.loads(raw_json)
	assert list(rep) == ["organization-name", "date-range", "contact-info",
	    "report-id", "policies"]
	assert rep["organization-name"] == "Sender \"Org\""
	assert rep["date-range"] == {"start-datetime": "2016-04-01T00:00:00Z",
	    "end-datetime": "2016-04-01T23:59:59Z"}
	assert rep["contact-info"] == "tlsrpt@" + SENDER
	assert re.fullmatch(r"[0-9a-f]{32}@" + re.escape(SENDER),
	    rep["report-id"])
	assert isinstance(rep["policies"], list) and len(rep["policies"]) == 2
	for p in rep["policies"]:
		assert set(p) == {"policy", "summary", "failure-details"}
		pol = p["policy"]
		assert pol["policy-type"] in ("sts", "tlsa", "no-policy-found")
		assert pol["policy-domain"] == DOMAIN
		if pol["policy-type"] == "sts":
			assert pol["policy-string"] == ["version: STSv1",
			    "mode: enforce", "mx: mx1." + DOMAIN, "max_age: 86400"]
			assert pol["mx-host"] == ["mx1." + DOMAIN, "*." + DOMAIN]
		s = p["summary"]
		assert set(s) == {"total-successful-session-count",
		    "total-failure-session-count"}
		assert all(type(v) is int for v in s.values())
		for f in p["failure-details"]:
			assert f["result-type"] in RESULT_TYPES
			assert type(f["failed-session-count"]) is int
			assert set(f) <= {"result-type", "sending-mta-ip",
			    "receiving-mx-hostname", "receiving-mx-helo",
			    "receiving-ip", "failed-session-count",
			    "additional-information", "failure-reason-code"}
	sts = rep["policies"][0]
	assert sts["summary"] == {"total-successful-session-count": 10,
	    "total-failure-session-count": 3}
	assert sts["failure-details"][0]["receiving-mx-helo"] == \
	    "evil\"},{\"injected\":1}\r\nX-Injected: yes"
	assert "receiving-mx-helo" not in sts["failure-details"][1]
	nopol = rep["policies"][1]["policy"]
	assert nopol == {"policy-type": "no-policy-found",
	    "policy-domain": DOMAIN}
	return rep


def test_mailto_signed_report(world, tmp_path, dkim_key):
	"""R4-R10, U08: the mail a sendmail sink receives, parsed and verified."""
	prog, out = sink(tmp_path)
	r = send(world, tmp_path, "mailto:tlsrpt%2Bsts@" + DOMAIN,
	    tlsrpt_sendmail=prog + " -i -t", tlsrpt_dkim_domain=SENDER,
	    tlsrpt_dkim_selector=SELECTOR, tlsrpt_dkim_key=dkim_key)
	assert r.returncode == 0, r.stderr
	assert json.loads((out / "000.argv").read_text()) == ["-f", "tlsrpt@" + SENDER, "-i", "-t"]
	raw = (out / "000.eml").read_bytes()
	assert b"\r" not in raw
	msg = email.message_from_bytes(raw, policy=email.policy.default)
	assert msg["To"].addresses[0].addr_spec == "tlsrpt+sts@" + DOMAIN
	assert msg["From"] == "tlsrpt@" + SENDER
	assert msg["TLS-Report-Domain"] == DOMAIN
	assert msg["TLS-Report-Submitter"] == SENDER
	assert msg["TLS-Required"] == "No"
	assert msg["Auto-Submitted"] == "auto-generated"
	assert msg["MIME-Version"] == "1.0"
	assert msg["Date"] == "Fri, 01 Apr 2016 08:40:00 +0000"
	assert msg["Message-ID"].endswith("@%s>" % SENDER)
	assert msg["X-Injected"] is None
	assert msg.get_content_type() == "multipart/report"
	assert msg.get_param("report-type") == "tlsrpt"
	parts = list(msg.iter_parts())
	assert [p.get_content_type() for p in parts] == ["text/plain",
	    "application/tlsrpt+gzip"]
	assert "aggregate TLS report" in parts[0].get_content()
	att = parts[1]
	assert att["Content-Transfer-Encoding"] == "base64"
	name = att.get_filename()
	m = re.fullmatch(r"%s!%s!(\d+)!(\d+)!([0-9a-f]{32})\.json\.gz" %
	    (re.escape(SENDER), re.escape(DOMAIN)), name)
	assert m and int(m.group(1)) == DAY and int(m.group(2)) == DAY + 86399
	rep = check_report(gzip.decompress(att.get_content()))
	assert rep["report-id"] == "%s@%s" % (m.group(3), SENDER)
	assert str(msg["Subject"]) == "Report Domain: %s Submitter: %s " \
	    "Report-ID: <%s>" % (DOMAIN, SENDER, rep["report-id"])
	# DKIM (R10): libopendkim's signature, verified with the DNS key.
	import dkim
	sig = dkim.util.parse_tag_value(msg["DKIM-Signature"].encode()
	    .replace(b"\n", b"").replace(b" ", b"").replace(b"\t", b""))
	assert b"l" not in sig
	signed = sig[b"h"].lower().split(b":")
	assert b"tls-report-domain" in signed
	assert b"tls-report-submitter" in signed
	assert sig[b"d"] == SENDER.encode() and sig[b"s"] == SELECTOR.encode()
	assert dkim.verify(raw, dnsfunc=dnsfunc(world), tlsrpt=True)
	assert dkim.verify(raw.replace(b"TLS-Report-Domain: " +
	    DOMAIN.encode(), b"TLS-Report-Domain: other.test"),
	    dnsfunc=dnsfunc(world)) is False
	# mtasts-ctl report view on what the sink received.
	att_gz = att.get_content()
	files = {"report.eml": raw, "crlf.eml": raw.replace(b"\n", b"\r\n"),
	    name: att_gz, "report.json": gzip.decompress(att_gz)}
	for fname, data in files.items():
		(tmp_path / fname).write_bytes(data)
		v = view(tmp_path / fname, "--json")
		assert v.returncode == 0, (fname, v.stderr)
		check_view(json.loads(v.stdout), rep)
	v = view(tmp_path / "report.eml")
	assert v.returncode == 0
	assert re.search(r"^sts\s+%s\s+10\s+3$" % re.escape(DOMAIN), v.stdout,
	    re.M)
	assert re.search(r"^%s\s+type\s+starttls-not-supported\s+2$" %
	    re.escape(DOMAIN), v.stdout, re.M)
	assert re.search(r"^%s\s+mx\s+mx1\.%s\s+2$" % (re.escape(DOMAIN),
	    re.escape(DOMAIN)), v.stdout, re.M)
	assert "report-id:    " + rep["report-id"] in v.stdout


def view(path, *opts):
	"""view - mtasts-ctl [opts] report view PATH."""
	return subprocess.run([CTL] + list(opts) + ["report", "view",
	    str(path)], capture_output=True, text=True, timeout=30)


def check_view(doc, rep):
	"""check_view - report view --json against the report it read."""
	assert doc["report-id"] == rep["report-id"]
	assert doc["organization-name"] == rep["organization-name"]
	assert doc["start-datetime"] == "2016-04-01T00:00:00Z"
	assert [p["policy-type"] for p in doc["policies"]] == ["sts",
	    "no-policy-found"]
	sts = doc["policies"][0]
	assert (sts["successful"], sts["failed"]) == (10, 3)
	assert sts["failures_by_type"] == {"starttls-not-supported": 2,
	    "certificate-expired": 1}
	assert sts["failures_by_mx"] == {"mx1." + DOMAIN: 2, DOMAIN: 1}
	assert sts["mx-host"] == ["mx1." + DOMAIN, "*." + DOMAIN]


@pytest.mark.parametrize("data", [b"", b"hello\n", b"\x1f\x8bgarbage",
    b"{\"policies\": 1}", b"Content-Type: multipart/mixed; boundary=x\n\n"
    b"--x\nContent-Type: text/plain\n\nhi\n--x--\n"])
def test_view_not_a_report(tmp_path, data):
	"""report view: files without a report are a negative answer."""
	(tmp_path / "f").write_bytes(data)
	v = view(tmp_path / "f", "--json")
	assert v.returncode == 1
	assert "error" in json.loads(v.stdout)
	assert view(tmp_path / "missing").returncode == 2


def test_mailto_same_report_same_id(world, tmp_path):
	"""DESIGN §6b: a retry carries the same report-id and file name."""
	prog, out = sink(tmp_path)
	for _ in range(2):
		r = send(world, tmp_path, "mailto:r@" + DOMAIN,
		    tlsrpt_sendmail=prog)
		assert r.returncode == 0, r.stderr
	a, b = (email.message_from_bytes((out / n).read_bytes(),
	    policy=email.policy.default) for n in ("000.eml", "001.eml"))
	assert "DKIM-Signature" not in a
	assert a["Subject"] == b["Subject"]
	assert list(a.iter_parts())[1].get_filename() == \
	    list(b.iter_parts())[1].get_filename()


@pytest.mark.parametrize("rua", [
	"mailto:a@b.test%0ABcc:%20x@evil.test",
	"mailto:a@b.test,x@evil.test",
	"mailto:a@b.test%2Cx@evil.test",
	"mailto:%22a%20b%22@b.test",
	"mailto:",
	"ftp://b.test/",
])
def test_mailto_hostile_uri(world, tmp_path, rua):
	"""S8: a rua from DNS cannot add headers or recipients."""
	prog, out = sink(tmp_path)
	r = send(world, tmp_path, rua, tlsrpt_sendmail=prog)
	assert r.returncode == 1
	assert "unusable rua" in r.stderr
	assert list(out.iterdir()) == []


def test_sendmail_failure(world, tmp_path):
	"""R12: a failing submission program is a failed delivery."""
	r = send(world, tmp_path, "mailto:r@" + DOMAIN,
	    tlsrpt_sendmail="/bin/false")
	assert r.returncode == 1 and "exit status 1" in r.stderr
	r = send(world, tmp_path, "mailto:r@" + DOMAIN,
	    tlsrpt_sendmail="/nonexistent/sendmail -t")
	assert r.returncode == 1 and "exit status 127" in r.stderr


@pytest.fixture
def receiver(world):
	"""receiver - an HTTPS server on loopback with a test-CA certificate."""
	srv = start_receiver(world, "rua." + DOMAIN)
	yield srv
	stop_receiver(srv)


def test_https_post(world, tmp_path, receiver):
	"""R11: POST application/tlsrpt+gzip, verified TLS, 2xx succeeds."""
	for status in (200, 201):
		receiver.status = status
		r = send(world, tmp_path, receiver.url)
		assert r.returncode == 0, r.stderr
	assert len(receiver.posts) == 2
	path, headers, body = receiver.posts[0]
	assert path == "/v1/tlsrpt"
	assert headers["Content-Type"] == "application/tlsrpt+gzip"
	rep = check_report(gzip.decompress(body))
	assert receiver.posts[1][2] == body
	(tmp_path / "post.json.gz").write_bytes(body)
	v = view(tmp_path / "post.json.gz", "--json")
	assert v.returncode == 0, v.stderr
	check_view(json.loads(v.stdout), rep)


@pytest.mark.parametrize("status", [500, 404, 302])
def test_https_failure_status(world, tmp_path, receiver, status):
	"""R11: anything but 2xx fails; a redirect is not followed."""
	receiver.status = status
	r = send(world, tmp_path, receiver.url)
	assert r.returncode == 1 and "HTTP status %d" % status in r.stderr
	assert len(receiver.posts) == 1


def test_https_untrusted(world, tmp_path, receiver):
	"""R11: the receiver's certificate is verified against tls_ca_file."""
	r = send(world, tmp_path, receiver.url,
	    tls_ca_file=world.rogue_ca_file)
	assert r.returncode == 1
	assert receiver.posts == []


def test_https_cn_only_refused(world, tmp_path):
	"""Issue 15.3: the POST checks the name as the policy fetch does, by
	DNS-ID only: a certificate naming the host in its CN alone fails."""
	host = "rua-cn." + DOMAIN
	srv = start_receiver(world, host, crt=world.certs.leaf("cn-only." +
	    host, sans=[], cn=host))
	try:
		r = send(world, tmp_path, srv.url)
		assert r.returncode == 1, r.stderr
		assert srv.posts == []
	finally:
		stop_receiver(srv)


def test_https_tls11_refused(world, tmp_path):
	"""Issue 15.3: the POST has the policy fetch's TLS 1.2 floor."""
	srv = start_receiver(world, "rua11." + DOMAIN, tls11=True)
	try:
		r = send(world, tmp_path, srv.url)
		assert r.returncode == 1, r.stderr
		assert srv.posts == []
	finally:
		stop_receiver(srv)


def test_https_redirect_not_followed(world, tmp_path, receiver):
	"""Issue 15.3: a 3xx with a Location is the failure, never followed."""
	receiver.status = 301
	r = send(world, tmp_path, receiver.url)
	assert r.returncode == 1 and "HTTP status 301" in r.stderr
	assert len(receiver.posts) == 1


def test_https_only_resolved_addresses(world, tmp_path):
	"""Issue 15.3: the POST connects only where the resolver said, as the
	policy fetch does (one set-up, common/net/https.c). The rua host
	0x7f.1 is an A record of 127.0.0.2 in the world DNS; curl reads the
	name as the IPv4 literal 127.0.0.1 and, without the opensocket check,
	connected there. Now no connection reaches 127.0.0.1."""
	lsn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	lsn.bind(("127.0.0.1", 0))
	lsn.listen(8)
	lsn.settimeout(0.2)
	accepted = []
	done = threading.Event()

	def accept_loop():
		while not done.is_set():
			try:
				c, _ = lsn.accept()
			except socket.timeout:
				continue
			except OSError:
				return
			accepted.append(c.getpeername())
			c.close()

	t = threading.Thread(target=accept_loop, daemon=True)
	t.start()
	zones = list(world.state["zones"])
	try:
		with world.batch():
			world.state["zones"] = zones + ["1"]
			world.set_records("0x7f.1", [["A", "127.0.0.2"]])
		r = send(world, tmp_path, "https://0x7f.1:%d/v1/tlsrpt" %
		    lsn.getsockname()[1])
		assert r.returncode == 1, r.stderr
		assert "not resolved by the resolver refused" in r.stderr, \
		    r.stderr
		assert accepted == []
	finally:
		done.set()
		t.join(5)
		lsn.close()
		with world.batch():
			world.set_records("0x7f.1", None)
			world.state["zones"] = zones


def test_view_no_failures(tmp_path):
	"""report view of a report where every session succeeded (RFC 8460
	appendix B's shape, failure-details empty): the totals, and a plain
	"no failed sessions" instead of an empty failure table."""
	rep = {"organization-name": "Company-X",
	    "date-range": {"start-datetime": "2016-04-01T00:00:00Z",
		"end-datetime": "2016-04-01T23:59:59Z"},
	    "contact-info": "sts-reporting@company-x.example",
	    "report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
	    "policies": [{"policy": {"policy-type": "sts",
		"policy-string": ["version: STSv1", "mode: testing",
		    "mx: *.mail.company-y.example", "max_age: 86400"],
		"policy-domain": "company-y.example",
		"mx-host": ["*.mail.company-y.example"]},
		"summary": {"total-successful-session-count": 5326,
		    "total-failure-session-count": 0},
		"failure-details": []}]}
	(tmp_path / "r.json").write_text(json.dumps(rep))
	v = view(tmp_path / "r.json")
	assert v.returncode == 0, v.stderr
	assert re.search(r"^sts +company-y\.example +5326 +0$", v.stdout,
	    re.M), v.stdout
	assert v.stdout.rstrip().endswith("no failed sessions"), v.stdout
	assert "BY" not in v.stdout


def test_view_huge_counts(tmp_path):
	"""report view adds up failed-session-count values from a stranger's
	report: a sum past 2^63-1 saturates instead of overflowing (UBSan
	aborted here before), and negative counts count as 0 (issue 16.9)."""
	big = 2 ** 63 - 1
	rep = {"organization-name": "Big", "report-id": "x",
	    "date-range": {"start-datetime": "2016-04-01T00:00:00Z",
		"end-datetime": "2016-04-01T23:59:59Z"},
	    "contact-info": "r@big.example",
	    "policies": [{"policy": {"policy-type": "sts",
		"policy-domain": "big.example"},
		"summary": {"total-successful-session-count": -5,
		    "total-failure-session-count": big},
		"failure-details": [
		    {"result-type": "certificate-expired",
			"receiving-mx-hostname": "mx.big.example",
			"failed-session-count": big},
		    {"result-type": "certificate-expired",
			"receiving-mx-hostname": "mx.big.example",
			"failed-session-count": big},
		    {"result-type": "certificate-expired",
			"receiving-mx-hostname": "mx.big.example",
			"failed-session-count": -7}]}]}
	(tmp_path / "r.json").write_text(json.dumps(rep))
	v = view(tmp_path / "r.json", "--json")
	assert v.returncode == 0, v.stderr
	pol = json.loads(v.stdout)["policies"][0]
	assert pol["successful"] == 0 and pol["failed"] == big
	assert pol["failures_by_type"] == {"certificate-expired": big}
	assert pol["failures_by_mx"] == {"mx.big.example": big}
	v = view(tmp_path / "r.json")
	assert v.returncode == 0, v.stderr
	assert re.search(r"^big\.example +type +certificate-expired +%d$" % big,
	    v.stdout, re.M), v.stdout


@pytest.mark.parametrize("url", [
	"https://u@rua.%s/v1" % DOMAIN,
	"https://:@rua.%s/v1" % DOMAIN,
	"https://rua.%s:1@evil.test/v1" % DOMAIN,
	"https://[::1]/v1",
	"https://rua.%s:/v1" % DOMAIN,
	"https://rua.%s:0/v1" % DOMAIN,
	"https://rua.%s:65536/v1" % DOMAIN,
	"https://r%%75a.%s/v1" % DOMAIN,
	"https:/rua.%s/v1" % DOMAIN,
	"https:///v1",
])
def test_https_unusable_uri(world, tmp_path, receiver, url):
	"""An https: rua from DNS is used only as https://HOST[:PORT]/...
	with HOST a domain name: no userinfo, IPv6 literals, empty or
	out-of-range ports or percent-encoded hosts, whatever libcurl's
	more lenient parser would make of them; nothing is posted."""
	r = send(world, tmp_path, url)
	assert r.returncode == 1, r.stderr
	assert "unusable https URI" in r.stderr, r.stderr
	assert receiver.posts == []
