#
# test_probe.py - common/net/probe.c through tests/tools/probe-cli against the
# world's SMTP MX peers (RFC-CHECKLIST E3, E4, E10, R6; RFC 8461 §4.2, §5):
# every MX of the catalogue gets the RFC 8460 result type it deserves, the
# report describes the TLS session and the certificate, the peer saw SNI =
# the MX name and the probe's EHLO name, the probe never sent MAIL FROM, and
# a banner that never comes costs one step timeout (fetch_timeout) at most.
# A scripted fake MX covers malformed and hostile replies.
#
import calendar
import json
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from catalogue import mx_catalogue
from helpers import NETNS, tool_path, world_client_config, write_config

PROBE_CLI = tool_path("probe-cli")
HELO = "probe.client.test"
STEP = 2			# fetch_timeout of these tests: the probe's step

pytestmark = pytest.mark.skipif(not os.path.exists(PROBE_CLI),
    reason="no probe-cli at %s (make -C tests tools/probe-cli)" % PROBE_CLI)

# A probe may send these and nothing else (RFC 8461 §5: no mail).
PROBE_VERBS = {"EHLO", "STARTTLS", "QUIT"}
# Results that come from a completed TLS handshake.
TLS_RESULTS = {"success", "certificate-host-mismatch", "certificate-expired",
    "certificate-not-trusted"}


def probe(world, tmp_path, host, jobs=None, timeout=60, **conf):
	"""probe - run probe-cli once; (reports, seconds)."""
	c = world_client_config(world)
	c.update({"fetch_timeout": "%ds" % STEP, "probe_helo": HELO,
	    "log_level": "debug"})
	c.update(conf)
	path = write_config(str(tmp_path / "probe.conf"), c)
	args = [PROBE_CLI, "-c", path]
	if jobs:
		args += ["-j", str(jobs)]
	t0 = time.time()
	p = subprocess.run(args + [host], capture_output=True, text=True,
	    timeout=timeout)
	took = time.time() - t0
	assert p.returncode == 0, p.stderr
	reps = [json.loads(x) for x in p.stdout.splitlines()]
	assert len(reps) == (jobs or 1), p.stdout
	return reps, took


def cert_not_after(path):
	"""cert_not_after - notAfter of a PEM file as Unix time (openssl)."""
	out = subprocess.run(["openssl", "x509", "-in", path, "-noout",
	    "-enddate"], capture_output=True, text=True, check=True).stdout
	s = out.strip().split("=", 1)[1]
	return calendar.timegm(time.strptime(s, "%b %d %H:%M:%S %Y %Z"))


def mx_hosts():
	"""mx_hosts - (case, host, expected result) for every catalogue MX."""
	out = []
	for case in mx_catalogue():
		for host, want in case.expect.items():
			out.append(pytest.param(case, host, want,
			    id="%s-%s" % (host, want)))
	return out


# --- the catalogue --------------------------------------------------------

@pytest.mark.parametrize("case,host,want", mx_hosts())
def test_probe_catalogue(world, tmp_path, case, host, want):
	mark = world.mark()
	(rep,), took = probe(world, tmp_path, host)
	assert rep["result"] == want, rep
	assert rep["host"] == host and rep["why"]
	info = world.state["mx_hosts"][host]
	if want in TLS_RESULTS:
		assert rep["tls_version"] in ("TLSv1.2", "TLSv1.3")
		assert rep["cipher"]
		assert rep["cert_not_after"] == cert_not_after(info["cert"])
		issuer = "Rogue" if info["cert_kind"] == "rogue" else "Test"
		assert rep["cert_issuer"] == "CN=mtasts %s CA" % issuer
		assert rep["cert_subject"].startswith("CN=")
		assert rep["helo"] == "mx.world.test"
		assert rep["addr"] == world.addr
	else:
		assert rep["tls_version"] == "" and rep["cert_not_after"] == 0
		assert rep["cert_subject"] == ""
	if want == "success":
		assert rep["why"].startswith("verified ")
	# what the peer saw
	sessions = world.wait_smtp_sessions(host, since=mark)
	if info["mode"] == "dead":
		assert sessions == []
		return
	assert sessions, "no session logged for %s" % host
	for ev in sessions:
		assert not ev["mail_from"] and ev["messages"] == 0
		assert set(ev["commands"]) <= PROBE_VERBS, ev["commands"]
	ev = sessions[-1]
	if ev["banner"] and info["mode"] not in ("tempfail", "banner-reject"):
		assert ev["ehlo"] == HELO
	if want in TLS_RESULTS or info["mode"] == "tls11":
		assert ev["commands"][:2] == ["EHLO", "STARTTLS"]
	if want in TLS_RESULTS:
		# §7.1: SNI = MX name. (A TLS 1.1-only server may give up on
		# the version before it looks at the SNI, so not checked there.)
		assert ev["sni"] == host, json.dumps(sessions)
	if want in TLS_RESULTS:
		assert ev["starttls"] and ev["tls_version"] == rep["tls_version"]
		assert ev["commands"][-1] == "QUIT" and ev["quit"]
		assert ev["commands"].count("EHLO") == 1	# no EHLO in TLS
	if want == "starttls-not-supported":
		assert not ev["starttls"] and ev["quit"]
	if want == "validation-failure":
		assert not ev["starttls"] and ev["tls_error"]


