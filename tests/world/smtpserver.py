#!/usr/bin/python3
#
# smtpserver.py - the SMTP MX peers of the test world (ESMTP, STARTTLS).
#
# SYNOPSIS
#	/usr/bin/python3 smtpserver.py --state FILE --log FILE
#	    [--addr 127.0.0.1] [--port 0] [--listen ADDR=MODE ...]
#	    [--parent PID]
#
# DESCRIPTION
#	One threaded ESMTP server stands for every MX host of the world. All
#	MX names share one port, so a session picks its behaviour in two
#	steps:
#
#	- before TLS, by the local address it was reached on: --addr speaks
#	  "normal" ESMTP with STARTTLS, and each --listen ADDR=MODE binds
#	  one more loopback address (same port) with a protocol mode:
#	    normal		EHLO offers STARTTLS
#	    nostarttls		no STARTTLS in EHLO; the command gets 502
#	    starttls-refused	STARTTLS offered, the command gets 454
#	    tls11		STARTTLS offered, TLS 1.0/1.1 only (OpenSSL
#				security level 0)
#	    slow-banner		the 220 greeting comes after
#				smtp.slow_banner_delay seconds (or never,
#				if the client leaves first)
#	    banner-reject	greets with 554 and closes after QUIT
#	    tempfail		greets with 421 and closes
#	- in STARTTLS, by the SNI the client sends: the certificate comes
#	  from the state's "mx_hosts" {name: {"cert", "key"}} entry for that
#	  name, or "default_cert" for unknown names and no SNI.
#
#	After STARTTLS the client must EHLO again. MAIL, RCPT, DATA, RSET,
#	NOOP, VRFY (252), HELP and QUIT work; DATA is accepted (dot-stuffing
#	undone, up to 10 MB) and logged. Lines are limited to 1000 octets,
#	idle clients are dropped after 60 s with 421.
#
#	State keys used here (re-read when world.py replaces the file):
#	  mx_hosts	{host: {"cert": PEM, "key": PEM, ...}}
#	  default_cert	{"cert", "key"}
#	  smtp		{"slow_banner_delay": seconds (default 60)}
#
#	Log (--log), one JSON object a line:
#	  {"event": "session", "id": N, "t": start, "end": t, "local":
#	   "127.0.0.1", "port": 25, "peer": "127.0.0.1", "mode": "normal",
#	   "banner": true (a greeting, 220 or not, was sent; false when the
#	   client left during a slow banner), "ehlo": "probe.example" (the
#	   first EHLO/HELO name),
#	   "commands": ["EHLO", "STARTTLS", "EHLO", "QUIT"], "starttls":
#	   true (the TLS handshake completed), "sni": "mx.x.test", "host":
#	   the mx_hosts name the SNI selected or null, "tls_version":
#	   "TLSv1.3", "cipher": ..., "tls_error": text or null,
#	   "after_starttls": octets the client pipelined after STARTTLS
#	   (discarded), "mail_from": true if MAIL FROM was ever sent,
#	   "messages": N, "quit": true}
#	  written when the session ends (before the 221 reply to QUIT, so a
#	  client that saw 221 finds it in the log), and for every accepted
#	  message, before the 250 reply to the final ".":
#	  {"event": "message", "session": N, "t": ..., "local", "sni",
#	   "host", "tls_version", "mail_from": "<a@b>", "rcpt": ["<c@d>"],
#	   "data": the message octets as a latin-1 string (lossless:
#	   .encode("latin-1") gives the bytes back), "size": N}
#
#	When bound it prints "READY smtp ADDR PORT [ADDR=MODE ...]" on
#	stdout. With --port 0 the kernel picks a port free on every address.
#	With --parent it exits when that process goes away.
#
import argparse
import itertools
import json
import os
import select
import socket
import socketserver
import ssl
import sys
import threading
import time

from statefile import StateFile

LINE_MAX = 1000			# RFC 5321 §4.5.3.1.6 text line, CRLF included
DATA_MAX = 10 * 1024 * 1024
IDLE_TIMEOUT = 60
RCPT_MAX = 100
MODES = ("normal", "nostarttls", "starttls-refused", "tls11",
    "slow-banner", "banner-reject", "tempfail")

