#!/usr/bin/python3
#
# dnsserver.py - authoritative DNS for the test world (UDP and TCP).
#
# SYNOPSIS
#	/usr/bin/python3 dnsserver.py --state FILE --log FILE
#	    [--addr 127.0.0.1] [--port 0] [--parent PID]
#
# DESCRIPTION
#	Answers for the zones named in the state file (by default "test." and
#	"example.") from the JSON world state that world.py writes. The file
#	is read again whenever it changes (world.py replaces it with a rename,
#	so every change is a new inode), which lets tests change records while
#	the server runs: the first query after the rename sees the new data.
#
#	State keys used here:
#	  ttl		TTL of every answer (default 0: resolvers do not cache)
#	  zones		["test", "example"]
#	  records	{name: [[TYPE, DATA], ...]} with TYPE one of A, AAAA, TXT
#			(DATA: list of strings = one RR with several
#			character-strings), CNAME, MX ([pref, host]), NS, PTR
#	  behaviour	{name or "name/TYPE": "servfail" | "timeout" |
#			"refused" | "nxdomain"}; "timeout" never answers
#	  bulk		{"zone", "count", "id", "addr"}: synthesises
#			bNNNNN.ZONE (MX), _mta-sts.bNNNNN.ZONE (TXT),
#			mta-sts.bNNNNN.ZONE and mail.bNNNNN.ZONE (A)
#	  signed	{zone: {"key": PEM, "insecure": [CHILD, ...]}}: zones
#			inside "zones" that are DNSSEC-signed (dnssec.py):
#			their answers carry RRSIGs and NSEC proofs;
#			behaviour "bogus" breaks a name's signatures. Each
#			CHILD is an unsigned zone delegated from the signed
#			one: its names are answered unsigned, and the
#			parent proves the delegation insecure (DS query:
#			NSEC with NS and without DS, RFC 4035 §5.2)
#
#	Record types: also TLSA ([usage, selector, mtype, HEX]).
#
#	A name that holds no record but has descendants exists (NODATA); any
#	other unknown name in a zone is NXDOMAIN; names outside the zones get
#	REFUSED. CNAME chains inside the zones are followed in the answer.
#	UDP answers larger than the client's EDNS size (512 without EDNS) are
#	truncated (TC) so the client retries over TCP.
#
#	Every query is logged to --log as one JSON line:
#	{"t": time, "proto": "udp", "qname": "...", "qtype": "TXT",
#	 "result": "noerror" | "nxdomain" | "servfail" | "refused" |
#	 "timeout", "answers": N}
#
#	When bound it prints "READY dns ADDR PORT" on stdout. With --parent it
#	exits when that process goes away.
#
import argparse
import json
import os
import socket
import socketserver
import sys
import threading
import time

from statefile import StateFile
from dnslib import (A, AAAA, CNAME, DNSRecord, EDNS0, MX, NS, PTR, QTYPE,
    RCODE, RR, SOA, TLSA, TXT)

try:
	import dnssec
except ImportError:		# no dnspython: signed zones fail (SERVFAIL)
	dnssec = None

MAX_CHAIN = 12


def _norm(name):
	"""_norm - a name as a lower-case key without the trailing dot."""
	return str(name).rstrip(".").lower()


def _txt_strings(data):
	"""_txt_strings - the character-strings of one TXT RR as bytes."""
	if isinstance(data, str):
		data = [data]
	out = []
	for s in data:
		b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
		if not b:
			out.append(b"")
		while b:
			out.append(b[:255])
			b = b[255:]
	return out


