#
# tlsrpt_checks.py - what the TLS-RPT tests share: receivers of reports,
# the libtlsrpt datagram format, and the RFC 8460 checks.
#
# DESCRIPTION
#	Receivers: SINK is a sendmail-compatible program (make_sink) that
#	writes its argv and stdin to NNN.argv / NNN.eml in a directory, and
#	exits 1 without writing anything while a file "fail" exists there.
#	Receiver / start_receiver() is an HTTPS server on loopback with a
#	certificate of the world's test CA, its host name published in the
#	world DNS; it records every POST and answers srv.status.
#	make_dkim_key() makes an RSA key and publishes its public half
#	(s=tlsrpt) at SELECTOR._domainkey.DOMAIN in the world DNS; dnsfunc()
#	is python3-dkim's key lookup asking the world DNS.
#
#	Datagrams as libtlsrpt (Postfix >= 3.10) writes them: dgram(),
#	sts_policy(), nopolicy(), detail(), send_dgram().
#
#	Checks: check_report() is RFC 8460 section 4.4 field by field (key
#	order of Appendix B, date-range of one UTC day, report-id, types of
#	every field, result types of section 4.3); check_report_mail() parses
#	a report mail with Python's email package (section 5.3: MIME
#	structure, header fields, file name, Subject, DKIM) and returns the
#	parts the tests look at further.
#
import base64
import email
import email.policy
import gzip
import http.server
import json
import re
import socket
import ssl
import subprocess
import threading
import time
import warnings

from helpers import dns_query, free_port

RESULT_TYPES = {"starttls-not-supported", "certificate-host-mismatch",
    "certificate-expired", "certificate-not-trusted", "validation-failure",
    "tlsa-invalid", "dnssec-invalid", "dane-required",
    "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"}
REPORT_KEYS = ["organization-name", "date-range", "contact-info",
    "report-id", "policies"]
DETAIL_KEYS = {"result-type", "sending-mta-ip", "receiving-mx-hostname",
    "receiving-mx-helo", "receiving-ip", "failed-session-count",
    "additional-information", "failure-reason-code"}
ISO_DAY = "%Y-%m-%d"


# --- receivers ------------------------------------------------------------

SINK = """#!/usr/bin/python3
import json, os, sys
d = %r
if os.path.exists(os.path.join(d, "fail")):
    sys.stdin.buffer.read()
    sys.stderr.write("sink: told to fail\\n")
    sys.exit(1)
n = len([f for f in os.listdir(d) if f.endswith(".eml")])
data = sys.stdin.buffer.read()
with open(os.path.join(d, "%%03d.argv" %% n), "w") as f:
    json.dump(sys.argv[1:], f)
with open(os.path.join(d, "%%03d.eml" %% n), "wb") as f:
    f.write(data)
"""


def make_sink(directory):
	"""make_sink - a sendmail-compatible program in directory (a
	pathlib.Path) and the directory it fills: (program, mail dir)."""
	out = directory / "mail"
	out.mkdir()
	prog = directory / "sendmail-sink"
	prog.write_text(SINK % str(out))
	prog.chmod(0o755)
	return str(prog), out


def sink_mails(out):
	"""sink_mails - the mails a sink received, in order (bytes)."""
	return [p.read_bytes() for p in sorted(out.glob("*.eml"))]


class Receiver(http.server.BaseHTTPRequestHandler):
	"""Receiver - records each POST; the status comes from the server."""

	def do_POST(self):
		n = int(self.headers.get("Content-Length", "0"))
		body = self.rfile.read(n)
		self.server.posts.append((self.path, dict(self.headers), body))
		self.send_response(self.server.status)
		if self.server.status in (301, 302, 307, 308):
			self.send_header("Location", "/elsewhere")
		self.send_header("Content-Length", "0")
		self.end_headers()

	def log_message(self, *args):
		pass


def start_receiver(world, host, path="/v1/tlsrpt", crt=None, tls11=False):
	"""start_receiver - an HTTPS server on 127.0.0.1 for host (A record
	in the world DNS, test-CA certificate, or crt); srv.url is its rua,
	srv.posts the (path, headers, body) received, srv.status the answer.
	tls11: the server speaks TLS 1.0 and 1.1 only."""
	if crt is None:
		crt = world.certs.leaf(host)
	world.set_records(host, [["A", "127.0.0.1"]])
	srv = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()),
	    Receiver)
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
	ctx.load_cert_chain(crt, world.certs.leaf_key)
	if tls11:
		ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
		ctx.options &= ~getattr(ssl, "OP_NO_TLSv1_1", 0)
		with warnings.catch_warnings():
			warnings.simplefilter("ignore", DeprecationWarning)
			ctx.minimum_version = ssl.TLSVersion.TLSv1
			ctx.maximum_version = ssl.TLSVersion.TLSv1_1
	srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
	srv.posts = []
	srv.status = 200
	srv.url = "https://%s:%d%s" % (host, srv.server_address[1], path)
	t = threading.Thread(target=srv.serve_forever, daemon=True)
	t.start()
	return srv


