#!/usr/bin/python3
#
# httpsserver.py - the policy hosts of the test world (HTTPS, threaded).
#
# SYNOPSIS
#	/usr/bin/python3 httpsserver.py --state FILE --log FILE
#	    [--addr 127.0.0.1] [--port 0] [--addr6 ::1] [--parent PID]
#
# DESCRIPTION
#	One TLS listener serves every "mta-sts.DOMAIN" host of the world: an
#	SNI callback picks each host's certificate, so a client that sends the
#	right SNI gets the right (or deliberately wrong) certificate. Each
#	connection gets its own thread, and the TLS handshake runs there too,
#	so one stalled client never holds up another.
#
#	Per-host behaviour comes from the JSON state (re-read when world.py
#	replaces it), key "hosts": {"mta-sts.DOMAIN": {...}} with
#	  cert, key	PEM files presented for this SNI name
#	  status	HTTP status (default 200)
#	  content_type	Content-Type value, or null for no header at all
#	  body		response body (UTF-8 text)
#	  pad_to	pad the body with "p: xxx" extension lines (each under
#			1000 bytes) to exactly this many bytes
#	  headers	[[name, value], ...] extra response headers
#	  location	Location header (redirects)
#	  behaviour	"normal"; "delay" (sleep `delay` s, then answer);
#			"slow" (headers, then the body one byte every 0.5 s
#			for `delay` s, then the rest); "hang" (read the
#			request, never answer; waits up to `delay` s or until
#			the client goes); "hang-tls" (stall inside the TLS
#			handshake for `delay` s); "close" (read the request,
#			close without a response); "endless-body" (a 200
#			without Content-Length whose body never ends) and
#			"endless-headers" (header lines that never end), 1 KiB
#			every 10 ms for `delay` s or until the client goes
#	  delay		seconds for the modes above
#	"default_cert": {cert, key} is presented for unknown SNI names (and
#	no SNI); requests for unknown hosts get 404. "bulk" (see world.py)
#	serves bNNNNN.ZONE hosts from certificates with many SANs each.
#
#	Every TLS handshake start, handshake failure and HTTP request is logged
#	to --log as one JSON line, e.g.
#	{"t": ..., "event": "request", "sni": "mta-sts.x.test", "host": ...,
#	 "method": "GET", "path": "/.well-known/mta-sts.txt",
#	 "headers": [[k, v], ...], "status": 200, "behaviour": "normal"}
#	{"t": ..., "event": "tls", "sni": "mta-sts.x.test"}
#	{"t": ..., "event": "tls_error", "sni": ..., "error": "..."}
#
#	When bound it prints "READY https ADDR PORT [ADDR6]" on stdout, ADDR6
#	when --addr6 could be bound on the same port too. With --parent it
#	exits when that process goes away.
#
import argparse
import http.server
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

_tls = threading.local()


def pad_body(body, size):
	"""pad_body - body padded with ignorable extension lines to size bytes."""
	b = body.encode("utf-8")
	if not b.endswith(b"\n"):
		b += b"\n"
	rem = size - len(b)
	if rem < 0:
		return b[:size]
	lines = []
	while rem > 0:
		if rem < 5:
			lines.append(b"\n" * rem)
			break
		n = min(rem, 900)
		if 0 < rem - n < 5:
			n = rem - 5
		lines.append(b"p: " + b"x" * (n - 4) + b"\n")
		rem -= n
	return b + b"".join(lines)


class State:
	"""State - the hosts part of the world state; reloads on change."""

	def __init__(self, path):
		self.file = StateFile(path)
		self.hosts = {}
		self.default = None
		self.bulk = None
		self.ctxs = {}
		self.maybe_reload()

	def maybe_reload(self):
		"""maybe_reload - read the state file again if it was replaced."""
		self.file.poll(self._load)

	def _load(self, state):
		"""_load - take the hosts part of a state document."""
		self.hosts = {k.lower(): v for k, v in
		    state.get("hosts", {}).items()}
		self.default = state.get("default_cert")
		self.bulk = state.get("bulk")

	def context(self, cert, key):
		"""context - a cached server SSLContext for one certificate."""
		k = (cert, key, os.stat(cert).st_mtime_ns)
		ctx = self.ctxs.get(k)
		if ctx is None:
			ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
			ctx.minimum_version = ssl.TLSVersion.TLSv1_2
			ctx.load_cert_chain(cert, key)
			ctx.set_alpn_protocols(["http/1.1"])
			self.ctxs[k] = ctx
		return ctx

	def host(self, name):
		"""host - the behaviour dict of a host name, or None."""
		if not name:
			return None
		name = name.lower().rstrip(".")
		h = self.hosts.get(name)
		if h is not None:
			return h
		return self._bulk_host(name)

	def _bulk_host(self, name):
		"""_bulk_host - the synthesised policy host of a bulk domain."""
		b = self.bulk
		if not b or not name.startswith("mta-sts."):
			return None
		dom = name[len("mta-sts."):]
		zone = b["zone"].lower().rstrip(".")
		if not dom.endswith("." + zone):
			return None
		lab = dom[:-len(zone) - 1]
		if not lab.startswith("b") or not lab[1:].isdigit():
			return None
		num = int(lab[1:])
		if num >= int(b["count"]) or lab != "b%05d" % num:
			return None
		certs = b["certs"]
		idx = num // int(b["chunk"])
		if idx >= len(certs):
			return None
		return {"cert": certs[idx], "key": b["key"], "status": 200,
		    "content_type": "text/plain",
		    "body": "version: STSv1\nmode: enforce\nmx: mail.%s\n"
		    "max_age: %d\n" % (dom, int(b.get("max_age", 86400)))}


