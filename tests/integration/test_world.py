#
# test_world.py - the test world itself (no daemon): DNS answers, HTTPS
# policy hosts, certificates, logs, run-time changes, the CLI, netns.sh.
#
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest

from dnslib import QTYPE, RCODE

from helpers import (NETNS, WORLD_DIR, World, dns_query, https_get,
    ok_answer)
from catalogue import base_policy, catalogue

PY = "/usr/bin/python3"


def txt_strings(reply):
	"""txt_strings - the TXT RRs of a reply as lists of bytes."""
	return [[bytes(s) for s in rr.rdata.data] for rr in reply.rr
	    if rr.rtype == QTYPE.TXT]


# --- DNS ----------------------------------------------------------------

@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_dns_txt(world, tcp):
	r = dns_query(world, "_mta-sts.enforce.test", "TXT", tcp=tcp)
	assert r.header.rcode == RCODE.NOERROR and r.header.aa
	assert txt_strings(r) == [[b"v=STSv1; id=20160831085700Z;"]]


def test_dns_multistring_x14(world):
	r = dns_query(world, "_mta-sts.multistring.test", "TXT")
	assert txt_strings(r) == [[b"v=STSv1; id=ab", b"c123"]]


def test_dns_two_records_x11(world):
	r = dns_query(world, "_mta-sts.two-records.test", "TXT")
	assert sorted(txt_strings(r)) == [[b"v=STSv1; id=abc"],
	    [b"v=STSv1; id=def"]]


def test_dns_nul_byte_t4(world):
	r = dns_query(world, "_mta-sts.txt-nul.test", "TXT")
	assert txt_strings(r) == [[b"v=STSv1; id=abc\x00"]]


def test_dns_cname_chain_t2(world):
	r = dns_query(world, "_mta-sts.cname-chain.test", "TXT")
	assert [QTYPE[x.rtype] for x in r.rr] == ["CNAME", "CNAME", "TXT"]
	assert str(r.rr[1].rname) == "_mta-sts.hop1.test."
	assert txt_strings(r) == [[b"v=STSv1; id=chain2"]]


def test_dns_delegation_x19(world):
	r = dns_query(world, "mta-sts.delegated.test", "A")
	assert [QTYPE[x.rtype] for x in r.rr] == ["CNAME", "A"]
	assert str(r.rr[1].rdata) == world.addr


def test_dns_a_and_mx(world):
	r = dns_query(world, "mta-sts.enforce.test", "A")
	assert [str(x.rdata) for x in r.rr] == [world.addr]
	r = dns_query(world, "enforce.test", "MX")
	assert str(r.rr[0].rdata.label) == "mail.enforce.test."
	r = dns_query(world, "mta-sts.enforce.test", "AAAA")
	assert r.header.rcode == RCODE.NOERROR and not r.rr


def test_dns_nxdomain_nodata(world):
	r = dns_query(world, "_mta-sts.nxdomain.test", "TXT")
	assert r.header.rcode == RCODE.NXDOMAIN
	assert QTYPE[r.auth[0].rtype] == "SOA"
	r = dns_query(world, "_mta-sts.nodata.test", "TXT")
	assert r.header.rcode == RCODE.NOERROR and not r.rr
	assert QTYPE[r.auth[0].rtype] == "SOA"
	# an empty non-terminal exists
	r = dns_query(world, "wild.test", "TXT")
	assert r.header.rcode == RCODE.NOERROR


def test_dns_servfail_refused(world):
	r = dns_query(world, "_mta-sts.servfail.test", "TXT")
	assert r.header.rcode == RCODE.SERVFAIL
	r = dns_query(world, "www.example.org", "A")
	assert r.header.rcode == RCODE.REFUSED


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_dns_timeout(world, tcp):
	t0 = time.time()
	assert dns_query(world, "_mta-sts.timeout.test", "TXT", tcp=tcp,
	    timeout=1) is None
	assert time.time() - t0 >= 0.9