def stop_receiver(srv):
	"""stop_receiver - shut a start_receiver() server down."""
	srv.shutdown()
	srv.server_close()


# --- DKIM -------------------------------------------------------------------

def make_dkim_key(world, directory, selector, domain):
	"""make_dkim_key - an RSA key file in directory; its public half
	published (s=tlsrpt) at SELECTOR._domainkey.DOMAIN. The key's path."""
	key = str(directory / "dkim.key")
	subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
	    "rsa_keygen_bits:2048", "-out", key], check=True,
	    capture_output=True)
	der = subprocess.run(["openssl", "pkey", "-in", key, "-pubout",
	    "-outform", "DER"], check=True, capture_output=True).stdout
	txt = "v=DKIM1; k=rsa; s=tlsrpt; p=" + base64.b64encode(der).decode()
	chunks = [txt[i:i + 200] for i in range(0, len(txt), 200)]
	world.set_records("%s._domainkey.%s" % (selector, domain),
	    [["TXT", chunks]])
	return key


def dnsfunc(world):
	"""dnsfunc - python3-dkim's key lookup, asking the world DNS."""
	def lookup(name, timeout=5):
		if isinstance(name, bytes):
			name = name.decode()
		r = dns_query(world, name.rstrip("."), "TXT")
		if r is None:
			return None
		for rr in r.rr:
			if rr.rtype == 16:
				return b"".join(rr.rdata.data)
		return None
	return lookup


def dkim_tags(msg):
	"""dkim_tags - the DKIM-Signature of a parsed mail as {tag: value}."""
	import dkim
	return dkim.util.parse_tag_value(str(msg["DKIM-Signature"]).encode()
	    .replace(b"\n", b"").replace(b"\r", b"").replace(b" ", b"")
	    .replace(b"\t", b""))


# --- libtlsrpt datagrams ----------------------------------------------------

def detail(code, mx, sip="127.0.0.1", rip="192.0.2.1", helo=None,
    reason=None):
	"""detail - one failure detail of a datagram (c = libtlsrpt code)."""
	d = {"c": code, "s": sip, "n": mx, "r": rip}
	if helo is not None:
		d["h"] = helo
	if reason is not None:
		d["f"] = reason
	return d


def sts_policy(domain, strings, mx, details=(), failed=None):
	"""sts_policy - one policy-type 2 (sts) element of a datagram."""
	p = {"policy-type": 2, "policy-string": list(strings),
	    "policy-domain": domain, "mx-host": list(mx),
	    "f": int(bool(details)) if failed is None else failed,
	    "t": len(details)}
	if details:
		p["failure-details"] = list(details)
	return p


def nopolicy(domain, details=()):
	"""nopolicy - one policy-type 9 (no-policy-found) element."""
	p = {"policy-type": 9, "policy-domain": domain, "f": int(bool(details)),
	    "t": len(details)}
	if details:
		p["failure-details"] = list(details)
	return p


def dgram(domain, policies, record=None, spaced=False):
	"""dgram - a datagram the way libtlsrpt writes it (bytes)."""
	o = {"dpv": "1", "d": domain}
	if record is not None:
		o["pr"] = record
	o["policies"] = list(policies)
	sep = (", ", ": ") if spaced else (",", ":")
	return json.dumps(o, separators=sep).encode()


def send_dgram(path, data):
	"""send_dgram - one datagram to a collector socket."""
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	try:
		s.sendto(data, path)
	finally:
		s.close()


# --- RFC 8460 checks --------------------------------------------------------

def day_name(day_start):
	"""day_name - YYYY-MM-DD of a day's first second (UTC)."""
	return time.strftime(ISO_DAY, time.gmtime(day_start))


