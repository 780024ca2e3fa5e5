#
# pkgcheck.py - the checks of tests/packaging/check-packaging that are
# easier in Python than in sh.
#
# SYNOPSIS
#	pkgcheck.py ucl FILE
#	pkgcheck.py conf-keys CONFIG.C MAN5 SAMPLE
#	pkgcheck.py nginx-fetch PORT HOST PATH
#	pkgcheck.py readme-setup README CONFIG.C CONTRIB
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
#	readme-setup: the README's setup of a host agrees with itself, with
#	contrib and with the built-in defaults (issue 17): every directory
#	made with "install -d" (README's account and Postfix sections,
#	contrib/postfix/mtasts.conf.postfix) or by contrib/systemd/
#	mtasts.tmpfiles (/run taken as /var/run) has one owner, group and
#	mode; the README's account section makes every tmpfiles directory,
#	the default cache_dir and the default control_socket's directory;
#	its useradd makes the account of mtasts.sysusers with that home;
#	the README's "postmap -q" lines name exactly the default
#	socketmap_listen and the README's other socketmap_listen layouts;
#	the README's socket table and the one of mtasts.conf.postfix agree;
#	the systemd settings the README names for a policyd that stops
#	(Restart=...) are those of both units.
#
#	Problems go to stdout, one a line; the exit status is 1 if any.
#
import os
import re
import shlex
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


def readme_section(lines, title):
	"""readme_section - the lines of a README section (a title underlined
	with dashes), up to the next one; None if there is none."""
	for i in range(len(lines) - 1):
		if lines[i] == title and re.fullmatch(r"-+", lines[i + 1]):
			break
	else:
		return None
	out = []
	for j in range(i + 2, len(lines)):
		if j + 1 < len(lines) and lines[j] and \
		    re.fullmatch(r"-{3,}", lines[j + 1]):
			break
		out.append(lines[j])
	return out


def example_lines(lines):
	"""example_lines - the README's example lines (indented 6 columns or
	more), continuations joined, comments dropped."""
	out = []
	cur = ""
	for line in lines:
		if not line.startswith("      ") and not cur:
			continue
		text = line.strip()
		if not cur and text.startswith("#"):
			continue
		if text.endswith("\\"):
			cur += text[:-1].rstrip() + " "
			continue
		if cur + text:
			out.append(cur + text)
		cur = ""
	return out


def install_dirs(cmds):
	"""install_dirs - {path: (owner, group, mode)} of "install -d"
	commands."""
	dirs = {}
	for c in cmds:
		if not c.startswith("install -d "):
			continue
		argv = shlex.split(c)
		o = g = m = None
		i = 2
		while i < len(argv) - 1:
			if argv[i] in ("-o", "-g", "-m"):
				v = argv[i + 1]
				if argv[i] == "-o":
					o = v
				elif argv[i] == "-g":
					g = v
				else:
					m = v
				i += 2
			else:
				i += 1
		dirs[argv[-1]] = (o, g, m)
	return dirs


def sock_table(lines):
	"""sock_table - {socket: (owner:group, mode)} of a "who opens which
	socket" table."""
	rows = {}
	for line in lines:
		m = re.match(r"^[#\s]+(\S+\.sock)\s.*\s(\S+:\S+)\s+(0[0-7]{3})\b",
		    line)
		if m:
			rows[m.group(1)] = (m.group(2), m.group(3))
	return rows


def config_default(config_c, key):
	"""config_default - the built-in default of a key of config.c."""
	m = re.search(r'\{ "%s", CT_[A-Z]+, "([^"]*)"' % re.escape(key),
	    config_c)
	return m.group(1) if m else None


