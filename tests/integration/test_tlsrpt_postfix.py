#
# test_tlsrpt_postfix.py - a TLS-RPT report mail through a real Postfix
# (Debian's, 3.7) to the domain it is about, whose MX fails MTA-STS.
#
# DESCRIPTION
#	The stack of the README: mtasts-policyd answers Postfix's
#	smtp_tls_policy_maps, mtasts-milter sees SMTP submissions and
#	sendmail(1) mail (smtpd_milters, non_smtpd_milters), and policyd
#	hands its report mail to Postfix's own sendmail. The report domain
#	is in enforce mode and its only MX shows a certificate for another
#	name, so ordinary mail to it is held and never delivered; the report
#	about that failure must still get there (RFC 8460 section 3), which
#	on Postfix < 3.10 takes the transport of contrib/postfix
#	(master.cf-tlsrpt, chosen by sender_dependent_default_transport_maps
#	for tlsrpt_from). The milter tags the report mail but does not hold
#	it and starts no probe for it. The MX peer of the test world
#	captures what Postfix delivered; Python's email parser, python3-dkim
#	and the RFC 8460 checks of tlsrpt_checks.py read it.
#
import os
import time

import pytest

from helpers import Daemon, wait_until
from test_milter import (NEEDS_POSTFIX, POSTFIX_ADDR, Milter, PrivatePostfix,
    _held_qid, _submit, policyd_conf, verbs)
from tlsrpt_checks import (check_report, check_report_mail, details_by_type,
    make_dkim_key)

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
ORG = "Postfix Report Org"
SUBMITTER = "sender-pfrpt.test"
CONTACT = "tlsrpt@" + SUBMITTER
FROM = "noreply-tlsrpt@" + SUBMITTER
SELECTOR = "pfrpt"


def _stack(world, tmp_path, domain):
	"""_stack - policyd (reporting on, mail through Postfix's sendmail),
	the milter, and a private Postfix with the contrib/postfix report
	transport. Returns (postfix, policyd, milter); the caller stops."""
	import subprocess
	subprocess.run(["ip", "addr", "add", POSTFIX_ADDR + "/32", "dev",
	    "lo"], capture_output=True)
	key = make_dkim_key(world, tmp_path, SELECTOR, SUBMITTER)
	os.chmod(key, 0o600)
	c = dict(policyd_conf(world), socket_mode="0666", milter_wait="2s",
	    tlsrpt_enable="yes", tlsrpt_org_name=ORG, tlsrpt_contact=CONTACT,
	    tlsrpt_from=FROM, tlsrpt_delay_max="24h",
	    tlsrpt_dkim_domain=SUBMITTER, tlsrpt_dkim_selector=SELECTOR,
	    tlsrpt_dkim_key=key)
	d = Daemon(world, **c)
	os.chmod(d.dir, 0o711)		# Postfix's processes reach the sockets
	msock = os.path.join(d.dir, "pfmilter.sock")
	pf = PrivatePostfix(os.path.join(d.dir, "pf"),
	    smtpd_milters="unix:" + msock, non_smtpd_milters="unix:" + msock,
	    milter_default_action="tempfail",
	    smtp_tls_CAfile=world.ca_file,
	    smtp_tls_policy_maps="socketmap:unix:%s:sts" % d.sm_path,
	    sender_dependent_default_transport_maps="inline:{ %s=mtasts-tlsrpt: }"
	    % FROM)
	with open(os.path.join(TOP, "contrib", "postfix",
	    "master.cf-tlsrpt")) as src, open(os.path.join(pf.conf,
	    "master.cf"), "a") as dst:
		dst.write(src.read())
	pf.run("postconf", "-F", "*/*/chroot = n")
	d.write_config(release_command=[
	    "/usr/sbin/postsuper -c %s -H {queue_id}" % pf.conf,
	    "/usr/sbin/postqueue -c %s -i {queue_id}" % pf.conf],
	    tlsrpt_sendmail="/usr/sbin/sendmail -C %s -i -t" % pf.conf)
	d.start()
	m = Milter(d, milter_socket="unix:" + msock).start()
	pf.start()
	return pf, d, m