def test_dns_runtime_change(world, fresh):
	d = fresh("dnschange")
	assert dns_query(world, "_mta-sts." + d, "TXT").header.rcode == \
	    RCODE.NXDOMAIN
	world.set_id(d, "one")
	assert txt_strings(dns_query(world, "_mta-sts." + d, "TXT")) == \
	    [[b"v=STSv1; id=one"]]
	world.set_id(d, "two")
	assert txt_strings(dns_query(world, "_mta-sts." + d, "TXT")) == \
	    [[b"v=STSv1; id=two"]]
	world.set_behaviour("_mta-sts." + d, "servfail")
	assert dns_query(world, "_mta-sts." + d, "TXT").header.rcode == \
	    RCODE.SERVFAIL
	world.set_behaviour("_mta-sts." + d, "timeout", qtype="TXT")
	world.set_behaviour("_mta-sts." + d, None)
	assert dns_query(world, "_mta-sts." + d, "TXT", timeout=0.5) is None
	assert dns_query(world, "_mta-sts." + d, "A").header.rcode == \
	    RCODE.NOERROR
	world.set_txt(d)
	assert dns_query(world, "_mta-sts." + d, "TXT").header.rcode == \
	    RCODE.NXDOMAIN


def test_dns_truncation(world, fresh):
	d = fresh("big")
	world.set_txt(d, *["v=spf1 " + "x" * 200 + str(i) for i in range(8)])
	r = dns_query(world, "_mta-sts." + d, "TXT", edns=False)
	assert r.header.tc and not r.rr
	r = dns_query(world, "_mta-sts." + d, "TXT", tcp=True, edns=False)
	assert not r.header.tc and len(r.rr) == 8


def test_dns_log(world, fresh):
	d = fresh("dnslog")
	mark = world.mark()
	dns_query(world, "_mta-sts." + d, "TXT")
	dns_query(world, "mta-sts." + d, "A", tcp=True)
	q = world.dns_queries(since=mark, contains=d)
	assert [(e["qname"], e["qtype"], e["proto"], e["result"]) for e in q] \
	    == [("_mta-sts." + d, "TXT", "udp", "nxdomain"),
	    ("mta-sts." + d, "A", "tcp", "nxdomain")]


# --- HTTPS --------------------------------------------------------------

def test_https_valid_policy(world):
	mark = world.mark()
	st, hdr, body = https_get(world, "enforce.test")
	assert st == 200 and hdr["content-type"] == "text/plain"
	assert body.decode() == base_policy("enforce.test")
	reqs = world.requests("enforce.test", since=mark)
	assert len(reqs) == 1
	assert reqs[0]["sni"] == "mta-sts.enforce.test"
	assert reqs[0]["path"] == "/.well-known/mta-sts.txt"
	assert reqs[0]["method"] == "GET"
	assert world.fetch_count("enforce.test", since=mark) == 1
	assert world.tls_count("enforce.test", since=mark) == 1


@pytest.mark.parametrize("domain,why", [
    ("expired-cert.test", "expired"),
    ("notyet-cert.test", "not yet valid"),
    ("rogue-ca.test", "unable to get local issuer"),
    ("cn-only.test", "Hostname mismatch"),
    ("mismatch.test", "Hostname mismatch"),
    ("provider-cert.test", "Hostname mismatch"),
    ("delegated-badcert.test", "Hostname mismatch"),
    ("deep.wild.test", "Hostname mismatch"),
    ("partial-wild.test", "Hostname mismatch"),
])
def test_https_bad_certificates(world, domain, why):
	mark = world.mark()
	with pytest.raises(ssl.SSLCertVerificationError) as e:
		https_get(world, domain)
	assert why in str(e.value)
	assert world.tls_count(domain, since=mark) == 1
	assert world.fetch_count(domain, since=mark) == 0
	# the same host without verification serves a valid policy
	st, _, body = https_get(world, domain, verify=False)
	assert st == 200 and body.startswith(b"version: STSv1")


@pytest.mark.parametrize("domain", ["wild.test", "delegated.test",
    "cname.test"])
def test_https_good_certificates(world, domain):
	st, _, _ = https_get(world, domain)
	assert st == 200


def test_https_statuses(world):
	for st in (201, 204, 206, 304, 404, 500):
		got, hdr, body = https_get(world, "status-%d.test" % st)
		assert got == st
		if st in (204, 304):
			assert body == b""
		else:
			assert body.startswith(b"version: STSv1")
	for d, st in (("redirect.test", 301), ("redirect-302.test", 302),
	    ("redirect-307.test", 307), ("redirect-308.test", 308)):
		got, hdr, body = https_get(world, d)
		assert got == st
		assert hdr["location"] == "https://mta-sts.redirect-target.test" \
		    "/.well-known/mta-sts.txt"


def test_https_media_types(world):
	assert https_get(world, "html.test")[1]["content-type"] == "text/html"
	assert "content-type" not in https_get(world, "no-ctype.test")[1]
	assert https_get(world, "y24-type-case.test")[1]["content-type"] == \
	    "Text/Plain"


