#!/usr/bin/python3
#
# junit2tap.py - turn pytest JUnit XML results into one TAP stream.
#
# SYNOPSIS
#	junit2tap.py [--run PREFIX EXIT FILE] ... [--skip NAME REASON] ...
#
# DESCRIPTION
#	For each --run, the test cases of FILE become TAP lines "ok N - NAME",
#	"not ok N - NAME" (followed by the first lines of the failure as "#"
#	comments) or "ok N - NAME # SKIP reason", with PREFIX put before each
#	NAME. When FILE is missing or holds no test case although pytest's
#	EXIT status says it failed, one "not ok" line says so. Each --skip
#	adds "ok N - NAME # SKIP REASON". The plan "1..N" comes last.
#
import os
import sys
import xml.etree.ElementTree as ET

DIAG_LINES = 15


def _clean(text):
	"""_clean - one line usable in a TAP description or directive."""
	return " ".join(str(text).split()).replace("#", "(hash)")


def _name(tc):
	"""_name - file-relative test id, like pytest prints it."""
	cls = tc.get("classname", "")
	name = tc.get("name", "")
	if cls:
		parts = cls.split(".")
		return "%s.py::%s" % ("/".join(parts), name) if len(parts) == 1 \
		    else "%s.py::%s::%s" % ("/".join(parts[:-1]), parts[-1], name)
	return name


def convert(prefix, rc, path, out):
	"""convert - TAP lines for one pytest run; returns the lines."""
	lines = []
	cases = []
	if os.path.exists(path):
		try:
			cases = list(ET.parse(path).getroot().iter("testcase"))
		except ET.ParseError as e:
			lines.append(("not ok", "%spytest results unreadable: %s" %
			    (prefix, _clean(e)), None, []))
	for tc in cases:
		name = prefix + _clean(_name(tc))
		bad = tc.find("failure")
		if bad is None:
			bad = tc.find("error")
		skip = tc.find("skipped")
		if bad is not None:
			text = (bad.get("message") or "") + "\n" + (bad.text or "")
			diag = [x for x in text.splitlines() if x.strip()]
			lines.append(("not ok", name, None, diag[-DIAG_LINES:]))
		elif skip is not None:
			lines.append(("ok", name, _clean(skip.get("message") or
			    "skipped"), []))
		else:
			lines.append(("ok", name, None, []))
	if not cases and rc not in (0, 5):
		lines.append(("not ok", "%spytest run failed (exit %d), no results"
		    % (prefix, rc), None, []))
	return lines


def main(argv):
	"""main - parse the arguments, print TAP."""
	runs = []
	i = 1
	while i < len(argv):
		if argv[i] == "--run" and i + 3 < len(argv):
			runs.append(("run", argv[i + 1], int(argv[i + 2]),
			    argv[i + 3]))
			i += 4
		elif argv[i] == "--skip" and i + 2 < len(argv):
			runs.append(("skip", argv[i + 1], argv[i + 2], None))
			i += 3
		else:
			sys.stderr.write("usage: junit2tap.py [--run PREFIX EXIT "
			    "FILE]... [--skip NAME REASON]...\n")
			return 2
	lines = []
	for kind, a, b, c in runs:
		if kind == "run":
			lines += convert(a, b, c, lines)
		else:
			lines.append(("ok", _clean(a), _clean(b), []))
	n = 0
	for status, name, skip, diag in lines:
		n += 1
		if skip:
			print("%s %d - %s # SKIP %s" % (status, n, name, skip))
		else:
			print("%s %d - %s" % (status, n, name))
		for d in diag:
			print("# " + d)
	if n == 0:
		print("1..0 # SKIP no tests were run")
	else:
		print("1..%d" % n)
	return 0


if __name__ == "__main__":
	sys.exit(main(sys.argv))