_ids = itertools.count(1)
_current = threading.local()	# the Session whose handshake runs here


class State:
	"""State - the MX part of the world state; reloads on change."""

	def __init__(self, path):
		self.file = StateFile(path)
		self.hosts = {}
		self.default = None
		self.smtp = {}
		self.ctxs = {}
		self.lock = threading.Lock()
		self.maybe_reload()

	def maybe_reload(self):
		"""maybe_reload - read the state file again if it was replaced."""
		self.file.poll(self._load)

	def _load(self, state):
		"""_load - take the parts of a state document we use."""
		self.hosts = {k.lower(): v for k, v in
		    state.get("mx_hosts", {}).items()}
		self.default = state.get("default_cert")
		self.smtp = dict(state.get("smtp") or {})

	def host(self, name):
		"""host - the mx_hosts entry of a name, or None."""
		if not name:
			return None
		return self.hosts.get(name.lower().rstrip("."))

	def context(self, cert, key, mode, sni=False):
		"""context - a cached server SSLContext for a cert and mode.

		sni=True: the context a handshake starts with, whose SNI
		callback switches to the certificate of the named host."""
		k = (cert, key, os.stat(cert).st_mtime_ns, mode == "tls11", sni)
		with self.lock:
			ctx = self.ctxs.get(k)
			if ctx is None:
				ctx = _server_context(mode)
				ctx.load_cert_chain(cert, key)
				if sni:
					ctx.sni_callback = _sni_callback
				self.ctxs[k] = ctx
		return ctx


def _server_context(mode):
	"""_server_context - a server context; TLS 1.0/1.1 only for tls11."""
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
	if mode == "tls11":
		# OpenSSL 3 refuses TLS < 1.2 above security level 0.
		ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
		ctx.options &= ~getattr(ssl, "OP_NO_TLSv1_1", 0)
		ctx.options &= ~getattr(ssl, "OP_NO_TLSv1", 0)
		import warnings
		with warnings.catch_warnings():
			warnings.simplefilter("ignore", DeprecationWarning)
			ctx.minimum_version = ssl.TLSVersion.TLSv1
			ctx.maximum_version = ssl.TLSVersion.TLSv1_1
	else:
		ctx.minimum_version = ssl.TLSVersion.TLSv1_2
	return ctx


def _sni_callback(sslsock, name, ctx):
	"""_sni_callback - hand the SNI to the Session doing the handshake."""
	s = getattr(_current, "session", None)
	if s is None:
		return None
	return s.sni(sslsock, name)


class Log:
	"""Log - JSON lines, one per event, shared by all threads."""

	def __init__(self, path):
		self.f = open(path, "a", buffering=1, encoding="utf-8") \
		    if path else None
		self.lock = threading.Lock()

	def write(self, ev):
		if self.f is None:
			return
		line = json.dumps(ev)
		with self.lock:
			self.f.write(line + "\n")


class Closed(Exception):
	"""Closed - the client went away (or timed out)."""