def test_https_sizes(world):
	_, hdr, body = https_get(world, "oversize.test")
	assert len(body) == 65537 and hdr["content-length"] == "65537"
	_, _, body = https_get(world, "exact-64k.test")
	assert len(body) == 65536
	assert all(len(line) < 1000 for line in body.split(b"\n"))
	assert body.startswith(base_policy("exact-64k.test").encode())


def test_https_caching_headers_w12(world):
	_, hdr, _ = https_get(world, "etag.test")
	assert hdr["cache-control"] == "max-age=60"
	assert hdr["etag"] == "\"v1\""


def test_https_slow_body(world):
	t0 = time.time()
	with pytest.raises(socket.timeout):
		https_get(world, "slow.test", total=1.2)
	assert time.time() - t0 >= 1.1


def test_https_hang(world):
	with pytest.raises(socket.timeout):
		https_get(world, "hang.test", timeout=1)


def test_https_hang_tls(world):
	with pytest.raises(socket.timeout):
		https_get(world, "hang-tls.test", timeout=1)


def test_https_close(world):
	with pytest.raises(Exception):
		https_get(world, "close.test", timeout=3)


def test_https_runtime_change(world, fresh):
	d = fresh("hchange")
	world.add_domain(d, id="a1", mx=["mx1." + d])
	assert https_get(world, d)[2] == base_policy(d, mx=["mx1." + d]).encode()
	world.set_host(d, status=404)
	assert https_get(world, d)[0] == 404
	world.set_host(d, status=200, behaviour="delay", delay=0.5)
	t0 = time.time()
	assert https_get(world, d)[0] == 200
	assert time.time() - t0 >= 0.5
	world.set_policy(d, "hello", behaviour="normal")
	assert https_get(world, d)[2] == b"hello"
	world.set_cert(d, "rogue")
	with pytest.raises(ssl.SSLCertVerificationError):
		https_get(world, d)
	assert world.fetch_count(d) == 4


def test_https_ipv6(world):
	if not world.https_v6:
		pytest.skip("no HTTPS listener on ::1")
	r = dns_query(world, "mta-sts.ipv6-only.test", "AAAA")
	assert [str(x.rdata) for x in r.rr] == ["::1"]
	assert dns_query(world, "mta-sts.ipv6-only.test", "A").rr == []
	st, _, body = https_get(world, "ipv6-only.test", addr="::1")
	assert st == 200 and body == base_policy("ipv6-only.test").encode()


def test_https_unknown_host(world):
	with pytest.raises(ssl.SSLCertVerificationError):
		https_get(world, "nowhere.test")
	assert https_get(world, "nowhere.test", verify=False)[0] == 404


def test_https_concurrent(world):
	import threading
	res = []

	def get():
		res.append(https_get(world, "enforce.test")[0])
	def hang():
		try:
			https_get(world, "hang.test", timeout=1.5)
		except socket.timeout:
			pass
	th = [threading.Thread(target=get) for _ in range(20)]
	slow = threading.Thread(target=hang)
	slow.start()
	t0 = time.time()
	for t in th:
		t.start()
	for t in th:
		t.join()
	assert res == [200] * 20 and time.time() - t0 < 1.5
	slow.join()


# --- catalogue, certificates, bulk --------------------------------------

def test_catalogue_well_formed(world):
	cases = catalogue()
	names = [c.domain for c in cases]
	assert len(names) == len(set(names))
	for c in cases:
		assert c.ids, c.domain
		assert c.answer == "NOTFOUND " or c.answer.startswith(
		    "OK secure match=")
		assert c.domain in world.cases
	ids = {i for c in cases for i in c.ids}
	for n in range(1, 21):
		assert "X%02d" % n in ids
	for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
	    18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28):
		assert "Y%02d" % n in ids


def test_ca_files(world):
	out = subprocess.run(["openssl", "x509", "-in", world.ca_file,
	    "-noout", "-text"], capture_output=True, text=True).stdout
	assert "CA:TRUE" in out
	leaf = world.cert_for("enforce.test")
	ok = subprocess.run(["openssl", "verify", "-CAfile", world.ca_file,
	    leaf], capture_output=True, text=True)
	assert ok.returncode == 0
	exp = subprocess.run(["openssl", "verify", "-CAfile", world.ca_file,
	    world.cert_for("expired-cert.test", "expired")],
	    capture_output=True, text=True)
	assert exp.returncode != 0 and "expired" in exp.stdout + exp.stderr
	rogue = subprocess.run(["openssl", "verify", "-CAfile",
	    world.ca_file, world.cert_for("rogue-ca.test", "rogue")],
	    capture_output=True, text=True)
	assert rogue.returncode != 0


