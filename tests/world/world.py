#!/usr/bin/python3
#
# world.py - the MTA-STS test world: DNS, HTTPS policy hosts, SMTP MX peers,
# certificates.
#
# SYNOPSIS
#	/usr/bin/python3 world.py up --dir D [--addr A] [--dns-port N]
#	    [--https-port N] [--smtp-port N] [--bulk N] [--no-catalogue]
#	/usr/bin/python3 world.py catalogue
#	/usr/bin/python3 world.py add --dir D DOMAIN [--id ID] [--mode M]
#	    [--mx PATTERN ...] [--max-age S]
#	/usr/bin/python3 world.py txt --dir D DOMAIN [RR ...]
#	/usr/bin/python3 world.py policy --dir D DOMAIN FILE
#	/usr/bin/python3 world.py host --dir D DOMAIN KEY=VALUE ...
#	/usr/bin/python3 world.py dns --dir D NAME servfail|timeout|nxdomain|ok
#	/usr/bin/python3 world.py count --dir D DOMAIN
#	/usr/bin/python3 world.py mx --dir D HOST BEHAVIOUR [--domain D]
#	    [--pref N]
#	/usr/bin/python3 world.py smtp-log --dir D [HOST]
#	/usr/bin/python3 world.py tlsa --dir D HOST [U S M [SOURCE]] ...
#	/usr/bin/python3 world.py dns --dir D NAME bogus [--type TYPE]
#
#	from world import World
#	w = World("/tmp/w"); w.start()
#	w.dns_port, w.https_port, w.ca_file
#	w.add_domain("new.test", id="a1", mx=["mail.new.test"])
#	w.set_txt("new.test", "v=STSv1; id=a2"); w.set_host("new.test",
#	    status=404); w.fetch_count("new.test"); w.stop()
#	w.smtp_port; w.add_mx("mx.new.test", "nostarttls", domain="new.test")
#	w.smtp_sessions("mx.new.test"); w.smtp_messages("mx.new.test")
#
# DESCRIPTION
#	A World owns a directory holding the state file (state.json), the
#	certificates (certs/), and the logs of its three servers (dns.log,
#	https.log, smtp.log, one JSON object a line). start() runs
#	dnsserver.py, httpsserver.py and smtpserver.py as child processes on
#	free ports chosen by the kernel (or on the ports given, e.g. 53, 443
#	and 25 inside a network namespace) and learns the ports from their
#	READY lines. Every change made through the API rewrites state.json
#	atomically; the servers notice the new file on their next query, so
#	a change is visible as soon as the call returns. Use "with
#	w.batch():" to make many changes in one write.
#
#	SMTP MX peers (smtpserver.py): every MX host name resolves to a
#	loopback address and all share one port. Behaviours that show before
#	TLS (no STARTTLS, a slow banner, TLS 1.1 only, ...) are protocol
#	modes, each with its own address (SMTP_MODE_ADDRS, 127.0.0.21 and
#	up; 127.0.0.10 is left for a test Postfix); certificate behaviours
#	(wrong name, expired, rogue CA, CN only, wildcard) are chosen by the
#	SNI on the main address. add_mx() publishes a host with one of
#	MX_BEHAVIOURS (its A record, its certificate, optionally an MX record
#	of a domain); mx_catalogue() cases are loaded with the catalogue.
#
#	DNSSEC (dnssec.py): the zones of SIGNED_ZONES are signed on line
#	with a key of their own (dnssec/ZONE.key); w.trust_anchor names a
#	file with their DS records that a validating resolver is given
#	(dnssec_trust_anchor). set_tlsa() publishes TLSA RRs, tlsa_rr()
#	computes one from a certificate; set_behaviour(NAME, "bogus", TYPE)
#	breaks the signatures of an RRset. The dane_catalogue() cases (TLSA
#	data made from this world's certificates) are loaded with the
#	catalogue; MX behaviour "good-chain" sends the test CA after the
#	leaf (for DANE-TA).
#
#	start_validator() runs Debian's unbound daemon as a validating
#	recursive resolver in front of the world's DNS (for MTAs such as
#	Postfix that rely on the AD bit of their resolver): it forwards
#	everything to the world's server, validates with w.trust_anchor,
#	and keeps test. and example. insecure.
#
#	The default catalogue (catalogue.py) is loaded unless catalogue=False.
#	add_bulk(N) adds bNNNNN.bulk.test domains (all valid) served from
#	test-CA certificates of 1000 SANs each.
#
#	"up" runs a world in the foreground, prints "dns ADDR PORT", "https
#	ADDR PORT", "smtp ADDR PORT", "ca FILE", "trust-anchor FILE", "dir
#	D" and then "ready",
#	and stops on SIGINT
#	or SIGTERM. The other commands change or inspect a running world
#	through its directory.
#
# DIAGNOSTICS
#	WorldError when a server does not start (its stderr is included).
#
import argparse
import atexit
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from ca import CertFactory  # noqa: E402
import catalogue as catmod  # noqa: E402
try:
	import dnssec  # noqa: E402
except ImportError:		# no python3-dnspython: no signed zones
	dnssec = None

UNBOUND = os.environ.get("UNBOUND", "/usr/sbin/unbound")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else \
    sys.executable
EXPIRED = ("20200101000000Z", "20200201000000Z")
NOT_YET = ("20900101000000Z", "20910101000000Z")

