#!/bin/bash
# demo.sh - the README's demo: install what is needed (Debian 12), build,
# start the bundled test world (DNS and HTTPS policy hosts on loopback),
# mtasts-policyd on its LMDB cache and mtasts-milter, then ask the
# socketmap about an enforce, a testing and a no-policy domain - with
# Postfix's own postmap, the way Postfix will ask - show what the daemon
# cached, and pass one message to all three through the milter; then
# show the TLS-RPT results policyd counted, build one report, send it into
# an outbox and read it back with mtasts-ctl report view.
#
# usage: bash tests/world/demo.sh [--no-install]
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$(pwd)
PY=/usr/bin/python3

if [ "${1:-}" != "--no-install" ]; then
	echo "== installing packages (Debian 12)"
	bash contrib/debian-deps.sh >/tmp/mtasts-demo-apt.log 2>&1 ||
	    { tail -20 /tmp/mtasts-demo-apt.log; exit 1; }
fi
if [ ! -x _build/policyd/mtasts-policyd ]; then
	echo "== building"
	{ ./autogen.sh && mkdir -p _build && cd _build && ../configure -q &&
	    make -j"$(nproc)" -s; } >/tmp/mtasts-demo-build.log 2>&1 ||
	    { tail -30 /tmp/mtasts-demo-build.log; exit 1; }
	cd "$top"
fi

work=$(mktemp -d /tmp/mtasts-demo.XXXXXX)
world_pid="" policyd_pid="" milter_pid=""
cleanup() {
	[ -n "$milter_pid" ] && kill "$milter_pid" 2>/dev/null && wait "$milter_pid" 2>/dev/null
	[ -n "$policyd_pid" ] && kill "$policyd_pid" 2>/dev/null && wait "$policyd_pid" 2>/dev/null
	[ -n "$world_pid" ] && kill "$world_pid" 2>/dev/null && wait "$world_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "== starting the test world"
mkfifo "$work/world.out"
$PY tests/world/world.py up --dir "$work/world" >"$work/world.out" 2>"$work/world.err" &
world_pid=$!
dns_port="" https_port="" smtp_port="" ca=""
exec 3<"$work/world.out"
while read -r -t 60 key a b <&3; do
	case $key in
	dns) dns_port=$b ;;
	https) https_port=$b ;;
	smtp) smtp_port=$b ;;
	ca) ca=$a ;;
	ready) break ;;
	esac
done
if [ -z "$dns_port" ] || [ -z "$https_port" ]; then
	echo "the world did not start:"; cat "$work/world.err"; exit 1
fi
echo "   DNS on 127.0.0.1:$dns_port, HTTPS policy hosts on 127.0.0.1:$https_port"

mkdir -p "$work/cache" "$work/outbox"
# Report mail goes to a stand-in for sendmail that keeps it in outbox/.
cat >"$work/sendmail" <<SINK
#!/bin/sh
n=\$(ls "$work/outbox" | wc -l)
exec cat >"$work/outbox/report\$n.eml"
SINK
chmod 755 "$work/sendmail"
cat >"$work/mtasts.conf" <<CONF
# the demo's configuration: everything else is the built-in default
socketmap_listen = unix:$work/socketmap.sock
control_socket = $work/control.sock
cache_dir = $work/cache
dns_forwarder = 127.0.0.1@$dns_port
dnssec = no
allow_private_addresses = yes
tls_ca_file = $ca
policy_https_port = $https_port
mx_smtp_port = ${smtp_port:-25}
milter_socket = unix:$work/milter.sock
milter_wait = 2s
tlsrpt_enable = yes
tlsrpt_org_name = mtasts demo
tlsrpt_contact = tlsrpt@demo.example
tlsrpt_from = noreply-tlsrpt@demo.example
tlsrpt_sendmail = $work/sendmail -i -t
CONF
echo "== starting mtasts-policyd -f -c $work/mtasts.conf"
_build/policyd/mtasts-policyd -f -c "$work/mtasts.conf" 2>"$work/policyd.log" &
policyd_pid=$!
for _ in $(seq 50); do [ -S "$work/control.sock" ] && break; sleep 0.1; done
[ -S "$work/control.sock" ] || { cat "$work/policyd.log"; exit 1; }