class Store:
	"""Store - the world state as the DNS server sees it; reloads on change."""

	def __init__(self, path):
		self.file = StateFile(path)
		self.ttl = 0
		self.zones = ["test", "example"]
		self.records = {}
		self.behaviour = {}
		self.exists = set()
		self.bulk = None
		self.signed = {}		# zone -> dnssec.SignedZone
		self.signed_records = {}	# zone -> its records
		self.insecure_children = {}	# zone -> unsigned child zones
		self.generation = 0
		self.maybe_reload()

	def maybe_reload(self):
		"""maybe_reload - read the state file again if it was replaced."""
		self.file.poll(self._load)

	def _load(self, state):
		"""_load - index a state document."""
		records = {}
		for name, rrs in state.get("records", {}).items():
			if rrs:
				records[_norm(name)] = rrs
		behaviour = {}
		for name, what in state.get("behaviour", {}).items():
			if what:
				if "/" in name:
					n, t = name.rsplit("/", 1)
					behaviour[_norm(n) + "/" + t.upper()] = what
				else:
					behaviour[_norm(name)] = what
		exists = set()
		for name in list(records) + [k.split("/")[0] for k in behaviour]:
			labels = name.split(".")
			for i in range(len(labels)):
				exists.add(".".join(labels[i:]))
		self.ttl = int(state.get("ttl", 0))
		self.zones = [_norm(z) for z in state.get("zones",
		    ["test", "example"])]
		self.records = records
		self.behaviour = behaviour
		self.exists = exists
		self.bulk = state.get("bulk")
		signed, srecs, children = {}, {}, {}
		for z, info in (state.get("signed") or {}).items():
			z = _norm(z)
			old = self.signed.get(z)
			if old is not None and old.key_path == info["key"]:
				signed[z] = old
			elif dnssec is not None:
				signed[z] = dnssec.SignedZone(z, info["key"])
				signed[z].key_path = info["key"]
			kids = [_norm(c) for c in info.get("insecure", [])]
			children[z] = kids
			srecs[z] = {n: r for n, r in records.items()
			    if (n == z or n.endswith("." + z)) and
			    not any(n == c or n.endswith("." + c) for c in kids)}
			for c in kids:		# the delegation point: NS only
				srecs[z][c] = [["NS", "ns." + c]]
		self.signed = signed
		self.signed_records = srecs
		self.insecure_children = children
		self.generation += 1

	def signed_zone_of(self, name, qtype):
		"""signed_zone_of - the signed zone that answers name and qtype,
		or None (the DS of an insecure child is the parent's)."""
		for z in self.signed_records:
			if name == z or name.endswith("." + z):
				for c in self.insecure_children.get(z, []):
					if name == c and qtype == "DS":
						return z
					if name == c or name.endswith("." + c):
						return None
				return z
		return None

	def zone_of(self, name):
		"""zone_of - the zone a name belongs to, or None."""
		for z in self.zones:
			if name == z or name.endswith("." + z):
				return z
		return None

	def _bulk_rrs(self, name):
		"""_bulk_rrs - (exists, rrs) for a synthesised bulk name, or None."""
		b = self.bulk
		if not b:
			return None
		zone = _norm(b["zone"])
		if name == zone:
			return (True, [])
		if not name.endswith("." + zone):
			return None
		labels = name[:-len(zone) - 1].split(".")
		host = labels[-1]
		if len(labels) > 2 or not host.startswith("b") or \
		    not host[1:].isdigit():
			return (False, [])
		num = int(host[1:])
		if num >= int(b["count"]) or host != "b%05d" % num:
			return (False, [])
		addr = b.get("addr", "127.0.0.1")
		if len(labels) == 1:
			return (True, [["MX", [10, "mail.%s" % name]]])
		pre = labels[0]
		if pre == "_mta-sts":
			return (True, [["TXT", ["v=STSv1; id=%s" % b["id"]]]])
		if pre in ("mta-sts", "mail"):
			return (True, [["A", addr]])
		return (False, [])

	def lookup(self, name):
		"""lookup - (exists, rrs) for one name."""
		rrs = self.records.get(name)
		if rrs is not None:
			return (True, rrs)
		bulk = self._bulk_rrs(name)
		if bulk is not None and (bulk[0] or name not in self.exists):
			return bulk
		if name in self.exists or name in self.zones:
			return (True, [])
		return (False, [])


def _make_rr(name, rtype, data, ttl):
	"""_make_rr - a dnslib RR from the state notation."""
	if rtype == "A":
		rd = A(data)
	elif rtype == "AAAA":
		rd = AAAA(data)
	elif rtype == "TXT":
		rd = TXT(_txt_strings(data))
	elif rtype == "CNAME":
		rd = CNAME(data.rstrip(".") + ".")
	elif rtype == "MX":
		rd = MX(data[1].rstrip(".") + ".", int(data[0]))
	elif rtype == "NS":
		rd = NS(data.rstrip(".") + ".")
	elif rtype == "PTR":
		rd = PTR(data.rstrip(".") + ".")
	elif rtype == "TLSA":
		rd = TLSA(int(data[0]), int(data[1]), int(data[2]),
		    bytes.fromhex(data[3]))
	else:
		raise ValueError("unsupported record type " + rtype)
	return RR(name, getattr(QTYPE, rtype), ttl=ttl, rdata=rd)


