#
# test_dane_answer.py - DANE precedence in the socketmap answer (issue 10
# item 2, RFC 8461 section 2): mtasts-policyd validating the test world's
# signed zone with its trust anchor (dnssec = yes) answers "dane-only"
# for an enforce domain where DANE applies or failed, "dane" for a
# testing one, and the MTA-STS answer where DANE does not apply (unsigned
# zone, no usable TLSA), for every case of catalogue.dane_catalogue(); a
# TLSA change is seen at the next TXT check; dane = no keeps MTA-STS
# answers; show says which.
#
import os
import time

import pytest

from catalogue import SIGNED_ZONE, UNSIGNED_CHILD, dane_catalogue, \
    ok_answer, NOTFOUND
from conftest import _finish
from helpers import Daemon

_seq = [0]

# What DANE makes of each catalogue domain, and the answer that follows.
EXPECT = {
	"ee." + SIGNED_ZONE: ("dane", "OK dane-only"),
	"ta." + SIGNED_ZONE: ("dane", "OK dane-only"),
	# The TLSA does not match the certificate: Postfix's DANE refuses it
	# (the MUST NOT of RFC 8461 section 2); no WebPKI answer over it.
	"mismatch." + SIGNED_ZONE: ("dane", "OK dane-only"),
	"bogus." + SIGNED_ZONE: ("failed", "OK dane-only"),
	# TLSA on one MX of two: dane-only, the other MX is not used.
	"twomx." + SIGNED_ZONE: ("dane", "OK dane-only"),
	"dane-insecure.test": ("none", None),
	UNSIGNED_CHILD: ("none", None),
	"testing." + SIGNED_ZONE: ("dane", "OK dane"),
	"bogus-mx." + SIGNED_ZONE: ("failed", "OK dane-only"),
}


def _conf(world, **extra):
	c = {"dnssec": "yes", "dnssec_trust_anchor": world.trust_anchor}
	c.update(extra)
	return c


@pytest.fixture(scope="module")
def dane_policyd(world):
	"""dane_policyd - policyd with real DNSSEC validation, dane = auto."""
	d = Daemon(world, **_conf(world))
	d.start()
	yield d
	_finish([d])


def _sts_answer(case):
	return ok_answer("", mx=[h for _, h in case.mx])


@pytest.mark.parametrize("case", dane_catalogue(), ids=lambda c: c.name)
def test_dane_catalogue_answer(dane_policyd, case):
	"""Every DANE catalogue domain: its DANE state and the answer."""
	state, answer = EXPECT[case.domain]
	if answer is None:
		answer = _sts_answer(case)
	assert dane_policyd.query(case.domain) == answer, case.about
	show = dane_policyd.ctl("show " + case.domain)
	assert show["dane"] == state, show


def test_dane_no_tlsrpt_attributes(dane_policyd):
	"""sts-tlsrpt: a DANE answer carries no policy_type=sts attributes
	(Postfix reports its DANE sessions as policy type tlsa itself)."""
	d = "ee." + SIGNED_ZONE
	assert dane_policyd.query(d, name="sts-tlsrpt") == "OK dane-only"


def test_dane_off_keeps_sts_answers(world):
	"""dane = no: the MTA-STS answer even where DANE applies."""
	d = Daemon(world, **_conf(world, dane="no"))
	d.start()
	try:
		for case in dane_catalogue():
			if case.mode != "enforce" or case.mx_sec == "bogus":
				continue
			assert d.query(case.domain) == _sts_answer(case), \
			    case.domain
		t = "testing." + SIGNED_ZONE
		assert d.query(t) == NOTFOUND
		assert d.ctl("show ee." + SIGNED_ZONE)["dane"] == "none"
	finally:
		_finish([d])


def _fresh(world, tlsa=True):
	"""_fresh - a new enforce domain in the signed zone, one MX host with
	(or without) a DANE-EE TLSA RRset of its certificate."""
	_seq[0] += 1
	d = "fresh%d-%d.%s" % (os.getpid() % 10000, _seq[0], SIGNED_ZONE)
	host = "mx." + d
	world.add_domain(d, mx=[host], mx_records=False)
	world.add_mx(host, "good", domain=d)
	if tlsa:
		world.set_tlsa(host, [world.tlsa_rr(host, 3, 1, 1)])
	return d, host


def _past_ttl():
	"""_past_ttl - the world's TTL is 0, which a resolver may still
	believe until the end of the second it cached the answer in."""
	time.sleep(1.1)


def test_tlsa_change_seen_at_the_next_check(world, dane_policyd):
	"""TLSA published after the first lookup: the answer turns to
	dane-only at the next TXT check (here a forced refresh), and back
	to the MTA-STS answer when the TLSA is removed."""
	d, host = _fresh(world, tlsa=False)
	assert dane_policyd.query(d) == ok_answer("", mx=[host])
	world.set_tlsa(host, [world.tlsa_rr(host, 3, 1, 1)])
	_past_ttl()
	assert dane_policyd.ctl("refresh " + d)["ok"]
	assert dane_policyd.query(d) == "OK dane-only"
	world.set_tlsa(host, [])
	_past_ttl()
	assert dane_policyd.ctl("refresh " + d)["ok"]
	assert dane_policyd.query(d) == ok_answer("", mx=[host])


def test_unusable_tlsa_is_not_dane(world, dane_policyd):
	"""Only DANE-TA(2) and DANE-EE(3) count (RFC 7672 section 3.1): a
	secure RRset of PKIX-EE(1) records leaves the MTA-STS answer."""
	d, host = _fresh(world, tlsa=False)
	world.set_tlsa(host, [world.tlsa_rr(host, 1, 1, 1)])
	assert dane_policyd.query(d) == ok_answer("", mx=[host])
	assert dane_policyd.ctl("show " + d)["dane"] == "none"