class Session:
	"""Session - one SMTP conversation on one accepted socket."""

	def __init__(self, server, sock, peer):
		self.srv = server
		self.sock = sock
		self.buf = b""
		self.tls = None
		self.ehlo_seen = False
		self.mail = None
		self.rcpt = []
		lp = sock.getsockname()
		self.ev = {"event": "session", "id": next(_ids),
		    "t": time.time(), "local": lp[0], "port": lp[1],
		    "peer": peer[0], "mode": server.mode, "banner": False,
		    "ehlo": None, "commands": [], "starttls": False,
		    "sni": None, "host": None, "tls_version": None,
		    "cipher": None, "tls_error": None, "after_starttls": 0,
		    "mail_from": False, "messages": 0, "quit": False}
		self.logged = False

	# --- I/O ----------------------------------------------------------

	def send(self, text):
		"""send - one reply (lines joined with CRLF)."""
		try:
			(self.tls or self.sock).sendall(text.encode("utf-8") +
			    b"\r\n")
		except (OSError, ssl.SSLError):
			raise Closed()

	def readline(self, limit=LINE_MAX):
		"""readline - one line without CRLF; None if it was too long."""
		s = self.tls or self.sock
		toolong = False
		while b"\n" not in self.buf:
			if len(self.buf) > limit:
				self.buf = b""
				toolong = True
			try:
				chunk = s.recv(4096)
			except (socket.timeout, OSError, ssl.SSLError):
				raise Closed()
			if not chunk:
				raise Closed()
			self.buf += chunk
		line, _, self.buf = self.buf.partition(b"\n")
		if toolong or len(line) + 1 > limit:
			return None
		return line.rstrip(b"\r")

	def peer_gone(self, timeout):
		"""peer_gone - wait up to timeout s; True if the client closed."""
		end = time.time() + timeout
		while True:
			left = end - time.time()
			if left <= 0:
				return False
			r, _, _ = select.select([self.sock], [], [], min(left, 0.5))
			if r:
				try:
					data = self.sock.recv(4096)
				except OSError:
					return True
				if not data:
					return True
				self.buf += data

	def log_session(self):
		"""log_session - the session line, once."""
		if self.logged:
			return
		self.logged = True
		self.ev["end"] = time.time()
		self.srv.log.write(self.ev)

	# --- the conversation ---------------------------------------------

	def run(self):
		"""run - greet, then commands until QUIT or the client leaves."""
		self.sock.settimeout(IDLE_TIMEOUT)
		try:
			if not self.greet():
				return
			while True:
				line = self.readline()
				if line is None:
					self.send("500 5.5.2 Line too long")
					continue
				if not self.command(line):
					return
		except Closed:
			return
		finally:
			self.log_session()

	def greeting_name(self):
		m = self.srv.mode
		return "mx.world.test" if m == "normal" else \
		    "mx-%s.world.test" % m

	def greet(self):
		"""greet - the 220 banner (or a delay, or a refusal)."""
		mode = self.srv.mode
		st = self.srv.state
		st.maybe_reload()
		if mode == "slow-banner":
			delay = float(st.smtp.get("slow_banner_delay", 60))
			if self.peer_gone(delay):
				return False
		self.ev["banner"] = True
		if mode == "tempfail":
			self.send("421 4.3.2 %s Service not available, try later"
			    % self.greeting_name())
			return False
		if mode == "banner-reject":
			self.send("554 5.3.2 %s No SMTP service here" %
			    self.greeting_name())
		else:
			self.send("220 %s ESMTP mtasts test world" %
			    self.greeting_name())
		return True

	def command(self, line):
		"""command - handle one command line; False ends the session."""
		text = line.decode("utf-8", "replace")
		verb, _, arg = text.partition(" ")
		verb = verb.upper()
		self.ev["commands"].append(verb[:16])
		mode = self.srv.mode
		if verb == "QUIT":
			self.ev["quit"] = True
			self.log_session()
			self.send("221 2.0.0 Bye")
			return False
		if mode == "banner-reject" and verb not in ("NOOP", "RSET"):
			self.send("503 5.5.1 No SMTP service here")
			return True
		if verb in ("EHLO", "HELO"):
			return self.ehlo(verb, arg.strip())
		if verb == "STARTTLS":
			return self.starttls(arg)
		if verb == "NOOP":
			self.send("250 2.0.0 Ok")
		elif verb == "RSET":
			self.mail, self.rcpt = None, []
			self.send("250 2.0.0 Ok")
		elif verb == "VRFY":
			self.send("252 2.0.0 Cannot VRFY user")
		elif verb == "HELP":
			self.send("214 2.0.0 See RFC 5321")
		elif verb == "MAIL":
			self.ev["mail_from"] = True
			if not self.ehlo_seen:
				self.send("503 5.5.1 Send EHLO first")
			elif self.mail is not None:
				self.send("503 5.5.1 Nested MAIL command")
			elif not arg.upper().startswith("FROM:"):
				self.send("501 5.5.4 Syntax: MAIL FROM:<address>")
			else:
				self.mail = arg[5:].strip().split(" ")[0]
				self.send("250 2.1.0 Ok")
		elif verb == "RCPT":
			if self.mail is None:
				self.send("503 5.5.1 Need MAIL command")
			elif not arg.upper().startswith("TO:"):
				self.send("501 5.5.4 Syntax: RCPT TO:<address>")
			elif len(self.rcpt) >= RCPT_MAX:
				self.send("452 4.5.3 Too many recipients")
			else:
				self.rcpt.append(arg[3:].strip().split(" ")[0])
				self.send("250 2.1.5 Ok")
		elif verb == "DATA":
			return self.data()
		else:
			self.send("502 5.5.2 Command not recognized")
		return True

	def ehlo(self, verb, name):
		"""ehlo - EHLO/HELO: the extension list depends on the mode."""
		if not name:
			self.send("501 5.5.4 Syntax: %s hostname" % verb)
			return True
		if self.ev["ehlo"] is None:
			self.ev["ehlo"] = name[:255]
		self.ehlo_seen = True
		self.mail, self.rcpt = None, []
		me = self.greeting_name()
		if verb == "HELO":
			self.send("250 %s" % me)
			return True
		ext = ["PIPELINING", "SIZE %d" % DATA_MAX, "8BITMIME",
		    "ENHANCEDSTATUSCODES"]
		if self.tls is None and self.srv.mode != "nostarttls":
			ext.append("STARTTLS")
		lines = [me + " Hello " + name[:64]] + ext
		self.send("\r\n".join("250%s%s" % ("-" if i < len(lines) - 1
		    else " ", s) for i, s in enumerate(lines)))
		return True

	def sni(self, sslsock, name):
		"""sni - pick the certificate of the MX host the client names."""
		self.ev["sni"] = name
		st = self.srv.state
		st.maybe_reload()
		h = st.host(name)
		if h is None:
			return None
		self.ev["host"] = name.lower().rstrip(".")
		try:
			sslsock.context = st.context(h["cert"], h["key"],
			    self.srv.mode)
		except (OSError, ssl.SSLError, KeyError) as e:
			self.ev["tls_error"] = "cannot load certificate: %s" % e
			return ssl.ALERT_DESCRIPTION_INTERNAL_ERROR
		return None

	def starttls(self, arg):
		"""starttls - 220, then the TLS handshake (SNI picks the cert)."""
		mode = self.srv.mode
		if self.tls is not None:
			self.send("503 5.5.1 TLS already active")
			return True
		if mode == "nostarttls":
			self.send("502 5.5.1 STARTTLS not supported")
			return True
		if arg.strip():
			self.send("501 5.5.4 Syntax: STARTTLS")
			return True
		if mode == "starttls-refused":
			self.send("454 4.7.0 TLS not available due to local "
			    "problem")
			return True
		self.send("220 2.0.0 Ready to start TLS")
		if self.buf:
			# Pipelined plaintext must not survive into TLS.
			self.ev["after_starttls"] = len(self.buf)
			self.buf = b""
		st = self.srv.state
		d = st.default
		try:
			base = st.context(d["cert"], d["key"], mode, sni=True)
		except (OSError, ssl.SSLError, KeyError, TypeError) as e:
			self.ev["tls_error"] = "no default certificate: %s" % e
			return False
		_current.session = self
		try:
			self.tls = base.wrap_socket(self.sock, server_side=True)
		except (OSError, ssl.SSLError) as e:
			if self.ev["tls_error"] is None:
				self.ev["tls_error"] = str(e)
			return False
		finally:
			_current.session = None
		self.ev["starttls"] = True
		self.ev["tls_version"] = self.tls.version()
		c = self.tls.cipher()
		self.ev["cipher"] = c[0] if c else None
		self.ehlo_seen = False
		self.mail, self.rcpt = None, []
		return True

	def data(self):
		"""data - 354, the message up to ".", logged; then 250."""
		if self.mail is None:
			self.send("503 5.5.1 Need MAIL command")
			return True
		if not self.rcpt:
			self.send("554 5.5.1 No valid recipients")
			return True
		self.send("354 End data with <CR><LF>.<CR><LF>")
		parts = []
		size = 0
		toobig = False
		while True:
			line = self.readline(limit=DATA_MAX)
			if line is None:
				toobig = True
				continue
			if line == b".":
				break
			if line.startswith(b"."):
				line = line[1:]
			size += len(line) + 2
			if size > DATA_MAX:
				toobig = True
			elif not toobig:
				parts.append(line + b"\r\n")
		mail, rcpt = self.mail, self.rcpt
		self.mail, self.rcpt = None, []
		if toobig:
			self.send("552 5.3.4 Message too big")
			return True
		body = b"".join(parts)
		self.ev["messages"] += 1
		self.srv.log.write({"event": "message", "session": self.ev["id"],
		    "t": time.time(), "local": self.ev["local"],
		    "mode": self.ev["mode"], "sni": self.ev["sni"],
		    "host": self.ev["host"], "tls_version":
		    self.ev["tls_version"], "mail_from": mail, "rcpt": rcpt,
		    "size": len(body), "data": body.decode("latin-1")})
		self.send("250 2.0.0 Ok: queued as W%d%d" % (self.ev["id"],
		    self.ev["messages"]))
		return True


