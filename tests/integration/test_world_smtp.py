#
# test_world_smtp.py - the SMTP MX peers of the test world, checked with
# Python's smtplib and ssl (no daemon): DNS of the MX catalogue, each
# behaviour, the session and message log, run-time additions.
#
import json
import os
import signal
import smtplib
import socket
import ssl
import subprocess
import time
import warnings

import pytest

from dnslib import QTYPE, RCODE

from helpers import WORLD_DIR, World, dns_query, tls_context
from catalogue import mx_catalogue
from world import MX_BEHAVIOURS, SMTP_DEAD_ADDR, SMTP_MODE_ADDRS

PY = "/usr/bin/python3"


def smtp(world, host, timeout=5):
	"""smtp - an smtplib client connected to the address host resolves to."""
	r = dns_query(world, host, "A")
	addr = str(r.rr[0].rdata)
	s = smtplib.SMTP(timeout=timeout, local_hostname="client.test")
	s.connect(addr, world.smtp_port)
	s._host = host		# SNI and certificate check name for starttls()
	return s


def strict(world):
	"""strict - a client context like the probe's: TLS >= 1.2, DNS-IDs."""
	return tls_context(world.ca_file)


def session_of(world, host, mark, count=1):
	evs = world.wait_smtp_sessions(host, since=mark, count=count)
	assert len(evs) == count, evs
	return evs[-1]


# --- DNS of the MX catalogue ---------------------------------------------

@pytest.mark.parametrize("case", mx_catalogue(), ids=lambda c: c.name)
def test_mx_catalogue_dns(world, case):
	r = dns_query(world, case.domain, "MX")
	got = sorted((x.rdata.preference, str(x.rdata.label).rstrip(".") or
	    ".") for x in r.rr if x.rtype == QTYPE.MX)
	assert got == sorted(case.mx)
	for host, beh in case.hosts.items():
		r = dns_query(world, host, "A")
		addrs = [str(x.rdata) for x in r.rr if x.rtype == QTYPE.A]
		if host in case.addrs:
			assert addrs == [{"@addr": world.addr, "@dead":
			    SMTP_DEAD_ADDR}.get(a, a) for a in case.addrs[host]]
		else:
			assert addrs == [world.mx_addr(beh)]
	r = dns_query(world, "_smtp._tls." + case.domain, "TXT")
	if case.tlsrpt is None:
		assert r.header.rcode == RCODE.NXDOMAIN
	else:
		assert [b"".join(bytes(s) for s in x.rdata.data).decode()
		    for x in r.rr] == case.tlsrpt
	# the policy names the expected MX patterns
	r = dns_query(world, "_mta-sts." + case.domain, "TXT")
	assert r.rr
	assert case.domain in world.mx_cases


def test_mx_catalogue_well_formed():
	cases = mx_catalogue()
	assert len({c.domain for c in cases}) == len(cases)
	results = {r for c in cases for r in c.expect.values()}
	assert results == {"success", "starttls-not-supported",
	    "certificate-host-mismatch", "certificate-expired",
	    "certificate-not-trusted", "validation-failure", "unreachable"}
	for c in cases:
		for h, beh in c.hosts.items():
			assert beh in MX_BEHAVIOURS
	outside = [c for c in cases if c.domain == "mx-outside.test"][0]
	assert not outside.in_policy("mx.mx-outside.test")
	wild = [c for c in cases if c.domain == "wild-mx.test"][0]
	assert wild.in_policy("mx.wild-mx.test")
	assert not wild.in_policy("a.b.wild-mx.test")


def test_mx_null_and_implicit(world):
	r = dns_query(world, "mx-nullmx.test", "MX")
	assert [(x.rdata.preference, str(x.rdata.label)) for x in r.rr] == \
	    [(0, ".")]
	r = dns_query(world, "mx-nomx.test", "MX")
	assert r.header.rcode == RCODE.NOERROR and not r.rr
	r = dns_query(world, "mx-nomx.test", "A")
	assert [str(x.rdata) for x in r.rr] == [world.addr]


# --- behaviours ---------------------------------------------------------

def test_smtp_good_delivery(world):
	mark = world.mark()
	s = smtp(world, "mx.mx-good.test")
	code, _ = s.ehlo()
	assert code == 250 and s.has_extn("starttls")
	s.starttls(context=strict(world))
	version = s.sock.version()
	assert version in ("TLSv1.2", "TLSv1.3")
	s.ehlo()
	msg = b"Subject: t\r\n\r\n.leading dot\r\nline\r\n"
	s.sendmail("a@sender.test", ["x@mx-good.test", "y@mx-good.test"], msg)
	s.quit()
	ev = session_of(world, "mx.mx-good.test", mark)
	assert ev["sni"] == "mx.mx-good.test" and ev["host"] == ev["sni"]
	assert ev["starttls"] and ev["tls_version"] == version
	assert ev["ehlo"] == "client.test"
	assert ev["commands"][:3] == ["EHLO", "STARTTLS", "EHLO"]
	assert ev["mail_from"] and ev["quit"] and ev["messages"] == 1
	assert ev["local"] == world.addr and ev["mode"] == "normal"
	msgs = world.smtp_messages("mx.mx-good.test", since=mark)
	assert len(msgs) == 1
	m = msgs[0]
	assert m["mail_from"] == "<a@sender.test>"
	assert m["rcpt"] == ["<x@mx-good.test>", "<y@mx-good.test>"]
	assert m["data"].encode("latin-1") == msg
	assert m["tls_version"] == ev["tls_version"]
	assert m["sni"] == "mx.mx-good.test"