R6_TYPES = {"starttls-not-supported", "certificate-host-mismatch",
    "certificate-expired", "certificate-not-trusted", "validation-failure",
    "tlsa-invalid", "dnssec-invalid", "dane-required",
    "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid"}


def test_probe_e10_names():
	"""Every failure a probe reports is an RFC 8460 result type (R6, E10);
	the catalogue reaches each of them, plus success and unreachable."""
	names = {r for c in mx_catalogue() for r in c.expect.values()}
	assert names == TLS_RESULTS | {"starttls-not-supported",
	    "validation-failure", "unreachable"}
	assert names - {"success", "unreachable"} <= R6_TYPES


def test_probe_slow_banner_bounded(world, tmp_path):
	mark = world.mark()
	(rep,), took = probe(world, tmp_path, "mx.mx-slow.test")
	assert rep["result"] == "unreachable"
	assert "timeout waiting for the banner" in rep["why"]
	assert STEP - 0.2 <= rep["elapsed_ms"] / 1000.0 < 2 * STEP + 0.5
	assert took < 2 * STEP + 3
	ev = world.wait_smtp_sessions("mx.mx-slow.test", since=mark)[-1]
	assert not ev["banner"] and ev["commands"] == []


def test_probe_fallback_address(world, tmp_path):
	"""A refused address is skipped; the next one answers (E4)."""
	(rep,), _ = probe(world, tmp_path, "mx.mx-fallback.test")
	assert rep["result"] == "success" and rep["addr"] == world.addr


def test_probe_refused_why(world, tmp_path):
	(rep,), took = probe(world, tmp_path, "mx.mx-refused.test")
	assert rep["result"] == "unreachable" and "refused" in rep["why"]
	assert took < STEP + 3


def test_probe_no_address(world, tmp_path, fresh):
	(rep,), _ = probe(world, tmp_path, "mx." + fresh("noaddr"))
	assert rep["result"] == "unreachable"
	assert "no address" in rep["why"] and rep["addr"] == ""


def test_probe_not_a_host_name(world, tmp_path):
	(rep,), _ = probe(world, tmp_path, "bad_name.test")
	assert rep["result"] == "unreachable" and "not a host name" in rep["why"]


def test_probe_helo_and_starttls_details(world, tmp_path):
	"""The EHLO greeting name and the banner of a no-STARTTLS peer."""
	(rep,), _ = probe(world, tmp_path, "mx.mx-nostarttls.test")
	assert rep["result"] == "starttls-not-supported"
	assert rep["helo"] == "mx-nostarttls.world.test"
	assert rep["why"] == "STARTTLS not offered"
	(rep,), _ = probe(world, tmp_path, "mx.mx-starttls-refused.test")
	assert rep["why"].startswith("STARTTLS refused: 454")


def test_probe_tls11_why(world, tmp_path):
	(rep,), _ = probe(world, tmp_path, "mx.mx-tls11.test")
	assert rep["result"] == "validation-failure"
	assert rep["why"].startswith("TLS handshake")


def test_probe_default_helo(world, tmp_path):
	"""Without probe_helo the EHLO name is the host name (DESIGN §3)."""
	mark = world.mark()
	(rep,), _ = probe(world, tmp_path, "mx.mx-good.test", probe_helo=None)
	assert rep["result"] == "success"
	ev = world.wait_smtp_sessions("mx.mx-good.test", since=mark)[-1]
	assert ev["ehlo"] == socket.gethostname()


