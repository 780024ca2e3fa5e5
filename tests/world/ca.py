#!/usr/bin/python3
#
# ca.py - certificates for the test world, made with the openssl CLI.
#
# SYNOPSIS
#	from ca import CertFactory
#	cf = CertFactory("/tmp/world/certs")
#	crt = cf.leaf("mta-sts.enforce.test")		# test CA, SAN = name
#	crt = cf.leaf("x", sans=["*.wild.test"])	# any SAN list
#	crt = cf.leaf("x", sans=[], cn="mta-sts.cn-only.test")	# CN only
#	crt = cf.leaf("x", issuer="rogue")		# signed by the rogue CA
#	crt = cf.leaf("x", start="20200101000000Z", end="20200201000000Z")
#	cf.ca_cert, cf.rogue_cert, cf.leaf_key		# paths
#
#	/usr/bin/python3 ca.py DIR NAME...		# prints one path a line
#
# DESCRIPTION
#	Generates, in a given directory, a test CA (the one policyd is told to
#	trust with tls_ca_file), a rogue CA (nobody trusts it) and leaf
#	certificates. Every leaf uses ONE shared EC P-256 key, so a leaf costs
#	a single fast openssl call. A leaf is cached by its label together
#	with the parameters it was made with: asking again for the same thing
#	returns the existing file, asking for something different remakes it.
#	Dates outside "now .. now + days" (expired, not yet valid) go through
#	"openssl ca", since OpenSSL 3.0's req/x509 commands cannot set
#	notBefore.
#
# DIAGNOSTICS
#	Raises CertError with openssl's stderr when a command fails.
#
import hashlib
import json
import os
import re
import subprocess
import sys
import threading

OPENSSL = os.environ.get("OPENSSL", "openssl")


class CertError(Exception):
	pass


def _run(args, cwd=None):
	"""_run - run one openssl command; raise CertError with its stderr."""
	p = subprocess.run([OPENSSL] + args, cwd=cwd, stdout=subprocess.PIPE,
	    stderr=subprocess.PIPE)
	if p.returncode != 0:
		raise CertError("openssl %s failed: %s" % (" ".join(args[:2]),
		    p.stderr.decode(errors="replace").strip()))
	return p.stdout


def _safe(label):
	"""_safe - a file name for a label (wildcards and the like removed)."""
	s = re.sub(r"[^A-Za-z0-9._-]", "_", label)
	if len(s) > 100:
		s = s[:60] + "-" + hashlib.sha256(label.encode()).hexdigest()[:16]
	return s


