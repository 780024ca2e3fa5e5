#
# test_postfix.py - Postfix's own socketmap client (postmap -q) against
# mtasts-policyd: INTEGRATION-NOTES "Postfix socketmap".
#
import os
import subprocess

import pytest

from catalogue import ok_answer, FORMAT_ANSWER

POSTMAP = "/usr/sbin/postmap"

pytestmark = pytest.mark.skipif(not os.path.exists(POSTMAP),
    reason="no /usr/sbin/postmap")


@pytest.fixture(scope="module")
def postfix_conf(tmp_path_factory):
	"""postfix_conf - a private, empty Postfix configuration directory."""
	d = tmp_path_factory.mktemp("postfix")
	(d / "main.cf").write_text("compatibility_level = 3.6\n")
	return str(d)


def _postmap(conf, key, table):
	return subprocess.run([POSTMAP, "-c", conf, "-q", key, table],
	    capture_output=True, text=True, timeout=30)


def test_postmap_unix_ok(policyd, postfix_conf):
	r = _postmap(postfix_conf, "enforce.test",
	    "socketmap:unix:%s:sts" % policyd.sm_path)
	assert r.returncode == 0, r.stderr
	assert r.stdout == ok_answer("enforce.test")[len("OK "):] + "\n"


def test_postmap_inet_ok(policyd, postfix_conf):
	r = _postmap(postfix_conf, "format.test",
	    "socketmap:inet:127.0.0.1:%d:sts" % policyd.inet_port)
	assert r.returncode == 0, r.stderr
	assert r.stdout == FORMAT_ANSWER[len("OK "):] + "\n"


def test_postmap_notfound(policyd, postfix_conf):
	r = _postmap(postfix_conf, "nxdomain.test",
	    "socketmap:unix:%s:sts" % policyd.sm_path)
	assert r.returncode == 1, r.stderr
	assert r.stdout == ""
	assert "fatal" not in r.stderr and "warning" not in r.stderr


def test_postmap_tlsrpt_map(policyd, postfix_conf):
	r = _postmap(postfix_conf, "enforce.test",
	    "socketmap:unix:%s:sts-tlsrpt" % policyd.sm_path)
	assert r.returncode == 0, r.stderr
	assert r.stdout.startswith(ok_answer("enforce.test")[len("OK "):] +
	    " policy_type=sts policy_domain=enforce.test")


def test_postmap_next_hop_forms(policyd, postfix_conf):
	"""[host]:port next hops as Postfix passes them verbatim."""
	for key in ("[enforce.test]:25", "[enforce.test]"):
		r = _postmap(postfix_conf, key,
		    "socketmap:unix:%s:sts" % policyd.sm_path)
		assert r.returncode == 0, (key, r.stderr)
		assert r.stdout.startswith("secure match=mail.enforce.test")