def test_bulk_domains(tmp_path):
	w = World(str(tmp_path / "bulk"), catalogue=False, bulk=2500)
	with w:
		r = dns_query(w, "_mta-sts.b02499.bulk.test", "TXT")
		assert txt_strings(r) == [[b"v=STSv1; id=bulk1"]]
		r = dns_query(w, "b00007.bulk.test", "MX")
		assert str(r.rr[0].rdata.label) == "mail.b00007.bulk.test."
		assert dns_query(w, "_mta-sts.b02500.bulk.test",
		    "TXT").header.rcode == RCODE.NXDOMAIN
		assert dns_query(w, "_mta-sts.b7.bulk.test",
		    "TXT").header.rcode == RCODE.NXDOMAIN
		assert dns_query(w, "mta-sts.b01000.bulk.test",
		    "A").rr[0].rdata == dns_query(w, "mta-sts.b00000.bulk.test",
		    "A").rr[0].rdata
		for n in (0, 999, 1000, 2499):
			d = "b%05d.bulk.test" % n
			st, _, body = https_get(w, d)
			assert st == 200
			assert body.decode() == base_policy(d)
		assert w.fetch_count("b00999.bulk.test") == 1
		assert len(w.state["bulk"]["certs"]) == 3


# --- command line and namespace runner ----------------------------------

def test_world_cli_up(tmp_path):
	d = str(tmp_path / "cli")
	p = subprocess.Popen([PY, os.path.join(WORLD_DIR, "world.py"), "up",
	    "--dir", d, "--no-catalogue"], stdout=subprocess.PIPE,
	    stderr=subprocess.PIPE, text=True)
	try:
		lines = []
		while True:
			line = p.stdout.readline()
			assert line, p.stderr.read()
			lines.append(line.split())
			if line.strip() == "ready":
				break
		info = {x[0]: x[1:] for x in lines}
		assert info["dir"] == [d]
		w = World.attach(d)
		assert w.dns_port == int(info["dns"][1])
		subprocess.run([PY, os.path.join(WORLD_DIR, "world.py"), "add",
		    "--dir", d, "cli.test", "--id", "c1"], check=True)
		assert txt_strings(dns_query(w, "_mta-sts.cli.test", "TXT")) \
		    == [[b"v=STSv1; id=c1"]]
		subprocess.run([PY, os.path.join(WORLD_DIR, "world.py"), "host",
		    "--dir", d, "cli.test", "status=404"], check=True)
		assert https_get(w, "cli.test")[0] == 404
		out = subprocess.run([PY, os.path.join(WORLD_DIR, "world.py"),
		    "count", "--dir", d, "cli.test"], capture_output=True,
		    text=True, check=True).stdout
		assert out.strip() == "1"
	finally:
		p.send_signal(signal.SIGTERM)
		assert p.wait(5) == 0


def test_world_cli_catalogue():
	out = subprocess.run([PY, os.path.join(WORLD_DIR, "world.py"),
	    "catalogue"], capture_output=True, text=True, check=True).stdout
	assert "enforce.test" in out and "X01" in out


def test_ok_answer_helper():
	assert ok_answer("a.test") == \
	    "OK secure match=mail.a.test servername=hostname"


def test_netns_script_syntax():
	assert subprocess.run(["sh", "-n", os.path.join(WORLD_DIR,
	    "netns.sh")]).returncode == 0


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("ip") or NETNS,
    reason="needs root and ip(8), and not already inside the namespace")
def test_netns_script_runs_inside_namespace():
	script = os.path.join(WORLD_DIR, "netns.sh")
	out = subprocess.run(["sh", script, "sh", "-c",
	    "cat /etc/resolv.conf; ip -o link show lo; echo NS=$MTASTS_NETNS; "
	    "echo NAME=$MTASTS_NETNS_NAME"],
	    capture_output=True, text=True, timeout=30)
	if out.returncode == 77:
		pytest.skip("cannot create a network namespace here")
	assert out.returncode == 0, out.stderr
	assert "nameserver 127.0.0.1" in out.stdout
	assert "UP" in out.stdout
	assert "NS=1" in out.stdout
	name = out.stdout.split("NAME=")[1].split()[0]
	assert name not in subprocess.run(["ip", "netns", "list"],
	    capture_output=True, text=True).stdout
	assert not os.path.exists("/etc/netns/" + name)
	rc = subprocess.run(["sh", script, "sh", "-c", "exit 3"]).returncode
	assert rc == 3