def test_probe_system_store(world, tmp_path):
	"""Without tls_ca_file the system store applies: the test CA is not
	in it, so the world's good MX is not trusted."""
	(rep,), _ = probe(world, tmp_path, "mx.mx-good.test", tls_ca_file=None)
	assert rep["result"] == "certificate-not-trusted", rep


def test_probe_ca_path(world, tmp_path):
	d = tmp_path / "capath"
	d.mkdir()
	shutil.copy(world.ca_file, str(d / "ca.pem"))
	r = subprocess.run(["openssl", "rehash", str(d)], capture_output=True)
	if r.returncode != 0:
		pytest.skip("openssl rehash: %s" % r.stderr)
	(rep,), _ = probe(world, tmp_path, "mx.mx-good.test", tls_ca_file=None,
	    tls_ca_path=str(d))
	assert rep["result"] == "success", rep


def test_probe_unreadable_ca_file(world, tmp_path):
	(rep,), _ = probe(world, tmp_path, "mx.mx-good.test",
	    tls_ca_file=str(tmp_path / "missing.pem"))
	assert rep["result"] == "unreachable" and "tls_ca_file" in rep["why"]


@pytest.mark.parametrize("host,want", [("mx.mx-good.test", "success"),
    ("mx.mx-expired.test", "certificate-expired"),
    ("mx.mx-nostarttls.test", "starttls-not-supported")])
def test_probe_threads(world, tmp_path, host, want):
	"""probe_mx() from 8 threads at once (it runs in worker threads)."""
	mark = world.mark()
	reps, _ = probe(world, tmp_path, host, jobs=8)
	assert [r["result"] for r in reps] == [want] * 8
	evs = world.wait_smtp_sessions(host, since=mark, count=8)
	assert len(evs) == 8 and not any(e["mail_from"] for e in evs)


def test_probe_runtime_mx(world, tmp_path, fresh):
	"""A peer added at run time, and its behaviour changed afterwards."""
	d = fresh("mxprobe")
	world.add_mx("mx." + d, "good", domain=d)
	(rep,), _ = probe(world, tmp_path, "mx." + d)
	assert rep["result"] == "success"
	world.add_mx("mx." + d, "untrusted", domain=None)
	(rep,), _ = probe(world, tmp_path, "mx." + d)
	assert rep["result"] == "certificate-not-trusted"
	world.add_mx("mx." + d, "nostarttls")
	(rep,), _ = probe(world, tmp_path, "mx." + d)
	assert rep["result"] == "starttls-not-supported"


# --- a scripted fake MX: malformed and hostile servers ----------------------

class FakeMX:
	"""FakeMX - one-connection-at-a-time SMTP script on 127.0.0.1."""

	def __init__(self, script):
		self.script = script
		self.lines = []		# what the client sent
		self.sock = socket.socket()
		self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		self.sock.bind(("127.0.0.1", 0))
		self.sock.listen(8)
		self.port = self.sock.getsockname()[1]
		self.t = threading.Thread(target=self._run, daemon=True)
		self.t.start()

	def _run(self):
		try:
			conn, _ = self.sock.accept()
		except OSError:
			return
		conn.settimeout(10)
		f = conn.makefile("rb")
		try:
			for step in self.script:
				if step[0] == "send":
					conn.sendall(step[1])
				elif step[0] == "recv":
					line = f.readline()
					self.lines.append(line.decode("latin-1"))
					if not line:
						break
				elif step[0] == "sleep":
					time.sleep(step[1])
				elif step[0] == "close":
					return
			# drain what is left (QUIT), until the client closes
			while True:
				line = f.readline()
				if not line:
					break
				self.lines.append(line.decode("latin-1"))
		except OSError:
			pass
		finally:
			f.close()
			conn.close()

	def close(self):
		self.sock.close()
		self.t.join(15)

	def verbs(self):
		return [x.split()[0].upper() for x in self.lines if x.strip()]


@pytest.fixture
def fake(world, tmp_path, fresh):
	"""fake(script) -> (report, FakeMX) for a fresh host on a FakeMX."""
	made = []

	def run(script, **conf):
		host = "mx." + fresh("fake")
		world.add_mx(host, "good", addrs=["127.0.0.1"])
		srv = FakeMX(script)
		made.append(srv)
		(rep,), took = probe(world, tmp_path, host,
		    mx_smtp_port=str(srv.port), **conf)
		srv.close()
		rep["took"] = took
		assert not any(v in ("MAIL", "RCPT", "DATA") for v in srv.verbs())
		return rep, srv
	yield run
	for srv in made:
		srv.close()