# SMTP protocol modes that need their own address (smtpserver.py MODES);
# "normal" is the world's own address. Nothing listens on SMTP_DEAD_ADDR.
SMTP_MODE_ADDRS = {
	"nostarttls": "127.0.0.21",
	"slow-banner": "127.0.0.22",
	"tls11": "127.0.0.23",
	"starttls-refused": "127.0.0.24",
	"banner-reject": "127.0.0.25",
	"tempfail": "127.0.0.26",
}
SMTP_DEAD_ADDR = "127.0.0.29"

# Zones signed by the DNS server; their DS records are the trust anchor.
# An insecure child is an unsigned zone delegated from its signed parent.
SIGNED_ZONES = [catmod.SIGNED_ZONE]
INSECURE_CHILDREN = {catmod.SIGNED_ZONE: [catmod.UNSIGNED_CHILD]}

# add_mx behaviours: (protocol mode, certificate kind for mx_cert_for).
MX_BEHAVIOURS = {
	"good": ("normal", "valid"),
	"good-chain": ("normal", "valid-chain"),
	"nostarttls": ("nostarttls", "valid"),
	"starttls-refused": ("starttls-refused", "valid"),
	"badname": ("normal", "mismatch"),
	"sibling": ("normal", "sibling"),
	"expired": ("normal", "expired"),
	"notyet": ("normal", "notyet"),
	"untrusted": ("normal", "rogue"),
	"cnonly": ("normal", "cn-only"),
	"wildcard": ("normal", "wildcard"),
	"partial-wildcard": ("normal", "partial-wildcard"),
	"tls11": ("tls11", "valid"),
	"slow-banner": ("slow-banner", "valid"),
	"banner-reject": ("banner-reject", "valid"),
	"tempfail": ("tempfail", "valid"),
	"refused": ("dead", "valid"),
}


class WorldError(Exception):
	pass


def _norm(name):
	"""_norm - a DNS name as a state key."""
	return name.rstrip(".").lower()


def _rr_list(rrs):
	"""_rr_list - TXT arguments as a list of string lists (one per RR)."""
	out = []
	for rr in rrs:
		out.append([rr] if isinstance(rr, str) else list(rr))
	return out