# postmap needs a main.cf; a private one keeps the host's Postfix untouched.
mkdir -p "$work/postfix"
echo "compatibility_level = 3.6" >"$work/postfix/main.cf"
lookup() {
	local out rc
	out=$(postmap -c "$work/postfix" -q "$1" "socketmap:unix:$work/socketmap.sock:sts")
	rc=$?
	if [ $rc -eq 0 ]; then
		printf '   %-16s %s\n' "$1" "$out"
	else
		printf '   %-16s (not found: deliver as without MTA-STS)\n' "$1"
	fi
}
echo "== postmap -q DOMAIN socketmap:unix:$work/socketmap.sock:sts"
for d in enforce.test testing.test nxdomain.test; do lookup "$d"; done
echo "== again (answered from the LMDB cache)"
for d in enforce.test testing.test nxdomain.test; do lookup "$d"; done

echo "== the cache, through the control socket"
$PY - "$work/control.sock" <<'PYEOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
for d in ("enforce.test", "testing.test", "nxdomain.test"):
	f.write("show %s\n" % d)
	f.flush()
	o = json.loads(f.readline())
	if not o.get("ok"):
		print("   %-16s %s" % (d, o.get("error")))
	elif o.get("state") == "policy":
		print("   %-16s mode=%s id=%s mx=%s expires %s" % (d, o["mode"],
		    o["id"], ",".join(o["mx"]), o["expires_at"]))
	else:
		print("   %-16s no policy (%s) until %s" % (d, o.get("last_error"),
		    o.get("negative_until")))
PYEOF
echo "== starting mtasts-milter -f -c $work/mtasts.conf"
_build/milter/mtasts-milter -f -c "$work/mtasts.conf" 2>"$work/milter.log" &
milter_pid=$!
for _ in $(seq 50); do [ -S "$work/milter.sock" ] && break; sleep 0.1; done
echo "== one outbound message to those three and mx-good.test (an enforce domain whose"
echo "   MX has a good certificate), through the milter (miltertest)"
cat >"$work/demo.lua" <<'LUA'
dofile(libdir .. "/lib.lua")
run(function()
	local conn, reply = message{rcpts = {"<a@enforce.test>",
	    "<b@testing.test>", "<c@nxdomain.test>", "<d@mx-good.test>"}}
	print("   header added: MTA-STS-Status: " .. tostring(status_of(conn)))
	if mt.eom_check(conn, MT_QUARANTINE) then
		print("   quarantined (held) until policyd confirms a route to "
		    .. "the enforce domain's MX")
	else
		print("   not held")
	end
end)
LUA
miltertest -s "$work/demo.lua" -D libdir="$top/tests/milter" \
    -D socket="unix:$work/milter.sock" 2>&1 | sed 's/^   /   /'
echo "== held mail, through the control socket"
$PY - "$work/control.sock" <<'PYEOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.write("holds\n")
f.flush()
for h in json.loads(f.readline()).get("holds", []):
	print("   %s held at %s: %s" % (h["queue_id"], h["held_at"], ", ".join(
	    "%s=%s" % (d["domain"], d["state"]) for d in h["domains"])))
PYEOF
ctl() { _build/ctl/mtasts-ctl -c "$work/mtasts.conf" "$@"; }
today=$(date -u +%Y-%m-%d)
echo "== TLS-RPT: the session results policyd counted today (its MX probes)"
ctl report list | sed 's/^/   /'
echo "== the RFC 8460 report mx-good.test will get for today (it publishes _smtp._tls)"
ctl report show --day "$today" mx-good.test | sed 's/^/   /'
echo "== mtasts-ctl report send --day $today mx-good.test (normally: after the day ends)"
ctl report send --day "$today" mx-good.test | sed 's/^/   /'
for eml in "$work"/outbox/*.eml; do
	[ -f "$eml" ] || continue
	echo "== the report mail, as its receiver's admin reads it (mtasts-ctl report view)"
	grep -E '^(From|To|Subject|TLS-Report-Domain|TLS-Report-Submitter|TLS-Required):' \
	    "$eml" | sed 's/^/   /'
	ctl report view "$eml" | sed 's/^/   /'
done
echo "== what policyd logged"
sed 's/^/   /' "$work/policyd.log"
echo "== what the milter logged"
sed 's/^/   /' "$work/milter.log"
