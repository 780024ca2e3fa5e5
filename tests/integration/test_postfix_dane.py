#
# test_postfix_dane.py - DANE precedence end to end (issue 10 item 6): a
# real Postfix 3.7 with smtp_dns_support_level = dnssec, resolving
# through unbound(8) from Debian validating the test world's signed zone
# (tests/world start_validator), asks mtasts-policyd's socketmap (dane =
# auto, real validation with the world's trust anchor). For a domain
# whose MX has a DANE-EE TLSA record the answer is "dane-only" and the
# message is delivered over DANE-verified TLS; for one whose TLSA does not
# match the MX's certificate - while a public-CA check of that certificate
# would pass, and did pass before (the answer was "secure match=") - the
# message is deferred and the MX receives nothing.
#
# It needs the network namespace run (tests/world/netns.sh): the chrooted
# smtp(8) reads its resolv.conf (port 53) and delivers on port 25.
#
import os
import shutil
import tempfile

import pytest

from catalogue import SIGNED_ZONE
from helpers import Daemon, wait_until, world_client_config
from postfix_world import Postfix, why_not_postfix

VALIDATOR = "127.0.0.53"

pytestmark = pytest.mark.skipif(why_not_postfix() is not None or
    shutil.which("unbound") is None and not os.path.exists(
    "/usr/sbin/unbound"), reason=why_not_postfix() or "no unbound(8)")


@pytest.fixture(scope="module")
def setup(world):
	world.start_validator(addr=VALIDATOR, port=53)
	top = tempfile.mkdtemp(prefix="mtdane", dir="/tmp")
	os.chmod(top, 0o755)
	# contrib's main.cf, without the milter (not this test's subject),
	# with DNSSEC lookups as the README says DANE needs.
	pf = Postfix(top, world.ca_file, sock_owner="root", extra_main=
	    "smtpd_milters =\nnon_smtpd_milters =\n"
	    "smtp_dns_support_level = dnssec\n")
	# The chrooted smtp(8)'s resolver: the validating unbound, and
	# glibc passes its AD bit on only with trust-ad.
	with open(os.path.join(pf.queue_dir, "etc", "resolv.conf"), "w") as f:
		f.write("nameserver %s\noptions trust-ad\n" % VALIDATOR)
	d = Daemon(world)
	d.conf.update(world_client_config(world))
	d.conf.update({"dnssec": "yes",
	    "dnssec_trust_anchor": world.trust_anchor,
	    "socket_group": "postfix", "socket_mode": "0660"})
	d.conf["socketmap_listen"] = ["unix:" + d.sm_path,
	    "inet:127.0.0.1:%d" % d.inet_port,
	    "unix:" + os.path.join(pf.sock_dir, "socketmap.sock")]
	d.write_config()
	try:
		d.start()
		pf.start()
	except Exception:
		d.stop()
		d.cleanup()
		raise
	yield pf, d
	pf.stop()
	d.stop()
	d.cleanup()
	shutil.rmtree(top, ignore_errors=True)


def _postmap(pf, domain):
	r = pf.run("/usr/sbin/postmap", "-c", pf.conf_dir, "-q", domain,
	    "socketmap:unix:mtasts/socketmap.sock:sts", cwd=pf.queue_dir,
	    check=False)
	return r.stdout.strip()


def test_dane_ee_delivered(setup, world):
	"""DANE-EE: answered dane-only, delivered, verified by DANE."""
	pf, _ = setup
	domain = "ee." + SIGNED_ZONE
	assert _postmap(pf, domain) == "dane-only"
	mark = world.mark()
	pf.send("sender@client.example", "user@" + domain, "dane good")
	msgs = wait_until(lambda: world.smtp_messages("mx." + domain,
	    since=mark), timeout=60, every=0.5)
	log = pf.log()
	assert msgs, "not delivered; maillog:\n" + log
	assert "Verified TLS connection established to mx.%s" % domain in \
	    log, log
	assert "status=sent" in log, log


def test_tlsa_mismatch_deferred(setup, world):
	"""TLSA that does not match the MX's certificate, WebPKI valid: the
	MUST NOT of RFC 8461 section 2 - not delivered, deferred."""
	pf, d = setup
	domain = "mismatch." + SIGNED_ZONE
	rcpt = "user@" + domain
	assert _postmap(pf, domain) == "dane-only"
	mark = world.mark()
	pf.send("sender@client.example", rcpt, "dane mismatch")

	def deferred():
		# one line: the cleanup line names the recipient too
		log = pf.log()
		return any("to=<%s>," % rcpt in l and "status=deferred" in l
		    for l in log.splitlines()) and log
	log = wait_until(deferred, timeout=60, every=0.5)
	assert log, "no deferral; maillog:\n" + pf.log()
	assert not world.smtp_messages("mx." + domain, since=mark)
	line = [l for l in log.splitlines() if "to=<%s>" % rcpt in l and
	    "status=deferred" in l][-1]
	assert "mx." + domain in line, line
	# The same certificate passes the WebPKI check (probe), so only
	# DANE stood in the way.
	assert d.ctl("show " + domain)["dane"] == "dane"