BANNER = ("send", b"220 fake.test ESMTP\r\n")
EHLO = ("recv", "EHLO")


def test_fake_multiline_banner_lf(fake):
	"""Multi-line 220 and bare-LF line ends; lower-case keyword."""
	rep, srv = fake([("send", b"220-fake.test one\n220-two\n220 three\n"),
	    EHLO, ("send", b"250-greet.fake.test hi\n250-SIZE 1\n"
	    b"250 starttls\n"), ("recv", "STARTTLS"),
	    ("send", b"454 4.7.0 not now\r\n")])
	assert rep["result"] == "starttls-not-supported"
	assert rep["helo"] == "greet.fake.test"
	assert srv.lines[0] == "EHLO %s\r\n" % HELO
	assert srv.verbs() == ["EHLO", "STARTTLS", "QUIT"]


def test_fake_ehlo_502(fake):
	rep, srv = fake([BANNER, EHLO, ("send", b"502 5.5.2 no ESMTP\r\n")])
	assert rep["result"] == "starttls-not-supported"
	assert "EHLO refused: 502" in rep["why"]
	assert srv.verbs() == ["EHLO", "QUIT"]


def test_fake_ehlo_550(fake):
	rep, _ = fake([BANNER, EHLO, ("send", b"550 5.7.1 go away\r\n")])
	assert rep["result"] == "unreachable"


def test_fake_long_line(fake):
	rep, _ = fake([("send", b"220 " + b"x" * 3000 + b"\r\n")])
	assert rep["result"] == "unreachable" and "longer than" in rep["why"]


def test_fake_endless_reply(fake):
	rep, _ = fake([BANNER, EHLO, ("send", b"250-x\r\n" * 500 +
	    b"250 STARTTLS\r\n")])
	assert rep["result"] == "unreachable" and "malformed" in rep["why"]


def test_fake_mixed_codes(fake):
	rep, _ = fake([BANNER, EHLO, ("send", b"250-x\r\n251 STARTTLS\r\n")])
	assert rep["result"] == "unreachable" and "malformed" in rep["why"]


def test_fake_garbage_banner(fake):
	rep, _ = fake([("send", b"HELLO THERE\r\n")])
	assert rep["result"] == "unreachable" and "malformed" in rep["why"]


def test_fake_starttls_injection(fake):
	"""Plaintext after the 220 to STARTTLS is never taken into TLS."""
	rep, srv = fake([BANNER, EHLO, ("send", b"250-x\r\n250 STARTTLS\r\n"),
	    ("recv", "STARTTLS"),
	    ("send", b"220 go ahead\r\n250 injected\r\n")])
	assert rep["result"] == "validation-failure"
	assert "plaintext" in rep["why"]
	assert srv.verbs() == ["EHLO", "STARTTLS"]


def test_fake_close_in_handshake(fake):
	rep, _ = fake([BANNER, EHLO, ("send", b"250-x\r\n250 STARTTLS\r\n"),
	    ("recv", "STARTTLS"), ("send", b"220 go ahead\r\n"), ("sleep", 0.3),
	    ("close",)])
	assert rep["result"] == "validation-failure"
	assert rep["why"].startswith("TLS handshake")


def test_fake_silent_after_ehlo(fake):
	"""A server that never answers EHLO costs one step, no more."""
	rep, _ = fake([BANNER, EHLO, ("sleep", STEP + 2)])
	assert rep["result"] == "unreachable"
	assert "timeout waiting for the reply to EHLO" in rep["why"]
	assert rep["elapsed_ms"] / 1000.0 < 2 * STEP + 0.5


def test_fake_closed_at_once(fake):
	rep, _ = fake([("close",)])
	assert rep["result"] == "unreachable"
	assert "connection closed" in rep["why"]


@pytest.mark.skipif(not NETNS, reason="port 25 only inside the namespace")
def test_probe_default_port_netns(world, tmp_path):
	"""In the namespace the default mx_smtp_port (25) reaches the world."""
	assert world.smtp_port == 25
	(rep,), _ = probe(world, tmp_path, "mx.mx-good.test", mx_smtp_port=None)
	assert rep["result"] == "success"