class World:
	"""World - the servers, their shared state and their logs."""

	def __init__(self, directory, addr="127.0.0.1", dns_port=0,
	    https_port=0, catalogue=True, bulk=0, addr6="::1", smtp_port=None,
	    _attach=False):
		self.dir = os.path.abspath(directory)
		os.makedirs(self.dir, exist_ok=True)
		self.addr = addr
		self.addr6 = addr6		# HTTPS also here if possible
		self.https_v6 = False
		self.want_dns_port = dns_port
		self.want_https_port = https_port
		self.dns_port = None
		self.https_port = None
		# The well-known HTTPS port means a network namespace: SMTP
		# then takes its well-known port too, unless told otherwise.
		if smtp_port is None:
			smtp_port = 25 if https_port == 443 else 0
		self.want_smtp_port = smtp_port
		self.smtp_port = None
		self.smtp_addrs = {}		# mode -> address actually bound
		self.procs = []
		self.validator = None		# (addr, port) of start_validator()
		self.validator_proc = None
		self.state_path = os.path.join(self.dir, "state.json")
		self.dns_log = os.path.join(self.dir, "dns.log")
		self.https_log = os.path.join(self.dir, "https.log")
		self.smtp_log = os.path.join(self.dir, "smtp.log")
		self.certs = CertFactory(os.path.join(self.dir, "certs"))
		self.ca_file = self.certs.ca_cert
		self.rogue_ca_file = self.certs.rogue_cert
		self.cases = {}
		self.mx_cases = {}
		self.dane_cases = {}
		self.dnssec_dir = os.path.join(self.dir, "dnssec")
		self.trust_anchor = os.path.join(self.dnssec_dir,
		    "trust-anchor.key")
		self._batch = 0
		self._dirty = False
		if _attach:
			with open(self.state_path, encoding="utf-8") as f:
				self.state = json.load(f)
			try:
				with open(os.path.join(self.dir,
				    "world.json")) as f:
					info = json.load(f)
				self.addr = info["addr"]
				self.dns_port = info["dns_port"]
				self.https_port = info["https_port"]
				self.https_v6 = bool(info.get("https_v6"))
				self.smtp_port = info.get("smtp_port")
				self.smtp_addrs = info.get("smtp_addrs") or {}
			except (OSError, ValueError, KeyError):
				pass
			return
		for path in (self.dns_log, self.https_log, self.smtp_log):
			with open(path, "w"):
				pass
		default = self.certs.leaf("default.invalid")
		self.state = {"version": 1, "ttl": 0,
		    "zones": ["test", "example"], "records": {},
		    "behaviour": {}, "hosts": {},
		    "default_cert": {"cert": default,
		    "key": self.certs.leaf_key}, "bulk": None,
		    "mx_hosts": {}, "smtp": {"slow_banner_delay": 60},
		    "signed": {}}
		if dnssec is not None:
			self._sign_zones(SIGNED_ZONES)
		with self.batch():
			if catalogue:
				self.load_catalogue()
			if bulk:
				self.add_bulk(bulk)

	def _sign_zones(self, zones):
		"""_sign_zones - a key per zone, the state entry, the anchor file."""
		os.makedirs(self.dnssec_dir, exist_ok=True)
		lines = []
		for z in zones:
			key = dnssec.make_key(os.path.join(self.dnssec_dir,
			    _norm(z) + ".key"))
			self.state["signed"][_norm(z)] = {"key": key,
			    "insecure": INSECURE_CHILDREN.get(z, [])}
			lines.append(dnssec.anchor_line(z, key))
		tmp = self.trust_anchor + ".tmp"
		with open(tmp, "w") as f:
			f.write("; test trust anchors of the mtasts world\n" +
			    "\n".join(lines) + "\n")
		os.replace(tmp, self.trust_anchor)

	@classmethod
	def attach(cls, directory):
		"""attach - a World for a directory a running "up" owns."""
		return cls(directory, _attach=True)

	# --- state file -------------------------------------------------

	def _write(self):
		"""_write - replace state.json (unless inside a batch)."""
		if self._batch:
			self._dirty = True
			return
		tmp = self.state_path + ".%d.tmp" % os.getpid()
		with open(tmp, "w", encoding="utf-8") as f:
			json.dump(self.state, f)
		os.replace(tmp, self.state_path)
		self._dirty = False

	@contextlib.contextmanager
	def batch(self):
		"""batch - group changes into a single state write."""
		self._batch += 1
		try:
			yield self
		finally:
			self._batch -= 1
			if self._batch == 0:
				self._write()

	# --- DNS ----------------------------------------------------------

	def set_records(self, name, rrs):
		"""set_records - all records of a name ([[TYPE, DATA], ...])."""
		name = _norm(name)
		if rrs:
			self.state["records"][name] = [list(r) for r in rrs]
		else:
			self.state["records"].pop(name, None)
		self._write()

	def add_record(self, name, rtype, data):
		"""add_record - one more record for a name."""
		name = _norm(name)
		self.state["records"].setdefault(name, []).append([rtype, data])
		self._write()

	def remove_records(self, name, rtype=None):
		"""remove_records - a name's records (of one type, or all)."""
		name = _norm(name)
		rrs = self.state["records"].get(name, [])
		rrs = [r for r in rrs if rtype is not None and r[0] != rtype]
		self.set_records(name, rrs)

	def set_behaviour(self, name, what, qtype=None):
		"""set_behaviour - servfail/timeout/refused/nxdomain, or None."""
		key = _norm(name) + ("/" + qtype.upper() if qtype else "")
		if what:
			self.state["behaviour"][key] = what
		else:
			self.state["behaviour"].pop(key, None)
		self._write()

	def set_txt(self, domain, *rrs):
		"""set_txt - the _mta-sts TXT RRs of domain (none: NXDOMAIN).

		Each argument is one RR: a string, or a list of strings for an
		RR of several character-strings. Clears any behaviour set on
		the name."""
		name = "_mta-sts." + _norm(domain)
		self.state["behaviour"].pop(name, None)
		self.state["behaviour"].pop(name + "/TXT", None)
		self.set_records(name, [["TXT", s] for s in _rr_list(rrs)])

	def set_id(self, domain, sts_id):
		"""set_id - publish "v=STSv1; id=ID" for domain."""
		self.set_txt(domain, "v=STSv1; id=%s" % sts_id)

	# --- HTTPS --------------------------------------------------------

	def cert_for(self, domain, kind="valid"):
		"""cert_for - the certificate file for a policy host and kind."""
		host = "mta-sts." + _norm(domain)
		cf = self.certs
		if kind == "valid":
			return cf.leaf(host)
		if kind == "expired":
			return cf.leaf("expired." + host, sans=[host],
			    start=EXPIRED[0], end=EXPIRED[1])
		if kind == "notyet":
			return cf.leaf("notyet." + host, sans=[host],
			    start=NOT_YET[0], end=NOT_YET[1])
		if kind == "cn-only":
			return cf.leaf("cn-only." + host, sans=[], cn=host)
		if kind == "mismatch":
			return cf.leaf("mta-sts.other.test")
		if kind == "rogue":
			return cf.leaf("rogue." + host, sans=[host],
			    issuer="rogue")
		if kind == "provider":
			return cf.leaf("mta-sts.provider.example",
			    sans=["mta-sts.provider.example",
			    "mta-sts.provider.test"])
		if kind == "wildcard":
			return cf.leaf("wildcard." + _norm(domain),
			    sans=["*." + _norm(domain)])
		if kind == "wildcard-parent":
			parent = _norm(domain).split(".", 1)[1]
			return cf.leaf("wildcard." + parent,
			    sans=["*." + parent])
		if kind == "partial-wildcard":
			return cf.leaf("partial." + host,
			    sans=["mta-*." + _norm(domain)])
		if os.path.exists(kind):
			return kind
		raise WorldError("unknown certificate kind " + kind)

	def set_host(self, domain, _reset=False, **fields):
		"""set_host - merge behaviour fields into a policy host.

		Fields: status, content_type (None: no header), body, pad_to,
		headers, location, behaviour, delay, cert (a kind for
		cert_for)."""
		host = "mta-sts." + _norm(domain)
		old = self.state["hosts"].get(host, {})
		h = {"cert": old.get("cert"), "key": self.certs.leaf_key} \
		    if _reset else dict(old)
		if "cert" in fields:
			h["cert"] = self.cert_for(domain, fields.pop("cert"))
		if not h.get("cert"):
			h["cert"] = self.cert_for(domain)
		h["key"] = self.certs.leaf_key
		h.setdefault("status", 200)
		h.setdefault("content_type", "text/plain")
		h.update(fields)
		self.state["hosts"][host] = h
		self._write()

	def set_policy(self, domain, body, **fields):
		"""set_policy - the body a policy host serves (and fields)."""
		self.set_host(domain, body=body, **fields)

	def set_cert(self, domain, kind):
		"""set_cert - which certificate the policy host presents."""
		self.set_host(domain, cert=kind)

	def add_domain(self, domain, id="w1", policy=None, mode="enforce",
	    mx=None, max_age=86400, txt=None, cert="valid", mx_records=True,
	    cname=None, **host):
		"""add_domain - a complete policy domain: TXT, host, policy, MX.

		txt overrides the record (list of RRs; [] for none); policy
		overrides the body; cname makes mta-sts.DOMAIN a CNAME."""
		d = _norm(domain)
		if policy is None:
			policy = catmod.base_policy(d, mode=mode, mx=mx,
			    max_age=max_age)
		with self.batch():
			if txt is None:
				self.set_id(d, id)
			else:
				self.set_txt(d, *txt)
			if cname:
				self.set_records("mta-sts." + d,
				    [["CNAME", cname]])
			else:
				self.set_records("mta-sts." + d,
				    [["A", self.addr]])
			self.set_host(d, _reset=True, cert=cert, body=policy,
			    **host)
			if mx_records:
				self.set_records(d, [["MX", [10, "mail." + d]]])
				self.set_records("mail." + d, [["A", self.addr]])

	def remove_domain(self, domain):
		"""remove_domain - every record and the host of a domain."""
		d = _norm(domain)
		with self.batch():
			for name in ("_mta-sts." + d, "mta-sts." + d, d,
			    "mail." + d):
				self.set_records(name, None)
			self.state["hosts"].pop("mta-sts." + d, None)

	def add_bulk(self, count, zone="bulk.test", sts_id="bulk1", chunk=1000,
	    max_age=86400):
		"""add_bulk - count valid domains bNNNNN.ZONE for load tests."""
		certs = []
		for i in range(0, count, chunk):
			names = ["mta-sts.b%05d.%s" % (j, zone)
			    for j in range(i, min(count, i + chunk))]
			certs.append(self.certs.leaf("bulk.%s.%d-%d" % (zone, i,
			    i + len(names)), sans=names, cn="bulk %s %d" %
			    (zone, i)))
		self.state["bulk"] = {"zone": zone, "count": count,
		    "id": sts_id, "chunk": chunk, "certs": certs,
		    "key": self.certs.leaf_key, "addr": self.addr,
		    "max_age": max_age}
		self._write()

	# --- SMTP MX peers ------------------------------------------------

	def mx_cert_for(self, host, kind="valid"):
		"""mx_cert_for - the certificate file an MX host presents."""
		host = _norm(host)
		cf = self.certs
		label = "smtp-%s.%s" % (kind, host)
		parent = host.split(".", 1)[1] if "." in host else host
		if kind == "valid":
			return cf.leaf(label, sans=[host])
		if kind == "valid-chain":
			leaf = cf.leaf(label, sans=[host])
			chain = leaf[:-len(".crt")] + ".chain.crt"
			with open(leaf) as f, open(cf.ca_cert) as g:
				text = f.read() + g.read()
			with open(chain + ".tmp", "w") as f:
				f.write(text)
			os.replace(chain + ".tmp", chain)
			return chain
		if kind == "mismatch":
			return cf.leaf(label, sans=["mx.other.test"])
		if kind == "sibling":
			return cf.leaf(label, sans=["other." + parent])
		if kind == "expired":
			return cf.leaf(label, sans=[host], start=EXPIRED[0],
			    end=EXPIRED[1])
		if kind == "notyet":
			return cf.leaf(label, sans=[host], start=NOT_YET[0],
			    end=NOT_YET[1])
		if kind == "rogue":
			return cf.leaf(label, sans=[host], issuer="rogue")
		if kind == "cn-only":
			return cf.leaf(label, sans=[], cn=host)
		if kind == "wildcard":
			return cf.leaf(label, sans=["*." + parent])
		if kind == "partial-wildcard":
			return cf.leaf(label, sans=[host[0] + "*." + parent])
		if os.path.exists(kind):
			return kind
		raise WorldError("unknown certificate kind " + kind)

	def mx_addr(self, behaviour):
		"""mx_addr - the address an MX host of a behaviour resolves to."""
		mode = MX_BEHAVIOURS[behaviour][0]
		if mode == "normal":
			return self.addr
		if mode == "dead":
			return SMTP_DEAD_ADDR
		return SMTP_MODE_ADDRS[mode]

	def add_mx(self, host, behaviour="good", domain=None, pref=10,
	    cert=None, addrs=None):
		"""add_mx - an SMTP MX peer: A record(s), certificate, MX.

		behaviour is a key of MX_BEHAVIOURS; cert overrides its
		certificate kind; addrs overrides the A records (a list,
		tried in order by clients). With domain, an MX record
		"pref host" is added to the domain's MX records."""
		h = _norm(host)
		if behaviour not in MX_BEHAVIOURS:
			raise WorldError("unknown MX behaviour " + behaviour)
		mode, kind = MX_BEHAVIOURS[behaviour]
		kind = cert or kind
		if addrs is None:
			addrs = [self.mx_addr(behaviour)]
		with self.batch():
			self.state["mx_hosts"][h] = {
			    "cert": self.mx_cert_for(h, kind),
			    "key": self.certs.leaf_key, "behaviour": behaviour,
			    "mode": mode, "cert_kind": kind,
			    "addrs": list(addrs)}
			rrs = [r for r in self.state["records"].get(h, [])
			    if r[0] not in ("A", "AAAA")]
			rrs += [["AAAA" if ":" in a else "A", a] for a in addrs]
			self.set_records(h, rrs)
			if domain is not None:
				self.add_mx_record(domain, pref, h)
		return h

	def set_mx_records(self, domain, mxs):
		"""set_mx_records - a domain's MX RRs: [(pref, host), ...].

		[(0, ".")] is a null MX (RFC 7505); [] removes them all."""
		d = _norm(domain)
		rrs = [r for r in self.state["records"].get(d, [])
		    if r[0] != "MX"]
		rrs += [["MX", [int(p), m]] for p, m in mxs]
		self.set_records(d, rrs)

	def add_mx_record(self, domain, pref, host):
		"""add_mx_record - one more MX RR for a domain."""
		self.add_record(domain, "MX", [int(pref), _norm(host) or "."])

	def set_tlsrpt(self, domain, *rrs):
		"""set_tlsrpt - the _smtp._tls TXT RRs of a domain (none: gone)."""
		self.set_records("_smtp._tls." + _norm(domain),
		    [["TXT", s] for s in _rr_list(rrs)])

	def tlsa_rr(self, host, usage, selector, mtype, source="leaf"):
		"""tlsa_rr - one TLSA RR [usage, selector, mtype, HEX] for host.

		source: "leaf" (the certificate host presents), "ca" (the test
		CA), "rogue" (the rogue CA), or a certificate file."""
		if source == "leaf":
			cert = self.state["mx_hosts"][_norm(host)]["cert"]
		elif source == "ca":
			cert = self.ca_file
		elif source == "rogue":
			cert = self.rogue_ca_file
		else:
			cert = source
		return [int(usage), int(selector), int(mtype),
		    dnssec.tlsa_data(cert, int(selector), int(mtype))]

	def set_tlsa(self, host, rrs, port=25):
		"""set_tlsa - the TLSA RRs of _PORT._tcp.HOST ([] removes them)."""
		self.set_records("_%d._tcp.%s" % (port, _norm(host)),
		    [["TLSA", list(r)] for r in rrs])

	def apply_dane_case(self, case):
		"""apply_dane_case - publish one catalogue DaneCase."""
		d = _norm(case.domain)
		with self.batch():
			self.add_domain(d, id="dane1", mode=case.mode,
			    mx=case.policy_mx, mx_records=False)
			for host, beh in case.hosts.items():
				self.add_mx(host, beh)
			self.set_mx_records(d, case.mx)
			for host, specs in case.tlsa.items():
				self.set_tlsa(host, [self.tlsa_rr(host, *sp)
				    for sp in specs])
			for key in case.bogus:
				name, _, qtype = key.partition("/")
				self.set_behaviour(name, "bogus", qtype or None)
		self.dane_cases[d] = case

	def set_smtp(self, **fields):
		"""set_smtp - server-wide SMTP settings (slow_banner_delay)."""
		self.state["smtp"].update(fields)
		self._write()

	def apply_mx_case(self, case):
		"""apply_mx_case - publish one catalogue MxCase."""
		d = _norm(case.domain)
		with self.batch():
			self.add_domain(d, id=case.id, mode=case.mode,
			    mx=case.policy_mx, mx_records=False)
			for host, beh in case.hosts.items():
				addrs = case.addrs.get(host)
				if addrs is not None:
					addrs = [{"@addr": self.addr, "@dead":
					    SMTP_DEAD_ADDR}.get(a, a) for a in addrs]
				self.add_mx(host, beh, addrs=addrs)
			self.set_mx_records(d, case.mx)
			if case.tlsrpt is not None:
				self.set_tlsrpt(d, *case.tlsrpt)
		self.mx_cases[d] = case

	# --- the catalogue ------------------------------------------------

	def apply_case(self, case):
		"""apply_case - publish one catalogue Case."""
		d = _norm(case.domain)
		with self.batch():
			if case.txt is not None:
				self.set_txt(d, *case.txt)
			for name, rrs in case.dns.items():
				self.set_records(name, rrs)
			for name, what in case.behaviour.items():
				self.set_behaviour(name, what)
			if d not in case.dns:
				self.set_records(d, [["MX", [10, "mail." + d]]])
			self.set_records("mail." + d, [["A", self.addr]])
			if case.policy is not None:
				host = dict(case.host)
				cname = host.pop("cname", None)
				aaaa = host.pop("aaaa", None)
				if cname:
					self.set_records("mta-sts." + d,
					    [["CNAME", cname]])
				elif aaaa:
					self.set_records("mta-sts." + d,
					    [["AAAA", aaaa]])
				else:
					self.set_records("mta-sts." + d,
					    [["A", self.addr]])
				self.set_host(d, _reset=True, cert=case.cert,
				    body=case.policy, **host)
		self.cases[d] = case

	def load_catalogue(self):
		"""load_catalogue - the provider domain and every Case."""
		with self.batch():
			# the delegation provider of X19/F10
			self.add_domain("provider.example", id="p1",
			    cert="provider")
			self.set_records("mta-sts.provider.test",
			    [["A", self.addr]])
			for case in catmod.catalogue():
				self.apply_case(case)
			for case in catmod.mx_catalogue():
				self.apply_mx_case(case)
			if dnssec is not None:
				for case in catmod.dane_catalogue():
					self.apply_dane_case(case)

	# --- processes ----------------------------------------------------

	def _spawn(self, script, port, errname):
		"""_spawn - start one server and wait for its READY line."""
		err = open(os.path.join(self.dir, errname), "w")
		log = {"dns": self.dns_log, "htt": self.https_log,
		    "smt": self.smtp_log}[script[:3]]
		args = [PYTHON, os.path.join(HERE, script), "--state",
		    self.state_path, "--log", log, "--addr",
		    self.addr, "--port", str(port), "--parent", str(os.getpid())]
		if script.startswith("https") and self.addr6:
			args += ["--addr6", self.addr6]
		if script.startswith("smtp"):
			for mode, a in sorted(SMTP_MODE_ADDRS.items()):
				args += ["--listen", "%s=%s" % (a, mode)]
		p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err,
		    stdin=subprocess.DEVNULL, close_fds=True)
		err.close()
		self.procs.append(p)
		deadline = time.time() + 20
		line = b""
		while time.time() < deadline:
			r, _, _ = select.select([p.stdout], [], [], 0.2)
			if r:
				line = p.stdout.readline()
				break
			if p.poll() is not None:
				break
		if not line.startswith(b"READY "):
			p.kill()
			p.wait()
			with open(os.path.join(self.dir, errname)) as f:
				msg = f.read().strip()
			raise WorldError("%s did not start (exit %s): %s" %
			    (script, p.returncode, msg[-2000:]))
		words = line.decode().split()
		if script.startswith("https"):
			self.https_v6 = len(words) > 4
		if script.startswith("smtp"):
			self.smtp_addrs = {m: a for a, _, m in
			    (w.partition("=") for w in words[4:])}
		return int(words[3])

	def start(self):
		"""start - run both servers; learn their ports."""
		self._write()
		try:
			self.dns_port = self._spawn("dnsserver.py",
			    self.want_dns_port, "dns.err")
			self.https_port = self._spawn("httpsserver.py",
			    self.want_https_port, "https.err")
			self.smtp_port = self._spawn("smtpserver.py",
			    self.want_smtp_port, "smtp.err")
		except Exception:
			self.stop()
			raise
		with open(os.path.join(self.dir, "world.json"), "w") as f:
			json.dump({"addr": self.addr, "dns_port": self.dns_port,
			    "https_port": self.https_port, "https_v6":
			    self.addr6 if self.https_v6 else None,
			    "smtp_port": self.smtp_port,
			    "smtp_addrs": self.smtp_addrs,
			    "ca": self.ca_file,
			    "pid": os.getpid()}, f)
		atexit.register(self.stop)
		return self

	def start_validator(self, addr="127.0.0.53", port=0, timeout=15):
		"""start_validator - unbound(8) validating in front of the world.

		Listens on addr:port (port 0: a free one), forwards every name
		to the world's DNS server, validates with the world's trust
		anchor (so answers in the signed zone get the AD bit and bogus
		ones SERVFAIL) and treats the rest of test. and example. as
		insecure. Returns (addr, port); stop() ends it too."""
		import socket
		if self.validator_proc is not None:
			return self.validator
		if port == 0:
			s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
			s.bind((addr, 0))
			port = s.getsockname()[1]
			s.close()
		vdir = os.path.join(self.dir, "validator")
		os.makedirs(vdir, exist_ok=True)
		conf = os.path.join(vdir, "unbound.conf")
		with open(conf, "w") as f:
			f.write("server:\n"
			    "\tinterface: %s\n\tport: %d\n"
			    "\tdo-daemonize: no\n\tuse-syslog: no\n"
			    "\tlogfile: \"\"\n\tchroot: \"\"\n"
			    "\tusername: \"\"\n\tpidfile: \"\"\n"
			    "\tdirectory: \"%s\"\n"
			    "\tdo-ip6: no\n\tdo-not-query-localhost: no\n"
			    "\taccess-control: 127.0.0.0/8 allow\n"
			    "\tmodule-config: \"validator iterator\"\n"
			    "\ttrust-anchor-file: \"%s\"\n"
			    "\tdomain-insecure: \"test.\"\n"
			    "\tdomain-insecure: \"example.\"\n"
			    "\tlocal-zone: \"test.\" nodefault\n"
			    "\tval-log-level: 2\n\tverbosity: 1\n"
			    "forward-zone:\n\tname: \".\"\n"
			    "\tforward-addr: %s@%d\n" % (addr, port, vdir,
			    self.trust_anchor, self.addr, self.dns_port))
		err = open(os.path.join(self.dir, "validator.err"), "w")
		p = subprocess.Popen([UNBOUND, "-d", "-c", conf],
		    stdout=err, stderr=subprocess.STDOUT,
		    stdin=subprocess.DEVNULL, close_fds=True)
		err.close()
		self.validator_proc = p
		deadline = time.time() + timeout
		query = bytes.fromhex("abcd01000001000000000000") + \
		    b"\x06dnssec\x04test\x00\x00\x06\x00\x01"	# SOA
		while True:
			if p.poll() is not None:
				with open(os.path.join(self.dir,
				    "validator.err")) as f:
					msg = f.read().strip()
				self.validator_proc = None
				raise WorldError("unbound did not start (exit %s): "
				    "%s" % (p.returncode, msg[-2000:]))
			s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
			s.settimeout(0.5)
			try:
				s.sendto(query, (addr, port))
				if s.recv(4096)[:2] == query[:2]:
					break
			except OSError:
				pass
			finally:
				s.close()
			if time.time() > deadline:
				self.stop_validator()
				raise WorldError("unbound did not answer on "
				    "%s@%d" % (addr, port))
		self.validator = (addr, port)
		return self.validator

	def stop_validator(self):
		"""stop_validator - end the unbound of start_validator()."""
		p, self.validator_proc = self.validator_proc, None
		self.validator = None
		if p is None:
			return
		if p.poll() is None:
			p.terminate()
		try:
			p.wait(5)
		except subprocess.TimeoutExpired:
			p.kill()
			p.wait()

	def stop(self):
		"""stop - terminate the servers (SIGTERM, then SIGKILL)."""
		self.stop_validator()
		procs, self.procs = self.procs, []
		for p in procs:
			if p.poll() is None:
				p.terminate()
		for p in procs:
			try:
				p.wait(5)
			except subprocess.TimeoutExpired:
				p.kill()
				p.wait()
			if p.stdout:
				p.stdout.close()

	def alive(self):
		"""alive - are all three servers still running?"""
		return len(self.procs) == 3 and all(p.poll() is None
		    for p in self.procs)

	def __enter__(self):
		return self.start()

	def __exit__(self, *exc):
		self.stop()

	# --- observation --------------------------------------------------

	def mark(self):
		"""mark - current log positions, for the since= arguments."""
		return {"dns": os.path.getsize(self.dns_log),
		    "https": os.path.getsize(self.https_log),
		    "smtp": os.path.getsize(self.smtp_log)}

	@staticmethod
	def _read(path, offset):
		"""_read - JSON lines of a log from a byte offset."""
		out = []
		with open(path, "rb") as f:
			# mark() may have caught a line half written: start at
			# the first line that begins at or after the offset.
			if offset > 0:
				f.seek(offset - 1)
				if f.read(1) != b"\n":
					f.readline()
			else:
				f.seek(0)
			for line in f:
				if line.endswith(b"\n"):
					out.append(json.loads(line))
		return out

	def https_events(self, domain=None, event="request", since=None):
		"""https_events - logged events, optionally for one domain."""
		evs = self._read(self.https_log, since["https"] if since else 0)
		host = "mta-sts." + _norm(domain) if domain else None
		out = []
		for ev in evs:
			if event and ev.get("event") != event:
				continue
			if host is not None:
				sni = (ev.get("sni") or "").lower()
				hh = (ev.get("host") or "").lower().split(":")[0]
				if sni != host and not (not sni and hh == host):
					continue
			out.append(ev)
		return out

	def requests(self, domain, since=None):
		"""requests - the HTTP requests a policy host received."""
		return self.https_events(domain, "request", since)

	def fetch_count(self, domain, since=None):
		"""fetch_count - how many HTTP requests reached mta-sts.DOMAIN."""
		return len(self.requests(domain, since))

	def tls_count(self, domain, since=None):
		"""tls_count - TLS handshakes begun with SNI mta-sts.DOMAIN."""
		return len(self.https_events(domain, "tls", since))

	def dns_queries(self, qname=None, qtype=None, since=None,
	    contains=None):
		"""dns_queries - logged queries, filtered by name/type/substring."""
		evs = self._read(self.dns_log, since["dns"] if since else 0)
		out = []
		for ev in evs:
			if qname is not None and ev["qname"] != _norm(qname):
				continue
			if qtype is not None and ev["qtype"] != qtype:
				continue
			if contains is not None and \
			    contains.lower() not in ev["qname"]:
				continue
			out.append(ev)
		return out


	def _smtp_events(self, event, since):
		"""_smtp_events - smtp.log events of one kind."""
		evs = self._read(self.smtp_log, since["smtp"] if since else 0)
		return [ev for ev in evs if ev.get("event") == event]

	def _smtp_match(self, ev, host):
		"""_smtp_match - did this session or message go to host?

		With TLS the SNI names the host; without it, a host is known
		only by a protocol-mode address of its own."""
		h = _norm(host)
		if ev.get("sni"):
			return _norm(ev["sni"]) == h
		info = self.state.get("mx_hosts", {}).get(h)
		if not info:
			return False
		return ev.get("local") in info.get("addrs", []) and \
		    ev.get("local") in SMTP_MODE_ADDRS.values()

	def smtp_sessions(self, host=None, since=None):
		"""smtp_sessions - finished SMTP sessions (of one MX host)."""
		evs = self._smtp_events("session", since)
		if host is None:
			return evs
		return [ev for ev in evs if self._smtp_match(ev, host)]

	def smtp_messages(self, host=None, since=None):
		"""smtp_messages - messages the MX peers accepted."""
		evs = self._smtp_events("message", since)
		if host is None:
			return evs
		return [ev for ev in evs if self._smtp_match(ev, host)]

	def wait_smtp_sessions(self, host=None, since=None, count=1,
	    timeout=10):
		"""wait_smtp_sessions - poll until count sessions are logged."""
		end = time.time() + timeout
		while True:
			evs = self.smtp_sessions(host, since)
			if len(evs) >= count or time.time() > end:
				return evs
			time.sleep(0.05)