def check_readme_setup(readme, config_c_path, contrib):
	bad = []
	with open(readme) as f:
		lines = f.read().split("\n")
	with open(config_c_path) as f:
		config_c = f.read()
	acct = readme_section(lines, "An account and directories without "
	    "systemd")
	post = readme_section(lines, "Postfix")
	if acct is None or post is None:
		return ["README: no \"Postfix\" or \"An account and directories "
		    "without systemd\" section"]
	acct_cmds = example_lines(acct)
	post_cmds = example_lines(post)
	snippet = os.path.join(contrib, "postfix", "mtasts.conf.postfix")
	with open(snippet) as f:
		slines = f.read().split("\n")
	scmds = [l.lstrip("#").strip() for l in slines
	    if l.lstrip("#").strip().startswith("install -d")]
	tmpfiles = {}
	with open(os.path.join(contrib, "systemd", "mtasts.tmpfiles")) as f:
		for l in f:
			w = l.split()
			if len(w) >= 5 and w[0] == "d":
				path = re.sub(r"^/run/", "/var/run/", w[1])
				tmpfiles[path] = (w[3], w[4], w[2])
	sources = [("README (account section)", install_dirs(acct_cmds)),
	    ("README (Postfix section)", install_dirs(post_cmds)),
	    ("mtasts.conf.postfix", install_dirs(scmds)),
	    ("mtasts.tmpfiles", tmpfiles)]
	seen = {}
	for name, dirs in sources:
		for path, how in dirs.items():
			if path in seen and seen[path][1] != how:
				bad.append("%s: %s %s, but %s: %s" % (name, path,
				    ":".join(map(str, how)), seen[path][0],
				    ":".join(map(str, seen[path][1]))))
			seen.setdefault(path, (name, how))
	made = sources[0][1]
	want = set(tmpfiles)
	cache = config_default(config_c, "cache_dir")
	ctl = config_default(config_c, "control_socket")
	want.add(cache)
	want.add(os.path.dirname(ctl or "/"))
	for path in sorted(want - set(made)):
		bad.append("README (account section): no install -d of %s" % path)
	# useradd: the account and home of mtasts.sysusers
	with open(os.path.join(contrib, "systemd", "mtasts.sysusers")) as f:
		su = [shlex.split(l) for l in f if l.startswith("u ")]
	ua = [shlex.split(c) for c in acct_cmds if c.startswith("useradd ")]
	if len(ua) != 1 or len(su) != 1:
		bad.append("README: %d useradd lines, mtasts.sysusers: %d users"
		    % (len(ua), len(su)))
	else:
		argv = ua[0]
		home = argv[argv.index("--home-dir") + 1] \
		    if "--home-dir" in argv else None
		if argv[-1] != su[0][1] or home != su[0][4] or \
		    "--system" not in argv:
			bad.append("README useradd (%s, home %s) is not "
			    "mtasts.sysusers' system account (%s, home %s)" %
			    (argv[-1], home, su[0][1], su[0][4]))
		if home != cache:
			bad.append("README useradd: home %s, not cache_dir %s" %
			    (home, cache))
	# postmap -q: one line for each socketmap layout the README gives
	layouts = {config_default(config_c, "socketmap_listen")}
	for c in post_cmds:
		m = re.match(r"^socketmap_listen = (\S+)$", c)
		if m:
			layouts.add(m.group(1))
	maps = set()
	for c in post_cmds:
		m = re.match(r"^postmap -q \S+ socketmap:(\S+):sts$", c)
		if m:
			maps.add(m.group(1))
	if maps != layouts:
		bad.append("README: postmap -q lines for %s, but socketmap "
		    "layouts %s" % (sorted(maps), sorted(layouts)))
	# policyd down: the unit settings the README names are the units'
	down = readme_section(lines, "When mtasts-policyd is down") or []
	said = [kv for l in down if l.strip().startswith("systemd ")
	    for kv in re.findall(r"\b([A-Z][A-Za-z]+=[^\s,]+)", l)]
	if not said:
		bad.append("README (When mtasts-policyd is down): no systemd "
		    "Restart= settings named")
	for unit in ("mtasts-policyd.service.in", "mtasts-milter.service.in"):
		with open(os.path.join(contrib, "systemd", unit)) as f:
			ulines = f.read().split("\n")
		for kv in said:
			if kv not in ulines:
				bad.append("README says the units have %s; %s has "
				    "not" % (kv, unit))
	# the socket tables
	rt = sock_table(post)
	st = sock_table(slines)
	if not rt or rt != st:
		bad.append("README socket table %s differs from "
		    "mtasts.conf.postfix's %s" % (rt, st))
	return bad


def main():
	if len(sys.argv) >= 3 and sys.argv[1] == "ucl":
		bad = check_ucl(sys.argv[2])
	elif len(sys.argv) == 5 and sys.argv[1] == "conf-keys":
		bad = check_conf_keys(*sys.argv[2:5])
	elif len(sys.argv) == 5 and sys.argv[1] == "nginx-fetch":
		bad = nginx_fetch(*sys.argv[2:5])
	elif len(sys.argv) == 5 and sys.argv[1] == "readme-setup":
		bad = check_readme_setup(*sys.argv[2:5])
	else:
		sys.stderr.write("usage: pkgcheck.py ucl FILE | conf-keys "
		    "CONFIG.C MAN5 SAMPLE | nginx-fetch PORT HOST PATH | "
		    "readme-setup README CONFIG.C CONTRIB\n")
		return 2
	for b in bad:
		print(b)
	return 1 if bad else 0


if __name__ == "__main__":
	sys.exit(main())
