#
# test_postfix_chroot.py - a real Postfix with Debian's stock master.cf
# (smtp, smtpd and cleanup chrooted in the queue directory) wired up with
# contrib/postfix exactly as shipped: the socketmap and the milter over
# relative socket names below the queue directory, the README's
# recommended chroot-reachable path (INTEGRATION-NOTES "Postfix and
# milters", "Running Postfix inside tests").
#
# DESCRIPTION
#	A private instance (postfix_world.Postfix): its own config_directory and queue_directory
#	in a temporary directory, master.cf = Debian's master.cf.dist with
#	contrib/postfix/master.cf-tlsrpt appended, main.cf = the test's
#	own keys (paths, 127.0.0.10, the world's CA, maillog_file) followed
#	by contrib/postfix/main.cf. The chroot gets etc/resolv.conf and
#	friends as Debian's postfix start-up copies them. mtasts-policyd
#	and mtasts-milter read the keys of contrib/postfix/mtasts.conf.postfix
#	with /var/spool/postfix replaced by the private queue directory and
#	the account "mtasts" by a system account of the test's own
#	(TEST_USER, made with useradd --system when missing): both daemons
#	run as that user, as shipped, with the snippet's socket modes and
#	groups; the socket directory is made as the snippet says, and the
#	control socket lives in a run directory owned by the account (as
#	contrib/systemd/mtasts.tmpfiles makes /run/mtasts). release_command
#	is the default pair, pointed at the private instance with -c.
#
#	It needs the network namespace run (tests/world/netns.sh): the
#	chrooted smtp(8) reads nameserver 127.0.0.1 from its copy of
#	resolv.conf (port 53) and delivers to MX hosts on port 25. Mail
#	goes in through sendmail(1), so the milter is reached by the
#	chrooted cleanup(8) (non_smtpd_milters).
#
import os
import grp
import pwd
import shutil
import subprocess
import tempfile

import pytest

from helpers import Daemon, DaemonError, KEEP, wait_until, world_client_config
from postfix_world import (Postfix, POSTCONF, STOCK_MASTER, TOP_BUILD,
    CONTRIB, why_not_postfix, conf_keys, system_account, uids, connect_as,
    chrooted_smtp_roots)

MILTER = os.path.join(TOP_BUILD, "milter", "mtasts-milter")
TEST_USER = "mtasts-pftest"	# stands for the snippet's "mtasts"


def _why_not():
	"""_why_not - the reason this module cannot run here, or None."""
	why = why_not_postfix()
	if why is None and not os.path.exists(MILTER):
		why = "no %s" % MILTER
	return why


pytestmark = pytest.mark.skipif(_why_not() is not None,
    reason=_why_not() or "")


def _own_files(d, uid, gid):
	"""_own_files - what the daemon user must reach: the cache (its own),
	the configuration and CA (readable), and a run directory of its own
	for the control socket (as mtasts.tmpfiles makes /run/mtasts)."""
	os.chmod(d.dir, 0o755)
	os.chown(d.cache_dir, uid, gid)
	ca = os.path.join(d.dir, "ca.pem")
	shutil.copy(d.world.ca_file, ca)
	os.chmod(ca, 0o644)
	run = os.path.join(d.dir, "run")
	os.mkdir(run, 0o755)
	os.chown(run, uid, gid)
	d.sm_path = os.path.join(run, "sm.sock")
	d.ctl_path = os.path.join(run, "control.sock")
	return ca