def _cmd_up(args):
	"""_cmd_up - run a world in the foreground until a signal."""
	w = World(args.dir, addr=args.addr, dns_port=args.dns_port,
	    https_port=args.https_port, catalogue=not args.no_catalogue,
	    bulk=args.bulk, smtp_port=args.smtp_port)
	w.start()
	print("dns %s %d" % (w.addr, w.dns_port))
	print("https %s %d" % (w.addr, w.https_port))
	print("smtp %s %d" % (w.addr, w.smtp_port))
	print("ca %s" % w.ca_file)
	print("trust-anchor %s" % w.trust_anchor)
	print("dir %s" % w.dir)
	print("ready", flush=True)
	done = []

	def stop(signum, frame):
		done.append(signum)
	signal.signal(signal.SIGTERM, stop)
	signal.signal(signal.SIGINT, stop)
	while not done:
		if not w.alive():
			sys.stderr.write("world.py: a server died, see %s\n" %
			    w.dir)
			w.stop()
			return 1
		time.sleep(0.5)
	w.stop()
	return 0


def _parse_value(v):
	"""_parse_value - KEY=VALUE values: ints, null, JSON, or a string."""
	try:
		return json.loads(v)
	except ValueError:
		return v


def main(argv=None):
	"""main - the command line."""
	ap = argparse.ArgumentParser(prog="world.py",
	    description="MTA-STS test world")
	sub = ap.add_subparsers(dest="cmd", required=True)
	p = sub.add_parser("up", help="run the world in the foreground")
	p.add_argument("--dir", required=True)
	p.add_argument("--addr", default="127.0.0.1")
	p.add_argument("--dns-port", type=int, default=0)
	p.add_argument("--https-port", type=int, default=0)
	p.add_argument("--smtp-port", type=int, default=None,
	    help="default 0 (any), or 25 with --https-port 443")
	p.add_argument("--bulk", type=int, default=0)
	p.add_argument("--no-catalogue", action="store_true")
	sub.add_parser("catalogue", help="list the default domains")
	p = sub.add_parser("add", help="add a valid policy domain")
	p.add_argument("--dir", required=True)
	p.add_argument("domain")
	p.add_argument("--id", default="w1")
	p.add_argument("--mode", default="enforce")
	p.add_argument("--mx", action="append")
	p.add_argument("--max-age", type=int, default=86400)
	p = sub.add_parser("txt", help="set the _mta-sts TXT RRs")
	p.add_argument("--dir", required=True)
	p.add_argument("domain")
	p.add_argument("rr", nargs="*")
	p = sub.add_parser("policy", help="set a policy body from a file")
	p.add_argument("--dir", required=True)
	p.add_argument("domain")
	p.add_argument("file")
	p = sub.add_parser("host", help="set policy host fields")
	p.add_argument("--dir", required=True)
	p.add_argument("domain")
	p.add_argument("fields", nargs="+", metavar="KEY=VALUE")
	p = sub.add_parser("dns", help="make a name fail or answer again")
	p.add_argument("--dir", required=True)
	p.add_argument("name")
	p.add_argument("what", choices=["servfail", "timeout", "refused",
	    "nxdomain", "bogus", "ok"])
	p.add_argument("--type", help="only this record type (e.g. TLSA)")
	p = sub.add_parser("count", help="HTTP requests of a policy host")
	p.add_argument("--dir", required=True)
	p.add_argument("domain")
	p = sub.add_parser("mx", help="add an SMTP MX peer")
	p.add_argument("--dir", required=True)
	p.add_argument("host")
	p.add_argument("behaviour", choices=sorted(MX_BEHAVIOURS))
	p.add_argument("--domain", help="also an MX record of this domain")
	p.add_argument("--pref", type=int, default=10)
	p = sub.add_parser("tlsa", help="set the TLSA RRs of _25._tcp.HOST")
	p.add_argument("--dir", required=True)
	p.add_argument("host")
	p.add_argument("spec", nargs="*", metavar="U,S,M[,SOURCE]",
	    help="usage,selector,mtype and leaf|ca|rogue|FILE (default "
	    "leaf); none removes them")
	p = sub.add_parser("smtp-log", help="SMTP sessions, one JSON a line")
	p.add_argument("--dir", required=True)
	p.add_argument("host", nargs="?")
	args = ap.parse_args(argv)

	if args.cmd == "up":
		return _cmd_up(args)
	if args.cmd == "catalogue":
		return catmod.main()
	w = World.attach(args.dir)
	if args.cmd == "add":
		w.add_domain(args.domain, id=args.id, mode=args.mode,
		    mx=args.mx, max_age=args.max_age)
	elif args.cmd == "txt":
		w.set_txt(args.domain, *args.rr)
	elif args.cmd == "policy":
		if args.file == "-":
			body = sys.stdin.read()
		else:
			with open(args.file, encoding="utf-8") as f:
				body = f.read()
		w.set_policy(args.domain, body)
	elif args.cmd == "host":
		fields = {}
		for kv in args.fields:
			k, _, v = kv.partition("=")
			fields[k] = _parse_value(v)
		w.set_host(args.domain, **fields)
	elif args.cmd == "dns":
		w.set_behaviour(args.name, None if args.what == "ok" else
		    args.what, args.type)
	elif args.cmd == "count":
		print(w.fetch_count(args.domain))
	elif args.cmd == "mx":
		w.add_mx(args.host, args.behaviour, domain=args.domain,
		    pref=args.pref)
	elif args.cmd == "tlsa":
		rrs = []
		for spec in args.spec:
			f = spec.split(",")
			rrs.append(w.tlsa_rr(args.host, *f[:4]))
		w.set_tlsa(args.host, rrs)
	elif args.cmd == "smtp-log":
		for ev in w.smtp_sessions(args.host):
			print(json.dumps(ev))
	return 0


if __name__ == "__main__":
	sys.exit(main())