class Handler(socketserver.BaseRequestHandler):
	"""Handler - one accepted connection, one Session."""

	def handle(self):
		s = Session(self.server, self.request, self.client_address)
		s.run()
		if s.tls is not None:
			try:
				s.tls.close()
			except OSError:
				pass


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
	"""Server - one listening address and its protocol mode."""

	daemon_threads = True
	allow_reuse_address = True
	request_queue_size = 256

	def __init__(self, addr, mode, state, log):
		if ":" in addr[0]:
			self.address_family = socket.AF_INET6
		self.mode = mode
		self.state = state
		self.log = log
		super().__init__(addr, Handler)

	def handle_error(self, request, client_address):
		pass


def _bind_all(addr, port, listen, state, log):
	"""_bind_all - one Server per address, all on the same port."""
	last = None
	for attempt in range(50):
		servers = []
		try:
			first = Server((addr, port), "normal", state, log)
			servers.append(first)
			p = first.server_address[1]
			for a, mode in listen:
				servers.append(Server((a, p), mode, state, log))
			return servers, p
		except OSError as e:
			last = e
			for s in servers:
				s.server_close()
			if port != 0:
				raise
	raise last


def _watch_parent(pid):
	"""_watch_parent - exit when the process that started us is gone."""
	while True:
		time.sleep(0.5)
		if os.getppid() != pid:
			os._exit(0)


