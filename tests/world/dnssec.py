#!/usr/bin/python3
#
# dnssec.py - DNSSEC-signed zones of the test world (dnspython's signer).
#
# SYNOPSIS
#	import dnssec
#	dnssec.make_key(PATH)			# EC P-256 zone key, PEM (0600)
#	dnssec.anchor_line(ZONE, PATH)		# "ZONE. IN DS ..." for a trust
#						# anchor file (unbound syntax)
#	s = dnssec.SignedZone(ZONE, PATH)
#	wire = s.answer(query_wire, nodes, behaviour, limit)
#	dnssec.tlsa_data(CERT, selector, mtype)	# TLSA association data (hex)
#
# DESCRIPTION
#	A signed zone has one key (a combined KSK/ZSK, flags 257, algorithm
#	13, ECDSAP256SHA256) whose DS record is the trust anchor a validating
#	resolver is given (world.py writes it to dnssec/trust-anchor.key).
#	The DNS server (dnsserver.py) hands every query for a name inside a
#	signed zone to SignedZone.answer() with the zone's records from the
#	state file; the answer is built and signed on line, like an online
#	signer (PowerDNS, Knot with on-line signing): every RRset of the
#	answer and authority sections gets an RRSIG made by
#	dns.dnssec.sign() when the query has the DO bit, and negative answers
#	carry the NSEC records of the zone's NSEC chain (RFC 4035 §3.1.3):
#	  NODATA	the NSEC of the name (its type bitmap lacks the type);
#	  empty non-terminal  the NSEC that covers the name;
#	  NXDOMAIN	the NSEC that covers the name and the one that covers
#			the wildcard at the closest encloser.
#	The chain holds every name that owns records, apex first, in the
#	canonical order of RFC 4034 §6.1 (dnspython's Name ordering).
#	Signatures are cached per RRset content, valid from an hour ago to
#	30 days ahead.
#
#	Behaviour "bogus" on a name ("NAME" or "NAME/TYPE") makes the
#	signatures of that name's RRsets (of that type) invalid: one bit of
#	each signature is flipped, so a validator sees a well-formed RRSIG
#	that does not verify (RFC 4035 §5.3: bogus).
#
#	The zone's apex holds SOA, NS and DNSKEY besides its state records.
#	A record's TTL is the state's ttl, or the third element of the
#	record ([TYPE, DATA, TTL]).
#
import datetime
import hashlib
import os
import threading

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM = dns.dnssec.Algorithm.ECDSAP256SHA256
MAX_CHAIN = 12
IN = dns.rdataclass.IN


