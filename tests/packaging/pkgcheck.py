#
# pkgcheck.py - the checks of tests/packaging/check-packaging that are
# easier in Python than in sh.
#
# SYNOPSIS
#	pkgcheck.py ucl FILE
#	pkgcheck.py conf-keys CONFIG.C MAN5 SAMPLE
#	pkgcheck.py nginx-fetch PORT HOST PATH
#
# DESCRIPTION
#	ucl: parse a pkg-message (the UCL subset pkg(8) messages use: a list
#	of objects with bare keys, bare or quoted values and <<EOM here
#	documents) and check each entry has a type (install, remove,
#	upgrade) and a message.
#
#	conf-keys: every key of the configuration table in common/config.c
#	is in mtasts.conf(5) under an ".It Cm" item that gives its default
#	("Default") and an example setting of that key, and in the sample
#	file as "#key =" or "key =".
#
#	nginx-fetch: GET https://HOST:PORT/PATH from 127.0.0.1 (SNI HOST, no
#	certificate check); print the status, the Content-Type and the body.
#
#	Problems go to stdout, one a line; the exit status is 1 if any.
#
import re
import socket
import ssl
import sys


def ucl_tokens(text):
	"""ucl_tokens - the tokens of the UCL subset: [ ] { } , : words,
	quoted strings and here documents."""
	i = 0
	n = len(text)
	while i < n:
		c = text[i]
		if c in " \t\r\n":
			i += 1
		elif c == "#":
			while i < n and text[i] != "\n":
				i += 1
		elif c in "[]{},:;=":
			yield ("p", c)
			i += 1
		elif c == '"':
			j = i + 1
			while j < n and text[j] != '"':
				j += 2 if text[j] == "\\" else 1
			if j >= n:
				raise ValueError("unterminated string")
			yield ("s", text[i + 1:j])
			i = j + 1
		elif text.startswith("<<", i):
			m = re.match(r"<<([A-Z]+)\n", text[i:])
			if not m:
				raise ValueError("bad here document at %d" % i)
			tag = m.group(1)
			start = i + m.end()
			end = text.find("\n" + tag + "\n", start - 1)
			if end < 0:
				raise ValueError("here document %s not closed" % tag)
			yield ("s", text[start:end + 1])
			i = end + len(tag) + 2
		else:
			m = re.match(r"[A-Za-z0-9_.+-]+", text[i:])
			if not m:
				raise ValueError("unexpected %r" % c)
			yield ("s", m.group(0))
			i += m.end()


def ucl_parse(text):
	"""ucl_parse - the value of a UCL document of the subset."""
	toks = list(ucl_tokens(text))
	pos = [0]

	def peek():
		return toks[pos[0]] if pos[0] < len(toks) else ("e", "")

	def take():
		t = peek()
		pos[0] += 1
		return t

	def value():
		t = take()
		if t == ("p", "["):
			out = []
			while peek() != ("p", "]"):
				out.append(value())
				if peek() in (("p", ","), ("p", ";")):
					take()
			take()
			return out
		if t == ("p", "{"):
			out = {}
			while peek() != ("p", "}"):
				k = take()
				if k[0] != "s":
					raise ValueError("key expected, got %r" % (k,))
				if peek() in (("p", ":"), ("p", "=")):
					take()
				out[k[1]] = value()
				if peek() in (("p", ","), ("p", ";")):
					take()
			take()
			return out
		if t[0] == "s":
			return t[1]
		raise ValueError("unexpected %r" % (t,))
	v = value()
	if pos[0] != len(toks):
		raise ValueError("text after the document")
	return v


def check_ucl(path):
	with open(path) as f:
		text = f.read()
	try:
		doc = ucl_parse(text)
	except ValueError as e:
		return ["%s: %s" % (path, e)]
	bad = []
	if not isinstance(doc, list) or not doc:
		return ["%s: not a list of messages" % path]
	for i, m in enumerate(doc):
		if not isinstance(m, dict):
			bad.append("%s: entry %d is not an object" % (path, i))
			continue
		if m.get("type") not in ("install", "remove", "upgrade"):
			bad.append("%s: entry %d: bad type %r" % (path, i,
			    m.get("type")))
		if not str(m.get("message", "")).strip():
			bad.append("%s: entry %d: no message" % (path, i))
	return bad


def man_items(path):
	"""man_items - {key: text of its .It item} from an mdoc page."""
	items = {}
	cur = None
	with open(path) as f:
		for line in f:
			line = line.rstrip("\n")
			if line.startswith(".It ") or line.startswith(".El") or \
			    line.startswith(".Ss ") or line.startswith(".Sh "):
				cur = None
			if line.startswith(".It Cm "):
				keys = re.findall(r"Cm ([a-z_0-9]+)", line)
				cur = []
				for k in keys:
					items.setdefault(k, cur)
				cur.append(line)
				continue
			if cur is not None:
				cur.append(line)
	return {k: "\n".join(v) for k, v in items.items()}


def check_conf_keys(config_c, man5, sample):
	with open(config_c) as f:
		keys = re.findall(r'^\t\{ "([a-z_0-9]+)", CT_', f.read(), re.M)
	if not keys:
		return ["%s: no key table found" % config_c]
	items = man_items(man5)
	with open(sample) as f:
		stext = f.read()
	bad = []
	for k in keys:
		t = items.get(k)
		if t is None:
			bad.append("mtasts.conf(5): no .It Cm %s" % k)
		else:
			if "default" not in t.lower():
				bad.append("mtasts.conf(5): %s: no default" % k)
			if not re.search(r"^(\.Dl )?%s +=" % re.escape(k), t,
			    re.M):
				bad.append("mtasts.conf(5): %s: no example" % k)
		if not re.search(r"^#?%s =" % re.escape(k), stext, re.M):
			bad.append("%s: %s is missing" % (sample, k))
	return bad


def nginx_fetch(port, host, path):
	ctx = ssl.create_default_context()
	ctx.check_hostname = False
	ctx.verify_mode = ssl.CERT_NONE
	raw = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
	s = ctx.wrap_socket(raw, server_hostname=host)
	s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
	    % (path, host)).encode())
	data = b""
	while True:
		chunk = s.recv(65536)
		if not chunk:
			break
		data += chunk
	s.close()
	head, _, body = data.partition(b"\r\n\r\n")
	lines = head.decode("latin-1").split("\r\n")
	ctype = ""
	for line in lines[1:]:
		k, _, v = line.partition(":")
		if k.strip().lower() == "content-type":
			ctype = v.strip()
	sys.stdout.write("%s\n%s\n" % (lines[0].split()[1], ctype))
	sys.stdout.write(body.decode("utf-8", "replace"))
	return []


def main():
	if len(sys.argv) >= 3 and sys.argv[1] == "ucl":
		bad = check_ucl(sys.argv[2])
	elif len(sys.argv) == 5 and sys.argv[1] == "conf-keys":
		bad = check_conf_keys(*sys.argv[2:5])
	elif len(sys.argv) == 5 and sys.argv[1] == "nginx-fetch":
		bad = nginx_fetch(*sys.argv[2:5])
	else:
		sys.stderr.write("usage: pkgcheck.py ucl FILE | conf-keys "
		    "CONFIG.C MAN5 SAMPLE | nginx-fetch PORT HOST PATH\n")
		return 2
	for b in bad:
		print(b)
	return 1 if bad else 0


if __name__ == "__main__":
	sys.exit(main())