def main():
	"""main - parse options, bind, print READY, serve until killed."""
	ap = argparse.ArgumentParser(description="test-world SMTP MX peers")
	ap.add_argument("--state", required=True)
	ap.add_argument("--log")
	ap.add_argument("--addr", default="127.0.0.1")
	ap.add_argument("--port", type=int, default=0)
	ap.add_argument("--listen", action="append", default=[],
	    metavar="ADDR=MODE", help="one more address with a protocol mode")
	ap.add_argument("--parent", type=int)
	args = ap.parse_args()
	listen = []
	for item in args.listen:
		a, _, mode = item.partition("=")
		if mode not in MODES:
			ap.error("unknown mode %r (one of %s)" % (mode,
			    ", ".join(MODES)))
		listen.append((a, mode))
	state, log = State(args.state), Log(args.log)
	servers, port = _bind_all(args.addr, args.port, listen, state, log)
	for srv in servers[1:]:
		threading.Thread(target=srv.serve_forever, daemon=True).start()
	if args.parent:
		threading.Thread(target=_watch_parent, args=(args.parent,),
		    daemon=True).start()
	sys.stdout.write("READY smtp %s %d%s\n" % (args.addr, port,
	    "".join(" %s=%s" % x for x in listen)))
	sys.stdout.flush()
	try:
		servers[0].serve_forever()
	except KeyboardInterrupt:
		pass
	return 0


if __name__ == "__main__":
	sys.exit(main())