class Log:
	"""Log - JSON lines, one per event, shared by all threads."""

	def __init__(self, path):
		self.f = open(path, "a", buffering=1, encoding="utf-8") \
		    if path else None
		self.lock = threading.Lock()

	def write(self, **ev):
		if self.f is None:
			return
		ev["t"] = time.time()
		line = json.dumps(ev)
		with self.lock:
			self.f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
	"""Handler - one HTTP request on an established TLS connection."""

	protocol_version = "HTTP/1.1"
	server_version = "mtasts-world/1"

	def log_message(self, fmt, *args):
		pass

	def do_GET(self):
		self.respond()

	def do_HEAD(self):
		self.respond()

	def do_POST(self):
		self.respond()

	def _peer_gone(self, timeout):
		"""_peer_gone - wait up to timeout s; True if the client closed."""
		sock = self.connection
		end = time.time() + timeout
		while True:
			left = end - time.time()
			if left <= 0:
				return False
			if sock.pending():
				return False
			r, _, _ = select.select([sock], [], [], min(left, 1.0))
			if r:
				try:
					if not sock.recv(1):
						return True
				except (OSError, ssl.SSLError):
					return True

	def respond(self):
		srv = self.server
		st = srv.state
		st.maybe_reload()
		sni = getattr(_tls, "sni", None)
		hosthdr = (self.headers.get("Host") or "").lower()
		hostname = hosthdr.rsplit(":", 1)[0] if hosthdr and \
		    not hosthdr.endswith("]") else hosthdr
		h = st.host(sni) or st.host(hostname)
		mode = (h or {}).get("behaviour", "normal")
		status = int((h or {}).get("status", 200)) if h else 404
		srv.log.write(event="request", sni=sni, host=hosthdr,
		    method=self.command, path=self.path,
		    headers=[[k, v] for k, v in self.headers.items()],
		    status=status, behaviour=mode, port=self.client_address[1])
		self.close_connection = True
		if h is None:
			self._send(404, "text/plain", b"no such policy host\n",
			    [])
			return
		delay = float(h.get("delay", 0))
		if mode == "hang":
			self._peer_gone(delay or 600)
			return
		if mode == "close":
			return
		if mode in ("endless-body", "endless-headers"):
			self._endless(mode == "endless-headers", delay or 60)
			return
		if mode == "delay":
			time.sleep(delay)
		body = h.get("body", "")
		if h.get("pad_to") is not None:
			body = pad_body(body, int(h["pad_to"]))
		elif isinstance(body, str):
			body = body.encode("utf-8")
		extra = list(h.get("headers", []))
		if h.get("location"):
			extra.append(["Location", h["location"]])
		self._send(status, h.get("content_type", "text/plain"), body,
		    extra, slow=delay if mode == "slow" else 0)

	def _endless(self, in_headers, limit):
		"""_endless - a 200 whose headers (or, without Content-Length,
		whose body) never end: 1 KiB every 10 ms for limit s, or until
		the client goes."""
		try:
			self.wfile.write(b"HTTP/1.1 200 OK\r\n"
			    b"Content-Type: text/plain\r\n")
			if not in_headers:
				self.wfile.write(b"Connection: close\r\n\r\n")
			end = time.time() + limit
			i = 0
			while time.time() < end:
				if in_headers:
					chunk = b"X-Pad-%d: %s\r\n" % (i, b"x" * 1000)
				else:
					chunk = b"p: %s\n" % (b"x" * 1000)
				self.wfile.write(chunk)
				self.wfile.flush()
				i += 1
				time.sleep(0.01)
		except (OSError, ssl.SSLError):
			pass

	def _send(self, status, ctype, body, extra, slow=0):
		"""_send - status line, headers and (unless forbidden) body."""
		try:
			self.send_response(status)
			if ctype is not None:
				self.send_header("Content-Type", ctype)
			nobody = status in (204, 304) or 100 <= status < 200
			if not nobody:
				self.send_header("Content-Length", str(len(body)))
			self.send_header("Connection", "close")
			for k, v in extra:
				self.send_header(k, v)
			self.end_headers()
			if nobody or self.command == "HEAD":
				self.wfile.flush()
				return
			if slow:
				end = time.time() + slow
				i = 0
				while time.time() < end and i < len(body) - 1:
					self.wfile.write(body[i:i + 1])
					self.wfile.flush()
					i += 1
					time.sleep(0.5)
				body = body[i:]
				left = end - time.time()
				if left > 0 and self._peer_gone(left):
					return
			self.wfile.write(body)
			self.wfile.flush()
		except (OSError, ssl.SSLError):
			pass


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
	"""Server - accepts TCP, does the TLS handshake in the worker thread."""

	daemon_threads = True
	allow_reuse_address = True
	request_queue_size = 1024

	def __init__(self, addr, state, log):
		if ":" in addr[0]:
			self.address_family = socket.AF_INET6
		self.state = state
		self.log = log
		d = state.default
		self.base = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
		self.base.minimum_version = ssl.TLSVersion.TLSv1_2
		if d:
			self.base.load_cert_chain(d["cert"], d["key"])
		self.base.set_alpn_protocols(["http/1.1"])
		self.base.sni_callback = self._sni
		super().__init__(addr, Handler)

	def _sni(self, sslsock, name, ctx):
		"""_sni - pick the host's certificate; log the handshake."""
		_tls.sni = name
		st = self.state
		st.maybe_reload()
		self.log.write(event="tls", sni=name)
		h = st.host(name)
		if h is None:
			return None
		if h.get("behaviour") == "hang-tls":
			time.sleep(float(h.get("delay", 30)))
		try:
			sslsock.context = st.context(h["cert"], h["key"])
		except (OSError, ssl.SSLError, KeyError) as e:
			self.log.write(event="tls_error", sni=name,
			    error="cannot load certificate: %s" % e)
			return ssl.ALERT_DESCRIPTION_INTERNAL_ERROR
		return None

	def finish_request(self, request, client_address):
		_tls.sni = None
		request.settimeout(60)
		try:
			tls = self.base.wrap_socket(request, server_side=True)
		except (OSError, ssl.SSLError) as e:
			self.log.write(event="tls_error",
			    sni=getattr(_tls, "sni", None), error=str(e))
			return
		try:
			self.RequestHandlerClass(tls, client_address, self)
		except (OSError, ssl.SSLError):
			pass
		finally:
			try:
				tls.close()
			except OSError:
				pass

	def handle_error(self, request, client_address):
		pass