@pytest.fixture(scope="module")
def setup(world):
	uid, gid = system_account(TEST_USER)
	top = tempfile.mkdtemp(prefix="mtpf", dir="/tmp")
	os.chmod(top, 0o755)
	pf = Postfix(top, world.ca_file, sock_owner=TEST_USER)
	conf = conf_keys(os.path.join(CONTRIB, "mtasts.conf.postfix"),
	    pf.queue_dir)
	# The snippet as shipped, its account renamed to the test's.
	assert conf.pop("user") == "mtasts" and conf.pop("group") == "mtasts"
	conf["user"] = conf["group"] = TEST_USER
	d = Daemon(world)
	ca = _own_files(d, uid, gid)
	d.conf.update(world_client_config(world))
	d.conf["tls_ca_file"] = ca
	d.conf["control_socket"] = d.ctl_path
	d.conf["socketmap_listen"] = ["unix:" + d.sm_path,
	    "inet:127.0.0.1:%d" % d.inet_port]
	sm = conf.pop("socketmap_listen")
	d.conf["socketmap_listen"] = d.conf["socketmap_listen"] + \
	    (sm if isinstance(sm, list) else [sm])
	d.conf.update(conf)
	d.conf["release_command"] = [
	    "/usr/sbin/postsuper -c %s -H {queue_id}" % pf.conf_dir,
	    "/usr/sbin/postqueue -c %s -i {queue_id}" % pf.conf_dir]
	d.conf["hold_max"] = "10m"
	# No wait in the milter: every new domain is held first, so the
	# release through release_command is part of each delivery.
	d.conf["milter_wait"] = "0s"
	d.write_config()
	os.chmod(d.conf_path, 0o644)
	milter = None
	try:
		d.start()
		merr = open(os.path.join(d.dir, "milter.log"), "ab")
		milter = subprocess.Popen([MILTER, "-f", "-c", d.conf_path],
		    stdin=subprocess.DEVNULL, stdout=merr, stderr=merr)
		msock = os.path.join(pf.sock_dir, "milter.sock")
		if not wait_until(lambda: os.path.exists(msock), timeout=10):
			raise DaemonError("mtasts-milter did not create %s" % msock)
		pf.start()
	except Exception:
		if milter is not None:
			milter.terminate()
			milter.wait(10)
		d.stop()
		d.cleanup()
		raise
	pf.milter_log = os.path.join(d.dir, "milter.log")
	pf.milter_pid = milter.pid
	pf.uid, pf.gid = uid, gid
	yield pf, d
	pf.stop()
	milter.terminate()
	mrc = milter.wait(10)
	merr.close()
	rc, _ = d.stop()
	# Issue 17 item 5: the unprivileged daemons remove their sockets.
	left = [p for p in (d.ctl_path, d.sm_path, os.path.join(pf.sock_dir,
	    "socketmap.sock"), os.path.join(pf.sock_dir, "milter.sock"))
	    if os.path.lexists(p)]
	d.cleanup()
	if not KEEP:
		shutil.rmtree(top, ignore_errors=True)
	assert rc == 0, d.stderr_tail()
	assert mrc == 0
	assert left == [], left


def _postconf(pf, *args):
	return pf.run(POSTCONF, "-c", pf.conf_dir, *args).stdout.strip()


def test_stock_master_cf_chroots(setup):
	"""The instance runs Debian's master.cf as shipped: smtp, cleanup
	and smtpd chrooted."""
	pf, _ = setup
	with open(STOCK_MASTER) as f:
		stock = f.read()
	with open(os.path.join(pf.conf_dir, "master.cf")) as f:
		assert f.read().startswith(stock)
	for svc in ("smtp/unix", "cleanup/unix", "smtp/inet"):
		assert _postconf(pf, "-Fh", svc + "/chroot") == "y", svc
	assert _postconf(pf, "-h", "smtp_tls_policy_maps") == \
	    "socketmap:unix:mtasts/socketmap.sock:sts"
	assert _postconf(pf, "-h", "non_smtpd_milters") == \
	    "unix:mtasts/milter.sock"


def test_sockets_are_reachable_by_postfix(setup):
	"""socket_group = postfix, socket_mode = 0660 from the snippet."""
	pf, _ = setup
	for name in ("socketmap.sock", "milter.sock"):
		st = os.stat(os.path.join(pf.sock_dir, name))
		assert grp.getgrgid(st.st_gid).gr_name == "postfix", name
		assert st.st_mode & 0o060 == 0o060, name


def test_daemons_run_as_their_user(setup):
	"""Both daemons run as the snippet's user (only policyd's release
	helper stays root)."""
	pf, d = setup
	assert uids(d.proc.pid) == [str(pf.uid)] * 4
	assert uids(pf.milter_pid) == [str(pf.uid)] * 4


def test_control_socket_is_not_postfixs(setup):
	"""socket_group = postfix opens the socketmap to Postfix, not the
	control socket: that is the daemon user's (control_socket_mode,
	control_socket_group default to its group)."""
	pf, d = setup
	st = os.stat(d.ctl_path)
	assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == (pf.uid,
	    pf.gid, 0o660)
	postfix = pwd.getpwnam("postfix")
	gid = grp.getgrnam("postfix").gr_gid
	assert connect_as(postfix.pw_uid, gid, os.path.join(pf.sock_dir,
	    "socketmap.sock")) == 0
	assert connect_as(postfix.pw_uid, gid, d.ctl_path) == 13  # EACCES
	# root's mtasts-ctl works.
	assert d.ctl("status")["ok"] is True


def test_relative_socketmap_from_the_queue_directory(setup):
	"""The relative name in main.cf resolves against the queue directory,
	which is where (and what) a chrooted Postfix process sees."""
	pf, _ = setup
	r = pf.run("/usr/sbin/postmap", "-c", pf.conf_dir, "-q",
	    "mx-good.test", "socketmap:unix:mtasts/socketmap.sock:sts",
	    cwd=pf.queue_dir)
	assert r.stdout.strip() == \
	    "secure match=mx.mx-good.test servername=hostname"