class Engine:
	"""Engine - turns one query packet into one answer packet (or none)."""

	def __init__(self, store, logpath):
		self.store = store
		self.logf = open(logpath, "a", buffering=1, encoding="utf-8") \
		    if logpath else None
		self.loglock = threading.Lock()

	def log(self, proto, qname, qtype, result, answers):
		"""log - one JSON line per query."""
		if self.logf is None:
			return
		line = json.dumps({"t": time.time(), "proto": proto,
		    "qname": qname, "qtype": qtype, "result": result,
		    "answers": answers})
		with self.loglock:
			self.logf.write(line + "\n")

	def _soa(self, zone):
		"""_soa - the zone's SOA RR (authority of negative answers)."""
		st = self.store
		return RR(zone + ".", QTYPE.SOA, ttl=st.ttl, rdata=SOA(
		    "ns." + zone + ".", "hostmaster." + zone + ".",
		    (1, 3600, 600, 86400, st.ttl)))

	def answer(self, req, proto):
		"""answer - the reply record for req, or None to stay silent."""
		st = self.store
		st.maybe_reload()
		q = req.q
		qname = _norm(q.qname)
		qtype = QTYPE.get(q.qtype, str(q.qtype))
		reply = req.reply(ra=1, aa=1)
		zone = st.zone_of(qname)
		if zone is None:
			reply.header.aa = 0
			reply.header.rcode = RCODE.REFUSED
			self.log(proto, qname, qtype, "refused", 0)
			return reply
		name = qname
		owner = q.qname
		for hop in range(MAX_CHAIN):
			what = st.behaviour.get(name + "/" + qtype) or \
			    st.behaviour.get(name)
			if what == "timeout":
				self.log(proto, qname, qtype, "timeout", 0)
				return None
			if what in ("servfail", "refused"):
				reply.rr = []
				reply.header.aa = 0
				reply.header.rcode = RCODE.SERVFAIL \
				    if what == "servfail" else RCODE.REFUSED
				self.log(proto, qname, qtype, what, 0)
				return reply
			if what == "nxdomain":
				exists, rrs = False, []
			else:
				exists, rrs = st.lookup(name)
			if name == zone and qtype in ("SOA", "NS", "ANY"):
				if qtype in ("SOA", "ANY"):
					reply.add_answer(self._soa(zone))
				if qtype in ("NS", "ANY"):
					reply.add_answer(RR(zone + ".", QTYPE.NS,
					    ttl=st.ttl, rdata=NS("ns." + zone +
					    ".")))
			if not exists:
				reply.header.rcode = RCODE.NXDOMAIN
				reply.add_auth(self._soa(zone))
				self.log(proto, qname, qtype, "nxdomain",
				    len(reply.rr))
				return reply
			cname = [r for r in rrs if r[0] == "CNAME"]
			if cname and qtype != "CNAME":
				target = _norm(cname[0][1])
				reply.add_answer(_make_rr(owner, "CNAME",
				    target, st.ttl))
				tz = st.zone_of(target)
				if tz is None:
					break	# resolver goes on from here
				name, owner, zone = target, target + ".", tz
				continue
			for rtype, data in rrs:
				if rtype == qtype or qtype == "ANY":
					reply.add_answer(_make_rr(owner, rtype,
					    data, st.ttl))
			if not reply.rr or all(r.rtype == QTYPE.CNAME
			    for r in reply.rr):
				reply.add_auth(self._soa(zone))
			break
		self.log(proto, qname, qtype, "noerror", len(reply.rr))
		return reply

	def signed_answer(self, req, data, proto):
		"""signed_answer - the reply bytes for a name in a signed zone,
		or None to answer it the ordinary way (not signed, or a
		behaviour such as servfail or timeout applies)."""
		st = self.store
		st.maybe_reload()
		qname = _norm(req.q.qname)
		qtype = QTYPE.get(req.q.qtype, str(req.q.qtype))
		z = st.signed_zone_of(qname, qtype)
		if z is None:
			return None
		what = st.behaviour.get(qname + "/" + qtype) or \
		    st.behaviour.get(qname)
		if what not in (None, "bogus"):
			return None
		sz = st.signed.get(z)
		if sz is None:
			raise RuntimeError("signed zone %s: no dnspython" % z)
		limit = 65535
		edns = [r for r in req.ar if r.rtype == QTYPE.OPT]
		if proto == "udp":
			limit = max(512, min(edns[0].rclass, 4096)) if edns \
			    else 512
		with sz.lock:
			sz.build(st.signed_records[z], st.ttl, st.generation)
			out, word, n = sz.answer(data, st.behaviour, limit)
		self.log(proto, qname, qtype, word, n)
		return out

	def handle(self, data, proto):
		"""handle - bytes in, bytes out (None: no answer at all)."""
		try:
			req = DNSRecord.parse(data)
		except Exception:
			return None
		if req.header.qr or len(req.questions) != 1:
			return None
		try:
			signed = self.signed_answer(req, data, proto)
			if signed is not None:
				return signed
			reply = self.answer(req, proto)
		except Exception as e:
			sys.stderr.write("dnsserver: %s: %r\n" % (req.q.qname,
			    e))
			reply = req.reply()
			reply.header.rcode = RCODE.SERVFAIL
		if reply is None:
			return None
		limit = 65535
		edns = [r for r in req.ar if r.rtype == QTYPE.OPT]
		if edns:
			reply.add_ar(EDNS0(udp_len=1232))
			if proto == "udp":
				limit = max(512, min(edns[0].rclass, 4096))
		elif proto == "udp":
			limit = 512
		out = reply.pack()
		if len(out) > limit:
			trunc = req.reply(ra=1, aa=1)
			trunc.header.tc = 1
			trunc.header.rcode = reply.header.rcode
			if edns:
				trunc.add_ar(EDNS0(udp_len=1232))
			out = trunc.pack()
		return out