def check_report(rep, org, contact, day_start):
	"""check_report - an RFC 8460 report (parsed JSON) field by field for
	the UTC day starting at day_start; returns {(policy-type,
	policy-domain): policy element}."""
	assert list(rep) == REPORT_KEYS, list(rep)
	assert rep["organization-name"] == org
	day = day_name(day_start)
	assert rep["date-range"] == {"start-datetime": day + "T00:00:00Z",
	    "end-datetime": day + "T23:59:59Z"}
	assert rep["contact-info"] == contact
	submitter = contact.rpartition("@")[2]
	assert re.fullmatch(r"[A-Za-z0-9]+@" + re.escape(submitter),
	    rep["report-id"]), rep["report-id"]
	assert isinstance(rep["policies"], list) and rep["policies"]
	out = {}
	for p in rep["policies"]:
		assert list(p) == ["policy", "summary", "failure-details"]
		pol = p["policy"]
		assert pol["policy-type"] in ("sts", "tlsa", "no-policy-found")
		assert isinstance(pol["policy-domain"], str)
		assert pol["policy-domain"] == pol["policy-domain"].lower()
		if pol["policy-type"] == "no-policy-found":
			assert list(pol) == ["policy-type", "policy-domain"], pol
		else:
			assert isinstance(pol["policy-string"], list)
			assert all(isinstance(s, str) for s in
			    pol["policy-string"])
		if pol["policy-type"] == "sts":
			assert list(pol) == ["policy-type", "policy-string",
			    "policy-domain", "mx-host"], pol
			assert isinstance(pol["mx-host"], list)
			assert all(isinstance(s, str) for s in pol["mx-host"])
		s = p["summary"]
		assert list(s) == ["total-successful-session-count",
		    "total-failure-session-count"]
		assert all(type(v) is int and v >= 0 for v in s.values())
		assert isinstance(p["failure-details"], list)
		for f in p["failure-details"]:
			assert set(f) <= DETAIL_KEYS, f
			assert f["result-type"] in RESULT_TYPES
			assert type(f["failed-session-count"]) is int
			assert f["failed-session-count"] >= 1
			for k in set(f) - {"failed-session-count"}:
				assert isinstance(f[k], str), (k, f)
		key = (pol["policy-type"], pol["policy-domain"])
		assert key not in out, "policy twice: %r" % (key,)
		out[key] = p
	return out


def details_by_type(policy):
	"""details_by_type - {result-type: [failure-details elements]}."""
	out = {}
	for f in policy["failure-details"]:
		out.setdefault(f["result-type"], []).append(f)
	return out


def check_report_mail(raw, world, domain, submitter, day_start, rcpt,
    sender, dkim_selector=None):
	"""check_report_mail - a report mail as submitted (bytes): RFC 8460
	section 5.3 with Python's email parser, and the DKIM signature
	(verified with the key the world DNS publishes) when dkim_selector.
	Returns (parsed report JSON, its raw bytes, the gzip attachment,
	the attachment's file name, UNIQUE of the file name)."""
	msg = email.message_from_bytes(raw, policy=email.policy.default)
	assert [a.addr_spec for a in msg["To"].addresses] == [rcpt]
	assert msg["From"].addresses[0].addr_spec == sender
	assert msg["TLS-Report-Domain"] == domain
	assert msg["TLS-Report-Submitter"] == submitter
	assert msg["TLS-Required"] == "No"
	assert msg["Auto-Submitted"] == "auto-generated"
	assert msg["MIME-Version"] == "1.0"
	assert msg["Date"] is not None and msg["Message-ID"] is not None
	assert msg.get_content_type() == "multipart/report"
	assert msg.get_param("report-type") == "tlsrpt"
	parts = list(msg.iter_parts())
	assert [p.get_content_type() for p in parts] == ["text/plain",
	    "application/tlsrpt+gzip"]
	assert parts[0].get_content().strip()
	att = parts[1]
	assert att["Content-Transfer-Encoding"] == "base64"
	name = att.get_filename()
	m = re.fullmatch(r"%s!%s!(\d+)!(\d+)!([A-Za-z0-9]+)\.json\.gz" %
	    (re.escape(submitter), re.escape(domain)), name or "")
	assert m, name
	assert int(m.group(1)) == day_start
	assert int(m.group(2)) == day_start + 86399
	gz = att.get_content()
	assert gz[:2] == b"\x1f\x8b"
	body = gzip.decompress(gz)
	rep = json.loads(body)
	assert rep["report-id"] == "%s@%s" % (m.group(3), submitter)
	assert str(msg["Subject"]) == "Report Domain: %s Submitter: %s " \
	    "Report-ID: <%s>" % (domain, submitter, rep["report-id"])
	if dkim_selector is not None:
		import dkim
		sig = dkim_tags(msg)
		assert b"l" not in sig
		signed = sig[b"h"].lower().split(b":")
		assert b"tls-report-domain" in signed
		assert b"tls-report-submitter" in signed
		assert sig[b"d"] == submitter.encode()
		assert sig[b"s"] == dkim_selector.encode()
		assert dkim.verify(raw, dnsfunc=dnsfunc(world), tlsrpt=True)
		assert dkim.verify(raw.replace(b"TLS-Report-Domain: " +
		    domain.encode(), b"TLS-Report-Domain: x" +
		    domain.encode()), dnsfunc=dnsfunc(world)) is False
	return rep, body, gz, name, m.group(3)