def test_delivery_over_verified_tls(setup, world):
	"""A message to an enforce domain: tagged and held by the milter,
	released by policyd once the route is confirmed, and delivered by
	the chrooted smtp client under the policy from the socketmap
	("Verified", not "Trusted", TLS: smtp_tls_security_level is may)."""
	pf, _ = setup
	mark = world.mark()
	rcpt = "user@mx-good.test"
	pf.send("sender@client.example", rcpt, "good")
	msgs = wait_until(lambda: world.smtp_messages("mx.mx-good.test",
	    since=mark), timeout=60, every=0.5)
	log = pf.log()
	assert msgs, "not delivered; maillog:\n" + log
	m = msgs[-1]
	data = m.get("data", "")
	assert "MTA-STS-Status: mx-good.test=enforce/" in data, m
	assert "Verified TLS connection established to " \
	    "mx.mx-good.test[127.0.0.1]:25" in log, log
	# milter_wait = 0: held at first, released by policyd's helper.
	assert "milter triggers HOLD action; from=<sender@client.example> " \
	    "to=<%s>" % rcpt in log, log
	assert "released from hold" in log, log
	assert "status=sent" in log
	# The policy came through the chroot: the smtp client that delivered
	# runs with the queue directory as its root.
	roots = chrooted_smtp_roots(pf)
	assert roots and all(r == pf.queue_dir for r in roots), roots


def test_enforce_failure_defers(setup, world):
	"""An enforce domain whose MX has a certificate for another name:
	Postfix's own TLS check, driven by our policy, refuses to deliver."""
	pf, d = setup
	log = _held_released_deferred(pf, d, world, "mx-badname.test",
	    "badname")
	assert "certificate verification failed for " \
	    "mx.mx-badname.test" in log or \
	    "Server certificate not verified" in log, log


def _held_released_deferred(pf, d, world, domain, subject):
	"""_held_released_deferred - send to user@domain; the milter holds
	it and no route will be confirmed, so release it by hand (mtasts-ctl
	release, through release_command); Postfix must defer it, and
	mx.DOMAIN must receive nothing. Returns the mail log."""
	mark = world.mark()
	rcpt = "user@" + domain
	pf.send("sender@client.example", rcpt, subject)

	def held():
		return [h["queue_id"] for h in d.ctl("holds").get("holds", [])
		    if any(x["domain"] == domain for x in h["domains"])]
	ids = wait_until(held, timeout=30)
	assert ids, d.ctl("holds")
	for qid in ids:
		assert d.ctl("release " + qid)["ok"] is True
	pf.run("/usr/sbin/postqueue", "-c", pf.conf_dir, "-f")

	def deferred():
		# one smtp line for this recipient: the hold line names it too,
		# and an earlier case's mail may be deferred again by the flush
		log = pf.log()
		return any("to=<%s>," % rcpt in l and "status=deferred" in l
		    for l in log.splitlines()) and log
	log = wait_until(deferred, timeout=60, every=0.5)
	assert log, "no deferral; maillog:\n" + pf.log()
	assert not world.smtp_messages("mx." + domain, since=mark)
	return log


def test_log_tells_one_domains_story(setup):
	"""grep DOMAIN over the daemons' logs (syslog, here their standard
	error) shows what was decided for it: the policy, the route, the
	milter's verdict."""
	pf, d = setup
	with open(pf.milter_log, errors="replace") as f:
		lines = [l for l in (d.stderr_text() + f.read()).splitlines()
		    if "mx-good.test" in l]
	story = "\n".join(lines)
	assert "policy" in story and "mode=enforce" in story, story
	assert "route confirmed" in story, story
	assert "mx-good.test=enforce/" in story and "held" in story, story


def test_certificate_for_a_sibling_host_defers(setup, world):
	"""Issue 17.2: policy "mx: *.mx-sibling.test", MX mx.mx-sibling.test
	presenting a valid certificate for other.mx-sibling.test. Answered
	with the pattern (".mx-sibling.test") Postfix would deliver: it
	checks the certificate against the answer only. The answer names the
	resolved MX host instead, so Postfix refuses the certificate."""
	pf, d = setup
	r = pf.run("/usr/sbin/postmap", "-c", pf.conf_dir, "-q",
	    "mx-sibling.test", "socketmap:unix:mtasts/socketmap.sock:sts",
	    cwd=pf.queue_dir)
	assert r.stdout.strip() == \
	    "secure match=mx.mx-sibling.test servername=hostname", r
	log = _held_released_deferred(pf, d, world, "mx-sibling.test",
	    "sibling")
	assert "mx.mx-sibling.test" in log and ("certificate verification "
	    "failed" in log or "Server certificate not verified" in log), log