@pytest.mark.parametrize("host,why", [
    ("mx.mx-badname.test", "Hostname mismatch"),
    ("mx.mx-cnonly.test", "Hostname mismatch"),
    ("mx.mx-partial.test", "Hostname mismatch"),
    ("mx.mx-expired.test", "certificate has expired"),
    ("mx.mx-notyet.test", "certificate is not yet valid"),
    ("mx.mx-untrusted.test", "unable to get local issuer"),
    ("bad.mx-twomx.test", "certificate has expired"),
])
def test_smtp_bad_certificates(world, host, why):
	mark = world.mark()
	s = smtp(world, host)
	s.ehlo()
	assert s.has_extn("starttls")
	with pytest.raises(ssl.SSLCertVerificationError) as e:
		s.starttls(context=strict(world))
	assert why in str(e.value)
	s.close()
	ev = session_of(world, host, mark)
	assert ev["sni"] == host and not ev["starttls"] and ev["tls_error"]
	assert not ev["mail_from"]
	# without verification the same host completes the handshake
	s = smtp(world, host)
	s.ehlo()
	s.starttls(context=tls_context(world.ca_file, verify=False))
	s.ehlo()
	s.quit()


@pytest.mark.parametrize("host", ["mx.wild-mx.test", "good.mx-twomx.test",
    "mx-nomx.test", "mx.mx-outside.test"])
def test_smtp_good_certificates(world, host):
	s = smtp(world, host)
	s.ehlo()
	s.starttls(context=strict(world))
	s.ehlo()
	s.quit()


def test_smtp_nostarttls(world):
	mark = world.mark()
	s = smtp(world, "mx.mx-nostarttls.test")
	s.ehlo()
	assert not s.has_extn("starttls") and s.has_extn("pipelining")
	assert s.docmd("STARTTLS")[0] == 502
	s.quit()
	ev = session_of(world, "mx.mx-nostarttls.test", mark)
	assert ev["mode"] == "nostarttls" and ev["sni"] is None
	assert ev["local"] == SMTP_MODE_ADDRS["nostarttls"]


def test_smtp_starttls_refused(world):
	s = smtp(world, "mx.mx-starttls-refused.test")
	s.ehlo()
	assert s.has_extn("starttls")
	assert s.docmd("STARTTLS")[0] == 454
	s.quit()


def test_smtp_tls11(world):
	mark = world.mark()
	s = smtp(world, "mx.mx-tls11.test")
	s.ehlo()
	with pytest.raises(ssl.SSLError):
		s.starttls(context=strict(world))
	s.close()
	ev = session_of(world, "mx.mx-tls11.test", mark)
	# (the server may refuse the version before it reads the SNI)
	assert not ev["starttls"] and ev["tls_error"]
	# a client that still allows TLS 1.1 gets it
	ctx = strict(world)
	try:
		ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
		with warnings.catch_warnings():
			warnings.simplefilter("ignore", DeprecationWarning)
			ctx.minimum_version = ssl.TLSVersion.TLSv1
	except (ssl.SSLError, ValueError):
		pytest.skip("this OpenSSL has no TLS 1.1 client")
	s = smtp(world, "mx.mx-tls11.test")
	s.ehlo()
	s.starttls(context=ctx)
	assert s.sock.version() == "TLSv1.1"
	s.quit()


def test_smtp_slow_banner(world):
	mark = world.mark()
	t0 = time.time()
	with pytest.raises((socket.timeout, smtplib.SMTPServerDisconnected)):
		smtp(world, "mx.mx-slow.test", timeout=1)
	assert time.time() - t0 < 5
	ev = session_of(world, "mx.mx-slow.test", mark)
	assert ev["mode"] == "slow-banner" and not ev["banner"]


@pytest.mark.parametrize("host,code", [("mx.mx-tempfail.test", 421),
    ("mx.mx-banner554.test", 554)])
def test_smtp_banner_refusals(world, host, code):
	addr = world.mx_addr(world.state["mx_hosts"][host]["behaviour"])
	with pytest.raises(smtplib.SMTPConnectError) as e:
		smtplib.SMTP(addr, world.smtp_port, timeout=5)
	assert e.value.smtp_code == code