@NEEDS_POSTFIX[0]
@NEEDS_POSTFIX[1]
def test_report_mail_through_postfix(world, tmp_path):
	dom = "pfrpt-%d.test" % (os.getpid() % 10000)
	mx = "mx." + dom
	rcpt = "tlsrpt@" + dom
	with world.batch():
		world.add_domain(dom, mx=[mx], mx_records=False)
		world.add_mx(mx, "badname", domain=dom)
		world.set_tlsrpt(dom, "v=TLSRPTv1; rua=mailto:" + rcpt)
	pf, d, m = _stack(world, tmp_path, dom)
	rcs = []
	try:
		assert {"sts", "hold"} <= verbs(d), "policyd lacks sts/hold"
		day_start = int(time.time()) // 86400 * 86400
		day = time.strftime("%Y-%m-%d", time.gmtime(day_start))

		# Ordinary mail: the probe fails (certificate-host-mismatch,
		# counted for the report) and the message is held.
		_submit("user@" + dom, "ordinary mail")
		qid = _held_qid(pf)
		assert wait_until(lambda: d.ctl("sts %s 0" % dom).get("state")
		    == "enforce/failed", timeout=30), d.ctl("show " + dom)
		probes = d.ctl("status")["stats"]
		assert wait_until(lambda: d.ctl("report show %s %s" % (dom,
		    day))["reports"], timeout=10)

		mark = world.mark()
		r = d.ctl("report send %s %s" % (day, dom))
		assert r["ok"] and r["sent"] == 1 and r["failed"] == 0, r

		# Delivered to the MX that fails MTA-STS, through the
		# mtasts-tlsrpt transport, despite the enforce policy.
		# (the transport sends no SNI: find it by recipient)
		msgs = wait_until(lambda: [x for x in world.smtp_messages(
		    since=mark) if "<%s>" % rcpt in x.get("rcpt", [])],
		    timeout=60, every=0.3)
		assert msgs, "report not delivered:\n%s\n%s\n%s" % (pf.log(),
		    m.log_tail(), d.stderr_tail())
		data = msgs[0]["data"]
		raw = data.encode() if isinstance(data, str) else data
		rep, _, _, _, _ = check_report_mail(raw, world, dom, SUBMITTER,
		    day_start, rcpt, FROM, dkim_selector=SELECTOR)
		pols = check_report(rep, ORG, CONTACT, day_start)
		p = pols[("sts", dom)]
		assert p["policy"]["mx-host"] == [mx]
		assert p["summary"]["total-failure-session-count"] >= 1
		[det] = details_by_type(p)["certificate-host-mismatch"]
		assert det["receiving-mx-hostname"] == mx

		# The milter tagged the report mail, did not hold it, and
		# policyd started no probe for it.
		assert "MTA-STS-Status: %s=enforce/failed" % dom in data, data
		assert [l for l in pf.log().splitlines() if "milter-hold" in
		    l and qid not in l] == [], pf.log()
		assert "tagged, not held (TLS-Required: No)" in m.log(), \
		    m.log_tail()
		after = d.ctl("status")["stats"]
		assert after.get("probes") == probes.get("probes"), (probes,
		    after)
		# ... while the ordinary message is still held.
		assert pf.queue_of(qid) == "hold"
		lst = d.ctl("report list")
		[dl] = [x for x in lst["deliveries"] if x["domain"] == dom]
		assert dl["status"] == "sent" and dl["rua"] == "mailto:" + rcpt
	finally:
		pf.stop()
		rcs.append(m.stop())
		rcs.append(d.stop(5)[0])
		d.cleanup()
	assert rcs == [0, 0], rcs