class UDPHandler(socketserver.BaseRequestHandler):
	"""UDPHandler - one datagram, one answer."""

	def handle(self):
		data, sock = self.request
		out = self.server.engine.handle(data, "udp")
		if out is not None:
			try:
				sock.sendto(out, self.client_address)
			except OSError:
				pass


def _recv_exact(sock, n):
	"""_recv_exact - n bytes from a stream, or None at EOF."""
	buf = b""
	while len(buf) < n:
		chunk = sock.recv(n - len(buf))
		if not chunk:
			return None
		buf += chunk
	return buf


class TCPHandler(socketserver.BaseRequestHandler):
	"""TCPHandler - length-prefixed queries until the client closes."""

	def handle(self):
		sock = self.request
		sock.settimeout(120)
		try:
			while True:
				hdr = _recv_exact(sock, 2)
				if hdr is None:
					return
				data = _recv_exact(sock, int.from_bytes(hdr,
				    "big"))
				if data is None:
					return
				out = self.server.engine.handle(data, "tcp")
				if out is not None:
					sock.sendall(len(out).to_bytes(2, "big") +
					    out)
		except OSError:
			return


def _servers(addr, port):
	"""_servers - bind UDP and TCP on one port (any free one when 0)."""
	family = socket.AF_INET6 if ":" in addr else socket.AF_INET

	class UDP(socketserver.ThreadingUDPServer):
		address_family = family
		daemon_threads = True
		allow_reuse_address = True

	class TCP(socketserver.ThreadingTCPServer):
		address_family = family
		daemon_threads = True
		allow_reuse_address = True
		request_queue_size = 256

	last = None
	for attempt in range(50):
		udp = UDP((addr, port), UDPHandler)
		p = udp.server_address[1]
		try:
			tcp = TCP((addr, p), TCPHandler)
		except OSError as e:
			udp.server_close()
			last = e
			if port != 0:
				raise
			continue
		return udp, tcp, p
	raise last


def _watch_parent(pid):
	"""_watch_parent - exit when the process that started us is gone."""
	while True:
		time.sleep(0.5)
		if os.getppid() != pid:
			os._exit(0)


def main():
	"""main - parse options, bind, print READY, serve until killed."""
	ap = argparse.ArgumentParser(description="test-world DNS server")
	ap.add_argument("--state", required=True)
	ap.add_argument("--log")
	ap.add_argument("--addr", default="127.0.0.1")
	ap.add_argument("--port", type=int, default=0)
	ap.add_argument("--parent", type=int)
	args = ap.parse_args()
	engine = Engine(Store(args.state), args.log)
	udp, tcp, port = _servers(args.addr, args.port)
	udp.engine = tcp.engine = engine
	for srv in (udp, tcp):
		threading.Thread(target=srv.serve_forever, daemon=True).start()
	if args.parent:
		threading.Thread(target=_watch_parent, args=(args.parent,),
		    daemon=True).start()
	sys.stdout.write("READY dns %s %d\n" % (args.addr, port))
	sys.stdout.flush()
	try:
		while True:
			time.sleep(3600)
	except KeyboardInterrupt:
		pass
	return 0


if __name__ == "__main__":
	sys.exit(main())