def test_smtp_refused_and_fallback(world):
	with pytest.raises(ConnectionRefusedError):
		socket.create_connection((SMTP_DEAD_ADDR, world.smtp_port), 2)
	r = dns_query(world, "mx.mx-fallback.test", "A")
	assert [str(x.rdata) for x in r.rr] == [SMTP_DEAD_ADDR, world.addr]


def test_smtp_pipelined_starttls_discarded(world):
	"""Plaintext sent after STARTTLS must not reach the TLS session."""
	mark = world.mark()
	raw = socket.create_connection((world.addr, world.smtp_port), 5)
	f = raw.makefile("rb")
	assert f.readline().startswith(b"220 ")
	raw.sendall(b"EHLO c.test\r\n")
	while not f.readline().startswith(b"250 "):
		pass
	raw.sendall(b"STARTTLS\r\nMAIL FROM:<evil@x.test>\r\n")
	assert f.readline().startswith(b"220 ")
	f.close()
	tls = strict(world).wrap_socket(raw,
	    server_hostname="mx.mx-good.test")
	tls.sendall(b"QUIT\r\n")
	assert tls.recv(100).startswith(b"221")
	tls.close()
	ev = session_of(world, "mx.mx-good.test", mark)
	assert ev["after_starttls"] > 0 and not ev["mail_from"]


def test_smtp_protocol_errors(world):
	s = smtp(world, "mx.mx-good.test")
	assert s.docmd("MAIL FROM:<a@b.test>")[0] == 503
	s.ehlo()
	assert s.docmd("RCPT TO:<a@b.test>")[0] == 503
	assert s.docmd("DATA")[0] == 503
	assert s.docmd("BOGUS")[0] == 502
	assert s.docmd("X" * 1100)[0] == 500
	assert s.docmd("NOOP")[0] == 250
	s.quit()


# --- run-time changes, the CLI ---------------------------------------------

def test_add_mx_runtime(world, fresh):
	d = fresh("mxrt")
	with world.batch():
		world.add_domain(d, mx=["*." + d], mx_records=False)
		world.add_mx("a." + d, "nostarttls", domain=d, pref=5)
		world.add_mx("b." + d, "good", domain=d, pref=15)
		world.set_tlsrpt(d, "v=TLSRPTv1; rua=mailto:r@" + d)
	r = dns_query(world, d, "MX")
	assert sorted((x.rdata.preference, str(x.rdata.label)) for x in r.rr) \
	    == [(5, "a.%s." % d), (15, "b.%s." % d)]
	mark = world.mark()
	s = smtp(world, "b." + d)
	s.ehlo()
	s.starttls(context=strict(world))
	s.quit()
	s = smtp(world, "a." + d)
	s.ehlo()
	assert not s.has_extn("starttls")
	s.quit()
	assert [e["sni"] for e in world.wait_smtp_sessions("b." + d,
	    since=mark)] == ["b." + d]
	assert len(world.wait_smtp_sessions("a." + d, since=mark)) == 1
	assert len(world.smtp_sessions(since=mark)) == 2


def test_world_cli_mx(tmp_path):
	d = str(tmp_path / "climx")
	p = subprocess.Popen([PY, os.path.join(WORLD_DIR, "world.py"), "up",
	    "--dir", d, "--no-catalogue"], stdout=subprocess.PIPE,
	    stderr=subprocess.PIPE, text=True)
	try:
		info = {}
		while True:
			line = p.stdout.readline()
			assert line, p.stderr.read()
			if line.strip() == "ready":
				break
			info[line.split()[0]] = line.split()[1:]
		w = World.attach(d)
		assert w.smtp_port == int(info["smtp"][1])
		subprocess.run([PY, os.path.join(WORLD_DIR, "world.py"), "mx",
		    "--dir", d, "mx.cli.test", "expired", "--domain",
		    "cli.test"], check=True)
		r = dns_query(w, "cli.test", "MX")
		assert str(r.rr[0].rdata.label) == "mx.cli.test."
		s = smtp(w, "mx.cli.test")
		s.ehlo()
		with pytest.raises(ssl.SSLCertVerificationError):
			s.starttls(context=strict(w))
		s.close()
		w.wait_smtp_sessions("mx.cli.test")
		out = subprocess.run([PY, os.path.join(WORLD_DIR, "world.py"),
		    "smtp-log", "--dir", d, "mx.cli.test"],
		    capture_output=True, text=True, check=True).stdout
		evs = [json.loads(x) for x in out.splitlines()]
		assert len(evs) == 1 and evs[0]["sni"] == "mx.cli.test"
	finally:
		p.send_signal(signal.SIGTERM)
		assert p.wait(5) == 0


def test_world_info_file(world):
	with open(os.path.join(world.dir, "world.json")) as f:
		info = json.load(f)
	assert info["smtp_port"] == world.smtp_port
	assert info["smtp_addrs"] == SMTP_MODE_ADDRS
	w = World.attach(world.dir)
	assert w.smtp_port == world.smtp_port