class CertFactory:
	"""CertFactory - the test CA, the rogue CA and cached leaf certificates."""

	def __init__(self, directory):
		self.dir = os.path.abspath(directory)
		os.makedirs(self.dir, exist_ok=True)
		self._lock = threading.Lock()
		self._serial = 0
		self.ca_cert, self.ca_key = self._make_ca("ca",
		    "mtasts Test CA")
		self.rogue_cert, self.rogue_key = self._make_ca("rogue-ca",
		    "mtasts Rogue CA")
		self.leaf_key = os.path.join(self.dir, "leaf.key")
		if not os.path.exists(self.leaf_key):
			self._genkey(self.leaf_key)

	def _genkey(self, path):
		"""_genkey - a new EC P-256 key, written atomically."""
		tmp = path + ".tmp"
		_run(["genpkey", "-algorithm", "EC", "-pkeyopt",
		    "ec_paramgen_curve:P-256", "-out", tmp])
		os.chmod(tmp, 0o600)
		os.replace(tmp, path)

	def _make_ca(self, stem, cn):
		"""_make_ca - a self-signed CA certificate and its key (reused)."""
		crt = os.path.join(self.dir, stem + ".crt")
		key = os.path.join(self.dir, stem + ".key")
		if os.path.exists(crt) and os.path.exists(key):
			return crt, key
		self._genkey(key)
		tmp = crt + ".tmp"
		_run(["req", "-x509", "-new", "-key", key, "-subj", "/CN=" + cn,
		    "-days", "3650", "-sha256",
		    "-addext", "basicConstraints=critical,CA:TRUE",
		    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
		    "-addext", "subjectKeyIdentifier=hash",
		    "-out", tmp])
		os.replace(tmp, crt)
		return crt, key

	def _next_serial(self):
		"""_next_serial - a serial number unlikely to repeat across runs."""
		self._serial += 1
		return "%d%06d%04d" % (os.getpid(), int.from_bytes(os.urandom(3),
		    "big"), self._serial)

	def leaf(self, label, sans=None, issuer="test", cn=None, start=None,
	    end=None, days=825):
		"""leaf - path of a leaf certificate; made unless cached.

		label	file stem and, by default, the only SAN (DNS).
		sans	list of DNS names for subjectAltName; [] means none.
		issuer	"test" or "rogue".
		cn	subject CN (default: the first SAN, or the label).
		start, end  "YYYYMMDDHHMMSSZ" validity bounds (openssl ca).
		"""
		if sans is None:
			sans = [label]
		if cn is None:
			cn = sans[0] if sans else label
		if len(cn) > 64:
			cn = cn[:64]
		spec = {"sans": list(sans), "issuer": issuer, "cn": cn,
		    "start": start, "end": end, "days": days}
		stem = _safe(label)
		crt = os.path.join(self.dir, stem + ".crt")
		specf = os.path.join(self.dir, stem + ".spec")
		with self._lock:
			try:
				with open(specf) as f:
					if json.load(f) == spec and \
					    os.path.exists(crt):
						return crt
			except (OSError, ValueError):
				pass
			if issuer == "test":
				ca_crt, ca_key = self.ca_cert, self.ca_key
			elif issuer == "rogue":
				ca_crt, ca_key = self.rogue_cert, self.rogue_key
			else:
				raise CertError("unknown issuer " + issuer)
			if start or end:
				self._leaf_ca(crt, spec, ca_crt, ca_key)
			else:
				self._leaf_req(crt, spec, ca_crt, ca_key)
			with open(specf + ".tmp", "w") as f:
				json.dump(spec, f)
			os.replace(specf + ".tmp", specf)
			return crt

	def _extensions(self, spec):
		"""_extensions - the v3 extension lines of a leaf."""
		ext = ["basicConstraints=critical,CA:FALSE",
		    "keyUsage=critical,digitalSignature",
		    "extendedKeyUsage=serverAuth",
		    "subjectKeyIdentifier=hash",
		    "authorityKeyIdentifier=keyid"]
		if spec["sans"]:
			ext.append("subjectAltName=" +
			    ",".join("DNS:" + s for s in spec["sans"]))
		return ext

	def _leaf_req(self, crt, spec, ca_crt, ca_key):
		"""_leaf_req - one "openssl req -x509 -CA" call (usual dates)."""
		extfile = crt + ".ext"
		with open(extfile, "w") as f:
			f.write("[v3]\n" + "\n".join(self._extensions(spec)) +
			    "\n")
		tmp = crt + ".tmp"
		try:
			_run(["req", "-new", "-x509", "-key", self.leaf_key,
			    "-subj", "/CN=" + spec["cn"], "-CA", ca_crt,
			    "-CAkey", ca_key, "-days", str(spec["days"]),
			    "-sha256", "-set_serial", self._next_serial(),
			    "-config", extfile, "-extensions", "v3",
			    "-out", tmp])
		finally:
			os.unlink(extfile)
		os.replace(tmp, crt)

	def _leaf_ca(self, crt, spec, ca_crt, ca_key):
		"""_leaf_ca - "openssl ca" with explicit start and end dates."""
		work = crt + ".d"
		os.makedirs(work, exist_ok=True)
		csr = os.path.join(work, "req.csr")
		_run(["req", "-new", "-key", self.leaf_key, "-subj",
		    "/CN=" + spec["cn"], "-out", csr])
		cnf = os.path.join(work, "ca.cnf")
		with open(os.path.join(work, "index.txt"), "w"):
			pass
		with open(os.path.join(work, "serial"), "w") as f:
			f.write("%s\n" % os.urandom(8).hex())
		with open(cnf, "w") as f:
			f.write("[ca]\ndefault_ca = cad\n"
			    "[cad]\n"
			    "database = %s/index.txt\n"
			    "new_certs_dir = %s\n"
			    "serial = %s/serial\n"
			    "default_md = sha256\n"
			    "policy = pol\n"
			    "unique_subject = no\n"
			    "[pol]\ncommonName = supplied\n"
			    "[v3]\n%s\n" % (work, work, work,
			    "\n".join(self._extensions(spec))))
		args = ["ca", "-batch", "-config", cnf, "-cert", ca_crt,
		    "-keyfile", ca_key, "-in", csr, "-notext", "-extensions",
		    "v3", "-out", crt + ".tmp"]
		if spec["start"]:
			args += ["-startdate", spec["start"]]
		if spec["end"]:
			args += ["-enddate", spec["end"]]
		else:
			args += ["-days", str(spec["days"])]
		_run(args)
		os.replace(crt + ".tmp", crt)
		for name in os.listdir(work):
			os.unlink(os.path.join(work, name))
		os.rmdir(work)

	def bundle(self, label, names):
		"""bundle - one test-CA certificate whose SANs are all of names."""
		return self.leaf(label, sans=list(names), cn=label[:64])


def cert_info(path):
	"""cert_info - subject, issuer, dates and SANs of a certificate (text)."""
	return _run(["x509", "-in", path, "-noout", "-subject", "-issuer",
	    "-dates", "-ext", "subjectAltName"]).decode()


def main(argv):
	"""main - ca.py DIR NAME...: make leaves, print their paths."""
	if len(argv) < 2:
		sys.stderr.write("usage: ca.py DIR [NAME...]\n")
		return 2
	cf = CertFactory(argv[1])
	print(cf.ca_cert)
	for name in argv[2:]:
		print(cf.leaf(name))
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