def make_key(path):
	"""make_key - an EC P-256 zone key in PEM at path (kept if present)."""
	if os.path.exists(path):
		return path
	key = ec.generate_private_key(ec.SECP256R1())
	pem = key.private_bytes(serialization.Encoding.PEM,
	    serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
	tmp = path + ".tmp"
	fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
	with os.fdopen(fd, "wb") as f:
		f.write(pem)
	os.replace(tmp, path)
	return path


def load_key(path):
	"""load_key - the private key of a PEM file."""
	with open(path, "rb") as f:
		return serialization.load_pem_private_key(f.read(), None)


def dnskey_of(key):
	"""dnskey_of - the DNSKEY rdata (SEP, zone key) of a private key."""
	return dns.dnssec.make_dnskey(key.public_key(), ALGORITHM,
	    flags=dns.dnssec.Flag.ZONE | dns.dnssec.Flag.SEP)


def anchor_line(zone, key_path):
	"""anchor_line - the DS of a zone's key as one zone-file line."""
	origin = dns.name.from_text(zone)
	ds = dns.dnssec.make_ds(origin, dnskey_of(load_key(key_path)),
	    "SHA256")
	return "%s IN DS %s" % (origin.to_text(), ds.to_text())


def tlsa_data(cert_path, selector, mtype):
	"""tlsa_data - TLSA association data of a PEM certificate, as hex.

	selector 0: the whole certificate (DER), 1: its SubjectPublicKeyInfo;
	mtype 0: exact, 1: SHA-256, 2: SHA-512 (RFC 6698 §2.1)."""
	with open(cert_path, "rb") as f:
		cert = x509.load_pem_x509_certificate(f.read())
	if selector == 0:
		blob = cert.public_bytes(serialization.Encoding.DER)
	else:
		blob = cert.public_key().public_bytes(
		    serialization.Encoding.DER,
		    serialization.PublicFormat.SubjectPublicKeyInfo)
	if mtype == 1:
		blob = hashlib.sha256(blob).digest()
	elif mtype == 2:
		blob = hashlib.sha512(blob).digest()
	return blob.hex()


def _txt_rdata(data):
	"""_txt_rdata - one TXT rdata from the state notation."""
	if isinstance(data, str):
		data = [data]
	strings = []
	for s in data:
		b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
		if not b:
			strings.append(b"")
		while b:
			strings.append(b[:255])
			b = b[255:]
	return dns.rdtypes.ANY.TXT.TXT(IN, dns.rdatatype.TXT, strings)


def _fqdn(text):
	"""_fqdn - a host name of the state as absolute text."""
	return text.rstrip(".") + "."


def make_rdata(rtype, data):
	"""make_rdata - a dnspython rdata from the state notation."""
	if rtype == "TXT":
		return _txt_rdata(data)
	if rtype == "MX":
		text = "%d %s" % (int(data[0]), _fqdn(data[1]) if
		    data[1].strip(".") else ".")
	elif rtype in ("CNAME", "NS", "PTR"):
		text = _fqdn(data)
	elif rtype == "TLSA":
		text = "%d %d %d %s" % (int(data[0]), int(data[1]),
		    int(data[2]), data[3])
	else:
		text = data
	return dns.rdata.from_text(IN, dns.rdatatype.from_text(rtype), text)


class SignedZone:
	"""SignedZone - one zone's key, signature cache and answers."""

	def __init__(self, zone, key_path):
		self.origin = dns.name.from_text(zone)
		self.key = load_key(key_path)
		self.dnskey = dnskey_of(self.key)
		# Held around build() and answer() by the server (so a
		# rebuild never swaps the data under an answer) and by _sign().
		self.lock = threading.RLock()
		self.sigs = {}
		self.built_for = None
		self.nodes = {}
		self.chain = []

	# --- zone data ------------------------------------------------------

	def build(self, records, ttl, generation):
		"""build - index the zone's records (once per state generation).

		records: {name: [[TYPE, DATA(, TTL)], ...]} of names inside."""
		if self.built_for == generation:
			return
		nodes = {}
		for name, rrs in records.items():
			owner = dns.name.from_text(name)
			node = nodes.setdefault(owner, {})
			for rr in rrs:
				rtype = dns.rdatatype.from_text(rr[0])
				rttl = int(rr[2]) if len(rr) > 2 else ttl
				t, rds = node.setdefault(rtype, (rttl, []))
				rds.append(make_rdata(rr[0], rr[1]))
		apex = nodes.setdefault(self.origin, {})
		z = self.origin.to_text()
		apex[dns.rdatatype.SOA] = (ttl, [dns.rdata.from_text(IN,
		    dns.rdatatype.SOA, "ns.%s hostmaster.%s 1 3600 600 86400 "
		    "%d" % (z, z, ttl))])
		apex[dns.rdatatype.NS] = (ttl, [dns.rdata.from_text(IN,
		    dns.rdatatype.NS, "ns." + z)])
		apex[dns.rdatatype.DNSKEY] = (ttl, [self.dnskey])
		self.nodes = nodes
		self.chain = sorted(nodes)
		self.soa_ttl = ttl
		self.built_for = generation

	def _rrset(self, owner, rtype):
		"""_rrset - the RRset of owner and type from the nodes."""
		ttl, rds = self.nodes[owner][rtype]
		rrs = dns.rrset.RRset(owner, IN, rtype)
		rrs.update_ttl(ttl)
		for rd in rds:
			rrs.add(rd)
		return rrs

	def _nsec(self, owner):
		"""_nsec - the NSEC RRset of a chain member."""
		i = self.chain.index(owner)
		nxt = self.chain[(i + 1) % len(self.chain)]
		types = sorted(set(self.nodes[owner]) | {dns.rdatatype.RRSIG,
		    dns.rdatatype.NSEC})
		text = "%s %s" % (nxt.to_text(), " ".join(
		    dns.rdatatype.to_text(t) for t in types))
		rrs = dns.rrset.RRset(owner, IN, dns.rdatatype.NSEC)
		rrs.update_ttl(self.soa_ttl)
		rrs.add(dns.rdata.from_text(IN, dns.rdatatype.NSEC, text))
		return rrs

	def _covering(self, name):
		"""_covering - the chain member just before name (canonical)."""
		best = self.chain[0]
		for n in self.chain:
			if n < name:
				best = n
			else:
				break
		return best

	def _exists(self, name):
		"""_exists - does name own records or have descendants?"""
		if name in self.nodes:
			return True
		return any(n != name and n.is_subdomain(name)
		    for n in self.chain)

	# --- signatures -----------------------------------------------------

	def _sign(self, rrset, bogus):
		"""_sign - the RRSIG RRset of rrset (cached; bogus: corrupted)."""
		key = (rrset.name, rrset.rdtype, rrset.ttl,
		    tuple(sorted(rd.to_text() for rd in rrset)))
		with self.lock:
			sig = self.sigs.get(key)
			if sig is None:
				now = datetime.datetime.now(
				    datetime.timezone.utc)
				sig = dns.dnssec.sign(rrset, self.key,
				    self.origin, self.dnskey,
				    inception=now - datetime.timedelta(hours=1),
				    expiration=now + datetime.timedelta(days=30))
				self.sigs[key] = sig
		if bogus:
			b = bytearray(sig.signature)
			b[len(b) // 2] ^= 0x01
			sig = sig.replace(signature=bytes(b))
		out = dns.rrset.RRset(rrset.name, IN, dns.rdatatype.RRSIG,
		    rrset.rdtype)
		out.update_ttl(rrset.ttl)
		out.add(sig)
		return out

	# --- answers --------------------------------------------------------

	def resolve(self, qname, qtype):
		"""resolve - (rcode, answer RRsets, authority RRsets)."""
		answer, auth = [], []
		name = qname
		rcode = dns.rcode.NOERROR
		for hop in range(MAX_CHAIN):
			node = self.nodes.get(name)
			if node is None:
				auth.append(self._rrset(self.origin,
				    dns.rdatatype.SOA))
				cover = self._covering(name)
				auth.append(self._nsec(cover))
				if self._exists(name):
					break		# empty non-terminal
				rcode = dns.rcode.NXDOMAIN
				ce = name.parent()
				while not self._exists(ce):
					ce = ce.parent()
				wild = dns.name.Name((b"*",) + ce.labels)
				wcover = self._covering(wild)
				if wcover != cover:
					auth.append(self._nsec(wcover))
				break
			if dns.rdatatype.CNAME in node and \
			    qtype != dns.rdatatype.CNAME:
				rrs = self._rrset(name, dns.rdatatype.CNAME)
				answer.append(rrs)
				target = rrs[0].target
				if not target.is_subdomain(self.origin):
					break
				name = target
				continue
			if qtype == dns.rdatatype.ANY:
				for t in sorted(node):
					answer.append(self._rrset(name, t))
			elif qtype in node:
				answer.append(self._rrset(name, qtype))
			else:
				auth.append(self._rrset(self.origin,
				    dns.rdatatype.SOA))
				auth.append(self._nsec(name))
			break
		return rcode, answer, auth

	def answer(self, data, behaviour, limit):
		"""answer - (wire reply, result word) for one query packet.

		behaviour: {name or name/TYPE: what} with names as in the state
		(lower case, no trailing dot)."""
		q = dns.message.from_wire(data)
		qname = q.question[0].name
		qtype = q.question[0].rdtype
		do = q.edns >= 0 and bool(q.ednsflags & dns.flags.DO)
		resp = dns.message.make_response(q, recursion_available=True,
		    our_payload=1232)
		resp.flags |= dns.flags.AA
		if q.edns >= 0:
			resp.use_edns(0, dns.flags.DO if do else 0, 1232)
		rcode, answer, auth = self.resolve(qname, qtype)
		resp.set_rcode(rcode)

		def is_bogus(rrset):
			n = rrset.name.to_text().rstrip(".").lower()
			t = dns.rdatatype.to_text(rrset.rdtype)
			return behaviour.get(n + "/" + t) == "bogus" or \
			    behaviour.get(n) == "bogus"
		for section, rrsets in ((resp.answer, answer),
		    (resp.authority, auth)):
			for rrs in rrsets:
				section.append(rrs)
				if do:
					section.append(self._sign(rrs,
					    is_bogus(rrs)))
		try:
			out = resp.to_wire(max_size=limit)
		except dns.exception.TooBig:
			trunc = dns.message.make_response(q,
			    recursion_available=True, our_payload=1232)
			trunc.flags |= dns.flags.AA | dns.flags.TC
			if q.edns >= 0:
				trunc.use_edns(0, dns.flags.DO if do else 0,
				    1232)
			trunc.set_rcode(rcode)
			out = trunc.to_wire()
		word = "nxdomain" if rcode == dns.rcode.NXDOMAIN else "noerror"
		return out, word, len(answer)