def _watch_parent(pid):
	"""_watch_parent - exit when the process that started us is gone."""
	while True:
		time.sleep(0.5)
		if os.getppid() != pid:
			os._exit(0)


def main():
	"""main - parse options, bind, print READY, serve until killed."""
	ap = argparse.ArgumentParser(description="test-world HTTPS server")
	ap.add_argument("--state", required=True)
	ap.add_argument("--log")
	ap.add_argument("--addr", default="127.0.0.1")
	ap.add_argument("--port", type=int, default=0)
	ap.add_argument("--parent", type=int)
	ap.add_argument("--addr6", help="also listen here, same port "
	    "(best effort, e.g. ::1)")
	args = ap.parse_args()
	state, log = State(args.state), Log(args.log)
	srv = Server((args.addr, args.port), state, log)
	port = srv.server_address[1]
	extra = ""
	if args.addr6:
		try:
			srv6 = Server((args.addr6, port), state, log)
		except OSError as e:
			sys.stderr.write("httpsserver: no %s: %s\n" % (args.addr6,
			    e))
		else:
			threading.Thread(target=srv6.serve_forever,
			    daemon=True).start()
			extra = " %s" % args.addr6
	if args.parent:
		threading.Thread(target=_watch_parent, args=(args.parent,),
		    daemon=True).start()
	sys.stdout.write("READY https %s %d%s\n" % (args.addr, port, extra))
	sys.stdout.flush()
	try:
		srv.serve_forever()
	except KeyboardInterrupt:
		pass
	return 0


if __name__ == "__main__":
	sys.exit(main())
